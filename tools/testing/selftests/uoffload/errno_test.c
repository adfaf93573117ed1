// SPDX-License-Identifier: GPL-2.0
/*
 * Every errno of <linux/uoffload.h> that user space can provoke, each
 * checked together with the rule that a failed request (other than
 * ECANCELED and EIO) has written nothing; and GET_FEATURES, through the
 * ioctl and through the ring.
 *
 * Not provoked here:
 *  - ENOMEM: needs an allocation failure; the stock kernel has no fault
 *    injection a test can aim at one request with.
 *  - EIO: needs an engine that fails; the CPU engine cannot.
 */
#include <pthread.h>
#include <sys/ioctl.h>

#include "uoff_test.h"

#define BUF_LEN		(64 * KiB)
#define OP_LEN		8192U

enum op { OP_COPY, OP_FILL, OP_BATCH, NR_OPS };
static const char *const op_names[NR_OPS] = { "copy", "fill", "batch" };

/*
 * @src holds a pattern, @dst and the pages next to the bad addresses hold
 * the canary; after any failure all of them must be as they were.
 */
struct bufs {
	char		*src;
	char		*dst;
	char		*hole;	/* unmapped, a canary page below */
	char		*rw_ro;	/* a canary page, then a read-only one */
	char		*none;	/* PROT_NONE */
	struct uoff_desc desc;	/* a valid copy from src to dst */
};

static void bufs_init(struct __test_metadata *_metadata, struct bufs *b)
{
	b->src = uoff_map(BUF_LEN);
	b->dst = uoff_map(BUF_LEN + 2 * UOFF_GUARD);
	b->hole = uoff_hole();
	b->rw_ro = uoff_map(2 * UOFF_PAGE_SIZE);
	b->none = uoff_map(UOFF_PAGE_SIZE);
	ASSERT_NE(NULL, b->src);
	ASSERT_NE(NULL, b->dst);
	ASSERT_NE(NULL, b->hole);
	ASSERT_NE(NULL, b->rw_ro);
	ASSERT_NE(NULL, b->none);
	uoff_pattern_fill(b->src, BUF_LEN, 0xe220, 0);
	memset(b->dst, UOFF_CANARY, BUF_LEN + 2 * UOFF_GUARD);
	memset(b->hole - UOFF_PAGE_SIZE, UOFF_CANARY, UOFF_PAGE_SIZE);
	memset(b->rw_ro, UOFF_CANARY, 2 * UOFF_PAGE_SIZE);
	ASSERT_EQ(0, mprotect(b->rw_ro + UOFF_PAGE_SIZE, UOFF_PAGE_SIZE,
			      PROT_READ));
	ASSERT_EQ(0, mprotect(b->none, UOFF_PAGE_SIZE, PROT_NONE));
	io_uring_offload_desc_copy(&b->desc, b->dst + UOFF_GUARD, b->src,
				   OP_LEN);
}

static void bufs_check_untouched(struct __test_metadata *_metadata,
				 const struct bufs *b, const char *what)
{
	ASSERT_MATCH(uoff_cmp_const(b->dst, BUF_LEN + 2 * UOFF_GUARD,
				    UOFF_CANARY), "destination after %s", what);
	ASSERT_MATCH(uoff_cmp_pattern(b->src, BUF_LEN, 0xe220, 0),
		     "source after %s", what);
	ASSERT_MATCH(uoff_cmp_const(b->hole - UOFF_PAGE_SIZE, UOFF_PAGE_SIZE,
				    UOFF_CANARY), "page below hole after %s",
		     what);
	ASSERT_MATCH(uoff_cmp_const(b->rw_ro, 2 * UOFF_PAGE_SIZE, UOFF_CANARY),
		     "read-write/read-only pages after %s", what);
}

/* A valid COPY, FILL or BATCH from b->src into b->dst, for tests to spoil. */
static struct io_uring_sqe *prep_valid(struct uoff_ctx *ctx, struct bufs *b,
				       enum op op)
{
	struct io_uring_sqe *sqe = uoff_sqe(&ctx->ring);

	if (!sqe)
		return NULL;
	if (op == OP_COPY)
		io_uring_prep_copy(sqe, ctx->fd, b->dst + UOFF_GUARD, b->src,
				   OP_LEN, 0);
	else if (op == OP_FILL)
		io_uring_prep_fill(sqe, ctx->fd, b->dst + UOFF_GUARD,
				   0x0123456789abcdefULL, OP_LEN, 0);
	else
		io_uring_prep_offload_batch(sqe, ctx->fd, &b->desc, 1, 0);
	return sqe;
}

FIXTURE(bad_input) {
	struct uoff_ctx		ctx;
	struct uoff_param	threshold;
	struct bufs		b;
};

FIXTURE_VARIANT(bad_input) {
	unsigned long long	inline_threshold;
};

FIXTURE_VARIANT_ADD(bad_input, inline) {
	.inline_threshold = UOFF_ALL_INLINE,
};

FIXTURE_VARIANT_ADD(bad_input, ring) {
	.inline_threshold = UOFF_ALL_RING,
};

FIXTURE_SETUP(bad_input)
{
	bufs_init(_metadata, &self->b);
	uoff_fixture_open(_metadata, &self->ctx, &self->threshold,
			  variant->inline_threshold, 64);
}

FIXTURE_TEARDOWN_PARENT(bad_input)
{
	uoff_param_restore(&self->threshold);
}

/*
 * Runs @sqe, made by prep_valid() and perhaps changed in ways that must not
 * matter, and checks that it did its job; then resets the destination.
 */
static void expect_valid(struct __test_metadata *_metadata,
			 struct uoff_ctx *ctx, struct bufs *b,
			 struct io_uring_sqe *sqe, enum op op, const char *what)
{
	char *dst = b->dst + UOFF_GUARD;
	int res = uoff_complete1(_metadata, &ctx->ring, sqe);

	ASSERT_EQ((int)OP_LEN, res) {
		TH_LOG("%s", what);
	}
	if (op == OP_FILL)
		ASSERT_MATCH(uoff_cmp_fill(dst, OP_LEN, 0x0123456789abcdefULL),
			     "%s", what);
	else
		ASSERT_MATCH(uoff_cmp_pattern(dst, OP_LEN, 0xe220, 0), "%s",
			     what);
	ASSERT_MATCH(uoff_cmp_guards(dst, OP_LEN), "around %s", what);
	memset(b->dst, UOFF_CANARY, BUF_LEN + 2 * UOFF_GUARD);
}

/* The valid requests the others spoil do work, on either path. */
TEST_F(bad_input, valid_requests_work)
{
	struct io_uring_sqe *sqe;
	int op;

	for (op = 0; op < NR_OPS; op++) {
		ASSERT_NE(NULL, sqe = prep_valid(&self->ctx, &self->b, op));
		expect_valid(_metadata, &self->ctx, &self->b, sqe, op,
			     op_names[op]);
	}
}

/* ---------------------------------------------------------------- */
/* GET_FEATURES                                                      */

TEST_F(bad_input, features_ioctl_and_ring_agree)
{
	struct uoff_features by_ioctl, by_ring;
	unsigned long long param = 0;
	struct io_uring_sqe *sqe;
	size_t i;
	int res;

	memset(&by_ioctl, 0xee, sizeof(by_ioctl));
	ASSERT_EQ(0, ioctl(self->ctx.fd, UOFF_CMD_GET_FEATURES, &by_ioctl));
	memset(&by_ring, 0xee, sizeof(by_ring));
	ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
	io_uring_prep_offload_features(sqe, self->ctx.fd, &by_ring,
				       sizeof(by_ring));
	res = uoff_complete1(_metadata, &self->ctx.ring, sqe);
	ASSERT_EQ((int)sizeof(by_ring), res);
	ASSERT_MATCH(uoff_cmp_bytes(&by_ring, &by_ioctl, sizeof(by_ring)),
		     "GET_FEATURES by ring vs by ioctl");

	ASSERT_EQ((__u32)UOFF_ABI_VERSION, by_ioctl.abi_version);
	ASSERT_EQ(sizeof(struct uoff_features), by_ioctl.size);
	ASSERT_EQ(1ULL << UOFF_OP_COPY, by_ioctl.ops & (1ULL << UOFF_OP_COPY));
	ASSERT_EQ(1ULL << UOFF_OP_FILL, by_ioctl.ops & (1ULL << UOFF_OP_FILL));
	ASSERT_EQ(1ULL << UOFF_OP_BATCH,
		  by_ioctl.ops & (1ULL << UOFF_OP_BATCH));
	ASSERT_EQ((__u64)UOFF_F_ALL, by_ioctl.flags & UOFF_F_ALL);
	ASSERT_EQ(UOFF_ENGINE_CPU, by_ioctl.engines & UOFF_ENGINE_CPU);
	ASSERT_LT(0U, by_ioctl.max_op_len);
	/* A BATCH may total max_op_len, which cqe->res must hold. */
	ASSERT_GE((__u32)INT_MAX, by_ioctl.max_op_len);
	ASSERT_LT(0U, by_ioctl.max_batch);
	ASSERT_LT(0U, by_ioctl.max_inflight_ops);
	ASSERT_LT(0U, by_ioctl.nr_channels);
	for (i = 0; i < ARRAY_SIZE(by_ioctl.reserved); i++)
		ASSERT_EQ(0ULL, by_ioctl.reserved[i]);

	/* The limits are the module parameters. */
	ASSERT_EQ(0, uoff_param_get("inline_threshold", &param));
	ASSERT_EQ(param, by_ioctl.inline_threshold);
	ASSERT_EQ((__u32)variant->inline_threshold, by_ioctl.inline_threshold);
	ASSERT_EQ(0, uoff_param_get("max_inflight_ops", &param));
	ASSERT_EQ(param, by_ioctl.max_inflight_ops);
	ASSERT_EQ(0, uoff_param_get("max_inflight_bytes", &param));
	ASSERT_EQ(param, by_ioctl.max_inflight_bytes);
}

/*
 * A shorter buffer gets a prefix of the structure and nothing past it;
 * a longer one gets the whole structure, and the result says how much.
 */
TEST_F(bad_input, features_prefix)
{
	static const unsigned int sizes[] = {
		8, 12, 16, 24, 40, 63, sizeof(struct uoff_features),
		sizeof(struct uoff_features) + 64,
	};
	const size_t room = sizeof(struct uoff_features) + 128;
	struct io_uring_sqe *sqe;
	struct uoff_features full;
	unsigned char *buf;
	unsigned int want;
	size_t i;
	int res;

	ASSERT_EQ(0, io_uring_offload_get_features(self->ctx.fd, &full));
	buf = uoff_map(room);
	ASSERT_NE(NULL, buf);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		want = sizes[i] < full.size ? sizes[i] : full.size;
		memset(buf, 0xee, room);
		ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
		io_uring_prep_offload_features(sqe, self->ctx.fd,
					       (struct uoff_features *)buf,
					       sizes[i]);
		res = uoff_complete1(_metadata, &self->ctx.ring, sqe);
		ASSERT_EQ((int)want, res) {
			TH_LOG("buffer of %u bytes", sizes[i]);
		}
		ASSERT_MATCH(uoff_cmp_bytes(buf, &full, want),
			     "prefix of %u bytes", sizes[i]);
		ASSERT_MATCH(uoff_cmp_const(buf + want, room - want, 0xee),
			     "past the prefix of %u bytes", sizes[i]);
	}
	munmap(buf, room);
}

TEST_F(bad_input, features_too_small)
{
	static const unsigned int sizes[] = { 0, 1, 4, 7 };
	struct io_uring_sqe *sqe;
	unsigned char buf[64];
	size_t i;
	int res;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(buf, 0xee, sizeof(buf));
		ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
		io_uring_prep_offload_features(sqe, self->ctx.fd,
					       (struct uoff_features *)buf,
					       sizes[i]);
		res = uoff_complete1(_metadata, &self->ctx.ring, sqe);
		ASSERT_EQ(-EINVAL, res) {
			TH_LOG("buffer of %u bytes", sizes[i]);
		}
		ASSERT_MATCH(uoff_cmp_const(buf, sizeof(buf), 0xee),
			     "buffer of %u bytes", sizes[i]);
	}
}

TEST_F(bad_input, features_bad_buffer)
{
	char *bad[] = {
		NULL, self->b.hole, self->b.rw_ro + UOFF_PAGE_SIZE,
		self->b.none, self->b.rw_ro + UOFF_PAGE_SIZE - 8,
	};
	struct io_uring_sqe *sqe;
	size_t i;
	int res;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
		io_uring_prep_offload_features(sqe, self->ctx.fd,
					       (struct uoff_features *)bad[i],
					       sizeof(struct uoff_features));
		res = uoff_complete1(_metadata, &self->ctx.ring, sqe);
		ASSERT_EQ(-EFAULT, res) {
			TH_LOG("features buffer %zu", i);
		}
		bufs_check_untouched(_metadata, &self->b, "bad features buffer");
	}
	/* The ioctl too. */
	ASSERT_EQ(-1, ioctl(self->ctx.fd, UOFF_CMD_GET_FEATURES, self->b.hole));
	ASSERT_EQ(EFAULT, errno);
}

/* ---------------------------------------------------------------- */
/* EINVAL                                                            */

/* Runs @sqe, which must end with @err (or 0) and write nothing. */
static void expect_refused(struct __test_metadata *_metadata,
			   struct uoff_ctx *ctx, struct bufs *b,
			   struct io_uring_sqe *sqe, int err, const char *what)
{
	int res = uoff_complete1(_metadata, &ctx->ring, sqe);

	ASSERT_EQ(err, res) {
		TH_LOG("%s", what);
	}
	bufs_check_untouched(_metadata, b, what);
}

TEST_F(bad_input, unknown_flags)
{
	static const unsigned int bad[] = {
		1U << 3, 1U << 16, 1U << 31, ~UOFF_F_ALL,
	};
	struct io_uring_sqe *sqe;
	char what[64];
	size_t i;
	int op;

	for (op = 0; op < NR_OPS; op++) {
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			ASSERT_NE(NULL, sqe = prep_valid(&self->ctx, &self->b,
							 op));
			uoff_sqe_cmd(sqe)->flags = bad[i];
			snprintf(what, sizeof(what), "%s flags 0x%x",
				 op_names[op], bad[i]);
			expect_refused(_metadata, &self->ctx, &self->b, sqe,
				       -EINVAL, what);
		}
	}
}

TEST_F(bad_input, reserved_fields)
{
	struct io_uring_sqe *sqe;
	char what[64];
	int op, field;

	for (op = 0; op < NR_OPS; op++) {
		for (field = 0; field < 5; field++) {
			ASSERT_NE(NULL, sqe = prep_valid(&self->ctx, &self->b,
							 op));
			switch (field) {
			case 0:
				uoff_sqe_cmd(sqe)->reserved = 1;
				break;
			case 1:
				uoff_sqe_cmd(sqe)->reserved = 1U << 31;
				break;
			case 2:
				sqe->ioprio = 1;
				break;
			case 3:
				sqe->file_index = 1;
				break;
			case 4:
				/* Only an SQE with a FIXED flag names a buffer. */
				sqe->buf_index = 1;
				break;
			}
			snprintf(what, sizeof(what), "%s with %s", op_names[op],
				 field < 2 ? "uoff_cmd.reserved" :
				 field == 2 ? "sqe->ioprio" :
				 field == 3 ? "sqe->file_index" :
				 "sqe->buf_index");
			expect_refused(_metadata, &self->ctx, &self->b, sqe,
				       -EINVAL, what);
		}
	}

	/* GET_FEATURES: the same reserved field, a zero src, no flags. */
	for (field = 0; field < 4; field++) {
		struct uoff_features feat;

		memset(&feat, 0xee, sizeof(feat));
		ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
		io_uring_prep_offload_features(sqe, self->ctx.fd, &feat,
					       sizeof(feat));
		if (field == 0)
			uoff_sqe_cmd(sqe)->reserved = 1;
		else if (field == 1)
			uoff_sqe_cmd(sqe)->src = 1;
		else if (field == 2)
			uoff_sqe_cmd(sqe)->flags = UOFF_F_NOWAIT;
		else
			uoff_sqe_cmd(sqe)->flags = 1U << 3;
		ASSERT_EQ(-EINVAL, uoff_complete1(_metadata, &self->ctx.ring,
						  sqe)) {
			TH_LOG("GET_FEATURES with %s", field == 0 ? "reserved" :
			       field == 1 ? "src" : "flags");
		}
		ASSERT_MATCH(uoff_cmp_const(&feat, sizeof(feat), 0xee),
			     "features after refused GET_FEATURES");
	}
}

/* uoff_cmd.src is 0 for BATCH, like a reserved field. */
TEST_F(bad_input, batch_src_nonzero)
{
	struct io_uring_sqe *sqe;

	ASSERT_NE(NULL, sqe = prep_valid(&self->ctx, &self->b, OP_BATCH));
	uoff_sqe_cmd(sqe)->src = (uintptr_t)self->b.src;
	expect_refused(_metadata, &self->ctx, &self->b, sqe, -EINVAL,
		       "batch with uoff_cmd.src");
}

/*
 * On an SQE128 ring the 64 payload bytes past struct uoff_cmd are ignored:
 * whatever they hold, the op does exactly its job.
 */
TEST_F(bad_input, sqe128_extra_payload_ignored)
{
	struct io_uring_sqe *sqe;
	struct uoff_ctx big;
	unsigned char *extra;
	char what[64];
	int op, ret, fill;

	ret = uoff_ctx_init(&big, 8, IORING_SETUP_SQE128);
	if (ret)
		SKIP(return, "no SQE128 ring: %s", strerror(-ret));

	for (op = 0; op < NR_OPS; op++) {
		for (fill = 0; fill < 3; fill++) {
			ASSERT_NE(NULL, sqe = prep_valid(&big, &self->b, op));
			extra = (unsigned char *)uoff_sqe_cmd(sqe) +
				sizeof(struct uoff_cmd);
			if (fill == 1)
				memset(extra, 0xff, 64);
			else if (fill == 2)
				uoff_pattern_fill(extra, 64, op, 0);
			snprintf(what, sizeof(what), "%s on an SQE128 ring, %s",
				 op_names[op], fill == 0 ? "zero payload" :
				 fill == 1 ? "payload 0xff" : "random payload");
			expect_valid(_metadata, &big, &self->b, sqe, op, what);
		}
	}
	uoff_ctx_exit(&big);
}

/* ---------------------------------------------------------------- */
/* EFAULT                                                            */

#define KERNEL_ADDR	((char *)0xffff888000000000ULL)
#define WRAP_ADDR	((char *)-UOFF_PAGE_SIZE)

TEST_F(bad_input, efault_source)
{
	const struct {
		const char	*name;
		const char	*src;
		unsigned int	len;
	} cases[] = {
		{ "NULL", NULL, OP_LEN },
		{ "unmapped", self->b.hole, OP_LEN },
		{ "mapped, then unmapped", self->b.hole - 100, 100 + 4096 },
		{ "PROT_NONE", self->b.none, 100 },
		{ "wrapping", WRAP_ADDR, 2 * UOFF_PAGE_SIZE },
		{ "kernel address", KERNEL_ADDR, OP_LEN },
	};
	/* As a COPY source and as a BATCH copy descriptor's source. */
	static const enum op ops[] = { OP_COPY, OP_BATCH };
	struct io_uring_sqe *sqe;
	char what[64];
	size_t i, k;
	enum op op;

	for (k = 0; k < ARRAY_SIZE(ops); k++) {
		op = ops[k];
		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			ASSERT_NE(NULL, sqe = prep_valid(&self->ctx, &self->b,
							 op));
			if (op == OP_COPY) {
				uoff_sqe_cmd(sqe)->src = (uintptr_t)cases[i].src;
				sqe->len = cases[i].len;
			} else {
				self->b.desc.src = (uintptr_t)cases[i].src;
				self->b.desc.len = cases[i].len;
			}
			snprintf(what, sizeof(what), "%s from %s source",
				 op_names[op], cases[i].name);
			expect_refused(_metadata, &self->ctx, &self->b, sqe,
				       -EFAULT, what);
		}
	}
}

TEST_F(bad_input, efault_destination)
{
	const struct {
		const char	*name;
		char		*dst;
		unsigned int	len;
	} cases[] = {
		{ "NULL", NULL, OP_LEN },
		{ "unmapped", self->b.hole, OP_LEN },
		{ "mapped, then unmapped", self->b.hole - 100, 100 + 4096 },
		{ "read-only", self->b.rw_ro + UOFF_PAGE_SIZE, 100 },
		{ "writable, then read-only",
		  self->b.rw_ro + UOFF_PAGE_SIZE - 100, 100 + 4096 },
		{ "PROT_NONE", self->b.none, 100 },
		{ "wrapping", WRAP_ADDR, 2 * UOFF_PAGE_SIZE },
		{ "kernel address", KERNEL_ADDR, OP_LEN },
	};
	struct io_uring_sqe *sqe;
	char what[64];
	size_t i;
	int op;

	for (op = 0; op < NR_OPS; op++) {
		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			ASSERT_NE(NULL, sqe = prep_valid(&self->ctx, &self->b,
							 op));
			if (op == OP_BATCH) {
				self->b.desc.dst = (uintptr_t)cases[i].dst;
				self->b.desc.len = cases[i].len;
			} else {
				sqe->addr = (uintptr_t)cases[i].dst;
				sqe->len = cases[i].len;
			}
			snprintf(what, sizeof(what), "%s to %s destination",
				 op_names[op], cases[i].name);
			expect_refused(_metadata, &self->ctx, &self->b, sqe,
				       -EFAULT, what);
		}
	}
}

/*
 * Zero bytes need no memory: a COPY or FILL of length 0 and a BATCH of no
 * descriptors complete with 0 whatever their addresses.
 */
TEST_F(bad_input, zero_length_touches_nothing)
{
	char *bad[] = { NULL, self->b.hole, self->b.rw_ro + UOFF_PAGE_SIZE };
	struct io_uring_sqe *sqe;
	char what[64];
	size_t i;
	int op;

	for (op = 0; op < NR_OPS; op++) {
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			ASSERT_NE(NULL, sqe = prep_valid(&self->ctx, &self->b,
							 op));
			sqe->addr = (uintptr_t)bad[i];
			sqe->len = 0;
			if (op == OP_COPY)
				uoff_sqe_cmd(sqe)->src = (uintptr_t)bad[2 - i];
			snprintf(what, sizeof(what), "%s of 0 at address %zu",
				 op_names[op], i);
			expect_refused(_metadata, &self->ctx, &self->b, sqe, 0,
				       what);
		}
	}
}

/* ---------------------------------------------------------------- */
/* E2BIG, EOPNOTSUPP                                                 */

/*
 * Lengths above max_op_len.  Both ranges are address space that costs
 * nothing until touched, so only the length is wrong with them.
 */
TEST_F(bad_input, e2big_length)
{
	const size_t span = 4 * GiB;
	const unsigned int lens[] = {
		self->ctx.feat.max_op_len + 1, 0xffffffffU,
	};
	struct io_uring_sqe *sqe;
	char *src, *dst;
	size_t i;
	int op, res;

	ASSERT_GT(0xffffffffU, self->ctx.feat.max_op_len);
	src = uoff_reserve(span);
	dst = uoff_reserve(span);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	memset(dst, UOFF_CANARY, UOFF_PAGE_SIZE);
	for (op = OP_COPY; op <= OP_FILL; op++) {
		for (i = 0; i < ARRAY_SIZE(lens); i++) {
			ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
			if (op == OP_COPY)
				io_uring_prep_copy(sqe, self->ctx.fd, dst, src,
						   lens[i], 0);
			else
				io_uring_prep_fill(sqe, self->ctx.fd, dst, 1,
						   lens[i], 0);
			res = uoff_complete1(_metadata, &self->ctx.ring, sqe);
			ASSERT_EQ(-E2BIG, res) {
				TH_LOG("%s of %u bytes", op_names[op], lens[i]);
			}
			ASSERT_MATCH(uoff_cmp_const(dst, UOFF_PAGE_SIZE,
						    UOFF_CANARY),
				     "%s of %u bytes", op_names[op], lens[i]);
			ASSERT_EQ(0, dst[lens[i] - 1]);
		}
	}
	munmap(src, span);
	munmap(dst, span);
}

TEST_F(bad_input, unknown_cmd_op)
{
	const struct {
		const char	*name;
		__u32		cmd_op;
	} cases[] = {
		{ "uoffload nr 0x06", _IOW(UOFF_IOC_MAGIC, 0x06, struct uoff_cmd) },
		{ "uoffload nr 0xff", _IOW(UOFF_IOC_MAGIC, 0xff, struct uoff_cmd) },
		{ "COPY's nr, _IOWR", _IOWR(UOFF_IOC_MAGIC, 0x01, struct uoff_cmd) },
		{ "foreign magic", _IOW('u', 0x01, struct uoff_cmd) },
		{ "zero", 0 },
		{ "all ones", 0xffffffffU },
	};
	struct io_uring_sqe *sqe;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ASSERT_NE(NULL, sqe = prep_valid(&self->ctx, &self->b, OP_COPY));
		sqe->cmd_op = cases[i].cmd_op;
		expect_refused(_metadata, &self->ctx, &self->b, sqe,
			       -EOPNOTSUPP, cases[i].name);
	}
}

/*
 * The module matches type, number and direction of cmd_op, not its size
 * field, so codes built against a smaller or larger struct still work.
 */
TEST_F(bad_input, cmd_op_size_field_ignored)
{
	static const unsigned int sizes[] = { 0, 8, 24, _IOC_SIZEMASK };
	static const __u32 codes[NR_OPS] = {
		UOFF_CMD_COPY, UOFF_CMD_FILL, UOFF_CMD_BATCH,
	};
	struct io_uring_sqe *sqe;
	struct uoff_features feat;
	char what[64];
	size_t i;
	int op;

	for (op = 0; op < NR_OPS; op++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			ASSERT_NE(NULL, sqe = prep_valid(&self->ctx, &self->b,
							 op));
			sqe->cmd_op = _IOC(_IOC_DIR(codes[op]), UOFF_IOC_MAGIC,
					   _IOC_NR(codes[op]), sizes[i]);
			snprintf(what, sizeof(what), "%s with size field %u",
				 op_names[op], sizes[i]);
			expect_valid(_metadata, &self->ctx, &self->b, sqe, op,
				     what);
		}
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(&feat, 0xee, sizeof(feat));
		ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
		io_uring_prep_offload_features(sqe, self->ctx.fd, &feat,
					       sizeof(feat));
		sqe->cmd_op = _IOC(_IOC_READ, UOFF_IOC_MAGIC,
				   _IOC_NR(UOFF_CMD_GET_FEATURES), sizes[i]);
		ASSERT_EQ((int)sizeof(feat),
			  uoff_complete1(_metadata, &self->ctx.ring, sqe));
		ASSERT_EQ((__u32)UOFF_ABI_VERSION, feat.abi_version);
	}
}

/*
 * The ioctl fills _IOC_SIZE(request) bytes: a prefix of the structure,
 * zeroes past what the module knows, nothing beyond; under 8 is EINVAL.
 */
TEST_F(bad_input, features_ioctl_sizes)
{
	static const unsigned int sizes[] = {
		8, 12, 16, 40, sizeof(struct uoff_features),
		sizeof(struct uoff_features) + 40, _IOC_SIZEMASK,
	};
	static const unsigned int too_small[] = { 0, 1, 4, 7 };
	const size_t room = _IOC_SIZEMASK + 64;
	struct uoff_features full;
	unsigned int known;
	unsigned char *buf;
	size_t i;

	ASSERT_EQ(0, io_uring_offload_get_features(self->ctx.fd, &full));
	buf = uoff_map(room);
	ASSERT_NE(NULL, buf);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(buf, 0xee, room);
		ASSERT_EQ(0, ioctl(self->ctx.fd, _IOC(_IOC_READ, UOFF_IOC_MAGIC,
				   _IOC_NR(UOFF_CMD_GET_FEATURES), sizes[i]),
				   buf)) {
			TH_LOG("size %u: %s", sizes[i], strerror(errno));
		}
		known = sizes[i] < full.size ? sizes[i] : full.size;
		ASSERT_MATCH(uoff_cmp_bytes(buf, &full, known),
			     "ioctl prefix of %u bytes", sizes[i]);
		ASSERT_MATCH(uoff_cmp_const(buf + known, sizes[i] - known, 0),
			     "zeroes past the known fields, size %u",
			     sizes[i]);
		ASSERT_MATCH(uoff_cmp_const(buf + sizes[i], room - sizes[i],
					    0xee),
			     "past an ioctl of %u bytes", sizes[i]);
	}
	for (i = 0; i < ARRAY_SIZE(too_small); i++) {
		memset(buf, 0xee, 64);
		ASSERT_EQ(-1, ioctl(self->ctx.fd, _IOC(_IOC_READ,
				    UOFF_IOC_MAGIC,
				    _IOC_NR(UOFF_CMD_GET_FEATURES),
				    too_small[i]), buf));
		ASSERT_EQ(EINVAL, errno) {
			TH_LOG("ioctl of %u bytes", too_small[i]);
		}
		ASSERT_MATCH(uoff_cmp_const(buf, 64, 0xee),
			     "after an ioctl of %u bytes", too_small[i]);
	}
	munmap(buf, room);
}

/* ---------------------------------------------------------------- */
/* In-flight limits: EAGAIN, ECANCELED                               */

#define BIG_LEN		(64 * MiB)
#define SMALL_LEN	(64 * KiB)

/* The module parameters, as indices into FIXTURE(limits).params. */
enum { P_THRESHOLD, P_OPS, P_BYTES, P_SYS_OPS, P_SYS_BYTES, NR_PARAMS };
static const char *const param_names[NR_PARAMS] = {
	"inline_threshold", "max_inflight_ops", "max_inflight_bytes",
	"max_system_inflight_ops", "max_system_inflight_bytes",
};

FIXTURE(limits) {
	struct uoff_ctx		ctx;
	struct uoff_param	params[NR_PARAMS];
	char			*big_src, *big_dst;
	struct bufs		b;
};

FIXTURE_SETUP(limits)
{
	bufs_init(_metadata, &self->b);
	self->big_src = uoff_map(BIG_LEN);
	self->big_dst = uoff_map(BIG_LEN);
	ASSERT_NE(NULL, self->big_src);
	ASSERT_NE(NULL, self->big_dst);
	uoff_pattern_fill(self->big_src, BIG_LEN, 0xb16, 0);
	/* Everything through the rings, where ops stay in flight. */
	uoff_fixture_open(_metadata, &self->ctx, &self->params[P_THRESHOLD],
			  UOFF_ALL_RING, 64);
}

FIXTURE_TEARDOWN_PARENT(limits)
{
	int i;

	/* In reverse, so each goes back to what it was before the next. */
	for (i = NR_PARAMS - 1; i >= 0; i--)
		uoff_param_restore(&self->params[i]);
}

static void limits_set(struct __test_metadata *_metadata,
		       FIXTURE_DATA(limits) *self, int param,
		       unsigned long long val)
{
	int ret = uoff_param_override(&self->params[param],
				      param_names[param], val);

	ASSERT_EQ(0, ret) {
		TH_LOG("setting %s to %llu: %s", param_names[param], val,
		       strerror(-ret));
	}
}

/* Queues the 64 MiB copy that keeps the in-flight limit busy. */
static void queue_big(struct __test_metadata *_metadata,
		      FIXTURE_DATA(limits) *self, __u64 ud)
{
	struct io_uring_sqe *sqe = uoff_sqe(&self->ctx.ring);

	ASSERT_NE(NULL, sqe);
	memset(self->big_dst, 0, BIG_LEN);
	io_uring_prep_copy(sqe, self->ctx.fd, self->big_dst, self->big_src,
			   BIG_LEN, 0);
	io_uring_sqe_set_data64(sqe, ud);
}

static void check_big(struct __test_metadata *_metadata,
		      FIXTURE_DATA(limits) *self, int res)
{
	ASSERT_EQ((int)BIG_LEN, res);
	ASSERT_MATCH(uoff_cmp_pattern(self->big_dst, BIG_LEN, 0xb16, 0),
		     "the big copy");
}

/* Queues a SMALL_LEN copy from b.src to b.dst on file @fd. */
static void queue_small(struct __test_metadata *_metadata,
			FIXTURE_DATA(limits) *self, int fd, unsigned int flags,
			__u64 ud)
{
	struct io_uring_sqe *sqe = uoff_sqe(&self->ctx.ring);

	ASSERT_NE(NULL, sqe);
	io_uring_prep_copy(sqe, fd, self->b.dst + UOFF_GUARD,
			   self->b.src, SMALL_LEN, flags);
	io_uring_sqe_set_data64(sqe, ud);
}

/*
 * A big op and a NOWAIT op in one submission, with room for only the
 * first: the second fails with EAGAIN at once and writes nothing, the
 * first completes.  Retried if the big op was somehow done before the
 * NOWAIT op was issued.
 */
static void expect_nowait_refused(struct __test_metadata *_metadata,
				  FIXTURE_DATA(limits) *self, int small_fd)
{
	struct uoff_cqe_rec recs[2];
	int attempt, big_res = 0, small_res = 0;

	for (attempt = 0; attempt < 3; attempt++) {
		queue_big(_metadata, self, 1);
		queue_small(_metadata, self, small_fd, UOFF_F_NOWAIT, 2);
		ASSERT_EQ(0, uoff_submit_reap(&self->ctx.ring, 2, recs));
		ASSERT_NE(recs[0].user_data, recs[1].user_data);
		big_res = recs[recs[0].user_data == 1 ? 0 : 1].res;
		small_res = recs[recs[0].user_data == 2 ? 0 : 1].res;
		check_big(_metadata, self, big_res);
		if (small_res != SMALL_LEN || recs[0].user_data != 1)
			break;
		TH_LOG("big op finished before the NOWAIT one was issued");
		memset(self->b.dst, UOFF_CANARY, BUF_LEN + 2 * UOFF_GUARD);
	}
	ASSERT_EQ(-EAGAIN, small_res);
	bufs_check_untouched(_metadata, &self->b, "EAGAIN");
}

TEST_F_TIMEOUT(limits, eagain_max_inflight_ops, 120)
{
	limits_set(_metadata, self, P_OPS, 1);
	expect_nowait_refused(_metadata, self, self->ctx.fd);
}

TEST_F_TIMEOUT(limits, eagain_max_inflight_bytes, 120)
{
	limits_set(_metadata, self, P_BYTES, BIG_LEN);
	expect_nowait_refused(_metadata, self, self->ctx.fd);
}

/* The system-wide limits count every file: the NOWAIT op uses another. */
TEST_F_TIMEOUT(limits, eagain_max_system_inflight_ops, 120)
{
	int fd = io_uring_offload_open(0);

	ASSERT_LE(0, fd);
	limits_set(_metadata, self, P_SYS_OPS, 1);
	expect_nowait_refused(_metadata, self, fd);
	close(fd);
}

TEST_F_TIMEOUT(limits, eagain_max_system_inflight_bytes, 120)
{
	int fd = io_uring_offload_open(0);

	ASSERT_LE(0, fd);
	limits_set(_metadata, self, P_SYS_BYTES, BIG_LEN);
	expect_nowait_refused(_metadata, self, fd);
	close(fd);
}

/* Every parameter reads as in @want. */
static void check_params(struct __test_metadata *_metadata,
			 const unsigned long long *want, const char *what,
			 int k)
{
	unsigned long long now = 0;
	int j;

	for (j = 0; j < NR_PARAMS; j++) {
		ASSERT_EQ(0, uoff_param_get(param_names[j], &now));
		ASSERT_EQ(want[j], now) {
			TH_LOG("%s %s %s", param_names[j], what,
			       param_names[k]);
		}
	}
}

/*
 * Writing one parameter changes that one and no other: each is set in
 * turn to a value unlike any other, then put back in reverse order, and
 * all of them are read after every write.
 */
TEST_F(limits, params_do_not_disturb_each_other)
{
	unsigned long long want[NR_PARAMS];
	int k;

	for (k = 0; k < NR_PARAMS; k++)
		ASSERT_EQ(0, uoff_param_get(param_names[k], &want[k]));
	for (k = 0; k < NR_PARAMS; k++) {
		want[k] += 0x10101 + k;
		limits_set(_metadata, self, k, want[k]);
		check_params(_metadata, want, "after writing", k);
	}
	for (k = NR_PARAMS - 1; k >= 0; k--) {
		ASSERT_EQ(0, uoff_param_restore(&self->params[k]));
		want[k] = self->params[k].saved;
		check_params(_metadata, want, "after restoring", k);
	}
}

/*
 * A file may have as many ops waiting for capacity as it may have in
 * flight: with one running and one waiting, a third fails with EAGAIN
 * even without NOWAIT, and writes nothing.
 */
TEST_F_TIMEOUT(limits, eagain_too_many_waiting, 120)
{
	struct uoff_cqe_rec recs[3];
	struct io_uring_sqe *sqe;
	int i, res[4] = { 0 };

	limits_set(_metadata, self, P_OPS, 1);
	queue_big(_metadata, self, 1);
	ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
	io_uring_prep_copy(sqe, self->ctx.fd, self->big_dst, self->big_src,
			   SMALL_LEN, 0);
	io_uring_sqe_set_data64(sqe, 2);
	queue_small(_metadata, self, self->ctx.fd, 0, 3);
	ASSERT_EQ(0, uoff_submit_reap(&self->ctx.ring, 3, recs));
	for (i = 0; i < 3; i++) {
		ASSERT_GE(3ULL, recs[i].user_data);
		ASSERT_LE(1ULL, recs[i].user_data);
		res[recs[i].user_data] = recs[i].res;
	}
	/* The big op may have finished before the third arrived: retry. */
	if (res[3] == (int)SMALL_LEN)
		SKIP(return, "the big op finished before the third op arrived");
	check_big(_metadata, self, res[1]);
	ASSERT_EQ((int)SMALL_LEN, res[2]);
	ASSERT_EQ(-EAGAIN, res[3]);
	bufs_check_untouched(_metadata, &self->b, "EAGAIN");
}

/* NOWAIT with room to spare just works. */
TEST_F(limits, nowait_with_room)
{
	struct uoff_cqe_rec rec;

	queue_small(_metadata, self, self->ctx.fd, UOFF_F_NOWAIT, 7);
	ASSERT_EQ(0, uoff_submit_reap(&self->ctx.ring, 1, &rec));
	ASSERT_EQ(7ULL, rec.user_data);
	ASSERT_EQ((int)SMALL_LEN, rec.res);
	ASSERT_MATCH(uoff_cmp_pattern(self->b.dst + UOFF_GUARD, SMALL_LEN,
				      0xe220, 0), "NOWAIT copy");
}

/*
 * The CQEs of the big op (user_data 1) and of a small op that waited for
 * it (2): both complete in full, and the small one copied its bytes.
 */
static void check_big_and_waiter(struct __test_metadata *_metadata,
				 FIXTURE_DATA(limits) *self,
				 const struct uoff_cqe_rec *recs)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (recs[i].user_data == 1) {
			check_big(_metadata, self, recs[i].res);
		} else {
			ASSERT_EQ(2ULL, recs[i].user_data);
			ASSERT_EQ((int)SMALL_LEN, recs[i].res);
		}
	}
	ASSERT_MATCH(uoff_cmp_pattern(self->b.dst + UOFF_GUARD, SMALL_LEN,
				      0xe220, 0), "the op that waited");
}

/* Without NOWAIT, an op over the limit waits its turn and then runs. */
TEST_F_TIMEOUT(limits, waiting_op_runs_later, 120)
{
	struct uoff_cqe_rec recs[2];

	limits_set(_metadata, self, P_OPS, 1);
	queue_big(_metadata, self, 1);
	queue_small(_metadata, self, self->ctx.fd, 0, 2);
	ASSERT_EQ(0, uoff_submit_reap(&self->ctx.ring, 2, recs));
	check_big_and_waiter(_metadata, self, recs);
}

/*
 * A waiting op carries what it read from its SQE: the application may
 * reuse the SQ slot as soon as the submit call returns.  Here the slot is
 * rewritten to copy into a victim buffer while the op waits; the op still
 * copies into its own destination and the victim stays untouched.
 */
TEST_F_TIMEOUT(limits, waiting_op_keeps_its_sqe, 120)
{
	struct uoff_cqe_rec recs[2];
	struct io_uring_sqe *sqe;
	char *victim;
	int i;

	victim = uoff_map(SMALL_LEN);
	ASSERT_NE(NULL, victim);
	memset(victim, UOFF_CANARY, SMALL_LEN);
	limits_set(_metadata, self, P_OPS, 1);
	queue_big(_metadata, self, 1);
	ASSERT_NE(NULL, sqe = uoff_sqe(&self->ctx.ring));
	io_uring_prep_copy(sqe, self->ctx.fd, self->b.dst + UOFF_GUARD,
			   self->b.src, SMALL_LEN, 0);
	io_uring_sqe_set_data64(sqe, 2);
	ASSERT_EQ(2, io_uring_submit(&self->ctx.ring));
	io_uring_prep_copy(sqe, self->ctx.fd, victim, self->b.src,
			   SMALL_LEN / 2, 0);

	ASSERT_EQ(2, uoff_reap(&self->ctx.ring, 2, recs, UOFF_REAP_TIMEOUT_MS));
	check_big_and_waiter(_metadata, self, recs);
	for (i = 0; i < (int)SMALL_LEN; i++)
		ASSERT_EQ(UOFF_CANARY, (unsigned char)victim[i]);
	munmap(victim, SMALL_LEN);
}

struct exiting_submitter {
	struct __test_metadata	*metadata;
	FIXTURE_DATA(limits)	*self;
	int			submitted;
};

/* Submits the big op and one that must wait, then exits at once. */
static void *submit_and_exit(void *arg)
{
	struct exiting_submitter *es = arg;
	struct __test_metadata *_metadata = es->metadata;

	queue_big(_metadata, es->self, 1);
	queue_small(_metadata, es->self, es->self->ctx.fd, 0, 2);
	es->submitted = io_uring_submit(&es->self->ctx.ring);
	return NULL;
}

/*
 * When the task that submitted an op waiting for in-flight capacity
 * exits, io_uring cancels the op: it ends ECANCELED on the ring, which
 * outlives the thread.  It never ran, so its destination is untouched
 * (the "may be partly written" of ECANCELED is for ops already running).
 * The big op ends with its bytes or, if still running, ECANCELED.
 */
TEST_F_TIMEOUT(limits, ecanceled_waiting_op_of_exited_task, 180)
{
	struct exiting_submitter es = { .metadata = _metadata, .self = self };
	struct uoff_cqe_rec recs[2];
	int attempt, i, res[3];
	pthread_t thread;

	limits_set(_metadata, self, P_OPS, 1);
	for (attempt = 0; attempt < 5; attempt++) {
		ASSERT_EQ(0, pthread_create(&thread, NULL, submit_and_exit, &es));
		ASSERT_EQ(0, pthread_join(thread, NULL));
		ASSERT_EQ(2, es.submitted);
		ASSERT_EQ(2, uoff_reap(&self->ctx.ring, 2, recs,
				       UOFF_REAP_TIMEOUT_MS));
		memset(res, 0, sizeof(res));
		for (i = 0; i < 2; i++) {
			ASSERT_GE(2ULL, recs[i].user_data);
			ASSERT_LE(1ULL, recs[i].user_data);
			res[recs[i].user_data] = recs[i].res;
		}
		if (res[1] != -ECANCELED)
			check_big(_metadata, self, res[1]);
		if (res[2] != SMALL_LEN)
			break;
		TH_LOG("attempt %d: the waiting op ran before the exit", attempt);
		memset(self->b.dst, UOFF_CANARY, BUF_LEN + 2 * UOFF_GUARD);
	}
	ASSERT_EQ(-ECANCELED, res[2]);
	bufs_check_untouched(_metadata, &self->b, "ECANCELED");
}

UOFF_TEST_MAIN
