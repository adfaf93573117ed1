#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The SDXI core's function and context tests on the functional model:
# sdxi.ko is the core, sdxi_model.ko the software function,
# sdxi_model_front.ko binds the core to it and brings it up, and
# test_sdxi_fn.ko drives the core while it loads and refuses to load if any
# test fails.  It must load, report "N passed, 0 failed" with N > 0, and
# every module loaded here must unload again.  The dmaengine provider in
# sdxi.ko stays on: its channels hold no context until taken.
#
# UOFFLOAD_MODDIR overrides /lib/modules/uoffload.

moddir=${UOFFLOAD_MODDIR:-/lib/modules/uoffload}

skip() { echo "sdxi_fn_test: SKIP: $*"; exit 4; }
fail() { echo "sdxi_fn_test: FAIL: $*"; exit 1; }

# shellcheck source=uoff_lib.sh
. "$(dirname "$0")/uoff_lib.sh"

sdxi_model_kmod_test test_sdxi_fn "SDXI function"
echo "sdxi_fn_test: ok: $sdxi_passed SDXI function tests passed"
exit 0
