/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one interface through which tests look into a guest or play its
 * part: create TDs, run guest writes, hash private memory and vCPU state,
 * install migration keys. Real TDX lets no host do any of this; on
 * hardware a guest payload would. This implementation (backend_emu.c)
 * uses the emulated host platform's TEST-ONLY calls.
 */
#ifndef TDX_MIG_TEST_BACKEND_H
#define TDX_MIG_TEST_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

/* Is the backend there? 0, or -errno (tests then skip). */
int tb_open(void);
/* A destination whose VMM created no vCPU yet (KVM_CREATE_VCPU makes them). */
int tb_create_dst_without_vcpus(uint64_t mem_bytes, unsigned int nr_vcpus);
/*
 * A source TD (built, finalized, migratable) or an empty destination with
 * its @nr_vcpus vCPUs created: its VM fd.
 */
int tb_create_td(uint64_t mem_bytes, unsigned int nr_vcpus, bool destination,
		 unsigned int pending_every);
/*
 * A Migration TD (with TB_MIGTD_SHARED_PAGES of shared memory, mmap of its
 * fd), or a source left unfinalized (for an initial binding): its VM fd.
 */
#define TB_MIGTD_SHARED_PAGES	64
int tb_create_migtd(void);
int tb_create_unfinalized(uint64_t mem_bytes, unsigned int nr_vcpus);
/* A built, finalized TD its VMM did not ask to be MIGRATABLE. */
int tb_create_unmigratable(uint64_t mem_bytes, unsigned int nr_vcpus);
/* The SERVTD_INFO_HASH of a MigTD for SERVTD_ATTR @attr (from its image, on hardware). */
int tb_servtd_hash(int migtd_vm, uint64_t attr, uint8_t hash[48]);
/*
 * What two Migration TDs would do after attesting each other, as one
 * TEST-ONLY call; it turns the emulator's test_keys parameter on for the
 * call and back after. Tests of the migration core use it; the MigTD flow
 * is tested without it.
 */
int tb_exchange_keys(int src_vm, int dst_vm);
/* The test_keys parameter: 0 or 1 to set it, -1 to leave it; the old value. */
int tb_test_keys(int on);
/* TEST-ONLY: TLB tracking kicks no vCPU (@on 1), as tb_test_keys(). */
int tb_skip_kicks(int on);
/* vCPU @vcpu writes @value to each of @n GFNs (accepting them first), and sets RBX. */
/*
 * A source TD and a destination for it, their migration keys exchanged:
 * 0 with both VM fds, or -errno with neither open.
 */
int tb_create_pair(uint64_t mem_bytes, unsigned int nr_vcpus, int *src, int *dst);
/*
 * TDX_MIG_EMU_RUN, run again (with no ops: the program goes on) after each
 * EINTR, as a VMM re-enters KVM_RUN; counts in @entries and @write_faults
 * add up over the runs. 0 or -errno (-EFAULT: see r->memory_fault).
 */
struct tdx_mig_emu_run;
int tb_vcpu_run(int vm, struct tdx_mig_emu_run *r);
/* EINTRs tb_vcpu_run() saw, in all threads (read with __atomic builtins). */
extern unsigned long tb_run_eintr;
int tb_guest_write(int vm, unsigned int vcpu, const uint64_t *gfns, unsigned int n,
		   uint64_t value, uint64_t *write_faults);
/* A hash of the first @bytes of private memory, and of a vCPU's registers. */
int tb_mem_hash(int vm, uint64_t bytes, uint64_t *hash);
int tb_vcpu_hash(int vm, unsigned int vcpu, uint64_t *hash);
/* The emulated TDX Module's interrupts: 0 never, 1 every k-th poll, 2 random. */
int tb_set_intr(unsigned int mode, unsigned int k, uint64_t seed);

#endif /* TDX_MIG_TEST_BACKEND_H */
