// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit helpers for the emulated TDX Module's suites: build a TD in the
 * order the TDX Module requires, run its vCPUs, tear it down. Test code.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "test_td.h"

u64 ktd_pa(struct page *p)
{
	return page_to_phys(p);
}

struct page *ktd_test_page(struct kunit *test)
{
	struct page *p = alloc_page(GFP_KERNEL | __GFP_ZERO);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

void ktd_require_emu(struct kunit *test)
{
	if (strcmp(tdx_mig_backend_name(), "emu"))
		kunit_skip(test, "backend is %s, not the emulated TDX Module",
			   tdx_mig_backend_name());
}

/* Create a TD up to MNG.INIT, taking the first free HKID. */
void ktd_td_create(struct kunit *test, struct test_td *td, u64 attributes, u16 max_vcpus)
{
	struct tdx_td_params *params;
	struct page *params_page;
	u64 ret = TDX_STATUS_HKID_NOT_FREE;
	int i, hkid;

	td->tdr = ktd_test_page(test);
	td->tdr_pa = ktd_pa(td->tdr);
	for (hkid = EMU_PRIVATE_HKID_MIN; hkid < EMU_PRIVATE_HKID_MIN + EMU_NUM_PRIVATE_HKIDS;
	     hkid++) {
		ret = tdx_mig_tdh_mng_create(ktd_tdr(td), hkid);
		if (tdx_status_code(ret) != TDX_STATUS_HKID_NOT_FREE)
			break;
	}
	KUNIT_ASSERT_EQ(test, ret, TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mng_key_config(ktd_tdr(td)), TDX_STATUS_SUCCESS);
	for (i = 0; i < TEST_TDCX; i++) {
		td->tdcx[i] = ktd_test_page(test);
		KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mng_addcx(ktd_tdr(td), ktd_pa(td->tdcx[i])),
				TDX_STATUS_SUCCESS);
	}
	params_page = ktd_test_page(test);
	params = page_address(params_page);
	params->attributes = cpu_to_le64(attributes);
	params->xfam = cpu_to_le64(EMU_XFAM_FIXED1);
	params->max_vcpus = cpu_to_le16(max_vcpus);
	ret = tdx_mig_tdh_mng_init(ktd_tdr(td), ktd_pa(params_page));
	__free_page(params_page);
	KUNIT_ASSERT_EQ(test, ret, TDX_STATUS_SUCCESS);
}

void ktd_vcpu_create(struct kunit *test, struct test_td *td)
{
	struct test_vcpu *v = &td->vcpu[td->nr_vcpus];
	int i;

	v->tdvpr = ktd_test_page(test);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_vp_create(ktd_tdr(td), ktd_as_tdvpr(v->tdvpr)),
			TDX_STATUS_SUCCESS);
	td->nr_vcpus++;
	for (i = 0; i < TEST_VP_TDCX; i++) {
		v->tdcx[i] = ktd_test_page(test);
		KUNIT_ASSERT_EQ(test,
				tdx_mig_tdh_vp_addcx(ktd_as_tdvpr(v->tdvpr), ktd_pa(v->tdcx[i])),
				TDX_STATUS_SUCCESS);
	}
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_vp_init(ktd_as_tdvpr(v->tdvpr), 0x1234 + td->nr_vcpus),
			TDX_STATUS_SUCCESS);
}

static void sept_add(struct kunit *test, struct test_td *td, u64 gpa, int level)
{
	struct page *p = ktd_test_page(test);
	u64 entry, err_level;

	KUNIT_ASSERT_LT(test, td->nr_sept, 64U);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mem_sept_add(ktd_tdr(td), gpa, level, ktd_pa(p),
						       &entry, &err_level),
			TDX_STATUS_SUCCESS);
	td->sept[td->nr_sept++] = p;
}

/* The content PAGE.ADD puts in page @gfn. */
u64 ktd_add_pattern(u64 gfn)
{
	return 0xadd0000000000000ULL | gfn;
}

/*
 * A TD with @npages of private memory at GPA 0 and @nr_vcpus vCPUs: every
 * page is PAGE.ADDed with ktd_add_pattern(), except every @pending_every-th,
 * which is AUGed and left PENDING. Finalized unless @finalize is false.
 */
void ktd_td_build(struct kunit *test, struct test_td *td, unsigned int npages,
		  int nr_vcpus, unsigned int pending_every, bool finalize)
{
	struct page *src = ktd_test_page(test);
	u64 *src_q = page_address(src);
	u64 page;
	unsigned int gfn, i;

	memset(td, 0, sizeof(*td));
	td->sept = kunit_kcalloc(test, 64, sizeof(*td->sept), GFP_KERNEL);
	td->mem = kunit_kcalloc(test, npages, sizeof(*td->mem), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, td->sept);
	KUNIT_ASSERT_NOT_NULL(test, td->mem);
	ktd_td_create(test, td, TDX_TD_ATTR_MIGRATABLE | TDX_TD_ATTR_SEPT_VE_DISABLE,
		      TEST_MAX_VCPUS);
	while (td->nr_vcpus < nr_vcpus)
		ktd_vcpu_create(test, td);

	sept_add(test, td, 0, 3);
	for (gfn = 0; gfn < npages; gfn++) {
		u64 gpa = (u64)gfn << PAGE_SHIFT;

		if (!(gpa & (SZ_1G - 1)))
			sept_add(test, td, gpa, 2);
		if (!(gpa & (SZ_2M - 1)))
			sept_add(test, td, gpa, 1);
		td->mem[gfn] = ktd_test_page(test);
		page = ktd_pa(td->mem[gfn]);
		if (pending_every && gfn % pending_every == pending_every - 1) {
			KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mem_page_aug(ktd_tdr(td), gpa, page),
					TDX_STATUS_SUCCESS);
		} else {
			for (i = 0; i < PAGE_SIZE / sizeof(u64); i++)
				src_q[i] = ktd_add_pattern(gfn);
			KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mem_page_add(ktd_tdr(td), gpa, page,
								       ktd_pa(src)),
					TDX_STATUS_SUCCESS);
		}
	}
	td->nr_mem = npages;
	__free_page(src);
	if (finalize)
		KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mr_finalize(ktd_tdr(td)), TDX_STATUS_SUCCESS);
}

/* A ktd_td_build() TD allocated for the test. */
struct test_td *ktd_td_new(struct kunit *test, unsigned int npages, int nr_vcpus,
			   unsigned int pending_every, bool finalize)
{
	struct test_td *td = kunit_kzalloc(test, sizeof(*td), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, td);
	ktd_td_build(test, td, npages, nr_vcpus, pending_every, finalize);
	return td;
}

long ktd_cpu0_fn(void *arg)
{
	struct on_cpu0 *c = arg;

	if (c->flush)
		return tdx_mig_tdh_vp_flush(tdx_mig_tdvpr(c->tdvpr_pa));
	if (c->vp_wr)
		return tdx_mig_tdh_vp_wr(tdx_mig_tdvpr(c->tdvpr_pa), c->field, c->value, c->mask);
	return tdx_mig_tdh_vp_enter(tdx_mig_tdvpr(c->tdvpr_pa), &c->exit_qual, &c->gpa);
}

u64 ktd_vp_enter(u64 tdvpr_pa, u64 *exit_qual, u64 *gpa)
{
	struct on_cpu0 c = { .tdvpr_pa = tdvpr_pa };
	u64 ret = work_on_cpu(0, ktd_cpu0_fn, &c);

	*exit_qual = c.exit_qual;
	*gpa = c.gpa;
	return ret;
}

u64 ktd_vp_wr(u64 tdvpr_pa, u64 field, u64 value, u64 mask)
{
	struct on_cpu0 c = { .tdvpr_pa = tdvpr_pa, .vp_wr = true, .field = field,
			     .value = value, .mask = mask };

	return work_on_cpu(0, ktd_cpu0_fn, &c);
}

u64 ktd_vp_flush(u64 tdvpr_pa)
{
	struct on_cpu0 c = { .tdvpr_pa = tdvpr_pa, .flush = true };

	return work_on_cpu(0, ktd_cpu0_fn, &c);
}

void ktd_reclaim(struct kunit *test, struct page **p, u64 want_type)
{
	u64 type, owner;

	if (!*p)
		return;
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_phymem_page_reclaim(ktd_pa(*p), &type, &owner),
			TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, type, want_type);
	__free_page(*p);
	*p = NULL;
}

void ktd_cache_wb(struct kunit *test)
{
	u64 ret = tdx_mig_tdh_phymem_cache_wb(false);
	int tries = 0;

	while (ret == TDX_STATUS_INTERRUPTED_RESUMABLE && tries++ < 64)
		ret = tdx_mig_tdh_phymem_cache_wb(true);
	KUNIT_EXPECT_TRUE(test, ret == TDX_STATUS_SUCCESS ||
			  ret == TDX_STATUS_NO_HKID_READY_TO_WBCACHE);
}

/* Teardown, part 1: flush the vCPUs, write back caches, free the key. */
void ktd_td_release_key(struct kunit *test, struct test_td *td)
{
	unsigned int i;

	/* A vCPU that never ran, or was flushed, is "not associated". */
	for (i = 0; i < td->nr_vcpus; i++) {
		u64 ret = ktd_vp_flush(ktd_pa(td->vcpu[i].tdvpr));

		KUNIT_EXPECT_TRUE_MSG(test, ret == TDX_STATUS_SUCCESS ||
				      ret == TDX_STATUS_VCPU_NOT_ASSOCIATED, "VP.FLUSH %#llx", ret);
	}
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_vpflushdone(ktd_tdr(td)), TDX_STATUS_SUCCESS);
	ktd_cache_wb(test);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_key_freeid(ktd_tdr(td)), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_key_reclaimid(ktd_tdr(td)), TDX_STATUS_SUCCESS);
}

/* Teardown, part 2: reclaim every page still given, the TDR last. */
void ktd_td_reclaim_all(struct kunit *test, struct test_td *td, bool tdr)
{
	unsigned int i, j;

	for (i = 0; i < td->nr_mem; i++)
		ktd_reclaim(test, &td->mem[i], EMU_PT_REG);
	for (i = 0; i < td->nr_sept; i++)
		ktd_reclaim(test, &td->sept[i], EMU_PT_EPT);
	for (i = 0; i < td->nr_vcpus; i++) {
		for (j = 0; j < TEST_VP_TDCX; j++)
			ktd_reclaim(test, &td->vcpu[i].tdcx[j], EMU_PT_TDCX);
		ktd_reclaim(test, &td->vcpu[i].tdvpr, EMU_PT_TDVPR);
	}
	for (i = 0; i < TEST_TDCX; i++)
		ktd_reclaim(test, &td->tdcx[i], EMU_PT_TDCX);
	if (tdr)
		ktd_reclaim(test, &td->tdr, EMU_PT_TDR);
}

/* The whole teardown, in the order the TDX Module requires. */
void ktd_td_teardown(struct kunit *test, struct test_td *td)
{
	ktd_td_release_key(test, td);
	ktd_td_reclaim_all(test, td, true);
}

static void intr_policy_reset(void *unused)
{
	tdx_emu_set_intr_policy(TDX_EMU_INTR_NEVER, 0, 0);
}

/* Set the interrupt policy for this test; it is reset even if the test fails. */
void ktd_set_intr_policy(struct kunit *test, enum tdx_emu_intr_mode mode, u32 k, u64 seed)
{
	tdx_emu_set_intr_policy(mode, k, seed);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, intr_policy_reset, NULL), 0);
}

/* What a host does to take a page from a TD that may run: block, track, remove. */
void ktd_remove_page(struct kunit *test, struct test_td *td, u64 gpa)
{
	u64 ret = tdx_mig_tdh_mem_range_block(ktd_tdr(td), gpa);

	KUNIT_ASSERT_TRUE(test, ret == TDX_STATUS_SUCCESS ||
			  ret == TDX_STATUS_GPA_RANGE_ALREADY_BLOCKED);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mem_track(ktd_tdr(td)), TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mem_page_remove(ktd_tdr(td), gpa), TDX_STATUS_SUCCESS);
}

u64 ktd_read_private_u64(struct kunit *test, struct test_td *td, u64 gpa)
{
	u64 v = 0;

	KUNIT_EXPECT_EQ(test, tdx_emu_read_private(td->tdr_pa, gpa, &v, sizeof(v)), 0);
	return v;
}

/* Run a vCPU's guest program to its end; returns the number of entries. */
int ktd_run_to_halt(struct kunit *test, u64 tdvpr_pa)
{
	u64 ret, qual, gpa;
	int entries = 0;

	do {
		ret = ktd_vp_enter(tdvpr_pa, &qual, &gpa);
		entries++;
	} while (ret == (TDX_STATUS_SUCCESS | TDX_EXIT_REASON_EXTERNAL_INTERRUPT) &&
		 entries < 100000);
	KUNIT_EXPECT_EQ(test, ret, TDX_STATUS_SUCCESS | TDX_EXIT_REASON_HLT);
	return entries;
}

