// SPDX-License-Identifier: GPL-2.0
/*
 * CPU backend: executes descriptors with memcpy and pattern stores, and
 * compression streams with the kernel's zlib (zip.c).
 *
 * Each channel owns a ring of struct uoff_cpu_slot in ordinary memory.
 * Producers publish slots by moving ->tail (release); the channel's work
 * item is the doorbell.  It executes up to UOFF_CPU_REAP_BATCH descriptors,
 * reports them, then frees their slots by moving ->head (release).
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "uoff.h"
#include "compat.h"

#define UOFF_CPU_RING_SIZE	256
#define UOFF_CPU_REAP_BATCH	16

struct uoff_cpu_slot {
	struct uoff_xfer	x;
	int			status;
};

struct uoff_cpu_ring {
	struct uoff_chan	*chan;
	struct uoff_cpu_slot	*slots;
	u64			tail;	/* next free slot; chan->lock */
	u64			head;	/* next slot to execute; worker only */
	unsigned int		reap_batch;
	struct work_struct	work;
};

static struct workqueue_struct *uoff_cpu_wq;
/*
 * Compression channels' workers: a stream can run for seconds and
 * allocates memory, so it must not hold up the reclaim-safe queue.
 */
static struct workqueue_struct *uoff_zip_wq;

static void uoff_cpu_copy(struct uoff_span dst, struct uoff_span src, u32 len)
{
	while (len) {
		unsigned int doff, dlen, soff, slen, n;
		struct page *dpage = uoff_span_page(&dst, &doff, &dlen);
		struct page *spage = uoff_span_page(&src, &soff, &slen);
		void *d, *s;

		n = min3(len, dlen, slen);
		d = kmap_local_page(dpage);
		s = kmap_local_page(spage);
		memcpy(d + doff, s + soff, n);
		kunmap_local(s);
		kunmap_local(d);
		uoff_span_advance(&dst, n);
		uoff_span_advance(&src, n);
		len -= n;
	}
}

/**
 * uoff_fill_bytes() - write a fill pattern
 * @p: where
 * @n: how many bytes
 * @pattern: byte i of @p gets byte (i % 8) of this, little-endian
 *
 * Also how device backends prepare the pattern blocks they copy from.
 */
void uoff_fill_bytes(u8 *p, unsigned int n, u64 pattern)
{
	/* One byte repeated (zeroing above all): the arch's memset(). */
	if (uoff_pattern_is_byte(pattern)) {
		memset(p, pattern & 0xff, n);
		return;
	}
	for (; n >= 8; n -= 8, p += 8)
		put_unaligned_le64(pattern, p);
	for (; n; n--, pattern >>= 8)
		*p++ = pattern;
}
EXPORT_SYMBOL_GPL(uoff_fill_bytes);

static void uoff_cpu_fill(struct uoff_span dst, u64 pattern, u32 len)
{
	u32 done = 0;

	while (len) {
		unsigned int off, n;
		struct page *page = uoff_span_page(&dst, &off, &n);
		void *d;

		n = min(len, n);
		d = kmap_local_page(page);
		uoff_fill_bytes(d + off, n, ror64(pattern, 8 * (done & 7)));
		kunmap_local(d);
		uoff_span_advance(&dst, n);
		done += n;
		len -= n;
	}
}

/**
 * uoff_cpu_exec_part() - write some of a copy or fill descriptor's bytes
 * @x: the descriptor
 * @off: the first byte, from the start of @x
 * @len: how many
 *
 * For device backends, which leave the partial cache lines at the ends of
 * a destination to the CPU.  Does not sleep.
 */
void uoff_cpu_exec_part(const struct uoff_xfer *x, u32 off, u32 len)
{
	struct uoff_span dst = x->dst, src = x->src;

	if (!len)
		return;
	uoff_span_advance(&dst, off);
	if (x->op == UOFF_OP_COPY) {
		uoff_span_advance(&src, off);
		uoff_cpu_copy(dst, src, len);
	} else {
		uoff_cpu_fill(dst, ror64(x->pattern, 8 * (off & 7)), len);
	}
}
EXPORT_SYMBOL_GPL(uoff_cpu_exec_part);

/**
 * uoff_cpu_exec() - execute one descriptor on this CPU
 * @chan: the channel it came from; NULL inline, where no stream runs
 * @x: the descriptor
 *
 * Return: 0, -ECANCELED when its request was cancelled, or the error of a
 * compression stream.
 */
int uoff_cpu_exec(struct uoff_chan *chan, const struct uoff_xfer *x)
{
	if (uoff_op_is_zip(x->op)) {
		/* Streams need a compression channel, never run inline. */
		if (WARN_ON_ONCE(!chan || !chan->zip))
			return -EIO;
		return uoff_zip_exec(chan->zip, x);
	}
	if (READ_ONCE(x->req->cancelled))
		return -ECANCELED;

	if (x->op == UOFF_OP_COPY)
		uoff_cpu_copy(x->dst, x->src, x->len);
	else
		uoff_cpu_fill(x->dst, x->pattern, x->len);
	return 0;
}
EXPORT_SYMBOL_GPL(uoff_cpu_exec);

static unsigned int uoff_cpu_space(struct uoff_chan *chan)
{
	struct uoff_cpu_ring *r = chan->priv;

	/* Pairs with the release in uoff_cpu_work(): slots are done with. */
	return UOFF_CPU_RING_SIZE - (r->tail - smp_load_acquire(&r->head));
}

static int uoff_cpu_write(struct uoff_chan *chan, unsigned int i,
			  const struct uoff_xfer *x)
{
	struct uoff_cpu_ring *r = chan->priv;

	r->slots[(r->tail + i) % UOFF_CPU_RING_SIZE].x = *x;
	return 0;
}

static void uoff_cpu_commit(struct uoff_chan *chan, unsigned int n)
{
	struct uoff_cpu_ring *r = chan->priv;

	/* Pairs with the acquire in uoff_cpu_work(): slots before index. */
	smp_store_release(&r->tail, r->tail + n);
}

static void uoff_cpu_doorbell(struct uoff_chan *chan)
{
	struct uoff_cpu_ring *r = chan->priv;

	queue_work_node(chan->node, chan->zip ? uoff_zip_wq : uoff_cpu_wq,
			&r->work);
}

static const struct uoff_chan_ops uoff_cpu_chan_ops = {
	.name		= "cpu",
	.engine		= UOFF_ENGINE_CPU,
	.space		= uoff_cpu_space,
	.write		= uoff_cpu_write,
	.commit		= uoff_cpu_commit,
	.doorbell	= uoff_cpu_doorbell,
};

static void uoff_cpu_work(struct work_struct *work)
{
	struct uoff_cpu_ring *r = container_of(work, struct uoff_cpu_ring, work);
	u64 head = r->head, tail, end, i;

	/* Pairs with the release in uoff_cpu_commit(): slots are written. */
	while ((tail = smp_load_acquire(&r->tail)) != head) {
		end = min(tail, head + r->reap_batch);
		for (i = head; i != end; i++) {
			struct uoff_cpu_slot *s = &r->slots[i % UOFF_CPU_RING_SIZE];

			s->status = uoff_cpu_exec(r->chan, &s->x);
		}
		for (i = head; i != end; i++) {
			struct uoff_cpu_slot *s = &r->slots[i % UOFF_CPU_RING_SIZE];

			uoff_xfer_done(&s->x, s->status);
		}
		/* Slots may be reused once head passes them. */
		smp_store_release(&r->head, end);
		uoff_chan_reaped(r->chan, end - head);
		head = end;
		cond_resched();
	}
}

int uoff_cpu_chan_init(struct uoff_chan *chan)
{
	struct uoff_cpu_ring *r;

	r = kzalloc_node(sizeof(*r), GFP_KERNEL, chan->node);
	if (!r)
		return -ENOMEM;
	r->slots = kvzalloc_node(array_size(UOFF_CPU_RING_SIZE, sizeof(*r->slots)),
				 GFP_KERNEL, chan->node);
	if (!r->slots) {
		kfree(r);
		return -ENOMEM;
	}
	r->chan = chan;
	/* A stream can take long: report each as soon as it is done. */
	r->reap_batch = chan->zip ? 1 : UOFF_CPU_REAP_BATCH;
	INIT_WORK(&r->work, uoff_cpu_work);
	chan->ops = &uoff_cpu_chan_ops;
	chan->priv = r;
	chan->nr_slots = UOFF_CPU_RING_SIZE;
	return 0;
}

void uoff_cpu_chan_exit(struct uoff_chan *chan)
{
	struct uoff_cpu_ring *r = chan->priv;

	cancel_work_sync(&r->work);
	WARN_ON_ONCE(r->head != r->tail);
	kvfree(r->slots);
	kfree(r);
}

int uoff_cpu_init(void)
{
	/* Kernel users may submit from reclaim (migration, compaction). */
	uoff_cpu_wq = alloc_workqueue("uoffload_cpu", WQ_UNBOUND | WQ_MEM_RECLAIM,
				      0);
	if (!uoff_cpu_wq)
		return -ENOMEM;
	uoff_zip_wq = alloc_workqueue("uoffload_zip", WQ_UNBOUND, 0);
	if (!uoff_zip_wq) {
		destroy_workqueue(uoff_cpu_wq);
		return -ENOMEM;
	}
	return 0;
}

void uoff_cpu_exit(void)
{
	destroy_workqueue(uoff_zip_wq);
	destroy_workqueue(uoff_cpu_wq);
}
