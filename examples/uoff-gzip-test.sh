#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# uoff-gzip against gzip(1), both ways:
#   - on the host, build a corpus (text, binary, incompressible, zeros,
#     empty, 1 byte, a large file) and compress parts of it with gzip -1,
#     -6 and -9, including multi-member files and gzip files stored inside
#     a gzip file (byte strings that look like member starts);
#   - in the VM, compress every corpus file with uoff-gzip at levels 1, 6
#     and 9 (and in small members, also through the acomp path with the
#     software "deflate" driver), decompress what uoff-gzip and gzip made,
#     compare, and check the gzip-like command line (naming, -c, -k, -f,
#     stdin/stdout, refusals, errors, mode and times);
#   - back on the host, gzip -t and gzip -dc | cmp every file the VM made.
# Ends with "uoff-gzip-test: N passed, N failed"; exit status 0 iff none
# failed.
#
#   examples/uoff-gzip-test.sh [tools/testing/vm/run options]
#
# UOFF_GZIP_BIG_MB sets the size of the large file (default 128 MiB).
# The guest half is this script run as "uoff-gzip-test.sh --guest"; it is
# POSIX sh for busybox.

passed=0
failed=0

pass() {
	passed=$((passed + 1))
	echo "PASS: $*"
}

fail() {
	failed=$((failed + 1))
	echo "FAIL: $*"
}

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
	desc=$1
	shift
	if "$@"; then
		pass "$desc"
	else
		fail "$desc"
	fi
}

# ---- guest -------------------------------------------------------------------

# expect_status WANT DESCRIPTION PATTERN COMMAND...: COMMAND exits with
# WANT and its standard error contains PATTERN.
expect_status() {
	want=$1 desc=$2 pattern=$3
	shift 3
	"$@" >/dev/null 2>err.txt
	got=$?
	if [ "$got" -eq "$want" ] && grep -q -- "$pattern" err.txt; then
		pass "$desc"
	else
		fail "$desc (status $got, want $want; stderr: $(head -c 300 err.txt))"
	fi
}

# unzips_to GZ ORIGINAL: uoff-gzip -d succeeds on GZ and gives ORIGINAL.
unzips_to() {
	./uoff-gzip -d -c "$1" >unzipped && cmp -s unzipped "$2"
	ret=$?
	rm -f unzipped
	return $ret
}

# Compressed by uoff-gzip, decompressed by uoff-gzip, compared.
round_trip() {
	name=$1 file=$2 gz=$3
	shift 3
	if ! ./uoff-gzip "$@" -c "$file" >"$gz"; then
		fail "$name: uoff-gzip $* exits 0"
		return
	fi
	check "$name: uoff-gzip $* then uoff-gzip -d gives the original" \
		unzips_to "$gz" "$file"
}

guest_cli() {
	cp /share/corpus/text t1
	cp t1 orig
	check "FILE: makes FILE.gz and removes FILE" \
		sh -c './uoff-gzip t1 && test -f t1.gz -a ! -e t1'
	check "-d FILE.gz: restores FILE and removes FILE.gz" \
		sh -c './uoff-gzip -d t1.gz && cmp -s t1 orig && test ! -e t1.gz'
	check "-k: keeps the input" sh -c './uoff-gzip -k t1 && test -f t1 -a -f t1.gz'
	cp t1.gz t1.gz.saved
	expect_status 2 "refuses to overwrite FILE.gz without -f" "already exists" \
		./uoff-gzip -k -1 t1
	check "the refused output is unchanged" cmp -s t1.gz t1.gz.saved
	check "-f: overwrites FILE.gz" ./uoff-gzip -k -f -1 t1
	check "-f: the new output is the original" unzips_to t1.gz orig
	expect_status 2 "-d refuses to overwrite FILE without -f" "already exists" \
		./uoff-gzip -d -k t1.gz
	check "-d -f -k: overwrites FILE, keeps FILE.gz" \
		sh -c './uoff-gzip -d -f -k t1.gz && cmp -s t1 orig && test -f t1.gz'
	check "stdin to stdout" \
		sh -c './uoff-gzip <orig >s.gz && ./uoff-gzip -d <s.gz >s && cmp -s s orig'
	check "\"-\" is stdin, also through pipes" \
		sh -c 'set -o pipefail; cat orig | ./uoff-gzip -b 1M - >s2.gz &&
		       cat s2.gz | ./uoff-gzip -d - | cat >s2 && cmp -s s2 orig'
	check "-d FILE of many members, written at known offsets" \
		sh -c 'cp orig tm && ./uoff-gzip -b 64K -j 5 tm && ./uoff-gzip -d tm.gz && cmp -s tm orig'
	check "-c FILE keeps FILE" sh -c './uoff-gzip -c t1 >c.gz && test -f t1 && gunzip -t c.gz'
	check "several FILEs" sh -c 'cp orig m1 && cp orig m2 && ./uoff-gzip m1 m2 && test -f m1.gz -a -f m2.gz -a ! -e m1 -a ! -e m2'
	check "empty stdin gives a valid empty gzip file" \
		sh -c './uoff-gzip </dev/null >e.gz && gunzip -t e.gz && ./uoff-gzip -dc e.gz >e && test ! -s e'

	cp orig t2
	chmod 640 t2
	touch -t 202001020304.05 t2
	mtime=$(stat -c %Y t2)
	./uoff-gzip t2
	check "the output takes the input's mode" test "$(stat -c %a t2.gz)" = 640
	check "the output takes the input's mtime" test "$(stat -c %Y t2.gz)" = "$mtime"

	expect_status 1 "a missing file is ENOENT" "ENOENT" ./uoff-gzip missing-file
	expect_status 2 "FILE.gz is not compressed again" "already has .gz suffix" ./uoff-gzip -k t1.gz
	expect_status 2 "-d wants a .gz suffix" "unknown suffix" ./uoff-gzip -d -k t1
	mkdir -p adir
	expect_status 2 "a directory is skipped" "is a directory" ./uoff-gzip adir
	expect_status 1 "-d of data that is not gzip" "not in gzip format" ./uoff-gzip -dc orig
	# Whatever the last 4 bytes say as a size trailer.
	for n in 30 1000 1001 1002 1003 65536 300000; do
		head -c $n t1.gz >trunc.gz
		expect_status 1 "-d of the first $n bytes is EBADMSG" "EBADMSG" \
			./uoff-gzip -dc trunc.gz
	done
	{ cat t1.gz; echo junk; } >trail.gz
	expect_status 1 "-d with trailing garbage is EBADMSG" "EBADMSG" ./uoff-gzip -dc trail.gz
	# Flip one byte in the middle of the deflate data.
	size=$(wc -c <t1.gz)
	cp t1.gz bad.gz
	printf '\377' | dd of=bad.gz bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
	expect_status 1 "-d of a corrupt member is EBADMSG" "EBADMSG" ./uoff-gzip -dc bad.gz
	cp bad.gz bad2.gz
	expect_status 1 "-d FILE of a corrupt member is EBADMSG" "EBADMSG" ./uoff-gzip -d bad2.gz
	check "a failed -d leaves no output file and keeps the input" test ! -e bad2 -a -f bad2.gz
	expect_status 1 "compressed data is not written to a terminal" "terminal" \
		sh -c './uoff-gzip <orig >/dev/console'
}

guest_main() {
	cd /tmp || exit 1
	cp /work/uoff-gzip . || exit 1
	out=/share/out
	mkdir -p $out

	for f in text bin random zeros empty one nested; do
		cp /share/corpus/$f "$f"
		for lvl in 1 6 9; do
			round_trip "$f" "$f" "$out/$f.$lvl.gz" -$lvl
		done
		rm -f "$f"
	done
	# Many members, more of them than are in flight at a time.
	cp /share/corpus/text text
	round_trip "text in 64 KiB members" text "$out/text.b64k.gz" -b 64K -j 3
	round_trip "text in 1 MiB members, 1 in flight" text "$out/text.b1m.gz" -b 1M -j 1

	for gz in /share/hostgz/*.gz; do
		name=${gz##*/}
		orig=/share/hostgz/${name%.gz}.orig
		check "gzip-made $name: uoff-gzip -d gives the original" unzips_to "$gz" "$orig"
	done

	guest_cli

	# The large file is read from the share and written to it.
	big=/share/corpus/big
	start=$(date +%s)
	check "large file: uoff-gzip -1 exits 0" ./uoff-gzip -1 -k -f $big
	mid=$(date +%s)
	mv $big.gz $out/big.1.gz
	check "large file: uoff-gzip -d exits 0" ./uoff-gzip -d -k $out/big.1.gz
	end=$(date +%s)
	check "large file: uoff-gzip -d gives the original" cmp -s $out/big.1 $big
	rm -f $out/big.1
	echo "large file: $(wc -c <$big) bytes, compressed in $((mid - start)) s," \
		"decompressed in $((end - mid)) s (-j 4, 16 MiB members)"

	# The accelerator path: the software "deflate" through acomp, which
	# takes DEFLATEs of up to 64 KiB (acomp_max_len).
	stats=/sys/class/misc/uoffload/stats
	if rmmod uoffload && insmod /lib/modules/uoffload/uoffload.ko acomp=any &&
	   grep -q "zip.acomp_driver deflate" $stats; then
		pass "uoffload reloaded with acomp=any"
		for f in text bin random; do
			cp /share/corpus/$f "$f"
			round_trip "$f through acomp" "$f" "$out/$f.acomp.gz" -b 64K
			rm -f "$f"
		done
		check "the DEFLATEs went to the accelerator" \
			test "$(sed -n 's/^zip.deflate_acomp //p' $stats)" -gt 0
	else
		fail "uoffload reloaded with acomp=any"
	fi
	echo "guest: $passed passed, $failed failed"
}

if [ "${1:-}" = --guest ]; then
	guest_main
	exit 0
fi

# ---- host --------------------------------------------------------------------

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
share=$(mktemp -d /tmp/uoff-gzip-test.XXXXXX)
trap 'rm -rf "$share"' EXIT
corpus=$share/corpus
hostgz=$share/hostgz
mkdir -p "$corpus" "$hostgz" "$share/out"

# Real text: this tree's sources and documents, repeated up to 4 MiB.
(cd "$top" && find Documentation kernel liburing-ext examples tools uapi include \
	-type f \( -name '*.[ch]' -o -name '*.rst' -o -name '*.md' -o -name '*.3' \
	-o -name '*.sh' \) | LC_ALL=C sort | xargs cat) >"$share/src.txt"
while [ "$(wc -c <"$corpus/text" 2>/dev/null || echo 0)" -lt 4194304 ]; do
	cat "$share/src.txt" >>"$corpus/text"
done
truncate -s 4M "$corpus/text"
# Binary: machine code and data of two programs.
cat /bin/busybox "$(command -v qemu-system-x86_64)" | head -c 4M >"$corpus/bin"
head -c 2M /dev/urandom >"$corpus/random"
head -c 3M /dev/zero >"$corpus/zeros"
: >"$corpus/empty"
printf x >"$corpus/one"
# Gzip files inside data that gzip stores: false member starts.
{
	head -c 100K /dev/urandom
	gzip -1 -c "$corpus/random"
	head -c 200K "$corpus/bin" | gzip -9
	gzip -c </dev/null
	head -c 50K /dev/urandom
} >"$corpus/nested"
big_mb=${UOFF_GZIP_BIG_MB:-128}
i=0
while [ $i -lt "$big_mb" ]; do
	# 1 MiB pieces of text, binary and random data, all different.
	case $((i % 4)) in
	0 | 2) tail -c +$((i % 512 * 4096 + 1)) "$corpus/text" | head -c 1M ;;
	1) tail -c +$((i % 512 * 2048 + 1)) "$corpus/bin" | head -c 1M ;;
	3) head -c 1M /dev/urandom ;;
	esac
	i=$((i + 1))
done >"$corpus/big"

# What the guest decompresses: gzip's files (names and times in their
# headers), their originals as NAME.orig.
mk() {	# mk NAME ORIGINAL GZIP-OPTIONS...
	name=$1 src=$2
	shift 2
	cp "$src" "$hostgz/$name.orig"
	gzip "$@" -c "$hostgz/$name.orig" >"$hostgz/$name.gz"
}
for lvl in 1 6 9; do
	mk text-$lvl "$corpus/text" -$lvl
	mk bin-$lvl "$corpus/bin" -$lvl
done
mk random-6 "$corpus/random" -6
mk zeros-9 "$corpus/zeros" -9
mk empty-6 "$corpus/empty" -6
mk one-9 "$corpus/one" -9
mk nested-1 "$corpus/nested" -1
mk nested-9 "$corpus/nested" -9
# Without a name in the header, from stdin.
gzip -6 <"$corpus/bin" >"$hostgz/noname.gz"
cp "$corpus/bin" "$hostgz/noname.orig"
# Several members, as cat makes them.
cat "$hostgz/text-1.gz" "$hostgz/empty-6.gz" "$hostgz/bin-9.gz" "$hostgz/one-9.gz" \
	>"$hostgz/multi.gz"
cat "$corpus/text" "$corpus/bin" "$corpus/one" >"$hostgz/multi.orig"
# Two members, the second one's start unrecognisable (XFL 1, which no
# gzip writes but every decoder accepts): one INFLATE gets both.
cp "$hostgz/multi.gz" "$hostgz/oddxfl.gz"
printf '\001' | dd of="$hostgz/oddxfl.gz" bs=1 seek=$(($(wc -c <"$hostgz/text-1.gz") + 8)) \
	conv=notrunc 2>/dev/null
cp "$hostgz/multi.orig" "$hostgz/oddxfl.orig"
# A large single member: one INFLATE of 32 MiB.
head -c 32M "$corpus/big" >"$hostgz/large-6.orig"
gzip -6 -c "$hostgz/large-6.orig" >"$hostgz/large-6.gz"

cp "$0" "$share/uoff-gzip-test.sh"
log=$share/vm.log
"$top/tools/testing/vm/run" "$@" --kmod deflate --share "$share" --add "$top/examples/uoff-gzip" \
	--add "$share/uoff-gzip-test.sh" -- ./uoff-gzip-test.sh --guest 2>&1 | tee "$log"
status=$?

line=$(grep -E '^guest: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
if [ -n "$line" ]; then
	set -- $line
	passed=$((passed + $2))
	failed=$((failed + $4))
else
	fail "the guest printed no summary (vm/run status $status)"
fi

# gzip(1) must read everything uoff-gzip wrote.
for gz in "$share"/out/*.gz; do
	[ -e "$gz" ] || continue
	name=${gz##*/}
	orig=$corpus/${name%%.*}
	check "gzip -t $name" gzip -t "$gz"
	check "gzip -dc $name is the original" \
		sh -c 'gzip -dc "$1" >"$3" && cmp -s "$3" "$2"' sh "$gz" "$orig" "$share/unzipped"
done
n=$(ls "$share"/out/*.gz 2>/dev/null | wc -l)
check "the guest handed back 27 gzip files (got $n)" test "$n" -eq 27

echo "uoff-gzip-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
