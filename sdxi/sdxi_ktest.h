/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scaffolding of the SDXI test modules: EXPECT() records a failed
 * expectation with its place and carries on, and sdxi_ktest_run() runs a
 * table of tests in order and counts them.  The module prints the summary
 * ("N passed, M failed") with sdxi_ktest_report() and refuses to load when
 * anything failed.  Include it once, from the test module's only file.
 */
#ifndef _SDXI_KTEST_H
#define _SDXI_KTEST_H

#include <linux/printk.h>
#include <linux/types.h>

struct sdxi_ktest {
	const char	*name;
	bool		(*fn)(void);	/* false, or an EXPECT(), fails it */
};

static unsigned int sdxi_ktest_passed, sdxi_ktest_failed;
static bool test_failed;

/* Like KUnit's EXPECT: record, say where, and carry on; true if it held. */
static inline bool sdxi_ktest_expect(bool ok, const char *what,
				     const char *func, int line)
{
	if (!ok) {
		pr_err("%s:%d: expected %s\n", func, line, what);
		test_failed = true;
	}
	return ok;
}

#define EXPECT(cond) sdxi_ktest_expect(!!(cond), #cond, __func__, __LINE__)

static inline void sdxi_ktest_run(const struct sdxi_ktest *tests,
				  unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		test_failed = false;
		if (tests[i].fn() && !test_failed) {
			sdxi_ktest_passed++;
		} else {
			pr_err("%s failed\n", tests[i].name);
			sdxi_ktest_failed++;
		}
	}
}

/* Print the summary; the module's init returns what this returns. */
static inline int sdxi_ktest_report(void)
{
	pr_info("%u passed, %u failed\n", sdxi_ktest_passed, sdxi_ktest_failed);
	return sdxi_ktest_failed ? -EINVAL : 0;
}

#endif /* _SDXI_KTEST_H */
