#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
#
# Run each test program given; a test passes with exit 0, is skipped with
# 77 (the liburing convention) and fails otherwise, including on timeout.
# A failing test's output is shown; the last line is the tally.

TIMEOUT=${TIMEOUT:-60}
pass=0
fail=0
skip=0

for t in "$@"; do
	name=$(basename "$t" .t)
	out=$(timeout "$TIMEOUT" "$t" 2>&1)
	rc=$?
	case $rc in
	0)
		pass=$((pass + 1))
		echo "  PASS     $name"
		;;
	77)
		skip=$((skip + 1))
		echo "  SKIP     $name${out:+: $out}"
		;;
	*)
		fail=$((fail + 1))
		echo "  FAIL     $name (exit $rc)"
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/           /'
		;;
	esac
done

[ "$skip" -gt 0 ] && echo "$skip skipped"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
