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
