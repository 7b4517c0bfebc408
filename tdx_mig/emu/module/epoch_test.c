// SPDX-License-Identifier: GPL-2.0
/* KUnit: epoch rules and stream numbering (§1.2, §3.2, §3.4). */
#include <kunit/test.h>

#include "epoch.h"
#include "migsc.h"

static void epoch_phase_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, tdx_epoch_is_out_of_order(0xffffffff));
	KUNIT_EXPECT_FALSE(test, tdx_epoch_is_out_of_order(0xfffffffe));
	KUNIT_EXPECT_TRUE(test, tdx_epoch_can_advance(0));
	KUNIT_EXPECT_TRUE(test, tdx_epoch_can_advance(0xfffffffd));
	KUNIT_EXPECT_FALSE(test, tdx_epoch_can_advance(0xfffffffe));
}

static void epoch_tlb_tracked_test(struct kunit *test)
{
	/* Blocked in epoch 5: tracked from epoch 7 on, or at 6 once drained. */
	KUNIT_EXPECT_FALSE(test, tdx_epoch_tlb_tracked(5, 5, 0));
	KUNIT_EXPECT_FALSE(test, tdx_epoch_tlb_tracked(6, 5, 1));
	KUNIT_EXPECT_TRUE(test, tdx_epoch_tlb_tracked(6, 5, 0));
	KUNIT_EXPECT_TRUE(test, tdx_epoch_tlb_tracked(7, 5, 3));
}

static void migsc_index_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, tdx_migsc_link_of_forward(0), 1);
	KUNIT_EXPECT_EQ(test, tdx_migsc_link_of_forward(TDX_MAX_F_MIGS - 1), TDX_MAX_MIGS - 1);
	/* Two streams (backward + one forward): only forward index 0 exists. */
	KUNIT_EXPECT_TRUE(test, tdx_migsc_forward_index_valid(0, 2));
	KUNIT_EXPECT_FALSE(test, tdx_migsc_forward_index_valid(1, 2));
	KUNIT_EXPECT_FALSE(test, tdx_migsc_forward_index_valid(0, 1));
	KUNIT_EXPECT_TRUE(test, tdx_migsc_forward_index_valid(510, 512));
	KUNIT_EXPECT_FALSE(test, tdx_migsc_forward_index_valid(511, 512));
}

static struct kunit_case epoch_cases[] = {
	KUNIT_CASE(epoch_phase_test),
	KUNIT_CASE(epoch_tlb_tracked_test),
	KUNIT_CASE(migsc_index_test),
	{}
};

static struct kunit_suite epoch_suite = {
	.name = "tdx_mig_epoch",
	.test_cases = epoch_cases,
};

kunit_test_suite(epoch_suite);
