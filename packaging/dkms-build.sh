#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-build.sh NAME RELEASE VERSION OUTDIR - build the DKMS package's
# modules for kernel NAME of the matrix (scripts/kernels.sh) as DKMS
# would on a machine running it: the tree "make install-dkms" installs,
# then "dkms add" and "dkms build -k RELEASE", in the kernel's own build
# chroot (scripts/chroot.sh; on this machine for bookworm-backports).
# DKMS works in private source and module trees under OUTDIR
# (--sourcetree, --dkmstree): nothing is registered with the chroot's or
# this machine's DKMS.  The modules it built land in OUTDIR/modules/
# (uncompressed), its log in OUTDIR/make.log; the tests/vm/dkms.bats test
# loads them in the VM.

set -eu

[ $# = 4 ] || { echo "usage: dkms-build.sh NAME RELEASE VERSION OUTDIR" >&2; exit 2; }
name=$1 rel=$2 version=$3 out=$4
pkg=damon-rec
mkdir -p "$out"
out=$(cd "$out" && pwd)
case $out in
"$PWD"/*) ;;
*) echo "dkms-build.sh: OUTDIR must be inside $PWD (the chroot sees only it)" >&2
	exit 2 ;;
esac

rm -rf "$out/src" "$out/dkms" "$out/modules"
mkdir -p "$out/src" "$out/dkms" "$out/modules"
${MAKE:-make} -s --no-print-directory install-dkms DESTDIR="$out/src" \
	DKMSSRCDIR="/$pkg-$version" >/dev/null

run=()
[ "$name" = bookworm-backports ] || run=(scripts/chroot.sh "$name")
dk=(--sourcetree "$out/src" --dkmstree "$out/dkms")
if ! "${run[@]}" /bin/sh -c "dkms add -m $pkg -v $version ${dk[*]} &&
	dkms build -m $pkg -v $version -k $rel ${dk[*]}" >"$out/dkms.log" 2>&1; then
	cat "$out/dkms.log" >&2
	cat "$out/dkms/$pkg/$version/build/make.log" >&2 2>/dev/null || true
	exit 1
fi
cp "$out/dkms/$pkg/$version/build/make.log" "$out/make.log" 2>/dev/null || true
for ko in "$out/dkms/$pkg/$version/$rel"/*/module/*.ko*; do
	[ -e "$ko" ] || continue
	base=${ko##*/}
	case $ko in
	*.xz) xz -dc "$ko" >"$out/modules/${base%.xz}" ;;
	*.zst) zstd -qdc "$ko" >"$out/modules/${base%.zst}" ;;
	*.gz) gzip -dc "$ko" >"$out/modules/${base%.gz}" ;;
	*) cp "$ko" "$out/modules/$base" ;;
	esac
done
for m in damon_rec damon_dyndbg; do
	[ -s "$out/modules/$m.ko" ] || {
		echo "dkms-build.sh: dkms built no $m.ko for $rel" >&2
		exit 1
	}
done
