// SPDX-License-Identifier: GPL-2.0
/*
 * A functional model of an SDXI 1.0 function: a register file and a doorbell
 * area in kernel memory, exposed as the "sdxi-model" platform device, and an
 * engine thread that does what the specification asks of a function.  It
 * reads the context tables, rings and write indexes from memory at the
 * physical addresses software gave it, executes descriptors, writes
 * completion blocks, advances read indexes, raises interrupts through a
 * callback and logs errors.
 *
 * Written from the specification's layouts and rules, not from the driver's
 * code, so that the two can disagree and the tests catch it: every field is
 * read here by its byte offset and bit position.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitfield.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "sdxi_model.h"

/* MMIO register offsets and the fields the model reads or advertises. */
#define REG_CTL0		0x00000
#define   CTL0_GSR		GENMASK_ULL(1, 0)
#define   CTL0_ERR_INTR_EN	BIT_ULL(4)
#define REG_CTL2		0x00010
#define REG_STS0		0x00100
#define   STS0_GSV		GENMASK_ULL(2, 0)
#define REG_CAP0		0x00200
#define   CAP0_DB_STRIDE	GENMASK_ULL(22, 20)
#define   CAP0_MAX_DS_RING_SZ	GENMASK_ULL(28, 24)
#define REG_CAP1		0x00208
#define   CAP1_MAX_BUFFER	GENMASK_ULL(3, 0)
#define   CAP1_MAX_ERRLOG_SZ	GENMASK_ULL(11, 8)
#define   CAP1_MAX_AKEY_SZ	GENMASK_ULL(15, 12)
#define   CAP1_MAX_CXT		GENMASK_ULL(31, 16)
#define   CAP1_OPB_000_CAP	GENMASK_ULL(63, 32)
#define REG_VERSION		0x00210
#define   VERSION_MINOR		GENMASK_ULL(7, 0)
#define   VERSION_MAJOR		GENMASK_ULL(23, 16)
#define REG_CXT_L2		0x10000
#define   CXT_L2_PTR		GENMASK_ULL(63, 12)
#define REG_ERR_CTL		0x20000
#define REG_ERR_STS		0x20008
#define   ERR_STS_STS		BIT_ULL(0)
#define   ERR_STS_OVF		BIT_ULL(1)
#define   ERR_STS_ERR		BIT_ULL(3)
#define REG_ERR_CFG		0x20010
#define   ERR_CFG_EN		BIT_ULL(0)
#define   ERR_CFG_SZ		GENMASK_ULL(5, 1)
#define   ERR_CFG_PTR		GENMASK_ULL(63, 12)
#define REG_ERR_WRT		0x20020
#define REG_ERR_RD		0x20028
#define REGS_LEN		(REG_ERR_RD + SZ_4K)

/* Function states: requested (GSR) and current (GSV). */
#define GSR_RESET		0
#define GSR_STOP_SF		1
#define GSR_STOP_HD		2
#define GSR_ACTIVE		3
#define GSV_STOP		0
#define GSV_ACTIVE		2
#define GSV_ERROR		5

/* What the model advertises. */
#define MODEL_MAX_CXT		127
#define MODEL_DB_STRIDE		SZ_4K		/* CAP0.DB_STRIDE 0 */
#define MODEL_RING_SZ_FIELD	4		/* up to 16K descriptors */
#define MODEL_MAX_RING_SZ	(1024U << MODEL_RING_SZ_FIELD)
#define MODEL_MAX_BUFFER	11
#define MODEL_MAX_ERRLOG_SZ	4
#define MODEL_MAX_AKEY_SZ	4
/*
 * Descriptors one context runs before the engine serves the others: the
 * admin context must not wait behind a client that keeps its ring fed.
 */
#define MODEL_BURST		4

/* Operation groups (TYPE) and the bit each has in an OPB_000 map. */
#define TYPE_DMABASE		0x001
#define TYPE_ADMIN		0x002
#define TYPE_INTR		0x004
#define MODEL_OPB_000		(BIT(TYPE_DMABASE) | BIT(TYPE_ADMIN) | \
				 BIT(TYPE_INTR))

/* Memory structures: entry sizes and field positions. */
#define L2_ENT_SIZE		8
#define L2_VL			BIT_ULL(0)
#define L2_PTR			GENMASK_ULL(63, 12)
#define L1_ENT_SIZE		32
#define L1_CXT_CTL_VL		BIT_ULL(0)
#define L1_CXT_CTL_PTR		GENMASK_ULL(63, 6)
#define L1_AKEY_SZ		GENMASK_ULL(3, 0)
#define L1_AKEY_PTR		GENMASK_ULL(63, 12)
#define L1_OPB_000_ENB		20
#define CXT_CTL_SIZE		64
#define CTL_RING_VL		BIT_ULL(0)
#define CTL_RING_PTR		GENMASK_ULL(63, 6)
#define CTL_RING_SZ		8
#define CTL_STS_PTR		16
#define CTL_WIDX_PTR		24
#define STS_STATE		GENMASK(3, 0)
#define STS_READ_INDEX		8
#define CXT_STOP_SW		0x0
#define CXT_RUN			0x1
#define CXT_ERR_FN		0xf
#define AKEY_ENT_SIZE		16
#define AKEY_VL			BIT(0)
#define AKEY_IV			BIT(1)
#define AKEY_INTR_NUM		GENMASK(14, 4)
#define ERRLOG_ENT_SIZE		64
#define CSB_ER			BIT(31)

/* The descriptor: opcode word, body offsets, completion pointer. */
#define DESC_SIZE		64
#define DESC_VL			BIT(0)
#define DESC_SUBTYPE		GENMASK(15, 8)
#define DESC_TYPE		GENMASK(26, 16)
#define DESC_CSB_PTR		56
#define DESC_CSB_NP		BIT_ULL(0)
#define DESC_CSB_ADDR		GENMASK_ULL(63, 5)

/*
 * Error classes the model writes in an error log entry's err_class.  The
 * reference layouts name the field but not its codes; these are the model's.
 */
enum model_err {
	MODEL_OK,
	MODEL_ERR_DESC,		/* invalid TYPE, SUBTYPE or field */
	MODEL_ERR_OPB,		/* operation group not enabled */
	MODEL_ERR_ADDR,		/* not RAM, or misaligned */
	MODEL_ERR_OVERRUN,	/* write index past read index + ring size */
	MODEL_ERR_CXT,		/* invalid context table entry */
	MODEL_ERR_FN,		/* function error: no context, no descriptor */
};

/* The context number a function error's log entry carries: none. */
#define MODEL_NO_CXT		0xffff

struct model_cxt {
	u16 num;
	u32 opb_enb;
	phys_addr_t akeys;
	u32 nr_akeys;
	phys_addr_t ring;
	u32 ring_sz;
	phys_addr_t sts;
	phys_addr_t widx;
};

struct sdxi_model {
	struct platform_device *pdev;
	u8 *regs;
	u8 *doorbells;
	struct task_struct *engine;
	spinlock_t irq_lock;		/* irq_fn and irq_data */
	sdxi_model_irq_fn irq_fn;
	void *irq_data;
	u64 last_gsr;
	bool unreset;			/* stopped by STOP_SF/HD, not reset */
	DECLARE_BITMAP(pending, MODEL_MAX_CXT + 1);
	/* Fault injection: set by software, consumed by the engine. */
	atomic_t fail_descs;
	atomic_t drop_irqs;
	bool stall;
	atomic_t fn_error;
	struct dentry *debugfs;
	/* Statistics. */
	atomic64_t descs;
	atomic64_t irqs;
	atomic64_t irqs_dropped;
	atomic64_t faults_injected;
};

static struct sdxi_model model;

/* An unrung doorbell holds all-ones: no 64-bit write index reaches it. */
#define DB_IDLE			U64_MAX

static u64 reg_read(struct sdxi_model *m, unsigned int off)
{
	return le64_to_cpu(READ_ONCE(*(__le64 *)(m->regs + off)));
}

static void reg_write(struct sdxi_model *m, unsigned int off, u64 val)
{
	WRITE_ONCE(*(__le64 *)(m->regs + off), cpu_to_le64(val));
}

static void reg_set(struct sdxi_model *m, unsigned int off, u64 bits)
{
	reg_write(m, off, reg_read(m, off) | bits);
}

/* Guest memory: physical addresses, RAM only, one page mapped at a time. */
static bool mem_page_ok(unsigned long pfn)
{
	return pfn_valid(pfn) && page_is_ram(pfn);
}

static bool mem_range_ok(phys_addr_t addr, u64 len)
{
	unsigned long pfn, last;

	if (!len)
		return true;
	if (addr + len - 1 < addr)
		return false;
	last = PHYS_PFN(addr + len - 1);
	for (pfn = PHYS_PFN(addr); pfn <= last; pfn++) {
		if (!mem_page_ok(pfn))
			return false;
		if (!((pfn - PHYS_PFN(addr)) % 256))
			cond_resched();
	}
	return true;
}

static int mem_xfer(phys_addr_t addr, void *buf, size_t len, bool write)
{
	u8 *p = buf;

	if (!mem_range_ok(addr, len))
		return -EFAULT;
	while (len) {
		size_t off = offset_in_page(addr);
		size_t n = min_t(size_t, len, PAGE_SIZE - off);
		u8 *va = kmap_local_pfn(PHYS_PFN(addr));

		if (write)
			memcpy(va + off, p, n);
		else
			memcpy(p, va + off, n);
		kunmap_local(va);
		addr += n;
		p += n;
		len -= n;
	}
	return 0;
}

static int mem_read(phys_addr_t addr, void *buf, size_t len)
{
	return mem_xfer(addr, buf, len, false);
}

static int mem_write(phys_addr_t addr, const void *buf, size_t len)
{
	return mem_xfer(addr, (void *)buf, len, true);
}

/* Naturally aligned 8-byte fields are read and written in one access. */
static int mem_read64(phys_addr_t addr, u64 *val)
{
	u8 *va;

	if ((addr & 7) || !mem_page_ok(PHYS_PFN(addr)))
		return -EFAULT;
	va = kmap_local_pfn(PHYS_PFN(addr));
	*val = le64_to_cpu(READ_ONCE(*(__le64 *)(va + offset_in_page(addr))));
	kunmap_local(va);
	return 0;
}

static int mem_write64(phys_addr_t addr, u64 val)
{
	u8 *va;

	if ((addr & 7) || !mem_page_ok(PHYS_PFN(addr)))
		return -EFAULT;
	va = kmap_local_pfn(PHYS_PFN(addr));
	WRITE_ONCE(*(__le64 *)(va + offset_in_page(addr)), cpu_to_le64(val));
	kunmap_local(va);
	return 0;
}

static int mem_copy(phys_addr_t dst, phys_addr_t src, u64 len)
{
	if (!mem_range_ok(src, len) || !mem_range_ok(dst, len))
		return -EFAULT;
	while (len) {
		size_t soff = offset_in_page(src), doff = offset_in_page(dst);
		size_t n = min_t(u64, len, PAGE_SIZE - max(soff, doff));
		u8 *s = kmap_local_pfn(PHYS_PFN(src));
		u8 *d = kmap_local_pfn(PHYS_PFN(dst));

		memmove(d + doff, s + soff, n);
		kunmap_local(d);
		kunmap_local(s);
		src += n;
		dst += n;
		len -= n;
		if (!offset_in_page(dst))
			cond_resched();
	}
	return 0;
}

static u16 get16(const u8 *b, unsigned int off)
{
	return b[off] | b[off + 1] << 8;
}

static u32 get32(const u8 *b, unsigned int off)
{
	return get16(b, off) | (u32)get16(b, off + 2) << 16;
}

static u64 get64(const u8 *b, unsigned int off)
{
	return get32(b, off) | (u64)get32(b, off + 4) << 32;
}

static void put16(u8 *b, unsigned int off, u16 v)
{
	b[off] = v;
	b[off + 1] = v >> 8;
}

static void put32(u8 *b, unsigned int off, u32 v)
{
	put16(b, off, v);
	put16(b, off + 2, v >> 16);
}

static void put64(u8 *b, unsigned int off, u64 v)
{
	put32(b, off, v);
	put32(b, off + 4, v >> 32);
}

static void model_raise(struct sdxi_model *m, unsigned int vector)
{
	spin_lock(&m->irq_lock);
	if (m->irq_fn) {
		m->irq_fn(m->irq_data, vector);
		atomic64_inc(&m->irqs);
	}
	spin_unlock(&m->irq_lock);
}

/* Takes one from an injection count; true if there was one to take. */
static bool model_fault_take(struct sdxi_model *m, atomic_t *count)
{
	if (atomic_dec_if_positive(count) < 0)
		return false;
	atomic64_inc(&m->faults_injected);
	return true;
}

static int cxt_set_state(struct model_cxt *c, u8 state)
{
	u8 b;

	if (mem_read(c->sts, &b, 1))
		return -EFAULT;
	b = (b & ~STS_STATE) | state;
	return mem_write(c->sts, &b, 1);
}

static int cxt_state(struct model_cxt *c, u8 *state)
{
	if (mem_read(c->sts, state, 1))
		return -EFAULT;
	*state &= STS_STATE;
	return 0;
}

/*
 * Record an error: a log entry if the log is enabled and has room, ERR_STS,
 * and the context stopped in ERR_FN if it got that far.  All of it is
 * visible before the caller signals a completion block or raises the error
 * vector: software waits on either and then reads the rest.
 */
static void model_error_record(struct sdxi_model *m, struct model_cxt *c,
			       u16 num, u64 index, enum model_err err)
{
	u64 cfg = reg_read(m, REG_ERR_CFG);

	pr_debug("context %u, descriptor %llu: error %d\n", num, index, err);
	if (cfg & ERR_CFG_EN) {
		u64 entries = 64ULL << FIELD_GET(ERR_CFG_SZ, cfg);
		u64 wrt = reg_read(m, REG_ERR_WRT);
		u64 rd = reg_read(m, REG_ERR_RD);
		u8 ent[ERRLOG_ENT_SIZE] = {};

		put32(ent, 0, 1);		/* VL */
		put16(ent, 6, num);
		put64(ent, 8, index);
		put16(ent, 44, err);
		if (wrt - rd >= entries) {
			reg_set(m, REG_ERR_STS, ERR_STS_OVF);
		} else if (!mem_write((cfg & ERR_CFG_PTR) +
				      (wrt % entries) * ERRLOG_ENT_SIZE,
				      ent, sizeof(ent))) {
			/* The entry is in memory before ERR_WRT counts it. */
			wmb();
			reg_write(m, REG_ERR_WRT, wrt + 1);
			reg_set(m, REG_ERR_STS, ERR_STS_STS);
		}
	}
	reg_set(m, REG_ERR_STS, ERR_STS_ERR);
	if (c)
		cxt_set_state(c, CXT_ERR_FN);
	/* Log, ERR_STS and context state before any signal of the error. */
	wmb();
}

/* The error vector, raised after the error is recorded and signalled. */
static void model_error_raise(struct sdxi_model *m)
{
	if (reg_read(m, REG_CTL0) & CTL0_ERR_INTR_EN)
		model_raise(m, SDXI_MODEL_ERR_VECTOR);
}

/* An error no completion block reports: record it, then raise it. */
static void model_error(struct sdxi_model *m, struct model_cxt *c, u16 num,
			u64 index, enum model_err err)
{
	model_error_record(m, c, num, index, err);
	model_error_raise(m);
}

/* CXT_L2 -> L1 -> CXT_CTL, read afresh each time a context is served. */
static enum model_err cxt_load(struct sdxi_model *m, u16 num,
			       struct model_cxt *c)
{
	u64 l2 = reg_read(m, REG_CXT_L2) & CXT_L2_PTR;
	u8 l1[L1_ENT_SIZE], ctl[CXT_CTL_SIZE];
	u64 ent, ptr;

	c->num = num;
	if (num > MODEL_MAX_CXT)
		return MODEL_ERR_CXT;
	if (mem_read64(l2 + (num >> 7) * L2_ENT_SIZE, &ent))
		return MODEL_ERR_ADDR;
	if (!(ent & L2_VL))
		return MODEL_ERR_CXT;
	if (mem_read((ent & L2_PTR) + (num & 0x7f) * L1_ENT_SIZE, l1,
		     sizeof(l1)))
		return MODEL_ERR_ADDR;

	ent = get64(l1, 0);
	if (!(ent & L1_CXT_CTL_VL))
		return MODEL_ERR_CXT;
	if (mem_read(ent & L1_CXT_CTL_PTR, ctl, sizeof(ctl)))
		return MODEL_ERR_ADDR;
	ent = get64(l1, 8);
	c->akeys = ent & L1_AKEY_PTR;
	c->nr_akeys = c->akeys ? 256U << FIELD_GET(L1_AKEY_SZ, ent) : 0;
	c->opb_enb = get32(l1, L1_OPB_000_ENB);

	ent = get64(ctl, 0);
	if (!(ent & CTL_RING_VL))
		return MODEL_ERR_CXT;
	c->ring = ent & CTL_RING_PTR;
	c->ring_sz = get32(ctl, CTL_RING_SZ);
	if (!c->ring_sz || c->ring_sz > MODEL_MAX_RING_SZ)
		return MODEL_ERR_CXT;
	ptr = get64(ctl, CTL_STS_PTR);
	if (ptr & 0xf || !mem_range_ok(ptr, 16))
		return MODEL_ERR_ADDR;
	c->sts = ptr;
	ptr = get64(ctl, CTL_WIDX_PTR);
	if (ptr & 0x7 || !mem_range_ok(ptr, 8))
		return MODEL_ERR_ADDR;
	c->widx = ptr;
	return MODEL_OK;
}

/* Operations: each returns what went wrong, if anything. */
struct model_op {
	u16 type;
	u8 subtype;
	enum model_err (*exec)(struct sdxi_model *m, struct model_cxt *c,
			       const u8 *desc);
};

static enum model_err op_nop(struct sdxi_model *m, struct model_cxt *c,
			     const u8 *desc)
{
	return MODEL_OK;
}

/* Copy: size - 1 at 4, source at 16, destination at 24. */
static enum model_err op_copy(struct sdxi_model *m, struct model_cxt *c,
			      const u8 *desc)
{
	u64 len = (u64)get32(desc, 4) + 1;

	if (mem_copy(get64(desc, 24), get64(desc, 16), len))
		return MODEL_ERR_ADDR;
	return MODEL_OK;
}

/* WriteImm: size - 1 (at most 31) at 4, destination at 16, data at 24. */
static enum model_err op_write_imm(struct sdxi_model *m, struct model_cxt *c,
				   const u8 *desc)
{
	u32 len = get32(desc, 4) + 1;

	if (!len || len > 32)
		return MODEL_ERR_DESC;
	if (mem_write(get64(desc, 16), desc + 24, len))
		return MODEL_ERR_ADDR;
	return MODEL_OK;
}

/* RepCopy: Copy's body, the source copied count - 1 (at 32) + 1 times. */
static enum model_err op_rep_copy(struct sdxi_model *m, struct model_cxt *c,
				  const u8 *desc)
{
	u64 len = (u64)get32(desc, 4) + 1;
	u64 count = (u64)get32(desc, 32) + 1;
	u64 src = get64(desc, 16), dst = get64(desc, 24);
	u64 i;

	if (dst + len * count - 1 < dst)
		return MODEL_ERR_ADDR;
	for (i = 0; i < count; i++) {
		if (mem_copy(dst + i * len, src, len))
			return MODEL_ERR_ADDR;
	}
	return MODEL_OK;
}

/* Intr: the AKey at 12 names the interrupt. */
static enum model_err op_intr(struct sdxi_model *m, struct model_cxt *c,
			      const u8 *desc)
{
	u16 akey = get16(desc, 12);
	u8 ent[AKEY_ENT_SIZE];
	u16 intr;

	if (akey >= c->nr_akeys)
		return MODEL_ERR_DESC;
	if (mem_read(c->akeys + akey * AKEY_ENT_SIZE, ent, sizeof(ent)))
		return MODEL_ERR_ADDR;
	intr = get16(ent, 0);
	if (!(intr & AKEY_VL) || !(intr & AKEY_IV))
		return MODEL_ERR_DESC;
	if (model_fault_take(m, &m->drop_irqs))
		atomic64_inc(&m->irqs_dropped);
	else
		model_raise(m, FIELD_GET(AKEY_INTR_NUM, intr));
	return MODEL_OK;
}

/* The admin bodies' context range: first at 8, last at 10. */
static enum model_err admin_set_range(struct sdxi_model *m, const u8 *desc,
				      u8 state)
{
	u16 first = get16(desc, 8), last = get16(desc, 10);
	struct model_cxt c;
	enum model_err err;
	u32 num;

	if (first > last || last > MODEL_MAX_CXT)
		return MODEL_ERR_DESC;
	for (num = first; num <= last; num++) {
		err = cxt_load(m, num, &c);
		if (err)
			return err;
		if (cxt_set_state(&c, state))
			return MODEL_ERR_ADDR;
		/*
		 * A started context runs what is already on its ring.  A
		 * stopped one has nothing pending: once the stop completes,
		 * software may invalidate its entry, and a doorbell rung
		 * before the stop must not make the engine load it again.
		 */
		if (state == CXT_RUN)
			set_bit(num, m->pending);
		else
			clear_bit(num, m->pending);
	}
	return MODEL_OK;
}

static enum model_err op_cxt_start(struct sdxi_model *m, struct model_cxt *c,
				   const u8 *desc)
{
	return admin_set_range(m, desc, CXT_RUN);
}

static enum model_err op_cxt_stop(struct sdxi_model *m, struct model_cxt *c,
				  const u8 *desc)
{
	return admin_set_range(m, desc, CXT_STOP_SW);
}

/* The model finishes each descriptor before the next: nothing to wait for. */
static enum model_err op_sync(struct sdxi_model *m, struct model_cxt *c,
			      const u8 *desc)
{
	return MODEL_OK;
}

static const struct model_op model_ops[] = {
	{ TYPE_DMABASE,	0x01, op_nop },
	{ TYPE_DMABASE,	0x02, op_write_imm },
	{ TYPE_DMABASE,	0x03, op_copy },
	{ TYPE_DMABASE,	0x04, op_rep_copy },
	{ TYPE_ADMIN,	0x03, op_cxt_start },
	{ TYPE_ADMIN,	0x04, op_cxt_stop },
	{ TYPE_ADMIN,	0x06, op_sync },
	{ TYPE_INTR,	0x00, op_intr },
};

static enum model_err model_exec(struct sdxi_model *m, struct model_cxt *c,
				 const u8 *desc)
{
	u32 opcode = get32(desc, 0);
	u16 type = FIELD_GET(DESC_TYPE, opcode);
	u8 subtype = FIELD_GET(DESC_SUBTYPE, opcode);
	unsigned int i;

	if (type >= 32)
		return MODEL_ERR_DESC;
	if (!(MODEL_OPB_000 & BIT(type)) || !(c->opb_enb & BIT(type)))
		return MODEL_ERR_OPB;
	/* Admin operations belong to the admin context alone. */
	if (type == TYPE_ADMIN && c->num)
		return MODEL_ERR_DESC;
	for (i = 0; i < ARRAY_SIZE(model_ops); i++) {
		if (model_ops[i].type == type && model_ops[i].subtype == subtype)
			return model_ops[i].exec(m, c, desc);
	}
	return MODEL_ERR_DESC;
}

/* Signal decremented, ER set on error; the signal is written last. */
static enum model_err model_complete(const u8 *desc, bool error)
{
	u64 ptr = get64(desc, DESC_CSB_PTR);
	phys_addr_t csb = ptr & DESC_CSB_ADDR;
	u8 flags[4];
	u64 signal;

	if (ptr & DESC_CSB_NP)
		return MODEL_OK;
	if (mem_read64(csb, &signal) || mem_read(csb + 8, flags, 4))
		return MODEL_ERR_ADDR;
	if (error) {
		put32(flags, 0, get32(flags, 0) | CSB_ER);
		if (mem_write(csb + 8, flags, 4))
			return MODEL_ERR_ADDR;
	}
	/* The operation's writes and ER land before the signal. */
	wmb();
	if (signal && mem_write64(csb, signal - 1))
		return MODEL_ERR_ADDR;
	return MODEL_OK;
}

/* Runs a context's ring from its read index while slots are valid. */
static void model_run_cxt(struct sdxi_model *m, u16 num)
{
	unsigned int burst = 0;
	u8 desc[DESC_SIZE];
	struct model_cxt c;
	enum model_err err;
	u64 ri, wi;
	u8 state;

	err = cxt_load(m, num, &c);
	if (err) {
		model_error(m, NULL, num, 0, err);
		return;
	}
	for (;; burst++) {
		if (cxt_state(&c, &state) || state != CXT_RUN)
			return;
		/* Its turn is over: the others go first, then it goes on. */
		if (burst == MODEL_BURST) {
			set_bit(num, m->pending);
			return;
		}
		/* Stalled: the doorbell is kept for when the stall ends. */
		if (num && READ_ONCE(m->stall)) {
			set_bit(num, m->pending);
			return;
		}
		if (mem_read64(c.sts + STS_READ_INDEX, &ri) ||
		    mem_read64(c.widx, &wi)) {
			model_error(m, &c, num, 0, MODEL_ERR_ADDR);
			return;
		}
		if (wi - ri > c.ring_sz) {
			model_error(m, &c, num, ri, MODEL_ERR_OVERRUN);
			return;
		}
		if (ri == wi)
			return;
		if (mem_read(c.ring + (ri % c.ring_sz) * DESC_SIZE, desc, 4)) {
			model_error(m, &c, num, ri, MODEL_ERR_ADDR);
			return;
		}
		if (!(get32(desc, 0) & DESC_VL))
			return;
		/* The rest of the slot is read only after its VL bit. */
		rmb();
		mem_read(c.ring + (ri % c.ring_sz) * DESC_SIZE, desc, DESC_SIZE);

		if (num)
			atomic64_inc(&m->descs);
		/* An injected failure: as if the operation hit a bad address. */
		if (num && model_fault_take(m, &m->fail_descs))
			err = MODEL_ERR_ADDR;
		else
			err = model_exec(m, &c, desc);
		if (err) {
			/*
			 * Log entry, ERR_STS and ERR_FN first, the completion
			 * block (ER) next, the error vector last: software
			 * that sees ER finds everything else already done.
			 */
			model_error_record(m, &c, num, ri, err);
			model_complete(desc, true);
			model_error_raise(m);
			return;
		}
		if (model_complete(desc, false)) {
			model_error(m, &c, num, ri, MODEL_ERR_ADDR);
			return;
		}
		/* The descriptor's effects are visible before its slot frees. */
		wmb();
		mem_write64(c.sts + STS_READ_INDEX, ri + 1);
		cond_resched();
	}
}

/* Reset: stopped, no errors, an empty log, no doorbells, no pending work. */
static void model_reset(struct sdxi_model *m)
{
	unsigned int i;

	reg_write(m, REG_STS0, FIELD_PREP(STS0_GSV, GSV_STOP));
	reg_write(m, REG_ERR_STS, 0);
	reg_write(m, REG_ERR_WRT, 0);
	reg_write(m, REG_ERR_RD, 0);
	for (i = 0; i <= MODEL_MAX_CXT; i++)
		WRITE_ONCE(*(u64 *)(m->doorbells + i * MODEL_DB_STRIDE),
			   DB_IDLE);
	bitmap_zero(m->pending, MODEL_MAX_CXT + 1);
	m->unreset = false;
}

static u64 model_gsv(struct sdxi_model *m)
{
	return FIELD_GET(STS0_GSV, reg_read(m, REG_STS0));
}

/* Activation wants a readable L2 table with its reserved low bits clear. */
static void model_activate(struct sdxi_model *m)
{
	u64 l2 = reg_read(m, REG_CXT_L2);
	u64 gsv = GSV_ACTIVE;

	if (!(l2 & CXT_L2_PTR) || (l2 & ~CXT_L2_PTR) ||
	    !mem_range_ok(l2, SZ_4K)) {
		gsv = GSV_ERROR;
		reg_set(m, REG_ERR_STS, ERR_STS_ERR);
	}
	reg_write(m, REG_STS0, FIELD_PREP(STS0_GSV, gsv));
	if (gsv == GSV_ERROR && reg_read(m, REG_CTL0) & CTL0_ERR_INTR_EN)
		model_raise(m, SDXI_MODEL_ERR_VECTOR);
}

/*
 * Acts on a change of CTL0.GSR; a function in error leaves only by reset.
 *
 * A real function latches every GSR write; the model's CTL0 is plain memory
 * it can only sample, once per engine pass.  A write it does not sample is
 * lost, and the one that matters is a RESET of a function already in GSV
 * STOP (after a soft or hard stop): STOP shows no transition software can
 * wait for, so software may write ACTIVE before the model has looked, and
 * the model then sees STOP_SF/HD followed by ACTIVE.  It cannot tell that
 * sequence from one without the RESET, so it assumes the RESET: activation
 * from a stop that was not followed by a reset the model saw first does
 * what reset does.  The model's answer to "when is a reset of a stopped
 * function complete" is therefore "before the function next reads ACTIVE";
 * resuming from a stop with the error log and ERR_STS kept is not offered.
 */
static void model_follow_gsr(struct sdxi_model *m)
{
	u64 gsr = FIELD_GET(CTL0_GSR, reg_read(m, REG_CTL0));
	u64 gsv = model_gsv(m);

	/*
	 * A function that entered ERROR with GSR already at RESET could not
	 * see the reset software writes next: RESET held is taken as one.
	 */
	if (gsr == m->last_gsr && !(gsr == GSR_RESET && gsv == GSV_ERROR))
		return;
	m->last_gsr = gsr;
	switch (gsr) {
	case GSR_RESET:
		model_reset(m);
		break;
	case GSR_STOP_SF:
	case GSR_STOP_HD:
		if (gsv != GSV_ERROR)
			reg_write(m, REG_STS0, FIELD_PREP(STS0_GSV, GSV_STOP));
		bitmap_zero(m->pending, MODEL_MAX_CXT + 1);
		m->unreset = true;
		break;
	case GSR_ACTIVE:
		if (gsv != GSV_STOP)
			break;
		/* A RESET may have come and gone unseen: do it now. */
		if (m->unreset)
			model_reset(m);
		model_activate(m);
		break;
	}
}

/*
 * A function-level error: the function stops serving every context and
 * reports ERROR until reset.  The model logs it (no context, no descriptor)
 * and raises the error vector, as for any other error.
 */
static void model_fn_error(struct sdxi_model *m)
{
	reg_write(m, REG_STS0, FIELD_PREP(STS0_GSV, GSV_ERROR));
	bitmap_zero(m->pending, MODEL_MAX_CXT + 1);
	model_error(m, NULL, MODEL_NO_CXT, 0, MODEL_ERR_FN);
}

/* One pass of the engine; true if it found work. */
static bool model_step(struct sdxi_model *m)
{
	bool active, stall, busy = false;
	unsigned int num;

	if (model_fault_take(m, &m->fn_error))
		model_fn_error(m);
	model_follow_gsr(m);
	active = model_gsv(m) == GSV_ACTIVE;
	stall = READ_ONCE(m->stall);
	for (num = 0; num <= MODEL_MAX_CXT; num++) {
		u64 *db = (u64 *)(m->doorbells + num * MODEL_DB_STRIDE);

		/* The first doorbell after activation jump-starts context 0. */
		if (xchg(db, DB_IDLE) != DB_IDLE && active)
			set_bit(num, m->pending);
	}
	if (!active)
		return false;
	/* Admin CxtStart sets bits above 0: the walk still finds them. */
	for_each_set_bit(num, m->pending, MODEL_MAX_CXT + 1) {
		if (num && stall)
			break;
		clear_bit(num, m->pending);
		model_run_cxt(m, num);
		busy = true;
	}
	return busy;
}

static int model_engine(void *data)
{
	struct sdxi_model *m = data;

	while (!kthread_should_stop()) {
		if (model_step(m))
			cond_resched();
		else
			usleep_range(100, 500);
	}
	return 0;
}

/**
 * sdxi_model_set_irq() - register the model's interrupt callback
 * @pdev: the "sdxi-model" platform device
 * @fn: called for each interrupt the function raises, or NULL to stop
 * @data: passed to @fn
 *
 * Context: may sleep; not from within @fn.
 * Return: 0, or -ENODEV if @pdev is not the model's device.
 */
int sdxi_model_set_irq(struct platform_device *pdev, sdxi_model_irq_fn fn,
		       void *data)
{
	struct sdxi_model *m = &model;

	if (!pdev || pdev != m->pdev)
		return -ENODEV;
	spin_lock(&m->irq_lock);
	m->irq_fn = fn;
	m->irq_data = data;
	spin_unlock(&m->irq_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_model_set_irq);

/**
 * sdxi_model_inject() - inject a fault into the model
 * @pdev: the "sdxi-model" platform device
 * @fault: which
 * @arg: SDXI_MODEL_FAIL_DESCS, SDXI_MODEL_DROP_IRQS: how many descriptors
 *	or interrupts, replacing what was left (0 cancels);
 *	SDXI_MODEL_STALL: 1 to stall client contexts, 0 to resume;
 *	SDXI_MODEL_FUNC_ERROR: 1
 *
 * The engine acts on it at its next pass; the debugfs files under
 * sdxi_model/ call this.
 *
 * Context: any; does not sleep.
 * Return: 0, -ENODEV if @pdev is not the model's device, -EINVAL for an
 * unknown fault or an @arg it does not take.
 */
int sdxi_model_inject(struct platform_device *pdev,
		      enum sdxi_model_fault fault, u32 arg)
{
	struct sdxi_model *m = &model;

	if (!pdev || pdev != m->pdev)
		return -ENODEV;
	switch (fault) {
	case SDXI_MODEL_FAIL_DESCS:
		if (arg > INT_MAX)
			return -EINVAL;
		atomic_set(&m->fail_descs, arg);
		return 0;
	case SDXI_MODEL_DROP_IRQS:
		if (arg > INT_MAX)
			return -EINVAL;
		atomic_set(&m->drop_irqs, arg);
		return 0;
	case SDXI_MODEL_STALL:
		if (arg > 1)
			return -EINVAL;
		WRITE_ONCE(m->stall, arg);
		return 0;
	case SDXI_MODEL_FUNC_ERROR:
		if (arg != 1)
			return -EINVAL;
		atomic_set(&m->fn_error, 1);
		return 0;
	}
	return -EINVAL;
}
EXPORT_SYMBOL_GPL(sdxi_model_inject);

/**
 * sdxi_model_fault_get() - what is left of an injected fault
 * @pdev: the "sdxi-model" platform device
 * @fault: which
 * @val: descriptors or interrupts still to fail or drop, 1 while stalled
 *	or while a function error waits for the engine, else 0
 *
 * Return: 0, -ENODEV if @pdev is not the model's device, -EINVAL for an
 * unknown fault.
 */
int sdxi_model_fault_get(struct platform_device *pdev,
			 enum sdxi_model_fault fault, u32 *val)
{
	struct sdxi_model *m = &model;

	if (!pdev || pdev != m->pdev)
		return -ENODEV;
	switch (fault) {
	case SDXI_MODEL_FAIL_DESCS:
		*val = atomic_read(&m->fail_descs);
		return 0;
	case SDXI_MODEL_DROP_IRQS:
		*val = atomic_read(&m->drop_irqs);
		return 0;
	case SDXI_MODEL_STALL:
		*val = READ_ONCE(m->stall);
		return 0;
	case SDXI_MODEL_FUNC_ERROR:
		*val = atomic_read(&m->fn_error);
		return 0;
	}
	return -EINVAL;
}
EXPORT_SYMBOL_GPL(sdxi_model_fault_get);

/**
 * sdxi_model_get_stats() - the model's counters
 * @pdev: the "sdxi-model" platform device
 * @stats: where they go
 *
 * Return: 0, or -ENODEV if @pdev is not the model's device.
 */
int sdxi_model_get_stats(struct platform_device *pdev,
			 struct sdxi_model_stats *stats)
{
	struct sdxi_model *m = &model;

	if (!pdev || pdev != m->pdev)
		return -ENODEV;
	stats->descs = atomic64_read(&m->descs);
	stats->irqs = atomic64_read(&m->irqs);
	stats->irqs_dropped = atomic64_read(&m->irqs_dropped);
	stats->faults_injected = atomic64_read(&m->faults_injected);
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_model_get_stats);

/* debugfs: one file per fault, each a u32 through the functions above. */
static int model_dbg_get(enum sdxi_model_fault fault, u64 *val)
{
	u32 v;
	int err = sdxi_model_fault_get(model.pdev, fault, &v);

	*val = v;
	return err;
}

static int model_dbg_set(enum sdxi_model_fault fault, u64 val)
{
	if (val > U32_MAX)
		return -EINVAL;
	return sdxi_model_inject(model.pdev, fault, val);
}

#define MODEL_DBG_FAULT(name, fault)					\
static int model_dbg_##name##_get(void *data, u64 *val)		\
{									\
	return model_dbg_get(fault, val);				\
}									\
static int model_dbg_##name##_set(void *data, u64 val)		\
{									\
	return model_dbg_set(fault, val);				\
}									\
DEFINE_DEBUGFS_ATTRIBUTE(model_dbg_##name, model_dbg_##name##_get,	\
			 model_dbg_##name##_set, "%llu\n")

MODEL_DBG_FAULT(fail_descs, SDXI_MODEL_FAIL_DESCS);
MODEL_DBG_FAULT(drop_irqs, SDXI_MODEL_DROP_IRQS);
MODEL_DBG_FAULT(stall, SDXI_MODEL_STALL);

static int model_dbg_func_error_set(void *data, u64 val)
{
	return model_dbg_set(SDXI_MODEL_FUNC_ERROR, val);
}
DEFINE_DEBUGFS_ATTRIBUTE(model_dbg_func_error, NULL,
			 model_dbg_func_error_set, "%llu\n");

static int model_dbg_stats_show(struct seq_file *s, void *unused)
{
	struct sdxi_model_stats st;

	sdxi_model_get_stats(model.pdev, &st);
	seq_printf(s, "descs %llu\n", st.descs);
	seq_printf(s, "irqs %llu\n", st.irqs);
	seq_printf(s, "irqs_dropped %llu\n", st.irqs_dropped);
	seq_printf(s, "faults_injected %llu\n", st.faults_injected);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(model_dbg_stats);

static void model_debugfs_init(struct sdxi_model *m)
{
	struct dentry *dir = debugfs_create_dir("sdxi_model", NULL);

	m->debugfs = dir;
	debugfs_create_file_unsafe("fail_descs", 0600, dir, NULL,
				   &model_dbg_fail_descs);
	debugfs_create_file_unsafe("stall", 0600, dir, NULL,
				   &model_dbg_stall);
	debugfs_create_file_unsafe("drop_irqs", 0600, dir, NULL,
				   &model_dbg_drop_irqs);
	debugfs_create_file_unsafe("func_error", 0200, dir, NULL,
				   &model_dbg_func_error);
	debugfs_create_file("stats", 0400, dir, NULL, &model_dbg_stats_fops);
}

static void model_init_regs(struct sdxi_model *m)
{
	reg_write(m, REG_CAP0,
		  FIELD_PREP(CAP0_DB_STRIDE, 0) |
		  FIELD_PREP(CAP0_MAX_DS_RING_SZ, MODEL_RING_SZ_FIELD));
	reg_write(m, REG_CAP1,
		  FIELD_PREP(CAP1_MAX_BUFFER, MODEL_MAX_BUFFER) |
		  FIELD_PREP(CAP1_MAX_ERRLOG_SZ, MODEL_MAX_ERRLOG_SZ) |
		  FIELD_PREP(CAP1_MAX_AKEY_SZ, MODEL_MAX_AKEY_SZ) |
		  FIELD_PREP(CAP1_MAX_CXT, MODEL_MAX_CXT) |
		  FIELD_PREP(CAP1_OPB_000_CAP, MODEL_OPB_000));
	reg_write(m, REG_VERSION,
		  FIELD_PREP(VERSION_MAJOR, 1) | FIELD_PREP(VERSION_MINOR, 0));
	m->last_gsr = GSR_RESET;
	model_reset(m);
}

static int __init sdxi_model_init(void)
{
	struct sdxi_model *m = &model;
	struct sdxi_model_pdata pdata;
	size_t db_len = (MODEL_MAX_CXT + 1) * MODEL_DB_STRIDE;
	int ret = -ENOMEM;

	spin_lock_init(&m->irq_lock);
	m->regs = vzalloc(REGS_LEN);
	if (!m->regs)
		return -ENOMEM;
	m->doorbells = vzalloc(db_len);
	if (!m->doorbells)
		goto free_regs;
	model_init_regs(m);

	m->engine = kthread_run(model_engine, m, "sdxi-model");
	if (IS_ERR(m->engine)) {
		ret = PTR_ERR(m->engine);
		goto free_doorbells;
	}

	pdata = (struct sdxi_model_pdata) {
		.regs = (void __force __iomem *)m->regs,
		.regs_len = REGS_LEN,
		.doorbells = (void __force __iomem *)m->doorbells,
		.doorbells_len = db_len,
	};
	m->pdev = platform_device_register_data(NULL, SDXI_MODEL_NAME,
						PLATFORM_DEVID_NONE, &pdata,
						sizeof(pdata));
	if (IS_ERR(m->pdev)) {
		ret = PTR_ERR(m->pdev);
		goto stop_engine;
	}
	model_debugfs_init(m);
	pr_info("SDXI 1.0 functional model, %u contexts\n", MODEL_MAX_CXT + 1);
	return 0;

stop_engine:
	kthread_stop(m->engine);
free_doorbells:
	vfree(m->doorbells);
free_regs:
	vfree(m->regs);
	return ret;
}

static void __exit sdxi_model_exit(void)
{
	struct sdxi_model *m = &model;

	debugfs_remove_recursive(m->debugfs);
	platform_device_unregister(m->pdev);
	kthread_stop(m->engine);
	vfree(m->doorbells);
	vfree(m->regs);
}

module_init(sdxi_model_init);
module_exit(sdxi_model_exit);

MODULE_DESCRIPTION("SDXI 1.0 functional model: a software SDXI function");
MODULE_LICENSE("GPL");
