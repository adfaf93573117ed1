#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The SDXI functional model's fault injection knobs from the shell: with
# sdxi_model.ko loaded, /sys/kernel/debug/sdxi_model/ holds fail_descs,
# stall, drop_irqs, func_error and stats.  Each writable count reads back
# what was written, garbage is refused with an error, func_error is
# write-only and counted in stats, and the module unloads again.
#
# UOFFLOAD_MODDIR overrides /lib/modules/uoffload.

moddir=${UOFFLOAD_MODDIR:-/lib/modules/uoffload}
model=$moddir/sdxi_model.ko
dir=/sys/kernel/debug/sdxi_model

skip() { echo "sdxi_fault_test: SKIP: $*"; exit 4; }
fail() {
	echo "sdxi_fault_test: FAIL: $*"
	loaded sdxi_model && rmmod sdxi_model
	exit 1
}

# shellcheck source=uoff_lib.sh
. "$(dirname "$0")/uoff_lib.sh"

[ -f "$model" ] || skip "$model not found"
loaded sdxi_model && skip "sdxi_model.ko already loaded"
[ -d /sys/kernel/debug ] || skip "no debugfs"
insmod "$model" || fail "insmod $model: exit status $?"
[ -d "$dir" ] || fail "$dir missing (debugfs not mounted?)"

for f in fail_descs stall drop_irqs func_error stats; do
	[ -e "$dir/$f" ] || fail "$dir/$f missing"
done

# The value file $1 reads after "echo $2 > $1" succeeded.
roundtrip() {
	echo "$2" > "$dir/$1" || fail "echo $2 > $1 refused"
	got=$(cat "$dir/$1") || fail "cat $1: exit status $?"
	[ "$got" = "$2" ] || fail "$1: wrote $2, read back '$got'"
}

# A write that must be refused, and leave the value as it was.
refused() {
	before=$(cat "$dir/$1")
	if (echo "$2" > "$dir/$1") 2>/dev/null; then
		fail "$1 took '$2'"
	fi
	[ "$(cat "$dir/$1")" = "$before" ] ||
		fail "$1 changed by the refused '$2'"
}

for f in fail_descs drop_irqs; do
	roundtrip "$f" 0
	roundtrip "$f" 5
	roundtrip "$f" 2147483647
	refused "$f" abc
	refused "$f" -1
	refused "$f" 4294967296
	roundtrip "$f" 0
done
roundtrip stall 1
roundtrip stall 0
refused stall 2
refused stall yes

stat_of() { sed -n "s/^$1 //p" "$dir/stats"; }

for s in descs irqs irqs_dropped faults_injected; do
	v=$(stat_of "$s")
	case $v in
	''|*[!0-9]*) fail "stats: '$s' is '$v', not a number" ;;
	esac
done

if cat "$dir/func_error" > /dev/null 2>&1; then
	fail "func_error is readable"
fi
if (echo 2 > "$dir/func_error") 2>/dev/null; then
	fail "func_error took 2"
fi
# No driver holds the function: the engine takes the error, and the
# reset GSR it finds held puts the function back in STOP.
n=$(stat_of faults_injected)
echo 1 > "$dir/func_error" || fail "echo 1 > func_error refused"
i=0
while [ "$(stat_of faults_injected)" -eq "$n" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(stat_of faults_injected)" -eq $((n + 1)) ] ||
	fail "faults_injected $n -> $(stat_of faults_injected) after func_error"

rmmod sdxi_model || fail "rmmod sdxi_model: exit status $?"
loaded sdxi_model && fail "sdxi_model still loaded after rmmod"
[ -d "$dir" ] && fail "$dir left after rmmod"
echo "sdxi_fault_test: ok"
exit 0
