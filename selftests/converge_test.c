// SPDX-License-Identifier: GPL-2.0
/*
 * How the VMM library ends the live phase (mig_decide()): fed the figures
 * a round measured, it switches over once the estimated blackout fits the
 * downtime target, throttles a guest that outruns the export or switches
 * to post-copy, and says why. Then two migrations where the outcome does
 * not depend on timing: a target nothing can miss and one nothing can meet.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "guest_writer.h"
#include "kselftest_harness.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define BYTES		(8UL << 20)
#define NR_VCPUS	2

static unsigned int throttled[16], nr_throttled;

static void record_throttle(struct mig *m, unsigned int pct)
{
	if (nr_throttled < 16)
		throttled[nr_throttled++] = pct;
}

static struct mig fresh(void)
{
	struct mig m = { .min_rounds = 1, .max_rounds = 10,
			 .downtime_ms = MIG_DEFAULT_DOWNTIME_MS };

	m.st.state_ms = 20;
	nr_throttled = 0;
	return m;
}

/* 1000 pages/s; 100 dirty pages are 100 ms, plus 20 ms of state. */
TEST(estimate_and_target)
{
	struct mig m = fresh();

	/* The library's logic, checked where the suite has a platform. */
	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	m.st.rounds = 1;
	EXPECT_EQ(MIG_SWITCH_TARGET, mig_decide(&m, 100, 1000, 1.0));
	EXPECT_EQ(120, (int)(m.st.est_blackout_ms + 0.5));
	EXPECT_EQ(1000, (int)m.st.export_pages_s);
	EXPECT_EQ(100, (int)m.st.dirty_pages_s);
	EXPECT_NE(NULL, strstr(m.st.decision, "switch-over after 1 rounds"));
	/* 400 dirty pages: 420 ms, over the target. */
	m = fresh();
	m.st.rounds = 1;
	EXPECT_EQ(MIG_SWITCH_NONE, mig_decide(&m, 400, 1000, 1.0));
	/* ... but a target of 500 ms takes it. */
	m.downtime_ms = 500;
	EXPECT_EQ(MIG_SWITCH_TARGET, mig_decide(&m, 400, 1000, 1.0));
	/* Not before min_rounds, however small. */
	m = fresh();
	m.min_rounds = 3;
	m.st.rounds = 2;
	EXPECT_EQ(MIG_SWITCH_NONE, mig_decide(&m, 0, 1000, 1.0));
}

/* Dirtying more than half of what a round sends, twice in a row: post-copy. */
TEST(outrun_switches_to_postcopy)
{
	struct mig m = fresh();

	/* The library's logic, checked where the suite has a platform. */
	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	m.allow_postcopy = true;
	m.st.rounds = 1;
	EXPECT_EQ(MIG_SWITCH_NONE, mig_decide(&m, 600, 1000, 1.0));
	/* A round that keeps up resets the count. */
	m.st.rounds = 2;
	EXPECT_EQ(MIG_SWITCH_NONE, mig_decide(&m, 400, 1000, 1.0));
	m.st.rounds = 3;
	EXPECT_EQ(MIG_SWITCH_NONE, mig_decide(&m, 600, 1000, 1.0));
	m.st.rounds = 4;
	EXPECT_EQ(MIG_SWITCH_POSTCOPY, mig_decide(&m, 700, 1000, 1.0));
	EXPECT_NE(NULL, strstr(m.st.decision, "post-copy after 4 rounds"));
	EXPECT_EQ(0, nr_throttled);
}

/* Without post-copy the throttle steps 20, 30, ... 90 %, two rounds behind each time. */
TEST(outrun_throttles)
{
	struct mig m = fresh();
	unsigned int r, i;

	/* The library's logic, checked where the suite has a platform. */
	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	m.throttle = record_throttle;
	for (r = 1; r <= 40; r++) {
		m.st.rounds = r;
		EXPECT_EQ(MIG_SWITCH_NONE, mig_decide(&m, 900, 1000, 1.0));
	}
	ASSERT_EQ(8, nr_throttled);
	for (i = 0; i < nr_throttled; i++)
		EXPECT_EQ(20 + 10 * i, throttled[i]);
	EXPECT_EQ(90, m.st.throttle_pct);
	EXPECT_NE(NULL, strstr(m.st.decision, "throttled to 90%"));
}

FIXTURE(live) {
	int src, dst;
	struct mig m;
	struct guest_writer w;
	bool writing;
};

FIXTURE_SETUP(live)
{
	self->src = -1;
	self->dst = -1;
	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	ASSERT_EQ(0, tb_create_pair(BYTES, NR_VCPUS, &self->src, &self->dst));
	ASSERT_EQ(0, tb_mig_open(&self->m, self->src, self->dst, BYTES / MIG_PAGE_SIZE,
				 NR_VCPUS, 1, 512));
	ASSERT_EQ(0, writer_start(&self->w, self->src, NR_VCPUS, BYTES / MIG_PAGE_SIZE));
	self->writing = true;
	self->m.opaque = &self->w;
}

FIXTURE_TEARDOWN(live)
{
	if (self->writing)
		writer_stop(&self->w);
	mig_close(&self->m);
	if (self->src >= 0)
		close(self->src);
	if (self->dst >= 0)
		close(self->dst);
}

static void stop_writer(struct mig *m)
{
	writer_stop(m->opaque);
}

static void migrate(struct __test_metadata *_metadata, struct mig *m, int src, int dst)
{
	m->before_pause = stop_writer;
	ASSERT_EQ(0, mig_precopy(m));
	TH_LOG("%s; blackout %.1f ms", m->st.decision, m->st.blackout_ms);
	ASSERT_EQ(0, td_compare(src, dst, BYTES, NR_VCPUS, NULL));
}

/* A target no blackout misses: switch-over at min_rounds. */
TEST_F_TIMEOUT(live, generous_target_switches_at_min_rounds, 600)
{
	self->m.min_rounds = 2;
	self->m.downtime_ms = 1e9;
	migrate(_metadata, &self->m, self->src, self->dst);
	self->writing = false;
	EXPECT_EQ(MIG_SWITCH_TARGET, self->m.st.switched);
	EXPECT_EQ(2, self->m.st.rounds);
	EXPECT_LT(0, self->m.st.export_pages_s);
}

/* A target nothing meets: the round cap, said so, and the TD still arrives whole. */
TEST_F_TIMEOUT(live, impossible_target_hits_the_round_cap, 600)
{
	self->m.min_rounds = 1;
	self->m.max_rounds = 3;
	self->m.downtime_ms = 0;
	migrate(_metadata, &self->m, self->src, self->dst);
	self->writing = false;
	EXPECT_EQ(MIG_SWITCH_ROUND_CAP, self->m.st.switched);
	EXPECT_EQ(3, self->m.st.rounds);
	EXPECT_NE(NULL, strstr(self->m.st.decision, "round cap 3 hit"));
	EXPECT_LT(0, self->m.st.est_blackout_ms);
}

TEST_HARNESS_MAIN
