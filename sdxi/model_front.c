// SPDX-License-Identifier: GPL-2.0
/*
 * sdxi_model_front.ko: the platform driver that binds the SDXI core to the
 * functional model's "sdxi-model" device.  The model's register file and
 * doorbell area stand in for BARs, its callback for MSI-X vectors.
 */
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>

#include "sdxi.h"
#include "model_front.h"
#include "sdxi_model.h"

static DEFINE_MUTEX(sdxi_front_lock);
static struct sdxi_fn *sdxi_front_fn;

static void sdxi_front_irq(void *data, unsigned int vector)
{
	sdxi_fn_irq(data, vector);
}

static int sdxi_front_probe(struct platform_device *pdev)
{
	struct sdxi_model_pdata *pdata = dev_get_platdata(&pdev->dev);
	struct sdxi_fn *fn;
	int err;

	if (!pdata)
		return -ENODEV;
	err = dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (err)
		return err;
	fn = sdxi_fn_create(&pdev->dev, pdata->regs, pdata->regs_len,
			    pdata->doorbells, pdata->doorbells_len);
	if (IS_ERR(fn))
		return PTR_ERR(fn);
	err = sdxi_model_set_irq(pdev, sdxi_front_irq, fn);
	if (err)
		goto destroy;
	err = sdxi_fn_start(fn);
	if (err)
		goto irq;
	err = sdxi_fn_register(fn);
	if (err)
		goto stop;
	platform_set_drvdata(pdev, fn);
	mutex_lock(&sdxi_front_lock);
	sdxi_front_fn = fn;
	mutex_unlock(&sdxi_front_lock);
	return 0;

stop:
	sdxi_fn_stop(fn);
irq:
	sdxi_model_set_irq(pdev, NULL, NULL);
destroy:
	sdxi_fn_destroy(fn);
	return err;
}

static void sdxi_front_remove(struct platform_device *pdev)
{
	struct sdxi_fn *fn = platform_get_drvdata(pdev);

	mutex_lock(&sdxi_front_lock);
	sdxi_front_fn = NULL;
	mutex_unlock(&sdxi_front_lock);
	sdxi_fn_unregister(fn);
	sdxi_fn_stop(fn);
	sdxi_model_set_irq(pdev, NULL, NULL);
	sdxi_fn_destroy(fn);
}

/**
 * sdxi_model_front_fn() - the function the front has bound, for its tests
 *
 * The caller holds a reference on this module while it uses the function.
 *
 * Return: the function, or NULL when no model is bound.
 */
struct sdxi_fn *sdxi_model_front_fn(void)
{
	struct sdxi_fn *fn;

	mutex_lock(&sdxi_front_lock);
	fn = sdxi_front_fn;
	mutex_unlock(&sdxi_front_lock);
	return fn;
}
EXPORT_SYMBOL_GPL(sdxi_model_front_fn);

static struct platform_driver sdxi_front_driver = {
	.probe = sdxi_front_probe,
	.remove = sdxi_front_remove,
	.driver = {
		.name = SDXI_MODEL_NAME,
	},
};
module_platform_driver(sdxi_front_driver);

MODULE_DESCRIPTION("SDXI core bound to the SDXI functional model");
MODULE_LICENSE("GPL");
