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
