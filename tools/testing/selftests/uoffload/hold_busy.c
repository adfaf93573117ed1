// SPDX-License-Identifier: GPL-2.0
/*
 * Helper for unload_test.sh, not a test of its own.
 *
 *   hold_busy SECONDS [READY_FILE]
 *
 * Keeps DEPTH large copies in flight on /dev/uoffload for SECONDS,
 * creating READY_FILE once the first ones are submitted, and checks every
 * result.  With SECONDS 0 it runs one copy and one fill and checks them.
 * Exits 0 if every op returned its length and the right bytes.
 */
#define UOFF_TEST_NO_HARNESS
#include "uoff_test.h"

#define OP_LEN		(16 * MiB)
#define DEPTH		8
#define SEED		0x401dULL

static int fail(const char *what, int err)
{
	fprintf(stderr, "hold_busy: %s: %s\n", what, strerror(err));
	return 1;
}

/* Queues a copy of the source into slot @i's destination. */
static void queue_copy(struct uoff_ctx *ctx, char *dst, const char *src,
		       unsigned int i)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ctx->ring);

	memset(dst + (size_t)i * OP_LEN, 0, OP_LEN);
	io_uring_prep_copy(sqe, ctx->fd, dst + (size_t)i * OP_LEN, src, OP_LEN,
			   0);
	io_uring_sqe_set_data64(sqe, i);
}

static int run_once(struct uoff_ctx *ctx, char *dst, const char *src)
{
	struct io_uring_sqe *sqe;
	int res, ret;

	sqe = io_uring_get_sqe(&ctx->ring);
	io_uring_prep_copy(sqe, ctx->fd, dst, src, OP_LEN, 0);
	ret = uoff_run1(&ctx->ring, sqe, &res);
	if (ret)
		return fail("copy", -ret);
	if (res != (int)OP_LEN)
		return fail("copy result", res < 0 ? -res : EIO);
	if (uoff_cmp_pattern(dst, OP_LEN, SEED, 0).bad)
		return fail("copy bytes", EIO);

	sqe = io_uring_get_sqe(&ctx->ring);
	io_uring_prep_fill(sqe, ctx->fd, dst + 3, 0x1234, OP_LEN - 3, 0);
	ret = uoff_run1(&ctx->ring, sqe, &res);
	if (ret)
		return fail("fill", -ret);
	if (res != (int)OP_LEN - 3)
		return fail("fill result", res < 0 ? -res : EIO);
	if (uoff_cmp_fill(dst + 3, OP_LEN - 3, 0x1234).bad)
		return fail("fill bytes", EIO);
	printf("hold_busy: copy and fill ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long ops = 0;
	unsigned int inflight = 0, i;
	struct uoff_cqe_rec rec;
	long long deadline;
	struct uoff_ctx ctx;
	char *src, *dst;
	int ret, fd;

	if (argc < 2) {
		fprintf(stderr, "usage: %s SECONDS [READY_FILE]\n", argv[0]);
		return 2;
	}
	ret = uoff_ctx_init(&ctx, 2 * DEPTH, 0);
	if (ret)
		return fail("opening the device and a ring", -ret);
	src = uoff_map(OP_LEN);
	dst = uoff_map(DEPTH * OP_LEN);
	if (!src || !dst)
		return fail("mmap", ENOMEM);
	uoff_pattern_fill(src, OP_LEN, SEED, 0);
	if (atoi(argv[1]) == 0)
		return run_once(&ctx, dst, src);

	deadline = uoff_now_ms() + atoi(argv[1]) * 1000LL;
	for (i = 0; i < DEPTH; i++, inflight++)
		queue_copy(&ctx, dst, src, i);
	ret = io_uring_submit(&ctx.ring);
	if (ret != DEPTH)
		return fail("io_uring_submit", ret < 0 ? -ret : EIO);
	if (argc > 2) {
		fd = open(argv[2], O_WRONLY | O_CREAT, 0644);
		if (fd < 0)
			return fail(argv[2], errno);
		close(fd);
	}

	while (inflight) {
		if (uoff_reap(&ctx.ring, 1, &rec, UOFF_REAP_TIMEOUT_MS) != 1)
			return fail("waiting for a completion", ETIME);
		inflight--;
		i = rec.user_data;
		if (i >= DEPTH || rec.res != (int)OP_LEN) {
			fprintf(stderr, "hold_busy: op %u: result %d\n", i,
				rec.res);
			return 1;
		}
		if (uoff_cmp_pattern(dst + (size_t)i * OP_LEN, OP_LEN, SEED,
				     0).bad)
			return fail("copy bytes", EIO);
		ops++;
		if (uoff_now_ms() < deadline) {
			queue_copy(&ctx, dst, src, i);
			inflight++;
			ret = io_uring_submit(&ctx.ring);
			if (ret != 1)
				return fail("io_uring_submit",
					    ret < 0 ? -ret : EIO);
		}
	}
	printf("hold_busy: %llu copies of %llu MiB checked\n", ops,
	       OP_LEN / MiB);
	uoff_ctx_exit(&ctx);
	return 0;
}
