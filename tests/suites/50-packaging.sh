#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Packaging suite (TAP on stdout).
#
#  1. "make install DESTDIR=... PREFIX=..." puts every file where the GNU
#     directory conventions say, with working SONAME links, pkg-config file,
#     uAPI header, udev rule, man pages and bash completion; "make
#     uninstall" removes every one of them.
#  2. The Debian packages build ("make deb", reused when the sources did not
#     change) and lintian reports no error and no warning.
#  3. As root: the packages install with dpkg; damonctl runs from PATH;
#     pkg-config finds the library; a small program compiles, links and runs
#     against it; the bash completion loads; DKMS builds both modules against
#     the 6.12 cloud kernel headers.  Then everything is purged and nothing
#     may be left behind.
#
# Nothing is ever loaded into the running kernel: DKMS only builds.  DKMS's
# automatic build at package configuration (for every kernel in /lib/modules,
# about half a minute each) is switched off for the duration of the install
# by /etc/dkms/no-autoinstall, unless that file already exists; the test
# drives "dkms add" and "dkms build" itself.
#
# Environment: BUILD (default build), KEEP_TMP=1 keeps the scratch directory.

set -u

cd "$(dirname "$0")/../.." || exit 1
top=$(pwd)
BUILD=${BUILD:-build}
case $BUILD in
/*) ;;
*) BUILD=$top/$BUILD ;;
esac
export LC_ALL=C DEBIAN_FRONTEND=noninteractive
MAKE=${MAKE:-make}

version=$(sed -n 's/^VERSION[[:space:]]*:*=[[:space:]]*//p' mk/config.mk)
soversion=$(sed -n 's/^LIB_SOVERSION[[:space:]]*:*=[[:space:]]*//p' mk/config.mk)
packages=(damon-rec-dkms libdamonrec0 libdamonrec-dev damonctl)
dkms_name=damon-rec
deb_out=$BUILD/deb

tmp=$(mktemp -d "${TMPDIR:-/tmp}/damonrec-pkg.XXXXXX")
log=$tmp/log
n=0
failed=0
created_noauto=
installed=

ok() {
	n=$((n + 1))
	echo "ok $n - $*"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $*"
}

# Show the end of the last command's log as TAP comments.
show_log() {
	[ -s "$log" ] && tail -n 30 "$log" | sed 's/^/# /'
	return 0
}

# step DESCRIPTION COMMAND...: one TAP line for one command, its output in
# the log (shown on failure).
step() {
	local desc=$1 t0=$SECONDS
	shift
	if "$@" >"$log" 2>&1; then
		ok "$desc"
		[ $((SECONDS - t0)) -lt 5 ] || echo "# $((SECONDS - t0)) s"
		return 0
	fi
	not_ok "$desc"
	show_log
	return 1
}

pkg_installed() {
	dpkg-query -W -f '${db:Status-Status}\n' "$1" 2>/dev/null | grep -qvx 'not-installed'
}

# dpkg, waiting up to two minutes for another package manager to finish.
dpkg_wait() {
	local try
	for try in $(seq 24); do
		dpkg "$@" && return 0
		grep -q 'locked by another process' "$log" 2>/dev/null || return 1
		echo "# dpkg is locked, waiting ($try)" >&2
		sleep 5
	done
	return 1
}

purge_packages() {
	local p present=()
	for p in "${packages[@]}"; do
		pkg_installed "$p" && present+=("$p")
	done
	[ ${#present[@]} -eq 0 ] && return 0
	dpkg --purge "${present[@]}"
}

cleanup() {
	if [ -n "$installed" ]; then
		purge_packages >/dev/null 2>&1
	fi
	[ -n "$created_noauto" ] && rm -f /etc/dkms/no-autoinstall
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		echo "# scratch directory kept: $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ----------------------------------------------------------------------
# 1. make install / make uninstall
# ----------------------------------------------------------------------

# files_under DIR: every non-directory under DIR, relative, sorted.
files_under() {
	(cd "$1" && find . ! -type d -printf '%P\n' | sort)
}

# check_install ROOT PREFIX LIBDIR MANDIR: the file list of one install.
check_install() {
	local root=$1 prefix=${2#/} libdir=${3#/} mandir=${4#/} f bad=0

	for f in "$prefix/bin/damonctl" \
		"$libdir/libdamonrec.so.$version" \
		"$prefix/include/damonrec.h" \
		"$prefix/include/linux/damon_rec.h" \
		"$libdir/pkgconfig/libdamonrec.pc" \
		"$mandir/man8/damonctl.8" \
		"$mandir/man3/libdamonrec.3" \
		"$mandir/man4/damon_rec.4" \
		"$prefix/share/bash-completion/completions/damonctl" \
		lib/udev/rules.d/60-damon-rec.rules; do
		if [ ! -f "$root/$f" ] || [ -L "$root/$f" ]; then
			echo "missing regular file /$f"
			bad=1
		fi
	done
	[ -x "$root/$prefix/bin/damonctl" ] || { echo "/$prefix/bin/damonctl is not executable"; bad=1; }

	# Library: real file, SONAME link, development link.
	if [ "$(readlink "$root/$libdir/libdamonrec.so.$soversion")" != "libdamonrec.so.$version" ]; then
		echo "/$libdir/libdamonrec.so.$soversion is not a link to libdamonrec.so.$version"
		bad=1
	fi
	case $(readlink "$root/$libdir/libdamonrec.so") in
	"libdamonrec.so.$soversion" | "libdamonrec.so.$version") ;;
	*)
		echo "/$libdir/libdamonrec.so is not a link to the library"
		bad=1
		;;
	esac
	if [ -f "$root/$libdir/libdamonrec.so.$version" ] &&
		! readelf -d "$root/$libdir/libdamonrec.so.$version" |
		grep -q "Library soname: \[libdamonrec.so.$soversion\]"; then
		echo "the library's SONAME is not libdamonrec.so.$soversion"
		bad=1
	fi

	# pkg-config file: relocated to this prefix, right version.
	if [ -f "$root/$libdir/pkgconfig/libdamonrec.pc" ]; then
		local pc=$root/$libdir/pkgconfig/libdamonrec.pc
		grep -qx "prefix=/$prefix" "$pc" || { echo "libdamonrec.pc: prefix is not /$prefix"; bad=1; }
		[ "$(PKG_CONFIG_PATH=$root/$libdir/pkgconfig pkg-config --modversion libdamonrec)" = "$version" ] ||
			{ echo "libdamonrec.pc: version is not $version"; bad=1; }
		PKG_CONFIG_PATH=$root/$libdir/pkgconfig pkg-config --variable=libdir libdamonrec |
			grep -qx "/$libdir" || { echo "libdamonrec.pc: libdir is not /$libdir"; bad=1; }
	fi

	# The uAPI headers installed are the project's.
	for f in include/uapi/linux/*.h; do
		cmp -s "$f" "$root/$prefix/include/linux/${f##*/}" ||
			{ echo "installed linux/${f##*/} is not $f"; bad=1; }
	done

	# udev rule: both nodes root-only.
	for f in damon_rec damon_dyndbg; do
		grep -Eq "KERNEL==\"$f\".*MODE=\"0600\"" "$root/lib/udev/rules.d/60-damon-rec.rules" 2>/dev/null ||
			{ echo "udev rule does not make /dev/$f mode 0600"; bad=1; }
	done

	# Nothing outside the conventional directories.
	while IFS= read -r f; do
		local d okdir=0
		for d in "$prefix/bin" "$prefix/sbin" "$libdir" "$prefix/include" \
			"$mandir" "$prefix/share/bash-completion/completions" \
			lib/udev/rules.d lib/modules; do
			case $f in
			"$d"/*) okdir=1 ;;
			esac
		done
		[ $okdir = 1 ] || { echo "installed outside the GNU directories: /$f"; bad=1; }
	done < <(files_under "$root")
	return $bad
}

inst=$tmp/inst
if step "make install DESTDIR=... PREFIX=/usr" \
	"$MAKE" -s install DESTDIR="$inst" PREFIX=/usr; then
	step "make install: file list, links, SONAME, pkg-config, headers, udev rule" \
		check_install "$inst" /usr /usr/lib /usr/share/man
	files_under "$inst" | sed 's/^/# installed: \//'
	if step "make uninstall DESTDIR=... PREFIX=/usr" \
		"$MAKE" -s uninstall DESTDIR="$inst" PREFIX=/usr; then
		left=$(files_under "$inst")
		if [ -z "$left" ]; then
			ok "make uninstall leaves no files"
		else
			not_ok "make uninstall leaves no files"
			sed 's|^|# left: /|' <<<"$left"
		fi
	else
		not_ok "make uninstall leaves no files (uninstall failed)"
	fi
else
	not_ok "make install: file list (install failed)"
	not_ok "make uninstall DESTDIR=... PREFIX=/usr (install failed)"
	not_ok "make uninstall leaves no files (install failed)"
fi

# The same with another prefix and a directory overridden on the command
# line: everything follows.
inst2=$tmp/inst2
if step "make install DESTDIR=... PREFIX=/opt/damonrec LIBDIR=/opt/damonrec/lib64 MANDIR=/opt/damonrec/man" \
	"$MAKE" -s install DESTDIR="$inst2" PREFIX=/opt/damonrec \
	LIBDIR=/opt/damonrec/lib64 MANDIR=/opt/damonrec/man; then
	step "make install relocates to PREFIX, LIBDIR and MANDIR" \
		check_install "$inst2" /opt/damonrec /opt/damonrec/lib64 /opt/damonrec/man
	"$MAKE" -s uninstall DESTDIR="$inst2" PREFIX=/opt/damonrec \
		LIBDIR=/opt/damonrec/lib64 MANDIR=/opt/damonrec/man >"$log" 2>&1
	left=$(files_under "$inst2")
	if [ -z "$left" ]; then
		ok "make uninstall with the same variables leaves no files"
	else
		not_ok "make uninstall with the same variables leaves no files"
		sed 's|^|# left: /|' <<<"$left"
	fi
else
	not_ok "make install relocates (install failed)"
	not_ok "make uninstall with the same variables leaves no files (install failed)"
fi

# ----------------------------------------------------------------------
# 2. Debian packages
# ----------------------------------------------------------------------

step "debian/libdamonrec0.symbols lists exactly the library's exported symbols" \
	"$MAKE" -s deb-symbols-check

arch=$(dpkg --print-architecture)
debs=()
for p in "${packages[@]}"; do
	case $p in
	damon-rec-dkms) debs+=("$deb_out/${p}_${version}_all.deb") ;;
	*) debs+=("$deb_out/${p}_${version}_${arch}.deb") ;;
	esac
done

built=0
# The library's unit tests run in suite 10 already: not again in the package
# build.
if step "make deb (Debian packages into \$(BUILD)/deb)" \
	env DEB_BUILD_OPTIONS="nocheck ${DEB_BUILD_OPTIONS:-}" "$MAKE" -s deb BUILD="$BUILD"; then
	built=1
	for d in "${debs[@]}"; do
		[ -f "$d" ] || { not_ok "make deb made $(basename "$d")"; built=0; }
	done
fi

if [ $built = 1 ]; then
	step "lintian --fail-on error,warning on the .changes" \
		lintian --fail-on error,warning "$deb_out/damonrec_${version}_${arch}.changes"
	grep -E '^[EW]: ' "$log" | sed 's/^/# /'

	# What each package holds.
	deb_has() {
		local deb=$1 f list bad=0
		shift
		list=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's,^\./,/,')
		for f in "$@"; do
			grep -qx -- "$f" <<<"$list" || { echo "$(basename "$deb") lacks $f"; bad=1; }
		done
		return $bad
	}
	ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	src=/usr/src/$dkms_name-$version
	step "damon-rec-dkms holds the module sources, dkms.conf and the udev rule" \
		deb_has "${debs[0]}" "$src/dkms.conf" "$src/driver/Kbuild" \
		"$src/include/uapi/linux/damon_rec.h" /lib/udev/rules.d/60-damon-rec.rules
	step "libdamonrec0 holds the shared library and its SONAME link" \
		deb_has "${debs[1]}" "/usr/lib/$ma/libdamonrec.so.$version" \
		"/usr/lib/$ma/libdamonrec.so.$soversion"
	step "libdamonrec-dev holds the headers, .so link, pkg-config file and man page" \
		deb_has "${debs[2]}" /usr/include/damonrec.h /usr/include/linux/damon_rec.h \
		"/usr/lib/$ma/libdamonrec.so" "/usr/lib/$ma/pkgconfig/libdamonrec.pc" \
		/usr/share/man/man3/libdamonrec.3.gz
	step "damonctl holds the binary, its man page and bash completion" \
		deb_has "${debs[3]}" /usr/bin/damonctl /usr/share/man/man8/damonctl.8.gz \
		/usr/share/bash-completion/completions/damonctl
	step "dkms.conf in the package carries version $version" \
		bash -c "dpkg-deb --fsys-tarfile '${debs[0]}' | tar -xO .$src/dkms.conf | grep -qx 'PACKAGE_VERSION=\"$version\"'"
else
	not_ok "lintian (no packages)"
fi

# ----------------------------------------------------------------------
# 3. Install, use, DKMS build, purge (root)
# ----------------------------------------------------------------------

install_test() {
	local p f krel hdr

	if [ "$(id -u)" != 0 ]; then
		not_ok "install test needs root (dpkg -i, dkms): run make check as root"
		return
	fi
	if [ $built != 1 ]; then
		not_ok "install test: the packages did not build"
		return
	fi

	# The packages are installed on this machine: one run at a time, even
	# from different checkouts.
	exec 9>/run/lock/damonrec-packaging-test.lock
	if ! flock -w 900 9; then
		not_ok "install test: another run of this test held the lock for 15 minutes"
		return
	fi

	# Leftovers of an interrupted run would hide what this one installs.
	if ! purge_packages >"$log" 2>&1; then
		not_ok "purge leftovers of an earlier run"
		show_log
		return
	fi

	# A tree added by hand ("make install-dkms" and "dkms add") would stand
	# in the packages' way; it is not this test's to remove.
	if command -v dkms >/dev/null && [ -n "$(dkms status -m "$dkms_name" 2>/dev/null)" ]; then
		not_ok "install test: DKMS already holds $dkms_name (not from the packages): remove it with 'dkms remove $dkms_name/$version --all'"
		return
	fi
	if [ -e "/usr/src/$dkms_name-$version" ]; then
		not_ok "install test: /usr/src/$dkms_name-$version exists (not from the packages): remove it ('make uninstall-dkms')"
		return
	fi

	if [ ! -e /etc/dkms/no-autoinstall ] && [ -d /etc/dkms ]; then
		: >/etc/dkms/no-autoinstall && created_noauto=1
	fi
	installed=1
	if ! step "dpkg -i ${packages[*]}" dpkg_wait -i "${debs[@]}"; then
		return
	fi
	[ -n "$created_noauto" ] && rm -f /etc/dkms/no-autoinstall && created_noauto=

	step "damonctl --version runs from PATH and prints $version" bash -c '
		[ "$(command -v damonctl)" = /usr/bin/damonctl ] || { echo "damonctl is $(command -v damonctl)"; exit 1; }
		out=$(damonctl --version) || exit 1
		echo "$out"
		grep -q -- "'"$version"'" <<<"$out"'

	step "pkg-config --cflags --libs libdamonrec" bash -c '
		out=$(pkg-config --cflags --libs libdamonrec) || exit 1
		echo "$out"
		grep -q -- "-ldamonrec" <<<"$out" &&
		[ "$(pkg-config --modversion libdamonrec)" = "'"$version"'" ]'

	cat >"$tmp/use.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <damonrec.h>
#include <linux/damon_rec.h>

int main(int argc, char **argv)
{
	const char *v = damonrec_version_string();

	if (argc != 2 || !v || strcmp(v, argv[1]) != 0) {
		fprintf(stderr, "library version %s, expected %s\n",
			v ? v : "(null)", argc == 2 ? argv[1] : "?");
		return 1;
	}
	printf("libdamonrec %s, uAPI %d\n", v, DAMON_REC_API_VERSION);
	return 0;
}
EOF
	step "a program compiles and links against the installed library" bash -c "
		cc -std=gnu11 -Wall -Wextra -Werror -o '$tmp/use' '$tmp/use.c' \$(pkg-config --cflags --libs libdamonrec)"
	step "it runs with the installed libdamonrec.so.$soversion" bash -c "
		ldd '$tmp/use' | grep -q '/libdamonrec.so.$soversion' || { ldd '$tmp/use'; exit 1; }
		'$tmp/use' '$version'"

	step "man pages installed: damonctl(8), libdamonrec(3), damon_rec(4)" bash -c '
		if command -v man >/dev/null; then
			man -w 8 damonctl && man -w 3 libdamonrec && man -w 4 damon_rec
		else
			ls /usr/share/man/man8/damonctl.8.gz /usr/share/man/man3/libdamonrec.3.gz \
				/usr/share/man/man4/damon_rec.4.gz
		fi'

	step "bash completion for damonctl loads on demand" bash -c '
		. /usr/share/bash-completion/bash_completion &&
		__load_completion damonctl &&
		complete -p damonctl'

	# What the package's postinst does first (before building, which
	# no-autoinstall held back).
	step "dkms add -m $dkms_name -v $version (the packaged tree registers)" bash -c "
		dkms add -m $dkms_name -v $version &&
		dkms status -m $dkms_name -v $version | tee /dev/stderr |
			grep -q '^$dkms_name/$version: added'"

	hdr=$(printf '%s\n' /usr/src/linux-headers-6.12.*-cloud-amd64 | grep -v '\*' | sort -V | tail -n1)
	krel=${hdr#/usr/src/linux-headers-}
	if [ -z "$hdr" ]; then
		not_ok "dkms build: no /usr/src/linux-headers-6.12.*-cloud-amd64 (run make deps)"
	elif [ ! -e "/lib/modules/$krel/build/Makefile" ]; then
		not_ok "dkms build: /lib/modules/$krel/build does not lead to the headers"
	elif step "dkms build -m $dkms_name -v $version -k $krel" \
		dkms build -m "$dkms_name" -v "$version" -k "$krel"; then
		step "dkms built damon_rec.ko and damon_dyndbg.ko for $krel" bash -c "
			for m in damon_rec damon_dyndbg; do
				ko=\$(ls /var/lib/dkms/$dkms_name/$version/$krel/*/module/\$m.ko* 2>/dev/null | head -n1)
				[ -n \"\$ko\" ] || { echo \"no \$m.ko\"; exit 1; }
				vm=\$(modinfo -F vermagic \"\$ko\")
				case \$vm in
				'$krel '*) echo \"\$ko: \$vm\" ;;
				*) echo \"\$ko: vermagic \$vm, not $krel\"; exit 1 ;;
				esac
			done"
	else
		[ -f "/var/lib/dkms/$dkms_name/$version/build/make.log" ] &&
			tail -n 30 "/var/lib/dkms/$dkms_name/$version/build/make.log" | sed 's/^/# make.log: /'
	fi

	# Every file the packages shipped, to check that the purge removes it.
	for f in "${debs[@]}"; do
		dpkg-deb -c "$f" | awk '$1 !~ /^d/ {print $6}' | sed 's,^\./,/,'
	done >"$tmp/shipped"

	if step "dpkg --purge ${packages[*]}" dpkg_wait --purge "${packages[@]}"; then
		installed=
	fi
	step "nothing is left: no package, no file, no DKMS tree" bash -c '
		bad=0
		for p in '"${packages[*]}"'; do
			if dpkg-query -W -f "\${db:Status-Status}\n" "$p" 2>/dev/null | grep -qvx not-installed; then
				echo "package $p is still known to dpkg"; bad=1
			fi
		done
		while IFS= read -r f; do
			[ -e "$f" ] || [ -L "$f" ] && { echo "left: $f"; bad=1; }
		done <"'"$tmp/shipped"'"
		for d in /usr/src/'"$dkms_name-$version"' /var/lib/dkms/'"$dkms_name"'; do
			[ -e "$d" ] && { echo "left: $d"; bad=1; }
		done
		left=$(find /lib/modules -path "*/updates/dkms/damon_*" 2>/dev/null)
		[ -n "$left" ] && { echo "left: $left"; bad=1; }
		exit $bad'
}

install_test

echo "# packaging: $n checks, $failed failed"
[ $failed = 0 ]
