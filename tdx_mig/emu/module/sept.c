// SPDX-License-Identifier: GPL-2.0
/*
 * The Secure EPT of the emulated TDX Module and the leaves that add and
 * remove its pages: MEM.SEPT.ADD, MEM.PAGE.ADD, MEM.PAGE.AUG,
 * MEM.PAGE.REMOVE. Entries live in the SEPT pages the host handed over and
 * carry the state bits of §3.4 exactly; an entry is locked by its TDEL bit.
 * Only 4 KiB private pages are modelled.
 */
#include <linux/mm.h>
#include <linux/string.h>

#include "emu.h"

/* The state bits of an entry, and the leaf states that may be accessed. */
#define SEPT_STATE_BITS	(TDX_SEPT_D_BIT | TDX_SEPT_TDEX_BIT | TDX_SEPT_TDBW_BIT | \
			 TDX_SEPT_TDB_BIT | TDX_SEPT_TDP_BIT | TDX_SEPT_IPAT_BIT | \
			 TDX_SEPT_PS_BIT)
#define SEPT_RWX	(TDX_SEPT_R_BIT | TDX_SEPT_W_BIT | TDX_SEPT_X_BIT)

#define ST(x)	BIT(TDX_SEPT_##x)

/* §3.4 with §10.1: the leaf states each leaf accepts. */
static const struct {
	u16 leaf;
	u16 states;
} sept_leaf_table[] = {
	{ SEAMCALL_TDH_MEM_PAGE_ADD, ST(FREE) },
	{ SEAMCALL_TDH_MEM_PAGE_AUG, ST(FREE) | ST(REMOVED) },
	{ SEAMCALL_TDH_MEM_PAGE_REMOVE, ST(MAPPED) | ST(BLOCKED) | ST(BLOCKEDW) |
					ST(PENDING) | ST(PENDING_BLOCKED) |
					ST(PENDING_BLOCKEDW) },
	{ SEAMCALL_TDH_MEM_RANGE_BLOCK, ST(NL_MAPPED) | ST(MAPPED) | ST(BLOCKEDW) |
					ST(PENDING) | ST(PENDING_BLOCKEDW) },
	{ SEAMCALL_TDH_MEM_RANGE_UNBLOCK, ST(NL_BLOCKED) | ST(BLOCKED) | ST(PENDING_BLOCKED) },
	{ SEAMCALL_TDH_MEM_RD, ST(MAPPED) | ST(BLOCKEDW) | ST(EXPORTED_BLOCKEDW) |
			       ST(EXPORTED_DIRTY) | ST(EXPORTED_DIRTY_BLOCKEDW) },
	{ SEAMCALL_TDH_MEM_WR, ST(MAPPED) | ST(EXPORTED_DIRTY) },
	{ SEAMCALL_TDH_EXPORT_RESTORE, ST(EXPORTED_BLOCKEDW) | ST(EXPORTED_DIRTY) |
				       ST(EXPORTED_DIRTY_BLOCKEDW) | ST(PENDING_EXPORTED_BLOCKEDW) |
				       ST(PENDING_EXPORTED_DIRTY) |
				       ST(PENDING_EXPORTED_DIRTY_BLOCKEDW) },
};

/* TDG.MEM.PAGE.ACCEPT, the guest's TDCALL (§3.4). */
#define ACCEPT_STATES	(ST(PENDING) | ST(PENDING_EXPORTED_DIRTY))
/* What a guest may read, and write (W set), without a TD exit. */
#define GUEST_READ_STATES	(ST(MAPPED) | ST(BLOCKEDW) | ST(EXPORTED_BLOCKEDW) | \
				 ST(EXPORTED_DIRTY) | ST(EXPORTED_DIRTY_BLOCKEDW))
#define GUEST_WRITE_STATES	(ST(MAPPED) | ST(EXPORTED_DIRTY))

/* TDCALL leaf numbers overlap SEAMCALL ones, hence a function of its own. */
bool emu_sept_accept_allowed(enum tdx_sept_state state)
{
	return ACCEPT_STATES & BIT(state);
}

bool emu_sept_leaf_allowed(u16 leaf, enum tdx_sept_state state)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(sept_leaf_table); i++)
		if (sept_leaf_table[i].leaf == leaf)
			return sept_leaf_table[i].states & BIT(state);
	return false;
}

enum tdx_sept_state emu_sept_state(u64 entry)
{
	int state = tdx_sept_state_from_encoding(tdx_sept_entry_encoding(entry));

	/* The model writes only valid encodings; anything else is a bug. */
	if (WARN_ON_ONCE(state < 0))
		return TDX_SEPT_FREE;
	return state;
}

/* NL_MAPPED and writable states have RWX, readable ones R and X. */
static u64 state_rwx(enum tdx_sept_state state)
{
	if (state == TDX_SEPT_NL_MAPPED || (BIT(state) & GUEST_WRITE_STATES))
		return SEPT_RWX;
	if (BIT(state) & GUEST_READ_STATES)
		return TDX_SEPT_R_BIT | TDX_SEPT_X_BIT;
	return 0;
}

/* @entry with its state bits and permissions set to @state. */
u64 emu_sept_set_state(u64 entry, enum tdx_sept_state state)
{
	u8 enc = tdx_sept_state_encoding(state);
	static const u64 bits[] = {
		TDX_SEPT_D_BIT, TDX_SEPT_TDEX_BIT, TDX_SEPT_TDBW_BIT, TDX_SEPT_TDB_BIT,
		TDX_SEPT_TDP_BIT, TDX_SEPT_IPAT_BIT, TDX_SEPT_PS_BIT,
	};
	int i;

	entry &= ~(SEPT_STATE_BITS | SEPT_RWX);
	for (i = 0; i < ARRAY_SIZE(bits); i++)
		if (enc & BIT(i))
			entry |= bits[i];
	return entry | state_rwx(state);
}

static unsigned int sept_index(u64 gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * level)) & (PTRS_PER_PTE - 1);
}

/**
 * emu_sept_walk - find the entry at @level that maps @gpa
 * @td: the TD
 * @gpa: a private GPA
 * @level: 0 (4 KiB) to EMU_SEPT_LEVELS - 1
 * @failed_level: where the walk stopped, when it fails
 *
 * Non-leaf entries are never removed while the TD lives (SEPT.REMOVE is not
 * modelled), so the walk needs no lock above the entry it returns.
 *
 * Return: the entry, or NULL if a level above @level is not NL_MAPPED.
 */
u64 *emu_sept_walk(struct emu_td *td, u64 gpa, int level, int *failed_level)
{
	u64 *table = phys_to_virt(td->tdcx_pa[EMU_TDCS_SEPT_ROOT]);
	int l;

	for (l = EMU_SEPT_LEVELS - 1; l > level; l--) {
		u64 e = READ_ONCE(table[sept_index(gpa, l)]);

		if (emu_sept_state(e) != TDX_SEPT_NL_MAPPED) {
			*failed_level = l;
			return NULL;
		}
		table = phys_to_virt(e & TDX_SEPT_HPA_MASK);
	}
	return &table[sept_index(gpa, level)];
}

/*
 * Lock an entry by its TDEL bit, failing only if TDEL is set (a cmpxchg
 * that lost to another change of the entry retries). Returns a TDX status
 * naming the operand register of the leaf, as the module does.
 */
u64 emu_sept_lock_entry(u64 *entry, u64 *val)
{
	u64 old = READ_ONCE(*entry);

	do {
		if (old & TDX_SEPT_TDEL_BIT)
			return tdx_status_with_operand(TDX_STATUS_OPERAND_BUSY, TDX_OPID_RCX);
	} while (!try_cmpxchg64(entry, &old, old | TDX_SEPT_TDEL_BIT));
	*val = old;
	return TDX_STATUS_SUCCESS;
}

/* Store @val and unlock. */
void emu_sept_unlock_entry(u64 *entry, u64 val)
{
	/* Release: what was done under the entry lock is seen by the next holder. */
	smp_store_release(entry, val & ~TDX_SEPT_TDEL_BIT);
}

/*
 * Private memory is kept from the host's view as real TDX keeps it: the
 * page holds ciphertext. The model's cipher is an XOR pad derived from the
 * TD's key and the page frame; only the model and the test-only interface
 * (test.c) ever see plaintext.
 */
void emu_private_copy(struct emu_td *td, u64 hpa, unsigned int off, void *buf,
		      unsigned int len, bool write)
{
	u64 pfn = PHYS_PFN(hpa & TDX_SEPT_HPA_MASK);
	u8 *page = phys_to_virt(hpa & TDX_SEPT_HPA_MASK);
	u64 tweak = pfn * 0x9e3779b97f4a7c15ULL;
	unsigned int i = 0;
	u8 *b = buf;

	/* Whole qwords first: the pad is per qword, so this is the same XOR. */
	if (IS_ALIGNED(off, 8)) {
		for (; i + 8 <= len; i += 8) {
			u64 pad = td->mem_key[((off + i) / 8) % ARRAY_SIZE(td->mem_key)] ^ tweak;
			u64 v;

			if (write) {
				memcpy(&v, b + i, 8);
				v ^= pad;
				memcpy(page + off + i, &v, 8);
			} else {
				memcpy(&v, page + off + i, 8);
				v ^= pad;
				memcpy(b + i, &v, 8);
			}
		}
	}
	for (; i < len; i++) {
		unsigned int pos = off + i;
		u64 pad = td->mem_key[(pos / 8) % ARRAY_SIZE(td->mem_key)] ^ tweak;
		u8 p = pad >> (8 * (pos % 8));

		if (write)
			page[pos] = b[i] ^ p;
		else
			b[i] = page[pos] ^ p;
	}
}

/* Zero a private page as the TD sees it. */
void emu_private_clear(struct emu_td *td, u64 hpa)
{
	static const u8 zeros[256];
	unsigned int off;

	for (off = 0; off < PAGE_SIZE; off += sizeof(zeros))
		emu_private_copy(td, hpa, off, (void *)zeros, sizeof(zeros), true);
}

/*
 * The RCX operand of the memory leaves: reserved bits clear, a supported
 * level, aligned to it, below GPAW and private.
 */
static bool gpa_operand(u64 raw, u64 *gpa, int *level, int max_level)
{
	*gpa = raw & TDX_GPA_LEVEL_GPA_MASK;
	*level = FIELD_GET(TDX_GPA_LEVEL_MASK, raw);
	return !(raw & TDX_GPA_LEVEL_RSVD_MASK) && *level <= max_level &&
	       IS_ALIGNED(*gpa, 1ULL << (PAGE_SHIFT + 9 * *level)) &&
	       !(*gpa >> EMU_GPAW) && !(*gpa & EMU_SHARED_GPA_BIT);
}

/* Lock the TD named in RDX and check what every memory leaf needs. */
static u64 mem_leaf_begin(u16 leaf, struct tdx_mig_args *a, struct emu_td **td)
{
	return emu_leaf_begin(leaf, a->rdx, TDX_OPID_RDX, td);
}

static void mem_leaf_end(u16 leaf, struct emu_td *td)
{
	emu_leaf_end(leaf, td);
}

/*
 * A failed walk or state check names RCX and reports the entry where it
 * stopped (its HPA and RWX; the model's internal state bits are not
 * architectural) in RCX, and its level and public state in RDX.
 */
u64 emu_sept_error(struct tdx_mig_args *a, u64 status, u64 entry, int level)
{
	enum tdx_sept_state s = emu_sept_state(entry);

	a->rcx = entry & (TDX_SEPT_HPA_MASK | SEPT_RWX);
	a->rdx = level | (u64)tdx_sept_state_public(s) << 8;
	return tdx_status_with_operand(status, TDX_OPID_RCX);
}

/* A failed walk reports the entry where it stopped. */
static u64 sept_walk_error(struct tdx_mig_args *a, struct emu_td *td, u64 gpa, int failed)
{
	int unused;
	u64 *entry = emu_sept_walk(td, gpa, failed, &unused);

	return emu_sept_error(a, TDX_STATUS_EPT_WALK_FAILED, entry ? READ_ONCE(*entry) : 0, failed);
}

/*
 * Walk to @gpa's entry at @level for a host leaf and lock it; a failed walk
 * or a busy entry is reported as the module reports them.
 */
u64 emu_sept_walk_lock(struct tdx_mig_args *a, struct emu_td *td, u64 gpa, int level,
		       u64 **entry, u64 *old)
{
	int failed;

	*entry = emu_sept_walk(td, gpa, level, &failed);
	if (!*entry)
		return sept_walk_error(a, td, gpa, failed);
	return emu_sept_lock_entry(*entry, old);
}

/* TDH.MEM.SEPT.ADD: RCX = GPA | level (1..3), RDX = TDR, R8 = new page. */
u64 emu_mem_sept_add(struct tdx_mig_args *a)
{
	struct emu_pamt_entry *pe;
	int level, i;
	struct emu_td *td;
	u64 gpa, old, ret;
	u64 *entry, *table;

	ret = mem_leaf_begin(SEAMCALL_TDH_MEM_SEPT_ADD, a, &td);
	if (ret)
		return ret;
	if (!gpa_operand(a->rcx, &gpa, &level, EMU_SEPT_LEVELS - 1) || !level) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RCX);
		goto unlock_td;
	}
	ret = emu_pamt_claim(a->r8, TDX_OPID_R8, &pe);
	if (ret)
		goto unlock_td;
	ret = emu_sept_walk_lock(a, td, gpa, level, &entry, &old);
	if (ret)
		goto unlock_page;
	if (emu_sept_state(old) != TDX_SEPT_FREE) {
		emu_sept_unlock_entry(entry, old);
		ret = emu_sept_error(a, TDX_STATUS_EPT_ENTRY_STATE_INCORRECT, old, level);
		goto unlock_page;
	}
	table = phys_to_virt(a->r8);
	for (i = 0; i < PTRS_PER_PTE; i++)
		table[i] = emu_sept_set_state(0, TDX_SEPT_FREE);
	emu_pamt_assign(pe, EMU_PT_EPT, td->tdr_pa, NULL);
	atomic_long_inc(&td->child_pages);
	emu_sept_unlock_entry(entry, emu_sept_set_state(a->r8, TDX_SEPT_NL_MAPPED));
unlock_page:
	emu_sharex_unlock_exclusive(&pe->lock);
unlock_td:
	mem_leaf_end(SEAMCALL_TDH_MEM_SEPT_ADD, td);
	return ret;
}

/* PAGE.ADD's source: a shared, 4 KiB aligned page the host owns. */
static bool page_add_source_ok(u64 src)
{
	struct emu_pamt_entry *e = emu_pamt_entry(src);

	return PAGE_ALIGNED(src) && emu_hpa_is_shared(src) && e && READ_ONCE(e->type) == EMU_PT_NDA;
}

/*
 * Map a new private page at a 4 KiB GPA: the common part of PAGE.ADD (a
 * copy of the shared page in R9, mapped) and PAGE.AUG (zeroed, PENDING).
 */
static u64 page_map(u16 leaf, struct tdx_mig_args *a)
{
	bool add = leaf == SEAMCALL_TDH_MEM_PAGE_ADD;
	struct emu_pamt_entry *pe;
	enum tdx_sept_state to;
	int level;
	struct emu_td *td;
	u64 gpa, old, ret;
	u64 *entry;

	ret = mem_leaf_begin(leaf, a, &td);
	if (ret)
		return ret;
	if (!gpa_operand(a->rcx, &gpa, &level, 0)) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RCX);
		goto unlock_td;
	}
	if (add && !page_add_source_ok(a->r9)) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R9);
		goto unlock_td;
	}
	ret = emu_pamt_claim(a->r8, TDX_OPID_R8, &pe);
	if (ret)
		goto unlock_td;
	ret = emu_sept_walk_lock(a, td, gpa, 0, &entry, &old);
	if (ret)
		goto unlock_page;
	if (!emu_sept_leaf_allowed(leaf, emu_sept_state(old))) {
		emu_sept_unlock_entry(entry, old);
		ret = emu_sept_error(a, TDX_STATUS_EPT_ENTRY_STATE_INCORRECT, old, 0);
		goto unlock_page;
	}
	if (add) {
		emu_private_copy(td, a->r8, 0, phys_to_virt(a->r9 & ~EMU_HKID_MASK), PAGE_SIZE,
				 true);
		to = TDX_SEPT_MAPPED;
	} else {
		emu_private_clear(td, a->r8);
		to = TDX_SEPT_PENDING;
	}
	emu_pamt_assign(pe, EMU_PT_REG, td->tdr_pa, NULL);
	atomic_long_inc(&td->child_pages);
	emu_sept_unlock_entry(entry, emu_sept_set_state(a->r8, to));
unlock_page:
	emu_sharex_unlock_exclusive(&pe->lock);
unlock_td:
	mem_leaf_end(leaf, td);
	return ret;
}

/* TDH.MEM.PAGE.ADD: RCX = GPA, RDX = TDR, R8 = target, R9 = shared source. */
u64 emu_mem_page_add(struct tdx_mig_args *a)
{
	return page_map(SEAMCALL_TDH_MEM_PAGE_ADD, a);
}

/* TDH.MEM.PAGE.AUG: RCX = GPA, RDX = TDR, R8 = target; maps it PENDING. */
u64 emu_mem_page_aug(struct tdx_mig_args *a)
{
	return page_map(SEAMCALL_TDH_MEM_PAGE_AUG, a);
}

/* TDH.MEM.RANGE.BLOCK: RCX = GPA (4 KiB only), RDX = TDR. */
u64 emu_mem_range_block(struct tdx_mig_args *a)
{
	enum tdx_sept_state s;
	struct emu_pamt_entry *pe;
	int level;
	struct emu_td *td;
	u64 gpa, old, ret;
	u64 *entry;

	ret = mem_leaf_begin(SEAMCALL_TDH_MEM_RANGE_BLOCK, a, &td);
	if (ret)
		return ret;
	if (!gpa_operand(a->rcx, &gpa, &level, 0)) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RCX);
		goto unlock_td;
	}
	ret = emu_sept_walk_lock(a, td, gpa, 0, &entry, &old);
	if (ret)
		goto unlock_td;
	s = emu_sept_state(old);
	if (s == TDX_SEPT_BLOCKED || s == TDX_SEPT_PENDING_BLOCKED) {
		ret = TDX_STATUS_GPA_RANGE_ALREADY_BLOCKED;
	} else if (!emu_sept_leaf_allowed(SEAMCALL_TDH_MEM_RANGE_BLOCK, s)) {
		ret = emu_sept_error(a, TDX_STATUS_EPT_ENTRY_STATE_INCORRECT, old, 0);
	} else {
		/* The block epoch: REMOVE needs it TLB-tracked (§3.4). */
		pe = emu_pamt_entry(old & TDX_SEPT_HPA_MASK);
		raw_spin_lock(&td->epoch_lock);
		WRITE_ONCE(pe->bepoch, td->td_epoch);
		raw_spin_unlock(&td->epoch_lock);
		old = emu_sept_set_state(old, s >= TDX_SEPT_PENDING ? TDX_SEPT_PENDING_BLOCKED :
								      TDX_SEPT_BLOCKED);
	}
	emu_sept_unlock_entry(entry, old);
unlock_td:
	mem_leaf_end(SEAMCALL_TDH_MEM_RANGE_BLOCK, td);
	return ret;
}

/*
 * While vCPUs may run (RUNNABLE, LIVE_EXPORT, LIVE_IMPORT: the states that
 * need TLB tracking, §3.1), a page is removed only once blocked and the
 * blocking is TLB-tracked.
 */
static u64 remove_tracked(struct emu_td *td, enum tdx_sept_state s, u64 bepoch)
{
	bool tracked;

	if (td->op_state != TDX_OP_STATE_RUNNABLE && td->op_state != TDX_OP_STATE_LIVE_EXPORT &&
	    td->op_state != TDX_OP_STATE_LIVE_IMPORT)
		return TDX_STATUS_SUCCESS;
	if (s != TDX_SEPT_BLOCKED && s != TDX_SEPT_PENDING_BLOCKED)
		return TDX_STATUS_GPA_RANGE_NOT_BLOCKED;
	raw_spin_lock(&td->epoch_lock);
	tracked = td->td_epoch > bepoch + 1 ||
		  (td->td_epoch == bepoch + 1 && !td->epoch_refcount[bepoch & 1]);
	raw_spin_unlock(&td->epoch_lock);
	return tracked ? TDX_STATUS_SUCCESS : TDX_STATUS_TLB_TRACKING_NOT_DONE;
}

/* TDH.MEM.PAGE.REMOVE: RCX = GPA, RDX = TDR; the page returns to the host. */
u64 emu_mem_page_remove(struct tdx_mig_args *a)
{
	struct emu_pamt_entry *pe;
	int level;
	struct emu_td *td;
	u64 gpa, old, ret;
	u64 *entry;

	ret = mem_leaf_begin(SEAMCALL_TDH_MEM_PAGE_REMOVE, a, &td);
	if (ret)
		return ret;
	if (!gpa_operand(a->rcx, &gpa, &level, 0)) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RCX);
		goto unlock_td;
	}
	ret = emu_sept_walk_lock(a, td, gpa, 0, &entry, &old);
	if (ret)
		goto unlock_td;
	if (!emu_sept_leaf_allowed(SEAMCALL_TDH_MEM_PAGE_REMOVE, emu_sept_state(old))) {
		emu_sept_unlock_entry(entry, old);
		ret = emu_sept_error(a, TDX_STATUS_EPT_ENTRY_STATE_INCORRECT, old, 0);
		goto unlock_td;
	}
	pe = emu_pamt_entry(old & TDX_SEPT_HPA_MASK);
	if (!emu_sharex_try_exclusive(&pe->lock)) {
		emu_sept_unlock_entry(entry, old);
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_BUSY, TDX_OPID_RCX);
		goto unlock_td;
	}
	ret = remove_tracked(td, emu_sept_state(old), pe->bepoch);
	if (ret) {
		emu_sharex_unlock_exclusive(&pe->lock);
		emu_sept_unlock_entry(entry, old);
		ret = tdx_status_with_operand(ret, TDX_OPID_RCX);
		goto unlock_td;
	}
	emu_pamt_release(pe);
	emu_sharex_unlock_exclusive(&pe->lock);
	atomic_long_dec(&td->child_pages);
	/* While an import goes on the entry remembers when (§3.3, §10.2). */
	if (td->op_state == TDX_OP_STATE_POST_IMPORT || td->op_state == TDX_OP_STATE_LIVE_IMPORT)
		old = emu_sept_set_state(FIELD_PREP(TDX_SEPT_REMOVED_EPOCH_MASK, td->mig_epoch) |
					 TDX_SEPT_REMOVED_EPOCH_VALID, TDX_SEPT_REMOVED);
	else
		old = emu_sept_set_state(0, TDX_SEPT_FREE);
	emu_sept_unlock_entry(entry, old);
unlock_td:
	mem_leaf_end(SEAMCALL_TDH_MEM_PAGE_REMOVE, td);
	return ret;
}
