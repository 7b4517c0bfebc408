// SPDX-License-Identifier: GPL-2.0
/*
 * TD-scope leaves of the emulated TDX Module: creation, keys, TDCS pages,
 * initialization, finalization, metadata, TLB tracking and the key side of
 * teardown. The TD's state lives in struct emu_td, found through the PAMT
 * entry of its TDR page; the TDR lock is that entry's lock.
 */
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "emu.h"

#define S(x)	BIT(TDX_OP_STATE_##x)
#define ALL_OP_STATES	(BIT(TDX_NUM_OP_STATES) - 1)
/* Marks a leaf present in the table (an empty mask is a valid row). */
#define ROW	BIT(15)

/* §3.1: the states each leaf may be called in. */
static const u16 op_state_table[128] = {
	[SEAMCALL_TDH_VP_ENTER]		= ROW | S(RUNNABLE) | S(LIVE_EXPORT) | S(LIVE_IMPORT),
	[SEAMCALL_TDH_MNG_ADDCX]	= ROW | S(UNINITIALIZED),
	[SEAMCALL_TDH_MEM_PAGE_ADD]	= ROW | S(INITIALIZED),
	[SEAMCALL_TDH_MEM_SEPT_ADD]	= ROW | S(INITIALIZED) | S(RUNNABLE) | S(LIVE_EXPORT) |
					  S(MEMORY_IMPORT) | S(STATE_IMPORT) | S(POST_IMPORT) |
					  S(LIVE_IMPORT),
	[SEAMCALL_TDH_VP_ADDCX]		= ROW | S(INITIALIZED) | S(STATE_IMPORT),
	[SEAMCALL_TDH_MEM_PAGE_AUG]	= ROW | S(INITIALIZED) | S(RUNNABLE) | S(LIVE_EXPORT) |
					  S(LIVE_IMPORT),
	[SEAMCALL_TDH_MEM_RANGE_BLOCK]	= ROW | S(INITIALIZED) | S(RUNNABLE) | S(LIVE_EXPORT) |
					  S(PAUSED_EXPORT) | S(POST_EXPORT) | S(POST_IMPORT) |
					  S(LIVE_IMPORT),
	[SEAMCALL_TDH_VP_CREATE]	= ROW | S(INITIALIZED) | S(STATE_IMPORT),
	[SEAMCALL_TDH_MNG_RD]		= ROW | (ALL_OP_STATES & ~S(UNINITIALIZED)),
	[SEAMCALL_TDH_MEM_RD]		= ROW | (ALL_OP_STATES & ~S(UNINITIALIZED)),
	[SEAMCALL_TDH_MNG_WR]		= ROW | (ALL_OP_STATES & ~(S(UNINITIALIZED) |
					  S(PAUSED_EXPORT) | S(POST_EXPORT))),
	[SEAMCALL_TDH_MEM_WR]		= ROW | (ALL_OP_STATES & ~(S(UNINITIALIZED) |
					  S(PAUSED_EXPORT) | S(POST_EXPORT))),
	[SEAMCALL_TDH_VP_WR]		= ROW | (ALL_OP_STATES & ~(S(UNINITIALIZED) |
					  S(PAUSED_EXPORT) | S(POST_EXPORT))),
	/* Not in §3.1's table: finalizing is the end of the build. */
	[SEAMCALL_TDH_MR_FINALIZE]	= ROW | S(INITIALIZED),
	[SEAMCALL_TDH_VP_FLUSH]		= ROW | ALL_OP_STATES,
	[SEAMCALL_TDH_MNG_INIT]		= ROW | S(UNINITIALIZED),
	[SEAMCALL_TDH_VP_INIT]		= ROW | S(INITIALIZED),
	[SEAMCALL_TDH_MEM_PAGE_REMOVE]	= ROW | S(INITIALIZED) | S(RUNNABLE) | S(LIVE_EXPORT) |
					  S(PAUSED_EXPORT) | S(POST_EXPORT) | S(POST_IMPORT) |
					  S(LIVE_IMPORT) | S(FAILED_IMPORT),
	[SEAMCALL_TDH_MEM_TRACK]	= ROW | (ALL_OP_STATES & ~(S(UNINITIALIZED) |
					  S(FAILED_IMPORT))),
	/* §1.3: the migration leaves. */
	[SEAMCALL_TDH_MIG_STREAM_CREATE] = ROW | S(UNINITIALIZED) | S(INITIALIZED) | S(RUNNABLE),
	[SEAMCALL_TDH_EXPORT_STATE_IMMUTABLE] = ROW | S(RUNNABLE) | S(LIVE_IMPORT),
	[SEAMCALL_TDH_EXPORT_STATE_TD]	= ROW | S(PAUSED_EXPORT),
	[SEAMCALL_TDH_EXPORT_STATE_VP]	= ROW | S(PAUSED_EXPORT),
	[SEAMCALL_TDH_EXPORT_MEM]	= ROW | S(LIVE_EXPORT) | S(PAUSED_EXPORT) | S(POST_EXPORT),
	[SEAMCALL_TDH_EXPORT_BLOCKW]	= ROW | S(LIVE_EXPORT),
	[SEAMCALL_TDH_EXPORT_UNBLOCKW]	= ROW | S(RUNNABLE) | S(LIVE_EXPORT) | S(PAUSED_EXPORT) |
					  S(POST_EXPORT),
	[SEAMCALL_TDH_EXPORT_TRACK]	= ROW | S(LIVE_EXPORT) | S(PAUSED_EXPORT),
	[SEAMCALL_TDH_EXPORT_PAUSE]	= ROW | S(LIVE_EXPORT),
	[SEAMCALL_TDH_EXPORT_ABORT]	= ROW | S(LIVE_EXPORT) | S(PAUSED_EXPORT) | S(POST_EXPORT),
	[SEAMCALL_TDH_EXPORT_RESTORE]	= ROW | S(RUNNABLE),
	[SEAMCALL_TDH_IMPORT_STATE_IMMUTABLE] = ROW | S(UNINITIALIZED),
	[SEAMCALL_TDH_IMPORT_STATE_TD]	= ROW | S(MEMORY_IMPORT),
	[SEAMCALL_TDH_IMPORT_STATE_VP]	= ROW | S(STATE_IMPORT),
	[SEAMCALL_TDH_IMPORT_MEM]	= ROW | S(MEMORY_IMPORT) | S(STATE_IMPORT) |
					  S(POST_IMPORT) | S(LIVE_IMPORT),
	[SEAMCALL_TDH_IMPORT_TRACK]	= ROW | S(MEMORY_IMPORT) | S(STATE_IMPORT),
	[SEAMCALL_TDH_IMPORT_COMMIT]	= ROW | S(POST_IMPORT),
	[SEAMCALL_TDH_IMPORT_END]	= ROW | S(POST_IMPORT) | S(LIVE_IMPORT),
	[SEAMCALL_TDH_IMPORT_ABORT]	= ROW | S(MEMORY_IMPORT) | S(STATE_IMPORT) |
					  S(POST_IMPORT) | S(FAILED_IMPORT),
};

/**
 * emu_op_state_allows - may @leaf run while the TD is in @state?
 * @leaf: a SEAMCALL leaf
 * @state: the TD's OP_STATE
 *
 * Leaves without a row are not OP_STATE checked (they check the key
 * lifecycle instead).
 */
bool emu_op_state_allows(u16 leaf, enum tdx_op_state state)
{
	if (leaf >= ARRAY_SIZE(op_state_table) || !(op_state_table[leaf] & ROW))
		return true;
	return op_state_table[leaf] & BIT(state);
}

#define LOCKS(tdr, op)	{ EMU_LOCK_##tdr, EMU_LOCK_##op }

/*
 * The TDR and OP_STATE lock modes each leaf's handler takes in TDX Module
 * 1.5.01 (Documentation/emulator.rst cites every handler). A leaf that takes
 * the TDR exclusively takes no OP_STATE lock: the TDR lock covers it. A
 * leaf without a row takes neither (SYS.RD, PHYMEM.CACHE.WB,
 * MNG.KEY.RECLAIMID).
 */
static const struct emu_leaf_locks leaf_locks[128] = {
	[SEAMCALL_TDH_VP_ENTER]		= LOCKS(SHARED, SHARED),
	[SEAMCALL_TDH_MNG_ADDCX]	= LOCKS(EXCLUSIVE, NONE),
	[SEAMCALL_TDH_MEM_PAGE_ADD]	= LOCKS(EXCLUSIVE, NONE),
	[SEAMCALL_TDH_MEM_SEPT_ADD]	= LOCKS(SHARED, SHARED),
	[SEAMCALL_TDH_VP_ADDCX]		= LOCKS(SHARED, SHARED),
	[SEAMCALL_TDH_MEM_PAGE_AUG]	= LOCKS(SHARED, SHARED),
	[SEAMCALL_TDH_MEM_RANGE_BLOCK]	= LOCKS(SHARED, SHARED),
	[SEAMCALL_TDH_MNG_KEY_CONFIG]	= LOCKS(EXCLUSIVE, NONE),
	[SEAMCALL_TDH_MNG_CREATE]	= LOCKS(EXCLUSIVE, NONE),
	[SEAMCALL_TDH_VP_CREATE]	= LOCKS(SHARED, SHARED),
	[SEAMCALL_TDH_MNG_RD]		= LOCKS(SHARED, SHARED),
	[SEAMCALL_TDH_MNG_WR]		= LOCKS(SHARED, SHARED),
	[SEAMCALL_TDH_MEM_PAGE_REMOVE]	= LOCKS(SHARED, SHARED),
	[SEAMCALL_TDH_MR_FINALIZE]	= LOCKS(EXCLUSIVE, NONE),
	[SEAMCALL_TDH_VP_FLUSH]		= LOCKS(SHARED, NONE),
	[SEAMCALL_TDH_MNG_VPFLUSHDONE]	= LOCKS(EXCLUSIVE, NONE),
	[SEAMCALL_TDH_MNG_KEY_FREEID]	= LOCKS(EXCLUSIVE, NONE),
	[SEAMCALL_TDH_MNG_INIT]		= LOCKS(EXCLUSIVE, NONE),
	[SEAMCALL_TDH_VP_INIT]		= LOCKS(SHARED, SHARED),
	[SEAMCALL_TDH_VP_WR]		= LOCKS(SHARED, SHARED),
	/* The owner's TDR, when the page reclaimed is not a TDR itself. */
	[SEAMCALL_TDH_PHYMEM_PAGE_RECLAIM] = LOCKS(SHARED, NONE),
	[SEAMCALL_TDH_MEM_TRACK]	= LOCKS(SHARED, SHARED),
	[SEAMCALL_TDH_MIG_STREAM_CREATE] = LOCKS(SHARED, EXCLUSIVE),
	[SEAMCALL_TDH_EXPORT_ABORT]	= LOCKS(SHARED, EXCLUSIVE),
	[SEAMCALL_TDH_EXPORT_BLOCKW]	= LOCKS(SHARED, SHARED),
	[SEAMCALL_TDH_EXPORT_MEM]	= LOCKS(SHARED, SHARED),
	[SEAMCALL_TDH_EXPORT_PAUSE]	= LOCKS(EXCLUSIVE, NONE),
	[SEAMCALL_TDH_EXPORT_RESTORE]	= LOCKS(SHARED, SHARED),
	[SEAMCALL_TDH_EXPORT_STATE_IMMUTABLE] = LOCKS(SHARED, EXCLUSIVE),
	[SEAMCALL_TDH_EXPORT_STATE_TD]	= LOCKS(SHARED, EXCLUSIVE),
	[SEAMCALL_TDH_EXPORT_STATE_VP]	= LOCKS(SHARED, SHARED),
	[SEAMCALL_TDH_EXPORT_TRACK]	= LOCKS(SHARED, EXCLUSIVE),
	[SEAMCALL_TDH_EXPORT_UNBLOCKW]	= LOCKS(SHARED, SHARED),
	[SEAMCALL_TDH_IMPORT_ABORT]	= LOCKS(EXCLUSIVE, NONE),
	[SEAMCALL_TDH_IMPORT_COMMIT]	= LOCKS(EXCLUSIVE, NONE),
	[SEAMCALL_TDH_IMPORT_END]	= LOCKS(EXCLUSIVE, NONE),
	[SEAMCALL_TDH_IMPORT_MEM]	= LOCKS(SHARED, SHARED),
	[SEAMCALL_TDH_IMPORT_STATE_IMMUTABLE] = LOCKS(EXCLUSIVE, NONE),
	[SEAMCALL_TDH_IMPORT_STATE_TD]	= LOCKS(EXCLUSIVE, NONE),
	[SEAMCALL_TDH_IMPORT_STATE_VP]	= LOCKS(SHARED, SHARED),
	[SEAMCALL_TDH_IMPORT_TRACK]	= LOCKS(EXCLUSIVE, NONE),
	/* Both TDs, each TDR and OP_STATE shared (PREBIND names one TD). */
	[SEAMCALL_TDH_SERVTD_BIND]	= LOCKS(SHARED, SHARED),
	[SEAMCALL_TDH_SERVTD_PREBIND]	= LOCKS(SHARED, SHARED),
};

/**
 * emu_leaf_locks - the TDR and OP_STATE lock modes of @leaf's handler
 * @leaf: a SEAMCALL leaf
 */
const struct emu_leaf_locks *emu_leaf_locks(u16 leaf)
{
	static const struct emu_leaf_locks none = LOCKS(NONE, NONE);

	return leaf < ARRAY_SIZE(leaf_locks) ? &leaf_locks[leaf] : &none;
}
EXPORT_SYMBOL_GPL(emu_leaf_locks);

/* Lock the TDR named by @tdr_pa (in register @opid) and find its TD. */
u64 emu_td_lock(u64 tdr_pa, int opid, enum emu_lock_mode mode, struct emu_td **out)
{
	struct emu_pamt_entry *e;
	u64 ret;

	ret = emu_pamt_lock_typed(tdr_pa, opid, TDX_OPID_TDR, EMU_PT_TDR, mode, &e);
	if (ret)
		return ret;
	*out = emu_td_of(e);
	return TDX_STATUS_SUCCESS;
}

void emu_td_unlock(struct emu_td *td, enum emu_lock_mode mode)
{
	emu_sharex_unlock(&emu_pamt_entry(td->tdr_pa)->lock, mode);
}

/* The TDCS OP_STATE lock (§3.1): BUSY names OP_STATE. */
u64 emu_op_state_lock(struct emu_td *td, enum emu_lock_mode mode)
{
	if (!emu_sharex_try(&td->op_state_lock, mode))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_BUSY, TDX_OPID_OP_STATE);
	return TDX_STATUS_SUCCESS;
}

void emu_op_state_unlock(struct emu_td *td, enum emu_lock_mode mode)
{
	emu_sharex_unlock(&td->op_state_lock, mode);
}

/*
 * What most leaves check before OP_STATE: the TD's key configured (any
 * other lifecycle state is TD_KEYS_NOT_CONFIGURED) and all TDCS pages added.
 */
u64 emu_td_check_keys(struct emu_td *td)
{
	if (td->lifecycle != EMU_TD_KEYS_CONFIGURED)
		return TDX_STATUS_TD_KEYS_NOT_CONFIGURED;
	return TDX_STATUS_SUCCESS;
}

u64 emu_td_check_built(struct emu_td *td)
{
	if (td->lifecycle != EMU_TD_KEYS_CONFIGURED)
		return TDX_STATUS_TD_KEYS_NOT_CONFIGURED;
	if (td->num_tdcx != EMU_TDCS_PAGES)
		return TDX_STATUS_TDCS_NOT_ALLOCATED;
	return TDX_STATUS_SUCCESS;
}

/* The TDR of @tdr_pa (in register @opid), in the mode of @leaf's handler. */
u64 emu_leaf_td_lock(u16 leaf, u64 tdr_pa, int opid, struct emu_td **td)
{
	return emu_td_lock(tdr_pa, opid, emu_leaf_locks(leaf)->tdr, td);
}

void emu_leaf_td_unlock(u16 leaf, struct emu_td *td)
{
	emu_td_unlock(td, emu_leaf_locks(leaf)->tdr);
}

/* OP_STATE, in the mode of @leaf's handler. */
u64 emu_leaf_op_state_lock(u16 leaf, struct emu_td *td)
{
	return emu_op_state_lock(td, emu_leaf_locks(leaf)->op_state);
}

void emu_leaf_op_state_unlock(u16 leaf, struct emu_td *td)
{
	emu_op_state_unlock(td, emu_leaf_locks(leaf)->op_state);
}

/*
 * Lock the TD named in register @reg for @leaf (TDR, then OP_STATE, each
 * in the mode of the module's handler) and check what the leaf needs
 * before its operands: the TD built and @leaf allowed in its OP_STATE.
 */
u64 emu_leaf_begin(u16 leaf, u64 tdr_pa, int reg, struct emu_td **td)
{
	u64 ret;

	ret = emu_leaf_td_lock(leaf, tdr_pa, reg, td);
	if (ret)
		return ret;
	ret = emu_td_check_built(*td);
	if (!ret)
		ret = emu_leaf_op_state_lock(leaf, *td);
	if (ret)
		goto unlock_td;
	if (emu_op_state_allows(leaf, (*td)->op_state))
		return TDX_STATUS_SUCCESS;
	ret = TDX_STATUS_OP_STATE_INCORRECT;
	emu_leaf_op_state_unlock(leaf, *td);
unlock_td:
	emu_leaf_td_unlock(leaf, *td);
	return ret;
}

void emu_leaf_end(u16 leaf, struct emu_td *td)
{
	emu_leaf_op_state_unlock(leaf, td);
	emu_leaf_td_unlock(leaf, td);
}

/* The HKIDs handed out by TDH.MNG.CREATE and not yet freed. */
static DECLARE_BITMAP(hkids_in_use, EMU_NUM_PRIVATE_HKIDS);

/* TDH.MNG.CREATE: RCX = TDR page, RDX = HKID. */
u64 emu_mng_create(struct tdx_mig_args *a)
{
	struct emu_pamt_entry *e;
	struct emu_td *td;
	u16 hkid = a->rdx;
	u64 ret;

	if (a->rdx < EMU_PRIVATE_HKID_MIN ||
	    a->rdx >= EMU_PRIVATE_HKID_MIN + EMU_NUM_PRIVATE_HKIDS)
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RDX);
	ret = emu_pamt_claim(a->rcx, TDX_OPID_RCX, &e);
	if (ret)
		return ret;
	if (test_and_set_bit(hkid - EMU_PRIVATE_HKID_MIN, hkids_in_use)) {
		ret = TDX_STATUS_HKID_NOT_FREE;
		goto unlock;
	}
	/* A SEAMCALL never sleeps. */
	td = kzalloc(sizeof(*td), GFP_ATOMIC);
	if (!td) {
		clear_bit(hkid - EMU_PRIVATE_HKID_MIN, hkids_in_use);
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_BUSY, TDX_OPID_TDR);
		goto unlock;
	}
	td->tdr_pa = a->rcx;
	td->hkid = hkid;
	td->lifecycle = EMU_TD_HKID_ASSIGNED;
	td->op_state = TDX_OP_STATE_UNINITIALIZED;
	emu_sharex_init(&td->op_state_lock);
	emu_sharex_init(&td->servtd_lock);
	raw_spin_lock_init(&td->epoch_lock);
	get_random_bytes(td->uuid, sizeof(td->uuid));
	get_random_bytes(td->mem_key, sizeof(td->mem_key));
	memset(phys_to_virt(a->rcx), 0, PAGE_SIZE);
	emu_pamt_assign(e, EMU_PT_TDR, a->rcx, td);
unlock:
	emu_sharex_unlock_exclusive(&e->lock);
	return ret;
}

/* TDH.MNG.KEY.CONFIG: RCX = TDR. One package is modelled. */
u64 emu_mng_key_config(struct tdx_mig_args *a)
{
	struct emu_td *td;
	u64 ret;

	ret = emu_leaf_td_lock(SEAMCALL_TDH_MNG_KEY_CONFIG, a->rcx, TDX_OPID_RCX, &td);
	if (ret)
		return ret;
	/* One package is modelled: configuring twice is a lifecycle error. */
	if (td->lifecycle != EMU_TD_HKID_ASSIGNED)
		ret = TDX_STATUS_LIFECYCLE_STATE_INCORRECT;
	else
		td->lifecycle = EMU_TD_KEYS_CONFIGURED;
	emu_leaf_td_unlock(SEAMCALL_TDH_MNG_KEY_CONFIG, td);
	return ret;
}

/* TDH.MNG.ADDCX: RCX = new TDCS page, RDX = TDR. */
u64 emu_mng_addcx(struct tdx_mig_args *a)
{
	struct emu_pamt_entry *e;
	struct emu_td *td;
	u64 ret;

	ret = emu_leaf_td_lock(SEAMCALL_TDH_MNG_ADDCX, a->rdx, TDX_OPID_RDX, &td);
	if (ret)
		return ret;
	ret = emu_td_check_keys(td);
	if (ret)
		goto unlock_td;
	if (!emu_op_state_allows(SEAMCALL_TDH_MNG_ADDCX, td->op_state)) {
		ret = TDX_STATUS_OP_STATE_INCORRECT;
		goto unlock_td;
	}
	if (td->num_tdcx >= EMU_TDCS_PAGES) {
		ret = TDX_STATUS_TDCX_NUM_INCORRECT;
		goto unlock_td;
	}
	ret = emu_pamt_claim(a->rcx, TDX_OPID_RCX, &e);
	if (ret)
		goto unlock_td;
	memset(phys_to_virt(a->rcx), 0, PAGE_SIZE);
	emu_pamt_assign(e, EMU_PT_TDCX, td->tdr_pa, NULL);
	if (td->num_tdcx == EMU_TDCS_MIGSC_LINKS)
		td->migsc_links = phys_to_virt(a->rcx);
	td->tdcx_pa[td->num_tdcx++] = a->rcx;
	/* The SEPT root starts with every entry FREE, as the module fills it. */
	if (td->num_tdcx == EMU_TDCS_SEPT_ROOT + 1)
		emu_td_init_sept_root(td);
	/* §3.3: MIG_ENC_KEY is generated when the 6th TDCS page is added. */
	if (td->num_tdcx == EMU_TDCS_PAGES)
		get_random_bytes(td->mig_enc_key, sizeof(td->mig_enc_key));
	atomic_long_inc(&td->child_pages);
	emu_sharex_unlock_exclusive(&e->lock);
unlock_td:
	emu_leaf_td_unlock(SEAMCALL_TDH_MNG_ADDCX, td);
	return ret;
}

/* The root SEPT page lives in a TDCS page; every entry starts FREE. */
void emu_td_init_sept_root(struct emu_td *td)
{
	u64 *root = phys_to_virt(td->tdcx_pa[EMU_TDCS_SEPT_ROOT]);
	u64 free = emu_sept_set_state(0, TDX_SEPT_FREE);
	int i;

	for (i = 0; i < PTRS_PER_PTE; i++)
		root[i] = free;
}

/* TDH.MNG.INIT: RCX = TDR, RDX = TD_PARAMS (shared, 1024-byte aligned). */
u64 emu_mng_init(struct tdx_mig_args *a)
{
	const struct tdx_td_params *params;
	struct emu_pamt_entry *pe;
	struct emu_td *td;
	u64 attributes, xfam;
	u16 max_vcpus;
	u64 ret;

	ret = emu_leaf_td_lock(SEAMCALL_TDH_MNG_INIT, a->rcx, TDX_OPID_RCX, &td);
	if (ret)
		return ret;
	ret = emu_td_check_keys(td);
	if (ret)
		goto unlock;
	if (!emu_op_state_allows(SEAMCALL_TDH_MNG_INIT, td->op_state)) {
		ret = TDX_STATUS_OP_STATE_INCORRECT;
		goto unlock;
	}
	if (td->num_tdcx != EMU_TDCS_PAGES) {
		ret = TDX_STATUS_TDCS_NOT_ALLOCATED;
		goto unlock;
	}
	pe = emu_pamt_entry(a->rdx);
	if (!IS_ALIGNED(a->rdx, TDX_TD_PARAMS_SIZE) || !emu_hpa_is_shared(a->rdx) || !pe ||
	    pe->type != EMU_PT_NDA) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RDX);
		goto unlock;
	}
	params = phys_to_virt(a->rdx & ~EMU_HKID_MASK);
	/*
	 * The model uses attributes, XFAM and MAX_VCPUS only; everything else
	 * (NUM_L2_VMS, EPTP controls, CPUID configuration, measurements) must
	 * be zero rather than silently ignored.
	 */
	if (memchr_inv(params->reserved, 0, sizeof(params->reserved))) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RDX);
		goto unlock;
	}
	attributes = le64_to_cpu(params->attributes);
	xfam = le64_to_cpu(params->xfam);
	max_vcpus = le16_to_cpu(params->max_vcpus);

	/* §5: a MIGRATABLE TD can be neither DEBUG nor PERFMON. */
	if ((attributes & ~EMU_ATTRIBUTES_FIXED0) ||
	    ((attributes & TDX_TD_ATTR_MIGRATABLE) &&
	     (attributes & (TDX_TD_ATTR_DEBUG | TDX_TD_ATTR_PERFMON)))) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_ATTRIBUTES);
		goto unlock;
	}
	if ((xfam & ~EMU_XFAM_FIXED0) || (xfam & EMU_XFAM_FIXED1) != EMU_XFAM_FIXED1) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_XFAM);
		goto unlock;
	}
	if (!max_vcpus || max_vcpus > EMU_MAX_VCPUS) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_MAX_VCPUS);
		goto unlock;
	}
	td->attributes = attributes;
	td->xfam = xfam;
	td->max_vcpus = max_vcpus;
	td->td_epoch = 1;
	td->op_state = TDX_OP_STATE_INITIALIZED;
unlock:
	emu_leaf_td_unlock(SEAMCALL_TDH_MNG_INIT, td);
	return ret;
}

/* TDH.MR.FINALIZE: RCX = TDR. The measurement itself is not modelled. */
u64 emu_mr_finalize(struct tdx_mig_args *a)
{
	struct emu_td *td;
	u64 ret;

	ret = emu_leaf_begin(SEAMCALL_TDH_MR_FINALIZE, a->rcx, TDX_OPID_RCX, &td);
	if (ret)
		return ret;
	if (!td->num_vcpus) {
		ret = TDX_STATUS_NO_VCPUS;
	} else {
		emu_servtd_finalize(td);
		td->op_state = TDX_OP_STATE_RUNNABLE;
	}
	emu_leaf_end(SEAMCALL_TDH_MR_FINALIZE, td);
	return ret;
}

/* An element of a 4-qword field at @base, if @field_id is one. */
static bool field_elem(u64 field_id, u64 base, unsigned int n, const u64 *vals, u64 *value)
{
	if (field_id < base || field_id >= base + n)
		return false;
	*value = vals[field_id - base];
	return true;
}

/* One element of a TD-scope field readable by the host (§5). */
static bool td_field(struct emu_td *td, u64 field_id, u64 *value)
{
	if (field_elem(field_id, TDX_MD_TD_UUID, 4, td->uuid, value) ||
	    field_elem(field_id, TDX_MD_TD_PRE_IMPORT_UUID, 4, td->pre_import_uuid, value))
		return true;
	if (emu_servtd_field(td, field_id, value))
		return true;
	if (td->migsc_links && field_elem(field_id, TDX_MD_TD_MIGSC_LINKS, TDX_MAX_MIGS,
					  td->migsc_links, value))
		return true;
	switch (field_id) {
	case TDX_MD_TD_ATTRIBUTES:
		*value = td->attributes;
		return true;
	case TDX_MD_TD_OP_STATE:
		*value = td->op_state;
		return true;
	case TDX_MD_TD_MIG_DEC_KEY_SET:
		*value = td->mig_dec_key_set;
		return true;
	case TDX_MD_TD_EXPORT_COUNT:
		*value = td->export_count;
		return true;
	case TDX_MD_TD_IMPORT_COUNT:
		*value = td->import_count;
		return true;
	case TDX_MD_TD_MIG_EPOCH:
		*value = td->mig_epoch;
		return true;
	case TDX_MD_TD_BW_EPOCH:
		*value = td->bw_epoch;
		return true;
	case TDX_MD_TD_TOTAL_MB_COUNT:
		*value = atomic64_read(&td->total_mb_count);
		return true;
	case TDX_MD_TD_MIG_VERSION:
		*value = td->mig_version;
		return true;
	case TDX_MD_TD_MIG_WORKING_VERSION:
		*value = td->mig_working_version;
		return true;
	case TDX_MD_TD_DIRTY_COUNT:
		*value = atomic64_read(&td->dirty_count);
		return true;
	case TDX_MD_TD_MIG_COUNT:
		*value = atomic64_read(&td->mig_count);
		return true;
	case TDX_MD_TD_NUM_MIGS:
		*value = td->num_migs;
		return true;
	case TDX_MD_TD_NUM_MIGRATED_VCPUS:
		*value = atomic_read(&td->num_migrated_vcpus);
		return true;
	}
	return false;
}

/* TDH.MNG.RD: RCX = TDR, RDX = field ID; R8 = value (no next field ID). */
u64 emu_mng_rd(struct tdx_mig_args *a)
{
	struct emu_td *td;
	u64 field = a->rdx;
	u64 ret;

	a->r8 = 0;
	ret = emu_leaf_begin(SEAMCALL_TDH_MNG_RD, a->rcx, TDX_OPID_RCX, &td);
	if (ret)
		return ret;
	if (!td_field(td, field, &a->r8))
		ret = tdx_status_with_operand(TDX_STATUS_METADATA_FIELD_ID_INCORRECT,
					      TDX_OPID_RDX);
	emu_leaf_end(SEAMCALL_TDH_MNG_RD, td);
	return ret;
}

/* TDH.MNG.WR: no TD-scope field of part 1 is host-writable. */
u64 emu_mng_wr(struct tdx_mig_args *a)
{
	struct emu_td *td;
	u64 value, ret;

	ret = emu_leaf_begin(SEAMCALL_TDH_MNG_WR, a->rcx, TDX_OPID_RCX, &td);
	if (ret)
		return ret;
	ret = tdx_status_with_operand(td_field(td, a->rdx, &value) ?
				      TDX_STATUS_METADATA_FIELD_NOT_WRITABLE :
				      TDX_STATUS_METADATA_FIELD_ID_INCORRECT,
				      TDX_OPID_RDX);
	emu_leaf_end(SEAMCALL_TDH_MNG_WR, td);
	return ret;
}

/* TD_EPOCH++ once no vCPU is left in the previous epoch. */
static u64 advance_epoch(struct emu_td *td)
{
	u64 ret = TDX_STATUS_SUCCESS;

	if (!raw_spin_trylock(&td->epoch_lock))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_BUSY, TDX_OPID_TD_EPOCH);
	if (td->epoch_refcount[(td->td_epoch - 1) & 1])
		ret = TDX_STATUS_PREVIOUS_TLB_EPOCH_BUSY;
	else
		td->td_epoch++;
	raw_spin_unlock(&td->epoch_lock);
	return ret;
}

/*
 * TDH.MEM.TRACK: RCX = TDR. Advance TD_EPOCH once no vCPU is still in
 * the previous epoch (§3.4 TLB tracking).
 */
u64 emu_mem_track(struct tdx_mig_args *a)
{
	struct emu_td *td;
	u64 ret;

	ret = emu_leaf_begin(SEAMCALL_TDH_MEM_TRACK, a->rcx, TDX_OPID_RCX, &td);
	if (ret)
		return ret;
	ret = advance_epoch(td);
	emu_leaf_end(SEAMCALL_TDH_MEM_TRACK, td);
	return ret;
}

/* TDH.MNG.VPFLUSHDONE: RCX = TDR. All vCPUs must have been flushed. */
u64 emu_mng_vpflushdone(struct tdx_mig_args *a)
{
	struct emu_td *td;
	u64 ret;

	ret = emu_leaf_td_lock(SEAMCALL_TDH_MNG_VPFLUSHDONE, a->rcx, TDX_OPID_RCX, &td);
	if (ret)
		return ret;
	/* A TD whose key was never configured can be torn down too. */
	if (td->lifecycle != EMU_TD_HKID_ASSIGNED && td->lifecycle != EMU_TD_KEYS_CONFIGURED)
		ret = TDX_STATUS_LIFECYCLE_STATE_INCORRECT;
	else if (atomic_read(&td->associated_vcpus))
		ret = TDX_STATUS_FLUSHVP_NOT_DONE;
	if (!ret) {
		td->lifecycle = EMU_TD_BLOCKED;
		emu_wbcache_request(td);
	}
	emu_leaf_td_unlock(SEAMCALL_TDH_MNG_VPFLUSHDONE, td);
	return ret;
}

/* TDH.MNG.KEY.FREEID: RCX = TDR. Needs the cache write-back done. */
u64 emu_mng_key_freeid(struct tdx_mig_args *a)
{
	struct emu_td *td;
	u64 ret;

	ret = emu_leaf_td_lock(SEAMCALL_TDH_MNG_KEY_FREEID, a->rcx, TDX_OPID_RCX, &td);
	if (ret)
		return ret;
	if (td->lifecycle != EMU_TD_BLOCKED)
		ret = TDX_STATUS_LIFECYCLE_STATE_INCORRECT;
	else if (!emu_wbcache_done(td))
		ret = TDX_STATUS_WBCACHE_NOT_COMPLETE;
	if (!ret) {
		td->lifecycle = EMU_TD_TEARDOWN;
		clear_bit(td->hkid - EMU_PRIVATE_HKID_MIN, hkids_in_use);
	}
	emu_leaf_td_unlock(SEAMCALL_TDH_MNG_KEY_FREEID, td);
	return ret;
}

/* TDH.MNG.KEY.RECLAIMID: kept by TDX 1.5 for compatibility; always succeeds. */
u64 emu_mng_key_reclaimid(struct tdx_mig_args *a)
{
	return TDX_STATUS_SUCCESS;
}

/* Frees the model's TD once its TDR page is reclaimed; keys are wiped. */
void emu_td_destroy(struct emu_td *td)
{
	memzero_explicit(td, sizeof(*td));
	kfree(td);
}
