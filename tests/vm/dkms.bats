#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
#
# The DKMS package's modules, as "dkms build" made them for this kernel in
# its release's chroot (packaging/dkms-build.sh), load and record.

load /opt/damonrec/tests/lib/guest

ZIGZAG=/opt/damonrec/bin/zigzag
ADMIN=/sys/kernel/mm/damon/admin

setup() {
	DAMONREC_MODULES=$DAMONREC_ROOT/modules-dkms
	dmesg_mark
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	damonctl stop >/dev/null 2>&1 || true
	unload_damon_rec
}

@test "dkms: the modules DKMS built load, record a workload and unload" {
	local m
	for m in damon_rec damon_dyndbg; do
		tr '\0' '\n' <"$DAMONREC_MODULES/$m.ko" |
			grep -qF "vermagic=$(uname -r) " ||
			fail "$m.ko from DKMS is not built for $(uname -r)"
	done
	load_damon_rec
	module_loaded damon_dyndbg
	module_loaded damon_rec
	run damonctl record --buf 4096 -o dkms.data -- "$ZIGZAG" -s 16 -n 4 -t 300
	assert_success
	assert_output --regexp 'damonctl record: [1-9][0-9]* snapshots, .* 0 lost'
	run damonctl show --summary --json dkms.data
	assert_success
	assert_output --regexp '"snapshots":[1-9]'
	assert_equal "$(cat $ADMIN/kdamonds/nr_kdamonds)" 0
	unload_damon_rec
	! module_loaded damon_rec
	! module_loaded damon_dyndbg
	check_dmesg_clean
}
