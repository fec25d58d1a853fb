#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# damonctl convert.

load helpers

@test "convert: v2 -> v3 -> v2 is byte-identical" {
	gen -f v2 -n 40 -r 12 -t 2 a.v2
	run damonctl convert a.v2 -o a.v3 --format v3
	assert_success
	run damonctl convert a.v3 -o b.v2 --format v2
	assert_success
	cmp a.v2 b.v2
	# And v3 is the smaller.
	[ "$(stat -c %s a.v3)" -lt "$(stat -c %s a.v2)" ]
}

@test "convert: v2 -> json -> v2 is byte-identical" {
	gen -f v2 -n 25 -r 7 -t 3 a.v2
	damonctl convert a.v2 -o a.json
	jq -e '.format == "damonrec" and (.snapshots | length) == 25' a.json
	damonctl convert a.json -o b.v2 --format v2
	cmp a.v2 b.v2
}

@test "convert: v3 with ages and lost snapshots -> json -> v3 is identical" {
	gen -f v3 -n 25 -r 7 -l 10 a.v3
	damonctl convert a.v3 -o a.json
	jq -e '.snapshots[10].lost_before == 3' a.json
	damonctl convert a.json -o b.v3 --format v3
	cmp a.v3 b.v3
}

@test "convert: the output format follows the extension" {
	gen -f v2 -n 3 -r 2 a.v2
	damonctl convert a.v2 -o x.csv
	assert_equal "$(head -1 x.csv)" 'time_ns,kdamond,target,start,end,nr_accesses,age'
	damonctl convert a.v2 -o x.json
	jq -e . x.json > /dev/null
	damonctl convert a.v2 -o x.data
	assert_equal "$(head -c 16 x.data)" damon_recfmt_ver
	run damonctl show --summary --json x.data
	echo "$output" | jq -e '.format == "v3"'
}

@test "convert: CSV back to v2" {
	gen -f v2 -n 6 -r 3 a.v2
	damonctl convert a.v2 -o a.csv
	damonctl convert a.csv -o b.v2 --format v2
	cmp a.v2 b.v2
}

@test "convert: standard input and output" {
	gen -f v2 -n 4 -r 3 a.v2
	damonctl convert - -o - --format json < a.v2 > a.json
	jq -e '(.snapshots | length) == 4' a.json
}

@test "convert: imports perf script output" {
	cat > perf.txt <<'PERF'
        kdamond.0   451 [001]   100.100000: damon:damon_aggregated: target_id=0 nr_regions=2 140737488355328-140737490452480: 5 3
        kdamond.0   451 [001]   100.100001: damon:damon_aggregated: target_id=0 nr_regions=2 140737490452480-140737492549632: 0 7
        kdamond.0   451 [001]   100.200000: damon:damon_aggregated: target_id=0 nr_regions=2 140737488355328-140737490452480: 9 0
        kdamond.0   451 [001]   100.200001: damon:damon_aggregated: target_id=0 nr_regions=2 140737490452480-140737492549632: 0 8
PERF
	run damonctl convert perf.txt -o p.v3
	assert_success
	run damonctl show --raw-numbers p.v3
	assert_success
	assert_line 'nr_regions: 2'
	assert_line '800000000000-800000200000 (     2097152)           5     3'
	assert_line '800000200000-800000400000 (     2097152)           0     8'
	run damonctl convert --input-format perf-script - -o - --format csv < perf.txt
	assert_success
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 5
}

@test "convert: a truncated input converts what decodes, exit 3" {
	gen -f v2 -n 10 -r 4 a.v2
	head -c 500 a.v2 > cut.v2
	run damonctl convert cut.v2 -o out.v3
	assert_failure 3
	assert_output --partial "cut.v2: cut short at byte 468 after 4 good snapshots (all 4 in out.v3, which is cut short too)"
	# The output says so too: no END frame.
	run damonctl show --summary out.v3
	assert_failure 3
	assert_line 'format:     v3 (no end marker: cut short)'
	assert_line 'snapshots:  4, 0 lost'
}

@test "convert: usage errors are one line, exit 2" {
	gen -f v2 -n 2 -r 2 a.v2
	run damonctl convert a.v2
	assert_failure 2
	assert_one_line
	assert_output --partial 'no output'
	run damonctl convert -o x.v3
	assert_failure 2
	assert_output --partial 'no input'
	run damonctl convert a.v2 -o a.v2
	assert_failure 2
	assert_output --partial 'is the input itself'
	run damonctl convert a.v2 -o x --format v7
	assert_failure 2
	assert_one_line
	run damonctl convert a.v2 -o x --input-format nope
	assert_failure 2
	run damonctl convert a.v2 b.v2 -o x
	assert_failure 2
	assert_output --partial "extra argument 'b.v2'"
}

@test "convert: missing, empty and foreign inputs" {
	run damonctl convert missing -o x
	assert_failure 1
	assert_output --partial 'cannot open missing'
	: > empty
	run damonctl convert empty -o x
	assert_failure 3
	echo 'just some text' > text
	run damonctl convert text -o x
	assert_failure 3
	assert_one_line
	gen -f v2 -n 2 -r 2 a.v2
	run damonctl convert a.v2 -o /nonexistent/dir/x
	assert_failure 1
	assert_output --partial 'cannot create /nonexistent/dir/x'
}

@test "convert: v4 is the version 4 record of RECORD-FORMAT.md, byte for byte" {
	gen -f v4 -n 2 -r 3 ex.v4
	want=$(sed -n '/^### A version 4 record, byte by byte/,/^## /p' \
		"$BATS_TEST_DIRNAME/../../lib/RECORD-FORMAT.md" |
		sed -n 's/^    \(\([0-9a-f][0-9a-f] \)*[0-9a-f][0-9a-f]\)\( .*\)\{0,1\}$/\1/p' |
		tr -d ' \n')
	[ -n "$want" ]
	assert_equal "$(od -An -v -tx1 ex.v4 | tr -d ' \n')" "$want"
}

@test "convert: v3 -> v4 -> v3 is identical, and v4 is smaller" {
	gen -f v3 -n 60 -r 40 -t 2 -l 20 a.v3
	damonctl convert a.v3 -o a.v4 --format v4
	run damonctl show --summary a.v4
	assert_success
	assert_output --partial 'format:     v4 (stopped cleanly)'
	assert_output --partial 'snapshots:  60, 3 lost'
	damonctl convert a.v4 -o b.v3 --format v3
	cmp a.v3 b.v3
	[ "$(stat -c %s a.v4)" -lt "$(stat -c %s a.v3)" ]
}

@test "convert: a v4 record cut short gives its whole groups, then exit 3 with the torn group's offset" {
	gen -f v4 -n 40 -r 10 a.v4
	head -c "$(( $(stat -c %s a.v4) - 10 ))" a.v4 > cut.v4
	run damonctl convert cut.v4 -o b.csv
	assert_failure 3
	assert_output --partial 'v4 group at offset'
	assert_output --partial 'after 32 good snapshots'
	assert_equal "$(tail -n +2 b.csv | cut -d, -f1 | uniq | wc -l)" 32
}
