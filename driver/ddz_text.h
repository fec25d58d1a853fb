/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ddz_text.h - the text of /proc/dynamic_debug/control
 *
 * One line per callsite, as Linux 6.12 prints it:
 *
 *	FILE:LINE [MODULE]FUNCTION =FLAGS "FORMAT"[ class:CLASS]
 *
 * after the header line DDZ_CONTROL_HEADER.  The format is escaped like
 * seq_escape_str(ESCAPE_SPACE, "\t\r\n\""): only tab, carriage return and
 * newline become "\t", "\r" and "\n"; quotes and everything else are kept.
 * Builds in the kernel and in user space (ddz_shim.h).
 */
#ifndef _DDZ_TEXT_H
#define _DDZ_TEXT_H

#include "ddz_codec.h"

#define DDZ_CONTROL_HEADER "# filename:lineno [module]function flags format\n"

/* Longest line ddz_format_line() writes, with its newline and NUL. */
#define DDZ_LINE_MAX	(4 * DDZ_STR_MAX + 64)

int ddz_parse_line(char *line, struct ddz_rec *rec, unsigned int *flags);
int ddz_format_line(char *out, size_t cap, const struct ddz_rec *rec,
		    unsigned int flags);

#endif /* _DDZ_TEXT_H */
