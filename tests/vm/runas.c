// SPDX-License-Identifier: GPL-2.0
/*
 * runas - run a command as an unprivileged user in the test VM.
 *
 *   runas UID[:GID] COMMAND [ARG...]
 *
 * Drops supplementary groups, sets the real, effective and saved group and
 * user ids (which clears every capability), sets no_new_privs, checks that
 * root cannot be regained, then executes COMMAND (searched in PATH).
 * Busybox's setpriv cannot change ids and its su goes through a shell, so
 * the guest tests use this.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static int parse_id(const char *s, char **end, unsigned long *id)
{
	errno = 0;
	*id = strtoul(s, end, 10);
	return errno || *end == s || *id == 0 || *id > 65534 ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long uid, gid;
	char *end;

	if (argc < 3) {
		fprintf(stderr, "usage: runas UID[:GID] COMMAND [ARG...]\n");
		return 2;
	}
	if (parse_id(argv[1], &end, &uid)) {
		fprintf(stderr, "runas: bad uid '%s': give a number from 1 to 65534\n",
			argv[1]);
		return 2;
	}
	gid = uid;
	if (*end == ':' && parse_id(end + 1, &end, &gid)) {
		fprintf(stderr, "runas: bad gid in '%s': give a number from 1 to 65534\n",
			argv[1]);
		return 2;
	}
	if (*end) {
		fprintf(stderr, "runas: bad id '%s': expected UID or UID:GID\n",
			argv[1]);
		return 2;
	}
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid)) {
		fprintf(stderr, "runas: cannot become %lu:%lu: %s\n", uid, gid,
			strerror(errno));
		return 1;
	}
	if (setuid(0) == 0) {
		fprintf(stderr, "runas: root privileges could be regained\n");
		return 1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		fprintf(stderr, "runas: cannot set no_new_privs: %s\n",
			strerror(errno));
		return 1;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "runas: cannot run %s: %s\n", argv[2], strerror(errno));
	return 127;
}
