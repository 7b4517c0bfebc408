// SPDX-License-Identifier: GPL-2.0
/*
 * The migration session of a TD: created with the TD, it keeps the MIGSCs
 * (the TDX Module requires them for re-migration) and the host's mirror of
 * the TD's OP_STATE until the TD is destroyed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "migsc/migsc.h"
#include "caps.h"
#include "export.h"
#include "tdx_mig/trace.h"

/**
 * tdx_mig_td_create - the migration state of a new TD
 * @ops: the hypervisor's callbacks
 * @vm: passed back to @ops
 * @info: the TD
 *
 * Context: process context. Return: the session, or an ERR_PTR: -ENODEV
 * without a TDX Module, -EOPNOTSUPP if it cannot migrate TDs, -ENOMEM.
 */
struct tdx_mig_td *tdx_mig_td_create(const struct tdx_mig_host_ops *ops, void *vm,
				     const struct tdx_mig_td_info *info)
{
	struct tdx_mig_caps caps = {};
	struct tdx_mig_td *td;
	int ret;

	/* The bitmaps take an unsigned int size: up to 8 TiB of private memory. */
	if (!info->nr_gfns || info->nr_gfns > (1ULL << 31) || !info->max_vcpus)
		return ERR_PTR(-EINVAL);
	ret = tdx_mig_caps_read(&caps);
	if (ret)
		return ERR_PTR(ret);
	if (caps.max_migs < TDX_MIN_MIGS || caps.max_migs > TDX_MAX_MIGS)
		return ERR_PTR(-EOPNOTSUPP);

	td = kzalloc(sizeof(*td), GFP_KERNEL_ACCOUNT);
	if (!td)
		return ERR_PTR(-ENOMEM);
	td->ops = ops;
	td->vm = vm;
	td->info = *info;
	init_rwsem(&td->lock);
	spin_lock_init(&td->round_lock);
	spin_lock_init(&td->demand_lock);
	td->state = info->source ? TDX_OP_STATE_RUNNABLE : TDX_OP_STATE_UNINITIALIZED;
	td->max_migs = caps.max_migs;
	td->state_pages = max3(caps.num_immutable_state_pages, caps.num_td_state_pages,
			       caps.num_vp_state_pages);
	td->migsc = kcalloc(td->max_migs, sizeof(*td->migsc), GFP_KERNEL_ACCOUNT);
	td->stream_used = bitmap_zalloc(td->max_migs, GFP_KERNEL_ACCOUNT);
	td->dirty = bitmap_zalloc(info->nr_gfns, GFP_KERNEL_ACCOUNT);
	td->blocked = bitmap_zalloc(info->nr_gfns, GFP_KERNEL_ACCOUNT);
	td->imported = bitmap_zalloc(info->nr_gfns, GFP_KERNEL_ACCOUNT);
	td->gpa_list = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!td->migsc || !td->stream_used || !td->dirty || !td->blocked || !td->imported ||
	    !td->gpa_list) {
		tdx_mig_td_destroy(td);
		return ERR_PTR(-ENOMEM);
	}
	/* A TD not finalized yet reads INITIALIZED; an empty one cannot be read. */
	tdx_mig_td_refresh(td);
	tdx_mig_debugfs_td_add(td);
	return td;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_td_create);

/**
 * tdx_mig_td_destroy - free a TD's migration state and reclaim its MIGSCs
 * @td: the session, with no stream left; may be NULL
 *
 * Context: process context, after the TD's private key was released
 * (TDH.PHYMEM.PAGE.RECLAIM requires it). A MIGSC the TDX Module refuses
 * to give back is leaked, never freed while it may be in use.
 */
void tdx_mig_td_destroy(struct tdx_mig_td *td)
{
	if (!td)
		return;
	tdx_mig_debugfs_td_remove(td);
	tdx_mig_servtd_release(td);
	tdx_mig_migsc_reclaim_all(td);
	if (td->gpa_list)
		__free_page(td->gpa_list);
	bitmap_free(td->imported);
	bitmap_free(td->blocked);
	bitmap_free(td->dirty);
	bitmap_free(td->stream_used);
	kfree(td->migsc);
	kfree(td);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_td_destroy);

/* The kernel memory of a TD's migration state: bitmaps, lists, MigSCs. */
u64 tdx_mig_td_mem_bytes(struct tdx_mig_td *td)
{
	u64 bytes = sizeof(*td) + td->max_migs * sizeof(*td->migsc) + PAGE_SIZE +
		    BITS_TO_LONGS(td->max_migs) * sizeof(long) +
		    3 * BITS_TO_LONGS(td->info.nr_gfns) * sizeof(long);
	unsigned int i;

	/* MIGSCs are added under the session lock held for writing. */
	down_read(&td->lock);
	for (i = 0; i < td->max_migs; i++)
		bytes += td->migsc[i] ? PAGE_SIZE : 0;
	up_read(&td->lock);
	return bytes;
}

/* Session-wide commands (tokens, TD state, pause, abort) go on stream 0. */
bool tdx_mig_td_is_main(const struct tdx_mig_stream *s)
{
	return s->index == 0;
}

/* After a failed SEAMCALL: the mirror follows the TD's real OP_STATE. */
void tdx_mig_td_sync_state(struct tdx_mig_td *td)
{
	u64 v;

	lockdep_assert_held_write(&td->lock);
	if (!tdx_mig_tdh_mng_rd(tdx_mig_tdr(td->info.tdr_pa), TDX_MD_TD_OP_STATE, &v) &&
	    v < TDX_NUM_OP_STATES)
		WRITE_ONCE(td->state, v);
}

/**
 * tdx_mig_td_refresh - the hypervisor changed the TD's OP_STATE
 * @td: the session
 *
 * For the build steps the core does not see (TDH.MR.FINALIZE).
 */
void tdx_mig_td_refresh(struct tdx_mig_td *td)
{
	down_write(&td->lock);
	tdx_mig_td_sync_state(td);
	up_write(&td->lock);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_td_refresh);

/**
 * tdx_mig_td_vcpu_may_run - may a vCPU of @td enter now?
 * @td: the session
 *
 * A source TD's vCPUs stop at EXPORT_PAUSE for good (unless the export is
 * aborted); a destination's start at TDH.IMPORT.COMMIT.
 * Return: 0, or -EPERM, logged with the reason.
 */
int tdx_mig_td_vcpu_may_run(struct tdx_mig_td *td)
{
	enum tdx_op_state state = READ_ONCE(td->state);

	switch (state) {
	case TDX_OP_STATE_RUNNABLE:
	case TDX_OP_STATE_LIVE_EXPORT:
	case TDX_OP_STATE_LIVE_IMPORT:
		return 0;
	default:
		pr_info_ratelimited("vCPU run refused: TD is in %s (%s)\n",
				    tdx_op_state_name(state),
				    state == TDX_OP_STATE_PAUSED_EXPORT ||
				    state == TDX_OP_STATE_POST_EXPORT ?
				    "paused or exported; abort to resume" :
				    "not finalized or not imported yet");
		return -EPERM;
	}
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_td_vcpu_may_run);

/*
 * A demand fault on @gfn, kept for the latency tdx_mig_demand_fault_done
 * reports: its first fault counts (a vCPU may exit on it again before the
 * page arrives); with every slot taken the oldest gives way.
 */
static void demand_record(struct tdx_mig_td *td, u64 gfn)
{
	struct tdx_mig_demand *d, *slot = &td->demand[0];
	u64 now = ktime_get_ns();

	spin_lock(&td->demand_lock);
	for (d = td->demand; d < td->demand + TDX_MIG_DEMAND_SLOTS; d++) {
		if (d->ns && d->gfn == gfn)
			goto unlock;
		if (!d->ns || (slot->ns && d->ns < slot->ns))
			slot = d;
	}
	slot->gfn = gfn;
	slot->ns = now;
unlock:
	spin_unlock(&td->demand_lock);
}

/**
 * tdx_mig_td_demand_done - an import mapped pages; report the demand faults it answered
 * @td: the session
 * @pages: the import's entries, as the hypervisor saw them
 * @n: their number
 *
 * Context: a stream's IMPORT_MEM. Costs the static key of the
 * tdx_mig_demand_fault_done event while it is disabled.
 */
void tdx_mig_td_demand_done(struct tdx_mig_td *td, const struct tdx_mig_import_page *pages,
			    u32 n)
{
	struct tdx_mig_demand *d;
	u64 now;
	u32 k;

	if (!trace_tdx_mig_demand_fault_done_enabled())
		return;
	now = ktime_get_ns();
	spin_lock(&td->demand_lock);
	for (d = td->demand; d < td->demand + TDX_MIG_DEMAND_SLOTS; d++) {
		if (!d->ns)
			continue;
		for (k = 0; k < n; k++) {
			if (pages[k].result != TDX_MIG_IMPORT_MAPPED || pages[k].gfn != d->gfn)
				continue;
			trace_tdx_mig_demand_fault_done(d->gfn, now - d->ns);
			d->ns = 0;
			break;
		}
	}
	spin_unlock(&td->demand_lock);
}

/**
 * tdx_mig_td_gfn_importing - is private GFN @gfn still to come by import?
 * @td: the session
 * @gfn: the GFN a vCPU touched
 *
 * While a TD imports, a GFN no bundle has brought yet must not get a page
 * from the hypervisor (TDH.MEM.PAGE.AUG): the import would then fail on
 * it. The vCPU exits to the VMM instead, which fetches the page (post-copy):
 * a demand fault, traced (tdx_mig_demand_fault).
 *
 * Context: a vCPU's run loop; takes no lock but, while the
 * tdx_mig_demand_fault_done event is enabled, td->demand_lock.
 */
bool tdx_mig_td_gfn_importing(struct tdx_mig_td *td, u64 gfn)
{
	switch (READ_ONCE(td->state)) {
	case TDX_OP_STATE_MEMORY_IMPORT:
	case TDX_OP_STATE_STATE_IMPORT:
	case TDX_OP_STATE_POST_IMPORT:
	case TDX_OP_STATE_LIVE_IMPORT:
		break;
	default:
		return false;
	}
	if (gfn >= td->info.nr_gfns || test_bit(gfn, td->imported))
		return false;
	trace_tdx_mig_demand_fault(gfn);
	if (trace_tdx_mig_demand_fault_done_enabled())
		demand_record(td, gfn);
	return true;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_td_gfn_importing);
