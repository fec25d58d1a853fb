#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The driver's record encoders (driver/damon_rec_enc.c), built on the host
# by tests/tools/enc_test.c, against two decoders written apart from them:
#
#   - the SNAPSHOT frames of lib/RECORD-FORMAT.md's two examples, byte for byte;
#   - made-up recordings (several kdamonds and targets, regions that move,
#     split and merge, unaligned ones, long runs of unchanged regions, ages
#     that wrap, dropped snapshots) written in formats 4, 3 and 2: reccheck
#     (tests/tools/reccheck.c) must decode exactly the snapshots encoded,
#     and libdamonrec (damonctl convert) must turn the format 3 record into
#     the very bytes of the driver's format 2 record, and write the same
#     snapshots again in format 3 as the very SNAPSHOT frames of the driver;
#     the same in format 4 (range-coded, CRC per group): libdamonrec must
#     decode the driver's record and write the driver's SNAPSHOT frames;
#   - the same under ASan and UBSan.

set -u
cd "$(dirname "$0")/../.." || exit 1

MAKE=${MAKE:-make}
BUILD=${BUILD:-build}
SEEDS=${SEEDS:-40}
n=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tap() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=1
	fi
}

enc=$BUILD/host/enc_test
san=$BUILD/host/enc_test-san
reccheck=$BUILD/static/reccheck
damonctl=$BUILD/damonctl

if ! $MAKE --no-print-directory -s BUILD="$BUILD" "$enc" "$san" \
		"$reccheck" >"$tmp/build.log" 2>&1; then
	tap 1 "build enc_test and reccheck"
	sed 's/^/# /' "$tmp/build.log"
	exit 1
fi
tap 0 "build enc_test and reccheck"

# The examples of RECORD-FORMAT.md, as the document writes them.
want=$(sed -n '/^### Example/,/^## /p' lib/RECORD-FORMAT.md |
	sed -n 's/^    \(\([0-9a-f][0-9a-f] \)*[0-9a-f][0-9a-f]\)\( .*\)\{0,1\}$/\1/p' |
	grep -v '^xx' | tr '\n' ' ' | sed 's/ *$//')
got=$("$enc" --example)
if [ -n "$want" ] && [ "$got" = "$want" ]; then
	tap 0 "the driver encodes RECORD-FORMAT.md's examples byte for byte"
else
	tap 1 "the driver encodes RECORD-FORMAT.md's examples byte for byte"
	echo "# document: $want"
	echo "# driver:   $got"
fi

# same_frames PROG PREFIX N: libdamonrec writes the snapshots of PREFIX.v3
# in format N with the SNAPSHOT frames of the driver's PREFIX.vN.
same_frames() {
	local prog=$1 p=$2 f=$3
	if "$damonctl" convert --format "v$f" "$p.v3" -o "$p.lib.v$f" \
			2>"$tmp/lib.log" &&
		"$prog" --frames "$p.v$f" >"$p.drv$f.frames" &&
		"$prog" --frames "$p.lib.v$f" >"$p.lib$f.frames" &&
		cmp -s "$p.drv$f.frames" "$p.lib$f.frames"; then
		return 0
	fi
	echo "# seed $s: libdamonrec's format $f SNAPSHOT frames differ from the driver's"
	sed 's/^/# /' "$tmp/lib.log"
	diff "$p.drv$f.frames" "$p.lib$f.frames" | head -n 4 | cut -c 1-160 |
		sed 's/^/# /'
	return 1
}

# check PROG WHAT: SEEDS made-up recordings through both decoders.
check() {
	local prog=$1 what=$2 s bad=0 lib=0 same=0 bad4=0 same4=0
	for s in $(seq "$SEEDS"); do
		p=$tmp/s$s
		if ! "$prog" --seed "$s" --out "$p" >"$tmp/enc.log" 2>&1; then
			echo "# seed $s: enc_test failed"
			sed 's/^/# /' "$tmp/enc.log"
			bad=1
			break
		fi
		"$reccheck" --format 3 --end --dump "$p.v3" >"$p.v3.out" 2>&1
		grep -v '^reccheck: ' "$p.v3.out" >"$p.v3.got"
		if ! grep -q '^reccheck: OK' "$p.v3.out" ||
			! cmp -s "$p.v3.got" "$p.v3.txt"; then
			echo "# seed $s: reccheck decodes another format 3 record"
			grep '^reccheck: FAIL' "$p.v3.out" | sed 's/^/# /'
			diff "$p.v3.txt" "$p.v3.got" | head -n 5 | sed 's/^/# /'
			bad=1
			break
		fi
		"$reccheck" --format 4 --end --dump "$p.v4" >"$p.v4.out" 2>&1
		grep -v '^reccheck: ' "$p.v4.out" >"$p.v4.got"
		if ! grep -q '^reccheck: OK' "$p.v4.out" ||
			! cmp -s "$p.v4.got" "$p.v3.txt"; then
			echo "# seed $s: reccheck decodes another format 4 record"
			grep '^reccheck: FAIL' "$p.v4.out" | sed 's/^/# /'
			diff "$p.v3.txt" "$p.v4.got" | head -n 5 | sed 's/^/# /'
			bad=1
			break
		fi
		"$reccheck" --format 2 --dump "$p.v2" >"$p.v2.out" 2>&1
		grep -v '^reccheck: ' "$p.v2.out" >"$p.v2.got"
		if ! grep -q '^reccheck: OK' "$p.v2.out" ||
			! cmp -s "$p.v2.got" "$p.v2.txt"; then
			echo "# seed $s: reccheck decodes another format 2 record"
			diff "$p.v2.txt" "$p.v2.got" | head -n 5 | sed 's/^/# /'
			bad=1
			break
		fi
		if [ -x "$damonctl" ]; then
			lib=1
			if ! "$damonctl" convert --format v2 "$p.v3" \
					-o "$p.lib.v2" 2>"$tmp/lib.log" ||
				! cmp -s "$p.lib.v2" "$p.v2"; then
				echo "# seed $s: libdamonrec reads another format 3 record"
				sed 's/^/# /' "$tmp/lib.log"
				bad=1
				break
			fi
			# libdamonrec's writer codes the same snapshots into
			# the very SNAPSHOT frames of the driver, in format 3
			# and in format 4 (the models, reset at each LOST
			# frame, included); it decodes the driver's format 4
			# record into the same snapshots.
			[ $same = 1 ] || same_frames "$prog" "$p" 3 || same=1
			if ! "$damonctl" convert --format v2 "$p.v4" \
					-o "$p.lib4.v2" 2>"$tmp/lib.log" ||
				! cmp -s "$p.lib4.v2" "$p.v2"; then
				echo "# seed $s: libdamonrec reads another format 4 record"
				sed 's/^/# /' "$tmp/lib.log"
				bad4=1
			fi
			[ $same4 = 1 ] || same_frames "$prog" "$p" 4 || same4=1
		fi
		rm -f "$p".*
	done
	tap $bad "$SEEDS made-up recordings decode to what $what encoded in formats 4, 3 and 2 (reccheck)"
	if [ $lib = 1 ]; then
		tap $bad "libdamonrec turns each format 3 record into the driver's format 2 bytes ($what)"
		tap $same "libdamonrec's writer codes every snapshot into the driver's format 3 bytes ($what)"
		tap $bad4 "libdamonrec decodes each format 4 record into the driver's format 2 bytes ($what)"
		tap $same4 "libdamonrec's writer codes every snapshot into the driver's format 4 bytes ($what)"
	else
		n=$((n + 1))
		echo "ok $n - libdamonrec reads the records ($what) # skip no $damonctl"
		n=$((n + 1))
		echo "ok $n - libdamonrec writes the records ($what) # skip no $damonctl"
		n=$((n + 1))
		echo "ok $n - libdamonrec reads the format 4 records ($what) # skip no $damonctl"
		n=$((n + 1))
		echo "ok $n - libdamonrec writes the format 4 records ($what) # skip no $damonctl"
	fi
}

check "$enc" "the driver's encoders"
check "$san" "the encoders under ASan+UBSan"

exit $fail
