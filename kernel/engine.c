// SPDX-License-Identifier: GPL-2.0
/*
 * Engine core: cuts requests into descriptors, places them on channel
 * rings through the backend's ops, and finishes requests as their
 * descriptors come back.
 *
 * Producers (io_uring submitters, in-kernel batch users) take chan->lock
 * only to claim slots, write descriptors and publish them; the doorbell is
 * rung once per published batch, outside the lock.
 */
#include <linux/bitops.h>
#include <linux/minmax.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/topology.h>

#include "uoff.h"

/* The channels of one kind: copy and fill, or compression. */
struct uoff_chan_set {
	const char		*name;
	bool			any_node;	/* see uoff_chan_pick() */
	struct uoff_chan	**chans;
	unsigned int		nr;
};

static struct uoff_chan_set uoff_move = { .name = "chan" };
static struct uoff_chan_set uoff_zip = { .name = "zchan", .any_node = true };

/* Compression channels per node: streams are CPU-bound, one per CPU. */
#define UOFF_ZIP_CHANS_PER_NODE	4

void uoff_span_advance(struct uoff_span *span, size_t bytes)
{
	while (bytes) {
		size_t left = span->bv->bv_len - span->off;

		if (bytes < left) {
			span->off += bytes;
			return;
		}
		bytes -= left;
		span->bv++;
		span->off = 0;
	}
}

/* Where a span's next byte is, and how many bytes follow it in that page. */
struct page *uoff_span_page(const struct uoff_span *s, unsigned int *off,
			    unsigned int *len)
{
	unsigned int pos = s->bv->bv_offset + s->off;

	*off = offset_in_page(pos);
	*len = min_t(unsigned int, s->bv->bv_len - s->off, PAGE_SIZE - *off);
	return nth_page(s->bv->bv_page, pos >> PAGE_SHIFT);
}

void uoff_xfer_iter_init(struct uoff_xfer_iter *it, struct uoff_req *req)
{
	it->req = req;
	it->seg = 0;
	it->seg_off = 0;
	if (req->nr_segs) {
		it->dst = req->segs[0].dst;
		it->src = req->segs[0].src;
	}
}

/* A stream is one descriptor whatever its length: one unit to iterate. */
static u32 uoff_seg_units(const struct uoff_seg *seg)
{
	return uoff_op_is_zip(seg->op) ? 1 : seg->len;
}

/*
 * Produce the next descriptor of the request into @x.  Zero-length copy
 * and fill segments produce none.  A fill descriptor's pattern is rotated
 * so that its first byte is the segment's byte at that offset modulo 8.
 */
bool uoff_xfer_next(struct uoff_xfer_iter *it, struct uoff_xfer *x)
{
	struct uoff_req *req = it->req;
	struct uoff_seg *seg;
	u32 len;

	while (it->seg < req->nr_segs &&
	       it->seg_off == uoff_seg_units(&req->segs[it->seg])) {
		if (++it->seg == req->nr_segs)
			return false;
		it->seg_off = 0;
		it->dst = req->segs[it->seg].dst;
		it->src = req->segs[it->seg].src;
	}
	if (it->seg >= req->nr_segs)
		return false;

	seg = &req->segs[it->seg];
	x->req = req;
	x->seg = seg;
	x->op = seg->op;
	x->dst = it->dst;
	if (uoff_op_is_zip(seg->op)) {
		x->len = seg->len;
		x->src = it->src;
		it->seg_off = 1;
		return true;
	}
	len = min(seg->len - it->seg_off, UOFF_XFER_MAX);
	x->len = len;
	uoff_span_advance(&it->dst, len);
	if (seg->op == UOFF_OP_COPY) {
		x->src = it->src;
		uoff_span_advance(&it->src, len);
	} else {
		x->pattern = ror64(seg->pattern, 8 * (it->seg_off & 7));
	}
	it->seg_off += len;
	return true;
}

unsigned int uoff_req_count_xfers(const struct uoff_req *req)
{
	unsigned int i, n = 0;

	for (i = 0; i < req->nr_segs; i++)
		n += uoff_op_is_zip(req->segs[i].op) ? 1 :
		     DIV_ROUND_UP(req->segs[i].len, UOFF_XFER_MAX);
	return n;
}

static void uoff_req_put(struct uoff_req *req)
{
	if (atomic_dec_and_test(&req->pending))
		req->done(req);
}

/**
 * uoff_xfer_done() - report one executed descriptor
 * @x:		the descriptor as it was written to the ring
 * @status:	0, or a negative errno
 *
 * Called by backends, in any context that may sleep, once per descriptor.
 * The request's completion runs from the last call.
 */
void uoff_xfer_done(const struct uoff_xfer *x, int status)
{
	struct uoff_req *req = x->req;

	if (unlikely(status)) {
		WRITE_ONCE(x->seg->status, status);
		cmpxchg(&req->error, 0, status);
	}
	uoff_req_put(req);
}

/*
 * Optionally append @feed to @chan's backlog, then, if at least @min_space
 * slots are free, write as many backlog descriptors as fit, publish them
 * and ring the doorbell once.  Feeds written out completely drop their
 * request reference after the lock is released, as that may complete the
 * request.
 */
static void uoff_chan_feed(struct uoff_chan *chan, struct uoff_feed *feed,
			   unsigned int min_space)
{
	struct uoff_feed *f, *tmp;
	unsigned int n = 0, space;
	LIST_HEAD(written);
	u64 bytes = 0;

	spin_lock(&chan->lock);
	if (feed)
		list_add_tail(&feed->node, &chan->backlog);
	space = chan->ops->space(chan);
	if (space < min_space)
		space = 0;
	while (n < space && !list_empty(&chan->backlog)) {
		f = list_first_entry(&chan->backlog, struct uoff_feed, node);
		for (; n < space && f->left; f->left--) {
			struct uoff_xfer x;

			uoff_xfer_next(&f->it, &x);
			atomic_inc(&x.req->pending);
			chan->ops->write(chan, n++, &x);
			bytes += x.len;
		}
		if (!f->left)
			list_move_tail(&f->node, &written);
	}
	if (n) {
		/* Before the executor can see them, so reaping cannot underflow. */
		atomic_add(n, &chan->inflight);
		chan->ops->commit(chan, n);
	}
	spin_unlock(&chan->lock);

	if (n) {
		atomic64_add(n, &chan->stats.descs);
		atomic64_add(bytes, &chan->stats.bytes);
		atomic64_inc(&chan->stats.doorbells);
		chan->ops->doorbell(chan);
	}
	list_for_each_entry_safe(f, tmp, &written, node) {
		list_del(&f->node);
		uoff_req_put(f->it.req);
	}
}

/**
 * uoff_chan_reaped() - a backend freed ring slots
 * @chan: the channel
 * @n: how many slots
 *
 * Refills the ring from the channel's backlog.  Called in process context,
 * without chan->lock.
 */
void uoff_chan_reaped(struct uoff_chan *chan, unsigned int n)
{
	atomic_sub(n, &chan->inflight);
	atomic64_inc(&chan->stats.reaps);
	/*
	 * Refill in groups of at least a quarter ring, for fewer doorbells;
	 * the reap that empties the ring always refills.  Under chan->lock,
	 * so a feed appended concurrently is never missed.
	 */
	uoff_chan_feed(chan, NULL,
		       atomic_read(&chan->inflight) ? chan->nr_slots / 4 : 1);
}

/*
 * Prefer a channel on the submitting CPU's node, then the least loaded.
 * Compression is CPU-bound, and the node matters less than an idle worker:
 * a stream goes to the least loaded channel anywhere, a local one on a tie.
 */
static unsigned int uoff_chan_pick(const struct uoff_chan_set *set)
{
	int node = numa_node_id();
	unsigned int i, best = node % set->nr;
	int best_load = INT_MAX;
	bool local = false;

	for (i = 0; i < set->nr; i++) {
		struct uoff_chan *chan = set->chans[i];
		int load = atomic_read(&chan->inflight);

		if (set->any_node) {
			if (load < best_load ||
			    (load == best_load && chan->node == node)) {
				best = i;
				best_load = load;
			}
			continue;
		}
		if (chan->node != node)
			continue;
		if (!local || load < atomic_read(&set->chans[best]->inflight))
			best = i;
		local = true;
	}
	return best;
}

/*
 * Requests of at least this many bytes are cut across all channels, the
 * local one first, so that every channel's executor works on them.
 */
#define UOFF_SPREAD_MIN		(2 * UOFF_XFER_MAX)

/**
 * uoff_req_submit() - queue a request on channel rings
 * @req: the request, of at least one byte; req->done runs once every
 *	 descriptor has finished, possibly before this returns
 *
 * Never waits for ring space: what does not fit waits on the channels'
 * backlogs and is written as the executors free slots.
 */
void uoff_req_submit(struct uoff_req *req)
{
	const struct uoff_chan_set *set =
		uoff_op_is_zip(req->segs[0].op) ? &uoff_zip : &uoff_move;
	unsigned int first = uoff_chan_pick(set), nr = uoff_req_count_xfers(req);
	unsigned int i, j, ways = 1, per;
	struct uoff_xfer_iter it;
	struct uoff_xfer x;

	if (req->bytes >= UOFF_SPREAD_MIN)
		ways = min(set->nr, UOFF_MAX_WAYS);
	per = DIV_ROUND_UP(nr, ways);
	ways = DIV_ROUND_UP(nr, per);

	/* Each feed holds a reference until its last descriptor is written. */
	atomic_set(&req->pending, ways);
	uoff_xfer_iter_init(&it, req);
	for (i = 0; i < ways; i++) {
		struct uoff_feed *f = &req->feeds[i];

		f->it = it;
		f->left = min(per, nr);
		nr -= f->left;
		for (j = 0; i + 1 < ways && j < f->left; j++)
			uoff_xfer_next(&it, &x);
	}
	/* req may be gone once its last feed is queued. */
	for (i = 0; i < ways; i++) {
		struct uoff_chan *chan = set->chans[(first + i) % set->nr];

		atomic64_inc(req->kernel ? &chan->stats.kernel_reqs :
					   &chan->stats.reqs);
		uoff_chan_feed(chan, &req->feeds[i], 1);
	}
}

/**
 * uoff_req_run_inline() - execute a request on this CPU, now
 * @req: the request; req->done is not called
 */
void uoff_req_run_inline(struct uoff_req *req)
{
	struct uoff_xfer_iter it;
	struct uoff_xfer x;

	uoff_xfer_iter_init(&it, req);
	while (uoff_xfer_next(&it, &x)) {
		int ret = uoff_cpu_exec(NULL, &x);

		if (ret) {
			WRITE_ONCE(x.seg->status, ret);
			cmpxchg(&req->error, 0, ret);
		}
		cond_resched();
	}
}

unsigned int uoff_engine_nr_chans(void)
{
	return uoff_move.nr;
}

unsigned int uoff_engine_nr_zip_chans(void)
{
	return uoff_zip.nr;
}

u64 uoff_engine_mask(void)
{
	return UOFF_ENGINE_CPU | (uoff_zip_have_acomp() ? UOFF_ENGINE_ACOMP : 0);
}

static int uoff_chan_set_show(const struct uoff_chan_set *set, char *buf,
			      int at)
{
	const char *p = set->name;
	unsigned int i;

	for (i = 0; i < set->nr; i++) {
		struct uoff_chan *c = set->chans[i];
		struct uoff_chan_stats *s = &c->stats;

		at += sysfs_emit_at(buf, at,
				    "%s%u.node %d\n%s%u.engine %s\n"
				    "%s%u.reqs %lld\n%s%u.kernel_reqs %lld\n"
				    "%s%u.descs %lld\n%s%u.doorbells %lld\n"
				    "%s%u.reaps %lld\n%s%u.bytes %lld\n"
				    "%s%u.inflight %d\n",
				    p, i, c->node, p, i, c->ops->name,
				    p, i, atomic64_read(&s->reqs),
				    p, i, atomic64_read(&s->kernel_reqs),
				    p, i, atomic64_read(&s->descs),
				    p, i, atomic64_read(&s->doorbells),
				    p, i, atomic64_read(&s->reaps),
				    p, i, atomic64_read(&s->bytes),
				    p, i, atomic_read(&c->inflight));
	}
	return at;
}

int uoff_engine_show_stats(char *buf, int at)
{
	at = uoff_chan_set_show(&uoff_move, buf, at);
	return uoff_chan_set_show(&uoff_zip, buf, at);
}

static void uoff_chan_set_free(struct uoff_chan_set *set)
{
	unsigned int i;

	for (i = 0; i < set->nr; i++) {
		uoff_cpu_chan_exit(set->chans[i]);
		uoff_zip_free(set->chans[i]->zip);
		kfree(set->chans[i]);
	}
	kfree(set->chans);
	set->chans = NULL;
	set->nr = 0;
}

static int uoff_chan_add(struct uoff_chan_set *set, int node, bool zip)
{
	struct uoff_chan *chan;
	int ret = -ENOMEM;

	chan = kzalloc_node(sizeof(*chan), GFP_KERNEL, node);
	if (!chan)
		return -ENOMEM;
	chan->id = set->nr;
	chan->node = node;
	spin_lock_init(&chan->lock);
	INIT_LIST_HEAD(&chan->backlog);
	if (zip) {
		chan->zip = uoff_zip_alloc(node);
		if (!chan->zip)
			goto err;
	}
	ret = uoff_cpu_chan_init(chan);
	if (ret)
		goto err;
	set->chans[set->nr++] = chan;
	return 0;
err:
	uoff_zip_free(chan->zip);
	kfree(chan);
	return ret;
}

/*
 * One copy and fill channel per online node, and a compression channel for
 * each CPU of a node, up to UOFF_ZIP_CHANS_PER_NODE (at least one).
 */
int uoff_engine_init(void)
{
	unsigned int i, nr;
	int node, ret;

	uoff_move.chans = kcalloc(nr_node_ids, sizeof(*uoff_move.chans),
				  GFP_KERNEL);
	uoff_zip.chans = kcalloc(nr_node_ids * UOFF_ZIP_CHANS_PER_NODE,
				 sizeof(*uoff_zip.chans), GFP_KERNEL);
	if (!uoff_move.chans || !uoff_zip.chans) {
		ret = -ENOMEM;
		goto err;
	}

	for_each_online_node(node) {
		ret = uoff_chan_add(&uoff_move, node, false);
		if (ret)
			goto err;
		nr = clamp(nr_cpus_node(node), 1U, UOFF_ZIP_CHANS_PER_NODE);
		for (i = 0; i < nr; i++) {
			ret = uoff_chan_add(&uoff_zip, node, true);
			if (ret)
				goto err;
		}
	}
	return 0;
err:
	uoff_engine_exit();
	return ret;
}

void uoff_engine_exit(void)
{
	uoff_chan_set_free(&uoff_zip);
	uoff_chan_set_free(&uoff_move);
}
