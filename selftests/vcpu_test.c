// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs as KVM has them. The VMM creates a destination's vCPUs
 * (KVM_CREATE_VCPU) and IMPORT_STATE_VP fills them. The run ioctl exits
 * as KVM_RUN: a destination vCPU that touches a private page not imported
 * yet exits with KVM_EXIT_MEMORY_FAULT's fields (private flag, GPA, size)
 * and goes on once the page has arrived; a fault nobody can fix exits
 * instead of spinning. KVM_SET_MEMORY_ATTRIBUTES checks its input as KVM.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/tdx_mig_emu.h>

#include "kselftest_harness.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define BYTES		(2UL << 20)
#define NPAGES		(BYTES / MIG_PAGE_SIZE)
#define MISSING		77
#define CHUNK		64

FIXTURE(mp) {
	int src, dst;
	struct mig m;
};

FIXTURE_SETUP(mp)
{
	self->src = -1;
	self->dst = -1;
	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	ASSERT_EQ(0, tb_create_pair(BYTES, 1, &self->src, &self->dst));
	ASSERT_EQ(0, tb_mig_open(&self->m, self->src, self->dst, NPAGES, 1, 1, CHUNK));
}

FIXTURE_TEARDOWN(mp)
{
	mig_close(&self->m);
	if (self->src >= 0)
		close(self->src);
	if (self->dst >= 0)
		close(self->dst);
}

/* Paused at once: every page but @skip in order, and the TD's state. */
static int send_td_without(struct mig *m, uint64_t skip)
{
	uint64_t gfns[CHUNK], gfn;
	unsigned int n = 0;
	int ret;

	ret = mig_start(m) ?: mig_cmd_retry(&m->src[0], KVM_TDX_MIG_EXPORT_PAUSE, NULL, NULL) ?:
	      mig_move_token(m, false);
	for (gfn = 0; !ret && gfn < NPAGES; gfn++) {
		if (gfn != skip)
			gfns[n++] = gfn;
		if (n == CHUNK || (gfn == NPAGES - 1 && n)) {
			ret = mig_move_pages(m, 0, gfns, n);
			n = 0;
		}
	}
	return ret ?: mig_move_state(m, 0, KVM_TDX_MIG_EXPORT_STATE_TD,
				     KVM_TDX_MIG_IMPORT_STATE_TD);
}

/* ... then the vCPU's state and the start token: the destination commits and may run. */
static int commit_without(struct mig *m, uint64_t skip)
{
	return send_td_without(m, skip) ?:
	       mig_move_state(m, 0, KVM_TDX_MIG_EXPORT_STATE_VP,
			      KVM_TDX_MIG_IMPORT_STATE_VP) ?:
	       mig_move_token(m, true);
}

static int read_page(int vm, uint64_t gfn, uint64_t *buf)
{
	return tb_read_mem(vm, gfn * MIG_PAGE_SIZE, buf, MIG_PAGE_SIZE);
}

/* One 8-byte guest store at @gpa on vCPU 0. */
static int guest_store(int vm, uint64_t gpa, uint64_t value, struct tdx_mig_emu_run *r)
{
	static struct tdx_mig_emu_op op;

	op = (struct tdx_mig_emu_op){ .type = TDX_MIG_EMU_OP_WRITE, .gpa = gpa, .value = value };
	*r = (struct tdx_mig_emu_run){ .nr_ops = 1, .ops = (uintptr_t)&op };
	return tb_vcpu_run(vm, r);
}

/*
 * Post-copy's demand fault: the store to the page still at the source
 * exits with its GPA, again on each re-entry until the page is imported,
 * and then completes; pages that came need no exit.
 */
TEST_F(mp, missing_page_exits_with_gpa)
{
	uint64_t src_page[512], dst_page[512], gfn = MISSING;
	struct tdx_mig_emu_run r;

	ASSERT_EQ(0, commit_without(&self->m, MISSING));
	EXPECT_EQ(0, guest_store(self->dst, 3 * MIG_PAGE_SIZE, 1, &r));

	EXPECT_EQ(-EFAULT, guest_store(self->dst, MISSING * MIG_PAGE_SIZE + 8, 0x5a5a, &r));
	EXPECT_EQ(TDX_MIG_EMU_EXIT_MEMORY_FAULT, r.exit_reason);
	EXPECT_EQ(KVM_MEMORY_EXIT_FLAG_PRIVATE, r.memory_fault.flags);
	EXPECT_EQ(MISSING * MIG_PAGE_SIZE, r.memory_fault.gpa);
	EXPECT_EQ(MIG_PAGE_SIZE, r.memory_fault.size);
	/* Not re-entered for good before the page is there. */
	r.nr_ops = 0;
	EXPECT_EQ(-EFAULT, tb_vcpu_run(self->dst, &r));
	EXPECT_EQ(MISSING * MIG_PAGE_SIZE, r.memory_fault.gpa);

	/* The source sends it out of order; the store then completes. */
	ASSERT_EQ(0, mig_move_pages(&self->m, 0, &gfn, 1));
	r.nr_ops = 0;
	EXPECT_EQ(0, tb_vcpu_run(self->dst, &r));
	EXPECT_EQ(TDX_MIG_EMU_EXIT_NONE, r.exit_reason);
	ASSERT_EQ(0, mig_cmd_retry(&self->m.dst[0], KVM_TDX_MIG_IMPORT_END, NULL, NULL));

	ASSERT_EQ(0, read_page(self->src, MISSING, src_page));
	ASSERT_EQ(0, read_page(self->dst, MISSING, dst_page));
	EXPECT_EQ(0x5a5a, dst_page[1]);
	dst_page[1] = src_page[1];
	EXPECT_EQ(0, memcmp(src_page, dst_page, sizeof(src_page)));
}

/*
 * A store to a page the TD never accepted is no fault the host can fix:
 * re-entered (another vCPU might have fixed it) TDX_MIG_EMU_FAULT_RETRIES
 * times, then the VMM's.
 */
TEST_F(mp, unresolvable_fault_exits)
{
	struct tdx_mig_emu_run r;
	int td = tb_create_td(BYTES, 1, false, 8);	/* every 8th page pending */

	ASSERT_LE(0, td);
	EXPECT_EQ(-EFAULT, guest_store(td, 7 * MIG_PAGE_SIZE, 1, &r));
	EXPECT_EQ(TDX_MIG_EMU_EXIT_MEMORY_FAULT, r.exit_reason);
	EXPECT_EQ(7 * MIG_PAGE_SIZE, r.memory_fault.gpa);
	EXPECT_EQ(TDX_MIG_EMU_FAULT_RETRIES + 1, r.entries);
	/* Beyond private memory: at once. */
	EXPECT_EQ(-EFAULT, guest_store(td, BYTES, 1, &r));
	EXPECT_EQ(BYTES, r.memory_fault.gpa);
	EXPECT_EQ(1, r.entries);
	close(td);
}

static int create_vcpu(int vm, unsigned long index)
{
	return ioctl(vm, KVM_CREATE_VCPU, index) ? -errno : 0;
}

/* KVM_CREATE_VCPU: in index order, once each, up to the TD's vCPUs. */
TEST(create_vcpu_bad_input)
{
	int src, dst;

	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	src = tb_create_td(BYTES, 1, false, 0);
	dst = tb_create_dst_without_vcpus(BYTES, 2);
	ASSERT_LE(0, src);
	ASSERT_LE(0, dst);
	EXPECT_EQ(-EINVAL, create_vcpu(dst, 1));
	EXPECT_EQ(0, create_vcpu(dst, 0));
	EXPECT_EQ(-EEXIST, create_vcpu(dst, 0));
	EXPECT_EQ(0, create_vcpu(dst, 1));
	EXPECT_EQ(-EINVAL, create_vcpu(dst, 2));
	/* A built TD has its vCPUs. */
	EXPECT_EQ(-EEXIST, create_vcpu(src, 0));
	close(src);
	close(dst);
}

/*
 * IMPORT_STATE_VP fills a vCPU the VMM created: without one it fails
 * (-ENOENT), and the same bundle imports once the VMM has created it.
 */
TEST(import_vp_needs_vmm_vcpu)
{
	uint64_t pages = 0, n;
	int src, dst;
	struct mig m;

	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	src = tb_create_td(BYTES, 1, false, 0);
	dst = tb_create_dst_without_vcpus(BYTES, 1);
	ASSERT_LE(0, src);
	ASSERT_LE(0, dst);
	ASSERT_EQ(0, tb_exchange_keys(src, dst));
	ASSERT_EQ(0, tb_mig_open(&m, src, dst, NPAGES, 1, 1, CHUNK));
	ASSERT_EQ(0, send_td_without(&m, NPAGES));

	ASSERT_EQ(0, mig_cmd_retry(&m.src[0], KVM_TDX_MIG_EXPORT_STATE_VP, &pages, NULL));
	memcpy(m.dst[0].mbmd, m.src[0].mbmd, MIG_PAGE_SIZE);
	memcpy(m.dst[0].bufs, m.src[0].bufs, pages * MIG_PAGE_SIZE);
	n = pages;
	EXPECT_EQ(-ENOENT, mig_cmd_retry(&m.dst[0], KVM_TDX_MIG_IMPORT_STATE_VP, &n, NULL));
	ASSERT_EQ(0, create_vcpu(dst, 0));
	n = pages;
	EXPECT_EQ(0, mig_cmd_retry(&m.dst[0], KVM_TDX_MIG_IMPORT_STATE_VP, &n, NULL));
	ASSERT_EQ(0, mig_move_token(&m, true));
	EXPECT_EQ(0, mig_cmd_retry(&m.dst[0], KVM_TDX_MIG_IMPORT_END, NULL, NULL));
	mig_close(&m);
	close(src);
	close(dst);
}

static int set_attr(int vm, uint64_t address, uint64_t size, uint64_t attributes,
		    uint64_t flags)
{
	struct kvm_memory_attributes a = { .address = address, .size = size,
					   .attributes = attributes, .flags = flags };

	return ioctl(vm, KVM_SET_MEMORY_ATTRIBUTES, &a) ? -errno : 0;
}

/* kvm_vm_ioctl_set_mem_attributes()'s checks, and the platform's limits. */
TEST_F(mp, memory_attributes_bad_input)
{
	const uint64_t priv = KVM_MEMORY_ATTRIBUTE_PRIVATE;
	int status;
	pid_t child;

	EXPECT_EQ(-EINVAL, set_attr(self->dst, 0, MIG_PAGE_SIZE, priv, 1));
	EXPECT_EQ(-EINVAL, set_attr(self->dst, 0, MIG_PAGE_SIZE, 1, 0));
	EXPECT_EQ(-EINVAL, set_attr(self->dst, 0, 0, priv, 0));
	EXPECT_EQ(-EINVAL, set_attr(self->dst, -MIG_PAGE_SIZE, 2 * MIG_PAGE_SIZE, priv, 0));
	EXPECT_EQ(-EINVAL, set_attr(self->dst, 8, MIG_PAGE_SIZE, priv, 0));
	EXPECT_EQ(-EINVAL, set_attr(self->dst, 0, MIG_PAGE_SIZE + 8, priv, 0));
	EXPECT_EQ(-EINVAL, set_attr(self->dst, BYTES - MIG_PAGE_SIZE, 2 * MIG_PAGE_SIZE,
				    priv, 0));
	EXPECT_EQ(0, set_attr(self->dst, 0, BYTES, priv, 0));
	EXPECT_EQ(0, set_attr(self->dst, 0, BYTES, 0, 0));
	/* A page the TD has cannot turn shared here (KVM would remove it). */
	EXPECT_EQ(-EBUSY, set_attr(self->src, 0, MIG_PAGE_SIZE, 0, 0));
	EXPECT_EQ(0, set_attr(self->src, 0, BYTES, priv, 0));

	/* A VM is its creator's, as in KVM: a child gets -EIO. */
	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		_exit(set_attr(self->dst, 0, MIG_PAGE_SIZE, priv, 0) == -EIO ? 0 : 1);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
