// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the SDXI core, run at load time: descriptor encoding and
 * ring arithmetic, on memory only.  Loading fails with -EINVAL if any test
 * fails; the summary goes to the kernel log: "test_sdxi: N passed, M failed".
 *
 * The expected descriptors are built here byte by byte from the offsets and
 * bit positions of SDXI 1.0, not with sdxi_hw.h, so that a wrong field
 * definition there cannot hide behind itself.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/limits.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sdxi.h"
#include "sdxi_ktest.h"

/* Raw encodings: opcode word bits and field offsets from the spec's tables. */
#define RAW_VL		0x1
#define RAW_FE		0x4
#define RAW_CH		0x8
#define RAW_NP		0x1

static void put_le(u8 *b, unsigned int off, u64 v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		b[off + i] = v >> (8 * i);
}

/* A descriptor with nothing but its opcode word and no completion block. */
static void raw_desc(u8 *b, u32 type, u32 subtype, u32 flags)
{
	memset(b, 0, SDXI_DESC_SIZE);
	put_le(b, 0, type << 16 | subtype << 8 | flags, 4);
	put_le(b, 56, RAW_NP, 8);
}

static bool same_bytes(const struct sdxi_desc *desc, const u8 *want)
{
	const u8 *got = (const u8 *)desc;
	unsigned int i;

	for (i = 0; i < SDXI_DESC_SIZE; i++) {
		if (got[i] != want[i]) {
			pr_err("byte %u: got %#04x, want %#04x\n", i, got[i],
			       want[i]);
			return false;
		}
	}
	return true;
}

/* A slot full of a previous lap's bytes. */
static void dirty(struct sdxi_desc *desc)
{
	memset(desc, 0xa5, sizeof(*desc));
}

static bool test_nop(void)
{
	struct sdxi_desc d;
	u8 want[SDXI_DESC_SIZE];

	dirty(&d);
	EXPECT(sdxi_encode_nop(&d, SDXI_DSC_FE) == 0);
	raw_desc(want, 0x001, 0x01, RAW_FE);
	EXPECT(same_bytes(&d, want));

	dirty(&d);
	EXPECT(sdxi_encode_nop(&d, SDXI_DSC_VL) == -EINVAL);
	EXPECT(sdxi_encode_nop(&d, BIT(7)) == -EINVAL);
	memset(want, 0xa5, sizeof(want));
	EXPECT(same_bytes(&d, want));
	return true;
}

static bool test_copy(void)
{
	struct sdxi_copy c = {
		.src = 0x100000000040ULL, .dst = 0x200000000080ULL,
		.len = 4096, .src_akey = 3, .dst_akey = 0x1205,
	};
	struct sdxi_desc d;
	u8 want[SDXI_DESC_SIZE];

	dirty(&d);
	EXPECT(sdxi_encode_copy(&d, SDXI_DSC_CH, &c) == 0);
	raw_desc(want, 0x001, 0x03, RAW_CH);
	put_le(want, 4, 4095, 4);
	put_le(want, 12, 3, 2);
	put_le(want, 14, 0x1205, 2);
	put_le(want, 16, 0x100000000040ULL, 8);
	put_le(want, 24, 0x200000000080ULL, 8);
	EXPECT(same_bytes(&d, want));

	EXPECT(sdxi_desc_set_csb(&d, 0xfedcba9860ULL) == 0);
	put_le(want, 56, 0xfedcba9860ULL, 8);
	EXPECT(same_bytes(&d, want));
	EXPECT(sdxi_desc_set_csb(&d, 0xfedcba9870ULL) == -EINVAL);
	EXPECT(same_bytes(&d, want));
	return true;
}

static bool test_copy_limits(void)
{
	struct sdxi_copy c = { .src = 0x10000, .dst = 0x200000000ULL };
	struct sdxi_desc d;
	u8 want[SDXI_DESC_SIZE];

	dirty(&d);
	c.len = 0;
	EXPECT(sdxi_encode_copy(&d, 0, &c) == -EINVAL);
	c.len = (1ULL << 32) + 1;
	EXPECT(sdxi_encode_copy(&d, 0, &c) == -EINVAL);
	c.len = 4096;
	EXPECT(sdxi_encode_copy(&d, BIT(10), &c) == -EINVAL);
	memset(want, 0xa5, sizeof(want));
	EXPECT(same_bytes(&d, want));

	/* 4 GiB exactly: the size field's largest value. */
	c.len = 1ULL << 32;
	EXPECT(sdxi_encode_copy(&d, 0, &c) == 0);
	raw_desc(want, 0x001, 0x03, 0);
	put_le(want, 4, 0xffffffff, 4);
	put_le(want, 16, 0x10000, 8);
	put_le(want, 24, 0x200000000ULL, 8);
	EXPECT(same_bytes(&d, want));

	/* One byte. */
	c.len = 1;
	EXPECT(sdxi_encode_copy(&d, 0, &c) == 0);
	EXPECT(d.copy.size == 0);

	/* Overlap either way is refused, touching ranges are not. */
	c.len = 0x1000;
	c.dst = c.src + 0xfff;
	EXPECT(sdxi_encode_copy(&d, 0, &c) == -EINVAL);
	c.dst = c.src - 0xfff;
	EXPECT(sdxi_encode_copy(&d, 0, &c) == -EINVAL);
	c.dst = c.src + 0x1000;
	EXPECT(sdxi_encode_copy(&d, 0, &c) == 0);
	c.dst = c.src - 0x1000;
	EXPECT(sdxi_encode_copy(&d, 0, &c) == 0);

	/* A range past the end of the address space. */
	c.src = U64_MAX - 0x7ff;
	c.dst = 0;
	EXPECT(sdxi_encode_copy(&d, 0, &c) == -EINVAL);
	c.src = U64_MAX - 0xfff;
	EXPECT(sdxi_encode_copy(&d, 0, &c) == 0);
	return true;
}

static bool test_write_imm(void)
{
	static const u8 data[SDXI_WRITE_IMM_MAX + 1] = {
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
	};
	struct sdxi_desc d;
	u8 want[SDXI_DESC_SIZE];

	dirty(&d);
	EXPECT(sdxi_encode_write_imm(&d, 0, 0x3008, 7, data, 8) == 0);
	raw_desc(want, 0x001, 0x02, 0);
	put_le(want, 4, 7, 4);
	put_le(want, 12, 7, 2);
	put_le(want, 16, 0x3008, 8);
	memcpy(want + 24, data, 8);
	EXPECT(same_bytes(&d, want));

	EXPECT(sdxi_encode_write_imm(&d, 0, 0x3008, 7, data, 32) == 0);
	EXPECT(d.write_imm.size == cpu_to_le32(31));
	EXPECT(sdxi_encode_write_imm(&d, 0, 0x3008, 7, data, 0) == -EINVAL);
	EXPECT(sdxi_encode_write_imm(&d, 0, 0x3008, 7, data, 33) == -EINVAL);
	return true;
}

static bool test_rep_copy(void)
{
	struct sdxi_copy b = { .src = 0x4000, .dst = 0x4020, .len = 32,
			       .src_akey = 1, .dst_akey = 2 };
	struct sdxi_desc d;
	u8 want[SDXI_DESC_SIZE];

	dirty(&d);
	EXPECT(sdxi_encode_rep_copy(&d, SDXI_DSC_FE, &b, 100) == 0);
	raw_desc(want, 0x001, 0x04, RAW_FE);
	put_le(want, 4, 31, 4);
	put_le(want, 12, 1, 2);
	put_le(want, 14, 2, 2);
	put_le(want, 16, 0x4000, 8);
	put_le(want, 24, 0x4020, 8);
	put_le(want, 32, 99, 4);
	EXPECT(same_bytes(&d, want));

	EXPECT(sdxi_encode_rep_copy(&d, 0, &b, 0) == -EINVAL);
	/* The block must not lie inside what it is copied over. */
	b.dst = 0x3000;
	EXPECT(sdxi_encode_rep_copy(&d, 0, &b, 0x100) == -EINVAL);
	EXPECT(sdxi_encode_rep_copy(&d, 0, &b, 0x80) == 0);
	return true;
}

static bool test_intr(void)
{
	struct sdxi_desc d;
	u8 want[SDXI_DESC_SIZE];

	dirty(&d);
	EXPECT(sdxi_encode_intr(&d, SDXI_DSC_FE, 0x0109) == 0);
	raw_desc(want, 0x004, 0x00, RAW_FE);
	put_le(want, 12, 0x0109, 2);
	EXPECT(same_bytes(&d, want));
	return true;
}

static bool test_admin(void)
{
	struct sdxi_desc d;
	u8 want[SDXI_DESC_SIZE];

	dirty(&d);
	EXPECT(sdxi_encode_cxt_start(&d, 1, 0x7f, 0x123456789aULL) == 0);
	raw_desc(want, 0x002, 0x03, RAW_FE);
	put_le(want, 8, 1, 2);
	put_le(want, 10, 0x7f, 2);
	put_le(want, 16, 0x123456789aULL, 8);
	EXPECT(same_bytes(&d, want));
	EXPECT(sdxi_encode_cxt_start(&d, 2, 1, 0) == -EINVAL);

	dirty(&d);
	EXPECT(sdxi_encode_cxt_stop(&d, 0, 2, 2) == 0);
	raw_desc(want, 0x002, 0x04, 0);
	put_le(want, 8, 2, 2);
	put_le(want, 10, 2, 2);
	EXPECT(same_bytes(&d, want));

	dirty(&d);
	EXPECT(sdxi_encode_sync(&d, SDXI_DSC_FE, SDXI_SYNC_AKEY, 3, 5) == 0);
	raw_desc(want, 0x002, 0x06, RAW_FE);
	want[4] = 2;
	put_le(want, 8, 3, 2);
	put_le(want, 10, 5, 2);
	put_le(want, 14, 0xffff, 2);
	EXPECT(same_bytes(&d, want));

	EXPECT(sdxi_encode_sync(&d, 0, SDXI_SYNC_CXT, 4, 4) == 0);
	raw_desc(want, 0x002, 0x06, 0);
	put_le(want, 8, 4, 2);
	put_le(want, 10, 4, 2);
	EXPECT(same_bytes(&d, want));
	EXPECT(sdxi_encode_sync(&d, 0, SDXI_SYNC_FN + 1, 0, 0) == -EINVAL);
	return true;
}

static bool test_publish(void)
{
	struct sdxi_desc d;
	u8 want[SDXI_DESC_SIZE];

	dirty(&d);
	EXPECT(sdxi_encode_intr(&d, SDXI_DSC_CH, 4) == 0);
	raw_desc(want, 0x004, 0x00, RAW_CH);
	put_le(want, 12, 4, 2);
	EXPECT(same_bytes(&d, want));
	sdxi_desc_publish(&d);
	want[0] |= RAW_VL;
	EXPECT(same_bytes(&d, want));
	return true;
}

/* A ring in plain memory with the function's side played by the test. */
struct test_ring {
	struct sdxi_ring ring;
	struct sdxi_desc *desc;
	__le64 write_index;
	struct sdxi_cxt_sts sts;
};

static struct test_ring *test_ring_new(u32 entries, u64 read_index)
{
	struct test_ring *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
	t->desc = kcalloc(entries, sizeof(*t->desc), GFP_KERNEL);
	if (!t->desc) {
		kfree(t);
		return NULL;
	}
	t->sts.read_index = cpu_to_le64(read_index);
	t->write_index = cpu_to_le64(0xdead);
	if (sdxi_ring_init(&t->ring, t->desc, entries, &t->write_index,
			   &t->sts.read_index)) {
		kfree(t->desc);
		kfree(t);
		return NULL;
	}
	return t;
}

static void test_ring_free(struct test_ring *t)
{
	if (t)
		kfree(t->desc);
	kfree(t);
}

static bool valid(const struct sdxi_desc *d)
{
	return ((const u8 *)d)[0] & RAW_VL;
}

/* Reserve, check the slots, encode Nops, publish; the doorbell value back. */
static bool fill_nops(struct test_ring *t, u32 nr, u64 want_index, u64 *db)
{
	struct sdxi_ring_resv r;
	u64 i;

	if (!EXPECT(sdxi_ring_reserve(&t->ring, nr, &r) == 0))
		return false;
	EXPECT(r.index == want_index && r.nr == nr);
	EXPECT(le64_to_cpu(t->write_index) == want_index + nr);
	for (i = r.index; i < r.index + nr; i++) {
		struct sdxi_desc *d = sdxi_ring_desc(&t->ring, i);

		EXPECT(!valid(d));
		EXPECT(sdxi_encode_nop(d, 0) == 0);
	}
	*db = sdxi_ring_publish(&t->ring, &r);
	return !test_failed;
}

static void consume(struct test_ring *t, u64 read_index)
{
	t->sts.read_index = cpu_to_le64(read_index);
}

/* A 7-entry ring, 3 at a time: slots wrap at every possible offset. */
static bool test_ring_wrap(void)
{
	struct test_ring *t = test_ring_new(7, 0);
	bool ok = false;
	u64 idx = 0, db;
	int lap;

	if (!EXPECT(t))
		return false;
	EXPECT(le64_to_cpu(t->write_index) == 0);
	for (lap = 0; lap < 10; lap++, idx += 3) {
		if (!fill_nops(t, 3, idx, &db) || db != idx + 3)
			goto out;
		if (sdxi_ring_desc(&t->ring, idx + 2) != &t->desc[(idx + 2) % 7])
			goto out;
		consume(t, idx + 3);
	}
	ok = true;
out:
	test_ring_free(t);
	return ok;
}

static bool test_ring_full(void)
{
	struct test_ring *t = test_ring_new(5, 0);
	struct sdxi_ring_resv r;
	bool ok = false;
	u64 db;

	if (!EXPECT(t))
		return false;
	if (!fill_nops(t, 5, 0, &db))
		goto out;
	if (sdxi_ring_reserve(&t->ring, 1, &r) != -EAGAIN ||
	    le64_to_cpu(t->write_index) != 5)
		goto out;
	consume(t, 2);
	if (sdxi_ring_reserve(&t->ring, 3, &r) != -EAGAIN ||
	    !fill_nops(t, 2, 5, &db) ||
	    sdxi_ring_reserve(&t->ring, 1, &r) != -EAGAIN)
		goto out;
	consume(t, 7);
	if (sdxi_ring_reserve(&t->ring, 0, &r) != -EINVAL ||
	    sdxi_ring_reserve(&t->ring, 6, &r) != -EINVAL ||
	    !fill_nops(t, 5, 7, &db) || db != 12)
		goto out;
	ok = true;
out:
	test_ring_free(t);
	return ok;
}

/* Indexes far from zero: slots by 64-bit remainder, and the end of u64. */
static bool test_ring_large_index(void)
{
	struct test_ring *t = test_ring_new(1000, 0xfffffffffffff003ULL);
	struct sdxi_ring_resv r;
	bool ok = false;
	u64 db;

	if (!EXPECT(t))
		return false;
	if (le64_to_cpu(t->write_index) != 0xfffffffffffff003ULL ||
	    !fill_nops(t, 10, 0xfffffffffffff003ULL, &db) ||
	    db != 0xfffffffffffff00dULL ||
	    sdxi_ring_desc(&t->ring, 0xfffffffffffff003ULL) != &t->desc[523])
		goto out;
	test_ring_free(t);

	t = test_ring_new(1000, U64_MAX - 2);
	if (!EXPECT(t))
		return false;
	if (sdxi_ring_reserve(&t->ring, 3, &r) != -EIO ||
	    !fill_nops(t, 2, U64_MAX - 2, &db) || db != U64_MAX ||
	    sdxi_ring_desc(&t->ring, U64_MAX - 2) != &t->desc[613] ||
	    !valid(&t->desc[614]) || valid(&t->desc[615]))
		goto out;
	ok = true;
out:
	test_ring_free(t);
	return ok;
}

/* A later reservation published first: the doorbell never goes back. */
static bool test_ring_out_of_order(void)
{
	struct test_ring *t = test_ring_new(8, 4);
	struct sdxi_ring_resv a, b, c;
	bool ok = false;
	u64 i;

	if (!EXPECT(t))
		return false;
	if (sdxi_ring_reserve(&t->ring, 2, &a) ||
	    sdxi_ring_reserve(&t->ring, 3, &b) ||
	    sdxi_ring_reserve(&t->ring, 1, &c) ||
	    a.index != 4 || b.index != 6 || c.index != 9 ||
	    le64_to_cpu(t->write_index) != 10)
		goto out;
	for (i = 4; i < 10; i++)
		sdxi_encode_nop(sdxi_ring_desc(&t->ring, i), 0);

	if (sdxi_ring_publish(&t->ring, &b) != 9)
		goto out;
	for (i = 4; i < 10; i++)
		if (valid(sdxi_ring_desc(&t->ring, i)) != (i >= 6 && i < 9))
			goto out;
	if (sdxi_ring_publish(&t->ring, &a) != 9 ||
	    sdxi_ring_publish(&t->ring, &c) != 10)
		goto out;
	for (i = 4; i < 10; i++)
		if (!valid(sdxi_ring_desc(&t->ring, i)))
			goto out;
	ok = true;
out:
	test_ring_free(t);
	return ok;
}

/* After a wrap the slots still say VL from the last lap until reserved. */
static bool test_ring_stale_valid(void)
{
	struct test_ring *t = test_ring_new(4, 0);
	struct sdxi_ring_resv r;
	bool ok = false;
	u64 db;
	int i;

	if (!EXPECT(t))
		return false;
	if (!fill_nops(t, 4, 0, &db))
		goto out;
	consume(t, 4);
	for (i = 0; i < 4; i++)
		if (!valid(&t->desc[i]))
			goto out;
	if (sdxi_ring_reserve(&t->ring, 3, &r) || r.index != 4)
		goto out;
	if (valid(&t->desc[0]) || valid(&t->desc[1]) || valid(&t->desc[2]) ||
	    !valid(&t->desc[3]))
		goto out;
	ok = true;
out:
	test_ring_free(t);
	return ok;
}

/* A read index past the write index is the function's error, not room. */
static bool test_ring_read_ahead(void)
{
	struct test_ring *t = test_ring_new(16, 100);
	struct sdxi_ring_resv r;
	bool ok = false;
	u64 db;

	if (!EXPECT(t))
		return false;
	if (!fill_nops(t, 4, 100, &db))
		goto out;
	consume(t, 105);
	if (sdxi_ring_reserve(&t->ring, 1, &r) != -EIO ||
	    le64_to_cpu(t->write_index) != 104 || valid(&t->desc[104 % 16]))
		goto out;
	consume(t, 104);
	if (!fill_nops(t, 16, 104, &db) || db != 120)
		goto out;
	ok = true;
out:
	test_ring_free(t);
	return ok;
}

static const struct sdxi_ktest tests[] = {
	{ "nop", test_nop },
	{ "copy", test_copy },
	{ "copy_limits", test_copy_limits },
	{ "write_imm", test_write_imm },
	{ "rep_copy", test_rep_copy },
	{ "intr", test_intr },
	{ "admin", test_admin },
	{ "publish", test_publish },
	{ "ring_wrap", test_ring_wrap },
	{ "ring_full", test_ring_full },
	{ "ring_large_index", test_ring_large_index },
	{ "ring_out_of_order", test_ring_out_of_order },
	{ "ring_stale_valid", test_ring_stale_valid },
	{ "ring_read_ahead", test_ring_read_ahead },
};

static int __init test_sdxi_init(void)
{
	sdxi_ktest_run(tests, ARRAY_SIZE(tests));
	return sdxi_ktest_report();
}

static void __exit test_sdxi_exit(void)
{
}

module_init(test_sdxi_init);
module_exit(test_sdxi_exit);

MODULE_DESCRIPTION("Unit tests of the SDXI core");
MODULE_LICENSE("GPL");
