/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * The parts of <linux/uoffload.h> this library encodes, pinned to the
 * numbers a kernel built from the same header expects.  A change here is
 * an ABI break for every binary built with liburing-offload.
 */
#include "helpers.h"

#define CHECK_FIELD(type, field, off, size)				\
	do {								\
		t_check_eq(offsetof(type, field), off);			\
		t_check_eq(sizeof(((type *)0)->field), size);		\
	} while (0)

static void check_structs(void)
{
	t_check_eq(sizeof(struct uoff_cmd), 16);
	CHECK_FIELD(struct uoff_cmd, src, 0, 8);
	CHECK_FIELD(struct uoff_cmd, flags, 8, 4);
	CHECK_FIELD(struct uoff_cmd, reserved, 12, 4);

	t_check_eq(sizeof(struct uoff_desc), 32);
	CHECK_FIELD(struct uoff_desc, op, 0, 1);
	CHECK_FIELD(struct uoff_desc, reserved0, 1, 3);
	CHECK_FIELD(struct uoff_desc, len, 4, 4);
	CHECK_FIELD(struct uoff_desc, dst, 8, 8);
	CHECK_FIELD(struct uoff_desc, src, 16, 8);
	CHECK_FIELD(struct uoff_desc, reserved1, 24, 8);

	t_check_eq(sizeof(struct uoff_features), 128);
	CHECK_FIELD(struct uoff_features, abi_version, 0, 4);
	CHECK_FIELD(struct uoff_features, size, 4, 4);
	CHECK_FIELD(struct uoff_features, ops, 8, 8);
	CHECK_FIELD(struct uoff_features, flags, 16, 8);
	CHECK_FIELD(struct uoff_features, engines, 24, 8);
	CHECK_FIELD(struct uoff_features, max_op_len, 32, 4);
	CHECK_FIELD(struct uoff_features, max_batch, 36, 4);
	CHECK_FIELD(struct uoff_features, max_inflight_bytes, 40, 8);
	CHECK_FIELD(struct uoff_features, max_inflight_ops, 48, 4);
	CHECK_FIELD(struct uoff_features, inline_threshold, 52, 4);
	CHECK_FIELD(struct uoff_features, nr_channels, 56, 4);
	CHECK_FIELD(struct uoff_features, nr_zip_channels, 60, 4);
	CHECK_FIELD(struct uoff_features, zip_formats, 64, 4);
	CHECK_FIELD(struct uoff_features, zip_levels, 68, 2);
	CHECK_FIELD(struct uoff_features, zip_default_level, 70, 2);
	CHECK_FIELD(struct uoff_features, reserved, 72, 56);

	t_check_eq(sizeof(struct uoff_zip_cmd), 16);
	CHECK_FIELD(struct uoff_zip_cmd, src, 0, 8);
	CHECK_FIELD(struct uoff_zip_cmd, flags, 8, 4);
	CHECK_FIELD(struct uoff_zip_cmd, src_len, 12, 4);

	/* The payload must fit the 16 bytes of a 64-byte SQE. */
	t_check(sizeof(struct uoff_cmd) <= T_SQE_SIZE -
		offsetof(struct io_uring_sqe, cmd));
	t_check(sizeof(struct uoff_zip_cmd) <= T_SQE_SIZE -
		offsetof(struct io_uring_sqe, cmd));
}

static void check_constants(void)
{
	t_check_eq(UOFF_CMD_GET_FEATURES, 0x8080bd00);
	t_check_eq(UOFF_CMD_COPY, 0x4010bd01);
	t_check_eq(UOFF_CMD_FILL, 0x4010bd02);
	t_check_eq(UOFF_CMD_BATCH, 0x4010bd03);

	t_check_eq(UOFF_OP_COPY, 1);
	t_check_eq(UOFF_OP_FILL, 2);
	t_check_eq(UOFF_OP_BATCH, 3);

	t_check_eq(UOFF_F_FIXED_DST, 1);
	t_check_eq(UOFF_F_FIXED_SRC, 2);
	t_check_eq(UOFF_F_NOWAIT, 4);
	t_check_eq(UOFF_F_ALL, 7);

	t_check_eq(UOFF_ABI_VERSION, 1);
	t_check(!strcmp(UOFF_DEVICE_PATH, "/dev/uoffload"));
	t_check_eq(IORING_URING_CMD_FIXED, 1);

	t_check_eq(UOFF_ENGINE_CPU, 1);
	t_check_eq(UOFF_ENGINE_SDXI, 2);
	t_check_eq(UOFF_ENGINE_DMAENGINE, 4);
	t_check_eq(UOFF_ENGINE_ACOMP, 8);
}

static void check_zip_constants(void)
{
	unsigned int fmt, lvl;

	t_check_eq(UOFF_CMD_DEFLATE, 0x4010bd04);
	t_check_eq(UOFF_CMD_INFLATE, 0x4010bd05);
	t_check_eq(UOFF_OP_DEFLATE, 4);
	t_check_eq(UOFF_OP_INFLATE, 5);

	t_check_eq(UOFF_ZIP_RAW, 1);
	t_check_eq(UOFF_ZIP_ZLIB, 2);
	t_check_eq(UOFF_ZIP_GZIP, 3);
	t_check_eq(UOFF_ZIP_LEVEL_DEFAULT, 6);
	t_check_eq(UOFF_ZIP_LEVEL_MAX, 9);

	/* Format in bits 8-11, level in bits 12-15, clear of UOFF_F_ALL. */
	t_check_eq(UOFF_F_ZIP_FORMAT(1), 0x100);
	t_check_eq(UOFF_F_ZIP_FORMAT(UOFF_ZIP_GZIP), 0x300);
	t_check_eq(UOFF_F_ZIP_LEVEL(1), 0x1000);
	t_check_eq(UOFF_F_ZIP_LEVEL(9), 0x9000);
	t_check_eq(UOFF_F_ZIP_FORMAT_MASK, 0x00000f00);
	t_check_eq(UOFF_F_ZIP_LEVEL_MASK, 0x0000f000);
	t_check_eq(UOFF_F_ZIP_FORMAT_MASK & UOFF_F_ZIP_LEVEL_MASK, 0);
	t_check_eq((UOFF_F_ZIP_FORMAT_MASK | UOFF_F_ZIP_LEVEL_MASK) &
		   UOFF_F_ALL, 0);
	/* A value wider than the field must not spill into its neighbour. */
	t_check_eq(UOFF_F_ZIP_FORMAT(0x1f), 0xf00);
	t_check_eq(UOFF_F_ZIP_LEVEL(0x1f), 0xf000);

	for (fmt = 0; fmt <= 15; fmt++) {
		for (lvl = 0; lvl <= 15; lvl++) {
			__u32 flags = UOFF_F_ZIP_FORMAT(fmt) |
				      UOFF_F_ZIP_LEVEL(lvl);
			__u32 noisy = flags | UOFF_F_ALL | 0xffff00f8U;

			t_check_eq(flags, fmt << 8 | lvl << 12);
			t_check_eq(UOFF_ZIP_FORMAT_OF(flags), fmt);
			t_check_eq(UOFF_ZIP_LEVEL_OF(flags), lvl);
			t_check_eq(UOFF_ZIP_FORMAT_OF(noisy), fmt);
			t_check_eq(UOFF_ZIP_LEVEL_OF(noisy), lvl);
		}
	}
}

int main(void)
{
	check_structs();
	check_constants();
	check_zip_constants();
	return t_exit_code();
}
