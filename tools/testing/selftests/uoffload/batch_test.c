// SPDX-License-Identifier: GPL-2.0
/*
 * UOFF_CMD_BATCH: any mix of copy and fill descriptors, 1 to max_batch of
 * them, completes once with the sum of their lengths; one bad descriptor
 * anywhere fails the whole batch with its errno before any destination
 * changes; the count and the total length are limited.
 */
#include "uoff_test.h"

FIXTURE(batch) {
	struct uoff_ctx		ctx;
	struct uoff_param	threshold;
};

FIXTURE_VARIANT(batch) {
	unsigned long long	inline_threshold;
};

FIXTURE_VARIANT_ADD(batch, inline) {
	.inline_threshold = UOFF_ALL_INLINE,
};

FIXTURE_VARIANT_ADD(batch, ring) {
	.inline_threshold = UOFF_ALL_RING,
};

FIXTURE_SETUP(batch)
{
	uoff_fixture_open(_metadata, &self->ctx, &self->threshold,
			  variant->inline_threshold, 64);
}

FIXTURE_TEARDOWN_PARENT(batch)
{
	uoff_param_restore(&self->threshold);
}

static __u64 rng_next(__u64 *state)
{
	__u64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/*
 * A batch of @nr descriptors, each writing into its own guarded slot of
 * @arena; copies read from @src, which holds pattern stream @seed.
 */
struct batch {
	struct uoff_desc	*descs;
	unsigned int		nr;
	char			*arena;
	size_t			stride;
	size_t			arena_len;
	char			*src;
	size_t			src_len;
	__u64			seed;
	__u64			total;
};

/*
 * Random kinds, lengths in [0, @max_len] with some zero-length ones,
 * random misalignments of source and destination.
 */
static void batch_build(struct __test_metadata *_metadata, struct batch *b,
			unsigned int nr, unsigned int max_len, __u64 rng)
{
	unsigned int i, len, d_off, s_off;
	char *dst;

	memset(b, 0, sizeof(*b));
	b->nr = nr;
	b->seed = rng;
	b->stride = (max_len + 8 + 2 * UOFF_GUARD + 63) & ~63UL;
	b->arena_len = b->stride * (nr ? nr : 1);
	b->src_len = max_len + 8;
	b->arena = uoff_map(b->arena_len);
	b->src = uoff_map(b->src_len);
	b->descs = calloc(nr ? nr : 1, sizeof(*b->descs));
	ASSERT_NE(NULL, b->arena);
	ASSERT_NE(NULL, b->src);
	ASSERT_NE(NULL, b->descs);
	memset(b->arena, UOFF_CANARY, b->arena_len);
	uoff_pattern_fill(b->src, b->src_len, b->seed, 0);

	for (i = 0; i < nr; i++) {
		len = rng_next(&rng) % 8 ? rng_next(&rng) % (max_len + 1) : 0;
		d_off = rng_next(&rng) % 8;
		s_off = rng_next(&rng) % 8;
		dst = b->arena + i * b->stride + UOFF_GUARD + d_off;
		if (rng_next(&rng) % 2)
			io_uring_offload_desc_copy(&b->descs[i], dst,
						   b->src + s_off, len);
		else
			io_uring_offload_desc_fill(&b->descs[i], dst,
						   rng_next(&rng), len);
		b->total += len;
	}
}

static void batch_free(struct batch *b)
{
	munmap(b->arena, b->arena_len);
	munmap(b->src, b->src_len);
	free(b->descs);
}

/* Every descriptor did exactly its job. */
static void batch_check_done(struct __test_metadata *_metadata,
			     const struct batch *b)
{
	const struct uoff_desc *d;
	unsigned int i;
	char *dst;

	for (i = 0; i < b->nr; i++) {
		d = &b->descs[i];
		dst = (char *)(uintptr_t)d->dst;
		if (d->op == UOFF_OP_COPY)
			ASSERT_MATCH(uoff_cmp_pattern(dst, d->len, b->seed,
					(uintptr_t)d->src - (uintptr_t)b->src),
				     "copy descriptor %u of %u, len %u", i,
				     b->nr, d->len);
		else
			ASSERT_MATCH(uoff_cmp_fill(dst, d->len, d->src),
				     "fill descriptor %u of %u, len %u", i,
				     b->nr, d->len);
		ASSERT_MATCH(uoff_cmp_guards(dst, d->len),
			     "outside descriptor %u of %u, len %u", i, b->nr,
			     d->len);
	}
}

/* No descriptor wrote anything. */
static void batch_check_untouched(struct __test_metadata *_metadata,
				  const struct batch *b, const char *what)
{
	ASSERT_MATCH(uoff_cmp_const(b->arena, b->arena_len, UOFF_CANARY),
		     "destinations after %s", what);
	ASSERT_MATCH(uoff_cmp_pattern(b->src, b->src_len, b->seed, 0),
		     "sources after %s", what);
}

/* Runs @nr descriptors at @descs as one BATCH and returns its result. */
static int batch_run(struct __test_metadata *_metadata, struct uoff_ctx *ctx,
		     const struct uoff_desc *descs, unsigned int nr)
{
	struct io_uring_sqe *sqe = uoff_sqe(&ctx->ring);

	ASSERT_NE(NULL, sqe);
	io_uring_prep_offload_batch(sqe, ctx->fd, descs, nr, 0);
	return uoff_complete1(_metadata, &ctx->ring, sqe);
}

TEST_F_TIMEOUT(batch, mixed_counts, 180)
{
	unsigned int counts[] = { 1, 2, 3, 7, 16, 64, 255, 256, 0 };
	struct batch b;
	size_t i;
	int res;

	counts[ARRAY_SIZE(counts) - 1] = self->ctx.feat.max_batch;
	ASSERT_LT(0U, self->ctx.feat.max_batch);
	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		/* Keep the arena near 4 MiB whatever the count. */
		unsigned int max_len = counts[i] <= 16 ? 256 * KiB :
				       counts[i] <= 256 ? 16 * KiB : 4 * KiB;

		batch_build(_metadata, &b, counts[i], max_len, 0x5eed + i);
		res = batch_run(_metadata, &self->ctx, b.descs, b.nr);
		ASSERT_EQ((long long)b.total, res) {
			TH_LOG("batch of %u descriptors", b.nr);
		}
		batch_check_done(_metadata, &b);
		batch_free(&b);
	}
}

/* A few descriptors of many megabytes each, 64 MiB in total. */
TEST_F_TIMEOUT(batch, large_descriptors, 180)
{
	const unsigned int len = 16 * MiB;
	struct batch b;
	unsigned int i;
	int res;

	batch_build(_metadata, &b, 4, len, 0x1a26e);
	for (i = 0; i < b.nr; i++) {
		b.total += len - b.descs[i].len;
		b.descs[i].len = len;
	}
	res = batch_run(_metadata, &self->ctx, b.descs, b.nr);
	ASSERT_EQ((long long)b.total, res);
	batch_check_done(_metadata, &b);
	batch_free(&b);
}

/*
 * Zero-length descriptors do nothing, a batch of only those gives 0, and
 * so does a batch of no descriptors at all.
 */
TEST_F(batch, zero_lengths_and_empty)
{
	struct batch b;
	unsigned int i;
	int res;

	batch_build(_metadata, &b, 8, 4096, 0x2e50);
	for (i = 0; i < b.nr; i++) {
		b.descs[i].len = 0;
		/* Zero bytes need no memory: addresses are not looked at. */
		if (i % 2)
			b.descs[i].dst = 0;
		if (i % 4 == 1)
			b.descs[i].src = 0;
	}
	res = batch_run(_metadata, &self->ctx, b.descs, b.nr);
	ASSERT_EQ(0, res);
	batch_check_untouched(_metadata, &b, "zero-length descriptors");

	res = batch_run(_metadata, &self->ctx, b.descs, 0);
	ASSERT_EQ(0, res);
	batch_check_untouched(_metadata, &b, "nr = 0");
	batch_free(&b);
}

/* The descriptor array needs no particular alignment. */
TEST_F(batch, unaligned_descriptor_array)
{
	struct batch b;
	char *raw;
	int res;

	batch_build(_metadata, &b, 13, 8192, 0xa119);
	raw = malloc(b.nr * sizeof(*b.descs) + 8);
	ASSERT_NE(NULL, raw);
	memcpy(raw + 3, b.descs, b.nr * sizeof(*b.descs));
	res = batch_run(_metadata, &self->ctx, (struct uoff_desc *)(raw + 3),
			b.nr);
	ASSERT_EQ((long long)b.total, res);
	batch_check_done(_metadata, &b);
	free(raw);
	batch_free(&b);
}

TEST_F(batch, more_than_max_batch)
{
	struct batch b;
	int res;

	batch_build(_metadata, &b, self->ctx.feat.max_batch + 1, 64, 0xe2b1);
	res = batch_run(_metadata, &self->ctx, b.descs, b.nr);
	ASSERT_EQ(-E2BIG, res);
	batch_check_untouched(_metadata, &b, "nr = max_batch + 1");
	batch_free(&b);
}

/*
 * Descriptors that are each allowed but together exceed max_op_len.  They
 * point at address space that costs nothing until written, so a module
 * that checked the total late would still fail the test, not the machine.
 */
TEST_F(batch, total_above_max_op_len)
{
	const size_t half = self->ctx.feat.max_op_len / 2 + 1;
	struct uoff_desc descs[2];
	char *a, *b;
	int res;

	a = uoff_reserve(half);
	b = uoff_reserve(half);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	a[0] = 1;
	b[half - 1] = 2;
	io_uring_offload_desc_fill(&descs[0], a, 0x1111111111111111ULL, half);
	io_uring_offload_desc_fill(&descs[1], b, 0x2222222222222222ULL, half);
	res = batch_run(_metadata, &self->ctx, descs, 2);
	ASSERT_EQ(-E2BIG, res);
	ASSERT_EQ(1, a[0]);
	ASSERT_EQ(0, a[half - 1]);
	ASSERT_EQ(0, b[0]);
	ASSERT_EQ(2, b[half - 1]);
	munmap(a, half);
	munmap(b, half);
}

/* The descriptor array itself not (all) readable. */
TEST_F(batch, descriptor_array_fault)
{
	struct uoff_desc *descs;
	struct batch b;
	char *hole;
	int res;

	hole = uoff_hole();
	ASSERT_NE(NULL, hole);
	res = batch_run(_metadata, &self->ctx, (struct uoff_desc *)hole, 4);
	ASSERT_EQ(-EFAULT, res);

	/* Three descriptors readable, the fourth in the hole. */
	batch_build(_metadata, &b, 4, 4096, 0xdef0);
	descs = (struct uoff_desc *)(hole - 3 * sizeof(*descs));
	memcpy(descs, b.descs, 3 * sizeof(*descs));
	res = batch_run(_metadata, &self->ctx, descs, 4);
	ASSERT_EQ(-EFAULT, res);
	batch_check_untouched(_metadata, &b, "descriptor array in a hole");
	batch_free(&b);
	munmap(hole - UOFF_PAGE_SIZE, UOFF_PAGE_SIZE);
}

enum defect {
	DEFECT_OP_ZERO,
	DEFECT_OP_BATCH,
	DEFECT_OP_FF,
	DEFECT_RESERVED0,
	DEFECT_RESERVED1,
	DEFECT_OVERLAP,
	DEFECT_DST_HOLE,
	DEFECT_SRC_HOLE,
	DEFECT_DST_READONLY,
	DEFECT_DST_WRAPS,
	DEFECT_LEN_ABOVE_MAX,
	NR_DEFECTS,
};

static const struct {
	const char	*name;
	int		err;
} defects[NR_DEFECTS] = {
	[DEFECT_OP_ZERO]	= { "op 0", -EINVAL },
	[DEFECT_OP_BATCH]	= { "op UOFF_OP_BATCH", -EINVAL },
	[DEFECT_OP_FF]		= { "op 0xff", -EINVAL },
	[DEFECT_RESERVED0]	= { "reserved0 != 0", -EINVAL },
	[DEFECT_RESERVED1]	= { "reserved1 != 0", -EINVAL },
	[DEFECT_OVERLAP]	= { "overlapping copy", -EINVAL },
	[DEFECT_DST_HOLE]	= { "unmapped dst", -EFAULT },
	[DEFECT_SRC_HOLE]	= { "unmapped src", -EFAULT },
	[DEFECT_DST_READONLY]	= { "read-only dst", -EFAULT },
	[DEFECT_DST_WRAPS]	= { "dst range wraps", -EFAULT },
	[DEFECT_LEN_ABOVE_MAX]	= { "len > max_op_len", -E2BIG },
};

/*
 * One bad descriptor first, in the middle or last among good ones: the
 * batch fails with that descriptor's errno and no destination changes,
 * the good descriptors' included.
 */
TEST_F_TIMEOUT(batch, one_bad_descriptor_fails_all, 120)
{
	const unsigned int nr = 16, positions[] = { 0, 7, 15 };
	const size_t big = (size_t)self->ctx.feat.max_op_len + 1;
	struct uoff_desc saved, *d;
	char *hole, *ro, *huge;
	struct batch b;
	size_t p, k;
	int res;

	hole = uoff_hole();
	ro = uoff_map(UOFF_PAGE_SIZE);
	huge = uoff_reserve(big);
	ASSERT_NE(NULL, hole);
	ASSERT_NE(NULL, ro);
	ASSERT_NE(NULL, huge);
	memset(ro, UOFF_CANARY, UOFF_PAGE_SIZE);
	ASSERT_EQ(0, mprotect(ro, UOFF_PAGE_SIZE, PROT_READ));

	batch_build(_metadata, &b, nr, 8192, 0xbad);
	for (p = 0; p < ARRAY_SIZE(positions); p++) {
		for (k = 0; k < NR_DEFECTS; k++) {
			d = &b.descs[positions[p]];
			saved = *d;
			/* Non-zero lengths, so no defect hides behind len 0. */
			d->len = d->len ? d->len : 100;
			switch (k) {
			case DEFECT_OP_ZERO:
				d->op = 0;
				break;
			case DEFECT_OP_BATCH:
				d->op = UOFF_OP_BATCH;
				break;
			case DEFECT_OP_FF:
				d->op = 0xff;
				break;
			case DEFECT_RESERVED0:
				d->reserved0[1] = 1;
				break;
			case DEFECT_RESERVED1:
				d->reserved1 = 1ULL << 40;
				break;
			case DEFECT_OVERLAP:
				d->op = UOFF_OP_COPY;
				d->src = d->dst + 1;
				break;
			case DEFECT_DST_HOLE:
				d->dst = (uintptr_t)hole + 8;
				break;
			case DEFECT_SRC_HOLE:
				d->op = UOFF_OP_COPY;
				d->src = (uintptr_t)hole + 16;
				break;
			case DEFECT_DST_READONLY:
				d->dst = (uintptr_t)ro + 1;
				d->len = UOFF_PAGE_SIZE - 1;
				break;
			case DEFECT_DST_WRAPS:
				d->dst = (__u64)-UOFF_PAGE_SIZE;
				d->len = 2 * UOFF_PAGE_SIZE;
				break;
			case DEFECT_LEN_ABOVE_MAX:
				d->op = UOFF_OP_FILL;
				d->dst = (uintptr_t)huge;
				d->len = big;
				break;
			}
			res = batch_run(_metadata, &self->ctx, b.descs, nr);
			ASSERT_EQ(defects[k].err, res) {
				TH_LOG("%s in descriptor %u of %u",
				       defects[k].name, positions[p], nr);
			}
			batch_check_untouched(_metadata, &b, defects[k].name);
			ASSERT_MATCH(uoff_cmp_const(ro, UOFF_PAGE_SIZE,
						    UOFF_CANARY),
				     "read-only page after %s",
				     defects[k].name);
			ASSERT_MATCH(uoff_cmp_const(hole - UOFF_PAGE_SIZE,
						    UOFF_PAGE_SIZE, 0),
				     "page below the hole after %s",
				     defects[k].name);
			ASSERT_EQ(0, huge[0]);
			*d = saved;
		}
	}
	/* The repaired batch still works. */
	res = batch_run(_metadata, &self->ctx, b.descs, nr);
	ASSERT_EQ((long long)b.total, res);
	batch_check_done(_metadata, &b);
	batch_free(&b);
	munmap(huge, big);
	munmap(ro, UOFF_PAGE_SIZE);
}

UOFF_TEST_MAIN
