#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# damonctl show on records made by tests/tools/gen_record.

load helpers

@test "show: default output is damo's report access --raw_form" {
	gen -f v3 -n 3 -r 4 damon.data
	run damonctl show
	assert_success
	assert_line --index 0 --regexp '^base_time_absolute: '
	assert_line --index 1 'data source: unknown'
	assert_line --index 2 'monitoring_start:                0 ns'
	assert_line --index 3 'monitoring_end:                100 ms'
	assert_line --index 4 'monitoring_duration:           100 ms'
	assert_line --index 5 'target_id: 0'
	assert_line --index 6 'nr_regions: 4'
	assert_line --index 7 '# start_addr     end_addr        length  nr_accesses   age'
	assert_line --index 8 '7f0000000000-7f0000200000 (   2.000 MiB)          20     0'
	assert_line --index 9 '7f0000200000-7f0000400000 (   2.000 MiB)           1     0'
	# Snapshot 2 (bats drops blank lines from \$lines): the hot region
	# moved up; ages count the snapshots a region stayed the same.
	assert_line --index 12 'monitoring_start:              100 ms'
	assert_line --index 18 '7f0000000000-7f0000200000 (   2.000 MiB)           1     0'
	assert_line --index 19 '7f0000200000-7f0000400000 (   2.000 MiB)          20     0'
	assert_line --index 21 '7f0000600000-7f0000800000 (   2.000 MiB)           0     1'
}

@test "show --damo2 keeps damo 2.x's layout" {
	gen -f v3 -n 3 -r 4 damon.data
	run damonctl show --damo2
	assert_success
	assert_line --index 1 'monitoring_start:                0 ns'
	assert_line --index 2 'monitoring_end:            100.000 ms'
	refute_line 'data source: unknown'
	run damonctl show --damo2 --wss
	assert_failure 2
}

@test "show --raw-numbers prints ns and bytes" {
	gen -f v3 -n 2 -r 2 r.data
	run damonctl show --raw-numbers r.data
	assert_success
	assert_line 'monitoring_end:             100000000'
	assert_line '7f0000000000-7f0000200000 (     2097152)          20     0'
}

@test "show reads every input format the same" {
	gen -f v2 -n 5 -r 3 -t 2 a.v2
	damonctl convert a.v2 -o a.v3 --format v3
	damonctl convert a.v2 -o a.json
	damonctl convert a.v2 -o a.csv
	gen -f v1 -n 5 -r 3 -t 2 a.v1
	gen -f v0 -n 5 -r 3 -t 2 a.v0
	damonctl show --raw-numbers a.v2 > want
	# v2 and older carry no ages (damo's -1), nor does a v3 made of them.
	grep -q ' -1$' want
	for f in a.v3 a.v1 a.v0; do
		run damonctl show --raw-numbers "$f"
		assert_success
		assert_equal "$output" "$(cat want)"
	done
	# JSON and CSV always carry ages: 0 there.
	sed 's/ -1$/  0/' want > want0
	for f in a.json a.csv; do
		run damonctl show --raw-numbers "$f"
		assert_success
		assert_equal "$output" "$(cat want0)"
	done
}

@test "show - reads standard input" {
	gen -f v3 -n 4 -r 3 r.data
	run bash -c "'$DAMONCTL' show --summary - < r.data"
	assert_success
	assert_line 'snapshots:  4, 0 lost'
}

@test "show --summary" {
	gen -f v3 -n 10 -r 5 -t 2 -l 4 r.data
	run damonctl show --summary r.data
	assert_success
	assert_line 'file:       r.data'
	assert_line 'format:     v3 (stopped cleanly)'
	assert_line 'intervals:  sample 5.000 ms, aggr 100.000 ms, update 1.000 s'
	assert_line 'duration:   900.000 ms'
	assert_line 'snapshots:  10, 3 lost'
	assert_line 'targets:    2 (ids 0 1)'
	assert_line 'regions:    100 in all, 10.0 per snapshot (10 to 10)'
	assert_line 'accesses:   at most 20 per aggregation'
}

@test "show --summary --json" {
	gen -f v2 -n 6 -r 4 r.data
	run damonctl show --summary --json r.data
	assert_success
	echo "$output" | jq -e '.format == "v2" and .snapshots == 6 and .complete and
		.addr_start == 139637976727552 and .addr_end == 139637985116160 and
		.max_nr_accesses == 20 and .duration_ns == 500000000'
}

@test "show --wss gives percentiles" {
	gen -f v3 -n 12 -r 6 r.data
	run damonctl show --wss --exclude-samples 0 r.data
	assert_success
	assert_line --index 0 '# target_id	0'
	assert_line --index 1 '# <percentile> <wss>'
	# Hot region plus one neighbour at the ends, two in the middle.
	assert_line --regexp '^  0 +4.000 MiB \|\*+ *\|$'
	# damo's bars: int(v / (max / 59)), 58 columns for the maximum here
	assert_line --regexp '^100 +6.000 MiB \|\*{58} \|$'
	run damonctl show --wss --exclude-samples 0 --min-accesses 20 --csv r.data
	assert_success
	assert_line 'percentile,bytes'
	assert_line '50,2097152'
	run damonctl show --wss --exclude-samples 0 --json r.data
	assert_success
	echo "$output" | jq -e '.snapshots == 12 and (.percentiles | length) == 5'
}

@test "show --csv and --json export the regions" {
	gen -f v3 -n 3 -r 2 r.data
	run damonctl show --csv r.data
	assert_success
	assert_line --index 0 'time_ns,kdamond,target,start,end,nr_accesses,age'
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 7
	run damonctl show --json r.data
	assert_success
	echo "$output" | jq -e '.format == "damonrec" and (.snapshots | length) == 3'
}

@test "show --time-range keeps snapshots in the range" {
	gen -f v3 -n 20 -r 3 r.data
	run damonctl show --summary --time-range 500ms-1s r.data
	assert_success
	assert_line 'snapshots:  6, 0 lost'
	run damonctl show --summary --time-range 1.5- r.data
	assert_success
	assert_line 'snapshots:  5, 0 lost'
	run damonctl show --summary --time-range=-200ms r.data
	assert_success
	assert_line 'snapshots:  3, 0 lost'
}

@test "show --address-range clips regions" {
	gen -f v3 -n 2 -r 4 r.data
	run damonctl show --raw-numbers --address-range 0x7f0000100000-0x7f0000300000 r.data
	assert_success
	assert_line 'nr_regions: 2'
	assert_line '7f0000100000-7f0000200000 (     1048576)          20     0'
	assert_line '7f0000200000-7f0000300000 (     1048576)           1     0'
}

@test "show --target keeps one target" {
	gen -f v3 -n 2 -r 2 -t 3 r.data
	run damonctl show --target 2 r.data
	assert_success
	assert_line 'target_id: 2'
	refute_line 'target_id: 0'
	refute_line 'target_id: 1'
}

@test "show filters reject bad values with one line" {
	gen -f v3 -n 2 -r 2 r.data
	for opt in "--time-range=3s-1s" "--time-range=x" "--address-range=5-2" \
		   "--target=abc" "--resolution=0x5" "--color=purple"; do
		run damonctl show "$opt" r.data
		assert_failure 2
		assert_one_line
	done
	run damonctl show --csv --json r.data
	assert_failure 2
	run damonctl show a b
	assert_failure 2
	assert_one_line
	assert_output --partial "extra argument 'b'"
}

@test "show --heatmap: plain digits, the hot window walks across" {
	gen -f v3 -n 10 -r 10 r.data
	run damonctl show --heatmap --color never --resolution 10x10 r.data
	assert_success
	assert_output --partial '# x-axis: address, 0x7f0000000000 (left) to 0x7f0001400000 (right)'
	assert_output --partial '# y-axis: time'
	assert_output --partial 'legend:'
	# The hottest column of each row moves right as time goes down, from
	# the left edge to the right one.
	rows=$(printf '%s\n' "$output" | sed -nE 's/^.{12} \|([0-9]+)\|$/\1/p')
	assert_equal "$(printf '%s\n' "$rows" | wc -l)" 10
	prev=0
	while read -r row; do
		col=$(awk -v r="$row" 'BEGIN { m = -1; for (i = 1; i <= length(r); i++) { v = substr(r, i, 1) + 0; if (v > m) { m = v; c = i - 1 } } print c }')
		[ "$col" -ge "$prev" ] || fail "hot column $col after $prev in: $rows"
		prev=$col
	done <<< "$rows"
	assert_equal "$prev" 9
}

@test "show --heatmap colours: 256 and truecolor" {
	gen -f v3 -n 5 -r 5 r.data
	run env TERM=xterm-256color COLORTERM= "$DAMONCTL" show --heatmap --color always r.data
	assert_success
	assert_output --partial $'\e[48;5;'
	run env COLORTERM=truecolor "$DAMONCTL" show --heatmap --color always r.data
	assert_success
	assert_output --partial $'\e[48;2;'
	# Not a terminal, --color auto: no escapes at all.
	run damonctl show --heatmap r.data
	assert_success
	refute_output --partial $'\e['
}

@test "show --heatmap=FILE.svg writes an SVG image" {
	gen -f v3 -n 30 -r 8 r.data
	run damonctl show --heatmap=heat.svg --resolution 30x8 r.data
	assert_success
	assert_output 'wrote heat.svg (30 x 8 cells)'
	head -c 200 heat.svg | grep -q '<svg'
	assert_equal "$(grep -c '<rect x=' heat.svg)" $((30 * 8 + 2))
	grep -q 'time since the first snapshot' heat.svg
	grep -q 'linearGradient' heat.svg
	if command -v python3 >/dev/null; then
		python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' heat.svg
	fi
	run damonctl show --heatmap=heat.png r.data
	assert_failure 2
	assert_one_line
}

@test "show --heatmap reads standard input" {
	gen -f v2 -n 6 -r 4 r.data
	run bash -c "'$DAMONCTL' show --heatmap --color never - < r.data"
	assert_success
	assert_output --partial '# heatmap of -'
}

@test "show: a truncated v2 file prints what decodes, then one error, exit 3" {
	gen -f v2 -n 10 -r 4 r.data
	# 20-byte header, snapshots of 20 + 12 + 4 * 20 = 112 bytes; cut the 7th.
	head -c $((20 + 6 * 112 + 50)) r.data > cut.data
	run damonctl show --summary cut.data
	assert_failure 3
	assert_line 'snapshots:  6, 0 lost'
	assert_line --partial "cut.data: cut short at byte $((20 + 6 * 112)) after 6 good snapshots"
}

@test "show: a truncated v3 file, exit 3, offset given" {
	gen -f v3 -n 10 -r 4 r.data
	size=$(stat -c %s r.data)
	head -c $((size - 20)) r.data > cut.data
	run damonctl show cut.data
	assert_failure 3
	assert_output --regexp 'cut.data: cut short at byte [0-9]+ after 9 good snapshots'
	assert_equal "$(printf '%s\n' "$output" | grep -c '^target_id')" 9
}

@test "show: a corrupt v3 frame, exit 3" {
	gen -f v3 -n 10 -r 4 r.data
	printf '\xff\xff\xff' | dd of=r.data bs=1 seek=300 conv=notrunc status=none
	run damonctl show --summary r.data
	assert_failure 3
	assert_output --regexp 'r.data: corrupt at byte [0-9]+ after [0-9]+ good snapshots: .*crc'
}

@test "show: wrong magic, exit 3" {
	gen -f v2 -n 2 -r 2 r.data
	printf 'damon_recfmt_vex' | dd of=r.data bs=1 conv=notrunc status=none
	run damonctl show r.data
	assert_failure 3
	assert_one_line
}

@test "show: an empty file, exit 3" {
	: > empty.data
	run damonctl show empty.data
	assert_failure 3
	assert_output "damonctl show: empty.data: empty file, no record in it"
}

@test "show: a missing damon.data says how to make one" {
	run damonctl show
	assert_failure 1
	assert_output --partial "record one with 'damonctl record'"
}

@test "show --json keeps errors JSON" {
	: > empty.data
	run damonctl show --json --summary empty.data
	assert_failure 3
	echo "$output" | jq -e '.error | test("empty file")'
}

@test "show --intervals: each kdamond's first intervals, then each change" {
	gen -f v3 -n 6 -r 2 -i 3 t.v3
	run damonctl show --intervals t.v3
	assert_success
	assert_line --index 0 '#           time kdamond     sample       aggr     update'
	assert_line --index 1 '            0 ns       0   5.000 ms 100.000 ms    1.000 s'
	assert_line --index 2 '      300.000 ms       0   2.500 ms  50.000 ms    1.000 s'
	assert_equal "${#lines[@]}" 3
	run damonctl show --intervals --raw-numbers t.v3
	assert_line --index 2 '       300000000       0       2500      50000    1000000'
	run damonctl show --intervals --csv t.v3
	assert_output "time_ns,kdamond,sample_us,aggr_us,update_us
1700000000000000000,0,5000,100000,1000000
1700000000300000000,0,2500,50000,1000000"
	run damonctl --json show --intervals t.v3
	assert_output '[{"time_ns":1700000000000000000,"kdamond":0,"sample_us":5000,"aggr_us":100000,"update_us":1000000},{"time_ns":1700000000300000000,"kdamond":0,"sample_us":2500,"aggr_us":50000,"update_us":1000000}]'
	run damonctl show --summary t.v3
	assert_line 'intervals:  sample 5.000 ms, aggr 100.000 ms, update 1.000 s'
	assert_line '            changed 1 times while recording (--intervals lists them)'
	run damonctl --json show --summary t.v3
	assert_output --partial '"interval_changes":1,'
}

@test "show --intervals: the changes survive conversion, v2 has only the header's" {
	gen -f v3 -n 6 -r 2 -i 3 t.v3
	damonctl convert --format v3 t.v3 -o again.v3
	cmp t.v3 again.v3
	damonctl convert --format v2 t.v3 -o t.v2
	run damonctl show --intervals --csv t.v2
	assert_output "time_ns,kdamond,sample_us,aggr_us,update_us
1700000000000000000,0,0,0,0"
	run damonctl show --summary t.v2
	refute_line --partial 'changed'
}
