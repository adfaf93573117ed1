/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uoffload in-kernel API: batches of folio/page copies and fills submitted
 * to the same channels and descriptor rings that serve io_uring requests.
 */
#ifndef _LINUX_UOFFLOAD_H
#define _LINUX_UOFFLOAD_H

#include <linux/gfp.h>
#include <linux/types.h>
#include <uapi/linux/uoffload.h>

struct folio;
struct page;
struct uoff_batch;

/* Called once when every entry of a submitted batch has finished. */
typedef void (*uoff_batch_done_t)(struct uoff_batch *batch, void *data);

struct uoff_batch *uoff_batch_alloc(unsigned int max_entries, gfp_t gfp);
void uoff_batch_free(struct uoff_batch *batch);

int uoff_batch_add_copy(struct uoff_batch *batch, struct page *dst,
			unsigned int dst_off, struct page *src,
			unsigned int src_off, unsigned int len);
int uoff_batch_add_fill(struct uoff_batch *batch, struct page *dst,
			unsigned int off, unsigned int len, u64 pattern);
int uoff_batch_add_copy_folio(struct uoff_batch *batch, struct folio *dst,
			      struct folio *src);
int uoff_batch_add_zero_folio(struct uoff_batch *batch, struct folio *folio);

void uoff_batch_submit(struct uoff_batch *batch, uoff_batch_done_t done,
		       void *data);
int uoff_batch_run(struct uoff_batch *batch);

unsigned int uoff_batch_count(const struct uoff_batch *batch);
int uoff_batch_status(const struct uoff_batch *batch);
int uoff_batch_entry_status(const struct uoff_batch *batch, unsigned int idx);

#endif /* _LINUX_UOFFLOAD_H */
