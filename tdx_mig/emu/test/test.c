// SPDX-License-Identifier: GPL-2.0
/*
 * The TEST-ONLY interface of the emulated TDX Module (test_api.h): what a
 * test needs to look inside an emulated TD and to play its guest. Nothing
 * here is reachable through a SEAMCALL, and product code must not use it.
 * Every call takes the model's locks like a leaf does, and answers -EBUSY
 * instead of waiting.
 */
#include <linux/export.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "emu/module/emu.h"

static int td_get(u64 tdr_pa, enum emu_lock_mode mode, struct emu_td **td)
{
	u64 ret = emu_td_lock(tdr_pa, TDX_OPID_RCX, mode, td);

	if (ret)
		return tdx_status_code(ret) == TDX_STATUS_OPERAND_BUSY ? -EBUSY : -EINVAL;
	if ((*td)->op_state == TDX_OP_STATE_UNINITIALIZED ||
	    (*td)->lifecycle != EMU_TD_KEYS_CONFIGURED) {
		emu_td_unlock(*td, mode);
		return -ENOENT;
	}
	return 0;
}

static int vcpu_get(u64 tdvpr_pa, struct emu_vcpu **vcpu)
{
	u64 ret = emu_vcpu_lock(tdvpr_pa, TDX_OPID_RCX, vcpu);

	if (ret)
		return tdx_status_code(ret) == TDX_STATUS_OPERAND_BUSY ? -EBUSY : -EINVAL;
	return 0;
}

/**
 * tdx_emu_guest_program - set what the vCPU's guest does on TDH.VP.ENTER
 * @tdvpr_pa: the vCPU
 * @ops: the steps, copied
 * @n: how many
 *
 * Context: process context (allocates).
 */
int tdx_emu_guest_program(u64 tdvpr_pa, const struct tdx_emu_guest_op *ops, unsigned int n)
{
	struct tdx_emu_guest_op *copy, *old;
	struct emu_vcpu *vcpu;
	int ret;

	copy = kmemdup(ops, array_size(n, sizeof(*ops)), GFP_KERNEL);
	if (n && !copy)
		return -ENOMEM;
	ret = vcpu_get(tdvpr_pa, &vcpu);
	if (ret) {
		kfree(copy);
		return ret;
	}
	old = vcpu->ops;
	vcpu->ops = copy;
	vcpu->nr_ops = n;
	vcpu->next_op = 0;
	vcpu->vmcall_pending = false;
	emu_vcpu_unlock(vcpu);
	kfree(old);
	return 0;
}
EXPORT_SYMBOL_GPL(tdx_emu_guest_program);

/** tdx_emu_guest_result - step @i as it stands now, and whether it ran */
int tdx_emu_guest_result(u64 tdvpr_pa, unsigned int i, struct tdx_emu_guest_op *op, bool *done)
{
	struct emu_vcpu *vcpu;
	int ret;

	ret = vcpu_get(tdvpr_pa, &vcpu);
	if (ret)
		return ret;
	if (i < vcpu->nr_ops) {
		*op = vcpu->ops[i];
		*done = i < vcpu->next_op;
	} else {
		ret = -ERANGE;
	}
	emu_vcpu_unlock(vcpu);
	return ret;
}
EXPORT_SYMBOL_GPL(tdx_emu_guest_result);

/** tdx_emu_vcpu_regs - the guest register state of a vCPU */
int tdx_emu_vcpu_regs(u64 tdvpr_pa, struct tdx_emu_vcpu_regs *regs)
{
	struct emu_vcpu *vcpu;
	int ret;

	ret = vcpu_get(tdvpr_pa, &vcpu);
	if (ret)
		return ret;
	*regs = vcpu->regs;
	emu_vcpu_unlock(vcpu);
	return 0;
}
EXPORT_SYMBOL_GPL(tdx_emu_vcpu_regs);

/**
 * tdx_emu_read_private - read a TD's private memory in plaintext
 * @tdr_pa: the TD
 * @gpa: where, within one page
 * @buf: the plaintext
 * @len: how much
 *
 * A page that is not present reads as -ENOENT, a PENDING one as zeros
 * (the guest sees zeros once it accepts it).
 */
int tdx_emu_read_private(u64 tdr_pa, u64 gpa, void *buf, unsigned int len)
{
	enum tdx_sept_state state;
	struct emu_td *td;
	u64 *entry, old;
	int ret, failed;

	if ((gpa & ~PAGE_MASK) + len > PAGE_SIZE)
		return -EINVAL;
	ret = td_get(tdr_pa, EMU_LOCK_SHARED, &td);
	if (ret)
		return ret;
	entry = emu_sept_walk(td, gpa, 0, &failed);
	if (!entry) {
		ret = -ENOENT;
		goto out;
	}
	if (emu_sept_lock_entry(entry, &old)) {
		ret = -EBUSY;
		goto out;
	}
	state = emu_sept_state(old);
	if (state == TDX_SEPT_FREE || state == TDX_SEPT_REMOVED)
		ret = -ENOENT;
	else if (old & TDX_SEPT_TDP_BIT)
		memset(buf, 0, len);
	else
		emu_private_copy(td, old, gpa & ~PAGE_MASK, buf, len, false);
	emu_sept_unlock_entry(entry, old);
out:
	emu_td_unlock(td, EMU_LOCK_SHARED);
	return ret;
}
EXPORT_SYMBOL_GPL(tdx_emu_read_private);

/** tdx_emu_sept_state - the SEPT state of @gpa at @level, or -errno */
int tdx_emu_sept_state(u64 tdr_pa, u64 gpa, int level)
{
	struct emu_td *td;
	int ret, failed;
	u64 *entry;

	ret = td_get(tdr_pa, EMU_LOCK_SHARED, &td);
	if (ret)
		return ret;
	entry = emu_sept_walk(td, gpa, level, &failed);
	ret = entry ? emu_sept_state(READ_ONCE(*entry)) : -ENOENT;
	emu_td_unlock(td, EMU_LOCK_SHARED);
	return ret;
}
EXPORT_SYMBOL_GPL(tdx_emu_sept_state);

/**
 * tdx_emu_force_op_state - put a TD in any OP_STATE
 * @tdr_pa: the TD
 * @state: the state
 *
 * For table-driven tests of every leaf in every state; the states of the
 * migration flows are otherwise reached only through the migration leaves.
 */
int tdx_emu_force_op_state(u64 tdr_pa, enum tdx_op_state state)
{
	struct emu_td *td;
	u64 ret;

	if (state >= TDX_NUM_OP_STATES)
		return -EINVAL;
	ret = emu_td_lock(tdr_pa, TDX_OPID_RCX, EMU_LOCK_EXCLUSIVE, &td);
	if (ret)
		return tdx_status_code(ret) == TDX_STATUS_OPERAND_BUSY ? -EBUSY : -EINVAL;
	/* Every state but UNINITIALIZED needs the whole TDCS (the SEPT root). */
	if (td->num_tdcx != EMU_TDCS_PAGES) {
		emu_td_unlock(td, EMU_LOCK_EXCLUSIVE);
		return -ENOENT;
	}
	td->op_state = state;
	emu_td_unlock(td, EMU_LOCK_EXCLUSIVE);
	return 0;
}
EXPORT_SYMBOL_GPL(tdx_emu_force_op_state);

/**
 * tdx_emu_force_sept_state - put a present 4 KiB leaf in another state
 * @tdr_pa: the TD
 * @gpa: the page
 * @state: a state that keeps the page mapped (no FREE, REMOVED, NL_*)
 */
int tdx_emu_force_sept_state(u64 tdr_pa, u64 gpa, enum tdx_sept_state state)
{
	struct emu_td *td;
	u64 *entry, old;
	int ret, failed;

	if (state >= TDX_NUM_SEPT_STATES || state <= TDX_SEPT_NL_BLOCKED)
		return -EINVAL;
	ret = td_get(tdr_pa, EMU_LOCK_SHARED, &td);
	if (ret)
		return ret;
	entry = emu_sept_walk(td, gpa, 0, &failed);
	if (!entry || emu_sept_lock_entry(entry, &old)) {
		ret = entry ? -EBUSY : -ENOENT;
		goto out;
	}
	if (emu_sept_state(old) <= TDX_SEPT_NL_BLOCKED)
		ret = -ENOENT;
	else
		old = emu_sept_set_state(old, state);
	emu_sept_unlock_entry(entry, old);
out:
	emu_td_unlock(td, EMU_LOCK_SHARED);
	return ret;
}
EXPORT_SYMBOL_GPL(tdx_emu_force_sept_state);

/** tdx_emu_hold_tdr - hold a TD's TDR lock, as a concurrent leaf would */
int tdx_emu_hold_tdr(u64 tdr_pa, bool exclusive)
{
	struct emu_td *td;
	u64 ret;

	ret = emu_td_lock(tdr_pa, TDX_OPID_RCX,
			  exclusive ? EMU_LOCK_EXCLUSIVE : EMU_LOCK_SHARED, &td);
	if (ret)
		return tdx_status_code(ret) == TDX_STATUS_OPERAND_BUSY ? -EBUSY : -EINVAL;
	return 0;
}
EXPORT_SYMBOL_GPL(tdx_emu_hold_tdr);

void tdx_emu_release_tdr(u64 tdr_pa, bool exclusive)
{
	emu_sharex_unlock(&emu_pamt_entry(tdr_pa)->lock,
			  exclusive ? EMU_LOCK_EXCLUSIVE : EMU_LOCK_SHARED);
}
EXPORT_SYMBOL_GPL(tdx_emu_release_tdr);

/**
 * tdx_emu_hold_op_state - hold a TD's OP_STATE lock, as a concurrent leaf would
 * @tdr_pa: the TD
 * @exclusive: as EXPORT.TRACK does, else as VP.ENTER does
 *
 * Return: 0, -EBUSY when the lock is held, -EINVAL for no TD.
 */
int tdx_emu_hold_op_state(u64 tdr_pa, bool exclusive)
{
	struct emu_td *td;
	u64 ret;

	ret = emu_td_lock(tdr_pa, TDX_OPID_RCX, EMU_LOCK_SHARED, &td);
	if (ret)
		return tdx_status_code(ret) == TDX_STATUS_OPERAND_BUSY ? -EBUSY : -EINVAL;
	ret = emu_op_state_lock(td, exclusive ? EMU_LOCK_EXCLUSIVE : EMU_LOCK_SHARED);
	emu_td_unlock(td, EMU_LOCK_SHARED);
	return ret ? -EBUSY : 0;
}
EXPORT_SYMBOL_GPL(tdx_emu_hold_op_state);

void tdx_emu_release_op_state(u64 tdr_pa, bool exclusive)
{
	struct emu_td *td = emu_td_of(emu_pamt_entry(tdr_pa));

	emu_op_state_unlock(td, exclusive ? EMU_LOCK_EXCLUSIVE : EMU_LOCK_SHARED);
}
EXPORT_SYMBOL_GPL(tdx_emu_release_op_state);

/**
 * tdx_emu_gcm - one AES-256-GCM operation through the model's crypto path
 * @key: 32 bytes
 * @iv: the 12-byte IV
 * @aad: at most 32 bytes of AAD
 * @aad_len: its length
 * @in: one page of input, or NULL to only authenticate @aad
 * @out: one page of output (with @in)
 * @tag: written on encryption, checked on decryption
 * @encrypt: the direction
 *
 * For known-answer tests. Return: 0 or -EBADMSG.
 */
int tdx_emu_gcm(const u8 *key, const struct tdx_migs_iv *iv, const void *aad,
		unsigned int aad_len, struct page *in, struct page *out, u8 *tag, bool encrypt)
{
	struct emu_crypto *c = emu_crypto_get();
	int ret;

	ret = emu_gcm(c, key, iv, aad, aad_len, in ? &in : NULL, in ? &out : NULL, in ? 1 : 0,
		      tag, encrypt);
	emu_crypto_put(c);
	return ret;
}
EXPORT_SYMBOL_GPL(tdx_emu_gcm);

/** tdx_emu_hold_migsc - hold a stream's MIGSC lock, as a concurrent leaf would */
int tdx_emu_hold_migsc(u64 tdr_pa, unsigned int link)
{
	struct emu_migsc *migsc;
	struct emu_td *td;
	int ret = 0;

	ret = td_get(tdr_pa, EMU_LOCK_SHARED, &td);
	if (ret)
		return ret;
	if (link >= td->num_migs || emu_migsc_lock(td, link, &migsc))
		ret = -EBUSY;
	emu_td_unlock(td, EMU_LOCK_SHARED);
	return ret;
}
EXPORT_SYMBOL_GPL(tdx_emu_hold_migsc);

void tdx_emu_release_migsc(u64 tdr_pa, unsigned int link)
{
	struct emu_td *td;

	if (td_get(tdr_pa, EMU_LOCK_SHARED, &td))
		return;
	emu_migsc_unlock(td, link);
	emu_td_unlock(td, EMU_LOCK_SHARED);
}
EXPORT_SYMBOL_GPL(tdx_emu_release_migsc);

/** tdx_emu_leaked_pages - pages given to the model and not yet reclaimed */
unsigned long tdx_emu_leaked_pages(void)
{
	return emu_pamt_report_leaks(false);
}
EXPORT_SYMBOL_GPL(tdx_emu_leaked_pages);

/**
 * tdx_emu_exchange_mig_keys - what a MigTD pair would do, without them
 * @tdr_a: one TD
 * @tdr_b: its migration peer
 *
 * Each TD gets a fresh MIG_ENC_KEY; each MIG_DEC_KEY is the peer's, and
 * MIG_DEC_KEY_SET is set, as two MigTDs do with TDG.SERVTD.RD/WR after
 * attesting each other (§6.6). Only until the Migration TD service exists.
 */
int tdx_emu_exchange_mig_keys(u64 tdr_a, u64 tdr_b)
{
	struct emu_td *a, *b;
	u64 ret;

	if (tdr_a == tdr_b)
		return -EINVAL;
	ret = emu_td_lock(tdr_a, TDX_OPID_RCX, EMU_LOCK_EXCLUSIVE, &a);
	if (ret)
		return tdx_status_code(ret) == TDX_STATUS_OPERAND_BUSY ? -EBUSY : -EINVAL;
	ret = emu_td_lock(tdr_b, TDX_OPID_RCX, EMU_LOCK_EXCLUSIVE, &b);
	if (ret) {
		emu_td_unlock(a, EMU_LOCK_EXCLUSIVE);
		return tdx_status_code(ret) == TDX_STATUS_OPERAND_BUSY ? -EBUSY : -EINVAL;
	}
	get_random_bytes(a->mig_enc_key, sizeof(a->mig_enc_key));
	get_random_bytes(b->mig_enc_key, sizeof(b->mig_enc_key));
	memcpy(a->mig_dec_key, b->mig_enc_key, sizeof(a->mig_dec_key));
	memcpy(b->mig_dec_key, a->mig_enc_key, sizeof(b->mig_dec_key));
	a->mig_dec_key_set = true;
	b->mig_dec_key_set = true;
	emu_td_unlock(b, EMU_LOCK_EXCLUSIVE);
	emu_td_unlock(a, EMU_LOCK_EXCLUSIVE);
	return 0;
}
EXPORT_SYMBOL_GPL(tdx_emu_exchange_mig_keys);

/**
 * tdx_emu_servtd_info_hash - the SERVTD_INFO_HASH a PREBIND must name
 * @tdr_pa: the service TD
 * @attr: the SERVTD_ATTR of the binding (its IGNORE_TDINFO bits count)
 * @hash: TDX_SERVTD_INFO_HASH_LEN bytes out
 *
 * A real VMM learns it from the MigTD image's measurement.
 */
int tdx_emu_servtd_info_hash(u64 tdr_pa, u64 attr, u8 *hash)
{
	struct emu_td *td;
	int ret = td_get(tdr_pa, EMU_LOCK_SHARED, &td);

	if (ret)
		return ret;
	emu_servtd_info_hash(td, attr, hash);
	emu_td_unlock(td, EMU_LOCK_SHARED);
	return 0;
}
EXPORT_SYMBOL_GPL(tdx_emu_servtd_info_hash);
