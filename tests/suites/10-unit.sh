#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# libdamonrec: the C unit tests (tests/unit/test_*.c), run plain and built
# with ASan+UBSan, one TAP line per check; then the shared library's ABI
# (SONAME, exactly the public symbols exported) and its install rules.

set -u
cd "$(dirname "$0")/../.." || exit 1

MAKE=${MAKE:-make}
BUILD=${BUILD:-build}
n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tap() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
	fi
}

if ! $MAKE --no-print-directory -s BUILD="$BUILD" unit-tests lib \
		>"$tmp/build.log" 2>&1; then
	tap 1 "build the library and the unit tests"
	sed 's/^/# /' "$tmp/build.log"
	exit 1
fi
tap 0 "build the library and the unit tests"

for variant in plain asan; do
	for t in "$BUILD"/tests/unit/$variant/test_*; do
		name=${t##*/}
		"$t" >"$tmp/out" 2>&1
		rc=$?
		failed=0
		while IFS= read -r line; do
			case $line in
			"ok "*) tap 0 "$variant/$name: ${line#* - }" ;;
			"not ok "*) tap 1 "$variant/$name: ${line#* - }"; failed=1 ;;
			1..*) ;;
			*) echo "# $line" ;;
			esac
		done <"$tmp/out"
		if [ $rc != 0 ] && [ $failed = 0 ]; then
			tap 1 "$variant/$name exited with status $rc"
		fi
	done
done

# ABI: SONAME, and exactly the functions of lib/damonrec.h exported.
so=$BUILD/lib/libdamonrec.so
soname=$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = libdamonrec.so.0 ]
tap $? "abi: SONAME is libdamonrec.so.0 (got '$soname')"
nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ { sub(/@.*/, "", $3); print $3 }' |
	sort -u >"$tmp/exported"
grep -oE '\bdamonrec_[a-z0-9_]+\(' lib/damonrec.h | tr -d '(' | sort -u \
	>"$tmp/declared"
extra=$(comm -23 "$tmp/exported" "$tmp/declared" | tr '\n' ' ')
missing=$(comm -13 "$tmp/exported" "$tmp/declared" | tr '\n' ' ')
[ -z "$extra" ]
tap $? "abi: nothing but the public API is exported${extra:+ (extra: $extra)}"
[ -z "$missing" ]
tap $? "abi: every function of damonrec.h is exported${missing:+ (missing: $missing)}"

# Install into a staging directory, build a program with pkg-config, run it.
dest=$tmp/stage
if $MAKE --no-print-directory -s BUILD="$BUILD" DESTDIR="$dest" PREFIX=/usr \
		install-lib >"$tmp/install.log" 2>&1; then
	tap 0 "install: make install-lib DESTDIR=... PREFIX=/usr"
else
	tap 1 "install: make install-lib DESTDIR=... PREFIX=/usr"
	sed 's/^/# /' "$tmp/install.log"
fi
for f in usr/include/damonrec.h usr/include/linux/damon_rec.h \
	 usr/lib/libdamonrec.so.0.1.0 usr/lib/libdamonrec.so.0 \
	 usr/lib/libdamonrec.so usr/lib/libdamonrec.a \
	 usr/lib/pkgconfig/libdamonrec.pc; do
	[ -e "$dest/$f" ]
	tap $? "install: /$f"
done
cat >"$tmp/prog.c" <<'PROG'
#include <damonrec.h>
#include <linux/damon_rec.h>
int main(void)
{
	enum damonrec_format f;

	if (damonrec_format_parse("v3", &f) || f != DAMON_REC_FMT_V3)
		return 1;
	puts(damonrec_version_string());
	return 0;
}
PROG
flags=$(PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_LIBDIR=$dest/usr/lib/pkgconfig \
	pkg-config --cflags --libs libdamonrec 2>&1)
version=$(${CC:-cc} -Wall -Werror -o "$tmp/prog" "$tmp/prog.c" $flags 2>&1 &&
	LD_LIBRARY_PATH=$dest/usr/lib "$tmp/prog")
[ "$version" = "$(sed -n 's/^VERSION := //p' mk/config.mk)" ]
tap $? "install: a program builds with pkg-config ($flags) and runs (got '$version')"
$MAKE --no-print-directory -s BUILD="$BUILD" DESTDIR="$dest" PREFIX=/usr \
	uninstall-lib >/dev/null 2>&1
left=$(find "$dest" -type f -o -type l | sed "s|^$dest||" | tr '\n' ' ')
[ -z "$left" ]
tap $? "install: make uninstall-lib removes it all${left:+ (left: $left)}"
