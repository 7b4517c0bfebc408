// SPDX-License-Identifier: GPL-2.0
/*
 * A TD's migration session on KVM, and the host callbacks the core calls
 * (struct tdx_mig_host_ops), each on the KVM structure that
 * Documentation/host.rst names for it. Never run: no machine this project
 * is tested on has a TDX host (Documentation/hardware.rst).
 */
#define pr_fmt(fmt) "tdx_mig: " fmt

#include <linux/kvm_host.h>
#include <linux/kthread.h>
#include <linux/mmu_context.h>
#include <linux/sched/mm.h>
#include <asm/tdx.h>

#include "kvm.h"
#include "../host.h"
#include "../../mmu.h"

/* Serializes creating sessions; innermost (taken under kvm->lock or vcpu->mutex). */
static DEFINE_MUTEX(sessions_lock);
static LIST_HEAD(sessions);

static struct tdx_mig_kvm *vm_mig(void *vm)
{
	return vm;
}

static void mig_put(void *vm)
{
	kvm_put_kvm(vm_mig(vm)->kvm);
}

static int mig_vcpu_tdvpr(void *vm, u32 index, u64 *tdvpr_pa)
{
	struct kvm_vcpu *vcpu = kvm_get_vcpu(vm_mig(vm)->kvm, index);

	if (!vcpu)
		return -ENOENT;
	*tdvpr_pa = tdx_mig_vcpu_tdx(vcpu)->vp.tdvpr_pa;
	return 0;
}

/* TDH.VP.CREATE and ADDCX on the pages the VMM's KVM_TDX_INIT_VCPU allocated. */
static int mig_vcpu_import(void *vm, u32 index, u64 *tdvpr_pa)
{
	struct tdx_mig_kvm *mig = vm_mig(vm);
	struct kvm_vcpu *vcpu = kvm_get_vcpu(mig->kvm, index);
	int ret;

	if (!vcpu)
		return -ENOENT;
	if (index && !test_bit(index - 1, mig->vp_created))
		return -EINVAL;
	if (!test_bit(index, mig->vp_created)) {
		ret = tdx_vcpu_import_create(vcpu);
		if (ret)
			return ret;
		set_bit(index, mig->vp_created);
	}
	*tdvpr_pa = tdx_mig_vcpu_tdx(vcpu)->vp.tdvpr_pa;
	return 0;
}

struct import_map {
	struct kvm_vcpu *vcpu;
	u64 page_pa;
};

/* kvm_gmem_populate()'s callback: the mirror SPTE only (import_mapping). */
static int import_map_pfn(struct kvm *kvm, gfn_t gfn, kvm_pfn_t pfn, struct page *src,
			  void *opaque)
{
	struct kvm_tdx *kvm_tdx = tdx_mig_kvm_tdx(kvm);
	struct import_map *map = opaque;
	int ret;

	kvm_tdx->import_mapping = true;
	ret = kvm_tdp_mmu_map_private_pfn(map->vcpu, gfn, pfn);
	kvm_tdx->import_mapping = false;
	map->page_pa = PFN_PHYS(pfn);
	return ret;
}

/*
 * A vCPU to reach the mirror page table through (its MMU), loaded on this
 * CPU, or NULL on a fatal signal. One not in KVM_RUN if there is one: in
 * post-copy the others run the TD. Only vCPUs created in the TDX Module
 * qualify, as loading the MMU writes the vCPU's shared EPT pointer.
 */
static struct kvm_vcpu *borrow_vcpu(struct tdx_mig_kvm *mig)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

	kvm_for_each_vcpu(i, vcpu, mig->kvm) {
		if (test_bit(i, mig->vp_created) && mutex_trylock(&vcpu->mutex))
			goto load;
	}
	vcpu = kvm_get_vcpu(mig->kvm, 0);
	if (mutex_lock_killable(&vcpu->mutex))
		return NULL;
load:
	vcpu_load(vcpu);
	return vcpu;
}

static void return_vcpu(struct kvm_vcpu *vcpu)
{
	vcpu_put(vcpu);
	mutex_unlock(&vcpu->mutex);
}

/*
 * Secure-EPT pages down to each new page's GFN and the page itself, from
 * the TD's guest_memfd, mapped in the mirror page table only: TDH.IMPORT.MEM
 * maps it in the Secure EPT. vCPU 0 is created in the TDX Module first, so
 * that there is a vCPU to borrow.
 */
static int mig_import_pages(void *vm, struct tdx_mig_import_page *pages, u32 n)
{
	struct tdx_mig_kvm *mig = vm_mig(vm);
	struct kvm *kvm = mig->kvm;
	struct import_map map = {};
	u64 tdvpr;
	long got;
	int ret;
	u32 i;

	ret = mig_vcpu_import(mig, 0, &tdvpr);
	if (ret)
		return ret;
	map.vcpu = borrow_vcpu(mig);
	if (!map.vcpu)
		return -EINTR;
	mutex_lock(&kvm->slots_lock);
	for (i = 0; i < n && !ret; i++) {
		if (!pages[i].needs_page)
			continue;
		got = kvm_gmem_populate(kvm, pages[i].gfn, NULL, 1, false, import_map_pfn, &map);
		if (got != 1)
			ret = got < 0 ? got : -EIO;
		else
			pages[i].page_pa = map.page_pa;
	}
	mutex_unlock(&kvm->slots_lock);
	return_vcpu(map.vcpu);
	return ret;
}

/* The mirror SPTE of each entry the import did not map (failed or cancelled) goes. */
static void mig_import_done(void *vm, const struct tdx_mig_import_page *pages, u32 n)
{
	struct kvm *kvm = vm_mig(vm)->kvm;
	struct kvm_tdx *kvm_tdx = tdx_mig_kvm_tdx(kvm);
	u32 i;

	mutex_lock(&kvm->slots_lock);
	kvm_tdx->import_mapping = true;
	for (i = 0; i < n; i++) {
		const struct tdx_mig_import_page *p = &pages[i];

		if (p->gfn == TDX_MIG_GFN_NONE || p->result == TDX_MIG_IMPORT_MAPPED)
			continue;
		if (p->result == TDX_MIG_IMPORT_REMOVED || p->needs_page)
			kvm_zap_gfn_range(kvm, p->gfn, p->gfn + 1);
	}
	kvm_tdx->import_mapping = false;
	mutex_unlock(&kvm->slots_lock);
}

/*
 * TDH.IMPORT.COMMIT succeeded: the TD is finalized (TD_STATE_RUNNABLE), with
 * the TSC the source had, and each vCPU gets KVM's own VMCS controls.
 */
static void mig_imported(void *vm)
{
	struct kvm *kvm = vm_mig(vm)->kvm;
	struct kvm_tdx *kvm_tdx = tdx_mig_kvm_tdx(kvm);
	struct kvm_vcpu *vcpu;
	unsigned long i;

	kvm_tdx->tsc_offset = td_tdcs_exec_read64(kvm_tdx, TD_TDCS_EXEC_TSC_OFFSET);
	kvm_tdx->tsc_multiplier = td_tdcs_exec_read64(kvm_tdx, TD_TDCS_EXEC_TSC_MULTIPLIER);
	kvm_for_each_vcpu(i, vcpu, kvm) {
		mutex_lock(&vcpu->mutex);
		vcpu->arch.tsc_offset = kvm_tdx->tsc_offset;
		vcpu->arch.l1_tsc_offset = kvm_tdx->tsc_offset;
		vcpu->arch.tsc_scaling_ratio = kvm_tdx->tsc_multiplier;
		vcpu->arch.l1_tsc_scaling_ratio = kvm_tdx->tsc_multiplier;
		vcpu_load(vcpu);
		tdx_vcpu_import_finish(vcpu);
		vcpu_put(vcpu);
		mutex_unlock(&vcpu->mutex);
	}
	kvm_tdx->state = TD_STATE_RUNNABLE;
	/* As tdx_td_finalize(): RUNNABLE before pre_fault_allowed. */
	smp_wmb();
	kvm->arch.pre_fault_allowed = true;
}

static void mig_sept_lock(void *vm)
{
	read_lock(&vm_mig(vm)->kvm->mmu_lock);
}

static void mig_sept_unlock(void *vm)
{
	read_unlock(&vm_mig(vm)->kvm->mmu_lock);
}

static u64 mig_track(void *vm)
{
	struct kvm *kvm = vm_mig(vm)->kvm;

	write_lock(&kvm->mmu_lock);
	tdx_track(kvm);
	write_unlock(&kvm->mmu_lock);
	/* tdx_track() marks the VM bugged when TDH.MEM.TRACK fails. */
	return READ_ONCE(kvm->vm_bugged) ? TDX_SW_ERROR : TDX_SUCCESS;
}

static void mig_vcpus_out(void *vm)
{
	kvm_make_all_cpus_request(vm_mig(vm)->kvm, KVM_REQ_OUTSIDE_GUEST_MODE);
}

static struct tdx_mig_td *mig_servtd_get(void *vm, pid_t pid)
{
	struct tdx_mig_td *td = NULL;
	struct tdx_mig_kvm *m;

	mutex_lock(&sessions_lock);
	list_for_each_entry(m, &sessions, node) {
		if (m->pid == pid && kvm_get_kvm_safe(m->kvm)) {
			td = m->td;
			break;
		}
	}
	mutex_unlock(&sessions_lock);
	return td;
}

/* The TD's shared memory, in its VMM's mm, as KVM's guest accessors need. */
static int mig_shared_access(void *vm, u64 gpa, void *buf, size_t len, bool write)
{
	struct kvm *kvm = vm_mig(vm)->kvm;
	gpa_t shared = gfn_to_gpa(kvm_gfn_direct_bits(kvm));

	if (WARN_ON_ONCE(current->mm != kvm->mm) || !(gpa & shared))
		return -EFAULT;
	gpa &= ~shared;
	if (!len)
		return kvm_is_visible_gfn(kvm, gpa_to_gfn(gpa)) ? 0 : -EFAULT;
	if (write)
		return kvm_write_guest(kvm, gpa, buf, len);
	return kvm_read_guest(kvm, gpa, buf, len);
}

static void mig_inject(void *vm, u8 vector)
{
	struct kvm_vcpu *vcpu = kvm_get_vcpu(vm_mig(vm)->kvm, 0);

	if (vcpu)
		tdx_deliver_interrupt(vcpu->arch.apic, APIC_DM_FIXED, 0, vector);
}

/*
 * A user TD made an answer due: write it in the Migration TD's own address
 * space, as vhost's workers borrow their VMM's mm, then wake the MigTD's
 * vCPUs as a PV unhalt does (halted in WaitForRequest, or for its event
 * interrupt). The vCPU cannot write it: it sleeps in KVM's halt loop.
 */
static void deliver_work(struct work_struct *work)
{
	struct tdx_mig_kvm *mig = container_of(work, struct tdx_mig_kvm, deliver);
	struct kvm *kvm = mig->kvm;
	struct kvm_vcpu *vcpu;
	unsigned long i;

	if (mmget_not_zero(kvm->mm)) {
		kthread_use_mm(kvm->mm);
		tdx_mig_servtd_deliver(mig->td);
		kthread_unuse_mm(kvm->mm);
		mmput(kvm->mm);
	}
	kvm_for_each_vcpu(i, vcpu, kvm) {
		WRITE_ONCE(vcpu->arch.pv.pv_unhalted, true);
		kvm_make_request(KVM_REQ_EVENT, vcpu);
		kvm_vcpu_kick(vcpu);
	}
}

static void mig_kick(void *vm)
{
	schedule_work(&vm_mig(vm)->deliver);
}

static const struct tdx_mig_host_ops kvm_host_ops = {
	.put = mig_put,
	.vcpu_tdvpr = mig_vcpu_tdvpr,
	.vcpu_import = mig_vcpu_import,
	.import_pages = mig_import_pages,
	.import_done = mig_import_done,
	.imported = mig_imported,
	.sept_lock = mig_sept_lock,
	.sept_unlock = mig_sept_unlock,
	.track = mig_track,
	.vcpus_out = mig_vcpus_out,
	.servtd_get = mig_servtd_get,
	.shared_access = mig_shared_access,
	.inject = mig_inject,
	.kick = mig_kick,
};

/* Private memory ends where the TD's last guest_memfd memslot ends. */
static u64 private_gfns(struct kvm *kvm)
{
	struct kvm_memory_slot *slot;
	u64 end = 0;
	int bkt, idx;

	idx = srcu_read_lock(&kvm->srcu);
	kvm_for_each_memslot(slot, bkt, kvm_memslots(kvm)) {
		if (kvm_slot_has_gmem(slot))
			end = max(end, slot->base_gfn + slot->npages);
	}
	srcu_read_unlock(&kvm->srcu, idx);
	return end;
}

static struct tdx_mig_kvm *session_create(struct kvm *kvm)
{
	struct kvm_tdx *kvm_tdx = tdx_mig_kvm_tdx(kvm);
	struct tdx_mig_td_info info = {
		.tdr_pa = page_to_phys(kvm_tdx->td.tdr_page),
		.source = !kvm_tdx->post_init,
		/* Any TD may serve as a Migration TD; a binding says which does. */
		.servtd = !kvm_tdx->post_init,
		.nr_gfns = private_gfns(kvm),
		.max_vcpus = kvm->max_vcpus,
		.pid = task_tgid_nr(current),
	};
	struct tdx_mig_kvm *mig;

	mig = kzalloc(sizeof(*mig), GFP_KERNEL_ACCOUNT);
	if (!mig)
		return ERR_PTR(-ENOMEM);
	mig->vp_created = bitmap_zalloc(kvm->max_vcpus, GFP_KERNEL_ACCOUNT);
	if (!mig->vp_created) {
		kfree(mig);
		return ERR_PTR(-ENOMEM);
	}
	mig->kvm = kvm;
	mig->pid = info.pid;
	mig->finalized = kvm_tdx->state == TD_STATE_RUNNABLE;
	INIT_WORK(&mig->deliver, deliver_work);
	mig->td = tdx_mig_td_create(&kvm_host_ops, mig, &info);
	if (IS_ERR(mig->td)) {
		long err = PTR_ERR(mig->td);

		bitmap_free(mig->vp_created);
		kfree(mig);
		return ERR_PTR(err);
	}
	return mig;
}

/**
 * tdx_mig_kvm_get - a TD's migration session, created at its first use
 * @kvm: the TD, initialized (KVM_TDX_INIT_VM) and with its memory slots
 *
 * Created lazily because KVM_TDX_INIT_VM comes before the memslots that
 * bound the private memory the session tracks.
 *
 * Context: process context, the VMM's. Return: the session or an ERR_PTR.
 */
struct tdx_mig_kvm *tdx_mig_kvm_get(struct kvm *kvm)
{
	struct kvm_tdx *kvm_tdx = tdx_mig_kvm_tdx(kvm);
	struct tdx_mig_kvm *mig = tdx_mig_kvm_peek(kvm);

	if (mig) {
		/* KVM_TDX_FINALIZE_VM came after a binding made the session. */
		if (!READ_ONCE(mig->finalized) && !kvm_tdx->post_init &&
		    kvm_tdx->state == TD_STATE_RUNNABLE && !xchg(&mig->finalized, true))
			tdx_mig_td_refresh(mig->td);
		return mig;
	}
	if (kvm->arch.vm_type != KVM_X86_TDX_VM || kvm_tdx->state == TD_STATE_UNINITIALIZED)
		return ERR_PTR(-EINVAL);
	mutex_lock(&sessions_lock);
	mig = kvm_tdx->mig;
	if (!mig) {
		mig = session_create(kvm);
		if (!IS_ERR(mig)) {
			list_add(&mig->node, &sessions);
			/* Lockless readers see the session complete (peek). */
			smp_store_release(&kvm_tdx->mig, mig);
		}
	}
	mutex_unlock(&sessions_lock);
	return mig;
}

/* The TD's key is gone: its MIGSCs are reclaimed, its session freed. */
void tdx_mig_kvm_free(struct kvm *kvm)
{
	struct kvm_tdx *kvm_tdx = tdx_mig_kvm_tdx(kvm);
	struct tdx_mig_kvm *mig = kvm_tdx->mig;

	if (!mig)
		return;
	mutex_lock(&sessions_lock);
	list_del(&mig->node);
	kvm_tdx->mig = NULL;
	mutex_unlock(&sessions_lock);
	cancel_work_sync(&mig->deliver);
	tdx_mig_td_destroy(mig->td);
	bitmap_free(mig->vp_created);
	kfree(mig);
}
