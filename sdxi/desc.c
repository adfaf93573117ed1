// SPDX-License-Identifier: GPL-2.0
/*
 * SDXI descriptor encoders.
 *
 * Each encoder fills one ring slot: the operation and the completion pointer
 * first, the opcode word last and always with VL clear, so that a function
 * that looks at the slot early sees an invalid descriptor.  The slot becomes
 * the function's only with sdxi_desc_publish() or sdxi_ring_publish().
 * Until sdxi_desc_set_csb() says otherwise a descriptor signals no
 * completion block (NP).
 *
 * FILL has no descriptor of its own in SDXI 1.0.  The backend composes it:
 * a WriteImm of the 8-byte pattern, repeated to 32 bytes, into the start of
 * the destination, then a fenced RepCopy of those 32 bytes over the rest
 * (and a fenced WriteImm or Copy for a tail shorter than 32 bytes).  The
 * fence keeps the RepCopy from reading the block before it is written.
 */
#include <linux/align.h>
#include <linux/bitfield.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/limits.h>
#include <linux/overflow.h>
#include <linux/string.h>

#include <asm/barrier.h>

#include "sdxi.h"

static __le32 sdxi_opcode(u32 flags, enum sdxi_dsc_type type, u8 subtype)
{
	return cpu_to_le32(flags | FIELD_PREP(SDXI_DSC_TYPE, type) |
			   FIELD_PREP(SDXI_DSC_SUBTYPE, subtype));
}

/* Zero everything but the opcode word and mark "no completion block". */
static void sdxi_desc_clear_body(struct sdxi_desc *desc)
{
	memset(desc->operation, 0, sizeof(desc->operation));
	desc->csb_ptr = cpu_to_le64(SDXI_DSC_CSB_NP);
}

/* The opcode word goes last, invalid until published. */
static void sdxi_desc_finish(struct sdxi_desc *desc, u32 flags,
			     enum sdxi_dsc_type type, u8 subtype)
{
	WRITE_ONCE(desc->opcode, sdxi_opcode(flags, type, subtype));
}

static bool sdxi_flags_ok(u32 flags)
{
	return !(flags & ~SDXI_DESC_FLAGS);
}

/**
 * sdxi_encode_nop() - encode a DmaBase Nop
 * @desc: the ring slot
 * @flags: SDXI_DSC_FE and/or SDXI_DSC_CH
 *
 * Return: 0, or -EINVAL for other flags.
 */
int sdxi_encode_nop(struct sdxi_desc *desc, u32 flags)
{
	if (!sdxi_flags_ok(flags))
		return -EINVAL;
	sdxi_desc_clear_body(desc);
	sdxi_desc_finish(desc, flags, SDXI_DSC_TYPE_DMAB, SDXI_DSC_DMAB_NOP);
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_encode_nop);

/* The spec's memory consistency model has no order for overlapping copies. */
static bool sdxi_copy_ok(const struct sdxi_copy *copy, u64 dst_len)
{
	u64 src_end, dst_end;

	if (!copy->len || copy->len > SDXI_COPY_MAX)
		return false;
	if (check_add_overflow(copy->src, copy->len - 1, &src_end) ||
	    check_add_overflow(copy->dst, dst_len - 1, &dst_end))
		return false;
	return src_end < copy->dst || dst_end < copy->src;
}

static void sdxi_encode_block(struct sdxi_dsc_copy *body,
			      const struct sdxi_copy *copy)
{
	body->size = cpu_to_le32(copy->len - 1);
	body->akey0 = cpu_to_le16(copy->src_akey);
	body->akey1 = cpu_to_le16(copy->dst_akey);
	body->addr0 = cpu_to_le64(copy->src);
	body->addr1 = cpu_to_le64(copy->dst);
}

/**
 * sdxi_encode_copy() - encode a DmaBase Copy
 * @desc: the ring slot
 * @flags: SDXI_DSC_FE and/or SDXI_DSC_CH
 * @copy: source, destination, their AKeys and the length
 *
 * Return: 0, or -EINVAL for other flags, a length of 0 or above 4 GiB, a
 * range that wraps the address space, or overlapping source and destination.
 */
int sdxi_encode_copy(struct sdxi_desc *desc, u32 flags,
		     const struct sdxi_copy *copy)
{
	if (!sdxi_flags_ok(flags) || !sdxi_copy_ok(copy, copy->len))
		return -EINVAL;
	sdxi_desc_clear_body(desc);
	sdxi_encode_block(&desc->copy, copy);
	sdxi_desc_finish(desc, flags, SDXI_DSC_TYPE_DMAB, SDXI_DSC_DMAB_COPY);
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_encode_copy);

/**
 * sdxi_encode_rep_copy() - encode a DmaBase RepCopy
 * @desc: the ring slot
 * @flags: SDXI_DSC_FE and/or SDXI_DSC_CH
 * @block: the block at @block->src, @block->len bytes, written from
 *	@block->dst on
 * @count: how many times the block is written, back to back
 *
 * Return: 0, or -EINVAL for other flags, a block of 0 or above 4 GiB, a
 * count of 0, a destination that wraps the address space or overlaps the
 * block.
 */
int sdxi_encode_rep_copy(struct sdxi_desc *desc, u32 flags,
			 const struct sdxi_copy *block, u32 count)
{
	u64 dst_len;

	if (!sdxi_flags_ok(flags) || !count ||
	    check_mul_overflow(block->len, (u64)count, &dst_len) ||
	    !sdxi_copy_ok(block, dst_len))
		return -EINVAL;
	sdxi_desc_clear_body(desc);
	sdxi_encode_block(&desc->copy, block);
	desc->rep_copy.rep_count = cpu_to_le32(count - 1);
	sdxi_desc_finish(desc, flags, SDXI_DSC_TYPE_DMAB,
			 SDXI_DSC_DMAB_REP_COPY);
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_encode_rep_copy);

/**
 * sdxi_encode_write_imm() - encode a DmaBase WriteImm
 * @desc: the ring slot
 * @flags: SDXI_DSC_FE and/or SDXI_DSC_CH
 * @dst: where the data goes (DMA address)
 * @dst_akey: the AKey of @dst
 * @data: the data, carried in the descriptor
 * @len: 1 to SDXI_WRITE_IMM_MAX bytes
 *
 * Return: 0, or -EINVAL for other flags or a bad length.
 */
int sdxi_encode_write_imm(struct sdxi_desc *desc, u32 flags, dma_addr_t dst,
			  u16 dst_akey, const void *data, unsigned int len)
{
	struct sdxi_dsc_write_imm *body = &desc->write_imm;

	if (!sdxi_flags_ok(flags) || !len || len > SDXI_WRITE_IMM_MAX)
		return -EINVAL;
	sdxi_desc_clear_body(desc);
	body->size = cpu_to_le32(len - 1);
	body->akey0 = cpu_to_le16(dst_akey);
	body->addr0 = cpu_to_le64(dst);
	memcpy(body->data, data, len);
	sdxi_desc_finish(desc, flags, SDXI_DSC_TYPE_DMAB,
			 SDXI_DSC_DMAB_WRITE_IMM);
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_encode_write_imm);

/**
 * sdxi_encode_intr() - encode an Intr
 * @desc: the ring slot
 * @flags: SDXI_DSC_FE and/or SDXI_DSC_CH
 * @akey: the AKey whose interrupt number is raised
 *
 * Return: 0, or -EINVAL for other flags.
 */
int sdxi_encode_intr(struct sdxi_desc *desc, u32 flags, u16 akey)
{
	if (!sdxi_flags_ok(flags))
		return -EINVAL;
	sdxi_desc_clear_body(desc);
	desc->intr.akey = cpu_to_le16(akey);
	sdxi_desc_finish(desc, flags, SDXI_DSC_TYPE_INTR, SDXI_DSC_INTR);
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_encode_intr);

/*
 * Every admin operation on contexts names them at the same place; the body
 * is cleared and the range written through the CxtStop view.
 */
static_assert(offsetof(struct sdxi_dsc_cxt_start, cxt_start) ==
	      offsetof(struct sdxi_dsc_cxt_stop, cxt_start));
static_assert(offsetof(struct sdxi_dsc_sync, cxt_start) ==
	      offsetof(struct sdxi_dsc_cxt_stop, cxt_start));

static void sdxi_encode_cxt_range(struct sdxi_desc *desc, u16 first, u16 last)
{
	sdxi_desc_clear_body(desc);
	desc->cxt_stop.cxt_start = cpu_to_le16(first);
	desc->cxt_stop.cxt_end = cpu_to_le16(last);
}

/**
 * sdxi_encode_cxt_start() - encode an admin CxtStart (normal start)
 * @desc: the admin ring slot
 * @first: first context to start
 * @last: last context to start
 * @db_value: the doorbell value the contexts start from
 *
 * Always fenced: a context must not start before the admin work ahead of
 * it that set it up.
 *
 * Return: 0, or -EINVAL if @last < @first.
 */
int sdxi_encode_cxt_start(struct sdxi_desc *desc, u16 first, u16 last,
			  u64 db_value)
{
	if (last < first)
		return -EINVAL;
	sdxi_encode_cxt_range(desc, first, last);
	desc->cxt_start.db_value = cpu_to_le64(db_value);
	sdxi_desc_finish(desc, SDXI_DSC_FE, SDXI_DSC_TYPE_ADMIN,
			 SDXI_DSC_ADMIN_CXT_START_NM);
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_encode_cxt_start);

/**
 * sdxi_encode_cxt_stop() - encode an admin CxtStop
 * @desc: the admin ring slot
 * @flags: SDXI_DSC_FE and/or SDXI_DSC_CH
 * @first: first context to stop
 * @last: last context to stop
 *
 * Return: 0, or -EINVAL for other flags or @last < @first.
 */
int sdxi_encode_cxt_stop(struct sdxi_desc *desc, u32 flags, u16 first,
			 u16 last)
{
	if (!sdxi_flags_ok(flags) || last < first)
		return -EINVAL;
	sdxi_encode_cxt_range(desc, first, last);
	sdxi_desc_finish(desc, flags, SDXI_DSC_TYPE_ADMIN,
			 SDXI_DSC_ADMIN_CXT_STOP);
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_encode_cxt_stop);

/**
 * sdxi_encode_sync() - encode an admin Sync
 * @desc: the admin ring slot
 * @flags: SDXI_DSC_FE and/or SDXI_DSC_CH
 * @filter: what the function must stop caching
 * @first: first context
 * @last: last context
 *
 * The AKey and RKey filters name every key of those contexts: syncing more
 * keys than changed costs a little time and is never wrong.
 *
 * Return: 0, or -EINVAL for other flags, an unknown filter or @last < @first.
 */
int sdxi_encode_sync(struct sdxi_desc *desc, u32 flags,
		     enum sdxi_sync_filter filter, u16 first, u16 last)
{
	struct sdxi_dsc_sync *body = &desc->sync;

	if (!sdxi_flags_ok(flags) || filter > SDXI_SYNC_FN || last < first)
		return -EINVAL;
	sdxi_encode_cxt_range(desc, first, last);
	body->cflags = FIELD_PREP(SDXI_DSC_SYNC_FILTER, filter);
	if (filter == SDXI_SYNC_AKEY || filter == SDXI_SYNC_RKEY)
		body->key_end = cpu_to_le16(U16_MAX);
	sdxi_desc_finish(desc, flags, SDXI_DSC_TYPE_ADMIN,
			 SDXI_DSC_ADMIN_SYNC);
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_encode_sync);

/**
 * sdxi_desc_set_csb() - have a descriptor signal a completion status block
 * @desc: an encoded, not yet published descriptor
 * @csb: DMA address of the struct sdxi_cst_blk, 32-byte aligned
 *
 * Return: 0, or -EINVAL for a misaligned address.
 */
int sdxi_desc_set_csb(struct sdxi_desc *desc, dma_addr_t csb)
{
	if (!IS_ALIGNED(csb, SDXI_CST_BLK_ALIGN))
		return -EINVAL;
	desc->csb_ptr = cpu_to_le64(csb);
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_desc_set_csb);

/**
 * sdxi_desc_publish() - hand one encoded descriptor to the function
 * @desc: the descriptor; do not touch it afterwards
 *
 * Sets VL behind a barrier, so the function never sees VL before the rest.
 */
void sdxi_desc_publish(struct sdxi_desc *desc)
{
	dma_wmb();
	WRITE_ONCE(desc->opcode, desc->opcode | cpu_to_le32(SDXI_DSC_VL));
}
EXPORT_SYMBOL_GPL(sdxi_desc_publish);
