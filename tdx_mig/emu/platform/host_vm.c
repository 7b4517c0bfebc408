// SPDX-License-Identifier: GPL-2.0
/*
 * The emulated host platform's VM: builds a TD through the typed SEAMCALL
 * wrappers in the order the TDX Module requires (as KVM does), serves the
 * migration core's host-adapter callbacks, and tears the TD down.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/workqueue.h>

#include "host_vm.h"
#include "emu/test/test_api.h"

#define HOST_VP_TDCX		(EMU_TDVPS_PAGES - 1)
#define HOST_CACHE_WB_TRIES	1024
#define HOST_TRACK_TRIES	1000
#define HOST_KICK_WAIT_NS	(100 * NSEC_PER_MSEC)

/* Every VM, so that BIND can find a MigTD by the pid of its VMM. */
static LIST_HEAD(host_vms);
static DEFINE_MUTEX(host_vms_lock);

static struct page *host_page(void)
{
	return alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
}

static u64 pa(struct page *p)
{
	return page_to_phys(p);
}

/* The handles the SEAMCALL wrappers take. */
static struct tdx_mig_tdr vm_tdr(const struct host_vm *vm)
{
	return tdx_mig_tdr(pa(vm->tdr));
}

static struct tdx_mig_tdvpr vcpu_tdvpr(const struct host_vcpu *v)
{
	return tdx_mig_tdvpr(pa(v->tdvpr));
}

u64 host_vm_tdr(const struct host_vm *vm)
{
	return pa(vm->tdr);
}

u64 host_vcpu_tdvpr(const struct host_vm *vm, u32 index)
{
	return pa(vm->vcpus[index].tdvpr);
}

/* The content a source TD's page @gfn is built with. */
static u64 build_pattern(u64 gfn)
{
	return 0x5eed000000000000ULL | gfn;
}

static long vp_flush_fn(void *tdvpr)
{
	return tdx_mig_tdh_vp_flush(tdx_mig_tdvpr(pa(tdvpr)));
}

/*
 * TDH.VP.FLUSH on the CPU the vCPU last ran on. KVM sends an IPI
 * (tdx_flush_vp_on_cpu()); the emulated TDX Module runs SEAMCALLs in task
 * context only, so here a worker on that CPU makes the call. As in KVM's
 * tdx_flush_vp(), TDX_VCPU_NOT_ASSOCIATED is no error: a TDH.VP.ENTER that
 * failed before it associated the vCPU (a busy TD epoch, say) left the
 * host's CPU set and the TDX Module's not.
 */
static u64 vp_flush(struct host_vcpu *v)
{
	u64 ret;

	if (v->cpu < 0)
		return TDX_STATUS_VCPU_NOT_ASSOCIATED;
	ret = work_on_cpu(v->cpu, vp_flush_fn, v->tdvpr);
	if (ret == TDX_STATUS_VCPU_NOT_ASSOCIATED)
		ret = 0;
	if (!ret)
		v->cpu = -1;
	return ret;
}

/*
 * TDH.VP.ENTER in the calling thread, as KVM_RUN does it: preemption off
 * while in the TD, after a flush from the CPU the vCPU last ran on. A
 * kick sends an IPI to the CPU in @v->in_guest. Under @v->run_lock.
 */
u64 host_vp_enter(struct host_vcpu *v, struct tdx_mig_args *regs)
{
	u64 ret;
	int cpu;

	for (;;) {
		cpu = get_cpu();
		if (v->cpu < 0 || v->cpu == cpu)
			break;
		put_cpu();
		ret = vp_flush(v);
		if (ret)
			return ret;
	}
	/*
	 * The shared EPT's root, once (tdx_load_mmu_pgd()). VP.WR associates
	 * the vCPU only when it succeeds; a busy one is re-entered.
	 */
	if (!v->shared_eptp_loaded) {
		ret = tdx_mig_tdh_vp_wr(vcpu_tdvpr(v), TDX_MD_VP_SHARED_EPTP,
					host_shared_eptp(v->vm), ~0ULL);
		if (ret) {
			put_cpu();
			return ret;
		}
		v->shared_eptp_loaded = true;
	}
	v->cpu = cpu;
	/*
	 * An IPI that reached this CPU while no vCPU was in a TD here was the
	 * host's (a kick of a vCPU that had already left); it must not end
	 * this entry. A kicker that sees in_guest set sends after the drop.
	 */
	tdx_emu_drop_ipis();
	WRITE_ONCE(v->in_guest, cpu);
	ret = tdx_mig_tdh_vp_enter_regs(vcpu_tdvpr(v), regs);
	WRITE_ONCE(v->exits, v->exits + 1);
	smp_wmb();	/* a kicker that sees the vCPU in the TD sees the count first */
	WRITE_ONCE(v->in_guest, -1);
	put_cpu();
	return ret;
}

/* TDH.MNG.CREATE with the first free HKID, KEY.CONFIG and the TDCS pages. */
static int td_create(struct host_vm *vm)
{
	u64 ret = TDX_STATUS_HKID_NOT_FREE;
	int hkid, i;

	vm->tdr = host_page();
	if (!vm->tdr)
		return -ENOMEM;
	for (hkid = EMU_PRIVATE_HKID_MIN; tdx_status_code(ret) == TDX_STATUS_HKID_NOT_FREE &&
	     hkid < EMU_PRIVATE_HKID_MIN + EMU_NUM_PRIVATE_HKIDS; hkid++)
		ret = tdx_mig_tdh_mng_create(vm_tdr(vm), hkid);
	if (ret)
		return tdx_status_code(ret) == TDX_STATUS_HKID_NOT_FREE ? -ENOSPC : -EIO;
	ret = tdx_mig_tdh_mng_key_config(vm_tdr(vm));
	for (i = 0; !ret && i < EMU_TDCS_PAGES; i++) {
		vm->tdcx[i] = host_page();
		if (!vm->tdcx[i])
			return -ENOMEM;
		ret = tdx_mig_tdh_mng_addcx(vm_tdr(vm), pa(vm->tdcx[i]));
	}
	return ret ? -EIO : 0;
}

static int td_init(struct host_vm *vm)
{
	struct page *params_page = host_page();
	struct tdx_td_params *params;
	u64 ret;

	if (!params_page)
		return -ENOMEM;
	params = page_address(params_page);
	/* The attributes the VMM asked for: MIGRATABLE only if it did. */
	params->attributes = cpu_to_le64((vm->migratable ? TDX_TD_ATTR_MIGRATABLE : 0) |
					 TDX_TD_ATTR_SEPT_VE_DISABLE);
	params->xfam = cpu_to_le64(EMU_XFAM_FIXED1);
	params->max_vcpus = cpu_to_le16(vm->max_vcpus);
	ret = tdx_mig_tdh_mng_init(vm_tdr(vm), pa(params_page));
	__free_page(params_page);
	return ret ? -EIO : 0;
}

/* The next vCPU's TDVPS pages, as KVM's INIT_VCPU allocates them. */
static int vcpu_alloc(struct host_vm *vm)
{
	struct host_vcpu *v = &vm->vcpus[vm->nr_created];
	int i;

	v->tdvpr = host_page();
	for (i = 0; i < HOST_VP_TDCX; i++)
		v->tdcx[i] = host_page();
	/* Teardown frees what is here, given to the TDX Module or not. */
	vm->nr_created++;
	for (i = 0; i < HOST_VP_TDCX; i++)
		if (!v->tdcx[i])
			return -ENOMEM;
	return v->tdvpr ? 0 : -ENOMEM;
}

/* TDH.VP.CREATE and ADDCX of the next vCPU on its pages; VP.INIT for a built TD. */
static int vcpu_add(struct host_vm *vm, bool init)
{
	struct host_vcpu *v = &vm->vcpus[vm->nr_vcpus];
	int i;

	if (tdx_mig_tdh_vp_create(vm_tdr(vm), vcpu_tdvpr(v)))
		return -EIO;
	vm->nr_vcpus++;
	for (i = 0; i < HOST_VP_TDCX; i++)
		if (tdx_mig_tdh_vp_addcx(vcpu_tdvpr(v), pa(v->tdcx[i])))
			return -EIO;
	if (init && tdx_mig_tdh_vp_init(vcpu_tdvpr(v), vm->nr_vcpus))
		return -EIO;
	return 0;
}

/*
 * KVM_CREATE_VCPU on a destination, with what INIT_VCPU does there: the
 * vCPU's pages only; the import makes it a vCPU of the TD. In index order.
 */
int host_vm_create_vcpu(struct host_vm *vm, unsigned long index)
{
	int ret;

	if (!vm->destination)
		return -EEXIST;		/* a built TD has all its vCPUs */
	mutex_lock(&vm->mem_lock);
	if (index < vm->nr_created)
		ret = -EEXIST;
	else if (index != vm->nr_created || index >= vm->max_vcpus)
		ret = -EINVAL;
	else
		ret = vcpu_alloc(vm);
	mutex_unlock(&vm->mem_lock);
	return ret;
}

static int sept_add(struct host_vm *vm, u64 gpa, int level)
{
	struct page *p = host_page();
	u64 entry, err_level, ret;

	if (!p)
		return -ENOMEM;
	write_lock(&vm->mmu_lock);
	ret = tdx_mig_tdh_mem_sept_add(vm_tdr(vm), gpa, level, pa(p), &entry, &err_level);
	write_unlock(&vm->mmu_lock);
	if (ret) {
		__free_page(p);
		return -EIO;
	}
	vm->sept[vm->nr_sept++] = p;
	return 0;
}

/* The SEPT pages above @gfn's leaf: level 3 once, 2 per GiB, 1 per 2 MiB. */
static int sept_ready(struct host_vm *vm, u64 gfn)
{
	u64 gpa = gfn << PAGE_SHIFT;
	int ret;

	if (!vm->sept_root) {
		ret = sept_add(vm, 0, 3);
		if (ret)
			return ret;
		vm->sept_root = true;
	}
	if (!test_bit(gpa / SZ_1G, vm->sept_1g)) {
		ret = sept_add(vm, gpa & ~(u64)(SZ_1G - 1), 2);
		if (ret)
			return ret;
		__set_bit(gpa / SZ_1G, vm->sept_1g);
	}
	if (!test_bit(gpa / SZ_2M, vm->sept_2m)) {
		ret = sept_add(vm, gpa & ~(u64)(SZ_2M - 1), 1);
		if (ret)
			return ret;
		__set_bit(gpa / SZ_2M, vm->sept_2m);
	}
	return 0;
}

/* Every page PAGE.ADDed with build_pattern(), every n-th AUGed and PENDING. */
static int td_add_memory(struct host_vm *vm, u32 pending_every)
{
	struct page *src = host_page();
	u64 *q, gfn;
	int ret = 0, i;

	if (!src)
		return -ENOMEM;
	q = page_address(src);
	for (gfn = 0; gfn < vm->nr_pages && !ret; gfn++) {
		u64 gpa = gfn << PAGE_SHIFT;

		ret = sept_ready(vm, gfn);
		if (ret)
			break;
		vm->mem[gfn] = host_page();
		if (!vm->mem[gfn]) {
			ret = -ENOMEM;
			break;
		}
		__set_bit(gfn, vm->mapped);
		if (pending_every && gfn % pending_every == pending_every - 1) {
			if (tdx_mig_tdh_mem_page_aug(vm_tdr(vm), gpa, pa(vm->mem[gfn])))
				ret = -EIO;
			continue;
		}
		for (i = 0; i < PAGE_SIZE / sizeof(u64); i++)
			q[i] = build_pattern(gfn);
		ret = tdx_mig_tdh_mem_page_add(vm_tdr(vm), gpa, pa(vm->mem[gfn]), pa(src)) ?
		      -EIO : 0;
		cond_resched();
	}
	__free_page(src);
	return ret;
}

/* --- The migration core's callbacks --- */

static void vm_put(void *opaque)
{
	host_vm_put(opaque);
}

static int vm_vcpu_tdvpr(void *opaque, u32 index, u64 *tdvpr_pa)
{
	struct host_vm *vm = opaque;
	int ret = -ENOENT;

	mutex_lock(&vm->mem_lock);
	if (index < vm->nr_vcpus) {
		*tdvpr_pa = host_vcpu_tdvpr(vm, index);
		ret = 0;
	}
	mutex_unlock(&vm->mem_lock);
	return ret;
}

static int vm_vcpu_import(void *opaque, u32 index, u64 *tdvpr_pa)
{
	struct host_vm *vm = opaque;
	int ret = 0;

	mutex_lock(&vm->mem_lock);
	if (index >= vm->nr_created)
		ret = -ENOENT;
	else if (index > vm->nr_vcpus)
		ret = -EINVAL;
	else if (index == vm->nr_vcpus)
		ret = vcpu_add(vm, false);
	if (!ret)
		*tdvpr_pa = host_vcpu_tdvpr(vm, index);
	mutex_unlock(&vm->mem_lock);
	return ret;
}

static atomic64_t import_calls, import_ns, import_allocated;

void host_vm_import_stats_read(struct host_import_stats *st)
{
	st->calls = atomic64_read(&import_calls);
	st->ns = atomic64_read(&import_ns);
	st->pages_allocated = atomic64_read(&import_allocated);
}

/*
 * Before TDH.IMPORT.MEM: SEPT pages down to each GFN, and a page for each
 * new one. A page handed before and not taken (its entry failed) is
 * handed again. A new page for a GFN the TD has mapped (as far as
 * import_done said) is the core's mistake: KVM's mirror would be wrong.
 */
static int vm_import_pages(void *opaque, struct tdx_mig_import_page *pages, u32 n)
{
	struct host_vm *vm = opaque;
	u64 start = ktime_get_ns(), allocated = 0;
	int ret = 0;
	u32 k;

	mutex_lock(&vm->mem_lock);
	for (k = 0; k < n && !ret; k++) {
		u64 gfn = pages[k].gfn;

		if (gfn == TDX_MIG_GFN_NONE)
			continue;
		ret = sept_ready(vm, gfn);
		if (ret || !pages[k].needs_page)
			continue;
		if (test_bit(gfn, vm->mapped)) {
			ret = -EEXIST;
			break;
		}
		if (!vm->mem[gfn]) {
			vm->mem[gfn] = host_page();
			allocated++;
		}
		if (!vm->mem[gfn])
			ret = -ENOMEM;
		else
			pages[k].page_pa = pa(vm->mem[gfn]);
	}
	mutex_unlock(&vm->mem_lock);
	atomic64_inc(&import_calls);
	atomic64_add(allocated, &import_allocated);
	atomic64_add(ktime_get_ns() - start, &import_ns);
	return ret;
}

/*
 * After it: a cancelled GFN's page is the host's again, reset before it
 * is freed; the VMM's attribute stays as it set it. Mapped pages stay.
 */
static void vm_import_done(void *opaque, const struct tdx_mig_import_page *pages, u32 n)
{
	struct host_vm *vm = opaque;
	u32 k;

	mutex_lock(&vm->mem_lock);
	for (k = 0; k < n; k++) {
		u64 gfn = pages[k].gfn;

		if (pages[k].result == TDX_MIG_IMPORT_MAPPED)
			__set_bit(gfn, vm->mapped);
		if (pages[k].result != TDX_MIG_IMPORT_REMOVED || !vm->mem[gfn])
			continue;
		__clear_bit(gfn, vm->mapped);
		tdx_mig_page_reset(pa(vm->mem[gfn]));
		__free_page(vm->mem[gfn]);
		vm->mem[gfn] = NULL;
	}
	mutex_unlock(&vm->mem_lock);
}

static void vm_imported(void *opaque)
{
	struct host_vm *vm = opaque;

	WRITE_ONCE(vm->runnable, true);
}

/* The MigTD VM created by process @pid (the first, if it made several). */
static struct tdx_mig_td *vm_servtd_get(void *opaque, pid_t pid)
{
	struct tdx_mig_td *found = NULL;
	struct host_vm *vm;

	mutex_lock(&host_vms_lock);
	list_for_each_entry(vm, &host_vms, node) {
		if (vm->migtd && vm->tgid == pid && kref_get_unless_zero(&vm->ref)) {
			found = vm->mig;
			break;
		}
	}
	mutex_unlock(&host_vms_lock);
	return found;
}

/* Shared memory is the VMM's; the core reaches a MigTD's buffers here. */
static int vm_shared_access(void *opaque, u64 gpa, void *buf, size_t len, bool write)
{
	struct host_vm *vm = opaque;
	u64 off = gpa - TDX_MIG_EMU_SHARED_GPA, size = (u64)vm->nr_shared << PAGE_SHIFT;
	size_t chunk;

	/*
	 * As KVM's guest accessors: guest memory is the VMM's mapping, so
	 * only the VM's own process may reach it.
	 */
	if (WARN_ON_ONCE(current->mm != vm->mm))
		return -EFAULT;
	if (gpa < TDX_MIG_EMU_SHARED_GPA || off >= size || len > size - off)
		return -EFAULT;
	if (write)
		host_shared_mark_dirty(vm, gpa, len);
	for (; len; len -= chunk, off += chunk, buf += chunk) {
		void *p = page_address(vm->shared[off >> PAGE_SHIFT]) + offset_in_page(off);

		chunk = min_t(size_t, len, PAGE_SIZE - offset_in_page(off));
		if (write)
			memcpy(p, buf, chunk);
		else
			memcpy(buf, p, chunk);
	}
	return 0;
}

/* A posted interrupt: set in the PIR, taken by WAIT_INTR. */
void host_vm_post_intr(struct host_vm *vm, u8 vector)
{
	spin_lock(&vm->intr_wq.lock);
	__set_bit(vector, vm->pir);
	wake_up_locked(&vm->intr_wq);
	spin_unlock(&vm->intr_wq.lock);
}

static void vm_inject(void *opaque, u8 vector)
{
	host_vm_post_intr(opaque, vector);
}

static void vm_sept_lock(void *opaque)
	__acquires(opaque)
{
	struct host_vm *vm = opaque;

	read_lock(&vm->mmu_lock);
}

static void vm_sept_unlock(void *opaque)
	__releases(opaque)
{
	struct host_vm *vm = opaque;

	read_unlock(&vm->mmu_lock);
}

static bool skip_kicks;
module_param(skip_kicks, bool, 0644);
MODULE_PARM_DESC(skip_kicks,
		 "TEST-ONLY: TLB tracking and EXPORT_PAUSE kick no vCPU out of the TD (shows why they must)");

/*
 * kvm_make_all_cpus_request(KVM_REQ_OUTSIDE_GUEST_MODE): an IPI to each
 * vCPU in the TD, and wait until it has left (a bounded wait: one that
 * stays is only one whose pages are sent again).
 */
static void kick_all(struct host_vm *vm)
{
	u32 i, n = READ_ONCE(vm->nr_vcpus);
	unsigned long exits[TDX_MIG_EMU_MAX_VCPUS];
	DECLARE_BITMAP(kicked, TDX_MIG_EMU_MAX_VCPUS) = {};
	u64 end;
	int cpu;

	if (READ_ONCE(skip_kicks))
		return;
	for (i = 0; i < n; i++) {
		exits[i] = READ_ONCE(vm->vcpus[i].exits);
		smp_rmb();	/* pairs with the vCPU's exit: count, then in_guest */
		cpu = READ_ONCE(vm->vcpus[i].in_guest);
		if (cpu < 0)
			continue;
		tdx_emu_send_ipi(cpu);
		__set_bit(i, kicked);
	}
	end = ktime_get_ns() + HOST_KICK_WAIT_NS;
	for_each_set_bit(i, kicked, n) {
		while (READ_ONCE(vm->vcpus[i].exits) == exits[i] && ktime_get_ns() < end)
			cpu_relax();
	}
}

/*
 * As tdx_track(): TDH.MEM.TRACK with the Secure-EPT lock exclusive, then
 * every vCPU out of the TD. TRACK is busy while a vCPU still runs in the
 * epoch before the current one: those are kicked out first.
 */
static u64 vm_track(void *opaque)
{
	struct host_vm *vm = opaque;
	unsigned int tries = 0;
	u64 ret;

	for (;;) {
		write_lock(&vm->mmu_lock);
		ret = tdx_mig_tdh_mem_track(vm_tdr(vm));
		write_unlock(&vm->mmu_lock);
		if (!tdx_mig_status_busy(ret) || ++tries == HOST_TRACK_TRIES)
			break;
		kick_all(vm);
		cond_resched();
	}
	kick_all(vm);
	return ret;
}

/*
 * kvm_flush_remote_tlbs() for the shared EPT: every vCPU in the TD leaves
 * it, without a time bound, since a guest store that began under an entry
 * now write-protected must be over before the VMM reads the page. A guest
 * step is short and the vCPU polls for the IPI between steps. The count
 * may already have moved when in_guest is read (the vCPU is on its way
 * out): then in_guest going to -1 ends the wait too, as the vCPU may not
 * enter again for a long time.
 */
void host_vm_flush_tlbs(struct host_vm *vm)
{
	u32 i, n = READ_ONCE(vm->nr_vcpus);
	unsigned long exits;
	int cpu;

	for (i = 0; i < n; i++) {
		exits = READ_ONCE(vm->vcpus[i].exits);
		smp_rmb();	/* pairs with the vCPU's exit: count, then in_guest */
		cpu = READ_ONCE(vm->vcpus[i].in_guest);
		if (cpu < 0)
			continue;
		tdx_emu_send_ipi(cpu);
		while (READ_ONCE(vm->vcpus[i].exits) == exits &&
		       READ_ONCE(vm->vcpus[i].in_guest) >= 0)
			cpu_relax();
	}
}

static void vm_vcpus_out(void *opaque)
{
	kick_all(opaque);
}

static void vm_kick(void *opaque)
{
	struct host_vm *vm = opaque;

	atomic_inc(&vm->kicks);
	wake_up(&vm->kick_wq);
	wake_up(&vm->intr_wq);
}

static const struct tdx_mig_host_ops host_vm_ops = {
	.put = vm_put,
	.vcpu_tdvpr = vm_vcpu_tdvpr,
	.vcpu_import = vm_vcpu_import,
	.import_pages = vm_import_pages,
	.import_done = vm_import_done,
	.imported = vm_imported,
	.sept_lock = vm_sept_lock,
	.sept_unlock = vm_sept_unlock,
	.track = vm_track,
	.vcpus_out = vm_vcpus_out,
	.servtd_get = vm_servtd_get,
	.shared_access = vm_shared_access,
	.inject = vm_inject,
	.kick = vm_kick,
};

/* --- Teardown --- */

/* A page given to the TD comes back by TDH.PHYMEM.PAGE.RECLAIM, or leaks. */
static void reclaim(struct page **p)
{
	u64 type, owner, ret;

	if (!*p)
		return;
	ret = tdx_mig_tdh_phymem_page_reclaim(pa(*p), &type, &owner);
	/* PAGE_METADATA_INCORRECT: never given (an import that did not take it). */
	if (ret && tdx_status_code(ret) != TDX_STATUS_PAGE_METADATA_INCORRECT) {
		pr_err("PFN %#lx not reclaimed (%#llx), leaking it\n", page_to_pfn(*p), ret);
		*p = NULL;
		return;
	}
	__free_page(*p);
	*p = NULL;
}

/* Flush the vCPUs, write back the caches, free the key (TDX teardown, part 1). */
static void td_release_key(struct host_vm *vm)
{
	u64 ret;
	u32 i;
	int tries;

	for (i = 0; i < vm->nr_vcpus; i++) {
		ret = vp_flush(&vm->vcpus[i]);
		if (ret && ret != TDX_STATUS_VCPU_NOT_ASSOCIATED)
			pr_err("TDH.VP.FLUSH: %#llx\n", ret);
	}
	ret = tdx_mig_tdh_mng_vpflushdone(vm_tdr(vm));
	if (ret)
		pr_err("TDH.MNG.VPFLUSHDONE: %#llx\n", ret);
	ret = tdx_mig_tdh_phymem_cache_wb(false);
	for (tries = 0; ret == TDX_STATUS_INTERRUPTED_RESUMABLE && tries < HOST_CACHE_WB_TRIES;
	     tries++)
		ret = tdx_mig_tdh_phymem_cache_wb(true);
	if (ret && ret != TDX_STATUS_NO_HKID_READY_TO_WBCACHE)
		pr_err("TDH.PHYMEM.CACHE.WB: %#llx\n", ret);
	ret = tdx_mig_tdh_mng_key_freeid(vm_tdr(vm));
	if (ret)
		pr_err("TDH.MNG.KEY.FREEID: %#llx\n", ret);
	ret = tdx_mig_tdh_mng_key_reclaimid(vm_tdr(vm));
	if (ret)
		pr_err("TDH.MNG.KEY.RECLAIMID: %#llx\n", ret);
}

static void host_vm_destroy(struct host_vm *vm)
{
	u64 i;
	int j;

	mutex_lock(&host_vms_lock);
	if (!list_empty(&vm->node))
		list_del(&vm->node);
	mutex_unlock(&host_vms_lock);

	if (vm->tdcx[0])
		td_release_key(vm);
	tdx_mig_td_destroy(vm->mig);
	for (i = 0; vm->mem && i < vm->nr_pages; i++)
		reclaim(&vm->mem[i]);
	for (i = 0; i < vm->nr_sept; i++)
		reclaim(&vm->sept[i]);
	for (i = 0; vm->vcpus && i < vm->max_vcpus; i++) {
		for (j = 0; j < HOST_VP_TDCX; j++)
			reclaim(&vm->vcpus[i].tdcx[j]);
		reclaim(&vm->vcpus[i].tdvpr);
		mutex_destroy(&vm->vcpus[i].run_lock);
	}
	for (j = 0; j < EMU_TDCS_PAGES; j++)
		reclaim(&vm->tdcx[j]);
	reclaim(&vm->tdr);
	bitmap_free(vm->mapped);
	bitmap_free(vm->private_mem);
	bitmap_free(vm->sept_2m);
	bitmap_free(vm->sept_1g);
	kvfree(vm->sept);
	kvfree(vm->mem);
	host_shared_free(vm);
	kfree(vm->vcpus);
	mutex_destroy(&vm->mem_lock);
	mutex_destroy(&vm->lock);
	mmdrop(vm->mm);
	kfree(vm);
}

static void host_vm_release(struct kref *ref)
{
	host_vm_destroy(container_of(ref, struct host_vm, ref));
}

void host_vm_put(struct host_vm *vm)
{
	kref_put(&vm->ref, host_vm_release);
}

/* --- Creation --- */

static int config_ok(const struct tdx_mig_emu_vm_config *cfg)
{
	if (cfg->shared_pages > TDX_MIG_EMU_MAX_SHARED_PAGES ||
	    memchr_inv(cfg->reserved, 0, sizeof(cfg->reserved)) ||
	    cfg->flags & ~(TDX_MIG_EMU_VM_DESTINATION | TDX_MIG_EMU_VM_MIGTD |
			   TDX_MIG_EMU_VM_UNFINALIZED | TDX_MIG_EMU_VM_MIGRATABLE |
			   TDX_MIG_EMU_VM_PREALLOC))
		return -EINVAL;
	/*
	 * KVM takes any number of pages; whole 64-page words of the dirty
	 * bitmap keep the tests' bitmaps simple, and small TDs make the
	 * fuzzer's migrations cheap.
	 */
	if (!cfg->mem_bytes || cfg->mem_bytes % (64 * PAGE_SIZE) ||
	    cfg->mem_bytes > TDX_MIG_EMU_MAX_MEM)
		return -EINVAL;
	if (!cfg->nr_vcpus || cfg->nr_vcpus > TDX_MIG_EMU_MAX_VCPUS)
		return -EINVAL;
	if ((cfg->flags & TDX_MIG_EMU_VM_DESTINATION) &&
	    (cfg->pending_every ||
	     (cfg->flags & ~TDX_MIG_EMU_VM_PREALLOC) != TDX_MIG_EMU_VM_DESTINATION))
		return -EINVAL;
	if ((cfg->flags & TDX_MIG_EMU_VM_PREALLOC) && !(cfg->flags & TDX_MIG_EMU_VM_DESTINATION))
		return -EINVAL;
	if ((cfg->flags & TDX_MIG_EMU_VM_MIGTD) &&
	    (cfg->flags & (TDX_MIG_EMU_VM_UNFINALIZED | TDX_MIG_EMU_VM_MIGRATABLE)))
		return -EINVAL;
	return 0;
}

/*
 * A destination's private memory, allocated before any import (the pages
 * import_pages would otherwise allocate one by one): host pages until an
 * import hands them to the TDX Module.
 */
static int dst_prealloc(struct host_vm *vm)
{
	u64 gfn;

	for (gfn = 0; gfn < vm->nr_pages; gfn++) {
		vm->mem[gfn] = host_page();
		if (!vm->mem[gfn])
			return -ENOMEM;
		cond_resched();
	}
	return 0;
}

static int host_vm_build(struct host_vm *vm, const struct tdx_mig_emu_vm_config *cfg)
{
	struct tdx_mig_td_info info = {
		.source = !vm->destination, .servtd = vm->migtd, .nr_gfns = vm->nr_pages,
		.max_vcpus = vm->max_vcpus, .pid = vm->tgid,
	};
	int ret;
	u32 i;

	ret = td_create(vm);
	if (ret)
		return ret;
	if (cfg->flags & TDX_MIG_EMU_VM_PREALLOC) {
		ret = dst_prealloc(vm);
		if (ret)
			return ret;
	}
	if (!vm->destination) {
		ret = td_init(vm);
		for (i = 0; !ret && i < vm->max_vcpus; i++)
			ret = vcpu_alloc(vm) ?: vcpu_add(vm, true);
		if (!ret)
			ret = td_add_memory(vm, cfg->pending_every);
		if (!ret && !(cfg->flags & TDX_MIG_EMU_VM_UNFINALIZED))
			ret = host_vm_finalize(vm);
		if (ret)
			return ret;
	}
	info.tdr_pa = pa(vm->tdr);
	vm->mig = tdx_mig_td_create(&host_vm_ops, vm, &info);
	if (IS_ERR(vm->mig)) {
		ret = PTR_ERR(vm->mig);
		vm->mig = NULL;
	}
	return ret;
}

/* KVM_TDX_FINALIZE_VM: TDH.MR.FINALIZE of a built TD, once. */
int host_vm_finalize(struct host_vm *vm)
{
	int ret = 0;

	mutex_lock(&vm->lock);
	if (vm->destination || vm->finalized)
		ret = -EPERM;
	else if (tdx_mig_tdh_mr_finalize(vm_tdr(vm)))
		ret = -EIO;
	else
		vm->finalized = true;
	mutex_unlock(&vm->lock);
	if (!ret && vm->mig)
		tdx_mig_td_refresh(vm->mig);
	return ret;
}

/**
 * host_vm_create - a VM with a built source TD, or an empty destination
 * @cfg: checked here
 *
 * Context: process context. Return: the VM, one reference held, or an
 * ERR_PTR.
 */
struct host_vm *host_vm_create(const struct tdx_mig_emu_vm_config *cfg)
{
	u64 nr_sept;
	struct host_vm *vm;
	int ret = config_ok(cfg);
	u32 i;

	if (ret)
		return ERR_PTR(ret);
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return ERR_PTR(-ENOMEM);
	kref_init(&vm->ref);
	mutex_init(&vm->lock);
	mutex_init(&vm->mem_lock);
	rwlock_init(&vm->mmu_lock);
	INIT_LIST_HEAD(&vm->node);
	vm->tgid = task_tgid_nr(current);
	vm->mm = current->mm;
	mmgrab(vm->mm);
	vm->migtd = cfg->flags & TDX_MIG_EMU_VM_MIGTD;
	vm->migratable = cfg->flags & TDX_MIG_EMU_VM_MIGRATABLE;
	vm->destination = cfg->flags & TDX_MIG_EMU_VM_DESTINATION;
	vm->nr_pages = cfg->mem_bytes >> PAGE_SHIFT;
	vm->max_vcpus = cfg->nr_vcpus;
	nr_sept = 1 + DIV_ROUND_UP(cfg->mem_bytes, SZ_1G) + DIV_ROUND_UP(cfg->mem_bytes, SZ_2M);
	vm->vcpus = kcalloc(vm->max_vcpus, sizeof(*vm->vcpus), GFP_KERNEL_ACCOUNT);
	vm->mem = kvcalloc(vm->nr_pages, sizeof(*vm->mem), GFP_KERNEL_ACCOUNT);
	vm->sept = kvcalloc(nr_sept, sizeof(*vm->sept), GFP_KERNEL_ACCOUNT);
	vm->sept_1g = bitmap_zalloc(DIV_ROUND_UP(cfg->mem_bytes, SZ_1G), GFP_KERNEL_ACCOUNT);
	vm->sept_2m = bitmap_zalloc(DIV_ROUND_UP(cfg->mem_bytes, SZ_2M), GFP_KERNEL_ACCOUNT);
	vm->private_mem = bitmap_zalloc(vm->nr_pages, GFP_KERNEL_ACCOUNT);
	vm->mapped = bitmap_zalloc(vm->nr_pages, GFP_KERNEL_ACCOUNT);
	/* A built TD's memory is private; a destination's stays shared until set. */
	if (vm->private_mem && !vm->destination)
		bitmap_fill(vm->private_mem, vm->nr_pages);
	for (i = 0; vm->vcpus && i < vm->max_vcpus; i++) {
		vm->vcpus[i].vm = vm;
		mutex_init(&vm->vcpus[i].run_lock);
		vm->vcpus[i].cpu = -1;
		vm->vcpus[i].in_guest = -1;
	}
	init_waitqueue_head(&vm->intr_wq);
	init_waitqueue_head(&vm->kick_wq);
	if (!vm->vcpus || !vm->mem || !vm->sept || !vm->sept_1g || !vm->sept_2m ||
	    !vm->private_mem || !vm->mapped || host_shared_init(vm, cfg->shared_pages)) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = host_vm_build(vm, cfg);
	if (!ret) {
		mutex_lock(&host_vms_lock);
		list_add_tail(&vm->node, &host_vms);
		mutex_unlock(&host_vms_lock);
		return vm;
	}
fail:
	host_vm_put(vm);
	return ERR_PTR(ret);
}
