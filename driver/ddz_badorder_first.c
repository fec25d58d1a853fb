// SPDX-License-Identifier: GPL-2.0
/* ddz_badorder_first.c - first object of ddz_badorder.ko (see ddz.h) */
#include "ddz.h"

DDZ_SECTIONS_BEGIN();
