// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * uoff-copy - copy memory, or a file, through the uoffload io_uring engine.
 *
 *   uoff-copy [-s SIZE] [-n ITER] [-q DEPTH] [-c CHUNK] [FILE_IN FILE_OUT]
 *
 * Buffer mode (no files): copy SIZE bytes between two buffers as CHUNK-sized
 * UOFF_CMD_COPY requests with DEPTH of them in flight, check every byte, and
 * compare the throughput with plain memcpy() over the same buffers.
 *
 * File mode: stream FILE_IN to FILE_OUT as linked READ -> COPY -> WRITE
 * chains, one per chunk, then read both files back and compare them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>
#include <liburing-offload.h>

static struct io_uring ring;
static int uoff_fd;			/* the open /dev/uoffload */
static unsigned int depth = 16;		/* requests (file mode: chains) in flight */
static size_t chunk = 1 << 20;		/* bytes per COPY request */

static void usage(void)
{
	fprintf(stderr,
		"usage: uoff-copy [-s SIZE] [-n ITER] [-q DEPTH] [-c CHUNK] [FILE_IN FILE_OUT]\n"
		"  -s SIZE   buffer size in buffer mode (default 64M; K/M/G suffixes)\n"
		"  -n ITER   timed repetitions, the best is reported (default 5)\n"
		"  -q DEPTH  requests kept in flight (default 16)\n"
		"  -c CHUNK  bytes per copy request (default 1M)\n"
		"With FILE_IN FILE_OUT, copy the file instead (-s and -n are ignored).\n");
	exit(2);
}

/* Print "uoff-copy: <message>" on stderr; returns 1, the failure exit code. */
static __attribute__((format(printf, 1, 2))) int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("uoff-copy: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* "64M" -> 67108864; K, M and G are powers of 1024. */
static bool parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return false;
	switch (*end) {
	case 'g': case 'G': v <<= 10; /* fall through */
	case 'm': case 'M': v <<= 10; /* fall through */
	case 'k': case 'K': v <<= 10; end++; break;
	}
	*out = v;
	return *end == '\0' && v > 0;
}

static const char *human(size_t n)
{
	static const char *const unit[] = { "bytes", "KiB", "MiB", "GiB" };
	static char buf[32];
	int u = 0;

	while (u < 3 && !(n & 1023))
		n >>= 10, u++;
	snprintf(buf, sizeof(buf), "%zu %s", n, unit[u]);
	return buf;
}

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *alloc_buf(size_t size)
{
	/* Page aligned, so no request straddles more pages than it must. */
	void *p = aligned_alloc(4096, (size + 4095) & ~(size_t)4095);

	if (!p)
		exit(fail("cannot allocate %s", human(size)));
	return p;
}

/*
 * Copy size bytes with up to depth requests in flight.  On an error we stop
 * submitting but still wait for every request already queued: the kernel
 * may be writing into dst until its completion arrives.
 */
static int offload_copy(unsigned char *dst, const unsigned char *src, size_t size)
{
	unsigned int inflight = 0;
	size_t off = 0;
	int err = 0;

	while (inflight || (!err && off < size)) {
		struct io_uring_cqe *cqe;
		int ret;

		while (!err && inflight < depth && off < size) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			unsigned int len = min_sz(size - off, chunk);

			io_uring_prep_copy(sqe, uoff_fd, dst + off, src + off, len, 0);
			io_uring_sqe_set_data64(sqe, len);	/* the res we expect */
			off += len;
			inflight++;
		}
		ret = io_uring_submit_and_wait(&ring, 1);
		if (ret < 0)
			return ret;	/* nothing we queued can still be running */
		while (io_uring_peek_cqe(&ring, &cqe) == 0) {
			int res = cqe->res, want = cqe->user_data;

			io_uring_cqe_seen(&ring, cqe);
			inflight--;
			if (res != want && !err) {
				if (res >= 0)
					fail("a copy wrote %d of %d bytes", res, want);
				err = res < 0 ? res : -EIO;
			}
		}
	}
	return err;
}

static int buffer_mode(size_t size, int iters, const struct uoff_features *f)
{
	static const char *const engine_names[] = { "cpu", "sdxi", "dmaengine" };
	unsigned char *src = alloc_buf(size), *dst = alloc_buf(size);
	double best_off = 0, best_mem = 0;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	char engines[64] = "none";

	/* A xorshift stream: no short period a broken copy could get right. */
	for (size_t i = 0; i < size; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		src[i] = x >> 32;
	}
	for (int i = 0; i < iters; i++) {
		double t0, t1, t2, t3;
		int ret;

		/* Poison dst first, so bytes that were never written are caught. */
		memset(dst, 0x5a, size);
		t0 = now_ns();
		ret = offload_copy(dst, src, size);
		t1 = now_ns();
		if (ret < 0)
			return fail("offload copy failed: %s", strerror(-ret));
		if (memcmp(dst, src, size)) {
			size_t bad = 0;

			while (dst[bad] == src[bad])
				bad++;
			return fail("verification FAILED at offset %zu", bad);
		}
		t2 = now_ns();
		memcpy(dst, src, size);
		/* Tell the compiler dst is observed, so the memcpy must happen. */
		__asm__ volatile("" : : "r"(dst) : "memory");
		t3 = now_ns();
		if (!i || t1 - t0 < best_off)
			best_off = t1 - t0;
		if (!i || t3 - t2 < best_mem)
			best_mem = t3 - t2;
	}

	double off_gbs = size / best_off, mem_gbs = size / best_mem;	/* B/ns = GB/s */

	for (unsigned int b = 0, n = 0; b < 3; b++)
		if (f->engines & (1ULL << b))
			n += snprintf(engines + n, sizeof(engines) - n, "%s%s",
				      n ? "+" : "", engine_names[b]);
	printf("uoff-copy: %s copied and verified; offload %.2f GB/s, memcpy %.2f GB/s "
	       "(ratio %.2f), engine %s, %u channel%s\n", human(size), off_gbs, mem_gbs,
	       off_gbs / mem_gbs, engines, f->nr_channels, f->nr_channels == 1 ? "" : "s");
	free(src);
	free(dst);
	return 0;
}

/*
 * File mode.  Each slot owns an input and an output buffer and moves one
 * chunk at a time as a linked chain READ(in) -> COPY(out <- in) -> WRITE(out).
 * The links make the kernel run the three in order, so the application only
 * acts once per chunk, when the chain is done.  Every op of a chain must
 * move the whole chunk: a short read (the file shrank) or short write (the
 * disk filled) is reported as an error, and a failing op cancels the rest of
 * its chain with -ECANCELED.
 */
struct slot {
	char *in, *out;
	off_t off;		/* file offset of this chunk */
	unsigned int len;
	int pending;		/* CQEs of its chain still to come */
};

enum { ST_READ, ST_COPY, ST_WRITE };
static const char *const stage_names[] = { "read", "offload copy", "write" };

static void queue_chain(struct slot *s, unsigned int i, int fin, int fout)
{
	struct io_uring_sqe *sqe[3];

	for (int k = 0; k < 3; k++)
		sqe[k] = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe[ST_READ], fin, s->in, s->len, s->off);
	io_uring_prep_copy(sqe[ST_COPY], uoff_fd, s->out, s->in, s->len, 0);
	io_uring_prep_write(sqe[ST_WRITE], fout, s->out, s->len, s->off);
	for (int k = 0; k < 3; k++)
		io_uring_sqe_set_data64(sqe[k], (__u64)i << 2 | k);
	sqe[ST_READ]->flags |= IOSQE_IO_LINK;	/* copy starts after the read */
	sqe[ST_COPY]->flags |= IOSQE_IO_LINK;	/* write starts after the copy */
	/*
	 * Linux 6.12 reads a linked uring_cmd's SQE only when the command
	 * starts, after we may have reused the slot; IOSQE_ASYNC makes
	 * io_uring copy it at submission instead.
	 */
	sqe[ST_COPY]->flags |= IOSQE_ASYNC;
	s->pending = 3;
}

static bool read_full(int fd, char *buf, size_t len, off_t off)
{
	for (ssize_t n; len; buf += n, len -= n, off += n)
		if ((n = pread(fd, buf, len, off)) <= 0)
			return false;
	return true;
}

static int file_mode(const char *in_path, const char *out_path)
{
	int fin = open(in_path, O_RDONLY), fout, bad_res = 0, bad_stage = -1;
	struct slot *slots = calloc(depth, sizeof(*slots));
	unsigned int inflight = 0, bad_len = 0;
	struct stat st, st2;
	off_t next = 0;

	if (fin < 0 || fstat(fin, &st) || !S_ISREG(st.st_mode))
		return fail("%s: %s", in_path, fin < 0 ? strerror(errno) : "not a regular file");
	fout = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fout < 0)
		return fail("%s: %s", out_path, strerror(errno));
	for (unsigned int i = 0; i < depth; i++)
		slots[i].in = alloc_buf(chunk), slots[i].out = alloc_buf(chunk);

	double t0 = now_ns();

	for (;;) {
		struct io_uring_cqe *cqe;

		/* Every idle slot takes the next chunk, until an error. */
		for (unsigned int i = 0; i < depth && bad_stage < 0 && next < st.st_size; i++) {
			if (slots[i].pending)
				continue;
			slots[i].off = next;
			slots[i].len = min_sz(st.st_size - next, chunk);
			next += slots[i].len;
			queue_chain(&slots[i], i, fin, fout);
			inflight += 3;
		}
		if (!inflight)
			break;
		int ret = io_uring_submit_and_wait(&ring, 1);

		if (ret < 0)
			return fail("io_uring_submit: %s", strerror(-ret));
		while (io_uring_peek_cqe(&ring, &cqe) == 0) {
			struct slot *s = &slots[cqe->user_data >> 2];
			int res = cqe->res;

			/* Keep the first real failure, not the -ECANCELED it causes. */
			if (res != (int)s->len && (bad_stage < 0 || bad_res == -ECANCELED)) {
				bad_stage = cqe->user_data & 3;
				bad_res = res;
				bad_len = s->len;
			}
			io_uring_cqe_seen(&ring, cqe);
			s->pending--;
			inflight--;
		}
	}
	double t1 = now_ns();

	if (bad_stage >= 0 && bad_res < 0)
		return fail("%s failed: %s", stage_names[bad_stage], strerror(-bad_res));
	if (bad_stage >= 0)
		return fail("%s moved %d of %u bytes", stage_names[bad_stage], bad_res, bad_len);
	/* Read both files back with plain pread() and compare them. */
	close(fout);
	fout = open(out_path, O_RDONLY);
	if (fout < 0 || fstat(fout, &st2) || st2.st_size != st.st_size)
		return fail("verification FAILED: %s has the wrong size", out_path);
	for (off_t off = 0; off < st.st_size; off += chunk) {
		size_t len = min_sz(st.st_size - off, chunk);

		if (!read_full(fin, slots[0].in, len, off) ||
		    !read_full(fout, slots[0].out, len, off) ||
		    memcmp(slots[0].in, slots[0].out, len))
			return fail("verification FAILED in the chunk at offset %lld",
				    (long long)off);
	}
	printf("uoff-copy: %s -> %s: %lld bytes copied and verified in %.1f ms, %.2f GB/s\n",
	       in_path, out_path, (long long)st.st_size, (t1 - t0) / 1e6,
	       st.st_size / (t1 - t0));
	for (unsigned int i = 0; i < depth; i++)
		free(slots[i].in), free(slots[i].out);
	free(slots);
	close(fin);
	close(fout);
	return 0;
}

/*
 * Which engines did the work: the module's stats file, read before and
 * after.  Bytes per engine are summed over the copy channels ("chanN" on
 * the CPU, "dchanN" on a device; compression channels left out), plus what
 * ran inline in the submitting task.
 */
#define STATS_PATH	"/sys/class/misc/uoffload/stats"

struct served {
	double inline_bytes, cpu_bytes, dev_bytes, doorbells, irqs;
	unsigned int dev_chans;
	char dev_engine[32];
};

static double stat_value(char (*names)[64], const double *vals, int n,
			 const char *prefix, const char *key)
{
	char want[96];

	snprintf(want, sizeof(want), "%s.%s", prefix, key);
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], want))
			return vals[i];
	return 0;
}

static bool read_served(struct served *s)
{
	static char names[1024][64], engines[1024][32];
	static double vals[1024];
	FILE *f = fopen(STATS_PATH, "r");
	char line[160];
	int n = 0;

	memset(s, 0, sizeof(*s));
	if (!f)
		return false;
	while (n < 1024 && fgets(line, sizeof(line), f)) {
		engines[n][0] = 0;
		vals[n] = 0;
		if (sscanf(line, "%63s %31s", names[n], engines[n]) != 2)
			continue;
		vals[n] = strtod(engines[n], NULL);
		n++;
	}
	fclose(f);
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], "inline_bytes"))
			s->inline_bytes = vals[i];
	for (int i = 0; i < n; i++) {
		char prefix[64], *dot = strrchr(names[i], '.');

		if (!dot || strcmp(dot, ".engine") || !strncmp(names[i], "zchan", 5))
			continue;
		snprintf(prefix, sizeof(prefix), "%.*s", (int)(dot - names[i]), names[i]);
		if (!strcmp(engines[i], "cpu")) {
			s->cpu_bytes += stat_value(names, vals, n, prefix, "bytes");
			continue;
		}
		s->dev_bytes += stat_value(names, vals, n, prefix, "bytes");
		s->doorbells += stat_value(names, vals, n, prefix, "doorbells");
		s->irqs += stat_value(names, vals, n, prefix, "irqs");
		s->dev_chans++;
		memcpy(s->dev_engine, engines[i], sizeof(s->dev_engine));
	}
	return true;
}

static void report_served(const struct served *before)
{
	const double mib = 1 << 20;
	struct served now;

	if (!read_served(&now))
		return;
	if (now.dev_chans)
		printf("uoff-copy: served by %s (%u channel%s): %.1f MiB, %.0f doorbells, %.0f interrupts\n",
		       now.dev_engine, now.dev_chans, now.dev_chans == 1 ? "" : "s",
		       (now.dev_bytes - before->dev_bytes) / mib,
		       now.doorbells - before->doorbells, now.irqs - before->irqs);
	printf("uoff-copy: served by the CPU: %.1f MiB inline, %.1f MiB on its channels\n",
	       (now.inline_bytes - before->inline_bytes) / mib,
	       (now.cpu_bytes - before->cpu_bytes) / mib);
}

int main(int argc, char **argv)
{
	struct served before;
	struct uoff_features feat = { 0 };
	size_t size = 64 << 20;
	int iters = 5, opt, ret;

	while ((opt = getopt(argc, argv, "s:n:q:c:h")) != -1) {
		switch (opt) {
		case 's': if (!parse_size(optarg, &size)) usage(); break;
		case 'c': if (!parse_size(optarg, &chunk)) usage(); break;
		case 'n': iters = atoi(optarg); if (iters < 1) usage(); break;
		case 'q': depth = atoi(optarg); if (depth < 1 || depth > 4096) usage(); break;
		default: usage();
		}
	}
	if (argc - optind != 0 && argc - optind != 2)
		usage();

	uoff_fd = io_uring_offload_open(0);
	if (uoff_fd < 0)
		return fail("cannot open %s: %s", UOFF_DEVICE_PATH, strerror(-uoff_fd));
	ret = io_uring_offload_get_features(uoff_fd, &feat);
	if (ret < 0)
		return fail("GET_FEATURES: %s", strerror(-ret));
	if (chunk > feat.max_op_len)
		return fail("-c %zu is above the module's max_op_len %u", chunk,
			    feat.max_op_len) + 1;	/* a usage error: exit 2 */
	/* File mode queues three SQEs per slot; the CQ ring is twice the SQ. */
	ret = io_uring_queue_init(3 * depth, &ring, 0);
	if (ret < 0)
		return fail("io_uring_queue_init: %s", strerror(-ret));
	read_served(&before);
	if (argc - optind == 2)
		ret = file_mode(argv[optind], argv[optind + 1]);
	else
		ret = buffer_mode(size, iters, &feat);
	if (!ret)
		report_served(&before);
	io_uring_queue_exit(&ring);
	return ret;
}
