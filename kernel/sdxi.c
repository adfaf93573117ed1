// SPDX-License-Identifier: GPL-2.0
/*
 * uoffload_sdxi.ko: uoffload's SDXI backend.  Each SDXI function gets
 * "channels" client contexts, and each context is one uoffload channel that
 * serves copies and fills.
 *
 * A channel's slots hold the engine's descriptors (struct uoff_xfer).  A
 * slot's pages are mapped with the DMA API and turned into SDXI descriptors
 * that all name the slot's completion status block, armed with their count;
 * the descriptors the engine writes between two doorbells form a batch that
 * ends with a fenced Intr, so a batch costs one doorbell and one interrupt.
 * The interrupt (or a poll, should one be lost) runs the channel's worker,
 * which reports the slots whose blocks have been signalled, in order.
 *
 * Nothing is lost on a device error: a block signalled with an error, a
 * context stopped by an error, a context that makes no progress for
 * "timeout_ms", or a function that failed as a whole, ends with the CPU
 * doing the slots' work again (copies and fills may be repeated), after
 * the context has been stopped and its unrun descriptors turned into Nops,
 * so the device never touches the memory once it is reported.  A context
 * that cannot be restarted, or a failed function, leaves the channel
 * serving everything on the CPU until the function goes away.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "uoff.h"
#include "sdxi/sdxi.h"

#define UOFF_SDXI_SLOTS		64
/* The pages one descriptor of the engine can touch on one side. */
#define UOFF_SDXI_SEGS		(UOFF_XFER_MAX / PAGE_SIZE + 1)
/* FILL: a block of the pattern repeated with RepCopy, then a tail Copy. */
#define UOFF_SDXI_FILL_BLOCK	32
#define UOFF_SDXI_SCRATCH	64
#define UOFF_SDXI_POLL_MS	20
#define UOFF_SDXI_RESTARTS	4

static unsigned int channels = 2;
module_param(channels, uint, 0444);
MODULE_PARM_DESC(channels, "Client contexts (channels) per SDXI function (default 2)");

static unsigned int ring_entries = 1024;
module_param(ring_entries, uint, 0444);
MODULE_PARM_DESC(ring_entries, "Descriptors per context ring, at least 1024 (default 1024)");

static unsigned int timeout_ms = 2000;
module_param(timeout_ms, uint, 0644);
MODULE_PARM_DESC(timeout_ms,
		 "A context making no progress this long is stopped and its work done by the CPU (default 2000)");

struct uoff_sdxi_slot {
	struct uoff_xfer	x;
	struct sdxi_cmpl	cmpl;
	struct uoff_xfer_sg	map;
	u8			*scratch;
	dma_addr_t		scratch_dma;
	bool			cpu;	/* the CPU does it, not the device */
	bool			lines;	/* partial cache lines only: the CPU's */
};

struct uoff_sdxi_chan {
	struct uoff_chan	*chan;
	struct sdxi_fn		*fn;
	struct sdxi_cxt		*cxt;
	struct device		*dev;
	struct uoff_sdxi_slot	*slots;
	struct scatterlist	*sg;
	u8			*scratch;
	dma_addr_t		scratch_dma;
	u64			tail;	/* next slot to write; chan->lock */
	u64			head;	/* next slot to report; the worker */
	struct sdxi_ring_resv	batch;	/* written, not posted; chan->lock */
	bool			cpu_work; /* CPU slots written; chan->lock */
	bool			dead;	/* the CPU does everything */
	unsigned int		restart_failures;
	u64			stuck;	/* the slot the worker waits for */
	unsigned long		stuck_since;
	struct delayed_work	work;
};

struct uoff_sdxi_fn {
	struct list_head	node;
	struct sdxi_fn		*fn;
	unsigned int		nr;
	struct uoff_sdxi_chan	*chans[];
};

/* Functions in use; the SDXI core serialises add() and remove(). */
static LIST_HEAD(uoff_sdxi_fns);
static struct workqueue_struct *uoff_sdxi_wq;

static struct uoff_sdxi_slot *uoff_sdxi_slot(struct uoff_sdxi_chan *sc,
					     u64 index)
{
	return &sc->slots[index % UOFF_SDXI_SLOTS];
}

/* The next descriptor of a slot: at @resv's @n-th index, or only counted. */
static struct sdxi_desc *uoff_sdxi_desc(struct uoff_sdxi_chan *sc,
					const struct sdxi_ring_resv *resv,
					unsigned int n)
{
	return resv ? sdxi_cxt_desc(sc->cxt, resv->index + n) : NULL;
}

/* One Copy per piece where both sides are contiguous. */
static unsigned int uoff_sdxi_emit_copy(struct uoff_sdxi_chan *sc,
					struct uoff_sdxi_slot *slot,
					const struct sdxi_ring_resv *resv)
{
	struct scatterlist *d = slot->map.dst_sg, *s = slot->map.src_sg;
	unsigned int doff = 0, soff = 0, n = 0;
	int left = slot->map.dst_nents;

	while (left) {
		u32 len = min(sg_dma_len(d) - doff, sg_dma_len(s) - soff);
		struct sdxi_desc *desc = uoff_sdxi_desc(sc, resv, n++);

		if (desc) {
			struct sdxi_copy c = {
				.src = sg_dma_address(s) + soff,
				.dst = sg_dma_address(d) + doff,
				.len = len,
			};

			WARN_ON_ONCE(sdxi_encode_copy(desc, 0, &c));
		}
		doff += len;
		soff += len;
		if (doff == sg_dma_len(d)) {
			d = sg_next(d);
			doff = 0;
			left--;
		}
		if (soff == sg_dma_len(s)) {
			s = sg_next(s);
			soff = 0;
		}
	}
	return n;
}

/*
 * Per contiguous piece of the destination: a RepCopy of a 32-byte block of
 * the pattern from the slot's scratch, started at the piece's phase, and a
 * Copy of the tail.  The scratch is written before the descriptors are
 * posted and is not written by the device: no fence is needed.
 */
static unsigned int uoff_sdxi_emit_fill(struct uoff_sdxi_chan *sc,
					struct uoff_sdxi_slot *slot,
					const struct sdxi_ring_resv *resv)
{
	struct scatterlist *d;
	unsigned int n = 0, i;
	u32 done = 0;

	for_each_sg(slot->map.dst_sg, d, slot->map.dst_nents, i) {
		u32 len = sg_dma_len(d);
		u32 blocks = len / UOFF_SDXI_FILL_BLOCK;
		u32 tail = len % UOFF_SDXI_FILL_BLOCK;
		struct sdxi_copy c = {
			.src = slot->scratch_dma + done % 8,
			.dst = sg_dma_address(d),
			.len = UOFF_SDXI_FILL_BLOCK,
		};
		struct sdxi_desc *desc;

		if (blocks) {
			desc = uoff_sdxi_desc(sc, resv, n++);
			if (desc)
				WARN_ON_ONCE(sdxi_encode_rep_copy(desc, 0, &c,
								  blocks));
		}
		if (tail) {
			desc = uoff_sdxi_desc(sc, resv, n++);
			c.dst += len - tail;
			c.len = tail;
			if (desc)
				WARN_ON_ONCE(sdxi_encode_copy(desc, 0, &c));
		}
		done += len;
	}
	return n;
}

static unsigned int uoff_sdxi_emit(struct uoff_sdxi_chan *sc,
				   struct uoff_sdxi_slot *slot,
				   const struct sdxi_ring_resv *resv)
{
	unsigned int n, i;

	if (slot->x.op == UOFF_OP_COPY)
		n = uoff_sdxi_emit_copy(sc, slot, resv);
	else
		n = uoff_sdxi_emit_fill(sc, slot, resv);
	for (i = 0; resv && i < n; i++)
		sdxi_desc_set_csb(uoff_sdxi_desc(sc, resv, i), slot->cmpl.dma);
	return n;
}

static unsigned int uoff_sdxi_space(struct uoff_chan *chan)
{
	struct uoff_sdxi_chan *sc = chan->priv;

	/* Pairs with the release in uoff_sdxi_work(): slots are done with. */
	return UOFF_SDXI_SLOTS - (sc->tail - smp_load_acquire(&sc->head));
}

static int uoff_sdxi_write(struct uoff_chan *chan, unsigned int i,
			   const struct uoff_xfer *x)
{
	struct uoff_sdxi_chan *sc = chan->priv;
	struct uoff_sdxi_slot *slot = uoff_sdxi_slot(sc, sc->tail + i);
	struct sdxi_ring_resv resv;
	unsigned int n;
	int mapped;

	slot->x = *x;
	slot->cpu = true;
	mapped = READ_ONCE(sc->dead) ? -EIO :
		 uoff_xfer_map_sg(sc->dev, &slot->map, x, UOFF_SDXI_SEGS);
	slot->lines = !mapped;
	if (mapped <= 0) {
		sc->cpu_work = true;
		return 0;
	}
	n = uoff_sdxi_emit(sc, slot, NULL);
	/* And one more for the batch's Intr. */
	if (sdxi_cxt_space(sc->cxt) < n + 1 ||
	    sdxi_cxt_reserve(sc->cxt, n, &resv)) {
		uoff_xfer_unmap_sg(sc->dev, &slot->map);
		/*
		 * Nothing of ours is in flight, yet the ring is full: the
		 * context is not running.  The worker restarts it; this one
		 * goes to the CPU rather than wait for a reap that never
		 * comes.
		 */
		if (sc->tail + i != smp_load_acquire(&sc->head))
			return -ENOSPC;
		sc->cpu_work = true;
		return 0;
	}
	if (x->op == UOFF_OP_FILL)
		uoff_fill_bytes(slot->scratch, UOFF_SDXI_SCRATCH,
				slot->map.pattern);
	sdxi_cmpl_arm(&slot->cmpl, n);
	uoff_sdxi_emit(sc, slot, &resv);
	if (sc->batch.nr)
		sc->batch.nr += n;
	else
		sc->batch = resv;
	slot->cpu = false;
	return 0;
}

static void uoff_sdxi_commit(struct uoff_chan *chan, unsigned int n)
{
	struct uoff_sdxi_chan *sc = chan->priv;
	struct sdxi_ring_resv intr;

	if (sc->batch.nr) {
		/* uoff_sdxi_write() kept a descriptor free for it. */
		if (!sdxi_cxt_reserve(sc->cxt, 1, &intr) &&
		    !sdxi_encode_intr(sdxi_cxt_desc(sc->cxt, intr.index),
				      SDXI_DSC_FE, sdxi_cxt_intr_akey(sc->cxt)))
			sc->batch.nr++;
		sdxi_cxt_post(sc->cxt, &sc->batch);
		sc->batch.nr = 0;
	}
	/* Pairs with the acquire in uoff_sdxi_work(): slots are written. */
	smp_store_release(&sc->tail, sc->tail + n);
}

static void uoff_sdxi_doorbell(struct uoff_chan *chan)
{
	struct uoff_sdxi_chan *sc = chan->priv;
	bool cpu_work;

	spin_lock(&chan->lock);
	cpu_work = sc->cpu_work;
	sc->cpu_work = false;
	spin_unlock(&chan->lock);

	if (!READ_ONCE(sc->dead))
		sdxi_cxt_kick(sc->cxt);
	if (cpu_work)
		mod_delayed_work(uoff_sdxi_wq, &sc->work, 0);
	else
		/* In case the interrupt never comes. */
		queue_delayed_work(uoff_sdxi_wq, &sc->work,
				   msecs_to_jiffies(UOFF_SDXI_POLL_MS));
}

static const struct uoff_chan_ops uoff_sdxi_chan_ops = {
	.name		= "sdxi",
	.engine		= UOFF_ENGINE_SDXI,
	.space		= uoff_sdxi_space,
	.write		= uoff_sdxi_write,
	.commit		= uoff_sdxi_commit,
	.doorbell	= uoff_sdxi_doorbell,
};

/* Interrupt context: the context's interrupt or its function's error. */
static void uoff_sdxi_notify(struct sdxi_cxt *cxt, void *data)
{
	struct uoff_sdxi_chan *sc = data;

	atomic64_inc(&sc->chan->stats.irqs);
	mod_delayed_work(uoff_sdxi_wq, &sc->work, 0);
}

/*
 * The device will not finish what is outstanding: stop the context (an
 * error stopped it already), turn what it has not run into Nops, give the
 * slots whose blocks are still unsignalled to the CPU, and restart it.
 */
static void uoff_sdxi_recover(struct uoff_sdxi_chan *sc)
{
	struct uoff_chan *chan = sc->chan;
	bool fn_ok = sdxi_fn_gsv(sc->fn) == SDXI_GSV_ACTIVE;
	u64 h;

	atomic64_inc(&chan->stats.errors);
	if (fn_ok && sdxi_cxt_state(sc->cxt) == SDXI_CXT_RUN &&
	    sdxi_cxt_stop(sc->cxt)) {
		dev_err(sc->dev, "context %u does not stop: using the CPU\n",
			sdxi_cxt_id(sc->cxt));
		fn_ok = false;
	}

	spin_lock(&chan->lock);
	if (fn_ok)
		sdxi_cxt_cancel(sc->cxt);
	for (h = sc->head; h != sc->tail; h++) {
		struct uoff_sdxi_slot *slot = uoff_sdxi_slot(sc, h);

		if (slot->cpu || sdxi_cmpl_poll(&slot->cmpl) != -EBUSY)
			continue;
		uoff_xfer_unmap_sg(sc->dev, &slot->map);
		slot->cpu = true;
	}
	if (!fn_ok)
		WRITE_ONCE(sc->dead, true);
	spin_unlock(&chan->lock);

	if (!fn_ok)
		return;
	/*
	 * A restart can fail the way the work did (the Nop that replaces the
	 * failed descriptor fails too): the next recovery tries again, up to
	 * a few times in a row.
	 */
	if (!sdxi_cxt_start(sc->cxt)) {
		sc->restart_failures = 0;
	} else if (++sc->restart_failures >= UOFF_SDXI_RESTARTS) {
		dev_err(sc->dev, "context %u does not restart: using the CPU\n",
			sdxi_cxt_id(sc->cxt));
		WRITE_ONCE(sc->dead, true);
	}
}

/* Report slots in order, up to the first the device has not finished. */
static u64 uoff_sdxi_reap(struct uoff_sdxi_chan *sc, u64 head, u64 tail)
{
	struct uoff_chan_stats *stats = &sc->chan->stats;

	for (; head != tail; head++) {
		struct uoff_sdxi_slot *slot = uoff_sdxi_slot(sc, head);
		int status = 0;

		if (!slot->cpu) {
			status = sdxi_cmpl_poll(&slot->cmpl);
			if (status == -EBUSY)
				break;
			uoff_xfer_unmap_sg(sc->dev, &slot->map);
			if (status)
				atomic64_inc(&stats->errors);
		}
		if (slot->cpu || status) {
			if (!slot->lines || status)
				atomic64_inc(&stats->fallbacks);
			status = uoff_cpu_exec(NULL, &slot->x);
		}
		uoff_xfer_done(&slot->x, status);
	}
	return head;
}

static void uoff_sdxi_work(struct work_struct *work)
{
	struct uoff_sdxi_chan *sc = container_of(to_delayed_work(work),
						 struct uoff_sdxi_chan, work);
	u64 head = sc->head, tail, done;

	/* Pairs with the release in uoff_sdxi_commit(): slots are written. */
	while ((tail = smp_load_acquire(&sc->tail)) != head) {
		done = uoff_sdxi_reap(sc, head, tail);
		if (done != head) {
			/* Slots may be reused once head passes them. */
			smp_store_release(&sc->head, done);
			uoff_chan_reaped(sc->chan, done - head);
			head = done;
			cond_resched();
			continue;
		}
		if (sc->stuck != head || !sc->stuck_since) {
			sc->stuck = head;
			sc->stuck_since = jiffies ?: 1;
		}
		if (sdxi_cxt_state(sc->cxt) == SDXI_CXT_RUN &&
		    sdxi_fn_gsv(sc->fn) == SDXI_GSV_ACTIVE &&
		    time_before(jiffies, sc->stuck_since +
				msecs_to_jiffies(READ_ONCE(timeout_ms)))) {
			queue_delayed_work(uoff_sdxi_wq, &sc->work,
					   msecs_to_jiffies(UOFF_SDXI_POLL_MS));
			return;
		}
		uoff_sdxi_recover(sc);
		sc->stuck_since = 0;
	}
	/* Stopped by an error with nothing left to wait for: restart it. */
	if (!READ_ONCE(sc->dead) && sdxi_cxt_state(sc->cxt) != SDXI_CXT_RUN)
		uoff_sdxi_recover(sc);
}

static void uoff_sdxi_chan_free(struct uoff_sdxi_chan *sc)
{
	unsigned int i;

	if (!sc)
		return;
	sdxi_cxt_destroy(sc->cxt);
	for (i = 0; sc->slots && i < UOFF_SDXI_SLOTS; i++)
		sdxi_cmpl_free(sc->fn, &sc->slots[i].cmpl);
	if (sc->scratch)
		dma_free_coherent(sc->dev, UOFF_SDXI_SLOTS * UOFF_SDXI_SCRATCH,
				  sc->scratch, sc->scratch_dma);
	kvfree(sc->sg);
	kvfree(sc->slots);
	uoff_chan_destroy(sc->chan);
	kfree(sc);
}

static struct uoff_sdxi_chan *uoff_sdxi_chan_alloc(struct sdxi_fn *fn,
						   int node)
{
	struct uoff_sdxi_chan *sc;
	struct sdxi_cxt *cxt;
	unsigned int i;

	sc = kzalloc(sizeof(*sc), GFP_KERNEL);
	if (!sc)
		return ERR_PTR(-ENOMEM);
	sc->fn = fn;
	sc->dev = sdxi_fn_device(fn);
	INIT_DELAYED_WORK(&sc->work, uoff_sdxi_work);
	cxt = sdxi_cxt_create(fn, ring_entries);
	if (IS_ERR(cxt)) {
		kfree(sc);
		return ERR_CAST(cxt);
	}
	sc->cxt = cxt;
	sc->slots = kvcalloc(UOFF_SDXI_SLOTS, sizeof(*sc->slots), GFP_KERNEL);
	sc->sg = kvcalloc(UOFF_SDXI_SLOTS * 2 * UOFF_SDXI_SEGS,
			  sizeof(*sc->sg), GFP_KERNEL);
	sc->scratch = dma_alloc_coherent(sc->dev,
					 UOFF_SDXI_SLOTS * UOFF_SDXI_SCRATCH,
					 &sc->scratch_dma, GFP_KERNEL);
	sc->chan = uoff_chan_create(&uoff_sdxi_chan_ops, sc, node,
				    UOFF_SDXI_SLOTS);
	if (!sc->slots || !sc->sg || !sc->scratch || !sc->chan)
		goto nomem;
	for (i = 0; i < UOFF_SDXI_SLOTS; i++) {
		struct uoff_sdxi_slot *slot = &sc->slots[i];

		if (sdxi_cmpl_alloc(fn, &slot->cmpl))
			goto nomem;
		slot->map.dst_sg = &sc->sg[2 * i * UOFF_SDXI_SEGS];
		slot->map.src_sg = slot->map.dst_sg + UOFF_SDXI_SEGS;
		slot->scratch = sc->scratch + i * UOFF_SDXI_SCRATCH;
		slot->scratch_dma = sc->scratch_dma + i * UOFF_SDXI_SCRATCH;
	}
	return sc;

nomem:
	uoff_sdxi_chan_free(sc);
	return ERR_PTR(-ENOMEM);
}

static void uoff_sdxi_chan_stop(struct uoff_sdxi_chan *sc)
{
	uoff_chan_detach(sc->chan);
	sdxi_cxt_set_notify(sc->cxt, NULL, NULL);
	cancel_delayed_work_sync(&sc->work);
	uoff_sdxi_chan_free(sc);
}

static int uoff_sdxi_chan_start(struct uoff_sdxi_chan *sc)
{
	int err;

	sdxi_cxt_set_notify(sc->cxt, uoff_sdxi_notify, sc);
	err = sdxi_cxt_start(sc->cxt);
	if (!err)
		err = uoff_chan_attach(sc->chan);
	if (err) {
		sdxi_cxt_set_notify(sc->cxt, NULL, NULL);
		uoff_sdxi_chan_free(sc);
	}
	return err;
}

static int uoff_sdxi_add(struct sdxi_fn *fn)
{
	int node = dev_to_node(sdxi_fn_device(fn));
	struct uoff_sdxi_fn *sf;
	unsigned int i;
	int err = 0;

	sf = kzalloc(struct_size(sf, chans, channels), GFP_KERNEL);
	if (!sf)
		return -ENOMEM;
	sf->fn = fn;
	for (i = 0; i < channels; i++) {
		struct uoff_sdxi_chan *sc;

		/* A function on no node: its channels take turns. */
		sc = uoff_sdxi_chan_alloc(fn, node != NUMA_NO_NODE ? node :
					  i % num_online_nodes());
		if (IS_ERR(sc)) {
			err = PTR_ERR(sc);
			break;
		}
		err = uoff_sdxi_chan_start(sc);
		if (err)
			break;
		sf->chans[sf->nr++] = sc;
	}
	list_add(&sf->node, &uoff_sdxi_fns);
	if (sf->nr)
		dev_info(sdxi_fn_device(fn), "uoffload: %u SDXI channels\n",
			 sf->nr);
	return sf->nr ? 0 : err;
}

static void uoff_sdxi_remove(struct sdxi_fn *fn)
{
	struct uoff_sdxi_fn *sf;
	unsigned int i;

	list_for_each_entry(sf, &uoff_sdxi_fns, node) {
		if (sf->fn != fn)
			continue;
		list_del(&sf->node);
		for (i = 0; i < sf->nr; i++)
			uoff_sdxi_chan_stop(sf->chans[i]);
		kfree(sf);
		return;
	}
}

static struct sdxi_client uoff_sdxi_client = {
	.name	= "uoffload",
	.add	= uoff_sdxi_add,
	.remove	= uoff_sdxi_remove,
};

static int __init uoff_sdxi_init(void)
{
	if (ring_entries < 1024) {
		pr_err("ring_entries must be at least 1024\n");
		return -EINVAL;
	}
	/* Kernel users may wait for copies from reclaim. */
	uoff_sdxi_wq = alloc_workqueue("uoffload_sdxi",
				       WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!uoff_sdxi_wq)
		return -ENOMEM;
	sdxi_client_register(&uoff_sdxi_client);
	return 0;
}

static void __exit uoff_sdxi_exit(void)
{
	sdxi_client_unregister(&uoff_sdxi_client);
	destroy_workqueue(uoff_sdxi_wq);
}

module_init(uoff_sdxi_init);
module_exit(uoff_sdxi_exit);

MODULE_DESCRIPTION("uoffload copies and fills on SDXI functions");
MODULE_LICENSE("GPL");
