/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The helpers against a loaded module: copy, fill, batch, registered
 * buffers and the feature query through a real ring, checking the bytes
 * that land.  Skipped (exit 77) where /dev/uoffload or io_uring is
 * missing, as on a build host.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include "helpers.h"

#define BUF_SIZE	(256 * 1024)
#define RES_NONE	(-1000000)

static struct io_uring ring;
static struct uoff_features feat;
static int dev;

static unsigned char *alloc_buf(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len))
		return NULL;
	return p;
}

static void fill_random(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245 + 12345;
		p[i] = (unsigned char)(seed >> 16);
	}
}

static struct io_uring_sqe *get_sqe(void)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

	if (!sqe) {
		fprintf(stderr, "no free SQE\n");
		exit(T_EXIT_FAIL);
	}
	return sqe;
}

/* Submit what is queued, reap one CQE and return its res. */
static int run_one(void)
{
	struct io_uring_cqe *cqe;
	int ret;

	ret = io_uring_submit_and_wait(&ring, 1);
	if (ret < 0) {
		fprintf(stderr, "submit: %s\n", strerror(-ret));
		t_failed++;
		return RES_NONE;
	}
	ret = io_uring_wait_cqe(&ring, &cqe);
	if (ret < 0) {
		fprintf(stderr, "wait: %s\n", strerror(-ret));
		t_failed++;
		return RES_NONE;
	}
	ret = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	return ret;
}

static int has_op(unsigned int op)
{
	return !!(feat.ops & (1ULL << op));
}

static void check_features(void)
{
	struct uoff_features ring_feat;
	unsigned int want;

	t_check_eq(feat.abi_version, UOFF_ABI_VERSION);
	t_check(feat.size >= 8);

	memset(&ring_feat, 0, sizeof(ring_feat));
	io_uring_prep_offload_features(get_sqe(), dev, &ring_feat,
				       sizeof(ring_feat));
	want = feat.size < sizeof(feat) ? feat.size : sizeof(feat);
	t_check_eq(run_one(), want);
	t_check_eq(ring_feat.abi_version, feat.abi_version);
	t_check_eq(ring_feat.size, feat.size);
	t_check_eq(ring_feat.ops, feat.ops);
	t_check_eq(ring_feat.flags, feat.flags);
	t_check_eq(ring_feat.max_op_len, feat.max_op_len);
	t_check_eq(ring_feat.max_batch, feat.max_batch);
}

static void check_copy(unsigned char *src, unsigned char *dst,
		       unsigned int len)
{
	fill_random(src, len, len);
	memset(dst, 0, len + 1);
	io_uring_prep_copy(get_sqe(), dev, dst, src, len, 0);
	t_check_eq(run_one(), len);
	t_check(!memcmp(dst, src, len));
	t_check_eq(dst[len], 0);
}

static void check_fill(unsigned char *dst, __u64 pattern, unsigned int len)
{
	unsigned int i, bad = 0;

	memset(dst, 0xee, len + 2);
	io_uring_prep_fill(get_sqe(), dev, dst + 1, pattern, len, 0);
	t_check_eq(run_one(), len);
	for (i = 0; i < len; i++)
		bad += dst[1 + i] != (unsigned char)(pattern >> (8 * (i % 8)));
	t_check_eq(bad, 0);
	t_check_eq(dst[0], 0xee);
	t_check_eq(dst[len + 1], 0xee);
}

static void check_batch(unsigned char *src, unsigned char *dst)
{
	struct uoff_desc d[3];
	unsigned int i, bad = 0;

	if (!has_op(UOFF_OP_BATCH) || feat.max_batch < 3)
		return;
	fill_random(src, 8192, 7);
	memset(dst, 0, 3 * 8192);
	io_uring_offload_desc_copy(&d[0], dst, src, 8192);
	io_uring_offload_desc_fill(&d[1], dst + 8192, 0x5a5a5a5a5a5a5a5aULL,
				   1000);
	io_uring_offload_desc_copy(&d[2], dst + 2 * 8192, src, 0);
	io_uring_prep_offload_batch(get_sqe(), dev, d, 3, 0);
	t_check_eq(run_one(), 8192 + 1000);
	t_check(!memcmp(dst, src, 8192));
	for (i = 0; i < 1000; i++)
		bad += dst[8192 + i] != 0x5a;
	t_check_eq(bad, 0);
	t_check_eq(dst[8192 + 1000], 0);
	t_check_eq(dst[2 * 8192], 0);
}

/* Rejected requests must leave the destination as it was. */
static void check_rejects(unsigned char *buf)
{
	struct io_uring_sqe *sqe;
	unsigned char *copy = alloc_buf(8192);
	__u32 one = 1;

	if (!copy) {
		t_failed++;
		return;
	}
	fill_random(buf, 8192, 3);
	memcpy(copy, buf, 8192);

	/* Overlapping source and destination. */
	io_uring_prep_copy(get_sqe(), dev, buf + 1, buf, 4096, 0);
	t_check_eq(run_one(), -EINVAL);

	io_uring_prep_copy(get_sqe(), dev, buf + 4096, buf, 4096, 1U << 31);
	t_check_eq(run_one(), -EINVAL);

	/*
	 * A FIXED flag without IORING_URING_CMD_FIXED.  The reverse is in
	 * check_fixed(): without a registered buffer io_uring itself fails
	 * it with -EFAULT before the module sees it.
	 */
	sqe = get_sqe();
	io_uring_prep_copy(sqe, dev, buf + 4096, buf, 4096, UOFF_F_FIXED_DST);
	sqe->uring_cmd_flags = 0;
	t_check_eq(run_one(), -EINVAL);

	sqe = get_sqe();
	io_uring_prep_copy(sqe, dev, buf + 4096, buf, 4096, 0);
	memcpy(sqe->cmd + offsetof(struct uoff_cmd, reserved), &one,
	       sizeof(one));
	t_check_eq(run_one(), -EINVAL);

	sqe = get_sqe();
	io_uring_prep_copy(sqe, dev, buf + 4096, buf, 4096, 0);
	sqe->cmd_op = _IOW(UOFF_IOC_MAGIC, 0x7f, struct uoff_cmd);
	t_check_eq(run_one(), -EOPNOTSUPP);

	t_check(!memcmp(buf, copy, 8192));
	free(copy);
}

/* Both ranges in registered buffer 0: the one buf_index a SQE has. */
static void check_fixed(unsigned char *buf)
{
	struct iovec iov = { .iov_base = buf, .iov_len = BUF_SIZE };
	struct io_uring_sqe *sqe;
	int ret;

	if (!(feat.flags & UOFF_F_FIXED_DST) ||
	    !(feat.flags & UOFF_F_FIXED_SRC))
		return;
	ret = io_uring_register_buffers(&ring, &iov, 1);
	if (ret) {
		printf("register_buffers: %s, fixed part not run\n",
		       strerror(-ret));
		return;
	}
	fill_random(buf, 4096, 11);
	memset(buf + 8192, 0, 4096);
	io_uring_prep_copy_fixed(get_sqe(), dev, buf + 8192, buf, 4096,
				 UOFF_F_FIXED_DST | UOFF_F_FIXED_SRC, 0);
	t_check_eq(run_one(), 4096);
	t_check(!memcmp(buf + 8192, buf, 4096));

	memset(buf + 16384, 0, 4096);
	io_uring_prep_fill_fixed(get_sqe(), dev, buf + 16384, ~0ULL, 4095,
				 UOFF_F_FIXED_DST, 0);
	t_check_eq(run_one(), 4095);
	t_check_eq(buf[16384], 0xff);
	t_check_eq(buf[16384 + 4094], 0xff);
	t_check_eq(buf[16384 + 4095], 0);

	/* IORING_URING_CMD_FIXED without a FIXED flag. */
	memcpy(buf + 8192, buf + 16384, 4096);
	sqe = get_sqe();
	io_uring_prep_copy(sqe, dev, buf + 8192, buf, 4096, 0);
	sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
	t_check_eq(run_one(), -EINVAL);
	t_check(!memcmp(buf + 8192, buf + 16384, 4096));

	io_uring_unregister_buffers(&ring);
}

int main(void)
{
	unsigned char *src, *dst;
	unsigned int len;
	int ret;

	dev = io_uring_offload_open(0);
	if (dev < 0) {
		printf("%s: %s\n", UOFF_DEVICE_PATH, strerror(-dev));
		return T_EXIT_SKIP;
	}
	ret = io_uring_queue_init(8, &ring, 0);
	if (ret) {
		printf("io_uring_queue_init: %s\n", strerror(-ret));
		return T_EXIT_SKIP;
	}
	ret = io_uring_offload_get_features(dev, &feat);
	if (ret) {
		fprintf(stderr, "get_features: %s\n", strerror(-ret));
		return T_EXIT_FAIL;
	}
	src = alloc_buf(BUF_SIZE);
	dst = alloc_buf(BUF_SIZE + 8);
	if (!src || !dst)
		return T_EXIT_FAIL;

	check_features();
	if (has_op(UOFF_OP_COPY)) {
		len = feat.max_op_len < BUF_SIZE ? feat.max_op_len : BUF_SIZE;
		check_copy(src, dst, len);
		check_copy(src + 3, dst + 5, 4099);
		check_rejects(dst);
	}
	if (has_op(UOFF_OP_FILL)) {
		check_fill(dst, 0x0807060504030201ULL, 4099);
		check_fill(dst, 0, 1);
	}
	check_batch(src, dst);
	check_fixed(dst);

	free(src);
	free(dst);
	io_uring_queue_exit(&ring);
	close(dev);
	return t_exit_code();
}
