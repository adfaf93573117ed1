#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# uoffload on SDXI: the functional model (sdxi_model.ko) is bound to the
# SDXI core (sdxi_model_front.ko) and uoffload_sdxi.ko makes its contexts
# uoffload's copy and fill channels.  Then, with every op sent to the rings:
#   - the copy, fill, batch, fixed-buffer and stress suites run on SDXI,
#     every byte checked, and the SDXI channels' counters show the work;
#   - each fault the model can inject (failed descriptors, a lost
#     interrupt, a stall, a function error) ends in right results, the
#     work finished by the CPU, and a working function afterwards;
#   - the front and the backend are unloaded with copies in flight, which
#     still end right, and loaded again.
# Ends with a kselftest "# Totals:" line.  Leaves the modules as it found
# them.
#
# UOFFLOAD_MODDIR overrides /lib/modules/uoffload; UOFF_STRESS_OPS the
# stress suite's ops per thread (default 300 here).

cd "$(dirname "$0")" || exit 1
moddir=${UOFFLOAD_MODDIR:-/lib/modules/uoffload}
stats=/sys/class/misc/uoffload/stats
pdir=/sys/module/uoffload/parameters
bdir=/sys/module/uoffload_sdxi/parameters
fault=/sys/kernel/debug/sdxi_model
drv=/sys/bus/platform/drivers/sdxi-model
ready=./.sdxi_uoff_test.ready.$$

# shellcheck source=uoff_lib.sh
. ./uoff_lib.sh

pass=0
fail=0
nr=0
ok() { nr=$((nr + 1)); pass=$((pass + 1)); echo "ok $nr $*"; }
not_ok() { nr=$((nr + 1)); fail=$((fail + 1)); echo "not ok $nr $*"; }
check() {
	what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

skip() { echo "sdxi_uoff_test: SKIP: $*"; exit 4; }

[ -e /dev/uoffload ] || skip "uoffload is not loaded"
for m in sdxi sdxi_model sdxi_model_front; do
	[ -f "$moddir/$m.ko" ] || skip "$moddir/$m.ko not found"
done
[ -f "$moddir/uoffload_sdxi.ko" ] || skip "uoffload_sdxi.ko not found"
loaded sdxi_model && skip "sdxi_model.ko already loaded"

ours=
load() {
	loaded "$1" && return 0
	insmod "$moddir/$1.ko" || return 1
	ours="$1 $ours"
}
unload_ours() {
	for m in $ours; do
		loaded "$m" && rmmod "$m"
	done
	ours=
}

saved_thr=$(cat $pdir/inline_threshold)
saved_be=$(cat $pdir/backends)
finish() {
	echo "$saved_thr" > $pdir/inline_threshold
	echo "$saved_be" > $pdir/backends
	[ -w "$fault/stall" ] && echo 0 > "$fault/stall"
	unload_ours
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
	echo "sdxi_uoff_test: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

# The sum of one counter over the SDXI channels: "descs", "fallbacks"...
dsum() {
	awk -v k="$1" 'split($1, a, ".") == 2 && a[1] ~ /^dchan/ &&
		       a[2] == k { s += $2 } END { print s + 0 }' $stats
}
nr_dchans() { grep -c '^dchan[0-9]*\.engine sdxi$' $stats; }

for m in sdxi sdxi_model sdxi_model_front uoffload_sdxi; do
	load $m || { not_ok "insmod $m"; finish; }
done
check "two SDXI channels serve uoffload" [ "$(nr_dchans)" -eq 2 ]
echo 0 > $pdir/inline_threshold

# ---- The suites, on SDXI -------------------------------------------------
: "${UOFF_STRESS_OPS:=300}"
export UOFF_STRESS_OPS
descs=$(dsum descs)
for t in copy_test fill_test batch_test fixed_test stress_test; do
	echo "# ---- $t on SDXI"
	out=./.sdxi_uoff_test.out.$$
	./$t > "$out" 2>&1
	rc=$?
	grep -E '^(not ok|#  *FAIL)' "$out"
	line=$(grep '^# Totals: ' "$out" | tail -n 1)
	rm -f "$out"
	if [ -z "$line" ]; then
		not_ok "$t: no Totals line (status $rc)"
		continue
	fi
	# shellcheck disable=SC2046 # split on purpose
	set -- $(echo "$line" | tr -c '0-9\n' ' ')
	echo "# $t: $(($1 + $3)) passed, $(($2 + $4 + $6)) failed"
	pass=$((pass + $1 + $3))
	fail=$((fail + $2 + $4 + $6))
	[ "$rc" -eq 0 ] || [ $(($2 + $4 + $6)) -ne 0 ] ||
		not_ok "$t: status $rc without a failed test"
done
check "the suites' descriptors went to SDXI" [ "$(dsum descs)" -gt "$descs" ]
check "SDXI raised interrupts" [ "$(dsum irqs)" -gt 0 ]
check "batching: fewer interrupts than descriptors" \
	[ "$(dsum irqs)" -lt "$(dsum descs)" ]
check "no device errors without faults" [ "$(dsum errors)" -eq 0 ]
check "no CPU fallbacks without faults" [ "$(dsum fallbacks)" -eq 0 ]

# One copy and one fill of 16 MiB, checked (hold_busy 0).
one_op() { ./hold_busy 0; }

# ---- The backends parameter ----------------------------------------------
be=$pdir/backends
order=sdxi,dmaengine,cpu
check "backends: the default order" [ "$(cat $be)" = "$order" ]
check "backends: an unknown name is refused" sh -c "! echo bogus > $be"
check "backends: a repeated name is refused" sh -c "! echo sdxi,sdxi > $be"
check "backends: an empty list is refused" sh -c "! echo > $be"
check "backends: unchanged after refusals" [ "$(cat $be)" = "$order" ]
echo cpu > $be
descs=$(dsum descs)
check "backends=cpu: ops end right" one_op
check "backends=cpu: the SDXI channels stay idle" [ "$(dsum descs)" -eq "$descs" ]
echo dmaengine,sdxi > $be
check "backends=dmaengine,sdxi: reads back" [ "$(cat $be)" = dmaengine,sdxi ]
check "backends=dmaengine,sdxi: ops end right" one_op
check "backends=dmaengine,sdxi: SDXI serves (no dmaengine channels)" \
	[ "$(dsum descs)" -gt "$descs" ]
echo $order > $be

# ---- Injected faults ------------------------------------------------------
if [ -d "$fault" ]; then
	errs=$(dsum errors)
	fb=$(dsum fallbacks)
	echo 3 > "$fault/fail_descs"
	check "fail_descs: ops end right" one_op
	check "fail_descs: all three injected" [ "$(cat $fault/fail_descs)" -eq 0 ]
	check "fail_descs: errors counted" [ "$(dsum errors)" -gt "$errs" ]
	check "fail_descs: the CPU finished the work" [ "$(dsum fallbacks)" -gt "$fb" ]
	fb=$(dsum fallbacks)
	check "fail_descs: then the device works" one_op
	check "fail_descs: no fallback after" [ "$(dsum fallbacks)" -eq "$fb" ]

	irqs=$(dsum irqs)
	echo 4 > "$fault/drop_irqs"
	check "drop_irqs: ops end right" one_op
	check "drop_irqs: no fallback" [ "$(dsum fallbacks)" -eq "$fb" ]
	echo 0 > "$fault/drop_irqs"

	saved_to=$(cat $bdir/timeout_ms)
	echo 300 > $bdir/timeout_ms
	errs=$(dsum errors)
	echo 1 > "$fault/stall"
	check "stall: ops end right" one_op
	check "stall: timeout counted" [ "$(dsum errors)" -gt "$errs" ]
	check "stall: the CPU finished the work" [ "$(dsum fallbacks)" -gt "$fb" ]
	echo 0 > "$fault/stall"
	echo "$saved_to" > $bdir/timeout_ms
	fb=$(dsum fallbacks)
	descs=$(dsum descs)
	check "stall: then the device works" one_op
	check "stall: no fallback after" [ "$(dsum fallbacks)" -eq "$fb" ]

	errs=$(dsum errors)
	echo 1 > "$fault/func_error"
	check "func_error: ops end right" one_op
	check "func_error: the CPU finished the work" \
		[ "$(dsum fallbacks)" -gt "$fb" ]
	# Reset: unbind and bind the function again.
	echo sdxi-model > $drv/unbind
	check "func_error: unbind leaves no SDXI channel" [ "$(nr_dchans)" -eq 0 ]
	echo sdxi-model > $drv/bind
	check "func_error: a reset function serves again" \
		[ "$(nr_dchans)" -eq 2 ]
	check "func_error: ops end right after reset" one_op
	check "func_error: and on the device" [ "$(dsum descs)" -gt 0 ]
	check "func_error: no fallback after reset" [ "$(dsum fallbacks)" -eq 0 ]
else
	not_ok "no fault injection at $fault"
fi

# ---- Unloading with copies in flight --------------------------------------
# hold_busy keeps 16 MiB copies in flight for $1 seconds, checking each.
in_flight() {
	rm -f "$ready"
	./hold_busy 4 "$ready" &
	busy=$!
	retry 300 test -e "$ready" || { kill $busy; return 1; }
	"$@" || { wait $busy; return 1; }
	wait $busy
}
# ... and the function logs no error for the contexts torn down meanwhile.
in_flight_clean() {
	mark="sdxi_uoff_test: in flight $1 $$"
	echo "$mark" > /dev/kmsg
	in_flight "$@" || return 1
	! dmesg | sed -n "/$mark/,\$p" | grep 'error class'
}
unload_front() {
	rmmod sdxi_model_front && [ "$(nr_dchans)" -eq 0 ]
}
check "front unloaded with copies in flight: they end right, no error logged" \
	in_flight_clean unload_front
check "front loaded again: SDXI channels back" \
	sh -c "insmod $moddir/sdxi_model_front.ko && [ \$(grep -c '^dchan[0-9]*\.engine sdxi\$' $stats) -eq 2 ]"
unload_backend() {
	rmmod uoffload_sdxi && [ "$(nr_dchans)" -eq 0 ]
}
check "backend unloaded with copies in flight: they end right, no error logged" \
	in_flight_clean unload_backend
check "backend loaded again" insmod "$moddir/uoffload_sdxi.ko"
check "then the device works" one_op
rm -f "$ready"

finish
