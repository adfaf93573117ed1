#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The in-kernel API: test_uoffload.ko runs its tests (uoff_batch_* on
# folios, over the same channel rings as user requests) while it loads and
# refuses to load if any fails.  It must load, report "N passed, 0 failed"
# with N > 0, raise the channels' kernel_reqs, and unload again.
#
# UOFFLOAD_MODDIR overrides /lib/modules/uoffload.

moddir=${UOFFLOAD_MODDIR:-/lib/modules/uoffload}
ko=$moddir/test_uoffload.ko
stats=/sys/class/misc/uoffload/stats

skip() { echo "kapi_test: SKIP: $*"; exit 4; }
fail() { echo "kapi_test: FAIL: $*"; exit 1; }

# shellcheck source=uoff_lib.sh
. "$(dirname "$0")/uoff_lib.sh"

kernel_reqs() {
	awk '$1 ~ /\.kernel_reqs$/ { sum += $2 } END { print sum + 0 }' "$stats"
}

[ -e /dev/uoffload ] || skip "uoffload is not loaded"
[ -f "$ko" ] || skip "$ko not found"
[ -r "$stats" ] || fail "$stats missing"
grep -q '\.kernel_reqs ' "$stats" || fail "no chan*.kernel_reqs in $stats"

if loaded test_uoffload; then
	rmmod test_uoffload || fail "test_uoffload left loaded and stuck"
fi

before=$(kernel_reqs)
kmod_test_load test_uoffload "$ko"
[ "$kmod_rc" -eq 0 ] || fail "insmod $ko: exit status $kmod_rc"

[ -n "$kmod_passed" ] || fail "no 'test_uoffload: N passed, M failed' line in dmesg"
passed=$kmod_passed
failed=$kmod_failed

after=$(kernel_reqs)
rmmod test_uoffload || fail "rmmod test_uoffload: exit status $?"
loaded test_uoffload && fail "test_uoffload still loaded after rmmod"

[ "$failed" -eq 0 ] || fail "$failed in-kernel tests failed"
[ "$passed" -gt 0 ] || fail "no in-kernel test passed"
[ "$after" -gt "$before" ] ||
	fail "kernel_reqs did not rise ($before before, $after after)"
echo "kapi_test: ok: $passed in-kernel tests passed," \
     "kernel_reqs $before -> $after"
exit 0
