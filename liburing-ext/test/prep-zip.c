/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * io_uring_prep_deflate(), io_uring_prep_inflate() and their _fixed
 * variants: every byte of the SQE they write over one that held garbage.
 * The payload is struct uoff_zip_cmd: the source, the flags with the
 * format in bits 8-11 and the level in bits 12-15, and the source length
 * where the other commands have their reserved word.  The 64 bytes after
 * the SQE, which are the rest of the payload on an IORING_SETUP_SQE128
 * ring and the next entry on any other, must stay as they were.
 *
 * The expected flags word is built with plain shifts, not with the
 * header's UOFF_F_ZIP_*() macros, which abi-layout checks on their own.
 */
#include "helpers.h"

#define DST	((void *)(uintptr_t)0x00007ffdeadbe010ULL)
#define SRC	((const void *)(uintptr_t)0x00007f0123456780ULL)

enum zip_helper {
	DEFLATE,
	DEFLATE_FIXED,
	INFLATE,
	INFLATE_FIXED,
};

static const char *const helper_names[] = {
	[DEFLATE]	= "deflate",
	[DEFLATE_FIXED]	= "deflate_fixed",
	[INFLATE]	= "inflate",
	[INFLATE_FIXED]	= "inflate_fixed",
};

/* Format 0 and 15 are invalid; the kernel, not the helper, says so. */
static const unsigned int formats[] = {
	UOFF_ZIP_RAW, UOFF_ZIP_ZLIB, UOFF_ZIP_GZIP, 0, 15,
};
#define NR_FORMATS	(sizeof(formats) / sizeof(formats[0]))

/* Distinct per pair, so that swapping the two lengths shows. */
static const struct {
	unsigned int	dst_len;
	unsigned int	src_len;
} len_cases[] = {
	{ 0,		0 },
	{ 1,		0xffffffff },
	{ 0x12345678,	0x0badcafe },
	{ 0xffffffff,	1 },
	{ 65536,	0 },
};
#define NR_LEN_CASES	(sizeof(len_cases) / sizeof(len_cases[0]))

static const int buf_indexes[] = { 0, 1, 0x1234, 0xffff };
#define NR_BUF_INDEXES	(sizeof(buf_indexes) / sizeof(buf_indexes[0]))

struct zip_case {
	enum zip_helper	helper;
	int		fd;
	unsigned int	dst_len;
	unsigned int	src_len;
	unsigned int	format;
	unsigned int	level;		/* DEFLATE only */
	unsigned int	fc;		/* index into t_flag_cases */
	int		buf_index;	/* _fixed only */
};

static void prep(struct io_uring_sqe *sqe, const struct zip_case *c)
{
	unsigned int flags = t_flag_cases[c->fc].flags;

	switch (c->helper) {
	case DEFLATE:
		io_uring_prep_deflate(sqe, c->fd, DST, c->dst_len, SRC,
				      c->src_len, c->format, c->level, flags);
		break;
	case DEFLATE_FIXED:
		io_uring_prep_deflate_fixed(sqe, c->fd, DST, c->dst_len, SRC,
					    c->src_len, c->format, c->level,
					    flags, c->buf_index);
		break;
	case INFLATE:
		io_uring_prep_inflate(sqe, c->fd, DST, c->dst_len, SRC,
				      c->src_len, c->format, flags);
		break;
	case INFLATE_FIXED:
		io_uring_prep_inflate_fixed(sqe, c->fd, DST, c->dst_len, SRC,
					    c->src_len, c->format, flags,
					    c->buf_index);
		break;
	}
}

static int is_deflate(enum zip_helper h)
{
	return h == DEFLATE || h == DEFLATE_FIXED;
}

static int is_fixed(enum zip_helper h)
{
	return h == DEFLATE_FIXED || h == INFLATE_FIXED;
}

static void check_zip(unsigned char seed, const struct zip_case *c)
{
	struct io_uring_sqe sqes[2];
	unsigned char before[sizeof(sqes)];
	unsigned int level = is_deflate(c->helper) ? c->level : 0;
	/* Out of the 4-bit fields: format 15, which the kernel refuses. */
	unsigned int format = c->format > 15 || level > 15 ? 15 : c->format;
	struct t_sqe want = {
		.fd = c->fd,
		.cmd_op = is_deflate(c->helper) ? 0x4010bd04 : 0x4010bd05,
		.addr = (uintptr_t)DST,
		.len = c->dst_len,
		.uring_cmd_flags = t_flag_cases[c->fc].uring_cmd_flags,
		.buf_index = is_fixed(c->helper) ? (__u16)c->buf_index : 0,
		.cmd_src = (uintptr_t)SRC,
		.cmd_flags = t_flag_cases[c->fc].flags | format << 8 |
			     (level & 15) << 12,
		.cmd_src_len = c->src_len,
	};
	char label[160];

	t_scribble(sqes, sizeof(sqes), seed);
	memcpy(before, sqes, sizeof(before));
	prep(&sqes[0], c);
	snprintf(label, sizeof(label),
		 "%s seed %#x fd %d dst_len %#x src_len %#x format %u level %u flags %#x buf_index %d",
		 helper_names[c->helper], seed, c->fd, c->dst_len, c->src_len,
		 c->format, c->level, t_flag_cases[c->fc].flags,
		 c->buf_index);
	t_sqe_compare(label, sqes, &want, before);
}

static void check_helper(unsigned char seed, enum zip_helper h)
{
	struct zip_case c = { .helper = h, .fd = 42, .level = 0 };
	unsigned int f, l, fc, lvl, b;

	/* Every format and length with every flag case, default level. */
	for (f = 0; f < NR_FORMATS; f++) {
		for (l = 0; l < NR_LEN_CASES; l++) {
			for (fc = 0; fc < T_NR_FLAG_CASES; fc++) {
				c.format = formats[f];
				c.dst_len = len_cases[l].dst_len;
				c.src_len = len_cases[l].src_len;
				c.fc = fc;
				c.buf_index = is_fixed(h) ? 7 : 0;
				check_zip(seed, &c);
			}
		}
	}

	/*
	 * Every level the 4-bit field holds, with each format.  INFLATE
	 * takes none, so its helpers must write 0 there whatever this is.
	 */
	c.dst_len = 4096;
	c.src_len = 1000;
	for (f = 0; f < NR_FORMATS; f++) {
		for (lvl = 0; lvl <= 15; lvl++) {
			c.format = formats[f];
			c.level = lvl;
			c.fc = 2;	/* UOFF_F_FIXED_DST */
			check_zip(seed, &c);
		}
	}

	/* Values too wide for their fields must not wrap to valid ones. */
	c.format = 17;
	c.level = 3;
	check_zip(seed, &c);
	c.format = UOFF_ZIP_ZLIB;
	c.level = 16;
	check_zip(seed, &c);

	c.format = UOFF_ZIP_GZIP;
	c.level = 9;
	c.fd = -1;
	check_zip(seed, &c);
	c.fd = 0x7fffffff;
	check_zip(seed, &c);

	if (!is_fixed(h))
		return;
	c.fd = 3;
	for (b = 0; b < NR_BUF_INDEXES; b++) {
		for (fc = 0; fc < T_NR_FLAG_CASES; fc++) {
			c.buf_index = buf_indexes[b];
			c.fc = fc;
			check_zip(seed, &c);
		}
	}
}

/* The struct view of two cases, as a second opinion on the byte image. */
static void check_zip_fields(void)
{
	struct io_uring_sqe sqe;
	struct uoff_zip_cmd cmd;
	struct t_sqe want = {
		.fd = 9,
		.cmd_op = UOFF_CMD_DEFLATE,
		.addr = (uintptr_t)DST,
		.len = 8192,
		.uring_cmd_flags = IORING_URING_CMD_FIXED,
		.buf_index = 5,
	};

	t_scribble(&sqe, sizeof(sqe), 0x5a);
	sqe.user_data = 0x8877665544332211ULL;
	io_uring_prep_deflate_fixed(&sqe, 9, DST, 8192, SRC, 100000,
				    UOFF_ZIP_ZLIB, 9,
				    UOFF_F_FIXED_SRC | UOFF_F_NOWAIT, 5);
	memcpy(&cmd, sqe.cmd, sizeof(cmd));

	t_check_sqe_struct(&sqe, &want, 0x8877665544332211ULL);
	t_check_eq(cmd.src, (uintptr_t)SRC);
	t_check_eq(cmd.flags, UOFF_F_FIXED_SRC | UOFF_F_NOWAIT |
		   UOFF_F_ZIP_FORMAT(UOFF_ZIP_ZLIB) | UOFF_F_ZIP_LEVEL(9));
	t_check_eq(UOFF_ZIP_FORMAT_OF(cmd.flags), UOFF_ZIP_ZLIB);
	t_check_eq(UOFF_ZIP_LEVEL_OF(cmd.flags), 9);
	t_check_eq(cmd.flags & UOFF_F_ALL, UOFF_F_FIXED_SRC | UOFF_F_NOWAIT);
	t_check_eq(cmd.src_len, 100000);

	want.fd = 4;
	want.cmd_op = UOFF_CMD_INFLATE;
	want.len = 1U << 30;
	want.uring_cmd_flags = 0;
	want.buf_index = 0;
	t_scribble(&sqe, sizeof(sqe), 0xa5);
	sqe.user_data = 1;
	io_uring_prep_inflate(&sqe, 4, DST, 1U << 30, SRC, 77, UOFF_ZIP_GZIP,
			      0);
	memcpy(&cmd, sqe.cmd, sizeof(cmd));

	t_check_sqe_struct(&sqe, &want, 1);
	t_check_eq(cmd.src, (uintptr_t)SRC);
	t_check_eq(cmd.flags, UOFF_F_ZIP_FORMAT(UOFF_ZIP_GZIP));
	t_check_eq(UOFF_ZIP_LEVEL_OF(cmd.flags), 0);
	t_check_eq(cmd.src_len, 77);
}

int main(void)
{
	unsigned int g;
	enum zip_helper h;

	for (g = 0; g < T_NR_GARBAGE; g++)
		for (h = DEFLATE; h <= INFLATE_FIXED; h++)
			check_helper(t_garbage[g], h);
	check_zip_fields();
	return t_exit_code();
}
