/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The running kernel's io_uring core must accept every SQE the helpers
 * build.  It rejects a non-zero __pad1 or an unknown uring_cmd_flags bit
 * with -EINVAL, and (up to 6.12 at least) a FIXED request whose buf_index
 * names no registered buffer with -EFAULT, all before a driver sees the
 * request.  Aimed at a pipe, which has no uring_cmd handler, an accepted
 * SQE completes with -EOPNOTSUPP instead, so no module is needed.
 * Skipped where io_uring is unavailable.
 */
#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>

#include "helpers.h"

#define NR_BUFS		4

static struct io_uring ring;
static unsigned char bufs[NR_BUFS][4096];
static struct uoff_desc descs[2];
static struct uoff_features feat;
static int pipe_fd;

static int run(struct io_uring_sqe *sqe, __u64 user_data)
{
	struct io_uring_cqe *cqe;
	int ret;

	sqe->user_data = user_data;
	ret = io_uring_submit_and_wait(&ring, 1);
	if (ret < 0) {
		fprintf(stderr, "submit: %s\n", strerror(-ret));
		t_failed++;
		return ret;
	}
	ret = io_uring_wait_cqe(&ring, &cqe);
	if (ret < 0) {
		fprintf(stderr, "wait: %s\n", strerror(-ret));
		t_failed++;
		return ret;
	}
	t_check_eq(cqe->user_data, user_data);
	ret = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	return ret;
}

static void check_accepted(void)
{
	struct io_uring_sqe *sqe;
	void *dst = bufs[1], *src = bufs[0];
	__u64 n = 0;

	io_uring_offload_desc_copy(&descs[0], bufs[2], bufs[3], 64);
	io_uring_offload_desc_fill(&descs[1], bufs[2] + 64, ~0ULL, 64);

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_copy(sqe, pipe_fd, dst, src, 64, 0);
	t_check_eq(run(sqe, ++n), -EOPNOTSUPP);

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_copy(sqe, pipe_fd, dst, src, 64, UOFF_F_ALL);
	t_check_eq(run(sqe, ++n), -EOPNOTSUPP);

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_copy_fixed(sqe, pipe_fd, bufs[3], bufs[3] + 64, 64,
				 UOFF_F_FIXED_DST | UOFF_F_FIXED_SRC,
				 NR_BUFS - 1);
	t_check_eq(run(sqe, ++n), -EOPNOTSUPP);

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_fill(sqe, pipe_fd, dst, 0x0102030405060708ULL, 64,
			   UOFF_F_NOWAIT);
	t_check_eq(run(sqe, ++n), -EOPNOTSUPP);

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_fill_fixed(sqe, pipe_fd, bufs[1], 0, 64,
				 UOFF_F_FIXED_DST, 1);
	t_check_eq(run(sqe, ++n), -EOPNOTSUPP);

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_offload_batch(sqe, pipe_fd, descs, 2, 0);
	t_check_eq(run(sqe, ++n), -EOPNOTSUPP);

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_offload_batch_fixed(sqe, pipe_fd, descs, 2,
					  UOFF_F_FIXED_DST | UOFF_F_FIXED_SRC,
					  2);
	t_check_eq(run(sqe, ++n), -EOPNOTSUPP);

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_offload_features(sqe, pipe_fd, &feat, sizeof(feat));
	t_check_eq(run(sqe, ++n), -EOPNOTSUPP);

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_deflate(sqe, pipe_fd, dst, 4096, src, 4096,
			      UOFF_ZIP_GZIP, 9, UOFF_F_NOWAIT);
	t_check_eq(run(sqe, ++n), -EOPNOTSUPP);

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_deflate_fixed(sqe, pipe_fd, bufs[2], 2048,
				    bufs[2] + 2048, 0, UOFF_ZIP_RAW, 0,
				    UOFF_F_ALL, 2);
	t_check_eq(run(sqe, ++n), -EOPNOTSUPP);

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_inflate(sqe, pipe_fd, dst, 4096, src, 100,
			      UOFF_ZIP_ZLIB, 0);
	t_check_eq(run(sqe, ++n), -EOPNOTSUPP);

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_inflate_fixed(sqe, pipe_fd, bufs[3], 4096, src, 100,
				    UOFF_ZIP_GZIP, UOFF_F_FIXED_DST,
				    NR_BUFS - 1);
	t_check_eq(run(sqe, ++n), -EOPNOTSUPP);
}

/* The same path must notice what the helpers are there to prevent. */
static void check_rejected(void)
{
	struct io_uring_sqe *sqe;

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_copy(sqe, pipe_fd, bufs[1], bufs[0], 64, 0);
	sqe->__pad1 = 1;
	t_check_eq(run(sqe, 100), -EINVAL);

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_copy(sqe, pipe_fd, bufs[1], bufs[0], 64, 0);
	sqe->uring_cmd_flags = 1U << 31;
	t_check_eq(run(sqe, 101), -EINVAL);
}

int main(void)
{
	struct iovec iov[NR_BUFS];
	int fds[2], ret, i;

	ret = io_uring_queue_init(8, &ring, 0);
	if (ret) {
		printf("io_uring_queue_init: %s\n", strerror(-ret));
		return T_EXIT_SKIP;
	}
	for (i = 0; i < NR_BUFS; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
	}
	ret = io_uring_register_buffers(&ring, iov, NR_BUFS);
	if (ret) {
		printf("io_uring_register_buffers: %s\n", strerror(-ret));
		return T_EXIT_SKIP;
	}
	if (pipe(fds) < 0) {
		perror("pipe");
		return T_EXIT_FAIL;
	}
	pipe_fd = fds[0];

	check_accepted();
	check_rejected();

	io_uring_queue_exit(&ring);
	close(fds[0]);
	close(fds[1]);
	return t_exit_code();
}
