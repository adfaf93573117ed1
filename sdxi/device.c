// SPDX-License-Identifier: GPL-2.0
/*
 * An SDXI function: bring-up, the admin context, client contexts, their
 * completion blocks and interrupts, and the error log.
 *
 * Bus-neutral: a front hands over the mapped register file and doorbell
 * area and a struct device for DMA allocations, and forwards its interrupts
 * to sdxi_fn_irq().  Everything the function reads is coherent DMA memory.
 *
 * Client context N uses AKey entry 0 of its own table for its Intr
 * descriptors, with interrupt number N: vector 0 stays the error vector.
 */
#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/export.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "sdxi.h"

/* Client contexts live in the first L1 table: numbers 1 to 127. */
#define SDXI_FN_MAX_CXT		(SDXI_L1_TABLE_ENTRIES - 1)
#define SDXI_ADMIN_ENTRIES	SDXI_RING_MIN_ENTRIES
#define SDXI_ERRLOG_ENTRIES	64
#define SDXI_GSV_TIMEOUT_MS	1000
#define SDXI_ADMIN_TIMEOUT_MS	1000
#define SDXI_ERR_VECTOR		0

/* The memory one context hands the function. */
struct sdxi_cxt_mem {
	struct sdxi_cxt_ctl *ctl;
	dma_addr_t ctl_dma;
	struct sdxi_cxt_sts *sts;
	dma_addr_t sts_dma;
	__le64 *widx;
	dma_addr_t widx_dma;
	struct sdxi_desc *ring;
	dma_addr_t ring_dma;
	size_t ring_size;
	struct sdxi_akey_ent *akey;
	dma_addr_t akey_dma;
};

struct sdxi_cxt {
	struct sdxi_fn *fn;
	u16 id;
	u32 opb;
	struct sdxi_cxt_mem mem;
	struct sdxi_ring ring;
	spinlock_t lock;	/* serialises reservations */
	void __iomem *db;
	atomic64_t irqs;
	wait_queue_head_t irq_wait;
	bool stuck;		/* did not stop: kept until the function stops */
	sdxi_cxt_notify_fn notify;	/* under fn->cxt_lock */
	void *notify_data;
	u64 errors;		/* under fn->err_lock */
	u16 last_err_class;
	u64 last_err_index;
};

struct sdxi_fn {
	struct device *dev;
	void __iomem *regs;
	size_t regs_len;
	void __iomem *db;
	size_t db_len;
	bool active;
	u64 cap0, cap1;
	size_t db_stride;
	u32 max_ring;
	u32 opb;
	struct dma_pool *cst_pool;
	struct sdxi_cxt_l2_ent *l2;
	dma_addr_t l2_dma;
	struct sdxi_cxt_l1_ent *l1;
	dma_addr_t l1_dma;
	struct sdxi_errlog_ent *errlog;
	dma_addr_t errlog_dma;
	struct sdxi_cxt admin;
	struct sdxi_cmpl admin_cmpl;
	struct mutex admin_mutex;	/* one admin command at a time */
	bool admin_late;		/* the last one timed out */
	spinlock_t cxt_lock;		/* the cxt table */
	struct sdxi_cxt *cxt[SDXI_L1_TABLE_ENTRIES];
	spinlock_t err_lock;		/* the error log's read side */
	u64 unclaimed_errors;
	u64 err_sts;
	atomic64_t err_irqs;
};

static u64 sdxi_read(struct sdxi_fn *fn, unsigned int reg)
{
	return ioread64(fn->regs + reg);
}

static void sdxi_write(struct sdxi_fn *fn, unsigned int reg, u64 val)
{
	iowrite64(val, fn->regs + reg);
}

/**
 * sdxi_fn_device() - the device a function allocates DMA memory for
 * @fn: the function
 *
 * Return: the struct device its front gave sdxi_fn_create().
 */
struct device *sdxi_fn_device(struct sdxi_fn *fn)
{
	return fn->dev;
}
EXPORT_SYMBOL_GPL(sdxi_fn_device);

/**
 * sdxi_fn_max_buffer() - the longest buffer one descriptor may name
 * @fn: the function, active
 *
 * CAP1.MAX_BUFFER reads as 2 MiB shifted by the field, so that 11 is
 * 4 GiB, as the reference driver programs it; never more than a Copy takes.
 *
 * Return: the length in bytes.
 */
u64 sdxi_fn_max_buffer(struct sdxi_fn *fn)
{
	u64 len = (u64)SZ_2M << FIELD_GET(SDXI_CAP1_MAX_BUFFER, fn->cap1);

	return min_t(u64, len, SDXI_COPY_MAX);
}
EXPORT_SYMBOL_GPL(sdxi_fn_max_buffer);

/**
 * sdxi_fn_gsv() - the function's state as it reports it
 * @fn: the function
 *
 * Return: STS0.FN_GSV, an enum sdxi_gsv.
 */
u32 sdxi_fn_gsv(struct sdxi_fn *fn)
{
	return FIELD_GET(SDXI_STS0_FN_GSV, sdxi_read(fn, SDXI_MMIO_STS0));
}
EXPORT_SYMBOL_GPL(sdxi_fn_gsv);

static int sdxi_fn_wait_gsv(struct sdxi_fn *fn, u32 gsv)
{
	unsigned long end = jiffies + msecs_to_jiffies(SDXI_GSV_TIMEOUT_MS);

	for (;;) {
		u32 now = sdxi_fn_gsv(fn);

		if (now == gsv)
			return 0;
		if (now == SDXI_GSV_ERROR && gsv != SDXI_GSV_STOP)
			return -EIO;
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		usleep_range(50, 200);
	}
}

/* Soft-stop, then reset: the function ends in GSV STOP with nothing cached. */
static int sdxi_fn_reset(struct sdxi_fn *fn)
{
	int err;

	if (sdxi_fn_gsv(fn) != SDXI_GSV_STOP &&
	    sdxi_fn_gsv(fn) != SDXI_GSV_ERROR) {
		sdxi_write(fn, SDXI_MMIO_CTL0,
			   FIELD_PREP(SDXI_CTL0_FN_GSR, SDXI_GSR_STOP_SF));
		err = sdxi_fn_wait_gsv(fn, SDXI_GSV_STOP);
		if (err)
			dev_warn(fn->dev, "soft stop: GSV %u\n",
				 sdxi_fn_gsv(fn));
	}
	sdxi_write(fn, SDXI_MMIO_CTL0,
		   FIELD_PREP(SDXI_CTL0_FN_GSR, SDXI_GSR_RESET));
	err = sdxi_fn_wait_gsv(fn, SDXI_GSV_STOP);
	if (err)
		dev_err(fn->dev, "reset: GSV %u\n", sdxi_fn_gsv(fn));
	return err;
}

static void *sdxi_zalloc(struct sdxi_fn *fn, size_t size, dma_addr_t *dma)
{
	return dma_alloc_coherent(fn->dev, size, dma, GFP_KERNEL);
}

static void sdxi_free(struct sdxi_fn *fn, size_t size, void *cpu,
		      dma_addr_t dma)
{
	if (cpu)
		dma_free_coherent(fn->dev, size, cpu, dma);
}

static void sdxi_cxt_mem_free(struct sdxi_fn *fn, struct sdxi_cxt_mem *mem)
{
	sdxi_free(fn, SDXI_TABLE_SIZE, mem->akey, mem->akey_dma);
	sdxi_free(fn, mem->ring_size, mem->ring, mem->ring_dma);
	sdxi_free(fn, sizeof(*mem->widx), mem->widx, mem->widx_dma);
	sdxi_free(fn, sizeof(*mem->sts), mem->sts, mem->sts_dma);
	sdxi_free(fn, sizeof(*mem->ctl), mem->ctl, mem->ctl_dma);
	memset(mem, 0, sizeof(*mem));
}

static int sdxi_cxt_mem_alloc(struct sdxi_fn *fn, struct sdxi_cxt_mem *mem,
			      u32 entries)
{
	mem->ring_size = (size_t)entries * SDXI_DESC_SIZE;
	mem->ctl = sdxi_zalloc(fn, sizeof(*mem->ctl), &mem->ctl_dma);
	mem->sts = sdxi_zalloc(fn, sizeof(*mem->sts), &mem->sts_dma);
	mem->widx = sdxi_zalloc(fn, sizeof(*mem->widx), &mem->widx_dma);
	mem->ring = sdxi_zalloc(fn, mem->ring_size, &mem->ring_dma);
	mem->akey = sdxi_zalloc(fn, SDXI_TABLE_SIZE, &mem->akey_dma);
	if (!mem->ctl || !mem->sts || !mem->widx || !mem->ring || !mem->akey) {
		sdxi_cxt_mem_free(fn, mem);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Fill CXT_CTL, then the context's L1 entry; each valid bit is stored last,
 * behind the rest, so the function never sees half an entry.
 */
static void sdxi_cxt_publish(struct sdxi_cxt *cxt, u32 state)
{
	struct sdxi_fn *fn = cxt->fn;
	struct sdxi_cxt_mem *mem = &cxt->mem;
	struct sdxi_cxt_l1_ent *l1 = &fn->l1[cxt->id];
	u32 entries = mem->ring_size / SDXI_DESC_SIZE;

	WRITE_ONCE(mem->sts->state, FIELD_PREP(SDXI_CXT_STS_STATE, state));
	WRITE_ONCE(mem->sts->read_index, 0);
	sdxi_ring_init(&cxt->ring, mem->ring, entries, mem->widx,
		       &mem->sts->read_index);

	if (cxt->id != SDXI_ADMIN_CXT_NUM)
		WRITE_ONCE(mem->akey[0].intr_num,
			   cpu_to_le16(SDXI_AKEY_VL | SDXI_AKEY_IV |
				       FIELD_PREP(SDXI_AKEY_INTR_NUM,
						  cxt->id)));

	mem->ctl->ds_ring_sz = cpu_to_le32(entries);
	mem->ctl->cxt_sts_ptr = cpu_to_le64(mem->sts_dma &
					    SDXI_CXT_CTL_STS_PTR);
	mem->ctl->write_index_ptr = cpu_to_le64(mem->widx_dma &
						SDXI_CXT_CTL_WIDX_PTR);
	dma_wmb();
	WRITE_ONCE(mem->ctl->ds_ring_ptr,
		   cpu_to_le64((mem->ring_dma & SDXI_CXT_CTL_RING_PTR) |
			       SDXI_CXT_CTL_VL));

	l1->akey_ptr = cpu_to_le64(mem->akey_dma & SDXI_L1_ENT_AKEY_PTR);
	l1->misc0 = cpu_to_le32(FIELD_PREP(SDXI_L1_ENT_MAX_BUFFER,
					   FIELD_GET(SDXI_CAP1_MAX_BUFFER,
						     fn->cap1)));
	l1->opb_000_enb = cpu_to_le32(cxt->opb);
	dma_wmb();
	WRITE_ONCE(l1->cxt_ctl_ptr,
		   cpu_to_le64((mem->ctl_dma & SDXI_L1_ENT_CXT_CTL_PTR) |
			       SDXI_L1_ENT_VL | SDXI_L1_ENT_KA));
}

static void sdxi_cxt_unpublish(struct sdxi_cxt *cxt)
{
	WRITE_ONCE(cxt->fn->l1[cxt->id].cxt_ctl_ptr, 0);
	dma_wmb();
}

static void sdxi_cxt_doorbell(struct sdxi_cxt *cxt, u64 value)
{
	/* Descriptors and write index are in memory before the doorbell. */
	dma_wmb();
	iowrite64(value, cxt->db);
}

/**
 * sdxi_fn_create() - an SDXI function, not yet started
 * @dev: the device DMA memory is allocated for
 * @regs: the mapped MMIO register file
 * @regs_len: its length
 * @db: the mapped doorbell area
 * @db_len: its length
 *
 * Return: the function, or an ERR_PTR().
 */
struct sdxi_fn *sdxi_fn_create(struct device *dev, void __iomem *regs,
			       size_t regs_len, void __iomem *db,
			       size_t db_len)
{
	struct sdxi_fn *fn;

	if (regs_len < SDXI_MMIO_ERR_RD + 8)
		return ERR_PTR(-EINVAL);
	fn = kzalloc(sizeof(*fn), GFP_KERNEL);
	if (!fn)
		return ERR_PTR(-ENOMEM);
	fn->dev = dev;
	fn->regs = regs;
	fn->regs_len = regs_len;
	fn->db = db;
	fn->db_len = db_len;
	mutex_init(&fn->admin_mutex);
	spin_lock_init(&fn->cxt_lock);
	spin_lock_init(&fn->err_lock);
	fn->cst_pool = dma_pool_create("sdxi-cst", dev,
				       sizeof(struct sdxi_cst_blk),
				       SDXI_CST_BLK_ALIGN, 0);
	if (!fn->cst_pool) {
		kfree(fn);
		return ERR_PTR(-ENOMEM);
	}
	return fn;
}
EXPORT_SYMBOL_GPL(sdxi_fn_create);

/**
 * sdxi_fn_destroy() - stop a function and free it
 * @fn: the function; its client contexts are destroyed already
 */
void sdxi_fn_destroy(struct sdxi_fn *fn)
{
	if (!fn)
		return;
	sdxi_fn_stop(fn);
	dma_pool_destroy(fn->cst_pool);
	kfree(fn);
}
EXPORT_SYMBOL_GPL(sdxi_fn_destroy);

static int sdxi_fn_read_caps(struct sdxi_fn *fn)
{
	u64 version = sdxi_read(fn, SDXI_MMIO_VERSION);
	u32 max_cxt;

	if (FIELD_GET(SDXI_VERSION_MAJOR, version) != 1) {
		dev_err(fn->dev, "SDXI version %llu.%llu not supported\n",
			FIELD_GET(SDXI_VERSION_MAJOR, version),
			FIELD_GET(SDXI_VERSION_MINOR, version));
		return -ENODEV;
	}
	fn->cap0 = sdxi_read(fn, SDXI_MMIO_CAP0);
	fn->cap1 = sdxi_read(fn, SDXI_MMIO_CAP1);
	fn->db_stride = SZ_4K << FIELD_GET(SDXI_CAP0_DB_STRIDE, fn->cap0);
	fn->max_ring = SDXI_RING_MIN_ENTRIES <<
		       FIELD_GET(SDXI_CAP0_MAX_DS_RING_SZ, fn->cap0);
	fn->opb = FIELD_GET(SDXI_CAP1_OPB_000_CAP, fn->cap1);
	max_cxt = min_t(u32, FIELD_GET(SDXI_CAP1_MAX_CXT, fn->cap1),
			SDXI_FN_MAX_CXT);
	if (fn->db_len < (max_cxt + 1) * fn->db_stride)
		max_cxt = fn->db_len / fn->db_stride - 1;

	sdxi_write(fn, SDXI_MMIO_CTL2,
		   FIELD_PREP(SDXI_CTL2_MAX_BUFFER,
			      FIELD_GET(SDXI_CAP1_MAX_BUFFER, fn->cap1)) |
		   FIELD_PREP(SDXI_CTL2_MAX_AKEY_SZ, 0) |
		   FIELD_PREP(SDXI_CTL2_MAX_CXT, max_cxt) |
		   FIELD_PREP(SDXI_CTL2_OPB_000_AVL, fn->opb));
	return 0;
}

/* The context tables and the error log; the function no longer uses them. */
static void sdxi_fn_free_tables(struct sdxi_fn *fn)
{
	struct sdxi_errlog_ent *errlog;
	unsigned long flags;

	spin_lock_irqsave(&fn->err_lock, flags);
	errlog = fn->errlog;
	fn->errlog = NULL;
	spin_unlock_irqrestore(&fn->err_lock, flags);
	sdxi_free(fn, SDXI_ERRLOG_ENTRIES * sizeof(*errlog), errlog,
		  fn->errlog_dma);
	sdxi_free(fn, SDXI_TABLE_SIZE, fn->l1, fn->l1_dma);
	sdxi_free(fn, SDXI_TABLE_SIZE, fn->l2, fn->l2_dma);
	fn->l1 = NULL;
	fn->l2 = NULL;
}

/**
 * sdxi_fn_start() - activate a function (SDXI 1.0's activation sequence)
 * @fn: the function, stopped
 *
 * Resets the function, reads its capabilities, programs CTL2, builds the
 * context tables, the admin context and the error log, moves the function
 * to ACTIVE and jump-starts the admin context.
 *
 * Return: 0, -ENODEV for a version other than 1.x, -ENOMEM, -ETIMEDOUT or
 * -EIO when the function does not reach a state.
 */
int sdxi_fn_start(struct sdxi_fn *fn)
{
	struct sdxi_cxt *admin = &fn->admin;
	int err;

	if (fn->active)
		return -EBUSY;
	sdxi_write(fn, SDXI_MMIO_CTL0, 0);
	err = sdxi_fn_reset(fn);
	if (err)
		return err;
	err = sdxi_fn_read_caps(fn);
	if (err)
		return err;

	err = -ENOMEM;
	fn->l2 = sdxi_zalloc(fn, SDXI_TABLE_SIZE, &fn->l2_dma);
	fn->l1 = sdxi_zalloc(fn, SDXI_TABLE_SIZE, &fn->l1_dma);
	fn->errlog = sdxi_zalloc(fn, SDXI_ERRLOG_ENTRIES * sizeof(*fn->errlog),
				 &fn->errlog_dma);
	if (!fn->l2 || !fn->l1 || !fn->errlog)
		goto free;
	if (sdxi_cmpl_alloc(fn, &fn->admin_cmpl))
		goto free;

	admin->fn = fn;
	admin->id = SDXI_ADMIN_CXT_NUM;
	admin->opb = fn->opb;
	admin->db = fn->db;
	spin_lock_init(&admin->lock);
	init_waitqueue_head(&admin->irq_wait);
	err = sdxi_cxt_mem_alloc(fn, &admin->mem, SDXI_ADMIN_ENTRIES);
	if (err)
		goto free_cmpl;

	WRITE_ONCE(fn->l2[0].lv01_ptr,
		   cpu_to_le64((fn->l1_dma & SDXI_L2_ENT_L1_PTR) |
			       SDXI_L2_ENT_VL));
	sdxi_cxt_publish(admin, SDXI_CXT_RUN);
	dma_wmb();
	sdxi_write(fn, SDXI_MMIO_CXT_L2, fn->l2_dma & SDXI_CXT_L2_PTR);

	sdxi_write(fn, SDXI_MMIO_ERR_CFG,
		   (fn->errlog_dma & SDXI_ERR_CFG_PTR) |
		   FIELD_PREP(SDXI_ERR_CFG_SZ, 0) | SDXI_ERR_CFG_EN);
	sdxi_write(fn, SDXI_MMIO_ERR_CTL, SDXI_ERR_CTL_EN);

	sdxi_write(fn, SDXI_MMIO_CTL0,
		   FIELD_PREP(SDXI_CTL0_FN_GSR, SDXI_GSR_ACTIVE) |
		   SDXI_CTL0_FN_ERR_INTR_EN);
	err = sdxi_fn_wait_gsv(fn, SDXI_GSV_ACTIVE);
	if (err) {
		dev_err(fn->dev, "activation: GSV %u\n", sdxi_fn_gsv(fn));
		goto reset;
	}
	/*
	 * Nothing in the new log yet: start reading where the function
	 * writes.  Reset clears ERR_WRT, but a reset requested while the
	 * function was already in STOP shows no transition to wait for, so
	 * whether it happened is only known once the function is ACTIVE.
	 */
	spin_lock_irq(&fn->err_lock);
	sdxi_write(fn, SDXI_MMIO_ERR_RD, sdxi_read(fn, SDXI_MMIO_ERR_WRT));
	fn->err_sts = sdxi_read(fn, SDXI_MMIO_ERR_STS);
	spin_unlock_irq(&fn->err_lock);
	fn->active = true;
	sdxi_cxt_doorbell(admin, 0);
	return 0;

reset:
	sdxi_fn_reset(fn);
	sdxi_cxt_mem_free(fn, &admin->mem);
free_cmpl:
	sdxi_cmpl_free(fn, &fn->admin_cmpl);
free:
	sdxi_fn_free_tables(fn);
	return err;
}
EXPORT_SYMBOL_GPL(sdxi_fn_start);

/**
 * sdxi_fn_stop() - stop and reset an active function, free its tables
 * @fn: the function
 *
 * Client contexts still there run no more; sdxi_cxt_destroy() frees them,
 * and this frees those it had to keep because they did not stop.
 */
void sdxi_fn_stop(struct sdxi_fn *fn)
{
	unsigned int i;

	if (!fn->active)
		return;
	sdxi_fn_reset(fn);
	sdxi_write(fn, SDXI_MMIO_ERR_CFG, 0);
	sdxi_write(fn, SDXI_MMIO_CXT_L2, 0);
	fn->active = false;
	fn->admin_late = false;
	sdxi_cxt_mem_free(fn, &fn->admin.mem);
	sdxi_cmpl_free(fn, &fn->admin_cmpl);
	sdxi_fn_free_tables(fn);
	/* Reset, it runs nothing: contexts that did not stop can go. */
	for (i = 1; i <= SDXI_FN_MAX_CXT; i++)
		if (fn->cxt[i] && fn->cxt[i]->stuck)
			sdxi_cxt_destroy(fn->cxt[i]);
}
EXPORT_SYMBOL_GPL(sdxi_fn_stop);

/**
 * sdxi_cmpl_alloc() - a completion status block
 * @fn: the function it is for
 * @cmpl: where its address goes
 *
 * Return: 0 or -ENOMEM.
 */
int sdxi_cmpl_alloc(struct sdxi_fn *fn, struct sdxi_cmpl *cmpl)
{
	cmpl->blk = dma_pool_zalloc(fn->cst_pool, GFP_KERNEL, &cmpl->dma);
	return cmpl->blk ? 0 : -ENOMEM;
}
EXPORT_SYMBOL_GPL(sdxi_cmpl_alloc);

/**
 * sdxi_cmpl_free() - free a completion status block
 * @fn: the function it was allocated for
 * @cmpl: the block; nothing the function still runs may name it
 */
void sdxi_cmpl_free(struct sdxi_fn *fn, struct sdxi_cmpl *cmpl)
{
	if (cmpl->blk)
		dma_pool_free(fn->cst_pool, cmpl->blk, cmpl->dma);
	cmpl->blk = NULL;
}
EXPORT_SYMBOL_GPL(sdxi_cmpl_free);

/**
 * sdxi_cmpl_poll() - has the function signalled a completion block?
 * @cmpl: the block, armed by sdxi_cxt_submit()
 *
 * Return: 0 when done, -EIO when done with an error (ER), -EBUSY otherwise.
 */
int sdxi_cmpl_poll(struct sdxi_cmpl *cmpl)
{
	if (le64_to_cpu(READ_ONCE(cmpl->blk->signal)))
		return -EBUSY;
	/* The signal is read before the flags and the data it covers. */
	dma_rmb();
	if (le32_to_cpu(READ_ONCE(cmpl->blk->flags)) & SDXI_CST_BLK_ER)
		return -EIO;
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_cmpl_poll);

/**
 * sdxi_cmpl_wait() - wait, sleeping, for a completion block's signal
 * @cmpl: the block, armed by sdxi_cxt_submit()
 * @ms: how long at most
 *
 * Return: as sdxi_cmpl_poll(), or -ETIMEDOUT.
 */
int sdxi_cmpl_wait(struct sdxi_cmpl *cmpl, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	int ret;

	while ((ret = sdxi_cmpl_poll(cmpl)) == -EBUSY) {
		if (time_after(jiffies, end))
			return -ETIMEDOUT;
		usleep_range(20, 100);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(sdxi_cmpl_wait);

/**
 * sdxi_cxt_submit() - hand reserved, encoded descriptors to the function
 * @cxt: the context
 * @resv: the reservation from sdxi_cxt_reserve(), every slot encoded
 * @cmpl: a completion block the last descriptor signals, or NULL
 *
 * Arms @cmpl, sets VL in the slots and rings the doorbell once.
 *
 * Return: 0, or -EINVAL for a misaligned completion block.
 */
int sdxi_cxt_submit(struct sdxi_cxt *cxt, const struct sdxi_ring_resv *resv,
		    struct sdxi_cmpl *cmpl)
{
	u64 db;
	int err;

	if (cmpl) {
		struct sdxi_desc *last;

		last = sdxi_ring_desc(&cxt->ring, resv->index + resv->nr - 1);
		err = sdxi_desc_set_csb(last, cmpl->dma);
		if (err)
			return err;
		WRITE_ONCE(cmpl->blk->flags, 0);
		WRITE_ONCE(cmpl->blk->signal, cpu_to_le64(1));
	}
	db = sdxi_ring_publish(&cxt->ring, resv);
	sdxi_cxt_doorbell(cxt, db);
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_cxt_submit);

/**
 * sdxi_cmpl_arm() - make a completion block wait for several descriptors
 * @cmpl: the block
 * @count: how many descriptors name it; each decrements its signal
 *
 * For descriptors given the block with sdxi_desc_set_csb() and published
 * with sdxi_cxt_post(): the block reads as done once all @count have
 * completed.  Call before publishing them.
 */
void sdxi_cmpl_arm(struct sdxi_cmpl *cmpl, u32 count)
{
	WRITE_ONCE(cmpl->blk->flags, 0);
	WRITE_ONCE(cmpl->blk->signal, cpu_to_le64(count));
}
EXPORT_SYMBOL_GPL(sdxi_cmpl_arm);

/**
 * sdxi_cxt_post() - publish reserved, encoded descriptors, no doorbell
 * @cxt: the context
 * @resv: the reservation, every slot encoded
 *
 * Sets VL in the slots.  The function may find them on its own; ring the
 * doorbell with sdxi_cxt_kick() so that it must.
 */
void sdxi_cxt_post(struct sdxi_cxt *cxt, const struct sdxi_ring_resv *resv)
{
	sdxi_ring_publish(&cxt->ring, resv);
}
EXPORT_SYMBOL_GPL(sdxi_cxt_post);

/**
 * sdxi_cxt_kick() - ring a context's doorbell
 * @cxt: the context
 *
 * Writes the highest index published so far.  Needs no lock.
 */
void sdxi_cxt_kick(struct sdxi_cxt *cxt)
{
	sdxi_cxt_doorbell(cxt, atomic64_read(&cxt->ring.doorbell));
}
EXPORT_SYMBOL_GPL(sdxi_cxt_kick);

/**
 * sdxi_cxt_space() - how many descriptors a context's ring can take now
 * @cxt: the context; reservations serialised by the caller
 *
 * Return: the ring size minus the descriptors the function has not
 * consumed yet.
 */
u32 sdxi_cxt_space(struct sdxi_cxt *cxt)
{
	u64 rd = le64_to_cpu(READ_ONCE(cxt->mem.sts->read_index));

	if (rd > cxt->ring.widx)
		return 0;
	return cxt->ring.entries - min_t(u64, cxt->ring.widx - rd,
					 cxt->ring.entries);
}
EXPORT_SYMBOL_GPL(sdxi_cxt_space);

/**
 * sdxi_cxt_cancel() - turn what a stopped context has not run into Nops
 * @cxt: the context, stopped by software or by an error
 *
 * Every published descriptor from the read index on becomes a Nop without
 * a completion block, so that a restarted context does none of that work
 * and signals nothing for it; reserved, unpublished slots are left alone.
 * The caller serialises this against reservations and publications.
 *
 * Return: 0, or -EBUSY for a context that is running.
 */
int sdxi_cxt_cancel(struct sdxi_cxt *cxt)
{
	u64 rd = le64_to_cpu(READ_ONCE(cxt->mem.sts->read_index));
	u32 state = sdxi_cxt_state(cxt);

	if (state == SDXI_CXT_RUN)
		return -EBUSY;
	for (; rd < cxt->ring.widx; rd++) {
		struct sdxi_desc *desc = sdxi_ring_desc(&cxt->ring, rd);

		if (!(le32_to_cpu(READ_ONCE(desc->opcode)) & SDXI_DSC_VL))
			continue;
		WRITE_ONCE(desc->opcode, 0);
		dma_wmb();
		sdxi_encode_nop(desc, 0);
		sdxi_desc_publish(desc);
	}
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_cxt_cancel);

/**
 * sdxi_cxt_set_notify() - call a function on a context's interrupts
 * @cxt: the context
 * @notify: called, from interrupt context, on each of the context's
 *	interrupts and on each error interrupt of its function; or NULL
 * @data: passed to @notify
 *
 * Once this returns with @notify NULL, no call is running any more.
 */
void sdxi_cxt_set_notify(struct sdxi_cxt *cxt, sdxi_cxt_notify_fn notify,
			 void *data)
{
	spin_lock_irq(&cxt->fn->cxt_lock);
	cxt->notify = notify;
	cxt->notify_data = data;
	spin_unlock_irq(&cxt->fn->cxt_lock);
}
EXPORT_SYMBOL_GPL(sdxi_cxt_set_notify);

/**
 * sdxi_cxt_reserve() - take descriptor slots on a context's ring
 * @cxt: the context
 * @nr: how many
 * @resv: the reservation
 *
 * Return: as sdxi_ring_reserve().
 */
int sdxi_cxt_reserve(struct sdxi_cxt *cxt, u32 nr,
		     struct sdxi_ring_resv *resv)
{
	unsigned long flags;
	int ret;

	/* Callers reserve from process context and from softirqs. */
	spin_lock_irqsave(&cxt->lock, flags);
	ret = sdxi_ring_reserve(&cxt->ring, nr, resv);
	spin_unlock_irqrestore(&cxt->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(sdxi_cxt_reserve);

/**
 * sdxi_cxt_desc() - the slot of a reserved ring index
 * @cxt: the context
 * @index: sdxi_ring_resv.index + i
 *
 * Return: the descriptor to encode.
 */
struct sdxi_desc *sdxi_cxt_desc(struct sdxi_cxt *cxt, u64 index)
{
	return sdxi_ring_desc(&cxt->ring, index);
}
EXPORT_SYMBOL_GPL(sdxi_cxt_desc);

/* One admin command, waited for through the admin completion block. */
static int sdxi_admin_run(struct sdxi_fn *fn, struct sdxi_desc *cmd)
{
	struct sdxi_ring_resv resv;
	int err;

	mutex_lock(&fn->admin_mutex);
	if (!fn->active) {
		err = -ENODEV;
		goto out;
	}
	/* A function in ERROR runs no context, the admin one included. */
	if (sdxi_fn_gsv(fn) == SDXI_GSV_ERROR) {
		err = -EIO;
		goto out;
	}
	/*
	 * A command that timed out is still on the ring and still names the
	 * completion block: the next may only go once the function is done
	 * with it, or its late signal would end the next one early.
	 */
	if (fn->admin_late) {
		if (sdxi_cmpl_poll(&fn->admin_cmpl) == -EBUSY) {
			err = -ETIMEDOUT;
			goto out;
		}
		fn->admin_late = false;
	}
	err = sdxi_cxt_reserve(&fn->admin, 1, &resv);
	if (err)
		goto out;
	*sdxi_cxt_desc(&fn->admin, resv.index) = *cmd;
	err = sdxi_cxt_submit(&fn->admin, &resv, &fn->admin_cmpl);
	if (err)
		goto out;
	err = sdxi_cmpl_wait(&fn->admin_cmpl, SDXI_ADMIN_TIMEOUT_MS);
	if (err == -EIO)
		sdxi_fn_drain_errlog(fn);
	else if (err == -ETIMEDOUT)
		fn->admin_late = true;
out:
	mutex_unlock(&fn->admin_mutex);
	return err;
}

/**
 * sdxi_fn_sync() - an admin Sync over every context
 * @fn: the function
 *
 * Return: 0, -EIO when the function failed it, -ETIMEDOUT.
 */
int sdxi_fn_sync(struct sdxi_fn *fn)
{
	struct sdxi_desc cmd;
	int err;

	err = sdxi_encode_sync(&cmd, 0, SDXI_SYNC_CXT, 0,
			       SDXI_L1_TABLE_ENTRIES - 1);
	return err ?: sdxi_admin_run(fn, &cmd);
}
EXPORT_SYMBOL_GPL(sdxi_fn_sync);

/**
 * sdxi_cxt_create() - a client context with its own ring, not started
 * @fn: the active function
 * @entries: ring size in descriptors, SDXI_RING_MIN_ENTRIES to the
 *	function's maximum
 *
 * Return: the context, or an ERR_PTR(): -EINVAL, -ENOSPC when all context
 * numbers are taken, -ENOMEM.
 */
struct sdxi_cxt *sdxi_cxt_create(struct sdxi_fn *fn, u32 entries)
{
	u32 max_cxt = FIELD_GET(SDXI_CTL2_MAX_CXT,
				sdxi_read(fn, SDXI_MMIO_CTL2));
	struct sdxi_cxt *cxt;
	int id, err;

	if (!fn->active)
		return ERR_PTR(-ENODEV);
	if (entries < SDXI_RING_MIN_ENTRIES || entries > fn->max_ring)
		return ERR_PTR(-EINVAL);
	cxt = kzalloc(sizeof(*cxt), GFP_KERNEL);
	if (!cxt)
		return ERR_PTR(-ENOMEM);
	cxt->fn = fn;
	cxt->opb = fn->opb & ~SDXI_OPB_000(SDXI_DSC_TYPE_ADMIN);
	spin_lock_init(&cxt->lock);
	init_waitqueue_head(&cxt->irq_wait);
	err = sdxi_cxt_mem_alloc(fn, &cxt->mem, entries);
	if (err)
		goto free;

	spin_lock_irq(&fn->cxt_lock);
	for (id = 1; id <= max_cxt && id <= SDXI_FN_MAX_CXT; id++)
		if (!fn->cxt[id])
			break;
	if (id > max_cxt || id > SDXI_FN_MAX_CXT) {
		spin_unlock_irq(&fn->cxt_lock);
		err = -ENOSPC;
		goto free_mem;
	}
	cxt->id = id;
	fn->cxt[id] = cxt;
	spin_unlock_irq(&fn->cxt_lock);

	cxt->db = fn->db + id * fn->db_stride;
	sdxi_cxt_publish(cxt, SDXI_CXT_STOP_SW);
	return cxt;

free_mem:
	sdxi_cxt_mem_free(fn, &cxt->mem);
free:
	kfree(cxt);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(sdxi_cxt_create);

/**
 * sdxi_cxt_set_groups() - the operation groups a stopped context may use
 * @cxt: the context, stopped
 * @opb: an OPB_000 map (SDXI_OPB_000() of each group)
 *
 * Groups the function does not offer, and Admin, are left out.  The new
 * L1 entry is followed by a Sync, so no stale copy of it stays cached.
 *
 * Return: 0, -EBUSY for a context not stopped, or as
 * sdxi_fn_sync().
 */
int sdxi_cxt_set_groups(struct sdxi_cxt *cxt, u32 opb)
{
	struct sdxi_fn *fn = cxt->fn;

	u32 state = sdxi_cxt_state(cxt);

	if (state != SDXI_CXT_STOP_SW && state != SDXI_CXT_STOP_FN &&
	    state != SDXI_CXT_ERR_FN)
		return -EBUSY;
	cxt->opb = opb & fn->opb & ~SDXI_OPB_000(SDXI_DSC_TYPE_ADMIN);
	WRITE_ONCE(fn->l1[cxt->id].opb_000_enb, cpu_to_le32(cxt->opb));
	dma_wmb();
	return sdxi_fn_sync(fn);
}
EXPORT_SYMBOL_GPL(sdxi_cxt_set_groups);

/**
 * sdxi_cxt_state() - a context's state as the function reports it
 * @cxt: the context
 *
 * Return: CXT_STS.state, an enum sdxi_cxt_state.
 */
u32 sdxi_cxt_state(struct sdxi_cxt *cxt)
{
	return FIELD_GET(SDXI_CXT_STS_STATE, READ_ONCE(cxt->mem.sts->state));
}
EXPORT_SYMBOL_GPL(sdxi_cxt_state);

/**
 * sdxi_cxt_id() - a context's number
 * @cxt: the context
 *
 * Return: its number, 1 to 127.
 */
u16 sdxi_cxt_id(const struct sdxi_cxt *cxt)
{
	return cxt->id;
}
EXPORT_SYMBOL_GPL(sdxi_cxt_id);

/**
 * sdxi_cxt_intr_akey() - the AKey an Intr descriptor on a context names
 * @cxt: the context
 *
 * Its interrupt reaches the context's waiters (sdxi_cxt_wait_irq()).
 *
 * Return: the AKey index.
 */
u16 sdxi_cxt_intr_akey(const struct sdxi_cxt *cxt)
{
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_cxt_intr_akey);

/*
 * A context stopped by an error stays at the failing descriptor.  That one
 * has signalled its completion block already: a Nop without one takes its
 * place so the context resumes after it.
 */
static void sdxi_cxt_skip_failed(struct sdxi_cxt *cxt)
{
	u64 rd = le64_to_cpu(READ_ONCE(cxt->mem.sts->read_index));
	struct sdxi_desc *desc;

	if (rd >= le64_to_cpu(READ_ONCE(*cxt->mem.widx)))
		return;
	desc = sdxi_ring_desc(&cxt->ring, rd);
	WRITE_ONCE(desc->opcode, 0);
	dma_wmb();
	sdxi_encode_nop(desc, 0);
	sdxi_desc_publish(desc);
}

/**
 * sdxi_cxt_start() - start (or restart after an error) a context
 * @cxt: the context
 *
 * Return: 0, -EIO when the function refused or did not run it, -ETIMEDOUT.
 */
int sdxi_cxt_start(struct sdxi_cxt *cxt)
{
	struct sdxi_desc cmd;
	int err;

	if (sdxi_cxt_state(cxt) == SDXI_CXT_RUN)
		return 0;
	if (sdxi_cxt_state(cxt) == SDXI_CXT_ERR_FN)
		sdxi_cxt_skip_failed(cxt);
	err = sdxi_encode_cxt_start(&cmd, cxt->id, cxt->id,
				    le64_to_cpu(READ_ONCE(*cxt->mem.widx)));
	if (!err)
		err = sdxi_admin_run(cxt->fn, &cmd);
	if (err)
		return err;
	if (sdxi_cxt_state(cxt) != SDXI_CXT_RUN) {
		dev_err(cxt->fn->dev, "context %u: state %u after start\n",
			cxt->id, sdxi_cxt_state(cxt));
		return -EIO;
	}
	/* Work published while it was stopped. */
	sdxi_cxt_doorbell(cxt, atomic64_read(&cxt->ring.doorbell));
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_cxt_start);

/**
 * sdxi_cxt_stop() - stop a context
 * @cxt: the context
 *
 * Return: 0, -EIO when the function refused it, -ETIMEDOUT.
 */
int sdxi_cxt_stop(struct sdxi_cxt *cxt)
{
	struct sdxi_desc cmd;
	u32 state = sdxi_cxt_state(cxt);
	int err;

	if (state == SDXI_CXT_STOP_SW || state == SDXI_CXT_ERR_FN)
		return 0;
	err = sdxi_encode_cxt_stop(&cmd, 0, cxt->id, cxt->id);
	if (!err)
		err = sdxi_admin_run(cxt->fn, &cmd);
	if (err)
		return err;
	state = sdxi_cxt_state(cxt);
	if (state != SDXI_CXT_STOP_SW && state != SDXI_CXT_STOP_FN) {
		dev_err(cxt->fn->dev, "context %u: state %u after stop\n",
			cxt->id, state);
		return -EIO;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_cxt_stop);

/**
 * sdxi_cxt_destroy() - stop a context and free it
 * @cxt: the context, or NULL
 *
 * A context that does not stop while its function is active may still run:
 * it is kept, its memory valid, until sdxi_fn_stop() has reset the
 * function.  Either way the caller must not use @cxt any more.
 */
void sdxi_cxt_destroy(struct sdxi_cxt *cxt)
{
	struct sdxi_fn *fn;

	if (!cxt)
		return;
	fn = cxt->fn;
	/* A function stopped meanwhile has let go of its tables already. */
	if (fn->active) {
		if (sdxi_cxt_stop(cxt) &&
		    sdxi_fn_gsv(fn) == SDXI_GSV_ACTIVE) {
			/*
			 * It may still run: its ring, status and the memory
			 * its descriptors name must outlive that, so it stays
			 * until sdxi_fn_stop() has reset the function.
			 */
			dev_err(fn->dev,
				"context %u did not stop: kept until the function stops\n",
				cxt->id);
			cxt->stuck = true;
			return;
		}
		sdxi_cxt_unpublish(cxt);
		/* The function may have cached the entry: a Sync drops it. */
		if (sdxi_fn_sync(fn))
			dev_warn(fn->dev, "sync after context %u failed\n",
				 cxt->id);
	}
	spin_lock_irq(&fn->err_lock);
	spin_lock(&fn->cxt_lock);
	fn->cxt[cxt->id] = NULL;
	spin_unlock(&fn->cxt_lock);
	spin_unlock_irq(&fn->err_lock);
	sdxi_cxt_mem_free(fn, &cxt->mem);
	kfree(cxt);
}
EXPORT_SYMBOL_GPL(sdxi_cxt_destroy);

/**
 * sdxi_cxt_stats() - a snapshot of a context's interrupts and errors
 * @cxt: the context
 * @stats: where it goes
 */
void sdxi_cxt_stats(struct sdxi_cxt *cxt, struct sdxi_cxt_stats *stats)
{
	unsigned long flags;

	sdxi_fn_drain_errlog(cxt->fn);
	stats->irqs = atomic64_read(&cxt->irqs);
	spin_lock_irqsave(&cxt->fn->err_lock, flags);
	stats->errors = cxt->errors;
	stats->last_err_class = cxt->last_err_class;
	stats->last_err_index = cxt->last_err_index;
	spin_unlock_irqrestore(&cxt->fn->err_lock, flags);
}
EXPORT_SYMBOL_GPL(sdxi_cxt_stats);

/**
 * sdxi_cxt_wait_irq() - wait for a context's interrupt count to pass a value
 * @cxt: the context
 * @seen: the count already seen (sdxi_cxt_stats())
 * @ms: how long at most
 *
 * Return: 0, or -ETIMEDOUT.
 */
int sdxi_cxt_wait_irq(struct sdxi_cxt *cxt, u64 seen, unsigned int ms)
{
	long left;

	left = wait_event_timeout(cxt->irq_wait,
				  (u64)atomic64_read(&cxt->irqs) > seen,
				  msecs_to_jiffies(ms));
	return left ? 0 : -ETIMEDOUT;
}
EXPORT_SYMBOL_GPL(sdxi_cxt_wait_irq);

/**
 * sdxi_fn_drain_errlog() - consume the function's error log
 * @fn: the function
 *
 * Counts each entry against the context it names and logs it; entries for
 * no known context are counted against the function.  Callable from the
 * error interrupt.
 *
 * Return: the number of entries consumed.
 */
unsigned int sdxi_fn_drain_errlog(struct sdxi_fn *fn)
{
	unsigned int n = 0;
	unsigned long flags;
	u64 sts, wr, rd;

	spin_lock_irqsave(&fn->err_lock, flags);
	if (!fn->errlog)
		goto out;
	sts = sdxi_read(fn, SDXI_MMIO_ERR_STS);
	wr = sdxi_read(fn, SDXI_MMIO_ERR_WRT);
	rd = sdxi_read(fn, SDXI_MMIO_ERR_RD);
	/* Entries are read only after the count that covers them. */
	dma_rmb();
	for (; rd < wr; rd++, n++) {
		struct sdxi_errlog_ent *ent =
			&fn->errlog[rd % SDXI_ERRLOG_ENTRIES];
		u16 id, class;
		u64 index;
		struct sdxi_cxt *cxt = NULL;

		/* Counted but not yet valid: the next drain takes it. */
		if (!(le32_to_cpu(READ_ONCE(ent->opcode)) & SDXI_ERRLOG_VL)) {
			dev_warn_ratelimited(fn->dev,
					     "error log entry %llu of %llu counted before it is valid\n",
					     rd, wr);
			break;
		}
		dma_rmb();
		id = le16_to_cpu(READ_ONCE(ent->cxt_num));
		class = le16_to_cpu(READ_ONCE(ent->err_class));
		index = le64_to_cpu(READ_ONCE(ent->dsc_index));
		/* The slot's next lap must not look valid early. */
		WRITE_ONCE(ent->opcode, 0);

		if (id == SDXI_ADMIN_CXT_NUM)
			cxt = &fn->admin;
		else if (id <= SDXI_FN_MAX_CXT)
			cxt = fn->cxt[id];
		dev_err_ratelimited(fn->dev,
				    "context %u: error class %u at descriptor %llu\n",
				    id, class, index);
		if (!cxt) {
			fn->unclaimed_errors++;
			continue;
		}
		cxt->errors++;
		cxt->last_err_class = class;
		cxt->last_err_index = index;
	}
	sdxi_write(fn, SDXI_MMIO_ERR_RD, rd);
	/* ERR_STS stays set until reset: report what is new in it. */
	if (sts & ~fn->err_sts & SDXI_ERR_STS_OVF)
		dev_err(fn->dev, "error log overflowed\n");
	fn->err_sts = sts;
out:
	spin_unlock_irqrestore(&fn->err_lock, flags);
	return n;
}
EXPORT_SYMBOL_GPL(sdxi_fn_drain_errlog);

/**
 * sdxi_fn_err_irqs() - how many error interrupts a function has raised
 * @fn: the function
 *
 * Return: the count since sdxi_fn_create().
 */
u64 sdxi_fn_err_irqs(struct sdxi_fn *fn)
{
	return atomic64_read(&fn->err_irqs);
}
EXPORT_SYMBOL_GPL(sdxi_fn_err_irqs);

/**
 * sdxi_fn_irq() - a front's interrupt, forwarded
 * @fn: the function
 * @vector: the interrupt number; 0 is the error vector
 *
 * A context's interrupt calls its notifier; the error vector drains the
 * error log and calls every context's notifier.  Does not sleep.
 */
void sdxi_fn_irq(struct sdxi_fn *fn, unsigned int vector)
{
	struct sdxi_cxt *cxt;
	unsigned long flags;

	unsigned int i;

	if (vector == SDXI_ERR_VECTOR) {
		atomic64_inc(&fn->err_irqs);
		sdxi_fn_drain_errlog(fn);
		/* Rare: every context's user looks at its own state. */
		spin_lock_irqsave(&fn->cxt_lock, flags);
		for (i = 1; i <= SDXI_FN_MAX_CXT; i++) {
			cxt = fn->cxt[i];
			if (cxt && cxt->notify)
				cxt->notify(cxt, cxt->notify_data);
		}
		spin_unlock_irqrestore(&fn->cxt_lock, flags);
		return;
	}
	if (vector > SDXI_FN_MAX_CXT)
		return;
	spin_lock_irqsave(&fn->cxt_lock, flags);
	cxt = fn->cxt[vector];
	if (cxt) {
		atomic64_inc(&cxt->irqs);
		wake_up(&cxt->irq_wait);
		if (cxt->notify)
			cxt->notify(cxt, cxt->notify_data);
	}
	spin_unlock_irqrestore(&fn->cxt_lock, flags);
}
EXPORT_SYMBOL_GPL(sdxi_fn_irq);
