#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The SDXI core's unit tests: test_sdxi.ko checks descriptor encoding and
# ring arithmetic on memory while it loads, on top of sdxi.ko, and refuses
# to load if any test fails.  It must load, report "N passed, 0 failed"
# with N > 0, and both modules must unload again.
#
# UOFFLOAD_MODDIR overrides /lib/modules/uoffload.

moddir=${UOFFLOAD_MODDIR:-/lib/modules/uoffload}
core=$moddir/sdxi.ko
ko=$moddir/test_sdxi.ko

skip() { echo "sdxi_unit_test: SKIP: $*"; exit 4; }
fail() { echo "sdxi_unit_test: FAIL: $*"; exit 1; }

# shellcheck source=uoff_lib.sh
. "$(dirname "$0")/uoff_lib.sh"

[ -f "$core" ] || skip "$core not found"
[ -f "$ko" ] || skip "$ko not found"

if loaded test_sdxi; then
	rmmod test_sdxi || fail "test_sdxi left loaded and stuck"
fi
# sdxi.ko stays as it was found.
unload_core=0
if ! loaded sdxi; then
	insmod "$core" || fail "insmod $core: exit status $?"
	unload_core=1
fi

kmod_test_load test_sdxi "$ko"
if [ "$kmod_rc" -ne 0 ]; then
	[ $unload_core = 1 ] && rmmod sdxi
	fail "insmod $ko: exit status $kmod_rc"
fi

[ -n "$kmod_passed" ] || fail "no 'test_sdxi: N passed, M failed' line in dmesg"
passed=$kmod_passed
failed=$kmod_failed

rmmod test_sdxi || fail "rmmod test_sdxi: exit status $?"
loaded test_sdxi && fail "test_sdxi still loaded after rmmod"
if [ $unload_core = 1 ]; then
	rmmod sdxi || fail "rmmod sdxi: exit status $?"
	loaded sdxi && fail "sdxi still loaded after rmmod"
fi

[ "$failed" -eq 0 ] || fail "$failed SDXI unit tests failed"
[ "$passed" -gt 0 ] || fail "no SDXI unit test passed"
echo "sdxi_unit_test: ok: $passed SDXI unit tests passed"
exit 0
