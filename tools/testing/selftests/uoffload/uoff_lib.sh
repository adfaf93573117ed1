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

# One SDXI test module on the functional model: loads sdxi.ko (with the
# arguments $3..., and then only if not loaded yet when there are none),
# sdxi_model.ko and sdxi_model_front.ko from $moddir, then test module $1,
# which runs its tests while it loads; unloads all of them again.  Exits
# with 4 (skip) or 1 (fail, with $2 naming the tests); returns on success
# with sdxi_passed set.  The caller defines skip, fail and moddir.
# shellcheck disable=SC2034,SC2154 # sdxi_passed is the caller's, moddir too
sdxi_model_kmod_test() {
	sdxi_ko=$1
	sdxi_what=$2
	shift 2
	for f in sdxi sdxi_model sdxi_model_front "$sdxi_ko"; do
		[ -f "$moddir/$f.ko" ] || skip "$moddir/$f.ko not found"
	done
	if loaded "$sdxi_ko"; then
		rmmod "$sdxi_ko" || fail "$sdxi_ko left loaded and stuck"
	fi
	# The tests take the function: one someone else holds is not theirs.
	loaded sdxi_model && skip "sdxi_model.ko already loaded"
	loaded sdxi_model_front && skip "sdxi_model_front.ko already loaded"
	[ $# -gt 0 ] && loaded sdxi && skip "sdxi.ko already loaded"

	sdxi_ours=
	if ! loaded sdxi; then
		insmod "$moddir/sdxi.ko" "$@" ||
			fail "insmod sdxi.ko: exit status $?"
		sdxi_ours=sdxi
	fi
	for m in sdxi_model sdxi_model_front; do
		insmod "$moddir/$m.ko" || { sdxi_unload;
			fail "insmod $m.ko: exit status $?"; }
		sdxi_ours="$m $sdxi_ours"
	done

	kmod_test_load "$sdxi_ko" "$moddir/$sdxi_ko.ko" "$sdxi_ko|sdxi"
	if [ "$kmod_rc" -ne 0 ]; then
		sdxi_unload
		fail "insmod $sdxi_ko.ko: exit status $kmod_rc"
	fi
	[ -n "$kmod_passed" ] || { rmmod "$sdxi_ko"; sdxi_unload;
		fail "no '$sdxi_ko: N passed, M failed' line in dmesg"; }
	rmmod "$sdxi_ko" || fail "rmmod $sdxi_ko: exit status $?"
	loaded "$sdxi_ko" && fail "$sdxi_ko still loaded after rmmod"
	sdxi_unload

	[ "$kmod_failed" -eq 0 ] || fail "$kmod_failed $sdxi_what tests failed"
	[ "$kmod_passed" -gt 0 ] || fail "no $sdxi_what test passed"
	sdxi_passed=$kmod_passed
}

# Unloads, in reverse order, what sdxi_model_kmod_test loaded.
sdxi_unload() {
	for m in $sdxi_ours; do
		rmmod "$m" || fail "rmmod $m: exit status $?"
		loaded "$m" && fail "$m still loaded after rmmod"
	done
	sdxi_ours=
}

# TAP lines for a script that ends with a "# Totals:" line: ok and not_ok
# print one and count it in pass or fail (nr numbers them); check DESC CMD...
# is ok when CMD succeeds.
tap_ok() { nr=$((${nr:-0} + 1)); pass=$((${pass:-0} + 1)); echo "ok $nr $*"; }
tap_not_ok() { nr=$((${nr:-0} + 1)); fail=$((${fail:-0} + 1)); echo "not ok $nr $*"; }
tap_check() {
	tap_what=$1
	shift
	if "$@"; then tap_ok "$tap_what"; else tap_not_ok "$tap_what"; fi
}
