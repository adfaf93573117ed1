#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What uoffload shows of its work:
#   - /sys/class/misc/uoffload/channels/ has a directory per channel of the
#     stats file, each file equal to its stats line, and the counters rise
#     by what a copy and a fill did;
#   - SDXI channels (the model with uoffload_sdxi.ko) get dchanN
#     directories while attached, under numbers never used before, and a
#     counter file opened before its channel goes reads an error;
#   - the uoffload:uoff_submit and uoffload:uoff_complete tracepoints show
#     each request's op, size, engine (inline, cpu, sdxi), origin, status
#     and latency.
# Ends with a kselftest "# Totals:" line.  Puts back the parameters,
# modules and tracing state it changes.
#
# UOFFLOAD_MODDIR overrides /lib/modules/uoffload.

cd "$(dirname "$0")" || exit 1
moddir=${UOFFLOAD_MODDIR:-/lib/modules/uoffload}
stats=/sys/class/misc/uoffload/stats
cdir=/sys/class/misc/uoffload/channels
pdir=/sys/module/uoffload/parameters

# shellcheck source=uoff_lib.sh
. ./uoff_lib.sh

pass=0
fail=0
skipped=0
nr=0
ok() { nr=$((nr + 1)); pass=$((pass + 1)); echo "ok $nr $*"; }
not_ok() { nr=$((nr + 1)); fail=$((fail + 1)); echo "not ok $nr $*"; }
skip_one() { nr=$((nr + 1)); skipped=$((skipped + 1)); echo "ok $nr # SKIP $*"; }
check() {
	what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

[ -e /dev/uoffload ] || { echo "observe_test: SKIP: uoffload is not loaded"; exit 4; }

COPY=16777216		# hold_busy 0: one copy of 16 MiB ...
FILL=$((COPY - 3))	# ... and one fill of 16 MiB - 3
DESCS=128		# 64 + 64 descriptors of 256 KiB at most
FILES="engine node reqs kernel_reqs ops bytes batches irqs fallbacks errors inflight"

tdir=
mounted=
ours=
saved_thr=$(cat $pdir/inline_threshold)
saved_be=$(cat $pdir/backends)
finish() {
	echo "$saved_thr" > $pdir/inline_threshold
	exec 3<&-
	if [ -n "$tdir" ]; then
		echo 0 > "$tdir/events/uoffload/enable"
		echo > "$tdir/trace"
		[ -n "${saved_record_cmd-}" ] &&
			echo "$saved_record_cmd" > "$tdir/options/record-cmd"
		[ -n "${saved_record_tgid-}" ] &&
			echo "$saved_record_tgid" > "$tdir/options/record-tgid"
	fi
	[ -n "$mounted" ] && umount "$mounted"
	for m in $ours; do
		loaded "$m" && rmmod "$m"
	done
	# After the unloads: dmaengine back in the list takes channels.
	echo "$saved_be" > $pdir/backends
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skipped error:0"
	echo "observe_test: $pass passed, $fail failed, $skipped skipped"
	[ "$fail" -eq 0 ]
	exit $?
}

# "dir file value" for each counter of the stats file that has a file:
# descs is ops, doorbells batches, reaps has none.
stats_as_files() {
	awk 'split($1, a, ".") == 2 && a[1] ~ /^(chan|zchan|dchan)[0-9]+$/ {
		k = a[2]
		if (k == "descs") k = "ops"
		if (k == "doorbells") k = "batches"
		if (k != "reaps") print a[1], k, $2
	}' $stats
}

# The channels' directories, and the stats file's channels, sorted.
# shellcheck disable=SC2086 # $1 is a pattern
chan_dirs() {
	(cd $cdir && for d in $1; do [ -d "$d" ] && echo "$d"; done) | sort
}
stat_chans() {
	awk 'split($1, a, ".") == 2 && a[2] == "engine" { print a[1] }' $stats |
		sort
}

# Every counter of the stats file equals its file; every directory has all
# the files.
same_as_stats() {
	[ "$(chan_dirs '*')" = "$(stat_chans)" ] || { echo "# directories: $(chan_dirs '*')";
		echo "# stats file: $(stat_chans)"; return 1; }
	n=0
	bad=$(stats_as_files | while read -r d f v; do
		got=$(cat "$cdir/$d/$f") || got="(unreadable)"
		[ "$got" = "$v" ] || echo "$d/$f=$got, stats $v"
	done)
	[ -z "$bad" ] || { echo "# differ: $bad"; return 1; }
	for d in $(chan_dirs '*'); do
		for f in $FILES; do
			[ "$(stat -c %a "$cdir/$d/$f")" = 444 ] ||
				{ echo "# no read-only $d/$f"; return 1; }
			n=$((n + 1))
		done
	done
	[ "$n" -gt 0 ]
}

# The sum of one counter over the directories matching $2: "ops" "chan*".
csum() {
	s=0
	for d in $(chan_dirs "$2"); do
		s=$((s + $(cat "$cdir/$d/$1")))
	done
	echo $s
}

# The copy and the fill of hold_busy 0 raise the counters of the channels
# matching $1 by exactly their bytes and descriptors.
counters_rise() {
	set -- "$1" "$(csum ops "$1")" "$(csum bytes "$1")" \
		"$(csum reqs "$1")" "$(csum batches "$1")"
	./hold_busy 0 || return 1
	ops=$(($(csum ops "$1") - $2))
	bytes=$(($(csum bytes "$1") - $3))
	reqs=$(($(csum reqs "$1") - $4))
	batches=$(($(csum batches "$1") - $5))
	echo "# $1: ops +$ops bytes +$bytes reqs +$reqs batches +$batches"
	[ "$ops" -eq $DESCS ] && [ "$bytes" -eq $((COPY + FILL)) ] &&
		[ "$reqs" -ge 2 ] && [ "$batches" -ge 2 ] &&
		[ "$batches" -le "$ops" ]
}

check "channels directory exists" [ -d $cdir ] || finish
check "a directory per channel, every counter equal to the stats file" \
	same_as_stats
check "CPU channels say engine cpu" \
	sh -c "! grep -Lx cpu $cdir/chan*/engine $cdir/zchan*/engine | grep -q ."
echo 0 > $pdir/inline_threshold
echo cpu > $pdir/backends
check "a copy and a fill raise the CPU channels' counters" counters_rise 'chan*'
check "then still equal to the stats file" same_as_stats

# ---- Tracepoints ---------------------------------------------------------
for t in /sys/kernel/tracing /sys/kernel/debug/tracing; do
	[ -d "$t/events/uoffload" ] && { tdir=$t; break; }
done
if [ -z "$tdir" ] && grep -qw tracefs /proc/filesystems &&
   ! grep -q ' /sys/kernel/tracing tracefs' /proc/mounts &&
   mount -t tracefs nodev /sys/kernel/tracing; then
	mounted=/sys/kernel/tracing
	[ -d $mounted/events/uoffload ] && tdir=$mounted
fi

# The trace's uoffload lines as "event key=value...", from after its "req=".
tlines() {
	sed -n 's/.* \(uoff_[a-z]*\): req=[^ ]* \(.*\)$/\1 \2/p' "$tdir/trace"
}
# Field $2 of the trace lines that contain all of $1 (a list of words).
tfield() {
	tlines | awk -v want="$1" -v key="$2" '
		BEGIN { n = split(want, w, " ") }
		{
			for (i = 1; i <= n; i++) {
				found = 0
				for (j = 1; j <= NF; j++)
					if ($j == w[i]) found = 1
				if (!found) next
			}
			for (j = 1; j <= NF; j++)
				if (index($j, key "=") == 1)
					print substr($j, length(key) + 2)
		}'
}
# One submit and one complete of hold_busy 0's copy and of its fill on
# engine $1, succeeded, with latencies above 0 and below a minute.
traced() {
	echo > "$tdir/trace"
	./hold_busy 0 || return 1
	for opb in "copy $COPY" "fill $FILL"; do
		set -- "$1" $opb
		sub=$(tfield "uoff_submit op=$2 bytes=$3 engine=$1 from=uring" descs)
		[ "$sub" = 64 ] || { echo "# $2 submit: descs '$sub'"; tlines; return 1; }
		lat=$(tfield "uoff_complete op=$2 bytes=$3 engine=$1 status=0 from=uring" latency_ns)
		[ -n "$lat" ] && [ "$(echo "$lat" | wc -l)" -eq 1 ] &&
			[ "$lat" -gt 0 ] && [ "$lat" -lt 60000000000 ] ||
			{ echo "# $2 complete: latency '$lat'"; tlines; return 1; }
		echo "# $2 on $1: $lat ns"
	done
	grep -m 2 ' uoff_[a-z]*: .* op=copy ' "$tdir/trace" | sed 's/^ */# /'
}

if [ -z "$tdir" ]; then
	for t in cpu inline kernel sdxi; do
		skip_one "tracepoints on $t: no tracefs with events/uoffload"
	done
else
	# Enabling an event also hooks sched_switch to record task names,
	# which patches __schedule() while the other CPU runs it; QEMU's TCG
	# has been seen to trip over the int3 of that patching.  The events
	# need no names: keep that hook off.
	for o in record-cmd record-tgid; do
		[ -w "$tdir/options/$o" ] || continue
		eval "saved_$(echo $o | tr - _)=\$(cat $tdir/options/$o)"
		echo 0 > "$tdir/options/$o"
	done
	echo 1 > "$tdir/events/uoffload/enable"
	check "tracepoints: ring requests on engine cpu" traced cpu
	echo $COPY > $pdir/inline_threshold
	check "tracepoints: inline requests on engine inline" traced inline
	echo 0 > $pdir/inline_threshold
	if [ -f "$moddir/test_uoffload.ko" ] && ! loaded test_uoffload; then
		echo > "$tdir/trace"
		insmod "$moddir/test_uoffload.ko" && rmmod test_uoffload
		subs=$(tfield "uoff_submit engine=cpu from=kernel" bytes | wc -l)
		dones=$(tfield "uoff_complete engine=cpu from=kernel" bytes | wc -l)
		echo "# in-kernel API: $subs submitted, $dones completed"
		check "tracepoints: in-kernel requests, each completed" \
			test "$subs" -gt 0 -a "$subs" -eq "$dones"
	else
		skip_one "tracepoints on kernel: test_uoffload.ko missing or loaded"
	fi
fi

# ---- Device channels -----------------------------------------------------
nodev=
for m in sdxi sdxi_model sdxi_model_front uoffload_sdxi; do
	[ -f "$moddir/$m.ko" ] || nodev="$moddir/$m.ko not found"
	[ "$m" != sdxi ] && loaded $m && nodev="$m.ko already loaded"
done
if [ -n "$nodev" ]; then
	for t in appear count trace open vanish reload; do
		skip_one "device channels ($t): $nodev"
	done
	finish
fi
load() {
	loaded "$1" && return 0
	insmod "$moddir/$1.ko" || return 1
	ours="$1 $ours"
}
# The model's dmaengine channels would keep its front loaded.
uoff_no_dmaengine
for m in sdxi sdxi_model sdxi_model_front uoffload_sdxi; do
	load $m || { not_ok "insmod $m"; finish; }
done

first=$(chan_dirs 'dchan*')
nr_sdxi() { grep -lx sdxi $cdir/dchan*/engine 2>/dev/null | wc -l; }
echo "# SDXI channels: $(echo "$first" | tr "\n" " ")"
check "SDXI channels get dchan directories of engine sdxi" \
	test "$(nr_sdxi)" -eq 2 -a "$(echo "$first" | wc -l)" -eq 2
echo sdxi,cpu > $pdir/backends
check "a copy and a fill raise the SDXI channels' counters" \
	counters_rise 'dchan*'
check "then equal to the stats file, dchan numbers too" same_as_stats
if [ -n "$tdir" ]; then
	check "tracepoints: ring requests on engine sdxi" traced sdxi
else
	skip_one "tracepoints on sdxi: no tracefs with events/uoffload"
fi

# A counter file held open across its channel's removal.
f=$cdir/$(echo "$first" | head -n 1)/ops
exec 3< "$f"
check "backend unloaded: dchan directories gone" \
	sh -c "rmmod uoffload_sdxi && ! ls -d $cdir/dchan* 2>/dev/null"
check "a file open across the removal reads an error" \
	sh -c '! cat <&3 >/dev/null 2>&1'
exec 3<&-
check "still equal to the stats file" same_as_stats
insmod "$moddir/uoffload_sdxi.ko"
again=$(chan_dirs 'dchan*')
echo "# SDXI channels again: $(echo "$again" | tr "\n" " ")"
max_first=$(echo "$first" | tr -dc '0-9\n' | sort -n | tail -n 1)
min_again=$(echo "$again" | tr -dc '0-9\n' | sort -n | head -n 1)
check "backend loaded again: new dchan numbers, none reused" \
	test "$(nr_sdxi)" -eq 2 -a "${min_again:-0}" -gt "$max_first"
check "and equal to the stats file" same_as_stats

finish
