// SPDX-License-Identifier: GPL-2.0
/*
 * Physical-memory leaves of the emulated TDX Module: the cache write-back
 * that must follow TDH.MNG.VPFLUSHDONE before a key can be freed, and
 * TDH.PHYMEM.PAGE.RECLAIM, which hands pages of a torn-down TD back.
 */
#include <linux/spinlock.h>

#include "emu.h"

/*
 * TDH.PHYMEM.CACHE.WB is modelled as a few chunks of work with a pending
 * interrupt polled between them, like the real module's loop over caches.
 * One package is modelled, so one write-back serves every waiting key.
 */
#define EMU_WBCACHE_CHUNKS	4

static DEFINE_RAW_SPINLOCK(wb_lock);
static u64 wb_requested;	/* generation of the newest waiting key */
static u64 wb_done;		/* generation the last completed pass covered */
static u64 wb_target;		/* generation the pass in progress covers */
static unsigned int wb_next_chunk;
static bool wb_interrupted;

void emu_wbcache_request(struct emu_td *td)
{
	raw_spin_lock(&wb_lock);
	td->wbcache_gen = ++wb_requested;
	raw_spin_unlock(&wb_lock);
}

bool emu_wbcache_done(struct emu_td *td)
{
	bool done;

	raw_spin_lock(&wb_lock);
	done = td->wbcache_gen && td->wbcache_gen <= wb_done;
	raw_spin_unlock(&wb_lock);
	return done;
}

/* TDH.PHYMEM.CACHE.WB: RCX = 0 to start, 1 to resume an interrupted one. */
u64 emu_phymem_cache_wb(struct tdx_mig_args *a)
{
	u64 ret = TDX_STATUS_SUCCESS;

	if (a->rcx > 1)
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RCX);
	if (!raw_spin_trylock(&wb_lock))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_BUSY, TDX_OPID_WBCACHE);
	if (a->rcx && !wb_interrupted) {
		ret = TDX_STATUS_WBCACHE_RESUME_ERROR;
		goto out;
	}
	if (!a->rcx) {
		if (wb_requested == wb_done) {
			ret = TDX_STATUS_NO_HKID_READY_TO_WBCACHE;
			goto out;
		}
		wb_target = wb_requested;
		wb_next_chunk = 0;
	}
	wb_interrupted = false;
	/*
	 * Each call writes back at least one chunk, so resuming always makes
	 * progress; a pending interrupt is polled between chunks, never after
	 * the last one.
	 */
	for (;;) {
		wb_next_chunk++;
		if (wb_next_chunk == EMU_WBCACHE_CHUNKS)
			break;
		if (emu_intr_pending()) {
			wb_interrupted = true;
			ret = TDX_STATUS_INTERRUPTED_RESUMABLE;
			goto out;
		}
	}
	wb_done = wb_target;
out:
	raw_spin_unlock(&wb_lock);
	return ret;
}

/*
 * TDH.PHYMEM.PAGE.RECLAIM: RCX = page. Any page of a TD whose key was
 * freed comes back; the TDR last, once it has no other pages. Output:
 * RCX = page type, RDX = owner TDR, R8 = page size (0: 4 KiB).
 */
u64 emu_phymem_page_reclaim(struct tdx_mig_args *a)
{
	struct emu_pamt_entry *e;
	struct emu_td *td = NULL;
	u64 hpa = a->rcx, ret;
	u8 type;

	/* Outputs are defined only on success. */
	a->rcx = 0;
	a->rdx = 0;
	a->r8 = 0;
	if (!PAGE_ALIGNED(hpa) || emu_hpa_hkid(hpa))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RCX);
	e = emu_pamt_entry(hpa);
	if (!e)
		return tdx_status_with_operand(TDX_STATUS_OPERAND_ADDR_RANGE_ERROR, TDX_OPID_RCX);
	if (!emu_sharex_try_exclusive(&e->lock))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_BUSY, TDX_OPID_RCX);
	type = e->type;
	if (type == EMU_PT_NDA || type == EMU_PT_RSVD) {
		ret = tdx_status_with_operand(TDX_STATUS_PAGE_METADATA_INCORRECT, TDX_OPID_RCX);
		goto unlock_page;
	}

	if (type == EMU_PT_TDR) {
		/* Locked exclusively above: nobody else holds this TD. */
		td = emu_td_of(e);
		if (td->lifecycle != EMU_TD_TEARDOWN)
			ret = TDX_STATUS_LIFECYCLE_STATE_INCORRECT;
		else if (atomic_long_read(&td->child_pages))
			ret = TDX_STATUS_TD_ASSOCIATED_PAGES_EXIST;
		else
			ret = TDX_STATUS_SUCCESS;
		if (ret)
			goto unlock_page;
		a->rdx = td->tdr_pa;
		emu_td_destroy(td);
	} else {
		ret = emu_leaf_td_lock(SEAMCALL_TDH_PHYMEM_PAGE_RECLAIM, e->owner, TDX_OPID_TDR,
				       &td);
		if (ret)
			goto unlock_page;
		if (td->lifecycle != EMU_TD_TEARDOWN) {
			emu_leaf_td_unlock(SEAMCALL_TDH_PHYMEM_PAGE_RECLAIM, td);
			ret = TDX_STATUS_LIFECYCLE_STATE_INCORRECT;
			goto unlock_page;
		}
		if (type == EMU_PT_TDVPR)
			emu_vcpu_destroy(emu_vcpu_of(e));
		atomic_long_dec(&td->child_pages);
		a->rdx = td->tdr_pa;
		emu_leaf_td_unlock(SEAMCALL_TDH_PHYMEM_PAGE_RECLAIM, td);
	}
	a->rcx = type;
	a->r8 = 0;
	emu_pamt_release(e);
unlock_page:
	emu_sharex_unlock_exclusive(&e->lock);
	return ret;
}
