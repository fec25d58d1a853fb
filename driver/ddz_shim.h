/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ddz_shim.h - what ddz_query.c and ddz_codec.c need from their host
 *
 * Those two files build unchanged in the kernel (damon_dyndbg.ko) and in
 * user space (host unit tests, the query-parser fuzz target).  This header
 * is the only place where the two environments differ.
 */
#ifndef _DDZ_SHIM_H
#define _DDZ_SHIM_H

#ifdef __KERNEL__

#ifndef pr_fmt
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#endif

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/vmalloc.h>

/* DDZ_HAS_FLAG_STACK: whether the kernel's query language has 'd'. */
#include "compat.h"

#define ddz_alloc(n)		kvmalloc((n), GFP_KERNEL)
#define ddz_zalloc(n)		kvzalloc((n), GFP_KERNEL)
#define ddz_free(p)		kvfree(p)
/* Long-lived arrays: page-granular above a page instead of a power of 2. */
#define ddz_alloc_resident(n)	((n) > PAGE_SIZE ? vmalloc(n) : \
				 kmalloc((n), GFP_KERNEL))
#define ddz_err(fmt, ...)	pr_err(fmt, ##__VA_ARGS__)
#define ddz_cond_resched()	cond_resched()
#define ddz_sort(base, num, size, cmp)	sort((base), (num), (size), (cmp), NULL)

#else /* user space */

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#define U32_MAX			UINT32_MAX
#define min_t(t, a, b)		((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)		((t)(a) > (t)(b) ? (t)(a) : (t)(b))

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif
#ifndef fallthrough
#define fallthrough		__attribute__((__fallthrough__))
#endif

/* The host tests and the fuzzer parse 6.12's query language. */
#ifndef DDZ_HAS_FLAG_STACK
#define DDZ_HAS_FLAG_STACK	0
#endif

#define ddz_alloc(n)		malloc(n)
#define ddz_zalloc(n)		calloc(1, (n))
#define ddz_free(p)		free(p)
#define ddz_alloc_resident(n)	malloc(n)
#define ddz_cond_resched()	do { } while (0)
#define ALIGN(x, a)		(((x) + (a) - 1) & ~((a) - 1))
#define ddz_sort(base, num, size, cmp)	qsort((base), (num), (size), (cmp))

/* Set by a host program to see the messages the kernel would log. */
extern int ddz_user_verbose;
#define ddz_err(fmt, ...)						\
	do {								\
		if (ddz_user_verbose)					\
			fprintf(stderr, "dyndbg: " fmt, ##__VA_ARGS__);	\
	} while (0)

#endif /* __KERNEL__ */

#endif /* _DDZ_SHIM_H */
