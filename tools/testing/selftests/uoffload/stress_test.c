// SPDX-License-Identifier: GPL-2.0
/*
 * Many rings and threads at once, each keeping several random copies,
 * fills and batches of random sizes and alignments in flight and checking
 * every byte of every result; and one ring with hundreds of ops in flight.
 *
 * UOFF_STRESS_OPS in the environment overrides the ops per thread.
 */
#include <pthread.h>

#include "uoff_test.h"

#define NR_THREADS	8
#define OPS_PER_THREAD	2000
#define DEPTH		8		/* ops in flight per thread */
#define SLOT_LEN	(1 * MiB)	/* largest op */
#define SRC_LEN		(2 * MiB)
#define MAX_DESCS	16

static __u64 rng_next(__u64 *state)
{
	__u64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/* Mostly small, sometimes medium, rarely up to @max. */
static unsigned int rng_len(__u64 *rng, unsigned int max)
{
	unsigned int pick = rng_next(rng) % 100;
	unsigned int cap = pick < 80 ? 4096 : pick < 98 ? 65536 : max;

	if (cap > max)
		cap = max;
	return rng_next(rng) % (cap + 1);
}

/* One op in flight: what it was asked to do, to check what it did. */
struct slot {
	char			*base;		/* SLOT_LEN + room, guarded */
	unsigned int		nr;		/* descriptors; 0 for COPY/FILL */
	struct uoff_desc	descs[MAX_DESCS];
	struct uoff_desc	single;		/* COPY or FILL */
	__u64			total;
};

struct worker {
	pthread_t		tid;
	int			fd;
	unsigned int		nr_ops;
	__u64			rng;
	char			*src;
	__u64			seed;
	struct slot		slots[DEPTH];
	unsigned long long	ops_done;
	char			error[256];
};

#define SLOT_ROOM	(SLOT_LEN + 8 * MAX_DESCS + 2 * UOFF_GUARD * MAX_DESCS)

/* Random op into @s: a COPY, a FILL, or a BATCH of both. */
static void slot_plan(struct worker *w, struct slot *s)
{
	unsigned int kind = rng_next(&w->rng) % 100, i, part, len;
	struct uoff_desc *d;
	char *dst;

	s->total = 0;
	s->nr = kind < 75 ? 0 : 1 + rng_next(&w->rng) % MAX_DESCS;
	part = s->nr ? SLOT_ROOM / s->nr : SLOT_ROOM;
	for (i = 0; i < (s->nr ? s->nr : 1); i++) {
		d = s->nr ? &s->descs[i] : &s->single;
		len = rng_len(&w->rng, part - 2 * UOFF_GUARD - 8);
		dst = s->base + i * part + UOFF_GUARD + rng_next(&w->rng) % 8;
		if ((s->nr ? rng_next(&w->rng) % 2 : kind < 40))
			io_uring_offload_desc_copy(d, dst,
				w->src + rng_next(&w->rng) % (SRC_LEN - len + 1),
				len);
		else
			io_uring_offload_desc_fill(d, dst, rng_next(&w->rng),
						   len);
		uoff_canary(dst, len);
		s->total += len;
	}
}

static void slot_prep(struct worker *w, struct slot *s,
		      struct io_uring_sqe *sqe)
{
	const struct uoff_desc *d = &s->single;

	if (s->nr)
		io_uring_prep_offload_batch(sqe, w->fd, s->descs, s->nr, 0);
	else if (d->op == UOFF_OP_COPY)
		io_uring_prep_copy(sqe, w->fd, (void *)(uintptr_t)d->dst,
				   (void *)(uintptr_t)d->src, d->len, 0);
	else
		io_uring_prep_fill(sqe, w->fd, (void *)(uintptr_t)d->dst,
				   d->src, d->len, 0);
}

/* Checks a completed slot; false with w->error set on the first fault. */
static bool slot_check(struct worker *w, struct slot *s, int res)
{
	struct uoff_mismatch m;
	const struct uoff_desc *d;
	unsigned int i;
	char *dst;

	if (res != (int)s->total) {
		snprintf(w->error, sizeof(w->error),
			 "op %llu (%u descriptors): result %d, want %llu",
			 w->ops_done, s->nr, res,
			 (unsigned long long)s->total);
		return false;
	}
	for (i = 0; i < (s->nr ? s->nr : 1); i++) {
		d = s->nr ? &s->descs[i] : &s->single;
		dst = (char *)(uintptr_t)d->dst;
		if (d->op == UOFF_OP_COPY)
			m = uoff_cmp_pattern(dst, d->len, w->seed,
					     (uintptr_t)d->src -
					     (uintptr_t)w->src);
		else
			m = uoff_cmp_fill(dst, d->len, d->src);
		if (!m.bad)
			m = uoff_cmp_guards(dst, d->len);
		if (m.bad) {
			snprintf(w->error, sizeof(w->error),
				 "op %llu, %s %u of len %u: byte %lld is 0x%02x, want 0x%02x",
				 w->ops_done, d->op == UOFF_OP_COPY ?
				 "copy" : "fill", i, d->len, m.off, m.got,
				 m.want);
			return false;
		}
	}
	return true;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	unsigned int submitted = 0, inflight = 0, i;
	struct io_uring_sqe *sqe;
	struct uoff_cqe_rec rec;
	struct io_uring ring;
	int ret;

	ret = io_uring_queue_init(2 * DEPTH, &ring, 0);
	if (ret) {
		snprintf(w->error, sizeof(w->error), "io_uring_queue_init: %s",
			 strerror(-ret));
		return NULL;
	}
	w->src = uoff_map(SRC_LEN);
	for (i = 0; i < DEPTH; i++)
		w->slots[i].base = uoff_map(SLOT_ROOM);
	for (i = 0; i < DEPTH; i++)
		if (!w->src || !w->slots[i].base) {
			snprintf(w->error, sizeof(w->error), "out of memory");
			goto out;
		}
	uoff_pattern_fill(w->src, SRC_LEN, w->seed, 0);

	/* Start every slot, then refill each one as it completes. */
	for (i = 0; i < DEPTH && submitted < w->nr_ops; i++, submitted++) {
		slot_plan(w, &w->slots[i]);
		sqe = io_uring_get_sqe(&ring);
		slot_prep(w, &w->slots[i], sqe);
		io_uring_sqe_set_data64(sqe, i);
		inflight++;
	}
	while (inflight) {
		ret = io_uring_submit(&ring);
		if (ret < 0) {
			snprintf(w->error, sizeof(w->error),
				 "io_uring_submit: %s", strerror(-ret));
			goto out;
		}
		if (uoff_reap(&ring, 1, &rec, UOFF_REAP_TIMEOUT_MS) != 1) {
			snprintf(w->error, sizeof(w->error),
				 "no completion within %u ms, %u in flight",
				 UOFF_REAP_TIMEOUT_MS, inflight);
			goto out;
		}
		inflight--;
		if (rec.user_data >= DEPTH) {
			snprintf(w->error, sizeof(w->error),
				 "completion with user_data %llu",
				 (unsigned long long)rec.user_data);
			goto out;
		}
		if (!slot_check(w, &w->slots[rec.user_data], rec.res))
			goto out;
		w->ops_done++;
		if (submitted < w->nr_ops) {
			slot_plan(w, &w->slots[rec.user_data]);
			sqe = io_uring_get_sqe(&ring);
			slot_prep(w, &w->slots[rec.user_data], sqe);
			io_uring_sqe_set_data64(sqe, rec.user_data);
			submitted++;
			inflight++;
		}
	}
	if (!uoff_cq_quiet(&ring, 5, &rec))
		snprintf(w->error, sizeof(w->error),
			 "stray completion: user_data %llu res %d",
			 (unsigned long long)rec.user_data, rec.res);
out:
	io_uring_queue_exit(&ring);
	for (i = 0; i < DEPTH; i++)
		if (w->slots[i].base)
			munmap(w->slots[i].base, SLOT_ROOM);
	if (w->src)
		munmap(w->src, SRC_LEN);
	return NULL;
}

FIXTURE(stress) {
	struct uoff_ctx		ctx;
	struct uoff_param	threshold;
};

FIXTURE_VARIANT(stress) {
	bool			shared_fd;
	unsigned long long	inline_threshold;
};

/* Own files, the module's own choice of path by size. */
FIXTURE_VARIANT_ADD(stress, own_fd_default_path) {
	.shared_fd = false,
	.inline_threshold = (unsigned long long)-1,
};

/* One file for all threads, every op through the rings. */
FIXTURE_VARIANT_ADD(stress, shared_fd_ring_path) {
	.shared_fd = true,
	.inline_threshold = UOFF_ALL_RING,
};

FIXTURE_SETUP(stress)
{
	uoff_fixture_open(_metadata, &self->ctx, &self->threshold,
			  variant->inline_threshold, 256);
}

FIXTURE_TEARDOWN_PARENT(stress)
{
	uoff_param_restore(&self->threshold);
}

TEST_F_TIMEOUT(stress, threads_random_ops, 280)
{
	const char *env = getenv("UOFF_STRESS_OPS");
	unsigned int nr_ops = env ? strtoul(env, NULL, 0) : OPS_PER_THREAD;
	struct worker *workers;
	unsigned long long total = 0;
	int i;

	workers = calloc(NR_THREADS, sizeof(*workers));
	ASSERT_NE(NULL, workers);
	for (i = 0; i < NR_THREADS; i++) {
		struct worker *w = &workers[i];

		w->nr_ops = nr_ops;
		w->rng = w->seed = 0x57e55 + i * 0x1000193ULL;
		w->fd = variant->shared_fd ? self->ctx.fd :
			io_uring_offload_open(0);
		ASSERT_LE(0, w->fd);
	}
	for (i = 0; i < NR_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&workers[i].tid, NULL, worker_run,
					    &workers[i]));
	for (i = 0; i < NR_THREADS; i++)
		ASSERT_EQ(0, pthread_join(workers[i].tid, NULL));
	for (i = 0; i < NR_THREADS; i++) {
		ASSERT_EQ(0, workers[i].error[0]) {
			TH_LOG("thread %d: %s", i, workers[i].error);
		}
		ASSERT_EQ(nr_ops, workers[i].ops_done);
		total += workers[i].ops_done;
		if (!variant->shared_fd)
			close(workers[i].fd);
	}
	TH_LOG("%llu ops checked", total);
	free(workers);
}

/* 256 ops submitted at once on one ring, several rounds. */
TEST_F_TIMEOUT(stress, deep_queue, 180)
{
	const unsigned int nr = 256, slot = 64 * KiB + 2 * UOFF_GUARD + 8;
	struct io_uring_sqe *sqe;
	__u64 rng = 0xdee9, seed = 0xdee9;
	unsigned int round, i, lens[256];
	char *src, *dst, *p;
	int want[256];

	src = uoff_map(64 * KiB + 8);
	dst = uoff_map((size_t)nr * slot);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	uoff_pattern_fill(src, 64 * KiB + 8, seed, 0);
	for (round = 0; round < 4; round++) {
		for (i = 0; i < nr; i++) {
			lens[i] = rng_len(&rng, 64 * KiB);
			p = dst + (size_t)i * slot + UOFF_GUARD + i % 8;
			uoff_canary(p, lens[i]);
			sqe = io_uring_get_sqe(&self->ctx.ring);
			ASSERT_NE(NULL, sqe);
			if ((i + round) % 2)
				io_uring_prep_copy(sqe, self->ctx.fd, p,
						   src + i % 8, lens[i], 0);
			else
				io_uring_prep_fill(sqe, self->ctx.fd, p,
						   seed + i, lens[i], 0);
			io_uring_sqe_set_data64(sqe, 1000 + i);
			want[i] = lens[i];
		}
		uoff_expect_cqes(_metadata, &self->ctx.ring, nr, 1000, want);
		for (i = 0; i < nr; i++) {
			p = dst + (size_t)i * slot + UOFF_GUARD + i % 8;
			if ((i + round) % 2)
				ASSERT_MATCH(uoff_cmp_pattern(p, lens[i], seed,
							      i % 8),
					     "round %u copy %u", round, i);
			else
				ASSERT_MATCH(uoff_cmp_fill(p, lens[i], seed + i),
					     "round %u fill %u", round, i);
			ASSERT_MATCH(uoff_cmp_guards(p, lens[i]),
				     "round %u op %u", round, i);
		}
	}
	munmap(src, 64 * KiB + 8);
	munmap(dst, (size_t)nr * slot);
}

UOFF_TEST_MAIN
