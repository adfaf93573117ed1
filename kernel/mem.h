/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _UOFF_MEM_H
#define _UOFF_MEM_H

#include "uoff.h"

struct io_uring_cmd;

/* Ranges of up to this many pages need no allocation. */
#define UOFF_MEM_INLINE	2

/* One side of one segment of a user request. */
struct uoff_mem {
	struct bio_vec	*bv;
	struct page	**pages;	/* pinned; none for registered buffers */
	unsigned int	nr_pages;
	bool		dirty;
	struct bio_vec	bv_inline[UOFF_MEM_INLINE];
	struct page	*pages_inline[UOFF_MEM_INLINE];
};

int uoff_mem_pin(struct uoff_mem *m, struct uoff_span *span, u64 uaddr,
		 u32 len, bool write);
int uoff_mem_import_fixed(struct uoff_mem *m, struct uoff_span *span,
			  struct io_uring_cmd *cmd, u64 uaddr, u32 len,
			  bool write, unsigned int issue_flags);
void uoff_mem_release(struct uoff_mem *m);

#endif /* _UOFF_MEM_H */
