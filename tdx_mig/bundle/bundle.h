/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bundles as the host builds and checks them: state bundles (state.c) and
 * memory bundles (mem.c). Calls the call engine, the session and the dirty
 * log.
 */
#ifndef TDX_MIG_BUNDLE_H
#define TDX_MIG_BUNDLE_H

#include "migsc/migsc.h"

/* A page count for an import: 1 .. buf_list_pages. */
static inline int tdx_mig_bundle_pages_ok(const struct tdx_mig_stream *s, u64 n)
{
	if (!n)
		return -EINVAL;
	return n > s->buf_list_pages ? -E2BIG : 0;
}

/* State bundles (state.c). */
int tdx_mig_bundle_export_immutable(struct tdx_mig_stream *s, u64 *arg, u64 *status);
int tdx_mig_bundle_import_immutable(struct tdx_mig_stream *s, u64 *arg, u64 *status);
int tdx_mig_bundle_export_td(struct tdx_mig_stream *s, u64 *arg, u64 *status);
int tdx_mig_bundle_import_td(struct tdx_mig_stream *s, u64 *arg, u64 *status);
int tdx_mig_bundle_export_vp(struct tdx_mig_stream *s, u64 *arg, u64 *status);
int tdx_mig_bundle_import_vp(struct tdx_mig_stream *s, u64 *arg, u64 *status);

/* Memory bundles (mem.c). */
int tdx_mig_bundle_export_mem(struct tdx_mig_stream *s, u64 *arg, u64 *status);
int tdx_mig_bundle_import_mem(struct tdx_mig_stream *s, u64 *arg, u64 *status);

#endif /* TDX_MIG_BUNDLE_H */
