// SPDX-License-Identifier: GPL-2.0
/*
 * User memory for a request: ranges pinned with FOLL_PIN, or slices of an
 * io_uring registered buffer, both presented to the engine as bio_vecs.
 *
 * FOLL_PIN matters: a pinned anonymous page is copied for the child at
 * fork() instead of being shared copy-on-write, so data written by an
 * engine always lands in the page the submitter sees.
 */
#include <linux/io_uring/cmd.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "mem.h"
#include "compat.h"

static int uoff_mem_alloc(struct uoff_mem *m, unsigned int nr)
{
	if (nr <= UOFF_MEM_INLINE) {
		m->bv = m->bv_inline;
		m->pages = m->pages_inline;
		return 0;
	}
	/* User-sized: a failure is the caller's -ENOMEM, not a log splat. */
	m->bv = kvmalloc_array(nr, sizeof(*m->bv),
			       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	m->pages = kvmalloc_array(nr, sizeof(*m->pages),
				  GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!m->bv || !m->pages) {
		kvfree(m->bv);
		kvfree(m->pages);
		m->bv = NULL;
		m->pages = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void uoff_mem_free(struct uoff_mem *m)
{
	if (m->bv != m->bv_inline) {
		kvfree(m->bv);
		kvfree(m->pages);
	}
	m->bv = NULL;
	m->pages = NULL;
	m->nr_pages = 0;
}

/**
 * uoff_mem_pin() - pin a user range for the engine
 * @m:		holds the pins until uoff_mem_release()
 * @span:	set to the start of the range
 * @uaddr:	user address
 * @len:	bytes, at least 1
 * @write:	the engine will write the range
 *
 * Return: 0, -EFAULT if any page is missing or (for @write) read-only, or
 * -ENOMEM.
 */
int uoff_mem_pin(struct uoff_mem *m, struct uoff_span *span, u64 uaddr,
		 u32 len, bool write)
{
	unsigned int off = offset_in_page(uaddr);
	unsigned int nr = DIV_ROUND_UP(off + len, PAGE_SIZE);
	unsigned int i, left = len;
	int pinned, ret;

	ret = uoff_mem_alloc(m, nr);
	if (ret)
		return ret;

	pinned = pin_user_pages_fast(uaddr & PAGE_MASK, nr,
				     write ? FOLL_WRITE : 0, m->pages);
	if (pinned != nr) {
		if (pinned > 0)
			unpin_user_pages(m->pages, pinned);
		uoff_mem_free(m);
		return pinned == -ENOMEM ? -ENOMEM : -EFAULT;
	}

	for (i = 0; i < nr; i++) {
		unsigned int n = min_t(unsigned int, left, PAGE_SIZE - off);

		bvec_set_page(&m->bv[i], m->pages[i], n, off);
		left -= n;
		off = 0;
	}
	m->nr_pages = nr;
	m->dirty = write;
	span->bv = m->bv;
	span->off = 0;
	return 0;
}

/**
 * uoff_mem_import_fixed() - use a slice of the request's registered buffer
 * @m:		needs no release, io_uring holds the buffer for the request
 * @span:	set to the start of the range
 * @cmd:	the command, carrying IORING_URING_CMD_FIXED and buf_index
 * @uaddr:	user address inside the registered buffer
 * @len:	bytes, at least 1
 * @write:	the engine will write the range
 * @issue_flags: as passed to ->uring_cmd()
 *
 * Return: 0, or -EFAULT if the range is not inside the buffer.
 */
int uoff_mem_import_fixed(struct uoff_mem *m, struct uoff_span *span,
			  struct io_uring_cmd *cmd, u64 uaddr, u32 len,
			  bool write, unsigned int issue_flags)
{
	struct iov_iter iter;
	int ret;

	ret = uoff_cmd_import_fixed(uaddr, len, write ? ITER_DEST : ITER_SOURCE,
				    &iter, cmd, issue_flags);
	if (ret)
		return ret;
	if (WARN_ON_ONCE(!iov_iter_is_bvec(&iter)))
		return -EFAULT;

	m->nr_pages = 0;
	span->bv = iter.bvec;
	span->off = iter.iov_offset;
	return 0;
}

/* Drop the pins, marking written pages dirty.  May sleep. */
void uoff_mem_release(struct uoff_mem *m)
{
	if (!m->nr_pages)
		return;
	unpin_user_pages_dirty_lock(m->pages, m->nr_pages, m->dirty);
	uoff_mem_free(m);
}
