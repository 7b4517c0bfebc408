// SPDX-License-Identifier: GPL-2.0
/*
 * make demo: the operators' single-host flow (td-migration how-to) on the
 * emulated platform. Two emulated MigTDs already run (tdx_mig_migtd -t src
 * and -t dst); this plays the two VMMs: launch the source TD bound to
 * MigTD_src and the destination TD bound to MigTD_dst, pre-migrate (the
 * MigTDs connect over TCP loopback and exchange keys), then live-migrate
 * while the source's vCPUs keep writing, with progress per round and a
 * summary. Modes: precopy and multistream (pre-copy over one or several
 * streams), postcopy and postcopy-multistream (two rounds, then the
 * destination runs and its vCPUs touch every page while the rest streams
 * in; faults are served on demand).
 *
 *   tdx_mig_demo MIGTD_SRC_PID MIGTD_DST_PID [port [MiB [vCPUs [streams [mode]]]]]
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest_writer.h"
#include "kselftest.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

static void progress(const struct mig *m, int round, uint64_t dirty, double mib_s)
{
	struct guest_writer *w = m->opaque;

	if (round < 0)
		return;
	printf("  round %d: %llu dirty pages sent at %.1f MiB/s (guest writes so far: %llu runs)\n",
	       round + 1, (unsigned long long)dirty, mib_s, (unsigned long long)writer_runs(w));
	if (round) {
		printf("    estimated blackout before it: %.0f ms (target %.0f ms); ",
		       m->st.est_blackout_ms, m->downtime_ms);
		printf("%s %.0f, %s %.0f%s\n", "pages/s the guest dirties",
		       m->st.dirty_pages_s, "the export sends", m->st.export_pages_s,
		       m->st.throttle_pct ? "; vCPUs throttled" : "");
	}
	fflush(stdout);
	writer_wait_run(w);
}

static void stop_writer(struct mig *m)
{
	struct guest_writer *w = m->opaque;

	writer_stop(w);
	printf("  writer stopped after %llu runs; pausing the source\n",
	       (unsigned long long)writer_runs(w));
}

/*
 * Post-copy after a short live phase: the destination's vCPUs touch every
 * page while the remaining ones stream in; vCPU state compared at the
 * commit, before the destination runs.
 */
static int postcopy(struct mig *m, int src, int dst, unsigned int vcpus)
{
	uint64_t hs, hd, fetched;
	struct guest_toucher t;
	unsigned int v;
	int ret, mismatch = 0;

	m->min_rounds = 1;
	m->max_rounds = 2;
	ret = mig_start(m) ?: mig_live_rounds(m) ?: mig_postcopy_commit(m);
	if (ret)
		return ret;
	for (v = 0; v < vcpus; v++) {
		ret = tb_vcpu_hash(src, v, &hs) ?: tb_vcpu_hash(dst, v, &hd);
		if (ret)
			return ret;
		mismatch |= hs != hd;
	}
	printf("  committed after %u rounds: blackout %.1f ms, %llu exported pages CANCELled\n",
	       m->st.rounds, m->st.blackout_ms, (unsigned long long)m->st.cancelled);
	printf("  vCPU state at the commit: %s; the destination runs, its vCPUs touch every page\n",
	       mismatch ? "MISMATCH" : "match");
	fflush(stdout);
	ret = toucher_start(&t, dst, vcpus, m->npages, NULL, 0, mig_postcopy_fetch, m);
	if (ret)
		return ret;
	ret = mig_postcopy_finish(m);
	ret = toucher_wait(&t, &fetched) ?: ret;
	printf("  faults served on demand: %llu pages for %llu requests (%llu vCPU exits),\n",
	       (unsigned long long)m->st.demand_pages, (unsigned long long)m->st.demand_requests,
	       (unsigned long long)fetched);
	printf("  fault to page: median %.2f ms, max %.2f ms; the TD ran %.1f ms on the\n",
	       m->st.fault_median_ms, m->st.fault_max_ms, m->st.dst_run_ms);
	printf("  destination before its last page arrived\n");
	return ret ?: mismatch ? -EIO : 0;
}

/* A source or destination TD bound to its MigTD. */
static int launch(uint64_t bytes, unsigned int vcpus, bool destination, pid_t migtd)
{
	uint64_t status;
	int vm = tb_create_bound(bytes, vcpus, destination, migtd, NULL, &status);

	if (vm < 0)
		fprintf(stderr, "binding the %s to MigTD %d: %d (TDX status %#llx)\n",
			destination ? "destination" : "source", migtd, vm,
			(unsigned long long)status);
	return vm;
}

int main(int argc, char **argv)
{
	pid_t migtd_src = argc > 2 ? strtol(argv[1], NULL, 0) : 0;
	pid_t migtd_dst = argc > 2 ? strtol(argv[2], NULL, 0) : 0;
	unsigned int port = argc > 3 ? strtoul(argv[3], NULL, 0) : 1234;
	unsigned long mib = argc > 4 ? strtoul(argv[4], NULL, 0) : 64;
	unsigned int vcpus = argc > 5 ? strtoul(argv[5], NULL, 0) : 4;
	unsigned int streams = argc > 6 ? strtoul(argv[6], NULL, 0) : 2;
	const char *mode = argc > 7 ? argv[7] : "precopy";
	bool post = !strncmp(mode, "postcopy", 8);
	uint64_t bytes = mib << 20, hash, hash2;
	struct guest_writer w = {};
	struct mig m;
	int src, dst, ret;
	double t;

	if (migtd_src <= 0 || migtd_dst <= 0) {
		fprintf(stderr, "usage: %s MIGTD_SRC MIGTD_DST %s\n", argv[0],
			"[port [MiB [vCPUs [streams [mode]]]]]");
		return 2;
	}
	if (tb_open()) {
		fprintf(stderr, "skipped: %s\n", tb_skip_reason());
		return KSFT_SKIP;
	}
	printf("- launch source and destination TDs\n");
	t = mig_now_ms();
	src = launch(bytes, vcpus, false, migtd_src);
	dst = launch(bytes, vcpus, true, migtd_dst);
	if (src < 0 || dst < 0)
		return 1;
	printf("  source TD: %lu MiB private memory (every 8th page PENDING), %u vCPUs, ", mib,
	       vcpus);
	printf("bound to MigTD_src (pid %d); built in %.0f ms\n", migtd_src, mig_now_ms() - t);
	printf("  destination TD: empty, waiting for the import, bound to MigTD_dst (pid %d)\n",
	       migtd_dst);
	printf("- pre-migration: both VMMs set the migration info (port %u); the MigTDs\n", port);
	printf("  connect over TCP 127.0.0.1:%u and exchange the migration session keys\n", port);
	fflush(stdout);
	t = mig_now_ms();
	ret = mig_premigrate(src, dst, port, 60000);
	if (ret) {
		fprintf(stderr, "pre-migration failed: %d\n", ret);
		return 1;
	}
	printf("  pre-migration done on both sides in %.0f ms\n", mig_now_ms() - t);
	printf("- start migration (%s): %u stream(s) of 512 pages, one thread each\n", mode,
	       streams);
	ret = tb_mig_open(&m, src, dst, bytes / MIG_PAGE_SIZE, vcpus, streams, 512);
	if (!ret)
		ret = writer_start(&w, src, vcpus, bytes / MIG_PAGE_SIZE);
	if (ret) {
		fprintf(stderr, "setup failed: %d\n", ret);
		return 1;
	}
	m.progress = progress;
	m.before_pause = stop_writer;
	m.throttle = writer_throttle_mig;
	m.opaque = &w;
	printf("  guest writer running on every vCPU; live phase:\n");
	fflush(stdout);
	ret = post ? postcopy(&m, src, dst, vcpus) : mig_precopy(&m);
	if (ret) {
		fprintf(stderr, "migration failed: %d\n", ret);
		return 1;
	}
	/* After post-copy the destination ran: its vCPUs were compared at the commit. */
	ret = post ? tb_mem_hash(src, bytes, &hash) ?: tb_mem_hash(dst, bytes, &hash2) ?:
		     (hash != hash2 ? -EIO : 0) :
		     td_compare(src, dst, bytes, vcpus, &hash);
	mig_print_summary(&m, hash, !post, ret);
	mig_close(&m);
	close(src);
	close(dst);
	return ret ? 1 : 0;
}
