// SPDX-License-Identifier: GPL-2.0
/*
 * The trace events of system tdx_mig, read through tracefs (mounted at
 * /sys/kernel/tracing if it is not yet) while a small pre-copy migration
 * runs: two live rounds, the second after the guest wrote a few pages, then
 * the pause, the last pages, the TD and vCPU state and the start token.
 * What the trace must show: SEAMCALLs of leaves that exist, the migration
 * leaves among them with status 0; every stream command that succeeded with
 * status 0, the memory exports and imports with pages > 0 and as many
 * pages as the VMM moved; epoch tokens 1 and 2 and the start token, each
 * exported and imported; the call engine's runs, each with at least one
 * SEAMCALL. And in post-copy, a destination vCPU's demand fault on a page
 * the source CANCELled: the fault and its answer, for that GFN. trace-cmd
 * and perf read the same events; neither is needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/tdx_mig_emu.h>

#include "kselftest_harness.h"
#include "guest_writer.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define TRACEFS		"/sys/kernel/tracing"
#define BYTES		(2UL << 20)
#define NPAGES		(BYTES / MIG_PAGE_SIZE)
#define NR_VCPUS	1
#define NR_WRITTEN	8

/* The TDX Module 1.5 SEAMCALL leaves (tdx_mig/seamcall/abi.h). */
static const unsigned int known_leaves[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
	23, 24, 25, 26, 27, 28, 29, 30, 34, 38, 39, 40, 41, 43, 48, 49,
	64, 65, 66, 68, 70, 71, 72, 73, 74, 75, 80, 81, 82, 83, 84, 85, 86, 87, 96,
};

/* Leaves this migration must have made, each at least once with status 0. */
static const unsigned int migration_leaves[] = {
	65,	/* TDH.EXPORT.BLOCKW */
	68,	/* TDH.EXPORT.MEM */
	70,	/* TDH.EXPORT.PAUSE */
	71,	/* TDH.EXPORT.TRACK */
	72,	/* TDH.EXPORT.STATE.IMMUTABLE */
	73,	/* TDH.EXPORT.STATE.TD */
	74,	/* TDH.EXPORT.STATE.VP */
	75,	/* TDH.EXPORT.UNBLOCKW: the guest's writes */
	81,	/* TDH.IMPORT.END */
	82,	/* TDH.IMPORT.COMMIT */
	83,	/* TDH.IMPORT.MEM */
	84,	/* TDH.IMPORT.TRACK */
	85,	/* TDH.IMPORT.STATE.IMMUTABLE */
	86,	/* TDH.IMPORT.STATE.TD */
	87,	/* TDH.IMPORT.STATE.VP */
};

#define MAX_LEAF	128
#define MAX_CMD		66

/* What the trace held, event by event. */
struct seen {
	uint64_t seamcalls, seamcall_ns[MAX_LEAF];
	uint64_t leaf_ok[MAX_LEAF];		/* SEAMCALLs with status 0 */
	uint64_t unknown_leaf;
	uint64_t calls, calls_without_seamcall, calls_ok_bad_status;
	uint64_t cmds[MAX_CMD], cmd_pages[MAX_CMD], cmds_ok_bad_status;
	uint64_t mem_cmds_without_pages;
	uint32_t export_epochs[8], import_epochs[8];
	unsigned int nr_export_epochs, nr_import_epochs;
	unsigned int export_start, import_start, bad_tokens;
	uint64_t demand_gfn, demand_faults, demand_other;	/* faults on demand_gfn, others */
	uint64_t demand_done, demand_done_other, demand_done_ns;
	uint64_t other;
};

static int write_file(const char *name, const char *s)
{
	char path[256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), TRACEFS "/%s", name);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

/* tracefs where it belongs: 0, or -errno when this kernel cannot have it. */
static int tracefs_ready(void)
{
	struct stat st;

	if (!stat(TRACEFS "/events", &st))
		return 0;
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL))
		return -errno;
	return stat(TRACEFS "/events", &st) ? -errno : 0;
}

static bool leaf_known(unsigned int leaf)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(known_leaves); i++)
		if (known_leaves[i] == leaf)
			return true;
	return false;
}

static bool is_mem_cmd(unsigned int id)
{
	return id == KVM_TDX_MIG_EXPORT_MEM || id == KVM_TDX_MIG_IMPORT_MEM;
}

/* The fields of event @name in @line, or NULL if the line is another event's. */
static const char *fields(const char *line, const char *name)
{
	const char *p = strstr(line, name);
	size_t n = strlen(name);

	return p && !strncmp(p + n, ": ", 2) ? p + n + 2 : NULL;
}

static void seamcall_seen(struct seen *s, const char *f)
{
	unsigned int leaf, version;
	unsigned long long status, ns;

	if (sscanf(f, "leaf=%u version=%u status=%llx ns=%llu", &leaf, &version, &status,
		   &ns) != 4)
		return;
	s->seamcalls++;
	if (!leaf_known(leaf) || leaf >= MAX_LEAF) {
		s->unknown_leaf++;
		return;
	}
	s->seamcall_ns[leaf] += ns;
	s->leaf_ok[leaf] += !status;
}

static void call_seen(struct seen *s, const char *f)
{
	unsigned int stream, leaf, seamcalls, res, busy;
	unsigned long long status, ns;
	int ret;

	if (sscanf(f, "stream=%u leaf=%u status=%llx ret=%d seamcalls=%u resumptions=%u",
		   &stream, &leaf, &status, &ret, &seamcalls, &res) != 6 ||
	    !strstr(f, " busy=") ||
	    sscanf(strstr(f, " busy="), " busy=%u ns=%llu", &busy, &ns) != 2)
		return;
	s->calls++;
	s->calls_without_seamcall += !seamcalls;
	s->calls_ok_bad_status += !ret && status;
	s->unknown_leaf += !leaf_known(leaf);
}

static void cmd_seen(struct seen *s, const char *f)
{
	unsigned int stream, id;
	unsigned long long pages, status;
	int ret;

	if (sscanf(f, "stream=%u id=%u pages=%llu ret=%d status=%llx", &stream, &id, &pages,
		   &ret, &status) != 5 || id >= MAX_CMD || ret)
		return;
	s->cmds[id]++;
	s->cmd_pages[id] += pages;
	s->cmds_ok_bad_status += !!status;
	s->mem_cmds_without_pages += is_mem_cmd(id) && !pages;
}

static void token_seen(struct seen *s, const char *f)
{
	unsigned int stream, epoch;
	unsigned long long status;
	char dir[8], kind[8];
	bool export;

	if (sscanf(f, "stream=%u %7s %7s token epoch=%x status=%llx", &stream, dir, kind, &epoch,
		   &status) != 5)
		return;
	export = !strcmp(dir, "export");
	if (status || stream) {
		s->bad_tokens++;
	} else if (!strcmp(kind, "start")) {
		s->bad_tokens += epoch != 0xffffffffU;
		*(export ? &s->export_start : &s->import_start) += 1;
	} else if (export && s->nr_export_epochs < 8) {
		s->export_epochs[s->nr_export_epochs++] = epoch;
	} else if (!export && s->nr_import_epochs < 8) {
		s->import_epochs[s->nr_import_epochs++] = epoch;
	}
}

static void demand_seen(struct seen *s, const char *f, bool done)
{
	unsigned long long gfn, ns = 0;

	if (sscanf(f, done ? "gfn=%llx ns=%llu" : "gfn=%llx", &gfn, &ns) != (done ? 2 : 1))
		return;
	if (!done) {
		*(gfn == s->demand_gfn ? &s->demand_faults : &s->demand_other) += 1;
	} else if (gfn != s->demand_gfn) {
		s->demand_done_other++;
	} else {
		s->demand_done++;
		s->demand_done_ns += ns;
	}
}

static void demand_fault_seen(struct seen *s, const char *f)
{
	demand_seen(s, f, false);
}

static void demand_done_seen(struct seen *s, const char *f)
{
	demand_seen(s, f, true);
}

static const struct {
	const char *name;
	void (*seen)(struct seen *s, const char *fields);
} events[] = {
	{ "tdx_mig_seamcall", seamcall_seen },
	{ "tdx_mig_call", call_seen },
	{ "tdx_mig_cmd", cmd_seen },
	{ "tdx_mig_token", token_seen },
	{ "tdx_mig_demand_fault", demand_fault_seen },
	{ "tdx_mig_demand_fault_done", demand_done_seen },
};

/* One line of the trace buffer, by the fields of its TP_printk(). */
static void parse_line(struct seen *s, const char *line)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(events); i++) {
		const char *f = fields(line, events[i].name);

		if (f) {
			events[i].seen(s, f);
			return;
		}
	}
	s->other += !!strstr(line, "tdx_mig_");
}

static int read_trace(struct seen *s)
{
	FILE *f = fopen(TRACEFS "/trace", "r");
	char line[512];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (line[0] != '#')
			parse_line(s, line);
	fclose(f);
	return 0;
}

struct trace_ctx {
	int src, dst;
	struct mig m;
	bool tracing;
	char enable[64];	/* events/<system>/enable */
};

FIXTURE(trace) {
	struct trace_ctx c;
};

FIXTURE_SETUP(trace)
{
	struct trace_ctx *ctx = &self->c;
	int ret;

	ctx->src = -1;
	ctx->dst = -1;
	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	ret = tracefs_ready();
	if (ret)
		SKIP(return, "no tracefs at " TRACEFS ": %s", strerror(-ret));
	ASSERT_EQ(0, tb_create_pair(BYTES, NR_VCPUS, &ctx->src, &ctx->dst));
	ASSERT_EQ(0, tb_mig_open(&ctx->m, ctx->src, ctx->dst, NPAGES, NR_VCPUS, 1, 64));
}

FIXTURE_TEARDOWN(trace)
{
	struct trace_ctx *ctx = &self->c;

	if (ctx->tracing) {
		write_file("tracing_on", "0");
		write_file(ctx->enable, "0");
	}
	mig_close(&ctx->m);
	if (ctx->src >= 0)
		close(ctx->src);
	if (ctx->dst >= 0)
		close(ctx->dst);
}

/*
 * Every event of the core on, into an empty buffer: system tdx_mig
 * (tdx_mig.ko), or tdx_mig_kvm where the core is in kvm-intel.
 */
static int trace_start(struct trace_ctx *ctx)
{
	const char *sys = "tdx_mig";
	int ret;

	if (access(TRACEFS "/events/tdx_mig/tdx_mig_seamcall", F_OK)) {
		sys = "tdx_mig_kvm";
		if (access(TRACEFS "/events/tdx_mig_kvm/tdx_mig_seamcall", F_OK))
			return -ENOENT;
	}
	snprintf(ctx->enable, sizeof(ctx->enable), "events/%s/enable", sys);
	ret = write_file("tracing_on", "0") ?: write_file("buffer_size_kb", "8192") ?:
	      write_file("trace", "") ?: write_file(ctx->enable, "1");
	ctx->tracing = true;
	return ret ?: write_file("tracing_on", "1");
}

/* Two rounds, the guest writing between them, then the blackout. */
static void migrate(struct __test_metadata *_metadata, struct trace_ctx *ctx)
{
	uint64_t gfns[NR_WRITTEN], faults = 0;
	unsigned int i;

	ASSERT_EQ(0, mig_start(&ctx->m));
	ASSERT_EQ(0, mig_send_dirty(&ctx->m, true, NULL));
	for (i = 0; i < NR_WRITTEN; i++)
		gfns[i] = 3 + 61 * i;
	ASSERT_EQ(0, tb_guest_write(ctx->src, 0, gfns, NR_WRITTEN, 0x7ace, &faults));
	ASSERT_EQ(NR_WRITTEN, faults);
	ASSERT_EQ(0, mig_move_token(&ctx->m, false));
	ASSERT_EQ(0, mig_send_dirty(&ctx->m, true, NULL));
	ASSERT_EQ(0, mig_finish(&ctx->m));
	ASSERT_EQ(0, td_compare(ctx->src, ctx->dst, BYTES, NR_VCPUS, NULL));
}

TEST_F_TIMEOUT(trace, precopy_events, 300)
{
	struct trace_ctx *ctx = &self->c;
	struct seen *s;
	unsigned int i;

	ASSERT_EQ(0, trace_start(ctx)) {
		TH_LOG("no events under " TRACEFS "/events/tdx_mig, or tracefs refused");
	}
	migrate(_metadata, ctx);
	ASSERT_EQ(0, write_file("tracing_on", "0"));

	s = calloc(1, sizeof(*s));
	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, read_trace(s));
	TH_LOG("%llu SEAMCALLs, %llu engine runs, %u+%u epoch tokens",
	       (unsigned long long)s->seamcalls, (unsigned long long)s->calls,
	       s->nr_export_epochs, s->nr_import_epochs);

	/* SEAMCALLs: leaves that exist; the migration's, with status 0. */
	EXPECT_GT(s->seamcalls, 0);
	EXPECT_EQ(0, s->unknown_leaf);
	for (i = 0; i < ARRAY_SIZE(migration_leaves); i++)
		EXPECT_GT(s->leaf_ok[migration_leaves[i]], 0) {
			TH_LOG("no successful SEAMCALL of leaf %u", migration_leaves[i]);
		}
	/* Durations are measured: the exports' sum is not 0 (no bound asserted). */
	EXPECT_GT(s->seamcall_ns[68], 0);

	/* The engine: each run made a SEAMCALL; a run that succeeded, status 0. */
	EXPECT_GT(s->calls, 0);
	EXPECT_EQ(0, s->calls_without_seamcall);
	EXPECT_EQ(0, s->calls_ok_bad_status);

	/* Stream commands: each step of the flow, with status 0. */
	EXPECT_EQ(0, s->cmds_ok_bad_status);
	EXPECT_EQ(1, s->cmds[KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE]);
	EXPECT_EQ(1, s->cmds[KVM_TDX_MIG_IMPORT_STATE_IMMUTABLE]);
	EXPECT_GT(s->cmd_pages[KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE], 0);
	EXPECT_EQ(1, s->cmds[KVM_TDX_MIG_EXPORT_PAUSE]);
	EXPECT_EQ(1, s->cmds[KVM_TDX_MIG_EXPORT_STATE_TD]);
	EXPECT_EQ(NR_VCPUS, s->cmds[KVM_TDX_MIG_EXPORT_STATE_VP]);
	EXPECT_EQ(NR_VCPUS, s->cmds[KVM_TDX_MIG_IMPORT_STATE_VP]);
	EXPECT_EQ(3, s->cmds[KVM_TDX_MIG_EXPORT_TRACK]);
	EXPECT_EQ(3, s->cmds[KVM_TDX_MIG_IMPORT_TRACK]);
	EXPECT_EQ(1, s->cmds[KVM_TDX_MIG_IMPORT_END]);
	EXPECT_GT(s->cmds[KVM_TDX_MIG_EXPORT_MEM], 0);
	EXPECT_EQ(0, s->mem_cmds_without_pages);
	EXPECT_EQ(ctx->m.st.pages_sent, s->cmd_pages[KVM_TDX_MIG_EXPORT_MEM]);
	EXPECT_EQ(ctx->m.st.pages_sent, s->cmd_pages[KVM_TDX_MIG_IMPORT_MEM]);
	/* Every page once, then the pages the guest wrote. */
	EXPECT_EQ(NPAGES + NR_WRITTEN, ctx->m.st.pages_sent);

	/* Tokens: epochs 1 and 2 (live, then at the pause), then the start token. */
	EXPECT_EQ(0, s->bad_tokens);
	ASSERT_EQ(2, s->nr_export_epochs);
	ASSERT_EQ(2, s->nr_import_epochs);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(i + 1, s->export_epochs[i]);
		EXPECT_EQ(i + 1, s->import_epochs[i]);
	}
	EXPECT_EQ(1, s->export_start);
	EXPECT_EQ(1, s->import_start);
	free(s);
}

/*
 * Post-copy: one round, then the guest rewrites a page, which the commit
 * CANCELs; a destination vCPU touching it exits (a demand fault), the VMM
 * fetches it, the import that maps it answers the fault. The VMM has made
 * the destination's memory private, as a VMM does (backend_kvm.c does it
 * when it creates a TD; the emulated platform's destinations stay shared
 * until the VMM says so, and a shared GFN exits before the core sees it).
 */
TEST_F_TIMEOUT(trace, postcopy_demand_fault, 300)
{
	struct trace_ctx *ctx = &self->c;
	struct kvm_memory_attributes private = { .address = 0, .size = BYTES,
						 .attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE };
	uint64_t gfn = 77, fetched = 0, hs, hd;
	struct seen *s;

	ctx->m.postcopy_demand_only = true;
	ASSERT_EQ(0, mig_start(&ctx->m));
	ASSERT_EQ(0, mig_send_dirty(&ctx->m, true, NULL));
	ASSERT_EQ(0, tb_guest_write(ctx->src, 0, &gfn, 1, 0xfa17, NULL));
	ASSERT_EQ(0, mig_postcopy_commit(&ctx->m));
	ASSERT_EQ(1, ctx->m.st.cancelled);
	ASSERT_EQ(0, ioctl(ctx->dst, KVM_SET_MEMORY_ATTRIBUTES, &private));
	ASSERT_EQ(0, trace_start(ctx));
	ASSERT_EQ(0, tb_guest_read(ctx->dst, 0, &gfn, 1, mig_postcopy_fetch, &ctx->m, &fetched));
	ASSERT_EQ(0, write_file("tracing_on", "0"));
	EXPECT_EQ(1, fetched);
	ASSERT_EQ(0, mig_postcopy_finish(&ctx->m));
	/* The memory; not the vCPUs: the destination's ran since the commit. */
	ASSERT_EQ(0, tb_mem_hash(ctx->src, BYTES, &hs));
	ASSERT_EQ(0, tb_mem_hash(ctx->dst, BYTES, &hd));
	EXPECT_EQ(hs, hd);

	s = calloc(1, sizeof(*s));
	ASSERT_NE(NULL, s);
	s->demand_gfn = gfn;
	ASSERT_EQ(0, read_trace(s));
	/* The vCPU exits on it until it arrives: once at least. */
	EXPECT_LE(1, s->demand_faults);
	EXPECT_EQ(0, s->demand_other);
	/* Answered once, by the import that mapped it; nothing else was asked. */
	EXPECT_EQ(1, s->demand_done);
	EXPECT_EQ(0, s->demand_done_other);
	EXPECT_GT(s->demand_done_ns, 0);
	EXPECT_GT(s->cmd_pages[KVM_TDX_MIG_IMPORT_MEM], 0);
	free(s);
}

TEST_HARNESS_MAIN
