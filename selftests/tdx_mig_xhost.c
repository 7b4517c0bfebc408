// SPDX-License-Identifier: GPL-2.0
/*
 * tdx_mig_xhost: one host's VMM in a cross-host migration (the how-to's
 * §2.1.2), over the wire of lib/mig_wire.h. Each host runs its own
 * emulated MigTD (tdx_mig_migtd); the MigTDs meet over the network during
 * pre-migration, then the source VMM sends the TD to the destination VMM.
 *
 *   tdx_mig_xhost dst -m MIGTD_PID [-a ADDR] [-p PORT] [-n N] [-e EXPECT] [-H FILE]
 *   tdx_mig_xhost src -m MIGTD_PID -d ADDR [-p PORT] [-t MIGTD_PORT] [-M MODE]
 *                     [-s STREAMS] [-S MiB] [-c vCPUs] [-k PHASE] [-H FILE]
 *
 * The destination serves N migrations on ADDR:PORT (default 0.0.0.0:4444),
 * each ending "ok", "abort" (the import aborted before the commit) or
 * "lost" (post-copy failed after it); -e lists what each must be
 * (e.g. abort,ok) and the exit status says whether they were.
 * The source migrates a TD of MiB (64) with vCPUs (4) writing, in MODE
 * precopy (default), multistream, postcopy or postcopy-multistream.
 * -k cuts the network (every connection shut down) in PHASE: live (after
 * the first round), blackout (just after the pause) or postcopy (just
 * after the commit); before the commit the source aborts, runs on and
 * migrates again to a fresh destination. -H pre-binds the TD by the hash
 * in FILE (tdx_mig_migtd -H) before binding it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest_writer.h"
#include "kselftest.h"
#include "mig_dest.h"
#include "mig_wire.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

struct opts {
	bool source;
	pid_t migtd;
	const char *addr;
	unsigned int port;
	unsigned int migtd_port;
	const char *mode;
	unsigned int streams;
	unsigned long mib;
	unsigned int vcpus;
	const char *cut;
	unsigned int count;
	const char *expect;
	bool prebind;
	uint8_t hash[48];
};

static int read_hash(const char *path, uint8_t hash[48])
{
	char hex[128];
	unsigned int i, b;
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fgets(hex, sizeof(hex), f) && strlen(hex) >= 96;
	fclose(f);
	for (i = 0; ok && i < 48; i++) {
		ok = sscanf(&hex[2 * i], "%2x", &b) == 1;
		hash[i] = b;
	}
	return ok ? 0 : -EINVAL;
}

/* --- the destination host --- */

static unsigned int serving;

static void dest_event(struct mig_dest *d, enum mig_dest_event e)
{
	const struct mig_hello *h = mig_dest_shape(d);

	if (e == MIG_DEST_ACCEPTED)
		printf("dst: migration %u: %llu MiB, %u vCPUs, %u stream(s)%s; %s\n", serving,
		       (unsigned long long)(h->npages >> 8), h->nr_vcpus, h->nstreams,
		       h->flags & MIG_HELLO_F_POSTCOPY ? ", post-copy" : "",
		       "pre-migration done");
	else
		printf("dst: committed; the TD runs here, its vCPUs touch every page\n");
}

/* One incoming migration: its outcome ("ok", "abort", "lost"). */
static const char *serve_one(struct mig_dest *d, unsigned int n)
{
	const struct mig_dest_stats *st = mig_dest_stats(d);
	bool post, committed;
	uint64_t fetched;
	const char *res;
	int ret;

	printf("dst: migration %u: waiting for the source VMM\n", n);
	serving = n;
	ret = mig_dest_run(d, dest_event, &committed, &fetched);
	post = mig_dest_shape(d)->flags & MIG_HELLO_F_POSTCOPY;
	mig_dest_finish(d);
	/* Past the commit nothing can be undone: the TD is lost if pages are. */
	res = !ret ? "ok" : committed ? "lost" : "abort";
	if (!ret) {
		printf("dst: %llu bundles, %llu pages imported, interrupted calls resumed %llu\n",
		       (unsigned long long)st->bundles, (unsigned long long)st->pages,
		       (unsigned long long)st->resumptions);
		if (post) {
			printf("dst: faults: %llu vCPU exits, %llu requests; ",
			       (unsigned long long)fetched, (unsigned long long)st->fault_requests);
			printf("fault to page: median %.2f ms, max %.2f ms\n", st->fault_median_ms,
			       st->fault_max_ms);
		}
		printf("dst: memory hash %016llx and vCPU state match the source's\n",
		       (unsigned long long)st->mem_hash);
	}
	printf("dst: migration %u: %s%s%s\n", n, res, *mig_dest_why(d) ? ": " : "",
	       mig_dest_why(d));
	return res;
}

static int destination(const struct opts *o)
{
	const char *expect = o->expect ?: "";
	struct mig_dest *d;
	unsigned int n;
	int ret, bad = 0;

	ret = mig_dest_listen(&d, o->addr ?: "0.0.0.0", o->port, o->migtd);
	if (ret) {
		fprintf(stderr, "dst: cannot listen on port %u: %s\n", o->port, strerror(-ret));
		return 1;
	}
	if (o->prebind)
		mig_dest_prebind(d, o->hash);
	printf("dst: listening on %s:%u, TDs bound to MigTD pid %d%s\n", o->addr ?: "0.0.0.0",
	       o->port, o->migtd, o->prebind ? " (pre-bound by its hash first)" : "");
	for (n = 1; n <= o->count; n++) {
		const char *got = serve_one(d, n);
		size_t len = strcspn(expect, ",");

		if (*expect && (strlen(got) != len || strncmp(got, expect, len))) {
			printf("dst: migration %u: expected %.*s\n", n, (int)len, expect);
			bad = 1;
		}
		expect += len + !!expect[len];
	}
	mig_dest_close(d);
	return bad;
}

/* --- the source host --- */

static void progress(const struct mig *m, int round, uint64_t dirty, double mib_s)
{
	struct guest_writer *w = m->opaque;

	if (round < 0)
		return;
	printf("src:   round %d: %llu dirty pages sent at %.1f MiB/s\n", round + 1,
	       (unsigned long long)dirty, mib_s);
	fflush(stdout);
	if (w)
		writer_wait_run(w);
}

static const char *cut_phase;

static void cut(const struct mig *m, const char *phase)
{
	if (!cut_phase || strcmp(cut_phase, phase))
		return;
	printf("src: CUTTING THE NETWORK (%s)\n", phase);
	fflush(stdout);
	mig_link_cut(m->link);
	cut_phase = NULL;
}

static void progress_and_cut(const struct mig *m, int round, uint64_t dirty, double mib_s)
{
	progress(m, round, dirty, mib_s);
	if (round == 0)
		cut(m, "live");
}

static void stop_writer(struct mig *m)
{
	if (m->opaque)
		writer_stop(m->opaque);
}

static void after_pause(struct mig *m)
{
	cut(m, "blackout");
}

/* The source's hashes: memory, and vCPUs as paused (what the destination got). */
static int source_hashes(int src, const struct mig *m, struct mig_verify *v)
{
	memset(v, 0, sizeof(*v));
	v->nr_vcpus = m->nr_vcpus;
	v->shared_hash = mig_shared_hash(m->shared.src, m->shared.pages);
	return tb_td_hashes(src, m->npages * MIG_PAGE_SIZE, m->nr_vcpus, &v->mem_hash,
			    v->vcpu_hash);
}

/*
 * Abort, with the destination's abort token if one came. After the start
 * token the TDX Module wants the token: without it the destination may
 * have committed, and the source may not run again.
 */
static int abort_source(struct mig *m)
{
	bool got = mig_link_abort(m->link, "the source VMM gave up", m->src[0].mbmd);
	int ret;

	printf("src: aborting the export (%s abort token from the destination)\n",
	       got ? "with the" : "no");
	if (!got && m->start_exported)
		printf("src: the start token went out and no abort token came back\n");
	ret = mig_cmd_retry(&m->src[0], KVM_TDX_MIG_EXPORT_ABORT, NULL, NULL);
	printf("src: export abort: %s\n", ret ? strerror(-ret) : "the source TD runs again");
	fflush(stdout);
	return ret;
}

/*
 * One migration of @src to the destination VMM: 0 when it verified, or
 * -errno; *@committed: the TD is no longer the source's (it migrated, or
 * the abort failed after the start token).
 */
static int migrate(const struct opts *o, int src, bool post, bool writer, bool *committed)
{
	struct mig_hello h = { .npages = (o->mib << 20) / MIG_PAGE_SIZE, .nr_vcpus = o->vcpus,
			       .nstreams = o->streams, .buf_pages = 512,
			       .migtd_port = o->migtd_port, .shared_pages = TB_TD_SHARED_PAGES,
			       .flags = post ? MIG_HELLO_F_POSTCOPY : 0 };
	struct guest_writer w = {};
	struct mig_link *l;
	struct mig_verify v;
	struct mig m;
	double t;
	int ret;

	*committed = false;
	t = mig_now_ms();
	ret = mig_link_connect(&l, o->addr, o->port, &h);
	if (ret) {
		printf("src: cannot reach the destination VMM at %s:%u: %s\n", o->addr, o->port,
		       strerror(-ret));
		return ret;
	}
	printf("src: the destination VMM made its TD; pre-migration (MigTDs on port %u)\n",
	       o->migtd_port);
	fflush(stdout);
	ret = vm_set_migration_info(src, true, o->migtd_port) ?:
	      mig_premig_wait(&src, 1, 60000);
	if (ret) {
		printf("src: pre-migration failed: %s\n", strerror(-ret));
		mig_link_close(l);
		return ret;
	}
	printf("src: pre-migration done in %.0f ms\n", mig_now_ms() - t);
	ret = mig_open_remote(&m, src, l) ?: tb_mig_shared(&m);
	if (!ret && writer)
		ret = writer_start(&w, src, o->vcpus, m.npages);
	if (ret) {
		printf("src: setup failed: %s\n", strerror(-ret));
		mig_close(&m);
		mig_link_close(l);
		return ret;
	}
	m.opaque = writer ? &w : NULL;
	/* A writer outruns the emulated link: throttle it rather than pause at the cap. */
	if (writer)
		m.throttle = writer_throttle_mig;
	m.progress = progress_and_cut;
	m.before_pause = stop_writer;
	m.after_pause = after_pause;
	printf("src: migrating (%s, %u stream(s)), the guest writing\n",
	       post ? "post-copy" : "pre-copy", o->streams);
	fflush(stdout);
	if (post) {
		m.min_rounds = 1;
		m.max_rounds = 2;
		ret = mig_start(&m) ?: mig_live_rounds(&m) ?: mig_postcopy_commit(&m);
		if (!ret) {
			printf("src: committed after %u rounds (blackout %.1f ms); %s\n",
			       m.st.rounds, m.st.blackout_ms, "the rest streams in");
			fflush(stdout);
			cut(&m, "postcopy");
			ret = mig_postcopy_finish(&m);
		}
	} else {
		ret = mig_precopy(&m);
	}
	if (writer)
		writer_stop(&w);
	if (!ret)
		ret = source_hashes(src, &m, &v) ?: mig_link_verify(l, &v);
	if (!ret) {
		*committed = true;
		mig_print_summary(&m, v.mem_hash, true, 0);
		printf("src: payload bytes the VMM copied: %llu (sent from the stream mappings)\n",
		       (unsigned long long)m.st.page_bytes_copied);
	} else {
		printf("src: migration failed %s the start token: %s%s%s\n",
		       m.start_exported ? "after" : "before", strerror(-ret),
		       *mig_link_why(l) ? "; the destination said: " : "", mig_link_why(l));
		*committed = abort_source(&m) != 0;
	}
	fflush(stdout);
	mig_close(&m);
	mig_link_close(l);
	return ret;
}

static int run_source(const struct opts *o)
{
	bool post = !strncmp(o->mode, "postcopy", 8), committed;
	uint64_t status, gfn = 1;
	int src, ret;

	src = tb_create_bound(o->mib << 20, o->vcpus, false, o->migtd,
			      o->prebind ? o->hash : NULL, &status);
	if (src < 0) {
		printf("src: cannot launch the TD bound to MigTD %d: %s (TDX status %#llx)\n",
		       o->migtd, strerror(-src), (unsigned long long)status);
		return 1;
	}
	printf("src: TD of %lu MiB, %u vCPUs, bound to MigTD pid %d%s\n", o->mib, o->vcpus,
	       o->migtd, o->prebind ? " (pre-bound by its hash first)" : "");
	cut_phase = o->cut;
	ret = migrate(o, src, post, true, &committed);
	if (!o->cut) {
		close(src);
		return ret ? 1 : 0;
	}
	if (committed) {
		/* Past the commit the TD lives at the destination, or nowhere. */
		printf("src: as expected the TD is lost: the source may not run it again\n");
		close(src);
		return ret ? 0 : 1;
	}
	if (!ret) {
		printf("src: the cut went unnoticed\n");
		close(src);
		return 1;
	}
	ret = tb_guest_write(src, 0, &gfn, 1, 0x5eed, NULL);
	printf("src: the source TD runs after the abort: %s\n", ret ? strerror(-ret) : "yes");
	if (!ret) {
		printf("src: migrating again, to a fresh destination TD\n");
		fflush(stdout);
		ret = migrate(o, src, false, false, &committed);
	}
	close(src);
	return ret ? 1 : 0;
}

static int print_usage(const char *prog)
{
	fprintf(stderr, "usage: %s dst -m MIGTD [-a ADDR] [-p PORT] [-n N] [-e EXPECT] [-H FILE]\n",
		prog);
	fprintf(stderr, "       %s src -m MIGTD -d ADDR [-p PORT] [-t MIGTD_PORT] [-M MODE]\n",
		prog);
	fprintf(stderr, "           [-s STREAMS] [-S MiB] [-c vCPUs] [-k PHASE] [-H FILE]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct opts o = { .port = 4444, .migtd_port = 1234, .mode = "precopy", .mib = 64,
			  .vcpus = 4, .count = 1 };
	int opt;

	if (argc < 2 || (strcmp(argv[1], "src") && strcmp(argv[1], "dst")))
		return print_usage(argv[0]);
	o.source = !strcmp(argv[1], "src");
	optind = 2;
	while ((opt = getopt(argc, argv, "m:a:d:p:t:M:s:S:c:k:n:e:H:")) != -1) {
		if (opt == 'm')
			o.migtd = strtol(optarg, NULL, 0);
		else if (opt == 'a' || opt == 'd')
			o.addr = optarg;
		else if (opt == 'p')
			o.port = strtoul(optarg, NULL, 0);
		else if (opt == 't')
			o.migtd_port = strtoul(optarg, NULL, 0);
		else if (opt == 'M')
			o.mode = optarg;
		else if (opt == 's')
			o.streams = strtoul(optarg, NULL, 0);
		else if (opt == 'S')
			o.mib = strtoul(optarg, NULL, 0);
		else if (opt == 'c')
			o.vcpus = strtoul(optarg, NULL, 0);
		else if (opt == 'k')
			o.cut = optarg;
		else if (opt == 'n')
			o.count = strtoul(optarg, NULL, 0);
		else if (opt == 'e')
			o.expect = optarg;
		else if (opt == 'H' && !read_hash(optarg, o.hash))
			o.prebind = true;
		else
			return print_usage(argv[0]);
	}
	if (!o.streams)
		o.streams = !strcmp(o.mode, "precopy") ? 2 : !strcmp(o.mode, "postcopy") ? 1 : 4;
	if (o.migtd <= 0 || (o.source && !o.addr) || !o.vcpus || o.vcpus > MIG_VERIFY_MAX_VCPUS ||
	    (o.cut && strcmp(o.cut, "live") && strcmp(o.cut, "blackout") &&
	     strcmp(o.cut, "postcopy")))
		return print_usage(argv[0]);
	if (tb_open()) {
		fprintf(stderr, "skipped: %s\n", tb_skip_reason());
		return KSFT_SKIP;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	return o.source ? run_source(&o) : destination(&o);
}
