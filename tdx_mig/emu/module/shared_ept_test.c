// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: TDH.VP.WR of SHARED_EPT_POINTER and the guest's walk of the host's
 * shared EPT (vcpu.c). The test plays KVM: it builds a 4-level table in
 * its own pages and loads its root the way tdx_load_mmu_pgd() does.
 */
#include <kunit/test.h>
#include <linux/sizes.h>
#include <linux/workqueue.h>
#include <asm/vmx.h>

#include "test_td.h"

#define SHARED_GPA	(BIT_ULL(47) | SZ_1G)
#define EPT_RX		(VMX_EPT_READABLE_MASK | VMX_EPT_EXECUTABLE_MASK)
#define EPT_RWX		(EPT_RX | VMX_EPT_WRITABLE_MASK)

struct vp_wr {
	struct tdx_mig_args a;
	u64 status;
};

static long vp_wr_fn(void *arg)
{
	struct vp_wr *w = arg;

	w->status = tdx_mig_seamcall(SEAMCALL_TDH_VP_WR, &w->a);
	return 0;
}

/* TDH.VP.WR on @cpu: the status; *@old gets R8 (the old value, or 0). */
static u64 vp_wr(int cpu, u64 tdvpr, u64 field, u64 value, u64 mask, u64 *old)
{
	struct vp_wr w = { .a = { .rcx = tdvpr, .rdx = field, .r8 = value, .r9 = mask } };

	work_on_cpu(cpu, vp_wr_fn, &w);
	*old = w.a.r8;
	return w.status;
}

static void vp_wr_test(struct kunit *test)
{
	struct page *root = ktd_test_page(test);
	u64 tdvpr, old, root_pa = ktd_pa(root);
	struct test_td *td;
	int other;

	ktd_require_emu(test);
	td = ktd_td_new(test, 4, 1, 0, true);
	tdvpr = ktd_pa(td->vcpu[0].tdvpr);

	/* Only the field KVM writes is modelled; R8 is 0 on failure. */
	KUNIT_EXPECT_EQ(test, vp_wr(0, tdvpr, 0x201A, root_pa, ~0ULL, &old),
			TDX_STATUS_METADATA_FIELD_ID_INCORRECT);
	KUNIT_EXPECT_EQ(test, old, 0ULL);
	/* Bits 51:12 are the host's; the rest of the value is ignored. */
	KUNIT_EXPECT_EQ(test, vp_wr(0, tdvpr, TDX_MD_VP_SHARED_EPTP, root_pa | 0x5e, ~0ULL, &old),
			TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, old, 0ULL);
	/* A zero mask writes nothing and reads the field. */
	KUNIT_EXPECT_EQ(test, vp_wr(0, tdvpr, TDX_MD_VP_SHARED_EPTP, 0, 0, &old),
			TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, old, root_pa);
	/* A root under a private key ID is not shared memory. */
	KUNIT_EXPECT_EQ(test, vp_wr(0, tdvpr, TDX_MD_VP_SHARED_EPTP,
				    root_pa | ((u64)EMU_PRIVATE_HKID_MIN << EMU_HKID_SHIFT), ~0ULL,
				    &old),
			TDX_STATUS_METADATA_FIELD_VALUE_NOT_VALID);
	KUNIT_EXPECT_EQ(test, old, 0ULL);
	/* Like VP.ENTER, the write binds the vCPU to its CPU. */
	other = cpumask_next(0, cpu_online_mask);
	if (other < nr_cpu_ids)
		KUNIT_EXPECT_EQ(test, vp_wr(other, tdvpr, TDX_MD_VP_SHARED_EPTP, root_pa, ~0ULL,
					    &old), TDX_STATUS_VCPU_ASSOCIATED);
	/* Not while the TD is paused for export (the module's OP_STATE table). */
	KUNIT_ASSERT_EQ(test, tdx_emu_force_op_state(td->tdr_pa, TDX_OP_STATE_PAUSED_EXPORT), 0);
	KUNIT_EXPECT_EQ(test, vp_wr(0, tdvpr, TDX_MD_VP_SHARED_EPTP, root_pa, ~0ULL, &old),
			TDX_STATUS_OP_STATE_INCORRECT);
	KUNIT_ASSERT_EQ(test, tdx_emu_force_op_state(td->tdr_pa, TDX_OP_STATE_RUNNABLE), 0);
	KUNIT_EXPECT_EQ(test, ktd_vp_flush(tdvpr), TDX_STATUS_SUCCESS);
	ktd_td_teardown(test, td);
	__free_page(root);
}

/* A 4-level table mapping SHARED_GPA to @data with @leaf's permissions. */
static void build_ept(struct page **t, u64 leaf_pa, u64 perms)
{
	int level;

	for (level = 3; level > 0; level--)
		((u64 *)page_address(t[level]))[(SHARED_GPA >> (12 + 9 * level)) & 511] =
			ktd_pa(t[level - 1]) | EPT_RWX;
	((u64 *)page_address(t[0]))[0] = leaf_pa | perms;
}

/* One guest step on the vCPU; its exit status, qualification and GPA. */
static u64 guest_step(struct kunit *test, u64 tdvpr, struct tdx_emu_guest_op op, u64 *qual,
		      u64 *gpa, u64 *value)
{
	struct tdx_emu_guest_op res;
	bool done;
	u64 ret;

	KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(tdvpr, &op, 1), 0);
	ret = ktd_vp_enter(tdvpr, qual, gpa);
	KUNIT_EXPECT_EQ(test, tdx_emu_guest_result(tdvpr, 0, &res, &done), 0);
	*value = res.value;
	return ret;
}

static void shared_walk_test(struct kunit *test)
{
	const u64 hlt = TDX_STATUS_SUCCESS | TDX_EXIT_REASON_HLT;
	const u64 ept = TDX_STATUS_SUCCESS | TDX_EXIT_REASON_EPT_VIOLATION;
	struct page *t[4], *data = ktd_test_page(test);
	u64 tdvpr, qual, gpa, value, old, *d = page_address(data);
	struct test_td *td;
	int i;

	ktd_require_emu(test);
	for (i = 0; i < 4; i++)
		t[i] = ktd_test_page(test);
	td = ktd_td_new(test, 4, 1, 0, true);
	tdvpr = ktd_pa(td->vcpu[0].tdvpr);
	d[3] = 0xabcdef;

	/* No shared EPT loaded yet: every shared access is the host's fault. */
	KUNIT_EXPECT_EQ(test, guest_step(test, tdvpr, (struct tdx_emu_guest_op){
			TDX_EMU_GUEST_READ, SHARED_GPA + 24, 0 }, &qual, &gpa, &value), ept);
	KUNIT_EXPECT_EQ(test, gpa, SHARED_GPA + 24);

	build_ept(t, ktd_pa(data), EPT_RX);
	KUNIT_ASSERT_EQ(test, vp_wr(0, tdvpr, TDX_MD_VP_SHARED_EPTP, ktd_pa(t[3]), ~0ULL, &old),
			TDX_STATUS_SUCCESS);
	/* Readable: the guest reads the host's page as it is (no key). */
	KUNIT_EXPECT_EQ(test, guest_step(test, tdvpr, (struct tdx_emu_guest_op){
			TDX_EMU_GUEST_READ, SHARED_GPA + 24, 0 }, &qual, &gpa, &value), hlt);
	KUNIT_EXPECT_EQ(test, value, 0xabcdefULL);
	/* Write-protected: a write exits with the write qualification. */
	KUNIT_EXPECT_EQ(test, guest_step(test, tdvpr, (struct tdx_emu_guest_op){
			TDX_EMU_GUEST_WRITE, SHARED_GPA + 24, 7 }, &qual, &gpa, &value), ept);
	KUNIT_EXPECT_EQ(test, qual, TDX_EXIT_QUAL_WRITE);
	KUNIT_EXPECT_EQ(test, gpa, SHARED_GPA + 24);
	KUNIT_EXPECT_EQ(test, d[3], 0xabcdefULL);
	/* The host makes it writable; the retried write lands. */
	build_ept(t, ktd_pa(data), EPT_RWX);
	KUNIT_EXPECT_EQ(test, ktd_vp_enter(tdvpr, &qual, &gpa), hlt);
	KUNIT_EXPECT_EQ(test, d[3], 7ULL);
	/* A GPA the table does not map, and ACCEPT of a shared GPA. */
	KUNIT_EXPECT_EQ(test, guest_step(test, tdvpr, (struct tdx_emu_guest_op){
			TDX_EMU_GUEST_READ, SHARED_GPA + PAGE_SIZE, 0 }, &qual, &gpa, &value), ept);
	KUNIT_EXPECT_EQ(test, qual, TDX_EXIT_QUAL_READ);
	KUNIT_EXPECT_EQ(test, guest_step(test, tdvpr, (struct tdx_emu_guest_op){
			TDX_EMU_GUEST_ACCEPT, SHARED_GPA, 0 }, &qual, &gpa, &value), hlt);
	/* A leaf naming the TD's own private page: the CPU cannot use it. */
	build_ept(t, ktd_pa(td->mem[0]), EPT_RWX);
	KUNIT_EXPECT_EQ(test, guest_step(test, tdvpr, (struct tdx_emu_guest_op){
			TDX_EMU_GUEST_READ, SHARED_GPA, 0 }, &qual, &gpa, &value), ept);
	/* A 2 MiB leaf (bit 7) is not modelled: no mapping. */
	build_ept(t, ktd_pa(data), EPT_RWX);
	((u64 *)page_address(t[1]))[0] |= _PAGE_PSE;
	KUNIT_EXPECT_EQ(test, guest_step(test, tdvpr, (struct tdx_emu_guest_op){
			TDX_EMU_GUEST_READ, SHARED_GPA, 0 }, &qual, &gpa, &value), ept);

	KUNIT_EXPECT_EQ(test, ktd_vp_flush(tdvpr), TDX_STATUS_SUCCESS);
	ktd_td_teardown(test, td);
	for (i = 0; i < 4; i++)
		__free_page(t[i]);
	__free_page(data);
}

static struct kunit_case shared_ept_cases[] = {
	KUNIT_CASE(vp_wr_test),
	KUNIT_CASE(shared_walk_test),
	{}
};

static struct kunit_suite shared_ept_suite = {
	.name = "tdx_mig_emu_shared_ept",
	.test_cases = shared_ept_cases,
};

kunit_test_suite(shared_ept_suite);
