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

/**
 * struct tdx_mig_host_ops - what the core asks of the hypervisor
 * @put:	drop a VM reference that @servtd_get took; the last one may
 *		tear the TD down
 * @vcpu_tdvpr:	source: the TDVPR of vCPU @index; -ENOENT past the last
 * @vcpu_create: destination: create vCPU @index (TDH.VP.CREATE and ADDCX)
 *		unless it exists, and give its TDVPR. vCPUs are created in
 *		index order; -EINVAL for any other index.
 * @import_page: destination: make the SEPT ready for @gfn and give the
 *		page that receives it. @first is true when the TD does not
 *		have the page yet (TDH.IMPORT.MEM's new-page list).
 * @imported:	destination: TDH.IMPORT.COMMIT succeeded; vCPUs may run.
 * @servtd_get:	the Migration TD whose VMM is process @pid, with a reference
 *		on its VM (dropped with that TD's ->put), or NULL
 * @shared_access: copy @len bytes from (or with @write, to) the TD's shared
 *		memory at @gpa, which carries the shared bit; -EFAULT when
 *		any byte is not shared memory of the TD; @len 0 checks
 *		@gpa alone. May be called from
 *		another process (a user TD's VMM completing a MigTD request).
 * @inject:	post interrupt @vector (32-255) to the TD's first vCPU
 * @kick:	wake a vCPU halted after TDX_MIG_VMCALL_HALT
 *
 * All are called in process context and may sleep.
 */
struct tdx_mig_host_ops {
	void (*put)(void *vm);
	int (*vcpu_tdvpr)(void *vm, u32 index, u64 *tdvpr_pa);
	int (*vcpu_create)(void *vm, u32 index, u64 *tdvpr_pa);
	int (*import_page)(void *vm, u64 gfn, u64 *page_pa, bool *first);
	void (*imported)(void *vm);
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

/*
 * The write-fault hook: a vCPU wrote to a write-blocked private page.
 * 0 when the page was unblocked (re-enter), -EFAULT when the fault is
 * not the core's (not migrating, outside private memory).
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
