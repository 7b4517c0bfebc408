/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tdx-mig userspace API: one KVM device per TD migration stream, driven
 * with KVM_SET/GET_DEVICE_ATTR, mmap and KVM_MEMORY_ENCRYPT_OP, plus the
 * VM-fd commands that bind a Migration TD.
 *
 * Binary and source compatible with the stream-device uAPI of Intel's Gen A
 * QEMU TDX live migration (intel/qemu-td-partitioning, branch
 * td_part_qemu-Q8.1-rc0-K6.6, linux-headers/): same names, same numbers,
 * same layouts. What Intel lacks comes as new command ids and attributes
 * that collide with none of theirs. See Documentation/uapi.rst.
 *
 * It builds beside the system's <linux/kvm.h>, old (no TDX) or new
 * (upstream KVM's TDX, which already defines struct kvm_tdx_cmd).
 */
#ifndef _UAPI_LINUX_TDX_MIG_H
#define _UAPI_LINUX_TDX_MIG_H

#include <linux/const.h>
#include <linux/types.h>
#include <linux/kvm.h>

/* The version of this uAPI, reported in struct kvm_dev_tdx_mig_caps. */
#define TDX_MIG_UAPI_VERSION			1

/*
 * The stream device type for KVM_CREATE_DEVICE. A #define, not an enum
 * member: upstream's enum kvm_device_type gives 12 to LoongArch IPI, which
 * is never registered on x86, and a header must not add to that enum.
 */
#define KVM_DEV_TYPE_TDX_MIG_STREAM		12

/* KVM_SET/GET_DEVICE_ATTR on a stream: the only group. */
#define KVM_DEV_TDX_MIG_ATTR			0x1
#define KVM_DEV_TDX_MIG_ATTR_VERSION		0
#define TDX_MIG_BUF_LIST_PAGES_MAX		512

/*
 * Negotiation (attr = sizeof(struct kvm_dev_tdx_mig_attr), as Intel's):
 * SET with version 0 and the wanted buffer pages (clamped to what the TDX
 * Module's state bundles need and to 512); GET returns the result and the
 * module's MAX_MIGS.
 */
struct kvm_dev_tdx_mig_attr {
	__u32 version;
	__u32 buf_list_pages;
	__u32 max_migs;
};

/* GET only (attr = KVM_DEV_TDX_MIG_ATTR_CAPS): what the TDX Module offers. */
#define KVM_DEV_TDX_MIG_ATTR_CAPS		0x100

struct kvm_dev_tdx_mig_caps {
	__u32 uapi_version;		/* TDX_MIG_UAPI_VERSION */
	__u32 max_migs;			/* streams, the backward one included */
	__u32 immutable_state_pages;
	__u32 td_state_pages;
	__u32 vp_state_pages;
	__u16 module_major;
	__u16 module_minor;
	__u16 module_update;
	__u16 reserved0;
	__u32 reserved1;
	__u64 tdx_features0;
	__u64 reserved[4];
};

/* mmap of a stream fd, in pages. */
#define TDX_MIG_STREAM_MBMD_MAP_OFFSET		0
#define TDX_MIG_STREAM_GPA_LIST_MAP_OFFSET	1
#define TDX_MIG_STREAM_MAC_LIST_MAP_OFFSET	2	/* two pages */
#define TDX_MIG_STREAM_BUF_LIST_MAP_OFFSET	4	/* buf_list_pages pages */

/*
 * KVM_MEMORY_ENCRYPT_OP argument. Upstream KVM (<asm/kvm.h>, 6.16 and
 * later) defines the same 24-byte layout, naming the last field hw_error;
 * tdx_mig writes the TDX status of a failed SEAMCALL there.
 */
#ifndef KVM_X86_TDX_VM
struct kvm_tdx_cmd {
	__u32 id;
	__u32 flags;
	__u64 data;
	__u64 error;
};

#define KVM_TDX_CMD_ERROR(cmd)	((cmd)->error)
#else
#define KVM_TDX_CMD_ERROR(cmd)	((cmd)->hw_error)
#endif

/*
 * Command ids (struct kvm_tdx_cmd.id), as numbered by Intel's Gen A QEMU.
 * #defines, not an enum: upstream's enum kvm_tdx_cmd_id numbers 5 as
 * KVM_TDX_GET_CPUID, a vCPU-fd command that cannot meet these.
 */
/* On the VM fd. KVM's own FINALIZE_VM, which upstream numbers 4 as well. */
#ifndef KVM_X86_TDX_VM
#define KVM_TDX_FINALIZE_VM			4
#endif
#define KVM_TDX_SERVTD_PREBIND			5
#define KVM_TDX_SERVTD_BIND			6
#define KVM_TDX_SET_MIGRATION_INFO		7
#define KVM_TDX_GET_MIGRATION_INFO		8
/* On a stream fd; data points to a __u64 unless said otherwise. */
#define KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE	9	/* out: pages */
#define KVM_TDX_MIG_IMPORT_STATE_IMMUTABLE	10	/* in: pages */
#define KVM_TDX_MIG_EXPORT_MEM			11	/* in: entries; out: exported */
#define KVM_TDX_MIG_IMPORT_MEM			12	/* in: entries */
#define KVM_TDX_MIG_EXPORT_TRACK		13	/* in: 0 or IN_ORDER_DONE */
#define KVM_TDX_MIG_IMPORT_TRACK		14
#define KVM_TDX_MIG_EXPORT_PAUSE		15
#define KVM_TDX_MIG_EXPORT_STATE_TD		16	/* out: pages */
#define KVM_TDX_MIG_IMPORT_STATE_TD		17	/* in: pages */
#define KVM_TDX_MIG_EXPORT_STATE_VP		18	/* out: pages */
#define KVM_TDX_MIG_IMPORT_STATE_VP		19	/* in: pages */
#define KVM_TDX_MIG_EXPORT_ABORT		20
#define KVM_TDX_MIG_IMPORT_END			21
/* tdx_mig's own, above anything Intel numbered. */
#define KVM_TDX_MIG_IMPORT_ABORT		64	/* out: the abort token in the MBMD */
#define KVM_TDX_MIG_GET_STATS			65	/* data: struct kvm_tdx_mig_stats * */

/* KVM_TDX_MIG_EXPORT_TRACK: emit the start token, ending the in-order phase. */
#define TDX_MIG_EXPORT_TRACK_F_IN_ORDER_DONE	_BITULL(63)

/* KVM_TDX_INIT_VM flag of a migration destination: no TDH.MNG.INIT. */
#define KVM_TDX_INIT_VM_F_POST_INIT		1

/*
 * KVM_TDX_MIG_GET_STATS: the stream's counters, and some of its TD (shared
 * by all of the TD's streams): pages write-blocked by TDH.EXPORT.BLOCKW,
 * write faults that unblocked one (TDH.EXPORT.UNBLOCKW), the kernel
 * memory the stream and the TD's migration state hold (MigSCs included),
 * and the source's current round: rounds begun, pages the guest dirtied
 * since the round began, the export rate in pages/s; and the page data the
 * host module itself copied (0 by design: the buffers are the VMM's
 * mapping). Documentation/uapi.rst describes each field.
 */
struct kvm_tdx_mig_stats {
	__u64 bundles;
	__u64 pages;
	__u64 failed_entries;
	__u64 seamcalls;
	__u64 resumptions;
	__u64 busy_retries;
	__u64 td_write_blocked;
	__u64 td_write_faults;
	__u64 stream_mem_bytes;
	__u64 td_mem_bytes;
	__u64 bytes;
	__u64 seamcall_ns;
	__u64 td_rounds;
	__u64 td_round_dirtied;
	__u64 td_export_rate;
	__u64 page_bytes_copied;
};

/* Binding a Migration TD (VM fd). */
#define KVM_TDX_SERVTD_TYPE_MIGTD		0
#define KVM_TDX_SERVTD_TYPE_MAX			1
#define KVM_TDX_SERVTD_HASH_SIZE		48
#define KVM_TDX_SERVTD_VERSION			0

struct kvm_tdx_servtd {
	__u8 version;
	__u8 pad[5];
	__u16 type;
	__u64 attr;
	union {
		__u32 pid;				/* BIND: the MigTD's VMM */
		__u8 hash[KVM_TDX_SERVTD_HASH_SIZE];	/* PREBIND */
	};
};

struct kvm_tdx_set_migration_info {
	__u8 version;
	__u8 is_src;
	__u8 pad[2];
	__u32 vsock_port;
};

struct kvm_tdx_get_migration_info {
	__u8 version;
	__u8 premig_done;
	__u8 pad[6];
};

#endif /* _UAPI_LINUX_TDX_MIG_H */
