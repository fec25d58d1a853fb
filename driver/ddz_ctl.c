// SPDX-License-Identifier: GPL-2.0
/*
 * ddz_ctl.c - /dev/damon_dyndbg, the control device of damon_dyndbg
 *
 * read() lists every callsite of the store as /proc/dynamic_debug/control
 * does; write() takes the kernel's query language with its limits, errors
 * and return values; the ioctls of <linux/damon_dyndbg.h> give statistics
 * and load or unload whole tables.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "ddz_internal.h"

/*
 * Where a reader of the listing is: the callsite at position @pos (the
 * header is position 0), decoded with the block it is in, and its line.
 * Valid while ddz.generation is @gen.
 */
struct ddz_iter {
	u64 gen;
	loff_t pos;
	struct ddz_table *t;
	u32 idx;
	u32 blk;
	struct ddz_blkit it;
	u8 buf[DDZ_OBJ_SIZE];
	struct ddz_decoded dec;
	int line_len;
	char line[DDZ_LINE_MAX];
};

/* Decode the current callsite's line. */
static int ddz_iter_line(struct ddz_iter *it)
{
	struct ddz_table *t = it->t;
	struct ddz_rec rec;
	unsigned int flags;
	int rc;

	if (it->it.fmt_pending) {
		rc = ddz_blk_format(&it->it, it->dec.format,
				    sizeof(it->dec.format));
		if (rc < 0)
			return rc;
	}
	rc = ddz_decode_names(t, &it->it.site, &it->dec);
	if (rc)
		return rc;
	flags = READ_ONCE(t->flags[it->idx]);
	if (flags)
		ddz_note_enabled_lookup(t, it->idx);
	rec.modname = it->dec.mod;
	rec.filename = it->dec.file;
	rec.function = it->dec.func;
	rec.format = it->dec.format;
	rec.class_name = it->it.site.cls ? it->dec.cls : NULL;
	rec.lineno = it->it.site.lineno;
	rc = ddz_format_line(it->line, sizeof(it->line), &rec, flags);
	if (rc < 0)
		return rc;
	it->line_len = rc;
	return 0;
}

/* Load block @b of the current table and stop on callsite @it->idx. */
static int ddz_iter_load(struct ddz_iter *it)
{
	u32 b = ddz_block_of(it->t, it->idx), k;
	int rc;

	ddz_read_block(it->t, b, it->buf);
	it->blk = b;
	rc = ddz_blk_begin(&it->it, &it->t->packed, it->buf, DDZ_OBJ_SIZE);
	it->it.lut = ddz_lut_for(it->t);
	for (k = it->t->blk_first[b]; !rc && k <= it->idx; k++)
		rc = ddz_blk_next(&it->it);
	return rc == -ENOENT ? -EINVAL : rc;
}

/* Move to position @pos (at least 1); NULL past the last callsite. */
static void *ddz_iter_seek(struct ddz_iter *it, loff_t pos)
{
	struct ddz_table *t;
	loff_t skip;
	int rc;

	if (it->t && it->gen == ddz.generation && it->pos == pos)
		return it;
	if (it->t && it->gen == ddz.generation && it->pos + 1 == pos) {
		/* the next callsite: in the same block, or load the next */
		it->idx++;
		if (it->idx == it->t->nsites) {
			if (list_is_last(&it->t->link, &ddz.tables)) {
				it->t = NULL;
				return NULL;
			}
			it->t = list_next_entry(it->t, link);
			it->idx = 0;
			rc = ddz_iter_load(it);
		} else if (it->blk + 1 < it->t->nblocks &&
			   it->t->blk_first[it->blk + 1] == it->idx) {
			rc = ddz_iter_load(it);
		} else {
			/* the tables may have been rebuilt for another table */
			it->it.lut = ddz_lut_for(it->t);
			rc = ddz_blk_next(&it->it);
		}
	} else {
		skip = pos - 1;
		it->t = NULL;
		list_for_each_entry(t, &ddz.tables, link) {
			if (skip < t->nsites) {
				it->t = t;
				break;
			}
			skip -= t->nsites;
		}
		if (!it->t)
			return NULL;
		it->idx = skip;
		rc = ddz_iter_load(it);
	}
	if (!rc)
		rc = ddz_iter_line(it);
	if (rc) {
		pr_err("table %u: callsite %u does not decode: %d\n",
		       it->t->id, it->idx, rc);
		it->t = NULL;
		return NULL;
	}
	it->gen = ddz.generation;
	it->pos = pos;
	return it;
}

static void *ddz_seq_start(struct seq_file *m, loff_t *pos)
{
	mutex_lock(&ddz.lock);
	if (!*pos)
		return SEQ_START_TOKEN;
	return ddz_iter_seek(m->private, *pos);
}

static void *ddz_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return ddz_iter_seek(m->private, *pos);
}

static int ddz_seq_show(struct seq_file *m, void *v)
{
	struct ddz_iter *it = v;

	if (v == SEQ_START_TOKEN)
		seq_puts(m, DDZ_CONTROL_HEADER);
	else
		seq_write(m, it->line, it->line_len);
	return 0;
}

static void ddz_seq_stop(struct seq_file *m, void *v)
{
	mutex_unlock(&ddz.lock);
}

static const struct seq_operations ddz_seq_ops = {
	.start = ddz_seq_start,
	.next = ddz_seq_next,
	.show = ddz_seq_show,
	.stop = ddz_seq_stop,
};

static int ddz_ctl_open(struct inode *inode, struct file *file)
{
	/* misc_open() left the miscdevice there; seq_open() wants it empty */
	file->private_data = NULL;
	return seq_open_private(file, &ddz_seq_ops, sizeof(struct ddz_iter));
}

/* As the kernel's control file: the length written, or the last error. */
static ssize_t ddz_ctl_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *offp)
{
	char *buf;
	int rc;

	if (len == 0)
		return 0;
	if (len > DAMON_DYNDBG_MAX_QUERY) {
		pr_warn("expected <%d bytes into control\n",
			DAMON_DYNDBG_MAX_QUERY + 1);
		return -E2BIG;
	}
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	rc = ddz_exec_write(buf);
	kfree(buf);
	if (rc < 0)
		return rc;
	ddz_pr_debug("applied %zu bytes of queries: %d callsites matched\n",
		     len, rc);
	*offp += len;
	return len;
}

static long ddz_ioc_stats(void __user *arg)
{
	struct damon_dyndbg_stats st;
	u32 size;

	if (get_user(size, (u32 __user *)arg))
		return -EFAULT;
	if (size < offsetof(struct damon_dyndbg_stats, reserved))
		return -EINVAL;
	memset(&st, 0, sizeof(st));
	st.size = min_t(u32, size, sizeof(st));
	st.api_version = DAMON_DYNDBG_API_VERSION;
	ddz_fill_stats(&st);
	if (copy_to_user(arg, &st, st.size))
		return -EFAULT;
	return 0;
}

static long ddz_ioc_load(void __user *arg)
{
	struct damon_dyndbg_load ld;
	struct ddz_table *t;
	char *text;
	u32 bad = 0;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&ld, arg, sizeof(ld)))
		return -EFAULT;
	if (ld.size != sizeof(ld) || ld.flags || ld.pad || !ld.len ||
	    strnlen(ld.name, sizeof(ld.name)) == sizeof(ld.name))
		return -EINVAL;
	if (ld.len > DAMON_DYNDBG_MAX_LOAD)
		return -E2BIG;
	text = kvmalloc(ld.len + 1, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	if (copy_from_user(text, u64_to_user_ptr(ld.data), ld.len)) {
		kvfree(text);
		return -EFAULT;
	}
	text[ld.len] = '\0';
	if (strlen(text) != ld.len) {
		kvfree(text);
		return -EINVAL;
	}
	t = ddz_table_load(ld.name, text, ld.len, &bad);
	kvfree(text);
	if (IS_ERR(t)) {
		if (bad) {
			ld.bad_line = bad;
			if (copy_to_user(arg, &ld, sizeof(ld)))
				return -EFAULT;
		}
		return PTR_ERR(t);
	}
	ld.id = t->id;
	ld.sites = t->nsites;
	ld.bad_line = 0;
	if (copy_to_user(arg, &ld, sizeof(ld)))
		return -EFAULT;
	return 0;
}

static long ddz_ioc_unload(void __user *arg)
{
	struct damon_dyndbg_unload ul;
	int rc;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&ul, arg, sizeof(ul)))
		return -EFAULT;
	if (ul.size != sizeof(ul) || ul.flags)
		return -EINVAL;
	rc = ddz_table_unload(ul.id, &ul.count);
	if (rc)
		return rc;
	if (copy_to_user(arg, &ul, sizeof(ul)))
		return -EFAULT;
	return 0;
}

static long ddz_ctl_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	long dropped;

	switch (cmd) {
	case DAMON_DYNDBG_IOC_STATS:
		return ddz_ioc_stats(uarg);
	case DAMON_DYNDBG_IOC_LOAD:
		return ddz_ioc_load(uarg);
	case DAMON_DYNDBG_IOC_UNLOAD:
		return ddz_ioc_unload(uarg);
	case DAMON_DYNDBG_IOC_DROP_CACHE:
		if (!capable(CAP_SYS_ADMIN))
			return -EPERM;
		mutex_lock(&ddz.lock);
		dropped = ddz_drop_cache(ULONG_MAX);
		mutex_unlock(&ddz.lock);
		ddz_pr_debug("dropped %ld cached callsites\n", dropped);
		return 0;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations ddz_ctl_fops = {
	.owner = THIS_MODULE,
	.open = ddz_ctl_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
	.write = ddz_ctl_write,
	.unlocked_ioctl = ddz_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice ddz_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "damon_dyndbg",
	.fops = &ddz_ctl_fops,
	.mode = 0600,
};

/**
 * ddz_ctl_init - create /dev/damon_dyndbg
 *
 * Return: 0 or a negative errno.
 */
int ddz_ctl_init(void)
{
	return misc_register(&ddz_misc);
}

/**
 * ddz_ctl_exit - remove /dev/damon_dyndbg
 */
void ddz_ctl_exit(void)
{
	misc_deregister(&ddz_misc);
}
