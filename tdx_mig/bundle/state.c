// SPDX-License-Identifier: GPL-2.0
/*
 * State bundles: the immutable state, the TD's mutable state and each
 * vCPU's, exported to or imported from the stream's state page list.
 */
#include <linux/mm.h>

#include "bundle/bundle.h"

/* The state page list over the first @n buffers. */
static u64 state_list(const struct tdx_mig_stream *s, u32 n)
{
	return tdx_page_list_info_encode(page_to_phys(s->page_list), n - 1);
}

/* The stream's MBMD as the VMM wrote it (read once: it may change). */
static void mbmd_read(struct tdx_mig_stream *s, struct tdx_mbmd *m)
{
	tdx_mig_migsc_copy(s, m, page_address(s->mbmd), sizeof(*m), false);
}

/* The TD's state (IMMUTABLE, TD) takes its TDR, a vCPU's (VP) its TDVPR. */
struct state_call {
	struct tdx_mig_tdr tdr;		/* exp, imp */
	struct tdx_mig_tdvpr tdvpr;	/* exp_vp, imp_vp */
	u64 mbmd;	/* the MBMD operand: the stream's, or a kernel copy */
	u16 index;	/* MIGS_INDEX */
	u16 leaf;	/* for the trace event */
	u32 pages;	/* import: pages given; export: pages written */
	u64 (*exp)(struct tdx_mig_tdr tdr, u64 mbmd, u64 list, u64 cmd, u64 *pages);
	u64 (*imp)(struct tdx_mig_tdr tdr, u64 mbmd, u64 list, u64 cmd);
	u64 (*exp_vp)(struct tdx_mig_tdvpr tdvpr, u64 mbmd, u64 list, u64 cmd, u64 *pages);
	u64 (*imp_vp)(struct tdx_mig_tdvpr tdvpr, u64 mbmd, u64 list, u64 cmd);
};

static u64 state_step(struct tdx_mig_stream *s, bool resume, void *ctx)
{
	struct state_call *c = ctx;
	u64 cmd = tdx_mig_migsc_cmd(s, c->index, resume), pages = 0, list, ret;

	if (c->imp || c->imp_vp) {
		list = state_list(s, c->pages);
		return c->imp ? c->imp(c->tdr, c->mbmd, list, cmd) :
				c->imp_vp(c->tdvpr, c->mbmd, list, cmd);
	}
	list = state_list(s, s->buf_list_pages);
	ret = c->exp ? c->exp(c->tdr, c->mbmd, list, cmd, &pages) :
		       c->exp_vp(c->tdvpr, c->mbmd, list, cmd, &pages);
	c->pages = pages;
	return ret;
}

static int state_run(struct tdx_mig_stream *s, struct state_call *c, u64 *status)
{
	int ret;

	if (!c->mbmd)
		c->mbmd = tdx_mig_migsc_mbmd(s);
	ret = tdx_mig_migsc_call(s, c->leaf, state_step, c, status);

	if (!ret) {
		s->stats.bundles++;
		s->stats.bytes += (u64)c->pages * PAGE_SIZE;
	}
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

int tdx_mig_bundle_export_immutable(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	struct state_call c = { .tdr = tdx_mig_tdr(s->td->info.tdr_pa),
				.leaf = SEAMCALL_TDH_EXPORT_STATE_IMMUTABLE,
				.exp = tdx_mig_tdh_export_state_immutable };
	int ret = state_run(s, &c, status);

	premig_used(s, ret, *status);
	if (ret)
		return ret;
	tdx_mig_td_set_state(s->td, TDX_OP_STATE_LIVE_EXPORT);
	s->td->vp_next = 0;
	tdx_mig_dirty_start(s->td);
	*arg = c.pages;
	return 0;
}

int tdx_mig_bundle_import_immutable(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	struct state_call c = { .tdr = tdx_mig_tdr(s->td->info.tdr_pa), .pages = *arg,
				.leaf = SEAMCALL_TDH_IMPORT_STATE_IMMUTABLE,
				.imp = tdx_mig_tdh_import_state_immutable };
	int ret = tdx_mig_bundle_pages_ok(s, *arg) ?: state_run(s, &c, status);

	premig_used(s, ret, *status);
	if (!ret)
		tdx_mig_td_set_state(s->td, TDX_OP_STATE_MEMORY_IMPORT);
	return ret;
}

int tdx_mig_bundle_export_td(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	struct state_call c = { .tdr = tdx_mig_tdr(s->td->info.tdr_pa),
				.leaf = SEAMCALL_TDH_EXPORT_STATE_TD,
				.exp = tdx_mig_tdh_export_state_td };
	int ret = state_run(s, &c, status);

	if (!ret)
		*arg = c.pages;
	return ret;
}

int tdx_mig_bundle_import_td(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	struct state_call c = { .tdr = tdx_mig_tdr(s->td->info.tdr_pa), .pages = *arg,
				.leaf = SEAMCALL_TDH_IMPORT_STATE_TD,
				.imp = tdx_mig_tdh_import_state_td };
	int ret = tdx_mig_bundle_pages_ok(s, *arg) ?: state_run(s, &c, status);

	if (!ret) {
		tdx_mig_td_set_state(s->td, TDX_OP_STATE_STATE_IMPORT);
		s->td->vp_next = 0;
	}
	return ret;
}

/* The next vCPU, in index order. */
int tdx_mig_bundle_export_vp(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	struct tdx_mig_td *td = s->td;
	struct state_call c = { .index = s->index, .leaf = SEAMCALL_TDH_EXPORT_STATE_VP,
				.exp_vp = tdx_mig_tdh_export_state_vp };
	u64 tdvpr_pa;
	int ret;

	if (s->pending.active) {
		tdvpr_pa = s->pending.tdvpr_pa;
	} else {
		ret = td->ops->vcpu_tdvpr(td->vm, td->vp_next, &tdvpr_pa);
		if (ret)
			return ret;
		s->pending.tdvpr_pa = tdvpr_pa;
	}
	c.tdvpr = tdx_mig_tdvpr(tdvpr_pa);
	ret = state_run(s, &c, status);
	if (ret)
		return ret;
	td->vp_next++;
	*arg = c.pages;
	return 0;
}

/*
 * The vCPU index comes from the MBMD; vCPUs are imported in index order,
 * each into the vCPU the VMM created for it. The MBMD the index was read
 * from is the one the TDX Module gets, even on a resumption after the VMM
 * wrote another into its mapping: a kernel copy.
 */
int tdx_mig_bundle_import_vp(struct tdx_mig_stream *s, u64 *arg, u64 *status)
{
	struct tdx_mig_td *td = s->td;
	struct state_call c = { .index = s->index, .pages = *arg,
				.mbmd = tdx_hpa_and_size_encode(page_to_phys(s->mbmd_copy),
								sizeof(struct tdx_mbmd)),
				.leaf = SEAMCALL_TDH_IMPORT_STATE_VP,
				.imp_vp = tdx_mig_tdh_import_state_vp };
	struct tdx_mbmd *m = page_address(s->mbmd_copy);
	u64 index, tdvpr_pa;
	int ret;

	ret = tdx_mig_bundle_pages_ok(s, *arg);
	if (ret)
		return ret;
	if (s->pending.active) {
		tdvpr_pa = s->pending.tdvpr_pa;
	} else {
		mbmd_read(s, m);
		index = FIELD_GET(TDX_MBMD_VP_INDEX, le64_to_cpu(m->vcpu));
		if (m->hdr.mb_type != TDX_MB_TYPE_MUTABLE_VCPU_STATE || index != td->vp_next ||
		    index >= td->info.max_vcpus)
			return -EINVAL;
		ret = td->ops->vcpu_import(td->vm, index, &tdvpr_pa);
		if (ret)
			return ret;
		s->pending.tdvpr_pa = tdvpr_pa;
	}
	c.tdvpr = tdx_mig_tdvpr(tdvpr_pa);
	ret = state_run(s, &c, status);
	if (!ret)
		td->vp_next++;
	return ret;
}
