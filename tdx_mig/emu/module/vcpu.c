// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs of the emulated TDX Module: VP.CREATE, VP.ADDCX, VP.INIT, VP.FLUSH
 * and VP.ENTER. A vCPU is associated with the logical CPU it last entered
 * on until TDH.VP.FLUSH runs there. Entering runs the test-provided guest
 * program (test_api.h) through the Secure EPT with the guest's rules, until
 * it needs the host (an EPT violation), halts, or an interrupt is pending.
 */
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/ktime.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/vmx.h>

#include "emu.h"

/* Lock a TDVPR operand (the TDVPR lock, always exclusive) and find its vCPU. */
u64 emu_vcpu_lock(u64 tdvpr_pa, int opid, struct emu_vcpu **out)
{
	struct emu_pamt_entry *e;
	u64 ret;

	ret = emu_pamt_lock_typed(tdvpr_pa, opid, TDX_OPID_TDVPR, EMU_PT_TDVPR,
				  EMU_LOCK_EXCLUSIVE, &e);
	if (!ret)
		*out = emu_vcpu_of(e);
	return ret;
}

void emu_vcpu_unlock(struct emu_vcpu *vcpu)
{
	emu_sharex_unlock_exclusive(&emu_pamt_entry(vcpu->tdvpr_pa)->lock);
}

/*
 * Lock a vCPU for @leaf (its TDVPR exclusive), then its TD (TDR, then
 * OP_STATE, each in the mode of the module's handler, emu_leaf_locks()),
 * and check keys and OP_STATE. The TD outlives the vCPU: its TDR is
 * reclaimed only without children.
 */
static u64 vcpu_leaf_begin(u16 leaf, u64 tdvpr_pa, int opid, struct emu_vcpu **vcpu)
{
	struct emu_td *td;
	u64 ret;

	ret = emu_vcpu_lock(tdvpr_pa, opid, vcpu);
	if (ret)
		return ret;
	ret = emu_leaf_begin(leaf, (*vcpu)->td->tdr_pa, TDX_OPID_TDR, &td);
	if (ret)
		emu_vcpu_unlock(*vcpu);
	return ret;
}

static void vcpu_leaf_end(u16 leaf, struct emu_vcpu *vcpu)
{
	emu_leaf_end(leaf, vcpu->td);
	emu_vcpu_unlock(vcpu);
}

/*
 * Counts a vCPU in and gives its index (if @index). VP.INIT and
 * IMPORT.STATE.VP hold the TD shared, so two may count at once.
 */
bool emu_td_add_vcpu(struct emu_td *td, u16 *index)
{
	u16 old = READ_ONCE(td->num_vcpus);

	do {
		if (old >= td->max_vcpus)
			return false;
	} while (!try_cmpxchg(&td->num_vcpus, &old, old + 1));
	if (index)
		*index = old;
	return true;
}

/*
 * TDH.VP.CREATE: RCX = new TDVPR page, RDX = TDR. The vCPU gets its index
 * and counts against MAX_VCPUS at VP.INIT (or its import), not here.
 */
u64 emu_vp_create(struct tdx_mig_args *a)
{
	struct emu_pamt_entry *pe;
	struct emu_vcpu *vcpu;
	struct emu_td *td;
	u64 ret;

	ret = emu_leaf_begin(SEAMCALL_TDH_VP_CREATE, a->rdx, TDX_OPID_RDX, &td);
	if (ret)
		return ret;
	ret = emu_pamt_claim(a->rcx, TDX_OPID_RCX, &pe);
	if (ret)
		goto unlock_td;
	vcpu = kzalloc(sizeof(*vcpu), GFP_ATOMIC);
	if (!vcpu) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_BUSY, TDX_OPID_TDVPR);
		goto unlock_page;
	}
	vcpu->tdvpr_pa = a->rcx;
	vcpu->td = td;
	vcpu->assoc_cpu = -1;
	memset(phys_to_virt(a->rcx), 0, PAGE_SIZE);
	emu_pamt_assign(pe, EMU_PT_TDVPR, td->tdr_pa, vcpu);
	atomic_long_inc(&td->child_pages);
unlock_page:
	emu_sharex_unlock_exclusive(&pe->lock);
unlock_td:
	emu_leaf_end(SEAMCALL_TDH_VP_CREATE, td);
	return ret;
}

/* TDH.VP.ADDCX: RCX = new TDCX page, RDX = TDVPR. */
u64 emu_vp_addcx(struct tdx_mig_args *a)
{
	struct emu_pamt_entry *pe;
	struct emu_vcpu *vcpu;
	u64 ret;

	ret = vcpu_leaf_begin(SEAMCALL_TDH_VP_ADDCX, a->rdx, TDX_OPID_RDX, &vcpu);
	if (ret)
		return ret;
	if (vcpu->state != EMU_VCPU_UNINITIALIZED)
		ret = TDX_STATUS_VCPU_STATE_INCORRECT;
	else if (vcpu->num_tdcx >= ARRAY_SIZE(vcpu->tdcx_pa))
		ret = TDX_STATUS_TDCX_NUM_INCORRECT;
	else
		ret = emu_pamt_claim(a->rcx, TDX_OPID_RCX, &pe);
	if (!ret) {
		memset(phys_to_virt(a->rcx), 0, PAGE_SIZE);
		emu_pamt_assign(pe, EMU_PT_TDCX, vcpu->td->tdr_pa, NULL);
		vcpu->tdcx_pa[vcpu->num_tdcx++] = a->rcx;
		atomic_long_inc(&vcpu->td->child_pages);
		emu_sharex_unlock_exclusive(&pe->lock);
	}
	vcpu_leaf_end(SEAMCALL_TDH_VP_ADDCX, vcpu);
	return ret;
}

/* TDH.VP.INIT: RCX = TDVPR, RDX = the guest's initial RCX. */
u64 emu_vp_init(struct tdx_mig_args *a)
{
	struct emu_vcpu *vcpu;
	u64 ret;

	ret = vcpu_leaf_begin(SEAMCALL_TDH_VP_INIT, a->rcx, TDX_OPID_RCX, &vcpu);
	if (ret)
		return ret;
	if (vcpu->state != EMU_VCPU_UNINITIALIZED)
		ret = TDX_STATUS_VCPU_STATE_INCORRECT;
	else if (vcpu->num_tdcx != ARRAY_SIZE(vcpu->tdcx_pa))
		ret = TDX_STATUS_TDCX_NUM_INCORRECT;
	else if (!emu_td_add_vcpu(vcpu->td, &vcpu->index))
		ret = TDX_STATUS_MAX_VCPUS_EXCEEDED;
	if (!ret) {
		memset(&vcpu->regs, 0, sizeof(vcpu->regs));
		vcpu->regs.gpr[1] = a->rdx;	/* RCX */
		vcpu->regs.rip = 0xfffffff0;	/* the reset vector */
		vcpu->regs.rflags = 0x2;
		vcpu->state = EMU_VCPU_READY;
	}
	vcpu_leaf_end(SEAMCALL_TDH_VP_INIT, vcpu);
	return ret;
}

/*
 * TDH.VP.FLUSH: RCX = TDVPR; must run on the logical CPU the vCPU is bound
 * to. A vCPU bound to none is "not associated" too; hosts ignore that.
 */
u64 emu_vp_flush(struct tdx_mig_args *a)
{
	struct emu_vcpu *vcpu;
	u64 ret;

	ret = vcpu_leaf_begin(SEAMCALL_TDH_VP_FLUSH, a->rcx, TDX_OPID_RCX, &vcpu);
	if (ret)
		return ret;
	if (vcpu->num_tdcx != ARRAY_SIZE(vcpu->tdcx_pa)) {
		ret = TDX_STATUS_TDCX_NUM_INCORRECT;
	} else if (vcpu->assoc_cpu != smp_processor_id()) {
		ret = TDX_STATUS_VCPU_NOT_ASSOCIATED;
	} else {
		vcpu->assoc_cpu = -1;
		atomic_dec(&vcpu->td->associated_vcpus);
	}
	vcpu_leaf_end(SEAMCALL_TDH_VP_FLUSH, vcpu);
	return ret;
}

/*
 * TDH.VP.WR: RCX = TDVPR, RDX = field ID, R8 = value, R9 = write mask;
 * out, R8 = the field's old value (0 on failure). Only the TD VMCS's
 * SHARED_EPT_POINTER is modelled, the one field KVM writes
 * (tdx_load_mmu_pgd()): its bits 51:12 are the host's, and must name
 * shared memory. The module writes the bits both masks allow. Like
 * VP.ENTER it associates the vCPU with the current CPU.
 */
u64 emu_vp_wr(struct tdx_mig_args *a)
{
	u64 value = a->r8, mask = a->r9 & TDX_SHARED_EPTP_WR_MASK, next, ret;
	struct emu_vcpu *vcpu;
	int cpu;

	a->r8 = 0;
	ret = vcpu_leaf_begin(SEAMCALL_TDH_VP_WR, a->rcx, TDX_OPID_RCX, &vcpu);
	if (ret)
		return ret;
	cpu = get_cpu();
	if (vcpu->state != EMU_VCPU_READY) {
		ret = TDX_STATUS_VCPU_STATE_INCORRECT;
	} else if (vcpu->assoc_cpu >= 0 && vcpu->assoc_cpu != cpu) {
		ret = TDX_STATUS_VCPU_ASSOCIATED;
	} else if (a->rdx != TDX_MD_VP_SHARED_EPTP) {
		ret = TDX_STATUS_METADATA_FIELD_ID_INCORRECT;
	} else {
		next = (vcpu->shared_eptp & ~mask) | (value & mask);
		if (next && !emu_hpa_is_shared(next))
			ret = TDX_STATUS_METADATA_FIELD_VALUE_NOT_VALID;
	}
	if (!ret) {
		if (vcpu->assoc_cpu < 0) {
			vcpu->assoc_cpu = cpu;
			atomic_inc(&vcpu->td->associated_vcpus);
		}
		a->r8 = vcpu->shared_eptp;
		WRITE_ONCE(vcpu->shared_eptp, next);
	}
	put_cpu();
	vcpu_leaf_end(SEAMCALL_TDH_VP_WR, vcpu);
	return ret;
}

/* An EPT violation exit: the host must fix the mapping and re-enter. */
static u64 ept_violation(struct tdx_mig_args *a, u64 gpa, bool write)
{
	a->rcx = write ? TDX_EXIT_QUAL_WRITE : TDX_EXIT_QUAL_READ;
	a->r8 = gpa;
	return TDX_STATUS_SUCCESS | TDX_EXIT_REASON_EPT_VIOLATION;
}

/*
 * A page of the host's shared EPT, as the CPU reads it: shared memory the
 * module does not own (the CPU would read a TD's page with the wrong key).
 */
static u64 *shared_ept_page(u64 hpa)
{
	struct emu_pamt_entry *e;

	if (!emu_hpa_is_shared(hpa))
		return NULL;
	e = emu_pamt_entry(hpa);
	if (!e || READ_ONCE(e->type) != EMU_PT_NDA)
		return NULL;
	return phys_to_virt(hpa & TDX_SHARED_EPTP_WR_MASK);
}

/*
 * The CPU's walk of the shared EPT (4 levels, 4 KiB leaves only) for a
 * shared GPA: the host page, or 0 when an entry on the way does not allow
 * the access (the host's EPT violation to handle). The host may change
 * entries at any time; each is read once.
 */
static u64 shared_ept_walk(struct emu_vcpu *vcpu, u64 gpa, bool write)
{
	u64 need = VMX_EPT_READABLE_MASK | (write ? VMX_EPT_WRITABLE_MASK : 0);
	u64 hpa = READ_ONCE(vcpu->shared_eptp), entry;
	u64 *table;
	int level;

	if (!hpa)
		return 0;
	for (level = 3; level >= 0; level--) {
		table = shared_ept_page(hpa);
		if (!table)
			return 0;
		entry = READ_ONCE(table[(gpa >> (PAGE_SHIFT + 9 * level)) & 511]);
		if ((entry & need) != need || (level && (entry & _PAGE_PSE)))
			return 0;
		hpa = entry & TDX_SHARED_EPTP_WR_MASK;
	}
	return shared_ept_page(hpa) ? hpa : 0;
}

/* A guest access to shared memory: no SEPT, no key, the host's own page. */
static u64 guest_access_shared(struct emu_vcpu *vcpu, struct tdx_emu_guest_op *op,
			       u64 gpa, bool write, struct tdx_mig_args *a)
{
	u64 hpa, *page;
	int i;

	/* TDG.MEM.PAGE.ACCEPT takes private GPAs only. */
	if (op->type == TDX_EMU_GUEST_ACCEPT) {
		op->status = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RCX);
		return 0;
	}
	hpa = shared_ept_walk(vcpu, gpa, write);
	if (!hpa)
		return ept_violation(a, gpa, write);
	page = phys_to_virt(hpa);
	if (op->type == TDX_EMU_GUEST_READ)
		op->value = READ_ONCE(page[(gpa & ~PAGE_MASK) / 8]);
	else if (op->type == TDX_EMU_GUEST_WRITE)
		WRITE_ONCE(page[(gpa & ~PAGE_MASK) / 8], op->value);
	else if (op->type == TDX_EMU_GUEST_FILL)
		for (i = 0; i < PAGE_SIZE / sizeof(u64); i++)
			WRITE_ONCE(page[i], op->value);
	return 0;
}

/*
 * One guest access through the SEPT. Returns 0 when done, or the exit to
 * take. Contention with a leaf holding the entry lock is brief (leaves
 * never sleep) but is not waited for: the guest exits and is re-entered,
 * as after any spurious EPT violation.
 */
static u64 guest_access(struct emu_vcpu *vcpu, struct tdx_emu_guest_op *op,
			struct tdx_mig_args *a)
{
	struct emu_td *td = vcpu->td;
	bool write = op->type == TDX_EMU_GUEST_WRITE || op->type == TDX_EMU_GUEST_FILL;
	u64 gpa = op->gpa & ~7ULL;
	enum tdx_sept_state state;
	u64 *entry, old;
	int failed, i;

	/* Beyond GPAW: no mapping, an EPT violation. Shared: the host's EPT. */
	if (gpa >> EMU_GPAW)
		return ept_violation(a, gpa, write);
	if (gpa & EMU_SHARED_GPA_BIT)
		return guest_access_shared(vcpu, op, gpa, write, a);
	entry = emu_sept_walk(td, gpa, 0, &failed);
	if (!entry || emu_sept_lock_entry(entry, &old))
		return ept_violation(a, gpa, write);
	state = emu_sept_state(old);

	if (op->type == TDX_EMU_GUEST_ACCEPT) {
		if (!PAGE_ALIGNED(op->gpa)) {
			op->status = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID,
							     TDX_OPID_RCX);
		} else if (emu_sept_accept_allowed(state)) {
			emu_private_clear(td, old);
			old = emu_sept_set_state(old, state == TDX_SEPT_PENDING ?
						 TDX_SEPT_MAPPED : TDX_SEPT_EXPORTED_DIRTY);
			op->status = TDX_STATUS_SUCCESS;
		} else if (old & TDX_SEPT_R_BIT) {
			op->status = TDX_STATUS_PAGE_ALREADY_ACCEPTED;
		} else {
			emu_sept_unlock_entry(entry, old);
			return ept_violation(a, gpa, false);
		}
		emu_sept_unlock_entry(entry, old);
		return 0;
	}

	if (!(old & (write ? TDX_SEPT_W_BIT : TDX_SEPT_R_BIT))) {
		emu_sept_unlock_entry(entry, old);
		return ept_violation(a, gpa, write);
	}
	if (op->type == TDX_EMU_GUEST_READ) {
		emu_private_copy(td, old, gpa & ~PAGE_MASK, &op->value, sizeof(u64), false);
	} else if (op->type == TDX_EMU_GUEST_WRITE) {
		emu_private_copy(td, old, gpa & ~PAGE_MASK, &op->value, sizeof(u64), true);
	} else if (op->type == TDX_EMU_GUEST_FILL) {
		for (i = 0; i < PAGE_SIZE / sizeof(u64); i++)
			emu_private_copy(td, old, i * sizeof(u64), &op->value, sizeof(u64), true);
	}
	emu_sept_unlock_entry(entry, old);
	return 0;
}

/* A register load: a guest instruction that needs nothing from the host. */
static u64 guest_set_reg(struct emu_vcpu *vcpu, struct tdx_emu_guest_op *op)
{
	if (op->reg < ARRAY_SIZE(vcpu->regs.gpr))
		vcpu->regs.gpr[op->reg] = op->value;
	return 0;
}

/*
 * TDG.VP.VMCALL: the guest's RCX selects the GPRs the host sees and may
 * change (bits 15:2) and XMM registers (bits 31:16, not modelled). RAX,
 * RCX and RSP can never be shared, nor bits 63:32; RBP neither, as when
 * the TD is built with no_rbp_mod (the model has no RBP for the host).
 */
#define EMU_VMCALL_GPRS		(BIT(2) | BIT(3) | GENMASK(15, 6))
#define EMU_VMCALL_RCX_BAD	(GENMASK_ULL(63, 32) | BIT(0) | BIT(1) | BIT(4) | BIT(5))

/* The TDH.VP.ENTER register that carries guest GPR @i across a VMCALL. */
static u64 *vmcall_reg(struct tdx_mig_args *a, unsigned int i)
{
	switch (i) {
	case 2: return &a->rdx;
	case 3: return &a->rbx;
	case 6: return &a->rsi;
	case 7: return &a->rdi;
	case 8: return &a->r8;
	case 9: return &a->r9;
	case 10: return &a->r10;
	case 11: return &a->r11;
	case 12: return &a->r12;
	case 13: return &a->r13;
	case 14: return &a->r14;
	default: return &a->r15;
	}
}

/* A step that needs no exit is done: RIP moves past it. */
static void step_retire(struct emu_vcpu *vcpu)
{
	vcpu->next_op++;
	vcpu->regs.rip += 4;
}

/*
 * The exit of TDG.VP.VMCALL: RCX = the guest's selection, the shared GPRs
 * with their values and every other GPR 2-15 zero, as the TDX Module
 * gives them to the host.
 */
static u64 vmcall_exit(struct emu_vcpu *vcpu, struct tdx_mig_args *a)
{
	u64 *gpr = vcpu->regs.gpr;
	unsigned long shared = gpr[1] & EMU_VMCALL_GPRS;
	unsigned int i;

	if (gpr[1] & EMU_VMCALL_RCX_BAD) {
		gpr[0] = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RCX);
		return 0;
	}
	vcpu->vmcall_pending = true;
	vcpu->vmcall_gprs = shared;
	*a = (struct tdx_mig_args){ .rcx = gpr[1] };
	for_each_set_bit(i, &shared, 16) {
		u64 *reg = vmcall_reg(a, i);

		*reg = gpr[i];
	}
	return TDX_STATUS_SUCCESS | TDX_EXIT_REASON_TDCALL;
}

/* The next TDH.VP.ENTER completes the VMCALL with the host's GPR values. */
static void vmcall_resume(struct emu_vcpu *vcpu, struct tdx_mig_args *a)
{
	unsigned long shared = vcpu->vmcall_gprs;
	unsigned int i;

	for_each_set_bit(i, &shared, 16)
		vcpu->regs.gpr[i] = *vmcall_reg(a, i);
	vcpu->regs.gpr[0] = TDX_STATUS_SUCCESS;
	vcpu->vmcall_pending = false;
	step_retire(vcpu);
}

/*
 * TDG.SYS.RD: RDX = field ID in; R8 = value and RDX = next field ID out
 * (-1 after a failure). The model's global fields are all guest-readable.
 */
static void tdcall_sys_rd(u64 *gpr)
{
	struct tdx_mig_args args = { .rdx = gpr[2] };

	gpr[0] = tdx_emu_sys_rd(&args);
	gpr[2] = gpr[0] ? MD_FIELD_ID_NA : args.rdx;
	gpr[8] = args.r8;
}

/* TDG.SERVTD.RD/WR with the register operands of emu_guest_servtd(). */
static u64 tdcall_servtd(struct emu_vcpu *vcpu, bool write, struct tdx_mig_args *a)
{
	u64 *gpr = vcpu->regs.gpr;
	struct tdx_emu_guest_op op = {
		.type = write ? TDX_EMU_GUEST_SERVTD_WR : TDX_EMU_GUEST_SERVTD_RD,
		.handle = gpr[1],
		.field_id = gpr[2],
		.value = gpr[8],
		.mask = gpr[9],
		.uuid = { gpr[10], gpr[11], gpr[12], gpr[13] },
	};
	u64 exit = emu_guest_servtd(vcpu, &op, a);

	gpr[0] = op.status;
	gpr[2] = op.field_id;
	gpr[8] = op.value;
	memcpy(&gpr[10], op.uuid, sizeof(op.uuid));
	return exit;
}

/*
 * A TDCALL whose operands are in the guest's GPRs, as a real guest issues
 * it: RAX gets the status. Only TDG.VP.VMCALL exits to the host (the step
 * completes on the next entry); SERVTD traps complete it at once.
 */
static u64 guest_tdcall(struct emu_vcpu *vcpu, struct tdx_emu_guest_op *op,
			struct tdx_mig_args *a)
{
	u64 *gpr = vcpu->regs.gpr;

	switch (op->value) {
	case TDCALL_TDG_VP_VMCALL:
		return vmcall_exit(vcpu, a);
	case TDCALL_TDG_SYS_RD:
		tdcall_sys_rd(gpr);
		return 0;
	case TDCALL_TDG_SERVTD_RD:
	case TDCALL_TDG_SERVTD_WR:
		return tdcall_servtd(vcpu, op->value == TDCALL_TDG_SERVTD_WR, a);
	default:
		gpr[0] = tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_RAX);
		return 0;
	}
}

/*
 * A guest runs at most this many steps per entry, then takes an external
 * interrupt exit, as a real one does on the host's timer tick.
 */
#define EMU_GUEST_STEPS_PER_ENTRY	4096

/* IPIs sent to each logical CPU and not yet taken by a vCPU in a TD there. */
static DEFINE_PER_CPU(atomic_t, emu_ipi);

void tdx_emu_send_ipi(int cpu)
{
	atomic_set(per_cpu_ptr(&emu_ipi, cpu), 1);
}
EXPORT_SYMBOL_GPL(tdx_emu_send_ipi);

void tdx_emu_drop_ipis(void)
{
	atomic_set(this_cpu_ptr(&emu_ipi), 0);
	smp_mb__after_atomic();	/* before the caller says a vCPU is in the TD */
}
EXPORT_SYMBOL_GPL(tdx_emu_drop_ipis);

/* Taken on the CPU the vCPU runs on (VP.ENTER runs with preemption off). */
static bool ipi_pending(void)
{
	return atomic_read(this_cpu_ptr(&emu_ipi)) && atomic_xchg(this_cpu_ptr(&emu_ipi), 0);
}

/*
 * The guest spins until an interrupt comes, or @op->value ms pass as a
 * host timer tick would end it. Either way the loop is done; RCX says
 * which (1: the interrupt).
 */
static u64 guest_spin(struct emu_vcpu *vcpu, struct tdx_emu_guest_op *op)
{
	u64 end = ktime_get_ns() + op->value * NSEC_PER_MSEC;
	bool ipi;

	while (!(ipi = ipi_pending()) && ktime_get_ns() < end)
		cpu_relax();
	vcpu->regs.gpr[1] = ipi;
	step_retire(vcpu);
	return TDX_STATUS_SUCCESS | TDX_EXIT_REASON_EXTERNAL_INTERRUPT;
}

/* Run guest steps until one needs the host. Called with the vCPU locked. */
static u64 run_guest(struct emu_vcpu *vcpu, struct tdx_mig_args *a)
{
	unsigned int ran = 0;
	u64 exit;

	for (;;) {
		struct tdx_emu_guest_op *op;

		if (vcpu->next_op >= vcpu->nr_ops) {
			exit = TDX_STATUS_SUCCESS | TDX_EXIT_REASON_HLT;
			break;
		}
		/* An external interrupt exits between guest steps. */
		if (ipi_pending() ||
		    (ran && (ran == EMU_GUEST_STEPS_PER_ENTRY || emu_intr_pending()))) {
			exit = TDX_STATUS_SUCCESS | TDX_EXIT_REASON_EXTERNAL_INTERRUPT;
			break;
		}
		op = &vcpu->ops[vcpu->next_op];
		if (op->type == TDX_EMU_GUEST_SPIN) {
			exit = guest_spin(vcpu, op);
			break;
		}
		if (op->type == TDX_EMU_GUEST_HLT) {
			vcpu->next_op++;
			vcpu->regs.rip += 1;
			exit = TDX_STATUS_SUCCESS | TDX_EXIT_REASON_HLT;
			break;
		}
		if (op->type == TDX_EMU_GUEST_TDCALL) {
			exit = guest_tdcall(vcpu, op, a);
			/* A VMCALL completes on the next entry; RAX is the status. */
			if (vcpu->vmcall_pending)
				break;
			step_retire(vcpu);
			ran++;
			if (exit)
				break;
			continue;
		}
		if (op->type == TDX_EMU_GUEST_SERVTD_RD || op->type == TDX_EMU_GUEST_SERVTD_WR)
			exit = emu_guest_servtd(vcpu, op, a);
		else if (op->type == TDX_EMU_GUEST_SET_REG)
			exit = guest_set_reg(vcpu, op);
		else
			exit = guest_access(vcpu, op, a);
		/* A fault exit re-runs the step; a trap (§4 CROSS_TD_TRAP) retires it. */
		if (exit && exit != TDX_STATUS_CROSS_TD_TRAP)
			break;
		/* Each step is one instruction: RIP moves, RAX counts steps. */
		step_retire(vcpu);
		vcpu->regs.gpr[0]++;
		ran++;
		if (exit)
			break;
	}
	return exit;
}

/*
 * TDH.VP.ENTER: RCX = TDVPR. Output: RAX = exit reason, RCX = exit
 * qualification, R8 = GPA of an EPT violation.
 */
u64 emu_vp_enter(struct tdx_mig_args *a)
{
	int cpu = smp_processor_id();
	struct emu_vcpu *vcpu;
	struct emu_td *td;
	unsigned int slot;
	u64 ret;

	ret = vcpu_leaf_begin(SEAMCALL_TDH_VP_ENTER, a->rcx, TDX_OPID_RCX, &vcpu);
	if (ret)
		return ret;
	td = vcpu->td;
	if (vcpu->state != EMU_VCPU_READY) {
		ret = TDX_STATUS_VCPU_STATE_INCORRECT;
		goto out;
	}
	if (vcpu->assoc_cpu >= 0 && vcpu->assoc_cpu != cpu) {
		ret = TDX_STATUS_VCPU_ASSOCIATED;
		goto out;
	}
	/* The vCPU runs in the current TD epoch until it exits (§3.4). */
	if (!raw_spin_trylock(&td->epoch_lock)) {
		ret = tdx_status_with_operand(TDX_STATUS_OPERAND_BUSY, TDX_OPID_TD_EPOCH);
		goto out;
	}
	if (vcpu->assoc_cpu < 0) {
		vcpu->assoc_cpu = cpu;
		atomic_inc(&td->associated_vcpus);
	}
	slot = td->td_epoch & 1;
	td->epoch_refcount[slot]++;
	raw_spin_unlock(&td->epoch_lock);
	/* As the module's: OP_STATE is released before the TD is entered. */
	emu_leaf_op_state_unlock(SEAMCALL_TDH_VP_ENTER, td);

	if (vcpu->vmcall_pending)
		vmcall_resume(vcpu, a);
	a->rcx = 0;
	a->rdx = 0;
	a->r8 = 0;
	ret = run_guest(vcpu, a);

	raw_spin_lock(&td->epoch_lock);
	td->epoch_refcount[slot]--;
	raw_spin_unlock(&td->epoch_lock);
	emu_leaf_td_unlock(SEAMCALL_TDH_VP_ENTER, td);
	emu_vcpu_unlock(vcpu);
	return ret;
out:
	vcpu_leaf_end(SEAMCALL_TDH_VP_ENTER, vcpu);
	return ret;
}

/* Frees the model's vCPU once its TDVPR page is reclaimed. */
void emu_vcpu_destroy(struct emu_vcpu *vcpu)
{
	kfree(vcpu->ops);
	kfree(vcpu);
}
