# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Shell helpers of the uoffload selftest scripts, which source this file
# from their own directory.  POSIX sh.

# True if module $1 is loaded.
loaded() { grep -q "^$1 " /proc/modules; }

nap() { sleep 0.1 2>/dev/null || sleep 1; }

# Runs "$@" every tenth of a second until it succeeds, at most $1 times.
retry() {
	n=$1
	shift
	while ! "$@" 2>/dev/null; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		nap
	done
}

# The "NAME: N passed, M failed" lines a test module printed in the kernel
# log text $2, as "N M": N from the last run, M summed over all runs.
# busybox insmod retries a refused finit_module() with init_module(), so a
# module that refused to load may have run its tests twice, and a failure
# in either run must count.  Prints nothing when there is no such line.
kmod_tally() {
	printf '%s\n' "$2" | awk -v tag="$1: " '
		index($0, tag) && / passed, [0-9]+ failed/ {
			for (i = 2; i <= NF; i++) {
				if ($i == "passed,") p = $(i - 1)
				if ($i ~ /^failed/) f += $(i - 1)
			}
		}
		END { if (p != "") print p, f + 0 }'
}

# Load test module $2 (a path), named $1, which runs its tests while it
# loads, and show its kernel log lines (those matching $3, default $1).
# Sets kmod_rc to insmod's status and kmod_passed and kmod_failed from
# kmod_tally, both empty when the module printed no summary.
# shellcheck disable=SC2034 # the kmod_* results are the caller's
kmod_test_load() {
	kmod_mark="uoffload-$1-$$"
	{ echo "$kmod_mark" > /dev/kmsg; } 2>/dev/null || kmod_mark=
	insmod "$2"
	kmod_rc=$?
	if [ -n "$kmod_mark" ]; then
		kmod_log=$(dmesg | sed -n "/$kmod_mark/,\$p" | grep -E "${3:-$1}")
	else
		kmod_log=$(dmesg | grep "$1" | tail -n 50)
	fi
	echo "$kmod_log"
	# Split on purpose: the two numbers become $1 and $2.
	# shellcheck disable=SC2046
	set -- $(kmod_tally "$1" "$kmod_log")
	kmod_passed=${1-}
	kmod_failed=${2-}
}

# One SDXI test module on the functional model: loads sdxi.ko (with the
# arguments $3..., and then only if not loaded yet when there are none),
# sdxi_model.ko and sdxi_model_front.ko from $moddir, then test module $1,
# which runs its tests while it loads; unloads all of them again.  Exits
# with 4 (skip) or 1 (fail, with $2 naming the tests); returns on success
# with sdxi_passed set.  The caller defines skip, fail and moddir.
# shellcheck disable=SC2034,SC2154 # sdxi_passed is the caller's, moddir too
sdxi_model_kmod_test() {
	sdxi_ko=$1
	sdxi_what=$2
	shift 2
	for f in sdxi sdxi_model sdxi_model_front "$sdxi_ko"; do
		[ -f "$moddir/$f.ko" ] || skip "$moddir/$f.ko not found"
	done
	if loaded "$sdxi_ko"; then
		rmmod "$sdxi_ko" || fail "$sdxi_ko left loaded and stuck"
	fi
	# The tests take the function: one someone else holds is not theirs.
	loaded sdxi_model && skip "sdxi_model.ko already loaded"
	loaded sdxi_model_front && skip "sdxi_model_front.ko already loaded"
	[ $# -gt 0 ] && loaded sdxi && skip "sdxi.ko already loaded"

	# The test module takes the function's channels, not uoffload.
	uoff_no_dmaengine
	sdxi_ours=
	if ! loaded sdxi; then
		insmod "$moddir/sdxi.ko" "$@" ||
			fail "insmod sdxi.ko: exit status $?"
		sdxi_ours=sdxi
	fi
	for m in sdxi_model sdxi_model_front; do
		insmod "$moddir/$m.ko" || { sdxi_unload;
			fail "insmod $m.ko: exit status $?"; }
		sdxi_ours="$m $sdxi_ours"
	done

	kmod_test_load "$sdxi_ko" "$moddir/$sdxi_ko.ko" "$sdxi_ko|sdxi"
	if [ "$kmod_rc" -ne 0 ]; then
		sdxi_unload
		fail "insmod $sdxi_ko.ko: exit status $kmod_rc"
	fi
	[ -n "$kmod_passed" ] || { rmmod "$sdxi_ko"; sdxi_unload;
		fail "no '$sdxi_ko: N passed, M failed' line in dmesg"; }
	rmmod "$sdxi_ko" || fail "rmmod $sdxi_ko: exit status $?"
	loaded "$sdxi_ko" && fail "$sdxi_ko still loaded after rmmod"
	sdxi_unload

	[ "$kmod_failed" -eq 0 ] || fail "$kmod_failed $sdxi_what tests failed"
	[ "$kmod_passed" -gt 0 ] || fail "no $sdxi_what test passed"
	sdxi_passed=$kmod_passed
}

# Unloads, in reverse order, what sdxi_model_kmod_test loaded.
sdxi_unload() {
	for m in $sdxi_ours; do
		rmmod "$m" || fail "rmmod $m: exit status $?"
		loaded "$m" && fail "$m still loaded after rmmod"
	done
	sdxi_ours=
	uoff_backends_restore
}

# The sum of counter $1 ("descs", "irqs"...) over the device channels of
# engine $2 ("sdxi", "dmaengine"), over all of them without $2.
uoff_dsum() {
	awk -v k="$1" -v e="${2-}" '
		split($1, a, ".") == 2 && a[1] ~ /^dchan[0-9]+$/ {
			if (a[2] == "engine")
				eng[a[1]] = $2
			else if (a[2] == k)
				v[a[1]] = $2
		}
		END {
			for (c in v)
				if (e == "" || eng[c] == e)
					s += v[c]
			print s + 0
		}' /sys/class/misc/uoffload/stats
}

# How many device channels of engine $1 uoffload has.
uoff_nr_dchans() {
	grep -c "^dchan[0-9]*\.engine $1\$" /sys/class/misc/uoffload/stats
}

# uoffload takes every DMA_MEMCPY channel while its "backends" names
# dmaengine, and a provider whose channels are held cannot be unloaded:
# scripts that need a provider's channels, or unload it, take dmaengine
# out first (uoff_no_dmaengine) and put the list back after
# (uoff_backends_restore).
uoff_no_dmaengine() {
	uoff_be=/sys/module/uoffload/parameters/backends
	[ -w "$uoff_be" ] || return 0
	uoff_saved_be=$(cat "$uoff_be")
	uoff_new_be=$(echo "$uoff_saved_be" |
		      sed 's/^dmaengine,//; s/,dmaengine//; s/^dmaengine$/cpu/')
	echo "$uoff_new_be" > "$uoff_be"
}
uoff_backends_restore() {
	[ -n "${uoff_saved_be-}" ] && echo "$uoff_saved_be" > "$uoff_be"
	uoff_saved_be=
}

# TAP lines for scripts that count their own checks in pass, fail and nr:
# "check WHAT COMMAND..." is ok if COMMAND succeeds, not ok otherwise.
# shellcheck disable=SC2034 # pass, fail and nr are the caller's
ok() { nr=$((nr + 1)); pass=$((pass + 1)); echo "ok $nr $*"; }
# shellcheck disable=SC2034
not_ok() { nr=$((nr + 1)); fail=$((fail + 1)); echo "not ok $nr $*"; }
check() {
	what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# Runs the harness binaries "$@", each as "./NAME", adds their results to
# the caller's pass and fail counts and reports failures with not_ok.
# $uoff_label names where they run, in the output.
uoff_run_suites() {
	for t in "$@"; do
		echo "# ---- $t on ${uoff_label-the device}"
		out=./.uoff_suite.out.$$
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
}

# Runs "$@" while hold_busy keeps 16 MiB copies in flight for 4 seconds,
# checking each; true if both succeed.  $uoff_ready names the file
# hold_busy creates once its copies are in flight.
# shellcheck disable=SC2154 # uoff_ready is the caller's
uoff_in_flight() {
	rm -f "$uoff_ready"
	./hold_busy 4 "$uoff_ready" &
	busy=$!
	retry 300 test -e "$uoff_ready" || { kill $busy; return 1; }
	"$@" || { wait $busy; return 1; }
	wait $busy
}

# TAP lines for a script that ends with a "# Totals:" line: ok and not_ok
# print one and count it in pass or fail (nr numbers them); check DESC CMD...
# is ok when CMD succeeds.
tap_ok() { nr=$((${nr:-0} + 1)); pass=$((${pass:-0} + 1)); echo "ok $nr $*"; }
tap_not_ok() { nr=$((${nr:-0} + 1)); fail=$((${fail:-0} + 1)); echo "not ok $nr $*"; }
tap_check() {
	tap_what=$1
	shift
	if "$@"; then tap_ok "$tap_what"; else tap_not_ok "$tap_what"; fi
}

# The SDXI model as uoffload's copy and fill backend: loads sdxi.ko,
# sdxi_model.ko, sdxi_model_front.ko and uoffload_sdxi.ko from $moddir,
# those not loaded yet; false if one does not load.  uoff_sdxi_down
# unloads what uoff_sdxi_up loaded, in reverse, false if one stays.  Take
# dmaengine out of "backends" first (uoff_no_dmaengine): held dmaengine
# channels would keep the front loaded.
# shellcheck disable=SC2154 # moddir is the caller's
uoff_sdxi_up() {
	uoff_sdxi_ours=
	for m in sdxi sdxi_model sdxi_model_front uoffload_sdxi; do
		loaded "$m" && continue
		insmod "$moddir/$m.ko" || return 1
		uoff_sdxi_ours="$m $uoff_sdxi_ours"
	done
}
uoff_sdxi_down() {
	for m in $uoff_sdxi_ours; do
		loaded "$m" && rmmod "$m"
		loaded "$m" && return 1
	done
	uoff_sdxi_ours=
}

# The value of counter $1 of uoffload's stats ("mm.migrate_folios"); 0
# while there is no such line (the module unloaded).
uoff_stat() {
	uoff_v=$(sed -n "s/^$1 //p" /sys/class/misc/uoffload/stats 2>/dev/null)
	echo "${uoff_v:-0}"
}

# Why the mm offload tests cannot run here, nothing when they can: they
# need the kernel's mm offload hooks (kernel/patches/), uoffload as the
# provider and two NUMA nodes.
uoff_mm_unready() {
	uoff_st=/sys/class/misc/uoffload/stats
	if [ ! -e /dev/uoffload ]; then
		echo "uoffload is not loaded"
	elif ! grep -q '^mm\.registered ' "$uoff_st"; then
		echo "kernel without the mm offload hooks"
	elif [ "$(uoff_stat mm.registered)" -ne 1 ]; then
		echo "uoffload is not the mm offload provider"
	elif [ ! -e /sys/devices/system/node/node1 ]; then
		echo "fewer than two NUMA nodes"
	fi
}
