// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM_MEMORY_ENCRYPT_OP commands of a stream fd, one function each.
 * A table says who may call what and when; tdx_mig_cmd() checks it against
 * the host's OP_STATE mirror before any SEAMCALL, takes the locks, and
 * resumes an interrupted call or refuses others while one is pending.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "migsc/migsc.h"

#define S(x)		BIT(TDX_OP_STATE_##x)
#define EXPORTING	(S(LIVE_EXPORT) | S(PAUSED_EXPORT) | S(POST_EXPORT))
#define IMPORTING	(S(MEMORY_IMPORT) | S(STATE_IMPORT) | S(POST_IMPORT) | S(LIVE_IMPORT))

/* How struct kvm_tdx_cmd.data is used. */
enum cmd_data {
	DATA_UNUSED,	/* ignored, as Intel's kernel ignores it */
	DATA_IN,	/* points to a __u64 the caller sets */
	DATA_OUT,	/* points to a __u64 the call sets */
	DATA_INOUT,
};

struct cmd_desc {
	int (*run)(struct tdx_mig_stream *s, u64 *arg, u64 *status);
	bool main_only;		/* only on stream 0 */
	bool concurrent;	/* runs without the session lock */
	enum cmd_data data;	/* DATA_UNUSED unless said */
	u16 states;		/* OP_STATEs the call is valid in */
};

/* The state page list over the first @n buffers. */
static u64 state_list(const struct tdx_mig_stream *s, u32 n)
{
	return tdx_page_list_info_encode(page_to_phys(s->page_list), n - 1);
}

static u64 cmd_of(const struct tdx_mig_stream *s, u16 index, bool resume)
{
	return tdx_migs_index_and_cmd_encode(index, resume ? TDX_MIGS_CMD_RESUME :
							     TDX_MIGS_CMD_NEW);
}

/* The stream's MBMD as the VMM wrote it (read once: it may change). */
static void mbmd_read(const struct tdx_mig_stream *s, struct tdx_mbmd *m)
{
	memcpy(m, page_address(s->mbmd), sizeof(*m));
}

static void set_state(struct tdx_mig_td *td, enum tdx_op_state state)
{
	WRITE_ONCE(td->state, state);
}

/* An abort voids the interrupted calls of every stream (the module did). */
static void tdx_mig_void_pending(struct tdx_mig_td *td)
{
	WRITE_ONCE(td->generation, td->generation + 1);
	atomic_set(&td->pending_calls, 0);
}

/* A page count for an import: 1 .. buf_list_pages. */
static int import_pages_ok(const struct tdx_mig_stream *s, u64 n)
{
	if (!n)
		return -EINVAL;
	return n > s->buf_list_pages ? -E2BIG : 0;
}

/* --- State bundles --- */

struct state_call {
	u64 obj;	/* TDR or TDVPR */
	u16 index;	/* MIGS_INDEX */
	u32 pages;	/* import: pages given; export: pages written */
	u64 (*exp)(u64 obj, u64 mbmd, u64 list, u64 cmd, u64 *pages);
	u64 (*imp)(u64 obj, u64 mbmd, u64 list, u64 cmd);
};

static u64 state_step(struct tdx_mig_stream *s, bool resume, void *ctx)
{
	struct state_call *c = ctx;
	u64 cmd = cmd_of(s, c->index, resume), pages = 0, ret;

	if (c->imp)
		return c->imp(c->obj, tdx_mig_mbmd_operand(s), state_list(s, c->pages), cmd);
	ret = c->exp(c->obj, tdx_mig_mbmd_operand(s), state_list(s, s->buf_list_pages), cmd,
		     &pages);
	c->pages = pages;
	return ret;
}

static int state_run(struct tdx_mig_stream *s, struct state_call *c, u64 *status)
{
	int ret = tdx_mig_call(s, state_step, c, status);

	if (!ret)
		s->stats.bundles++;
	return ret;
}

/*
 * A new STATE.IMMUTABLE call latches the keys the MigTDs wrote and clears
 * MIG_DEC_KEY_SET, even when it fails later or is interrupted (§10.2).
 * Only a call refused before that (the host's own checks, OP_STATE, busy)
 * leaves the pre-migration for another try; "key not set" proves it gone.
 */
static void premig_used(struct tdx_mig_stream *s, int ret, u64 status)
{
	u64 code = tdx_status_code(status);

	if (ret && !s->pending.active &&
	    (!status || code == TDX_STATUS_OP_STATE_INCORRECT || code == TDX_STATUS_OPERAND_BUSY))
		return;
	tdx_mig_servtd_premig_consume(s->td);
}

static int export_immutable(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	struct state_call c = { .obj = s->td->info.tdr_pa,
				.exp = tdx_mig_tdh_export_state_immutable };
	int ret = state_run(s, &c, status);

	premig_used(s, ret, *status);
	if (ret)
		return ret;
	set_state(s->td, TDX_OP_STATE_LIVE_EXPORT);
	s->td->vp_next = 0;
	tdx_mig_dirty_start(s->td);
	*arg = c.pages;
	return 0;
}

static int import_immutable(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	struct state_call c = { .obj = s->td->info.tdr_pa, .pages = *arg,
				.imp = tdx_mig_tdh_import_state_immutable };
	int ret = import_pages_ok(s, *arg) ?: state_run(s, &c, status);

	premig_used(s, ret, *status);
	if (!ret)
		set_state(s->td, TDX_OP_STATE_MEMORY_IMPORT);
	return ret;
}

static int export_td(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	struct state_call c = { .obj = s->td->info.tdr_pa, .exp = tdx_mig_tdh_export_state_td };
	int ret = state_run(s, &c, status);

	if (!ret)
		*arg = c.pages;
	return ret;
}

static int import_td(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	struct state_call c = { .obj = s->td->info.tdr_pa, .pages = *arg,
				.imp = tdx_mig_tdh_import_state_td };
	int ret = import_pages_ok(s, *arg) ?: state_run(s, &c, status);

	if (!ret) {
		set_state(s->td, TDX_OP_STATE_STATE_IMPORT);
		s->td->vp_next = 0;
	}
	return ret;
}

/* The next vCPU, in index order. */
static int export_vp(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	struct tdx_mig_td *td = s->td;
	struct state_call c = { .index = s->index, .exp = tdx_mig_tdh_export_state_vp };
	int ret;

	if (s->pending.active) {
		c.obj = s->pending.tdvpr_pa;
	} else {
		ret = td->ops->vcpu_tdvpr(td->vm, td->vp_next, &c.obj);
		if (ret)
			return ret;
		s->pending.tdvpr_pa = c.obj;
	}
	ret = state_run(s, &c, status);
	if (ret)
		return ret;
	td->vp_next++;
	*arg = c.pages;
	return 0;
}

/* The vCPU index comes from the MBMD; vCPUs are created in index order. */
static int import_vp(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	struct tdx_mig_td *td = s->td;
	struct state_call c = { .index = s->index, .pages = *arg,
				.imp = tdx_mig_tdh_import_state_vp };
	struct tdx_mbmd m;
	u64 index;
	int ret;

	ret = import_pages_ok(s, *arg);
	if (ret)
		return ret;
	if (s->pending.active) {
		c.obj = s->pending.tdvpr_pa;
	} else {
		mbmd_read(s, &m);
		index = FIELD_GET(TDX_MBMD_VP_INDEX, le64_to_cpu(m.vcpu));
		if (m.hdr.mb_type != TDX_MB_TYPE_MUTABLE_VCPU_STATE || index != td->vp_next ||
		    index >= td->info.max_vcpus)
			return -EINVAL;
		ret = td->ops->vcpu_create(td->vm, index, &c.obj);
		if (ret)
			return ret;
		s->pending.tdvpr_pa = c.obj;
	}
	ret = state_run(s, &c, status);
	if (!ret)
		td->vp_next++;
	return ret;
}

/* --- Memory --- */

/* The module marks the buffers it did not use; each bundle starts afresh. */
static void buf_list_fill(struct tdx_mig_stream *s, u32 n)
{
	u64 *list = page_address(s->buf_list);
	u32 k;

	for (k = 0; k < s->buf_list_pages; k++)
		list[k] = tdx_page_list_entry_encode(page_to_phys(s->bufs[k]), k >= n);
}

static u64 export_mem_step(struct tdx_mig_stream *s, bool resume, void *ctx)
{
	u64 pages;

	return tdx_mig_tdh_export_mem(s->td->info.tdr_pa, &s->pending.gpa_list_info,
				      tdx_mig_mbmd_operand(s), page_to_phys(s->buf_list),
				      cmd_of(s, s->index, resume), page_to_phys(s->mac[0]),
				      page_to_phys(s->mac[1]), &pages);
}

/* An import works on a private copy of the GPA list (see import_mem()). */
static u64 import_mem_step(struct tdx_mig_stream *s, bool resume, void *ctx)
{
	return tdx_mig_tdh_import_mem(s->td->info.tdr_pa, &s->pending.gpa_list_info,
				      tdx_mig_mbmd_operand(s), page_to_phys(s->buf_list),
				      cmd_of(s, s->index, resume), page_to_phys(s->mac[0]),
				      page_to_phys(s->mac[1]), page_to_phys(s->td_list));
}

/*
 * After a memory bundle: the per-entry statuses say what happened (RAX
 * only counts failures). Pages moved are returned; a source's failed
 * entries go back to the dirty log, to be blocked and sent again.
 */
static u32 count_entries(struct tdx_mig_stream *s, const u64 *list, u32 n,
			 bool redirty_failed)
{
	u32 k, moved = 0;

	for (k = 0; k < n; k++) {
		struct tdx_gpa_entry e;

		tdx_gpa_entry_decode(READ_ONCE(list[k]), &e);
		if (e.status == TDX_GPA_STATUS_SUCCESS && e.operation != TDX_GPA_OP_NOP) {
			moved += e.operation != TDX_GPA_OP_CANCEL;
		} else if (e.status != TDX_GPA_STATUS_SKIPPED) {
			s->stats.failed_entries++;
			if (redirty_failed)
				tdx_mig_dirty_redirty(s->td, e.gpa >> PAGE_SHIFT);
		}
	}
	s->stats.pages += moved;
	return moved;
}

/* Every page of the list goes back to the dirty log (a call that failed). */
void tdx_mig_stream_redirty(struct tdx_mig_stream *s, u32 n)
{
	const u64 *list = page_address(s->gpa_list);
	u32 k;

	for (k = 0; k < n; k++)
		tdx_mig_dirty_redirty(s->td, (READ_ONCE(list[k]) & TDX_GPA_ENTRY_GPA_MASK) >>
					     PAGE_SHIFT);
}

static int export_mem(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	int ret = import_pages_ok(s, *arg);

	if (ret)
		return ret;
	if (!s->pending.active) {
		buf_list_fill(s, *arg);
		s->pending.gpa_list_info = tdx_gpa_list_info_encode(page_to_phys(s->gpa_list), 0,
								    *arg - 1);
	}
	ret = tdx_mig_call(s, export_mem_step, NULL, status);
	if (ret == -ERESTARTSYS || ret == -EAGAIN)
		return ret;
	if (ret) {
		/* Entries may have been exported before it failed: send them again. */
		tdx_mig_stream_redirty(s, *arg);
		return ret;
	}
	s->stats.bundles++;
	*arg = count_entries(s, page_address(s->gpa_list), *arg, true);
	return 0;
}

/* The new-page list: a first import gets a page from the hypervisor. */
static int import_mem_prepare(struct tdx_mig_stream *s, u32 n)
{
	const u64 *list = page_address(s->gpa_copy);
	u64 *td_list = page_address(s->td_list);
	struct tdx_mig_td *td = s->td;
	u32 k;

	for (k = 0; k < n; k++) {
		struct tdx_gpa_entry e;
		u64 gfn, pa = 0;
		bool first = false;
		int ret;

		td_list[k] = tdx_page_list_entry_encode(0, true);
		if (!tdx_gpa_entry_decode(list[k], &e) ||
		    e.operation == TDX_GPA_OP_NOP || e.operation == TDX_GPA_OP_CANCEL)
			continue;
		gfn = e.gpa >> PAGE_SHIFT;
		if (gfn >= td->info.nr_gfns)
			return -EINVAL;
		ret = td->ops->import_page(td->vm, gfn, &pa, &first);
		if (ret)
			return ret;
		if (e.operation == TDX_GPA_OP_MIGRATE)
			td_list[k] = tdx_page_list_entry_encode(pa, false);
	}
	return 0;
}

/*
 * The GPA list is copied first: the pages the hypervisor hands out for the
 * entries must be the pages the TDX Module maps, whatever the VMM writes
 * to its mapping meanwhile. The statuses are copied back for the VMM.
 */
static int import_mem(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	u32 before = s->stats.failed_entries;
	int ret = import_pages_ok(s, *arg);

	if (ret)
		return ret;
	if (!s->pending.active) {
		memcpy(page_address(s->gpa_copy), page_address(s->gpa_list), *arg * sizeof(u64));
		ret = import_mem_prepare(s, *arg);
		if (ret)
			return ret;
		buf_list_fill(s, *arg);
		s->pending.gpa_list_info = tdx_gpa_list_info_encode(page_to_phys(s->gpa_copy), 0,
								    *arg - 1);
	}
	ret = tdx_mig_call(s, import_mem_step, NULL, status);
	if (ret)
		return ret;
	memcpy(page_address(s->gpa_list), page_address(s->gpa_copy), *arg * sizeof(u64));
	s->stats.bundles++;
	*arg = count_entries(s, page_address(s->gpa_copy), *arg, false);
	/* A page the destination could not take fails the migration. */
	if (s->stats.failed_entries == before)
		return 0;
	*status = 0;	/* the SEAMCALL succeeded; the entries say what failed */
	return -EIO;
}

/* --- Tokens, pause, commit, end, abort --- */

/* A leaf whose only operand is the TDR: PAUSE, COMMIT, END. */
struct tdr_leaf {
	u64 (*fn)(u64 tdr_pa);
};

static u64 tdr_leaf_step(struct tdx_mig_stream *s, bool resume, void *ctx)
{
	const struct tdr_leaf *leaf = ctx;

	return leaf->fn(s->td->info.tdr_pa);
}

static int call_tdr_leaf(struct tdx_mig_stream *s, u64 (*fn)(u64 tdr_pa), u64 *status)
{
	struct tdr_leaf leaf = { fn };

	return tdx_mig_call_once(s, tdr_leaf_step, &leaf, status);
}

static u64 export_track_step(struct tdx_mig_stream *s, bool resume, void *ctx)
{
	return tdx_mig_tdh_export_track(s->td->info.tdr_pa, tdx_mig_mbmd_operand(s),
					*(bool *)ctx);
}

static u64 import_track_step(struct tdx_mig_stream *s, bool resume, void *ctx)
{
	return tdx_mig_tdh_import_track(s->td->info.tdr_pa, tdx_mig_mbmd_operand(s));
}

static u64 export_abort_step(struct tdx_mig_stream *s, bool resume, void *ctx)
{
	return tdx_mig_tdh_export_abort(s->td->info.tdr_pa, *(u64 *)ctx);
}

static int export_track(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	bool start = *arg == TDX_MIG_EXPORT_TRACK_F_IN_ORDER_DONE;
	int ret;

	if (*arg && !start)
		return -EINVAL;
	if (start && s->td->state != TDX_OP_STATE_PAUSED_EXPORT)
		return -EPERM;
	ret = tdx_mig_call_once(s, export_track_step, &start, status);
	if (ret)
		return ret;
	s->stats.bundles++;
	if (start)
		set_state(s->td, TDX_OP_STATE_POST_EXPORT);
	return 0;
}

/* A token; the start token ends the in-order phase: TDH.IMPORT.COMMIT. */
static int import_track(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	struct tdx_mig_td *td = s->td;
	int ret;

	ret = tdx_mig_call_once(s, import_track_step, NULL, status);
	if (ret)
		return ret;
	s->stats.bundles++;
	tdx_mig_td_sync_state(td);
	if (td->state != TDX_OP_STATE_POST_IMPORT)
		return 0;
	ret = call_tdr_leaf(s, tdx_mig_tdh_import_commit, status);
	if (ret)
		return ret;
	set_state(td, TDX_OP_STATE_LIVE_IMPORT);
	td->ops->imported(td->vm);
	return 0;
}

static int export_pause(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	int ret;

	/* No vCPU enters from now on; those inside make PAUSE busy until they exit. */
	set_state(s->td, TDX_OP_STATE_PAUSED_EXPORT);
	ret = call_tdr_leaf(s, tdx_mig_tdh_export_pause, status);
	if (ret)
		set_state(s->td, TDX_OP_STATE_LIVE_EXPORT);
	return ret;
}

static int import_end(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	int ret = call_tdr_leaf(s, tdx_mig_tdh_import_end, status);

	if (ret)
		return ret;
	set_state(s->td, TDX_OP_STATE_RUNNABLE);
	/* After a commit that failed, IMPORT.END committed: the vCPUs may run. */
	s->td->ops->imported(s->td->vm);
	pr_info("migration flow is done, userspace pid %d\n", task_tgid_nr(current));
	return 0;
}

/*
 * Abort on the source: the TD is RUNNABLE again, every exported page is
 * restored and every blocked one unblocked. After the start token the
 * destination's abort token (in the MBMD) proves it will not run the TD.
 */
static int export_abort(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	struct tdx_mig_td *td = s->td;
	u64 token = td->state == TDX_OP_STATE_POST_EXPORT ? tdx_mig_mbmd_operand(s) : 0;
	int err;

	/* RUNNABLE: the restore of an earlier abort did not complete; retry it. */
	if (td->state == TDX_OP_STATE_RUNNABLE) {
		if (!td->restore_pending)
			return -EPERM;
		goto restore;
	}
	err = tdx_mig_call_once(s, export_abort_step, &token, status);
	if (err)
		return err;
	tdx_mig_void_pending(td);
	s->pending.active = false;
	set_state(td, TDX_OP_STATE_RUNNABLE);
	td->vp_next = 0;
restore:
	err = tdx_mig_restore_all(td);
	td->restore_pending = err != 0;
	return err;
}

/* Abort on the destination: the abort token goes to the MBMD page. */
static u64 import_abort_step(struct tdx_mig_stream *s, bool resume, void *ctx)
{
	return tdx_mig_tdh_import_abort(s->td->info.tdr_pa, tdx_mig_mbmd_operand(s));
}

/* Its success carries the fatal bit (not an error): only teardown is left. */
static int import_abort(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	int ret = tdx_mig_call_once(s, import_abort_step, NULL, status);

	tdx_mig_td_sync_state(s->td);
	if (ret)
		return ret;
	tdx_mig_void_pending(s->td);
	s->pending.active = false;
	return 0;
}

#define MAIN	.main_only = true

static const struct cmd_desc cmds[] = {
	[KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE] = { export_immutable, MAIN, .data = DATA_OUT,
						 .states = S(RUNNABLE) },
	[KVM_TDX_MIG_IMPORT_STATE_IMMUTABLE] = { import_immutable, MAIN, .data = DATA_IN,
						 .states = S(UNINITIALIZED) },
	[KVM_TDX_MIG_EXPORT_MEM] = { export_mem, .concurrent = true, .data = DATA_INOUT,
				     .states = EXPORTING },
	[KVM_TDX_MIG_IMPORT_MEM] = { import_mem, .concurrent = true, .data = DATA_INOUT,
				     .states = IMPORTING },
	[KVM_TDX_MIG_EXPORT_TRACK] = { export_track, MAIN, .data = DATA_IN,
				       .states = S(LIVE_EXPORT) | S(PAUSED_EXPORT) },
	[KVM_TDX_MIG_IMPORT_TRACK] = { import_track, MAIN,
				       .states = S(MEMORY_IMPORT) | S(STATE_IMPORT) },
	[KVM_TDX_MIG_EXPORT_PAUSE] = { export_pause, MAIN, .states = S(LIVE_EXPORT) },
	[KVM_TDX_MIG_EXPORT_STATE_TD] = { export_td, MAIN, .data = DATA_OUT,
					  .states = S(PAUSED_EXPORT) },
	[KVM_TDX_MIG_IMPORT_STATE_TD] = { import_td, MAIN, .data = DATA_IN,
					  .states = S(MEMORY_IMPORT) },
	[KVM_TDX_MIG_EXPORT_STATE_VP] = { export_vp, .data = DATA_OUT,
					  .states = S(PAUSED_EXPORT) },
	[KVM_TDX_MIG_IMPORT_STATE_VP] = { import_vp, .data = DATA_IN, .states = S(STATE_IMPORT) },
	[KVM_TDX_MIG_EXPORT_ABORT] = { export_abort, MAIN,
				       .states = EXPORTING | S(RUNNABLE) },
	[KVM_TDX_MIG_IMPORT_END] = { import_end, MAIN, .states = S(POST_IMPORT) | S(LIVE_IMPORT) },
	[KVM_TDX_MIG_IMPORT_ABORT] = { import_abort, MAIN,
				       .states = IMPORTING | S(FAILED_IMPORT) },
};

/* What the stream allocated: itself, and its buffers once negotiated. */
static u64 stream_mem_bytes(const struct tdx_mig_stream *s)
{
	u64 pages = 7 + (u64)s->buf_list_pages;	/* MBMD, lists, MACs, buffers */

	if (!tdx_mig_stream_ready(s))
		return sizeof(*s);
	return sizeof(*s) + pages * PAGE_SIZE + s->buf_list_pages * sizeof(*s->bufs);
}

static int get_stats(struct tdx_mig_stream *s, u64 data)
{
	struct kvm_tdx_mig_stats st = s->stats;

	st.td_write_faults = atomic64_read(&s->td->write_faults);
	st.td_write_blocked = atomic64_read(&s->td->write_blocked);
	st.stream_mem_bytes = stream_mem_bytes(s);
	st.td_mem_bytes = tdx_mig_td_mem_bytes(s->td);
	return copy_to_user(u64_to_user_ptr(data), &st, sizeof(st)) ? -EFAULT : 0;
}

/* May @d run on @s now? An errno before any SEAMCALL if not. */
static int cmd_allowed(struct tdx_mig_stream *s, u32 id, const struct cmd_desc *d, u64 arg)
{
	struct tdx_mig_td *td = s->td;

	if (d->main_only && !tdx_mig_td_is_main(s))
		return -EINVAL;
	/* The states alone tell the roles apart: an imported TD may export. */
	if (!(d->states & BIT(td->state)))
		return -EPERM;
	if (s->pending.active && s->pending.generation != td->generation)
		s->pending.active = false;	/* an abort voided it */
	if (id == KVM_TDX_MIG_EXPORT_ABORT)
		return 0;
	/* Only the interrupted call itself until it completes. */
	if (s->pending.active && (id != s->pending.id || arg != s->pending.arg))
		return -EBUSY;
	/*
	 * Nor any session-wide call while another stream has one: a token
	 * would change the epoch its resumption must repeat.
	 */
	if (!d->concurrent &&
	    atomic_read(&td->pending_calls) > (s->pending.active ? 1 : 0))
		return -EBUSY;
	return 0;
}

/* Counts the stream's interrupted call in its TD, once. */
static void pending_account(struct tdx_mig_stream *s, bool was, u32 generation)
{
	struct tdx_mig_td *td = s->td;

	/* An abort during the call reset the count. */
	if (generation != READ_ONCE(td->generation) || was == s->pending.active)
		return;
	if (s->pending.active)
		atomic_inc(&td->pending_calls);
	else
		atomic_dec(&td->pending_calls);
}

/**
 * tdx_mig_cmd - one KVM_MEMORY_ENCRYPT_OP on a stream fd
 * @s: the stream
 * @cmd: the command, copied in; @cmd->error gets the TDX status of a
 *	 failed SEAMCALL
 *
 * Context: process context; takes the session lock, then the stream's.
 */
int tdx_mig_cmd(struct tdx_mig_stream *s, struct kvm_tdx_cmd *cmd)
{
	struct tdx_mig_td *td = s->td;
	const struct cmd_desc *d;
	u64 arg = 0, status = 0;
	bool was_pending;
	u32 generation;
	int ret;

	if (cmd->flags || KVM_TDX_CMD_ERROR(cmd))
		return -EINVAL;
	if (cmd->id == KVM_TDX_MIG_GET_STATS)
		return get_stats(s, cmd->data);
	if (cmd->id >= ARRAY_SIZE(cmds) || !cmds[cmd->id].run)
		return -EINVAL;
	d = &cmds[cmd->id];
	if ((d->data == DATA_IN || d->data == DATA_INOUT) &&
	    get_user(arg, (u64 __user *)u64_to_user_ptr(cmd->data)))
		return -EFAULT;
	if (!tdx_mig_stream_ready(s))
		return -ENXIO;

	/* Memory bundles of several streams run together; the rest alone. */
	ret = d->concurrent ? down_read_interruptible(&td->lock) :
			      down_write_killable(&td->lock);
	if (ret)
		return -ERESTARTSYS;
	if (!mutex_trylock(&s->lock)) {
		ret = -EBUSY;
		goto unlock_td;
	}
	ret = cmd_allowed(s, cmd->id, d, arg);
	if (ret)
		goto out;
	if (!s->pending.active) {
		s->pending.id = cmd->id;
		s->pending.arg = arg;
		s->pending.generation = td->generation;
	}
	was_pending = s->pending.active;
	generation = td->generation;
	ret = d->run(s, &arg, &status);
	pending_account(s, was_pending, generation);
	if (!ret && (d->data == DATA_OUT || d->data == DATA_INOUT) &&
	    put_user(arg, (u64 __user *)u64_to_user_ptr(cmd->data)))
		ret = -EFAULT;
	/* The status of the SEAMCALL that failed, if one did. */
	if (ret && status)
		KVM_TDX_CMD_ERROR(cmd) = status;
	/* A failed SEAMCALL may have moved the TD (e.g. to FAILED_IMPORT). */
	if (KVM_TDX_CMD_ERROR(cmd))
		tdx_mig_td_sync_state(td);
out:
	mutex_unlock(&s->lock);
unlock_td:
	if (d->concurrent)
		up_read(&td->lock);
	else
		up_write(&td->lock);
	return ret;
}
