// SPDX-License-Identifier: GPL-2.0
/*
 * Single-host pre-copy live migration through the stream uAPI, while a
 * writer thread keeps the guest dirtying pages: the destination must end
 * with the source's memory and vCPU state. Variants: 128 MiB over two
 * streams; 8 MiB with an interrupt at every poll of the TDX Module; 16 MiB
 * with SIGALRM every millisecond and with each interrupt the TDX Module
 * reports, ending long calls with EINTR.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/tdx_mig_emu.h>

#include "kselftest_harness.h"
#include "guest_writer.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define NR_VCPUS	4

struct precopy_ctx {
	int src, dst;
	uint64_t bytes;
	struct mig m;
	struct guest_writer w;
	bool writer_running;
};

FIXTURE(precopy) {
	struct precopy_ctx c;
};

FIXTURE_SETUP(precopy)
{
	struct precopy_ctx *ctx = &self->c;

	ctx->src = -1;
	ctx->dst = -1;
	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
}

FIXTURE_TEARDOWN(precopy)
{
	struct precopy_ctx *ctx = &self->c;

	if (ctx->writer_running)
		writer_stop(&ctx->w);
	mig_close(&ctx->m);
	if (ctx->src >= 0)
		close(ctx->src);
	if (ctx->dst >= 0)
		close(ctx->dst);
	tb_set_intr(0, 0, 0);
}

/* Rounds whose guest write never came: accessed through __atomic builtins only. */
static unsigned int rounds_unwritten;

/* Each round waits for one more guest write, so every round has dirty pages. */
static void round_done(const struct mig *m, int round, uint64_t dirty, double mib_s)
{
	struct guest_writer *w = m->opaque;

	if (round >= 0 && w && !writer_wait_run(w))
		__atomic_add_fetch(&rounds_unwritten, 1, __ATOMIC_RELAXED);
}

/* The writer finishes its run: the vCPUs are idle when the source pauses. */
static void stop_writer(struct mig *m)
{
	writer_stop(m->opaque);
}

/* Source and destination TDs, keys, streams, and the writer started. */
static int setup_migration(struct precopy_ctx *ctx, uint64_t bytes, unsigned int streams,
			   uint32_t buf_pages)
{
	int ret;

	ctx->bytes = bytes;
	ctx->src = tb_create_td(bytes, NR_VCPUS, false, 8);
	ctx->dst = tb_create_td(bytes, NR_VCPUS, true, 0);
	if (ctx->src < 0 || ctx->dst < 0)
		return ctx->src < 0 ? ctx->src : ctx->dst;
	ret = tb_exchange_keys(ctx->src, ctx->dst) ?:
	      tb_mig_open(&ctx->m, ctx->src, ctx->dst, bytes / MIG_PAGE_SIZE, NR_VCPUS,
			  streams, buf_pages);
	if (ret)
		return ret;
	ctx->m.progress = round_done;
	ctx->m.before_pause = stop_writer;
	ctx->m.opaque = &ctx->w;
	ret = writer_start(&ctx->w, ctx->src, NR_VCPUS, bytes / MIG_PAGE_SIZE);
	ctx->writer_running = !ret;
	return ret;
}

static void log_stats(struct __test_metadata *_metadata, const struct mig_stats *st,
		      const struct guest_writer *w)
{
	TH_LOG("rounds %u, epochs %u, pages %llu, re-migrated %llu, failed %llu",
	       st->rounds, st->epochs, (unsigned long long)st->pages_sent,
	       (unsigned long long)st->remigrated, (unsigned long long)st->failed_entries);
	TH_LOG("write faults %llu (writer %llu runs), resumptions %llu, EINTR %llu",
	       (unsigned long long)st->write_faults, (unsigned long long)writer_runs(w),
	       (unsigned long long)st->resumptions, (unsigned long long)st->eintr);
	TH_LOG("blackout %.1f ms, total %.1f ms", st->blackout_ms, st->total_ms);
}

/* After the migration: identical TDs; the destination runs, the source does not. */
static void check_result(struct __test_metadata *_metadata, struct precopy_ctx *ctx)
{
	uint64_t gfns[4] = { 0, 1, 2, 3 };

	ASSERT_EQ(0, writer_stop(&ctx->w));
	ctx->writer_running = false;
	EXPECT_EQ(0, __atomic_load_n(&rounds_unwritten, __ATOMIC_RELAXED));
	/* Private and shared memory and vCPUs; the guest wrote shared pages too. */
	ASSERT_EQ(0, td_compare(ctx->src, ctx->dst, ctx->bytes, NR_VCPUS, NULL));
	EXPECT_LT(TB_TD_SHARED_PAGES, ctx->m.st.shared_pages_sent);
	EXPECT_EQ(-EPERM, tb_guest_write(ctx->src, 0, gfns, 4, 1, NULL));
	EXPECT_EQ(0, tb_guest_write(ctx->dst, 0, gfns, 4, 1, NULL));
	EXPECT_EQ(0, tb_guest_write_shared(ctx->dst, 0, gfns, 4, 1));
}

/* The acceptance run: 128 MiB, 4 vCPUs, 2 streams, >= 3 rounds under writes. */
TEST_F_TIMEOUT(precopy, live_128m_two_streams, 600)
{
	struct precopy_ctx *ctx = &self->c;

	ASSERT_EQ(0, setup_migration(ctx, 128UL << 20, 2, 512));
	ASSERT_EQ(0, mig_precopy(&ctx->m));
	log_stats(_metadata, &ctx->m.st, &ctx->w);
	EXPECT_GE(ctx->m.st.rounds, 3);
	EXPECT_GT(ctx->m.st.write_faults, 0);
	EXPECT_GT(ctx->m.st.remigrated, 0);
	check_result(_metadata, ctx);
}

/* Every interruptible leaf is interrupted at every poll and resumed. */
TEST_F_TIMEOUT(precopy, interrupt_every_poll_8m, 300)
{
	struct precopy_ctx *ctx = &self->c;

	ASSERT_EQ(0, setup_migration(ctx, 8UL << 20, 1, 128));
	ASSERT_EQ(0, tb_set_intr(1, 1, 0));
	ASSERT_EQ(0, mig_precopy(&ctx->m));
	log_stats(_metadata, &ctx->m.st, &ctx->w);
	EXPECT_GT(ctx->m.st.resumptions, 0);
	EXPECT_GE(ctx->m.st.rounds, 3);
	check_result(_metadata, ctx);
}

/* Counted in the handler: accessed through __atomic builtins only. */
static unsigned long alarms;

static void on_alarm(int sig)
{
	__atomic_add_fetch(&alarms, 1, __ATOMIC_RELAXED);
}

/*
 * SIGALRM every millisecond, and with each interrupt the TDX Module
 * reports (at random, one poll in 64: thousands in the migration), no
 * SA_RESTART: calls end in EINTR and resume. The timer's signals land
 * anywhere; the module's inside a call, so calls surely were interrupted
 * and re-issued.
 */
TEST_F_TIMEOUT(precopy, sigalrm_every_ms_16m, 300)
{
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } }, off = {};
	struct sigaction sa = { .sa_handler = on_alarm };
	struct precopy_ctx *ctx = &self->c;
	unsigned long n, eintr = __atomic_load_n(&mig_eintr_seen, __ATOMIC_RELAXED);

	ASSERT_EQ(0, setup_migration(ctx, 16UL << 20, 2, 256));
	/* The handler first: the writer's vCPU entries get SIGALRM too. */
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, tb_set_intr(TDX_MIG_EMU_INTR_RANDOM | TDX_MIG_EMU_INTR_F_SIGALRM, 64, 42));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	ASSERT_EQ(0, mig_precopy(&ctx->m));
	setitimer(ITIMER_REAL, &off, NULL);
	ASSERT_EQ(0, tb_set_intr(0, 0, 0));
	log_stats(_metadata, &ctx->m.st, &ctx->w);
	n = __atomic_load_n(&alarms, __ATOMIC_RELAXED);
	eintr = __atomic_load_n(&mig_eintr_seen, __ATOMIC_RELAXED) - eintr;
	TH_LOG("%lu SIGALRMs, %lu EINTR", n, eintr);
	EXPECT_GT(n, 0);
	EXPECT_GT(ctx->m.st.eintr, 0);
	EXPECT_EQ(ctx->m.st.eintr, eintr);
	EXPECT_GT(ctx->m.st.resumptions, 0);
	check_result(_metadata, ctx);
}

/* A TD migrated in migrates on: A to B, then B to C, all three equal. */
TEST_F_TIMEOUT(precopy, migrate_again_from_destination, 300)
{
	struct precopy_ctx *ctx = &self->c;
	const uint64_t bytes = 8UL << 20;
	struct mig again;
	int third;

	ASSERT_EQ(0, setup_migration(ctx, bytes, 1, 128));
	ASSERT_EQ(0, writer_stop(&ctx->w));
	ctx->writer_running = false;
	ctx->m.min_rounds = 1;
	ASSERT_EQ(0, mig_precopy(&ctx->m));
	mig_close(&ctx->m);

	third = tb_create_td(bytes, NR_VCPUS, true, 0);
	ASSERT_LE(0, third);
	ASSERT_EQ(0, tb_exchange_keys(ctx->dst, third));
	ASSERT_EQ(0, tb_mig_open(&again, ctx->dst, third, bytes / MIG_PAGE_SIZE, NR_VCPUS, 1, 128));
	again.min_rounds = 1;
	EXPECT_EQ(0, mig_precopy(&again));
	EXPECT_EQ(0, td_compare(ctx->src, third, bytes, NR_VCPUS, NULL));
	EXPECT_EQ(0, td_compare(ctx->dst, third, bytes, NR_VCPUS, NULL));
	mig_close(&again);
	close(third);
}

/*
 * @streams forward streams, one thread each, all moving the same round's
 * pages while the guest writes; the epoch token waits until each stream
 * drained its epoch. Each stream fd pair and its thread: the fd limit is
 * raised for the largest.
 */
static void multistream(struct __test_metadata *_metadata, struct precopy_ctx *ctx,
			unsigned int streams, uint32_t buf_pages)
{
	struct rlimit nofile;

	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &nofile));
	if (nofile.rlim_cur < 2 * streams + 64) {
		nofile.rlim_cur = 2 * streams + 64;
		if (nofile.rlim_max < nofile.rlim_cur)
			nofile.rlim_max = nofile.rlim_cur;
		ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &nofile));
	}
	ASSERT_EQ(0, setup_migration(ctx, 8UL << 20, streams, buf_pages));
	ASSERT_EQ(streams, ctx->m.nstreams);
	ASSERT_EQ(0, mig_precopy(&ctx->m));
	log_stats(_metadata, &ctx->m.st, &ctx->w);
	EXPECT_GE(ctx->m.st.rounds, 3);
	check_result(_metadata, ctx);
}

TEST_F_TIMEOUT(precopy, streams_1, 300)
{
	multistream(_metadata, &self->c, 1, 64);
}

TEST_F_TIMEOUT(precopy, streams_2, 300)
{
	multistream(_metadata, &self->c, 2, 64);
}

TEST_F_TIMEOUT(precopy, streams_4, 300)
{
	multistream(_metadata, &self->c, 4, 64);
}

/* MAX_MIGS - 1: every forward stream the TDX Module allows. */
TEST_F_TIMEOUT(precopy, streams_max, 600)
{
	multistream(_metadata, &self->c, MIG_MAX_STREAMS, 2);
}

/* 4 streams, one thread each (the pool), interrupts at random, the guest writing. */
TEST_F_TIMEOUT(precopy, parallel_streams_16m, 300)
{
	struct precopy_ctx *ctx = &self->c;

	ASSERT_EQ(0, setup_migration(ctx, 16UL << 20, 4, 64));
	ASSERT_EQ(0, tb_set_intr(2, 8, 7));
	ASSERT_EQ(0, mig_precopy(&ctx->m));
	log_stats(_metadata, &ctx->m.st, &ctx->w);
	EXPECT_GT(ctx->m.st.remigrated, 0);
	check_result(_metadata, ctx);
}

TEST_HARNESS_MAIN
