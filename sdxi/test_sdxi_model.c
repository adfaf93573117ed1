// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the SDXI functional model, run at load time: the test plays a
 * minimal driver on the "sdxi-model" device (activation, the admin context,
 * one client context) and checks what the function did in memory.  Loading
 * fails with -EINVAL if any test fails; the summary goes to the kernel log:
 * "test_sdxi_model: N passed, M failed".
 *
 * Every structure is written and read here by raw byte offset and bit
 * position, a reading of SDXI 1.0 independent of both the driver's headers
 * and the model's.  The tests run in order: each builds on the function
 * state the ones before it left.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "sdxi_model.h"
#include "sdxi_ktest.h"

static bool holds(bool cond)
{
	return cond;
}

/* Polls for up to two seconds; the model's engine sleeps up to 500 us. */
#define WAIT_FOR(cond) ({						\
	bool __ok;							\
	!read_poll_timeout(holds, __ok, __ok, 200, 2 * USEC_PER_SEC,	\
			   false, (cond));				\
})

/* Busy-polls for up to a second, for what must hold the moment it is seen. */
#define SPIN_FOR(cond) ({						\
	bool __ok;							\
	!read_poll_timeout_atomic(holds, __ok, __ok, 0, USEC_PER_SEC,	\
				  false, (cond));			\
})

/* Register offsets. */
#define R_CTL0		0x00000
#define R_CTL2		0x00010
#define R_STS0		0x00100
#define R_CAP0		0x00200
#define R_CAP1		0x00208
#define R_VERSION	0x00210
#define R_CXT_L2	0x10000
#define R_ERR_CTL	0x20000
#define R_ERR_STS	0x20008
#define R_ERR_CFG	0x20010
#define R_ERR_WRT	0x20020
#define R_ERR_RD	0x20028

/* The test's memory: one 64 KiB block, laid out by page. */
#define M_L2		0x0000
#define M_L1		0x1000
#define M_CTL(n)	(0x2000 + (n) * 64)
#define M_STS(n)	(0x2100 + (n) * 16)
#define M_WIDX(n)	(0x2140 + (n) * 8)
#define M_CSB(n)	(0x2200 + (n) * 32)
#define M_AKEYS		0x3000
#define M_LOG		0x4000
#define M_RING(n)	(0x5000 + (n) * 0x1000)
#define M_SRC		0x8000
#define M_DST		0xa000
#define M_ORDER		4

#define ADMIN_RING_SZ	64
#define CLIENT_RING_SZ	7	/* not a power of two: slot = index mod 7 */
#define BIG_RING_SZ	8	/* context 2: indexes through 2^64 */
#define INTR_AKEY	3
#define INTR_VECTOR	5

/* Descriptor codes: TYPE << 16 | SUBTYPE << 8. */
#define OP_NOP		(0x001 << 16 | 0x01 << 8)
#define OP_WRITE_IMM	(0x001 << 16 | 0x02 << 8)
#define OP_COPY		(0x001 << 16 | 0x03 << 8)
#define OP_REP_COPY	(0x001 << 16 | 0x04 << 8)
#define OP_CXT_START	(0x002 << 16 | 0x03 << 8)
#define OP_CXT_STOP	(0x002 << 16 | 0x04 << 8)
#define OP_SYNC		(0x002 << 16 | 0x06 << 8)
#define OP_INTR		(0x004 << 16 | 0x00 << 8)
#define OP_BAD_SUBTYPE	(0x001 << 16 | 0x7f << 8)

#define ST_STOP_SW	0x0
#define ST_RUN		0x1
#define ST_ERR_FN	0xf

static struct {
	struct platform_device *pdev;
	void __iomem *regs;
	void __iomem *db;
	u64 db_stride;
	u8 *mem;
	phys_addr_t phys;
	u64 widx[3];
	atomic_t irqs;
	atomic_t err_irqs;
	atomic_t vector;
} t;

static void put_le(u8 *b, unsigned int off, u64 v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		b[off + i] = v >> (8 * i);
}

static u64 get_le(const u8 *b, unsigned int off, unsigned int bytes)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < bytes; i++)
		v |= (u64)b[off + i] << (8 * i);
	return v;
}

/* 8-byte fields the function reads or writes concurrently: one access. */
static u64 mem_get64(unsigned int off)
{
	return le64_to_cpu(READ_ONCE(*(__le64 *)(t.mem + off)));
}

static void mem_put64(unsigned int off, u64 v)
{
	WRITE_ONCE(*(__le64 *)(t.mem + off), cpu_to_le64(v));
}

static u64 pa(unsigned int off)
{
	return t.phys + off;
}

static u64 reg(unsigned int off)
{
	return readq(t.regs + off);
}

static void reg_put(unsigned int off, u64 v)
{
	writeq(v, t.regs + off);
}

static unsigned int gsv(void)
{
	return reg(R_STS0) & 0x7;
}

static unsigned int cxt_state(unsigned int n)
{
	return READ_ONCE(t.mem[M_STS(n)]) & 0xf;
}

static u64 read_index(unsigned int n)
{
	return mem_get64(M_STS(n) + 8);
}

static unsigned int ring_sz(unsigned int n)
{
	static const unsigned int sizes[] = {
		ADMIN_RING_SZ, CLIENT_RING_SZ, BIG_RING_SZ
	};

	return sizes[n];
}

static u8 *slot(unsigned int n, u64 index)
{
	return t.mem + M_RING(n) + (index % ring_sz(n)) * 64;
}

static void doorbell(unsigned int n, u64 v)
{
	writeq(v, t.db + n * t.db_stride);
}

/* A descriptor without VL and without a completion block (NP). */
static void desc_init(u8 *d, u32 op)
{
	memset(d, 0, 64);
	put_le(d, 0, op, 4);
	put_le(d, 56, 1, 8);
}

static void desc_csb(u8 *d, unsigned int csb)
{
	put_le(d, 56, pa(M_CSB(csb)), 8);
}

static void csb_arm(unsigned int csb, u64 signal)
{
	memset(t.mem + M_CSB(csb), 0, 32);
	mem_put64(M_CSB(csb), signal);
}

static u64 csb_signal(unsigned int csb)
{
	return mem_get64(M_CSB(csb));
}

static u32 csb_flags(unsigned int csb)
{
	return get_le(t.mem + M_CSB(csb), 8, 4);
}

/* Writes a descriptor into the next slot, VL last; no write index yet. */
static void place(unsigned int n, const u8 *d, bool valid)
{
	u8 *s = slot(n, t.widx[n]++);

	put_le(s, 0, get_le(s, 0, 4) & ~1U, 4);
	/* A VL bit left from the last lap goes before the slot changes. */
	wmb();
	memcpy(s + 4, d + 4, 60);
	put_le(s, 0, get_le(d, 0, 4) & ~1U, 4);
	if (valid) {
		/* The body is in place before VL says so. */
		wmb();
		put_le(s, 0, get_le(d, 0, 4) | 1, 4);
	}
}

static void ring_bell(unsigned int n)
{
	/* Slots, then the write index, then the doorbell. */
	wmb();
	mem_put64(M_WIDX(n), t.widx[n]);
	/* The write index is in memory before the doorbell rings. */
	wmb();
	doorbell(n, t.widx[n]);
}

static bool wait_done(unsigned int n)
{
	return WAIT_FOR(read_index(n) == t.widx[n] ||
			cxt_state(n) != ST_RUN);
}

static bool submit(unsigned int n, const u8 *d)
{
	place(n, d, true);
	ring_bell(n);
	return wait_done(n) && EXPECT(read_index(n) == t.widx[n]);
}

static void model_irq(void *data, unsigned int vector)
{
	if (vector == 0) {
		atomic_inc(&t.err_irqs);
		return;
	}
	atomic_set(&t.vector, vector);
	atomic_inc(&t.irqs);
}

static bool test_caps(void)
{
	u64 cap0 = reg(R_CAP0), cap1 = reg(R_CAP1), ver = reg(R_VERSION);

	EXPECT((ver >> 16 & 0xff) == 1 && (ver & 0xff) == 0);
	EXPECT((cap1 >> 16 & 0xffff) >= 127);
	EXPECT((cap0 >> 20 & 0x7) == 0);
	EXPECT((1024ULL << (cap0 >> 24 & 0x1f)) >= ADMIN_RING_SZ);
	/* DmaBase (1), Admin (2) and Intr (4) groups. */
	EXPECT((cap1 >> 32 & 0x16) == 0x16);
	return !test_failed;
}

/* Context n's L1 entry and CXT_CTL; the state is left to the caller. */
static void cxt_build(unsigned int n, u32 opb)
{
	u8 *l1 = t.mem + M_L1 + n * 32, *ctl = t.mem + M_CTL(n);

	memset(t.mem + M_STS(n), 0, 16);
	mem_put64(M_WIDX(n), 0);
	memset(ctl, 0, 64);
	put_le(ctl, 0, pa(M_RING(n)) | 1, 8);
	put_le(ctl, 8, ring_sz(n), 4);
	put_le(ctl, 16, pa(M_STS(n)), 8);
	put_le(ctl, 24, pa(M_WIDX(n)), 8);
	memset(l1, 0, 32);
	put_le(l1, 8, pa(M_AKEYS), 8);		/* AKEY_SZ 0: 256 keys */
	put_le(l1, 16, 11 << 20, 4);		/* MAX_BUFFER */
	put_le(l1, 20, opb, 4);
	/* The entry is complete before its VL bit. */
	wmb();
	put_le(l1, 0, pa(M_CTL(n)) | 1 << 1 | 1, 8);	/* KA, VL */
}

static bool test_activate(void)
{
	u8 d[64];

	reg_put(R_CTL0, 0);
	if (!EXPECT(WAIT_FOR(gsv() == 0)))
		return false;

	/* Without a context table the function cannot become active. */
	reg_put(R_CXT_L2, 0);
	reg_put(R_CTL0, 3);
	EXPECT(WAIT_FOR(gsv() == 5));
	reg_put(R_CTL0, 0);
	if (!EXPECT(WAIT_FOR(gsv() == 0)))
		return false;

	reg_put(R_CTL2, 0x16ULL << 32 | 127 << 16 | 11);
	put_le(t.mem, M_L2, pa(M_L1) | 1, 8);
	reg_put(R_CXT_L2, pa(M_L2));
	cxt_build(0, 1 << 2);
	t.mem[M_STS(0)] = ST_RUN;
	reg_put(R_ERR_CFG, pa(M_LOG) | 1);	/* SZ 0: 64 entries */
	reg_put(R_ERR_RD, 0);
	reg_put(R_ERR_CTL, 1);

	/* Work queued before activation waits for the jump start. */
	csb_arm(0, 1);
	desc_init(d, OP_SYNC);
	desc_csb(d, 0);
	place(0, d, true);
	mem_put64(M_WIDX(0), t.widx[0]);

	reg_put(R_CTL0, 1 << 4 | 3);
	if (!EXPECT(WAIT_FOR(gsv() == 2)))
		return false;
	usleep_range(2000, 3000);
	EXPECT(read_index(0) == 0 && csb_signal(0) == 1);

	doorbell(0, 0);
	EXPECT(WAIT_FOR(csb_signal(0) == 0));
	/* The read index moves after the completion block is signalled. */
	EXPECT(WAIT_FOR(read_index(0) == 1));
	EXPECT(!(csb_flags(0) & BIT(31)));
	return !test_failed;
}

/* Submits @d on context @n with block @csb, which must end without ER. */
static bool submit_csb(unsigned int n, u8 *d, unsigned int csb)
{
	csb_arm(csb, 1);
	desc_csb(d, csb);
	return submit(n, d) && EXPECT(csb_signal(csb) == 0) &&
	       EXPECT(!(csb_flags(csb) & BIT(31)));
}

static bool admin_range(u32 op, unsigned int first, unsigned int last)
{
	u8 d[64];

	desc_init(d, op);
	put_le(d, 8, first, 2);
	put_le(d, 10, last, 2);
	return submit_csb(0, d, 1);
}

static bool test_cxt_start(void)
{
	/* DmaBase and Intr, not Admin. */
	cxt_build(1, 1 << 1 | 1 << 4);
	EXPECT(cxt_state(1) == ST_STOP_SW);
	admin_range(OP_CXT_START, 1, 1);
	EXPECT(cxt_state(1) == ST_RUN);
	return !test_failed;
}

static bool copy_one(unsigned int src, unsigned int dst, u32 len)
{
	u8 d[64];
	u32 i;

	for (i = 0; i < src + len; i++)
		t.mem[M_SRC + i] = i * 7 + len;
	memset(t.mem + M_DST, 0xee, 0x2000);
	desc_init(d, OP_COPY);
	put_le(d, 4, len - 1, 4);
	put_le(d, 16, pa(M_SRC + src), 8);
	put_le(d, 24, pa(M_DST + dst), 8);
	csb_arm(2, 1);
	desc_csb(d, 2);
	if (!submit(1, d))
		return false;
	EXPECT(csb_signal(2) == 0);
	EXPECT(!memcmp(t.mem + M_DST + dst, t.mem + M_SRC + src, len));
	EXPECT(!dst || t.mem[M_DST + dst - 1] == 0xee);
	return EXPECT(t.mem[M_DST + dst + len] == 0xee);
}

static bool test_copy(void)
{
	copy_one(0, 0, 1);
	copy_one(1, 3, 63);
	copy_one(0, 0, 64);
	copy_one(0, 0, 4096);
	/* Across page boundaries on both sides, unaligned. */
	copy_one(3000, 4093, 4000);
	return !test_failed;
}

static bool test_write_imm(void)
{
	static const u32 sizes[] = { 1, 8, 31, 32 };
	unsigned int i, j;
	u8 d[64];

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(t.mem + M_DST, 0xee, 64);
		desc_init(d, OP_WRITE_IMM);
		put_le(d, 4, sizes[i] - 1, 4);
		put_le(d, 16, pa(M_DST + 1), 8);
		for (j = 0; j < 32; j++)
			d[24 + j] = 0x40 + j + i;
		if (!submit(1, d))
			break;
		EXPECT(t.mem[M_DST] == 0xee);
		EXPECT(!memcmp(t.mem + M_DST + 1, d + 24, sizes[i]));
		EXPECT(t.mem[M_DST + 1 + sizes[i]] == 0xee);
	}
	return !test_failed;
}

static bool test_rep_copy(void)
{
	unsigned int i;
	u8 d[64];

	for (i = 0; i < 32; i++)
		t.mem[M_SRC + i] = 0xa0 + i;
	memset(t.mem + M_DST, 0xee, 0x2000);
	desc_init(d, OP_REP_COPY);
	put_le(d, 4, 32 - 1, 4);
	put_le(d, 16, pa(M_SRC), 8);
	put_le(d, 24, pa(M_DST + 4000), 8);	/* crosses a page */
	put_le(d, 32, 10 - 1, 4);
	if (!submit(1, d))
		return false;
	for (i = 0; i < 10; i++)
		EXPECT(!memcmp(t.mem + M_DST + 4000 + i * 32, t.mem + M_SRC, 32));
	EXPECT(t.mem[M_DST + 3999] == 0xee);
	EXPECT(t.mem[M_DST + 4000 + 320] == 0xee);
	return !test_failed;
}

/* One completion block counts down over two descriptors, one at a time. */
static bool test_nop_csb(void)
{
	u64 first = t.widx[1];
	u8 d[64], *second;

	csb_arm(3, 2);
	desc_init(d, OP_NOP);
	desc_csb(d, 3);
	place(1, d, true);
	second = slot(1, t.widx[1]);
	place(1, d, false);
	ring_bell(1);
	EXPECT(WAIT_FOR(read_index(1) == first + 1));
	EXPECT(csb_signal(3) == 1);

	/* Publish the second: VL after its body. */
	wmb();
	put_le(second, 0, get_le(second, 0, 4) | 1, 4);
	doorbell(1, t.widx[1]);
	EXPECT(wait_done(1) && read_index(1) == t.widx[1]);
	EXPECT(csb_signal(3) == 0);
	EXPECT(!(csb_flags(3) & BIT(31)));
	return !test_failed;
}

static bool test_intr(void)
{
	u8 *akey = t.mem + M_AKEYS + INTR_AKEY * 16;
	int before = atomic_read(&t.irqs);
	u8 d[64];

	memset(akey, 0, 16);
	put_le(akey, 0, INTR_VECTOR << 4 | 1 << 1 | 1, 2);	/* IV, VL */
	desc_init(d, OP_INTR);
	put_le(d, 12, INTR_AKEY, 2);
	if (!submit(1, d))
		return false;
	EXPECT(atomic_read(&t.irqs) == before + 1);
	EXPECT(atomic_read(&t.vector) == INTR_VECTOR);
	return !test_failed;
}

/* Four laps of a 7-slot ring in batches of 6, one doorbell each. */
static bool test_ring_wrap(void)
{
	unsigned int batch, i;
	u8 d[64];

	desc_init(d, OP_NOP);
	for (batch = 0; batch < 5; batch++) {
		for (i = 0; i < 6; i++)
			place(1, d, true);
		ring_bell(1);
		if (!EXPECT(wait_done(1) && read_index(1) == t.widx[1]))
			break;
	}
	EXPECT(t.widx[1] > 4 * CLIENT_RING_SZ);
	return !test_failed;
}

/* A slot whose VL is still clear holds the function until it is set. */
static bool test_stale_valid(void)
{
	u64 first = t.widx[1];
	u8 d[64], *pending;

	desc_init(d, OP_NOP);
	place(1, d, true);
	pending = slot(1, t.widx[1]);
	place(1, d, false);
	place(1, d, true);
	ring_bell(1);
	EXPECT(WAIT_FOR(read_index(1) == first + 1));
	usleep_range(3000, 4000);
	EXPECT(read_index(1) == first + 1 && cxt_state(1) == ST_RUN);

	/* Publish the held slot: VL after its body, as ever. */
	wmb();
	put_le(pending, 0, get_le(pending, 0, 4) | 1, 4);
	doorbell(1, t.widx[1]);
	EXPECT(wait_done(1) && read_index(1) == t.widx[1]);
	return !test_failed;
}

/*
 * The error path: context 1 stops in ERR_FN at the bad descriptor, a log
 * entry names it, ERR_STS and the error vector say so.  Then the test skips
 * the descriptor and restarts the context through the admin ring.
 */
static bool expect_error(u64 index)
{
	u64 wrt;
	u8 *ent;

	if (!EXPECT(WAIT_FOR(cxt_state(1) == ST_ERR_FN)))
		return false;
	wrt = reg(R_ERR_WRT);
	EXPECT(read_index(1) == index);
	EXPECT(wrt == reg(R_ERR_RD) + 1);
	EXPECT((reg(R_ERR_STS) & 0x9) == 0x9);
	EXPECT(WAIT_FOR(atomic_read(&t.err_irqs) > 0));
	ent = t.mem + M_LOG + ((wrt - 1) % 64) * 64;
	EXPECT(get_le(ent, 6, 2) == 1);
	EXPECT(get_le(ent, 8, 8) == index);

	reg_put(R_ERR_RD, wrt);
	reg_put(R_ERR_STS, 0);
	atomic_set(&t.err_irqs, 0);
	mem_put64(M_STS(1) + 8, t.widx[1]);
	mem_put64(M_WIDX(1), t.widx[1]);
	admin_range(OP_CXT_START, 1, 1);
	return EXPECT(cxt_state(1) == ST_RUN);
}

static bool error_case(u8 *d, bool with_csb)
{
	u64 index = t.widx[1];

	if (with_csb) {
		csb_arm(2, 1);
		desc_csb(d, 2);
	}
	place(1, d, true);
	ring_bell(1);
	expect_error(index);
	if (with_csb) {
		EXPECT(csb_signal(2) == 0);
		EXPECT(csb_flags(2) & BIT(31));
	}
	/* And the context works again. */
	desc_init(d, OP_NOP);
	return submit(1, d);
}

static bool test_invalid_desc(void)
{
	u8 d[64];

	desc_init(d, OP_BAD_SUBTYPE);
	error_case(d, true);
	desc_init(d, 0x7ff << 16);		/* no such group */
	error_case(d, false);
	desc_init(d, OP_WRITE_IMM);
	put_le(d, 4, 33 - 1, 4);		/* at most 32 bytes */
	put_le(d, 16, pa(M_DST), 8);
	error_case(d, false);
	return !test_failed;
}

static bool test_disabled_group(void)
{
	u8 d[64];

	/* Admin is not enabled in context 1's L1 entry. */
	desc_init(d, OP_SYNC);
	error_case(d, true);
	/* Atomic (3) is neither offered nor enabled. */
	desc_init(d, 0x003 << 16 | 0x01 << 8);
	error_case(d, false);
	return !test_failed;
}

static bool test_bad_address(void)
{
	u8 d[64];

	desc_init(d, OP_COPY);
	put_le(d, 4, 63, 4);
	put_le(d, 16, 1ULL << 50, 8);
	put_le(d, 24, pa(M_DST), 8);
	error_case(d, true);
	return !test_failed;
}

/*
 * A function records an error before it signals it: the moment the failed
 * descriptor's completion block reads done, with ER, the context is already
 * in ERR_FN and the log entry and ERR_STS are there.  No waiting here.
 */
static bool test_error_order(void)
{
	u64 index;
	u8 d[64];
	u8 *ent;
	int i;

	for (i = 0; i < 20; i++) {
		index = t.widx[1];
		desc_init(d, OP_BAD_SUBTYPE);
		csb_arm(2, 1);
		desc_csb(d, 2);
		place(1, d, true);
		ring_bell(1);
		/* Spins, to read the rest as soon as the signal lands. */
		if (!EXPECT(SPIN_FOR(csb_signal(2) == 0)))
			return false;
		/* Everything below is read after the signal, in this order. */
		rmb();
		EXPECT(csb_flags(2) & BIT(31));
		EXPECT(cxt_state(1) == ST_ERR_FN);
		EXPECT(reg(R_ERR_WRT) == reg(R_ERR_RD) + 1);
		EXPECT((reg(R_ERR_STS) & 0x9) == 0x9);
		ent = t.mem + M_LOG + (reg(R_ERR_RD) % 64) * 64;
		EXPECT(get_le(ent, 0, 4) & 1);
		EXPECT(get_le(ent, 6, 2) == 1);
		EXPECT(get_le(ent, 8, 8) == index);
		if (test_failed)
			return false;
		/* Recovers the context, as the error tests do. */
		expect_error(index);
		desc_init(d, OP_NOP);
		if (!submit(1, d))
			return false;
	}
	return !test_failed;
}

static bool test_ring_overrun(void)
{
	u64 index = t.widx[1];
	u8 d[64];

	mem_put64(M_WIDX(1), index + CLIENT_RING_SZ + 1);
	doorbell(1, index + CLIENT_RING_SZ + 1);
	expect_error(index);
	desc_init(d, OP_NOP);
	submit(1, d);
	return !test_failed;
}

/*
 * Indexes are 64 bits wide and only grow: context 2 starts just below 2^64
 * and runs two batches through the point where they wrap to 0.
 */
static bool test_large_index(void)
{
	u64 start = -4ULL;
	unsigned int batch, i;
	u8 d[64];

	cxt_build(2, 1 << 1);
	t.widx[2] = start;
	mem_put64(M_STS(2) + 8, start);
	mem_put64(M_WIDX(2), start);
	admin_range(OP_CXT_START, 2, 2);
	EXPECT(cxt_state(2) == ST_RUN);

	desc_init(d, OP_NOP);
	for (batch = 0; batch < 2; batch++) {
		for (i = 0; i < 6; i++)
			place(2, d, true);
		ring_bell(2);
		if (!EXPECT(wait_done(2) && read_index(2) == t.widx[2]))
			break;
	}
	EXPECT(read_index(2) == 8);
	EXPECT(cxt_state(2) == ST_RUN);
	admin_range(OP_CXT_STOP, 2, 2);
	return !test_failed;
}

static bool test_cxt_stop(void)
{
	u64 index;
	u8 d[64];

	admin_range(OP_CXT_STOP, 1, 1);
	EXPECT(cxt_state(1) == ST_STOP_SW);

	index = t.widx[1];
	desc_init(d, OP_NOP);
	place(1, d, true);
	ring_bell(1);
	usleep_range(3000, 4000);
	EXPECT(read_index(1) == index && cxt_state(1) == ST_STOP_SW);

	/* Started again, it runs what was left on its ring. */
	admin_range(OP_CXT_START, 1, 1);
	EXPECT(WAIT_FOR(read_index(1) == t.widx[1]));
	return !test_failed;
}

static bool test_reset(void)
{
	u64 index = t.widx[1];
	u8 d[64];

	/* A soft stop first, then a reset, which also empties the log. */
	reg_put(R_CTL0, 1 << 4 | 1);
	EXPECT(WAIT_FOR(gsv() == 0));
	EXPECT(reg(R_ERR_WRT) != 0);
	reg_put(R_CTL0, 0);
	if (!EXPECT(WAIT_FOR(reg(R_ERR_WRT) == 0 && gsv() == 0)))
		return false;
	/* A stopped function ignores doorbells. */
	desc_init(d, OP_NOP);
	place(1, d, true);
	ring_bell(1);
	usleep_range(3000, 4000);
	EXPECT(read_index(1) == index);
	return !test_failed;
}

/*
 * A reset of a stopped function shows no GSV transition, so software writes
 * RESET and then ACTIVE back to back, as the driver does at a re-bring-up.
 * Each time, the activated function starts from what reset leaves: an empty
 * log (ERR_WRT and ERR_RD 0) and no ERR_STS, whatever the last run logged.
 */
static bool test_reset_activate(void)
{
	u64 index;
	u8 d[64];
	int i;

	for (i = 0; i < 50; i++) {
		reg_put(R_CTL0, 1 << 4 | 3);
		if (!EXPECT(WAIT_FOR(gsv() == 2)))
			return false;
		if (!EXPECT(reg(R_ERR_WRT) == 0 && reg(R_ERR_RD) == 0 &&
			    reg(R_ERR_STS) == 0))
			return false;

		/* One error, so that the log has something to lose. */
		mem_put64(M_STS(1) + 8, t.widx[1]);
		mem_put64(M_WIDX(1), t.widx[1]);
		/* The read index is in place before the context runs. */
		wmb();
		t.mem[M_STS(1)] = ST_RUN;
		index = t.widx[1];
		desc_init(d, OP_BAD_SUBTYPE);
		place(1, d, true);
		ring_bell(1);
		if (!EXPECT(WAIT_FOR(cxt_state(1) == ST_ERR_FN)))
			return false;
		EXPECT(reg(R_ERR_WRT) == 1);
		EXPECT(read_index(1) == index);
		reg_put(R_ERR_RD, 1);

		/* Soft stop, then reset and activation with no wait between. */
		reg_put(R_CTL0, 1 << 4 | 1);
		if (!EXPECT(WAIT_FOR(gsv() == 0)))
			return false;
		reg_put(R_CTL0, 1 << 4 | 0);
		if (!EXPECT(gsv() == 0))
			return false;
	}
	/* Leaves the function reset and stopped. */
	reg_put(R_CTL0, 0);
	EXPECT(WAIT_FOR(gsv() == 0 && reg(R_ERR_WRT) == 0));
	atomic_set(&t.err_irqs, 0);
	return !test_failed;
}

/* ---- Fault injection (sdxi_model_inject()) ---------------------------- */

static u32 fault_left(enum sdxi_model_fault fault)
{
	u32 v = U32_MAX;

	EXPECT(!sdxi_model_fault_get(t.pdev, fault, &v));
	return v;
}

static struct sdxi_model_stats stats(void)
{
	struct sdxi_model_stats st = { };

	EXPECT(!sdxi_model_get_stats(t.pdev, &st));
	return st;
}

/* A 64-byte Copy on context 1 from M_SRC to M_DST, CSB 2 armed. */
static void fault_copy(u8 *d)
{
	unsigned int i;

	for (i = 0; i < 64; i++)
		t.mem[M_SRC + i] = 0x30 + i;
	memset(t.mem + M_DST, 0xee, 128);
	desc_init(d, OP_COPY);
	put_le(d, 4, 64 - 1, 4);
	put_le(d, 16, pa(M_SRC), 8);
	put_le(d, 24, pa(M_DST), 8);
	csb_arm(2, 1);
	desc_csb(d, 2);
}

/*
 * One injected failure: the copy wrote nothing, its block reads ER, the
 * context stopped in ERR_FN at it, and a log entry names context 1, the
 * index and the bad-address class (3).  The admin context, which runs the
 * restart, is not failed by what is left to inject.
 */
static bool fail_one(void)
{
	u64 index = t.widx[1];
	u8 d[64], *ent;
	unsigned int i;

	fault_copy(d);
	place(1, d, true);
	ring_bell(1);
	if (!EXPECT(WAIT_FOR(cxt_state(1) == ST_ERR_FN)))
		return false;
	EXPECT(WAIT_FOR(csb_signal(2) == 0));
	EXPECT(csb_flags(2) & BIT(31));
	EXPECT(read_index(1) == index);
	ent = t.mem + M_LOG + ((reg(R_ERR_WRT) - 1) % 64) * 64;
	EXPECT(get_le(ent, 0, 4) & 1);
	EXPECT(get_le(ent, 6, 2) == 1);
	EXPECT(get_le(ent, 8, 8) == index);
	EXPECT(get_le(ent, 44, 2) == 3);
	for (i = 0; i < 128; i++)
		if (!EXPECT(t.mem[M_DST + i] == 0xee))
			break;
	return expect_error(index);
}

static bool test_fault_fail_descs(void)
{
	struct sdxi_model_stats before = stats(), after;
	u8 d[64];

	EXPECT(sdxi_model_inject(t.pdev, SDXI_MODEL_FAIL_DESCS, 2) == 0);
	EXPECT(fault_left(SDXI_MODEL_FAIL_DESCS) == 2);
	if (!fail_one())
		return false;
	EXPECT(fault_left(SDXI_MODEL_FAIL_DESCS) == 1);
	if (!fail_one())
		return false;
	EXPECT(fault_left(SDXI_MODEL_FAIL_DESCS) == 0);
	after = stats();
	EXPECT(after.faults_injected == before.faults_injected + 2);
	EXPECT(after.descs == before.descs + 2);

	/* Nothing left to inject: the same copy now succeeds. */
	fault_copy(d);
	if (!submit(1, d))
		return false;
	EXPECT(csb_signal(2) == 0 && !(csb_flags(2) & BIT(31)));
	EXPECT(!memcmp(t.mem + M_DST, t.mem + M_SRC, 64));
	EXPECT(t.mem[M_DST + 64] == 0xee);
	EXPECT(stats().descs == before.descs + 3);
	/* And garbage is refused. */
	EXPECT(sdxi_model_inject(t.pdev, SDXI_MODEL_FAIL_DESCS, U32_MAX) ==
	       -EINVAL);
	EXPECT(sdxi_model_inject(NULL, SDXI_MODEL_FAIL_DESCS, 1) == -ENODEV);
	return !test_failed;
}

/* An Intr descriptor with CSB 3, on context 1. */
static bool intr_one(void)
{
	u8 *akey = t.mem + M_AKEYS + INTR_AKEY * 16;
	u8 d[64];

	memset(akey, 0, 16);
	put_le(akey, 0, INTR_VECTOR << 4 | 1 << 1 | 1, 2);	/* IV, VL */
	desc_init(d, OP_INTR);
	put_le(d, 12, INTR_AKEY, 2);
	return submit_csb(1, d, 3);
}

static bool test_fault_drop_irqs(void)
{
	struct sdxi_model_stats before = stats(), after;
	int irqs = atomic_read(&t.irqs);

	EXPECT(sdxi_model_inject(t.pdev, SDXI_MODEL_DROP_IRQS, 1) == 0);
	EXPECT(fault_left(SDXI_MODEL_DROP_IRQS) == 1);
	if (!intr_one())
		return false;
	usleep_range(2000, 3000);
	EXPECT(atomic_read(&t.irqs) == irqs);
	EXPECT(fault_left(SDXI_MODEL_DROP_IRQS) == 0);
	EXPECT(cxt_state(1) == ST_RUN);
	after = stats();
	EXPECT(after.irqs_dropped == before.irqs_dropped + 1);
	EXPECT(after.irqs == before.irqs);
	EXPECT(after.faults_injected == before.faults_injected + 1);

	/* The next one is delivered again. */
	atomic_set(&t.vector, 0);
	if (!intr_one())
		return false;
	EXPECT(atomic_read(&t.irqs) == irqs + 1);
	EXPECT(atomic_read(&t.vector) == INTR_VECTOR);
	after = stats();
	EXPECT(after.irqs == before.irqs + 1);
	EXPECT(after.irqs_dropped == before.irqs_dropped + 1);
	return !test_failed;
}

/*
 * A stalled function runs no client descriptor but still runs the admin
 * context: a CxtStop gets through and holds after the stall ends, and a
 * CxtStart then runs what waited.
 */
static bool test_fault_stall(void)
{
	struct sdxi_model_stats before = stats();
	u64 index = t.widx[1];
	u8 d[64];

	EXPECT(sdxi_model_inject(t.pdev, SDXI_MODEL_STALL, 2) == -EINVAL);
	EXPECT(sdxi_model_inject(t.pdev, SDXI_MODEL_STALL, 1) == 0);
	EXPECT(fault_left(SDXI_MODEL_STALL) == 1);
	fault_copy(d);
	place(1, d, true);
	ring_bell(1);
	usleep_range(3000, 4000);
	EXPECT(read_index(1) == index && csb_signal(2) == 1);
	EXPECT(t.mem[M_DST] == 0xee);

	admin_range(OP_CXT_STOP, 1, 1);
	EXPECT(cxt_state(1) == ST_STOP_SW);
	EXPECT(sdxi_model_inject(t.pdev, SDXI_MODEL_STALL, 0) == 0);
	EXPECT(fault_left(SDXI_MODEL_STALL) == 0);
	doorbell(1, t.widx[1]);
	usleep_range(3000, 4000);
	EXPECT(read_index(1) == index && csb_signal(2) == 1);
	EXPECT(t.mem[M_DST] == 0xee);
	EXPECT(stats().descs == before.descs);

	admin_range(OP_CXT_START, 1, 1);
	EXPECT(wait_done(1) && read_index(1) == t.widx[1]);
	EXPECT(WAIT_FOR(csb_signal(2) == 0));
	EXPECT(!(csb_flags(2) & BIT(31)));
	EXPECT(!memcmp(t.mem + M_DST, t.mem + M_SRC, 64));
	EXPECT(t.mem[M_DST + 64] == 0xee);
	EXPECT(stats().descs == before.descs + 1);
	return !test_failed;
}

/*
 * A doorbell rung while the context could not run (stalled) is dropped by
 * CxtStop: once the stop completes, software may invalidate the context's
 * L1 entry, and the engine must not load it again (no error log entry).
 * Ends with context 1 running and its ring empty.
 */
static bool test_stop_drops_doorbell(void)
{
	u8 *l1 = t.mem + M_L1 + 1 * 32;
	u64 index = t.widx[1], wrt = reg(R_ERR_WRT), ent;
	u8 d[64];

	EXPECT(sdxi_model_inject(t.pdev, SDXI_MODEL_STALL, 1) == 0);
	desc_init(d, OP_NOP);
	place(1, d, true);
	ring_bell(1);
	usleep_range(3000, 4000);
	EXPECT(read_index(1) == index);

	admin_range(OP_CXT_STOP, 1, 1);
	EXPECT(cxt_state(1) == ST_STOP_SW);
	ent = get_le(l1, 0, 8);
	put_le(l1, 0, ent & ~1ULL, 8);
	admin_range(OP_SYNC, 0, 127);
	EXPECT(sdxi_model_inject(t.pdev, SDXI_MODEL_STALL, 0) == 0);
	usleep_range(3000, 4000);
	EXPECT(reg(R_ERR_WRT) == wrt);
	EXPECT(!(reg(R_ERR_STS) & 1));
	EXPECT(read_index(1) == index);

	put_le(l1, 0, ent, 8);
	admin_range(OP_SYNC, 0, 127);
	admin_range(OP_CXT_START, 1, 1);
	EXPECT(wait_done(1) && read_index(1) == t.widx[1]);
	return !test_failed;
}

/*
 * A context with a full ring does not keep the next one waiting until its
 * ring is empty: contexts 1 and 2 are started together, 1 with a ring full
 * of Nops, 2 with one Copy of context 1's read index.  The Copy runs before
 * context 1 has run all its Nops.  Ends with context 2 stopped.
 */
static bool test_burst(void)
{
	u64 first = t.widx[1], seen;
	unsigned int i;
	u8 d[64];

	admin_range(OP_CXT_STOP, 1, 2);
	desc_init(d, OP_NOP);
	for (i = 0; i < CLIENT_RING_SZ; i++)
		place(1, d, true);
	memset(t.mem + M_DST, 0xee, 8);
	desc_init(d, OP_COPY);
	put_le(d, 4, 8 - 1, 4);
	put_le(d, 16, pa(M_STS(1) + 8), 8);
	put_le(d, 24, pa(M_DST), 8);
	place(2, d, true);
	/* The slots are in place before the write indexes cover them. */
	wmb();
	mem_put64(M_WIDX(1), t.widx[1]);
	mem_put64(M_WIDX(2), t.widx[2]);

	admin_range(OP_CXT_START, 1, 2);
	EXPECT(WAIT_FOR(read_index(1) == t.widx[1] &&
			read_index(2) == t.widx[2]));
	seen = mem_get64(M_DST);
	pr_info("burst: context 2 ran after %llu of context 1's %u\n",
		seen - first, CLIENT_RING_SZ);
	EXPECT(seen - first < CLIENT_RING_SZ);
	admin_range(OP_CXT_STOP, 2, 2);
	return !test_failed;
}

/*
 * A function error: GSV ERROR, ERR_STS.ERR, a log entry with the function
 * class (6) and no context (0xffff), the error vector; no context runs,
 * stops and activation do not leave ERROR, a reset does, and activation
 * then works again.  Starts and ends with the function reset and stopped.
 */
static bool test_fault_func_error(void)
{
	u64 index;
	u8 d[64], *ent;

	reg_put(R_CTL0, 1 << 4 | 3);
	if (!EXPECT(WAIT_FOR(gsv() == 2)))
		return false;
	mem_put64(M_STS(1) + 8, t.widx[1]);
	mem_put64(M_WIDX(1), t.widx[1]);
	/* The read index is in place before the context runs. */
	wmb();
	t.mem[M_STS(1)] = ST_RUN;
	atomic_set(&t.err_irqs, 0);

	EXPECT(sdxi_model_inject(t.pdev, SDXI_MODEL_FUNC_ERROR, 0) == -EINVAL);
	EXPECT(sdxi_model_inject(t.pdev, SDXI_MODEL_FUNC_ERROR, 1) == 0);
	if (!EXPECT(WAIT_FOR(gsv() == 5)))
		return false;
	EXPECT(reg(R_ERR_STS) & 0x8);
	EXPECT(WAIT_FOR(atomic_read(&t.err_irqs) == 1));
	EXPECT(reg(R_ERR_WRT) == 1);
	ent = t.mem + M_LOG;
	EXPECT(get_le(ent, 0, 4) & 1);
	EXPECT(get_le(ent, 6, 2) == 0xffff);
	EXPECT(get_le(ent, 44, 2) == 6);
	EXPECT(fault_left(SDXI_MODEL_FUNC_ERROR) == 0);

	index = t.widx[1];
	csb_arm(3, 1);
	desc_init(d, OP_NOP);
	desc_csb(d, 3);
	place(1, d, true);
	ring_bell(1);
	/* A soft stop, then ACTIVE: still ERROR, nothing runs. */
	reg_put(R_CTL0, 1 << 4 | 1);
	usleep_range(3000, 4000);
	reg_put(R_CTL0, 1 << 4 | 3);
	usleep_range(3000, 4000);
	EXPECT(gsv() == 5);
	EXPECT(read_index(1) == index && csb_signal(3) == 1);

	reg_put(R_CTL0, 1 << 4 | 0);
	if (!EXPECT(WAIT_FOR(gsv() == 0)))
		return false;
	EXPECT(reg(R_ERR_WRT) == 0 && reg(R_ERR_STS) == 0);
	reg_put(R_CTL0, 1 << 4 | 3);
	if (!EXPECT(WAIT_FOR(gsv() == 2)))
		return false;
	doorbell(1, t.widx[1]);
	EXPECT(wait_done(1) && read_index(1) == t.widx[1]);
	EXPECT(WAIT_FOR(csb_signal(3) == 0));
	EXPECT(!(csb_flags(3) & BIT(31)));

	reg_put(R_CTL0, 0);
	EXPECT(WAIT_FOR(gsv() == 0));
	atomic_set(&t.err_irqs, 0);
	return !test_failed;
}

static const struct sdxi_ktest tests[] = {
	{ "caps", test_caps },
	{ "activate", test_activate },
	{ "cxt_start", test_cxt_start },
	{ "copy", test_copy },
	{ "write_imm", test_write_imm },
	{ "rep_copy", test_rep_copy },
	{ "nop_csb", test_nop_csb },
	{ "intr", test_intr },
	{ "ring_wrap", test_ring_wrap },
	{ "large_index", test_large_index },
	{ "stale_valid", test_stale_valid },
	{ "invalid_desc", test_invalid_desc },
	{ "disabled_group", test_disabled_group },
	{ "bad_address", test_bad_address },
	{ "error_order", test_error_order },
	{ "ring_overrun", test_ring_overrun },
	{ "cxt_stop", test_cxt_stop },
	{ "fault_fail_descs", test_fault_fail_descs },
	{ "fault_drop_irqs", test_fault_drop_irqs },
	{ "fault_stall", test_fault_stall },
	{ "stop_drops_doorbell", test_stop_drops_doorbell },
	{ "burst", test_burst },
	{ "reset", test_reset },
	{ "reset_activate", test_reset_activate },
	{ "fault_func_error", test_fault_func_error },
};

static int test_setup(void)
{
	const struct sdxi_model_pdata *pdata;
	struct page *page;
	struct device *dev;
	int ret;

	dev = bus_find_device_by_name(&platform_bus_type, NULL,
				      SDXI_MODEL_NAME);
	if (!dev) {
		pr_err("no %s device\n", SDXI_MODEL_NAME);
		return -ENODEV;
	}
	t.pdev = to_platform_device(dev);
	pdata = dev_get_platdata(dev);
	t.regs = pdata->regs;
	t.db = pdata->doorbells;
	t.db_stride = SZ_4K << (reg(R_CAP0) >> 20 & 0x7);

	page = alloc_pages(GFP_KERNEL | __GFP_ZERO, M_ORDER);
	if (!page) {
		ret = -ENOMEM;
		goto put;
	}
	t.mem = page_address(page);
	t.phys = page_to_phys(page);
	ret = sdxi_model_set_irq(t.pdev, model_irq, NULL);
	if (ret)
		goto free;
	return 0;

free:
	__free_pages(page, M_ORDER);
put:
	put_device(dev);
	return ret;
}

/* The function is stopped before the memory it may use is freed. */
static void test_teardown(void)
{
	reg_put(R_CTL0, 0);
	if (!WAIT_FOR(gsv() == 0))
		pr_err("the function did not stop; leaking its memory\n");
	else
		free_pages((unsigned long)t.mem, M_ORDER);
	sdxi_model_set_irq(t.pdev, NULL, NULL);
	put_device(&t.pdev->dev);
}

static int __init test_sdxi_model_init(void)
{
	int ret;

	ret = test_setup();
	if (ret)
		return ret;
	sdxi_ktest_run(tests, ARRAY_SIZE(tests));
	test_teardown();
	return sdxi_ktest_report();
}

static void __exit test_sdxi_model_exit(void)
{
}

module_init(test_sdxi_model_init);
module_exit(test_sdxi_model_exit);

MODULE_DESCRIPTION("Tests of the SDXI functional model");
MODULE_LICENSE("GPL");
