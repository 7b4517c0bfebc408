// SPDX-License-Identifier: GPL-2.0
/*
 * The hardware backend: the SEAMCALL instruction itself.
 *
 * It needs a TDX 1.5 host whose TDX Module the kernel has initialised and a
 * CPU in VMX operation (KVM's job). No machine this project is tested on
 * has one, so this path is built and linked everywhere but executed only on
 * real hardware.
 */
#include <linux/bitfield.h>
#include <linux/module.h>
#include <linux/types.h>
#include <asm/asm.h>

#include "seamcall.h"

/* SEAMCALL, spelled as bytes so that old assemblers accept it. */
#define SEAMCALL_INSN ".byte 0x66, 0x0f, 0x01, 0xcf"

static u64 seamcall_insn(u64 rax, struct tdx_mig_args *a)
{
	register u64 r8 asm("r8") = a->r8;
	register u64 r9 asm("r9") = a->r9;
	register u64 r10 asm("r10") = a->r10;
	register u64 r11 asm("r11") = a->r11;
	register u64 r12 asm("r12") = a->r12;
	register u64 r13 asm("r13") = a->r13;
	register u64 r14 asm("r14") = a->r14;
	register u64 r15 asm("r15") = a->r15;
	u64 rcx = a->rcx, rdx = a->rdx, rbx = a->rbx, rdi = a->rdi, rsi = a->rsi;

	/*
	 * CF set after SEAMCALL means VMfailInvalid: no TDX Module. A fault
	 * (#UD or #GP outside VMX operation) lands on the fixup with the trap
	 * number in RAX, which the status keeps.
	 */
	asm volatile("1:	" SEAMCALL_INSN "\n"
		     "	jnc 3f\n"
		     "	movabsq %[vmfail], %%rax\n"
		     "	jmp 3f\n"
		     "2:	movabsq %[fault], %%rcx\n"
		     "	orq %%rcx, %%rax\n"
		     "3:\n"
		     _ASM_EXTABLE_FAULT(1b, 2b)
		     : "+a" (rax), "+c" (rcx), "+d" (rdx), "+b" (rbx),
		       "+D" (rdi), "+S" (rsi), "+r" (r8), "+r" (r9),
		       "+r" (r10), "+r" (r11), "+r" (r12), "+r" (r13),
		       "+r" (r14), "+r" (r15)
		     : [vmfail] "i" (TDX_STATUS_SW_VMFAILINVALID),
		       [fault] "i" (TDX_STATUS_SW_FAULT)
		     : "memory", "cc");

	*a = (struct tdx_mig_args) {
		.rcx = rcx, .rdx = rdx, .r8 = r8, .r9 = r9, .r10 = r10,
		.r11 = r11, .r12 = r12, .r13 = r13, .r14 = r14, .r15 = r15,
		.rbx = rbx, .rdi = rdi, .rsi = rsi,
	};
	return rax;
}

static u64 hw_seamcall(u64 rax, struct tdx_mig_args *a)
{
	/*
	 * A TD exit leaves XCR0, XSS, PKRU, MSRs, debug registers and NMI
	 * blocking as the TD had them; only KVM's entry path restores them.
	 */
	if (FIELD_GET(TDX_LEAF_MASK, rax) == SEAMCALL_TDH_VP_ENTER)
		return TDX_STATUS_SW_UNSUPPORTED;
	return seamcall_insn(rax, a);
}

const struct tdx_mig_backend tdx_mig_hw_backend = {
	.name = "hw",
	.owner = THIS_MODULE,
	.seamcall = hw_seamcall,
};
