/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The migration core: one struct tdx_mig_td per TD (the session), its
 * command table, dirty tracking and abort. Its streams are in
 * migsc/migsc.h, its bindings in servtd/servtd.h. Calls the SEAMCALL
 * wrappers and the hypervisor's callbacks (host.h).
 *
 * Lock order: the hypervisor's VM lock, then tdx_mig_td.lock (the session;
 * shared by memory bundles, exclusive for everything else), then
 * tdx_mig_stream.lock, then tdx_mig_servtd_lock (bindings and MigTD
 * requests), then the hypervisor's locks its callbacks take (innermost;
 * its Secure-EPT lock is held around single SEAMCALLs only). The
 * write-fault path takes none of the core's: it uses atomic bit
 * operations and one SEAMCALL under the Secure-EPT lock.
 */
#ifndef TDX_MIG_CORE_H
#define TDX_MIG_CORE_H

#include <linux/atomic.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <uapi/linux/tdx_mig.h>

#include "host.h"
#include "seamcall/seamcall.h"
#include "servtd/servtd.h"

struct tdx_mig_stream;
struct dentry;

/**
 * struct tdx_mig_round - a round of the source's live phase, as a VMM
 *	weighs whether to pause (the per-TD figures of KVM_TDX_MIG_GET_STATS)
 * @open:	a round began (at the first KVM_CLEAR_DIRTY_LOG or EXPORT_MEM
 *		since the export began or since the last epoch token)
 * @rounds:	rounds begun in this export
 * @dirtied:	pages the guest dirtied since the round began: write faults
 *		that set a page's bit in the dirty log (lockless, atomic)
 * @pages:	pages exported in the round, by every stream
 * @first_ns, @last_ns: the start of the round's first EXPORT_MEM and the
 *		end of its last (ktime_get_ns()); 0 before its first
 * @rate:	pages/s of the latest round that exported a page: @pages over
 *		@last_ns - @first_ns, updated after each EXPORT_MEM
 *
 * All but @dirtied under tdx_mig_td.round_lock: EXPORT_MEM of several
 * streams run concurrently.
 */
struct tdx_mig_round {
	bool open;
	u64 rounds;
	atomic64_t dirtied;
	u64 pages;
	u64 first_ns, last_ns;
	u64 rate;
};

/*
 * Post-copy demand faults whose latency the tdx_mig_demand_fault_done trace
 * event reports: a fault's GFN and time, kept only while that event is
 * enabled, until the page is imported; an older one is overwritten.
 */
#define TDX_MIG_DEMAND_SLOTS	16

struct tdx_mig_demand {
	u64 gfn;
	u64 ns;		/* 0: a free slot */
};

/**
 * struct tdx_mig_td - the migration state of one TD
 * @ops, @vm:	the hypervisor that owns the TD
 * @info:	the TD as the hypervisor described it
 * @lock:	the session lock: held for writing across state-changing calls,
 *		for reading across memory bundles (which run concurrently)
 * @state:	the host's mirror of the TD's OP_STATE, so a call in the wrong
 *		state fails before any SEAMCALL; written under @lock
 * @generation:	bumped by an abort: interrupted calls of streams are void
 * @pending_calls: interrupted calls of this generation, on any stream
 * @restore_pending: an abort's restore did not complete; EXPORT_ABORT
 *		retries it
 * @bundle_lost: an interrupted EXPORT_MEM was dropped with its stream: the
 *		TDX Module counts its pages as exported, the destination never
 *		got them; only EXPORT_ABORT may follow
 * @vp_next:	the next vCPU to export or import (index order)
 * @max_migs:	the TDX Module's MAX_MIGS; @migsc has that many entries
 * @state_pages: the most pages any state bundle needs
 * @migsc:	MIGSC pages, [0] the backward stream, [i + 1] forward stream
 *		i; kept until the TD is destroyed, for re-migration
 * @stream_used: forward streams with an open fd
 * @dirty:	private GFNs written since the VMM last cleared them
 * @blocked:	private GFNs write-blocked by TDH.EXPORT.BLOCKW
 * @imported:	private GFNs an import brought (and no CANCEL took back)
 * @gpa_list:	the GPA list of BLOCKW and RESTORE, under @lock
 * @write_faults, @write_blocked: TD-wide counters for the statistics
 * @round_lock:	protects @round
 * @round:	the source's current round (KVM_TDX_MIG_GET_STATS)
 * @demand_lock: protects @demand
 * @demand:	post-copy demand faults not answered yet, for tracing
 * @debugfs:	the TD's debugfs directory (NULL without debugfs)
 * @binding:	as a user TD, its binding to a MigTD
 * @usertds:	as a MigTD, the user TDs bound to it, by request id
 * @servtd_wait: as a MigTD, its WaitForRequest not yet answered
 */
struct tdx_mig_td {
	const struct tdx_mig_host_ops *ops;
	void *vm;
	struct tdx_mig_td_info info;
	struct rw_semaphore lock;	/* the session lock */
	enum tdx_op_state state;
	u32 generation;
	atomic_t pending_calls;
	bool restore_pending;
	bool bundle_lost;
	u32 vp_next;
	u16 max_migs;
	u16 state_pages;
	struct page **migsc;
	unsigned long *stream_used;
	unsigned long *dirty;
	unsigned long *blocked;
	unsigned long *imported;
	struct page *gpa_list;
	atomic64_t write_faults;
	atomic64_t write_blocked;
	spinlock_t round_lock;		/* protects round */
	struct tdx_mig_round round;
	spinlock_t demand_lock;		/* protects demand */
	struct tdx_mig_demand demand[TDX_MIG_DEMAND_SLOTS];
	struct dentry *debugfs;
	struct tdx_mig_binding binding;
	struct tdx_mig_td *usertds[TDX_MIG_SERVTD_SLOTS];
	struct tdx_mig_servtd_wait servtd_wait;
};

static inline void tdx_mig_td_set_state(struct tdx_mig_td *td, enum tdx_op_state state)
{
	WRITE_ONCE(td->state, state);
}

/* Around one SEPT-changing SEAMCALL: the hypervisor's Secure-EPT lock. */
static inline void tdx_mig_td_sept_lock(struct tdx_mig_td *td)
{
	td->ops->sept_lock(td->vm);
}

static inline void tdx_mig_td_sept_unlock(struct tdx_mig_td *td)
{
	td->ops->sept_unlock(td->vm);
}

/* Internal functions the KUnit suites call (tdx_mig_kunit.ko is another module). */
#if IS_ENABLED(CONFIG_KUNIT) && !defined(TDX_MIG_IN_KVM)
#define EXPORT_SYMBOL_FOR_TDX_MIG_KUNIT(sym)	EXPORT_SYMBOL_GPL(sym)
#else
#define EXPORT_SYMBOL_FOR_TDX_MIG_KUNIT(sym)
#endif

/* The session (td.c). */
bool tdx_mig_td_is_main(const struct tdx_mig_stream *s);
void tdx_mig_td_sync_state(struct tdx_mig_td *td);
u64 tdx_mig_td_mem_bytes(struct tdx_mig_td *td);

/* Dirty tracking and abort (dirty.c). */
void tdx_mig_dirty_start(struct tdx_mig_td *td);
void tdx_mig_dirty_redirty(struct tdx_mig_td *td, u64 gfn);
int tdx_mig_dirty_block(struct tdx_mig_td *td, u64 first, u64 n, const unsigned long *mask);

/* Rounds of the live phase (dirty.c). */
void tdx_mig_dirty_round_end(struct tdx_mig_td *td);
void tdx_mig_dirty_round_export(struct tdx_mig_td *td, u64 pages, u64 start_ns);
void tdx_mig_dirty_round_read(struct tdx_mig_td *td, struct kvm_tdx_mig_stats *st);

/* Post-copy demand faults, for tracing (td.c). */
void tdx_mig_td_demand_done(struct tdx_mig_td *td, const struct tdx_mig_import_page *pages,
			    u32 n);

/* BLOCKW and RESTORE over td->gpa_list (dirty.c). */
int tdx_mig_dirty_gpa_list_run(struct tdx_mig_td *td,
			       u64 (*leaf)(struct tdx_mig_tdr tdr, u64 *gpa_list), unsigned int n,
			       u64 *status);

/* Abort and restore (abort.c). */
int tdx_mig_abort_export(struct tdx_mig_stream *s, u64 *arg, u64 *status);
int tdx_mig_abort_import(struct tdx_mig_stream *s, u64 *arg, u64 *status);
int tdx_mig_abort_restore_all(struct tdx_mig_td *td);

/* debugfs (debugfs.c). */
struct dentry *tdx_mig_debugfs_init(void);
void tdx_mig_debugfs_exit(void);
void tdx_mig_debugfs_td_add(struct tdx_mig_td *td);
void tdx_mig_debugfs_td_remove(struct tdx_mig_td *td);

/* The commands (cmd.c). */
int tdx_mig_cmd(struct tdx_mig_stream *s, struct kvm_tdx_cmd *cmd);

#endif /* TDX_MIG_CORE_H */
