// SPDX-License-Identifier: GPL-2.0
/*
 * Service TDs in the emulated TDX Module: TDH.SERVTD.BIND and
 * TDH.SERVTD.PREBIND on the host side, TDG.SERVTD.RD and TDG.SERVTD.WR on
 * the service TD's side, and the SERVTD_HASH that TDH.MR.FINALIZE fixes.
 * The rules are those of TDX Module 1.5.01 (§1.3, §4, §5, §6.6), checked
 * in the order its handlers check them, so the first error is the same.
 *
 * Bindings live in the target's struct emu_td (servtd[], servtd_num). They
 * change only with the target's TDR and OP_STATE locks held shared and
 * servtd_lock, the model's SERVTD_BINDINGS lock, held exclusive; the
 * service TD's TDCALLs hold servtd_lock shared. TDH.MNG.RD reads them
 * under the TDR lock only, as the real module does.
 *
 * The model has no measurements. A TD's TDINFO_STRUCT carries its
 * ATTRIBUTES, XFAM and SERVTD_HASH; MRTD, MRCONFIGID, MROWNER,
 * MROWNERCONFIG and RTMR0-3 are all zero. SERVTD_INFO_HASH therefore tells
 * service TDs apart by those three fields only.
 */
#include <crypto/hash.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "emu.h"

#define S(x)	BIT(TDX_OP_STATE_##x)
#define ALL_OP_STATES	(BIT(TDX_NUM_OP_STATES) - 1)

/* §1.3: the OP_STATEs of the target and of the service TD. */
#define BIND_TARGET_STATES	(S(UNINITIALIZED) | S(INITIALIZED) | S(RUNNABLE) | \
				 S(LIVE_EXPORT) | S(POST_IMPORT) | S(LIVE_IMPORT))
#define BIND_SERVTD_STATES	(S(RUNNABLE) | S(LIVE_EXPORT) | S(PAUSED_EXPORT) | \
				 S(POST_EXPORT) | S(POST_IMPORT) | S(LIVE_IMPORT))
#define PREBIND_STATES		(S(UNINITIALIZED) | S(INITIALIZED))
#define INITIAL_BIND_STATES	(S(UNINITIALIZED) | S(INITIALIZED))
#define SERVTD_RD_STATES	ALL_OP_STATES
#define SERVTD_WR_STATES	(ALL_OP_STATES & ~(S(PAUSED_EXPORT) | S(POST_EXPORT)))

/* §5: TDINFO_STRUCT, and where the fields the model has sit in it. */
#define TDINFO_SIZE		512
#define TDINFO_ATTRIBUTES	0
#define TDINFO_XFAM		8
#define TDINFO_SERVTD_HASH	400
/* §5 IGNORE_TDINFO (SERVTD_ATTR 47:32): the bits of those fields. */
#define IGNORE_ATTRIBUTES	BIT(0)
#define IGNORE_XFAM		BIT(1)
#define IGNORE_SERVTD_HASH	BIT(10)
/* §5: what SERVTD_HASH hashes per slot: {INFO_HASH, TYPE u16, ATTR u64}. */
#define HASH_ENTRY_SIZE		(TDX_SERVTD_INFO_HASH_LEN + 2 + 8)
#define HASH_ENTRY_TYPE		TDX_SERVTD_INFO_HASH_LEN
#define HASH_ENTRY_ATTR		(TDX_SERVTD_INFO_HASH_LEN + 2)
static_assert(HASH_ENTRY_SIZE == 58);
static_assert(TDX_MAX_SERVTDS * HASH_ENTRY_SIZE <= TDINFO_SIZE);

/* §5: the field ID bits a single-element access must leave clear. */
#define MD_SINGLE_ELEM_RSVD	(GENMASK_ULL(31, 24) | TDX_MD_LAST_ELEM_MASK | \
				 TDX_MD_LAST_FIELD_MASK | GENMASK_ULL(49, 47) | \
				 BIT_ULL(55) | BIT_ULL(62))
/* XFAM: readable by a MigTD in 1.5.01 (tdr_tdcs_fields_lookup), not in §5. */
#define MD_TD_XFAM		0x1110000300000001ULL

/*
 * SHA-384 through the crypto API. A SEAMCALL never sleeps, so all of it is
 * allocated at module load. One unkeyed shash transform serves every CPU
 * (a hash's running state lives in its descriptor, not the transform);
 * each CPU has its own descriptor and input buffer, used with preemption
 * off. So hashing never contends and never fails BUSY, as in the real
 * module, where it is plain computation.
 */
struct servtd_sha {
	struct shash_desc *desc;
	u8 buf[TDINFO_SIZE];
};

static struct crypto_shash *servtd_tfm;
static DEFINE_PER_CPU(struct servtd_sha, servtd_sha);

int emu_servtd_init(void)
{
	int cpu;

	servtd_tfm = crypto_alloc_shash("sha384", 0, 0);
	if (IS_ERR(servtd_tfm)) {
		int ret = PTR_ERR(servtd_tfm);

		servtd_tfm = NULL;
		return ret;
	}
	if (crypto_shash_digestsize(servtd_tfm) != TDX_SERVTD_INFO_HASH_LEN) {
		emu_servtd_uninit();
		return -EINVAL;
	}
	for_each_possible_cpu(cpu) {
		struct shash_desc *desc;

		desc = kzalloc(sizeof(*desc) + crypto_shash_descsize(servtd_tfm), GFP_KERNEL);
		if (!desc) {
			emu_servtd_uninit();
			return -ENOMEM;
		}
		desc->tfm = servtd_tfm;
		per_cpu(servtd_sha, cpu).desc = desc;
	}
	return 0;
}

void emu_servtd_uninit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		kfree(per_cpu(servtd_sha, cpu).desc);
		per_cpu(servtd_sha, cpu).desc = NULL;
	}
	if (servtd_tfm)
		crypto_free_shash(servtd_tfm);
	servtd_tfm = NULL;
}

/* @v as @n little-endian bytes at @dst (the module's layouts are packed). */
static void put_le(u8 *dst, u64 v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		dst[i] = v >> (8 * i);
}

static u64 get_le64(const u8 *src)
{
	u64 v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | src[i];
	return v;
}

/* SHA-384 of the first @len bytes of @s->buf. */
static void servtd_digest(struct servtd_sha *s, unsigned int len, void *out)
{
	/* Cannot fail on a buffer; the real module would halt if it did. */
	if (WARN_ON_ONCE(crypto_shash_digest(s->desc, s->buf, len, out)))
		memset(out, 0, TDX_SERVTD_INFO_HASH_LEN);
}

/* The IGNORE_TDINFO bitmap of a SERVTD_ATTR value (§5). */
static u16 ignore_tdinfo(u64 attr)
{
	return FIELD_GET(TDX_SERVTD_ATTR_IGNORE_TDINFO_MASK, attr);
}

/*
 * §5 SERVTD_INFO_HASH of @std: SHA-384 of its TDINFO_STRUCT with the
 * fields @ignore selects zeroed. Called with @std's TDR lock held.
 */
static void info_hash(const struct emu_td *std, u16 ignore, u8 *out)
{
	struct servtd_sha *s = get_cpu_ptr(&servtd_sha);

	memset(s->buf, 0, TDINFO_SIZE);
	if (!(ignore & IGNORE_ATTRIBUTES))
		put_le(s->buf + TDINFO_ATTRIBUTES, std->attributes, 8);
	if (!(ignore & IGNORE_XFAM))
		put_le(s->buf + TDINFO_XFAM, std->xfam, 8);
	if (!(ignore & IGNORE_SERVTD_HASH))
		memcpy(s->buf + TDINFO_SERVTD_HASH, std->servtd_hash, TDX_SERVTD_INFO_HASH_LEN);
	servtd_digest(s, TDINFO_SIZE, out);
	put_cpu_ptr(&servtd_sha);
}

/* SERVTD_INFO_HASH as BIND would compute it with @attr; @std's TDR locked. */
void emu_servtd_info_hash(const struct emu_td *std, u64 attr, u8 *out)
{
	info_hash(std, ignore_tdinfo(attr), out);
}

/**
 * emu_servtd_finalize - compute SERVTD_HASH at TDH.MR.FINALIZE (§5)
 * @td: the TD, its TDR locked exclusively
 *
 * SHA-384 over {INFO_HASH, TYPE, ATTR} of every slot that is not
 * NOT_BOUND, or all zeros if there is none. With MAX_SERVTDS = 1 the
 * module's sort by type and hash has nothing to order.
 */
void emu_servtd_finalize(struct emu_td *td)
{
	struct servtd_sha *s = get_cpu_ptr(&servtd_sha);
	unsigned int i, n = 0;

	for (i = 0; i < TDX_MAX_SERVTDS; i++) {
		const struct emu_servtd_binding *b = &td->servtd[i];
		u8 *e = s->buf + n * HASH_ENTRY_SIZE;

		if (b->state == TDX_SERVTD_NOT_BOUND)
			continue;
		memcpy(e, b->info_hash, TDX_SERVTD_INFO_HASH_LEN);
		put_le(e + HASH_ENTRY_TYPE, b->type, 2);
		put_le(e + HASH_ENTRY_ATTR, b->attr, 8);
		n++;
	}
	if (n)
		servtd_digest(s, n * HASH_ENTRY_SIZE, td->servtd_hash);
	else
		memset(td->servtd_hash, 0, sizeof(td->servtd_hash));
	put_cpu_ptr(&servtd_sha);
}

/* Qword @q of the 128-byte servtd_binding_t of §5 SERVTD_BINDINGS_TABLE. */
static u64 binding_qword(const struct emu_servtd_binding *b, unsigned int q)
{
	if (q == 0)
		return READ_ONCE(b->state) | (u64)READ_ONCE(b->type) << 16;
	if (q == 1)
		return READ_ONCE(b->attr);
	if (q < 6)
		return READ_ONCE(b->uuid[q - 2]);
	if (q < 12)
		return get_le64(b->info_hash + (q - 6) * 8);
	return 0;
}

/* @field_id as element @i of the @n-element field at @base. */
static bool field_elem(u64 field_id, u64 base, unsigned int n, unsigned int *i)
{
	if (field_id < base || field_id - base >= n)
		return false;
	*i = field_id - base;
	return true;
}

/**
 * emu_servtd_field - a service-TD field the host reads with TDH.MNG.RD
 * @td: the TD, its TDR locked
 * @field_id: one element of SERVTD_HASH, SERVTD_NUM or SERVTD_BINDINGS_TABLE
 * @value: its value
 *
 * Return: false if @field_id is none of them.
 */
bool emu_servtd_field(struct emu_td *td, u64 field_id, u64 *value)
{
	unsigned int i;

	if (field_elem(field_id, TDX_MD_TD_SERVTD_HASH, ARRAY_SIZE(td->servtd_hash), &i)) {
		*value = td->servtd_hash[i];
		return true;
	}
	/* 16 qwords per slot: one field of TDX_MAX_SERVTDS x 16 elements. */
	if (field_elem(field_id, TDX_MD_TD_SERVTD_BINDINGS_TABLE, TDX_MAX_SERVTDS * 16, &i)) {
		*value = binding_qword(&td->servtd[i / 16], i % 16);
		return true;
	}
	if (field_id == TDX_MD_TD_SERVTD_NUM) {
		*value = READ_ONCE(td->servtd_num);
		return true;
	}
	return false;
}

/*
 * Lock a TDR operand shared. As the module's TDR checks do, this names the
 * register (or TDR for the TDCALLs) in every error, BUSY included, and
 * refuses an address above MAX_PA as invalid rather than out of range.
 */
static u64 lock_tdr(u64 tdr_pa, int opid, enum emu_lock_mode mode, struct emu_td **td)
{
	struct emu_pamt_entry *e;
	u64 ret;

	if (tdr_pa >> EMU_MAX_PA_BITS)
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, opid);
	ret = emu_pamt_lock_typed(tdr_pa, opid, opid, EMU_PT_TDR, mode, &e);
	if (!ret)
		*td = emu_td_of(e);
	return ret;
}

/* TDG.SERVTD.RD/WR lock the target TD's TDR and OP_STATE shared. */
static const struct emu_leaf_locks servtd_call_locks = {
	.tdr = EMU_LOCK_SHARED, .op_state = EMU_LOCK_SHARED,
};

/*
 * The module's TD state check: keys configured, TDCS allocated, OP_STATE
 * locked as @l says and in @allowed. On success the OP_STATE lock is held.
 */
static u64 td_state_begin(struct emu_td *td, const struct emu_leaf_locks *l, u16 allowed)
{
	u64 ret;

	ret = emu_td_check_built(td);
	if (!ret)
		ret = emu_op_state_lock(td, l->op_state);
	if (ret)
		return ret;
	if (!(allowed & BIT(td->op_state))) {
		emu_op_state_unlock(td, l->op_state);
		return TDX_STATUS_OP_STATE_INCORRECT;
	}
	return TDX_STATUS_SUCCESS;
}

/* Lock and check a TD operand (TDR, then OP_STATE, in the modes of @l). */
static u64 td_begin(const struct emu_leaf_locks *l, u64 tdr_pa, int opid, u16 allowed,
		    struct emu_td **td)
{
	u64 ret = lock_tdr(tdr_pa, opid, l->tdr, td);

	if (ret)
		return ret;
	ret = td_state_begin(*td, l, allowed);
	if (ret)
		emu_td_unlock(*td, l->tdr);
	return ret;
}

static void td_end(const struct emu_leaf_locks *l, struct emu_td *td)
{
	emu_op_state_unlock(td, l->op_state);
	emu_td_unlock(td, l->tdr);
}

/* §1.3 R8-R10 of BIND and PREBIND: slot, type and SERVTD_ATTR (§5). */
static u64 check_binding_args(u64 slot, u64 type, u64 attr)
{
	if (slot >= TDX_MAX_SERVTDS)
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R8);
	/* 16 bits, and MigTD is the only type 1.5.01 supports. */
	if (type > U16_MAX || type != TDX_SERVTD_TYPE_MIGTD)
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R9);
	if ((attr & ~TDX_SERVTD_ATTR_FIXED0) || (~attr & TDX_SERVTD_ATTR_FIXED1))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R10);
	return TDX_STATUS_SUCCESS;
}

static u64 lock_bindings(struct emu_td *td, enum emu_lock_mode mode)
{
	if (!emu_sharex_try(&td->servtd_lock, mode))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_BUSY, TDX_OPID_SERVTD_BINDINGS);
	return TDX_STATUS_SUCCESS;
}

/* A PRE_BOUND or BOUND slot accepts only its own type and attributes. */
static u64 check_type_attr(const struct emu_servtd_binding *b, u16 type, u64 attr)
{
	if (b->type != type)
		return TDX_STATUS_SERVTD_TYPE_MISMATCH;
	if (b->attr != attr)
		return TDX_STATUS_SERVTD_ATTR_MISMATCH;
	return TDX_STATUS_SUCCESS;
}

/*
 * A rebinding (§5 BIND cases, BOUND): with INSTANCE_BINDING the same
 * instance, which may have changed its TDINFO; without it any instance
 * with the same TDINFO.
 */
static u64 rebind(struct emu_servtd_binding *b, const struct emu_td *std, const u8 *hash)
{
	if (b->attr & TDX_SERVTD_ATTR_INSTANCE_BINDING) {
		if (memcmp(b->uuid, std->uuid, sizeof(b->uuid)))
			return TDX_STATUS_SERVTD_UUID_MISMATCH;
		memcpy(b->info_hash, hash, sizeof(b->info_hash));
	} else {
		if (memcmp(b->info_hash, hash, sizeof(b->info_hash)))
			return TDX_STATUS_SERVTD_INFO_HASH_MISMATCH;
		memcpy(b->uuid, std->uuid, sizeof(b->uuid));
	}
	return TDX_STATUS_SUCCESS;
}

/* §5 BIND cases, with servtd_lock held exclusively. */
static u64 bind_slot(struct emu_td *td, struct emu_servtd_binding *b,
		     const struct emu_td *std, u16 type, u64 attr, const u8 *hash)
{
	u64 ret;

	switch (b->state) {
	case TDX_SERVTD_NOT_BOUND:
		/* An initial binding is part of building the TD. */
		if (!(INITIAL_BIND_STATES & BIT(td->op_state)))
			return TDX_STATUS_OP_STATE_INCORRECT;
		b->type = type;
		b->attr = attr;
		memcpy(b->info_hash, hash, sizeof(b->info_hash));
		memcpy(b->uuid, std->uuid, sizeof(b->uuid));
		WRITE_ONCE(td->servtd_num, td->servtd_num + 1);
		break;
	case TDX_SERVTD_PRE_BOUND:
		ret = check_type_attr(b, type, attr);
		if (ret)
			return ret;
		if (memcmp(b->info_hash, hash, sizeof(b->info_hash)))
			return TDX_STATUS_SERVTD_INFO_HASH_MISMATCH;
		memcpy(b->uuid, std->uuid, sizeof(b->uuid));
		break;
	default:
		ret = check_type_attr(b, type, attr);
		if (!ret)
			ret = rebind(b, std, hash);
		if (ret)
			return ret;
		break;
	}
	WRITE_ONCE(b->state, TDX_SERVTD_BOUND);
	return TDX_STATUS_SUCCESS;
}

/* R8-R10 of BIND and PREBIND. */
struct bind_req {
	u64 slot;
	u64 type;
	u64 attr;
};

/* BIND once both TDs are locked and checked; @a gets the outputs. */
static u64 bind_locked(struct emu_td *td, struct emu_td *std, const struct bind_req *r,
		       struct tdx_mig_args *a)
{
	u8 hash[TDX_SERVTD_INFO_HASH_LEN];
	struct emu_servtd_binding *b;
	u64 ret;

	ret = check_binding_args(r->slot, r->type, r->attr);
	if (!ret)
		ret = lock_bindings(td, EMU_LOCK_EXCLUSIVE);
	if (ret)
		return ret;
	info_hash(std, ignore_tdinfo(r->attr), hash);
	b = &td->servtd[r->slot];
	ret = bind_slot(td, b, std, r->type, r->attr, hash);
	emu_sharex_unlock(&td->servtd_lock, EMU_LOCK_EXCLUSIVE);
	if (ret)
		return ret;
	/* §1.3: the handle, and the target's TD_UUID in R10-R13. */
	a->rcx = tdx_servtd_handle(td->tdr_pa, r->slot, b->uuid[0]);
	a->r10 = td->uuid[0];
	a->r11 = td->uuid[1];
	a->r12 = td->uuid[2];
	a->r13 = td->uuid[3];
	return TDX_STATUS_SUCCESS;
}

/*
 * TDH.SERVTD.BIND: RCX = target TDR, RDX = service TD's TDR, R8 = slot,
 * R9 = type, R10 = SERVTD_ATTR. Out: RCX = binding handle, R10-R13 = the
 * target's TD_UUID; all zero on error (§1.3).
 */
u64 emu_servtd_bind(struct tdx_mig_args *a)
{
	const struct emu_leaf_locks *l = emu_leaf_locks(SEAMCALL_TDH_SERVTD_BIND);
	const struct bind_req r = { .slot = a->r8, .type = a->r9, .attr = a->r10 };
	u64 tdr_pa = a->rcx, servtd_pa = a->rdx, ret;
	struct emu_td *td, *std;

	a->rcx = 0;
	a->r10 = 0;
	a->r11 = 0;
	a->r12 = 0;
	a->r13 = 0;
	if (servtd_pa == tdr_pa)
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RDX);
	ret = td_begin(l, tdr_pa, TDX_OPID_RCX, BIND_TARGET_STATES, &td);
	if (ret)
		return ret;
	ret = td_begin(l, servtd_pa, TDX_OPID_RDX, BIND_SERVTD_STATES, &std);
	if (!ret) {
		ret = bind_locked(td, std, &r, a);
		td_end(l, std);
	}
	td_end(l, td);
	return ret;
}

/* PREBIND once the target is locked and checked. */
static u64 prebind_locked(struct emu_td *td, struct tdx_mig_args *a)
{
	struct emu_pamt_entry *pe = emu_pamt_entry(a->rdx);
	struct emu_servtd_binding *b;
	u64 ret;

	/*
	 * Shared, 64-byte aligned (§1.3). The model also wants a host page
	 * it knows (PT_NDA in its PAMT) before it reads it, as for TD_PARAMS.
	 */
	if (!IS_ALIGNED(a->rdx, 64) || !emu_hpa_is_shared(a->rdx) || !pe ||
	    pe->type != EMU_PT_NDA)
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RDX);
	ret = check_binding_args(a->r8, a->r9, a->r10);
	if (!ret)
		ret = lock_bindings(td, EMU_LOCK_EXCLUSIVE);
	if (ret)
		return ret;
	b = &td->servtd[a->r8];
	if (b->state == TDX_SERVTD_BOUND) {
		ret = TDX_STATUS_SERVTD_BOUND;
		goto unlock;
	}
	if (b->state == TDX_SERVTD_NOT_BOUND)
		WRITE_ONCE(td->servtd_num, td->servtd_num + 1);
	b->type = a->r9;
	b->attr = a->r10;
	memcpy(b->info_hash, phys_to_virt(a->rdx & ~EMU_HKID_MASK), sizeof(b->info_hash));
	WRITE_ONCE(b->state, TDX_SERVTD_PRE_BOUND);
unlock:
	emu_sharex_unlock(&td->servtd_lock, EMU_LOCK_EXCLUSIVE);
	return ret;
}

/*
 * TDH.SERVTD.PREBIND: RCX = target TDR, RDX = HPA of the expected
 * SERVTD_INFO_HASH (48 bytes), R8 = slot, R9 = type, R10 = SERVTD_ATTR.
 */
u64 emu_servtd_prebind(struct tdx_mig_args *a)
{
	const struct emu_leaf_locks *l = emu_leaf_locks(SEAMCALL_TDH_SERVTD_PREBIND);
	struct emu_td *td;
	u64 ret;

	ret = td_begin(l, a->rcx, TDX_OPID_RCX, PREBIND_STATES, &td);
	if (ret)
		return ret;
	ret = prebind_locked(td, a);
	td_end(l, td);
	return ret;
}

/*
 * The TD-scope fields a service TD may name (§5), in the order of the
 * module's lookup table, which orders the "next field ID" output. Fields
 * the model stores are read from struct emu_td; host-only ones are listed
 * so that a MigTD reading them gets NOT_READABLE rather than ID_INCORRECT.
 * 1.5.01 also lets a MigTD read NUM_L2_VMS, GPAW, EPTP, CONFIG_FLAGS and
 * CPUID_VALUES; the model has none of them (METADATA_FIELD_ID_INCORRECT).
 */
struct servtd_field {
	u64 id;		/* element 0 */
	u16 n;		/* elements */
	u16 off;	/* of element 0 in struct emu_td, or NO_STORE */
	bool rd;	/* readable by a MigTD */
	u64 wr;		/* the bits a MigTD may write */
};

#define NO_STORE	U16_MAX
#define ELEM_BYTES(id)	(1U << (((id) >> 32) & 3))
#define STORED(fid, nelem, member, readable, wmask)			\
	{ .id = (fid), .n = (nelem), .off = offsetof(struct emu_td, member),	\
	  .rd = (readable), .wr = (wmask) }
#define HOST_ONLY(fid, nelem)	{ .id = (fid), .n = (nelem), .off = NO_STORE }

/* Each member below holds its field's elements at the size §5 gives. */
#define TD_BYTES(member)	sizeof_field(struct emu_td, member)
static_assert(TD_BYTES(uuid) == TDX_MD_UUID_ELEMENTS * 8);
static_assert(TD_BYTES(attributes) == 8 && TD_BYTES(xfam) == 8);
static_assert(TD_BYTES(export_count) == 4 && TD_BYTES(import_count) == 4);
static_assert(TD_BYTES(mig_dec_key) == TDX_MD_KEY_ELEMENTS * 8);
static_assert(TD_BYTES(mig_dec_working_key) == TDX_MD_KEY_ELEMENTS * 8);
static_assert(TD_BYTES(mig_enc_key) == TDX_MD_KEY_ELEMENTS * 8);
static_assert(TD_BYTES(mig_enc_working_key) == TDX_MD_KEY_ELEMENTS * 8);
static_assert(TD_BYTES(mig_version) == 2 && TD_BYTES(mig_working_version) == 2);
static_assert(TD_BYTES(pre_import_uuid) == TDX_MD_UUID_ELEMENTS * 8);
static_assert(TD_BYTES(servtd_hash) == TDX_SERVTD_INFO_HASH_LEN);
static_assert(TD_BYTES(servtd_num) == 2);

static const struct servtd_field servtd_fields[] = {
	STORED(TDX_MD_TD_UUID, TDX_MD_UUID_ELEMENTS, uuid, true, 0),
	HOST_ONLY(TDX_MD_TD_OP_STATE, 1),
	STORED(TDX_MD_TD_ATTRIBUTES, 1, attributes, true, 0),
	STORED(MD_TD_XFAM, 1, xfam, true, 0),
	HOST_ONLY(TDX_MD_TD_MIG_DEC_KEY_SET, 1),
	STORED(TDX_MD_TD_EXPORT_COUNT, 1, export_count, true, 0),
	STORED(TDX_MD_TD_IMPORT_COUNT, 1, import_count, true, 0),
	HOST_ONLY(TDX_MD_TD_MIG_EPOCH, 1),
	HOST_ONLY(TDX_MD_TD_BW_EPOCH, 1),
	HOST_ONLY(TDX_MD_TD_TOTAL_MB_COUNT, 1),
	STORED(TDX_MD_TD_MIG_DEC_KEY, TDX_MD_KEY_ELEMENTS, mig_dec_key, true, U64_MAX),
	STORED(TDX_MD_TD_MIG_DEC_WORKING_KEY, TDX_MD_KEY_ELEMENTS, mig_dec_working_key, true, 0),
	STORED(TDX_MD_TD_MIG_ENC_KEY, TDX_MD_KEY_ELEMENTS, mig_enc_key, true, 0),
	STORED(TDX_MD_TD_MIG_ENC_WORKING_KEY, TDX_MD_KEY_ELEMENTS, mig_enc_working_key, true, 0),
	STORED(TDX_MD_TD_MIG_VERSION, 1, mig_version, true, U16_MAX),
	STORED(TDX_MD_TD_MIG_WORKING_VERSION, 1, mig_working_version, true, 0),
	HOST_ONLY(TDX_MD_TD_DIRTY_COUNT, 1),
	HOST_ONLY(TDX_MD_TD_MIG_COUNT, 1),
	HOST_ONLY(TDX_MD_TD_NUM_MIGS, 1),
	HOST_ONLY(TDX_MD_TD_NUM_MIGRATED_VCPUS, 1),
	STORED(TDX_MD_TD_PRE_IMPORT_UUID, TDX_MD_UUID_ELEMENTS, pre_import_uuid, true, 0),
	STORED(TDX_MD_TD_SERVTD_HASH, TDX_SERVTD_INFO_HASH_LEN / 8, servtd_hash, true, 0),
	STORED(TDX_MD_TD_SERVTD_NUM, 1, servtd_num, true, 0),
	HOST_ONLY(TDX_MD_TD_SERVTD_BINDINGS_TABLE, TDX_MAX_SERVTDS * 16),
	/*
	 * Not in 1.5.01's table: MigTD reads SERVTD_ATTR and wants 0 (§6.6).
	 * The model answers that, as a stored-nowhere field that reads 0.
	 */
	{ .id = TDX_MD_TD_SERVTD_ATTR_MIGTD, .n = 1, .off = NO_STORE, .rd = true },
	HOST_ONLY(TDX_MD_TD_MIGSC_LINKS, TDX_MAX_MIGS),
};

/* The entry @id names (by class and field code, as the module looks up). */
static const struct servtd_field *find_field(u64 id, unsigned int *elem)
{
	u32 code = FIELD_GET(TDX_MD_FIELD_CODE_MASK, id);
	const struct servtd_field *f;

	for (f = servtd_fields; f < servtd_fields + ARRAY_SIZE(servtd_fields); f++) {
		u32 base = FIELD_GET(TDX_MD_FIELD_CODE_MASK, f->id);

		if ((id & TDX_MD_CLASS_MASK) == (f->id & TDX_MD_CLASS_MASK) &&
		    code >= base && code - base < f->n) {
			*elem = code - base;
			return f;
		}
	}
	return NULL;
}

/* The first MigTD-readable field after @f, or MD_FIELD_ID_NA. */
static u64 next_readable(const struct servtd_field *f)
{
	for (; f < servtd_fields + ARRAY_SIZE(servtd_fields); f++)
		if (f->rd)
			return f->id;
	return MD_FIELD_ID_NA;
}

static void *field_ptr(struct emu_td *td, const struct servtd_field *f, unsigned int i)
{
	return (u8 *)td + f->off + i * ELEM_BYTES(f->id);
}

static u64 field_load(struct emu_td *td, const struct servtd_field *f, unsigned int i)
{
	void *p;

	if (f->off == NO_STORE)
		return 0;
	p = field_ptr(td, f, i);
	switch (ELEM_BYTES(f->id)) {
	case 1:
		return READ_ONCE(*(u8 *)p);
	case 2:
		return READ_ONCE(*(u16 *)p);
	case 4:
		return READ_ONCE(*(u32 *)p);
	default:
		return READ_ONCE(*(u64 *)p);
	}
}

/* Element writes are atomic; a concurrent change fails as in the module. */
static bool field_cmpxchg(struct emu_td *td, const struct servtd_field *f, unsigned int i,
			  u64 old, u64 new)
{
	void *p = field_ptr(td, f, i);

	switch (ELEM_BYTES(f->id)) {
	case 1:
		return cmpxchg((u8 *)p, (u8)old, (u8)new) == (u8)old;
	case 2:
		return cmpxchg((u16 *)p, (u16)old, (u16)new) == (u16)old;
	case 4:
		return cmpxchg((u32 *)p, (u32)old, (u32)new) == (u32)old;
	default:
		return cmpxchg((u64 *)p, old, new) == old;
	}
}

/* §5: each MigTD read of MIG_ENC_KEY element 0 draws a fresh key. */
static void regen_enc_key(struct emu_td *td)
{
	u64 key[TDX_MD_KEY_ELEMENTS];
	int i;

	get_random_bytes(key, sizeof(key));
	for (i = 0; i < TDX_MD_KEY_ELEMENTS; i++)
		WRITE_ONCE(td->mig_enc_key[i], key[i]);
	memzero_explicit(key, sizeof(key));
}

/* §5 MIG_VERSION: within both [MIN,MAX]_EXPORT and [MIN,MAX]_IMPORT. */
static bool mig_version_ok(u64 v)
{
	static const u64 ids[] = {
		TDX_MD_SYS_MIN_EXPORT_VERSION, TDX_MD_SYS_MAX_EXPORT_VERSION,
		TDX_MD_SYS_MIN_IMPORT_VERSION, TDX_MD_SYS_MAX_IMPORT_VERSION,
	};
	u64 lim[ARRAY_SIZE(ids)] = {};
	int i;

	for (i = 0; i < ARRAY_SIZE(ids); i++)
		tdx_emu_sys_field(ids[i], &lim[i]);
	return v >= lim[0] && v <= lim[1] && v >= lim[2] && v <= lim[3];
}

/* TDG.SERVTD.RD of element @id: the value, and the next field ID (RDX). */
static u64 md_read(struct emu_td *td, u64 id, u64 *value, u64 *next)
{
	const struct servtd_field *f;
	unsigned int i;

	f = find_field(id, &i);
	if (!f)
		return TDX_STATUS_METADATA_FIELD_ID_INCORRECT;
	if (f->id == TDX_MD_TD_MIG_ENC_KEY && i == 0)
		regen_enc_key(td);
	if (!f->rd)
		return TDX_STATUS_METADATA_FIELD_NOT_READABLE;
	*value = field_load(td, f, i);
	*next = i + 1 < f->n ? id + 1 : next_readable(f + 1);
	return TDX_STATUS_SUCCESS;
}

/*
 * TDG.SERVTD.WR of element @id: new = (old & ~mask) | (data & mask) over
 * the writable bits; a masked bit that is not writable must keep its value.
 */
static u64 md_write(struct emu_td *td, u64 id, u64 data, u64 mask, u64 *old)
{
	const struct servtd_field *f;
	u64 cur, wr, forbidden, new;
	unsigned int i;

	f = find_field(id, &i);
	if (!f)
		return TDX_STATUS_METADATA_FIELD_ID_INCORRECT;
	wr = f->wr & mask;
	if (!wr)
		return TDX_STATUS_METADATA_FIELD_NOT_WRITABLE;
	cur = field_load(td, f, i);
	forbidden = mask & ~f->wr;
	if ((cur & forbidden) != (data & forbidden))
		return TDX_STATUS_METADATA_FIELD_VALUE_NOT_VALID;
	new = (cur & ~wr) | (data & wr);
	/* As in the module, the flag is set before the key is written. */
	if (f->id == TDX_MD_TD_MIG_DEC_KEY)
		WRITE_ONCE(td->mig_dec_key_set, true);
	else if (f->id == TDX_MD_TD_MIG_VERSION && !mig_version_ok(new))
		return TDX_STATUS_METADATA_FIELD_VALUE_NOT_VALID;
	if (!field_cmpxchg(td, f, i, cur, new))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_BUSY, TDX_OPID_METADATA_FIELD);
	*old = f->rd ? cur : 0;
	return TDX_STATUS_SUCCESS;
}

/* One TDG.SERVTD.RD/WR as it goes through the checks. */
struct servtd_call {
	struct emu_td *caller;
	struct emu_td *td;	/* the target */
	u64 target_pa;
	u64 slot;
	bool write;
	u64 field;
	u64 data;
	u64 mask;
};

/* Bits 54:52 of a field ID name TD context whatever the caller put. */
static u64 td_context(u64 field)
{
	return (field & ~TDX_MD_CONTEXT_MASK) | FIELD_PREP(TDX_MD_CONTEXT_MASK, TDX_MD_CTX_TD);
}

/* The metadata access, once the binding is checked. */
static u64 md_access(struct servtd_call *c, struct tdx_emu_guest_op *op)
{
	u64 id = td_context(c->field), value = 0, next = MD_FIELD_ID_NA;
	u64 ret;

	/* Field -1 on a read asks for the first field the MigTD may read. */
	if (!c->write && (c->field | TDX_MD_CONTEXT_MASK) == MD_FIELD_ID_NA) {
		op->field_id = next_readable(servtd_fields);
		return TDX_STATUS_METADATA_FIRST_FIELD_ID_IN_CONTEXT;
	}
	if (id & MD_SINGLE_ELEM_RSVD)
		return TDX_STATUS_METADATA_FIELD_ID_INCORRECT;
	if (c->write)
		ret = md_write(c->td, id, c->data, c->mask, &value);
	else
		ret = md_read(c->td, id, &value, &next);
	if (ret)
		return ret;
	op->value = value;
	if (!c->write)
		op->field_id = next;
	return TDX_STATUS_SUCCESS;
}

/*
 * The target's TD_UUID must be in R10-R13. Its PRE_IMPORT_UUID there means
 * the binding predates an import: the new UUID goes back (§5).
 */
static u64 check_target_uuid(struct servtd_call *c, struct tdx_emu_guest_op *op)
{
	if (!memcmp(c->td->uuid, op->uuid, sizeof(op->uuid)))
		return TDX_STATUS_SUCCESS;
	if (!memcmp(c->td->pre_import_uuid, op->uuid, sizeof(op->uuid))) {
		memcpy(op->uuid, c->td->uuid, sizeof(op->uuid));
		return TDX_STATUS_TARGET_UUID_UPDATED;
	}
	return TDX_STATUS_TARGET_UUID_MISMATCH;
}

/* §4: the binding failures that trap; servtd_lock is held shared. */
static u64 check_binding(struct servtd_call *c)
{
	const struct emu_servtd_binding *b = &c->td->servtd[c->slot];
	u8 hash[TDX_SERVTD_INFO_HASH_LEN];

	if (b->state != TDX_SERVTD_BOUND)
		return tdx_status_with_operand(TDX_STATUS_SERVTD_NOT_BOUND, c->slot);
	if (memcmp(b->uuid, c->caller->uuid, sizeof(b->uuid)))
		return TDX_STATUS_SERVTD_UUID_MISMATCH;
	info_hash(c->caller, ignore_tdinfo(b->attr), hash);
	if (memcmp(b->info_hash, hash, sizeof(hash)))
		return TDX_STATUS_SERVTD_INFO_HASH_MISMATCH;
	return TDX_STATUS_SUCCESS;
}

/* With the target locked and in a state the TDCALL allows. */
static u64 bound_access(struct servtd_call *c, struct tdx_emu_guest_op *op, u64 *trap)
{
	u64 ret;

	ret = check_target_uuid(c, op);
	if (!ret)
		ret = lock_bindings(c->td, EMU_LOCK_SHARED);
	if (ret)
		return ret;
	*trap = check_binding(c);
	ret = *trap ? *trap : md_access(c, op);
	emu_sharex_unlock(&c->td->servtd_lock, EMU_LOCK_SHARED);
	return ret;
}

/* §4: BUSY is the service TD's to retry; other lock failures trap. */
static bool is_busy(u64 status)
{
	return tdx_status_code(status) == TDX_STATUS_OPERAND_BUSY;
}

static u64 servtd_call(struct servtd_call *c, struct tdx_emu_guest_op *op, u64 *trap)
{
	u16 allowed = c->write ? SERVTD_WR_STATES : SERVTD_RD_STATES;
	u64 ret;

	if (c->slot >= TDX_MAX_SERVTDS)
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RCX);
	ret = td_begin(&servtd_call_locks, c->target_pa, TDX_OPID_TDR, allowed, &c->td);
	if (ret) {
		if (!is_busy(ret))
			*trap = ret;
		return ret;
	}
	ret = bound_access(c, op, trap);
	td_end(&servtd_call_locks, c->td);
	return ret;
}

/**
 * emu_guest_servtd - TDG.SERVTD.RD or TDG.SERVTD.WR by a service TD's vCPU
 * @vcpu: the calling vCPU, locked, its TD locked shared
 * @op: the guest step: handle (RCX), field_id (RDX), value (R8), mask
 *	(R9), uuid (R10-R13) in; status (RAX), value (R8), uuid and, for
 *	RD, field_id (RDX: the next field ID) out
 * @a: TDH.VP.ENTER's output registers
 *
 * Return: 0 when the TDCALL returned to the guest, or TDX_CROSS_TD_TRAP
 * when it traps to the host (§4). The TDCALL is then complete, as after
 * any trap: the guest sees the detailed status in RAX when it resumes. As
 * the 1.5.01 module's async_tdexit_cross_td() does, the host gets the
 * detailed status in RDX and the target's TDR in R8; RCX is 0.
 */
u64 emu_guest_servtd(struct emu_vcpu *vcpu, struct tdx_emu_guest_op *op, struct tdx_mig_args *a)
{
	struct servtd_call c = {
		.caller = vcpu->td,
		.write = op->type == TDX_EMU_GUEST_SERVTD_WR,
		.field = op->field_id,
		.data = op->value,
		.mask = op->mask,
	};
	/* §1.3: the handle less the caller's TD_UUID qword 0. */
	u64 raw = op->handle - vcpu->td->uuid[0], trap = 0, ret;

	c.target_pa = raw & GENMASK_ULL(51, 12);
	c.slot = raw & GENMASK_ULL(11, 0);
	/* Outputs default to R8 = 0 and, for RD, RDX = -1. */
	op->value = 0;
	if (!c.write)
		op->field_id = MD_FIELD_ID_NA;
	ret = servtd_call(&c, op, &trap);
	if (!trap) {
		op->status = ret;
		return 0;
	}
	op->status = trap;
	a->rcx = 0;
	a->rdx = trap;
	a->r8 = c.target_pa;
	return TDX_STATUS_CROSS_TD_TRAP;
}
