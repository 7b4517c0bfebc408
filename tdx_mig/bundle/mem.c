// SPDX-License-Identifier: GPL-2.0
/*
 * Memory bundles: up to 512 pages per call through the stream's GPA list,
 * MAC lists and buffers; the per-entry statuses say what each page did.
 */
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "bundle/bundle.h"

/* The module marks the buffers it did not use; each bundle starts afresh. */
static void buf_list_fill(struct tdx_mig_stream *s, u32 n)
{
	u64 *list = page_address(s->buf_list);
	u32 k;

	for (k = 0; k < s->buf_list_pages; k++)
		list[k] = tdx_page_list_entry_encode(page_to_phys(s->bufs[k]), k >= n);
}

/* Both change SEPT entries: the hypervisor's Secure-EPT lock is held. */
static u64 export_mem_step(struct tdx_mig_stream *s, bool resume, void *ctx)
{
	u64 pages, ret;

	tdx_mig_td_sept_lock(s->td);
	ret = tdx_mig_tdh_export_mem(tdx_mig_tdr(s->td->info.tdr_pa), &s->pending.gpa_list_info,
				     tdx_mig_migsc_mbmd(s), page_to_phys(s->buf_list),
				     tdx_mig_migsc_cmd(s, s->index, resume),
				     page_to_phys(s->mac[0]), page_to_phys(s->mac[1]), &pages);
	tdx_mig_td_sept_unlock(s->td);
	return ret;
}

static u64 import_mem_step(struct tdx_mig_stream *s, bool resume, void *ctx)
{
	u64 ret;

	tdx_mig_td_sept_lock(s->td);
	ret = tdx_mig_tdh_import_mem(tdx_mig_tdr(s->td->info.tdr_pa), &s->pending.gpa_list_info,
				     tdx_mig_migsc_mbmd(s), page_to_phys(s->buf_list),
				     tdx_mig_migsc_cmd(s, s->index, resume),
				     page_to_phys(s->mac[0]), page_to_phys(s->mac[1]),
				     page_to_phys(s->td_list));
	tdx_mig_td_sept_unlock(s->td);
	return ret;
}

/*
 * After a memory bundle, from the kernel's copy of the GPA list: the
 * per-entry results say what happened (RAX only counts failures). An
 * export turns a failed entry's operation into NOP and leaves a good one's
 * status as the host wrote it (it is part of the AAD, §2.3); an import
 * writes every status. Pages moved are returned; a source's failed entries
 * go back to the dirty log, to be blocked and sent again.
 */
static u32 count_entries(struct tdx_mig_stream *s, u32 n, bool export)
{
	const u64 *list = page_address(s->gpa_copy);
	u32 k, moved = 0;

	for (k = 0; k < n; k++) {
		struct tdx_gpa_entry e;

		tdx_gpa_entry_decode(list[k], &e);
		if (e.operation != TDX_GPA_OP_NOP &&
		    (export || e.status == TDX_GPA_STATUS_SUCCESS)) {
			moved += e.operation != TDX_GPA_OP_CANCEL;
		} else if (e.status != TDX_GPA_STATUS_SKIPPED) {
			s->stats.failed_entries++;
			if (export)
				tdx_mig_dirty_redirty(s->td, e.gpa >> PAGE_SHIFT);
		}
	}
	s->stats.pages += moved;
	s->stats.bytes += (u64)moved * PAGE_SIZE;
	return moved;
}

/* Every page of the kernel's GPA list goes back to the dirty log (a call that failed). */
static void redirty_all(struct tdx_mig_stream *s, u32 n)
{
	const u64 *list = page_address(s->gpa_copy);
	u32 k;

	for (k = 0; k < n; k++)
		tdx_mig_dirty_redirty(s->td, (list[k] & TDX_GPA_ENTRY_GPA_MASK) >> PAGE_SHIFT);
}

/*
 * A new memory bundle works on a private copy of the VMM's GPA list: the
 * pages counted, re-dirtied and (on import) handed out are the ones the
 * TDX Module sees, whatever the VMM writes meanwhile.
 */
static void gpa_list_take(struct tdx_mig_stream *s, u32 n)
{
	tdx_mig_migsc_copy(s, page_address(s->gpa_copy), page_address(s->gpa_list),
			   n * sizeof(u64), false);
	buf_list_fill(s, n);
	s->pending.gpa_list_info = tdx_gpa_list_info_encode(page_to_phys(s->gpa_copy), 0, n - 1);
}

/* The entries as the TDX Module wrote them go back to the VMM (and on). */
static void gpa_list_give_back(struct tdx_mig_stream *s, u32 n)
{
	tdx_mig_migsc_copy(s, page_address(s->gpa_list), page_address(s->gpa_copy),
			   n * sizeof(u64), false);
}

int tdx_mig_bundle_export_mem(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	u64 start = ktime_get_ns();
	int ret = tdx_mig_bundle_pages_ok(s, *arg);

	if (ret)
		return ret;
	if (!s->pending.active)
		gpa_list_take(s, *arg);
	ret = tdx_mig_migsc_call(s, SEAMCALL_TDH_EXPORT_MEM, export_mem_step, NULL, status);
	if (ret == -ERESTARTSYS || ret == -EAGAIN)
		return ret;
	gpa_list_give_back(s, *arg);
	if (ret) {
		/* Entries may have been exported before it failed: send them again. */
		redirty_all(s, *arg);
		return ret;
	}
	s->stats.bundles++;
	*arg = count_entries(s, *arg, true);
	tdx_mig_dirty_round_export(s->td, *arg, start);
	return 0;
}

/*
 * The hypervisor readies the SEPT for every entry's GFN and hands a page
 * for each MIGRATE (a new page: the TDX Module takes it only over a FREE
 * or REMOVED entry); REMIGRATE is imported in place and CANCEL needs none.
 */
static int import_mem_prepare(struct tdx_mig_stream *s, u32 n)
{
	const u64 *list = page_address(s->gpa_copy);
	u64 *td_list = page_address(s->td_list);
	struct tdx_mig_td *td = s->td;
	u32 k;
	int ret;

	for (k = 0; k < n; k++) {
		struct tdx_mig_import_page *p = &s->import[k];
		struct tdx_gpa_entry e;

		*p = (struct tdx_mig_import_page){ .gfn = TDX_MIG_GFN_NONE };
		if (!tdx_gpa_entry_decode(list[k], &e) || e.operation == TDX_GPA_OP_NOP)
			continue;
		p->gfn = e.gpa >> PAGE_SHIFT;
		if (p->gfn >= td->info.nr_gfns)
			return -EINVAL;
		p->needs_page = e.operation == TDX_GPA_OP_MIGRATE;
	}
	ret = td->ops->import_pages(td->vm, s->import, n);
	if (ret)
		return ret;
	for (k = 0; k < n; k++) {
		u64 pa = s->import[k].needs_page ? s->import[k].page_pa : 0;

		if (pa)
			tdx_mig_page_flush(pa);
		td_list[k] = tdx_page_list_entry_encode(pa, !pa);
	}
	return 0;
}

/* What each entry did, from the statuses TDH.IMPORT.MEM wrote, for the hypervisor. */
static void import_mem_done(struct tdx_mig_stream *s, u32 n)
{
	const u64 *list = page_address(s->gpa_copy);
	u32 k;

	for (k = 0; k < n; k++) {
		struct tdx_mig_import_page *p = &s->import[k];
		struct tdx_gpa_entry e;

		p->result = TDX_MIG_IMPORT_UNCHANGED;
		if (p->gfn == TDX_MIG_GFN_NONE || !tdx_gpa_entry_decode(list[k], &e) ||
		    e.status != TDX_GPA_STATUS_SUCCESS)
			continue;
		if (e.operation == TDX_GPA_OP_MIGRATE)
			p->result = TDX_MIG_IMPORT_MAPPED;
		else if (e.operation == TDX_GPA_OP_CANCEL)
			p->result = TDX_MIG_IMPORT_REMOVED;
		if (p->result == TDX_MIG_IMPORT_MAPPED)
			set_bit(p->gfn, s->td->imported);
		else if (p->result == TDX_MIG_IMPORT_REMOVED)
			clear_bit(p->gfn, s->td->imported);
	}
	s->td->ops->import_done(s->td->vm, s->import, n);
	tdx_mig_td_demand_done(s->td, s->import, n);
}

/* The pages the hypervisor hands out are the ones the TDX Module maps. */
int tdx_mig_bundle_import_mem(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	u64 before = s->stats.failed_entries;
	int ret = tdx_mig_bundle_pages_ok(s, *arg);

	if (ret)
		return ret;
	if (!s->pending.active) {
		gpa_list_take(s, *arg);
		ret = import_mem_prepare(s, *arg);
		if (ret)
			return ret;
	}
	ret = tdx_mig_migsc_call(s, SEAMCALL_TDH_IMPORT_MEM, import_mem_step, NULL, status);
	/*
	 * Only a completed call wrote every entry's status. One that failed
	 * ended the import session (LIST_ABORT): the TD is torn down, and
	 * the hypervisor reclaims every page it handed, mapped or not.
	 */
	if (ret)
		return ret;
	import_mem_done(s, *arg);
	gpa_list_give_back(s, *arg);
	s->stats.bundles++;
	*arg = count_entries(s, *arg, false);
	/* A page the destination could not take fails the migration. */
	if (s->stats.failed_entries == before)
		return 0;
	*status = 0;	/* the SEAMCALL succeeded; the entries say what failed */
	return -EIO;
}
