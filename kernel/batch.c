// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel API: batches of page and folio copies and fills, submitted to
 * the same channel rings as io_uring requests.  Memory is the caller's:
 * pages stay valid until the batch completes.
 */
#include <linux/completion.h>
#include <linux/export.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "uoff.h"

struct uoff_batch {
	struct uoff_req		req;
	unsigned int		max;
	uoff_batch_done_t	done;
	void			*data;
	struct bio_vec		*bv;	/* dst, src of each entry */
	struct uoff_seg		segs[];
};

/**
 * uoff_batch_alloc() - allocate an empty batch
 * @max_entries: how many copies and fills it may hold
 * @gfp: allocation flags
 *
 * Return: the batch, or NULL.
 */
struct uoff_batch *uoff_batch_alloc(unsigned int max_entries, gfp_t gfp)
{
	struct uoff_batch *b;

	if (!max_entries)
		return NULL;
	b = kvzalloc(struct_size(b, segs, max_entries), gfp);
	if (!b)
		return NULL;
	b->bv = kvcalloc(max_entries, 2 * sizeof(*b->bv), gfp);
	if (!b->bv) {
		kvfree(b);
		return NULL;
	}
	b->max = max_entries;
	b->req.segs = b->segs;
	b->req.kernel = true;
	return b;
}
EXPORT_SYMBOL_GPL(uoff_batch_alloc);

/**
 * uoff_batch_free() - free a batch that is not in flight
 * @batch: the batch, or NULL
 */
void uoff_batch_free(struct uoff_batch *batch)
{
	if (!batch)
		return;
	kvfree(batch->bv);
	kvfree(batch);
}
EXPORT_SYMBOL_GPL(uoff_batch_free);

/* @len bytes from @off past @page must lie in @page's folio. */
static bool uoff_page_range_ok(struct page *page, unsigned int off,
			       unsigned int len)
{
	struct folio *folio = page_folio(page);
	size_t start = folio_page_idx(folio, page) * PAGE_SIZE + off;

	return len && len <= UOFF_MAX_OP_LEN &&
	       start + len <= folio_size(folio);
}

static struct uoff_seg *uoff_batch_add(struct uoff_batch *b, u8 op,
				       struct page *dst, unsigned int off,
				       unsigned int len)
{
	unsigned int i = b->req.nr_segs;
	struct uoff_seg *seg = &b->segs[i];

	bvec_set_page(&b->bv[2 * i], nth_page(dst, off >> PAGE_SHIFT), len,
		      offset_in_page(off));
	seg->op = op;
	seg->len = len;
	seg->dst.bv = &b->bv[2 * i];
	seg->dst.off = 0;
	b->req.bytes += len;
	b->req.nr_segs++;
	return seg;
}

/**
 * uoff_batch_add_copy() - add a copy to a batch
 * @batch: a batch not in flight
 * @dst: destination page
 * @dst_off: offset from @dst; the range must stay inside @dst's folio
 * @src: source page
 * @src_off: offset from @src; the range must stay inside @src's folio
 * @len: bytes, at least 1
 *
 * Return: 0, -ENOSPC when the batch is full, -EINVAL for a bad range.
 */
int uoff_batch_add_copy(struct uoff_batch *batch, struct page *dst,
			unsigned int dst_off, struct page *src,
			unsigned int src_off, unsigned int len)
{
	unsigned int i = batch->req.nr_segs;
	struct uoff_seg *seg;

	if (i == batch->max)
		return -ENOSPC;
	if (!uoff_page_range_ok(dst, dst_off, len) ||
	    !uoff_page_range_ok(src, src_off, len))
		return -EINVAL;

	seg = uoff_batch_add(batch, UOFF_OP_COPY, dst, dst_off, len);
	bvec_set_page(&batch->bv[2 * i + 1], nth_page(src, src_off >> PAGE_SHIFT),
		      len, offset_in_page(src_off));
	seg->src.bv = &batch->bv[2 * i + 1];
	seg->src.off = 0;
	return 0;
}
EXPORT_SYMBOL_GPL(uoff_batch_add_copy);

/**
 * uoff_batch_add_fill() - add a pattern fill to a batch
 * @batch: a batch not in flight
 * @dst: destination page
 * @off: offset from @dst; the range must stay inside @dst's folio
 * @len: bytes, at least 1
 * @pattern: byte i of the range becomes byte (i % 8) of little-endian @pattern
 *
 * Return: 0, -ENOSPC when the batch is full, -EINVAL for a bad range.
 */
int uoff_batch_add_fill(struct uoff_batch *batch, struct page *dst,
			unsigned int off, unsigned int len, u64 pattern)
{
	if (batch->req.nr_segs == batch->max)
		return -ENOSPC;
	if (!uoff_page_range_ok(dst, off, len))
		return -EINVAL;

	uoff_batch_add(batch, UOFF_OP_FILL, dst, off, len)->pattern = pattern;
	return 0;
}
EXPORT_SYMBOL_GPL(uoff_batch_add_fill);

/**
 * uoff_batch_add_copy_folio() - add a whole-folio copy to a batch
 * @batch: a batch not in flight
 * @dst: destination folio
 * @src: source folio, the same size as @dst
 *
 * Return: 0, -ENOSPC when the batch is full, -EINVAL if the sizes differ.
 */
int uoff_batch_add_copy_folio(struct uoff_batch *batch, struct folio *dst,
			      struct folio *src)
{
	if (folio_size(dst) != folio_size(src))
		return -EINVAL;
	return uoff_batch_add_copy(batch, &dst->page, 0, &src->page, 0,
				   folio_size(src));
}
EXPORT_SYMBOL_GPL(uoff_batch_add_copy_folio);

/**
 * uoff_batch_add_zero_folio() - add the zeroing of a whole folio to a batch
 * @batch: a batch not in flight
 * @folio: the folio
 *
 * Return: 0, -ENOSPC when the batch is full, -EINVAL for a folio larger
 * than 1 GiB.
 */
int uoff_batch_add_zero_folio(struct uoff_batch *batch, struct folio *folio)
{
	return uoff_batch_add_fill(batch, &folio->page, 0, folio_size(folio), 0);
}
EXPORT_SYMBOL_GPL(uoff_batch_add_zero_folio);

static void uoff_batch_req_done(struct uoff_req *req)
{
	struct uoff_batch *b = container_of(req, struct uoff_batch, req);

	b->done(b, b->data);
}

/**
 * uoff_batch_submit() - start executing a batch
 * @batch: the batch; it must not be changed or freed until @done runs
 * @done: called once every entry has finished, in process context
 * @data: passed to @done
 *
 * May sleep.  @done may run before this returns.
 */
void uoff_batch_submit(struct uoff_batch *batch, uoff_batch_done_t done,
		       void *data)
{
	unsigned int i;

	batch->done = done;
	batch->data = data;
	batch->req.done = uoff_batch_req_done;
	batch->req.error = 0;
	batch->req.cancelled = false;
	for (i = 0; i < batch->req.nr_segs; i++)
		batch->segs[i].status = 0;

	if (!batch->req.nr_segs) {
		done(batch, data);
		return;
	}
	uoff_req_submit(&batch->req);
}
EXPORT_SYMBOL_GPL(uoff_batch_submit);

static void uoff_batch_wake(struct uoff_batch *batch, void *data)
{
	complete(data);
}

/**
 * uoff_batch_run() - execute a batch and wait for it
 * @batch: the batch
 *
 * Return: 0, or the first error of any entry.
 */
int uoff_batch_run(struct uoff_batch *batch)
{
	DECLARE_COMPLETION_ONSTACK(done);

	uoff_batch_submit(batch, uoff_batch_wake, &done);
	wait_for_completion(&done);
	return uoff_batch_status(batch);
}
EXPORT_SYMBOL_GPL(uoff_batch_run);

/**
 * uoff_batch_count() - number of entries in a batch
 * @batch: the batch
 *
 * Return: how many entries were added.
 */
unsigned int uoff_batch_count(const struct uoff_batch *batch)
{
	return batch->req.nr_segs;
}
EXPORT_SYMBOL_GPL(uoff_batch_count);

/**
 * uoff_batch_status() - result of a completed batch
 * @batch: the batch
 *
 * Return: 0, or the first error of any entry.
 */
int uoff_batch_status(const struct uoff_batch *batch)
{
	return READ_ONCE(batch->req.error);
}
EXPORT_SYMBOL_GPL(uoff_batch_status);

/**
 * uoff_batch_entry_status() - result of one entry of a completed batch
 * @batch: the batch
 * @idx: the entry, in the order added
 *
 * Return: 0 if the entry was executed, a negative errno if not.
 */
int uoff_batch_entry_status(const struct uoff_batch *batch, unsigned int idx)
{
	if (idx >= batch->req.nr_segs)
		return -EINVAL;
	return READ_ONCE(batch->segs[idx].status);
}
EXPORT_SYMBOL_GPL(uoff_batch_entry_status);
