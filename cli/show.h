/* SPDX-License-Identifier: GPL-2.0 */
/*
 * damonctl show: heatmap rendering.
 */
#ifndef DAMONCTL_SHOW_H
#define DAMONCTL_SHOW_H

#include <stdint.h>
#include <stdio.h>

#include "damonrec.h"

enum color_mode { COLOR_NONE, COLOR_256, COLOR_TRUE };

struct heatmap_view {
	const struct damonrec_heatmap *h;
	const char *source;		/* file name for titles */
	const char *target;		/* "all" or the id */
	int64_t base_ns;		/* time 0 of the axes */
	enum color_mode color;
};

/* Pick the colour mode for @f from --color WHEN ("auto", "always", "never"). */
enum color_mode heatmap_color_mode(FILE *f, const char *when);
/* Coloured (or digit) heatmap with explained axes on @f. */
void heatmap_print_term(FILE *f, const struct heatmap_view *v);
/* SVG image with axes, ticks and a legend; -1 with errno on write error. */
int heatmap_write_svg(const char *path, const struct heatmap_view *v);

#endif /* DAMONCTL_SHOW_H */
