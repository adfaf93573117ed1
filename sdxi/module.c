// SPDX-License-Identifier: GPL-2.0
/*
 * sdxi.ko: the bus-neutral SDXI 1.0 core that the PCI and functional-model
 * fronts build on, and the dmaengine provider on top of it.  See
 * Documentation/sdxi.rst.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "sdxi.h"

static int __init sdxi_init(void)
{
	sdxi_dma_init();
	return 0;
}

static void __exit sdxi_exit(void)
{
	sdxi_dma_exit();
}

module_init(sdxi_init);
module_exit(sdxi_exit);

MODULE_DESCRIPTION("SDXI 1.0 core: descriptors, rings, functions, dmaengine");
MODULE_LICENSE("GPL");
