// SPDX-License-Identifier: GPL-2.0
/*
 * A TD's shared memory as KVM gives it to a VMM: the VMM's own pages (its
 * mapping sees what the guest writes), reached by the guest through the
 * shared EPT, and a dirty log (memslot TDX_MIG_EMU_SHARED_SLOT) with KVM's
 * manual-protect semantics: a guest write logs its page, CLEAR takes pages
 * out of the log and re-arms their write protection, the VMM's own writes
 * are not logged. The slot and range checks are KVM's.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <linux/tdx_mig_emu.h>

#include "kselftest_harness.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define BYTES		(2UL << 20)
#define NPAGES		TB_TD_SHARED_PAGES
#define WORDS		((NPAGES + 63) / 64)

FIXTURE(shared) {
	int vm;
	uint64_t *mem;
	unsigned long log[WORDS];
};

FIXTURE_SETUP(shared)
{
	void *p;

	self->vm = -1;
	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	self->vm = tb_create_td(BYTES, 2, false, 0);
	ASSERT_LE(0, self->vm);
	ASSERT_EQ(0, tb_shared_map(self->vm, NPAGES, &p));
	self->mem = p;
}

FIXTURE_TEARDOWN(shared)
{
	if (self->mem)
		munmap(self->mem, NPAGES * MIG_PAGE_SIZE);
	if (self->vm >= 0)
		close(self->vm);
}

static int get_log(int vm, unsigned long *log)
{
	struct kvm_dirty_log g = { .slot = TDX_MIG_EMU_SHARED_SLOT, .dirty_bitmap = log };

	memset(log, 0xa5, WORDS * sizeof(*log));
	return ioctl(vm, KVM_GET_DIRTY_LOG, &g) ? -errno : 0;
}

static int clear_log(int vm, uint64_t first, uint32_t n, unsigned long *mask)
{
	struct kvm_clear_dirty_log c = { .slot = TDX_MIG_EMU_SHARED_SLOT, .first_page = first,
					 .num_pages = n, .dirty_bitmap = mask };

	return ioctl(vm, KVM_CLEAR_DIRTY_LOG, &c) ? -errno : 0;
}

static bool logged(const unsigned long *log, unsigned int page)
{
	return log[page / 64] & (1UL << (page % 64));
}

static unsigned int nr_logged(const unsigned long *log)
{
	unsigned int i, n = 0;

	for (i = 0; i < WORDS; i++)
		n += __builtin_popcountl(log[i]);
	return n;
}

/* What the guest writes is in the VMM's mapping, at once. */
TEST_F(shared, guest_writes_reach_the_vmm)
{
	uint64_t pages[3] = { 0, 9, NPAGES - 1 };
	unsigned int i;

	ASSERT_EQ(0, tb_guest_write_shared(self->vm, 1, pages, 3, 0x1000));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0x1000 + i, self->mem[pages[i] * 512 + 1]);
	EXPECT_EQ(0, self->mem[1 * 512 + 1]);
}

/* The log holds what the guest wrote since the pages left it, nothing else. */
TEST_F(shared, dirty_log_follows_guest_writes)
{
	uint64_t pages[2] = { 3, 40 }, again = 40;
	unsigned long all[WORDS];

	ASSERT_EQ(0, get_log(self->vm, self->log));
	EXPECT_EQ(0, nr_logged(self->log));
	ASSERT_EQ(0, tb_guest_write_shared(self->vm, 0, pages, 2, 5));
	ASSERT_EQ(0, get_log(self->vm, self->log));
	EXPECT_EQ(2, nr_logged(self->log));
	EXPECT_TRUE(logged(self->log, 3));
	EXPECT_TRUE(logged(self->log, 40));
	/* GET does not clear (manual protect). */
	ASSERT_EQ(0, get_log(self->vm, self->log));
	EXPECT_EQ(2, nr_logged(self->log));

	memset(all, 0xff, sizeof(all));
	ASSERT_EQ(0, clear_log(self->vm, 0, NPAGES, all));
	ASSERT_EQ(0, get_log(self->vm, self->log));
	EXPECT_EQ(0, nr_logged(self->log));
	/* The VMM's own writes are not the guest's: not logged. */
	self->mem[3 * 512] = 77;
	ASSERT_EQ(0, get_log(self->vm, self->log));
	EXPECT_EQ(0, nr_logged(self->log));
	/* Write protection is armed again: the next guest write logs page 40. */
	ASSERT_EQ(0, tb_guest_write_shared(self->vm, 1, &again, 1, 6));
	ASSERT_EQ(0, get_log(self->vm, self->log));
	EXPECT_EQ(1, nr_logged(self->log));
	EXPECT_TRUE(logged(self->log, 40));
	/* CLEAR takes only the bits it is given. */
	memset(all, 0, sizeof(all));
	ASSERT_EQ(0, clear_log(self->vm, 0, NPAGES, all));
	ASSERT_EQ(0, get_log(self->vm, self->log));
	EXPECT_TRUE(logged(self->log, 40));
	EXPECT_EQ(6, self->mem[40 * 512 + 1]);
}

/* KVM's checks: the slot, a 64-page aligned start, the range inside the slot. */
TEST_F(shared, dirty_log_bad_input)
{
	struct kvm_dirty_log g = { .dirty_bitmap = self->log };
	struct kvm_clear_dirty_log c = { .slot = TDX_MIG_EMU_SHARED_SLOT,
					 .dirty_bitmap = self->log };
	uint64_t page = 2;

	ASSERT_EQ(0, tb_guest_write_shared(self->vm, 0, &page, 1, 1));
	g.slot = TDX_MIG_EMU_SHARED_SLOT + 1;		/* no such memslot */
	EXPECT_EQ(-1, ioctl(self->vm, KVM_GET_DIRTY_LOG, &g));
	EXPECT_EQ(ENOENT, errno);
	g.slot = 32764;					/* past KVM_USER_MEM_SLOTS */
	EXPECT_EQ(-1, ioctl(self->vm, KVM_GET_DIRTY_LOG, &g));
	EXPECT_EQ(EINVAL, errno);
	g.slot = (1 << 16) | TDX_MIG_EMU_SHARED_SLOT;	/* a second address space */
	EXPECT_EQ(-1, ioctl(self->vm, KVM_GET_DIRTY_LOG, &g));
	EXPECT_EQ(EINVAL, errno);
	g.slot = TDX_MIG_EMU_SHARED_SLOT;
	g.dirty_bitmap = (void *)8;
	EXPECT_EQ(-1, ioctl(self->vm, KVM_GET_DIRTY_LOG, &g));
	EXPECT_EQ(EFAULT, errno);

	memset(self->log, 0xff, sizeof(self->log));
	c.first_page = 1;
	c.num_pages = 63;
	EXPECT_EQ(-1, ioctl(self->vm, KVM_CLEAR_DIRTY_LOG, &c));
	EXPECT_EQ(EINVAL, errno);
	c.first_page = 0;
	c.num_pages = 63;				/* short of the end, not a multiple */
	EXPECT_EQ(-1, ioctl(self->vm, KVM_CLEAR_DIRTY_LOG, &c));
	EXPECT_EQ(EINVAL, errno);
	c.num_pages = NPAGES + 64;
	EXPECT_EQ(-1, ioctl(self->vm, KVM_CLEAR_DIRTY_LOG, &c));
	EXPECT_EQ(EINVAL, errno);
	c.first_page = NPAGES + 64;
	c.num_pages = 0;
	EXPECT_EQ(-1, ioctl(self->vm, KVM_CLEAR_DIRTY_LOG, &c));
	EXPECT_EQ(EINVAL, errno);
	c.first_page = 0;
	c.num_pages = NPAGES;
	c.dirty_bitmap = (void *)8;
	EXPECT_EQ(-1, ioctl(self->vm, KVM_CLEAR_DIRTY_LOG, &c));
	EXPECT_EQ(EFAULT, errno);
	/* Nothing was lost on the way: page 2 is still in the log. */
	ASSERT_EQ(0, get_log(self->vm, self->log));
	EXPECT_TRUE(logged(self->log, 2));
	EXPECT_EQ(1, nr_logged(self->log));
}

/*
 * A shared GPA outside the memslot is the VMM's: KVM's memory-fault exit,
 * not private, with the GFN's address (no shared bit).
 */
TEST_F(shared, access_outside_the_slot_exits)
{
	struct tdx_mig_emu_op op = { .type = TDX_MIG_EMU_OP_WRITE,
				     .gpa = TDX_MIG_EMU_SHARED_GPA + NPAGES * MIG_PAGE_SIZE + 8,
				     .value = 1 };
	struct tdx_mig_emu_run r = { .vcpu = 0, .ops = (uintptr_t)&op, .nr_ops = 1 };

	EXPECT_EQ(-EFAULT, tb_vcpu_run(self->vm, &r));
	EXPECT_EQ(TDX_MIG_EMU_EXIT_MEMORY_FAULT, r.exit_reason);
	EXPECT_EQ(0, r.memory_fault.flags);
	EXPECT_EQ(TDX_MIG_EMU_MAX_MEM + NPAGES * MIG_PAGE_SIZE, r.memory_fault.gpa);
}

TEST_HARNESS_MAIN
