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

/*
 * Fault injection, also under /sys/kernel/debug/sdxi_model/ (one file per
 * fault, named as in the comments; see Documentation/sdxi.rst).
 */
enum sdxi_model_fault {
	SDXI_MODEL_FAIL_DESCS,	/* fail_descs: fail the next N descriptors */
	SDXI_MODEL_STALL,	/* stall: 1 holds client contexts, 0 resumes */
	SDXI_MODEL_DROP_IRQS,	/* drop_irqs: lose the next N Intr interrupts */
	SDXI_MODEL_FUNC_ERROR,	/* func_error: 1 puts the function in ERROR */
};

/**
 * struct sdxi_model_stats - what the model has done since it loaded
 * @descs: descriptors taken from client contexts' rings (failed ones too)
 * @irqs: interrupts delivered, the error vector's included
 * @irqs_dropped: Intr interrupts dropped by SDXI_MODEL_DROP_IRQS
 * @faults_injected: injections that took effect: failed descriptors,
 *	dropped interrupts and function errors
 */
struct sdxi_model_stats {
	u64 descs;
	u64 irqs;
	u64 irqs_dropped;
	u64 faults_injected;
};

int sdxi_model_inject(struct platform_device *pdev,
		      enum sdxi_model_fault fault, u32 arg);
int sdxi_model_fault_get(struct platform_device *pdev,
			 enum sdxi_model_fault fault, u32 *val);
int sdxi_model_get_stats(struct platform_device *pdev,
			 struct sdxi_model_stats *stats);

#endif /* _SDXI_MODEL_H */
