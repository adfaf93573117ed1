/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SDXI 1.0 (SNIA Smart Data Accelerator Interface): the memory structures
 * software shares with a function and the function's MMIO registers.
 *
 * Everything in memory is little-endian.  Multi-bit fields are described by
 * masks for FIELD_PREP()/FIELD_GET() on the CPU-order value, or for
 * le64_encode_bits()/le64_get_bits() and friends on the stored one.
 */
#ifndef _SDXI_HW_H
#define _SDXI_HW_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/sizes.h>
#include <linux/stddef.h>
#include <linux/types.h>

/* ---- Context tables ---------------------------------------------------- */

/* A context number: L2 index in the upper 9 bits, L1 index in the lower 7. */
#define SDXI_CXT_NUM_L2_IDX		GENMASK(15, 7)
#define SDXI_CXT_NUM_L1_IDX		GENMASK(6, 0)
#define SDXI_L2_TABLE_ENTRIES		512
#define SDXI_L1_TABLE_ENTRIES		128
#define SDXI_TABLE_SIZE			4096
#define SDXI_ADMIN_CXT_NUM		0

/* CXT_L2_ENT: one 8-byte entry of the 4 KiB level-2 table. */
struct sdxi_cxt_l2_ent {
	__le64 lv01_ptr;
};

#define SDXI_L2_ENT_VL			BIT_ULL(0)
#define SDXI_L2_ENT_L1_PTR		GENMASK_ULL(63, 12)

/* CXT_L1_ENT: one 32-byte entry of a 4 KiB level-1 table. */
struct sdxi_cxt_l1_ent {
	__le64 cxt_ctl_ptr;
	__le64 akey_ptr;
	__le32 misc0;
	__le32 opb_000_enb;
	u8 rsvd_0[8];
};

#define SDXI_L1_ENT_VL			BIT_ULL(0)
#define SDXI_L1_ENT_KA			BIT_ULL(1)
#define SDXI_L1_ENT_PV			BIT_ULL(2)
#define SDXI_L1_ENT_CXT_CTL_PTR		GENMASK_ULL(63, 6)
#define SDXI_L1_ENT_AKEY_SZ		GENMASK_ULL(3, 0)
#define SDXI_L1_ENT_AKEY_PTR		GENMASK_ULL(63, 12)
#define SDXI_L1_ENT_PASID		GENMASK(19, 0)
#define SDXI_L1_ENT_MAX_BUFFER		GENMASK(23, 20)

/* CXT_CTL: where a context's ring, status and write index live. */
struct sdxi_cxt_ctl {
	__le64 ds_ring_ptr;
	__le32 ds_ring_sz;
	u8 rsvd_0[4];
	__le64 cxt_sts_ptr;
	__le64 write_index_ptr;
	u8 rsvd_1[32];
};

#define SDXI_CXT_CTL_VL			BIT_ULL(0)
#define SDXI_CXT_CTL_QOS		GENMASK_ULL(3, 2)
#define SDXI_CXT_CTL_SE			BIT_ULL(4)
#define SDXI_CXT_CTL_CSA		BIT_ULL(5)
#define SDXI_CXT_CTL_RING_PTR		GENMASK_ULL(63, 6)
#define SDXI_CXT_CTL_STS_PTR		GENMASK_ULL(63, 4)
#define SDXI_CXT_CTL_WIDX_PTR		GENMASK_ULL(63, 3)

/* The smallest descriptor ring a function has to accept: 64 KiB. */
#define SDXI_RING_MIN_ENTRIES		1024

/* CXT_STS: the context's state and the function's read index. */
struct sdxi_cxt_sts {
	u8 state;
	u8 misc0;
	u8 rsvd_0[6];
	__le64 read_index;
};

#define SDXI_CXT_STS_STATE		GENMASK(3, 0)

enum sdxi_cxt_state {
	SDXI_CXT_STOP_SW	= 0x0,
	SDXI_CXT_RUN		= 0x1,
	SDXI_CXT_STOPG_SW	= 0x2,
	SDXI_CXT_STOP_FN	= 0x4,
	SDXI_CXT_STOPG_FN	= 0x6,
	SDXI_CXT_ERR_FN		= 0xf,
};

/* AKEY_ENT: an address key, naming an address space and an interrupt. */
struct sdxi_akey_ent {
	__le16 intr_num;
	__le16 tgt_sfunc;
	__le32 pasid;
	__le16 stag;
	__le16 rkey;
	u8 rsvd_0[4];
};

#define SDXI_AKEY_VL			BIT(0)
#define SDXI_AKEY_IV			BIT(1)
#define SDXI_AKEY_PV			BIT(2)
#define SDXI_AKEY_INTR_NUM		GENMASK(14, 4)
#define SDXI_AKEY_PASID			GENMASK(19, 0)
#define SDXI_AKEY_PR			BIT(29)

/* Error log header entry, written by the function. */
struct sdxi_errlog_ent {
	__le32 opcode;
	__le16 misc0;
	__le16 cxt_num;
	__le64 dsc_index;
	u8 rsvd_0[28];
	__le16 err_class;
	u8 rsvd_1[2];
	__le32 vendor[4];
};

#define SDXI_ERRLOG_VL			BIT(0)

/* CST_BLK: completion status block; software arms it, the function signals. */
struct sdxi_cst_blk {
	__le64 signal;
	__le32 flags;
	u8 rsvd_0[20];
};

#define SDXI_CST_BLK_ER			BIT(31)
#define SDXI_CST_BLK_ALIGN		32

/* ---- Descriptors ------------------------------------------------------- */

#define SDXI_DESC_SIZE			64

/* The first 32-bit word of every descriptor. */
#define SDXI_DSC_VL			BIT(0)
#define SDXI_DSC_SE			BIT(1)
#define SDXI_DSC_FE			BIT(2)
#define SDXI_DSC_CH			BIT(3)
#define SDXI_DSC_CSR			BIT(4)
#define SDXI_DSC_RB			BIT(5)
#define SDXI_DSC_SUBTYPE		GENMASK(15, 8)
#define SDXI_DSC_TYPE			GENMASK(26, 16)

/* The last 64-bit word: where to signal completion, NP when nowhere. */
#define SDXI_DSC_CSB_NP			BIT_ULL(0)
#define SDXI_DSC_CSB_PTR		GENMASK_ULL(63, 5)

/* Operation groups (TYPE) and their operations (SUBTYPE). */
enum sdxi_dsc_type {
	SDXI_DSC_TYPE_DMAB	= 0x001,
	SDXI_DSC_TYPE_ADMIN	= 0x002,
	SDXI_DSC_TYPE_INTR	= 0x004,
};

enum sdxi_dsc_subtype {
	SDXI_DSC_DMAB_NOP		= 0x01,
	SDXI_DSC_DMAB_WRITE_IMM		= 0x02,
	SDXI_DSC_DMAB_COPY		= 0x03,
	SDXI_DSC_DMAB_REP_COPY		= 0x04,

	SDXI_DSC_ADMIN_CXT_START_NM	= 0x03,
	SDXI_DSC_ADMIN_CXT_STOP		= 0x04,
	SDXI_DSC_ADMIN_SYNC		= 0x06,
	SDXI_DSC_ADMIN_CXT_START_RS	= 0x08,

	SDXI_DSC_INTR			= 0x00,
};

/* Largest Copy/RepCopy block: the size field holds length - 1. */
#define SDXI_COPY_MAX			SZ_4G
#define SDXI_WRITE_IMM_MAX		32

/* DmaBase Copy, and the block of a RepCopy. */
struct sdxi_dsc_copy {
	__le32 opcode;
	__le32 size;
	u8 attr;
	u8 rsvd_0[3];
	__le16 akey0;
	__le16 akey1;
	__le64 addr0;
	__le64 addr1;
	u8 rsvd_1[24];
	__le64 csb_ptr;
};

/*
 * DmaBase RepCopy: the block at addr0 is written rep_count + 1 times, back
 * to back, from addr1 on.
 */
struct sdxi_dsc_rep_copy {
	__le32 opcode;
	__le32 size;
	u8 attr;
	u8 rsvd_0[3];
	__le16 akey0;
	__le16 akey1;
	__le64 addr0;
	__le64 addr1;
	__le32 rep_count;
	u8 rsvd_1[20];
	__le64 csb_ptr;
};

/* DmaBase WriteImm: size + 1 bytes of data stored at addr0. */
struct sdxi_dsc_write_imm {
	__le32 opcode;
	__le32 size;
	u8 attr;
	u8 rsvd_0[3];
	__le16 akey0;
	u8 rsvd_1[2];
	__le64 addr0;
	u8 data[SDXI_WRITE_IMM_MAX];
	__le64 csb_ptr;
};

/* Intr: raise the interrupt that the AKey's intr_num names. */
struct sdxi_dsc_intr {
	__le32 opcode;
	u8 rsvd_0[8];
	__le16 akey;
	u8 rsvd_1[42];
	__le64 csb_ptr;
};

/* Admin CxtStart: start contexts cxt_start..cxt_end, first doorbell value. */
struct sdxi_dsc_cxt_start {
	__le32 opcode;
	u8 rsvd_0;
	u8 vflags;
	__le16 vf_num;
	__le16 cxt_start;
	__le16 cxt_end;
	u8 rsvd_1[4];
	__le64 db_value;
	u8 rsvd_2[32];
	__le64 csb_ptr;
};

/* Admin CxtStop: stop contexts cxt_start..cxt_end. */
struct sdxi_dsc_cxt_stop {
	__le32 opcode;
	u8 rsvd_0;
	u8 vflags;
	__le16 vf_num;
	__le16 cxt_start;
	__le16 cxt_end;
	u8 rsvd_1[44];
	__le64 csb_ptr;
};

#define SDXI_DSC_VFLAGS_HS		BIT(6)

/* Admin Sync: wait until the function holds no stale copy of what cflags names. */
struct sdxi_dsc_sync {
	__le32 opcode;
	u8 cflags;
	u8 vflags;
	__le16 vf_num;
	__le16 cxt_start;
	__le16 cxt_end;
	__le16 key_start;
	__le16 key_end;
	u8 rsvd_0[40];
	__le64 csb_ptr;
};

#define SDXI_DSC_SYNC_FILTER		GENMASK(2, 0)

enum sdxi_sync_filter {
	SDXI_SYNC_CXT	= 0,
	SDXI_SYNC_STOP	= 1,
	SDXI_SYNC_AKEY	= 2,
	SDXI_SYNC_RKEY	= 3,
	SDXI_SYNC_FN	= 4,
};

struct sdxi_desc {
	union {
		struct {
			__le32 opcode;
			u8 operation[52];
			__le64 csb_ptr;
		};
		struct sdxi_dsc_copy copy;
		struct sdxi_dsc_rep_copy rep_copy;
		struct sdxi_dsc_write_imm write_imm;
		struct sdxi_dsc_intr intr;
		struct sdxi_dsc_cxt_start cxt_start;
		struct sdxi_dsc_cxt_stop cxt_stop;
		struct sdxi_dsc_sync sync;
	};
};

/* ---- MMIO registers (BAR0), all 64 bits wide ---------------------------- */

#define SDXI_MMIO_CTL0			0x00000
#define SDXI_MMIO_CTL2			0x00010
#define SDXI_MMIO_STS0			0x00100
#define SDXI_MMIO_CAP0			0x00200
#define SDXI_MMIO_CAP1			0x00208
#define SDXI_MMIO_VERSION		0x00210
#define SDXI_MMIO_CXT_L2		0x10000
#define SDXI_MMIO_RKEY			0x10100
#define SDXI_MMIO_ERR_CTL		0x20000
#define SDXI_MMIO_ERR_STS		0x20008
#define SDXI_MMIO_ERR_CFG		0x20010
#define SDXI_MMIO_ERR_WRT		0x20020
#define SDXI_MMIO_ERR_RD		0x20028

#define SDXI_CTL0_FN_GSR		GENMASK_ULL(1, 0)
#define SDXI_CTL0_FN_PASID_VL		BIT_ULL(2)
#define SDXI_CTL0_FN_ERR_INTR_EN	BIT_ULL(4)
#define SDXI_CTL0_FN_PASID		GENMASK_ULL(27, 8)
#define SDXI_CTL0_FN_GRP_ID		GENMASK_ULL(63, 32)

/* Function state software requests (GSR) ... */
enum sdxi_gsr {
	SDXI_GSR_RESET		= 0,
	SDXI_GSR_STOP_SF	= 1,
	SDXI_GSR_STOP_HD	= 2,
	SDXI_GSR_ACTIVE		= 3,
};

#define SDXI_CTL2_MAX_BUFFER		GENMASK_ULL(3, 0)
#define SDXI_CTL2_MAX_AKEY_SZ		GENMASK_ULL(15, 12)
#define SDXI_CTL2_MAX_CXT		GENMASK_ULL(31, 16)
#define SDXI_CTL2_OPB_000_AVL		GENMASK_ULL(63, 32)

#define SDXI_STS0_FN_GSV		GENMASK_ULL(2, 0)

/* ... and the state the function reports (GSV). */
enum sdxi_gsv {
	SDXI_GSV_STOP		= 0,
	SDXI_GSV_INIT		= 1,
	SDXI_GSV_ACTIVE		= 2,
	SDXI_GSV_STOPG_SF	= 3,
	SDXI_GSV_STOPG_HD	= 4,
	SDXI_GSV_ERROR		= 5,
};

/* Doorbell stride: 4 KiB << DB_STRIDE; ring entries at most 1K << field. */
#define SDXI_CAP0_SFUNC			GENMASK_ULL(15, 0)
#define SDXI_CAP0_DB_STRIDE		GENMASK_ULL(22, 20)
#define SDXI_CAP0_MAX_DS_RING_SZ	GENMASK_ULL(28, 24)

/* At most 256 << MAX_AKEY_SZ address keys. */
#define SDXI_CAP1_MAX_BUFFER		GENMASK_ULL(3, 0)
#define SDXI_CAP1_RKEY_CAP		BIT_ULL(4)
#define SDXI_CAP1_RM			BIT_ULL(5)
#define SDXI_CAP1_MMIO64		BIT_ULL(6)
#define SDXI_CAP1_MAX_ERRLOG_SZ		GENMASK_ULL(11, 8)
#define SDXI_CAP1_MAX_AKEY_SZ		GENMASK_ULL(15, 12)
#define SDXI_CAP1_MAX_CXT		GENMASK_ULL(31, 16)
#define SDXI_CAP1_OPB_000_CAP		GENMASK_ULL(63, 32)

/* An OPB_000 map (CAP1, CTL2, L1 entry) has bit n for operation group n. */
#define SDXI_OPB_000(type)		BIT(type)

#define SDXI_VERSION_MINOR		GENMASK_ULL(7, 0)
#define SDXI_VERSION_MAJOR		GENMASK_ULL(23, 16)

#define SDXI_CXT_L2_PTR			GENMASK_ULL(63, 12)

#define SDXI_RKEY_EN			BIT_ULL(0)
#define SDXI_RKEY_SZ			GENMASK_ULL(4, 1)
#define SDXI_RKEY_PTR			GENMASK_ULL(63, 12)

#define SDXI_ERR_CTL_EN			BIT_ULL(0)

#define SDXI_ERR_STS_STS		BIT_ULL(0)
#define SDXI_ERR_STS_OVF		BIT_ULL(1)
#define SDXI_ERR_STS_ERR		BIT_ULL(3)

#define SDXI_ERR_CFG_EN			BIT_ULL(0)
#define SDXI_ERR_CFG_SZ			GENMASK_ULL(5, 1)
#define SDXI_ERR_CFG_PTR		GENMASK_ULL(63, 12)

/* ---- Sizes and offsets the function depends on -------------------------- */

static_assert(sizeof(struct sdxi_cxt_l2_ent) == 8);
static_assert(sizeof(struct sdxi_cxt_l1_ent) == 32);
static_assert(offsetof(struct sdxi_cxt_l1_ent, akey_ptr) == 8);
static_assert(offsetof(struct sdxi_cxt_l1_ent, misc0) == 16);
static_assert(offsetof(struct sdxi_cxt_l1_ent, opb_000_enb) == 20);
static_assert(sizeof(struct sdxi_cxt_ctl) == 64);
static_assert(offsetof(struct sdxi_cxt_ctl, ds_ring_sz) == 8);
static_assert(offsetof(struct sdxi_cxt_ctl, cxt_sts_ptr) == 16);
static_assert(offsetof(struct sdxi_cxt_ctl, write_index_ptr) == 24);
static_assert(sizeof(struct sdxi_cxt_sts) == 16);
static_assert(offsetof(struct sdxi_cxt_sts, read_index) == 8);
static_assert(sizeof(struct sdxi_akey_ent) == 16);
static_assert(offsetof(struct sdxi_akey_ent, pasid) == 4);
static_assert(offsetof(struct sdxi_akey_ent, stag) == 8);
static_assert(offsetof(struct sdxi_akey_ent, rkey) == 10);
static_assert(sizeof(struct sdxi_errlog_ent) == 64);
static_assert(offsetof(struct sdxi_errlog_ent, dsc_index) == 8);
static_assert(offsetof(struct sdxi_errlog_ent, err_class) == 44);
static_assert(sizeof(struct sdxi_cst_blk) == 32);
static_assert(offsetof(struct sdxi_cst_blk, flags) == 8);

static_assert(sizeof(struct sdxi_desc) == SDXI_DESC_SIZE);
static_assert(offsetof(struct sdxi_desc, csb_ptr) == 56);
static_assert(sizeof(struct sdxi_dsc_copy) == SDXI_DESC_SIZE);
static_assert(offsetof(struct sdxi_dsc_copy, size) == 4);
static_assert(offsetof(struct sdxi_dsc_copy, attr) == 8);
static_assert(offsetof(struct sdxi_dsc_copy, akey0) == 12);
static_assert(offsetof(struct sdxi_dsc_copy, addr0) == 16);
static_assert(offsetof(struct sdxi_dsc_copy, addr1) == 24);
static_assert(offsetof(struct sdxi_dsc_copy, csb_ptr) == 56);
static_assert(sizeof(struct sdxi_dsc_rep_copy) == SDXI_DESC_SIZE);
static_assert(offsetof(struct sdxi_dsc_rep_copy, rep_count) == 32);
static_assert(offsetof(struct sdxi_dsc_rep_copy, csb_ptr) == 56);
static_assert(sizeof(struct sdxi_dsc_write_imm) == SDXI_DESC_SIZE);
static_assert(offsetof(struct sdxi_dsc_write_imm, addr0) == 16);
static_assert(offsetof(struct sdxi_dsc_write_imm, data) == 24);
static_assert(offsetof(struct sdxi_dsc_write_imm, csb_ptr) == 56);
static_assert(sizeof(struct sdxi_dsc_intr) == SDXI_DESC_SIZE);
static_assert(offsetof(struct sdxi_dsc_intr, akey) == 12);
static_assert(offsetof(struct sdxi_dsc_intr, csb_ptr) == 56);
static_assert(sizeof(struct sdxi_dsc_cxt_start) == SDXI_DESC_SIZE);
static_assert(offsetof(struct sdxi_dsc_cxt_start, cxt_start) == 8);
static_assert(offsetof(struct sdxi_dsc_cxt_start, db_value) == 16);
static_assert(offsetof(struct sdxi_dsc_cxt_start, csb_ptr) == 56);
static_assert(sizeof(struct sdxi_dsc_cxt_stop) == SDXI_DESC_SIZE);
static_assert(offsetof(struct sdxi_dsc_cxt_stop, cxt_end) == 10);
static_assert(offsetof(struct sdxi_dsc_cxt_stop, csb_ptr) == 56);
static_assert(sizeof(struct sdxi_dsc_sync) == SDXI_DESC_SIZE);
static_assert(offsetof(struct sdxi_dsc_sync, key_start) == 12);
static_assert(offsetof(struct sdxi_dsc_sync, csb_ptr) == 56);

#endif /* _SDXI_HW_H */
