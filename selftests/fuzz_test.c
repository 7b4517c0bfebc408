// SPDX-License-Identifier: GPL-2.0
/*
 * make check's slice of the stream uAPI fuzzer (lib/mig_fuzz.c, which
 * make fuzz runs for longer): a fixed seed, a bounded number of calls.
 * It fails on any result Documentation/uapi.rst does not allow, on a
 * clean pair that does not migrate equal, and, judged from the kernel
 * log like every selftest, on any splat; and if this seed's slice no
 * longer reaches post-copy, an abort after the start token, a chained
 * migration, a busy resumption, threads meeting on a stream (EBUSY), the
 * stream limit, a MigTD request answered, or its Send/Receive exits (make
 * fuzz requires every goal of its table, over its longer runs).
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "mig_fuzz.h"
#include "test_backend.h"

#define SLICE_SEED	17
#define SLICE_CALLS	6000

FIXTURE(fuzz) {
	struct fuzz_figures *f;
};

FIXTURE_SETUP(fuzz)
{
	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	self->f = calloc(1, sizeof(*self->f));
	ASSERT_NE(NULL, self->f);
}

FIXTURE_TEARDOWN(fuzz)
{
	free(self->f);
}

TEST_F_TIMEOUT(fuzz, slice, 500)
{
	struct fuzz_opts o = { .seed = SLICE_SEED, .calls = SLICE_CALLS };

	EXPECT_EQ(0, fuzz_run(&o, self->f))
		TH_LOG("reproduce: make fuzz SEED=%d FUZZ_CALLS=%d", SLICE_SEED, SLICE_CALLS);
	EXPECT_LT(0, self->f->clean_migrations);
	EXPECT_LT(0, self->f->victim_compared);
	EXPECT_LT(0, self->f->postcopy_bundles);
	EXPECT_LT(0, self->f->aborts_after_start);
	EXPECT_LT(0, self->f->chained);
	EXPECT_LT(0, self->f->busy_resumptions);
	EXPECT_LT(0, self->f->enospc);
	EXPECT_LT(0, self->f->thread_calls);
	EXPECT_LT(0, self->f->thread_busy);
	EXPECT_LT(0, self->f->migtd_answered);
	EXPECT_LT(0, self->f->migtd_send_receive);
}

TEST_HARNESS_MAIN
