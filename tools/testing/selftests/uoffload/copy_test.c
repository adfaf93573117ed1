// SPDX-License-Identifier: GPL-2.0
/*
 * UOFF_CMD_COPY: exactly the source bytes land in exactly [dst, dst + len),
 * for every length, alignment, page and folio boundary, on the inline path
 * and through the channel rings; overlapping ranges are refused with
 * nothing written; every op gets one completion carrying its user_data.
 */
#include <sys/syscall.h>

#include "uoff_test.h"

FIXTURE(copy) {
	struct uoff_ctx		ctx;
	struct uoff_param	threshold;
};

FIXTURE_VARIANT(copy) {
	unsigned long long	inline_threshold;
};

FIXTURE_VARIANT_ADD(copy, inline) {
	.inline_threshold = UOFF_ALL_INLINE,
};

FIXTURE_VARIANT_ADD(copy, ring) {
	.inline_threshold = UOFF_ALL_RING,
};

FIXTURE_SETUP(copy)
{
	uoff_fixture_open(_metadata, &self->ctx, &self->threshold,
			  variant->inline_threshold, 256);
}

/* In the parent, so that a test dying on a signal still restores it. */
FIXTURE_TEARDOWN_PARENT(copy)
{
	uoff_param_restore(&self->threshold);
}

/*
 * Copies @len bytes from @src, which holds bytes @start.. of stream @seed,
 * to @dst and checks the result byte for byte, guards included.
 */
static void copy_one(struct __test_metadata *_metadata, struct uoff_ctx *ctx,
		     char *dst, const char *src, unsigned int len, __u64 seed,
		     __u64 start)
{
	struct io_uring_sqe *sqe;
	int res;

	uoff_canary(dst, len);
	sqe = uoff_sqe(&ctx->ring);
	ASSERT_NE(NULL, sqe);
	io_uring_prep_copy(sqe, ctx->fd, dst, src, len, 0);
	res = uoff_complete1(_metadata, &ctx->ring, sqe);
	ASSERT_EQ((int)len, res) {
		TH_LOG("copy of %u bytes %p -> %p", len, src, dst);
	}
	ASSERT_MATCH(uoff_cmp_pattern(dst, len, seed, start),
		     "copy of %u bytes %p -> %p", len, src, dst);
	ASSERT_MATCH(uoff_cmp_guards(dst, len),
		     "outside copy of %u bytes to %p", len, dst);
}

/*
 * Every length up to 64 KiB with every source and destination
 * misalignment (a subset above 4097 bytes), all of one length submitted
 * together, each into its own guarded slot.
 */
TEST_F_TIMEOUT(copy, small_sizes_all_alignments, 120)
{
	static const unsigned int sizes[] = {
		0, 1, 7, 8, 9, 63, 64, 4095, 4096, 4097, 65535, 65536,
	};
	static const unsigned char some[][2] = {
		{ 0, 0 }, { 1, 0 }, { 0, 1 }, { 7, 3 },
		{ 3, 7 }, { 5, 5 }, { 4, 0 }, { 6, 2 },
	};
	const size_t max_len = 65536, slots = 64;
	const __u64 seed = 0xc0b1;
	size_t stride, si, i, nr;
	unsigned int s_off[64], d_off[64];
	int want[64];
	char *src, *dst, *slot;

	stride = (max_len + 8 + 2 * UOFF_GUARD + 63) & ~63UL;
	src = uoff_map(max_len + 8);
	dst = uoff_map(stride * slots);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	uoff_pattern_fill(src, max_len + 8, seed, 0);

	for (si = 0; si < ARRAY_SIZE(sizes); si++) {
		unsigned int len = sizes[si];

		nr = len <= 4097 ? 64 : ARRAY_SIZE(some);
		for (i = 0; i < nr; i++) {
			struct io_uring_sqe *sqe;

			s_off[i] = len <= 4097 ? i % 8 : some[i][0];
			d_off[i] = len <= 4097 ? i / 8 : some[i][1];
			slot = dst + i * stride + UOFF_GUARD + d_off[i];
			uoff_canary(slot, len);
			sqe = uoff_sqe(&self->ctx.ring);
			ASSERT_NE(NULL, sqe);
			io_uring_prep_copy(sqe, self->ctx.fd, slot,
					   src + s_off[i], len, 0);
			io_uring_sqe_set_data64(sqe, i);
			want[i] = len;
		}
		uoff_expect_cqes(_metadata, &self->ctx.ring, nr, 0, want);
		for (i = 0; i < nr; i++) {
			slot = dst + i * stride + UOFF_GUARD + d_off[i];
			ASSERT_MATCH(uoff_cmp_pattern(slot, len, seed, s_off[i]),
				     "len %u src+%u dst+%u", len, s_off[i],
				     d_off[i]);
			ASSERT_MATCH(uoff_cmp_guards(slot, len),
				     "outside len %u src+%u dst+%u", len,
				     s_off[i], d_off[i]);
		}
	}
	munmap(src, max_len + 8);
	munmap(dst, stride * slots);
}

/* 1 MiB + 3, 16 MiB and 64 MiB, aligned and misaligned. */
TEST_F_TIMEOUT(copy, large_sizes, 240)
{
	static const struct {
		unsigned int len, s_off, d_off;
	} cases[] = {
		{ MiB + 3, 0, 0 },
		{ MiB + 3, 3, 5 },
		{ 16 * MiB, 0, 0 },
		{ 16 * MiB, 7, 1 },
		{ 64 * MiB, 0, 0 },
		{ 64 * MiB, 1, 6 },
	};
	const size_t max_len = 64 * MiB + 8;
	const __u64 seed = 0x1a28e;
	char *src, *dst;
	size_t i;

	src = uoff_map(max_len);
	dst = uoff_map(max_len + 2 * UOFF_GUARD);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	uoff_pattern_fill(src, max_len, seed, 0);

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		copy_one(_metadata, &self->ctx,
			 dst + UOFF_GUARD + cases[i].d_off,
			 src + cases[i].s_off, cases[i].len, seed,
			 cases[i].s_off);
	munmap(src, max_len);
	munmap(dst, max_len + 2 * UOFF_GUARD);
}

/*
 * More descriptors than all channel rings hold at once (1025 of 256 KiB
 * against 256 slots a channel): on the ring path the rest waits on the
 * channels' backlogs and is queued as slots free up.
 */
TEST_F_TIMEOUT(copy, more_descriptors_than_ring_slots, 240)
{
	const unsigned int len = 256 * MiB + 3;
	const __u64 seed = 0xb4c1;
	char *src, *dst;

	src = uoff_map(len);
	dst = uoff_map(len + 2 * UOFF_GUARD);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	uoff_pattern_fill(src, len, seed, 0);
	copy_one(_metadata, &self->ctx, dst + UOFF_GUARD + 1, src, len, seed, 0);
	munmap(src, len);
	munmap(dst, len + 2 * UOFF_GUARD);
}

/* Ranges that start just before a page boundary and run across it. */
TEST_F(copy, page_straddle)
{
	static const unsigned int before[] = { 1, 7, 8, 9, 63, 4095 };
	const __u64 seed = 0x9a6e;
	const size_t span = 8 * UOFF_PAGE_SIZE;
	char *src, *dst;
	size_t i, j;

	src = uoff_map(span);
	dst = uoff_map(span);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	uoff_pattern_fill(src, span, seed, 0);

	for (i = 0; i < ARRAY_SIZE(before); i++) {
		unsigned int lens[] = {
			before[i] + 1, 4096, 4096 + before[i], 2 * 4096 + 1,
		};
		/* Different distances to the boundary on the two sides. */
		size_t d = 2 * UOFF_PAGE_SIZE - before[i];
		size_t s = 2 * UOFF_PAGE_SIZE -
			   before[(i + 3) % ARRAY_SIZE(before)];

		for (j = 0; j < ARRAY_SIZE(lens); j++)
			copy_one(_metadata, &self->ctx, dst + d, src + s,
				 lens[j], seed, s);
	}
	munmap(src, span);
	munmap(dst, span);
}

/*
 * Ranges across the 2 MiB boundary of transparent huge pages, so the
 * request's pages come from different folios of different sizes.
 */
TEST_F_TIMEOUT(copy, thp_folio_boundaries, 120)
{
	const size_t len4 = 4 * MiB;
	const __u64 seed = 0x7a9;
	void *src_raw, *dst_raw;
	size_t src_raw_len, dst_raw_len;
	char *src, *dst, *plain;

	src = uoff_map_thp(len4, &src_raw, &src_raw_len);
	dst = uoff_map_thp(len4, &dst_raw, &dst_raw_len);
	plain = uoff_map(len4);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	ASSERT_NE(NULL, plain);
	uoff_pattern_fill(src, len4, seed, 0);

	/* Both sides across the huge page boundary, a few pages each way. */
	copy_one(_metadata, &self->ctx, dst + 2 * MiB - 4097,
		 src + 2 * MiB - 4099, 8200, seed, 2 * MiB - 4099);
	/* Nearly all of both huge pages, odd offsets. */
	copy_one(_metadata, &self->ctx, dst + UOFF_GUARD + 3, src + 4101,
		 len4 - 4101 - 2 * UOFF_GUARD, seed, 4101);
	/* Huge page source, small page destination. */
	copy_one(_metadata, &self->ctx, plain + MiB + 1, src + 2 * MiB - 5,
		 MiB + 11, seed, 2 * MiB - 5);
	/* Small page source, huge page destination. */
	uoff_pattern_fill(plain, len4, seed + 1, 0);
	copy_one(_metadata, &self->ctx, dst + 2 * MiB - 3, plain + 7,
		 MiB + 5, seed + 1, 7);

	munmap(src_raw, src_raw_len);
	munmap(dst_raw, dst_raw_len);
	munmap(plain, len4);
}

/*
 * Source and destination ranges that share at least one byte are refused
 * with EINVAL and the buffer keeps every byte; ranges that only touch
 * are fine.
 */
TEST_F(copy, overlap_refused_adjacent_fine)
{
	static const unsigned int lens[] = { 2, 64, 4096, 65536 };
	const size_t size = 4 * 65536;
	const __u64 seed = 0x0e1a;
	char *buf, *snap, *src;
	struct io_uring_sqe *sqe;
	size_t i, j;
	int res;

	buf = uoff_map(size);
	snap = uoff_map(size);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, snap);
	uoff_pattern_fill(buf, size, seed, 0);
	memcpy(snap, buf, size);

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		long long len = lens[i];
		long long deltas[] = {
			0, 1, -1, len - 1, -(len - 1), len / 2, -(len / 2),
		};

		src = buf + size / 2 - len / 2;
		for (j = 0; j < ARRAY_SIZE(deltas); j++) {
			sqe = uoff_sqe(&self->ctx.ring);
			ASSERT_NE(NULL, sqe);
			io_uring_prep_copy(sqe, self->ctx.fd, src + deltas[j],
					   src, len, 0);
			res = uoff_complete1(_metadata, &self->ctx.ring, sqe);
			ASSERT_EQ(-EINVAL, res) {
				TH_LOG("len %lld, dst = src %+lld", len,
				       deltas[j]);
			}
			ASSERT_MATCH(uoff_cmp_bytes(buf, snap, size),
				     "refused len %lld, dst = src %+lld", len,
				     deltas[j]);
		}
	}

	/* Adjacent either way round: no byte shared, so allowed. */
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		long long len = lens[i];
		long long off = size / 2 - len / 2;

		/* dst right after src */
		ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
		io_uring_prep_copy(sqe, self->ctx.fd, buf + off + len,
				   buf + off, len, 0);
		res = uoff_complete1(_metadata, &self->ctx.ring, sqe);
		ASSERT_EQ(len, res);
		ASSERT_MATCH(uoff_cmp_pattern(buf + off + len, len, seed, off),
			     "dst just after src, len %lld", len);
		ASSERT_MATCH(uoff_cmp_pattern(buf + off, len, seed, off),
			     "src of dst just after src, len %lld", len);
		uoff_pattern_fill(buf, size, seed, 0);

		/* dst right before src */
		ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
		io_uring_prep_copy(sqe, self->ctx.fd, buf + off - len,
				   buf + off, len, 0);
		res = uoff_complete1(_metadata, &self->ctx.ring, sqe);
		ASSERT_EQ(len, res);
		ASSERT_MATCH(uoff_cmp_pattern(buf + off - len, len, seed, off),
			     "dst just before src, len %lld", len);
		ASSERT_MATCH(uoff_cmp_pattern(buf + off, len, seed, off),
			     "src of dst just before src, len %lld", len);
		uoff_pattern_fill(buf, size, seed, 0);
	}
	munmap(buf, size);
	munmap(snap, size);
}

/* Memory never touched before: the zero page as source, no page as dst. */
TEST_F(copy, untouched_memory)
{
	const size_t span = 16 * UOFF_PAGE_SIZE, len = 3 * UOFF_PAGE_SIZE + 5;
	const __u64 seed = 0xf2e5;
	char *fresh, *buf;
	struct io_uring_sqe *sqe;
	int res;

	fresh = uoff_map(span);
	buf = uoff_map(span);
	ASSERT_NE(NULL, fresh);
	ASSERT_NE(NULL, buf);

	/* Untouched source reads as zeros. */
	uoff_canary(buf + 2 * UOFF_PAGE_SIZE + 1, len);
	ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
	io_uring_prep_copy(sqe, self->ctx.fd, buf + 2 * UOFF_PAGE_SIZE + 1,
			   fresh + UOFF_PAGE_SIZE + 3, len, 0);
	res = uoff_complete1(_metadata, &self->ctx.ring, sqe);
	ASSERT_EQ((int)len, res);
	ASSERT_MATCH(uoff_cmp_const(buf + 2 * UOFF_PAGE_SIZE + 1, len, 0),
		     "copy from never-touched pages");
	ASSERT_MATCH(uoff_cmp_guards(buf + 2 * UOFF_PAGE_SIZE + 1, len),
		     "outside copy from never-touched pages");

	/* Untouched destination gets its pages on demand. */
	munmap(fresh, span);
	fresh = uoff_map(span);
	ASSERT_NE(NULL, fresh);
	uoff_pattern_fill(buf, span, seed, 0);
	ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
	io_uring_prep_copy(sqe, self->ctx.fd, fresh + UOFF_PAGE_SIZE + 3,
			   buf + 9, len, 0);
	res = uoff_complete1(_metadata, &self->ctx.ring, sqe);
	ASSERT_EQ((int)len, res);
	ASSERT_MATCH(uoff_cmp_pattern(fresh + UOFF_PAGE_SIZE + 3, len, seed, 9),
		     "copy to never-touched pages");
	ASSERT_MATCH(uoff_cmp_const(fresh, UOFF_PAGE_SIZE + 3, 0),
		     "before copy to never-touched pages");
	ASSERT_MATCH(uoff_cmp_const(fresh + UOFF_PAGE_SIZE + 3 + len,
				    span - UOFF_PAGE_SIZE - 3 - len, 0),
		     "after copy to never-touched pages");
	munmap(fresh, span);
	munmap(buf, span);
}

/*
 * A read-only source mapping is a valid source; a shared file mapping as
 * destination ends up in the file, as a store through the mapping would.
 */
TEST_F(copy, readonly_source_shared_file_destination)
{
	const size_t size = 64 * UOFF_PAGE_SIZE, len = 40 * UOFF_PAGE_SIZE + 13;
	const __u64 seed = 0x5f11e;
	char *src, *dst, *file_bytes;
	struct io_uring_sqe *sqe;
	int mfd, res;

	src = uoff_map(size);
	file_bytes = uoff_map(size);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, file_bytes);
	uoff_pattern_fill(src, size, seed, 0);
	ASSERT_EQ(0, mprotect(src, size, PROT_READ));

	mfd = syscall(SYS_memfd_create, "uoff-copy", 0);
	ASSERT_LE(0, mfd);
	ASSERT_EQ(0, ftruncate(mfd, size));
	dst = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, dst);
	uoff_canary(dst + UOFF_GUARD + 1, len);

	ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
	io_uring_prep_copy(sqe, self->ctx.fd, dst + UOFF_GUARD + 1, src + 3,
			   len, 0);
	res = uoff_complete1(_metadata, &self->ctx.ring, sqe);
	ASSERT_EQ((int)len, res);
	ASSERT_MATCH(uoff_cmp_pattern(dst + UOFF_GUARD + 1, len, seed, 3),
		     "shared mapping after copy");

	/* The file, read through read(2), has the same bytes. */
	ASSERT_EQ((ssize_t)size, pread(mfd, file_bytes, size, 0));
	ASSERT_MATCH(uoff_cmp_pattern(file_bytes + UOFF_GUARD + 1, len, seed, 3),
		     "file contents after copy");
	ASSERT_MATCH(uoff_cmp_guards(file_bytes + UOFF_GUARD + 1, len),
		     "file contents outside the copy");
	munmap(dst, size);
	close(mfd);
	munmap(src, size);
	munmap(file_bytes, size);
}

/*
 * IOSQE_IO_LINK orders ops: a chain src -> m1 -> m2 -> m3 ends with the
 * source bytes in m3, and a chain whose first op fails cancels the rest
 * without writing.  IOSQE_ASYNC ops, issued from io-wq, work the same.
 */
TEST_F(copy, linked_and_async)
{
	const unsigned int len = 256 * KiB + 3;
	const size_t slot = len + 2 * UOFF_GUARD + 64;
	const __u64 seed = 0x11c4;
	struct io_uring_sqe *sqe;
	char *src, *m[4];
	int want[4];
	int i;

	src = uoff_map(len);
	ASSERT_NE(NULL, src);
	uoff_pattern_fill(src, len, seed, 0);
	for (i = 0; i < 4; i++) {
		m[i] = uoff_map(slot);
		ASSERT_NE(NULL, m[i]);
		m[i] += UOFF_GUARD + i;
		uoff_canary(m[i], len);
	}

	/* src -> m0 -> m1 -> m2, each waiting for the one before. */
	for (i = 0; i < 3; i++) {
		ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
		io_uring_prep_copy(sqe, self->ctx.fd, m[i], i ? m[i - 1] : src,
				   len, 0);
		if (i < 2)
			sqe->flags |= IOSQE_IO_LINK;
		io_uring_sqe_set_data64(sqe, i);
		want[i] = len;
	}
	uoff_expect_cqes(_metadata, &self->ctx.ring, 3, 0, want);
	for (i = 0; i < 3; i++) {
		ASSERT_MATCH(uoff_cmp_pattern(m[i], len, seed, 0),
			     "link %d of the chain", i);
		ASSERT_MATCH(uoff_cmp_guards(m[i], len), "around link %d", i);
	}

	/* A refused head (overlap) cancels its linked successor. */
	ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
	io_uring_prep_copy(sqe, self->ctx.fd, src + 1, src, len - 1, 0);
	sqe->flags |= IOSQE_IO_LINK;
	io_uring_sqe_set_data64(sqe, 0);
	want[0] = -EINVAL;
	ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
	io_uring_prep_copy(sqe, self->ctx.fd, m[3], src, len, 0);
	io_uring_sqe_set_data64(sqe, 1);
	want[1] = -ECANCELED;
	uoff_expect_cqes(_metadata, &self->ctx.ring, 2, 0, want);
	ASSERT_MATCH(uoff_cmp_pattern(src, len, seed, 0), "refused head");
	ASSERT_MATCH(uoff_cmp_const(m[3] - UOFF_GUARD, len + 2 * UOFF_GUARD,
				    UOFF_CANARY), "cancelled successor");

	/* Forced through io-wq: the blocking issue path. */
	for (i = 0; i < 4; i++) {
		uoff_canary(m[i], len);
		ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
		if (i % 2)
			io_uring_prep_copy(sqe, self->ctx.fd, m[i], src, len, 0);
		else
			io_uring_prep_fill(sqe, self->ctx.fd, m[i], seed, len,
					   0);
		sqe->flags |= IOSQE_ASYNC;
		io_uring_sqe_set_data64(sqe, i);
		want[i] = len;
	}
	uoff_expect_cqes(_metadata, &self->ctx.ring, 4, 0, want);
	for (i = 0; i < 4; i++) {
		if (i % 2)
			ASSERT_MATCH(uoff_cmp_pattern(m[i], len, seed, 0),
				     "IOSQE_ASYNC copy %d", i);
		else
			ASSERT_MATCH(uoff_cmp_fill(m[i], len, seed),
				     "IOSQE_ASYNC fill %d", i);
		ASSERT_MATCH(uoff_cmp_guards(m[i], len),
			     "around IOSQE_ASYNC op %d", i);
	}
	for (i = 0; i < 4; i++)
		munmap(m[i] - UOFF_GUARD - i, slot);
	munmap(src, len);
}

/*
 * Rings set up the other ways applications use: an SQ polling thread
 * submits, task work runs deferred or cooperatively, big SQEs or CQEs.
 */
TEST_F(copy, ring_setups)
{
	static const struct {
		const char	*name;
		unsigned int	flags;
	} setups[] = {
		{ "SQPOLL", IORING_SETUP_SQPOLL },
		{ "COOP_TASKRUN", IORING_SETUP_COOP_TASKRUN },
		{ "DEFER_TASKRUN", IORING_SETUP_SINGLE_ISSUER |
				   IORING_SETUP_DEFER_TASKRUN },
		{ "SQE128", IORING_SETUP_SQE128 },
		{ "CQE32", IORING_SETUP_CQE32 },
	};
	static const unsigned int lens[] = {
		1, 4097, 65536, 256 * KiB + 5, MiB + 3,
	};
	const size_t slot = MiB + 3 + 2 * UOFF_GUARD + 64;
	const __u64 seed = 0x5e7;
	struct io_uring_sqe *sqe;
	int want[ARRAY_SIZE(lens)];
	struct uoff_ctx c;
	size_t k, i;
	char *src, *dst, *p;
	int ret;

	src = uoff_map(MiB + 16);
	dst = uoff_map(slot * ARRAY_SIZE(lens));
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	uoff_pattern_fill(src, MiB + 16, seed, 0);
	for (k = 0; k < ARRAY_SIZE(setups); k++) {
		ret = uoff_ctx_init(&c, 16, setups[k].flags);
		if (ret) {
			TH_LOG("no %s ring here (%s), not tested",
			       setups[k].name, strerror(-ret));
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(lens); i++) {
			p = dst + i * slot + UOFF_GUARD + i;
			uoff_canary(p, lens[i]);
			ASSERT_NE(NULL, sqe = uoff_sqe(&c.ring));
			io_uring_prep_copy(sqe, c.fd, p, src + k, lens[i], 0);
			io_uring_sqe_set_data64(sqe, i);
			want[i] = lens[i];
		}
		uoff_expect_cqes(_metadata, &c.ring, ARRAY_SIZE(lens), 0, want);
		for (i = 0; i < ARRAY_SIZE(lens); i++) {
			p = dst + i * slot + UOFF_GUARD + i;
			ASSERT_MATCH(uoff_cmp_pattern(p, lens[i], seed, k),
				     "%s ring, len %u", setups[k].name, lens[i]);
			ASSERT_MATCH(uoff_cmp_guards(p, lens[i]),
				     "around %s ring, len %u", setups[k].name,
				     lens[i]);
		}
		uoff_ctx_exit(&c);
	}
	munmap(src, MiB + 16);
	munmap(dst, slot * ARRAY_SIZE(lens));
}

/*
 * The variant's inline_threshold decides the path: GET_FEATURES reports
 * it, and the request shows up in the stats of that path only.
 */
TEST_F(copy, path_follows_inline_threshold)
{
	const unsigned int len = 64 * KiB;
	long long inl0 = 0, ring0 = 0, inl1 = 0, ring1 = 0;
	struct uoff_features feat;
	struct io_uring_sqe *sqe;
	char *src, *dst;
	int res;

	ASSERT_EQ(0, io_uring_offload_get_features(self->ctx.fd, &feat));
	ASSERT_EQ((__u32)variant->inline_threshold, feat.inline_threshold);

	src = uoff_map(len);
	dst = uoff_map(len);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	uoff_pattern_fill(src, len, 1, 0);
	ASSERT_EQ(0, uoff_stat_sum("inline_reqs", &inl0));
	ASSERT_EQ(0, uoff_stat_sum("ring_reqs", &ring0));
	ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
	io_uring_prep_copy(sqe, self->ctx.fd, dst, src, len, 0);
	res = uoff_complete1(_metadata, &self->ctx.ring, sqe);
	ASSERT_EQ((int)len, res);
	ASSERT_EQ(0, uoff_stat_sum("inline_reqs", &inl1));
	ASSERT_EQ(0, uoff_stat_sum("ring_reqs", &ring1));
	ASSERT_MATCH(uoff_cmp_pattern(dst, len, 1, 0), "64 KiB copy");
	if (variant->inline_threshold == UOFF_ALL_INLINE) {
		ASSERT_EQ(1, inl1 - inl0);
		ASSERT_EQ(0, ring1 - ring0);
	} else {
		ASSERT_EQ(0, inl1 - inl0);
		ASSERT_EQ(1, ring1 - ring0);
	}
	munmap(src, len);
	munmap(dst, len);
}

UOFF_TEST_MAIN
