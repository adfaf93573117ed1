#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unloading the mm offload provider mid-migration is safe: mm_mover moves
# 1 MiB of base pages and a huge page back and forth between the NUMA
# nodes, checking every byte after each move, while uoffload is unloaded
# (retried while mm holds it for a batch in flight) and loaded again,
# twice; migration goes on with the CPU copying while it is gone, and
# uoffload copies again once it is back.  Then the same on the SDXI model,
# uoffload_sdxi unloaded first, once.  Kernel reports (KASAN, lockdep,
# DMA-API, kmemleak) fail the run in run_selftests.  Ends with a kselftest
# "# Totals:" line; leaves uoffload loaded with the parameters it had.
#
# Skipped on a kernel without the mm offload hooks (kernel/patches/).
# UOFFLOAD_MODDIR overrides /lib/modules/uoffload.

cd "$(dirname "$0")" || exit 1
moddir=${UOFFLOAD_MODDIR:-/lib/modules/uoffload}
ko=$moddir/uoffload.ko
pdir=/sys/module/uoffload/parameters
progress=./.mm_unload_test.rounds.$$
stop=./.mm_unload_test.stop.$$
params=./.mm_unload_test.params.$$
# How many times each part unloads and loads uoffload.
cpu_reloads="1 2"
sdxi_reloads="1"

# shellcheck source=uoff_lib.sh
. ./uoff_lib.sh

pass=0
fail=0
nr=0
mover=

skip() { echo "mm_unload_test: SKIP: $*"; exit 4; }

why=$(uoff_mm_unready)
[ -z "$why" ] || skip "$why"
[ -f "$ko" ] || skip "$ko not found"

# Every writable parameter (test -w is true for root), put back after
# each load.
find "$pdir" -type f -perm -u+w | while read -r f; do
	printf '%s %s\n' "${f##*/}" "$(cat "$f")"
done > "$params"
params_restore() {
	while read -r name val; do
		echo "$val" > "$pdir/$name"
	done < "$params"
}

finish() {
	if [ -n "$mover" ]; then
		touch "$stop"
		wait "$mover"
	fi
	loaded uoffload || insmod "$ko" || not_ok "uoffload left unloaded"
	uoff_sdxi_down || not_ok "unloading the SDXI modules"
	params_restore
	rm -f "$progress" "$progress.tmp" "$stop" "$params"
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
	echo "mm_unload_test: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

[ -x ./mm_mover ] || { not_ok "./mm_mover missing"; finish; }
# A module using uoffload's symbols would hold it too.
if loaded test_uoffload; then
	rmmod test_uoffload || { not_ok "cannot unload test_uoffload"; finish; }
fi

rounds() { cat "$progress" 2>/dev/null || echo 0; }
alive() { kill -0 "$mover" 2>/dev/null; }

# Runs "$2..." every tenth of a second until it succeeds, at most $1
# times; false if it never does, or mm_mover died.
while_moving() {
	n=$1
	shift
	until "$@"; do
		alive || return 1
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		nap
	done
}
# "above V CMD...": the output of CMD is greater than V.
above() {
	v=$1
	shift
	[ "$("$@")" -gt "$v" ]
}
# mm_mover does $1 more rounds; the output of "$@" rises.
more_rounds() { while_moving 1200 above $(($(rounds) + $1 - 1)) rounds; }
rises() { while_moving 600 above "$("$@")" "$@"; }
offloading() { rises uoff_stat mm.migrate_folios; }
sdxi_serving() { rises uoff_dsum kernel_reqs sdxi; }

# Spins until mm holds uoffload for a migration batch in flight (its
# reference count), a few thousand reads at the most; false if it never
# caught one.
in_batch() {
	n=5000
	until [ "$(cat /sys/module/uoffload/refcnt)" -gt 0 ]; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
	done
}

# rmmod $1 while mm_mover runs: busy while a batch holds the module.
# "unload uoffload" tries first while a batch is in flight, if it can
# catch one.
unload() {
	tries=0
	[ "$1" = uoffload ] && in_batch && echo "# rmmod $1 during a batch"
	while ! rmmod "$1" 2>/dev/null; do
		tries=$((tries + 1))
		[ "$tries" -lt 200 ] || return 1
		nap
	done
	[ "$tries" -gt 0 ] && echo "# rmmod $1: busy $tries time(s) first"
	! loaded "$1"
}
load_backend() {
	insmod "$moddir/uoffload_sdxi.ko" && [ "$(uoff_nr_dchans sdxi)" -eq 2 ]
}
reload() {
	insmod "$ko" "$@" && retry 50 test -e /dev/uoffload &&
		[ "$(uoff_stat mm.registered)" -eq 1 ]
}

start_mover() {
	rm -f "$progress" "$stop"
	./mm_mover 1 "$progress" "$stop" &
	mover=$!
	check "$1: mm_mover moves pages" more_rounds 1
}
stop_mover() {
	touch "$stop"
	wait "$mover"
	rc=$?
	mover=
	check "$1: mm_mover found every byte right (status $rc)" [ "$rc" -eq 0 ]
}

# ---- uoffload on the CPU -------------------------------------------------
start_mover cpu
for i in $cpu_reloads; do
	check "cpu $i: uoffload copies the migrations" offloading
	check "cpu $i: rmmod uoffload mid-migration" unload uoffload
	check "cpu $i: the CPU copies meanwhile" more_rounds 2
	check "cpu $i: insmod uoffload, the provider again" reload
	params_restore
done
check "cpu: uoffload copies the migrations again" offloading
stop_mover cpu

# ---- uoffload on the SDXI model --------------------------------------------
sdxi_ok=1
for m in sdxi sdxi_model sdxi_model_front uoffload_sdxi; do
	[ -f "$moddir/$m.ko" ] || sdxi_ok=
done
loaded sdxi_model && sdxi_ok=
if [ -z "$sdxi_ok" ]; then
	echo "# no SDXI model to unload uoffload_sdxi from: part skipped"
	finish
fi

# Held dmaengine channels would keep the front loaded.
echo sdxi,cpu > "$pdir/backends"
check "sdxi: the model and uoffload_sdxi load" uoff_sdxi_up
check "sdxi: two SDXI channels" [ "$(uoff_nr_dchans sdxi)" -eq 2 ]
start_mover sdxi
for i in $sdxi_reloads; do
	check "sdxi $i: migrations go to the SDXI rings" sdxi_serving
	check "sdxi $i: rmmod uoffload_sdxi mid-migration" unload uoffload_sdxi
	check "sdxi $i: rmmod uoffload mid-migration" unload uoffload
	check "sdxi $i: the CPU copies meanwhile" more_rounds 2
	check "sdxi $i: insmod uoffload" reload backends=sdxi,cpu
	check "sdxi $i: insmod uoffload_sdxi, two channels" load_backend
done
check "sdxi: migrations go to the SDXI rings again" sdxi_serving
stop_mover sdxi
finish
