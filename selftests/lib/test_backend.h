/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one interface through which tests look into a guest or play its
 * part: create TDs, run guest writes, hash private memory and vCPU state,
 * install migration keys. Real TDX lets no host do any of this; on
 * hardware a guest payload would. backend_emu.c implements it with the
 * emulated host platform's TEST-ONLY calls, backend_kvm.c with KVM
 * (make BACKEND=kvm). struct tdx_mig_emu_run and its ops describe what the
 * guest does in a run, whatever the backend.
 */
#ifndef TDX_MIG_TEST_BACKEND_H
#define TDX_MIG_TEST_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Is the backend there? 0, or -errno (tests then skip). */
int tb_open(void);
/* Why tb_open() failed, for the SKIP message ("" if it did not). */
const char *tb_skip_reason(void);
/* A destination whose VMM created no vCPU yet (KVM_CREATE_VCPU makes them). */
int tb_create_dst_without_vcpus(uint64_t mem_bytes, unsigned int nr_vcpus);
/*
 * A source TD (built, finalized, migratable) or an empty destination with
 * its @nr_vcpus vCPUs created: its VM fd.
 */
int tb_create_td(uint64_t mem_bytes, unsigned int nr_vcpus, bool destination,
		 unsigned int pending_every);
/*
 * The same destination with its private memory allocated now, as a VMM
 * that preallocates guest memory before the migration (make bench);
 * -EOPNOTSUPP where the backend does not.
 */
int tb_create_dst_prealloc(uint64_t mem_bytes, unsigned int nr_vcpus);
/*
 * A Migration TD (with TB_MIGTD_SHARED_PAGES of shared memory, mmap of its
 * fd), or a source left unfinalized (for an initial binding): its VM fd.
 */
#define TB_MIGTD_SHARED_PAGES	64
int tb_create_migtd(void);
int tb_create_unfinalized(uint64_t mem_bytes, unsigned int nr_vcpus);
/*
 * Every TD but a MigTD has TB_TD_SHARED_PAGES pages of shared memory, the
 * VMM's: tb_shared_map() maps it (0 or -errno), at the GPA and in the
 * dirty-log memslot tb_shared_gpa() and tb_shared_slot() say.
 */
#define TB_TD_SHARED_PAGES	64
int tb_shared_map(int vm, uint32_t pages, void **mem);
uint64_t tb_shared_gpa(void);
uint32_t tb_shared_slot(void);
/* vCPU @vcpu writes @value + i to shared page @pages[i] (no ACCEPT: it is shared). */
int tb_guest_write_shared(int vm, unsigned int vcpu, const uint64_t *pages, unsigned int n,
			  uint64_t value);
/*
 * Give migration @m its TDs' shared memory (mig_set_shared()): 0, or
 * -errno; nothing on a backend without shared memory.
 */
struct mig;
int tb_mig_shared(struct mig *m);
/* mig_open() of two TDs of this backend, their shared memory included. */
int tb_mig_open(struct mig *m, int src_vm, int dst_vm, uint64_t npages, unsigned int nr_vcpus,
		unsigned int nstreams, uint32_t buf_pages);
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
/* The same call with test_keys left as it is (refused, -EPERM, while off). */
int tb_exchange_keys_as_is(int src_vm, int dst_vm);
/* The test_keys parameter: 0 or 1 to set it, -1 to leave it; the old value. */
int tb_test_keys(int on);
/* TEST-ONLY: TLB tracking kicks no vCPU (@on 1), as tb_test_keys(). */
int tb_skip_kicks(int on);
/* TEST-ONLY: TDH.IMPORT.COMMIT finds its TDR busy (@on 1), as tb_test_keys(). */
int tb_busy_commit(int on);
/*
 * A source TD and a destination for it, their migration keys exchanged:
 * 0 with both VM fds, or -errno with neither open.
 */
int tb_create_pair(uint64_t mem_bytes, unsigned int nr_vcpus, int *src, int *dst);
/* A TD's memory hash and each of its @nr_vcpus vCPUs': 0 or -errno. */
int tb_td_hashes(int vm, uint64_t bytes, unsigned int nr_vcpus, uint64_t *mem, uint64_t *vcpu);
/* 0 if the TD still has the hashes tb_td_hashes() gave, -EBADMSG if not, or -errno. */
int tb_td_unchanged(int vm, uint64_t bytes, unsigned int nr_vcpus, uint64_t mem,
		    const uint64_t *vcpu);
/*
 * @src migrated whole (pre-copy, one stream of @buf_pages) to the new
 * destination TD @dst and compared with it: 0, -EBADMSG if they differ,
 * or -errno.
 */
int tb_migrate_to(int src, int dst, uint64_t bytes, unsigned int nr_vcpus,
		  unsigned int buf_pages);
/* tb_migrate_to() a destination made for it, which then goes. */
int tb_migrate_to_new(int src, uint64_t bytes, unsigned int nr_vcpus, unsigned int buf_pages);
/*
 * A TD bound to the Migration TD whose VMM is @migtd: a source (bound while
 * being built, then finalized) or an empty destination. With @hash (its
 * SERVTD_INFO_HASH, 48 bytes) pre-bound first, as before the MigTD runs
 * (a source is then finalized before the binding). Its VM fd, or -errno
 * with a refused binding's TDX status in *@status.
 */
int tb_create_bound(uint64_t mem_bytes, unsigned int nr_vcpus, bool destination, pid_t migtd,
		    const uint8_t *hash, uint64_t *status);
/*
 * Run the guest program @r describes on vCPU @r->vcpu (TDX_MIG_EMU_RUN on
 * the emulated platform), run again (with no ops: the program goes on)
 * after each EINTR, as a VMM re-enters KVM_RUN; counts in @entries and @write_faults
 * add up over the runs. 0 or -errno (-EFAULT: see r->memory_fault).
 */
struct tdx_mig_emu_run;
int tb_vcpu_run(int vm, struct tdx_mig_emu_run *r);
/* EINTRs tb_vcpu_run() saw, in all threads (read with __atomic builtins). */
extern unsigned long tb_run_eintr;
/*
 * The ioctl (its fd and request) a thread running vCPU @vcpu of @vm sleeps
 * in when the vCPU halts, as /proc/<tid>/syscall shows it: 0 or -errno.
 */
int tb_run_ioctl(int vm, unsigned int vcpu, int *fd, unsigned long *req);
/* The registers of vCPU @st->vcpu: 0, -EBUSY while it is in the TD, -errno. */
struct tdx_mig_emu_vcpu_state;
int tb_vcpu_state(int vm, struct tdx_mig_emu_vcpu_state *st);
/* Read @len bytes (a page multiple) of private memory at @gpa (page aligned). */
int tb_read_mem(int vm, uint64_t gpa, void *buf, uint64_t len);
/* The VMM injects interrupt @vector (32-255) into the TD: 0 or -errno. */
int tb_interrupt(int vm, unsigned int vector);
/*
 * The TD takes a posted interrupt: its vector, or -ETIMEDOUT after
 * @timeout_ms (0: no timeout), -EINTR, -errno.
 */
int tb_wait_intr(int vm, unsigned int timeout_ms);
/* vCPU @vcpu writes @value to each of @n GFNs (accepting them first), and sets RBX. */
int tb_guest_write(int vm, unsigned int vcpu, const uint64_t *gfns, unsigned int n,
		   uint64_t value, uint64_t *write_faults);
/*
 * vCPU @vcpu accepts and reads each of the @n GFNs (a guest touching its
 * memory). On a destination in post-copy a page still at the source exits
 * (KVM's memory fault); @fetch(@opaque, gfn) brings it, counted in *@fetched,
 * and the vCPU goes on. Without @fetch such an exit is -EFAULT; a page that
 * faults again right after its fetch is -EIO. 0 or -errno.
 */
int tb_guest_read(int vm, unsigned int vcpu, const uint64_t *gfns, unsigned int n,
		  int (*fetch)(void *opaque, uint64_t gfn), void *opaque, uint64_t *fetched);
/* A hash of the first @bytes of private memory, and of a vCPU's registers. */
int tb_mem_hash(int vm, uint64_t bytes, uint64_t *hash);
int tb_vcpu_hash(int vm, unsigned int vcpu, uint64_t *hash);
/* The emulated TDX Module's interrupts: 0 never, 1 every k-th poll, 2 random. */
int tb_set_intr(unsigned int mode, unsigned int k, uint64_t seed);

#endif /* TDX_MIG_TEST_BACKEND_H */
