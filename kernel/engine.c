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
#include <linux/export.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>
#include <linux/topology.h>

#include "uoff.h"

#define CREATE_TRACE_POINTS
#include "uoff_trace.h"

/* A set's channels; replaced as a whole, read under RCU. */
struct uoff_chan_tab {
	struct rcu_head		rcu;
	unsigned int		nr;
	struct uoff_chan	*chans[];
};

/* The channels of one kind: copy and fill, or compression. */
struct uoff_chan_set {
	const char			*name;
	bool				any_node;	/* see uoff_chan_pick() */
	struct uoff_chan_tab __rcu	*tab;
};

/* CPU channels, always there. */
static struct uoff_chan_set uoff_move = { .name = "chan" };
static struct uoff_chan_set uoff_zip = { .name = "zchan", .any_node = true };

/*
 * Device channels, all of them (uoff_dev, for the counters) and by backend:
 * copies and fills go to the first backend of the "backends" parameter
 * that has channels.
 */
enum { UOFF_BE_END, UOFF_BE_SDXI, UOFF_BE_DMAENGINE, UOFF_BE_CPU };

static const struct {
	const char	*name;
	u64		engine;
} uoff_backends[] = {
	[UOFF_BE_SDXI]		= { "sdxi",	 UOFF_ENGINE_SDXI },
	[UOFF_BE_DMAENGINE]	= { "dmaengine", UOFF_ENGINE_DMAENGINE },
	[UOFF_BE_CPU]		= { "cpu",	 UOFF_ENGINE_CPU },
};

static struct uoff_chan_set uoff_dev = { .name = "dchan" };
static struct uoff_chan_set uoff_dev_by[] = {
	[UOFF_BE_SDXI]		= { .name = "sdxi" },
	[UOFF_BE_DMAENGINE]	= { .name = "dmaengine" },
};
static DEFINE_MUTEX(uoff_dev_lock);	/* the device tables' updates */
/* dchanN: a number per device channel created, never reused */
static atomic_t uoff_dev_ids = ATOMIC_INIT(0);

/* UOFF_BE_* in order of preference, one per byte from the lowest. */
static u32 uoff_backend_order = UOFF_BE_SDXI | UOFF_BE_DMAENGINE << 8 |
				UOFF_BE_CPU << 16;

static int uoff_backends_set(const char *val, const struct kernel_param *kp)
{
	char *buf, *p, *tok;
	unsigned int n = 0, i, seen = 0;
	u32 order = 0;
	int ret = 0;

	buf = kstrdup(val, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	p = strim(buf);
	while ((tok = strsep(&p, ",")) && !ret) {
		for (i = UOFF_BE_SDXI; i <= UOFF_BE_CPU; i++)
			if (!strcmp(strim(tok), uoff_backends[i].name))
				break;
		if (i > UOFF_BE_CPU || seen & BIT(i))
			ret = -EINVAL;
		seen |= BIT(i);
		order |= i << (8 * n++);
	}
	kfree(buf);
	if (ret || !order)
		return -EINVAL;
	WRITE_ONCE(uoff_backend_order, order);
	/* Take dmaengine channels, or let go of them. */
	uoff_dma_backends_changed();
	return 0;
}

static int uoff_backends_get(char *buf, const struct kernel_param *kp)
{
	u32 order = READ_ONCE(uoff_backend_order);
	int at = 0;

	for (; order; order >>= 8)
		at += sysfs_emit_at(buf, at, "%s%s", at ? "," : "",
				    uoff_backends[order & 0xff].name);
	return at + sysfs_emit_at(buf, at, "\n");
}

static const struct kernel_param_ops uoff_backends_ops = {
	.set	= uoff_backends_set,
	.get	= uoff_backends_get,
};
module_param_cb(backends, &uoff_backends_ops, NULL, 0644);
MODULE_PARM_DESC(backends,
		 "Engines for copy and fill, in order of preference: the first with channels serves (default sdxi,dmaengine,cpu; the CPU is always the last resort)");

/**
 * uoff_backend_enabled() - may a backend's channels serve copies and fills?
 * @engine: its UOFF_ENGINE_* bit
 *
 * Return: true if "backends" names it before "cpu".
 */
bool uoff_backend_enabled(u64 engine)
{
	u32 order = READ_ONCE(uoff_backend_order);

	for (; order && (order & 0xff) != UOFF_BE_CPU; order >>= 8)
		if (uoff_backends[order & 0xff].engine == engine)
			return true;
	return false;
}
EXPORT_SYMBOL_GPL(uoff_backend_enabled);

/* The set copies and fills go to now; under rcu_read_lock(). */
static const struct uoff_chan_set *uoff_move_set(void)
{
	u32 order = READ_ONCE(uoff_backend_order);

	for (; order && (order & 0xff) != UOFF_BE_CPU; order >>= 8)
		if (rcu_access_pointer(uoff_dev_by[order & 0xff].tab))
			return &uoff_dev_by[order & 0xff];
	return &uoff_move;
}

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
EXPORT_SYMBOL_GPL(uoff_span_advance);

/* Where a span's next byte is, and how many bytes follow it in that page. */
struct page *uoff_span_page(const struct uoff_span *s, unsigned int *off,
			    unsigned int *len)
{
	unsigned int pos = s->bv->bv_offset + s->off;

	*off = offset_in_page(pos);
	*len = min_t(unsigned int, s->bv->bv_len - s->off, PAGE_SIZE - *off);
	return nth_page(s->bv->bv_page, pos >> PAGE_SHIFT);
}
EXPORT_SYMBOL_GPL(uoff_span_page);

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

/* The segments' op, or UOFF_TRACE_MIXED. */
static u8 uoff_req_op(const struct uoff_req *req)
{
	unsigned int i;

	for (i = 1; i < req->nr_segs; i++)
		if (req->segs[i].op != req->segs[0].op)
			return UOFF_TRACE_MIXED;
	return req->segs[0].op;
}

/* Before the request can complete; it stamps the time only if tracing. */
static void uoff_trace_submit(struct uoff_req *req)
{
	if (!trace_uoff_submit_enabled() && !trace_uoff_complete_enabled()) {
		req->submit_ns = 0;
		return;
	}
	req->submit_ns = ktime_get_ns();
	trace_uoff_submit(req, uoff_req_op(req), req->bytes, req->nr_segs,
			  uoff_req_count_xfers(req), req->engine, req->kernel);
}

static void uoff_trace_complete(const struct uoff_req *req)
{
	if (!trace_uoff_complete_enabled())
		return;
	trace_uoff_complete(req, uoff_req_op(req), req->bytes, req->engine,
			    req->error, req->submit_ns ?
			    ktime_get_ns() - req->submit_ns : 0, req->kernel);
}

static void uoff_req_put(struct uoff_req *req)
{
	if (atomic_dec_and_test(&req->pending)) {
		uoff_trace_complete(req);
		req->done(req);
	}
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
EXPORT_SYMBOL_GPL(uoff_xfer_done);

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
			struct uoff_xfer_iter at = f->it;
			struct uoff_xfer x;

			uoff_xfer_next(&f->it, &x);
			if (chan->ops->write(chan, n, &x)) {
				/* Full for now: the next reap goes on. */
				f->it = at;
				space = n;
				break;
			}
			atomic_inc(&x.req->pending);
			n++;
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
	if (wq_has_sleeper(&chan->idle))
		wake_up_all(&chan->idle);
}
EXPORT_SYMBOL_GPL(uoff_chan_reaped);

/*
 * Prefer a channel on the submitting CPU's node, then the least loaded.
 * Compression is CPU-bound, and the node matters less than an idle worker:
 * a stream goes to the least loaded channel anywhere, a local one on a tie.
 */
static unsigned int uoff_chan_pick(const struct uoff_chan_tab *tab,
				   bool any_node)
{
	int node = numa_node_id();
	unsigned int i, best = node % tab->nr;
	int best_load = INT_MAX;
	bool local = false;

	for (i = 0; i < tab->nr; i++) {
		struct uoff_chan *chan = tab->chans[i];
		int load = atomic_read(&chan->inflight);

		if (any_node) {
			if (load < best_load ||
			    (load == best_load && chan->node == node)) {
				best = i;
				best_load = load;
			}
			continue;
		}
		if (chan->node != node)
			continue;
		if (!local || load < atomic_read(&tab->chans[best]->inflight))
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

/* Take a submitter's hold on a channel: detaching waits for it to go. */
static void uoff_chan_put_user(struct uoff_chan *chan)
{
	if (atomic_dec_and_test(&chan->users) && wq_has_sleeper(&chan->idle))
		wake_up_all(&chan->idle);
}

/**
 * uoff_req_submit() - queue a request on channel rings
 * @req: the request, of at least one byte; req->done runs once every
 *	 descriptor has finished, possibly before this returns
 *
 * Copies and fills go to the channels of the first backend in "backends"
 * that has any, the CPU channels at the latest.  Never waits for ring space: what does not fit
 * waits on the channels' backlogs and is written as the executors free
 * slots.
 */
void uoff_req_submit(struct uoff_req *req)
{
	struct uoff_chan *chans[UOFF_MAX_WAYS];
	unsigned int nr = uoff_req_count_xfers(req);
	const struct uoff_chan_set *set = &uoff_zip;
	const struct uoff_chan_tab *tab;
	unsigned int i, j, first, ways = 1, per;
	struct uoff_xfer_iter it;
	struct uoff_xfer x;

	rcu_read_lock();
	if (!uoff_op_is_zip(req->segs[0].op))
		set = uoff_move_set();
	tab = rcu_dereference(set->tab);
	first = uoff_chan_pick(tab, set->any_node);
	if (req->bytes >= UOFF_SPREAD_MIN)
		ways = min(tab->nr, UOFF_MAX_WAYS);
	per = DIV_ROUND_UP(nr, ways);
	ways = DIV_ROUND_UP(nr, per);
	for (i = 0; i < ways; i++) {
		chans[i] = tab->chans[(first + i) % tab->nr];
		atomic_inc(&chans[i]->users);
	}
	rcu_read_unlock();
	req->engine = chans[0]->ops->engine;
	uoff_trace_submit(req);

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
		atomic64_inc(req->kernel ? &chans[i]->stats.kernel_reqs :
					   &chans[i]->stats.reqs);
		uoff_chan_feed(chans[i], &req->feeds[i], 1);
		uoff_chan_put_user(chans[i]);
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

	req->engine = UOFF_TRACE_INLINE;
	uoff_trace_submit(req);
	uoff_xfer_iter_init(&it, req);
	while (uoff_xfer_next(&it, &x)) {
		int ret = uoff_cpu_exec(NULL, &x);

		if (ret) {
			WRITE_ONCE(x.seg->status, ret);
			cmpxchg(&req->error, 0, ret);
		}
		cond_resched();
	}
	uoff_trace_complete(req);
}

static unsigned int uoff_chan_set_nr(const struct uoff_chan_set *set)
{
	const struct uoff_chan_tab *tab;
	unsigned int nr;

	rcu_read_lock();
	tab = rcu_dereference(set->tab);
	nr = tab ? tab->nr : 0;
	rcu_read_unlock();
	return nr;
}

/* The channels copies and fills go to. */
unsigned int uoff_engine_nr_chans(void)
{
	unsigned int nr;

	rcu_read_lock();
	nr = uoff_chan_set_nr(uoff_move_set());
	rcu_read_unlock();
	return nr;
}

unsigned int uoff_engine_nr_zip_chans(void)
{
	return uoff_chan_set_nr(&uoff_zip);
}

u64 uoff_engine_mask(void)
{
	const struct uoff_chan_tab *tab;
	u64 mask = UOFF_ENGINE_CPU;
	unsigned int i;

	if (uoff_zip_have_acomp())
		mask |= UOFF_ENGINE_ACOMP;
	rcu_read_lock();
	tab = rcu_dereference(uoff_move_set()->tab);
	for (i = 0; tab && i < tab->nr; i++)
		mask |= tab->chans[i]->ops->engine;
	rcu_read_unlock();
	return mask;
}

static int uoff_chan_set_show(const struct uoff_chan_set *set, char *buf,
			      int at)
{
	const struct uoff_chan_tab *tab;
	const char *p = set->name;
	unsigned int i;

	rcu_read_lock();
	tab = rcu_dereference(set->tab);
	for (i = 0; tab && i < tab->nr; i++) {
		struct uoff_chan *c = tab->chans[i];
		struct uoff_chan_stats *s = &c->stats;

		at += sysfs_emit_at(buf, at,
				    "%s%u.node %d\n%s%u.engine %s\n"
				    "%s%u.reqs %lld\n%s%u.kernel_reqs %lld\n"
				    "%s%u.descs %lld\n%s%u.doorbells %lld\n"
				    "%s%u.reaps %lld\n%s%u.bytes %lld\n"
				    "%s%u.inflight %d\n",
				    p, c->id, c->node, p, c->id, c->ops->name,
				    p, c->id, atomic64_read(&s->reqs),
				    p, c->id, atomic64_read(&s->kernel_reqs),
				    p, c->id, atomic64_read(&s->descs),
				    p, c->id, atomic64_read(&s->doorbells),
				    p, c->id, atomic64_read(&s->reaps),
				    p, c->id, atomic64_read(&s->bytes),
				    p, c->id, atomic_read(&c->inflight));
		if (c->ops->engine == UOFF_ENGINE_CPU)
			continue;
		at += sysfs_emit_at(buf, at,
				    "%s%u.irqs %lld\n%s%u.fallbacks %lld\n"
				    "%s%u.errors %lld\n",
				    p, c->id, atomic64_read(&s->irqs),
				    p, c->id, atomic64_read(&s->fallbacks),
				    p, c->id, atomic64_read(&s->errors));
	}
	rcu_read_unlock();
	return at;
}

int uoff_engine_show_stats(char *buf, int at)
{
	at = uoff_chan_set_show(&uoff_dev, buf, at);
	at = uoff_chan_set_show(&uoff_move, buf, at);
	return uoff_chan_set_show(&uoff_zip, buf, at);
}

/*
 * /sys/class/misc/uoffload/channels/<set name><id>/: a channel's counters,
 * one per file, the same as its lines in the stats file.  Removing the
 * directory waits for readers in a show method, and a file opened before
 * reads nothing after; the channel is freed with the last kobject
 * reference.  Under uoff_dev_lock; NULL until the misc device exists.
 */
static struct kobject *uoff_chans_kobj;

static struct uoff_chan *uoff_kobj_chan(struct kobject *kobj)
{
	return container_of(kobj, struct uoff_chan, kobj);
}

#define UOFF_CHAN_ATTR(_name, _fmt, _val)				\
static ssize_t uoff_chan_##_name##_show(struct kobject *kobj,		\
					struct kobj_attribute *attr,	\
					char *buf)			\
{									\
	struct uoff_chan *chan = uoff_kobj_chan(kobj);			\
									\
	return sysfs_emit(buf, _fmt "\n", _val);			\
}									\
static struct kobj_attribute uoff_chan_attr_##_name =			\
	__ATTR(_name, 0444, uoff_chan_##_name##_show, NULL)

#define UOFF_CHAN_STAT(_name, _field)					\
	UOFF_CHAN_ATTR(_name, "%lld", atomic64_read(&chan->stats._field))

UOFF_CHAN_ATTR(engine, "%s", chan->ops->name);
UOFF_CHAN_ATTR(node, "%d", chan->node);
UOFF_CHAN_ATTR(inflight, "%d", atomic_read(&chan->inflight));
UOFF_CHAN_STAT(reqs, reqs);
UOFF_CHAN_STAT(kernel_reqs, kernel_reqs);
UOFF_CHAN_STAT(ops, descs);
UOFF_CHAN_STAT(bytes, bytes);
UOFF_CHAN_STAT(batches, doorbells);
UOFF_CHAN_STAT(irqs, irqs);
UOFF_CHAN_STAT(fallbacks, fallbacks);
UOFF_CHAN_STAT(errors, errors);

static struct attribute *uoff_chan_attrs[] = {
	&uoff_chan_attr_engine.attr,
	&uoff_chan_attr_node.attr,
	&uoff_chan_attr_reqs.attr,
	&uoff_chan_attr_kernel_reqs.attr,
	&uoff_chan_attr_ops.attr,
	&uoff_chan_attr_bytes.attr,
	&uoff_chan_attr_batches.attr,
	&uoff_chan_attr_irqs.attr,
	&uoff_chan_attr_fallbacks.attr,
	&uoff_chan_attr_errors.attr,
	&uoff_chan_attr_inflight.attr,
	NULL,
};
ATTRIBUTE_GROUPS(uoff_chan);

static void uoff_chan_release(struct kobject *kobj)
{
	kfree(uoff_kobj_chan(kobj));
}

static const struct kobj_type uoff_chan_ktype = {
	.release	= uoff_chan_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= uoff_chan_groups,
};

/* Give @chan its directory; a channel without one still works. */
static int uoff_chan_sysfs_add(struct uoff_chan *chan,
			       const struct uoff_chan_set *set)
{
	int ret;

	lockdep_assert_held(&uoff_dev_lock);
	if (!uoff_chans_kobj)
		return 0;
	ret = kobject_add(&chan->kobj, uoff_chans_kobj, "%s%u", set->name,
			  chan->id);
	if (ret)
		pr_warn("uoffload: no sysfs directory for %s%u: %d\n",
			set->name, chan->id, ret);
	return ret;
}

static void uoff_chan_sysfs_del(struct uoff_chan *chan)
{
	if (chan->kobj.state_in_sysfs)
		kobject_del(&chan->kobj);
}

static int uoff_chan_set_sysfs(const struct uoff_chan_set *set, bool add)
{
	const struct uoff_chan_tab *tab;
	unsigned int i;
	int ret = 0;

	tab = rcu_dereference_protected(set->tab,
					lockdep_is_held(&uoff_dev_lock));
	for (i = 0; tab && i < tab->nr && !ret; i++) {
		if (add)
			ret = uoff_chan_sysfs_add(tab->chans[i], set);
		else
			uoff_chan_sysfs_del(tab->chans[i]);
	}
	return ret;
}

static void uoff_engine_sysfs_del(void)
{
	uoff_chan_set_sysfs(&uoff_dev, false);
	uoff_chan_set_sysfs(&uoff_move, false);
	uoff_chan_set_sysfs(&uoff_zip, false);
	kobject_put(uoff_chans_kobj);
	uoff_chans_kobj = NULL;
}

/**
 * uoff_engine_sysfs_init() - make the channels' directories
 * @parent: the misc device's kobject
 *
 * Channels that exist get theirs now, device channels attached later at
 * their attach.
 *
 * Return: 0 or a negative errno.
 */
int uoff_engine_sysfs_init(struct kobject *parent)
{
	int ret = -ENOMEM;

	mutex_lock(&uoff_dev_lock);
	uoff_chans_kobj = kobject_create_and_add("channels", parent);
	if (uoff_chans_kobj) {
		ret = uoff_chan_set_sysfs(&uoff_dev, true) ?:
		      uoff_chan_set_sysfs(&uoff_move, true) ?:
		      uoff_chan_set_sysfs(&uoff_zip, true);
		if (ret)
			uoff_engine_sysfs_del();
	}
	mutex_unlock(&uoff_dev_lock);
	return ret;
}

/* Before the misc device goes. */
void uoff_engine_sysfs_exit(void)
{
	mutex_lock(&uoff_dev_lock);
	uoff_engine_sysfs_del();
	mutex_unlock(&uoff_dev_lock);
}

/**
 * uoff_chan_create() - a channel for a backend's ring, not yet in use
 * @ops: the backend's channel ops
 * @priv: the backend's data, chan->priv
 * @node: the NUMA node it is nearest to
 * @nr_slots: its ring size, in descriptors of struct uoff_xfer
 *
 * Return: the channel, or NULL.
 */
struct uoff_chan *uoff_chan_create(const struct uoff_chan_ops *ops,
				   void *priv, int node, unsigned int nr_slots)
{
	struct uoff_chan *chan;

	chan = kzalloc_node(sizeof(*chan), GFP_KERNEL, node);
	if (!chan)
		return NULL;
	kobject_init(&chan->kobj, &uoff_chan_ktype);
	/* The CPU's channels are numbered by uoff_chan_add(). */
	if (ops)
		chan->id = atomic_inc_return(&uoff_dev_ids) - 1;
	chan->node = node;
	chan->ops = ops;
	chan->priv = priv;
	chan->nr_slots = nr_slots;
	spin_lock_init(&chan->lock);
	INIT_LIST_HEAD(&chan->backlog);
	init_waitqueue_head(&chan->idle);
	return chan;
}
EXPORT_SYMBOL_GPL(uoff_chan_create);

/**
 * uoff_chan_destroy() - free a channel that is not in use
 * @chan: the channel, detached or never attached; or NULL
 */
void uoff_chan_destroy(struct uoff_chan *chan)
{
	if (chan)
		kobject_put(&chan->kobj);
}
EXPORT_SYMBOL_GPL(uoff_chan_destroy);

/* Put @tab in place of @set's table; the old one is freed after readers. */
static void uoff_tab_swap(struct uoff_chan_set *set, struct uoff_chan_tab *tab)
{
	struct uoff_chan_tab *old;

	old = rcu_replace_pointer(set->tab, tab,
				  lockdep_is_held(&uoff_dev_lock));
	if (old)
		kfree_rcu(old, rcu);
}

/* A copy of @set's table with @chan added or removed; NULL when empty. */
static struct uoff_chan_tab *uoff_tab_edit(struct uoff_chan_set *set,
					   struct uoff_chan *chan, bool add,
					   gfp_t gfp)
{
	const struct uoff_chan_tab *old;
	struct uoff_chan_tab *tab;
	unsigned int nr, i, j = 0;

	old = rcu_dereference_protected(set->tab,
					lockdep_is_held(&uoff_dev_lock));
	nr = old ? old->nr : 0;
	if (!add && nr <= 1)
		return NULL;
	tab = kzalloc(struct_size(tab, chans, add ? nr + 1 : nr - 1), gfp);
	if (!tab)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < nr; i++)
		if (old->chans[i] != chan && (add || j < nr - 1))
			tab->chans[j++] = old->chans[i];
	if (add)
		tab->chans[j++] = chan;
	tab->nr = j;
	return tab;
}

static struct uoff_chan_set *uoff_dev_set_of(const struct uoff_chan *chan)
{
	return &uoff_dev_by[chan->ops->engine == UOFF_ENGINE_DMAENGINE ?
			    UOFF_BE_DMAENGINE : UOFF_BE_SDXI];
}

/**
 * uoff_chan_attach() - start sending copies and fills to a device channel
 * @chan: from uoff_chan_create(), its backend ready to execute
 *
 * While its backend is the first in "backends" with channels, copies and
 * fills that are not run inline go to its channels.
 *
 * Return: 0 or -ENOMEM.
 */
int uoff_chan_attach(struct uoff_chan *chan)
{
	struct uoff_chan_set *by = uoff_dev_set_of(chan);
	struct uoff_chan_tab *all, *mine;

	mutex_lock(&uoff_dev_lock);
	all = uoff_tab_edit(&uoff_dev, chan, true, GFP_KERNEL);
	mine = uoff_tab_edit(by, chan, true, GFP_KERNEL);
	if (IS_ERR(all) || IS_ERR(mine)) {
		mutex_unlock(&uoff_dev_lock);
		if (!IS_ERR(all))
			kfree(all);
		if (!IS_ERR(mine))
			kfree(mine);
		return -ENOMEM;
	}
	uoff_tab_swap(&uoff_dev, all);
	uoff_tab_swap(by, mine);
	uoff_chan_sysfs_add(chan, &uoff_dev);
	mutex_unlock(&uoff_dev_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(uoff_chan_attach);

static bool uoff_chan_idle(struct uoff_chan *chan)
{
	bool idle;

	spin_lock(&chan->lock);
	idle = list_empty(&chan->backlog) && !atomic_read(&chan->inflight) &&
	       !atomic_read(&chan->users);
	spin_unlock(&chan->lock);
	return idle;
}

/**
 * uoff_chan_detach() - stop using a device channel
 * @chan: an attached channel
 *
 * No new request picks it once this is called; returns when every
 * descriptor already given to it, on its ring or its backlog, has been
 * reported, so its backend must go on executing (or finishing on the CPU)
 * until then.  May sleep for as long as that takes.
 */
void uoff_chan_detach(struct uoff_chan *chan)
{
	/* A detach must not fail for want of memory. */
	const gfp_t gfp = GFP_KERNEL | __GFP_NOFAIL;
	struct uoff_chan_set *by = uoff_dev_set_of(chan);

	mutex_lock(&uoff_dev_lock);
	uoff_tab_swap(&uoff_dev, uoff_tab_edit(&uoff_dev, chan, false, gfp));
	uoff_tab_swap(by, uoff_tab_edit(by, chan, false, gfp));
	uoff_chan_sysfs_del(chan);
	mutex_unlock(&uoff_dev_lock);
	/* Submitters that found it have taken their hold by now. */
	synchronize_rcu();
	wait_event(chan->idle, uoff_chan_idle(chan));
}
EXPORT_SYMBOL_GPL(uoff_chan_detach);

static void uoff_chan_set_free(struct uoff_chan_set *set)
{
	struct uoff_chan_tab *tab = rcu_dereference_protected(set->tab, true);
	unsigned int i;

	RCU_INIT_POINTER(set->tab, NULL);
	for (i = 0; tab && i < tab->nr; i++) {
		uoff_cpu_chan_exit(tab->chans[i]);
		uoff_zip_free(tab->chans[i]->zip);
		uoff_chan_destroy(tab->chans[i]);
	}
	kfree(tab);
}

static int uoff_chan_add(struct uoff_chan_tab *tab, int node, bool zip)
{
	struct uoff_chan *chan;
	int ret = -ENOMEM;

	chan = uoff_chan_create(NULL, NULL, node, 0);
	if (!chan)
		return -ENOMEM;
	chan->id = tab->nr;
	if (zip) {
		chan->zip = uoff_zip_alloc(node);
		if (!chan->zip)
			goto err;
	}
	ret = uoff_cpu_chan_init(chan);
	if (ret)
		goto err;
	tab->chans[tab->nr++] = chan;
	return 0;
err:
	uoff_zip_free(chan->zip);
	uoff_chan_destroy(chan);
	return ret;
}

/*
 * One copy and fill channel per online node, and a compression channel for
 * each CPU of a node, up to UOFF_ZIP_CHANS_PER_NODE (at least one).
 */
int uoff_engine_init(void)
{
	struct uoff_chan_tab *move, *zip;
	unsigned int i, nr;
	int node, ret;

	move = kzalloc(struct_size(move, chans, nr_node_ids), GFP_KERNEL);
	zip = kzalloc(struct_size(zip, chans,
				  nr_node_ids * UOFF_ZIP_CHANS_PER_NODE),
		      GFP_KERNEL);
	RCU_INIT_POINTER(uoff_move.tab, move);
	RCU_INIT_POINTER(uoff_zip.tab, zip);
	if (!move || !zip) {
		ret = -ENOMEM;
		goto err;
	}

	for_each_online_node(node) {
		ret = uoff_chan_add(move, node, false);
		if (ret)
			goto err;
		nr = clamp(nr_cpus_node(node), 1U, UOFF_ZIP_CHANS_PER_NODE);
		for (i = 0; i < nr; i++) {
			ret = uoff_chan_add(zip, node, true);
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
	/* Device backends' modules use this one: they are gone. */
	WARN_ON_ONCE(rcu_access_pointer(uoff_dev.tab));
	uoff_chan_set_free(&uoff_zip);
	uoff_chan_set_free(&uoff_move);
}
