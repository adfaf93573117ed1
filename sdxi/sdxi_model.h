/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SDXI functional model's front interface: what a driver bound to the
 * "sdxi-model" platform device gets in place of a PCI function's BARs and
 * MSI-X vectors.
 */
#ifndef _SDXI_MODEL_H
#define _SDXI_MODEL_H

#include <linux/types.h>

struct platform_device;

#define SDXI_MODEL_NAME		"sdxi-model"

/* The vector the model raises for function errors; AKeys should use others. */
#define SDXI_MODEL_ERR_VECTOR	0

/**
 * struct sdxi_model_pdata - the model's platform data
 * @regs: the MMIO register file, laid out at the SDXI 1.0 offsets
 * @regs_len: its length in bytes
 * @doorbells: the doorbell area, one 8-byte doorbell per context at
 *	context number * stride (CAP0.DB_STRIDE)
 * @doorbells_len: its length in bytes
 *
 * Both areas are kernel memory that the model's engine polls; a driver
 * accesses them as it would a device's BARs.
 */
struct sdxi_model_pdata {
	void __iomem *regs;
	size_t regs_len;
	void __iomem *doorbells;
	size_t doorbells_len;
};

/**
 * typedef sdxi_model_irq_fn - the model's stand-in for an MSI-X vector
 * @data: what was passed to sdxi_model_set_irq()
 * @vector: the AKey's interrupt number, or SDXI_MODEL_ERR_VECTOR
 *
 * Called from the model's engine thread with a spinlock held: it must not
 * sleep.
 */
typedef void (*sdxi_model_irq_fn)(void *data, unsigned int vector);

int sdxi_model_set_irq(struct platform_device *pdev, sdxi_model_irq_fn fn,
		       void *data);

#endif /* _SDXI_MODEL_H */
