#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# uoffctl (tools/uoffctl), in the guest with uoffload loaded:
#   - status lists exactly the channels of sysfs (channels/<name>/ files,
#     else the stats file), with the same engine, node and counters, and
#     GET_FEATURES' engines and the module parameters;
#   - its counters rise after a copy and a fill on the channels;
#   - with the SDXI model and uoffload_sdxi.ko loaded it shows the sdxi
#     channels and the sdxi engine;
#   - it reads the per-channel directory layout (a made-up tree through
#     UOFFCTL_ROOT);
#   - status fails with 3 when uoffload is absent, dsa-setup (and -n)
#     explains the missing DSA device and exits 3, bad usage exits 2.
# Ends with a kselftest "# Totals:" line.  Leaves the modules as it found
# them.
#
# UOFFCTL overrides the binary (default ./uoffctl, else uoffctl in PATH);
# UOFFLOAD_MODDIR overrides /lib/modules/uoffload.

cd "$(dirname "$0")" || exit 1
moddir=${UOFFLOAD_MODDIR:-/lib/modules/uoffload}
stats=/sys/class/misc/uoffload/stats
chandir=/sys/class/misc/uoffload/channels
pdir=/sys/module/uoffload/parameters
tmp=${TMPDIR:-/tmp}/uoffctl_test.$$

# shellcheck source=uoff_lib.sh
. ./uoff_lib.sh

pass=0
fail=0
nr=0
skip() { echo "uoffctl_test: SKIP: $*"; exit 4; }

ctl=${UOFFCTL:-./uoffctl}
[ -x "$ctl" ] || ctl=$(command -v uoffctl) || skip "no uoffctl binary"
[ -e /dev/uoffload ] || skip "uoffload is not loaded"
mkdir -p "$tmp" || exit 1

ours=
saved_thr=$(cat $pdir/inline_threshold)
finish() {
	echo "$saved_thr" > $pdir/inline_threshold
	for m in $ours; do
		loaded "$m" && rmmod "$m"
	done
	rm -rf "$tmp"
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
	echo "uoffctl_test: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

# Runs uoffctl with the output in $tmp/out and $tmp/err; $rc is its status.
run() {
	"$ctl" "$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
}

# The channel table from the stats file: "name engine node ops bytes
# batches fallbacks errors", "-" for what a channel lacks, sorted.
stats_rows() {
	awk 'split($1, a, ".") == 2 && a[1] ~ /^[dz]?chan[0-9]+$/ {
		if (!(a[1] in seen)) { seen[a[1]] = 1; names[n++] = a[1] }
		v[a[1], a[2]] = $2
	}
	function f(c, k) { return ((c, k) in v) ? v[c, k] : "-" }
	END {
		for (i = 0; i < n; i++) {
			c = names[i]
			print c, f(c, "engine"), f(c, "node"), f(c, "descs"),
			      f(c, "bytes"), f(c, "doorbells"),
			      f(c, "fallbacks"), f(c, "errors")
		}
	}' "$1" | sort
}

# The same from the per-channel directories, where the module has them.
dir_rows() {
	for d in "$1"/*chan*; do
		[ -d "$d" ] || continue
		printf '%s' "${d##*/}"
		for k in engine node ops bytes batches fallbacks errors; do
			v=$(cat "$d/$k" 2>/dev/null) || v=-
			printf ' %s' "$v"
		done
		echo
	done | sort
}

# The channel table of "uoffctl status" output, in the same form.
status_rows() {
	awk 'table && NF == 8 { $1 = $1; print } $1 == "channel" && $2 == "engine" { table = 1 }' \
		"$1" | sort
}

# status against sysfs; $1 names the situation.
status_matches_stats() {
	run status
	if [ "$rc" -ne 0 ]; then
		tap_not_ok "$1: status exit status $rc"
		cat "$tmp/err"
		return
	fi
	# No channel is busy: one read of the stats file right after status
	# must agree on every number.
	if [ -d $chandir ]; then
		dir_rows $chandir > "$tmp/want"
	else
		stats_rows $stats > "$tmp/want"
	fi
	status_rows "$tmp/out" > "$tmp/got"
	if [ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/got"; then
		tap_ok "$1: status shows the $(wc -l < "$tmp/want") channels of sysfs, same values"
	else
		tap_not_ok "$1: status channels differ from sysfs"
		echo "# sysfs:"
		sed 's/^/#   /' "$tmp/want"
		echo "# status:"
		sed 's/^/#   /' "$tmp/got"
	fi
}

# A field of the status header ("engines", "inline_threshold"...).
status_field() { awk -v k="$1" '$1 == k { print $2; exit }' "$tmp/out"; }
# The sum of one column (4 ops, 5 bytes, 6 batches) over the chanN rows.
cpu_sum() {
	status_rows "$tmp/out" |
		awk -v c="$1" '$1 ~ /^chan/ { s += $c } END { print s + 0 }'
}

# ---- status on the CPU channels --------------------------------------------
echo 0 > $pdir/inline_threshold
status_matches_stats "CPU channels"
tap_check "status: engines include cpu" \
	grep -Eq '^engines +([a-z]+,)*cpu(,[a-z]+)*$' "$tmp/out"
tap_check "status: inline_threshold from GET_FEATURES is 0" \
	[ "$(status_field inline_threshold)" = 0 ]
tap_check "status: nr_channels is the number of chanN rows" \
	[ "$(status_field nr_channels)" -eq \
	  "$(status_rows "$tmp/out" | grep -c '^chan')" ]
tap_check "status: backends parameter shown as in sysfs" \
	grep -q "^  backends  *$(cat $pdir/backends)\$" "$tmp/out"
tap_check "status: max_inflight_ops parameter shown as in sysfs" \
	grep -q "^  max_inflight_ops  *$(cat $pdir/max_inflight_ops)\$" "$tmp/out"

ops=$(cpu_sum 4)
bytes=$(cpu_sum 5)
batches=$(cpu_sum 6)
./hold_busy 0 || tap_not_ok "hold_busy 0 failed"
run status
tap_check "after a copy and a fill: CPU ops rose ($ops -> $(cpu_sum 4))" \
	[ "$(cpu_sum 4)" -gt "$ops" ]
# hold_busy 0: a 16 MiB copy and a fill of 16 MiB - 3 bytes.
tap_check "after a copy and a fill: CPU bytes rose by 32 MiB - 3" \
	[ "$(cpu_sum 5)" -eq $((bytes + 32 * 1048576 - 3)) ]
tap_check "after a copy and a fill: CPU batches rose" \
	[ "$(cpu_sum 6)" -gt "$batches" ]
status_matches_stats "after a copy"

# ---- status with SDXI channels ----------------------------------------------
if [ -f "$moddir/uoffload_sdxi.ko" ] && ! loaded sdxi_model; then
	for m in sdxi sdxi_model sdxi_model_front uoffload_sdxi; do
		loaded "$m" && continue
		insmod "$moddir/$m.ko" || { tap_not_ok "insmod $m"; finish; }
		ours="$m $ours"
	done
	status_matches_stats "SDXI loaded"
	tap_check "status: engines include sdxi" \
		grep -Eq '^engines +([a-z]+,)*sdxi(,[a-z]+)*$' "$tmp/out"
	tap_check "status: dchan rows with engine sdxi" \
		[ "$(status_rows "$tmp/out" | grep -c '^dchan[0-9]* sdxi ')" -gt 0 ]
	tap_check "status: sdxi channels have fallbacks and errors counters" \
		[ "$(status_rows "$tmp/out" | awk '$1 ~ /^dchan/ && ($7 == "-" || $8 == "-")' | wc -l)" -eq 0 ]
	for m in $ours; do
		rmmod "$m" || tap_not_ok "rmmod $m"
	done
	ours=
	run status
	tap_check "status after unloading SDXI: no dchan rows" \
		[ "$(status_rows "$tmp/out" | grep -c '^dchan')" -eq 0 ]
else
	echo "# no SDXI model: its status checks not run"
fi

# ---- the per-channel directory layout, in a made-up tree --------------------
fake=$tmp/root
chans=$fake/sys/class/misc/uoffload/channels
mkdir -p "$fake/dev" "$fake/sys/module/uoffload/parameters" "$chans/chan0" \
	"$chans/dchan1" "$chans/zchan0"
ln -s /dev/uoffload "$fake/dev/uoffload"
cp $pdir/backends $pdir/inline_threshold "$fake/sys/module/uoffload/parameters/"
for f in engine node reqs kernel_reqs ops bytes batches irqs fallbacks errors inflight; do
	echo 7 > "$chans/dchan1/$f"
done
echo dmaengine > "$chans/dchan1/engine"
echo 1 > "$chans/dchan1/node"
echo 18446744073709551615 > "$chans/dchan1/bytes"
for f in engine node ops bytes batches; do
	echo 3 > "$chans/chan0/$f"
	echo 5 > "$chans/zchan0/$f"
done
echo cpu > "$chans/chan0/engine"
echo deflate > "$chans/zchan0/engine"
printf '%s\n' "chan0 cpu 3 3 3 3 - -" "dchan1 dmaengine 1 7 18446744073709551615 7 7 7" \
	"zchan0 deflate 5 5 5 5 - -" | sort > "$tmp/want"
UOFFCTL_ROOT=$fake run status
status_rows "$tmp/out" > "$tmp/got"
tap_check "channels/ layout: status exit status 0 ($rc)" [ "$rc" -eq 0 ]
tap_check "channels/ layout: the three channels, every value as written" \
	cmp -s "$tmp/want" "$tmp/got"
tap_check "channels/ layout: read from the channels directory" \
	grep -q "^channels ($chans):" "$tmp/out"

# ---- absent module, DSA, usage ----------------------------------------------
UOFFCTL_ROOT=$tmp/nothing run status
tap_check "no uoffload: status exits 3 ($rc)" [ "$rc" -eq 3 ]
tap_check "no uoffload: says it is not loaded" grep -q "uoffload is not loaded" "$tmp/err"

for opt in "" -n --dry-run; do
	# shellcheck disable=SC2086 # an empty $opt is no argument
	run dsa-setup $opt
	tap_check "dsa-setup $opt: no DSA device, exit status 3 ($rc)" [ "$rc" -eq 3 ]
	tap_check "dsa-setup $opt: explains the missing device" \
		grep -q "no Intel DSA device found" "$tmp/out"
	tap_check "dsa-setup $opt: says whether idxd is loaded" \
		grep -q "idxd driver: not loaded (no /sys/bus/dsa)" "$tmp/out"
	tap_check "dsa-setup $opt: says whether the idxd module is installed" \
		grep -q "idxd module: " "$tmp/out"
	tap_check "dsa-setup $opt: names the hardware check" \
		grep -q "hardware: *no Intel DSA PCI function" "$tmp/out"
	tap_check "dsa-setup $opt: says uoffload runs on the CPU or other engines" \
		grep -q "copies and fills run on its CPU channels" "$tmp/out"
done

for args in "" "bogus" "status extra" "status -n" "dsa-setup --bogus" "--bogus"; do
	# shellcheck disable=SC2086 # split on purpose
	run $args
	tap_check "bad usage '$args': exit status 2 ($rc)" [ "$rc" -eq 2 ]
	tap_check "bad usage '$args': usage on stderr" grep -q "^usage: uoffctl" "$tmp/err"
done
run -h
tap_check "-h: exit status 0 and usage on stdout" \
	sh -c "[ $rc -eq 0 ] && grep -q '^usage: uoffctl' '$tmp/out'"

finish
