// SPDX-License-Identifier: GPL-2.0
/*
 * make demo: a single-host pre-copy live migration of an emulated TD while
 * its vCPUs keep writing, with progress per round and a summary.
 *
 *   tdx_mig_demo [MiB [vCPUs [streams]]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "guest_writer.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

static void progress(const struct mig *m, int round, uint64_t dirty, double mib_s)
{
	struct guest_writer *w = m->opaque;

	if (round < 0)
		return;
	printf("  round %d: %llu dirty pages sent at %.1f MiB/s (guest writes so far: %llu runs)\n",
	       round + 1, (unsigned long long)dirty, mib_s, (unsigned long long)writer_runs(w));
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

int main(int argc, char **argv)
{
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 64;
	unsigned int vcpus = argc > 2 ? strtoul(argv[2], NULL, 0) : 4;
	unsigned int streams = argc > 3 ? strtoul(argv[3], NULL, 0) : 2;
	uint64_t bytes = mib << 20, hash;
	struct guest_writer w = {};
	struct mig m;
	int src, dst, ret;
	double t;

	printf("tdx-mig demo: single-host pre-copy live migration of an emulated TD\n");
	if (tb_open()) {
		fprintf(stderr, "no /dev/tdx_mig_emu: load tdx_mig.ko and tdx_mig_emu.ko\n");
		return 1;
	}
	t = mig_now_ms();
	src = tb_create_td(bytes, vcpus, false, 8);
	dst = tb_create_td(bytes, vcpus, true, 0);
	if (src < 0 || dst < 0) {
		fprintf(stderr, "creating the TDs failed: %d %d\n", src, dst);
		return 1;
	}
	printf("  source TD: %lu MiB private memory (every 8th page PENDING), ", mib);
	printf("%u vCPUs, built in %.0f ms\n", vcpus, mig_now_ms() - t);
	printf("  destination TD: empty, waiting for the import; %u streams of 512 pages\n",
	       streams);
	ret = tb_exchange_keys(src, dst);
	if (!ret)
		ret = mig_open(&m, src, dst, bytes / MIG_PAGE_SIZE, vcpus, streams, 512);
	if (!ret)
		ret = writer_start(&w, src, vcpus, bytes / MIG_PAGE_SIZE);
	if (ret) {
		fprintf(stderr, "setup failed: %d\n", ret);
		return 1;
	}
	m.progress = progress;
	m.before_pause = stop_writer;
	m.opaque = &w;
	printf("  guest writer running on every vCPU; live phase:\n");
	fflush(stdout);
	ret = mig_precopy(&m);
	if (ret) {
		fprintf(stderr, "migration failed: %d\n", ret);
		return 1;
	}
	ret = td_compare(src, dst, bytes, vcpus, &hash);
	printf("summary:\n");
	printf("  rounds %u, epochs %u, bundles %llu, pages sent %llu (%.2f x the TD)\n",
	       m.st.rounds, m.st.epochs, (unsigned long long)m.st.bundles,
	       (unsigned long long)m.st.pages_sent,
	       (double)m.st.pages_sent / (bytes / MIG_PAGE_SIZE));
	printf("  write-blocked %llu, write faults %llu, re-migrated pages %llu, ",
	       (unsigned long long)m.st.write_blocked, (unsigned long long)m.st.write_faults,
	       (unsigned long long)m.st.remigrated);
	printf("interrupted calls resumed %llu\n", (unsigned long long)m.st.resumptions);
	printf("  blackout %.1f ms, total %.1f ms, throughput %.1f MiB/s\n", m.st.blackout_ms,
	       m.st.total_ms, m.st.pages_sent * MIG_PAGE_SIZE / 1048576.0 / (m.st.total_ms / 1e3));
	printf("  memory hash %016llx on both sides: %s\n", (unsigned long long)hash,
	       ret ? "MISMATCH" : "match");
	printf("  vCPU state: %s\n", ret ? "MISMATCH" : "match");
	mig_close(&m);
	close(src);
	close(dst);
	return ret ? 1 : 0;
}
