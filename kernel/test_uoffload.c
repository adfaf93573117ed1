// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the uoffload in-kernel API, run at load time.  Loading fails
 * with -EINVAL if any test fails; the summary line goes to the kernel log:
 * "test_uoffload: N passed, M failed".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uoffload.h>

static unsigned int passed, failed;

static u8 src_byte(size_t i, unsigned int seed)
{
	return (i * 131 + seed * 7 + (i >> 12)) & 0xff;
}

static void fill_folio(struct folio *folio, unsigned int seed)
{
	size_t i, n = folio_size(folio);

	for (i = 0; i < n; i++) {
		u8 *p = kmap_local_folio(folio, i);

		*p = src_byte(i, seed);
		kunmap_local(p);
	}
}

/* Index of the first byte of @folio from @off that differs from @fn's. */
static long folio_mismatch(struct folio *folio, size_t off, size_t len,
			   u8 (*fn)(size_t i, u64 arg), u64 arg)
{
	size_t i;

	for (i = 0; i < len; i++) {
		u8 *p = kmap_local_folio(folio, off + i);
		u8 v = *p;

		kunmap_local(p);
		if (v != fn(i, arg))
			return i;
	}
	return -1;
}

static u8 seeded_byte(size_t i, u64 seed)
{
	return src_byte(i, seed);
}

static u8 pattern_byte(size_t i, u64 pattern)
{
	return pattern >> (8 * (i % 8));
}

static void free_folios(struct folio **f, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (f[i])
			folio_put(f[i]);
}

/* Many order-0 folio copies in one batch: more entries than a ring holds. */
static int test_copy_many_folios(void)
{
	const unsigned int n = 600;
	struct folio **src, **dst;
	struct uoff_batch *b;
	unsigned int i;
	int ret = -ENOMEM;

	src = kcalloc(n, sizeof(*src), GFP_KERNEL);
	dst = kcalloc(n, sizeof(*dst), GFP_KERNEL);
	b = uoff_batch_alloc(n, GFP_KERNEL);
	if (!src || !dst || !b)
		goto out;
	for (i = 0; i < n; i++) {
		src[i] = folio_alloc(GFP_KERNEL, 0);
		dst[i] = folio_alloc(GFP_KERNEL | __GFP_ZERO, 0);
		if (!src[i] || !dst[i])
			goto out;
		fill_folio(src[i], i);
		ret = uoff_batch_add_copy_folio(b, dst[i], src[i]);
		if (ret)
			goto out;
	}
	ret = -EINVAL;
	if (uoff_batch_add_copy_folio(b, dst[0], src[0]) != -ENOSPC) {
		pr_err("%s: add to a full batch did not fail\n", __func__);
		goto out;
	}
	ret = uoff_batch_run(b);
	if (ret) {
		pr_err("%s: batch failed %d\n", __func__, ret);
		goto out;
	}
	for (i = 0; i < n; i++) {
		long bad = folio_mismatch(dst[i], 0, PAGE_SIZE, seeded_byte, i);

		if (bad >= 0 || uoff_batch_entry_status(b, i)) {
			pr_err("%s: folio %u differs at %ld\n", __func__, i, bad);
			ret = -EINVAL;
			goto out;
		}
	}
out:
	if (src)
		free_folios(src, n);
	if (dst)
		free_folios(dst, n);
	kfree(src);
	kfree(dst);
	uoff_batch_free(b);
	return ret;
}

/* A large folio (THP order when available) copied and zeroed. */
static int test_large_folio(void)
{
	unsigned int order = min_t(unsigned int, HPAGE_PMD_ORDER, MAX_PAGE_ORDER);
	struct folio *src = NULL, *dst = NULL;
	struct uoff_batch *b;
	long bad;
	int ret;

	for (; order > 0; order--) {
		src = folio_alloc(GFP_KERNEL | __GFP_NOWARN, order);
		dst = folio_alloc(GFP_KERNEL | __GFP_NOWARN, order);
		if (src && dst)
			break;
		if (src)
			folio_put(src);
		if (dst)
			folio_put(dst);
		src = dst = NULL;
	}
	if (!src || !dst) {
		pr_err("%s: no large folio\n", __func__);
		return -ENOMEM;
	}
	b = uoff_batch_alloc(2, GFP_KERNEL);
	if (!b) {
		ret = -ENOMEM;
		goto out;
	}

	fill_folio(src, 3);
	ret = uoff_batch_add_copy_folio(b, dst, src);
	if (!ret)
		ret = uoff_batch_run(b);
	bad = folio_mismatch(dst, 0, folio_size(dst), seeded_byte, 3);
	if (ret || bad >= 0) {
		pr_err("%s: order %u copy: ret %d, differs at %ld\n", __func__,
		       order, ret, bad);
		ret = -EINVAL;
		goto out_batch;
	}
	uoff_batch_free(b);

	b = uoff_batch_alloc(1, GFP_KERNEL);
	ret = b ? uoff_batch_add_zero_folio(b, dst) : -ENOMEM;
	if (!ret)
		ret = uoff_batch_run(b);
	bad = folio_mismatch(dst, 0, folio_size(dst), pattern_byte, 0);
	if (ret || bad >= 0) {
		pr_err("%s: zero: ret %d, differs at %ld\n", __func__, ret, bad);
		ret = -EINVAL;
	}
out_batch:
	uoff_batch_free(b);
out:
	folio_put(src);
	folio_put(dst);
	return ret;
}

/* Sub-page ranges, odd offsets and fills, bytes around them untouched. */
static int test_ranges(void)
{
	static const struct { unsigned int off, len; } r[] = {
		{ 0, 1 }, { 1, 7 }, { 3, 8 }, { 5, 9 }, { 7, 63 },
		{ 100, 1000 }, { 4000, 96 }, { 2048, 2048 },
	};
	const u64 pattern = 0x0807060504030201ULL;
	struct folio *src, *dst;
	struct uoff_batch *b;
	unsigned int i;
	int ret = 0;

	src = folio_alloc(GFP_KERNEL, 0);
	dst = folio_alloc(GFP_KERNEL, 0);
	b = uoff_batch_alloc(2, GFP_KERNEL);
	if (!src || !dst || !b) {
		ret = -ENOMEM;
		goto out;
	}
	fill_folio(src, 9);

	for (i = 0; i < ARRAY_SIZE(r) && !ret; i++) {
		u8 *d = kmap_local_folio(dst, 0);
		unsigned int end = r[i].off + r[i].len, j;

		memset(d, 0xee, PAGE_SIZE);
		kunmap_local(d);

		uoff_batch_free(b);
		b = uoff_batch_alloc(1, GFP_KERNEL);
		if (!b) {
			ret = -ENOMEM;
			break;
		}
		ret = i % 2 ?
		      uoff_batch_add_fill(b, &dst->page, r[i].off, r[i].len,
					  pattern) :
		      uoff_batch_add_copy(b, &dst->page, r[i].off, &src->page,
					  r[i].off, r[i].len);
		if (!ret)
			ret = uoff_batch_run(b);
		if (ret)
			break;

		d = kmap_local_folio(dst, 0);
		for (j = 0; j < PAGE_SIZE; j++) {
			u8 want = j < r[i].off || j >= end ? 0xee :
				  i % 2 ? pattern_byte(j - r[i].off, pattern) :
				  src_byte(j, 9);

			if (d[j] != want) {
				pr_err("%s: range %u+%u: byte %u is %#x, want %#x\n",
				       __func__, r[i].off, r[i].len, j, d[j],
				       want);
				ret = -EINVAL;
				break;
			}
		}
		kunmap_local(d);
	}
out:
	uoff_batch_free(b);
	if (src)
		folio_put(src);
	if (dst)
		folio_put(dst);
	return ret;
}

/* Ranges that leave the folio and empty ones are refused. */
static int test_bad_ranges(void)
{
	struct uoff_batch *b = uoff_batch_alloc(4, GFP_KERNEL);
	struct page *p = alloc_page(GFP_KERNEL);
	int ret = 0;

	if (!b || !p) {
		ret = -ENOMEM;
		goto out;
	}
	if (uoff_batch_add_copy(b, p, 1, p, 0, PAGE_SIZE) != -EINVAL ||
	    uoff_batch_add_fill(b, p, 0, PAGE_SIZE + 1, 0) != -EINVAL ||
	    uoff_batch_add_fill(b, p, 0, 0, 0) != -EINVAL ||
	    uoff_batch_count(b) != 0) {
		pr_err("%s: a bad range was accepted\n", __func__);
		ret = -EINVAL;
		goto out;
	}
	/* An empty batch completes at once. */
	ret = uoff_batch_run(b);
	if (ret)
		pr_err("%s: empty batch gave %d\n", __func__, ret);
out:
	uoff_batch_free(b);
	if (p)
		__free_page(p);
	return ret;
}

struct async_ctx {
	struct completion	done;
	struct uoff_batch	*seen;
	int			calls;
};

static void async_done(struct uoff_batch *b, void *data)
{
	struct async_ctx *ctx = data;

	ctx->seen = b;
	ctx->calls++;
	complete(&ctx->done);
}

/* Asynchronous submission calls done exactly once with the batch. */
static int test_async(void)
{
	struct async_ctx ctx = { .seen = NULL };
	struct folio *f = folio_alloc(GFP_KERNEL, 0);
	struct uoff_batch *b = uoff_batch_alloc(1, GFP_KERNEL);
	long bad;
	int ret;

	init_completion(&ctx.done);
	if (!f || !b) {
		ret = -ENOMEM;
		goto out;
	}
	ret = uoff_batch_add_fill(b, &f->page, 0, PAGE_SIZE, 0xa5a5a5a5a5a5a5a5ULL);
	if (ret)
		goto out;
	uoff_batch_submit(b, async_done, &ctx);
	wait_for_completion(&ctx.done);
	bad = folio_mismatch(f, 0, PAGE_SIZE, pattern_byte, 0xa5a5a5a5a5a5a5a5ULL);
	if (ctx.seen != b || ctx.calls != 1 || uoff_batch_status(b) || bad >= 0) {
		pr_err("%s: seen %p calls %d status %d differs at %ld\n", __func__,
		       ctx.seen, ctx.calls, uoff_batch_status(b), bad);
		ret = -EINVAL;
	}
out:
	uoff_batch_free(b);
	if (f)
		folio_put(f);
	return ret;
}

static void run(const char *name, int (*fn)(void))
{
	int ret = fn();

	if (ret) {
		failed++;
		pr_err("not ok %s (%d)\n", name, ret);
	} else {
		passed++;
		pr_info("ok %s\n", name);
	}
}

static int __init test_uoffload_init(void)
{
	run("copy_many_folios", test_copy_many_folios);
	run("large_folio", test_large_folio);
	run("ranges", test_ranges);
	run("bad_ranges", test_bad_ranges);
	run("async", test_async);
	pr_info("%u passed, %u failed\n", passed, failed);
	return failed ? -EINVAL : 0;
}

static void __exit test_uoffload_exit(void)
{
}

module_init(test_uoffload_init);
module_exit(test_uoffload_exit);

MODULE_DESCRIPTION("Tests of the uoffload in-kernel API");
MODULE_LICENSE("GPL");
