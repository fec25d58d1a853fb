// SPDX-License-Identifier: GPL-2.0
/*
 * damon_rec_snap.c - rebuild whole DAMON snapshots from damon_aggregated
 *
 * kdamond_reset_aggregated() fires damon_aggregated once per region, target
 * after target (in context order) and region after region (in address
 * order), once per aggregation interval, in the kdamond thread with
 * preemption disabled.  The probe keeps one assembly state per kdamond
 * thread (a slot), keyed by the current task, and appends each event to the
 * snapshot being assembled.
 *
 * The events do not say how many targets a snapshot has.  The kdamond's
 * struct damon_ctx does: when the probe could verify it (see
 * drec_current_ctx()), a snapshot is complete with the last region of the
 * last target that has regions, and is committed at once.  Otherwise a
 * snapshot ends when the next one begins - an event that does not continue
 * the current target and whose target id is not greater than the current
 * one - or when its kdamond is gone (at stop, or when its slot is
 * reclaimed).  Only then is it encoded and committed, so a snapshot reaches
 * the record whole or not at all.
 *
 * Up to DREC_MAX_KDAMONDS threads have a slot at once; the slot of a thread
 * that exited goes to the next new one.  A kdamond that finds no slot has
 * each of its snapshots counted as lost for want of memory.
 *
 * The probe never sleeps: everything it needs is preallocated at start, and
 * it grows only with GFP_NOWAIT, counting a snapshot as lost_nomem when that
 * fails.  On PREEMPT_RT it does not allocate at all (DREC_PROBE_MAY_ALLOC):
 * the third and later kdamonds get their slots from drec.slot_work.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "damon_rec.h"

#define DREC_GFP_ATOMIC		(GFP_NOWAIT | __GFP_NOWARN)

/* Room for what precedes a SNAPSHOT frame: KDAMOND and LOST frames. */
/* ... and INTERVALS frames (with a CHECK frame after it in v4). */
#define DREC_PRE_MAX		(128 + DREC_V3_INTERVALS_MAX + DREC_V4_CHECK_LEN)
/* SNAPSHOT frame type, length and payload prefix, and its CRC. */
#define DREC_SNAP_OVERHEAD	(1 + 3 * DREC_VARINT_MAX + 4 + 4 + 16)

static bool drec_grow(void **arr, u32 *cap, u32 used, u32 need, size_t elem,
		      gfp_t gfp)
{
	u32 new_cap = max(need, *cap * 2);
	void *p;

	if (need <= *cap)
		return true;
	if (!gfpflags_allow_blocking(gfp) && !DREC_PROBE_MAY_ALLOC)
		return false;
	p = kmalloc_array(new_cap, elem, gfp);
	if (!p)
		return false;
	if (used)
		memcpy(p, *arr, (size_t)used * elem);
	kfree(*arr);
	*arr = p;
	*cap = new_cap;
	return true;
}

static bool drec_scratch_grow(struct drec_kdamond *kd, size_t need, gfp_t gfp)
{
	u8 *p;

	if (need <= kd->scratch_cap)
		return true;
	if (!gfpflags_allow_blocking(gfp) && !DREC_PROBE_MAY_ALLOC)
		return false;
	need = max(need, kd->scratch_cap * 2);
	p = kmalloc(need, gfp);
	if (!p)
		return false;
	kfree(kd->scratch);
	kd->scratch = p;
	kd->scratch_cap = need;
	return true;
}

static void drec_kd_destroy(struct drec_kdamond *kd)
{
	if (!kd)
		return;
	kfree(kd->snap[0].regions);
	kfree(kd->snap[0].targets);
	kfree(kd->snap[1].regions);
	kfree(kd->snap[1].targets);
	kfree(kd->scratch);
	kvfree(kd->model);
	kfree(kd);
}

static struct drec_kdamond *drec_kd_create(u32 format, u32 nr_regions,
					   u32 nr_targets, gfp_t gfp)
{
	struct drec_kdamond *kd = kzalloc(sizeof(*kd), gfp);
	struct drec_snap bound = {
		.nr_regions = nr_regions,
		.nr_targets = nr_targets,
	};
	int i;

	if (!kd)
		return NULL;
	raw_spin_lock_init(&kd->lock);
	kd->file_idx = -1;
	for (i = 0; i < 2; i++) {
		struct drec_snap *s = &kd->snap[i];

		s->regions = kmalloc_array(nr_regions, sizeof(*s->regions),
					   gfp);
		s->targets = kmalloc_array(nr_targets, sizeof(*s->targets),
					   gfp);
		if (!s->regions || !s->targets)
			goto fail;
		s->regions_cap = nr_regions;
		s->targets_cap = nr_targets;
	}
	kd->scratch_cap = drec_enc_bound(format, &bound);
	kd->scratch = kmalloc(kd->scratch_cap, gfp);
	if (!kd->scratch)
		goto fail;
	if (format == DAMON_REC_FMT_V4) {
		kd->model = kvmalloc(drec_v4_model_size(), gfp);
		if (!kd->model)
			goto fail;
		drec_v4_model_init(kd->model);
	}
	return kd;
fail:
	drec_kd_destroy(kd);
	return NULL;
}

/**
 * drec_snap_room() - pool bytes a snapshot of a preallocated slot takes
 * @d: the recorder; rec_format is set.
 *
 * Return: the bound of one unit: a snapshot of DREC_PREALLOC_REGIONS
 * regions in DREC_PREALLOC_TARGETS targets and the frames before it.
 */
size_t drec_snap_room(struct drec *d)
{
	struct drec_snap bound = {
		.nr_regions = DREC_PREALLOC_REGIONS,
		.nr_targets = DREC_PREALLOC_TARGETS,
	};

	return drec_enc_bound(d->rec_format, &bound) + DREC_PRE_MAX +
	       DREC_SNAP_OVERHEAD;
}

/**
 * drec_kds_alloc() - preallocate kdamond assembly states at start
 * @d: the recorder; rec_format is set.
 *
 * Return: 0, or -ENOMEM.
 */
int drec_kds_alloc(struct drec *d)
{
	int i;

	d->nr_kds = 0;
	d->nr_slots = 0;
	memset(&d->noslot, 0, sizeof(d->noslot));
	raw_spin_lock_init(&d->noslot.lock);
	d->noslot.file_idx = -1;
	for (i = 0; i < DREC_PREALLOC_KDAMONDS; i++) {
		d->kds[i] = drec_kd_create(d->rec_format, DREC_PREALLOC_REGIONS,
					   DREC_PREALLOC_TARGETS, GFP_KERNEL);
		if (!d->kds[i]) {
			drec_kds_free(d);
			return -ENOMEM;
		}
	}
	return 0;
}

/**
 * drec_kds_free() - free the kdamond assembly states
 * @d: the recorder; the probe is unregistered and synchronized.
 *
 * d->nr_kds is kept for the status.
 */
void drec_kds_free(struct drec *d)
{
	int i;

	cancel_work_sync(&d->slot_work);
	cancel_work_sync(&d->wake_work);
	for (i = 0; i < DREC_MAX_KDAMONDS; i++) {
		struct drec_kdamond *kd = d->kds[i];

		if (kd && kd->task)
			put_task_struct(kd->task);
		drec_kd_destroy(kd);
		d->kds[i] = NULL;
	}
	d->nr_slots = 0;
}

/* kdamond_fn(), the function of every kdamond thread, once recognized. */
static void *drec_kdamond_fn;

/*
 * The struct damon_ctx of the kdamond running the probe, or NULL when that
 * cannot be trusted.
 *
 * On every kernel this module supports (5.15 and later), __damon_start()
 * creates a kdamond with kthread_run(kdamond_fn, ctx, ...): the thread's
 * kthread data is its context, and damon_aggregated fires only from
 * kdamond_reset_aggregated(), called by kdamond_fn() in that thread.  That
 * is checked rather than assumed: the probe must run in a kernel thread
 * whose function is kdamond_fn, recognized by its symbol name (once: the
 * address is then remembered).  Callers also check that ctx->kdamond is
 * the current task.  Called with d->kd_lock held (the name goes to d->sym).
 */
static struct damon_ctx *drec_current_ctx(struct drec *d)
{
	char *name = d->sym;
	void *fn;

	lockdep_assert_held(&d->kd_lock);
	if (!(current->flags & PF_KTHREAD))
		return NULL;
	fn = kthread_func(current);
	if (!fn)
		return NULL;
	if (fn != READ_ONCE(drec_kdamond_fn)) {
		sprint_symbol_no_offset(name, (unsigned long)fn);
		/* A compiler may add a suffix such as ".cold" or ".isra.0". */
		if (!str_has_prefix(name, "kdamond_fn") ||
		    (name[10] && name[10] != '.'))
			return NULL;
		WRITE_ONCE(drec_kdamond_fn, fn);
	}
	return kthread_data(current);
}

/*
 * Reading the context's targets and regions from the probe.
 *
 * These lists are safe to walk only here: the probe runs in the kdamond
 * thread itself, inside kdamond_reset_aggregated(), which is walking the
 * very same lists.  Only the kdamond thread changes its targets and regions
 * while it runs (splitting, merging, the operations' updates, and the
 * callbacks and damon_call() requests through which sysfs commits new
 * settings all run in it), and none of that happens during
 * kdamond_reset_aggregated().  From any other thread, or at any other time,
 * the lists could change under the walk.  Nothing here sleeps or takes a
 * lock.
 */

/* Whether @r, of the target that @tkey designates, starts a snapshot. */
static bool drec_ctx_first(struct damon_ctx *ctx, unsigned long tkey,
			   struct damon_region *r)
{
	struct damon_target *t;
	unsigned int i = 0;

	damon_for_each_target(t, ctx) {
		if (drec_tp_key_is(t, i, tkey))
			return r->list.prev == &t->regions_list;
		/* Targets without regions emit no event. */
		if (!list_empty(&t->regions_list))
			return false;
		i++;
	}
	return false;
}

/* Whether @r, of the target that @tkey designates, ends a snapshot. */
static bool drec_ctx_last(struct damon_ctx *ctx, unsigned long tkey,
			  struct damon_region *r)
{
	struct damon_target *t;
	unsigned int i = 0;
	bool found = false;

	damon_for_each_target(t, ctx) {
		if (found) {
			if (!list_empty(&t->regions_list))
				return false;
		} else if (drec_tp_key_is(t, i, tkey)) {
			if (!list_is_last(&r->list, &t->regions_list))
				return false;
			found = true;
		}
		i++;
	}
	return found;
}

/* The context of the kdamond running the probe, if this is still its. */
static struct damon_ctx *drec_ctx_live(struct damon_ctx *ctx)
{
	return ctx && READ_ONCE(ctx->kdamond) == current ? ctx : NULL;
}

/* Count a snapshot lost, and for v3 remember to say so in the file. */
static void drec_lost_locked(struct drec *d, struct drec_kdamond *kd,
			     enum drec_lost_reason why)
{
	switch (why) {
	case DREC_LOST_FULL:
		d->lost_full++;
		break;
	case DREC_LOST_NOMEM:
		d->lost_nomem++;
		break;
	case DREC_LOST_ERROR:
		d->lost_error++;
		return;
	}
	if (d->rec_format != DAMON_REC_FMT_V2)
		kd->pending_lost[why - 1]++;
}

/* A small frame: with its CRC in v3; in v4 counted into the group @g. */
static size_t drec_pre_frame(struct drec *d, u8 *out, struct drec_v4_group *g,
			     u8 type, const u8 *payload, size_t len)
{
	if (d->rec_format == DAMON_REC_FMT_V4)
		return drec_v4_frame(out, g, type, payload, len);
	return drec_v3_frame(out, type, payload, len);
}

/*
 * v3 frames that must precede a frame of this kdamond: its KDAMOND frame the
 * first time, then its pending LOST frames.  The kdamond's file state is
 * only updated by drec_pre_done(), once the unit is committed; in v4, so is
 * the group (@g is a copy of d->v4_group).
 */
static size_t drec_pre_frames(struct drec *d, struct drec_kdamond *kd,
			      u8 *out, u32 *idx, struct drec_v4_group *g)
{
	u8 payload[3 * DREC_VARINT_MAX], *p;
	size_t len = 0;
	int i;

	if (kd->file_idx < 0) {
		*idx = d->v3_next_idx;
		p = drec_put_varint(payload, *idx);
		p = drec_put_varint(p, kd->pid);
		len += drec_pre_frame(d, out + len, g, DREC_V3_FRAME_KDAMOND,
				      payload, p - payload);
	} else {
		*idx = kd->file_idx;
	}
	for (i = 0; i < 2; i++) {
		if (!kd->pending_lost[i])
			continue;
		p = drec_put_varint(payload, *idx);
		p = drec_put_varint(p, kd->pending_lost[i]);
		p = drec_put_varint(p, i + 1);
		len += drec_pre_frame(d, out + len, g, DREC_V3_FRAME_LOST,
				      payload, p - payload);
	}
	return len;
}

static void drec_pre_done(struct drec *d, struct drec_kdamond *kd, u32 idx)
{
	if (kd->file_idx < 0) {
		kd->file_idx = idx;
		d->v3_next_idx++;
	}
	kd->pending_lost[0] = 0;
	kd->pending_lost[1] = 0;
}

/*
 * Commit an encoded snapshot (its targets are in kd->scratch) as one unit.
 *
 * Snapshots of several kdamonds are assembled at the same time and
 * committed in the order they complete: one that began earlier may complete
 * later.  So that times increase in the file, a snapshot whose time is not
 * after that of the one committed before it is given that time plus 1 ns
 * (it moves by at most the time its assembly overlapped the other's).
 *
 * Return: 0, or why it was dropped (counted).
 */
static int drec_commit_snapshot(struct drec *d, struct drec_kdamond *kd,
				const struct drec_snap *s, size_t slen)
{
	u8 pre[DREC_PRE_MAX], head[1 + DREC_VARINT_MAX];
	u8 pfx[3 * DREC_VARINT_MAX], tail[DREC_V4_CHECK_LEN];
	size_t prelen = 0, headlen, pfxlen, size, taillen = 0;
	u64 t_ns = timespec64_to_ns(&s->ts), delta;
	struct drec_v4_group g;
	u32 idx = 0, crc;
	int err;

	raw_spin_lock(&d->lock);
	if (d->failed) {
		drec_lost_locked(d, kd, DREC_LOST_ERROR);
		raw_spin_unlock(&d->lock);
		return -EIO;
	}
	if (t_ns <= d->v3_prev_ns)
		t_ns = d->v3_prev_ns + 1;
	delta = t_ns - d->v3_prev_ns;

	if (d->rec_format == DAMON_REC_FMT_V2) {
		struct timespec64 ts = ns_to_timespec64(t_ns);
		s64 sec = ts.tv_sec, nsec = ts.tv_nsec;

		memcpy(pfx, &sec, 8);
		memcpy(pfx + 8, &nsec, 8);
		memcpy(pfx + 16, &s->nr_targets, 4);
		pfxlen = DREC_V2_SNAP_HDR_LEN;
		headlen = 0;
		size = pfxlen + slen;
	} else {
		u8 *p;

		g = d->v4_group;
		prelen = drec_pre_frames(d, kd, pre, &idx, &g);
		if (drec_intervals_known(&s->iv) &&
		    memcmp(&s->iv, &kd->file_iv, sizeof(s->iv))) {
			u8 ivp[DREC_INTERVALS_PAYLOAD_MAX];

			prelen += drec_pre_frame(d, pre + prelen, &g,
						 DREC_V3_FRAME_INTERVALS, ivp,
						 drec_intervals_payload(ivp, idx,
									&s->iv));
		}
		p = drec_put_varint(pfx, idx);
		if (d->rec_format == DAMON_REC_FMT_V4) {
			/* The time delta less the previous one. */
			p = drec_put_svarint(p, (s64)(delta - d->v4_prev_delta));
		} else {
			p = drec_put_svarint(p, (s64)delta);
			p = drec_put_varint(p, s->nr_targets);
		}
		pfxlen = p - pfx;
		head[0] = DREC_V3_FRAME_SNAPSHOT;
		headlen = drec_put_varint(head + 1, pfxlen + slen) - head;
		if (d->rec_format == DAMON_REC_FMT_V4) {
			drec_v4_account(tail, &g, 0, head, headlen);
			drec_v4_account(tail, &g, 0, pfx, pfxlen);
			taillen = drec_v4_account(tail, &g,
						  DREC_V3_FRAME_SNAPSHOT,
						  kd->scratch, slen);
		} else {
			crc = drec_crc32(~0U, head, headlen);
			crc = drec_crc32(crc, pfx, pfxlen);
			crc = ~drec_crc32(crc, kd->scratch, slen);
			drec_put_le32(tail, crc);
			taillen = 4;
		}
		size = prelen + headlen + pfxlen + slen + taillen;
		if (pfxlen + slen > DREC_V3_FRAME_MAX) {
			drec_lost_locked(d, kd, DREC_LOST_NOMEM);
			raw_spin_unlock(&d->lock);
			return -ENOMEM;
		}
	}

	err = drec_reserve_locked(d, size);
	if (err) {
		drec_lost_locked(d, kd, err == -ENOSPC ? DREC_LOST_FULL :
				 DREC_LOST_NOMEM);
		raw_spin_unlock(&d->lock);
		return err;
	}

	if (d->rec_format == DAMON_REC_FMT_V2) {
		drec_put_locked(d, pfx, pfxlen);
		drec_put_locked(d, kd->scratch, slen);
	} else {
		drec_put_locked(d, pre, prelen);
		drec_put_locked(d, head, headlen);
		drec_put_locked(d, pfx, pfxlen);
		drec_put_locked(d, kd->scratch, slen);
		drec_put_locked(d, tail, taillen);
		drec_pre_done(d, kd, idx);
		if (drec_intervals_known(&s->iv))
			kd->file_iv = s->iv;
		d->v4_group = g;
		d->v4_prev_delta = delta;
	}
	d->v3_prev_ns = t_ns;
	drec_unit_end_locked(d, s->nr_regions, true);
	raw_spin_unlock(&d->lock);
	return 0;
}

/*
 * The snapshot being assembled is over: encode and commit it if it is
 * whole.  @gone: its kdamond will send no more events (the recording
 * stops, or the thread exited).  With @gfp GFP_KERNEL (at stop: the probe
 * is gone) the pool may grow, so nothing is dropped; in the probe nothing
 * sleeps.
 */
static void drec_finish(struct drec *d, struct drec_kdamond *kd, bool gone,
			gfp_t gfp)
{
	struct drec_snap *s = &kd->snap[kd->cur];
	struct drec_snap *ref = kd->has_ref ? &kd->snap[!kd->cur] : NULL;
	bool whole;
	size_t len;

	kd->assembling = false;
	whole = !kd->torn && kd->cur_received == kd->cur_expected;
	/* The snapshot may have begun before the probe was registered. */
	if (!kd->first_ok)
		whole = false;
	/*
	 * The probe may have left before the last targets came: a snapshot
	 * followed through the context would have been committed already.
	 */
	if (gone && (kd->by_ctx ||
		     (kd->has_ref && kd->cur_tid < kd->ref_last_tid)))
		whole = false;
	if (!whole) {
		drec_dbg("kdamond %d: incomplete snapshot left out\n", kd->pid);
		return;
	}
	kd->seen++;

	if (kd->nomem) {
		raw_spin_lock(&d->lock);
		drec_lost_locked(d, kd, d->failed ? DREC_LOST_ERROR :
				 DREC_LOST_NOMEM);
		raw_spin_unlock(&d->lock);
		return;
	}
	if (!drec_scratch_grow(kd, drec_enc_bound(d->rec_format, s), gfp)) {
		kd->want_regions = max(kd->want_regions, s->nr_regions);
		kd->want_targets = max(kd->want_targets, s->nr_targets);
		raw_spin_lock(&d->lock);
		drec_lost_locked(d, kd, d->failed ? DREC_LOST_ERROR :
				 DREC_LOST_NOMEM);
		raw_spin_unlock(&d->lock);
		return;
	}
	if (d->rec_format == DAMON_REC_FMT_V2) {
		len = drec_v2_encode_targets(kd->scratch, s);
	} else if (d->rec_format == DAMON_REC_FMT_V3) {
		len = drec_v3_encode_targets(kd->scratch, s, ref);
	} else {
		/*
		 * A LOST frame of this kdamond will come first: the reader
		 * then starts its models afresh, and so does the encoder.
		 */
		if (kd->pending_lost[0] || kd->pending_lost[1])
			drec_v4_model_init(kd->model);
		if (!drec_v4_encode_targets(kd->scratch, kd->scratch_cap, s,
					    ref, kd->model, &len)) {
			raw_spin_lock(&d->lock);
			drec_lost_locked(d, kd, d->failed ? DREC_LOST_ERROR :
					 DREC_LOST_NOMEM);
			raw_spin_unlock(&d->lock);
			return;
		}
	}

	if (gfpflags_allow_blocking(gfp) &&
	    drec_pool_reserve(d, DREC_PRE_MAX + DREC_SNAP_OVERHEAD + len, gfp))
		drec_dbg("no memory to keep the last snapshot at stop\n");

	if (!drec_commit_snapshot(d, kd, s, len)) {
		kd->cur = !kd->cur;
		kd->has_ref = true;
		kd->ref_last_tid = kd->cur_tid;
	}
	drec_kick(d);
}

static void drec_begin(struct drec_kdamond *kd, u32 tid,
		       struct damon_ctx *ctx, unsigned long tkey,
		       struct damon_region *r)
{
	struct drec_snap *s = &kd->snap[kd->cur];

	s->nr_regions = 0;
	s->nr_targets = 0;
	ktime_get_real_ts64(&s->ts);
	kd->assembling = true;
	kd->torn = false;
	kd->nomem = false;
	kd->first_tid = tid;
	/*
	 * Without the context, only the first snapshot is in doubt: it may
	 * have begun before the probe was registered.
	 */
	if (ctx)
		kd->first_ok = drec_ctx_first(ctx, tkey, r);
	else
		kd->first_ok = kd->seen || tid == 0;
	kd->by_ctx = !!ctx;
	/*
	 * The intervals the snapshot was taken with: only the kdamond thread
	 * changes them, and never inside kdamond_reset_aggregated().
	 */
	if (ctx)
		s->iv = (struct drec_intervals){
			.sample_us = DREC_CTX_ATTRS(ctx)->sample_interval,
			.aggr_us = DREC_CTX_ATTRS(ctx)->aggr_interval,
			.update_us = DREC_CTX_ATTRS(ctx)->ops_update_interval,
		};
	else
		s->iv = (struct drec_intervals){ 0 };
}

static void drec_add_target(struct drec_kdamond *kd, u32 tid, u32 nr_regions)
{
	struct drec_snap *s = &kd->snap[kd->cur];

	kd->cur_tid = tid;
	kd->cur_expected = nr_regions;
	kd->cur_received = 0;
	kd->cur_last_end = 0;
	if (kd->nomem)
		return;
	if (!drec_grow((void **)&s->targets, &s->targets_cap, s->nr_targets,
		       s->nr_targets + 1, sizeof(*s->targets),
		       DREC_GFP_ATOMIC) ||
	    !drec_grow((void **)&s->regions, &s->regions_cap, s->nr_regions,
		       s->nr_regions + nr_regions, sizeof(*s->regions),
		       DREC_GFP_ATOMIC)) {
		kd->nomem = true;
		/* For drec.slot_work, where the probe cannot grow them. */
		kd->want_regions = max(kd->want_regions,
				       s->nr_regions + nr_regions);
		kd->want_targets = max(kd->want_targets, s->nr_targets + 1);
		return;
	}
	s->targets[s->nr_targets++] = (struct drec_target){
		.id = tid,
		.nr_regions = nr_regions,
		.first = s->nr_regions,
	};
}

static void drec_add_region(struct drec_kdamond *kd, struct damon_region *r)
{
	struct drec_snap *s = &kd->snap[kd->cur];
	struct drec_region *dr;

	kd->cur_received++;
	kd->cur_last_end = r->ar.end;
	if (r->ar.end <= r->ar.start) {
		/* Not a region any format can hold. */
		kd->torn = true;
		return;
	}
	if (kd->nomem)
		return;
	dr = &s->regions[s->nr_regions++];
	dr->start = r->ar.start;
	dr->end = r->ar.end;
	dr->nr_accesses = r->nr_accesses;
	dr->age = drec_region_age(r);
}

#if !DREC_TP_KEY_IS_INDEX
/* 5.15 gives the target's address: number targets by order of appearance. */
static u32 drec_target_index(struct drec_kdamond *kd, unsigned long key)
{
	if (kd->assembling && key == kd->tp_last)
		return kd->cur_tid;
	kd->tp_last = key;
	if (!kd->assembling || key == kd->tp_first) {
		kd->tp_first = key;
		return 0;
	}
	return kd->cur_tid + 1;
}
#else
static inline u32 drec_target_index(struct drec_kdamond *kd,
				    unsigned long key)
{
	return key;
}
#endif

/*
 * Give the slot @kd to the current thread.  @kd is new, or its previous
 * thread exited and it was retired.
 */
static void drec_kd_claim(struct drec *d, struct drec_kdamond *kd)
{
	get_task_struct(current);
	kd->pid = task_pid_nr(current);
	kd->ctx = drec_current_ctx(d);
	kd->file_idx = -1;
	kd->file_iv = d->v3_iv;
	kd->has_ref = false;
	if (kd->model)
		drec_v4_model_init(kd->model);
	kd->assembling = false;
	kd->seen = 0;
	kd->tp_first = 0;
	kd->tp_last = 0;
	WRITE_ONCE(kd->task, current);
	WRITE_ONCE(d->nr_kds, d->nr_kds + 1);
	drec_dbg("following kdamond %d%s\n", kd->pid,
		 kd->ctx ? "" : " (no context)");
}

/*
 * The thread of @kd exited (kd->lock held): commit what it was assembling,
 * and write the v3 LOST frames it still owes under its kdamond index (or,
 * without room for them now, leave them to the end of the record, without
 * a kdamond).  The slot can then go to another thread, with a new index.
 */
static void drec_kd_retire(struct drec *d, struct drec_kdamond *kd)
{
	u8 pre[DREC_PRE_MAX];
	size_t len;
	u32 idx;
	int i;

	if (kd->assembling)
		drec_finish(d, kd, true, DREC_GFP_ATOMIC);
	raw_spin_lock(&d->lock);
	if (!d->failed && (kd->pending_lost[0] || kd->pending_lost[1])) {
		struct drec_v4_group g = d->v4_group;

		len = drec_pre_frames(d, kd, pre, &idx, &g);
		if (!drec_reserve_locked(d, len)) {
			drec_put_locked(d, pre, len);
			drec_unit_end_locked(d, 0, false);
			drec_pre_done(d, kd, idx);
			d->v4_group = g;
		}
	}
	for (i = 0; i < 2; i++) {
		d->noslot.pending_lost[i] += kd->pending_lost[i];
		kd->pending_lost[i] = 0;
	}
	raw_spin_unlock(&d->lock);
	drec_kick(d);
	drec_dbg("kdamond %d exited: slot reclaimed\n", kd->pid);
}

/*
 * A slot for the current thread from one whose thread exited, or NULL
 * (d->kd_lock held).
 *
 * Each slot holds a reference on its task, so the task cannot be freed and
 * its address reused while in the slot.  PF_EXITING is set by the thread
 * itself once kdamond_fn() has returned, after its last event; the thread
 * takes kd->lock around each event, so that seeing PF_EXITING under
 * kd->lock means that everything it did to the slot is visible, and that
 * it will not touch it again.
 */
static struct drec_kdamond *drec_kd_reclaim(struct drec *d)
{
	unsigned int i;

	for (i = 0; i < d->nr_slots; i++) {
		struct drec_kdamond *kd = d->kds[i];
		struct task_struct *task = kd->task;

		if (task && !(READ_ONCE(task->flags) & PF_EXITING))
			continue;
		raw_spin_lock(&kd->lock);
		if (task && !(READ_ONCE(task->flags) & PF_EXITING)) {
			raw_spin_unlock(&kd->lock);
			continue;
		}
		drec_kd_retire(d, kd);
		drec_kd_claim(d, kd);
		raw_spin_unlock(&kd->lock);
		if (task)
			put_task_struct(task);
		return kd;
	}
	return NULL;
}

/* The slot of the kdamond running the probe, or NULL if it gets none. */
static struct drec_kdamond *drec_kd_get(struct drec *d)
{
	unsigned int i, n = smp_load_acquire(&d->nr_slots);
	struct drec_kdamond *kd;

	for (i = 0; i < n; i++) {
		kd = d->kds[i];
		if (READ_ONCE(kd->task) == current)
			return kd;
	}

	/* Only this thread claims a slot for itself: no need to look again. */
	raw_spin_lock(&d->kd_lock);
	n = d->nr_slots;
	kd = NULL;
	if (n < DREC_MAX_KDAMONDS) {
		if (!d->kds[n] && DREC_PROBE_MAY_ALLOC)
			d->kds[n] = drec_kd_create(d->rec_format, 64, 4,
						   DREC_GFP_ATOMIC);
		kd = d->kds[n];
		if (kd) {
			drec_kd_claim(d, kd);
			smp_store_release(&d->nr_slots, n + 1);
		}
	}
	if (!kd)
		kd = drec_kd_reclaim(d);
	raw_spin_unlock(&d->kd_lock);
	if (!kd && !DREC_PROBE_MAY_ALLOC && n < DREC_MAX_KDAMONDS)
		queue_work(d->wq, &d->slot_work);
	return kd;
}

/*
 * Grow the arrays of slot @kd to what its last snapshots wanted (process
 * context).  The new arrays are allocated outside the slot's lock and
 * swapped in under it, with what the old ones held: the reference snapshot
 * of a v3 recording, and the one being assembled.
 */
static void drec_kd_enlarge(struct drec *d, struct drec_kdamond *kd)
{
	u32 nr = READ_ONCE(kd->want_regions), nt = READ_ONCE(kd->want_targets);
	struct drec_snap bound = { .nr_regions = nr, .nr_targets = nt };
	struct drec_region *reg[2];
	struct drec_target *tgt[2];
	size_t slen;
	void *old[5];
	u8 *scratch;
	int i;

	if (!nr)
		return;
	nr = max(nr, 2 * kd->snap[0].regions_cap);
	nt = max(nt, 2 * kd->snap[0].targets_cap);
	bound.nr_regions = nr;
	bound.nr_targets = nt;
	slen = drec_enc_bound(d->rec_format, &bound);
	scratch = kmalloc(slen, GFP_KERNEL);
	for (i = 0; i < 2; i++) {
		reg[i] = kmalloc_array(nr, sizeof(*reg[i]), GFP_KERNEL);
		tgt[i] = kmalloc_array(nt, sizeof(*tgt[i]), GFP_KERNEL);
	}
	if (!scratch || !reg[0] || !reg[1] || !tgt[0] || !tgt[1]) {
		old[0] = scratch;
		old[1] = reg[0];
		old[2] = reg[1];
		old[3] = tgt[0];
		old[4] = tgt[1];
		goto out;
	}
	raw_spin_lock(&kd->lock);
	for (i = 0; i < 2; i++) {
		struct drec_snap *s = &kd->snap[i];

		memcpy(reg[i], s->regions, (size_t)s->nr_regions * sizeof(*reg[i]));
		memcpy(tgt[i], s->targets, (size_t)s->nr_targets * sizeof(*tgt[i]));
		old[1 + i] = s->regions;
		old[3 + i] = s->targets;
		s->regions = reg[i];
		s->targets = tgt[i];
		s->regions_cap = nr;
		s->targets_cap = nt;
	}
	old[0] = kd->scratch;
	kd->scratch = scratch;
	kd->scratch_cap = slen;
	kd->want_regions = 0;
	kd->want_targets = 0;
	raw_spin_unlock(&kd->lock);
out:
	for (i = 0; i < 5; i++)
		kfree(old[i]);
}

/**
 * drec_slot_work_fn() - create the next kdamond slot (PREEMPT_RT)
 * @work: drec.slot_work.
 *
 * Where the probe may not allocate, a kdamond that finds no slot ready
 * queues this; its events are counted lost until the slot is there.  So
 * does one whose slot lacked room for a snapshot: its arrays are grown.
 */
void drec_slot_work_fn(struct work_struct *work)
{
	struct drec *d = container_of(work, struct drec, slot_work);
	struct drec_kdamond *kd;
	unsigned int i, n;

	for (i = 0; i < smp_load_acquire(&d->nr_slots); i++)
		drec_kd_enlarge(d, d->kds[i]);

	raw_spin_lock(&d->kd_lock);
	n = d->nr_slots;
	kd = n < DREC_MAX_KDAMONDS ? d->kds[n] : NULL;
	raw_spin_unlock(&d->kd_lock);
	if (n >= DREC_MAX_KDAMONDS || kd)
		return;
	kd = drec_kd_create(d->rec_format, DREC_PREALLOC_REGIONS,
			    DREC_PREALLOC_TARGETS, GFP_KERNEL);
	if (!kd)
		return;
	raw_spin_lock(&d->kd_lock);
	n = d->nr_slots;
	if (n < DREC_MAX_KDAMONDS && !d->kds[n]) {
		d->kds[n] = kd;
		kd = NULL;
	}
	raw_spin_unlock(&d->kd_lock);
	drec_kd_destroy(kd);
}

/*
 * An event of a kdamond that has no slot: too many run at once, or there
 * was no memory for one.  Its snapshots cannot be assembled; each is
 * counted lost, at its last event (which only the context tells).
 */
static void drec_noslot_event(struct drec *d, unsigned long tkey,
			      struct damon_region *r)
{
	struct damon_ctx *ctx;

	raw_spin_lock(&d->kd_lock);
	ctx = drec_ctx_live(drec_current_ctx(d));
	raw_spin_unlock(&d->kd_lock);
	if (!ctx || !drec_ctx_last(ctx, tkey, r))
		return;
	raw_spin_lock(&d->lock);
	drec_lost_locked(d, &d->noslot, d->failed ? DREC_LOST_ERROR :
			 DREC_LOST_NOMEM);
	raw_spin_unlock(&d->lock);
}

static void drec_event(void *data, unsigned long tkey,
		       struct damon_region *r, unsigned int nr_regions)
{
	struct drec *d = data;
	struct drec_kdamond *kd = drec_kd_get(d);
	struct damon_ctx *ctx;
	u32 tid;

	if (!kd) {
		drec_noslot_event(d, tkey, r);
		return;
	}
	raw_spin_lock(&kd->lock);
	ctx = drec_ctx_live(kd->ctx);
	tid = drec_target_index(kd, tkey);

	if (kd->assembling && tid == kd->cur_tid &&
	    kd->cur_received < kd->cur_expected &&
	    r->ar.start >= kd->cur_last_end) {
		drec_add_region(kd, r);
	} else {
		if (kd->assembling && tid > kd->cur_tid) {
			/* Next target of the same snapshot. */
			if (kd->cur_received != kd->cur_expected)
				kd->torn = true;
		} else {
			if (kd->assembling)
				drec_finish(d, kd, false, DREC_GFP_ATOMIC);
			drec_begin(kd, tid, ctx, tkey, r);
		}
		drec_add_target(kd, tid, nr_regions);
		drec_add_region(kd, r);
	}

	if (!ctx)
		kd->by_ctx = false;
	else if (kd->by_ctx && kd->cur_received == kd->cur_expected &&
		 drec_ctx_last(ctx, tkey, r))
		drec_finish(d, kd, false, DREC_GFP_ATOMIC);
	raw_spin_unlock(&kd->lock);
	if (!DREC_PROBE_MAY_ALLOC && READ_ONCE(kd->want_regions))
		queue_work(d->wq, &d->slot_work);
}

DREC_TP_PROBE(drec_probe, drec_event)

/**
 * drec_kds_finish() - commit the snapshots still being assembled, at stop
 * @d: the recorder; the probe is unregistered and synchronized.
 */
void drec_kds_finish(struct drec *d)
{
	unsigned int i;

	for (i = 0; i < d->nr_slots; i++) {
		struct drec_kdamond *kd = d->kds[i];

		if (kd->assembling)
			drec_finish(d, kd, true, GFP_KERNEL);
	}
}

/**
 * drec_tail_bound() - bytes the end of a v3 record can take
 * @d: the recorder; the probe is unregistered and synchronized.
 *
 * Return: a bound of what drec_commit_tail() commits.
 */
size_t drec_tail_bound(struct drec *d)
{
	return (size_t)(d->nr_slots + 1) * DREC_PRE_MAX + 64;
}

/**
 * drec_commit_tail() - the end of a v3 record: LOST frames not yet written,
 *	then the END frame
 * @d: the recorder; the probe is unregistered and synchronized, and
 *	drec_tail_bound() bytes are free.
 *
 * Return: 0, or -ENOSPC if the room was not there after all.
 */
int drec_commit_tail(struct drec *d)
{
	u8 pre[DREC_PRE_MAX], payload[2 * DREC_VARINT_MAX], frame[64], *p;
	struct drec_v4_group g;
	unsigned int i;
	int err = 0;

	raw_spin_lock(&d->lock);
	if (d->failed)
		goto out;
	/* The slots, then the snapshots of no slot, under a kdamond of pid 0. */
	for (i = 0; i <= d->nr_slots; i++) {
		struct drec_kdamond *kd = i < d->nr_slots ? d->kds[i] :
							    &d->noslot;
		size_t len;
		u32 idx;

		if (!kd->pending_lost[0] && !kd->pending_lost[1])
			continue;
		g = d->v4_group;
		len = drec_pre_frames(d, kd, pre, &idx, &g);
		err = drec_reserve_locked(d, len);
		if (err)
			goto out;
		drec_put_locked(d, pre, len);
		drec_unit_end_locked(d, 0, false);
		drec_pre_done(d, kd, idx);
		d->v4_group = g;
	}
	p = drec_put_varint(payload, d->snapshots);
	p = drec_put_varint(p, d->lost_full + d->lost_nomem + d->lost_error);
	g = d->v4_group;
	i = drec_pre_frame(d, frame, &g, DREC_V3_FRAME_END, payload,
			   p - payload);
	err = drec_reserve_locked(d, i);
	if (err)
		goto out;
	drec_put_locked(d, frame, i);
	drec_unit_end_locked(d, 0, false);
	d->v4_group = g;
out:
	raw_spin_unlock(&d->lock);
	return err;
}

static void drec_tp_match(struct tracepoint *tp, void *priv)
{
	struct tracepoint **found = priv;

	if (!strcmp(tp->name, "damon_aggregated"))
		*found = tp;
}

/**
 * drec_find_tracepoint() - look damon_aggregated up by name
 *
 * Return: the tracepoint, or NULL when the kernel was built without DAMON.
 */
struct tracepoint *drec_find_tracepoint(void)
{
	struct tracepoint *found = NULL;

	for_each_kernel_tracepoint(drec_tp_match, &found);
	return found;
}

/**
 * drec_probe_register() - attach to damon_aggregated
 * @d: the recorder, ready to take events.
 *
 * Return: 0 or a negative errno.
 */
int drec_probe_register(struct drec *d)
{
	return tracepoint_probe_register(d->tp, (void *)drec_probe, d);
}

/**
 * drec_probe_unregister() - detach, and wait until no probe runs any more
 * @d: the recorder.
 */
void drec_probe_unregister(struct drec *d)
{
	int err = tracepoint_probe_unregister(d->tp, (void *)drec_probe, d);

	if (err)
		pr_err("cannot detach from damon_aggregated: %d\n", err);
	tracepoint_synchronize_unregister();
}
