/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * io_uring_prep_offload_features(): GET_FEATURES through the ring, with
 * the result buffer in sqe->addr, its size in sqe->len and an all-zero
 * uoff_cmd.
 */
#include "helpers.h"

static struct uoff_features feat;

static void check_features(unsigned char seed, unsigned int size)
{
	struct io_uring_sqe sqes[2];
	unsigned char before[sizeof(sqes)];
	struct t_sqe want = {
		.fd = 6,
		.cmd_op = UOFF_CMD_GET_FEATURES,
		.addr = (uintptr_t)&feat,
		.len = size,
		.uring_cmd_flags = 0,
		.buf_index = 0,
		.cmd_src = 0,
		.cmd_flags = 0,
	};
	char label[64];

	t_scribble(sqes, sizeof(sqes), seed);
	memcpy(before, sqes, sizeof(before));
	io_uring_prep_offload_features(&sqes[0], 6, &feat, size);
	snprintf(label, sizeof(label), "features seed %#x size %u", seed, size);
	t_sqe_compare(label, sqes, &want, before);
}

int main(void)
{
	unsigned int g;

	for (g = 0; g < T_NR_GARBAGE; g++) {
		check_features(t_garbage[g], sizeof(feat));
		check_features(t_garbage[g], 8);
		check_features(t_garbage[g], 0);
	}
	/* The prep helper only describes the buffer; it must not write it. */
	t_check_eq(feat.abi_version, 0);
	t_check_eq(feat.size, 0);
	return t_exit_code();
}
