// SPDX-License-Identifier: GPL-2.0
/*
 * ddz_codec.c - string compression and callsite packing of damon_dyndbg
 *
 * See ddz_codec.h for the layout.  Packing runs once per table, in process
 * context, and may take a few hundred kilobytes of temporary memory;
 * decoding allocates nothing and may run with preemption disabled.
 */
#include "ddz_codec.h"

/* ---- small helpers ------------------------------------------------------ */

static u32 ddz_get12(const u8 *a, u32 i)
{
	const u8 *b = a + (i / 2) * 3;

	if (i & 1)
		return ((u32)(b[1] & 0xf) << 8) | b[2];
	return ((u32)b[0] << 4) | (b[1] >> 4);
}

static void ddz_put12(u8 *a, u32 i, u32 v)
{
	u8 *b = a + (i / 2) * 3;

	if (i & 1) {
		b[1] = (b[1] & 0xf0) | ((v >> 8) & 0xf);
		b[2] = v & 0xff;
	} else {
		b[0] = (v >> 4) & 0xff;
		b[1] = (b[1] & 0x0f) | ((v & 0xf) << 4);
	}
}

static void ddz_rule(const struct ddz_model *m, u32 sym, u32 *l, u32 *r)
{
	const u8 *b = m->rules + (sym - DDZ_SYM_RULE0) * 3;

	*l = ((u32)b[0] << 4) | (b[1] >> 4);
	*r = ((u32)(b[1] & 0xf) << 8) | b[2];
}

static u32 ddz_varint_len(u64 v)
{
	u32 n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static u32 ddz_put_varint(u8 *p, u64 v)
{
	u32 n = 0;

	while (v >= 0x80) {
		p[n++] = (u8)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (u8)v;
	return n;
}

static int ddz_get_varint(const u8 *buf, u32 *pos, u32 end, u64 *v)
{
	u64 r = 0;
	u32 shift = 0;

	while (*pos < end && shift < 64) {
		u8 b = buf[(*pos)++];

		r |= (u64)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			return 0;
		}
		shift += 7;
	}
	return -EINVAL;
}

static u64 ddz_zigzag(s64 v)
{
	return ((u64)v << 1) ^ (u64)(v >> 63);
}

static s64 ddz_unzigzag(u64 v)
{
	return (s64)(v >> 1) ^ -(s64)(v & 1);
}

/* Copy @nbits bits, MSB first, into @dst (zeroed where written). */
static void ddz_bitcopy(u8 *dst, u32 dp, const u8 *src, u32 sp, u32 nbits)
{
	while (nbits--) {
		if ((src[sp >> 3] >> (7 - (sp & 7))) & 1)
			dst[dp >> 3] |= 0x80 >> (dp & 7);
		sp++;
		dp++;
	}
}

/* ---- decoding ----------------------------------------------------------- */

/* One symbol of the canonical code at *@pos, or -EINVAL. */
static int ddz_decode_sym_slow(const struct ddz_model *m, const u8 *bits,
			       u32 *pos, u32 end)
{
	int code = 0, first = 0, index = 0;
	u32 len;

	for (len = 1; len <= DDZ_MAXBITS; len++) {
		int count = m->count[len];

		if (*pos >= end)
			return -EINVAL;
		code |= (bits[*pos >> 3] >> (7 - (*pos & 7))) & 1;
		(*pos)++;
		if (code - count < first)
			return (int)ddz_get12(m->sorted, index + (code - first));
		index += count;
		first += count;
		first <<= 1;
		code <<= 1;
	}
	return -EINVAL;
}

/* The same, through @lut when there is one and the code is short. */
static int ddz_decode_sym(const struct ddz_model *m, const struct ddz_lut *lut,
			  const u8 *bits, u32 *pos, u32 end)
{
	u32 b, nbytes, x = 0, e, len, i;

	if (lut && *pos < end) {
		b = *pos >> 3;
		nbytes = (end + 7) >> 3;
		for (i = 0; i < 3; i++)
			x = x << 8 | (b + i < nbytes ? bits[b + i] : 0);
		x >>= 24 - DDZ_LUT_BITS - (*pos & 7);
		e = lut->e[x & ((1U << DDZ_LUT_BITS) - 1)];
		len = e & 15;
		if (len && len <= end - *pos) {
			*pos += len;
			return e >> 4;
		}
	}
	return ddz_decode_sym_slow(m, bits, pos, end);
}

/* Whether @sym's expansion ends with the end of its string. */
static bool ddz_sym_ends(const struct ddz_model *m, const struct ddz_lut *lut,
			 u32 sym)
{
	u32 l, r;

	if (lut)
		return lut->ends[sym / 8] & (1U << (sym % 8));
	while (sym >= DDZ_SYM_RULE0) {
		ddz_rule(m, sym, &l, &r);
		sym = r;
	}
	return sym == DDZ_SYM_EOS;
}

/*
 * Expand @sym into @out[*@len..]; returns 1 when the string ended, 0 when
 * not, -E2BIG when @cap - 1 bytes would be exceeded, -EINVAL on a bad
 * symbol.
 */
static int ddz_expand(const struct ddz_model *m, u32 sym, char *out, u32 cap,
		      u32 *len)
{
	u16 stack[DDZ_MAX_DEPTH + 2];
	int sp = 0;
	u32 l, r;

	if (sym >= DDZ_SYM_RULE0 + m->nrules)
		return -EINVAL;
	stack[sp++] = sym;
	while (sp) {
		sym = stack[--sp];
		if (sym == DDZ_SYM_EOS)
			return 1;
		if (sym < DDZ_SYM_EOS) {
			if (*len + 1 >= cap)
				return -E2BIG;
			out[(*len)++] = (char)sym;
			continue;
		}
		if (sp + 2 > (int)ARRAY_SIZE(stack))
			return -EINVAL;
		ddz_rule(m, sym, &l, &r);
		stack[sp++] = r;
		stack[sp++] = l;
	}
	return 0;
}

/* Decode one string at *@pos into @out (NUL-terminated); returns its length. */
static int ddz_decode_str(const struct ddz_model *m, const struct ddz_lut *lut,
			  const u8 *bits, u32 *pos, u32 end, char *out, u32 cap)
{
	u32 len = 0;
	int sym, rc;

	if (!cap)
		return -E2BIG;
	for (;;) {
		sym = ddz_decode_sym(m, lut, bits, pos, end);
		if (sym < 0)
			return sym;
		rc = ddz_expand(m, sym, out, cap, &len);
		if (rc == -E2BIG)
			out[len] = '\0';
		if (rc < 0)
			return rc;
		if (rc)
			break;
	}
	out[len] = '\0';
	return len;
}

static int ddz_skip_str(const struct ddz_model *m, const struct ddz_lut *lut,
			const u8 *bits, u32 *pos, u32 end)
{
	int sym;

	do {
		sym = ddz_decode_sym(m, lut, bits, pos, end);
		if (sym < 0)
			return sym;
		if ((u32)sym >= DDZ_SYM_RULE0 + m->nrules)
			return -EINVAL;
	} while (!ddz_sym_ends(m, lut, sym));
	return 0;
}

/**
 * ddz_lut_build - fast decoding tables for one model
 * @m: the model
 * @lut: receives the symbol of every code of at most DDZ_LUT_BITS bits,
 *	by its bits, and which symbols end a string
 */
void ddz_lut_build(const struct ddz_model *m, struct ddz_lut *lut)
{
	u32 code = 0, idx = 0, len, k, s;

	memset(lut, 0, sizeof(*lut));
	for (len = 1; len <= DDZ_MAXBITS; len++) {
		for (k = 0; k < m->count[len]; k++, idx++, code++) {
			u32 sym = ddz_get12(m->sorted, idx), base, n, j;

			if (len > DDZ_LUT_BITS)
				continue;
			base = code << (DDZ_LUT_BITS - len);
			n = 1U << (DDZ_LUT_BITS - len);
			for (j = 0; j < n; j++)
				lut->e[base + j] = (u16)(sym << 4 | len);
		}
		code <<= 1;
	}
	for (s = 0; s < DDZ_SYM_RULE0 + m->nrules; s++)
		if (ddz_sym_ends(m, NULL, s))
			lut->ends[s / 8] |= 1U << (s % 8);
}

/**
 * ddz_str_get - decode one interned name
 * @p: the packed table
 * @kind: which names
 * @idx: the name's index
 * @out: receives the name, NUL-terminated
 * @cap: size of @out
 *
 * Return: the name's length, -ENOENT for a bad index, -E2BIG when @out is
 * too small (it then holds the name's first @cap - 1 bytes), -EINVAL on
 * corrupt data.
 */
int ddz_str_get(const struct ddz_packed *p, enum ddz_strkind kind, u32 idx,
		char *out, u32 cap)
{
	return ddz_str_get_lut(p, NULL, kind, idx, out, cap);
}

/**
 * ddz_str_get_lut - ddz_str_get(), faster with the model's decoding tables
 * @p: the packed table
 * @lut: ddz_lut_build() of @p's model, or NULL
 * @kind: which names
 * @idx: the name's index
 * @out: receives the name, NUL-terminated
 * @cap: size of @out
 *
 * Return: as ddz_str_get().
 */
int ddz_str_get_lut(const struct ddz_packed *p, const struct ddz_lut *lut,
		    enum ddz_strkind kind, u32 idx, char *out, u32 cap)
{
	const struct ddz_strtab *t = &p->strs[kind];
	u32 pos, i;
	int rc;

	if (idx >= t->count)
		return -ENOENT;
	pos = t->chunk[idx / DDZ_STR_CHUNK];
	for (i = idx - idx % DDZ_STR_CHUNK; i < idx; i++) {
		rc = ddz_skip_str(&p->model, lut, t->bits, &pos, t->nbits);
		if (rc)
			return rc;
	}
	return ddz_decode_str(&p->model, lut, t->bits, &pos, t->nbits, out,
			      cap);
}

/**
 * ddz_strit_begin - start walking the names of one kind
 * @it: the iterator
 * @p: the packed table
 * @kind: which names
 */
void ddz_strit_begin(struct ddz_strit *it, const struct ddz_packed *p,
		     enum ddz_strkind kind)
{
	it->p = p;
	it->lut = NULL;
	it->tab = &p->strs[kind];
	it->pos = 0;
	it->idx = 0;
}

/**
 * ddz_strit_next - decode the next name
 * @it: the iterator
 * @out: receives the name
 * @cap: size of @out
 *
 * Return: the name's length, -ENOENT after the last one, or as
 * ddz_str_get().
 */
int ddz_strit_next(struct ddz_strit *it, char *out, u32 cap)
{
	int rc;

	if (it->idx >= it->tab->count)
		return -ENOENT;
	rc = ddz_decode_str(&it->p->model, it->lut, it->tab->bits, &it->pos,
			    it->tab->nbits, out, cap);
	if (rc >= 0)
		it->idx++;
	return rc;
}

/**
 * ddz_blk_begin - start walking the sites of a block
 * @it: the iterator
 * @p: the packed table the block belongs to
 * @buf: the block's bytes
 * @len: their number (DDZ_OBJ_SIZE)
 *
 * Return: 0, or -EINVAL on a corrupt header.
 */
int ddz_blk_begin(struct ddz_blkit *it, const struct ddz_packed *p,
		  const u8 *buf, u32 len)
{
	u32 pos = 0, i;
	u64 v, meta_len;

	memset(it, 0, sizeof(*it));
	it->p = p;
	it->buf = buf;
	if (ddz_get_varint(buf, &pos, len, &v) || v > DDZ_BLK_MAX_SITES)
		return -EINVAL;
	it->left = (u32)v;
	for (i = 0; i < 3; i++) {
		if (ddz_get_varint(buf, &pos, len, &v) || v > U32_MAX)
			return -EINVAL;
		it->next[i] = (u32)v;
	}
	if (ddz_get_varint(buf, &pos, len, &meta_len) ||
	    meta_len > len - pos)
		return -EINVAL;
	it->meta = pos;
	it->meta_end = pos + (u32)meta_len;
	it->bitpos = it->meta_end * 8;
	it->bitend = len * 8;
	it->site.mod = U32_MAX;
	it->site.file = U32_MAX;
	it->site.func = U32_MAX;
	return 0;
}

static int ddz_blk_index(struct ddz_blkit *it, u32 mode, u32 kind, u32 *cur)
{
	u64 v;

	switch (mode) {
	case 0:
		if (*cur == U32_MAX)
			return -EINVAL;
		return 0;
	case 1:
		v = it->next[kind]++;
		break;
	case 2:
		if (ddz_get_varint(it->buf, &it->meta, it->meta_end, &v))
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (v >= it->p->strs[kind].count)
		return -EINVAL;
	*cur = (u32)v;
	return 0;
}

/**
 * ddz_blk_next - step to the next site of the block
 * @it: the iterator
 *
 * On success @it->site holds the site's fields; its format may then be
 * read with ddz_blk_format(), or is skipped by the next call.
 *
 * Return: 0, -ENOENT after the last site, -EINVAL on corrupt data.
 */
int ddz_blk_next(struct ddz_blkit *it)
{
	u64 hdr, v;
	s64 line;
	int rc;

	if (it->fmt_pending && !it->meta_only) {
		rc = ddz_skip_str(&it->p->model, it->lut, it->buf, &it->bitpos,
				  it->bitend);
		if (rc)
			return rc;
		it->fmt_pending = false;
	}
	if (!it->left)
		return -ENOENT;
	if (ddz_get_varint(it->buf, &it->meta, it->meta_end, &hdr))
		return -EINVAL;
	line = (s64)it->site.lineno + ddz_unzigzag(hdr >> 6);
	if (line < 0 || line > U32_MAX)
		return -EINVAL;
	it->site.lineno = (u32)line;
	rc = ddz_blk_index(it, (hdr >> 4) & 3, DDZ_STR_MOD, &it->site.mod);
	if (!rc)
		rc = ddz_blk_index(it, (hdr >> 2) & 3, DDZ_STR_FILE,
				   &it->site.file);
	if (!rc)
		rc = ddz_blk_index(it, hdr & 3, DDZ_STR_FUNC, &it->site.func);
	if (rc)
		return rc;
	it->site.cls = 0;
	if (it->p->has_class) {
		if (ddz_get_varint(it->buf, &it->meta, it->meta_end, &v) ||
		    v > it->p->strs[DDZ_STR_CLASS].count)
			return -EINVAL;
		it->site.cls = (u32)v;
	}
	it->left--;
	it->fmt_pending = true;
	return 0;
}

/**
 * ddz_blk_format - decode the current site's format
 * @it: the iterator, after ddz_blk_next()
 * @out: receives the format, NUL-terminated
 * @cap: size of @out
 *
 * Return: the format's length, or as ddz_str_get().
 */
int ddz_blk_format(struct ddz_blkit *it, char *out, u32 cap)
{
	int rc;

	if (!it->fmt_pending || it->meta_only)
		return -EINVAL;
	rc = ddz_decode_str(&it->p->model, it->lut, it->buf, &it->bitpos,
			    it->bitend,
			    out, cap);
	if (rc >= 0)
		it->fmt_pending = false;
	return rc;
}

/* ---- training ----------------------------------------------------------- */

#define DDZ_TOPK	32	/* merges chosen per pass, at most */
/*
 * A pair seen fewer times is not merged: a rule costs about 4.5 resident
 * bytes, which fewer merges do not pay back (measured on the 6.12 corpus).
 */
#ifndef DDZ_MIN_COUNT
#define DDZ_MIN_COUNT	8
#endif
#define DDZ_HEMPTY	0xffffffffU

struct ddz_train {
	u16 *seq;
	u32 nseq;
	u32 nsyms;
	u8 tlen[DDZ_MAX_SYMS];
	u8 depth[DDZ_MAX_SYMS];
	u8 ends[DDZ_MAX_SYMS];
	u8 mark[DDZ_MAX_SYMS];
	u32 rules[DDZ_MAX_SYMS];	/* left << 16 | right, by symbol */
	u32 *hkey;
	u32 *hcnt;
	u32 *hused;		/* slots in use, to clear and scan them alone */
	u32 nused;
	u32 hmask;
	u32 topk[DDZ_TOPK];		/* pair keys */
	u32 topc[DDZ_TOPK];		/* their counts */
	u32 ntop;
};

static u32 ddz_hash32(u32 k)
{
	k ^= k >> 16;
	k *= 0x7feb352dU;
	k ^= k >> 15;
	k *= 0x846ca68bU;
	k ^= k >> 16;
	return k;
}

static void ddz_count_pairs(struct ddz_train *t)
{
	u32 i, prev = DDZ_HEMPTY;

	for (i = 0; i < t->nused; i++)
		t->hkey[t->hused[i]] = DDZ_HEMPTY;
	t->nused = 0;
	for (i = 0; i + 1 < t->nseq; i++) {
		u32 a = t->seq[i], b = t->seq[i + 1], key, h;

		if (t->ends[a] ||
		    t->tlen[a] + t->tlen[b] > DDZ_MAX_TOKLEN ||
		    t->depth[a] >= DDZ_MAX_DEPTH ||
		    t->depth[b] >= DDZ_MAX_DEPTH) {
			prev = DDZ_HEMPTY;
			continue;
		}
		key = a << 16 | b;
		/* "aaa" holds one "aa" that can be merged, not two */
		if (a == b && key == prev) {
			prev = DDZ_HEMPTY;
			continue;
		}
		prev = key;
		for (h = ddz_hash32(key) & t->hmask;; h = (h + 1) & t->hmask) {
			if (t->hkey[h] == key) {
				t->hcnt[h]++;
				break;
			}
			if (t->hkey[h] == DDZ_HEMPTY) {
				t->hkey[h] = key;
				t->hcnt[h] = 1;
				t->hused[t->nused++] = h;
				break;
			}
		}
	}
}

static bool ddz_top_conflicts(const struct ddz_train *t, u32 key)
{
	u32 a = key >> 16, b = key & 0xffff, i;

	for (i = 0; i < t->ntop; i++) {
		u32 x = t->topk[i] >> 16, y = t->topk[i] & 0xffff;

		if (a == x || a == y || b == x || b == y)
			return true;
	}
	return false;
}

/* The best pairs with no symbol in common, most frequent first. */
static void ddz_pick_pairs(struct ddz_train *t, u32 want)
{
	u32 candk[DDZ_TOPK * 4], candc[DDZ_TOPK * 4];
	u32 ncand = 0, i, j, h;

	/* keep the 4 * DDZ_TOPK best, sorted by count, then by key */
	for (j = 0; j < t->nused; j++) {
		u32 k, c;

		h = t->hused[j];
		k = t->hkey[h];
		c = t->hcnt[h];
		if (c < DDZ_MIN_COUNT)
			continue;
		if (ncand == ARRAY_SIZE(candk) &&
		    (c < candc[ncand - 1] ||
		     (c == candc[ncand - 1] && k > candk[ncand - 1])))
			continue;
		if (ncand < ARRAY_SIZE(candk))
			ncand++;
		for (i = ncand - 1; i > 0; i--) {
			if (candc[i - 1] > c ||
			    (candc[i - 1] == c && candk[i - 1] < k))
				break;
			candk[i] = candk[i - 1];
			candc[i] = candc[i - 1];
		}
		candk[i] = k;
		candc[i] = c;
	}
	t->ntop = 0;
	for (j = 0; j < ncand && t->ntop < want; j++) {
		if (ddz_top_conflicts(t, candk[j]))
			continue;
		t->topk[t->ntop] = candk[j];
		t->topc[t->ntop] = candc[j];
		t->ntop++;
	}
}

static void ddz_apply_pairs(struct ddz_train *t)
{
	u32 i, j, k, first = t->nsyms;

	for (k = 0; k < t->ntop; k++) {
		u32 a = t->topk[k] >> 16, b = t->topk[k] & 0xffff;
		u32 s = t->nsyms++;

		t->rules[s] = t->topk[k];
		t->tlen[s] = t->tlen[a] + t->tlen[b];
		t->depth[s] = (t->depth[a] > t->depth[b] ?
			       t->depth[a] : t->depth[b]) + 1;
		t->ends[s] = t->ends[b];
		t->mark[a] = 1;
	}
	for (i = 0, j = 0; i < t->nseq;) {
		u32 a = t->seq[i];

		if (t->mark[a] && i + 1 < t->nseq) {
			u32 key = a << 16 | t->seq[i + 1];

			for (k = 0; k < t->ntop; k++)
				if (t->topk[k] == key)
					break;
			if (k < t->ntop) {
				t->seq[j++] = (u16)(first + k);
				i += 2;
				continue;
			}
		}
		t->seq[j++] = (u16)a;
		i++;
	}
	t->nseq = j;
	for (k = 0; k < t->ntop; k++)
		t->mark[t->topk[k] >> 16] = 0;
}

static void ddz_train_merges(struct ddz_train *t)
{
	while (t->nsyms < DDZ_MAX_SYMS) {
		ddz_cond_resched();
		ddz_count_pairs(t);
		ddz_pick_pairs(t, min_t(u32, DDZ_TOPK,
					DDZ_MAX_SYMS - t->nsyms));
		if (!t->ntop)
			break;
		ddz_apply_pairs(t);
	}
}

/* ---- Huffman code lengths ------------------------------------------------ */

struct ddz_hsym {
	u32 freq;
	u32 sym;
};

static int ddz_hsym_cmp(const void *a, const void *b)
{
	const struct ddz_hsym *x = a, *y = b;

	if (x->freq != y->freq)
		return x->freq < y->freq ? -1 : 1;
	return x->sym < y->sym ? -1 : x->sym > y->sym;
}

#define DDZ_MAXDEPTH_RAW 63

/*
 * Code lengths (at most DDZ_MAXBITS) for the symbols with a non-zero
 * frequency; @len[s] is 0 for the others.
 */
static int ddz_huffman(const u32 *freq, u32 nsyms, u8 *len)
{
	u32 bl[DDZ_MAXDEPTH_RAW + 1];
	struct ddz_hsym *hs;
	u32 *w, *parent;
	u32 n = 0, i, nodes, lq, iq, iend;
	int rc = 0, d;

	memset(len, 0, nsyms);
	for (i = 0; i < nsyms; i++)
		n += freq[i] != 0;
	if (!n)
		return 0;
	hs = ddz_alloc(n * sizeof(*hs));
	w = ddz_alloc(2 * n * sizeof(*w));
	parent = ddz_alloc(2 * n * sizeof(*parent));
	if (!hs || !w || !parent) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0, n = 0; i < nsyms; i++) {
		if (freq[i]) {
			hs[n].freq = freq[i];
			hs[n].sym = i;
			n++;
		}
	}
	if (n == 1) {
		len[hs[0].sym] = 1;
		goto out;
	}
	ddz_sort(hs, n, sizeof(*hs), ddz_hsym_cmp);

	/* leaves 0..n-1 ascending; internal nodes n.. made in order */
	for (i = 0; i < n; i++)
		w[i] = hs[i].freq;
	lq = 0;
	iq = n;
	iend = n;
	for (nodes = n; nodes < 2 * n - 1; nodes++) {
		u32 pick[2], k;

		for (k = 0; k < 2; k++) {
			if (lq < n && (iq >= iend || w[lq] <= w[iq]))
				pick[k] = lq++;
			else
				pick[k] = iq++;
		}
		w[nodes] = w[pick[0]] + w[pick[1]];
		parent[pick[0]] = nodes;
		parent[pick[1]] = nodes;
		iend++;
	}
	/* depths, root first: reuse w[] */
	w[2 * n - 2] = 0;
	memset(bl, 0, sizeof(bl));
	for (i = 2 * n - 2; i-- > 0;) {
		w[i] = w[parent[i]] + 1;
		if (i < n) {
			if (w[i] > DDZ_MAXDEPTH_RAW) {
				rc = -EINVAL;
				goto out;
			}
			bl[w[i]]++;
		}
	}
	/* limit the lengths, keeping the code complete (JPEG K.3) */
	for (i = DDZ_MAXDEPTH_RAW; i > DDZ_MAXBITS; i--) {
		while (bl[i] > 0) {
			u32 j = i - 2;

			while (bl[j] == 0)
				j--;
			bl[i] -= 2;
			bl[i - 1]++;
			bl[j + 1] += 2;
			bl[j]--;
		}
	}
	/* shortest codes to the most frequent symbols */
	for (d = 1, i = n; d <= DDZ_MAXBITS; d++) {
		u32 k;

		for (k = 0; k < bl[d]; k++)
			len[hs[--i].sym] = (u8)d;
	}
out:
	ddz_free(parent);
	ddz_free(w);
	ddz_free(hs);
	return rc;
}

/* ---- interning ----------------------------------------------------------- */

struct ddz_intern {
	const char **str;
	u32 *idx;
	u32 mask;
	u32 count;
	const char **order;	/* names by index */
};

static u32 ddz_strhash(const char *s)
{
	u32 h = 2166136261U;

	while (*s)
		h = (h ^ (u8)*s++) * 16777619U;
	return h;
}

static int ddz_intern_init(struct ddz_intern *in, u32 n)
{
	u32 size = 16;

	while (size < 2 * n)
		size <<= 1;
	in->str = ddz_zalloc(size * sizeof(*in->str));
	in->idx = ddz_alloc(size * sizeof(*in->idx));
	in->order = ddz_alloc(n * sizeof(*in->order));
	in->mask = size - 1;
	in->count = 0;
	if (!in->str || !in->idx || !in->order)
		return -ENOMEM;
	return 0;
}

static void ddz_intern_free(struct ddz_intern *in)
{
	ddz_free(in->str);
	ddz_free(in->idx);
	ddz_free(in->order);
}

static u32 ddz_intern(struct ddz_intern *in, const char *s)
{
	u32 h;

	for (h = ddz_strhash(s) & in->mask;; h = (h + 1) & in->mask) {
		if (!in->str[h]) {
			in->str[h] = s;
			in->idx[h] = in->count;
			in->order[in->count] = s;
			return in->count++;
		}
		if (!strcmp(in->str[h], s))
			return in->idx[h];
	}
}

/* ---- packing ------------------------------------------------------------- */

struct ddz_packer {
	const struct ddz_rec *recs;
	u32 n;
	struct ddz_intern in[DDZ_NSTRKINDS];
	u32 *sidx;		/* per site: module, file, function, class + 1 */
	u32 nstr;		/* strings trained on */
	u32 *boff;		/* bit offset of each string's code, nstr + 1 */
	u8 *bits;		/* all codes */
	u8 *blk;		/* the block being built */
	u8 *meta;
	u8 *fbits;
};

/* String number @i of the training set: formats, then names by kind. */
static const char *ddz_train_str(const struct ddz_packer *pk, u32 i)
{
	u32 k;

	if (i < pk->n)
		return pk->recs[i].format;
	i -= pk->n;
	for (k = 0; k < DDZ_NSTRKINDS; k++) {
		if (i < pk->in[k].count)
			return pk->in[k].order[i];
		i -= pk->in[k].count;
	}
	return NULL;
}

static u32 ddz_str_first(const struct ddz_packer *pk, enum ddz_strkind kind)
{
	u32 i = pk->n, k;

	for (k = 0; k < kind; k++)
		i += pk->in[k].count;
	return i;
}

/*
 * Train the model on all strings and code them: fills @p->model, @pk->bits
 * and @pk->boff.
 */
static int ddz_build_codes(struct ddz_packer *pk, struct ddz_packed *p,
			   struct ddz_pack_stats *st)
{
	struct ddz_train *t;
	u32 *freq = NULL, *codes = NULL;
	u8 *lens = NULL;
	u64 total = 0;
	u32 i, j, s, nbits;
	int rc = -ENOMEM;

	for (i = 0; i < pk->nstr; i++) {
		u32 l = strlen(ddz_train_str(pk, i));

		if (l > DDZ_STR_MAX)
			return -E2BIG;
		total += l + 1;
		st->max_len = max_t(u32, st->max_len, l);
	}
	if (total >= U32_MAX / 4)
		return -E2BIG;
	st->raw_strings = total;

	t = ddz_zalloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->seq = ddz_alloc(total * sizeof(*t->seq));
	i = 64;
	while (i < 2 * total)
		i <<= 1;
	t->hmask = i - 1;
	t->hkey = ddz_alloc(i * sizeof(u32));
	t->hcnt = ddz_alloc(i * sizeof(u32));
	t->hused = ddz_alloc(i * sizeof(u32));
	freq = ddz_zalloc(DDZ_MAX_SYMS * sizeof(*freq));
	codes = ddz_alloc(DDZ_MAX_SYMS * sizeof(*codes));
	lens = ddz_alloc(DDZ_MAX_SYMS);
	pk->boff = ddz_alloc((pk->nstr + 1) * sizeof(u32));
	if (!t->seq || !t->hkey || !t->hcnt || !t->hused || !freq || !codes ||
	    !lens || !pk->boff)
		goto out;
	memset(t->hkey, 0xff, i * sizeof(u32));

	for (s = 0; s < DDZ_SYM_RULE0; s++)
		t->tlen[s] = s < DDZ_SYM_EOS ? 1 : 0;
	t->ends[DDZ_SYM_EOS] = 1;
	t->nsyms = DDZ_SYM_RULE0;
	for (i = 0; i < pk->nstr; i++) {
		const u8 *str = (const u8 *)ddz_train_str(pk, i);

		while (*str)
			t->seq[t->nseq++] = *str++;
		t->seq[t->nseq++] = DDZ_SYM_EOS;
	}

	ddz_train_merges(t);

	for (i = 0; i < t->nseq; i++)
		freq[t->seq[i]]++;
	rc = ddz_huffman(freq, t->nsyms, lens);
	if (rc)
		goto out;

	/* the model: rules and canonical code */
	p->model.nrules = t->nsyms - DDZ_SYM_RULE0;
	p->model.rules = ddz_zalloc(p->model.nrules * 3 + 1);
	p->model.ncoded = 0;
	for (s = 0; s < t->nsyms; s++)
		if (lens[s])
			p->model.count[lens[s]]++;
	for (i = 1; i <= DDZ_MAXBITS; i++)
		p->model.ncoded += p->model.count[i];
	p->model.sorted = ddz_zalloc((p->model.ncoded + 1) / 2 * 3 + 1);
	rc = -ENOMEM;
	if (!p->model.rules || !p->model.sorted)
		goto out;
	for (s = DDZ_SYM_RULE0; s < t->nsyms; s++) {
		u8 *b = p->model.rules + (s - DDZ_SYM_RULE0) * 3;
		u32 l = t->rules[s] >> 16, r = t->rules[s] & 0xffff;

		b[0] = (u8)(l >> 4);
		b[1] = (u8)((l & 0xf) << 4 | (r >> 8));
		b[2] = (u8)r;
	}
	{
		u32 next[DDZ_MAXBITS + 1], code = 0, k = 0, d;

		for (d = 1; d <= DDZ_MAXBITS; d++) {
			code = (code + p->model.count[d - 1]) << 1;
			next[d] = code;
		}
		for (d = 1; d <= DDZ_MAXBITS; d++)
			for (s = 0; s < t->nsyms; s++)
				if (lens[s] == d)
					ddz_put12(p->model.sorted, k++, s);
		for (s = 0; s < t->nsyms; s++)
			if (lens[s])
				codes[s] = next[lens[s]]++;
	}

	/* code every string */
	nbits = 0;
	for (i = 0; i < t->nseq; i++)
		nbits += lens[t->seq[i]];
	pk->bits = ddz_zalloc(nbits / 8 + 1);
	if (!pk->bits)
		goto out;
	for (i = 0, j = 0, nbits = 0; i < t->nseq; i++) {
		u32 sym = t->seq[i], l = lens[sym], b;

		if (j < pk->nstr && (i == 0 || t->ends[t->seq[i - 1]]))
			pk->boff[j++] = nbits;
		for (b = l; b-- > 0; nbits++)
			if ((codes[sym] >> b) & 1)
				pk->bits[nbits >> 3] |= 0x80 >> (nbits & 7);
	}
	if (j != pk->nstr) {
		rc = -EINVAL;
		goto out;
	}
	pk->boff[pk->nstr] = nbits;
	rc = 0;
out:
	if (t) {
		ddz_free(t->seq);
		ddz_free(t->hkey);
		ddz_free(t->hcnt);
		ddz_free(t->hused);
	}
	ddz_free(t);
	ddz_free(freq);
	ddz_free(codes);
	ddz_free(lens);
	return rc;
}

static int ddz_build_strtabs(struct ddz_packer *pk, struct ddz_packed *p)
{
	u32 k, i;

	for (k = 0; k < DDZ_NSTRKINDS; k++) {
		struct ddz_strtab *tab = &p->strs[k];
		u32 first = ddz_str_first(pk, k);
		u32 cnt = pk->in[k].count, nbits;

		nbits = pk->boff[first + cnt] - pk->boff[first];
		tab->count = cnt;
		tab->nbits = nbits;
		tab->bits = ddz_zalloc(nbits / 8 + 1);
		tab->chunk = ddz_alloc((cnt / DDZ_STR_CHUNK + 1) * sizeof(u32));
		if (!tab->bits || !tab->chunk)
			return -ENOMEM;
		for (i = 0; i < cnt; i++) {
			u32 at = pk->boff[first + i] - pk->boff[first];

			if (i % DDZ_STR_CHUNK == 0)
				tab->chunk[i / DDZ_STR_CHUNK] = at;
			ddz_bitcopy(tab->bits, at, pk->bits,
				    pk->boff[first + i],
				    pk->boff[first + i + 1] -
				    pk->boff[first + i]);
		}
	}
	return 0;
}

/* Header bytes of a block with @nsites sites and @meta_len header bytes. */
static u32 ddz_blk_hdr_len(u32 nsites, const u32 *next, u32 meta_len)
{
	return ddz_varint_len(nsites) + ddz_varint_len(next[0]) +
	       ddz_varint_len(next[1]) + ddz_varint_len(next[2]) +
	       ddz_varint_len(meta_len);
}

/* Site header bytes for site @i, given the previous site's indexes. */
static u32 ddz_site_meta(const struct ddz_packer *pk, u32 i, const u32 *prev,
			 u32 prev_line, u32 *next, bool has_class, u8 *out)
{
	const u32 *idx = pk->sidx + (size_t)i * 4;
	u32 modes = 0, n, k;
	u64 extra[3];
	u32 nextra = 0;

	for (k = 0; k < 3; k++) {
		u32 m;

		if (prev[k] == idx[k]) {
			m = 0;
		} else if (next[k] == idx[k]) {
			m = 1;
			next[k]++;
		} else {
			m = 2;
			extra[nextra++] = idx[k];
		}
		modes |= m << (4 - 2 * k);
	}
	n = ddz_put_varint(out, ddz_zigzag((s64)pk->recs[i].lineno -
					   (s64)prev_line) << 6 | modes);
	for (k = 0; k < nextra; k++)
		n += ddz_put_varint(out + n, extra[k]);
	if (has_class)
		n += ddz_put_varint(out + n, idx[3]);
	return n;
}

static int ddz_build_blocks(struct ddz_packer *pk, struct ddz_packed *p,
			    ddz_emit_fn emit, void *ctx,
			    struct ddz_pack_stats *st)
{
	u32 next[3] = { 0, 0, 0 };
	u32 i = 0;

	while (i < pk->n) {
		u32 first = i, nsites = 0, meta_len = 0, fbits = 0, k;
		u32 start_next[3], prev[3], prev_line = 0, pos;
		int rc;

		/*
		 * Names are indexed in order of first use, so the next new
		 * index of each kind carries over from the previous block.
		 */
		for (k = 0; k < 3; k++) {
			start_next[k] = next[k];
			prev[k] = U32_MAX;
		}
		memset(pk->fbits, 0, DDZ_OBJ_SIZE);

		while (i < pk->n && nsites < DDZ_BLK_MAX_SITES) {
			u8 m[40];
			u32 tnext[3], ml, fb, need;
			u32 s0 = pk->boff[i], s1 = pk->boff[i + 1];

			memcpy(tnext, next, sizeof(tnext));
			ml = ddz_site_meta(pk, i, prev, prev_line, tnext,
					   p->has_class, m);
			fb = s1 - s0;
			need = ddz_blk_hdr_len(nsites + 1, start_next,
					       meta_len + ml) +
			       meta_len + ml + (fbits + fb + 7) / 8;
			if (need > DDZ_OBJ_SIZE) {
				if (!nsites)
					return -E2BIG;
				break;
			}
			memcpy(pk->meta + meta_len, m, ml);
			meta_len += ml;
			ddz_bitcopy(pk->fbits, fbits, pk->bits, s0, fb);
			fbits += fb;
			memcpy(next, tnext, sizeof(next));
			for (k = 0; k < 3; k++)
				prev[k] = pk->sidx[(size_t)i * 4 + k];
			prev_line = pk->recs[i].lineno;
			nsites++;
			i++;
		}

		memset(pk->blk, 0, DDZ_OBJ_SIZE);
		pos = ddz_put_varint(pk->blk, nsites);
		for (k = 0; k < 3; k++)
			pos += ddz_put_varint(pk->blk + pos, start_next[k]);
		pos += ddz_put_varint(pk->blk + pos, meta_len);
		memcpy(pk->blk + pos, pk->meta, meta_len);
		pos += meta_len;
		memcpy(pk->blk + pos, pk->fbits, (fbits + 7) / 8);
		st->meta_bytes += meta_len;
		st->fmt_bytes += (fbits + 7) / 8;
		st->nblocks++;
		rc = emit(ctx, first, nsites, pk->blk);
		if (rc)
			return rc;
	}
	return 0;
}

static u32 ddz_model_size(const struct ddz_model *m)
{
	return ALIGN(m->nrules * 3, 4) + ALIGN((m->ncoded + 1) / 2 * 3, 4);
}

static u32 ddz_strtab_bits_size(const struct ddz_strtab *t)
{
	return ALIGN(t->nbits / 8 + 1, 4);
}

static u32 ddz_strtab_chunk_size(const struct ddz_strtab *t)
{
	return (t->count / DDZ_STR_CHUNK + 1) * sizeof(u32);
}

/* Move the resident parts into one allocation, @p->blob. */
static int ddz_compact(struct ddz_packed *p)
{
	struct ddz_packed old = *p;
	u32 size = ddz_model_size(&p->model), k, at;
	u8 *blob;

	for (k = 0; k < DDZ_NSTRKINDS; k++)
		size += ddz_strtab_bits_size(&p->strs[k]) +
			ddz_strtab_chunk_size(&p->strs[k]);
	blob = ddz_alloc_resident(size);
	if (!blob)
		return -ENOMEM;
	memset(blob, 0, size);
	at = 0;
	memcpy(blob + at, old.model.rules, p->model.nrules * 3);
	p->model.rules = blob + at;
	at += ALIGN(p->model.nrules * 3, 4);
	memcpy(blob + at, old.model.sorted, (p->model.ncoded + 1) / 2 * 3);
	p->model.sorted = blob + at;
	at += ALIGN((p->model.ncoded + 1) / 2 * 3, 4);
	for (k = 0; k < DDZ_NSTRKINDS; k++) {
		struct ddz_strtab *t = &p->strs[k];

		memcpy(blob + at, old.strs[k].bits, t->nbits / 8 + 1);
		t->bits = blob + at;
		at += ddz_strtab_bits_size(t);
		memcpy(blob + at, old.strs[k].chunk, ddz_strtab_chunk_size(t));
		t->chunk = (u32 *)(blob + at);
		at += ddz_strtab_chunk_size(t);
	}
	p->blob = blob;
	p->blob_size = size;
	ddz_free(old.model.rules);
	ddz_free(old.model.sorted);
	for (k = 0; k < DDZ_NSTRKINDS; k++) {
		ddz_free(old.strs[k].bits);
		ddz_free(old.strs[k].chunk);
	}
	return 0;
}

/**
 * ddz_pack - train a model on a table of callsites and pack them
 * @recs: the callsites, in the order the control file lists them
 * @n: their number, at least 1
 * @out: receives the resident part (free it with ddz_packed_free())
 * @emit: called with each finished block
 * @ctx: passed to @emit
 * @st: receives sizes, for statistics
 *
 * Return: 0, -ENOMEM, -E2BIG when a string is longer than DDZ_STR_MAX or
 * a site does not fit a block, -EINVAL on bad input, or what @emit
 * returned.
 */
int ddz_pack(const struct ddz_rec *recs, u32 n, struct ddz_packed *out,
	     ddz_emit_fn emit, void *ctx, struct ddz_pack_stats *st)
{
	struct ddz_packer pk;
	u32 i, k;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(st, 0, sizeof(*st));
	memset(&pk, 0, sizeof(pk));
	if (!n || n > U32_MAX / 8)
		return -EINVAL;
	pk.recs = recs;
	pk.n = n;
	pk.sidx = ddz_alloc((size_t)n * 4 * sizeof(u32));
	pk.blk = ddz_alloc(DDZ_OBJ_SIZE);
	pk.meta = ddz_alloc(DDZ_OBJ_SIZE + 64);
	pk.fbits = ddz_alloc(DDZ_OBJ_SIZE);
	rc = -ENOMEM;
	if (!pk.sidx || !pk.blk || !pk.meta || !pk.fbits)
		goto out;
	for (k = 0; k < DDZ_NSTRKINDS; k++) {
		rc = ddz_intern_init(&pk.in[k], n);
		if (rc)
			goto out;
	}
	rc = -EINVAL;
	for (i = 0; i < n; i++) {
		const struct ddz_rec *r = &recs[i];
		u32 *idx = pk.sidx + (size_t)i * 4;

		if (!r->modname || !r->filename || !r->function || !r->format)
			goto out;
		idx[0] = ddz_intern(&pk.in[DDZ_STR_MOD], r->modname);
		idx[1] = ddz_intern(&pk.in[DDZ_STR_FILE], r->filename);
		idx[2] = ddz_intern(&pk.in[DDZ_STR_FUNC], r->function);
		idx[3] = 0;
		if (r->class_name) {
			idx[3] = ddz_intern(&pk.in[DDZ_STR_CLASS],
					    r->class_name) + 1;
			out->has_class = true;
		}
	}
	pk.nstr = n;
	for (k = 0; k < DDZ_NSTRKINDS; k++)
		pk.nstr += pk.in[k].count;

	rc = ddz_build_codes(&pk, out, st);
	if (!rc)
		rc = ddz_build_strtabs(&pk, out);
	if (!rc)
		rc = ddz_build_blocks(&pk, out, emit, ctx, st);
	if (!rc)
		rc = ddz_compact(out);
	out->max_len = st->max_len;
	st->model_bytes = ddz_model_size(&out->model);
	st->str_bytes = out->blob_size - st->model_bytes;
out:
	for (k = 0; k < DDZ_NSTRKINDS; k++)
		ddz_intern_free(&pk.in[k]);
	ddz_free(pk.sidx);
	ddz_free(pk.boff);
	ddz_free(pk.bits);
	ddz_free(pk.blk);
	ddz_free(pk.meta);
	ddz_free(pk.fbits);
	if (rc)
		ddz_packed_free(out);
	return rc;
}

/**
 * ddz_packed_free - free what ddz_pack() left resident
 * @p: the packed table (may be zeroed)
 */
void ddz_packed_free(struct ddz_packed *p)
{
	u32 k;

	if (p->blob) {
		ddz_free(p->blob);
	} else {
		ddz_free(p->model.rules);
		ddz_free(p->model.sorted);
		for (k = 0; k < DDZ_NSTRKINDS; k++) {
			ddz_free(p->strs[k].bits);
			ddz_free(p->strs[k].chunk);
		}
	}
	memset(p, 0, sizeof(*p));
}
