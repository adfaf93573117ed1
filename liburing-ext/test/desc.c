/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * io_uring_offload_desc_copy() and io_uring_offload_desc_fill(): every byte
 * of the 32-byte descriptor, reserved ones zeroed over garbage, and the
 * neighbouring descriptors in the array left alone.
 */
#include "helpers.h"

#define DESC_SIZE	32

_Static_assert(sizeof(struct uoff_desc) == DESC_SIZE, "uoff_desc size");

static void desc_image(unsigned char img[DESC_SIZE], __u8 op, __u32 len,
		       __u64 dst, __u64 src)
{
	memset(img, 0, DESC_SIZE);
	t_put(img, 0, &op, 1);
	t_put(img, 4, &len, 4);
	t_put(img, 8, &dst, 8);
	t_put(img, 16, &src, 8);
}

static void check_desc(const char *label, const struct uoff_desc *d,
		       const unsigned char want[DESC_SIZE],
		       const unsigned char *before)
{
	const unsigned char *got = (const unsigned char *)d;

	if (memcmp(got, want, DESC_SIZE)) {
		fprintf(stderr, "%s: descriptor wrong\n", label);
		t_dump("got", got, DESC_SIZE);
		t_dump("want", want, DESC_SIZE);
		t_failed++;
	}
	if (memcmp(got - DESC_SIZE, before, DESC_SIZE) ||
	    memcmp(got + DESC_SIZE, before + 2 * DESC_SIZE, DESC_SIZE)) {
		fprintf(stderr, "%s: wrote outside the descriptor\n", label);
		t_failed++;
	}
}

static void check_copy(unsigned char seed, void *dst, const void *src,
		       unsigned int len)
{
	struct uoff_desc d[3];
	unsigned char before[sizeof(d)], want[DESC_SIZE];
	char label[64];

	t_scribble(d, sizeof(d), seed);
	memcpy(before, d, sizeof(d));
	io_uring_offload_desc_copy(&d[1], dst, src, len);
	desc_image(want, UOFF_OP_COPY, len, (uintptr_t)dst, (uintptr_t)src);
	snprintf(label, sizeof(label), "desc_copy seed %#x len %#x", seed, len);
	check_desc(label, &d[1], want, before);
}

static void check_fill(unsigned char seed, void *dst, __u64 pattern,
		       unsigned int len)
{
	struct uoff_desc d[3];
	unsigned char before[sizeof(d)], want[DESC_SIZE];
	char label[64];

	t_scribble(d, sizeof(d), seed);
	memcpy(before, d, sizeof(d));
	io_uring_offload_desc_fill(&d[1], dst, pattern, len);
	desc_image(want, UOFF_OP_FILL, len, (uintptr_t)dst, pattern);
	snprintf(label, sizeof(label), "desc_fill seed %#x len %#x", seed, len);
	check_desc(label, &d[1], want, before);
}

int main(void)
{
	void *dst = (void *)(uintptr_t)0x00007ffd00001000ULL;
	const void *src = (const void *)(uintptr_t)0xffff800000000010ULL;
	unsigned int g;

	for (g = 0; g < T_NR_GARBAGE; g++) {
		check_copy(t_garbage[g], dst, src, 4096);
		check_copy(t_garbage[g], NULL, NULL, 0);
		check_copy(t_garbage[g], dst, src, 0xffffffff);
		check_fill(t_garbage[g], dst, 0x8877665544332211ULL, 17);
		check_fill(t_garbage[g], dst, 0, 0);
		check_fill(t_garbage[g], dst, ~0ULL, 0xffffffff);
	}
	return t_exit_code();
}
