// SPDX-License-Identifier: GPL-2.0
/*
 * fake_damon_sysfs ROOT LOG: emulate what the kernel's mm/damon/sysfs.c
 * does to its directory tree, in an ordinary directory, for host tests.
 *
 * It creates ROOT/kdamonds/nr_kdamonds, prints "ready" and then, for every
 * file written (IN_CLOSE_WRITE), appends "relative/path=value" to LOG and
 * acts as the kernel would: writing an nr_* file creates or removes the
 * numbered directories beside it, with their files at the kernel's
 * defaults; writing "on" or "off" to a kdamond's state sets its pid.
 * It exits on SIGTERM or SIGINT.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_WATCH 4096

static int ifd;
static char *wpath[MAX_WATCH];
static const char *root;
static FILE *logfp;

static void put(const char *dir, const char *name, const char *val)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (!f) {
		perror(p);
		exit(1);
	}
	fprintf(f, "%s\n", val);
	fclose(f);
}

static void mkd(const char *dir, const char *name, char *out)
{
	snprintf(out, PATH_MAX, "%s/%s", dir, name);
	if (mkdir(out, 0755) && errno != EEXIST) {
		perror(out);
		exit(1);
	}
}

static void watch_tree(const char *dir)
{
	struct dirent *de;
	char p[PATH_MAX];
	DIR *d;
	int wd;

	wd = inotify_add_watch(ifd, dir, IN_CLOSE_WRITE);
	if (wd < 0 || wd >= MAX_WATCH) {
		perror("inotify_add_watch");
		exit(1);
	}
	free(wpath[wd]);
	wpath[wd] = strdup(dir);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		watch_tree(p);
	}
	closedir(d);
}

/* After a rename of @from to @to: the watched paths under it, renamed. */
static void rename_watches(const char *from, const char *to)
{
	size_t n = strlen(from);
	char p[PATH_MAX];
	int wd;

	for (wd = 0; wd < MAX_WATCH; wd++) {
		if (!wpath[wd] || strncmp(wpath[wd], from, n) ||
		    (wpath[wd][n] && wpath[wd][n] != '/'))
			continue;
		snprintf(p, sizeof(p), "%s%s", to, wpath[wd] + n);
		free(wpath[wd]);
		wpath[wd] = strdup(p);
	}
}

static void rm_tree(const char *dir)
{
	struct dirent *de;
	char p[PATH_MAX];
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR)
			rm_tree(p);
		else
			unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

/* Populate a new numbered directory of kind @kind (the nr_ file's name). */
static void populate(const char *kind, const char *d)
{
	char a[PATH_MAX], b[PATH_MAX];

	if (!strcmp(kind, "nr_kdamonds")) {
		put(d, "state", "off");
		put(d, "pid", "-1");
		mkd(d, "contexts", a);
		put(a, "nr_contexts", "0");
	} else if (!strcmp(kind, "nr_contexts")) {
		put(d, "avail_operations", "vaddr\nfvaddr\npaddr");
		put(d, "operations", "vaddr");
		mkd(d, "monitoring_attrs", a);
		mkd(a, "intervals", b);
		put(b, "sample_us", "5000");
		put(b, "aggr_us", "100000");
		put(b, "update_us", "1000000");
		mkd(a, "nr_regions", b);
		put(b, "min", "10");
		put(b, "max", "1000");
		mkd(d, "targets", a);
		put(a, "nr_targets", "0");
		mkd(d, "schemes", a);
		put(a, "nr_schemes", "0");
	} else if (!strcmp(kind, "nr_targets")) {
		put(d, "pid_target", "0");
		mkd(d, "regions", a);
		put(a, "nr_regions", "0");
	} else if (!strcmp(kind, "nr_regions")) {
		put(d, "start", "0");
		put(d, "end", "0");
	}
}

static void resize(const char *dir, const char *kind, long n)
{
	char p[PATH_MAX], name[32];
	long i;
	struct stat st;

	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/%ld", dir, i);
		if (stat(p, &st) == 0)
			continue;
		/* Build it aside and rename it in: the kernel's appear whole. */
		char tmp[PATH_MAX];

		snprintf(name, sizeof(name), ".new%ld", i);
		mkd(dir, name, tmp);
		populate(kind, tmp);
		/*
		 * Watched before it is renamed in: a write into it right
		 * after it appears must not go unseen.  Watches follow the
		 * directories; only their names change.
		 */
		watch_tree(tmp);
		if (rename(tmp, p)) {
			perror(p);
			exit(1);
		}
		rename_watches(tmp, p);
	}
	for (i = n;; i++) {
		snprintf(p, sizeof(p), "%s/%ld", dir, i);
		if (stat(p, &st))
			break;
		rm_tree(p);
	}
}

static void handle(const char *dir, const char *name)
{
	char p[PATH_MAX], val[256] = "";
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "r");
	if (!f)
		return;
	n = fread(val, 1, sizeof(val) - 1, f);
	fclose(f);
	val[n] = '\0';
	while (n && (val[n - 1] == '\n' || val[n - 1] == ' '))
		val[--n] = '\0';
	fprintf(logfp, "%s=%s\n", p + strlen(root) + 1, val);
	fflush(logfp);

	if (!strncmp(name, "nr_", 3) && strcmp(name, "nr_schemes"))
		resize(dir, name, atol(val));
	else if (!strcmp(name, "state")) {
		if (!strcmp(val, "on"))
			put(dir, "pid", "4242");
		else if (!strcmp(val, "off"))
			put(dir, "pid", "-1");
	}
}

static volatile sig_atomic_t done;

static void on_sig(int sig)
{
	(void)sig;
	done = 1;
}

int main(int argc, char **argv)
{
	char kd[PATH_MAX], buf[8192] __attribute__((aligned(8)));
	struct sigaction sa = { .sa_handler = on_sig };

	if (argc != 3) {
		fprintf(stderr, "usage: %s ROOT LOG\n", argv[0]);
		return 2;
	}
	root = argv[1];
	logfp = fopen(argv[2], "a");
	if (!logfp) {
		perror(argv[2]);
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	ifd = inotify_init1(IN_CLOEXEC);
	if (ifd < 0) {
		perror("inotify_init1");
		return 1;
	}
	mkdir(root, 0755);
	mkd(root, "kdamonds", kd);
	put(kd, "nr_kdamonds", "0");
	watch_tree(root);
	printf("ready\n");
	fflush(stdout);

	while (!done) {
		ssize_t len = read(ifd, buf, sizeof(buf));
		char *p;

		if (len <= 0)
			continue;
		for (p = buf; p < buf + len;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			if ((ev->mask & IN_CLOSE_WRITE) && ev->len &&
			    ev->wd < MAX_WATCH && wpath[ev->wd])
				handle(wpath[ev->wd], ev->name);
			p += sizeof(*ev) + ev->len;
		}
	}
	return 0;
}
