/* SPDX-License-Identifier: GPL-2.0 */
/* Migration stream numbering and MIGSC links (§1.2, §2.4). */
#ifndef TDX_MIG_MIGSC_H
#define TDX_MIG_MIGSC_H

#include "seamcall/abi.h"

/* TDCS migsc_links[]: bit 0 lock, bit 1 initialized, 51:12 MIGSC HPA. */
#define TDX_MIGSC_LINK_LOCK_BIT		BIT_ULL(0)
#define TDX_MIGSC_LINK_INITIALIZED_BIT	BIT_ULL(1)
#define TDX_MIGSC_LINK_HPA_MASK		GENMASK_ULL(51, 12)

/* migsc_links[0] is the backward stream; forward index i is link i + 1. */
#define TDX_MIGSC_BACKWARD_LINK		0

static inline unsigned int tdx_migsc_link_of_forward(u16 migs_index)
{
	return migs_index + 1;
}

/* R10's migs_index names a forward stream: it must be below NUM_MIGS - 1. */
static inline bool tdx_migsc_forward_index_valid(u16 migs_index, u16 num_migs)
{
	return num_migs >= TDX_MIN_MIGS && migs_index < num_migs - 1;
}

#endif /* TDX_MIG_MIGSC_H */
