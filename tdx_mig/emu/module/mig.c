// SPDX-License-Identifier: GPL-2.0
/*
 * What the emulated TDX Module's export and import leaves share: migration
 * streams (TDH.MIG.STREAM.CREATE, MIGSC links and their locks), session
 * keys, MBMD operands and MACs, metadata lists (§2.5) and the state-bundle
 * loop that STATE.IMMUTABLE, STATE.TD and STATE.VP run on both sides.
 */
#include <linux/random.h>
#include <linux/string.h>

#include "emu.h"
#include "mbmd.h"
#include "migsc.h"

struct emu_migsc *emu_migsc_at(struct emu_td *td, unsigned int link)
{
	return phys_to_virt(READ_ONCE(td->migsc_links[link]) & TDX_MIGSC_LINK_HPA_MASK);
}

/* TDH.MIG.STREAM.CREATE: RCX = new MIGSC page, RDX = TDR. */
u64 emu_mig_stream_create(struct tdx_mig_args *a)
{
	struct emu_pamt_entry *pe;
	struct emu_migsc *migsc;
	struct emu_td *td;
	u64 ret;

	/* OP_STATE exclusive guards NUM_MIGS; vCPUs may keep running. */
	ret = emu_leaf_td_lock(SEAMCALL_TDH_MIG_STREAM_CREATE, a->rdx, TDX_OPID_RDX, &td);
	if (ret)
		return ret;
	ret = emu_td_check_keys(td);
	if (!ret)
		ret = emu_leaf_op_state_lock(SEAMCALL_TDH_MIG_STREAM_CREATE, td);
	if (ret)
		goto unlock_td;
	if (!emu_op_state_allows(SEAMCALL_TDH_MIG_STREAM_CREATE, td->op_state))
		ret = TDX_STATUS_OP_STATE_INCORRECT;
	if (!ret && !td->migsc_links)
		ret = TDX_STATUS_TDCS_NOT_ALLOCATED;
	if (!ret && td->num_migs >= TDX_MAX_MIGS)
		ret = TDX_STATUS_MAX_MIGS_NUM_EXCEEDED;
	if (!ret)
		ret = emu_pamt_claim(a->rcx, TDX_OPID_RCX, &pe);
	if (ret)
		goto unlock;
	migsc = phys_to_virt(a->rcx);
	memset(migsc, 0, PAGE_SIZE);
	migsc->link = td->num_migs;
	emu_pamt_assign(pe, EMU_PT_TDCX, td->tdr_pa, NULL);
	atomic_long_inc(&td->child_pages);
	/* The first stream created is the backward one (§1.2). */
	WRITE_ONCE(td->migsc_links[td->num_migs], a->rcx & TDX_MIGSC_LINK_HPA_MASK);
	td->num_migs++;
	emu_sharex_unlock_exclusive(&pe->lock);
unlock:
	emu_leaf_op_state_unlock(SEAMCALL_TDH_MIG_STREAM_CREATE, td);
unlock_td:
	emu_leaf_td_unlock(SEAMCALL_TDH_MIG_STREAM_CREATE, td);
	return ret;
}

/* Lock a stream by bit 0 of its link (§2.4); returns a TDX status. */
u64 emu_migsc_lock(struct emu_td *td, unsigned int link, struct emu_migsc **out)
{
	u64 old = READ_ONCE(td->migsc_links[link]);

	if ((old & TDX_MIGSC_LINK_LOCK_BIT) ||
	    !try_cmpxchg64(&td->migsc_links[link], &old, old | TDX_MIGSC_LINK_LOCK_BIT))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_BUSY, TDX_OPID_MIGSC);
	*out = emu_migsc_at(td, link);
	return TDX_STATUS_SUCCESS;
}

void emu_migsc_unlock(struct emu_td *td, unsigned int link)
{
	/* Release: the stream's state is published with the unlock. */
	smp_mb__before_atomic();
	clear_bit(0, (unsigned long *)&td->migsc_links[link]);
}

bool emu_migsc_initialized(struct emu_td *td, unsigned int link)
{
	return READ_ONCE(td->migsc_links[link]) & TDX_MIGSC_LINK_INITIALIZED_BIT;
}

/* First use of a stream in a session (§2.4): counters from zero. */
void emu_migsc_init(struct emu_td *td, unsigned int link, struct emu_migsc *migsc)
{
	migsc->iv_counter = 0;
	migsc->next_mb_counter = 0;
	migsc->expected_mb_counter = 0;
	migsc->intr.valid = false;
	set_bit(1, (unsigned long *)&td->migsc_links[link]);
}

/* A new session or an abort: every stream starts over on its next use. */
void emu_migsc_uninit_all(struct emu_td *td)
{
	unsigned int i;

	for (i = 0; i < td->num_migs; i++)
		clear_bit(1, (unsigned long *)&td->migsc_links[i]);
}

/*
 * Both NEW STATE.IMMUTABLE leaves (§10.2): latch both working keys and the
 * working version, consume MIG_DEC_KEY_SET, and draw a fresh MIG_ENC_KEY so
 * no key serves two sessions (§2.2 g).
 */
void emu_mig_new_session_keys(struct emu_td *td)
{
	memcpy(td->mig_enc_working_key, td->mig_enc_key, sizeof(td->mig_enc_key));
	memcpy(td->mig_dec_working_key, td->mig_dec_key, sizeof(td->mig_dec_key));
	td->mig_working_version = td->mig_version;
	td->mig_dec_key_set = false;
	get_random_bytes(td->mig_enc_key, sizeof(td->mig_enc_key));
	emu_migsc_uninit_all(td);
}

/* A shared page operand: aligned, shared key ID, host memory. */
bool emu_shared_page_ok(u64 hpa, unsigned int align)
{
	struct emu_pamt_entry *e = emu_pamt_entry(hpa);

	return IS_ALIGNED(hpa, align) && emu_hpa_is_shared(hpa) && e && e->type == EMU_PT_NDA;
}

void *emu_shared_va(u64 hpa)
{
	return phys_to_virt(hpa & ~EMU_HKID_MASK & PHYSICAL_PAGE_MASK) + offset_in_page(hpa);
}

/* R8 as HPA_AND_SIZE (§1.2): the MBMD buffer, or NULL if invalid. */
struct tdx_mbmd *emu_mbmd_operand(u64 raw)
{
	struct tdx_hpa_and_size hs;

	if (!tdx_hpa_and_size_decode(raw, &hs) || !emu_shared_page_ok(hs.hpa, TDX_MBMD_ALIGN) ||
	    offset_in_page(hs.hpa) + sizeof(struct tdx_mbmd) > PAGE_SIZE)
		return NULL;
	return emu_shared_va(hs.hpa);
}

/* The key and IV of an MBMD MAC: tag = GCM(AAD = MBMD[0..32]) (§2.2). */
static int mbmd_gcm(struct tdx_mbmd *mbmd, const u64 *key, bool sign)
{
	u8 aad[TDX_MBMD_AAD_LEN];
	struct tdx_migs_iv iv;
	struct emu_crypto *c;
	int ret;

	tdx_mbmd_aad(mbmd, aad);
	tdx_mbmd_iv(&iv, le64_to_cpu(mbmd->hdr.iv_counter), le16_to_cpu(mbmd->hdr.migs_index));
	c = emu_crypto_get();
	ret = emu_gcm(c, (const u8 *)key, &iv, aad, sizeof(aad), NULL, NULL, 0, mbmd->mac,
		      sign);
	emu_crypto_put(c);
	return ret;
}

void emu_mbmd_sign(struct tdx_mbmd *mbmd, const u64 *key)
{
	WARN_ON_ONCE(mbmd_gcm(mbmd, key, true));
}

bool emu_mbmd_verify(struct tdx_mbmd *mbmd, const u64 *key)
{
	return !mbmd_gcm(mbmd, key, false);
}

/* §2.5 metadata lists: a header, then sequences of one field each. */
void emu_md_begin(struct emu_md_writer *w, void *page)
{
	memset(page, 0, PAGE_SIZE);
	w->page = page;
	w->off = sizeof(struct tdx_md_list_header);
	w->nseq = 0;
}

bool emu_md_put(struct emu_md_writer *w, u64 field_id, const u64 *vals, unsigned int n)
{
	u64 *p = w->page + w->off;
	u64 hdr = field_id & ~(TDX_MD_LAST_ELEM_MASK | TDX_MD_LAST_FIELD_MASK |
			       TDX_MD_WRITE_MASK_VALID_BIT);

	if (!n || n > 16 || w->off + (n + 1) * sizeof(u64) > PAGE_SIZE)
		return false;
	p[0] = hdr | FIELD_PREP(TDX_MD_LAST_ELEM_MASK, n - 1);
	memcpy(&p[1], vals, n * sizeof(u64));
	w->off += (n + 1) * sizeof(u64);
	w->nseq++;
	return true;
}

void emu_md_end(struct emu_md_writer *w)
{
	struct tdx_md_list_header *h = w->page;

	h->list_buff_size = cpu_to_le16(w->off);
	h->num_sequences = cpu_to_le16(w->nseq);
	h->reserved = 0;
}

/*
 * The next sequence of a metadata-list page: its field ID and elements.
 * Returns 1, 0 at the end, or -EINVAL for a malformed list.
 */
int emu_md_next(struct emu_md_reader *r, u64 *field_id, const u64 **vals, unsigned int *n)
{
	const struct tdx_md_list_header *h = r->page;
	unsigned int size = le16_to_cpu(h->list_buff_size);
	const u64 *p;

	if (size > PAGE_SIZE || size < sizeof(*h) || h->reserved ||
	    le16_to_cpu(h->num_sequences) > PAGE_SIZE / 16)
		return -EINVAL;
	if (r->seq == le16_to_cpu(h->num_sequences))
		return r->off == size ? 0 : -EINVAL;
	if (r->off + sizeof(u64) > size)
		return -EINVAL;
	p = r->page + r->off;
	/* The sequence header carries the element count in the field ID. */
	*field_id = p[0] & ~(TDX_MD_LAST_ELEM_MASK | TDX_MD_LAST_FIELD_MASK);
	*n = FIELD_GET(TDX_MD_LAST_ELEM_MASK, p[0]) + 1;
	if (FIELD_GET(TDX_MD_LAST_FIELD_MASK, p[0]) || r->off + (*n + 1) * sizeof(u64) > size)
		return -EINVAL;
	*vals = &p[1];
	r->off += (*n + 1) * sizeof(u64);
	r->seq++;
	return 1;
}

void emu_md_reader_init(struct emu_md_reader *r, const void *page)
{
	r->page = page;
	r->off = sizeof(struct tdx_md_list_header);
	r->seq = 0;
}

/*
 * The pages of a state bundle's page list (R9): @n page pointers, checked
 * shared and 4 KiB aligned. Returns 0 or the index + 1 of a bad entry.
 */
unsigned int emu_page_list_pages(u64 list_hpa, unsigned int n, struct page **pages)
{
	const u64 *list = emu_shared_va(list_hpa);
	unsigned int i;

	for (i = 0; i < n; i++) {
		u64 hpa = READ_ONCE(list[i]);

		if (!emu_shared_page_ok(hpa, PAGE_SIZE))
			return i + 1;
		pages[i] = pfn_to_page(PHYS_PFN(hpa & ~EMU_HKID_MASK));
	}
	return 0;
}

/*
 * Advance a state bundle by one page per step, polling for an interrupt
 * between pages (never after the last, and never before one was done in
 * this call). Returns true when all @n pages are done.
 */
bool emu_state_pages_step(struct emu_migsc *migsc, unsigned int n)
{
	unsigned int done_now = 0;

	while (migsc->intr.num_processed < n) {
		if (done_now && emu_intr_pending())
			return false;
		migsc->intr.num_processed++;
		done_now++;
	}
	return true;
}
