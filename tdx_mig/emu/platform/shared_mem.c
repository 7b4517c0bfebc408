// SPDX-License-Identifier: GPL-2.0
/*
 * The TD's shared memory as KVM has it: a memslot of the VMM's pages
 * (slot 1, GFNs from TDX_MIG_EMU_SHARED_GPA without the shared bit), mapped
 * into the TD through a shared EPT the host owns and loads into each vCPU
 * with TDH.VP.WR(SHARED_EPT_POINTER), as tdx_load_mmu_pgd() does. Pages are
 * mapped on the guest's first access; the slot logs dirty pages as KVM
 * does with KVM_MEM_LOG_DIRTY_PAGES and manual protect: a write to a page
 * not (or no longer) writable faults, the fault marks it dirty and makes
 * it writable, KVM_CLEAR_DIRTY_LOG takes bits out of the log and write-
 * protects their pages, then flushes the vCPUs' TLBs. No TDX Module leaf
 * takes part: the module only walks the table the CPU would walk.
 */
#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/mtrr.h>
#include <asm/vmx.h>

#include "host_vm.h"

#define SHARED_EPT_TABLE	(VMX_EPT_READABLE_MASK | VMX_EPT_WRITABLE_MASK | \
				 VMX_EPT_EXECUTABLE_MASK)
#define SHARED_EPT_LEAF		(VMX_EPT_READABLE_MASK | VMX_EPT_EXECUTABLE_MASK | \
				 (MTRR_TYPE_WRBACK << VMX_EPT_MT_EPTE_SHIFT))

/* The slot's GFNs fill one last-level table: one 2 MiB-aligned range. */
static_assert(TDX_MIG_EMU_MAX_SHARED_PAGES <= PTRS_PER_PTE);
static_assert(IS_ALIGNED(TDX_MIG_EMU_SHARED_GPA, SZ_2M));

static u64 *table(struct page *p)
{
	return page_address(p);
}

static unsigned int ept_index(u64 gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * level)) & (PTRS_PER_PTE - 1);
}

/* The slot's pages, its dirty log and the four tables of its shared EPT. */
int host_shared_init(struct host_vm *vm, u32 nr_pages)
{
	int level;

	vm->shared = kvcalloc(nr_pages, sizeof(*vm->shared), GFP_KERNEL_ACCOUNT);
	vm->shared_dirty = bitmap_zalloc(nr_pages, GFP_KERNEL_ACCOUNT);
	if (!vm->shared || !vm->shared_dirty)
		return -ENOMEM;
	for (; vm->nr_shared < nr_pages; vm->nr_shared++) {
		vm->shared[vm->nr_shared] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!vm->shared[vm->nr_shared])
			return -ENOMEM;
	}
	for (level = 0; level < HOST_EPT_LEVELS; level++) {
		vm->shared_ept[level] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!vm->shared_ept[level])
			return -ENOMEM;
	}
	for (level = HOST_EPT_LEVELS - 1; level > 0; level--)
		table(vm->shared_ept[level])[ept_index(TDX_MIG_EMU_SHARED_GPA, level)] =
			page_to_phys(vm->shared_ept[level - 1]) | SHARED_EPT_TABLE;
	return 0;
}

void host_shared_free(struct host_vm *vm)
{
	int i;

	for (i = 0; i < HOST_EPT_LEVELS; i++)
		if (vm->shared_ept[i])
			__free_page(vm->shared_ept[i]);
	for (i = 0; i < vm->nr_shared; i++)
		__free_page(vm->shared[i]);
	kvfree(vm->shared);
	bitmap_free(vm->shared_dirty);
}

/* What a vCPU's TDH.VP.WR(SHARED_EPT_POINTER) loads: the root's address. */
u64 host_shared_eptp(const struct host_vm *vm)
{
	return page_to_phys(vm->shared_ept[HOST_EPT_LEVELS - 1]);
}

/* The slot's page index of a shared GPA, or -ENOENT outside the slot. */
static long slot_index(const struct host_vm *vm, u64 gpa)
{
	u64 off = gpa - TDX_MIG_EMU_SHARED_GPA;

	if (gpa < TDX_MIG_EMU_SHARED_GPA || off >= (u64)vm->nr_shared << PAGE_SHIFT)
		return -ENOENT;
	return off >> PAGE_SHIFT;
}

/*
 * An EPT violation at a shared GPA, as KVM's page fault handler takes it:
 * map the page (writable only for a write: the slot logs), or make a
 * write-protected page writable; a write marks the page dirty. -ENOENT:
 * no memslot there (KVM would emulate MMIO; the platform has none).
 */
int host_shared_fault(struct host_vm *vm, u64 gpa, bool write)
{
	long i = slot_index(vm, gpa);
	u64 *pte, entry;

	if (i < 0)
		return i;
	pte = &table(vm->shared_ept[0])[i];
	write_lock(&vm->mmu_lock);
	entry = *pte;
	if (!entry)
		entry = page_to_phys(vm->shared[i]) | SHARED_EPT_LEAF;
	if (write) {
		set_bit(i, vm->shared_dirty);
		entry |= VMX_EPT_WRITABLE_MASK;
	}
	WRITE_ONCE(*pte, entry);
	write_unlock(&vm->mmu_lock);
	return 0;
}

/* kvm_write_guest() marks what it writes dirty; so does the platform. */
void host_shared_mark_dirty(struct host_vm *vm, u64 gpa, size_t len)
{
	long i = slot_index(vm, gpa), last = slot_index(vm, gpa + len - 1);

	if (i < 0 || last < 0)
		return;
	for (; i <= last; i++)
		set_bit(i, vm->shared_dirty);
}

/* KVM_GET_DIRTY_LOG of slot 1: the whole slot's bitmap, not cleared. */
int host_shared_log_get(struct host_vm *vm, void __user *bitmap)
{
	unsigned long words[BITS_TO_LONGS(TDX_MIG_EMU_MAX_SHARED_PAGES)] = {};
	unsigned int i, n = BITS_TO_LONGS(vm->nr_shared);

	if (!vm->nr_shared)
		return -ENOENT;
	for (i = 0; i < n; i++)
		words[i] = READ_ONCE(vm->shared_dirty[i]);
	return copy_to_user(bitmap, words, n * sizeof(long)) ? -EFAULT : 0;
}

/*
 * KVM_CLEAR_DIRTY_LOG of slot 1, with kvm_clear_dirty_log_protect()'s
 * checks: take the given bits out of the log, write-protect their pages,
 * and flush the TLBs before returning, so that a write after the return
 * faults and logs the page again.
 */
int host_shared_log_clear(struct host_vm *vm, u64 first, u32 n, const void __user *bitmap)
{
	unsigned long mask[BITS_TO_LONGS(TDX_MIG_EMU_MAX_SHARED_PAGES)] = {};
	unsigned long i, cleared = 0;

	if (!vm->nr_shared)
		return -ENOENT;
	if (first % BITS_PER_LONG || first > vm->nr_shared || n > vm->nr_shared - first)
		return -EINVAL;
	if (n % BITS_PER_LONG && first + n != vm->nr_shared)
		return -EINVAL;
	if (!n)
		return 0;
	if (copy_from_user(mask, bitmap, BITS_TO_LONGS(n) * sizeof(long)))
		return -EFAULT;
	write_lock(&vm->mmu_lock);
	for_each_set_bit(i, mask, n) {
		u64 *pte = &table(vm->shared_ept[0])[first + i];

		if (!test_and_clear_bit(first + i, vm->shared_dirty))
			continue;
		WRITE_ONCE(*pte, *pte & ~VMX_EPT_WRITABLE_MASK);
		cleared++;
	}
	write_unlock(&vm->mmu_lock);
	if (cleared)
		host_vm_flush_tlbs(vm);
	return 0;
}
