#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh [--key] - build the `debug` test kernel once, cache it and
# print its cache directory.
#
# The kernel is Debian's linux-source-6.12 (the bookworm package, built with
# bookworm's own gcc-12) configured as `make tinyconfig` plus the fragment
# tests/vm/debug.config: what the test VM needs, DAMON, zsmalloc (a
# module), dynamic debug and tracepoints, PREEMPT_RT, lockdep with raw-lock
# nesting checks, the atomic-sleep checks, KASAN, kmemleak and debug
# objects.
#
# The cache directory ${DAMONREC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/damonrec}/
# debug-SOURCEVERSION-CONFIGHASH/ holds, once complete:
#   vmlinuz       the kernel image
#   config        its .config
#   zsmalloc.ko   zsmalloc, a module in this kernel
#   release       the kernel release (uname -r)
#   build/        the built source tree, a KDIR for external modules
#   build-times   "wall user sys" seconds of the build, and its log
#                 build.log
# CONFIGHASH covers the fragment, the compiler's version and the recipe
# number below, so a change to any of them builds anew; an unchanged one
# costs nothing.
#
# The build runs under `nice -n 15` with $DAMONREC_DEBUG_JOBS jobs
# (default 2).  Concurrent runs wait for each other (flock).  The source
# package comes from `make deps` (or apt-get install linux-source-6.12).
#
# --key  print the cache key (debug-SOURCEVERSION-CONFIGHASH) and exit
#
# Exit status: 0 with the directory on stdout, 1 when the build failed.

set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
frag=$top/tests/vm/debug.config
pkg=linux-source-6.12
tarball=/usr/src/$pkg.tar.xz
cc=gcc-12
jobs=${DAMONREC_DEBUG_JOBS:-2}
cache=${DAMONREC_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/damonrec}

die() {
	echo "debug-kernel.sh: $*" >&2
	exit 1
}

srcver=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null) || srcver=
[ -n "$srcver" ] && [ -r "$tarball" ] ||
	die "$pkg is not installed: run 'make deps' (or apt-get install $pkg)"
command -v "$cc" >/dev/null || die "$cc is missing: run 'make deps'"
# Bump recipe when a change below changes the kernel that comes out.
recipe=1
hash=$({ echo "$recipe"; cat "$frag"; "$cc" --version | head -n 1; } |
	sha256sum | cut -c1-12)
key=debug-${srcver//[^A-Za-z0-9.+-]/_}-$hash
if [ "${1:-}" = --key ]; then
	echo "$key"
	exit 0
fi
[ $# = 0 ] || die "usage: debug-kernel.sh [--key]"

dir=$cache/$key
complete() {
	[ -s "$dir/vmlinuz" ] && [ -s "$dir/release" ] && [ -s "$dir/build-times" ]
}
if complete; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache" || die "cannot create $cache"
exec 9>"$cache/.debug-kernel.lock"
flock 9
if complete; then
	echo "$dir"
	exit 0
fi

# A half-built tree from an interrupted run is built on, not thrown away:
# make picks up where it stopped.
mkdir -p "$dir"
log=$dir/build.log
src=$dir/build
kmake() {
	nice -n 15 make -C "$src" ARCH=x86_64 CC="$cc" HOSTCC="$cc" "$@" >>"$log" 2>&1
}
echo "debug-kernel.sh: building the debug kernel from $pkg $srcver in $dir" \
	"(about an hour on two cores; log: $log)" >&2
: >"$log"
start=${EPOCHREALTIME/./}
# CPU time of this shell's finished children so far (stat fields 16, 17).
read -r cu0 cs0 < <(cut -d' ' -f16,17 /proc/$$/stat)
if [ ! -e "$src/Makefile" ]; then
	rm -rf "$src" "$dir/linux-source-6.12"
	tar -xJf "$tarball" -C "$dir" || die "cannot extract $tarball"
	mv "$dir/linux-source-6.12" "$src"
fi
kmake tinyconfig || die "make tinyconfig failed (see $log)"
(cd "$src" && scripts/kconfig/merge_config.sh -m .config "$frag") >>"$log" 2>&1 ||
	die "cannot merge $frag (see $log)"
kmake olddefconfig || die "make olddefconfig failed (see $log)"
# Every option of the fragment must have survived Kconfig's dependencies.
lost=
while IFS= read -r line; do
	case $line in
	CONFIG_*=*) grep -qxF "$line" "$src/.config" || lost="$lost ${line%%=*}" ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		! grep -q "^$opt=" "$src/.config" || lost="$lost $opt"
		;;
	esac
done <"$frag"
[ -z "$lost" ] || die "the kernel's Kconfig did not take:$lost"

kmake -j"$jobs" bzImage modules || die "the kernel build failed (see $log)"
kmake modules_prepare || die "make modules_prepare failed (see $log)"
end=${EPOCHREALTIME/./}
# CPU time of every finished child of this shell (the whole build).
read -r cu cs < <(cut -d' ' -f16,17 /proc/$$/stat)
tck=$(getconf CLK_TCK)

cp "$src/arch/x86/boot/bzImage" "$dir/vmlinuz.tmp"
cp "$src/.config" "$dir/config"
zs=$(find "$src/mm" -name zsmalloc.ko | head -n 1)
[ -z "$zs" ] || cp "$zs" "$dir/zsmalloc.ko"
make -s -C "$src" ARCH=x86_64 kernelrelease >"$dir/release"
mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
printf '%d %d %d\n' $(((end - start) / 1000000)) \
	$(((cu - cu0) / tck)) $(((cs - cs0) / tck)) >"$dir/build-times"
echo "$dir"
