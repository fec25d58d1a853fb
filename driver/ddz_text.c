// SPDX-License-Identifier: GPL-2.0
/*
 * ddz_text.c - parse and print lines of the dynamic-debug control file
 */
#include "ddz_query.h"
#include "ddz_text.h"

/* Undo the control file's escapes in place: "\t", "\r" and "\n". */
static void ddz_unescape_format(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && (s[1] == 't' || s[1] == 'r' ||
				     s[1] == 'n')) {
			*out++ = s[1] == 't' ? '\t' : s[1] == 'r' ? '\r' : '\n';
			s += 2;
			continue;
		}
		*out++ = *s++;
	}
	*out = '\0';
}

/**
 * ddz_parse_line - parse one callsite line of the control file
 * @line: the line, without its newline; modified in place
 * @rec: receives the callsite; its strings point into @line
 * @flags: receives the DDZ_F_* flags
 *
 * Return: 0, or -EINVAL when @line is not a callsite line.
 */
int ddz_parse_line(char *line, struct ddz_rec *rec, unsigned int *flags)
{
	char *p, *colon, *q, *end;
	unsigned long long lineno = 0;

	memset(rec, 0, sizeof(*rec));
	/* FILE:LINE, up to the first " [" */
	p = strstr(line, " [");
	if (!p)
		return -EINVAL;
	*p = '\0';
	colon = strrchr(line, ':');
	if (!colon || colon == line || !colon[1])
		return -EINVAL;
	*colon = '\0';
	for (q = colon + 1; *q; q++) {
		if (*q < '0' || *q > '9')
			return -EINVAL;
		lineno = lineno * 10 + (unsigned int)(*q - '0');
		if (lineno > U32_MAX)
			return -EINVAL;
	}
	rec->filename = line;
	rec->lineno = (u32)lineno;

	/* [MODULE]FUNCTION */
	q = p + 2;
	end = strchr(q, ']');
	if (!end || end == q)
		return -EINVAL;
	*end = '\0';
	rec->modname = q;
	q = end + 1;
	end = strstr(q, " =");
	if (!end || end == q)
		return -EINVAL;
	*end = '\0';
	rec->function = q;

	/* =FLAGS */
	q = end + 2;
	end = strchr(q, ' ');
	if (!end)
		return -EINVAL;
	*end = '\0';
	if (ddz_flags_from_string(q, flags))
		return -EINVAL;

	/* "FORMAT" up to the last quote, then an optional " class:NAME" */
	q = end + 1;
	if (*q != '"')
		return -EINVAL;
	q++;
	end = strrchr(q, '"');
	if (!end)
		return -EINVAL;
	*end++ = '\0';
	if (*end) {
		if (strncmp(end, " class:", 7) || !end[7])
			return -EINVAL;
		rec->class_name = end + 7;
	}
	ddz_unescape_format(q);
	rec->format = q;
	return 0;
}

/**
 * ddz_format_line - print one callsite as the control file does
 * @out: receives the line, with its newline, NUL-terminated
 * @cap: size of @out (DDZ_LINE_MAX is always enough)
 * @rec: the callsite
 * @flags: its DDZ_F_* flags
 *
 * Return: the line's length, or -E2BIG when @cap is too small.
 */
int ddz_format_line(char *out, size_t cap, const struct ddz_rec *rec,
		    unsigned int flags)
{
	char fbuf[DDZ_FLAGSBUF];
	const char *f;
	size_t n;
	int len;

	len = snprintf(out, cap, "%s:%u [%s]%s =%s \"", rec->filename,
		       rec->lineno, rec->modname, rec->function,
		       ddz_describe_flags(flags, fbuf));
	if (len < 0 || (size_t)len >= cap)
		return -E2BIG;
	n = len;
	for (f = rec->format; *f; f++) {
		char c = *f, e = 0;

		if (c == '\t')
			e = 't';
		else if (c == '\r')
			e = 'r';
		else if (c == '\n')
			e = 'n';
		if (n + 3 >= cap)
			return -E2BIG;
		if (e) {
			out[n++] = '\\';
			out[n++] = e;
		} else {
			out[n++] = c;
		}
	}
	if (rec->class_name)
		len = snprintf(out + n, cap - n, "\" class:%s\n",
			       rec->class_name);
	else
		len = snprintf(out + n, cap - n, "\"\n");
	if (len < 0 || (size_t)len >= cap - n)
		return -E2BIG;
	return n + len;
}
