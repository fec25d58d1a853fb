// SPDX-License-Identifier: GPL-2.0
/*
 * ddz_badorder_main.c - ddz_badorder.ko: a module linked with its callsite
 * objects after ddz_badorder_last.o, which damon_dyndbg must refuse at
 * registration (the section bounds hold fewer callsites than the build
 * counted); its load fails with -EINVAL.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "ddz.h"

static noinline void ddz_badorder_print(void)
{
	ddz_pr_debug("outside the bounds\n");
}

static int __init ddz_bo_init(void)
{
	int rc = DDZ_MODULE_REGISTER();

	if (rc)
		return rc;
	ddz_badorder_print();
	return 0;
}

static void __exit ddz_bo_exit(void)
{
	DDZ_MODULE_UNREGISTER();
}

module_init(ddz_bo_init);
module_exit(ddz_bo_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("damon_dyndbg check: callsite objects outside the bounds");
