// SPDX-License-Identifier: GPL-2.0
/*
 * MBMD construction and the AES-GCM inputs derived from it (§2.2). The
 * emulated TDX Module encrypts with these; the host side only parses them.
 */
#include <linux/export.h>
#include <linux/string.h>

#include "mbmd.h"

/**
 * tdx_mbmd_init - fill an MBMD header
 * @mbmd: the MBMD; its type-specific field and MAC are zeroed for the caller
 * @type: the bundle type
 * @mig_version: the migration protocol version
 * @migs_index: the forward stream index, 0 for TD-scope bundles
 * @mb_counter: the stream's bundle counter
 * @mig_epoch: the migration epoch
 * @iv_counter: the IV counter used for this bundle
 */
void tdx_mbmd_init(struct tdx_mbmd *mbmd, enum tdx_mb_type type, u16 mig_version,
		   u16 migs_index, u32 mb_counter, u32 mig_epoch, u64 iv_counter)
{
	memset(mbmd, 0, sizeof(*mbmd));
	mbmd->hdr.size = cpu_to_le16(sizeof(*mbmd));
	mbmd->hdr.mig_version = cpu_to_le16(mig_version);
	mbmd->hdr.migs_index = cpu_to_le16(migs_index);
	mbmd->hdr.mb_type = type;
	mbmd->hdr.mb_counter = cpu_to_le32(mb_counter);
	mbmd->hdr.mig_epoch = cpu_to_le32(mig_epoch);
	mbmd->hdr.iv_counter = cpu_to_le64(iv_counter);
}
EXPORT_SYMBOL_GPL(tdx_mbmd_init);

/**
 * tdx_mbmd_aad - the AAD of an MBMD
 * @mbmd: the MBMD
 * @aad: bytes 0..31 of @mbmd with iv_counter and migs_index zeroed; both are
 *	 still bound to the bundle through the IV
 */
void tdx_mbmd_aad(const struct tdx_mbmd *mbmd, u8 aad[TDX_MBMD_AAD_LEN])
{
	struct tdx_mbmd *copy = (struct tdx_mbmd *)aad;

	BUILD_BUG_ON(TDX_MBMD_AAD_LEN != 32);
	memcpy(aad, mbmd, TDX_MBMD_AAD_LEN);
	copy->hdr.iv_counter = 0;
	copy->hdr.migs_index = 0;
}
EXPORT_SYMBOL_GPL(tdx_mbmd_aad);

/**
 * tdx_mbmd_iv - the 12-byte AES-GCM IV of a bundle
 * @iv: filled with @iv_counter, @migs_index and two zero bytes
 * @iv_counter: the IV counter
 * @migs_index: the forward stream index, 0 for TD-scope bundles
 */
void tdx_mbmd_iv(struct tdx_migs_iv *iv, u64 iv_counter, u16 migs_index)
{
	iv->iv_counter = cpu_to_le64(iv_counter);
	iv->migs_index = cpu_to_le16(migs_index);
	iv->reserved = 0;
}
EXPORT_SYMBOL_GPL(tdx_mbmd_iv);
