// SPDX-License-Identifier: GPL-2.0
/*
 * The host's pending-interrupt policy. Interruptible leaves poll it where
 * the real TDX Module checks for a pending interrupt (between units of
 * work, never after the last one) and return TDX_INTERRUPTED_RESUMABLE.
 */
#include <linux/export.h>
#include <linux/spinlock.h>

#include "emu.h"

static DEFINE_RAW_SPINLOCK(intr_lock);
static enum tdx_emu_intr_mode intr_mode;
static u32 intr_k;
static u64 intr_polls;
static u64 intr_rng;
static unsigned long intr_count;

/**
 * tdx_emu_set_intr_policy - when a host interrupt is pending (TEST-ONLY)
 * @mode: never, every @k-th poll, or with probability 1/@k
 * @k: the period or inverse probability; 0 is taken as 1
 * @seed: the pseudo-random seed (TDX_EMU_INTR_RANDOM)
 */
void tdx_emu_set_intr_policy(enum tdx_emu_intr_mode mode, u32 k, u64 seed)
{
	raw_spin_lock(&intr_lock);
	intr_mode = mode;
	intr_k = k ?: 1;
	intr_polls = 0;
	intr_rng = seed ?: 0x9e3779b97f4a7c15ULL;
	intr_count = 0;
	raw_spin_unlock(&intr_lock);
}
EXPORT_SYMBOL_GPL(tdx_emu_set_intr_policy);

/** tdx_emu_intr_count - interrupts reported since the policy was set */
unsigned long tdx_emu_intr_count(void)
{
	return READ_ONCE(intr_count);
}
EXPORT_SYMBOL_GPL(tdx_emu_intr_count);

bool emu_intr_pending(void)
{
	bool pending = false;

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
	raw_spin_unlock(&intr_lock);
	return pending;
}
