// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: figures of the migration path in one boot, to compare runs.
 * The baseline is the kernel's own gcm(aes) on 4 KiB pages, encrypting and
 * decrypting; then one stream over an idle TD: its exports alone against
 * the encryption, its imports alone against the decryption, a whole round
 * against both, each with SEAMCALLs and ioctls per 512 pages and its time
 * split into the host's outside the SEAMCALL, the emulated module's own
 * work and its crypto; a migration of an idle TD over two streams
 * (throughput, ioctls, the VMM's and the host module's copies of page
 * data, blackout), one under a busy writer three ways (the downtime target,
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

#define EMU_DEBUGFS	"/sys/kernel/debug/tdx_mig_emu"
#define GCM_FILE	EMU_DEBUGFS "/gcm_4k"
#define SERVTD_FILE	"/sys/kernel/debug/tdx_mig/servtd_memory"
#define PREMIG_PAIRS	4
#define MIB		(1024.0 * 1024.0)
#define BENCH_PHASES	12

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

/*
 * The kernel's gcm(aes), one request per 4 KiB page, in MiB/s: the mean
 * of every read of GCM_FILE so far (the bench reads it again around the
 * phases it compares with it, so that a busy host weighs on both alike),
 * and the slowest and fastest read.
 */
struct gcm_base {
	double enc, dec;
	double bound;	/* each page encrypted, then decrypted, on one CPU */
	double enc_min, enc_max, dec_min, dec_max;
	double pages, enc_ns, dec_ns;
	unsigned int reads;
	char driver[128];
};

static int gcm_read(struct gcm_base *g)
{
	unsigned long long pages = 0, enc_ns = 0, dec_ns = 0;
	FILE *f = fopen(GCM_FILE, "r");
	double enc, dec;

	if (!f || fscanf(f, "pages %llu enc_ns %llu dec_ns %llu driver %127s", &pages, &enc_ns,
			 &dec_ns, g->driver) != 4 || !enc_ns || !dec_ns) {
		printf("baseline: %s unreadable\n", GCM_FILE);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	enc = pages * MIG_PAGE_SIZE / MIB / (enc_ns / 1e9);
	dec = pages * MIG_PAGE_SIZE / MIB / (dec_ns / 1e9);
	g->enc_min = !g->reads || enc < g->enc_min ? enc : g->enc_min;
	g->enc_max = !g->reads || enc > g->enc_max ? enc : g->enc_max;
	g->dec_min = !g->reads || dec < g->dec_min ? dec : g->dec_min;
	g->dec_max = !g->reads || dec > g->dec_max ? dec : g->dec_max;
	g->reads++;
	g->pages += pages;
	g->enc_ns += enc_ns;
	g->dec_ns += dec_ns;
	g->enc = g->pages * MIG_PAGE_SIZE / MIB / (g->enc_ns / 1e9);
	g->dec = g->pages * MIG_PAGE_SIZE / MIB / (g->dec_ns / 1e9);
	g->bound = 1 / (1 / g->enc + 1 / g->dec);
	return 0;
}

/* MiB/s of the reads between snapshots @a and @b of one gcm_base. */
static double gcm_enc_between(const struct gcm_base *a, const struct gcm_base *b)
{
	return (b->pages - a->pages) * MIG_PAGE_SIZE / MIB / ((b->enc_ns - a->enc_ns) / 1e9);
}

static double gcm_dec_between(const struct gcm_base *a, const struct gcm_base *b)
{
	return (b->pages - a->pages) * MIG_PAGE_SIZE / MIB / ((b->dec_ns - a->dec_ns) / 1e9);
}

static void gcm_print(const struct gcm_base *g)
{
	printf("baseline: kernel gcm(aes) [%s], one request per 4 KiB page, %u read%s:\n",
	       g->driver, g->reads, g->reads > 1 ? "s" : "");
	printf("  encrypt %.1f MiB/s (%.2f us a page; reads %.1f..%.1f),\n", g->enc,
	       g->enc_ns / 1e3 / g->pages, g->enc_min, g->enc_max);
	printf("  decrypt %.1f MiB/s (%.2f us a page; reads %.1f..%.1f);\n", g->dec,
	       g->dec_ns / 1e3 / g->pages, g->dec_min, g->dec_max);
	printf("  both on one CPU, the bound of a migration: %.1f MiB/s\n", g->bound);
}

/*
 * What the emulated TDX Module did so far (EMU_DEBUGFS): its AES-GCM, and
 * the SEAMCALLs it ran per leaf; read before and after what is measured.
 */
#define EMU_LEAVES		128
/* TDX ABI leaf numbers (tdx_mig/seamcall/abi.h). */
#define LEAF_EXPORT_BLOCKW	65
#define LEAF_EXPORT_MEM		68
#define LEAF_IMPORT_MEM		83

struct emu_costs {
	double enc_ns, dec_ns, setkey_ns;
	double calls[EMU_LEAVES], ns[EMU_LEAVES];
	/* the emulated KVM's import_pages callback */
	double hv_ns, hv_allocated;
};

static int emu_costs_read(struct emu_costs *c)
{
	unsigned long long ops, bytes, enc, dec, key, calls, ns, allocated;
	unsigned int leaf;
	FILE *f = fopen(EMU_DEBUGFS "/crypto", "r");
	int n = 0;

	memset(c, 0, sizeof(*c));
	if (f) {
		n = fscanf(f, "enc_ops %llu enc_bytes %llu enc_ns %llu", &ops, &bytes, &enc);
		n += fscanf(f, " dec_ops %llu dec_bytes %llu dec_ns %llu", &ops, &bytes, &dec);
		n += fscanf(f, " setkey_ns %llu", &key);
		fclose(f);
	}
	if (n != 7) {
		printf("  %s/crypto unreadable\n", EMU_DEBUGFS);
		return -1;
	}
	c->enc_ns = enc;
	c->dec_ns = dec;
	c->setkey_ns = key;
	f = fopen(EMU_DEBUGFS "/seamcalls", "r");
	if (!f) {
		printf("  %s/seamcalls unreadable\n", EMU_DEBUGFS);
		return -1;
	}
	while (fscanf(f, "%u %llu %llu", &leaf, &calls, &ns) == 3)
		if (leaf < EMU_LEAVES) {
			c->calls[leaf] = calls;
			c->ns[leaf] = ns;
		}
	fclose(f);
	f = fopen(EMU_DEBUGFS "/import_pages", "r");
	n = f ? fscanf(f, "calls %llu ns %llu pages_allocated %llu", &calls, &ns, &allocated) : 0;
	if (f)
		fclose(f);
	if (n != 3) {
		printf("  %s/import_pages unreadable\n", EMU_DEBUGFS);
		return -1;
	}
	c->hv_ns = ns;
	c->hv_allocated = allocated;
	return 0;
}

/* *@c becomes what happened since *@before. */
static void emu_costs_since(struct emu_costs *c, const struct emu_costs *before)
{
	unsigned int i;

	c->enc_ns -= before->enc_ns;
	c->dec_ns -= before->dec_ns;
	c->setkey_ns -= before->setkey_ns;
	c->hv_ns -= before->hv_ns;
	c->hv_allocated -= before->hv_allocated;
	for (i = 0; i < EMU_LEAVES; i++) {
		c->calls[i] -= before->calls[i];
		c->ns[i] -= before->ns[i];
	}
}

/*
 * Where the time of @pages pages went, in microseconds a page: @total
 * (ns) in all, @ioctl_ns of it in the ioctls, @seamcall_ns of that in the
 * core's SEAMCALLs (GET_STATS: the Secure-EPT lock and the call), @emu_ns
 * of that in the emulated module, @crypto_ns of that in its AES-GCM;
 * @e the emulator's counters over the same time (key setup, the emulated
 * KVM's import_pages); @base_us the baseline's crypto of a page. Printed,
 * and as figures <name>.*.
 */
static void print_split(const char *name, double pages, double total, double ioctl_ns,
			double seamcall_ns, double emu_ns, double crypto_ns,
			const struct emu_costs *e, double base_us)
{
	double setkey_ns = e->setkey_ns;
	double us = 1e3 * pages, host = ioctl_ns - emu_ns, own = emu_ns - crypto_ns;
	double vmm = total > ioctl_ns ? total - ioctl_ns : 0;
	double pct = crypto_ns > 0 ? 100 * host / crypto_ns : 0;

	printf("  a page's time, %.2f us, went to:\n", total / us);
	printf("    the host kernel outside the SEAMCALL %.2f, %.1f %% of the crypto\n",
	       host / us, pct);
	printf("      (goal <= 10 %%: %s); %.2f of it in the SEAMCALL wrapper, Secure-EPT lock\n",
	       pct <= 10 ? "met" : "NOT met", (seamcall_ns - emu_ns) / us);
	if (e->hv_ns > 0)
		printf("      %.2f in the emulated KVM's import_pages (%.0f pages allocated)\n",
		       e->hv_ns / us, e->hv_allocated);
	printf("    the emulated module's own work %.2f (of it key setup %.2f)\n", own / us,
	       setkey_ns / us);
	printf("    its crypto %.2f (the baseline's %.2f)\n", crypto_ns / us, base_us);
	if (vmm > 0)
		printf("    the VMM outside the ioctls %.2f (%.1f %% of the crypto)\n", vmm / us,
		       crypto_ns > 0 ? 100 * vmm / crypto_ns : 0);
	figure(host / us, "us/page", "%s.host_outside_seamcall", name);
	figure(pct, "%", "%s.host_vs_crypto", name);
	figure(own / us, "us/page", "%s.module_own_work", name);
	figure(setkey_ns / us, "us/page", "%s.module_key_setup", name);
	if (e->hv_ns > 0)
		figure(e->hv_ns / us, "us/page", "%s.hypervisor_import_pages", name);
	figure(crypto_ns / us, "us/page", "%s.module_crypto", name);
	if (vmm > 0)
		figure(vmm / us, "us/page", "%s.vmm_outside_ioctls", name);
}

/* A ratio against its goal, for a person. */
static const char *verdict(double ratio, double want)
{
	return ratio >= want ? "goal met" : "UNDER the goal";
}

/* The counters of every stream of a migration, both sides (GET_STATS). */
struct stream_sums {
	double seamcalls, seamcall_ns, page_bytes_copied;
};

static int stream_sums_read(const struct mig *m, struct stream_sums *sum)
{
	struct kvm_tdx_mig_stats st;
	unsigned int i;
	int ret = 0;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < 2 * m->nstreams && !ret; i++) {
		ret = mig_get_stats(i % 2 ? &m->dst[i / 2] : &m->src[i / 2], &st);
		sum->seamcalls += st.seamcalls;
		sum->seamcall_ns += st.seamcall_ns;
		sum->page_bytes_copied += st.page_bytes_copied;
	}
	return ret;
}

/* A migration's first round, measured from the end of mig_start(). */
struct bench_run {
	unsigned long long ioctls_start, ioctls_first;
	unsigned long long ioctl_ns_start, ioctl_ns_first;
	double first_mib_s;
	uint64_t first_pages;
	double start_ms, first_ms;
	struct stream_sums sums_start, sums_first;
	struct emu_costs emu_start, emu_first;
	bool costs;			/* the emulator's costs were read */
	double host_copied;		/* page data the host module copied, the whole migration */
};

/*
 * The counters are read before the GET_STATS calls that read them count
 * as ioctls, and the clock last: neither is part of the round.
 */
static void progress(const struct mig *m, int round, uint64_t dirty, double mib_s)
{
	struct bench_run *r = m->opaque;

	if (round != 0)
		return;
	r->first_ms = mig_now_ms();
	r->ioctls_first = mig_ioctls - r->ioctls_start;
	r->ioctl_ns_first = mig_ioctl_ns - r->ioctl_ns_start;
	r->first_mib_s = mib_s;
	r->first_pages = m->st.pages_sent;
	r->costs = !emu_costs_read(&r->emu_first) && !stream_sums_read(m, &r->sums_first);
	if (r->costs)
		emu_costs_since(&r->emu_first, &r->emu_start);
}

/*
 * A migration of an idle @mib MiB TD: one round, then the pause. Every
 * @pending_every-th page is pending (0: none), sent without data.
 */
static int migrate(unsigned long mib, unsigned int streams, unsigned int pending_every,
		   struct mig_stats *st, struct bench_run *r)
{
	uint64_t bytes = mib << 20;
	struct stream_sums end = {};
	struct mig m;
	int src, dst, ret;

	memset(r, 0, sizeof(*r));
	src = tb_create_td(bytes, 4, false, pending_every);
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
	ret = mig_start(&m) ?: stream_sums_read(&m, &r->sums_start) ?:
	      emu_costs_read(&r->emu_start);
	r->ioctls_start = mig_ioctls;
	r->ioctl_ns_start = mig_ioctl_ns;
	r->start_ms = mig_now_ms();
	if (!ret)
		ret = mig_live_rounds(&m);
	if (!ret)
		ret = mig_finish(&m);
	if (!ret)
		ret = td_compare(src, dst, bytes, 4, NULL);
	if (!ret)
		ret = stream_sums_read(&m, &end);
	r->host_copied = end.page_bytes_copied;
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
		if (migrate(32, streams[i], 8, &st, &r))
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

/* A memory bundle: MBMD, GPA list, the two MAC lists, then its buffers. */
#define BUNDLE_HEAD_PAGES	4
#define ONE_BUNDLE		512
#define ONE_MIB			32UL

/* @id on stream @s, its ioctl's time added to *@ns. */
static int timed_cmd(struct mig *m, struct mig_stream *s, uint32_t id, uint64_t *arg,
		     double *ns)
{
	double t = mig_now_ms();
	int ret = mig_cmd_retry(s, id, arg, &m->st.eintr);

	*ns += (mig_now_ms() - t) * 1e6;
	return ret;
}

/* Bundle @b of @n pages, exported on the source's stream 0, kept at @keep. */
static int export_one(struct mig *m, unsigned int b, unsigned int n, uint8_t *keep, double *ns)
{
	struct mig_stream *s = &m->src[0];
	uint64_t count = n;
	unsigned int k;
	int ret;

	for (k = 0; k < n; k++)
		s->gpa_list[k] = ((uint64_t)(b * n + k) * MIG_PAGE_SIZE) |
				 (GPA_OP_MIGRATE << GPA_OP_SHIFT);
	ret = timed_cmd(m, s, KVM_TDX_MIG_EXPORT_MEM, &count, ns);
	if (ret || count != n)
		return ret ?: -EIO;
	memcpy(keep, s->mbmd, MIG_PAGE_SIZE);
	memcpy(keep + MIG_PAGE_SIZE, s->gpa_list, MIG_PAGE_SIZE);
	memcpy(keep + 2 * MIG_PAGE_SIZE, s->mac, 2 * MIG_PAGE_SIZE);
	memcpy(keep + BUNDLE_HEAD_PAGES * MIG_PAGE_SIZE, s->bufs, n * MIG_PAGE_SIZE);
	return 0;
}

/* The bundle kept at @keep, imported on the destination's stream 0. */
static int import_one(struct mig *m, unsigned int n, const uint8_t *keep, double *ns)
{
	struct mig_stream *s = &m->dst[0];
	uint64_t count = n;

	memcpy(s->mbmd, keep, MIG_PAGE_SIZE);
	memcpy(s->gpa_list, keep + MIG_PAGE_SIZE, MIG_PAGE_SIZE);
	memcpy(s->mac, keep + 2 * MIG_PAGE_SIZE, 2 * MIG_PAGE_SIZE);
	memcpy(s->bufs, keep + BUNDLE_HEAD_PAGES * MIG_PAGE_SIZE, n * MIG_PAGE_SIZE);
	return timed_cmd(m, s, KVM_TDX_MIG_IMPORT_MEM, &count, ns);
}

/* One side's ioctls over @pages pages: their time and what they counted. */
struct side {
	double ns;
	unsigned long long ioctls;
	struct kvm_tdx_mig_stats before, after;
	struct emu_costs emu;
};

static void print_side(const char *name, const char *what, const struct side *x, double pages,
		       double base, int leaf, bool export)
{
	double mib_s = pages * MIG_PAGE_SIZE / MIB / (x->ns / 1e9);
	double seamcalls = x->after.seamcalls - x->before.seamcalls;

	printf("%s only, one stream, %.0f pages in 512-page bundles: %.1f MiB/s,\n", what, pages,
	       mib_s);
	printf("  %.2f x gcm(aes) %s, %.1f MiB/s in the two reads around it (goal >= 0.90: %s)\n",
	       mib_s / base, export ? "encrypt" : "decrypt", base, verdict(mib_s / base, 0.90));
	printf("  per 512 pages: %.2f SEAMCALLs (GET_STATS; the emulated module ran %.2f), ",
	       seamcalls / pages * 512, x->emu.calls[leaf] / pages * 512);
	printf("%.2f ioctls\n", x->ioctls / pages * 512);
	printf("  page data the host module copied: %llu bytes\n",
	       (unsigned long long)(x->after.page_bytes_copied - x->before.page_bytes_copied));
	print_split(name, pages, x->ns, x->ns, x->after.seamcall_ns - x->before.seamcall_ns,
		    x->emu.ns[leaf], export ? x->emu.enc_ns : x->emu.dec_ns, &x->emu,
		    MIG_PAGE_SIZE / MIB / base * 1e6);
	figure(mib_s, "MiB/s", "%s", name);
	figure(mib_s / base, "x", "%s.vs_gcm_%s", name, export ? "encrypt" : "decrypt");
	figure(seamcalls / pages * 512, "seamcalls/512pages", "%s.seamcalls_per_512", name);
	figure(x->ioctls / pages * 512, "ioctls/512pages", "%s.ioctls_per_512", name);
	figure(x->after.page_bytes_copied - x->before.page_bytes_copied, "bytes",
	       "%s.host_page_bytes_copied", name);
}

/*
 * One stream over an idle 32 MiB TD with every page mapped: the first
 * round exported bundle by bundle, each kept in memory (the VMM's copy,
 * outside the timed ioctls), then every bundle imported in the same
 * order; only the EXPORT_MEM and IMPORT_MEM ioctls are timed. The
 * migration then ends as usual and both TDs are compared. Each side is
 * set against the baseline's two reads around it (one before the export,
 * one between, one after the import). With @prealloc
 * the destination's memory is allocated before (tb_create_dst_prealloc()),
 * and only the import is printed.
 */
static int print_export_import(struct gcm_base *g, bool prealloc)
{
	const uint64_t bytes = ONE_MIB << 20, npages = bytes / MIG_PAGE_SIZE;
	const unsigned int nb = npages / ONE_BUNDLE;
	const size_t keep = (BUNDLE_HEAD_PAGES + ONE_BUNDLE) * MIG_PAGE_SIZE;
	struct side exp = {}, imp = {};
	struct gcm_base g0 = *g, g1 = *g, g2 = *g;
	struct emu_costs e0;
	unsigned long long io;
	uint8_t *kept = malloc(nb * keep);
	struct mig m = {};
	unsigned int b;
	int src, dst, ret = -1;

	src = tb_create_td(bytes, 4, false, 0);
	dst = prealloc ? tb_create_dst_prealloc(bytes, 4) : tb_create_td(bytes, 4, true, 0);
	if (src < 0 || dst < 0 || !kept)
		goto out;
	/* The first round's clear of the dirty log write-blocks every page. */
	ret = tb_exchange_keys(src, dst) ?: tb_mig_open(&m, src, dst, npages, 4, 1, ONE_BUNDLE) ?:
	      mig_start(&m) ?: mig_dirty_log(&m, false) ?: mig_dirty_log(&m, true);
	if (ret)
		goto out;
	ret = gcm_read(g) ?: mig_get_stats(&m.src[0], &exp.before) ?: emu_costs_read(&e0);
	g1 = *g;
	io = mig_ioctls;
	for (b = 0; !ret && b < nb; b++)
		ret = export_one(&m, b, ONE_BUNDLE, kept + b * keep, &exp.ns);
	exp.ioctls = mig_ioctls - io;
	ret = ret ?: mig_get_stats(&m.src[0], &exp.after) ?: emu_costs_read(&exp.emu);
	if (ret)
		goto out;
	emu_costs_since(&exp.emu, &e0);
	ret = gcm_read(g) ?: mig_get_stats(&m.dst[0], &imp.before) ?: emu_costs_read(&e0);
	g2 = *g;
	io = mig_ioctls;
	for (b = 0; !ret && b < nb; b++)
		ret = import_one(&m, ONE_BUNDLE, kept + b * keep, &imp.ns);
	imp.ioctls = mig_ioctls - io;
	ret = ret ?: mig_get_stats(&m.dst[0], &imp.after) ?: emu_costs_read(&imp.emu);
	if (ret)
		goto out;
	emu_costs_since(&imp.emu, &e0);
	ret = gcm_read(g) ?: mig_finish(&m) ?: td_compare(src, dst, bytes, 4, NULL);
	if (ret)
		goto out;
	if (prealloc) {
		printf("the same into a destination whose memory was allocated before (as a VMM\n");
		printf("that preallocates guest memory; the export is not printed again):\n");
		print_side("import_only_prealloc", "import", &imp, npages, gcm_dec_between(&g1, g),
			   LEAF_IMPORT_MEM, false);
		goto out;
	}
	gcm_print(g);
	figure(g->enc, "MiB/s", "gcm_4k");
	figure(g->dec, "MiB/s", "gcm_4k_decrypt");
	figure(g->bound, "MiB/s", "gcm_4k_bound");
	print_side("export_only", "export", &exp, npages, gcm_enc_between(&g0, &g2),
		   LEAF_EXPORT_MEM, true);
	print_side("import_only", "import", &imp, npages, gcm_dec_between(&g1, g),
		   LEAF_IMPORT_MEM, false);
out:
	free(kept);
	mig_close(&m);
	if (src >= 0)
		close(src);
	if (dst >= 0)
		close(dst);
	return ret;
}

/*
 * The first round of an idle 32 MiB TD (every page mapped) over one
 * stream, end to end: dirty log, export, the VMM's copy, import, one
 * after the other on one thread, against the encrypt + decrypt bound.
 */
static int print_end_to_end(const struct gcm_base *g)
{
	const struct emu_costs *e;
	struct bench_run r;
	struct mig_stats st;
	double pages, total, ratio, seamcalls;

	if (migrate(ONE_MIB, 1, 0, &st, &r) || !r.costs || !r.first_pages)
		return -1;
	e = &r.emu_first;
	pages = r.first_pages;
	total = (r.first_ms - r.start_ms) * 1e6;
	ratio = r.first_mib_s / g->bound;
	seamcalls = r.sums_first.seamcalls - r.sums_start.seamcalls;
	printf("end to end, one stream, first round of a %lu MiB TD: %.1f MiB/s,\n", ONE_MIB,
	       r.first_mib_s);
	printf("  %.2f x the encrypt + decrypt bound (goal >= 0.80: %s)\n", ratio,
	       verdict(ratio, 0.80));
	printf("  per 512 pages: %.2f SEAMCALLs of the streams (GET_STATS, both sides) + %.2f\n",
	       seamcalls / pages * 512, e->calls[LEAF_EXPORT_BLOCKW] / pages * 512);
	printf("    TDH.EXPORT.BLOCKW (the dirty log's clear; the emulated module's count),\n");
	printf("    %.2f ioctls\n", r.ioctls_first / pages * 512);
	printf("  page data copied: by the VMM %.2f a page, by the host module %.0f bytes\n",
	       st.page_bytes_copied / (st.pages_sent * (double)MIG_PAGE_SIZE), r.host_copied);
	print_split("end_to_end", pages, total, r.ioctl_ns_first,
		    r.sums_first.seamcall_ns - r.sums_start.seamcall_ns +
		    e->ns[LEAF_EXPORT_BLOCKW],
		    e->ns[LEAF_EXPORT_MEM] + e->ns[LEAF_IMPORT_MEM] + e->ns[LEAF_EXPORT_BLOCKW],
		    e->enc_ns + e->dec_ns, e, MIG_PAGE_SIZE / MIB / g->bound * 1e6);
	figure(r.first_mib_s, "MiB/s", "end_to_end");
	figure(ratio, "x", "end_to_end.vs_gcm_bound");
	figure(seamcalls / pages * 512, "seamcalls/512pages", "end_to_end.seamcalls_per_512");
	figure(e->calls[LEAF_EXPORT_BLOCKW] / pages * 512, "seamcalls/512pages",
	       "end_to_end.blockw_per_512");
	figure(r.ioctls_first / pages * 512, "ioctls/512pages", "end_to_end.ioctls_per_512");
	figure(r.host_copied, "bytes", "end_to_end.host_page_bytes_copied");
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
	struct gcm_base g = {};
	struct utsname uts;

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
	if (gcm_read(&g))
		return 1;
	gcm_print(&g);
	phase("one stream: export only, import only (32 MiB TD)");
	if (print_export_import(&g, false) || print_export_import(&g, true))
		return 1;
	phase("one stream: end to end (32 MiB TD)");
	if (print_end_to_end(&g))
		return 1;
	phase("migration of an idle 64 MiB TD over 2 streams");
	if (migrate(64, 2, 8, &st, &r))
		return 1;
	printf("migration, 64 MiB TD, 4 vCPUs, idle guest, 2 streams of 512-page bundles:\n");
	printf("  first round: %.1f MiB/s (%.2f x the gcm(aes) encrypt + decrypt bound of one\n",
	       r.first_mib_s, r.first_mib_s / g.bound);
	printf("    CPU; the two streams' threads may use both)\n");
	printf("  ioctls per page in that round: %.4f\n", r.ioctls_first / (64.0 * 256));
	printf("  page data copied per page by the VMM: %.2f; bytes by the host module: %.0f\n",
	       (double)st.page_bytes_copied / (st.pages_sent * MIG_PAGE_SIZE), r.host_copied);
	printf("  blackout %.1f ms, total %.1f ms\n", st.blackout_ms, st.total_ms);
	figure(r.first_mib_s, "MiB/s", "idle.first_round");
	figure(r.first_mib_s / g.enc, "x", "idle.first_round_vs_gcm");
	figure(r.first_mib_s / g.bound, "x", "idle.first_round_vs_gcm_bound");
	figure(r.ioctls_first / (64.0 * 256), "ioctls/page", "idle.ioctls_per_page");
	figure((double)st.page_bytes_copied / (st.pages_sent * MIG_PAGE_SIZE), "copies/page",
	       "idle.vmm_copies_per_page");
	figure(r.host_copied, "bytes", "idle.host_page_bytes_copied");
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
