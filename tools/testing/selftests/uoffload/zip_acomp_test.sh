#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The compression accelerator path, exercised with the kernel's software
# "deflate" (deflate-scomp), which uoffload takes only with acomp=any:
# reload the module so, check that it names a driver in zip.acomp_driver,
# run zip_test's acomp fixture (DEFLATEs up to acomp_max_len served by
# the accelerator and decoded by user zlib, longer ones on the CPU, a
# destination the accelerator cannot fill falling back to the CPU) and
# its round trips through the accelerator, then reload the module with
# its defaults.  Skips (4) when the crypto API has no "deflate".
#
# UOFFLOAD_MODDIR overrides /lib/modules/uoffload; deflate.ko is looked
# for in /lib/modules/kmod (tools/testing/vm/run --kmod deflate).

cd "$(dirname "$0")" || exit 1
moddir=${UOFFLOAD_MODDIR:-/lib/modules/uoffload}
ko=$moddir/uoffload.ko
stats=/sys/class/misc/uoffload/stats
reloaded=

skip() { echo "zip_acomp_test: SKIP: $*"; exit 4; }

# shellcheck source=uoff_lib.sh
. ./uoff_lib.sh

# rmmod uoffload (io_uring lets go of files asynchronously), then insmod
# it with the arguments given.
reload() {
	retry 100 rmmod uoffload || return 1
	insmod "$ko" "$@" || return 1
	retry 50 test -e /dev/uoffload
}

fail() {
	echo "zip_acomp_test: FAIL: $*"
	if [ -n "$reloaded" ]; then
		reload || echo "zip_acomp_test: cannot restore uoffload"
	fi
	exit 1
}

have_deflate() { grep -q '^name *: deflate$' /proc/crypto; }

driver() { awk '$1 == "zip.acomp_driver" { print $2 }' "$stats"; }

[ -e /dev/uoffload ] || skip "uoffload is not loaded"
[ -f "$ko" ] || skip "$ko not found"
[ -x ./zip_test ] || fail "./zip_test missing"
if ! have_deflate && [ -f /lib/modules/kmod/deflate.ko ]; then
	insmod /lib/modules/kmod/deflate.ko 2>/dev/null
fi
have_deflate || skip "no \"deflate\" in /proc/crypto (deflate.ko not loaded)"

# A module using uoffload's symbols would hold it.
if loaded test_uoffload; then
	rmmod test_uoffload || fail "cannot unload test_uoffload"
fi

reloaded=1
reload acomp=any || fail "reloading uoffload with acomp=any"
drv=$(driver)
echo "zip_acomp_test: zip.acomp_driver ${drv:-missing}"
case $drv in
"" | none)
	fail "acomp=any and \"deflate\" in the crypto API, yet zip.acomp_driver is '${drv:-missing}'"
	;;
esac

UOFF_ZIP_ACOMP=required ./zip_test -f acomp -t roundtrip_formats_levels \
	-t exact_fit_and_enospc -t many_in_flight -t stats
rc=$?
[ "$rc" -eq 0 ] || fail "zip_test through the accelerator: exit status $rc"

reloaded=
reload || fail "reloading uoffload with its defaults"
# acomp=auto takes hardware only.
[ "$(driver)" != deflate-scomp ] ||
	fail "default parameters, yet the software driver serves"
echo "zip_acomp_test: ok"
exit 0
