// SPDX-License-Identifier: GPL-2.0
/*
 * ddz_badorder_last.c - the closing object of ddz_badorder.ko, on purpose
 * not linked last (see ddz_badorder_main.c)
 */
#include <linux/build_bug.h>

#include "ddz.h"
#include "ddz_count_badorder.h"

static_assert(DDZ_DESC_BYTES % sizeof(struct ddz_desc) == 0);
DDZ_SECTIONS_END(DDZ_DESC_BYTES / sizeof(struct ddz_desc));
