/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bus-neutral SDXI core: descriptor encoders and the descriptor ring.
 * Nothing here touches a register: the fronts (PCI, functional model) map
 * the function and ring the doorbell with the value the ring hands back.
 */
#ifndef _SDXI_H
#define _SDXI_H

#include <linux/atomic.h>
#include <linux/types.h>

#include "sdxi_hw.h"

/* Descriptor flags an encoder accepts: fence and chain. */
#define SDXI_DESC_FLAGS		(SDXI_DSC_FE | SDXI_DSC_CH)

/* A Copy: @len bytes from @src to @dst, both DMA addresses. */
struct sdxi_copy {
	dma_addr_t src;
	dma_addr_t dst;
	u64 len;
	u16 src_akey;
	u16 dst_akey;
};

int sdxi_encode_nop(struct sdxi_desc *desc, u32 flags);
int sdxi_encode_copy(struct sdxi_desc *desc, u32 flags,
		     const struct sdxi_copy *copy);
int sdxi_encode_rep_copy(struct sdxi_desc *desc, u32 flags,
			 const struct sdxi_copy *block, u32 count);
int sdxi_encode_write_imm(struct sdxi_desc *desc, u32 flags, dma_addr_t dst,
			  u16 dst_akey, const void *data, unsigned int len);
int sdxi_encode_intr(struct sdxi_desc *desc, u32 flags, u16 akey);
int sdxi_encode_cxt_start(struct sdxi_desc *desc, u16 first, u16 last,
			  u64 db_value);
int sdxi_encode_cxt_stop(struct sdxi_desc *desc, u32 flags, u16 first,
			 u16 last);
int sdxi_encode_sync(struct sdxi_desc *desc, u32 flags,
		     enum sdxi_sync_filter filter, u16 first, u16 last);
int sdxi_desc_set_csb(struct sdxi_desc *desc, dma_addr_t csb);
void sdxi_desc_publish(struct sdxi_desc *desc);

/**
 * struct sdxi_ring - a context's descriptor ring, as its producer sees it
 * @desc: the ring, @entries descriptors
 * @entries: ring size; any number, not only a power of two
 * @write_index: where the function reads the write index (in memory)
 * @read_index: where the function reports its read index (CXT_STS)
 * @widx: the next index to hand out; indexes only ever grow
 * @doorbell: the highest index published so far
 *
 * Reservations are serialised by the caller; publication is not.
 */
struct sdxi_ring {
	struct sdxi_desc *desc;
	u32 entries;
	__le64 *write_index;
	const __le64 *read_index;
	u64 widx;
	atomic64_t doorbell;
};

/**
 * struct sdxi_ring_resv - descriptors reserved on a ring
 * @index: ring index of the first one
 * @nr: how many
 */
struct sdxi_ring_resv {
	u64 index;
	u32 nr;
};

int sdxi_ring_init(struct sdxi_ring *ring, struct sdxi_desc *desc, u32 entries,
		   __le64 *write_index, const __le64 *read_index);
int sdxi_ring_reserve(struct sdxi_ring *ring, u32 nr,
		      struct sdxi_ring_resv *resv);
struct sdxi_desc *sdxi_ring_desc(const struct sdxi_ring *ring, u64 index);
u64 sdxi_ring_publish(struct sdxi_ring *ring,
		      const struct sdxi_ring_resv *resv);

#endif /* _SDXI_H */
