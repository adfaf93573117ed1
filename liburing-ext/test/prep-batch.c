/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * io_uring_prep_offload_batch() and io_uring_prep_offload_batch_fixed():
 * sqe->addr is the descriptor array, sqe->len the number of descriptors,
 * and uoff_cmd.src is 0 whatever the SQE held before.
 */
#include "helpers.h"

static struct uoff_desc descs[4];

static const unsigned int nrs[] = { 0, 1, 4, 0xffffffff };
#define NR_NRS		(sizeof(nrs) / sizeof(nrs[0]))

static void check_batch(unsigned char seed, unsigned int nr, unsigned int fc)
{
	struct io_uring_sqe sqes[2];
	unsigned char before[sizeof(sqes)];
	struct t_sqe want = {
		.fd = 4,
		.cmd_op = UOFF_CMD_BATCH,
		.addr = (uintptr_t)descs,
		.len = nr,
		.uring_cmd_flags = t_flag_cases[fc].uring_cmd_flags,
		.buf_index = 0,
		.cmd_src = 0,
		.cmd_flags = t_flag_cases[fc].flags,
	};
	char label[96];

	t_scribble(sqes, sizeof(sqes), seed);
	memcpy(before, sqes, sizeof(before));
	io_uring_prep_offload_batch(&sqes[0], 4, descs, nr,
				    t_flag_cases[fc].flags);
	snprintf(label, sizeof(label), "batch seed %#x nr %u flags %#x",
		 seed, nr, t_flag_cases[fc].flags);
	t_sqe_compare(label, sqes, &want, before);
}

static void check_batch_fixed(unsigned char seed, int buf_index,
			      unsigned int fc)
{
	struct io_uring_sqe sqes[2];
	unsigned char before[sizeof(sqes)];
	struct t_sqe want = {
		.fd = 4,
		.cmd_op = UOFF_CMD_BATCH,
		.addr = (uintptr_t)&descs[1],
		.len = 3,
		.uring_cmd_flags = t_flag_cases[fc].uring_cmd_flags,
		.buf_index = (__u16)buf_index,
		.cmd_src = 0,
		.cmd_flags = t_flag_cases[fc].flags,
	};
	char label[96];

	t_scribble(sqes, sizeof(sqes), seed);
	memcpy(before, sqes, sizeof(before));
	io_uring_prep_offload_batch_fixed(&sqes[0], 4, &descs[1], 3,
					  t_flag_cases[fc].flags, buf_index);
	snprintf(label, sizeof(label),
		 "batch_fixed seed %#x buf_index %d flags %#x",
		 seed, buf_index, t_flag_cases[fc].flags);
	t_sqe_compare(label, sqes, &want, before);
}

int main(void)
{
	unsigned int g, n, f;

	for (g = 0; g < T_NR_GARBAGE; g++) {
		for (n = 0; n < NR_NRS; n++)
			for (f = 0; f < T_NR_FLAG_CASES; f++)
				check_batch(t_garbage[g], nrs[n], f);
		for (f = 0; f < T_NR_FLAG_CASES; f++) {
			check_batch_fixed(t_garbage[g], 0, f);
			check_batch_fixed(t_garbage[g], 2, f);
			check_batch_fixed(t_garbage[g], 0xffff, f);
		}
	}
	return t_exit_code();
}
