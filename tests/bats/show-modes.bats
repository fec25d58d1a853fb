#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# damonctl show: what its modes promise, on good records and on bad ones.

load helpers

@test "show: two output modes are refused with one line naming both" {
	gen -f v3 -n 3 -r 4 r.data
	for pair in "--summary --wss" "--wss --summary" "--heatmap --summary" \
		    "--wss --heatmap=h.svg"; do
		# shellcheck disable=SC2086
		run damonctl show $pair r.data
		assert_failure 2
		assert_one_line
		set -- $pair
		assert_output --partial "${1%%=*} and ${2%%=*} are two output modes: give one"
	done
	# The same mode twice is still one mode.
	run damonctl show --summary --summary r.data
	assert_success
}

@test "show --heatmap on a truncated record: the map of what decodes, then exit 3" {
	gen -f v2 -n 10 -r 4 r.data
	head -c $((20 + 6 * 112 + 50)) r.data > cut.data
	msg="cut.data: cut short at byte $((20 + 6 * 112)) after 6 good snapshots"
	run damonctl show --heatmap --color never cut.data
	assert_failure 3
	assert_output --partial '# x-axis: address'
	assert_output --partial 'legend:'
	assert_line --index 0 --partial '# heatmap of cut.data'
	assert_equal "${lines[-1]}" "damonctl show: $msg: v2 snapshot at offset $((20 + 6 * 112)): file ends inside it (needs 62 more bytes)"
	rows=$(printf '%s\n' "$output" | grep -c '|[0-9]*|$')
	assert_equal "$rows" 6
	run damonctl show --heatmap=heat.svg cut.data
	assert_failure 3
	assert_line --index 0 'wrote heat.svg (6 x 100 cells)'
	assert_line --index 1 --partial "$msg"
	grep -q '</svg>' heat.svg
	# --json: the map on stdout, the error on stderr as in every mode.
	run bash -c "'$DAMONCTL' show --heatmap --json cut.data 2>err"
	assert_failure 3
	echo "$output" | jq -e '(.rows | length) == 6'
	jq -e ".error | test(\"$msg\")" err
}

@test "show --pretty indents the records too" {
	gen -f v3 -n 2 -r 2 r.data
	run damonctl show --pretty r.data
	assert_success
	assert_line --index 0 '{'
	assert_line --index 1 '    "format": "damonrec",'
	assert_line '    "snapshots": ['
	assert_line '            "time_ns": 1700000000000000000,'
	assert_line '    "intervals": {'
	assert_equal "$(echo "$output" | jq -c .)" "$(damonctl show --json r.data | jq -c .)"
	run bash -c "'$DAMONCTL' show --pretty r.data > /dev/full"
	assert_failure 1
	assert_output --partial 'No space left on device'
}

@test "show --resolution: never more time rows than snapshots" {
	gen -f v3 -n 7 -r 4 r.data
	run damonctl show --heatmap --color never --resolution 1000x10 r.data
	assert_success
	assert_equal "$(printf '%s\n' "$output" | grep -c '|[0-9]*|$')" 7
	run damonctl show --heatmap=h.svg --resolution 1000x10 r.data
	assert_success
	assert_output 'wrote h.svg (7 x 10 cells)'
	run damonctl show --heatmap --json --resolution 1000x10 r.data
	echo "$output" | jq -e '(.rows | length) == 7'
}

@test "show --summary: a boot-relative time is no date" {
	cat > perf.txt <<-'EOT'
	          zigzag  1234 [001]   539.914000:  damon:damon_aggregated: target_id=0 nr_regions=1 140731667070976-140731668037632: 5 3
	          zigzag  1234 [001]   540.014000:  damon:damon_aggregated: target_id=0 nr_regions=1 140731667070976-140731668037632: 2 4
	EOT
	run damonctl show --summary perf.txt
	assert_success
	assert_line 'start:      8 m 59.914 s after boot (perf'"'"'s clock, not a date)'
	refute_output --partial 1970
	run damonctl show --summary --json perf.txt
	echo "$output" | jq -e '.clock == "perf" and .first_ns == 539914000000'
	# Converted, the times stay boot-relative: still no date.
	damonctl convert perf.txt -o p.v3
	run damonctl show --summary p.v3
	assert_line 'start:      8 m 59.914 s after the clock'"'"'s zero (an unknown clock, not a date)'
	# A recorder's wall-clock time is a date.
	gen -f v3 -n 2 -r 2 r.data
	run env TZ=UTC "$DAMONCTL" show --summary r.data
	assert_line 'start:      2023-11-14 22:13:20.000 (wall clock, local time)'
	run damonctl show --summary --json r.data
	echo "$output" | jq -e '.clock == "realtime"'
}

@test "show: filters that match nothing say so" {
	gen -f v3 -n 20 -r 3 -t 2 r.data
	msg="damonctl show: r.data: nothing matched the filters: its 20 snapshots span 0 to 1.900 s, with target ids 0 1"
	for args in "--time-range 100s-" "--target 5" "--summary --target 5" \
		    "--wss --time-range 100s-" "--heatmap --target 5" \
		    "--csv --address-range 0x1000-0x2000"; do
		# shellcheck disable=SC2086
		run damonctl show $args r.data
		assert_failure 1
		assert_line "$msg"
	done
	run damonctl show --target 1 --time-range 1s- r.data
	assert_success
}

@test "show --wss --json: the average in whole bytes, as every size" {
	gen -f v3 -n 7 -r 5 r.data
	run damonctl show --wss --exclude-samples 0 --json r.data
	assert_success
	# The hot region at 0 1 2 3 4 3 2: 4, 6, 6, 6, 4, 6, 6 MiB; 38 MiB / 7.
	echo "$output" | jq -e '.average == 5692269'
	refute_output --regexp '[0-9]e[+-]?[0-9]'
	# damo's text: the float mean, truncated
	run damonctl show --wss --exclude-samples 0 --raw-numbers r.data
	assert_line "# avr:	5692269"
}

@test "show --heatmap=FILE.svg: address labels clear of the axis title and the edge" {
	gen -f v3 -n 30 -r 8 r.data
	# Kernel-half addresses give the widest labels, 16 digits.
	{
		echo time_ns,kdamond,target,start,end,nr_accesses,age
		echo 1000000000,0,0,18446612682702848000,18446612682704945152,5,0
		echo 1100000000,0,0,18446612682702848000,18446612682704945152,9,1
	} > wide.csv
	for f in r.data wide.csv; do
		run damonctl show --heatmap=heat.svg "$f"
		assert_success
		# The rotated axis title: centred on x, 12 px high once rotated.
		tx=$(sed -n 's/^<text x="\([0-9.]*\)".*rotate(-90.*>address (.*/\1/p' heat.svg)
		[ -n "$tx" ] || fail "no address axis title"
		n=0
		while read -r x text; do
			n=$((n + 1))
			# Monospace: 0.6 em a character, so the left edge is known.
			left=$(awk -v x="$x" -v n="${#text}" 'BEGIN { print x - n * 7.2 }')
			awk -v l="$left" -v t="$tx" 'BEGIN { exit !(l > t + 6 + 4 && l >= 0) }' ||
				fail "label $text from x $left runs into the title at $tx"
		done < <(sed -n 's/^<text x="\([0-9.]*\)"[^>]*text-anchor="end" font-family="monospace">\(0x[0-9a-f]*\)<.*/\1 \2/p' heat.svg)
		assert_equal "$n" 5
	done
}
