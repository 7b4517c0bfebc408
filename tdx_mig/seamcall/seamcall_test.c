// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the SEAMCALL entry point, the status-to-errno map, and the
 * capabilities read through whichever backend is registered (the emulated
 * TDX Module in the test VM).
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/string.h>

#include "caps.h"
#include "seamcall.h"

static const struct {
	u64 status;
	int err;
} errno_cases[] = {
	{ TDX_STATUS_SUCCESS, 0 },
	{ TDX_STATUS_SUCCESS + 3, 0 },
	{ TDX_STATUS_OPERAND_BUSY | TDX_OPID_MIGSC, -EBUSY },
	{ TDX_STATUS_OPERAND_BUSY_HOST_PRIORITY, -EBUSY },
	{ TDX_STATUS_PREVIOUS_TLB_EPOCH_BUSY, -EBUSY },
	{ TDX_STATUS_RND_NO_ENTROPY, -EAGAIN },
	{ TDX_STATUS_INTERRUPTED_RESUMABLE, -EINTR },
	{ TDX_STATUS_OPERAND_INVALID | TDX_OPID_R10, -EINVAL },
	{ TDX_STATUS_METADATA_FIELD_ID_INCORRECT, -EINVAL },
	{ TDX_STATUS_SW_VMFAILINVALID, -ENODEV },
	{ TDX_STATUS_SW_FAULT, -EOPNOTSUPP },
	{ TDX_STATUS_OP_STATE_INCORRECT, -EIO },
	{ TDX_STATUS_INVALID_MBMD | TDX_STATUS_FATAL_BIT, -EIO },
};

static void status_to_errno_test(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(errno_cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, tdx_mig_status_to_errno(errno_cases[i].status),
				    errno_cases[i].err, "status %#llx", errno_cases[i].status);
}

static void require_emu(struct kunit *test)
{
	if (strcmp(tdx_mig_backend_name(), "emu"))
		kunit_skip(test, "backend is %s, not the emulated TDX Module",
			   tdx_mig_backend_name());
}

static void sys_rd_test(struct kunit *test)
{
	u64 value = 0;

	require_emu(test);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_sys_rd(TDX_MD_SYS_MAX_MIGS, &value), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, value, TDX_MAX_MIGS);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_sys_rd(TDX_MD_SYS_SERVTD_ATTR_FIXED0, &value),
			TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, value, TDX_SERVTD_ATTR_FIXED0);
	/* RDX walks every field once, ending at -1. */
	{
		struct tdx_mig_args a = { .rdx = TDX_MD_SYS_MINOR_VERSION };
		int n = 0;

		while (a.rdx != ~0ULL && n < 64) {
			KUNIT_ASSERT_EQ(test, tdx_mig_seamcall(SEAMCALL_TDH_SYS_RD, &a),
					TDX_STATUS_SUCCESS);
			n++;
		}
		KUNIT_EXPECT_EQ(test, n, 24);
	}
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_sys_rd(0x2000000100000042ULL, &value),
			TDX_STATUS_METADATA_FIELD_ID_INCORRECT | TDX_OPID_RDX);
	KUNIT_EXPECT_EQ(test, value, 0);
}

/* §1.1: version bits on a leaf without versions, reserved bits, unknown leaves. */
static void leaf_decode_test(struct kunit *test)
{
	u64 invalid_rax = TDX_STATUS_OPERAND_INVALID | TDX_OPID_RAX;
	struct tdx_mig_args args = { .rdx = TDX_MD_SYS_MAX_MIGS };

	require_emu(test);
	KUNIT_EXPECT_EQ(test, tdx_mig_seamcall(SEAMCALL_TDH_SYS_RD | (1ULL << 16), &args),
			invalid_rax);
	KUNIT_EXPECT_EQ(test, tdx_mig_seamcall(SEAMCALL_TDH_SYS_RD | BIT_ULL(24), &args),
			invalid_rax);
	KUNIT_EXPECT_EQ(test, tdx_mig_seamcall(0xffff, &args), invalid_rax);
	/* Version 1 of MNG.RD exists but is not modelled: refused, not misread. */
	KUNIT_EXPECT_EQ(test, tdx_mig_seamcall(SEAMCALL_TDH_MNG_RD | (1ULL << 16), &args),
			invalid_rax);
	KUNIT_EXPECT_EQ(test, tdx_mig_seamcall(SEAMCALL_TDH_SYS_RD, &args), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, args.r8, TDX_MAX_MIGS);
}

static void caps_test(struct kunit *test)
{
	struct tdx_mig_caps caps = {};

	require_emu(test);
	KUNIT_ASSERT_EQ(test, tdx_mig_caps_read(&caps), 0);
	KUNIT_EXPECT_EQ(test, caps.major_version, 1);
	KUNIT_EXPECT_EQ(test, caps.minor_version, 5);
	KUNIT_EXPECT_TRUE(test, caps.features0 & TDX_FEATURES0_TD_MIGRATION);
	KUNIT_EXPECT_EQ(test, caps.max_migs, TDX_MAX_MIGS);
	KUNIT_EXPECT_EQ(test, caps.num_immutable_state_pages, 3);
	KUNIT_EXPECT_EQ(test, caps.num_td_state_pages, 2);
	KUNIT_EXPECT_EQ(test, caps.num_vp_state_pages, 5);
	KUNIT_EXPECT_EQ(test, caps.max_servtds, 1);
	KUNIT_EXPECT_EQ(test, caps.max_export_version, 0);
}

static struct kunit_case seamcall_cases[] = {
	KUNIT_CASE(status_to_errno_test),
	KUNIT_CASE(sys_rd_test),
	KUNIT_CASE(leaf_decode_test),
	KUNIT_CASE(caps_test),
	{}
};

static struct kunit_suite seamcall_suite = {
	.name = "tdx_mig_seamcall",
	.test_cases = seamcall_cases,
};

kunit_test_suite(seamcall_suite);
