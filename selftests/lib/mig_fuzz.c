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
 * Single-threaded: the same seed makes the same calls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "guest_writer.h"
#include "mig_fuzz.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define FZ_BYTES	(2UL << 20)
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
	/* pointers that must fault, and a page the kernel may only read */
	void *hole;			/* PROT_NONE */
	void *ro;			/* PROT_READ */
	char *edge;			/* the last 4 bytes before it */
	const char *last;		/* what the last call was, for a violation */
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

/* The victim. */

static void victim_close(struct fuzz *z)
{
	unsigned int i;

	if (z->open)
		mig_close(&z->m);
	z->open = false;
	for (i = 0; i < 2; i++) {
		if (z->side[i].vm >= 0)
			close(z->side[i].vm);
		z->side[i].vm = -1;
	}
}

/* A destination (new, or for the same source after an abort) and the streams. */
static int victim_open_dst(struct fuzz *z)
{
	int ret;

	z->side[1].vm = tb_create_td(FZ_BYTES, FZ_VCPUS, true, 0);
	if (z->side[1].vm < 0)
		return z->side[1].vm;
	ret = tb_exchange_keys(z->side[0].vm, z->side[1].vm);
	if (!ret)
		ret = tb_mig_open(&z->m, z->side[0].vm, z->side[1].vm, FZ_NPAGES, FZ_VCPUS,
				  FZ_STREAMS, FZ_BUF_PAGES);
	if (ret)
		return ret;
	z->open = true;
	z->m.min_rounds = 1;
	z->side[1].state = FZ_UNINITIALIZED;
	z->disturbed = false;
	z->live_started = false;
	z->vps_moved = 0;
	return 0;
}

static int victim_new(struct fuzz *z)
{
	victim_close(z);
	z->side[0].vm = tb_create_td(FZ_BYTES, FZ_VCPUS, false, 0);
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

/* The clean pair: a whole pre-copy migration, compared. */
static int clean_migration(struct fuzz *z)
{
	struct mig m;
	int src, dst, ret;

	ret = tb_create_pair(FZ_BYTES, FZ_VCPUS, &src, &dst);
	if (ret)
		return ret;
	ret = tb_mig_open(&m, src, dst, FZ_NPAGES, FZ_VCPUS, 1, FZ_BUF_PAGES);
	if (!ret) {
		m.min_rounds = 1;
		ret = mig_precopy(&m);
		if (!ret && td_compare(src, dst, FZ_BYTES, FZ_VCPUS, NULL))
			ret = -EBADMSG;
		mig_close(&m);
	}
	close(src);
	close(dst);
	if (ret)
		violation(z, "the clean pair's migration failed: %s", strerror(-ret));
	else
		z->f->clean_migrations++;
	return ret;
}

/*
 * One legal step of the victim's migration, in the order of uapi.rst:
 * start, rounds, pause, TD state, vCPU states, start token, import end;
 * sometimes an abort instead, then a new destination.
 */
static void legal_step(struct fuzz *z)
{
	struct fz_side *s = &z->side[0], *d = &z->side[1];
	const char *what;
	int ret = 0;

	z->f->legal_steps++;
	z->f->calls++;
	if (!z->open || z->disturbed || s->state == FZ_UNKNOWN || d->state == FZ_UNKNOWN) {
		z->f->victim_resets++;
		z->last = "a new victim pair";
		if (victim_new(z))
			violation(z, "a new victim pair could not be made");
		return;
	}
	if ((s->state == FZ_LIVE_EXPORT || s->state == FZ_PAUSED_EXPORT) && !below(z, 12)) {
		what = "EXPORT_ABORT, then a new destination";
		ret = mig_cmd(&z->m.src[0], KVM_TDX_MIG_EXPORT_ABORT, NULL, NULL);
		if (!ret) {
			z->f->aborts++;
			s->state = FZ_RUNNABLE;
			ret = victim_new_dst(z);
		}
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
		if (z->live_started && below(z, 2)) {
			what = "EXPORT_PAUSE, an epoch token, the last pages";
			ret = mig_cmd(&z->m.src[0], KVM_TDX_MIG_EXPORT_PAUSE, NULL, NULL);
			if (!ret)
				s->state = FZ_PAUSED_EXPORT;
			ret = ret ?: mig_move_token(&z->m, false) ?:
			      mig_send_dirty(&z->m, false, NULL) ?: mig_send_shared(&z->m);
			break;
		}
		what = "a round of dirty pages";
		if (z->live_started)
			ret = mig_move_token(&z->m, false);
		ret = ret ?: mig_send_dirty(&z->m, true, NULL) ?: mig_send_shared(&z->m);
		z->live_started = true;
		break;
	case FZ_PAUSED_EXPORT:
		if (d->state == FZ_MEMORY_IMPORT) {
			what = "TD state";
			ret = mig_move_state(&z->m, 0, KVM_TDX_MIG_EXPORT_STATE_TD,
					     KVM_TDX_MIG_IMPORT_STATE_TD);
			if (!ret)
				d->state = FZ_STATE_IMPORT;
		} else if (z->vps_moved < FZ_VCPUS) {
			what = "a vCPU's state";
			ret = mig_move_state(&z->m, 0, KVM_TDX_MIG_EXPORT_STATE_VP,
					     KVM_TDX_MIG_IMPORT_STATE_VP);
			z->vps_moved++;
		} else {
			what = "the start token";
			ret = mig_move_token(&z->m, true);
			if (!ret) {
				s->state = FZ_POST_EXPORT;
				d->state = FZ_LIVE_IMPORT;
			}
		}
		break;
	case FZ_POST_EXPORT:
		what = "IMPORT_END";
		ret = mig_dst_cmd(&z->m, KVM_TDX_MIG_IMPORT_END);
		if (ret)
			break;
		d->state = FZ_RUNNABLE;
		z->f->victim_completed++;
		if (td_compare(s->vm, d->vm, FZ_BYTES, FZ_VCPUS, NULL))
			violation(z, "an undisturbed victim migrated, but differs from its source");
		else
			z->f->victim_compared++;
		/* Done: the next step makes a new pair. */
		z->disturbed = true;
		break;
	default:
		what = "(no step)";
		z->disturbed = true;
		break;
	}
out:
	z->last = what;
	if (ret) {
		count_errno(z, ret);
		violation(z, "legal step %s failed on an undisturbed victim: errno %d (%s)",
			  what, -ret, strerror(-ret));
		/* A library step is several calls: which of them went is not known. */
		z->disturbed = true;
		s->state = FZ_UNKNOWN;
		d->state = FZ_UNKNOWN;
	}
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
	if (!below(z, 16))
		c.flags = 1U << below(z, 32);
	if (!below(z, 16))
		err_in = rnd(z) | 1;
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
	if (ret) {
		count_errno(z, ret);
		if (!cmd_errno_documented(-ret))
			violation(z, "%s: undocumented errno %d (%s)", why, -ret, strerror(-ret));
		/* A SEAMCALL failed: the TD may have moved (FAILED_IMPORT, ...). */
		if (KVM_TDX_CMD_ERROR(&c) && KVM_TDX_CMD_ERROR(&c) != err_in) {
			z->disturbed = true;
			fs->state = FZ_UNKNOWN;
		}
		goto out;
	}
	z->f->cmd_ok[id_slot(c.id)]++;
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

/* Garbage into one of the victim's mapped pages, where the library will write anew. */
static void junk_garbage(struct fuzz *z)
{
	struct mig_stream *s = below(z, 2) ? &z->m.dst[below(z, FZ_STREAMS)] :
					     &z->m.src[below(z, FZ_STREAMS)];
	uint8_t *page;
	unsigned int i, n;

	if (!s->mbmd)
		return;
	switch (below(z, 4)) {
	case 0:
		page = s->mbmd;
		break;
	case 1:
		page = (uint8_t *)s->gpa_list;
		break;
	case 2:
		page = (uint8_t *)s->mac + below(z, 2) * MIG_PAGE_SIZE;
		break;
	default:
		page = (uint8_t *)s->bufs + below(z, s->buf_list_pages) * MIG_PAGE_SIZE;
		break;
	}
	n = 1 + below(z, 64);
	for (i = 0; i < n; i++)
		page[below(z, MIG_PAGE_SIZE)] = rnd(z);
	if (!below(z, 8))
		memset(page, below(z, 2) ? 0 : 0xff, MIG_PAGE_SIZE);
	z->f->garbage_writes++;
	z->last = "garbage into a mapped page";
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
		fd = mig_stream_create(z->side[side].vm);
		z->f->calls++;
		if (fd < 0) {
			count_errno(z, fd);
			if (fd != -EPERM && fd != -ENOSPC && fd != -EBUSY)
				violation(z, "KVM_CREATE_DEVICE on the %s: errno %d (%s)",
					  side ? "destination" : "source", -fd, strerror(-fd));
			return;
		}
		z->f->raw_streams++;
		/*
		 * One more MigSC on the source: the destination, which has
		 * fewer, must now refuse its immutable state
		 * (TDX_NUM_MIGS_HIGHER_THAN_CREATED, uapi.rst).
		 */
		if (!side)
			z->disturbed = true;
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

/* Close a victim stream fd other than 0 and open it again: its MigSC is reused. */
static void junk_reopen(struct fuzz *z)
{
	unsigned int side = below(z, 2);
	struct mig_stream *s = side ? &z->m.dst[1] : &z->m.src[1];
	int ret;

	mig_stream_close(s);
	ret = mig_stream_open(z->side[side].vm, FZ_BUF_PAGES, s);
	z->f->calls++;
	z->f->reopens++;
	z->last = "a stream closed and opened again";
	if (ret) {
		count_errno(z, ret);
		violation(z, "re-opening stream 1 of the %s failed: %s",
			  side ? "destination" : "source", strerror(-ret));
		z->disturbed = true;
	}
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

int fuzz_run(const struct fuzz_opts *o, struct fuzz_figures *f)
{
	struct fuzz z = { .o = o, .f = f, .rng = o->seed * 2 + 1, .last = "setup" };
	double start = mig_now_ms(), end = o->seconds ? start + o->seconds * 1000.0 : 0;
	uint64_t since_clean = 0;
	int ret;

	memset(f, 0, sizeof(*f));
	z.side[0].vm = -1;
	z.side[1].vm = -1;
	ret = tb_open() ?: pointers_init(&z) ?: victim_new(&z);
	if (ret) {
		printf("# fuzz: setup failed: %s\n", strerror(-ret));
		victim_close(&z);
		return ret;
	}
	ret = clean_migration(&z);
	while (!ret) {
		if (o->calls && f->calls >= o->calls)
			break;
		if (end && mig_now_ms() >= end)
			break;
		if (++since_clean >= CLEAN_EVERY) {
			since_clean = 0;
			clean_migration(&z);
		}
		if (!z.open || below(&z, 100) < LEGAL_PCT) {
			legal_step(&z);
			continue;
		}
		switch (below(&z, 16)) {
		case 0 ... 9:
			junk_cmd(&z);
			break;
		case 10 ... 12:
			junk_garbage(&z);
			break;
		case 13 ... 14:
			junk_attr(&z);
			break;
		default:
			junk_reopen(&z);
			break;
		}
	}
	if (!ret)
		ret = clean_migration(&z);
	victim_close(&z);
	f->seconds = (mig_now_ms() - start) / 1000;
	if (!o->quiet)
		fuzz_print(o, f);
	if (ret && !f->violations)
		return ret;
	return f->violations ? 1 : 0;
}

void fuzz_print(const struct fuzz_opts *o, const struct fuzz_figures *f)
{
	unsigned int i, j;

	printf("# fuzz: seed %llu: %llu calls in %.0f s (%llu legal, %llu junk), %llu violations\n",
	       (unsigned long long)o->seed, (unsigned long long)f->calls, f->seconds,
	       (unsigned long long)f->legal_steps, (unsigned long long)f->junk_calls,
	       (unsigned long long)f->violations);
	printf("# fuzz: clean pair: %llu migrations compared equal\n",
	       (unsigned long long)f->clean_migrations);
	printf("# fuzz: victim: %llu completed (%llu undisturbed and compared equal),",
	       (unsigned long long)f->victim_completed, (unsigned long long)f->victim_compared);
	printf(" %llu new pairs, %llu aborts\n", (unsigned long long)f->victim_resets,
	       (unsigned long long)f->aborts);
	printf("# fuzz: garbage writes %llu, stream re-opens %llu, streams never negotiated %llu\n",
	       (unsigned long long)f->garbage_writes, (unsigned long long)f->reopens,
	       (unsigned long long)f->raw_streams);
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
	fflush(stdout);
}
