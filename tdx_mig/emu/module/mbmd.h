/* SPDX-License-Identifier: GPL-2.0 */
/* Building and authenticating MBMDs (§2.1, §2.2), shared by both sides. */
#ifndef TDX_MIG_BUNDLE_MBMD_H
#define TDX_MIG_BUNDLE_MBMD_H

#include "seamcall/abi.h"

void tdx_mbmd_init(struct tdx_mbmd *mbmd, enum tdx_mb_type type, u16 mig_version,
		   u16 migs_index, u32 mb_counter, u32 mig_epoch, u64 iv_counter);
void tdx_mbmd_aad(const struct tdx_mbmd *mbmd, u8 aad[TDX_MBMD_AAD_LEN]);
void tdx_mbmd_iv(struct tdx_migs_iv *iv, u64 iv_counter, u16 migs_index);

#endif /* TDX_MIG_BUNDLE_MBMD_H */
