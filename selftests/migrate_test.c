// SPDX-License-Identifier: GPL-2.0
/*
 * Single-host pre-copy live migration through the stream uAPI, while a
 * writer thread keeps the guest dirtying pages: the destination must end
 * with the source's memory and vCPU state. Variants: 128 MiB over two
 * streams; 8 MiB with an interrupt at every poll of the TDX Module; 16 MiB
 * with SIGALRM every millisecond ending long calls with EINTR.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest_writer.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define NR_VCPUS	4

FIXTURE(precopy) {
	int src, dst;
	uint64_t bytes;
	struct mig m;
	struct guest_writer w;
	bool writer_running;
};

FIXTURE_SETUP(precopy)
{
	self->src = self->dst = -1;
	if (tb_open())
		SKIP(return, "no test backend (tdx_mig_emu not loaded)");
}

FIXTURE_TEARDOWN(precopy)
{
	if (self->writer_running)
		writer_stop(&self->w);
	mig_close(&self->m);
	if (self->src >= 0)
		close(self->src);
	if (self->dst >= 0)
		close(self->dst);
	tb_set_intr(0, 0, 0);
}

/* Each round waits for one more guest write, so every round has dirty pages. */
static void round_done(const struct mig *m, int round, uint64_t dirty, double mib_s)
{
	struct guest_writer *w = m->opaque;

	if (round >= 0 && w)
		writer_wait_run(w);
}

/* The writer finishes its run: the vCPUs are idle when the source pauses. */
static void stop_writer(struct mig *m)
{
	writer_stop(m->opaque);
}

/* Source and destination TDs, keys, streams, and the writer started. */
static int setup_migration(FIXTURE_DATA(precopy) *self, uint64_t bytes, unsigned int streams,
			   uint32_t buf_pages)
{
	int ret;

	self->bytes = bytes;
	self->src = tb_create_td(bytes, NR_VCPUS, false, 8);
	self->dst = tb_create_td(bytes, NR_VCPUS, true, 0);
	if (self->src < 0 || self->dst < 0)
		return self->src < 0 ? self->src : self->dst;
	ret = tb_exchange_keys(self->src, self->dst) ?:
	      mig_open(&self->m, self->src, self->dst, bytes / MIG_PAGE_SIZE, NR_VCPUS,
		       streams, buf_pages);
	if (ret)
		return ret;
	self->m.progress = round_done;
	self->m.before_pause = stop_writer;
	self->m.opaque = &self->w;
	ret = writer_start(&self->w, self->src, NR_VCPUS, bytes / MIG_PAGE_SIZE);
	self->writer_running = !ret;
	return ret;
}

static void log_stats(struct __test_metadata *_metadata, const struct mig_stats *st,
		      const struct guest_writer *w)
{
	TH_LOG("rounds %u, epochs %u, pages %llu, re-migrated %llu, failed %llu, write faults %llu (writer %llu runs), resumptions %llu, EINTR %llu, blackout %.1f ms, total %.1f ms",
	       st->rounds, st->epochs, (unsigned long long)st->pages_sent,
	       (unsigned long long)st->remigrated, (unsigned long long)st->failed_entries,
	       (unsigned long long)st->write_faults, (unsigned long long)w->runs,
	       (unsigned long long)st->resumptions, (unsigned long long)st->eintr,
	       st->blackout_ms, st->total_ms);
}

/* After the migration: identical TDs; the destination runs, the source does not. */
static void check_result(struct __test_metadata *_metadata, FIXTURE_DATA(precopy) *self)
{
	uint64_t gfns[4] = { 0, 1, 2, 3 };

	ASSERT_EQ(0, writer_stop(&self->w));
	self->writer_running = false;
	ASSERT_EQ(0, td_compare(self->src, self->dst, self->bytes, NR_VCPUS, NULL));
	EXPECT_EQ(-EPERM, tb_guest_write(self->src, 0, gfns, 4, 1, NULL));
	EXPECT_EQ(0, tb_guest_write(self->dst, 0, gfns, 4, 1, NULL));
}

/* The acceptance run: 128 MiB, 4 vCPUs, 2 streams, >= 3 rounds under writes. */
TEST_F_TIMEOUT(precopy, live_128m_two_streams, 600)
{
	ASSERT_EQ(0, setup_migration(self, 128UL << 20, 2, 512));
	ASSERT_EQ(0, mig_precopy(&self->m));
	log_stats(_metadata, &self->m.st, &self->w);
	EXPECT_GE(self->m.st.rounds, 3);
	EXPECT_GT(self->m.st.write_faults, 0);
	EXPECT_GT(self->m.st.remigrated, 0);
	check_result(_metadata, self);
}

/* Every interruptible leaf is interrupted at every poll and resumed. */
TEST_F_TIMEOUT(precopy, interrupt_every_poll_8m, 300)
{
	ASSERT_EQ(0, setup_migration(self, 8UL << 20, 1, 128));
	ASSERT_EQ(0, tb_set_intr(1, 1, 0));
	ASSERT_EQ(0, mig_precopy(&self->m));
	log_stats(_metadata, &self->m.st, &self->w);
	EXPECT_GT(self->m.st.resumptions, 0);
	EXPECT_GE(self->m.st.rounds, 3);
	check_result(_metadata, self);
}

static volatile unsigned long alarms;

static void on_alarm(int sig)
{
	alarms++;
}

/* SIGALRM every millisecond, no SA_RESTART: calls end in EINTR and resume. */
TEST_F_TIMEOUT(precopy, sigalrm_every_ms_16m, 300)
{
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } }, off = {};
	struct sigaction sa = { .sa_handler = on_alarm };

	ASSERT_EQ(0, setup_migration(self, 16UL << 20, 2, 256));
	ASSERT_EQ(0, tb_set_intr(2, 4, 42));
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	ASSERT_EQ(0, mig_precopy(&self->m));
	setitimer(ITIMER_REAL, &off, NULL);
	log_stats(_metadata, &self->m.st, &self->w);
	TH_LOG("%lu SIGALRMs", alarms);
	EXPECT_GT(alarms, 0);
	EXPECT_GT(self->m.st.resumptions, 0);
	check_result(_metadata, self);
}

TEST_HARNESS_MAIN
