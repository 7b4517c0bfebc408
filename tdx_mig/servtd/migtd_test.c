// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the Migration TD's requests (migtd.c) against a MigTD whose
 * shared memory is a kernel buffer: the layout of the WaitForRequest
 * answers (legacy HOB list, vmcall-raw), the bounds checks, and the
 * state a ReportStatus leaves.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "core/core.h"

#define FAKE_SHARED_GPA		BIT_ULL(47)
#define FAKE_SHARED_BYTES	(4 * PAGE_SIZE)
#define SVC_CMD			0
#define SVC_RSP			PAGE_SIZE

struct fake_vm {
	u8 *shared;
	unsigned int injected;
	u8 vector;
	unsigned int kicks;
};

static int fake_shared_access(void *opaque, u64 gpa, void *buf, size_t len, bool write)
{
	struct fake_vm *vm = opaque;
	u64 off = gpa - FAKE_SHARED_GPA;

	if (gpa < FAKE_SHARED_GPA || off >= FAKE_SHARED_BYTES || len > FAKE_SHARED_BYTES - off)
		return -EFAULT;
	if (write)
		memcpy(vm->shared + off, buf, len);
	else
		memcpy(buf, vm->shared + off, len);
	return 0;
}

static void fake_inject(void *opaque, u8 vector)
{
	struct fake_vm *vm = opaque;

	vm->injected++;
	vm->vector = vector;
}

static void fake_kick(void *opaque)
{
	struct fake_vm *vm = opaque;

	vm->kicks++;
}

static const struct tdx_mig_host_ops fake_ops = {
	.shared_access = fake_shared_access,
	.inject = fake_inject,
	.kick = fake_kick,
};

/* A MigTD with one user TD bound in slot 3 (request id 35), waiting. */
struct migtd_ctx {
	struct fake_vm vm;
	struct tdx_mig_td migtd;
	struct tdx_mig_td user;
};

static struct migtd_ctx *ctx_new(struct kunit *test)
{
	struct migtd_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct tdx_mig_binding *b;

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->vm.shared = kunit_kzalloc(test, FAKE_SHARED_BYTES, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->vm.shared);
	c->migtd.ops = &fake_ops;
	c->migtd.vm = &c->vm;
	c->migtd.info.servtd = true;
	c->migtd.info.pid = 4242;
	b = &c->user.binding;
	*b = (struct tdx_mig_binding){ .state = TDX_MIG_BINDING_PREMIG_WAIT, .handle = 0x1234,
				       .uuid = { 1, 2, 3, 4 }, .servtd = &c->migtd,
				       .slot = 3, .req_id = 35, .is_src = true,
				       .vsock_port = 1235 };
	c->migtd.usertds[3] = &c->user;
	return c;
}

/* A legacy command at SVC_CMD (MigTD GUID) and an empty response of @rsp_len. */
static void put_service(struct migtd_ctx *c, const u8 *data, u32 len, u32 rsp_len)
{
	static const u8 migtd_guid[16] = { 0x30, 0x63, 0x0e, 0xe6, 0x09, 0x1e, 0x87, 0x43,
					   0xa4, 0x44, 0x8f, 0x32, 0xb8, 0xd6, 0x11, 0xe5 };
	u32 cmd_len = 24 + len;

	memcpy(c->vm.shared + SVC_CMD, migtd_guid, 16);
	memcpy(c->vm.shared + SVC_CMD + 16, &cmd_len, 4);
	memset(c->vm.shared + SVC_CMD + 20, 0, 4);
	memcpy(c->vm.shared + SVC_CMD + 24, data, len);
	memset(c->vm.shared + SVC_RSP, 0, PAGE_SIZE);
	memcpy(c->vm.shared + SVC_RSP + 16, &rsp_len, 4);
}

static enum tdx_mig_vmcall_ret service(struct migtd_ctx *c, u64 vector, u64 *r10)
{
	struct tdx_mig_vmcall vc = { .r11 = 0x10005, .r12 = FAKE_SHARED_GPA + SVC_CMD,
				     .r13 = FAKE_SHARED_GPA + SVC_RSP, .r14 = vector };
	enum tdx_mig_vmcall_ret ret = tdx_mig_servtd_vmcall(&c->migtd, &vc);

	*r10 = vc.r10;
	return ret;
}

static u32 rd32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return v;
}

static u64 rd64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return v;
}

/* The legacy answer: header, {0, 1, 1, 0}, then three GUID HOBs and END. */
static void legacy_answer_test(struct kunit *test)
{
	static const u8 wait[4] = { 0, 1, 0, 0 };
	struct migtd_ctx *c = ctx_new(test);
	const u8 *rsp = c->vm.shared + SVC_RSP, *hob;
	u64 r10;

	put_service(c, wait, sizeof(wait), PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, service(c, 0, &r10), TDX_MIG_VMCALL_DONE);
	KUNIT_EXPECT_EQ(test, r10, 0ULL);
	KUNIT_EXPECT_EQ(test, rd32(rsp + 20), 0U);		/* RETURNED */
	KUNIT_EXPECT_EQ(test, rsp[25], 1);			/* WAIT */
	KUNIT_EXPECT_EQ(test, rsp[26], 1);			/* START_MIG */
	hob = rsp + 28;		/* where MigTD reads the HOB list */
	/* MIGRATION_INFORMATION: 24-byte HOB header + 72 bytes. */
	KUNIT_EXPECT_EQ(test, rd32(hob), 0x4U | (96U << 16));
	KUNIT_EXPECT_EQ(test, hob[8], 0x98);
	KUNIT_EXPECT_EQ(test, rd64(hob + 24), 35ULL);		/* request id */
	KUNIT_EXPECT_EQ(test, hob[32], 1);			/* source */
	KUNIT_EXPECT_EQ(test, rd64(hob + 40), 1ULL);		/* UUID[0] */
	KUNIT_EXPECT_EQ(test, rd64(hob + 64), 4ULL);		/* UUID[3] */
	KUNIT_EXPECT_EQ(test, rd64(hob + 72), 0x1234ULL);	/* binding handle */
	hob += 96;
	/* STREAM_SOCKET_INFO: cid 2, the port. */
	KUNIT_EXPECT_EQ(test, rd32(hob), 0x4U | (48U << 16));
	KUNIT_EXPECT_EQ(test, hob[8], 0x9d);
	KUNIT_EXPECT_EQ(test, rd64(hob + 32), 2ULL);
	KUNIT_EXPECT_EQ(test, rd32(hob + 40), 1235U);
	hob += 48;
	/* MIGPOLICY (12 bytes, padded to 16), then END. */
	KUNIT_EXPECT_EQ(test, rd32(hob), 0x4U | (40U << 16));
	KUNIT_EXPECT_EQ(test, hob[8], 0x1a);
	hob += 40;
	KUNIT_EXPECT_EQ(test, rd32(hob), 0xffffU | (8U << 16));
	KUNIT_EXPECT_EQ(test, rd32(rsp + 16), (u32)(hob + 8 - rsp));
	KUNIT_EXPECT_EQ(test, c->user.binding.state, TDX_MIG_BINDING_PREMIG_PROGRESS);
}

/* Nothing waiting, no vector: NOOP, and the vCPU is to halt (Intel's protocol). */
static void noop_test(struct kunit *test)
{
	static const u8 wait[4] = { 0, 1, 0, 0 };
	struct migtd_ctx *c = ctx_new(test);
	const u8 *rsp = c->vm.shared + SVC_RSP;
	u64 r10;

	c->user.binding.state = TDX_MIG_BINDING_BOUND;
	put_service(c, wait, sizeof(wait), PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, service(c, 0, &r10), TDX_MIG_VMCALL_HALT);
	KUNIT_EXPECT_EQ(test, r10, 0ULL);
	KUNIT_EXPECT_EQ(test, rd32(rsp + 16), 28U);
	KUNIT_EXPECT_EQ(test, rd32(rsp + 20), 0U);
	KUNIT_EXPECT_EQ(test, rsp[25], 1);	/* WAIT */
	KUNIT_EXPECT_EQ(test, rsp[26], 0);	/* NOOP */
	KUNIT_EXPECT_FALSE(test, c->migtd.servtd_wait.armed);
}

/*
 * vmcall-raw: armed with nothing waiting. A notify only kicks the MigTD;
 * the answer is written when its vCPU runs (deliver), vector posted.
 */
static void raw_answer_test(struct kunit *test)
{
	struct migtd_ctx *c = ctx_new(test);
	struct tdx_mig_vmcall vc = { .r11 = 0x10006, .r12 = 1 | 1 << 16, .r13 = PAGE_SIZE,
				     .r14 = FAKE_SHARED_GPA + SVC_RSP, .r15 = 0x50 };
	const u8 *buf = c->vm.shared + SVC_RSP;

	c->user.binding.state = TDX_MIG_BINDING_BOUND;
	KUNIT_EXPECT_EQ(test, tdx_mig_servtd_vmcall(&c->migtd, &vc), TDX_MIG_VMCALL_DONE);
	KUNIT_EXPECT_EQ(test, vc.r10, 0ULL);
	KUNIT_EXPECT_TRUE(test, c->migtd.servtd_wait.armed);
	KUNIT_EXPECT_EQ(test, rd64(buf), 0ULL);
	mutex_lock(&tdx_mig_servtd_lock);
	c->user.binding.state = TDX_MIG_BINDING_PREMIG_WAIT;
	tdx_mig_servtd_notify(&c->migtd);
	mutex_unlock(&tdx_mig_servtd_lock);
	KUNIT_EXPECT_EQ(test, rd64(buf), 0ULL);
	KUNIT_EXPECT_EQ(test, c->vm.kicks, 1U);
	KUNIT_EXPECT_EQ(test, c->vm.injected, 0U);
	tdx_mig_servtd_deliver(&c->migtd);
	KUNIT_EXPECT_EQ(test, rd64(buf), 0x101ULL);
	KUNIT_EXPECT_EQ(test, rd32(buf + 8), 56U);
	KUNIT_EXPECT_EQ(test, rd64(buf + 12), 35ULL);
	KUNIT_EXPECT_EQ(test, rd64(buf + 12 + 48), 0x1234ULL);
	KUNIT_EXPECT_EQ(test, c->vm.injected, 1U);
	KUNIT_EXPECT_EQ(test, c->vm.vector, 0x50);
	KUNIT_EXPECT_EQ(test, c->vm.kicks, 1U);
	KUNIT_EXPECT_FALSE(test, c->migtd.servtd_wait.armed);
}

/* Guest-given GPAs and lengths beyond the MigTD's buffers change nothing. */
static void bounds_test(struct kunit *test)
{
	static const u8 wait[4] = { 0, 1, 0, 0 };
	struct migtd_ctx *c = ctx_new(test);
	u32 huge = 0x10001;
	u64 r10;

	/* A command longer than the MTU, then longer than the shared memory. */
	put_service(c, wait, sizeof(wait), PAGE_SIZE);
	memcpy(c->vm.shared + SVC_CMD + 16, &huge, 4);
	service(c, 0, &r10);
	KUNIT_EXPECT_EQ(test, r10, TDX_MIG_VMCALL_INVALID_OPERAND);
	huge = 0x8000;
	memcpy(c->vm.shared + SVC_CMD + 16, &huge, 4);
	service(c, 0, &r10);
	KUNIT_EXPECT_EQ(test, r10, TDX_MIG_VMCALL_INVALID_OPERAND);
	/* A response claiming more than there is. */
	put_service(c, wait, sizeof(wait), 0x4000);
	service(c, 0, &r10);
	KUNIT_EXPECT_EQ(test, r10, TDX_MIG_VMCALL_INVALID_OPERAND);
	/* Too small for the HOB list: OUT_OF_RES, still waiting. */
	put_service(c, wait, sizeof(wait), 100);
	service(c, 0, &r10);
	KUNIT_EXPECT_EQ(test, r10, 0ULL);
	KUNIT_EXPECT_EQ(test, rd32(c->vm.shared + SVC_RSP + 20), 8U);
	KUNIT_EXPECT_EQ(test, c->user.binding.state, TDX_MIG_BINDING_PREMIG_WAIT);
	KUNIT_EXPECT_EQ(test, c->vm.injected, 0U);
}

/*
 * ReportStatus: unknown ids are refused (the slot alone, as a binding
 * before this one had it, is not enough); failure returns to BOUND,
 * success to DONE.
 */
static void report_test(struct kunit *test)
{
	u8 report[12] = { 0, 2, 1, 7 };
	struct migtd_ctx *c = ctx_new(test);
	u64 r10, id = 35, bad[] = { 3, 67, 1ULL << 40 };
	unsigned int i;

	c->user.binding.state = TDX_MIG_BINDING_PREMIG_PROGRESS;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memcpy(report + 4, &bad[i], 8);
		put_service(c, report, sizeof(report), PAGE_SIZE);
		service(c, 0, &r10);
		KUNIT_EXPECT_EQ(test, rd32(c->vm.shared + SVC_RSP + 20), 4U);	/* BAD_CMD_BUF */
	}
	KUNIT_EXPECT_EQ(test, c->user.binding.state, TDX_MIG_BINDING_PREMIG_PROGRESS);
	memcpy(report + 4, &id, 8);
	put_service(c, report, sizeof(report), PAGE_SIZE);
	service(c, 0, &r10);
	KUNIT_EXPECT_EQ(test, rd32(c->vm.shared + SVC_RSP + 20), 0U);
	KUNIT_EXPECT_EQ(test, c->user.binding.state, TDX_MIG_BINDING_BOUND);
	c->user.binding.state = TDX_MIG_BINDING_PREMIG_PROGRESS;
	report[3] = 0;
	put_service(c, report, sizeof(report), PAGE_SIZE);
	service(c, 0, &r10);
	KUNIT_EXPECT_EQ(test, c->user.binding.state, TDX_MIG_BINDING_PREMIG_DONE);
	/* Only a MigTD is served. */
	c->migtd.info.servtd = false;
	KUNIT_EXPECT_EQ(test, service(c, 0, &r10), TDX_MIG_VMCALL_NOT_MINE);
}

static struct kunit_case migtd_cases[] = {
	KUNIT_CASE(legacy_answer_test),
	KUNIT_CASE(noop_test),
	KUNIT_CASE(raw_answer_test),
	KUNIT_CASE(bounds_test),
	KUNIT_CASE(report_test),
	{}
};

static struct kunit_suite migtd_suite = {
	.name = "tdx_mig_migtd",
	.test_cases = migtd_cases,
};

kunit_test_suite(migtd_suite);
