/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the tests of uoffload as the mm offload provider: its mm_*
 * parameters and mm.* counters, moving pages between NUMA nodes with
 * move_pages(2) and finding where they are, transparent huge pages.
 * Usable from helper programs too (UOFF_TEST_NO_HARNESS).
 */
#ifndef UOFF_MM_H
#define UOFF_MM_H

#include <sys/syscall.h>
#include <linux/mempolicy.h>

#include "uoff_test.h"

/* Bits in the node masks of mbind(2) and migrate_pages(2). */
#define MM_NODE_MAX	64

static inline int mm_param_set(const char *name, const char *val)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s", val);
	return uoff_param_str(name, buf, sizeof(buf), true);
}

/* Module parameters a test changes, kept to be put back as they were. */
#define MM_PARAMS_MAX	8

struct mm_params {
	const char * const	*names;
	unsigned int		nr;
	bool			have[MM_PARAMS_MAX];
	char			saved[MM_PARAMS_MAX][256];
};

static inline void mm_params_save(struct mm_params *p,
				  const char * const *names, unsigned int nr)
{
	unsigned int i;

	p->names = names;
	p->nr = nr < MM_PARAMS_MAX ? nr : MM_PARAMS_MAX;
	for (i = 0; i < p->nr; i++)
		p->have[i] = !uoff_param_str(names[i], p->saved[i],
					   sizeof(p->saved[i]), false);
}

static inline void mm_params_restore(struct mm_params *p)
{
	unsigned int i;

	for (i = 0; i < p->nr; i++)
		if (p->have[i])
			uoff_param_str(p->names[i], p->saved[i],
				     sizeof(p->saved[i]), true);
}

static inline long long mm_stat(const char *name)
{
	long long v = 0;

	return uoff_stat_sum(name, &v) ? -1 : v;
}

static inline long mm_move_pages(unsigned long count, void **pages,
				 const int *nodes, int *status)
{
	return syscall(SYS_move_pages, 0, count, pages, nodes, status,
		       MPOL_MF_MOVE);
}

/*
 * Pages named per move_pages(2) call, as many as the kernel migrates in
 * one batch (NR_MAX_BATCHED_MIGRATION).
 */
#define MM_CHUNK	512

/*
 * move_pages(2) of one page every @stride bytes of [addr, addr + len) to
 * @node if @move, else only asking where they are; 0 if every page named
 * is on @node, else its negative status or -EXDEV (on another node),
 * -errno when the call failed, -EAGAIN when it left some pages where they
 * were (it counts them, and their status is the target).  Naming only the first page of each huge
 * page moves it whole: its other pages would be busy, isolated already.
 */
static inline int mm_pages_at(char *addr, size_t len, size_t stride,
			      int node, bool move)
{
	unsigned long i, done, chunk, n = len / stride;
	int nodes[MM_CHUNK], status[MM_CHUNK];
	void *pages[MM_CHUNK];
	long ret;

	for (done = 0; done < n; done += chunk) {
		chunk = n - done < MM_CHUNK ? n - done : MM_CHUNK;
		for (i = 0; i < chunk; i++) {
			pages[i] = addr + (done + i) * stride;
			nodes[i] = node;
		}
		ret = mm_move_pages(chunk, pages, move ? nodes : NULL, status);
		if (ret)
			return ret < 0 ? -errno : -EAGAIN;
		for (i = 0; i < chunk; i++)
			if (status[i] != node)
				return status[i] < 0 ? status[i] : -EXDEV;
	}
	return 0;
}

/* Whether all pages of [addr, addr + len) are on @node: 0 or -errno. */
static inline int mm_pages_on(char *addr, size_t len, int node)
{
	return mm_pages_at(addr, len, UOFF_PAGE_SIZE, node, false);
}

/* Moves the range to @node, naming a page every @stride bytes. */
static inline int mm_move_range(char *addr, size_t len, size_t stride,
				int node)
{
	return mm_pages_at(addr, len, stride, node, true);
}

static inline bool mm_have_thp(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return !strstr(buf, "[never]") && buf[0];
}

/* Whether the 2 MiB at @p are one huge page (AnonHugePages in smaps). */
static inline bool mm_is_thp(void *p)
{
	char line[256];
	unsigned long start, end, kb;
	bool in = false, thp = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = start <= (unsigned long)p && (unsigned long)p < end;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1 &&
		    kb >= 2048)
			thp = true;
	}
	fclose(f);
	return thp;
}

/*
 * @len bytes of base pages (no huge page may back them: each page is its
 * own folio) holding pattern stream @seed, all on node 0; NULL on failure.
 */
static inline char *mm_base_on_node0(size_t len, __u64 seed)
{
	char *p = uoff_map(len);

	if (!p)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE);
	uoff_pattern_fill(p, len, seed, 0);
	if (mm_move_range(p, len, UOFF_PAGE_SIZE, 0) ||
	    mm_pages_on(p, len, 0)) {
		munmap(p, len);
		return NULL;
	}
	return p;
}

#ifndef UOFF_TEST_NO_HARNESS
/*
 * main() of the mm tests: skipped (exit 4) where the kernel has no hooks,
 * uoffload is not the provider or there is no second memory node.
 */
static inline int mm_test_main(int argc, char **argv)
{
	const char *why = NULL;
	long long reg;
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "-h"))
			return test_harness_run(argc, argv);
	if (!uoff_device_present())
		why = "uoffload not loaded";
	else if (uoff_stat_sum("mm.registered", &reg))
		why = "kernel without the mm offload hooks";
	else if (reg != 1)
		why = "uoffload is not the mm offload provider";
	else if (access("/sys/devices/system/node/node1", F_OK))
		why = "fewer than two NUMA nodes";
	if (why) {
		ksft_print_header();
		ksft_exit_skip("%s\n", why);
	}
	return test_harness_run(argc, argv);
}
#endif

#endif /* UOFF_MM_H */
