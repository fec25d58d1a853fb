// SPDX-License-Identifier: GPL-2.0
/*
 * damon_rec_bench.c - time whatever is attached to damon_aggregated
 *
 * A benchmark module for the test VM (make bench), not for production
 * kernels.  At load it fires the damon_aggregated tracepoint itself,
 * through the tracepoint's iterator, with synthetic snapshots: nr_snapshots
 * snapshots of one target with nr_regions regions each, whose access
 * counts and ages change from one snapshot to the next as DAMON's do.  It
 * times each snapshot's events with preemption disabled, as the kdamond
 * fires them, and prints the time per event, e.g.
 *
 *   damon_rec_bench: 200 snapshots x 1000 regions: 1234 ns per event
 *
 * Whatever is attached at that moment runs: nothing (the baseline), the
 * probe of a damon_rec recording, the tracer's event, or perf's.  The
 * module does nothing after its load; unload it at once.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/damon.h>
#include <linux/delay.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
#error "damon_rec_bench fires the damon_aggregated signature of 6.7 and later"
#endif

static unsigned int nr_snapshots = 200;
module_param(nr_snapshots, uint, 0444);
MODULE_PARM_DESC(nr_snapshots, "snapshots to fire (default 200)");

static unsigned int nr_regions = 1000;
module_param(nr_regions, uint, 0444);
MODULE_PARM_DESC(nr_regions, "regions per snapshot (default 1000)");

/* __traceiter_damon_aggregated() of 6.7 and later. */
typedef int (*drb_iter_t)(void *data, unsigned int target_id,
			  struct damon_region *r, unsigned int nr_regions);

static void drb_match(struct tracepoint *tp, void *priv)
{
	struct tracepoint **found = priv;

	if (!strcmp(tp->name, "damon_aggregated"))
		*found = tp;
}

static u32 drb_rand(u32 *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

static int __init drb_init(void)
{
	struct tracepoint *tp = NULL;
	struct damon_region *regs;
	u64 total = 0, t0;
	u32 rnd = 2463534242U;
	unsigned int s, i;
	drb_iter_t iter;

	if (!nr_snapshots || !nr_regions || nr_regions > 1000000)
		return -EINVAL;
	for_each_kernel_tracepoint(drb_match, &tp);
	if (!tp) {
		pr_err("no damon_aggregated tracepoint: a kernel without DAMON\n");
		return -ENODEV;
	}
	iter = (drb_iter_t)tp->iterator;

	regs = kvcalloc(nr_regions, sizeof(*regs), GFP_KERNEL);
	if (!regs)
		return -ENOMEM;
	for (i = 0; i < nr_regions; i++) {
		regs[i].ar.start = 0x7f0000000000UL + (unsigned long)i * 0x10000;
		regs[i].ar.end = regs[i].ar.start + 0x10000;
	}

	for (s = 0; s < nr_snapshots; s++) {
		/* About a tenth of the regions change their access count. */
		for (i = 0; i < nr_regions; i++) {
			if (drb_rand(&rnd) % 10) {
				regs[i].age++;
			} else {
				regs[i].nr_accesses = drb_rand(&rnd) % 21;
				regs[i].age = 0;
			}
		}
		preempt_disable();
		t0 = local_clock();
		for (i = 0; i < nr_regions; i++)
			iter(NULL, 0, &regs[i], nr_regions);
		total += local_clock() - t0;
		preempt_enable();
		/* As a kdamond would, leave the CPU to the flush worker. */
		usleep_range(1000, 2000);
	}
	kvfree(regs);

	pr_info("%u snapshots x %u regions: %llu ns per event\n", nr_snapshots,
		nr_regions, div64_u64(total, (u64)nr_snapshots * nr_regions));
	return 0;
}

static void __exit drb_exit(void)
{
}

module_init(drb_init);
module_exit(drb_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Time the probes of the damon_aggregated tracepoint (benchmark)");
