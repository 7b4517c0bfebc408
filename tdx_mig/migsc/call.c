// SPDX-License-Identifier: GPL-2.0
/*
 * The resumable-call engine. A long leaf returns TDX_INTERRUPTED_RESUMABLE
 * when the CPU has an interrupt pending; the host calls it again with the
 * resume bit (stream leaves) or the returned GPA-list progress (BLOCKW,
 * RESTORE). Between calls the engine reschedules, and a pending signal
 * ends the ioctl with -ERESTARTSYS after at least one SEAMCALL, keeping
 * the interrupted state so the restarted ioctl resumes where it stopped.
 * Busy operands are retried a bounded number of times. Nothing loops
 * without bound.
 */
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "migsc/migsc.h"

static int status_errno(u64 status)
{
	return tdx_status_is_error(status) ? tdx_mig_status_to_errno(status) : 0;
}

/**
 * tdx_mig_busy_backoff - wait before retrying a busy SEAMCALL
 * @tries: retries so far, incremented
 *
 * The lock holder is another SEAMCALL, possibly a vCPU running guest code
 * for a few milliseconds: reschedule first, then sleep briefly.
 * Return: false once the retries are exhausted (about 100 ms).
 */
bool tdx_mig_busy_backoff(unsigned int *tries)
{
	if (++*tries > TDX_MIG_BUSY_RETRIES)
		return false;
	if (*tries < 16)
		cond_resched();
	else
		usleep_range(20, 50);
	return true;
}

/**
 * tdx_mig_call - run a stream leaf until it completes
 * @s: the stream; s->pending.id/arg name the call
 * @step: issues the leaf once, as NEW or (@resume) RESUME
 * @ctx: for @step
 * @status: the last TDX status
 *
 * Context: process context, s->lock held.
 * Return: 0 (the status may still report failed entries), -ERESTARTSYS
 * with the call pending, -EAGAIN when a resumption stayed busy (still
 * pending), or the errno of the failing status.
 */
int tdx_mig_call(struct tdx_mig_stream *s, tdx_mig_step_fn step, void *ctx, u64 *status)
{
	bool resume = s->pending.active;
	unsigned int busy = 0;
	u64 ret;

	for (;;) {
		ret = step(s, resume, ctx);
		s->stats.seamcalls++;
		if (ret == TDX_STATUS_INTERRUPTED_RESUMABLE) {
			s->stats.resumptions++;
			resume = true;
			s->pending.active = true;
			/* The status stays unreported: the ioctl may be restarted. */
			if (signal_pending(current))
				return -ERESTARTSYS;
			cond_resched();
			continue;
		}
		if (!tdx_mig_status_busy(ret))
			break;
		if (signal_pending(current) && !resume)
			return -ERESTARTSYS;
		if (!tdx_mig_busy_backoff(&busy)) {
			*status = ret;
			return resume ? -EAGAIN : -EBUSY;
		}
		s->stats.busy_retries++;
	}
	s->pending.active = false;
	*status = ret;
	return status_errno(ret);
}

/* A leaf that completes in one call (tokens, pause, commit, end, abort): busy retried. */
int tdx_mig_call_once(struct tdx_mig_stream *s, tdx_mig_step_fn step, void *ctx, u64 *status)
{
	unsigned int busy = 0;
	u64 ret;

	do {
		ret = step(s, false, ctx);
		s->stats.seamcalls++;
	} while (tdx_mig_status_busy(ret) && tdx_mig_busy_backoff(&busy));
	*status = ret;
	return status_errno(ret);
}

/**
 * tdx_mig_gpa_list_run - BLOCKW or RESTORE of the first @n entries of td->gpa_list
 * @td: the session, its lock held
 * @leaf: the wrapper
 * @n: 1 to 512 entries
 * @status: the last TDX status (SUCCESS plus the failed-entry count)
 *
 * Every resumption makes progress (the module does one entry at least),
 * so @n + 1 calls bound the interrupted ones.
 */
int tdx_mig_gpa_list_run(struct tdx_mig_td *td, u64 (*leaf)(u64 tdr_pa, u64 *gpa_list),
			 unsigned int n, u64 *status)
{
	u64 gl = tdx_gpa_list_info_encode(page_to_phys(td->gpa_list), 0, n - 1), ret;
	unsigned int busy = 0, interrupted = 0;

	lockdep_assert_held(&td->lock);
	for (;;) {
		ret = leaf(td->info.tdr_pa, &gl);
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
	return status_errno(ret);
}
