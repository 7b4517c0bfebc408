// SPDX-License-Identifier: GPL-2.0
/*
 * TDH.IMPORT.MEM of the emulated TDX Module (§1.3, §2.2, §3.3-§3.5, §10).
 * Each GPA entry is checked in the module's order (§10.2): entry valid,
 * SEPT walk, lock, leaf state, phase, buffer, per-operation checks, page
 * MAC last (NOP entries are MAC-checked first). Errors fall in two classes
 * (§3.5, §10.1 item 8): LIST_ABORT ends the session; ABORT_IN_ORDER ends it
 * in order and skips the entry out of order.
 */
#include <linux/string.h>

#include "emu.h"
#include "mbmd.h"
#include "epoch.h"
#include "migsc.h"

#define ST(x)	BIT(TDX_SEPT_##x)

struct mem_import {
	struct emu_td *td;
	struct emu_migsc *migsc;
	u16 index;
	bool in_order;
	u64 *gpa_list;
	u64 *buf_list;
	u64 *new_list;		/* NULL: in-place import */
	u8 *mac_list[2];
	u64 iv_base;
	u32 failed;
};

/* What one entry came to: done, skipped (counted), or the session ends. */
enum entry_result {
	ENTRY_DONE,
	ENTRY_SKIPPED,
	ENTRY_ABORT,
};

static u8 *entry_mac(struct mem_import *x, unsigned int k)
{
	return x->mac_list[tdx_mac_list_of(k)] + tdx_mac_list_index(k) * TDX_MAC_LEN;
}

/* Check entry @k's MAC; with @buf, decrypt its page into scratch page 0. */
static bool entry_verify(struct mem_import *x, unsigned int k, u64 raw, struct page *buf,
			 struct emu_crypto *c)
{
	struct tdx_migs_iv iv;
	__le64 aad = cpu_to_le64(raw);

	tdx_mbmd_iv(&iv, x->iv_base + 1 + k, x->index);
	return !emu_gcm(c, (const u8 *)x->td->mig_dec_working_key, &iv, &aad, sizeof(aad),
			buf ? &buf : NULL, NULL, buf ? 1 : 0, entry_mac(x, k), false);
}

/* §2.2 (d): the BEPOCH an import in the current epoch records. */
static u64 current_bepoch(struct emu_td *td)
{
	return BIT_ULL(63) | (u64)td->export_count << 32 | td->mig_epoch;
}

/* An ABORT_IN_ORDER error: fatal in order, a skipped entry out of order. */
static enum entry_result in_order_abort(struct mem_import *x, struct tdx_gpa_entry *e,
					enum tdx_gpa_entry_status status)
{
	e->status = status;
	return x->in_order ? ENTRY_ABORT : ENTRY_SKIPPED;
}

/* A LIST_ABORT error: the session ends in either phase. */
static enum entry_result list_abort(struct tdx_gpa_entry *e, enum tdx_gpa_entry_status status)
{
	e->status = status;
	return ENTRY_ABORT;
}

/* The page an imported MIGRATE lands in, locked; an entry status on failure. */
static int target_page(struct mem_import *x, unsigned int k, u64 buf, bool pending,
		       struct emu_pamt_entry **pe, u64 *hpa)
{
	u64 raw = x->new_list ? READ_ONCE(x->new_list[k]) : TDX_PAGE_LIST_ENTRY_INVALID_BIT;
	bool invalid;

	if (!tdx_page_list_entry_decode(raw, hpa, &invalid))
		return -EINVAL;
	if (invalid) {
		/* In place: the migration buffer becomes the TD page. */
		if (pending)
			return TDX_GPA_STATUS_NEW_PAGE_NOT_AVAILABLE;
		*hpa = buf & ~EMU_HKID_MASK;
	} else if (emu_hpa_hkid(*hpa) || !emu_pamt_entry(*hpa)) {
		return -EINVAL;
	}
	*pe = emu_pamt_entry(*hpa);
	if (!emu_sharex_try_exclusive(&(*pe)->lock))
		return TDX_GPA_STATUS_TD_PAGE_BUSY_HOST_PRIORITY;
	if ((*pe)->type != EMU_PT_NDA) {
		emu_sharex_unlock_exclusive(&(*pe)->lock);
		return TDX_GPA_STATUS_NEW_PAGE_NOT_AVAILABLE;
	}
	return 0;
}

/* Write scratch page 0 (or zeros when @pending) as the TD's page @hpa. */
static void fill_private(struct emu_td *td, u64 hpa, bool pending, struct emu_crypto *c)
{
	if (pending)
		emu_private_clear(td, hpa);
	else
		emu_private_copy(td, hpa, 0, emu_crypto_scratch(c, 0), PAGE_SIZE, true);
}

static enum entry_result import_migrate(struct mem_import *x, unsigned int k,
					struct tdx_gpa_entry *e, u64 raw, u64 *old,
					struct page *bufp, u64 buf, struct emu_crypto *c,
					u64 *abort_status)
{
	enum tdx_sept_state s = emu_sept_state(*old);
	struct emu_pamt_entry *pe;
	u64 hpa;
	int ret;

	if (s != TDX_SEPT_FREE && s != TDX_SEPT_REMOVED)
		return in_order_abort(x, e, TDX_GPA_STATUS_SEPT_ENTRY_STATE_INCORRECT);
	/* §10.1 item 3: not over a page removed in this epoch or later. */
	if (s == TDX_SEPT_REMOVED && (*old & TDX_SEPT_REMOVED_EPOCH_VALID) &&
	    FIELD_GET(TDX_SEPT_REMOVED_EPOCH_MASK, *old) >= x->td->mig_epoch)
		return list_abort(e, TDX_GPA_STATUS_DISALLOWED_IMPORT_OVER_REMOVED);
	ret = target_page(x, k, buf, e->pending, &pe, &hpa);
	if (ret < 0) {
		*abort_status = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID,
							TDX_OPID_NEW_PAGE_LIST_ENTRY);
		return list_abort(e, TDX_GPA_STATUS_NEW_PAGE_NOT_AVAILABLE);
	}
	if (ret == TDX_GPA_STATUS_TD_PAGE_BUSY_HOST_PRIORITY)
		return in_order_abort(x, e, ret);
	if (ret)
		return list_abort(e, ret);
	if (!entry_verify(x, k, raw, bufp, c)) {
		emu_sharex_unlock_exclusive(&pe->lock);
		return list_abort(e, TDX_GPA_STATUS_INVALID_PAGE_MAC);
	}
	fill_private(x->td, hpa, e->pending, c);
	emu_pamt_assign(pe, EMU_PT_REG, x->td->tdr_pa, NULL);
	pe->bepoch = current_bepoch(x->td);
	emu_sharex_unlock_exclusive(&pe->lock);
	atomic_long_inc(&x->td->child_pages);
	*old = emu_sept_set_state(hpa, e->pending ? TDX_SEPT_PENDING : TDX_SEPT_MAPPED);
	return ENTRY_DONE;
}

/* REMIGRATE and CANCEL: in order only, over a page imported before. */
static enum entry_result import_again(struct mem_import *x, unsigned int k,
				      struct tdx_gpa_entry *e, u64 raw, u64 *old,
				      struct page *bufp, struct emu_crypto *c, u64 *abort_status)
{
	enum tdx_sept_state s = emu_sept_state(*old);
	u64 hpa = *old & TDX_SEPT_HPA_MASK;
	struct emu_pamt_entry *pe;

	if (!x->in_order) {
		*abort_status = TDX_STATUS_OP_STATE_INCORRECT;
		return list_abort(e, TDX_GPA_STATUS_OP_STATE_INCORRECT);
	}
	if (s != TDX_SEPT_MAPPED && s != TDX_SEPT_PENDING)
		return list_abort(e, TDX_GPA_STATUS_SEPT_ENTRY_STATE_INCORRECT);
	pe = emu_pamt_entry(hpa);
	if (!emu_sharex_try_exclusive(&pe->lock))
		return list_abort(e, TDX_GPA_STATUS_TD_PAGE_BUSY_HOST_PRIORITY);
	if (pe->bepoch == current_bepoch(x->td)) {
		emu_sharex_unlock_exclusive(&pe->lock);
		return list_abort(e, TDX_GPA_STATUS_MIGRATED_IN_CURRENT_EPOCH);
	}
	/* A pending page cannot replace a mapped one (§3.4). */
	if (e->operation == TDX_GPA_OP_REMIGRATE && e->pending && s == TDX_SEPT_MAPPED) {
		emu_sharex_unlock_exclusive(&pe->lock);
		*abort_status = tdx_status_with_operand(TDX_STATUS_IMPORT_MISMATCH,
							TDX_OPID_GPA_LIST_ENTRY);
		return list_abort(e, TDX_GPA_STATUS_SEPT_ENTRY_STATE_INCORRECT);
	}
	if (!entry_verify(x, k, raw, e->operation == TDX_GPA_OP_REMIGRATE ? bufp : NULL, c)) {
		emu_sharex_unlock_exclusive(&pe->lock);
		return list_abort(e, TDX_GPA_STATUS_INVALID_PAGE_MAC);
	}
	if (e->operation == TDX_GPA_OP_CANCEL) {
		/* The page goes back to the host; the entry remembers the epoch. */
		emu_pamt_release(pe);
		emu_sharex_unlock_exclusive(&pe->lock);
		atomic_long_dec(&x->td->child_pages);
		*old = FIELD_PREP(TDX_SEPT_REMOVED_EPOCH_MASK, x->td->mig_epoch) |
		       TDX_SEPT_REMOVED_EPOCH_VALID;
		*old = emu_sept_set_state(*old, TDX_SEPT_REMOVED);
		return ENTRY_DONE;
	}
	fill_private(x->td, hpa, e->pending, c);
	pe->bepoch = current_bepoch(x->td);
	emu_sharex_unlock_exclusive(&pe->lock);
	*old = emu_sept_set_state(*old, e->pending ? TDX_SEPT_PENDING : TDX_SEPT_MAPPED);
	return ENTRY_DONE;
}

/* The status that ends the session for an entry's LIST_ABORT status. */
static u64 entry_abort_code(enum tdx_gpa_entry_status status)
{
	switch (status) {
	case TDX_GPA_STATUS_INVALID_PAGE_MAC:
		return TDX_STATUS_INVALID_PAGE_MAC;
	case TDX_GPA_STATUS_MIGRATED_IN_CURRENT_EPOCH:
		return TDX_STATUS_MIGRATED_IN_CURRENT_EPOCH;
	case TDX_GPA_STATUS_DISALLOWED_IMPORT_OVER_REMOVED:
		return TDX_STATUS_DISALLOWED_IMPORT_OVER_REMOVED;
	case TDX_GPA_STATUS_OP_STATE_INCORRECT:
		return TDX_STATUS_OP_STATE_INCORRECT;
	case TDX_GPA_STATUS_SEPT_WALK_FAILED:
		return TDX_STATUS_EPT_WALK_FAILED;
	case TDX_GPA_STATUS_SEPT_ENTRY_STATE_INCORRECT:
		return TDX_STATUS_EPT_ENTRY_STATE_INCORRECT;
	case TDX_GPA_STATUS_SEPT_ENTRY_BUSY_HOST_PRIORITY:
	case TDX_GPA_STATUS_TD_PAGE_BUSY_HOST_PRIORITY:
		return TDX_STATUS_OPERAND_BUSY;
	default:
		return TDX_STATUS_OPERAND_INVALID;
	}
}

/* One GPA entry, in the module's check order. */
static enum entry_result import_entry(struct mem_import *x, unsigned int k, u64 *abort_status)
{
	u64 raw = READ_ONCE(x->gpa_list[k]), buf_raw = READ_ONCE(x->buf_list[k]);
	enum entry_result res = ENTRY_DONE;
	struct page *bufp = NULL;
	struct tdx_gpa_entry e;
	struct emu_crypto *c;
	u64 *sept, old, buf = 0;
	bool buf_invalid;
	int failed;

	if (!tdx_gpa_entry_decode(raw, &e)) {
		*abort_status = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID,
							TDX_OPID_GPA_LIST_ENTRY);
		e.status = TDX_GPA_STATUS_GPA_LIST_ENTRY_INVALID;
		e.operation = TDX_GPA_OP_NOP;
		res = ENTRY_ABORT;
		goto out;
	}
	c = emu_crypto_get();
	if (e.operation == TDX_GPA_OP_NOP) {
		if (!entry_verify(x, k, raw, NULL, c))
			res = list_abort(&e, TDX_GPA_STATUS_INVALID_PAGE_MAC);
		goto put;
	}
	if ((e.gpa >> EMU_GPAW) || (e.gpa & EMU_SHARED_GPA_BIT)) {
		*abort_status = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID,
							TDX_OPID_GPA_LIST_ENTRY);
		res = list_abort(&e, TDX_GPA_STATUS_GPA_LIST_ENTRY_INVALID);
		goto put;
	}
	sept = emu_sept_walk(x->td, e.gpa, 0, &failed);
	if (!sept) {
		res = in_order_abort(x, &e, TDX_GPA_STATUS_SEPT_WALK_FAILED);
		goto put;
	}
	if (emu_sept_lock_entry(sept, &old)) {
		res = in_order_abort(x, &e, TDX_GPA_STATUS_SEPT_ENTRY_BUSY_HOST_PRIORITY);
		goto put;
	}
	if (!(BIT(emu_sept_state(old)) & (ST(FREE) | ST(REMOVED) | ST(MAPPED) | ST(PENDING)))) {
		res = in_order_abort(x, &e, TDX_GPA_STATUS_SEPT_ENTRY_STATE_INCORRECT);
		goto unlock;
	}
	if (e.operation != TDX_GPA_OP_CANCEL && !e.pending) {
		if (!tdx_page_list_entry_decode(buf_raw, &buf, &buf_invalid) ||
		    (!buf_invalid && !emu_shared_page_ok(buf, PAGE_SIZE))) {
			*abort_status = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID,
								TDX_OPID_MIG_BUFF_LIST_ENTRY);
			res = list_abort(&e, TDX_GPA_STATUS_MIG_BUFFER_NOT_AVAILABLE);
			goto unlock;
		}
		if (buf_invalid) {
			*abort_status = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID,
								TDX_OPID_MIG_BUFF_LIST_ENTRY);
			res = list_abort(&e, TDX_GPA_STATUS_MIG_BUFFER_NOT_AVAILABLE);
			goto unlock;
		}
		bufp = pfn_to_page(PHYS_PFN(buf & ~EMU_HKID_MASK));
	}
	if (e.operation == TDX_GPA_OP_MIGRATE)
		res = import_migrate(x, k, &e, raw, &old, bufp, buf, c, abort_status);
	else
		res = import_again(x, k, &e, raw, &old, bufp, c, abort_status);
	if (res == ENTRY_DONE)
		e.status = TDX_GPA_STATUS_SUCCESS;
unlock:
	emu_sept_unlock_entry(sept, old);
put:
	memzero_explicit(emu_crypto_scratch(c, 0), PAGE_SIZE);
	emu_crypto_put(c);
out:
	if (res == ENTRY_DONE && e.operation == TDX_GPA_OP_NOP)
		e.status = TDX_GPA_STATUS_SKIPPED;
	x->gpa_list[k] = tdx_gpa_entry_encode(&e) | (raw & TDX_GPA_ENTRY_RSVD_MASK);
	if (!*abort_status && res == ENTRY_ABORT)
		*abort_status = tdx_status_with_operand(entry_abort_code(e.status),
							TDX_OPID_GPA_LIST_ENTRY);
	return *abort_status ? ENTRY_ABORT : res;
}

/*
 * The NEW call checks the MBMD; its failures reject the bundle without
 * failing the import, but §10.1 item 4's side effects stay.
 */
static u64 import_mem_new(struct mem_import *x, const struct tdx_gpa_list_info *gl,
			  unsigned int link, struct tdx_mig_args *a)
{
	struct emu_migsc *migsc = x->migsc;
	struct emu_td *td = x->td;
	struct tdx_mbmd m, *in;
	u64 mem;

	if (gl->first_entry)
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RCX);
	in = emu_mbmd_operand(a->r8);
	if (!in)
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R8);
	memcpy(&m, in, sizeof(m));
	if (!emu_migsc_initialized(td, link))
		emu_migsc_init(td, link, migsc);
	migsc->intr.valid = false;
	migsc->iv_counter = le64_to_cpu(m.hdr.iv_counter);
	mem = le64_to_cpu(m.mem);
	if (le16_to_cpu(m.hdr.size) != sizeof(m) ||
	    le16_to_cpu(m.hdr.mig_version) != td->mig_working_version ||
	    le16_to_cpu(m.hdr.migs_index) != x->index || m.hdr.mb_type != TDX_MB_TYPE_MEM ||
	    m.hdr.reserved || (mem & ~TDX_MBMD_NUM_GPAS) || mem != gl->last_entry + 1U)
		return TDX_STATUS_INVALID_MBMD;
	if (x->in_order && (le32_to_cpu(m.hdr.mig_epoch) != td->mig_epoch ||
			    le32_to_cpu(m.hdr.mb_counter) != migsc->expected_mb_counter))
		return TDX_STATUS_INVALID_MBMD;
	if (!x->in_order && !tdx_epoch_is_out_of_order(le32_to_cpu(m.hdr.mig_epoch)))
		return TDX_STATUS_INVALID_MBMD;
	if (!emu_mbmd_verify(&m, td->mig_dec_working_key))
		return TDX_STATUS_INCORRECT_MBMD_MAC;
	/*
	 * The bundle is accepted now: its counter is spent even if the call
	 * is interrupted and never resumed, so it cannot be replayed.
	 */
	if (x->in_order)
		migsc->expected_mb_counter++;
	atomic64_inc(&td->total_mb_count);
	migsc->mbmd = m;
	migsc->iv_counter += gl->last_entry + 1;
	migsc->intr.valid = true;
	migsc->intr.func = SEAMCALL_TDH_IMPORT_MEM;
	migsc->intr.mig_buff_list_pa = a->r9;
	migsc->intr.mac_list_pa[0] = a->r11;
	migsc->intr.mac_list_pa[1] = a->r12;
	migsc->intr.new_page_list_pa = a->r13;
	migsc->intr.mig_epoch = td->mig_epoch;
	return TDX_STATUS_SUCCESS;
}

static u64 import_mem_resume(struct mem_import *x, unsigned int link, struct tdx_mig_args *a)
{
	struct emu_migsc *migsc = x->migsc;
	bool valid = migsc->intr.valid;

	if (!emu_migsc_initialized(x->td, link))
		return TDX_STATUS_MIGRATION_STREAM_STATE_INCORRECT;
	if (!emu_mbmd_operand(a->r8))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R8);
	/* Consumed first: one mismatch and the call is lost (§1.3). */
	migsc->intr.valid = false;
	if (!valid || migsc->intr.func != SEAMCALL_TDH_IMPORT_MEM ||
	    migsc->intr.gpa_list_info != a->rcx || migsc->intr.mig_buff_list_pa != a->r9 ||
	    migsc->intr.mac_list_pa[0] != a->r11 || migsc->intr.mac_list_pa[1] != a->r12 ||
	    migsc->intr.new_page_list_pa != a->r13 || migsc->intr.mig_epoch != x->td->mig_epoch)
		return TDX_STATUS_INVALID_RESUMPTION;
	migsc->intr.valid = true;
	return TDX_STATUS_SUCCESS;
}

/* The operands of IMPORT.MEM other than the MBMD (§1.3, §2.3). */
static u64 import_mem_operands(const struct tdx_gpa_list_info *gl, struct tdx_mig_args *a)
{
	if (!emu_shared_page_ok(a->r9, PAGE_SIZE))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R9);
	if (gl->first_entry < TDX_MAC_LIST_ENTRIES && !emu_shared_page_ok(a->r11, PAGE_SIZE))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R11);
	if (gl->last_entry >= TDX_MAC_LIST_ENTRIES && !emu_shared_page_ok(a->r12, PAGE_SIZE))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R12);
	if (a->r13 != TDX_NULL_PA && !emu_shared_page_ok(a->r13, PAGE_SIZE))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R13);
	return TDX_STATUS_SUCCESS;
}

/*
 * TDH.IMPORT.MEM: RCX = GPA_LIST_INFO, RDX = TDR, R8 = MBMD, R9 = buffer
 * list, R10 = MIGS_INDEX_AND_CMD, R11/R12 = MAC lists, R13 = new-page list
 * or NULL_PA. Out: RCX updated, RAX = SUCCESS + skipped entries.
 */
u64 emu_import_mem(struct tdx_mig_args *a)
{
	struct tdx_migs_index_and_cmd mc;
	unsigned int link = 0, k, done_now = 0;
	struct tdx_gpa_list_info gl;
	struct mem_import x = {};
	u64 ret, abort_status = 0;

	ret = emu_leaf_td_lock(SEAMCALL_TDH_IMPORT_MEM, a->rdx, TDX_OPID_RDX, &x.td);
	if (ret)
		return ret;
	ret = emu_td_check_built(x.td) ?: emu_leaf_op_state_lock(SEAMCALL_TDH_IMPORT_MEM, x.td);
	if (ret)
		goto unlock_td;
	if (!emu_op_state_allows(SEAMCALL_TDH_IMPORT_MEM, x.td->op_state)) {
		ret = TDX_STATUS_OP_STATE_INCORRECT;
		goto unlock_op;
	}
	x.in_order = x.td->op_state == TDX_OP_STATE_MEMORY_IMPORT ||
		     x.td->op_state == TDX_OP_STATE_STATE_IMPORT;
	if (!tdx_migs_index_and_cmd_decode(a->r10, &mc) ||
	    !tdx_migsc_forward_index_valid(mc.migs_index, x.td->num_migs)) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R10);
		goto unlock_op;
	}
	if (!tdx_gpa_list_info_decode(a->rcx, &gl) || !emu_shared_page_ok(gl.hpa, PAGE_SIZE)) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RCX);
		goto unlock_op;
	}
	ret = import_mem_operands(&gl, a);
	if (ret)
		goto unlock_op;
	x.index = mc.migs_index;
	link = tdx_migsc_link_of_forward(mc.migs_index);
	ret = emu_migsc_lock(x.td, link, &x.migsc);
	if (ret)
		goto unlock_op;
	ret = mc.cmd ? import_mem_resume(&x, link, a) : import_mem_new(&x, &gl, link, a);
	if (ret)
		goto unlock_migsc;

	x.iv_base = le64_to_cpu(x.migsc->mbmd.hdr.iv_counter);
	x.gpa_list = emu_shared_va(gl.hpa);
	x.buf_list = emu_shared_va(a->r9);
	x.new_list = a->r13 == TDX_NULL_PA ? NULL : emu_shared_va(a->r13);
	x.mac_list[0] = gl.first_entry < TDX_MAC_LIST_ENTRIES ? emu_shared_va(a->r11) : NULL;
	x.mac_list[1] = gl.last_entry >= TDX_MAC_LIST_ENTRIES ? emu_shared_va(a->r12) : NULL;
	for (k = gl.first_entry; k <= gl.last_entry; k++) {
		enum entry_result res;

		if (done_now && emu_intr_pending()) {
			a->rcx = tdx_gpa_list_info_encode(gl.hpa, k, gl.last_entry);
			x.migsc->intr.gpa_list_info = a->rcx;
			ret = TDX_STATUS_INTERRUPTED_RESUMABLE;
			goto unlock_migsc;
		}
		done_now++;
		res = import_entry(&x, k, &abort_status);
		if (res == ENTRY_ABORT) {
			a->rcx = tdx_gpa_list_info_encode(gl.hpa, k, gl.last_entry);
			x.migsc->intr.valid = false;
			ret = emu_import_abort_session(x.td, abort_status);
			goto unlock_migsc;
		}
		if (res == ENTRY_SKIPPED)
			x.failed++;
	}
	a->rcx = tdx_gpa_list_info_encode(gl.hpa, (gl.last_entry + 1) % TDX_GPA_LIST_ENTRIES,
					  gl.last_entry);
	x.migsc->intr.valid = false;
	ret = TDX_STATUS_SUCCESS + x.failed;
unlock_migsc:
	emu_migsc_unlock(x.td, link);
unlock_op:
	emu_leaf_op_state_unlock(SEAMCALL_TDH_IMPORT_MEM, x.td);
unlock_td:
	emu_leaf_td_unlock(SEAMCALL_TDH_IMPORT_MEM, x.td);
	return ret;
}
