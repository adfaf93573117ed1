// SPDX-License-Identifier: GPL-2.0
/*
 * SDXI descriptor rings, the producer's side.
 *
 * The write and read indexes count descriptors from the context's start and
 * only grow; a descriptor's slot is its index modulo the ring size, which
 * need not be a power of two.  Reserving advances the write index in memory
 * at once, before the descriptors are written: the function stops at the
 * first slot whose VL bit is clear, so VL, not the write index, says what is
 * ready.  That is also why reserving clears VL in the slots it hands out:
 * after a wrap they still hold the last lap's valid descriptors.
 *
 * Reservations may be published in any order.  The doorbell value is the
 * highest index published so far, which the function accepts out of order.
 */
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/math64.h>
#include <linux/overflow.h>

#include <asm/barrier.h>

#include "sdxi.h"

/**
 * sdxi_ring_init() - set up the producer's view of a context's ring
 * @ring: the ring to set up
 * @desc: the descriptors, @entries of them, zeroed by the caller
 * @entries: number of descriptors; the caller enforces the function's limits
 * @write_index: the write index in memory the function reads
 * @read_index: CXT_STS.read_index, which the function advances
 *
 * The ring starts at the function's read index and stores it as the write
 * index: nothing is outstanding.
 *
 * Return: 0, or -EINVAL for an empty ring.
 */
int sdxi_ring_init(struct sdxi_ring *ring, struct sdxi_desc *desc, u32 entries,
		   __le64 *write_index, const __le64 *read_index)
{
	if (!entries)
		return -EINVAL;
	ring->desc = desc;
	ring->entries = entries;
	ring->write_index = write_index;
	ring->read_index = read_index;
	ring->widx = le64_to_cpu(READ_ONCE(*read_index));
	WRITE_ONCE(*write_index, cpu_to_le64(ring->widx));
	atomic64_set(&ring->doorbell, ring->widx);
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_ring_init);

/**
 * sdxi_ring_desc() - the slot of a ring index
 * @ring: the ring
 * @index: a ring index, e.g. sdxi_ring_resv.index + i
 *
 * Return: the descriptor in that slot.
 */
struct sdxi_desc *sdxi_ring_desc(const struct sdxi_ring *ring, u64 index)
{
	u32 slot;

	div_u64_rem(index, ring->entries, &slot);
	return &ring->desc[slot];
}
EXPORT_SYMBOL_GPL(sdxi_ring_desc);

/**
 * sdxi_ring_reserve() - take descriptors from a ring
 * @ring: the ring; the caller serialises reservations on it
 * @nr: how many descriptors, 1 to the ring size
 * @resv: where the first index and the count go
 *
 * The slots come back with VL clear; the new write index is in memory
 * before this returns.  Fill them with the sdxi_encode_*() helpers, then
 * publish them with sdxi_ring_publish().
 *
 * Return: 0; -EINVAL for a bad @nr; -EAGAIN when the ring has not that much
 * room until the function consumes more; -EIO when the function's read
 * index is past the write index, or the index would overflow.
 */
int sdxi_ring_reserve(struct sdxi_ring *ring, u32 nr,
		      struct sdxi_ring_resv *resv)
{
	u64 rd = le64_to_cpu(READ_ONCE(*ring->read_index));
	u64 start = ring->widx, end, i;

	if (rd > start)
		return -EIO;
	if (!nr || nr > ring->entries)
		return -EINVAL;
	if (check_add_overflow(start, (u64)nr, &end))
		return -EIO;
	if (end - rd > ring->entries)
		return -EAGAIN;

	for (i = start; i < end; i++)
		WRITE_ONCE(sdxi_ring_desc(ring, i)->opcode, 0);
	/* Cleared before the function may look at the slots again. */
	dma_wmb();
	WRITE_ONCE(*ring->write_index, cpu_to_le64(end));
	ring->widx = end;

	resv->index = start;
	resv->nr = nr;
	return 0;
}
EXPORT_SYMBOL_GPL(sdxi_ring_reserve);

/**
 * sdxi_ring_publish() - hand reserved, encoded descriptors to the function
 * @ring: the ring
 * @resv: the reservation, every descriptor of it encoded
 *
 * Needs no lock against reservations or other publications.  The caller
 * rings the doorbell with the value returned, after it, in any order with
 * other publishers.
 *
 * Return: the doorbell value: the highest index published on @ring so far.
 */
u64 sdxi_ring_publish(struct sdxi_ring *ring,
		      const struct sdxi_ring_resv *resv)
{
	u64 end = resv->index + resv->nr, i;
	s64 old;

	dma_wmb();
	for (i = resv->index; i < end; i++) {
		struct sdxi_desc *desc = sdxi_ring_desc(ring, i);

		WRITE_ONCE(desc->opcode,
			   desc->opcode | cpu_to_le32(SDXI_DSC_VL));
	}

	old = atomic64_read(&ring->doorbell);
	do {
		if ((u64)old >= end)
			return old;
	} while (!atomic64_try_cmpxchg(&ring->doorbell, &old, end));
	return end;
}
EXPORT_SYMBOL_GPL(sdxi_ring_publish);
