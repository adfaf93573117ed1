// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * uoff-gzip - a gzip-compatible compressor and decompressor whose
 * compression runs through /dev/uoffload.
 *
 *   uoff-gzip [-d] [-c] [-k] [-f] [-v] [-1..-9] [-b SIZE] [-j N] [FILE...]
 *
 * Like gzip(1): FILE becomes FILE.gz (-d: FILE.gz or FILE.tgz becomes FILE
 * or FILE.tar), which takes FILE's mode and times, and FILE is removed
 * unless -k or -c is given; -c writes to standard output; no FILE, or "-",
 * reads standard input and writes standard output.  An existing output is
 * only replaced with -f.
 *
 * How the work is cut up
 *
 * Compression reads the input in pieces of -b bytes (default 16 MiB) and
 * turns each into one gzip member with one UOFF_CMD_DEFLATE.  RFC 1952
 * allows a file to be a series of members, and gzip -d, gzip -t and zlib
 * read such a file as the concatenation of the members' data.  -j pieces
 * (default 4) are in flight at a time, so that the module's compression
 * channels (it sends each stream to the least loaded one) have work queued
 * while other pieces are read or written.
 *
 * Decompression must hand UOFF_CMD_INFLATE whole members, so it first
 * finds where members start: at a byte string that looks like a gzip
 * header (1f 8b 08, reserved flags clear, a known XFL and OS byte) and
 * that follows a plausible size trailer.  Such a string can also occur
 * inside compressed data, so a boundary is only a guess until the kernel
 * confirms it: an INFLATE that succeeds on the bytes up to a guessed
 * boundary has decoded complete members ending exactly there, checked
 * against their CRC-32 and ISIZE trailers.  A piece runs from one guessed
 * boundary to the next; the ISIZE trailer in its last 4 bytes is the size
 * of its output, and the INFLATE gets exactly that much room.  A piece
 * that fails with EBADMSG or ENOSPC ended at a wrong guess (it cut a
 * member, which then lacks its end or produces more than the bytes before
 * the guess announce) or is corrupt: it grows to the next guess, then to
 * twice its length, and so on until the end of the input.  There EBADMSG
 * is final, and ENOSPC means the piece holds members whose start looked
 * like none, so it is retried with a growing destination.  Pieces are
 * inflated in parallel, so a piece whose start is itself a guess may fail
 * only because that guess was wrong: its failure counts once the pieces
 * before it have been inflated.  Anything after the last member, also the
 * zero padding gzip(1) tolerates, is EBADMSG, as the kernel reports it.
 *
 * The linked chains
 *
 * Every piece moves through the ring as linked SQEs: IORING_OP_READ ->
 * DEFLATE or INFLATE -> IORING_OP_WRITE, with IOSQE_IO_LINK, so that
 * the kernel starts each step when the previous one has finished and the
 * program only acts once per piece.  A WRITE has to carry its length and
 * file offset when it is submitted.  For INFLATE both are known (the
 * ISIZE trailer, and the sum of the pieces before), so a decompressed
 * piece is written by the WRITE of its own chain.  A DEFLATE's output
 * size is only known from its CQE, and io_uring has no way to take a
 * WRITE's length from the result of the request before it; so the WRITE
 * of a compressed piece goes at the head of the next chain of the same
 * buffers: WRITE(piece n) -> READ(piece n + j) -> DEFLATE(piece n + j).
 * The same rotated chain serves decompression when the output is not a
 * regular file we created (standard output) or a piece's size is unknown.
 *
 * Writes to a regular file we created carry explicit offsets and may
 * complete in any order; writes to standard output (a pipe, a terminal, a
 * file opened by the shell) go one at a time, in order, at the current
 * position.  A short write, possible on a pipe, is continued by the next
 * chain; a failing step cancels the rest of its chain (-ECANCELED), and
 * the program reports the first real failure.
 *
 * Limits
 *
 * One member must decompress to at most max_op_len bytes (1 GiB by
 * default): one INFLATE produces one member's data in one buffer.  Files
 * made by uoff-gzip have members of -b bytes, so memory stays at about
 * 2 x -b x -j bytes whatever the file's size; a single-member file from
 * gzip(1) needs its whole compressed and decompressed size in memory.
 * Decompressing standard input reads all of it into memory first, since
 * finding member boundaries needs the bytes after them.
 *
 * Exit status: 0 success, 1 error, 2 a warning (a file skipped), as gzip.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <liburing.h>
#include <liburing-offload.h>

#define EXIT_ERROR	1
#define EXIT_WARNING	2
#define MIN_MEMBER	20	/* 10-byte header, empty deflate block, trailer */
#define MAX_EXPANSION	1032	/* no deflate stream inflates by more */
#define NO_OFFSET	((__u64)-1)	/* READ/WRITE at the file position */

static const char *prog = "uoff-gzip";

/* Options. */
static bool decompress, to_stdout, keep, force, verbose;
static unsigned int level = UOFF_ZIP_LEVEL_DEFAULT;
static size_t piece_size = 16 << 20;	/* input bytes per gzip member */
static unsigned int depth = 4;		/* pieces in flight */

static struct io_uring ring;
static struct uoff_features feat;
static int uoff_fd;
static int exit_status;

/* Set while an output file is being written, so that a signal removes it. */
static const char *volatile partial_output;

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: %s [-d] [-c] [-k] [-f] [-v] [-1..-9] [-b SIZE] [-j N] [FILE...]\n"
		"  -d, --decompress  decompress FILE.gz (or FILE.tgz) into FILE (FILE.tar)\n"
		"  -c, --stdout      write to standard output, keep the input files\n"
		"  -k, --keep        keep the input files\n"
		"  -f, --force       overwrite existing outputs, follow links, write\n"
		"                    compressed data to a terminal\n"
		"  -v, --verbose     print each file's compression ratio\n"
		"  -1..-9            compression level, fastest to smallest (default %d)\n"
		"  -b SIZE           input bytes per gzip member when compressing\n"
		"                    (default 16M; K, M, G suffixes)\n"
		"  -j N              members in flight (default 4)\n"
		"With no FILE, or FILE \"-\", read standard input and write standard output.\n",
		prog, UOFF_ZIP_LEVEL_DEFAULT);
	exit(status);
}

/* "Bad message (EBADMSG)": the text and the errno's name. */
static const char *errno_text(int err)
{
	static char buf[160];
	const char *name = strerrorname_np(err);

	snprintf(buf, sizeof(buf), "%s (%s)", strerror(err), name ? name : "?");
	return buf;
}

static __attribute__((format(printf, 2, 3))) void report(int status, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (status > exit_status)
		exit_status = status;
}

static void on_fatal_signal(int sig)
{
	const char *path = partial_output;

	if (path)
		unlink(path);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* "16M" -> 16777216.  K, M and G multiply by powers of 1024. */
static bool parse_bytes(const char *arg, size_t *out)
{
	static const char suffixes[] = "KMG";
	unsigned long long v;
	const char *unit;
	char *end;

	if (*arg < '0' || *arg > '9')
		return false;
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno)
		return false;
	if (*end) {
		unit = strchr(suffixes, *end & ~0x20);
		if (!unit || end[1])
			return false;
		v <<= 10 * (unit - suffixes + 1);
	}
	*out = v;
	return v > 0 && v <= UINT32_MAX;
}

static uint32_t get_le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Page aligned (pinning touches fewer pages); keeps the first keep bytes. */
static int grow(unsigned char **buf, size_t *size, size_t need, size_t keep_bytes)
{
	unsigned char *p;

	if (need <= *size)
		return 0;
	need = (need + 4095) & ~(size_t)4095;
	p = aligned_alloc(4096, need);
	if (!p)
		return -ENOMEM;
	if (keep_bytes)
		memcpy(p, *buf, keep_bytes);
	free(*buf);
	*buf = p;
	*size = need;
	return 0;
}

/*
 * One piece of work: input bytes [in_off, in_off + in_len) that become the
 * output at position "order" in the output stream.
 */
struct job {
	unsigned long order;
	size_t in_off, in_len;
	size_t dst_len;		/* room given to the DEFLATE or INFLATE */
	size_t hint;		/* -d: the output size the trailer announces */
	bool linked;		/* its WRITE follows in its own chain */
	bool unknown;		/* -d: the output size is not known */
	unsigned int fails;	/* -d: EBADMSG retries of this start */
	off_t out_off;		/* linked: where the WRITE puts the output */
};

/* Output sitting in a slot's buffer until it is written. */
struct pending_write {
	bool busy;		/* holds bytes not yet written */
	bool scheduled;		/* has its place in the output (off is valid) */
	unsigned long order;
	off_t off;		/* NO_OFFSET on a stream */
	size_t len, done;
};

enum stage { ST_WRITE_OUT, ST_READ, ST_ZIP, ST_WRITE_NEW };

#define TODO_READ	1u
#define TODO_ZIP	2u

/* A pair of buffers and the chain that is using them. */
struct slot {
	unsigned char *in, *out;
	size_t in_size, out_size;
	struct job job;
	unsigned int todo;		/* TODO_* still to run for job */
	struct pending_write wr;
	/* the chain in flight */
	enum stage stage[4];
	int res[4];
	unsigned int nr_stages, pending;
	bool job_void, wr_void;		/* results to ignore (-d re-planning) */
};

/* The state of one file's compression or decompression. */
struct pipeline {
	int in_fd, out_fd;
	bool in_is_file;		/* read with READ SQEs at offsets */
	const unsigned char *data;	/* -d: the whole input (mapped or read) */
	size_t in_size;			/* regular file or -d input: its size */
	bool out_seekable;		/* a regular file we created: offsets */
	bool stream_busy;		/* stream: a write is in progress */
	size_t max_out;			/* most one op may produce */

	size_t plan_pos;		/* input offset of the next piece */
	unsigned long plan_order;	/* its place in the output */
	bool no_more;			/* every piece has been planned */
	unsigned long next_write;	/* order of the next output to place */
	off_t out_pos;			/* where that output goes */
	unsigned long long in_total;	/* bytes consumed (for -v) */

	struct job redo;		/* -d: the piece at plan_pos failed; */
	bool have_redo;
	int redo_err;			/* how, until the pieces before it are in */

	int err;			/* first failure: errno, and what failed */
	char what[160];

	struct slot *slots;
};

static __attribute__((format(printf, 3, 4)))
void pipeline_fail(struct pipeline *p, int err, const char *fmt, ...)
{
	va_list ap;

	if (p->err)
		return;
	p->err = err;
	va_start(ap, fmt);
	vsnprintf(p->what, sizeof(p->what), fmt, ap);
	va_end(ap);
}

static const char *zip_name(void)
{
	return decompress ? "inflate" : "deflate";
}

/*
 * Worst-case DEFLATE output: zlib stores incompressible data with 5 bytes
 * per 16 KiB block; an accelerator may instead use fixed Huffman codes,
 * 9 bits for some bytes.  A little more than 1/8 covers both plus the
 * gzip header and trailer.
 */
static size_t deflate_room(size_t len)
{
	return len + (len >> 3) + 256;
}

/*
 * Whether a member that starts at start could end at i: a gzip header at
 * i, and before it a size trailer that one INFLATE can produce and the
 * bytes from start can hold.
 */
static bool looks_like_member(const struct pipeline *p, size_t start, size_t i)
{
	const unsigned char *h = p->data + i;
	unsigned int xfl = h[8], os = h[9];
	size_t isize = get_le32(p->data + i - 4);

	return h[0] == 0x1f && h[1] == 0x8b && h[2] == 8 && !(h[3] & 0xe0) &&
	       (xfl == 0 || xfl == 2 || xfl == 4) && (os <= 13 || os == 255) &&
	       isize <= p->max_out && isize <= (i - start) * MAX_EXPANSION;
}

/* The first guessed member start at or after from, or the input size. */
static size_t next_member(const struct pipeline *p, size_t start, size_t from)
{
	const unsigned char *q;

	while (from + 10 <= p->in_size) {
		q = memchr(p->data + from, 0x1f, p->in_size - 9 - from);
		if (!q)
			break;
		from = q - p->data;
		if (looks_like_member(p, start, from))
			return from;
		from++;
	}
	return p->in_size;
}

/* Whether a piece before order has not been inflated yet. */
static bool earlier_pending(const struct pipeline *p, unsigned long order)
{
	for (unsigned int i = 0; i < depth; i++)
		if (p->slots[i].todo && p->slots[i].job.order < order)
			return true;
	return false;
}

/*
 * -d: the piece j failed with err, and every piece before it has been
 * inflated, so it does start at a member.  Make j the next attempt at that
 * start; false when there is none.
 *
 * EBADMSG, or ENOSPC, where the piece ends at a guess: the guess was
 * wrong and cut a member (which then lacks its end, or produces more than
 * the bytes before the guess announced), so the piece grows, to the next
 * guess first and then to twice its length each time.  At the end of the
 * input EBADMSG is final, and ENOSPC means the piece holds members whose
 * start looked like none: the destination grows instead, and the output
 * size is only learnt from the CQE.
 */
static bool escalate(struct pipeline *p, struct job *j, int err)
{
	size_t rest = p->in_size - j->in_off, room;

	j->linked = false;
	if (j->in_len < rest) {
		j->in_len = j->fails++ ? 2 * j->in_len : j->in_len + 1;
		if (j->in_len > rest)
			j->in_len = rest;
		return true;
	}
	if (err == -EBADMSG) {
		pipeline_fail(p, EBADMSG, "invalid compressed data in the member at offset %zu",
			      j->in_off);
		return false;
	}
	if (j->unknown && j->dst_len >= p->max_out) {
		pipeline_fail(p, ENOSPC, "the data at offset %zu decompresses to more than "
			      "%zu bytes, the most one INFLATE produces", j->in_off, p->max_out);
		return false;
	}
	room = 2 * j->dst_len;
	if (!j->unknown && room < 4 * j->in_len)
		room = 4 * j->in_len;
	j->dst_len = room < p->max_out ? room : p->max_out;
	j->unknown = true;
	return true;
}

/* -d: the next piece, from plan_pos to the next guessed member start. */
static bool plan_inflate(struct pipeline *p, struct job *j)
{
	size_t start = p->plan_pos, end;

	if (p->have_redo) {
		/*
		 * A piece whose start was itself a guess may fail because the
		 * guess was wrong: its failure only counts once the pieces
		 * before it have been inflated.
		 */
		if (earlier_pending(p, p->redo.order) ||
		    !escalate(p, &p->redo, p->redo_err))
			return false;
		*j = p->redo;
		p->have_redo = false;
	} else {
		memset(j, 0, sizeof(*j));
		j->in_off = start;
		j->in_len = MIN_MEMBER;
	}
	/* An unknown size: the same bytes again, with more room. */
	end = j->unknown ? start + j->in_len : next_member(p, start, start + j->in_len);
	j->in_len = end - start;
	if (!j->unknown) {
		j->hint = j->in_len >= 4 ? get_le32(p->data + end - 4) : 0;
		/* An empty member still gets a byte of room. */
		j->dst_len = j->hint ? j->hint : 1;
	}
	if (!j->unknown && (j->hint > p->max_out || j->hint > j->in_len * MAX_EXPANSION)) {
		/* At the end of the input: not a trailer, so a guessed room. */
		j->unknown = true;
		j->dst_len = 4 * j->in_len > 1 << 20 ? 4 * j->in_len : 1 << 20;
		if (j->dst_len > p->max_out)
			j->dst_len = p->max_out;
	}
	p->plan_pos = end;
	if (end == p->in_size)
		p->no_more = true;
	return true;
}

/* Compression: the next piece of input.  Returns false when there is none. */
static bool plan_deflate(struct pipeline *p, struct slot *s, struct job *j)
{
	size_t len = piece_size;

	memset(j, 0, sizeof(*j));
	j->in_off = p->plan_pos;
	if (p->in_is_file) {
		if (len > p->in_size - p->plan_pos)
			len = p->in_size - p->plan_pos;
	} else {
		/* A pipe or terminal: fill the piece with read(2) now. */
		size_t got = 0;
		ssize_t n;

		if (grow(&s->in, &s->in_size, len, 0)) {
			pipeline_fail(p, ENOMEM, "cannot allocate %zu bytes", len);
			return false;
		}
		while (got < len) {
			n = read(p->in_fd, s->in + got, len - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				pipeline_fail(p, errno, "read");
				return false;
			}
			if (!n)
				break;
			got += n;
		}
		if (!got && p->plan_order) {	/* the input ended on a piece boundary */
			p->no_more = true;
			return false;
		}
		len = got;
		if (got < piece_size)
			p->no_more = true;
	}
	j->in_len = len;
	j->dst_len = deflate_room(len);
	p->plan_pos += len;
	if (p->in_is_file && p->plan_pos == p->in_size)
		p->no_more = true;
	return true;
}

/* Give a finished output its place in the output, if its turn has come. */
static bool place_write(struct pipeline *p, struct pending_write *w)
{
	if (w->order != p->next_write || (!p->out_seekable && p->stream_busy))
		return false;
	w->off = p->out_seekable ? p->out_pos : (off_t)NO_OFFSET;
	w->scheduled = true;
	p->out_pos += w->len;
	p->next_write++;
	if (!p->out_seekable && w->len)
		p->stream_busy = true;
	return true;
}

static bool void_in_flight(const struct pipeline *p)
{
	for (unsigned int i = 0; i < depth; i++)
		if (p->slots[i].pending && (p->slots[i].job_void || p->slots[i].wr_void))
			return true;
	return false;
}

/* Plan the next piece into s.  Returns false when there is nothing to plan. */
static bool plan(struct pipeline *p, struct slot *s)
{
	struct job *j = &s->job;

	if (p->no_more || p->err || void_in_flight(p))
		return false;
	if (decompress ? !plan_inflate(p, j) : !plan_deflate(p, s, j))
		return false;
	j->order = p->plan_order++;
	s->todo = TODO_ZIP | (p->in_is_file ? TODO_READ : 0);
	/* Write in the same chain when size and place are known already. */
	if (decompress && !j->unknown && p->out_seekable && p->next_write == j->order) {
		j->linked = true;
		j->out_off = p->out_pos;
		p->out_pos += j->hint;
		p->next_write++;
	}
	return true;
}

static struct io_uring_sqe *get_sqe(void)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

	if (!sqe) {	/* the ring holds 4 SQEs a slot: cannot happen */
		fprintf(stderr, "%s: internal error: submission queue full\n", prog);
		exit(EXIT_ERROR);
	}
	return sqe;
}

/*
 * Queue the next chain of a slot whose previous chain has completed.
 * Returns whether anything moved: a chain queued or an output placed.
 */
static bool queue_chain(struct pipeline *p, struct slot *s)
{
	struct io_uring_sqe *sqe[4];
	struct pending_write *w = &s->wr;
	struct job *j = &s->job;
	unsigned int n = 0, idx = s - p->slots;
	bool placed = false;

	if (s->pending || p->err)
		return false;
	if (w->busy && !w->scheduled) {
		if (!place_write(p, w))
			return false;	/* not its turn: the buffer stays full */
		placed = true;
	}
	if (!s->todo)
		plan(p, s);
	if (grow(&s->in, &s->in_size, (s->todo & TODO_READ) ? j->in_len : 0, 0) ||
	    grow(&s->out, &s->out_size, s->todo ? j->dst_len : 0, w->busy ? w->len : 0)) {
		pipeline_fail(p, ENOMEM, "cannot allocate %zu bytes", j->in_len + j->dst_len);
		return false;
	}

	if (w->busy && w->done == w->len) {
		/* Nothing to write (an empty member's output). */
		w->busy = false;
	} else if (w->busy) {
		sqe[n] = get_sqe();
		io_uring_prep_write(sqe[n], p->out_fd, s->out + w->done, w->len - w->done,
				    w->off == (off_t)NO_OFFSET ? NO_OFFSET : (__u64)w->off + w->done);
		s->stage[n++] = ST_WRITE_OUT;
	}
	if (s->todo & TODO_READ) {
		sqe[n] = get_sqe();
		io_uring_prep_read(sqe[n], p->in_fd, s->in, j->in_len, j->in_off);
		s->stage[n++] = ST_READ;
	}
	if (s->todo & TODO_ZIP) {
		const void *src = p->in_is_file ? (const void *)s->in :
				  p->data ? p->data + j->in_off : s->in;

		sqe[n] = get_sqe();
		if (decompress)
			io_uring_prep_inflate(sqe[n], uoff_fd, s->out, j->dst_len, src,
					      j->in_len, UOFF_ZIP_GZIP, 0);
		else
			io_uring_prep_deflate(sqe[n], uoff_fd, s->out, j->dst_len, src,
					      j->in_len, UOFF_ZIP_GZIP, level, 0);
		/*
		 * Linux 6.12 reads a linked uring_cmd's SQE only when the
		 * command starts, after the SQE may have been reused;
		 * IOSQE_ASYNC makes io_uring copy it at submission instead.
		 */
		if (n)
			sqe[n]->flags |= IOSQE_ASYNC;
		s->stage[n++] = ST_ZIP;
		if (j->linked) {
			sqe[n] = get_sqe();
			io_uring_prep_write(sqe[n], p->out_fd, s->out, j->hint, j->out_off);
			s->stage[n++] = ST_WRITE_NEW;
		}
	}
	for (unsigned int k = 0; k < n; k++) {
		io_uring_sqe_set_data64(sqe[k], (__u64)idx << 2 | k);
		if (k + 1 < n)
			sqe[k]->flags |= IOSQE_IO_LINK;
		s->res[k] = -ECANCELED;
	}
	s->nr_stages = n;
	s->pending = n;
	return n > 0 || placed;
}

/* Account a WRITE's result. */
static void write_done(struct pipeline *p, struct pending_write *w, int res)
{
	if (res == -ECANCELED)
		return;		/* an earlier step failed or was short: retried */
	if (res <= 0) {
		pipeline_fail(p, res ? -res : EIO, "write");
		return;
	}
	w->done += res;
	if (w->done == w->len) {
		w->busy = false;
		if (!p->out_seekable)
			p->stream_busy = false;
	}
}

/*
 * -d: the piece in j could not be inflated as planned.  Drop every piece
 * planned behind it (their start and their place in the output depended
 * on it), and plan it again, once those have left the ring and the pieces
 * before it have been inflated (see escalate()).
 */
static void replan(struct pipeline *p, struct job *j, int err)
{
	for (unsigned int i = 0; i < depth; i++) {
		struct slot *s = &p->slots[i];

		if (s->job.order > j->order && (s->todo || s->pending)) {
			s->job_void = s->pending;
			s->todo = 0;
		}
		if (s->wr.busy && s->wr.order > j->order) {
			s->wr_void = s->pending;
			s->wr.busy = false;
		}
	}
	if (j->linked) {	/* the pieces behind it were placed after it */
		p->out_pos = j->out_off;
		p->next_write = j->order;
	}
	p->plan_order = j->order;
	p->plan_pos = j->in_off;
	p->no_more = false;
	p->redo = *j;
	p->redo_err = err;
	p->have_redo = true;
}

/* The ZIP step's result. */
static void zip_done(struct pipeline *p, struct slot *s, int res)
{
	struct job *j = &s->job;

	if (res == -ECANCELED)
		return;
	if (res == -ENOSPC && !decompress && j->dst_len < p->max_out) {
		/* More than deflate_room(): try again with twice the room. */
		j->dst_len = 2 * j->dst_len < p->max_out ? 2 * j->dst_len : p->max_out;
		s->todo &= ~TODO_READ;
		return;
	}
	if (decompress && (res == -EBADMSG || res == -ENOSPC)) {
		s->todo = 0;
		replan(p, j, res);
		return;
	}
	if (res < 0) {
		pipeline_fail(p, -res, "%s of %zu bytes at offset %zu", zip_name(),
			      j->in_len, j->in_off);
		return;
	}
	if (j->linked && (size_t)res != j->hint) {
		pipeline_fail(p, EIO, "inflate produced %d bytes, the trailer says %zu",
			      res, j->hint);
		return;
	}
	s->todo = 0;
	p->in_total += j->in_len;
	s->wr = (struct pending_write) {
		.busy = true, .scheduled = j->linked, .order = j->order,
		.off = j->out_off, .len = res,
	};
	if (!res && j->linked)
		s->wr.busy = false;
}

/* Every CQE of a slot's chain has arrived: take the results in chain order. */
static void chain_done(struct pipeline *p, struct slot *s)
{
	struct job *j = &s->job;

	for (unsigned int k = 0; k < s->nr_stages; k++) {
		int res = s->res[k];

		switch (s->stage[k]) {
		case ST_WRITE_OUT:
			if (!s->wr_void)
				write_done(p, &s->wr, res);
			break;
		case ST_READ:
			if (s->job_void || res == -ECANCELED)
				break;
			if (res < 0)
				pipeline_fail(p, -res, "read");
			else if ((size_t)res != j->in_len)
				pipeline_fail(p, EIO, "read %d of %zu bytes at offset %zu: "
					      "the file shrank", res, j->in_len, j->in_off);
			else
				s->todo &= ~TODO_READ;
			break;
		case ST_ZIP:
			if (!s->job_void)
				zip_done(p, s, res);
			break;
		case ST_WRITE_NEW:
			if (!s->job_void && s->wr.busy && s->wr.order == j->order)
				write_done(p, &s->wr, res);
			break;
		}
	}
	s->job_void = s->wr_void = false;
}

static bool slot_idle(const struct slot *s)
{
	return !s->pending && !s->todo && !s->wr.busy;
}

/* Run the pipeline until the input is consumed and written, or a failure. */
static int run_pipeline(struct pipeline *p)
{
	for (;;) {
		struct io_uring_cqe *cqe;
		unsigned int inflight = 0, idle = 0;
		bool queued;
		int ret;

		/* Again after a chain, which may place the output others wait for. */
		do {
			queued = false;
			for (unsigned int i = 0; i < depth; i++)
				queued |= queue_chain(p, &p->slots[i]);
		} while (queued);
		for (unsigned int i = 0; i < depth; i++) {
			inflight += p->slots[i].pending > 0;
			idle += slot_idle(&p->slots[i]);
		}
		if (!inflight) {
			if (p->err)
				return -p->err;
			if (p->no_more && idle == depth)
				return 0;
			pipeline_fail(p, EIO, "internal error: the pipeline stalled");
			return -EIO;
		}
		ret = io_uring_submit_and_wait(&ring, 1);
		if (ret < 0 && ret != -EINTR) {
			/* Requests already queued may still use the buffers. */
			fprintf(stderr, "%s: io_uring_submit_and_wait: %s\n", prog,
				errno_text(-ret));
			exit(EXIT_ERROR);
		}
		while (io_uring_peek_cqe(&ring, &cqe) == 0) {
			struct slot *s = &p->slots[cqe->user_data >> 2];

			s->res[cqe->user_data & 3] = cqe->res;
			io_uring_cqe_seen(&ring, cqe);
			if (!--s->pending)
				chain_done(p, s);
		}
	}
}

/* -d: the whole input in memory: mapped (a regular file) or read (a pipe). */
static int load_input(struct pipeline *p, void **mapping)
{
	unsigned char *buf = NULL, *bigger;
	size_t size = 0, cap = 0;
	ssize_t n;

	if (p->in_is_file) {
		if (!p->in_size)
			return 0;
		*mapping = mmap(NULL, p->in_size, PROT_READ, MAP_PRIVATE, p->in_fd, 0);
		if (*mapping == MAP_FAILED)
			return -errno;
		p->data = *mapping;
		return 0;
	}
	for (;;) {
		if (size == cap) {
			cap = cap ? 2 * cap : 1 << 20;
			bigger = realloc(buf, cap);
			if (!bigger) {
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
		}
		n = read(p->in_fd, buf + size, cap - size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -errno;
		}
		if (!n)
			break;
		size += n;
	}
	p->data = buf;
	p->in_size = size;
	return 0;
}

/*
 * Compress or decompress in_fd into out_fd.  Returns 0, or -1 after the
 * failure has been reported.  *out_bytes: the bytes written.
 */
static int transform(const char *name, int in_fd, bool in_is_file, size_t in_size,
		     int out_fd, bool out_seekable, unsigned long long *in_bytes,
		     unsigned long long *out_bytes)
{
	struct pipeline p = {
		.in_fd = in_fd, .out_fd = out_fd, .in_is_file = in_is_file,
		.in_size = in_size, .out_seekable = out_seekable,
		.max_out = feat.max_op_len,
	};
	void *mapping = MAP_FAILED;
	int ret;

	if (decompress) {
		ret = load_input(&p, &mapping);
		if (ret < 0) {
			report(EXIT_ERROR, "%s: %s", name, errno_text(-ret));
			return -1;
		}
		if (p.in_size < 2 || p.data[0] != 0x1f || p.data[1] != 0x8b) {
			report(EXIT_ERROR, "%s: not in gzip format", name);
			ret = -1;
			goto out;
		}
	}
	p.slots = calloc(depth, sizeof(*p.slots));
	if (!p.slots) {
		report(EXIT_ERROR, "%s: %s", name, errno_text(ENOMEM));
		ret = -1;
		goto out;
	}
	ret = run_pipeline(&p);
	if (!ret && out_seekable && ftruncate(out_fd, p.out_pos))
		pipeline_fail(&p, errno, "truncate"), ret = -1;
	if (ret) {
		report(EXIT_ERROR, "%s: %s%s%s", name, p.what, *p.what ? ": " : "",
		       errno_text(p.err));
		ret = -1;
	}
	*in_bytes = p.in_total;
	*out_bytes = p.out_pos;
	for (unsigned int i = 0; i < depth; i++)
		free(p.slots[i].in), free(p.slots[i].out);
	free(p.slots);
out:
	if (mapping != MAP_FAILED)
		munmap(mapping, p.in_size);
	else if (decompress && !in_is_file)
		free((void *)p.data);
	return ret;
}

/* gzip -v: the space saved, and what happened to the input. */
static void print_ratio(const char *name, unsigned long long in, unsigned long long out,
			const char *verb, const char *result)
{
	unsigned long long packed = decompress ? in : out, plain = decompress ? out : in;
	double saved = plain ? 100.0 * (1.0 - (double)packed / plain) : 0.0;

	fprintf(stderr, "%s:\t%5.1f%%", name, saved);
	if (result)
		fprintf(stderr, " -- %s %s", verb, result);
	fputc('\n', stderr);
}

/* FILE -> FILE.gz; -d: FILE.gz -> FILE, FILE.tgz -> FILE.tar.  NULL: skip. */
static char *output_name(const char *in)
{
	size_t len = strlen(in);
	char *out;

	if (!decompress) {
		if ((len > 3 && !strcmp(in + len - 3, ".gz")) ||
		    (len > 4 && !strcmp(in + len - 4, ".tgz"))) {
			report(EXIT_WARNING, "%s already has .gz suffix -- unchanged", in);
			return NULL;
		}
		if (asprintf(&out, "%s.gz", in) < 0)
			out = NULL;
	} else if (len > 3 && !strcmp(in + len - 3, ".gz")) {
		out = strndup(in, len - 3);
	} else if (len > 4 && !strcmp(in + len - 4, ".tgz")) {
		if (asprintf(&out, "%.*s.tar", (int)(len - 4), in) < 0)
			out = NULL;
	} else {
		report(EXIT_WARNING, "%s: unknown suffix -- ignored", in);
		return NULL;
	}
	if (!out)
		report(EXIT_ERROR, "%s: %s", in, errno_text(ENOMEM));
	return out;
}

/* Standard input to standard output. */
static void do_stdin(void)
{
	unsigned long long in_bytes = 0, out_bytes = 0;

	if (!decompress && !force && isatty(STDOUT_FILENO)) {
		report(EXIT_ERROR, "compressed data not written to a terminal. "
		       "Use -f to force compression.");
		return;
	}
	if (decompress && !force && isatty(STDIN_FILENO)) {
		report(EXIT_ERROR, "compressed data not read from a terminal. "
		       "Use -f to force decompression.");
		return;
	}
	if (!transform("stdin", STDIN_FILENO, false, 0, STDOUT_FILENO, false,
		       &in_bytes, &out_bytes) && verbose)
		print_ratio("stdin", in_bytes, out_bytes, NULL, NULL);
}

/* Open the output, refusing to replace an existing file without -f. */
static int create_output(const char *in, const char *out, const struct stat *in_st)
{
	struct stat st;
	int fd;

	if (!stat(out, &st) && st.st_dev == in_st->st_dev && st.st_ino == in_st->st_ino) {
		report(EXIT_ERROR, "%s: input and output are the same file", in);
		return -1;
	}
	fd = open(out, O_WRONLY | O_CREAT | (force ? O_TRUNC : O_EXCL) | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		report(EXIT_WARNING, "%s already exists; not overwritten (use -f)", out);
		return -1;
	}
	if (fd < 0)
		report(EXIT_ERROR, "%s: %s", out, errno_text(errno));
	return fd;
}

static void do_file(const char *in)
{
	unsigned long long in_bytes = 0, out_bytes = 0;
	int in_fd, out_fd = STDOUT_FILENO;
	char *out = NULL;
	struct stat st;
	int ret;

	in_fd = open(in, O_RDONLY | O_CLOEXEC | (force || to_stdout ? 0 : O_NOFOLLOW));
	if (in_fd < 0 && errno == ELOOP && !force && !to_stdout) {
		report(EXIT_WARNING, "%s is a symbolic link -- ignored", in);
		return;
	}
	if (in_fd < 0 || fstat(in_fd, &st)) {
		report(EXIT_ERROR, "%s: %s", in, errno_text(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		report(EXIT_WARNING, "%s is a directory -- ignored", in);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		report(EXIT_WARNING, "%s is not a directory or a regular file -- ignored", in);
		goto out;
	}
	if (!to_stdout && !force && st.st_nlink > 1) {
		report(EXIT_WARNING, "%s has %lu other link%s -- unchanged", in,
		       (unsigned long)st.st_nlink - 1, st.st_nlink > 2 ? "s" : "");
		goto out;
	}
	if (to_stdout) {
		if (!decompress && !force && isatty(STDOUT_FILENO)) {
			report(EXIT_ERROR, "compressed data not written to a terminal. "
			       "Use -f to force compression.");
			goto out;
		}
		ret = transform(in, in_fd, true, st.st_size, STDOUT_FILENO, false,
				&in_bytes, &out_bytes);
		if (!ret && verbose)
			print_ratio(in, in_bytes, out_bytes, NULL, NULL);
		goto out;
	}

	out = output_name(in);
	if (!out)
		goto out;
	out_fd = create_output(in, out, &st);
	if (out_fd < 0)
		goto out;
	partial_output = out;
	ret = transform(in, in_fd, true, st.st_size, out_fd, true, &in_bytes, &out_bytes);
	if (!ret) {
		const struct timespec times[2] = { st.st_atim, st.st_mtim };

		/* Like gzip: the output takes the input's owner, mode and times. */
		if (fchown(out_fd, st.st_uid, st.st_gid))
			st.st_mode &= ~(mode_t)(S_ISUID | S_ISGID);
		if (fchmod(out_fd, st.st_mode & 07777) || futimens(out_fd, times))
			report(EXIT_WARNING, "%s: cannot copy mode or times: %s", out,
			       errno_text(errno));
	}
	if (close(out_fd) && !ret) {
		report(EXIT_ERROR, "%s: %s", out, errno_text(errno));
		ret = -1;
	}
	out_fd = STDOUT_FILENO;
	if (ret) {
		unlink(out);
		partial_output = NULL;
		goto out;
	}
	partial_output = NULL;
	if (verbose)
		print_ratio(in, in_bytes, out_bytes, keep ? "created" : "replaced with", out);
	if (!keep && unlink(in))
		report(EXIT_WARNING, "%s: cannot remove: %s", in, errno_text(errno));
out:
	if (in_fd >= 0)
		close(in_fd);
	free(out);
}

static void check_features(void)
{
	unsigned int op = decompress ? UOFF_OP_INFLATE : UOFF_OP_DEFLATE;
	int ret = io_uring_offload_get_features(uoff_fd, &feat);

	if (ret < 0) {
		report(EXIT_ERROR, "GET_FEATURES: %s", errno_text(-ret));
		exit(EXIT_ERROR);
	}
	if (!(feat.ops & (1ULL << op)) || !(feat.zip_formats & (1U << UOFF_ZIP_GZIP))) {
		report(EXIT_ERROR, "the uoffload module has no %s for gzip: %s", zip_name(),
		       errno_text(EOPNOTSUPP));
		exit(EXIT_ERROR);
	}
	if (!decompress && !(feat.zip_levels & (1U << level))) {
		report(EXIT_ERROR, "the uoffload module does not offer level %u", level);
		exit(EXIT_ERROR);
	}
	if (!decompress && deflate_room(piece_size) > feat.max_op_len) {
		report(EXIT_ERROR, "-b %zu: too large for the module's max_op_len of %u bytes",
		       piece_size, feat.max_op_len);
		exit(EXIT_ERROR);
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "decompress", no_argument, NULL, 'd' },
		{ "uncompress", no_argument, NULL, 'd' },
		{ "stdout", no_argument, NULL, 'c' },
		{ "to-stdout", no_argument, NULL, 'c' },
		{ "keep", no_argument, NULL, 'k' },
		{ "force", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "fast", no_argument, NULL, '1' },
		{ "best", no_argument, NULL, '9' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct sigaction sa = { .sa_handler = on_fatal_signal };
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "dckfv123456789b:j:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': decompress = true; break;
		case 'c': to_stdout = true; break;
		case 'k': keep = true; break;
		case 'f': force = true; break;
		case 'v': verbose = true; break;
		case 'b':
			if (!parse_bytes(optarg, &piece_size))
				usage(EXIT_WARNING);
			break;
		case 'j':
			depth = atoi(optarg);
			if (depth < 1 || depth > 64)
				usage(EXIT_WARNING);
			break;
		case 'h': usage(0); break;
		default:
			if (opt >= '1' && opt <= '9')
				level = opt - '0';
			else
				usage(EXIT_WARNING);
		}
	}

	uoff_fd = io_uring_offload_open(0);
	if (uoff_fd < 0) {
		report(EXIT_ERROR, "cannot open %s: %s", UOFF_DEVICE_PATH, errno_text(-uoff_fd));
		return EXIT_ERROR;
	}
	check_features();
	ret = io_uring_queue_init(4 * depth, &ring, 0);
	if (ret < 0) {
		report(EXIT_ERROR, "io_uring_queue_init: %s", errno_text(-ret));
		return EXIT_ERROR;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if (optind == argc)
		do_stdin();
	for (int i = optind; i < argc; i++) {
		if (!strcmp(argv[i], "-"))
			do_stdin();
		else
			do_file(argv[i]);
	}
	io_uring_queue_exit(&ring);
	return exit_status;
}
