// SPDX-License-Identifier: GPL-2.0
/* Typed wrappers of the service-TD binding leaves (§1.3, §5). */
#include <linux/export.h>

#include "seamcall.h"
#include "export.h"

/**
 * tdx_mig_tdh_servtd_bind - TDH.SERVTD.BIND
 * @tdr: the target (user) TD
 * @servtd_tdr: the service TD (the MigTD)
 * @slot: the binding slot
 * @type: the service-TD type (TDX_SERVTD_TYPE_MIGTD)
 * @attr: SERVTD_ATTR
 * @handle: the binding handle the service TD uses
 * @uuid: the target TD's TD_UUID
 */
u64 tdx_mig_tdh_servtd_bind(struct tdx_mig_tdr tdr, struct tdx_mig_tdr servtd_tdr, u16 slot,
			    u16 type, u64 attr, u64 *handle, u64 uuid[4])
{
	struct tdx_mig_args args = {
		.rcx = tdr.pa, .rdx = servtd_tdr.pa, .r8 = slot, .r9 = type, .r10 = attr,
	};
	u64 ret = tdx_mig_seamcall(SEAMCALL_TDH_SERVTD_BIND, &args);

	*handle = args.rcx;
	uuid[0] = args.r10;
	uuid[1] = args.r11;
	uuid[2] = args.r12;
	uuid[3] = args.r13;
	return ret;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_servtd_bind);

/**
 * tdx_mig_tdh_servtd_prebind - TDH.SERVTD.PREBIND
 * @tdr: the target TD, not yet finalized
 * @hash_pa: a shared 48-byte SERVTD_INFO_HASH, 64-byte aligned
 * @slot: the binding slot
 * @type: the service-TD type
 * @attr: SERVTD_ATTR
 */
u64 tdx_mig_tdh_servtd_prebind(struct tdx_mig_tdr tdr, u64 hash_pa, u16 slot, u16 type, u64 attr)
{
	struct tdx_mig_args args = {
		.rcx = tdr.pa, .rdx = hash_pa, .r8 = slot, .r9 = type, .r10 = attr,
	};

	return tdx_mig_seamcall(SEAMCALL_TDH_SERVTD_PREBIND, &args);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_servtd_prebind);
