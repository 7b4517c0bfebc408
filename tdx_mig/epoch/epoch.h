/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Epochs: the tokens that close an epoch or the in-order phase, the pause,
 * the commit and the end (token.c). Calls the call engine and the session.
 */
#ifndef TDX_MIG_EPOCH_H
#define TDX_MIG_EPOCH_H

#include "migsc/migsc.h"

int tdx_mig_epoch_export_track(struct tdx_mig_stream *s, u64 *arg, u64 *status);
int tdx_mig_epoch_import_track(struct tdx_mig_stream *s, u64 *arg, u64 *status);
int tdx_mig_epoch_export_pause(struct tdx_mig_stream *s, u64 *arg, u64 *status);
int tdx_mig_epoch_import_end(struct tdx_mig_stream *s, u64 *arg, u64 *status);

#endif /* TDX_MIG_EPOCH_H */
