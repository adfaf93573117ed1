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
#   - dsa-setup (and -n) on a made-up DSA device in a private /sys/bus:
#     the attributes it writes, its error when the device does not enable,
#     the queue size it leaves to other queues, a second run, a device in
#     use;
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
	# After the unloads: dmaengine back in the list takes channels.
	uoff_backends_restore
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
	# The model's dmaengine channels would keep its front loaded.
	uoff_no_dmaengine
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
	uoff_backends_restore
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

# ---- dsa-setup on a made-up DSA device --------------------------------------
# libaccel-config reads /sys/bus/dsa: a tmpfs on /sys/bus, in a mount
# namespace of its own, holds a disabled dsa0 (2 engines, a group, 2 work
# queues) whose files take what dsa-setup writes.  Nothing binds, so
# enabling the device fails.  fake_dsa SETUP ARGS... runs "uoffctl ARGS"
# after the shell commands SETUP (in the device's directory) and leaves
# its output, status and the files in $tmp/dsa/.
cat > "$tmp/fake_dsa.sh" <<'FAKE'
ctl=$1 out=$2 setup=$3
shift 3
mount -t tmpfs none /sys/bus || exit 1
d=/sys/bus/dsa/devices/dsa0
mkdir -p $d/group0.0 $d/engine0.0 $d/engine0.1 $d/wq0.0 $d/wq0.1 \
	/sys/bus/dsa/drivers/idxd || exit 1
cd $d || exit 1
echo disabled > state
echo 128 > max_work_queues_size
echo 1 > configurable
echo 0 > cmd_status
# Files dsa-setup writes start empty or shorter than what it writes: a
# write does not truncate them.
for e in engine0.0 engine0.1; do : > $e/group_id; done
for q in wq0.0 wq0.1; do
	: > $q/group_id; echo 0 > $q/size; echo 0 > $q/priority
	echo shared > $q/mode; echo disabled > $q/state; echo none > $q/type
	: > $q/name; : > $q/driver_name
done
eval "$setup"
"$ctl" "$@" > "$out/out" 2> "$out/err"
echo $? > "$out/rc"
grep -r . . | sort > "$out/files"
FAKE

fake_dsa() {
	rm -rf "$tmp/dsa"
	mkdir -p "$tmp/dsa"
	unshare -m sh "$tmp/fake_dsa.sh" "$(cd "$(dirname "$ctl")" && pwd)/${ctl##*/}" \
		"$tmp/dsa" "$@"
	rc=$(cat "$tmp/dsa/rc" 2>/dev/null || echo none)
}
# The value of one attribute file of the made-up device.
dsa_attr() { sed -n "s|^./$1:||p" "$tmp/dsa/files"; }
dsa_out() { grep -qF -- "$1" "$tmp/dsa/out"; }
dsa_err() { grep -qF -- "$1" "$tmp/dsa/err"; }

if unshare -m true 2>/dev/null; then
	fake_dsa : dsa-setup -n
	tap_check "made-up DSA, -n: exit status 0 ($rc)" [ "$rc" = 0 ]
	tap_check "made-up DSA, -n: would put both engines in group 0" \
		sh -c "grep -qx 'would: engine0.0: group_id 0' $tmp/dsa/out &&
		       grep -qx 'would: engine0.1: group_id 0' $tmp/dsa/out"
	tap_check "made-up DSA, -n: would make wq0.0 the dedicated kernel dmaengine queue" \
		dsa_out "would: wq0.0: group_id 0, mode dedicated, size 64, priority 10, type kernel, name uoffload, driver_name dmaengine"
	tap_check "made-up DSA, -n: would enable dsa0, then wq0.0" \
		sh -c "grep -A1 -x 'would: dsa0: enable device' $tmp/dsa/out | grep -qx 'would: wq0.0: enable work queue'"
	tap_check "made-up DSA, -n: changed nothing" \
		sh -c "[ '$(dsa_attr wq0.0/type)' = none ] && [ '$(dsa_attr wq0.0/size)' = 0 ] &&
		       [ -z '$(dsa_attr engine0.0/group_id)' ]"

	fake_dsa : dsa-setup
	tap_check "made-up DSA: exit status 1 when the device does not enable ($rc)" [ "$rc" = 1 ]
	tap_check "made-up DSA: the error names dsa0 and accfg_device_enable" \
		dsa_err "uoffctl: dsa0: accfg_device_enable: "
	tap_check "made-up DSA: wq0.0 written: kernel, uoffload, dmaengine, dedicated, 64, 10, group 0" \
		[ "$(dsa_attr wq0.0/type) $(dsa_attr wq0.0/name) $(dsa_attr wq0.0/driver_name) $(dsa_attr wq0.0/mode) $(dsa_attr wq0.0/size) $(dsa_attr wq0.0/priority) $(dsa_attr wq0.0/group_id)" = \
		  "kernel uoffload dmaengine dedicated 64 10 0" ]
	tap_check "made-up DSA: both engines written to group 0" \
		[ "$(dsa_attr engine0.0/group_id) $(dsa_attr engine0.1/group_id)" = "0 0" ]
	tap_check "made-up DSA: wq0.1 untouched" \
		[ "$(dsa_attr wq0.1/type) $(dsa_attr wq0.1/size)" = "none 0" ]

	fake_dsa 'echo user > wq0.0/type; echo 100 > wq0.0/size' dsa-setup -n
	tap_check "made-up DSA, wq0.0 a user queue of 100 entries: wq0.1 gets the other 28" \
		dsa_out "would: wq0.1: group_id 0, mode dedicated, size 28,"

	fake_dsa 'echo user > wq0.0/type; echo kernel > wq0.1/type' dsa-setup -n
	tap_check "made-up DSA, every queue typed: exit status 1 ($rc)" [ "$rc" = 1 ]
	tap_check "made-up DSA, every queue typed: says none is free" \
		dsa_err "dsa0: no work queue to configure"

	fake_dsa 'echo enabled > state; echo kernel > wq0.1/type; echo enabled > wq0.1/state; echo dmaengine > wq0.1/driver_name' dsa-setup
	tap_check "made-up DSA already set up: exit status 0 ($rc)" [ "$rc" = 0 ]
	tap_check "made-up DSA already set up: says so, names wq0.1" \
		dsa_out "dsa0: already set up: wq0.1 is an enabled kernel work queue for dmaengine"
	tap_check "made-up DSA already set up: wrote nothing" \
		[ "$(dsa_attr wq0.0/type) $(dsa_attr engine0.0/group_id)" = "none " ]

	fake_dsa 'echo enabled > state' dsa-setup
	tap_check "made-up DSA enabled for something else: exit status 1 ($rc)" [ "$rc" = 1 ]
	tap_check "made-up DSA enabled for something else: left alone, says how to proceed" \
		dsa_err "dsa0: enabled without a kernel work queue for dmaengine"
else
	echo "# no unshare -m: the made-up DSA checks not run"
fi

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
