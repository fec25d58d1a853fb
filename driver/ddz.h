/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ddz.h - debug prints through damon_dyndbg, the zsmalloc-backed store of
 *	   dynamic-debug callsites
 *
 * A module prints with ddz_pr_debug(fmt, ...), which behaves as
 * pr_debug(): off until enabled with a query ("func foo +p", written to
 * /dev/damon_dyndbg), then printed at KERN_DEBUG with the prefix the flags
 * ask for.  Each call site leaves two things:
 *
 *  - a struct ddz_site, one byte of flags in the section DDZ_SITE_SECTION:
 *    all that stays resident.  A disabled print costs one byte test.
 *  - a struct ddz_desc (function, file, format and line) in the init-only
 *    section DDZ_DESC_SECTION, which the module loader frees after init.
 *
 * At init the module hands both sections to damon_dyndbg with
 * DDZ_MODULE_REGISTER(), which packs the descriptors into the zsmalloc pool
 * (compressed, with names interned), and at exit gives them back with
 * DDZ_MODULE_UNREGISTER().
 *
 * Finding the sections: a module linked with "ld -r" has no __start_ and
 * __stop_ symbols, but it concatenates same-named input sections in link
 * order.  So the module lists ddz_<mod>_first.o first and ddz_<mod>_last.o
 * last among its objects (DDZ_SECTIONS_BEGIN() and DDZ_SECTIONS_END()
 * place the bound symbols), and the build counts the descriptor bytes of
 * the objects in between; registration checks that count (see
 * Kbuild.ddz).
 */
#ifndef _DDZ_H
#define _DDZ_H

#include <linux/compiler.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/stringify.h>
#include <linux/types.h>

#define DDZ_DESC_SECTION	".init.rodata.ddz"
#define DDZ_STR_SECTION		".init.rodata.ddz_str"
#define DDZ_SITE_SECTION	".data.ddz_sites"

/**
 * struct ddz_site - the resident part of a callsite
 * @flags: DDZ_F_* bits (ddz_query.h); the print flag is tested inline
 */
struct ddz_site {
	u8 flags;
};

/**
 * struct ddz_desc - a callsite as the compiler leaves it, until init
 * @site: the callsite's resident part
 * @function: the enclosing function
 * @filename: the source file
 * @format: the format, as given to printk()
 * @lineno: the line
 */
struct ddz_desc {
	struct ddz_site *site;
	const char *function;
	const char *filename;
	const char *format;
	unsigned int lineno;
};

struct ddz_table;

/* Set by DDZ_MODULE_REGISTER(); defined by DDZ_SECTIONS_BEGIN(). */
extern struct ddz_table *__ddz_this_table;

extern const struct ddz_desc __ddz_desc_start[], __ddz_desc_stop[];
extern struct ddz_site __ddz_site_start[], __ddz_site_stop[];
extern const unsigned int __ddz_expected_sites;

#define DDZ_F_PRINT_BIT		(1U << 0)

__printf(3, 4)
void __ddz_printk(struct ddz_table *table, const struct ddz_site *site,
		  const char *fmt, ...);

/* Set by driver/Kbuild.ddz where kbuild compiles files by bare name. */
#ifndef DDZ_FILE_PREFIX
#define DDZ_FILE_PREFIX ""
#endif

/**
 * ddz_pr_debug - a dynamic-debug print kept in damon_dyndbg
 * @fmt: printk format (pr_fmt() is applied, as pr_debug() does)
 * @...: its arguments
 */
#define ddz_pr_debug(fmt, ...)						\
do {									\
	static struct ddz_site __ddz_site				\
		__section(DDZ_SITE_SECTION) __aligned(1);		\
	static const char __ddz_file[]					\
		__section(DDZ_STR_SECTION) __aligned(1) =		\
		DDZ_FILE_PREFIX __FILE__;				\
	static const struct ddz_desc __ddz_desc __used			\
		__section(DDZ_DESC_SECTION) __aligned(8) = {		\
		.site = &__ddz_site,					\
		.function = __func__,					\
		.filename = __ddz_file,					\
		.format = pr_fmt(fmt),					\
		.lineno = __LINE__,					\
	};								\
	if (unlikely(READ_ONCE(__ddz_site.flags) & DDZ_F_PRINT_BIT))	\
		__ddz_printk(__ddz_this_table, &__ddz_site,		\
			     pr_fmt(fmt), ##__VA_ARGS__);		\
} while (0)

/*
 * The bounds of the two sections: in the module's first object, and in
 * its last one with the build-time count (DDZ_EXPECTED_SITES, from the
 * generated ddz_count_<mod>.h).
 */
#define DDZ_SECTIONS_BEGIN()						\
	asm(".pushsection " DDZ_DESC_SECTION ",\"a\"\n\t"		\
	    ".balign 8\n\t"						\
	    ".globl __ddz_desc_start\n"					\
	    "__ddz_desc_start:\n\t"					\
	    ".popsection\n\t"						\
	    ".pushsection " DDZ_SITE_SECTION ",\"aw\"\n\t"		\
	    ".globl __ddz_site_start\n"					\
	    "__ddz_site_start:\n\t"					\
	    ".popsection");						\
	struct ddz_table *__ddz_this_table

#define DDZ_SECTIONS_END(count)						\
	asm(".pushsection " DDZ_DESC_SECTION ",\"a\"\n\t"		\
	    ".balign 8\n\t"						\
	    ".globl __ddz_desc_stop\n"					\
	    "__ddz_desc_stop:\n\t"					\
	    ".popsection\n\t"						\
	    ".pushsection " DDZ_SITE_SECTION ",\"aw\"\n\t"		\
	    ".globl __ddz_site_stop\n"					\
	    "__ddz_site_stop:\n\t"					\
	    ".popsection");						\
	const unsigned int __ddz_expected_sites __initconst = (count)

int ddz_register_module(struct module *owner, const struct ddz_desc *start,
			const struct ddz_desc *stop, struct ddz_site *sites,
			struct ddz_site *sites_stop, unsigned int expected,
			struct ddz_table **tablep);
void ddz_unregister_module(struct ddz_table **tablep);

/*
 * Call from the module's init function, before its first ddz_pr_debug(),
 * and DDZ_MODULE_UNREGISTER() from its exit function (or on init failure
 * after a successful registration).
 */
#define DDZ_MODULE_REGISTER()						\
	ddz_register_module(THIS_MODULE, __ddz_desc_start,		\
			    __ddz_desc_stop, __ddz_site_start,		\
			    __ddz_site_stop, __ddz_expected_sites,	\
			    &__ddz_this_table)
#define DDZ_MODULE_UNREGISTER()	ddz_unregister_module(&__ddz_this_table)

/**
 * struct ddz_view - a decoded callsite, from ddz_site_get()
 * @modname: module name
 * @function: function
 * @filename: source file
 * @format: format
 * @class_name: class name, or NULL
 * @lineno: line
 * @flags: DDZ_F_* flags when decoded
 * @priv: for ddz_site_put()
 */
struct ddz_view {
	const char *modname;
	const char *function;
	const char *filename;
	const char *format;
	const char *class_name;
	unsigned int lineno;
	unsigned int flags;
	void *priv;
};

int ddz_site_get(struct ddz_table *table, const struct ddz_site *site,
		 struct ddz_view *view);
void ddz_site_put(struct ddz_view *view);
int ddz_exec_queries_str(const char *query, const char *modname);

#endif /* _DDZ_H */
