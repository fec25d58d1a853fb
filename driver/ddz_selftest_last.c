// SPDX-License-Identifier: GPL-2.0
/* ddz_selftest_last.c - last object of ddz_selftest.ko (see ddz.h) */
#include <linux/build_bug.h>

#include "ddz.h"
#include "ddz_count_selftest.h"

static_assert(DDZ_DESC_BYTES % sizeof(struct ddz_desc) == 0);
DDZ_SECTIONS_END(DDZ_DESC_BYTES / sizeof(struct ddz_desc));
