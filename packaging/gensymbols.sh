#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Keep packaging/debian/libdamonrec0.symbols in step with the library.
#
#   packaging/gensymbols.sh [--check] LIBRARY VERSION SYMBOLS-FILE
#
# Lists every symbol LIBRARY (the built libdamonrec.so.X.Y.Z) exports, with
# its symbol version, in dpkg-gensymbols(1) format.  A symbol the file
# already lists keeps the version it was added in; a new one gets VERSION.
# Without --check the file is rewritten and the changes are printed; with
# --check nothing is written, and the exit status is 1 when the file is not
# up to date (the differences are printed).  The Debian package build
# enforces the same (DPKG_GENSYMBOLS_CHECK_LEVEL=4 in debian/rules).

set -euo pipefail

check=0
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
[ $# -eq 3 ] || { echo "usage: $0 [--check] LIBRARY VERSION SYMBOLS-FILE" >&2; exit 2; }
lib=$1
version=$2
file=$3

soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ -n "$soname" ] || { echo "$lib has no SONAME" >&2; exit 1; }
# libfoo.so.0 -> package libfoo0 (Debian policy 8.1).
base=${soname%%.so.*}
sover=${soname##*.so.}
case $base in
*[0-9]) pkg=$base-$sover ;;
*) pkg=$base$sover ;;
esac

# name@VERSION-NODE for every defined dynamic symbol; the version node
# itself is listed as NODE@NODE, as dpkg-gensymbols does.
exported=$(nm -D --defined-only "$lib" |
	awk 'NF == 3 { s = $3; if ($2 == "A") s = s "@" s; sub(/@@/, "@", s); print s }' |
	LC_ALL=C sort -u)
[ -n "$exported" ] || { echo "$lib exports no symbols" >&2; exit 1; }

declare -A since=()
if [ -f "$file" ]; then
	while read -r sym ver _; do
		since[$sym]=$ver
	done < <(grep '^ ' "$file")
fi

new=$(mktemp)
trap 'rm -f "$new"' EXIT
{
	echo "$soname $pkg #MINVER#"
	echo "* Build-Depends-Package: ${base}-dev"
	while read -r sym; do
		echo " $sym ${since[$sym]:-$version}"
	done <<<"$exported"
} >"$new"

if [ -f "$file" ] && cmp -s "$new" "$file"; then
	exit 0
fi
if [ -f "$file" ]; then
	diff -u "$file" "$new" || true
else
	diff -u /dev/null "$new" || true
fi
if [ $check = 1 ]; then
	echo "$file is out of date: run 'make deb-symbols' and review the changes" >&2
	exit 1
fi
cp "$new" "$file"
