// SPDX-License-Identifier: GPL-2.0
/*
 * damon_rec_snap.c - rebuild whole DAMON snapshots from damon_aggregated
 *
 * kdamond_reset_aggregated() fires damon_aggregated once per region, target
 * after target (in context order) and region after region (in address
 * order), once per aggregation interval, in the kdamond thread with
 * preemption disabled.  The probe keeps one assembly state per kdamond,
 * keyed by the current task, and appends each event to the snapshot being
 * assembled.  A snapshot ends when the next one begins - an event that does
 * not continue the current target and whose target id is not greater than
 * the current one - or at stop.  Only then is it encoded and committed, so
 * a snapshot reaches the record whole or not at all.
 *
 * The probe never sleeps: everything it needs is preallocated at start, and
 * it grows only with GFP_NOWAIT, counting a snapshot as lost_nomem when that
 * fails.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "damon_rec.h"

#define DREC_GFP_ATOMIC		(GFP_NOWAIT | __GFP_NOWARN)

/* Room for what precedes a SNAPSHOT frame: KDAMOND and LOST frames. */
#define DREC_PRE_MAX		128
/* SNAPSHOT frame type, length and payload prefix, and its CRC. */
#define DREC_SNAP_OVERHEAD	(1 + 3 * DREC_VARINT_MAX + 4 + 4 + 16)

static bool drec_grow(void **arr, u32 *cap, u32 used, u32 need, size_t elem,
		      gfp_t gfp)
{
	u32 new_cap = max(need, *cap * 2);
	void *p;

	if (need <= *cap)
		return true;
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
	return kd;
fail:
	drec_kd_destroy(kd);
	return NULL;
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

	for (i = 0; i < DREC_MAX_KDAMONDS; i++) {
		drec_kd_destroy(d->kds[i]);
		d->kds[i] = NULL;
	}
}

/* The assembly state of the kdamond running the probe, or NULL. */
static struct drec_kdamond *drec_kd_get(struct drec *d)
{
	unsigned int i, n = smp_load_acquire(&d->nr_kds);
	pid_t pid = task_pid_nr(current);
	struct drec_kdamond *kd = NULL;

	for (i = 0; i < n; i++) {
		kd = d->kds[i];
		if (kd->task == current && kd->pid == pid)
			return kd;
	}

	spin_lock(&d->kd_lock);
	n = d->nr_kds;
	for (i = 0; i < n; i++) {
		kd = d->kds[i];
		if (kd->task == current && kd->pid == pid)
			goto out;
	}
	kd = NULL;
	if (n == DREC_MAX_KDAMONDS)
		goto out;
	if (!d->kds[n])
		d->kds[n] = drec_kd_create(d->rec_format, 64, 4,
					   DREC_GFP_ATOMIC);
	kd = d->kds[n];
	if (!kd)
		goto out;
	kd->task = current;
	kd->pid = pid;
	smp_store_release(&d->nr_kds, n + 1);
	drec_dbg("following kdamond %d\n", pid);
out:
	spin_unlock(&d->kd_lock);
	return kd;
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
	if (d->rec_format == DAMON_REC_FMT_V3)
		kd->pending_lost[why - 1]++;
}

/*
 * v3 frames that must precede a frame of this kdamond: its KDAMOND frame the
 * first time, then its pending LOST frames.  The kdamond's file state is
 * only updated by drec_pre_done(), once the unit is committed.
 */
static size_t drec_pre_frames(struct drec *d, struct drec_kdamond *kd,
			      u8 *out, u32 *idx)
{
	u8 payload[3 * DREC_VARINT_MAX], *p;
	size_t len = 0;
	int i;

	if (kd->file_idx < 0) {
		*idx = d->v3_next_idx;
		p = drec_put_varint(payload, *idx);
		p = drec_put_varint(p, kd->pid);
		len += drec_v3_frame(out + len, DREC_V3_FRAME_KDAMOND, payload,
				     p - payload);
	} else {
		*idx = kd->file_idx;
	}
	for (i = 0; i < 2; i++) {
		if (!kd->pending_lost[i])
			continue;
		p = drec_put_varint(payload, *idx);
		p = drec_put_varint(p, kd->pending_lost[i]);
		p = drec_put_varint(p, i + 1);
		len += drec_v3_frame(out + len, DREC_V3_FRAME_LOST, payload,
				     p - payload);
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
 * Return: 0, or why it was dropped (counted).
 */
static int drec_commit_snapshot(struct drec *d, struct drec_kdamond *kd,
				const struct drec_snap *s, size_t slen)
{
	u8 pre[DREC_PRE_MAX], head[1 + DREC_VARINT_MAX];
	u8 pfx[3 * DREC_VARINT_MAX], tail[4];
	size_t prelen = 0, headlen, pfxlen, size;
	u64 t_ns = timespec64_to_ns(&s->ts);
	u32 idx = 0, crc;
	int err;

	spin_lock(&d->lock);
	if (d->failed) {
		drec_lost_locked(d, kd, DREC_LOST_ERROR);
		spin_unlock(&d->lock);
		return -EIO;
	}

	if (d->rec_format == DAMON_REC_FMT_V2) {
		s64 sec = s->ts.tv_sec, nsec = s->ts.tv_nsec;

		memcpy(pfx, &sec, 8);
		memcpy(pfx + 8, &nsec, 8);
		memcpy(pfx + 16, &s->nr_targets, 4);
		pfxlen = DREC_V2_SNAP_HDR_LEN;
		headlen = 0;
		size = pfxlen + slen;
	} else {
		u8 *p;

		prelen = drec_pre_frames(d, kd, pre, &idx);
		p = drec_put_varint(pfx, idx);
		p = drec_put_svarint(p, (s64)(t_ns - d->v3_prev_ns));
		p = drec_put_varint(p, s->nr_targets);
		pfxlen = p - pfx;
		head[0] = DREC_V3_FRAME_SNAPSHOT;
		headlen = drec_put_varint(head + 1, pfxlen + slen) - head;
		size = prelen + headlen + pfxlen + slen + 4;
		if (pfxlen + slen > DREC_V3_FRAME_MAX) {
			drec_lost_locked(d, kd, DREC_LOST_NOMEM);
			spin_unlock(&d->lock);
			return -ENOMEM;
		}
	}

	err = drec_reserve_locked(d, size);
	if (err) {
		drec_lost_locked(d, kd, err == -ENOSPC ? DREC_LOST_FULL :
				 DREC_LOST_NOMEM);
		spin_unlock(&d->lock);
		return err;
	}

	if (d->rec_format == DAMON_REC_FMT_V2) {
		drec_put_locked(d, pfx, pfxlen);
		drec_put_locked(d, kd->scratch, slen);
	} else {
		crc = drec_crc32(~0U, head, headlen);
		crc = drec_crc32(crc, pfx, pfxlen);
		crc = ~drec_crc32(crc, kd->scratch, slen);
		drec_put_le32(tail, crc);
		drec_put_locked(d, pre, prelen);
		drec_put_locked(d, head, headlen);
		drec_put_locked(d, pfx, pfxlen);
		drec_put_locked(d, kd->scratch, slen);
		drec_put_locked(d, tail, 4);
		drec_pre_done(d, kd, idx);
		d->v3_prev_ns = t_ns;
	}
	drec_unit_end_locked(d, s->nr_regions, true);
	spin_unlock(&d->lock);
	return 0;
}

/*
 * The snapshot being assembled is over: encode and commit it if it is
 * whole.  In the probe (@at_stop false) nothing sleeps; at stop the probe
 * is gone and the pool may grow with GFP_KERNEL, so nothing is dropped.
 */
static void drec_finish(struct drec *d, struct drec_kdamond *kd, bool at_stop)
{
	gfp_t gfp = at_stop ? GFP_KERNEL : DREC_GFP_ATOMIC;
	struct drec_snap *s = &kd->snap[kd->cur];
	struct drec_snap *ref = kd->has_ref ? &kd->snap[!kd->cur] : NULL;
	bool whole;
	size_t len;

	kd->assembling = false;
	whole = !kd->torn && kd->cur_received == kd->cur_expected;
	/* The first snapshot seen may have begun before the probe was. */
	if (!kd->seen && kd->first_tid != 0)
		whole = false;
	/* At stop, the probe may have left before the last targets came. */
	if (at_stop && kd->has_ref && kd->cur_tid < kd->ref_last_tid)
		whole = false;
	if (!whole) {
		drec_dbg("kdamond %d: incomplete snapshot left out\n", kd->pid);
		return;
	}
	kd->seen++;

	if (kd->nomem) {
		spin_lock(&d->lock);
		drec_lost_locked(d, kd, d->failed ? DREC_LOST_ERROR :
				 DREC_LOST_NOMEM);
		spin_unlock(&d->lock);
		return;
	}
	if (!drec_scratch_grow(kd, drec_enc_bound(d->rec_format, s), gfp)) {
		spin_lock(&d->lock);
		drec_lost_locked(d, kd, d->failed ? DREC_LOST_ERROR :
				 DREC_LOST_NOMEM);
		spin_unlock(&d->lock);
		return;
	}
	if (d->rec_format == DAMON_REC_FMT_V2)
		len = drec_v2_encode_targets(kd->scratch, s);
	else
		len = drec_v3_encode_targets(kd->scratch, s, ref);

	if (at_stop &&
	    drec_pool_reserve(d, DREC_PRE_MAX + DREC_SNAP_OVERHEAD + len,
			      GFP_KERNEL))
		drec_dbg("no memory to keep the last snapshot at stop\n");

	if (!drec_commit_snapshot(d, kd, s, len)) {
		kd->cur = !kd->cur;
		kd->has_ref = true;
		kd->ref_last_tid = kd->cur_tid;
	}
	drec_kick(d);
}

static void drec_begin(struct drec_kdamond *kd, u32 tid)
{
	struct drec_snap *s = &kd->snap[kd->cur];

	s->nr_regions = 0;
	s->nr_targets = 0;
	ktime_get_real_ts64(&s->ts);
	kd->assembling = true;
	kd->torn = false;
	kd->nomem = false;
	kd->first_tid = tid;
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

static void drec_event(void *data, unsigned long tkey,
		       struct damon_region *r, unsigned int nr_regions)
{
	struct drec *d = data;
	struct drec_kdamond *kd = drec_kd_get(d);
	u32 tid;

	if (!kd)
		return;
	tid = drec_target_index(kd, tkey);

	if (kd->assembling && tid == kd->cur_tid &&
	    kd->cur_received < kd->cur_expected &&
	    r->ar.start >= kd->cur_last_end) {
		drec_add_region(kd, r);
		return;
	}
	if (kd->assembling && tid > kd->cur_tid) {
		/* Next target of the same snapshot. */
		if (kd->cur_received != kd->cur_expected)
			kd->torn = true;
	} else {
		if (kd->assembling)
			drec_finish(d, kd, false);
		drec_begin(kd, tid);
	}
	drec_add_target(kd, tid, nr_regions);
	drec_add_region(kd, r);
}

DREC_TP_PROBE(drec_probe, drec_event)

/**
 * drec_kds_finish() - commit the snapshots still being assembled, at stop
 * @d: the recorder; the probe is unregistered and synchronized.
 */
void drec_kds_finish(struct drec *d)
{
	unsigned int i;

	for (i = 0; i < d->nr_kds; i++) {
		struct drec_kdamond *kd = d->kds[i];

		if (kd->assembling)
			drec_finish(d, kd, true);
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
	return (size_t)d->nr_kds * DREC_PRE_MAX + 64;
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
	unsigned int i;
	int err = 0;

	spin_lock(&d->lock);
	if (d->failed)
		goto out;
	for (i = 0; i < d->nr_kds; i++) {
		struct drec_kdamond *kd = d->kds[i];
		size_t len;
		u32 idx;

		if (!kd->pending_lost[0] && !kd->pending_lost[1])
			continue;
		len = drec_pre_frames(d, kd, pre, &idx);
		err = drec_reserve_locked(d, len);
		if (err)
			goto out;
		drec_put_locked(d, pre, len);
		drec_unit_end_locked(d, 0, false);
		drec_pre_done(d, kd, idx);
	}
	p = drec_put_varint(payload, d->snapshots);
	p = drec_put_varint(p, d->lost_full + d->lost_nomem + d->lost_error);
	i = drec_v3_frame(frame, DREC_V3_FRAME_END, payload, p - payload);
	err = drec_reserve_locked(d, i);
	if (err)
		goto out;
	drec_put_locked(d, frame, i);
	drec_unit_end_locked(d, 0, false);
out:
	spin_unlock(&d->lock);
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
