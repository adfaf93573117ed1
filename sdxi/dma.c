// SPDX-License-Identifier: GPL-2.0
/*
 * The dmaengine provider: every SDXI function becomes a dma_device whose
 * channels copy memory (DMA_MEMCPY), one client context per channel.
 *
 * A transaction is one or more Copy descriptors that all name its own
 * completion block, armed with their count.  issue_pending() posts what is
 * queued with one doorbell and, when a callback is wanted or work had to
 * wait for ring space, ends the batch with a fenced Intr: its interrupt
 * comes after the batch.  The context's notifier schedules a tasklet that
 * completes transactions in order.  A failed transaction (ER in its block)
 * or a context that stopped with work outstanding completes what is left
 * with an error result; a work item then turns what the function has not
 * run into Nops and restarts the context.
 *
 * The context is created when a client takes the channel and destroyed
 * when it lets go, so an unused provider holds no contexts.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dmaengine.h>
#include <linux/err.h>
#include <linux/interrupt.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "sdxi.h"

#define SDXI_DMA_RING_ENTRIES	SDXI_RING_MIN_ENTRIES
#define SDXI_DMA_DESCS		256	/* transactions per channel */

static unsigned int dma_channels = 2;
module_param(dma_channels, uint, 0444);
MODULE_PARM_DESC(dma_channels,
		 "dmaengine channels (contexts) per SDXI function, 0 for none");

struct sdxi_dma_desc {
	struct dma_async_tx_descriptor tx;
	struct list_head node;
	struct sdxi_cmpl cmpl;
	dma_addr_t dst;
	dma_addr_t src;
	size_t len;
	u32 nr;				/* Copy descriptors */
	enum dmaengine_tx_result result;
};

/*
 * A transaction moves submitted -> queued (issue_pending) -> active (on
 * the ring) -> back to free once done and acked; done holds those done but
 * not yet acked, terminated those dropped while the function may still
 * read their blocks.  All under @lock.
 */
struct sdxi_dma_chan {
	struct dma_chan chan;
	struct sdxi_fn *fn;
	struct sdxi_cxt *cxt;
	spinlock_t lock;
	struct list_head free;
	struct list_head submitted;
	struct list_head queued;
	struct list_head active;
	struct list_head done;
	struct list_head terminated;
	bool recovering;		/* restart pending: post nothing */
	bool broken;			/* the context did not restart */
	struct tasklet_struct tasklet;
	struct work_struct restart;
	struct sdxi_dma_desc *descs;
};

struct sdxi_dma_dev {
	struct dma_device dma;
	struct sdxi_fn *fn;
	u64 max_len;
	struct list_head node;
	unsigned int nr_chans;
	struct sdxi_dma_chan chans[] __counted_by(nr_chans);
};

/* Functions this client took; add() and remove() are serialised. */
static LIST_HEAD(sdxi_dma_devs);

static struct sdxi_dma_chan *to_sdxi_chan(struct dma_chan *chan)
{
	return container_of(chan, struct sdxi_dma_chan, chan);
}

static struct sdxi_dma_desc *to_sdxi_desc(struct dma_async_tx_descriptor *tx)
{
	return container_of(tx, struct sdxi_dma_desc, tx);
}

/* The cookie bookkeeping dmaengine leaves to each provider. */
static dma_cookie_t sdxi_dma_cookie_assign(struct dma_async_tx_descriptor *tx)
{
	struct dma_chan *chan = tx->chan;
	dma_cookie_t cookie = chan->cookie + 1;

	if (cookie < DMA_MIN_COOKIE)
		cookie = DMA_MIN_COOKIE;
	chan->cookie = cookie;
	tx->cookie = cookie;
	return cookie;
}

static void sdxi_dma_cookie_complete(struct dma_async_tx_descriptor *tx)
{
	tx->chan->completed_cookie = tx->cookie;
	tx->cookie = 0;
}

/* Acked, finished transactions are free again. */
static void sdxi_dma_reclaim(struct sdxi_dma_chan *sc)
{
	struct sdxi_dma_desc *d, *n;

	list_for_each_entry_safe(d, n, &sc->done, node)
		if (async_tx_test_ack(&d->tx))
			list_move_tail(&d->node, &sc->free);
}

/* A transaction's Copy descriptors, from ring index @idx on. */
static void sdxi_dma_encode(struct sdxi_dma_chan *sc, struct sdxi_dma_desc *d,
			    u64 idx)
{
	u64 max_len = container_of(sc->chan.device, struct sdxi_dma_dev,
				   dma)->max_len;
	u64 off;

	sdxi_cmpl_arm(&d->cmpl, d->nr);
	for (off = 0; off < d->len; off += max_len) {
		struct sdxi_desc *slot = sdxi_cxt_desc(sc->cxt, idx++);
		struct sdxi_copy copy = {
			.src = d->src + off,
			.dst = d->dst + off,
			.len = min_t(u64, d->len - off, max_len),
		};

		/* Checked by prep: neither fails. */
		sdxi_encode_copy(slot, 0, &copy);
		sdxi_desc_set_csb(slot, d->cmpl.dma);
	}
}

/*
 * Moves what is queued onto the ring, as much as fits, with one doorbell.
 * Called with @sc->lock held.
 */
static void sdxi_dma_post(struct sdxi_dma_chan *sc)
{
	struct sdxi_dma_desc *d, *last = NULL;
	struct sdxi_ring_resv resv;
	LIST_HEAD(batch);
	u32 space, nr = 0;
	bool intr = false;
	u64 idx;

	if (sc->recovering || !sc->cxt || list_empty(&sc->queued))
		return;
	if (sc->broken) {
		/* Nothing runs on it: the tasklet fails what is queued. */
		tasklet_schedule(&sc->tasklet);
		return;
	}
	/* The last slot is kept for an Intr. */
	space = sdxi_cxt_space(sc->cxt);
	if (!space)
		return;
	list_for_each_entry(d, &sc->queued, node) {
		if (nr + d->nr > space - 1)
			break;
		nr += d->nr;
		intr |= !!(d->tx.flags & DMA_PREP_INTERRUPT);
		last = d;
	}
	/* Work left behind needs an interrupt to be posted later. */
	if (!last || !list_is_last(&last->node, &sc->queued))
		intr = true;
	if (sdxi_cxt_reserve(sc->cxt, nr + intr, &resv))
		return;

	idx = resv.index;
	list_for_each_entry(d, &sc->queued, node) {
		if (!last)
			break;
		sdxi_dma_encode(sc, d, idx);
		idx += d->nr;
		if (d == last)
			break;
	}
	if (intr)
		sdxi_encode_intr(sdxi_cxt_desc(sc->cxt, idx), SDXI_DSC_FE,
				 sdxi_cxt_intr_akey(sc->cxt));
	if (last) {
		list_cut_position(&batch, &sc->queued, &last->node);
		list_splice_tail(&batch, &sc->active);
	}
	sdxi_cxt_post(sc->cxt, &resv);
	sdxi_cxt_kick(sc->cxt);
}

static int sdxi_dma_cmpl_done(struct sdxi_dma_desc *d)
{
	struct sdxi_cst_blk *blk = d->cmpl.blk;

	/* A failed descriptor signals ER whatever the count says. */
	if (le32_to_cpu(READ_ONCE(blk->flags)) & SDXI_CST_BLK_ER)
		return -EIO;
	return sdxi_cmpl_poll(&d->cmpl);
}

/* Invoke a finished transaction's callback, as dmaengine's helper would. */
static void sdxi_dma_callback(struct sdxi_dma_desc *d)
{
	struct dmaengine_result res = {
		.result = d->result,
		.residue = d->result == DMA_TRANS_NOERROR ? 0 : d->len,
	};
	struct dma_async_tx_descriptor *tx = &d->tx;

	dma_descriptor_unmap(tx);
	if (tx->callback_result)
		tx->callback_result(tx->callback_param, &res);
	else if (tx->callback)
		tx->callback(tx->callback_param);
}

/* Completes finished transactions in order; recovers from errors. */
static void sdxi_dma_tasklet(struct tasklet_struct *t)
{
	struct sdxi_dma_chan *sc = from_tasklet(sc, t, tasklet);
	struct sdxi_dma_desc *d, *n;
	LIST_HEAD(finished);
	bool failed = false;
	unsigned long flags;
	u32 state;

	spin_lock_irqsave(&sc->lock, flags);
	if (!sc->cxt)
		goto unlock;
	/* The state before the blocks: what ran before a stop shows. */
	state = sc->broken ? SDXI_CXT_ERR_FN : sdxi_cxt_state(sc->cxt);
	dma_rmb();
	list_for_each_entry_safe(d, n, &sc->active, node) {
		int ret = failed ? -EBUSY : sdxi_dma_cmpl_done(d);

		if (ret == -EBUSY && state == SDXI_CXT_RUN)
			break;
		if (ret == -EIO) {
			d->result = DMA_TRANS_READ_FAILED;
			failed = true;
		} else if (ret == -EBUSY) {
			/* Not run, and the context stopped. */
			d->result = DMA_TRANS_ABORTED;
			failed = true;
		} else {
			d->result = DMA_TRANS_NOERROR;
		}
		sdxi_dma_cookie_complete(&d->tx);
		list_move_tail(&d->node, &finished);
	}
	if (sc->broken) {
		list_for_each_entry_safe(d, n, &sc->queued, node) {
			d->result = DMA_TRANS_ABORTED;
			sdxi_dma_cookie_complete(&d->tx);
			list_move_tail(&d->node, &finished);
		}
	} else if (failed && !sc->recovering) {
		sc->recovering = true;
		schedule_work(&sc->restart);
	}
	sdxi_dma_post(sc);
unlock:
	spin_unlock_irqrestore(&sc->lock, flags);

	list_for_each_entry_safe(d, n, &finished, node) {
		sdxi_dma_callback(d);
		spin_lock_irqsave(&sc->lock, flags);
		list_move_tail(&d->node, &sc->done);
		sdxi_dma_reclaim(sc);
		spin_unlock_irqrestore(&sc->lock, flags);
	}
}

/*
 * After an error or terminate_all(): stop the context (a context the
 * function stopped stays as it is), turn what it has not run into Nops,
 * free what was terminated and start it again for the work queued meanwhile.
 */
static void sdxi_dma_restart(struct work_struct *work)
{
	struct sdxi_dma_chan *sc = container_of(work, struct sdxi_dma_chan,
						restart);
	int err;

	err = sdxi_cxt_stop(sc->cxt);
	spin_lock_irq(&sc->lock);
	if (!err)
		err = sdxi_cxt_cancel(sc->cxt);
	spin_unlock_irq(&sc->lock);
	if (!err)
		err = sdxi_cxt_start(sc->cxt);
	if (err)
		dev_err(sc->chan.device->dev,
			"%s: context %u not restarted: %d\n",
			dma_chan_name(&sc->chan), sdxi_cxt_id(sc->cxt), err);

	spin_lock_irq(&sc->lock);
	/* Nothing on the ring names these blocks any more. */
	list_splice_tail_init(&sc->terminated, &sc->free);
	sc->recovering = false;
	sc->broken = err;
	sdxi_dma_post(sc);
	spin_unlock_irq(&sc->lock);
}

static void sdxi_dma_notify(struct sdxi_cxt *cxt, void *data)
{
	struct sdxi_dma_chan *sc = data;

	tasklet_schedule(&sc->tasklet);
}

static dma_cookie_t sdxi_dma_tx_submit(struct dma_async_tx_descriptor *tx)
{
	struct sdxi_dma_chan *sc = to_sdxi_chan(tx->chan);
	struct sdxi_dma_desc *d = to_sdxi_desc(tx);
	unsigned long flags;
	dma_cookie_t cookie;

	spin_lock_irqsave(&sc->lock, flags);
	cookie = sdxi_dma_cookie_assign(tx);
	list_add_tail(&d->node, &sc->submitted);
	spin_unlock_irqrestore(&sc->lock, flags);
	return cookie;
}

static struct dma_async_tx_descriptor *
sdxi_dma_prep_memcpy(struct dma_chan *chan, dma_addr_t dst, dma_addr_t src,
		     size_t len, unsigned long flags)
{
	struct sdxi_dma_chan *sc = to_sdxi_chan(chan);
	struct sdxi_dma_dev *sd = container_of(chan->device,
					       struct sdxi_dma_dev, dma);
	struct sdxi_dma_desc *d;
	unsigned long irqflags;
	u64 nr;

	/* SDXI orders no overlapping copy; the ring must take it whole. */
	if (!len || (src < dst + len && dst < src + len) ||
	    src + len - 1 < src || dst + len - 1 < dst)
		return NULL;
	nr = div64_u64(len + sd->max_len - 1, sd->max_len);
	if (nr > SDXI_DMA_RING_ENTRIES - 1)
		return NULL;

	spin_lock_irqsave(&sc->lock, irqflags);
	sdxi_dma_reclaim(sc);
	d = list_first_entry_or_null(&sc->free, struct sdxi_dma_desc, node);
	if (d)
		list_del_init(&d->node);
	spin_unlock_irqrestore(&sc->lock, irqflags);
	if (!d) {
		/* Finished ones may be waiting for the tasklet. */
		if (READ_ONCE(sc->cxt))
			tasklet_schedule(&sc->tasklet);
		return NULL;
	}
	d->dst = dst;
	d->src = src;
	d->len = len;
	d->nr = nr;
	d->result = DMA_TRANS_NOERROR;
	d->tx.flags = flags;
	d->tx.cookie = -EBUSY;
	d->tx.callback = NULL;
	d->tx.callback_result = NULL;
	d->tx.callback_param = NULL;
	d->tx.unmap = NULL;
	return &d->tx;
}

static void sdxi_dma_issue_pending(struct dma_chan *chan)
{
	struct sdxi_dma_chan *sc = to_sdxi_chan(chan);
	unsigned long flags;

	spin_lock_irqsave(&sc->lock, flags);
	list_splice_tail_init(&sc->submitted, &sc->queued);
	sdxi_dma_post(sc);
	spin_unlock_irqrestore(&sc->lock, flags);
}

static enum dma_status sdxi_dma_tx_status(struct dma_chan *chan,
					  dma_cookie_t cookie,
					  struct dma_tx_state *state)
{
	struct sdxi_dma_chan *sc = to_sdxi_chan(chan);
	dma_cookie_t used = READ_ONCE(chan->cookie);
	dma_cookie_t done = READ_ONCE(chan->completed_cookie);
	enum dma_status ret;

	ret = dma_async_is_complete(cookie, done, used);
	if (state) {
		state->last = done;
		state->used = used;
		state->residue = 0;
	}
	/* A poller may have asked for no interrupt: look for it. */
	if (ret != DMA_COMPLETE && READ_ONCE(sc->cxt))
		tasklet_schedule(&sc->tasklet);
	return ret;
}

/* Transactions dropped unfinished give back what the client mapped. */
static void sdxi_dma_drop(struct sdxi_dma_chan *sc, struct list_head *list,
			  struct list_head *to)
{
	struct sdxi_dma_desc *d;

	list_for_each_entry(d, list, node)
		dma_descriptor_unmap(&d->tx);
	list_splice_tail_init(list, to);
}

/*
 * Drops everything not completed yet, without callbacks; their cookies
 * read as complete from now on.  What is on the ring is stopped, and its
 * blocks freed, by the restart work that device_synchronize waits for.
 */
static int sdxi_dma_terminate_all(struct dma_chan *chan)
{
	struct sdxi_dma_chan *sc = to_sdxi_chan(chan);
	unsigned long flags;

	spin_lock_irqsave(&sc->lock, flags);
	sdxi_dma_drop(sc, &sc->submitted, &sc->free);
	sdxi_dma_drop(sc, &sc->queued, &sc->free);
	chan->completed_cookie = chan->cookie;
	if (!list_empty(&sc->active)) {
		sdxi_dma_drop(sc, &sc->active, &sc->terminated);
		if (!sc->recovering) {
			sc->recovering = true;
			schedule_work(&sc->restart);
		}
	}
	spin_unlock_irqrestore(&sc->lock, flags);
	return 0;
}

static void sdxi_dma_synchronize(struct dma_chan *chan)
{
	struct sdxi_dma_chan *sc = to_sdxi_chan(chan);

	flush_work(&sc->restart);
	tasklet_unlock_wait(&sc->tasklet);
}

static void sdxi_dma_free_descs(struct sdxi_dma_chan *sc)
{
	unsigned int i;

	if (!sc->descs)
		return;
	for (i = 0; i < SDXI_DMA_DESCS; i++)
		sdxi_cmpl_free(sc->fn, &sc->descs[i].cmpl);
	kfree(sc->descs);
	sc->descs = NULL;
	INIT_LIST_HEAD(&sc->free);
	INIT_LIST_HEAD(&sc->done);
}

static int sdxi_dma_alloc_chan_resources(struct dma_chan *chan)
{
	struct sdxi_dma_chan *sc = to_sdxi_chan(chan);
	struct sdxi_cxt *cxt;
	unsigned int i;
	int err;

	if (!sc->fn)
		return -ENODEV;
	sc->descs = kcalloc(SDXI_DMA_DESCS, sizeof(*sc->descs), GFP_KERNEL);
	if (!sc->descs)
		return -ENOMEM;
	for (i = 0; i < SDXI_DMA_DESCS; i++) {
		struct sdxi_dma_desc *d = &sc->descs[i];

		err = sdxi_cmpl_alloc(sc->fn, &d->cmpl);
		if (err)
			goto free;
		dma_async_tx_descriptor_init(&d->tx, chan);
		d->tx.tx_submit = sdxi_dma_tx_submit;
		list_add_tail(&d->node, &sc->free);
	}

	cxt = sdxi_cxt_create(sc->fn, SDXI_DMA_RING_ENTRIES);
	if (IS_ERR(cxt)) {
		err = PTR_ERR(cxt);
		goto free;
	}
	sdxi_cxt_set_notify(cxt, sdxi_dma_notify, sc);
	err = sdxi_cxt_start(cxt);
	if (err) {
		sdxi_cxt_set_notify(cxt, NULL, NULL);
		sdxi_cxt_destroy(cxt);
		goto free;
	}
	spin_lock_irq(&sc->lock);
	sc->cxt = cxt;
	sc->broken = false;
	chan->cookie = DMA_MIN_COOKIE;
	chan->completed_cookie = DMA_MIN_COOKIE;
	spin_unlock_irq(&sc->lock);
	return SDXI_DMA_DESCS;

free:
	sdxi_dma_free_descs(sc);
	return err;
}

/* Stops a channel's work and gives its context and blocks back. */
static void sdxi_dma_release_cxt(struct sdxi_dma_chan *sc)
{
	struct sdxi_cxt *cxt = sc->cxt;

	if (!cxt)
		return;
	sdxi_dma_terminate_all(&sc->chan);
	sdxi_dma_synchronize(&sc->chan);
	sdxi_cxt_set_notify(cxt, NULL, NULL);
	tasklet_kill(&sc->tasklet);
	spin_lock_irq(&sc->lock);
	sc->cxt = NULL;
	spin_unlock_irq(&sc->lock);
	sdxi_cxt_destroy(cxt);
	sdxi_dma_free_descs(sc);
}

static void sdxi_dma_free_chan_resources(struct dma_chan *chan)
{
	sdxi_dma_release_cxt(to_sdxi_chan(chan));
}

static void sdxi_dma_release(struct dma_device *dma)
{
	kfree(container_of(dma, struct sdxi_dma_dev, dma));
}

static int sdxi_dma_add(struct sdxi_fn *fn)
{
	struct sdxi_dma_dev *sd;
	struct dma_device *dma;
	unsigned int i;
	int err;

	if (!dma_channels)
		return 0;
	sd = kzalloc(struct_size(sd, chans, dma_channels), GFP_KERNEL);
	if (!sd)
		return -ENOMEM;
	sd->nr_chans = dma_channels;
	sd->fn = fn;
	sd->max_len = sdxi_fn_max_buffer(fn);
	dma = &sd->dma;
	dma->dev = sdxi_fn_device(fn);
	dma_cap_set(DMA_MEMCPY, dma->cap_mask);
	/* Only for dma_request_channel(), never taken by async_tx. */
	dma_cap_set(DMA_PRIVATE, dma->cap_mask);
	dma->copy_align = DMAENGINE_ALIGN_1_BYTE;
	dma->directions = BIT(DMA_MEM_TO_MEM);
	dma->residue_granularity = DMA_RESIDUE_GRANULARITY_DESCRIPTOR;
	dma->device_alloc_chan_resources = sdxi_dma_alloc_chan_resources;
	dma->device_free_chan_resources = sdxi_dma_free_chan_resources;
	dma->device_prep_dma_memcpy = sdxi_dma_prep_memcpy;
	dma->device_issue_pending = sdxi_dma_issue_pending;
	dma->device_tx_status = sdxi_dma_tx_status;
	dma->device_terminate_all = sdxi_dma_terminate_all;
	dma->device_synchronize = sdxi_dma_synchronize;
	dma->device_release = sdxi_dma_release;
	INIT_LIST_HEAD(&dma->channels);
	for (i = 0; i < sd->nr_chans; i++) {
		struct sdxi_dma_chan *sc = &sd->chans[i];

		sc->fn = fn;
		spin_lock_init(&sc->lock);
		INIT_LIST_HEAD(&sc->free);
		INIT_LIST_HEAD(&sc->submitted);
		INIT_LIST_HEAD(&sc->queued);
		INIT_LIST_HEAD(&sc->active);
		INIT_LIST_HEAD(&sc->done);
		INIT_LIST_HEAD(&sc->terminated);
		tasklet_setup(&sc->tasklet, sdxi_dma_tasklet);
		INIT_WORK(&sc->restart, sdxi_dma_restart);
		sc->chan.device = dma;
		list_add_tail(&sc->chan.device_node, &dma->channels);
	}
	err = dma_async_device_register(dma);
	if (err) {
		kfree(sd);
		return err;
	}
	list_add_tail(&sd->node, &sdxi_dma_devs);
	return 0;
}

static void sdxi_dma_remove(struct sdxi_fn *fn)
{
	struct sdxi_dma_dev *sd;
	unsigned int i;

	list_for_each_entry(sd, &sdxi_dma_devs, node)
		if (sd->fn == fn)
			break;
	if (list_entry_is_head(sd, &sdxi_dma_devs, node))
		return;
	list_del(&sd->node);
	/*
	 * A client still holding a channel loses it now; its later calls
	 * find no context, and no function, and do nothing.
	 */
	for (i = 0; i < sd->nr_chans; i++) {
		sdxi_dma_release_cxt(&sd->chans[i]);
		sd->chans[i].fn = NULL;
	}
	dma_async_device_unregister(&sd->dma);
}

static struct sdxi_client sdxi_dma_client = {
	.name = "dmaengine",
	.add = sdxi_dma_add,
	.remove = sdxi_dma_remove,
};

/**
 * sdxi_dma_init() - offer every SDXI function to dmaengine
 *
 * Does nothing with the dma_channels parameter 0.
 */
void sdxi_dma_init(void)
{
	if (dma_channels)
		sdxi_client_register(&sdxi_dma_client);
}

/**
 * sdxi_dma_exit() - take the functions back from dmaengine
 */
void sdxi_dma_exit(void)
{
	if (dma_channels)
		sdxi_client_unregister(&sdxi_dma_client);
}
