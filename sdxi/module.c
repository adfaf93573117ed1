// SPDX-License-Identifier: GPL-2.0
/*
 * sdxi.ko: the bus-neutral SDXI 1.0 core that the PCI and functional-model
 * fronts build on.  See Documentation/sdxi.rst.
 */
#include <linux/module.h>

MODULE_DESCRIPTION("SDXI 1.0 core: descriptors and descriptor rings");
MODULE_LICENSE("GPL");
