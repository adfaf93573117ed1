// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring front end: decodes IORING_OP_URING_CMD SQEs sent to
 * /dev/uoffload, validates them completely, bounds what each open file
 * and the whole system may have in flight, pins the user memory and hands
 * the request to the engine, inline for small requests.
 *
 * Every check that can fail runs before the first byte is written, so a
 * failed request leaves the destination untouched.
 */
#include <linux/fs.h>
#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/pagemap.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include "mem.h"
#include "compat.h"

/*
 * Requests of at most this many bytes run on the submitting CPU: below it,
 * handing descriptors to a channel worker costs more than the copy itself.
 * The default comes from `make bench` (Documentation/admin-guide.rst).
 */
unsigned int uoff_inline_threshold = 16384;
module_param_named(inline_threshold, uoff_inline_threshold, uint, 0644);
MODULE_PARM_DESC(inline_threshold,
		 "Requests of at most this many bytes run inline (default 16384)");

/* The in-flight bounds must stay non-zero: zero would stop all work. */
static int uoff_param_set_uint_nonzero(const char *val,
				       const struct kernel_param *kp)
{
	unsigned int v;
	int ret = kstrtouint(val, 0, &v);

	if (ret)
		return ret;
	if (!v)
		return -EINVAL;
	*(unsigned int *)kp->arg = v;
	return 0;
}

static int uoff_param_set_ullong_nonzero(const char *val,
					 const struct kernel_param *kp)
{
	unsigned long long v;
	int ret = kstrtoull(val, 0, &v);

	if (ret)
		return ret;
	if (!v)
		return -EINVAL;
	*(unsigned long long *)kp->arg = v;
	return 0;
}

static const struct kernel_param_ops uoff_param_ops_uint = {
	.set = uoff_param_set_uint_nonzero,
	.get = param_get_uint,
};

static const struct kernel_param_ops uoff_param_ops_ullong = {
	.set = uoff_param_set_ullong_nonzero,
	.get = param_get_ullong,
};

static unsigned int uoff_max_file_ops = 4096;
module_param_cb(max_inflight_ops, &uoff_param_ops_uint, &uoff_max_file_ops,
		0644);
MODULE_PARM_DESC(max_inflight_ops, "Requests one open file may have in flight");

static unsigned long long uoff_max_file_bytes = 1ULL << 30;
module_param_cb(max_inflight_bytes, &uoff_param_ops_ullong,
		&uoff_max_file_bytes, 0644);
MODULE_PARM_DESC(max_inflight_bytes, "Bytes one open file may have in flight");

static unsigned int uoff_max_sys_ops = 65536;
module_param_cb(max_system_inflight_ops, &uoff_param_ops_uint,
		&uoff_max_sys_ops, 0644);
MODULE_PARM_DESC(max_system_inflight_ops, "Requests in flight system-wide");

static unsigned long long uoff_max_sys_bytes = 4ULL << 30;
module_param_cb(max_system_inflight_bytes, &uoff_param_ops_ullong,
		&uoff_max_sys_bytes, 0644);
MODULE_PARM_DESC(max_system_inflight_bytes, "Bytes in flight system-wide");

/* What is in flight; a file's or the system's, under uoff_charge_lock. */
struct uoff_inflight {
	unsigned int	ops;
	u64		bytes;
};

struct uoff_file {
	struct uoff_inflight	inflight;
	unsigned int		nr_waiting;	/* uoff_charge_lock */
};

/*
 * What a command asks for, as read from its SQE and descriptor array:
 * COPY and FILL are one descriptor, BATCH up to UOFF_MAX_BATCH, DEFLATE
 * and INFLATE one descriptor whose len is the destination's capacity.
 */
struct uoff_work {
	const struct uoff_desc	*descs;
	unsigned int		nr;
	u32			flags;
	u32			src_len;	/* DEFLATE, INFLATE */
	u64			bytes;		/* charged to the bounds */
};

/*
 * A request that found the in-flight bounds reached.  It waits on
 * uoff_waiters, in arrival order, with everything it read from its SQE:
 * once io_uring_enter() returns, the SQ slot may hold another request.
 * uoff_uncharge() admits the waiters that fit and hands each to its task
 * to pin its memory and start.
 */
struct uoff_waiter {
	struct list_head	node;
	struct io_uring_cmd	*cmd;
	struct uoff_file	*uf;
	struct uoff_work	work;
	bool			admitted;
	struct uoff_desc	descs[];
};

static DEFINE_SPINLOCK(uoff_charge_lock);
static struct uoff_inflight uoff_sys_inflight;
static LIST_HEAD(uoff_waiters);
static unsigned int uoff_sys_waiting;

static struct {
	atomic64_t	inline_reqs;
	atomic64_t	inline_bytes;
	atomic64_t	ring_reqs;
	atomic64_t	ring_bytes;
	atomic64_t	waited_reqs;
} uoff_uring_stats;

/* A user request. */
struct uoff_ureq {
	struct uoff_req		req;
	bool			zip;		/* DEFLATE, INFLATE */
	struct io_uring_cmd	*cmd;
	struct uoff_file	*uf;
	struct uoff_mem		*mem;		/* dst, src of each segment */
	struct uoff_seg		seg;		/* single COPY or FILL */
	struct uoff_mem		mem_inline[2];
};

/* Set only while a command is cancelable: on a ring, or waiting. */
struct uoff_pdu {
	struct uoff_ureq	*ureq;
	struct uoff_waiter	*waiter;
};

/* The SQE fields a command reads, read once from the shared SQ ring. */
struct uoff_args {
	u64	addr;
	u32	len;
	u64	src;
	u32	flags;
	u32	src_len;	/* DEFLATE, INFLATE: uoff_zip_cmd.src_len */
};

struct uoff_cmd_def {
	u32	cmd_op;
	u32	flags;		/* UOFF_F_* the command accepts */
	bool	zip;		/* the payload is a struct uoff_zip_cmd */
	int	(*issue)(struct io_uring_cmd *cmd, const struct uoff_args *a,
			 unsigned int issue_flags);
};

static bool uoff_inflight_fits(const struct uoff_inflight *in, u64 bytes,
			       unsigned int max_ops, u64 max_bytes)
{
	/* A lone request may use more than max_bytes: max_op_len bounds it. */
	return in->ops < max_ops && (!in->ops || in->bytes + bytes <= max_bytes);
}

static bool uoff_charge_locked(struct uoff_file *uf, u64 bytes)
{
	lockdep_assert_held(&uoff_charge_lock);

	if (!uoff_inflight_fits(&uf->inflight, bytes,
				READ_ONCE(uoff_max_file_ops),
				READ_ONCE(uoff_max_file_bytes)) ||
	    !uoff_inflight_fits(&uoff_sys_inflight, bytes,
				READ_ONCE(uoff_max_sys_ops),
				READ_ONCE(uoff_max_sys_bytes)))
		return false;
	uf->inflight.ops++;
	uf->inflight.bytes += bytes;
	uoff_sys_inflight.ops++;
	uoff_sys_inflight.bytes += bytes;
	return true;
}

/* Claim capacity, unless the bounds are reached or others wait for it. */
static bool uoff_admit_locked(struct uoff_file *uf, u64 bytes)
{
	return list_empty(&uoff_waiters) && uoff_charge_locked(uf, bytes);
}

static bool uoff_try_charge(struct uoff_file *uf, u64 bytes)
{
	bool ok;

	spin_lock(&uoff_charge_lock);
	ok = uoff_admit_locked(uf, bytes);
	spin_unlock(&uoff_charge_lock);
	return ok;
}

/* @w stops counting as waiting; the caller takes it off uoff_waiters. */
static void uoff_waiter_leave_locked(struct uoff_waiter *w)
{
	lockdep_assert_held(&uoff_charge_lock);
	w->uf->nr_waiting--;
	uoff_sys_waiting--;
}

static void uoff_waiter_tw(struct io_uring_cmd *cmd, unsigned int issue_flags);

/* Give capacity back and admit the waiters that now fit, first fit first. */
static void uoff_uncharge(struct uoff_file *uf, u64 bytes)
{
	struct uoff_waiter *w, *tmp;
	LIST_HEAD(admitted);

	spin_lock(&uoff_charge_lock);
	uf->inflight.ops--;
	uf->inflight.bytes -= bytes;
	uoff_sys_inflight.ops--;
	uoff_sys_inflight.bytes -= bytes;
	list_for_each_entry_safe(w, tmp, &uoff_waiters, node) {
		if (!uoff_charge_locked(w->uf, w->work.bytes))
			continue;
		w->admitted = true;
		uoff_waiter_leave_locked(w);
		list_move_tail(&w->node, &admitted);
	}
	spin_unlock(&uoff_charge_lock);

	/* Admitted waiters are no longer cancel's to touch. */
	list_for_each_entry_safe(w, tmp, &admitted, node) {
		list_del(&w->node);
		io_uring_cmd_do_in_task_lazy(w->cmd, uoff_waiter_tw);
	}
}

/* Two user ranges, already checked with access_ok(), share a byte. */
static bool uoff_ranges_overlap(u64 a, u32 a_len, u64 b, u32 b_len)
{
	return a_len && b_len && a < b + b_len && b < a + a_len;
}

static int uoff_desc_check(const struct uoff_desc *d)
{
	void __user *dst = u64_to_user_ptr(d->dst);
	void __user *src = u64_to_user_ptr(d->src);

	if (d->op != UOFF_OP_COPY && d->op != UOFF_OP_FILL)
		return -EINVAL;
	if (memchr_inv(d->reserved0, 0, sizeof(d->reserved0)) || d->reserved1)
		return -EINVAL;
	if (d->len > UOFF_MAX_OP_LEN)
		return -E2BIG;
	if (!d->len)
		return 0;
	if (!access_ok(dst, d->len))
		return -EFAULT;
	if (d->op == UOFF_OP_COPY) {
		if (!access_ok(src, d->len))
			return -EFAULT;
		if (uoff_ranges_overlap(d->dst, d->len, d->src, d->len))
			return -EINVAL;
	}
	return 0;
}

static int uoff_descs_check(const struct uoff_desc *descs, unsigned int nr,
			    u64 *bytes)
{
	unsigned int i;
	int ret;

	*bytes = 0;
	for (i = 0; i < nr; i++) {
		ret = uoff_desc_check(&descs[i]);
		if (ret)
			return ret;
		*bytes += descs[i].len;
	}
	return *bytes > UOFF_MAX_OP_LEN ? -E2BIG : 0;
}

/*
 * DEFLATE and INFLATE: @d has the destination and its capacity, the
 * source, and the op; the format and level are in @flags.
 */
static int uoff_zip_check(const struct uoff_desc *d, u32 src_len, u32 flags,
			  u64 *bytes)
{
	unsigned int format = UOFF_ZIP_FORMAT_OF(flags);

	if (format < UOFF_ZIP_RAW || format > UOFF_ZIP_GZIP ||
	    UOFF_ZIP_LEVEL_OF(flags) > UOFF_ZIP_LEVEL_MAX)
		return -EINVAL;
	if (d->len > UOFF_MAX_OP_LEN || src_len > UOFF_MAX_OP_LEN)
		return -E2BIG;
	if (!access_ok(u64_to_user_ptr(d->dst), d->len) ||
	    !access_ok(u64_to_user_ptr(d->src), src_len))
		return -EFAULT;
	if (uoff_ranges_overlap(d->dst, d->len, d->src, src_len))
		return -EINVAL;
	*bytes = (u64)d->len + src_len;
	return 0;
}

static struct uoff_ureq *uoff_ureq_alloc(unsigned int nr)
{
	struct uoff_ureq *u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);

	if (!u)
		return NULL;
	if (nr == 1) {
		u->req.segs = &u->seg;
		u->mem = u->mem_inline;
		return u;
	}
	/* @nr comes from the user: failing is -ENOMEM, nothing to log. */
	u->req.segs = kvcalloc(nr, sizeof(*u->req.segs),
			       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	u->mem = kvcalloc(nr, 2 * sizeof(*u->mem),
			  GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!u->req.segs || !u->mem) {
		kvfree(u->req.segs);
		kvfree(u->mem);
		kfree(u);
		return NULL;
	}
	return u;
}

static void uoff_ureq_free(struct uoff_ureq *u)
{
	mem_cgroup_put(u->req.memcg);
	if (u->mem != u->mem_inline) {
		kvfree(u->req.segs);
		kvfree(u->mem);
	}
	kfree(u);
}

static void uoff_ureq_unmap(struct uoff_ureq *u)
{
	unsigned int i;

	for (i = 0; i < 2 * u->req.nr_segs; i++)
		uoff_mem_release(&u->mem[i]);
}

static int uoff_ureq_map_one(struct uoff_ureq *u, struct uoff_mem *m,
			     struct uoff_span *span, u64 uaddr, u32 len,
			     bool write, bool fixed, unsigned int issue_flags)
{
	if (fixed)
		return uoff_mem_import_fixed(m, span, u->cmd, uaddr, len, write,
					     issue_flags);
	return uoff_mem_pin(m, span, uaddr, len, write);
}

/* Build the segments and pin or import their memory. */
static int uoff_ureq_map(struct uoff_ureq *u, const struct uoff_work *w,
			 unsigned int issue_flags)
{
	unsigned int i;
	int ret;

	for (i = 0; i < w->nr; i++) {
		const struct uoff_desc *d = &w->descs[i];
		struct uoff_seg *seg = &u->req.segs[i];
		u32 src_len = d->len;

		u->req.nr_segs = i + 1;
		seg->op = d->op;
		seg->len = d->len;
		if (uoff_op_is_zip(d->op)) {
			src_len = w->src_len;
			seg->src_len = src_len;
			seg->format = UOFF_ZIP_FORMAT_OF(w->flags);
			seg->level = UOFF_ZIP_LEVEL_OF(w->flags) ?:
				     UOFF_ZIP_LEVEL_DEFAULT;
		}
		if (d->len) {
			ret = uoff_ureq_map_one(u, &u->mem[2 * i], &seg->dst,
						d->dst, d->len, true,
						w->flags & UOFF_F_FIXED_DST,
						issue_flags);
			if (ret)
				return ret;
		}
		if (d->op == UOFF_OP_FILL) {
			seg->pattern = d->src;
			continue;
		}
		if (!src_len)
			continue;
		ret = uoff_ureq_map_one(u, &u->mem[2 * i + 1], &seg->src,
					d->src, src_len, false,
					w->flags & UOFF_F_FIXED_SRC, issue_flags);
		if (ret)
			return ret;
	}
	return 0;
}

static void uoff_cmd_tw(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct uoff_ureq *u = io_uring_cmd_to_pdu(cmd, struct uoff_pdu)->ureq;
	int res = u->req.error ?: u->zip ? u->seg.out : u->req.bytes;

	/* Done first: it takes the command off the cancelable list. */
	uoff_cmd_done(cmd, res, issue_flags);
	uoff_ureq_free(u);
}

/* Runs from the engine when the last descriptor of a ring request is done. */
static void uoff_ureq_done(struct uoff_req *req)
{
	struct uoff_ureq *u = container_of(req, struct uoff_ureq, req);

	uoff_ureq_unmap(u);
	uoff_uncharge(u->uf, req->bytes);
	io_uring_cmd_do_in_task_lazy(u->cmd, uoff_cmd_tw);
}

/*
 * Start a request that holds its in-flight charge: pin or import its memory
 * and run it inline or queue it on the channel rings.  Returns the CQE
 * result, or -EIOCBQUEUED once the request is on the rings.
 */
static int uoff_work_start(struct io_uring_cmd *cmd, struct uoff_file *uf,
			   const struct uoff_work *w, unsigned int issue_flags)
{
	struct uoff_pdu *pdu = io_uring_cmd_to_pdu(cmd, struct uoff_pdu);
	u64 bytes = w->bytes;
	struct uoff_ureq *u;
	int ret;

	u = uoff_ureq_alloc(w->nr);
	if (!u) {
		ret = -ENOMEM;
		goto err_uncharge;
	}
	u->cmd = cmd;
	u->uf = uf;
	u->zip = uoff_op_is_zip(w->descs[0].op);
	if (u->zip)
		u->req.memcg = get_mem_cgroup_from_mm(current->mm);
	u->req.bytes = bytes;
	u->req.done = uoff_ureq_done;
	ret = uoff_ureq_map(u, w, issue_flags);
	if (ret)
		goto err_unmap;

	/* Streams always go to a compression channel and its workspace. */
	if (!u->zip && bytes <= READ_ONCE(uoff_inline_threshold)) {
		uoff_req_run_inline(&u->req);
		ret = u->req.error ?: bytes;
		atomic64_inc(&uoff_uring_stats.inline_reqs);
		atomic64_add(bytes, &uoff_uring_stats.inline_bytes);
		goto err_unmap;
	}

	atomic64_inc(&uoff_uring_stats.ring_reqs);
	atomic64_add(bytes, &uoff_uring_stats.ring_bytes);
	pdu->ureq = u;
	pdu->waiter = NULL;
	/* Before submitting: completion may free the command at any time. */
	io_uring_cmd_mark_cancelable(cmd, issue_flags);
	uoff_req_submit(&u->req);
	return -EIOCBQUEUED;

err_unmap:
	uoff_ureq_unmap(u);
	uoff_ureq_free(u);
err_uncharge:
	uoff_uncharge(uf, bytes);
	return ret;
}

/* A waiter's task runs it once admitted; the charge is already taken. */
static void uoff_waiter_tw(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct uoff_pdu *pdu = io_uring_cmd_to_pdu(cmd, struct uoff_pdu);
	struct uoff_waiter *w = pdu->waiter;
	int ret;

	pdu->waiter = NULL;
	if (uoff_tw_task_dead(issue_flags)) {
		/* Not in the submitter's mm: there is nothing to pin with. */
		uoff_uncharge(w->uf, w->work.bytes);
		ret = -ECANCELED;
	} else {
		ret = uoff_work_start(cmd, w->uf, &w->work, issue_flags);
	}
	kvfree(w);
	if (ret != -EIOCBQUEUED)
		uoff_cmd_done(cmd, ret, issue_flags);
}

/*
 * Queue a request that found the bounds reached; it completes through
 * io_uring_cmd_done() whatever happens.  A file, and the system, may have
 * as many requests waiting as in flight; past that, -EAGAIN.
 */
static int uoff_work_wait(struct io_uring_cmd *cmd, struct uoff_file *uf,
			  const struct uoff_work *work, unsigned int issue_flags)
{
	struct uoff_pdu *pdu = io_uring_cmd_to_pdu(cmd, struct uoff_pdu);
	struct uoff_waiter *w;
	bool charged = false, queued = false;
	int ret;

	w = kvmalloc(struct_size(w, descs, work->nr),
		     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!w)
		return -ENOMEM;
	w->cmd = cmd;
	w->uf = uf;
	w->work = *work;
	w->work.descs = w->descs;
	w->admitted = false;
	memcpy(w->descs, work->descs, flex_array_size(w, descs, work->nr));
	pdu->ureq = NULL;
	pdu->waiter = w;
	io_uring_cmd_mark_cancelable(cmd, issue_flags);

	/*
	 * Capacity may have come back since the first try; without this
	 * second look, under the lock uncharges take, the request could wait
	 * with nothing left in flight to admit it.
	 */
	spin_lock(&uoff_charge_lock);
	if (uoff_admit_locked(uf, work->bytes)) {
		charged = true;
	} else if (uf->nr_waiting < READ_ONCE(uoff_max_file_ops) &&
		   uoff_sys_waiting < READ_ONCE(uoff_max_sys_ops)) {
		list_add_tail(&w->node, &uoff_waiters);
		uf->nr_waiting++;
		uoff_sys_waiting++;
		queued = true;
	}
	spin_unlock(&uoff_charge_lock);
	if (queued) {
		atomic64_inc(&uoff_uring_stats.waited_reqs);
		return -EIOCBQUEUED;
	}

	pdu->waiter = NULL;
	kvfree(w);
	ret = charged ? uoff_work_start(cmd, uf, work, issue_flags) : -EAGAIN;
	if (ret != -EIOCBQUEUED)
		uoff_cmd_done(cmd, ret, issue_flags);
	return -EIOCBQUEUED;
}

/*
 * Issue a checked command's work, which charges w->bytes.  Returns the CQE
 * result, or -EIOCBQUEUED when the command completes later.
 */
static int uoff_work_issue(struct io_uring_cmd *cmd, const struct uoff_work *w,
			   unsigned int issue_flags)
{
	struct uoff_file *uf = cmd->file->private_data;

	if (uoff_try_charge(uf, w->bytes))
		return uoff_work_start(cmd, uf, w, issue_flags);
	if (!(w->flags & UOFF_F_NOWAIT))
		return uoff_work_wait(cmd, uf, w, issue_flags);
	/* -EAGAIN from ->uring_cmd would mean "retry from io-wq". */
	uoff_cmd_done(cmd, -EAGAIN, issue_flags);
	return -EIOCBQUEUED;
}

/* COPY, FILL and BATCH, all expressed as descriptors. */
static int uoff_descs_issue(struct io_uring_cmd *cmd,
			    const struct uoff_desc *descs, unsigned int nr,
			    u32 flags, unsigned int issue_flags)
{
	struct uoff_work w = { .descs = descs, .nr = nr, .flags = flags };
	int ret;

	ret = uoff_descs_check(descs, nr, &w.bytes);
	if (ret || !w.bytes)
		return ret;
	return uoff_work_issue(cmd, &w, issue_flags);
}

static int uoff_copy(struct io_uring_cmd *cmd, const struct uoff_args *a,
		     unsigned int issue_flags)
{
	struct uoff_desc d = {
		.op = UOFF_OP_COPY, .len = a->len, .dst = a->addr, .src = a->src,
	};

	return uoff_descs_issue(cmd, &d, 1, a->flags, issue_flags);
}

static int uoff_fill(struct io_uring_cmd *cmd, const struct uoff_args *a,
		     unsigned int issue_flags)
{
	struct uoff_desc d = {
		.op = UOFF_OP_FILL, .len = a->len, .dst = a->addr, .src = a->src,
	};

	return uoff_descs_issue(cmd, &d, 1, a->flags, issue_flags);
}

static int uoff_batch(struct io_uring_cmd *cmd, const struct uoff_args *a,
		      unsigned int issue_flags)
{
	struct uoff_desc *descs;
	int ret;

	if (a->src)
		return -EINVAL;
	if (a->len > UOFF_MAX_BATCH)
		return -E2BIG;
	if (!a->len)
		return 0;

	/*
	 * Not vmemdup_array_user(): its vmalloc() fallback logs a failure
	 * that the user may cause, and it does not charge the memcg.
	 */
	descs = kvmalloc_array(a->len, sizeof(*descs),
			       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!descs)
		return -ENOMEM;
	if (copy_from_user(descs, u64_to_user_ptr(a->addr),
			   array_size(a->len, sizeof(*descs)))) {
		kvfree(descs);
		return -EFAULT;
	}
	ret = uoff_descs_issue(cmd, descs, a->len, a->flags, issue_flags);
	kvfree(descs);
	return ret;
}

/* DEFLATE and INFLATE: one stream, which runs even when empty. */
static int uoff_zip_issue(struct io_uring_cmd *cmd, const struct uoff_args *a,
			  u8 op, unsigned int issue_flags)
{
	struct uoff_desc d = {
		.op = op, .len = a->len, .dst = a->addr, .src = a->src,
	};
	struct uoff_work w = {
		.descs = &d, .nr = 1, .flags = a->flags, .src_len = a->src_len,
	};
	int ret;

	ret = uoff_zip_check(&d, a->src_len, a->flags, &w.bytes);
	if (ret)
		return ret;
	return uoff_work_issue(cmd, &w, issue_flags);
}

static int uoff_deflate(struct io_uring_cmd *cmd, const struct uoff_args *a,
			unsigned int issue_flags)
{
	return uoff_zip_issue(cmd, a, UOFF_OP_DEFLATE, issue_flags);
}

static int uoff_inflate(struct io_uring_cmd *cmd, const struct uoff_args *a,
			unsigned int issue_flags)
{
	return uoff_zip_issue(cmd, a, UOFF_OP_INFLATE, issue_flags);
}

static void uoff_features_fill(struct uoff_features *f)
{
	memset(f, 0, sizeof(*f));
	f->abi_version = UOFF_ABI_VERSION;
	f->size = sizeof(*f);
	f->ops = BIT_ULL(UOFF_OP_COPY) | BIT_ULL(UOFF_OP_FILL) |
		 BIT_ULL(UOFF_OP_BATCH) | BIT_ULL(UOFF_OP_DEFLATE) |
		 BIT_ULL(UOFF_OP_INFLATE);
	f->flags = UOFF_F_ALL;
	f->engines = uoff_engine_mask();
	f->max_op_len = UOFF_MAX_OP_LEN;
	f->max_batch = UOFF_MAX_BATCH;
	f->max_inflight_bytes = READ_ONCE(uoff_max_file_bytes);
	f->max_inflight_ops = READ_ONCE(uoff_max_file_ops);
	f->inline_threshold = READ_ONCE(uoff_inline_threshold);
	f->nr_channels = uoff_engine_nr_chans();
	f->nr_zip_channels = uoff_engine_nr_zip_chans();
	f->zip_formats = BIT(UOFF_ZIP_RAW) | BIT(UOFF_ZIP_ZLIB) |
			 BIT(UOFF_ZIP_GZIP);
	f->zip_levels = GENMASK(UOFF_ZIP_LEVEL_MAX, 0);
	f->zip_default_level = UOFF_ZIP_LEVEL_DEFAULT;
}

/*
 * Copy @n bytes of the features into @buf and zero the rest of its @size
 * bytes; fault the buffer in first so that a bad one is left unwritten.
 */
static int uoff_features_put(void __user *buf, u32 n, u32 size)
{
	struct uoff_features f;

	if (fault_in_safe_writeable(buf, size))
		return -EFAULT;
	uoff_features_fill(&f);
	if (copy_to_user(buf, &f, n) || clear_user(buf + n, size - n))
		return -EFAULT;
	return 0;
}

static int uoff_get_features(struct io_uring_cmd *cmd,
			     const struct uoff_args *a,
			     unsigned int issue_flags)
{
	u32 n;

	if (a->src)
		return -EINVAL;
	if (a->len < offsetofend(struct uoff_features, size))
		return -EINVAL;
	n = min_t(u32, a->len, sizeof(struct uoff_features));
	return uoff_features_put(u64_to_user_ptr(a->addr), n, n) ?: n;
}

static const struct uoff_cmd_def uoff_cmd_defs[] = {
	[_IOC_NR(UOFF_CMD_GET_FEATURES)] = {
		.cmd_op	= UOFF_CMD_GET_FEATURES,
		.issue	= uoff_get_features,
	},
	[_IOC_NR(UOFF_CMD_COPY)] = {
		.cmd_op	= UOFF_CMD_COPY,
		.flags	= UOFF_F_ALL,
		.issue	= uoff_copy,
	},
	[_IOC_NR(UOFF_CMD_FILL)] = {
		.cmd_op	= UOFF_CMD_FILL,
		.flags	= UOFF_F_FIXED_DST | UOFF_F_NOWAIT,
		.issue	= uoff_fill,
	},
	[_IOC_NR(UOFF_CMD_BATCH)] = {
		.cmd_op	= UOFF_CMD_BATCH,
		.flags	= UOFF_F_ALL,
		.issue	= uoff_batch,
	},
	[_IOC_NR(UOFF_CMD_DEFLATE)] = {
		.cmd_op	= UOFF_CMD_DEFLATE,
		.flags	= UOFF_F_ALL | UOFF_F_ZIP_FORMAT_MASK |
			  UOFF_F_ZIP_LEVEL_MASK,
		.zip	= true,
		.issue	= uoff_deflate,
	},
	[_IOC_NR(UOFF_CMD_INFLATE)] = {
		.cmd_op	= UOFF_CMD_INFLATE,
		.flags	= UOFF_F_ALL | UOFF_F_ZIP_FORMAT_MASK,
		.zip	= true,
		.issue	= uoff_inflate,
	},
};

/* The size field is not matched: structures may grow at their end. */
#define UOFF_CMD_KEY(op)	((op) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

static const struct uoff_cmd_def *uoff_cmd_lookup(u32 cmd_op)
{
	unsigned int nr = _IOC_NR(cmd_op);

	if (_IOC_TYPE(cmd_op) != UOFF_IOC_MAGIC || nr >= ARRAY_SIZE(uoff_cmd_defs))
		return NULL;
	nr = array_index_nospec(nr, ARRAY_SIZE(uoff_cmd_defs));
	if (!uoff_cmd_defs[nr].issue ||
	    UOFF_CMD_KEY(uoff_cmd_defs[nr].cmd_op) != UOFF_CMD_KEY(cmd_op))
		return NULL;
	return &uoff_cmd_defs[nr];
}

static int uoff_args_read(struct io_uring_cmd *cmd, unsigned int issue_flags,
			  const struct uoff_cmd_def *def, struct uoff_args *a)
{
	const struct io_uring_sqe *sqe = cmd->sqe;
	const struct uoff_cmd *c = io_uring_sqe_cmd(sqe);
	bool fixed = cmd->flags & IORING_URING_CMD_FIXED;
	u32 fixed_flags;

	/* struct uoff_zip_cmd has its source length where uoff_cmd has 0. */
	BUILD_BUG_ON(offsetof(struct uoff_zip_cmd, src_len) !=
		     offsetof(struct uoff_cmd, reserved));
	if (READ_ONCE(sqe->ioprio) || READ_ONCE(sqe->file_index))
		return -EINVAL;
	a->src_len = READ_ONCE(c->reserved);
	if (a->src_len && !def->zip)
		return -EINVAL;
	a->addr = READ_ONCE(sqe->addr);
	a->len = READ_ONCE(sqe->len);
	a->src = READ_ONCE(c->src);
	a->flags = READ_ONCE(c->flags);

	if (a->flags & ~def->flags)
		return -EINVAL;
	fixed_flags = a->flags & (UOFF_F_FIXED_DST | UOFF_F_FIXED_SRC);
	if (!!fixed_flags != fixed)
		return -EINVAL;
	if (!fixed && READ_ONCE(sqe->buf_index))
		return -EINVAL;
	return 0;
}

/*
 * Ring exit or task exit: a request on the rings stops at its next
 * descriptor and ends -ECANCELED; one still waiting for capacity ends
 * -ECANCELED at once.  Runs under the ring lock, like the task work that
 * starts admitted waiters and the one that completes requests.
 */
static void uoff_cmd_cancel(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	struct uoff_pdu *pdu = io_uring_cmd_to_pdu(cmd, struct uoff_pdu);
	struct uoff_waiter *w = pdu->waiter;
	bool dequeued = false;

	if (pdu->ureq) {
		WRITE_ONCE(pdu->ureq->req.cancelled, true);
		return;
	}
	if (!w)
		return;

	spin_lock(&uoff_charge_lock);
	if (!w->admitted) {
		uoff_waiter_leave_locked(w);
		list_del(&w->node);
		dequeued = true;
	}
	spin_unlock(&uoff_charge_lock);
	if (!dequeued)
		return;		/* its task work is queued and starts it */

	pdu->waiter = NULL;
	kvfree(w);
	uoff_cmd_done(cmd, -ECANCELED, issue_flags);
}

int uoff_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	const struct uoff_cmd_def *def;
	struct uoff_args a;
	int ret;

	if (issue_flags & IO_URING_F_CANCEL) {
		uoff_cmd_cancel(cmd, issue_flags);
		return 0;
	}

	def = uoff_cmd_lookup(cmd->cmd_op);
	if (!def)
		return -EOPNOTSUPP;
	ret = uoff_args_read(cmd, issue_flags, def, &a);
	if (ret)
		return ret;

	return def->issue(cmd, &a, issue_flags);
}

long uoff_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	u32 size = _IOC_SIZE(cmd);

	if (UOFF_CMD_KEY(cmd) != UOFF_CMD_KEY(UOFF_CMD_GET_FEATURES))
		return -ENOTTY;
	if (size < offsetofend(struct uoff_features, size))
		return -EINVAL;
	return uoff_features_put((void __user *)arg,
				 min_t(u32, size, sizeof(struct uoff_features)),
				 size);
}

int uoff_open(struct inode *inode, struct file *file)
{
	struct uoff_file *uf = kzalloc(sizeof(*uf), GFP_KERNEL);

	if (!uf)
		return -ENOMEM;
	file->private_data = uf;
	return 0;
}

int uoff_release(struct inode *inode, struct file *file)
{
	struct uoff_file *uf = file->private_data;

	WARN_ON_ONCE(uf->inflight.ops || uf->nr_waiting);
	kfree(uf);
	return 0;
}

int uoff_uring_show_stats(char *buf, int at)
{
	unsigned int ops;
	u64 bytes;

	spin_lock(&uoff_charge_lock);
	ops = uoff_sys_inflight.ops;
	bytes = uoff_sys_inflight.bytes;
	spin_unlock(&uoff_charge_lock);

	return at + sysfs_emit_at(buf, at,
			"inline_reqs %lld\ninline_bytes %lld\n"
			"ring_reqs %lld\nring_bytes %lld\nwaited_reqs %lld\n"
			"inflight_ops %u\ninflight_bytes %llu\n",
			atomic64_read(&uoff_uring_stats.inline_reqs),
			atomic64_read(&uoff_uring_stats.inline_bytes),
			atomic64_read(&uoff_uring_stats.ring_reqs),
			atomic64_read(&uoff_uring_stats.ring_bytes),
			atomic64_read(&uoff_uring_stats.waited_reqs),
			ops, bytes);
}
