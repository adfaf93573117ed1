// SPDX-License-Identifier: GPL-2.0
/*
 * uoffload as the copy and zeroing provider of the mm hooks of
 * kernel/patches/: base pages and transparent huge pages moved between the
 * two NUMA nodes with move_pages(2), mbind(2) and migrate_pages(2) keep
 * every byte, and the module's mm.migrate_* counters say it copied them;
 * with the reason masked off it declines and the CPU copies.  Huge folios
 * faulted in (THP and hugetlb) read as zero and mm.zero_* rise.
 *
 * Skipped (exit 4) on a kernel without the hooks (no mm.* statistics) and
 * on a machine with fewer than two memory nodes.
 */
#include "uoff_mm.h"

#define MM_PARAMS	5
#define MM_BASE_PAGES	64
#define MM_THPS		2

static const char * const mm_param_names[MM_PARAMS] = {
	"mm_offload", "mm_migrate_reasons", "mm_migrate_min_bytes",
	"mm_min_folio_size", "inline_threshold",
};

static long mm_mbind(void *addr, unsigned long len, int mode,
		     const unsigned long *mask, unsigned int flags)
{
	return syscall(SYS_mbind, addr, len, mode, mask, MM_NODE_MAX, flags);
}

static long mm_migrate_pages(const unsigned long *from,
			     const unsigned long *to)
{
	return syscall(SYS_migrate_pages, 0, MM_NODE_MAX, from, to);
}

FIXTURE(mm) {
	struct mm_params	params;
	char			*buf;
	void			*raw;
	size_t			raw_len;
};

FIXTURE_SETUP(mm)
{
	mm_params_save(&self->params, mm_param_names, MM_PARAMS);
	ASSERT_EQ(0, mm_param_set("mm_offload", "1"));
	ASSERT_EQ(0, mm_param_set("mm_migrate_reasons",
				  "syscall_or_cpuset,mempolicy_mbind"));
	/* Every batch and every huge folio, whatever their size. */
	ASSERT_EQ(0, mm_param_set("mm_migrate_min_bytes", "0"));
	ASSERT_EQ(0, mm_param_set("mm_min_folio_size", "2097152"));
	/* Through the channel rings, as a device would see them. */
	ASSERT_EQ(0, mm_param_set("inline_threshold", "0"));
	self->buf = NULL;
	self->raw = NULL;
}

FIXTURE_TEARDOWN(mm)
{
	if (self->raw)
		munmap(self->raw, self->raw_len);
	else if (self->buf)
		munmap(self->buf, MM_BASE_PAGES * UOFF_PAGE_SIZE);
	mm_params_restore(&self->params);
}

/* Base pages to node 1 and back: every byte kept, every page counted. */
TEST_F(mm, move_pages_base)
{
	size_t len = MM_BASE_PAGES * UOFF_PAGE_SIZE;
	long long folios, bytes;

	self->buf = mm_base_on_node0(len, 11);
	ASSERT_NE(NULL, self->buf);

	folios = mm_stat("mm.migrate_folios");
	bytes = mm_stat("mm.migrate_bytes");
	ASSERT_EQ(0, mm_move_range(self->buf, len, UOFF_PAGE_SIZE, 1));
	ASSERT_MATCH(uoff_cmp_pattern(self->buf, len, 11, 0), "on node 1");
	EXPECT_EQ(folios + MM_BASE_PAGES, mm_stat("mm.migrate_folios"));
	EXPECT_EQ(bytes + (long long)len, mm_stat("mm.migrate_bytes"));

	ASSERT_EQ(0, mm_move_range(self->buf, len, UOFF_PAGE_SIZE, 0));
	ASSERT_MATCH(uoff_cmp_pattern(self->buf, len, 11, 0), "back on node 0");
	EXPECT_EQ(folios + 2 * MM_BASE_PAGES, mm_stat("mm.migrate_folios"));
}

/* Transparent huge pages to node 1 and back, one folio each. */
TEST_F(mm, move_pages_thp)
{
	size_t len = MM_THPS * UOFF_THP_SIZE;
	long long folios, bytes;
	int i;

	if (!mm_have_thp())
		SKIP(return, "transparent huge pages are off");
	self->buf = uoff_map_thp(len, &self->raw, &self->raw_len);
	ASSERT_NE(NULL, self->buf);
	uoff_pattern_fill(self->buf, len, 12, 0);
	for (i = 0; i < MM_THPS; i++)
		if (!mm_is_thp(self->buf + i * UOFF_THP_SIZE))
			SKIP(return, "no huge page at %d", i);
	ASSERT_EQ(0, mm_move_range(self->buf, len, UOFF_THP_SIZE, 0));

	folios = mm_stat("mm.migrate_folios");
	bytes = mm_stat("mm.migrate_bytes");
	ASSERT_EQ(0, mm_move_range(self->buf, len, UOFF_THP_SIZE, 1));
	ASSERT_EQ(0, mm_pages_on(self->buf, len, 1));
	ASSERT_MATCH(uoff_cmp_pattern(self->buf, len, 12, 0), "on node 1");
	EXPECT_TRUE(mm_is_thp(self->buf));
	EXPECT_EQ(folios + MM_THPS, mm_stat("mm.migrate_folios"));
	EXPECT_EQ(bytes + (long long)len, mm_stat("mm.migrate_bytes"));

	ASSERT_EQ(0, mm_move_range(self->buf, len, UOFF_THP_SIZE, 0));
	ASSERT_MATCH(uoff_cmp_pattern(self->buf, len, 12, 0), "back on node 0");
	ASSERT_EQ(0, mm_pages_on(self->buf, len, 0));
	EXPECT_EQ(folios + 2 * MM_THPS, mm_stat("mm.migrate_folios"));
}

/* mbind(MPOL_MF_MOVE) moves the range: reason mempolicy_mbind. */
TEST_F(mm, mbind_move)
{
	size_t len = MM_BASE_PAGES * UOFF_PAGE_SIZE;
	unsigned long node1 = 1UL << 1;
	long long folios;

	self->buf = mm_base_on_node0(len, 13);
	ASSERT_NE(NULL, self->buf);

	folios = mm_stat("mm.migrate_folios");
	ASSERT_EQ(0, mm_mbind(self->buf, len, MPOL_BIND, &node1,
			      MPOL_MF_MOVE | MPOL_MF_STRICT));
	ASSERT_EQ(0, mm_pages_on(self->buf, len, 1));
	ASSERT_MATCH(uoff_cmp_pattern(self->buf, len, 13, 0), "on node 1");
	EXPECT_EQ(folios + MM_BASE_PAGES, mm_stat("mm.migrate_folios"));
}

/* migrate_pages(2) moves the whole process to node 1 and back. */
TEST_F(mm, migrate_pages_process)
{
	size_t len = MM_BASE_PAGES * UOFF_PAGE_SIZE;
	unsigned long node0 = 1UL << 0, node1 = 1UL << 1;
	long long folios;

	self->buf = mm_base_on_node0(len, 14);
	ASSERT_NE(NULL, self->buf);

	folios = mm_stat("mm.migrate_folios");
	ASSERT_LE(0, mm_migrate_pages(&node0, &node1));
	ASSERT_EQ(0, mm_pages_on(self->buf, len, 1));
	ASSERT_MATCH(uoff_cmp_pattern(self->buf, len, 14, 0), "on node 1");
	/* At least our pages; the rest of the process moved too. */
	EXPECT_LE(folios + MM_BASE_PAGES, mm_stat("mm.migrate_folios"));

	ASSERT_LE(0, mm_migrate_pages(&node1, &node0));
	ASSERT_EQ(0, mm_pages_on(self->buf, len, 0));
	ASSERT_MATCH(uoff_cmp_pattern(self->buf, len, 14, 0), "back on node 0");
}

/* A reason not in mm_migrate_reasons: declined, and the CPU copies. */
TEST_F(mm, reason_declined)
{
	size_t len = MM_BASE_PAGES * UOFF_PAGE_SIZE;
	long long folios, declined;

	ASSERT_EQ(0, mm_param_set("mm_migrate_reasons", "mempolicy_mbind"));
	self->buf = mm_base_on_node0(len, 15);
	ASSERT_NE(NULL, self->buf);

	folios = mm_stat("mm.migrate_folios");
	declined = mm_stat("mm.migrate_declined");
	ASSERT_EQ(0, mm_move_range(self->buf, len, UOFF_PAGE_SIZE, 1));
	ASSERT_MATCH(uoff_cmp_pattern(self->buf, len, 15, 0), "on node 1");
	EXPECT_EQ(folios, mm_stat("mm.migrate_folios"));
	EXPECT_LT(declined, mm_stat("mm.migrate_declined"));
}

/*
 * A transparent huge page faulted in where one full of other bytes was
 * just freed reads as zero, and uoffload zeroed it.
 */
TEST_F(mm, zero_thp)
{
	size_t len = MM_THPS * UOFF_THP_SIZE;
	long long zeroed, bytes;
	void *raw;
	size_t raw_len;
	char *old;
	int i;

	if (!mm_have_thp())
		SKIP(return, "transparent huge pages are off");
	old = uoff_map_thp(len, &raw, &raw_len);
	ASSERT_NE(NULL, old);
	memset(old, 0xa5, len);
	munmap(raw, raw_len);

	zeroed = mm_stat("mm.zero_folios");
	bytes = mm_stat("mm.zero_bytes");
	self->raw_len = len + UOFF_THP_SIZE;
	self->raw = mmap(NULL, self->raw_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->raw);
	self->buf = (char *)(((uintptr_t)self->raw + UOFF_THP_SIZE - 1) &
			     ~(UOFF_THP_SIZE - 1));
	madvise(self->buf, len, MADV_HUGEPAGE);
	/* One write fault per huge page; the rest is as the kernel made it. */
	for (i = 0; i < MM_THPS; i++)
		self->buf[i * UOFF_THP_SIZE] = 0;
	for (i = 0; i < MM_THPS; i++)
		if (!mm_is_thp(self->buf + i * UOFF_THP_SIZE))
			SKIP(return, "no huge page at %d", i);
	ASSERT_MATCH(uoff_cmp_const(self->buf, len, 0), "fresh THP");
	EXPECT_LE(zeroed + MM_THPS, mm_stat("mm.zero_folios"));
	EXPECT_LE(bytes + (long long)len, mm_stat("mm.zero_bytes"));
}

/* The same for hugetlb pages, from a pool of two made for the test. */
TEST_F(mm, zero_hugetlb)
{
	static const char pool[] = "/proc/sys/vm/nr_hugepages";
	size_t len = MM_THPS * UOFF_THP_SIZE;
	unsigned long long saved, have;
	long long zeroed;
	char *p;

	ASSERT_EQ(0, uoff_read_ull(pool, &saved));
	if (uoff_write_ull(pool, saved + MM_THPS) ||
	    uoff_read_ull(pool, &have) || have < saved + MM_THPS) {
		uoff_write_ull(pool, saved);
		SKIP(return, "no %d more hugetlb pages", MM_THPS);
	}

	zeroed = mm_stat("mm.zero_folios");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p != MAP_FAILED) {
		memset(p, 0x5a, len);
		munmap(p, len);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	}
	if (p == MAP_FAILED) {
		uoff_write_ull(pool, saved);
		ASSERT_NE(MAP_FAILED, p);
	}
	/* Reading faults each page in. */
	ASSERT_MATCH(uoff_cmp_const(p, len, 0), "fresh hugetlb page");
	munmap(p, len);
	uoff_write_ull(pool, saved);
	/* Two faults before, two after the first munmap(). */
	EXPECT_LE(zeroed + 2 * MM_THPS, mm_stat("mm.zero_folios"));
}

int main(int argc, char **argv)
{
	return mm_test_main(argc, argv);
}
