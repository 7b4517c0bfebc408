/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emulated host platform: a "VM" that owns one TD of the emulated TDX
 * Module, as KVM's struct kvm does, and implements the migration core's
 * host-adapter interface for it. Calls the core only through host.h and
 * the TDX Module only through the typed SEAMCALL wrappers, as KVM does,
 * plus the TEST-ONLY hooks (emu/test/) for its test ioctls. It still takes
 * the TD's build constants (TDCS and TDVPS pages, HKIDs, XFAM) from the
 * model's emu.h where KVM reads them with TDH.SYS.RD.
 */
#ifndef TDX_MIG_EMU_HOST_VM_H
#define TDX_MIG_EMU_HOST_VM_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <uapi/linux/tdx_mig_emu.h>

#include "emu/module/emu.h"
#include "host.h"

/* KVM_USER_MEM_SLOTS on x86: slot IDs from here on are invalid. */
#define HOST_USER_MEM_SLOTS	32764
/* The shared bit of the TD's 48-bit GPAW. */
#define HOST_SHARED_BIT		BIT_ULL(47)
/* The shared EPT's levels (4-level EPT, a 48-bit GPAW). */
#define HOST_EPT_LEVELS		4

/**
 * struct host_vcpu - one vCPU, as KVM's struct kvm_vcpu
 * @vm:		its VM
 * @tdvpr, @tdcx: its TDVPS pages
 * @shared_eptp_loaded: TDH.VP.WR gave it the shared EPT's root (KVM's
 *		tdx_load_mmu_pgd() at its first entry)
 * @run_lock:	one run at a time (KVM's vcpu->mutex)
 * @regs:	what the next TDH.VP.ENTER passes in (a VMCALL's answer), kept
 *		across a run that returns early, as KVM keeps vcpu->arch
 * @last_fault, @unresolved: the GPA of the EPT violations nobody could
 *		fix, and how many in a row: past TDX_MIG_EMU_FAULT_RETRIES the
 *		fault is the VMM's
 * @cpu:	the CPU the vCPU is associated with, or -1
 * @in_guest:	the CPU it is in the TD on, or -1: a kick interrupts it
 * @exits:	TDH.VP.ENTERs returned: a kicker waits for it to move
 */
struct host_vcpu {
	struct host_vm *vm;
	struct page *tdvpr;
	bool shared_eptp_loaded;
	struct page *tdcx[EMU_TDVPS_PAGES - 1];
	struct mutex run_lock;		/* one run at a time */
	struct tdx_mig_args regs;
	u64 last_fault;
	unsigned int unresolved;
	int cpu;
	int in_guest;
	unsigned long exits;
};

/**
 * struct host_vm - one VM of the emulated host platform
 * @ref:	the VM fd and every stream fd hold one
 * @lock:	the VM lock (KVM's kvm->lock): device creation
 * @mem_lock:	pages, SEPT and vCPU creation; the migration core's
 *		callbacks may take it under the core's locks
 * @mmu_lock:	KVM's mmu_lock: taken exclusively around the platform's own
 *		SEPT SEAMCALLs and TDH.MEM.TRACK, shared around the core's
 *		(->sept_lock); innermost, nothing sleeps under it
 * @node:	in the list of VMs, where BIND finds a MigTD by its VMM's pid
 * @tgid:	the process that created the VM (KVM's kvm->userspace_pid)
 * @mm:		its mm (KVM's kvm->mm): only it may use the VM's fds
 * @migtd:	a Migration TD, which user TDs may bind to
 * @migratable: built with ATTRIBUTES.MIGRATABLE (the VMM asked for it)
 * @finalized:	a built TD after TDH.MR.FINALIZE
 * @destination: created empty, waiting for an import
 * @runnable:	a destination's TD was committed; its vCPUs may run
 * @max_vcpus, @nr_created, @nr_vcpus: vCPUs the TD may have, the VMM
 *		created (their pages), and TDH.VP.CREATE made; under @mem_lock
 * @mem:	the private page of each GFN, or NULL
 * @sept:	SEPT pages added, @nr_sept of them
 * @sept_1g, @sept_2m: which level-2 and level-1 SEPT pages exist
 * @mapped:	GFNs the TD has a page at, as KVM's mirror SEPT knows them
 *		(built, or import_done said so), under @mem_lock
 * @private_mem: GFNs whose memory attribute is private (KVM's
 *		KVM_MEMORY_ATTRIBUTE_PRIVATE), under @mem_lock
 * @mig:	the migration core's session of this TD
 * @shared:	shared memory, @nr_shared pages from TDX_MIG_EMU_SHARED_GPA;
 *		fixed for the VM's life (shared_mem.c)
 * @shared_dirty: its dirty log (memslot 1), atomic bit operations
 * @shared_ept:	the shared EPT's tables, [0] the last level; entries under
 *		@mmu_lock
 * @pir:	posted interrupts not yet taken (a posted-interrupt
 *		descriptor's PIR), under @intr_wq.lock
 * @intr_wq:	WAIT_INTR waits here for @pir
 * @kicks:	bumped by the core's ->kick; @kick_wq wakes on it
 */
struct host_vm {
	struct kref ref;
	struct mutex lock;		/* the VM lock */
	struct mutex mem_lock;		/* pages, SEPT, vCPU creation */
	rwlock_t mmu_lock;		/* KVM's: SEPT SEAMCALLs */
	struct list_head node;
	pid_t tgid;
	struct mm_struct *mm;
	bool migtd;
	bool migratable;
	bool finalized;
	bool destination;
	bool runnable;
	u64 nr_pages;
	u32 max_vcpus;
	u32 nr_created;
	u32 nr_vcpus;
	struct page *tdr;
	struct page *tdcx[EMU_TDCS_PAGES];
	struct host_vcpu *vcpus;
	struct page **mem;
	struct page **sept;
	unsigned int nr_sept;
	bool sept_root;
	unsigned long *sept_1g;
	unsigned long *sept_2m;
	unsigned long *mapped;
	unsigned long *private_mem;
	struct tdx_mig_td *mig;
	struct page **shared;
	u32 nr_shared;
	unsigned long *shared_dirty;
	struct page *shared_ept[HOST_EPT_LEVELS];
	DECLARE_BITMAP(pir, 256);
	wait_queue_head_t intr_wq;
	atomic_t kicks;
	wait_queue_head_t kick_wq;
};

/*
 * What the platform's import_pages callback cost so far, all VMs (make
 * bench's split of the host's time): calls, nanoseconds, pages allocated.
 */
struct host_import_stats {
	u64 calls, ns, pages_allocated;
};

void host_vm_import_stats_read(struct host_import_stats *st);

struct host_vm *host_vm_create(const struct tdx_mig_emu_vm_config *cfg);
void host_vm_put(struct host_vm *vm);
int host_vm_finalize(struct host_vm *vm);
int host_vm_create_vcpu(struct host_vm *vm, unsigned long index);
u64 host_vm_tdr(const struct host_vm *vm);
u64 host_vcpu_tdvpr(const struct host_vm *vm, u32 index);
u64 host_vp_enter(struct host_vcpu *v, struct tdx_mig_args *regs);
void host_vm_post_intr(struct host_vm *vm, u8 vector);
void host_vm_flush_tlbs(struct host_vm *vm);

/* shared_mem.c */
int host_shared_init(struct host_vm *vm, u32 nr_pages);
void host_shared_free(struct host_vm *vm);
u64 host_shared_eptp(const struct host_vm *vm);
int host_shared_fault(struct host_vm *vm, u64 gpa, bool write);
void host_shared_mark_dirty(struct host_vm *vm, u64 gpa, size_t len);
int host_shared_log_get(struct host_vm *vm, void __user *bitmap);
int host_shared_log_clear(struct host_vm *vm, u64 first, u32 n, const void __user *bitmap);

int host_dev_init(void);
void host_dev_exit(void);

#endif /* TDX_MIG_EMU_HOST_VM_H */
