/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The destination VMM's end of the cross-host wire (mig_wire.h): it
 * listens, makes the destination TD a source's HELLO describes, binds it
 * to its Migration TD, and imports what comes. mig_dest_accept() returns
 * once every stream's connection is up; mig_dest_wait() then waits for the
 * commit (the TD may run: in post-copy give its vCPUs mig_dest_fetch())
 * or for the end (IMPORT_END and the source's hashes compared).
 * mig_dest_finish() ends one migration, closing its TD; the listener
 * serves the next.
 */
#ifndef TDX_MIG_DEST_H
#define TDX_MIG_DEST_H

#include <stdint.h>
#include <sys/types.h>

#include "mig_wire.h"
#include "tdx_mig_vmm.h"

struct mig_dest;

struct mig_dest_stats {
	uint64_t bundles;
	uint64_t pages;			/* imported (CANCELs not counted) */
	uint64_t shared_pages;		/* shared memory pages received */
	uint64_t fault_requests;	/* FAULT frames sent, repeats included */
	uint64_t fetched;		/* faults that waited for their page */
	uint64_t resumptions;		/* the kernel's, of every stream */
	uint64_t mem_hash;
	int verify;			/* 0, or -EBADMSG if the hashes differ */
	double fault_median_ms;
	double fault_max_ms;
	double commit_ms;
	double end_ms;
};

enum mig_dest_event {
	MIG_DEST_ACCEPTED,
	MIG_DEST_COMMITTED,
	MIG_DEST_VERIFIED,
};

int mig_dest_listen(struct mig_dest **out, const char *addr, uint16_t port, pid_t migtd);
/* Pre-bind each destination TD by the MigTD's SERVTD_INFO_HASH first. */
void mig_dest_prebind(struct mig_dest *d, const uint8_t hash[48]);
/* One incoming migration, up to its streams: 0, or -errno (mig_dest_why() says). */
int mig_dest_accept(struct mig_dest *d);
/* 0 once @e happened; the migration's error (-EBADMSG: hashes differ). */
int mig_dest_wait(struct mig_dest *d, enum mig_dest_event e);
/* A vCPU's fault on @gfn in post-copy: ask the source, wait: 0 or -errno. */
int mig_dest_fetch(void *d, uint64_t gfn);
/*
 * One whole migration: mig_dest_accept(); in post-copy, once committed, the
 * TD's vCPUs touch every page (mig_dest_fetch() brings what is not there);
 * then the end. 0 when the source's hashes matched, or -errno
 * (mig_dest_why() says why); *@committed: the TD was committed (a failure
 * then loses it); *@fetched: vCPU exits that fetched a page. @event, if
 * given, is told when the streams are up and at the commit.
 */
int mig_dest_run(struct mig_dest *d, void (*event)(struct mig_dest *d, enum mig_dest_event e),
		 bool *committed, uint64_t *fetched);
int mig_dest_vm(const struct mig_dest *d);
const struct mig_hello *mig_dest_shape(const struct mig_dest *d);
const char *mig_dest_why(const struct mig_dest *d);
/* Complete after mig_dest_finish(). */
const struct mig_dest_stats *mig_dest_stats(const struct mig_dest *d);
void mig_dest_finish(struct mig_dest *d);
void mig_dest_close(struct mig_dest *d);

#endif /* TDX_MIG_DEST_H */
