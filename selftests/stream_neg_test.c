// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input to every stream call: a clear errno (and the TDX status where
 * a SEAMCALL failed), and nothing lost: where a migration is under way,
 * it still completes and the destination equals the source.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/tdx_mig_emu.h>

#include "kselftest_harness.h"
#include "guest_writer.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define BYTES		(2UL << 20)
#define NPAGES		(BYTES / MIG_PAGE_SIZE)
#define NR_VCPUS	2
#define BUF_PAGES	16
#define GPA_MIGRATE	(1ULL << 52)
#define GPA_STATUS(s)	((uint64_t)(s) << 56)
/* A GPA entry's GPA, operation and status (bits 60:12). */
#define GPA_GPA_OP_STATUS	0x1ffffffffffff000ULL
/* The TDX Module interrupts every poll, each time with SIGALRM to the caller. */
#define INTR_SIGALRM	(TDX_MIG_EMU_INTR_EVERY | TDX_MIG_EMU_INTR_F_SIGALRM)

struct neg_ctx {
	int src, dst;
	struct mig m;
};

FIXTURE(neg) {
	struct neg_ctx c;
};

FIXTURE_SETUP(neg)
{
	struct neg_ctx *ctx = &self->c;

	ctx->src = -1;
	ctx->dst = -1;
	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	ctx->src = tb_create_td(BYTES, NR_VCPUS, false, 8);
	ctx->dst = tb_create_td(BYTES, NR_VCPUS, true, 0);
	ASSERT_LE(0, ctx->src);
	ASSERT_LE(0, ctx->dst);
	ASSERT_EQ(0, tb_exchange_keys(ctx->src, ctx->dst));
	ASSERT_EQ(0, tb_mig_open(&ctx->m, ctx->src, ctx->dst, NPAGES, NR_VCPUS, 1, BUF_PAGES));
	ctx->m.min_rounds = 1;
}

FIXTURE_TEARDOWN(neg)
{
	struct neg_ctx *ctx = &self->c;

	mig_close(&ctx->m);
	if (ctx->src >= 0)
		close(ctx->src);
	if (ctx->dst >= 0)
		close(ctx->dst);
	tb_set_intr(0, 0, 0);
}

static int cmd(struct mig_stream *s, uint32_t id, uint64_t arg)
{
	return mig_cmd(s, id, &arg, NULL);
}

/* The rest of the migration goes through and the TDs end equal. */
static void complete(struct __test_metadata *_metadata, struct neg_ctx *ctx)
{
	ASSERT_EQ(0, mig_live_rounds(&ctx->m));
	ASSERT_EQ(0, mig_finish(&ctx->m));
	ASSERT_EQ(0, td_compare(ctx->src, ctx->dst, BYTES, NR_VCPUS, NULL));
}

static int attr_ioctl(int fd, unsigned long ioctl_nr, uint32_t group, uint64_t attr, void *p,
		      uint32_t flags)
{
	struct kvm_device_attr da = { .flags = flags, .group = group, .attr = attr,
				      .addr = (uint64_t)(uintptr_t)p };

	return ioctl(fd, ioctl_nr, &da) ? -errno : 0;
}

TEST_F(neg, negotiation)
{
	struct neg_ctx *ctx = &self->c;
	struct kvm_dev_tdx_mig_attr a = {};
	struct kvm_dev_tdx_mig_caps caps = {};
	const uint32_t size = sizeof(a);
	int fd = mig_stream_create(ctx->src), fd2;
	uint8_t *mbmd;

	ASSERT_LE(0, fd);
	/* Nothing works before SET_ATTR. */
	EXPECT_EQ(-ENXIO, cmd(&(struct mig_stream){ .fd = fd },
			      KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE, 0));
	ASSERT_EQ(0, attr_ioctl(fd, KVM_GET_DEVICE_ATTR, KVM_DEV_TDX_MIG_ATTR, size, &a, 0));
	EXPECT_EQ(0, a.buf_list_pages);
	EXPECT_LE(2, a.max_migs);

	a.version = 1;
	EXPECT_EQ(-EINVAL, attr_ioctl(fd, KVM_SET_DEVICE_ATTR, KVM_DEV_TDX_MIG_ATTR, size, &a, 0));
	a.version = 0;
	a.buf_list_pages = 100000;
	/* An unknown attribute: -ENXIO for SET as for GET and HAS. */
	EXPECT_EQ(-ENXIO, attr_ioctl(fd, KVM_SET_DEVICE_ATTR, KVM_DEV_TDX_MIG_ATTR, 8, &a, 0));
	EXPECT_EQ(-ENXIO, attr_ioctl(fd, KVM_GET_DEVICE_ATTR, KVM_DEV_TDX_MIG_ATTR, 8, &a, 0));
	EXPECT_EQ(-ENXIO, attr_ioctl(fd, KVM_SET_DEVICE_ATTR, 2, size, &a, 0));
	EXPECT_EQ(-EINVAL, attr_ioctl(fd, KVM_SET_DEVICE_ATTR, KVM_DEV_TDX_MIG_ATTR, size, &a, 1));
	EXPECT_EQ(-EPERM, attr_ioctl(fd, KVM_SET_DEVICE_ATTR, KVM_DEV_TDX_MIG_ATTR,
				     KVM_DEV_TDX_MIG_ATTR_CAPS, &a, 0));
	EXPECT_EQ(-EFAULT, attr_ioctl(fd, KVM_SET_DEVICE_ATTR, KVM_DEV_TDX_MIG_ATTR, size,
				      (void *)8, 0));
	/* Clamped to 512, and only once. */
	ASSERT_EQ(0, attr_ioctl(fd, KVM_SET_DEVICE_ATTR, KVM_DEV_TDX_MIG_ATTR, size, &a, 0));
	ASSERT_EQ(0, attr_ioctl(fd, KVM_GET_DEVICE_ATTR, KVM_DEV_TDX_MIG_ATTR, size, &a, 0));
	EXPECT_EQ(TDX_MIG_BUF_LIST_PAGES_MAX, a.buf_list_pages);
	/*
	 * intel-kvm-qemu.md §5 item 11: Intel's KVM ran the stream setup again
	 * on every SET_ATTR, replacing (and leaking) the buffers. Here a second
	 * one is -EEXIST, and the buffers the VMM mapped are the same pages.
	 */
	mbmd = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, mbmd);
	memset(mbmd, 0x5a, 4096);
	a.buf_list_pages = 1;
	EXPECT_EQ(-EEXIST, attr_ioctl(fd, KVM_SET_DEVICE_ATTR, KVM_DEV_TDX_MIG_ATTR, size, &a, 0));
	ASSERT_EQ(0, attr_ioctl(fd, KVM_GET_DEVICE_ATTR, KVM_DEV_TDX_MIG_ATTR, size, &a, 0));
	EXPECT_EQ(TDX_MIG_BUF_LIST_PAGES_MAX, a.buf_list_pages);
	EXPECT_EQ(0x5a, mbmd[0]);
	EXPECT_EQ(0x5a, mbmd[4095]);
	munmap(mbmd, 4096);

	/* The capabilities: read-only, consistent with the negotiation. */
	EXPECT_EQ(0, attr_ioctl(fd, KVM_HAS_DEVICE_ATTR, KVM_DEV_TDX_MIG_ATTR,
				KVM_DEV_TDX_MIG_ATTR_CAPS, NULL, 0));
	EXPECT_EQ(-ENXIO, attr_ioctl(fd, KVM_HAS_DEVICE_ATTR, KVM_DEV_TDX_MIG_ATTR, 7, NULL, 0));
	ASSERT_EQ(0, attr_ioctl(fd, KVM_GET_DEVICE_ATTR, KVM_DEV_TDX_MIG_ATTR,
				KVM_DEV_TDX_MIG_ATTR_CAPS, &caps, 0));
	EXPECT_EQ(TDX_MIG_UAPI_VERSION, caps.uapi_version);
	EXPECT_EQ(a.max_migs, caps.max_migs);
	EXPECT_LT(0, caps.vp_state_pages);

	/* Too few pages: raised to what the state bundles need. */
	fd2 = mig_stream_create(ctx->src);
	ASSERT_LE(0, fd2);
	a.buf_list_pages = 0;
	ASSERT_EQ(0, attr_ioctl(fd2, KVM_SET_DEVICE_ATTR, KVM_DEV_TDX_MIG_ATTR, size, &a, 0));
	ASSERT_EQ(0, attr_ioctl(fd2, KVM_GET_DEVICE_ATTR, KVM_DEV_TDX_MIG_ATTR, size, &a, 0));
	EXPECT_EQ(caps.vp_state_pages > caps.td_state_pages ?
		  (caps.vp_state_pages > caps.immutable_state_pages ? caps.vp_state_pages :
		   caps.immutable_state_pages) :
		  (caps.td_state_pages > caps.immutable_state_pages ? caps.td_state_pages :
		   caps.immutable_state_pages), a.buf_list_pages);
	close(fd2);
	close(fd);
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

/* Touch @p (an access the compiler must not drop); true if it raised SIGBUS. */
static bool touch_bus(char *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	bool bus = false;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1))
		bus = true;
	else
		__atomic_store_n(p, 1, __ATOMIC_RELAXED);
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

TEST_F(neg, mmap_range)
{
	struct neg_ctx *ctx = &self->c;
	int fd = ctx->m.src[0].fd, raw = mig_stream_create(ctx->src);
	unsigned long pages = 4 + BUF_PAGES + 2;
	char *p;

	ASSERT_LE(0, raw);
	/* Private mappings would copy what the TDX Module reads. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_FALSE(touch_bus(p));
	EXPECT_FALSE(touch_bus(p + 3 * 4096));
	EXPECT_FALSE(touch_bus(p + (4 + BUF_PAGES - 1) * 4096));
	EXPECT_TRUE(touch_bus(p + (4 + BUF_PAGES) * 4096));
	EXPECT_TRUE(touch_bus(p + (pages - 1) * 4096));
	munmap(p, pages * 4096);
	/* Before negotiation nothing is mapped. */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, raw, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_TRUE(touch_bus(p));
	munmap(p, 4096);
	close(raw);
}

TEST_F(neg, command_header)
{
	struct neg_ctx *ctx = &self->c;
	static const uint32_t bad_ids[] = { 0, 5, 8, 22, 63, 66, 1000 };
	struct mig_stream *s = &ctx->m.src[0];
	uint64_t status = 1;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_ids); i++)
		EXPECT_EQ(-EINVAL, cmd(s, bad_ids[i], 0));
	EXPECT_EQ(-EINVAL, mig_cmd_raw(s->fd, KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE, 1, 0, NULL));
	EXPECT_EQ(-ENOTTY, ioctl(s->fd, _IO(KVMIO, 0x77), 0) ? -errno : 0);
	/* A bad data pointer is seen before anything runs. */
	EXPECT_EQ(-EFAULT, mig_cmd_raw(s->fd, KVM_TDX_MIG_IMPORT_STATE_IMMUTABLE, 0, 8, &status));
	EXPECT_EQ(0, status);
	ASSERT_EQ(0, mig_start(&ctx->m));
	EXPECT_EQ(-EFAULT, mig_cmd_raw(s->fd, KVM_TDX_MIG_EXPORT_MEM, 0, 8, &status));
	EXPECT_EQ(0, status);
	complete(_metadata, ctx);
}

TEST_F(neg, wrong_state)
{
	struct neg_ctx *ctx = &self->c;
	struct mig_stream *s = &ctx->m.src[0], *d = &ctx->m.dst[0];
	static const uint32_t src_early[] = {
		KVM_TDX_MIG_EXPORT_MEM, KVM_TDX_MIG_EXPORT_TRACK, KVM_TDX_MIG_EXPORT_PAUSE,
		KVM_TDX_MIG_EXPORT_STATE_TD, KVM_TDX_MIG_EXPORT_STATE_VP,
		KVM_TDX_MIG_EXPORT_ABORT, KVM_TDX_MIG_IMPORT_STATE_IMMUTABLE,
		KVM_TDX_MIG_IMPORT_MEM, KVM_TDX_MIG_IMPORT_END, KVM_TDX_MIG_IMPORT_ABORT,
	};
	static const uint32_t dst_early[] = {
		KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE, KVM_TDX_MIG_EXPORT_MEM,
		KVM_TDX_MIG_IMPORT_MEM, KVM_TDX_MIG_IMPORT_TRACK, KVM_TDX_MIG_IMPORT_STATE_TD,
		KVM_TDX_MIG_IMPORT_STATE_VP, KVM_TDX_MIG_IMPORT_END,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(src_early); i++)
		EXPECT_EQ(-EPERM, cmd(s, src_early[i], 1)) TH_LOG("source id %u", src_early[i]);
	for (i = 0; i < ARRAY_SIZE(dst_early); i++)
		EXPECT_EQ(-EPERM, cmd(d, dst_early[i], 1))
			TH_LOG("destination id %u", dst_early[i]);
	ASSERT_EQ(0, mig_start(&ctx->m));
	EXPECT_EQ(-EPERM, cmd(s, KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE, 0));
	EXPECT_EQ(-EPERM, cmd(s, KVM_TDX_MIG_EXPORT_STATE_TD, 0));
	EXPECT_EQ(-EPERM, cmd(s, KVM_TDX_MIG_EXPORT_STATE_VP, 0));
	EXPECT_EQ(-EPERM, cmd(s, KVM_TDX_MIG_EXPORT_TRACK, TDX_MIG_EXPORT_TRACK_F_IN_ORDER_DONE));
	EXPECT_EQ(-EPERM, cmd(d, KVM_TDX_MIG_IMPORT_STATE_IMMUTABLE, 3));
	EXPECT_EQ(-EPERM, cmd(d, KVM_TDX_MIG_IMPORT_STATE_VP, 3));
	EXPECT_EQ(-EPERM, cmd(d, KVM_TDX_MIG_IMPORT_END, 0));
	complete(_metadata, ctx);
}

TEST_F(neg, sizes_and_reserved_bits)
{
	struct neg_ctx *ctx = &self->c;
	struct mig_stream *s = &ctx->m.src[0], *d = &ctx->m.dst[0];

	EXPECT_EQ(-EINVAL, cmd(d, KVM_TDX_MIG_IMPORT_STATE_IMMUTABLE, 0));
	EXPECT_EQ(-E2BIG, cmd(d, KVM_TDX_MIG_IMPORT_STATE_IMMUTABLE, BUF_PAGES + 1));
	ASSERT_EQ(0, mig_start(&ctx->m));
	EXPECT_EQ(-EINVAL, cmd(s, KVM_TDX_MIG_EXPORT_MEM, 0));
	EXPECT_EQ(-E2BIG, cmd(s, KVM_TDX_MIG_EXPORT_MEM, BUF_PAGES + 1));
	EXPECT_EQ(-E2BIG, cmd(d, KVM_TDX_MIG_IMPORT_MEM, 513));
	EXPECT_EQ(-EINVAL, cmd(s, KVM_TDX_MIG_EXPORT_TRACK, 1));
	EXPECT_EQ(-EINVAL, cmd(s, KVM_TDX_MIG_EXPORT_TRACK, 1ULL << 62));
	/* A GPA beyond the TD's memory is refused before any SEAMCALL. */
	d->gpa_list[0] = BYTES | GPA_MIGRATE;
	EXPECT_EQ(-EINVAL, cmd(d, KVM_TDX_MIG_IMPORT_MEM, 1));
	complete(_metadata, ctx);
}

/* Session-wide commands go on stream 0 only. */
TEST_F(neg, main_stream_only)
{
	struct neg_ctx *ctx = &self->c;
	struct mig_stream s1, d1;

	ASSERT_EQ(0, mig_stream_open(ctx->src, BUF_PAGES, &s1));
	ASSERT_EQ(0, mig_stream_open(ctx->dst, BUF_PAGES, &d1));
	EXPECT_EQ(-EINVAL, cmd(&s1, KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE, 0));
	ASSERT_EQ(0, mig_start(&ctx->m));
	EXPECT_EQ(-EINVAL, cmd(&s1, KVM_TDX_MIG_EXPORT_TRACK, 0));
	EXPECT_EQ(-EINVAL, cmd(&s1, KVM_TDX_MIG_EXPORT_PAUSE, 0));
	EXPECT_EQ(-EINVAL, cmd(&s1, KVM_TDX_MIG_EXPORT_ABORT, 0));
	EXPECT_EQ(-EINVAL, cmd(&d1, KVM_TDX_MIG_IMPORT_TRACK, 0));
	mig_stream_close(&s1);
	mig_stream_close(&d1);
	complete(_metadata, ctx);
}

/* A tampered bundle: the SEAMCALL's status reaches the VMM. */
TEST_F(neg, tdx_status_surfaced)
{
	struct neg_ctx *ctx = &self->c;
	struct mig_stream *s = &ctx->m.src[0], *d = &ctx->m.dst[0];
	uint64_t pages = 0, status = 0;
	int dst2;

	ASSERT_EQ(0, mig_cmd(s, KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE, &pages, NULL));
	memcpy(d->mbmd, s->mbmd, MIG_PAGE_SIZE);
	memcpy(d->bufs, s->bufs, pages * MIG_PAGE_SIZE);
	((uint8_t *)d->mbmd)[40] ^= 1;	/* a MAC byte */
	EXPECT_EQ(-EIO, mig_cmd(d, KVM_TDX_MIG_IMPORT_STATE_IMMUTABLE, &pages, &status));
	EXPECT_TRUE(status >> 63) TH_LOG("status %#llx", (unsigned long long)status);
	/* That destination is lost; the source aborts and goes to a new one. */
	EXPECT_EQ(0, cmd(s, KVM_TDX_MIG_EXPORT_ABORT, 0));
	mig_close(&ctx->m);
	dst2 = tb_create_td(BYTES, NR_VCPUS, true, 0);
	ASSERT_LE(0, dst2);
	close(ctx->dst);
	ctx->dst = dst2;
	ASSERT_EQ(0, tb_exchange_keys(ctx->src, ctx->dst));
	ASSERT_EQ(0, tb_mig_open(&ctx->m, ctx->src, ctx->dst, NPAGES, NR_VCPUS, 1, BUF_PAGES));
	ctx->m.min_rounds = 1;
	ASSERT_EQ(0, mig_start(&ctx->m));
	complete(_metadata, ctx);
}

/* The VP bundles of a migration: saved[v] = MBMD, then pages[v] pages. */
static char saved[NR_VCPUS][1 + BUF_PAGES][4096];

/* A migration up to its TD state imported, each vCPU's state exported and saved. */
static void export_vps(struct __test_metadata *_metadata, struct neg_ctx *ctx,
		       uint64_t pages[NR_VCPUS])
{
	struct mig_stream *s = &ctx->m.src[0];
	unsigned int v;

	ctx->m.max_rounds = 1;
	ASSERT_EQ(0, mig_start(&ctx->m));
	ASSERT_EQ(0, mig_live_rounds(&ctx->m));
	ASSERT_EQ(0, mig_cmd(s, KVM_TDX_MIG_EXPORT_PAUSE, NULL, NULL));
	ASSERT_EQ(0, mig_move_token(&ctx->m, false));
	ASSERT_EQ(0, mig_send_dirty(&ctx->m, false, NULL));
	ASSERT_EQ(0, mig_move_state(&ctx->m, 0, KVM_TDX_MIG_EXPORT_STATE_TD,
				    KVM_TDX_MIG_IMPORT_STATE_TD));
	for (v = 0; v < NR_VCPUS; v++) {
		ASSERT_EQ(0, mig_cmd(s, KVM_TDX_MIG_EXPORT_STATE_VP, &pages[v], NULL));
		memcpy(saved[v][0], s->mbmd, 4096);
		memcpy(saved[v][1], s->bufs, pages[v] * 4096);
	}
}

/* vCPUs import in index order, and export no further than the last. */
TEST_F(neg, vcpu_order)
{
	struct neg_ctx *ctx = &self->c;
	struct mig_stream *s = &ctx->m.src[0], *d = &ctx->m.dst[0];
	uint64_t pages[NR_VCPUS], n;
	unsigned int v;

	export_vps(_metadata, ctx, pages);
	EXPECT_EQ(-ENOENT, mig_cmd(s, KVM_TDX_MIG_EXPORT_STATE_VP, &n, NULL));
	/* vCPU 1 before vCPU 0. */
	memcpy(d->mbmd, saved[1][0], 4096);
	memcpy(d->bufs, saved[1][1], pages[1] * 4096);
	n = pages[1];
	EXPECT_EQ(-EINVAL, mig_cmd(d, KVM_TDX_MIG_IMPORT_STATE_VP, &n, NULL));
	for (v = 0; v < NR_VCPUS; v++) {
		memcpy(d->mbmd, saved[v][0], 4096);
		memcpy(d->bufs, saved[v][1], pages[v] * 4096);
		n = pages[v];
		ASSERT_EQ(0, mig_cmd(d, KVM_TDX_MIG_IMPORT_STATE_VP, &n, NULL));
	}
	ASSERT_EQ(0, mig_move_token(&ctx->m, true));
	ASSERT_EQ(0, mig_cmd(d, KVM_TDX_MIG_IMPORT_END, NULL, NULL));
	EXPECT_EQ(0, td_compare(ctx->src, ctx->dst, BYTES, NR_VCPUS, NULL));
}

/* Counted in the handler: accessed through __atomic builtins only. */
static unsigned long alarms;

static void on_alarm(int sig)
{
	__atomic_add_fetch(&alarms, 1, __ATOMIC_RELAXED);
}

/* SIGALRM's handler, without SA_RESTART: an interrupted call ends with EINTR. */
static int catch_alarm(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	return sigaction(SIGALRM, &sa, NULL) ? -errno : 0;
}

/* Clear the dirty log of pages [@first, @first + @n) only, write-blocking them. */
static int clear_range(struct neg_ctx *ctx, unsigned int first, unsigned int n)
{
	unsigned long bitmap[NPAGES / (8 * sizeof(long))] = {};
	struct kvm_clear_dirty_log c = { .num_pages = NPAGES, .dirty_bitmap = bitmap };
	unsigned int i;

	for (i = first; i < first + n; i++)
		bitmap[i / (8 * sizeof(long))] |= 1UL << (i % (8 * sizeof(long)));
	return ioctl(ctx->src, KVM_CLEAR_DIRTY_LOG, &c) ? -errno : 0;
}

/* Pages [@first, @first + BUF_PAGES) blocked, and in stream @i's GPA list. */
static int block_chunk(struct neg_ctx *ctx, unsigned int i_stream, unsigned int first)
{
	struct mig_stream *s = &ctx->m.src[i_stream];
	unsigned int i;

	for (i = 0; i < BUF_PAGES; i++)
		s->gpa_list[i] = ((first + i) * 4096ULL) | GPA_MIGRATE;
	return clear_range(ctx, first, BUF_PAGES);
}

/* EXPORT_MEM on stream @i of the chunk block_chunk() listed there. */
static int export_listed(struct neg_ctx *ctx, unsigned int i_stream)
{
	uint64_t n = BUF_PAGES;

	return mig_cmd(&ctx->m.src[i_stream], KVM_TDX_MIG_EXPORT_MEM, &n, NULL);
}

/* EXPORT_MEM on stream @i of pages [@first, @first + BUF_PAGES), blocked first. */
static int export_chunk(struct neg_ctx *ctx, unsigned int i_stream, unsigned int first)
{
	return block_chunk(ctx, i_stream, first) ?: export_listed(ctx, i_stream);
}

/* The bundle on stream @i goes to the destination's stream @i. */
static void carry_chunk(struct neg_ctx *ctx, unsigned int i)
{
	struct mig_stream *s = &ctx->m.src[i], *d = &ctx->m.dst[i];

	memcpy(d->mbmd, s->mbmd, 4096);
	memcpy(d->gpa_list, s->gpa_list, BUF_PAGES * 8);
	memcpy(d->mac, s->mac, 2 * 4096);
	memcpy(d->bufs, s->bufs, BUF_PAGES * 4096);
}

static int import_chunk(struct neg_ctx *ctx, unsigned int i)
{
	uint64_t n = BUF_PAGES;

	carry_chunk(ctx, i);
	/* Interrupted by a signal, the import resumes like any call. */
	return mig_cmd_retry(&ctx->m.dst[i], KVM_TDX_MIG_IMPORT_MEM, &n, NULL);
}

/*
 * A call interrupted by a signal stays pending: other calls get EBUSY
 * until the same call is made again, which resumes it.
 */
TEST_F(neg, pending_call_busy)
{
	struct neg_ctx *ctx = &self->c;
	struct mig_stream *s = &ctx->m.src[0];
	uint64_t n;

	ASSERT_EQ(0, mig_start(&ctx->m));
	ASSERT_EQ(0, catch_alarm());
	ASSERT_EQ(0, block_chunk(ctx, 0, 0));
	/* The export's first poll is an interrupt, and SIGALRM is pending. */
	ASSERT_EQ(0, tb_set_intr(INTR_SIGALRM, 1, 0));
	ASSERT_EQ(-EINTR, export_listed(ctx, 0));
	EXPECT_EQ(1, __atomic_load_n(&alarms, __ATOMIC_RELAXED));
	/* Interrupts from now on resume in the kernel, with no signal. */
	ASSERT_EQ(0, tb_set_intr(TDX_MIG_EMU_INTR_EVERY, 1, 0));
	EXPECT_EQ(-EBUSY, cmd(s, KVM_TDX_MIG_EXPORT_TRACK, 0));
	EXPECT_EQ(-EBUSY, cmd(s, KVM_TDX_MIG_EXPORT_MEM, BUF_PAGES - 1));
	EXPECT_EQ(-EBUSY, cmd(s, KVM_TDX_MIG_EXPORT_PAUSE, 0));
	n = BUF_PAGES;
	ASSERT_EQ(0, mig_cmd(s, KVM_TDX_MIG_EXPORT_MEM, &n, NULL));
	EXPECT_EQ(BUF_PAGES, n);
	tb_set_intr(0, 0, 0);
	ASSERT_EQ(0, import_chunk(ctx, 0));
	complete(_metadata, ctx);
}

/*
 * An IMPORT_STATE_VP left pending by a signal, resumed after the VMM wrote
 * vCPU 1's MBMD over vCPU 0's in its mapping: the TDX Module still gets
 * the MBMD the kernel checked (its copy), so vCPU 0 imports, and vCPU 1
 * after it; the destination ends as the source.
 */
TEST_F(neg, vp_mbmd_swapped_mid_call)
{
	struct neg_ctx *ctx = &self->c;
	struct mig_stream *d = &ctx->m.dst[0];
	uint64_t pages[NR_VCPUS], n;

	export_vps(_metadata, ctx, pages);
	memcpy(d->mbmd, saved[0][0], 4096);
	memcpy(d->bufs, saved[0][1], pages[0] * 4096);
	ASSERT_EQ(0, catch_alarm());
	ASSERT_EQ(0, tb_set_intr(INTR_SIGALRM, 1, 0));
	n = pages[0];
	ASSERT_EQ(-EINTR, mig_cmd(d, KVM_TDX_MIG_IMPORT_STATE_VP, &n, NULL));
	tb_set_intr(0, 0, 0);
	memcpy(d->mbmd, saved[1][0], 4096);
	n = pages[0];
	ASSERT_EQ(0, mig_cmd(d, KVM_TDX_MIG_IMPORT_STATE_VP, &n, NULL));
	memcpy(d->mbmd, saved[1][0], 4096);
	memcpy(d->bufs, saved[1][1], pages[1] * 4096);
	n = pages[1];
	ASSERT_EQ(0, mig_cmd(d, KVM_TDX_MIG_IMPORT_STATE_VP, &n, NULL));
	ASSERT_EQ(0, mig_move_token(&ctx->m, true));
	ASSERT_EQ(0, mig_cmd(d, KVM_TDX_MIG_IMPORT_END, NULL, NULL));
	EXPECT_EQ(0, td_compare(ctx->src, ctx->dst, BYTES, NR_VCPUS, NULL));
}

/*
 * A call left pending on stream 1 by a signal at its first poll: the
 * export of the chunk at page *@first (@import false) or, that chunk
 * exported first without interrupts, its import. *@first moves past the
 * chunk. Returns the call's errno (-EINTR) or what failed before it.
 */
static int pend_on_stream1(struct neg_ctx *ctx, bool import, unsigned int *first)
{
	uint64_t n = BUF_PAGES;
	int ret = catch_alarm();

	if (!ret)
		ret = import ? export_chunk(ctx, 1, *first) : block_chunk(ctx, 1, *first);
	*first += BUF_PAGES;
	if (ret)
		return ret;
	if (import)
		carry_chunk(ctx, 1);
	if (tb_set_intr(INTR_SIGALRM, 1, 0))
		return -EIO;
	ret = import ? mig_cmd(&ctx->m.dst[1], KVM_TDX_MIG_IMPORT_MEM, &n, NULL) :
		       export_listed(ctx, 1);
	if (tb_set_intr(0, 0, 0))
		return -EIO;
	return ret;
}

/* Two streams instead of the fixture's one, the source's memory hash, started. */
static void start_on_two_streams(struct __test_metadata *_metadata, struct neg_ctx *ctx,
				 uint64_t *hash)
{
	mig_close(&ctx->m);
	ASSERT_EQ(0, tb_mig_open(&ctx->m, ctx->src, ctx->dst, NPAGES, NR_VCPUS, 2, BUF_PAGES));
	ASSERT_EQ(0, tb_mem_hash(ctx->src, BYTES, hash));
	ASSERT_EQ(0, mig_start(&ctx->m));
}

/*
 * The order make fuzz found: with a vCPU's state export pending on stream
 * 1, the TD's state export there is EINVAL (session-wide, stream 0 only)
 * before any busy check, and on stream 0 EBUSY (a call pends on another
 * stream); the pending export then completes.
 */
TEST_F(neg, session_wide_refused_before_busy)
{
	struct neg_ctx *ctx = &self->c;
	struct mig_stream *s1;
	uint64_t hash, n = 0;

	start_on_two_streams(_metadata, ctx, &hash);
	s1 = &ctx->m.src[1];
	ASSERT_EQ(0, mig_cmd_retry(&ctx->m.src[0], KVM_TDX_MIG_EXPORT_PAUSE, NULL, NULL));
	ASSERT_EQ(0, mig_move_token(&ctx->m, false));
	ASSERT_EQ(0, mig_send_dirty(&ctx->m, false, NULL));
	ASSERT_EQ(0, mig_move_state(&ctx->m, 0, KVM_TDX_MIG_EXPORT_STATE_TD,
				    KVM_TDX_MIG_IMPORT_STATE_TD));
	ASSERT_EQ(0, catch_alarm());
	ASSERT_EQ(0, tb_set_intr(INTR_SIGALRM, 1, 0));
	ASSERT_EQ(-EINTR, mig_cmd(s1, KVM_TDX_MIG_EXPORT_STATE_VP, &n, NULL));
	ASSERT_EQ(0, tb_set_intr(0, 0, 0));
	EXPECT_EQ(-EINVAL, cmd(s1, KVM_TDX_MIG_EXPORT_STATE_TD, 0));
	EXPECT_EQ(-EBUSY, cmd(&ctx->m.src[0], KVM_TDX_MIG_EXPORT_STATE_TD, 0));
	EXPECT_EQ(0, mig_cmd(s1, KVM_TDX_MIG_EXPORT_STATE_VP, &n, NULL));
	EXPECT_LT(0, n);
}

/*
 * Either side's abort on stream 0 while stream 1 has an interrupted call:
 * accepted, it voids the call (whose repetition is now refused by state,
 * not left pending), and the source runs on with nothing lost.
 */
TEST_F(neg, abort_with_call_pending)
{
	struct neg_ctx *ctx = &self->c;
	uint64_t before, after, n = BUF_PAGES;
	unsigned int first = 0;

	start_on_two_streams(_metadata, ctx, &before);
	ASSERT_EQ(-EINTR, pend_on_stream1(ctx, true, &first));
	EXPECT_EQ(-EBUSY, cmd(&ctx->m.dst[0], KVM_TDX_MIG_IMPORT_TRACK, 0));
	EXPECT_EQ(0, cmd(&ctx->m.dst[0], KVM_TDX_MIG_IMPORT_ABORT, 0));
	EXPECT_EQ(-EPERM, mig_cmd(&ctx->m.dst[1], KVM_TDX_MIG_IMPORT_MEM, &n, NULL));

	/* Fresh pages: those before were exported in this epoch already. */
	ASSERT_EQ(-EINTR, pend_on_stream1(ctx, false, &first));
	EXPECT_EQ(-EBUSY, cmd(&ctx->m.src[0], KVM_TDX_MIG_EXPORT_PAUSE, 0));
	EXPECT_EQ(0, cmd(&ctx->m.src[0], KVM_TDX_MIG_EXPORT_ABORT, 0));
	n = BUF_PAGES;
	EXPECT_EQ(-EPERM, mig_cmd(&ctx->m.src[1], KVM_TDX_MIG_EXPORT_MEM, &n, NULL));
	ASSERT_EQ(0, tb_mem_hash(ctx->src, BYTES, &after));
	EXPECT_EQ(before, after);
}

/*
 * intel-kvm-qemu.md §5 item 8: Intel's resume loops neither ended on a
 * signal nor rescheduled. A signal at every interruption (a storm) ends
 * each ioctl with EINTR after one SEAMCALL that made progress: the same
 * call repeated completes after exactly one ioctl per entry.
 */
TEST_F(neg, signal_storm_ends_resume_loop)
{
	struct neg_ctx *ctx = &self->c;
	struct mig_stream *s = &ctx->m.src[0];
	struct kvm_tdx_mig_stats st0, st;
	unsigned int eintr = 0;
	int ret;

	ASSERT_EQ(0, mig_start(&ctx->m));
	ASSERT_EQ(0, catch_alarm());
	ASSERT_EQ(0, block_chunk(ctx, 0, 0));
	ASSERT_EQ(0, mig_get_stats(s, &st0));
	__atomic_store_n(&alarms, 0, __ATOMIC_RELAXED);
	ASSERT_EQ(0, tb_set_intr(INTR_SIGALRM, 1, 0));
	while ((ret = export_listed(ctx, 0)) == -EINTR && eintr < BUF_PAGES)
		eintr++;
	tb_set_intr(0, 0, 0);
	EXPECT_EQ(0, ret);
	/* The TDX Module polls after every entry but the last. */
	EXPECT_EQ(BUF_PAGES - 1, eintr);
	EXPECT_EQ(BUF_PAGES - 1, __atomic_load_n(&alarms, __ATOMIC_RELAXED));
	ASSERT_EQ(0, mig_get_stats(s, &st));
	EXPECT_EQ(BUF_PAGES, st.seamcalls - st0.seamcalls);
	EXPECT_EQ(BUF_PAGES - 1, st.resumptions - st0.resumptions);
	ASSERT_EQ(0, import_chunk(ctx, 0));
	complete(_metadata, ctx);
}

/*
 * The TDX Module 1.5 resumption TOCTOU (Documentation/emulator.rst), from
 * the VMM's side: while an EXPORT_MEM is interrupted, no other command on
 * its stream, nor the same one with another count, reaches the TDX Module
 * (the stream's SEAMCALL count stays), and what the VMM writes into the
 * GPA list meanwhile does not reach the resumption: the kernel resumes
 * with the leaf, the operands and the list it started with.
 */
TEST_F(neg, resume_pins_call)
{
	static const struct {
		uint32_t id;
		uint64_t arg;
		int ret;
	} others[] = {
		{ KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE, 0, -EPERM },
		{ KVM_TDX_MIG_IMPORT_STATE_IMMUTABLE, 1, -EPERM },
		{ KVM_TDX_MIG_EXPORT_MEM, BUF_PAGES - 1, -EBUSY },
		{ KVM_TDX_MIG_IMPORT_MEM, BUF_PAGES, -EPERM },
		{ KVM_TDX_MIG_EXPORT_TRACK, 0, -EBUSY },
		{ KVM_TDX_MIG_IMPORT_TRACK, 0, -EPERM },
		{ KVM_TDX_MIG_EXPORT_PAUSE, 0, -EBUSY },
		{ KVM_TDX_MIG_EXPORT_STATE_TD, 0, -EPERM },
		{ KVM_TDX_MIG_IMPORT_STATE_TD, 1, -EPERM },
		{ KVM_TDX_MIG_EXPORT_STATE_VP, 0, -EPERM },
		{ KVM_TDX_MIG_IMPORT_STATE_VP, 1, -EPERM },
		{ KVM_TDX_MIG_IMPORT_END, 0, -EPERM },
		{ KVM_TDX_MIG_IMPORT_ABORT, 0, -EPERM },
	};
	struct neg_ctx *ctx = &self->c;
	struct mig_stream *s = &ctx->m.src[0];
	struct kvm_tdx_mig_stats before, after;
	uint64_t listed[BUF_PAGES], n = BUF_PAGES;
	unsigned int i;

	ASSERT_EQ(0, mig_start(&ctx->m));
	ASSERT_EQ(0, catch_alarm());
	ASSERT_EQ(0, block_chunk(ctx, 0, 0));
	memcpy(listed, s->gpa_list, sizeof(listed));
	ASSERT_EQ(0, tb_set_intr(INTR_SIGALRM, 1, 0));
	ASSERT_EQ(-EINTR, export_listed(ctx, 0));
	ASSERT_EQ(0, tb_set_intr(0, 0, 0));
	ASSERT_EQ(0, mig_get_stats(s, &before));
	for (i = 0; i < ARRAY_SIZE(others); i++)
		EXPECT_EQ(others[i].ret, cmd(s, others[i].id, others[i].arg))
			TH_LOG("id %u", others[i].id);
	ASSERT_EQ(0, mig_get_stats(s, &after));
	EXPECT_EQ(before.seamcalls, after.seamcalls);
	/* Other pages in the VMM's list: the resumption still exports the first. */
	for (i = 0; i < BUF_PAGES; i++)
		s->gpa_list[i] = ((BUF_PAGES + i) * 4096ULL) | GPA_MIGRATE;
	ASSERT_EQ(0, mig_cmd(s, KVM_TDX_MIG_EXPORT_MEM, &n, NULL));
	EXPECT_EQ(BUF_PAGES, n);
	/* The entries it exported (the TDX Module sets PENDING bits, no more). */
	for (i = 0; i < BUF_PAGES; i++)
		EXPECT_EQ(listed[i] & GPA_GPA_OP_STATUS, s->gpa_list[i] & GPA_GPA_OP_STATUS);
	ASSERT_EQ(0, mig_get_stats(s, &after));
	EXPECT_LT(before.seamcalls, after.seamcalls);
	ASSERT_EQ(0, import_chunk(ctx, 0));
	complete(_metadata, ctx);
}

/*
 * intel-kvm-qemu.md §5 item 17: Intel's QEMU spun for as long as a peeked
 * MBMD's size read 0. A bundle whose MBMD says size 0 is refused at once
 * with the TDX Module's TDX_INVALID_MBMD, the import goes on, and the
 * genuine bundle imports after it.
 */
TEST_F(neg, zero_size_mbmd)
{
	struct neg_ctx *ctx = &self->c;
	struct mig_stream *d = &ctx->m.dst[0];
	uint64_t n = BUF_PAGES, status = 0;

	ASSERT_EQ(0, mig_start(&ctx->m));
	ASSERT_EQ(0, export_chunk(ctx, 0, 0));
	carry_chunk(ctx, 0);
	memset(d->mbmd, 0, 2);	/* the header's size field */
	EXPECT_EQ(-EIO, mig_cmd(d, KVM_TDX_MIG_IMPORT_MEM, &n, &status));
	EXPECT_EQ(STATUS_INVALID_MBMD, status);
	ASSERT_EQ(0, import_chunk(ctx, 0));
	complete(_metadata, ctx);
}

struct racer {
	struct mig_stream *s;
	/* accessed through __atomic builtins only */
	bool stop;
	unsigned int busy, ok, other;
};

/* EXPORT_MEM of the listed bundle again: per-entry failures, but a long call. */
static void race_once(struct racer *r)
{
	int ret = cmd(r->s, KVM_TDX_MIG_EXPORT_MEM, BUF_PAGES);

	__atomic_add_fetch(ret == -EBUSY ? &r->busy : ret ? &r->other : &r->ok, 1,
			   __ATOMIC_RELAXED);
}

static void *race_fn(void *arg)
{
	struct racer *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
		race_once(r);
	return NULL;
}

#define RACE_MS		60000

/*
 * intel-kvm-qemu.md §5 item 12: Intel's KVM had no per-stream lock, and
 * QEMU shares stream 0 between its main thread and multifd channel 0.
 * Two threads sending bundles on one stream: the second caller, whichever
 * thread it is, gets EBUSY, never a mix. (Other calls wait for the session
 * lock instead.) Both call back to back, each call resumed at every entry,
 * until one caller has got EBUSY, which must happen.
 */
TEST_F_TIMEOUT(neg, two_threads_one_stream, 120)
{
	struct neg_ctx *ctx = &self->c;
	struct racer main_r = { .s = &ctx->m.src[0] }, r = { .s = &ctx->m.src[0] };
	struct mig_stream *s = &ctx->m.src[0];
	double end = mig_now_ms() + RACE_MS;
	unsigned int i;
	pthread_t t;

	ASSERT_EQ(0, mig_start(&ctx->m));
	ASSERT_EQ(0, clear_range(ctx, 0, BUF_PAGES));
	for (i = 0; i < BUF_PAGES; i++)
		s->gpa_list[i] = (i * 4096ULL) | GPA_MIGRATE;
	ASSERT_EQ(0, tb_set_intr(TDX_MIG_EMU_INTR_EVERY, 1, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, race_fn, &r));
	while (!__atomic_load_n(&main_r.busy, __ATOMIC_RELAXED) &&
	       !__atomic_load_n(&r.busy, __ATOMIC_RELAXED) && !main_r.other &&
	       mig_now_ms() < end)
		race_once(&main_r);
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	tb_set_intr(0, 0, 0);
	TH_LOG("main: %u EBUSY, %u ok, %u other; racer: %u EBUSY, %u ok, %u other",
	       main_r.busy, main_r.ok, main_r.other, r.busy, r.ok, r.other);
	EXPECT_LT(0, main_r.busy + r.busy) TH_LOG("no EBUSY in %d ms", RACE_MS);
	EXPECT_EQ(0, main_r.other);
	EXPECT_EQ(0, r.other);
	/* What was exported is lost to the destination: abort, nothing is lost on the source. */
	EXPECT_EQ(0, cmd(s, KVM_TDX_MIG_EXPORT_ABORT, 0));
}

/*
 * intel-kvm-qemu.md §5 item 2: Intel's KVM indexed its MigSC array with a
 * stream index it did not bound by MAX_MIGS. MAX_MIGS - 1 forward streams
 * at most here (-ENOSPC after; KASAN would see an overrun); one closed
 * makes room for one more.
 */
TEST_F(neg, stream_limit)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_TDX_MIG_STREAM,
					.flags = KVM_CREATE_DEVICE_TEST };
	struct neg_ctx *ctx = &self->c;
	int *fds, n = 0, fd;

	/* KVM_CREATE_DEVICE_TEST: streams are supported; bad type and flags. */
	EXPECT_EQ(0, ioctl(ctx->src, KVM_CREATE_DEVICE, &cd));
	cd.type = 1;
	EXPECT_EQ(-1, ioctl(ctx->src, KVM_CREATE_DEVICE, &cd));
	EXPECT_EQ(ENODEV, errno);
	cd.type = KVM_DEV_TYPE_TDX_MIG_STREAM;
	cd.flags = 2;
	EXPECT_EQ(-1, ioctl(ctx->src, KVM_CREATE_DEVICE, &cd));
	EXPECT_EQ(EINVAL, errno);

	fds = calloc(ctx->m.src[0].max_migs, sizeof(int));
	ASSERT_NE(NULL, fds);
	/* Stream 0 is open already (the fixture's). */
	for (;;) {
		fd = mig_stream_create(ctx->src);
		if (fd < 0)
			break;
		fds[n++] = fd;
	}
	EXPECT_EQ(-ENOSPC, fd);
	EXPECT_EQ(ctx->m.src[0].max_migs - 2, n);
	close(fds[--n]);
	fd = mig_stream_create(ctx->src);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	while (n)
		close(fds[--n]);
	free(fds);
	/*
	 * No migration follows: the source now has MAX_MIGS MigSCs, and a
	 * destination must have created as many (NUM_MIGS_HIGHER_THAN_CREATED).
	 */
}

/*
 * KVM_CREATE_DEVICE during a migration: a stream whose MigSC the TD lacks
 * is refused (the TDX Module creates MigSCs only before a migration); one
 * whose MigSC exists (an index closed and reused) is not.
 */
TEST_F(neg, create_device_mid_migration)
{
	struct neg_ctx *ctx = &self->c;
	struct kvm_tdx_mig_stats st;

	ASSERT_EQ(0, mig_start(&ctx->m));
	EXPECT_EQ(-EPERM, mig_stream_create(ctx->src));
	EXPECT_EQ(-EPERM, mig_stream_create(ctx->dst));
	/* Nothing was lost: the migration goes on. */
	EXPECT_EQ(0, mig_get_stats(&ctx->m.src[0], &st));
	complete(_metadata, ctx);
}

/*
 * A stream closed while its EXPORT_MEM is interrupted: pages the TDX
 * Module now counts as exported never reach the destination, so the
 * export cannot go on (it would end "successfully" without them): every
 * call but EXPORT_ABORT is -EIO, also on a new stream that takes the index
 * (and its MigSC) again. The abort gives the source back intact.
 */
TEST_F(neg, close_stream_with_call_pending)
{
	struct neg_ctx *ctx = &self->c;
	uint64_t before, after, n = BUF_PAGES;
	unsigned int first = 0;

	start_on_two_streams(_metadata, ctx, &before);
	ASSERT_EQ(-EINTR, pend_on_stream1(ctx, false, &first));
	EXPECT_EQ(-EBUSY, cmd(&ctx->m.src[0], KVM_TDX_MIG_EXPORT_TRACK, 0));
	mig_stream_close(&ctx->m.src[1]);
	ASSERT_EQ(0, mig_stream_open(ctx->src, BUF_PAGES, &ctx->m.src[1]));
	EXPECT_EQ(-EIO, cmd(&ctx->m.src[0], KVM_TDX_MIG_EXPORT_TRACK, 0));
	EXPECT_EQ(-EIO, cmd(&ctx->m.src[0], KVM_TDX_MIG_EXPORT_PAUSE, 0));
	EXPECT_EQ(-EIO, mig_cmd(&ctx->m.src[1], KVM_TDX_MIG_EXPORT_MEM, &n, NULL));
	EXPECT_EQ(0, cmd(&ctx->m.src[0], KVM_TDX_MIG_EXPORT_ABORT, 0));
	EXPECT_EQ(-EPERM, cmd(&ctx->m.src[0], KVM_TDX_MIG_EXPORT_PAUSE, 0));
	ASSERT_EQ(0, tb_mem_hash(ctx->src, BYTES, &after));
	EXPECT_EQ(before, after);
}

/*
 * Status bits the VMM left in an EXPORT_MEM entry: the TDX Module exports
 * the page and keeps them (they are part of the MAC), so the page counts
 * as exported and the destination takes it.
 */
TEST_F(neg, export_entry_status_kept)
{
	struct neg_ctx *ctx = &self->c;
	struct mig_stream *s = &ctx->m.src[0];
	uint64_t n = BUF_PAGES;
	unsigned int i;

	ASSERT_EQ(0, mig_start(&ctx->m));
	ASSERT_EQ(0, clear_range(ctx, 0, BUF_PAGES));
	for (i = 0; i < BUF_PAGES; i++)
		s->gpa_list[i] = (i * 4096ULL) | GPA_MIGRATE | GPA_STATUS(3);
	ASSERT_EQ(0, mig_cmd(s, KVM_TDX_MIG_EXPORT_MEM, &n, NULL));
	EXPECT_EQ(BUF_PAGES, n);
	for (i = 0; i < BUF_PAGES; i++)
		EXPECT_EQ(GPA_STATUS(3), s->gpa_list[i] & GPA_STATUS(0x1f));
	ASSERT_EQ(0, import_chunk(ctx, 0));
	complete(_metadata, ctx);
}

/* An answer that cannot be written back: refused before anything happens. */
TEST_F(neg, unwritable_answer)
{
	struct neg_ctx *ctx = &self->c;
	uint64_t *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-EFAULT, mig_cmd(&ctx->m.src[0], KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE, ro, NULL));
	/* Nothing was exported: the TD is still RUNNABLE, the migration starts. */
	munmap(ro, 4096);
	ASSERT_EQ(0, mig_start(&ctx->m));
	complete(_metadata, ctx);
}

/* GET_STATS and the dirty log with bad pointers and ranges; the migration goes on. */
TEST_F(neg, stats_and_dirty_log_bad_input)
{
	struct neg_ctx *ctx = &self->c;
	unsigned long bitmap[NPAGES / (8 * sizeof(long))] = {};
	struct kvm_dirty_log get = { .dirty_bitmap = bitmap };
	struct kvm_clear_dirty_log clr = { .num_pages = NPAGES, .dirty_bitmap = bitmap };
	struct mig_stream *s = &ctx->m.src[0];

	EXPECT_EQ(-EFAULT, mig_cmd_raw(s->fd, KVM_TDX_MIG_GET_STATS, 0, 0, NULL));
	EXPECT_EQ(-EFAULT, mig_cmd_raw(s->fd, KVM_TDX_MIG_GET_STATS, 0, 8, NULL));
	EXPECT_EQ(-EINVAL, mig_cmd_raw(s->fd, KVM_TDX_MIG_GET_STATS, 1, 0, NULL));
	ASSERT_EQ(0, mig_start(&ctx->m));

	get.dirty_bitmap = (void *)8;
	EXPECT_EQ(-1, ioctl(ctx->src, KVM_GET_DIRTY_LOG, &get));
	EXPECT_EQ(EFAULT, errno);
	get.dirty_bitmap = bitmap;
	get.slot = 2;	/* no such memslot (1 is shared memory's) */
	EXPECT_EQ(-1, ioctl(ctx->src, KVM_GET_DIRTY_LOG, &get));
	EXPECT_EQ(ENOENT, errno);
	get.slot = 0;
	EXPECT_EQ(0, ioctl(ctx->src, KVM_GET_DIRTY_LOG, &get));
	/* KVM's ranges: a 64-page aligned start, inside the slot, not empty. */
	clr.first_page = 1;
	EXPECT_EQ(-1, ioctl(ctx->src, KVM_CLEAR_DIRTY_LOG, &clr));
	EXPECT_EQ(EINVAL, errno);
	clr.first_page = 64;
	EXPECT_EQ(-1, ioctl(ctx->src, KVM_CLEAR_DIRTY_LOG, &clr));
	EXPECT_EQ(EINVAL, errno);
	clr.first_page = NPAGES;
	clr.num_pages = 64;
	EXPECT_EQ(-1, ioctl(ctx->src, KVM_CLEAR_DIRTY_LOG, &clr));
	EXPECT_EQ(EINVAL, errno);
	clr.first_page = 0;
	clr.num_pages = 0;
	EXPECT_EQ(-1, ioctl(ctx->src, KVM_CLEAR_DIRTY_LOG, &clr));
	EXPECT_EQ(EINVAL, errno);
	clr.num_pages = NPAGES;
	clr.dirty_bitmap = (void *)8;
	EXPECT_EQ(-1, ioctl(ctx->src, KVM_CLEAR_DIRTY_LOG, &clr));
	EXPECT_EQ(EFAULT, errno);
	complete(_metadata, ctx);
}

/* Stream fds closed mid-migration and opened again: the migration goes on. */
TEST_F(neg, close_streams_mid_migration)
{
	struct neg_ctx *ctx = &self->c;

	ASSERT_EQ(0, mig_start(&ctx->m));
	ASSERT_EQ(0, mig_send_dirty(&ctx->m, true, NULL));
	mig_close(&ctx->m);
	ASSERT_EQ(0, tb_mig_open(&ctx->m, ctx->src, ctx->dst, NPAGES, NR_VCPUS, 1, BUF_PAGES));
	ctx->m.min_rounds = 1;
	ASSERT_EQ(0, mig_move_token(&ctx->m, false));
	complete(_metadata, ctx);
}

/* The VM fds closed first: the streams keep their TDs alive until they close. */
TEST_F(neg, vm_closed_with_streams_open)
{
	struct neg_ctx *ctx = &self->c;
	struct kvm_tdx_mig_stats st;

	ASSERT_EQ(0, mig_start(&ctx->m));
	close(ctx->src);
	close(ctx->dst);
	ctx->src = -1;
	ctx->dst = -1;
	EXPECT_EQ(0, mig_get_stats(&ctx->m.src[0], &st));
	EXPECT_EQ(1, st.bundles);
	EXPECT_EQ(0, cmd(&ctx->m.src[0], KVM_TDX_MIG_EXPORT_ABORT, 0));
	EXPECT_EQ(-EPERM, cmd(&ctx->m.src[0], KVM_TDX_MIG_EXPORT_PAUSE, 0));
}

TEST_HARNESS_MAIN
