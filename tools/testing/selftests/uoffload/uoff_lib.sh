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

# Load test module $2 (a path), named $1, which runs its tests while it
# loads, and show its kernel log lines (those matching $3, default $1).
# Sets kmod_rc to insmod's status and kmod_passed and kmod_failed from
# kmod_tally, both empty when the module printed no summary.
# shellcheck disable=SC2034 # the kmod_* results are the caller's
kmod_test_load() {
	kmod_mark="uoffload-$1-$$"
	{ echo "$kmod_mark" > /dev/kmsg; } 2>/dev/null || kmod_mark=
	insmod "$2"
	kmod_rc=$?
	if [ -n "$kmod_mark" ]; then
		kmod_log=$(dmesg | sed -n "/$kmod_mark/,\$p" | grep -E "${3:-$1}")
	else
		kmod_log=$(dmesg | grep "$1" | tail -n 50)
	fi
	echo "$kmod_log"
	# Split on purpose: the two numbers become $1 and $2.
	# shellcheck disable=SC2046
	set -- $(kmod_tally "$1" "$kmod_log")
	kmod_passed=${1-}
	kmod_failed=${2-}
}
