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
# Then the PCI front, which has no function to bind here (QEMU has no SDXI
# device): sdxi_pci.ko must load, register the "sdxi" PCI driver, bind
# nothing, carry the class alias, and unload.
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

pci=$moddir/sdxi_pci.ko
[ -f "$pci" ] || skip "$pci not found"
loaded sdxi_pci && skip "sdxi_pci.ko already loaded"
# Class 0x120100: base class 0x12, subclass 0x01, programming interface 0.
grep -aq 'pci:v\*d\*sv\*sd\*bc12sc01i00' "$pci" ||
	fail "no class 0x120100 alias in $pci"
loaded sdxi || { insmod "$moddir/sdxi.ko" ||
	fail "insmod sdxi.ko: exit status $?"; ours=sdxi; }
insmod "$pci" || fail "insmod $pci: exit status $?"
drv=/sys/bus/pci/drivers/sdxi
[ -d "$drv" ] || { rmmod sdxi_pci; fail "$drv missing after insmod"; }
bound=$(find "$drv" -maxdepth 1 -name '0000:*' | wc -l)
rmmod sdxi_pci || fail "rmmod sdxi_pci: exit status $?"
[ "$bound" -eq 0 ] || fail "sdxi_pci bound $bound devices"
[ -d "$drv" ] && fail "$drv still there after rmmod"
[ -n "${ours-}" ] && { rmmod sdxi || fail "rmmod sdxi: exit status $?"; }
echo "sdxi_dma_test: ok: sdxi_pci registers its driver and binds nothing"
exit 0
