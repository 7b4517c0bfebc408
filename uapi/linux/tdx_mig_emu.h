/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The emulated host platform of tdx_mig_emu.ko: /dev/tdx_mig_emu creates
 * "VM" fds that stand in for KVM's. A VM fd answers KVM_CREATE_DEVICE
 * (stream devices), KVM_MEMORY_ENCRYPT_OP, KVM_GET_DIRTY_LOG and
 * KVM_CLEAR_DIRTY_LOG (slot 0: the private memory) and
 * KVM_SET_MEMORY_ATTRIBUTES as a KVM VM fd does (only its creator may use
 * it: others get -EIO), and mmap (its shared memory), plus the TEST-ONLY calls below, which
 * exist because real TDX lets no host look into a TD: run a guest program,
 * read private memory and vCPU registers, install migration keys (only
 * with the tdx_mig_emu.test_keys parameter on). Never on hardware.
 */
#ifndef _UAPI_LINUX_TDX_MIG_EMU_H
#define _UAPI_LINUX_TDX_MIG_EMU_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/kvm.h>
#include <linux/types.h>

/* KVM's, for kernel headers older than Linux 6.8 (the same layout). */
#ifndef KVM_MEMORY_ATTRIBUTE_PRIVATE
struct kvm_memory_attributes {
	__u64 address;
	__u64 size;
	__u64 attributes;
	__u64 flags;
};

#define KVM_SET_MEMORY_ATTRIBUTES	_IOW(0xAE, 0xd2, struct kvm_memory_attributes)
#define KVM_MEMORY_ATTRIBUTE_PRIVATE	_BITULL(3)
#define KVM_MEMORY_EXIT_FLAG_PRIVATE	_BITULL(3)
#endif

#define TDX_MIG_EMU_DEVICE		"/dev/tdx_mig_emu"
#define TDX_MIG_EMU_IO			0xEF

/* TDX_MIG_EMU_CREATE_VM: a built and finalized TD, or a destination. */
#define TDX_MIG_EMU_VM_DESTINATION	_BITUL(0)
/* A Migration TD (a service TD user TDs bind to), built and finalized. */
#define TDX_MIG_EMU_VM_MIGTD		_BITUL(1)
/* A source left unfinalized, for an initial binding; KVM_TDX_FINALIZE_VM ends it. */
#define TDX_MIG_EMU_VM_UNFINALIZED	_BITUL(2)
/*
 * ATTRIBUTES.MIGRATABLE, as a VMM sets it for a TD that names a Migration
 * TD; without it the TD cannot be exported. Not for a destination (its
 * attributes are imported) or a Migration TD.
 */
#define TDX_MIG_EMU_VM_MIGRATABLE	_BITUL(3)
/*
 * A destination only: its private memory is allocated (and zeroed) at
 * creation, as a VMM that preallocates guest memory has it before the
 * migration starts (QEMU's prealloc=on; fallocate() on KVM's guest_memfd).
 * Without it a page is allocated when an IMPORT_MEM first needs it.
 */
#define TDX_MIG_EMU_VM_PREALLOC		_BITUL(4)
#define TDX_MIG_EMU_MAX_MEM		_BITULL(30)
#define TDX_MIG_EMU_MAX_VCPUS		8
/*
 * Shared memory is at this GPA (the shared bit of a 48-bit GPAW, and GFNs
 * past the largest private memory) and is what mmap of the VM fd maps,
 * from offset 0. It is memslot 1 of KVM_GET_DIRTY_LOG / KVM_CLEAR_DIRTY_LOG,
 * bit n its n-th page.
 */
#define TDX_MIG_EMU_SHARED_GPA		(_BITULL(47) | TDX_MIG_EMU_MAX_MEM)
#define TDX_MIG_EMU_SHARED_SLOT		1
#define TDX_MIG_EMU_MAX_SHARED_PAGES	512

struct tdx_mig_emu_vm_config {
	__u64 mem_bytes;	/* private memory at GPA 0: 256 KiB multiple, <= 1 GiB */
	__u32 nr_vcpus;		/* 1 .. TDX_MIG_EMU_MAX_VCPUS */
	__u32 flags;
	__u32 pending_every;	/* source: every n-th page left PENDING (0: none) */
	__u32 shared_pages;	/* 0 .. TDX_MIG_EMU_MAX_SHARED_PAGES */
	__u64 reserved[4];
};

/* What the emulated TDX Module does at an interruptible leaf's poll. */
#define TDX_MIG_EMU_INTR_NEVER		0
#define TDX_MIG_EMU_INTR_EVERY		1	/* pending at every @k-th poll */
#define TDX_MIG_EMU_INTR_RANDOM		2	/* with probability 1/@k, from @seed */
/*
 * Or'ed into @mode with EVERY or RANDOM: each interrupt the module reports
 * also sends SIGALRM to the thread whose SEAMCALL polled, pending before
 * the leaf returns (TDX_INTERRUPTED_RESUMABLE, or a vCPU's external-
 * interrupt exit). A stream call then ends with EINTR (the call stays
 * pending) unless SIGALRM is blocked, ignored or has SA_RESTART. Without
 * a handler SIGALRM kills the process. Other bits of @mode must be 0.
 */
#define TDX_MIG_EMU_INTR_F_SIGALRM	_BITUL(31)

struct tdx_mig_emu_intr {
	__u32 mode;
	__u32 k;
	__u64 seed;
};

#define TDX_MIG_EMU_CREATE_VM		_IOW(TDX_MIG_EMU_IO, 0x00, struct tdx_mig_emu_vm_config)
#define TDX_MIG_EMU_SET_INTR		_IOW(TDX_MIG_EMU_IO, 0x01, struct tdx_mig_emu_intr)

/* One guest instruction. */
#define TDX_MIG_EMU_OP_WRITE		0	/* store @value at @gpa (8 bytes) */
#define TDX_MIG_EMU_OP_FILL		1	/* store @value in all of @gpa's page */
#define TDX_MIG_EMU_OP_ACCEPT		2	/* TDG.MEM.PAGE.ACCEPT of @gpa */
#define TDX_MIG_EMU_OP_SET_REG		3	/* load @value into GPR @reg */
/*
 * TDCALL leaf @value (TDG.VP.VMCALL 0, TDG.SYS.RD 11, TDG.SERVTD.RD 18,
 * TDG.SERVTD.WR 20) with its operands in the GPRs SET_REG loaded; RAX
 * gets the status. A TDG.VP.VMCALL shares the GPRs RCX selects (GHCI).
 */
#define TDX_MIG_EMU_OP_TDCALL		4
/*
 * A busy loop that stays in the TD until an interrupt (a kick) or @value
 * ms (at most TDX_MIG_EMU_MAX_SPIN_MS), as a host timer tick would end it.
 * RCX is then 1 if the interrupt ended it, 0 if the time ran out.
 */
#define TDX_MIG_EMU_OP_SPIN		5
#define TDX_MIG_EMU_MAX_SPIN_MS		10000
/* load 8 bytes from @gpa (a touch: the value goes nowhere) */
#define TDX_MIG_EMU_OP_READ		6

struct tdx_mig_emu_op {
	__u32 type;
	__u32 reg;
	__u64 gpa;
	__u64 value;
};

#define TDX_MIG_EMU_MAX_OPS		4096

/* The GPRs of a TDG.VP.VMCALL, as the guest shared them. */
struct tdx_mig_emu_vmcall {
	__u64 r10, r11, r12, r13, r14, r15, rbx, rdi;
};

/* Why a run returned. */
#define TDX_MIG_EMU_EXIT_NONE		0	/* the program ran to its end */
/* ... and it made a TDG.VP.VMCALL whose work is the VMM's: @vmcall */
#define TDX_MIG_EMU_EXIT_VMCALL		1
/* -EINTR: a signal is pending (KVM_EXIT_INTR); run again with no ops to go on */
#define TDX_MIG_EMU_EXIT_INTR		2
/*
 * -EFAULT: an access the host cannot resolve, as KVM_EXIT_MEMORY_FAULT
 * (@memory_fault). With KVM_MEMORY_EXIT_FLAG_PRIVATE: a private access to
 * a GFN whose memory attribute is shared, or that an import has still to
 * bring (post-copy); the VMM brings the page or sets the attribute
 * (KVM_SET_MEMORY_ATTRIBUTES) and runs again with no ops to go on.
 */
#define TDX_MIG_EMU_EXIT_MEMORY_FAULT	3
/* A fault nobody can fix is re-entered this many times in a row, then exits. */
#define TDX_MIG_EMU_FAULT_RETRIES	100

/* As struct kvm_run's memory_fault. */
struct tdx_mig_emu_memory_fault {
	__u64 flags;
	__u64 gpa;
	__u64 size;
};

/*
 * Run vCPU @vcpu through @nr_ops ops at @ops, to its end; with @nr_ops 0,
 * go on with the program an earlier run left (after EXIT_INTR or
 * EXIT_MEMORY_FAULT), as a KVM_RUN re-entry does. A MigTD's service calls
 * are the kernel's; of those the VMM must carry (MigTD Send and Receive)
 * the last one is reported in @vmcall.
 */
struct tdx_mig_emu_run {
	__u32 vcpu;
	__u32 nr_ops;
	__u64 ops;
	__u64 entries;		/* out: TDH.VP.ENTERs */
	__u64 write_faults;	/* out: exits the migration core unblocked */
	__u32 exit_reason;	/* out: TDX_MIG_EMU_EXIT_* */
	__u32 reserved;
	struct tdx_mig_emu_vmcall vmcall;	/* out */
	struct tdx_mig_emu_memory_fault memory_fault;	/* out */
};

/* Read @len bytes (page multiple) of private memory at @gpa (page aligned). */
struct tdx_mig_emu_mem {
	__u64 gpa;
	__u64 len;
	__u64 buf;
};

struct tdx_mig_emu_vcpu_state {
	__u32 vcpu;
	__u32 reserved;
	__u64 gpr[16];
	__u64 rip;
	__u64 rflags;
};

/* The SERVTD_INFO_HASH of a MigTD VM, for a binding with SERVTD_ATTR @attr. */
struct tdx_mig_emu_servtd_hash {
	__u64 attr;
	__u8 hash[48];
};

/* On a VM fd. */
#define TDX_MIG_EMU_RUN			_IOWR(TDX_MIG_EMU_IO, 0x10, struct tdx_mig_emu_run)
#define TDX_MIG_EMU_READ_MEM		_IOW(TDX_MIG_EMU_IO, 0x11, struct tdx_mig_emu_mem)
#define TDX_MIG_EMU_GET_VCPU		_IOWR(TDX_MIG_EMU_IO, 0x12, struct tdx_mig_emu_vcpu_state)
/* Argument: the peer VM's fd (an int); both get each other's key. */
#define TDX_MIG_EMU_EXCHANGE_KEYS	_IO(TDX_MIG_EMU_IO, 0x13)
#define TDX_MIG_EMU_SERVTD_HASH		_IOWR(TDX_MIG_EMU_IO, 0x14, struct tdx_mig_emu_servtd_hash)
/*
 * Posted interrupts. INTERRUPT (argument: the vector, 32-255) is the VMM's
 * injection, as KVM_SIGNAL_MSI. WAIT_INTR (argument: a timeout in ms, 0
 * for none) plays the guest taking one: it waits for a posted vector and
 * returns it (-ETIMEDOUT, -EINTR). The emulated TDX Module has no virtual
 * APIC, so the interrupt is taken here rather than by a guest program.
 */
#define TDX_MIG_EMU_INTERRUPT		_IO(TDX_MIG_EMU_IO, 0x15)
#define TDX_MIG_EMU_WAIT_INTR		_IO(TDX_MIG_EMU_IO, 0x16)

#endif /* _UAPI_LINUX_TDX_MIG_EMU_H */
