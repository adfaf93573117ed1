// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the SDXI dmaengine provider, run at load time on the functional
 * model's channels as any dmaengine client would use them: buffers mapped
 * with the DMA API, transactions prepared, submitted and issued, every
 * copied byte checked.  The module refuses to load when a test fails.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "model_front.h"
#include "sdxi.h"
#include "sdxi_ktest.h"

#define TEST_TIMEOUT_MS		5000
#define TEST_BUF_SIZE		(SZ_1M + 2 * PAGE_SIZE)
#define TEST_MANY		200
#define TEST_CHANS		2

/* A buffer pair, mapped for one channel's device. */
struct test_buf {
	struct device *dev;
	u8 *src, *dst;
	dma_addr_t src_dma, dst_dma;
};

/* What the callbacks of one run saw. */
struct test_run {
	atomic_t calls;
	unsigned int order[TEST_MANY];
	enum dmaengine_tx_result result[TEST_MANY];
	unsigned int expected;
	struct completion all;
};

struct test_cb {
	struct test_run *run;
	unsigned int nr;
};

static struct dma_chan *test_chans[TEST_CHANS];
static struct test_buf test_bufs[TEST_CHANS];
static struct test_cb test_cbs[TEST_CHANS][TEST_MANY];

static bool test_filter(struct dma_chan *chan, void *param)
{
	return chan->device->dev == param;
}

static int test_buf_map(struct test_buf *b, struct dma_chan *chan)
{
	b->dev = chan->device->dev;
	b->src = kmalloc(TEST_BUF_SIZE, GFP_KERNEL);
	b->dst = kmalloc(TEST_BUF_SIZE, GFP_KERNEL);
	if (!b->src || !b->dst)
		return -ENOMEM;
	get_random_bytes(b->src, TEST_BUF_SIZE);
	memset(b->dst, 0, TEST_BUF_SIZE);
	b->src_dma = dma_map_single(b->dev, b->src, TEST_BUF_SIZE,
				    DMA_TO_DEVICE);
	if (dma_mapping_error(b->dev, b->src_dma))
		return -EIO;
	b->dst_dma = dma_map_single(b->dev, b->dst, TEST_BUF_SIZE,
				    DMA_FROM_DEVICE);
	if (dma_mapping_error(b->dev, b->dst_dma)) {
		dma_unmap_single(b->dev, b->src_dma, TEST_BUF_SIZE,
				 DMA_TO_DEVICE);
		return -EIO;
	}
	return 0;
}

static void test_buf_unmap(struct test_buf *b)
{
	if (b->dev && b->src_dma && !dma_mapping_error(b->dev, b->src_dma) &&
	    b->dst_dma && !dma_mapping_error(b->dev, b->dst_dma)) {
		dma_unmap_single(b->dev, b->src_dma, TEST_BUF_SIZE,
				 DMA_TO_DEVICE);
		dma_unmap_single(b->dev, b->dst_dma, TEST_BUF_SIZE,
				 DMA_FROM_DEVICE);
	}
	kfree(b->src);
	kfree(b->dst);
}

/* The CPU's view of dst after the device wrote it, and back. */
static void test_buf_sync(struct test_buf *b, bool for_cpu)
{
	if (for_cpu)
		dma_sync_single_for_cpu(b->dev, b->dst_dma, TEST_BUF_SIZE,
					DMA_FROM_DEVICE);
	else
		dma_sync_single_for_device(b->dev, b->dst_dma, TEST_BUF_SIZE,
					   DMA_FROM_DEVICE);
}

static void test_callback(void *param, const struct dmaengine_result *res)
{
	struct test_cb *cb = param;
	struct test_run *run = cb->run;
	unsigned int i = atomic_inc_return(&run->calls) - 1;

	if (i < TEST_MANY) {
		run->order[i] = cb->nr;
		run->result[i] = res->result;
	}
	if (i + 1 == run->expected)
		complete(&run->all);
}

static void test_run_init(struct test_run *run, unsigned int expected)
{
	atomic_set(&run->calls, 0);
	run->expected = expected;
	init_completion(&run->all);
}

/* Prepares and submits a copy with a callback into @run as number @nr. */
static dma_cookie_t test_submit(unsigned int c, dma_addr_t dst, dma_addr_t src,
				size_t len, struct test_run *run,
				unsigned int nr)
{
	struct dma_async_tx_descriptor *tx;

	tx = dmaengine_prep_dma_memcpy(test_chans[c], dst, src, len,
				       DMA_PREP_INTERRUPT | DMA_CTRL_ACK);
	if (!tx)
		return -ENOMEM;
	test_cbs[c][nr].run = run;
	test_cbs[c][nr].nr = nr;
	tx->callback_result = test_callback;
	tx->callback_param = &test_cbs[c][nr];
	return dmaengine_submit(tx);
}

static bool test_wait(struct test_run *run)
{
	return wait_for_completion_timeout(&run->all,
					   msecs_to_jiffies(TEST_TIMEOUT_MS));
}

/* One copy, @len bytes at the offsets, and nothing else of dst written. */
static bool test_copy_one(unsigned int c, size_t soff, size_t doff,
			  size_t len)
{
	struct test_buf *b = &test_bufs[c];
	struct test_run run;
	dma_cookie_t cookie;
	bool ok;

	memset(b->dst, 0, TEST_BUF_SIZE);
	test_buf_sync(b, false);
	test_run_init(&run, 1);
	cookie = test_submit(c, b->dst_dma + doff, b->src_dma + soff, len,
			     &run, 0);
	if (!EXPECT(dma_submit_error(cookie) == 0))
		return false;
	/* Submitted, not issued: the transaction must wait. */
	msleep(20);
	EXPECT(dmaengine_tx_status(test_chans[c], cookie, NULL) ==
	       DMA_IN_PROGRESS);
	EXPECT(atomic_read(&run.calls) == 0);
	dma_async_issue_pending(test_chans[c]);
	if (!EXPECT(test_wait(&run)))
		return false;
	EXPECT(dmaengine_tx_status(test_chans[c], cookie, NULL) ==
	       DMA_COMPLETE);
	EXPECT(run.result[0] == DMA_TRANS_NOERROR);
	test_buf_sync(b, true);
	ok = EXPECT(!memcmp(b->dst + doff, b->src + soff, len)) &&
	     EXPECT(!memchr_inv(b->dst, 0, doff)) &&
	     EXPECT(!memchr_inv(b->dst + doff + len, 0,
				TEST_BUF_SIZE - doff - len));
	if (!ok)
		pr_err("copy %zu bytes from +%zu to +%zu differs\n", len, soff,
		       doff);
	return ok;
}

static bool test_sizes(void)
{
	static const struct {
		size_t soff, doff, len;
	} cases[] = {
		{ 0, 0, 1 }, { 1, 3, 7 }, { 0, 0, 64 }, { 5, 0, 4095 },
		{ 0, 7, PAGE_SIZE + 1 }, { 100, 200, 65536 },
		{ 3, 1, SZ_1M + 5 }, { 0, 0, SZ_1M },
	};
	unsigned int i;
	bool ok = true;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		ok &= test_copy_one(0, cases[i].soff, cases[i].doff,
				    cases[i].len);
	return ok;
}

/* Overlapping ranges and empty copies are refused at prep. */
static bool test_refused(void)
{
	struct test_buf *b = &test_bufs[0];

	EXPECT(!dmaengine_prep_dma_memcpy(test_chans[0], b->src_dma + 8,
					  b->src_dma, 64, DMA_CTRL_ACK));
	EXPECT(!dmaengine_prep_dma_memcpy(test_chans[0], b->dst_dma,
					  b->src_dma, 0, DMA_CTRL_ACK));
	return true;
}

/*
 * A poller's copy: no interrupt asked for, no ack at prep.  dma_sync_wait()
 * issues it and polls tx_status until it completes; the client acks it.
 */
static bool test_polled(void)
{
	struct test_buf *b = &test_bufs[1];
	struct dma_async_tx_descriptor *tx;
	dma_cookie_t cookie;

	memset(b->dst, 0, TEST_BUF_SIZE);
	test_buf_sync(b, false);
	tx = dmaengine_prep_dma_memcpy(test_chans[1], b->dst_dma + 3,
				       b->src_dma, 70000, 0);
	if (!EXPECT(tx))
		return false;
	cookie = dmaengine_submit(tx);
	if (!EXPECT(dma_submit_error(cookie) == 0))
		return false;
	EXPECT(dma_sync_wait(test_chans[1], cookie) == DMA_COMPLETE);
	async_tx_ack(tx);
	test_buf_sync(b, true);
	return EXPECT(!memcmp(b->dst + 3, b->src, 70000));
}

/* TEST_MANY copies of @len issued at once on channel @c into @run. */
static bool test_submit_many(unsigned int c, struct test_run *run,
			     size_t len, dma_cookie_t *last)
{
	struct test_buf *b = &test_bufs[c];
	unsigned int i;

	test_run_init(run, TEST_MANY);
	for (i = 0; i < TEST_MANY; i++) {
		*last = test_submit(c, b->dst_dma + i * len,
				    b->src_dma + i * len, len, run, i);
		if (!EXPECT(dma_submit_error(*last) == 0))
			return false;
	}
	return true;
}

static bool test_check_many(unsigned int c, struct test_run *run,
			    size_t len)
{
	struct test_buf *b = &test_bufs[c];
	unsigned int i;
	bool ok;

	ok = EXPECT(test_wait(run)) &&
	     EXPECT(atomic_read(&run->calls) == TEST_MANY);
	for (i = 0; ok && i < TEST_MANY; i++)
		ok = EXPECT(run->order[i] == i) &&
		     EXPECT(run->result[i] == DMA_TRANS_NOERROR);
	test_buf_sync(b, true);
	return ok && EXPECT(!memcmp(b->dst, b->src, TEST_MANY * len));
}

static bool test_many(void)
{
	struct test_run run;
	dma_cookie_t last;

	memset(test_bufs[0].dst, 0, TEST_BUF_SIZE);
	test_buf_sync(&test_bufs[0], false);
	if (!test_submit_many(0, &run, 4096, &last))
		return false;
	dma_async_issue_pending(test_chans[0]);
	return test_check_many(0, &run, 4096) &&
	       EXPECT(dmaengine_tx_status(test_chans[0], last, NULL) ==
		      DMA_COMPLETE);
}

/* Both channels at once, each with its own buffers. */
static bool test_two_channels(void)
{
	static struct test_run run[TEST_CHANS];
	dma_cookie_t last;
	unsigned int c;
	bool ok = true;

	for (c = 0; c < TEST_CHANS; c++) {
		memset(test_bufs[c].dst, 0, TEST_BUF_SIZE);
		test_buf_sync(&test_bufs[c], false);
		if (!test_submit_many(c, &run[c], 5000, &last))
			return false;
	}
	for (c = 0; c < TEST_CHANS; c++)
		dma_async_issue_pending(test_chans[c]);
	for (c = 0; c < TEST_CHANS; c++)
		ok &= test_check_many(c, &run[c], 5000);
	return ok;
}

/*
 * terminate_all drops what has not completed: no callback comes after
 * dmaengine_terminate_sync() returns, the cookies read complete, and the
 * channel copies again afterwards.
 */
static bool test_terminate(void)
{
	struct test_run run;
	dma_cookie_t last;
	unsigned int calls;

	if (!test_submit_many(0, &run, 4096, &last))
		return false;
	dma_async_issue_pending(test_chans[0]);
	if (!EXPECT(dmaengine_terminate_sync(test_chans[0]) == 0))
		return false;
	calls = atomic_read(&run.calls);
	msleep(100);
	EXPECT(atomic_read(&run.calls) == calls);
	EXPECT(dmaengine_tx_status(test_chans[0], last, NULL) ==
	       DMA_COMPLETE);
	/* Submitted but never issued: dropped too. */
	if (!test_submit_many(0, &run, 4096, &last))
		return false;
	EXPECT(dmaengine_terminate_sync(test_chans[0]) == 0);
	dma_async_issue_pending(test_chans[0]);
	msleep(100);
	EXPECT(atomic_read(&run.calls) == 0);
	return test_copy_one(0, 0, 0, 12345);
}

/*
 * A copy from an address that is no memory fails with an error result,
 * the copies queued behind it do not run, and the channel works again.
 */
static bool test_error(void)
{
	struct test_buf *b = &test_bufs[0];
	struct test_run run;
	unsigned int i;

	memset(b->dst, 0, TEST_BUF_SIZE);
	test_buf_sync(b, false);
	test_run_init(&run, 3);
	EXPECT(dma_submit_error(test_submit(0, b->dst_dma, b->src_dma, 512,
					    &run, 0)) == 0);
	EXPECT(dma_submit_error(test_submit(0, b->dst_dma + 512,
					    (dma_addr_t)1 << 52, 512,
					    &run, 1)) == 0);
	EXPECT(dma_submit_error(test_submit(0, b->dst_dma + 1024,
					    b->src_dma + 1024, 512,
					    &run, 2)) == 0);
	dma_async_issue_pending(test_chans[0]);
	if (!EXPECT(test_wait(&run)))
		return false;
	for (i = 0; i < 3; i++)
		EXPECT(run.order[i] == i);
	EXPECT(run.result[0] == DMA_TRANS_NOERROR);
	EXPECT(run.result[1] == DMA_TRANS_READ_FAILED);
	EXPECT(run.result[2] == DMA_TRANS_ABORTED);
	test_buf_sync(b, true);
	EXPECT(!memcmp(b->dst, b->src, 512));
	EXPECT(!memchr_inv(b->dst + 1024, 0, 512));
	return test_copy_one(0, 1, 1, 3000);
}

static const struct sdxi_ktest tests[] = {
	{ "sizes", test_sizes },
	{ "refused", test_refused },
	{ "polled", test_polled },
	{ "many", test_many },
	{ "two_channels", test_two_channels },
	{ "terminate", test_terminate },
	{ "error", test_error },
	{ "after_error", test_many },
};

static void test_release(void)
{
	unsigned int c;

	for (c = 0; c < TEST_CHANS; c++) {
		test_buf_unmap(&test_bufs[c]);
		if (test_chans[c])
			dma_release_channel(test_chans[c]);
		test_chans[c] = NULL;
		memset(&test_bufs[c], 0, sizeof(test_bufs[c]));
	}
}

static int __init test_sdxi_dma_init(void)
{
	struct sdxi_fn *fn = sdxi_model_front_fn();
	dma_cap_mask_t mask;
	unsigned int c;
	int err = 0;

	if (!fn) {
		pr_err("no SDXI model bound: load sdxi_model_front first\n");
		return -ENODEV;
	}
	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	for (c = 0; c < TEST_CHANS && !err; c++) {
		test_chans[c] = dma_request_channel(mask, test_filter,
						    sdxi_fn_device(fn));
		if (!test_chans[c]) {
			pr_err("channel %u of the model: none\n", c);
			err = -ENODEV;
			break;
		}
		err = test_buf_map(&test_bufs[c], test_chans[c]);
	}
	if (!err)
		sdxi_ktest_run(tests, ARRAY_SIZE(tests));
	test_release();
	if (err)
		return err;
	return sdxi_ktest_report();
}

static void __exit test_sdxi_dma_exit(void)
{
}

module_init(test_sdxi_dma_init);
module_exit(test_sdxi_dma_exit);

MODULE_DESCRIPTION("Tests of the SDXI dmaengine provider on the model");
MODULE_LICENSE("GPL");
