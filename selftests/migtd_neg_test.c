// SPDX-License-Identifier: GPL-2.0
/*
 * The MigTD's service requests, one call at a time, with this process as
 * the MigTD's VMM and guest: Query, WaitForRequest in all three forms
 * (halting, with an interrupt, GHCI 1.5 vmcall-raw), ReportStatus, the
 * Send/Receive relay to the VMM, and malformed requests: oversize lengths,
 * bad GUIDs, unknown request ids, unaligned or out-of-range GPAs, a
 * response too small for the HOB list, bad vectors. Each must give a clean
 * error and change nothing.
 */
#define _GNU_SOURCE	/* pthread_timedjoin_np() */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/tdx_mig_emu.h>

#include "kselftest_harness.h"
#include "migtd_emu.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define BYTES		(2UL << 20)
#define PAGE		4096UL
#define CMD		(10 * PAGE)
#define RSP		(11 * PAGE)
#define RAW		(12 * PAGE)
#define RAW_VECTOR	0x52
/* Bounds each wait for a halt or its end; the harness gives a test 30 s. */
#define HALT_WAIT_MS	10000

FIXTURE(svc) {
	struct migtd t;
	bool have_migtd;
	int user;
};

FIXTURE_SETUP(svc)
{
	self->have_migtd = false;
	self->user = -1;
	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	ASSERT_EQ(0, migtd_init(&self->t));
	self->have_migtd = true;
	self->user = tb_create_td(BYTES, 1, true, 0);
	ASSERT_LE(0, self->user);
	ASSERT_EQ(0, vm_servtd_bind(self->user, getpid(), 0, NULL));
}

FIXTURE_TEARDOWN(svc)
{
	if (self->user >= 0)
		close(self->user);
	if (self->have_migtd)
		migtd_fini(&self->t);
}

static struct migtd_service_hdr *rsp(struct migtd *t)
{
	return (struct migtd_service_hdr *)(t->shared + RSP);
}

/* A legacy MigTD-GUID command; returns R10, the response in RSP. */
static uint64_t migtd_cmd(struct migtd *t, const void *data, uint32_t len,
			  uint8_t vector)
{
	uint64_t r10 = ~0ULL;

	migtd_put_cmd(t, CMD, migtd_guid_migtd, data, len);
	migtd_put_rsp(t, RSP, PAGE);
	if (migtd_service(t, CMD, RSP, vector, &r10))
		return ~0ULL;
	return r10;
}

#define RAW_LEAF(n)	((n) | 1 << 16)

TEST_F(svc, query)
{
	uint8_t q[20] = { 0, 0 };
	uint64_t r10;

	memcpy(q + 4, migtd_guid_migtd, 16);
	migtd_put_cmd(&self->t, CMD, migtd_guid_query, q, sizeof(q));
	migtd_put_rsp(&self->t, RSP, PAGE);
	ASSERT_EQ(0, migtd_service(&self->t, CMD, RSP, 0, &r10));
	EXPECT_EQ(0, r10);
	EXPECT_EQ(SERVICE_RETURNED, rsp(&self->t)->status);
	EXPECT_EQ(0, ((uint8_t *)(rsp(&self->t) + 1))[2]);	/* supported */
	q[4] ^= 0xff;
	migtd_put_cmd(&self->t, CMD, migtd_guid_query, q, sizeof(q));
	migtd_put_rsp(&self->t, RSP, PAGE);
	ASSERT_EQ(0, migtd_service(&self->t, CMD, RSP, 0, &r10));
	EXPECT_EQ(1, ((uint8_t *)(rsp(&self->t) + 1))[2]);	/* not supported */
	/* Asked with a vector, the answer comes with the interrupt. */
	migtd_put_rsp(&self->t, RSP, PAGE);
	ASSERT_EQ(0, migtd_service(&self->t, CMD, RSP, MIGTD_VECTOR, &r10));
	EXPECT_EQ(SERVICE_RETURNED, rsp(&self->t)->status);
	EXPECT_EQ(MIGTD_VECTOR, tb_wait_intr(self->t.vm, 5000));
}

/* Legacy WaitForRequest with an interrupt, answered when the VMM asks. */
TEST_F(svc, wait_then_report)
{
	const uint8_t wait[4] = { 0, 1, 0, 0 };
	struct migtd_request req;

	EXPECT_EQ(0, migtd_cmd(&self->t, wait, sizeof(wait), MIGTD_VECTOR));
	EXPECT_EQ(SERVICE_PENDING, rsp(&self->t)->status);	/* armed, nothing yet */
	ASSERT_EQ(0, vm_set_migration_info(self->user, true, 4321));
	EXPECT_EQ(MIGTD_VECTOR, tb_wait_intr(self->t.vm, 5000));
	ASSERT_EQ(SERVICE_RETURNED, rsp(&self->t)->status);
	memset(&req, 0, sizeof(req));
	ASSERT_EQ(0, migtd_parse_hobs((uint8_t *)(rsp(&self->t) + 1) + 4,
				      rsp(&self->t)->length - sizeof(struct migtd_service_hdr) - 4,
				      &req));
	EXPECT_EQ(1, req.source);
	EXPECT_EQ(4321, req.port);
	EXPECT_NE(0, req.handle);
	EXPECT_EQ(0, vm_premig_done(self->user));
	/* The MigTD is at work: the VMM may not change the request under it. */
	EXPECT_EQ(-EBUSY, vm_set_migration_info(self->user, false, 1));
	EXPECT_EQ(SERVICE_RETURNED, migtd_report(&self->t, 0, req.req_id, 0));
	EXPECT_EQ(1, vm_premig_done(self->user));
	/* The request is over: reporting it again is an unknown request. */
	EXPECT_EQ(SERVICE_BAD_CMD_BUF, migtd_report(&self->t, 0, req.req_id, 0));
}

/* A thread of the MigTD asking WaitForRequest without a vector. */
struct halted {
	struct migtd *t;
	bool loop;		/* on NOOP ask again, as the legacy MigTD loop */
	/* accessed through __atomic builtins only */
	pid_t tid;
	unsigned int noops;
	bool done;
	int ret;
	struct migtd_request req;
};

static void *halted_wait(void *arg)
{
	struct halted *h = arg;
	int ret;

	__atomic_store_n(&h->tid, syscall(SYS_gettid), __ATOMIC_RELEASE);
	while (!(ret = migtd_wait_request(h->t, 0, &h->req)) && h->loop)
		__atomic_add_fetch(&h->noops, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&h->ret, ret, __ATOMIC_RELAXED);
	__atomic_store_n(&h->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Thread @tid's state letter in /proc (S: interruptible sleep), or 0. */
static char thread_state(pid_t tid)
{
	char path[64], buf[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	return p && p[1] == ' ' ? p[2] : 0;
}

/* Is thread @tid blocked in the syscall ioctl(@fd, @req)? (/proc: "running" if not blocked) */
static bool thread_in_ioctl(pid_t tid, int fd, unsigned long req)
{
	unsigned long a0 = 0, a1 = 0;
	char path[64];
	long nr = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fscanf(f, "%ld %lx %lx", &nr, &a0, &a1) != 3)
		nr = -1;
	fclose(f);
	return nr == SYS_ioctl && a0 == (unsigned long)fd && a1 == req;
}

/*
 * Wait (bounded) until @h's thread is halted in its WaitForRequest: the
 * NOOP answer is in the response, and the thread sleeps interruptibly in
 * the vCPU run (tb_run_ioctl()) of that TDG.VP.VMCALL (the only such sleep
 * in a run). False if that was not seen: the thread returned, or time ran out.
 */
static bool wait_halted(struct halted *h)
{
	const struct migtd_service_hdr *rsp =
		(const struct migtd_service_hdr *)(h->t->shared + MIGTD_WAIT_RSP);
	double end = mig_now_ms() + HALT_WAIT_MS;
	unsigned long run_req;
	int run_fd;
	pid_t tid;

	if (tb_run_ioctl(h->t->vm, 0, &run_fd, &run_req))
		return false;
	do {
		tid = __atomic_load_n(&h->tid, __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&h->done, __ATOMIC_ACQUIRE))
			return false;
		if (tid && migtd_rsp_status(h->t, MIGTD_WAIT_RSP) == SERVICE_RETURNED &&
		    ((const uint8_t *)(rsp + 1))[2] == 0 &&
		    thread_state(tid) == 'S' && thread_in_ioctl(tid, run_fd, run_req))
			return true;
		usleep(1000);
	} while (mig_now_ms() < end);
	return false;
}

/* Without a vector the vCPU halts in WaitForRequest until work arrives. */
TEST_F(svc, wait_halts_until_work)
{
	struct halted h = { .t = &self->t, .loop = true };
	pthread_t thread;

	ASSERT_EQ(0, pthread_create(&thread, NULL, halted_wait, &h));
	/* Asked only once the thread is halted in the VMCALL that got NOOP. */
	EXPECT_TRUE(wait_halted(&h));
	EXPECT_EQ(0, __atomic_load_n(&h.noops, __ATOMIC_RELAXED));
	EXPECT_EQ(0, vm_premig_done(self->user));
	ASSERT_EQ(0, vm_set_migration_info(self->user, false, 77));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	/* Woken by the request, it got NOOP once, asked again and got the request. */
	EXPECT_EQ(1, h.noops);
	EXPECT_EQ(1, h.ret);
	EXPECT_EQ(0, h.req.source);
	EXPECT_EQ(77, h.req.port);
}

/* The thread the handler ran in: accessed through __atomic builtins only. */
static pid_t alarm_tid;

static void on_alarm(int sig)
{
	__atomic_store_n(&alarm_tid, syscall(SYS_gettid), __ATOMIC_RELAXED);
}

/* A signal ends the halt after NOOP, as an interrupt would; asking again works. */
TEST_F(svc, halted_wait_interrupted)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct halted h = { .t = &self->t };
	struct migtd_request req;
	struct timespec end;
	pthread_t thread;
	int joined;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&thread, NULL, halted_wait, &h));
	EXPECT_TRUE(wait_halted(&h));
	/* Nothing else wakes it: no request is coming. */
	ASSERT_EQ(0, pthread_kill(thread, SIGALRM));
	clock_gettime(CLOCK_REALTIME, &end);
	end.tv_sec += HALT_WAIT_MS / 1000;
	joined = pthread_timedjoin_np(thread, NULL, &end);
	if (joined) {
		/* Still halted: end it with a request, so the thread goes. */
		vm_set_migration_info(self->user, true, 1);
		pthread_join(thread, NULL);
	}
	ASSERT_EQ(0, joined) TH_LOG("the signal did not end the halt");
	EXPECT_EQ(h.tid, __atomic_load_n(&alarm_tid, __ATOMIC_RELAXED));
	EXPECT_EQ(0, h.ret);	/* NOOP */
	ASSERT_EQ(0, vm_set_migration_info(self->user, true, 9));
	EXPECT_EQ(1, migtd_wait_request(&self->t, 0, &req));
	EXPECT_EQ(9, req.port);
}

/*
 * A user TD that takes over the slot of one that went away gets another
 * request id: a late report for the old one does not count for it.
 */
TEST_F(svc, request_ids_not_reused)
{
	struct migtd_request old, req;
	int next;

	ASSERT_EQ(0, vm_set_migration_info(self->user, true, 1));
	ASSERT_EQ(1, migtd_wait_request(&self->t, MIGTD_VECTOR, &old));
	close(self->user);
	self->user = -1;
	next = tb_create_td(BYTES, 1, true, 0);
	ASSERT_LE(0, next);
	self->user = next;
	ASSERT_EQ(0, vm_servtd_bind(next, getpid(), 0, NULL));
	ASSERT_EQ(0, vm_set_migration_info(next, true, 2));
	ASSERT_EQ(1, migtd_wait_request(&self->t, MIGTD_VECTOR, &req));
	EXPECT_EQ(old.req_id % 32, req.req_id % 32);
	EXPECT_NE(old.req_id, req.req_id);
	EXPECT_EQ(SERVICE_BAD_CMD_BUF, migtd_report(&self->t, 0, old.req_id, 0));
	EXPECT_EQ(0, vm_premig_done(next));
	EXPECT_EQ(SERVICE_RETURNED, migtd_report(&self->t, 0, req.req_id, 0));
	EXPECT_EQ(1, vm_premig_done(next));
}

/* A TDG.SERVTD.RD that fails on its target traps to the host; the run goes on. */
TEST_F(svc, servtd_rd_trap_completes)
{
	uint64_t gpr[16] = {};

	gpr[R_RCX] = 0x1000;			/* a binding handle of no TD */
	gpr[R_RDX] = 0x9810000100000020ULL;	/* MIG_VERSION */
	ASSERT_EQ(0, migtd_tdcall(&self->t, 18, gpr, NULL));
	EXPECT_NE(0, gpr[R_RAX]);		/* the TDX status */
}

/* A failed ReportStatus returns the slot to bound; a retry works. */
TEST_F(svc, report_failure_then_retry)
{
	struct migtd_request req;

	ASSERT_EQ(0, vm_set_migration_info(self->user, true, 1));
	ASSERT_EQ(1, migtd_wait_request(&self->t, MIGTD_VECTOR, &req));
	EXPECT_EQ(SERVICE_RETURNED, migtd_report(&self->t, 0, req.req_id, 7));
	EXPECT_EQ(0, vm_premig_done(self->user));
	EXPECT_EQ(SERVICE_BAD_CMD_BUF, migtd_report(&self->t, 0, req.req_id, 0));
	ASSERT_EQ(0, vm_set_migration_info(self->user, true, 1));
	ASSERT_EQ(1, migtd_wait_request(&self->t, MIGTD_VECTOR, &req));
	EXPECT_EQ(SERVICE_RETURNED, migtd_report(&self->t, 0, req.req_id, 0));
	EXPECT_EQ(1, vm_premig_done(self->user));
}

/* GHCI 1.5: WaitForRequest answered in the buffer with the vector; ReportStatus. */
TEST_F(svc, raw_wait_and_report)
{
	struct migtd *t = &self->t;
	uint8_t *buf = t->shared + RAW;
	uint64_t status, id;
	uint32_t len;

	memset(buf, 0, 128);
	EXPECT_EQ(0, migtd_raw(t, RAW_LEAF(1), PAGE, migtd_gpa(RAW), MIGTD_VECTOR, 0, 0, NULL));
	ASSERT_EQ(0, vm_set_migration_info(self->user, false, 1));
	EXPECT_EQ(MIGTD_VECTOR, tb_wait_intr(self->t.vm, 5000));
	memcpy(&status, buf, 8);
	memcpy(&len, buf + 8, 4);
	memcpy(&id, buf + 12, 8);
	EXPECT_EQ(0x101, status);	/* done, StartMigration */
	EXPECT_EQ(56, len);
	EXPECT_EQ(0, buf[12 + 8]);	/* destination */
	/* Bad status words and an unknown id change nothing. */
	EXPECT_EQ(VMCALL_INVALID_OPERAND, migtd_raw(t, RAW_LEAF(2), id, 1 << 16, PAGE,
						    migtd_gpa(RAW), 0, NULL));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, migtd_raw(t, RAW_LEAF(2), id, 2, PAGE,
						    migtd_gpa(RAW), 0, NULL));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, migtd_raw(t, RAW_LEAF(2), id, 0x0d01, PAGE,
						    migtd_gpa(RAW), 0, NULL));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, migtd_raw(t, RAW_LEAF(2), 1ULL << 40, 0, PAGE,
						    migtd_gpa(RAW), 0, NULL));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, migtd_raw(t, RAW_LEAF(2), id + 1, 0, PAGE,
						    migtd_gpa(RAW), 0, NULL));
	EXPECT_EQ(0, vm_premig_done(self->user));
	memset(buf, 0, 16);
	EXPECT_EQ(0, migtd_raw(t, RAW_LEAF(2), id, 0, PAGE, migtd_gpa(RAW), MIGTD_VECTOR, NULL));
	EXPECT_EQ(1, buf[0]);
	EXPECT_EQ(MIGTD_VECTOR, tb_wait_intr(self->t.vm, 5000));
	EXPECT_EQ(1, vm_premig_done(self->user));
}

/* Send and Receive go to the VMM as a VMCALL exit; it answers with an interrupt. */
TEST_F(svc, raw_send_receive_relay)
{
	struct migtd *t = &self->t;
	struct tdx_mig_emu_run run;
	uint64_t id;
	uint32_t len = 5;

	memset(self->t.shared + RAW, 0, 64);
	ASSERT_EQ(0, migtd_raw(t, RAW_LEAF(1), PAGE, migtd_gpa(RAW), 0, 0, 0, NULL));
	ASSERT_EQ(0, vm_set_migration_info(self->user, true, 1));
	/* The answer is the MigTD's to write, when its vCPU runs (it polls). */
	EXPECT_EQ(0, self->t.shared[RAW]);
	ASSERT_EQ(0, migtd_poll(&self->t));
	EXPECT_EQ(1, self->t.shared[RAW]);
	memcpy(&id, self->t.shared + RAW + 12, 8);
	/* Before a request is in progress nothing may be sent for it. */
	EXPECT_EQ(VMCALL_INVALID_OPERAND, migtd_raw(t, RAW_LEAF(3), id + 1, PAGE,
						    migtd_gpa(RAW + PAGE), RAW_VECTOR, 0, NULL));
	memcpy(self->t.shared + RAW + PAGE + 8, &len, 4);
	memcpy(self->t.shared + RAW + PAGE + 12, "hello", 5);
	ASSERT_EQ(0, migtd_raw(t, RAW_LEAF(3), id, PAGE, migtd_gpa(RAW + PAGE), RAW_VECTOR, 0,
			       &run));
	EXPECT_EQ(TDX_MIG_EMU_EXIT_VMCALL, run.exit_reason);
	EXPECT_EQ(VMCALL_MIGTD, run.vmcall.r11);
	EXPECT_EQ(RAW_LEAF(3), run.vmcall.r12);
	EXPECT_EQ(id, run.vmcall.r13);
	EXPECT_EQ(migtd_gpa(RAW + PAGE), run.vmcall.r15);
	EXPECT_EQ(RAW_VECTOR, run.vmcall.rbx);
	/* The VMM carries the bytes (here: reads them), completes, interrupts. */
	EXPECT_EQ(0, memcmp(self->t.shared + RAW + PAGE + 12, "hello", 5));
	self->t.shared[RAW + PAGE] = 1;
	EXPECT_EQ(0, tb_interrupt(self->t.vm, RAW_VECTOR));
	EXPECT_EQ(RAW_VECTOR, tb_wait_intr(self->t.vm, 5000));
	ASSERT_EQ(0, migtd_raw(t, RAW_LEAF(4), id, PAGE, migtd_gpa(RAW + PAGE), RAW_VECTOR, 0,
			       &run));
	EXPECT_EQ(TDX_MIG_EMU_EXIT_VMCALL, run.exit_reason);
	EXPECT_EQ(RAW_LEAF(4), run.vmcall.r12);
	/* Injection checks its vector. */
	EXPECT_EQ(-EINVAL, tb_interrupt(self->t.vm, 31));
	EXPECT_EQ(-ETIMEDOUT, tb_wait_intr(self->t.vm, 10));
}

/*
 * Bad GPAs, lengths, vectors and versions: INVALID_OPERAND, nothing changes.
 * intel-kvm-qemu.md §5 item 3: Intel's KVM used the guest's GPA unchecked
 * and copied its length into one page; here a private, unaligned or
 * out-of-range GPA and a length past the MTU or the shared memory are
 * refused before anything is read.
 */
TEST_F(svc, bad_operands)
{
	struct migtd *t = &self->t;
	const uint8_t wait[4] = { 0, 1, 0, 0 };
	uint64_t gpr[16] = {}, r10;
	struct migtd_service_hdr *cmd = (struct migtd_service_hdr *)(self->t.shared + CMD);

	ASSERT_EQ(0, vm_set_migration_info(self->user, true, 1));
	migtd_put_cmd(&self->t, CMD, migtd_guid_migtd, wait, sizeof(wait));
	migtd_put_rsp(&self->t, RSP, PAGE);
	/* Unaligned, private, past the shared memory. */
	ASSERT_EQ(0, migtd_service(&self->t, CMD + 8, RSP, 0, &r10));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, r10);
	ASSERT_EQ(0, migtd_service(&self->t, CMD, RSP + 16, 0, &r10));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, r10);
	ASSERT_EQ(0, migtd_service(&self->t, CMD - TDX_MIG_EMU_SHARED_GPA + 0x1000, RSP, 0, &r10));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, r10);
	ASSERT_EQ(0, migtd_service(&self->t, MIGTD_SHARED_PAGES * PAGE, RSP, 0, &r10));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, r10);
	/* Oversize lengths: past the MTU, and past the shared memory. */
	cmd->length = 0x10001;
	ASSERT_EQ(0, migtd_service(&self->t, CMD, RSP, 0, &r10));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, r10);
	migtd_put_cmd(&self->t, (MIGTD_SHARED_PAGES - 1) * PAGE, migtd_guid_migtd, wait,
		      sizeof(wait));
	((struct migtd_service_hdr *)(self->t.shared + (MIGTD_SHARED_PAGES - 1) * PAGE))->length =
		0x10000;
	ASSERT_EQ(0, migtd_service(&self->t, (MIGTD_SHARED_PAGES - 1) * PAGE, RSP, 0, &r10));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, r10);
	cmd->length = 8;	/* shorter than its own header */
	ASSERT_EQ(0, migtd_service(&self->t, CMD, RSP, 0, &r10));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, r10);
	migtd_put_cmd(&self->t, CMD, migtd_guid_migtd, wait, sizeof(wait));
	/* Exception vectors. */
	ASSERT_EQ(0, migtd_service(&self->t, CMD, RSP, 5, &r10));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, r10);
	/* vmcall-raw: wrong version, bits above it, unknown leaf, short buffer. */
	EXPECT_EQ(VMCALL_INVALID_OPERAND, migtd_raw(t, 1 | 2 << 16, PAGE, migtd_gpa(RAW), 0, 0, 0,
						    NULL));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, migtd_raw(t, RAW_LEAF(1) | 1ULL << 24, PAGE,
						    migtd_gpa(RAW), 0, 0, 0, NULL));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, migtd_raw(t, RAW_LEAF(9), PAGE, migtd_gpa(RAW), 0, 0, 0,
						    NULL));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, migtd_raw(t, RAW_LEAF(1), 67, migtd_gpa(RAW), 0, 0, 0,
						    NULL));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, migtd_raw(t, RAW_LEAF(1), 0x10001, migtd_gpa(RAW), 0, 0,
						    0, NULL));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, migtd_raw(t, RAW_LEAF(1), PAGE, migtd_gpa(RAW) + 4, 0, 0,
						    0, NULL));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, migtd_raw(t, RAW_LEAF(1), PAGE, migtd_gpa(RAW), 7, 0, 0,
						    NULL));
	/* A buffer that runs past the end of the shared memory. */
	EXPECT_EQ(VMCALL_INVALID_OPERAND,
		  migtd_raw(t, RAW_LEAF(1), 2 * PAGE, migtd_gpa((MIGTD_SHARED_PAGES - 1) * PAGE),
			    0, 0, 0, NULL));
	/* An unknown TDG.VP.VMCALL sub-function. */
	gpr[R_R11] = 0x10099;
	ASSERT_EQ(0, migtd_vmcall(&self->t, gpr, NULL));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, gpr[R_R10]);
	/* None of it took the request: a proper wait still gets it. */
	EXPECT_EQ(0, migtd_cmd(&self->t, wait, sizeof(wait), 0));
	EXPECT_EQ(SERVICE_RETURNED, rsp(&self->t)->status);
	EXPECT_EQ(1, ((uint8_t *)(rsp(&self->t) + 1))[2]);
}

/*
 * Bad commands: answered in the response's status, nothing changes.
 * intel-kvm-qemu.md §5 item 4: Intel's KVM indexed its binding table with
 * the guest's 64-bit request id; here ids off by a slot, a binding or all
 * 64 bits are BAD_CMD_BUF and the request in progress stays.
 */
TEST_F(svc, bad_commands)
{
	const uint8_t wait[4] = { 0, 1, 0, 0 }, bad_version[4] = { 1, 1, 0, 0 };
	const uint8_t shutdown[4] = { 0, 0, 0, 0 }, unknown[4] = { 0, 9, 0, 0 };
	uint8_t guid[16], report[12] = { 0, 2, 1, 0 };
	struct migtd_request req;
	uint64_t r10, ids[4];
	unsigned int i;

	/* A request in progress, so that a bad report could wrongly end it. */
	ASSERT_EQ(0, vm_set_migration_info(self->user, true, 1));
	ASSERT_EQ(1, migtd_wait_request(&self->t, MIGTD_VECTOR, &req));
	/* An unknown GUID. */
	memcpy(guid, migtd_guid_migtd, 16);
	guid[15] ^= 1;
	migtd_put_cmd(&self->t, CMD, guid, wait, sizeof(wait));
	migtd_put_rsp(&self->t, RSP, PAGE);
	ASSERT_EQ(0, migtd_service(&self->t, CMD, RSP, 0, &r10));
	EXPECT_EQ(0, r10);
	EXPECT_EQ(SERVICE_UNSUPPORTED, rsp(&self->t)->status);
	EXPECT_EQ(0, migtd_cmd(&self->t, bad_version, sizeof(bad_version), 0));
	EXPECT_EQ(SERVICE_BAD_CMD_BUF, rsp(&self->t)->status);
	EXPECT_EQ(0, migtd_cmd(&self->t, unknown, sizeof(unknown), 0));
	EXPECT_EQ(SERVICE_BAD_CMD_BUF, rsp(&self->t)->status);
	EXPECT_EQ(0, migtd_cmd(&self->t, shutdown, sizeof(shutdown), 0));
	EXPECT_EQ(SERVICE_UNSUPPORTED, rsp(&self->t)->status);
	/* Unknown ids: the slot alone, another binding's, a neighbour, far off. */
	ids[0] = req.req_id % 32;
	ids[1] = req.req_id + 32;
	ids[2] = req.req_id + 1;
	ids[3] = ~0ULL;
	for (i = 0; i < 4; i++) {
		memcpy(report + 4, &ids[i], 8);
		EXPECT_EQ(0, migtd_cmd(&self->t, report, sizeof(report), 0));
		EXPECT_EQ(SERVICE_BAD_CMD_BUF, rsp(&self->t)->status);
	}
	/* The right id, but truncated, or with an unknown MigrationResult. */
	memcpy(report + 4, &req.req_id, 8);
	EXPECT_EQ(0, migtd_cmd(&self->t, report, 8, 0));
	EXPECT_EQ(SERVICE_BAD_CMD_BUF, rsp(&self->t)->status);
	report[3] = 0x0d;
	EXPECT_EQ(0, migtd_cmd(&self->t, report, sizeof(report), 0));
	EXPECT_EQ(SERVICE_BAD_CMD_BUF, rsp(&self->t)->status);
	/* None of it ended the request: it is still the MigTD's, and reports fine. */
	EXPECT_EQ(0, vm_premig_done(self->user));
	EXPECT_EQ(-EBUSY, vm_set_migration_info(self->user, true, 1));
	EXPECT_EQ(SERVICE_RETURNED, migtd_report(&self->t, 0, req.req_id, 0));
	EXPECT_EQ(1, vm_premig_done(self->user));
}

/*
 * intel-kvm-qemu.md §5 item 3: Intel's KVM copied a guest-chosen length
 * into a one-page buffer. Buffers longer than a page are legal up to the
 * MTU: a three-page command is read whole into a buffer of its length
 * (KASAN would see an overrun) and, not being a ReportStatus of the right
 * size, ends nothing; a four-page response takes the request; nothing is
 * lost: the report completes the pre-migration.
 */
TEST_F(svc, buffers_longer_than_a_page)
{
	static uint8_t report[3 * PAGE - sizeof(struct migtd_service_hdr)];
	const uint8_t wait[4] = { 0, 1, 0, 0 };
	const uint64_t long_rsp = 20 * PAGE;
	struct migtd_service_hdr *h;
	struct migtd_request req;
	uint64_t r10;

	ASSERT_EQ(0, vm_set_migration_info(self->user, true, 1));
	report[1] = 2;		/* ReportStatus, operation 1, the rest 0 */
	report[2] = 1;
	migtd_put_cmd(&self->t, CMD, migtd_guid_migtd, report, sizeof(report));
	migtd_put_rsp(&self->t, long_rsp, 4 * PAGE);
	ASSERT_EQ(0, migtd_service(&self->t, CMD, long_rsp, 0, &r10));
	EXPECT_EQ(0, r10);
	EXPECT_EQ(SERVICE_BAD_CMD_BUF, migtd_rsp_status(&self->t, long_rsp));
	EXPECT_EQ(0, vm_premig_done(self->user));
	/* WaitForRequest with no vector: the request, at once, in four pages. */
	migtd_put_cmd(&self->t, CMD, migtd_guid_migtd, wait, sizeof(wait));
	migtd_put_rsp(&self->t, long_rsp, 4 * PAGE);
	ASSERT_EQ(0, migtd_service(&self->t, CMD, long_rsp, 0, &r10));
	EXPECT_EQ(0, r10);
	h = (struct migtd_service_hdr *)(self->t.shared + long_rsp);
	ASSERT_EQ(SERVICE_RETURNED, h->status);
	ASSERT_LT(sizeof(*h) + 4, h->length);
	ASSERT_GE(4 * PAGE, h->length);
	ASSERT_EQ(1, ((uint8_t *)(h + 1))[2]);
	ASSERT_EQ(0, migtd_parse_hobs((uint8_t *)(h + 1) + 4, h->length - sizeof(*h) - 4, &req));
	EXPECT_EQ(1, req.source);
	EXPECT_EQ(SERVICE_RETURNED, migtd_report(&self->t, 0, req.req_id, 0));
	EXPECT_EQ(1, vm_premig_done(self->user));
}

/* A response buffer too small for the HOB list: OUT_OF_RES, the request stays. */
TEST_F(svc, response_too_small)
{
	const uint8_t wait[4] = { 0, 1, 0, 0 };
	struct migtd_request req;
	uint64_t r10;

	ASSERT_EQ(0, vm_set_migration_info(self->user, true, 1));
	migtd_put_cmd(&self->t, CMD, migtd_guid_migtd, wait, sizeof(wait));
	migtd_put_rsp(&self->t, RSP, 64);
	ASSERT_EQ(0, migtd_service(&self->t, CMD, RSP, 0, &r10));
	EXPECT_EQ(0, r10);
	EXPECT_EQ(SERVICE_OUT_OF_RES, rsp(&self->t)->status);
	EXPECT_EQ(sizeof(struct migtd_service_hdr), rsp(&self->t)->length);
	/* A response header claiming more than the MTU is refused outright. */
	migtd_put_rsp(&self->t, RSP, 0x10001);
	ASSERT_EQ(0, migtd_service(&self->t, CMD, RSP, 0, &r10));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, r10);
	ASSERT_EQ(1, migtd_wait_request(&self->t, MIGTD_VECTOR, &req));
	EXPECT_EQ(1, req.source);
}

/* A TD that is not a MigTD gets no service. */
TEST_F(svc, not_a_migtd)
{
	struct tdx_mig_emu_op ops[] = {
		{ .type = TDX_MIG_EMU_OP_SET_REG, .reg = R_RCX, .value = 0xfc00 },
		{ .type = TDX_MIG_EMU_OP_SET_REG, .reg = R_R11, .value = VMCALL_SERVICE },
		{ .type = TDX_MIG_EMU_OP_TDCALL, .value = 0 },
	};
	struct tdx_mig_emu_run run = { .nr_ops = 3, .ops = (uintptr_t)ops };
	struct tdx_mig_emu_vcpu_state st = {};
	int td = tb_create_td(BYTES, 1, false, 0);

	ASSERT_LE(0, td);
	ASSERT_EQ(0, tb_vcpu_run(td, &run));
	ASSERT_EQ(0, tb_vcpu_state(td, &st));
	EXPECT_EQ(VMCALL_INVALID_OPERAND, st.gpr[R_R10]);
	EXPECT_EQ(0, st.gpr[R_RAX]);	/* the TDCALL itself succeeded */
	/* RCX may not share RAX, RCX, RSP or RBP: the TDCALL fails. */
	ops[0].value = 0xfc01;
	ASSERT_EQ(0, tb_vcpu_run(td, &run));
	ASSERT_EQ(0, tb_vcpu_state(td, &st));
	EXPECT_NE(0, st.gpr[R_RAX]);
	/* Sharing nothing is allowed: the host sees no R11 and declines. */
	ops[0].value = 0;
	ASSERT_EQ(0, tb_vcpu_run(td, &run));
	ASSERT_EQ(0, tb_vcpu_state(td, &st));
	EXPECT_EQ(0, st.gpr[R_RAX]);
	EXPECT_EQ(VMCALL_SERVICE, st.gpr[R_R11]);	/* not shared: unchanged */
	close(td);
}

TEST_HARNESS_MAIN
