// SPDX-License-Identifier: GPL-2.0
/*
 * Kicks: a vCPU thread spins in the TD (no exit of its own).
 * - TLB tracking: after TDH.EXPORT.BLOCKW and TDH.MEM.TRACK a page can be
 *   exported only once every vCPU that was in the TD has left it.
 *   EXPORT_MEM fails the entry with TLB_TRACKING_NOT_DONE when the
 *   platform skips the kick (a TEST-ONLY parameter); the kick makes it go.
 * - EXPORT_PAUSE takes the TDR exclusively: the vCPU is kicked out (the
 *   spin says an interrupt ended it), kept out, and the pause goes through.
 */
#define _GNU_SOURCE
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

	return tb_vcpu_state(vm, &st) == -EBUSY;
}

/* The spin ended by an interrupt (RCX 1), not by its time running out. */
static bool spin_ended_by_kick(int vm)
{
	struct tdx_mig_emu_vcpu_state st = { .vcpu = 0 };

	return !tb_vcpu_state(vm, &st) && st.gpr[1] == 1;
}

#define SPIN_WAIT_MS	30000

/*
 * Start the spinner on CPU 1, this thread staying on CPU 0 (a vCPU in the
 * TD keeps its CPU to itself), and wait (bounded, asserted by the caller)
 * until it is in the TD.
 */
static int spin_in_td(struct spinner *sp, pthread_t *thread)
{
	cpu_set_t cpus;
	pthread_attr_t attr;
	int tries, ret;
	double end;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		return -1;
	CPU_ZERO(&cpus);
	CPU_SET(1, &cpus);
	ret = pthread_attr_init(&attr) ?:
	      pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus) ?:
	      pthread_create(thread, &attr, spin_fn, sp);
	pthread_attr_destroy(&attr);
	if (ret)
		return -1;
	/* Bounded by time, not by a count: a loaded host may take a while. */
	end = mig_now_ms() + SPIN_WAIT_MS;
	for (tries = 0; !vcpu_in_td(sp->vm) && mig_now_ms() < end; tries++)
		sched_yield();
	return vcpu_in_td(sp->vm) ? tries : -1;
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

/* Two CPUs, kicks on at the start and the end whatever happened between. */
FIXTURE(kick) {
	int unused;
};

FIXTURE_SETUP(kick)
{
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs 2 CPUs: one for the vCPU in the TD");
	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	ASSERT_LE(0, tb_skip_kicks(0));
}

FIXTURE_TEARDOWN(kick)
{
	tb_skip_kicks(0);
}

TEST_F_TIMEOUT(kick, tlb_tracking_needs_kick, 120)
{
	int src, dst, old, status = 0;
	struct spinner sp;
	uint64_t entry, gfn;
	pthread_t thread;
	struct mig m;

	ASSERT_EQ(0, tb_create_pair(BYTES, 1, &src, &dst));
	ASSERT_EQ(0, tb_mig_open(&m, src, dst, NPAGES, 1, 1, 16));
	ASSERT_EQ(0, mig_start(&m));

	old = tb_skip_kicks(1);
	ASSERT_LE(0, old);
	sp.vm = src;
	ASSERT_LE(0, spin_in_td(&sp, &thread));
	/*
	 * The vCPU entered before the TRACK, unless it was between taking its
	 * TDVPR and counting itself in the epoch: a few pages, one is enough.
	 */
	for (gfn = 5; gfn < 8 && status != TLB_TRACKING_NOT_DONE; gfn++) {
		ASSERT_EQ(0, block_and_export(&m, gfn, &entry));
		status = (entry >> STATUS_SHIFT) & STATUS_MASK;
	}
	EXPECT_EQ(TLB_TRACKING_NOT_DONE, status);

	/* With the kick the vCPU leaves the TD, and the export goes through. */
	ASSERT_EQ(1, tb_skip_kicks(old));
	ASSERT_EQ(0, block_and_export(&m, 9, &entry));
	EXPECT_EQ(0, (entry >> STATUS_SHIFT) & STATUS_MASK);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(0, sp.ret);
	EXPECT_TRUE(spin_ended_by_kick(src));

	mig_close(&m);
	close(src);
	close(dst);
}

TEST_F_TIMEOUT(kick, pause_kicks_vcpus_out, 120)
{
	struct spinner sp = {};
	pthread_t thread;
	int src, dst;
	struct mig m;

	ASSERT_EQ(0, tb_create_pair(BYTES, 1, &src, &dst));
	ASSERT_EQ(0, tb_mig_open(&m, src, dst, NPAGES, 1, 1, 16));
	ASSERT_EQ(0, mig_start(&m));
	sp.vm = src;
	ASSERT_LE(0, spin_in_td(&sp, &thread));
	EXPECT_EQ(0, mig_cmd(&m.src[0], KVM_TDX_MIG_EXPORT_PAUSE, NULL, NULL));
	/* Kicked out (not by the spin's own end), and not let in again while paused. */
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(-EPERM, sp.ret);
	EXPECT_TRUE(spin_ended_by_kick(src));
	EXPECT_EQ(0, mig_cmd(&m.src[0], KVM_TDX_MIG_EXPORT_ABORT, NULL, NULL));

	mig_close(&m);
	close(src);
	close(dst);
}

TEST_HARNESS_MAIN
