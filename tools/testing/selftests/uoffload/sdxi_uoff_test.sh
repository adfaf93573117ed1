#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# uoffload on SDXI: the functional model (sdxi_model.ko) is bound to the
# SDXI core (sdxi_model_front.ko) and uoffload_sdxi.ko makes its contexts
# uoffload's copy and fill channels.  Then, with every op sent to the rings:
#   - the copy, fill, batch, fixed-buffer and stress suites run on SDXI,
#     every byte checked, and the SDXI channels' counters show the work;
#   - "backends" sends the work to SDXI or to the dmaengine channels
#     sdxi.ko offers of the same function, whichever it names first;
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
uoff_ready=./.sdxi_uoff_test.ready.$$

# shellcheck source=uoff_lib.sh
. ./uoff_lib.sh

pass=0
fail=0
nr=0

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
	[ -w "$fault/stall" ] && echo 0 > "$fault/stall"
	# Held dmaengine channels would keep the front loaded.
	echo cpu > $pdir/backends
	unload_ours
	echo "$saved_be" > $pdir/backends
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
	echo "sdxi_uoff_test: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

# The sum of one counter over the SDXI channels: "descs", "fallbacks"...
dsum() { uoff_dsum "$1" sdxi; }
nr_dchans() { uoff_nr_dchans sdxi; }

for m in sdxi sdxi_model sdxi_model_front uoffload_sdxi; do
	load $m || { not_ok "insmod $m"; finish; }
done
check "two SDXI channels serve uoffload" [ "$(nr_dchans)" -eq 2 ]
echo 0 > $pdir/inline_threshold

# ---- The suites, on SDXI -------------------------------------------------
: "${UOFF_STRESS_OPS:=300}"
export UOFF_STRESS_OPS
descs=$(dsum descs)
# shellcheck disable=SC2034 # for uoff_run_suites
uoff_label=SDXI
uoff_run_suites copy_test fill_test batch_test fixed_test stress_test
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
check "backends=cpu: no dmaengine channel held" \
	[ "$(uoff_nr_dchans dmaengine)" -eq 0 ]
# sdxi.ko offers the function's contexts as dmaengine channels too.
echo dmaengine,sdxi > $be
check "backends=dmaengine,sdxi: reads back" [ "$(cat $be)" = dmaengine,sdxi ]
check "backends=dmaengine,sdxi: the two dmaengine channels taken" \
	[ "$(uoff_nr_dchans dmaengine)" -eq 2 ]
check "backends=dmaengine,sdxi: ops end right" one_op
check "backends=dmaengine,sdxi: the dmaengine channels serve" \
	[ "$(uoff_dsum descs dmaengine)" -gt 0 ]
check "backends=dmaengine,sdxi: SDXI stays idle" [ "$(dsum descs)" -eq "$descs" ]
echo sdxi,dmaengine > $be
ddescs=$(uoff_dsum descs dmaengine)
check "backends=sdxi,dmaengine: ops end right" one_op
check "backends=sdxi,dmaengine: SDXI serves" [ "$(dsum descs)" -gt "$descs" ]
check "backends=sdxi,dmaengine: the dmaengine channels stay idle" \
	[ "$(uoff_dsum descs dmaengine)" -eq "$ddescs" ]
# SDXI alone from here on: held dmaengine channels keep the front loaded.
echo sdxi,cpu > $be

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
# ... and the function logs no error for the contexts torn down meanwhile.
in_flight_clean() {
	mark="sdxi_uoff_test: in flight $1 $$"
	echo "$mark" > /dev/kmsg
	uoff_in_flight "$@" || return 1
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
rm -f "$uoff_ready"

finish
