/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * uoffload: bulk copy, fill, deflate and inflate through io_uring, executed
 * by whatever data mover or compression accelerator the machine has (or by
 * the CPU when it has none).
 *
 * Every command is an IORING_OP_URING_CMD on a file descriptor of
 * /dev/uoffload and fits an ordinary 64-byte SQE:
 *
 *	sqe->opcode	IORING_OP_URING_CMD
 *	sqe->fd		the open /dev/uoffload
 *	sqe->cmd_op	UOFF_CMD_*
 *	sqe->addr	destination (COPY, FILL, DEFLATE, INFLATE),
 *			descriptor array (BATCH), result buffer (GET_FEATURES)
 *	sqe->len	length in bytes (COPY, FILL), destination capacity
 *			in bytes (DEFLATE, INFLATE), number of descriptors
 *			(BATCH), buffer size (GET_FEATURES)
 *	sqe->cmd	struct uoff_cmd, or struct uoff_zip_cmd for DEFLATE
 *			and INFLATE (the first 16 bytes of the payload)
 *
 * sqe->ioprio and sqe->file_index must be 0, and so must sqe->buf_index
 * unless a UOFF_F_FIXED_* flag is given.  On an IORING_SETUP_SQE128 ring
 * the 64 payload bytes past struct uoff_cmd are ignored.  A COPY or FILL of
 * length 0 and a BATCH of 0 descriptors complete with 0.
 *
 * cqe->res is the number of bytes written to the destination (COPY, FILL,
 * the sum over all descriptors for BATCH, the compressed or decompressed
 * stream for DEFLATE and INFLATE), the number of bytes of struct
 * uoff_features written (GET_FEATURES), or a negative errno:
 *
 *	EINVAL		unknown or inapplicable flag, non-zero reserved field,
 *			unknown descriptor op, overlapping source and destination
 *			ranges, a FIXED flag without IORING_URING_CMD_FIXED or
 *			the reverse, a GET_FEATURES buffer under 8 bytes,
 *			a missing or unknown compression format, a level
 *			above 9, a level given to INFLATE
 *	EFAULT		a range is not mapped, the destination is not writable,
 *			the address range wraps, or a FIXED range lies outside
 *			the registered buffer (io_uring itself answers EFAULT
 *			when buf_index names no registered buffer)
 *	E2BIG		length above max_op_len, more than max_batch
 *			descriptors, or a BATCH totalling more than max_op_len;
 *			for DEFLATE and INFLATE, either length above max_op_len
 *	ENOSPC		DEFLATE, INFLATE: the output does not fit in the
 *			destination's capacity (nothing is written)
 *	EBADMSG		INFLATE: the source is not one complete, valid stream
 *			of the format: bad header, corrupt data, checksum or
 *			length mismatch, truncated stream, or bytes after its
 *			end (nothing is written)
 *	EOPNOTSUPP	unknown cmd_op
 *	EAGAIN		UOFF_F_NOWAIT was given and the per-file or system-wide
 *			in-flight limit is reached, or as many requests as may
 *			be in flight are already waiting for capacity
 *	ENOMEM		the kernel could not allocate the request (for DEFLATE
 *			and INFLATE, also the memory that stages the output)
 *	ECANCELED	the ring was closed or the submitting task exited
 *			while the op ran (destination bytes may be partly
 *			written) or waited for in-flight capacity (nothing
 *			written)
 *	EIO		the engine failed and no fallback could finish the op
 *
 * A request that fails with anything but ECANCELED or EIO has written
 * nothing.  DEFLATE and INFLATE write nothing on any failure: their output
 * is staged and copied to the destination only once the whole stream has
 * been produced and checked; on success nothing past dst + cqe->res is
 * written.
 *
 * Overlap rule (COPY): a source and destination whose virtual address
 * ranges overlap are rejected with EINVAL.  Distinct virtual ranges that
 * map the same physical memory give unspecified bytes where they meet, as
 * memcpy() does.  The descriptors of one BATCH run in no defined order and
 * may run in parallel; chain SQEs with IOSQE_IO_LINK when order matters.
 */
#ifndef _UAPI_LINUX_UOFFLOAD_H
#define _UAPI_LINUX_UOFFLOAD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define UOFF_ABI_VERSION	1
#define UOFF_DEVICE_PATH	"/dev/uoffload"

/* Operations: descriptor ops and bit numbers of uoff_features.ops. */
enum uoff_op {
	UOFF_OP_COPY		= 1,
	UOFF_OP_FILL		= 2,
	UOFF_OP_BATCH		= 3,
	UOFF_OP_DEFLATE		= 4,
	UOFF_OP_INFLATE		= 5,
};

/**
 * struct uoff_cmd - the payload in sqe->cmd
 * @src:	COPY: source address; FILL: the 8-byte pattern, byte i of the
 *		destination being byte (i % 8) of the little-endian pattern;
 *		BATCH and GET_FEATURES: 0
 * @flags:	UOFF_F_*
 * @reserved:	must be 0
 */
struct uoff_cmd {
	__u64	src;
	__u32	flags;
	__u32	reserved;
};

/*
 * The destination (COPY, FILL, every BATCH descriptor) lies in the
 * registered buffer sqe->buf_index; the SQE must also carry
 * IORING_URING_CMD_FIXED in sqe->uring_cmd_flags.
 */
#define UOFF_F_FIXED_DST	(1U << 0)
/*
 * Likewise for the source of COPY (and of every BATCH copy descriptor); not
 * accepted by FILL.  An SQE names one registered buffer, so with both flags
 * both ranges lie in that one buffer.
 */
#define UOFF_F_FIXED_SRC	(1U << 1)
/* Fail with -EAGAIN instead of waiting when in-flight limits are reached. */
#define UOFF_F_NOWAIT		(1U << 2)
#define UOFF_F_ALL		(UOFF_F_FIXED_DST | UOFF_F_FIXED_SRC | UOFF_F_NOWAIT)

/*
 * Compression formats: DEFLATE produces and INFLATE accepts exactly one of
 * them, named in bits 8-11 of the flags with UOFF_F_ZIP_FORMAT().
 *
 * UOFF_ZIP_RAW		a bare deflate stream (RFC 1951)
 * UOFF_ZIP_ZLIB	zlib (RFC 1950): 2-byte header, Adler-32 trailer; a
 *			stream that needs a preset dictionary is refused
 * UOFF_ZIP_GZIP	gzip (RFC 1952): DEFLATE writes one member with a
 *			10-byte header (no name, MTIME 0, OS 3) and the CRC-32
 *			and size trailer; INFLATE accepts every header field
 *			(checking FHCRC when present) and, like gzip(1), a
 *			series of members, whose outputs are concatenated
 *
 * Deflate streams may use the full 32 KiB window: INFLATE accepts any
 * stream gzip(1) or zlib produce.
 */
enum uoff_zip_format {
	UOFF_ZIP_RAW		= 1,
	UOFF_ZIP_ZLIB		= 2,
	UOFF_ZIP_GZIP		= 3,
};

/*
 * DEFLATE levels 1 (fastest) to 9 (smallest), as zlib's, in bits 12-15 of
 * the flags with UOFF_F_ZIP_LEVEL(); 0 there means UOFF_ZIP_LEVEL_DEFAULT.
 * A compression accelerator may treat the level as a hint.  INFLATE takes
 * no level.
 */
#define UOFF_ZIP_LEVEL_DEFAULT	6
#define UOFF_ZIP_LEVEL_MAX	9

#define UOFF_F_ZIP_FORMAT(fmt)	(((__u32)(fmt) & 0xf) << 8)
#define UOFF_F_ZIP_LEVEL(lvl)	(((__u32)(lvl) & 0xf) << 12)
#define UOFF_F_ZIP_FORMAT_MASK	UOFF_F_ZIP_FORMAT(0xf)
#define UOFF_F_ZIP_LEVEL_MASK	UOFF_F_ZIP_LEVEL(0xf)
#define UOFF_ZIP_FORMAT_OF(flags)	(((flags) >> 8) & 0xf)
#define UOFF_ZIP_LEVEL_OF(flags)	(((flags) >> 12) & 0xf)

/**
 * struct uoff_zip_cmd - the payload in sqe->cmd for DEFLATE and INFLATE
 * @src:	source address
 * @flags:	UOFF_F_FIXED_DST, UOFF_F_FIXED_SRC, UOFF_F_NOWAIT, and the
 *		UOFF_F_ZIP_FORMAT() (required) and UOFF_F_ZIP_LEVEL() fields
 * @src_len:	source length in bytes; 0 is a valid DEFLATE input (an empty
 *		stream) and an invalid INFLATE one
 *
 * sqe->addr is the destination and sqe->len its capacity.  The source and
 * destination ranges must not overlap.  DEFLATE and INFLATE are single
 * commands; BATCH descriptors cannot carry them.
 */
struct uoff_zip_cmd {
	__u64	src;
	__u32	flags;
	__u32	src_len;
};

/**
 * struct uoff_desc - one element of the array a BATCH points to
 * @op:		UOFF_OP_COPY or UOFF_OP_FILL
 * @reserved0:	must be 0
 * @len:	bytes to write at @dst; 0 is allowed and does nothing
 * @dst:	destination address
 * @src:	COPY: source address; FILL: the pattern
 * @reserved1:	must be 0
 */
struct uoff_desc {
	__u8	op;
	__u8	reserved0[3];
	__u32	len;
	__u64	dst;
	__u64	src;
	__u64	reserved1;
};

/* Engines, as bits of uoff_features.engines. */
#define UOFF_ENGINE_CPU		(1ULL << 0)
#define UOFF_ENGINE_SDXI	(1ULL << 1)
#define UOFF_ENGINE_DMAENGINE	(1ULL << 2)
/* A compression accelerator through the kernel's crypto acomp API. */
#define UOFF_ENGINE_ACOMP	(1ULL << 3)

/**
 * struct uoff_features - what GET_FEATURES reports
 * @abi_version:	UOFF_ABI_VERSION of the running module
 * @size:		sizeof(struct uoff_features) as the module knows it;
 *			a shorter buffer gets a prefix, fields past it are new
 * @ops:		bit (1 << UOFF_OP_*) set for each supported op
 * @flags:		UOFF_F_* the module accepts
 * @engines:		UOFF_ENGINE_* currently serving requests
 * @max_op_len:		largest COPY/FILL length, and largest BATCH total;
 *			never above INT_MAX, so cqe->res can carry it
 * @max_batch:		most descriptors in one BATCH
 * @max_inflight_bytes:	bytes one open file may have in flight
 * @max_inflight_ops:	requests one open file may have in flight
 * @inline_threshold:	requests of at most this many bytes run on the CPU
 *			in the submitting task, without a channel
 * @nr_channels:	channels (descriptor rings) the engine uses for copy
 *			and fill
 * @nr_zip_channels:	channels serving DEFLATE and INFLATE
 * @zip_formats:	bit (1 << UOFF_ZIP_*) set for each format supported
 * @zip_levels:		bit (1 << level) set for each DEFLATE level accepted
 *			in UOFF_F_ZIP_LEVEL() (bit 0: the default)
 * @zip_default_level:	the level a 0 in UOFF_F_ZIP_LEVEL() stands for
 * @reserved:		0
 */
struct uoff_features {
	__u32	abi_version;
	__u32	size;
	__u64	ops;
	__u64	flags;
	__u64	engines;
	__u32	max_op_len;
	__u32	max_batch;
	__u64	max_inflight_bytes;
	__u32	max_inflight_ops;
	__u32	inline_threshold;
	__u32	nr_channels;
	__u32	nr_zip_channels;
	__u32	zip_formats;
	__u16	zip_levels;
	__u16	zip_default_level;
	__u64	reserved[7];
};

/*
 * Command codes for sqe->cmd_op.  The module matches type, number and
 * direction, not the size field, so a code built against an older or newer
 * struct still works.  GET_FEATURES is also an ioctl(2) on the same file
 * descriptor; it fills _IOC_SIZE(request) bytes (at least 8) with a prefix
 * of struct uoff_features and zeroes any bytes past what the module knows.
 * Through the ring, GET_FEATURES takes no flags and writes min(sqe->len,
 * size) bytes.
 */
#define UOFF_IOC_MAGIC		0xBD
#define UOFF_CMD_GET_FEATURES	_IOR(UOFF_IOC_MAGIC, 0x00, struct uoff_features)
#define UOFF_CMD_COPY		_IOW(UOFF_IOC_MAGIC, 0x01, struct uoff_cmd)
#define UOFF_CMD_FILL		_IOW(UOFF_IOC_MAGIC, 0x02, struct uoff_cmd)
#define UOFF_CMD_BATCH		_IOW(UOFF_IOC_MAGIC, 0x03, struct uoff_cmd)
#define UOFF_CMD_DEFLATE	_IOW(UOFF_IOC_MAGIC, 0x04, struct uoff_zip_cmd)
#define UOFF_CMD_INFLATE	_IOW(UOFF_IOC_MAGIC, 0x05, struct uoff_zip_cmd)

#endif /* _UAPI_LINUX_UOFFLOAD_H */
