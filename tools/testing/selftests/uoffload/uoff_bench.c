// SPDX-License-Identifier: GPL-2.0
/*
 * uoff_bench - uoffload throughput and request rates, as ratios measured in
 * one run.
 *
 * Absolute numbers from an emulated (TCG) guest mean little and are only
 * comparable within one boot, so every result is also given relative to a
 * baseline measured by the same process at the same time: offload copy
 * against memcpy() over the same buffers and the same address pattern, and
 * 4 KiB copy rates against the IORING_OP_NOP rate of the same ring.
 *
 * A point compares two or three runners.  Each runner gets -t seconds,
 * cut into SLICES slices that alternate with the other runners' slices, and
 * reports its best slice: noise from the host (other guests, a busy CPU)
 * then hits all runners of a point alike and drops out of the best slices.
 *
 * The copy points run twice: with inline_threshold forced to 4294967295
 * (every request runs in the submitting task) and to 0 (every request goes
 * through the channel rings).  The original value is put back on exit.  For
 * ring-path runs the deltas of the module's stats file give doorbells per
 * request and descriptors per doorbell.
 *
 * Under QEMU/TCG, glibc's memcpy() takes its "rep movsb" path for mid sizes
 * (the guest CPU reports ERMS) and TCG emulates that slowly, so the memcpy
 * baseline dips around 64 KiB.  Running with
 * GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold=1000000000 gives a
 * baseline without that artefact.
 *
 * The SDXI part (see sdxi_bench()) runs when the module has SDXI device
 * channels; -s runs only that part.
 *
 * Each result is one line "bench: <name> <value> <unit>"; -q prints only
 * those.  Every offload slice writes a freshly poisoned destination and is
 * compared with its source afterwards.
 *
 * Exit status: 0 all ops succeeded and verified, 1 an op failed or a copy
 * did not verify, 2 usage, 4 (kselftest skip) no /dev/uoffload or, with
 * -s, no SDXI channels.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>
#include <liburing-offload.h>
#include <zlib.h>

#define KSFT_SKIP	4
#define POOL_SIZE	(64UL << 20)	/* every runner walks src and dst pools of this size */
#define SLICES		5
#define RATE_SIZE	4096UL
#define RATE_QD		64		/* SQEs in flight for the rate point */
#define BATCH_NR	64		/* descriptors per BATCH SQE */
#ifndef PARAM_PATH	/* overridable for testing the bench itself */
#define PARAM_PATH	"/sys/module/uoffload/parameters/inline_threshold"
#endif
#ifndef STATS_PATH
#define STATS_PATH	"/sys/class/misc/uoffload/stats"
#endif
#ifndef MODEL_STATS_PATH
#define MODEL_STATS_PATH "/sys/kernel/debug/sdxi_model/stats"
#endif

enum kind { RUN_MEMCPY, RUN_NOP, RUN_COPY, RUN_BATCH };
static const char *const kind_names[] = { "memcpy", "NOP", "COPY", "BATCH" };

/*
 * Counters summed from the module's stats file: the CPU channels ("chanN.")
 * and the device channels ("dchanN."), and the SDXI model's own, if loaded.
 */
enum stat_id {
	ST_INLINE_REQS, ST_RING_REQS, ST_DESCS, ST_DOORBELLS,
	ST_DEV_REQS, ST_DEV_DESCS, ST_DEV_DOORBELLS, ST_DEV_IRQS, ST_DEV_BYTES,
	ST_DEV_FALLBACKS, ST_DEV_ERRORS, ST_MODEL_DESCS, ST_MODEL_IRQS, ST_NR
};

struct stat_key {
	const char *prefix;	/* the name, or with field its channel prefix */
	const char *field;	/* ".descs"..., or NULL for a whole name */
	enum stat_id id;
};

static const struct stat_key module_keys[] = {
	{ "inline_reqs", NULL, ST_INLINE_REQS }, { "ring_reqs", NULL, ST_RING_REQS },
	{ "chan", ".descs", ST_DESCS }, { "chan", ".doorbells", ST_DOORBELLS },
	{ "dchan", ".reqs", ST_DEV_REQS }, { "dchan", ".descs", ST_DEV_DESCS },
	{ "dchan", ".doorbells", ST_DEV_DOORBELLS }, { "dchan", ".irqs", ST_DEV_IRQS },
	{ "dchan", ".bytes", ST_DEV_BYTES }, { "dchan", ".fallbacks", ST_DEV_FALLBACKS },
	{ "dchan", ".errors", ST_DEV_ERRORS },
};

static const struct stat_key model_keys[] = {
	{ "descs", NULL, ST_MODEL_DESCS }, { "irqs", NULL, ST_MODEL_IRQS },
};

struct stats {
	bool ok, model_ok;
	unsigned int dchans;		/* device channels ("dchanN.engine" lines) */
	unsigned long long v[ST_NR];
};

struct runner {
	enum kind kind;
	size_t size;			/* bytes per copy (descriptor) */
	unsigned int qd;		/* SQEs in flight */
	unsigned int nr;		/* descriptors per BATCH SQE */
	const char *name;		/* for messages */
	/* results */
	bool failed;
	double best;			/* best slice: copies (NOP: SQEs) per second */
	unsigned long long sqes;	/* over all slices */
	struct stats delta;		/* module counters over all slices */
};

/* 16k and 256k bracket the inline/ring crossover that inline_threshold sets. */
static const size_t sizes[] = { 4096, 16 << 10, 64 << 10, 256 << 10, 1 << 20,
				64 << 20 };
static const char *const size_names[] = { "4k", "16k", "64k", "256k", "1m", "64m" };
static const unsigned int size_qd[] = { 64, 64, 32, 32, 16, 2 };
#define NR_SIZES	(sizeof(sizes) / sizeof(sizes[0]))

static struct io_uring ring;
static struct uoff_features feat;
static int uoff_fd;
static unsigned char *src_pool, *dst_pool;
static struct uoff_desc descs[RATE_QD][BATCH_NR];
static double seconds = 1.0;
static bool quiet;
static int failures;
static volatile sig_atomic_t stop;
static char saved_threshold[32];	/* set while we hold a forced value */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Human-readable commentary; -q drops it, leaving only "bench:" lines. */
static __attribute__((format(printf, 1, 2))) void note(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static __attribute__((format(printf, 1, 2))) void error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("uoff_bench: ERROR: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

static __attribute__((format(printf, 4, 5)))
void bench(double value, int prec, const char *unit, const char *fmt, ...)
{
	char name[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	printf("bench: %-34s %12.*f %s\n", name, prec, value, unit);
	fflush(stdout);
}

static int write_param(const char *val)
{
	int fd = open(PARAM_PATH, O_WRONLY | O_TRUNC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static void restore_threshold(void)
{
	if (saved_threshold[0] && write_param(saved_threshold) < 0)
		fprintf(stderr, "uoff_bench: could not restore %s to %s\n",
			PARAM_PATH, saved_threshold);
	saved_threshold[0] = '\0';
}

/* Force inline_threshold to val, remembering the value to restore. */
static int set_threshold(const char *val)
{
	if (!saved_threshold[0]) {
		FILE *f = fopen(PARAM_PATH, "r");

		if (!f)
			return -errno;
		if (!fgets(saved_threshold, sizeof(saved_threshold), f))
			saved_threshold[0] = '\0';
		fclose(f);
		saved_threshold[strcspn(saved_threshold, "\n")] = '\0';
		if (!saved_threshold[0])
			return -EIO;
	}
	return write_param(val);
}

/* Whether name is key: "<prefix><digits><field>", or "<prefix>" without a field. */
static bool stat_matches(const char *name, const struct stat_key *key)
{
	size_t plen = strlen(key->prefix);

	if (!key->field)
		return !strcmp(name, key->prefix);
	if (strncmp(name, key->prefix, plen))
		return false;
	name += plen;
	plen = strspn(name, "0123456789");
	return plen && !strcmp(name + plen, key->field);
}

/* Add the counters of one "name value" file to s; false if it cannot be read. */
static bool parse_stats(const char *path, const struct stat_key *keys, unsigned int nr,
			struct stats *s)
{
	FILE *f = fopen(path, "r");
	char line[128], name[64];
	unsigned long long v;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		static const struct stat_key engine = { "dchan", ".engine", ST_NR };
		int n = sscanf(line, "%63s %llu", name, &v);

		if (n >= 1 && stat_matches(name, &engine))
			s->dchans++;
		for (unsigned int k = 0; n == 2 && k < nr; k++) {
			if (stat_matches(name, &keys[k])) {
				s->v[keys[k].id] += v;
				break;
			}
		}
	}
	fclose(f);
	return true;
}

static void read_stats(struct stats *s)
{
	memset(s, 0, sizeof(*s));
	s->ok = parse_stats(STATS_PATH, module_keys,
			    sizeof(module_keys) / sizeof(module_keys[0]), s);
	s->model_ok = parse_stats(MODEL_STATS_PATH, model_keys,
				  sizeof(model_keys) / sizeof(model_keys[0]), s);
}

/* d += b - a */
static void add_delta(struct stats *d, const struct stats *a, const struct stats *b)
{
	d->ok = a->ok && b->ok;
	d->model_ok = a->model_ok && b->model_ok;
	d->dchans = b->dchans;
	for (int k = 0; k < ST_NR; k++)
		d->v[k] += b->v[k] - a->v[k];
}

/* Keep within the module's per-file in-flight limits, so submission never sleeps. */
static unsigned int clamp_qd(unsigned int qd, size_t bytes_per_sqe)
{
	if (feat.max_inflight_ops && qd > feat.max_inflight_ops)
		qd = feat.max_inflight_ops;
	if (feat.max_inflight_bytes && qd * bytes_per_sqe > feat.max_inflight_bytes)
		qd = feat.max_inflight_bytes / bytes_per_sqe;
	return qd ? qd : 1;
}

/*
 * One slice of an io_uring runner: keep rn->qd SQEs in flight until the
 * deadline, then drain.  Copy number u (BATCH: descriptor number u) moves
 * rn->size bytes at pool offset (u * size) % POOL_SIZE, so a slice covers
 * the pool from its start.  Returns completed SQEs, or -1 on a failed op.
 */
static long long slice_ring(struct runner *rn, double deadline)
{
	unsigned int free_slots[RATE_QD], nfree = 0, inflight = 0;
	unsigned int per_sqe = rn->kind == RUN_BATCH ? rn->nr : 1;
	unsigned long long unit = 0, done = 0;
	unsigned long long pool_units = rn->size ? POOL_SIZE / rn->size : 1;
	long long want = rn->kind == RUN_NOP ? 0 : (long long)rn->size * per_sqe;
	bool submitting = true, err = false;

	for (unsigned int i = 0; i < rn->qd; i++)
		free_slots[nfree++] = i;
	while (inflight || submitting) {
		struct io_uring_cqe *cqe;
		int ret;

		for (; submitting && inflight < rn->qd; inflight++, unit += per_sqe) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			unsigned int slot = free_slots[--nfree];
			size_t off = (unit % pool_units) * rn->size;

			if (rn->kind == RUN_NOP) {
				io_uring_prep_nop(sqe);
			} else if (rn->kind == RUN_COPY) {
				io_uring_prep_copy(sqe, uoff_fd, dst_pool + off, src_pool + off,
						   rn->size, 0);
			} else {
				for (unsigned int j = 0; j < rn->nr; j++) {
					off = ((unit + j) % pool_units) * rn->size;
					io_uring_offload_desc_copy(&descs[slot][j], dst_pool + off,
								   src_pool + off, rn->size);
				}
				io_uring_prep_offload_batch(sqe, uoff_fd, descs[slot], rn->nr, 0);
			}
			io_uring_sqe_set_data64(sqe, slot);
		}
		ret = io_uring_submit_and_wait(&ring, 1);
		if (ret < 0 && ret != -EINTR) {
			/* In-flight requests may still write the pools: stop here. */
			error("%s: io_uring_submit_and_wait: %s", rn->name, strerror(-ret));
			exit(1);
		}
		while (io_uring_peek_cqe(&ring, &cqe) == 0) {
			if (cqe->res != want && !err) {
				error("%s: %s of %zu bytes x %u: res %d (%s), expected %lld",
				      rn->name, kind_names[rn->kind], rn->size, per_sqe, cqe->res,
				      cqe->res < 0 ? strerror(-cqe->res) : "short", want);
				err = true;
				submitting = false;
			}
			free_slots[nfree++] = cqe->user_data;
			inflight--;
			done++;
			io_uring_cqe_seen(&ring, cqe);
		}
		if (stop || (done && now_ns() >= deadline))
			submitting = false;
	}
	return err ? -1 : (long long)done;
}

/* One slice of the memcpy() baseline: the same walk through the same pools. */
static long long slice_memcpy(const struct runner *rn, double deadline)
{
	unsigned long long unit = 0, pool_units = POOL_SIZE / rn->size;
	unsigned long long per_check = rn->size >= (1 << 20) ? 1 : (1 << 20) / rn->size;

	do {
		for (unsigned long long j = 0; j < per_check; j++, unit++) {
			size_t off = (unit % pool_units) * rn->size;

			memcpy(dst_pool + off, src_pool + off, rn->size);
		}
		/* The compiler must assume the copies are read. */
		__asm__ volatile("" : : "r"(dst_pool) : "memory");
	} while (now_ns() < deadline && !stop);
	return unit;
}

/* Compare the part of dst a slice wrote with src. */
static void verify(struct runner *rn, unsigned long long copies)
{
	size_t covered = copies * rn->size < POOL_SIZE ? copies * rn->size : POOL_SIZE;

	for (size_t off = 0; off < covered; off += 4096) {
		size_t len = covered - off < 4096 ? covered - off : 4096;

		if (memcmp(dst_pool + off, src_pool + off, len)) {
			error("%s: copied data differs from the source at offset %zu",
			      rn->name, off);
			rn->failed = true;
			return;
		}
	}
}

/* Run the runners of one point, their slices taking turns. */
static void run_point(struct runner *rn, int n)
{
	double slice_ns = seconds * 1e9 / SLICES;

	for (int i = 0; i < n; i++) {
		rn[i].failed = false;
		rn[i].best = 0;
		rn[i].sqes = 0;
		memset(&rn[i].delta, 0, sizeof(rn[i].delta));
	}
	for (int s = 0; s < SLICES && !stop; s++) {
		for (int i = 0; i < n && !stop; i++) {
			bool offload = rn[i].kind == RUN_COPY || rn[i].kind == RUN_BATCH;
			unsigned long long copies;
			struct stats s0, s1;
			double t0, t1;
			long long done;

			if (rn[i].failed)
				continue;
			if (offload)	/* poison, so that unwritten bytes are caught */
				memset(dst_pool, 0, POOL_SIZE);
			read_stats(&s0);
			t0 = now_ns();
			if (rn[i].kind == RUN_MEMCPY)
				done = slice_memcpy(&rn[i], t0 + slice_ns);
			else
				done = slice_ring(&rn[i], t0 + slice_ns);
			t1 = now_ns();
			read_stats(&s1);
			if (done < 0) {
				rn[i].failed = true;
				continue;
			}
			add_delta(&rn[i].delta, &s0, &s1);
			copies = rn[i].kind == RUN_BATCH ? done * rn[i].nr : done;
			if (offload)
				verify(&rn[i], copies);
			if (rn[i].kind != RUN_MEMCPY)
				rn[i].sqes += done;
			if (copies / ((t1 - t0) / 1e9) > rn[i].best)
				rn[i].best = copies / ((t1 - t0) / 1e9);
		}
	}
}

/* Doorbells per request and descriptors per doorbell of a ring-path runner. */
static void ring_stats(const char *name, const struct runner *rn)
{
	unsigned long long bells = rn->delta.v[ST_DOORBELLS];

	if (!rn->delta.ok)
		return;
	bench(rn->sqes ? (double)bells / rn->sqes : 0, 3, "doorbells/op",
	      "%s.doorbells_per_op", name);
	bench(bells ? (double)rn->delta.v[ST_DESCS] / bells : 0, 2, "descs/doorbell",
	      "%s.descs_per_doorbell", name);
}

/* Say so when the stats show requests that did not take the forced path. */
static void check_path(const struct runner *rn, bool ring_path)
{
	unsigned long long other = ring_path ? rn->delta.v[ST_INLINE_REQS] :
					   rn->delta.v[ST_RING_REQS];

	if (rn->delta.ok && other)
		note("# note: %s: %llu of %llu requests took the %s path\n", rn->name, other,
		     rn->sqes, ring_path ? "inline" : "ring");
}

/*
 * Compression: DEFLATE and INFLATE through the module against user-space
 * zlib at the same level, in the same format (gzip), with the same window
 * (32 KiB) and memLevel (8), on the same data.  Each corpus is cut into
 * ZIP_PIECE pieces, one op (one gzip member) each.  The module runs them
 * one at a time ("qd1") and with two per compression channel in flight
 * ("qdN"); zlib runs them one after the other in this
 * thread, reusing one stream as the module reuses its workspaces.  The
 * module prefers the channels of the submitting CPU's node, so a third run
 * ("tasks") submits from one thread per CPU, up to one per compression
 * channel, each pinned and with its own ring: every channel busy.  Times
 * are the best of ZIP_ROUNDS interleaved rounds, throughput is in MB/s of
 * uncompressed data for both directions, and the ratios are module / zlib.
 * INFLATE gets zlib's streams, so both decode the same bytes; the module's
 * own streams are checked by zlib's inflate, and every output is compared
 * with the corpus.
 */
#define ZIP_CORPUS	(4UL << 20)
#define ZIP_PIECE	(1UL << 20)
#define ZIP_PIECES	(ZIP_CORPUS / ZIP_PIECE)
#define ZIP_ROUNDS	3
#define ZIP_ROOM	(ZIP_PIECE + ZIP_PIECE / 8 + 1024)

enum { ZR_QD1, ZR_QDN, ZR_TASKS, ZR_ZLIB, ZR_NR };
static const char *const zip_runner_names[] = { "kernel", "kernel_qdN", "kernel_tasks", "zlib" };
static const char *const zip_ratio_names[] = { "ratio", "ratio_qdN", "ratio_tasks" };
static const char *const zip_corpus_names[] = { "text", "mixed" };
static const unsigned int zip_bench_levels[] = { 1, 6 };
#define ZIP_NR_CORPORA	2
#define ZIP_NR_LEVELS	2

struct zip_result {
	bool done;
	double deflate[ZR_NR], inflate[ZR_NR];	/* best seconds */
	size_t kernel_out, zlib_out;		/* compressed bytes, all pieces */
};

static unsigned char *zip_corpus;
static unsigned char *zip_kernel_out[ZIP_PIECES], *zip_zlib_out[ZIP_PIECES];
static unsigned char *zip_plain[ZIP_PIECES];
static size_t zip_kernel_len[ZIP_PIECES], zip_zlib_len[ZIP_PIECES];
static struct zip_result zip_results[ZIP_NR_CORPORA][ZIP_NR_LEVELS];
static unsigned int zip_qd, zip_tasks;

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
	return *x;
}

/*
 * Text-like data: sentences of words from a 4096-word vocabulary drawn
 * with Zipf's law (word k about 1/(k+1) as often as the first), frequent
 * words short, letters roughly as frequent as in English.
 */
#define ZIP_VOCAB	4096
static void make_text(unsigned char *buf, size_t len)
{
	static const char letters[] = "eeeeeeeeeeeetttttttttaaaaaaaaooooooooiiiiiiinnnnnnn"
				      "sssssshhhhhhrrrrrrddddllllcccuuummmwwffggyyppbbvkjxqz";
	static char vocab[ZIP_VOCAB][12];
	static double cumulative[ZIP_VOCAB];
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	size_t pos = 0, line = 0;
	unsigned int in_sentence = 0;
	double sum = 0;

	for (unsigned int w = 0; w < ZIP_VOCAB; w++) {
		unsigned int n = 1 + (32 - __builtin_clz(w + 1)) / 3 + xorshift(&x) % 4;

		for (unsigned int c = 0; c < n; c++)
			vocab[w][c] = letters[xorshift(&x) % (sizeof(letters) - 1)];
		vocab[w][n] = '\0';
		sum += 1.0 / (w + 1);
		cumulative[w] = sum;
	}
	while (pos < len) {
		uint64_t r = xorshift(&x);
		double u = (r >> 11) * (sum / 9007199254740992.0);	/* [0, sum) */
		unsigned int lo = 0, hi = ZIP_VOCAB - 1;
		char tmp[16];
		size_t n;

		while (lo < hi) {
			unsigned int mid = (lo + hi) / 2;

			if (cumulative[mid] <= u)
				lo = mid + 1;
			else
				hi = mid;
		}
		r = xorshift(&x);
		n = snprintf(tmp, sizeof(tmp), "%s", vocab[lo]);
		if (!in_sentence)
			tmp[0] -= 'a' - 'A';
		in_sentence++;
		if (in_sentence > 4 + r % 16) {
			tmp[n++] = '.';
			in_sentence = 0;
		} else if ((r >> 8) % 12 == 0) {
			tmp[n++] = ',';
		}
		line += n + 1;
		tmp[n++] = line > 72 ? '\n' : ' ';
		if (line > 72)
			line = 0;
		for (size_t i = 0; i < n && pos < len; i++)
			buf[pos++] = tmp[i];
	}
}

/*
 * Binary and mixed data, in 64 KiB blocks taking turns: machine code and
 * data from this program's file, fixed-size records with counters and
 * small random fields, and random bytes nothing can compress.
 */
static void make_mixed(unsigned char *buf, size_t len)
{
	unsigned char *exe = NULL;
	size_t exe_len = 0, exe_pos = 0;
	uint64_t x = 0x243f6a8885a308d3ULL;
	uint32_t seq = 0, stamp = 1700000000;
	int32_t value = 0;
	FILE *f = fopen("/proc/self/exe", "r");

	if (f) {
		exe = malloc(len);
		if (exe)
			exe_len = fread(exe, 1, len, f);
		fclose(f);
	}
	for (size_t blk = 0; blk < len; blk += 65536) {
		size_t n = len - blk < 65536 ? len - blk : 65536;
		unsigned int kind = (blk / 65536) % 3;

		if (kind == 0 && exe_len) {
			for (size_t i = 0; i < n; i++, exe_pos++)
				buf[blk + i] = exe[exe_pos % exe_len];
		} else if (kind == 1) {
			for (size_t i = 0; i + 16 <= n; i += 16) {
				uint64_t r = xorshift(&x);
				uint16_t kind16 = r % 16, flags = (r >> 8) & 0x0101;

				value += (int32_t)((r >> 16) % 201) - 100;
				stamp += (r >> 32) % 4;
				memcpy(buf + blk + i, &seq, 4);
				memcpy(buf + blk + i + 4, &kind16, 2);
				memcpy(buf + blk + i + 6, &flags, 2);
				memcpy(buf + blk + i + 8, &value, 4);
				memcpy(buf + blk + i + 12, &stamp, 4);
				seq++;
			}
		} else {
			for (size_t i = 0; i < n; i++)
				buf[blk + i] = xorshift(&x) >> 24;
		}
	}
	free(exe);
}

/*
 * The module over pieces first, first + step, ... on ring r, qd in flight.
 * Returns seconds, or -1.
 */
static double zip_kernel_run(struct io_uring *r, const char *name, bool inflate_op,
			     unsigned int level, unsigned int qd, unsigned int first,
			     unsigned int step)
{
	unsigned int next = first, inflight = 0;
	bool err = false;
	double t0 = now_ns();

	while (inflight || (!err && next < ZIP_PIECES)) {
		struct io_uring_cqe *cqe;
		int ret;

		for (; !err && inflight < qd && next < ZIP_PIECES; next += step, inflight++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(r);

			if (inflate_op)
				io_uring_prep_inflate(sqe, uoff_fd, zip_plain[next], ZIP_PIECE,
						      zip_zlib_out[next], zip_zlib_len[next],
						      UOFF_ZIP_GZIP, 0);
			else
				io_uring_prep_deflate(sqe, uoff_fd, zip_kernel_out[next], ZIP_ROOM,
						      zip_corpus + next * ZIP_PIECE, ZIP_PIECE,
						      UOFF_ZIP_GZIP, level, 0);
			io_uring_sqe_set_data64(sqe, next);
		}
		ret = io_uring_submit_and_wait(r, 1);
		if (ret < 0 && ret != -EINTR) {
			error("%s: io_uring_submit_and_wait: %s", name, strerror(-ret));
			exit(1);
		}
		while (io_uring_peek_cqe(r, &cqe) == 0) {
			unsigned int i = cqe->user_data;
			int res = cqe->res;

			io_uring_cqe_seen(r, cqe);
			inflight--;
			if (res < 0 || (inflate_op && res != (int)ZIP_PIECE) || (!inflate_op && !res)) {
				if (!err)
					error("%s: piece %u: res %d (%s)", name, i, res,
					      res < 0 ? strerror(-res) : "wrong length");
				err = true;
			} else if (!inflate_op) {
				zip_kernel_len[i] = res;
			}
		}
	}
	return err ? -1 : (now_ns() - t0) / 1e9;
}

struct zip_task {
	pthread_t thread;
	unsigned int cpu, first;
	const char *name;
	bool inflate_op;
	unsigned int level;
	pthread_barrier_t *start;
	double secs;
};

static void *zip_task_main(void *arg)
{
	struct zip_task *t = arg;
	struct io_uring r;
	cpu_set_t cpus;
	int ret;

	CPU_ZERO(&cpus);
	CPU_SET(t->cpu, &cpus);
	pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	ret = io_uring_queue_init(2 * zip_qd, &r, 0);
	pthread_barrier_wait(t->start);
	if (ret < 0) {
		error("%s: io_uring_queue_init: %s", t->name, strerror(-ret));
		t->secs = -1;
		return NULL;
	}
	t->secs = zip_kernel_run(&r, t->name, t->inflate_op, t->level, 2, t->first, zip_tasks);
	io_uring_queue_exit(&r);
	return NULL;
}

/* The module over all pieces from zip_tasks pinned threads.  Seconds or -1. */
static double zip_tasks_run(const char *name, bool inflate_op, unsigned int level)
{
	struct zip_task t[ZIP_PIECES];
	pthread_barrier_t start;
	double t0, secs;
	unsigned int i;

	pthread_barrier_init(&start, NULL, zip_tasks + 1);
	for (i = 0; i < zip_tasks; i++) {
		t[i] = (struct zip_task) { .cpu = i, .first = i, .name = name,
					   .inflate_op = inflate_op, .level = level,
					   .start = &start };
		if (pthread_create(&t[i].thread, NULL, zip_task_main, &t[i])) {
			error("%s: pthread_create failed", name);
			exit(1);
		}
	}
	pthread_barrier_wait(&start);
	t0 = now_ns();
	for (i = 0; i < zip_tasks; i++)
		pthread_join(t[i].thread, NULL);
	secs = (now_ns() - t0) / 1e9;
	pthread_barrier_destroy(&start);
	for (i = 0; i < zip_tasks; i++)
		if (t[i].secs < 0)
			return -1;
	return secs;
}

/* zlib over all pieces.  Returns seconds, or -1. */
static double zip_zlib_run(const char *name, bool inflate_op, unsigned int level)
{
	z_stream zs = { 0 };
	double t0, t1;
	int ret;

	ret = inflate_op ? inflateInit2(&zs, 15 + 16) :
	      deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	if (ret != Z_OK) {
		error("%s: zlib init: %d", name, ret);
		return -1;
	}
	t0 = now_ns();
	for (unsigned int i = 0; i < ZIP_PIECES && ret != -1; i++) {
		if (inflate_op) {
			inflateReset(&zs);
			zs.next_in = zip_zlib_out[i];
			zs.avail_in = zip_zlib_len[i];
			zs.next_out = zip_plain[i];
			zs.avail_out = ZIP_PIECE;
			ret = inflate(&zs, Z_FINISH);
			if (ret != Z_STREAM_END || zs.total_out != ZIP_PIECE)
				ret = -1;
		} else {
			deflateReset(&zs);
			zs.next_in = zip_corpus + i * ZIP_PIECE;
			zs.avail_in = ZIP_PIECE;
			zs.next_out = zip_zlib_out[i];
			zs.avail_out = ZIP_ROOM;
			ret = deflate(&zs, Z_FINISH);
			zip_zlib_len[i] = zs.total_out;
			if (ret != Z_STREAM_END)
				ret = -1;
		}
	}
	t1 = now_ns();
	if (inflate_op)
		inflateEnd(&zs);
	else
		deflateEnd(&zs);
	if (ret == -1) {
		error("%s: zlib %s failed", name, inflate_op ? "inflate" : "deflate");
		return -1;
	}
	return (t1 - t0) / 1e9;
}

/* One runner over all pieces.  Returns seconds, or -1. */
static double zip_run(unsigned int k, const char *name, bool inflate_op, unsigned int level)
{
	if (k == ZR_ZLIB)
		return zip_zlib_run(name, inflate_op, level);
	if (k == ZR_TASKS)
		return zip_tasks_run(name, inflate_op, level);
	return zip_kernel_run(&ring, name, inflate_op, level, k == ZR_QD1 ? 1 : zip_qd, 0, 1);
}

/* Whether every piece of zip_plain is the corpus again. */
static bool zip_plain_ok(const char *name)
{
	for (unsigned int i = 0; i < ZIP_PIECES; i++) {
		if (memcmp(zip_plain[i], zip_corpus + i * ZIP_PIECE, ZIP_PIECE)) {
			error("%s: piece %u does not decompress to the corpus", name, i);
			return false;
		}
	}
	return true;
}

/* zlib must read what the module wrote: the interoperability check. */
static bool zip_check_kernel_streams(const char *name)
{
	for (unsigned int i = 0; i < ZIP_PIECES; i++) {
		uLongf n = ZIP_PIECE;
		z_stream zs = { 0 };
		int ret;

		memset(zip_plain[i], 0, ZIP_PIECE);
		if (inflateInit2(&zs, 15 + 16) != Z_OK)
			return false;
		zs.next_in = zip_kernel_out[i];
		zs.avail_in = zip_kernel_len[i];
		zs.next_out = zip_plain[i];
		zs.avail_out = n;
		ret = inflate(&zs, Z_FINISH);
		inflateEnd(&zs);
		if (ret != Z_STREAM_END || zs.total_out != n || zs.avail_in) {
			error("%s: zlib cannot inflate the module's piece %u (%d)", name, i, ret);
			return false;
		}
	}
	return zip_plain_ok(name);
}

static void zip_keep_best(double *best, double t)
{
	if (t > 0 && (!*best || t < *best))
		*best = t;
}

/* One corpus at one level: ZIP_ROUNDS rounds of every runner, both ways. */
static void zip_point(unsigned int c, unsigned int l)
{
	struct zip_result *r = &zip_results[c][l];
	unsigned int level = zip_bench_levels[l];
	char name[64];

	snprintf(name, sizeof(name), "zip.%s.l%u", zip_corpus_names[c], level);
	memset(r, 0, sizeof(*r));
	for (unsigned int round = 0; round < ZIP_ROUNDS && !stop; round++) {
		for (unsigned int k = 0; k < ZR_NR; k++) {
			double t = zip_run(k, name, false, level);

			if (t < 0)
				return;
			zip_keep_best(&r->deflate[k], t);
		}
		if (!round && !zip_check_kernel_streams(name))
			return;
		for (unsigned int k = 0; k < ZR_NR; k++) {
			double t;

			for (unsigned int i = 0; i < ZIP_PIECES; i++)
				memset(zip_plain[i], 0, ZIP_PIECE);	/* poison */
			t = zip_run(k, name, true, level);
			if (t < 0 || !zip_plain_ok(name))
				return;
			zip_keep_best(&r->inflate[k], t);
		}
	}
	if (stop)
		return;
	for (unsigned int i = 0; i < ZIP_PIECES; i++) {
		r->kernel_out += zip_kernel_len[i];
		r->zlib_out += zip_zlib_len[i];
	}
	r->done = true;
	for (int dir = 0; dir < 2; dir++) {
		const char *dn = dir ? "inflate" : "deflate";
		double *t = dir ? r->inflate : r->deflate;

		for (unsigned int k = 0; k < ZR_NR; k++)
			bench(ZIP_CORPUS / t[k] / 1e6, 2, "MB/s", "%s.%s.%s", name, dn,
			      zip_runner_names[k]);
		for (unsigned int k = 0; k < ZR_ZLIB; k++)
			bench(t[ZR_ZLIB] / t[k], 3, "x", "%s.%s.%s", name, dn, zip_ratio_names[k]);
	}
	bench((double)r->kernel_out / ZIP_CORPUS, 4, "out/in", "%s.size.kernel", name);
	bench((double)r->zlib_out / ZIP_CORPUS, 4, "out/in", "%s.size.zlib", name);
}

static void zip_bench(void)
{
	if (!(feat.ops & (1ULL << UOFF_OP_DEFLATE)) || !(feat.ops & (1ULL << UOFF_OP_INFLATE))) {
		note("# zip: skipped, the module has no DEFLATE and INFLATE\n");
		return;
	}
	zip_qd = 2 * (feat.nr_zip_channels ? feat.nr_zip_channels : 1);
	zip_tasks = sysconf(_SC_NPROCESSORS_ONLN);
	if (zip_tasks > feat.nr_zip_channels)
		zip_tasks = feat.nr_zip_channels;
	if (zip_tasks > ZIP_PIECES)
		zip_tasks = ZIP_PIECES;
	if (zip_tasks < 1)
		zip_tasks = 1;
	zip_corpus = aligned_alloc(4096, ZIP_CORPUS);
	for (unsigned int i = 0; i < ZIP_PIECES; i++) {
		zip_kernel_out[i] = aligned_alloc(4096, ZIP_ROOM + 4096);
		zip_zlib_out[i] = aligned_alloc(4096, ZIP_ROOM + 4096);
		zip_plain[i] = aligned_alloc(4096, ZIP_PIECE);
		if (!zip_kernel_out[i] || !zip_zlib_out[i] || !zip_plain[i])
			zip_corpus = NULL;
	}
	if (!zip_corpus) {
		error("zip: cannot allocate the buffers");
		return;
	}
	note("# zip: %lu MiB per corpus in %lu MiB gzip ops, %u rounds; qdN = %u in flight, "
	     "tasks = %u pinned threads, 2 in flight each; %u compression channel%s\n",
	     ZIP_CORPUS >> 20, ZIP_PIECE >> 20, ZIP_ROUNDS, zip_qd, zip_tasks,
	     feat.nr_zip_channels, feat.nr_zip_channels == 1 ? "" : "s");
	for (unsigned int c = 0; c < ZIP_NR_CORPORA && !stop; c++) {
		if (c == 0)
			make_text(zip_corpus, ZIP_CORPUS);
		else
			make_mixed(zip_corpus, ZIP_CORPUS);
		for (unsigned int l = 0; l < ZIP_NR_LEVELS && !stop; l++)
			zip_point(c, l);
	}
}

/* The compact table of the summary: a row per corpus, level and direction. */
static void zip_summary(void)
{
	bool any = false;

	for (unsigned int c = 0; c < ZIP_NR_CORPORA; c++)
		for (unsigned int l = 0; l < ZIP_NR_LEVELS; l++)
			any |= zip_results[c][l].done;
	if (!any)
		return;
	note("  zip: gzip, MB/s of uncompressed data, x = kernel / zlib; kernel at qd1, qd%u "
	     "(one task), %u tasks\n    %-6s %3s %-7s | %6s %6s %6s %6s | %5s %5s %5s | %6s %6s\n",
	     zip_qd, zip_tasks, "corpus", "lvl", "op", "qd1", "qdN", "tasks", "zlib", "x1", "xN",
	     "xT", "kernel", "zlib");
	for (unsigned int c = 0; c < ZIP_NR_CORPORA; c++) {
		for (unsigned int l = 0; l < ZIP_NR_LEVELS; l++) {
			const struct zip_result *r = &zip_results[c][l];
			double mb = ZIP_CORPUS / 1e6;

			if (!r->done)
				continue;
			for (int dir = 0; dir < 2; dir++) {
				const double *t = dir ? r->inflate : r->deflate;

				note("    %-6s %3u %-7s | %6.1f %6.1f %6.1f %6.1f | %5.2f %5.2f %5.2f |",
				     zip_corpus_names[c], zip_bench_levels[l],
				     dir ? "inflate" : "deflate", mb / t[ZR_QD1], mb / t[ZR_QDN],
				     mb / t[ZR_TASKS], mb / t[ZR_ZLIB], t[ZR_ZLIB] / t[ZR_QD1],
				     t[ZR_ZLIB] / t[ZR_QDN], t[ZR_ZLIB] / t[ZR_TASKS]);
				if (dir)
					note("\n");
				else
					note(" %6.4f %6.4f  (out/in)\n",
					     (double)r->kernel_out / ZIP_CORPUS,
					     (double)r->zlib_out / ZIP_CORPUS);
			}
		}
	}
}

/*
 * SDXI: with SDXI device channels present ("dchanN." lines in the stats,
 * uoffload_sdxi.ko loaded) and inline_threshold forced to 0, every copy
 * goes to the SDXI contexts.  For 4 KiB and 1 MiB copies, single COPY SQEs
 * with several in flight and BATCH SQEs of several copies each run against
 * memcpy() over the same buffers (bytes/s) and, at 4 KiB, the NOP rate of
 * the same ring (ops/s).  An op is one copy, a BATCH SQE counting as its
 * copies.  The stats deltas give the doorbells rung and the interrupts
 * taken per copy, and, when the SDXI model is loaded, the descriptors it
 * executed per copy; every copy's destination is verified as above.
 */
enum { SX_SINGLE, SX_BATCH, SX_MODES };
static const char *const sdxi_mode_names[] = { "single", "batch" };
/* Per size: SQEs in flight for single, BATCH SQEs in flight and copies per SQE. */
static const struct {
	const char *name;
	size_t size;
	unsigned int single_qd, batch_qd, batch_nr;
} sdxi_sizes[] = {
	{ "4k", 4096, RATE_QD, 8, BATCH_NR },
	{ "1m", 1 << 20, 16, 4, 8 },
};
#define SDXI_NR_SIZES	(sizeof(sdxi_sizes) / sizeof(sdxi_sizes[0]))

struct sdxi_result {
	bool done;
	unsigned int qd, nr;		/* SQEs in flight, copies per SQE */
	double ops;			/* copies per second, best slice */
	double vs_memcpy, vs_nop;	/* vs_nop only at 4 KiB */
	double bells, irqs, mdescs;	/* per copy; mdescs < 0: no model */
};

static struct sdxi_result sdxi_results[SDXI_NR_SIZES][SX_MODES];
static double sdxi_memcpy[SDXI_NR_SIZES], sdxi_nop;
static unsigned int sdxi_chans;

/* Check that the copies of rn went to the device, and keep its numbers. */
static void sdxi_result(unsigned int i, unsigned int m, const struct runner *rn,
			const struct runner *mc, const struct runner *nop)
{
	struct sdxi_result *r = &sdxi_results[i][m];
	const unsigned long long *d = rn->delta.v;
	unsigned long long copies = rn->sqes * (rn->kind == RUN_BATCH ? rn->nr : 1);
	char name[64];

	snprintf(name, sizeof(name), "sdxi.%s.%s", sdxi_sizes[i].name, sdxi_mode_names[m]);
	if (!rn->delta.ok || !copies) {
		error("%s: no stats or no copies", name);
		return;
	}
	/* A request cut across channels counts on each: at least one per SQE. */
	if (d[ST_RING_REQS] != rn->sqes || d[ST_DEV_REQS] < rn->sqes)
		error("%s: of %llu requests %llu took the ring path, %llu reached the SDXI "
		      "channels", name, rn->sqes, d[ST_RING_REQS], d[ST_DEV_REQS]);
	if (d[ST_DEV_BYTES] != copies * rn->size)
		error("%s: the SDXI channels moved %llu bytes, %llu expected", name,
		      d[ST_DEV_BYTES], copies * rn->size);
	if (d[ST_DEV_FALLBACKS] || d[ST_DEV_ERRORS])
		note("# note: %s: %llu fallbacks to the CPU, %llu device errors\n", name,
		     d[ST_DEV_FALLBACKS], d[ST_DEV_ERRORS]);
	r->qd = rn->qd;
	r->nr = rn->kind == RUN_BATCH ? rn->nr : 1;
	r->ops = rn->best;
	r->vs_memcpy = rn->best / mc->best;
	r->vs_nop = nop ? rn->best / nop->best : 0;
	r->bells = (double)d[ST_DEV_DOORBELLS] / copies;
	r->irqs = (double)d[ST_DEV_IRQS] / copies;
	r->mdescs = rn->delta.model_ok ? (double)d[ST_MODEL_DESCS] / copies : -1;
	r->done = true;

	bench(r->ops, 0, "ops/s", "%s", name);
	bench(r->ops * rn->size / 1e9, 3, "GB/s", "%s.bytes", name);
	bench(r->vs_memcpy, 4, "x", "%s.vs_memcpy", name);
	if (nop)
		bench(r->vs_nop, 4, "x", "%s.vs_nop", name);
	bench(r->qd, 0, "sqes", "%s.qd", name);
	bench(r->nr, 0, "copies/sqe", "%s.per_sqe", name);
	bench(r->bells, 4, "doorbells/op", "%s.doorbells_per_op", name);
	bench(r->irqs, 4, "irqs/op", "%s.irqs_per_op", name);
	bench((double)d[ST_DEV_DESCS] / copies, 3, "descs/op", "%s.engine_descs_per_op", name);
	if (r->mdescs < 0)
		return;
	bench(r->mdescs, 3, "descs/op", "%s.model_descs_per_op", name);
	bench((double)d[ST_MODEL_IRQS] / copies, 4, "irqs/op", "%s.model_irqs_per_op", name);
}

/* Returns false if there are no SDXI channels to measure. */
static bool sdxi_bench(void)
{
	struct stats st;
	char name[4][64];
	int ret;

	read_stats(&st);
	if (!st.dchans)
		return false;
	sdxi_chans = st.dchans;
	ret = set_threshold("0");
	if (ret < 0) {
		error("sdxi: cannot set inline_threshold to 0: %s", strerror(-ret));
		return true;
	}
	note("# sdxi: %u device channel%s, inline_threshold=0; an op is one copy; "
	     "batch = %u x 4 KiB or %u x 1 MiB copies per BATCH SQE\n", sdxi_chans,
	     sdxi_chans == 1 ? "" : "s", sdxi_sizes[0].batch_nr, sdxi_sizes[1].batch_nr);
	for (unsigned int i = 0; i < SDXI_NR_SIZES && !stop; i++) {
		size_t size = sdxi_sizes[i].size;
		unsigned int nr = sdxi_sizes[i].batch_nr;
		bool with_nop = size == RATE_SIZE;
		struct runner rn[4] = {
			{ .kind = RUN_MEMCPY, .size = size, .name = name[0] },
			{ .kind = RUN_COPY, .size = size, .name = name[1],
			  .qd = clamp_qd(sdxi_sizes[i].single_qd, size) },
			{ .kind = RUN_BATCH, .size = size, .nr = nr, .name = name[2],
			  .qd = clamp_qd(sdxi_sizes[i].batch_qd, size * nr) },
			{ .kind = RUN_NOP, .qd = RATE_QD, .name = name[3] },
		};

		if (feat.max_batch && rn[2].nr > feat.max_batch)
			rn[2].nr = feat.max_batch;
		snprintf(name[0], sizeof(name[0]), "sdxi.%s.memcpy", sdxi_sizes[i].name);
		snprintf(name[1], sizeof(name[1]), "sdxi.%s.single", sdxi_sizes[i].name);
		snprintf(name[2], sizeof(name[2]), "sdxi.%s.batch", sdxi_sizes[i].name);
		snprintf(name[3], sizeof(name[3]), "sdxi.nop");
		run_point(rn, with_nop ? 4 : 3);
		if (stop || rn[0].failed || (with_nop && rn[3].failed))
			break;
		sdxi_memcpy[i] = rn[0].best * size;
		bench(sdxi_memcpy[i] / 1e9, 3, "GB/s", "%s", name[0]);
		if (with_nop) {
			sdxi_nop = rn[3].best;
			bench(sdxi_nop, 0, "ops/s", "%s", name[3]);
		}
		for (unsigned int m = 0; m < SX_MODES; m++)
			if (!rn[1 + m].failed)
				sdxi_result(i, m, &rn[1 + m], &rn[0], with_nop ? &rn[3] : NULL);
	}
	restore_threshold();
	return true;
}

static void sdxi_summary(void)
{
	bool any = false;

	for (unsigned int i = 0; i < SDXI_NR_SIZES; i++)
		any |= sdxi_results[i][SX_SINGLE].done || sdxi_results[i][SX_BATCH].done;
	if (!any)
		return;
	note("  sdxi: %u channels, inline_threshold=0; op = one copy; per op: doorbells, "
	     "interrupts, model descriptors\n    %-4s %-6s %6s | %9s %8s | %8s %8s | %7s %7s %7s\n",
	     sdxi_chans, "size", "mode", "qd x n", "ops/s", "MB/s", "x memcpy", "x NOP",
	     "bells", "irqs", "descs");
	for (unsigned int i = 0; i < SDXI_NR_SIZES; i++) {
		for (unsigned int m = 0; m < SX_MODES; m++) {
			const struct sdxi_result *r = &sdxi_results[i][m];
			char shape[16], vs_nop[16] = "-", mdescs[16] = "-";

			if (!r->done)
				continue;
			snprintf(shape, sizeof(shape), "%ux%u", r->qd, r->nr);
			if (r->vs_nop)
				snprintf(vs_nop, sizeof(vs_nop), "%.4f", r->vs_nop);
			if (r->mdescs >= 0)
				snprintf(mdescs, sizeof(mdescs), "%.3f", r->mdescs);
			note("    %-4s %-6s %6s | %9.0f %8.1f | %8.4f %8s | %7.4f %7.4f %7s\n",
			     sdxi_sizes[i].name, sdxi_mode_names[m], shape, r->ops,
			     r->ops * sdxi_sizes[i].size / 1e6, r->vs_memcpy, vs_nop, r->bells,
			     r->irqs, mdescs);
		}
	}
	note("    baselines: memcpy 4k %.1f MB/s, 1m %.1f MB/s; NOP %.0f ops/s\n",
	     sdxi_memcpy[0] / 1e6, sdxi_memcpy[1] / 1e6, sdxi_nop);
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: uoff_bench [-t SECONDS] [-q] [-z | -s]\n"
		"  -t SECONDS  time per runner of each point (default 1)\n"
		"  -q          print only the \"bench: <name> <value> <unit>\" lines\n"
		"  -z          only the compression part\n"
		"  -s          only the SDXI part (skip, 4, without SDXI channels)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	/* "default" leaves inline_threshold alone; it runs only if neither could be forced. */
	static const char *const path_names[] = { "inline", "ring", "default" };
	static const char *const path_values[] = { "4294967295", "0", NULL };
	double ratio[3][NR_SIZES] = { { 0 } };
	double single_vs_nop[3] = { 0 }, batch_vs_nop[3] = { 0 };
	bool path_done[3] = { false, false, false };
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned int batch_nr = BATCH_NR;
	uint64_t x = 0x243f6a8885a308d3ULL;
	bool zip_only = false, sdxi_only = false;
	char *end;
	int opt, ret;

	while ((opt = getopt(argc, argv, "t:qzsh")) != -1) {
		switch (opt) {
		case 't':
			seconds = strtod(optarg, &end);
			if (*end || !(seconds > 0))
				usage();
			break;
		case 'q':
			quiet = true;
			break;
		case 'z':
			zip_only = true;
			break;
		case 's':
			sdxi_only = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (zip_only && sdxi_only))
		usage();

	uoff_fd = io_uring_offload_open(0);
	if (uoff_fd < 0) {
		printf("uoff_bench: SKIP: cannot open %s: %s\n", UOFF_DEVICE_PATH,
		       strerror(-uoff_fd));
		return KSFT_SKIP;
	}
	ret = io_uring_offload_get_features(uoff_fd, &feat);
	if (ret < 0) {
		error("GET_FEATURES: %s", strerror(-ret));
		return 1;
	}
	ret = io_uring_queue_init(2 * RATE_QD, &ring, 0);
	if (ret < 0) {
		error("io_uring_queue_init: %s", strerror(-ret));
		return 1;
	}
	src_pool = aligned_alloc(4096, POOL_SIZE);
	dst_pool = aligned_alloc(4096, POOL_SIZE);
	if (!src_pool || !dst_pool) {
		error("cannot allocate 2 x %lu MiB", POOL_SIZE >> 20);
		return 1;
	}
	for (size_t i = 0; i < POOL_SIZE / 8; i++) {	/* xorshift: no short period */
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		memcpy(src_pool + 8 * i, &x, 8);
	}
	memset(dst_pool, 0, POOL_SIZE);			/* fault the pages in */
	if (feat.max_batch && batch_nr > feat.max_batch)
		batch_nr = feat.max_batch;
	atexit(restore_threshold);
	/* Stop cleanly, so that the threshold is restored, also when the reader goes away. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);

	note("# uoff_bench: abi %u, engines 0x%llx, %u channels, inline_threshold %u, "
	     "max_inflight %u ops / %llu bytes\n# %.2f s per runner and point, "
	     "best of %d interleaved slices\n", feat.abi_version,
	     (unsigned long long)feat.engines, feat.nr_channels, feat.inline_threshold,
	     feat.max_inflight_ops, (unsigned long long)feat.max_inflight_bytes,
	     seconds, SLICES);

	for (int p = 0; p < 3 && !stop && !zip_only && !sdxi_only; p++) {
		const char *pn = path_names[p];
		bool forced = path_values[p], ring_path = p == 1;
		char name[3][64];

		if (!forced && (path_done[0] || path_done[1]))
			break;
		ret = forced ? set_threshold(path_values[p]) : 0;
		if (ret < 0) {
			note("# note: cannot set inline_threshold to %s (%s): skipping the %s path\n",
			     path_values[p], strerror(-ret), pn);
			continue;
		}
		note("# %s path: inline_threshold=%s\n", pn, forced ? path_values[p] : "unchanged");

		/* Copy throughput: offload against memcpy() at each size. */
		for (unsigned int i = 0; i < NR_SIZES && !stop; i++) {
			struct runner rn[2] = {
				{ .kind = RUN_MEMCPY, .size = sizes[i], .name = name[0] },
				{ .kind = RUN_COPY, .size = sizes[i], .name = name[1],
				  .qd = clamp_qd(size_qd[i], sizes[i]) },
			};

			snprintf(name[0], sizeof(name[0]), "copy.%s.%s.memcpy", pn, size_names[i]);
			snprintf(name[1], sizeof(name[1]), "copy.%s.%s", pn, size_names[i]);
			run_point(rn, 2);
			if (rn[1].failed || stop)
				continue;
			if (forced)
				check_path(&rn[1], ring_path);
			ratio[p][i] = rn[1].best / rn[0].best;
			bench(rn[1].best * sizes[i] / 1e9, 3, "GB/s", "%s.offload", name[1]);
			bench(rn[0].best * sizes[i] / 1e9, 3, "GB/s", "%s.memcpy", name[1]);
			bench(ratio[p][i], 3, "x", "%s.ratio", name[1]);
			bench(rn[1].qd, 0, "sqes", "%s.qd", name[1]);
			if (!forced || ring_path)
				ring_stats(name[1], &rn[1]);
		}
		if (stop)
			break;

		/* 4 KiB request rates: single SQEs and BATCH against NOP. */
		struct runner rn[3] = {
			{ .kind = RUN_NOP, .qd = RATE_QD, .name = name[0] },
			{ .kind = RUN_COPY, .size = RATE_SIZE, .name = name[1],
			  .qd = clamp_qd(RATE_QD, RATE_SIZE) },
			{ .kind = RUN_BATCH, .size = RATE_SIZE, .nr = batch_nr, .name = name[2],
			  .qd = clamp_qd(RATE_QD, RATE_SIZE * batch_nr) },
		};

		snprintf(name[0], sizeof(name[0]), "rate.%s.nop", pn);
		snprintf(name[1], sizeof(name[1]), "rate.%s.single4k", pn);
		snprintf(name[2], sizeof(name[2]), "rate.%s.batch4k", pn);
		run_point(rn, 3);
		if (stop)
			break;
		if (!rn[0].failed)
			bench(rn[0].best, 0, "ops/s", "%s", name[0]);
		for (int i = 1; i < 3; i++) {
			if (rn[i].failed || rn[0].failed)
				continue;
			if (forced)
				check_path(&rn[i], ring_path);
			bench(rn[i].best, 0, "ops/s", "%s", name[i]);
			bench(rn[i].best / rn[0].best, 4, "x", "%s.vs_nop", name[i]);
			if (i == 2 && !rn[1].failed)
				bench(rn[2].best / rn[1].best, 3, "x", "%s.vs_single", name[2]);
			bench(rn[i].qd, 0, "sqes", "%s.qd", name[i]);
			if (!forced || ring_path)
				ring_stats(name[i], &rn[i]);
		}
		single_vs_nop[p] = rn[1].failed ? 0 : rn[1].best / rn[0].best;
		batch_vs_nop[p] = rn[2].failed ? 0 : rn[2].best / rn[0].best;
		bench(batch_nr, 0, "descs/sqe", "%s.batch", name[2]);
		path_done[p] = true;
	}
	restore_threshold();
	if (!stop && !sdxi_only)
		zip_bench();
	if (!stop && !zip_only) {
		bool sdxi_done = sdxi_bench();

		if (!sdxi_done && sdxi_only) {
			printf("uoff_bench: SKIP: no SDXI channels (dchanN) in %s\n", STATS_PATH);
			return KSFT_SKIP;
		}
		if (!sdxi_done)
			note("# sdxi: skipped, no SDXI channels (load uoffload_sdxi.ko)\n");
	}
	if (stop)
		error("interrupted");

	note("\nsummary:%s", zip_only || sdxi_only ? "\n" : " offload/memcpy at");
	for (unsigned int i = 0; i < NR_SIZES && !zip_only && !sdxi_only; i++)
		note(" %s", size_names[i]);
	if (!zip_only && !sdxi_only)
		note("; 4 KiB copy rates relative to NOP\n");
	for (int p = 0; p < 3; p++) {
		if (!path_done[p])
			continue;
		note("  %-7s path: copy ratio", path_names[p]);
		for (unsigned int i = 0; i < NR_SIZES; i++)
			note(" %.2f", ratio[p][i]);
		note("; single %.4f, batch-of-%u %.4f of NOP\n", single_vs_nop[p], batch_nr,
		     batch_vs_nop[p]);
	}
	zip_summary();
	sdxi_summary();
	note("  result: %s\n", failures ? "FAIL" : "PASS (all ops succeeded, all copies verified)");
	return failures ? 1 : 0;
}
