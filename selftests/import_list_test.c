// SPDX-License-Identifier: GPL-2.0
/*
 * What each entry of an import list does to the destination's pages, as
 * the hypervisor learns it after TDH.IMPORT.MEM: a page MIGRATEd in, then
 * CANCELled (the TD's page goes back to the host) and MIGRATEd again into
 * a new page; the same GFN twice in one list. (REMIGRATE, in place, is
 * what every live round of migrate_test sends.)
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define BYTES		(2UL << 20)
#define NPAGES		(BYTES / MIG_PAGE_SIZE)
#define OP_SHIFT	52
#define OP_MIGRATE	1ULL
#define OP_CANCEL	2ULL
#define OP_REMIGRATE	3ULL
#define STATUS_SHIFT	56
#define STATUS_MASK	0x1fULL

FIXTURE(il) {
	int src, dst;
	struct mig m;
};

FIXTURE_SETUP(il)
{
	self->src = -1;
	self->dst = -1;
	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	ASSERT_EQ(0, tb_create_pair(BYTES, 1, &self->src, &self->dst));
	ASSERT_EQ(0, tb_mig_open(&self->m, self->src, self->dst, NPAGES, 1, 1, 16));
	/* Paused: pages need no write-blocking; epochs still go in order. */
	ASSERT_EQ(0, mig_start(&self->m));
	ASSERT_EQ(0, mig_cmd_retry(&self->m.src[0], KVM_TDX_MIG_EXPORT_PAUSE, NULL, NULL));
	ASSERT_EQ(0, mig_move_token(&self->m, false));
}

FIXTURE_TEARDOWN(il)
{
	mig_close(&self->m);
	if (self->src >= 0)
		close(self->src);
	if (self->dst >= 0)
		close(self->dst);
}

/* One bundle of @n entries (GFN and operation each) from source to destination. */
static int move(struct mig *m, const uint64_t *gfns, const uint64_t *ops, unsigned int n,
		uint64_t *dst_list)
{
	struct mig_stream *from = &m->src[0], *to = &m->dst[0];
	uint64_t count = n;
	unsigned int k;
	int ret;

	for (k = 0; k < n; k++)
		from->gpa_list[k] = (gfns[k] * MIG_PAGE_SIZE) | (ops[k] << OP_SHIFT);
	ret = mig_cmd_retry(from, KVM_TDX_MIG_EXPORT_MEM, &count, NULL);
	if (ret)
		return ret;
	memcpy(to->mbmd, from->mbmd, MIG_PAGE_SIZE);
	memcpy(to->gpa_list, from->gpa_list, n * sizeof(uint64_t));
	memcpy(to->mac, from->mac, 2 * MIG_PAGE_SIZE);
	memcpy(to->bufs, from->bufs, n * MIG_PAGE_SIZE);
	count = n;
	ret = mig_cmd_retry(to, KVM_TDX_MIG_IMPORT_MEM, &count, NULL);
	if (dst_list)
		memcpy(dst_list, to->gpa_list, n * sizeof(uint64_t));
	return ret;
}

/* The rest of the pages, the state, the start token, IMPORT_END; then compare. */
static void finish_and_compare(struct __test_metadata *_metadata, struct mig *m,
			       const uint64_t *skip, unsigned int nskip)
{
	uint64_t gfns[16], ops[16], gfn, h_src, h_dst;
	unsigned int n = 0, k;
	bool skipped;

	for (gfn = 0; gfn < NPAGES; gfn++) {
		for (k = 0, skipped = false; k < nskip; k++)
			skipped |= skip[k] == gfn;
		if (!skipped) {
			gfns[n] = gfn;
			ops[n++] = OP_MIGRATE;
		}
		if (n == 16 || (gfn == NPAGES - 1 && n)) {
			ASSERT_EQ(0, move(m, gfns, ops, n, NULL));
			n = 0;
		}
	}
	ASSERT_EQ(0, mig_move_state(m, 0, KVM_TDX_MIG_EXPORT_STATE_TD,
				    KVM_TDX_MIG_IMPORT_STATE_TD));
	ASSERT_EQ(0, mig_move_state(m, 0, KVM_TDX_MIG_EXPORT_STATE_VP,
				    KVM_TDX_MIG_IMPORT_STATE_VP));
	ASSERT_EQ(0, mig_move_token(m, true));
	ASSERT_EQ(0, mig_cmd_retry(&m->dst[0], KVM_TDX_MIG_IMPORT_END, NULL, NULL));
	ASSERT_EQ(0, tb_mem_hash(m->src_vm, BYTES, &h_src));
	ASSERT_EQ(0, tb_mem_hash(m->dst_vm, BYTES, &h_dst));
	EXPECT_EQ(h_src, h_dst);
}

/*
 * MIGRATE 3 and 4; next epoch CANCEL 3; next epoch MIGRATE 3 again: the
 * destination gets a new page for it, and ends with the source's memory.
 */
TEST_F(il, cancel_then_migrate_again)
{
	uint64_t gfns[2] = { 3, 4 }, ops[2] = { OP_MIGRATE, OP_MIGRATE };
	uint64_t cancel = OP_CANCEL, list[2];

	ASSERT_EQ(0, move(&self->m, gfns, ops, 2, list));
	ASSERT_EQ(0, mig_move_token(&self->m, false));
	ASSERT_EQ(0, move(&self->m, gfns, &cancel, 1, list));
	EXPECT_EQ(OP_CANCEL, (list[0] >> OP_SHIFT) & 3);
	EXPECT_EQ(0, (list[0] >> STATUS_SHIFT) & STATUS_MASK);
	ASSERT_EQ(0, mig_move_token(&self->m, false));
	ASSERT_EQ(0, move(&self->m, gfns, ops, 1, list));
	EXPECT_EQ(0, (list[0] >> STATUS_SHIFT) & STATUS_MASK);
	finish_and_compare(_metadata, &self->m, gfns, 2);
}

/*
 * The same GFN twice in one bundle: the source exports it once (the second
 * entry fails there and is sent as NOP), the destination maps it once.
 */
TEST_F(il, duplicate_gfn)
{
	uint64_t gfns[2] = { 9, 9 }, ops[2] = { OP_MIGRATE, OP_MIGRATE }, list[2];

	ASSERT_EQ(0, move(&self->m, gfns, ops, 2, list));
	EXPECT_EQ(OP_MIGRATE, (list[0] >> OP_SHIFT) & 3);
	EXPECT_EQ(0, (list[0] >> STATUS_SHIFT) & STATUS_MASK);
	EXPECT_EQ(0, (list[1] >> OP_SHIFT) & 3)
		TH_LOG("entry 1: %#llx", (unsigned long long)list[1]);
	finish_and_compare(_metadata, &self->m, gfns, 1);
}

/* Clear page @gfn from the dirty log: TDH.EXPORT.BLOCKW while live. */
static int block_page(struct mig *m, uint64_t gfn)
{
	unsigned long bitmap[NPAGES / (8 * sizeof(long))] = {};
	struct kvm_clear_dirty_log c = { .num_pages = NPAGES, .dirty_bitmap = bitmap };

	bitmap[gfn / (8 * sizeof(long))] = 1UL << (gfn % (8 * sizeof(long)));
	return ioctl(m->src_vm, KVM_CLEAR_DIRTY_LOG, &c) ? -errno : 0;
}

/*
 * Live: page 6 goes, the guest writes it (a write fault unblocks it), and
 * in the next epoch it goes again as REMIGRATE, imported in place over
 * the destination's copy; the destination ends with the source's memory.
 */
TEST(remigrate_in_place)
{
	uint64_t gfn = 6, op = OP_MIGRATE, again = OP_REMIGRATE, list[1], faults = 0;
	int src, dst;
	struct mig m;

	if (tb_open())
		SKIP(return, "%s", tb_skip_reason());
	ASSERT_EQ(0, tb_create_pair(BYTES, 1, &src, &dst));
	ASSERT_EQ(0, tb_mig_open(&m, src, dst, NPAGES, 1, 1, 16));
	ASSERT_EQ(0, mig_start(&m));
	ASSERT_EQ(0, mig_move_token(&m, false));
	ASSERT_EQ(0, block_page(&m, gfn));
	ASSERT_EQ(0, move(&m, &gfn, &op, 1, list));
	EXPECT_EQ(0, (list[0] >> STATUS_SHIFT) & STATUS_MASK);
	ASSERT_EQ(0, tb_guest_write(src, 0, &gfn, 1, 0x77, &faults));
	EXPECT_EQ(1, faults);
	ASSERT_EQ(0, mig_move_token(&m, false));
	ASSERT_EQ(0, block_page(&m, gfn));
	ASSERT_EQ(0, move(&m, &gfn, &again, 1, list));
	EXPECT_EQ(OP_REMIGRATE, (list[0] >> OP_SHIFT) & 3);
	EXPECT_EQ(0, (list[0] >> STATUS_SHIFT) & STATUS_MASK);
	ASSERT_EQ(0, mig_cmd_retry(&m.src[0], KVM_TDX_MIG_EXPORT_PAUSE, NULL, NULL));
	ASSERT_EQ(0, mig_move_token(&m, false));
	finish_and_compare(_metadata, &m, &gfn, 1);
	mig_close(&m);
	close(src);
	close(dst);
}

TEST_HARNESS_MAIN
