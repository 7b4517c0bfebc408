/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TDX Module 1.5 migration ABI: leaf numbers, status codes, operand IDs,
 * operand encodings, list and MBMD layouts, OP_STATE and SEPT-state values,
 * metadata field IDs. One source of truth for the SEAMCALL wrappers and the
 * emulated TDX Module.
 *
 * Facts from TDX Module 1.5.01 (intel/tdx-module tag TDX_1.5.01), as recorded
 * in shared/reference/tdx-module-abi.md; section numbers (§) refer to it.
 *
 * Names carry our own prefixes (SEAMCALL_, TDCALL_, TDX_STATUS_, TDX_OPID_)
 * so that nothing collides with the kernel's <asm/tdx.h> family.
 */
#ifndef TDX_MIG_SEAMCALL_ABI_H
#define TDX_MIG_SEAMCALL_ABI_H

#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/types.h>

/* §1.1: RAX = leaf in bits 15:0, version in bits 23:16, the rest zero. */
#define TDX_LEAF_MASK			GENMASK_ULL(15, 0)
#define TDX_LEAF_VERSION_MASK		GENMASK_ULL(23, 16)
#define TDX_LEAF_RESERVED_MASK		GENMASK_ULL(63, 24)

enum tdx_seamcall_leaf {
	SEAMCALL_TDH_VP_ENTER			= 0,
	SEAMCALL_TDH_MNG_ADDCX			= 1,
	SEAMCALL_TDH_MEM_PAGE_ADD		= 2,
	SEAMCALL_TDH_MEM_SEPT_ADD		= 3,
	SEAMCALL_TDH_VP_ADDCX			= 4,
	SEAMCALL_TDH_MEM_PAGE_RELOCATE		= 5,
	SEAMCALL_TDH_MEM_PAGE_AUG		= 6,
	SEAMCALL_TDH_MEM_RANGE_BLOCK		= 7,
	SEAMCALL_TDH_MNG_KEY_CONFIG		= 8,
	SEAMCALL_TDH_MNG_CREATE			= 9,
	SEAMCALL_TDH_VP_CREATE			= 10,
	SEAMCALL_TDH_MNG_RD			= 11,
	SEAMCALL_TDH_MEM_RD			= 12,
	SEAMCALL_TDH_MNG_WR			= 13,
	SEAMCALL_TDH_MEM_WR			= 14,
	SEAMCALL_TDH_MEM_PAGE_DEMOTE		= 15,
	SEAMCALL_TDH_MR_EXTEND			= 16,
	SEAMCALL_TDH_MR_FINALIZE		= 17,
	SEAMCALL_TDH_VP_FLUSH			= 18,
	SEAMCALL_TDH_MNG_VPFLUSHDONE		= 19,
	SEAMCALL_TDH_MNG_KEY_FREEID		= 20,
	SEAMCALL_TDH_MNG_INIT			= 21,
	SEAMCALL_TDH_VP_INIT			= 22,
	SEAMCALL_TDH_MEM_PAGE_PROMOTE		= 23,
	SEAMCALL_TDH_PHYMEM_PAGE_RDMD		= 24,
	SEAMCALL_TDH_MEM_SEPT_RD		= 25,
	SEAMCALL_TDH_VP_RD			= 26,
	SEAMCALL_TDH_MNG_KEY_RECLAIMID		= 27,
	SEAMCALL_TDH_PHYMEM_PAGE_RECLAIM	= 28,
	SEAMCALL_TDH_MEM_PAGE_REMOVE		= 29,
	SEAMCALL_TDH_MEM_SEPT_REMOVE		= 30,
	SEAMCALL_TDH_SYS_RD			= 34,
	SEAMCALL_TDH_MEM_TRACK			= 38,
	SEAMCALL_TDH_MEM_RANGE_UNBLOCK		= 39,
	SEAMCALL_TDH_PHYMEM_CACHE_WB		= 40,
	SEAMCALL_TDH_PHYMEM_PAGE_WBINVD		= 41,
	SEAMCALL_TDH_VP_WR			= 43,
	SEAMCALL_TDH_SERVTD_BIND		= 48,
	SEAMCALL_TDH_SERVTD_PREBIND		= 49,
	SEAMCALL_TDH_EXPORT_ABORT		= 64,
	SEAMCALL_TDH_EXPORT_BLOCKW		= 65,
	SEAMCALL_TDH_EXPORT_RESTORE		= 66,
	SEAMCALL_TDH_EXPORT_MEM			= 68,
	SEAMCALL_TDH_EXPORT_PAUSE		= 70,
	SEAMCALL_TDH_EXPORT_TRACK		= 71,
	SEAMCALL_TDH_EXPORT_STATE_IMMUTABLE	= 72,
	SEAMCALL_TDH_EXPORT_STATE_TD		= 73,
	SEAMCALL_TDH_EXPORT_STATE_VP		= 74,
	SEAMCALL_TDH_EXPORT_UNBLOCKW		= 75,
	SEAMCALL_TDH_IMPORT_ABORT		= 80,
	SEAMCALL_TDH_IMPORT_END			= 81,
	SEAMCALL_TDH_IMPORT_COMMIT		= 82,
	SEAMCALL_TDH_IMPORT_MEM			= 83,
	SEAMCALL_TDH_IMPORT_TRACK		= 84,
	SEAMCALL_TDH_IMPORT_STATE_IMMUTABLE	= 85,
	SEAMCALL_TDH_IMPORT_STATE_TD		= 86,
	SEAMCALL_TDH_IMPORT_STATE_VP		= 87,
	SEAMCALL_TDH_MIG_STREAM_CREATE		= 96,
};

/* TDCALL leaves a guest (the MigTD among them) issues. */
enum tdx_tdcall_leaf {
	TDCALL_TDG_VP_VMCALL		= 0,
	TDCALL_TDG_MR_REPORT		= 4,
	TDCALL_TDG_MEM_PAGE_ACCEPT	= 6,
	TDCALL_TDG_SYS_RD		= 11,
	TDCALL_TDG_SERVTD_RD		= 18,
	TDCALL_TDG_SERVTD_WR		= 20,
};

/*
 * §4: a status is class (47:40), details_l1 (39:32) and an operand ID or
 * detail (31:0), with bit 61 FATAL and bit 63 ERROR.
 */
#define TDX_STATUS_ERROR_BIT		BIT_ULL(63)
#define TDX_STATUS_NON_RECOVERABLE_BIT	BIT_ULL(62)
#define TDX_STATUS_FATAL_BIT		BIT_ULL(61)
#define TDX_STATUS_HOST_RECOVERABLE_BIT	BIT_ULL(60)
#define TDX_STATUS_CLASS_MASK		GENMASK_ULL(47, 40)
#define TDX_STATUS_DETAILS_L1_MASK	GENMASK_ULL(39, 32)
#define TDX_STATUS_DETAILS_L2_MASK	GENMASK_ULL(31, 0)
/* The status without its operand ID or failed-entry count. */
#define TDX_STATUS_CODE_MASK		GENMASK_ULL(63, 32)

#define TDX_STATUS_SUCCESS				0x0000000000000000ULL
#define TDX_STATUS_INTERRUPTED_RESUMABLE		0x8000000300000000ULL
#define TDX_STATUS_INTERRUPTED_RESTARTABLE		0x8000000400000000ULL
#define TDX_STATUS_INVALID_RESUMPTION			0xC000000600000000ULL
#define TDX_STATUS_CROSS_TD_TRAP			0x9000000900000000ULL
#define TDX_STATUS_OPERAND_INVALID			0xC000010000000000ULL
#define TDX_STATUS_OPERAND_ADDR_RANGE_ERROR		0xC000010100000000ULL
#define TDX_STATUS_OPERAND_BUSY				0x8000020000000000ULL
#define TDX_STATUS_PREVIOUS_TLB_EPOCH_BUSY		0x8000020100000000ULL
#define TDX_STATUS_RND_NO_ENTROPY			0x8000020300000000ULL
#define TDX_STATUS_OPERAND_BUSY_HOST_PRIORITY		0x8000020400000000ULL
#define TDX_STATUS_PAGE_METADATA_INCORRECT		0xC000030000000000ULL
#define TDX_STATUS_TD_FATAL				0xE000060400000000ULL
#define TDX_STATUS_LIFECYCLE_STATE_INCORRECT		0xC000060700000000ULL
#define TDX_STATUS_OP_STATE_INCORRECT			0xC000060800000000ULL
#define TDX_STATUS_TDCX_NUM_INCORRECT			0xC000061000000000ULL
#define TDX_STATUS_VCPU_STATE_INCORRECT			0xC000070000000000ULL
#define TDX_STATUS_LIMIT_CPUID_MAXVAL_SET		0xC000090100000000ULL
#define TDX_STATUS_EPT_WALK_FAILED			0xC0000B0000000000ULL
#define TDX_STATUS_TLB_TRACKING_NOT_DONE		0xC0000B0800000000ULL
#define TDX_STATUS_EPT_ENTRY_STATE_INCORRECT		0xC0000B0D00000000ULL

/* TD build, vCPU and key management (tdx_error_codes_defs.h). */
#define TDX_STATUS_SYS_BUSY				0x8000020200000000ULL
#define TDX_STATUS_PAGE_ALREADY_FREE			0x0000030100000000ULL
#define TDX_STATUS_PAGE_NOT_OWNED_BY_TD			0xC000030200000000ULL
#define TDX_STATUS_TD_ASSOCIATED_PAGES_EXIST		0xC000040000000000ULL
#define TDX_STATUS_TDCS_NOT_ALLOCATED			0xC000060600000000ULL
#define TDX_STATUS_NO_VCPUS				0xC000060900000000ULL
#define TDX_STATUS_VCPU_ASSOCIATED			0x8000070100000000ULL
#define TDX_STATUS_VCPU_NOT_ASSOCIATED			0x8000070200000000ULL
#define TDX_STATUS_MAX_VCPUS_EXCEEDED			0xC000070500000000ULL
#define TDX_STATUS_TD_KEYS_NOT_CONFIGURED		0x8000081000000000ULL
#define TDX_STATUS_KEY_STATE_INCORRECT			0xC000081100000000ULL
#define TDX_STATUS_KEY_CONFIGURED			0x0000081500000000ULL
#define TDX_STATUS_WBCACHE_NOT_COMPLETE			0x8000081700000000ULL
#define TDX_STATUS_HKID_NOT_FREE			0xC000082000000000ULL
#define TDX_STATUS_NO_HKID_READY_TO_WBCACHE		0x0000082100000000ULL
#define TDX_STATUS_WBCACHE_RESUME_ERROR			0xC000082300000000ULL
#define TDX_STATUS_FLUSHVP_NOT_DONE			0x8000082400000000ULL
#define TDX_STATUS_EPT_ENTRY_FREE			0xC0000B0100000000ULL
#define TDX_STATUS_EPT_ENTRY_NOT_FREE			0xC0000B0200000000ULL
#define TDX_STATUS_EPT_PAGE_NOT_FREE			0xC0000B0E00000000ULL
#define TDX_STATUS_PAGE_ALREADY_ACCEPTED		0x00000B0A00000000ULL
#define TDX_STATUS_GPA_RANGE_NOT_BLOCKED		0xC0000B0600000000ULL
#define TDX_STATUS_GPA_RANGE_ALREADY_BLOCKED		0x00000B0700000000ULL

/* Metadata (class 0x0C). */
#define TDX_STATUS_METADATA_FIELD_ID_INCORRECT		0xC0000C0000000000ULL
#define TDX_STATUS_METADATA_FIELD_NOT_WRITABLE		0xC0000C0100000000ULL
#define TDX_STATUS_METADATA_FIELD_NOT_READABLE		0xC0000C0200000000ULL
#define TDX_STATUS_METADATA_FIELD_VALUE_NOT_VALID	0xC0000C0300000000ULL
#define TDX_STATUS_METADATA_LIST_OVERFLOW		0xC0000C0400000000ULL
#define TDX_STATUS_REQUIRED_METADATA_FIELD_MISSING	0xC0000C0600000000ULL
#define TDX_STATUS_METADATA_WR_MASK_NOT_VALID		0xC0000C0A00000000ULL
#define TDX_STATUS_METADATA_FIRST_FIELD_ID_IN_CONTEXT	0x00000C0B00000000ULL

/* Service TD (class 0x0D). */
#define TDX_STATUS_SERVTD_ALREADY_BOUND_FOR_TYPE	0xC0000D0000000000ULL
#define TDX_STATUS_SERVTD_TYPE_MISMATCH			0xC0000D0100000000ULL
#define TDX_STATUS_SERVTD_ATTR_MISMATCH			0xC0000D0200000000ULL
#define TDX_STATUS_SERVTD_INFO_HASH_MISMATCH		0xC0000D0300000000ULL
#define TDX_STATUS_SERVTD_UUID_MISMATCH			0xC0000D0400000000ULL
#define TDX_STATUS_SERVTD_NOT_BOUND			0xC0000D0500000000ULL
#define TDX_STATUS_SERVTD_BOUND				0xC0000D0600000000ULL
#define TDX_STATUS_TARGET_UUID_MISMATCH			0xC0000D0700000000ULL
#define TDX_STATUS_TARGET_UUID_UPDATED			0xC0000D0800000000ULL

/* Migration (class 0x0E). */
#define TDX_STATUS_INVALID_MBMD				0xC0000E0000000000ULL
#define TDX_STATUS_INCORRECT_MBMD_MAC			0xC0000E0100000000ULL
#define TDX_STATUS_NOT_WRITE_BLOCKED			0xC0000E0200000000ULL
#define TDX_STATUS_ALREADY_WRITE_BLOCKED		0x00000E0300000000ULL
#define TDX_STATUS_NOT_EXPORTED				0xC0000E0400000000ULL
#define TDX_STATUS_MIGRATION_STREAM_STATE_INCORRECT	0xC0000E0500000000ULL
#define TDX_STATUS_MAX_MIGS_NUM_EXCEEDED		0xC0000E0600000000ULL
#define TDX_STATUS_EXPORTED_DIRTY_PAGES_REMAIN		0xC0000E0700000000ULL
#define TDX_STATUS_MIGRATION_DECRYPTION_KEY_NOT_SET	0xC0000E0800000000ULL
#define TDX_STATUS_TD_NOT_MIGRATABLE			0xC0000E0900000000ULL
#define TDX_STATUS_PREVIOUS_EXPORT_CLEANUP_INCOMPLETE	0xC0000E0A00000000ULL
#define TDX_STATUS_NUM_MIGS_HIGHER_THAN_CREATED		0xC0000E0B00000000ULL
#define TDX_STATUS_IMPORT_MISMATCH			0xC0000E0C00000000ULL
#define TDX_STATUS_MIGRATION_EPOCH_OVERFLOW		0xC0000E0D00000000ULL
#define TDX_STATUS_MAX_EXPORTS_EXCEEDED			0xC0000E0E00000000ULL
#define TDX_STATUS_INVALID_PAGE_MAC			0xC0000E0F00000000ULL
#define TDX_STATUS_MIGRATED_IN_CURRENT_EPOCH		0xC0000E1000000000ULL
#define TDX_STATUS_DISALLOWED_IMPORT_OVER_REMOVED	0xC0000E1100000000ULL
#define TDX_STATUS_SOME_VCPUS_NOT_MIGRATED		0xC0000E1200000000ULL
#define TDX_STATUS_ALL_VCPUS_IMPORTED			0xC0000E1300000000ULL
#define TDX_STATUS_MIN_MIGS_NOT_CREATED			0xC0000E1400000000ULL
#define TDX_STATUS_VCPU_ALREADY_EXPORTED		0xC0000E1500000000ULL
#define TDX_STATUS_INVALID_MIGRATION_DECRYPTION_KEY	0xC0000E1600000000ULL

/*
 * Not returned by any TDX Module: what the hardware backend reports when
 * SEAMCALL itself fails (VMfailInvalid: no module loaded) or faults
 * (#UD/#GP: the CPU is not in VMX operation).
 */
#define TDX_STATUS_SW_VMFAILINVALID			0xFFFFFF0000000000ULL
#define TDX_STATUS_SW_FAULT				0xFFFFFF0100000000ULL
/* The hw backend refuses TDH.VP.ENTER: entering a TD needs KVM's state handling. */
#define TDX_STATUS_SW_UNSUPPORTED			0xFFFFFF0200000000ULL

/* §4: operand IDs, in the low bits of an error status. */
enum tdx_operand_id {
	TDX_OPID_RAX			= 0,
	TDX_OPID_RCX			= 1,
	TDX_OPID_RDX			= 2,
	TDX_OPID_R8			= 8,
	TDX_OPID_R9			= 9,
	TDX_OPID_R10			= 10,
	TDX_OPID_R11			= 11,
	TDX_OPID_R12			= 12,
	TDX_OPID_R13			= 13,
	TDX_OPID_ATTRIBUTES		= 64,
	TDX_OPID_XFAM			= 65,
	TDX_OPID_MAX_VCPUS		= 68,
	TDX_OPID_PAGE			= 95,
	TDX_OPID_GPA_LIST_ENTRY		= 97,
	TDX_OPID_MIG_BUFF_LIST_ENTRY	= 98,
	TDX_OPID_NEW_PAGE_LIST_ENTRY	= 99,
	TDX_OPID_TDR			= 128,
	TDX_OPID_TDCX			= 129,
	TDX_OPID_TDVPR			= 130,
	TDX_OPID_REG_PAGE		= 132,
	TDX_OPID_TDCS			= 144,
	TDX_OPID_TDVPS			= 145,
	TDX_OPID_SEPT_TREE		= 146,
	TDX_OPID_SEPT_ENTRY		= 147,
	TDX_OPID_RTMR			= 168,
	TDX_OPID_TD_EPOCH		= 169,
	TDX_OPID_MIGSC			= 171,
	TDX_OPID_OP_STATE		= 172,
	TDX_OPID_MIG			= 173,
	TDX_OPID_SERVTD_BINDINGS	= 174,
	TDX_OPID_METADATA_FIELD		= 176,
	TDX_OPID_SYS			= 184,
	TDX_OPID_KOT			= 186,
	TDX_OPID_WBCACHE		= 188,
};

static inline u64 tdx_status_code(u64 status)
{
	return status & TDX_STATUS_CODE_MASK;
}

static inline bool tdx_status_is_error(u64 status)
{
	return status & TDX_STATUS_ERROR_BIT;
}

/* §4: api_error_with_operand_id(); the fatal variant also sets bit 61. */
static inline u64 tdx_status_with_operand(u64 code, enum tdx_operand_id id)
{
	return code + id;
}

static inline u64 tdx_status_fatal(u64 status)
{
	return status | TDX_STATUS_FATAL_BIT;
}

static inline u32 tdx_status_operand(u64 status)
{
	return FIELD_GET(TDX_STATUS_DETAILS_L2_MASK, status);
}

/*
 * §1.2 MIGS_INDEX_AND_CMD (R10). Bits 62:16 are reserved; the module rejects
 * them with TDX_OPERAND_INVALID | R10.
 */
#define TDX_MIGS_INDEX_MASK		GENMASK_ULL(15, 0)
#define TDX_MIGS_RESERVED_MASK		GENMASK_ULL(62, 16)
#define TDX_MIGS_CMD_BIT		BIT_ULL(63)

enum tdx_migs_cmd {
	TDX_MIGS_CMD_NEW		= 0,
	TDX_MIGS_CMD_RESUME		= 1,
	/* TDH.EXPORT.TRACK only: emit the start token. */
	TDX_MIGS_CMD_IN_ORDER_DONE	= 1,
};

struct tdx_migs_index_and_cmd {
	u16 migs_index;
	bool cmd;
};

static inline u64 tdx_migs_index_and_cmd_encode(u16 migs_index, bool cmd)
{
	return FIELD_PREP(TDX_MIGS_INDEX_MASK, migs_index) |
	       (cmd ? TDX_MIGS_CMD_BIT : 0);
}

static inline bool tdx_migs_index_and_cmd_decode(u64 raw, struct tdx_migs_index_and_cmd *out)
{
	out->migs_index = FIELD_GET(TDX_MIGS_INDEX_MASK, raw);
	out->cmd = raw & TDX_MIGS_CMD_BIT;
	return !(raw & TDX_MIGS_RESERVED_MASK);
}

/*
 * §1.2 HPA_AND_SIZE (R8, the MBMD buffer): HPA in 51:0, size in bytes in
 * 63:52. The buffer must be 128-byte aligned and hold a whole MBMD.
 */
#define TDX_HPA_AND_SIZE_HPA_MASK	GENMASK_ULL(51, 0)
#define TDX_HPA_AND_SIZE_SIZE_MASK	GENMASK_ULL(63, 52)
#define TDX_MBMD_ALIGN			128

struct tdx_hpa_and_size {
	u64 hpa;
	u16 size;
};

static inline u64 tdx_hpa_and_size_encode(u64 hpa, u16 size)
{
	return FIELD_PREP(TDX_HPA_AND_SIZE_HPA_MASK, hpa) |
	       FIELD_PREP(TDX_HPA_AND_SIZE_SIZE_MASK, size);
}

/* Returns false where the module answers TDX_OPERAND_INVALID | R8. */
bool tdx_hpa_and_size_decode(u64 raw, struct tdx_hpa_and_size *out);

/*
 * §1.2 PAGE_LIST_INFO (R9 of the STATE.* leaves): HPA of a 4 KiB page list
 * in 51:12, last_entry in 63:55; bits 11:0 and 54:52 reserved.
 */
#define TDX_PAGE_LIST_INFO_HPA_MASK	GENMASK_ULL(51, 12)
#define TDX_PAGE_LIST_INFO_LAST_MASK	GENMASK_ULL(63, 55)
#define TDX_PAGE_LIST_INFO_RSVD_MASK	(GENMASK_ULL(11, 0) | GENMASK_ULL(54, 52))

struct tdx_page_list_info {
	u64 hpa;
	u16 last_entry;
};

static inline u64 tdx_page_list_info_encode(u64 hpa, u16 last_entry)
{
	return (hpa & TDX_PAGE_LIST_INFO_HPA_MASK) |
	       FIELD_PREP(TDX_PAGE_LIST_INFO_LAST_MASK, last_entry);
}

static inline bool tdx_page_list_info_decode(u64 raw, struct tdx_page_list_info *out)
{
	out->hpa = raw & TDX_PAGE_LIST_INFO_HPA_MASK;
	out->last_entry = FIELD_GET(TDX_PAGE_LIST_INFO_LAST_MASK, raw);
	return !(raw & TDX_PAGE_LIST_INFO_RSVD_MASK);
}

/*
 * §1.2 GPA_LIST_INFO (RCX of BLOCKW, RESTORE, EXPORT.MEM, IMPORT.MEM). The
 * module returns it updated, first_entry naming the next entry to process.
 */
#define TDX_GPA_LIST_INFO_FORMAT_MASK	GENMASK_ULL(2, 0)
#define TDX_GPA_LIST_INFO_FIRST_MASK	GENMASK_ULL(11, 3)
#define TDX_GPA_LIST_INFO_HPA_MASK	GENMASK_ULL(51, 12)
#define TDX_GPA_LIST_INFO_RSVD_MASK	GENMASK_ULL(54, 52)
#define TDX_GPA_LIST_INFO_LAST_MASK	GENMASK_ULL(63, 55)
#define TDX_GPA_LIST_FORMAT_GPA_ONLY	0

struct tdx_gpa_list_info {
	u8 format;
	u16 first_entry;
	u64 hpa;
	u16 last_entry;
};

static inline u64 tdx_gpa_list_info_encode(u64 hpa, u16 first_entry, u16 last_entry)
{
	return FIELD_PREP(TDX_GPA_LIST_INFO_FORMAT_MASK, TDX_GPA_LIST_FORMAT_GPA_ONLY) |
	       FIELD_PREP(TDX_GPA_LIST_INFO_FIRST_MASK, first_entry) |
	       (hpa & TDX_GPA_LIST_INFO_HPA_MASK) |
	       FIELD_PREP(TDX_GPA_LIST_INFO_LAST_MASK, last_entry);
}

/* Returns false where the module answers TDX_OPERAND_INVALID | RCX. */
bool tdx_gpa_list_info_decode(u64 raw, struct tdx_gpa_list_info *out);

/* §1.2 PAGE_INFO (RCX of TDH.EXPORT.UNBLOCKW): 4 KiB level only. */
#define TDX_PAGE_INFO_LEVEL_MASK	GENMASK_ULL(2, 0)
#define TDX_PAGE_INFO_GPA_MASK		GENMASK_ULL(51, 12)
#define TDX_PAGE_INFO_RSVD_MASK		(GENMASK_ULL(11, 3) | GENMASK_ULL(63, 52))

static inline u64 tdx_page_info_encode(u64 gpa)
{
	return gpa & TDX_PAGE_INFO_GPA_MASK;
}

/* Returns false where the module answers TDX_OPERAND_INVALID | RCX. */
static inline bool tdx_page_info_decode(u64 raw, u64 *gpa)
{
	*gpa = raw & TDX_PAGE_INFO_GPA_MASK;
	return !(raw & TDX_PAGE_INFO_RSVD_MASK) &&
	       !FIELD_GET(TDX_PAGE_INFO_LEVEL_MASK, raw);
}

/* §2.3 GPA-list entry: 512 per 4 KiB page. */
#define TDX_GPA_ENTRY_LEVEL_MASK	GENMASK_ULL(1, 0)
#define TDX_GPA_ENTRY_PENDING_BIT	BIT_ULL(2)
#define TDX_GPA_ENTRY_RSVD0_MASK	GENMASK_ULL(6, 3)
#define TDX_GPA_ENTRY_L2_MAP_MASK	GENMASK_ULL(9, 7)
#define TDX_GPA_ENTRY_MIG_TYPE_MASK	GENMASK_ULL(11, 10)
#define TDX_GPA_ENTRY_GPA_MASK		GENMASK_ULL(51, 12)
#define TDX_GPA_ENTRY_OPERATION_MASK	GENMASK_ULL(53, 52)
#define TDX_GPA_ENTRY_RSVD1_MASK	GENMASK_ULL(55, 54)
#define TDX_GPA_ENTRY_STATUS_MASK	GENMASK_ULL(60, 56)
#define TDX_GPA_ENTRY_RSVD2_MASK	GENMASK_ULL(63, 61)
#define TDX_GPA_ENTRY_RSVD_MASK		(TDX_GPA_ENTRY_RSVD0_MASK | \
					 TDX_GPA_ENTRY_RSVD1_MASK | \
					 TDX_GPA_ENTRY_RSVD2_MASK)
#define TDX_GPA_LIST_ENTRIES		512

enum tdx_gpa_entry_op {
	TDX_GPA_OP_NOP		= 0,
	TDX_GPA_OP_MIGRATE	= 1,
	TDX_GPA_OP_CANCEL	= 2,
	TDX_GPA_OP_REMIGRATE	= 3,
};

enum tdx_gpa_entry_status {
	TDX_GPA_STATUS_SUCCESS				= 0,
	TDX_GPA_STATUS_SKIPPED				= 1,
	TDX_GPA_STATUS_SEPT_WALK_FAILED			= 2,
	TDX_GPA_STATUS_SEPT_ENTRY_BUSY_HOST_PRIORITY	= 3,
	TDX_GPA_STATUS_SEPT_ENTRY_STATE_INCORRECT	= 4,
	TDX_GPA_STATUS_TLB_TRACKING_NOT_DONE		= 5,
	TDX_GPA_STATUS_OP_STATE_INCORRECT		= 6,
	TDX_GPA_STATUS_MIGRATED_IN_CURRENT_EPOCH	= 7,
	TDX_GPA_STATUS_MIG_BUFFER_NOT_AVAILABLE		= 8,
	TDX_GPA_STATUS_NEW_PAGE_NOT_AVAILABLE		= 9,
	TDX_GPA_STATUS_INVALID_PAGE_MAC			= 10,
	TDX_GPA_STATUS_DISALLOWED_IMPORT_OVER_REMOVED	= 11,
	TDX_GPA_STATUS_TD_PAGE_BUSY_HOST_PRIORITY	= 12,
	TDX_GPA_STATUS_L2_SEPT_WALK_FAILED		= 13,
	TDX_GPA_STATUS_ATTR_LIST_ENTRY_INVALID		= 14,
	TDX_GPA_STATUS_GPA_LIST_ENTRY_INVALID		= 15,
};

struct tdx_gpa_entry {
	u8 level;
	bool pending;
	u8 l2_map;
	u8 mig_type;
	u64 gpa;
	enum tdx_gpa_entry_op operation;
	enum tdx_gpa_entry_status status;
};

static inline u64 tdx_gpa_entry_encode(const struct tdx_gpa_entry *e)
{
	return FIELD_PREP(TDX_GPA_ENTRY_LEVEL_MASK, e->level) |
	       (e->pending ? TDX_GPA_ENTRY_PENDING_BIT : 0) |
	       FIELD_PREP(TDX_GPA_ENTRY_L2_MAP_MASK, e->l2_map) |
	       FIELD_PREP(TDX_GPA_ENTRY_MIG_TYPE_MASK, e->mig_type) |
	       (e->gpa & TDX_GPA_ENTRY_GPA_MASK) |
	       FIELD_PREP(TDX_GPA_ENTRY_OPERATION_MASK, e->operation) |
	       FIELD_PREP(TDX_GPA_ENTRY_STATUS_MASK, e->status);
}

/*
 * §10.2: gpa_list_entry_is_valid() checks the reserved bits and the level
 * only; mig_type and l2_map are never validated.
 */
static inline bool tdx_gpa_entry_decode(u64 raw, struct tdx_gpa_entry *e)
{
	e->level = FIELD_GET(TDX_GPA_ENTRY_LEVEL_MASK, raw);
	e->pending = raw & TDX_GPA_ENTRY_PENDING_BIT;
	e->l2_map = FIELD_GET(TDX_GPA_ENTRY_L2_MAP_MASK, raw);
	e->mig_type = FIELD_GET(TDX_GPA_ENTRY_MIG_TYPE_MASK, raw);
	e->gpa = raw & TDX_GPA_ENTRY_GPA_MASK;
	e->operation = FIELD_GET(TDX_GPA_ENTRY_OPERATION_MASK, raw);
	e->status = FIELD_GET(TDX_GPA_ENTRY_STATUS_MASK, raw);
	return !(raw & TDX_GPA_ENTRY_RSVD_MASK) && e->level == 0;
}

/* §2.3 page-list entry: migration-buffer list and new-page list. */
#define TDX_PAGE_LIST_ENTRY_HPA_MASK	GENMASK_ULL(51, 12)
#define TDX_PAGE_LIST_ENTRY_RSVD_MASK	(GENMASK_ULL(11, 0) | GENMASK_ULL(62, 52))
#define TDX_PAGE_LIST_ENTRY_INVALID_BIT	BIT_ULL(63)
#define TDX_PAGE_LIST_ENTRIES		512

static inline u64 tdx_page_list_entry_encode(u64 hpa, bool invalid)
{
	return (hpa & TDX_PAGE_LIST_ENTRY_HPA_MASK) |
	       (invalid ? TDX_PAGE_LIST_ENTRY_INVALID_BIT : 0);
}

static inline bool tdx_page_list_entry_decode(u64 raw, u64 *hpa, bool *invalid)
{
	*hpa = raw & TDX_PAGE_LIST_ENTRY_HPA_MASK;
	*invalid = raw & TDX_PAGE_LIST_ENTRY_INVALID_BIT;
	return !(raw & TDX_PAGE_LIST_ENTRY_RSVD_MASK);
}

/* §2.3 MAC lists: 16-byte tags, 256 per page, entry k in list k >> 8. */
#define TDX_MAC_LEN			16
#define TDX_MAC_LIST_ENTRIES		256

static inline unsigned int tdx_mac_list_of(unsigned int entry)
{
	return (entry >> 8) & 1;
}

static inline unsigned int tdx_mac_list_index(unsigned int entry)
{
	return entry & 0xff;
}

/* §2.1 MBMD: 48 bytes, 128-byte aligned. */
enum tdx_mb_type {
	TDX_MB_TYPE_IMMUTABLE_TD_STATE	= 0,
	TDX_MB_TYPE_MUTABLE_TD_STATE	= 1,
	TDX_MB_TYPE_MUTABLE_VCPU_STATE	= 2,
	TDX_MB_TYPE_MEM			= 16,
	TDX_MB_TYPE_EPOCH_TOKEN		= 32,
	TDX_MB_TYPE_ABORT_TOKEN		= 33,
};

struct tdx_mbmd_header {
	__le16 size;
	__le16 mig_version;
	__le16 migs_index;
	u8 mb_type;
	u8 reserved;
	__le32 mb_counter;
	__le32 mig_epoch;
	__le64 iv_counter;
} __packed;

struct tdx_mbmd {
	struct tdx_mbmd_header hdr;
	union {
		struct {
			__le16 num_f_migs;
			__le16 reserved0;
			/* num_sys_md_pages in bits 7:0, the rest reserved */
			__le32 sys_md_pages;
		} __packed immutable;
		__le64 mutable_td_reserved;
		/* vp_index in bits 15:0, the rest reserved */
		__le64 vcpu;
		/* num_gpas in bits 15:0, the rest reserved */
		__le64 mem;
		__le64 total_mb;
		__le64 abort_reserved;
	} __packed;
	u8 mac[TDX_MAC_LEN];
} __packed;

static_assert(sizeof(struct tdx_mbmd_header) == 24);
static_assert(sizeof(struct tdx_mbmd) == 48);

/* §2.2: the MBMD AAD covers bytes 0..31, the MAC excluded. */
#define TDX_MBMD_AAD_LEN		offsetof(struct tdx_mbmd, mac)
#define TDX_MBMD_IMMUTABLE_SYS_PAGES	GENMASK(7, 0)
#define TDX_MBMD_VP_INDEX		GENMASK_ULL(15, 0)
#define TDX_MBMD_NUM_GPAS		GENMASK_ULL(15, 0)

/* §2.2: IV = iv_counter (8 bytes), migs_index (2 bytes), 0 (2 bytes). */
struct tdx_migs_iv {
	__le64 iv_counter;
	__le16 migs_index;
	__le16 reserved;
} __packed;

static_assert(sizeof(struct tdx_migs_iv) == 12);

#define TDX_MIG_KEY_LEN			32
#define TDX_MIG_EPOCH_OUT_OF_ORDER	0xffffffffU
#define TDX_MIG_EPOCH_MAX_IN_ORDER	0xfffffffeU
#define TDX_MAX_EXPORT_COUNT		0x7fffffffU
#define TDX_NULL_PA			(~0ULL)

/* §1.2: stream numbering. */
#define TDX_MIN_MIGS			2
#define TDX_MAX_MIGS			512
#define TDX_MAX_F_MIGS			(TDX_MAX_MIGS - 1)

/* §8: minimum pages per state bundle page list in 1.5.01. */
#define TDX_MIN_IMMUTABLE_EXPORT_PAGES	3
#define TDX_MIN_TD_STATE_EXPORT_PAGES	2
#define TDX_MIN_VP_STATE_EXPORT_PAGES	5
#define TDX_MIN_VP_STATE_IMPORT_PAGES	4
#define TDX_NUM_SYS_STATE_EXPORT_PAGES	1

/* §3.1 OP_STATE. */
enum tdx_op_state {
	TDX_OP_STATE_UNINITIALIZED	= 0,
	TDX_OP_STATE_INITIALIZED	= 1,
	TDX_OP_STATE_RUNNABLE		= 2,
	TDX_OP_STATE_LIVE_EXPORT	= 3,
	TDX_OP_STATE_PAUSED_EXPORT	= 4,
	TDX_OP_STATE_POST_EXPORT	= 5,
	TDX_OP_STATE_MEMORY_IMPORT	= 6,
	TDX_OP_STATE_STATE_IMPORT	= 7,
	TDX_OP_STATE_POST_IMPORT	= 8,
	TDX_OP_STATE_LIVE_IMPORT	= 9,
	TDX_OP_STATE_FAILED_IMPORT	= 10,
	TDX_NUM_OP_STATES
};

const char *tdx_op_state_name(enum tdx_op_state state);

/* §3.4: SEPT leaf-entry bits. */
#define TDX_SEPT_R_BIT			BIT_ULL(0)
#define TDX_SEPT_W_BIT			BIT_ULL(1)
#define TDX_SEPT_X_BIT			BIT_ULL(2)
#define TDX_SEPT_IPAT_BIT		BIT_ULL(6)
#define TDX_SEPT_PS_BIT			BIT_ULL(7)
#define TDX_SEPT_D_BIT			BIT_ULL(9)
#define TDX_SEPT_TDEL_BIT		BIT_ULL(11)
#define TDX_SEPT_HPA_MASK		GENMASK_ULL(51, 12)
#define TDX_SEPT_TDEX_BIT		BIT_ULL(53)
#define TDX_SEPT_TDBW_BIT		BIT_ULL(54)
#define TDX_SEPT_TDB_BIT		BIT_ULL(55)
#define TDX_SEPT_TDP_BIT		BIT_ULL(56)
/* REMOVED during import: removal epoch and its valid bit. */
#define TDX_SEPT_REMOVED_EPOCH_MASK	GENMASK_ULL(43, 12)
#define TDX_SEPT_REMOVED_EPOCH_VALID	BIT_ULL(44)

/* §3.4: SEPT state index, as the module's lookup tables number them. */
enum tdx_sept_state {
	TDX_SEPT_FREE				= 0,
	TDX_SEPT_REMOVED			= 1,
	TDX_SEPT_NL_MAPPED			= 2,
	TDX_SEPT_NL_BLOCKED			= 3,
	TDX_SEPT_MAPPED				= 4,
	TDX_SEPT_BLOCKED			= 5,
	TDX_SEPT_BLOCKEDW			= 6,
	TDX_SEPT_EXPORTED_BLOCKEDW		= 7,
	TDX_SEPT_EXPORTED_DIRTY			= 8,
	TDX_SEPT_EXPORTED_DIRTY_BLOCKEDW	= 9,
	TDX_SEPT_PENDING			= 10,
	TDX_SEPT_PENDING_BLOCKED		= 11,
	TDX_SEPT_PENDING_BLOCKEDW		= 12,
	TDX_SEPT_PENDING_EXPORTED_BLOCKEDW	= 13,
	TDX_SEPT_PENDING_EXPORTED_DIRTY		= 14,
	TDX_SEPT_PENDING_EXPORTED_DIRTY_BLOCKEDW = 15,
	TDX_NUM_SEPT_STATES
};

/*
 * The 7-bit state encoding: D | TDEX << 1 | TDBW << 2 | TDB << 3 | TDP << 4 |
 * IPAT << 5 | PS << 6.
 */
u8 tdx_sept_state_encoding(enum tdx_sept_state state);
/* The public state TDH.MEM.SEPT.RD reports. */
u8 tdx_sept_state_public(enum tdx_sept_state state);
u8 tdx_sept_entry_encoding(u64 entry);
/* Returns -EINVAL for an encoding that names no state. */
int tdx_sept_state_from_encoding(u8 encoding);
const char *tdx_sept_state_name(enum tdx_sept_state state);

/*
 * §5 metadata field IDs. Multi-element fields are addressed element by
 * element as field_id + index.
 */
#define TDX_MD_FIELD_CODE_MASK		GENMASK_ULL(23, 0)
#define TDX_MD_ELEM_SIZE_MASK		GENMASK_ULL(33, 32)
#define TDX_MD_LAST_ELEM_MASK		GENMASK_ULL(37, 34)
#define TDX_MD_LAST_FIELD_MASK		GENMASK_ULL(46, 38)
#define TDX_MD_INC_SIZE_BIT		BIT_ULL(50)
#define TDX_MD_WRITE_MASK_VALID_BIT	BIT_ULL(51)
#define TDX_MD_CONTEXT_MASK		GENMASK_ULL(54, 52)
#define TDX_MD_CLASS_MASK		GENMASK_ULL(61, 56)
#define TDX_MD_NON_ARCH_BIT		BIT_ULL(63)

enum tdx_md_context {
	TDX_MD_CTX_SYS	= 0,
	TDX_MD_CTX_TD	= 1,
	TDX_MD_CTX_VP	= 2,
};

enum tdx_md_elem_size {
	TDX_MD_ELEM_1B	= 0,
	TDX_MD_ELEM_2B	= 1,
	TDX_MD_ELEM_4B	= 2,
	TDX_MD_ELEM_8B	= 3,
};

struct tdx_md_field_id {
	u32 field_code;
	enum tdx_md_elem_size elem_size;
	u8 last_elem;
	u16 last_field;
	bool inc_size;
	bool write_mask_valid;
	enum tdx_md_context context;
	u8 class_code;
	bool non_arch;
};

u64 tdx_md_field_id_encode(const struct tdx_md_field_id *f);
/* Returns false if reserved bits (49:47, 55, 62) are set. */
bool tdx_md_field_id_decode(u64 raw, struct tdx_md_field_id *f);

static inline unsigned int tdx_md_elem_bytes(u64 field_id)
{
	return 1U << FIELD_GET(TDX_MD_ELEM_SIZE_MASK, field_id);
}

/* §2.5: the header of each metadata-list page. */
struct tdx_md_list_header {
	__le16 list_buff_size;
	__le16 num_sequences;
	__le32 reserved;
} __packed;

static_assert(sizeof(struct tdx_md_list_header) == 8);

/* §5 migration class (24). */
#define TDX_MD_TD_MIG_DEC_KEY_SET	0x9810000000000001ULL
#define TDX_MD_TD_EXPORT_COUNT		0x9810000200000002ULL
#define TDX_MD_TD_IMPORT_COUNT		0x9810000200000003ULL
#define TDX_MD_TD_MIG_EPOCH		0x9810000200000004ULL
#define TDX_MD_TD_BW_EPOCH		0x9810000300000005ULL
#define TDX_MD_TD_TOTAL_MB_COUNT	0x9810000300000006ULL
#define TDX_MD_TD_MIG_DEC_KEY		0x9810000300000010ULL
#define TDX_MD_TD_MIG_DEC_WORKING_KEY	0x9810000300000014ULL
#define TDX_MD_TD_MIG_ENC_KEY		0x9810000300000018ULL
#define TDX_MD_TD_MIG_ENC_WORKING_KEY	0x981000030000001CULL
#define TDX_MD_TD_MIG_VERSION		0x9810000100000020ULL
#define TDX_MD_TD_MIG_WORKING_VERSION	0x9810000100000021ULL
#define TDX_MD_TD_DIRTY_COUNT		0x9810000300000030ULL
#define TDX_MD_TD_MIG_COUNT		0x9810000300000031ULL
#define TDX_MD_TD_NUM_MIGS		0x9810000100000032ULL
#define TDX_MD_TD_NUM_MIGRATED_VCPUS	0x9810000200000034ULL
#define TDX_MD_TD_PRE_IMPORT_UUID	0x9810000300000040ULL
#define TDX_MD_KEY_ELEMENTS		4
#define TDX_MD_UUID_ELEMENTS		4

/* §5 service-TD class (25) and friends. */
#define TDX_MD_TD_SERVTD_HASH		0x9910000300000000ULL
#define TDX_MD_TD_SERVTD_NUM		0x9910000100000006ULL
#define TDX_MD_TD_SERVTD_BINDINGS_TABLE	0x9910000300000080ULL
#define TDX_MD_TD_MIGSC_LINKS		0x9A10000300000000ULL
#define TDX_MD_TD_UUID			0x8010000300000020ULL
#define TDX_MD_TD_OP_STATE		0x9010000200000004ULL
#define TDX_MD_TD_ATTRIBUTES		0x1110000300000000ULL
/* §6.6: what today's MigTD reads; not in the 1.5.01 tables, must read 0. */
#define TDX_MD_TD_SERVTD_ATTR_MIGTD	0x1910000300000202ULL

/* Global fields of the TD build path, as upstream Linux reads them. */
#define TDX_MD_SYS_TDR_BASE_SIZE		0x9800000100000000ULL
#define TDX_MD_SYS_TDCS_BASE_SIZE		0x9800000100000100ULL
#define TDX_MD_SYS_TDVPS_BASE_SIZE		0x9800000100000200ULL
#define TDX_MD_SYS_ATTRIBUTES_FIXED0		0x1900000300000000ULL
#define TDX_MD_SYS_ATTRIBUTES_FIXED1		0x1900000300000001ULL
#define TDX_MD_SYS_XFAM_FIXED0			0x1900000300000002ULL
#define TDX_MD_SYS_XFAM_FIXED1			0x1900000300000003ULL
#define TDX_MD_SYS_MAX_VCPUS_PER_TD		0x9900000100000008ULL

/* §5 global (SYS) fields; the version fields as upstream reads them. */
#define TDX_MD_SYS_MINOR_VERSION		0x0800000100000003ULL
#define TDX_MD_SYS_MAJOR_VERSION		0x0800000100000004ULL
#define TDX_MD_SYS_UPDATE_VERSION		0x0800000100000005ULL
#define TDX_MD_SYS_MIG_ATTRIBUTES		0xA000000300000000ULL
#define TDX_MD_SYS_MIN_EXPORT_VERSION		0x2000000100000001ULL
#define TDX_MD_SYS_MAX_EXPORT_VERSION		0x2000000100000002ULL
#define TDX_MD_SYS_MIN_IMPORT_VERSION		0x2000000100000003ULL
#define TDX_MD_SYS_MAX_IMPORT_VERSION		0x2000000100000004ULL
#define TDX_MD_SYS_MAX_MIGS			0xA000000100000010ULL
#define TDX_MD_SYS_NUM_IMMUTABLE_STATE_PAGES	0xA000000000000020ULL
#define TDX_MD_SYS_NUM_TD_STATE_PAGES		0xA000000000000021ULL
#define TDX_MD_SYS_NUM_VP_STATE_PAGES		0xA000000000000022ULL
#define TDX_MD_SYS_MAX_SERV_TDS			0xA100000100000000ULL
#define TDX_MD_SYS_SERVTD_ATTR_FIXED0		0xA100000300000001ULL
#define TDX_MD_SYS_SERVTD_ATTR_FIXED1		0xA100000300000002ULL
#define TDX_MD_SYS_TDX_FEATURES0		0x0A00000300000008ULL

/* TDX_FEATURES0 bits. */
#define TDX_FEATURES0_TD_MIGRATION		BIT_ULL(0)
#define TDX_FEATURES0_TD_PRESERVING		BIT_ULL(1)
#define TDX_FEATURES0_SERVICE_TD		BIT_ULL(2)
#define TDX_FEATURES0_HOST_PRIORITY_LOCKS	BIT_ULL(10)

/* §5 ATTRIBUTES. */
#define TDX_TD_ATTR_DEBUG		BIT_ULL(0)
#define TDX_TD_ATTR_SEPT_VE_DISABLE	BIT_ULL(28)
#define TDX_TD_ATTR_MIGRATABLE		BIT_ULL(29)
#define TDX_TD_ATTR_PKS			BIT_ULL(30)
#define TDX_TD_ATTR_KL			BIT_ULL(31)
#define TDX_TD_ATTR_PERFMON		BIT_ULL(63)

/*
 * The SEPT level and GPA operand of the memory leaves (RCX): level in bits
 * 2:0 (0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB, 3 = 512 GiB), GPA in 51:12.
 */
#define TDX_GPA_LEVEL_MASK		GENMASK_ULL(2, 0)
#define TDX_GPA_LEVEL_RSVD_MASK		(GENMASK_ULL(11, 3) | GENMASK_ULL(63, 52))
#define TDX_GPA_LEVEL_GPA_MASK		GENMASK_ULL(51, 12)

static inline u64 tdx_gpa_level_encode(u64 gpa, unsigned int level)
{
	return (gpa & TDX_GPA_LEVEL_GPA_MASK) | FIELD_PREP(TDX_GPA_LEVEL_MASK, level);
}

/* TD_PARAMS (TDH.MNG.INIT, RDX): 1024 bytes, 1024-byte aligned. */
#define TDX_TD_PARAMS_SIZE		1024
struct tdx_td_params {
	__le64 attributes;
	__le64 xfam;
	__le16 max_vcpus;
	u8 reserved[TDX_TD_PARAMS_SIZE - 18];
} __packed;

static_assert(sizeof(struct tdx_td_params) == TDX_TD_PARAMS_SIZE);

/* TDH.VP.ENTER exits: the VMX basic exit reason in RAX 15:0. */
#define TDX_EXIT_REASON_EXTERNAL_INTERRUPT	1
#define TDX_EXIT_REASON_HLT			12
#define TDX_EXIT_REASON_EPT_VIOLATION		48
#define TDX_EXIT_REASON_TDCALL			77
/* EPT-violation exit qualification: bit 0 read, bit 1 write. */
#define TDX_EXIT_QUAL_READ		BIT_ULL(0)
#define TDX_EXIT_QUAL_WRITE		BIT_ULL(1)

/* §5 SERVTD_ATTR and service-TD types. */
#define TDX_SERVTD_ATTR_INSTANCE_BINDING	BIT_ULL(0)
#define TDX_SERVTD_ATTR_IGNORE_TDINFO_MASK	GENMASK_ULL(47, 32)
#define TDX_SERVTD_ATTR_FIXED0			0x000007FF00000001ULL
#define TDX_SERVTD_ATTR_FIXED1			0ULL
#define TDX_SERVTD_TYPE_MIGTD			0
#define TDX_MAX_SERVTDS				1
#define TDX_SERVTD_INFO_HASH_LEN		48

enum tdx_servtd_binding_state {
	TDX_SERVTD_NOT_BOUND	= 0,
	TDX_SERVTD_PRE_BOUND	= 1,
	TDX_SERVTD_BOUND	= 2,
};

/* §1.3: the binding handle a service TD uses for TDG.SERVTD.RD/WR. */
static inline u64 tdx_servtd_handle(u64 target_tdr_pa, u16 slot, u64 servtd_uuid0)
{
	return ((target_tdr_pa & ~0xfffULL) | slot) + servtd_uuid0;
}

#endif /* TDX_MIG_SEAMCALL_ABI_H */
