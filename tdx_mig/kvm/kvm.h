/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KVM host adapter: the migration core inside kvm-intel, on KVM's own
 * structures. Built only by scripts/kvm.sh, into a copy of the kernel's
 * arch/x86/kvm with the hook series of kvm/patches/ applied.
 */
#ifndef TDX_MIG_KVM_H
#define TDX_MIG_KVM_H

#include <linux/kvm_host.h>
#include <uapi/linux/tdx_mig.h>

#include "../../vmx/tdx.h"
#include "../../vmx/x86_ops.h"
#include "../../x86.h"

struct tdx_mig_td;

/**
 * struct tdx_mig_kvm - a TD's migration session, in kvm_tdx->mig
 * @kvm:	the TD
 * @td:		the core's session
 * @pid:	the VMM's process, for tdx_mig_host_ops.servtd_get
 * @node:	in the adapter's list of sessions
 * @vp_created:	destination: vCPUs whose TDH.VP.CREATE ran, by index
 * @finalized:	a source: the core has seen the TD finalized
 * @deliver:	a Migration TD: writes a due answer in its mm, then wakes it
 */
struct tdx_mig_kvm {
	struct kvm *kvm;
	struct tdx_mig_td *td;
	pid_t pid;
	struct list_head node;
	unsigned long *vp_created;
	bool finalized;
	struct work_struct deliver;
};

static inline struct kvm_tdx *tdx_mig_kvm_tdx(struct kvm *kvm)
{
	return container_of(kvm, struct kvm_tdx, kvm);
}

static inline struct vcpu_tdx *tdx_mig_vcpu_tdx(struct kvm_vcpu *vcpu)
{
	return container_of(vcpu, struct vcpu_tdx, vcpu);
}

/* The session of a TD, or NULL when it has none yet. Takes no lock. */
static inline struct tdx_mig_kvm *tdx_mig_kvm_peek(struct kvm *kvm)
{
	/* Pairs with tdx_mig_kvm_get()'s release: a session seen is complete. */
	return smp_load_acquire(&tdx_mig_kvm_tdx(kvm)->mig);
}

/* vm.c */
struct tdx_mig_kvm *tdx_mig_kvm_get(struct kvm *kvm);
void tdx_mig_kvm_free(struct kvm *kvm);

/* device.c */
int tdx_mig_kvm_device_register(void);
void tdx_mig_kvm_device_unregister(void);

#endif /* TDX_MIG_KVM_H */
