// SPDX-License-Identifier: GPL-2.0
/*
 * The Migration TD service end to end, with emulated MigTDs in child
 * processes: pre-migration (WaitForRequest, the key exchange over TCP
 * loopback, ReportStatus) followed by a full migration without any
 * test-only key shortcut; pre-binding by hash; two user TDs through one
 * MigTD pair at once; MigTDs killed after pre-migration, or before it and
 * replaced; a failed ReportStatus and a retry; each migration needing its
 * own pre-migration.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/tdx_mig_emu.h>

#include "kselftest_harness.h"
#include "guest_writer.h"
#include "migtd_emu.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define BYTES		(8UL << 20)
#define NR_VCPUS	2
#define PREMIG_MS	60000

struct pair {
	int src, dst;
};

FIXTURE(migtd) {
	pid_t migtd_s, migtd_d;
	struct pair p[2];
	uint32_t port;
};

FIXTURE_SETUP(migtd)
{
	int i;

	self->migtd_s = -1;
	self->migtd_d = -1;
	for (i = 0; i < 2; i++)
		self->p[i] = (struct pair){ -1, -1 };
	/* A port per test run, so a socket in TIME_WAIT never gets in the way. */
	self->port = 20000 + (getpid() % 20000);
	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
}

FIXTURE_TEARDOWN(migtd)
{
	int i;

	migtd_kill(self->migtd_s);
	migtd_kill(self->migtd_d);
	for (i = 0; i < 2; i++) {
		if (self->p[i].src >= 0)
			close(self->p[i].src);
		if (self->p[i].dst >= 0)
			close(self->p[i].dst);
	}
}

static void spawn_migtds(struct __test_metadata *_metadata, pid_t *migtd_s, pid_t *migtd_d,
			 unsigned int fail_reports)
{
	*migtd_s = migtd_spawn(fail_reports);
	*migtd_d = migtd_spawn(fail_reports);
	ASSERT_LT(0, *migtd_s);
	ASSERT_LT(0, *migtd_d);
}

/* A source bound while being built (initial binding), and a bound destination. */
static void create_pair(struct __test_metadata *_metadata, pid_t migtd_s, pid_t migtd_d,
			struct pair *p)
{
	uint64_t gfns[3] = { 1, 100, 2000 };

	p->src = tb_create_unfinalized(BYTES, NR_VCPUS);
	p->dst = tb_create_td(BYTES, NR_VCPUS, true, 0);
	ASSERT_LE(0, p->src);
	ASSERT_LE(0, p->dst);
	ASSERT_EQ(0, vm_servtd_bind(p->src, migtd_s, 0, NULL));
	ASSERT_EQ(0, vm_tdx_cmd(p->src, KVM_TDX_FINALIZE_VM, NULL, NULL));
	ASSERT_EQ(0, vm_servtd_bind(p->dst, migtd_d, 0, NULL));
	ASSERT_EQ(0, tb_guest_write(p->src, 0, gfns, 3, 0xfeed, NULL));
}

static int migrate(const struct pair *p)
{
	struct mig m;
	int ret;

	ret = tb_mig_open(&m, p->src, p->dst, BYTES / MIG_PAGE_SIZE, NR_VCPUS, 1, 64) ?:
	      mig_precopy(&m);
	mig_close(&m);
	return ret ?: td_compare(p->src, p->dst, BYTES, NR_VCPUS, NULL);
}

/* MigTD pair pre-migration, then a full migration; its keys are used up. */
TEST_F_TIMEOUT(migtd, premig_then_migrate, 180)
{
	struct pair *p = &self->p[0];
	struct mig m;

	spawn_migtds(_metadata, &self->migtd_s, &self->migtd_d, 0);
	create_pair(_metadata, self->migtd_s, self->migtd_d, p);
	EXPECT_EQ(0, vm_premig_done(p->src));
	/* Without pre-migration the TDX Module has no keys: no migration. */
	ASSERT_EQ(0, tb_mig_open(&m, p->src, p->dst, BYTES / MIG_PAGE_SIZE, NR_VCPUS, 1, 64));
	EXPECT_NE(0, mig_start(&m));
	mig_close(&m);
	ASSERT_EQ(0, mig_premigrate(p->src, p->dst, self->port, PREMIG_MS));
	ASSERT_EQ(0, migrate(p));
	/* A new STATE.IMMUTABLE consumed the pre-migration. */
	EXPECT_EQ(0, vm_premig_done(p->src));
	EXPECT_EQ(0, vm_premig_done(p->dst));
}

/* Pre-bound by hash before the MigTD exists; bound and pre-migrated later. */
TEST_F_TIMEOUT(migtd, prebind_then_bind, 180)
{
	struct kvm_tdx_servtd b = { .type = KVM_TDX_SERVTD_TYPE_MIGTD };
	struct pair *p = &self->p[0];
	int image;

	/* Every emulated MigTD is built alike: the hash of one is the hash of all. */
	image = tb_create_migtd();
	ASSERT_LE(0, image);
	ASSERT_EQ(0, tb_servtd_hash(image, 0, b.hash));
	close(image);
	p->src = tb_create_unfinalized(BYTES, NR_VCPUS);
	ASSERT_LE(0, p->src);
	ASSERT_EQ(0, vm_tdx_cmd(p->src, KVM_TDX_SERVTD_PREBIND, &b, NULL));
	ASSERT_EQ(0, vm_tdx_cmd(p->src, KVM_TDX_FINALIZE_VM, NULL, NULL));
	spawn_migtds(_metadata, &self->migtd_s, &self->migtd_d, 0);
	ASSERT_EQ(0, vm_servtd_bind(p->src, self->migtd_s, 0, NULL));
	p->dst = tb_create_td(BYTES, NR_VCPUS, true, 0);
	ASSERT_LE(0, p->dst);
	ASSERT_EQ(0, vm_servtd_bind(p->dst, self->migtd_d, 0, NULL));
	ASSERT_EQ(0, mig_premigrate(p->src, p->dst, self->port, PREMIG_MS));
	ASSERT_EQ(0, migrate(p));
}

static void *migrate_thread(void *arg)
{
	return (void *)(long)migrate(arg);
}

/* Two user TDs pre-migrate and migrate at the same time through one MigTD pair. */
TEST_F_TIMEOUT(migtd, two_tds_one_migtd_pair, 180)
{
	int vms[4];
	pthread_t t[2];
	void *ret[2];
	int i;

	spawn_migtds(_metadata, &self->migtd_s, &self->migtd_d, 0);
	for (i = 0; i < 2; i++) {
		create_pair(_metadata, self->migtd_s, self->migtd_d, &self->p[i]);
		vms[2 * i] = self->p[i].src;
		vms[2 * i + 1] = self->p[i].dst;
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, vm_set_migration_info(self->p[i].src, true, self->port + 2 * i));
		ASSERT_EQ(0, vm_set_migration_info(self->p[i].dst, false, self->port + 2 * i));
	}
	ASSERT_EQ(0, mig_premig_wait(vms, 4, PREMIG_MS));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, migrate_thread, &self->p[i]));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, pthread_join(t[i], &ret[i]));
		EXPECT_EQ(0, (long)ret[i]);
	}
}

/* The MigTDs are gone after pre-migration; the migration still succeeds. */
TEST_F_TIMEOUT(migtd, migtds_killed_after_premig, 180)
{
	struct pair *p = &self->p[0];

	spawn_migtds(_metadata, &self->migtd_s, &self->migtd_d, 0);
	create_pair(_metadata, self->migtd_s, self->migtd_d, p);
	ASSERT_EQ(0, mig_premigrate(p->src, p->dst, self->port, PREMIG_MS));
	migtd_kill(self->migtd_s);
	migtd_kill(self->migtd_d);
	self->migtd_s = -1;
	self->migtd_d = -1;
	EXPECT_EQ(1, vm_premig_done(p->src));
	ASSERT_EQ(0, migrate(p));
}

/* The result of the next session a MigTD reported (one byte on @fd), or -errno. */
static int next_report(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t result;

	if (poll(&pfd, 1, PREMIG_MS) != 1)
		return -ETIMEDOUT;
	return read(fd, &result, 1) == 1 ? result : -EIO;
}

/*
 * A failed ReportStatus leaves the TDs bound; asking again works. Each
 * MigTD fails its first request and says when it has reported it; then
 * neither TD is pre-migrated, and both may ask again at once.
 */
TEST_F_TIMEOUT(migtd, report_failure_then_retry, 180)
{
	struct pair *p = &self->p[0];
	int fds[2], i;

	ASSERT_EQ(0, pipe(fds));
	self->migtd_s = migtd_spawn_reporting(1, fds[1]);
	self->migtd_d = migtd_spawn_reporting(1, fds[1]);
	close(fds[1]);
	ASSERT_LT(0, self->migtd_s);
	ASSERT_LT(0, self->migtd_d);
	create_pair(_metadata, self->migtd_s, self->migtd_d, p);
	ASSERT_EQ(0, vm_set_migration_info(p->src, true, self->port));
	ASSERT_EQ(0, vm_set_migration_info(p->dst, false, self->port));
	for (i = 0; i < 2; i++)
		EXPECT_LT(0, next_report(fds[0]));
	EXPECT_EQ(0, vm_premig_done(p->src));
	EXPECT_EQ(0, vm_premig_done(p->dst));
	ASSERT_EQ(0, mig_premigrate(p->src, p->dst, self->port, PREMIG_MS));
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, next_report(fds[0]));
	close(fds[0]);
	ASSERT_EQ(0, migrate(p));
}

/*
 * The MigTDs go away before pre-migration: the user TDs have none to ask.
 * New MigTDs are started and bound (a re-binding to another MigTD), and
 * pre-migration and migration work through them.
 */
TEST_F_TIMEOUT(migtd, migtds_replaced, 180)
{
	struct pair *p = &self->p[0];

	spawn_migtds(_metadata, &self->migtd_s, &self->migtd_d, 0);
	create_pair(_metadata, self->migtd_s, self->migtd_d, p);
	migtd_kill(self->migtd_s);
	migtd_kill(self->migtd_d);
	self->migtd_s = -1;
	self->migtd_d = -1;
	EXPECT_EQ(-ENOENT, vm_set_migration_info(p->src, true, self->port));
	EXPECT_EQ(-ENOENT, vm_set_migration_info(p->dst, false, self->port));
	spawn_migtds(_metadata, &self->migtd_s, &self->migtd_d, 0);
	ASSERT_EQ(0, vm_servtd_bind(p->src, self->migtd_s, 0, NULL));
	ASSERT_EQ(0, vm_servtd_bind(p->dst, self->migtd_d, 0, NULL));
	ASSERT_EQ(0, mig_premigrate(p->src, p->dst, self->port, PREMIG_MS));
	ASSERT_EQ(0, migrate(p));
}

/*
 * The key shortcut is off by default, and every test that turned it on
 * turned it off again: the emulator refuses it.
 */
TEST_F_TIMEOUT(migtd, test_keys_off, 180)
{
	struct pair *p = &self->p[0];

	p->src = tb_create_td(BYTES, 1, false, 0);
	p->dst = tb_create_td(BYTES, 1, true, 0);
	ASSERT_LE(0, p->src);
	ASSERT_LE(0, p->dst);
	EXPECT_EQ(0, tb_test_keys(-1));
	EXPECT_EQ(-EPERM, tb_exchange_keys_as_is(p->src, p->dst));
}

TEST_HARNESS_MAIN
