// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/tdx_mig_emu and its VM fds: the ioctls of the emulated host
 * platform (uapi/linux/tdx_mig_emu.h). The KVM ones behave as on a KVM VM
 * fd; the TEST-ONLY ones let tests play the guest and look inside it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <uapi/linux/tdx_mig.h>

#include "host_vm.h"
#include "emu/test/test_api.h"

#define HOST_BUSY_TRIES		1000

static bool test_keys;
module_param(test_keys, bool, 0644);
MODULE_PARM_DESC(test_keys,
		 "TEST-ONLY: allow TDX_MIG_EMU_EXCHANGE_KEYS (off: keys come from the MigTDs)");

static const struct file_operations vm_fops;

/* A stream device fd, as KVM's struct kvm_device: the core's stream and its VM. */
struct host_device {
	struct host_vm *vm;
	struct tdx_mig_stream *stream;
};

/* As kvm_device_ioctl(): only the VM's process, attributes copied in here. */
static long device_ioctl(struct file *file, unsigned int ioctl, unsigned long arg)
{
	int (*accessor)(struct tdx_mig_stream *s, struct kvm_device_attr *attr);
	struct host_device *dev = file->private_data;
	struct kvm_device_attr attr;

	if (dev->vm->mm != current->mm)
		return -EIO;
	switch (ioctl) {
	case KVM_SET_DEVICE_ATTR:
		accessor = tdx_mig_migsc_stream_set_attr;
		break;
	case KVM_GET_DEVICE_ATTR:
		accessor = tdx_mig_migsc_stream_get_attr;
		break;
	case KVM_HAS_DEVICE_ATTR:
		accessor = tdx_mig_migsc_stream_has_attr;
		break;
	default:
		return tdx_mig_migsc_stream_ioctl(dev->stream, ioctl, arg);
	}
	if (copy_from_user(&attr, (void __user *)arg, sizeof(attr)))
		return -EFAULT;
	return accessor(dev->stream, &attr);
}

static int device_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct host_device *dev = file->private_data;

	return tdx_mig_migsc_stream_mmap(dev->stream, vma);
}

/* As kvm_device_release(): the core's release under the VM lock. */
static void device_free(struct host_device *dev)
{
	struct host_vm *vm = dev->vm;

	mutex_lock(&vm->lock);
	tdx_mig_migsc_stream_release(dev->stream);
	mutex_unlock(&vm->lock);
	kfree(dev);
	host_vm_put(vm);
}

static int device_release(struct inode *inode, struct file *file)
{
	device_free(file->private_data);
	return 0;
}

static const struct file_operations device_fops = {
	.owner = THIS_MODULE,
	.release = device_release,
	.unlocked_ioctl = device_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = device_mmap,
	.llseek = noop_llseek,
};

/* As kvm_ioctl_create_device(): the core creates under the VM lock, the fd is ours. */
static int vm_create_device(struct host_vm *vm, void __user *argp)
{
	struct kvm_create_device cd;
	struct host_device *dev;
	int fd;

	if (copy_from_user(&cd, argp, sizeof(cd)))
		return -EFAULT;
	if (cd.type != KVM_DEV_TYPE_TDX_MIG_STREAM)
		return -ENODEV;
	if (cd.flags & ~KVM_CREATE_DEVICE_TEST)
		return -EINVAL;
	if (cd.flags & KVM_CREATE_DEVICE_TEST)
		return 0;
	dev = kzalloc(sizeof(*dev), GFP_KERNEL_ACCOUNT);
	if (!dev)
		return -ENOMEM;
	dev->vm = vm;
	mutex_lock(&vm->lock);
	dev->stream = tdx_mig_migsc_stream_create(vm->mig);
	mutex_unlock(&vm->lock);
	if (IS_ERR(dev->stream)) {
		fd = PTR_ERR(dev->stream);
		kfree(dev);
		return fd;
	}
	kref_get(&vm->ref);
	fd = anon_inode_getfd("kvm-tdx-mig", &device_fops, dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		device_free(dev);
		return fd;
	}
	cd.fd = fd;
	/* As KVM: the fd stays installed even if the caller cannot learn it. */
	return copy_to_user(argp, &cd, sizeof(cd)) ? -EFAULT : 0;
}

/* FINALIZE_VM is the platform's; binding a Migration TD is the core's. */
static int vm_memory_encrypt_op(struct host_vm *vm, void __user *argp)
{
	struct kvm_tdx_cmd cmd;
	int ret;

	if (copy_from_user(&cmd, argp, sizeof(cmd)))
		return -EFAULT;
	if (cmd.id == KVM_TDX_FINALIZE_VM) {
		if (cmd.flags || cmd.data || KVM_TDX_CMD_ERROR(&cmd))
			return -EINVAL;
		return host_vm_finalize(vm);
	}
	ret = tdx_mig_servtd_vm_cmd(vm->mig, &cmd);
	if (copy_to_user(argp, &cmd, sizeof(cmd)))
		return -EFAULT;
	return ret;
}

/*
 * KVM_GET_DIRTY_LOG / KVM_CLEAR_DIRTY_LOG with KVM's checks on the slot
 * (one address space, as a TD has) and the range: slot 0 is the TD's
 * private memory (the core's log), slot 1 its shared memory.
 */
static int vm_dirty_log(struct host_vm *vm, unsigned int ioctl, void __user *argp)
{
	struct kvm_clear_dirty_log clear;
	struct kvm_dirty_log get;
	u32 slot;

	if (ioctl == KVM_GET_DIRTY_LOG) {
		if (copy_from_user(&get, argp, sizeof(get)))
			return -EFAULT;
		slot = get.slot;
	} else {
		if (copy_from_user(&clear, argp, sizeof(clear)))
			return -EFAULT;
		slot = clear.slot;
	}
	if (slot >> 16 || slot >= HOST_USER_MEM_SLOTS)
		return -EINVAL;
	if (ioctl == KVM_CLEAR_DIRTY_LOG && clear.first_page % 64)
		return -EINVAL;
	if (slot > TDX_MIG_EMU_SHARED_SLOT)
		return -ENOENT;
	if (ioctl == KVM_GET_DIRTY_LOG && slot == TDX_MIG_EMU_SHARED_SLOT)
		return host_shared_log_get(vm, get.dirty_bitmap);
	if (ioctl == KVM_GET_DIRTY_LOG)
		return tdx_mig_dirty_log_get(vm->mig, 0, vm->nr_pages, get.dirty_bitmap);
	if (slot == TDX_MIG_EMU_SHARED_SLOT)
		return host_shared_log_clear(vm, clear.first_page, clear.num_pages,
					     clear.dirty_bitmap);
	return tdx_mig_dirty_log_clear(vm->mig, clear.first_page, clear.num_pages,
				       clear.dirty_bitmap);
}

static int guest_ops(const struct tdx_mig_emu_run *r, struct tdx_emu_guest_op **out)
{
	static const enum tdx_emu_guest_op_type types[] = {
		[TDX_MIG_EMU_OP_WRITE] = TDX_EMU_GUEST_WRITE,
		[TDX_MIG_EMU_OP_FILL] = TDX_EMU_GUEST_FILL,
		[TDX_MIG_EMU_OP_ACCEPT] = TDX_EMU_GUEST_ACCEPT,
		[TDX_MIG_EMU_OP_SET_REG] = TDX_EMU_GUEST_SET_REG,
		[TDX_MIG_EMU_OP_TDCALL] = TDX_EMU_GUEST_TDCALL,
		[TDX_MIG_EMU_OP_SPIN] = TDX_EMU_GUEST_SPIN,
		[TDX_MIG_EMU_OP_READ] = TDX_EMU_GUEST_READ,
	};
	struct tdx_mig_emu_op *uops;
	struct tdx_emu_guest_op *ops;
	u32 i;

	if (r->nr_ops > TDX_MIG_EMU_MAX_OPS)
		return -EINVAL;
	uops = memdup_user(u64_to_user_ptr(r->ops), r->nr_ops * sizeof(*uops));
	if (IS_ERR(uops))
		return PTR_ERR(uops);
	ops = kcalloc(r->nr_ops, sizeof(*ops), GFP_KERNEL_ACCOUNT);
	if (!ops) {
		kfree(uops);
		return -ENOMEM;
	}
	for (i = 0; i < r->nr_ops; i++) {
		if (uops[i].type >= ARRAY_SIZE(types) || uops[i].reg >= 16 ||
		    (uops[i].reg && uops[i].type != TDX_MIG_EMU_OP_SET_REG) ||
		    (uops[i].gpa && (uops[i].type == TDX_MIG_EMU_OP_SET_REG ||
				     uops[i].type == TDX_MIG_EMU_OP_TDCALL ||
				     uops[i].type == TDX_MIG_EMU_OP_SPIN)) ||
		    (uops[i].type == TDX_MIG_EMU_OP_SPIN &&
		     uops[i].value > TDX_MIG_EMU_MAX_SPIN_MS)) {
			kfree(ops);
			kfree(uops);
			return -EINVAL;
		}
		ops[i].type = types[uops[i].type];
		ops[i].reg = uops[i].reg;
		ops[i].gpa = uops[i].gpa;
		ops[i].value = uops[i].value;
	}
	kfree(uops);
	*out = ops;
	return 0;
}

/* The GPRs of a VMCALL exit, to the core's view and back. */
static void vmcall_regs(struct tdx_mig_args *a, struct tdx_mig_vmcall *vc, bool to_core)
{
	u64 *ar[] = { &a->r10, &a->r11, &a->r12, &a->r13, &a->r14, &a->r15, &a->rbx, &a->rdi };
	u64 *vr[] = { &vc->r10, &vc->r11, &vc->r12, &vc->r13, &vc->r14, &vc->r15, &vc->rbx,
		      &vc->rdi };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ar); i++) {
		if (to_core)
			*vr[i] = *ar[i];
		else
			*ar[i] = *vr[i];
	}
}

/*
 * A TDG.VP.VMCALL exit. The MigTD's service calls are the core's; when it
 * answers "no request yet" to a guest that waits, the vCPU halts until the
 * core kicks it (a user TD asked for pre-migration) or a signal comes, and
 * then resumes with that answer, as Intel's KVM does. The platform has no
 * other VMCALLs. The registers go back to the guest on the next entry.
 */
static void run_vmcall(struct host_vm *vm, struct tdx_mig_args *a, struct tdx_mig_emu_run *r)
{
	struct tdx_mig_vmcall in, vc;
	enum tdx_mig_vmcall_ret ret;
	int kicks;

	vmcall_regs(a, &in, true);
	vc = in;
	kicks = atomic_read(&vm->kicks);
	ret = tdx_mig_servtd_vmcall(vm->mig, &vc);
	/* A signal ends the halt as an interrupt would; the guest asks again. */
	if (ret == TDX_MIG_VMCALL_HALT)
		wait_event_interruptible(vm->kick_wq, atomic_read(&vm->kicks) != kicks);
	if (ret == TDX_MIG_VMCALL_NOT_MINE)
		vc.r10 = TDX_MIG_VMCALL_INVALID_OPERAND;
	if (ret == TDX_MIG_VMCALL_USER) {
		r->exit_reason = TDX_MIG_EMU_EXIT_VMCALL;
		r->vmcall = (struct tdx_mig_emu_vmcall){
			.r10 = in.r10, .r11 = in.r11, .r12 = in.r12, .r13 = in.r13,
			.r14 = in.r14, .r15 = in.r15, .rbx = in.rbx, .rdi = in.rdi };
	}
	vmcall_regs(a, &vc, false);
}

/*
 * Exits after which the vCPU is simply entered again: an interrupt, a busy
 * vCPU or TD, and a service TD's TDCALL that failed on its target (§4:
 * the TDCALL is complete, the guest has the status).
 */
static bool run_reenter(u64 status)
{
	u64 code = tdx_status_code(status);

	return status == (TDX_STATUS_SUCCESS | TDX_EXIT_REASON_EXTERNAL_INTERRUPT) ||
	       code == TDX_STATUS_OPERAND_BUSY || code == TDX_STATUS_CROSS_TD_TRAP;
}

/*
 * As kvm_mmu_prepare_memory_fault_exit(): the VMM gets the GFN's address
 * (the shared bit is not part of a GFN) and whether the access was private.
 */
static int memory_fault_exit(struct tdx_mig_emu_run *r, u64 gpa)
{
	r->exit_reason = TDX_MIG_EMU_EXIT_MEMORY_FAULT;
	r->memory_fault.flags = gpa & HOST_SHARED_BIT ? 0 : KVM_MEMORY_EXIT_FLAG_PRIVATE;
	r->memory_fault.gpa = gpa & PAGE_MASK & ~HOST_SHARED_BIT;
	r->memory_fault.size = PAGE_SIZE;
	return -EFAULT;
}

/*
 * An EPT violation, as KVM's TDX handles one on private memory (private
 * faults count as writes). The core unblocks a write-blocked page. A GFN
 * whose attribute is shared, or that an import has still to bring, exits
 * to the VMM as KVM's attribute mismatch does. The platform maps no page
 * on a fault (KVM would TDH.MEM.PAGE.AUG one): a fault nobody fixed is
 * re-entered, as KVM retries a spurious one (another vCPU may have
 * unblocked the page, and the next round blocked it again), but after
 * TDX_MIG_EMU_FAULT_RETRIES in a row at one GPA it is the VMM's. A shared
 * GPA is the shared EPT's (shared_mem.c); outside its memslot the VMM's.
 */
static int run_ept_violation(struct host_vm *vm, struct host_vcpu *v, u64 gpa, u64 qual,
			     struct tdx_mig_emu_run *r)
{
	u64 gfn = gpa >> PAGE_SHIFT;
	bool private;
	int ret;

	if (gpa & HOST_SHARED_BIT) {
		if (host_shared_fault(vm, gpa, qual & TDX_EXIT_QUAL_WRITE))
			return memory_fault_exit(r, gpa);
		return 0;
	}
	if (gfn >= vm->nr_pages)
		return memory_fault_exit(r, gpa);
	ret = tdx_mig_dirty_write_fault(vm->mig, gpa);
	if (!ret || ret == -EAGAIN) {
		r->write_faults += !ret;
		v->last_fault = 0;
		v->unresolved = 0;
		return 0;
	}
	if (ret != -ENOENT)
		return ret;
	mutex_lock(&vm->mem_lock);
	private = test_bit(gfn, vm->private_mem);
	mutex_unlock(&vm->mem_lock);
	if (!private || tdx_mig_td_gfn_importing(vm->mig, gfn))
		return memory_fault_exit(r, gpa);
	if (v->last_fault != (gpa | 1)) {
		v->last_fault = gpa | 1;
		v->unresolved = 0;
	}
	if (v->unresolved++ == TDX_MIG_EMU_FAULT_RETRIES)
		return memory_fault_exit(r, gpa);
	return 0;
}

/*
 * Enter until the program ends. Returns, as KVM_RUN, on any pending
 * signal (-EINTR) and on a fault the VMM must resolve (-EFAULT); the
 * registers of a VMCALL answer wait in @v for the next entry.
 */
static int run_loop(struct host_vm *vm, struct host_vcpu *v, u64 tdvpr,
		    struct tdx_mig_emu_run *r)
{
	const u64 exit_hlt = TDX_STATUS_SUCCESS | TDX_EXIT_REASON_HLT;
	const u64 exit_ept = TDX_STATUS_SUCCESS | TDX_EXIT_REASON_EPT_VIOLATION;
	const u64 exit_tdcall = TDX_STATUS_SUCCESS | TDX_EXIT_REASON_TDCALL;
	u64 status;
	int ret;

	for (;;) {
		if (signal_pending(current)) {
			r->exit_reason = TDX_MIG_EMU_EXIT_INTR;
			return -EINTR;
		}
		/* A MigTD's answer due is written now, in its context. */
		tdx_mig_servtd_deliver(vm->mig);
		ret = tdx_mig_td_vcpu_may_run(vm->mig);
		if (ret)
			return ret;
		status = host_vp_enter(v, &v->regs);
		r->entries++;
		if (status == exit_hlt)
			return 0;
		if (status == exit_tdcall) {
			run_vmcall(vm, &v->regs, r);
		} else if (status == exit_ept) {
			ret = run_ept_violation(vm, v, v->regs.r8, v->regs.rcx, r);
			if (ret)
				return ret;
		} else if (!run_reenter(status)) {
			if (tdx_status_code(status) == TDX_STATUS_OP_STATE_INCORRECT)
				return -EPERM;
			pr_err_ratelimited("TDH.VP.ENTER: %#llx\n", status);
			return -EIO;
		}
		cond_resched();
	}
}

static int vm_run(struct host_vm *vm, void __user *argp)
{
	struct tdx_emu_guest_op *ops = NULL;
	struct tdx_mig_emu_run r;
	struct host_vcpu *v;
	u64 tdvpr;
	int ret;

	if (copy_from_user(&r, argp, sizeof(r)))
		return -EFAULT;
	if (r.reserved)
		return -EINVAL;
	mutex_lock(&vm->mem_lock);
	ret = r.vcpu < vm->nr_vcpus ? 0 : -EINVAL;
	if (!ret)
		tdvpr = host_vcpu_tdvpr(vm, r.vcpu);
	mutex_unlock(&vm->mem_lock);
	if (ret)
		return ret;
	if (vm->destination && !READ_ONCE(vm->runnable))
		return -EPERM;
	if (r.nr_ops) {
		ret = guest_ops(&r, &ops);
		if (ret)
			return ret;
	}
	v = &vm->vcpus[r.vcpu];
	if (!mutex_trylock(&v->run_lock)) {
		kfree(ops);
		return -EBUSY;
	}
	/* A new program starts from scratch; none goes on with the last one. */
	if (ops) {
		ret = tdx_emu_guest_program(tdvpr, ops, r.nr_ops);
		memset(&v->regs, 0, sizeof(v->regs));
		v->last_fault = 0;
		v->unresolved = 0;
	}
	kfree(ops);
	r.entries = 0;
	r.write_faults = 0;
	r.exit_reason = TDX_MIG_EMU_EXIT_NONE;
	memset(&r.vmcall, 0, sizeof(r.vmcall));
	memset(&r.memory_fault, 0, sizeof(r.memory_fault));
	if (!ret)
		ret = run_loop(vm, v, tdvpr, &r);
	mutex_unlock(&v->run_lock);
	if (copy_to_user(argp, &r, sizeof(r)))
		return -EFAULT;
	return ret;
}

/*
 * KVM_SET_MEMORY_ATTRIBUTES, with kvm_vm_ioctl_set_mem_attributes()'s
 * checks. Stricter than KVM where the platform cannot follow it: the
 * range must be inside private memory, and a page the TD has mapped
 * cannot go back to shared (KVM would remove it from the TD).
 */
static int vm_set_memory_attributes(struct host_vm *vm, void __user *argp)
{
	struct kvm_memory_attributes at;
	u64 first, n, gfn;
	int ret = 0;

	if (copy_from_user(&at, argp, sizeof(at)))
		return -EFAULT;
	if (at.flags || at.attributes & ~KVM_MEMORY_ATTRIBUTE_PRIVATE)
		return -EINVAL;
	if (!at.size || at.address + at.size < at.address)
		return -EINVAL;
	if (!PAGE_ALIGNED(at.address) || !PAGE_ALIGNED(at.size))
		return -EINVAL;
	first = at.address >> PAGE_SHIFT;
	n = at.size >> PAGE_SHIFT;
	if (first >= vm->nr_pages || n > vm->nr_pages - first)
		return -EINVAL;
	mutex_lock(&vm->mem_lock);
	for (gfn = first; !at.attributes && gfn < first + n; gfn++) {
		if (test_bit(gfn, vm->mapped) && test_bit(gfn, vm->private_mem)) {
			ret = -EBUSY;
			break;
		}
	}
	if (!ret && at.attributes)
		bitmap_set(vm->private_mem, first, n);
	else if (!ret)
		bitmap_clear(vm->private_mem, first, n);
	mutex_unlock(&vm->mem_lock);
	return ret;
}

static int vm_read_mem(struct host_vm *vm, void __user *argp)
{
	struct tdx_mig_emu_mem m;
	u64 off, limit = vm->nr_pages << PAGE_SHIFT;
	int ret = 0, tries;
	void *buf;

	if (copy_from_user(&m, argp, sizeof(m)))
		return -EFAULT;
	if (!m.len || !PAGE_ALIGNED(m.gpa) || !PAGE_ALIGNED(m.len) || m.gpa >= limit ||
	    m.len > limit - m.gpa)
		return -EINVAL;
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (off = 0; off < m.len && !ret; off += PAGE_SIZE) {
		tries = 0;
		do {
			ret = tdx_emu_read_private(host_vm_tdr(vm), m.gpa + off, buf, PAGE_SIZE);
		} while (ret == -EBUSY && ++tries < HOST_BUSY_TRIES);
		if (!ret && copy_to_user(u64_to_user_ptr(m.buf + off), buf, PAGE_SIZE))
			ret = -EFAULT;
		cond_resched();
	}
	kfree(buf);
	return ret;
}

static int vm_get_vcpu(struct host_vm *vm, void __user *argp)
{
	struct tdx_mig_emu_vcpu_state st;
	struct tdx_emu_vcpu_regs regs;
	int ret, tries = 0;
	u64 tdvpr = 0;

	if (copy_from_user(&st, argp, sizeof(st)))
		return -EFAULT;
	if (st.reserved)
		return -EINVAL;
	mutex_lock(&vm->mem_lock);
	ret = st.vcpu < vm->nr_vcpus ? 0 : -EINVAL;
	if (!ret)
		tdvpr = host_vcpu_tdvpr(vm, st.vcpu);
	mutex_unlock(&vm->mem_lock);
	if (ret)
		return ret;
	do {
		ret = tdx_emu_vcpu_regs(tdvpr, &regs);
	} while (ret == -EBUSY && ++tries < HOST_BUSY_TRIES);
	if (ret)
		return ret;
	memcpy(st.gpr, regs.gpr, sizeof(st.gpr));
	st.rip = regs.rip;
	st.rflags = regs.rflags;
	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

static int vm_exchange_keys(struct host_vm *vm, int peer_fd)
{
	struct file *peer;
	int ret, tries = 0;

	if (!READ_ONCE(test_keys))
		return -EPERM;
	peer = fget(peer_fd);
	if (!peer)
		return -EBADF;
	if (peer->f_op != &vm_fops) {
		fput(peer);
		return -EINVAL;
	}
	do {
		ret = tdx_emu_exchange_mig_keys(host_vm_tdr(vm),
						host_vm_tdr(peer->private_data));
	} while (ret == -EBUSY && ++tries < HOST_BUSY_TRIES);
	fput(peer);
	return ret;
}

static int vm_servtd_hash(struct host_vm *vm, void __user *argp)
{
	struct tdx_mig_emu_servtd_hash h;
	int ret;

	if (copy_from_user(&h, argp, sizeof(h)))
		return -EFAULT;
	if (!vm->migtd)
		return -EINVAL;
	ret = tdx_emu_servtd_info_hash(host_vm_tdr(vm), h.attr, h.hash);
	if (ret)
		return ret;
	return copy_to_user(argp, &h, sizeof(h)) ? -EFAULT : 0;
}

/* The VMM posts an interrupt, as with KVM_SIGNAL_MSI. */
static int vm_interrupt(struct host_vm *vm, unsigned long vector)
{
	if (vector < 32 || vector > 255)
		return -EINVAL;
	host_vm_post_intr(vm, vector);
	return 0;
}

/* The highest posted vector, taken out of the PIR; -1 if none. */
static int take_vector(struct host_vm *vm)
{
	unsigned long v;

	spin_lock(&vm->intr_wq.lock);
	v = find_last_bit(vm->pir, 256);
	if (v < 256)
		__clear_bit(v, vm->pir);
	spin_unlock(&vm->intr_wq.lock);
	return v < 256 ? v : -1;
}

/*
 * The guest takes a posted interrupt, waiting up to @ms (0: forever). A
 * kick while it waits runs what the MigTD's vCPU would before it wakes:
 * an answer due is written (and its vector posted) in this context.
 */
static long vm_wait_intr(struct host_vm *vm, unsigned long ms)
{
	long left = ms ? msecs_to_jiffies(ms) : MAX_SCHEDULE_TIMEOUT;
	int vector = -1, kicks;

	if (ms > INT_MAX)
		return -EINVAL;
	for (;;) {
		kicks = atomic_read(&vm->kicks);
		tdx_mig_servtd_deliver(vm->mig);
		left = wait_event_interruptible_timeout(vm->intr_wq,
							(vector = take_vector(vm)) >= 0 ||
							atomic_read(&vm->kicks) != kicks,
							left);
		if (vector >= 0)
			return vector;
		if (left <= 0)
			return left < 0 ? left : -ETIMEDOUT;
	}
}

static long vm_ioctl(struct file *file, unsigned int ioctl, unsigned long arg)
{
	struct host_vm *vm = file->private_data;
	void __user *argp = (void __user *)arg;

	/* As kvm_vm_ioctl(): a VM is its creator's; a forked child gets -EIO. */
	if (vm->mm != current->mm)
		return -EIO;
	switch (ioctl) {
	case KVM_CREATE_DEVICE:
		return vm_create_device(vm, argp);
	case KVM_MEMORY_ENCRYPT_OP:
		return vm_memory_encrypt_op(vm, argp);
	case KVM_GET_DIRTY_LOG:
	case KVM_CLEAR_DIRTY_LOG:
		return vm_dirty_log(vm, ioctl, argp);
	case KVM_CREATE_VCPU:
		return host_vm_create_vcpu(vm, arg);
	case KVM_SET_MEMORY_ATTRIBUTES:
		return vm_set_memory_attributes(vm, argp);
	case TDX_MIG_EMU_RUN:
		return vm_run(vm, argp);
	case TDX_MIG_EMU_READ_MEM:
		return vm_read_mem(vm, argp);
	case TDX_MIG_EMU_GET_VCPU:
		return vm_get_vcpu(vm, argp);
	case TDX_MIG_EMU_EXCHANGE_KEYS:
		return vm_exchange_keys(vm, (int)arg);
	case TDX_MIG_EMU_SERVTD_HASH:
		return vm_servtd_hash(vm, argp);
	case TDX_MIG_EMU_INTERRUPT:
		return vm_interrupt(vm, arg);
	case TDX_MIG_EMU_WAIT_INTR:
		return vm_wait_intr(vm, arg);
	default:
		return -ENOTTY;
	}
}

/* mmap of a VM fd: its shared memory, the VMM's own. */
static vm_fault_t vm_shared_fault(struct vm_fault *vmf)
{
	struct host_vm *vm = vmf->vma->vm_file->private_data;

	if (vmf->pgoff >= vm->nr_shared)
		return VM_FAULT_SIGBUS;
	vmf->page = vm->shared[vmf->pgoff];
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct vm_shared_ops = {
	.fault = vm_shared_fault,
};

static int vm_fd_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	vma->vm_ops = &vm_shared_ops;
	return 0;
}

static int vm_release(struct inode *inode, struct file *file)
{
	host_vm_put(file->private_data);
	return 0;
}

static const struct file_operations vm_fops = {
	.owner = THIS_MODULE,
	.release = vm_release,
	.unlocked_ioctl = vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = vm_fd_mmap,
	.llseek = noop_llseek,
};

static int dev_create_vm(void __user *argp)
{
	struct tdx_mig_emu_vm_config cfg;
	struct host_vm *vm;
	int fd;

	if (copy_from_user(&cfg, argp, sizeof(cfg)))
		return -EFAULT;
	vm = host_vm_create(&cfg);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	fd = anon_inode_getfd("tdx-mig-emu-vm", &vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		host_vm_put(vm);
	return fd;
}

static int dev_set_intr(void __user *argp)
{
	static const enum tdx_emu_intr_mode modes[] = {
		[TDX_MIG_EMU_INTR_NEVER] = TDX_EMU_INTR_NEVER,
		[TDX_MIG_EMU_INTR_EVERY] = TDX_EMU_INTR_EVERY,
		[TDX_MIG_EMU_INTR_RANDOM] = TDX_EMU_INTR_RANDOM,
	};
	struct tdx_mig_emu_intr in;
	bool sig;
	u32 mode;

	if (copy_from_user(&in, argp, sizeof(in)))
		return -EFAULT;
	sig = in.mode & TDX_MIG_EMU_INTR_F_SIGALRM;
	mode = in.mode & ~TDX_MIG_EMU_INTR_F_SIGALRM;
	if (mode >= ARRAY_SIZE(modes) || (mode != TDX_MIG_EMU_INTR_NEVER && !in.k) ||
	    (mode == TDX_MIG_EMU_INTR_NEVER && sig))
		return -EINVAL;
	tdx_emu_set_intr_policy_sig(modes[mode], in.k, in.seed, sig ? SIGALRM : 0);
	return 0;
}

static long dev_ioctl(struct file *file, unsigned int ioctl, unsigned long arg)
{
	switch (ioctl) {
	case TDX_MIG_EMU_CREATE_VM:
		return dev_create_vm((void __user *)arg);
	case TDX_MIG_EMU_SET_INTR:
		return dev_set_intr((void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice host_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "tdx_mig_emu",
	.fops = &dev_fops,
	.mode = 0600,
};

int host_dev_init(void)
{
	return misc_register(&host_dev);
}

void host_dev_exit(void)
{
	misc_deregister(&host_dev);
}
