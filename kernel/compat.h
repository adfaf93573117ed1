/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel interfaces as they changed between releases, the io_uring
 * uring_cmd API above all.  The rest of the module is written against the
 * wrappers here.
 *
 *  6.8	 the API moved to <linux/io_uring/cmd.h>
 *  6.12 <asm/unaligned.h> became <linux/unaligned.h>
 *  6.15 io_uring_cmd_import_fixed() takes the command and issue_flags
 *  6.18 io_uring_cmd_done() loses res2
 */
#ifndef _UOFF_COMPAT_H
#define _UOFF_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
#error "uoffload needs Linux 6.8 or newer"
#endif

#include <linux/io_uring/cmd.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

static inline void uoff_cmd_done(struct io_uring_cmd *cmd, int res,
				 unsigned int issue_flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 18, 0)
	io_uring_cmd_done(cmd, res, issue_flags);
#else
	io_uring_cmd_done(cmd, res, 0, issue_flags);
#endif
}

/*
 * Task work runs from a fallback kworker, not the submitting task, when
 * that task is exiting: nothing may be done there in the task's mm.
 */
static inline bool uoff_tw_task_dead(unsigned int issue_flags)
{
	return issue_flags & IO_URING_F_TASK_DEAD;
}

static inline int uoff_cmd_import_fixed(u64 ubuf, unsigned long len, int rw,
					struct iov_iter *iter,
					struct io_uring_cmd *cmd,
					unsigned int issue_flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
	return io_uring_cmd_import_fixed(ubuf, len, rw, iter, cmd, issue_flags);
#else
	return io_uring_cmd_import_fixed(ubuf, len, rw, iter, cmd);
#endif
}

#endif /* _UOFF_COMPAT_H */
