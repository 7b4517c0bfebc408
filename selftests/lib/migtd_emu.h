/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emulated Migration TD: a MigTD VM of the emulated host platform
 * whose guest part runs here, in userspace, through register-level TDCALLs
 * (guest programs of SET_REG steps and one TDCALL). It does what MigTD
 * does per request: loop on WaitForRequest (TDG.VP.VMCALL<Service>),
 * connect to its peer over TCP on loopback (the port from the request, as
 * operators bridge MigTD's vsock with socat), exchange MIG_ENC_KEYs, write
 * the peer's into MIG_DEC_KEY and the agreed MIG_VERSION with
 * TDG.SERVTD.WR, and ReportStatus. Requests run concurrently, told apart
 * by request id.
 *
 * It does NO attestation and NO policy check: the real MigTD does both
 * (RA-TLS or SPDM, the migration policy) and on hardware it is the real
 * MigTD that runs. Here the key crosses loopback in the clear.
 */
#ifndef MIGTD_EMU_H
#define MIGTD_EMU_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "test_backend.h"

#define MIGTD_SHARED_PAGES	TB_MIGTD_SHARED_PAGES
#define MIGTD_VECTOR		0x50
#define MIGTD_MAX_SESSIONS	12
/* The shared-memory offsets of migtd_wait_request()'s command and response. */
#define MIGTD_WAIT_CMD		0
#define MIGTD_WAIT_RSP		4096

/* TDG.VP.VMCALL sub-functions (GHCI) and their statuses. */
#define VMCALL_SERVICE		0x10005
#define VMCALL_MIGTD		0x10006
#define VMCALL_INVALID_OPERAND	0x8000000000000000ULL

/* Legacy service response statuses. */
#define SERVICE_RETURNED	0
#define SERVICE_BAD_CMD_BUF	4
#define SERVICE_OUT_OF_RES	8
#define SERVICE_UNSUPPORTED	0xfffffffeU
#define SERVICE_PENDING		0xffffffffU

/* GPR numbers, as in the instruction encoding: indexes of migtd_tdcall()'s @gpr. */
enum {
	R_RAX, R_RCX, R_RDX, R_RBX, R_RSP, R_RBP, R_RSI, R_RDI,
	R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15,
};

/* The legacy service buffers' header: 24 bytes, no padding. */
struct migtd_service_hdr {
	uint8_t guid[16];
	uint32_t length;
	uint32_t status;
};

extern const uint8_t migtd_guid_query[16];
extern const uint8_t migtd_guid_migtd[16];

struct migtd {
	int vm;
	uint8_t *shared;		/* MIGTD_SHARED_PAGES pages */
	pthread_mutex_t vcpu_lock;	/* one vCPU: one guest call at a time */
	unsigned int fail_reports;	/* report failure for this many requests */
	/* if >= 0, each session writes its result byte here once reported */
	int report_fd;
	bool verbose;
	/*
	 * The IPv4 address (network order) a source connects to and a
	 * destination listens on; 0 is 127.0.0.1 (single host).
	 */
	uint32_t peer_addr;
};

/* What WaitForRequest brought. */
struct migtd_request {
	uint64_t req_id;
	bool source;
	uint64_t uuid[4];
	uint64_t handle;
	uint32_t port;
};

/* The GPA of shared-memory offset @off. */
uint64_t migtd_gpa(uint64_t off);

int migtd_init(struct migtd *t);
void migtd_fini(struct migtd *t);

/*
 * The guest runs one instruction, as a MigTD polling a request buffer
 * (a WaitForRequest armed without a vector): an answer due is written
 * before its vCPU runs.
 */
int migtd_poll(struct migtd *t);
/* TDCALL @leaf with @gpr in; @gpr out. @run gets the run's exit if given. */
int migtd_tdcall(struct migtd *t, uint64_t leaf, uint64_t gpr[16], void *run);
/* TDG.VP.VMCALL: R10-R15, RBX, RDI in @gpr; R10 is the status. */
int migtd_vmcall(struct migtd *t, uint64_t gpr[16], void *run);
/*
 * A vmcall-raw (MigTD) call: @leaf, then R13, R14, R15, RBX, RDI; returns
 * R10, or ~0 if the TDCALL itself failed.
 */
uint64_t migtd_raw(struct migtd *t, uint64_t leaf, uint64_t r13, uint64_t r14, uint64_t r15,
		   uint64_t rbx, uint64_t rdi, void *run);
/* TDG.VP.VMCALL<Service>: buffers at shared offsets; returns R10 via @r10. */
int migtd_service(struct migtd *t, uint64_t cmd_off, uint64_t rsp_off, uint8_t vector,
		  uint64_t *r10);
/* The legacy buffers: a MigTD command, and a response prefilled as pending. */
void migtd_put_cmd(struct migtd *t, uint64_t off, const void *guid, const void *data,
		   uint32_t len);
void migtd_put_rsp(struct migtd *t, uint64_t off, uint32_t size);
uint32_t migtd_rsp_status(struct migtd *t, uint64_t off);

/* WaitForRequest: 1 with a request, 0 for none yet, or -errno. */
int migtd_wait_request(struct migtd *t, uint8_t vector, struct migtd_request *req);
/* The HOB list of a WaitForRequest answer at shared offset @off. */
int migtd_parse_hobs(const uint8_t *data, uint32_t len, struct migtd_request *req);
/* ReportStatus of @result (0: success); returns the response status. */
int migtd_report(struct migtd *t, unsigned int slot, uint64_t req_id, uint8_t result);
/* The key exchange with the peer over @sock, as MigTD's exchange_msk. */
int migtd_exchange(struct migtd *t, const struct migtd_request *req, int sock);

/* Serve requests until killed; writes a byte to @ready_fd once it runs. */
int migtd_serve(struct migtd *t, int ready_fd);
/* A MigTD in a child process; its pid (what BIND names), or -errno. */
pid_t migtd_spawn(unsigned int fail_reports);
/* The same, writing each session's result byte to @report_fd after ReportStatus. */
pid_t migtd_spawn_reporting(unsigned int fail_reports, int report_fd);
void migtd_kill(pid_t pid);

#endif /* MIGTD_EMU_H */
