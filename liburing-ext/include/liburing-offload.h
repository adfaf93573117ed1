/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * liburing-offload: io_uring helpers for the uoffload device: copy, fill,
 * deflate and inflate.
 *
 * Each io_uring_prep_*() helper encodes one uoffload command into a 64-byte
 * SQE, following the layout in <linux/uoffload.h>.  Like liburing's own
 * prep helpers they leave sqe->user_data (and, on liburing 2.6 and later,
 * sqe->flags and sqe->personality) to the caller.
 */
#ifndef LIBURING_OFFLOAD_H
#define LIBURING_OFFLOAD_H

#include <stdint.h>
#include <string.h>
#include <liburing.h>
#include <linux/uoffload.h>

#ifdef __cplusplus
extern "C" {
#endif

int io_uring_offload_open(unsigned int flags);
int io_uring_offload_get_features(int fd, struct uoff_features *feat);

/*
 * Not part of the API: the encoding every prep helper below shares.  Any
 * FIXED flag needs IORING_URING_CMD_FIXED in the SQE, and the kernel
 * rejects either one without the other.
 */
static inline void __io_uring_prep_offload(struct io_uring_sqe *sqe, int fd,
					   __u32 cmd_op, __u64 addr,
					   unsigned int len, __u64 src,
					   unsigned int flags, int buf_index)
{
	struct uoff_cmd cmd;

	/* Offset 0 also clears __pad1, which shares the union with cmd_op. */
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, len, 0);
	sqe->cmd_op = cmd_op;
	sqe->addr = addr;
	/* Newer liburing no longer clears these in io_uring_prep_rw(). */
	sqe->ioprio = 0;
	sqe->file_index = 0;
	if (flags & (UOFF_F_FIXED_DST | UOFF_F_FIXED_SRC))
		sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
	else
		sqe->uring_cmd_flags = 0;
	sqe->buf_index = (__u16) buf_index;

	memset(&cmd, 0, sizeof(cmd));
	cmd.src = src;
	cmd.flags = flags;
	memcpy(sqe->cmd, &cmd, sizeof(cmd));
}

static inline void io_uring_prep_copy(struct io_uring_sqe *sqe, int fd,
				      void *dst, const void *src,
				      unsigned int len, unsigned int flags)
{
	__io_uring_prep_offload(sqe, fd, UOFF_CMD_COPY, (uintptr_t) dst, len,
				(uintptr_t) src, flags, 0);
}

static inline void io_uring_prep_copy_fixed(struct io_uring_sqe *sqe, int fd,
					    void *dst, const void *src,
					    unsigned int len,
					    unsigned int flags, int buf_index)
{
	__io_uring_prep_offload(sqe, fd, UOFF_CMD_COPY, (uintptr_t) dst, len,
				(uintptr_t) src, flags, buf_index);
}

static inline void io_uring_prep_fill(struct io_uring_sqe *sqe, int fd,
				      void *dst, __u64 pattern,
				      unsigned int len, unsigned int flags)
{
	__io_uring_prep_offload(sqe, fd, UOFF_CMD_FILL, (uintptr_t) dst, len,
				pattern, flags, 0);
}

static inline void io_uring_prep_fill_fixed(struct io_uring_sqe *sqe, int fd,
					    void *dst, __u64 pattern,
					    unsigned int len,
					    unsigned int flags, int buf_index)
{
	__io_uring_prep_offload(sqe, fd, UOFF_CMD_FILL, (uintptr_t) dst, len,
				pattern, flags, buf_index);
}

static inline void io_uring_prep_offload_batch(struct io_uring_sqe *sqe,
					       int fd,
					       const struct uoff_desc *descs,
					       unsigned int nr,
					       unsigned int flags)
{
	__io_uring_prep_offload(sqe, fd, UOFF_CMD_BATCH, (uintptr_t) descs,
				nr, 0, flags, 0);
}

static inline void io_uring_prep_offload_batch_fixed(struct io_uring_sqe *sqe,
						     int fd,
						     const struct uoff_desc *descs,
						     unsigned int nr,
						     unsigned int flags,
						     int buf_index)
{
	__io_uring_prep_offload(sqe, fd, UOFF_CMD_BATCH, (uintptr_t) descs,
				nr, 0, flags, buf_index);
}

static inline void io_uring_prep_offload_features(struct io_uring_sqe *sqe,
						  int fd,
						  struct uoff_features *feat,
						  unsigned int size)
{
	__io_uring_prep_offload(sqe, fd, UOFF_CMD_GET_FEATURES,
				(uintptr_t) feat, size, 0, 0, 0);
}

/*
 * Not part of the API: DEFLATE and INFLATE carry the source length where
 * the other commands have a reserved word, and the format and level in
 * their flags.
 */
static inline void __io_uring_prep_zip(struct io_uring_sqe *sqe, int fd,
				       __u32 cmd_op, void *dst,
				       unsigned int dst_len, const void *src,
				       unsigned int src_len,
				       unsigned int format, unsigned int level,
				       unsigned int flags, int buf_index)
{
	struct uoff_zip_cmd cmd;

	__io_uring_prep_offload(sqe, fd, cmd_op, (uintptr_t) dst, dst_len,
				(uintptr_t) src, flags, buf_index);
	/*
	 * The fields are 4 bits wide: rather than let a larger value wrap to
	 * a valid one, encode format 15, which the kernel refuses (EINVAL).
	 */
	if (format > 0xf || level > 0xf)
		format = 0xf;
	memset(&cmd, 0, sizeof(cmd));
	cmd.src = (uintptr_t) src;
	cmd.flags = flags | UOFF_F_ZIP_FORMAT(format) | UOFF_F_ZIP_LEVEL(level);
	cmd.src_len = src_len;
	memcpy(sqe->cmd, &cmd, sizeof(cmd));
}

static inline void io_uring_prep_deflate(struct io_uring_sqe *sqe, int fd,
					 void *dst, unsigned int dst_len,
					 const void *src, unsigned int src_len,
					 unsigned int format, unsigned int level,
					 unsigned int flags)
{
	__io_uring_prep_zip(sqe, fd, UOFF_CMD_DEFLATE, dst, dst_len, src,
			    src_len, format, level, flags, 0);
}

static inline void io_uring_prep_deflate_fixed(struct io_uring_sqe *sqe,
					       int fd, void *dst,
					       unsigned int dst_len,
					       const void *src,
					       unsigned int src_len,
					       unsigned int format,
					       unsigned int level,
					       unsigned int flags,
					       int buf_index)
{
	__io_uring_prep_zip(sqe, fd, UOFF_CMD_DEFLATE, dst, dst_len, src,
			    src_len, format, level, flags, buf_index);
}

static inline void io_uring_prep_inflate(struct io_uring_sqe *sqe, int fd,
					 void *dst, unsigned int dst_len,
					 const void *src, unsigned int src_len,
					 unsigned int format, unsigned int flags)
{
	__io_uring_prep_zip(sqe, fd, UOFF_CMD_INFLATE, dst, dst_len, src,
			    src_len, format, 0, flags, 0);
}

static inline void io_uring_prep_inflate_fixed(struct io_uring_sqe *sqe,
					       int fd, void *dst,
					       unsigned int dst_len,
					       const void *src,
					       unsigned int src_len,
					       unsigned int format,
					       unsigned int flags,
					       int buf_index)
{
	__io_uring_prep_zip(sqe, fd, UOFF_CMD_INFLATE, dst, dst_len, src,
			    src_len, format, 0, flags, buf_index);
}

static inline void io_uring_offload_desc_copy(struct uoff_desc *d, void *dst,
					      const void *src,
					      unsigned int len)
{
	memset(d, 0, sizeof(*d));
	d->op = UOFF_OP_COPY;
	d->len = len;
	d->dst = (uintptr_t) dst;
	d->src = (uintptr_t) src;
}

static inline void io_uring_offload_desc_fill(struct uoff_desc *d, void *dst,
					      __u64 pattern, unsigned int len)
{
	memset(d, 0, sizeof(*d));
	d->op = UOFF_OP_FILL;
	d->len = len;
	d->dst = (uintptr_t) dst;
	d->src = pattern;
}

#ifdef __cplusplus
}
#endif

#endif /* LIBURING_OFFLOAD_H */
