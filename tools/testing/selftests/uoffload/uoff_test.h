/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the uoffload selftests: opening the device and a ring, reaping
 * completions with a deadline, reproducible byte patterns, byte checks that
 * name the first wrong byte, and the module's sysfs parameters and stats.
 *
 * Everything here is static inline so that each test binary takes only what
 * it uses.  Helpers that take a struct __test_metadata may use ASSERT_*();
 * the rest return a value and leave the judgement to the caller, which
 * keeps them usable from threads and forked children.  A helper program
 * that is not a harness test defines UOFF_TEST_NO_HARNESS first.
 */
#ifndef UOFF_TEST_H
#define UOFF_TEST_H

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef UOFF_TEST_NO_HARNESS
/* The 6.12 harness has an unused handler argument; we build with -Wextra. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#endif
#include <liburing-offload.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

#define KiB			1024ULL
#define MiB			(1024ULL * KiB)
#define GiB			(1024ULL * MiB)

#define UOFF_PARAM_DIR		"/sys/module/uoffload/parameters"
#define UOFF_STATS_PATH		"/sys/class/misc/uoffload/stats"
#define UOFF_REFCNT_PATH	"/sys/module/uoffload/refcnt"

/* inline_threshold values that send every request one way. */
#define UOFF_ALL_INLINE		4294967295ULL
#define UOFF_ALL_RING		0ULL

/* Bytes either side of a destination that no request may touch. */
#define UOFF_GUARD		64
#define UOFF_CANARY		0xc5

/* How long any single request may take before the test calls it lost. */
#define UOFF_REAP_TIMEOUT_MS	60000

#define UOFF_PAGE_SIZE		4096UL
#define UOFF_THP_SIZE		(2 * MiB)

/* ------------------------------------------------------------------ */
/* Device and ring                                                     */

struct uoff_ctx {
	int			fd;
	bool			have_ring;
	struct io_uring		ring;
	struct uoff_features	feat;
};

static inline bool uoff_device_present(void)
{
	return access(UOFF_DEVICE_PATH, F_OK) == 0;
}

/* Opens the device, reads its features and sets up a ring: 0 or -errno. */
static inline int uoff_ctx_init(struct uoff_ctx *c, unsigned int entries,
				unsigned int setup_flags)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->fd = io_uring_offload_open(0);
	if (c->fd < 0)
		return c->fd;
	ret = io_uring_offload_get_features(c->fd, &c->feat);
	if (ret)
		goto err_close;
	ret = io_uring_queue_init(entries, &c->ring, setup_flags);
	if (ret)
		goto err_close;
	c->have_ring = true;
	return 0;

err_close:
	close(c->fd);
	c->fd = -1;
	return ret;
}

static inline void uoff_ctx_exit(struct uoff_ctx *c)
{
	if (c->have_ring)
		io_uring_queue_exit(&c->ring);
	c->have_ring = false;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/*
 * A cleared SQE, submitting what is queued if the SQ ring is full.  The
 * whole slot is cleared, 128 bytes on an SQE128 ring, because the prep
 * helpers only write the first 64 and the rest is reserved payload.
 */
static inline struct io_uring_sqe *uoff_sqe(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe) {
		io_uring_submit(ring);
		sqe = io_uring_get_sqe(ring);
		if (!sqe)
			return NULL;
	}
	memset(sqe, 0, (ring->flags & IORING_SETUP_SQE128) ? 128 : 64);
	return sqe;
}

/* The struct uoff_cmd payload of an SQE, for tests that corrupt it. */
static inline struct uoff_cmd *uoff_sqe_cmd(struct io_uring_sqe *sqe)
{
	return (struct uoff_cmd *)((char *)sqe +
				   offsetof(struct io_uring_sqe, addr3));
}

struct uoff_cqe_rec {
	__u64		user_data;
	int		res;
	unsigned int	flags;
};

/*
 * Waits for @nr completions, storing them in @recs in arrival order.
 * Returns how many arrived before @timeout_ms passed without one.
 */
static inline int uoff_reap(struct io_uring *ring, unsigned int nr,
			    struct uoff_cqe_rec *recs, unsigned int timeout_ms)
{
	struct __kernel_timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (timeout_ms % 1000) * 1000000L,
	};
	struct io_uring_cqe *cqe;
	unsigned int got = 0;
	int ret;

	while (got < nr) {
		ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
		if (ret == -EINTR)
			continue;
		if (ret)
			break;
		recs[got].user_data = cqe->user_data;
		recs[got].res = cqe->res;
		recs[got].flags = cqe->flags;
		io_uring_cqe_seen(ring, cqe);
		got++;
	}
	return got;
}

/*
 * True if no completion shows up within @ms; a completion that does is
 * consumed and stored in @rec so the caller can report it.
 */
static inline bool uoff_cq_quiet(struct io_uring *ring, unsigned int ms,
				 struct uoff_cqe_rec *rec)
{
	return uoff_reap(ring, 1, rec, ms) == 0;
}

/*
 * Submits everything queued and reaps @nr completions.  Returns 0, or
 * -ETIME if some never arrived, or the io_uring_submit() error.
 */
static inline int uoff_submit_reap(struct io_uring *ring, unsigned int nr,
				   struct uoff_cqe_rec *recs)
{
	int ret = io_uring_submit(ring);

	if (ret < 0)
		return ret;
	if (uoff_reap(ring, nr, recs, UOFF_REAP_TIMEOUT_MS) != (int)nr)
		return -ETIME;
	return 0;
}

/*
 * Runs the one prepared @sqe to completion: 0 with its result in @res,
 * -ETIME if it never completed, -EPROTO if the completion was not its own.
 */
static inline int uoff_run1(struct io_uring *ring, struct io_uring_sqe *sqe,
			    int *res)
{
	static __u64 seq = 0x5e1f7e57ULL << 32;
	struct uoff_cqe_rec rec;
	__u64 ud = ++seq;
	int ret;

	io_uring_sqe_set_data64(sqe, ud);
	ret = uoff_submit_reap(ring, 1, &rec);
	if (ret)
		return ret;
	if (rec.user_data != ud)
		return -EPROTO;
	*res = rec.res;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Byte patterns and checks                                            */

/*
 * Word @k of the reproducible stream named @seed.  Every word differs from
 * its neighbours, so a copy that is shifted, truncated or duplicated by any
 * number of bytes does not match.
 */
static inline __u64 uoff_pattern_word(__u64 seed, __u64 k)
{
	__u64 x = (seed ^ 0x9e3779b97f4a7c15ULL) + k * 0xbf58476d1ce4e5b9ULL;

	x ^= x >> 31;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 29;
	return x;
}

static inline unsigned char uoff_pattern_byte(__u64 seed, __u64 i)
{
	return uoff_pattern_word(seed, i / 8) >> (8 * (i % 8));
}

/* Writes bytes @start .. @start + @len - 1 of stream @seed to @buf. */
static inline void uoff_pattern_fill(void *buf, size_t len, __u64 seed,
				     __u64 start)
{
	unsigned char *p = buf;
	size_t i = 0;
	__u64 w;

	for (; i < len && (start + i) % 8; i++)
		p[i] = uoff_pattern_byte(seed, start + i);
	for (; i + 8 <= len; i += 8) {
		w = htole64(uoff_pattern_word(seed, (start + i) / 8));
		memcpy(p + i, &w, 8);
	}
	for (; i < len; i++)
		p[i] = uoff_pattern_byte(seed, start + i);
}

/* Byte @i of a FILL destination: byte (i % 8) of the little-endian pattern. */
static inline unsigned char uoff_fill_byte(__u64 pattern, size_t i)
{
	return pattern >> (8 * (i % 8));
}

/*
 * The first wrong byte of a check, if @bad.  @off may be negative: guard
 * bytes before a range are reported relative to its start.
 */
struct uoff_mismatch {
	bool		bad;
	long long	off;
	unsigned int	got;
	unsigned int	want;
};

static inline struct uoff_mismatch uoff_no_mismatch(void)
{
	struct uoff_mismatch m = { .bad = false };

	return m;
}

static inline struct uoff_mismatch uoff_mismatch_at(const void *buf, size_t i,
						    unsigned char want)
{
	struct uoff_mismatch m = {
		.bad = true,
		.off = (long long)i,
		.got = ((const unsigned char *)buf)[i],
		.want = want,
	};

	return m;
}

/* @got against the expected bytes @want. */
static inline struct uoff_mismatch uoff_cmp_bytes(const void *got,
						  const void *want, size_t len)
{
	const unsigned char *g = got, *w = want;
	size_t i;

	if (!memcmp(got, want, len))
		return uoff_no_mismatch();
	for (i = 0; g[i] == w[i]; i++)
		;
	return uoff_mismatch_at(got, i, w[i]);
}

/* @buf against bytes @start .. of pattern stream @seed. */
static inline struct uoff_mismatch uoff_cmp_pattern(const void *buf, size_t len,
						    __u64 seed, __u64 start)
{
	const unsigned char *p = buf;
	unsigned char want;
	size_t i = 0;
	__u64 w;

	while (i < len) {
		if ((start + i) % 8 == 0 && i + 8 <= len) {
			w = htole64(uoff_pattern_word(seed, (start + i) / 8));
			if (!memcmp(p + i, &w, 8)) {
				i += 8;
				continue;
			}
		}
		want = uoff_pattern_byte(seed, start + i);
		if (p[i] != want)
			return uoff_mismatch_at(buf, i, want);
		i++;
	}
	return uoff_no_mismatch();
}

/* @buf against what FILL with @pattern must have written there. */
static inline struct uoff_mismatch uoff_cmp_fill(const void *buf, size_t len,
						 __u64 pattern)
{
	const unsigned char *p = buf;
	__u64 w = htole64(pattern);
	size_t i = 0;

	for (; i + 8 <= len; i += 8)
		if (memcmp(p + i, &w, 8))
			break;
	for (; i < len; i++)
		if (p[i] != uoff_fill_byte(pattern, i))
			return uoff_mismatch_at(buf, i, uoff_fill_byte(pattern, i));
	return uoff_no_mismatch();
}

/* Every byte of @buf equal to @c. */
static inline struct uoff_mismatch uoff_cmp_const(const void *buf, size_t len,
						  unsigned char c)
{
	const unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != c)
			return uoff_mismatch_at(buf, i, c);
	return uoff_no_mismatch();
}

/* The UOFF_GUARD canary bytes just before and just after [dst, dst+len). */
static inline struct uoff_mismatch uoff_cmp_guards(const void *dst, size_t len)
{
	const unsigned char *p = dst;
	struct uoff_mismatch m;

	m = uoff_cmp_const(p - UOFF_GUARD, UOFF_GUARD, UOFF_CANARY);
	if (m.bad) {
		m.off -= UOFF_GUARD;
		return m;
	}
	m = uoff_cmp_const(p + len, UOFF_GUARD, UOFF_CANARY);
	if (m.bad)
		m.off += len;
	return m;
}

/* ------------------------------------------------------------------ */
/* Memory                                                              */

static inline void *uoff_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Address space only: @len bytes that cost no memory until touched, for
 * requests that must be refused by their length before anything is read.
 */
static inline void *uoff_reserve(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * A 2 MiB aligned, populated region of @len bytes (a multiple of 2 MiB)
 * that asks for transparent huge pages, so ranges in it cross folio
 * boundaries.  *@raw and *@raw_len describe the mapping to munmap().
 */
static inline void *uoff_map_thp(size_t len, void **raw, size_t *raw_len)
{
	size_t total = len + UOFF_THP_SIZE;
	uintptr_t start;
	char *p;

	p = mmap(NULL, total, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	start = ((uintptr_t)p + UOFF_THP_SIZE - 1) & ~(UOFF_THP_SIZE - 1);
	/* Advice only: without THP the test still crosses page boundaries. */
	madvise((void *)start, len, MADV_HUGEPAGE);
	memset((void *)start, 0, len);
	*raw = p;
	*raw_len = total;
	return (void *)start;
}

/*
 * An address with nothing mapped at it, and one read-write page just below
 * it, for ranges that run from mapped into unmapped memory; munmap() the
 * page at hole - UOFF_PAGE_SIZE when done.
 *
 * The unmapped gap above the page is huge on purpose: mmap() hands out
 * the top of the highest free gap first, so a small hole would soon be
 * filled by the next mapping (an io_uring's rings, say), and this one only
 * fills from the far end.  It is address space only, no memory.
 */
#define UOFF_HOLE_GAP		(16 * GiB)

static inline char *uoff_hole(void)
{
	char *p = mmap(NULL, UOFF_PAGE_SIZE + UOFF_HOLE_GAP,
		       PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (munmap(p + UOFF_PAGE_SIZE, UOFF_HOLE_GAP))
		return NULL;
	return p + UOFF_PAGE_SIZE;
}

/* ------------------------------------------------------------------ */
/* sysfs: module parameters and stats                                  */

static inline int uoff_read_ull(const char *path, unsigned long long *val)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	*val = strtoull(buf, NULL, 0);
	return 0;
}

static inline int uoff_write_ull(const char *path, unsigned long long val)
{
	char buf[32];
	int fd, len;
	ssize_t n;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%llu\n", val);
	n = write(fd, buf, len);
	close(fd);
	if (n != len)
		return n < 0 ? -errno : -EIO;
	return 0;
}

static inline int uoff_param_get(const char *name, unsigned long long *val)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", UOFF_PARAM_DIR, name);
	return uoff_read_ull(path, val);
}

static inline int uoff_param_set(const char *name, unsigned long long val)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", UOFF_PARAM_DIR, name);
	return uoff_write_ull(path, val);
}

/*
 * Reads parameter @name into @buf (@len bytes, without the newline) or, if
 * @set, writes @buf to it: 0 or -errno.
 */
static inline int uoff_param_str(const char *name, char *buf, size_t len,
				 bool set)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", UOFF_PARAM_DIR, name);
	fd = open(path, set ? O_WRONLY : O_RDONLY);
	if (fd < 0)
		return -errno;
	n = set ? write(fd, buf, strlen(buf)) : read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	if (!set) {
		buf[n] = 0;
		buf[strcspn(buf, "\n")] = 0;
	}
	return 0;
}

/* One parameter a fixture changes and must put back. */
struct uoff_param {
	const char		*name;
	unsigned long long	saved;
	bool			changed;
};

/*
 * Sets @name to @val, remembering the value it had before the first
 * override through @p: 0 or -errno.
 */
static inline int uoff_param_override(struct uoff_param *p, const char *name,
				      unsigned long long val)
{
	int ret;

	if (!p->changed) {
		p->name = name;
		ret = uoff_param_get(name, &p->saved);
		if (ret)
			return ret;
	}
	ret = uoff_param_set(name, val);
	if (ret)
		return ret;
	p->changed = true;
	return 0;
}

static inline int uoff_param_restore(struct uoff_param *p)
{
	if (!p->changed)
		return 0;
	p->changed = false;
	return uoff_param_set(p->name, p->saved);
}

/*
 * Sums the stats lines whose name is @name or ends in ".@name"
 * (so "bytes" adds chan0.bytes, chan1.bytes, ...).  Returns -ENOENT if
 * no line matched.
 */
static inline int uoff_stat_sum(const char *name, long long *sum)
{
	char line[256], key[128];
	size_t nlen = strlen(name), klen;
	bool found = false;
	long long v;
	FILE *f;

	f = fopen(UOFF_STATS_PATH, "r");
	if (!f)
		return -errno;
	*sum = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %lld", key, &v) != 2)
			continue;
		klen = strlen(key);
		if (klen < nlen || strcmp(key + klen - nlen, name))
			continue;
		if (klen > nlen && key[klen - nlen - 1] != '.')
			continue;
		*sum += v;
		found = true;
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}

/* ------------------------------------------------------------------ */
/* Time                                                                */

static inline long long uoff_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static inline void uoff_sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Polls for child @pid to end within @ms; true and its status if it did. */
static inline bool uoff_reap_child(pid_t pid, unsigned int ms, int *status)
{
	long long end = uoff_now_ms() + ms;

	do {
		if (waitpid(pid, status, WNOHANG) == pid)
			return true;
		uoff_sleep_ms(10);
	} while (uoff_now_ms() < end);
	return false;
}

/*
 * Waits for @get() to give a value <= @want within @ms, for what the
 * module lets go of asynchronously; returns the last value read.
 */
static inline long long uoff_settle(int (*get)(long long *), long long want,
				    unsigned int ms)
{
	long long end = uoff_now_ms() + ms, val = want + 1;

	do {
		if (get(&val) || val <= want)
			break;
		uoff_sleep_ms(20);
	} while (uoff_now_ms() < end);
	return val;
}

/* The module's reference count, for uoff_settle(). */
static inline int uoff_read_refcnt(long long *val)
{
	unsigned long long v = 0;
	int ret = uoff_read_ull(UOFF_REFCNT_PATH, &v);

	*val = v;
	return ret;
}

/* Requests in flight on all channels, for uoff_settle(). */
static inline int uoff_read_inflight(long long *val)
{
	return uoff_stat_sum("inflight", val);
}

#ifndef UOFF_TEST_NO_HARNESS

/* ------------------------------------------------------------------ */
/* Fixture pieces                                                      */

/*
 * Opens @ctx with an @entries deep ring and, unless @value is
 * (unsigned long long)-1, sets inline_threshold to @value for the test,
 * keeping the old value in @threshold for the teardown to restore.
 * Skips when the parameter cannot be written (not root).
 */
static inline void uoff_fixture_open(struct __test_metadata *_metadata,
				     struct uoff_ctx *ctx,
				     struct uoff_param *threshold,
				     unsigned long long value,
				     unsigned int entries)
{
	int ret;

	ret = uoff_ctx_init(ctx, entries, 0);
	ASSERT_EQ(0, ret) {
		TH_LOG("opening %s and a ring: %s", UOFF_DEVICE_PATH,
		       strerror(-ret));
	}
	if (value == (unsigned long long)-1)
		return;
	ret = uoff_param_override(threshold, "inline_threshold", value);
	if (ret)
		SKIP(return, "cannot set inline_threshold: %s", strerror(-ret));
}

/*
 * main() for every test binary: the whole binary is skipped (exit 4)
 * when the module is not loaded, unless tests are only being listed.
 */
#define UOFF_TEST_MAIN							\
int main(int argc, char **argv)					\
{									\
	int i;								\
									\
	for (i = 1; i < argc; i++)					\
		if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "-h"))	\
			return test_harness_run(argc, argv);		\
	if (!uoff_device_present()) {					\
		ksft_print_header();					\
		ksft_exit_skip("%s is absent: uoffload not loaded\n",	\
			       UOFF_DEVICE_PATH);			\
	}								\
	return test_harness_run(argc, argv);				\
}

/* Sets the guard bytes around and the bytes of [dst, dst + len) to canary. */
static inline void uoff_canary(void *dst, size_t len)
{
	memset((char *)dst - UOFF_GUARD, UOFF_CANARY, len + 2 * UOFF_GUARD);
}

/*
 * Submits what is queued, whose user_data are @base .. @base + @nr - 1,
 * and checks that each completes exactly once, op i with result @want[i],
 * and that nothing else completes.
 */
static inline void uoff_expect_cqes(struct __test_metadata *_metadata,
				    struct io_uring *ring, unsigned int nr,
				    __u64 base, const int *want)
{
	struct uoff_cqe_rec *recs, stray = { 0 };
	unsigned char *seen;
	unsigned int i;
	__u64 op;
	int got;

	recs = calloc(nr ? nr : 1, sizeof(*recs));
	seen = calloc(nr ? nr : 1, 1);
	ASSERT_NE(NULL, recs);
	ASSERT_NE(NULL, seen);
	ASSERT_LE(0, io_uring_submit(ring));
	got = uoff_reap(ring, nr, recs, UOFF_REAP_TIMEOUT_MS);
	ASSERT_EQ((int)nr, got) {
		TH_LOG("only %d of %u completions arrived", got, nr);
	}
	for (i = 0; i < nr; i++) {
		op = recs[i].user_data - base;
		ASSERT_LT(op, (__u64)nr) {
			TH_LOG("completion with unknown user_data 0x%llx",
			       (unsigned long long)recs[i].user_data);
		}
		ASSERT_EQ(0, seen[op]) {
			TH_LOG("second completion for op %llu",
			       (unsigned long long)op);
		}
		seen[op] = 1;
		ASSERT_EQ(want[op], recs[i].res) {
			TH_LOG("result of op %llu", (unsigned long long)op);
		}
	}
	ASSERT_TRUE(uoff_cq_quiet(ring, 5, &stray)) {
		TH_LOG("stray completion: user_data 0x%llx res %d",
		       (unsigned long long)stray.user_data, stray.res);
	}
	free(recs);
	free(seen);
}

/*
 * Submits the one prepared @sqe and returns its result, failing the test
 * unless exactly one completion, its own, arrives.
 */
static inline int uoff_complete1(struct __test_metadata *_metadata,
				 struct io_uring *ring,
				 struct io_uring_sqe *sqe)
{
	struct uoff_cqe_rec rec = { 0 }, stray = { 0 };
	int ret;

	ret = uoff_run1(ring, sqe, &rec.res);
	ASSERT_EQ(0, ret) {
		TH_LOG("%s", ret == -ETIME ? "no completion" :
		       ret == -EPROTO ? "completion of another op" :
		       strerror(-ret));
	}
	ASSERT_TRUE(uoff_cq_quiet(ring, 1, &stray)) {
		TH_LOG("stray completion: user_data 0x%llx res %d",
		       (unsigned long long)stray.user_data, stray.res);
	}
	return rec.res;
}

/*
 * Forks a child that _exit()s with @fn(@arg, ready_fd), @fn writing a byte
 * to ready_fd once it has got its requests in flight; waits for that byte,
 * SIGKILLs the child if @kill_it, and reaps it.  Fails the test unless the
 * child got ready and then was killed or exited with 0, each within @ms.
 */
static inline void uoff_run_child(struct __test_metadata *_metadata,
				  int (*fn)(void *arg, int ready_fd),
				  void *arg, bool kill_it, unsigned int ms)
{
	struct pollfd pfd;
	int pipefd[2], status = 0;
	bool ready;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(pipefd[0]);
		_exit(fn(arg, pipefd[1]));
	}
	close(pipefd[1]);
	pfd.fd = pipefd[0];
	pfd.events = POLLIN;
	ready = poll(&pfd, 1, ms) == 1 && read(pipefd[0], &c, 1) == 1;
	close(pipefd[0]);
	if (ready && kill_it)
		ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_TRUE(uoff_reap_child(pid, ms, &status)) {
		TH_LOG("child not reaped within %u ms", ms);
		kill(pid, SIGKILL);
	}
	ASSERT_TRUE(ready) {
		TH_LOG("child never got its requests in flight: status 0x%x",
		       status);
	}
	if (kill_it) {
		ASSERT_TRUE(WIFSIGNALED(status));
		ASSERT_EQ(SIGKILL, WTERMSIG(status));
	} else {
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status)) {
			TH_LOG("child exit code %d", WEXITSTATUS(status));
		}
	}
}

/*
 * Fails the test at the first wrong byte, saying where it is relative to
 * the checked range (negative: in the guard before it) and what was there.
 */
#define ASSERT_MATCH(mismatch, fmt, ...) do {				\
	struct uoff_mismatch __m = (mismatch);				\
	ASSERT_FALSE(__m.bad) {						\
		TH_LOG("byte %lld is 0x%02x, want 0x%02x: " fmt,	\
		       __m.off, __m.got, __m.want, ##__VA_ARGS__);	\
	}								\
} while (0)

#endif /* UOFF_TEST_NO_HARNESS */

#endif /* UOFF_TEST_H */
