// SPDX-License-Identifier: GPL-2.0
/*
 * Analysis on hand-computed examples: working-set-size percentiles and the
 * damo-style heatmap (its address range, target and cell values).
 */
#include <math.h>

#include "util.h"

static struct damonrec_snapshot *snap(int64_t t, unsigned int kd)
{
	struct damonrec_snapshot *s = damonrec_snapshot_new();

	damonrec_snapshot_set_time(s, t);
	damonrec_snapshot_set_kdamond(s, kd);
	return s;
}

static void add(struct damonrec_snapshot *s, size_t t, uint64_t start,
		uint64_t end, uint32_t nr)
{
	struct damonrec_region r = { start, end, nr, 0 };

	damonrec_snapshot_add_region(s, t, &r);
}

static bool near(double a, double b)
{
	if (fabs(a - b) < 1e-9)
		return true;
	printf("#   %.12g != %.12g\n", a, b);
	return false;
}

static void test_wss(void)
{
	struct damonrec_wss *w = damonrec_wss_new(1), *w3 = damonrec_wss_new(3);
	struct damonrec_snapshot *s[4];
	int i;

	/* wss with min 1: 200, 50, 400, 0; with min 3: 0, 0, 300, 0 */
	for (i = 0; i < 4; i++) {
		s[i] = snap(i, 0);
		damonrec_snapshot_add_target(s[i], 0);
		damonrec_snapshot_add_target(s[i], 1);
	}
	add(s[0], 0, 0, 100, 0);
	add(s[0], 0, 100, 300, 2);
	add(s[1], 1, 1000, 1050, 1);
	add(s[2], 0, 0, 100, 1);
	add(s[2], 1, 1000, 1300, 5);
	add(s[3], 0, 0, 4096, 0);
	ok(damonrec_wss_get_percentile(w, 50) == 0 && errno == ENODATA,
	   "wss: no snapshots: 0, ENODATA");
	for (i = 0; i < 4; i++) {
		damonrec_wss_add(w, s[i]);
		damonrec_wss_add(w3, s[i]);
	}
	is_int(damonrec_wss_get_count(w), 4, "wss: four snapshots");
	is_u64(damonrec_wss_get_percentile(w, 0), 0, "wss: p0 is the smallest");
	is_u64(damonrec_wss_get_percentile(w, 25), 50, "wss: p25 (index 1)");
	is_u64(damonrec_wss_get_percentile(w, 50), 200, "wss: p50 (index 2), over all targets");
	is_u64(damonrec_wss_get_percentile(w, 74.9), 200, "wss: p74.9 (index 2)");
	is_u64(damonrec_wss_get_percentile(w, 75), 400, "wss: p75 (index 3)");
	is_u64(damonrec_wss_get_percentile(w, 100), 400, "wss: p100 is the largest");
	is_u64(damonrec_wss_get_percentile(w3, 99), 300, "wss: min_accesses 3 counts only the hot region");
	is_u64(damonrec_wss_get_percentile(w3, 50), 0, "wss: min_accesses 3, median 0");
	damonrec_wss_add(w, s[2]);
	is_u64(damonrec_wss_get_percentile(w, 50), 200, "wss: adding after a query re-sorts");
	for (i = 0; i < 4; i++)
		damonrec_snapshot_free(s[i]);
	damonrec_wss_free(w);
	damonrec_wss_free(w3);
}

/*
 * Target 0 at t = 0, 10, 20 ns:
 *   s0: [0,100) 1, [200,300) 2, [300,400) 4
 *   s1: [0,50) 1, [50,100) 1, [200,400) 6
 *   s2: [0,100) 3, [200,250) 8, [250,400) 0
 * The gap [100,200) is common to all: ranges [0,100) and [200,400); the map
 * shows [200,400) over [0,20].  Target 1 has only [0,10): less space.
 */
static struct damonrec_snapshot *hs[3];

static void make_heat_snapshots(void)
{
	int i;

	for (i = 0; i < 3; i++) {
		hs[i] = snap(10 * i, 0);
		damonrec_snapshot_add_target(hs[i], 0);
		damonrec_snapshot_add_target(hs[i], 1);
		add(hs[i], 1, 0, 10, 50);
	}
	add(hs[0], 0, 0, 100, 1);
	add(hs[0], 0, 200, 300, 2);
	add(hs[0], 0, 300, 400, 4);
	add(hs[1], 0, 0, 50, 1);
	add(hs[1], 0, 50, 100, 1);
	add(hs[1], 0, 200, 400, 6);
	add(hs[2], 0, 0, 100, 3);
	add(hs[2], 0, 200, 250, 8);
	add(hs[2], 0, 250, 400, 0);
}

static struct damonrec_heatmap *heat(unsigned int tb, unsigned int ab, bool scan)
{
	struct damonrec_heatmap *h = damonrec_heatmap_new(tb, ab);
	int i;

	for (i = 0; scan && i < 3; i++)
		damonrec_heatmap_scan(h, hs[i]);
	return h;
}

static void add_all(struct damonrec_heatmap *h)
{
	int i;

	for (i = 0; i < 3; i++)
		damonrec_heatmap_add(h, hs[i]);
}

static void test_heatmap(void)
{
	struct damonrec_heatmap *h;
	uint64_t a0, a1, id;
	int64_t t0, t1;
	unsigned int kd;
	bool good;
	int i;

	make_heat_snapshots();

	h = heat(2, 4, true);
	damonrec_heatmap_get_addr_range(h, &a0, &a1);
	damonrec_heatmap_get_time_range(h, &t0, &t1);
	ok(a0 == 200 && a1 == 400, "heatmap: address range is the largest one between common gaps (%" PRIu64 "-%" PRIu64 ")", a0, a1);
	ok(t0 == 0 && t1 == 20, "heatmap: time range from first to last snapshot");
	ok(!damonrec_heatmap_get_target(h, &kd, &id) && kd == 0 && id == 0,
	   "heatmap: the target with the most space is shown");
	add_all(h);
	/* row 0: s1 over [0,10]: [200,400) at 6 -> 6 everywhere;
	 * row 1: s2 over [10,20]: [200,250) 8, the rest 0. */
	good = true;
	for (i = 0; i < 4; i++)
		good &= near(damonrec_heatmap_get_value(h, 0, (unsigned int)i), 6);
	ok(good, "heatmap: row 0 is 6 everywhere (s0 only marks the start)");
	ok(near(damonrec_heatmap_get_value(h, 1, 0), 8) &&
	   near(damonrec_heatmap_get_value(h, 1, 1), 0) &&
	   near(damonrec_heatmap_get_value(h, 1, 3), 0),
	   "heatmap: row 1 is 8, 0, 0, 0");
	ok(damonrec_heatmap_get_time_bins(h) == 2 &&
	   damonrec_heatmap_get_addr_bins(h) == 4 &&
	   damonrec_heatmap_get_value(h, 2, 0) == 0, "heatmap: bins, out of range is 0");
	ok(damonrec_heatmap_scan(h, hs[0]) == -1 && errno == EBUSY &&
	   damonrec_heatmap_set_addr_range(h, 1, 2) == -1 && errno == EBUSY,
	   "heatmap: no scanning or range change after add()");
	damonrec_heatmap_free(h);

	/* Time overlap: one bin over [5,15]: (6*5 + 8*5)/10 and 6*5/10. */
	h = heat(1, 4, true);
	damonrec_heatmap_set_time_range(h, 5, 15);
	add_all(h);
	ok(near(damonrec_heatmap_get_value(h, 0, 0), 7) &&
	   near(damonrec_heatmap_get_value(h, 0, 1), 3) &&
	   near(damonrec_heatmap_get_value(h, 0, 3), 3),
	   "heatmap: time overlap weights each snapshot");
	damonrec_heatmap_free(h);

	/* Address overlap: [225,325) in 2 bins over [0,20]:
	 * bin [225,275): (6*10*50 + 8*10*25) / (20*50) = 5
	 * bin [275,325): 6*10*50 / (20*50) = 3 */
	h = heat(1, 2, true);
	damonrec_heatmap_set_addr_range(h, 225, 325);
	add_all(h);
	ok(near(damonrec_heatmap_get_value(h, 0, 0), 5) &&
	   near(damonrec_heatmap_get_value(h, 0, 1), 3),
	   "heatmap: address overlap weights each region");
	damonrec_heatmap_get_addr_range(h, &a0, &a1);
	ok(a0 == 225 && a1 == 325, "heatmap: the range set is kept");
	damonrec_heatmap_free(h);

	/* Another target. */
	h = heat(1, 1, true);
	damonrec_heatmap_set_target(h, 0, 1);
	damonrec_heatmap_get_addr_range(h, &a0, &a1);
	ok(a0 == 0 && a1 == 10, "heatmap: set_target picks that target's range");
	add_all(h);
	ok(near(damonrec_heatmap_get_value(h, 0, 0), 50),
	   "heatmap: and only its regions count");
	damonrec_heatmap_free(h);

	/* Gaps common to all: [100,200) then [120,220) -> [120,200). */
	{
		struct damonrec_snapshot *a = snap(0, 0), *b = snap(1, 0);

		damonrec_snapshot_add_target(a, 0);
		add(a, 0, 0, 100, 1);
		add(a, 0, 200, 1000, 1);
		damonrec_snapshot_add_target(b, 0);
		add(b, 0, 0, 120, 1);
		add(b, 0, 220, 250, 1);
		h = heat(1, 1, false);
		damonrec_heatmap_scan(h, a);
		damonrec_heatmap_scan(h, b);
		damonrec_heatmap_get_addr_range(h, &a0, &a1);
		ok(a0 == 200 && a1 == 1000,
		   "heatmap: common gap [120,200) leaves [0,120) and [200,1000)");
		damonrec_heatmap_free(h);
		damonrec_snapshot_free(a);
		damonrec_snapshot_free(b);
	}

	/* Without a scan, ranges set by hand: every target counts. */
	h = heat(1, 1, false);
	damonrec_heatmap_set_addr_range(h, 0, 10);
	damonrec_heatmap_set_time_range(h, 0, 20);
	add_all(h);
	ok(near(damonrec_heatmap_get_value(h, 0, 0), (50 + 1 + 50 + 3) / 2.0),
	   "heatmap: without scan or target, all targets add up");
	damonrec_heatmap_free(h);

	ok(!damonrec_heatmap_new(0, 4) && errno == EINVAL &&
	   !damonrec_heatmap_new(100000, 100000) && errno == EINVAL,
	   "heatmap: zero or too many bins are EINVAL");
	for (i = 0; i < 3; i++)
		damonrec_snapshot_free(hs[i]);
}

int main(void)
{
	test_wss();
	test_heatmap();
	return tap_done();
}
