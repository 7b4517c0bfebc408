/* SPDX-License-Identifier: GPL-2.0 */
/*
 * setup.c: the SEAMCALL instruction as the core's backend, and the TDX
 * Module's migration limits. Its own header, because setup.c includes the
 * core's TDX ABI header, which names some Secure-EPT states as the
 * kernel's <asm/tdx.h> does, and so cannot include kvm.h.
 */
#ifndef TDX_MIG_KVM_SETUP_H
#define TDX_MIG_KVM_SETUP_H

#include <linux/types.h>

/* 0 with the streams a TD may have, -EOPNOTSUPP without migration, or -errno. */
int tdx_mig_kvm_hw_start(u32 *max_migs);
void tdx_mig_kvm_hw_stop(void);

#endif /* TDX_MIG_KVM_SETUP_H */
