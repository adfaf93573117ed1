/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * io_uring_prep_copy() and io_uring_prep_copy_fixed(): every byte of the
 * SQE they write over one that held garbage.
 */
#include "helpers.h"

#define DST	((void *)(uintptr_t)0x00007ffdeadbe000ULL)
#define SRC	((const void *)(uintptr_t)0x00007f0123456789ULL)

static const unsigned int lens[] = { 0, 1, 0x12345678, 0xffffffff };
#define NR_LENS		(sizeof(lens) / sizeof(lens[0]))

static const int buf_indexes[] = { 0, 1, 0x1234, 0xffff };
#define NR_BUF_INDEXES	(sizeof(buf_indexes) / sizeof(buf_indexes[0]))

static void check_copy(unsigned char seed, int fd, unsigned int len,
		       unsigned int fc)
{
	struct io_uring_sqe sqes[2];
	unsigned char before[sizeof(sqes)];
	struct t_sqe want = {
		.fd = fd,
		.cmd_op = UOFF_CMD_COPY,
		.addr = (uintptr_t)DST,
		.len = len,
		.uring_cmd_flags = t_flag_cases[fc].uring_cmd_flags,
		.buf_index = 0,
		.cmd_src = (uintptr_t)SRC,
		.cmd_flags = t_flag_cases[fc].flags,
	};
	char label[96];

	t_scribble(sqes, sizeof(sqes), seed);
	memcpy(before, sqes, sizeof(before));
	io_uring_prep_copy(&sqes[0], fd, DST, SRC, len,
			   t_flag_cases[fc].flags);
	snprintf(label, sizeof(label), "copy seed %#x len %#x flags %#x",
		 seed, len, t_flag_cases[fc].flags);
	t_sqe_compare(label, sqes, &want, before);
}

static void check_copy_fixed(unsigned char seed, int buf_index,
			     unsigned int fc)
{
	struct io_uring_sqe sqes[2];
	unsigned char before[sizeof(sqes)];
	struct t_sqe want = {
		.fd = 3,
		.cmd_op = UOFF_CMD_COPY,
		.addr = (uintptr_t)DST,
		.len = 65536,
		.uring_cmd_flags = t_flag_cases[fc].uring_cmd_flags,
		.buf_index = (__u16)buf_index,
		.cmd_src = (uintptr_t)SRC,
		.cmd_flags = t_flag_cases[fc].flags,
	};
	char label[96];

	t_scribble(sqes, sizeof(sqes), seed);
	memcpy(before, sqes, sizeof(before));
	io_uring_prep_copy_fixed(&sqes[0], 3, DST, SRC, 65536,
				 t_flag_cases[fc].flags, buf_index);
	snprintf(label, sizeof(label),
		 "copy_fixed seed %#x buf_index %d flags %#x",
		 seed, buf_index, t_flag_cases[fc].flags);
	t_sqe_compare(label, sqes, &want, before);
}

/* The struct view of one case, as a second opinion on the byte image. */
static void check_copy_fields(void)
{
	struct io_uring_sqe sqe;
	struct uoff_cmd cmd;
	struct t_sqe want = {
		.fd = 9,
		.cmd_op = UOFF_CMD_COPY,
		.addr = (uintptr_t)DST,
		.len = 4096,
		.uring_cmd_flags = IORING_URING_CMD_FIXED,
		.buf_index = 5,
	};

	t_scribble(&sqe, sizeof(sqe), 0xa5);
	sqe.user_data = 0x1122334455667788ULL;
	io_uring_prep_copy_fixed(&sqe, 9, DST, SRC, 4096,
				 UOFF_F_FIXED_DST | UOFF_F_NOWAIT, 5);
	memcpy(&cmd, sqe.cmd, sizeof(cmd));

	t_check_sqe_struct(&sqe, &want, 0x1122334455667788ULL);
	t_check_eq(cmd.src, (uintptr_t)SRC);
	t_check_eq(cmd.flags, UOFF_F_FIXED_DST | UOFF_F_NOWAIT);
	t_check_eq(cmd.reserved, 0);
}

int main(void)
{
	unsigned int g, l, f, b;

	for (g = 0; g < T_NR_GARBAGE; g++) {
		for (l = 0; l < NR_LENS; l++)
			for (f = 0; f < T_NR_FLAG_CASES; f++)
				check_copy(t_garbage[g], 42, lens[l], f);
		check_copy(t_garbage[g], -1, 8, 0);
		check_copy(t_garbage[g], 0x7fffffff, 8, 0);
		for (b = 0; b < NR_BUF_INDEXES; b++)
			for (f = 0; f < T_NR_FLAG_CASES; f++)
				check_copy_fixed(t_garbage[g], buf_indexes[b],
						 f);
	}
	check_copy_fields();
	return t_exit_code();
}
