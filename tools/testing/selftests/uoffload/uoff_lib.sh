# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Shell helpers of the uoffload selftest scripts, which source this file
# from their own directory.  POSIX sh.

# True if module $1 is loaded.
loaded() { grep -q "^$1 " /proc/modules; }

nap() { sleep 0.1 2>/dev/null || sleep 1; }

# Runs "$@" every tenth of a second until it succeeds, at most $1 times.
retry() {
	n=$1
	shift
	while ! "$@" 2>/dev/null; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		nap
	done
}

# The "NAME: N passed, M failed" lines a test module printed in the kernel
# log text $2, as "N M": N from the last run, M summed over all runs.
# busybox insmod retries a refused finit_module() with init_module(), so a
# module that refused to load may have run its tests twice, and a failure
# in either run must count.  Prints nothing when there is no such line.
kmod_tally() {
	printf '%s\n' "$2" | awk -v tag="$1: " '
		index($0, tag) && / passed, [0-9]+ failed/ {
			for (i = 2; i <= NF; i++) {
				if ($i == "passed,") p = $(i - 1)
				if ($i ~ /^failed/) f += $(i - 1)
			}
		}
		END { if (p != "") print p, f + 0 }'
}
