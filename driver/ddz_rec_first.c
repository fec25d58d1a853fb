// SPDX-License-Identifier: GPL-2.0
/*
 * ddz_rec_first.c - first object of damon_rec.ko: where its debug prints'
 * callsite sections begin (see ddz.h)
 */
#include "ddz.h"

DDZ_SECTIONS_BEGIN();
