// SPDX-License-Identifier: GPL-2.0
/*
 * The tdx-mig uAPI keeps Intel's Gen A numbers and layouts (binary
 * compatibility with its QEMU) and its own structs are 64-bit clean. Also
 * compiled as C++ and against upstream's newer <linux/kvm.h> by
 * scripts/uapi-check.sh.
 */
#include <stddef.h>
#include <linux/tdx_mig.h>
#include <linux/tdx_mig_emu.h>

#include "kselftest_harness.h"

TEST(numbers_match_intel)
{
	EXPECT_EQ(12, KVM_DEV_TYPE_TDX_MIG_STREAM);
	EXPECT_EQ(1, KVM_DEV_TDX_MIG_ATTR);
	EXPECT_EQ(512, TDX_MIG_BUF_LIST_PAGES_MAX);
	EXPECT_EQ(0, TDX_MIG_STREAM_MBMD_MAP_OFFSET);
	EXPECT_EQ(1, TDX_MIG_STREAM_GPA_LIST_MAP_OFFSET);
	EXPECT_EQ(2, TDX_MIG_STREAM_MAC_LIST_MAP_OFFSET);
	EXPECT_EQ(4, TDX_MIG_STREAM_BUF_LIST_MAP_OFFSET);
	EXPECT_EQ(5, KVM_TDX_SERVTD_PREBIND);
	EXPECT_EQ(6, KVM_TDX_SERVTD_BIND);
	EXPECT_EQ(7, KVM_TDX_SET_MIGRATION_INFO);
	EXPECT_EQ(8, KVM_TDX_GET_MIGRATION_INFO);
	EXPECT_EQ(9, KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE);
	EXPECT_EQ(10, KVM_TDX_MIG_IMPORT_STATE_IMMUTABLE);
	EXPECT_EQ(11, KVM_TDX_MIG_EXPORT_MEM);
	EXPECT_EQ(12, KVM_TDX_MIG_IMPORT_MEM);
	EXPECT_EQ(13, KVM_TDX_MIG_EXPORT_TRACK);
	EXPECT_EQ(14, KVM_TDX_MIG_IMPORT_TRACK);
	EXPECT_EQ(15, KVM_TDX_MIG_EXPORT_PAUSE);
	EXPECT_EQ(16, KVM_TDX_MIG_EXPORT_STATE_TD);
	EXPECT_EQ(17, KVM_TDX_MIG_IMPORT_STATE_TD);
	EXPECT_EQ(18, KVM_TDX_MIG_EXPORT_STATE_VP);
	EXPECT_EQ(19, KVM_TDX_MIG_IMPORT_STATE_VP);
	EXPECT_EQ(20, KVM_TDX_MIG_EXPORT_ABORT);
	EXPECT_EQ(21, KVM_TDX_MIG_IMPORT_END);
	EXPECT_EQ(1ULL << 63, TDX_MIG_EXPORT_TRACK_F_IN_ORDER_DONE);
	/* Ours collide with nothing Intel numbered (0..22). */
	EXPECT_GT(KVM_TDX_MIG_IMPORT_ABORT, 22);
	EXPECT_GT(KVM_TDX_MIG_GET_STATS, 22);
	EXPECT_NE(KVM_TDX_MIG_IMPORT_ABORT, KVM_TDX_MIG_GET_STATS);
}

TEST(layouts_match_intel)
{
	EXPECT_EQ(12, sizeof(struct kvm_dev_tdx_mig_attr));
	EXPECT_EQ(4, offsetof(struct kvm_dev_tdx_mig_attr, buf_list_pages));
	EXPECT_EQ(8, offsetof(struct kvm_dev_tdx_mig_attr, max_migs));
	EXPECT_EQ(24, sizeof(struct kvm_tdx_cmd));
	EXPECT_EQ(8, offsetof(struct kvm_tdx_cmd, data));
	EXPECT_EQ(64, sizeof(struct kvm_tdx_servtd));
	EXPECT_EQ(6, offsetof(struct kvm_tdx_servtd, type));
	EXPECT_EQ(8, offsetof(struct kvm_tdx_servtd, attr));
	EXPECT_EQ(16, offsetof(struct kvm_tdx_servtd, hash));
	EXPECT_EQ(16, offsetof(struct kvm_tdx_servtd, pid));
	EXPECT_EQ(8, sizeof(struct kvm_tdx_set_migration_info));
	EXPECT_EQ(4, offsetof(struct kvm_tdx_set_migration_info, vsock_port));
	EXPECT_EQ(8, sizeof(struct kvm_tdx_get_migration_info));
}

TEST(own_structs_are_64bit_clean)
{
	EXPECT_EQ(0, sizeof(struct kvm_dev_tdx_mig_caps) % 8);
	EXPECT_EQ(28, offsetof(struct kvm_dev_tdx_mig_caps, reserved1));
	EXPECT_EQ(32, offsetof(struct kvm_dev_tdx_mig_caps, tdx_features0));
	EXPECT_EQ(72, sizeof(struct kvm_dev_tdx_mig_caps));
	EXPECT_EQ(128, sizeof(struct kvm_tdx_mig_stats));
	EXPECT_EQ(48, offsetof(struct kvm_tdx_mig_stats, td_write_blocked));
	EXPECT_EQ(56, offsetof(struct kvm_tdx_mig_stats, td_write_faults));
	EXPECT_EQ(64, offsetof(struct kvm_tdx_mig_stats, stream_mem_bytes));
	EXPECT_EQ(72, offsetof(struct kvm_tdx_mig_stats, td_mem_bytes));
	/* Taken from the reserved fields: size and the fields before stay. */
	EXPECT_EQ(80, offsetof(struct kvm_tdx_mig_stats, bytes));
	EXPECT_EQ(88, offsetof(struct kvm_tdx_mig_stats, seamcall_ns));
	EXPECT_EQ(96, offsetof(struct kvm_tdx_mig_stats, td_rounds));
	EXPECT_EQ(104, offsetof(struct kvm_tdx_mig_stats, td_round_dirtied));
	EXPECT_EQ(112, offsetof(struct kvm_tdx_mig_stats, td_export_rate));
	EXPECT_EQ(120, offsetof(struct kvm_tdx_mig_stats, page_bytes_copied));
}

TEST(emulated_platform_structs_are_64bit_clean)
{
	EXPECT_EQ(56, sizeof(struct tdx_mig_emu_vm_config));
	EXPECT_EQ(20, offsetof(struct tdx_mig_emu_vm_config, shared_pages));
	EXPECT_EQ(16, sizeof(struct tdx_mig_emu_intr));
	EXPECT_EQ(24, sizeof(struct tdx_mig_emu_op));
	EXPECT_EQ(128, sizeof(struct tdx_mig_emu_run));
	EXPECT_EQ(32, offsetof(struct tdx_mig_emu_run, exit_reason));
	EXPECT_EQ(40, offsetof(struct tdx_mig_emu_run, vmcall));
	EXPECT_EQ(104, offsetof(struct tdx_mig_emu_run, memory_fault));
	EXPECT_EQ(64, sizeof(struct tdx_mig_emu_vmcall));
	EXPECT_EQ(24, sizeof(struct tdx_mig_emu_memory_fault));
	EXPECT_EQ(24, sizeof(struct tdx_mig_emu_mem));
	EXPECT_EQ(152, sizeof(struct tdx_mig_emu_vcpu_state));
}

TEST_HARNESS_MAIN
