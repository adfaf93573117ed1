#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Module lifetime: while a process has ops in flight, rmmod uoffload fails;
# once it has closed its files rmmod succeeds (io_uring lets go of them
# asynchronously, so that may take a moment); the module loads again and
# works.  Leaves the module loaded with its default parameters.
#
# UOFFLOAD_MODDIR overrides /lib/modules/uoffload.

cd "$(dirname "$0")" || exit 1
moddir=${UOFFLOAD_MODDIR:-/lib/modules/uoffload}
ko=$moddir/uoffload.ko
ready=./.unload_test.ready.$$

thr=/sys/module/uoffload/parameters/inline_threshold
saved_thr=

skip() { echo "unload_test: SKIP: $*"; exit 4; }

# Failing before the reload leaves the module as it was found.
fail() {
	echo "unload_test: FAIL: $*"
	[ -n "$saved_thr" ] && [ -w "$thr" ] && echo "$saved_thr" > "$thr"
	exit 1
}

# shellcheck source=uoff_lib.sh
. ./uoff_lib.sh

[ -e /dev/uoffload ] || skip "uoffload is not loaded"
[ -f "$ko" ] || skip "$ko not found"
[ -x ./hold_busy ] || fail "./hold_busy missing"

# A module using uoffload's symbols would hold it too.
if loaded test_uoffload; then
	rmmod test_uoffload || fail "cannot unload test_uoffload"
fi

# Large copies on the rings, where they stay in flight.
saved_thr=$(cat "$thr") || fail "cannot read inline_threshold"
echo 0 > "$thr" || fail "cannot set inline_threshold"

rm -f "$ready"
./hold_busy 5 "$ready" &
busy=$!
retry 300 test -e "$ready" || {
	kill "$busy"
	fail "hold_busy never got its ops in flight"
}
rm -f "$ready"

rmmod uoffload 2>/dev/null && busy_rmmod=ok
loaded uoffload || {
	# The module is gone under running ops: put it back for what follows.
	wait "$busy"
	retry 100 insmod "$ko"
	fail "rmmod uoffload succeeded with ops in flight"
}
[ -z "$busy_rmmod" ] || fail "rmmod reported success but uoffload is loaded"

wait "$busy"
rc=$?
[ "$rc" -eq 0 ] || fail "hold_busy: exit status $rc"

# From here on the module is reloaded with its defaults.
saved_thr=
retry 100 rmmod uoffload ||
	fail "rmmod uoffload still fails 10 s after its last user exited"
loaded uoffload && fail "uoffload still listed after rmmod"
[ -e /dev/uoffload ] && fail "/dev/uoffload still there after rmmod"

insmod "$ko" || fail "insmod $ko: exit status $?"
retry 50 test -e /dev/uoffload || fail "no /dev/uoffload after insmod"
./hold_busy 0 || fail "copy and fill after reloading failed"
echo "unload_test: ok"
exit 0
