// SPDX-License-Identifier: GPL-2.0
/*
 * uoffload as the copy and zeroing provider of the memory-management hooks
 * that kernel/patches/ add (<linux/mm_offload.h>): folio migration hands it
 * batches of folios to copy, folio_zero_user() huge folios to zero.  Each
 * call becomes one in-kernel batch (batch.c) on the same engine and
 * channels as io_uring requests; what it does not do, the CPU does.
 *
 * Built only against a kernel with the hooks (UOFF_HAVE_MM_OFFLOAD).
 */
#include "uoff.h"

#ifdef UOFF_HAVE_MM_OFFLOAD

#include <linux/bitops.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mm_offload.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/sysfs.h>

static bool uoff_mm_on = true;
module_param_named(mm_offload, uoff_mm_on, bool, 0644);
MODULE_PARM_DESC(mm_offload, "Copy migrated folios and zero huge folios for mm (default on)");

static unsigned long uoff_mm_min_folio_size = SZ_2M;
module_param_named(mm_min_folio_size, uoff_mm_min_folio_size, ulong, 0644);
MODULE_PARM_DESC(mm_min_folio_size, "Smallest folio to zero, in bytes (default 2 MiB)");

static unsigned long uoff_mm_migrate_min_bytes = SZ_1M;
module_param_named(mm_migrate_min_bytes, uoff_mm_migrate_min_bytes, ulong, 0644);
MODULE_PARM_DESC(mm_migrate_min_bytes, "Smallest migration batch to copy, in bytes (default 1 MiB)");

/* As the kernel's migrate_reason_names[], which is not exported. */
static const char * const uoff_mm_reason_names[MR_TYPES] = {
	[MR_COMPACTION]		= "compaction",
	[MR_MEMORY_FAILURE]	= "memory_failure",
	[MR_MEMORY_HOTPLUG]	= "memory_hotplug",
	[MR_SYSCALL]		= "syscall_or_cpuset",
	[MR_MEMPOLICY_MBIND]	= "mempolicy_mbind",
	[MR_NUMA_MISPLACED]	= "numa_misplaced",
	[MR_CONTIG_RANGE]	= "contig_range",
	[MR_LONGTERM_PIN]	= "longterm_pin",
	[MR_DEMOTION]		= "demotion",
	[MR_DAMON]		= "damon",
};

/*
 * Not compaction nor demotion by default: they run in reclaim, where
 * waiting for a channel served by a workqueue is best chosen knowingly;
 * nor memory_failure, whose source may be poisoned.
 */
static unsigned long uoff_mm_reasons = BIT(MR_MEMORY_HOTPLUG) |
	BIT(MR_SYSCALL) | BIT(MR_MEMPOLICY_MBIND) | BIT(MR_NUMA_MISPLACED);

/* A mask, or names separated by commas; "" or "none" for none. */
static int uoff_mm_reasons_set(const char *val, const struct kernel_param *kp)
{
	unsigned long mask = 0;
	char *buf, *p, *name;
	int i, ret = 0;

	if (!kstrtoul(val, 0, &mask)) {
		if (mask & ~(BIT(MR_TYPES) - 1))
			return -EINVAL;
		WRITE_ONCE(uoff_mm_reasons, mask);
		return 0;
	}
	buf = kstrdup(val, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	p = strim(buf);
	while ((name = strsep(&p, ",")) && !ret) {
		name = strim(name);
		if (!*name || !strcmp(name, "none"))
			continue;
		i = match_string(uoff_mm_reason_names, MR_TYPES, name);
		if (i < 0)
			ret = -EINVAL;
		else
			mask |= BIT(i);
	}
	kfree(buf);
	if (!ret)
		WRITE_ONCE(uoff_mm_reasons, mask);
	return ret;
}

static int uoff_mm_reasons_get(char *buf, const struct kernel_param *kp)
{
	unsigned long mask = READ_ONCE(uoff_mm_reasons);
	int i, at = 0;

	for (i = 0; i < MR_TYPES; i++)
		if (mask & BIT(i))
			at += sysfs_emit_at(buf, at, "%s%s", at ? "," : "",
					    uoff_mm_reason_names[i]);
	return at + sysfs_emit_at(buf, at, "%s\n", at ? "" : "none");
}

static const struct kernel_param_ops uoff_mm_reasons_ops = {
	.set	= uoff_mm_reasons_set,
	.get	= uoff_mm_reasons_get,
};
module_param_cb(mm_migrate_reasons, &uoff_mm_reasons_ops, NULL, 0644);
MODULE_PARM_DESC(mm_migrate_reasons, "Migration reasons to copy for, names or a mask (default memory_hotplug,syscall_or_cpuset,mempolicy_mbind,numa_misplaced)");

static struct {
	atomic64_t	migrate_batches;
	atomic64_t	migrate_folios;
	atomic64_t	migrate_bytes;
	atomic64_t	migrate_declined;
	atomic64_t	migrate_errors;
	atomic64_t	zero_folios;
	atomic64_t	zero_bytes;
	atomic64_t	zero_errors;
} uoff_mm_stats;

static bool uoff_mm_registered;

static bool uoff_mm_want_migrate(struct folio **src, unsigned int nr,
				 int reason)
{
	u64 bytes = 0;
	unsigned int i;

	if (!READ_ONCE(uoff_mm_on) || reason < 0 || reason >= MR_TYPES ||
	    !(READ_ONCE(uoff_mm_reasons) & BIT(reason)))
		return false;
	for (i = 0; i < nr; i++)
		bytes += folio_size(src[i]);
	return bytes >= READ_ONCE(uoff_mm_migrate_min_bytes);
}

static int uoff_mm_migrate_copy(struct folio **dst, struct folio **src,
				unsigned int nr, int reason,
				unsigned long *copied)
{
	struct uoff_batch *b = NULL;
	unsigned int i;
	int ret = -EOPNOTSUPP;

	if (!uoff_mm_want_migrate(src, nr, reason))
		goto declined;
	/* Migration may run in reclaim: no waiting for memory here. */
	ret = -ENOMEM;
	b = uoff_batch_alloc(nr, GFP_NOWAIT | __GFP_NOWARN);
	if (!b)
		goto declined;
	for (i = 0; i < nr; i++) {
		ret = uoff_batch_add_copy_folio(b, dst[i], src[i]);
		if (ret)
			goto declined;
	}

	uoff_batch_run(b);
	for (i = 0; i < nr; i++) {
		if (uoff_batch_entry_status(b, i)) {
			atomic64_inc(&uoff_mm_stats.migrate_errors);
			continue;
		}
		__set_bit(i, copied);
		atomic64_inc(&uoff_mm_stats.migrate_folios);
		atomic64_add(folio_size(src[i]), &uoff_mm_stats.migrate_bytes);
	}
	atomic64_inc(&uoff_mm_stats.migrate_batches);
	uoff_batch_free(b);
	return 0;

declined:
	uoff_batch_free(b);
	atomic64_inc(&uoff_mm_stats.migrate_declined);
	return ret;
}

static int uoff_mm_zero_folio(struct folio *folio, unsigned long addr_hint)
{
	struct uoff_batch *b;
	int ret;

	if (!READ_ONCE(uoff_mm_on) ||
	    folio_size(folio) < READ_ONCE(uoff_mm_min_folio_size))
		return -EOPNOTSUPP;
	b = uoff_batch_alloc(1, GFP_KERNEL | __GFP_NOWARN);
	if (!b)
		return -ENOMEM;
	ret = uoff_batch_add_zero_folio(b, folio);
	if (!ret)
		ret = uoff_batch_run(b);
	uoff_batch_free(b);
	if (ret) {
		atomic64_inc(&uoff_mm_stats.zero_errors);
		return ret;
	}
	atomic64_inc(&uoff_mm_stats.zero_folios);
	atomic64_add(folio_size(folio), &uoff_mm_stats.zero_bytes);
	return 0;
}

static const struct mm_offload_ops uoff_mm_ops = {
	.owner		= THIS_MODULE,
	.migrate_copy	= uoff_mm_migrate_copy,
	.zero_folio	= uoff_mm_zero_folio,
};

int uoff_mm_show_stats(char *buf, int at)
{
	return at + sysfs_emit_at(buf, at,
			"mm.registered %d\nmm.migrate_batches %lld\n"
			"mm.migrate_folios %lld\nmm.migrate_bytes %lld\n"
			"mm.migrate_declined %lld\nmm.migrate_errors %lld\n"
			"mm.zero_folios %lld\nmm.zero_bytes %lld\n"
			"mm.zero_errors %lld\n",
			uoff_mm_registered,
			atomic64_read(&uoff_mm_stats.migrate_batches),
			atomic64_read(&uoff_mm_stats.migrate_folios),
			atomic64_read(&uoff_mm_stats.migrate_bytes),
			atomic64_read(&uoff_mm_stats.migrate_declined),
			atomic64_read(&uoff_mm_stats.migrate_errors),
			atomic64_read(&uoff_mm_stats.zero_folios),
			atomic64_read(&uoff_mm_stats.zero_bytes),
			atomic64_read(&uoff_mm_stats.zero_errors));
}

/* Another provider being there already is not an error for uoffload. */
void uoff_mm_init(void)
{
	int ret = mm_offload_register(&uoff_mm_ops);

	if (ret)
		pr_info("uoffload: not the mm copy provider: %d\n", ret);
	uoff_mm_registered = !ret;
}

/* Waits for the calls in flight. */
void uoff_mm_exit(void)
{
	if (uoff_mm_registered)
		mm_offload_unregister(&uoff_mm_ops);
	uoff_mm_registered = false;
}

#endif /* UOFF_HAVE_MM_OFFLOAD */
