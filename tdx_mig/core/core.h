/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The migration core: one struct tdx_mig_td per TD (the session), one
 * struct tdx_mig_stream per stream fd.
 *
 * Lock order: the hypervisor's VM lock, then tdx_mig_td.lock (the session;
 * shared by memory bundles, exclusive for everything else), then
 * tdx_mig_stream.lock, then tdx_mig_servtd_lock (bindings and MigTD
 * requests), then the hypervisor's locks its callbacks take (innermost).
 * The write-fault path takes none of them: it uses atomic bit operations
 * and one SEAMCALL.
 */
#ifndef TDX_MIG_CORE_H
#define TDX_MIG_CORE_H

#include <linux/atomic.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <uapi/linux/tdx_mig.h>

#include "host.h"
#include "seamcall/seamcall.h"

struct seq_file;

/* Binding slots of one MigTD (Intel's SERVTD_SLOTS_MAX). */
#define TDX_MIG_SERVTD_SLOTS	32

enum tdx_mig_binding_state {
	TDX_MIG_BINDING_INIT,
	TDX_MIG_BINDING_PREBOUND,
	TDX_MIG_BINDING_BOUND,
	TDX_MIG_BINDING_PREMIG_WAIT,
	TDX_MIG_BINDING_PREMIG_PROGRESS,
	TDX_MIG_BINDING_PREMIG_DONE,
};

/**
 * struct tdx_mig_binding - a user TD's binding to its Migration TD
 * @state:	enum tdx_mig_binding_state
 * @handle, @uuid: what TDH.SERVTD.BIND returned
 * @attr:	SERVTD_ATTR
 * @servtd:	the MigTD, NULL when none is bound or it went away
 * @slot:	the index in the MigTD's table
 * @req_id:	the request id the MigTD sees: @slot, plus a number unique
 *		to this binding above the slot bits
 * @is_src, @vsock_port: from KVM_TDX_SET_MIGRATION_INFO
 */
struct tdx_mig_binding {
	enum tdx_mig_binding_state state;
	u64 handle;
	u64 uuid[4];
	u64 attr;
	struct tdx_mig_td *servtd;
	u8 slot;
	u64 req_id;
	bool is_src;
	u32 vsock_port;
};

/**
 * struct tdx_mig_servtd_wait - a MigTD's WaitForRequest not yet answered
 * @armed:	a request is awaited
 * @raw:	GHCI 1.5 vmcall-raw (else TDG.VP.VMCALL<Service>)
 * @gpa, @len:	the buffer the answer goes to
 * @vector:	the interrupt that tells the MigTD, 0 to poll
 * @next_slot:	where the search for a waiting user TD starts (round robin)
 */
struct tdx_mig_servtd_wait {
	bool armed;
	bool raw;
	u64 gpa;
	u32 len;
	u8 vector;
	u8 next_slot;
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
 * @vp_next:	the next vCPU to export or import (index order)
 * @max_migs:	the TDX Module's MAX_MIGS; @migsc has that many entries
 * @state_pages: the most pages any state bundle needs
 * @migsc:	MIGSC pages, [0] the backward stream, [i + 1] forward stream
 *		i; kept until the TD is destroyed, for re-migration
 * @stream_used: forward streams with an open fd
 * @dirty:	private GFNs written since the VMM last cleared them
 * @blocked:	private GFNs write-blocked by TDH.EXPORT.BLOCKW
 * @gpa_list:	the GPA list of BLOCKW and RESTORE, under @lock
 * @write_faults, @write_blocked: TD-wide counters for the statistics
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
	u32 vp_next;
	u16 max_migs;
	u16 state_pages;
	struct page **migsc;
	unsigned long *stream_used;
	unsigned long *dirty;
	unsigned long *blocked;
	struct page *gpa_list;
	atomic64_t write_faults;
	atomic64_t write_blocked;
	struct tdx_mig_binding binding;
	struct tdx_mig_td *usertds[TDX_MIG_SERVTD_SLOTS];
	struct tdx_mig_servtd_wait servtd_wait;
};

/* An interrupted call of a stream, resumed when the same call comes again. */
struct tdx_mig_pending {
	bool active;
	u32 id;
	u64 arg;
	u32 generation;
	u64 gpa_list_info;
	u64 tdvpr_pa;
};

/**
 * struct tdx_mig_stream - one migration stream (one stream fd)
 * @td:		its TD; the fd holds a reference on the VM
 * @index:	the forward stream index (MIGS_INDEX)
 * @lock:	serializes calls; a second caller gets -EBUSY
 * @ready:	buffers allocated (SET_ATTR done); set once, with release
 * @buf_list_pages: negotiated data buffer pages
 * @mbmd, @gpa_list, @mac:	pages mapped at offsets 0, 1, 2 and 3
 * @bufs:	@buf_list_pages data pages, mapped from offset 4
 * @buf_list:	kernel-only: the migration-buffer list over @bufs
 * @page_list:	kernel-only: the state page list, the first @bufs
 * @td_list:	kernel-only: the new-page list of TDH.IMPORT.MEM
 * @gpa_copy:	kernel-only: the GPA list an import works on, copied from
 *		@gpa_list so the VMM cannot change it under the host
 * @pending:	an interrupted call, under @lock
 * @stats:	counters, under @lock
 */
struct tdx_mig_stream {
	struct tdx_mig_td *td;
	u16 index;
	struct mutex lock;		/* serializes the stream's calls */
	bool ready;
	u32 buf_list_pages;
	struct page *mbmd;
	struct page *gpa_list;
	struct page *mac[2];
	struct page **bufs;
	struct page *buf_list;
	struct page *page_list;
	struct page *td_list;
	struct page *gpa_copy;
	struct tdx_mig_pending pending;
	struct kvm_tdx_mig_stats stats;
};

/* Internal functions the KUnit suites call (tdx_mig_kunit.ko is another module). */
#if IS_ENABLED(CONFIG_KUNIT)
#define EXPORT_SYMBOL_FOR_TDX_MIG_KUNIT(sym)	EXPORT_SYMBOL_GPL(sym)
#else
#define EXPORT_SYMBOL_FOR_TDX_MIG_KUNIT(sym)
#endif

/* Buffers negotiated: they never change after this reads true. */
static inline bool tdx_mig_stream_ready(const struct tdx_mig_stream *s)
{
	/* Pairs with smp_store_release() in stream_negotiate(). */
	return smp_load_acquire(&s->ready);
}

/* The session (td.c). */
bool tdx_mig_td_is_main(const struct tdx_mig_stream *s);
int tdx_mig_td_stream_get(struct tdx_mig_td *td, u16 *index);
void tdx_mig_td_stream_put(struct tdx_mig_td *td, u16 index);
void tdx_mig_td_sync_state(struct tdx_mig_td *td);
u64 tdx_mig_td_mem_bytes(struct tdx_mig_td *td);

/* Binding to Migration TDs (servtd.c); the lock guards bindings and requests. */
extern struct mutex tdx_mig_servtd_lock;
void tdx_mig_servtd_release(struct tdx_mig_td *td);
void tdx_mig_servtd_premig_consume(struct tdx_mig_td *td);

/* The MigTD's requests (migtd.c); notify under tdx_mig_servtd_lock. */
void tdx_mig_servtd_notify(struct tdx_mig_td *servtd);
int tdx_mig_servtd_memory_show(struct seq_file *m, void *unused);

/* Dirty tracking and abort (dirty.c). */
void tdx_mig_dirty_start(struct tdx_mig_td *td);
void tdx_mig_dirty_redirty(struct tdx_mig_td *td, u64 gfn);
int tdx_mig_dirty_block(struct tdx_mig_td *td, u64 first, u64 n, const unsigned long *mask);
int tdx_mig_restore_all(struct tdx_mig_td *td);

/*
 * A busy operand is another CPU's SEAMCALL holding a lock the TDX Module
 * only try-locks, or (TDH.MEM.TRACK) a vCPU still running in the previous
 * TLB epoch: retried this many times (tdx_mig_busy_backoff()).
 */
#define TDX_MIG_BUSY_RETRIES	2000

static inline bool tdx_mig_status_busy(u64 status)
{
	u64 code = tdx_status_code(status);

	return code == TDX_STATUS_OPERAND_BUSY || code == TDX_STATUS_OPERAND_BUSY_HOST_PRIORITY ||
	       code == TDX_STATUS_PREVIOUS_TLB_EPOCH_BUSY;
}

/* The resumable-call engine (call.c). */
bool tdx_mig_busy_backoff(unsigned int *tries);
typedef u64 (*tdx_mig_step_fn)(struct tdx_mig_stream *s, bool resume, void *ctx);
int tdx_mig_call(struct tdx_mig_stream *s, tdx_mig_step_fn step, void *ctx, u64 *status);
int tdx_mig_call_once(struct tdx_mig_stream *s, tdx_mig_step_fn step, void *ctx, u64 *status);
int tdx_mig_gpa_list_run(struct tdx_mig_td *td, u64 (*leaf)(u64 tdr_pa, u64 *gpa_list),
			 unsigned int n, u64 *status);

/* The commands (cmd.c). */
int tdx_mig_cmd(struct tdx_mig_stream *s, struct kvm_tdx_cmd *cmd);
void tdx_mig_stream_redirty(struct tdx_mig_stream *s, u32 n);

/* Operand helpers shared by the commands. */
static inline u64 tdx_mig_mbmd_operand(const struct tdx_mig_stream *s)
{
	return tdx_hpa_and_size_encode(page_to_phys(s->mbmd), sizeof(struct tdx_mbmd));
}

#endif /* TDX_MIG_CORE_H */
