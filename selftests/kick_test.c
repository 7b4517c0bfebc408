// SPDX-License-Identifier: GPL-2.0
/*
 * TLB tracking needs kicks: after TDH.EXPORT.BLOCKW and TDH.MEM.TRACK a
 * page can be exported only once every vCPU that was in the TD has left
 * it. A vCPU thread spinning in the TD (no exit of its own) makes
 * EXPORT_MEM fail the entry with TLB_TRACKING_NOT_DONE when the platform
 * skips the kick (a TEST-ONLY parameter), and the kick makes it succeed.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/tdx_mig_emu.h>

#include "kselftest_harness.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define BYTES		(2UL << 20)
#define NPAGES		(BYTES / MIG_PAGE_SIZE)
#define STATUS_SHIFT	56
#define STATUS_MASK	0x1fULL
#define TLB_TRACKING_NOT_DONE	5

struct spinner {
	int vm;
	int ret;
};

/* vCPU 0 spins in the TD until a kick, or 10 s (a host timer tick). */
static void *spin_fn(void *arg)
{
	struct spinner *sp = arg;
	struct tdx_mig_emu_op op = { .type = TDX_MIG_EMU_OP_SPIN,
				     .value = TDX_MIG_EMU_MAX_SPIN_MS };
	struct tdx_mig_emu_run r = { .nr_ops = 1, .ops = (uintptr_t)&op };

	sp->ret = tb_vcpu_run(sp->vm, &r);
	return NULL;
}

/* In the TD: its TDVPR is locked by TDH.VP.ENTER, so the host cannot read it. */
static bool vcpu_in_td(int vm)
{
	struct tdx_mig_emu_vcpu_state st = { .vcpu = 0 };

	return ioctl(vm, TDX_MIG_EMU_GET_VCPU, &st) && errno == EBUSY;
}

/* Write-block page @gfn (BLOCKW, then TDH.MEM.TRACK and the kicks) and export it. */
static int block_and_export(struct mig *m, uint64_t gfn, uint64_t *entry)
{
	unsigned long bitmap[NPAGES / (8 * sizeof(long))] = {};
	struct kvm_clear_dirty_log c = { .num_pages = NPAGES, .dirty_bitmap = bitmap };
	uint64_t n = 1;
	int ret;

	bitmap[gfn / (8 * sizeof(long))] = 1UL << (gfn % (8 * sizeof(long)));
	if (ioctl(m->src_vm, KVM_CLEAR_DIRTY_LOG, &c))
		return -errno;
	m->src[0].gpa_list[0] = (gfn * MIG_PAGE_SIZE) | (1ULL << 52);	/* MIGRATE */
	ret = mig_cmd_retry(&m->src[0], KVM_TDX_MIG_EXPORT_MEM, &n, NULL);
	*entry = m->src[0].gpa_list[0];
	return ret;
}

TEST(tlb_tracking_needs_kick)
{
	int src, dst, old, tries, status = 0;
	struct spinner sp;
	uint64_t entry, gfn;
	pthread_t thread;
	struct mig m;

	if (tb_open())
		SKIP(return, "no test backend (tdx_mig_emu not loaded)");
	ASSERT_EQ(0, tb_create_pair(BYTES, 1, &src, &dst));
	ASSERT_EQ(0, mig_open(&m, src, dst, NPAGES, 1, 1, 16));
	ASSERT_EQ(0, mig_start(&m));

	old = tb_skip_kicks(1);
	ASSERT_LE(0, old);
	sp.vm = src;
	ASSERT_EQ(0, pthread_create(&thread, NULL, spin_fn, &sp));
	for (tries = 0; tries < 1000000 && !vcpu_in_td(src); tries++)
		sched_yield();
	ASSERT_TRUE(vcpu_in_td(src));
	TH_LOG("vCPU in the TD after %d polls", tries);
	/*
	 * The vCPU entered before the TRACK, unless it was between taking its
	 * TDVPR and counting itself in the epoch: a few pages, one is enough.
	 */
	for (gfn = 5; gfn < 8 && status != TLB_TRACKING_NOT_DONE; gfn++) {
		ASSERT_EQ(0, block_and_export(&m, gfn, &entry));
		status = (entry >> STATUS_SHIFT) & STATUS_MASK;
	}
	EXPECT_EQ(TLB_TRACKING_NOT_DONE, status);
	TH_LOG("without kicks: status %d at GFN %llu", status, (unsigned long long)gfn - 1);

	/* With the kick the vCPU leaves the TD, and the export goes through. */
	ASSERT_EQ(1, tb_skip_kicks(old));
	ASSERT_EQ(0, block_and_export(&m, 9, &entry));
	EXPECT_EQ(0, (entry >> STATUS_SHIFT) & STATUS_MASK);
	TH_LOG("with kicks: entry %#llx", (unsigned long long)entry);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(0, sp.ret);

	mig_close(&m);
	close(src);
	close(dst);
}

TEST_HARNESS_MAIN
