// SPDX-License-Identifier: GPL-2.0
/*
 * uoffload: bulk copy, fill, deflate and inflate for io_uring applications
 * and in-kernel users, over batched descriptor rings served by a data
 * mover, a compression accelerator or the CPU.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sysfs.h>

#include "uoff.h"
#include "compat.h"

static ssize_t stats_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	int at = uoff_uring_show_stats(buf, 0);

	/* Before the per-channel lines, which a page may not hold. */
	at = uoff_zip_show_stats(buf, at);
	at = uoff_mm_show_stats(buf, at);
	return uoff_engine_show_stats(buf, at);
}
static DEVICE_ATTR_RO(stats);

static struct attribute *uoff_attrs[] = {
	&dev_attr_stats.attr,
	NULL,
};
ATTRIBUTE_GROUPS(uoff);

static const struct file_operations uoff_fops = {
	.owner		= THIS_MODULE,
	.open		= uoff_open,
	.release	= uoff_release,
	.unlocked_ioctl	= uoff_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.uring_cmd	= uoff_uring_cmd,
};

static struct miscdevice uoff_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "uoffload",
	.fops	= &uoff_fops,
	.groups	= uoff_groups,
	/* Requests only ever touch the caller's own memory. */
	.mode	= 0666,
};

static int __init uoff_init(void)
{
	int ret;

	ret = uoff_cpu_init();
	if (ret)
		return ret;
	ret = uoff_zip_init();
	if (ret)
		goto err_cpu;
	ret = uoff_engine_init();
	if (ret)
		goto err_zip;
	ret = uoff_dma_init();
	if (ret)
		goto err_engine;
	ret = misc_register(&uoff_misc);
	if (ret)
		goto err_dma;
	/* The channels' directories go under the device's. */
	ret = uoff_engine_sysfs_init(&uoff_misc.this_device->kobj);
	if (ret)
		goto err_misc;
	uoff_mm_init();
	return 0;

err_misc:
	misc_deregister(&uoff_misc);
err_dma:
	uoff_dma_exit();
err_engine:
	uoff_engine_exit();
err_zip:
	uoff_zip_exit();
err_cpu:
	uoff_cpu_exit();
	return ret;
}

static void __exit uoff_exit(void)
{
	uoff_mm_exit();
	uoff_engine_sysfs_exit();
	misc_deregister(&uoff_misc);
	uoff_dma_exit();
	uoff_engine_exit();
	uoff_zip_exit();
	uoff_cpu_exit();
}

module_init(uoff_init);
module_exit(uoff_exit);

MODULE_DESCRIPTION("Copy, fill and compression offload for io_uring and kernel users");
MODULE_AUTHOR("The uoffload developers");
MODULE_LICENSE("GPL");
