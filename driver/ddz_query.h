/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ddz_query.h - the dynamic-debug query language, as the kernel speaks it
 *
 * ddz_query.c is a port of the parser of lib/dynamic_debug.c (Linux 6.12):
 * the same tokenizer, keywords, flags, quoting, escapes, wildcards, limits,
 * errors and return values.  It builds in the kernel and in user space (see
 * ddz_shim.h); applying a parsed query to callsites is left to a callback.
 */
#ifndef _DDZ_QUERY_H
#define _DDZ_QUERY_H

#include "ddz_shim.h"

/*
 * Callsite flags, the bits of the kernel's struct _ddebug.flags (6.12;
 * 'd' where the kernel has it, see DDZ_HAS_FLAG_STACK in compat.h).
 */
#define DDZ_F_PRINT		(1U << 0)	/* p */
#define DDZ_F_MODNAME		(1U << 1)	/* m */
#define DDZ_F_FUNCNAME		(1U << 2)	/* f */
#define DDZ_F_LINENO		(1U << 3)	/* l */
#define DDZ_F_TID		(1U << 4)	/* t */
#define DDZ_F_SOURCENAME	(1U << 5)	/* s */
#define DDZ_F_STACK		(1U << 6)	/* d */
#define DDZ_F_NONE		0U		/* _ */
#if DDZ_HAS_FLAG_STACK
#define DDZ_F_ALL		0x7fU
#else
#define DDZ_F_ALL		0x3fU
#endif
#define DDZ_F_PREFIX		(DDZ_F_MODNAME | DDZ_F_FUNCNAME | \
				 DDZ_F_LINENO | DDZ_F_TID | DDZ_F_SOURCENAME)

/* Longest write accepted by the control file, as USER_BUF_PAGE - 1. */
#define DDZ_QUERY_MAX		4095
/* Words in one query: four keyword/value pairs and the flags. */
#define DDZ_MAXWORDS		9
/* "pmfslt" and the NUL. */
#define DDZ_FLAGSBUF		8

/**
 * struct ddz_query - a parsed match specification
 * @filename: "file" value (":func" or ":lines" suffix removed), or NULL
 * @module: "module" value, or NULL
 * @function: "func" value, or the "file x.c:func" suffix, or NULL
 * @format: "format" value, unescaped; a leading '^' anchors it
 * @class_string: "class" value, or NULL
 * @first_lineno: first line, 0 for no lower bound
 * @last_lineno: last line, 0 for no upper bound
 *
 * The strings point into the buffer given to ddz_exec_queries().
 */
struct ddz_query {
	const char *filename;
	const char *module;
	const char *function;
	const char *format;
	const char *class_string;
	unsigned int first_lineno, last_lineno;
};

/**
 * struct ddz_flag_settings - what a query does to the flags it matches
 * @flags: bits to set
 * @mask: bits to keep; new flags = (old & @mask) | @flags
 */
struct ddz_flag_settings {
	unsigned int flags;
	unsigned int mask;
};

/*
 * Applies one parsed query; returns the number of callsites it matched, or
 * a negative errno.
 */
typedef int (*ddz_change_fn)(void *ctx, const struct ddz_query *query,
			     const struct ddz_flag_settings *mods);

int ddz_exec_queries(char *query, const char *modname, ddz_change_fn change,
		     void *ctx);
int ddz_exec_query(char *query_string, const char *modname,
		   ddz_change_fn change, void *ctx);

bool ddz_match_wildcard(const char *pattern, const char *str);
bool ddz_match_module(const struct ddz_query *query, const char *modname);
bool ddz_match_file(const struct ddz_query *query, const char *filename);
bool ddz_match_function(const struct ddz_query *query, const char *function);
bool ddz_match_format(const struct ddz_query *query, const char *format);
bool ddz_match_line(const struct ddz_query *query, unsigned int lineno);
unsigned int ddz_new_flags(unsigned int old,
			   const struct ddz_flag_settings *mods);

char *ddz_describe_flags(unsigned int flags, char buf[DDZ_FLAGSBUF]);
int ddz_flags_from_string(const char *s, unsigned int *flags);

bool ddz_isspace(int c);
bool ddz_isalpha(int c);
const char *ddz_basename(const char *path);

#endif /* _DDZ_QUERY_H */
