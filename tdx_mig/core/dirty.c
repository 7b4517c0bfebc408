// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty tracking of private pages. Upstream KVM refuses dirty logging on
 * guest_memfd memslots, so the core keeps its own log, fed by two hooks of
 * the hypervisor: write-block (the VMM clears the log, the pages are
 * TDH.EXPORT.BLOCKW'd) and write-fault (a vCPU writes a blocked page, it is
 * TDH.EXPORT.UNBLOCKW'd and logged dirty). An abort undoes all of it.
 *
 * The live phase goes in rounds, each ended by an epoch token; per round
 * the core counts the pages the guest dirtied and the pages exported, and
 * measures the export rate, which the VMM reads (KVM_TDX_MIG_GET_STATS) to
 * estimate the blackout before it pauses.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "core.h"
#include "export.h"

/* A new export: every page is dirty, none is blocked (KVM's INITIALLY_SET). */
void tdx_mig_dirty_start(struct tdx_mig_td *td)
{
	bitmap_fill(td->dirty, td->info.nr_gfns);
	bitmap_zero(td->blocked, td->info.nr_gfns);
	spin_lock(&td->round_lock);
	td->round.open = false;
	td->round.rounds = 0;
	td->round.pages = 0;
	td->round.first_ns = 0;
	td->round.last_ns = 0;
	td->round.rate = 0;
	atomic64_set(&td->round.dirtied, 0);
	spin_unlock(&td->round_lock);
}

/* The first clear or export since the last token opens a round. */
static void round_begin(struct tdx_mig_td *td)
{
	struct tdx_mig_round *r = &td->round;

	lockdep_assert_held(&td->round_lock);
	if (r->open)
		return;
	r->open = true;
	r->rounds++;
	r->pages = 0;
	r->first_ns = 0;
	r->last_ns = 0;
	/* Faults racing with the clear that opens the round may count in either. */
	atomic64_set(&r->dirtied, 0);
}

/* An epoch token ended the round: the next clear or export opens another. */
void tdx_mig_dirty_round_end(struct tdx_mig_td *td)
{
	spin_lock(&td->round_lock);
	td->round.open = false;
	spin_unlock(&td->round_lock);
}

/**
 * tdx_mig_dirty_round_export - an EXPORT_MEM completed
 * @td: the session
 * @pages: the pages it exported
 * @start_ns: ktime_get_ns() when it began
 *
 * The round's rate is its pages over the time from the start of its first
 * EXPORT_MEM to the end of its last, on whichever streams: the rate the
 * VMM achieved, its own work between bundles included, its idle time
 * before and after the round's exports not.
 *
 * Context: any stream's call; takes td->round_lock.
 */
void tdx_mig_dirty_round_export(struct tdx_mig_td *td, u64 pages, u64 start_ns)
{
	struct tdx_mig_round *r = &td->round;
	u64 now = ktime_get_ns();

	spin_lock(&td->round_lock);
	round_begin(td);
	if (!r->first_ns || start_ns < r->first_ns)
		r->first_ns = start_ns;
	r->last_ns = max(r->last_ns, now);
	r->pages += pages;
	if (r->pages && r->last_ns > r->first_ns)
		r->rate = div64_u64(r->pages * NSEC_PER_SEC, r->last_ns - r->first_ns);
	spin_unlock(&td->round_lock);
}

/* The TD's figures of KVM_TDX_MIG_GET_STATS. */
void tdx_mig_dirty_round_read(struct tdx_mig_td *td, struct kvm_tdx_mig_stats *st)
{
	spin_lock(&td->round_lock);
	st->td_rounds = td->round.rounds;
	st->td_round_dirtied = atomic64_read(&td->round.dirtied);
	st->td_export_rate = td->round.rate;
	spin_unlock(&td->round_lock);
}
EXPORT_SYMBOL_FOR_TDX_MIG_KUNIT(tdx_mig_dirty_start);

/* A page that must be sent again, and blocked again before that. */
void tdx_mig_dirty_redirty(struct tdx_mig_td *td, u64 gfn)
{
	if (gfn >= td->info.nr_gfns)
		return;
	clear_bit(gfn, td->blocked);
	set_bit(gfn, td->dirty);
}

/**
 * tdx_mig_dirty_write_fault - a vCPU wrote to a write-blocked private page
 * @td: the session
 * @gpa: the faulting GPA
 *
 * Context: a vCPU's run loop; takes no lock. Return: 0 when the page was
 * unblocked (re-enter the vCPU), -EAGAIN when the TDX Module was busy
 * (re-enter: the fault comes again), -ENOENT when the page is not
 * write-blocked (the fault is not the core's, or another vCPU fixed it),
 * -EIO when TDH.EXPORT.UNBLOCKW failed otherwise.
 */
int tdx_mig_dirty_write_fault(struct tdx_mig_td *td, u64 gpa)
{
	u64 gfn = gpa >> PAGE_SHIFT, ret;

	if (gfn >= td->info.nr_gfns)
		return -ENOENT;
	tdx_mig_td_sept_lock(td);
	ret = tdx_mig_tdh_export_unblockw(tdx_mig_tdr(td->info.tdr_pa), gpa & PAGE_MASK);
	tdx_mig_td_sept_unlock(td);
	switch (tdx_status_code(ret)) {
	case TDX_STATUS_SUCCESS:
		clear_bit(gfn, td->blocked);
		if (!test_and_set_bit(gfn, td->dirty))
			atomic64_inc(&td->round.dirtied);
		atomic64_inc(&td->write_faults);
		return 0;
	case TDX_STATUS_EPT_ENTRY_STATE_INCORRECT:	/* not blocked (any more) */
	case TDX_STATUS_OP_STATE_INCORRECT:		/* not exporting */
	case TDX_STATUS_EPT_WALK_FAILED:		/* not mapped */
		return -ENOENT;
	case TDX_STATUS_OPERAND_BUSY:
	case TDX_STATUS_OPERAND_BUSY_HOST_PRIORITY:
		return -EAGAIN;
	default:
		pr_err_ratelimited("TDH.EXPORT.UNBLOCKW of GPA %#llx failed: %#llx\n", gpa, ret);
		return -EIO;
	}
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_dirty_write_fault);

/* KVM's rules for a dirty-log range: 64-page aligned start, inside the slot. */
static int log_range_ok(struct tdx_mig_td *td, u64 first, u64 n)
{
	if (!n || first % BITS_PER_LONG || first >= td->info.nr_gfns ||
	    n > td->info.nr_gfns - first)
		return -EINVAL;
	if (n % BITS_PER_LONG && first + n != td->info.nr_gfns)
		return -EINVAL;
	return 0;
}

int tdx_mig_dirty_log_get(struct tdx_mig_td *td, u64 first, u64 n, void __user *bitmap)
{
	unsigned long nwords = BITS_TO_LONGS(n), i, *copy;
	int ret = log_range_ok(td, first, n);

	if (ret)
		return ret;
	copy = kvmalloc_array(nwords, sizeof(long), GFP_KERNEL_ACCOUNT);
	if (!copy)
		return -ENOMEM;
	for (i = 0; i < nwords; i++)
		copy[i] = READ_ONCE(td->dirty[first / BITS_PER_LONG + i]);
	if (n % BITS_PER_LONG)
		copy[nwords - 1] &= BITMAP_LAST_WORD_MASK(n);
	if (copy_to_user(bitmap, copy, nwords * sizeof(long)))
		ret = -EFAULT;
	kvfree(copy);
	return ret;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_dirty_log_get);

/**
 * tdx_mig_dirty_gpa_list_run - BLOCKW or RESTORE of the first @n entries of td->gpa_list
 * @td: the session, its lock held
 * @leaf: the wrapper
 * @n: 1 to 512 entries
 * @status: the last TDX status (SUCCESS plus the failed-entry count)
 *
 * Every resumption makes progress (the module does one entry at least),
 * so @n + 1 calls bound the interrupted ones.
 */
int tdx_mig_dirty_gpa_list_run(struct tdx_mig_td *td,
			       u64 (*leaf)(struct tdx_mig_tdr tdr, u64 *gpa_list), unsigned int n,
			       u64 *status)
{
	u64 gl = tdx_gpa_list_info_encode(page_to_phys(td->gpa_list), 0, n - 1), ret;
	unsigned int busy = 0, interrupted = 0;

	lockdep_assert_held(&td->lock);
	for (;;) {
		tdx_mig_td_sept_lock(td);
		ret = leaf(tdx_mig_tdr(td->info.tdr_pa), &gl);
		tdx_mig_td_sept_unlock(td);
		if (ret == TDX_STATUS_INTERRUPTED_RESUMABLE && interrupted++ <= n) {
			cond_resched();
			continue;
		}
		if (!tdx_mig_status_busy(ret) || !tdx_mig_busy_backoff(&busy))
			break;
	}
	*status = ret;
	if (ret == TDX_STATUS_INTERRUPTED_RESUMABLE)
		return -EIO;
	return tdx_mig_status_error_errno(ret);
}

/*
 * TDH.EXPORT.BLOCKW of the @n GFNs in @gfns (n <= 512). Entries that fail
 * go back to the dirty log: they are blocked and sent in a later round.
 */
static int blockw_chunk(struct tdx_mig_td *td, const u64 *gfns, unsigned int n)
{
	u64 *list = page_address(td->gpa_list), status;
	unsigned int k;
	int ret;

	for (k = 0; k < n; k++) {
		struct tdx_gpa_entry e = { .gpa = gfns[k] << PAGE_SHIFT,
					   .operation = TDX_GPA_OP_MIGRATE };

		list[k] = tdx_gpa_entry_encode(&e);
	}
	ret = tdx_mig_dirty_gpa_list_run(td, tdx_mig_tdh_export_blockw, n, &status);
	for (k = 0; k < n; k++) {
		struct tdx_gpa_entry e;

		tdx_gpa_entry_decode(list[k], &e);
		if (!ret && e.status == TDX_GPA_STATUS_SUCCESS) {
			set_bit(gfns[k], td->blocked);
			atomic64_inc(&td->write_blocked);
		} else if (!ret && e.status == TDX_GPA_STATUS_SEPT_ENTRY_STATE_INCORRECT) {
			/* Blocked already: a page whose export failed. */
			set_bit(gfns[k], td->blocked);
		} else {
			tdx_mig_dirty_redirty(td, gfns[k]);
		}
	}
	if (ret)
		pr_err_ratelimited("TDH.EXPORT.BLOCKW failed: %#llx\n", status);
	return ret;
}

/* Take @mask's pages out of the dirty log, write-blocking them if live. */
static int clear_and_block(struct tdx_mig_td *td, u64 first, u64 n, const unsigned long *mask,
			   u64 *gfns)
{
	bool live = td->state == TDX_OP_STATE_LIVE_EXPORT;
	unsigned long i, nwords = BITS_TO_LONGS(n);
	unsigned int count = 0;
	bool any = false;
	int ret = 0;

	for (i = 0; i < nwords && !ret; i++) {
		unsigned long want = mask[i], taken, *word = &td->dirty[first / BITS_PER_LONG + i];
		unsigned int bit;

		if (i == nwords - 1 && n % BITS_PER_LONG)
			want &= BITMAP_LAST_WORD_MASK(n);
		if (!want)
			continue;
		taken = atomic_long_fetch_andnot(want, (atomic_long_t *)word) & want;
		if (!live)
			continue;
		for_each_set_bit(bit, &taken, BITS_PER_LONG) {
			u64 gfn = first + i * BITS_PER_LONG + bit;

			if (test_bit(gfn, td->blocked))
				continue;
			gfns[count++] = gfn;
			if (count < TDX_GPA_LIST_ENTRIES)
				continue;
			ret = blockw_chunk(td, gfns, count);
			any = true;
			count = 0;
			if (ret) {
				/* The word's pages not collected yet stay dirty. */
				atomic_long_or(taken & ~GENMASK(bit, 0), (atomic_long_t *)word);
				break;
			}
		}
		cond_resched();
	}
	if (!ret && count) {
		ret = blockw_chunk(td, gfns, count);
		any = true;
	}
	/*
	 * TLB tracking: the blocking holds once every vCPU left the old epoch,
	 * so the hypervisor kicks them all out after TDH.MEM.TRACK.
	 */
	if (any && !ret) {
		u64 status = td->ops->track(td->vm);

		if (status) {
			pr_err_ratelimited("TDH.MEM.TRACK failed: %#llx\n", status);
			ret = tdx_mig_status_to_errno(status);
		}
	}
	return ret;
}

/**
 * tdx_mig_dirty_block - take @mask's pages out of the dirty log
 * @td: the session
 * @first: the GFN of @mask's bit 0, a multiple of BITS_PER_LONG
 * @n: bits in @mask
 * @mask: the pages
 *
 * In LIVE_EXPORT the pages are write-blocked; later in the export they
 * are only taken out. Return: 0, -EPERM outside an export, or -errno.
 */
int tdx_mig_dirty_block(struct tdx_mig_td *td, u64 first, u64 n, const unsigned long *mask)
{
	u64 *gfns;
	int ret = log_range_ok(td, first, n);

	if (ret)
		return ret;
	gfns = kmalloc_array(TDX_GPA_LIST_ENTRIES, sizeof(*gfns), GFP_KERNEL_ACCOUNT);
	if (!gfns)
		return -ENOMEM;
	ret = down_write_killable(&td->lock);
	if (ret)
		goto out;
	switch (td->state) {
	case TDX_OP_STATE_LIVE_EXPORT:
	case TDX_OP_STATE_PAUSED_EXPORT:
	case TDX_OP_STATE_POST_EXPORT:
		spin_lock(&td->round_lock);
		round_begin(td);
		spin_unlock(&td->round_lock);
		ret = clear_and_block(td, first, n, mask, gfns);
		break;
	default:
		/* Outside an export private pages cannot be write-protected. */
		ret = -EPERM;
	}
	up_write(&td->lock);
out:
	kfree(gfns);
	return ret;
}
EXPORT_SYMBOL_FOR_TDX_MIG_KUNIT(tdx_mig_dirty_block);

int tdx_mig_dirty_log_clear(struct tdx_mig_td *td, u64 first, u64 n,
			    const void __user *bitmap)
{
	unsigned long nwords = BITS_TO_LONGS(n), *mask;
	int ret = log_range_ok(td, first, n);

	if (ret)
		return ret;
	mask = kvmalloc_array(nwords, sizeof(long), GFP_KERNEL_ACCOUNT);
	if (!mask)
		return -ENOMEM;
	if (copy_from_user(mask, bitmap, nwords * sizeof(long)))
		ret = -EFAULT;
	else
		ret = tdx_mig_dirty_block(td, first, n, mask);
	kvfree(mask);
	return ret;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_dirty_log_clear);
