// SPDX-License-Identifier: GPL-2.0
/*
 * The hooks KVM calls (arch/x86/kvm/vmx/tdx_mig.h, added by the series in
 * kvm/patches/), each handing KVM's view of an event to the core.
 */
#define pr_fmt(fmt) "tdx_mig: " fmt

#include <linux/kvm_host.h>

#include "kvm.h"
#include "setup.h"
#include "../host.h"
#include "../../../../../virt/kvm/kvm_mm.h"

static bool migration_available;

/* The GHCI's TDG.VP.VMCALL registers, which KVM keeps for a TD vCPU. */
static void vmcall_regs(struct kvm_vcpu *vcpu, struct tdx_mig_vmcall *vc, bool to_vcpu)
{
	static const int regs[] = { VCPU_REGS_R10, VCPU_REGS_R11, VCPU_REGS_R12,
				    VCPU_REGS_R13, VCPU_REGS_R14, VCPU_REGS_R15,
				    VCPU_REGS_RBX, VCPU_REGS_RDI };
	u64 *val[] = { &vc->r10, &vc->r11, &vc->r12, &vc->r13, &vc->r14, &vc->r15,
		       &vc->rbx, &vc->rdi };
	int i;

	for (i = 0; i < ARRAY_SIZE(regs); i++) {
		if (to_vcpu)
			vcpu->arch.regs[regs[i]] = *val[i];
		else
			*val[i] = vcpu->arch.regs[regs[i]];
	}
}

int tdx_mig_kvm_tdvmcall(struct kvm_vcpu *vcpu)
{
	struct tdx_mig_vmcall vc;
	struct tdx_mig_kvm *mig;
	u64 leaf;

	if (!migration_available)
		return -ENOIOCTLCMD;
	mig = tdx_mig_kvm_get(vcpu->kvm);
	if (IS_ERR(mig))
		return -ENOIOCTLCMD;
	/* An answer a user TD's request made due is written first. */
	tdx_mig_servtd_deliver(mig->td);
	vmcall_regs(vcpu, &vc, false);
	leaf = vc.r11;
	switch (tdx_mig_servtd_vmcall(mig->td, &vc)) {
	case TDX_MIG_VMCALL_NOT_MINE:
		return -ENOIOCTLCMD;
	case TDX_MIG_VMCALL_DONE:
		vmcall_regs(vcpu, &vc, true);
		return 1;
	case TDX_MIG_VMCALL_HALT:
		vmcall_regs(vcpu, &vc, true);
		/* ->kick() unhalts it, as a PV kick does. */
		return kvm_emulate_halt_noskip(vcpu);
	case TDX_MIG_VMCALL_USER:
		vmcall_regs(vcpu, &vc, true);
		/* Send or Receive: the VMM moves the bytes (request id, length, GPA). */
		vcpu->run->exit_reason = KVM_EXIT_TDX;
		vcpu->run->tdx.flags = 0;
		vcpu->run->tdx.nr = leaf;
		vcpu->run->tdx.unknown.ret = vc.r10;
		vcpu->run->tdx.unknown.data[0] = vc.r12;
		vcpu->run->tdx.unknown.data[1] = vc.r13;
		vcpu->run->tdx.unknown.data[2] = vc.r14;
		vcpu->run->tdx.unknown.data[3] = vc.r15;
		vcpu->run->tdx.unknown.data[4] = vc.rbx;
		return 0;
	}
	return -EIO;
}

int tdx_mig_kvm_vm_ioctl(struct kvm *kvm, struct kvm_tdx_cmd *cmd)
{
	struct tdx_mig_kvm *mig;

	if (cmd->id < KVM_TDX_SERVTD_PREBIND || cmd->id > KVM_TDX_GET_MIGRATION_INFO)
		return -ENOIOCTLCMD;
	if (!migration_available)
		return -EOPNOTSUPP;
	mig = tdx_mig_kvm_get(kvm);
	if (IS_ERR(mig))
		return PTR_ERR(mig);
	return tdx_mig_servtd_vm_cmd(mig->td, cmd);
}

void tdx_mig_kvm_td_release(struct kvm *kvm)
{
	tdx_mig_kvm_free(kvm);
}

int tdx_mig_kvm_write_fault(struct kvm_vcpu *vcpu, gpa_t gpa)
{
	struct tdx_mig_kvm *mig = tdx_mig_kvm_peek(vcpu->kvm);
	int ret;

	if (!mig)
		return 0;
	ret = tdx_mig_dirty_write_fault(mig->td, gpa);
	switch (ret) {
	case 0:
	case -EAGAIN:		/* the TDX Module was busy: the fault comes again */
		return 1;
	case -ENOENT:
		return 0;
	default:
		return ret;
	}
}

bool tdx_mig_kvm_gfn_importing(struct kvm *kvm, gfn_t gfn)
{
	struct tdx_mig_kvm *mig = tdx_mig_kvm_peek(kvm);

	return mig && tdx_mig_td_gfn_importing(mig->td, gfn);
}

bool tdx_mig_kvm_vcpu_held_out(struct kvm_vcpu *vcpu)
{
	struct tdx_mig_kvm *mig = tdx_mig_kvm_peek(vcpu->kvm);

	return mig && tdx_mig_td_vcpu_may_run(mig->td);
}

/*
 * A guest_memfd memslot with KVM_MEM_LOG_DIRTY_PAGES, whose log the core
 * keeps: its first GFN and size, or false for any other slot (KVM's).
 */
static bool logged_slot(struct kvm *kvm, u32 slot_id, u64 *base, u64 *npages)
{
	int as_id = slot_id >> 16, id = (u16)slot_id, idx;
	struct kvm_memory_slot *slot = NULL;

	idx = srcu_read_lock(&kvm->srcu);
	if (as_id < kvm_arch_nr_memslot_as_ids(kvm) && id < KVM_USER_MEM_SLOTS)
		slot = id_to_memslot(__kvm_memslots(kvm, as_id), id);
	if (slot && (!kvm_slot_has_gmem(slot) || !(slot->flags & KVM_MEM_LOG_DIRTY_PAGES)))
		slot = NULL;
	if (slot) {
		*base = slot->base_gfn;
		*npages = slot->npages;
	}
	srcu_read_unlock(&kvm->srcu, idx);
	return slot;
}

/*
 * The core's log has KVM's manual-protect, initially-set semantics; with
 * them KVM write-protects nothing when the slot is created
 * (kvm_mmu_slot_apply_flags()), which on a TD's mirror page table it must not.
 */
static bool dirty_log_enabled(struct kvm *kvm)
{
	return kvm->arch.vm_type == KVM_X86_TDX_VM &&
	       kvm_dirty_log_manual_protect_and_init_set(kvm);
}

static int dirty_log_get(struct kvm *kvm, struct kvm_dirty_log *log)
{
	struct tdx_mig_kvm *mig;
	u64 base, npages;

	if (!logged_slot(kvm, log->slot, &base, &npages))
		return -ENOIOCTLCMD;
	mig = tdx_mig_kvm_get(kvm);
	if (IS_ERR(mig))
		return PTR_ERR(mig);
	return tdx_mig_dirty_log_get(mig->td, base, npages, log->dirty_bitmap);
}

static int dirty_log_clear(struct kvm *kvm, struct kvm_clear_dirty_log *log)
{
	struct tdx_mig_kvm *mig;
	u64 base, npages;

	if (!logged_slot(kvm, log->slot, &base, &npages))
		return -ENOIOCTLCMD;
	if (log->first_page >= npages || log->num_pages > npages - log->first_page)
		return -EINVAL;
	mig = tdx_mig_kvm_get(kvm);
	if (IS_ERR(mig))
		return PTR_ERR(mig);
	return tdx_mig_dirty_log_clear(mig->td, base + log->first_page, log->num_pages,
				       log->dirty_bitmap);
}

static const struct kvm_gmem_dirty_log_ops dirty_log_ops = {
	.enabled = dirty_log_enabled,
	.get = dirty_log_get,
	.clear = dirty_log_clear,
};

/*
 * TDX is usable: execute SEAMCALLs with the instruction, and offer the
 * stream device when the TDX Module can migrate TDs. Without, each
 * migration call fails and this says why, once.
 */
void tdx_mig_kvm_setup(void)
{
	u32 max_migs = 0;
	int ret;

	ret = tdx_mig_kvm_hw_start(&max_migs);
	if (!ret) {
		ret = tdx_mig_kvm_device_register();
		if (ret)
			tdx_mig_kvm_hw_stop();
	}
	if (ret) {
		pr_info("TD live migration unavailable: %s (%d)\n",
			ret == -EOPNOTSUPP ? "the TDX Module cannot migrate TDs" :
			"the TDX Module's migration features cannot be read", ret);
		return;
	}
	kvm_register_gmem_dirty_log(&dirty_log_ops);
	migration_available = true;
	pr_info("TD live migration available: up to %u streams per TD\n", max_migs);
}

void tdx_mig_kvm_unsetup(void)
{
	if (!migration_available)
		return;
	kvm_unregister_gmem_dirty_log();
	tdx_mig_kvm_device_unregister();
	tdx_mig_kvm_hw_stop();
	migration_available = false;
}
