/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The core's exports: tdx_mig.ko exports what tdx_mig_emu.ko calls. Linked
 * into kvm-intel (TDX_MIG_IN_KVM) it exports nothing, so that both modules
 * may be loaded at once.
 */
#ifndef TDX_MIG_EXPORT_H
#define TDX_MIG_EXPORT_H

#include <linux/export.h>

#ifdef TDX_MIG_IN_KVM
#define EXPORT_SYMBOL_FOR_TDX_MIG_EMU(sym)
#else
#define EXPORT_SYMBOL_FOR_TDX_MIG_EMU(sym)	EXPORT_SYMBOL_GPL(sym)
#endif

#endif /* TDX_MIG_EXPORT_H */
