// SPDX-License-Identifier: GPL-2.0
/*
 * Typed wrappers of the TD build, run and teardown leaves. Each alone knows
 * its leaf's registers, returns the raw status and fills named outputs.
 */
#include <linux/export.h>

#include "seamcall.h"
#include "export.h"

/** tdx_mig_tdh_mng_create - TDH.MNG.CREATE: make @tdr a TDR with @hkid */
u64 tdx_mig_tdh_mng_create(struct tdx_mig_tdr tdr, u16 hkid)
{
	struct tdx_mig_args args = { .rcx = tdr.pa, .rdx = hkid };

	tdx_mig_page_flush(tdr.pa);
	return tdx_mig_seamcall(SEAMCALL_TDH_MNG_CREATE, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_mng_create);

/** tdx_mig_tdh_mng_key_config - TDH.MNG.KEY.CONFIG on this package */
u64 tdx_mig_tdh_mng_key_config(struct tdx_mig_tdr tdr)
{
	struct tdx_mig_args args = { .rcx = tdr.pa };

	return tdx_mig_seamcall(SEAMCALL_TDH_MNG_KEY_CONFIG, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_mng_key_config);

/** tdx_mig_tdh_mng_addcx - TDH.MNG.ADDCX: add a TDCS page */
u64 tdx_mig_tdh_mng_addcx(struct tdx_mig_tdr tdr, u64 tdcx_pa)
{
	struct tdx_mig_args args = { .rcx = tdcx_pa, .rdx = tdr.pa };

	tdx_mig_page_flush(tdcx_pa);
	return tdx_mig_seamcall(SEAMCALL_TDH_MNG_ADDCX, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_mng_addcx);

/** tdx_mig_tdh_mng_init - TDH.MNG.INIT with the TD_PARAMS at @td_params_pa */
u64 tdx_mig_tdh_mng_init(struct tdx_mig_tdr tdr, u64 td_params_pa)
{
	struct tdx_mig_args args = { .rcx = tdr.pa, .rdx = td_params_pa };

	return tdx_mig_seamcall(SEAMCALL_TDH_MNG_INIT, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_mng_init);

/** tdx_mig_tdh_mr_finalize - TDH.MR.FINALIZE: the TD becomes runnable */
u64 tdx_mig_tdh_mr_finalize(struct tdx_mig_tdr tdr)
{
	struct tdx_mig_args args = { .rcx = tdr.pa };

	return tdx_mig_seamcall(SEAMCALL_TDH_MR_FINALIZE, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_mr_finalize);

/** tdx_mig_tdh_mem_track - TDH.MEM.TRACK: advance the TD's TLB epoch */
u64 tdx_mig_tdh_mem_track(struct tdx_mig_tdr tdr)
{
	struct tdx_mig_args args = { .rcx = tdr.pa };

	return tdx_mig_seamcall(SEAMCALL_TDH_MEM_TRACK, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_mem_track);

/**
 * tdx_mig_tdh_mem_sept_add - TDH.MEM.SEPT.ADD
 * @tdr: the TD
 * @gpa: a GPA the new table will map
 * @level: the level of the entry that will point to the new table (1..3)
 * @page_pa: the new SEPT page
 * @entry: the SEPT entry on a walk or state error
 * @err_level: the level of that entry
 */
u64 tdx_mig_tdh_mem_sept_add(struct tdx_mig_tdr tdr, u64 gpa, int level, u64 page_pa,
			     u64 *entry, u64 *err_level)
{
	struct tdx_mig_args args = {
		.rcx = tdx_gpa_level_encode(gpa, level),
		.rdx = tdr.pa,
		.r8 = page_pa,
	};
	u64 ret;

	tdx_mig_page_flush(page_pa);
	ret = tdx_mig_seamcall(SEAMCALL_TDH_MEM_SEPT_ADD, &args);

	*entry = ret ? args.rcx : 0;
	*err_level = ret ? args.rdx : 0;
	return ret;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_mem_sept_add);

/** tdx_mig_tdh_mem_page_add - TDH.MEM.PAGE.ADD: copy @src_pa into the TD */
u64 tdx_mig_tdh_mem_page_add(struct tdx_mig_tdr tdr, u64 gpa, u64 page_pa, u64 src_pa)
{
	struct tdx_mig_args args = {
		.rcx = tdx_gpa_level_encode(gpa, 0),
		.rdx = tdr.pa,
		.r8 = page_pa,
		.r9 = src_pa,
	};

	tdx_mig_page_flush(page_pa);
	return tdx_mig_seamcall(SEAMCALL_TDH_MEM_PAGE_ADD, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_mem_page_add);

/** tdx_mig_tdh_mem_page_aug - TDH.MEM.PAGE.AUG: map a PENDING page */
u64 tdx_mig_tdh_mem_page_aug(struct tdx_mig_tdr tdr, u64 gpa, u64 page_pa)
{
	struct tdx_mig_args args = {
		.rcx = tdx_gpa_level_encode(gpa, 0),
		.rdx = tdr.pa,
		.r8 = page_pa,
	};

	tdx_mig_page_flush(page_pa);
	return tdx_mig_seamcall(SEAMCALL_TDH_MEM_PAGE_AUG, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_mem_page_aug);

/** tdx_mig_tdh_mem_range_block - TDH.MEM.RANGE.BLOCK of the 4 KiB page at @gpa */
u64 tdx_mig_tdh_mem_range_block(struct tdx_mig_tdr tdr, u64 gpa)
{
	struct tdx_mig_args args = {
		.rcx = tdx_gpa_level_encode(gpa, 0),
		.rdx = tdr.pa,
	};

	return tdx_mig_seamcall(SEAMCALL_TDH_MEM_RANGE_BLOCK, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_mem_range_block);

/** tdx_mig_tdh_mem_page_remove - TDH.MEM.PAGE.REMOVE: unmap a 4 KiB page */
u64 tdx_mig_tdh_mem_page_remove(struct tdx_mig_tdr tdr, u64 gpa)
{
	struct tdx_mig_args args = {
		.rcx = tdx_gpa_level_encode(gpa, 0),
		.rdx = tdr.pa,
	};

	return tdx_mig_seamcall(SEAMCALL_TDH_MEM_PAGE_REMOVE, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_mem_page_remove);

/** tdx_mig_tdh_vp_create - TDH.VP.CREATE: make @tdvpr a vCPU of the TD */
u64 tdx_mig_tdh_vp_create(struct tdx_mig_tdr tdr, struct tdx_mig_tdvpr tdvpr)
{
	struct tdx_mig_args args = { .rcx = tdvpr.pa, .rdx = tdr.pa };

	tdx_mig_page_flush(tdvpr.pa);
	return tdx_mig_seamcall(SEAMCALL_TDH_VP_CREATE, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_vp_create);

/** tdx_mig_tdh_vp_addcx - TDH.VP.ADDCX: add a TDVPS page */
u64 tdx_mig_tdh_vp_addcx(struct tdx_mig_tdvpr tdvpr, u64 tdcx_pa)
{
	struct tdx_mig_args args = { .rcx = tdcx_pa, .rdx = tdvpr.pa };

	tdx_mig_page_flush(tdcx_pa);
	return tdx_mig_seamcall(SEAMCALL_TDH_VP_ADDCX, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_vp_addcx);

/** tdx_mig_tdh_vp_init - TDH.VP.INIT with the guest's initial RCX */
u64 tdx_mig_tdh_vp_init(struct tdx_mig_tdvpr tdvpr, u64 initial_rcx)
{
	struct tdx_mig_args args = { .rcx = tdvpr.pa, .rdx = initial_rcx };

	return tdx_mig_seamcall(SEAMCALL_TDH_VP_INIT, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_vp_init);

/**
 * tdx_mig_tdh_vp_enter_regs - TDH.VP.ENTER with the guest's shared GPRs
 * @tdvpr: the vCPU
 * @regs: in, the values a pending TDG.VP.VMCALL returns to the guest; out,
 *	  the exit's registers (RCX: exit qualification or, for a VMCALL,
 *	  the shared GPRs; R8: an EPT violation's GPA; the shared GPRs)
 *
 * Context: as tdx_mig_tdh_vp_enter().
 * Return: the status, as tdx_mig_tdh_vp_enter().
 */
u64 tdx_mig_tdh_vp_enter_regs(struct tdx_mig_tdvpr tdvpr, struct tdx_mig_args *regs)
{
	regs->rcx = tdvpr.pa;
	return tdx_mig_seamcall(SEAMCALL_TDH_VP_ENTER, regs);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_vp_enter_regs);

/**
 * tdx_mig_tdh_vp_enter - TDH.VP.ENTER
 * @tdvpr: the vCPU
 * @exit_qual: the exit qualification
 * @gpa: the GPA of an EPT violation
 *
 * Context: preemption disabled (the vCPU is bound to this logical CPU).
 * Return: the status; a TD exit is TDX_SUCCESS with the exit reason in the
 * low bits.
 */
u64 tdx_mig_tdh_vp_enter(struct tdx_mig_tdvpr tdvpr, u64 *exit_qual, u64 *gpa)
{
	struct tdx_mig_args args = {};
	u64 ret = tdx_mig_tdh_vp_enter_regs(tdvpr, &args);
	bool exited = tdx_status_code(ret) == TDX_STATUS_SUCCESS;

	*exit_qual = exited ? args.rcx : 0;
	*gpa = exited ? args.r8 : 0;
	return ret;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_vp_enter);

/**
 * tdx_mig_tdh_vp_wr - TDH.VP.WR of one field of a vCPU's TDVPS
 * @tdvpr: the vCPU
 * @field: the field ID (for the TD VMCS, class 0 and the VMCS encoding)
 * @value: the value
 * @mask: which bits of @value to write
 *
 * Context: on the CPU the vCPU is associated with (or any, if it is not):
 * the leaf associates it.
 * Return: the status.
 */
u64 tdx_mig_tdh_vp_wr(struct tdx_mig_tdvpr tdvpr, u64 field, u64 value, u64 mask)
{
	struct tdx_mig_args args = { .rcx = tdvpr.pa, .rdx = field, .r8 = value, .r9 = mask };

	return tdx_mig_seamcall(SEAMCALL_TDH_VP_WR, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_vp_wr);

/** tdx_mig_tdh_vp_flush - TDH.VP.FLUSH, on the CPU the vCPU last ran on */
u64 tdx_mig_tdh_vp_flush(struct tdx_mig_tdvpr tdvpr)
{
	struct tdx_mig_args args = { .rcx = tdvpr.pa };

	return tdx_mig_seamcall(SEAMCALL_TDH_VP_FLUSH, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_vp_flush);

/** tdx_mig_tdh_mng_vpflushdone - TDH.MNG.VPFLUSHDONE */
u64 tdx_mig_tdh_mng_vpflushdone(struct tdx_mig_tdr tdr)
{
	struct tdx_mig_args args = { .rcx = tdr.pa };

	return tdx_mig_seamcall(SEAMCALL_TDH_MNG_VPFLUSHDONE, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_mng_vpflushdone);

/** tdx_mig_tdh_phymem_cache_wb - TDH.PHYMEM.CACHE.WB, new or resumed */
u64 tdx_mig_tdh_phymem_cache_wb(bool resume)
{
	struct tdx_mig_args args = { .rcx = resume };

	return tdx_mig_seamcall(SEAMCALL_TDH_PHYMEM_CACHE_WB, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_phymem_cache_wb);

/** tdx_mig_tdh_mng_key_freeid - TDH.MNG.KEY.FREEID */
u64 tdx_mig_tdh_mng_key_freeid(struct tdx_mig_tdr tdr)
{
	struct tdx_mig_args args = { .rcx = tdr.pa };

	return tdx_mig_seamcall(SEAMCALL_TDH_MNG_KEY_FREEID, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_mng_key_freeid);

/** tdx_mig_tdh_mng_key_reclaimid - TDH.MNG.KEY.RECLAIMID */
u64 tdx_mig_tdh_mng_key_reclaimid(struct tdx_mig_tdr tdr)
{
	struct tdx_mig_args args = { .rcx = tdr.pa };

	return tdx_mig_seamcall(SEAMCALL_TDH_MNG_KEY_RECLAIMID, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_mng_key_reclaimid);

/**
 * tdx_mig_tdh_phymem_page_reclaim - TDH.PHYMEM.PAGE.RECLAIM
 * @page_pa: the page
 * @type: its PAMT type
 * @owner: its owner TDR
 */
u64 tdx_mig_tdh_phymem_page_reclaim(u64 page_pa, u64 *type, u64 *owner)
{
	struct tdx_mig_args args = { .rcx = page_pa };
	u64 ret = tdx_mig_seamcall(SEAMCALL_TDH_PHYMEM_PAGE_RECLAIM, &args);

	*type = ret ? 0 : args.rcx;
	*owner = ret ? 0 : args.rdx;
	if (!ret)
		tdx_mig_page_reset(page_pa);
	return ret;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_phymem_page_reclaim);
