#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Slab allocations failing under uoffload (failslab, a kernel with
# CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS: the development
# kernel).  Failures hit only tasks with make-it-fail set (task-filter=Y):
#
#  1. failslab_prog opens the device, sets up rings and runs every op while
#     armed: each either succeeds with every byte right or fails with ENOMEM
#     having written nothing; at least one must have failed.
#  2. Only with FAILSLAB_LOADS=N: uoffload is removed and loaded again
#     armed (failslab_prog --load), N times: it either loads and works or
#     fails with the module gone; then a clean insmod must work.  Not by
#     default: on the 6.12 debug kernel, failures injected into any module
#     load make the core kernel log warnings that run_selftests counts as
#     trouble (WARN_ON in kernel/trace/trace_events.c event_define_fields()
#     and event_file_put() for a module's trace events; warn_alloc() from
#     KASAN's module shadow in execmem_alloc()).
#
# Leaks show in run_selftests' kmemleak scan.  Leaves uoffload loaded with
# its default parameters.  UOFFLOAD_MODDIR overrides /lib/modules/uoffload;
# FAILSLAB_ROUNDS the rounds of step 1 (150).

cd "$(dirname "$0")" || exit 1
moddir=${UOFFLOAD_MODDIR:-/lib/modules/uoffload}
ko=$moddir/uoffload.ko
fs=/sys/kernel/debug/failslab
rounds=${FAILSLAB_ROUNDS:-150}
loads=${FAILSLAB_LOADS:-0}

skip() { echo "failslab_test: SKIP: $*"; exit 4; }
# Whatever failed, uoffload is left loaded for the tests after this one.
fail() {
	echo "failslab_test: FAIL: $*"
	disarm
	loaded uoffload || insmod "$ko"
	exit 1
}

# shellcheck source=uoff_lib.sh
. ./uoff_lib.sh

[ -e /dev/uoffload ] || skip "uoffload is not loaded"
[ -d "$fs" ] || skip "no $fs: the kernel lacks CONFIG_FAILSLAB or CONFIG_FAULT_INJECTION_DEBUG_FS"
[ -e /proc/self/make-it-fail ] || skip "no /proc/self/make-it-fail"
[ -x ./failslab_prog ] || fail "./failslab_prog missing"
[ -x ./hold_busy ] || fail "./hold_busy missing"
[ -f "$ko" ] || fail "$ko not found"

trap disarm EXIT

disarm() {
	echo 0 > "$fs/probability"
	echo 0 > "$fs/times"
}
trap 'exit 1' INT TERM

# Allocations of an armed task fail at random, any site, no end (times is
# read back to count the injections); GFP_KERNEL ones too.  failslab_prog
# changes the probability from round to round.
echo Y > "$fs/task-filter" || fail "cannot set task-filter"
echo N > "$fs/ignore-gfp-wait"
[ -e "$fs/cache-filter" ] && echo N > "$fs/cache-filter"
echo 0 > "$fs/verbose"
echo 0 > "$fs/space"
echo 1 > "$fs/interval"
echo 20 > "$fs/probability"
budget=1000000
echo $budget > "$fs/times"

echo "# $rounds rounds of every op, armed"
start=$(date +%s)
./failslab_prog "$rounds"
rc=$?
echo "# that took $(($(date +%s) - start)) s"
echo "# failslab injected $((budget - $(cat "$fs/times"))) failure(s)"
[ "$rc" -eq 0 ] || fail "failslab_prog: exit status $rc"

if [ "$loads" -eq 0 ]; then
	echo "# armed module loads: not run (FAILSLAB_LOADS=N runs N)"
	echo "failslab_test: ok"
	exit 0
fi

# Step 2.  A module using uoffload's symbols would hold it.
for h in /sys/module/uoffload/holders/*; do
	[ -e "$h" ] || continue
	rmmod "${h##*/}" || fail "cannot unload ${h##*/}, which uses uoffload"
done
retry 100 rmmod uoffload || fail "cannot unload uoffload"

loaded_ok=0
load_failed=0
i=0
while [ "$i" -lt "$loads" ]; do
	i=$((i + 1))
	# The first $i failures, at sites that differ from load to load;
	# many land where the kernel copes (kmemleak's own objects...).
	echo $i > "$fs/times"
	echo 5 > "$fs/probability"
	./failslab_prog --load "$ko"
	rc=$?
	[ "$rc" -le 2 ] || fail "failslab_prog --load: exit status $rc"
	if loaded uoffload; then
		[ "$rc" -eq 0 ] || fail "init_module failed but uoffload is loaded"
		retry 50 test -e /dev/uoffload || fail "loaded armed, but no /dev/uoffload"
		./hold_busy 0 || fail "loaded armed, but copy and fill fail"
		loaded_ok=$((loaded_ok + 1))
		retry 100 rmmod uoffload || fail "cannot unload uoffload loaded armed"
	else
		[ "$rc" -eq 2 ] || fail "init_module reported success but uoffload is not loaded"
		[ -e /dev/uoffload ] && fail "/dev/uoffload left by a failed insmod"
		load_failed=$((load_failed + 1))
	fi
done
disarm
echo "# armed loads: $loaded_ok loaded, $load_failed failed"

insmod "$ko" || fail "clean insmod $ko: exit status $?"
retry 50 test -e /dev/uoffload || fail "no /dev/uoffload after a clean insmod"
./hold_busy 0 || fail "copy and fill after the clean insmod failed"
[ "$load_failed" -gt 0 ] || echo "# note: no armed load failed"
echo "failslab_test: ok"
exit 0
