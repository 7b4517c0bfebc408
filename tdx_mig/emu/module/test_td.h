/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit helpers that build, run and tear down emulated TDs through the
 * typed SEAMCALL wrappers, for the emulator's suites. Test code only.
 */
#ifndef TDX_MIG_EMU_TEST_TD_H
#define TDX_MIG_EMU_TEST_TD_H

#include <kunit/test.h>

#include "emu.h"

#define TEST_TDCX	EMU_TDCS_PAGES
#define TEST_VP_TDCX	(EMU_TDVPS_PAGES - 1)
#define TEST_MAX_VCPUS	4
#define INVALID_RAX	(TDX_STATUS_OPERAND_INVALID | TDX_OPID_RAX)

struct test_vcpu {
	struct page *tdvpr;
	struct page *tdcx[TEST_VP_TDCX];
};

struct test_td {
	struct page *tdr;
	struct page *tdcx[TEST_TDCX];
	struct test_vcpu vcpu[TEST_MAX_VCPUS];
	int nr_vcpus;
	/* SEPT pages at levels 2, 1 and 0 (the root is in the TDCS) */
	struct page **sept;
	unsigned int nr_sept;
	/* private pages, indexed by GFN; NULL once removed */
	struct page **mem;
	unsigned int nr_mem;
	u64 tdr_pa;
};

/* vCPUs are entered and flushed on CPU 0 only, as KVM would pin them. */
struct on_cpu0 {
	u64 tdvpr_pa;
	u64 exit_qual;
	u64 gpa;
	bool flush;
	bool vp_wr;	/* TDH.VP.WR of @field with @value and @mask */
	u64 field;
	u64 value;
	u64 mask;
};

u64 ktd_pa(struct page *p);

/* The handles the SEAMCALL wrappers take: a test TD's TDR, or a page as one. */
static inline struct tdx_mig_tdr ktd_tdr(const struct test_td *td)
{
	return tdx_mig_tdr(td->tdr_pa);
}

static inline struct tdx_mig_tdr ktd_as_tdr(struct page *p)
{
	return tdx_mig_tdr(ktd_pa(p));
}

static inline struct tdx_mig_tdvpr ktd_as_tdvpr(struct page *p)
{
	return tdx_mig_tdvpr(ktd_pa(p));
}

struct page *ktd_test_page(struct kunit *test);
void ktd_require_emu(struct kunit *test);
void ktd_td_create(struct kunit *test, struct test_td *td, u64 attributes, u16 max_vcpus);
void ktd_vcpu_create(struct kunit *test, struct test_td *td);
u64 ktd_add_pattern(u64 gfn);
void ktd_td_build(struct kunit *test, struct test_td *td, unsigned int npages, int nr_vcpus,
		  unsigned int pending_every, bool finalize);
struct test_td *ktd_td_new(struct kunit *test, unsigned int npages, int nr_vcpus,
			   unsigned int pending_every, bool finalize);
long ktd_cpu0_fn(void *arg);
u64 ktd_vp_enter(u64 tdvpr_pa, u64 *exit_qual, u64 *gpa);
u64 ktd_vp_flush(u64 tdvpr_pa);
u64 ktd_vp_wr(u64 tdvpr_pa, u64 field, u64 value, u64 mask);
void ktd_reclaim(struct kunit *test, struct page **p, u64 want_type);
void ktd_cache_wb(struct kunit *test);
void ktd_td_release_key(struct kunit *test, struct test_td *td);
void ktd_td_reclaim_all(struct kunit *test, struct test_td *td, bool tdr);
void ktd_td_teardown(struct kunit *test, struct test_td *td);
void ktd_remove_page(struct kunit *test, struct test_td *td, u64 gpa);
void ktd_set_intr_policy(struct kunit *test, enum tdx_emu_intr_mode mode, u32 k, u64 seed);
u64 ktd_read_private_u64(struct kunit *test, struct test_td *td, u64 gpa);
int ktd_run_to_halt(struct kunit *test, u64 tdvpr_pa);

#endif /* TDX_MIG_EMU_TEST_TD_H */
