#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The SDXI core's function and context tests on the functional model:
# sdxi.ko is the core, sdxi_model.ko the software function,
# sdxi_model_front.ko binds the core to it and brings it up, and
# test_sdxi_fn.ko drives the core while it loads and refuses to load if any
# test fails.  It must load, report "N passed, 0 failed" with N > 0, and
# every module loaded here must unload again.
#
# UOFFLOAD_MODDIR overrides /lib/modules/uoffload.

moddir=${UOFFLOAD_MODDIR:-/lib/modules/uoffload}
core=$moddir/sdxi.ko
model=$moddir/sdxi_model.ko
front=$moddir/sdxi_model_front.ko
ko=$moddir/test_sdxi_fn.ko

skip() { echo "sdxi_fn_test: SKIP: $*"; exit 4; }
fail() { echo "sdxi_fn_test: FAIL: $*"; exit 1; }

# shellcheck source=uoff_lib.sh
. "$(dirname "$0")/uoff_lib.sh"

# Unloads, in reverse order, what this script loaded.
ours=
unload() {
	for m in $ours; do
		rmmod "$m" || fail "rmmod $m: exit status $?"
		loaded "$m" && fail "$m still loaded after rmmod"
	done
	ours=
}

for f in "$core" "$model" "$front" "$ko"; do
	[ -f "$f" ] || skip "$f not found"
done

if loaded test_sdxi_fn; then
	rmmod test_sdxi_fn || fail "test_sdxi_fn left loaded and stuck"
fi
# The tests reset the function: a model or front someone else holds is
# not theirs to take.
loaded sdxi_model && skip "sdxi_model.ko already loaded"
loaded sdxi_model_front && skip "sdxi_model_front.ko already loaded"

if ! loaded sdxi; then
	insmod "$core" || fail "insmod $core: exit status $?"
	ours="sdxi"
fi
insmod "$model" || { unload; fail "insmod $model: exit status $?"; }
ours="sdxi_model $ours"
insmod "$front" || { unload; fail "insmod $front: exit status $?"; }
ours="sdxi_model_front $ours"

kmod_test_load test_sdxi_fn "$ko" 'test_sdxi_fn|sdxi'
if [ "$kmod_rc" -ne 0 ]; then
	unload
	fail "insmod $ko: exit status $kmod_rc"
fi

[ -n "$kmod_passed" ] || { rmmod test_sdxi_fn; unload;
	fail "no 'test_sdxi_fn: N passed, M failed' line in dmesg"; }
passed=$kmod_passed
failed=$kmod_failed

rmmod test_sdxi_fn || fail "rmmod test_sdxi_fn: exit status $?"
loaded test_sdxi_fn && fail "test_sdxi_fn still loaded after rmmod"
unload

[ "$failed" -eq 0 ] || fail "$failed SDXI function tests failed"
[ "$passed" -gt 0 ] || fail "no SDXI function test passed"
echo "sdxi_fn_test: ok: $passed SDXI function tests passed"
exit 0
