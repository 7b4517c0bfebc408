/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host-adapter interface: what the migration core needs from the
 * hypervisor that owns a TD (KVM, or the emulated host platform), and what
 * the hypervisor calls in the core. The core never touches guest pages or
 * vCPUs itself; it asks through struct tdx_mig_host_ops.
 */
#ifndef TDX_MIG_HOST_H
#define TDX_MIG_HOST_H

#include <linux/types.h>

struct kvm_device_attr;
struct kvm_tdx_cmd;
struct tdx_mig_stream;
struct tdx_mig_td;
struct vm_area_struct;

/* What an entry of an imported memory bundle did to its GFN. */
enum tdx_mig_import_result {
	TDX_MIG_IMPORT_UNCHANGED,	/* failed, skipped, or re-imported in place */
	TDX_MIG_IMPORT_MAPPED,		/* the TD has the page handed for it */
	TDX_MIG_IMPORT_REMOVED,		/* cancelled: the TD's page is the host's again */
};

/* A GFN no entry names (a NOP). */
#define TDX_MIG_GFN_NONE	(~0ULL)

/**
 * struct tdx_mig_import_page - one entry of an imported memory bundle
 * @gfn:	its GFN, or TDX_MIG_GFN_NONE
 * @needs_page:	a new page lands at @gfn (MIGRATE): import_pages gives it
 * @page_pa:	that page, from import_pages
 * @result:	for import_done
 */
struct tdx_mig_import_page {
	u64 gfn;
	bool needs_page;
	u64 page_pa;
	enum tdx_mig_import_result result;
};

/**
 * struct tdx_mig_host_ops - what the core asks of the hypervisor
 * @put:	drop a VM reference that @servtd_get took; the last one may
 *		tear the TD down
 * @vcpu_tdvpr:	source: the TDVPR of vCPU @index; -ENOENT past the last
 * @vcpu_import: destination, at IMPORT_STATE_VP (the TD in STATE_IMPORT):
 *		TDH.VP.CREATE and ADDCX on the pages of the vCPU @index the VMM
 *		created beforehand (KVM_CREATE_VCPU, then INIT_VCPU, which on a
 *		destination only allocates them), unless done already, and give
 *		its TDVPR; never TDH.VP.INIT. Index order; -ENOENT when the VMM
 *		created no vCPU @index, -EINVAL out of order.
 * @import_pages: destination, before TDH.IMPORT.MEM: make the SEPT ready
 *		for each of the @n entries' GFN and give @page_pa for each one
 *		that @needs_page (TDH.IMPORT.MEM's new-page list)
 * @import_done: after it: what each entry did (@result); the hypervisor
 *		maps, keeps or drops each page accordingly
 * @imported:	destination: TDH.IMPORT.COMMIT succeeded; vCPUs may run.
 * @sept_lock:	take the hypervisor's Secure-EPT lock shared (KVM:
 *		read_lock(&kvm->mmu_lock)) around one SEPT-changing migration
 *		SEAMCALL (EXPORT.MEM, IMPORT.MEM, BLOCKW, UNBLOCKW, RESTORE),
 *		so that none runs while the hypervisor changes the SEPT under
 *		the lock taken exclusively. Nothing sleeps while it is held.
 * @sept_unlock: drop it
 * @track:	TDH.MEM.TRACK under the lock taken exclusively, then every
 *		vCPU kicked out of the TD (KVM's tdx_track()); the TDX status
 * @vcpus_out:	kick every vCPU out of the TD and wait until it has left;
 *		tdx_mig_td_vcpu_may_run() then keeps it out (KVM's
 *		KVM_REQ_OUTSIDE_GUEST_MODE to all vCPUs)
 * @servtd_get:	the Migration TD whose VMM is process @pid, with a reference
 *		on its VM (dropped with that TD's ->put), or NULL
 * @shared_access: copy @len bytes from (or with @write, to) the TD's shared
 *		memory at @gpa, which carries the shared bit; -EFAULT when
 *		any byte is not shared memory of the TD; @len 0 checks
 *		@gpa alone. Called only in the TD's own context (its VMM's
 *		process), as KVM's guest accessors need.
 * @inject:	post interrupt @vector (32-255) to the TD's first vCPU
 * @kick:	wake a vCPU halted after TDX_MIG_VMCALL_HALT, or waiting for an
 *		interrupt: it calls tdx_mig_servtd_deliver() before it runs
 *
 * All are called in process context and may sleep.
 */
struct tdx_mig_host_ops {
	void (*put)(void *vm);
	int (*vcpu_tdvpr)(void *vm, u32 index, u64 *tdvpr_pa);
	int (*vcpu_import)(void *vm, u32 index, u64 *tdvpr_pa);
	int (*import_pages)(void *vm, struct tdx_mig_import_page *pages, u32 n);
	void (*import_done)(void *vm, const struct tdx_mig_import_page *pages, u32 n);
	void (*imported)(void *vm);
	void (*sept_lock)(void *vm);
	void (*sept_unlock)(void *vm);
	u64 (*track)(void *vm);
	void (*vcpus_out)(void *vm);
	struct tdx_mig_td *(*servtd_get)(void *vm, pid_t pid);
	int (*shared_access)(void *vm, u64 gpa, void *buf, size_t len, bool write);
	void (*inject)(void *vm, u8 vector);
	void (*kick)(void *vm);
};

/**
 * struct tdx_mig_td_info - a TD, as the hypervisor describes it
 * @tdr_pa:	its TDR
 * @source:	a built TD that may be exported; else an uninitialized TD
 *		waiting for import (KVM's POST_INIT)
 * @servtd:	a Migration TD: user TDs may bind to it
 * @nr_gfns:	private memory is GFNs 0 .. @nr_gfns - 1
 * @max_vcpus:	vCPUs the TD has (source) or may get (destination)
 * @pid:	the VMM's process (KVM's userspace_pid), for the logs
 */
struct tdx_mig_td_info {
	u64 tdr_pa;
	bool source;
	bool servtd;
	u64 nr_gfns;
	u32 max_vcpus;
	pid_t pid;
};

/* TD lifetime: create with the TD; destroy after its key is released. */
struct tdx_mig_td *tdx_mig_td_create(const struct tdx_mig_host_ops *ops, void *vm,
				     const struct tdx_mig_td_info *info);
void tdx_mig_td_destroy(struct tdx_mig_td *td);
void tdx_mig_td_refresh(struct tdx_mig_td *td);

/* KVM_MEMORY_ENCRYPT_OP on the VM fd: binding a Migration TD (ids 5-8). */
int tdx_mig_servtd_vm_cmd(struct tdx_mig_td *td, struct kvm_tdx_cmd *cmd);

/* TDG.VP.VMCALL statuses in R10 (GHCI). */
#define TDX_MIG_VMCALL_SUCCESS		0ULL
#define TDX_MIG_VMCALL_RETRY		1ULL
#define TDX_MIG_VMCALL_INVALID_OPERAND	0x8000000000000000ULL

/**
 * struct tdx_mig_vmcall - a TDG.VP.VMCALL of a Migration TD
 * @r10..@rdi:	the guest's GPRs; on return, what the guest gets back (R10:
 *		the status)
 */
struct tdx_mig_vmcall {
	u64 r10, r11, r12, r13, r14, r15, rbx, rdi;
};

enum tdx_mig_vmcall_ret {
	TDX_MIG_VMCALL_NOT_MINE,	/* not a MigTD service call */
	TDX_MIG_VMCALL_DONE,		/* resume the guest with the registers */
	/*
	 * Done with a "no request yet" (NOOP) answer to a MigTD that asked
	 * to wait: halt the vCPU until ->kick (or a signal), then resume it;
	 * the MigTD asks again.
	 */
	TDX_MIG_VMCALL_HALT,
	/* Done; the VMM carries the transport bytes (Send/Receive) */
	TDX_MIG_VMCALL_USER,
};

/* The MigTD's service requests: TDG.VP.VMCALL<Service> and <MigTD>. */
enum tdx_mig_vmcall_ret tdx_mig_servtd_vmcall(struct tdx_mig_td *td, struct tdx_mig_vmcall *vc);

/*
 * A Migration TD's vCPU is about to run or wake (after ->kick): answer the
 * WaitForRequest it left armed, writing its shared memory in its own
 * context. KVM would serve it as a vCPU request before the entry.
 */
void tdx_mig_servtd_deliver(struct tdx_mig_td *servtd);

/*
 * The stream device (KVM_DEV_TYPE_TDX_MIG_STREAM), called as struct
 * kvm_device_ops calls a device: the hypervisor makes the fd and holds a
 * VM reference for it, answers KVM_CREATE_DEVICE_TEST itself, copies the
 * kvm_device_attr in, and calls create and release under its VM lock.
 */
struct tdx_mig_stream *tdx_mig_migsc_stream_create(struct tdx_mig_td *td);
void tdx_mig_migsc_stream_release(struct tdx_mig_stream *s);
int tdx_mig_migsc_stream_set_attr(struct tdx_mig_stream *s, struct kvm_device_attr *attr);
int tdx_mig_migsc_stream_get_attr(struct tdx_mig_stream *s, struct kvm_device_attr *attr);
int tdx_mig_migsc_stream_has_attr(struct tdx_mig_stream *s, struct kvm_device_attr *attr);
long tdx_mig_migsc_stream_ioctl(struct tdx_mig_stream *s, unsigned int ioctl, unsigned long arg);
int tdx_mig_migsc_stream_mmap(struct tdx_mig_stream *s, struct vm_area_struct *vma);

/* May a vCPU of this TD enter now? 0, or -EPERM with the reason logged once. */
int tdx_mig_td_vcpu_may_run(struct tdx_mig_td *td);

/* The missing-page hook: no PAGE.AUG for a GFN an import has still to bring. */
bool tdx_mig_td_gfn_importing(struct tdx_mig_td *td, u64 gfn);

/*
 * The write-fault hook: a vCPU wrote to a write-blocked private page.
 * 0 when the page was unblocked (re-enter), -EAGAIN when the TDX Module
 * was busy (re-enter), -ENOENT when the page is not write-blocked (the
 * fault is not the core's, or another vCPU fixed it), -EIO on failure.
 */
int tdx_mig_dirty_write_fault(struct tdx_mig_td *td, u64 gpa);

/*
 * The write-block hook, with KVM's manual-protect dirty-log semantics on
 * private memory: get copies the bitmap of GFNs [@first, @first + @n)
 * without clearing it; clear takes the bits set in the user's bitmap out
 * of the dirty log and write-blocks those pages (TDH.EXPORT.BLOCKW).
 */
int tdx_mig_dirty_log_get(struct tdx_mig_td *td, u64 first, u64 n, void __user *bitmap);
int tdx_mig_dirty_log_clear(struct tdx_mig_td *td, u64 first, u64 n,
			    const void __user *bitmap);

#endif /* TDX_MIG_HOST_H */
