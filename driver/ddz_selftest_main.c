// SPDX-License-Identifier: GPL-2.0
/*
 * ddz_selftest_main.c - ddz_selftest.ko: exercises damon_dyndbg's API
 *
 * At load it checks ddz_site_get()/ddz_site_put() and
 * ddz_exec_queries_str() on its own callsites and logs one line per check
 * ("ok N - ..." or "not ok N - ...") and a summary.  Afterwards, writing N
 * to its parameters prints:
 *
 *   fire         N prints from process context (ddz_selftest_hot())
 *   fire_irq     N prints from a hrtimer (hard interrupt) and N from a
 *                timer (soft interrupt), waiting for them
 *   fire_kernel  N prints through the kernel's own dynamic debug
 *                (pr_debug()), the benchmark's baseline
 *
 * which the VM tests and the dyndbg benchmark use.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/timer.h>

#include "compat.h"
#include "ddz.h"

static unsigned int ddz_st_count, ddz_st_failed;

static void ddz_st_check(bool pass, const char *what)
{
	ddz_st_count++;
	if (pass) {
		pr_info("ok %u - %s\n", ddz_st_count, what);
	} else {
		ddz_st_failed++;
		pr_err("not ok %u - %s\n", ddz_st_count, what);
	}
}

static noinline void ddz_selftest_hot(unsigned int i)
{
	ddz_pr_debug("hot print %u\n", i);
}

/* The same print through the kernel's dynamic debug, for comparison. */
static noinline void ddz_selftest_kernel_hot(unsigned int i)
{
	pr_debug("hot print %u\n", i);
}

static noinline void ddz_selftest_cold(const char *why)
{
	ddz_pr_debug("cold print: %s\n", why);
}

/* ---- prints from interrupt context ---- */

static struct hrtimer ddz_st_hrtimer;
static struct timer_list ddz_st_timer;
static DECLARE_COMPLETION(ddz_st_hard_done);
static DECLARE_COMPLETION(ddz_st_soft_done);
static unsigned int ddz_st_irq_left;

static enum hrtimer_restart ddz_st_hard(struct hrtimer *t)
{
	unsigned int i;

	for (i = 0; i < ddz_st_irq_left; i++)
		ddz_pr_debug("from hard interrupt %u\n", i);
	complete(&ddz_st_hard_done);
	return HRTIMER_NORESTART;
}

static void ddz_st_soft(struct timer_list *t)
{
	unsigned int i;

	for (i = 0; i < ddz_st_irq_left; i++)
		ddz_pr_debug("from soft interrupt %u\n", i);
	complete(&ddz_st_soft_done);
}

static int ddz_st_fire_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n, i;
	int rc = kstrtouint(val, 0, &n);

	if (rc)
		return rc;
	for (i = 0; i < n; i++)
		ddz_selftest_hot(i);
	return 0;
}

static int ddz_st_fire_kernel_set(const char *val,
				  const struct kernel_param *kp)
{
	unsigned int n, i;
	int rc = kstrtouint(val, 0, &n);

	if (rc)
		return rc;
	for (i = 0; i < n; i++)
		ddz_selftest_kernel_hot(i);
	return 0;
}

static int ddz_st_fire_irq_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int rc = kstrtouint(val, 0, &n);

	if (rc)
		return rc;
	ddz_st_irq_left = n;
	reinit_completion(&ddz_st_hard_done);
	reinit_completion(&ddz_st_soft_done);
	hrtimer_start(&ddz_st_hrtimer, ns_to_ktime(1000), HRTIMER_MODE_REL_HARD);
	mod_timer(&ddz_st_timer, jiffies + 1);
	wait_for_completion(&ddz_st_hard_done);
	wait_for_completion(&ddz_st_soft_done);
	return 0;
}

static const struct kernel_param_ops ddz_st_fire_ops = {
	.set = ddz_st_fire_set,
};

static const struct kernel_param_ops ddz_st_fire_kernel_ops = {
	.set = ddz_st_fire_kernel_set,
};

static const struct kernel_param_ops ddz_st_fire_irq_ops = {
	.set = ddz_st_fire_irq_set,
};

module_param_cb(fire, &ddz_st_fire_ops, NULL, 0200);
MODULE_PARM_DESC(fire, "write N: N debug prints from process context");
module_param_cb(fire_kernel, &ddz_st_fire_kernel_ops, NULL, 0200);
MODULE_PARM_DESC(fire_kernel, "write N: N prints through the kernel's pr_debug()");
module_param_cb(fire_irq, &ddz_st_fire_irq_ops, NULL, 0200);
MODULE_PARM_DESC(fire_irq, "write N: N prints from hard and N from soft interrupt context");

/* ---- checks at load ---- */

static void ddz_st_checks(void)
{
	struct ddz_site *s;
	struct ddz_view v;
	int rc, hot = -1, n = __ddz_site_stop - __ddz_site_start, i;

	ddz_st_check(n == 4, "four callsites registered");
	ddz_st_check(__ddz_this_table != NULL, "the module has a table");

	/* every callsite decodes, and one of them is ddz_selftest_hot() */
	for (i = 0; i < n; i++) {
		s = &__ddz_site_start[i];
		rc = ddz_site_get(__ddz_this_table, s, &v);
		if (rc) {
			ddz_st_check(false, "ddz_site_get() decodes every callsite");
			return;
		}
		if (!strcmp(v.function, "ddz_selftest_hot") &&
		    !strcmp(v.format, KBUILD_MODNAME ": hot print %u\n") &&
		    !strcmp(v.modname, KBUILD_MODNAME) &&
		    !strcmp(v.filename, "driver/ddz_selftest_main.c") &&
		    v.lineno > 0 && !v.class_name && v.flags == 0)
			hot = i;
		ddz_site_put(&v);
	}
	ddz_st_check(hot >= 0, "ddz_site_get() decodes ddz_selftest_hot()'s callsite");
	if (hot < 0)
		return;
	s = &__ddz_site_start[hot];

	rc = ddz_exec_queries_str("func ddz_selftest_hot +pf", NULL);
	ddz_st_check(rc == 1, "ddz_exec_queries_str() matches one callsite");
	ddz_st_check(READ_ONCE(s->flags) == 0x5, "the query set p and f");
	rc = ddz_site_get(__ddz_this_table, s, &v);
	ddz_st_check(!rc && v.flags == 0x5 &&
		     !strcmp(v.function, "ddz_selftest_hot"),
		     "an enabled callsite decodes with its flags");
	if (!rc)
		ddz_site_put(&v);
	rc = ddz_exec_queries_str("func ddz_selftest_hot -pf; func nosuch +p",
				  KBUILD_MODNAME);
	ddz_st_check(rc == 1 && READ_ONCE(s->flags) == 0,
		     "queries limited to the module clear the flags");
	rc = ddz_exec_queries_str("func ddz_selftest_hot +x", NULL);
	ddz_st_check(rc == -EINVAL, "a bad flag gives -EINVAL");
	rc = ddz_exec_queries_str("func ddz_selftest_hot +p", "nosuch_module");
	ddz_st_check(rc == 0 && READ_ONCE(s->flags) == 0,
		     "a query limited to another module matches nothing");
	ddz_st_check(ddz_site_get(__ddz_this_table, NULL, &v) == -EINVAL,
		     "ddz_site_get() refuses a callsite not in the table");
	ddz_selftest_cold("the checks ran");
}

static int __init ddz_st_init(void)
{
	int rc = DDZ_MODULE_REGISTER();

	if (rc)
		return rc;
	ddz_hrtimer_setup(&ddz_st_hrtimer, ddz_st_hard, CLOCK_MONOTONIC,
			  HRTIMER_MODE_REL_HARD);
	timer_setup(&ddz_st_timer, ddz_st_soft, 0);
	ddz_st_checks();
	pr_info("selftest %s: %u checks, %u failed\n",
		ddz_st_failed ? "FAILED" : "passed", ddz_st_count,
		ddz_st_failed);
	return 0;
}

static void __exit ddz_st_exit(void)
{
	hrtimer_cancel(&ddz_st_hrtimer);
	ddz_timer_delete_sync(&ddz_st_timer);
	DDZ_MODULE_UNREGISTER();
}

module_init(ddz_st_init);
module_exit(ddz_st_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("damon_dyndbg API checks and print workload");
