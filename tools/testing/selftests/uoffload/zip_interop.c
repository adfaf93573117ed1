// SPDX-License-Identifier: GPL-2.0
/*
 * The guest half of tools/testing/zip-interop, not a test of its own: it
 * runs DEFLATE and INFLATE on files the host put in a shared directory and
 * leaves its streams there for the host's gzip and zlib to judge.
 *
 *   zip_interop DIR [PLAN]
 *
 * DIR/PLAN (default DIR/plan) has one op a line (paths relative to DIR,
 * '#' starts a comment):
 *
 *   inflate FORMAT STREAM ORIGINAL
 *	INFLATE STREAM (made by someone else's compressor) into a destination
 *	of exactly ORIGINAL's size, then into one twice as big, and, for an
 *	ORIGINAL of 1 to SHORT_MAX bytes, into one a byte too small; checks
 *	cqe->res, every byte against ORIGINAL, and that no byte outside
 *	[dst, dst + res) changed (ENOSPC and nothing written when too small).
 *   deflate FORMAT LEVEL ORIGINAL OUTPUT
 *	DEFLATEs ORIGINAL, checks cqe->res and the bytes past it, and writes
 *	the stream to OUTPUT.
 *   mark STAT
 *	Remembers the value of STAT in the module's stats.
 *   grew STAT MIN
 *	Checks that STAT grew by at least MIN since its mark.
 *
 * FORMAT is raw, zlib or gzip.  One "ok N - ..." or "not ok N - ..." line a
 * check, then "zip_interop: N passed, N failed"; exit status 0 iff none
 * failed.
 */
#define UOFF_TEST_NO_HARNESS
#include "uoff_test.h"

#include <stdarg.h>
#include <sys/stat.h>

/* INFLATE also gets a destination a byte short for originals up to this. */
#define SHORT_MAX	(1 * MiB)
/* A 64 MiB DEFLATE at level 9 takes minutes under TCG. */
#define OP_TIMEOUT_MS	(20 * 60 * 1000)
#define LINE_MAX_LEN	4096
/* Longest path in the plan, and a check's description. */
#define NAME_LEN	255
#define WHAT_LEN	1024

static const char *const format_names[] = {
	[UOFF_ZIP_RAW]	= "raw",
	[UOFF_ZIP_ZLIB]	= "zlib",
	[UOFF_ZIP_GZIP]	= "gzip",
};

static struct uoff_ctx ctx;
static const char *share;
static unsigned int nr_passed, nr_failed;

static void report(bool ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		nr_passed++;
	else
		nr_failed++;
	printf("%s %u - %s: ", ok ? "ok" : "not ok", nr_passed + nr_failed,
	       what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* @len bytes at @p with UOFF_GUARD canary bytes on either side. */
struct area {
	unsigned char	*p;
	size_t		len;
	void		*map;
	size_t		map_len;
};

static int area_get(struct area *a, size_t len)
{
	a->map_len = len + 2 * UOFF_GUARD;
	a->map = uoff_map(a->map_len);
	if (!a->map)
		return -ENOMEM;
	memset(a->map, UOFF_CANARY, a->map_len);
	a->p = (unsigned char *)a->map + UOFF_GUARD;
	a->len = len;
	return 0;
}

static void area_put(struct area *a)
{
	if (a->map)
		munmap(a->map, a->map_len);
	memset(a, 0, sizeof(*a));
}

/*
 * The first changed canary byte of @a outside [p, p + used): in the guard
 * before it (negative offset), or from @used to the end of the guard after.
 */
static struct uoff_mismatch area_cmp_unused(const struct area *a, size_t used)
{
	struct uoff_mismatch m;

	m = uoff_cmp_const(a->map, UOFF_GUARD, UOFF_CANARY);
	if (m.bad) {
		m.off -= UOFF_GUARD;
		return m;
	}
	m = uoff_cmp_const(a->p + used, a->len - used + UOFF_GUARD,
			   UOFF_CANARY);
	if (m.bad)
		m.off += used;
	return m;
}

static void share_path(char *path, size_t size, const char *rel)
{
	snprintf(path, size, "%s/%s", share, rel);
}

/* Reads the whole of DIR/@rel into a fresh area: 0 or -errno. */
static int load(const char *rel, struct area *a)
{
	char path[PATH_MAX];
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd, ret;

	share_path(path, sizeof(path), rel);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	ret = fstat(fd, &st) ? -errno : 0;
	if (!ret && (st.st_size < 0 || st.st_size > INT_MAX))
		ret = -EFBIG;
	if (!ret)
		ret = area_get(a, st.st_size);
	while (!ret && got < a->len) {
		n = read(fd, a->p + got, a->len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			ret = n ? -errno : -EIO;
		else
			got += n;
	}
	close(fd);
	if (ret)
		area_put(a);
	return ret;
}

/* Writes @len bytes at @p to DIR/@rel: 0 or -errno. */
static int save(const char *rel, const void *p, size_t len)
{
	char path[PATH_MAX];
	size_t done = 0;
	ssize_t n;
	int fd, ret = 0;

	share_path(path, sizeof(path), rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	while (done < len) {
		n = write(fd, (const char *)p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n ? -errno : -EIO;
			break;
		}
		done += n;
	}
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

/* Runs the prepared @sqe: 0 with its result in @res and time in @ms. */
static int run_op(struct io_uring_sqe *sqe, int *res, long long *ms)
{
	static __u64 seq;
	struct uoff_cqe_rec rec;
	long long start = uoff_now_ms();
	int ret;

	io_uring_sqe_set_data64(sqe, ++seq);
	ret = io_uring_submit(&ctx.ring);
	if (ret < 0)
		return ret;
	if (uoff_reap(&ctx.ring, 1, &rec, OP_TIMEOUT_MS) != 1)
		return -ETIME;
	if (rec.user_data != seq)
		return -EPROTO;
	*res = rec.res;
	*ms = uoff_now_ms() - start;
	return 0;
}

static double mb_per_s(size_t bytes, long long ms)
{
	return bytes / 1e3 / (ms > 0 ? ms : 1);
}

static const char *result_str(int res)
{
	static char buf[64];

	if (res >= 0)
		snprintf(buf, sizeof(buf), "%d", res);
	else
		snprintf(buf, sizeof(buf), "%d (%s)", res, strerror(-res));
	return buf;
}

/*
 * Runs a DEFLATE at @level, or an INFLATE if @level is negative, of @src
 * into a fresh @dst of @cap bytes.  False, with the check failed, if it
 * did not complete; else its result is in @res and @dst is to be put.
 */
static bool zip_run(const char *what, struct area *dst, size_t cap,
		    const struct area *src, unsigned int format, int level,
		    int *res, long long *ms)
{
	struct io_uring_sqe *sqe;
	int ret;

	if (area_get(dst, cap)) {
		report(false, what, "no %zu-byte destination", cap);
		return false;
	}
	sqe = uoff_sqe(&ctx.ring);
	if (level < 0)
		io_uring_prep_inflate(sqe, ctx.fd, dst->p, cap, src->p,
				      src->len, format, 0);
	else
		io_uring_prep_deflate(sqe, ctx.fd, dst->p, cap, src->p,
				      src->len, format, level, 0);
	ret = run_op(sqe, res, ms);
	if (ret) {
		report(false, what, "no completion: %s", strerror(-ret));
		area_put(dst);
		return false;
	}
	return true;
}

/* One INFLATE of @src into @cap bytes, judged against @orig. */
static void inflate_into(const char *what, unsigned int format,
			 const struct area *src, const struct area *orig,
			 size_t cap)
{
	struct uoff_mismatch m;
	struct area dst;
	long long ms;
	int res;

	if (!zip_run(what, &dst, cap, src, format, -1, &res, &ms))
		return;
	if (cap < orig->len) {
		m = area_cmp_unused(&dst, 0);
		if (res != -ENOSPC)
			report(false, what, "res %s, want -ENOSPC into %zu bytes",
			       result_str(res), cap);
		else if (m.bad)
			report(false, what,
			       "ENOSPC but byte %lld of the destination is 0x%02x",
			       m.off, m.got);
		else
			report(true, what, "ENOSPC, destination untouched");
	} else if (res < 0 || (size_t)res != orig->len) {
		report(false, what, "res %s, want %zu", result_str(res),
		       orig->len);
	} else if ((m = uoff_cmp_bytes(dst.p, orig->p, orig->len)).bad) {
		report(false, what, "byte %lld is 0x%02x, want 0x%02x", m.off,
		       m.got, m.want);
	} else if ((m = area_cmp_unused(&dst, res)).bad) {
		report(false, what, "byte %lld past the stream's end changed",
		       m.off - res);
	} else {
		report(true, what, "%zu -> %d bytes into %zu, %.1f MB/s",
		       src->len, res, cap, mb_per_s(res, ms));
	}
	area_put(&dst);
}

static void check_inflate(unsigned int format, const char *stream,
			  const char *orig_name, const struct area *orig)
{
	char what[WHAT_LEN];
	struct area src;
	int ret;

	snprintf(what, sizeof(what), "inflate %s %s -> %s",
		 format_names[format], stream, orig_name);
	ret = load(stream, &src);
	if (ret) {
		report(false, what, "cannot read the stream: %s",
		       strerror(-ret));
		return;
	}
	snprintf(what, sizeof(what), "inflate %s %s exact",
		 format_names[format], stream);
	inflate_into(what, format, &src, orig, orig->len);
	snprintf(what, sizeof(what), "inflate %s %s roomy",
		 format_names[format], stream);
	inflate_into(what, format, &src, orig, 2 * orig->len + 64 * KiB);
	if (orig->len && orig->len <= SHORT_MAX) {
		snprintf(what, sizeof(what), "inflate %s %s short",
			 format_names[format], stream);
		inflate_into(what, format, &src, orig, orig->len - 1);
	}
	area_put(&src);
}

static void check_deflate(unsigned int format, unsigned int level,
			  const char *orig_name, const struct area *orig,
			  const char *out)
{
	/* Above zlib's bound: stored blocks cost 5 bytes a 64 KiB. */
	size_t cap = orig->len + orig->len / 8 + 4 * KiB;
	char what[WHAT_LEN];
	struct uoff_mismatch m;
	struct area dst;
	long long ms;
	int ret, res;

	snprintf(what, sizeof(what), "deflate %s -%u %s -> %s",
		 format_names[format], level, orig_name, out);
	if (cap > ctx.feat.max_op_len)
		cap = ctx.feat.max_op_len;
	if (!zip_run(what, &dst, cap, orig, format, level, &res, &ms))
		return;
	if (res <= 0 || (size_t)res > cap)
		report(false, what, "res %s into %zu bytes", result_str(res),
		       cap);
	else if ((m = area_cmp_unused(&dst, res)).bad)
		report(false, what, "byte %lld past the stream's end changed",
		       m.off - res);
	else if ((ret = save(out, dst.p, res)))
		report(false, what, "cannot write the stream: %s",
		       strerror(-ret));
	else
		report(true, what, "%zu -> %d bytes, %.1f MB/s", orig->len,
		       res, mb_per_s(orig->len, ms));
	area_put(&dst);
}

static unsigned int parse_format(const char *name)
{
	unsigned int f;

	for (f = 0; f < ARRAY_SIZE(format_names); f++)
		if (format_names[f] && !strcmp(name, format_names[f]))
			return f;
	return 0;
}

/* The original most recently loaded: the plan lists one file's ops together. */
static struct area orig;
static char orig_name[NAME_LEN + 1];

static int use_original(const char *name)
{
	int ret;

	if (orig.map && !strcmp(name, orig_name))
		return 0;
	area_put(&orig);
	orig_name[0] = '\0';
	ret = load(name, &orig);
	if (!ret)
		snprintf(orig_name, sizeof(orig_name), "%s", name);
	return ret;
}

/* The stats a plan marked, and their values then. */
static struct {
	char		name[NAME_LEN + 1];
	long long	value;
} marks[8];

static void mark_stat(const char *what, const char *name)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(marks) - 1; i++)
		if (!marks[i].name[0] || !strcmp(marks[i].name, name))
			break;
	ret = uoff_stat_sum(name, &marks[i].value);
	if (ret) {
		report(false, what, "cannot read stat %s: %s", name,
		       strerror(-ret));
		return;
	}
	snprintf(marks[i].name, sizeof(marks[i].name), "%s", name);
}

static void check_stat_grew(const char *what, const char *name,
			    long long min)
{
	long long now = 0;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(marks); i++)
		if (!strcmp(marks[i].name, name))
			break;
	if (i == ARRAY_SIZE(marks)) {
		report(false, what, "%s was not marked", name);
		return;
	}
	ret = uoff_stat_sum(name, &now);
	if (ret)
		report(false, what, "cannot read stat %s: %s", name,
		       strerror(-ret));
	else
		report(now - marks[i].value >= min, what,
		       "%s grew by %lld, at least %lld wanted", name,
		       now - marks[i].value, min);
}

static void run_line(char *line, unsigned int lineno)
{
	char op[16], fmt[16], a[NAME_LEN + 1], b[NAME_LEN + 1];
	char what[WHAT_LEN];
	unsigned int format, level;
	char *hash = strchr(line, '#');
	long long min;
	int n, ret;

	if (hash)
		*hash = '\0';
	n = sscanf(line, "%15s %255s", op, a);
	if (n <= 0)
		return;
	snprintf(what, sizeof(what), "plan line %u", lineno);
	if (n == 2 && !strcmp(op, "mark")) {
		mark_stat(what, a);
		return;
	}
	if (n == 2 && !strcmp(op, "grew") &&
	    sscanf(line, "%*s %*s %lld", &min) == 1) {
		check_stat_grew(what, a, min);
		return;
	}
	format = n == 2 && sscanf(line, "%*s %15s", fmt) == 1 ?
		 parse_format(fmt) : 0;
	if (!format) {
		report(false, what, "no known op and format in '%s'", line);
		return;
	}
	if (!strcmp(op, "inflate") &&
	    sscanf(line, "%*s %*s %255s %255s", a, b) == 2) {
		ret = use_original(b);
		if (ret)
			report(false, what, "cannot read %s: %s", b,
			       strerror(-ret));
		else
			check_inflate(format, a, b, &orig);
	} else if (!strcmp(op, "deflate") &&
		   sscanf(line, "%*s %*s %u %255s %255s", &level, a, b) == 3 &&
		   level <= UOFF_ZIP_LEVEL_MAX) {
		ret = use_original(a);
		if (ret)
			report(false, what, "cannot read %s: %s", a,
			       strerror(-ret));
		else
			check_deflate(format, level, a, &orig, b);
	} else {
		report(false, what, "cannot parse '%s'", line);
	}
}

static void check_features(void)
{
	const struct uoff_features *f = &ctx.feat;
	__u64 ops = 1ULL << UOFF_OP_DEFLATE | 1ULL << UOFF_OP_INFLATE;
	__u32 formats = 1U << UOFF_ZIP_RAW | 1U << UOFF_ZIP_ZLIB |
			1U << UOFF_ZIP_GZIP;
	bool ok = (f->ops & ops) == ops &&
		  (f->zip_formats & formats) == formats &&
		  (f->zip_levels & 0x3ff) == 0x3ff && f->nr_zip_channels;

	report(ok, "features",
	       "ops 0x%llx, zip_formats 0x%x, zip_levels 0x%x, %u zip channels, engines 0x%llx",
	       (unsigned long long)f->ops, f->zip_formats, f->zip_levels,
	       f->nr_zip_channels, (unsigned long long)f->engines);
}

int main(int argc, char **argv)
{
	char path[PATH_MAX], line[LINE_MAX_LEN];
	unsigned int lineno = 0;
	long long start = uoff_now_ms();
	FILE *plan;
	int ret;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s DIR [PLAN] (see the source)\n",
			argv[0]);
		return 2;
	}
	share = argv[1];
	ret = uoff_ctx_init(&ctx, 8, 0);
	if (ret) {
		report(false, "open", "%s and a ring: %s", UOFF_DEVICE_PATH,
		       strerror(-ret));
		goto out;
	}
	check_features();
	share_path(path, sizeof(path), argc > 2 ? argv[2] : "plan");
	plan = fopen(path, "r");
	if (!plan) {
		report(false, "plan", "cannot open %s: %s", path,
		       strerror(errno));
		goto out;
	}
	while (fgets(line, sizeof(line), plan)) {
		line[strcspn(line, "\n")] = '\0';
		run_line(line, ++lineno);
	}
	fclose(plan);
	area_put(&orig);
out:
	uoff_ctx_exit(&ctx);
	printf("# zip_interop: %lld s\n", (uoff_now_ms() - start) / 1000);
	printf("zip_interop: %u passed, %u failed\n", nr_passed, nr_failed);
	return nr_failed ? 1 : 0;
}
