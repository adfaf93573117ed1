/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * io_uring_prep_fill() and io_uring_prep_fill_fixed(): every byte of the
 * SQE they write over one that held garbage.  The pattern travels in
 * uoff_cmd.src unchanged, all 64 bits of it.
 */
#include "helpers.h"

#define DST	((void *)(uintptr_t)0x00007ffdeadbe008ULL)

static const __u64 patterns[] = {
	0,
	0x0101010101010101ULL,
	0x0807060504030201ULL,
	0x8000000000000001ULL,
	~0ULL,
};
#define NR_PATTERNS	(sizeof(patterns) / sizeof(patterns[0]))

static const struct {
	unsigned int	flags;
	__u32		uring_cmd_flags;
} flag_cases[] = {
	{ 0,			0 },
	{ UOFF_F_NOWAIT,	0 },
	{ UOFF_F_FIXED_DST,	IORING_URING_CMD_FIXED },
	{ UOFF_F_FIXED_DST | UOFF_F_NOWAIT, IORING_URING_CMD_FIXED },
	/* FILL has no source; encoded as given, the kernel judges it. */
	{ UOFF_F_FIXED_SRC,	IORING_URING_CMD_FIXED },
};
#define NR_FLAG_CASES	(sizeof(flag_cases) / sizeof(flag_cases[0]))

static void check_fill(unsigned char seed, __u64 pattern, unsigned int fc)
{
	struct io_uring_sqe sqes[2];
	unsigned char before[sizeof(sqes)];
	struct t_sqe want = {
		.fd = 5,
		.cmd_op = UOFF_CMD_FILL,
		.addr = (uintptr_t)DST,
		.len = 1000003,
		.uring_cmd_flags = flag_cases[fc].uring_cmd_flags,
		.buf_index = 0,
		.cmd_src = pattern,
		.cmd_flags = flag_cases[fc].flags,
	};
	char label[96];

	t_scribble(sqes, sizeof(sqes), seed);
	memcpy(before, sqes, sizeof(before));
	io_uring_prep_fill(&sqes[0], 5, DST, pattern, 1000003,
			   flag_cases[fc].flags);
	snprintf(label, sizeof(label), "fill seed %#x pattern %#llx flags %#x",
		 seed, (unsigned long long)pattern, flag_cases[fc].flags);
	t_sqe_compare(label, sqes, &want, before);
}

static void check_fill_fixed(unsigned char seed, int buf_index,
			     unsigned int fc)
{
	struct io_uring_sqe sqes[2];
	unsigned char before[sizeof(sqes)];
	struct t_sqe want = {
		.fd = 11,
		.cmd_op = UOFF_CMD_FILL,
		.addr = (uintptr_t)DST,
		.len = 512,
		.uring_cmd_flags = flag_cases[fc].uring_cmd_flags,
		.buf_index = (__u16)buf_index,
		.cmd_src = 0xa5a5a5a5a5a5a5a5ULL,
		.cmd_flags = flag_cases[fc].flags,
	};
	char label[96];

	t_scribble(sqes, sizeof(sqes), seed);
	memcpy(before, sqes, sizeof(before));
	io_uring_prep_fill_fixed(&sqes[0], 11, DST, 0xa5a5a5a5a5a5a5a5ULL, 512,
				 flag_cases[fc].flags, buf_index);
	snprintf(label, sizeof(label),
		 "fill_fixed seed %#x buf_index %d flags %#x",
		 seed, buf_index, flag_cases[fc].flags);
	t_sqe_compare(label, sqes, &want, before);
}

/*
 * Byte i of the destination is byte (i % 8) of the little-endian
 * pattern: on a little-endian host the payload bytes are that sequence.
 */
static void check_pattern_bytes(void)
{
	static const unsigned char want[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct io_uring_sqe sqe;
	__u64 src;
	unsigned int i;

	t_scribble(&sqe, sizeof(sqe), 0x5a);
	io_uring_prep_fill(&sqe, 5, DST, 0x0807060504030201ULL, 64, 0);
	memcpy(&src, sqe.cmd, sizeof(src));
	t_check_eq(src, 0x0807060504030201ULL);
	for (i = 0; i < 8; i++)
		t_check_eq((src >> (8 * i)) & 0xff, want[i]);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	t_check(!memcmp(sqe.cmd, want, sizeof(want)));
#endif
}

int main(void)
{
	unsigned int g, p, f;

	for (g = 0; g < T_NR_GARBAGE; g++) {
		for (p = 0; p < NR_PATTERNS; p++)
			for (f = 0; f < NR_FLAG_CASES; f++)
				check_fill(t_garbage[g], patterns[p], f);
		for (f = 0; f < NR_FLAG_CASES; f++) {
			check_fill_fixed(t_garbage[g], 0, f);
			check_fill_fixed(t_garbage[g], 7, f);
			check_fill_fixed(t_garbage[g], 0xffff, f);
		}
	}
	check_pattern_bytes();
	return t_exit_code();
}
