// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the SDXI core's function and context code, run at load time on
 * the functional model through sdxi_model_front.ko.  Every copied byte is
 * checked.  The module refuses to load when a test fails.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitfield.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/random.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "model_front.h"
#include "sdxi.h"
#include "sdxi_model.h"

#define TEST_TIMEOUT_MS		5000
#define TEST_BUF_SIZE		(SZ_1M + 2 * PAGE_SIZE)
#define TEST_RING_ENTRIES	1024

static unsigned int passed, failed;

#define CHECK(cond, fmt, ...)						\
	({								\
		bool __ok = (cond);					\
		if (!__ok)						\
			pr_err("%s:%d: " fmt "\n", __func__, __LINE__,	\
			       ##__VA_ARGS__);				\
		__ok;							\
	})

struct test_buf {
	struct device *dev;
	u8 *src, *dst;
	dma_addr_t src_dma, dst_dma;
};

struct test_env {
	struct sdxi_fn *fn;
	struct device *dev;
	struct test_buf buf;
	struct sdxi_cmpl cmpl;
};

static int test_buf_alloc(struct test_env *env)
{
	struct test_buf *b = &env->buf;

	b->src = dma_alloc_coherent(env->dev, TEST_BUF_SIZE, &b->src_dma,
				    GFP_KERNEL);
	b->dst = dma_alloc_coherent(env->dev, TEST_BUF_SIZE, &b->dst_dma,
				    GFP_KERNEL);
	if (!b->src || !b->dst)
		return -ENOMEM;
	get_random_bytes(b->src, TEST_BUF_SIZE);
	return 0;
}

static void test_buf_free(struct test_env *env)
{
	struct test_buf *b = &env->buf;

	if (b->src)
		dma_free_coherent(env->dev, TEST_BUF_SIZE, b->src, b->src_dma);
	if (b->dst)
		dma_free_coherent(env->dev, TEST_BUF_SIZE, b->dst, b->dst_dma);
}

/* Copies @len bytes from src + @soff to dst + @doff and checks all of dst. */
static bool test_copy_one(struct test_env *env, struct sdxi_cxt *cxt,
			  size_t soff, size_t doff, size_t len)
{
	struct test_buf *b = &env->buf;
	struct sdxi_copy copy = {
		.src = b->src_dma + soff,
		.dst = b->dst_dma + doff,
		.len = len,
	};
	struct sdxi_ring_resv resv;
	size_t i;
	int err;

	memset(b->dst, 0x5a, TEST_BUF_SIZE);
	err = sdxi_cxt_reserve(cxt, 1, &resv);
	if (!CHECK(!err, "reserve: %d", err))
		return false;
	sdxi_encode_copy(sdxi_cxt_desc(cxt, resv.index), 0, &copy);
	err = sdxi_cxt_submit(cxt, &resv, &env->cmpl);
	if (!CHECK(!err, "submit: %d", err))
		return false;
	err = sdxi_cmpl_wait(&env->cmpl, TEST_TIMEOUT_MS);
	if (!CHECK(!err, "copy of %zu bytes: %d", len, err))
		return false;
	if (!CHECK(!memcmp(b->dst + doff, b->src + soff, len),
		   "copy of %zu bytes +%zu -> +%zu differs", len, soff, doff))
		return false;
	for (i = 0; i < TEST_BUF_SIZE; i++)
		if (i < doff || i >= doff + len)
			if (!CHECK(b->dst[i] == 0x5a,
				   "byte %zu outside the copy written", i))
				return false;
	return true;
}

static bool test_copies(struct test_env *env, struct sdxi_cxt *cxt)
{
	static const struct {
		size_t soff, doff, len;
	} cases[] = {
		{ 0, 0, 1 },
		{ 3, 5, 7 },
		{ 0, 0, 64 },
		{ 1, 0, 4095 },
		{ 0, 0, 4096 },
		{ PAGE_SIZE - 8, PAGE_SIZE - 3, 64 },
		{ 100, 4000, 3 * PAGE_SIZE + 17 },
		{ 0, 0, SZ_64K },
		{ 7, 11, SZ_256K + 1 },
		{ 0, 0, SZ_1M },
		{ 1, PAGE_SIZE + 1, SZ_1M },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		if (!test_copy_one(env, cxt, cases[i].soff, cases[i].doff,
				   cases[i].len))
			return false;
	return true;
}

/* @n copies of 256 bytes each under one doorbell and one completion. */
static int test_batch_submit(struct test_env *env, struct sdxi_cxt *cxt,
			     u32 n, u64 base, bool intr)
{
	struct test_buf *b = &env->buf;
	struct sdxi_ring_resv resv;
	u32 i, nr = n + (intr ? 1 : 0);
	int err;

	err = sdxi_cxt_reserve(cxt, nr, &resv);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		struct sdxi_copy copy = {
			.src = b->src_dma + (base + i) * 256,
			.dst = b->dst_dma + (base + i) * 256,
			.len = 256,
		};

		sdxi_encode_copy(sdxi_cxt_desc(cxt, resv.index + i), 0,
				 &copy);
	}
	if (intr)
		sdxi_encode_intr(sdxi_cxt_desc(cxt, resv.index + n),
				 SDXI_DSC_FE, sdxi_cxt_intr_akey(cxt));
	err = sdxi_cxt_submit(cxt, &resv, &env->cmpl);
	return err ?: sdxi_cmpl_wait(&env->cmpl, TEST_TIMEOUT_MS);
}

static bool test_batch_check(struct test_env *env, u64 n)
{
	return CHECK(!memcmp(env->buf.dst, env->buf.src, n * 256),
		     "batch of %llu copies differs", n);
}

static bool test_batch(struct test_env *env, struct sdxi_cxt *cxt)
{
	int err;

	memset(env->buf.dst, 0, TEST_BUF_SIZE);
	err = test_batch_submit(env, cxt, 64, 0, false);
	return CHECK(!err, "batch: %d", err) && test_batch_check(env, 64);
}

/*
 * The smallest ring takes 2500 descriptors in batches of 100: its indexes
 * wrap twice.  A smaller ring, or a batch larger than the ring, is refused.
 */
static bool test_wrap(struct test_env *env)
{
	struct sdxi_cxt *cxt;
	bool ok = false;
	int err, i;

	cxt = sdxi_cxt_create(env->fn, SDXI_RING_MIN_ENTRIES - 1);
	if (!CHECK(PTR_ERR(cxt) == -EINVAL, "small ring: %ld", PTR_ERR(cxt))) {
		if (!IS_ERR(cxt))
			sdxi_cxt_destroy(cxt);
		return false;
	}
	cxt = sdxi_cxt_create(env->fn, SDXI_RING_MIN_ENTRIES);
	if (!CHECK(!IS_ERR(cxt), "create: %ld", PTR_ERR(cxt)))
		return false;
	err = sdxi_cxt_start(cxt);
	if (!CHECK(!err, "start: %d", err))
		goto out;
	memset(env->buf.dst, 0, TEST_BUF_SIZE);
	for (i = 0; i < 25; i++) {
		err = test_batch_submit(env, cxt, 100, i * 100, false);
		if (!CHECK(!err, "batch %d: %d", i, err))
			goto out;
	}
	ok = test_batch_check(env, 2500);
	ok &= CHECK(test_batch_submit(env, cxt, SDXI_RING_MIN_ENTRIES + 1, 0,
				      false) == -EINVAL, "oversized batch");
out:
	sdxi_cxt_destroy(cxt);
	return ok;
}

static bool test_intr(struct test_env *env, struct sdxi_cxt *cxt)
{
	struct sdxi_cxt_stats st;
	int err;

	sdxi_cxt_stats(cxt, &st);
	memset(env->buf.dst, 0, TEST_BUF_SIZE);
	err = test_batch_submit(env, cxt, 32, 0, true);
	if (!CHECK(!err, "batch with intr: %d", err))
		return false;
	err = sdxi_cxt_wait_irq(cxt, st.irqs, TEST_TIMEOUT_MS);
	return CHECK(!err, "no interrupt: %d", err) &&
	       test_batch_check(env, 32);
}

/*
 * The completion block may signal an error before CXT_STS shows it (see
 * Documentation/sdxi.rst): wait for the state.
 */
static int test_wait_state(struct sdxi_cxt *cxt, u32 state)
{
	unsigned long end = jiffies + msecs_to_jiffies(TEST_TIMEOUT_MS);

	while (sdxi_cxt_state(cxt) != state) {
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		usleep_range(50, 100);
	}
	return 0;
}

/* An operation group the function does not offer (Atomic, 0x003). */
static bool test_error(struct test_env *env, struct sdxi_cxt *cxt)
{
	struct sdxi_cxt_stats before, after;
	struct sdxi_ring_resv resv;
	struct sdxi_desc *desc;
	int err;

	u64 err_irqs = sdxi_fn_err_irqs(env->fn);
	unsigned long end;

	sdxi_cxt_stats(cxt, &before);
	err = sdxi_cxt_reserve(cxt, 1, &resv);
	if (!CHECK(!err, "reserve: %d", err))
		return false;
	desc = sdxi_cxt_desc(cxt, resv.index);
	sdxi_encode_nop(desc, 0);
	desc->opcode = cpu_to_le32(FIELD_PREP(SDXI_DSC_TYPE, 0x003) |
				   FIELD_PREP(SDXI_DSC_SUBTYPE, 0x01));
	sdxi_cxt_submit(cxt, &resv, &env->cmpl);
	err = sdxi_cmpl_wait(&env->cmpl, TEST_TIMEOUT_MS);
	if (!CHECK(err == -EIO, "bad descriptor: %d, want -EIO", err))
		return false;
	if (!CHECK(!test_wait_state(cxt, SDXI_CXT_ERR_FN),
		   "state %u after error", sdxi_cxt_state(cxt)))
		return false;
	end = jiffies + msecs_to_jiffies(TEST_TIMEOUT_MS);
	while (sdxi_fn_err_irqs(env->fn) == err_irqs &&
	       time_before(jiffies, end))
		usleep_range(100, 200);
	if (!CHECK(sdxi_fn_err_irqs(env->fn) > err_irqs, "no error interrupt"))
		return false;
	sdxi_cxt_stats(cxt, &after);
	if (!CHECK(after.errors == before.errors + 1,
		   "errors %llu -> %llu", before.errors, after.errors) ||
	    !CHECK(after.last_err_index == resv.index,
		   "error at %llu, want %llu", after.last_err_index,
		   resv.index))
		return false;
	pr_info("error reported: class %u at descriptor %llu\n",
		after.last_err_class, after.last_err_index);
	err = sdxi_cxt_start(cxt);
	if (!CHECK(!err, "restart: %d", err))
		return false;
	return test_copy_one(env, cxt, 0, 0, 4096);
}

/* Copies on a context whose L1 entry enables only the Intr group. */
static bool test_disabled_group(struct test_env *env)
{
	struct sdxi_copy copy = {
		.src = env->buf.src_dma,
		.dst = env->buf.dst_dma,
		.len = 512,
	};
	struct sdxi_cxt_stats st;
	struct sdxi_ring_resv resv;
	struct sdxi_cxt *cxt;
	bool ok = false;
	int err;

	cxt = sdxi_cxt_create(env->fn, SDXI_RING_MIN_ENTRIES);
	if (!CHECK(!IS_ERR(cxt), "create: %ld", PTR_ERR(cxt)))
		return false;
	err = sdxi_cxt_set_groups(cxt, SDXI_OPB_000(SDXI_DSC_TYPE_INTR));
	if (!CHECK(!err, "set groups: %d", err))
		goto out;
	err = sdxi_cxt_start(cxt);
	if (!CHECK(!err, "start: %d", err))
		goto out;
	err = sdxi_cxt_reserve(cxt, 1, &resv);
	if (!CHECK(!err, "reserve: %d", err))
		goto out;
	sdxi_encode_copy(sdxi_cxt_desc(cxt, resv.index), 0, &copy);
	sdxi_cxt_submit(cxt, &resv, &env->cmpl);
	err = sdxi_cmpl_wait(&env->cmpl, TEST_TIMEOUT_MS);
	if (!CHECK(err == -EIO, "copy in a disabled group: %d", err) ||
	    !CHECK(!test_wait_state(cxt, SDXI_CXT_ERR_FN), "state %u",
		   sdxi_cxt_state(cxt)))
		goto out;
	sdxi_cxt_stats(cxt, &st);
	if (!CHECK(st.errors == 1 && st.last_err_index == resv.index,
		   "%llu errors, last at %llu", st.errors, st.last_err_index))
		goto out;
	pr_info("disabled group reported: class %u at descriptor %llu\n",
		st.last_err_class, st.last_err_index);
	err = sdxi_cxt_set_groups(cxt, U32_MAX);
	if (!CHECK(!err, "set groups: %d", err))
		goto out;
	err = sdxi_cxt_start(cxt);
	if (!CHECK(!err, "restart: %d", err))
		goto out;
	ok = test_copy_one(env, cxt, 9, 3, 5000);
out:
	sdxi_cxt_destroy(cxt);
	return ok;
}

/* Work published while a context is stopped runs when it starts again. */
static bool test_stop_start(struct test_env *env, struct sdxi_cxt *cxt)
{
	struct sdxi_copy copy = {
		.src = env->buf.src_dma,
		.dst = env->buf.dst_dma,
		.len = 8192,
	};
	struct sdxi_ring_resv resv;
	int err;

	err = sdxi_cxt_stop(cxt);
	if (!CHECK(!err, "stop: %d", err) ||
	    !CHECK(sdxi_cxt_state(cxt) == SDXI_CXT_STOP_SW, "state %u",
		   sdxi_cxt_state(cxt)))
		return false;
	memset(env->buf.dst, 0, TEST_BUF_SIZE);
	err = sdxi_cxt_reserve(cxt, 1, &resv);
	if (!CHECK(!err, "reserve: %d", err))
		return false;
	sdxi_encode_copy(sdxi_cxt_desc(cxt, resv.index), 0, &copy);
	sdxi_cxt_submit(cxt, &resv, &env->cmpl);
	msleep(20);
	if (!CHECK(sdxi_cmpl_poll(&env->cmpl) == -EBUSY,
		   "a stopped context ran"))
		return false;
	err = sdxi_cxt_start(cxt);
	if (!CHECK(!err, "start: %d", err))
		return false;
	err = sdxi_cmpl_wait(&env->cmpl, TEST_TIMEOUT_MS);
	return CHECK(!err, "copy after start: %d", err) &&
	       CHECK(!memcmp(env->buf.dst, env->buf.src, 8192),
		     "copy after start differs");
}

#define TEST_THREADS		4
#define TEST_THREAD_COPIES	100
#define TEST_THREAD_LEN		1024

struct test_thread {
	struct test_env *env;
	struct sdxi_cxt *cxt;
	unsigned int nr;
	struct sdxi_cmpl cmpl;
	int err;
	struct completion done;
};

/* Each thread copies its own stripe, one descriptor per doorbell. */
static int test_thread_fn(void *data)
{
	struct test_thread *t = data;
	struct test_buf *b = &t->env->buf;
	unsigned int i;

	for (i = 0; i < TEST_THREAD_COPIES && !t->err; i++) {
		size_t off = ((size_t)i * TEST_THREADS + t->nr) *
			     TEST_THREAD_LEN;
		struct sdxi_copy copy = {
			.src = b->src_dma + off,
			.dst = b->dst_dma + off,
			.len = TEST_THREAD_LEN,
		};
		struct sdxi_ring_resv resv;

		t->err = sdxi_cxt_reserve(t->cxt, 1, &resv);
		if (t->err)
			break;
		sdxi_encode_copy(sdxi_cxt_desc(t->cxt, resv.index), 0, &copy);
		t->err = sdxi_cxt_submit(t->cxt, &resv, &t->cmpl) ?:
			 sdxi_cmpl_wait(&t->cmpl, TEST_TIMEOUT_MS);
	}
	complete(&t->done);
	return 0;
}

static bool test_concurrent(struct test_env *env, struct sdxi_cxt *cxt)
{
	struct test_thread t[TEST_THREADS] = { };
	bool ok = true;
	int i;

	memset(env->buf.dst, 0, TEST_BUF_SIZE);
	for (i = 0; i < TEST_THREADS; i++) {
		struct task_struct *task;

		t[i].env = env;
		t[i].cxt = cxt;
		t[i].nr = i;
		init_completion(&t[i].done);
		t[i].err = sdxi_cmpl_alloc(env->fn, &t[i].cmpl);
		if (t[i].err) {
			complete(&t[i].done);
			continue;
		}
		task = kthread_run(test_thread_fn, &t[i], "test_sdxi_fn/%d", i);
		if (IS_ERR(task)) {
			t[i].err = PTR_ERR(task);
			complete(&t[i].done);
		}
	}
	for (i = 0; i < TEST_THREADS; i++) {
		wait_for_completion(&t[i].done);
		ok &= CHECK(!t[i].err, "thread %d: %d", i, t[i].err);
		sdxi_cmpl_free(env->fn, &t[i].cmpl);
	}
	return ok && CHECK(!memcmp(env->buf.dst, env->buf.src,
				   TEST_THREADS * TEST_THREAD_COPIES *
				   TEST_THREAD_LEN),
			   "concurrent copies differ");
}

/* ---- Faults injected into the model ------------------------------------ */

#define TEST_FAULT_LEN		5000
#define TEST_FAULT_SHORT_MS	50

static struct platform_device *test_model(struct test_env *env)
{
	return to_platform_device(env->dev);
}

static struct sdxi_model_stats test_model_stats(struct test_env *env)
{
	struct sdxi_model_stats st = { };

	sdxi_model_get_stats(test_model(env), &st);
	return st;
}

/* Submits a Copy of TEST_FAULT_LEN bytes src + @off -> dst + @off. */
static int test_fault_submit(struct test_env *env, struct sdxi_cxt *cxt,
			     size_t off, struct sdxi_ring_resv *resv)
{
	struct sdxi_copy copy = {
		.src = env->buf.src_dma + off,
		.dst = env->buf.dst_dma + off,
		.len = TEST_FAULT_LEN,
	};
	int err;

	memset(env->buf.dst, 0x5a, TEST_BUF_SIZE);
	err = sdxi_cxt_reserve(cxt, 1, resv);
	if (err)
		return err;
	sdxi_encode_copy(sdxi_cxt_desc(cxt, resv->index), 0, &copy);
	return sdxi_cxt_submit(cxt, resv, &env->cmpl);
}

/* Nothing written: every byte of dst still holds the 0x5a fill. */
static bool test_dst_untouched(struct test_env *env)
{
	size_t i;

	for (i = 0; i < TEST_BUF_SIZE; i++)
		if (!CHECK(env->buf.dst[i] == 0x5a, "byte %zu written", i))
			return false;
	return true;
}

/* A started context, and then @fault injected with @arg. */
static struct sdxi_cxt *test_fault_cxt(struct test_env *env,
				       enum sdxi_model_fault fault, u32 arg)
{
	struct sdxi_cxt *cxt = sdxi_cxt_create(env->fn, TEST_RING_ENTRIES);
	int err;

	if (!CHECK(!IS_ERR(cxt), "create: %ld", PTR_ERR(cxt)))
		return NULL;
	err = sdxi_cxt_start(cxt);
	if (!CHECK(!err, "start: %d", err))
		goto destroy;
	err = sdxi_model_inject(test_model(env), fault, arg);
	if (!CHECK(!err, "inject %d, %u: %d", fault, arg, err))
		goto destroy;
	return cxt;

destroy:
	sdxi_cxt_destroy(cxt);
	return NULL;
}

/* A copy that an injected failure ends: ER, nothing written, counted. */
static bool test_fault_failed_copy(struct test_env *env, struct sdxi_cxt *cxt,
				   u64 *index)
{
	struct sdxi_cxt_stats before, after;
	struct sdxi_ring_resv resv;
	int err;

	sdxi_cxt_stats(cxt, &before);
	err = test_fault_submit(env, cxt, 0, &resv);
	if (!CHECK(!err, "submit: %d", err))
		return false;
	*index = resv.index;
	err = sdxi_cmpl_wait(&env->cmpl, TEST_TIMEOUT_MS);
	if (!CHECK(err == -EIO, "injected failure: %d", err) ||
	    !CHECK(!test_wait_state(cxt, SDXI_CXT_ERR_FN), "state %u",
		   sdxi_cxt_state(cxt)) ||
	    !test_dst_untouched(env))
		return false;
	sdxi_cxt_stats(cxt, &after);
	return CHECK(after.errors == before.errors + 1, "errors %llu -> %llu",
		     before.errors, after.errors) &&
	       CHECK(after.last_err_index == resv.index,
		     "error at %llu, want %llu", after.last_err_index,
		     resv.index);
}

/*
 * Injected failures, one at a time: each copy ends with ER and writes
 * nothing, the context's error count names it, and sdxi_cxt_start()
 * resumes after it.  Then two at once: the second fails the Nop that
 * sdxi_cxt_start() puts in the failed slot, so the first restart may
 * report -EIO; the second restart runs, and so do the copies after it.
 */
static bool test_fault_fail(struct test_env *env)
{
	struct platform_device *pdev = test_model(env);
	struct sdxi_model_stats mbefore = test_model_stats(env), mafter;
	struct sdxi_cxt_stats st;
	struct sdxi_cxt *cxt;
	bool ok = false;
	u32 left = 0;
	u64 index;
	int i, err;

	cxt = test_fault_cxt(env, SDXI_MODEL_FAIL_DESCS, 0);
	if (!cxt)
		return false;
	for (i = 0; i < 2; i++) {
		err = sdxi_model_inject(pdev, SDXI_MODEL_FAIL_DESCS, 1);
		if (!CHECK(!err, "inject: %d", err) ||
		    !test_fault_failed_copy(env, cxt, &index))
			goto out;
		err = sdxi_cxt_start(cxt);
		if (!CHECK(!err, "restart: %d", err) ||
		    !test_copy_one(env, cxt, i, 2 * i, 70000 + i))
			goto out;
	}

	err = sdxi_model_inject(pdev, SDXI_MODEL_FAIL_DESCS, 2);
	if (!CHECK(!err, "inject: %d", err) ||
	    !test_fault_failed_copy(env, cxt, &index))
		goto out;
	err = sdxi_cxt_start(cxt);
	if (!CHECK(!err || err == -EIO, "first restart: %d", err) ||
	    !CHECK(!test_wait_state(cxt, SDXI_CXT_ERR_FN), "state %u",
		   sdxi_cxt_state(cxt)))
		goto out;
	sdxi_cxt_stats(cxt, &st);
	if (!CHECK(st.last_err_index == index, "error at %llu, want %llu",
		   st.last_err_index, index))
		goto out;
	err = sdxi_cxt_start(cxt);
	if (!CHECK(!err, "second restart: %d", err))
		goto out;
	sdxi_model_fault_get(pdev, SDXI_MODEL_FAIL_DESCS, &left);
	mafter = test_model_stats(env);
	if (!CHECK(!left, "%u injections left", left) ||
	    !CHECK(mafter.faults_injected == mbefore.faults_injected + 4,
		   "faults injected %llu -> %llu", mbefore.faults_injected,
		   mafter.faults_injected))
		goto out;
	ok = test_copy_one(env, cxt, 3, 1, 70000) &&
	     test_copy_one(env, cxt, 0, 0, SZ_64K);
out:
	sdxi_model_inject(pdev, SDXI_MODEL_FAIL_DESCS, 0);
	sdxi_cxt_destroy(cxt);
	return ok;
}

/* A dropped Intr interrupt: the batch completes, the wait times out once. */
static bool test_fault_drop_irq(struct test_env *env)
{
	struct sdxi_model_stats mbefore = test_model_stats(env), mafter;
	struct sdxi_cxt_stats st;
	struct sdxi_cxt *cxt;
	bool ok = false;
	int err;

	cxt = test_fault_cxt(env, SDXI_MODEL_DROP_IRQS, 1);
	if (!cxt)
		return false;
	sdxi_cxt_stats(cxt, &st);
	memset(env->buf.dst, 0, TEST_BUF_SIZE);
	err = test_batch_submit(env, cxt, 16, 0, true);
	if (!CHECK(!err, "batch with a dropped intr: %d", err) ||
	    !test_batch_check(env, 16))
		goto out;
	err = sdxi_cxt_wait_irq(cxt, st.irqs, TEST_FAULT_SHORT_MS);
	if (!CHECK(err == -ETIMEDOUT, "dropped interrupt arrived: %d", err))
		goto out;
	mafter = test_model_stats(env);
	if (!CHECK(mafter.irqs_dropped == mbefore.irqs_dropped + 1,
		   "dropped %llu -> %llu", mbefore.irqs_dropped,
		   mafter.irqs_dropped))
		goto out;
	/* The next one arrives. */
	memset(env->buf.dst, 0, TEST_BUF_SIZE);
	err = test_batch_submit(env, cxt, 16, 16, true);
	if (!CHECK(!err, "batch with intr: %d", err) ||
	    !CHECK(!memcmp(env->buf.dst + 16 * 256, env->buf.src + 16 * 256,
			   16 * 256), "second batch differs"))
		goto out;
	err = sdxi_cxt_wait_irq(cxt, st.irqs, TEST_TIMEOUT_MS);
	ok = CHECK(!err, "no interrupt after the dropped one: %d", err);
out:
	sdxi_model_inject(test_model(env), SDXI_MODEL_DROP_IRQS, 0);
	sdxi_cxt_destroy(cxt);
	return ok;
}

/*
 * A stalled function: the copy does not complete, sdxi_cxt_stop() still
 * works (the admin context runs) and holds after the stall ends; a restart
 * completes the copy.
 */
static bool test_fault_stall(struct test_env *env)
{
	struct platform_device *pdev = test_model(env);
	struct sdxi_model_stats before;
	struct sdxi_ring_resv resv;
	struct sdxi_cxt *cxt;
	bool ok = false;
	int err;

	cxt = test_fault_cxt(env, SDXI_MODEL_STALL, 1);
	if (!cxt)
		return false;
	before = test_model_stats(env);
	err = test_fault_submit(env, cxt, 100, &resv);
	if (!CHECK(!err, "submit: %d", err))
		goto out;
	err = sdxi_cmpl_wait(&env->cmpl, TEST_FAULT_SHORT_MS);
	if (!CHECK(err == -ETIMEDOUT, "stalled copy: %d", err) ||
	    !test_dst_untouched(env))
		goto out;
	err = sdxi_cxt_stop(cxt);
	if (!CHECK(!err, "stop while stalled: %d", err) ||
	    !CHECK(sdxi_cxt_state(cxt) == SDXI_CXT_STOP_SW, "state %u",
		   sdxi_cxt_state(cxt)))
		goto out;
	sdxi_model_inject(pdev, SDXI_MODEL_STALL, 0);
	msleep(TEST_FAULT_SHORT_MS);
	if (!CHECK(sdxi_cmpl_poll(&env->cmpl) == -EBUSY,
		   "a stopped context ran") ||
	    !CHECK(test_model_stats(env).descs == before.descs,
		   "descriptors ran after the stop") ||
	    !test_dst_untouched(env))
		goto out;
	err = sdxi_cxt_start(cxt);
	if (!CHECK(!err, "start: %d", err))
		goto out;
	err = sdxi_cmpl_wait(&env->cmpl, TEST_TIMEOUT_MS);
	if (!CHECK(!err, "copy after the stall: %d", err) ||
	    !CHECK(!memcmp(env->buf.dst + 100, env->buf.src + 100,
			   TEST_FAULT_LEN), "copy after the stall differs"))
		goto out;
	ok = test_copy_one(env, cxt, 5, 9, 30000);
out:
	sdxi_model_inject(pdev, SDXI_MODEL_STALL, 0);
	sdxi_cxt_destroy(cxt);
	return ok;
}

/*
 * A function error: GSV ERROR, an error interrupt, nothing completes; the
 * contexts are destroyed, the function stopped and started, and a new
 * context copies again.
 */
static bool test_fault_func_error(struct test_env *env)
{
	u64 err_irqs = sdxi_fn_err_irqs(env->fn);
	struct sdxi_cxt *a, *b;
	struct sdxi_ring_resv resv;
	unsigned long end;
	bool ok = false;
	int err;

	a = test_fault_cxt(env, SDXI_MODEL_FAIL_DESCS, 0);
	if (!a)
		return false;
	b = test_fault_cxt(env, SDXI_MODEL_FUNC_ERROR, 1);
	if (!b) {
		sdxi_cxt_destroy(a);
		return false;
	}
	end = jiffies + msecs_to_jiffies(TEST_TIMEOUT_MS);
	while ((sdxi_fn_gsv(env->fn) != SDXI_GSV_ERROR ||
		sdxi_fn_err_irqs(env->fn) == err_irqs) &&
	       time_before(jiffies, end))
		usleep_range(100, 200);
	if (!CHECK(sdxi_fn_gsv(env->fn) == SDXI_GSV_ERROR, "GSV %u",
		   sdxi_fn_gsv(env->fn)) ||
	    !CHECK(sdxi_fn_err_irqs(env->fn) > err_irqs, "no error interrupt"))
		goto out;
	err = test_fault_submit(env, b, 0, &resv);
	if (!CHECK(!err, "submit: %d", err))
		goto out;
	err = sdxi_cmpl_wait(&env->cmpl, TEST_FAULT_SHORT_MS);
	ok = CHECK(err == -ETIMEDOUT, "copy in a failed function: %d", err) &&
	     test_dst_untouched(env);
out:
	sdxi_cxt_destroy(b);
	sdxi_cxt_destroy(a);
	sdxi_fn_stop(env->fn);
	err = sdxi_fn_start(env->fn);
	if (!CHECK(!err, "start after the error: %d", err) ||
	    !CHECK(sdxi_fn_gsv(env->fn) == SDXI_GSV_ACTIVE, "GSV %u",
		   sdxi_fn_gsv(env->fn)))
		return false;
	a = test_fault_cxt(env, SDXI_MODEL_FAIL_DESCS, 0);
	if (!a)
		return false;
	ok &= test_copies(env, a);
	sdxi_cxt_destroy(a);
	return ok;
}

#define RUN(expr)							\
	do {								\
		if (expr) {						\
			passed++;					\
		} else {						\
			failed++;					\
			pr_err("FAIL: %s\n", #expr);			\
		}							\
	} while (0)

static void test_contexts(struct test_env *env)
{
	struct sdxi_cxt *a, *b;
	int err;

	a = sdxi_cxt_create(env->fn, TEST_RING_ENTRIES);
	b = sdxi_cxt_create(env->fn, TEST_RING_ENTRIES);
	if (IS_ERR(a) || IS_ERR(b)) {
		failed++;
		pr_err("FAIL: create contexts: %ld %ld\n", PTR_ERR(a),
		       PTR_ERR(b));
		goto out;
	}
	err = sdxi_cxt_start(a);
	if (!err)
		err = sdxi_cxt_start(b);
	RUN(CHECK(!err, "start: %d", err) &&
	    CHECK(sdxi_cxt_id(a) != sdxi_cxt_id(b), "same id"));
	if (err)
		goto out;
	RUN(test_copies(env, a));
	RUN(test_copies(env, b));
	RUN(test_batch(env, a));
	RUN(test_wrap(env));
	RUN(test_concurrent(env, a));
	RUN(test_intr(env, b));
	RUN(test_error(env, a));
	RUN(test_disabled_group(env));
	RUN(test_stop_start(env, b));
	RUN(CHECK(!sdxi_fn_sync(env->fn), "sync"));
out:
	if (!IS_ERR(b))
		sdxi_cxt_destroy(b);
	if (!IS_ERR(a))
		sdxi_cxt_destroy(a);
}

static int __init test_sdxi_fn_init(void)
{
	struct test_env env = { };
	int err;

	env.fn = sdxi_model_front_fn();
	if (!env.fn) {
		pr_err("no SDXI model bound: load sdxi_model_front first\n");
		return -ENODEV;
	}
	env.dev = sdxi_fn_device(env.fn);
	RUN(CHECK(sdxi_fn_gsv(env.fn) == SDXI_GSV_ACTIVE, "GSV %u",
		  sdxi_fn_gsv(env.fn)));
	if (test_buf_alloc(&env) || sdxi_cmpl_alloc(env.fn, &env.cmpl)) {
		err = -ENOMEM;
		goto out;
	}

	test_contexts(&env);
	RUN(test_fault_fail(&env));
	RUN(test_fault_drop_irq(&env));
	RUN(test_fault_stall(&env));
	RUN(test_fault_func_error(&env));

	sdxi_fn_stop(env.fn);
	RUN(CHECK(sdxi_fn_gsv(env.fn) == SDXI_GSV_STOP, "GSV %u after stop",
		  sdxi_fn_gsv(env.fn)));
	err = sdxi_fn_start(env.fn);
	RUN(CHECK(!err, "re-bring-up: %d", err) &&
	    CHECK(sdxi_fn_gsv(env.fn) == SDXI_GSV_ACTIVE, "GSV %u",
		  sdxi_fn_gsv(env.fn)));
	if (!err) {
		struct sdxi_cxt *cxt = sdxi_cxt_create(env.fn,
						       TEST_RING_ENTRIES);

		RUN(!IS_ERR(cxt) && !sdxi_cxt_start(cxt) &&
		    test_copy_one(&env, cxt, 1, 2, 100000));
		/* Errors before the re-bring-up leave no stale log entries. */
		RUN(!IS_ERR(cxt) && test_error(&env, cxt));
		if (!IS_ERR(cxt))
			sdxi_cxt_destroy(cxt);
	}
	err = 0;
out:
	sdxi_cmpl_free(env.fn, &env.cmpl);
	test_buf_free(&env);
	pr_info("%u passed, %u failed\n", passed, failed);
	if (err)
		return err;
	return failed ? -EINVAL : 0;
}

static void __exit test_sdxi_fn_exit(void)
{
}

module_init(test_sdxi_fn_init);
module_exit(test_sdxi_fn_exit);

MODULE_DESCRIPTION("Tests of the SDXI core on the functional model");
MODULE_LICENSE("GPL");
