#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The SDXI dmaengine provider on the functional model: sdxi.ko offers each
# function's contexts as DMA_MEMCPY channels (dma_channels=2),
# sdxi_model.ko is the software function, sdxi_model_front.ko binds it, and
# test_sdxi_dma.ko takes the model's channels with dma_request_channel()
# and copies through them while it loads, refusing to load if any test
# fails.  It must load, report "N passed, 0 failed" with N > 0, and every
# module loaded here must unload again.
#
# UOFFLOAD_MODDIR overrides /lib/modules/uoffload.

moddir=${UOFFLOAD_MODDIR:-/lib/modules/uoffload}

skip() { echo "sdxi_dma_test: SKIP: $*"; exit 4; }
fail() { echo "sdxi_dma_test: FAIL: $*"; exit 1; }

# shellcheck source=uoff_lib.sh
. "$(dirname "$0")/uoff_lib.sh"

# The channel count is read when sdxi.ko loads: it must load here.
sdxi_model_kmod_test test_sdxi_dma "SDXI dmaengine" dma_channels=2
echo "sdxi_dma_test: ok: $sdxi_passed SDXI dmaengine tests passed"
exit 0
