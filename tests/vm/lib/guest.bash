# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the guest tests of the damonrec test VM.  Load from a .bats
# file with
#
#   load /opt/damonrec/tests/lib/guest
#
# which also loads bats-support and bats-assert (guest scripts outside bats
# may source it too, for the functions).  Everything the project
# ships into the VM is under /opt/damonrec ($DAMONREC_ROOT): modules/*.ko,
# bin/ (on PATH), tests/.  Files written under $VM_OUT come back to the host.
#
#   load_damon_rec [PARAM=VALUE...]  insmod damon_dyndbg.ko (when shipped)
#                                    and damon_rec.ko with the parameters
#   unload_damon_rec                 rmmod both, in reverse order
#   load_dyndbg / unload_dyndbg      damon_dyndbg.ko alone
#   module_loaded NAME               true when NAME is in /proc/modules
#   run_unprivileged CMD [ARG...]    run CMD as uid/gid 1000 (user "tester")
#                                    with no capabilities
#   dmesg_mark                       remember the end of the kernel log
#   check_dmesg_clean                fail, showing them, on Oops, BUG,
#                                    WARNING, panic or Call Trace lines in
#                                    the kernel log (after dmesg_mark, if
#                                    called in this test)
#   damon_write FILE VALUE           write VALUE to a DAMON sysfs FILE,
#                                    again while the kernel says EBUSY for
#                                    a moment (its damon_sysfs_lock is
#                                    taken with mutex_trylock, and every
#                                    kdamond holds it briefly each
#                                    aggregation), two seconds at most
#   damon_read FILE                  print a DAMON sysfs FILE (pid is one
#                                    that says EBUSY), retried the same way
#   damon_retry CMD [ARG...]         run CMD, again while it fails with
#                                    EBUSY, as the two above do

if declare -F load >/dev/null; then
	load '/usr/lib/bats/bats-support/load'
	load '/usr/lib/bats/bats-assert/load'
fi

DAMONREC_ROOT=/opt/damonrec
DAMONREC_MODULES=$DAMONREC_ROOT/modules
DAMONREC_UNPRIV_UID=1000

module_loaded() {
	grep -q "^$1 " /proc/modules
}

# _insmod NAME [PARAM...]: load modules/NAME.ko unless already loaded.
_insmod() {
	local name=$1 ko=$DAMONREC_MODULES/$1.ko
	shift
	module_loaded "$name" && return 0
	if [ ! -e "$ko" ]; then
		echo "$ko is not in the VM: is it in VM_PAYLOAD and built?" >&2
		return 1
	fi
	insmod "$ko" "$@" || {
		echo "insmod $ko failed" >&2
		return 1
	}
}

_rmmod() {
	module_loaded "$1" || return 0
	rmmod "$1" || {
		echo "rmmod $1 failed" >&2
		return 1
	}
}

load_dyndbg() {
	_insmod damon_dyndbg "$@"
}

unload_dyndbg() {
	_rmmod damon_dyndbg
}

load_damon_rec() {
	if [ -e "$DAMONREC_MODULES/damon_dyndbg.ko" ]; then
		load_dyndbg || return 1
	fi
	_insmod damon_rec "$@"
}

unload_damon_rec() {
	_rmmod damon_rec || return 1
	unload_dyndbg
}

run_unprivileged() {
	runas "$DAMONREC_UNPRIV_UID" "$@"
}

dmesg_mark() {
	_DMESG_MARK=$(dmesg | wc -l)
}

check_dmesg_clean() {
	local bad
	bad=$(dmesg | tail -n +"$((${_DMESG_MARK:-0} + 1))" |
		grep -v -e 'Command line:' -e 'Kernel command line:' |
		grep -E 'Oops|BUG|WARNING|panic|Call Trace') || true
	if [ -n "$bad" ]; then
		echo "kernel log trouble:" >&2
		echo "$bad" >&2
		return 1
	fi
}

# damon_retry CMD...: run CMD, its standard output passing through, again
# while it fails saying EBUSY, 200 times 10 ms at most.
damon_retry() {
	local i err
	for i in $(seq 200); do
		{ err=$("$@" 2>&1 >&5); } 5>&1 && return 0
		[[ $err == *"Device or resource busy"* ]] || break
		sleep 0.01
	done
	echo "$err" >&2
	return 1
}

_damon_put() {
	printf '%s\n' "$2" >"$1"
}

damon_write() {
	damon_retry _damon_put "$1" "$2"
}

damon_read() {
	damon_retry cat "$1"
}
