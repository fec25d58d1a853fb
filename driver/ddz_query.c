// SPDX-License-Identifier: GPL-2.0
/*
 * ddz_query.c - the dynamic-debug query language of Linux 6.12
 *
 * A port of the query half of lib/dynamic_debug.c, so that writing to
 * /dev/damon_dyndbg behaves exactly as writing to
 * /proc/dynamic_debug/control: queries split on ';' and newlines, '#'
 * comments, words split on kernel whitespace with '"' and '\'' quoting, at
 * most DDZ_MAXWORDS words, keyword/value pairs given once each, "file
 * name:func" and "file name:N-M", "line N", "N-", "-M", "N-M", formats
 * unescaped like string_unescape_inplace(UNESCAPE_SPACE | UNESCAPE_OCTAL |
 * UNESCAPE_SPECIAL) and anchored by a leading '^', wildcards as
 * match_wildcard(), and the flags "pmfslt_" after '+', '-' or '='.  Every
 * error is -EINVAL; a multi-query write applies every good query and
 * returns the last error, or the number of callsites matched.
 *
 * The character classes are the kernel's (Latin-1: 0xa0 is a space and
 * 0xc0-0xff hold letters) in both builds, so that user space parses the
 * same bytes the same way.
 */
#include "ddz_query.h"

#ifndef __KERNEL__
int ddz_user_verbose;
#endif

/**
 * ddz_isspace - the kernel's isspace()
 * @c: a character, as int (its low 8 bits are used)
 *
 * Return: true for '\t' '\n' '\v' '\f' '\r' ' ' and 0xa0.
 */
bool ddz_isspace(int c)
{
	c &= 0xff;
	return (c >= 9 && c <= 13) || c == ' ' || c == 0xa0;
}

/**
 * ddz_isalpha - the kernel's isalpha()
 * @c: a character, as int (its low 8 bits are used)
 *
 * Return: true for ASCII letters and the Latin-1 letters 0xc0-0xff except
 * 0xd7 and 0xf7.
 */
bool ddz_isalpha(int c)
{
	c &= 0xff;
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
		return true;
	return c >= 0xc0 && c != 0xd7 && c != 0xf7;
}

static bool ddz_isodigit(char c)
{
	return c >= '0' && c <= '7';
}

static char *ddz_skip_spaces(const char *s)
{
	while (ddz_isspace(*s))
		s++;
	return (char *)s;
}

/**
 * ddz_basename - the part of a path after its last '/'
 * @path: a path
 *
 * Return: a pointer into @path.
 */
const char *ddz_basename(const char *path)
{
	const char *tail = strrchr(path, '/');

	return tail ? tail + 1 : path;
}

/* Flag letters, in the order the control file prints them. */
static const struct {
	unsigned int flag;
	char opt_char;
} ddz_opts[] = {
	{ DDZ_F_PRINT, 'p' },
	{ DDZ_F_MODNAME, 'm' },
	{ DDZ_F_FUNCNAME, 'f' },
	{ DDZ_F_SOURCENAME, 's' },
	{ DDZ_F_LINENO, 'l' },
	{ DDZ_F_TID, 't' },
#if DDZ_HAS_FLAG_STACK
	{ DDZ_F_STACK, 'd' },
#endif
	{ DDZ_F_NONE, '_' },
};

/**
 * ddz_describe_flags - the flags as the control file shows them
 * @flags: DDZ_F_* bits
 * @buf: receives "pmfslt" letters, or "_" when no flag is set
 *
 * Return: @buf.
 */
char *ddz_describe_flags(unsigned int flags, char buf[DDZ_FLAGSBUF])
{
	char *p = buf;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ddz_opts); i++)
		if (flags & ddz_opts[i].flag)
			*p++ = ddz_opts[i].opt_char;
	if (p == buf)
		*p++ = '_';
	*p = '\0';
	return buf;
}

static int ddz_flag_of(char c, unsigned int *flag)
{
	int i;

	for (i = ARRAY_SIZE(ddz_opts) - 1; i >= 0; i--) {
		if (c == ddz_opts[i].opt_char) {
			*flag = ddz_opts[i].flag;
			return 0;
		}
	}
	return -EINVAL;
}

/**
 * ddz_flags_from_string - flags from their control-file letters
 * @s: letters as ddz_describe_flags() writes them (any order)
 * @flags: receives the DDZ_F_* bits
 *
 * Return: 0, or -EINVAL on an unknown letter or an empty string.
 */
int ddz_flags_from_string(const char *s, unsigned int *flags)
{
	unsigned int f = 0, one;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (ddz_flag_of(*s, &one))
			return -EINVAL;
		f |= one;
	}
	*flags = f;
	return 0;
}

/**
 * ddz_match_wildcard - the kernel's match_wildcard()
 * @pattern: pattern where '*' matches any run and '?' any one character
 * @str: the string to test
 *
 * Return: true when the whole of @str matches @pattern.
 */
bool ddz_match_wildcard(const char *pattern, const char *str)
{
	const char *s = str;
	const char *p = pattern;
	bool star = false;

	while (*s) {
		if (*p == '?') {
			s++;
			p++;
		} else if (*p == '*') {
			star = true;
			str = s;
			if (!*++p)
				return true;
			pattern = p;
		} else if (*s == *p) {
			s++;
			p++;
		} else {
			if (!star)
				return false;
			str++;
			s = str;
			p = pattern;
		}
	}
	if (*p == '*')
		p++;
	return !*p;
}

/**
 * ddz_match_module - whether a query selects a module name
 * @query: the parsed query
 * @modname: the callsite's module name
 *
 * Return: true when @query has no module, or its pattern matches.
 */
bool ddz_match_module(const struct ddz_query *query, const char *modname)
{
	return !query->module || ddz_match_wildcard(query->module, modname);
}

/**
 * ddz_match_file - whether a query selects a source file
 * @query: the parsed query
 * @filename: the callsite's file, as the control file shows it
 *
 * The pattern is tried against the whole name and against its basename
 * (the kernel also tries the name without its source-tree prefix: the
 * names kept here have none).
 *
 * Return: true when @query has no file, or one of the names matches.
 */
bool ddz_match_file(const struct ddz_query *query, const char *filename)
{
	return !query->filename ||
	       ddz_match_wildcard(query->filename, filename) ||
	       ddz_match_wildcard(query->filename, ddz_basename(filename));
}

/**
 * ddz_match_function - whether a query selects a function
 * @query: the parsed query
 * @function: the callsite's function
 *
 * Return: true when @query has no function, or its pattern matches.
 */
bool ddz_match_function(const struct ddz_query *query, const char *function)
{
	return !query->function ||
	       ddz_match_wildcard(query->function, function);
}

/**
 * ddz_match_format - whether a query selects a format
 * @query: the parsed query
 * @format: the callsite's format
 *
 * Return: true when @query has no format, when it occurs in @format, or,
 * for "^text", when @format begins with the text.
 */
bool ddz_match_format(const struct ddz_query *query, const char *format)
{
	if (!query->format)
		return true;
	if (*query->format == '^')
		return strstr(format, query->format + 1) == format;
	return strstr(format, query->format) != NULL;
}

/**
 * ddz_match_line - whether a query selects a line
 * @query: the parsed query
 * @lineno: the callsite's line
 *
 * Return: true when @lineno is within the query's bounds (0: unbounded).
 */
bool ddz_match_line(const struct ddz_query *query, unsigned int lineno)
{
	if (query->first_lineno && lineno < query->first_lineno)
		return false;
	if (query->last_lineno && lineno > query->last_lineno)
		return false;
	return true;
}

/**
 * ddz_new_flags - flags of a matched callsite after a query
 * @old: its flags before
 * @mods: the query's flag settings
 *
 * Return: the new flags.
 */
unsigned int ddz_new_flags(unsigned int old,
			   const struct ddz_flag_settings *mods)
{
	return (old & mods->mask) | mods->flags;
}

/*
 * Split @buf into words at kernel whitespace, with simple '"' and '\''
 * quoting (no nesting, no escaped quotes); a word starting with '#' ends
 * the query.  Returns the number of words or -EINVAL.
 */
static int ddz_tokenize(char *buf, char *words[], int maxwords)
{
	int nwords = 0;

	while (*buf) {
		char *end;

		buf = ddz_skip_spaces(buf);
		if (!*buf)
			break;
		if (*buf == '#')
			break;

		if (*buf == '"' || *buf == '\'') {
			int quote = *buf++;

			for (end = buf; *end && *end != quote; end++)
				;
			if (!*end) {
				ddz_err("unclosed quote: %s\n", buf);
				return -EINVAL;
			}
		} else {
			for (end = buf; *end && !ddz_isspace(*end); end++)
				;
		}

		if (nwords == maxwords) {
			ddz_err("too many words, legal max <=%d\n", maxwords);
			return -EINVAL;
		}
		if (*end)
			*end++ = '\0';
		words[nwords++] = buf;
		buf = end;
	}
	return nwords;
}

/* kstrtouint(s, 10, ...): an optional '+', digits, one optional '\n'. */
static int ddz_kstrtouint(const char *s, unsigned int *res)
{
	unsigned long long v = 0;
	const char *start;

	if (*s == '+')
		s++;
	for (start = s; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned int)(*s - '0');
		if (v > UINT_MAX)
			return -ERANGE;
	}
	if (s == start)
		return -EINVAL;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = (unsigned int)v;
	return 0;
}

/* One line number; "" is 0, "don't care". */
static int ddz_parse_lineno(const char *str, unsigned int *val)
{
	if (*str == '\0') {
		*val = 0;
		return 0;
	}
	if (ddz_kstrtouint(str, val) < 0) {
		ddz_err("bad line-number: %s\n", str);
		return -EINVAL;
	}
	return 0;
}

static int ddz_parse_linerange(struct ddz_query *query, char *first)
{
	char *last = strchr(first, '-');

	if (query->first_lineno || query->last_lineno) {
		ddz_err("match-spec: line used 2x\n");
		return -EINVAL;
	}
	if (last)
		*last++ = '\0';
	if (ddz_parse_lineno(first, &query->first_lineno) < 0)
		return -EINVAL;
	if (last) {
		if (ddz_parse_lineno(last, &query->last_lineno) < 0)
			return -EINVAL;
		if (query->last_lineno == 0)
			query->last_lineno = UINT_MAX;
		if (query->last_lineno < query->first_lineno) {
			ddz_err("last-line:%d < 1st-line:%d\n",
				query->last_lineno, query->first_lineno);
			return -EINVAL;
		}
	} else {
		query->last_lineno = query->first_lineno;
	}
	return 0;
}

static int ddz_check_set(const char **dest, char *src, const char *name)
{
	int rc = 0;

	if (*dest) {
		rc = -EINVAL;
		ddz_err("match-spec:%s val:%s overridden by %s\n",
			name, *dest, src);
	}
	*dest = src;
	return rc;
}

/*
 * string_unescape_inplace() with UNESCAPE_SPACE | UNESCAPE_OCTAL |
 * UNESCAPE_SPECIAL: \n \r \t \v \f, up to three octal digits (stopping
 * early once the value reaches 32), \" \\ \a \e; any other backslash stays.
 */
static void ddz_unescape(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] != '\0') {
			char *q = ++s;

			switch (*q) {
			case 'n':
				*out++ = '\n';
				s++;
				continue;
			case 'r':
				*out++ = '\r';
				s++;
				continue;
			case 't':
				*out++ = '\t';
				s++;
				continue;
			case 'v':
				*out++ = '\v';
				s++;
				continue;
			case 'f':
				*out++ = '\f';
				s++;
				continue;
			}
			if (ddz_isodigit(*q)) {
				u8 num = *q++ & 7;

				while (num < 32 && ddz_isodigit(*q) && q - s < 3) {
					num <<= 3;
					num += *q++ & 7;
				}
				*out++ = (char)num;
				s = q;
				continue;
			}
			switch (*q) {
			case '"':
				*out++ = '"';
				s++;
				continue;
			case '\\':
				*out++ = '\\';
				s++;
				continue;
			case 'a':
				*out++ = '\a';
				s++;
				continue;
			case 'e':
				*out++ = '\033';
				s++;
				continue;
			}
			*out++ = '\\';
		}
		*out++ = *s++;
	}
	*out = '\0';
}

/*
 * Parse keyword/value pairs: func, file (with an optional ":func" or
 * ":lines" tail), module, format, line, class; each at most once.
 */
static int ddz_parse_query(char *words[], int nwords, struct ddz_query *query,
			   const char *modname)
{
	int i, rc = 0;
	char *fline;

	if (nwords % 2 != 0) {
		ddz_err("expecting pairs of match-spec <value>\n");
		return -EINVAL;
	}

	for (i = 0; i < nwords; i += 2) {
		char *keyword = words[i];
		char *arg = words[i + 1];

		if (!strcmp(keyword, "func")) {
			rc = ddz_check_set(&query->function, arg, "func");
		} else if (!strcmp(keyword, "file")) {
			if (ddz_check_set(&query->filename, arg, "file"))
				return -EINVAL;

			/* a ":func" or ":lines" tail */
			fline = strchr(arg, ':');
			if (!fline)
				continue;
			*fline++ = '\0';
			if (ddz_isalpha(*fline) || *fline == '*' ||
			    *fline == '?') {
				if (ddz_check_set(&query->function, fline,
						  "func"))
					return -EINVAL;
			} else {
				if (ddz_parse_linerange(query, fline))
					return -EINVAL;
			}
		} else if (!strcmp(keyword, "module")) {
			rc = ddz_check_set(&query->module, arg, "module");
		} else if (!strcmp(keyword, "format")) {
			ddz_unescape(arg);
			rc = ddz_check_set(&query->format, arg, "format");
		} else if (!strcmp(keyword, "line")) {
			if (ddz_parse_linerange(query, arg))
				return -EINVAL;
		} else if (!strcmp(keyword, "class")) {
			rc = ddz_check_set(&query->class_string, arg, "class");
		} else {
			ddz_err("unknown keyword \"%s\"\n", keyword);
			return -EINVAL;
		}
		if (rc)
			return rc;
	}
	if (!query->module && modname)
		query->module = modname;
	return 0;
}

/* "[+-=][pmfslt_]*": the flags to set and the mask of those to keep. */
static int ddz_parse_flags(const char *str, struct ddz_flag_settings *mods)
{
	unsigned int flag;
	int op;

	switch (*str) {
	case '+':
	case '-':
	case '=':
		op = *str++;
		break;
	default:
		ddz_err("bad flag-op %c, at start of %s\n", *str, str);
		return -EINVAL;
	}

	for (; *str; str++) {
		if (ddz_flag_of(*str, &flag)) {
			ddz_err("unknown flag '%c'\n", *str);
			return -EINVAL;
		}
		mods->flags |= flag;
	}

	switch (op) {
	case '=':
		mods->mask = 0;
		break;
	case '+':
		mods->mask = ~0U;
		break;
	case '-':
		mods->mask = ~mods->flags;
		mods->flags = 0;
		break;
	}
	return 0;
}

/**
 * ddz_exec_query - parse and apply one query
 * @query_string: the query, modified in place
 * @modname: module the query is limited to when it names none, or NULL
 * @change: applies the parsed query
 * @ctx: passed to @change
 *
 * Return: what @change returns (callsites matched), or -EINVAL.
 */
int ddz_exec_query(char *query_string, const char *modname,
		   ddz_change_fn change, void *ctx)
{
	struct ddz_flag_settings mods = { 0, 0 };
	struct ddz_query query;
	char *words[DDZ_MAXWORDS];
	int nwords;

	memset(&query, 0, sizeof(query));
	nwords = ddz_tokenize(query_string, words, DDZ_MAXWORDS);
	if (nwords <= 0) {
		ddz_err("tokenize failed\n");
		return -EINVAL;
	}
	/* the flags come last; what is before them must be pairs */
	if (ddz_parse_flags(words[nwords - 1], &mods)) {
		ddz_err("flags parse failed\n");
		return -EINVAL;
	}
	if (ddz_parse_query(words, nwords - 1, &query, modname)) {
		ddz_err("query parse failed\n");
		return -EINVAL;
	}
	return change(ctx, &query, &mods);
}

/**
 * ddz_exec_queries - parse and apply queries separated by ';' or newlines
 * @query: the queries, modified in place
 * @modname: module the queries are limited to when they name none, or NULL
 * @change: applies one parsed query
 * @ctx: passed to @change
 *
 * Blank queries and those starting with '#' are skipped; a failing query
 * does not stop the ones after it.
 *
 * Return: the last error, or the total of callsites matched.
 */
int ddz_exec_queries(char *query, const char *modname, ddz_change_fn change,
		     void *ctx)
{
	int exitcode = 0, nfound = 0, rc;
	char *split;

	for (; query; query = split) {
		split = strpbrk(query, ";\n");
		if (split)
			*split++ = '\0';

		query = ddz_skip_spaces(query);
		if (!*query || *query == '#')
			continue;

		rc = ddz_exec_query(query, modname, change, ctx);
		if (rc < 0)
			exitcode = rc;
		else
			nfound += rc;
	}
	return exitcode ? exitcode : nfound;
}
