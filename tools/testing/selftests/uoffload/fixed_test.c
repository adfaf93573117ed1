// SPDX-License-Identifier: GPL-2.0
/*
 * Registered buffers: UOFF_F_FIXED_DST and UOFF_F_FIXED_SRC put the
 * destination and the copy source in buffer sqe->buf_index (one buffer per
 * SQE, so "both" means two ranges of the same buffer), for COPY, FILL and
 * every BATCH descriptor.  A range outside the buffer is EFAULT; a FIXED
 * flag without IORING_URING_CMD_FIXED, or the reverse, is EINVAL.
 */
#include <sys/uio.h>

#include "uoff_test.h"

#define BUF0_SIZE	(4 * MiB)	/* huge-page backed: folio-sized pieces */
#define BUF1_SIZE	(64 * KiB)

FIXTURE(fixed) {
	struct uoff_ctx		ctx;
	struct uoff_param	threshold;
	char			*buf0, *buf1, *plain;
	void			*buf0_raw;
	size_t			buf0_raw_len;
};

FIXTURE_VARIANT(fixed) {
	unsigned long long	inline_threshold;
};

FIXTURE_VARIANT_ADD(fixed, inline) {
	.inline_threshold = UOFF_ALL_INLINE,
};

FIXTURE_VARIANT_ADD(fixed, ring) {
	.inline_threshold = UOFF_ALL_RING,
};

FIXTURE_SETUP(fixed)
{
	struct iovec iov[2];
	int ret;

	ret = uoff_ctx_init(&self->ctx, 64, 0);
	ASSERT_EQ(0, ret);
	self->buf0 = uoff_map_thp(BUF0_SIZE, &self->buf0_raw,
				  &self->buf0_raw_len);
	self->buf1 = uoff_map(BUF1_SIZE);
	self->plain = uoff_map(BUF0_SIZE);
	ASSERT_NE(NULL, self->buf0);
	ASSERT_NE(NULL, self->buf1);
	ASSERT_NE(NULL, self->plain);
	iov[0].iov_base = self->buf0;
	iov[0].iov_len = BUF0_SIZE;
	iov[1].iov_base = self->buf1;
	iov[1].iov_len = BUF1_SIZE;
	ret = io_uring_register_buffers(&self->ctx.ring, iov, 2);
	ASSERT_EQ(0, ret) {
		TH_LOG("io_uring_register_buffers: %s", strerror(-ret));
	}
	ret = uoff_param_override(&self->threshold, "inline_threshold",
				  variant->inline_threshold);
	if (ret)
		SKIP(return, "cannot set inline_threshold: %s", strerror(-ret));
}

FIXTURE_TEARDOWN_PARENT(fixed)
{
	uoff_param_restore(&self->threshold);
}

/* One fixed COPY or FILL (@src NULL: fill with @pattern); its result. */
static int fixed_op(struct __test_metadata *_metadata, struct uoff_ctx *ctx,
		    char *dst, const char *src, __u64 pattern, unsigned int len,
		    unsigned int flags, int buf_index)
{
	struct io_uring_sqe *sqe = uoff_sqe(&ctx->ring);

	ASSERT_NE(NULL, sqe);
	if (src)
		io_uring_prep_copy_fixed(sqe, ctx->fd, dst, src, len, flags,
					 buf_index);
	else
		io_uring_prep_fill_fixed(sqe, ctx->fd, dst, pattern, len,
					 flags, buf_index);
	return uoff_complete1(_metadata, &ctx->ring, sqe);
}

struct range {
	size_t		dst_off;
	size_t		src_off;
	unsigned int	len;
};

/* In-buffer ranges: edges of the buffer, page and huge page boundaries. */
static const struct range ranges[] = {
	{ UOFF_GUARD, 1, 1 },
	{ UOFF_GUARD + 3, 5, 4097 },
	{ 4096 - 7, 3 * 4096 - 1, 8200 },
	{ 2 * MiB - 4099, 2 * MiB - 4097, 8200 },
	{ UOFF_GUARD + 1, 2 * MiB + 7, MiB + 3 },
	{ BUF0_SIZE - UOFF_GUARD - 65536, 4096, 65536 },
};

TEST_F_TIMEOUT(fixed, copy_fixed_dst, 60)
{
	const __u64 seed = 0xf1d5;
	size_t i;
	int res;

	uoff_pattern_fill(self->plain, BUF0_SIZE, seed, 0);
	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		char *dst = self->buf0 + ranges[i].dst_off;
		unsigned int len = ranges[i].len;

		uoff_canary(dst, len);
		res = fixed_op(_metadata, &self->ctx, dst,
			       self->plain + ranges[i].src_off, 0, len,
			       UOFF_F_FIXED_DST, 0);
		ASSERT_EQ((int)len, res);
		ASSERT_MATCH(uoff_cmp_pattern(dst, len, seed,
					      ranges[i].src_off),
			     "range %zu", i);
		ASSERT_MATCH(uoff_cmp_guards(dst, len), "around range %zu", i);
	}
}

TEST_F_TIMEOUT(fixed, copy_fixed_src, 60)
{
	const __u64 seed = 0xf1d6;
	size_t i;
	int res;

	uoff_pattern_fill(self->buf0, BUF0_SIZE, seed, 0);
	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		char *dst = self->plain + ranges[i].dst_off;
		unsigned int len = ranges[i].len;

		uoff_canary(dst, len);
		res = fixed_op(_metadata, &self->ctx, dst,
			       self->buf0 + ranges[i].src_off, 0, len,
			       UOFF_F_FIXED_SRC, 0);
		ASSERT_EQ((int)len, res);
		ASSERT_MATCH(uoff_cmp_pattern(dst, len, seed,
					      ranges[i].src_off),
			     "range %zu", i);
		ASSERT_MATCH(uoff_cmp_guards(dst, len), "around range %zu", i);
	}
}

/* Source and destination both in buffer 0, in disjoint halves. */
TEST_F_TIMEOUT(fixed, copy_fixed_both, 60)
{
	const size_t half = BUF0_SIZE / 2;
	const __u64 seed = 0xf1d7;
	char *src = self->buf0, *dst;
	unsigned int len;
	int res;

	uoff_pattern_fill(src, half, seed, 0);
	dst = self->buf0 + half + UOFF_GUARD + 1;
	len = half - 2 * UOFF_GUARD - 8;
	uoff_canary(dst, len);
	res = fixed_op(_metadata, &self->ctx, dst, src + 3, 0, len,
		       UOFF_F_FIXED_DST | UOFF_F_FIXED_SRC, 0);
	ASSERT_EQ((int)len, res);
	ASSERT_MATCH(uoff_cmp_pattern(dst, len, seed, 3), "both fixed");
	ASSERT_MATCH(uoff_cmp_guards(dst, len), "around both fixed");
	ASSERT_MATCH(uoff_cmp_pattern(src, half, seed, 0), "fixed source");
}

TEST_F(fixed, fill_fixed_dst)
{
	const __u64 pattern = 0x1122334455667788ULL;
	size_t i;
	int res;

	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		char *dst = self->buf0 + ranges[i].dst_off;
		unsigned int len = ranges[i].len;

		uoff_canary(dst, len);
		res = fixed_op(_metadata, &self->ctx, dst, NULL, pattern, len,
			       UOFF_F_FIXED_DST, 0);
		ASSERT_EQ((int)len, res);
		ASSERT_MATCH(uoff_cmp_fill(dst, len, pattern), "range %zu", i);
		ASSERT_MATCH(uoff_cmp_guards(dst, len), "around range %zu", i);
	}
}

/* buf_index picks the buffer; the other buffer's range does not fit it. */
TEST_F(fixed, buffer_index)
{
	const __u64 seed = 0xb1d1;
	char *dst = self->buf1 + UOFF_GUARD + 2;
	const unsigned int len = 8192;
	int res;

	uoff_pattern_fill(self->plain, len, seed, 0);
	uoff_canary(dst, len);
	res = fixed_op(_metadata, &self->ctx, dst, self->plain, 0, len,
		       UOFF_F_FIXED_DST, 1);
	ASSERT_EQ((int)len, res);
	ASSERT_MATCH(uoff_cmp_pattern(dst, len, seed, 0), "buffer 1");
	ASSERT_MATCH(uoff_cmp_guards(dst, len), "around buffer 1");

	/* Buffer 1's address with buffer 0's index. */
	uoff_canary(dst, len);
	res = fixed_op(_metadata, &self->ctx, dst, self->plain, 0, len,
		       UOFF_F_FIXED_DST, 0);
	ASSERT_EQ(-EFAULT, res);
	ASSERT_MATCH(uoff_cmp_const(dst - UOFF_GUARD, len + 2 * UOFF_GUARD,
				    UOFF_CANARY), "buffer 1 via index 0");

	/* No buffer 2 at all. */
	res = fixed_op(_metadata, &self->ctx, dst, self->plain, 0, len,
		       UOFF_F_FIXED_DST, 2);
	ASSERT_EQ(-EFAULT, res);
	ASSERT_MATCH(uoff_cmp_const(dst - UOFF_GUARD, len + 2 * UOFF_GUARD,
				    UOFF_CANARY), "buffer index 2");
}

/* Ranges that start before, end after, or lie outside the buffer. */
TEST_F(fixed, out_of_range)
{
	const size_t sz = BUF1_SIZE;
	char *b = self->buf1;
	const struct {
		const char	*name;
		char		*dst;
		const char	*src;
		unsigned int	len;
		unsigned int	flags;
	} cases[] = {
		{ "dst starts 1 byte before", b - 1, self->plain, 8,
		  UOFF_F_FIXED_DST },
		{ "dst ends 1 byte after", b + sz - 7, self->plain, 8,
		  UOFF_F_FIXED_DST },
		{ "dst one past the end", b + sz, self->plain, 1,
		  UOFF_F_FIXED_DST },
		{ "dst not in the buffer", self->plain + 64, self->plain + 8192,
		  64, UOFF_F_FIXED_DST },
		{ "src starts 1 byte before", self->plain + 64, b - 1, 8,
		  UOFF_F_FIXED_SRC },
		{ "src ends 1 byte after", self->plain + 64, b + sz - 7, 8,
		  UOFF_F_FIXED_SRC },
		{ "fixed dst fine, src outside", b + 64, b + sz - 4, 8,
		  UOFF_F_FIXED_DST | UOFF_F_FIXED_SRC },
		{ "fill ends 1 byte after", b + sz - 100, NULL, 101,
		  UOFF_F_FIXED_DST },
	};
	size_t i;
	int res;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(b, UOFF_CANARY, sz);
		memset(self->plain, UOFF_CANARY, 3 * 4096);
		res = fixed_op(_metadata, &self->ctx, cases[i].dst,
			       cases[i].src, 0x42, cases[i].len,
			       cases[i].flags, 1);
		ASSERT_EQ(-EFAULT, res) {
			TH_LOG("%s", cases[i].name);
		}
		ASSERT_MATCH(uoff_cmp_const(b, sz, UOFF_CANARY),
			     "buffer after %s", cases[i].name);
		ASSERT_MATCH(uoff_cmp_const(self->plain, 3 * 4096, UOFF_CANARY),
			     "plain memory after %s", cases[i].name);
	}
}

/*
 * The UOFF_F_FIXED_* flags and IORING_URING_CMD_FIXED only come together:
 * either one alone is EINVAL, for COPY, FILL and BATCH.
 */
TEST_F(fixed, flag_mismatch)
{
	static const unsigned int uoff_flags[] = {
		UOFF_F_FIXED_DST, UOFF_F_FIXED_SRC,
		UOFF_F_FIXED_DST | UOFF_F_FIXED_SRC, 0,
	};
	char *dst = self->buf0 + UOFF_GUARD, *src = self->buf0 + MiB;
	struct io_uring_sqe *sqe;
	struct uoff_desc desc;
	size_t i, op;
	int res;

	io_uring_offload_desc_copy(&desc, dst, src, 512);
	memset(self->buf0, UOFF_CANARY, MiB);
	uoff_pattern_fill(src, MiB, 0xf1a9, 0);
	for (op = 0; op < 3; op++) {
		for (i = 0; i < ARRAY_SIZE(uoff_flags); i++) {
			ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
			if (op == 0)
				io_uring_prep_copy_fixed(sqe, self->ctx.fd, dst,
							 src, 512, uoff_flags[i],
							 0);
			else if (op == 1)
				io_uring_prep_fill_fixed(sqe, self->ctx.fd, dst,
							 7, 512, uoff_flags[i],
							 0);
			else
				io_uring_prep_offload_batch_fixed(sqe,
						self->ctx.fd, &desc, 1,
						uoff_flags[i], 0);
			/* Flip the SQE half of the pair. */
			sqe->uring_cmd_flags = uoff_flags[i] ?
					       0 : IORING_URING_CMD_FIXED;
			res = uoff_complete1(_metadata, &self->ctx.ring, sqe);
			ASSERT_EQ(-EINVAL, res) {
				TH_LOG("%s, flags 0x%x, uring_cmd_flags 0x%x",
				       op == 0 ? "copy" : op == 1 ? "fill" :
				       "batch", uoff_flags[i],
				       uoff_flags[i] ? 0 : IORING_URING_CMD_FIXED);
			}
			ASSERT_MATCH(uoff_cmp_const(self->buf0, MiB,
						    UOFF_CANARY),
				     "destination after flag mismatch");
		}
	}
}

/* FILL has no source, so UOFF_F_FIXED_SRC does not apply to it. */
TEST_F(fixed, fill_rejects_fixed_src)
{
	static const unsigned int flags[] = {
		UOFF_F_FIXED_SRC, UOFF_F_FIXED_SRC | UOFF_F_FIXED_DST,
	};
	char *dst = self->buf0 + UOFF_GUARD;
	size_t i;
	int res;

	memset(self->buf0, UOFF_CANARY, MiB);
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		res = fixed_op(_metadata, &self->ctx, dst, NULL, 0x42, 4096,
			       flags[i], 0);
		ASSERT_EQ(-EINVAL, res) {
			TH_LOG("fill with flags 0x%x", flags[i]);
		}
		ASSERT_MATCH(uoff_cmp_const(self->buf0, MiB, UOFF_CANARY),
			     "buffer after fill with flags 0x%x", flags[i]);
	}
}

/*
 * BATCH with FIXED_DST: every destination is in the buffer; with FIXED_SRC
 * as well, every copy source too.  One descriptor out of range fails the
 * batch with nothing written.
 */
TEST_F_TIMEOUT(fixed, batch_fixed, 60)
{
	const unsigned int nr = 24, slot = 64 * KiB;
	const __u64 seed = 0xba7f;
	struct uoff_desc descs[24];
	struct io_uring_sqe *sqe;
	unsigned int i, flags, pass;
	long long total;
	char *dst;
	int res;

	/* Copy sources: plain memory in pass 0, the buffer's top in pass 1. */
	uoff_pattern_fill(self->plain, slot, seed, 0);
	uoff_pattern_fill(self->buf0 + 3 * MiB, slot, seed, 0);
	for (pass = 0; pass < 2; pass++) {
		const char *src = pass ? self->buf0 + 3 * MiB : self->plain;

		flags = UOFF_F_FIXED_DST | (pass ? UOFF_F_FIXED_SRC : 0);
		memset(self->buf0, UOFF_CANARY, 3 * MiB);
		total = 0;
		for (i = 0; i < nr; i++) {
			unsigned int len = (i * 7919) % (slot - 2 * UOFF_GUARD - 8);

			dst = self->buf0 + i * slot + UOFF_GUARD + i % 8;
			if (i % 3)
				io_uring_offload_desc_copy(&descs[i], dst,
							   src + i % 5, len);
			else
				io_uring_offload_desc_fill(&descs[i], dst,
							   seed * i, len);
			total += len;
		}
		ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
		io_uring_prep_offload_batch_fixed(sqe, self->ctx.fd, descs, nr,
						  flags, 0);
		res = uoff_complete1(_metadata, &self->ctx.ring, sqe);
		ASSERT_EQ(total, res);
		for (i = 0; i < nr; i++) {
			dst = (char *)(uintptr_t)descs[i].dst;
			if (descs[i].op == UOFF_OP_COPY)
				ASSERT_MATCH(uoff_cmp_pattern(dst, descs[i].len,
							      seed, i % 5),
					     "pass %u descriptor %u", pass, i);
			else
				ASSERT_MATCH(uoff_cmp_fill(dst, descs[i].len,
							   descs[i].src),
					     "pass %u descriptor %u", pass, i);
			ASSERT_MATCH(uoff_cmp_guards(dst, descs[i].len),
				     "around pass %u descriptor %u", pass, i);
		}

		/* The last descriptor's destination leaves the buffer. */
		memset(self->buf0, UOFF_CANARY, 3 * MiB);
		descs[nr - 1].dst = (uintptr_t)self->buf0 + BUF0_SIZE - 16;
		descs[nr - 1].len = 32;
		ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
		io_uring_prep_offload_batch_fixed(sqe, self->ctx.fd, descs, nr,
						  flags, 0);
		res = uoff_complete1(_metadata, &self->ctx.ring, sqe);
		ASSERT_EQ(-EFAULT, res);
		ASSERT_MATCH(uoff_cmp_const(self->buf0, 3 * MiB, UOFF_CANARY),
			     "buffer after failed fixed batch, pass %u", pass);
		ASSERT_MATCH(uoff_cmp_const(self->buf0 + BUF0_SIZE - 16, 16, 0),
			     "buffer end after failed fixed batch, pass %u",
			     pass);
	}
}

/*
 * The device file registered with the ring (IOSQE_FIXED_FILE) serves
 * plain and registered-buffer ops alike.
 */
TEST_F(fixed, registered_device_file)
{
	const unsigned int len = 100 * KiB + 1;
	const __u64 seed = 0xf11e;
	struct io_uring_sqe *sqe;
	char *dst;
	int res, pass;

	ASSERT_EQ(0, io_uring_register_files(&self->ctx.ring, &self->ctx.fd,
					     1));
	uoff_pattern_fill(self->plain, len, seed, 0);
	for (pass = 0; pass < 2; pass++) {
		dst = (pass ? self->buf0 : self->plain + MiB) + UOFF_GUARD + 1;
		uoff_canary(dst, len);
		ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
		if (pass)
			io_uring_prep_copy_fixed(sqe, 0, dst, self->plain, len,
						 UOFF_F_FIXED_DST, 0);
		else
			io_uring_prep_copy(sqe, 0, dst, self->plain, len, 0);
		sqe->flags |= IOSQE_FIXED_FILE;
		res = uoff_complete1(_metadata, &self->ctx.ring, sqe);
		ASSERT_EQ((int)len, res) {
			TH_LOG("%s", pass ? "fixed buffer" : "plain");
		}
		ASSERT_MATCH(uoff_cmp_pattern(dst, len, seed, 0),
			     "copy through a registered file, pass %d", pass);
		ASSERT_MATCH(uoff_cmp_guards(dst, len),
			     "around copy through a registered file");
	}
}

UOFF_TEST_MAIN
