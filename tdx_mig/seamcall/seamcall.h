/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SEAMCALL layer: one entry point that every leaf goes through, two
 * backends behind it (the SEAMCALL instruction, or the emulated TDX Module),
 * and typed wrappers that alone know each leaf's registers. Calls nothing
 * above it.
 */
#ifndef TDX_MIG_SEAMCALL_H
#define TDX_MIG_SEAMCALL_H

#include <linux/types.h>

#include "abi.h"

/*
 * The registers of a SEAMCALL, in the shape of upstream's struct
 * tdx_module_args (<asm/shared/tdx.h>), which out-of-tree code may not use:
 * upstream exports its SEAMCALL helpers to kvm and kvm-intel only.
 */
struct tdx_mig_args {
	u64 rcx;
	u64 rdx;
	u64 r8;
	u64 r9;
	u64 r10;
	u64 r11;
	u64 r12;
	u64 r13;
	u64 r14;
	u64 r15;
	u64 rbx;
	u64 rdi;
	u64 rsi;
};

/**
 * struct tdx_mig_backend - what executes a SEAMCALL
 * @name:	"hw" or "emu", for logs and capabilities
 * @owner:	the module providing @seamcall
 * @seamcall:	enter the TDX Module with RAX = @rax and the registers in
 *		@args; returns RAX and updates @args with the output
 *		registers. Never sleeps.
 */
struct tdx_mig_backend {
	const char *name;
	struct module *owner;
	u64 (*seamcall)(u64 rax, struct tdx_mig_args *args);
};

int tdx_mig_backend_register(const struct tdx_mig_backend *backend);
void tdx_mig_backend_unregister(const struct tdx_mig_backend *backend);
const char *tdx_mig_backend_name(void);

/*
 * A TD's TDR page and a vCPU's TDVPR page, as the wrappers take them:
 * distinct types, so that one cannot be passed for the other (upstream's
 * struct tdx_td and struct tdx_vp).
 */
struct tdx_mig_tdr {
	u64 pa;
};

struct tdx_mig_tdvpr {
	u64 pa;
};

static inline struct tdx_mig_tdr tdx_mig_tdr(u64 pa)
{
	return (struct tdx_mig_tdr){ .pa = pa };
}

static inline struct tdx_mig_tdvpr tdx_mig_tdvpr(u64 pa)
{
	return (struct tdx_mig_tdvpr){ .pa = pa };
}

u64 tdx_mig_seamcall(u64 rax, struct tdx_mig_args *args);
int tdx_mig_status_to_errno(u64 status);

u64 tdx_mig_tdh_sys_rd(u64 field_id, u64 *value);
u64 tdx_mig_tdh_mng_rd(struct tdx_mig_tdr tdr, u64 field_id, u64 *value);

/* TD build, run and teardown (td.c). */
u64 tdx_mig_tdh_mng_create(struct tdx_mig_tdr tdr, u16 hkid);
u64 tdx_mig_tdh_mng_key_config(struct tdx_mig_tdr tdr);
u64 tdx_mig_tdh_mng_addcx(struct tdx_mig_tdr tdr, u64 tdcx_pa);
u64 tdx_mig_tdh_mng_init(struct tdx_mig_tdr tdr, u64 td_params_pa);
u64 tdx_mig_tdh_mr_finalize(struct tdx_mig_tdr tdr);
u64 tdx_mig_tdh_mem_track(struct tdx_mig_tdr tdr);
u64 tdx_mig_tdh_mem_sept_add(struct tdx_mig_tdr tdr, u64 gpa, int level, u64 page_pa,
			     u64 *entry, u64 *err_level);
u64 tdx_mig_tdh_mem_page_add(struct tdx_mig_tdr tdr, u64 gpa, u64 page_pa, u64 src_pa);
u64 tdx_mig_tdh_mem_page_aug(struct tdx_mig_tdr tdr, u64 gpa, u64 page_pa);
u64 tdx_mig_tdh_mem_page_remove(struct tdx_mig_tdr tdr, u64 gpa);
u64 tdx_mig_tdh_mem_range_block(struct tdx_mig_tdr tdr, u64 gpa);
u64 tdx_mig_tdh_vp_create(struct tdx_mig_tdr tdr, struct tdx_mig_tdvpr tdvpr);
u64 tdx_mig_tdh_vp_addcx(struct tdx_mig_tdvpr tdvpr, u64 tdcx_pa);
u64 tdx_mig_tdh_vp_init(struct tdx_mig_tdvpr tdvpr, u64 initial_rcx);
u64 tdx_mig_tdh_vp_enter(struct tdx_mig_tdvpr tdvpr, u64 *exit_qual, u64 *gpa);
u64 tdx_mig_tdh_vp_enter_regs(struct tdx_mig_tdvpr tdvpr, struct tdx_mig_args *regs);
u64 tdx_mig_tdh_vp_wr(struct tdx_mig_tdvpr tdvpr, u64 field, u64 value, u64 mask);
u64 tdx_mig_tdh_vp_flush(struct tdx_mig_tdvpr tdvpr);
u64 tdx_mig_tdh_mng_vpflushdone(struct tdx_mig_tdr tdr);
u64 tdx_mig_tdh_phymem_cache_wb(bool resume);
u64 tdx_mig_tdh_mng_key_freeid(struct tdx_mig_tdr tdr);
u64 tdx_mig_tdh_mng_key_reclaimid(struct tdx_mig_tdr tdr);
u64 tdx_mig_tdh_phymem_page_reclaim(u64 page_pa, u64 *type, u64 *owner);

/* Migration (mig.c). */
u64 tdx_mig_tdh_mig_stream_create(struct tdx_mig_tdr tdr, u64 migsc_pa);
u64 tdx_mig_tdh_export_state_immutable(struct tdx_mig_tdr tdr, u64 mbmd, u64 page_list,
				       u64 migs_cmd, u64 *pages);
u64 tdx_mig_tdh_export_state_td(struct tdx_mig_tdr tdr, u64 mbmd, u64 page_list, u64 migs_cmd,
				u64 *pages);
u64 tdx_mig_tdh_export_state_vp(struct tdx_mig_tdvpr tdvpr, u64 mbmd, u64 page_list, u64 migs_cmd,
				u64 *pages);
u64 tdx_mig_tdh_import_state_immutable(struct tdx_mig_tdr tdr, u64 mbmd, u64 page_list,
				       u64 migs_cmd);
u64 tdx_mig_tdh_import_state_td(struct tdx_mig_tdr tdr, u64 mbmd, u64 page_list, u64 migs_cmd);
u64 tdx_mig_tdh_import_state_vp(struct tdx_mig_tdvpr tdvpr, u64 mbmd, u64 page_list, u64 migs_cmd);
u64 tdx_mig_tdh_export_blockw(struct tdx_mig_tdr tdr, u64 *gpa_list);
u64 tdx_mig_tdh_export_restore(struct tdx_mig_tdr tdr, u64 *gpa_list);
u64 tdx_mig_tdh_export_unblockw(struct tdx_mig_tdr tdr, u64 gpa);
u64 tdx_mig_tdh_export_mem(struct tdx_mig_tdr tdr, u64 *gpa_list, u64 mbmd, u64 buf_list,
			   u64 migs_cmd, u64 mac0, u64 mac1, u64 *pages);
u64 tdx_mig_tdh_import_mem(struct tdx_mig_tdr tdr, u64 *gpa_list, u64 mbmd, u64 buf_list,
			   u64 migs_cmd, u64 mac0, u64 mac1, u64 new_pages);
u64 tdx_mig_tdh_export_track(struct tdx_mig_tdr tdr, u64 mbmd, bool in_order_done);
u64 tdx_mig_tdh_import_track(struct tdx_mig_tdr tdr, u64 mbmd);
u64 tdx_mig_tdh_export_pause(struct tdx_mig_tdr tdr);
u64 tdx_mig_tdh_export_abort(struct tdx_mig_tdr tdr, u64 token);
u64 tdx_mig_tdh_import_abort(struct tdx_mig_tdr tdr, u64 token);
u64 tdx_mig_tdh_import_commit(struct tdx_mig_tdr tdr);
u64 tdx_mig_tdh_import_end(struct tdx_mig_tdr tdr);

/* Service TDs (servtd.c). */
u64 tdx_mig_tdh_servtd_bind(struct tdx_mig_tdr tdr, struct tdx_mig_tdr servtd_tdr, u16 slot,
			    u16 type, u64 attr, u64 *handle, u64 uuid[4]);
u64 tdx_mig_tdh_servtd_prebind(struct tdx_mig_tdr tdr, u64 hash_pa, u16 slot, u16 type, u64 attr);

/* The SEAMCALL instruction (hw.c). */
extern const struct tdx_mig_backend tdx_mig_hw_backend;

/*
 * A busy operand is another CPU's SEAMCALL holding a lock the TDX Module
 * only try-locks, or (TDH.MEM.TRACK) a vCPU still running in the previous
 * TLB epoch: retried this many times (tdx_mig_busy_backoff()).
 */
#define TDX_MIG_BUSY_RETRIES	2000

static inline bool tdx_mig_status_busy(u64 status)
{
	u64 code = tdx_status_code(status);

	return code == TDX_STATUS_OPERAND_BUSY || code == TDX_STATUS_OPERAND_BUSY_HOST_PRIORITY ||
	       code == TDX_STATUS_PREVIOUS_TLB_EPOCH_BUSY;
}

/* Pages given to the TDX Module are flushed first, and reset when given back. */
void tdx_mig_page_flush(u64 pa);
void tdx_mig_page_reset(u64 pa);

/* Busy retries (seamcall.c): a short wait, false once they are exhausted. */
bool tdx_mig_busy_backoff(unsigned int *tries);

/* The errno of an error status; 0 for success and for warnings. */
static inline int tdx_mig_status_error_errno(u64 status)
{
	return tdx_status_is_error(status) ? tdx_mig_status_to_errno(status) : 0;
}

#endif /* TDX_MIG_SEAMCALL_H */
