// SPDX-License-Identifier: GPL-2.0
/*
 * Helper for mm_unload_test.sh, not a test of its own.
 *
 *   mm_mover MIB PROGRESS_FILE STOP_FILE
 *
 * Moves MIB MiB of base pages, and a transparent huge page where there
 * is one, back and forth between NUMA nodes 0 and 1 with move_pages(2)
 * until STOP_FILE exists.  Each round writes a new byte pattern first and
 * checks every byte and every page's node after the move, then writes the
 * number of rounds done to PROGRESS_FILE.  Exits 0 if at least one round
 * was done and every one was right, 1 at the first wrong byte or failed
 * move.
 */
#define UOFF_TEST_NO_HARNESS
#include "uoff_mm.h"

#define MOVER_THPS	1

static int fail(unsigned long round, const char *what, int node, int err)
{
	fprintf(stderr, "mm_mover: round %lu: %s to node %d: %s\n", round,
		what, node, strerror(err));
	return 1;
}

/* Moves [p, p + len) to @node and checks it there, pattern @seed. */
static int move_check(unsigned long round, const char *what, char *p,
		      size_t len, size_t stride, int node, __u64 seed)
{
	struct uoff_mismatch m;
	int ret;

	ret = mm_move_range(p, len, stride, node);
	if (!ret)
		ret = mm_pages_on(p, len, node);
	if (ret)
		return fail(round, what, node, -ret);
	m = uoff_cmp_pattern(p, len, seed, 0);
	if (m.bad) {
		fprintf(stderr,
			"mm_mover: round %lu: %s on node %d: byte %lld is 0x%02x, want 0x%02x\n",
			round, what, node, m.off, m.got, m.want);
		return 1;
	}
	return 0;
}

/* The round count, replaced whole so that a reader never sees half. */
static void progress(const char *path, unsigned long rounds)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "%lu\n", rounds);
	if (!fclose(f))
		rename(tmp, path);
}

int main(int argc, char **argv)
{
	size_t len, tlen = MOVER_THPS * UOFF_THP_SIZE;
	unsigned long round = 0;
	char *base, *thp = NULL;
	void *raw;
	size_t raw_len;
	int i, node;

	if (argc != 4 || !atoi(argv[1])) {
		fprintf(stderr, "usage: mm_mover MIB PROGRESS_FILE STOP_FILE\n");
		return 2;
	}
	len = (size_t)atoi(argv[1]) * MiB;
	base = uoff_map(len);
	if (!base)
		return fail(0, "mapping", 0, ENOMEM);
	madvise(base, len, MADV_NOHUGEPAGE);
	if (mm_have_thp()) {
		thp = uoff_map_thp(tlen, &raw, &raw_len);
		for (i = 0; thp && i < MOVER_THPS; i++)
			if (!mm_is_thp(thp + i * UOFF_THP_SIZE))
				thp = NULL;
	}
	printf("mm_mover: %s MiB of base pages, %s\n", argv[1],
	       thp ? "a huge page" : "no huge page");
	fflush(stdout);

	while (access(argv[3], F_OK)) {
		node = !(round % 2);
		uoff_pattern_fill(base, len, 2 * round, 0);
		if (move_check(round, "base pages", base, len, UOFF_PAGE_SIZE,
			       node, 2 * round))
			return 1;
		if (thp) {
			uoff_pattern_fill(thp, tlen, 2 * round + 1, 0);
			if (move_check(round, "huge page", thp, tlen,
				       UOFF_THP_SIZE, node, 2 * round + 1))
				return 1;
		}
		progress(argv[2], ++round);
	}
	printf("mm_mover: %lu rounds of %s MiB%s\n", round, argv[1],
	       thp ? " and a huge page" : "");
	return round ? 0 : 1;
}
