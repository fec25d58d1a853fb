#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh [--check] [PACKAGE...] - install what damonrec needs on Debian 12.
#
# Installs, when missing, the packages listed below plus the PACKAGEs given
# (the make fragments add theirs through DEB_PACKAGES), Debian's stock 6.1
# kernel headers and the headers of the current bookworm-backports cloud
# kernel (the kernel the test VM boots, see scripts/kver.sh).  A PACKAGE
# written NAME/bookworm-backports is installed from bookworm-backports.
#
# When the machine's apt sources lack bookworm-backports, adds it as the
# deb822 file /etc/apt/sources.list.d/bookworm-backports.sources, reusing
# the mirror of the machine's existing bookworm source.
#
# Idempotent and quick when nothing is missing: it only asks dpkg, and runs
# apt-get update and install only for what is missing.  Needs root (or
# password-less sudo) only then.  Never reads standard input.
#
# --check  only report what is missing; exit 1 if anything is.

set -eu
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

# The packages every part needs.  Add more with DEB_PACKAGES in a fragment.
packages=(
	build-essential gcc make pkg-config libcap-dev
	bats bats-support bats-assert
	sparse clang libclang-rt-14-dev
	qemu-system-x86 busybox-static bash-static cpio xz-utils zstd kmod
	groff-base bash-completion
)

here=$(cd "$(dirname "$0")" && pwd)
bpo=bookworm-backports
check_only=0
if [ "${1:-}" = --check ]; then
	check_only=1
	shift
fi

say() {
	echo "deps: $*" >&2
}

plain=()
backports=()
for p in "${packages[@]}" "$@"; do
	case $p in
	*/$bpo) backports+=("${p%/*}") ;;
	*/*) say "unknown release in '$p': only /$bpo is supported"; exit 2 ;;
	*) plain+=("$p") ;;
	esac
done

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
	say "this is not a Debian system: install the equivalents of" \
		"${plain[*]} ${backports[*]} and the kernel headers by hand"
	exit 1
fi

# not_installed PKG...: print the PKGs that are not installed.
not_installed() {
	local -A have=()
	local p
	while read -r p; do
		have[$p]=1
	done < <(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "$@" \
		2>/dev/null | awk '$1 ~ /^[hi]i/ { print $NF }')
	for p in "$@"; do
		[ -n "${have[$p]:-}" ] || echo "$p"
	done
}

have_backports_source() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v '^[[:space:]]*#' | grep -qw "$bpo"
}

have_stock_headers() {
	compgen -G '/usr/src/linux-headers-6.1.*-amd64/Makefile' >/dev/null
}

# What is missing; sets missing (text) and krel (the backports release).
scan() {
	missing=$(not_installed "${plain[@]}" "${backports[@]}")
	have_stock_headers || missing="$missing stock-6.1-headers"
	krel=
	if ! have_backports_source; then
		missing="$missing $bpo-source"
	elif ! krel=$("$here/kver.sh" 2>/dev/null); then
		krel=
		missing="$missing $bpo-package-lists"
	else
		missing="$missing $(not_installed "linux-headers-$krel")"
	fi
	missing=$(echo $missing)
}

scan
if [ -z "$missing" ]; then
	exit 0
fi
if [ $check_only = 1 ]; then
	say "missing: $missing"
	exit 1
fi

sudo=
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		sudo="sudo -n"
	else
		say "missing: $missing"
		say "run 'make deps' as root to install them"
		exit 1
	fi
fi
say "missing: $missing"

# bookworm_source: the mirror of the first enabled bookworm source.
. "$here/apt-source.sh"
bookworm_source() {
	apt_source bookworm
}

if ! have_backports_source; then
	src=$(bookworm_source | head -n 1)
	uri=${src%%|*}
	rest=${src#*|}
	comps=${rest%%|*}
	key=${rest#*|}
	if [ -z "$uri" ]; then
		say "no bookworm source in /etc/apt/sources.list{,.d/}: cannot" \
			"tell which mirror to take $bpo from"
		exit 1
	fi
	[ -n "$comps" ] || comps=main
	[ -n "$key" ] || key=/usr/share/keyrings/debian-archive-keyring.gpg
	say "adding $bpo from $uri"
	printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: %s\nSigned-By: %s\n' \
		"$uri" "$bpo" "$comps" "$key" |
		$sudo tee /etc/apt/sources.list.d/$bpo.sources >/dev/null
fi

apt_get() {
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get -y -q \
		-o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confold \
		"$@" </dev/null
}

apt_get update

# Stock headers: the dependency of the newest non-backports
# linux-headers-amd64 (the metapackage itself may come from backports).
stock=()
if ! have_stock_headers; then
	stock=($(apt-cache show linux-headers-amd64 | awk '
		/^Version:/ { v = $2 }
		/^Depends:/ && v !~ /bpo/ {
			for (i = 2; i <= NF; i++)
				if ($i ~ /^linux-headers-6\.1\./) print v, $i
		}' | sort -V | tail -n 1 | cut -d' ' -f2))
	[ ${#stock[@]} = 1 ] || { say "cannot find Debian's 6.1 headers"; exit 1; }
fi
krel=$("$here/kver.sh")

want=($(not_installed "${plain[@]}") "${stock[@]}")
if [ ${#want[@]} -gt 0 ]; then
	say "installing ${want[*]}"
	apt_get install --no-install-recommends "${want[@]}"
fi
want=($(not_installed "linux-headers-$krel" "${backports[@]}"))
if [ ${#want[@]} -gt 0 ]; then
	say "installing from $bpo: ${want[*]}"
	apt_get install --no-install-recommends -t $bpo "${want[@]}"
fi

scan
if [ -n "$missing" ]; then
	say "still missing after installing: $missing"
	exit 1
fi
say "all present"
