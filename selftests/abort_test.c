// SPDX-License-Identifier: GPL-2.0
/*
 * Aborting an export: in LIVE_EXPORT, in PAUSED_EXPORT, and after the
 * start token with the destination's abort token. Each time the source is
 * RUNNABLE again with exactly the memory and vCPU state it had, and a
 * second migration to a new destination then succeeds.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest_writer.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define BYTES		(4UL << 20)
#define NPAGES		(BYTES / MIG_PAGE_SIZE)
#define NR_VCPUS	2

FIXTURE(abort) {
	int src, dst;
	uint64_t mem_hash, vcpu_hash[NR_VCPUS];
	struct mig m;
};

/* A source the guest has written to, its hashes, a destination, streams. */
FIXTURE_SETUP(abort)
{
	uint64_t gfns[8] = { 0, 7, 8, 15, 100, 511, 512, NPAGES - 1 };
	unsigned int v;

	self->src = self->dst = -1;
	if (tb_open())
		SKIP(return, "no test backend (tdx_mig_emu not loaded)");
	self->src = tb_create_td(BYTES, NR_VCPUS, false, 8);
	self->dst = tb_create_td(BYTES, NR_VCPUS, true, 0);
	ASSERT_LE(0, self->src);
	ASSERT_LE(0, self->dst);
	for (v = 0; v < NR_VCPUS; v++)
		ASSERT_EQ(0, tb_guest_write(self->src, v, gfns, 8, 0x1000 * (v + 1), NULL));
	ASSERT_EQ(0, tb_mem_hash(self->src, BYTES, &self->mem_hash));
	for (v = 0; v < NR_VCPUS; v++)
		ASSERT_EQ(0, tb_vcpu_hash(self->src, v, &self->vcpu_hash[v]));
	ASSERT_EQ(0, tb_exchange_keys(self->src, self->dst));
	ASSERT_EQ(0, mig_open(&self->m, self->src, self->dst, NPAGES, NR_VCPUS, 1, 64));
}

FIXTURE_TEARDOWN(abort)
{
	mig_close(&self->m);
	if (self->src >= 0)
		close(self->src);
	if (self->dst >= 0)
		close(self->dst);
}

static int src_cmd(FIXTURE_DATA(abort) *self, uint32_t id)
{
	return mig_cmd_retry(&self->m.src[0], id, NULL, NULL);
}

/*
 * After an abort: the source's memory and vCPUs are as before, it runs, and
 * it migrates again to a new destination.
 */
static void check_restored_and_remigrate(struct __test_metadata *_metadata,
					 FIXTURE_DATA(abort) *self)
{
	uint64_t h, gfns[2] = { 1, 2 };
	struct mig again;
	unsigned int v;
	int dst2;

	ASSERT_EQ(0, tb_mem_hash(self->src, BYTES, &h));
	EXPECT_EQ(self->mem_hash, h);
	for (v = 0; v < NR_VCPUS; v++) {
		ASSERT_EQ(0, tb_vcpu_hash(self->src, v, &h));
		EXPECT_EQ(self->vcpu_hash[v], h);
	}
	ASSERT_EQ(0, tb_guest_write(self->src, 0, gfns, 2, 0xabcd, NULL));

	/* The MIGSCs are kept: new stream fds reuse them. */
	mig_close(&self->m);
	dst2 = tb_create_td(BYTES, NR_VCPUS, true, 0);
	ASSERT_LE(0, dst2);
	ASSERT_EQ(0, tb_exchange_keys(self->src, dst2));
	ASSERT_EQ(0, mig_open(&again, self->src, dst2, NPAGES, NR_VCPUS, 1, 64));
	again.min_rounds = 1;
	EXPECT_EQ(0, mig_precopy(&again));
	EXPECT_EQ(0, td_compare(self->src, dst2, BYTES, NR_VCPUS, NULL));
	mig_close(&again);
	close(dst2);
}

TEST_F_TIMEOUT(abort, live_export, 120)
{
	ASSERT_EQ(0, mig_start(&self->m));
	ASSERT_EQ(0, mig_send_dirty(&self->m, true, NULL));
	ASSERT_EQ(0, src_cmd(self, KVM_TDX_MIG_EXPORT_ABORT));
	/* Nothing is left to abort. */
	EXPECT_EQ(-EPERM, src_cmd(self, KVM_TDX_MIG_EXPORT_ABORT));
	check_restored_and_remigrate(_metadata, self);
}

TEST_F_TIMEOUT(abort, paused_export, 120)
{
	uint64_t gfns[1] = { 3 };

	ASSERT_EQ(0, mig_start(&self->m));
	ASSERT_EQ(0, mig_send_dirty(&self->m, true, NULL));
	ASSERT_EQ(0, src_cmd(self, KVM_TDX_MIG_EXPORT_PAUSE));
	EXPECT_EQ(-EPERM, tb_guest_write(self->src, 0, gfns, 1, 1, NULL));
	ASSERT_EQ(0, mig_move_token(&self->m, false));
	ASSERT_EQ(0, mig_send_dirty(&self->m, false, NULL));
	ASSERT_EQ(0, src_cmd(self, KVM_TDX_MIG_EXPORT_ABORT));
	check_restored_and_remigrate(_metadata, self);
}

/* The start token went out but never arrived: the destination proves it aborted. */
TEST_F_TIMEOUT(abort, after_start_token, 120)
{
	uint64_t start = TDX_MIG_EXPORT_TRACK_F_IN_ORDER_DONE, status = 0;
	unsigned int v;

	ASSERT_EQ(0, mig_start(&self->m));
	ASSERT_EQ(0, mig_send_dirty(&self->m, true, NULL));
	ASSERT_EQ(0, src_cmd(self, KVM_TDX_MIG_EXPORT_PAUSE));
	ASSERT_EQ(0, mig_move_token(&self->m, false));
	ASSERT_EQ(0, mig_send_dirty(&self->m, false, NULL));
	ASSERT_EQ(0, mig_move_state(&self->m, &self->m.src[0], &self->m.dst[0],
				    KVM_TDX_MIG_EXPORT_STATE_TD, KVM_TDX_MIG_IMPORT_STATE_TD));
	for (v = 0; v < NR_VCPUS; v++)
		ASSERT_EQ(0, mig_move_state(&self->m, &self->m.src[0], &self->m.dst[0],
					    KVM_TDX_MIG_EXPORT_STATE_VP,
					    KVM_TDX_MIG_IMPORT_STATE_VP));
	ASSERT_EQ(0, mig_cmd(&self->m.src[0], KVM_TDX_MIG_EXPORT_TRACK, &start, NULL));

	/* Without the destination's abort token the source cannot abort now. */
	memset(self->m.src[0].mbmd, 0, MIG_PAGE_SIZE);
	EXPECT_NE(0, mig_cmd(&self->m.src[0], KVM_TDX_MIG_EXPORT_ABORT, NULL, &status));
	EXPECT_NE(0, status);

	ASSERT_EQ(0, mig_cmd(&self->m.dst[0], KVM_TDX_MIG_IMPORT_ABORT, NULL, &status))
		TH_LOG("TDX status %#llx", (unsigned long long)status);
	memcpy(self->m.src[0].mbmd, self->m.dst[0].mbmd, MIG_PAGE_SIZE);
	ASSERT_EQ(0, src_cmd(self, KVM_TDX_MIG_EXPORT_ABORT));
	/* The destination never runs. */
	start = 0;
	EXPECT_EQ(-EPERM, tb_guest_write(self->dst, 0, &start, 1, 0, NULL));
	check_restored_and_remigrate(_metadata, self);
}

TEST_HARNESS_MAIN
