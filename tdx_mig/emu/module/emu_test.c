// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the emulated TDX Module, part 1, driven through the typed SEAMCALL
 * wrappers: the TD build path in every OP_STATE, PAMT misuse, BUSY between
 * two threads, SEPT transitions, the guest's fault rules, teardown order,
 * the interrupt policy and the unload leak check.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "test_td.h"

/*
 * A TD of 64 MiB (every 8th page PENDING) and 4 vCPUs: each vCPU accepts
 * and writes its share of the pending pages and overwrites some added ones;
 * the memory then reads back as written, the host sees only ciphertext,
 * and after teardown nothing is left in the PAMT.
 */
static void build_run_teardown_64m_test(struct kunit *test)
{
	const unsigned int npages = SZ_64M / PAGE_SIZE, per_vcpu = 64;
	struct tdx_emu_guest_op *ops;
	struct tdx_emu_vcpu_regs regs;
	struct test_td *td;
	unsigned int v, k, n;
	u64 plain;

	ktd_require_emu(test);
	td = kunit_kzalloc(test, sizeof(*td), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, td);
	ops = kunit_kcalloc(test, per_vcpu * 3 + 1, sizeof(*ops), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ops);
	ktd_td_build(test, td, npages, 4, 8, true);
	KUNIT_EXPECT_EQ(test, tdx_emu_sept_state(td->tdr_pa, 7 * PAGE_SIZE, 0), TDX_SEPT_PENDING);
	KUNIT_EXPECT_EQ(test, tdx_emu_sept_state(td->tdr_pa, 0, 0), TDX_SEPT_MAPPED);

	for (v = 0; v < 4; v++) {
		n = 0;
		for (k = 0; k < per_vcpu; k++) {
			/* Pending page 8 * (v * per_vcpu + k) + 7; added page next to it. */
			u64 pend = (8ULL * (v * per_vcpu + k) + 7) << PAGE_SHIFT;

			ops[n++] = (struct tdx_emu_guest_op){ TDX_EMU_GUEST_ACCEPT, pend, 0 };
			ops[n++] = (struct tdx_emu_guest_op){ TDX_EMU_GUEST_FILL, pend,
							       0x5a00000000000000ULL | pend };
			ops[n++] = (struct tdx_emu_guest_op){ TDX_EMU_GUEST_WRITE,
							       pend - PAGE_SIZE + 8, ~pend };
		}
		ops[n++] = (struct tdx_emu_guest_op){ TDX_EMU_GUEST_HLT };
		KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(ktd_pa(td->vcpu[v].tdvpr), ops, n), 0);
		ktd_run_to_halt(test, ktd_pa(td->vcpu[v].tdvpr));
		KUNIT_ASSERT_EQ(test, tdx_emu_vcpu_regs(ktd_pa(td->vcpu[v].tdvpr), &regs), 0);
		KUNIT_EXPECT_EQ(test, regs.gpr[0], (u64)per_vcpu * 3);
		KUNIT_EXPECT_EQ(test, regs.gpr[1], 0x1234ULL + v + 1);
		KUNIT_EXPECT_EQ(test, regs.rip, 0xfffffff0ULL + per_vcpu * 3 * 4 + 1);
	}

	for (v = 0; v < 4 * per_vcpu; v++) {
		u64 pend = (8ULL * v + 7) << PAGE_SHIFT;

		KUNIT_EXPECT_EQ(test, ktd_read_private_u64(test, td, pend + 4088),
				0x5a00000000000000ULL | pend);
		KUNIT_EXPECT_EQ(test, ktd_read_private_u64(test, td, pend - PAGE_SIZE + 8), ~pend);
		KUNIT_EXPECT_EQ(test, ktd_read_private_u64(test, td, pend - PAGE_SIZE),
				ktd_add_pattern((pend >> PAGE_SHIFT) - 1));
		if (test->status == KUNIT_FAILURE)
			break;
	}
	/* Untouched pages: added ones keep their content, pending read zero. */
	KUNIT_EXPECT_EQ(test, ktd_read_private_u64(test, td, (u64)(npages - 2) << PAGE_SHIFT),
			ktd_add_pattern(npages - 2));
	KUNIT_EXPECT_EQ(test, ktd_read_private_u64(test, td, (u64)(npages - 1) << PAGE_SHIFT), 0);
	KUNIT_EXPECT_EQ(test, tdx_emu_sept_state(td->tdr_pa, (u64)(npages - 1) << PAGE_SHIFT, 0),
			TDX_SEPT_PENDING);

	/* The host's own view of a private page is not the plaintext. */
	memcpy(&plain, page_address(td->mem[0]), sizeof(plain));
	KUNIT_EXPECT_NE(test, plain, ktd_add_pattern(0));

	ktd_td_teardown(test, td);
	KUNIT_EXPECT_EQ(test, tdx_emu_leaked_pages(), 0UL);
}

/* §3.1 restated as the naive reference: the states each leaf may run in. */
#define R(x)	BIT(TDX_OP_STATE_##x)
static const struct {
	const char *name;
	u16 leaf;
	u16 allowed;
} op_state_reference[] = {
	{ "VP.ENTER", SEAMCALL_TDH_VP_ENTER, R(RUNNABLE) | R(LIVE_EXPORT) | R(LIVE_IMPORT) },
	{ "MNG.ADDCX", SEAMCALL_TDH_MNG_ADDCX, R(UNINITIALIZED) },
	{ "MEM.PAGE.ADD", SEAMCALL_TDH_MEM_PAGE_ADD, R(INITIALIZED) },
	{ "MEM.SEPT.ADD", SEAMCALL_TDH_MEM_SEPT_ADD, R(INITIALIZED) | R(RUNNABLE) |
	  R(LIVE_EXPORT) | R(MEMORY_IMPORT) | R(STATE_IMPORT) | R(POST_IMPORT) | R(LIVE_IMPORT) },
	{ "VP.ADDCX", SEAMCALL_TDH_VP_ADDCX, R(INITIALIZED) | R(STATE_IMPORT) },
	{ "MEM.PAGE.AUG", SEAMCALL_TDH_MEM_PAGE_AUG, R(INITIALIZED) | R(RUNNABLE) |
	  R(LIVE_EXPORT) | R(LIVE_IMPORT) },
	{ "VP.CREATE", SEAMCALL_TDH_VP_CREATE, R(INITIALIZED) | R(STATE_IMPORT) },
	{ "MNG.RD", SEAMCALL_TDH_MNG_RD, 0x7fe },
	{ "MNG.WR", SEAMCALL_TDH_MNG_WR, R(INITIALIZED) | R(RUNNABLE) | R(LIVE_EXPORT) |
	  R(MEMORY_IMPORT) | R(STATE_IMPORT) | R(POST_IMPORT) | R(LIVE_IMPORT) |
	  R(FAILED_IMPORT) },
	{ "VP.FLUSH", SEAMCALL_TDH_VP_FLUSH, 0x7ff },
	{ "VP.WR", SEAMCALL_TDH_VP_WR, R(INITIALIZED) | R(RUNNABLE) | R(LIVE_EXPORT) |
	  R(MEMORY_IMPORT) | R(STATE_IMPORT) | R(POST_IMPORT) | R(LIVE_IMPORT) |
	  R(FAILED_IMPORT) },
	{ "MNG.INIT", SEAMCALL_TDH_MNG_INIT, R(UNINITIALIZED) },
	{ "VP.INIT", SEAMCALL_TDH_VP_INIT, R(INITIALIZED) },
	{ "MEM.PAGE.REMOVE", SEAMCALL_TDH_MEM_PAGE_REMOVE, R(INITIALIZED) | R(RUNNABLE) |
	  R(LIVE_EXPORT) | R(PAUSED_EXPORT) | R(POST_EXPORT) | R(POST_IMPORT) |
	  R(LIVE_IMPORT) | R(FAILED_IMPORT) },
	{ "MEM.TRACK", SEAMCALL_TDH_MEM_TRACK, 0x3fe },
	{ "MR.FINALIZE", SEAMCALL_TDH_MR_FINALIZE, R(INITIALIZED) },
	/* §1.3: the migration leaves. */
	{ "MIG.STREAM.CREATE", SEAMCALL_TDH_MIG_STREAM_CREATE, R(UNINITIALIZED) |
	  R(INITIALIZED) | R(RUNNABLE) },
	{ "EXPORT.STATE.IMMUTABLE", SEAMCALL_TDH_EXPORT_STATE_IMMUTABLE, R(RUNNABLE) |
	  R(LIVE_IMPORT) },
	{ "EXPORT.STATE.TD", SEAMCALL_TDH_EXPORT_STATE_TD, R(PAUSED_EXPORT) },
	{ "EXPORT.STATE.VP", SEAMCALL_TDH_EXPORT_STATE_VP, R(PAUSED_EXPORT) },
	{ "EXPORT.MEM", SEAMCALL_TDH_EXPORT_MEM, R(LIVE_EXPORT) | R(PAUSED_EXPORT) |
	  R(POST_EXPORT) },
	{ "EXPORT.BLOCKW", SEAMCALL_TDH_EXPORT_BLOCKW, R(LIVE_EXPORT) },
	{ "EXPORT.UNBLOCKW", SEAMCALL_TDH_EXPORT_UNBLOCKW, R(RUNNABLE) | R(LIVE_EXPORT) |
	  R(PAUSED_EXPORT) | R(POST_EXPORT) },
	{ "EXPORT.TRACK", SEAMCALL_TDH_EXPORT_TRACK, R(LIVE_EXPORT) | R(PAUSED_EXPORT) },
	{ "EXPORT.PAUSE", SEAMCALL_TDH_EXPORT_PAUSE, R(LIVE_EXPORT) },
	{ "EXPORT.ABORT", SEAMCALL_TDH_EXPORT_ABORT, R(LIVE_EXPORT) | R(PAUSED_EXPORT) |
	  R(POST_EXPORT) },
	{ "EXPORT.RESTORE", SEAMCALL_TDH_EXPORT_RESTORE, R(RUNNABLE) },
	{ "IMPORT.STATE.IMMUTABLE", SEAMCALL_TDH_IMPORT_STATE_IMMUTABLE, R(UNINITIALIZED) },
	{ "IMPORT.STATE.TD", SEAMCALL_TDH_IMPORT_STATE_TD, R(MEMORY_IMPORT) },
	{ "IMPORT.STATE.VP", SEAMCALL_TDH_IMPORT_STATE_VP, R(STATE_IMPORT) },
	{ "IMPORT.MEM", SEAMCALL_TDH_IMPORT_MEM, R(MEMORY_IMPORT) | R(STATE_IMPORT) |
	  R(POST_IMPORT) | R(LIVE_IMPORT) },
	{ "IMPORT.TRACK", SEAMCALL_TDH_IMPORT_TRACK, R(MEMORY_IMPORT) | R(STATE_IMPORT) },
	{ "IMPORT.COMMIT", SEAMCALL_TDH_IMPORT_COMMIT, R(POST_IMPORT) },
	{ "IMPORT.END", SEAMCALL_TDH_IMPORT_END, R(POST_IMPORT) | R(LIVE_IMPORT) },
	{ "IMPORT.ABORT", SEAMCALL_TDH_IMPORT_ABORT, R(MEMORY_IMPORT) | R(STATE_IMPORT) |
	  R(POST_IMPORT) | R(FAILED_IMPORT) },
};

/* A migration leaf with a reserved bit set in R10, so it fails past the state check. */
static u64 call_mig_leaf(struct test_td *td, u16 leaf, struct page *busy_page)
{
	struct tdx_mig_args a = {
		.rcx = td->tdr_pa, .rdx = td->tdr_pa, .r10 = BIT_ULL(40),
	};

	switch (leaf) {
	case SEAMCALL_TDH_MIG_STREAM_CREATE:
		return tdx_mig_tdh_mig_stream_create(ktd_tdr(td), ktd_pa(busy_page));
	case SEAMCALL_TDH_EXPORT_STATE_VP:
	case SEAMCALL_TDH_IMPORT_STATE_VP:
		a.rcx = ktd_pa(td->vcpu[0].tdvpr);
		break;
	case SEAMCALL_TDH_EXPORT_BLOCKW:
	case SEAMCALL_TDH_EXPORT_RESTORE:
	case SEAMCALL_TDH_EXPORT_UNBLOCKW:
	case SEAMCALL_TDH_EXPORT_MEM:
	case SEAMCALL_TDH_IMPORT_MEM:
		/* RCX: a GPA list in format 1, or a PAGE_INFO with level 1. */
		a.rcx = 1;
		break;
	}
	return tdx_mig_seamcall(leaf, &a);
}

/*
 * Call @leaf with operands that pass the OP_STATE check and then fail, or
 * succeed harmlessly, so only the OP_STATE verdict differs between states.
 */
static u64 call_leaf(struct test_td *td, u16 leaf, struct page *busy_page,
		     struct page *spare)
{
	u64 tdvpr = ktd_pa(td->vcpu[0].tdvpr), qual, gpa, entry, level;
	u64 free_gpa = 64ULL << PAGE_SHIFT;

	switch (leaf) {
	case SEAMCALL_TDH_VP_ENTER:
		return ktd_vp_enter(tdvpr, &qual, &gpa);
	case SEAMCALL_TDH_MNG_ADDCX:
		return tdx_mig_tdh_mng_addcx(ktd_tdr(td), ktd_pa(busy_page));
	case SEAMCALL_TDH_MEM_PAGE_ADD:
		return tdx_mig_tdh_mem_page_add(ktd_tdr(td), free_gpa, ktd_pa(busy_page),
						ktd_pa(spare));
	case SEAMCALL_TDH_MEM_SEPT_ADD:
		return tdx_mig_tdh_mem_sept_add(ktd_tdr(td), 0, 1, ktd_pa(busy_page), &entry,
						&level);
	case SEAMCALL_TDH_VP_ADDCX:
		return tdx_mig_tdh_vp_addcx(tdx_mig_tdvpr(tdvpr), ktd_pa(busy_page));
	case SEAMCALL_TDH_MEM_PAGE_AUG:
		return tdx_mig_tdh_mem_page_aug(ktd_tdr(td), free_gpa, ktd_pa(busy_page));
	case SEAMCALL_TDH_VP_CREATE:
		return tdx_mig_tdh_vp_create(ktd_tdr(td), ktd_as_tdvpr(busy_page));
	case SEAMCALL_TDH_MNG_RD:
		return tdx_mig_tdh_mng_rd(ktd_tdr(td), TDX_MD_TD_OP_STATE, &qual);
	case SEAMCALL_TDH_MNG_WR: {
		struct tdx_mig_args a = { .rcx = td->tdr_pa, .rdx = TDX_MD_TD_ATTRIBUTES };

		return tdx_mig_seamcall(SEAMCALL_TDH_MNG_WR, &a);
	}
	case SEAMCALL_TDH_VP_FLUSH:
		return ktd_vp_flush(tdvpr);
	case SEAMCALL_TDH_VP_WR:
		return ktd_vp_wr(tdvpr, TDX_MD_VP_SHARED_EPTP, 0, 0);
	case SEAMCALL_TDH_MNG_INIT:
		return tdx_mig_tdh_mng_init(ktd_tdr(td), 0x1);
	case SEAMCALL_TDH_VP_INIT:
		return tdx_mig_tdh_vp_init(tdx_mig_tdvpr(tdvpr), 0);
	case SEAMCALL_TDH_MEM_PAGE_REMOVE:
		return tdx_mig_tdh_mem_page_remove(ktd_tdr(td), free_gpa);
	case SEAMCALL_TDH_MEM_TRACK:
		return tdx_mig_tdh_mem_track(ktd_tdr(td));
	case SEAMCALL_TDH_MR_FINALIZE:
		return tdx_mig_tdh_mr_finalize(ktd_tdr(td));
	}
	return call_mig_leaf(td, leaf, busy_page);
}

static void op_state_table_test(struct kunit *test)
{
	struct test_td *td;
	struct page *spare;
	int i, s;

	ktd_require_emu(test);
	td = ktd_td_new(test, 8, 1, 0, true);
	spare = ktd_test_page(test);

	for (i = 0; i < ARRAY_SIZE(op_state_reference); i++) {
		for (s = 0; s < TDX_NUM_OP_STATES; s++) {
			bool allowed = op_state_reference[i].allowed & BIT(s);
			u64 ret;

			KUNIT_ASSERT_EQ(test, tdx_emu_force_op_state(td->tdr_pa, s), 0);
			/* The TDR page is in use: every claim of it fails. */
			ret = call_leaf(td, op_state_reference[i].leaf, td->tdr, spare);
			KUNIT_EXPECT_EQ_MSG(test, ret == TDX_STATUS_OP_STATE_INCORRECT, !allowed,
					    "%s in %s: status %#llx", op_state_reference[i].name,
					    tdx_op_state_name(s), ret);
		}
	}
	KUNIT_ASSERT_EQ(test, tdx_emu_force_op_state(td->tdr_pa, TDX_OP_STATE_RUNNABLE), 0);
	__free_page(spare);
	ktd_td_teardown(test, td);
}

static void pamt_misuse_test(struct kunit *test)
{
	struct test_td *a, *b;
	struct page *p;
	u64 v, entry, level;

	ktd_require_emu(test);
	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	ktd_td_build(test, a, 4, 1, 0, false);
	ktd_td_build(test, b, 4, 1, 0, false);
	p = ktd_test_page(test);

	/* A page already given to the module, of any type or owner. */
	KUNIT_EXPECT_EQ(test,
			tdx_mig_tdh_mem_page_aug(ktd_tdr(b), 8 * PAGE_SIZE, ktd_pa(a->mem[0])),
			TDX_STATUS_PAGE_METADATA_INCORRECT | TDX_OPID_R8);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mem_sept_add(ktd_tdr(b), SZ_2M, 1, ktd_pa(a->tdcx[0]),
						       &entry, &level),
			TDX_STATUS_PAGE_METADATA_INCORRECT | TDX_OPID_R8);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_vp_create(ktd_tdr(a), ktd_as_tdvpr(b->tdr)),
			TDX_STATUS_PAGE_METADATA_INCORRECT | TDX_OPID_RCX);
	/* The wrong type where a TDR or TDVPR is expected. */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_rd(ktd_as_tdr(a->tdcx[0]), TDX_MD_TD_OP_STATE, &v),
			TDX_STATUS_PAGE_METADATA_INCORRECT | TDX_OPID_RCX);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_vp_init(tdx_mig_tdvpr(a->tdr_pa), 0),
			TDX_STATUS_PAGE_METADATA_INCORRECT | TDX_OPID_RCX);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_rd(ktd_as_tdr(p), TDX_MD_TD_OP_STATE, &v),
			TDX_STATUS_PAGE_METADATA_INCORRECT | TDX_OPID_RCX);
	/* Misaligned, with a key ID, outside the PAMT. */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mem_page_aug(ktd_tdr(b), 8 * PAGE_SIZE, ktd_pa(p) + 64),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_R8);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mem_page_aug(ktd_tdr(b), 8 * PAGE_SIZE,
						       ktd_pa(p) | (33ULL << EMU_HKID_SHIFT)),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_R8);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mem_page_aug(ktd_tdr(b), 8 * PAGE_SIZE, 1ULL << 39),
			TDX_STATUS_OPERAND_ADDR_RANGE_ERROR | TDX_OPID_R8);
	/* PAGE.ADD's source must be a shared page. */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mem_page_add(ktd_tdr(b), 8 * PAGE_SIZE, ktd_pa(p),
						       ktd_pa(a->mem[1])),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_R9);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mem_page_add(ktd_tdr(b), 8 * PAGE_SIZE, ktd_pa(p),
						       ktd_pa(p) | (40ULL << EMU_HKID_SHIFT)),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_R9);
	/* HKIDs: out of the private range, or in use. */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_create(ktd_as_tdr(p), 3),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_RDX);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_create(ktd_as_tdr(p), EMU_PRIVATE_HKID_MIN +
						     EMU_NUM_PRIVATE_HKIDS),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_RDX);
	/* The failed calls changed nothing: the page is still the host's. */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mem_page_aug(ktd_tdr(b), 8 * PAGE_SIZE, ktd_pa(p)),
			TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mem_page_remove(ktd_tdr(b), 8 * PAGE_SIZE),
			TDX_STATUS_SUCCESS);
	__free_page(p);
	ktd_td_teardown(test, a);
	ktd_td_teardown(test, b);
}

/* HKID reuse: one in use is refused until its TD frees it. */
static void hkid_test(struct kunit *test)
{
	struct test_td *a;
	struct page *p;
	u64 v;

	ktd_require_emu(test);
	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	ktd_td_build(test, a, 1, 1, 0, true);
	p = ktd_test_page(test);
	/* Find a's HKID by trying them all: exactly one is refused. */
	for (v = EMU_PRIVATE_HKID_MIN; v < EMU_PRIVATE_HKID_MIN + EMU_NUM_PRIVATE_HKIDS; v++) {
		u64 ret = tdx_mig_tdh_mng_create(ktd_as_tdr(p), v);

		if (ret == TDX_STATUS_SUCCESS)
			break;
		KUNIT_EXPECT_EQ(test, ret, TDX_STATUS_HKID_NOT_FREE);
	}
	KUNIT_ASSERT_LT(test, v, (u64)EMU_PRIVATE_HKID_MIN + EMU_NUM_PRIVATE_HKIDS);
	/* A TD that never configured its key can be torn down. */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_vpflushdone(ktd_as_tdr(p)), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_key_config(ktd_as_tdr(p)),
			TDX_STATUS_LIFECYCLE_STATE_INCORRECT);
	ktd_cache_wb(test);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_key_freeid(ktd_as_tdr(p)), TDX_STATUS_SUCCESS);
	ktd_reclaim(test, &p, EMU_PT_TDR);
	ktd_td_teardown(test, a);
}

struct holder {
	u64 tdr_pa;
	bool exclusive;
	int held;
	struct completion locked;
	struct completion release;
};

static int holder_fn(void *arg)
{
	struct holder *h = arg;

	h->held = tdx_emu_hold_tdr(h->tdr_pa, h->exclusive);
	complete(&h->locked);
	wait_for_completion(&h->release);
	if (!h->held)
		tdx_emu_release_tdr(h->tdr_pa, h->exclusive);
	return 0;
}

/* Another thread holds the TDR lock: the leaf fails BUSY, never waits. */
static void busy_two_threads_test(struct kunit *test)
{
	struct holder h = {};
	struct task_struct *t;
	struct test_td *td;
	struct page *p;
	u64 v;

	ktd_require_emu(test);
	td = ktd_td_new(test, 4, 1, 0, true);
	p = ktd_test_page(test);

	for (h.exclusive = true; ; h.exclusive = false) {
		h.tdr_pa = td->tdr_pa;
		init_completion(&h.locked);
		init_completion(&h.release);
		t = kthread_run(holder_fn, &h, "tdx_emu_holder");
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		/* holder_fn may return before kthread_stop() looks at it. */
		get_task_struct(t);
		wait_for_completion(&h.locked);
		KUNIT_EXPECT_EQ(test, h.held, 0);

		/* Exclusive leaves always collide; shared ones only with exclusive. */
		KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mr_finalize(ktd_tdr(td)),
				TDX_STATUS_OPERAND_BUSY | TDX_OPID_TDR);
		KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_key_config(ktd_tdr(td)),
				TDX_STATUS_OPERAND_BUSY | TDX_OPID_TDR);
		KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_rd(ktd_tdr(td), TDX_MD_TD_OP_STATE, &v),
				h.exclusive ? TDX_STATUS_OPERAND_BUSY | TDX_OPID_TDR :
					      TDX_STATUS_SUCCESS);
		complete(&h.release);
		kthread_stop(t);
		put_task_struct(t);
		if (!h.exclusive)
			break;
	}
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_rd(ktd_tdr(td), TDX_MD_TD_OP_STATE, &v),
			TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, v, TDX_OP_STATE_RUNNABLE);
	__free_page(p);
	ktd_td_teardown(test, td);
}

/*
 * Each row: a SEAMCALL leaf (or, with @accept, the guest's ACCEPT) on a page
 * in state @from gives @status and leaves @to.
 */
static const struct sept_case {
	const char *name;
	u16 leaf;
	bool accept;
	enum tdx_sept_state from;
	u64 status;
	enum tdx_sept_state to;
} sept_cases[] = {
	{ "AUG FREE", SEAMCALL_TDH_MEM_PAGE_AUG, false,
	  TDX_SEPT_FREE, TDX_STATUS_SUCCESS, TDX_SEPT_PENDING },
	{ "AUG MAPPED", SEAMCALL_TDH_MEM_PAGE_AUG, false,
	  TDX_SEPT_MAPPED, TDX_STATUS_EPT_ENTRY_STATE_INCORRECT, TDX_SEPT_MAPPED },
	{ "AUG PENDING", SEAMCALL_TDH_MEM_PAGE_AUG, false,
	  TDX_SEPT_PENDING, TDX_STATUS_EPT_ENTRY_STATE_INCORRECT, TDX_SEPT_PENDING },
	{ "REMOVE MAPPED", SEAMCALL_TDH_MEM_PAGE_REMOVE, false,
	  TDX_SEPT_MAPPED, TDX_STATUS_GPA_RANGE_NOT_BLOCKED,
	  TDX_SEPT_MAPPED },
	{ "REMOVE PENDING", SEAMCALL_TDH_MEM_PAGE_REMOVE, false,
	  TDX_SEPT_PENDING, TDX_STATUS_GPA_RANGE_NOT_BLOCKED,
	  TDX_SEPT_PENDING },
	{ "REMOVE BLOCKEDW", SEAMCALL_TDH_MEM_PAGE_REMOVE, false,
	  TDX_SEPT_BLOCKEDW, TDX_STATUS_GPA_RANGE_NOT_BLOCKED,
	  TDX_SEPT_BLOCKEDW },
	{ "REMOVE BLOCKED", SEAMCALL_TDH_MEM_PAGE_REMOVE, false,
	  TDX_SEPT_BLOCKED, TDX_STATUS_SUCCESS,
	  TDX_SEPT_FREE },
	{ "REMOVE PENDING_BLOCKED", SEAMCALL_TDH_MEM_PAGE_REMOVE, false,
	  TDX_SEPT_PENDING_BLOCKED, TDX_STATUS_SUCCESS,
	  TDX_SEPT_FREE },
	{ "REMOVE FREE", SEAMCALL_TDH_MEM_PAGE_REMOVE, false,
	  TDX_SEPT_FREE, TDX_STATUS_EPT_ENTRY_STATE_INCORRECT,
	  TDX_SEPT_FREE },
	{ "REMOVE EXPORTED_BLOCKEDW", SEAMCALL_TDH_MEM_PAGE_REMOVE, false,
	  TDX_SEPT_EXPORTED_BLOCKEDW, TDX_STATUS_EPT_ENTRY_STATE_INCORRECT,
	  TDX_SEPT_EXPORTED_BLOCKEDW },
	{ "REMOVE EXPORTED_DIRTY", SEAMCALL_TDH_MEM_PAGE_REMOVE, false,
	  TDX_SEPT_EXPORTED_DIRTY, TDX_STATUS_EPT_ENTRY_STATE_INCORRECT,
	  TDX_SEPT_EXPORTED_DIRTY },
	{ "BLOCK MAPPED", SEAMCALL_TDH_MEM_RANGE_BLOCK, false,
	  TDX_SEPT_MAPPED, TDX_STATUS_SUCCESS,
	  TDX_SEPT_BLOCKED },
	{ "BLOCK BLOCKEDW", SEAMCALL_TDH_MEM_RANGE_BLOCK, false,
	  TDX_SEPT_BLOCKEDW, TDX_STATUS_SUCCESS,
	  TDX_SEPT_BLOCKED },
	{ "BLOCK PENDING", SEAMCALL_TDH_MEM_RANGE_BLOCK, false,
	  TDX_SEPT_PENDING, TDX_STATUS_SUCCESS,
	  TDX_SEPT_PENDING_BLOCKED },
	{ "BLOCK BLOCKED", SEAMCALL_TDH_MEM_RANGE_BLOCK, false,
	  TDX_SEPT_BLOCKED, TDX_STATUS_GPA_RANGE_ALREADY_BLOCKED,
	  TDX_SEPT_BLOCKED },
	{ "BLOCK EXPORTED_DIRTY", SEAMCALL_TDH_MEM_RANGE_BLOCK, false,
	  TDX_SEPT_EXPORTED_DIRTY, TDX_STATUS_EPT_ENTRY_STATE_INCORRECT,
	  TDX_SEPT_EXPORTED_DIRTY },
	{ "ACCEPT PENDING", 0, true, TDX_SEPT_PENDING, TDX_STATUS_SUCCESS, TDX_SEPT_MAPPED },
	{ "ACCEPT PENDING_EXPORTED_DIRTY", 0, true, TDX_SEPT_PENDING_EXPORTED_DIRTY,
	  TDX_STATUS_SUCCESS, TDX_SEPT_EXPORTED_DIRTY },
	{ "ACCEPT MAPPED", 0, true, TDX_SEPT_MAPPED, TDX_STATUS_PAGE_ALREADY_ACCEPTED,
	  TDX_SEPT_MAPPED },
};

static void sept_case_desc(const struct sept_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(sept_case, sept_cases, sept_case_desc);

/* Bring page 0 of a one-page TD to @state. */
static void sept_prepare(struct kunit *test, struct test_td *td, enum tdx_sept_state state)
{
	bool pending = state >= TDX_SEPT_PENDING;

	if (state == TDX_SEPT_FREE) {
		ktd_remove_page(test, td, 0);
		__free_page(td->mem[0]);
		td->mem[0] = NULL;
		return;
	}
	if (pending) {
		ktd_remove_page(test, td, 0);
		KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mem_page_aug(ktd_tdr(td), 0, ktd_pa(td->mem[0])),
				TDX_STATUS_SUCCESS);
	}
	if (state != TDX_SEPT_MAPPED && state != TDX_SEPT_PENDING)
		KUNIT_ASSERT_EQ(test, tdx_emu_force_sept_state(td->tdr_pa, 0, state), 0);
	KUNIT_ASSERT_EQ(test, tdx_emu_sept_state(td->tdr_pa, 0, 0), state);
}

static void sept_transition_test(struct kunit *test)
{
	const struct sept_case *c = test->param_value;
	struct tdx_emu_guest_op op = { TDX_EMU_GUEST_ACCEPT, 0, ~0ULL, .status = ~0ULL };
	struct tdx_emu_guest_op res;
	struct page *spare = NULL;
	struct test_td *td;
	bool done;
	u64 ret;

	ktd_require_emu(test);
	td = ktd_td_new(test, 1, 1, 0, true);
	sept_prepare(test, td, c->from);

	switch (c->accept ? 0 : c->leaf) {
	case SEAMCALL_TDH_MEM_PAGE_AUG:
		spare = ktd_test_page(test);
		ret = tdx_mig_tdh_mem_page_aug(ktd_tdr(td), 0, ktd_pa(spare));
		if (ret == TDX_STATUS_SUCCESS)
			swap(spare, td->mem[0]);
		break;
	case SEAMCALL_TDH_MEM_PAGE_REMOVE:
		ret = tdx_mig_tdh_mem_page_remove(ktd_tdr(td), 0);
		if (ret == TDX_STATUS_SUCCESS)
			swap(spare, td->mem[0]);
		break;
	case SEAMCALL_TDH_MEM_RANGE_BLOCK:
		ret = tdx_mig_tdh_mem_range_block(ktd_tdr(td), 0);
		break;
	default:
		KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(ktd_pa(td->vcpu[0].tdvpr), &op, 1), 0);
		ktd_run_to_halt(test, ktd_pa(td->vcpu[0].tdvpr));
		KUNIT_ASSERT_EQ(test, tdx_emu_guest_result(ktd_pa(td->vcpu[0].tdvpr), 0, &res,
							   &done), 0);
		KUNIT_EXPECT_TRUE(test, done);
		ret = res.status;
		break;
	}
	KUNIT_EXPECT_EQ(test, tdx_status_code(ret), c->status);
	KUNIT_EXPECT_EQ(test, tdx_emu_sept_state(td->tdr_pa, 0, 0), c->to);
	/* A page blocked by the leaf itself is removable only once tracked. */
	if (c->leaf == SEAMCALL_TDH_MEM_RANGE_BLOCK && c->status == TDX_STATUS_SUCCESS) {
		KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mem_page_remove(ktd_tdr(td), 0),
				TDX_STATUS_TLB_TRACKING_NOT_DONE | TDX_OPID_RCX);
		KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mem_track(ktd_tdr(td)), TDX_STATUS_SUCCESS);
		KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mem_page_remove(ktd_tdr(td), 0),
				TDX_STATUS_SUCCESS);
		swap(spare, td->mem[0]);
	}
	if (spare)
		__free_page(spare);
	/* Exported states are not reclaimable by REMOVE; teardown takes all. */
	ktd_td_teardown(test, td);
}

static void sept_walk_test(struct kunit *test)
{
	struct test_td *td;
	struct page *p;
	u64 entry, level;

	ktd_require_emu(test);
	td = ktd_td_new(test, 1, 1, 0, true);
	p = ktd_test_page(test);

	/* No level-1 table for 1 GiB yet: the walk stops at level 2. */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mem_page_aug(ktd_tdr(td), SZ_1G, ktd_pa(p)),
			TDX_STATUS_EPT_WALK_FAILED | TDX_OPID_RCX);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mem_sept_add(ktd_tdr(td), SZ_1G, 1, ktd_pa(p), &entry,
						       &level),
			TDX_STATUS_EPT_WALK_FAILED | TDX_OPID_RCX);
	/* Level 2 stopped the walk: a FREE entry (public state 0), no HPA. */
	KUNIT_EXPECT_EQ(test, level, 2ULL);
	KUNIT_EXPECT_EQ(test, entry, 0ULL);
	/* An entry already pointing to a table: NL_MAPPED (132) at level 1. */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mem_sept_add(ktd_tdr(td), 0, 1, ktd_pa(p), &entry,
						       &level),
			TDX_STATUS_EPT_ENTRY_STATE_INCORRECT | TDX_OPID_RCX);
	KUNIT_EXPECT_EQ(test, level, 1ULL | 132 << 8);
	KUNIT_EXPECT_EQ(test, entry & ~TDX_SEPT_HPA_MASK, 0x7ULL);
	/* Shared, unaligned, too wide, or a level that is not there. */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mem_page_aug(ktd_tdr(td), BIT_ULL(47), ktd_pa(p)),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_RCX);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mem_sept_add(ktd_tdr(td), SZ_4K, 1, ktd_pa(p), &entry,
						       &level),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_RCX);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mem_sept_add(ktd_tdr(td), 0, 4, ktd_pa(p), &entry,
						       &level),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_RCX);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mem_sept_add(ktd_tdr(td), 0, 0, ktd_pa(p), &entry,
						       &level),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_RCX);
	__free_page(p);
	ktd_td_teardown(test, td);
}

/* The guest's rules: what exits to the host, and with what. */
static void guest_fault_test(struct kunit *test)
{
	u64 tdvpr, ret, qual, gpa;
	struct tdx_emu_guest_op op, res;
	struct test_td *td;
	bool done;

	ktd_require_emu(test);
	td = ktd_td_new(test, 4, 1, 2, true);	/* pages 1 and 3 PENDING */
	tdvpr = ktd_pa(td->vcpu[0].tdvpr);

	/* A write to a PENDING page: EPT violation (SEPT_VE_DISABLE). */
	op = (struct tdx_emu_guest_op){ TDX_EMU_GUEST_WRITE, PAGE_SIZE + 16, 1 };
	KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(tdvpr, &op, 1), 0);
	ret = ktd_vp_enter(tdvpr, &qual, &gpa);
	KUNIT_EXPECT_EQ(test, ret, TDX_STATUS_SUCCESS | TDX_EXIT_REASON_EPT_VIOLATION);
	KUNIT_EXPECT_EQ(test, qual, TDX_EXIT_QUAL_WRITE);
	KUNIT_EXPECT_EQ(test, gpa, PAGE_SIZE + 16);
	KUNIT_EXPECT_EQ(test, tdx_emu_guest_result(tdvpr, 0, &res, &done), 0);
	KUNIT_EXPECT_FALSE(test, done);

	/* A read of a GPA with no mapping at all. */
	op = (struct tdx_emu_guest_op){ TDX_EMU_GUEST_READ, SZ_1G, 0 };
	KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(tdvpr, &op, 1), 0);
	ret = ktd_vp_enter(tdvpr, &qual, &gpa);
	KUNIT_EXPECT_EQ(test, ret, TDX_STATUS_SUCCESS | TDX_EXIT_REASON_EPT_VIOLATION);
	KUNIT_EXPECT_EQ(test, qual, TDX_EXIT_QUAL_READ);
	KUNIT_EXPECT_EQ(test, gpa, (u64)SZ_1G);

	/* Write-blocked: reads go through, writes exit. */
	KUNIT_ASSERT_EQ(test, tdx_emu_force_sept_state(td->tdr_pa, 0, TDX_SEPT_BLOCKEDW), 0);
	op = (struct tdx_emu_guest_op){ TDX_EMU_GUEST_READ, 8, 0 };
	KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(tdvpr, &op, 1), 0);
	KUNIT_EXPECT_EQ(test, ktd_vp_enter(tdvpr, &qual, &gpa),
			TDX_STATUS_SUCCESS | TDX_EXIT_REASON_HLT);
	KUNIT_EXPECT_EQ(test, tdx_emu_guest_result(tdvpr, 0, &res, &done), 0);
	KUNIT_EXPECT_EQ(test, res.value, ktd_add_pattern(0));
	op = (struct tdx_emu_guest_op){ TDX_EMU_GUEST_WRITE, 8, 2 };
	KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(tdvpr, &op, 1), 0);
	ret = ktd_vp_enter(tdvpr, &qual, &gpa);
	KUNIT_EXPECT_EQ(test, ret, TDX_STATUS_SUCCESS | TDX_EXIT_REASON_EPT_VIOLATION);
	KUNIT_EXPECT_EQ(test, qual, TDX_EXIT_QUAL_WRITE);
	KUNIT_EXPECT_EQ(test, ktd_read_private_u64(test, td, 8), ktd_add_pattern(0));
	KUNIT_ASSERT_EQ(test, tdx_emu_force_sept_state(td->tdr_pa, 0, TDX_SEPT_MAPPED), 0);
	KUNIT_EXPECT_EQ(test, ktd_vp_enter(tdvpr, &qual, &gpa),
			TDX_STATUS_SUCCESS | TDX_EXIT_REASON_HLT);
	KUNIT_EXPECT_EQ(test, ktd_read_private_u64(test, td, 8), 2ULL);

	/* Accepting a page that is not there exits; so does running paused. */
	op = (struct tdx_emu_guest_op){ TDX_EMU_GUEST_ACCEPT, 8 * PAGE_SIZE, 0 };
	KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(tdvpr, &op, 1), 0);
	KUNIT_EXPECT_EQ(test, ktd_vp_enter(tdvpr, &qual, &gpa),
			TDX_STATUS_SUCCESS | TDX_EXIT_REASON_EPT_VIOLATION);
	KUNIT_ASSERT_EQ(test, tdx_emu_force_op_state(td->tdr_pa, TDX_OP_STATE_PAUSED_EXPORT), 0);
	KUNIT_EXPECT_EQ(test, ktd_vp_enter(tdvpr, &qual, &gpa), TDX_STATUS_OP_STATE_INCORRECT);
	KUNIT_ASSERT_EQ(test, tdx_emu_force_op_state(td->tdr_pa, TDX_OP_STATE_RUNNABLE), 0);
	ktd_td_teardown(test, td);
}

static long enter_fn(void *arg)
{
	struct on_cpu0 *c = arg;

	return tdx_mig_tdh_vp_enter(tdx_mig_tdvpr(c->tdvpr_pa), &c->exit_qual, &c->gpa);
}

/*
 * A page the TDX Module gives back comes back zeroed: the reclaim wrapper
 * resets it, so the host never sees what the module kept there (the
 * model keeps a private page's data in the page, transformed).
 */
static void reclaim_resets_page_test(struct kunit *test)
{
	struct test_td *td;
	struct page *p;
	u64 type, owner;

	ktd_require_emu(test);
	td = ktd_td_new(test, 4, 1, 0, true);
	ktd_td_release_key(test, td);
	p = td->mem[0];
	KUNIT_ASSERT_NOT_NULL(test, memchr_inv(page_address(p), 0, PAGE_SIZE));
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_phymem_page_reclaim(ktd_pa(p), &type, &owner),
			TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_NULL(test, memchr_inv(page_address(p), 0, PAGE_SIZE));
	__free_page(p);
	td->mem[0] = NULL;
	ktd_td_reclaim_all(test, td, true);
}

/* A vCPU bound to one logical CPU cannot enter or be flushed elsewhere. */
static void vcpu_association_test(struct kunit *test)
{
	struct on_cpu0 c = {};
	struct test_td *td;
	int other;

	ktd_require_emu(test);
	other = cpumask_next(0, cpu_online_mask);
	if (other >= nr_cpu_ids)
		kunit_skip(test, "needs a second CPU");
	td = ktd_td_new(test, 1, 1, 0, true);
	c.tdvpr_pa = ktd_pa(td->vcpu[0].tdvpr);

	KUNIT_EXPECT_EQ(test, work_on_cpu(0, enter_fn, &c),
			(long)(TDX_STATUS_SUCCESS | TDX_EXIT_REASON_HLT));
	KUNIT_EXPECT_EQ(test, (u64)work_on_cpu(other, enter_fn, &c), TDX_STATUS_VCPU_ASSOCIATED);
	c.flush = true;
	KUNIT_EXPECT_EQ(test, (u64)work_on_cpu(other, ktd_cpu0_fn, &c),
			TDX_STATUS_VCPU_NOT_ASSOCIATED);
	/* Teardown refuses while it is still bound. */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_vpflushdone(ktd_tdr(td)),
			TDX_STATUS_FLUSHVP_NOT_DONE);
	KUNIT_EXPECT_EQ(test, ktd_vp_flush(c.tdvpr_pa), TDX_STATUS_SUCCESS);
	/* Flushed, it may move. */
	KUNIT_EXPECT_EQ(test, work_on_cpu(other, enter_fn, &c),
			(long)(TDX_STATUS_SUCCESS | TDX_EXIT_REASON_HLT));
	c.flush = true;
	KUNIT_EXPECT_EQ(test, work_on_cpu(other, ktd_cpu0_fn, &c), (long)TDX_STATUS_SUCCESS);
	ktd_td_teardown(test, td);
}

static void teardown_order_test(struct kunit *test)
{
	struct test_td *td;
	u64 type, owner;

	ktd_require_emu(test);
	td = ktd_td_new(test, 2, 1, 0, true);

	/* Nothing can be reclaimed from a live TD, and its key stays. */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_phymem_page_reclaim(ktd_pa(td->mem[0]), &type, &owner),
			TDX_STATUS_LIFECYCLE_STATE_INCORRECT);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_phymem_page_reclaim(td->tdr_pa, &type, &owner),
			TDX_STATUS_LIFECYCLE_STATE_INCORRECT);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_key_freeid(ktd_tdr(td)),
			TDX_STATUS_LIFECYCLE_STATE_INCORRECT);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_key_config(ktd_tdr(td)),
			TDX_STATUS_LIFECYCLE_STATE_INCORRECT);
	/* Flushed but caches not written back: the key cannot be freed. */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_vpflushdone(ktd_tdr(td)), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_key_freeid(ktd_tdr(td)),
			TDX_STATUS_WBCACHE_NOT_COMPLETE);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_phymem_page_reclaim(ktd_pa(td->mem[0]), &type, &owner),
			TDX_STATUS_LIFECYCLE_STATE_INCORRECT);
	/* A blocked TD runs no leaf that needs its key. */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mem_track(ktd_tdr(td)),
			TDX_STATUS_TD_KEYS_NOT_CONFIGURED);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_phymem_cache_wb(true), TDX_STATUS_WBCACHE_RESUME_ERROR);
	ktd_cache_wb(test);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_phymem_cache_wb(false),
			TDX_STATUS_NO_HKID_READY_TO_WBCACHE);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_key_freeid(ktd_tdr(td)), TDX_STATUS_SUCCESS);
	/* The TDR goes last. */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_phymem_page_reclaim(td->tdr_pa, &type, &owner),
			TDX_STATUS_TD_ASSOCIATED_PAGES_EXIST);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_phymem_page_reclaim(ktd_pa(td->mem[0]), &type, &owner),
			TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, owner, td->tdr_pa);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_phymem_page_reclaim(ktd_pa(td->mem[0]), &type, &owner),
			TDX_STATUS_PAGE_METADATA_INCORRECT | TDX_OPID_RCX);
	__free_page(td->mem[0]);
	td->mem[0] = NULL;
	ktd_td_reclaim_all(test, td, true);
	KUNIT_EXPECT_EQ(test, tdx_emu_leaked_pages(), 0UL);
}

/* TD_PARAMS checks and the vCPU limit. */
static void td_params_test(struct kunit *test)
{
	static const struct {
		u64 attributes;
		u64 xfam;
		u16 max_vcpus;
		u64 status;
	} cases[] = {
		{ TDX_TD_ATTR_MIGRATABLE | TDX_TD_ATTR_DEBUG, EMU_XFAM_FIXED1, 1,
		  TDX_STATUS_OPERAND_INVALID | TDX_OPID_ATTRIBUTES },
		{ TDX_TD_ATTR_MIGRATABLE | TDX_TD_ATTR_PERFMON, EMU_XFAM_FIXED1, 1,
		  TDX_STATUS_OPERAND_INVALID | TDX_OPID_ATTRIBUTES },
		{ BIT_ULL(5), EMU_XFAM_FIXED1, 1,
		  TDX_STATUS_OPERAND_INVALID | TDX_OPID_ATTRIBUTES },
		{ TDX_TD_ATTR_DEBUG, 0, 1, TDX_STATUS_OPERAND_INVALID | TDX_OPID_XFAM },
		{ TDX_TD_ATTR_DEBUG, EMU_XFAM_FIXED1, 0,
		  TDX_STATUS_OPERAND_INVALID | TDX_OPID_MAX_VCPUS },
		{ TDX_TD_ATTR_DEBUG, EMU_XFAM_FIXED1, EMU_MAX_VCPUS + 1,
		  TDX_STATUS_OPERAND_INVALID | TDX_OPID_MAX_VCPUS },
		{ TDX_TD_ATTR_MIGRATABLE, EMU_XFAM_FIXED1, 1, TDX_STATUS_SUCCESS },
	};
	struct page *params_page;
	struct tdx_td_params *params;
	struct test_td *td;
	struct page *extra;
	u64 v, want;
	int i;

	ktd_require_emu(test);
	td = kunit_kzalloc(test, sizeof(*td), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, td);
	td->sept = kunit_kcalloc(test, 64, sizeof(*td->sept), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, td->sept);
	ktd_td_create(test, td, TDX_TD_ATTR_MIGRATABLE, 1);
	ktd_vcpu_create(test, td);
	/* A second vCPU is created, but VP.INIT counts it against MAX_VCPUS. */
	td->vcpu[1].tdvpr = ktd_test_page(test);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_vp_create(ktd_tdr(td), ktd_as_tdvpr(td->vcpu[1].tdvpr)),
			TDX_STATUS_SUCCESS);
	td->nr_vcpus = 2;
	for (i = 0; i < TEST_VP_TDCX; i++) {
		td->vcpu[1].tdcx[i] = ktd_test_page(test);
		KUNIT_EXPECT_EQ(test, tdx_mig_tdh_vp_addcx(ktd_as_tdvpr(td->vcpu[1].tdvpr),
							   ktd_pa(td->vcpu[1].tdcx[i])),
				TDX_STATUS_SUCCESS);
	}
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_vp_init(ktd_as_tdvpr(td->vcpu[1].tdvpr), 0),
			TDX_STATUS_MAX_VCPUS_EXCEEDED);
	extra = NULL;
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_rd(ktd_tdr(td), TDX_MD_TD_ATTRIBUTES, &v),
			TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, v, TDX_TD_ATTR_MIGRATABLE);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_rd(ktd_tdr(td), TDX_MD_TD_UUID, &v),
			TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_rd(ktd_tdr(td), TDX_MD_TD_MIG_ENC_KEY, &v),
			TDX_STATUS_METADATA_FIELD_ID_INCORRECT | TDX_OPID_RDX);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_rd(ktd_tdr(td), TDX_MD_TD_MIG_EPOCH, &v),
			TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mr_finalize(ktd_tdr(td)), TDX_STATUS_SUCCESS);
	ktd_td_teardown(test, td);

	params_page = ktd_test_page(test);
	params = page_address(params_page);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct test_td *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
		int j;

		KUNIT_ASSERT_NOT_NULL(test, t);
		t->tdr = extra;
		extra = NULL;
		if (!t->tdr)
			t->tdr = ktd_test_page(test);
		t->tdr_pa = ktd_pa(t->tdr);
		KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mng_create(ktd_tdr(t), EMU_PRIVATE_HKID_MIN + 31),
				TDX_STATUS_SUCCESS);
		KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mng_key_config(ktd_tdr(t)), TDX_STATUS_SUCCESS);
		for (j = 0; j < TEST_TDCX; j++) {
			t->tdcx[j] = ktd_test_page(test);
			KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mng_addcx(ktd_tdr(t), ktd_pa(t->tdcx[j])),
					TDX_STATUS_SUCCESS);
		}
		params->attributes = cpu_to_le64(cases[i].attributes);
		params->xfam = cpu_to_le64(cases[i].xfam);
		params->max_vcpus = cpu_to_le16(cases[i].max_vcpus);
		KUNIT_EXPECT_EQ_MSG(test, tdx_mig_tdh_mng_init(ktd_tdr(t), ktd_pa(params_page)),
				    cases[i].status, "case %d", i);
		/* TD_PARAMS must be 1024-byte aligned and shared. */
		want = TDX_STATUS_OP_STATE_INCORRECT;
		if (cases[i].status)
			want = TDX_STATUS_OPERAND_INVALID | TDX_OPID_RDX;
		KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_init(ktd_tdr(t), ktd_pa(params_page) + 512),
				want);
		ktd_td_teardown(test, t);
	}
	/* Fields the model does not use must be zero, not ignored. */
	{
		struct test_td *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
		int j;

		KUNIT_ASSERT_NOT_NULL(test, t);
		t->tdr = ktd_test_page(test);
		t->tdr_pa = ktd_pa(t->tdr);
		KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mng_create(ktd_tdr(t), EMU_PRIVATE_HKID_MIN + 31),
				TDX_STATUS_SUCCESS);
		KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mng_key_config(ktd_tdr(t)), TDX_STATUS_SUCCESS);
		for (j = 0; j < TEST_TDCX; j++) {
			t->tdcx[j] = ktd_test_page(test);
			KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mng_addcx(ktd_tdr(t), ktd_pa(t->tdcx[j])),
					TDX_STATUS_SUCCESS);
		}
		params->attributes = cpu_to_le64(TDX_TD_ATTR_MIGRATABLE);
		params->xfam = cpu_to_le64(EMU_XFAM_FIXED1);
		params->max_vcpus = cpu_to_le16(1);
		params->reserved[0] = 1;	/* NUM_L2_VMS */
		KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_init(ktd_tdr(t), ktd_pa(params_page)),
				TDX_STATUS_OPERAND_INVALID | TDX_OPID_RDX);
		ktd_td_teardown(test, t);
	}
	__free_page(params_page);
}

/* The interrupt policy: where leaves see it, and that it is repeatable. */
static void intr_policy_test(struct kunit *test)
{
	struct tdx_emu_guest_op ops[8];
	struct test_td *td;
	u64 ret;
	int i, resumes;

	ktd_require_emu(test);
	td = ktd_td_new(test, 1, 1, 0, true);

	/* Every poll pending: each guest step still makes progress. */
	ktd_set_intr_policy(test, TDX_EMU_INTR_EVERY, 1, 0);
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		ops[i] = (struct tdx_emu_guest_op){ TDX_EMU_GUEST_WRITE, 8 * i, i };
	KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(ktd_pa(td->vcpu[0].tdvpr), ops, 8), 0);
	KUNIT_EXPECT_EQ(test, ktd_run_to_halt(test, ktd_pa(td->vcpu[0].tdvpr)), 8);

	/* CACHE.WB polls between its 4 chunks, never after the last. */
	for (i = 0; i < td->nr_vcpus; i++)
		KUNIT_EXPECT_EQ(test, ktd_vp_flush(ktd_pa(td->vcpu[i].tdvpr)), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_vpflushdone(ktd_tdr(td)), TDX_STATUS_SUCCESS);
	ret = tdx_mig_tdh_phymem_cache_wb(false);
	for (resumes = 0; ret == TDX_STATUS_INTERRUPTED_RESUMABLE && resumes < 16; resumes++)
		ret = tdx_mig_tdh_phymem_cache_wb(true);
	KUNIT_EXPECT_EQ(test, ret, TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, resumes, 3);

	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_key_freeid(ktd_tdr(td)), TDX_STATUS_SUCCESS);
	ktd_td_reclaim_all(test, td, true);
	tdx_emu_set_intr_policy(TDX_EMU_INTR_NEVER, 0, 0);
}

/* The pseudo-random policy: the same seed gives the same interrupts. */
static void intr_seed_test(struct kunit *test)
{
	const unsigned int nops = 32;
	struct tdx_emu_guest_op *ops;
	unsigned long count[2];
	struct test_td *td;
	int entries[2], i, run;

	ktd_require_emu(test);
	ops = kunit_kcalloc(test, nops, sizeof(*ops), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ops);
	td = ktd_td_new(test, 1, 1, 0, true);
	for (i = 0; i < nops; i++)
		ops[i] = (struct tdx_emu_guest_op){ TDX_EMU_GUEST_WRITE, 8 * i, i };
	for (run = 0; run < 2; run++) {
		ktd_set_intr_policy(test, TDX_EMU_INTR_RANDOM, 3, 42);
		KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(ktd_pa(td->vcpu[0].tdvpr), ops,
							    nops), 0);
		entries[run] = ktd_run_to_halt(test, ktd_pa(td->vcpu[0].tdvpr));
		count[run] = tdx_emu_intr_count();
	}
	tdx_emu_set_intr_policy(TDX_EMU_INTR_NEVER, 0, 0);
	/* 31 polls at 1/3 each: some interrupts, and one entry more per each. */
	KUNIT_EXPECT_GT(test, count[0], 0UL);
	KUNIT_EXPECT_EQ(test, count[1], count[0]);
	KUNIT_EXPECT_EQ(test, entries[1], entries[0]);
	KUNIT_EXPECT_EQ(test, (unsigned long)entries[0], count[0] + 1);
	for (i = 0; i < nops; i++)
		KUNIT_EXPECT_EQ(test, ktd_read_private_u64(test, td, 8 * i), (u64)i);
	ktd_td_teardown(test, td);
}

/* What unload reports: a page never reclaimed is counted until it is. */
static void leak_check_test(struct kunit *test)
{
	struct test_td *td;
	struct page *kept;

	ktd_require_emu(test);
	KUNIT_ASSERT_EQ(test, tdx_emu_leaked_pages(), 0UL);
	td = ktd_td_new(test, 2, 1, 0, true);
	KUNIT_EXPECT_GT(test, tdx_emu_leaked_pages(), 0UL);
	ktd_td_release_key(test, td);
	/* Reclaim all but page 1 and the TDR, which cannot go before it. */
	kept = td->mem[1];
	td->mem[1] = NULL;
	ktd_td_reclaim_all(test, td, false);
	KUNIT_EXPECT_EQ(test, tdx_emu_leaked_pages(), 2UL);
	td->mem[1] = kept;
	ktd_td_reclaim_all(test, td, true);
	KUNIT_EXPECT_EQ(test, tdx_emu_leaked_pages(), 0UL);
}

static struct kunit_case emu_cases[] = {
	KUNIT_CASE_SLOW(build_run_teardown_64m_test),
	KUNIT_CASE(op_state_table_test),
	KUNIT_CASE(pamt_misuse_test),
	KUNIT_CASE(hkid_test),
	KUNIT_CASE(busy_two_threads_test),
	KUNIT_CASE_PARAM(sept_transition_test, sept_case_gen_params),
	KUNIT_CASE(sept_walk_test),
	KUNIT_CASE(guest_fault_test),
	KUNIT_CASE(vcpu_association_test),
	KUNIT_CASE(teardown_order_test),
	KUNIT_CASE(reclaim_resets_page_test),
	KUNIT_CASE(td_params_test),
	KUNIT_CASE(intr_policy_test),
	KUNIT_CASE(intr_seed_test),
	KUNIT_CASE(leak_check_test),
	{}
};

static struct kunit_suite emu_suite = {
	.name = "tdx_mig_emu",
	.test_cases = emu_cases,
};

kunit_test_suite(emu_suite);
