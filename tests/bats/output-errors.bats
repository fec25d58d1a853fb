#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Errors that must not pass as success: output write errors, and records
# that were cut short.

load helpers

@test "show: a write error on stdout is an error in every mode" {
	gen -f v3 -n 3 -r 4 small.data
	gen -f v3 -n 2000 -r 50 big.data
	for f in small.data big.data; do
		for mode in "" --summary --wss --heatmap --raw-numbers --csv \
			    "--wss --csv" "--heatmap --color always"; do
			# shellcheck disable=SC2086
			run damonctl show $mode "$f"
			assert_success
			# shellcheck disable=SC2086
			run bash -c "'$DAMONCTL' show $mode $f > /dev/full"
			assert_failure 1
			assert_output "damonctl show: writing standard output: No space left on device"
		done
		for mode in --json "--json --summary" "--json --wss" "--json --heatmap"; do
			# shellcheck disable=SC2086
			run bash -c "'$DAMONCTL' show $mode $f > /dev/full"
			assert_failure 1
			assert_output '{"error":"writing standard output: No space left on device"}'
		done
	done
}

@test "a write error on stdout is an error for every command's output" {
	gen -f v3 -n 3 -r 4 r.data
	for args in --version "--json --version" --help "show --help" "help show" \
		    "convert r.data -o - --format csv" "convert r.data -o - --format json"; do
		# shellcheck disable=SC2086
		run bash -c "'$DAMONCTL' $args > /dev/full"
		assert_failure 1
		assert_output --regexp "writing (standard output|-): No space left on device"
		assert_one_line
	done
}

@test "a closed standard output is an error too" {
	gen -f v3 -n 3 -r 4 r.data
	for args in --version "show r.data" "show --summary r.data"; do
		run bash -c "'$DAMONCTL' $args >&-"
		assert_failure 1
		assert_output --partial "writing standard output: Bad file descriptor"
		assert_one_line
	done
}

@test "show: a v3 record without its END frame is cut short: exit 3 after all of it" {
	gen -f v3 -n 5 -r 4 r.data
	# The END frame of this record is the last 8 bytes.
	head -c -8 r.data > cut.data
	size=$(stat -c %s cut.data)
	run damonctl show --summary cut.data
	assert_failure 3
	assert_line 'format:     v3 (no end marker: cut short)'
	assert_line 'snapshots:  5, 0 lost'
	assert_line "damonctl show: cut.data: cut short at byte $size after 5 good snapshots: no END frame (the recording did not stop cleanly)"
	for mode in "" --wss --csv --json --raw-numbers "--json --summary"; do
		# shellcheck disable=SC2086
		run damonctl show $mode cut.data
		assert_failure 3
	done
	run damonctl show cut.data
	assert_equal "$(printf '%s\n' "$output" | grep -c '^target_id')" 5
	# A header alone: nothing to show, and still cut short.
	head -c 64 r.data > header.data
	run damonctl show header.data
	assert_failure 3
	assert_output --partial "header.data: cut short at byte 64 after 0 good snapshots"
	# The whole record is fine.
	run damonctl show --summary r.data
	assert_success
	assert_line 'format:     v3 (stopped cleanly)'
}

@test "convert: input that gives no snapshot leaves no output file" {
	head -c 4000 /dev/urandom > random.bin
	# Start with bytes no record has, so that no reader takes them.
	printf '\377\377\377\377' | dd of=random.bin bs=1 seek=8 conv=notrunc status=none
	run damonctl convert random.bin -o out.v3
	assert_failure 3
	assert_one_line
	assert_output --partial "random.bin: corrupt at byte 0 after 0 good snapshots (nothing converted, out.v3 not written)"
	[ ! -e out.v3 ] || fail "out.v3 was written"
	# A header only: no snapshot, cut short; an old out.v3 stays as it was.
	gen -f v3 -n 2 -r 2 r.data
	head -c 64 r.data > header.data
	echo old > out.v3
	run damonctl convert header.data -o out.v3
	assert_failure 3
	assert_output --partial "(nothing converted, out.v3 not written)"
	assert_equal "$(cat out.v3)" old
}

@test "convert: a record cut short converts to one that says it is cut short" {
	gen -f v2 -n 10 -r 4 a.v2
	head -c $((20 + 6 * 112 + 50)) a.v2 > cut.v2
	for out in out.v3 out.v4 out.json; do
		fmt=()
		[ "$out" = out.v4 ] && fmt=(--format v4)
		run damonctl convert cut.v2 -o "$out" "${fmt[@]}"
		assert_failure 3
		assert_output "damonctl convert: cut.v2: cut short at byte $((20 + 6 * 112)) after 6 good snapshots (all 6 in $out, which is cut short too): v2 snapshot at offset $((20 + 6 * 112)): file ends inside it (needs 62 more bytes)"
		run damonctl show --summary "$out"
		assert_failure 3
		assert_line 'snapshots:  6, 0 lost'
		assert_output --partial "$out: cut short at byte"
	done
	run damonctl show --summary out.v3
	assert_line 'format:     v3 (no end marker: cut short)'
	# CSV has no end mark: the message alone says it.
	run damonctl convert cut.v2 -o out.csv
	assert_failure 3
	assert_output --partial "after 6 good snapshots (all 6 in out.csv):"
	# A v3 input without END: the same.
	gen -f v3 -n 5 -r 4 r.v3
	head -c -8 r.v3 > noend.v3
	run damonctl convert noend.v3 -o again.v3
	assert_failure 3
	assert_output --partial "after 5 good snapshots (all 5 in again.v3, which is cut short too): no END frame"
	run damonctl show --summary again.v3
	assert_failure 3
	assert_line 'snapshots:  5, 0 lost'
}

@test "show, convert: zeros are no record, even after a v2 header" {
	head -c 2000 /dev/zero > zeros
	for args in "show zeros" "show --summary zeros" "show --wss zeros" \
		    "show --heatmap zeros" "convert zeros -o out.v3"; do
		# shellcheck disable=SC2086
		run damonctl $args
		assert_failure 3
		assert_one_line
		assert_output --partial "zeros: corrupt at byte 0 after 0 good snapshots"
	done
	# Endless zeros: an error at once, not a run that eats memory.
	run timeout 20 "$DAMONCTL" show --summary /dev/zero
	assert_failure 3
	assert_output --partial "unknown format at offset 0"
	run bash -c "{ printf 'damon_recfmt_ver\\2\\0\\0\\0'; cat /dev/zero; } | timeout 20 '$DAMONCTL' show -"
	assert_failure 3
	assert_output --partial "-: corrupt at byte 40 after 1 good snapshots: v2 snapshot at offset 40: no targets, at the time of the snapshot before: not a record"
	# A real v0 record is still read.
	gen -f v0 -n 5 -r 3 r.v0
	run damonctl show --summary r.v0
	assert_success
	assert_line 'format:     v0'
	assert_line 'snapshots:  5, 0 lost'
}

@test "show, convert: a binary perf.data file says how to convert it" {
	# The 104-byte perf.data header: magic, then its own size.
	{ printf 'PERFILE2\150\0\0\0\0\0\0\0'; head -c 200 /dev/zero; } > perf.data
	run damonctl show perf.data
	assert_failure 3
	assert_output "damonctl show: perf.data is a binary perf.data file, not a record: run 'perf script -i perf.data | damonctl convert - -o OUT'"
	run bash -c "'$DAMONCTL' convert - -o out.v3 < perf.data"
	assert_failure 3
	assert_output --partial "standard input is a binary perf.data file"
	[ ! -e out.v3 ]
}

@test "show: one snapshot cannot grow without bound" {
	# CSV rows of one time are one snapshot: endless ones are refused.
	run bash -c "{ echo time_ns,kdamond,target,start,end,nr_accesses,age; \
		yes 1,0,0,4096,8192,1,0; } | timeout 60 '$DAMONCTL' show --summary -"
	assert_failure 3
	assert_output --partial "more than 4194304 regions or 65536 targets, which no recorder writes"
}

@test "show --summary, --wss: memory stays bounded on a long stream" {
	# The plain build: ASan's own bookkeeping would hide the figure.
	for mode in --summary --wss; do
		run bash -c "'$TOOLS/gen_record' -f v2 -n 4000000 -r 1 /dev/stdout |
			/usr/bin/time -f 'maxrss %M' -o rss '$BUILD/damonctl' show $mode -"
		assert_success
		rss=$(sed -n 's/^maxrss //p' rss)
		echo "$mode: $rss KiB"
		[ "$rss" -lt 16000 ] || fail "$mode: $rss KiB for 4 million snapshots"
	done
	assert_line --regexp '^100 +2.000 MiB \|\*{59}\|$'
}
