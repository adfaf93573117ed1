// SPDX-License-Identifier: GPL-2.0
/*
 * UOFF_CMD_FILL: byte i of the destination is byte (i % 8) of the
 * little-endian pattern, counted from the destination itself and not from
 * an 8-byte aligned address, for every length, alignment, page and folio
 * boundary, on the inline path and through the channel rings.
 */
#include <sys/syscall.h>

#include "uoff_test.h"

/* Distinct bytes show a rotated or byte-swapped pattern; the rest edges. */
static const __u64 patterns[] = {
	0x0706050403020100ULL, 0x0123456789abcdefULL, 0,
	~0ULL, 0xffULL, 0x8000000000000001ULL,
};

FIXTURE(fill) {
	struct uoff_ctx		ctx;
	struct uoff_param	threshold;
};

FIXTURE_VARIANT(fill) {
	unsigned long long	inline_threshold;
};

FIXTURE_VARIANT_ADD(fill, inline) {
	.inline_threshold = UOFF_ALL_INLINE,
};

FIXTURE_VARIANT_ADD(fill, ring) {
	.inline_threshold = UOFF_ALL_RING,
};

FIXTURE_SETUP(fill)
{
	uoff_fixture_open(_metadata, &self->ctx, &self->threshold,
			  variant->inline_threshold, 256);
}

FIXTURE_TEARDOWN_PARENT(fill)
{
	uoff_param_restore(&self->threshold);
}

static void fill_one(struct __test_metadata *_metadata, struct uoff_ctx *ctx,
		     char *dst, __u64 pattern, unsigned int len)
{
	struct io_uring_sqe *sqe;
	int res;

	uoff_canary(dst, len);
	sqe = uoff_sqe(&ctx->ring);
	ASSERT_NE(NULL, sqe);
	io_uring_prep_fill(sqe, ctx->fd, dst, pattern, len, 0);
	res = uoff_complete1(_metadata, &ctx->ring, sqe);
	ASSERT_EQ((int)len, res) {
		TH_LOG("fill of %u bytes at %p", len, dst);
	}
	ASSERT_MATCH(uoff_cmp_fill(dst, len, pattern),
		     "fill of %u bytes at %p with 0x%016llx", len, dst,
		     (unsigned long long)pattern);
	ASSERT_MATCH(uoff_cmp_guards(dst, len),
		     "outside fill of %u bytes at %p", len, dst);
}

/* Every length up to 64 KiB, every misalignment, every pattern, at once. */
TEST_F_TIMEOUT(fill, small_sizes_all_alignments, 120)
{
	static const unsigned int sizes[] = {
		0, 1, 7, 8, 9, 63, 64, 4095, 4096, 4097, 65535, 65536,
	};
	const size_t max_len = 65536;
	const unsigned int nr = 8 * ARRAY_SIZE(patterns);
	size_t stride, si, i;
	int want[8 * ARRAY_SIZE(patterns)];
	char *dst, *slot;

	stride = (max_len + 8 + 2 * UOFF_GUARD + 63) & ~63UL;
	dst = uoff_map(stride * nr);
	ASSERT_NE(NULL, dst);

	for (si = 0; si < ARRAY_SIZE(sizes); si++) {
		unsigned int len = sizes[si];

		for (i = 0; i < nr; i++) {
			struct io_uring_sqe *sqe;

			slot = dst + i * stride + UOFF_GUARD + i % 8;
			uoff_canary(slot, len);
			sqe = uoff_sqe(&self->ctx.ring);
			ASSERT_NE(NULL, sqe);
			io_uring_prep_fill(sqe, self->ctx.fd, slot,
					   patterns[i / 8], len, 0);
			io_uring_sqe_set_data64(sqe, i);
			want[i] = len;
		}
		uoff_expect_cqes(_metadata, &self->ctx.ring, nr, 0, want);
		for (i = 0; i < nr; i++) {
			slot = dst + i * stride + UOFF_GUARD + i % 8;
			ASSERT_MATCH(uoff_cmp_fill(slot, len, patterns[i / 8]),
				     "len %u dst+%zu pattern 0x%016llx", len,
				     i % 8, (unsigned long long)patterns[i / 8]);
			ASSERT_MATCH(uoff_cmp_guards(slot, len),
				     "outside len %u dst+%zu", len, i % 8);
		}
	}
	munmap(dst, stride * nr);
}

TEST_F_TIMEOUT(fill, large_sizes, 240)
{
	static const struct {
		unsigned int len, d_off;
	} cases[] = {
		{ MiB + 3, 0 }, { MiB + 3, 5 },
		{ 16 * MiB, 0 }, { 16 * MiB, 7 },
		{ 64 * MiB, 0 }, { 64 * MiB, 3 },
	};
	const size_t size = 64 * MiB + 8 + 2 * UOFF_GUARD;
	char *dst;
	size_t i;

	dst = uoff_map(size);
	ASSERT_NE(NULL, dst);
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		fill_one(_metadata, &self->ctx,
			 dst + UOFF_GUARD + cases[i].d_off,
			 patterns[i % ARRAY_SIZE(patterns)], cases[i].len);
	munmap(dst, size);
}

TEST_F(fill, page_straddle)
{
	static const unsigned int before[] = { 1, 7, 8, 9, 63, 4095 };
	const size_t span = 8 * UOFF_PAGE_SIZE;
	char *dst;
	size_t i, j;

	dst = uoff_map(span);
	ASSERT_NE(NULL, dst);
	for (i = 0; i < ARRAY_SIZE(before); i++) {
		unsigned int lens[] = {
			before[i] + 1, 4096, 4096 + before[i], 2 * 4096 + 1,
		};

		for (j = 0; j < ARRAY_SIZE(lens); j++)
			fill_one(_metadata, &self->ctx,
				 dst + 2 * UOFF_PAGE_SIZE - before[i],
				 patterns[(i + j) % ARRAY_SIZE(patterns)],
				 lens[j]);
	}
	munmap(dst, span);
}

TEST_F_TIMEOUT(fill, thp_folio_boundaries, 120)
{
	const size_t len4 = 4 * MiB;
	size_t raw_len;
	void *raw;
	char *dst;

	dst = uoff_map_thp(len4, &raw, &raw_len);
	ASSERT_NE(NULL, dst);
	fill_one(_metadata, &self->ctx, dst + 2 * MiB - 4097, patterns[0],
		 8200);
	fill_one(_metadata, &self->ctx, dst + 2 * MiB - 1, patterns[1], 2);
	fill_one(_metadata, &self->ctx, dst + UOFF_GUARD + 5, patterns[5],
		 len4 - 5 - 2 * UOFF_GUARD);
	munmap(raw, raw_len);
}

/* Pages the destination never had before get allocated and filled. */
TEST_F(fill, untouched_destination)
{
	const size_t span = 16 * UOFF_PAGE_SIZE, len = 5 * UOFF_PAGE_SIZE + 3;
	struct io_uring_sqe *sqe;
	char *fresh;
	int res;

	fresh = uoff_map(span);
	ASSERT_NE(NULL, fresh);
	ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
	io_uring_prep_fill(sqe, self->ctx.fd, fresh + 4095, patterns[1], len,
			   0);
	res = uoff_complete1(_metadata, &self->ctx.ring, sqe);
	ASSERT_EQ((int)len, res);
	ASSERT_MATCH(uoff_cmp_fill(fresh + 4095, len, patterns[1]),
		     "fill of never-touched pages");
	ASSERT_MATCH(uoff_cmp_const(fresh, 4095, 0),
		     "before fill of never-touched pages");
	ASSERT_MATCH(uoff_cmp_const(fresh + 4095 + len, span - 4095 - len, 0),
		     "after fill of never-touched pages");
	munmap(fresh, span);
}

/* A fill through a shared file mapping is in the file afterwards. */
TEST_F(fill, shared_file_destination)
{
	const size_t size = 32 * UOFF_PAGE_SIZE, len = 20 * UOFF_PAGE_SIZE + 7;
	struct io_uring_sqe *sqe;
	char *dst, *file_bytes;
	int mfd, res;

	file_bytes = uoff_map(size);
	ASSERT_NE(NULL, file_bytes);
	mfd = syscall(SYS_memfd_create, "uoff-fill", 0);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, size));
	dst = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, dst);
	uoff_canary(dst + UOFF_GUARD + 2, len);

	ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
	io_uring_prep_fill(sqe, self->ctx.fd, dst + UOFF_GUARD + 2, patterns[0],
			   len, 0);
	res = uoff_complete1(_metadata, &self->ctx.ring, sqe);
	ASSERT_EQ((int)len, res);
	ASSERT_EQ((ssize_t)size, pread(mfd, file_bytes, size, 0));
	ASSERT_MATCH(uoff_cmp_fill(file_bytes + UOFF_GUARD + 2, len,
				   patterns[0]), "file contents after fill");
	ASSERT_MATCH(uoff_cmp_guards(file_bytes + UOFF_GUARD + 2, len),
		     "file contents outside the fill");
	munmap(dst, size);
	close(mfd);
	munmap(file_bytes, size);
}

UOFF_TEST_MAIN
