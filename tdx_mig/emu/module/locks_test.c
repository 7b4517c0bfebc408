// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: every leaf takes the TDR and OP_STATE locks in the modes of the
 * TDX Module's handler (emu_leaf_locks(), Documentation/emulator.rst). The
 * test holds those locks itself, as a concurrent leaf would, calls each
 * leaf on a RUNNABLE TD and reads the answer: TDX_OPERAND_BUSY naming the
 * TDR or OP_STATE, or anything else once the leaf got past its locks (its
 * operands are chosen to fail there, so nothing changes).
 */
#include <kunit/test.h>
#include <linux/sizes.h>
#include <linux/workqueue.h>

#include "test_td.h"

/* Which register names the leaf's TD, and how. */
enum walk_obj {
	WALK_TDR_RCX,
	WALK_TDR_RDX,
	WALK_TDVPR_RCX,
	WALK_TDVPR_RDX,
	WALK_TDCX_RCX,		/* a TDCS page: PHYMEM.PAGE.RECLAIM finds its TD */
};

/* R8 of PREBIND: no such binding slot. */
#define WALK_BAD_SLOT	0xffff

static const struct {
	u16 leaf;
	enum walk_obj obj;
	bool gpa_in_rcx;	/* RCX is a GPA (and level): one the SEPT cannot reach */
} walk[] = {
	{ SEAMCALL_TDH_VP_ENTER, WALK_TDVPR_RCX },
	{ SEAMCALL_TDH_MNG_ADDCX, WALK_TDR_RDX },
	{ SEAMCALL_TDH_MEM_PAGE_ADD, WALK_TDR_RDX, true },
	{ SEAMCALL_TDH_MEM_SEPT_ADD, WALK_TDR_RDX, true },
	{ SEAMCALL_TDH_VP_ADDCX, WALK_TDVPR_RDX },
	{ SEAMCALL_TDH_MEM_PAGE_AUG, WALK_TDR_RDX, true },
	{ SEAMCALL_TDH_MEM_RANGE_BLOCK, WALK_TDR_RDX, true },
	{ SEAMCALL_TDH_MNG_KEY_CONFIG, WALK_TDR_RCX },
	{ SEAMCALL_TDH_VP_CREATE, WALK_TDR_RDX },
	{ SEAMCALL_TDH_MNG_RD, WALK_TDR_RCX },
	{ SEAMCALL_TDH_MNG_WR, WALK_TDR_RCX },
	{ SEAMCALL_TDH_MEM_PAGE_REMOVE, WALK_TDR_RDX, true },
	{ SEAMCALL_TDH_MR_FINALIZE, WALK_TDR_RCX },
	{ SEAMCALL_TDH_VP_FLUSH, WALK_TDVPR_RCX },
	{ SEAMCALL_TDH_VP_WR, WALK_TDVPR_RCX },
	{ SEAMCALL_TDH_MNG_VPFLUSHDONE, WALK_TDR_RCX },
	{ SEAMCALL_TDH_MNG_KEY_FREEID, WALK_TDR_RCX },
	{ SEAMCALL_TDH_MNG_INIT, WALK_TDR_RCX },
	{ SEAMCALL_TDH_VP_INIT, WALK_TDVPR_RCX },
	{ SEAMCALL_TDH_PHYMEM_PAGE_RECLAIM, WALK_TDCX_RCX },
	{ SEAMCALL_TDH_MEM_TRACK, WALK_TDR_RCX },
	{ SEAMCALL_TDH_MIG_STREAM_CREATE, WALK_TDR_RDX },
	{ SEAMCALL_TDH_EXPORT_ABORT, WALK_TDR_RCX },
	{ SEAMCALL_TDH_EXPORT_BLOCKW, WALK_TDR_RDX },
	{ SEAMCALL_TDH_EXPORT_MEM, WALK_TDR_RDX },
	{ SEAMCALL_TDH_EXPORT_PAUSE, WALK_TDR_RCX },
	{ SEAMCALL_TDH_EXPORT_RESTORE, WALK_TDR_RDX },
	{ SEAMCALL_TDH_EXPORT_STATE_IMMUTABLE, WALK_TDR_RCX },
	{ SEAMCALL_TDH_EXPORT_STATE_TD, WALK_TDR_RCX },
	{ SEAMCALL_TDH_EXPORT_STATE_VP, WALK_TDVPR_RCX },
	{ SEAMCALL_TDH_EXPORT_TRACK, WALK_TDR_RCX },
	{ SEAMCALL_TDH_EXPORT_UNBLOCKW, WALK_TDR_RDX, true },
	{ SEAMCALL_TDH_IMPORT_ABORT, WALK_TDR_RCX },
	{ SEAMCALL_TDH_IMPORT_COMMIT, WALK_TDR_RCX },
	{ SEAMCALL_TDH_IMPORT_END, WALK_TDR_RCX },
	{ SEAMCALL_TDH_IMPORT_MEM, WALK_TDR_RDX },
	{ SEAMCALL_TDH_IMPORT_STATE_IMMUTABLE, WALK_TDR_RCX },
	{ SEAMCALL_TDH_IMPORT_STATE_TD, WALK_TDR_RCX },
	{ SEAMCALL_TDH_IMPORT_STATE_VP, WALK_TDVPR_RCX },
	{ SEAMCALL_TDH_IMPORT_TRACK, WALK_TDR_RCX },
	{ SEAMCALL_TDH_SERVTD_BIND, WALK_TDR_RCX },
	{ SEAMCALL_TDH_SERVTD_PREBIND, WALK_TDR_RCX },
};

/* What the test holds while the leaves run. */
enum walk_hold {
	HOLD_TDR_EXCLUSIVE,
	HOLD_TDR_SHARED_OP_EXCLUSIVE,
	HOLD_OP_SHARED,
	HOLD_OP_EXCLUSIVE,
	NR_HOLDS,
};

struct walk_ctx {
	struct test_td *td;
	enum walk_hold hold;
	int hold_err;
	u64 status[ARRAY_SIZE(walk)];
	bool called[ARRAY_SIZE(walk)];
};

static bool tdr_busy(u64 status)
{
	return tdx_status_code(status) == TDX_STATUS_OPERAND_BUSY &&
	       status != tdx_status_with_operand(TDX_STATUS_OPERAND_BUSY, TDX_OPID_OP_STATE);
}

static bool op_busy(u64 status)
{
	return status == tdx_status_with_operand(TDX_STATUS_OPERAND_BUSY, TDX_OPID_OP_STATE);
}

/*
 * Leaves that would change the TD if they got past their locks with the
 * TDR free are not called while only OP_STATE is held; their TDR is
 * exclusive, which the first two holds prove.
 */
static bool walk_calls(enum walk_hold hold, u16 leaf)
{
	const struct emu_leaf_locks *l = emu_leaf_locks(leaf);

	switch (hold) {
	case HOLD_OP_SHARED:
		return l->tdr == EMU_LOCK_SHARED;
	case HOLD_OP_EXCLUSIVE:
		return l->tdr == EMU_LOCK_EXCLUSIVE && leaf != SEAMCALL_TDH_MNG_VPFLUSHDONE;
	default:
		return true;
	}
}

static u64 walk_call(struct test_td *td, unsigned int i)
{
	u64 tdvpr = ktd_pa(td->vcpu[0].tdvpr), obj = 0;
	struct tdx_mig_args a = {};

	switch (walk[i].obj) {
	case WALK_TDR_RCX:
	case WALK_TDR_RDX:
		obj = td->tdr_pa;
		break;
	case WALK_TDVPR_RCX:
	case WALK_TDVPR_RDX:
		obj = tdvpr;
		break;
	case WALK_TDCX_RCX:
		obj = ktd_pa(td->tdcx[0]);
		break;
	}
	if (walk[i].obj == WALK_TDR_RDX || walk[i].obj == WALK_TDVPR_RDX)
		a.rdx = obj;
	else
		a.rcx = obj;
	if (walk[i].gpa_in_rcx)
		a.rcx = SZ_1G;	/* no SEPT page below the root maps it */
	if (walk[i].leaf == SEAMCALL_TDH_SERVTD_PREBIND)
		a.r8 = WALK_BAD_SLOT;
	return tdx_mig_seamcall(walk[i].leaf, &a);
}

static int walk_hold(struct walk_ctx *w, bool release)
{
	u64 tdr = w->td->tdr_pa;

	switch (w->hold) {
	case HOLD_TDR_EXCLUSIVE:
		if (release)
			tdx_emu_release_tdr(tdr, true);
		return release ? 0 : tdx_emu_hold_tdr(tdr, true);
	case HOLD_TDR_SHARED_OP_EXCLUSIVE:
		if (release) {
			tdx_emu_release_op_state(tdr, true);
			tdx_emu_release_tdr(tdr, false);
			return 0;
		}
		return tdx_emu_hold_tdr(tdr, false) ?: tdx_emu_hold_op_state(tdr, true);
	case HOLD_OP_SHARED:
		if (release)
			tdx_emu_release_op_state(tdr, false);
		return release ? 0 : tdx_emu_hold_op_state(tdr, false);
	default:
		if (release)
			tdx_emu_release_op_state(tdr, true);
		return release ? 0 : tdx_emu_hold_op_state(tdr, true);
	}
}

/* On CPU 0, where the TD's vCPUs are entered and flushed. */
static long walk_fn(void *arg)
{
	struct walk_ctx *w = arg;
	unsigned int i;

	w->hold_err = walk_hold(w, false);
	if (w->hold_err)
		return 0;
	for (i = 0; i < ARRAY_SIZE(walk); i++) {
		w->called[i] = walk_calls(w->hold, walk[i].leaf);
		if (w->called[i])
			w->status[i] = walk_call(w->td, i);
	}
	walk_hold(w, true);
	return 0;
}

/* What the module's handler answers under @hold, by its lock modes. */
static void walk_expect(struct kunit *test, enum walk_hold hold, u16 leaf, u64 st)
{
	const struct emu_leaf_locks *l = emu_leaf_locks(leaf);

	switch (hold) {
	case HOLD_TDR_EXCLUSIVE:
		KUNIT_EXPECT_TRUE_MSG(test, tdr_busy(st), "leaf %u: %#llx", leaf, st);
		break;
	case HOLD_TDR_SHARED_OP_EXCLUSIVE:
		if (l->tdr == EMU_LOCK_EXCLUSIVE)
			KUNIT_EXPECT_TRUE_MSG(test, tdr_busy(st), "leaf %u: %#llx", leaf, st);
		else if (l->op_state != EMU_LOCK_NONE)
			KUNIT_EXPECT_TRUE_MSG(test, op_busy(st), "leaf %u: %#llx", leaf, st);
		else
			KUNIT_EXPECT_FALSE_MSG(test, tdx_status_code(st) == TDX_STATUS_OPERAND_BUSY,
					       "leaf %u: %#llx", leaf, st);
		break;
	case HOLD_OP_SHARED:
		KUNIT_EXPECT_EQ_MSG(test, op_busy(st), l->op_state == EMU_LOCK_EXCLUSIVE,
				    "leaf %u: %#llx", leaf, st);
		break;
	default:
		KUNIT_EXPECT_FALSE_MSG(test, op_busy(st), "leaf %u: %#llx", leaf, st);
		break;
	}
}

static void leaf_locks_test(struct kunit *test)
{
	struct walk_ctx *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct tdx_emu_guest_op hlt = { .type = TDX_EMU_GUEST_HLT };
	unsigned int i;

	ktd_require_emu(test);
	KUNIT_ASSERT_NOT_NULL(test, w);
	w->td = ktd_td_new(test, 16, 1, 0, true);
	KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(ktd_pa(w->td->vcpu[0].tdvpr), &hlt, 1), 0);
	for (w->hold = 0; w->hold < NR_HOLDS; w->hold++) {
		memset(w->called, 0, sizeof(w->called));
		work_on_cpu(0, walk_fn, w);
		KUNIT_ASSERT_EQ(test, w->hold_err, 0);
		for (i = 0; i < ARRAY_SIZE(walk); i++)
			if (w->called[i])
				walk_expect(test, w->hold, walk[i].leaf, w->status[i]);
	}
	/* Nothing the walk called changed the TD: it still tears down. */
	ktd_td_teardown(test, w->td);
}

/* Every leaf the model implements has its modes, and the module's rule holds. */
static void leaf_locks_table_test(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(walk); i++) {
		const struct emu_leaf_locks *l = emu_leaf_locks(walk[i].leaf);

		KUNIT_EXPECT_NE_MSG(test, l->tdr, EMU_LOCK_NONE, "leaf %u", walk[i].leaf);
		/* An exclusive TDR covers OP_STATE: no leaf takes both. */
		if (l->tdr == EMU_LOCK_EXCLUSIVE)
			KUNIT_EXPECT_EQ_MSG(test, l->op_state, EMU_LOCK_NONE, "leaf %u",
					    walk[i].leaf);
	}
	KUNIT_EXPECT_EQ(test, emu_leaf_locks(SEAMCALL_TDH_SYS_RD)->tdr, EMU_LOCK_NONE);
	KUNIT_EXPECT_EQ(test, emu_leaf_locks(SEAMCALL_TDH_MNG_KEY_RECLAIMID)->tdr, EMU_LOCK_NONE);
}

static struct kunit_case locks_cases[] = {
	KUNIT_CASE(leaf_locks_table_test),
	KUNIT_CASE(leaf_locks_test),
	{}
};

static struct kunit_suite locks_suite = {
	.name = "tdx_mig_emu_locks",
	.test_cases = locks_cases,
};

kunit_test_suite(locks_suite);
