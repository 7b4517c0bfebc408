// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: figures of the migration path in one boot, to compare runs.
 * The baseline is the kernel's own gcm(aes) on 4 KiB pages; then a
 * migration of an idle TD (throughput, ioctls and VMM copies per page,
 * blackout), one under a busy writer three ways (the downtime target,
 * throttling, post-copy: the blackout and its parts), the kernel memory
 * a stream, a TD's migration state and the MigTD service hold, as base +
 * per-unit figures, and the time pre-migration takes with 1, 2 and 4
 * sessions at once through one emulated MigTD pair.
 *
 * Each phase is announced as it starts; each figure is also printed as a
 * "BENCH <name>=<value> <unit>" line, which make bench collects into
 * out/bench.json (scripts/bench-json.py) for scripts/bench-compare.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "guest_writer.h"
#include "kselftest.h"
#include "migtd_emu.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define GCM_FILE	"/sys/kernel/debug/tdx_mig_emu/gcm_4k"
#define SERVTD_FILE	"/sys/kernel/debug/tdx_mig/servtd_memory"
#define PREMIG_PAIRS	4
#define MIB		(1024.0 * 1024.0)
#define BENCH_PHASES	10

static double bench_start_ms;

/* Tell the person watching what runs now, and since when the bench runs. */
static void phase(const char *what)
{
	static int n;

	printf("== [%d/%d] %s (at %.0f s)\n", ++n, BENCH_PHASES, what,
	       (mig_now_ms() - bench_start_ms) / 1000);
	fflush(stdout);
}

/* One measured figure for out/bench.json; @unit has no spaces. */
static void figure(double value, const char *unit, const char *name_fmt, ...)
{
	va_list ap;

	printf("BENCH ");
	va_start(ap, name_fmt);
	vprintf(name_fmt, ap);
	va_end(ap);
	printf("=%.6g %s\n", value, unit);
}

static double gcm_baseline(void)
{
	char driver[128] = "?";
	unsigned long long pages = 0, ns = 0;
	FILE *f = fopen(GCM_FILE, "r");

	if (!f || fscanf(f, "pages %llu ns %llu driver %127s", &pages, &ns, driver) != 3) {
		printf("baseline: %s unreadable\n", GCM_FILE);
		if (f)
			fclose(f);
		return 0;
	}
	fclose(f);
	printf("baseline: kernel gcm(aes) [%s], one request per 4 KiB page: %.1f MiB/s\n",
	       driver, pages * 4096 / MIB / (ns / 1e9));
	figure(pages * 4096 / MIB / (ns / 1e9), "MiB/s", "gcm_4k");
	return pages * 4096 / MIB / (ns / 1e9);
}

struct bench_run {
	unsigned long long ioctls_start;
	unsigned long long ioctls_first;
	double first_mib_s;
};

static void progress(const struct mig *m, int round, uint64_t dirty, double mib_s)
{
	struct bench_run *r = m->opaque;

	if (round == 0) {
		r->first_mib_s = mib_s;
		r->ioctls_first = mig_ioctls - r->ioctls_start;
	}
}

/* A migration of an idle @mib MiB TD: one round, then the pause. */
static int migrate(unsigned long mib, unsigned int streams, struct mig_stats *st,
		   struct bench_run *r)
{
	uint64_t bytes = mib << 20;
	struct mig m;
	int src, dst, ret;

	src = tb_create_td(bytes, 4, false, 8);
	dst = tb_create_td(bytes, 4, true, 0);
	if (src < 0 || dst < 0)
		return -1;
	ret = tb_exchange_keys(src, dst) ?:
	      tb_mig_open(&m, src, dst, bytes / MIG_PAGE_SIZE, 4, streams, 512);
	if (ret)
		return ret;
	m.opaque = r;
	m.progress = progress;
	m.min_rounds = 1;
	m.max_rounds = 1;
	ret = mig_start(&m);
	r->ioctls_start = mig_ioctls;
	if (!ret)
		ret = mig_live_rounds(&m);
	if (!ret)
		ret = mig_finish(&m);
	if (!ret)
		ret = td_compare(src, dst, bytes, 4, NULL);
	*st = m.st;
	mig_close(&m);
	close(src);
	close(dst);
	return ret;
}

static int stream_mem(int vm, uint32_t pages, unsigned long long *stream, unsigned long long *td)
{
	struct kvm_tdx_mig_stats st;
	struct mig_stream s;
	int ret = mig_stream_open(vm, pages, &s);

	if (ret)
		return ret;
	ret = mig_get_stats(&s, &st);
	*stream = st.stream_mem_bytes;
	*td = st.td_mem_bytes;
	mig_stream_close(&s);
	return ret;
}

/* The first round of an idle 32 MiB TD over 1, 2 and 4 streams, one thread each. */
static int print_scaling(void)
{
	static const unsigned int streams[] = { 1, 2, 4 };
	struct bench_run r = {};
	struct mig_stats st;
	double one = 0;
	unsigned int i;

	printf("streams, 32 MiB TD, idle guest, first round (one thread per stream):\n");
	for (i = 0; i < ARRAY_SIZE(streams); i++) {
		if (migrate(32, streams[i], &st, &r))
			return -1;
		if (i == 0)
			one = r.first_mib_s;
		printf("  %u stream%s: %.1f MiB/s, %.2f x one stream\n", streams[i],
		       streams[i] > 1 ? "s" : "", r.first_mib_s, one > 0 ? r.first_mib_s / one : 0);
		figure(r.first_mib_s, "MiB/s", "streams%u.first_round", streams[i]);
		if (i > 0 && one > 0)
			figure(r.first_mib_s / one, "x", "streams%u.vs_one", streams[i]);
	}
	return 0;
}

/* Post-copy of an idle @mib MiB TD: nothing sent before the commit. */
static int print_postcopy(unsigned long mib, unsigned int streams)
{
	uint64_t bytes = mib << 20, fetched = 0;
	struct guest_toucher t;
	struct mig m;
	int src, dst, ret;

	src = tb_create_td(bytes, 4, false, 0);
	dst = tb_create_td(bytes, 4, true, 0);
	if (src < 0 || dst < 0)
		return -1;
	ret = tb_exchange_keys(src, dst) ?:
	      tb_mig_open(&m, src, dst, bytes / MIG_PAGE_SIZE, 4, streams, 512) ?:
	      mig_start(&m) ?: mig_postcopy_commit(&m) ?:
	      toucher_start(&t, dst, 4, bytes / MIG_PAGE_SIZE, NULL, 0, mig_postcopy_fetch, &m);
	if (!ret) {
		ret = mig_postcopy_finish(&m);
		ret = toucher_wait(&t, &fetched) ?: ret;
	}
	if (!ret) {
		printf("post-copy, %lu MiB TD, 4 vCPUs touching every page, %u stream%s%s:\n",
		       mib, streams, streams > 1 ? "s" : "",
		       streams > 1 ? " (the last one for faults)" : "");
		printf("  blackout %.1f ms; faults served on demand %llu (%llu vCPU exits)\n",
		       m.st.blackout_ms, (unsigned long long)m.st.demand_pages,
		       (unsigned long long)fetched);
		printf("  fault to page: median %.2f ms, max %.2f ms; the TD ran %.1f ms\n",
		       m.st.fault_median_ms, m.st.fault_max_ms, m.st.dst_run_ms);
		printf("    before its last page arrived; total %.1f ms\n", m.st.total_ms);
		figure(m.st.blackout_ms, "ms", "postcopy%u.blackout", streams);
		figure(m.st.demand_pages, "pages", "postcopy%u.demand_pages", streams);
		figure(fetched, "exits", "postcopy%u.vcpu_exits", streams);
		figure(m.st.fault_median_ms, "ms", "postcopy%u.fault_median", streams);
		figure(m.st.fault_max_ms, "ms", "postcopy%u.fault_max", streams);
		figure(m.st.dst_run_ms, "ms", "postcopy%u.dst_run", streams);
		figure(m.st.total_ms, "ms", "postcopy%u.total", streams);
	}
	mig_close(&m);
	close(src);
	close(dst);
	return ret;
}

/* The writer case's three ways (the VMM's convergence choices). */
enum writer_way { WAY_TARGET, WAY_THROTTLE, WAY_POSTCOPY };

struct writer_case {
	struct guest_writer w;
	uint64_t fault_wait_ns;		/* destination vCPUs waiting for pages */
	struct mig *m;
};

static void case_stop_writer(struct mig *m)
{
	struct writer_case *c = m->opaque;

	writer_stop(&c->w);
}

static void case_throttle(struct mig *m, unsigned int pct)
{
	struct writer_case *c = m->opaque;

	writer_throttle(&c->w, pct);
}

/* A post-copy fault as the destination's vCPU sees it: the time it waits. */
static int timed_fetch(void *opaque, uint64_t gfn)
{
	struct writer_case *c = opaque;
	double t = mig_now_ms();
	int ret = mig_postcopy_fetch(c->m, gfn);

	__atomic_add_fetch(&c->fault_wait_ns, (uint64_t)((mig_now_ms() - t) * 1e6),
			   __ATOMIC_RELAXED);
	return ret;
}

/* After a switch to post-copy: commit, the destination's vCPUs touch every page. */
static int writer_case_postcopy(struct mig *m, struct writer_case *c, int dst,
				uint64_t npages)
{
	struct guest_toucher t;
	uint64_t fetched;
	int ret;

	ret = mig_postcopy_commit(m) ?:
	      toucher_start(&t, dst, 4, npages, NULL, 0, timed_fetch, c);
	if (ret)
		return ret;
	ret = mig_postcopy_finish(m);
	return toucher_wait(&t, &fetched) ?: ret;
}

/*
 * 32 MiB under a writer on 4 vCPUs that never waits for the rounds: the
 * VMM library's downtime target alone, with throttling, or with post-copy
 * allowed. Blackout, its parts, what was dirty at the pause, total time
 * and the vCPU time the guest lost (throttle sleeps, the blackout on each
 * vCPU, post-copy fault waits).
 */
static int print_writer_case(enum writer_way way)
{
	static const char *const names[] = { "pre-copy, downtime target only",
					     "pre-copy with throttling", "post-copy allowed" };
	static const char *const ways[] = { "target", "throttle", "postcopy" };
	const uint64_t bytes = 32UL << 20, npages = bytes / MIG_PAGE_SIZE;
	struct writer_case c = {};
	struct mig m;
	double lost, off;
	int src, dst, ret;

	src = tb_create_td(bytes, 4, false, 8);
	dst = tb_create_td(bytes, 4, true, 0);
	if (src < 0 || dst < 0)
		return -1;
	ret = tb_exchange_keys(src, dst) ?: tb_mig_open(&m, src, dst, npages, 4, 2, 512) ?:
	      writer_start(&c.w, src, 4, npages);
	if (ret)
		return ret;
	c.m = &m;
	m.opaque = &c;
	m.before_pause = case_stop_writer;
	m.min_rounds = 1;
	m.max_rounds = 30;
	if (way == WAY_THROTTLE)
		m.throttle = case_throttle;
	m.allow_postcopy = way == WAY_POSTCOPY;
	ret = mig_start(&m) ?: mig_live_rounds(&m);
	if (!ret && m.st.switched == MIG_SWITCH_POSTCOPY)
		ret = writer_case_postcopy(&m, &c, dst, npages);
	else if (!ret)
		ret = mig_finish(&m);
	writer_stop(&c.w);
	if (!ret && m.st.switched != MIG_SWITCH_POSTCOPY)
		ret = td_compare(src, dst, bytes, 4, NULL);
	if (!ret) {
		lost = c.w.throttled_ns / 1e6 + 4 * m.st.blackout_ms + c.fault_wait_ns / 1e6;
		off = m.st.blackout_ms - m.downtime_ms;
		printf("writer case, 32 MiB TD, 4 vCPUs writing without pause, %s:\n",
		       names[way]);
		printf("  %s\n", m.st.decision);
		printf("  blackout %.1f ms (target %.0f ms: %s by %.1f ms): pause %.1f, ",
		       m.st.blackout_ms, m.downtime_ms,
		       off > 0 ? "NOT met, over" : "met, under", off > 0 ? off : -off,
		       m.st.pause_ms);
		printf("last pages %.1f, ", m.st.last_pages_ms);
		printf("TD/vCPU state %.1f, start token %.1f\n", m.st.td_vp_state_ms,
		       m.st.token_ms);
		printf("  pages dirty at the pause %llu, rounds %u, total %.1f ms\n",
		       (unsigned long long)m.st.pages_at_pause, m.st.rounds, m.st.total_ms);
		printf("  vCPU time the guest lost: %.1f ms (throttle %.1f, ", lost,
		       c.w.throttled_ns / 1e6);
		printf("blackout x 4 vCPUs %.1f, post-copy fault waits %.1f)\n",
		       4 * m.st.blackout_ms, c.fault_wait_ns / 1e6);
		figure(m.st.blackout_ms, "ms", "writer_%s.blackout", ways[way]);
		figure(m.st.pause_ms, "ms", "writer_%s.pause", ways[way]);
		figure(m.st.last_pages_ms, "ms", "writer_%s.last_pages", ways[way]);
		figure(m.st.td_vp_state_ms, "ms", "writer_%s.td_vp_state", ways[way]);
		figure(m.st.token_ms, "ms", "writer_%s.start_token", ways[way]);
		figure(m.st.pages_at_pause, "pages", "writer_%s.pages_at_pause", ways[way]);
		figure(m.st.rounds, "rounds", "writer_%s.rounds", ways[way]);
		figure(m.st.total_ms, "ms", "writer_%s.total", ways[way]);
		figure(lost, "ms", "writer_%s.vcpu_time_lost", ways[way]);
	}
	mig_close(&m);
	close(src);
	close(dst);
	return ret;
}

/* @td_2m: what a 2 MiB TD's migration state holds without MigSCs. */
static int print_memory(unsigned long long *td_2m)
{
	unsigned long long s16, s512, td2, td64, unused;
	int small = tb_create_td(2UL << 20, 1, true, 0), big = tb_create_td(64UL << 20, 1, true, 0);
	int ret;

	if (small < 0 || big < 0)
		return -1;
	ret = stream_mem(small, 16, &s16, &td2) ?: stream_mem(small, 512, &s512, &unused) ?:
	      stream_mem(big, 16, &unused, &td64);
	close(small);
	close(big);
	if (ret)
		return ret;
	printf("kernel allocations of tdx_mig:\n");
	printf("  per stream: %.0f bytes + %.0f bytes per buffer page\n",
	       s16 - 16 * (s512 - s16) / 496.0, (s512 - s16) / 496.0);
	printf("    (16 pages: %llu, 512 pages: %llu)\n", s16, s512);
	printf("  per TD migration state (with 2 MigSCs): %.0f bytes\n",
	       td2 - (td64 - td2) / 62.0 * 2);
	printf("    + %.0f bytes per GiB of private memory\n", (td64 - td2) / 62.0 * 1024);
	figure(s16 - 16 * (s512 - s16) / 496.0, "bytes", "mem.stream_base");
	figure((s512 - s16) / 496.0, "bytes", "mem.stream_per_page");
	figure(td2 - (td64 - td2) / 62.0 * 2, "bytes", "mem.td_base");
	figure((td64 - td2) / 62.0 * 1024, "bytes", "mem.td_per_gib");
	*td_2m = td2 - 2 * 4096;
	return 0;
}

static int print_servtd_memory(unsigned long long td_2m)
{
	unsigned long long service, session, binding, peak;
	FILE *f = fopen(SERVTD_FILE, "r");
	int n = 0;

	if (f) {
		n = fscanf(f, "service_state_bytes %llu session_bytes %llu", &service, &session);
		n += fscanf(f, " binding_bytes_in_user_td %llu", &binding);
		n += fscanf(f, " call_peak_bytes %llu", &peak);
	}

	if (f)
		fclose(f);
	if (n != 4) {
		printf("  MigTD service: %s unreadable\n", SERVTD_FILE);
		return -1;
	}
	printf("  per MigTD: %llu bytes + %llu bytes per session\n", td_2m, session);
	printf("    (the session of a 2 MiB TD without MigSCs, measured above, %llu bytes\n",
	       service);
	printf("    of it the request table and armed wait; each user TD's binding, %llu\n",
	       binding);
	printf("    bytes, is part of its own session); a service call in flight holds at\n");
	printf("    most %llu bytes more\n", peak);
	printf("  emulated MigTD shared memory, by its design (not measured): %lu bytes\n",
	       2 * 4096UL);
	printf("    + %lu bytes per session\n", 2 * 4096UL);
	figure(td_2m, "bytes", "mem.migtd_base");
	figure(session, "bytes", "mem.migtd_per_session");
	figure(peak, "bytes", "mem.migtd_call_peak");
	return 0;
}

/* Pre-migration of @n TD pairs at once through one MigTD pair, in ms. */
static double premig_ms(const int (*vms)[2], unsigned int n, uint32_t port)
{
	int all[2 * PREMIG_PAIRS];
	unsigned int i;
	double t = mig_now_ms();

	for (i = 0; i < n; i++) {
		if (vm_set_migration_info(vms[i][0], true, port + 2 * i) ||
		    vm_set_migration_info(vms[i][1], false, port + 2 * i))
			return -1;
		all[2 * i] = vms[i][0];
		all[2 * i + 1] = vms[i][1];
	}
	if (mig_premig_wait(all, 2 * n, 60000))
		return -1;
	return mig_now_ms() - t;
}

static int print_premig(void)
{
	pid_t migtd_s = migtd_spawn(0), migtd_d = migtd_spawn(0);
	int vms[PREMIG_PAIRS][2], ret = 0;
	unsigned int i, n;
	double ms;

	for (i = 0; i < PREMIG_PAIRS && !ret; i++) {
		vms[i][0] = tb_create_td(2UL << 20, 1, true, 0);
		vms[i][1] = tb_create_td(2UL << 20, 1, true, 0);
		ret = vms[i][0] < 0 || vms[i][1] < 0 || migtd_s < 0 || migtd_d < 0 ||
		      vm_servtd_bind(vms[i][0], migtd_s, 0, NULL) ||
		      vm_servtd_bind(vms[i][1], migtd_d, 0, NULL);
	}
	printf("pre-migration through one emulated MigTD pair (TCP loopback, no attestation):\n");
	for (n = 1; n <= PREMIG_PAIRS && !ret; n *= 2) {
		ms = premig_ms((const int (*)[2])vms, n, 30000 + 8 * n);
		ret = ms < 0;
		if (!ret) {
			printf("  %u session%s at once: %.1f ms\n", n, n > 1 ? "s" : "", ms);
			figure(ms, "ms", "premig.sessions%u", n);
		}
	}
	migtd_kill(migtd_s);
	migtd_kill(migtd_d);
	return ret ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long long td_2m;
	struct bench_run r = {};
	struct mig_stats st;
	struct utsname uts;
	double gcm;

	setvbuf(stdout, NULL, _IOLBF, 0);
	bench_start_ms = mig_now_ms();
	uname(&uts);
	printf("tdx-mig bench: emulated TDX Module, kernel %s (%s, %s);\n", uts.release,
	       access("/proc/lockdep", F_OK) ? "no lockdep" : "LOCKDEP",
	       access("/sys/kernel/debug/kmemleak", F_OK) ? "no kmemleak" : "KMEMLEAK");
	printf("the figures compare runs of this harness, they say nothing of hardware\n");
	if (tb_open()) {
		fprintf(stderr, "skipped: %s\n", tb_skip_reason());
		return KSFT_SKIP;
	}
	phase("baseline: the kernel's gcm(aes) on 4 KiB pages");
	gcm = gcm_baseline();
	phase("migration of an idle 64 MiB TD over 2 streams");
	if (migrate(64, 2, &st, &r))
		return 1;
	printf("migration, 64 MiB TD, 4 vCPUs, idle guest, 2 streams of 512-page bundles:\n");
	printf("  first round: %.1f MiB/s (%.2f x the gcm(aes) baseline; each page is\n",
	       r.first_mib_s, gcm > 0 ? r.first_mib_s / gcm : 0);
	printf("    encrypted by the source and decrypted by the destination)\n");
	printf("  ioctls per page in that round: %.4f\n", r.ioctls_first / (64.0 * 256));
	printf("  page data copied per page by the VMM: %.2f\n",
	       (double)st.page_bytes_copied / (st.pages_sent * MIG_PAGE_SIZE));
	printf("  blackout %.1f ms, total %.1f ms\n", st.blackout_ms, st.total_ms);
	figure(r.first_mib_s, "MiB/s", "idle.first_round");
	if (gcm > 0)
		figure(r.first_mib_s / gcm, "x", "idle.first_round_vs_gcm");
	figure(r.ioctls_first / (64.0 * 256), "ioctls/page", "idle.ioctls_per_page");
	figure((double)st.page_bytes_copied / (st.pages_sent * MIG_PAGE_SIZE), "copies/page",
	       "idle.vmm_copies_per_page");
	figure(st.blackout_ms, "ms", "idle.blackout");
	figure(st.total_ms, "ms", "idle.total");
	phase("32 MiB TD under a writer: pre-copy, downtime target only");
	if (print_writer_case(WAY_TARGET))
		return 1;
	phase("32 MiB TD under a writer: pre-copy with throttling");
	if (print_writer_case(WAY_THROTTLE))
		return 1;
	phase("32 MiB TD under a writer: post-copy allowed");
	if (print_writer_case(WAY_POSTCOPY))
		return 1;
	phase("first round over 1, 2 and 4 streams");
	if (print_scaling())
		return 1;
	phase("post-copy over 1 stream");
	if (print_postcopy(32, 1))
		return 1;
	phase("post-copy over 4 streams");
	if (print_postcopy(32, 4))
		return 1;
	phase("kernel memory of streams, TDs and the MigTD service");
	if (print_memory(&td_2m) || print_servtd_memory(td_2m))
		return 1;
	phase("pre-migration with 1, 2 and 4 sessions");
	return print_premig() ? 1 : 0;
}
