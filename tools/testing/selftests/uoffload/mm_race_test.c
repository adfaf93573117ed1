// SPDX-License-Identifier: GPL-2.0
/*
 * Folio migration copied by uoffload while io_uring requests use the same
 * channels: threads keep copies and fills going through the rings, every
 * byte checked, while the test moves base pages and transparent huge
 * pages back and forth between the two NUMA nodes with move_pages(2),
 * every byte checked after each move.  One channel must have served both
 * (its reqs count io_uring requests, its kernel_reqs mm's batches), and
 * mm.migrate_* must count every folio and byte moved.
 *
 * Where SDXI channels serve (sdxi_mm_test.sh loads the model with
 * backends=sdxi,cpu), descriptors that the model fails or stalls during
 * migration are finished by the CPU, the bytes still right; those tests
 * skip elsewhere.  UOFF_MM_ENGINE ("cpu", "sdxi") names the engine whose
 * channel must have served both kinds of request.
 *
 * Skipped (exit 4) on a kernel without the mm offload hooks and on a
 * machine with fewer than two memory nodes.
 */
#include <pthread.h>

#include "uoff_mm.h"

#define RACE_BASE_PAGES	128
#define RACE_BASE_LEN	(RACE_BASE_PAGES * UOFF_PAGE_SIZE)
#define RACE_THPS	2
#define RACE_ROUNDS	2
/*
 * SDXI descriptors failed per test: each failure stops the context, and
 * uoffload_sdxi gives a context up for the CPU after 4 restarts that fail
 * in a row (the restart's first descriptor can take the next fault).
 */
#define RACE_FAULTS	3

#define IO_THREADS	2
#define IO_DEPTH	4
#define IO_MAX_LEN	(16 * KiB)
#define IO_SRC_LEN	(64 * KiB)
#define IO_SLOT		(IO_MAX_LEN + 2 * UOFF_GUARD + 8)

#define RACE_MAX_CHANS	64
#define SDXI_DBG	"/sys/kernel/debug/sdxi_model"
#define SDXI_TIMEOUT	"/sys/module/uoffload_sdxi/parameters/timeout_ms"

static const char * const race_param_names[] = {
	"mm_offload", "mm_migrate_reasons", "mm_migrate_min_bytes",
	"inline_threshold",
};

/* ------------------------------------------------------------------ */
/* Channel counters                                                    */

struct race_chan {
	char		name[24];	/* chanN or dchanN */
	char		engine[16];
	long long	reqs;
	long long	kernel_reqs;
};

struct race_chans {
	unsigned int		nr;
	struct race_chan	c[RACE_MAX_CHANS];
};

static struct race_chan *race_chan_find(struct race_chans *t,
					const char *name, bool add)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		if (!strcmp(t->c[i].name, name))
			return &t->c[i];
	if (!add || t->nr == RACE_MAX_CHANS)
		return NULL;
	memset(&t->c[t->nr], 0, sizeof(t->c[0]));
	snprintf(t->c[t->nr].name, sizeof(t->c[0].name), "%s", name);
	return &t->c[t->nr++];
}

/* The copy and fill channels' lines of the stats file: 0 or -errno. */
static int race_read_chans(struct race_chans *t)
{
	char line[256], name[24], key[32], val[32];
	struct race_chan *c;
	FILE *f;

	t->nr = 0;
	f = fopen(UOFF_STATS_PATH, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%23[a-z0-9].%31s %31s", name, key, val) != 3)
			continue;
		if (strncmp(name, "chan", 4) && strncmp(name, "dchan", 5))
			continue;
		c = race_chan_find(t, name, true);
		if (!c)
			break;
		if (!strcmp(key, "engine"))
			snprintf(c->engine, sizeof(c->engine), "%.15s", val);
		else if (!strcmp(key, "reqs"))
			c->reqs = atoll(val);
		else if (!strcmp(key, "kernel_reqs"))
			c->kernel_reqs = atoll(val);
	}
	fclose(f);
	return 0;
}

/*
 * A channel, of @engine unless NULL, that served both io_uring requests
 * and kernel requests between @before and @after; NULL if none did.
 */
static const struct race_chan *race_chan_both(struct race_chans *before,
					      struct race_chans *after,
					      const char *engine)
{
	static const struct race_chan none;
	const struct race_chan *b;
	unsigned int i;

	for (i = 0; i < after->nr; i++) {
		const struct race_chan *a = &after->c[i];

		b = race_chan_find(before, a->name, false) ?: &none;
		if (engine && strcmp(engine, a->engine))
			continue;
		if (a->reqs > b->reqs && a->kernel_reqs > b->kernel_reqs)
			return a;
	}
	return NULL;
}

static bool race_have_engine(const char *engine)
{
	struct race_chans t;
	unsigned int i;

	if (race_read_chans(&t))
		return false;
	for (i = 0; i < t.nr; i++)
		if (!strcmp(t.c[i].engine, engine))
			return true;
	return false;
}

/* SDXI model channels serving copies, with fault injection at hand. */
static const char *race_why_not_sdxi(void)
{
	char be[64] = "";

	if (!race_have_engine("sdxi"))
		return "no SDXI channel";
	if (uoff_param_str("backends", be, sizeof(be), false) ||
	    strncmp(be, "sdxi", 4))
		return "SDXI is not the first backend";
	if (access(SDXI_DBG "/fail_descs", W_OK))
		return "no SDXI model fault injection";
	return NULL;
}

static int race_dbg_set(const char *file, unsigned long long val)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", SDXI_DBG, file);
	return uoff_write_ull(path, val);
}

static long long race_dbg_get(const char *file)
{
	unsigned long long val = 0;
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", SDXI_DBG, file);
	return uoff_read_ull(path, &val) ? -1 : (long long)val;
}

/* ------------------------------------------------------------------ */
/* io_uring threads                                                    */

struct io_op {
	bool		copy;
	char		*dst;
	size_t		src_off;	/* copy */
	__u64		pattern;	/* fill */
	unsigned int	len;
};

struct io_worker {
	pthread_t		tid;
	struct uoff_ctx		ctx;
	__u64			seed;
	__u64			rng;
	char			*src;
	char			*dst;
	struct io_op		ops[IO_DEPTH];
	const int		*stop;
	unsigned long long	done;		/* ops checked, atomic */
	char			error[200];
};

static __u64 io_rand(struct io_worker *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

/* Plans op @i in its own slot and queues it. */
static int io_queue(struct io_worker *w, unsigned int i)
{
	struct io_op *op = &w->ops[i];
	struct io_uring_sqe *sqe = uoff_sqe(&w->ctx.ring);

	if (!sqe)
		return -EBUSY;
	op->len = 1 + io_rand(w) % IO_MAX_LEN;
	op->dst = w->dst + i * IO_SLOT + UOFF_GUARD + io_rand(w) % 8;
	op->copy = io_rand(w) % 2;
	uoff_canary(op->dst, op->len);
	if (op->copy) {
		op->src_off = io_rand(w) % (IO_SRC_LEN - op->len + 1);
		io_uring_prep_copy(sqe, w->ctx.fd, op->dst,
				   w->src + op->src_off, op->len, 0);
	} else {
		op->pattern = io_rand(w);
		io_uring_prep_fill(sqe, w->ctx.fd, op->dst, op->pattern,
				   op->len, 0);
	}
	io_uring_sqe_set_data64(sqe, i);
	return 0;
}

static bool io_check(struct io_worker *w, const struct uoff_cqe_rec *rec,
		     unsigned int *seen)
{
	struct uoff_mismatch m;
	const struct io_op *op;

	if (rec->user_data >= IO_DEPTH || (*seen & (1U << rec->user_data))) {
		snprintf(w->error, sizeof(w->error),
			 "unexpected completion: user_data %llu",
			 (unsigned long long)rec->user_data);
		return false;
	}
	*seen |= 1U << rec->user_data;
	op = &w->ops[rec->user_data];
	if (rec->res != (int)op->len) {
		snprintf(w->error, sizeof(w->error), "%s of %u: result %d",
			 op->copy ? "copy" : "fill", op->len, rec->res);
		return false;
	}
	m = op->copy ? uoff_cmp_pattern(op->dst, op->len, w->seed,
					 op->src_off) :
		       uoff_cmp_fill(op->dst, op->len, op->pattern);
	if (!m.bad)
		m = uoff_cmp_guards(op->dst, op->len);
	if (m.bad)
		snprintf(w->error, sizeof(w->error),
			 "%s of %u: byte %lld is 0x%02x, want 0x%02x",
			 op->copy ? "copy" : "fill", op->len, m.off, m.got,
			 m.want);
	return !m.bad;
}

/* Rounds of IO_DEPTH requests, each checked, until told to stop. */
static void *io_run(void *arg)
{
	struct uoff_cqe_rec recs[IO_DEPTH];
	struct io_worker *w = arg;
	unsigned int i, seen;
	int ret;

	while (!__atomic_load_n(w->stop, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < IO_DEPTH; i++) {
			ret = io_queue(w, i);
			if (ret)
				goto fail;
		}
		ret = uoff_submit_reap(&w->ctx.ring, IO_DEPTH, recs);
		if (ret)
			goto fail;
		seen = 0;
		for (i = 0; i < IO_DEPTH; i++)
			if (!io_check(w, &recs[i], &seen))
				return NULL;
		__atomic_add_fetch(&w->done, IO_DEPTH, __ATOMIC_RELEASE);
		/* Some CPU time left for the migrations (2 CPUs in the VM). */
		uoff_sleep_ms(1);
	}
	return NULL;
fail:
	snprintf(w->error, sizeof(w->error), "submitting: %s", strerror(-ret));
	return NULL;
}

static unsigned long long io_done(struct io_worker *w, unsigned int nr)
{
	unsigned long long sum = 0;
	unsigned int i;

	for (i = 0; i < nr; i++)
		sum += __atomic_load_n(&w[i].done, __ATOMIC_ACQUIRE);
	return sum;
}

/* ------------------------------------------------------------------ */
/* The memory that moves                                               */

FIXTURE(race) {
	struct mm_params	params;
	char			*base;
	char			*thp;
	unsigned int		nr_thp;
	void			*raw;
	size_t			raw_len;
	struct io_worker	io[IO_THREADS];
	unsigned int		nr_io;
	int			stop;
	long long		saved_timeout;
};

FIXTURE_SETUP(race)
{
	memset(self, 0, sizeof(*self));
	self->saved_timeout = -1;
	mm_params_save(&self->params, race_param_names,
		       ARRAY_SIZE(race_param_names));
	ASSERT_EQ(0, mm_param_set("mm_offload", "1"));
	ASSERT_EQ(0, mm_param_set("mm_migrate_reasons", "syscall_or_cpuset"));
	ASSERT_EQ(0, mm_param_set("mm_migrate_min_bytes", "0"));
	ASSERT_EQ(0, mm_param_set("inline_threshold", "0"));
}

/*
 * The memory to move, on node 0: base pages with pattern 0, and huge
 * pages with pattern 1 where there are any.  Made by each test, after
 * it knows it is not skipped: it takes a while in a VM.
 */
static void race_map(struct __test_metadata *_metadata,
		     FIXTURE_DATA(race) *self)
{
	size_t len = RACE_THPS * UOFF_THP_SIZE;
	unsigned int i;

	self->base = mm_base_on_node0(RACE_BASE_LEN, 0);
	ASSERT_NE(NULL, self->base);
	if (!mm_have_thp())
		return;
	self->thp = uoff_map_thp(len, &self->raw, &self->raw_len);
	ASSERT_NE(NULL, self->thp);
	for (i = 0; i < RACE_THPS; i++)
		if (!mm_is_thp(self->thp + i * UOFF_THP_SIZE))
			return;
	uoff_pattern_fill(self->thp, len, 1, 0);
	ASSERT_EQ(0, mm_move_range(self->thp, len, UOFF_THP_SIZE, 0));
	self->nr_thp = RACE_THPS;
}

FIXTURE_TEARDOWN(race)
{
	unsigned int i;

	__atomic_store_n(&self->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < self->nr_io; i++)
		pthread_join(self->io[i].tid, NULL);
	for (i = 0; i < self->nr_io; i++) {
		uoff_ctx_exit(&self->io[i].ctx);
		munmap(self->io[i].src, IO_SRC_LEN);
		munmap(self->io[i].dst, IO_DEPTH * IO_SLOT);
	}
	race_dbg_set("fail_descs", 0);
	race_dbg_set("stall", 0);
	if (self->saved_timeout >= 0)
		uoff_write_ull(SDXI_TIMEOUT, self->saved_timeout);
	if (self->raw)
		munmap(self->raw, self->raw_len);
	if (self->base)
		munmap(self->base, RACE_BASE_LEN);
	mm_params_restore(&self->params);
}

/* Folios and bytes one move of everything is. */
static long long race_folios(FIXTURE_DATA(race) *self)
{
	return RACE_BASE_PAGES + self->nr_thp;
}

static long long race_bytes(FIXTURE_DATA(race) *self)
{
	return RACE_BASE_LEN + (long long)self->nr_thp * UOFF_THP_SIZE;
}

/*
 * Moves @len bytes at @p (@what) to @node, naming a page every @stride
 * bytes, and checks where they are and that they hold pattern @seed.
 * NULL, or what went wrong in @why.
 */
static const char *race_move_one(const char *what, char *p, size_t len,
				 size_t stride, int node, __u64 seed,
				 char *why, size_t why_len)
{
	struct uoff_mismatch m;
	int ret;

	ret = mm_move_range(p, len, stride, node);
	if (!ret)
		ret = mm_pages_on(p, len, node);
	if (ret) {
		snprintf(why, why_len, "%s to node %d: %s", what, node,
			 strerror(-ret));
		return why;
	}
	m = uoff_cmp_pattern(p, len, seed, 0);
	if (m.bad) {
		snprintf(why, why_len, "%s on node %d: byte %lld is 0x%02x, want 0x%02x",
			 what, node, m.off, m.got, m.want);
		return why;
	}
	return NULL;
}

/*
 * Moves the base pages and the huge pages to @node and checks them, the
 * base pages holding pattern @seed and the huge pages @seed + 1; then
 * writes patterns @seed + 2 and @seed + 3 for the next move.
 */
static const char *race_move(FIXTURE_DATA(race) *self, int node, __u64 seed,
			     char *why, size_t len)
{
	size_t tlen = self->nr_thp * UOFF_THP_SIZE;

	if (race_move_one("base pages", self->base, RACE_BASE_LEN,
			  UOFF_PAGE_SIZE, node, seed, why, len))
		return why;
	if (tlen) {
		if (race_move_one("huge pages", self->thp, tlen,
				  UOFF_THP_SIZE, node, seed + 1, why, len))
			return why;
		if (!mm_is_thp(self->thp)) {
			snprintf(why, len, "huge pages split on node %d", node);
			return why;
		}
		uoff_pattern_fill(self->thp, tlen, seed + 3, 0);
	}
	uoff_pattern_fill(self->base, RACE_BASE_LEN, seed + 2, 0);
	return NULL;
}

/* @rounds moves, to node 1 first: NULL, or what went wrong. */
static const char *race_moves(FIXTURE_DATA(race) *self, unsigned int rounds,
			      char *why, size_t len)
{
	const char *err = NULL;
	unsigned int r;

	for (r = 0; r < rounds && !err; r++)
		err = race_move(self, !(r % 2), 2 * r, why, len);
	return err;
}

/* Starts the io_uring threads and waits for each to have checked ops. */
static void race_start_io(struct __test_metadata *_metadata,
			  FIXTURE_DATA(race) *self)
{
	long long end = uoff_now_ms() + UOFF_REAP_TIMEOUT_MS;
	struct io_worker *w;
	unsigned int i;

	for (i = 0; i < IO_THREADS; i++) {
		w = &self->io[i];
		w->seed = 0x3ace + i;
		w->rng = 0x9e3779b9ULL * (i + 1);
		w->stop = &self->stop;
		w->src = uoff_map(IO_SRC_LEN);
		w->dst = uoff_map(IO_DEPTH * IO_SLOT);
		ASSERT_NE(NULL, w->src);
		ASSERT_NE(NULL, w->dst);
		uoff_pattern_fill(w->src, IO_SRC_LEN, w->seed, 0);
		ASSERT_EQ(0, uoff_ctx_init(&w->ctx, 2 * IO_DEPTH, 0));
		ASSERT_EQ(0, pthread_create(&w->tid, NULL, io_run, w));
		self->nr_io++;
	}
	for (i = 0; i < IO_THREADS; i++) {
		w = &self->io[i];
		while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) &&
		       !w->error[0] && uoff_now_ms() < end)
			uoff_sleep_ms(5);
	}
	for (i = 0; i < IO_THREADS; i++) {
		w = &self->io[i];
		ASSERT_NE(0ULL, io_done(w, 1)) {
			TH_LOG("io_uring thread %u: %s", i,
			       w->error[0] ? w->error : "no op done");
		}
	}
}

/* Stops the io_uring threads and fails the test if one went wrong. */
static void race_stop_io(struct __test_metadata *_metadata,
			 FIXTURE_DATA(race) *self)
{
	unsigned int i;

	__atomic_store_n(&self->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < self->nr_io; i++)
		pthread_join(self->io[i].tid, NULL);
	for (i = 0; i < self->nr_io; i++)
		uoff_ctx_exit(&self->io[i].ctx);
	for (i = 0; i < self->nr_io; i++) {
		munmap(self->io[i].src, IO_SRC_LEN);
		munmap(self->io[i].dst, IO_DEPTH * IO_SLOT);
		EXPECT_EQ(0, self->io[i].error[0]) {
			TH_LOG("io_uring thread %u: %s", i, self->io[i].error);
		}
	}
	self->nr_io = 0;
}

/*
 * Moves everything back and forth while the io_uring threads run, with
 * @fail_descs SDXI descriptors failed meanwhile; checks both streams'
 * bytes, the mm counters and the channels' counters.
 */
static void race_run(struct __test_metadata *_metadata,
		     FIXTURE_DATA(race) *self, unsigned int fail_descs)
{
	const char *engine = getenv("UOFF_MM_ENGINE"), *err;
	long long folios, bytes, errors, fallbacks;
	unsigned long long ops_before, ops_during;
	struct race_chans before, after;
	const struct race_chan *both;
	char why[200];

	race_map(_metadata, self);
	if (!self->nr_thp)
		TH_LOG("no transparent huge pages: base pages only");
	race_start_io(_metadata, self);
	ASSERT_EQ(0, race_read_chans(&before));
	folios = mm_stat("mm.migrate_folios");
	bytes = mm_stat("mm.migrate_bytes");
	errors = mm_stat("mm.migrate_errors");
	fallbacks = mm_stat("fallbacks");
	if (fail_descs)
		ASSERT_EQ(0, race_dbg_set("fail_descs", fail_descs));
	ops_before = io_done(self->io, IO_THREADS);

	err = race_moves(self, RACE_ROUNDS, why, sizeof(why));

	ops_during = io_done(self->io, IO_THREADS) - ops_before;
	ASSERT_EQ(0, race_read_chans(&after));
	race_stop_io(_metadata, self);
	ASSERT_EQ(NULL, err) {
		TH_LOG("%s", err);
	}
	TH_LOG("%llu io_uring ops checked during %u moves of %lld folios",
	       ops_during, RACE_ROUNDS, race_folios(self));
	EXPECT_LT(0ULL, ops_during);
	EXPECT_EQ(folios + RACE_ROUNDS * race_folios(self),
		  mm_stat("mm.migrate_folios"));
	EXPECT_EQ(bytes + RACE_ROUNDS * race_bytes(self),
		  mm_stat("mm.migrate_bytes"));
	EXPECT_EQ(errors, mm_stat("mm.migrate_errors"));
	both = race_chan_both(&before, &after, engine);
	ASSERT_NE(NULL, both) {
		TH_LOG("no %s channel served both io_uring and mm requests",
		       engine ?: "copy");
	}
	TH_LOG("%s (%s) served both", both->name, both->engine);
	if (fail_descs) {
		EXPECT_EQ(0, race_dbg_get("fail_descs"));
		EXPECT_LT(fallbacks, mm_stat("fallbacks"));
	}
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */

/* io_uring requests and migration on the same channels, at once. */
TEST_F_TIMEOUT(race, uring_while_migrating, 240)
{
	race_run(_metadata, self, 0);
}

/* The same with SDXI descriptors failing meanwhile: the CPU finishes. */
TEST_F_TIMEOUT(race, uring_while_migrating_sdxi_faults, 240)
{
	const char *why = race_why_not_sdxi();

	if (why)
		SKIP(return, "%s", why);
	race_run(_metadata, self, RACE_FAULTS);
}

/*
 * SDXI faults that only migration sees: the CPU finishes the failed
 * descriptors for the backend, so mm counts every folio as offloaded and
 * none as an error; then the device serves again without falling back.
 */
static void race_fault(struct __test_metadata *_metadata,
		       FIXTURE_DATA(race) *self, const char *fault)
{
	long long folios, errors, fallbacks, dev_errors;
	unsigned long long timeout = 0;
	const char *err;
	char why[200];

	race_map(_metadata, self);
	folios = mm_stat("mm.migrate_folios");
	errors = mm_stat("mm.migrate_errors");
	fallbacks = mm_stat("fallbacks");
	dev_errors = mm_stat("errors");

	if (!strcmp(fault, "stall")) {
		ASSERT_EQ(0, uoff_read_ull(SDXI_TIMEOUT, &timeout));
		self->saved_timeout = timeout;
		ASSERT_EQ(0, uoff_write_ull(SDXI_TIMEOUT, 300));
		ASSERT_EQ(0, race_dbg_set("stall", 1));
	} else {
		ASSERT_EQ(0, race_dbg_set("fail_descs", RACE_FAULTS));
	}
	err = race_moves(self, 1, why, sizeof(why));
	race_dbg_set(fault, 0);
	/* A slow move must not time out from here on. */
	if (self->saved_timeout >= 0)
		uoff_write_ull(SDXI_TIMEOUT, self->saved_timeout);
	ASSERT_EQ(NULL, err) {
		TH_LOG("%s", err);
	}
	EXPECT_LT(fallbacks, mm_stat("fallbacks"));
	EXPECT_LT(dev_errors, mm_stat("errors"));
	EXPECT_EQ(folios + race_folios(self), mm_stat("mm.migrate_folios"));
	EXPECT_EQ(errors, mm_stat("mm.migrate_errors"));

	/* Back to node 0, on the device alone. */
	fallbacks = mm_stat("fallbacks");
	err = race_move(self, 0, 2, why, sizeof(why));
	ASSERT_EQ(NULL, err) {
		TH_LOG("after %s: %s", fault, err);
	}
	EXPECT_EQ(fallbacks, mm_stat("fallbacks"));
	EXPECT_EQ(folios + 2 * race_folios(self), mm_stat("mm.migrate_folios"));
}

TEST_F_TIMEOUT(race, migrating_sdxi_fail_descs, 120)
{
	const char *why = race_why_not_sdxi();

	if (why)
		SKIP(return, "%s", why);
	race_fault(_metadata, self, "fail_descs");
}

TEST_F_TIMEOUT(race, migrating_sdxi_stall, 120)
{
	const char *why = race_why_not_sdxi();

	if (why)
		SKIP(return, "%s", why);
	race_fault(_metadata, self, "stall");
}

int main(int argc, char **argv)
{
	return mm_test_main(argc, argv);
}
