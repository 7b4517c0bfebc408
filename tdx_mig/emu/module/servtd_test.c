// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: service TDs in the emulated TDX Module. TDH.SERVTD.BIND and
 * PREBIND with their exact statuses, SERVTD_HASH, and a MigTD's
 * TDG.SERVTD.RD/WR run as guest steps, including the CROSS_TD_TRAP exits
 * and the BUSY status a service TD gets back instead.
 *
 * Expected hashes are known answers computed outside the kernel with an
 * independent SHA-384 (Python's hashlib) over the layouts of §5, for TDs
 * built by ktd_td_build(): ATTRIBUTES = MIGRATABLE | SEPT_VE_DISABLE,
 * XFAM = EMU_XFAM_FIXED1 (3), SERVTD_HASH and measurements all zero.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "test_td.h"

#define TD_ATTRS	(TDX_TD_ATTR_MIGRATABLE | TDX_TD_ATTR_SEPT_VE_DISABLE)
/* IGNORE_TDINFO: attributes, xfam and servtd_hash (SERVTD_ATTR 32, 33, 42). */
#define ATTR_IGNORE	(BIT_ULL(32) | BIT_ULL(33) | BIT_ULL(42))
#define HASH_QWORDS	(TDX_SERVTD_INFO_HASH_LEN / 8)
#define FIELD_NA	(~0ULL)
#define XFAM_FIELD	0x1110000300000001ULL

static const u64 zero_hash[HASH_QWORDS];

/* SHA-384 of the TDINFO_STRUCT of a ktd_td_build() TD. */
static const u64 kat_info_hash[HASH_QWORDS] = {
	0x9fdc901a4eced8e8, 0xd038a34b94476c5e, 0x5fdf800aef84deeb,
	0x550312d855138faf, 0xb69a6e17bc0fa196, 0x6f51140c2061c726,
};

/* SHA-384 of an all-zero TDINFO_STRUCT: what ATTR_IGNORE leaves. */
static const u64 kat_zero_info_hash[HASH_QWORDS] = {
	0x3bef38c2389a3dd8, 0xa88732eabb07c27b, 0x8d0a4831e7377bb3,
	0x5e6c0853692a0d24, 0x3aec2fc7e47edfcb, 0xfeb4f9f4874a9d3e,
};

/* SERVTD_HASH: {kat_info_hash, type 0, attr 0} */
static const u64 kat_servtd_hash[HASH_QWORDS] = {
	0x0c0bdf48d89abd30, 0xc9a259b5cd81e16a, 0x5dc2dacaa4436e13,
	0x66a476cf8dfa5650, 0x7be7c6a97e474fef, 0x797c1860f4f57b9b,
};

/* SERVTD_HASH: {kat_zero_info_hash, type 0, ATTR_IGNORE} */
static const u64 kat_servtd_hash_ignore[HASH_QWORDS] = {
	0x6ff5e94ac5c79fa1, 0xd34220329600bbf8, 0xfd91e0f3f4f48efb,
	0xddeb1d9485ff2e85, 0x622b2fab4c90c7e2, 0x849ddd833352edaf,
};

/* SERVTD_HASH: {48 zero bytes, type 0, attr 0} */
static const u64 kat_servtd_hash_zero_slot[HASH_QWORDS] = {
	0xd0b5cc7127e37e27, 0xe978b62d4750d0f7, 0xeac5d6e7242475e3,
	0x554cd2ed439a7f9c, 0xab98ab9b93a2910c, 0x37903454561088c6,
};

/* One page of private memory and one vCPU; finalized or not. */
static struct test_td *new_td(struct kunit *test, bool finalize)
{
	return ktd_td_new(test, 1, 1, 0, finalize);
}

static u64 mng_rd(struct kunit *test, u64 tdr_pa, u64 field_id)
{
	u64 v = 0;

	KUNIT_EXPECT_EQ_MSG(test, tdx_mig_tdh_mng_rd(tdx_mig_tdr(tdr_pa), field_id, &v),
			    TDX_STATUS_SUCCESS, "MNG.RD %#llx", field_id);
	return v;
}

static void read_uuid(struct kunit *test, u64 tdr_pa, u64 *uuid)
{
	int i;

	for (i = 0; i < TDX_MD_UUID_ELEMENTS; i++)
		uuid[i] = mng_rd(test, tdr_pa, TDX_MD_TD_UUID + i);
}

/* The @n qwords of the host-readable field at @base equal @want. */
static void expect_qwords(struct kunit *test, u64 tdr_pa, u64 base, const u64 *want,
			  unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, mng_rd(test, tdr_pa, base + i), want[i],
				    "field %#llx", base + i);
}

struct bind_out {
	u64 handle;
	u64 uuid[4];
};

/* TDH.SERVTD.BIND; outputs not written stay visible as ~0. */
static u64 bind(u64 tdr_pa, u64 servtd_pa, u64 slot, u64 type, u64 attr, struct bind_out *o)
{
	struct tdx_mig_args a = {
		.rcx = tdr_pa, .rdx = servtd_pa, .r8 = slot, .r9 = type, .r10 = attr,
		.r11 = ~0ULL, .r12 = ~0ULL, .r13 = ~0ULL,
	};
	u64 ret = tdx_mig_seamcall(SEAMCALL_TDH_SERVTD_BIND, &a);

	o->handle = a.rcx;
	o->uuid[0] = a.r10;
	o->uuid[1] = a.r11;
	o->uuid[2] = a.r12;
	o->uuid[3] = a.r13;
	return ret;
}

static u64 bind0(struct test_td *target, struct test_td *servtd, u64 attr, struct bind_out *o)
{
	return bind(target->tdr_pa, servtd->tdr_pa, 0, TDX_SERVTD_TYPE_MIGTD, attr, o);
}

static u64 prebind(u64 tdr_pa, u64 hash_pa, u64 slot, u64 type, u64 attr)
{
	struct tdx_mig_args a = {
		.rcx = tdr_pa, .rdx = hash_pa, .r8 = slot, .r9 = type, .r10 = attr,
	};

	return tdx_mig_seamcall(SEAMCALL_TDH_SERVTD_PREBIND, &a);
}

/* Qword 0 of a slot in SERVTD_BINDINGS_TABLE: state | type << 16. */
static u64 slot_state(struct kunit *test, struct test_td *td)
{
	return mng_rd(test, td->tdr_pa, TDX_MD_TD_SERVTD_BINDINGS_TABLE);
}

/* Another thread holds a TDR lock, as a concurrent leaf would. */
struct tdr_holder {
	u64 tdr_pa;
	bool exclusive;
	int held;
	struct completion locked;
	struct completion release;
	struct task_struct *task;
};

static int holder_fn(void *arg)
{
	struct tdr_holder *h = arg;

	h->held = tdx_emu_hold_tdr(h->tdr_pa, h->exclusive);
	complete(&h->locked);
	wait_for_completion(&h->release);
	if (!h->held)
		tdx_emu_release_tdr(h->tdr_pa, h->exclusive);
	return 0;
}

static void hold_tdr(struct kunit *test, struct tdr_holder *h, u64 tdr_pa, bool exclusive)
{
	h->tdr_pa = tdr_pa;
	h->exclusive = exclusive;
	init_completion(&h->locked);
	init_completion(&h->release);
	h->task = kthread_run(holder_fn, h, "tdx_servtd_holder");
	KUNIT_ASSERT_FALSE(test, IS_ERR(h->task));
	/* holder_fn may return before kthread_stop() looks at it. */
	get_task_struct(h->task);
	wait_for_completion(&h->locked);
	KUNIT_EXPECT_EQ(test, h->held, 0);
}

static void release_tdr(struct tdr_holder *h)
{
	complete(&h->release);
	kthread_stop(h->task);
	put_task_struct(h->task);
}

/* TDH.VP.ENTER on CPU 0, keeping RCX, RDX and R8 of the exit. */
struct enter_out {
	u64 tdvpr_pa;
	u64 rcx;
	u64 rdx;
	u64 r8;
};

static long enter_fn(void *arg)
{
	struct enter_out *e = arg;
	struct tdx_mig_args a = { .rcx = e->tdvpr_pa };
	u64 ret = tdx_mig_seamcall(SEAMCALL_TDH_VP_ENTER, &a);

	e->rcx = a.rcx;
	e->rdx = a.rdx;
	e->r8 = a.r8;
	return ret;
}

static u64 enter(u64 tdvpr_pa, struct enter_out *e)
{
	e->tdvpr_pa = tdvpr_pa;
	return work_on_cpu(0, enter_fn, e);
}

#define EXIT_HLT	(TDX_STATUS_SUCCESS | TDX_EXIT_REASON_HLT)

/* A bound pair: a target and a finalized MigTD whose vCPU runs steps. */
struct servtd_env {
	struct test_td *target;
	struct test_td *migtd;
	u64 tdvpr_pa;
	u64 handle;
	u64 uuid[4];		/* the target's */
};

static void env_setup(struct kunit *test, struct servtd_env *e, bool finalize_target)
{
	struct bind_out o;

	ktd_require_emu(test);
	e->target = new_td(test, false);
	e->migtd = new_td(test, true);
	e->tdvpr_pa = ktd_pa(e->migtd->vcpu[0].tdvpr);
	KUNIT_ASSERT_EQ(test, bind0(e->target, e->migtd, 0, &o), TDX_STATUS_SUCCESS);
	e->handle = o.handle;
	memcpy(e->uuid, o.uuid, sizeof(e->uuid));
	if (finalize_target)
		KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mr_finalize(ktd_tdr(e->target)),
				TDX_STATUS_SUCCESS);
}

static void env_teardown(struct kunit *test, struct servtd_env *e)
{
	ktd_td_teardown(test, e->target);
	ktd_td_teardown(test, e->migtd);
}

static struct tdx_emu_guest_op servtd_op(enum tdx_emu_guest_op_type type, u64 handle,
					 u64 field, u64 value, u64 mask, const u64 *uuid)
{
	struct tdx_emu_guest_op op = {
		.type = type, .handle = handle, .field_id = field, .value = value, .mask = mask,
	};

	memcpy(op.uuid, uuid, sizeof(op.uuid));
	return op;
}

static struct tdx_emu_guest_op rd_op(const struct servtd_env *e, u64 field)
{
	return servtd_op(TDX_EMU_GUEST_SERVTD_RD, e->handle, field, 0, 0, e->uuid);
}

static struct tdx_emu_guest_op wr_op(const struct servtd_env *e, u64 field, u64 data, u64 mask)
{
	return servtd_op(TDX_EMU_GUEST_SERVTD_WR, e->handle, field, data, mask, e->uuid);
}

#define HLT		((struct tdx_emu_guest_op){ .type = TDX_EMU_GUEST_HLT })

/* Step @i of the vCPU's program, which must have run. */
static struct tdx_emu_guest_op ran_step(struct kunit *test, u64 tdvpr_pa, unsigned int i)
{
	struct tdx_emu_guest_op op = {};
	bool done = false;

	KUNIT_EXPECT_EQ(test, tdx_emu_guest_result(tdvpr_pa, i, &op, &done), 0);
	KUNIT_EXPECT_TRUE_MSG(test, done, "step %u did not run", i);
	return op;
}

static void expect_step(struct kunit *test, u64 tdvpr_pa, unsigned int i, u64 status, u64 value)
{
	struct tdx_emu_guest_op op = ran_step(test, tdvpr_pa, i);

	KUNIT_EXPECT_EQ_MSG(test, op.status, status, "step %u", i);
	KUNIT_EXPECT_EQ_MSG(test, op.value, value, "step %u", i);
}

/* BIND's outputs: the handle of §1.3 and the target's TD_UUID. */
static void bind_success_test(struct kunit *test)
{
	u64 uuid_t[4], uuid_m[4], want[16] = { TDX_SERVTD_BOUND };
	struct test_td *target, *migtd;
	struct bind_out o;
	int i;

	ktd_require_emu(test);
	target = new_td(test, false);
	migtd = new_td(test, true);
	read_uuid(test, target->tdr_pa, uuid_t);
	read_uuid(test, migtd->tdr_pa, uuid_m);
	KUNIT_ASSERT_EQ(test, mng_rd(test, migtd->tdr_pa, TDX_MD_TD_ATTRIBUTES), TD_ATTRS);
	KUNIT_EXPECT_EQ(test, mng_rd(test, target->tdr_pa, TDX_MD_TD_SERVTD_NUM), 0ULL);

	KUNIT_ASSERT_EQ(test, bind0(target, migtd, 0, &o), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, o.handle, (target->tdr_pa & ~0xfffULL) + uuid_m[0]);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, o.uuid[i], uuid_t[i]);
	KUNIT_EXPECT_EQ(test, mng_rd(test, target->tdr_pa, TDX_MD_TD_SERVTD_NUM), 1ULL);
	/* §5 servtd_binding_t: state, type; attr; UUID; INFO_HASH; reserved. */
	memcpy(&want[2], uuid_m, sizeof(uuid_m));
	memcpy(&want[6], kat_info_hash, sizeof(kat_info_hash));
	expect_qwords(test, target->tdr_pa, TDX_MD_TD_SERVTD_BINDINGS_TABLE, want, 16);

	/* SERVTD_HASH is fixed at MR.FINALIZE, and then stays. */
	expect_qwords(test, target->tdr_pa, TDX_MD_TD_SERVTD_HASH, zero_hash,
		      HASH_QWORDS);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mr_finalize(ktd_tdr(target)), TDX_STATUS_SUCCESS);
	expect_qwords(test, target->tdr_pa, TDX_MD_TD_SERVTD_HASH, kat_servtd_hash, HASH_QWORDS);
	expect_qwords(test, target->tdr_pa, TDX_MD_TD_SERVTD_HASH, kat_servtd_hash, HASH_QWORDS);
	/* A TD with no binding: all zeros. */
	expect_qwords(test, migtd->tdr_pa, TDX_MD_TD_SERVTD_HASH, zero_hash,
		      HASH_QWORDS);
	ktd_td_teardown(test, target);
	ktd_td_teardown(test, migtd);
}

/* Operand and state errors, in the module's order; none changes a thing. */
static void bind_errors_test(struct kunit *test)
{
	struct test_td *target, *migtd, *unfinalized, *finalized;
	u64 t, m, ok = TDX_SERVTD_TYPE_MIGTD;
	struct tdr_holder h;
	struct bind_out o;
	int i;

	ktd_require_emu(test);
	target = new_td(test, false);
	migtd = new_td(test, true);
	unfinalized = new_td(test, false);
	finalized = new_td(test, true);
	t = target->tdr_pa;
	m = migtd->tdr_pa;

	KUNIT_EXPECT_EQ(test, bind(t, t, 0, ok, 0, &o), TDX_STATUS_OPERAND_INVALID | TDX_OPID_RDX);
	KUNIT_EXPECT_EQ(test, o.handle, 0ULL);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, o.uuid[i], 0ULL);
	KUNIT_EXPECT_EQ(test, bind(t, m, 1, ok, 0, &o), TDX_STATUS_OPERAND_INVALID | TDX_OPID_R8);
	KUNIT_EXPECT_EQ(test, bind(t, m, 0, 1, 0, &o), TDX_STATUS_OPERAND_INVALID | TDX_OPID_R9);
	KUNIT_EXPECT_EQ(test, bind(t, m, 0, 0x10000, 0, &o),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_R9);
	/* SERVTD_ATTR: only bit 0 and bits 42:32 may be set (§5). */
	KUNIT_EXPECT_EQ(test, bind(t, m, 0, ok, BIT_ULL(1), &o),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_R10);
	KUNIT_EXPECT_EQ(test, bind(t, m, 0, ok, BIT_ULL(4), &o),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_R10);
	KUNIT_EXPECT_EQ(test, bind(t, m, 0, ok, BIT_ULL(43), &o),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_R10);
	KUNIT_EXPECT_EQ(test, bind(t, m, 0, ok, BIT_ULL(48), &o),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_R10);
	KUNIT_EXPECT_EQ(test, o.handle, 0ULL);
	/* Not TDRs, and a service TD that is still being built. */
	KUNIT_EXPECT_EQ(test, bind(ktd_pa(target->tdcx[0]), m, 0, ok, 0, &o),
			TDX_STATUS_PAGE_METADATA_INCORRECT | TDX_OPID_RCX);
	KUNIT_EXPECT_EQ(test, bind(t, ktd_pa(migtd->tdcx[0]), 0, ok, 0, &o),
			TDX_STATUS_PAGE_METADATA_INCORRECT | TDX_OPID_RDX);
	KUNIT_EXPECT_EQ(test, bind(t, m + 64, 0, ok, 0, &o),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_RDX);
	KUNIT_EXPECT_EQ(test, bind(t, unfinalized->tdr_pa, 0, ok, 0, &o),
			TDX_STATUS_OP_STATE_INCORRECT);
	/* Target states: never PAUSED_EXPORT; an initial binding only before finalizing. */
	KUNIT_ASSERT_EQ(test, tdx_emu_force_op_state(t, TDX_OP_STATE_PAUSED_EXPORT), 0);
	KUNIT_EXPECT_EQ(test, bind(t, m, 0, ok, 0, &o), TDX_STATUS_OP_STATE_INCORRECT);
	KUNIT_ASSERT_EQ(test, tdx_emu_force_op_state(t, TDX_OP_STATE_INITIALIZED), 0);
	KUNIT_EXPECT_EQ(test, bind(finalized->tdr_pa, m, 0, ok, 0, &o),
			TDX_STATUS_OP_STATE_INCORRECT);
	/* Either TDR busy: BUSY, naming the register as the module does. */
	hold_tdr(test, &h, t, true);
	KUNIT_EXPECT_EQ(test, bind(t, m, 0, ok, 0, &o), TDX_STATUS_OPERAND_BUSY | TDX_OPID_RCX);
	release_tdr(&h);
	hold_tdr(test, &h, m, true);
	KUNIT_EXPECT_EQ(test, bind(t, m, 0, ok, 0, &o), TDX_STATUS_OPERAND_BUSY | TDX_OPID_RDX);
	release_tdr(&h);
	KUNIT_EXPECT_EQ(test, slot_state(test, target), (u64)TDX_SERVTD_NOT_BOUND);
	KUNIT_EXPECT_EQ(test, mng_rd(test, t, TDX_MD_TD_SERVTD_NUM), 0ULL);
	KUNIT_EXPECT_EQ(test, slot_state(test, finalized), (u64)TDX_SERVTD_NOT_BOUND);

	/* A bound slot: the same binding again is a rebinding, no new slot. */
	KUNIT_EXPECT_EQ(test, bind(t, m, 0, ok, 0, &o), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, bind(t, m, 0, ok, 0, &o), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, mng_rd(test, t, TDX_MD_TD_SERVTD_NUM), 1ULL);
	KUNIT_EXPECT_EQ(test, bind(t, m, 0, ok, TDX_SERVTD_ATTR_INSTANCE_BINDING, &o),
			TDX_STATUS_SERVTD_ATTR_MISMATCH);
	KUNIT_EXPECT_EQ(test, o.handle, 0ULL);
	/* Only MigTD exists, so TYPE_MISMATCH cannot happen: R9 is refused. */
	KUNIT_EXPECT_EQ(test, bind(t, m, 0, 1, 0, &o), TDX_STATUS_OPERAND_INVALID | TDX_OPID_R9);
	ktd_td_teardown(test, target);
	ktd_td_teardown(test, migtd);
	ktd_td_teardown(test, unfinalized);
	ktd_td_teardown(test, finalized);
}

/* Rebinding (§5 BOUND): INSTANCE_BINDING keeps the instance, else the TDINFO. */
static void rebind_test(struct kunit *test)
{
	struct test_td *t1, *t2, *m1, *m2;
	u64 uuid_m2[4];
	struct bind_out o;

	ktd_require_emu(test);
	t1 = new_td(test, false);
	t2 = new_td(test, false);
	m1 = new_td(test, true);
	m2 = new_td(test, true);
	read_uuid(test, m2->tdr_pa, uuid_m2);

	KUNIT_ASSERT_EQ(test, bind0(t1, m1, TDX_SERVTD_ATTR_INSTANCE_BINDING, &o),
			TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mr_finalize(ktd_tdr(t1)), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, bind0(t1, m2, TDX_SERVTD_ATTR_INSTANCE_BINDING, &o),
			TDX_STATUS_SERVTD_UUID_MISMATCH);
	KUNIT_EXPECT_EQ(test, bind0(t1, m1, TDX_SERVTD_ATTR_INSTANCE_BINDING, &o),
			TDX_STATUS_SUCCESS);

	/* m2 has the same TDINFO as m1: it may take over, in RUNNABLE too. */
	KUNIT_ASSERT_EQ(test, bind0(t2, m1, 0, &o), TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mr_finalize(ktd_tdr(t2)), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, bind0(t2, m2, 0, &o), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, o.handle, (t2->tdr_pa & ~0xfffULL) + uuid_m2[0]);
	expect_qwords(test, t2->tdr_pa, TDX_MD_TD_SERVTD_BINDINGS_TABLE + 2, uuid_m2, 4);
	KUNIT_EXPECT_EQ(test, mng_rd(test, t2->tdr_pa, TDX_MD_TD_SERVTD_NUM), 1ULL);
	ktd_td_teardown(test, t1);
	ktd_td_teardown(test, t2);
	ktd_td_teardown(test, m1);
	ktd_td_teardown(test, m2);
}

/* A page holding a SERVTD_INFO_HASH at offset 0 and zeros at offset 64. */
static struct page *hash_page(struct kunit *test, const u64 *hash)
{
	struct page *p = ktd_test_page(test);

	memcpy(page_address(p), hash, TDX_SERVTD_INFO_HASH_LEN);
	return p;
}

/* PREBIND, then BIND by a MigTD whose TDINFO must match (§5 PRE_BOUND). */
static void prebind_test(struct kunit *test)
{
	struct test_td *t1, *t2, *t3, *migtd;
	struct page *kat, *kat_zero;
	u64 uuid_m[4], ok = TDX_SERVTD_TYPE_MIGTD, hp;
	struct bind_out o;

	ktd_require_emu(test);
	t1 = new_td(test, false);
	t2 = new_td(test, false);
	t3 = new_td(test, false);
	migtd = new_td(test, true);
	read_uuid(test, migtd->tdr_pa, uuid_m);
	kat = hash_page(test, kat_info_hash);
	kat_zero = hash_page(test, kat_zero_info_hash);
	hp = ktd_pa(kat);

	/* The hash operand: 64-byte aligned, shared, the host's own page. */
	KUNIT_EXPECT_EQ(test, prebind(t1->tdr_pa, hp + 32, 0, ok, 0),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_RDX);
	KUNIT_EXPECT_EQ(test, prebind(t1->tdr_pa, hp | (33ULL << EMU_HKID_SHIFT), 0, ok, 0),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_RDX);
	KUNIT_EXPECT_EQ(test, prebind(t1->tdr_pa, ktd_pa(t2->tdcx[0]), 0, ok, 0),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_RDX);
	KUNIT_EXPECT_EQ(test, prebind(t1->tdr_pa, hp, 1, ok, 0),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_R8);
	KUNIT_EXPECT_EQ(test, prebind(t1->tdr_pa, hp, 0, ok, BIT_ULL(2)),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_R10);
	KUNIT_EXPECT_EQ(test, prebind(migtd->tdr_pa, hp, 0, ok, 0), TDX_STATUS_OP_STATE_INCORRECT);

	/* The right hash: PRE_BOUND (once counted), then BOUND by the MigTD. */
	KUNIT_EXPECT_EQ(test, prebind(t1->tdr_pa, hp, 0, ok, 0), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, prebind(t1->tdr_pa, hp, 0, ok, 0), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, slot_state(test, t1), (u64)TDX_SERVTD_PRE_BOUND);
	KUNIT_EXPECT_EQ(test, mng_rd(test, t1->tdr_pa, TDX_MD_TD_SERVTD_NUM), 1ULL);
	expect_qwords(test, t1->tdr_pa, TDX_MD_TD_SERVTD_BINDINGS_TABLE + 6, kat_info_hash,
		      HASH_QWORDS);
	KUNIT_EXPECT_EQ(test, bind0(t1, migtd, 0, &o), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, slot_state(test, t1), (u64)TDX_SERVTD_BOUND);
	expect_qwords(test, t1->tdr_pa, TDX_MD_TD_SERVTD_BINDINGS_TABLE + 2, uuid_m, 4);
	KUNIT_EXPECT_EQ(test, mng_rd(test, t1->tdr_pa, TDX_MD_TD_SERVTD_NUM), 1ULL);
	KUNIT_EXPECT_EQ(test, prebind(t1->tdr_pa, hp, 0, ok, 0), TDX_STATUS_SERVTD_BOUND);

	/* Mismatches against what was pre-bound. */
	KUNIT_EXPECT_EQ(test, prebind(t2->tdr_pa, hp, 0, ok, 0), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, bind0(t2, migtd, TDX_SERVTD_ATTR_INSTANCE_BINDING, &o),
			TDX_STATUS_SERVTD_ATTR_MISMATCH);
	KUNIT_EXPECT_EQ(test, bind(t2->tdr_pa, migtd->tdr_pa, 0, 1, 0, &o),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_R9);
	KUNIT_EXPECT_EQ(test, prebind(t2->tdr_pa, hp + 64, 0, ok, 0), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, bind0(t2, migtd, 0, &o), TDX_STATUS_SERVTD_INFO_HASH_MISMATCH);
	KUNIT_EXPECT_EQ(test, slot_state(test, t2), (u64)TDX_SERVTD_PRE_BOUND);
	/* A PRE_BOUND slot counts in SERVTD_HASH. */
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mr_finalize(ktd_tdr(t2)), TDX_STATUS_SUCCESS);
	expect_qwords(test, t2->tdr_pa, TDX_MD_TD_SERVTD_HASH, kat_servtd_hash_zero_slot,
		      HASH_QWORDS);

	/* IGNORE_TDINFO zeroes attributes, xfam and servtd_hash in the TDINFO. */
	KUNIT_EXPECT_EQ(test, prebind(t3->tdr_pa, ktd_pa(kat_zero), 0, ok, ATTR_IGNORE),
			TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, bind0(t3, migtd, ATTR_IGNORE, &o), TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mr_finalize(ktd_tdr(t3)), TDX_STATUS_SUCCESS);
	expect_qwords(test, t3->tdr_pa, TDX_MD_TD_SERVTD_HASH, kat_servtd_hash_ignore,
		      HASH_QWORDS);
	__free_page(kat);
	__free_page(kat_zero);
	ktd_td_teardown(test, t1);
	ktd_td_teardown(test, t2);
	ktd_td_teardown(test, t3);
	ktd_td_teardown(test, migtd);
}

enum {
	G_ENC0, G_ENC1, G_ENC2, G_ENC3, G_ENC0_AGAIN,
	G_DEC_WR, G_DEC_RD = G_DEC_WR + 4, G_VER_0 = G_DEC_RD + 4, G_VER_1, G_VER_HIGH,
	G_VER_MASK0, G_SERVTD_ATTR, G_BAD_UUID, G_OLD_UUID, G_FIRST, G_UUID3, G_ATTRS,
	G_XFAM, G_HASH0, G_NUM, G_OP_STATE, G_UNKNOWN, G_WR_ENC, G_MULTI, G_NO_CTX, G_HLT,
	G_NR
};

static const u64 dec_key[4] = {
	0x0123456789abcdef, 0xfedcba9876543210, 0x0f1e2d3c4b5a6978, 0x8796a5b4c3d2e1f0,
};

static void build_rd_wr_program(struct servtd_env *e, struct tdx_emu_guest_op *ops)
{
	u64 bad_uuid[4], zero[4] = {};
	int i;

	for (i = 0; i < 4; i++) {
		ops[G_ENC0 + i] = rd_op(e, TDX_MD_TD_MIG_ENC_KEY + i);
		ops[G_DEC_WR + i] = wr_op(e, TDX_MD_TD_MIG_DEC_KEY + i, dec_key[i], ~0ULL);
		ops[G_DEC_RD + i] = rd_op(e, TDX_MD_TD_MIG_DEC_KEY + i);
	}
	ops[G_ENC0_AGAIN] = rd_op(e, TDX_MD_TD_MIG_ENC_KEY);
	ops[G_VER_0] = wr_op(e, TDX_MD_TD_MIG_VERSION, 0, ~0ULL);
	ops[G_VER_1] = wr_op(e, TDX_MD_TD_MIG_VERSION, 1, ~0ULL);
	ops[G_VER_HIGH] = wr_op(e, TDX_MD_TD_MIG_VERSION, 0x10000, ~0ULL);
	ops[G_VER_MASK0] = wr_op(e, TDX_MD_TD_MIG_VERSION, 0, 0);
	ops[G_SERVTD_ATTR] = rd_op(e, TDX_MD_TD_SERVTD_ATTR_MIGTD);
	memcpy(bad_uuid, e->uuid, sizeof(bad_uuid));
	bad_uuid[2] ^= 1;
	ops[G_BAD_UUID] = servtd_op(TDX_EMU_GUEST_SERVTD_RD, e->handle, TDX_MD_TD_MIG_VERSION,
				    0, 0, bad_uuid);
	/* Never imported, PRE_IMPORT_UUID is zero: it reads as the old UUID. */
	ops[G_OLD_UUID] = servtd_op(TDX_EMU_GUEST_SERVTD_RD, e->handle, TDX_MD_TD_MIG_VERSION,
				    0, 0, zero);
	ops[G_FIRST] = rd_op(e, FIELD_NA);
	ops[G_UUID3] = rd_op(e, TDX_MD_TD_UUID + 3);
	ops[G_ATTRS] = rd_op(e, TDX_MD_TD_ATTRIBUTES);
	ops[G_XFAM] = rd_op(e, XFAM_FIELD);
	ops[G_HASH0] = rd_op(e, TDX_MD_TD_SERVTD_HASH);
	ops[G_NUM] = rd_op(e, TDX_MD_TD_SERVTD_NUM);
	ops[G_OP_STATE] = rd_op(e, TDX_MD_TD_OP_STATE);
	ops[G_UNKNOWN] = rd_op(e, 0x9810000300000099ULL);
	ops[G_WR_ENC] = wr_op(e, TDX_MD_TD_MIG_ENC_KEY, 1, ~0ULL);
	ops[G_MULTI] = rd_op(e, TDX_MD_TD_MIG_ENC_KEY | FIELD_PREP(TDX_MD_LAST_ELEM_MASK, 3));
	ops[G_NO_CTX] = rd_op(e, TDX_MD_TD_ATTRIBUTES & ~TDX_MD_CONTEXT_MASK);
	ops[G_HLT] = HLT;
}

/* The key exchange a MigTD does (§6.6), and the field rules of §5. */
static void guest_rd_wr_test(struct kunit *test)
{
	struct tdx_emu_guest_op *ops, op;
	struct servtd_env e;
	struct enter_out x;
	u64 enc[4];
	int i;

	env_setup(test, &e, true);
	ops = kunit_kcalloc(test, G_NR, sizeof(*ops), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ops);
	build_rd_wr_program(&e, ops);
	KUNIT_EXPECT_EQ(test, mng_rd(test, e.target->tdr_pa, TDX_MD_TD_MIG_DEC_KEY_SET), 0ULL);
	KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(e.tdvpr_pa, ops, G_NR), 0);
	KUNIT_ASSERT_EQ(test, enter(e.tdvpr_pa, &x), EXIT_HLT);

	/* MIG_ENC_KEY element by element; the next field ID follows (RDX). */
	for (i = 0; i < 4; i++) {
		op = ran_step(test, e.tdvpr_pa, G_ENC0 + i);
		KUNIT_EXPECT_EQ(test, op.status, TDX_STATUS_SUCCESS);
		KUNIT_EXPECT_EQ(test, op.field_id, i < 3 ? TDX_MD_TD_MIG_ENC_KEY + i + 1 :
				TDX_MD_TD_MIG_ENC_WORKING_KEY);
		enc[i] = op.value;
	}
	/* Reading element 0 again draws a new key. */
	op = ran_step(test, e.tdvpr_pa, G_ENC0_AGAIN);
	KUNIT_EXPECT_EQ(test, op.status, TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_NE(test, op.value, enc[0]);
	KUNIT_EXPECT_NE(test, enc[0], enc[1]);

	/* MIG_DEC_KEY: R8 out is the previous value; reads give what was written. */
	for (i = 0; i < 4; i++) {
		expect_step(test, e.tdvpr_pa, G_DEC_WR + i, TDX_STATUS_SUCCESS, 0);
		expect_step(test, e.tdvpr_pa, G_DEC_RD + i, TDX_STATUS_SUCCESS, dec_key[i]);
	}
	KUNIT_EXPECT_EQ(test, mng_rd(test, e.target->tdr_pa, TDX_MD_TD_MIG_DEC_KEY_SET), 1ULL);

	/* MIG_VERSION within [0, 0]; bits outside the field must stay 0. */
	expect_step(test, e.tdvpr_pa, G_VER_0, TDX_STATUS_SUCCESS, 0);
	expect_step(test, e.tdvpr_pa, G_VER_1, TDX_STATUS_METADATA_FIELD_VALUE_NOT_VALID, 0);
	expect_step(test, e.tdvpr_pa, G_VER_HIGH, TDX_STATUS_METADATA_FIELD_VALUE_NOT_VALID, 0);
	expect_step(test, e.tdvpr_pa, G_VER_MASK0, TDX_STATUS_METADATA_FIELD_NOT_WRITABLE, 0);
	KUNIT_EXPECT_EQ(test, mng_rd(test, e.target->tdr_pa, TDX_MD_TD_MIG_VERSION), 0ULL);

	/* §6.6: today's MigTD wants SERVTD_ATTR to read 0. */
	expect_step(test, e.tdvpr_pa, G_SERVTD_ATTR, TDX_STATUS_SUCCESS, 0);
	expect_step(test, e.tdvpr_pa, G_BAD_UUID, TDX_STATUS_TARGET_UUID_MISMATCH, 0);
	op = ran_step(test, e.tdvpr_pa, G_OLD_UUID);
	KUNIT_EXPECT_EQ(test, op.status, TDX_STATUS_TARGET_UUID_UPDATED);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, op.uuid[i], e.uuid[i]);

	op = ran_step(test, e.tdvpr_pa, G_FIRST);
	KUNIT_EXPECT_EQ(test, op.status, TDX_STATUS_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	KUNIT_EXPECT_EQ(test, op.field_id, TDX_MD_TD_UUID);
	op = ran_step(test, e.tdvpr_pa, G_UUID3);
	KUNIT_EXPECT_EQ(test, op.value, e.uuid[3]);
	KUNIT_EXPECT_EQ(test, op.field_id, TDX_MD_TD_ATTRIBUTES);
	expect_step(test, e.tdvpr_pa, G_ATTRS, TDX_STATUS_SUCCESS, TD_ATTRS);
	expect_step(test, e.tdvpr_pa, G_XFAM, TDX_STATUS_SUCCESS, EMU_XFAM_FIXED1);
	expect_step(test, e.tdvpr_pa, G_HASH0, TDX_STATUS_SUCCESS, kat_servtd_hash[0]);
	expect_step(test, e.tdvpr_pa, G_NUM, TDX_STATUS_SUCCESS, 1);
	expect_step(test, e.tdvpr_pa, G_OP_STATE, TDX_STATUS_METADATA_FIELD_NOT_READABLE, 0);
	op = ran_step(test, e.tdvpr_pa, G_OP_STATE);
	KUNIT_EXPECT_EQ(test, op.field_id, FIELD_NA);
	expect_step(test, e.tdvpr_pa, G_UNKNOWN, TDX_STATUS_METADATA_FIELD_ID_INCORRECT, 0);
	expect_step(test, e.tdvpr_pa, G_WR_ENC, TDX_STATUS_METADATA_FIELD_NOT_WRITABLE, 0);
	expect_step(test, e.tdvpr_pa, G_MULTI, TDX_STATUS_METADATA_FIELD_ID_INCORRECT, 0);
	/* The context bits are the module's to set: TD context. */
	expect_step(test, e.tdvpr_pa, G_NO_CTX, TDX_STATUS_SUCCESS, TD_ATTRS);
	env_teardown(test, &e);
}

/* §4: binding failures trap to the host; the TDCALL is then complete. */
static void guest_trap_test(struct kunit *test)
{
	struct tdx_emu_guest_op ops[5];
	struct test_td *unbound, *m2;
	u64 uuid_m[4], h;
	struct servtd_env e;
	struct bind_out o;
	struct enter_out x;

	env_setup(test, &e, true);
	unbound = new_td(test, false);
	m2 = new_td(test, true);
	read_uuid(test, e.migtd->tdr_pa, uuid_m);

	/* The unbound TD's own UUID: the UUID check comes before the binding's. */
	ops[0] = rd_op(&e, TDX_MD_TD_MIG_VERSION);
	ops[0].handle = tdx_servtd_handle(unbound->tdr_pa, 0, uuid_m[0]);
	read_uuid(test, unbound->tdr_pa, ops[0].uuid);
	ops[1] = rd_op(&e, TDX_MD_TD_MIG_VERSION);
	ops[1].handle = e.handle + 1;		/* slot 1 */
	ops[2] = rd_op(&e, TDX_MD_TD_MIG_VERSION);
	ops[2].handle = tdx_servtd_handle(ktd_pa(e.target->tdcx[0]), 0, uuid_m[0]);
	ops[3] = rd_op(&e, TDX_MD_TD_MIG_VERSION);
	ops[4] = HLT;
	KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(e.tdvpr_pa, ops, 5), 0);

	KUNIT_EXPECT_EQ(test, enter(e.tdvpr_pa, &x), TDX_STATUS_CROSS_TD_TRAP);
	KUNIT_EXPECT_EQ(test, x.rcx, 0ULL);
	KUNIT_EXPECT_EQ(test, x.rdx, TDX_STATUS_SERVTD_NOT_BOUND);
	KUNIT_EXPECT_EQ(test, x.r8, unbound->tdr_pa);
	expect_step(test, e.tdvpr_pa, 0, TDX_STATUS_SERVTD_NOT_BOUND, 0);
	/* A bad slot is the caller's error; a page that is no TDR traps. */
	KUNIT_EXPECT_EQ(test, enter(e.tdvpr_pa, &x), TDX_STATUS_CROSS_TD_TRAP);
	KUNIT_EXPECT_EQ(test, x.rdx, TDX_STATUS_PAGE_METADATA_INCORRECT | TDX_OPID_TDR);
	KUNIT_EXPECT_EQ(test, x.r8, ktd_pa(e.target->tdcx[0]));
	expect_step(test, e.tdvpr_pa, 1, TDX_STATUS_OPERAND_INVALID | TDX_OPID_RCX, 0);
	expect_step(test, e.tdvpr_pa, 2, TDX_STATUS_PAGE_METADATA_INCORRECT | TDX_OPID_TDR, 0);
	KUNIT_EXPECT_EQ(test, enter(e.tdvpr_pa, &x), EXIT_HLT);
	expect_step(test, e.tdvpr_pa, 3, TDX_STATUS_SUCCESS, 0);

	/* Another instance took the slot over: the old one traps. */
	KUNIT_ASSERT_EQ(test, bind0(e.target, m2, 0, &o), TDX_STATUS_SUCCESS);
	h = e.handle;
	KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(e.tdvpr_pa, &ops[3], 2), 0);
	KUNIT_EXPECT_EQ(test, enter(e.tdvpr_pa, &x), TDX_STATUS_CROSS_TD_TRAP);
	KUNIT_EXPECT_EQ(test, x.rdx, TDX_STATUS_SERVTD_UUID_MISMATCH);
	KUNIT_EXPECT_EQ(test, x.r8, e.target->tdr_pa);
	e.handle = o.handle;
	ops[0] = rd_op(&e, TDX_MD_TD_MIG_VERSION);
	KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(ktd_pa(m2->vcpu[0].tdvpr), ops, 1), 0);
	KUNIT_EXPECT_EQ(test, enter(ktd_pa(m2->vcpu[0].tdvpr), &x), EXIT_HLT);
	expect_step(test, ktd_pa(m2->vcpu[0].tdvpr), 0, TDX_STATUS_SUCCESS, 0);
	KUNIT_EXPECT_NE(test, h, e.handle);
	ktd_td_teardown(test, unbound);
	ktd_td_teardown(test, m2);
	env_teardown(test, &e);
}

/* §4: a busy target TDR is returned to the service TD, which retries. */
static void guest_busy_test(struct kunit *test)
{
	struct tdx_emu_guest_op ops[3];
	struct tdr_holder h;
	struct servtd_env e;
	struct enter_out x;

	env_setup(test, &e, true);
	ops[0] = rd_op(&e, TDX_MD_TD_MIG_VERSION);
	ops[1] = wr_op(&e, TDX_MD_TD_MIG_DEC_KEY, 5, ~0ULL);
	ops[2] = HLT;

	hold_tdr(test, &h, e.target->tdr_pa, true);
	KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(e.tdvpr_pa, ops, 3), 0);
	KUNIT_EXPECT_EQ(test, enter(e.tdvpr_pa, &x), EXIT_HLT);
	release_tdr(&h);
	expect_step(test, e.tdvpr_pa, 0, TDX_STATUS_OPERAND_BUSY | TDX_OPID_TDR, 0);
	expect_step(test, e.tdvpr_pa, 1, TDX_STATUS_OPERAND_BUSY | TDX_OPID_TDR, 0);
	KUNIT_EXPECT_EQ(test, mng_rd(test, e.target->tdr_pa, TDX_MD_TD_MIG_DEC_KEY_SET), 0ULL);

	/* Shared with another reader is no contention. */
	hold_tdr(test, &h, e.target->tdr_pa, false);
	KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(e.tdvpr_pa, ops, 3), 0);
	KUNIT_EXPECT_EQ(test, enter(e.tdvpr_pa, &x), EXIT_HLT);
	release_tdr(&h);
	expect_step(test, e.tdvpr_pa, 0, TDX_STATUS_SUCCESS, 0);
	expect_step(test, e.tdvpr_pa, 1, TDX_STATUS_SUCCESS, 0);
	KUNIT_EXPECT_EQ(test, mng_rd(test, e.target->tdr_pa, TDX_MD_TD_MIG_DEC_KEY_SET), 1ULL);
	env_teardown(test, &e);
}

/* §1.3: no TDG.SERVTD.WR while the target is paused or post export. */
static void guest_paused_export_test(struct kunit *test)
{
	static const enum tdx_op_state states[] = {
		TDX_OP_STATE_PAUSED_EXPORT, TDX_OP_STATE_POST_EXPORT,
	};
	struct tdx_emu_guest_op ops[4];
	struct servtd_env e;
	struct enter_out x;
	int i;

	env_setup(test, &e, true);
	ops[0] = rd_op(&e, TDX_MD_TD_MIG_VERSION);
	ops[1] = wr_op(&e, TDX_MD_TD_MIG_DEC_KEY, 5, ~0ULL);
	ops[2] = rd_op(&e, TDX_MD_TD_MIG_DEC_KEY);
	ops[3] = HLT;
	for (i = 0; i < ARRAY_SIZE(states); i++) {
		KUNIT_ASSERT_EQ(test, tdx_emu_force_op_state(e.target->tdr_pa, states[i]), 0);
		KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(e.tdvpr_pa, ops, 4), 0);
		KUNIT_EXPECT_EQ(test, enter(e.tdvpr_pa, &x), TDX_STATUS_CROSS_TD_TRAP);
		KUNIT_EXPECT_EQ(test, x.rdx, TDX_STATUS_OP_STATE_INCORRECT);
		KUNIT_EXPECT_EQ(test, x.r8, e.target->tdr_pa);
		expect_step(test, e.tdvpr_pa, 0, TDX_STATUS_SUCCESS, 0);
		expect_step(test, e.tdvpr_pa, 1, TDX_STATUS_OP_STATE_INCORRECT, 0);
		KUNIT_EXPECT_EQ(test, enter(e.tdvpr_pa, &x), EXIT_HLT);
		expect_step(test, e.tdvpr_pa, 2, TDX_STATUS_SUCCESS, 0);
	}
	KUNIT_ASSERT_EQ(test, tdx_emu_force_op_state(e.target->tdr_pa, TDX_OP_STATE_RUNNABLE), 0);
	KUNIT_EXPECT_EQ(test, mng_rd(test, e.target->tdr_pa, TDX_MD_TD_MIG_DEC_KEY_SET), 0ULL);
	env_teardown(test, &e);
}

static struct kunit_case servtd_cases[] = {
	KUNIT_CASE(bind_success_test),
	KUNIT_CASE(bind_errors_test),
	KUNIT_CASE(rebind_test),
	KUNIT_CASE(prebind_test),
	KUNIT_CASE(guest_rd_wr_test),
	KUNIT_CASE(guest_trap_test),
	KUNIT_CASE(guest_busy_test),
	KUNIT_CASE(guest_paused_export_test),
	{}
};

static struct kunit_suite servtd_suite = {
	.name = "tdx_mig_emu_servtd",
	.test_cases = servtd_cases,
};

kunit_test_suite(servtd_suite);
