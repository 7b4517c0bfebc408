// SPDX-License-Identifier: GPL-2.0
/*
 * Epoch and start tokens (TDH.EXPORT.TRACK, TDH.IMPORT.TRACK), the pause
 * that ends the source's live phase, and the destination's commit and end.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched.h>
#include <linux/string.h>

#include "epoch/epoch.h"
#include "tdx_mig/trace.h"

/* A leaf whose only operand is the TDR: PAUSE, COMMIT, END. */
struct tdr_leaf {
	u64 (*fn)(struct tdx_mig_tdr tdr);
};

static u64 tdr_leaf_step(struct tdx_mig_stream *s, bool resume, void *ctx)
{
	const struct tdr_leaf *leaf = ctx;

	return leaf->fn(tdx_mig_tdr(s->td->info.tdr_pa));
}

static int call_tdr_leaf(struct tdx_mig_stream *s, u16 nr, u64 (*fn)(struct tdx_mig_tdr tdr),
			 u64 *status)
{
	struct tdr_leaf leaf = { fn };

	return tdx_mig_migsc_call_once(s, nr, tdr_leaf_step, &leaf, status);
}

/*
 * A token went through TDH.EXPORT.TRACK or TDH.IMPORT.TRACK: its epoch as
 * the MBMD page says (written by the TDX Module on export, by the VMM on
 * import; stale when @status is an error).
 */
static void token_trace(struct tdx_mig_stream *s, bool export, bool start, u64 status)
{
	struct tdx_mbmd_header h;

	if (!trace_tdx_mig_token_enabled())
		return;
	tdx_mig_migsc_copy(s, &h, page_address(s->mbmd), sizeof(h), false);
	trace_tdx_mig_token(s->index, export, start, le32_to_cpu(h.mig_epoch), status);
}

static u64 export_track_step(struct tdx_mig_stream *s, bool resume, void *ctx)
{
	return tdx_mig_tdh_export_track(tdx_mig_tdr(s->td->info.tdr_pa), tdx_mig_migsc_mbmd(s),
					*(bool *)ctx);
}

static u64 import_track_step(struct tdx_mig_stream *s, bool resume, void *ctx)
{
	return tdx_mig_tdh_import_track(tdx_mig_tdr(s->td->info.tdr_pa), tdx_mig_migsc_mbmd(s));
}

int tdx_mig_epoch_export_track(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	bool start = *arg == TDX_MIG_EXPORT_TRACK_F_IN_ORDER_DONE;
	int ret;

	if (*arg && !start)
		return -EINVAL;
	if (start && s->td->state != TDX_OP_STATE_PAUSED_EXPORT)
		return -EPERM;
	ret = tdx_mig_migsc_call_once(s, SEAMCALL_TDH_EXPORT_TRACK, export_track_step, &start,
				      status);
	token_trace(s, true, start, *status);
	if (ret)
		return ret;
	s->stats.bundles++;
	if (start)
		tdx_mig_td_set_state(s->td, TDX_OP_STATE_POST_EXPORT);
	else
		tdx_mig_dirty_round_end(s->td);
	return 0;
}

/* A token; the start token ends the in-order phase: TDH.IMPORT.COMMIT. */
int tdx_mig_epoch_import_track(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	struct tdx_mig_td *td = s->td;
	int ret;

	ret = tdx_mig_migsc_call_once(s, SEAMCALL_TDH_IMPORT_TRACK, import_track_step, NULL,
				      status);
	if (ret) {
		token_trace(s, false, false, *status);
		return ret;
	}
	s->stats.bundles++;
	tdx_mig_td_sync_state(td);
	token_trace(s, false, td->state == TDX_OP_STATE_POST_IMPORT, *status);
	if (td->state != TDX_OP_STATE_POST_IMPORT)
		return 0;
	ret = call_tdr_leaf(s, SEAMCALL_TDH_IMPORT_COMMIT, tdx_mig_tdh_import_commit, status);
	if (ret)
		return ret;
	tdx_mig_td_set_state(td, TDX_OP_STATE_LIVE_IMPORT);
	td->ops->imported(td->vm);
	return 0;
}

int tdx_mig_epoch_export_pause(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	int ret;

	/*
	 * No vCPU enters from now on; those inside would make PAUSE (the TDR
	 * exclusive) busy until they exit, so they are kicked out first.
	 */
	tdx_mig_td_set_state(s->td, TDX_OP_STATE_PAUSED_EXPORT);
	s->td->ops->vcpus_out(s->td->vm);
	ret = call_tdr_leaf(s, SEAMCALL_TDH_EXPORT_PAUSE, tdx_mig_tdh_export_pause, status);
	if (ret)
		tdx_mig_td_set_state(s->td, TDX_OP_STATE_LIVE_EXPORT);
	return ret;
}

int tdx_mig_epoch_import_end(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	int ret = call_tdr_leaf(s, SEAMCALL_TDH_IMPORT_END, tdx_mig_tdh_import_end, status);

	if (ret)
		return ret;
	tdx_mig_td_set_state(s->td, TDX_OP_STATE_RUNNABLE);
	/* After a commit that failed, IMPORT.END committed: the vCPUs may run. */
	s->td->ops->imported(s->td->vm);
	pr_info("migration flow is done, userspace pid %d\n", task_tgid_nr(current));
	return 0;
}
