#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh [RELEASE] - make sure the VM kernel is in the cache and print
# the cache directory.
#
# The directory ${XDG_CACHE_HOME:-$HOME/.cache}/damonrec/RELEASE/ (outside
# the source tree, shared by every clone; /tmp/.cache without HOME)
# receives, once per release:
#   vmlinuz       the kernel image
#   zsmalloc.ko   decompressed from the package's zsmalloc.ko.xz
#   config        the kernel's build configuration
# taken from the linux-image-RELEASE package, fetched with apt-get download.
# RELEASE defaults to the current bookworm-backports cloud kernel.

set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
rel=${1:-$("$top/scripts/kver.sh")}
cache=${DAMONREC_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/damonrec}
dir=$cache/$rel

if [ -s "$dir/vmlinuz" ] && [ -s "$dir/zsmalloc.ko" ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
# As root, apt would download as _apt, which cannot write under $HOME.
sandbox=
[ "$(id -u)" != 0 ] || sandbox="-o APT::Sandbox::User=root"

pkg=linux-image-$rel
echo "kernel.sh: downloading $pkg into $dir" >&2
if ! (cd "$work" && apt-get download -q $sandbox "$pkg" >&2); then
	echo "kernel.sh: 'apt-get download $pkg' failed; run 'apt-get update'" \
		"(or 'make deps') and retry" >&2
	exit 1
fi
deb=$(ls "$work"/*.deb)
mkdir "$work/x"
dpkg-deb --fsys-tarfile "$deb" |
	tar -x -C "$work/x" --wildcards '*/vmlinuz-*' '*/config-*' '*/zsmalloc.ko*'

vmlinuz=$(find "$work/x" -name "vmlinuz-$rel" | head -n 1)
config=$(find "$work/x" -name "config-$rel" | head -n 1)
zs=$(find "$work/x" -name 'zsmalloc.ko*' | head -n 1)
if [ -z "$vmlinuz" ] || [ -z "$zs" ]; then
	echo "kernel.sh: $pkg has no vmlinuz or zsmalloc module" >&2
	exit 1
fi

mkdir -p "$work/out"
cp "$vmlinuz" "$work/out/vmlinuz"
[ -z "$config" ] || cp "$config" "$work/out/config"
case $zs in
*.xz) xz -dc "$zs" >"$work/out/zsmalloc.ko" ;;
*.zst) zstd -qdc "$zs" >"$work/out/zsmalloc.ko" ;;
*.gz) gzip -dc "$zs" >"$work/out/zsmalloc.ko" ;;
*) cp "$zs" "$work/out/zsmalloc.ko" ;;
esac

# Publish atomically: a concurrent run sees all files or none.  When two
# runs fetch at once, the first one's directory stays.
complete() {
	[ -s "$dir/vmlinuz" ] && [ -s "$dir/zsmalloc.ko" ]
}
complete || rm -rf "$dir"
if ! mv -T "$work/out" "$dir" 2>/dev/null && ! complete; then
	echo "kernel.sh: cannot create $dir" >&2
	exit 1
fi
echo "$dir"
