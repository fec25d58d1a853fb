#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# damo's formats and damo's raw listing, against what damo 3.x itself wrote
# and printed (tests/fixtures/damo/, made by its gen.sh).

load helpers

FIX=$TOP/tests/fixtures/damo

@test "damo: records damo wrote show as damo report access --raw_form shows them" {
	for f in damo.json_compressed damo.json perf.script perf-noage.script; do
		run damonctl show "$FIX/$f"
		assert_success
		diff -u "$FIX/$f.raw" <(damonctl show "$FIX/$f")
	done
	for f in damo.json_compressed perf.script perf-noage.script; do
		diff -u "$FIX/$f.rawnum" <(damonctl show --raw-numbers "$FIX/$f")
	done
}

@test "damo: formats are detected, and named by --summary" {
	run damonctl show --summary "$FIX/damo.json_compressed"
	assert_success
	assert_line 'format:     damo'
	assert_line 'targets:    2 (ids 18446623438842320000 18446623438842320001)'
	assert_line 'intervals:  not recorded in this format'
	run damonctl show --summary "$FIX/damo.json"
	assert_line 'format:     damo-json'
}

@test "damo: what convert --format damo writes, damo prints as show prints the source" {
	gen -f v3 -n 40 -r 5 -t 2 v3.data
	for f in "$FIX/perf.script" v3.data; do
		b=$(basename "$f")
		damonctl convert "$f" -o out.damo --format damo
		run file -b out.damo
		assert_output 'zlib compressed data'
		# dc-*.raw: damo 3.3.0's report access --raw_form of such a file.
		diff -u "$FIX/dc-$b.raw" <(damonctl show "$f")
		diff -u "$FIX/dc-$b.raw" <(damonctl show out.damo)
		damonctl convert "$f" -o out.json --format damo-json
		diff -u "$FIX/dc-$b.raw" <(damonctl show out.json)
	done
}

@test "damo: a record without ages gets ages 0 and damo's intervals in damo's format" {
	damonctl convert "$FIX/perf-noage.script" -o out.damo --format damo
	diff -u "$FIX/dc-perf-noage.script.raw" <(damonctl show out.damo)
	# The source itself lists the unknown ages as damo does: -1.
	run damonctl show "$FIX/perf-noage.script"
	assert_line --index 8 --regexp ' -1$'
	damonctl convert "$FIX/perf-noage.script" -o out.dj --format damo-json
	run grep -c '"intervals": {"sample_us": 5000, "aggr_us": 100000, "ops_update_us": 1000000}' out.dj
	assert_output 1
}

@test "damo: every format goes to damo's and back unchanged" {
	# damo holds each target's snapshots together: back from it, a
	# snapshot has one target, so the rows come in another order.
	gen -f v3 -n 6 -r 4 -t 2 a.v3
	damonctl show --csv a.v3 | sort > want
	for f in damo damo-json; do
		damonctl convert a.v3 -o a.$f --format $f
		damonctl convert a.$f -o b.v3 --format v3
		diff -u want <(damonctl show --csv b.v3 | sort)
		diff -u <(damonctl show a.v3) <(damonctl show b.v3)
	done
	gen -f v2 -n 6 -r 4 a.v2
	damonctl convert a.v2 -o a.damo --format damo
	damonctl convert a.damo -o b.v2 --format v2
	cmp a.v2 b.v2
	# and damo's own record, through v3 and back to damo
	damonctl convert "$FIX/damo.json_compressed" -o c.v3 --format v3
	damonctl convert c.v3 -o c.damo --format damo
	diff -u <(damonctl show --csv "$FIX/damo.json_compressed") <(damonctl show --csv c.damo)
}

@test "damo: damo-only fields are dropped with one warning line" {
	sed -e 's/"scheme_filters": \[\]/"scheme_filters": [{"filter_type": "anon"}]/' \
	    -e '0,/"sz_filter_passed": "0 B"/s//"sz_filter_passed": "4,096"/' \
	    "$FIX/damo.json" > extra.json
	run bash -c "'$DAMONCTL' convert extra.json -o out.damo --format damo 2>&1 >/dev/null"
	assert_success
	assert_output "damonctl convert: warning: damo: dropped damo's scheme_filters, sz_filter_passed, which damonctl does not carry"
	run bash -c "'$DAMONCTL' convert '$FIX/damo.json' -o out.damo --format damo 2>&1"
	assert_success
	assert_output ''
}

@test "damo: numbers as strings, with separators and units" {
	cat > n.json <<'JSON'
[{"target_id": "7", "kdamond_idx": 2, "intervals": {"sample_us": "5 ms", "aggr_us": "100,000", "ops_update_us": "1 s"},
  "snapshots": [{"start_time": "1 s", "end_time": "1 s 100 ms", "regions": [
    {"start": "4,096", "end": 8192, "nr_accesses": {"samples": "3", "percent": null}, "age": {"usec": null, "aggr_intervals": "1,000"}}]}],
  "data_source": "damon_stat"}]
JSON
	run damonctl show --raw-numbers --csv n.json
	assert_success
	assert_line '1100000000,2,7,4096,8192,3,1000'
	run damonctl show n.json
	assert_line --index 0 'base_time_absolute: 1 s'
	assert_line --index 1 'data source: damon_stat'
	assert_line '000000001000-000000002000 (   4.000 KiB)           3  1000'
	run damonctl show --summary n.json
	assert_line 'intervals:  sample 5.000 ms, aggr 100.000 ms, update 1.000 s'
}

@test "damo: a cut-short or corrupt damo record shows up to its last snapshot, exit 3" {
	head -c 3000 "$FIX/damo.json_compressed" > cut.damo
	run damonctl show --csv cut.damo
	assert_failure 3
	assert_line --partial 'damonctl show: cut.damo: cut short at byte 3000 after '
	assert_line --regexp '^[0-9]+,0,18446623438842320000,'
	head -c 20000 "$FIX/damo.json" > cut.json
	run damonctl show --summary cut.json
	assert_failure 3
	assert_output --partial 'cut short at byte 20000'
	printf '[{"snapshots": [{"end_time": 1, "regions": [{"start": 8, "end": 4}]}]}]' > bad.json
	run damonctl show bad.json
	assert_failure 3
	assert_output --partial 'region ends (0x4) before it starts (0x8)'
	printf 'x\234garbage-not-zlib' > bad.damo
	run damonctl show bad.damo
	assert_failure 3
	assert_output --partial 'corrupt zlib stream'
}

@test "damo: damo's pager rule: a short listing ends with one more newline" {
	gen -f v3 -n 2 -r 2 r.v3
	damonctl convert r.v3 -o r.damo --format damo
	run bash -c "'$DAMONCTL' show r.v3 | tail -c 3 | od -An -c"
	assert_output --regexp '\\n +\\n +\\n'
	run bash -c "'$DAMONCTL' show '$FIX/perf.script' | tail -c 3 | od -An -c"
	refute_output --regexp '\\n +\\n +\\n'
}

@test "damo: show - lists a file on standard input as damo does, a pipe as it comes" {
	run bash -c "'$DAMONCTL' show - < '$FIX/perf.script' | cmp - '$FIX/perf.script.raw'"
	assert_success
	# A pipe is read once: every target's first snapshot starts one
	# aggregation interval (here damo's default 100 ms) before its end.
	run bash -c "cat '$FIX/damo.json_compressed' | '$DAMONCTL' show -"
	assert_success
	assert_line --index 0 'base_time_absolute: 1 h 25 m 23.398 s'
	assert_equal "$(printf '%s\n' "$output" | grep -c '^base_time_absolute')" 2
	gen -f v2 -n 3 -r 2 r.v2
	run bash -c "cat r.v2 | '$DAMONCTL' show --raw-numbers -"
	assert_line --index 2 'monitoring_start:                   0'
	assert_line --index 3 'monitoring_end:             100000000'
}

@test "damo: --wss and --nr-regions give damo's report wss and report nr_regions" {
	for f in damo.json_compressed perf.script; do
		diff -u "$FIX/$f.wss" <(damonctl show --wss "$FIX/$f")
		diff -u "$FIX/$f.wss-r" <(damonctl show --wss --range 0,101,10 \
			--min-accesses 9 --raw-numbers "$FIX/$f")
		diff -u "$FIX/$f.nr_regions" <(damonctl show --nr-regions --range 0,101,10 "$FIX/$f")
	done
	# damo leaves out each target's first 20 snapshots
	run damonctl show --wss --exclude-samples 40 "$FIX/perf.script"
	assert_success
	assert_line '# no snapshot'
	run damonctl show --summary --range 0,100,10 "$FIX/perf.script"
	assert_failure 2
	run damonctl show --wss --range 10,5,1 "$FIX/perf.script"
	assert_failure 2
	assert_output --partial 'give START,END,STEP'
}
