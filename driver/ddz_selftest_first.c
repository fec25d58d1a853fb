// SPDX-License-Identifier: GPL-2.0
/* ddz_selftest_first.c - first object of ddz_selftest.ko (see ddz.h) */
#include "ddz.h"

DDZ_SECTIONS_BEGIN();
