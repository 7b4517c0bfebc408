// SPDX-License-Identifier: GPL-2.0
/*
 * The export leaves of the emulated TDX Module (§1.3, §3.2, §3.4, §10):
 * STATE.IMMUTABLE / TD / VP, BLOCKW, UNBLOCKW, MEM, TRACK, PAUSE, ABORT and
 * RESTORE. Bundles are encrypted as §2.2 specifies, with the TD's
 * MIG_ENC_WORKING_KEY.
 */
#include <linux/string.h>

#include "emu.h"
#include "mbmd.h"
#include "epoch.h"
#include "migsc.h"

#define ST(x)	BIT(TDX_SEPT_##x)

/* §3.4 per-phase rules of EXPORT.MEM (with §10.1 items 9 and 10). */
#define LIVE_EXPORT_OK		(ST(BLOCKEDW) | ST(EXPORTED_BLOCKEDW) | \
				 ST(EXPORTED_DIRTY_BLOCKEDW) | ST(PENDING_BLOCKEDW) | \
				 ST(PENDING_EXPORTED_BLOCKEDW) | \
				 ST(PENDING_EXPORTED_DIRTY_BLOCKEDW))
#define PAUSED_EXPORT_OK	(ST(MAPPED) | ST(BLOCKEDW) | ST(EXPORTED_BLOCKEDW) | \
				 ST(EXPORTED_DIRTY) | ST(EXPORTED_DIRTY_BLOCKEDW) | ST(PENDING) | \
				 ST(PENDING_BLOCKEDW) | ST(PENDING_EXPORTED_BLOCKEDW) | \
				 ST(PENDING_EXPORTED_DIRTY) | ST(PENDING_EXPORTED_DIRTY_BLOCKEDW))
#define FIRST_EXPORT_OK		(ST(MAPPED) | ST(BLOCKEDW) | ST(PENDING) | ST(PENDING_BLOCKEDW))
#define DIRTY_STATES		(ST(EXPORTED_DIRTY) | ST(EXPORTED_DIRTY_BLOCKEDW) | \
				 ST(PENDING_EXPORTED_DIRTY) | ST(PENDING_EXPORTED_DIRTY_BLOCKEDW))
#define EXPORTED_STATES		(ST(EXPORTED_BLOCKEDW) | ST(PENDING_EXPORTED_BLOCKEDW) | \
				 DIRTY_STATES)
#define BLOCKW_OK		(ST(MAPPED) | ST(EXPORTED_DIRTY) | ST(PENDING) | \
				 ST(PENDING_EXPORTED_DIRTY))
#define UNBLOCKW_OK		(ST(BLOCKEDW) | ST(EXPORTED_BLOCKEDW) | \
				 ST(EXPORTED_DIRTY_BLOCKEDW) | ST(PENDING_BLOCKEDW) | \
				 ST(PENDING_EXPORTED_BLOCKEDW) | \
				 ST(PENDING_EXPORTED_DIRTY_BLOCKEDW))

static bool is_pending(enum tdx_sept_state s)
{
	return s >= TDX_SEPT_PENDING;
}

/* The plaintext of each state bundle, in this CPU's scratch pages. */
static unsigned int fill_immutable(struct emu_td *td, struct emu_vcpu *unused,
				   struct emu_crypto *c)
{
	struct emu_md_writer w;
	u64 v;

	/* Page 0: the SYS context, checked for compatibility on import. */
	emu_md_begin(&w, emu_crypto_scratch(c, 0));
	v = tdx_emu_info.major_version;
	emu_md_put(&w, TDX_MD_SYS_MAJOR_VERSION, &v, 1);
	v = tdx_emu_info.minor_version;
	emu_md_put(&w, TDX_MD_SYS_MINOR_VERSION, &v, 1);
	emu_md_put(&w, TDX_MD_SYS_TDX_FEATURES0, &tdx_emu_info.features0, 1);
	emu_md_end(&w);

	emu_md_begin(&w, emu_crypto_scratch(c, 1));
	emu_md_put(&w, TDX_MD_TD_ATTRIBUTES, &td->attributes, 1);
	emu_md_put(&w, EMU_MD_TD_XFAM, &td->xfam, 1);
	v = td->max_vcpus;
	emu_md_put(&w, EMU_MD_TD_MAX_VCPUS, &v, 1);
	v = td->num_vcpus;
	emu_md_put(&w, EMU_MD_TD_NUM_VCPUS, &v, 1);
	emu_md_put(&w, TDX_MD_TD_UUID, td->uuid, 4);
	v = td->export_count;
	emu_md_put(&w, TDX_MD_TD_EXPORT_COUNT, &v, 1);
	emu_md_end(&w);
	return 2;
}

static unsigned int fill_td(struct emu_td *td, struct emu_vcpu *unused, struct emu_crypto *c)
{
	struct emu_md_writer w;
	u64 table[16];
	int i;

	emu_md_begin(&w, emu_crypto_scratch(c, 0));
	for (i = 0; i < TDX_MAX_SERVTDS; i++) {
		const struct emu_servtd_binding *b = &td->servtd[i];

		memset(table, 0, sizeof(table));
		table[0] = b->state;
		table[0] |= (u64)b->type << 16;
		table[1] = b->attr;
		memcpy(&table[2], b->uuid, sizeof(b->uuid));
		memcpy(&table[6], b->info_hash, sizeof(b->info_hash));
		emu_md_put(&w, TDX_MD_TD_SERVTD_BINDINGS_TABLE + 16 * i, table, 16);
	}
	emu_md_end(&w);
	return 1;
}

/* A VP bundle spans 4 pages: what IMPORT.STATE.VP needs in 1.5.01 (§1.3). */
static unsigned int fill_vp(struct emu_td *td, struct emu_vcpu *vcpu, struct emu_crypto *c)
{
	struct emu_md_writer w;
	u64 v = vcpu->index;
	int i;

	emu_md_begin(&w, emu_crypto_scratch(c, 0));
	emu_md_put(&w, EMU_MD_VP_INDEX, &v, 1);
	emu_md_put(&w, EMU_MD_VP_GPRS, vcpu->regs.gpr, 16);
	emu_md_put(&w, EMU_MD_VP_RIP, &vcpu->regs.rip, 1);
	emu_md_put(&w, EMU_MD_VP_RFLAGS, &vcpu->regs.rflags, 1);
	emu_md_end(&w);
	for (i = 1; i < TDX_MIN_VP_STATE_IMPORT_PAGES; i++) {
		emu_md_begin(&w, emu_crypto_scratch(c, i));
		emu_md_end(&w);
	}
	return TDX_MIN_VP_STATE_IMPORT_PAGES;
}

struct state_export {
	u16 leaf;
	enum tdx_mb_type type;
	unsigned int min_pages;
	unsigned int (*fill)(struct emu_td *td, struct emu_vcpu *vcpu, struct emu_crypto *c);
};

static const struct state_export exp_immutable = {
	SEAMCALL_TDH_EXPORT_STATE_IMMUTABLE, TDX_MB_TYPE_IMMUTABLE_TD_STATE,
	TDX_MIN_IMMUTABLE_EXPORT_PAGES, fill_immutable,
};

static const struct state_export exp_td = {
	SEAMCALL_TDH_EXPORT_STATE_TD, TDX_MB_TYPE_MUTABLE_TD_STATE,
	TDX_MIN_TD_STATE_EXPORT_PAGES, fill_td,
};

static const struct state_export exp_vp = {
	SEAMCALL_TDH_EXPORT_STATE_VP, TDX_MB_TYPE_MUTABLE_VCPU_STATE,
	TDX_MIN_VP_STATE_EXPORT_PAGES, fill_vp,
};

/*
 * The completion of a state export: build the plaintext, encrypt it into
 * the host's pages in one GCM pass whose tag is the MBMD's MAC (§2.2), and
 * write the MBMD. Returns a TDX status; RDX is the pages written.
 */
static u64 state_export_finish(const struct state_export *x, struct emu_td *td,
			       struct emu_vcpu *vcpu, struct emu_migsc *migsc, u16 index,
			       struct tdx_mbmd *out, u64 list_hpa, struct tdx_mig_args *a)
{
	struct page *pages[EMU_MAX_STATE_PAGES];
	u8 aad[TDX_MBMD_AAD_LEN];
	struct tdx_migs_iv iv;
	struct emu_crypto *c;
	struct tdx_mbmd mbmd;
	unsigned int n, bad;
	int err;

	c = emu_crypto_get();
	n = x->fill(td, vcpu, c);
	bad = emu_page_list_pages(list_hpa, n, pages);
	if (bad) {
		for (bad = 0; bad < n; bad++)
			memzero_explicit(emu_crypto_scratch(c, bad), PAGE_SIZE);
		emu_crypto_put(c);
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID,
					       TDX_OPID_MIG_BUFF_LIST_ENTRY);
	}
	tdx_mbmd_init(&mbmd, x->type, td->mig_working_version, index, migsc->next_mb_counter,
		      td->mig_epoch, ++migsc->iv_counter);
	if (x->type == TDX_MB_TYPE_IMMUTABLE_TD_STATE) {
		mbmd.immutable.num_f_migs = cpu_to_le16(td->num_migs - 1);
		mbmd.immutable.sys_md_pages = cpu_to_le32(TDX_NUM_SYS_STATE_EXPORT_PAGES);
	} else if (x->type == TDX_MB_TYPE_MUTABLE_VCPU_STATE) {
		mbmd.vcpu = cpu_to_le64(vcpu->index);
	}
	tdx_mbmd_aad(&mbmd, aad);
	tdx_mbmd_iv(&iv, migsc->iv_counter, index);
	err = emu_gcm(c, (const u8 *)td->mig_enc_working_key, &iv, aad, sizeof(aad), NULL,
		      pages, n, mbmd.mac, true);
	/* The plaintext state does not outlive the call. */
	for (bad = 0; bad < n; bad++)
		memzero_explicit(emu_crypto_scratch(c, bad), PAGE_SIZE);
	emu_crypto_put(c);
	if (WARN_ON_ONCE(err))
		return TDX_STATUS_TD_FATAL;
	memcpy(out, &mbmd, sizeof(mbmd));
	migsc->next_mb_counter++;
	atomic64_inc(&td->total_mb_count);
	a->rdx = n;
	return TDX_STATUS_SUCCESS;
}

static u64 emu_export_immutable_new(struct emu_td *td, u64 rax);

/*
 * Does a RESUME repeat the interrupted call? The saved state is consumed
 * first, as the module does: one mismatch and the call cannot be resumed.
 */
static bool resume_matches(struct emu_migsc *migsc, u64 rax, u64 r9, struct emu_vcpu *vcpu)
{
	bool valid = migsc->intr.valid;

	migsc->intr.valid = false;
	if (!valid || migsc->intr.func != rax || migsc->intr.page_list_info != r9 ||
	    migsc->intr.tdvpr_pa != (vcpu ? vcpu->tdvpr_pa : 0))
		return false;
	migsc->intr.valid = true;
	return true;
}

/*
 * The NEW/RESUME protocol shared by the three state exports (§1.3): a new
 * call records what a resumption must repeat; a resumption must repeat it.
 */
static u64 state_export_run(const struct state_export *x, u64 rax, struct emu_td *td,
			    struct emu_vcpu *vcpu, struct tdx_mig_args *a)
{
	struct tdx_migs_index_and_cmd mc;
	struct tdx_page_list_info pl;
	struct emu_migsc *migsc;
	struct tdx_mbmd *mbmd;
	unsigned int link;
	u64 ret;

	if (!tdx_migs_index_and_cmd_decode(a->r10, &mc) ||
	    (x->type != TDX_MB_TYPE_MUTABLE_VCPU_STATE && mc.migs_index) ||
	    !tdx_migsc_forward_index_valid(mc.migs_index, td->num_migs))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R10);
	mbmd = emu_mbmd_operand(a->r8);
	if (!mbmd)
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R8);
	if (!tdx_page_list_info_decode(a->r9, &pl) || !emu_shared_page_ok(pl.hpa, PAGE_SIZE) ||
	    pl.last_entry + 1 < x->min_pages)
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R9);
	link = tdx_migsc_link_of_forward(mc.migs_index);
	ret = emu_migsc_lock(td, link, &migsc);
	if (ret)
		return ret;

	if (mc.cmd == TDX_MIGS_CMD_NEW) {
		if (x->type == TDX_MB_TYPE_IMMUTABLE_TD_STATE) {
			ret = emu_export_immutable_new(td, rax);
			if (ret)
				goto unlock;
		}
		if (!emu_migsc_initialized(td, link))
			emu_migsc_init(td, link, migsc);
		migsc->intr.valid = true;
		migsc->intr.func = rax;
		migsc->intr.page_list_info = a->r9;
		migsc->intr.tdvpr_pa = vcpu ? vcpu->tdvpr_pa : 0;
		migsc->intr.num_processed = 0;
	} else if (!emu_migsc_initialized(td, link)) {
		ret = TDX_STATUS_MIGRATION_STREAM_STATE_INCORRECT;
		goto unlock;
	} else if (!resume_matches(migsc, rax, a->r9, vcpu)) {
		ret = TDX_STATUS_INVALID_RESUMPTION;
		goto unlock;
	}

	/* The model's bundles span fewer pages than any valid list holds. */
	if (!emu_state_pages_step(migsc, x->fill == fill_vp ? TDX_MIN_VP_STATE_IMPORT_PAGES :
				  x->fill == fill_immutable ? 2 : 1)) {
		a->rdx = migsc->intr.num_processed;
		ret = TDX_STATUS_INTERRUPTED_RESUMABLE;
		goto unlock;
	}
	migsc->intr.valid = false;
	ret = state_export_finish(x, td, vcpu, migsc, mc.migs_index, mbmd, pl.hpa, a);
unlock:
	emu_migsc_unlock(td, link);
	return ret;
}

/*
 * NEW EXPORT.STATE.IMMUTABLE (§3.2, §10.2): the checks, then the side
 * effects that survive a failure later in the call, then MAX_EXPORTS.
 */
static u64 emu_export_immutable_new(struct emu_td *td, u64 rax)
{
	if (!(td->attributes & TDX_TD_ATTR_MIGRATABLE))
		return TDX_STATUS_TD_NOT_MIGRATABLE;
	if (atomic64_read(&td->mig_count))
		return TDX_STATUS_PREVIOUS_EXPORT_CLEANUP_INCOMPLETE;
	if (!td->mig_dec_key_set)
		return TDX_STATUS_MIGRATION_DECRYPTION_KEY_NOT_SET;
	emu_mig_new_session_keys(td);
	if (td->export_count >= TDX_MAX_EXPORT_COUNT)
		return TDX_STATUS_MAX_EXPORTS_EXCEEDED;
	td->export_count++;
	td->mig_epoch = 0;
	atomic64_set(&td->total_mb_count, 0);
	atomic64_set(&td->dirty_count, 0);
	return TDX_STATUS_SUCCESS;
}

/* TDH.EXPORT.STATE.IMMUTABLE: RCX = TDR, R8 = MBMD, R9 = page list, R10. */
u64 emu_export_state_immutable(struct tdx_mig_args *a)
{
	struct emu_td *td;
	u64 ret;

	ret = emu_leaf_begin(exp_immutable.leaf, a->rcx, TDX_OPID_RCX, &td);
	if (ret)
		return ret;
	if (td->num_migs < TDX_MIN_MIGS)
		ret = TDX_STATUS_MIN_MIGS_NOT_CREATED;
	else
		ret = state_export_run(&exp_immutable, exp_immutable.leaf, td, NULL, a);
	if (ret == TDX_STATUS_SUCCESS)
		td->op_state = TDX_OP_STATE_LIVE_EXPORT;
	emu_leaf_end(exp_immutable.leaf, td);
	return ret;
}

/* TDH.EXPORT.STATE.TD: RCX = TDR, R8 = MBMD, R9 = page list, R10 (index 0). */
u64 emu_export_state_td(struct tdx_mig_args *a)
{
	struct emu_td *td;
	u64 ret;

	ret = emu_leaf_begin(exp_td.leaf, a->rcx, TDX_OPID_RCX, &td);
	if (ret)
		return ret;
	ret = state_export_run(&exp_td, exp_td.leaf, td, NULL, a);
	emu_leaf_end(exp_td.leaf, td);
	return ret;
}

/* TDH.EXPORT.STATE.VP: RCX = TDVPR, R8 = MBMD, R9 = page list, R10. */
u64 emu_export_state_vp(struct tdx_mig_args *a)
{
	struct emu_vcpu *vcpu;
	struct emu_td *td;
	u64 ret;

	ret = emu_vcpu_lock(a->rcx, TDX_OPID_RCX, &vcpu);
	if (ret)
		return ret;
	ret = emu_leaf_begin(exp_vp.leaf, vcpu->td->tdr_pa, TDX_OPID_TDR, &td);
	if (ret)
		goto unlock_vcpu;
	if (vcpu->state != EMU_VCPU_READY)
		ret = TDX_STATUS_VCPU_STATE_INCORRECT;
	else if (vcpu->exported_in == td->export_count)
		ret = TDX_STATUS_VCPU_ALREADY_EXPORTED;
	else
		ret = state_export_run(&exp_vp, exp_vp.leaf, td, vcpu, a);
	if (ret == TDX_STATUS_SUCCESS)
		vcpu->exported_in = td->export_count;
	emu_leaf_end(exp_vp.leaf, td);
unlock_vcpu:
	emu_vcpu_unlock(vcpu);
	return ret;
}

/* A private GPA within GPAW: anything else makes the entry invalid (§2.3). */
static bool gpa_ok(u64 gpa)
{
	return !(gpa >> EMU_GPAW) && !(gpa & EMU_SHARED_GPA_BIT);
}

/* An invalid entry ends the call with status GPA_LIST_ENTRY_INVALID. */
static u64 invalid_entry(u64 raw)
{
	return (raw & ~(TDX_GPA_ENTRY_STATUS_MASK | TDX_GPA_ENTRY_OPERATION_MASK)) |
	       FIELD_PREP(TDX_GPA_ENTRY_STATUS_MASK, TDX_GPA_STATUS_GPA_LIST_ENTRY_INVALID);
}

/*
 * Walk the GPA list of BLOCKW and RESTORE (no MIGSC: the host calls again
 * with the returned RCX after an interrupt). Entries whose operation bit 52
 * is clear are skipped (§10.2). Returns the TDX status with the failed
 * count, and RCX updated.
 */
static u64 gpa_list_walk(struct emu_td *td, struct tdx_mig_args *a,
			 u64 (*one)(struct emu_td *td, u64 *entry, u64 gpa))
{
	struct tdx_gpa_list_info gl;
	unsigned int k, done_now = 0;
	u32 failed = 0;
	u64 *list;

	if (!tdx_gpa_list_info_decode(a->rcx, &gl) || !emu_shared_page_ok(gl.hpa, PAGE_SIZE))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RCX);
	list = emu_shared_va(gl.hpa);
	for (k = gl.first_entry; k <= gl.last_entry; k++) {
		struct tdx_gpa_entry e;
		u64 raw = READ_ONCE(list[k]), status;

		if (done_now && emu_intr_pending()) {
			a->rcx = tdx_gpa_list_info_encode(gl.hpa, k, gl.last_entry);
			return TDX_STATUS_INTERRUPTED_RESUMABLE;
		}
		done_now++;
		if (!tdx_gpa_entry_decode(raw, &e) ||
		    ((e.operation & TDX_GPA_OP_MIGRATE) && !gpa_ok(e.gpa))) {
			list[k] = invalid_entry(raw);
			a->rcx = tdx_gpa_list_info_encode(gl.hpa, k, gl.last_entry);
			return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID,
						       TDX_OPID_GPA_LIST_ENTRY);
		}
		if (!(e.operation & TDX_GPA_OP_MIGRATE)) {
			/* NOP and CANCEL are skipped, and written back as such. */
			e.operation = TDX_GPA_OP_NOP;
			e.status = TDX_GPA_STATUS_SKIPPED;
			list[k] = tdx_gpa_entry_encode(&e);
			continue;
		}
		status = one(td, &e.gpa, e.gpa);
		e.status = status;
		if (status != TDX_GPA_STATUS_SUCCESS) {
			e.operation = TDX_GPA_OP_NOP;
			failed++;
		}
		list[k] = tdx_gpa_entry_encode(&e);
	}
	/* After entry 511 first_entry wraps to 0 (§1.2). */
	a->rcx = tdx_gpa_list_info_encode(gl.hpa, (gl.last_entry + 1) % TDX_GPA_LIST_ENTRIES,
					  gl.last_entry);
	return TDX_STATUS_SUCCESS + failed;
}

/* Lock the 4 KiB leaf of @gpa; a GPA-entry status on failure. */
static u64 *leaf_lock(struct emu_td *td, u64 gpa, u64 *old, u64 *status)
{
	int failed;
	u64 *entry;

	entry = emu_sept_walk(td, gpa, 0, &failed);
	if (!entry) {
		*status = TDX_GPA_STATUS_SEPT_WALK_FAILED;
		return NULL;
	}
	if (emu_sept_lock_entry(entry, old)) {
		*status = TDX_GPA_STATUS_SEPT_ENTRY_BUSY_HOST_PRIORITY;
		return NULL;
	}
	return entry;
}

/* BLOCKW of one page: clear W; BW_EPOCH = TD_EPOCH (§3.4, §10.2). */
static u64 blockw_one(struct emu_td *td, u64 *unused, u64 gpa)
{
	static const u8 to[TDX_NUM_SEPT_STATES] = {
		[TDX_SEPT_MAPPED] = TDX_SEPT_BLOCKEDW,
		[TDX_SEPT_EXPORTED_DIRTY] = TDX_SEPT_EXPORTED_DIRTY_BLOCKEDW,
		[TDX_SEPT_PENDING] = TDX_SEPT_PENDING_BLOCKEDW,
		[TDX_SEPT_PENDING_EXPORTED_DIRTY] = TDX_SEPT_PENDING_EXPORTED_DIRTY_BLOCKEDW,
	};
	enum tdx_sept_state s;
	u64 *entry, old, status;

	entry = leaf_lock(td, gpa, &old, &status);
	if (!entry)
		return status;
	s = emu_sept_state(old);
	if (!(BLOCKW_OK & BIT(s))) {
		emu_sept_unlock_entry(entry, old);
		return TDX_GPA_STATUS_SEPT_ENTRY_STATE_INCORRECT;
	}
	raw_spin_lock(&td->epoch_lock);
	td->bw_epoch = td->td_epoch;
	raw_spin_unlock(&td->epoch_lock);
	emu_sept_unlock_entry(entry, emu_sept_set_state(old, to[s]));
	return TDX_GPA_STATUS_SUCCESS;
}

/* TDH.EXPORT.BLOCKW: RCX = GPA_LIST_INFO, RDX = TDR. */
u64 emu_export_blockw(struct tdx_mig_args *a)
{
	struct emu_td *td;
	u64 ret;

	ret = emu_leaf_begin(SEAMCALL_TDH_EXPORT_BLOCKW, a->rdx, TDX_OPID_RDX, &td);
	if (ret)
		return ret;
	ret = gpa_list_walk(td, a, blockw_one);
	emu_leaf_end(SEAMCALL_TDH_EXPORT_BLOCKW, td);
	return ret;
}

/* RESTORE of one page after an abort: back to MAPPED or PENDING (§3.4). */
static u64 restore_one(struct emu_td *td, u64 *unused, u64 gpa)
{
	enum tdx_sept_state s;
	u64 *entry, old, status;

	entry = leaf_lock(td, gpa, &old, &status);
	if (!entry)
		return status;
	s = emu_sept_state(old);
	if (!emu_sept_leaf_allowed(SEAMCALL_TDH_EXPORT_RESTORE, s)) {
		emu_sept_unlock_entry(entry, old);
		return TDX_GPA_STATUS_SEPT_ENTRY_STATE_INCORRECT;
	}
	/* DIRTY_COUNT is left for the next NEW IMMUTABLE to reset (§10.2). */
	atomic64_dec(&td->mig_count);
	emu_sept_unlock_entry(entry, emu_sept_set_state(old, is_pending(s) ? TDX_SEPT_PENDING :
								   TDX_SEPT_MAPPED));
	return TDX_GPA_STATUS_SUCCESS;
}

/* TDH.EXPORT.RESTORE: RCX = GPA_LIST_INFO, RDX = TDR. */
u64 emu_export_restore(struct tdx_mig_args *a)
{
	struct emu_td *td;
	u64 ret;

	ret = emu_leaf_begin(SEAMCALL_TDH_EXPORT_RESTORE, a->rdx, TDX_OPID_RDX, &td);
	if (ret)
		return ret;
	ret = gpa_list_walk(td, a, restore_one);
	emu_leaf_end(SEAMCALL_TDH_EXPORT_RESTORE, td);
	return ret;
}

/* TDH.EXPORT.UNBLOCKW: RCX = PAGE_INFO, RDX = TDR; the host's write fault. */
u64 emu_export_unblockw(struct tdx_mig_args *a)
{
	static const u8 to[TDX_NUM_SEPT_STATES] = {
		[TDX_SEPT_BLOCKEDW] = TDX_SEPT_MAPPED,
		[TDX_SEPT_EXPORTED_BLOCKEDW] = TDX_SEPT_EXPORTED_DIRTY,
		[TDX_SEPT_EXPORTED_DIRTY_BLOCKEDW] = TDX_SEPT_EXPORTED_DIRTY,
		[TDX_SEPT_PENDING_BLOCKEDW] = TDX_SEPT_PENDING,
		[TDX_SEPT_PENDING_EXPORTED_BLOCKEDW] = TDX_SEPT_PENDING_EXPORTED_DIRTY,
		[TDX_SEPT_PENDING_EXPORTED_DIRTY_BLOCKEDW] = TDX_SEPT_PENDING_EXPORTED_DIRTY,
	};
	enum tdx_sept_state s;
	struct emu_td *td;
	u64 gpa, ret, old;
	u64 *entry;

	ret = emu_leaf_begin(SEAMCALL_TDH_EXPORT_UNBLOCKW, a->rdx, TDX_OPID_RDX, &td);
	if (ret)
		return ret;
	if (!tdx_page_info_decode(a->rcx, &gpa) || (gpa >> EMU_GPAW) ||
	    (gpa & EMU_SHARED_GPA_BIT)) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RCX);
		goto out;
	}
	ret = emu_sept_walk_lock(a, td, gpa, 0, &entry, &old);
	if (ret)
		goto out;
	s = emu_sept_state(old);
	if (!(UNBLOCKW_OK & BIT(s))) {
		emu_sept_unlock_entry(entry, old);
		ret = emu_sept_error(a, TDX_STATUS_EPT_ENTRY_STATE_INCORRECT, old, 0);
		goto out;
	}
	/* A write to an exported clean page makes it dirty (§3.4). */
	if (s == TDX_SEPT_EXPORTED_BLOCKEDW || s == TDX_SEPT_PENDING_EXPORTED_BLOCKEDW)
		atomic64_inc(&td->dirty_count);
	emu_sept_unlock_entry(entry, emu_sept_set_state(old, to[s]));
out:
	emu_leaf_end(SEAMCALL_TDH_EXPORT_UNBLOCKW, td);
	return ret;
}

/* TDH.EXPORT.PAUSE: RCX = TDR, locked exclusively so no vCPU runs. */
u64 emu_export_pause(struct tdx_mig_args *a)
{
	struct emu_td *td;
	u64 ret;

	ret = emu_leaf_begin(SEAMCALL_TDH_EXPORT_PAUSE, a->rcx, TDX_OPID_RCX, &td);
	if (ret)
		return ret;
	td->op_state = TDX_OP_STATE_PAUSED_EXPORT;
	raw_spin_lock(&td->epoch_lock);
	td->td_epoch++;
	raw_spin_unlock(&td->epoch_lock);
	emu_leaf_end(SEAMCALL_TDH_EXPORT_PAUSE, td);
	return TDX_STATUS_SUCCESS;
}

/*
 * TDH.EXPORT.TRACK: RCX = TDR, R8 = MBMD for the token, R10 = index 0 with
 * bit 63 = 0 (next epoch) or 1 (in-order done: the start token).
 */
u64 emu_export_track(struct tdx_mig_args *a)
{
	struct tdx_migs_index_and_cmd mc;
	struct emu_migsc *migsc;
	struct tdx_mbmd *out, mbmd;
	struct emu_td *td;
	u32 epoch;
	u64 ret;

	ret = emu_leaf_begin(SEAMCALL_TDH_EXPORT_TRACK, a->rcx, TDX_OPID_RCX, &td);
	if (ret)
		return ret;
	if (!tdx_migs_index_and_cmd_decode(a->r10, &mc) || mc.migs_index) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R10);
		goto out;
	}
	out = emu_mbmd_operand(a->r8);
	if (!out) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R8);
		goto out;
	}
	if (mc.cmd == TDX_MIGS_CMD_IN_ORDER_DONE) {
		if (td->op_state != TDX_OP_STATE_PAUSED_EXPORT)
			ret = TDX_STATUS_OP_STATE_INCORRECT;
		else if (atomic64_read(&td->dirty_count))
			ret = TDX_STATUS_EXPORTED_DIRTY_PAGES_REMAIN;
		epoch = TDX_MIG_EPOCH_OUT_OF_ORDER;
	} else {
		if (!tdx_epoch_can_advance(td->mig_epoch))
			ret = TDX_STATUS_MIGRATION_EPOCH_OVERFLOW;
		epoch = td->mig_epoch + 1;
	}
	if (ret)
		goto out;
	ret = emu_migsc_lock(td, tdx_migsc_link_of_forward(0), &migsc);
	if (ret)
		goto out;
	/* The token goes on stream 0 and ends any interrupted call there. */
	migsc->intr.valid = false;
	tdx_mbmd_init(&mbmd, TDX_MB_TYPE_EPOCH_TOKEN, td->mig_version, 0, 0, epoch,
		      ++migsc->iv_counter);
	mbmd.total_mb = cpu_to_le64(atomic64_inc_return(&td->total_mb_count));
	emu_mbmd_sign(&mbmd, td->mig_enc_working_key);
	memcpy(out, &mbmd, sizeof(mbmd));
	migsc->next_mb_counter = 1;
	td->mig_epoch = epoch;
	if (mc.cmd == TDX_MIGS_CMD_IN_ORDER_DONE)
		td->op_state = TDX_OP_STATE_POST_EXPORT;
	emu_migsc_unlock(td, tdx_migsc_link_of_forward(0));
out:
	emu_leaf_end(SEAMCALL_TDH_EXPORT_TRACK, td);
	return ret;
}

/*
 * TDH.EXPORT.ABORT: RCX = TDR, R8 = the destination's abort token (POST_
 * EXPORT only, else 0), R10 = 0. Back to RUNNABLE; every stream starts
 * over; pages stay exported until EXPORT.RESTORE.
 */
u64 emu_export_abort(struct tdx_mig_args *a)
{
	struct tdx_mbmd *token, *in, copy;
	struct emu_migsc *migsc;
	struct emu_td *td;
	u64 ret;

	ret = emu_leaf_begin(SEAMCALL_TDH_EXPORT_ABORT, a->rcx, TDX_OPID_RCX, &td);
	if (ret)
		return ret;
	if (a->r10) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R10);
		goto out;
	}
	if (td->op_state != TDX_OP_STATE_POST_EXPORT) {
		if (a->r8)
			ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R8);
		goto done;
	}
	/* §2.1: the abort token is checked with MIG_DEC_WORKING_KEY. */
	in = emu_mbmd_operand(a->r8);
	if (!in) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R8);
		goto out;
	}
	/* Checked and authenticated as one copy: the host cannot change it meanwhile. */
	memcpy(&copy, in, sizeof(copy));
	token = &copy;
	if (le16_to_cpu(token->hdr.size) != sizeof(*token) ||
	    le16_to_cpu(token->hdr.mig_version) != td->mig_working_version ||
	    token->hdr.mb_type != TDX_MB_TYPE_ABORT_TOKEN || token->hdr.reserved ||
	    token->abort_reserved || token->hdr.migs_index) {
		ret = TDX_STATUS_INVALID_MBMD;
		goto out;
	}
	if (!emu_mbmd_verify(token, td->mig_dec_working_key)) {
		ret = TDX_STATUS_INCORRECT_MBMD_MAC;
		goto out;
	}
	ret = emu_migsc_lock(td, TDX_MIGSC_BACKWARD_LINK, &migsc);
	if (ret)
		goto out;
	migsc->intr.valid = false;
	emu_migsc_unlock(td, TDX_MIGSC_BACKWARD_LINK);
done:
	if (!ret) {
		emu_migsc_uninit_all(td);
		td->op_state = TDX_OP_STATE_RUNNABLE;
	}
out:
	emu_leaf_end(SEAMCALL_TDH_EXPORT_ABORT, td);
	return ret;
}

/* One EXPORT.MEM call: the stream, the lists, what the call has done. */
struct mem_export {
	struct emu_td *td;
	struct emu_migsc *migsc;
	u16 index;
	u64 *gpa_list;
	u64 *buf_list;
	u8 *mac_list[2];
	u64 iv_base;
	u32 failed;
	unsigned int buffers;
};

/* The MAC of entry @k: over its 8 bytes, and its page if @buf (§2.2). */
static int entry_mac(struct mem_export *x, unsigned int k, u64 entry, struct page *buf)
{
	struct tdx_migs_iv iv;
	struct emu_crypto *c;
	__le64 aad = cpu_to_le64(entry);
	int ret;

	tdx_mbmd_iv(&iv, x->iv_base + 1 + k, x->index);
	c = emu_crypto_get();
	ret = emu_gcm(c, (const u8 *)x->td->mig_enc_working_key, &iv, &aad, sizeof(aad), NULL,
		      buf ? &buf : NULL, buf ? 1 : 0,
		      x->mac_list[tdx_mac_list_of(k)] + tdx_mac_list_index(k) * TDX_MAC_LEN,
		      true);
	emu_crypto_put(c);
	return ret;
}

/* Encrypt a private page into the migration buffer @buf. */
static int export_page(struct mem_export *x, unsigned int k, u64 entry, u64 sept, u64 buf)
{
	struct page *bp = pfn_to_page(PHYS_PFN(buf & ~EMU_HKID_MASK));
	struct tdx_migs_iv iv;
	struct emu_crypto *c;
	__le64 aad = cpu_to_le64(entry);
	int ret;

	tdx_mbmd_iv(&iv, x->iv_base + 1 + k, x->index);
	c = emu_crypto_get();
	emu_private_copy(x->td, sept, 0, emu_crypto_scratch(c, 0), PAGE_SIZE, false);
	ret = emu_gcm(c, (const u8 *)x->td->mig_enc_working_key, &iv, &aad, sizeof(aad), NULL,
		      &bp, 1,
		      x->mac_list[tdx_mac_list_of(k)] + tdx_mac_list_index(k) * TDX_MAC_LEN,
		      true);
	memzero_explicit(emu_crypto_scratch(c, 0), PAGE_SIZE);
	emu_crypto_put(c);
	return ret;
}

/*
 * The SEPT side of exporting one page (§3.4, §10.1 items 9 and 10):
 * returns a GPA-entry status, and on success the new state and whether
 * this was a first export.
 */
static u64 export_state_check(struct emu_td *td, enum tdx_sept_state s, bool *first)
{
	bool in_order = td->op_state != TDX_OP_STATE_POST_EXPORT;
	u16 allowed = td->op_state == TDX_OP_STATE_LIVE_EXPORT ? LIVE_EXPORT_OK : PAUSED_EXPORT_OK;

	if (!(allowed & BIT(s)))
		return TDX_GPA_STATUS_SEPT_ENTRY_STATE_INCORRECT;
	*first = FIRST_EXPORT_OK & BIT(s);
	/* In order a page goes again only when dirty (§10.1 item 10). */
	if (in_order && !*first && !(DIRTY_STATES & BIT(s)))
		return TDX_GPA_STATUS_SEPT_ENTRY_STATE_INCORRECT;
	if (td->op_state == TDX_OP_STATE_LIVE_EXPORT) {
		bool tracked;

		raw_spin_lock(&td->epoch_lock);
		tracked = tdx_epoch_tlb_tracked(td->td_epoch, td->bw_epoch,
						td->epoch_refcount[td->bw_epoch & 1]);
		raw_spin_unlock(&td->epoch_lock);
		if (!tracked)
			return TDX_GPA_STATUS_TLB_TRACKING_NOT_DONE;
	}
	return TDX_GPA_STATUS_SUCCESS;
}

/*
 * One GPA entry of EXPORT.MEM. Returns 0, or a TDX status that ends the
 * call (an invalid entry or migration-buffer entry).
 */
static u64 export_entry(struct mem_export *x, unsigned int k)
{
	static const u8 migrated[TDX_NUM_SEPT_STATES] = {
		[TDX_SEPT_MAPPED] = TDX_SEPT_EXPORTED_BLOCKEDW,
		[TDX_SEPT_BLOCKEDW] = TDX_SEPT_EXPORTED_BLOCKEDW,
		[TDX_SEPT_EXPORTED_BLOCKEDW] = TDX_SEPT_EXPORTED_BLOCKEDW,
		[TDX_SEPT_EXPORTED_DIRTY] = TDX_SEPT_EXPORTED_BLOCKEDW,
		[TDX_SEPT_EXPORTED_DIRTY_BLOCKEDW] = TDX_SEPT_EXPORTED_BLOCKEDW,
		[TDX_SEPT_PENDING] = TDX_SEPT_PENDING_EXPORTED_BLOCKEDW,
		[TDX_SEPT_PENDING_BLOCKEDW] = TDX_SEPT_PENDING_EXPORTED_BLOCKEDW,
		[TDX_SEPT_PENDING_EXPORTED_BLOCKEDW] = TDX_SEPT_PENDING_EXPORTED_BLOCKEDW,
		[TDX_SEPT_PENDING_EXPORTED_DIRTY] = TDX_SEPT_PENDING_EXPORTED_BLOCKEDW,
		[TDX_SEPT_PENDING_EXPORTED_DIRTY_BLOCKEDW] = TDX_SEPT_PENDING_EXPORTED_BLOCKEDW,
	};
	struct emu_td *td = x->td;
	u64 raw = READ_ONCE(x->gpa_list[k]), *sept = NULL, old = 0, status, buf = 0;
	u64 buf_raw = READ_ONCE(x->buf_list[k]);
	bool first = false, invalid_buf, pend = false;
	enum tdx_sept_state s = TDX_SEPT_FREE;
	struct tdx_gpa_entry e;

	if (!tdx_gpa_entry_decode(raw, &e) || (e.operation != TDX_GPA_OP_NOP && !gpa_ok(e.gpa))) {
		x->gpa_list[k] = invalid_entry(raw);
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_GPA_LIST_ENTRY);
	}
	if (e.operation == TDX_GPA_OP_NOP) {
		status = TDX_GPA_STATUS_SKIPPED;
		goto no_page;
	}
	sept = leaf_lock(td, e.gpa, &old, &status);
	if (!sept)
		goto failed;
	s = emu_sept_state(old);
	pend = is_pending(s);
	if (e.operation == TDX_GPA_OP_CANCEL) {
		if (td->op_state == TDX_OP_STATE_POST_EXPORT) {
			status = TDX_GPA_STATUS_OP_STATE_INCORRECT;
			goto failed;
		}
		if (!(EXPORTED_STATES & BIT(s))) {
			status = TDX_GPA_STATUS_SEPT_ENTRY_STATE_INCORRECT;
			goto failed;
		}
		atomic64_dec(&td->mig_count);
		if (DIRTY_STATES & BIT(s))
			atomic64_dec(&td->dirty_count);
		old = emu_sept_set_state(old, pend ? TDX_SEPT_PENDING : TDX_SEPT_MAPPED);
		e.pending = pend;
		e.l2_map = 0;
		/* On success the host's status stays, part of the AAD (§10.2). */
		status = e.status;
		goto no_page;
	}
	status = export_state_check(td, s, &first);
	if (status)
		goto failed;
	e.pending = pend;
	e.l2_map = 0;
	if (!pend) {
		if (!tdx_page_list_entry_decode(buf_raw, &buf, &invalid_buf) ||
		    (!invalid_buf && !emu_shared_page_ok(buf, PAGE_SIZE))) {
			emu_sept_unlock_entry(sept, old);
			return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID,
						       TDX_OPID_MIG_BUFF_LIST_ENTRY);
		}
		if (invalid_buf) {
			status = TDX_GPA_STATUS_MIG_BUFFER_NOT_AVAILABLE;
			goto failed;
		}
	}
	/* The entry as written back is the AAD; status stays the host's. */
	e.pending = pend;
	e.l2_map = 0;
	e.operation = first ? TDX_GPA_OP_MIGRATE : TDX_GPA_OP_REMIGRATE;
	if (td->op_state == TDX_OP_STATE_POST_EXPORT)
		e.operation = TDX_GPA_OP_MIGRATE;
	raw = tdx_gpa_entry_encode(&e);
	if (first)
		atomic64_inc(&td->mig_count);
	else if (DIRTY_STATES & BIT(s))
		atomic64_dec(&td->dirty_count);
	if (!pend) {
		WARN_ON_ONCE(export_page(x, k, raw, old, buf));
		x->buffers++;
	} else {
		WARN_ON_ONCE(entry_mac(x, k, raw, NULL));
		x->buf_list[k] = buf_raw | TDX_PAGE_LIST_ENTRY_INVALID_BIT;
	}
	x->gpa_list[k] = raw;
	emu_sept_unlock_entry(sept, emu_sept_set_state(old, migrated[s]));
	return 0;

failed:
	/* Errors rewrite the operation to NOP (§2.3). */
	e.operation = TDX_GPA_OP_NOP;
	x->failed++;
no_page:
	e.status = status;
	raw = tdx_gpa_entry_encode(&e);
	x->gpa_list[k] = raw;
	x->buf_list[k] = buf_raw | TDX_PAGE_LIST_ENTRY_INVALID_BIT;
	WARN_ON_ONCE(entry_mac(x, k, raw, NULL));
	if (sept)
		emu_sept_unlock_entry(sept, old);
	return 0;
}

/* The MAC lists a GPA range needs (§2.3): shared, 4 KiB aligned. */
static bool mac_lists_ok(const struct tdx_gpa_list_info *gl, u64 r11, u64 r12)
{
	if (gl->first_entry < TDX_MAC_LIST_ENTRIES && !emu_shared_page_ok(r11, PAGE_SIZE))
		return false;
	return gl->last_entry < TDX_MAC_LIST_ENTRIES || emu_shared_page_ok(r12, PAGE_SIZE);
}

/* NEW or RESUME of EXPORT.MEM: checks, the stream, the MBMD (§1.3, §10.2). */
static u64 export_mem_begin(struct mem_export *x, u64 rax, const struct tdx_gpa_list_info *gl,
			    bool resume, unsigned int link, struct tdx_mig_args *a)
{
	struct emu_migsc *migsc = x->migsc;
	struct emu_td *td = x->td;
	struct tdx_mbmd *out;

	if (resume) {
		bool valid = migsc->intr.valid;

		if (!emu_migsc_initialized(td, link))
			return TDX_STATUS_MIGRATION_STREAM_STATE_INCORRECT;
		if (!emu_mbmd_operand(a->r8))
			return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R8);
		/* Consumed first: one mismatch and the call is lost (§1.3). */
		migsc->intr.valid = false;
		if (!valid || migsc->intr.func != rax ||
		    migsc->intr.gpa_list_info != a->rcx || migsc->intr.mig_buff_list_pa != a->r9 ||
		    migsc->intr.mac_list_pa[0] != a->r11 || migsc->intr.mac_list_pa[1] != a->r12 ||
		    migsc->intr.mig_epoch != td->mig_epoch)
			return TDX_STATUS_INVALID_RESUMPTION;
		migsc->intr.valid = true;
		return TDX_STATUS_SUCCESS;
	}
	if (gl->first_entry)
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RCX);
	out = emu_mbmd_operand(a->r8);
	if (!out)
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R8);
	if (!emu_migsc_initialized(td, link))
		emu_migsc_init(td, link, migsc);
	/* §10.2: the MBMD is written by the NEW call, before any entry. */
	tdx_mbmd_init(&migsc->mbmd, TDX_MB_TYPE_MEM, td->mig_working_version, x->index,
		      migsc->next_mb_counter, td->mig_epoch, ++migsc->iv_counter);
	migsc->mbmd.mem = cpu_to_le64(gl->last_entry + 1);
	emu_mbmd_sign(&migsc->mbmd, td->mig_enc_working_key);
	memcpy(out, &migsc->mbmd, sizeof(migsc->mbmd));
	/* The per-entry IV counters c + 1 + k are taken now (§2.2). */
	migsc->iv_counter += gl->last_entry + 1;
	migsc->intr.valid = true;
	migsc->intr.func = rax;
	migsc->intr.mig_buff_list_pa = a->r9;
	migsc->intr.mac_list_pa[0] = a->r11;
	migsc->intr.mac_list_pa[1] = a->r12;
	migsc->intr.mig_epoch = td->mig_epoch;
	migsc->intr.num_processed = 1;
	return TDX_STATUS_SUCCESS;
}

/*
 * TDH.EXPORT.MEM: RCX = GPA_LIST_INFO, RDX = TDR, R8 = MBMD, R9 = buffer
 * list, R10 = MIGS_INDEX_AND_CMD, R11/R12 = MAC lists. Out: RCX updated,
 * RDX = pages written on completion, RAX = SUCCESS + failed entries.
 */
u64 emu_export_mem(struct tdx_mig_args *a)
{
	struct tdx_migs_index_and_cmd mc;
	struct tdx_gpa_list_info gl;
	struct mem_export x = {};
	unsigned int link, k, done_now = 0;
	u64 ret;

	ret = emu_leaf_begin(SEAMCALL_TDH_EXPORT_MEM, a->rdx, TDX_OPID_RDX, &x.td);
	if (ret)
		return ret;
	if (!tdx_migs_index_and_cmd_decode(a->r10, &mc) ||
	    !tdx_migsc_forward_index_valid(mc.migs_index, x.td->num_migs)) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R10);
		goto out;
	}
	if (!tdx_gpa_list_info_decode(a->rcx, &gl) || !emu_shared_page_ok(gl.hpa, PAGE_SIZE)) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RCX);
		goto out;
	}
	if (!emu_shared_page_ok(a->r9, PAGE_SIZE)) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R9);
		goto out;
	}
	if (!mac_lists_ok(&gl, a->r11, a->r12)) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID,
					      gl.first_entry < TDX_MAC_LIST_ENTRIES &&
					      !emu_shared_page_ok(a->r11, PAGE_SIZE) ?
					      TDX_OPID_R11 : TDX_OPID_R12);
		goto out;
	}
	link = tdx_migsc_link_of_forward(mc.migs_index);
	ret = emu_migsc_lock(x.td, link, &x.migsc);
	if (ret)
		goto out;
	x.index = mc.migs_index;
	ret = export_mem_begin(&x, SEAMCALL_TDH_EXPORT_MEM, &gl, mc.cmd, link, a);
	if (ret)
		goto unlock;
	x.iv_base = le64_to_cpu(x.migsc->mbmd.hdr.iv_counter);
	x.gpa_list = emu_shared_va(gl.hpa);
	x.buf_list = emu_shared_va(a->r9);
	x.mac_list[0] = gl.first_entry < TDX_MAC_LIST_ENTRIES ? emu_shared_va(a->r11) : NULL;
	x.mac_list[1] = gl.last_entry >= TDX_MAC_LIST_ENTRIES ? emu_shared_va(a->r12) : NULL;

	for (k = gl.first_entry; k <= gl.last_entry; k++) {
		if (done_now && emu_intr_pending()) {
			a->rcx = tdx_gpa_list_info_encode(gl.hpa, k, gl.last_entry);
			x.migsc->intr.gpa_list_info = a->rcx;
			x.migsc->intr.num_processed += x.buffers;
			ret = TDX_STATUS_INTERRUPTED_RESUMABLE;
			goto unlock;
		}
		done_now++;
		ret = export_entry(&x, k);
		if (ret) {
			a->rcx = tdx_gpa_list_info_encode(gl.hpa, k, gl.last_entry);
			x.migsc->intr.valid = false;
			goto unlock;
		}
	}
	a->rcx = tdx_gpa_list_info_encode(gl.hpa, (gl.last_entry + 1) % TDX_GPA_LIST_ENTRIES,
					  gl.last_entry);
	x.migsc->intr.valid = false;
	x.migsc->next_mb_counter++;
	atomic64_inc(&x.td->total_mb_count);
	/* 1 (the MBMD) + MAC-list pages + page buffers of the whole call (§1.3). */
	a->rdx = x.migsc->intr.num_processed + x.buffers + 1 +
		 (gl.last_entry >= TDX_MAC_LIST_ENTRIES);
	ret = TDX_STATUS_SUCCESS + x.failed;
unlock:
	emu_migsc_unlock(x.td, link);
out:
	emu_leaf_end(SEAMCALL_TDH_EXPORT_MEM, x.td);
	return ret;
}
