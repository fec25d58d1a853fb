/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damonctl: helpers shared by the subcommands.
 */
#ifndef DAMONCTL_COMMON_H
#define DAMONCTL_COMMON_H

#include <argp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes, documented in damonctl(8). */
#define EXIT_OK		0	/* success */
#define EXIT_ERR	1	/* any other failure */
#define EXIT_USAGE	2	/* bad command line */
#define EXIT_CORRUPT	3	/* input record corrupt or truncated */
#define EXIT_UNAVAIL	4	/* device or DAMON unavailable or busy */
#define EXIT_PERM	5	/* missing privileges */

/* Options that every command accepts, before or after its name. */
struct global_opts {
	bool json;		/* --json */
	bool pretty;		/* --pretty */
	const char *device;	/* --device PATH, NULL: the default */
	const char *sysfs;	/* --sysfs ROOT, NULL: the default */
	const char *cmd;	/* name of the running command, for messages */
	bool help_shown;	/* --help or --usage printed: exit 0 */
	bool version;		/* --version: print it, exit 0 */
	bool stdout_used;	/* a JSON document went to stdout already */
};

extern struct global_opts g;

/* argp children: the global options, and -h/--help/--usage. */
extern const struct argp global_argp;
extern const struct argp help_argp;
/* Both, for commands whose options are all global ones. */
extern const struct argp_child global_children[];

/* Print the versions of damonctl and libdamonrec (text or JSON). */
void print_version(void);

/* argp parser of a command that takes no arguments and no options. */
error_t parse_no_args(int key, char *arg, struct argp_state *state);

/*
 * Parse @argv with @argp for the running command.  argp's and getopt's own
 * messages are caught and turned into one line (with a pointer to --help);
 * returns 0, or exits with EXIT_USAGE.  *@end (if not NULL) receives the
 * index of the first argument not parsed.  Returns 1 when --help or --usage
 * was printed: the caller then exits with EXIT_OK.
 */
int parse_args(const struct argp *argp, int argc, char **argv, void *input,
	       int *end);

/* Print "damonctl CMD: MESSAGE" (or a JSON error object) and return @code. */
int err_msg(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* As err_msg(), then exit. */
void die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/* Usage error: names what was wrong and points at --help; exits 2. */
void die_usage(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
/* Non-fatal note on stderr (suppressed in JSON mode unless @always). */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Flush standard output at the end of a command: on a write error (not
 * EPIPE) print one line on stderr and return EXIT_ERR, else return @code.
 */
int finish_stdout(int code);
/* Whether a write to standard output has failed already. */
bool stdout_failed(void);
/* Flush standard output; whether a write to it has failed. */
bool flush_stdout(void);

struct damonrec_reader;

/*
 * After a record was read to the end (@ret 0) or to an error (@ret -1,
 * errno @err): EXIT_OK, or the one line saying what was wrong with the
 * record (EXIT_CORRUPT: corrupt, cut short, a v3 or v4 record without its
 * END frame, a binary perf.data file) or with reading it (EXIT_ERR).  @good
 * snapshots were read; @note (may be "") follows their count.
 */
int record_result(const char *file, struct damonrec_reader *r, int ret,
		  int err, uint64_t good, const char *note);

/* Exit code matching an errno from the device or DAMON sysfs. */
int errno_exit_code(int err);

/*
 * Number parsing.  Every parser accepts exactly the whole string and
 * returns -1 (errno EINVAL or ERANGE) otherwise.
 */
int parse_u64(const char *s, uint64_t *v);		/* 0x.. or decimal */
/* Sizes: 4096, 4K, 4KiB, 1.5M, 2G, 1T (powers of 1024); B optional. */
int parse_size(const char *s, uint64_t *bytes);
/* Durations to ns: ns, us, ms, s, m, h, d; @unit_ns when no suffix. */
int parse_duration(const char *s, uint64_t unit_ns, uint64_t *ns);
/* Whether @s ends in a time unit (for --split SIZE|DURATION). */
bool is_duration(const char *s);
/* Address "0x1000" or "4096", sizes with units allowed. */
int parse_addr(const char *s, uint64_t *addr);
/* "A-B", "A,B", "A-" or "-B" (open ends): calls @one for each side. */
int parse_range(const char *s, int (*one)(const char *, uint64_t *),
		uint64_t *lo, uint64_t *hi);

/* damo's human formats: "2.000 MiB", "104.599 ms", "1 m 3.000 s". */
char *fmt_size(char *buf, size_t len, uint64_t bytes);
char *fmt_time(char *buf, size_t len, int64_t ns);
/* Wall-clock time "2024-05-01 12:34:56.789" (local time). */
char *fmt_wallclock(char *buf, size_t len, int64_t ns);

/* Monotonic clock in ns. */
int64_t now_ns(void);

/* ---- JSON writer (one document on a FILE, compact or --pretty) ---- */
void json_begin(FILE *f);
void json_end(void);		/* newline after the document */
void json_obj_open(const char *key);	/* key NULL inside arrays/at top */
void json_obj_close(void);
void json_arr_open(const char *key);
void json_arr_close(void);
void json_str(const char *key, const char *val);	/* val NULL: null */
void json_u64(const char *key, uint64_t v);
void json_i64(const char *key, int64_t v);
void json_double(const char *key, double v);
void json_bool(const char *key, bool v);
/* Write @s as a quoted JSON string. */
void json_quote(FILE *f, const char *s);
/*
 * --pretty for JSON that a library writer produces: pretty_begin() returns
 * a descriptor to write it to (-1 on error), from which a thread copies it
 * indented onto stdout; pretty_end() closes the descriptor and waits until
 * all of it is out.
 */
int pretty_begin(void);
void pretty_end(int fd);

#endif /* DAMONCTL_COMMON_H */
