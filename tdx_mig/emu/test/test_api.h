/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TEST-ONLY interface of the emulated TDX Module.
 *
 * Real TDX gives the host no way to see a TD's private memory or to drive
 * its vCPUs. These calls exist so that tests (KUnit, and the emulated host
 * platform's test ioctls) can look inside the emulated TD and play the
 * guest's part. Product code must never depend on them: on hardware the
 * same checks are done by a guest payload.
 */
#ifndef TDX_MIG_EMU_TEST_API_H
#define TDX_MIG_EMU_TEST_API_H

#include <linux/types.h>

#include "seamcall/abi.h"

/* What the emulated guest does on TDH.VP.ENTER, one step at a time. */
enum tdx_emu_guest_op_type {
	TDX_EMU_GUEST_WRITE,	/* store @value at @gpa (8 bytes, aligned) */
	TDX_EMU_GUEST_READ,	/* load from @gpa into @value */
	TDX_EMU_GUEST_FILL,	/* store @value in every qword of @gpa's page */
	TDX_EMU_GUEST_ACCEPT,	/* TDG.MEM.PAGE.ACCEPT @gpa */
	TDX_EMU_GUEST_HLT,	/* exit to the host with HLT */
	TDX_EMU_GUEST_SERVTD_RD,	/* TDG.SERVTD.RD (a service TD's TDCALL) */
	TDX_EMU_GUEST_SERVTD_WR,	/* TDG.SERVTD.WR */
	TDX_EMU_GUEST_SET_REG,	/* load @value into GPR @reg */
	TDX_EMU_GUEST_TDCALL,	/* TDCALL leaf @value, operands in the GPRs */
	/* a busy loop: in the TD until an interrupt, at most @value ms */
	TDX_EMU_GUEST_SPIN,
};

/*
 * One guest step. TDG.SERVTD.RD/WR use @handle, @field_id (RDX: in, and
 * for RD the next field ID out), @value (data in, value read or previous
 * value out), @mask and @uuid (in and out); every TDCALL step leaves its
 * status in @status.
 */
struct tdx_emu_guest_op {
	enum tdx_emu_guest_op_type type;
	u64 gpa;
	u64 value;
	u64 handle;
	u64 field_id;
	u64 mask;
	u64 uuid[4];
	u64 status;
	unsigned int reg;	/* SET_REG only */
};

/* Guest register state the model keeps; enough to prove it migrates. */
struct tdx_emu_vcpu_regs {
	u64 gpr[16];
	u64 rip;
	u64 rflags;
};

/*
 * An interrupt to logical CPU @cpu, as an IPI: a vCPU in a TD there exits
 * (EXTERNAL_INTERRUPT) at its next guest step. Emulated hardware, for the
 * platform's kicks.
 */
void tdx_emu_send_ipi(int cpu);
/* Drop IPIs this CPU got while no vCPU was in a TD on it (the host took them). */
void tdx_emu_drop_ipis(void);
int tdx_emu_guest_program(u64 tdvpr_pa, const struct tdx_emu_guest_op *ops, unsigned int n);
int tdx_emu_guest_result(u64 tdvpr_pa, unsigned int i, struct tdx_emu_guest_op *op,
			 bool *done);
int tdx_emu_read_private(u64 tdr_pa, u64 gpa, void *buf, unsigned int len);
int tdx_emu_vcpu_regs(u64 tdvpr_pa, struct tdx_emu_vcpu_regs *regs);
int tdx_emu_sept_state(u64 tdr_pa, u64 gpa, int level);
int tdx_emu_force_op_state(u64 tdr_pa, enum tdx_op_state state);
int tdx_emu_force_sept_state(u64 tdr_pa, u64 gpa, enum tdx_sept_state state);
int tdx_emu_hold_tdr(u64 tdr_pa, bool exclusive);
void tdx_emu_release_tdr(u64 tdr_pa, bool exclusive);
int tdx_emu_hold_op_state(u64 tdr_pa, bool exclusive);
void tdx_emu_release_op_state(u64 tdr_pa, bool exclusive);
unsigned long tdx_emu_leaked_pages(void);
int tdx_emu_hold_migsc(u64 tdr_pa, unsigned int link);
void tdx_emu_release_migsc(u64 tdr_pa, unsigned int link);
int tdx_emu_exchange_mig_keys(u64 tdr_a, u64 tdr_b);
int tdx_emu_servtd_info_hash(u64 tdr_pa, u64 attr, u8 *hash);
int tdx_emu_gcm(const u8 *key, const struct tdx_migs_iv *iv, const void *aad,
		unsigned int aad_len, struct page *in, struct page *out, u8 *tag, bool encrypt);

/* The host's pending-interrupt policy for interruptible leaves. */
enum tdx_emu_intr_mode {
	TDX_EMU_INTR_NEVER,
	TDX_EMU_INTR_EVERY,	/* pending at every k-th poll */
	TDX_EMU_INTR_RANDOM,	/* pending with probability 1/k, seeded */
};

void tdx_emu_set_intr_policy(enum tdx_emu_intr_mode mode, u32 k, u64 seed);
void tdx_emu_set_intr_policy_sig(enum tdx_emu_intr_mode mode, u32 k, u64 seed, int sig);
unsigned long tdx_emu_intr_count(void);

#endif /* TDX_MIG_EMU_TEST_API_H */
