// SPDX-License-Identifier: GPL-2.0
/*
 * The resumable-call engine of stream leaves. A long leaf returns
 * TDX_INTERRUPTED_RESUMABLE when the CPU has an interrupt pending; the host
 * calls it again with the resume bit, which the TDX Module matches against
 * the state it kept in the stream's MIGSC. Between calls the engine
 * reschedules, and a pending signal ends the ioctl with -ERESTARTSYS after
 * at least one SEAMCALL, keeping the interrupted state so the restarted
 * ioctl resumes where it stopped. Busy operands are retried a bounded
 * number of times. Nothing loops without bound. (BLOCKW and RESTORE resume
 * from GPA-list progress instead: core/dirty.c.)
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "migsc/migsc.h"

/**
 * tdx_mig_migsc_call - run a stream leaf until it completes
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
int tdx_mig_migsc_call(struct tdx_mig_stream *s, tdx_mig_migsc_step_fn step, void *ctx,
		       u64 *status)
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
	return tdx_mig_status_error_errno(ret);
}

/* A leaf that completes in one call (tokens, pause, commit, end, abort): busy retried. */
int tdx_mig_migsc_call_once(struct tdx_mig_stream *s, tdx_mig_migsc_step_fn step, void *ctx,
			    u64 *status)
{
	unsigned int busy = 0;
	u64 ret;

	do {
		ret = step(s, false, ctx);
		s->stats.seamcalls++;
	} while (tdx_mig_status_busy(ret) && tdx_mig_busy_backoff(&busy));
	*status = ret;
	return tdx_mig_status_error_errno(ret);
}
