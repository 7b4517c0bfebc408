// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM_MEMORY_ENCRYPT_OP commands of a stream fd: a table says who may
 * call what and when (the bodies live with their concept: bundle/, epoch/,
 * abort.c); tdx_mig_cmd() checks it against the host's OP_STATE mirror
 * before any SEAMCALL, takes the locks, and resumes an interrupted call or
 * refuses others while one is pending.
 */
#include <linux/uaccess.h>

#include "bundle/bundle.h"
#include "epoch/epoch.h"
#include "tdx_mig/trace.h"

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

#define MAIN	.main_only = true

static const struct cmd_desc cmds[] = {
	[KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE] = { tdx_mig_bundle_export_immutable, MAIN,
						 .data = DATA_OUT, .states = S(RUNNABLE) },
	[KVM_TDX_MIG_IMPORT_STATE_IMMUTABLE] = { tdx_mig_bundle_import_immutable, MAIN,
						 .data = DATA_IN, .states = S(UNINITIALIZED) },
	[KVM_TDX_MIG_EXPORT_MEM] = { tdx_mig_bundle_export_mem, .concurrent = true,
				     .data = DATA_INOUT, .states = EXPORTING },
	[KVM_TDX_MIG_IMPORT_MEM] = { tdx_mig_bundle_import_mem, .concurrent = true,
				     .data = DATA_INOUT, .states = IMPORTING },
	[KVM_TDX_MIG_EXPORT_TRACK] = { tdx_mig_epoch_export_track, MAIN, .data = DATA_IN,
				       .states = S(LIVE_EXPORT) | S(PAUSED_EXPORT) },
	[KVM_TDX_MIG_IMPORT_TRACK] = { tdx_mig_epoch_import_track, MAIN,
				       .states = S(MEMORY_IMPORT) | S(STATE_IMPORT) },
	[KVM_TDX_MIG_EXPORT_PAUSE] = { tdx_mig_epoch_export_pause, MAIN, .states = S(LIVE_EXPORT) },
	[KVM_TDX_MIG_EXPORT_STATE_TD] = { tdx_mig_bundle_export_td, MAIN, .data = DATA_OUT,
					  .states = S(PAUSED_EXPORT) },
	[KVM_TDX_MIG_IMPORT_STATE_TD] = { tdx_mig_bundle_import_td, MAIN, .data = DATA_IN,
					  .states = S(MEMORY_IMPORT) },
	[KVM_TDX_MIG_EXPORT_STATE_VP] = { tdx_mig_bundle_export_vp, .data = DATA_OUT,
					  .states = S(PAUSED_EXPORT) },
	[KVM_TDX_MIG_IMPORT_STATE_VP] = { tdx_mig_bundle_import_vp, .data = DATA_IN,
					  .states = S(STATE_IMPORT) },
	[KVM_TDX_MIG_EXPORT_ABORT] = { tdx_mig_abort_export, MAIN,
				       .states = EXPORTING | S(RUNNABLE) },
	[KVM_TDX_MIG_IMPORT_END] = { tdx_mig_epoch_import_end, MAIN,
				     .states = S(POST_IMPORT) | S(LIVE_IMPORT) },
	/* Not in LIVE_IMPORT: once committed the TDX Module refuses it. */
	[KVM_TDX_MIG_IMPORT_ABORT] = { tdx_mig_abort_import, MAIN,
				       .states = S(MEMORY_IMPORT) | S(STATE_IMPORT) |
						 S(POST_IMPORT) | S(FAILED_IMPORT) },
};

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
	if (td->bundle_lost && id != KVM_TDX_MIG_EXPORT_ABORT)
		return -EIO;
	/* An abort is always accepted: it voids interrupted calls. */
	if (id == KVM_TDX_MIG_EXPORT_ABORT || id == KVM_TDX_MIG_IMPORT_ABORT)
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

/* The pages a command moved, for its trace event: the count its data carries. */
static u64 cmd_pages(u32 id, const struct cmd_desc *d, u64 arg, int ret)
{
	if (ret || d->data == DATA_UNUSED || id == KVM_TDX_MIG_EXPORT_TRACK)
		return 0;
	return arg;
}

static int cmd_run(struct tdx_mig_stream *s, struct kvm_tdx_cmd *cmd, u64 *pages)
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
		return tdx_mig_migsc_stats(s, cmd->data);
	if (cmd->id >= ARRAY_SIZE(cmds) || !cmds[cmd->id].run)
		return -EINVAL;
	d = &cmds[cmd->id];
	if ((d->data == DATA_IN || d->data == DATA_INOUT) &&
	    get_user(arg, (u64 __user *)u64_to_user_ptr(cmd->data)))
		return -EFAULT;
	/* An answer that could not be written back fails before the call. */
	if ((d->data == DATA_OUT || d->data == DATA_INOUT) &&
	    put_user(arg, (u64 __user *)u64_to_user_ptr(cmd->data)))
		return -EFAULT;
	if (!tdx_mig_migsc_ready(s))
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
	*pages = cmd_pages(cmd->id, d, arg, ret);
	/* The status of the SEAMCALL that failed, if one did. */
	if (ret && status)
		KVM_TDX_CMD_ERROR(cmd) = status;
	/*
	 * A failed SEAMCALL may have moved the TD (e.g. to FAILED_IMPORT). The
	 * mirror is written under the session lock held for writing only.
	 */
	if (KVM_TDX_CMD_ERROR(cmd) && !d->concurrent)
		tdx_mig_td_sync_state(td);
out:
	mutex_unlock(&s->lock);
unlock_td:
	if (d->concurrent) {
		up_read(&td->lock);
		if (KVM_TDX_CMD_ERROR(cmd))
			tdx_mig_td_refresh(td);
	} else {
		up_write(&td->lock);
	}
	return ret;
}

/**
 * tdx_mig_cmd - one KVM_MEMORY_ENCRYPT_OP on a stream fd
 * @s: the stream
 * @cmd: the command, copied in; @cmd->error gets the TDX status of a
 *	 failed SEAMCALL
 *
 * Every command is a tdx_mig_cmd trace event, refused ones included.
 *
 * Context: process context; takes the session lock, then the stream's.
 */
int tdx_mig_cmd(struct tdx_mig_stream *s, struct kvm_tdx_cmd *cmd)
{
	u64 pages = 0;
	int ret = cmd_run(s, cmd, &pages);

	trace_tdx_mig_cmd(s->index, cmd->id, pages, ret, KVM_TDX_CMD_ERROR(cmd));
	return ret;
}
