// SPDX-License-Identifier: GPL-2.0
/* The emulated Migration TD (see migtd_emu.h): guest calls and the serve loop. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/tdx_mig_emu.h>

#include "migtd_emu.h"
#include "test_backend.h"

#define PAGE			4096UL
#define REPORT_CMD(slot)	((2 + 2 * (slot)) * PAGE)
#define REPORT_RSP(slot)	((3 + 2 * (slot)) * PAGE)

#define TDCALL_VP_VMCALL	0
#define TDCALL_SYS_RD		11
#define TDCALL_SERVTD_RD	18
#define TDCALL_SERVTD_WR	20
/* RCX of a VMCALL: share RBX, RDI and R10-R15 with the host. */
#define VMCALL_SHARED_GPRS	((1 << 3) | (1 << 7) | 0xfc00)

#define MD_MIG_DEC_KEY		0x9810000300000010ULL
#define MD_MIG_ENC_KEY		0x9810000300000018ULL
#define MD_MIG_VERSION		0x9810000100000020ULL
#define MD_SERVTD_ATTR		0x1910000300000202ULL
#define MD_MIN_EXPORT_VERSION	0x2000000100000001ULL
#define MD_MIN_IMPORT_VERSION	0x2000000100000003ULL

#define RESULT_NETWORK_ERROR	5
#define RESULT_TDX_MODULE_ERROR	4
#define RESULT_INVALID_PARAM	1
#define RESULT_ATTESTATION	7
#define PEER_TIMEOUT_MS		30000

const uint8_t migtd_guid_query[16] = {
	0xe1, 0xc5, 0x6f, 0xfb, 0x78, 0x33, 0xcb, 0x4a,
	0x89, 0x64, 0xfa, 0x5e, 0xe4, 0x3b, 0x9c, 0x8a };
const uint8_t migtd_guid_migtd[16] = {
	0x30, 0x63, 0x0e, 0xe6, 0x09, 0x1e, 0x87, 0x43,
	0xa4, 0x44, 0x8f, 0x32, 0xb8, 0xd6, 0x11, 0xe5 };
static const uint8_t guid_hob_info[16] = {
	0x98, 0xe3, 0xb5, 0x42, 0x99, 0xa1, 0x30, 0x4d,
	0xbe, 0xfc, 0xc7, 0x5a, 0xc3, 0xda, 0x5d, 0x7c };
static const uint8_t guid_hob_socket[16] = {
	0x9d, 0x3b, 0x10, 0x7a, 0x2b, 0x55, 0x5f, 0x48,
	0xbb, 0x4c, 0x2f, 0x3d, 0x2e, 0x8b, 0x1e, 0x0e };
static const uint8_t guid_hob_policy[16] = {
	0x1a, 0x77, 0x4f, 0xd6, 0xc9, 0xf0, 0x33, 0x4d,
	0x99, 0x8b, 0x0e, 0x3d, 0x8b, 0x94, 0x0a, 0x61 };

/* The 40 bytes two MigTDs exchange (MigTD's ExchangeInformation). */
struct exchange_info {
	uint64_t key[4];
	uint16_t min_ver;
	uint16_t max_ver;
	uint8_t reserved[4];
};

uint64_t migtd_gpa(uint64_t off)
{
	return TDX_MIG_EMU_SHARED_GPA + off;
}

int migtd_init(struct migtd *t)
{
	memset(t, 0, sizeof(*t));
	t->vm = tb_create_migtd();
	if (t->vm < 0)
		return t->vm;
	t->shared = mmap(NULL, MIGTD_SHARED_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 t->vm, 0);
	if (t->shared == MAP_FAILED) {
		close(t->vm);
		return -errno;
	}
	pthread_mutex_init(&t->vcpu_lock, NULL);
	t->report_fd = -1;
	return 0;
}

void migtd_fini(struct migtd *t)
{
	munmap(t->shared, MIGTD_SHARED_PAGES * PAGE);
	close(t->vm);
	pthread_mutex_destroy(&t->vcpu_lock);
}

int migtd_tdcall(struct migtd *t, uint64_t leaf, uint64_t gpr[16], void *run)
{
	struct tdx_mig_emu_op ops[17];
	struct tdx_mig_emu_run r = { .ops = (uintptr_t)ops };
	struct tdx_mig_emu_vcpu_state st = {};
	unsigned int i;
	int ret;

	for (i = R_RCX; i <= R_R15; i++)
		if (i != R_RSP)
			ops[r.nr_ops++] = (struct tdx_mig_emu_op){
				.type = TDX_MIG_EMU_OP_SET_REG, .reg = i, .value = gpr[i] };
	ops[r.nr_ops++] = (struct tdx_mig_emu_op){ .type = TDX_MIG_EMU_OP_TDCALL, .value = leaf };
	pthread_mutex_lock(&t->vcpu_lock);
	ret = tb_vcpu_run(t->vm, &r) ?: tb_vcpu_state(t->vm, &st);
	pthread_mutex_unlock(&t->vcpu_lock);
	if (ret)
		return ret;
	memcpy(gpr, st.gpr, sizeof(st.gpr));
	if (run)
		memcpy(run, &r, sizeof(r));
	return 0;
}

int migtd_poll(struct migtd *t)
{
	struct tdx_mig_emu_op op = { .type = TDX_MIG_EMU_OP_SET_REG, .reg = R_RAX };
	struct tdx_mig_emu_run r = { .nr_ops = 1, .ops = (uintptr_t)&op };
	int ret;

	pthread_mutex_lock(&t->vcpu_lock);
	ret = tb_vcpu_run(t->vm, &r);
	pthread_mutex_unlock(&t->vcpu_lock);
	return ret;
}

int migtd_vmcall(struct migtd *t, uint64_t gpr[16], void *run)
{
	gpr[R_RCX] = VMCALL_SHARED_GPRS;
	gpr[R_R10] = 0;
	return migtd_tdcall(t, TDCALL_VP_VMCALL, gpr, run);
}

uint64_t migtd_raw(struct migtd *t, uint64_t leaf, uint64_t r13, uint64_t r14, uint64_t r15,
		   uint64_t rbx, uint64_t rdi, void *run)
{
	uint64_t gpr[16] = {};

	gpr[R_R11] = VMCALL_MIGTD;
	gpr[R_R12] = leaf;
	gpr[R_R13] = r13;
	gpr[R_R14] = r14;
	gpr[R_R15] = r15;
	gpr[R_RBX] = rbx;
	gpr[R_RDI] = rdi;
	if (migtd_vmcall(t, gpr, run) || gpr[R_RAX])
		return ~0ULL;
	return gpr[R_R10];
}

int migtd_service(struct migtd *t, uint64_t cmd_off, uint64_t rsp_off, uint8_t vector,
		  uint64_t *r10)
{
	uint64_t gpr[16] = {};
	int ret;

	gpr[R_R11] = VMCALL_SERVICE;
	gpr[R_R12] = migtd_gpa(cmd_off);
	gpr[R_R13] = migtd_gpa(rsp_off);
	gpr[R_R14] = vector;
	ret = migtd_vmcall(t, gpr, NULL);
	*r10 = gpr[R_R10];
	return ret;
}

void migtd_put_cmd(struct migtd *t, uint64_t off, const void *guid, const void *data,
		   uint32_t len)
{
	struct migtd_service_hdr *h = (struct migtd_service_hdr *)(t->shared + off);

	memcpy(h->guid, guid, sizeof(h->guid));
	h->length = sizeof(*h) + len;
	h->status = 0;
	memcpy(h + 1, data, len);
}

void migtd_put_rsp(struct migtd *t, uint64_t off, uint32_t size)
{
	struct migtd_service_hdr *h = (struct migtd_service_hdr *)(t->shared + off);

	memset(h, 0, sizeof(*h));
	h->length = size;
	__atomic_store_n(&h->status, SERVICE_PENDING, __ATOMIC_RELEASE);
}

uint32_t migtd_rsp_status(struct migtd *t, uint64_t off)
{
	struct migtd_service_hdr *h = (struct migtd_service_hdr *)(t->shared + off);

	return __atomic_load_n(&h->status, __ATOMIC_ACQUIRE);
}

/* One GUID HOB's data, if @guid; the list must end with END. */
int migtd_parse_hobs(const uint8_t *p, uint32_t len, struct migtd_request *req)
{
	bool info = false, sock = false;
	uint32_t off = 0;

	while (off + 8 <= len) {
		uint16_t type, hlen;
		const uint8_t *data = p + off + 24;

		memcpy(&type, p + off, 2);
		memcpy(&hlen, p + off + 2, 2);
		if (type == 0xffff)
			return info && sock ? 0 : -EPROTO;
		if (type != 4 || hlen < 24 || hlen % 8 || off + hlen > len)
			return -EPROTO;
		if (!memcmp(p + off + 8, guid_hob_info, 16) && hlen >= 24 + 56 && !info) {
			memcpy(&req->req_id, data, 8);
			req->source = data[8];
			memcpy(req->uuid, data + 16, 32);
			memcpy(&req->handle, data + 48, 8);
			info = true;
		} else if (!memcmp(p + off + 8, guid_hob_socket, 16) && hlen >= 24 + 24 && !sock) {
			memcpy(&req->port, data + 16, 4);
			sock = true;
		} else if (memcmp(p + off + 8, guid_hob_policy, 16)) {
			return -EPROTO;	/* unknown or duplicate HOB */
		}
		off += hlen;
	}
	return -EPROTO;
}

/* Wait for the answer a WaitForRequest left pending, taking interrupts. */
static int wait_answer(struct migtd *t, uint64_t rsp_off)
{
	while (migtd_rsp_status(t, rsp_off) == SERVICE_PENDING) {
		int v = tb_wait_intr(t->vm, 1000);

		if (v < 0 && v != -ETIMEDOUT && v != -EINTR)
			return v;
	}
	return 0;
}

int migtd_wait_request(struct migtd *t, uint8_t vector, struct migtd_request *req)
{
	const uint8_t wait[4] = { 0, 1, 0, 0 };
	struct migtd_service_hdr *h = (struct migtd_service_hdr *)(t->shared + MIGTD_WAIT_RSP);
	const uint8_t *data = (const uint8_t *)(h + 1);
	uint64_t r10;
	int ret;

	migtd_put_cmd(t, MIGTD_WAIT_CMD, migtd_guid_migtd, wait, sizeof(wait));
	migtd_put_rsp(t, MIGTD_WAIT_RSP, PAGE);
	ret = migtd_service(t, MIGTD_WAIT_CMD, MIGTD_WAIT_RSP, vector, &r10);
	if (ret)
		return ret;
	if (r10)
		return -EINVAL;
	ret = wait_answer(t, MIGTD_WAIT_RSP);
	if (ret)
		return ret;
	if (h->status != SERVICE_RETURNED || h->length < sizeof(*h) + 4 || h->length > PAGE ||
	    data[1] != 1)
		return -EPROTO;
	if (data[2] == 0)
		return 0;	/* NOOP: nothing yet */
	if (data[2] != 1)
		return -EPROTO;
	memset(req, 0, sizeof(*req));
	/* The HOB list follows the 4-byte header at once, as MigTD reads it. */
	ret = migtd_parse_hobs(data + 4, h->length - sizeof(*h) - 4, req);
	return ret ? ret : 1;
}

int migtd_report(struct migtd *t, unsigned int slot, uint64_t req_id, uint8_t result)
{
	uint8_t cmd[12] = { 0, 2, 1, result };
	struct migtd_service_hdr *h = (struct migtd_service_hdr *)(t->shared + REPORT_RSP(slot));
	uint64_t r10;
	int ret;

	memcpy(cmd + 4, &req_id, 8);
	migtd_put_cmd(t, REPORT_CMD(slot), migtd_guid_migtd, cmd, sizeof(cmd));
	migtd_put_rsp(t, REPORT_RSP(slot), PAGE);
	ret = migtd_service(t, REPORT_CMD(slot), REPORT_RSP(slot), 0, &r10);
	if (ret)
		return ret;
	return r10 ? -EINVAL : (int)h->status;
}

static int servtd_rd(struct migtd *t, const struct migtd_request *req, uint64_t field,
		     uint64_t *value)
{
	uint64_t gpr[16] = {};
	int ret;

	gpr[R_RCX] = req->handle;
	gpr[R_RDX] = field;
	memcpy(&gpr[R_R10], req->uuid, sizeof(req->uuid));
	ret = migtd_tdcall(t, TDCALL_SERVTD_RD, gpr, NULL);
	*value = gpr[R_R8];
	return ret ? ret : gpr[R_RAX] ? -EIO : 0;
}

static int servtd_wr(struct migtd *t, const struct migtd_request *req, uint64_t field,
		     uint64_t value)
{
	uint64_t gpr[16] = {};
	int ret;

	gpr[R_RCX] = req->handle;
	gpr[R_RDX] = field;
	gpr[R_R8] = value;
	gpr[R_R9] = ~0ULL;
	memcpy(&gpr[R_R10], req->uuid, sizeof(req->uuid));
	ret = migtd_tdcall(t, TDCALL_SERVTD_WR, gpr, NULL);
	return ret ? ret : gpr[R_RAX] ? -EIO : 0;
}

static int sys_rd(struct migtd *t, uint64_t field, uint16_t *value)
{
	uint64_t gpr[16] = {};
	int ret;

	gpr[R_RDX] = field;
	ret = migtd_tdcall(t, TDCALL_SYS_RD, gpr, NULL);
	*value = gpr[R_R8];
	return ret ? ret : gpr[R_RAX] ? -EIO : 0;
}

static int io_all(int sock, void *buf, size_t len, bool send_it)
{
	uint8_t *p = buf;

	while (len) {
		struct pollfd pfd = { .fd = sock, .events = send_it ? POLLOUT : POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, PEER_TIMEOUT_MS) != 1)
			return -ETIMEDOUT;
		n = send_it ? send(sock, p, len, MSG_NOSIGNAL) : recv(sock, p, len, 0);
		if (n <= 0)
			return n ? -errno : -ECONNRESET;
		p += n;
		len -= n;
	}
	return 0;
}

int migtd_exchange(struct migtd *t, const struct migtd_request *req, int sock)
{
	struct exchange_info mine = {}, peer;
	uint64_t attr;
	uint16_t version;
	int i, ret = 0;

	/* Reading element 0 makes the TDX Module draw a fresh key. */
	for (i = 0; i < 4 && !ret; i++)
		ret = servtd_rd(t, req, MD_MIG_ENC_KEY + i, &mine.key[i]);
	if (!ret)
		ret = sys_rd(t, req->source ? MD_MIN_EXPORT_VERSION : MD_MIN_IMPORT_VERSION,
			     &mine.min_ver) ?:
		      sys_rd(t, (req->source ? MD_MIN_EXPORT_VERSION : MD_MIN_IMPORT_VERSION) + 1,
			     &mine.max_ver);
	if (ret)
		return RESULT_TDX_MODULE_ERROR;
	if (io_all(sock, &mine, sizeof(mine), true) || io_all(sock, &peer, sizeof(peer), false))
		return RESULT_NETWORK_ERROR;
	/* MigTD's cal_mig_version: the highest version both sides have. */
	version = mine.max_ver < peer.max_ver ? mine.max_ver : peer.max_ver;
	if (version < mine.min_ver || version < peer.min_ver)
		return RESULT_INVALID_PARAM;
	/* MigTD's verify_servtd_attr: it serves TDs bound with SERVTD_ATTR 0 only. */
	if (servtd_rd(t, req, MD_SERVTD_ATTR, &attr))
		return RESULT_TDX_MODULE_ERROR;
	if (attr)
		return RESULT_INVALID_PARAM;
	ret = servtd_wr(t, req, MD_MIG_VERSION, version);
	for (i = 0; i < 4 && !ret; i++)
		ret = servtd_wr(t, req, MD_MIG_DEC_KEY + i, peer.key[i]);
	return ret ? RESULT_TDX_MODULE_ERROR : 0;
}

/* The source connects to its peer; the destination listens (TLS roles). */
static int peer_socket(const struct migtd *t, const struct migtd_request *req)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(req->port),
				 .sin_addr.s_addr = t->peer_addr ?: htonl(INADDR_LOOPBACK) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), c = -1, one = 1, tries;
	struct pollfd pfd;

	if (s < 0)
		return -errno;
	if (req->source) {
		for (tries = 0; tries < PEER_TIMEOUT_MS / 10; tries++) {
			if (!connect(s, (struct sockaddr *)&a, sizeof(a)))
				return s;
			close(s);
			usleep(10000);
			s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (s < 0)
				return -errno;
		}
		close(s);
		return -ETIMEDOUT;
	}
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 1)) {
		c = -errno;
		close(s);
		return c;
	}
	pfd = (struct pollfd){ .fd = s, .events = POLLIN };
	if (poll(&pfd, 1, PEER_TIMEOUT_MS) == 1)
		c = accept(s, NULL, NULL);
	close(s);
	return c < 0 ? -ETIMEDOUT : c;
}

struct session {
	struct migtd *t;
	struct migtd_request req;
	unsigned int slot;
	bool fail;
	unsigned long *busy;	/* the slots in use, under busy_lock */
};

static pthread_mutex_t busy_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * A session told to fail still meets its peer, as a MigTD whose
 * attestation fails does, so the peer is not left waiting for it.
 */
static uint8_t session_fail(int sock)
{
	struct exchange_info none = {}, peer;

	if (io_all(sock, &none, sizeof(none), true) || io_all(sock, &peer, sizeof(peer), false))
		return RESULT_NETWORK_ERROR;
	return RESULT_ATTESTATION;
}

static void *session_run(void *arg)
{
	struct session *s = arg;
	uint8_t result = RESULT_NETWORK_ERROR;
	int sock = peer_socket(s->t, &s->req);

	if (sock >= 0) {
		result = s->fail ? session_fail(sock) : migtd_exchange(s->t, &s->req, sock);
		close(sock);
	}
	if (s->t->verbose)
		printf("MigTD: request %llu (%s, port %u): %s\n",
		       (unsigned long long)s->req.req_id, s->req.source ? "source" : "destination",
		       s->req.port, result ? "failed" : "keys exchanged");
	fflush(stdout);
	migtd_report(s->t, s->slot, s->req.req_id, result);
	/* One byte: atomic on a pipe, whichever session writes. */
	if (s->t->report_fd >= 0 && write(s->t->report_fd, &result, 1) != 1)
		fprintf(stderr, "MigTD: writing the result of request %llu failed\n",
			(unsigned long long)s->req.req_id);
	pthread_mutex_lock(&busy_lock);
	*s->busy &= ~(1UL << s->slot);
	pthread_mutex_unlock(&busy_lock);
	free(s);
	return NULL;
}

/* Start a session unless its request id is already being served. */
static void session_start(struct migtd *t, const struct migtd_request *req, unsigned long *busy,
			  uint64_t *ids)
{
	struct session *s;
	pthread_t thread;
	unsigned int slot;

	pthread_mutex_lock(&busy_lock);
	for (slot = 0; slot < MIGTD_MAX_SESSIONS; slot++)
		if ((*busy & (1UL << slot)) && ids[slot] == req->req_id)
			goto out;	/* a duplicate stays pending, as in MigTD */
	for (slot = 0; slot < MIGTD_MAX_SESSIONS && (*busy & (1UL << slot)); slot++)
		;
	if (slot == MIGTD_MAX_SESSIONS)
		goto out;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	*s = (struct session){ .t = t, .req = *req, .slot = slot, .busy = busy };
	if (t->fail_reports) {
		t->fail_reports--;
		s->fail = true;
	}
	*busy |= 1UL << slot;
	ids[slot] = req->req_id;
	if (pthread_create(&thread, NULL, session_run, s)) {
		*busy &= ~(1UL << slot);
		free(s);
		goto out;
	}
	pthread_detach(thread);
out:
	pthread_mutex_unlock(&busy_lock);
}

int migtd_serve(struct migtd *t, int ready_fd)
{
	uint64_t ids[MIGTD_MAX_SESSIONS] = {};
	unsigned long busy = 0;
	struct migtd_request req;
	int ret;

	if (t->verbose)
		printf("MigTD Version - tdx-mig emulated (no attestation, no policy)\n"
		       "Loop to wait for request\n");
	fflush(stdout);
	if (ready_fd >= 0 && write(ready_fd, "", 1) != 1)
		return -errno;
	for (;;) {
		ret = migtd_wait_request(t, MIGTD_VECTOR, &req);
		if (ret == -EPROTO) {
			fprintf(stderr, "MigTD: malformed answer to WaitForRequest, ignored\n");
			continue;
		}
		if (ret < 0)
			return ret;
		if (ret)
			session_start(t, &req, &busy, ids);
	}
}

pid_t migtd_spawn_reporting(unsigned int fail_reports, int report_fd)
{
	int pipefd[2];
	struct migtd t;
	pid_t pid;
	char c;

	if (pipe(pipefd))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		close(pipefd[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (migtd_init(&t))
			_exit(1);
		t.fail_reports = fail_reports;
		t.report_fd = report_fd;
		migtd_serve(&t, pipefd[1]);
		_exit(2);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) != 1) {
		close(pipefd[0]);
		waitpid(pid, NULL, 0);
		return -ECHILD;
	}
	close(pipefd[0]);
	return pid;
}

pid_t migtd_spawn(unsigned int fail_reports)
{
	return migtd_spawn_reporting(fail_reports, -1);
}

void migtd_kill(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}
