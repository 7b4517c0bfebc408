/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emulated TDX Module's locks. Like the real module's, they are only
 * ever tried: a SEAMCALL never waits, and a contended lock makes the leaf
 * fail with TDX_OPERAND_BUSY and the operand's ID.
 */
#ifndef TDX_MIG_EMU_LOCK_H
#define TDX_MIG_EMU_LOCK_H

#include <linux/atomic.h>

/* Shared/exclusive lock: -1 exclusive, otherwise the number of sharers. */
struct emu_sharex {
	atomic_t v;
};

#define EMU_SHAREX_EXCLUSIVE	(-1)

static inline void emu_sharex_init(struct emu_sharex *l)
{
	atomic_set(&l->v, 0);
}

static inline bool emu_sharex_try_shared(struct emu_sharex *l)
{
	int old = atomic_read(&l->v);

	do {
		if (old == EMU_SHAREX_EXCLUSIVE)
			return false;
	} while (!atomic_try_cmpxchg_acquire(&l->v, &old, old + 1));
	return true;
}

static inline bool emu_sharex_try_exclusive(struct emu_sharex *l)
{
	int old = 0;

	return atomic_try_cmpxchg_acquire(&l->v, &old, EMU_SHAREX_EXCLUSIVE);
}

static inline void emu_sharex_unlock_shared(struct emu_sharex *l)
{
	atomic_dec_return_release(&l->v);
}

static inline void emu_sharex_unlock_exclusive(struct emu_sharex *l)
{
	atomic_set_release(&l->v, 0);
}

enum emu_lock_mode {
	EMU_LOCK_NONE,
	EMU_LOCK_SHARED,
	EMU_LOCK_EXCLUSIVE,
};

static inline bool emu_sharex_try(struct emu_sharex *l, enum emu_lock_mode mode)
{
	switch (mode) {
	case EMU_LOCK_SHARED:
		return emu_sharex_try_shared(l);
	case EMU_LOCK_EXCLUSIVE:
		return emu_sharex_try_exclusive(l);
	default:
		return true;
	}
}

static inline void emu_sharex_unlock(struct emu_sharex *l, enum emu_lock_mode mode)
{
	if (mode == EMU_LOCK_SHARED)
		emu_sharex_unlock_shared(l);
	else if (mode == EMU_LOCK_EXCLUSIVE)
		emu_sharex_unlock_exclusive(l);
}

#endif /* TDX_MIG_EMU_LOCK_H */
