// SPDX-License-Identifier: GPL-2.0
/*
 * A task that goes away with ops in flight: a child that exits without
 * waiting, one killed by SIGKILL, one that closes its ring and device
 * files, each with ops running and (with max_inflight_ops 1) ops waiting
 * for capacity.  The child must be reaped promptly, the module must let go
 * of every reference (refcnt back where it was, nothing in flight in the
 * stats) and must still work.  And a thread that exits with ops in flight
 * on a ring its process keeps: each op completes once, with its length
 * and correct bytes, or with ECANCELED.
 */
#include <pthread.h>

#include "uoff_test.h"

#define OP_LEN		(16 * MiB)
#define NR_DSTS		4
#define NR_OPS		32
#define REAP_MS		30000

enum ending { END_EXIT, END_KILL, END_CLOSE };

FIXTURE(task_exit) {
	struct uoff_param	threshold;
	struct uoff_param	max_ops;
};

FIXTURE_VARIANT(task_exit) {
	enum ending		ending;
	bool			waiting;	/* max_inflight_ops = 1 */
};

FIXTURE_VARIANT_ADD(task_exit, exits) {
	.ending = END_EXIT,
};

FIXTURE_VARIANT_ADD(task_exit, killed) {
	.ending = END_KILL,
};

FIXTURE_VARIANT_ADD(task_exit, closes_files) {
	.ending = END_CLOSE,
};

FIXTURE_VARIANT_ADD(task_exit, exits_while_waiting) {
	.ending = END_EXIT,
	.waiting = true,
};

FIXTURE_VARIANT_ADD(task_exit, killed_while_waiting) {
	.ending = END_KILL,
	.waiting = true,
};

FIXTURE_VARIANT_ADD(task_exit, closes_files_while_waiting) {
	.ending = END_CLOSE,
	.waiting = true,
};

/* No device file is kept open here: the module's refcount must drop. */
FIXTURE_SETUP(task_exit)
{
	int ret;

	ret = uoff_param_override(&self->threshold, "inline_threshold",
				  UOFF_ALL_RING);
	if (ret)
		SKIP(return, "cannot set inline_threshold: %s", strerror(-ret));
	if (variant->waiting) {
		ret = uoff_param_override(&self->max_ops, "max_inflight_ops", 1);
		ASSERT_EQ(0, ret);
	}
}

FIXTURE_TEARDOWN_PARENT(task_exit)
{
	uoff_param_restore(&self->max_ops);
	uoff_param_restore(&self->threshold);
}

/*
 * The child: NR_OPS large copies and fills in flight, then tell the parent
 * and end as the variant's enum ending at @arg says.  Exit codes name what
 * went wrong.
 */
static int child_run(void *arg, int ready_fd)
{
	enum ending ending = *(const enum ending *)arg;
	struct io_uring_sqe *sqe;
	struct uoff_ctx ctx, again;
	char *src, *dst, *small;
	int i, res;

	if (uoff_ctx_init(&ctx, NR_OPS, 0))
		return 10;
	src = uoff_map(OP_LEN);
	dst = uoff_map(NR_DSTS * OP_LEN);
	if (!src || !dst)
		return 11;
	uoff_pattern_fill(src, OP_LEN, 0xe1, 0);
	for (i = 0; i < NR_OPS; i++) {
		sqe = io_uring_get_sqe(&ctx.ring);
		if (!sqe)
			return 12;
		if (i % 4 == 3)
			io_uring_prep_fill(sqe, ctx.fd,
					   dst + (i % NR_DSTS) * OP_LEN, i,
					   OP_LEN, 0);
		else
			io_uring_prep_copy(sqe, ctx.fd,
					   dst + (i % NR_DSTS) * OP_LEN, src,
					   OP_LEN, 0);
		io_uring_sqe_set_data64(sqe, i);
	}
	if (io_uring_submit(&ctx.ring) != NR_OPS)
		return 13;
	if (write(ready_fd, "r", 1) != 1)
		return 14;

	switch (ending) {
	case END_EXIT:
		return 0;
	case END_KILL:
		pause();
		return 15;
	case END_CLOSE:
		uoff_ctx_exit(&ctx);
		/* A new file and ring work while the old ones wind down. */
		if (uoff_ctx_init(&again, 4, 0))
			return 16;
		small = uoff_map(2 * MiB);
		if (!small)
			return 11;
		sqe = io_uring_get_sqe(&again.ring);
		io_uring_prep_copy(sqe, again.fd, small + MiB, src, MiB, 0);
		if (uoff_run1(&again.ring, sqe, &res) || res != (int)MiB)
			return 17;
		if (uoff_cmp_pattern(small + MiB, MiB, 0xe1, 0).bad)
			return 18;
		uoff_ctx_exit(&again);
		return 0;
	}
	return 19;
}

/* After everything: the module still copies and fills correctly. */
static void check_module_works(struct __test_metadata *_metadata)
{
	const unsigned int len = 3 * MiB + 5;
	struct io_uring_sqe *sqe;
	struct uoff_ctx ctx;
	char *src, *dst;
	int res;

	ASSERT_EQ(0, uoff_ctx_init(&ctx, 4, 0));
	src = uoff_map(len);
	dst = uoff_map(len + 2 * UOFF_GUARD);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	uoff_pattern_fill(src, len, 0xa11, 0);
	uoff_canary(dst + UOFF_GUARD, len);
	ASSERT_NE(NULL, sqe = uoff_sqe(&ctx.ring));
	io_uring_prep_copy(sqe, ctx.fd, dst + UOFF_GUARD, src, len, 0);
	res = uoff_complete1(_metadata, &ctx.ring, sqe);
	ASSERT_EQ((int)len, res);
	ASSERT_MATCH(uoff_cmp_pattern(dst + UOFF_GUARD, len, 0xa11, 0),
		     "copy after the child");
	ASSERT_MATCH(uoff_cmp_guards(dst + UOFF_GUARD, len),
		     "around copy after the child");
	ASSERT_NE(NULL, sqe = uoff_sqe(&ctx.ring));
	io_uring_prep_fill(sqe, ctx.fd, dst + UOFF_GUARD, 0x77, len, 0);
	res = uoff_complete1(_metadata, &ctx.ring, sqe);
	ASSERT_EQ((int)len, res);
	ASSERT_MATCH(uoff_cmp_fill(dst + UOFF_GUARD, len, 0x77),
		     "fill after the child");
	uoff_ctx_exit(&ctx);
	munmap(src, len);
	munmap(dst, len + 2 * UOFF_GUARD);
}

TEST_F_TIMEOUT(task_exit, ops_in_flight, 180)
{
	long long refcnt0 = 0, val;
	bool have_refcnt;

	have_refcnt = uoff_read_refcnt(&refcnt0) == 0;
	if (!have_refcnt)
		TH_LOG("no %s: not checking the module's references",
		       UOFF_REFCNT_PATH);
	uoff_run_child(_metadata, child_run, (void *)&variant->ending,
		       variant->ending == END_KILL, REAP_MS);

	/* Whatever the child left behind finishes and lets go. */
	if (have_refcnt) {
		val = uoff_settle(uoff_read_refcnt, refcnt0, REAP_MS);
		ASSERT_EQ(refcnt0, val) {
			TH_LOG("module refcnt stuck at %lld, was %lld", val,
			       refcnt0);
		}
	}
	if (uoff_read_inflight(&val) == 0) {
		val = uoff_settle(uoff_read_inflight, 0, REAP_MS);
		ASSERT_EQ(0, val) {
			TH_LOG("stats still show %lld in flight", val);
		}
	}
	check_module_works(_metadata);
}

/* ---------------------------------------------------------------- */

#define T_NR_OPS	16
#define T_OP_LEN	(4 * MiB)

FIXTURE(thread_exit) {
	struct uoff_ctx		ctx;
	struct uoff_param	threshold;
	struct uoff_param	max_ops;
	char			*src, *dst;
};

FIXTURE_SETUP(thread_exit)
{
	int ret;

	self->src = uoff_map(T_OP_LEN);
	self->dst = uoff_map(T_NR_OPS * T_OP_LEN);
	ASSERT_NE(NULL, self->src);
	ASSERT_NE(NULL, self->dst);
	uoff_pattern_fill(self->src, T_OP_LEN, 0x7e, 0);
	uoff_fixture_open(_metadata, &self->ctx, &self->threshold,
			  UOFF_ALL_RING, T_NR_OPS);
	/* Half the ops run, the other half wait for them. */
	ret = uoff_param_override(&self->max_ops, "max_inflight_ops",
				  T_NR_OPS / 2);
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN_PARENT(thread_exit)
{
	uoff_param_restore(&self->max_ops);
	uoff_param_restore(&self->threshold);
}

static void *submit_and_leave(void *arg)
{
	FIXTURE_DATA(thread_exit) *self = arg;
	struct io_uring_sqe *sqe;
	long i;

	for (i = 0; i < T_NR_OPS; i++) {
		sqe = io_uring_get_sqe(&self->ctx.ring);
		if (!sqe)
			return (void *)1;
		io_uring_prep_copy(sqe, self->ctx.fd, self->dst + i * T_OP_LEN,
				   self->src, T_OP_LEN, 0);
		io_uring_sqe_set_data64(sqe, i);
	}
	return (void *)(long)(io_uring_submit(&self->ctx.ring) != T_NR_OPS);
}

TEST_F_TIMEOUT(thread_exit, ops_of_exited_thread, 120)
{
	struct uoff_cqe_rec recs[T_NR_OPS], stray;
	bool seen[T_NR_OPS] = { false };
	int i, cancelled = 0;
	pthread_t tid;
	void *failed;

	ASSERT_EQ(0, pthread_create(&tid, NULL, submit_and_leave, self));
	ASSERT_EQ(0, pthread_join(tid, &failed));
	ASSERT_EQ(NULL, failed);
	ASSERT_EQ(T_NR_OPS, uoff_reap(&self->ctx.ring, T_NR_OPS, recs, REAP_MS));
	for (i = 0; i < T_NR_OPS; i++) {
		__u64 op = recs[i].user_data;

		ASSERT_GT((__u64)T_NR_OPS, op);
		ASSERT_FALSE(seen[op]);
		seen[op] = true;
		if (recs[i].res == -ECANCELED) {
			cancelled++;
			continue;
		}
		ASSERT_EQ((int)T_OP_LEN, recs[i].res) {
			TH_LOG("op %llu", (unsigned long long)op);
		}
		ASSERT_MATCH(uoff_cmp_pattern(self->dst + op * T_OP_LEN,
					      T_OP_LEN, 0x7e, 0),
			     "op %llu of the exited thread",
			     (unsigned long long)op);
	}
	ASSERT_TRUE(uoff_cq_quiet(&self->ctx.ring, 10, &stray));
	TH_LOG("%d of %d ops cancelled by the thread's exit", cancelled,
	       T_NR_OPS);
	check_module_works(_metadata);
}

UOFF_TEST_MAIN
