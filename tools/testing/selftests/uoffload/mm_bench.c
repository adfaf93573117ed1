// SPDX-License-Identifier: GPL-2.0
/*
 * mm_bench - what uoffload's memory-management provider (kernel/mm.c) gains
 * or costs: move_pages(2) throughput for 4 KiB folios and for 2 MiB
 * transparent huge pages, and huge-page fault throughput (THP and hugetlb),
 * each with the CPU doing the copy or the zeroing (mm_offload=0) and with
 * uoffload doing it on its channels (mm_offload=1), as ratios measured in
 * one boot.
 *
 * The two modes take turns, run by run, over the same buffers, and each
 * case gives the median of -r runs per mode with their minimum and maximum,
 * so that the noise of an emulated guest shows.  The ratio is the offload
 * median over the CPU median: above 1, offload is faster.
 *
 * Every run proves which path served it from the module's stats: a CPU run
 * must leave mm.migrate_folios and mm.zero_folios where they were, an
 * offload run must raise them by its folio count and have the bytes on the
 * channels of the engine named by -e (cpu: the CPU channels chanN; sdxi:
 * device channels dchanN of engine sdxi).  Moved bytes are compared with
 * their pattern and every page's node is checked after each move; faulted
 * huge pages must be huge and read as zero, over pages freed full of other
 * bytes.
 *
 * Only the hooks of kernel/patches/ call the provider: on a kernel without
 * them (no mm.* statistics) the bench says so and exits 4 (kselftest skip),
 * as it does with -e sdxi and no SDXI channels.
 *
 * Output: per-run lines starting with "#" (-q drops them), a table, and one
 * "bench: <name> <value> <unit>" line per result.  Exit status: 0 every run
 * verified and served by the path it claims, 1 otherwise, 2 usage, 4 skip.
 */
#define UOFF_TEST_NO_HARNESS
#include <sys/utsname.h>

#include "uoff_mm.h"

#define KSFT_SKIP		4
#define MAX_RUNS		64
#define MAX_ENGINES		4
#define HUGETLB_POOL		"/proc/sys/vm/nr_hugepages"

/* Counters from the stats file, summed where there is one per channel. */
enum stat_id {
	ST_MIG_BATCHES, ST_MIG_FOLIOS, ST_MIG_BYTES, ST_MIG_DECLINED,
	ST_MIG_ERRORS, ST_ZERO_FOLIOS, ST_ZERO_BYTES, ST_ZERO_ERRORS, ST_NR
};

static const char * const stat_names[ST_NR] = {
	"mm.migrate_batches", "mm.migrate_folios", "mm.migrate_bytes",
	"mm.migrate_declined", "mm.migrate_errors", "mm.zero_folios",
	"mm.zero_bytes", "mm.zero_errors",
};

/* Per engine name, over the copy and fill channels (chanN and dchanN). */
struct engine_stats {
	char		name[16];
	long long	kernel_reqs;
	long long	bytes;
	long long	fallbacks;
};

struct stats {
	bool			have[ST_NR];
	long long		v[ST_NR];
	unsigned int		nr_engines;
	struct engine_stats	eng[MAX_ENGINES];
};

/* One measured run: throughput, and what the counters say served it. */
struct run {
	double		mibs;
	long long	folios;		/* offloaded, by mm.migrate/zero_folios */
	long long	batches;	/* migrate_copy calls that took a batch */
	long long	eng_bytes;	/* on the channels of the -e engine */
	long long	other_bytes;	/* on any other engine's channels */
	long long	fallbacks;	/* device channel descriptors the CPU did */
};

struct ctx {
	char		*buf;		/* the measured range, 2 MiB aligned */
	void		*raw;		/* its mapping */
	size_t		raw_len;
	size_t		len;
	unsigned long	nr_folios;
	int		node;		/* where the moved range is now */
	void		**pages;	/* move_pages() arguments */
	int		*nodes;
	int		*status;
	unsigned long long pool_saved;
	bool		pool_changed;
	__u64		seed;
};

struct bench_case {
	const char	*name;		/* for the bench: lines */
	const char	*title;		/* for the table */
	bool		migrate;	/* counted in mm.migrate_*, else mm.zero_* */
	/*
	 * NULL to run; why the case cannot run here (a skip, not a failure);
	 * or "" after an error() (a failure).
	 */
	const char	*(*setup)(struct ctx *c);
	/* One timed operation, verified; seconds, or < 0 on a failure. */
	double		(*run)(struct ctx *c);
	void		(*teardown)(struct ctx *c);
};

static unsigned int nr_runs = 7;
static unsigned long base_pages = 4096;	/* -n: 4 KiB folios moved per run */
static unsigned long huge_pages = 16;	/* -m: 2 MiB folios per run */
static const char *engine = "cpu";
static bool quiet;
static int failures;

/* Per-run commentary, which -q drops. */
#define note(...)	do { if (!quiet) printf(__VA_ARGS__); } while (0)

#define error(fmt, ...)	do {						\
	fflush(stdout);							\
	fprintf(stderr, "mm_bench: ERROR: " fmt "\n", ##__VA_ARGS__);	\
	failures++;							\
} while (0)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ */
/* Parameters and statistics                                           */

#define NR_PARAMS	4
static const char * const param_names[NR_PARAMS] = {
	"mm_offload", "mm_migrate_reasons", "mm_migrate_min_bytes",
	"mm_min_folio_size",
};
static struct mm_params params_saved;

static int param_set(const char *name, const char *val)
{
	int ret = mm_param_set(name, val);

	if (ret)
		error("cannot set %s to %s: %s", name, val, strerror(-ret));
	return ret;
}

static void params_restore(void)
{
	mm_params_restore(&params_saved);
}

static int params_save(void)
{
	mm_params_save(&params_saved, param_names, NR_PARAMS);
	for (int i = 0; i < NR_PARAMS; i++) {
		if (!params_saved.have[i]) {
			error("cannot read parameter %s", param_names[i]);
			return -1;
		}
	}
	atexit(params_restore);
	return 0;
}

/*
 * Offload on: migrations by move_pages() (reason syscall_or_cpuset) of any
 * size, and 2 MiB folios zeroed.  Off: the provider declines everything.
 */
static int set_offload(bool on)
{
	if (!on)
		return param_set("mm_offload", "0");
	if (param_set("mm_migrate_reasons", "syscall_or_cpuset") ||
	    param_set("mm_migrate_min_bytes", "0") ||
	    param_set("mm_min_folio_size", "2097152"))
		return -1;
	return param_set("mm_offload", "1");
}

/* Whether @name is "<prefix><digits><field>"; then the channel name's length. */
static size_t chan_field(const char *name, const char *prefix,
			 const char *field)
{
	size_t plen = strlen(prefix), dlen;

	if (strncmp(name, prefix, plen))
		return 0;
	dlen = strspn(name + plen, "0123456789");
	if (!dlen || strcmp(name + plen + dlen, field))
		return 0;
	return plen + dlen;
}

static struct engine_stats *engine_slot(struct stats *s, const char *name)
{
	unsigned int i;

	for (i = 0; i < s->nr_engines; i++)
		if (!strcmp(s->eng[i].name, name))
			return &s->eng[i];
	if (i == MAX_ENGINES)
		return NULL;
	s->nr_engines++;
	snprintf(s->eng[i].name, sizeof(s->eng[i].name), "%.15s", name);
	return &s->eng[i];
}

/*
 * The mm.* counters and, per engine, the copy and fill channels' counters
 * (the compression channels, zchanN, are left out).  A channel's .engine
 * line comes before its counters.
 */
static int read_stats(struct stats *s)
{
	static const char * const sets[] = { "chan", "dchan" };
	char line[256], key[128], val[64], chan[64] = "";
	struct engine_stats *cur = NULL;
	FILE *f = fopen(UOFF_STATS_PATH, "r");

	memset(s, 0, sizeof(*s));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		long long v;
		size_t clen = 0;

		if (sscanf(line, "%127s %63s", key, val) != 2)
			continue;
		v = strtoll(val, NULL, 0);
		for (int i = 0; i < ST_NR; i++)
			if (!strcmp(key, stat_names[i])) {
				s->v[i] = v;
				s->have[i] = true;
			}
		for (unsigned int i = 0; i < ARRAY_SIZE(sets) && !clen; i++)
			clen = chan_field(key, sets[i], ".engine");
		if (clen) {
			snprintf(chan, sizeof(chan), "%.*s", (int)clen, key);
			cur = engine_slot(s, val);
			continue;
		}
		if (!cur || strncmp(key, chan, strlen(chan)) ||
		    key[strlen(chan)] != '.')
			continue;
		if (!strcmp(key + strlen(chan), ".kernel_reqs"))
			cur->kernel_reqs += v;
		else if (!strcmp(key + strlen(chan), ".bytes"))
			cur->bytes += v;
		else if (!strcmp(key + strlen(chan), ".fallbacks"))
			cur->fallbacks += v;
	}
	fclose(f);
	return 0;
}

static const struct engine_stats *engine_find(const struct stats *s,
					      const char *name)
{
	for (unsigned int i = 0; i < s->nr_engines; i++)
		if (!strcmp(s->eng[i].name, name))
			return &s->eng[i];
	return NULL;
}

/* What the counters say about one run between @a and @b. */
static void run_counters(struct run *r, const struct bench_case *bc,
			 const struct stats *a, const struct stats *b)
{
	int folios = bc->migrate ? ST_MIG_FOLIOS : ST_ZERO_FOLIOS;

	r->folios = b->v[folios] - a->v[folios];
	r->batches = b->v[ST_MIG_BATCHES] - a->v[ST_MIG_BATCHES];
	r->eng_bytes = r->other_bytes = r->fallbacks = 0;
	for (unsigned int i = 0; i < b->nr_engines; i++) {
		const struct engine_stats *e = &b->eng[i];
		const struct engine_stats *before = engine_find(a, e->name);
		long long bytes = e->bytes - (before ? before->bytes : 0);

		if (!strcmp(e->name, engine)) {
			r->eng_bytes += bytes;
			r->fallbacks += e->fallbacks -
					(before ? before->fallbacks : 0);
		} else {
			r->other_bytes += bytes;
		}
	}
}

/*
 * Whether the run took the path its mode claims: a CPU run offloaded
 * nothing; an offload run offloaded every folio, without errors, on the
 * channels of the -e engine.
 */
static bool run_path_ok(const struct bench_case *bc, const struct ctx *c,
			bool offload, const struct run *r,
			const struct stats *a, const struct stats *b)
{
	int errs = bc->migrate ? ST_MIG_ERRORS : ST_ZERO_ERRORS;
	long long want = (long long)c->len;

	if (!offload) {
		if (r->folios || r->eng_bytes || r->other_bytes) {
			error("%s: CPU run shows %lld offloaded folios, %lld bytes on channels",
			      bc->name, r->folios, r->eng_bytes + r->other_bytes);
			return false;
		}
		return true;
	}
	if (!r->folios) {
		error("%s: offload run shows zero offloaded folios", bc->name);
		return false;
	}
	if (r->folios < (long long)c->nr_folios || b->v[errs] != a->v[errs]) {
		error("%s: offload run: %lld of %lu folios offloaded, %lld errors",
		      bc->name, r->folios, c->nr_folios, b->v[errs] - a->v[errs]);
		return false;
	}
	if (r->eng_bytes < want) {
		error("%s: offload run: %lld of %lld bytes on %s channels (%lld on others)",
		      bc->name, r->eng_bytes, want, engine, r->other_bytes);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Memory helpers                                                      */

/* AnonHugePages of the mapping holding @p, in bytes; -1 if unknown. */
static long long thp_bytes_at(const void *p)
{
	unsigned long start, end, kb;
	long long found = -1;
	bool in = false;
	char line[256];
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = start <= (unsigned long)p && (unsigned long)p < end;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			found = kb * 1024LL;
	}
	fclose(f);
	return found;
}

/* @len bytes (plus alignment) at a 2 MiB boundary, not yet touched. */
static char *map_aligned(struct ctx *c, size_t len, int advice)
{
	uintptr_t start;

	c->raw_len = len + UOFF_THP_SIZE;
	c->raw = mmap(NULL, c->raw_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->raw == MAP_FAILED) {
		c->raw = NULL;
		return NULL;
	}
	start = ((uintptr_t)c->raw + UOFF_THP_SIZE - 1) & ~(UOFF_THP_SIZE - 1);
	madvise((void *)start, len, advice);
	c->buf = (char *)start;
	return c->buf;
}

static void unmap(struct ctx *c)
{
	if (c->raw)
		munmap(c->raw, c->raw_len);
	c->raw = NULL;
	c->buf = NULL;
}

/* ------------------------------------------------------------------ */
/* move_pages(2)                                                       */

/*
 * One move_pages() argument per folio: every page for base pages, the
 * first of each 2 MiB for huge pages (the other pages of a huge page are
 * then busy).  All folios are put on node 0 first.
 */
static const char *move_setup(struct ctx *c, size_t folio, bool huge)
{
	unsigned long i;

	c->nr_folios = huge ? huge_pages : base_pages;
	c->len = c->nr_folios * folio;
	if (huge && !mm_have_thp())
		return "transparent huge pages are off";
	c->pages = calloc(c->nr_folios, sizeof(*c->pages));
	c->nodes = calloc(c->nr_folios, sizeof(*c->nodes));
	c->status = calloc(c->nr_folios, sizeof(*c->status));
	if (!c->pages || !c->nodes || !c->status ||
	    !map_aligned(c, c->len, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		error("out of memory for %lu folios", c->nr_folios);
		return "";
	}
	c->seed = 0x6d6d62656e6368ULL + c->len;
	uoff_pattern_fill(c->buf, c->len, c->seed, 0);
	for (i = 0; i < c->nr_folios; i++) {
		c->pages[i] = c->buf + i * folio;
		c->nodes[i] = 0;
	}
	if (mm_move_pages(c->nr_folios, c->pages, c->nodes, c->status)) {
		error("move_pages to node 0: %s", strerror(errno));
		return "";
	}
	c->node = 0;
	if (huge && thp_bytes_at(c->buf) < (long long)c->len)
		return "no transparent huge pages to move";
	return NULL;
}

static const char *move_setup_4k(struct ctx *c)
{
	return move_setup(c, UOFF_PAGE_SIZE, false);
}

static const char *move_setup_2m(struct ctx *c)
{
	return move_setup(c, UOFF_THP_SIZE, true);
}

static void move_teardown(struct ctx *c)
{
	unmap(c);
	free(c->pages);
	free(c->nodes);
	free(c->status);
	c->pages = NULL;
	c->nodes = NULL;
	c->status = NULL;
}

/* Everything to the other node; then every folio is there, bytes kept. */
static double move_run(struct ctx *c, bool huge)
{
	int to = !c->node;
	struct uoff_mismatch m;
	unsigned long i;
	double t;

	for (i = 0; i < c->nr_folios; i++)
		c->nodes[i] = to;
	t = now_s();
	if (mm_move_pages(c->nr_folios, c->pages, c->nodes, c->status)) {
		error("move_pages to node %d: %s", to, strerror(errno));
		return -1;
	}
	t = now_s() - t;
	c->node = to;
	for (i = 0; i < c->nr_folios; i++)
		if (c->status[i] != to) {
			error("move_pages: folio %lu on node %d, not %d", i,
			      c->status[i], to);
			return -1;
		}
	m = uoff_cmp_pattern(c->buf, c->len, c->seed, 0);
	if (m.bad) {
		error("moved byte %lld is 0x%02x, not 0x%02x", m.off, m.got,
		      m.want);
		return -1;
	}
	if (huge && thp_bytes_at(c->buf) < (long long)c->len) {
		error("huge pages split on the way to node %d", to);
		return -1;
	}
	return t;
}

static double move_run_4k(struct ctx *c)
{
	return move_run(c, false);
}

static double move_run_2m(struct ctx *c)
{
	return move_run(c, true);
}

/* ------------------------------------------------------------------ */
/* Huge page faults                                                    */

static const char *thp_setup(struct ctx *c)
{
	c->nr_folios = huge_pages;
	c->len = c->nr_folios * UOFF_THP_SIZE;
	return mm_have_thp() ? NULL : "transparent huge pages are off";
}

static const char *hugetlb_setup(struct ctx *c)
{
	unsigned long long have = 0;

	c->nr_folios = huge_pages;
	c->len = c->nr_folios * UOFF_THP_SIZE;
	if (uoff_read_ull(HUGETLB_POOL, &c->pool_saved))
		return "no hugetlb pool (" HUGETLB_POOL ")";
	c->pool_changed = true;
	if (uoff_write_ull(HUGETLB_POOL, c->pool_saved + c->nr_folios) ||
	    uoff_read_ull(HUGETLB_POOL, &have) ||
	    have < c->pool_saved + c->nr_folios)
		return "cannot add the hugetlb pages to the pool";
	return NULL;
}

static void hugetlb_teardown(struct ctx *c)
{
	if (c->pool_changed)
		uoff_write_ull(HUGETLB_POOL, c->pool_saved);
	c->pool_changed = false;
}

/*
 * Fault in every huge page of a fresh mapping with one write each, check
 * that they are huge pages and read as zero, then fill them with other
 * bytes before unmapping, so that the next run's pages, likely the same
 * ones, need zeroing for real.
 */
static double fault_run(struct ctx *c, bool hugetlb)
{
	struct uoff_mismatch m;
	double t;
	size_t i;

	if (hugetlb) {
		c->raw_len = c->len;
		c->raw = mmap(NULL, c->len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (c->raw == MAP_FAILED) {
			c->raw = NULL;
			error("mmap(MAP_HUGETLB) of %zu bytes: %s", c->len,
			      strerror(errno));
			return -1;
		}
		c->buf = c->raw;
	} else if (!map_aligned(c, c->len, MADV_HUGEPAGE)) {
		error("mmap of %zu bytes: %s", c->len, strerror(errno));
		return -1;
	}
	t = now_s();
	for (i = 0; i < c->len; i += UOFF_THP_SIZE)
		c->buf[i] = 0;
	t = now_s() - t;
	if (!hugetlb && thp_bytes_at(c->buf) < (long long)c->len) {
		error("only %lld of %zu bytes faulted in as huge pages",
		      thp_bytes_at(c->buf), c->len);
		t = -1;
	}
	m = uoff_cmp_const(c->buf, c->len, 0);
	if (m.bad) {
		error("faulted-in byte %lld is 0x%02x, not zero", m.off, m.got);
		t = -1;
	}
	memset(c->buf, 0xa5, c->len);
	unmap(c);
	return t;
}

static double thp_run(struct ctx *c)
{
	return fault_run(c, false);
}

static double hugetlb_run(struct ctx *c)
{
	return fault_run(c, true);
}

static const struct bench_case cases[] = {
	{ "move_pages.4k", "move_pages 4 KiB", true, move_setup_4k,
	  move_run_4k, move_teardown },
	{ "move_pages.2m", "move_pages 2 MiB THP", true, move_setup_2m,
	  move_run_2m, move_teardown },
	{ "fault.thp", "fault 2 MiB THP", false, thp_setup, thp_run, NULL },
	{ "fault.hugetlb", "fault 2 MiB hugetlb", false, hugetlb_setup,
	  hugetlb_run, hugetlb_teardown },
};

#define NR_CASES	ARRAY_SIZE(cases)

/* ------------------------------------------------------------------ */
/* Runs, medians, the table                                            */

struct result {
	const char	*skipped;	/* why, if the case did not run */
	bool		failed;
	size_t		len;
	unsigned long	nr_folios;
	unsigned int	runs;		/* measured in each mode */
	double		cpu[MAX_RUNS], off[MAX_RUNS];	/* MiB/s */
	double		pair[MAX_RUNS];			/* off / cpu */
	double		seconds;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v. */
static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One timed run in one mode, with its counters checked. */
static bool measure(const struct bench_case *bc, struct ctx *c, bool offload,
		    unsigned int k, struct run *r)
{
	struct stats a, b;
	double t;

	if (set_offload(offload))
		return false;
	if (read_stats(&a))
		return false;
	t = bc->run(c);
	if (read_stats(&b) || t < 0)
		return false;
	if (t <= 0)
		t = 1e-9;
	r->mibs = c->len / t / MiB;
	run_counters(r, bc, &a, &b);
	note("#   run %u %-7s %10.2f MiB/s  %6lld folios offloaded", k + 1,
	     offload ? "offload" : "cpu", r->mibs, r->folios);
	if (bc->migrate && offload)
		note(" in %lld batches", r->batches);
	if (offload)
		note(", %lld bytes on %s channels", r->eng_bytes, engine);
	if (r->fallbacks)
		note(", %lld device fallbacks to the CPU", r->fallbacks);
	note("\n");
	return run_path_ok(bc, c, offload, r, &a, &b);
}

/*
 * nr_runs runs per mode, alternating; which mode goes first alternates too,
 * so that neither always follows the other.
 */
static void run_case(const struct bench_case *bc, struct result *res)
{
	struct ctx c = { .node = 0 };
	double t0 = now_s();

	memset(res, 0, sizeof(*res));
	note("# %s (%s)\n", bc->title, bc->name);
	res->skipped = bc->setup(&c);
	res->len = c.len;
	res->nr_folios = c.nr_folios;
	if (res->skipped && !res->skipped[0])
		res->failed = true;
	for (unsigned int k = 0; !res->skipped && k < nr_runs; k++) {
		struct run cpu, off;
		bool ok;

		if (k % 2)
			ok = measure(bc, &c, true, k, &off) &&
			     measure(bc, &c, false, k, &cpu);
		else
			ok = measure(bc, &c, false, k, &cpu) &&
			     measure(bc, &c, true, k, &off);
		if (!ok) {
			res->failed = true;
			break;
		}
		res->cpu[k] = cpu.mibs;
		res->off[k] = off.mibs;
		res->pair[k] = off.mibs / cpu.mibs;
		res->runs++;
	}
	if (res->skipped && res->skipped[0])
		note("#   skipped: %s\n", res->skipped);
	if (bc->teardown)
		bc->teardown(&c);
	res->seconds = now_s() - t0;
}

/* Median, minimum and maximum of @n values. */
struct spread {
	double	med, min, max;
};

static struct spread spread_of(const double *v, unsigned int n)
{
	double sorted[MAX_RUNS];
	struct spread sp;

	memcpy(sorted, v, n * sizeof(*v));
	sp.med = median(sorted, n);
	sp.min = sorted[0];
	sp.max = sorted[n - 1];
	return sp;
}

/*
 * The ratio is the median of the per-pair ratios: the two runs of a pair
 * ran back to back, so a slow spell of the host (other guests on the same
 * cores) hits both and drops out of their ratio.
 */
static void print_table(const struct result *res)
{
	printf("\nmm_bench: engine %s; MiB/s of folios moved or faulted in, median [min..max] of the runs;\n"
	       "ratio: offload/cpu, median [min..max] of the pairs of runs (> 1: offload faster)\n",
	       engine);
	printf("%-21s %7s %4s %24s %24s %19s %6s %5s\n", "case", "per run",
	       "runs", "cpu MiB/s", "offload MiB/s", "ratio offload/cpu",
	       "folios", "time");
	for (unsigned int i = 0; i < NR_CASES; i++) {
		const struct result *r = &res[i];
		struct spread c, o, q;
		char size[32], cs[40], os[40], qs[40];

		if (r->len % MiB)
			snprintf(size, sizeof(size), "%lluK", r->len / KiB);
		else
			snprintf(size, sizeof(size), "%lluM", r->len / MiB);
		if (!r->runs) {
			printf("%-21s %7s %4u %s\n", cases[i].title, size, 0,
			       r->skipped && r->skipped[0] ? r->skipped : "failed");
			continue;
		}
		c = spread_of(r->cpu, r->runs);
		o = spread_of(r->off, r->runs);
		q = spread_of(r->pair, r->runs);
		snprintf(cs, sizeof(cs), "%.1f [%.1f..%.1f]", c.med, c.min, c.max);
		snprintf(os, sizeof(os), "%.1f [%.1f..%.1f]", o.med, o.min, o.max);
		snprintf(qs, sizeof(qs), "%.2f [%.2f..%.2f]", q.med, q.min, q.max);
		printf("%-21s %7s %4u %24s %24s %19s %6lu %4.0fs%s\n",
		       cases[i].title, size, r->runs, cs, os, qs, r->nr_folios,
		       r->seconds, r->failed ? " FAILED" : "");
	}
	printf("\n");
	for (unsigned int i = 0; i < NR_CASES; i++) {
		const struct result *r = &res[i];

		if (!r->runs)
			continue;
		printf("bench: mm.%s.%s.cpu %.2f MiB/s\n", engine, cases[i].name,
		       spread_of(r->cpu, r->runs).med);
		printf("bench: mm.%s.%s.offload %.2f MiB/s\n", engine,
		       cases[i].name, spread_of(r->off, r->runs).med);
		printf("bench: mm.%s.%s.ratio %.3f x\n", engine, cases[i].name,
		       spread_of(r->pair, r->runs).med);
	}
	fflush(stdout);
}

/* ------------------------------------------------------------------ */

/* Whether the flags line of /proc/cpuinfo @line has flag @flag. */
static bool has_flag(const char *line, const char *flag)
{
	size_t n = strlen(flag);
	const char *p = line;

	while ((p = strstr(p, flag))) {
		if (p > line && p[-1] == ' ' && (p[n] == ' ' || p[n] == '\n'))
			return true;
		p += n;
	}
	return false;
}

/*
 * What kind of kernel and CPU this is, so that nobody takes the numbers as
 * absolute.  (The words are chosen so that tools/testing/vm/run, which
 * scans the console for kernel problems, does not take this for one.)
 */
static void describe_kernel(void)
{
	bool kasan = false, locks = !access("/proc/lockdep", F_OK);
	bool kmemleak = !access("/sys/kernel/debug/kmemleak", F_OK);
	char line[4096], model[128] = "unknown", flags[32] = "";
	struct utsname u;
	FILE *f;

	f = fopen("/proc/kallsyms", "r");
	while (f && !kasan && fgets(line, sizeof(line), f))
		kasan = strstr(line, " kasan_report\n") != NULL;
	if (f)
		fclose(f);
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "model name : %127[^\n]", model);
		if (strncmp(line, "flags", 5))
			continue;
		snprintf(flags, sizeof(flags), "%s%s",
			 has_flag(line, "erms") ? " erms" : "",
			 has_flag(line, "fsrm") ? " fsrm" : "");
		break;
	}
	if (f)
		fclose(f);
	uname(&u);
	printf("# mm_bench: kernel %s; KASAN %s, lock validator %s, kmemleak %s\n",
	       u.release, kasan ? "y" : "n", locks ? "y" : "n",
	       kmemleak ? "y" : "n");
	printf("# CPU \"%s\", string-copy flags:%s\n", model,
	       flags[0] ? flags : " none");
	if (kasan || locks || kmemleak)
		printf("# a debug kernel: absolute numbers mean nothing, only the ratios do\n");
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mm_bench [-r RUNS] [-n PAGES] [-m HUGEPAGES] [-e cpu|sdxi] [-q]\n"
		"  -r  runs per mode and case (default 7, at most %d)\n"
		"  -n  4 KiB pages per move_pages() run (default 4096)\n"
		"  -m  2 MiB pages per move_pages() and fault run (default 16)\n"
		"  -e  the engine whose channels must serve the offload runs:\n"
		"      cpu (uoffload's CPU channels, default) or sdxi (SDXI\n"
		"      device channels, as uoffload_sdxi.ko attaches them)\n"
		"  -q  no per-run lines\n", MAX_RUNS);
	exit(2);
}

static unsigned long parse_count(const char *s, unsigned long max)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*end || !v || v > max)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	struct result res[NR_CASES];
	const char *why = NULL;
	struct stats s;
	long long reg = 0;
	int opt;

	while ((opt = getopt(argc, argv, "r:n:m:e:qh")) != -1) {
		switch (opt) {
		case 'r':
			nr_runs = parse_count(optarg, MAX_RUNS);
			break;
		case 'n':
			base_pages = parse_count(optarg, 1UL << 20);
			break;
		case 'm':
			huge_pages = parse_count(optarg, 4096);
			break;
		case 'e':
			if (strcmp(optarg, "cpu") && strcmp(optarg, "sdxi"))
				usage();
			engine = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	if (!uoff_device_present())
		why = "uoffload is not loaded";
	else if (read_stats(&s) || !s.have[ST_MIG_FOLIOS])
		why = "kernel without the mm offload hooks (no mm.* statistics)";
	else if (access("/sys/devices/system/node/node1", F_OK))
		why = "fewer than two NUMA nodes";
	else if (!engine_find(&s, engine))
		why = !strcmp(engine, "sdxi") ?
		      "no SDXI channels (load uoffload_sdxi.ko)" :
		      "no channels of engine cpu";
	if (why) {
		printf("mm_bench: SKIP: %s\n", why);
		return KSFT_SKIP;
	}
	if (uoff_stat_sum("mm.registered", &reg) || reg != 1) {
		error("uoffload is not the mm offload provider");
		return 1;
	}
	if (params_save())
		return 1;
	describe_kernel();
	note("# %u runs per mode; offload: mm_offload=1 mm_migrate_reasons=syscall_or_cpuset "
	     "mm_migrate_min_bytes=0 mm_min_folio_size=2097152; cpu: mm_offload=0\n",
	     nr_runs);

	for (unsigned int i = 0; i < NR_CASES; i++)
		run_case(&cases[i], &res[i]);
	params_restore();
	print_table(res);
	for (unsigned int i = 0; i < NR_CASES; i++)
		if (res[i].failed && !failures)
			error("%s failed", cases[i].name);
	printf("mm_bench: %s\n", failures ? "FAIL" :
	       "PASS (every run verified and served by the path it claims)");
	return failures ? 1 : 0;
}
