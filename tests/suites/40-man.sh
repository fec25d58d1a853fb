#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every manual page must format without a single warning:
# "groff -man -ww -z" prints nothing for it.

set -u
cd "$(dirname "$0")/../.." || exit 1

n=0
fail=0
for page in man/*.[1-8]; do
	[ -e "$page" ] || continue
	n=$((n + 1))
	out=$(groff -man -ww -z "$page" 2>&1)
	if [ $? = 0 ] && [ -z "$out" ]; then
		echo "ok $n - groff -man -ww -z $page"
	else
		echo "not ok $n - groff -man -ww -z $page"
		printf '%s\n' "$out" | sed 's/^/# /'
		fail=1
	fi
done
[ $n -gt 0 ] || { echo "not ok 1 - no manual pages in man/"; exit 1; }
exit $fail
