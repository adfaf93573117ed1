// SPDX-License-Identifier: GPL-2.0
/*
 * sdxi_pci.ko: the PCI front of the SDXI core.  It binds functions of class
 * 0x120100, maps BAR 0 (the MMIO register file) and BAR 2 (the doorbell
 * area), takes MSI-X vectors and forwards each to sdxi_fn_irq() by its
 * number: vector 0 is the error vector, vector N context N's.
 */
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "sdxi.h"

#define SDXI_PCI_REGS_BAR	0
#define SDXI_PCI_DB_BAR		2
/* The error vector and one for each context of the first L1 table. */
#define SDXI_PCI_MAX_VECTORS	SDXI_L1_TABLE_ENTRIES
#define SDXI_PCI_CLASS		0x120100

struct sdxi_pci;

struct sdxi_pci_vec {
	struct sdxi_pci *sp;
	unsigned int nr;
};

struct sdxi_pci {
	struct pci_dev *pdev;
	struct sdxi_fn *fn;
	unsigned int nr_vecs;
	unsigned int nr_irqs;		/* requested so far */
	struct sdxi_pci_vec vecs[SDXI_PCI_MAX_VECTORS];
};

static irqreturn_t sdxi_pci_irq(int irq, void *data)
{
	struct sdxi_pci_vec *vec = data;

	sdxi_fn_irq(vec->sp->fn, vec->nr);
	return IRQ_HANDLED;
}

static void sdxi_pci_free_irqs(struct sdxi_pci *sp)
{
	while (sp->nr_irqs) {
		sp->nr_irqs--;
		free_irq(pci_irq_vector(sp->pdev, sp->nr_irqs),
			 &sp->vecs[sp->nr_irqs]);
	}
	pci_free_irq_vectors(sp->pdev);
}

static int sdxi_pci_request_irqs(struct sdxi_pci *sp)
{
	struct pci_dev *pdev = sp->pdev;
	int nvec, err;

	nvec = pci_alloc_irq_vectors(pdev, 1, SDXI_PCI_MAX_VECTORS,
				     PCI_IRQ_MSIX);
	if (nvec < 0)
		return nvec;
	sp->nr_vecs = nvec;
	for (; sp->nr_irqs < sp->nr_vecs; sp->nr_irqs++) {
		struct sdxi_pci_vec *vec = &sp->vecs[sp->nr_irqs];

		vec->sp = sp;
		vec->nr = sp->nr_irqs;
		err = request_irq(pci_irq_vector(pdev, vec->nr), sdxi_pci_irq,
				  0, "sdxi", vec);
		if (err) {
			sdxi_pci_free_irqs(sp);
			return err;
		}
	}
	return 0;
}

static int sdxi_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	void __iomem *regs, *db;
	struct sdxi_pci *sp;
	int err;

	err = pcim_enable_device(pdev);
	if (err)
		return err;
	pci_set_master(pdev);
	err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (err)
		return err;
	regs = pcim_iomap_region(pdev, SDXI_PCI_REGS_BAR, "sdxi");
	if (IS_ERR(regs))
		return PTR_ERR(regs);
	db = pcim_iomap_region(pdev, SDXI_PCI_DB_BAR, "sdxi");
	if (IS_ERR(db))
		return PTR_ERR(db);

	sp = devm_kzalloc(&pdev->dev, sizeof(*sp), GFP_KERNEL);
	if (!sp)
		return -ENOMEM;
	sp->pdev = pdev;
	sp->fn = sdxi_fn_create(&pdev->dev, regs,
				pci_resource_len(pdev, SDXI_PCI_REGS_BAR), db,
				pci_resource_len(pdev, SDXI_PCI_DB_BAR));
	if (IS_ERR(sp->fn))
		return PTR_ERR(sp->fn);
	err = sdxi_pci_request_irqs(sp);
	if (err)
		goto destroy;
	err = sdxi_fn_start(sp->fn);
	if (err)
		goto irqs;
	err = sdxi_fn_register(sp->fn);
	if (err)
		goto stop;
	pci_set_drvdata(pdev, sp);
	dev_info(&pdev->dev, "SDXI function active, %u MSI-X vectors\n",
		 sp->nr_vecs);
	return 0;

stop:
	sdxi_fn_stop(sp->fn);
irqs:
	sdxi_pci_free_irqs(sp);
destroy:
	sdxi_fn_destroy(sp->fn);
	return err;
}

static void sdxi_pci_remove(struct pci_dev *pdev)
{
	struct sdxi_pci *sp = pci_get_drvdata(pdev);

	sdxi_fn_unregister(sp->fn);
	sdxi_fn_stop(sp->fn);
	sdxi_pci_free_irqs(sp);
	sdxi_fn_destroy(sp->fn);
}

static const struct pci_device_id sdxi_pci_ids[] = {
	{ PCI_DEVICE_CLASS(SDXI_PCI_CLASS, ~0) },
	{ }
};
MODULE_DEVICE_TABLE(pci, sdxi_pci_ids);

static struct pci_driver sdxi_pci_driver = {
	.name = "sdxi",
	.id_table = sdxi_pci_ids,
	.probe = sdxi_pci_probe,
	.remove = sdxi_pci_remove,
};
module_pci_driver(sdxi_pci_driver);

MODULE_DESCRIPTION("SDXI core bound to PCI functions of class 0x120100");
MODULE_LICENSE("GPL");
