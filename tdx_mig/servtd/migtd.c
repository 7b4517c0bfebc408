// SPDX-License-Identifier: GPL-2.0
/*
 * The requests a Migration TD makes of its host, as KVM serves them: the
 * legacy TDG.VP.VMCALL<Service> (Query, WaitForRequest, ReportStatus) and
 * GHCI 1.5's TDG.VP.VMCALL<MigTD> (WaitForRequest, ReportStatus, Send,
 * Receive). Everything the guest gives (GPAs, lengths, ids, GUIDs) is
 * checked before use; buffers are read and written through the host's
 * shared-memory accessor, never through a guest-chosen length.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uuid.h>

#include "core/core.h"
#include "export.h"

#define VMCALL_SERVICE		0x10005
#define VMCALL_MIGTD		0x10006

/* The largest buffer a request may name: MigTD's MTU, 16 pages. */
#define SERVICE_BUF_MAX		0x10000

/* Interrupt vectors 1-31 are exceptions; 0 asks for no interrupt. */
static bool vector_ok(u64 v)
{
	return !v || (v >= 32 && v <= 255);
}

/* --- TDG.VP.VMCALL<Service>: GUID-tagged command and response buffers --- */

struct service_hdr {
	guid_t guid;
	__le32 length;		/* header and data */
	__le32 status;		/* response: SERVICE_*; command: reserved */
} __packed;

#define SERVICE_RETURNED	0
#define SERVICE_BAD_CMD_BUF	4
#define SERVICE_OUT_OF_RES	8
#define SERVICE_UNSUPPORTED	0xfffffffe

static const guid_t guid_query =
	GUID_INIT(0xfb6fc5e1, 0x3378, 0x4acb, 0x89, 0x64, 0xfa, 0x5e, 0xe4, 0x3b, 0x9c, 0x8a);
static const guid_t guid_migtd =
	GUID_INIT(0xe60e6330, 0x1e09, 0x4387, 0xa4, 0x44, 0x8f, 0x32, 0xb8, 0xd6, 0x11, 0xe5);
static const guid_t guid_hob_info =
	GUID_INIT(0x42b5e398, 0xa199, 0x4d30, 0xbe, 0xfc, 0xc7, 0x5a, 0xc3, 0xda, 0x5d, 0x7c);
static const guid_t guid_hob_policy =
	GUID_INIT(0xd64f771a, 0xf0c9, 0x4d33, 0x99, 0x8b, 0x0e, 0x3d, 0x8b, 0x94, 0x0a, 0x61);
static const guid_t guid_hob_socket =
	GUID_INIT(0x7a103b9d, 0x552b, 0x485f, 0xbb, 0x4c, 0x2f, 0x3d, 0x2e, 0x8b, 0x1e, 0x0e);

/* The MigTD GUID's commands: {version 0, command, operation, status}. */
struct migtd_cmd {
	u8 version;
	u8 command;
	u8 operation;
	u8 status;
} __packed;

#define MIGTD_CMD_SHUTDOWN	0
#define MIGTD_CMD_WAIT		1
#define MIGTD_CMD_REPORT	2
#define MIGTD_OP_NOOP		0
#define MIGTD_OP_START		1

struct migtd_report {
	struct migtd_cmd hdr;	/* operation 1, status: a MigrationResult */
	__le64 req_id;
} __packed;

struct query_data {
	u8 version;
	u8 command;
	u8 status;		/* response: 0 supported, 1 not */
	u8 reserved;
	guid_t guid;
} __packed;

/* The HOB list of a WaitForRequest answer: GUID extension HOBs, then END. */
struct hob_guid {
	__le16 type;
	__le16 length;
	__le32 reserved;
	guid_t guid;
} __packed;

#define HOB_TYPE_GUID_EXT	0x0004
#define HOB_TYPE_END		0xffff

/* MigtdMigrationInformation; the vmcall-raw layout stops at @binding_handle. */
struct migtd_info {
	__le64 req_id;
	u8 source;
	u8 has_init_data;
	u8 reserved[6];
	__le64 target_uuid[4];
	__le64 binding_handle;
	__le64 policy_id;
	__le64 communication_id;
} __packed;

#define MIGTD_INFO_RAW_BYTES	offsetof(struct migtd_info, policy_id)

struct migtd_socket_info {
	__le64 communication_id;
	__le64 cid;
	__le32 channel_port;
	__le32 quote_service_port;
} __packed;

struct migtd_policy_info {
	__le64 policy_id;
	__le32 policy_size;
} __packed;

#define VSOCK_CID_HOST		2

/* --- GHCI 1.5 vmcall-raw buffers: {u64 data_status, u32 length, data} --- */

struct raw_hdr {
	__le64 data_status;	/* byte 0: 1 done; byte 1: the operation */
	__le32 length;
} __packed;

#define RAW_LEAF_WAIT		1
#define RAW_LEAF_REPORT		2
#define RAW_LEAF_SEND		3
#define RAW_LEAF_RECEIVE	4
#define RAW_VERSION		1
#define RAW_DONE		1
/* The last MigrationResult (12) and InitializationError (0xff). */
#define RESULT_MAX		12
#define RESULT_INIT_ERROR	0xff

static int shared_rw(struct tdx_mig_td *td, u64 gpa, void *buf, size_t len, bool write)
{
	return td->ops->shared_access(td->vm, gpa, buf, len, write);
}

/* A buffer the guest names: page aligned, sized within the MTU. */
static bool buf_ok(u64 gpa, u64 len, u64 min)
{
	return PAGE_ALIGNED(gpa) && len >= min && len <= SERVICE_BUF_MAX;
}

/* All of a buffer (checked by buf_ok()) is shared memory of @td. */
static bool buf_shared(struct tdx_mig_td *td, u64 gpa, u64 len)
{
	return !shared_rw(td, gpa, NULL, 0, false) && !shared_rw(td, gpa + len - 1, NULL, 0, false);
}

/*
 * The user TD behind request id @id of @servtd, if its pre-migration runs.
 * The id names the binding, not only the slot: a user TD bound later to
 * the same slot has another id, so a late report cannot be taken as its.
 */
static struct tdx_mig_td *request_td(struct tdx_mig_td *servtd, u64 id)
{
	struct tdx_mig_td *td;

	lockdep_assert_held(&tdx_mig_servtd_lock);
	td = servtd->usertds[id % TDX_MIG_SERVTD_SLOTS];
	if (!td || td->binding.req_id != id || td->binding.servtd != servtd ||
	    td->binding.state != TDX_MIG_BINDING_PREMIG_PROGRESS)
		return NULL;
	return td;
}

/* The next user TD waiting, round robin so that none waits for ever. */
static struct tdx_mig_td *next_waiting(struct tdx_mig_td *servtd)
{
	unsigned int i, slot;

	for (i = 0; i < TDX_MIG_SERVTD_SLOTS; i++) {
		struct tdx_mig_td *td;

		slot = (servtd->servtd_wait.next_slot + i) % TDX_MIG_SERVTD_SLOTS;
		td = servtd->usertds[slot];
		if (td && td->binding.state == TDX_MIG_BINDING_PREMIG_WAIT)
			return td;
	}
	return NULL;
}

static void fill_info(const struct tdx_mig_td *td, struct migtd_info *info)
{
	const struct tdx_mig_binding *b = &td->binding;
	unsigned int i;

	memset(info, 0, sizeof(*info));
	info->req_id = cpu_to_le64(b->req_id);
	info->source = b->is_src;
	for (i = 0; i < ARRAY_SIZE(b->uuid); i++)
		info->target_uuid[i] = cpu_to_le64(b->uuid[i]);
	info->binding_handle = cpu_to_le64(b->handle);
}

/* Append one GUID HOB of @len data bytes at @p; returns the next HOB. */
static u8 *hob_put(u8 *p, const guid_t *guid, const void *data, size_t len)
{
	struct hob_guid *h = (struct hob_guid *)p;
	size_t total = ALIGN(sizeof(*h) + len, 8);

	h->type = cpu_to_le16(HOB_TYPE_GUID_EXT);
	h->length = cpu_to_le16(total);
	h->reserved = 0;
	h->guid = *guid;
	memcpy(h + 1, data, len);
	memset((u8 *)(h + 1) + len, 0, total - sizeof(*h) - len);
	return p + total;
}

/*
 * The WaitForRequest answer of the legacy protocol: the MigTD command
 * header, then at once the HOB list (MigTD reads it at offset 28):
 * MIGRATION_INFORMATION, STREAM_SOCKET_INFO, MIGPOLICY, END. Returns its
 * length; @out has room for WAIT_ANSWER_MAX bytes.
 */
#define WAIT_ANSWER_MAX		(sizeof(struct service_hdr) + sizeof(struct migtd_cmd) + \
				 4 * sizeof(struct hob_guid) + sizeof(struct migtd_info) + \
				 sizeof(struct migtd_socket_info) + \
				 sizeof(struct migtd_policy_info) + 4 * 8)

static size_t wait_answer(const struct tdx_mig_td *td, u8 *out)
{
	struct migtd_socket_info sock = {
		.cid = cpu_to_le64(VSOCK_CID_HOST),
		.channel_port = cpu_to_le32(td->binding.vsock_port),
	};
	struct migtd_policy_info policy = {};
	struct service_hdr *h = (struct service_hdr *)out;
	struct migtd_cmd *c = (struct migtd_cmd *)(h + 1);
	struct migtd_info info;
	u8 *p = (u8 *)(c + 1);
	struct hob_guid *end;

	fill_info(td, &info);
	*c = (struct migtd_cmd){ .command = MIGTD_CMD_WAIT, .operation = MIGTD_OP_START };
	p = hob_put(p, &guid_hob_info, &info, sizeof(info));
	p = hob_put(p, &guid_hob_socket, &sock, sizeof(sock));
	p = hob_put(p, &guid_hob_policy, &policy, sizeof(policy));
	end = (struct hob_guid *)p;
	end->type = cpu_to_le16(HOB_TYPE_END);
	end->length = cpu_to_le16(8);
	end->reserved = 0;
	p += 8;
	h->guid = guid_migtd;
	h->length = cpu_to_le32(p - out);
	h->status = cpu_to_le32(SERVICE_RETURNED);
	return p - out;
}

/* The vmcall-raw WaitForRequest answer: header and MIGRATION_INFORMATION. */
static size_t raw_wait_answer(const struct tdx_mig_td *td, u8 *out)
{
	struct raw_hdr *h = (struct raw_hdr *)out;
	struct migtd_info info;

	fill_info(td, &info);
	h->data_status = cpu_to_le64(RAW_DONE | MIGTD_OP_START << 8);
	h->length = cpu_to_le32(MIGTD_INFO_RAW_BYTES);
	memcpy(h + 1, &info, MIGTD_INFO_RAW_BYTES);
	return sizeof(*h) + MIGTD_INFO_RAW_BYTES;
}

/*
 * The answer to @servtd's armed WaitForRequest, for the next user TD
 * waiting, which moves to PREMIG_PROGRESS. An answer that does not fit is
 * a legacy OUT_OF_RES (the MigTD's buffer is too small for the HOB list)
 * and the user TD keeps waiting. Returns the bytes to write at *@gpa, 0
 * for none; *@td is the user TD answered.
 */
static size_t take_answer(struct tdx_mig_td *servtd, u8 *answer, u64 *gpa, u8 *vector,
			  struct tdx_mig_td **td)
{
	struct tdx_mig_servtd_wait *w = &servtd->servtd_wait;
	size_t len;

	lockdep_assert_held(&tdx_mig_servtd_lock);
	*td = next_waiting(servtd);
	if (!w->armed || !*td)
		return 0;
	len = w->raw ? raw_wait_answer(*td, answer) : wait_answer(*td, answer);
	/* raw_wait() made sure the raw answer fits. */
	if (len > w->len) {
		struct service_hdr *h = (struct service_hdr *)answer;

		h->length = cpu_to_le32(sizeof(*h));
		h->status = cpu_to_le32(SERVICE_OUT_OF_RES);
		len = sizeof(*h);
		*td = NULL;
	} else {
		(*td)->binding.state = TDX_MIG_BINDING_PREMIG_PROGRESS;
		w->next_slot = ((*td)->binding.slot + 1) % TDX_MIG_SERVTD_SLOTS;
	}
	w->armed = false;
	*gpa = w->gpa;
	*vector = w->vector;
	return len;
}

/*
 * Write an armed WaitForRequest's answer, if a user TD waits. Called in
 * the MigTD's own context (its memory is its VMM's) and not under the
 * service lock: a stalled MigTD stalls nothing else.
 */
static void deliver(struct tdx_mig_td *servtd)
{
	u8 answer[WAIT_ANSWER_MAX] __aligned(8) = {};
	struct tdx_mig_td *td;
	u8 vector = 0;
	size_t len;
	u64 gpa = 0;

	mutex_lock(&tdx_mig_servtd_lock);
	WRITE_ONCE(servtd->servtd_wait.pending, false);
	len = take_answer(servtd, answer, &gpa, &vector, &td);
	mutex_unlock(&tdx_mig_servtd_lock);
	if (!len)
		return;
	if (shared_rw(servtd, gpa, answer, len, true)) {
		/* Checked shared when armed: the MigTD changed its memory. */
		mutex_lock(&tdx_mig_servtd_lock);
		if (td && td->binding.state == TDX_MIG_BINDING_PREMIG_PROGRESS)
			td->binding.state = TDX_MIG_BINDING_PREMIG_WAIT;
		mutex_unlock(&tdx_mig_servtd_lock);
		return;
	}
	if (vector)
		servtd->ops->inject(servtd->vm, vector);
}

/**
 * tdx_mig_servtd_notify - a user TD of @servtd waits for pre-migration
 * @servtd: its MigTD
 *
 * The answer is the MigTD's to write, in its own context: this only marks
 * it due and kicks the MigTD, whose hypervisor then calls
 * tdx_mig_servtd_deliver() (a vCPU halted in a WaitForRequest wakes and
 * asks again). Context: tdx_mig_servtd_lock held.
 */
void tdx_mig_servtd_notify(struct tdx_mig_td *servtd)
{
	lockdep_assert_held(&tdx_mig_servtd_lock);
	WRITE_ONCE(servtd->servtd_wait.pending, true);
	servtd->ops->kick(servtd->vm);
}
EXPORT_SYMBOL_FOR_TDX_MIG_KUNIT(tdx_mig_servtd_notify);

/**
 * tdx_mig_servtd_deliver - a Migration TD's vCPU is about to run
 * @servtd: the Migration TD
 *
 * Answers the WaitForRequest it left armed once a user TD waits (and
 * posts its vector). The hypervisor calls this in the MigTD's own context
 * before entering or waking its vCPU, as KVM serves a vCPU request.
 *
 * Context: process context, the MigTD's VMM; no lock held.
 */
void tdx_mig_servtd_deliver(struct tdx_mig_td *servtd)
{
	if (servtd->info.servtd && READ_ONCE(servtd->servtd_wait.pending))
		deliver(servtd);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_servtd_deliver);

/* Pre-migration of @td ends; a failure leaves it bound for a retry. */
static void report(struct tdx_mig_td *servtd, struct tdx_mig_td *td, bool ok, u8 result)
{
	if (ok) {
		td->binding.state = TDX_MIG_BINDING_PREMIG_DONE;
		pr_info("Pre-migration is done, userspace pid=%d\n", servtd->info.pid);
	} else {
		td->binding.state = TDX_MIG_BINDING_BOUND;
		pr_err("pre-migration failed, request %llu, result %u, userspace pid=%d\n",
		       td->binding.req_id, result, servtd->info.pid);
	}
}

/* --- Legacy TDG.VP.VMCALL<Service> --- */

struct service_call {
	struct tdx_mig_td *servtd;
	u64 rsp_gpa;
	u32 rsp_len;		/* the response buffer's size, as the guest set it */
	u8 vector;
	bool armed;		/* WaitForRequest left to be answered later */
	u8 *cmd;		/* the command, @cmd_len bytes */
	u32 cmd_len;
	u8 *rsp;		/* the response, built under the lock */
	u32 rsp_bytes;		/* to write once the lock is dropped */
};

/* The response, written to the guest's buffer once the service lock is dropped. */
static void service_respond(struct service_call *sc, const guid_t *guid, u32 status,
			    const void *data, u32 len)
{
	struct service_hdr h = {
		.guid = *guid,
		.length = cpu_to_le32(sizeof(h) + len),
		.status = cpu_to_le32(status),
	};

	if (sizeof(h) + len > sc->rsp_len) {
		h.length = cpu_to_le32(sizeof(h));
		h.status = cpu_to_le32(SERVICE_OUT_OF_RES);
		len = 0;
	}
	memcpy(sc->rsp, &h, sizeof(h));
	if (len)
		memcpy(sc->rsp + sizeof(h), data, len);
	sc->rsp_bytes = sizeof(h) + len;
}

static void service_query(struct service_call *sc)
{
	struct query_data *q = (struct query_data *)(sc->cmd + sizeof(struct service_hdr));
	struct query_data a;

	if (sc->cmd_len != sizeof(struct service_hdr) + sizeof(*q) || q->version || q->command) {
		service_respond(sc, &guid_query, SERVICE_BAD_CMD_BUF, NULL, 0);
		return;
	}
	a = (struct query_data){ .guid = q->guid };
	a.status = !guid_equal(&q->guid, &guid_migtd) && !guid_equal(&q->guid, &guid_query);
	service_respond(sc, &guid_query, SERVICE_RETURNED, &a, sizeof(a));
}

/* Arm @servtd's WaitForRequest and answer it if a user TD waits already. */
static void arm_wait(struct tdx_mig_td *servtd, bool raw, u64 gpa, u32 len, u8 vector)
{
	servtd->servtd_wait.armed = true;
	servtd->servtd_wait.raw = raw;
	servtd->servtd_wait.gpa = gpa;
	servtd->servtd_wait.len = len;
	servtd->servtd_wait.vector = vector;
	/* Answered by the caller once the lock is dropped, if work waits. */
	WRITE_ONCE(servtd->servtd_wait.pending, true);
}

/* WaitForRequest: the answer now, armed for later, or "none yet". */
static enum tdx_mig_vmcall_ret service_wait(struct service_call *sc)
{
	struct migtd_cmd noop = { .command = MIGTD_CMD_WAIT, .operation = MIGTD_OP_NOOP };

	/* As Intel's KVM: NOOP, and the vCPU halts; the MigTD asks again. */
	if (!next_waiting(sc->servtd) && !sc->vector) {
		service_respond(sc, &guid_migtd, SERVICE_RETURNED, &noop, sizeof(noop));
		return TDX_MIG_VMCALL_HALT;
	}
	sc->armed = true;	/* deliver() posts the vector with the answer */
	arm_wait(sc->servtd, false, sc->rsp_gpa, sc->rsp_len, sc->vector);
	return TDX_MIG_VMCALL_DONE;
}

static void service_report(struct service_call *sc)
{
	struct migtd_report *r = (struct migtd_report *)(sc->cmd + sizeof(struct service_hdr));
	struct migtd_cmd done = { .command = MIGTD_CMD_REPORT };
	struct tdx_mig_td *td = NULL;

	if (sc->cmd_len == sizeof(struct service_hdr) + sizeof(*r) &&
	    r->hdr.operation == MIGTD_OP_START &&
	    (r->hdr.status <= RESULT_MAX || r->hdr.status == RESULT_INIT_ERROR))
		td = request_td(sc->servtd, le64_to_cpu(r->req_id));
	if (!td) {
		service_respond(sc, &guid_migtd, SERVICE_BAD_CMD_BUF, NULL, 0);
		return;
	}
	report(sc->servtd, td, !r->hdr.status, r->hdr.status);
	service_respond(sc, &guid_migtd, SERVICE_RETURNED, &done, sizeof(done));
}

static enum tdx_mig_vmcall_ret service_migtd(struct service_call *sc)
{
	struct migtd_cmd *c = (struct migtd_cmd *)(sc->cmd + sizeof(struct service_hdr));

	if (sc->cmd_len < sizeof(struct service_hdr) + sizeof(*c) || c->version) {
		service_respond(sc, &guid_migtd, SERVICE_BAD_CMD_BUF, NULL, 0);
		return TDX_MIG_VMCALL_DONE;
	}
	switch (c->command) {
	case MIGTD_CMD_WAIT:
		if (sc->cmd_len != sizeof(struct service_hdr) + sizeof(*c))
			break;
		return service_wait(sc);
	case MIGTD_CMD_REPORT:
		service_report(sc);
		return TDX_MIG_VMCALL_DONE;
	case MIGTD_CMD_SHUTDOWN:
		service_respond(sc, &guid_migtd, SERVICE_UNSUPPORTED, NULL, 0);
		return TDX_MIG_VMCALL_DONE;
	}
	service_respond(sc, &guid_migtd, SERVICE_BAD_CMD_BUF, NULL, 0);
	return TDX_MIG_VMCALL_DONE;
}

/*
 * R12 = command buffer, R13 = response buffer, R14 = vector, R15 = timeout.
 * The two headers are read first; then the whole command, once, as long
 * as the first read said and the MTU allows; only that copy is used.
 * With a vector, the MigTD waits for it: an answer given at once posts it.
 */
static enum tdx_mig_vmcall_ret service(struct tdx_mig_td *servtd, struct tdx_mig_vmcall *vc)
{
	struct service_call sc = { .servtd = servtd, .rsp_gpa = vc->r13, .vector = vc->r14 };
	enum tdx_mig_vmcall_ret ret = TDX_MIG_VMCALL_DONE;
	struct service_hdr cmd_h, rsp_h;
	const guid_t *guid;

	vc->r10 = TDX_MIG_VMCALL_INVALID_OPERAND;
	if (!PAGE_ALIGNED(vc->r12) || !PAGE_ALIGNED(vc->r13) || !vector_ok(vc->r14))
		return ret;
	if (shared_rw(servtd, vc->r12, &cmd_h, sizeof(cmd_h), false) ||
	    shared_rw(servtd, vc->r13, &rsp_h, sizeof(rsp_h), false))
		return ret;
	sc.cmd_len = le32_to_cpu(cmd_h.length);
	sc.rsp_len = le32_to_cpu(rsp_h.length);
	if (!buf_ok(vc->r12, sc.cmd_len, sizeof(cmd_h)) ||
	    !buf_ok(vc->r13, sc.rsp_len, sizeof(rsp_h)) || !buf_shared(servtd, vc->r13, sc.rsp_len))
		return ret;
	sc.cmd = kmalloc(sc.cmd_len, GFP_KERNEL_ACCOUNT);
	sc.rsp = kmalloc(sc.rsp_len, GFP_KERNEL_ACCOUNT);
	if (!sc.cmd || !sc.rsp) {
		vc->r10 = TDX_MIG_VMCALL_RETRY;
		goto out;
	}
	if (shared_rw(servtd, vc->r12, sc.cmd, sc.cmd_len, false))
		goto out;
	guid = &((struct service_hdr *)sc.cmd)->guid;
	vc->r10 = TDX_MIG_VMCALL_SUCCESS;
	mutex_lock(&tdx_mig_servtd_lock);
	if (guid_equal(guid, &guid_query))
		service_query(&sc);
	else if (guid_equal(guid, &guid_migtd))
		ret = service_migtd(&sc);
	else
		service_respond(&sc, guid, SERVICE_UNSUPPORTED, NULL, 0);
	mutex_unlock(&tdx_mig_servtd_lock);
	/* The MigTD's memory is written in its context, outside the lock. */
	if (sc.rsp_bytes && shared_rw(servtd, sc.rsp_gpa, sc.rsp, sc.rsp_bytes, true))
		ret = TDX_MIG_VMCALL_DONE;
	else if (sc.vector && !sc.armed && ret == TDX_MIG_VMCALL_DONE)
		servtd->ops->inject(servtd->vm, sc.vector);
	if (sc.armed)
		tdx_mig_servtd_deliver(servtd);
out:
	kfree(sc.rsp);
	kfree(sc.cmd);
	return ret;
}

/* --- GHCI 1.5 TDG.VP.VMCALL<MigTD> ("vmcall-raw") --- */

/*
 * Leaf 1: R13 = length, R14 = buffer, R15 = vector. Answered when work
 * comes (by raw(), once the lock is dropped, if it waits already).
 */
static void raw_wait(struct tdx_mig_td *servtd, struct tdx_mig_vmcall *vc)
{
	if (!buf_ok(vc->r14, vc->r13, sizeof(struct raw_hdr) + MIGTD_INFO_RAW_BYTES) ||
	    !vector_ok(vc->r15) || !buf_shared(servtd, vc->r14, vc->r13))
		return;
	vc->r10 = TDX_MIG_VMCALL_SUCCESS;
	arm_wait(servtd, true, vc->r14, vc->r13, vc->r15);
}

/*
 * Leaf 2: R13 = request id, R14 = {u8 pre-migration status, u8 result},
 * R15 = length, RBX = buffer, RDI = vector. The buffer is completed at once
 * (by raw(), once the lock is dropped).
 */
static bool raw_report(struct tdx_mig_td *servtd, struct tdx_mig_vmcall *vc)
{
	u8 failed = vc->r14 & 0xff, result = (vc->r14 >> 8) & 0xff;
	struct tdx_mig_td *td;

	if ((vc->r14 >> 16) || failed > 1 || (result > RESULT_MAX && result != RESULT_INIT_ERROR) ||
	    !buf_ok(vc->rbx, vc->r15, sizeof(struct raw_hdr)) || !vector_ok(vc->rdi) ||
	    !buf_shared(servtd, vc->rbx, vc->r15))
		return false;
	td = request_td(servtd, vc->r13);
	if (!td)
		return false;
	vc->r10 = TDX_MIG_VMCALL_SUCCESS;
	report(servtd, td, !failed && !result, result);
	return true;
}

/* Leaves 3 and 4: R13 = request id, R14 = length, R15 = buffer, RBX = vector. */
static enum tdx_mig_vmcall_ret raw_transport(struct tdx_mig_td *servtd,
					     struct tdx_mig_vmcall *vc)
{
	if (!buf_ok(vc->r15, vc->r14, sizeof(struct raw_hdr)) || !vector_ok(vc->rbx) ||
	    !request_td(servtd, vc->r13) || !buf_shared(servtd, vc->r15, vc->r14))
		return TDX_MIG_VMCALL_DONE;
	vc->r10 = TDX_MIG_VMCALL_SUCCESS;
	return TDX_MIG_VMCALL_USER;
}

static enum tdx_mig_vmcall_ret raw(struct tdx_mig_td *servtd, struct tdx_mig_vmcall *vc)
{
	struct raw_hdr done = { .data_status = cpu_to_le64(RAW_DONE) };
	enum tdx_mig_vmcall_ret ret = TDX_MIG_VMCALL_DONE;
	bool reported = false, armed = false;

	vc->r10 = TDX_MIG_VMCALL_INVALID_OPERAND;
	if (vc->r12 >> 24 || ((vc->r12 >> 16) & 0xff) != RAW_VERSION)
		return ret;
	mutex_lock(&tdx_mig_servtd_lock);
	switch (vc->r12 & 0xffff) {
	case RAW_LEAF_WAIT:
		raw_wait(servtd, vc);
		armed = !vc->r10;
		break;
	case RAW_LEAF_REPORT:
		reported = raw_report(servtd, vc);
		break;
	case RAW_LEAF_SEND:
	case RAW_LEAF_RECEIVE:
		ret = raw_transport(servtd, vc);
		break;
	}
	mutex_unlock(&tdx_mig_servtd_lock);
	/* The MigTD's memory is written in its context, outside the lock. */
	if (reported && !shared_rw(servtd, vc->rbx, &done, sizeof(done), true) && vc->rdi)
		servtd->ops->inject(servtd->vm, vc->rdi);
	if (armed)
		tdx_mig_servtd_deliver(servtd);
	return ret;
}

/**
 * tdx_mig_servtd_vmcall - a TDG.VP.VMCALL of a TD's vCPU
 * @td: the calling TD
 * @vc: its GPRs: R11 selects the call; on return, what the guest gets
 *
 * Serves a Migration TD's service requests; any other call is the
 * hypervisor's (TDX_MIG_VMCALL_NOT_MINE). Bad GPAs, lengths, vectors or
 * ids give R10 = TDG.VP.VMCALL_INVALID_OPERAND and change nothing; bad
 * legacy commands are answered in the response's status.
 *
 * Context: process context, no locks held.
 */
enum tdx_mig_vmcall_ret tdx_mig_servtd_vmcall(struct tdx_mig_td *td, struct tdx_mig_vmcall *vc)
{
	if (!td->info.servtd)
		return TDX_MIG_VMCALL_NOT_MINE;
	if (vc->r10)		/* not a standard GHCI call */
		return TDX_MIG_VMCALL_NOT_MINE;
	if (vc->r11 == VMCALL_SERVICE)
		return service(td, vc);
	if (vc->r11 == VMCALL_MIGTD)
		return raw(td, vc);
	return TDX_MIG_VMCALL_NOT_MINE;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_servtd_vmcall);

/**
 * tdx_mig_servtd_memory_show - what the MigTD service holds in the kernel
 * @m: debugfs servtd_memory
 * @unused: -
 *
 * A MigTD has the session any TD has; the service's part of it is the
 * request table and the armed wait. Each user TD it serves adds nothing,
 * its binding being part of the user TD's own session; a call in flight
 * holds its command and one answer.
 */
int tdx_mig_servtd_memory_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "service_state_bytes %zu\n",
		   sizeof_field(struct tdx_mig_td, usertds) +
		   sizeof_field(struct tdx_mig_td, servtd_wait));
	seq_puts(m, "session_bytes 0\n");
	seq_printf(m, "binding_bytes_in_user_td %zu\n", sizeof(struct tdx_mig_binding));
	seq_printf(m, "call_peak_bytes %zu\n", (size_t)SERVICE_BUF_MAX + WAIT_ANSWER_MAX);
	return 0;
}
