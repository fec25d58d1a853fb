#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# The bash completion of damonctl (cli/damonctl.bash-completion).

load helpers

COMPLETION=$TOP/cli/damonctl.bash-completion

# complete WORDS...: the completions bash offers for the command line
# "damonctl WORDS", the last word being completed, one per line.
complete_line() {
	[ -f /usr/share/bash-completion/bash_completion ] ||
		skip "bash-completion is not installed"
	bash -c '
		. /usr/share/bash-completion/bash_completion
		. "$1"; shift
		COMP_WORDS=(damonctl "$@")
		COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
		COMP_LINE="${COMP_WORDS[*]}"
		COMP_POINT=${#COMP_LINE}
		_damonctl damonctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$COMPLETION" "$@"
}

@test "completion: commands" {
	run complete_line ""
	assert_success
	for c in record show status stop convert device help; do
		assert_line "$c"
	done
	run complete_line "co"
	assert_output convert
}

@test "completion: global options" {
	run complete_line "--j"
	assert_output --json
	run complete_line "--dev"
	assert_output --device
}

@test "completion: options of each command" {
	run complete_line record --pa
	assert_output --paddr
	run complete_line show --heat
	assert_line --heatmap
	assert_line --heatmap=
	run complete_line convert --input
	assert_output --input-format
	run complete_line device --no
	assert_output --no-path
	run complete_line status --js
	assert_output --json
}

@test "completion: option values" {
	run complete_line record --format ""
	assert_output $'damo\ndamo-json\nv2\nv3\nv4'
	run complete_line convert x --format j
	assert_output json
	run complete_line convert x --input-format pe
	assert_output perf-script
	run complete_line show --color a
	assert_output $'always\nauto'
}

@test "completion: file names where a file is expected" {
	mkdir sub
	touch damon.data heat.svg other.txt
	run complete_line show dam
	assert_output damon.data
	run complete_line convert damon.data -o oth
	assert_output other.txt
	run complete_line show --heatmap=he
	assert_output heat.svg
	run complete_line record -o su
	assert_output sub
}

@test "completion: the workload after -- is a command" {
	run complete_line record -- bas
	assert_line bash
}

@test "completion: help completes command names" {
	run complete_line help sh
	assert_output show
}

@test "completion: debug offers every subcommand and its -C option" {
	export DAMONCTL_HAVE_DEBUG=1
	run complete_line debug ""
	assert_output $'drop-cache\nlist\nload\nset\nstats\nunload'
	run complete_line debug --con
	assert_output --control
	run complete_line debug -C /dev/null ""
	assert_line unload
	run complete_line debug load --na
	assert_output --name
}

@test "completion: an abbreviated command completes as the command" {
	run complete_line rec --pa
	assert_output --paddr
	run complete_line sh --heat
	assert_line --heatmap
	run complete_line conv x --input-format pe
	assert_output perf-script
	# An ambiguous prefix completes nothing, as damonctl refuses it.
	run complete_line st --js
	assert_output ""
}

@test "completion: what it offers, damonctl takes" {
	gen -f v3 -n 2 -r 2 r.data
	run complete_line show --vers
	assert_output --version
	run damonctl show --version
	assert_success
	assert_output --regexp '^damonctl [^ ]+ \(libdamonrec [^ ]+\)$'
	# help offers the commands, not itself.
	run complete_line help ""
	refute_line help
	assert_line record
	run complete_line convert x --format v
	assert_output $'v2\nv3\nv4'
}
