#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The small promises of damonctl(8) and of --help: global options after the
# command, help about help, one layout of the help texts, --buf ranges.

load helpers

COMMANDS=(record show status stop convert device debug "debug list" "debug set"
	  "debug stats" "debug load" "debug unload" "debug drop-cache")

@test "global options after the command: --version too" {
	for c in "${COMMANDS[@]}"; do
		# shellcheck disable=SC2086
		run damonctl $c --version
		assert_success
		assert_output --regexp '^damonctl [^ ]+ \(libdamonrec [^ ]+\)$'
	done
	run damonctl show --version --json
	assert_success
	echo "$output" | jq -e '.version and .library'
	# Nothing is run: no record is read.
	run damonctl show --version no-such-file
	assert_success
}

@test "help help and help --help are damonctl's help" {
	run damonctl --help
	want=$output
	for args in help "help help" "help --help" "help -h"; do
		# shellcheck disable=SC2086
		run damonctl $args
		assert_success
		assert_equal "$output" "$want"
	done
}

@test "every command's --help has the global options under one header" {
	for c in "${COMMANDS[@]}" ""; do
		# shellcheck disable=SC2086
		run damonctl $c --help
		assert_success
		assert_equal "$(grep -c '^ Global options (before or after the command):$' <<<"$output")" 1
		# The header, then the global options, --help among them.
		sed -n '/^ Global options/,/^$/p' <<<"$output" | grep -q -- '--version' ||
			fail "$c: no --version under the header"
		sed -n '/^ Global options/,/^$/p' <<<"$output" | grep -q -- '-h, --help' ||
			fail "$c: no --help under the header"
		# No line of blanks alone, no two empty lines in a row.
		refute_output --regexp $'(^|\n) +(\n|$)'
		[[ $output != *$'\n\n\n'* ]] || fail "$c: two empty lines in a row"
	done
}

@test "record --help: -- CMD [ARGS...] lines up with the options" {
	run damonctl record --help
	assert_line '  -- CMD [ARGS...]           Run CMD and monitor it'
	# The descriptions all start in the same column as the others.
	assert_line --regexp '^      --paddr                Monitor'
}

@test "show --help and show(8) agree on --min-accesses" {
	run damonctl show --help
	assert_output --partial '--wss and --summary: count regions with at least N'
	run grep -A4 'min\\-accesses " N"' "$TOP/man/damonctl-show.8"
	assert_output --partial '.B \-\-wss'
	assert_output --partial '.BR \-\-summary'
}

@test "--buf: record and device check the range the same way, and name it" {
	for c in record device; do
		tail=()
		[ $c = record ] && tail=(-o r.data -- true)
		for v in 5G 512 0 8M 4097K 99999999999999999999999; do
			run damonctl $c --buf "$v" --device /nonexistent "${tail[@]}"
			assert_failure 2
			assert_one_line
			assert_output "damonctl $c: --buf '$v': out of range; give 1K to 4M bytes (see 'damonctl $c --help')"
		done
		run damonctl $c --buf lots --device /nonexistent "${tail[@]}"
		assert_failure 2
		assert_output "damonctl $c: --buf 'lots': not a size; give 1K to 4M bytes, such as 4096, 64K or 1M (see 'damonctl $c --help')"
		# In range: the device is the next thing it needs.
		for v in 1K 4M 4096; do
			run damonctl $c --buf "$v" --device /nonexistent "${tail[@]}"
			assert_failure 4
		done
	done
}

@test "README: the first lines give the two commands, the plain build and the completion's place" {
	head=$(sed -n '1,/^## /p' "$TOP/README.md")
	# The two root commands stay first.
	first=$(grep -E '^    make ' <<<"$head" | head -n 3)
	assert_equal "$(sed -n 1p <<<"$first" | awk '{print $2}')" demo
	assert_equal "$(sed -n 2p <<<"$first" | awk '{print $2}')" check
	# Then the one-line build without the module, which does leave it out.
	assert_equal "$(sed -n 3p <<<"$first" | awk '{print $1, $2}')" "make WITH_MODULE=0"
	run make -C "$TOP" -n WITH_MODULE=0
	assert_success
	refute_output --partial 'driver/Kbuild'
	refute_output --partial '/modules-'
	# The completion is where the README says make install puts it.
	dir=$(grep -o '/usr/local/share/bash-completion/completions/damonctl' <<<"$head")
	[ -n "$dir" ] || fail "no completion path in the README's first lines"
	grep -q 'cli/damonctl.bash-completion' <<<"$head"
	run make -C "$TOP" -s -n install WITH_MODULE=0 DESTDIR=/x
	assert_output --partial "cli/damonctl.bash-completion /x$dir"
}
