/* SPDX-License-Identifier: GPL-2.0 */
/* Migration epochs (§2.2, §3.2, §3.4). */
#ifndef TDX_MIG_EPOCH_H
#define TDX_MIG_EPOCH_H

#include "seamcall/abi.h"

static inline bool tdx_epoch_is_out_of_order(u32 mig_epoch)
{
	return mig_epoch == TDX_MIG_EPOCH_OUT_OF_ORDER;
}

/* §3.2: an in-order EXPORT.TRACK at this epoch fails with EPOCH_OVERFLOW. */
static inline bool tdx_epoch_can_advance(u32 mig_epoch)
{
	return mig_epoch < TDX_MIG_EPOCH_MAX_IN_ORDER;
}

/*
 * §3.4 is_tlb_tracked(bw_epoch): the write-blocking done at BW_EPOCH is
 * visible to every vCPU once TD_EPOCH moved two epochs past it, or one
 * epoch past it with no vCPU left in the old epoch.
 */
static inline bool tdx_epoch_tlb_tracked(u64 td_epoch, u64 bw_epoch, u64 old_refcount)
{
	return td_epoch > bw_epoch + 1 ||
	       (td_epoch == bw_epoch + 1 && old_refcount == 0);
}

#endif /* TDX_MIG_EPOCH_H */
