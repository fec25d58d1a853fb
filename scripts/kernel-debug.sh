# SPDX-License-Identifier: GPL-2.0
#
# kernel-debug.sh - the `debug` kernel of the matrix (KERNEL=debug), sourced
# by scripts/kernels.sh.  It is built on this machine from Debian's
# linux-source-6.12 by scripts/debug-kernel.sh (PREEMPT_RT, lockdep with
# raw-lock nesting checks, the atomic-sleep checks, KASAN, kmemleak, debug
# objects; see tests/vm/debug.config), cached under ~/.cache/damonrec, and
# its modules build on this machine with the host gcc-12 against that build
# tree (KERNEL_KDIR_debug in mk/debug-kernel.mk).

# Not in KERNELS, which make check builds for: its first build takes
# most of make check's time budget.  make check-kernels takes it too.
KERNELS_EXTRA="${KERNELS_EXTRA:-} debug"

# The matrix's kernel_suite, and debug's: "local" (nothing to fetch).
eval "_kernel_suite_matrix() $(declare -f kernel_suite | sed 1d)"
kernel_suite() {
	if [ "$1" = debug ]; then
		echo local
		return 0
	fi
	_kernel_suite_matrix "$1"
}

# kernel_dir_of debug: the cache directory (vmlinuz, config, zsmalloc.ko),
# building the kernel the first time.
kernel_dir_of() {
	[ "$1" = debug ] || return 1
	"$_kernels_here/debug-kernel.sh" || exit 1
}

# kernel_release_of debug: its release (uname -r).
kernel_release_of() {
	local d
	[ "$1" = debug ] || return 1
	d=$("$_kernels_here/debug-kernel.sh") || exit 1
	cat "$d/release"
}
