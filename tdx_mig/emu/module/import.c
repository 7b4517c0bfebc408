// SPDX-License-Identifier: GPL-2.0
/*
 * The import leaves of the emulated TDX Module (§1.3, §2.1, §3.3, §3.5,
 * §10): STATE.IMMUTABLE / TD / VP, MEM, TRACK, COMMIT, END and ABORT.
 * Bundles are checked and decrypted with the TD's MIG_DEC_WORKING_KEY;
 * errors are fatal, list-aborting or skipped exactly by class.
 */
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "emu.h"
#include "mbmd.h"
#include "epoch.h"
#include "migsc.h"

/*
 * §3.5 abort_import_session: a TD that already runs (LIVE_IMPORT) goes
 * back to RUNNABLE and the error is not fatal; otherwise FAILED_IMPORT.
 */
u64 emu_import_abort_session(struct emu_td *td, u64 status)
{
	enum tdx_op_state s = READ_ONCE(td->op_state);

	/*
	 * IMPORT.MEM holds OP_STATE shared: another stream may have ended the
	 * session of a running TD already, which must not turn it FAILED.
	 */
	if (s == TDX_OP_STATE_LIVE_IMPORT || s == TDX_OP_STATE_RUNNABLE) {
		cmpxchg(&td->op_state, TDX_OP_STATE_LIVE_IMPORT, TDX_OP_STATE_RUNNABLE);
		return status;
	}
	WRITE_ONCE(td->op_state, TDX_OP_STATE_FAILED_IMPORT);
	return tdx_status_fatal(status);
}

/* The header checks every receiver makes (§2.1). */
static bool mbmd_header_ok(const struct tdx_mbmd *m, struct emu_td *td, u8 type, u16 index)
{
	return le16_to_cpu(m->hdr.size) == sizeof(*m) &&
	       le16_to_cpu(m->hdr.mig_version) == td->mig_working_version &&
	       le16_to_cpu(m->hdr.migs_index) == index && m->hdr.mb_type == type &&
	       !m->hdr.reserved;
}

/* Decrypt a state bundle into this CPU's scratch pages; false if the MAC fails. */
static bool state_decrypt(struct emu_crypto *c, struct emu_td *td, struct tdx_mbmd *m,
			  u16 index, struct page **pages, unsigned int n)
{
	u8 aad[TDX_MBMD_AAD_LEN];
	struct tdx_migs_iv iv;

	tdx_mbmd_aad(m, aad);
	tdx_mbmd_iv(&iv, le64_to_cpu(m->hdr.iv_counter), index);
	return !emu_gcm(c, (const u8 *)td->mig_dec_working_key, &iv, aad, sizeof(aad), pages,
			NULL, n, m->mac, false);
}

struct state_import {
	u16 leaf;
	u8 type;
	unsigned int min_pages;
	/* parse and apply the plaintext; returns 0 or a TDX status */
	u64 (*apply)(struct emu_td *td, struct emu_vcpu *vcpu, const struct tdx_mbmd *m,
		     struct emu_crypto *c, unsigned int n);
	/* the bundle-specific MBMD checks; returns 0 or a TDX status */
	u64 (*check)(struct emu_td *td, struct emu_migsc *migsc, const struct tdx_mbmd *m);
};

/* The immutable bundle: SYS compatibility and the TD's immutable state. */
static u64 apply_immutable(struct emu_td *td, struct emu_vcpu *unused, const struct tdx_mbmd *m,
			   struct emu_crypto *c, unsigned int n)
{
	u64 attributes = 0, xfam = 0, max_vcpus = 0, num_vcpus = 0, uuid[4], export_count = 0;
	unsigned int seen = 0, i, ne;
	struct emu_md_reader r;
	const u64 *vals;
	u64 field;
	int ret;

	/* Page 0: SYS fields, which must match this module (MB/CBO, §2.5). */
	emu_md_reader_init(&r, emu_crypto_scratch(c, 0));
	while ((ret = emu_md_next(&r, &field, &vals, &ne)) > 0) {
		u64 mine;

		if (ne != 1 || tdx_emu_sys_field(field, &mine))
			return TDX_STATUS_METADATA_FIELD_ID_INCORRECT;
		if (vals[0] != mine)
			return TDX_STATUS_METADATA_FIELD_VALUE_NOT_VALID;
	}
	if (ret)
		return TDX_STATUS_METADATA_LIST_OVERFLOW;
	for (i = 1; i < n; i++) {
		emu_md_reader_init(&r, emu_crypto_scratch(c, i));
		while ((ret = emu_md_next(&r, &field, &vals, &ne)) > 0) {
			if (field == TDX_MD_TD_UUID && ne == 4) {
				memcpy(uuid, vals, sizeof(uuid));
				seen |= BIT(0);
			} else if (ne != 1) {
				return TDX_STATUS_METADATA_FIELD_ID_INCORRECT;
			} else if (field == TDX_MD_TD_ATTRIBUTES) {
				attributes = vals[0];
				seen |= BIT(1);
			} else if (field == EMU_MD_TD_XFAM) {
				xfam = vals[0];
				seen |= BIT(2);
			} else if (field == EMU_MD_TD_MAX_VCPUS) {
				max_vcpus = vals[0];
				seen |= BIT(3);
			} else if (field == EMU_MD_TD_NUM_VCPUS) {
				num_vcpus = vals[0];
				seen |= BIT(4);
			} else if (field == TDX_MD_TD_EXPORT_COUNT) {
				export_count = vals[0];
				seen |= BIT(5);
			} else {
				return TDX_STATUS_METADATA_FIELD_ID_INCORRECT;
			}
		}
		if (ret)
			return TDX_STATUS_METADATA_LIST_OVERFLOW;
	}
	if (seen != GENMASK(5, 0))
		return TDX_STATUS_REQUIRED_METADATA_FIELD_MISSING;
	/* §3.3: only a MIGRATABLE TD imports; the vCPU counts must make sense. */
	if (!(attributes & TDX_TD_ATTR_MIGRATABLE) || (attributes & ~EMU_ATTRIBUTES_FIXED0) ||
	    !num_vcpus || num_vcpus > max_vcpus || max_vcpus > EMU_MAX_VCPUS ||
	    export_count > TDX_MAX_EXPORT_COUNT)
		return TDX_STATUS_METADATA_FIELD_VALUE_NOT_VALID;

	memcpy(td->pre_import_uuid, td->uuid, sizeof(td->uuid));
	memcpy(td->uuid, uuid, sizeof(uuid));
	td->attributes = attributes;
	td->xfam = xfam;
	td->max_vcpus = max_vcpus;
	td->import_num_vcpus = num_vcpus;
	td->export_count = export_count;
	return TDX_STATUS_SUCCESS;
}

static u64 check_immutable(struct emu_td *td, struct emu_migsc *migsc, const struct tdx_mbmd *m)
{
	u32 sys = le32_to_cpu(m->immutable.sys_md_pages);

	if (m->hdr.mb_counter || m->hdr.mig_epoch || m->immutable.reserved0 ||
	    !FIELD_GET(TDX_MBMD_IMMUTABLE_SYS_PAGES, sys) || (sys & ~TDX_MBMD_IMMUTABLE_SYS_PAGES))
		return TDX_STATUS_INVALID_MBMD;
	if (le16_to_cpu(m->immutable.num_f_migs) > td->num_migs - 1)
		return TDX_STATUS_NUM_MIGS_HIGHER_THAN_CREATED;
	return TDX_STATUS_SUCCESS;
}

/* The TD bundle: the source's bindings must have a twin here (§5). */
static u64 apply_td(struct emu_td *td, struct emu_vcpu *unused, const struct tdx_mbmd *m,
		    struct emu_crypto *c, unsigned int n)
{
	struct emu_md_reader r;
	unsigned int ne, slot;
	const u64 *vals;
	u64 field;
	int ret;

	emu_md_reader_init(&r, emu_crypto_scratch(c, 0));
	while ((ret = emu_md_next(&r, &field, &vals, &ne)) > 0) {
		const struct emu_servtd_binding *b;

		slot = (field - TDX_MD_TD_SERVTD_BINDINGS_TABLE) / 16;
		if (ne != 16 || field < TDX_MD_TD_SERVTD_BINDINGS_TABLE ||
		    slot >= TDX_MAX_SERVTDS || (field - TDX_MD_TD_SERVTD_BINDINGS_TABLE) % 16)
			return TDX_STATUS_METADATA_FIELD_ID_INCORRECT;
		if ((vals[0] & 0xff) == TDX_SERVTD_NOT_BOUND)
			continue;
		b = &td->servtd[slot];
		if (b->state == TDX_SERVTD_NOT_BOUND || b->type != ((vals[0] >> 16) & 0xffff) ||
		    b->attr != vals[1])
			return TDX_STATUS_METADATA_FIELD_VALUE_NOT_VALID;
	}
	return ret ? TDX_STATUS_METADATA_LIST_OVERFLOW : TDX_STATUS_SUCCESS;
}

static u64 check_in_order(struct emu_td *td, struct emu_migsc *migsc, const struct tdx_mbmd *m)
{
	if (le32_to_cpu(m->hdr.mb_counter) != migsc->expected_mb_counter ||
	    le32_to_cpu(m->hdr.mig_epoch) != td->mig_epoch)
		return TDX_STATUS_INVALID_MBMD;
	return TDX_STATUS_SUCCESS;
}

static u64 check_td(struct emu_td *td, struct emu_migsc *migsc, const struct tdx_mbmd *m)
{
	return m->mutable_td_reserved ? TDX_STATUS_INVALID_MBMD : check_in_order(td, migsc, m);
}

static u64 check_vp(struct emu_td *td, struct emu_migsc *migsc, const struct tdx_mbmd *m)
{
	return (le64_to_cpu(m->vcpu) & ~TDX_MBMD_VP_INDEX) ? TDX_STATUS_INVALID_MBMD :
							      check_in_order(td, migsc, m);
}

/* The VP bundle: the vCPU's state, for the vCPU of the same index. */
static u64 apply_vp(struct emu_td *td, struct emu_vcpu *vcpu, const struct tdx_mbmd *m,
		    struct emu_crypto *c, unsigned int n)
{
	struct tdx_emu_vcpu_regs regs = {};
	unsigned int seen = 0, ne;
	struct emu_md_reader r;
	const u64 *vals;
	u64 field;
	int ret;

	u64 index = FIELD_GET(TDX_MBMD_VP_INDEX, le64_to_cpu(m->vcpu));

	/*
	 * The vCPU takes the index the bundle carries, once per session; other
	 * streams import other vCPUs meanwhile (OP_STATE is held shared), so the
	 * index is claimed at once. A failure fails the session.
	 */
	if (index >= td->import_num_vcpus || index >= BITS_PER_LONG ||
	    test_and_set_bit(index, &td->imported_vcpus))
		return TDX_STATUS_METADATA_FIELD_VALUE_NOT_VALID;
	emu_md_reader_init(&r, emu_crypto_scratch(c, 0));
	while ((ret = emu_md_next(&r, &field, &vals, &ne)) > 0) {
		if (field == EMU_MD_VP_GPRS && ne == 16) {
			memcpy(regs.gpr, vals, sizeof(regs.gpr));
			seen |= BIT(0);
		} else if (ne != 1) {
			return TDX_STATUS_METADATA_FIELD_ID_INCORRECT;
		} else if (field == EMU_MD_VP_INDEX) {
			if (vals[0] != index)
				return TDX_STATUS_METADATA_FIELD_VALUE_NOT_VALID;
			seen |= BIT(1);
		} else if (field == EMU_MD_VP_RIP) {
			regs.rip = vals[0];
			seen |= BIT(2);
		} else if (field == EMU_MD_VP_RFLAGS) {
			regs.rflags = vals[0];
			seen |= BIT(3);
		} else {
			return TDX_STATUS_METADATA_FIELD_ID_INCORRECT;
		}
	}
	if (ret)
		return TDX_STATUS_METADATA_LIST_OVERFLOW;
	if (seen != GENMASK(3, 0))
		return TDX_STATUS_REQUIRED_METADATA_FIELD_MISSING;
	/* Its index is the bundle's; it is counted like an initialized one. */
	if (!emu_td_add_vcpu(td, NULL))
		return TDX_STATUS_MAX_VCPUS_EXCEEDED;
	vcpu->regs = regs;
	vcpu->index = index;
	vcpu->state = EMU_VCPU_READY;
	return TDX_STATUS_SUCCESS;
}

static const struct state_import imp_immutable = {
	SEAMCALL_TDH_IMPORT_STATE_IMMUTABLE, TDX_MB_TYPE_IMMUTABLE_TD_STATE,
	TDX_NUM_SYS_STATE_EXPORT_PAGES + 1, apply_immutable, check_immutable,
};

static const struct state_import imp_td = {
	SEAMCALL_TDH_IMPORT_STATE_TD, TDX_MB_TYPE_MUTABLE_TD_STATE, 1, apply_td, check_td,
};

static const struct state_import imp_vp = {
	SEAMCALL_TDH_IMPORT_STATE_VP, TDX_MB_TYPE_MUTABLE_VCPU_STATE,
	TDX_MIN_VP_STATE_IMPORT_PAGES, apply_vp, check_vp,
};

/*
 * The completion of a state import: exactly last_entry + 1 pages are
 * decrypted and authenticated (§10.2); MBMD and parse errors are sticky
 * behind the MAC (§2.2) and all fatal.
 */
static u64 state_import_finish(const struct state_import *x, struct emu_td *td,
			       struct emu_vcpu *vcpu, struct emu_migsc *migsc, u16 index,
			       u64 r8, const struct tdx_page_list_info *pl)
{
	struct page *pages[EMU_MAX_STATE_PAGES];
	unsigned int n = pl->last_entry + 1;
	struct tdx_mbmd m, *in;
	struct emu_crypto *c;
	u64 ret;

	in = emu_mbmd_operand(r8);
	if (!in)
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R8);
	memcpy(&m, in, sizeof(m));
	if (!mbmd_header_ok(&m, td, x->type, index))
		return TDX_STATUS_INVALID_MBMD;
	ret = x->check(td, migsc, &m);
	if (ret)
		return ret;
	/* The model's exporter never writes more: such a bundle cannot verify. */
	if (n > EMU_MAX_STATE_PAGES)
		return TDX_STATUS_INCORRECT_MBMD_MAC;
	if (emu_page_list_pages(pl->hpa, n, pages))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_PAGE);
	c = emu_crypto_get();
	if (!state_decrypt(c, td, &m, index, pages, n))
		ret = TDX_STATUS_INCORRECT_MBMD_MAC;
	else
		ret = x->apply(td, vcpu, &m, c, n);
	for (n = 0; n < EMU_MAX_STATE_PAGES; n++)
		memzero_explicit(emu_crypto_scratch(c, n), PAGE_SIZE);
	emu_crypto_put(c);
	if (ret)
		return ret;
	migsc->iv_counter = le64_to_cpu(m.hdr.iv_counter);
	migsc->expected_mb_counter++;
	atomic64_inc(&td->total_mb_count);
	return TDX_STATUS_SUCCESS;
}

/*
 * NEW/RESUME of the state imports. Errors after the early checks are
 * fatal (§10.2); a resumption without saved state is a plain error, one
 * that does not repeat the saved operands is fatal (§10.1 item 2).
 */
static u64 state_import_run(const struct state_import *x, struct emu_td *td,
			    struct emu_vcpu *vcpu, struct tdx_mig_args *a)
{
	struct tdx_migs_index_and_cmd mc;
	struct tdx_page_list_info pl;
	struct emu_migsc *migsc;
	unsigned int link, n;
	u64 ret;

	if (!tdx_migs_index_and_cmd_decode(a->r10, &mc) ||
	    (x->type != TDX_MB_TYPE_MUTABLE_VCPU_STATE && mc.migs_index) ||
	    !tdx_migsc_forward_index_valid(mc.migs_index, td->num_migs))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R10);
	link = tdx_migsc_link_of_forward(mc.migs_index);
	ret = emu_migsc_lock(td, link, &migsc);
	if (ret)
		return ret;
	if (mc.cmd == TDX_MIGS_CMD_NEW && x->type == TDX_MB_TYPE_IMMUTABLE_TD_STATE &&
	    !td->mig_dec_key_set) {
		ret = TDX_STATUS_MIGRATION_DECRYPTION_KEY_NOT_SET;
		goto unlock;
	}
	if (mc.cmd == TDX_MIGS_CMD_RESUME && !emu_migsc_initialized(td, link)) {
		ret = TDX_STATUS_MIGRATION_STREAM_STATE_INCORRECT;
		goto unlock;
	}
	if (mc.cmd == TDX_MIGS_CMD_RESUME && !migsc->intr.valid) {
		ret = TDX_STATUS_INVALID_RESUMPTION;
		goto unlock;
	}

	/* A new session latches its keys before anything can fail it. */
	if (mc.cmd == TDX_MIGS_CMD_NEW && x->type == TDX_MB_TYPE_IMMUTABLE_TD_STATE)
		emu_mig_new_session_keys(td);
	/* From here on every error fails the import. */
	if (!tdx_page_list_info_decode(a->r9, &pl) || !emu_shared_page_ok(pl.hpa, PAGE_SIZE) ||
	    pl.last_entry + 1 < x->min_pages) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R9);
		goto fatal;
	}
	if (mc.cmd == TDX_MIGS_CMD_NEW) {
		if (!emu_migsc_initialized(td, link))
			emu_migsc_init(td, link, migsc);
		migsc->intr.valid = true;
		migsc->intr.func = x->leaf;
		migsc->intr.page_list_info = a->r9;
		migsc->intr.tdvpr_pa = vcpu ? vcpu->tdvpr_pa : 0;
		migsc->intr.num_processed = 0;
	} else if (migsc->intr.func != x->leaf || migsc->intr.page_list_info != a->r9 ||
		   migsc->intr.tdvpr_pa != (vcpu ? vcpu->tdvpr_pa : 0)) {
		ret = TDX_STATUS_INVALID_RESUMPTION;
		goto fatal;
	}
	n = min(pl.last_entry + 1U, (unsigned int)EMU_MAX_STATE_PAGES);
	if (!emu_state_pages_step(migsc, n)) {
		/* RCX and RDX keep their input values (§10.2). */
		ret = TDX_STATUS_INTERRUPTED_RESUMABLE;
		goto unlock;
	}
	migsc->intr.valid = false;
	ret = state_import_finish(x, td, vcpu, migsc, mc.migs_index, a->r8, &pl);
	if (!ret)
		goto unlock;
fatal:
	migsc->intr.valid = false;
	ret = emu_import_abort_session(td, ret);
unlock:
	emu_migsc_unlock(td, link);
	return ret;
}

/* TDH.IMPORT.STATE.IMMUTABLE: RCX = TDR, R8 = MBMD, R9 = page list, R10. */
u64 emu_import_state_immutable(struct tdx_mig_args *a)
{
	struct emu_td *td;
	u64 ret;

	ret = emu_leaf_begin(imp_immutable.leaf, a->rcx, TDX_OPID_RCX, &td);
	if (ret)
		return ret;
	if (td->num_migs < TDX_MIN_MIGS)
		ret = TDX_STATUS_MIN_MIGS_NOT_CREATED;
	else
		ret = state_import_run(&imp_immutable, td, NULL, a);
	if (ret == TDX_STATUS_SUCCESS) {
		/* The import starts a new TD epoch history (§10.2). */
		emu_td_init_sept_root(td);
		raw_spin_lock(&td->epoch_lock);
		td->td_epoch = 1;
		td->epoch_refcount[0] = 0;
		td->epoch_refcount[1] = 0;
		raw_spin_unlock(&td->epoch_lock);
		td->mig_epoch = 0;
		atomic64_set(&td->total_mb_count, 1);
		emu_migsc_at(td, tdx_migsc_link_of_forward(0))->expected_mb_counter = 1;
		td->op_state = TDX_OP_STATE_MEMORY_IMPORT;
	}
	emu_leaf_end(imp_immutable.leaf, td);
	return ret;
}

/* TDH.IMPORT.STATE.TD: RCX = TDR, R8 = MBMD, R9 = page list, R10 (index 0). */
u64 emu_import_state_td(struct tdx_mig_args *a)
{
	struct emu_td *td;
	u64 ret;

	ret = emu_leaf_begin(imp_td.leaf, a->rcx, TDX_OPID_RCX, &td);
	if (ret)
		return ret;
	ret = state_import_run(&imp_td, td, NULL, a);
	if (ret == TDX_STATUS_SUCCESS)
		td->op_state = TDX_OP_STATE_STATE_IMPORT;
	emu_leaf_end(imp_td.leaf, td);
	return ret;
}

/* TDH.IMPORT.STATE.VP: RCX = TDVPR (created, not initialized), R8, R9, R10. */
u64 emu_import_state_vp(struct tdx_mig_args *a)
{
	struct emu_vcpu *vcpu;
	struct emu_td *td;
	u64 ret;

	ret = emu_vcpu_lock(a->rcx, TDX_OPID_RCX, &vcpu);
	if (ret)
		return ret;
	/* OP_STATE shared: vCPUs are imported on several streams at once. */
	ret = emu_leaf_begin(imp_vp.leaf, vcpu->td->tdr_pa, TDX_OPID_TDR, &td);
	if (ret)
		goto unlock_vcpu;
	if (atomic_read(&td->num_migrated_vcpus) >= td->import_num_vcpus)
		ret = emu_import_abort_session(td, TDX_STATUS_ALL_VCPUS_IMPORTED);
	else if (vcpu->state != EMU_VCPU_UNINITIALIZED ||
		 vcpu->num_tdcx != ARRAY_SIZE(vcpu->tdcx_pa))
		ret = emu_import_abort_session(td, TDX_STATUS_VCPU_STATE_INCORRECT);
	else
		ret = state_import_run(&imp_vp, td, vcpu, a);
	if (ret == TDX_STATUS_SUCCESS)
		atomic_inc(&td->num_migrated_vcpus);
	emu_leaf_end(imp_vp.leaf, td);
unlock_vcpu:
	emu_vcpu_unlock(vcpu);
	return ret;
}

/*
 * TDH.IMPORT.TRACK: RCX = TDR (exclusive), R8 = the epoch or start token,
 * R10 = 0. Every check of the token is fatal (§2.1).
 */
u64 emu_import_track(struct tdx_mig_args *a)
{
	struct emu_migsc *migsc;
	struct tdx_mbmd m, *in;
	struct emu_td *td;
	u32 epoch;
	u64 ret;

	ret = emu_leaf_begin(SEAMCALL_TDH_IMPORT_TRACK, a->rcx, TDX_OPID_RCX, &td);
	if (ret)
		return ret;
	if (a->r10) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R10);
		goto out;
	}
	ret = emu_migsc_lock(td, tdx_migsc_link_of_forward(0), &migsc);
	if (ret)
		goto out;
	migsc->intr.valid = false;
	in = emu_mbmd_operand(a->r8);
	if (!in) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R8);
		ret = emu_import_abort_session(td, ret);
		goto unlock;
	}
	memcpy(&m, in, sizeof(m));
	epoch = le32_to_cpu(m.hdr.mig_epoch);
	if (!mbmd_header_ok(&m, td, TDX_MB_TYPE_EPOCH_TOKEN, 0) || m.hdr.mb_counter ||
	    epoch <= td->mig_epoch ||
	    le64_to_cpu(m.total_mb) != atomic64_read(&td->total_mb_count) + 1) {
		ret = emu_import_abort_session(td, TDX_STATUS_INVALID_MBMD);
		goto unlock;
	}
	if (!emu_mbmd_verify(&m, td->mig_dec_working_key)) {
		ret = emu_import_abort_session(td, TDX_STATUS_INCORRECT_MBMD_MAC);
		goto unlock;
	}
	/* The start token needs every vCPU imported (§3.3). */
	if (tdx_epoch_is_out_of_order(epoch) &&
	    atomic_read(&td->num_migrated_vcpus) != td->import_num_vcpus) {
		ret = emu_import_abort_session(td, TDX_STATUS_SOME_VCPUS_NOT_MIGRATED);
		goto unlock;
	}
	atomic64_inc(&td->total_mb_count);
	migsc->expected_mb_counter = 1;
	migsc->iv_counter = le64_to_cpu(m.hdr.iv_counter);
	td->mig_epoch = epoch;
	if (tdx_epoch_is_out_of_order(epoch))
		td->op_state = TDX_OP_STATE_POST_IMPORT;
unlock:
	emu_migsc_unlock(td, tdx_migsc_link_of_forward(0));
out:
	emu_leaf_end(SEAMCALL_TDH_IMPORT_TRACK, td);
	return ret;
}

static bool busy_commit;
module_param(busy_commit, bool, 0644);
MODULE_PARM_DESC(busy_commit,
		 "TEST-ONLY: TDH.IMPORT.COMMIT finds its TDR busy (held by another leaf) while set");

/* TDH.IMPORT.COMMIT: RCX = TDR; the point of no return for the source. */
u64 emu_import_commit(struct tdx_mig_args *a)
{
	struct emu_td *td;
	u64 ret;

	if (READ_ONCE(busy_commit))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_BUSY, TDX_OPID_RCX);
	ret = emu_leaf_begin(SEAMCALL_TDH_IMPORT_COMMIT, a->rcx, TDX_OPID_RCX, &td);
	if (ret)
		return ret;
	td->op_state = TDX_OP_STATE_LIVE_IMPORT;
	td->import_count++;
	emu_leaf_end(SEAMCALL_TDH_IMPORT_COMMIT, td);
	return ret;
}

/* TDH.IMPORT.END: RCX = TDR; the import is over, the TD is RUNNABLE. */
u64 emu_import_end(struct tdx_mig_args *a)
{
	struct emu_td *td;
	u64 ret;

	ret = emu_leaf_begin(SEAMCALL_TDH_IMPORT_END, a->rcx, TDX_OPID_RCX, &td);
	if (ret)
		return ret;
	if (td->op_state == TDX_OP_STATE_POST_IMPORT)
		td->import_count++;
	td->op_state = TDX_OP_STATE_RUNNABLE;
	emu_leaf_end(SEAMCALL_TDH_IMPORT_END, td);
	return ret;
}

/*
 * TDH.IMPORT.ABORT: RCX = TDR, R8 = MBMD buffer for the abort token, R10 =
 * 0. The token goes on the backward stream with MIG_ENC_WORKING_KEY, for
 * the source's EXPORT.ABORT; the TD can only be torn down afterwards.
 */
u64 emu_import_abort(struct tdx_mig_args *a)
{
	struct emu_migsc *migsc;
	struct tdx_mbmd m, *out;
	struct emu_td *td;
	u64 ret;

	ret = emu_leaf_begin(SEAMCALL_TDH_IMPORT_ABORT, a->rcx, TDX_OPID_RCX, &td);
	if (ret)
		return ret;
	if (a->r10) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R10);
		goto out;
	}
	out = emu_mbmd_operand(a->r8);
	if (!out) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R8);
		goto out;
	}
	ret = emu_migsc_lock(td, TDX_MIGSC_BACKWARD_LINK, &migsc);
	if (ret)
		goto out;
	if (!emu_migsc_initialized(td, TDX_MIGSC_BACKWARD_LINK))
		emu_migsc_init(td, TDX_MIGSC_BACKWARD_LINK, migsc);
	migsc->intr.valid = false;
	tdx_mbmd_init(&m, TDX_MB_TYPE_ABORT_TOKEN, td->mig_working_version, 0,
		      migsc->next_mb_counter++, 0, ++migsc->iv_counter);
	emu_mbmd_sign(&m, td->mig_enc_working_key);
	memcpy(out, &m, sizeof(m));
	emu_migsc_unlock(td, TDX_MIGSC_BACKWARD_LINK);
	td->op_state = TDX_OP_STATE_FAILED_IMPORT;
	/* TDX_SUCCESS with the fatal bit: only teardown is left (§1.3). */
	ret = TDX_STATUS_SUCCESS | TDX_STATUS_FATAL_BIT;
out:
	emu_leaf_end(SEAMCALL_TDH_IMPORT_ABORT, td);
	return ret;
}
