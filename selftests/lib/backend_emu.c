// SPDX-License-Identifier: GPL-2.0
/* The test backend over the emulated host platform (/dev/tdx_mig_emu). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/tdx_mig_emu.h>

#include "test_backend.h"

#define TB_CHUNK	(1UL << 20)
#define TEST_KEYS_PARAM	"/sys/module/tdx_mig_emu/parameters/test_keys"
#define SKIP_KICKS_PARAM "/sys/module/tdx_mig_emu/parameters/skip_kicks"
#define BUSY_COMMIT_PARAM "/sys/module/tdx_mig_emu/parameters/busy_commit"
#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

static int dev_fd = -1;
static char skip_reason[128];

int tb_open(void)
{
	if (dev_fd >= 0)
		return 0;
	dev_fd = open(TDX_MIG_EMU_DEVICE, O_RDWR | O_CLOEXEC);
	if (dev_fd >= 0)
		return 0;
	snprintf(skip_reason, sizeof(skip_reason), "%s: %s (tdx_mig_emu not loaded)",
		 TDX_MIG_EMU_DEVICE, strerror(errno));
	return -errno;
}

const char *tb_skip_reason(void)
{
	return skip_reason;
}

static int create_vm(uint64_t mem_bytes, unsigned int nr_vcpus, uint32_t flags,
		     unsigned int pending_every, unsigned int shared_pages)
{
	struct tdx_mig_emu_vm_config cfg = {
		.mem_bytes = mem_bytes,
		.nr_vcpus = nr_vcpus,
		.flags = flags,
		.pending_every = pending_every,
		.shared_pages = shared_pages,
	};
	int fd;

	if (tb_open())
		return -ENODEV;
	fd = ioctl(dev_fd, TDX_MIG_EMU_CREATE_VM, &cfg);
	return fd < 0 ? -errno : fd;
}

int tb_create_dst_without_vcpus(uint64_t mem_bytes, unsigned int nr_vcpus)
{
	return create_vm(mem_bytes, nr_vcpus, TDX_MIG_EMU_VM_DESTINATION, 0,
			 TB_TD_SHARED_PAGES);
}

/* A destination (@flags: DESTINATION and maybe PREALLOC) with its vCPUs. */
static int create_dst(uint64_t mem_bytes, unsigned int nr_vcpus, uint32_t flags)
{
	unsigned int v;
	int fd;

	/* As Intel's QEMU: the vCPUs exist before the import fills them. */
	fd = create_vm(mem_bytes, nr_vcpus, flags, 0, TB_TD_SHARED_PAGES);
	for (v = 0; fd >= 0 && v < nr_vcpus; v++) {
		if (ioctl(fd, KVM_CREATE_VCPU, v)) {
			v = errno;
			close(fd);
			return -v;
		}
	}
	return fd;
}

int tb_create_td(uint64_t mem_bytes, unsigned int nr_vcpus, bool destination,
		 unsigned int pending_every)
{
	if (!destination)
		return create_vm(mem_bytes, nr_vcpus, TDX_MIG_EMU_VM_MIGRATABLE, pending_every,
				 TB_TD_SHARED_PAGES);
	return create_dst(mem_bytes, nr_vcpus, TDX_MIG_EMU_VM_DESTINATION);
}

int tb_create_dst_prealloc(uint64_t mem_bytes, unsigned int nr_vcpus)
{
	return create_dst(mem_bytes, nr_vcpus,
			  TDX_MIG_EMU_VM_DESTINATION | TDX_MIG_EMU_VM_PREALLOC);
}

int tb_create_migtd(void)
{
	return create_vm(2UL << 20, 1, TDX_MIG_EMU_VM_MIGTD, 0, TB_MIGTD_SHARED_PAGES);
}

int tb_create_unfinalized(uint64_t mem_bytes, unsigned int nr_vcpus)
{
	return create_vm(mem_bytes, nr_vcpus,
			 TDX_MIG_EMU_VM_UNFINALIZED | TDX_MIG_EMU_VM_MIGRATABLE, 0,
			 TB_TD_SHARED_PAGES);
}

int tb_create_unmigratable(uint64_t mem_bytes, unsigned int nr_vcpus)
{
	return create_vm(mem_bytes, nr_vcpus, 0, 0, TB_TD_SHARED_PAGES);
}

/* The emulated platform maps a VM's shared memory with mmap of its fd. */
int tb_shared_map(int vm, uint32_t pages, void **mem)
{
	void *p = mmap(NULL, pages * 4096UL, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);

	if (p == MAP_FAILED)
		return -errno;
	*mem = p;
	return 0;
}

uint64_t tb_shared_gpa(void)
{
	return TDX_MIG_EMU_SHARED_GPA;
}

uint32_t tb_shared_slot(void)
{
	return TDX_MIG_EMU_SHARED_SLOT;
}

/* A guest program of @n steps (1 .. TDX_MIG_EMU_MAX_OPS), zeroed; NULL if not. */
static struct tdx_mig_emu_op *guest_ops(unsigned int n)
{
	return n && n <= TDX_MIG_EMU_MAX_OPS ? calloc(n, sizeof(struct tdx_mig_emu_op)) : NULL;
}

int tb_guest_write_shared(int vm, unsigned int vcpu, const uint64_t *pages, unsigned int n,
			  uint64_t value)
{
	struct tdx_mig_emu_op *ops = guest_ops(n);
	struct tdx_mig_emu_run r = { .vcpu = vcpu, .ops = (uintptr_t)ops, .nr_ops = n };
	unsigned int i;
	int ret;

	if (!ops)
		return -EINVAL;
	for (i = 0; i < n; i++)
		ops[i] = (struct tdx_mig_emu_op){ .type = TDX_MIG_EMU_OP_WRITE,
						  .gpa = TDX_MIG_EMU_SHARED_GPA + pages[i] * 4096 +
							 8 * (vcpu % 512),
						  .value = value + i };
	ret = tb_vcpu_run(vm, &r);
	free(ops);
	return ret;
}

int tb_servtd_hash(int migtd_vm, uint64_t attr, uint8_t hash[48])
{
	struct tdx_mig_emu_servtd_hash h = { .attr = attr };

	if (ioctl(migtd_vm, TDX_MIG_EMU_SERVTD_HASH, &h))
		return -errno;
	memcpy(hash, h.hash, sizeof(h.hash));
	return 0;
}

/* A boolean module parameter: set to @on unless it is -1; the old value. */
static int bool_param(const char *path, int on)
{
	char old = 'N';
	int fd = open(path, O_RDWR | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (read(fd, &old, 1) != 1 ||
	    (on >= 0 && pwrite(fd, on ? "Y\n" : "N\n", 2, 0) != 2))
		ret = -EIO;
	close(fd);
	return ret ? ret : old == 'Y';
}

int tb_test_keys(int on)
{
	return bool_param(TEST_KEYS_PARAM, on);
}

int tb_skip_kicks(int on)
{
	return bool_param(SKIP_KICKS_PARAM, on);
}

int tb_busy_commit(int on)
{
	return bool_param(BUSY_COMMIT_PARAM, on);
}

int tb_exchange_keys_as_is(int src_vm, int dst_vm)
{
	return ioctl(src_vm, TDX_MIG_EMU_EXCHANGE_KEYS, dst_vm) ? -errno : 0;
}

int tb_exchange_keys(int src_vm, int dst_vm)
{
	int old = tb_test_keys(1), ret;

	if (old < 0)
		return old;
	ret = tb_exchange_keys_as_is(src_vm, dst_vm);
	if (tb_test_keys(old) < 0 && !ret)
		ret = -EIO;
	return ret;
}

unsigned long tb_run_eintr;

int tb_vcpu_run(int vm, struct tdx_mig_emu_run *r)
{
	uint64_t entries = 0, write_faults = 0;
	int ret;

	for (;;) {
		ret = ioctl(vm, TDX_MIG_EMU_RUN, r) ? -errno : 0;
		entries += r->entries;
		write_faults += r->write_faults;
		if (ret != -EINTR)
			break;
		__atomic_add_fetch(&tb_run_eintr, 1, __ATOMIC_RELAXED);
		r->nr_ops = 0;	/* as KVM_RUN again: the program goes on */
	}
	r->entries = entries;
	r->write_faults = write_faults;
	return ret;
}

int tb_run_ioctl(int vm, unsigned int vcpu, int *fd, unsigned long *req)
{
	*fd = vm;
	*req = TDX_MIG_EMU_RUN;
	return 0;
}

int tb_vcpu_state(int vm, struct tdx_mig_emu_vcpu_state *st)
{
	return ioctl(vm, TDX_MIG_EMU_GET_VCPU, st) ? -errno : 0;
}

int tb_read_mem(int vm, uint64_t gpa, void *buf, uint64_t len)
{
	struct tdx_mig_emu_mem m = { .gpa = gpa, .len = len, .buf = (uintptr_t)buf };

	return ioctl(vm, TDX_MIG_EMU_READ_MEM, &m) ? -errno : 0;
}

int tb_interrupt(int vm, unsigned int vector)
{
	return ioctl(vm, TDX_MIG_EMU_INTERRUPT, vector) ? -errno : 0;
}

int tb_wait_intr(int vm, unsigned int timeout_ms)
{
	int v = ioctl(vm, TDX_MIG_EMU_WAIT_INTR, timeout_ms);

	return v < 0 ? -errno : v;
}

int tb_guest_write(int vm, unsigned int vcpu, const uint64_t *gfns, unsigned int n,
		   uint64_t value, uint64_t *write_faults)
{
	struct tdx_mig_emu_op *ops = calloc(2 * n + 1, sizeof(*ops));
	struct tdx_mig_emu_run r = { .vcpu = vcpu, .ops = (uintptr_t)ops };
	unsigned int i;
	int ret;

	if (!ops || 2 * n + 1 > TDX_MIG_EMU_MAX_OPS) {
		free(ops);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		uint64_t gpa = gfns[i] * 4096;

		ops[r.nr_ops++] = (struct tdx_mig_emu_op){ .type = TDX_MIG_EMU_OP_ACCEPT,
							   .gpa = gpa };
		ops[r.nr_ops++] = (struct tdx_mig_emu_op){ .type = TDX_MIG_EMU_OP_WRITE,
							   .gpa = gpa + 8 * (vcpu % 512),
							   .value = value + i };
	}
	ops[r.nr_ops++] = (struct tdx_mig_emu_op){ .type = TDX_MIG_EMU_OP_SET_REG, .reg = 3,
						   .value = value };
	ret = tb_vcpu_run(vm, &r);
	if (write_faults)
		*write_faults += r.write_faults;
	free(ops);
	return ret;
}

int tb_guest_read(int vm, unsigned int vcpu, const uint64_t *gfns, unsigned int n,
		  int (*fetch)(void *opaque, uint64_t gfn), void *opaque, uint64_t *fetched)
{
	struct tdx_mig_emu_op *ops = n <= TDX_MIG_EMU_MAX_OPS / 2 ? guest_ops(2 * n) : NULL;
	struct tdx_mig_emu_run r = { .vcpu = vcpu, .ops = (uintptr_t)ops, .nr_ops = 2 * n };
	uint64_t fetched_gpa = ~0ULL;
	unsigned int i;
	int ret;

	if (!ops)
		return -EINVAL;
	/* As a TD guest does, each page is accepted before its first use. */
	for (i = 0; i < n; i++) {
		ops[2 * i] = (struct tdx_mig_emu_op){ .type = TDX_MIG_EMU_OP_ACCEPT,
						      .gpa = gfns[i] * 4096 };
		ops[2 * i + 1] = (struct tdx_mig_emu_op){ .type = TDX_MIG_EMU_OP_READ,
							  .gpa = gfns[i] * 4096 };
	}
	for (;;) {
		ret = tb_vcpu_run(vm, &r);
		if (ret != -EFAULT || !fetch || r.exit_reason != TDX_MIG_EMU_EXIT_MEMORY_FAULT ||
		    !(r.memory_fault.flags & KVM_MEMORY_EXIT_FLAG_PRIVATE))
			break;
		/*
		 * The page a fetch just brought faults again: fetching cannot
		 * help (the VMM holds it for arrived), so say so, never loop.
		 */
		if (r.memory_fault.gpa == fetched_gpa) {
			fprintf(stderr, "# vCPU %u: GFN %#llx faults again after its fetch\n",
				vcpu, (unsigned long long)fetched_gpa / 4096);
			ret = -EIO;
			break;
		}
		ret = fetch(opaque, r.memory_fault.gpa / 4096);
		if (ret)
			break;
		fetched_gpa = r.memory_fault.gpa;
		if (fetched)
			(*fetched)++;
		r.nr_ops = 0;	/* as KVM_RUN again: the program goes on */
	}
	free(ops);
	return ret;
}

static uint64_t fnv(uint64_t h, const void *p, size_t words)
{
	const uint64_t *q = p;
	size_t i;

	for (i = 0; i < words; i++)
		h = (h ^ q[i]) * FNV_PRIME;
	return h;
}

int tb_mem_hash(int vm, uint64_t bytes, uint64_t *hash)
{
	uint64_t *buf = malloc(TB_CHUNK), off, h = FNV_OFFSET;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	for (off = 0; off < bytes && !ret; off += TB_CHUNK) {
		uint64_t len = bytes - off < TB_CHUNK ? bytes - off : TB_CHUNK;

		ret = tb_read_mem(vm, off, buf, len);
		if (!ret)
			h = fnv(h, buf, len / 8);
	}
	free(buf);
	*hash = h;
	return ret;
}

int tb_vcpu_hash(int vm, unsigned int vcpu, uint64_t *hash)
{
	struct tdx_mig_emu_vcpu_state st = { .vcpu = vcpu };
	int ret = tb_vcpu_state(vm, &st);

	if (ret)
		return ret;
	*hash = fnv(FNV_OFFSET, st.gpr, 16);
	*hash = fnv(*hash, &st.rip, 1);
	*hash = fnv(*hash, &st.rflags, 1);
	return 0;
}

int tb_set_intr(unsigned int mode, unsigned int k, uint64_t seed)
{
	struct tdx_mig_emu_intr in = { .mode = mode, .k = k, .seed = seed };

	if (tb_open())
		return -ENODEV;
	return ioctl(dev_fd, TDX_MIG_EMU_SET_INTR, &in) ? -errno : 0;
}
