// SPDX-License-Identifier: GPL-2.0
/*
 * dmaengine backend: every DMA_MEMCPY channel uoffload can take, private
 * ones included, becomes one uoffload channel serving copies and fills,
 * up to "dma_max_channels", while "backends" names dmaengine before cpu.
 *
 * A channel's slots hold the engine's descriptors (struct uoff_xfer).  A
 * slot's pages are mapped with the DMA API on the provider's device and
 * cut into pieces, one dmaengine transaction each: a memcpy per piece
 * where both sides are contiguous; for a fill, a memset where the pattern
 * is one repeated byte and the channel has DMA_MEMSET, else a memcpy from
 * the slot's coherent scratch, which holds the pattern at the right phase.
 * Every piece carries a result callback; only the last piece submitted
 * before one issue_pending asks for an interrupt (on a provider that
 * completes out of order, the last piece of every slot).  A slot is done
 * when all its pieces' callbacks have run, whatever their order; the
 * channel's worker reports slots in order, and the CPU does again the work
 * of a slot any of whose pieces failed.
 *
 * A provider may run out of descriptors: what does not fit stays in the
 * slots and the worker submits it as pieces complete.  A channel whose
 * oldest slot makes no progress for "dma_timeout_ms" is terminated, its
 * slots are finished by the CPU, and it is let go from a work item.
 *
 * dmaengine tells its clients nothing when channels come and go, so the
 * backend watches the platform and PCI buses: a driver bound may have
 * registered channels (rescan); a driver about to be unbound may own some
 * (let go of them first, after the work given to them has finished).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/cache.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "uoff.h"

#define UOFF_DMA_SLOTS		64
/* The pages one descriptor of the engine can touch on one side. */
#define UOFF_DMA_SEGS		(UOFF_XFER_MAX / PAGE_SIZE + 1)
/* FILL by memcpy: pieces of at most this much from the slot's scratch. */
#define UOFF_DMA_FILL_PIECE	2048
#define UOFF_DMA_SCRATCH	(UOFF_DMA_FILL_PIECE + 64)
#define UOFF_DMA_POLL_MS	20
/* A provider refusing a piece this often with nothing in flight means it. */
#define UOFF_DMA_REFUSALS	4
/* After letting go of a channel that failed: take channels again. */
#define UOFF_DMA_RETAKE_MS	500

static unsigned int dma_max_channels = 8;
module_param(dma_max_channels, uint, 0644);
MODULE_PARM_DESC(dma_max_channels,
		 "dmaengine DMA_MEMCPY channels to take at most (default 8)");

static unsigned int dma_timeout_ms = 2000;
module_param(dma_timeout_ms, uint, 0644);
MODULE_PARM_DESC(dma_timeout_ms,
		 "A dmaengine channel making no progress this long is terminated, its work done by the CPU and the channel let go (default 2000)");

/* Where the next piece of a slot starts. */
struct uoff_dma_cur {
	struct scatterlist	*d, *s;
	int			dleft, sleft;	/* entries from d, s on */
	u32			doff, soff;
	u32			done;		/* bytes before it */
};

struct uoff_dma_chan;

struct uoff_dma_slot {
	struct uoff_xfer	x;
	struct uoff_dma_chan	*dc;
	struct uoff_xfer_sg	map;
	u8			*scratch;
	dma_addr_t		scratch_dma;
	bool			cpu;	/* the CPU does it, not the device */
	bool			lines;	/* partial cache lines only: the CPU's */
	bool			memset;
	bool			failed;	/* a piece's result was an error */
	bool			rejected; /* a piece the provider refused */
	unsigned int		nr;	/* pieces */
	unsigned int		next;	/* pieces submitted */
	atomic_t		done;	/* pieces whose callback ran */
	struct uoff_dma_cur	cur;
	dma_cookie_t		cookie;	/* the last piece submitted */
};

struct uoff_dma_chan {
	struct list_head	node;		/* uoff_dma_chans */
	bool			listed;
	struct dma_chan		*dchan;
	struct device		*dev;
	struct uoff_chan	*chan;
	struct uoff_dma_slot	*slots;
	struct scatterlist	*sg;
	u8			*scratch;
	dma_addr_t		scratch_dma;
	bool			no_order;
	bool			has_memset;
	u64			tail;	/* next slot to write; chan->lock */
	u64			sub;	/* next slot to submit; chan->lock */
	u64			head;	/* next slot to report; the worker */
	bool			issue;	/* submitted, not issued; chan->lock */
	bool			cpu_work; /* CPU slots written; chan->lock */
	bool			dead;	/* given up: the CPU does everything */
	bool			terminated; /* after dead: nothing runs */
	bool			retake;	/* take channels again after */
	bool			starved; /* the provider had no descriptor */
	unsigned int		refused; /* in a row, nothing in flight */
	u64			fail_mark; /* failures past it: given up */
	atomic_t		pieces;	/* submitted, callback not run */
	u64			stuck;	/* the slot the worker waits for */
	unsigned long		stuck_since;
	struct delayed_work	work;
	struct work_struct	release;
};

static LIST_HEAD(uoff_dma_chans);
static DEFINE_MUTEX(uoff_dma_list_lock);	/* uoff_dma_chans */
/* Serialises taking channels and letting go of them. */
static DEFINE_MUTEX(uoff_dma_scan_lock);
static bool uoff_dma_ready;			/* uoff_dma_scan_lock */
/* Devices whose driver is being unbound: take none of their channels. */
static struct device *uoff_dma_leaving[4];	/* uoff_dma_scan_lock */
static struct workqueue_struct *uoff_dma_wq;	/* channel workers */
static struct workqueue_struct *uoff_dma_rel_wq; /* letting go */
static void uoff_dma_rescan_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(uoff_dma_rescan, uoff_dma_rescan_work);

static struct uoff_dma_slot *uoff_dma_slot(struct uoff_dma_chan *dc,
					   u64 index)
{
	return &dc->slots[index % UOFF_DMA_SLOTS];
}

/* Build a scatterlist of @len bytes of @span and map it; 0 on failure. */
static int uoff_span_map_sg(struct device *dev, struct scatterlist *sgl,
			    unsigned int max, struct uoff_span span, u32 len,
			    enum dma_data_direction dir, int *orig)
{
	unsigned int n = 0;

	if (!len)
		return 0;
	sg_init_table(sgl, max);
	while (len) {
		unsigned int off, plen;
		struct page *page = uoff_span_page(&span, &off, &plen);

		if (n == max)
			return 0;
		plen = min(plen, len);
		sg_set_page(&sgl[n++], page, plen, off);
		uoff_span_advance(&span, plen);
		len -= plen;
	}
	sg_mark_end(&sgl[n - 1]);
	*orig = n;
	return dma_map_sg(dev, sgl, n, dir);
}

/**
 * uoff_xfer_unmap_sg() - unmap what uoff_xfer_map_sg() mapped
 * @dev: the device it was mapped for
 * @m: the mapping; nothing is mapped afterwards
 */
void uoff_xfer_unmap_sg(struct device *dev, struct uoff_xfer_sg *m)
{
	if (m->dst_nents)
		dma_unmap_sg(dev, m->dst_sg, m->dst_orig, DMA_FROM_DEVICE);
	if (m->src_nents)
		dma_unmap_sg(dev, m->src_sg, m->src_orig, DMA_TO_DEVICE);
	m->dst_nents = 0;
	m->src_nents = 0;
}
EXPORT_SYMBOL_GPL(uoff_xfer_unmap_sg);

/* The granule of DMA_FROM_DEVICE mappings: a cache line, at least. */
static u32 uoff_xfer_line(void)
{
	return max_t(u32, L1_CACHE_BYTES, dma_get_cache_alignment());
}

/**
 * uoff_xfer_map_sg() - map a copy or fill descriptor's pages for a device
 * @dev: the device
 * @m: @m->dst_sg and, for a copy, @m->src_sg with room for @max entries
 * @x: the descriptor
 * @max: entries per side
 *
 * The device gets whole cache lines of the destination only.  Where the
 * destination starts or ends inside a line, the rest of that line may be
 * another live mapping's (the next descriptor of the same range, another
 * request's buffer), and two mappings the device writes must not share a
 * line: on a non-coherent machine one's cache maintenance would undo the
 * other's bytes.  Those partial lines, at most two, are written here by
 * the CPU; @m->pattern is a fill's pattern at the first mapped byte.
 *
 * Return: 1 if the rest of the destination (and of a copy's source) is
 * mapped for the device; 0 if all of it is partial lines, nothing mapped
 * and nothing written: the CPU's to do; -ENOMEM if it could not be mapped,
 * nothing written.
 */
int uoff_xfer_map_sg(struct device *dev, struct uoff_xfer_sg *m,
		     const struct uoff_xfer *x, unsigned int max)
{
	struct uoff_span dst = x->dst, src = x->src, last = x->dst;
	u32 line = uoff_xfer_line(), head, tail, len;
	unsigned int off, n;

	m->dst_nents = 0;
	m->src_nents = 0;
	if (!x->len)
		return 0;
	uoff_span_page(&dst, &off, &n);
	head = -off & (line - 1);
	uoff_span_advance(&last, x->len - 1);
	uoff_span_page(&last, &off, &n);
	tail = (off + 1) & (line - 1);
	if ((u64)head + tail >= x->len)
		return 0;
	len = x->len - head - tail;

	uoff_span_advance(&dst, head);
	m->dst_nents = uoff_span_map_sg(dev, m->dst_sg, max, dst, len,
					DMA_FROM_DEVICE, &m->dst_orig);
	if (!m->dst_nents)
		return -ENOMEM;
	if (x->op == UOFF_OP_COPY) {
		uoff_span_advance(&src, head);
		m->src_nents = uoff_span_map_sg(dev, m->src_sg, max, src, len,
						DMA_TO_DEVICE, &m->src_orig);
		if (!m->src_nents) {
			uoff_xfer_unmap_sg(dev, m);
			return -ENOMEM;
		}
	} else {
		m->pattern = ror64(x->pattern, 8 * (head & 7));
	}
	uoff_cpu_exec_part(x, 0, head);
	uoff_cpu_exec_part(x, x->len - tail, tail);
	return 1;
}
EXPORT_SYMBOL_GPL(uoff_xfer_map_sg);

static void uoff_dma_cur_init(struct uoff_dma_slot *slot,
			      struct uoff_dma_cur *cur)
{
	*cur = (struct uoff_dma_cur) {
		.d = slot->map.dst_sg,
		.dleft = slot->map.dst_nents,
		.s = slot->map.src_sg,
		.sleft = slot->map.src_nents,
	};
}

/*
 * The piece at @cur, which moves past it: false when there is none.  A
 * copy's piece is contiguous on both sides; a fill's on the destination,
 * no longer than the scratch when it copies from there.
 */
static bool uoff_dma_piece(struct uoff_dma_chan *dc,
			   const struct uoff_dma_slot *slot,
			   struct uoff_dma_cur *cur, dma_addr_t *dst,
			   dma_addr_t *src, u32 *len)
{
	u32 n;

	if (!cur->dleft)
		return false;
	n = min(sg_dma_len(cur->d) - cur->doff,
		dma_get_max_seg_size(dc->dev));
	*dst = sg_dma_address(cur->d) + cur->doff;
	if (slot->x.op == UOFF_OP_COPY) {
		n = min(n, sg_dma_len(cur->s) - cur->soff);
		*src = sg_dma_address(cur->s) + cur->soff;
		cur->soff += n;
		if (cur->soff == sg_dma_len(cur->s) && --cur->sleft) {
			cur->s = sg_next(cur->s);
			cur->soff = 0;
		}
	} else if (!slot->memset) {
		n = min_t(u32, n, UOFF_DMA_FILL_PIECE);
		*src = slot->scratch_dma + cur->done % 8;
	}
	cur->doff += n;
	if (cur->doff == sg_dma_len(cur->d) && --cur->dleft) {
		cur->d = sg_next(cur->d);
		cur->doff = 0;
	}
	cur->done += n;
	*len = n;
	return true;
}

/* Counts a mapped slot's pieces; 0 if the device cannot do one of them. */
static unsigned int uoff_dma_count(struct uoff_dma_chan *dc,
				   struct uoff_dma_slot *slot)
{
	struct dma_device *dd = dc->dchan->device;
	struct uoff_dma_cur cur;
	dma_addr_t dst, src = 0;
	unsigned int n = 0;
	u32 len;

	uoff_dma_cur_init(slot, &cur);
	while (uoff_dma_piece(dc, slot, &cur, &dst, &src, &len)) {
		if (slot->memset ? !is_dma_fill_aligned(dd, dst, 0, len) :
		    !is_dma_copy_aligned(dd, src, dst, len))
			return 0;
		n++;
	}
	return n;
}

static unsigned int uoff_dma_space(struct uoff_chan *chan)
{
	struct uoff_dma_chan *dc = chan->priv;

	/* Pairs with the release in uoff_dma_work(): slots are done with. */
	return UOFF_DMA_SLOTS - (dc->tail - smp_load_acquire(&dc->head));
}

static int uoff_dma_write(struct uoff_chan *chan, unsigned int i,
			  const struct uoff_xfer *x)
{
	struct uoff_dma_chan *dc = chan->priv;
	struct uoff_dma_slot *slot = uoff_dma_slot(dc, dc->tail + i);
	int mapped;

	slot->x = *x;
	slot->cpu = true;
	slot->lines = false;
	slot->failed = false;
	slot->rejected = false;
	slot->nr = 0;
	slot->next = 0;
	atomic_set(&slot->done, 0);
	slot->memset = x->op == UOFF_OP_FILL && dc->has_memset &&
		       uoff_pattern_is_byte(x->pattern);
	mapped = READ_ONCE(dc->dead) ? -EIO :
		 uoff_xfer_map_sg(dc->dev, &slot->map, x, UOFF_DMA_SEGS);
	if (mapped <= 0) {
		slot->lines = !mapped;
		dc->cpu_work = true;
		return 0;
	}
	slot->nr = uoff_dma_count(dc, slot);
	if (!slot->nr) {
		uoff_xfer_unmap_sg(dc->dev, &slot->map);
		dc->cpu_work = true;
		return 0;
	}
	if (x->op == UOFF_OP_FILL && !slot->memset)
		uoff_fill_bytes(slot->scratch, UOFF_DMA_SCRATCH,
				slot->map.pattern);
	uoff_dma_cur_init(slot, &slot->cur);
	slot->cpu = false;
	return 0;
}

/* Process or interrupt context: a piece finished. */
static void uoff_dma_piece_done(void *param,
				const struct dmaengine_result *res)
{
	struct uoff_dma_slot *slot = (void *)((unsigned long)param & ~1UL);
	bool intr = (unsigned long)param & 1;
	struct uoff_dma_chan *dc = slot->dc;
	unsigned int nr = slot->nr;

	if (res && res->result != DMA_TRANS_NOERROR)
		WRITE_ONCE(slot->failed, true);
	atomic_dec(&dc->pieces);
	/*
	 * Pairs with the acquire in uoff_dma_reap(): the result is seen.  The
	 * slot may be reused from here on; the channel lives until
	 * dmaengine_terminate_sync() has waited for this callback.
	 */
	if (intr)
		atomic64_inc(&dc->chan->stats.irqs);
	if (atomic_inc_return_release(&slot->done) == nr && dc->no_order)
		intr = true;
	if (intr || READ_ONCE(dc->starved))
		mod_delayed_work(uoff_dma_wq, &dc->work, 0);
}

/*
 * Submit the pieces of written slots the provider takes, from dc->sub on;
 * the last one asks for an interrupt.  Called with chan->lock held.
 */
static void uoff_dma_submit(struct uoff_dma_chan *dc)
{
	struct dma_chan *dchan = dc->dchan;
	u64 s, last = dc->tail;

	if (READ_ONCE(dc->dead))
		return;
	/* The last slot the device does ends the batch. */
	for (s = dc->sub; s != dc->tail; s++)
		if (!uoff_dma_slot(dc, s)->cpu)
			last = s;
	for (s = dc->sub; s != dc->tail; s++) {
		struct uoff_dma_slot *slot = uoff_dma_slot(dc, s);

		while (!slot->cpu && slot->next < slot->nr) {
			struct dma_async_tx_descriptor *tx;
			struct uoff_dma_cur cur = slot->cur;
			unsigned long flags = DMA_CTRL_ACK;
			dma_addr_t dst, src = 0;
			bool intr;
			u32 len;

			if (WARN_ON_ONCE(!uoff_dma_piece(dc, slot, &cur, &dst,
							 &src, &len)))
				break;
			/* The batch's end, or on an unordered provider the slot's. */
			intr = slot->next + 1 == slot->nr &&
			       (s == last || dc->no_order);
			if (intr)
				flags |= DMA_PREP_INTERRUPT;
			if (slot->memset)
				tx = dmaengine_prep_dma_memset(dchan, dst,
						slot->map.pattern & 0xff, len,
						flags);
			else
				tx = dmaengine_prep_dma_memcpy(dchan, dst, src,
							       len, flags);
			/*
			 * No descriptor free: go on as pieces finish.  One
			 * just finished may not be free yet: try again a few
			 * times before taking a refusal for an answer.
			 */
			if (!tx && (atomic_read(&dc->pieces) ||
				    ++dc->refused < UOFF_DMA_REFUSALS)) {
				WRITE_ONCE(dc->starved, true);
				goto out;
			}
			dc->refused = 0;
			if (!tx) {
				/* Refused with nothing in flight: the CPU does it. */
				slot->rejected = true;
				atomic_add(slot->nr - slot->next, &slot->done);
				slot->next = slot->nr;
				break;
			}
			atomic_inc(&dc->pieces);
			tx->callback_result = uoff_dma_piece_done;
			tx->callback_param = (void *)((unsigned long)slot |
						      intr);
			slot->cookie = dmaengine_submit(tx);
			if (dma_submit_error(slot->cookie)) {
				/* Never issued: no callback to wait for. */
				WRITE_ONCE(slot->failed, true);
				atomic_dec(&dc->pieces);
				atomic_inc(&slot->done);
			}
			slot->cur = cur;
			slot->next++;
			dc->issue = true;
		}
	}
	WRITE_ONCE(dc->starved, false);
out:
	WRITE_ONCE(dc->sub, s);
}

static void uoff_dma_commit(struct uoff_chan *chan, unsigned int n)
{
	struct uoff_dma_chan *dc = chan->priv;

	/* Pairs with the acquire in uoff_dma_work(): slots are written. */
	smp_store_release(&dc->tail, dc->tail + n);
	uoff_dma_submit(dc);
}

/* Issue what was submitted; outside chan->lock. */
static void uoff_dma_issue(struct uoff_dma_chan *dc)
{
	struct uoff_chan *chan = dc->chan;
	bool issue, cpu_work;

	spin_lock(&chan->lock);
	issue = dc->issue && !READ_ONCE(dc->dead);
	dc->issue = false;
	cpu_work = dc->cpu_work;
	dc->cpu_work = false;
	spin_unlock(&chan->lock);

	if (issue)
		dma_async_issue_pending(dc->dchan);
	if (cpu_work)
		mod_delayed_work(uoff_dma_wq, &dc->work, 0);
	else if (READ_ONCE(dc->starved) && !atomic_read(&dc->pieces))
		/* No callback will come to go on: soon, then. */
		mod_delayed_work(uoff_dma_wq, &dc->work, 1);
}

static void uoff_dma_doorbell(struct uoff_chan *chan)
{
	struct uoff_dma_chan *dc = chan->priv;

	uoff_dma_issue(dc);
	/* In case the interrupt never comes. */
	queue_delayed_work(uoff_dma_wq, &dc->work,
			   msecs_to_jiffies(UOFF_DMA_POLL_MS));
}

static const struct uoff_chan_ops uoff_dma_chan_ops = {
	.name		= "dmaengine",
	.engine		= UOFF_ENGINE_DMAENGINE,
	.space		= uoff_dma_space,
	.write		= uoff_dma_write,
	.commit		= uoff_dma_commit,
	.doorbell	= uoff_dma_doorbell,
};

/*
 * Stop using the channel: the CPU does everything from now on, and a work
 * item terminates it, which lets the worker finish what it had, and lets
 * it go.  From the worker.
 */
static void uoff_dma_give_up(struct uoff_dma_chan *dc, const char *why,
			     bool retake)
{
	struct uoff_chan *chan = dc->chan;

	if (READ_ONCE(dc->dead))
		return;
	spin_lock(&chan->lock);
	WRITE_ONCE(dc->dead, true);
	spin_unlock(&chan->lock);
	dc->retake = retake;
	atomic64_inc(&chan->stats.errors);
	dev_warn(dc->dev, "uoffload: %s %s: letting it go\n",
		 dma_chan_name(dc->dchan), why);
	queue_work(uoff_dma_rel_wq, &dc->release);
}

/*
 * A failed slot: the provider may have stopped the channel's work; if a
 * slot submitted after one failed fails too, it has not recovered.
 */
static void uoff_dma_failed(struct uoff_dma_chan *dc, u64 index)
{
	atomic64_inc(&dc->chan->stats.errors);
	if (dc->fail_mark == U64_MAX)
		dc->fail_mark = READ_ONCE(dc->sub);
	else if (index >= dc->fail_mark)
		uoff_dma_give_up(dc, "keeps failing", true);
}

/* Report slots in order, up to the first the device has not finished. */
static u64 uoff_dma_reap(struct uoff_dma_chan *dc, u64 head, u64 tail)
{
	struct uoff_chan_stats *stats = &dc->chan->stats;
	/* Pairs with the release in uoff_dma_terminate(). */
	bool terminated = smp_load_acquire(&dc->terminated);

	for (; head != tail; head++) {
		struct uoff_dma_slot *slot = uoff_dma_slot(dc, head);
		bool redo = slot->cpu;

		if (!slot->cpu) {
			/* Pairs with the release in uoff_dma_piece_done(). */
			bool done = atomic_read_acquire(&slot->done) == slot->nr;
			bool failed;

			/* Once terminated, no callback runs any more. */
			if (!done && !terminated)
				break;
			uoff_xfer_unmap_sg(dc->dev, &slot->map);
			failed = done && READ_ONCE(slot->failed);
			if (failed)
				uoff_dma_failed(dc, head);
			else if (done && !slot->rejected && head >= dc->fail_mark)
				dc->fail_mark = U64_MAX;
			redo = !done || failed || slot->rejected;
		}
		if (redo) {
			if (!slot->lines)
				atomic64_inc(&stats->fallbacks);
			uoff_xfer_done(&slot->x, uoff_cpu_exec(NULL, &slot->x));
		} else {
			uoff_xfer_done(&slot->x, 0);
		}
	}
	return head;
}

static void uoff_dma_work(struct work_struct *work)
{
	struct uoff_dma_chan *dc = container_of(to_delayed_work(work),
						struct uoff_dma_chan, work);
	u64 head = dc->head, tail, done;

	/* Pairs with the release in uoff_dma_commit(): slots are written. */
	while ((tail = smp_load_acquire(&dc->tail)) != head) {
		done = uoff_dma_reap(dc, head, tail);
		if (done != head) {
			/* Slots may be reused once head passes them. */
			smp_store_release(&dc->head, done);
			/* Descriptors the provider freed: submit more. */
			spin_lock(&dc->chan->lock);
			uoff_dma_submit(dc);
			spin_unlock(&dc->chan->lock);
			uoff_dma_issue(dc);
			uoff_chan_reaped(dc->chan, done - head);
			head = done;
			cond_resched();
			continue;
		}
		/* Given up: uoff_dma_terminate() runs it again. */
		if (READ_ONCE(dc->dead))
			return;
		if (dc->stuck != head || !dc->stuck_since) {
			dc->stuck = head;
			dc->stuck_since = jiffies ?: 1;
		}
		if (time_before(jiffies, dc->stuck_since +
				msecs_to_jiffies(READ_ONCE(dma_timeout_ms)))) {
			struct uoff_dma_slot *slot = uoff_dma_slot(dc, head);

			/* Pieces the provider had no room for yet. */
			spin_lock(&dc->chan->lock);
			uoff_dma_submit(dc);
			spin_unlock(&dc->chan->lock);
			uoff_dma_issue(dc);
			/* A provider may look for completions when asked. */
			if (slot->next)
				dmaengine_tx_status(dc->dchan, slot->cookie,
						    NULL);
			queue_delayed_work(uoff_dma_wq, &dc->work,
					   msecs_to_jiffies(UOFF_DMA_POLL_MS));
			return;
		}
		dc->stuck_since = 0;
		uoff_dma_give_up(dc, "made no progress", false);
		return;
	}
}

static void uoff_dma_chan_free(struct uoff_dma_chan *dc)
{
	if (dc->scratch)
		dma_free_coherent(dc->dev, UOFF_DMA_SLOTS * UOFF_DMA_SCRATCH,
				  dc->scratch, dc->scratch_dma);
	kvfree(dc->sg);
	kvfree(dc->slots);
	uoff_chan_destroy(dc->chan);
	kfree(dc);
}

/*
 * A channel given up: terminate it before anything of its work is
 * unmapped or reported, then let the worker finish it on the CPU.  Not
 * from the worker, which may run for reclaim: terminating may wait for
 * the provider's work items.
 */
static void uoff_dma_terminate(struct uoff_dma_chan *dc)
{
	if (!READ_ONCE(dc->dead) || dc->terminated)
		return;
	dmaengine_terminate_sync(dc->dchan);
	/* Pairs with the acquire in uoff_dma_reap(). */
	smp_store_release(&dc->terminated, true);
	mod_delayed_work(uoff_dma_wq, &dc->work, 0);
}

/*
 * Stop using a channel, once what was given to it is done; let it go.
 * @self: called from its release work.
 */
static void uoff_dma_chan_stop(struct uoff_dma_chan *dc, bool self)
{
	uoff_dma_terminate(dc);
	uoff_chan_detach(dc->chan);
	/* Given up while detaching: its release work may still look at it. */
	if (!self)
		cancel_work_sync(&dc->release);
	/* Callbacks have all run: none queues the worker again. */
	dmaengine_terminate_sync(dc->dchan);
	cancel_delayed_work_sync(&dc->work);
	dma_release_channel(dc->dchan);
	uoff_dma_chan_free(dc);
}

static void uoff_dma_release_work(struct work_struct *work)
{
	struct uoff_dma_chan *dc = container_of(work, struct uoff_dma_chan,
						release);
	bool mine, retake;

	uoff_dma_terminate(dc);
	mutex_lock(&uoff_dma_list_lock);
	mine = dc->listed;
	if (mine) {
		list_del(&dc->node);
		dc->listed = false;
	}
	mutex_unlock(&uoff_dma_list_lock);
	/* Otherwise whoever unlisted it stops it, after this returns. */
	if (!mine)
		return;
	retake = dc->retake;
	uoff_dma_chan_stop(dc, true);
	/* Taken again, it may well work: a provider may reset it then. */
	if (retake)
		mod_delayed_work(system_unbound_wq, &uoff_dma_rescan,
				 msecs_to_jiffies(UOFF_DMA_RETAKE_MS));
}

static struct uoff_dma_chan *uoff_dma_chan_alloc(struct dma_chan *dchan,
						 int node)
{
	struct uoff_dma_chan *dc;
	unsigned int i;

	dc = kzalloc(sizeof(*dc), GFP_KERNEL);
	if (!dc)
		return NULL;
	dc->dchan = dchan;
	dc->dev = dchan->device->dev;
	dc->no_order = dma_has_cap(DMA_COMPLETION_NO_ORDER,
				   dchan->device->cap_mask);
	dc->has_memset = dma_has_cap(DMA_MEMSET, dchan->device->cap_mask);
	dc->fail_mark = U64_MAX;
	INIT_DELAYED_WORK(&dc->work, uoff_dma_work);
	INIT_WORK(&dc->release, uoff_dma_release_work);
	dc->slots = kvcalloc(UOFF_DMA_SLOTS, sizeof(*dc->slots), GFP_KERNEL);
	dc->sg = kvcalloc(UOFF_DMA_SLOTS * 2 * UOFF_DMA_SEGS, sizeof(*dc->sg),
			  GFP_KERNEL);
	dc->scratch = dma_alloc_coherent(dc->dev,
					 UOFF_DMA_SLOTS * UOFF_DMA_SCRATCH,
					 &dc->scratch_dma, GFP_KERNEL);
	dc->chan = uoff_chan_create(&uoff_dma_chan_ops, dc, node,
				    UOFF_DMA_SLOTS);
	if (!dc->slots || !dc->sg || !dc->scratch || !dc->chan) {
		uoff_dma_chan_free(dc);
		return NULL;
	}
	for (i = 0; i < UOFF_DMA_SLOTS; i++) {
		struct uoff_dma_slot *slot = &dc->slots[i];

		slot->dc = dc;
		slot->map.dst_sg = &dc->sg[2 * i * UOFF_DMA_SEGS];
		slot->map.src_sg = slot->map.dst_sg + UOFF_DMA_SEGS;
		slot->scratch = dc->scratch + i * UOFF_DMA_SCRATCH;
		slot->scratch_dma = dc->scratch_dma + i * UOFF_DMA_SCRATCH;
	}
	return dc;
}

/* Is @dev @top, or below it? */
static bool uoff_dma_dev_under(struct device *dev, struct device *top)
{
	for (; dev; dev = dev->parent)
		if (dev == top)
			return true;
	return false;
}

static bool uoff_dma_filter(struct dma_chan *dchan, void *param)
{
	unsigned int i;

	lockdep_assert_held(&uoff_dma_scan_lock);
	for (i = 0; i < ARRAY_SIZE(uoff_dma_leaving); i++)
		if (uoff_dma_leaving[i] &&
		    uoff_dma_dev_under(dchan->device->dev, uoff_dma_leaving[i]))
			return false;
	return true;
}

/* Take DMA_MEMCPY channels up to dma_max_channels; scan lock held. */
static void uoff_dma_scan(void)
{
	struct uoff_dma_chan *dc;
	struct dma_chan *dchan;
	dma_cap_mask_t mask;
	unsigned int nr = 0, same;

	lockdep_assert_held(&uoff_dma_scan_lock);
	if (!uoff_dma_ready || !uoff_backend_enabled(UOFF_ENGINE_DMAENGINE))
		return;
	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	mutex_lock(&uoff_dma_list_lock);
	list_for_each_entry(dc, &uoff_dma_chans, node)
		nr++;
	mutex_unlock(&uoff_dma_list_lock);

	for (; nr < READ_ONCE(dma_max_channels); nr++) {
		int node;

		dchan = dma_request_channel(mask, uoff_dma_filter, NULL);
		if (!dchan)
			break;
		node = dev_to_node(dchan->device->dev);
		if (node == NUMA_NO_NODE) {
			/* A device on no node: its channels take turns. */
			same = 0;
			mutex_lock(&uoff_dma_list_lock);
			list_for_each_entry(dc, &uoff_dma_chans, node)
				same += dc->dchan->device == dchan->device;
			mutex_unlock(&uoff_dma_list_lock);
			node = same % num_online_nodes();
		}
		dc = uoff_dma_chan_alloc(dchan, node);
		if (!dc || uoff_chan_attach(dc->chan)) {
			if (dc)
				uoff_dma_chan_free(dc);
			dma_release_channel(dchan);
			break;
		}
		mutex_lock(&uoff_dma_list_lock);
		list_add_tail(&dc->node, &uoff_dma_chans);
		dc->listed = true;
		mutex_unlock(&uoff_dma_list_lock);
		dev_info(dc->dev, "uoffload: %s serves copies and fills\n",
			 dma_chan_name(dchan));
	}
}

/*
 * Let go of the channels of devices at or below @top (all with NULL),
 * after the work given to them has finished.  Scan lock held.
 */
static void uoff_dma_drop(struct device *top)
{
	struct uoff_dma_chan *dc, *tmp;
	LIST_HEAD(gone);

	lockdep_assert_held(&uoff_dma_scan_lock);
	mutex_lock(&uoff_dma_list_lock);
	list_for_each_entry_safe(dc, tmp, &uoff_dma_chans, node) {
		if (top && !uoff_dma_dev_under(dc->dev, top))
			continue;
		list_move_tail(&dc->node, &gone);
		dc->listed = false;
	}
	mutex_unlock(&uoff_dma_list_lock);

	list_for_each_entry_safe(dc, tmp, &gone, node) {
		/* A dead one's release work finds it unlisted and returns. */
		cancel_work_sync(&dc->release);
		list_del(&dc->node);
		uoff_dma_chan_stop(dc, false);
	}
	/* Dead channels being let go right now. */
	flush_workqueue(uoff_dma_rel_wq);
}

static void uoff_dma_rescan_work(struct work_struct *work)
{
	mutex_lock(&uoff_dma_scan_lock);
	uoff_dma_scan();
	mutex_unlock(&uoff_dma_scan_lock);
}

/**
 * uoff_dma_backends_changed() - the "backends" parameter was set
 *
 * Takes channels when dmaengine is enabled, and lets go of them, once
 * their work is done, when it is not.
 */
void uoff_dma_backends_changed(void)
{
	mutex_lock(&uoff_dma_scan_lock);
	if (uoff_backend_enabled(UOFF_ENGINE_DMAENGINE))
		uoff_dma_scan();
	else if (uoff_dma_ready)
		uoff_dma_drop(NULL);
	mutex_unlock(&uoff_dma_scan_lock);
}

static int uoff_dma_bus_notify(struct notifier_block *nb,
			       unsigned long action, void *data)
{
	struct device *dev = data;
	unsigned int i;

	switch (action) {
	case BUS_NOTIFY_BOUND_DRIVER:
		/* A provider registers its channels when it probes. */
		mod_delayed_work(system_unbound_wq, &uoff_dma_rescan, 0);
		break;
	case BUS_NOTIFY_UNBIND_DRIVER:
		/* Before the driver's remove: its channels go first. */
		mutex_lock(&uoff_dma_scan_lock);
		for (i = 0; i < ARRAY_SIZE(uoff_dma_leaving); i++)
			if (!uoff_dma_leaving[i]) {
				uoff_dma_leaving[i] = dev;
				break;
			}
		uoff_dma_drop(dev);
		mutex_unlock(&uoff_dma_scan_lock);
		break;
	case BUS_NOTIFY_UNBOUND_DRIVER:
	case BUS_NOTIFY_DRIVER_NOT_BOUND:
		mutex_lock(&uoff_dma_scan_lock);
		for (i = 0; i < ARRAY_SIZE(uoff_dma_leaving); i++)
			if (uoff_dma_leaving[i] == dev)
				uoff_dma_leaving[i] = NULL;
		mutex_unlock(&uoff_dma_scan_lock);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block uoff_dma_platform_nb = {
	.notifier_call = uoff_dma_bus_notify,
};

static struct notifier_block uoff_dma_pci_nb = {
	.notifier_call = uoff_dma_bus_notify,
};

int uoff_dma_init(void)
{
	/* Kernel users may wait for copies from reclaim. */
	uoff_dma_wq = alloc_workqueue("uoffload_dma",
				      WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!uoff_dma_wq)
		return -ENOMEM;
	uoff_dma_rel_wq = alloc_workqueue("uoffload_dma_rel", WQ_UNBOUND, 0);
	if (!uoff_dma_rel_wq) {
		destroy_workqueue(uoff_dma_wq);
		return -ENOMEM;
	}
	bus_register_notifier(&platform_bus_type, &uoff_dma_platform_nb);
	if (IS_ENABLED(CONFIG_PCI))
		bus_register_notifier(&pci_bus_type, &uoff_dma_pci_nb);
	mutex_lock(&uoff_dma_scan_lock);
	uoff_dma_ready = true;
	uoff_dma_scan();
	mutex_unlock(&uoff_dma_scan_lock);
	return 0;
}

void uoff_dma_exit(void)
{
	if (IS_ENABLED(CONFIG_PCI))
		bus_unregister_notifier(&pci_bus_type, &uoff_dma_pci_nb);
	bus_unregister_notifier(&platform_bus_type, &uoff_dma_platform_nb);
	mutex_lock(&uoff_dma_scan_lock);
	uoff_dma_ready = false;
	uoff_dma_drop(NULL);
	mutex_unlock(&uoff_dma_scan_lock);
	destroy_workqueue(uoff_dma_rel_wq);
	/* Queued by the notifiers or a channel let go; takes nothing now. */
	cancel_delayed_work_sync(&uoff_dma_rescan);
	destroy_workqueue(uoff_dma_wq);
}
