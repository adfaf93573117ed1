/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bus-neutral SDXI core: descriptor encoders and the descriptor ring.
 * Nothing here touches a register: the fronts (PCI, functional model) map
 * the function and ring the doorbell with the value the ring hands back.
 */
#ifndef _SDXI_H
#define _SDXI_H

#include <linux/atomic.h>
#include <linux/list.h>
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

/* ---- The function and its contexts (device.c) -------------------------- */

struct device;
struct sdxi_fn;
struct sdxi_cxt;

/**
 * struct sdxi_cmpl - a completion status block and its DMA address
 * @blk: the block the function signals
 * @dma: its DMA address
 */
struct sdxi_cmpl {
	struct sdxi_cst_blk *blk;
	dma_addr_t dma;
};

/**
 * struct sdxi_cxt_stats - what a context has seen
 * @irqs: interrupts delivered for it
 * @errors: error log entries naming it
 * @last_err_class: the error class of the latest of those
 * @last_err_index: the descriptor index of the latest of those
 */
struct sdxi_cxt_stats {
	u64 irqs;
	u64 errors;
	u16 last_err_class;
	u64 last_err_index;
};

struct sdxi_fn *sdxi_fn_create(struct device *dev, void __iomem *regs,
			       size_t regs_len, void __iomem *db,
			       size_t db_len);
void sdxi_fn_destroy(struct sdxi_fn *fn);
int sdxi_fn_start(struct sdxi_fn *fn);
void sdxi_fn_stop(struct sdxi_fn *fn);
struct device *sdxi_fn_device(struct sdxi_fn *fn);
u32 sdxi_fn_gsv(struct sdxi_fn *fn);
u64 sdxi_fn_max_buffer(struct sdxi_fn *fn);
void sdxi_fn_irq(struct sdxi_fn *fn, unsigned int vector);
unsigned int sdxi_fn_drain_errlog(struct sdxi_fn *fn);
u64 sdxi_fn_err_irqs(struct sdxi_fn *fn);
int sdxi_fn_sync(struct sdxi_fn *fn);

struct sdxi_cxt *sdxi_cxt_create(struct sdxi_fn *fn, u32 entries);
void sdxi_cxt_destroy(struct sdxi_cxt *cxt);
int sdxi_cxt_start(struct sdxi_cxt *cxt);
int sdxi_cxt_stop(struct sdxi_cxt *cxt);
int sdxi_cxt_set_groups(struct sdxi_cxt *cxt, u32 opb);
u16 sdxi_cxt_id(const struct sdxi_cxt *cxt);
u16 sdxi_cxt_intr_akey(const struct sdxi_cxt *cxt);
u32 sdxi_cxt_state(struct sdxi_cxt *cxt);
void sdxi_cxt_stats(struct sdxi_cxt *cxt, struct sdxi_cxt_stats *stats);
int sdxi_cxt_wait_irq(struct sdxi_cxt *cxt, u64 seen, unsigned int ms);
int sdxi_cxt_reserve(struct sdxi_cxt *cxt, u32 nr,
		     struct sdxi_ring_resv *resv);
struct sdxi_desc *sdxi_cxt_desc(struct sdxi_cxt *cxt, u64 index);
int sdxi_cxt_submit(struct sdxi_cxt *cxt, const struct sdxi_ring_resv *resv,
		    struct sdxi_cmpl *cmpl);

typedef void (*sdxi_cxt_notify_fn)(struct sdxi_cxt *cxt, void *data);

void sdxi_cxt_set_notify(struct sdxi_cxt *cxt, sdxi_cxt_notify_fn notify,
			 void *data);
void sdxi_cxt_post(struct sdxi_cxt *cxt, const struct sdxi_ring_resv *resv);
void sdxi_cxt_kick(struct sdxi_cxt *cxt);
u32 sdxi_cxt_space(struct sdxi_cxt *cxt);
int sdxi_cxt_cancel(struct sdxi_cxt *cxt);

void sdxi_cmpl_arm(struct sdxi_cmpl *cmpl, u32 count);
int sdxi_cmpl_alloc(struct sdxi_fn *fn, struct sdxi_cmpl *cmpl);
void sdxi_cmpl_free(struct sdxi_fn *fn, struct sdxi_cmpl *cmpl);
int sdxi_cmpl_poll(struct sdxi_cmpl *cmpl);
int sdxi_cmpl_wait(struct sdxi_cmpl *cmpl, unsigned int ms);

/* ---- Users of functions (client.c) ------------------------------------ */

/**
 * struct sdxi_client - something that uses every SDXI function there is
 * @name: for messages
 * @add: take a function that has become active; a nonzero return is
 *	logged and remove() is still called for it later
 * @remove: stop using a function, which goes away once every client's
 *	remove() has returned
 * @node: on the client list
 */
struct sdxi_client {
	const char *name;
	int (*add)(struct sdxi_fn *fn);
	void (*remove)(struct sdxi_fn *fn);
	struct list_head node;
};

int sdxi_fn_register(struct sdxi_fn *fn);
void sdxi_fn_unregister(struct sdxi_fn *fn);
void sdxi_client_register(struct sdxi_client *client);
void sdxi_client_unregister(struct sdxi_client *client);

/* ---- The dmaengine provider (dma.c), from sdxi.ko's init and exit --- */

void sdxi_dma_init(void);
void sdxi_dma_exit(void);

#endif /* _SDXI_H */
