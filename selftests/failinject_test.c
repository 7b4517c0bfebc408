// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures in every phase, with the kernel's fault-injection
 * framework: for each call of stream setup, SET_ATTR, the state bundles
 * (immutable, TD, each vCPU), the dirty log and memory bundles, the epoch
 * and start tokens, abort, pre-binding, binding and the MigTD's service
 * calls, the call is made with its 1st, 2nd, ... failable allocation
 * failing (/proc/thread-self/fail-nth) until a run reaches no failure.
 * Each failed run must give ENOMEM (a service call: R10 =
 * TDG.VP.VMCALL_RETRY, its response untouched) and change nothing, so the
 * same call is made again; then the migration goes on and ends with both
 * TDs compared (or, after an abort, the source compared with what it was
 * and migrated again). kmemleak, run by the suite after all tests, finds
 * what a failure path leaked; KASAN and lockdep what it broke.
 *
 * Only allocations made under our modules' code fail: failslab and
 * fail_page_alloc get a stack filter of the modules' address range, so
 * that the VFS, the mm and this program's own system calls are left
 * alone, and fail-nth counts only this thread's allocations.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "guest_writer.h"
#include "migtd_emu.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define BYTES		(2UL << 20)
#define NPAGES		(BYTES / MIG_PAGE_SIZE)
#define NR_VCPUS	2
#define BUF_PAGES	64
/* No call here makes this many allocations: more means fail-nth is not counting. */
#define MAX_NTH		200

#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define DBG		"/sys/kernel/debug/"

/* What injecting into one call (or a kind of call) did. */
struct phase {
	const char *name;
	unsigned int calls;	/* calls made untouched at the end */
	unsigned int allocs;	/* failable allocations those calls made */
	unsigned int failed;	/* runs that failed cleanly: ENOMEM */
	unsigned int eio;	/* ... EIO: the emulated TDX Module's own allocation */
	unsigned int absorbed;	/* runs that succeeded although the failure fired */
};

/* A failure the kernel absorbed (a fallback) leaves a call done: nothing to undo. */
typedef int (*call_fn)(void *arg);
typedef void (*undo_fn)(void *arg);

static int nth_fd = -1;

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -errno;
	close(fd);
	return ret;
}

static void nth_set(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(nth_fd, buf, len, 0) != len)
		abort();
}

/* Disarm fail-nth: true if the armed failure fired. */
static bool nth_fired(void)
{
	char buf[16] = "";

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		abort();
	nth_set(0);
	return strtoul(buf, NULL, 10) == 0;
}

/* The text of the modules that call allocators for us: [*start, *end). */
static int modules_range(unsigned long *start, unsigned long *end)
{
	static const char * const mods[] = { "tdx_mig", "tdx_mig_emu", "kvm_intel" };
	unsigned long size, addr;
	char name[64], line[512];
	unsigned int i, found = 0;
	FILE *f = fopen("/proc/modules", "r");

	if (!f)
		return -errno;
	*start = ~0UL;
	*end = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lu %*s %*s %*s %lx", name, &size, &addr) != 3)
			continue;
		for (i = 0; i < ARRAY_SIZE(mods); i++) {
			if (strcmp(name, mods[i]) || !addr)
				continue;
			*start = addr < *start ? addr : *start;
			*end = addr + size > *end ? addr + size : *end;
			found++;
		}
	}
	fclose(f);
	return found ? 0 : -ENOENT;
}

static int set_knob(const char *cap, const char *knob, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), DBG "%s/%s", cap, knob);
	return write_str(path, val);
}

/*
 * failslab and fail_page_alloc: GFP_KERNEL allocations may fail too, pages
 * of any order, only under the modules' code, silently (a stack dump per
 * failure would flood the log). Probability stays 0: only fail-nth fails.
 */
static int injection_setup(const char **why)
{
	static const char * const caps[] = { "failslab", "fail_page_alloc" };
	unsigned long start = 0, end = 0;
	char s[32], e[32];
	unsigned int i;
	int ret;

	*why = "no " FAIL_NTH " (CONFIG_FAULT_INJECTION)";
	nth_fd = open(FAIL_NTH, O_RDWR);
	if (nth_fd < 0)
		return -errno;
	*why = "no failslab/fail_page_alloc in debugfs (CONFIG_FAULT_INJECTION_DEBUG_FS)";
	if (access(DBG "failslab/require-start", W_OK) ||
	    access(DBG "fail_page_alloc/require-start", W_OK))
		return -ENOENT;
	*why = "no module addresses in /proc/modules";
	ret = modules_range(&start, &end);
	if (ret)
		return ret;
	snprintf(s, sizeof(s), "%#lx", start);
	snprintf(e, sizeof(e), "%#lx", end);
	*why = "cannot set the fault-injection knobs";
	for (i = 0; i < 2; i++) {
		ret = set_knob(caps[i], "probability", "0") ?:
		      set_knob(caps[i], "ignore-gfp-wait", "N") ?:
		      set_knob(caps[i], "verbose", "0") ?:
		      set_knob(caps[i], "stacktrace-depth", "32") ?:
		      set_knob(caps[i], "require-start", s) ?:
		      set_knob(caps[i], "require-end", e);
		if (ret)
			return ret;
	}
	ret = set_knob("fail_page_alloc", "ignore-gfp-highmem", "N") ?:
	      set_knob("fail_page_alloc", "min-order", "0");
	if (!ret)
		*why = "";
	return ret;
}

/* Back to the kernel's defaults: no filter, and fail-nth disarmed. */
static void injection_teardown(void)
{
	static const char * const caps[] = { "failslab", "fail_page_alloc" };
	unsigned int i;

	if (nth_fd < 0)
		return;
	nth_set(0);
	close(nth_fd);
	nth_fd = -1;
	for (i = 0; i < 2; i++) {
		set_knob(caps[i], "require-start", "0");
		set_knob(caps[i], "require-end", "0xffffffffffffffff");
		set_knob(caps[i], "ignore-gfp-wait", "Y");
		set_knob(caps[i], "verbose", "2");
	}
	set_knob("fail_page_alloc", "ignore-gfp-highmem", "Y");
	set_knob("fail_page_alloc", "min-order", "1");
}

/*
 * @call with its n-th failable allocation failing, for n = 1, 2, ...: a
 * run in which the failure fired must fail with -ENOMEM (or -EIO, below),
 * and the next run
 * makes the same call again (nothing may have changed); or it succeeds,
 * the failure absorbed by a fallback (kvmalloc's vmalloc, kmemleak's
 * pool), and then @undo (if the call can be undone) lets the loop go on.
 * The first run the failure never reached is the call made untouched: its
 * result is returned.
 */
static int inject(struct __test_metadata *_metadata, struct phase *p, call_fn call, void *arg,
		  undo_fn undo)
{
	unsigned int n;
	int ret;

	for (n = 1; n <= MAX_NTH; n++) {
		nth_set(n);
		ret = call(arg);
		if (!nth_fired()) {
			p->calls++;
			p->allocs += n - 1;
			return ret;
		}
		if (!ret) {
			p->absorbed++;
			if (!undo) {
				/* Done: the allocations after the n-th were not failed. */
				p->calls++;
				p->allocs += n;
				return 0;
			}
			undo(arg);
			continue;
		}
		/*
		 * EIO is a failed SEAMCALL: the emulated TDX Module allocates in
		 * TDH.VP.CREATE, which the import of a vCPU's state runs. A
		 * real module never allocates; the call must still be repeatable.
		 */
		if (ret == -EIO) {
			p->eio++;
			continue;
		}
		p->failed++;
		EXPECT_EQ(-ENOMEM, ret)
			TH_LOG("%s: allocation %u failed, the call gave %s, not ENOMEM",
			       p->name, n, strerror(-ret));
		if (ret != -ENOMEM)
			return ret;
	}
	TH_LOG("%s: still failing after %u allocations", p->name, MAX_NTH);
	return -E2BIG;
}

static void print_phases(const struct phase *p, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		ksft_print_msg("failinject: %s: calls %u allocs %u ENOMEM %u EIO %u absorbed %u\n",
			       p[i].name, p[i].calls, p[i].allocs, p[i].failed, p[i].eio,
			       p[i].absorbed);
}

/* --- the calls, each with its arguments --- */

struct cmd_arg {
	struct mig_stream *s;
	uint32_t id;
	uint64_t value, in;
	bool has_value;
};

/* The command, made again after EINTR; quiet, unlike mig_cmd_retry(). */
static int do_cmd(void *a)
{
	struct cmd_arg *c = a;
	int ret;

	do {
		c->value = c->in;
		ret = mig_cmd(c->s, c->id, c->has_value ? &c->value : NULL, NULL);
	} while (ret == -EINTR);
	return ret;
}

struct import_arg {
	struct mig *m;
	uint32_t id;
	uint64_t value, in;
	unsigned int entries;
	uint64_t pages;
	bool has_value;
};

static int do_import(void *a)
{
	struct import_arg *c = a;

	c->value = c->in;
	return mig_import_bundle(c->m, 0, c->id, c->has_value ? &c->value : NULL, c->entries,
				 c->pages);
}

struct log_arg {
	struct mig *m;
	bool clear;
};

static int do_dirty_log(void *a)
{
	struct log_arg *c = a;

	return mig_dirty_log(c->m, c->clear);
}

/* --- a whole migration, every call with failures injected --- */

struct mig_ctx {
	int src, dst;
	uint64_t mem_hash, vcpu_hash[NR_VCPUS];
	struct mig m;
	bool opened;
};

enum {
	P_STATE_IMMUTABLE_EXPORT, P_STATE_IMMUTABLE_IMPORT,
	P_DIRTY_LOG_GET, P_DIRTY_LOG_CLEAR,
	P_MEM_EXPORT, P_MEM_IMPORT,
	P_TOKEN_EXPORT, P_TOKEN_IMPORT,
	P_PAUSE,
	P_STATE_TD_EXPORT, P_STATE_TD_IMPORT,
	P_STATE_VP_EXPORT, P_STATE_VP_IMPORT,
	P_IMPORT_END,
	P_NR,
};

static struct phase mig_phases[P_NR] = {
	[P_STATE_IMMUTABLE_EXPORT] = { "EXPORT_STATE_IMMUTABLE" },
	[P_STATE_IMMUTABLE_IMPORT] = { "IMPORT_STATE_IMMUTABLE" },
	[P_DIRTY_LOG_GET] = { "KVM_GET_DIRTY_LOG" },
	[P_DIRTY_LOG_CLEAR] = { "KVM_CLEAR_DIRTY_LOG" },
	[P_MEM_EXPORT] = { "EXPORT_MEM" },
	[P_MEM_IMPORT] = { "IMPORT_MEM" },
	[P_TOKEN_EXPORT] = { "EXPORT_TRACK" },
	[P_TOKEN_IMPORT] = { "IMPORT_TRACK" },
	[P_PAUSE] = { "EXPORT_PAUSE" },
	[P_STATE_TD_EXPORT] = { "EXPORT_STATE_TD" },
	[P_STATE_TD_IMPORT] = { "IMPORT_STATE_TD" },
	[P_STATE_VP_EXPORT] = { "EXPORT_STATE_VP" },
	[P_STATE_VP_IMPORT] = { "IMPORT_STATE_VP" },
	[P_IMPORT_END] = { "IMPORT_END" },
};

FIXTURE(inject) {
	struct mig_ctx c;
};

FIXTURE_SETUP(inject)
{
	uint64_t gfns[6] = { 0, 1, 9, 100, 200, NPAGES - 1 };
	struct mig_ctx *ctx = &self->c;
	const char *why;
	unsigned int v;

	ctx->src = -1;
	ctx->dst = -1;
	ctx->opened = false;
	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	if (injection_setup(&why))
		SKIP(return, "%s", why);
	ASSERT_EQ(0, tb_create_pair(BYTES, NR_VCPUS, &ctx->src, &ctx->dst));
	for (v = 0; v < NR_VCPUS; v++)
		ASSERT_EQ(0, tb_guest_write(ctx->src, v, gfns, 6, 0x5000 * (v + 1), NULL));
	ASSERT_EQ(0, tb_td_hashes(ctx->src, BYTES, NR_VCPUS, &ctx->mem_hash, ctx->vcpu_hash));
}

/*
 * kmemleak disables itself when it cannot track an object (its fallback
 * pool empty): the suite's leak check would then pass on nothing. Once it
 * is off, it refuses every command; "stack=on" is its default already.
 */
static bool kmemleak_off(void)
{
	if (access(DBG "kmemleak", F_OK))
		return false;	/* not built in */
	return write_str(DBG "kmemleak", "stack=on") == -EPERM;
}

FIXTURE_TEARDOWN(inject)
{
	struct mig_ctx *ctx = &self->c;

	injection_teardown();
	EXPECT_FALSE(kmemleak_off());
	if (mig_phases[P_STATE_IMMUTABLE_EXPORT].calls)
		print_phases(mig_phases, P_NR);
	if (ctx->opened)
		mig_close(&ctx->m);
	if (ctx->src >= 0)
		close(ctx->src);
	if (ctx->dst >= 0)
		close(ctx->dst);
}

/* Read each page and write it back. */
static void touch(void *p, uint64_t bytes)
{
	uint8_t *b = p;
	uint64_t off;

	/* Atomic accesses: the compiler may not drop the store of what it loaded. */
	for (off = 0; off < bytes; off += MIG_PAGE_SIZE)
		__atomic_store_n(&b[off], __atomic_load_n(&b[off], __ATOMIC_RELAXED),
				 __ATOMIC_RELAXED);
}

/*
 * Every page the calls copy to or from in user memory, faulted in first:
 * an injected failure must hit the call's own allocations, not a page
 * fault's (which a copy to user memory turns into EFAULT, and a fault on
 * a stream's mapping into a retried fault).
 */
static void prefault(struct mig *m)
{
	struct mig_stream *s;
	unsigned int i;

	touch(m->dirty, (m->npages + 7) / 8);
	for (i = 0; i < 2 * m->nstreams; i++) {
		s = i < m->nstreams ? &m->src[i] : &m->dst[i - m->nstreams];
		touch(s->mbmd, MIG_PAGE_SIZE);
		touch(s->gpa_list, MIG_PAGE_SIZE);
		touch(s->mac, 2 * MIG_PAGE_SIZE);
		touch(s->bufs, s->buf_list_pages * MIG_PAGE_SIZE);
	}
}

/* Export on the source's stream 0, then import on the destination's. */
static int move_state(struct __test_metadata *_metadata, struct mig *m, uint32_t export_id,
		      uint32_t import_id, struct phase *ex, struct phase *im)
{
	struct cmd_arg e = { .s = &m->src[0], .id = export_id, .has_value = true };
	struct import_arg i = { .m = m, .id = import_id, .has_value = true };
	int ret = inject(_metadata, ex, do_cmd, &e, NULL);

	if (ret)
		return ret;
	i.in = e.value;
	i.pages = e.value;
	return inject(_metadata, im, do_import, &i, NULL);
}

static int move_token(struct __test_metadata *_metadata, struct mig *m, bool start)
{
	struct cmd_arg e = { .s = &m->src[0], .id = KVM_TDX_MIG_EXPORT_TRACK, .has_value = true,
			     .in = start ? TDX_MIG_EXPORT_TRACK_F_IN_ORDER_DONE : 0 };
	struct import_arg i = { .m = m, .id = KVM_TDX_MIG_IMPORT_TRACK };
	int ret = inject(_metadata, &mig_phases[P_TOKEN_EXPORT], do_cmd, &e, NULL);

	if (!ret)
		m->start_exported |= start;
	return ret ?: inject(_metadata, &mig_phases[P_TOKEN_IMPORT], do_import, &i, NULL);
}

/*
 * One round: the dirty log (and, while live, its clear, which
 * write-blocks the pages), then the dirty pages in bundles of BUF_PAGES.
 */
static int send_round(struct __test_metadata *_metadata, struct mig *m, bool live,
		      uint64_t *sent)
{
	struct log_arg l = { .m = m };
	struct mig_stream *s = &m->src[0];
	uint64_t gfn, gfns[BUF_PAGES];
	unsigned int n = 0, k;
	int ret;

	ret = inject(_metadata, &mig_phases[P_DIRTY_LOG_GET], do_dirty_log, &l, NULL);
	l.clear = true;
	if (!ret && live)
		ret = inject(_metadata, &mig_phases[P_DIRTY_LOG_CLEAR], do_dirty_log, &l, NULL);
	for (gfn = 0; !ret && gfn < m->npages; gfn++) {
		if (mig_test_bit(m->dirty, gfn))
			gfns[n++] = gfn;
		if (n == BUF_PAGES || (n && gfn == m->npages - 1)) {
			struct cmd_arg e = { .s = s, .id = KVM_TDX_MIG_EXPORT_MEM,
					     .has_value = true, .in = n };
			struct import_arg i = { .m = m, .id = KVM_TDX_MIG_IMPORT_MEM,
						.has_value = true, .in = n, .entries = n,
						.pages = n };

			for (k = 0; k < n; k++)
				s->gpa_list[k] = (gfns[k] * MIG_PAGE_SIZE) |
						 (GPA_OP_MIGRATE << GPA_OP_SHIFT);
			ret = inject(_metadata, &mig_phases[P_MEM_EXPORT], do_cmd, &e, NULL);
			/* Each page goes: an entry the export failed would be lost. */
			if (!ret && e.value != n)
				ret = -EIO;
			if (!ret)
				ret = inject(_metadata, &mig_phases[P_MEM_IMPORT], do_import, &i,
					     NULL);
			*sent += n;
			n = 0;
		}
	}
	return ret;
}

TEST_F_TIMEOUT(inject, every_call_of_a_migration, 300)
{
	struct cmd_arg pause = { .id = KVM_TDX_MIG_EXPORT_PAUSE };
	struct import_arg end = { .id = KVM_TDX_MIG_IMPORT_END };
	struct mig_ctx *ctx = &self->c;
	uint64_t sent = 0, gfns[3] = { 2, 9, 200 };
	struct mig *m = &ctx->m;
	unsigned int v;

	ASSERT_EQ(0, tb_mig_open(m, ctx->src, ctx->dst, NPAGES, NR_VCPUS, 1, BUF_PAGES));
	ctx->opened = true;
	prefault(m);
	ASSERT_EQ(0, move_state(_metadata, m, KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE,
				KVM_TDX_MIG_IMPORT_STATE_IMMUTABLE,
				&mig_phases[P_STATE_IMMUTABLE_EXPORT],
				&mig_phases[P_STATE_IMMUTABLE_IMPORT]));
	/* Two live rounds, the guest writing between them: REMIGRATE entries. */
	ASSERT_EQ(0, send_round(_metadata, m, true, &sent));
	ASSERT_EQ(0, mig_send_shared(m));
	ASSERT_EQ(0, move_token(_metadata, m, false));
	ASSERT_EQ(0, tb_guest_write(ctx->src, 1, gfns, 3, 0xfeed, NULL));
	ASSERT_EQ(0, send_round(_metadata, m, true, &sent));
	ASSERT_EQ(0, mig_send_shared(m));
	pause.s = &m->src[0];
	ASSERT_EQ(0, inject(_metadata, &mig_phases[P_PAUSE], do_cmd, &pause, NULL));
	ASSERT_EQ(0, move_token(_metadata, m, false));
	ASSERT_EQ(0, send_round(_metadata, m, false, &sent));
	ASSERT_EQ(0, mig_send_shared(m));
	ASSERT_EQ(0, move_state(_metadata, m, KVM_TDX_MIG_EXPORT_STATE_TD,
				KVM_TDX_MIG_IMPORT_STATE_TD, &mig_phases[P_STATE_TD_EXPORT],
				&mig_phases[P_STATE_TD_IMPORT]));
	for (v = 0; v < NR_VCPUS; v++)
		ASSERT_EQ(0, move_state(_metadata, m, KVM_TDX_MIG_EXPORT_STATE_VP,
					KVM_TDX_MIG_IMPORT_STATE_VP,
					&mig_phases[P_STATE_VP_EXPORT],
					&mig_phases[P_STATE_VP_IMPORT]));
	ASSERT_EQ(0, move_token(_metadata, m, true));
	end.m = m;
	ASSERT_EQ(0, inject(_metadata, &mig_phases[P_IMPORT_END], do_import, &end, NULL));
	EXPECT_LE(NPAGES, sent);
	EXPECT_EQ(0, td_compare(ctx->src, ctx->dst, BYTES, NR_VCPUS, NULL));
}

/* --- stream setup: KVM_CREATE_DEVICE, SET_ATTR --- */

struct stream_arg {
	int vm;
	int fd;
};

static int do_create(void *a)
{
	struct stream_arg *c = a;

	c->fd = mig_stream_create(c->vm);
	return c->fd < 0 ? c->fd : 0;
}

static void undo_create(void *a)
{
	struct stream_arg *c = a;

	close(c->fd);
	c->fd = -1;
}

static int do_set_attr(void *a)
{
	struct stream_arg *c = a;
	struct kvm_dev_tdx_mig_attr at = { .version = KVM_DEV_TDX_MIG_ATTR_VERSION,
					   .buf_list_pages = BUF_PAGES };
	struct kvm_device_attr da = { .group = KVM_DEV_TDX_MIG_ATTR, .attr = sizeof(at),
				      .addr = (uint64_t)(uintptr_t)&at };

	return ioctl(c->fd, KVM_SET_DEVICE_ATTR, &da) ? -errno : 0;
}

/* Negotiated as asked, and the four regions map. */
static int stream_usable(int fd)
{
	struct kvm_dev_tdx_mig_attr at = { .version = KVM_DEV_TDX_MIG_ATTR_VERSION };
	struct kvm_device_attr da = { .group = KVM_DEV_TDX_MIG_ATTR, .attr = sizeof(at),
				      .addr = (uint64_t)(uintptr_t)&at };
	void *p;

	if (ioctl(fd, KVM_GET_DEVICE_ATTR, &da))
		return -errno;
	if (at.buf_list_pages != BUF_PAGES)
		return -EINVAL;
	p = mmap(NULL, BUF_PAGES * MIG_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 TDX_MIG_STREAM_BUF_LIST_MAP_OFFSET * MIG_PAGE_SIZE);
	if (p == MAP_FAILED)
		return -errno;
	memset(p, 0x5a, BUF_PAGES * MIG_PAGE_SIZE);
	munmap(p, BUF_PAGES * MIG_PAGE_SIZE);
	return 0;
}

/*
 * Two streams on each side, the first of a TD creating its migration
 * state: each allocation of KVM_CREATE_DEVICE and of SET_ATTR fails in
 * turn. A failed SET_ATTR leaves the stream unnegotiated (a second SET_ATTR
 * is refused only once one succeeded). Then the TD migrates over two new
 * streams, which reuse the MigSCs.
 */
TEST_F_TIMEOUT(inject, stream_setup, 120)
{
	struct phase ph[] = { { "KVM_CREATE_DEVICE" }, { "SET_ATTR" } };
	struct mig_ctx *ctx = &self->c;
	struct stream_arg st[4];
	unsigned int i;

	for (i = 0; i < 4; i++) {
		st[i].vm = i < 2 ? ctx->src : ctx->dst;
		ASSERT_EQ(0, inject(_metadata, &ph[0], do_create, &st[i], undo_create));
		ASSERT_EQ(0, inject(_metadata, &ph[1], do_set_attr, &st[i], NULL));
		EXPECT_EQ(0, stream_usable(st[i].fd));
		EXPECT_EQ(-EEXIST, do_set_attr(&st[i]));
	}
	for (i = 0; i < 4; i++)
		close(st[i].fd);
	ASSERT_EQ(0, tb_mig_open(&ctx->m, ctx->src, ctx->dst, NPAGES, NR_VCPUS, 2, BUF_PAGES));
	ctx->opened = true;
	ctx->m.min_rounds = 1;
	ASSERT_EQ(0, mig_precopy(&ctx->m));
	EXPECT_EQ(0, td_compare(ctx->src, ctx->dst, BYTES, NR_VCPUS, NULL));
	print_phases(ph, 2);
}

/* --- abort --- */

/*
 * EXPORT_ABORT in LIVE_EXPORT with each allocation failing: the source is
 * then as it was, runs, and migrates to a new destination.
 */
TEST_F_TIMEOUT(inject, export_abort, 120)
{
	struct phase ph[] = { { "EXPORT_ABORT" } };
	struct mig_ctx *ctx = &self->c;
	struct cmd_arg ab = { .id = KVM_TDX_MIG_EXPORT_ABORT };
	uint64_t gfns[2] = { 1, 2 };

	ASSERT_EQ(0, tb_mig_open(&ctx->m, ctx->src, ctx->dst, NPAGES, NR_VCPUS, 1, BUF_PAGES));
	ctx->opened = true;
	ASSERT_EQ(0, mig_start(&ctx->m));
	ASSERT_EQ(0, mig_send_dirty(&ctx->m, true, NULL));
	prefault(&ctx->m);
	ab.s = &ctx->m.src[0];
	ASSERT_EQ(0, inject(_metadata, &ph[0], do_cmd, &ab, NULL));
	EXPECT_EQ(0, tb_td_unchanged(ctx->src, BYTES, NR_VCPUS, ctx->mem_hash, ctx->vcpu_hash));
	ASSERT_EQ(0, tb_guest_write(ctx->src, 0, gfns, 2, 0xabcd, NULL));
	mig_close(&ctx->m);
	ctx->opened = false;
	EXPECT_EQ(0, tb_migrate_to_new(ctx->src, BYTES, NR_VCPUS, BUF_PAGES));
	print_phases(ph, 1);
}

/* --- binding and the MigTD's service calls --- */

#define PAGE	4096UL
#define CMD	(10 * PAGE)
#define RSP	(11 * PAGE)

struct bind_arg {
	int vm;
	uint8_t hash[48];
};

static int do_prebind(void *a)
{
	struct bind_arg *c = a;
	struct kvm_tdx_servtd b = { .type = KVM_TDX_SERVTD_TYPE_MIGTD };

	memcpy(b.hash, c->hash, sizeof(b.hash));
	return vm_tdx_cmd(c->vm, KVM_TDX_SERVTD_PREBIND, &b, NULL);
}

static int do_bind(void *a)
{
	struct bind_arg *c = a;

	return vm_servtd_bind(c->vm, getpid(), 0, NULL);
}

static void undo_nothing(void *a)
{
	/* Binding the same MigTD again is allowed: the loop goes on. */
}

struct svc_arg {
	struct migtd *t;
	const uint8_t *cmd;
	uint32_t len;
	uint8_t vector;
};

/*
 * A legacy service call (the command at CMD, the response at RSP): 0 once
 * answered (R10 SUCCESS), -ENOMEM for TDG.VP.VMCALL_RETRY, the host out
 * of memory, which must leave the response untouched; -EIO otherwise.
 */
static int do_service(void *a)
{
	struct svc_arg *c = a;
	uint64_t r10 = ~0ULL;
	int ret;

	migtd_put_cmd(c->t, CMD, migtd_guid_migtd, c->cmd, c->len);
	migtd_put_rsp(c->t, RSP, PAGE);
	ret = migtd_service(c->t, CMD, RSP, c->vector, &r10);
	if (ret)
		return ret;
	if (r10 == 1)
		return migtd_rsp_status(c->t, RSP) == SERVICE_PENDING ? -ENOMEM : -EIO;
	return r10 ? -EIO : 0;
}

struct info_arg {
	int vm;
};

static int do_set_info(void *a)
{
	struct info_arg *c = a;

	return vm_set_migration_info(c->vm, true, 4321);
}

/*
 * This process as the MigTD: a user TD pre-bound by hash and bound with
 * each allocation failing; then the service calls (WaitForRequest, the
 * VMM's request, ReportStatus), each with each allocation failing; the
 * pre-migration is then done, and the TD migrates to a destination
 * pre-bound by the same hash (the TD bundle needs its binding's twin).
 */
TEST_F_TIMEOUT(inject, binding_and_service, 180)
{
	struct phase ph[] = { { "SERVTD_PREBIND" }, { "SERVTD_BIND" },
			      { "Service WaitForRequest" }, { "SET_MIGRATION_INFO" },
			      { "Service ReportStatus" } };
	const uint8_t wait[4] = { 0, 1, 0, 0 };
	struct migtd_request req;
	struct svc_arg svc;
	struct bind_arg b;
	struct info_arg info;
	struct migtd t;
	uint8_t report[12] = { 0, 2, 1, 0 };
	uint64_t status;
	int user, dst;

	ASSERT_EQ(0, migtd_init(&t));
	user = tb_create_unfinalized(BYTES, NR_VCPUS);
	ASSERT_LE(0, user);
	b.vm = user;
	ASSERT_EQ(0, tb_servtd_hash(t.vm, 0, b.hash));
	ASSERT_EQ(0, inject(_metadata, &ph[0], do_prebind, &b, NULL));
	ASSERT_EQ(0, vm_tdx_cmd(user, KVM_TDX_FINALIZE_VM, NULL, NULL));
	ASSERT_EQ(0, inject(_metadata, &ph[1], do_bind, &b, undo_nothing));

	svc = (struct svc_arg){ .t = &t, .cmd = wait, .len = sizeof(wait),
				.vector = MIGTD_VECTOR };
	ASSERT_EQ(0, inject(_metadata, &ph[2], do_service, &svc, NULL));
	EXPECT_EQ(SERVICE_PENDING, migtd_rsp_status(&t, RSP));	/* armed */
	info.vm = user;
	ASSERT_EQ(0, inject(_metadata, &ph[3], do_set_info, &info, NULL));
	EXPECT_EQ(MIGTD_VECTOR, tb_wait_intr(t.vm, 5000));
	ASSERT_EQ(SERVICE_RETURNED, migtd_rsp_status(&t, RSP));
	memset(&req, 0, sizeof(req));
	ASSERT_EQ(0, migtd_parse_hobs((uint8_t *)(t.shared + RSP) +
				      sizeof(struct migtd_service_hdr) + 4,
				      ((struct migtd_service_hdr *)(t.shared + RSP))->length -
				      sizeof(struct migtd_service_hdr) - 4, &req));
	EXPECT_EQ(0, vm_premig_done(user));
	memcpy(report + 4, &req.req_id, 8);
	svc = (struct svc_arg){ .t = &t, .cmd = report, .len = sizeof(report) };
	ASSERT_EQ(0, inject(_metadata, &ph[4], do_service, &svc, NULL));
	EXPECT_EQ(SERVICE_RETURNED, migtd_rsp_status(&t, RSP));
	EXPECT_EQ(1, vm_premig_done(user));

	dst = tb_create_bound(BYTES, NR_VCPUS, true, getpid(), b.hash, &status);
	ASSERT_LE(0, dst) TH_LOG("TDX status 0x%llx", (unsigned long long)status);
	EXPECT_EQ(0, tb_migrate_to(user, dst, BYTES, NR_VCPUS, BUF_PAGES));
	close(dst);
	close(user);
	migtd_fini(&t);
	print_phases(ph, 5);
}

TEST_HARNESS_MAIN
