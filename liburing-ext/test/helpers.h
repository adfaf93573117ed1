/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Shared by the liburing-offload unit tests.  The expected SQE is built
 * byte by byte from the offsets of the io_uring ABI, not through struct
 * io_uring_sqe, so a helper that stores into the wrong member shows up
 * as a wrong byte rather than passing by construction.
 */
#ifndef OFFLOAD_TEST_HELPERS_H
#define OFFLOAD_TEST_HELPERS_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "liburing-offload.h"

#define T_EXIT_PASS	0
#define T_EXIT_FAIL	1
#define T_EXIT_SKIP	77

#define T_SQE_SIZE	64

/* The offsets the expected images below are written at. */
_Static_assert(sizeof(struct io_uring_sqe) == T_SQE_SIZE, "sqe size");
_Static_assert(offsetof(struct io_uring_sqe, cmd_op) == 8, "cmd_op");
_Static_assert(offsetof(struct io_uring_sqe, addr) == 16, "addr");
_Static_assert(offsetof(struct io_uring_sqe, len) == 24, "len");
_Static_assert(offsetof(struct io_uring_sqe, uring_cmd_flags) == 28,
	       "uring_cmd_flags");
_Static_assert(offsetof(struct io_uring_sqe, user_data) == 32, "user_data");
_Static_assert(offsetof(struct io_uring_sqe, buf_index) == 40, "buf_index");
_Static_assert(offsetof(struct io_uring_sqe, file_index) == 44, "file_index");
_Static_assert(offsetof(struct io_uring_sqe, cmd) == 48, "cmd");

/*
 * liburing 2.3 to 2.5 clear sqe->flags and sqe->personality in
 * io_uring_prep_rw(); from 2.6 on that moved to io_uring_get_sqe() and a
 * prep helper leaves both as it found them.
 */
#if !defined(IO_URING_VERSION_MAJOR) || \
	(IO_URING_VERSION_MAJOR == 2 && IO_URING_VERSION_MINOR < 6)
#define T_PREP_CLEARS_FLAGS	1
#else
#define T_PREP_CLEARS_FLAGS	0
#endif

static int t_failed;

#define t_check(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: %s: failed: %s\n",	\
				__FILE__, __LINE__, __func__, #cond);	\
			t_failed++;					\
		}							\
	} while (0)

#define t_check_eq(got, want)						\
	do {								\
		unsigned long long __g = (got), __w = (want);		\
		if (__g != __w) {					\
			fprintf(stderr,					\
				"%s:%d: %s: %s is %lld (%#llx), "	\
				"want %lld (%#llx)\n",			\
				__FILE__, __LINE__, __func__, #got,	\
				(long long)__g, __g, (long long)__w,	\
				__w);					\
			t_failed++;					\
		}							\
	} while (0)

static inline int t_exit_code(void)
{
	return t_failed ? T_EXIT_FAIL : T_EXIT_PASS;
}

/*
 * Seeds for what an SQE or descriptor holds before a helper writes it.
 * Each byte comes out non-zero for all but at most one seed.
 */
static const unsigned char t_garbage[] = { 0xff, 0xa5, 0x5a, 0x01 };
#define T_NR_GARBAGE	(sizeof(t_garbage) / sizeof(t_garbage[0]))

/* Fill with a pattern that differs per byte, so swapped fields show. */
static inline void t_scribble(void *p, size_t len, unsigned char seed)
{
	unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (unsigned char)(seed ^ (i * 0x3b));
}

static inline void t_put(unsigned char *img, size_t off, const void *v,
			 size_t len)
{
	memcpy(img + off, v, len);
}

/*
 * Request flags of COPY, BATCH, DEFLATE and INFLATE, each with the
 * uring_cmd_flags a helper must pair it with.  Unknown bits go to the
 * kernel as given; it answers -EINVAL.
 */
static const struct {
	unsigned int	flags;
	__u32		uring_cmd_flags;
} t_flag_cases[] = {
	{ 0,					0 },
	{ UOFF_F_NOWAIT,			0 },
	{ UOFF_F_FIXED_DST,			IORING_URING_CMD_FIXED },
	{ UOFF_F_FIXED_SRC,			IORING_URING_CMD_FIXED },
	{ UOFF_F_FIXED_DST | UOFF_F_FIXED_SRC,	IORING_URING_CMD_FIXED },
	{ UOFF_F_ALL,				IORING_URING_CMD_FIXED },
	{ 1U << 31,				0 },
	{ (1U << 16) | UOFF_F_FIXED_SRC,	IORING_URING_CMD_FIXED },
};
#define T_NR_FLAG_CASES	(sizeof(t_flag_cases) / sizeof(t_flag_cases[0]))

/* What a uoffload SQE must hold, in the terms of <linux/uoffload.h>. */
struct t_sqe {
	__s32	fd;
	__u32	cmd_op;
	__u64	addr;
	__u32	len;
	__u32	uring_cmd_flags;
	__u16	buf_index;
	__u64	cmd_src;
	__u32	cmd_flags;
	/* uoff_zip_cmd.src_len; uoff_cmd.reserved (0) for other commands */
	__u32	cmd_src_len;
};

static inline void t_sqe_image(unsigned char img[T_SQE_SIZE],
			       const struct t_sqe *e,
			       const unsigned char before[T_SQE_SIZE])
{
	__u8 opcode = IORING_OP_URING_CMD;

	memset(img, 0, T_SQE_SIZE);
	t_put(img, 0, &opcode, 1);
	if (!T_PREP_CLEARS_FLAGS) {
		t_put(img, 1, before + 1, 1);
		t_put(img, 42, before + 42, 2);
	}
	t_put(img, 4, &e->fd, 4);
	t_put(img, 8, &e->cmd_op, 4);
	t_put(img, 16, &e->addr, 8);
	t_put(img, 24, &e->len, 4);
	t_put(img, 28, &e->uring_cmd_flags, 4);
	/* user_data is the caller's: the helpers must not touch it. */
	t_put(img, 32, before + 32, 8);
	t_put(img, 40, &e->buf_index, 2);
	t_put(img, 48, &e->cmd_src, 8);
	t_put(img, 56, &e->cmd_flags, 4);
	t_put(img, 60, &e->cmd_src_len, 4);
}

static const struct {
	unsigned int	off;
	unsigned int	len;
	const char	*name;
} t_sqe_fields[] = {
	{ 0, 1, "opcode" },	{ 1, 1, "flags" },
	{ 2, 2, "ioprio" },	{ 4, 4, "fd" },
	{ 8, 4, "cmd_op" },	{ 12, 4, "__pad1" },
	{ 16, 8, "addr" },	{ 24, 4, "len" },
	{ 28, 4, "uring_cmd_flags" },
	{ 32, 8, "user_data" },	{ 40, 2, "buf_index" },
	{ 42, 2, "personality" }, { 44, 4, "file_index" },
	{ 48, 8, "cmd.src" },	{ 56, 4, "cmd.flags" },
	{ 60, 4, "cmd.reserved/src_len" },
};

/*
 * The SQE through struct io_uring_sqe, as a second opinion on the byte
 * image of t_sqe_compare(); the payload is left to the caller.
 */
static inline void t_check_sqe_struct(const struct io_uring_sqe *sqe,
				      const struct t_sqe *e, __u64 user_data)
{
	t_check_eq(sqe->opcode, IORING_OP_URING_CMD);
	t_check_eq(sqe->ioprio, 0);
	t_check_eq(sqe->fd, e->fd);
	t_check_eq(sqe->cmd_op, e->cmd_op);
	t_check_eq(sqe->__pad1, 0);
	t_check_eq(sqe->addr, e->addr);
	t_check_eq(sqe->len, e->len);
	t_check_eq(sqe->uring_cmd_flags, e->uring_cmd_flags);
	t_check_eq(sqe->user_data, user_data);
	t_check_eq(sqe->buf_index, e->buf_index);
	t_check_eq(sqe->file_index, 0);
}

static inline void t_dump(const char *what, const unsigned char *p,
			  unsigned int len)
{
	unsigned int i;

	fprintf(stderr, "    %-5s", what);
	for (i = 0; i < len; i++)
		fprintf(stderr, " %02x", p[i]);
	fprintf(stderr, "\n");
}

/*
 * Compare the SQE a helper wrote with the expected image.  @sqes points
 * at two SQEs: the helper wrote the first, the second must be untouched
 * since a 64-byte ring has the next entry right there.
 */
static inline int t_sqe_compare(const char *label,
				const struct io_uring_sqe *sqes,
				const struct t_sqe *e,
				const unsigned char before[2 * T_SQE_SIZE])
{
	const unsigned char *got = (const unsigned char *)sqes;
	unsigned char want[T_SQE_SIZE];
	unsigned int i;
	int bad = 0;

	t_sqe_image(want, e, before);
	for (i = 0; i < sizeof(t_sqe_fields) / sizeof(t_sqe_fields[0]); i++) {
		unsigned int off = t_sqe_fields[i].off;
		unsigned int len = t_sqe_fields[i].len;

		if (!memcmp(got + off, want + off, len))
			continue;
		fprintf(stderr, "%s: sqe->%s wrong\n", label,
			t_sqe_fields[i].name);
		t_dump("got", got + off, len);
		t_dump("want", want + off, len);
		bad = 1;
	}
	if (memcmp(got + T_SQE_SIZE, before + T_SQE_SIZE, T_SQE_SIZE)) {
		fprintf(stderr, "%s: wrote past the end of the SQE\n", label);
		bad = 1;
	}
	if (bad)
		t_failed++;
	return bad;
}

#endif /* OFFLOAD_TEST_HELPERS_H */
