// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer of the stream uAPI (mig_fuzz.h). Two pairs of TDs:
 *
 * - the clean pair, which no random call touches: every CLEAN_EVERY victim
 *   calls a new pair migrates with the library's pre-copy and is compared
 *   (memory and vCPU state); a failure or a difference is a violation;
 * - the victim pair, driven through a migration one legal step at a time
 *   (the library's own calls) with junk in between: every command id and
 *   ids past the range, edge and random values, bad data pointers, flags
 *   and error set, stream 1 for stream-0 commands, garbage written into
 *   the mapped MBMD, GPA list, MAC lists and buffers, device attributes,
 *   extra streams never negotiated, stream fds closed and opened again.
 *   A third of the victims go post-copy (no page before the pause, every
 *   page after the start token, imported in LIVE_IMPORT); some lose their
 *   start token or find the commit busy and abort on both sides with the
 *   destination's abort token; a completed victim's destination may
 *   migrate on (chained) to a new one;
 * - signal windows: for a while the emulated TDX Module interrupts calls
 *   and sends the caller SIGALRM (no SA_RESTART), so long calls end in
 *   EINTR: the library repeats its own; a junk call left pending is probed
 *   with a different call (EBUSY, the busy resumption) and then resumed;
 * - thread windows: several threads send junk on the victim's fds at once;
 * - the stream limit: a TD gets streams until KVM_CREATE_DEVICE says
 *   ENOSPC, at MAX_MIGS - 1 (the capabilities' max_migs).
 *
 * Each junk call is judged by Documentation/uapi.rst: an errno outside
 * its table, or a success the document allows none for (an unknown id,
 * flags, a bad pointer, a count of 0 or past the buffers, reserved bits,
 * a session-wide command on another stream than 0, a command in a state
 * its table does not list) is a violation. The fuzzer mirrors the victim
 * TDs' OP_STATE from the calls that succeeded; a junk call that succeeded,
 * or whose SEAMCALL failed, "disturbs" the victim (its bundles no longer
 * match what the library sent), and the next legal step makes a new pair.
 * A legal step that fails on an undisturbed victim is a violation, and so
 * is an undisturbed victim that completes but differs from its source.
 *
 * The same seed makes the same calls, but for the thread windows (whose
 * threads interleave as the scheduler decides); interrupts come from the
 * emulated module's own seeded generator.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/tdx_mig_emu.h>

#include "guest_writer.h"
#include "mig_fuzz.h"
#include "migtd_emu.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define FZ_BYTES	(256UL << 10)
#define FZ_NPAGES	(FZ_BYTES / MIG_PAGE_SIZE)
#define FZ_VCPUS	2
#define FZ_STREAMS	2
#define FZ_BUF_PAGES	16
/* Victim calls between two migrations of the clean pair. */
#define CLEAN_EVERY	400
/* Out of 100: how often the next call is a legal step of the victim's migration. */
#define LEGAL_PCT	35
/* Violations printed in full; the rest are counted. */
#define PRINT_MAX	20
/* Victim calls between two probes of the stream limit (one at the start). */
#define LIMIT_EVERY	20000
/* A signal window: the emulated module interrupts one poll in SIGNAL_ONE_IN. */
#define SIGNAL_ONE_IN	16
#define SIGNAL_CALLS	64
/* A thread window: this many threads, each this many junk calls. */
#define THREADS		3
#define THREAD_CALLS	24
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* The OP_STATEs the fuzzer mirrors, and what it does not know. */
enum fz_state {
	FZ_UNINITIALIZED,
	FZ_RUNNABLE,
	FZ_LIVE_EXPORT,
	FZ_PAUSED_EXPORT,
	FZ_POST_EXPORT,
	FZ_MEMORY_IMPORT,
	FZ_STATE_IMPORT,
	FZ_POST_IMPORT,
	FZ_LIVE_IMPORT,
	FZ_FAILED_IMPORT,
	FZ_UNKNOWN,
	FZ_NR_STATES
};

static const char * const state_names[FZ_NR_STATES] = {
	"UNINITIALIZED", "RUNNABLE", "LIVE_EXPORT", "PAUSED_EXPORT", "POST_EXPORT",
	"MEMORY_IMPORT", "STATE_IMPORT", "POST_IMPORT", "LIVE_IMPORT", "FAILED_IMPORT",
	"(unknown)",
};

#define SB(x)		(1U << FZ_##x)
#define EXPORTING	(SB(LIVE_EXPORT) | SB(PAUSED_EXPORT) | SB(POST_EXPORT))
#define IMPORTING	(SB(MEMORY_IMPORT) | SB(STATE_IMPORT) | SB(POST_IMPORT) | SB(LIVE_IMPORT))

/* What uapi.rst says of each stream command. */
struct fz_cmd {
	const char *name;
	unsigned int states;	/* "valid in" */
	bool main_only;		/* session-wide: stream 0 only */
	bool in;		/* reads *data */
	bool out;		/* writes *data */
	bool count;		/* *data is a count: 1 .. buf_list_pages */
};

static const struct fz_cmd cmds[FUZZ_MAX_ID] = {
	[KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE] = { "EXPORT_STATE_IMMUTABLE", SB(RUNNABLE), true,
						 false, true },
	[KVM_TDX_MIG_IMPORT_STATE_IMMUTABLE] = { "IMPORT_STATE_IMMUTABLE", SB(UNINITIALIZED),
						 true, true, false, true },
	[KVM_TDX_MIG_EXPORT_MEM] = { "EXPORT_MEM", EXPORTING, false, true, true, true },
	[KVM_TDX_MIG_IMPORT_MEM] = { "IMPORT_MEM", IMPORTING, false, true, false, true },
	[KVM_TDX_MIG_EXPORT_TRACK] = { "EXPORT_TRACK", SB(LIVE_EXPORT) | SB(PAUSED_EXPORT),
				       true, true },
	[KVM_TDX_MIG_IMPORT_TRACK] = { "IMPORT_TRACK", SB(MEMORY_IMPORT) | SB(STATE_IMPORT),
				       true },
	[KVM_TDX_MIG_EXPORT_PAUSE] = { "EXPORT_PAUSE", SB(LIVE_EXPORT), true },
	[KVM_TDX_MIG_EXPORT_STATE_TD] = { "EXPORT_STATE_TD", SB(PAUSED_EXPORT), true, false,
					  true },
	[KVM_TDX_MIG_IMPORT_STATE_TD] = { "IMPORT_STATE_TD", SB(MEMORY_IMPORT), true, true,
					  false, true },
	[KVM_TDX_MIG_EXPORT_STATE_VP] = { "EXPORT_STATE_VP", SB(PAUSED_EXPORT), false, false,
					  true },
	[KVM_TDX_MIG_IMPORT_STATE_VP] = { "IMPORT_STATE_VP", SB(STATE_IMPORT), false, true,
					  false, true },
	[KVM_TDX_MIG_EXPORT_ABORT] = { "EXPORT_ABORT", EXPORTING | SB(RUNNABLE), true },
	[KVM_TDX_MIG_IMPORT_END] = { "IMPORT_END", SB(POST_IMPORT) | SB(LIVE_IMPORT), true },
	[KVM_TDX_MIG_IMPORT_ABORT] = { "IMPORT_ABORT", SB(MEMORY_IMPORT) | SB(STATE_IMPORT) |
				       SB(POST_IMPORT) | SB(FAILED_IMPORT), true },
	[KVM_TDX_MIG_GET_STATS] = { "GET_STATS", ~0U, false, false, true },
};

/* The errnos of uapi.rst's command table. */
static bool cmd_errno_documented(int e)
{
	switch (e) {
	case EINVAL: case E2BIG: case ENXIO: case EPERM: case EBUSY: case EEXIST:
	case ENOENT: case EFAULT: case EINTR: case EAGAIN: case EIO:
		return true;
	}
	return false;
}

/* One side of the victim: a TD, its streams (in the mig), its mirrored state. */
struct fz_side {
	int vm;
	enum fz_state state;
};

struct fuzz {
	const struct fuzz_opts *o;
	struct fuzz_figures *f;
	uint64_t rng;
	/* the victim */
	struct mig m;
	bool open;
	struct fz_side side[2];		/* 0 source, 1 destination */
	bool disturbed;
	bool live_started;		/* a round went: the next needs an epoch token */
	unsigned int vps_moved;
	bool postcopy;			/* every page goes after the start token */
	bool token_lost;		/* the start token left, the destination never got it */
	bool dst_aborted;		/* its abort token waits in the destination's MBMD */
	bool dst_extra_migsc;		/* the destination made a stream more: it may not chain */
	uint64_t signal_until;		/* calls: the signal window ends at this count */
	const char *steps[8];		/* the victim's last legal steps, for a violation */
	unsigned int nsteps;
	char last_junk[200];		/* and its last successful junk call */
	/* pointers that must fault, and a page the kernel may only read */
	void *hole;			/* PROT_NONE */
	void *ro;			/* PROT_READ */
	char *edge;			/* the last 4 bytes before it */
	const char *last;		/* what the last call was, for a violation */
	/* the MigTD part: its own MigTD and user TD, apart from the pairs */
	struct migtd mt;
	bool mt_on;			/* made */
	bool mt_broken;			/* could not be made: no more MigTD draws */
	int mt_user;			/* the user TD bound to it */
	uint64_t mt_req_id;		/* the user TD's request id, once seen */
	uint64_t mt_old_id;		/* an earlier user TD's */
	char last_mt[400];		/* the last MigTD junk call */
	bool mt_clean;			/* its buffers and vector are good */
};

static uint64_t rnd(struct fuzz *z)
{
	/* xorshift64*: enough for choosing calls, and the same for the same seed. */
	z->rng ^= z->rng >> 12;
	z->rng ^= z->rng << 25;
	z->rng ^= z->rng >> 27;
	return z->rng * 0x2545F4914F6CDD1DULL;
}

static unsigned int below(struct fuzz *z, unsigned int n)
{
	return rnd(z) % n;
}

static void violation(struct fuzz *z, const char *fmt, ...)
{
	va_list ap;

	z->f->violations++;
	if (z->f->violations > PRINT_MAX)
		return;
	printf("# FUZZ VIOLATION seed=%llu call=%llu: ", (unsigned long long)z->o->seed,
	       (unsigned long long)z->f->calls);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void count_errno(struct fuzz *z, int ret)
{
	int e = -ret;

	z->f->errnos[e < FUZZ_MAX_ERRNO ? e : 0]++;
}

static unsigned int id_slot(uint32_t id)
{
	return id < FUZZ_MAX_ID ? id : FUZZ_MAX_ID;
}

/* Interrupts. */

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * The emulated module interrupts calls and sends the caller SIGALRM: at
 * random (one poll in SIGNAL_ONE_IN), or at every first to fourth poll.
 */
static void signals_on(struct fuzz *z)
{
	if (below(z, 2))
		tb_set_intr(TDX_MIG_EMU_INTR_RANDOM | TDX_MIG_EMU_INTR_F_SIGALRM, SIGNAL_ONE_IN,
			    rnd(z));
	else
		tb_set_intr(TDX_MIG_EMU_INTR_EVERY | TDX_MIG_EMU_INTR_F_SIGALRM,
			    1 + below(z, 4), 0);
}

/* A signal window: interrupts for the next SIGNAL_CALLS calls. */
static void signal_window(struct fuzz *z)
{
	if (!z->signal_until) {
		signals_on(z);
		z->f->signal_windows++;
	}
	z->signal_until = z->f->calls + SIGNAL_CALLS;
	z->last = "a signal window";
}

static void signal_window_end(struct fuzz *z)
{
	tb_set_intr(TDX_MIG_EMU_INTR_NEVER, 0, 0);
	z->signal_until = 0;
}

/* Pairs are made, and the clean pair migrates, without interrupts. */
static void signals_hold(struct fuzz *z, bool hold)
{
	if (!z->signal_until)
		return;
	if (hold)
		tb_set_intr(TDX_MIG_EMU_INTR_NEVER, 0, 0);
	else
		signals_on(z);
}

/* The victim. */

/* A victim TD, its making timed. */
static int victim_td(struct fuzz *z, bool destination)
{
	double t0 = mig_now_ms();
	int vm = tb_create_td(FZ_BYTES, FZ_VCPUS, destination, 0);

	z->f->kind_ms[FUZZ_K_NEW_TDS] += mig_now_ms() - t0;
	z->f->kind_draws[FUZZ_K_NEW_TDS]++;
	return vm;
}

static void victim_close(struct fuzz *z)
{
	unsigned int i;

	z->nsteps = 0;
	z->last_junk[0] = 0;
	if (z->open)
		mig_close(&z->m);
	z->open = false;
	for (i = 0; i < 2; i++) {
		if (z->side[i].vm >= 0)
			close(z->side[i].vm);
		z->side[i].vm = -1;
	}
}

/*
 * A destination (new, or for the same source after an abort, or for the
 * last destination migrating on) and the streams; the way it will go.
 */
static int victim_open_dst(struct fuzz *z)
{
	int ret;

	signals_hold(z, true);
	z->side[1].vm = victim_td(z, true);
	ret = z->side[1].vm < 0 ? z->side[1].vm : tb_exchange_keys(z->side[0].vm, z->side[1].vm);
	if (!ret)
		ret = tb_mig_open(&z->m, z->side[0].vm, z->side[1].vm, FZ_NPAGES, FZ_VCPUS,
				  FZ_STREAMS, FZ_BUF_PAGES);
	signals_hold(z, false);
	if (ret)
		return ret;
	z->open = true;
	z->m.min_rounds = 1;
	z->side[1].state = FZ_UNINITIALIZED;
	z->disturbed = false;
	z->live_started = false;
	z->vps_moved = 0;
	z->postcopy = !below(z, 3);
	z->token_lost = false;
	z->dst_aborted = false;
	z->dst_extra_migsc = false;
	return 0;
}

static int victim_new(struct fuzz *z)
{
	victim_close(z);
	signals_hold(z, true);
	z->side[0].vm = victim_td(z, false);
	signals_hold(z, false);
	if (z->side[0].vm < 0)
		return z->side[0].vm;
	z->side[0].state = FZ_RUNNABLE;
	return victim_open_dst(z);
}

/* The source aborted: a new destination, the same source (its MigSCs reused). */
static int victim_new_dst(struct fuzz *z)
{
	if (z->open)
		mig_close(&z->m);
	z->open = false;
	close(z->side[1].vm);
	z->side[1].vm = -1;
	return victim_open_dst(z);
}

/* A chained migration: the destination, now RUNNABLE, migrates on. */
static int victim_chain(struct fuzz *z)
{
	mig_close(&z->m);
	z->open = false;
	close(z->side[0].vm);
	z->side[0] = z->side[1];
	z->side[1].vm = -1;
	return victim_open_dst(z);
}

/* The clean pair: a whole pre-copy migration, compared. */
static int clean_migration(struct fuzz *z)
{
	int src, ret;

	signals_hold(z, true);
	src = tb_create_td(FZ_BYTES, FZ_VCPUS, false, 0);
	ret = src < 0 ? src : tb_migrate_to_new(src, FZ_BYTES, FZ_VCPUS, FZ_BUF_PAGES);
	if (src >= 0)
		close(src);
	signals_hold(z, false);
	if (ret)
		violation(z, "the clean pair's migration failed: %s", strerror(-ret));
	else
		z->f->clean_migrations++;
	return ret;
}

/* Post-copy: the next bundle of pages the destination has not got, or 0. */
static unsigned int missing_pages(struct fuzz *z, uint64_t *gfns)
{
	unsigned int n = 0;
	uint64_t gfn;

	for (gfn = 0; gfn < FZ_NPAGES && n < FZ_BUF_PAGES; gfn++) {
		if (!mig_test_bit(z->m.exported, gfn))
			gfns[n++] = gfn;
	}
	return n;
}

/* The source's pause: the last pages in order, or (post-copy) none. */
static int step_pause(struct fuzz *z, const char **what)
{
	int ret;

	*what = z->postcopy ? "EXPORT_PAUSE, an epoch token, shared memory (post-copy)" :
			      "EXPORT_PAUSE, an epoch token, the last pages";
	ret = mig_cmd_retry(&z->m.src[0], KVM_TDX_MIG_EXPORT_PAUSE, NULL, NULL);
	if (ret)
		return ret;
	z->side[0].state = FZ_PAUSED_EXPORT;
	ret = mig_move_token(&z->m, false);
	if (!ret && !z->postcopy)
		ret = mig_send_dirty(&z->m, false, NULL);
	return ret ?: mig_send_shared(&z->m);
}

/*
 * The start token: it arrives (the destination commits: LIVE_IMPORT), or
 * is lost on the way, or (pre-copy) arrives but the commit finds the TDR
 * busy and the destination stays POST_IMPORT.
 */
static int step_start_token(struct fuzz *z, const char **what)
{
	uint64_t start = TDX_MIG_EXPORT_TRACK_F_IN_ORDER_DONE, status = 0;
	unsigned int way = below(z, 8);
	int ret;

	if (way > 2 || (way && z->postcopy)) {
		*what = "the start token";
		ret = mig_move_token(&z->m, true);
		if (!ret) {
			z->side[0].state = FZ_POST_EXPORT;
			z->side[1].state = FZ_LIVE_IMPORT;
		}
		return ret;
	}
	*what = way ? "the start token, the commit busy" : "the start token, lost";
	ret = mig_cmd_retry(&z->m.src[0], KVM_TDX_MIG_EXPORT_TRACK, &start, NULL);
	if (ret)
		return ret;
	z->side[0].state = FZ_POST_EXPORT;
	if (!way) {
		z->token_lost = true;
		return 0;
	}
	memcpy(z->m.dst[0].mbmd, z->m.src[0].mbmd, MIG_PAGE_SIZE);
	tb_busy_commit(1);
	ret = mig_cmd(&z->m.dst[0], KVM_TDX_MIG_IMPORT_TRACK, NULL, &status);
	tb_busy_commit(0);
	if (ret != -EBUSY) {
		violation(z, "the start token with the commit busy: errno %d, status %#llx",
			  -ret, (unsigned long long)status);
		return ret ?: -EBADE;
	}
	z->side[1].state = FZ_POST_IMPORT;
	return 0;
}

/* The destination gives up: IMPORT_ABORT writes its abort token. */
static int step_dst_abort(struct fuzz *z, const char **what)
{
	int ret;

	*what = "IMPORT_ABORT";
	ret = mig_cmd_retry(&z->m.dst[0], KVM_TDX_MIG_IMPORT_ABORT, NULL, NULL);
	if (ret)
		return ret;
	z->side[1].state = FZ_FAILED_IMPORT;
	z->dst_aborted = true;
	return 0;
}

/* The source aborts, with the destination's token if it has one; a new destination. */
static int step_src_abort(struct fuzz *z, const char **what)
{
	bool after_start = z->side[0].state == FZ_POST_EXPORT;
	int ret;

	*what = z->dst_aborted ? "EXPORT_ABORT with the destination's abort token" :
				 "EXPORT_ABORT";
	if (z->dst_aborted)
		memcpy(z->m.src[0].mbmd, z->m.dst[0].mbmd, MIG_PAGE_SIZE);
	ret = mig_cmd_retry(&z->m.src[0], KVM_TDX_MIG_EXPORT_ABORT, NULL, NULL);
	if (ret)
		return ret;
	z->f->aborts++;
	z->f->aborts_after_start += after_start;
	z->side[0].state = FZ_RUNNABLE;
	return victim_new_dst(z);
}

/* The end: IMPORT_END, the TDs compared; then a new pair, or the destination migrates on. */
static int step_end(struct fuzz *z, const char **what)
{
	int ret;

	*what = "IMPORT_END";
	ret = mig_dst_cmd(&z->m, KVM_TDX_MIG_IMPORT_END);
	if (ret)
		return ret;
	z->side[1].state = FZ_RUNNABLE;
	z->f->victim_completed++;
	if (td_compare(z->side[0].vm, z->side[1].vm, FZ_BYTES, FZ_VCPUS, NULL)) {
		violation(z, "an undisturbed victim migrated, but differs from its source");
		z->disturbed = true;
		return 0;
	}
	z->f->victim_compared++;
	/*
	 * A destination that made more streams than the next one will
	 * exports more MigSCs than it creates: IMPORT_STATE_IMMUTABLE would
	 * refuse them (TDX_NUM_MIGS_HIGHER_THAN_CREATED), rightly.
	 */
	if (below(z, 3) || z->dst_extra_migsc) {
		/* Done: the next step makes a new pair. */
		z->disturbed = true;
		return 0;
	}
	*what = "IMPORT_END, then the destination migrates on";
	ret = victim_chain(z);
	if (!ret)
		z->f->chained++;
	return ret;
}

/* After the start token: post-copy's pages, then the end. */
static int step_post_export(struct fuzz *z, const char **what)
{
	uint64_t gfns[FZ_BUF_PAGES];
	unsigned int n;
	int ret;

	if (z->token_lost || z->side[1].state == FZ_POST_IMPORT) {
		if (z->side[1].state == FZ_POST_IMPORT && below(z, 2))
			return step_end(z, what);	/* IMPORT_END commits */
		return step_dst_abort(z, what);
	}
	n = z->postcopy ? missing_pages(z, gfns) : 0;
	if (!n)
		return step_end(z, what);
	*what = "post-copy pages";
	ret = mig_move_pages(&z->m, below(z, FZ_STREAMS), gfns, n);
	if (!ret)
		z->f->postcopy_bundles++;
	return ret;
}

/* Before the pause: a round of dirty pages (pre-copy), or the pause. */
static int step_live(struct fuzz *z, const char **what)
{
	int ret = 0;

	if ((z->live_started || z->postcopy) && below(z, 2))
		return step_pause(z, what);
	*what = "a round of dirty pages";
	if (z->live_started)
		ret = mig_move_token(&z->m, false);
	ret = ret ?: mig_send_dirty(&z->m, true, NULL) ?: mig_send_shared(&z->m);
	z->live_started = true;
	return ret;
}

/* Paused: the TD's state, each vCPU's, then the start token. */
static int step_paused(struct fuzz *z, const char **what)
{
	int ret;

	if (z->side[1].state == FZ_MEMORY_IMPORT) {
		*what = "TD state";
		ret = mig_move_state(&z->m, 0, KVM_TDX_MIG_EXPORT_STATE_TD,
				     KVM_TDX_MIG_IMPORT_STATE_TD);
		if (!ret)
			z->side[1].state = FZ_STATE_IMPORT;
		return ret;
	}
	if (z->vps_moved < FZ_VCPUS) {
		*what = "a vCPU's state";
		z->vps_moved++;
		return mig_move_state(&z->m, 0, KVM_TDX_MIG_EXPORT_STATE_VP,
				      KVM_TDX_MIG_IMPORT_STATE_VP);
	}
	return step_start_token(z, what);
}

/*
 * One legal step of the victim's migration, in the order of uapi.rst:
 * start, rounds, pause, TD state, vCPU states, start token, post-copy's
 * pages, import end; sometimes an abort instead (the source's, or the
 * destination's and then the source's with its token), then a new
 * destination.
 */
static void legal_step_do(struct fuzz *z)
{
	struct fz_side *s = &z->side[0], *d = &z->side[1];
	const char *what = "(no step)";
	int ret = 0;

	if (!z->open || z->disturbed || s->state == FZ_UNKNOWN || d->state == FZ_UNKNOWN) {
		z->f->victim_resets++;
		z->last = "a new victim pair";
		if (victim_new(z))
			violation(z, "a new victim pair could not be made");
		return;
	}
	if (z->dst_aborted) {
		ret = step_src_abort(z, &what);
		goto out;
	}
	if ((d->state == FZ_MEMORY_IMPORT || d->state == FZ_STATE_IMPORT) &&
	    s->state != FZ_POST_EXPORT && !below(z, 24)) {
		ret = step_dst_abort(z, &what);
		goto out;
	}
	if ((s->state == FZ_LIVE_EXPORT || s->state == FZ_PAUSED_EXPORT) && !below(z, 12)) {
		ret = step_src_abort(z, &what);
		goto out;
	}
	switch (s->state) {
	case FZ_RUNNABLE:
		what = "mig_start";
		ret = mig_start(&z->m);
		if (!ret) {
			s->state = FZ_LIVE_EXPORT;
			d->state = FZ_MEMORY_IMPORT;
		}
		break;
	case FZ_LIVE_EXPORT:
		ret = step_live(z, &what);
		break;
	case FZ_PAUSED_EXPORT:
		ret = step_paused(z, &what);
		break;
	case FZ_POST_EXPORT:
		ret = step_post_export(z, &what);
		break;
	default:
		z->disturbed = true;
		break;
	}
out:
	z->last = what;
	z->steps[z->nsteps++ % ARRAY_SIZE(z->steps)] = what;
	if (ret) {
		unsigned int n = ARRAY_SIZE(z->steps), i = z->nsteps > n ? z->nsteps - n : 0;

		count_errno(z, ret);
		violation(z, "legal step %s failed on an undisturbed victim: errno %d (%s)",
			  what, -ret, strerror(-ret));
		for (; z->f->violations <= PRINT_MAX && i < z->nsteps; i++)
			printf("#   its step %u: %s\n", i, z->steps[i % ARRAY_SIZE(z->steps)]);
		if (z->f->violations <= PRINT_MAX && z->last_junk[0])
			printf("#   its last junk call that succeeded: %s\n", z->last_junk);
		/* A library step is several calls: which of them went is not known. */
		z->disturbed = true;
		s->state = FZ_UNKNOWN;
		d->state = FZ_UNKNOWN;
	}
}

/*
 * A legal step, its calls counted: each stream command and dirty-log ioctl
 * the library made (its counter), at least one a step.
 */
static void legal_step(struct fuzz *z)
{
	unsigned long long before = mig_ioctls, n;

	legal_step_do(z);
	n = mig_ioctls - before;
	n = n ?: 1;
	z->f->legal_steps++;
	z->f->legal_calls += n;
	z->f->calls += n;
}

/* A value for a command's __u64: an edge of some limit, or anything. */
static uint64_t junk_value(struct fuzz *z)
{
	static const uint64_t edges[] = {
		0, 1, 2, FZ_BUF_PAGES - 1, FZ_BUF_PAGES, FZ_BUF_PAGES + 1,
		TDX_MIG_BUF_LIST_PAGES_MAX - 1, TDX_MIG_BUF_LIST_PAGES_MAX,
		TDX_MIG_BUF_LIST_PAGES_MAX + 1, 1ULL << 31, 1ULL << 32, 1ULL << 62,
		TDX_MIG_EXPORT_TRACK_F_IN_ORDER_DONE, TDX_MIG_EXPORT_TRACK_F_IN_ORDER_DONE | 1,
		~0ULL,
	};

	if (below(z, 4))
		return edges[below(z, ARRAY_SIZE(edges))];
	return below(z, 2) ? below(z, 40) : rnd(z);
}

/* A command id: mostly the stream commands, sometimes any other. */
static uint32_t junk_id(struct fuzz *z)
{
	static const uint32_t ids[] = {
		0, 4, 5, 6, 7, 8, 22, 23, 63, 66, 67, 128, 0x7fffffff, 0x80000000, 0xffffffff,
	};

	switch (below(z, 8)) {
	case 0:
		return ids[below(z, ARRAY_SIZE(ids))];
	case 1:
		return (uint32_t)rnd(z);
	case 2:
		return below(z, 2) ? KVM_TDX_MIG_IMPORT_ABORT : KVM_TDX_MIG_GET_STATS;
	default:
		return KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE +
		       below(z, KVM_TDX_MIG_IMPORT_END - KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE + 1);
	}
}

enum fz_ptr { PTR_GOOD, PTR_NULL, PTR_LOW, PTR_HOLE, PTR_KERNEL, PTR_EDGE, PTR_RO };

static const char * const ptr_names[] = {
	"good", "NULL", "8", "PROT_NONE", "kernel", "across into PROT_NONE", "read-only",
};

/* The state a successful junk call moves a side to (FZ_UNKNOWN: who knows). */
static enum fz_state after(uint32_t id, uint64_t value, enum fz_state st)
{
	switch (id) {
	case KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE:
		return FZ_LIVE_EXPORT;
	case KVM_TDX_MIG_IMPORT_STATE_IMMUTABLE:
		return FZ_MEMORY_IMPORT;
	case KVM_TDX_MIG_EXPORT_TRACK:
		return value ? FZ_POST_EXPORT : st;
	case KVM_TDX_MIG_EXPORT_PAUSE:
		return FZ_PAUSED_EXPORT;
	case KVM_TDX_MIG_IMPORT_STATE_TD:
		return FZ_STATE_IMPORT;
	case KVM_TDX_MIG_EXPORT_ABORT:
	case KVM_TDX_MIG_IMPORT_END:
		return FZ_RUNNABLE;
	case KVM_TDX_MIG_IMPORT_TRACK:	/* an epoch token, or the start token */
	case KVM_TDX_MIG_IMPORT_ABORT:
		return FZ_UNKNOWN;
	default:
		return st;
	}
}

/* A stream command uapi.rst allows in @st (any, if none is). */
static uint32_t valid_id(struct fuzz *z, enum fz_state st)
{
	uint32_t ids[FUZZ_MAX_ID], id;
	unsigned int n = 0;

	for (id = 0; id < FUZZ_MAX_ID; id++) {
		if (cmds[id].name && id != KVM_TDX_MIG_GET_STATS && (cmds[id].states & (1U << st)))
			ids[n++] = id;
	}
	return n ? ids[below(z, n)] : junk_id(z);
}

/*
 * A call beside one pending on the same stream, valid in the same state and
 * on that stream: the same command with another value, or for a state
 * export (whose value is only written) the other one; 0 if there is none
 * (the immutable state; a vCPU's state on stream 1, where the TD's is
 * EINVAL before anything else, session-wide).
 */
static uint32_t other_call(uint32_t id, bool main_stream)
{
	if (cmds[id].in)
		return id;
	if (id == KVM_TDX_MIG_EXPORT_STATE_TD)
		return KVM_TDX_MIG_EXPORT_STATE_VP;
	if (id == KVM_TDX_MIG_EXPORT_STATE_VP && main_stream)
		return KVM_TDX_MIG_EXPORT_STATE_TD;
	return 0;
}

/*
 * A junk call @id with value @value ended in EINTR: it is pending on @s.
 * The same command with another value must get EBUSY (the busy
 * resumption: the emulated module would refuse a different resumption,
 * TDX_INVALID_RESUMPTION); then the call itself again, until it completes.
 */
static void probe_pending(struct fuzz *z, struct mig_stream *s, uint32_t id, uint64_t value,
			  const char *why)
{
	bool main_stream = s == &z->m.src[0] || s == &z->m.dst[0];
	struct kvm_tdx_cmd c = { .id = other_call(id, main_stream) };
	uint64_t arg = value + 1;
	unsigned int tries;
	int ret;

	z->f->junk_eintr++;
	c.data = (uintptr_t)&arg;
	if (c.id) {
		ret = ioctl(s->fd, KVM_MEMORY_ENCRYPT_OP, &c) ? -errno : 0;
		z->f->calls++;
		if (ret == -EBUSY)
			z->f->busy_resumptions++;
		else if (ret != -EIO)	/* EIO: a stream closed with an export pending */
			violation(z, "%s: pending after EINTR, id %u value %#llx gave errno %d, %s",
				  why, c.id, (unsigned long long)arg, -ret, "not EBUSY");
	}
	c.id = id;
	for (tries = 0; tries < 1000; tries++) {
		arg = value;
		KVM_TDX_CMD_ERROR(&c) = 0;
		ret = ioctl(s->fd, KVM_MEMORY_ENCRYPT_OP, &c) ? -errno : 0;
		z->f->calls++;
		if (ret != -EINTR)
			break;
	}
	if (!ret)
		z->f->resumed++;
	else if (ret == -EINTR || !cmd_errno_documented(-ret))
		violation(z, "%s: its resumption ended in errno %d (%s)", why, -ret,
			  strerror(-ret));
	else
		count_errno(z, ret);
}

/* KVM_MEMORY_ENCRYPT_OP on one of the victim's streams, judged by uapi.rst. */
static void junk_cmd(struct fuzz *z)
{
	unsigned int side = below(z, 2), si = below(z, 8) ? 0 : 1;
	struct fz_side *fs = &z->side[side];
	struct mig_stream *s = side ? &z->m.dst[si] : &z->m.src[si];
	struct kvm_tdx_cmd c = { .id = junk_id(z) };
	enum fz_ptr p = below(z, 6) ? PTR_GOOD : 1 + below(z, 6);
	uint64_t value = junk_value(z), *cell, err_in = 0;
	const struct fz_cmd *d;
	char why[200] = "";
	int ret;

	if (s->fd < 0)
		return;
	if (z->signal_until && below(z, 2)) {
		/* In a signal window, calls that get as far as the TDX Module. */
		c.id = valid_id(z, fs->state);
		p = PTR_GOOD;
	} else {
		if (!below(z, 16))
			c.flags = 1U << below(z, 32);
		if (!below(z, 16))
			err_in = rnd(z) | 1;
	}
	KVM_TDX_CMD_ERROR(&c) = err_in;
	/* Anything the commands may write or read: a 64-byte cell (GET_STATS reads 128). */
	cell = calloc(32, sizeof(*cell));
	if (!cell)
		return;
	cell[0] = value;
	switch (p) {
	case PTR_GOOD:
		c.data = (uintptr_t)cell;
		break;
	case PTR_NULL:
		c.data = 0;
		break;
	case PTR_LOW:
		c.data = 8;
		break;
	case PTR_HOLE:
		c.data = (uintptr_t)z->hole;
		break;
	case PTR_KERNEL:
		c.data = 0xffffffff81000000ULL;
		break;
	case PTR_EDGE:
		c.data = (uintptr_t)z->edge;
		break;
	case PTR_RO:
		c.data = (uintptr_t)z->ro;
		value = 0;
		break;
	}
	ret = ioctl(s->fd, KVM_MEMORY_ENCRYPT_OP, &c) ? -errno : 0;
	z->f->calls++;
	z->f->junk_calls++;
	z->f->cmd_calls[id_slot(c.id)]++;
	z->f->states[side][fs->state]++;
	d = c.id < FUZZ_MAX_ID && cmds[c.id].name ? &cmds[c.id] : NULL;
	snprintf(why, sizeof(why),
		 "%s in %s, stream %u: id %u (%s) flags %#x error %#llx data %s value %#llx",
		 side ? "destination" : "source", state_names[fs->state], si, c.id,
		 d ? d->name : "unknown", c.flags, (unsigned long long)err_in, ptr_names[p],
		 (unsigned long long)value);
	z->last = "a junk command";
	if (ret == -EINTR && d) {
		count_errno(z, ret);
		probe_pending(z, s, c.id, value, why);
		z->disturbed = true;
		fs->state = FZ_UNKNOWN;
		goto out;
	}
	if (ret) {
		count_errno(z, ret);
		if (!cmd_errno_documented(-ret))
			violation(z, "%s: undocumented errno %d (%s)", why, -ret, strerror(-ret));
		/*
		 * Interrupted: pending on the stream, which now refuses the
		 * library's calls. EIO: an IMPORT_MEM whose entries failed
		 * ended the import (FAILED_IMPORT) with no status to show.
		 */
		if (ret == -EINTR || ret == -EIO) {
			z->disturbed = true;
			fs->state = FZ_UNKNOWN;
		}
		/* A SEAMCALL failed: the TD may have moved (FAILED_IMPORT, ...). */
		if (KVM_TDX_CMD_ERROR(&c) && KVM_TDX_CMD_ERROR(&c) != err_in) {
			z->disturbed = true;
			fs->state = FZ_UNKNOWN;
		}
		goto out;
	}
	z->f->cmd_ok[id_slot(c.id)]++;
	snprintf(z->last_junk, sizeof(z->last_junk), "%s", why);
	if (!d)
		violation(z, "%s: an unknown command id succeeded", why);
	else if (c.flags)
		violation(z, "%s: succeeded with flags set", why);
	else if (err_in)
		violation(z, "%s: succeeded with error set on entry", why);
	else if ((d->in || d->out) && p != PTR_GOOD && !(p == PTR_RO && !d->out))
		violation(z, "%s: succeeded with a bad data pointer", why);
	else if (d->count && (p == PTR_GOOD || p == PTR_RO) &&
		 (value == 0 || value > s->buf_list_pages))
		violation(z, "%s: succeeded with a count of %llu (buf_list_pages %u)", why,
			  (unsigned long long)value, s->buf_list_pages);
	else if (c.id == KVM_TDX_MIG_EXPORT_TRACK && p == PTR_GOOD &&
		 value & ~TDX_MIG_EXPORT_TRACK_F_IN_ORDER_DONE)
		violation(z, "%s: succeeded with reserved bits", why);
	else if (d->main_only && si)
		violation(z, "%s: a session-wide command succeeded on stream %u", why, si);
	else if (fs->state != FZ_UNKNOWN && !(d->states & (1U << fs->state)))
		violation(z, "%s: succeeded in %s", why, state_names[fs->state]);
	else if (c.id == KVM_TDX_MIG_EXPORT_TRACK && value && fs->state != FZ_PAUSED_EXPORT &&
		 fs->state != FZ_UNKNOWN)
		violation(z, "%s: the start token succeeded in %s", why, state_names[fs->state]);
	if (c.id != KVM_TDX_MIG_GET_STATS && !(c.id == KVM_TDX_MIG_EXPORT_ABORT &&
					       fs->state == FZ_RUNNABLE)) {
		/* The library's bundles no longer match: a new pair at the next step. */
		z->disturbed = true;
		if (fs->state != FZ_UNKNOWN)
			fs->state = after(c.id, value, fs->state);
	}
out:
	free(cell);
}

/* A page of @s's mapping: the MBMD, the GPA list, a MAC list or a buffer. */
static uint8_t *mapped_page(struct fuzz *z, const struct mig_stream *s)
{
	switch (below(z, 4)) {
	case 0:
		return s->mbmd;
	case 1:
		return (uint8_t *)s->gpa_list;
	case 2:
		return (uint8_t *)s->mac + below(z, 2) * MIG_PAGE_SIZE;
	default:
		return (uint8_t *)s->bufs + below(z, s->buf_list_pages) * MIG_PAGE_SIZE;
	}
}

/*
 * The destination's abort token, while it waits in its stream 0's MBMD for
 * the source's EXPORT_ABORT; garbage there is lost for the library.
 */
static const void *abort_token(struct fuzz *z)
{
	return z->dst_aborted ? z->m.dst[0].mbmd : NULL;
}

/* Garbage into one of the victim's mapped pages, where the library will write anew. */
static void junk_garbage(struct fuzz *z)
{
	struct mig_stream *s = below(z, 2) ? &z->m.dst[below(z, FZ_STREAMS)] :
					     &z->m.src[below(z, FZ_STREAMS)];
	uint8_t *page;
	unsigned int i, n;

	if (!s->mbmd)
		return;
	page = mapped_page(z, s);
	if (page == abort_token(z))
		z->disturbed = true;
	n = 1 + below(z, 64);
	for (i = 0; i < n; i++)
		page[below(z, MIG_PAGE_SIZE)] = rnd(z);
	if (!below(z, 8))
		memset(page, below(z, 2) ? 0 : 0xff, MIG_PAGE_SIZE);
	z->f->garbage_writes++;
	z->last = "garbage into a mapped page";
}

/*
 * A new stream on the victim's @side, never negotiated: its fd, or -errno
 * (judged: only the documented ones). One more MigSC on the source: the
 * destination, which has fewer, must now refuse its immutable state
 * (TDX_NUM_MIGS_HIGHER_THAN_CREATED, uapi.rst); on the destination, it may
 * no longer chain on (step_end()).
 */
static int raw_stream(struct fuzz *z, unsigned int side)
{
	int fd;

	if (z->side[side].vm < 0)
		return -EBADF;		/* closed by junk_close_vm() */
	fd = mig_stream_create(z->side[side].vm);
	z->f->calls++;
	if (fd < 0) {
		count_errno(z, fd);
		if (fd != -EPERM && fd != -ENOSPC && fd != -EBUSY)
			violation(z, "KVM_CREATE_DEVICE on the %s: errno %d (%s)",
				  side ? "destination" : "source", -fd, strerror(-fd));
		return fd;
	}
	z->f->raw_streams++;
	if (!side)
		z->disturbed = true;
	else
		z->dst_extra_migsc = true;
	return fd;
}

/*
 * Mappings at random offsets. A touch of a page the stream does not serve
 * must be SIGBUS (uapi.rst), which the handler turns into a jump back.
 */
static sigjmp_buf touch_env;

static void on_sigbus(int sig)
{
	siglongjmp(touch_env, sig);
}

/* Read (and maybe write) a byte of @p: 0, or the signal it raised. */
static int touch(uint8_t *p, bool write, uint8_t v)
{
	int sig = sigsetjmp(touch_env, 1);

	if (sig)
		return sig;
	/* Atomic accesses: the compiler may not drop them. */
	(void)__atomic_load_n(p, __ATOMIC_RELAXED);
	if (write)
		__atomic_store_n(p, v, __ATOMIC_RELAXED);
	return 0;
}

/* The pages a stream serves: 4 + buf_list_pages once negotiated. */
static bool served(const struct mig_stream *s, uint64_t pgoff)
{
	return s && s->mbmd && pgoff < TDX_MIG_STREAM_BUF_LIST_MAP_OFFSET + s->buf_list_pages;
}

/* A page offset: a region's edge, just past the buffers, or far away. */
static uint64_t junk_pgoff(struct fuzz *z, const struct mig_stream *s)
{
	uint64_t end = TDX_MIG_STREAM_BUF_LIST_MAP_OFFSET + (s ? s->buf_list_pages : 0);

	switch (below(z, 6)) {
	case 0:
		return below(z, TDX_MIG_STREAM_BUF_LIST_MAP_OFFSET + 1);
	case 1:
		return end - below(z, 3);
	case 2:
		return end + below(z, 3);
	case 3:
		return (1ULL << 36) - below(z, 4);
	default:
		return below(z, end + 8);
	}
}

/*
 * mmap of a victim stream (or of a stream never negotiated, which serves
 * nothing) at a random offset, length and protection, maybe MAP_PRIVATE
 * (EINVAL) and maybe moved by mremap; each page touched, SIGBUS where the
 * stream serves no page; then unmapped in two pieces. A served page gets
 * garbage, as junk_garbage() writes it through the library's mapping.
 */
static void junk_mmap(struct fuzz *z)
{
	unsigned int side = below(z, 2), si = below(z, FZ_STREAMS), i;
	const struct mig_stream *s = side ? &z->m.dst[si] : &z->m.src[si];
	bool raw = !below(z, 8), private = !below(z, 8), write = below(z, 4);
	size_t len = (1 + below(z, 6)) * MIG_PAGE_SIZE, cut;
	int prot = PROT_READ | (write ? PROT_WRITE : 0), fd = s->fd, sig;
	uint64_t pgoff;
	uint8_t *p;

	z->last = "a mapping at a random offset";
	if (raw) {
		fd = raw_stream(z, side);
		s = NULL;
	}
	if (fd < 0)
		return;
	pgoff = junk_pgoff(z, s);
	p = mmap(NULL, len, prot, private ? MAP_PRIVATE : MAP_SHARED, fd, pgoff * MIG_PAGE_SIZE);
	z->f->calls++;
	z->f->mmaps++;
	if (p == MAP_FAILED) {
		if (!private && errno != EOVERFLOW && errno != ENOMEM)
			violation(z, "mmap of %zu bytes at page %llu: errno %d (%s)", len,
				  (unsigned long long)pgoff, errno, strerror(errno));
		goto out;
	}
	if (private) {
		violation(z, "a MAP_PRIVATE mapping of a stream succeeded");
		munmap(p, len);
		goto out;
	}
	if (!below(z, 4)) {
		void *q = mremap(p, len, len + MIG_PAGE_SIZE, MREMAP_MAYMOVE);

		z->f->calls++;
		if (q != MAP_FAILED) {
			p = q;
			len += MIG_PAGE_SIZE;
		}
	}
	for (i = 0; i < len / MIG_PAGE_SIZE; i++) {
		bool want = served(s, pgoff + i);

		sig = touch(p + i * MIG_PAGE_SIZE + below(z, MIG_PAGE_SIZE), write && want, rnd(z));
		if (write && want && s == &z->m.dst[0] && abort_token(z) &&
		    pgoff + i == TDX_MIG_STREAM_MBMD_MAP_OFFSET)
			z->disturbed = true;
		z->f->mmap_touches++;
		z->f->mmap_sigbus += sig == SIGBUS;
		if (want != !sig)
			violation(z, "page %llu of a %s stream (%u buffer pages): %s",
				  (unsigned long long)(pgoff + i), s ? "negotiated" : "new",
				  s ? s->buf_list_pages : 0, sig ? strsignal(sig) : "served");
	}
	cut = below(z, len / MIG_PAGE_SIZE) * MIG_PAGE_SIZE;
	if (cut && munmap(p + cut, len - cut))
		violation(z, "munmap of the mapping's tail: %s", strerror(errno));
	if (munmap(p, cut ?: len))
		violation(z, "munmap of the mapping: %s", strerror(errno));
	z->f->calls += 1 + !!cut;
out:
	if (raw)
		close(fd);
}

static int attr_ioctl(int fd, unsigned long nr, uint32_t flags, uint32_t group, uint64_t attr,
		      uint64_t addr)
{
	struct kvm_device_attr da = { .flags = flags, .group = group, .attr = attr, .addr = addr };

	return ioctl(fd, nr, &da) ? -errno : 0;
}

/*
 * Device attributes on a victim stream (negotiated already) or on a new
 * stream never negotiated, whose commands must all fail; then it closes.
 */
static void junk_attr(struct fuzz *z)
{
	static const unsigned long nrs[] = {
		KVM_SET_DEVICE_ATTR, KVM_GET_DEVICE_ATTR, KVM_HAS_DEVICE_ATTR,
	};
	static const uint64_t attrs[] = {
		sizeof(struct kvm_dev_tdx_mig_attr), KVM_DEV_TDX_MIG_ATTR_CAPS, 0, 8, 11, 13,
		0xff, 0x101,
	};
	unsigned int side = below(z, 2), k = below(z, 3);
	union {
		struct kvm_dev_tdx_mig_attr a;
		struct kvm_dev_tdx_mig_caps caps;
	} buf = {};
	bool raw = !below(z, 3), set;
	uint32_t flags = below(z, 8) ? 0 : 1U << below(z, 32);
	uint32_t group = below(z, 6) ? KVM_DEV_TDX_MIG_ATTR : below(z, 4);
	uint64_t attr = attrs[below(z, ARRAY_SIZE(attrs))], addr;
	int fd, ret;

	z->last = "a device attribute";
	if (raw) {
		fd = raw_stream(z, side);
		if (fd < 0)
			return;
	} else {
		fd = side ? z->m.dst[0].fd : z->m.src[0].fd;
	}
	buf.a.buf_list_pages = below(z, 4) ? 1 : 600;
	buf.a.version = below(z, 8) ? 0 : 1;
	addr = below(z, 6) ? (uintptr_t)&buf : below(z, 2) ? 8 : (uintptr_t)z->hole;
	ret = attr_ioctl(fd, nrs[k], flags, group, attr, addr);
	z->f->calls++;
	z->f->junk_calls++;
	set = nrs[k] == KVM_SET_DEVICE_ATTR;
	if (ret) {
		count_errno(z, ret);
		if (ret != -EINVAL && ret != -ENXIO && ret != -EPERM && ret != -EFAULT &&
		    ret != -EEXIST)
			violation(z, "device attr %lx flags %#x group %u attr %#llx: errno %d (%s)",
				  nrs[k], flags, group, (unsigned long long)attr, -ret,
				  strerror(-ret));
	} else if (flags || group != KVM_DEV_TDX_MIG_ATTR ||
		   (attr != sizeof(struct kvm_dev_tdx_mig_attr) &&
		    attr != KVM_DEV_TDX_MIG_ATTR_CAPS) ||
		   (set && (attr == KVM_DEV_TDX_MIG_ATTR_CAPS || !raw ||
			    buf.a.version)) ||
		   (nrs[k] != KVM_HAS_DEVICE_ATTR && addr != (uintptr_t)&buf)) {
		violation(z, "device attr %lx, %s stream, flags %#x group %u attr %#llx addr %s %s",
			  nrs[k], raw ? "new" : "negotiated", flags, group,
			  (unsigned long long)attr, addr == (uintptr_t)&buf ? "good" : "bad",
			  "succeeded");
	}
	if (raw && !(set && !ret)) {
		/* Not negotiated: every stream command must fail. */
		struct kvm_tdx_cmd c = { .id = KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE +
					 below(z, 13) };
		uint64_t v = 1;

		c.data = (uintptr_t)&v;
		ret = ioctl(fd, KVM_MEMORY_ENCRYPT_OP, &c) ? -errno : 0;
		z->f->calls++;
		z->f->cmd_calls[id_slot(c.id)]++;
		if (!ret)
			violation(z, "id %u succeeded on a stream never negotiated", c.id);
		else
			count_errno(z, ret);
	}
	if (raw)
		close(fd);
}

/*
 * Close a victim stream fd other than 0 and open it again (its MigSC
 * reused): if it did. @mid_call: other threads' calls may still hold the
 * old stream, whose MigSC is then not free yet, and a TD that is migrating
 * cannot make another (EPERM, uapi.rst).
 */
static bool junk_reopen(struct fuzz *z, bool mid_call)
{
	unsigned int side = below(z, 2);
	struct mig_stream *s = side ? &z->m.dst[1] : &z->m.src[1];
	int ret;

	if (z->side[side].vm < 0)
		return false;		/* closed by junk_close_vm() */
	mig_stream_close(s);
	ret = mig_stream_open(z->side[side].vm, FZ_BUF_PAGES, s);
	z->f->calls++;
	z->f->reopens++;
	z->last = "a stream closed and opened again";
	if (ret) {
		count_errno(z, ret);
		if (!mid_call || ret != -EPERM)
			violation(z, "re-opening stream 1 of the %s%s failed: %s",
				  side ? "destination" : "source",
				  mid_call ? " under other threads' calls" : "", strerror(-ret));
		z->disturbed = true;
	}
	return true;
}

/*
 * One thread of a thread window: calls on the victim's stream fds, most on
 * one "hot" stream, commands its side's state allows with a good count
 * (long calls, which others meet: EBUSY), the rest junk anywhere.
 */
struct fz_thread {
	pthread_t thread;
	uint64_t rng;
	int fds[2 * FZ_STREAMS];
	int hot_fd;
	enum fz_state hot_state;
	uint32_t hot_id;		/* the hot stream's command, 0: any allowed */
	uint32_t buf_pages;
	unsigned int max_calls;
	const int *stop;		/* set: the window is over */
	bool fds_close;			/* the main thread re-opens a stream meanwhile: EBADF */
	/* or, beside a round: garbage into these streams' pages during its calls */
	const struct mig_stream *scribble[2];
	uint64_t calls, busy, bad_errno, garbage;
	int first_bad;
};

/* A random byte of a random page of @s's mapping gets garbage. */
static void scribble_once(struct fuzz *tz, const struct mig_stream *s)
{
	uint8_t *page = mapped_page(tz, s);

	__atomic_store_n(&page[below(tz, MIG_PAGE_SIZE)], (uint8_t)rnd(tz), __ATOMIC_RELAXED);
}

static void *thread_fn(void *arg)
{
	struct fz_thread *t = arg;
	struct fuzz tz = { .rng = t->rng };
	unsigned int i;

	if (t->scribble[0]) {
		while (!__atomic_load_n(t->stop, __ATOMIC_ACQUIRE)) {
			scribble_once(&tz, t->scribble[below(&tz, 2)]);
			t->garbage++;
		}
		return NULL;
	}
	for (i = 0; i < t->max_calls && !__atomic_load_n(t->stop, __ATOMIC_ACQUIRE); i++) {
		struct kvm_tdx_cmd c = { .id = junk_id(&tz) };
		uint64_t cell[32] = { junk_value(&tz) };
		int fd = t->fds[below(&tz, 2 * FZ_STREAMS)], ret;

		if (below(&tz, 4)) {
			fd = t->hot_fd;
			c.id = t->hot_id ?: valid_id(&tz, t->hot_state);
			cell[0] = 1 + below(&tz, t->buf_pages);
		}
		/* A stream whose re-open failed (EPERM, junk_reopen()) has no fd. */
		if (fd < 0)
			continue;
		c.data = (uintptr_t)cell;
		ret = ioctl(fd, KVM_MEMORY_ENCRYPT_OP, &c) ? -errno : 0;
		t->calls++;
		t->busy += ret == -EBUSY;
		if (ret == -EBADF && t->fds_close)
			continue;
		if (ret && !cmd_errno_documented(-ret) && !t->bad_errno++)
			t->first_bad = -ret;
	}
	return NULL;
}

/*
 * Several threads at once on the same stream fds: every errno must be
 * documented, and the kernel must stay whole (its log is judged). The
 * main thread waits, or, when the victim's source is exporting and
 * undisturbed, sends a round of its pages meanwhile (real exports on the
 * threads' hot stream, which they meet: EBUSY), judged the same way.
 */
static void thread_window(struct fuzz *z)
{
	struct fz_thread t[THREADS] = {};
	bool round = !z->disturbed && z->side[0].state == FZ_LIVE_EXPORT;
	bool reopen = !round && !below(z, 3);
	unsigned int i, k, started = 0, side = round || below(z, 4) ? 0 : 1;
	struct mig_stream *hot = side ? &z->m.dst[below(z, FZ_STREAMS)] :
					&z->m.src[below(z, FZ_STREAMS)];
	int stop = 0, ret = 0;

	z->last = "a thread window";
	if (!z->open)
		return;
	for (i = 0; i < THREADS; i++) {
		t[i].rng = rnd(z) | 1;
		t[i].hot_fd = hot->fd;
		t[i].hot_state = z->side[side].state;
		t[i].hot_id = round ? KVM_TDX_MIG_EXPORT_MEM : 0;
		t[i].buf_pages = hot->buf_list_pages ?: 1;
		t[i].max_calls = round ? 8 * THREAD_CALLS : THREAD_CALLS;
		t[i].stop = &stop;
		t[i].fds_close = reopen;
		if (round && !i && below(z, 2)) {
			/* Garbage during the round's calls, in its source and destination. */
			t[i].scribble[0] = hot;
			t[i].scribble[1] = &z->m.dst[hot - z->m.src];
		}
		for (k = 0; k < FZ_STREAMS; k++) {
			t[i].fds[k] = z->m.src[k].fd;
			t[i].fds[FZ_STREAMS + k] = z->m.dst[k].fd;
		}
	}
	for (i = 0; i < THREADS; i++)
		started += !pthread_create(&t[i].thread, NULL, thread_fn, &t[i]);
	/* A stream fd closed and opened again under the threads' calls. */
	if (reopen && junk_reopen(z, true))
		z->f->reopens_mid_call++;
	if (round) {
		if (z->live_started)
			ret = mig_move_token(&z->m, false);
		ret = ret ?: mig_send_dirty(&z->m, true, NULL);
		__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
		z->f->thread_rounds++;
		if (ret == -EBUSY)
			z->f->thread_busy++;
		else if (ret && !cmd_errno_documented(-ret))
			violation(z, "a thread window: a round beside the threads: errno %d (%s)",
				  -ret, strerror(-ret));
	}
	for (i = 0; i < started; i++)
		pthread_join(t[i].thread, NULL);
	z->f->thread_windows++;
	for (i = 0; i < started; i++) {
		z->f->calls += t[i].calls;
		z->f->thread_calls += t[i].calls;
		z->f->thread_busy += t[i].busy;
		z->f->garbage_during_calls += t[i].garbage;
		if (t[i].bad_errno)
			violation(z, "a thread window: %llu calls got undocumented errnos, %s %d",
				  (unsigned long long)t[i].bad_errno, "the first", t[i].first_bad);
	}
	/*
	 * Whatever the threads did, the victim is made anew: what they did
	 * depends on how they interleaved, what follows must not (a seed
	 * reproduces its run).
	 */
	z->disturbed = true;
	z->side[0].state = FZ_UNKNOWN;
	z->side[1].state = FZ_UNKNOWN;
}

/* A round of the victim's pages on a thread of its own. */
struct fz_round {
	pthread_t thread;
	struct fuzz *z;
	int ret;
};

static void *round_fn(void *arg)
{
	struct fz_round *r = arg;

	r->ret = r->z->live_started ? mig_move_token(&r->z->m, false) : 0;
	r->ret = r->ret ?: mig_send_dirty(&r->z->m, true, NULL);
	return NULL;
}

/*
 * A victim's VM fd closed mid-migration (mid-round, when the source can
 * send one): its streams hold the TD, so their calls go on, each result
 * documented; the round ends in success or documented errnos (EBADF: its
 * dirty log's VM fd went away). The streams close at the next step, and
 * the TD goes with them in whatever state it is in.
 */
static void junk_close_vm(struct fuzz *z)
{
	unsigned int side = below(z, 2), i;
	struct fz_round r = { .z = z };
	bool round;

	z->last = "a VM fd closed mid-migration";
	if (!z->open || z->side[side].vm < 0)
		return;
	round = !side && !z->disturbed && z->side[0].state == FZ_LIVE_EXPORT &&
		!pthread_create(&r.thread, NULL, round_fn, &r);
	close(z->side[side].vm);
	z->side[side].vm = -1;
	z->f->vm_closes++;
	for (i = 0; i < 4; i++) {
		struct mig_stream *s = side ? &z->m.dst[below(z, FZ_STREAMS)] :
					      &z->m.src[below(z, FZ_STREAMS)];
		struct kvm_tdx_cmd c = { .id = valid_id(z, z->side[side].state) };
		uint64_t cell[32] = { 1 + below(z, s->buf_list_pages ?: 1) };
		int ret;

		if (s->fd < 0)
			continue;	/* its re-open failed: see thread_fn() */
		c.data = (uintptr_t)cell;
		ret = ioctl(s->fd, KVM_MEMORY_ENCRYPT_OP, &c) ? -errno : 0;
		z->f->calls++;
		z->f->cmd_calls[id_slot(c.id)]++;
		if (ret)
			count_errno(z, ret);
		else
			z->f->cmd_ok[id_slot(c.id)]++;
		if (ret && !cmd_errno_documented(-ret))
			violation(z, "id %u on a stream whose VM fd closed: errno %d (%s)", c.id,
				  -ret, strerror(-ret));
	}
	if (round) {
		pthread_join(r.thread, NULL);
		z->f->vm_closes_mid_round++;
		if (r.ret && r.ret != -EBADF && !cmd_errno_documented(-r.ret))
			violation(z, "a round while its VM fd closed: errno %d (%s)", -r.ret,
				  strerror(-r.ret));
	}
	z->disturbed = true;
	z->side[0].state = FZ_UNKNOWN;
	z->side[1].state = FZ_UNKNOWN;
}

/*
 * The stream limit, on a TD of its own: streams until KVM_CREATE_DEVICE
 * fails, which must be ENOSPC after max_migs - 1 of them (the backward
 * stream is the TDX Module's own); one closed, one more may open.
 */
static void stream_limit(struct fuzz *z)
{
	struct kvm_dev_tdx_mig_caps caps = {};
	int vm, fd, *fds = calloc(TDX_MIG_BUF_LIST_PAGES_MAX * 2, sizeof(int));
	unsigned int n = 0, k;

	z->last = "the stream limit";
	signals_hold(z, true);
	vm = tb_create_td(FZ_BYTES, 1, false, 0);
	if (vm < 0 || !fds) {
		violation(z, "the stream limit: no TD for it (%d)", vm);
		goto out;
	}
	for (fd = 0; n < TDX_MIG_BUF_LIST_PAGES_MAX * 2; n++) {
		fd = mig_stream_create(vm);
		z->f->calls++;
		if (fd < 0)
			break;
		fds[n] = fd;
	}
	z->f->limit_probes++;
	if (n && attr_ioctl(fds[0], KVM_GET_DEVICE_ATTR, 0, KVM_DEV_TDX_MIG_ATTR,
			    KVM_DEV_TDX_MIG_ATTR_CAPS, (uintptr_t)&caps))
		violation(z, "the stream limit: no capabilities");
	else if (fd != -ENOSPC || n != caps.max_migs - 1)
		violation(z, "the stream limit: errno %d after %u streams (max_migs %u)", -fd, n,
			  caps.max_migs);
	else
		z->f->enospc++;
	if (n && fd == -ENOSPC) {
		close(fds[--n]);
		fd = mig_stream_create(vm);
		z->f->calls++;
		if (fd < 0)
			violation(z, "the stream limit: one closed, none opens (%d)", fd);
		else
			fds[n++] = fd;
	}
	for (k = 0; k < n; k++)
		close(fds[k]);
	close(vm);
out:
	signals_hold(z, false);
	free(fds);
}

/*
 * The MigTD's guest-side service calls. One emulated MigTD per run (made at
 * the first draw), and one user TD bound to it (by this process's pid, the
 * MigTD's VMM), apart from the victim and the clean pair. Its shared memory:
 * pages MT_CMD to MT_XFER for the legal calls, MT_JUNK and up for junk.
 */
#define MT_CMD		(0 * MIG_PAGE_SIZE)
#define MT_RSP		(1 * MIG_PAGE_SIZE)
/* migtd_report(), slot 0, uses pages 2 and 3. */
#define MT_RAW		(4 * MIG_PAGE_SIZE)
#define MT_XFER		(5 * MIG_PAGE_SIZE)
#define MT_JUNK		16
#define MT_PAGES	MIGTD_SHARED_PAGES
#define MT_MTU		0x10000ULL
#define MT_RAW_HDR	12
#define MT_RAW_INFO	56
#define MT_RAW_VECTOR	0x52
#define MT_RAW_LEAF(n)	((uint64_t)(n) | 1 << 16)
#define MT_TDCALL_VMCALL 0
/* RCX of a VMCALL: RBX, RDI and R10-R15 shared with the host. */
#define MT_VMCALL_GPRS	((1 << 3) | (1 << 7) | 0xfc00)
/* A halted WaitForRequest is ended (by a signal) within this. */
#define MT_HALT_MS	10000

static const uint8_t mt_wait_cmd[4] = { 0, 1, 0, 0 };

/* A user TD bound to the fuzzer's MigTD; -errno. */
static int migtd_user_new(struct fuzz *z)
{
	int ret;

	if (z->mt_user >= 0)
		close(z->mt_user);
	/* A destination: a source is bound only while it is built. */
	z->mt_user = tb_create_td(FZ_BYTES, 1, true, 0);
	if (z->mt_user < 0)
		return z->mt_user;
	ret = vm_servtd_bind(z->mt_user, getpid(), 0, NULL);
	if (ret)
		return ret;
	z->mt_req_id = 0;
	return 0;
}

/* The MigTD and its user TD, made once per run: 0, or -errno. */
static int migtd_ready(struct fuzz *z)
{
	int ret;

	if (z->mt_broken)
		return -ENODEV;
	if (z->mt_on)
		return 0;
	ret = migtd_init(&z->mt);
	if (!ret) {
		z->mt_on = true;
		ret = migtd_user_new(z);
	}
	if (ret) {
		violation(z, "the MigTD and its user TD could not be made: %s", strerror(-ret));
		z->mt_broken = true;
	}
	return ret;
}

static void migtd_close(struct fuzz *z)
{
	if (z->mt_user >= 0)
		close(z->mt_user);
	z->mt_user = -1;
	if (z->mt_on)
		migtd_fini(&z->mt);
	z->mt_on = false;
}

/* Posted interrupts nobody took (junk calls with a vector): gone. */
static void migtd_drain(struct fuzz *z)
{
	unsigned int i;

	for (i = 0; i < 256 && tb_wait_intr(z->mt.vm, 1) >= 0; i++)
		;
}

/* Wait (bounded) for @vector, taking the others posted before it. */
static bool migtd_intr(struct fuzz *z, int vector)
{
	unsigned int i;

	for (i = 0; i < 256; i++) {
		int v = tb_wait_intr(z->mt.vm, 1000);

		if (v == vector)
			return true;
		if (v < 0 && v != -EINTR)
			return false;
	}
	return false;
}

/* A TDG.VP.VMCALL as the guest makes it: 0 or -errno; @gpr out. */
static int migtd_vmcall_raw(struct fuzz *z, uint64_t gpr[16], struct tdx_mig_emu_run *run)
{
	z->f->calls++;
	return migtd_tdcall(&z->mt, MT_TDCALL_VMCALL, gpr, run);
}

/* A vmcall-raw call, counted: R10 out, or ~0 if the TDCALL itself failed. */
static uint64_t mt_raw(struct fuzz *z, uint64_t leaf, uint64_t r13, uint64_t r14, uint64_t r15,
		       uint64_t rbx, uint64_t rdi, struct tdx_mig_emu_run *run)
{
	z->f->calls++;
	return migtd_raw(&z->mt, leaf, r13, r14, r15, rbx, rdi, run);
}

/* A call of the halting kind, made by a thread of the MigTD. */
struct mt_halt {
	struct fuzz *z;
	uint64_t gpr[16];
	int ret;
	bool done;		/* __atomic */
};

static void *migtd_halt_fn(void *arg)
{
	struct mt_halt *h = arg;

	h->ret = migtd_tdcall(&h->z->mt, MT_TDCALL_VMCALL, h->gpr, NULL);
	__atomic_store_n(&h->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * A legacy service call with no vector, which may halt the vCPU (a
 * WaitForRequest with no user TD waiting: NOOP, then the halt). Another
 * thread makes it; once its response is written (the halt comes right
 * after), it gets SIGALRM, which ends the halt as an interrupt would. A
 * call not expected to halt that has not returned after MT_HALT_MS is a
 * violation, and gets the signal too. 0, or -errno.
 */
static int migtd_bounded(struct fuzz *z, uint64_t gpr[16], uint64_t rsp_off, bool rsp_seen,
			 bool halts)
{
	struct mt_halt h = { .z = z };
	double end = mig_now_ms() + MT_HALT_MS;
	bool signalled = false;
	pthread_t thread;
	int ret;

	memcpy(h.gpr, gpr, sizeof(h.gpr));
	z->f->calls++;
	ret = pthread_create(&thread, NULL, migtd_halt_fn, &h);
	if (ret)
		return -ret;
	while (!__atomic_load_n(&h.done, __ATOMIC_ACQUIRE)) {
		bool answered = rsp_seen && migtd_rsp_status(&z->mt, rsp_off) != SERVICE_PENDING;

		if ((halts && answered) || mig_now_ms() >= end) {
			if (!halts && !signalled)
				violation(z, "%s: no return after %u ms", z->last, MT_HALT_MS);
			if (!signalled || mig_now_ms() >= end) {
				pthread_kill(thread, SIGALRM);
				end = mig_now_ms() + MT_HALT_MS;
			}
			signalled = true;
		}
		usleep(1000);
	}
	pthread_join(thread, NULL);
	if (halts && signalled)
		z->f->migtd_halts++;
	else if (halts)
		violation(z, "%s: returned without halting", z->last);
	memcpy(gpr, h.gpr, sizeof(h.gpr));
	return h.ret;
}

/* A buffer's GPA: in the junk pages of kind @kind (0-2), or a bad one. */
static uint64_t migtd_junk_gpa(struct fuzz *z, unsigned int kind)
{
	uint64_t off = (MT_JUNK + kind * 16 + below(z, 16)) * MIG_PAGE_SIZE;
	static const uint64_t skew[] = { 1, 8, 24, 0x800 };

	switch (z->mt_clean ? 12 : below(z, 12)) {
	case 0:
		return migtd_gpa(off) + skew[below(z, ARRAY_SIZE(skew))];
	case 1:
		return below(z, 2) ? off : 0;		/* private */
	case 2:
		return migtd_gpa((MT_PAGES + below(z, 4)) * MIG_PAGE_SIZE);
	case 3:
		return below(z, 2) ? ~0xfffULL : migtd_gpa(0) - MIG_PAGE_SIZE;
	case 4:
		return migtd_gpa((MT_PAGES - 1) * MIG_PAGE_SIZE);	/* the last page */
	default:
		return migtd_gpa(off);
	}
}

/* A buffer length: its own @natural, or an edge. */
static uint64_t migtd_junk_len(struct fuzz *z, uint64_t natural)
{
	static const uint64_t edges[] = {
		0, 1, 11, 12, 23, 24, 27, 28, 64, 67, 68, MIG_PAGE_SIZE - 1, MIG_PAGE_SIZE,
		MIG_PAGE_SIZE + 1, 3 * MIG_PAGE_SIZE, MT_MTU, MT_MTU + 1, 0xffffffffULL,
		(1ULL << 32) + MIG_PAGE_SIZE, ~0ULL,
	};

	if (z->mt_clean || below(z, 2))
		return natural;
	if (!below(z, 8))
		return below(z, 0x20000);
	return edges[below(z, ARRAY_SIZE(edges))];
}

static uint64_t migtd_junk_vector(struct fuzz *z)
{
	static const uint64_t v[] = { 1, 15, 16, 31, 32, 255, 256, (1ULL << 32) | MIGTD_VECTOR };

	switch (below(z, 4)) {
	case 0:
		return 0;
	case 1:
		return MIGTD_VECTOR;
	default:
		return z->mt_clean ? 32 + below(z, 224) : v[below(z, ARRAY_SIZE(v))];
	}
}

static bool mt_vector_ok(uint64_t v)
{
	return !v || (v >= 32 && v <= 255);
}

/* @len bytes at @gpa, 4 KiB aligned, all in the MigTD's shared memory. */
static bool mt_buf_ok(uint64_t gpa, uint64_t len, uint64_t min)
{
	uint64_t base = migtd_gpa(0);

	return !(gpa & 0xfff) && len >= min && len <= MT_MTU && gpa >= base &&
	       gpa - base + len <= MT_PAGES * MIG_PAGE_SIZE;
}

/* The shared-memory offset of @gpa if its @len bytes are in it, else -1. */
static int64_t mt_off(uint64_t gpa, uint64_t len)
{
	uint64_t base = migtd_gpa(0);

	if (gpa < base || gpa - base + len > MT_PAGES * MIG_PAGE_SIZE)
		return -1;
	return gpa - base;
}

/* A request id: the user TD's (@cur when in progress), or another. */
static uint64_t migtd_junk_id(struct fuzz *z, uint64_t cur, bool *is_cur)
{
	uint64_t id = z->mt_req_id;

	switch (below(z, 8)) {
	case 0:
		id += 1;
		break;
	case 1:
		id += 32;
		break;
	case 2:
		id %= 32;
		break;
	case 3:
		id = below(z, 2) ? ~0ULL : 1ULL << 40;
		break;
	case 4:
		id = z->mt_old_id;		/* an earlier binding's */
		break;
	case 5:
		id = rnd(z);
		break;
	}
	*is_cur = cur && id == cur;
	return id;
}

/*
 * One junk service call, judged by Documentation/migtd.rst. With @cur a
 * request id in progress: a call naming it is made malformed, so that
 * none succeeds and the request stays.
 */
static void migtd_junk(struct fuzz *z, uint64_t cur)
{
	struct tdx_mig_emu_run run = {};
	uint64_t gpr[16] = {}, want_r10 = 0;
	uint32_t want_status = SERVICE_PENDING;
	bool legacy = below(z, 2), is_cur = false, halts = false, rsp_seen = false;
	int64_t rsp_off = -1;
	char what[240];
	int ret;

	z->f->junk_calls++;
	z->f->migtd_calls++;
	/* One call in three has good buffers and vector: its command is judged. */
	z->mt_clean = !below(z, 3);
	gpr[R_RCX] = MT_VMCALL_GPRS;
	if (legacy) {
		uint64_t cmd_gpa = migtd_junk_gpa(z, 0), rsp_gpa = migtd_junk_gpa(z, 1);
		uint64_t vector = migtd_junk_vector(z);
		unsigned int g = below(z, 8);
		uint8_t guid[16], body[40] = {};
		uint32_t natural = 4, cmd_len, rsp_len;
		int64_t cmd_off;
		uint64_t id;

		if ((cmd_gpa ^ rsp_gpa) < MIG_PAGE_SIZE)	/* not one page for both */
			rsp_gpa -= MIG_PAGE_SIZE;
		memcpy(guid, g < 3 ? migtd_guid_query : migtd_guid_migtd, 16);
		if (g == 7) {
			guid[below(z, 16)] ^= 1 << below(z, 8);
		} else if (g < 3) {
			/* Query: {version, command, reserved, GUID asked about} */
			natural = 20;
			memcpy(body + 4, below(z, 2) ? migtd_guid_migtd : migtd_guid_query, 16);
			if (!below(z, 4))
				body[4 + below(z, 16)] ^= 0x80;
			if (!below(z, 8))
				body[below(z, 2)] = 1 + below(z, 255);
		} else {
			static const uint8_t commands[] = { 1, 1, 1, 2, 2, 2, 0, 3, 9, 0xff };
			static const uint8_t results[] = { 0, 0, 0, 1, 7, 12, 13, 0xfe, 0xff };

			body[1] = commands[below(z, ARRAY_SIZE(commands))];
			body[2] = below(z, 8) ? 1 : below(z, 4);
			body[3] = results[below(z, ARRAY_SIZE(results))];
			if (!below(z, 8))
				body[0] = 1 + below(z, 255);
			if (body[1] == 2) {
				natural = 12;
				id = migtd_junk_id(z, cur, &is_cur);
				memcpy(body + 4, &id, 8);
				if (is_cur)	/* a result MigTD does not know */
					body[3] = 13 + below(z, 0xf2);
			}
		}
		cmd_len = migtd_junk_len(z, sizeof(struct migtd_service_hdr) + natural);
		rsp_len = migtd_junk_len(z, MIG_PAGE_SIZE);
		cmd_off = mt_off(cmd_gpa, sizeof(struct migtd_service_hdr));
		rsp_off = mt_off(rsp_gpa, sizeof(struct migtd_service_hdr));
		if (cmd_off >= 0) {
			struct migtd_service_hdr *ch;

			if (cmd_off + 24 + natural > MT_PAGES * MIG_PAGE_SIZE)
				natural = 0;
			migtd_put_cmd(&z->mt, cmd_off, guid, body, natural);
			ch = (struct migtd_service_hdr *)(z->mt.shared + cmd_off);
			ch->length = cmd_len;
		}
		if (rsp_off >= 0) {
			migtd_put_rsp(&z->mt, rsp_off, rsp_len);
			rsp_seen = true;
		}
		gpr[R_R11] = VMCALL_SERVICE;
		gpr[R_R12] = cmd_gpa;
		gpr[R_R13] = rsp_gpa;
		gpr[R_R14] = vector;
		gpr[R_R15] = rnd(z);
		snprintf(what, sizeof(what),
			 "Service: cmd %#llx len %u guid %s [%u %u %u %u] rsp %#llx len %u vector %#llx",
			 (unsigned long long)cmd_gpa, cmd_len,
			 g < 3 ? "query" : g < 7 ? "migtd" : "other", body[0], body[1], body[2],
			 body[3], (unsigned long long)rsp_gpa, rsp_len,
			 (unsigned long long)vector);
		if (!mt_buf_ok(cmd_gpa, cmd_len, 24) || !mt_buf_ok(rsp_gpa, rsp_len, 24) ||
		    !mt_vector_ok(vector)) {
			want_r10 = VMCALL_INVALID_OPERAND;
		} else if (g == 7) {
			want_status = SERVICE_UNSUPPORTED;
		} else if (g < 3) {
			want_status = cmd_len != 44 || body[0] || body[1] ? SERVICE_BAD_CMD_BUF :
				      rsp_len < 44 ? SERVICE_OUT_OF_RES : SERVICE_RETURNED;
		} else if (cmd_len < 28 || body[0]) {
			want_status = SERVICE_BAD_CMD_BUF;
		} else if (body[1] == 1 && cmd_len == 28) {
			/* No user TD waits: armed with a vector; NOOP and a halt without. */
			halts = !vector;
			want_status = vector ? SERVICE_PENDING : rsp_len < 28 ? SERVICE_OUT_OF_RES :
				      SERVICE_RETURNED;
		} else {
			want_status = body[1] == 0 ? SERVICE_UNSUPPORTED : SERVICE_BAD_CMD_BUF;
		}
	} else {
		static const unsigned int leaves[] = { 1, 1, 1, 2, 2, 3, 3, 4, 4, 0, 5, 9, 0xffff };
		unsigned int leaf = leaves[below(z, ARRAY_SIZE(leaves))];
		uint64_t r12 = MT_RAW_LEAF(leaf), id, len, gpa, vector, word = 0;

		if (!below(z, 10))
			r12 = below(z, 2) ? (r12 & 0xffff) | (uint64_t)below(z, 256) << 16 :
					    r12 | 1ULL << (24 + below(z, 40));
		gpa = migtd_junk_gpa(z, 2);
		len = migtd_junk_len(z, MIG_PAGE_SIZE);
		vector = migtd_junk_vector(z);
		id = migtd_junk_id(z, cur, &is_cur);
		gpr[R_R11] = VMCALL_MIGTD;
		gpr[R_R12] = r12;
		rsp_off = mt_off(gpa, MT_RAW_HDR);
		if (rsp_off >= 0)
			memset(z->mt.shared + rsp_off, 0, MT_RAW_HDR);
		if (leaf == 1) {
			gpr[R_R13] = len;
			gpr[R_R14] = gpa;
			gpr[R_R15] = vector;
		} else if (leaf == 2) {
			/* {u8 failed, u8 result}: 0 or 1, a known result, nothing above. */
			word = below(z, 4) ? below(z, 2) | (uint64_t)below(z, 14) << 8 : rnd(z);
			if (is_cur)
				word |= below(z, 2) ? 1ULL << (16 + below(z, 48)) : 13 << 8;
			gpr[R_R13] = id;
			gpr[R_R14] = word;
			gpr[R_R15] = len;
			gpr[R_RBX] = gpa;
			gpr[R_RDI] = vector;
		} else {
			if (is_cur)	/* an exception vector */
				vector = 1 + below(z, 31);
			gpr[R_R13] = id;
			gpr[R_R14] = len;
			gpr[R_R15] = gpa;
			gpr[R_RBX] = vector;
		}
		snprintf(what, sizeof(what),
			 "MigTD %#llx: id %#llx%s len %#llx buf %#llx vector %#llx word %#llx",
			 (unsigned long long)r12, (unsigned long long)id,
			 is_cur ? " (current)" : "",
			 (unsigned long long)len, (unsigned long long)gpa,
			 (unsigned long long)vector, (unsigned long long)word);
		/* Only a well-formed wait is served: no junk id names a request in progress. */
		want_r10 = r12 == MT_RAW_LEAF(1) && mt_vector_ok(vector) &&
			   mt_buf_ok(gpa, len, MT_RAW_HDR + MT_RAW_INFO) ? 0 :
			   VMCALL_INVALID_OPERAND;
	}
	/* Now and then not a standard call, or another sub-function. */
	if (!below(z, 32)) {
		gpr[R_R10] = 1 + below(z, 4);
		want_r10 = VMCALL_INVALID_OPERAND;
	} else if (!below(z, 32)) {
		/* Not one of the two sub-functions the MigTD's host serves. */
		gpr[R_R11] = 0x10000 + below(z, 0x100);
		if (gpr[R_R11] == VMCALL_SERVICE || gpr[R_R11] == VMCALL_MIGTD)
			gpr[R_R11] = 0x10099;
		want_r10 = VMCALL_INVALID_OPERAND;
	}
	if (want_r10)
		halts = false;
	snprintf(z->last_mt, sizeof(z->last_mt), "%s%s R10 %#llx R11 %#llx", what,
		 cur ? " (a request in progress)" : "", (unsigned long long)gpr[R_R10],
		 (unsigned long long)gpr[R_R11]);
	z->last = z->last_mt;
	if (legacy && !gpr[R_R14])
		ret = migtd_bounded(z, gpr, rsp_off, rsp_seen, halts);
	else
		ret = migtd_vmcall_raw(z, gpr, &run);
	if (ret || gpr[R_RAX]) {
		violation(z, "%s: the TDCALL failed (%d, RAX %#llx)", z->last, ret,
			  (unsigned long long)gpr[R_RAX]);
		return;
	}
	if (gpr[R_R10] != want_r10) {
		violation(z, "%s: R10 %#llx, documented %#llx", z->last,
			  (unsigned long long)gpr[R_R10], (unsigned long long)want_r10);
		return;
	}
	if (run.exit_reason == TDX_MIG_EMU_EXIT_VMCALL) {
		violation(z, "%s: relayed to the VMM", z->last);
		return;
	}
	if (want_r10) {
		z->f->migtd_refused++;
		/* Changed nothing: the buffers the MigTD left stay as they were. */
		if (legacy && rsp_seen && migtd_rsp_status(&z->mt, rsp_off) != SERVICE_PENDING)
			violation(z, "%s: refused, but the response was written", z->last);
		if (!legacy && rsp_off >= 0 && z->mt.shared[rsp_off])
			violation(z, "%s: refused, but the buffer was completed", z->last);
		return;
	}
	if (!legacy) {
		z->f->migtd_armed++;
		return;
	}
	if (migtd_rsp_status(&z->mt, rsp_off) != want_status) {
		violation(z, "%s: response status %#x, documented %#x", z->last,
			  migtd_rsp_status(&z->mt, rsp_off), want_status);
		return;
	}
	if (want_status == SERVICE_PENDING)
		z->f->migtd_armed++;
	else if (want_status != SERVICE_RETURNED)
		z->f->migtd_bad_cmd++;
}

/* Reset the user TD after a failed pre-migration: its request state is not known. */
static void migtd_fail(struct fuzz *z, const char *step, uint64_t got)
{
	violation(z, "MigTD pre-migration: %s (%#llx); last junk: %s", step,
		  (unsigned long long)got, z->last_mt);
	z->mt_old_id = z->mt_req_id;
	if (migtd_user_new(z)) {
		violation(z, "MigTD: no new user TD");
		z->mt_broken = true;
	}
}

/* The VMM relays a Send or Receive: the exit, its bytes, the vector. */
static bool migtd_relay(struct fuzz *z, unsigned int leaf, uint64_t id)
{
	struct tdx_mig_emu_run run = {};
	uint32_t len = 5;
	uint64_t r10;

	memset(z->mt.shared + MT_XFER, 0, 8);
	memcpy(z->mt.shared + MT_XFER + 8, &len, 4);
	memcpy(z->mt.shared + MT_XFER + 12, "hello", 5);
	r10 = mt_raw(z, MT_RAW_LEAF(leaf), id, MIG_PAGE_SIZE, migtd_gpa(MT_XFER), MT_RAW_VECTOR,
		     0, &run);
	if (r10 || run.exit_reason != TDX_MIG_EMU_EXIT_VMCALL || run.vmcall.r11 != VMCALL_MIGTD ||
	    run.vmcall.r12 != MT_RAW_LEAF(leaf) || run.vmcall.r13 != id ||
	    run.vmcall.r14 != MIG_PAGE_SIZE || run.vmcall.r15 != migtd_gpa(MT_XFER) ||
	    run.vmcall.rbx != MT_RAW_VECTOR) {
		migtd_fail(z, leaf == 3 ? "Send did not exit to the VMM" :
			   "Receive did not exit to the VMM", r10);
		return false;
	}
	z->mt.shared[MT_XFER] = 1;	/* data_status: done */
	z->f->calls++;
	if (tb_interrupt(z->mt.vm, MT_RAW_VECTOR) || !migtd_intr(z, MT_RAW_VECTOR)) {
		migtd_fail(z, "the relay's vector did not come", 0);
		return false;
	}
	return true;
}

/*
 * A pre-migration of the user TD, legal: WaitForRequest (legacy with a
 * vector, or vmcall-raw) armed, SET_MIGRATION_INFO, the answer; junk
 * calls naming it; Send and Receive relayed by the VMM; ReportStatus
 * (legacy or raw; now and then a failure), which premig_done must show.
 */
static void migtd_legal(struct fuzz *z)
{
	bool raw_wait = below(z, 3) == 0, is_src = below(z, 2), answered = false;
	uint32_t port = 1024 + below(z, 60000);
	uint8_t result = below(z, 6) ? 0 : 1 + below(z, 12);
	struct migtd_service_hdr *h;
	struct migtd_request req = {};
	unsigned int i, n;
	const char *why;
	uint64_t r10, got;
	int ret;

	z->f->legal_steps++;
	z->last = "a MigTD pre-migration";
	if (migtd_ready(z))
		return;
	h = (struct migtd_service_hdr *)(z->mt.shared + MT_RSP);
	migtd_drain(z);
	if (raw_wait) {
		memset(z->mt.shared + MT_RAW, 0, MT_RAW_HDR + MT_RAW_INFO);
		r10 = mt_raw(z, MT_RAW_LEAF(1), MIG_PAGE_SIZE, migtd_gpa(MT_RAW), MIGTD_VECTOR,
			     0, 0, NULL);
	} else {
		migtd_put_cmd(&z->mt, MT_CMD, migtd_guid_migtd, mt_wait_cmd, sizeof(mt_wait_cmd));
		migtd_put_rsp(&z->mt, MT_RSP, MIG_PAGE_SIZE);
		z->f->calls++;
		ret = migtd_service(&z->mt, MT_CMD, MT_RSP, MIGTD_VECTOR, &r10);
		if (ret)
			r10 = ~0ULL;
		else if (h->status != SERVICE_PENDING)
			r10 = 0x100000000ULL | h->status;
	}
	if (r10) {
		why = "WaitForRequest not armed";
		got = r10;
		goto fail;
	}
	z->f->calls++;
	ret = vm_set_migration_info(z->mt_user, is_src, port);
	if (ret) {
		why = "SET_MIGRATION_INFO failed";
		got = -ret;
		goto fail;
	}
	/* Written when the MigTD's vCPU runs next, and the vector posted. */
	for (i = 0; i < 100 && !answered; i++) {
		if (i)
			migtd_intr(z, MIGTD_VECTOR);
		else
			migtd_poll(&z->mt);
		answered = raw_wait ? z->mt.shared[MT_RAW] != 0 : h->status != SERVICE_PENDING;
	}
	if (!answered) {
		why = "WaitForRequest never answered";
		got = 0;
		goto fail;
	}
	if (raw_wait) {
		uint64_t status;
		uint32_t len;

		memcpy(&status, z->mt.shared + MT_RAW, 8);
		memcpy(&len, z->mt.shared + MT_RAW + 8, 4);
		memcpy(&req.req_id, z->mt.shared + MT_RAW + 12, 8);
		req.source = z->mt.shared[MT_RAW + 20];
		req.port = port;
		if (status != 0x101 || len != MT_RAW_INFO) {
			why = "a bad raw WaitForRequest answer";
			got = status;
			goto fail;
		}
	} else {
		const uint8_t *data = (const uint8_t *)(h + 1);

		if (h->status != SERVICE_RETURNED || h->length < sizeof(*h) + 4 ||
		    h->length > MIG_PAGE_SIZE || data[1] != 1 || data[2] != 1 ||
		    migtd_parse_hobs(data + 4, h->length - sizeof(*h) - 4, &req)) {
			why = "a bad WaitForRequest answer";
			got = h->status;
			goto fail;
		}
	}
	if (req.source != is_src || req.port != port) {
		why = "the answer is not the request";
		got = req.port;
		goto fail;
	}
	z->mt_req_id = req.req_id;
	/* Junk that names the request (made malformed) or others; it stays. */
	n = below(z, 4);
	for (i = 0; i < n; i++)
		migtd_junk(z, req.req_id);
	if (below(z, 2)) {
		if (!migtd_relay(z, 3, req.req_id) || !migtd_relay(z, 4, req.req_id))
			return;
		z->f->migtd_send_receive++;
	}
	if (below(z, 2)) {
		memset(z->mt.shared + MT_RAW, 0, MT_RAW_HDR);
		r10 = mt_raw(z, MT_RAW_LEAF(2), req.req_id, result ? 1 | result << 8 : 0,
			     MIG_PAGE_SIZE, migtd_gpa(MT_RAW), 0, NULL);
		if (r10 || z->mt.shared[MT_RAW] != 1) {
			why = "raw ReportStatus failed";
			got = r10;
			goto fail;
		}
	} else {
		z->f->calls++;
		ret = migtd_report(&z->mt, 0, req.req_id, result);
		if (ret != SERVICE_RETURNED) {
			why = "ReportStatus failed";
			got = ret;
			goto fail;
		}
	}
	z->f->calls++;
	ret = vm_premig_done(z->mt_user);
	if (ret != !result) {
		why = "premig_done is not the report";
		got = ret;
		goto fail;
	}
	/* The request is over: its id is unknown now. */
	z->f->calls++;
	ret = migtd_report(&z->mt, 0, req.req_id, 0);
	if (ret != SERVICE_BAD_CMD_BUF) {
		why = "a second report was taken";
		got = ret;
		goto fail;
	}
	if (result)
		z->f->migtd_failed_reports++;
	else
		z->f->migtd_answered++;
	return;
fail:
	migtd_fail(z, why, got);
}

/* A MigTD draw: mostly junk service calls, now and then a pre-migration. */
static void migtd_draw(struct fuzz *z, bool legal)
{
	signals_hold(z, true);
	if (legal)
		migtd_legal(z);
	else if (!migtd_ready(z))
		migtd_junk(z, 0);
	signals_hold(z, false);
}

static int pointers_init(struct fuzz *z)
{
	char *p = mmap(NULL, 3 * MIG_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	/*
	 * Page 0 usable, page 1 inaccessible, page 2 read-only. Page 1 stays
	 * mapped (PROT_NONE): an unmapped hole would soon hold another mmap.
	 */
	if (mprotect(p + MIG_PAGE_SIZE, MIG_PAGE_SIZE, PROT_NONE) ||
	    mprotect(p + 2 * MIG_PAGE_SIZE, MIG_PAGE_SIZE, PROT_READ))
		return -errno;
	z->edge = p + MIG_PAGE_SIZE - 4;
	z->hole = p + MIG_PAGE_SIZE;
	z->ro = p + 2 * MIG_PAGE_SIZE;
	return 0;
}

/* The kind of the next draw. */
static enum fuzz_kind draw_kind(struct fuzz *z)
{
	if (!z->open || below(z, 100) < LEGAL_PCT)
		return FUZZ_K_LEGAL;
	switch (below(z, 64)) {
	case 0 ... 34:
		return FUZZ_K_JUNK_CMD;
	case 35:
		return FUZZ_K_CLOSE_VM;
	case 36 ... 39:
		return FUZZ_K_MIGTD;
	case 40 ... 47:
		return FUZZ_K_GARBAGE;
	case 48 ... 51:
		return FUZZ_K_MMAP;
	case 52 ... 57:
		return FUZZ_K_ATTR;
	case 58 ... 61:
		return FUZZ_K_REOPEN;
	case 62:
		return FUZZ_NR_KINDS;		/* a signal window opens */
	default:
		return FUZZ_K_THREADS;
	}
}

/* One call or step, drawn, and its time accounted. */
static void fuzz_one(struct fuzz *z)
{
	enum fuzz_kind k = draw_kind(z);
	double t0 = mig_now_ms();

	switch (k) {
	case FUZZ_K_LEGAL:
		legal_step(z);
		break;
	case FUZZ_K_JUNK_CMD:
		junk_cmd(z);
		break;
	case FUZZ_K_MIGTD:
		/* One MigTD draw in four a pre-migration, the rest junk. */
		migtd_draw(z, !below(z, 4));
		break;
	case FUZZ_K_GARBAGE:
		junk_garbage(z);
		break;
	case FUZZ_K_MMAP:
		junk_mmap(z);
		break;
	case FUZZ_K_CLOSE_VM:
		junk_close_vm(z);
		break;
	case FUZZ_K_ATTR:
		junk_attr(z);
		break;
	case FUZZ_K_REOPEN:
		junk_reopen(z, false);
		break;
	case FUZZ_K_THREADS:
		thread_window(z);
		break;
	default:
		signal_window(z);
		return;
	}
	z->f->kind_ms[k] += mig_now_ms() - t0;
	z->f->kind_draws[k]++;
}

/* The clean pair and the stream limit, timed like the draws. */
static int fuzz_timed(struct fuzz *z, enum fuzz_kind k)
{
	double t0 = mig_now_ms();
	int ret = 0;

	if (k == FUZZ_K_CLEAN)
		ret = clean_migration(z);
	else
		stream_limit(z);
	z->f->kind_ms[k] += mig_now_ms() - t0;
	z->f->kind_draws[k]++;
	return ret;
}

int fuzz_run(const struct fuzz_opts *o, struct fuzz_figures *f)
{
	struct fuzz z = { .o = o, .f = f, .rng = o->seed * 2 + 1, .last = "setup" };
	double start = mig_now_ms(), end = o->seconds ? start + o->seconds * 1000.0 : 0;
	struct sigaction sa = { .sa_handler = on_alarm }, old_sa;
	struct sigaction bus = { .sa_handler = on_sigbus }, old_bus;
	uint64_t since_clean = 0, next_limit = 0;
	int ret;

	memset(f, 0, sizeof(*f));
	z.side[0].vm = -1;
	z.side[1].vm = -1;
	z.mt_user = -1;
	/* No SA_RESTART: an interrupted call returns EINTR. */
	if (sigaction(SIGALRM, &sa, &old_sa))
		return -errno;
	if (sigaction(SIGBUS, &bus, &old_bus)) {
		sigaction(SIGALRM, &old_sa, NULL);
		return -errno;
	}
	ret = tb_open() ?: pointers_init(&z) ?: victim_new(&z);
	if (ret) {
		printf("# fuzz: setup failed: %s\n", strerror(-ret));
		victim_close(&z);
		sigaction(SIGALRM, &old_sa, NULL);
		sigaction(SIGBUS, &old_bus, NULL);
		return ret;
	}
	ret = clean_migration(&z);
	while (!ret) {
		if (o->calls && f->calls >= o->calls)
			break;
		if (end && mig_now_ms() >= end)
			break;
		if (z.signal_until && f->calls >= z.signal_until)
			signal_window_end(&z);
		if (++since_clean >= CLEAN_EVERY) {
			since_clean = 0;
			fuzz_timed(&z, FUZZ_K_CLEAN);
		}
		if (f->calls >= next_limit) {
			next_limit = f->calls + LIMIT_EVERY;
			fuzz_timed(&z, FUZZ_K_LIMIT);
		}
		fuzz_one(&z);
	}
	if (z.signal_until)
		signal_window_end(&z);
	if (!ret)
		ret = clean_migration(&z);
	victim_close(&z);
	migtd_close(&z);
	sigaction(SIGALRM, &old_sa, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	f->seconds = (mig_now_ms() - start) / 1000;
	if (!o->quiet)
		fuzz_print(o, f);
	if (ret && !f->violations)
		return ret;
	if (!f->violations && o->require_goals && fuzz_goals_missed(f, false))
		return 1;
	return f->violations ? 1 : 0;
}

/* What a run must reach: each OP_STATE with junk in it, and the rare paths. */
unsigned int fuzz_goals_missed(const struct fuzz_figures *f, bool print)
{
	static const enum fz_state src_states[] = {
		FZ_RUNNABLE, FZ_LIVE_EXPORT, FZ_PAUSED_EXPORT, FZ_POST_EXPORT,
	};
	static const enum fz_state dst_states[] = {
		FZ_UNINITIALIZED, FZ_MEMORY_IMPORT, FZ_STATE_IMPORT, FZ_POST_IMPORT,
		FZ_LIVE_IMPORT, FZ_FAILED_IMPORT,
	};
	const struct { const char *name; uint64_t n; } paths[] = {
		{ "post-copy pages imported in LIVE_IMPORT", f->postcopy_bundles },
		{ "abort after the start token", f->aborts_after_start },
		{ "a chained migration", f->chained },
		{ "a busy resumption (EBUSY beside a pending call)", f->busy_resumptions },
		{ "threads met on a stream (EBUSY)", f->thread_busy },
		{ "the stream limit (ENOSPC)", f->enospc },
		{ "a victim compared equal", f->victim_compared },
		{ "a MigTD request answered successfully", f->migtd_answered },
		{ "MigTD Send/Receive exits relayed", f->migtd_send_receive },
	};
	unsigned int i, missed = 0;

	if (print)
		printf("# fuzz: reached (junk calls per state, or times):\n");
	for (i = 0; i < ARRAY_SIZE(src_states); i++) {
		missed += !f->states[0][src_states[i]];
		if (print)
			printf("#   source %-15s %8llu%s\n", state_names[src_states[i]],
			       (unsigned long long)f->states[0][src_states[i]],
			       f->states[0][src_states[i]] ? "" : "  NOT REACHED");
	}
	for (i = 0; i < ARRAY_SIZE(dst_states); i++) {
		missed += !f->states[1][dst_states[i]];
		if (print)
			printf("#   destination %-10s %8llu%s\n", state_names[dst_states[i]],
			       (unsigned long long)f->states[1][dst_states[i]],
			       f->states[1][dst_states[i]] ? "" : "  NOT REACHED");
	}
	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		missed += !paths[i].n;
		if (print)
			printf("#   %-47s %8llu%s\n", paths[i].name, (unsigned long long)paths[i].n,
			       paths[i].n ? "" : "  NOT REACHED");
	}
	return missed;
}

static const char * const kind_names[FUZZ_NR_KINDS] = {
	[FUZZ_K_LEGAL] = "legal steps",
	[FUZZ_K_JUNK_CMD] = "junk commands",
	[FUZZ_K_MIGTD] = "MigTD service calls",
	[FUZZ_K_GARBAGE] = "garbage into mapped pages",
	[FUZZ_K_MMAP] = "mappings at random offsets",
	[FUZZ_K_CLOSE_VM] = "VM fds closed mid-migration",
	[FUZZ_K_ATTR] = "device attributes",
	[FUZZ_K_REOPEN] = "stream re-opens",
	[FUZZ_K_THREADS] = "thread windows",
	[FUZZ_K_CLEAN] = "clean pair migrations",
	[FUZZ_K_LIMIT] = "stream limit probes",
	[FUZZ_K_NEW_TDS] = "(of them, victim TDs made)",
};

void fuzz_print(const struct fuzz_opts *o, const struct fuzz_figures *f)
{
	unsigned int i, j;

	printf("# fuzz: seed %llu: %llu calls in %.0f s, %llu violations\n",
	       (unsigned long long)o->seed, (unsigned long long)f->calls, f->seconds,
	       (unsigned long long)f->violations);
	printf("# fuzz: calls: %llu in %llu legal steps, %llu junk, %llu from threads, %s\n",
	       (unsigned long long)f->legal_calls, (unsigned long long)f->legal_steps,
	       (unsigned long long)f->junk_calls, (unsigned long long)f->thread_calls,
	       "the rest probes (stream limit, resumptions, MigTD)");
	printf("# fuzz: clean pair: %llu migrations compared equal\n",
	       (unsigned long long)f->clean_migrations);
	printf("# fuzz: victim: %llu completed (%llu undisturbed and compared equal,",
	       (unsigned long long)f->victim_completed, (unsigned long long)f->victim_compared);
	printf(" %llu chained), %llu post-copy bundles, %llu aborts after the start token,",
	       (unsigned long long)f->chained, (unsigned long long)f->postcopy_bundles,
	       (unsigned long long)f->aborts_after_start);
	printf(" %llu new pairs, %llu aborts\n", (unsigned long long)f->victim_resets,
	       (unsigned long long)f->aborts);
	printf("# fuzz: garbage writes %llu (and %llu during a round's calls), %s %llu,",
	       (unsigned long long)f->garbage_writes, (unsigned long long)f->garbage_during_calls,
	       "stream re-opens", (unsigned long long)f->reopens);
	printf(" streams never negotiated %llu\n", (unsigned long long)f->raw_streams);
	printf("# fuzz: stream re-opens under other threads' calls %llu\n",
	       (unsigned long long)f->reopens_mid_call);
	printf("# fuzz: mappings at random offsets %llu: %llu pages touched, %s %llu\n",
	       (unsigned long long)f->mmaps, (unsigned long long)f->mmap_touches,
	       "SIGBUS where due", (unsigned long long)f->mmap_sigbus);
	printf("# fuzz: VM fds closed mid-migration %llu (%llu during a round)\n",
	       (unsigned long long)f->vm_closes, (unsigned long long)f->vm_closes_mid_round);
	printf("# fuzz: signal windows %llu: junk calls left pending by EINTR %llu, ",
	       (unsigned long long)f->signal_windows, (unsigned long long)f->junk_eintr);
	printf("another call beside them EBUSY %llu, resumed to completion %llu\n",
	       (unsigned long long)f->busy_resumptions, (unsigned long long)f->resumed);
	printf("# fuzz: thread windows %llu (%u threads, %llu beside a round):",
	       (unsigned long long)f->thread_windows, THREADS,
	       (unsigned long long)f->thread_rounds);
	printf(" %llu calls, %llu EBUSY\n", (unsigned long long)f->thread_calls,
	       (unsigned long long)f->thread_busy);
	printf("# fuzz: stream limit probed %llu times, ENOSPC where due %llu\n",
	       (unsigned long long)f->limit_probes, (unsigned long long)f->enospc);
	printf("# fuzz: MigTD: %llu junk service calls (%llu refused INVALID_OPERAND,",
	       (unsigned long long)f->migtd_calls, (unsigned long long)f->migtd_refused);
	printf(" %llu answered with an error status, %llu WaitForRequests armed,",
	       (unsigned long long)f->migtd_bad_cmd, (unsigned long long)f->migtd_armed);
	printf(" %llu halts ended by a signal); pre-migrations: %llu answered, %llu reported",
	       (unsigned long long)f->migtd_halts, (unsigned long long)f->migtd_answered,
	       (unsigned long long)f->migtd_failed_reports);
	printf(" failed; Send/Receive relayed %llu\n", (unsigned long long)f->migtd_send_receive);
	printf("# fuzz: time per kind of draw (ms in all, draws, ms per draw):\n");
	for (i = 0; i < FUZZ_NR_KINDS; i++) {
		printf("#   %-34s %9.0f %7llu %8.2f\n", kind_names[i], f->kind_ms[i],
		       (unsigned long long)f->kind_draws[i],
		       f->kind_draws[i] ? f->kind_ms[i] / f->kind_draws[i] : 0.0);
	}
	printf("# fuzz: commands (id: calls / succeeded):\n");
	for (i = 0; i <= FUZZ_MAX_ID; i++) {
		if (!f->cmd_calls[i])
			continue;
		printf("#   %3u %-22s %8llu / %llu\n", i,
		       i == FUZZ_MAX_ID ? "(ids past 71)" : i < FUZZ_MAX_ID && cmds[i].name ?
		       cmds[i].name : "(unknown)",
		       (unsigned long long)f->cmd_calls[i], (unsigned long long)f->cmd_ok[i]);
	}
	printf("# fuzz: errnos seen:");
	for (i = 0; i < FUZZ_MAX_ERRNO; i++) {
		if (f->errnos[i])
			printf(" %s=%llu", i ? strerrorname_np(i) ?: "?" : "(other)",
			       (unsigned long long)f->errnos[i]);
	}
	printf("\n# fuzz: junk calls per mirrored OP_STATE:\n");
	for (j = 0; j < 2; j++) {
		printf("#   %s:", j ? "destination" : "source");
		for (i = 0; i < FZ_NR_STATES; i++) {
			if (f->states[j][i])
				printf(" %s=%llu", state_names[i],
				       (unsigned long long)f->states[j][i]);
		}
		printf("\n");
	}
	fuzz_goals_missed(f, true);
	fflush(stdout);
}
