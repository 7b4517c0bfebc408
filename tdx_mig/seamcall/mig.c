// SPDX-License-Identifier: GPL-2.0
/*
 * Typed wrappers of the migration leaves (§1.3). Operands are passed
 * encoded (GPA_LIST_INFO, PAGE_LIST_INFO, HPA_AND_SIZE, MIGS_INDEX_AND_CMD:
 * see abi.h); outputs go to named parameters. A resumed call passes the
 * same operands with the RESUME command, and for the MEM leaves the
 * GPA_LIST_INFO the interrupted call returned.
 */
#include <linux/export.h>

#include "seamcall.h"
#include "export.h"

/** tdx_mig_tdh_mig_stream_create - TDH.MIG.STREAM.CREATE: @migsc_pa becomes a MIGSC */
u64 tdx_mig_tdh_mig_stream_create(struct tdx_mig_tdr tdr, u64 migsc_pa)
{
	struct tdx_mig_args args = { .rcx = migsc_pa, .rdx = tdr.pa };

	tdx_mig_page_flush(migsc_pa);
	return tdx_mig_seamcall(SEAMCALL_TDH_MIG_STREAM_CREATE, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_mig_stream_create);

/* The STATE.* leaves: RCX = TDR or TDVPR, R8, R9, R10; RDX out. */
static u64 state_leaf(u64 leaf, u64 rcx, u64 mbmd, u64 page_list, u64 migs_cmd, u64 *rdx)
{
	struct tdx_mig_args args = { .rcx = rcx, .r8 = mbmd, .r9 = page_list, .r10 = migs_cmd };
	u64 ret = tdx_mig_seamcall(leaf, &args);

	if (rdx)
		*rdx = args.rdx;
	return ret;
}

/**
 * tdx_mig_tdh_export_state_immutable - TDH.EXPORT.STATE.IMMUTABLE
 * @tdr: the TD
 * @mbmd: HPA_AND_SIZE of the MBMD buffer
 * @page_list: PAGE_LIST_INFO of the state pages
 * @migs_cmd: MIGS_INDEX_AND_CMD (index 0; NEW or RESUME)
 * @pages: the pages written (also on TDX_INTERRUPTED_RESUMABLE)
 */
u64 tdx_mig_tdh_export_state_immutable(struct tdx_mig_tdr tdr, u64 mbmd, u64 page_list,
				       u64 migs_cmd, u64 *pages)
{
	return state_leaf(SEAMCALL_TDH_EXPORT_STATE_IMMUTABLE, tdr.pa, mbmd, page_list,
			  migs_cmd, pages);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_export_state_immutable);

/** tdx_mig_tdh_export_state_td - TDH.EXPORT.STATE.TD; see ..._immutable */
u64 tdx_mig_tdh_export_state_td(struct tdx_mig_tdr tdr, u64 mbmd, u64 page_list, u64 migs_cmd,
				u64 *pages)
{
	return state_leaf(SEAMCALL_TDH_EXPORT_STATE_TD, tdr.pa, mbmd, page_list, migs_cmd,
			  pages);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_export_state_td);

/** tdx_mig_tdh_export_state_vp - TDH.EXPORT.STATE.VP of the vCPU @tdvpr */
u64 tdx_mig_tdh_export_state_vp(struct tdx_mig_tdvpr tdvpr, u64 mbmd, u64 page_list, u64 migs_cmd,
				u64 *pages)
{
	return state_leaf(SEAMCALL_TDH_EXPORT_STATE_VP, tdvpr.pa, mbmd, page_list, migs_cmd,
			  pages);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_export_state_vp);

/** tdx_mig_tdh_import_state_immutable - TDH.IMPORT.STATE.IMMUTABLE */
u64 tdx_mig_tdh_import_state_immutable(struct tdx_mig_tdr tdr, u64 mbmd, u64 page_list,
				       u64 migs_cmd)
{
	return state_leaf(SEAMCALL_TDH_IMPORT_STATE_IMMUTABLE, tdr.pa, mbmd, page_list,
			  migs_cmd, NULL);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_import_state_immutable);

/** tdx_mig_tdh_import_state_td - TDH.IMPORT.STATE.TD */
u64 tdx_mig_tdh_import_state_td(struct tdx_mig_tdr tdr, u64 mbmd, u64 page_list, u64 migs_cmd)
{
	return state_leaf(SEAMCALL_TDH_IMPORT_STATE_TD, tdr.pa, mbmd, page_list, migs_cmd, NULL);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_import_state_td);

/** tdx_mig_tdh_import_state_vp - TDH.IMPORT.STATE.VP into the vCPU @tdvpr */
u64 tdx_mig_tdh_import_state_vp(struct tdx_mig_tdvpr tdvpr, u64 mbmd, u64 page_list, u64 migs_cmd)
{
	return state_leaf(SEAMCALL_TDH_IMPORT_STATE_VP, tdvpr.pa, mbmd, page_list, migs_cmd,
			  NULL);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_import_state_vp);

/* BLOCKW and RESTORE: RCX = GPA_LIST_INFO in and out, RDX = TDR. */
static u64 gpa_list_leaf(u64 leaf, struct tdx_mig_tdr tdr, u64 *gpa_list)
{
	struct tdx_mig_args args = { .rcx = *gpa_list, .rdx = tdr.pa };
	u64 ret = tdx_mig_seamcall(leaf, &args);

	*gpa_list = args.rcx;
	return ret;
}

/** tdx_mig_tdh_export_blockw - TDH.EXPORT.BLOCKW; @gpa_list is updated */
u64 tdx_mig_tdh_export_blockw(struct tdx_mig_tdr tdr, u64 *gpa_list)
{
	return gpa_list_leaf(SEAMCALL_TDH_EXPORT_BLOCKW, tdr, gpa_list);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_export_blockw);

/** tdx_mig_tdh_export_restore - TDH.EXPORT.RESTORE; @gpa_list is updated */
u64 tdx_mig_tdh_export_restore(struct tdx_mig_tdr tdr, u64 *gpa_list)
{
	return gpa_list_leaf(SEAMCALL_TDH_EXPORT_RESTORE, tdr, gpa_list);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_export_restore);

/** tdx_mig_tdh_export_unblockw - TDH.EXPORT.UNBLOCKW of the 4 KiB page at @gpa */
u64 tdx_mig_tdh_export_unblockw(struct tdx_mig_tdr tdr, u64 gpa)
{
	struct tdx_mig_args args = { .rcx = tdx_page_info_encode(gpa), .rdx = tdr.pa };

	return tdx_mig_seamcall(SEAMCALL_TDH_EXPORT_UNBLOCKW, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_export_unblockw);

/**
 * tdx_mig_tdh_export_mem - TDH.EXPORT.MEM
 * @tdr: the TD
 * @gpa_list: GPA_LIST_INFO, updated to the next entry to process
 * @mbmd: HPA_AND_SIZE of the MBMD buffer
 * @buf_list: HPA of the migration-buffer list
 * @migs_cmd: MIGS_INDEX_AND_CMD
 * @mac0: MAC list 0 (entries 0-255)
 * @mac1: MAC list 1 (entries 256-511)
 * @pages: on completion, 1 + MAC-list pages + page buffers written
 *
 * Return: the status; TDX_SUCCESS plus the number of failed entries.
 */
u64 tdx_mig_tdh_export_mem(struct tdx_mig_tdr tdr, u64 *gpa_list, u64 mbmd, u64 buf_list,
			   u64 migs_cmd, u64 mac0, u64 mac1, u64 *pages)
{
	struct tdx_mig_args args = {
		.rcx = *gpa_list, .rdx = tdr.pa, .r8 = mbmd, .r9 = buf_list, .r10 = migs_cmd,
		.r11 = mac0, .r12 = mac1,
	};
	u64 ret = tdx_mig_seamcall(SEAMCALL_TDH_EXPORT_MEM, &args);

	*gpa_list = args.rcx;
	*pages = tdx_status_is_error(ret) ? 0 : args.rdx;
	return ret;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_export_mem);

/**
 * tdx_mig_tdh_import_mem - TDH.IMPORT.MEM
 * @tdr: the TD
 * @gpa_list: GPA_LIST_INFO, updated to the next entry to process
 * @mbmd: HPA_AND_SIZE of the received MBMD
 * @buf_list: HPA of the migration-buffer list
 * @migs_cmd: MIGS_INDEX_AND_CMD
 * @mac0: MAC list 0
 * @mac1: MAC list 1
 * @new_pages: HPA of the new-page list, or TDX_NULL_PA to import in place
 */
u64 tdx_mig_tdh_import_mem(struct tdx_mig_tdr tdr, u64 *gpa_list, u64 mbmd, u64 buf_list,
			   u64 migs_cmd, u64 mac0, u64 mac1, u64 new_pages)
{
	struct tdx_mig_args args = {
		.rcx = *gpa_list, .rdx = tdr.pa, .r8 = mbmd, .r9 = buf_list, .r10 = migs_cmd,
		.r11 = mac0, .r12 = mac1, .r13 = new_pages,
	};
	u64 ret = tdx_mig_seamcall(SEAMCALL_TDH_IMPORT_MEM, &args);

	*gpa_list = args.rcx;
	return ret;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_import_mem);

/** tdx_mig_tdh_export_track - TDH.EXPORT.TRACK: an epoch or the start token */
u64 tdx_mig_tdh_export_track(struct tdx_mig_tdr tdr, u64 mbmd, bool in_order_done)
{
	struct tdx_mig_args args = {
		.rcx = tdr.pa, .r8 = mbmd,
		.r10 = tdx_migs_index_and_cmd_encode(0, in_order_done),
	};

	return tdx_mig_seamcall(SEAMCALL_TDH_EXPORT_TRACK, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_export_track);

/** tdx_mig_tdh_import_track - TDH.IMPORT.TRACK with a received token */
u64 tdx_mig_tdh_import_track(struct tdx_mig_tdr tdr, u64 mbmd)
{
	struct tdx_mig_args args = { .rcx = tdr.pa, .r8 = mbmd };

	return tdx_mig_seamcall(SEAMCALL_TDH_IMPORT_TRACK, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_import_track);

/** tdx_mig_tdh_export_pause - TDH.EXPORT.PAUSE */
u64 tdx_mig_tdh_export_pause(struct tdx_mig_tdr tdr)
{
	struct tdx_mig_args args = { .rcx = tdr.pa };

	return tdx_mig_seamcall(SEAMCALL_TDH_EXPORT_PAUSE, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_export_pause);

/** tdx_mig_tdh_export_abort - TDH.EXPORT.ABORT; @token is 0 before POST_EXPORT */
u64 tdx_mig_tdh_export_abort(struct tdx_mig_tdr tdr, u64 token)
{
	struct tdx_mig_args args = { .rcx = tdr.pa, .r8 = token };

	return tdx_mig_seamcall(SEAMCALL_TDH_EXPORT_ABORT, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_export_abort);

/** tdx_mig_tdh_import_abort - TDH.IMPORT.ABORT: write the abort token */
u64 tdx_mig_tdh_import_abort(struct tdx_mig_tdr tdr, u64 token)
{
	struct tdx_mig_args args = { .rcx = tdr.pa, .r8 = token };

	return tdx_mig_seamcall(SEAMCALL_TDH_IMPORT_ABORT, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_import_abort);

/** tdx_mig_tdh_import_commit - TDH.IMPORT.COMMIT */
u64 tdx_mig_tdh_import_commit(struct tdx_mig_tdr tdr)
{
	struct tdx_mig_args args = { .rcx = tdr.pa };

	return tdx_mig_seamcall(SEAMCALL_TDH_IMPORT_COMMIT, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_import_commit);

/** tdx_mig_tdh_import_end - TDH.IMPORT.END */
u64 tdx_mig_tdh_import_end(struct tdx_mig_tdr tdr)
{
	struct tdx_mig_args args = { .rcx = tdr.pa };

	return tdx_mig_seamcall(SEAMCALL_TDH_IMPORT_END, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_import_end);
