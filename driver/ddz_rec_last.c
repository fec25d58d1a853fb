// SPDX-License-Identifier: GPL-2.0
/*
 * ddz_rec_last.c - last object of damon_rec.ko: where its callsite sections
 * end, and how many callsites the build counted (see ddz.h)
 */
#include <linux/build_bug.h>

#include "ddz.h"
#include "ddz_count_rec.h"

static_assert(DDZ_DESC_BYTES % sizeof(struct ddz_desc) == 0);
DDZ_SECTIONS_END(DDZ_DESC_BYTES / sizeof(struct ddz_desc));
