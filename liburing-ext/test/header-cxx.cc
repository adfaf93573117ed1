// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
//
// The public header from C++: it must compile there, and the out-of-line
// functions must link under their C names.

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "liburing-offload.h"

static int failed;

static void check(bool ok, const char *what)
{
	if (!ok) {
		std::fprintf(stderr, "failed: %s\n", what);
		failed++;
	}
}

int main()
{
	struct io_uring_sqe sqe;
	struct uoff_desc d;
	struct uoff_cmd cmd;
	struct uoff_zip_cmd zcmd;
	struct uoff_features feat;
	char src[16] = "0123456789abcde", dst[16];

	std::memset(&sqe, 0xff, sizeof(sqe));
	io_uring_prep_copy(&sqe, 3, dst, src, sizeof(dst), UOFF_F_FIXED_SRC);
	std::memcpy(&cmd, sqe.cmd, sizeof(cmd));
	check(sqe.opcode == IORING_OP_URING_CMD, "opcode");
	check(sqe.cmd_op == UOFF_CMD_COPY, "cmd_op");
	check(sqe.addr == (__u64)(uintptr_t)dst, "addr");
	check(sqe.uring_cmd_flags == IORING_URING_CMD_FIXED, "fixed");
	check(cmd.src == (__u64)(uintptr_t)src, "cmd.src");
	check(cmd.reserved == 0, "cmd.reserved");

	io_uring_prep_fill_fixed(&sqe, 3, dst, 0, 8, UOFF_F_FIXED_DST, 2);
	check(sqe.buf_index == 2, "buf_index");
	io_uring_prep_copy_fixed(&sqe, 3, dst, src, 8, 0, 0);
	io_uring_prep_fill(&sqe, 3, dst, 1, 8, 0);
	io_uring_offload_desc_copy(&d, dst, src, 8);
	io_uring_prep_offload_batch(&sqe, 3, &d, 1, 0);
	io_uring_offload_desc_fill(&d, dst, 0, 8);
	io_uring_prep_offload_batch_fixed(&sqe, 3, &d, 1, UOFF_F_FIXED_DST, 1);
	io_uring_prep_offload_features(&sqe, 3, &feat, sizeof(feat));
	check(sqe.cmd_op == UOFF_CMD_GET_FEATURES, "features cmd_op");

	io_uring_prep_deflate(&sqe, 3, dst, sizeof(dst), src, sizeof(src),
			      UOFF_ZIP_GZIP, 1, 0);
	std::memcpy(&zcmd, sqe.cmd, sizeof(zcmd));
	check(sqe.cmd_op == UOFF_CMD_DEFLATE, "deflate cmd_op");
	check(zcmd.flags == (UOFF_F_ZIP_FORMAT(UOFF_ZIP_GZIP) |
			     UOFF_F_ZIP_LEVEL(1)), "deflate flags");
	check(zcmd.src_len == sizeof(src), "deflate src_len");
	io_uring_prep_deflate_fixed(&sqe, 3, dst, 8, src, 8, UOFF_ZIP_RAW, 0,
				    UOFF_F_FIXED_DST, 1);
	io_uring_prep_inflate(&sqe, 3, dst, 8, src, 8, UOFF_ZIP_ZLIB, 0);
	io_uring_prep_inflate_fixed(&sqe, 3, dst, 8, src, 8, UOFF_ZIP_ZLIB,
				    UOFF_F_FIXED_SRC, 3);
	check(sqe.cmd_op == UOFF_CMD_INFLATE, "inflate cmd_op");
	check(sqe.buf_index == 3, "inflate buf_index");

	check(io_uring_offload_open(1) == -EINVAL, "open flags");
	check(io_uring_offload_get_features(-1, &feat) == -EBADF,
	      "get_features bad fd");

	return failed ? 1 : 0;
}
