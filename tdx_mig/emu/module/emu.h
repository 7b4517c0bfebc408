/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emulated TDX Module: a register-level model of TDX Module 1.5,
 * reached through the "emu" SEAMCALL backend. Internal declarations. Calls
 * nothing of tdx_mig.ko but the ABI and the backend hook (seamcall/).
 */
#ifndef TDX_MIG_EMU_H
#define TDX_MIG_EMU_H

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "seamcall/seamcall.h"
#include "abi_decode.h"
#include "lock.h"
#include "pamt.h"
#include "emu/test/test_api.h"

/* The modelled TDX Module: its version and TDX_FEATURES0 are settings. */
struct tdx_emu_module_info {
	u16 major_version;
	u16 minor_version;
	u16 update_version;
	u64 features0;
};

extern struct tdx_emu_module_info tdx_emu_info;

#define EMU_FEATURES0_DEFAULT	(TDX_FEATURES0_TD_MIGRATION | TDX_FEATURES0_SERVICE_TD)

/* Modelled sizes (reported through TDH.SYS.RD). */
#define EMU_TDCS_PAGES		6
#define EMU_TDVPS_PAGES		6	/* the TDVPR plus 5 TDCX pages */
#define EMU_MAX_VCPUS		64
/* TDCS page that holds the SEPT root, as in the real module. */
#define EMU_TDCS_SEPT_ROOT	3
/* 4-level SEPT: GPAW 48, bit 47 is the shared bit. */
#define EMU_SEPT_LEVELS		4
#define EMU_GPAW		48
#define EMU_SHARED_GPA_BIT	BIT_ULL(EMU_GPAW - 1)
/* §1.3: RDX of a metadata read when there is no (next) field: -1. */
#define MD_FIELD_ID_NA		(~0ULL)
#define EMU_ATTRIBUTES_FIXED0	(TDX_TD_ATTR_DEBUG | TDX_TD_ATTR_SEPT_VE_DISABLE | \
				 TDX_TD_ATTR_MIGRATABLE | TDX_TD_ATTR_PKS | \
				 TDX_TD_ATTR_KL | TDX_TD_ATTR_PERFMON)
#define EMU_XFAM_FIXED0		0x6ffULL
#define EMU_XFAM_FIXED1		0x3ULL

/*
 * The MIGSC, kept in the page the host gave to TDH.MIG.STREAM.CREATE
 * (§2.4). The AES-GCM context of the real one is not needed: the model
 * encrypts a state bundle in one pass when the leaf completes.
 */
struct emu_migsc {
	u16 link;		/* 0: backward stream; i + 1: forward stream i */
	u64 iv_counter;
	u32 next_mb_counter;
	u32 expected_mb_counter;
	struct {
		bool valid;
		u64 func;
		u32 num_processed;
		u64 page_list_info;
		u64 tdvpr_pa;
		u64 gpa_list_info;	/* as returned by the interrupted call */
		u64 mig_buff_list_pa;
		u64 mac_list_pa[2];
		u64 new_page_list_pa;
		u32 mig_epoch;
	} intr;
	struct tdx_mbmd mbmd;
};

/* The most pages a state bundle of this model spans (see crypto.c). */
#define EMU_MAX_STATE_PAGES	8
/* TDCS page that holds migsc_links[] (§1.2). */
#define EMU_TDCS_MIGSC_LINKS	5

/* §5 SERVTD_BINDINGS_TABLE: one slot (MAX_SERVTDS = 1). */
struct emu_servtd_binding {
	u8 state;		/* enum tdx_servtd_binding_state */
	u16 type;
	u64 attr;
	u64 uuid[4];		/* the bound service TD's TD_UUID */
	u8 info_hash[TDX_SERVTD_INFO_HASH_LEN];
};

/* Key lifecycle of a TD (the KOT state of its HKID). */
enum emu_lifecycle {
	EMU_TD_HKID_ASSIGNED,
	EMU_TD_KEYS_CONFIGURED,
	EMU_TD_BLOCKED,		/* vCPUs flushed, caches to write back */
	EMU_TD_TEARDOWN,	/* HKID freed: pages may be reclaimed */
};

struct emu_td {
	u64 tdr_pa;
	u16 hkid;
	enum emu_lifecycle lifecycle;
	/* the cache write-back generation this TD's key waits for */
	u64 wbcache_gen;
	/* TDCS OP_STATE and its lock (§3.1) */
	struct emu_sharex op_state_lock;
	enum tdx_op_state op_state;
	u64 tdcx_pa[EMU_TDCS_PAGES];
	unsigned int num_tdcx;
	u64 attributes;
	u64 xfam;
	u16 max_vcpus;
	u16 num_vcpus;		/* created by TDH.VP.CREATE */
	u16 import_num_vcpus;	/* the source's, from the immutable bundle */
	unsigned long imported_vcpus;	/* indexes imported by IMPORT.STATE.VP */
	atomic_t associated_vcpus;
	u64 uuid[4];
	/* pages other than the TDR whose PAMT owner is this TD */
	atomic_long_t child_pages;
	/* TLB tracking: TD_EPOCH and the vCPUs in the current/previous one */
	raw_spinlock_t epoch_lock;
	u64 td_epoch;
	unsigned int epoch_refcount[2];
	/* What private pages are "encrypted" with (a keyed XOR pad). */
	u64 mem_key[8];

	/* Migration (§5 class 24); guarded by the TDR lock of each leaf. */
	bool mig_dec_key_set;
	u64 mig_dec_key[TDX_MD_KEY_ELEMENTS];
	u64 mig_enc_key[TDX_MD_KEY_ELEMENTS];
	u64 mig_dec_working_key[TDX_MD_KEY_ELEMENTS];
	u64 mig_enc_working_key[TDX_MD_KEY_ELEMENTS];
	u16 mig_version;
	u16 mig_working_version;
	u32 export_count;
	u32 import_count;
	u32 mig_epoch;
	u64 bw_epoch;
	atomic64_t total_mb_count;
	atomic64_t dirty_count;
	atomic64_t mig_count;
	u16 num_migs;
	atomic_t num_migrated_vcpus;
	u64 pre_import_uuid[4];
	/* TDCS page EMU_TDCS_MIGSC_LINKS: lock, initialized, MIGSC HPA */
	u64 *migsc_links;
	struct emu_servtd_binding servtd[TDX_MAX_SERVTDS];
	u16 servtd_num;
	/* §5 SERVTD_HASH, fixed by TDH.MR.FINALIZE */
	u64 servtd_hash[TDX_SERVTD_INFO_HASH_LEN / 8];
	/* the SERVTD_BINDINGS lock: servtd[] and servtd_num (servtd.c) */
	struct emu_sharex servtd_lock;
};

enum emu_vcpu_state {
	EMU_VCPU_UNINITIALIZED,
	EMU_VCPU_READY,
};

struct emu_vcpu {
	u64 tdvpr_pa;
	struct emu_td *td;
	u16 index;
	enum emu_vcpu_state state;
	u64 tdcx_pa[EMU_TDVPS_PAGES - 1];
	unsigned int num_tdcx;
	/* the logical CPU it is associated with, or -1 */
	int assoc_cpu;
	struct tdx_emu_vcpu_regs regs;
	/* the EXPORT_COUNT of the session that exported it, 0 if none */
	u32 exported_in;
	/*
	 * The test-provided guest program, run by TDH.VP.ENTER; the TDVPR
	 * lock, held exclusively by VP.ENTER and the test interface, guards it.
	 */
	struct tdx_emu_guest_op *ops;
	unsigned int nr_ops;
	unsigned int next_op;
	/* the TD VMCS's SHARED_EPT_POINTER (TDH.VP.WR); 0: none yet */
	u64 shared_eptp;
	/* the current step is a TDG.VP.VMCALL that gave the host these GPRs */
	bool vmcall_pending;
	u16 vmcall_gprs;
};

/* pamt.c also maps TDR and TDVPR pages to their objects. */
struct emu_td *emu_td_of(struct emu_pamt_entry *e);
struct emu_vcpu *emu_vcpu_of(struct emu_pamt_entry *e);

/* The TDR and OP_STATE lock modes of a leaf's handler (td.c). */
struct emu_leaf_locks {
	enum emu_lock_mode tdr;
	enum emu_lock_mode op_state;
};

const struct emu_leaf_locks *emu_leaf_locks(u16 leaf);

/* td.c */
u64 emu_td_lock(u64 tdr_pa, int opid, enum emu_lock_mode mode, struct emu_td **out);
u64 emu_td_check_keys(struct emu_td *td);
u64 emu_td_check_built(struct emu_td *td);
u64 emu_leaf_begin(u16 leaf, u64 tdr_pa, int reg, struct emu_td **td);
void emu_leaf_end(u16 leaf, struct emu_td *td);
u64 emu_leaf_td_lock(u16 leaf, u64 tdr_pa, int opid, struct emu_td **td);
void emu_leaf_td_unlock(u16 leaf, struct emu_td *td);
u64 emu_leaf_op_state_lock(u16 leaf, struct emu_td *td);
void emu_leaf_op_state_unlock(u16 leaf, struct emu_td *td);
void emu_td_unlock(struct emu_td *td, enum emu_lock_mode mode);
bool emu_op_state_allows(u16 leaf, enum tdx_op_state state);
u64 emu_mng_create(struct tdx_mig_args *a);
u64 emu_mng_key_config(struct tdx_mig_args *a);
u64 emu_mng_addcx(struct tdx_mig_args *a);
u64 emu_mng_init(struct tdx_mig_args *a);
u64 emu_mng_rd(struct tdx_mig_args *a);
u64 emu_mng_wr(struct tdx_mig_args *a);
u64 emu_mr_finalize(struct tdx_mig_args *a);
u64 emu_mem_track(struct tdx_mig_args *a);
u64 emu_mng_vpflushdone(struct tdx_mig_args *a);
u64 emu_mng_key_freeid(struct tdx_mig_args *a);
u64 emu_mng_key_reclaimid(struct tdx_mig_args *a);
void emu_td_destroy(struct emu_td *td);
void emu_td_init_sept_root(struct emu_td *td);

/* vcpu.c */
u64 emu_vcpu_lock(u64 tdvpr_pa, int opid, struct emu_vcpu **out);
bool emu_td_add_vcpu(struct emu_td *td, u16 *index);
void emu_vcpu_unlock(struct emu_vcpu *vcpu);
u64 emu_vp_create(struct tdx_mig_args *a);
u64 emu_vp_addcx(struct tdx_mig_args *a);
u64 emu_vp_init(struct tdx_mig_args *a);
u64 emu_vp_flush(struct tdx_mig_args *a);
u64 emu_vp_wr(struct tdx_mig_args *a);
u64 emu_vp_enter(struct tdx_mig_args *a);
void emu_vcpu_destroy(struct emu_vcpu *vcpu);

/* sept.c */
u64 emu_mem_sept_add(struct tdx_mig_args *a);
u64 emu_mem_page_add(struct tdx_mig_args *a);
u64 emu_mem_page_aug(struct tdx_mig_args *a);
u64 emu_mem_page_remove(struct tdx_mig_args *a);
u64 emu_mem_range_block(struct tdx_mig_args *a);
u64 *emu_sept_walk(struct emu_td *td, u64 gpa, int level, int *failed_level);
u64 emu_sept_lock_entry(u64 *entry, u64 *val);
void emu_sept_unlock_entry(u64 *entry, u64 val);
enum tdx_sept_state emu_sept_state(u64 entry);
u64 emu_sept_set_state(u64 entry, enum tdx_sept_state state);
bool emu_sept_leaf_allowed(u16 leaf, enum tdx_sept_state state);
bool emu_sept_accept_allowed(enum tdx_sept_state state);
void emu_private_copy(struct emu_td *td, u64 hpa, unsigned int off, void *buf,
		      unsigned int len, bool write);
void emu_private_clear(struct emu_td *td, u64 hpa);
u64 emu_sept_error(struct tdx_mig_args *a, u64 status, u64 entry, int level);
u64 emu_sept_walk_lock(struct tdx_mig_args *a, struct emu_td *td, u64 gpa, int level,
		       u64 **entry, u64 *old);

/* phymem.c */
u64 emu_phymem_page_reclaim(struct tdx_mig_args *a);
u64 emu_phymem_cache_wb(struct tdx_mig_args *a);
void emu_wbcache_request(struct emu_td *td);
bool emu_wbcache_done(struct emu_td *td);

/* crypto.c: AES-256-GCM, per CPU, usable where a SEAMCALL runs */
struct emu_crypto;

/*
 * What the model's crypto cost (emu_crypto_stats_read()): AEAD operations,
 * their bytes of text and nanoseconds, per direction, and the time spent
 * setting keys (once per operation; part of the model's own work).
 */
struct emu_crypto_stats {
	u64 enc_ops, enc_bytes, enc_ns;
	u64 dec_ops, dec_bytes, dec_ns;
	u64 setkey_ns;
};

void emu_crypto_stats_read(struct emu_crypto_stats *sum);
int emu_crypto_init(void);
void emu_crypto_uninit(void);
struct emu_crypto *emu_crypto_get(void);
void emu_crypto_put(struct emu_crypto *c);
void *emu_crypto_scratch(struct emu_crypto *c, unsigned int i);
int emu_gcm(struct emu_crypto *c, const u8 *key, const struct tdx_migs_iv *iv,
	    const void *aad, unsigned int aad_len, struct page **in, struct page **out,
	    unsigned int npages, u8 *tag, bool encrypt);

/*
 * Fields of the model's state bundles (§2.5 format). Where §5 gives an ID
 * it is used; the others are the model's own (non-arch, class 63), read
 * only by the model's importer.
 */
#define EMU_MD_TD_XFAM		0xBF10000300000001ULL
#define EMU_MD_TD_MAX_VCPUS	0xBF10000300000002ULL
#define EMU_MD_TD_NUM_VCPUS	0xBF10000300000003ULL
#define EMU_MD_VP_INDEX		0xBF20000300000001ULL
#define EMU_MD_VP_GPRS		0xBF20000300000010ULL
#define EMU_MD_VP_RIP		0xBF20000300000020ULL
#define EMU_MD_VP_RFLAGS	0xBF20000300000021ULL

struct emu_md_writer {
	void *page;
	unsigned int off;
	u16 nseq;
};

struct emu_md_reader {
	const void *page;
	unsigned int off;
	u16 seq;
};

/* mig.c */
struct emu_migsc *emu_migsc_at(struct emu_td *td, unsigned int link);
u64 emu_mig_stream_create(struct tdx_mig_args *a);
u64 emu_migsc_lock(struct emu_td *td, unsigned int link, struct emu_migsc **out);
void emu_migsc_unlock(struct emu_td *td, unsigned int link);
bool emu_migsc_initialized(struct emu_td *td, unsigned int link);
void emu_migsc_init(struct emu_td *td, unsigned int link, struct emu_migsc *migsc);
void emu_migsc_uninit_all(struct emu_td *td);
void emu_mig_new_session_keys(struct emu_td *td);
bool emu_shared_page_ok(u64 hpa, unsigned int align);
void *emu_shared_va(u64 hpa);
struct tdx_mbmd *emu_mbmd_operand(u64 raw);
void emu_mbmd_sign(struct tdx_mbmd *mbmd, const u64 *key);
bool emu_mbmd_verify(struct tdx_mbmd *mbmd, const u64 *key);
void emu_md_begin(struct emu_md_writer *w, void *page);
bool emu_md_put(struct emu_md_writer *w, u64 field_id, const u64 *vals, unsigned int n);
void emu_md_end(struct emu_md_writer *w);
void emu_md_reader_init(struct emu_md_reader *r, const void *page);
int emu_md_next(struct emu_md_reader *r, u64 *field_id, const u64 **vals, unsigned int *n);
unsigned int emu_page_list_pages(u64 list_hpa, unsigned int n, struct page **pages);
bool emu_state_pages_step(struct emu_migsc *migsc, unsigned int n);
u64 emu_op_state_lock(struct emu_td *td, enum emu_lock_mode mode);
void emu_op_state_unlock(struct emu_td *td, enum emu_lock_mode mode);

/* export.c */
u64 emu_export_state_immutable(struct tdx_mig_args *a);
u64 emu_export_state_td(struct tdx_mig_args *a);
u64 emu_export_state_vp(struct tdx_mig_args *a);
u64 emu_export_blockw(struct tdx_mig_args *a);
u64 emu_export_unblockw(struct tdx_mig_args *a);
u64 emu_export_mem(struct tdx_mig_args *a);
u64 emu_export_track(struct tdx_mig_args *a);
u64 emu_export_pause(struct tdx_mig_args *a);
u64 emu_export_abort(struct tdx_mig_args *a);
u64 emu_export_restore(struct tdx_mig_args *a);

/* import.c */
u64 emu_import_state_immutable(struct tdx_mig_args *a);
u64 emu_import_state_td(struct tdx_mig_args *a);
u64 emu_import_state_vp(struct tdx_mig_args *a);
u64 emu_import_mem(struct tdx_mig_args *a);
u64 emu_import_track(struct tdx_mig_args *a);
u64 emu_import_commit(struct tdx_mig_args *a);
u64 emu_import_end(struct tdx_mig_args *a);
u64 emu_import_abort(struct tdx_mig_args *a);
u64 emu_import_abort_session(struct emu_td *td, u64 status);

/* servtd.c */
int emu_servtd_init(void);
void emu_servtd_uninit(void);
u64 emu_servtd_bind(struct tdx_mig_args *a);
u64 emu_servtd_prebind(struct tdx_mig_args *a);
void emu_servtd_info_hash(const struct emu_td *std, u64 attr, u8 *out);
void emu_bench_init(void);
void emu_bench_exit(void);
void emu_servtd_finalize(struct emu_td *td);
bool emu_servtd_field(struct emu_td *td, u64 field_id, u64 *value);
u64 emu_guest_servtd(struct emu_vcpu *vcpu, struct tdx_emu_guest_op *op, struct tdx_mig_args *a);

/* intr.c: the host's pending-interrupt policy */
bool emu_intr_pending(void);

/* sys.c */
u64 tdx_emu_sys_rd(struct tdx_mig_args *args);
int tdx_emu_sys_field(u64 field_id, u64 *value);

u64 tdx_emu_seamcall(u64 rax, struct tdx_mig_args *args);

/* main.c: SEAMCALLs run and their nanoseconds, per leaf number */
#define EMU_LEAVES	128

struct emu_leaf_stats {
	u64 calls[EMU_LEAVES];
	u64 ns[EMU_LEAVES];
};

void emu_leaf_stats_read(struct emu_leaf_stats *sum);

#endif /* TDX_MIG_EMU_H */
