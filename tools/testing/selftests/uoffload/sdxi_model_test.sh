#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The SDXI functional model's tests: sdxi_model.ko provides the software
# function, test_sdxi_model.ko drives it as a minimal driver while it loads
# and refuses to load if any test fails.  It must load, report
# "N passed, 0 failed" with N > 0, and both modules must unload again.
#
# UOFFLOAD_MODDIR overrides /lib/modules/uoffload.

moddir=${UOFFLOAD_MODDIR:-/lib/modules/uoffload}
model=$moddir/sdxi_model.ko
ko=$moddir/test_sdxi_model.ko

skip() { echo "sdxi_model_test: SKIP: $*"; exit 4; }
fail() { echo "sdxi_model_test: FAIL: $*"; exit 1; }

# shellcheck source=uoff_lib.sh
. "$(dirname "$0")/uoff_lib.sh"

[ -f "$model" ] || skip "$model not found"
[ -f "$ko" ] || skip "$ko not found"

if loaded test_sdxi_model; then
	rmmod test_sdxi_model || fail "test_sdxi_model left loaded and stuck"
fi
# The tests drive the function from reset: a model some driver holds is
# not theirs to take.
loaded sdxi_model && skip "sdxi_model.ko already loaded"
insmod "$model" || fail "insmod $model: exit status $?"

kmod_test_load test_sdxi_model "$ko"
if [ "$kmod_rc" -ne 0 ]; then
	rmmod sdxi_model
	fail "insmod $ko: exit status $kmod_rc"
fi

[ -n "$kmod_passed" ] || fail "no 'test_sdxi_model: N passed, M failed' line in dmesg"
passed=$kmod_passed
failed=$kmod_failed

rmmod test_sdxi_model || fail "rmmod test_sdxi_model: exit status $?"
loaded test_sdxi_model && fail "test_sdxi_model still loaded after rmmod"
rmmod sdxi_model || fail "rmmod sdxi_model: exit status $?"
loaded sdxi_model && fail "sdxi_model still loaded after rmmod"

[ "$failed" -eq 0 ] || fail "$failed SDXI model tests failed"
[ "$passed" -gt 0 ] || fail "no SDXI model test passed"
echo "sdxi_model_test: ok: $passed SDXI model tests passed"
exit 0
