// SPDX-License-Identifier: GPL-2.0
/*
 * tdx_mig_emu.ko: the emulated TDX Module and the emulated host platform.
 * Registers the "emu" SEAMCALL backend with tdx_mig.ko.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/percpu.h>

#include "emu/module/emu.h"
#include "emu/platform/host_vm.h"

static ushort update_version = 1;
module_param(update_version, ushort, 0444);
MODULE_PARM_DESC(update_version, "modelled TDX Module update version (1.5.x)");

static ulong features0 = EMU_FEATURES0_DEFAULT;
module_param(features0, ulong, 0444);
MODULE_PARM_DESC(features0, "modelled TDX_FEATURES0 (default: TD_MIGRATION | SERVICE_TD)");

/*
 * SEAMCALLs the model ran and the time they took, per leaf (make bench's
 * split of a bundle's time). Leaf numbers stay below EMU_LEAVES.
 */
static DEFINE_PER_CPU(struct emu_leaf_stats, emu_leaf_pcpu);

static u64 emu_dispatch(u64 rax, struct tdx_mig_args *args)
{
	u16 leaf = FIELD_GET(TDX_LEAF_MASK, rax);
	u8 version = FIELD_GET(TDX_LEAF_VERSION_MASK, rax);
	u64 invalid = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RAX);

	if (rax & TDX_LEAF_RESERVED_MASK)
		return invalid;
	/*
	 * The module accepts version 1 of PROMOTE, SEPT.ADD, SEPT.REMOVE,
	 * MNG.RD and VP.RD, with other registers (§1.1); the model implements
	 * version 0 only and refuses the rest rather than run them with version
	 * 0's meaning.
	 */
	if (version)
		return invalid;

	switch (leaf) {
	case SEAMCALL_TDH_SYS_RD:
		return tdx_emu_sys_rd(args);
	case SEAMCALL_TDH_MNG_CREATE:
		return emu_mng_create(args);
	case SEAMCALL_TDH_MNG_KEY_CONFIG:
		return emu_mng_key_config(args);
	case SEAMCALL_TDH_MNG_ADDCX:
		return emu_mng_addcx(args);
	case SEAMCALL_TDH_MNG_INIT:
		return emu_mng_init(args);
	case SEAMCALL_TDH_MNG_RD:
		return emu_mng_rd(args);
	case SEAMCALL_TDH_MNG_WR:
		return emu_mng_wr(args);
	case SEAMCALL_TDH_MR_FINALIZE:
		return emu_mr_finalize(args);
	case SEAMCALL_TDH_MEM_TRACK:
		return emu_mem_track(args);
	case SEAMCALL_TDH_MNG_VPFLUSHDONE:
		return emu_mng_vpflushdone(args);
	case SEAMCALL_TDH_MNG_KEY_FREEID:
		return emu_mng_key_freeid(args);
	case SEAMCALL_TDH_MNG_KEY_RECLAIMID:
		return emu_mng_key_reclaimid(args);
	case SEAMCALL_TDH_VP_CREATE:
		return emu_vp_create(args);
	case SEAMCALL_TDH_VP_ADDCX:
		return emu_vp_addcx(args);
	case SEAMCALL_TDH_VP_INIT:
		return emu_vp_init(args);
	case SEAMCALL_TDH_VP_FLUSH:
		return emu_vp_flush(args);
	case SEAMCALL_TDH_VP_WR:
		return emu_vp_wr(args);
	case SEAMCALL_TDH_VP_ENTER:
		return emu_vp_enter(args);
	case SEAMCALL_TDH_MEM_SEPT_ADD:
		return emu_mem_sept_add(args);
	case SEAMCALL_TDH_MEM_PAGE_ADD:
		return emu_mem_page_add(args);
	case SEAMCALL_TDH_MEM_PAGE_AUG:
		return emu_mem_page_aug(args);
	case SEAMCALL_TDH_MEM_PAGE_REMOVE:
		return emu_mem_page_remove(args);
	case SEAMCALL_TDH_MEM_RANGE_BLOCK:
		return emu_mem_range_block(args);
	case SEAMCALL_TDH_PHYMEM_PAGE_RECLAIM:
		return emu_phymem_page_reclaim(args);
	case SEAMCALL_TDH_PHYMEM_CACHE_WB:
		return emu_phymem_cache_wb(args);
	case SEAMCALL_TDH_SERVTD_BIND:
		return emu_servtd_bind(args);
	case SEAMCALL_TDH_SERVTD_PREBIND:
		return emu_servtd_prebind(args);
	case SEAMCALL_TDH_MIG_STREAM_CREATE:
		return emu_mig_stream_create(args);
	case SEAMCALL_TDH_EXPORT_STATE_IMMUTABLE:
		return emu_export_state_immutable(args);
	case SEAMCALL_TDH_EXPORT_STATE_TD:
		return emu_export_state_td(args);
	case SEAMCALL_TDH_EXPORT_STATE_VP:
		return emu_export_state_vp(args);
	case SEAMCALL_TDH_EXPORT_BLOCKW:
		return emu_export_blockw(args);
	case SEAMCALL_TDH_EXPORT_UNBLOCKW:
		return emu_export_unblockw(args);
	case SEAMCALL_TDH_EXPORT_MEM:
		return emu_export_mem(args);
	case SEAMCALL_TDH_EXPORT_TRACK:
		return emu_export_track(args);
	case SEAMCALL_TDH_EXPORT_PAUSE:
		return emu_export_pause(args);
	case SEAMCALL_TDH_EXPORT_ABORT:
		return emu_export_abort(args);
	case SEAMCALL_TDH_EXPORT_RESTORE:
		return emu_export_restore(args);
	case SEAMCALL_TDH_IMPORT_STATE_IMMUTABLE:
		return emu_import_state_immutable(args);
	case SEAMCALL_TDH_IMPORT_STATE_TD:
		return emu_import_state_td(args);
	case SEAMCALL_TDH_IMPORT_STATE_VP:
		return emu_import_state_vp(args);
	case SEAMCALL_TDH_IMPORT_MEM:
		return emu_import_mem(args);
	case SEAMCALL_TDH_IMPORT_TRACK:
		return emu_import_track(args);
	case SEAMCALL_TDH_IMPORT_COMMIT:
		return emu_import_commit(args);
	case SEAMCALL_TDH_IMPORT_END:
		return emu_import_end(args);
	case SEAMCALL_TDH_IMPORT_ABORT:
		return emu_import_abort(args);
	default:
		return invalid;
	}
}

u64 tdx_emu_seamcall(u64 rax, struct tdx_mig_args *args)
{
	u16 leaf = FIELD_GET(TDX_LEAF_MASK, rax);
	u64 start = ktime_get_ns(), ret;

	ret = emu_dispatch(rax, args);
	if (leaf < EMU_LEAVES) {
		this_cpu_inc(emu_leaf_pcpu.calls[leaf]);
		this_cpu_add(emu_leaf_pcpu.ns[leaf], ktime_get_ns() - start);
	}
	return ret;
}

/**
 * emu_leaf_stats_read - SEAMCALLs the model ran so far, all CPUs
 * @sum: filled with the calls and nanoseconds of each leaf
 *
 * Context: any; a call in progress is not counted yet.
 */
void emu_leaf_stats_read(struct emu_leaf_stats *sum)
{
	unsigned int leaf;
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct emu_leaf_stats *st = per_cpu_ptr(&emu_leaf_pcpu, cpu);

		for (leaf = 0; leaf < EMU_LEAVES; leaf++) {
			sum->calls[leaf] += READ_ONCE(st->calls[leaf]);
			sum->ns[leaf] += READ_ONCE(st->ns[leaf]);
		}
	}
}

static const struct tdx_mig_backend emu_backend = {
	.name = "emu",
	.owner = THIS_MODULE,
	.seamcall = tdx_emu_seamcall,
};

static int __init tdx_emu_init(void)
{
	int ret;

	tdx_emu_info.update_version = update_version;
	tdx_emu_info.features0 = features0;
	ret = emu_pamt_init();
	if (ret)
		return ret;
	ret = emu_crypto_init();
	if (ret)
		goto uninit_pamt;
	ret = emu_servtd_init();
	if (ret)
		goto uninit_crypto;
	ret = tdx_mig_backend_register(&emu_backend);
	if (ret)
		goto uninit_servtd;
	ret = host_dev_init();
	if (ret)
		goto unregister;
	emu_bench_init();
	return 0;

unregister:
	tdx_mig_backend_unregister(&emu_backend);
uninit_servtd:
	emu_servtd_uninit();
uninit_crypto:
	emu_crypto_uninit();
uninit_pamt:
	emu_pamt_uninit();
	return ret;
}

static void __exit tdx_emu_exit(void)
{
	emu_bench_exit();
	host_dev_exit();
	tdx_mig_backend_unregister(&emu_backend);
	emu_servtd_uninit();
	emu_crypto_uninit();
	/* Reports every page the host never reclaimed. */
	emu_pamt_uninit();
}

module_init(tdx_emu_init);
module_exit(tdx_emu_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Emulated TDX Module and host platform for tdx_mig");
