// SPDX-License-Identifier: GPL-2.0
/*
 * Post-copy: the destination is committed and runs before all of its memory
 * arrived. Its vCPUs, one thread each, touch pages in random order; a page
 * still at the source exits, is fetched first on a stream of its own and
 * the vCPU goes on, while the other pages stream in the background (one
 * stream, or three beside the demand stream). Pages the source exported and
 * the guest wrote again are CANCELled in order before the start token, and
 * come again after it. The destination ends with the source's memory and
 * vCPU state; the source never runs again.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/time.h>
#include <linux/tdx_mig_emu.h>

#include "kselftest_harness.h"
#include "guest_writer.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define BYTES		(8UL << 20)
#define NPAGES		(BYTES / MIG_PAGE_SIZE)
#define NR_VCPUS	2
/* Written after the last round, before the pause: exported, then dirty. */
#define NR_DIRTIED	16

struct pc_ctx {
	int src, dst;
	struct mig m;
	uint64_t dirtied[NR_DIRTIED];
	uint64_t vcpu_hash[NR_VCPUS];
};

FIXTURE(postcopy) {
	struct pc_ctx c;
};

FIXTURE_VARIANT(postcopy) {
	unsigned int streams;
	unsigned int pending_every;	/* source pages the guest never accepted */
};

/* Background and faults share the one stream. */
FIXTURE_VARIANT_ADD(postcopy, one_stream) {
	.streams = 1,
};

/*
 * Three background streams; faults have the fourth to themselves. Every
 * 8th page of the source is one its guest never accepted (PENDING): it
 * arrives PENDING, and the destination's guest accepts it on first use.
 */
FIXTURE_VARIANT_ADD(postcopy, four_streams) {
	.streams = 4,
	.pending_every = 8,
};

FIXTURE_SETUP(postcopy)
{
	struct pc_ctx *ctx = &self->c;
	unsigned int i;

	ctx->src = -1;
	ctx->dst = -1;
	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	if (variant->pending_every) {
		ctx->src = tb_create_td(BYTES, NR_VCPUS, false, variant->pending_every);
		ctx->dst = tb_create_td(BYTES, NR_VCPUS, true, 0);
		ASSERT_LE(0, ctx->src);
		ASSERT_LE(0, ctx->dst);
		ASSERT_EQ(0, tb_exchange_keys(ctx->src, ctx->dst));
	} else {
		ASSERT_EQ(0, tb_create_pair(BYTES, NR_VCPUS, &ctx->src, &ctx->dst));
	}
	ASSERT_EQ(0, tb_mig_open(&ctx->m, ctx->src, ctx->dst, NPAGES, NR_VCPUS,
				 variant->streams, 64));
	for (i = 0; i < NR_DIRTIED; i++)
		ctx->dirtied[i] = (i * 997 + 5) % NPAGES;
}

FIXTURE_TEARDOWN(postcopy)
{
	struct pc_ctx *ctx = &self->c;

	mig_close(&ctx->m);
	if (ctx->src >= 0)
		close(ctx->src);
	if (ctx->dst >= 0)
		close(ctx->dst);
}

/*
 * With @round, one round in order and the guest writing pages already
 * sent; then the commit. The vCPUs' hashes are compared then, before the
 * destination runs.
 */
static int commit(struct __test_metadata *_metadata, struct pc_ctx *ctx, bool round)
{
	uint64_t h;
	unsigned int v;
	int ret;

	ret = mig_start(&ctx->m);
	if (!ret && round)
		ret = mig_send_dirty(&ctx->m, true, NULL) ?:
		      tb_guest_write(ctx->src, 0, ctx->dirtied, NR_DIRTIED, 0x77, NULL);
	for (v = 0; !ret && v < NR_VCPUS; v++)
		ret = tb_vcpu_hash(ctx->src, v, &ctx->vcpu_hash[v]);
	ret = ret ?: mig_postcopy_commit(&ctx->m);
	for (v = 0; !ret && v < NR_VCPUS; v++) {
		ret = tb_vcpu_hash(ctx->dst, v, &h);
		EXPECT_EQ(ctx->vcpu_hash[v], h);
	}
	return ret;
}

static void log_postcopy(struct __test_metadata *_metadata, const struct mig_stats *st)
{
	TH_LOG("cancelled %llu, on demand %llu of %llu requests, fault median %.2f ms max %.2f ms",
	       (unsigned long long)st->cancelled, (unsigned long long)st->demand_pages,
	       (unsigned long long)st->demand_requests, st->fault_median_ms, st->fault_max_ms);
	TH_LOG("blackout %.1f ms, destination ran %.1f ms before the last page, total %.1f ms",
	       st->blackout_ms, st->dst_run_ms, st->total_ms);
}

/* After it: the same memory, the destination runs, the source does not. */
static void check_done(struct __test_metadata *_metadata, struct pc_ctx *ctx)
{
	uint64_t hs, hd, gfn = 1;

	ASSERT_EQ(0, tb_mem_hash(ctx->src, BYTES, &hs));
	ASSERT_EQ(0, tb_mem_hash(ctx->dst, BYTES, &hd));
	EXPECT_EQ(hs, hd);
	EXPECT_EQ(-EPERM, tb_guest_write(ctx->src, 0, &gfn, 1, 1, NULL));
	EXPECT_EQ(0, tb_guest_write(ctx->dst, 0, &gfn, 1, 1, NULL));
}

/*
 * Nothing sent before the commit: both vCPUs touch every page in random
 * order while the background streams, each missing page fetched once.
 */
TEST_F_TIMEOUT(postcopy, random_touches, 300)
{
	struct pc_ctx *ctx = &self->c;
	struct guest_toucher t;

	ASSERT_EQ(0, commit(_metadata, ctx, false));
	EXPECT_EQ(0, ctx->m.st.cancelled);
	ASSERT_EQ(0, toucher_start(&t, ctx->dst, NR_VCPUS, NPAGES, NULL, 0, mig_postcopy_fetch,
				   &ctx->m));
	EXPECT_EQ(0, mig_postcopy_finish(&ctx->m));
	EXPECT_EQ(0, toucher_wait(&t, NULL));
	log_postcopy(_metadata, &ctx->m.st);
	EXPECT_LE(ctx->m.st.demand_pages, ctx->m.st.demand_requests);
	EXPECT_EQ(NPAGES, ctx->m.st.pages_sent);
	check_done(_metadata, ctx);
}

/* Counted in the handler: accessed through __atomic builtins only. */
static unsigned long alarms;

static void on_alarm(int sig)
{
	__atomic_add_fetch(&alarms, 1, __ATOMIC_RELAXED);
}

/*
 * A signal storm through a whole post-copy (over one stream, and over four
 * at once): SIGALRM every millisecond, and at each interrupt the emulated
 * TDX Module reports (one poll in 64) to the thread whose call it
 * interrupted, whichever of the pool's, the demand thread's or a
 * destination vCPU's it is; no SA_RESTART. Every call ends in EINTR and is
 * issued again, and the TDs end equal.
 */
TEST_F_TIMEOUT(postcopy, signal_storm, 300)
{
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } }, off = {};
	struct sigaction sa = { .sa_handler = on_alarm };
	struct pc_ctx *ctx = &self->c;
	unsigned long eintr = __atomic_load_n(&mig_eintr_seen, __ATOMIC_RELAXED);
	unsigned long runs_eintr = __atomic_load_n(&tb_run_eintr, __ATOMIC_RELAXED);
	struct guest_toucher t;
	int ret, tret;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, tb_set_intr(TDX_MIG_EMU_INTR_RANDOM | TDX_MIG_EMU_INTR_F_SIGALRM, 64, 7));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	ret = commit(_metadata, ctx, true);
	if (!ret)
		ret = toucher_start(&t, ctx->dst, NR_VCPUS, NPAGES, NULL, 0, mig_postcopy_fetch,
				    &ctx->m);
	if (!ret) {
		ret = mig_postcopy_finish(&ctx->m);
		tret = toucher_wait(&t, NULL);
		ret = ret ?: tret;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	tb_set_intr(0, 0, 0);
	ASSERT_EQ(0, ret);
	log_postcopy(_metadata, &ctx->m.st);
	TH_LOG("%lu SIGALRMs, %lu EINTR in stream calls, %lu in vCPU runs",
	       __atomic_load_n(&alarms, __ATOMIC_RELAXED),
	       __atomic_load_n(&mig_eintr_seen, __ATOMIC_RELAXED) - eintr,
	       __atomic_load_n(&tb_run_eintr, __ATOMIC_RELAXED) - runs_eintr);
	EXPECT_LT(eintr, __atomic_load_n(&mig_eintr_seen, __ATOMIC_RELAXED));
	EXPECT_LT(0, ctx->m.st.resumptions);
	check_done(_metadata, ctx);
}

/*
 * Before the background starts, a page the destination had and lost to a
 * CANCEL faults and is fetched on demand, once, though both vCPUs want it.
 */
TEST_F_TIMEOUT(postcopy, fault_on_cancelled_page, 300)
{
	struct pc_ctx *ctx = &self->c;
	uint64_t stayed = 2, fetched;
	struct guest_toucher t;

	ctx->m.postcopy_demand_only = true;
	ASSERT_EQ(0, commit(_metadata, ctx, true));
	EXPECT_EQ(NR_DIRTIED, ctx->m.st.cancelled);
	ASSERT_EQ(0, toucher_start(&t, ctx->dst, NR_VCPUS, 0, &ctx->dirtied[0], 1,
				   mig_postcopy_fetch, &ctx->m));
	EXPECT_EQ(0, toucher_wait(&t, &fetched));
	EXPECT_LE(1, fetched);
	EXPECT_EQ(1, ctx->m.st.demand_pages);
	EXPECT_LE(1, ctx->m.st.demand_requests);
	/* A page that stayed (GFN 2 is none of the dirtied) needs no fetch. */
	fetched = 0;
	EXPECT_EQ(0, tb_guest_read(ctx->dst, 0, &stayed, 1, mig_postcopy_fetch, &ctx->m,
				   &fetched));
	EXPECT_EQ(0, fetched);
	EXPECT_EQ(0, mig_postcopy_finish(&ctx->m));
	log_postcopy(_metadata, &ctx->m.st);
	check_done(_metadata, ctx);
}

/* The same page asked twice, and a request lost on the way: asked again. */
TEST_F_TIMEOUT(postcopy, duplicated_and_lost_requests, 300)
{
	struct pc_ctx *ctx = &self->c;
	uint64_t fetched = 0;

	ctx->m.postcopy_demand_only = true;
	ASSERT_EQ(0, commit(_metadata, ctx, true));
	EXPECT_EQ(NR_DIRTIED, ctx->m.st.cancelled);
	EXPECT_EQ(0, mig_postcopy_fault(&ctx->m, ctx->dirtied[1]));
	EXPECT_EQ(0, mig_postcopy_fault(&ctx->m, ctx->dirtied[1]));
	EXPECT_EQ(1, ctx->m.st.demand_pages);
	EXPECT_EQ(2, ctx->m.st.demand_requests);

	ctx->m.postcopy_lose_requests = 1;
	EXPECT_EQ(0, tb_guest_read(ctx->dst, 1, &ctx->dirtied[2], 1, mig_postcopy_fetch, &ctx->m,
				   &fetched));
	EXPECT_EQ(1, fetched);
	EXPECT_EQ(2, ctx->m.st.demand_pages);
	EXPECT_EQ(4, ctx->m.st.demand_requests);
	EXPECT_EQ(0, ctx->m.postcopy_lose_requests);
	EXPECT_EQ(0, mig_postcopy_finish(&ctx->m));
	check_done(_metadata, ctx);
}

/* No abort once the destination runs: the uAPI refuses it, the source stays out. */
TEST_F_TIMEOUT(postcopy, no_abort_after_commit, 300)
{
	struct pc_ctx *ctx = &self->c;
	uint64_t status = 0, gfn = 2;

	ctx->m.postcopy_demand_only = true;
	ASSERT_EQ(0, commit(_metadata, ctx, true));
	EXPECT_EQ(NR_DIRTIED, ctx->m.st.cancelled);
	EXPECT_EQ(-EPERM, mig_cmd(&ctx->m.dst[0], KVM_TDX_MIG_IMPORT_ABORT, NULL, &status));
	EXPECT_NE(0, mig_cmd(&ctx->m.src[0], KVM_TDX_MIG_EXPORT_ABORT, NULL, &status));
	EXPECT_EQ(-EPERM, tb_guest_write(ctx->src, 0, &gfn, 1, 1, NULL));
	EXPECT_EQ(0, mig_postcopy_finish(&ctx->m));
	check_done(_metadata, ctx);
}

/*
 * A source stream closed while pages are missing: the background fails,
 * the library says loudly what survives, the destination never ends its
 * import and the source never runs again; the kernel holds up.
 */
TEST_F_TIMEOUT(postcopy, stream_closed_mid_postcopy, 300)
{
	struct pc_ctx *ctx = &self->c;
	uint64_t gfn = 2;
	unsigned int i;

	ctx->m.postcopy_demand_only = true;
	ASSERT_EQ(0, commit(_metadata, ctx, true));
	/* Every background stream (with one stream, the only one). */
	for (i = 0; i == 0 || i + 1 < variant->streams; i++)
		mig_stream_close(&ctx->m.src[i]);
	EXPECT_EQ(-EBADF, mig_postcopy_finish(&ctx->m));
	EXPECT_EQ(-EPERM, tb_guest_write(ctx->src, 0, &gfn, 1, 1, NULL));
	/* A page the destination has can be read; the import never ended. */
	EXPECT_EQ(0, tb_guest_read(ctx->dst, 0, &gfn, 1, NULL, NULL, NULL));
	EXPECT_EQ(-EPERM, mig_cmd(&ctx->m.dst[0], KVM_TDX_MIG_IMPORT_ABORT, NULL, NULL));
}

TEST_HARNESS_MAIN
