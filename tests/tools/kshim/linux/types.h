/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space stand-in for the kernel's <linux/types.h>, for building
 * driver/damon_rec_enc.c on the host (tests/tools/enc_test.c): the uAPI
 * types from the system header, plus the kernel's short names.
 */
#ifndef DREC_KSHIM_TYPES_H
#define DREC_KSHIM_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#endif
