/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Streams: the stream device's callbacks (stream.c), the MIGSC behind
 * each stream index (migsc.c) and the resumable-call engine (call.c).
 * Calls the typed SEAMCALL wrappers and the session (core/core.h).
 */
#ifndef TDX_MIG_MIGSC_H
#define TDX_MIG_MIGSC_H

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include "core/core.h"

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
 * struct tdx_mig_stream - one migration stream (one stream device)
 * @td:		its TD; the hypervisor's device fd holds a reference on the VM
 * @index:	the forward stream index (MIGS_INDEX)
 * @lock:	serializes calls; a second caller gets -EBUSY
 * @ready:	buffers allocated (SET_ATTR done); set once, with release
 * @buf_list_pages: negotiated data buffer pages
 * @mbmd, @gpa_list, @mac:	pages mapped at offsets 0, 1, 2 and 3
 * @bufs:	@buf_list_pages data pages, mapped from offset 4
 * @buf_list:	kernel-only: the migration-buffer list over @bufs
 * @page_list:	kernel-only: the state page list, the first @bufs
 * @td_list:	kernel-only: the new-page list of TDH.IMPORT.MEM
 * @gpa_copy:	kernel-only: the GPA list a memory bundle works on, copied
 *		from @gpa_list so the VMM cannot change it under the host
 * @import:	kernel-only: an import's entries, as the hypervisor sees them
 * @mbmd_copy:	kernel-only: the MBMD an IMPORT_STATE_VP checked and passes
 * @pending:	an interrupted call, under @lock
 * @stats:	counters, under @lock
 * @meta_bytes_copied: bundle metadata (GPA lists, MBMDs) the host copied,
 *		under @lock (debugfs; page data is @stats.page_bytes_copied)
 * @debugfs:	its debugfs file, in its TD's directory
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
	struct tdx_mig_import_page *import;
	struct page *mbmd_copy;
	struct tdx_mig_pending pending;
	struct kvm_tdx_mig_stats stats;
	u64 meta_bytes_copied;
	struct dentry *debugfs;
};

/* Buffers negotiated: they never change after this reads true. */
static inline bool tdx_mig_migsc_ready(const struct tdx_mig_stream *s)
{
	/* Pairs with smp_store_release() in stream_negotiate(). */
	return smp_load_acquire(&s->ready);
}

/*
 * Every copy the host module makes of a bundle's content goes through
 * here, and is counted: @page_data for page data (a bounce buffer, the
 * contents of a data buffer or of a state page), else bundle metadata
 * (GPA lists, MBMDs). The design copies no page data: the TDX Module reads
 * and writes the stream's own buffer pages, which the VMM maps, so
 * KVM_TDX_MIG_GET_STATS's page_bytes_copied stays 0 unless a change adds a
 * copy; make bench prints it, and stats_test expects 0.
 *
 * Context: s->lock held.
 */
static inline void tdx_mig_migsc_copy(struct tdx_mig_stream *s, void *dst, const void *src,
				      size_t len, bool page_data)
{
	lockdep_assert_held(&s->lock);
	memcpy(dst, src, len);
	if (page_data)
		s->stats.page_bytes_copied += len;
	else
		s->meta_bytes_copied += len;
}

/* Stream indexes and their MIGSCs (migsc.c). */
int tdx_mig_migsc_get(struct tdx_mig_td *td, u16 *index);
void tdx_mig_migsc_put(struct tdx_mig_td *td, u16 index);
void tdx_mig_migsc_reclaim_all(struct tdx_mig_td *td);

/* The resumable-call engine (call.c). */
typedef u64 (*tdx_mig_migsc_step_fn)(struct tdx_mig_stream *s, bool resume, void *ctx);
int tdx_mig_migsc_call(struct tdx_mig_stream *s, u16 leaf, tdx_mig_migsc_step_fn step,
		       void *ctx, u64 *status);
int tdx_mig_migsc_call_once(struct tdx_mig_stream *s, u16 leaf, tdx_mig_migsc_step_fn step,
			    void *ctx, u64 *status);

/* Statistics of a stream (stream.c). */
int tdx_mig_migsc_stats_read(struct tdx_mig_stream *s, struct kvm_tdx_mig_stats *st);
int tdx_mig_migsc_stats(struct tdx_mig_stream *s, u64 data);

/* Its debugfs file (core/debugfs.c). */
void tdx_mig_debugfs_stream_add(struct tdx_mig_stream *s);
void tdx_mig_debugfs_stream_remove(struct tdx_mig_stream *s);

/* Operand helpers shared by the commands. */
static inline u64 tdx_mig_migsc_mbmd(const struct tdx_mig_stream *s)
{
	return tdx_hpa_and_size_encode(page_to_phys(s->mbmd), sizeof(struct tdx_mbmd));
}

static inline u64 tdx_mig_migsc_cmd(const struct tdx_mig_stream *s, u16 index, bool resume)
{
	return tdx_migs_index_and_cmd_encode(index, resume ? TDX_MIGS_CMD_RESUME :
							     TDX_MIGS_CMD_NEW);
}

#endif /* TDX_MIG_MIGSC_H */
