// SPDX-License-Identifier: GPL-2.0
/*
 * The MIGSC behind each stream index: created on the first stream of that
 * index (the backward stream's first), kept for re-migration until the TD
 * is destroyed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/module.h>

#include "migsc/migsc.h"

/* TDH.MIG.STREAM.CREATE of link @link, unless the TD has it already. */
static int migsc_create(struct tdx_mig_td *td, unsigned int link)
{
	unsigned int busy = 0;
	struct page *page;
	u64 ret;

	if (td->migsc[link])
		return 0;
	/* The TDX Module creates streams only before a migration starts. */
	if (td->state != TDX_OP_STATE_UNINITIALIZED && td->state != TDX_OP_STATE_INITIALIZED &&
	    td->state != TDX_OP_STATE_RUNNABLE)
		return -EPERM;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		return -ENOMEM;
	/* A vCPU entering holds OP_STATE shared for a moment: retried. */
	do {
		ret = tdx_mig_tdh_mig_stream_create(tdx_mig_tdr(td->info.tdr_pa),
						    page_to_phys(page));
	} while (tdx_mig_status_busy(ret) && tdx_mig_busy_backoff(&busy));
	if (ret) {
		__free_page(page);
		pr_err_ratelimited("TDH.MIG.STREAM.CREATE failed: %#llx\n", ret);
		return tdx_mig_status_to_errno(ret);
	}
	td->migsc[link] = page;
	return 0;
}

/**
 * tdx_mig_migsc_get - the lowest free forward stream index, its MIGSC made
 * @td: the session
 * @index: the index taken
 *
 * The backward stream's MIGSC is created before the first forward one.
 * Return: 0, -ENOSPC beyond MAX_MIGS - 1 forward streams, -EPERM when a
 * MIGSC is missing and the TD is already migrating, or -errno.
 */
int tdx_mig_migsc_get(struct tdx_mig_td *td, u16 *index)
{
	unsigned int i;
	int ret;

	down_write(&td->lock);
	i = find_first_zero_bit(td->stream_used, td->max_migs - 1);
	if (i >= td->max_migs - 1) {
		ret = -ENOSPC;
		goto out;
	}
	ret = migsc_create(td, 0);
	if (!ret)
		ret = migsc_create(td, i + 1);
	if (!ret) {
		__set_bit(i, td->stream_used);
		*index = i;
	}
out:
	up_write(&td->lock);
	return ret;
}
EXPORT_SYMBOL_FOR_TDX_MIG_KUNIT(tdx_mig_migsc_get);

void tdx_mig_migsc_put(struct tdx_mig_td *td, u16 index)
{
	down_write(&td->lock);
	__clear_bit(index, td->stream_used);
	up_write(&td->lock);
}
EXPORT_SYMBOL_FOR_TDX_MIG_KUNIT(tdx_mig_migsc_put);

/*
 * Context: the TD's private key released (TDH.PHYMEM.PAGE.RECLAIM requires
 * it). A MIGSC the TDX Module refuses to give back is leaked, never freed
 * while it may be in use.
 */
void tdx_mig_migsc_reclaim_all(struct tdx_mig_td *td)
{
	unsigned int i;

	for (i = 0; td->migsc && i < td->max_migs; i++) {
		u64 type, owner, ret;

		if (!td->migsc[i])
			continue;
		ret = tdx_mig_tdh_phymem_page_reclaim(page_to_phys(td->migsc[i]), &type, &owner);
		if (ret)
			pr_err("MIGSC %u not reclaimed (TDX status %#llx), leaking it\n", i, ret);
		else
			__free_page(td->migsc[i]);
	}
}
