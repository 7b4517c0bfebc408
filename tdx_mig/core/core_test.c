// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the migration core's session pieces against TDs of the emulated
 * TDX Module: stream indexes and MigSCs, the vCPU run gate, write-blocking
 * in 512-entry chunks, the write fault, and the abort's restore.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>

#include "migsc/migsc.h"
#include "emu/module/test_td.h"

/*
 * The hypervisor's Secure-EPT lock and TLB tracking, as KVM has them (an
 * rwlock: nothing under it may sleep); no vCPU runs here to be kicked.
 */
static DEFINE_RWLOCK(fake_mmu_lock);

static void fake_sept_lock(void *vm)
	__acquires(vm)
{
	read_lock(&fake_mmu_lock);
}

static void fake_sept_unlock(void *vm)
	__releases(vm)
{
	read_unlock(&fake_mmu_lock);
}

static u64 fake_track(void *vm)
{
	struct tdx_mig_td *td = vm;
	u64 ret;

	write_lock(&fake_mmu_lock);
	ret = tdx_mig_tdh_mem_track(tdx_mig_tdr(td->info.tdr_pa));
	write_unlock(&fake_mmu_lock);
	return ret;
}

static const struct tdx_mig_host_ops fake_ops = {
	.sept_lock = fake_sept_lock,
	.sept_unlock = fake_sept_unlock,
	.track = fake_track,
};

struct core_ctx {
	struct test_td *td;
	struct tdx_mig_td *mig;
};

static void core_setup(struct kunit *test, struct core_ctx *c, unsigned int npages)
{
	struct tdx_mig_td_info info = { .source = true, .nr_gfns = npages, .max_vcpus = 1 };

	ktd_require_emu(test);
	c->td = ktd_td_new(test, npages, 1, 8, true);
	info.tdr_pa = c->td->tdr_pa;
	c->mig = tdx_mig_td_create(&fake_ops, NULL, &info);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c->mig));
	c->mig->vm = c->mig;	/* what fake_track() needs */
}

/* The TDX teardown order: key released, then the core's MigSCs, then the rest. */
static void core_teardown(struct kunit *test, struct core_ctx *c)
{
	ktd_td_release_key(test, c->td);
	tdx_mig_td_destroy(c->mig);
	ktd_td_reclaim_all(test, c->td, true);
	KUNIT_EXPECT_EQ(test, tdx_emu_leaked_pages(), 0UL);
}

/* MAX_MIGS - 1 forward streams, the lowest free index first, one more refused. */
static void stream_index_test(struct kunit *test)
{
	struct core_ctx c;
	unsigned int i;
	u16 index;

	core_setup(test, &c, 1);
	for (i = 0; i < c.mig->max_migs - 1; i++) {
		KUNIT_ASSERT_EQ(test, tdx_mig_migsc_get(c.mig, &index), 0);
		KUNIT_EXPECT_EQ(test, index, i);
	}
	KUNIT_EXPECT_EQ(test, tdx_mig_migsc_get(c.mig, &index), -ENOSPC);
	/* Every link has its MigSC, the backward one included. */
	for (i = 0; i < c.mig->max_migs; i++)
		KUNIT_EXPECT_NOT_NULL(test, c.mig->migsc[i]);
	tdx_mig_migsc_put(c.mig, 7);
	KUNIT_ASSERT_EQ(test, tdx_mig_migsc_get(c.mig, &index), 0);
	KUNIT_EXPECT_EQ(test, index, 7);
	/* A migrating TD gets no new MigSC, but reuses the ones it has. */
	for (i = 0; i < c.mig->max_migs - 1; i++)
		tdx_mig_migsc_put(c.mig, i);
	c.mig->state = TDX_OP_STATE_LIVE_EXPORT;
	KUNIT_EXPECT_EQ(test, tdx_mig_migsc_get(c.mig, &index), 0);
	c.mig->state = TDX_OP_STATE_RUNNABLE;
	core_teardown(test, &c);
}

static void vcpu_gate_test(struct kunit *test)
{
	struct core_ctx c;
	int s;

	core_setup(test, &c, 1);
	for (s = 0; s < TDX_NUM_OP_STATES; s++) {
		bool runs = s == TDX_OP_STATE_RUNNABLE || s == TDX_OP_STATE_LIVE_EXPORT ||
			    s == TDX_OP_STATE_LIVE_IMPORT;

		c.mig->state = s;
		KUNIT_EXPECT_EQ_MSG(test, tdx_mig_td_vcpu_may_run(c.mig), runs ? 0 : -EPERM,
				    "state %s", tdx_op_state_name(s));
	}
	c.mig->state = TDX_OP_STATE_RUNNABLE;
	core_teardown(test, &c);
}

static int leaf_state(struct core_ctx *c, u64 gfn)
{
	return tdx_emu_sept_state(c->td->tdr_pa, gfn << PAGE_SHIFT, 0);
}

/* Pages write-blocked in one call: at, around and well past a 512-entry chunk. */
static const unsigned int block_sizes[] = { 512, 513, 1024, 1100 };

static void block_size_desc(const unsigned int *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u pages", *n);
}

KUNIT_ARRAY_PARAM(block_size, block_sizes, block_size_desc);

/*
 * intel-kvm-qemu.md §5 item 1: Intel's tdx_write_block_private_pages()
 * took each chunk of min(num, 512) entries from the start of gfns[], so
 * past 512 pages it re-blocked the first range and read past the array.
 * Here n pages are write-blocked in one call, in chunks of at most 512
 * (1100 is 512, 512 and 76), every page blocked exactly once and counted
 * once; a write fault unblocks and logs one page; the abort's restore
 * unblocks the rest.
 */
static void block_fault_restore_test(struct kunit *test)
{
	const unsigned int n = *(const unsigned int *)test->param_value;
	unsigned long *mask;
	/* The page the guest writes: near the end, not a PENDING one. */
	const u64 w = n - 3;
	struct core_ctx c;
	u64 gfn, qual, gpa;
	struct tdx_emu_guest_op ops[] = {
		{ TDX_EMU_GUEST_WRITE, w << PAGE_SHIFT, 0x77 },
		{ TDX_EMU_GUEST_HLT },
	};

	core_setup(test, &c, n);
	mask = kunit_kcalloc(test, BITS_TO_LONGS(n), sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mask);
	bitmap_fill(mask, n);

	/* Outside an export nothing can be blocked. */
	KUNIT_EXPECT_EQ(test, tdx_mig_dirty_block(c.mig, 0, n, mask), -EPERM);
	/* Bad ranges, as KVM's rules. */
	KUNIT_EXPECT_EQ(test, tdx_mig_dirty_block(c.mig, 1, 64, mask), -EINVAL);
	KUNIT_EXPECT_EQ(test, tdx_mig_dirty_block(c.mig, 0, n + 1, mask), -EINVAL);
	KUNIT_EXPECT_EQ(test, tdx_mig_dirty_block(c.mig, 0, 100, mask), -EINVAL);

	KUNIT_ASSERT_EQ(test, tdx_emu_force_op_state(c.td->tdr_pa, TDX_OP_STATE_LIVE_EXPORT), 0);
	c.mig->state = TDX_OP_STATE_LIVE_EXPORT;
	tdx_mig_dirty_start(c.mig);
	KUNIT_ASSERT_EQ(test, tdx_mig_dirty_block(c.mig, 0, n, mask), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&c.mig->write_blocked), (s64)n);
	KUNIT_EXPECT_EQ(test, bitmap_weight(c.mig->blocked, n), n);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(c.mig->dirty, n));
	for (gfn = 0; gfn < n; gfn++) {
		int want = gfn % 8 == 7 ? TDX_SEPT_PENDING_BLOCKEDW : TDX_SEPT_BLOCKEDW;

		if (leaf_state(&c, gfn) != want) {
			KUNIT_FAIL(test, "GFN %llu in SEPT state %d", gfn, leaf_state(&c, gfn));
			break;
		}
	}
	/* Clearing again blocks nothing more. */
	KUNIT_EXPECT_EQ(test, tdx_mig_dirty_block(c.mig, 0, n, mask), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&c.mig->write_blocked), (s64)n);

	/* The guest writes GFN w: the fault unblocks it and logs it dirty. */
	KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(ktd_pa(c.td->vcpu[0].tdvpr), ops, 2), 0);
	KUNIT_ASSERT_EQ(test, ktd_vp_enter(ktd_pa(c.td->vcpu[0].tdvpr), &qual, &gpa),
			TDX_STATUS_SUCCESS | TDX_EXIT_REASON_EPT_VIOLATION);
	KUNIT_EXPECT_EQ(test, tdx_mig_dirty_write_fault(c.mig, gpa), 0);
	KUNIT_EXPECT_TRUE(test, test_bit(w, c.mig->dirty));
	KUNIT_EXPECT_FALSE(test, test_bit(w, c.mig->blocked));
	KUNIT_EXPECT_EQ(test, leaf_state(&c, w), TDX_SEPT_MAPPED);
	ktd_run_to_halt(test, ktd_pa(c.td->vcpu[0].tdvpr));
	KUNIT_EXPECT_EQ(test, ktd_read_private_u64(test, c.td, w << PAGE_SHIFT), 0x77ULL);
	/*
	 * A second fault on it (another vCPU's) is not the core's: it changes
	 * nothing, the hypervisor re-enters; beyond memory neither.
	 */
	KUNIT_EXPECT_EQ(test, tdx_mig_dirty_write_fault(c.mig, gpa), -ENOENT);
	KUNIT_EXPECT_EQ(test, atomic64_read(&c.mig->write_faults), 1LL);
	KUNIT_EXPECT_EQ(test, tdx_mig_dirty_write_fault(c.mig, (u64)n << PAGE_SHIFT), -ENOENT);

	/* After an abort (RUNNABLE again) every blocked page is unblocked. */
	KUNIT_ASSERT_EQ(test, tdx_emu_force_op_state(c.td->tdr_pa, TDX_OP_STATE_RUNNABLE), 0);
	c.mig->state = TDX_OP_STATE_RUNNABLE;
	down_write(&c.mig->lock);
	KUNIT_EXPECT_EQ(test, tdx_mig_abort_restore_all(c.mig), 0);
	up_write(&c.mig->lock);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(c.mig->blocked, n));
	for (gfn = 0; gfn < n; gfn++) {
		int want = gfn % 8 == 7 ? TDX_SEPT_PENDING : TDX_SEPT_MAPPED;

		if (leaf_state(&c, gfn) != want) {
			KUNIT_FAIL(test, "GFN %llu in SEPT state %d", gfn, leaf_state(&c, gfn));
			break;
		}
	}
	core_teardown(test, &c);
}

static struct kunit_case core_cases[] = {
	KUNIT_CASE(stream_index_test),
	KUNIT_CASE(vcpu_gate_test),
	KUNIT_CASE_PARAM(block_fault_restore_test, block_size_gen_params),
	{}
};

static struct kunit_suite core_suite = {
	.name = "tdx_mig_core",
	.test_cases = core_cases,
};

kunit_test_suite(core_suite);
