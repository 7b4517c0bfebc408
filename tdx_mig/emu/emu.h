/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emulated TDX Module: a register-level model of TDX Module 1.5's
 * migration ABI, reached through the "emu" SEAMCALL backend.
 */
#ifndef TDX_MIG_EMU_H
#define TDX_MIG_EMU_H

#include <linux/types.h>

#include "seamcall/seamcall.h"

/* The modelled TDX Module: its version and TDX_FEATURES0 are settings. */
struct tdx_emu_module_info {
	u16 major_version;
	u16 minor_version;
	u16 update_version;
	u64 features0;
};

extern struct tdx_emu_module_info tdx_emu_info;

u64 tdx_emu_seamcall(u64 rax, struct tdx_mig_args *args);
u64 tdx_emu_sys_rd(struct tdx_mig_args *args);
int tdx_emu_sys_field(u64 field_id, u64 *value);

#endif /* TDX_MIG_EMU_H */
