// SPDX-License-Identifier: GPL-2.0
/*
 * Abort on either side. The source's abort restores every exported page
 * and unblocks every blocked one, so the TD runs on with nothing lost.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/io.h>
#include <linux/mm.h>

#include "migsc/migsc.h"

/* An abort voids the interrupted calls of every stream (the module did). */
static void tdx_mig_void_pending(struct tdx_mig_td *td)
{
	WRITE_ONCE(td->generation, td->generation + 1);
	atomic_set(&td->pending_calls, 0);
}

static u64 export_abort_step(struct tdx_mig_stream *s, bool resume, void *ctx)
{
	return tdx_mig_tdh_export_abort(tdx_mig_tdr(s->td->info.tdr_pa), *(u64 *)ctx);
}

/*
 * Abort on the source: the TD is RUNNABLE again, every exported page is
 * restored and every blocked one unblocked. After the start token the
 * destination's abort token (in the MBMD) proves it will not run the TD.
 */
int tdx_mig_abort_export(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	struct tdx_mig_td *td = s->td;
	u64 token = td->state == TDX_OP_STATE_POST_EXPORT ? tdx_mig_migsc_mbmd(s) : 0;
	int err;

	/* RUNNABLE: the restore of an earlier abort did not complete; retry it. */
	if (td->state == TDX_OP_STATE_RUNNABLE) {
		if (!td->restore_pending)
			return -EPERM;
		goto restore;
	}
	err = tdx_mig_migsc_call_once(s, SEAMCALL_TDH_EXPORT_ABORT, export_abort_step, &token,
				      status);
	if (err)
		return err;
	tdx_mig_void_pending(td);
	s->pending.active = false;
	td->bundle_lost = false;
	tdx_mig_td_set_state(td, TDX_OP_STATE_RUNNABLE);
	td->vp_next = 0;
restore:
	err = tdx_mig_abort_restore_all(td);
	td->restore_pending = err != 0;
	return err;
}

/* Abort on the destination: the abort token goes to the MBMD page. */
static u64 import_abort_step(struct tdx_mig_stream *s, bool resume, void *ctx)
{
	return tdx_mig_tdh_import_abort(tdx_mig_tdr(s->td->info.tdr_pa), tdx_mig_migsc_mbmd(s));
}

/* Its success carries the fatal bit (not an error): only teardown is left. */
int tdx_mig_abort_import(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	int ret = tdx_mig_migsc_call_once(s, SEAMCALL_TDH_IMPORT_ABORT, import_abort_step, NULL,
					  status);

	tdx_mig_td_sync_state(s->td);
	if (ret)
		return ret;
	tdx_mig_void_pending(s->td);
	s->pending.active = false;
	return 0;
}

/*
 * After TDH.EXPORT.ABORT: TDH.EXPORT.RESTORE every page (the exported ones
 * go back to MAPPED or PENDING), then UNBLOCKW the pages still blocked.
 * Nothing was ever taken from the TD, so its memory is intact.
 */
/*
 * RESTORE of GFNs [@gfn, @gfn + @n). An entry whose SEPT entry a vCPU's
 * fault holds (host priority busy) is tried again; the rest are done, or
 * were not exported (state incorrect).
 */
static int restore_chunk(struct tdx_mig_td *td, u64 gfn, unsigned int n)
{
	u64 *list = page_address(td->gpa_list), status;
	unsigned int k, left = n, busy = 0;
	int ret;

	for (k = 0; k < n; k++) {
		struct tdx_gpa_entry e = { .gpa = (gfn + k) << PAGE_SHIFT,
					   .operation = TDX_GPA_OP_MIGRATE };

		list[k] = tdx_gpa_entry_encode(&e);
	}
	do {
		ret = tdx_mig_dirty_gpa_list_run(td, tdx_mig_tdh_export_restore, left, &status);
		if (ret) {
			pr_err("TDH.EXPORT.RESTORE at GFN %#llx failed: %#llx\n", gfn, status);
			return ret;
		}
		for (k = 0, n = left, left = 0; k < n; k++) {
			struct tdx_gpa_entry e;

			tdx_gpa_entry_decode(list[k], &e);
			if (e.status == TDX_GPA_STATUS_SUCCESS) {
				clear_bit(e.gpa >> PAGE_SHIFT, td->blocked);
			} else if (e.status == TDX_GPA_STATUS_SEPT_ENTRY_BUSY_HOST_PRIORITY) {
				e.operation = TDX_GPA_OP_MIGRATE;
				e.status = TDX_GPA_STATUS_SUCCESS;
				list[left++] = tdx_gpa_entry_encode(&e);
			}
		}
	} while (left && tdx_mig_busy_backoff(&busy));
	return left ? -EBUSY : 0;
}

int tdx_mig_abort_restore_all(struct tdx_mig_td *td)
{
	u64 gfn, status;
	int err = 0;

	lockdep_assert_held(&td->lock);
	for (gfn = 0; gfn < td->info.nr_gfns; gfn += TDX_GPA_LIST_ENTRIES) {
		int ret = restore_chunk(td, gfn, min_t(u64, TDX_GPA_LIST_ENTRIES,
						       td->info.nr_gfns - gfn));

		err = err ?: ret;
		cond_resched();
	}
	for_each_set_bit(gfn, td->blocked, td->info.nr_gfns) {
		unsigned int busy = 0;

		do {
			tdx_mig_td_sept_lock(td);
			status = tdx_mig_tdh_export_unblockw(tdx_mig_tdr(td->info.tdr_pa),
							     gfn << PAGE_SHIFT);
			tdx_mig_td_sept_unlock(td);
		} while (tdx_mig_status_busy(status) && tdx_mig_busy_backoff(&busy));
		if (status && tdx_status_code(status) != TDX_STATUS_EPT_ENTRY_STATE_INCORRECT) {
			pr_err("TDH.EXPORT.UNBLOCKW of GFN %#llx failed: %#llx\n", gfn, status);
			err = err ?: tdx_mig_status_to_errno(status);
			continue;
		}
		clear_bit(gfn, td->blocked);
	}
	bitmap_zero(td->dirty, td->info.nr_gfns);
	return err;
}
EXPORT_SYMBOL_FOR_TDX_MIG_KUNIT(tdx_mig_abort_restore_all);
