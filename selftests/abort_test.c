// SPDX-License-Identifier: GPL-2.0
/*
 * Aborting an export: in LIVE_EXPORT, in PAUSED_EXPORT, and after the
 * start token with the destination's abort token. Each time the source is
 * RUNNABLE again with exactly the memory and vCPU state it had, and a
 * second migration to a new destination then succeeds.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest_writer.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define BYTES		(4UL << 20)
#define NPAGES		(BYTES / MIG_PAGE_SIZE)
#define NR_VCPUS	2

struct abort_ctx {
	int src, dst;
	uint64_t mem_hash, vcpu_hash[NR_VCPUS];
	struct mig m;
};

FIXTURE(abort) {
	struct abort_ctx c;
};

/* A source the guest has written to, its hashes, a destination, streams. */
FIXTURE_SETUP(abort)
{
	uint64_t gfns[8] = { 0, 7, 8, 15, 100, 511, 512, NPAGES - 1 };
	struct abort_ctx *ctx = &self->c;
	unsigned int v;

	ctx->src = -1;
	ctx->dst = -1;
	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	ctx->src = tb_create_td(BYTES, NR_VCPUS, false, 8);
	ctx->dst = tb_create_td(BYTES, NR_VCPUS, true, 0);
	ASSERT_LE(0, ctx->src);
	ASSERT_LE(0, ctx->dst);
	for (v = 0; v < NR_VCPUS; v++)
		ASSERT_EQ(0, tb_guest_write(ctx->src, v, gfns, 8, 0x1000 * (v + 1), NULL));
	ASSERT_EQ(0, tb_td_hashes(ctx->src, BYTES, NR_VCPUS, &ctx->mem_hash, ctx->vcpu_hash));
	ASSERT_EQ(0, tb_exchange_keys(ctx->src, ctx->dst));
	ASSERT_EQ(0, tb_mig_open(&ctx->m, ctx->src, ctx->dst, NPAGES, NR_VCPUS, 1, 64));
}

FIXTURE_TEARDOWN(abort)
{
	struct abort_ctx *ctx = &self->c;

	tb_busy_commit(0);
	mig_close(&ctx->m);
	if (ctx->src >= 0)
		close(ctx->src);
	if (ctx->dst >= 0)
		close(ctx->dst);
}

static int src_cmd(struct abort_ctx *ctx, uint32_t id)
{
	return mig_cmd_retry(&ctx->m.src[0], id, NULL, NULL);
}

/*
 * After an abort: the source's memory and vCPUs are as before, it runs, and
 * it migrates again to a new destination.
 */
static void check_restored_and_remigrate(struct __test_metadata *_metadata,
					 struct abort_ctx *ctx)
{
	uint64_t gfns[2] = { 1, 2 };

	EXPECT_EQ(0, tb_td_unchanged(ctx->src, BYTES, NR_VCPUS, ctx->mem_hash, ctx->vcpu_hash));
	ASSERT_EQ(0, tb_guest_write(ctx->src, 0, gfns, 2, 0xabcd, NULL));

	/* The MIGSCs are kept: new stream fds reuse them. */
	mig_close(&ctx->m);
	EXPECT_EQ(0, tb_migrate_to_new(ctx->src, BYTES, NR_VCPUS, 64));
}

TEST_F_TIMEOUT(abort, live_export, 120)
{
	struct abort_ctx *ctx = &self->c;

	ASSERT_EQ(0, mig_start(&ctx->m));
	ASSERT_EQ(0, mig_send_dirty(&ctx->m, true, NULL));
	ASSERT_EQ(0, src_cmd(ctx, KVM_TDX_MIG_EXPORT_ABORT));
	/* Nothing is left to abort. */
	EXPECT_EQ(-EPERM, src_cmd(ctx, KVM_TDX_MIG_EXPORT_ABORT));
	check_restored_and_remigrate(_metadata, ctx);
}

TEST_F_TIMEOUT(abort, paused_export, 120)
{
	struct abort_ctx *ctx = &self->c;
	uint64_t gfns[1] = { 3 };

	ASSERT_EQ(0, mig_start(&ctx->m));
	ASSERT_EQ(0, mig_send_dirty(&ctx->m, true, NULL));
	ASSERT_EQ(0, src_cmd(ctx, KVM_TDX_MIG_EXPORT_PAUSE));
	EXPECT_EQ(-EPERM, tb_guest_write(ctx->src, 0, gfns, 1, 1, NULL));
	ASSERT_EQ(0, mig_move_token(&ctx->m, false));
	ASSERT_EQ(0, mig_send_dirty(&ctx->m, false, NULL));
	ASSERT_EQ(0, src_cmd(ctx, KVM_TDX_MIG_EXPORT_ABORT));
	check_restored_and_remigrate(_metadata, ctx);
}

/* Everything up to the start token, which the source exports: it is POST_EXPORT. */
static int send_until_start_token(struct abort_ctx *ctx)
{
	uint64_t start = TDX_MIG_EXPORT_TRACK_F_IN_ORDER_DONE;
	unsigned int v;
	int ret;

	ret = mig_start(&ctx->m) ?: mig_send_dirty(&ctx->m, true, NULL) ?:
	      src_cmd(ctx, KVM_TDX_MIG_EXPORT_PAUSE) ?: mig_move_token(&ctx->m, false) ?:
	      mig_send_dirty(&ctx->m, false, NULL) ?:
	      mig_move_state(&ctx->m, 0, KVM_TDX_MIG_EXPORT_STATE_TD, KVM_TDX_MIG_IMPORT_STATE_TD);
	for (v = 0; !ret && v < NR_VCPUS; v++)
		ret = mig_move_state(&ctx->m, 0, KVM_TDX_MIG_EXPORT_STATE_VP,
				     KVM_TDX_MIG_IMPORT_STATE_VP);
	return ret ?: mig_cmd(&ctx->m.src[0], KVM_TDX_MIG_EXPORT_TRACK, &start, NULL);
}

/*
 * The start token went out but never arrived: the destination proves it
 * aborted. intel-kvm-qemu.md §5 item 7: Intel's KVM passed no MBMD to
 * TDH.EXPORT.ABORT and had no TDH.IMPORT.ABORT, so a source could never
 * abort after its start token; here it does, with the destination's token
 * (this case and the three below), and loses nothing.
 */
TEST_F_TIMEOUT(abort, after_start_token, 120)
{
	struct abort_ctx *ctx = &self->c;
	uint64_t status = 0, gfn = 0;

	ASSERT_EQ(0, send_until_start_token(ctx));
	/* Without the destination's abort token the source cannot abort now. */
	memset(ctx->m.src[0].mbmd, 0, MIG_PAGE_SIZE);
	EXPECT_NE(0, mig_cmd(&ctx->m.src[0], KVM_TDX_MIG_EXPORT_ABORT, NULL, &status));
	EXPECT_NE(0, status);

	ASSERT_EQ(0, mig_cmd(&ctx->m.dst[0], KVM_TDX_MIG_IMPORT_ABORT, NULL, &status))
		TH_LOG("TDX status %#llx", (unsigned long long)status);
	memcpy(ctx->m.src[0].mbmd, ctx->m.dst[0].mbmd, MIG_PAGE_SIZE);
	ASSERT_EQ(0, src_cmd(ctx, KVM_TDX_MIG_EXPORT_ABORT));
	/* The destination never runs. */
	EXPECT_EQ(-EPERM, tb_guest_write(ctx->dst, 0, &gfn, 1, 0, NULL));
	check_restored_and_remigrate(_metadata, ctx);
}

/*
 * A byte of the destination's abort token changed on its way (make fuzz
 * wrote garbage there): the source refuses it with the TDX status and
 * stays where it was, and the intact token then aborts it.
 */
TEST_F_TIMEOUT(abort, corrupted_abort_token, 120)
{
	struct abort_ctx *ctx = &self->c;
	uint64_t status = 0;
	uint8_t *mbmd = ctx->m.src[0].mbmd;
	uint8_t token[MIG_PAGE_SIZE];

	ASSERT_EQ(0, send_until_start_token(ctx));
	ASSERT_EQ(0, mig_cmd(&ctx->m.dst[0], KVM_TDX_MIG_IMPORT_ABORT, NULL, &status));
	memcpy(token, ctx->m.dst[0].mbmd, MIG_PAGE_SIZE);
	memcpy(mbmd, token, MIG_PAGE_SIZE);
	mbmd[0] ^= 0x5a;	/* the MBMD's size */
	EXPECT_EQ(-EIO, mig_cmd(&ctx->m.src[0], KVM_TDX_MIG_EXPORT_ABORT, NULL, &status));
	EXPECT_EQ(STATUS_INVALID_MBMD, status);
	memcpy(mbmd, token, MIG_PAGE_SIZE);
	ASSERT_EQ(0, src_cmd(ctx, KVM_TDX_MIG_EXPORT_ABORT));
	check_restored_and_remigrate(_metadata, ctx);
}

/*
 * The start token arrived but the commit did not happen (its TDR stayed
 * busy): the destination is POST_IMPORT, may still abort, and the source
 * resumes with its token.
 */
TEST_F_TIMEOUT(abort, destination_in_post_import, 120)
{
	struct abort_ctx *ctx = &self->c;
	uint64_t status = 0;

	ASSERT_EQ(0, send_until_start_token(ctx));
	memcpy(ctx->m.dst[0].mbmd, ctx->m.src[0].mbmd, MIG_PAGE_SIZE);
	ASSERT_EQ(0, tb_busy_commit(1));
	EXPECT_EQ(-EBUSY, mig_cmd(&ctx->m.dst[0], KVM_TDX_MIG_IMPORT_TRACK, NULL, &status));
	ASSERT_EQ(1, tb_busy_commit(0));
	ASSERT_EQ(0, mig_cmd(&ctx->m.dst[0], KVM_TDX_MIG_IMPORT_ABORT, NULL, &status))
		TH_LOG("TDX status %#llx", (unsigned long long)status);
	memcpy(ctx->m.src[0].mbmd, ctx->m.dst[0].mbmd, MIG_PAGE_SIZE);
	ASSERT_EQ(0, src_cmd(ctx, KVM_TDX_MIG_EXPORT_ABORT));
	check_restored_and_remigrate(_metadata, ctx);
}

/*
 * The destination gives up in MEMORY_IMPORT: IMPORT_ABORT writes its abort
 * token and leaves it FAILED_IMPORT (nothing more is imported, no vCPU
 * runs); the source, told by the token, aborts and loses nothing.
 */
TEST_F_TIMEOUT(abort, destination_in_memory_import, 120)
{
	struct abort_ctx *ctx = &self->c;
	uint64_t status = 0, gfn = 0, pages = 1;

	ASSERT_EQ(0, mig_start(&ctx->m));
	ASSERT_EQ(0, mig_send_dirty(&ctx->m, true, NULL));
	ASSERT_EQ(0, mig_cmd(&ctx->m.dst[0], KVM_TDX_MIG_IMPORT_ABORT, NULL, &status))
		TH_LOG("TDX status %#llx", (unsigned long long)status);
	EXPECT_EQ(-EPERM, mig_cmd(&ctx->m.dst[0], KVM_TDX_MIG_IMPORT_MEM, &pages, NULL));
	EXPECT_EQ(-EPERM, mig_cmd(&ctx->m.dst[0], KVM_TDX_MIG_IMPORT_TRACK, NULL, NULL));
	/* Its vCPUs were never imported: KVM_RUN's -EINVAL, as for any uninitialized vCPU. */
	EXPECT_EQ(-EINVAL, tb_guest_write(ctx->dst, 0, &gfn, 1, 0, NULL));
	memcpy(ctx->m.src[0].mbmd, ctx->m.dst[0].mbmd, MIG_PAGE_SIZE);
	ASSERT_EQ(0, src_cmd(ctx, KVM_TDX_MIG_EXPORT_ABORT));
	check_restored_and_remigrate(_metadata, ctx);
}

TEST_HARNESS_MAIN
