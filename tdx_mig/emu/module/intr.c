// SPDX-License-Identifier: GPL-2.0
/*
 * The host's pending-interrupt policy. Interruptible leaves poll it where
 * the real TDX Module checks for a pending interrupt (between units of
 * work, never after the last one) and return TDX_INTERRUPTED_RESUMABLE.
 */
#include <linux/export.h>
#include <linux/irq_work.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>

#include "emu.h"

static DEFINE_RAW_SPINLOCK(intr_lock);
static enum tdx_emu_intr_mode intr_mode;
static u32 intr_k;
static u64 intr_polls;
static u64 intr_rng;
static unsigned long intr_count;
static int intr_sig;

/*
 * The signal of a reported interrupt. A poll may run under the model's
 * raw spinlocks, where the signal lock may not be taken, so the signal is
 * sent from an irq_work on the polling CPU, which the poll waits for.
 */
struct intr_sig_work {
	struct irq_work work;
	struct task_struct *task;
	int sig;
};

static void intr_sig_send(struct irq_work *work)
{
	struct intr_sig_work *w = container_of(work, struct intr_sig_work, work);

	send_sig_info(w->sig, SEND_SIG_PRIV, w->task);
}

static DEFINE_PER_CPU(struct intr_sig_work, intr_sig_works) = {
	.work = IRQ_WORK_INIT(intr_sig_send),
};

/**
 * tdx_emu_set_intr_policy_sig - when a host interrupt is pending, and its signal (TEST-ONLY)
 * @mode: never, every @k-th poll, or with probability 1/@k
 * @k: the period or inverse probability; 0 is taken as 1
 * @seed: the pseudo-random seed (TDX_EMU_INTR_RANDOM)
 * @sig: 0, or a signal each reported interrupt also sends to the thread
 *	 whose SEAMCALL polled (none to kernel threads, none on PREEMPT_RT)
 *
 * The signal is pending before the poll returns, so a host that checks
 * signal_pending() after TDX_INTERRUPTED_RESUMABLE sees it at once.
 */
void tdx_emu_set_intr_policy_sig(enum tdx_emu_intr_mode mode, u32 k, u64 seed, int sig)
{
	raw_spin_lock(&intr_lock);
	intr_mode = mode;
	intr_k = k ?: 1;
	intr_polls = 0;
	intr_rng = seed ?: 0x9e3779b97f4a7c15ULL;
	intr_count = 0;
	intr_sig = sig;
	raw_spin_unlock(&intr_lock);
}
EXPORT_SYMBOL_GPL(tdx_emu_set_intr_policy_sig);

/**
 * tdx_emu_set_intr_policy - when a host interrupt is pending (TEST-ONLY)
 * @mode: never, every @k-th poll, or with probability 1/@k
 * @k: the period or inverse probability; 0 is taken as 1
 * @seed: the pseudo-random seed (TDX_EMU_INTR_RANDOM)
 *
 * As tdx_emu_set_intr_policy_sig() with no signal.
 */
void tdx_emu_set_intr_policy(enum tdx_emu_intr_mode mode, u32 k, u64 seed)
{
	tdx_emu_set_intr_policy_sig(mode, k, seed, 0);
}
EXPORT_SYMBOL_GPL(tdx_emu_set_intr_policy);

/** tdx_emu_intr_count - interrupts reported since the policy was set */
unsigned long tdx_emu_intr_count(void)
{
	return READ_ONCE(intr_count);
}
EXPORT_SYMBOL_GPL(tdx_emu_intr_count);

/*
 * Send @sig to current through this CPU's irq_work and wait until it ran.
 * Without a self-interrupt (or with interrupts off, or on PREEMPT_RT, where
 * the work would run in a thread) nothing is sent.
 */
static void intr_signal(int sig)
{
	struct intr_sig_work *w;

	if ((current->flags & PF_KTHREAD) || IS_ENABLED(CONFIG_PREEMPT_RT) ||
	    !arch_irq_work_has_interrupt() || irqs_disabled())
		return;
	w = get_cpu_ptr(&intr_sig_works);
	w->task = current;
	w->sig = sig;
	if (irq_work_queue(&w->work)) {
		while (irq_work_is_busy(&w->work))
			cpu_relax();
	}
	put_cpu_ptr(&intr_sig_works);
}

bool emu_intr_pending(void)
{
	bool pending = false;
	int sig;

	raw_spin_lock(&intr_lock);
	switch (intr_mode) {
	case TDX_EMU_INTR_EVERY:
		pending = ++intr_polls % intr_k == 0;
		break;
	case TDX_EMU_INTR_RANDOM:
		/* xorshift64: repeatable for a given seed. */
		intr_rng ^= intr_rng << 13;
		intr_rng ^= intr_rng >> 7;
		intr_rng ^= intr_rng << 17;
		pending = intr_rng % intr_k == 0;
		break;
	default:
		break;
	}
	if (pending)
		intr_count++;
	sig = intr_sig;
	raw_spin_unlock(&intr_lock);
	if (pending && sig)
		intr_signal(sig);
	return pending;
}
