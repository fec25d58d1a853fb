# SPDX-License-Identifier: GPL-2.0
#
# kernels.sh - the kernel matrix, sourced by kver.sh, chroot.sh and
# tests/vm/kernel.sh.
#
#   NAME (KERNEL=)       Debian suite          image/headers flavour  builds in
#   bookworm-backports   bookworm-backports    cloud-amd64            this machine (gcc-12)
#   trixie               trixie (+ security)   cloud-amd64            trixie chroot (gcc-14)
#   trixie-rt            trixie (+ security)   rt-amd64               trixie chroot (gcc-14)
#   sid                  sid                   cloud-amd64            sid chroot (gcc-16 today)
#
# The bookworm-backports kernel comes through the machine's own apt (make
# deps adds the suite).  The others come through a private apt state per
# suite under $cache/apt/SUITE (its own sources, lists and archives, never
# the machine's), whose sources name the machine's own Debian mirror.  The
# private lists are refreshed when older than $DAMONREC_APT_MAX_AGE seconds
# (default 43200) or missing, so that releases resolve at run time.
#
# The debug kernel, when the tree has one, is described by
# scripts/kernel-debug.sh, which this file sources if it exists.

cache=${DAMONREC_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/damonrec}
KERNELS="bookworm-backports trixie trixie-rt sid"
KERNEL_DEFAULT=bookworm-backports

_kernels_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$_kernels_here/apt-source.sh"

# kernel_suite NAME: the Debian suite of kernel NAME; fails on a bad NAME.
kernel_suite() {
	case $1 in
	bookworm-backports) echo bookworm-backports ;;
	trixie|trixie-rt) echo trixie ;;
	sid) echo sid ;;
	*) return 1 ;;
	esac
}

# kernel_flavour NAME: the flavour of its linux-image/linux-headers packages.
kernel_flavour() {
	case $1 in
	trixie-rt) echo rt-amd64 ;;
	*) echo cloud-amd64 ;;
	esac
}

# kernel_check NAME: fails, saying which names there are, on a bad NAME.
kernel_check() {
	kernel_suite "$1" >/dev/null && return 0
	echo "unknown kernel '$1': KERNEL= takes one of $KERNELS" >&2
	return 1
}

# kapt_dir SUITE: the private apt state of SUITE.
kapt_dir() {
	echo "$cache/apt/$1"
}

# kapt_setup SUITE: create SUITE's private apt state and refresh its lists
# when they are stale; prints nothing, fails when no list can be had.
kapt_setup() {
	local suite=$1 d src uri key sec suri lists age now
	d=$(kapt_dir "$suite")
	mkdir -p "$d/lists/partial" "$d/archives/partial" "$d/parts" || return 1
	if [ ! -s "$d/apt.conf" ]; then
		src=$(apt_source bookworm | head -n 1)
		uri=${src%%|*}
		key=${src##*|}
		[ -n "$uri" ] || uri=http://deb.debian.org/debian
		[ -n "$key" ] || key=/usr/share/keyrings/debian-archive-keyring.gpg
		{
			echo "deb [signed-by=$key] $uri $suite main"
			if [ "$suite" != sid ]; then
				sec=$(apt_source bookworm-security | head -n 1)
				suri=${sec%%|*}
				[ -n "$suri" ] || suri=http://deb.debian.org/debian-security
				echo "deb [signed-by=$key] $suri $suite-security main"
			fi
		} >"$d/sources.list"
		: >"$d/status"
		cat >"$d/apt.conf.$$" <<-EOF
			Dir::State::Lists "$d/lists";
			Dir::State::status "$d/status";
			Dir::Cache "$d";
			Dir::Cache::archives "$d/archives";
			Dir::Cache::pkgcache "";
			Dir::Cache::srcpkgcache "";
			Dir::Etc::SourceList "$d/sources.list";
			Dir::Etc::SourceParts "$d/parts";
			Dir::Etc::Preferences "$d/parts/none";
			Dir::Etc::PreferencesParts "$d/parts";
			APT::Architecture "amd64";
			APT::Architectures { "amd64"; };
			Acquire::Languages "none";
			Acquire::Check-Valid-Until "false";
			APT::Sandbox::User "root";
		EOF
		mv -f "$d/apt.conf.$$" "$d/apt.conf"
	fi
	lists=$(ls "$d"/lists/*_Packages 2>/dev/null | head -n 1)
	now=$(date +%s)
	age=$((now - $(stat -c %Y "$d/updated" 2>/dev/null || echo 0)))
	if [ -z "$lists" ] || [ "$age" -gt "${DAMONREC_APT_MAX_AGE:-43200}" ]; then
		if (flock 9 && APT_CONFIG=$d/apt.conf apt-get -q update \
			>"$d/update.log" 2>&1) 9>"$d/lock"; then
			touch "$d/updated"
		elif [ -z "$lists" ]; then
			echo "kernels.sh: cannot fetch the $suite package lists" \
				"(see $d/update.log)" >&2
			return 1
		fi
	fi
}

# kapt SUITE CMD ARGS...: run apt-get or apt-cache on SUITE's private state.
kapt() {
	local suite=$1
	shift
	APT_CONFIG=$(kapt_dir "$suite")/apt.conf "$@"
}

# The debug kernel extends the matrix from its own file.
if [ -r "$_kernels_here/kernel-debug.sh" ]; then
	. "$_kernels_here/kernel-debug.sh"
fi
