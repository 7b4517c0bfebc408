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
#include <linux/timekeeping.h>

#include "migsc/migsc.h"
#include "tdx_mig/trace.h"

/* One call of the engine, for its trace event. */
struct call_trace {
	u64 start;
	u64 seamcalls, resumptions, busy_retries;
};

static void call_trace_begin(struct tdx_mig_stream *s, struct call_trace *t)
{
	if (!trace_tdx_mig_call_enabled())
		return;
	t->start = ktime_get_ns();
	t->seamcalls = s->stats.seamcalls;
	t->resumptions = s->stats.resumptions;
	t->busy_retries = s->stats.busy_retries;
}

static int call_trace_end(struct tdx_mig_stream *s, u16 leaf, const struct call_trace *t,
			  u64 status, int ret)
{
	if (trace_tdx_mig_call_enabled() && t->start)
		trace_tdx_mig_call(s->index, leaf, status, ret, s->stats.seamcalls - t->seamcalls,
				   s->stats.resumptions - t->resumptions,
				   s->stats.busy_retries - t->busy_retries,
				   ktime_get_ns() - t->start);
	return ret;
}

/* One SEAMCALL of the leaf: counted, and its time added to the stream's. */
static u64 step_once(struct tdx_mig_stream *s, tdx_mig_migsc_step_fn step, bool resume,
		     void *ctx)
{
	u64 start = ktime_get_ns(), ret;

	ret = step(s, resume, ctx);
	s->stats.seamcall_ns += ktime_get_ns() - start;
	s->stats.seamcalls++;
	return ret;
}

/**
 * tdx_mig_migsc_call - run a stream leaf until it completes
 * @s: the stream; s->pending.id/arg name the call
 * @leaf: the leaf @step issues, for the trace event
 * @step: issues the leaf once, as NEW or (@resume) RESUME
 * @ctx: for @step
 * @status: the last TDX status
 *
 * Context: process context, s->lock held.
 * Return: 0 (the status may still report failed entries), -ERESTARTSYS
 * with the call pending, -EAGAIN when a resumption stayed busy (still
 * pending), or the errno of the failing status.
 */
int tdx_mig_migsc_call(struct tdx_mig_stream *s, u16 leaf, tdx_mig_migsc_step_fn step,
		       void *ctx, u64 *status)
{
	bool resume = s->pending.active;
	struct call_trace t = {};
	unsigned int busy = 0;
	u64 ret;

	call_trace_begin(s, &t);
	for (;;) {
		ret = step_once(s, step, resume, ctx);
		if (ret == TDX_STATUS_INTERRUPTED_RESUMABLE) {
			s->stats.resumptions++;
			resume = true;
			s->pending.active = true;
			/* The status stays unreported: the ioctl may be restarted. */
			if (signal_pending(current))
				return call_trace_end(s, leaf, &t, ret, -ERESTARTSYS);
			cond_resched();
			continue;
		}
		if (!tdx_mig_status_busy(ret))
			break;
		if (signal_pending(current) && !resume)
			return call_trace_end(s, leaf, &t, ret, -ERESTARTSYS);
		if (!tdx_mig_busy_backoff(&busy)) {
			*status = ret;
			return call_trace_end(s, leaf, &t, ret, resume ? -EAGAIN : -EBUSY);
		}
		s->stats.busy_retries++;
	}
	s->pending.active = false;
	*status = ret;
	return call_trace_end(s, leaf, &t, ret, tdx_mig_status_error_errno(ret));
}

/* A leaf that completes in one call (tokens, pause, commit, end, abort): busy retried. */
int tdx_mig_migsc_call_once(struct tdx_mig_stream *s, u16 leaf, tdx_mig_migsc_step_fn step,
			    void *ctx, u64 *status)
{
	struct call_trace t = {};
	unsigned int busy = 0;
	u64 ret;

	call_trace_begin(s, &t);
	for (;;) {
		ret = step_once(s, step, false, ctx);
		if (!tdx_mig_status_busy(ret) || !tdx_mig_busy_backoff(&busy))
			break;
		s->stats.busy_retries++;
	}
	*status = ret;
	return call_trace_end(s, leaf, &t, ret, tdx_mig_status_error_errno(ret));
}
