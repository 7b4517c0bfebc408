// SPDX-License-Identifier: GPL-2.0
/*
 * The cross-host wire (lib/mig_wire.h) on one host: the destination VMM
 * (lib/mig_dest.c) in a child process on 127.0.0.1, the source VMM here,
 * each TD bound to its own emulated MigTD. Pre-copy over two streams,
 * post-copy over three, the network cut while the TD runs and in the
 * blackout (then a new migration); then frames the
 * library never sends: each makes the destination abort its import and
 * say why, and the source, with the destination's abort token, runs on.
 * The two-host runs (make check's vm-xhost stage) use the same code
 * across a network.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "guest_writer.h"
#include "mig_dest.h"
#include "mig_wire.h"
#include "migtd_emu.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define BYTES		(4UL << 20)
#define NPAGES		(BYTES / MIG_PAGE_SIZE)
#define NR_VCPUS	2
#define PORT		4567
#define MIGTD_PORT	4568

struct xhost_ctx {
	pid_t migtd_src, migtd_dst, dest;
	int src;
	int outcome_fd;		/* the destination's "<outcome> <why>" lines */
	struct mig_link *l;
	struct mig m;
	bool opened;
};

FIXTURE(xhost) {
	struct xhost_ctx c;
};

/* The destination VMM: @n migrations, each outcome written as a line. */
static void destination(pid_t migtd, unsigned int n, int out)
{
	struct mig_dest *d;
	uint64_t fetched;
	bool committed;
	char line[400];
	int ret;

	if (mig_dest_listen(&d, "127.0.0.1", PORT, migtd))
		_exit(1);
	/* Listening: the source may connect. */
	if (write(out, "L", 1) != 1)
		_exit(1);
	while (n--) {
		ret = mig_dest_run(d, NULL, &committed, &fetched);
		mig_dest_finish(d);
		snprintf(line, sizeof(line), "%s %s\n",
			 !ret ? "ok" : committed ? "lost" : "abort", mig_dest_why(d));
		if (write(out, line, strlen(line)) < 0)
			_exit(1);
	}
	mig_dest_close(d);
	_exit(0);
}

static pid_t start_destination(pid_t migtd, unsigned int n, int *outcome_fd)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		return -errno;
	pid = fork();
	if (!pid) {
		close(p[0]);
		destination(migtd, n, p[1]);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &c, 1) != 1) {
		close(p[0]);
		return -ECHILD;
	}
	*outcome_fd = p[0];
	return pid;
}

/* The destination's next outcome line, "" at its end. */
static const char *next_outcome(struct xhost_ctx *ctx)
{
	static char line[400];
	size_t n = 0;

	while (n < sizeof(line) - 1 && read(ctx->outcome_fd, &line[n], 1) == 1 &&
	       line[n] != '\n')
		n++;
	line[n] = 0;
	return line;
}

FIXTURE_SETUP(xhost)
{
	struct xhost_ctx *ctx = &self->c;
	uint64_t status;

	memset(ctx, 0, sizeof(*ctx));
	ctx->src = -1;
	ctx->outcome_fd = -1;
	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	ctx->migtd_src = migtd_spawn(0);
	ctx->migtd_dst = migtd_spawn(0);
	ASSERT_LT(0, ctx->migtd_src);
	ASSERT_LT(0, ctx->migtd_dst);
	ctx->src = tb_create_bound(BYTES, NR_VCPUS, false, ctx->migtd_src, NULL, &status);
	ASSERT_LE(0, ctx->src);
}

FIXTURE_TEARDOWN(xhost)
{
	struct xhost_ctx *ctx = &self->c;

	if (ctx->opened)
		mig_close(&ctx->m);
	mig_link_close(ctx->l);
	if (ctx->src >= 0)
		close(ctx->src);
	if (ctx->dest > 0) {
		kill(ctx->dest, SIGKILL);
		waitpid(ctx->dest, NULL, 0);
	}
	if (ctx->outcome_fd >= 0)
		close(ctx->outcome_fd);
	migtd_kill(ctx->migtd_src);
	migtd_kill(ctx->migtd_dst);
}

/* Connect, pre-migrate, open the streams: the import may begin. */
static int open_link(struct xhost_ctx *ctx, unsigned int streams, bool post)
{
	struct mig_hello h = { .npages = NPAGES, .nr_vcpus = NR_VCPUS, .nstreams = streams,
			       .buf_pages = 64, .migtd_port = MIGTD_PORT,
			       .shared_pages = TB_TD_SHARED_PAGES,
			       .flags = post ? MIG_HELLO_F_POSTCOPY : 0 };
	int ret;

	ret = mig_link_connect(&ctx->l, "127.0.0.1", PORT, &h) ?:
	      vm_set_migration_info(ctx->src, true, MIGTD_PORT) ?:
	      mig_premig_wait(&ctx->src, 1, 60000);
	if (ret)
		return ret;
	ctx->opened = true;
	return mig_open_remote(&ctx->m, ctx->src, ctx->l) ?: tb_mig_shared(&ctx->m);
}

static void close_link(struct xhost_ctx *ctx)
{
	mig_close(&ctx->m);
	ctx->opened = false;
	mig_link_close(ctx->l);
	ctx->l = NULL;
}

static int verify(struct xhost_ctx *ctx)
{
	struct mig_verify v = { .nr_vcpus = NR_VCPUS };
	int ret = tb_td_hashes(ctx->src, BYTES, NR_VCPUS, &v.mem_hash, v.vcpu_hash);

	v.shared_hash = mig_shared_hash(ctx->m.shared.src, ctx->m.shared.pages);
	return ret ?: mig_link_verify(ctx->l, &v);
}

/* A whole pre-copy; what the destination said of it. */
static void precopy_ok(struct __test_metadata *_metadata, struct xhost_ctx *ctx,
		       unsigned int streams)
{
	ASSERT_EQ(0, open_link(ctx, streams, false));
	ctx->m.min_rounds = 1;
	ASSERT_EQ(0, mig_precopy(&ctx->m));
	EXPECT_EQ(0, ctx->m.st.page_bytes_copied);
	/* Every shared page went once at least (the first round sends all). */
	EXPECT_LE(TB_TD_SHARED_PAGES, ctx->m.st.shared_pages_sent);
	ASSERT_EQ(0, verify(ctx));
	close_link(ctx);
	EXPECT_STREQ("ok ", next_outcome(ctx));
}

TEST_F_TIMEOUT(xhost, precopy_two_streams, 300)
{
	struct xhost_ctx *ctx = &self->c;
	uint64_t gfns[4] = { 0, 1, 300, NPAGES - 1 }, shared[3] = { 0, 17, TB_TD_SHARED_PAGES - 1 };

	ASSERT_EQ(0, tb_guest_write(ctx->src, 1, gfns, 4, 0x77, NULL));
	ASSERT_EQ(0, tb_guest_write_shared(ctx->src, 1, shared, 3, 0x88));
	ctx->dest = start_destination(ctx->migtd_dst, 1, &ctx->outcome_fd);
	ASSERT_LT(0, ctx->dest);
	precopy_ok(_metadata, ctx, 2);
}

TEST_F_TIMEOUT(xhost, postcopy_three_streams, 300)
{
	struct xhost_ctx *ctx = &self->c;
	unsigned int i;

	ctx->dest = start_destination(ctx->migtd_dst, 1, &ctx->outcome_fd);
	ASSERT_LT(0, ctx->dest);
	ASSERT_EQ(0, open_link(ctx, 3, true));
	ctx->m.min_rounds = 1;
	ctx->m.max_rounds = 1;
	/* Only faults bring pages until the background starts. */
	ctx->m.postcopy_demand_only = true;
	ASSERT_EQ(0, mig_start(&ctx->m));
	ASSERT_EQ(0, mig_postcopy_commit(&ctx->m));
	/* The destination's vCPUs fault before the background starts. */
	for (i = 0; i < 60000 && !__atomic_load_n(&ctx->m.st.demand_pages, __ATOMIC_RELAXED); i++)
		usleep(1000);
	EXPECT_LT(0, ctx->m.st.demand_pages);
	ASSERT_EQ(0, mig_postcopy_finish(&ctx->m));
	EXPECT_LT(0, ctx->m.st.demand_requests);
	ASSERT_EQ(0, verify(ctx));
	close_link(ctx);
	EXPECT_STREQ("ok ", next_outcome(ctx));
}

static void cut_after_pause(struct mig *m)
{
	mig_link_cut(m->link);
}

static void cut_after_first_round(const struct mig *m, int round, uint64_t dirty, double mib_s)
{
	if (round == 0)
		mig_link_cut(m->link);
}

/*
 * The network dies before the start token (in the live phase, or in the
 * blackout): the destination aborts, the source aborts without a token,
 * runs on, and migrates to a fresh destination TD.
 */
static void cut_then_migrate_again(struct __test_metadata *_metadata, struct xhost_ctx *ctx,
				   bool in_blackout)
{
	uint64_t gfn = 5;

	ctx->dest = start_destination(ctx->migtd_dst, 2, &ctx->outcome_fd);
	ASSERT_LT(0, ctx->dest);
	ASSERT_EQ(0, open_link(ctx, 2, false));
	ctx->m.min_rounds = 2;
	if (in_blackout)
		ctx->m.after_pause = cut_after_pause;
	else
		ctx->m.progress = cut_after_first_round;
	EXPECT_NE(0, mig_precopy(&ctx->m));
	EXPECT_FALSE(ctx->m.start_exported);
	EXPECT_FALSE(mig_link_abort(ctx->l, "cut", ctx->m.src[0].mbmd));
	ASSERT_EQ(0, mig_cmd_retry(&ctx->m.src[0], KVM_TDX_MIG_EXPORT_ABORT, NULL, NULL));
	close_link(ctx);
	EXPECT_EQ(0, strncmp(next_outcome(ctx), "abort stream", 12));
	ASSERT_EQ(0, tb_guest_write(ctx->src, 0, &gfn, 1, 0x99, NULL));
	/* As many streams as before: the source keeps its MIGSCs (num_migs). */
	precopy_ok(_metadata, ctx, 2);
}

TEST_F_TIMEOUT(xhost, cut_in_blackout_then_migrate_again, 300)
{
	cut_then_migrate_again(_metadata, &self->c, true);
}

TEST_F_TIMEOUT(xhost, cut_while_live_then_migrate_again, 300)
{
	cut_then_migrate_again(_metadata, &self->c, false);
}

/*
 * A frame the library never sends, on stream @si after the immutable state
 * went: the destination aborts its import and says @why; the source
 * aborts with its token and runs on.
 */
static void bad_frame(struct __test_metadata *_metadata, struct xhost_ctx *ctx,
		      unsigned int si, const void *bytes, size_t len, const char *why)
{
	struct pollfd pfd = { .events = POLLIN };
	char expect[200];
	uint64_t gfn = 9;
	int fd;

	ctx->dest = start_destination(ctx->migtd_dst, 1, &ctx->outcome_fd);
	ASSERT_LT(0, ctx->dest);
	ASSERT_EQ(0, open_link(ctx, 2, false));
	ASSERT_EQ(0, mig_start(&ctx->m));
	pfd.fd = mig_link_fd(ctx->l, 0);
	fd = mig_link_fd(ctx->l, si);
	ASSERT_EQ((ssize_t)len, send(fd, bytes, len, MSG_NOSIGNAL));
	/* A frame cut short: the connection ends there. */
	if (strstr(why, "ended"))
		shutdown(fd, SHUT_WR);
	/* The destination's ABORT, with its abort token and the reason, comes on stream 0. */
	ASSERT_EQ(1, poll(&pfd, 1, 60000));
	EXPECT_TRUE(mig_link_abort(ctx->l, "test", ctx->m.src[0].mbmd));
	EXPECT_NE(NULL, strstr(mig_link_why(ctx->l), why))
		TH_LOG("the destination said: %s", mig_link_why(ctx->l));
	ASSERT_EQ(0, mig_cmd_retry(&ctx->m.src[0], KVM_TDX_MIG_EXPORT_ABORT, NULL, NULL));
	close_link(ctx);
	snprintf(expect, sizeof(expect), "abort stream %u: %s", si, why);
	EXPECT_STREQ(expect, next_outcome(ctx));
	EXPECT_EQ(0, tb_guest_write(ctx->src, 0, &gfn, 1, 0x42, NULL));
}

/* A well-formed header for @si; tests then spoil one field. */
static struct mig_frame good_header(unsigned int si)
{
	return (struct mig_frame){ .magic = MIG_WIRE_MAGIC, .version = MIG_WIRE_VERSION,
				   .type = MIG_FRAME_BUNDLE, .stream = si,
				   .cmd = KVM_TDX_MIG_IMPORT_STATE_TD, .mbmd_len = 4096 };
}

/* Little-endian x86: the wire's order; the CRC of the spoiled header. */
static void seal(struct mig_frame *f)
{
	f->crc = 0;
	f->crc = mig_crc32c(0, f, sizeof(*f));
}

TEST_F_TIMEOUT(xhost, bad_magic, 300)
{
	struct mig_frame f = good_header(1);

	f.magic = 0x12345678;
	seal(&f);
	bad_frame(_metadata, &self->c, 1, &f, sizeof(f), "bad magic");
}

TEST_F_TIMEOUT(xhost, wrong_version, 300)
{
	struct mig_frame f = good_header(0);

	f.version = MIG_WIRE_VERSION + 1;
	seal(&f);
	bad_frame(_metadata, &self->c, 0, &f, sizeof(f), "unsupported wire version");
}

TEST_F_TIMEOUT(xhost, crc_mismatch, 300)
{
	struct mig_frame f = good_header(1);

	seal(&f);
	f.pages = 1;	/* a length changed on the way */
	bad_frame(_metadata, &self->c, 1, &f, sizeof(f), "header CRC mismatch");
}

TEST_F_TIMEOUT(xhost, stream_that_does_not_exist, 300)
{
	struct mig_frame f = good_header(7);

	seal(&f);
	bad_frame(_metadata, &self->c, 1, &f, sizeof(f),
		  "frame for another stream than its connection's");
}

TEST_F_TIMEOUT(xhost, more_pages_than_the_stream_holds, 300)
{
	struct mig_frame f = good_header(0);

	f.pages = 65;
	f.arg = 65;
	seal(&f);
	bad_frame(_metadata, &self->c, 0, &f, sizeof(f),
		  "more pages than the stream's buffers hold");
}

TEST_F_TIMEOUT(xhost, not_an_import_command, 300)
{
	struct mig_frame f = good_header(1);

	f.cmd = KVM_TDX_MIG_EXPORT_MEM;
	seal(&f);
	bad_frame(_metadata, &self->c, 1, &f, sizeof(f), "not an import command");
}

TEST_F_TIMEOUT(xhost, truncated_header, 300)
{
	struct mig_frame f = good_header(1);

	seal(&f);
	bad_frame(_metadata, &self->c, 1, &f, 20, "the connection ended");
}

/* A full header whose payload never comes. */
TEST_F_TIMEOUT(xhost, truncated_payload, 300)
{
	struct {
		struct mig_frame f;
		uint8_t mbmd[100];
	} partial = { .f = good_header(1) };

	seal(&partial.f);
	bad_frame(_metadata, &self->c, 1, &partial, sizeof(partial), "the connection ended");
}

/* Shared memory pages: their indexes are checked before a byte lands. */
TEST_F_TIMEOUT(xhost, shared_page_out_of_range, 300)
{
	struct {
		struct mig_frame f;
		uint64_t idx;
	} bad = { .f = { .magic = MIG_WIRE_MAGIC, .version = MIG_WIRE_VERSION,
			 .type = MIG_FRAME_SHARED, .stream = 0, .data_len = 8, .pages = 1 },
		  .idx = TB_TD_SHARED_PAGES };

	seal(&bad.f);
	bad_frame(_metadata, &self->c, 0, &bad, sizeof(bad), "shared page index out of range");
}

TEST_F_TIMEOUT(xhost, shared_pages_on_another_stream, 300)
{
	struct {
		struct mig_frame f;
		uint64_t idx;
	} bad = { .f = { .magic = MIG_WIRE_MAGIC, .version = MIG_WIRE_VERSION,
			 .type = MIG_FRAME_SHARED, .stream = 1, .data_len = 8, .pages = 1 } };

	seal(&bad.f);
	bad_frame(_metadata, &self->c, 1, &bad, sizeof(bad),
		  "shared memory on a stream other than 0");
}

/* A HELLO the destination cannot serve: refused before any TD is made. */
TEST_F_TIMEOUT(xhost, hello_out_of_range, 120)
{
	struct xhost_ctx *ctx = &self->c;
	struct mig_hello h = { .npages = NPAGES, .nr_vcpus = 9, .nstreams = 1,
			       .buf_pages = 64, .migtd_port = MIGTD_PORT };

	ctx->dest = start_destination(ctx->migtd_dst, 1, &ctx->outcome_fd);
	ASSERT_LT(0, ctx->dest);
	EXPECT_EQ(-ECONNABORTED, mig_link_connect(&ctx->l, "127.0.0.1", PORT, &h));
	EXPECT_STREQ("abort first connection: vCPU count out of range", next_outcome(ctx));
}

TEST_HARNESS_MAIN
