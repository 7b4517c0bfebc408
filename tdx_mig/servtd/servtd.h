/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Service TDs: a user TD's binding to its Migration TD (bind.c) and the
 * Migration TD's service requests (migtd.c). Calls the session and the
 * hypervisor's callbacks; takes tdx_mig_servtd_lock inside the session lock.
 */
#ifndef TDX_MIG_SERVTD_H
#define TDX_MIG_SERVTD_H

#include <linux/mutex.h>
#include <linux/types.h>

struct seq_file;
struct tdx_mig_td;

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
	bool pending;		/* an answer may be due: deliver in the MigTD's context */
	bool raw;
	u64 gpa;
	u32 len;
	u8 vector;
	u8 next_slot;
};

/* Binding to Migration TDs (servtd.c); the lock guards bindings and requests. */
extern struct mutex tdx_mig_servtd_lock;
void tdx_mig_servtd_release(struct tdx_mig_td *td);
void tdx_mig_servtd_premig_consume(struct tdx_mig_td *td);

/* The MigTD's requests (migtd.c); notify under tdx_mig_servtd_lock. */
void tdx_mig_servtd_notify(struct tdx_mig_td *servtd);
int tdx_mig_servtd_memory_show(struct seq_file *m, void *unused);

#endif /* TDX_MIG_SERVTD_H */
