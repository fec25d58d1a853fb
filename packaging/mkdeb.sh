#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the Debian packages from a copy of the source tree.
#
#   packaging/mkdeb.sh OUTDIR VERSION [BUILDDIR]
#
# Run from the top of the source tree.  The files of the tree (those git
# knows about, or every file outside .git and build directories when this is
# not a git checkout; never anything under BUILDDIR) are copied to OUTDIR/damonrec-VERSION with
# packaging/debian as debian/, and dpkg-buildpackage builds the source and
# binary packages there, so they land in OUTDIR and the source tree stays
# clean.  A build whose sources have not changed since the last successful
# one is reused; FORCE=1 rebuilds anyway.
#
# Environment: DEB_BUILD_OPTIONS is passed on (e.g. nocheck, parallel=2);
# DPKG_BUILDPACKAGE_ARGS adds arguments (e.g. -b for binary packages only).

set -euo pipefail

die() {
	echo "mkdeb: $*" >&2
	exit 1
}

[ $# -eq 2 ] || [ $# -eq 3 ] || die "usage: $0 OUTDIR VERSION [BUILDDIR]"
out=$1
version=$2
builddir=${3:-build}
builddir=${builddir#./}
builddir=${builddir%/}
case $out in
"" | / | .) die "refusing to use '$out' as the output directory" ;;
esac

[ -f packaging/debian/changelog ] || die "run from the top of the source tree"
command -v dpkg-buildpackage >/dev/null ||
	die "dpkg-buildpackage not found: run 'make deps' (or apt-get install dpkg-dev debhelper dh-dkms)"

# The package version comes from the changelog; it must be the project's.
changelog_version=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
[ "$changelog_version" = "$version" ] ||
	die "packaging/debian/changelog is at $changelog_version but VERSION is $version: add a changelog entry (dch -v $version)"

# Files that make up the source package, NUL-separated, sorted.
list_sources() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do
				[ -f "$f" ] && printf '%s\0' "$f"
			done
	else
		find . \( -path ./.git -o -path ./build -o -path "./$builddir" \) -prune \
			-o -type f -printf '%P\0'
	fi | grep -zv -e '^build/' -e "^$builddir/" -e '^debian/' | sort -z
}

mapfile -d '' files < <(list_sources)
[ ${#files[@]} -gt 0 ] || die "no source files found"

# Hash of every file's name, mode and content: the reuse key.
hash=$( (printf '%s\n' "$version"
	for f in "${files[@]}"; do
		printf '%s %s\n' "$(stat -c %a "$f")" "$f"
		sha256sum <"$f"
	done) | sha256sum | cut -d' ' -f1)

# One build at a time into the same directory.
mkdir -p "$(dirname "$out")"
exec 8>"$out.lock"
flock 8

changes=$out/damonrec_${version}_$(dpkg-architecture -qDEB_HOST_ARCH).changes
stamp=$out/.source-hash
if [ "${FORCE:-0}" != 1 ] && [ -f "$changes" ] && [ -f "$stamp" ] &&
	[ "$(cat "$stamp")" = "$hash" ]; then
	echo "mkdeb: packages in $out are up to date with the sources"
	exit 0
fi

src=$out/damonrec-$version
rm -rf "$out"
mkdir -p "$src"
printf '%s\0' "${files[@]}" | tar -c --null -T - -f - | tar -x -C "$src" -f -
cp -a packaging/debian "$src/debian"

echo "mkdeb: building in $src"
# The package build runs make in the copy with the settings debian/rules
# chooses: none of the calling make's variables (BUILD, PREFIX, DESTDIR...,
# in the environment or in MAKEFLAGS) may leak into it.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS
unset BUILD CC CFLAGS CPPFLAGS LDFLAGS PREFIX EXEC_PREFIX BINDIR SBINDIR \
	LIBDIR INCLUDEDIR DATAROOTDIR MANDIR PKGCONFIGDIR BASHCOMPDIR \
	UDEVRULESDIR DKMSSRCDIR DESTDIR INSTALL KDIR WITH_MODULE DAMONCTL_SHARED
# shellcheck disable=SC2086 # DPKG_BUILDPACKAGE_ARGS is a list of words
(cd "$src" && dpkg-buildpackage -us -uc ${DPKG_BUILDPACKAGE_ARGS:-})

[ -f "$changes" ] || changes=$(ls "$out"/damonrec_"$version"_*.changes 2>/dev/null | head -n1)
if [ -z "$changes" ] || [ ! -f "$changes" ]; then
	die "dpkg-buildpackage made no .changes file"
fi
echo "$hash" >"$stamp"
echo "mkdeb: packages in $out:"
ls -1 "$out"/*.deb
