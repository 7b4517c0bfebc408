// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_TDX_MIG_GET_STATS as a VMM weighs the pause: per round, the pages
 * the guest dirtied since the round's first clear of the dirty log must be
 * exactly the pages a guest program wrote in it, the rounds count, and the
 * export rate is above 0 once a round exported. The stream's bytes and
 * time in SEAMCALLs move with its bundles; the host module copies no page
 * data (the counter every copy of a bundle's content goes through stays
 * 0, while its metadata count, in debugfs, grows). debugfs shows the same
 * figures. Values are asserted, never timings.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest_writer.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define BYTES		(2UL << 20)
#define NPAGES		(BYTES / MIG_PAGE_SIZE)
#define NR_VCPUS	1
/* tdx_mig.ko's; kvm-intel's is tdx_mig_kvm. */
#define DEBUGFS		"/sys/kernel/debug/tdx_mig"
#define DEBUGFS_KVM	"/sys/kernel/debug/tdx_mig_kvm"

struct stats_ctx {
	int src, dst;
	struct mig m;
};

FIXTURE(stats) {
	struct stats_ctx c;
};

FIXTURE_SETUP(stats)
{
	struct stats_ctx *ctx = &self->c;

	ctx->src = -1;
	ctx->dst = -1;
	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	ASSERT_EQ(0, tb_create_pair(BYTES, NR_VCPUS, &ctx->src, &ctx->dst));
	ASSERT_EQ(0, tb_mig_open(&ctx->m, ctx->src, ctx->dst, NPAGES, NR_VCPUS, 1, 64));
}

FIXTURE_TEARDOWN(stats)
{
	struct stats_ctx *ctx = &self->c;

	mig_close(&ctx->m);
	if (ctx->src >= 0)
		close(ctx->src);
	if (ctx->dst >= 0)
		close(ctx->dst);
}

static struct kvm_tdx_mig_stats src_stats(struct __test_metadata *_metadata,
					  struct stats_ctx *ctx)
{
	struct kvm_tdx_mig_stats st;

	memset(&st, 0xa5, sizeof(st));
	EXPECT_EQ(0, mig_get_stats(&ctx->m.src[0], &st));
	EXPECT_EQ(0, st.page_bytes_copied);
	return st;
}

/* The guest writes @n pages from @first, every @step-th: each write faults once. */
static void guest_writes(struct __test_metadata *_metadata, struct stats_ctx *ctx,
			 uint64_t first, uint64_t step, unsigned int n, uint64_t value)
{
	uint64_t gfns[64], faults = 0;
	unsigned int i;

	ASSERT_GE(64, n);
	for (i = 0; i < n; i++)
		gfns[i] = (first + i * step) % NPAGES;
	ASSERT_EQ(0, tb_guest_write(ctx->src, 0, gfns, n, value, &faults));
	ASSERT_EQ(n, faults);
}

/* A value of debugfs file @path ("name: value" lines); -1 if absent. */
static long long debugfs_value(const char *path, const char *name)
{
	char line[128], key[64];
	long long v, found = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^:]: %lld", key, &v) == 2 && !strcmp(key, name))
			found = v;
	fclose(f);
	return found;
}

/*
 * The source's directory in the core's debugfs: this process's TD (named
 * "<pid>-<n>") in round @rounds. 0 with its path, -ENOENT if none,
 * -EOPNOTSUPP without debugfs.
 */
static int src_debugfs_dir(char *path, size_t len, long long rounds)
{
	const char *root = DEBUGFS;
	char prefix[32], td[300];
	struct dirent *e;
	int ret = -ENOENT;
	DIR *d = opendir(root);

	if (!d) {
		root = DEBUGFS_KVM;
		d = opendir(root);
	}
	if (!d)
		return -EOPNOTSUPP;
	snprintf(prefix, sizeof(prefix), "%d-", getpid());
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(td, sizeof(td), "%s/%s/td", root, e->d_name);
		if (debugfs_value(td, "rounds") != rounds)
			continue;
		snprintf(path, len, "%s/%s", root, e->d_name);
		ret = 0;
	}
	closedir(d);
	return ret;
}

TEST_F_TIMEOUT(stats, rounds_dirtied_and_rate, 300)
{
	struct stats_ctx *ctx = &self->c;
	struct kvm_tdx_mig_stats st, before;
	char dir[512], path[600];
	uint64_t sent;

	/* Before the export: no round, no rate. */
	st = src_stats(_metadata, ctx);
	EXPECT_EQ(0, st.td_rounds);
	EXPECT_EQ(0, st.td_export_rate);
	EXPECT_EQ(0, st.bytes);

	ASSERT_EQ(0, mig_start(&ctx->m));
	st = src_stats(_metadata, ctx);
	EXPECT_EQ(0, st.td_rounds);
	/* The immutable state went on stream 0: its pages are its bytes. */
	EXPECT_GT(st.bytes, 0);
	EXPECT_EQ(0, st.bytes % MIG_PAGE_SIZE);
	EXPECT_GT(st.seamcall_ns, 0);
	before = st;

	/* Round 1: every page. Nothing was written since its clear. */
	ASSERT_EQ(0, mig_send_dirty(&ctx->m, true, &sent));
	ASSERT_EQ(NPAGES, sent);
	st = src_stats(_metadata, ctx);
	EXPECT_EQ(1, st.td_rounds);
	EXPECT_EQ(0, st.td_round_dirtied);
	EXPECT_GT(st.td_export_rate, 0);
	EXPECT_EQ(NPAGES, st.pages);
	EXPECT_EQ(before.bytes + NPAGES * MIG_PAGE_SIZE, st.bytes);
	EXPECT_GT(st.seamcall_ns, before.seamcall_ns);
	EXPECT_GT(st.seamcalls, before.seamcalls);

	/* The guest writes 20 pages: 20 dirtied; again the same 20: no more. */
	guest_writes(_metadata, ctx, 5, 7, 20, 0x1111);
	st = src_stats(_metadata, ctx);
	EXPECT_EQ(20, st.td_round_dirtied);
	EXPECT_EQ(20, st.td_write_faults);
	ASSERT_EQ(0, tb_guest_write(ctx->src, 0, (uint64_t[]){ 5, 12, 19 }, 3, 0x2222, NULL));
	st = src_stats(_metadata, ctx);
	EXPECT_EQ(20, st.td_round_dirtied);
	EXPECT_EQ(1, st.td_rounds);

	/*
	 * The epoch token ends round 1; round 2 begins at its clear: the 20
	 * pages go, the count starts again, the rate of round 1 stays until
	 * round 2 exported.
	 */
	ASSERT_EQ(0, mig_move_token(&ctx->m, false));
	st = src_stats(_metadata, ctx);
	EXPECT_EQ(1, st.td_rounds);
	EXPECT_GT(st.td_export_rate, 0);
	ASSERT_EQ(0, mig_send_dirty(&ctx->m, true, &sent));
	EXPECT_EQ(20, sent);
	st = src_stats(_metadata, ctx);
	EXPECT_EQ(2, st.td_rounds);
	EXPECT_EQ(0, st.td_round_dirtied);
	EXPECT_GT(st.td_export_rate, 0);
	EXPECT_EQ(NPAGES + 20, st.pages);

	/* Round 2's writes: 9 other pages. */
	guest_writes(_metadata, ctx, 300, 3, 9, 0x3333);
	st = src_stats(_metadata, ctx);
	EXPECT_EQ(9, st.td_round_dirtied);
	EXPECT_EQ(29, st.td_write_faults);

	/* debugfs shows the TD's round and the stream's counters. */
	if (src_debugfs_dir(dir, sizeof(dir), 2) == -EOPNOTSUPP) {
		TH_LOG("no " DEBUGFS " nor " DEBUGFS_KVM ": debugfs figures not checked");
	} else {
		ASSERT_EQ(0, src_debugfs_dir(dir, sizeof(dir), 2));
		snprintf(path, sizeof(path), "%s/td", dir);
		EXPECT_EQ(9, debugfs_value(path, "round_dirtied"));
		EXPECT_EQ(29, debugfs_value(path, "write_faults"));
		EXPECT_EQ(9, debugfs_value(path, "dirty"));
		EXPECT_LT(0, debugfs_value(path, "export_rate"));
		snprintf(path, sizeof(path), "%s/stream0", dir);
		EXPECT_EQ(0, debugfs_value(path, "index"));
		EXPECT_EQ((long long)st.pages, debugfs_value(path, "pages"));
		EXPECT_EQ((long long)st.bytes, debugfs_value(path, "bytes"));
		EXPECT_EQ((long long)st.bundles, debugfs_value(path, "bundles"));
		EXPECT_EQ(0, debugfs_value(path, "page_bytes_copied"));
		/* Each memory bundle's GPA list in and out, 8 bytes an entry. */
		EXPECT_LE((long long)(NPAGES + 20) * 16, debugfs_value(path, "meta_bytes_copied"));
	}

	/* The blackout: the 9 pages go; a new export starts the count again. */
	ASSERT_EQ(0, mig_finish(&ctx->m));
	ASSERT_EQ(0, td_compare(ctx->src, ctx->dst, BYTES, NR_VCPUS, NULL));
	st = src_stats(_metadata, ctx);
	EXPECT_EQ(NPAGES + 29, st.pages);
	EXPECT_EQ(3, st.td_rounds);
	/* The destination imported every bundle without copying page data. */
	ASSERT_EQ(0, mig_get_stats(&ctx->m.dst[0], &st));
	EXPECT_EQ(NPAGES + 29, st.pages);
	EXPECT_EQ(0, st.page_bytes_copied);
}

/* GET_STATS with bad arguments: nothing written, the stream goes on. */
TEST_F(stats, bad_arguments)
{
	struct stats_ctx *ctx = &self->c;
	struct kvm_tdx_mig_stats st;
	uint64_t status = 0;
	int fd = ctx->m.src[0].fd;

	memset(&st, 0x5a, sizeof(st));
	EXPECT_EQ(-EINVAL, mig_cmd_raw(fd, KVM_TDX_MIG_GET_STATS, 1, (uintptr_t)&st, NULL));
	EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, st.td_rounds);
	EXPECT_EQ(-EFAULT, mig_cmd_raw(fd, KVM_TDX_MIG_GET_STATS, 0, 0, &status));
	EXPECT_EQ(0, status);
	EXPECT_EQ(-EFAULT, mig_cmd_raw(fd, KVM_TDX_MIG_GET_STATS, 0, 4096, NULL));
	EXPECT_EQ(0, mig_get_stats(&ctx->m.src[0], &st));
	EXPECT_EQ(0, st.page_bytes_copied);
	EXPECT_EQ(0, st.td_rounds);
}

TEST_HARNESS_MAIN
