#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Folio migration on SDXI: with the functional model loaded and
# uoffload_sdxi.ko serving ("backends" sdxi,cpu), mm_race_test (io_uring
# requests during migration, failed and stalled descriptors during
# migration) runs again, so that mm's batches go to the SDXI rings.  Their
# channels must show the batches (kernel_reqs), and the CPU channels none.
# Ends with a kselftest "# Totals:" line and leaves the modules as it
# found them.
#
# Skipped on a kernel without the mm offload hooks (kernel/patches/).
# UOFFLOAD_MODDIR overrides /lib/modules/uoffload.

cd "$(dirname "$0")" || exit 1
moddir=${UOFFLOAD_MODDIR:-/lib/modules/uoffload}

# shellcheck source=uoff_lib.sh
. ./uoff_lib.sh

pass=0
fail=0
nr=0

skip() { echo "sdxi_mm_test: SKIP: $*"; exit 4; }

why=$(uoff_mm_unready)
[ -z "$why" ] || skip "$why"
for m in sdxi sdxi_model sdxi_model_front uoffload_sdxi; do
	[ -f "$moddir/$m.ko" ] || skip "$moddir/$m.ko not found"
done
loaded sdxi_model && skip "sdxi_model.ko already loaded"

finish() {
	uoff_sdxi_down || not_ok "unloading the SDXI modules"
	uoff_backends_restore
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
	echo "sdxi_mm_test: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

# The sum of counter $1 over the CPU copy channels (chanN).
cpu_sum() {
	awk -v k="$1" '
		split($1, a, ".") == 2 && a[1] ~ /^chan[0-9]+$/ && a[2] == k {
			s += $2
		}
		END { print s + 0 }' /sys/class/misc/uoffload/stats
}

uoff_no_dmaengine
check "the SDXI model and uoffload_sdxi load" uoff_sdxi_up
[ "$fail" -eq 0 ] || finish
check "two SDXI channels serve uoffload" [ "$(uoff_nr_dchans sdxi)" -eq 2 ]

kreqs=$(uoff_dsum kernel_reqs sdxi)
cpu_kreqs=$(cpu_sum kernel_reqs)
folios=$(uoff_stat mm.migrate_folios)
UOFF_MM_ENGINE=sdxi
export UOFF_MM_ENGINE
# shellcheck disable=SC2034 # for uoff_run_suites
uoff_label=SDXI
uoff_run_suites mm_race_test
check "mm's batches went to the SDXI rings" \
	[ "$(uoff_dsum kernel_reqs sdxi)" -gt "$kreqs" ]
check "the CPU channels got none of them" \
	[ "$(cpu_sum kernel_reqs)" -eq "$cpu_kreqs" ]
check "mm.migrate_folios rose" [ "$(uoff_stat mm.migrate_folios)" -gt "$folios" ]

finish
