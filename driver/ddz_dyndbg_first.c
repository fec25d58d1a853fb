// SPDX-License-Identifier: GPL-2.0
/*
 * ddz_dyndbg_first.c - first object of damon_dyndbg.ko: where its callsite
 * sections begin (see ddz.h)
 */
#include "ddz.h"

DDZ_SECTIONS_BEGIN();
