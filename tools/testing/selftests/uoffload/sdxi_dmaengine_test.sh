#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# uoffload's dmaengine backend on the SDXI model's dmaengine provider:
# sdxi.ko offers the model function's contexts as DMA_MEMCPY channels
# (dma_channels, 2 by default) and uoffload, with backends=dmaengine,cpu,
# takes them as its copy and fill channels.  Then, with every op sent to
# the channels:
#   - the copy, fill, batch, fixed-buffer and stress suites run on them,
#     every byte checked, and their counters show the work, batched;
#   - failed descriptors and lost interrupts end in right results, failed
#     work finished by the CPU; a stall ends in a timeout, the CPU doing
#     the work and the channels let go, and a rescan takes them again;
#   - unbinding the provider with copies in flight lets go of the
#     channels once the copies are done, which end right; binding it
#     again brings them back.
# Ends with a kselftest "# Totals:" line.  Leaves the modules and the
# parameters as it found them.
#
# UOFFLOAD_MODDIR overrides /lib/modules/uoffload; UOFF_STRESS_OPS the
# stress suite's ops per thread (default 300 here).

cd "$(dirname "$0")" || exit 1
moddir=${UOFFLOAD_MODDIR:-/lib/modules/uoffload}
pdir=/sys/module/uoffload/parameters
fault=/sys/kernel/debug/sdxi_model
drv=/sys/bus/platform/drivers/sdxi-model
uoff_ready=./.sdxi_dmaengine_test.ready.$$

# shellcheck source=uoff_lib.sh
. ./uoff_lib.sh

pass=0
fail=0
nr=0

skip() { echo "sdxi_dmaengine_test: SKIP: $*"; exit 4; }

[ -e /dev/uoffload ] || skip "uoffload is not loaded"
[ -w $pdir/dma_timeout_ms ] || skip "uoffload has no dmaengine backend"
for m in sdxi sdxi_model sdxi_model_front; do
	[ -f "$moddir/$m.ko" ] || skip "$moddir/$m.ko not found"
done
loaded sdxi_model && skip "sdxi_model.ko already loaded"
if loaded sdxi && [ "$(cat /sys/module/sdxi/parameters/dma_channels)" != 2 ]; then
	skip "sdxi.ko loaded without dma_channels=2"
fi

ours=
load() {
	loaded "$1" && return 0
	insmod "$moddir/$1.ko" || return 1
	ours="$1 $ours"
}

saved_thr=$(cat $pdir/inline_threshold)
saved_be=$(cat $pdir/backends)
saved_to=$(cat $pdir/dma_timeout_ms)
finish() {
	echo "$saved_thr" > $pdir/inline_threshold
	echo "$saved_to" > $pdir/dma_timeout_ms
	[ -w "$fault/stall" ] && echo 0 > "$fault/stall"
	[ -w "$fault/drop_irqs" ] && echo 0 > "$fault/drop_irqs"
	[ -e "$drv/sdxi-model" ] || echo sdxi-model > $drv/bind 2>/dev/null
	# Held channels would keep the provider loaded.
	echo cpu > $pdir/backends
	for m in $ours; do
		loaded "$m" && rmmod "$m"
	done
	echo "$saved_be" > $pdir/backends
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
	echo "sdxi_dmaengine_test: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

dsum() { uoff_dsum "$1" dmaengine; }
nr_dchans() { uoff_nr_dchans dmaengine; }
two_chans() { [ "$(nr_dchans)" -eq 2 ]; }
no_chans() { [ "$(nr_dchans)" -eq 0 ]; }
# One copy and one fill of 16 MiB, checked.
one_op() { ./hold_busy 0; }
# Marks the kernel log; logged TEXT: TEXT logged since.
mark() { mark="sdxi_dmaengine_test: $1 $$"; echo "$mark" > /dev/kmsg; }
logged() { dmesg | sed -n "/$mark/,\$p" | grep -q "$1"; }

echo cpu > $pdir/backends
for m in sdxi sdxi_model sdxi_model_front; do
	load $m || { not_ok "insmod $m"; finish; }
done
check "backends=cpu: no dmaengine channel taken" no_chans
echo dmaengine,cpu > $pdir/backends
check "backends=dmaengine,cpu: the model's two channels serve uoffload" \
	two_chans
check "they are on a node" \
	[ "$(grep -c '^dchan[0-9]*\.node [0-9]' /sys/class/misc/uoffload/stats)" -ge 2 ]
echo 0 > $pdir/inline_threshold

# ---- The suites, on the dmaengine channels --------------------------------
: "${UOFF_STRESS_OPS:=300}"
export UOFF_STRESS_OPS
# shellcheck disable=SC2034 # for uoff_run_suites
uoff_label=dmaengine
uoff_run_suites copy_test fill_test batch_test fixed_test stress_test
check "the suites' descriptors went to the channels" [ "$(dsum descs)" -gt 0 ]
check "their bytes are counted" [ "$(dsum bytes)" -gt 0 ]
check "the channels raised interrupts" [ "$(dsum irqs)" -gt 0 ]
check "batching: fewer interrupts than descriptors" \
	[ "$(dsum irqs)" -lt "$(dsum descs)" ]
check "batching: fewer interrupts than requests" \
	[ "$(dsum irqs)" -lt $(($(dsum reqs) + $(dsum kernel_reqs))) ]
check "no device errors without faults" [ "$(dsum errors)" -eq 0 ]
check "no CPU fallbacks without faults" [ "$(dsum fallbacks)" -eq 0 ]

# ---- Injected faults ------------------------------------------------------
if [ -d "$fault" ]; then
	errs=$(dsum errors)
	fb=$(dsum fallbacks)
	mark fail_descs
	echo 3 > "$fault/fail_descs"
	check "fail_descs: ops end right" one_op
	check "fail_descs: all three injected" [ "$(cat $fault/fail_descs)" -eq 0 ]
	# A channel that keeps failing is let go (its counters with it) and
	# taken again.
	let_go() { logged 'keeps failing: letting it go'; }
	more_errors() { [ "$(dsum errors)" -gt "$errs" ] || let_go; }
	more_fallbacks() { [ "$(dsum fallbacks)" -gt "$fb" ] || let_go; }
	check "fail_descs: errors counted" more_errors
	check "fail_descs: the CPU redid the work" more_fallbacks
	check "fail_descs: the channels are there again" retry 100 two_chans
	fb=$(dsum fallbacks)
	descs=$(dsum descs)
	check "fail_descs: then the channels work" one_op
	check "fail_descs: on the device" [ "$(dsum descs)" -gt "$descs" ]
	check "fail_descs: no fallback after" [ "$(dsum fallbacks)" -eq "$fb" ]

	echo 4 > "$fault/drop_irqs"
	check "drop_irqs: ops end right" one_op
	check "drop_irqs: no fallback" [ "$(dsum fallbacks)" -eq "$fb" ]
	check "drop_irqs: no channel lost" two_chans
	echo 0 > "$fault/drop_irqs"

	echo 300 > $pdir/dma_timeout_ms
	echo 1 > "$fault/stall"
	mark stall
	check "stall: ops end right" one_op
	check "stall: the timeout let go of the channels" retry 100 no_chans
	check "stall: logged" logged 'made no progress: letting it go'

	echo 0 > "$fault/stall"
	echo "$saved_to" > $pdir/dma_timeout_ms
	check "stall: ops end right without channels" one_op
	echo dmaengine,cpu > $pdir/backends
	check "stall: a rescan takes the channels again" two_chans
	check "stall: then the channels work" one_op
	check "stall: on the device" [ "$(dsum descs)" -gt 0 ]
	check "stall: no fallback after" [ "$(dsum fallbacks)" -eq 0 ]
else
	not_ok "no fault injection at $fault"
fi

# ---- The provider goes away with copies in flight -------------------------
unbind() { echo sdxi-model > $drv/unbind && no_chans; }
check "unbind with copies in flight: they end right, the channels gone" \
	uoff_in_flight unbind
check "unbound: ops end right on the CPU" one_op
echo sdxi-model > $drv/bind
check "bound again: the channels are back" retry 100 two_chans
check "bound again: ops end right" one_op
check "bound again: on the channels" [ "$(dsum descs)" -gt 0 ]
descs=$(dsum descs)
echo sdxi,cpu > $pdir/backends
check "backends without dmaengine: the channels let go" no_chans
check "backends without dmaengine: ops end right" one_op
rm -f "$uoff_ready"

finish
