// SPDX-License-Identifier: GPL-2.0
/*
 * damonctl show --heatmap: render a damonrec_heatmap on a terminal (rows
 * are time, columns are addresses, as damo's ASCII heatmap) or as an SVG
 * image (time across, addresses up, as damo's gnuplot output).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "show.h"

/* A perceptual dark-to-bright ramp: black, purple, red, orange, yellow, white. */
static const double ramp[][3] = {
	{ 0.02, 0.02, 0.06 }, { 0.23, 0.06, 0.44 }, { 0.55, 0.12, 0.48 },
	{ 0.85, 0.25, 0.33 }, { 0.98, 0.53, 0.17 }, { 0.99, 0.85, 0.35 },
	{ 1.00, 1.00, 0.90 },
};

static void ramp_rgb(double x, int rgb[3])
{
	int n = (int)(sizeof(ramp) / sizeof(ramp[0])) - 1, i, c;
	double pos, f;

	if (!(x > 0))
		x = 0;
	if (x > 1)
		x = 1;
	pos = x * n;
	i = (int)pos;
	if (i >= n)
		i = n - 1;
	f = pos - i;
	for (c = 0; c < 3; c++)
		rgb[c] = (int)lround(255 * (ramp[i][c] * (1 - f) + ramp[i + 1][c] * f));
}

enum color_mode heatmap_color_mode(FILE *f, const char *when)
{
	const char *term = getenv("TERM"), *ct = getenv("COLORTERM");

	if (when && !strcmp(when, "never"))
		return COLOR_NONE;
	if (!when || !strcmp(when, "auto")) {
		if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
			return COLOR_NONE;
		if (!isatty(fileno(f)) || !term || !strcmp(term, "dumb"))
			return COLOR_NONE;
	}
	if (ct && (!strcmp(ct, "truecolor") || !strcmp(ct, "24bit")))
		return COLOR_TRUE;
	if (term && (strstr(term, "256color") || strstr(term, "direct")))
		return COLOR_256;
	/* "always" on an unknown terminal: 256 colours are nearly universal. */
	return when && !strcmp(when, "always") ? COLOR_256 : COLOR_NONE;
}

/* xterm 256-colour cube index nearest to @rgb. */
static int cube_index(const int rgb[3])
{
	int q[3], c;

	for (c = 0; c < 3; c++) {
		int v = rgb[c];

		q[c] = v < 48 ? 0 : v < 115 ? 1 : (v - 35) / 40;
	}
	return 16 + 36 * q[0] + 6 * q[1] + q[2];
}

static void cell(FILE *f, enum color_mode mode, int level)
{
	int rgb[3], lum;

	if (mode == COLOR_NONE) {
		fputc('0' + level, f);
		return;
	}
	ramp_rgb(level / 9.0, rgb);
	lum = (rgb[0] * 3 + rgb[1] * 6 + rgb[2]) / 10;
	if (mode == COLOR_TRUE)
		fprintf(f, "\033[48;2;%d;%d;%dm\033[38;2;%s;%s;%sm%d", rgb[0], rgb[1],
			rgb[2], lum > 128 ? "0" : "255", lum > 128 ? "0" : "255",
			lum > 128 ? "0" : "255", level);
	else
		fprintf(f, "\033[48;5;%dm\033[38;5;%dm%d", cube_index(rgb),
			lum > 128 ? 16 : 231, level);
}

static void value_range(const struct damonrec_heatmap *h, double *lo, double *hi)
{
	unsigned int tb = damonrec_heatmap_get_time_bins(h);
	unsigned int ab = damonrec_heatmap_get_addr_bins(h);
	unsigned int t, a;

	*lo = INFINITY;
	*hi = -INFINITY;
	for (t = 0; t < tb; t++) {
		for (a = 0; a < ab; a++) {
			double v = damonrec_heatmap_get_value(h, t, a);

			if (v < *lo)
				*lo = v;
			if (v > *hi)
				*hi = v;
		}
	}
	if (!isfinite(*lo)) {
		*lo = 0;
		*hi = 0;
	}
}

static int level_of(double v, double lo, double hi)
{
	int l;

	if (hi <= lo)
		return 0;
	l = (int)((v - lo) / (hi - lo) * 10.0);
	return l > 9 ? 9 : l < 0 ? 0 : l;
}

void heatmap_print_term(FILE *f, const struct heatmap_view *v)
{
	const struct damonrec_heatmap *h = v->h;
	unsigned int tb = damonrec_heatmap_get_time_bins(h);
	unsigned int ab = damonrec_heatmap_get_addr_bins(h);
	char s1[48], s2[48], s3[48];
	uint64_t a0, a1;
	int64_t t0, t1;
	double lo, hi;
	unsigned int t, a;
	int l;

	damonrec_heatmap_get_addr_range(h, &a0, &a1);
	damonrec_heatmap_get_time_range(h, &t0, &t1);
	value_range(h, &lo, &hi);

	fprintf(f, "# heatmap of %s, target %s: %u rows (time) x %u columns (address)\n",
		v->source, v->target, tb, ab);
	fprintf(f, "# x-axis: address, 0x%" PRIx64 " (left) to 0x%" PRIx64
		" (right), %s, %s per column\n", a0, a1,
		fmt_size(s1, sizeof(s1), a1 - a0),
		fmt_size(s2, sizeof(s2), ab ? (a1 - a0) / ab : 0));
	fprintf(f, "# y-axis: time, %s (top) to %s (bottom) after the first snapshot, "
		"%s per row\n", fmt_time(s1, sizeof(s1), t0 - v->base_ns),
		fmt_time(s2, sizeof(s2), t1 - v->base_ns),
		fmt_time(s3, sizeof(s3), tb ? (t1 - t0) / tb : 0));
	fprintf(f, "# colour: access frequency (accesses per aggregation interval), "
		"level 0 = %.2f to 9 = %.2f\n", lo, hi);

	for (t = 0; t < tb; t++) {
		int64_t at = t0 + (int64_t)((double)(t1 - t0) * t / tb) - v->base_ns;

		if (t % 5 == 0)
			fprintf(f, "%12s |", fmt_time(s1, sizeof(s1), at));
		else
			fprintf(f, "%12s |", "");
		for (a = 0; a < ab; a++)
			cell(f, v->color, level_of(damonrec_heatmap_get_value(h, t, a), lo, hi));
		if (v->color != COLOR_NONE)
			fputs("\033[0m", f);
		fputs("|\n", f);
	}
	fprintf(f, "%12s +", "");
	for (a = 0; a < ab; a++)
		fputc(a == 0 || a == ab - 1 ? '+' : (a % 10 == 0 ? '+' : '-'), f);
	fputs("+\n", f);
	snprintf(s1, sizeof(s1), "0x%" PRIx64, a0);
	snprintf(s2, sizeof(s2), "0x%" PRIx64, a1);
	if (ab >= strlen(s1) + strlen(s2) + 1)
		fprintf(f, "%12s  %-*s%s\n", "", (int)(ab - strlen(s2)), s1, s2);
	else
		fprintf(f, "%12s  %s (left) to %s (right)\n", "", s1, s2);
	fprintf(f, "%12s  legend: ", "");
	for (l = 0; l <= 9; l++) {
		cell(f, v->color, l);
		if (v->color != COLOR_NONE)
			fputs("\033[0m", f);
		fputc(' ', f);
	}
	fprintf(f, " (0: %.2f, 9: %.2f accesses/aggregation)\n", lo, hi);
}

static void svg_text(FILE *f, double x, double y, const char *anchor,
		     const char *extra, const char *text)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>", x, y,
		anchor, extra ? extra : "");
	for (; *text; text++) {
		if (*text == '<')
			fputs("&lt;", f);
		else if (*text == '>')
			fputs("&gt;", f);
		else if (*text == '&')
			fputs("&amp;", f);
		else
			fputc(*text, f);
	}
	fputs("</text>\n", f);
}

/* SVG layout: font size, advance of a monospace character, margins. */
#define SVG_FONT	12
#define SVG_MONO_ADV	(0.6 * SVG_FONT)	/* 7.2 px, DejaVu Sans Mono */
#define SVG_TITLE_X	18
#define SVG_GAP		12

int heatmap_write_svg(const char *path, const struct heatmap_view *v)
{
	const struct damonrec_heatmap *h = v->h;
	unsigned int tb = damonrec_heatmap_get_time_bins(h);
	unsigned int ab = damonrec_heatmap_get_addr_bins(h);
	const double H = 640, Y0 = 50, PW = 720, PH = 500;
	double W, X0;
	char s1[64], s2[64], title[256];
	uint64_t a0, a1;
	int64_t t0, t1;
	double lo, hi, cw, ch;
	unsigned int t, a, i;
	int rgb[3], ret;
	FILE *f;

	f = fopen(path, "we");
	if (!f)
		return -1;
	damonrec_heatmap_get_addr_range(h, &a0, &a1);
	damonrec_heatmap_get_time_range(h, &t0, &t1);
	value_range(h, &lo, &hi);
	cw = PW / (tb ? tb : 1);
	ch = PH / (ab ? ab : 1);
	/*
	 * Left of the plot: the axis title (rotated, centred on x 18), a gap,
	 * then the address labels in monospace, whose width is known: the
	 * widest is that of the highest address.
	 */
	snprintf(s2, sizeof(s2), "0x%" PRIx64, a1);
	X0 = SVG_TITLE_X + SVG_FONT / 2 + SVG_GAP + strlen(s2) * SVG_MONO_ADV + 8;
	W = X0 + PW + 140;

	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, H, W, H);
	snprintf(title, sizeof(title), "DAMON access heatmap: %s, target %s",
		 v->source, v->target);
	svg_text(f, X0 + PW / 2, 28, "middle", " font-size=\"16\"", title);

	/* Cells: time runs left to right, addresses bottom to top. */
	fputs("<g shape-rendering=\"crispEdges\">\n", f);
	for (t = 0; t < tb; t++) {
		for (a = 0; a < ab; a++) {
			double val = damonrec_heatmap_get_value(h, t, a);

			ramp_rgb(hi > lo ? (val - lo) / (hi - lo) : 0, rgb);
			fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
				"fill=\"#%02x%02x%02x\"/>\n", X0 + t * cw,
				Y0 + PH - (a + 1) * ch, cw + 0.05, ch + 0.05,
				rgb[0], rgb[1], rgb[2]);
		}
	}
	fputs("</g>\n", f);
	fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" "
		"fill=\"none\" stroke=\"black\"/>\n", X0, Y0, PW, PH);

	/* Axes with five ticks each. */
	for (i = 0; i <= 4; i++) {
		double x = X0 + PW * i / 4, y = Y0 + PH - PH * i / 4;
		int64_t tt = t0 + (int64_t)((double)(t1 - t0) * i / 4) - v->base_ns;
		uint64_t aa = a0 + (uint64_t)((double)(a1 - a0) * i / 4);

		fprintf(f, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"black\"/>\n",
			x, Y0 + PH, x, Y0 + PH + 5);
		svg_text(f, x, Y0 + PH + 18, "middle", NULL, fmt_time(s1, sizeof(s1), tt));
		fprintf(f, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"black\"/>\n",
			X0 - 5, y, X0, y);
		snprintf(s2, sizeof(s2), "0x%" PRIx64, aa);
		svg_text(f, X0 - 8, y + 4, "end", " font-family=\"monospace\"", s2);
	}
	svg_text(f, X0 + PW / 2, Y0 + PH + 40, "middle", NULL,
		 "time since the first snapshot");
	snprintf(s1, sizeof(s1), "address (%s span)", fmt_size(s2, sizeof(s2), a1 - a0));
	fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"middle\" "
		"transform=\"rotate(-90 %.0f %.1f)\">%s</text>\n",
		(double)SVG_TITLE_X, Y0 + PH / 2, (double)SVG_TITLE_X, Y0 + PH / 2, s1);

	/* Legend: a vertical colour bar. */
	fputs("<defs><linearGradient id=\"ramp\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n", f);
	for (i = 0; i <= 10; i++) {
		ramp_rgb(i / 10.0, rgb);
		fprintf(f, "<stop offset=\"%.1f\" stop-color=\"#%02x%02x%02x\"/>\n",
			i / 10.0, rgb[0], rgb[1], rgb[2]);
	}
	fputs("</linearGradient></defs>\n", f);
	fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"20\" height=\"%.0f\" "
		"fill=\"url(#ramp)\" stroke=\"black\"/>\n", X0 + PW + 30, Y0, PH);
	snprintf(s1, sizeof(s1), "%.2f", hi);
	svg_text(f, X0 + PW + 56, Y0 + 10, "start", NULL, s1);
	snprintf(s1, sizeof(s1), "%.2f", lo);
	svg_text(f, X0 + PW + 56, Y0 + PH, "start", NULL, s1);
	fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"middle\" "
		"transform=\"rotate(-90 %.0f %.1f)\">accesses per aggregation</text>\n",
		X0 + PW + 75, Y0 + PH / 2, X0 + PW + 75, Y0 + PH / 2);
	fputs("</svg>\n", f);

	ret = ferror(f) ? -1 : 0;
	if (fclose(f))
		ret = -1;
	if (ret && !errno)
		errno = EIO;
	return ret;
}
