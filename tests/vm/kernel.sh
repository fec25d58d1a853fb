#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh [NAME|RELEASE] - make sure the VM kernel NAME of the matrix
# (scripts/kernels.sh; default $KERNEL, else bookworm-backports) is in the
# cache and print the cache directory.  A RELEASE (it starts with a digit,
# e.g. 6.1.0-57-amd64) names a kernel of the machine's own apt sources.
#
# The directory ${XDG_CACHE_HOME:-$HOME/.cache}/damonrec/RELEASE/ (outside
# the source tree, shared by every clone; /tmp/.cache without HOME), with
# RELEASE the kernel's current release (scripts/kver.sh), receives, once:
#   vmlinuz       the kernel image
#   config        the kernel's build configuration
#   zsmalloc.ko   decompressed from the package's zsmalloc.ko.xz, when
#                 zsmalloc is a module (CONFIG_ZSMALLOC=m); trixie-rt and
#                 sid build it in and have none
# taken from the linux-image-RELEASE package, or where the image is split
# (sid) from linux-binary-RELEASE and linux-base-RELEASE, fetched with apt-get download: from the
# machine's apt for bookworm-backports, from the private package lists of
# scripts/kernels.sh for the others.

set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/kernels.sh"
name=${1:-${KERNEL:-$KERNEL_DEFAULT}}
case $name in
[0-9]*)
	# A release, not a name: a kernel of the machine's own apt sources,
	# such as the stock 6.1 kernel of tests/suites/71-driver-nodamon.sh.
	rel=$name
	suite=bookworm-backports
	;;
*)
	kernel_check "$name" || exit 1
	if declare -F kernel_dir_of >/dev/null && kernel_dir_of "$name"; then
		exit 0
	fi
	rel=$("$top/scripts/kver.sh" "$name")
	suite=$(kernel_suite "$name")
	;;
esac
dir=$cache/$rel

# complete: the directory has all it should.
complete() {
	[ -s "$dir/vmlinuz" ] && [ -s "$dir/config" ] &&
		{ [ -s "$dir/zsmalloc.ko" ] ||
			grep -q '^CONFIG_ZSMALLOC=y' "$dir/config"; }
}

if complete; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
# As root, apt would download as _apt, which cannot write under $HOME.
sandbox=
[ "$(id -u)" != 0 ] || sandbox="-o APT::Sandbox::User=root"

# get PKG: download PKG into $work.
if [ "$suite" = bookworm-backports ]; then
	get() {
		(cd "$work" && apt-get download -q $sandbox "$1" >&2)
	}
	has() {
		apt-cache show "$1" >/dev/null 2>&1
	}
else
	get() {
		(cd "$work" && kapt "$suite" apt-get download -q "$1" >&2)
	}
	has() {
		kapt "$suite" apt-cache show "$1" >/dev/null 2>&1
	}
fi
pkgs=(linux-image-$rel)
for p in linux-binary linux-base; do
	! has "$p-$rel" || pkgs+=("$p-$rel")
done
echo "kernel.sh: downloading ${pkgs[*]} into $dir" >&2
for pkg in "${pkgs[@]}"; do
	if ! get "$pkg"; then
		echo "kernel.sh: 'apt-get download $pkg' failed; run 'apt-get update'" \
			"(or 'make deps') and retry" >&2
		exit 1
	fi
done
mkdir "$work/x"
for deb in "$work"/*.deb; do
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" --wildcards \
		'*/vmlinuz*' '*/config*' '*/zsmalloc.ko*' 2>/dev/null || true
done

# boot/vmlinuz-RELEASE, or (split images) usr/lib/modules/RELEASE/vmlinuz.
vmlinuz=$(find "$work/x" -path "*/vmlinuz-$rel" -o -path "*/$rel/vmlinuz" |
	head -n 1)
config=$(find "$work/x" -path "*/config-$rel" -o -path "*/$rel/config" |
	head -n 1)
zs=$(find "$work/x" -name 'zsmalloc.ko*' | head -n 1)
if [ -z "$vmlinuz" ] || [ -z "$config" ]; then
	echo "kernel.sh: ${pkgs[*]} hold no vmlinuz or config" >&2
	exit 1
fi
if [ -z "$zs" ] && ! grep -q '^CONFIG_ZSMALLOC=y' "$config"; then
	echo "kernel.sh: ${pkgs[*]} hold no zsmalloc module, and the kernel" \
		"does not build zsmalloc in" >&2
	exit 1
fi

mkdir -p "$work/out"
cp "$vmlinuz" "$work/out/vmlinuz"
cp "$config" "$work/out/config"
case $zs in
'') ;;
*.xz) xz -dc "$zs" >"$work/out/zsmalloc.ko" ;;
*.zst) zstd -qdc "$zs" >"$work/out/zsmalloc.ko" ;;
*.gz) gzip -dc "$zs" >"$work/out/zsmalloc.ko" ;;
*) cp "$zs" "$work/out/zsmalloc.ko" ;;
esac

# Publish atomically: a concurrent run sees all files or none.  When two
# runs fetch at once, the first one's directory stays.
complete || rm -rf "$dir"
if ! mv -T "$work/out" "$dir" 2>/dev/null && ! complete; then
	echo "kernel.sh: cannot create $dir" >&2
	exit 1
fi
echo "$dir"
