// SPDX-License-Identifier: GPL-2.0
/*
 * The test backend over KVM (make BACKEND=kvm): TDs made the way a VMM
 * makes them on Linux 7.3 (Documentation/virt/kvm/x86/intel-tdx.rst), the
 * migration itself through the tdx_mig uAPI as with the emulator.
 *
 * NOT RUN: no machine this project is tested on has TDX (the test VM is
 * TCG, without VMX), so only tb_open()'s probe has run, and it skips.
 * Everything after it is written against 7.3's uAPI and never executed.
 *
 * What only a guest can do (run a guest program, read private memory or
 * vCPU registers, take an interrupt, the MigTDs' attested key exchange)
 * needs a guest payload that is not written: those calls return
 * -EOPNOTSUPP, as do the emulator's TEST-ONLY knobs, which KVM has not.
 * The payload placed at the reset vector is only a spin loop.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>
#include <linux/tdx_mig.h>
#include <linux/tdx_mig_emu.h>

#include "test_backend.h"

#define PAGE			4096UL
#define TB_MAX_VCPUS		TDX_MIG_EMU_MAX_VCPUS
#define TB_MAX_FDS		1024
/* TD ATTRIBUTES.MIGRATABLE (TDX ABI). */
#define TD_ATTR_MIGRATABLE	(1ULL << 29)
/* XFAM: x87 and SSE, the least a TD has. */
#define TD_XFAM_BASE		0x3ULL
/* A TD's first instruction is at 0xfffffff0, in the page the payload fills. */
#define PAYLOAD_GPA		0xfffff000ULL
#define RESET_VECTOR_OFF	0xff0
/* GuestPhysAddrSize (CPUID 0x80000008 EAX[23:16]): a 48-bit GPAW. */
#define GUEST_PA_BITS		48
#define SPLIT_IRQCHIP_PINS	24
/* The MSI address of local APIC 0 (KVM_SIGNAL_MSI). */
#define MSI_ADDR_APIC0		0xfee00000U

enum { TD_SOURCE, TD_DESTINATION, TD_DST_EMPTY, TD_UNFINALIZED, TD_UNMIGRATABLE, TD_MIGTD };

/* What a VM fd this backend made holds besides itself. */
struct kvm_td {
	int vm;
	int gmem;
	void *shared;			/* the userspace side of slot 0 */
	uint64_t mem_bytes;
	unsigned int nr_vcpus;
	int vcpu[TB_MAX_VCPUS];
	struct kvm_run *run[TB_MAX_VCPUS];
};

static int kvm_fd = -1;
static int probe_ret = 1;	/* 1: not probed yet */
static char skip_reason[256];
static struct kvm_tdx_capabilities *caps;
static size_t run_size;
/*
 * By VM fd number. A test closes a VM fd itself; the vCPU and guest_memfd
 * fds of that TD are closed when the number comes back for a new TD. (On
 * KVM they keep the TD alive until then, unlike the emulator's VM fd.)
 */
static struct kvm_td *tds[TB_MAX_FDS];

unsigned long tb_run_eintr;

/* Keep why the probe failed ("@what: error (@why)"); -@err. */
static int reason(int err, const char *what, const char *why)
{
	snprintf(skip_reason, sizeof(skip_reason), "%s: %s%s%s%s", what, strerror(err),
		 why ? " (" : "", why ?: "", why ? ")" : "");
	return -err;
}

static int tdx_cmd(int fd, uint32_t id, uint32_t flags, uint64_t data)
{
	struct kvm_tdx_cmd cmd = { .id = id, .flags = flags, .data = data };

	return ioctl(fd, KVM_MEMORY_ENCRYPT_OP, &cmd) ? -errno : 0;
}

/* KVM_TDX_CAPABILITIES, its CPUID list grown until it fits. */
static int get_caps(int vm)
{
	uint32_t nent = 64;
	int ret;

	for (;;) {
		free(caps);
		caps = calloc(1, sizeof(*caps) + nent * sizeof(struct kvm_cpuid_entry2));
		if (!caps)
			return -ENOMEM;
		caps->cpuid.nent = nent;
		ret = tdx_cmd(vm, KVM_TDX_CAPABILITIES, 0, (uintptr_t)caps);
		if (ret != -E2BIG || nent >= 4096)
			return ret;
		nent *= 2;
	}
}

static int probe(void)
{
	struct kvm_create_device dev = {
		.type = KVM_DEV_TYPE_TDX_MIG_STREAM,
		.flags = KVM_CREATE_DEVICE_TEST,
	};
	int types, vm, ret;

	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0)
		return reason(errno, "/dev/kvm", "kvm_intel not loaded: no VMX or no TDX");
	types = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	if (types < 0 || !(types & (1 << KVM_X86_TDX_VM))) {
		snprintf(skip_reason, sizeof(skip_reason),
			 "KVM_X86_TDX_VM not supported (KVM_CAP_VM_TYPES %#x): no TDX host or kvm_intel.tdx=0",
			 types < 0 ? 0 : types);
		return -EOPNOTSUPP;
	}
	vm = ioctl(kvm_fd, KVM_CREATE_VM, KVM_X86_TDX_VM);
	if (vm < 0)
		return reason(errno, "KVM_CREATE_VM(KVM_X86_TDX_VM)", NULL);
	ret = get_caps(vm);
	if (ret) {
		close(vm);
		return reason(-ret, "KVM_TDX_CAPABILITIES", NULL);
	}
	if (ioctl(vm, KVM_CREATE_DEVICE, &dev)) {
		ret = errno;
		close(vm);
		return reason(ret, "no TDX migration stream device",
			      "the TDX Module lacks migration or the kvm-intel hooks are missing");
	}
	close(vm);
	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if ((long)run_size <= 0)
		return reason(errno, "KVM_GET_VCPU_MMAP_SIZE", NULL);
	return 0;
}

int tb_open(void)
{
	if (probe_ret > 0)
		probe_ret = probe();
	return probe_ret;
}

const char *tb_skip_reason(void)
{
	return skip_reason;
}

static void td_free(struct kvm_td *td)
{
	unsigned int v;

	for (v = 0; v < td->nr_vcpus; v++) {
		munmap(td->run[v], run_size);
		close(td->vcpu[v]);
	}
	if (td->gmem >= 0)
		close(td->gmem);
	if (td->shared)
		munmap(td->shared, td->mem_bytes);
	free(td);
}

static struct kvm_td *td_of(int vm)
{
	return vm >= 0 && vm < TB_MAX_FDS && tds[vm] && tds[vm]->vm == vm ? tds[vm] : NULL;
}

/* KVM_TDX_INIT_VM: the configurable CPUID bits the host has, a 48-bit GPAW. */
static int init_vm(struct kvm_td *td, uint64_t attributes, uint32_t flags)
{
	struct kvm_tdx_init_vm *iv;
	uint32_t i, n = caps->cpuid.nent;
	int ret;

	if (attributes & ~caps->supported_attrs)
		return -EOPNOTSUPP;
	iv = calloc(1, sizeof(*iv) + n * sizeof(struct kvm_cpuid_entry2));
	if (!iv)
		return -ENOMEM;
	iv->attributes = attributes;
	iv->xfam = TD_XFAM_BASE & caps->supported_xfam;
	iv->cpuid.nent = n;
	for (i = 0; i < n; i++) {
		struct kvm_cpuid_entry2 *e = &iv->cpuid.entries[i];
		unsigned int a, b, c, d;

		*e = caps->cpuid.entries[i];
		__cpuid_count(e->function, e->index, a, b, c, d);
		e->eax &= a;
		e->ebx &= b;
		e->ecx &= c;
		e->edx &= d;
		if (e->function == 0x80000008)
			e->eax = (e->eax & ~0xff0000U) | GUEST_PA_BITS << 16;
	}
	ret = tdx_cmd(td->vm, KVM_TDX_INIT_VM, flags, (uintptr_t)iv);
	free(iv);
	return ret;
}

/* Private memory at GPA 0 and the payload page below 4 GiB, in one guest_memfd. */
static int add_memory(struct kvm_td *td)
{
	struct kvm_create_guest_memfd gm = { .size = td->mem_bytes + PAGE };
	struct kvm_userspace_memory_region2 r = {
		.flags = KVM_MEM_GUEST_MEMFD | KVM_MEM_LOG_DIRTY_PAGES,
	};
	struct kvm_memory_attributes at = { .attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE };
	/*
	 * The migration core keeps the dirty log of slot 0 (KVM_GET_DIRTY_LOG,
	 * KVM_CLEAR_DIRTY_LOG of tdx_mig_vmm.c) with these semantics only.
	 */
	struct kvm_enable_cap manual = {
		.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
		.args = { KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET },
	};

	if (ioctl(td->vm, KVM_ENABLE_CAP, &manual))
		return -errno;
	td->gmem = ioctl(td->vm, KVM_CREATE_GUEST_MEMFD, &gm);
	if (td->gmem < 0)
		return -errno;
	td->shared = mmap(NULL, td->mem_bytes + PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (td->shared == MAP_FAILED) {
		td->shared = NULL;
		return -errno;
	}
	r.guest_memfd = td->gmem;
	r.slot = 0;
	r.memory_size = td->mem_bytes;
	r.userspace_addr = (uintptr_t)td->shared;
	if (ioctl(td->vm, KVM_SET_USER_MEMORY_REGION2, &r))
		return -errno;
	r.slot = 1;
	r.flags = KVM_MEM_GUEST_MEMFD;
	r.guest_phys_addr = PAYLOAD_GPA;
	r.memory_size = PAGE;
	r.userspace_addr = (uintptr_t)td->shared + td->mem_bytes;
	r.guest_memfd_offset = td->mem_bytes;
	if (ioctl(td->vm, KVM_SET_USER_MEMORY_REGION2, &r))
		return -errno;
	at.address = 0;
	at.size = td->mem_bytes;
	if (ioctl(td->vm, KVM_SET_MEMORY_ATTRIBUTES, &at))
		return -errno;
	at.address = PAYLOAD_GPA;
	at.size = PAGE;
	return ioctl(td->vm, KVM_SET_MEMORY_ATTRIBUTES, &at) ? -errno : 0;
}

/* KVM_CREATE_VCPU, KVM_TDX_INIT_VCPU, the CPUID the TDX Module gives it, kvm_run. */
static int add_vcpu(struct kvm_td *td)
{
	unsigned int v = td->nr_vcpus;
	struct kvm_cpuid2 *cpuid;
	uint32_t nent = 256;
	int fd, ret;

	if (v >= TB_MAX_VCPUS)
		return -EINVAL;
	fd = ioctl(td->vm, KVM_CREATE_VCPU, v);
	if (fd < 0)
		return -errno;
	td->run[v] = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (td->run[v] == MAP_FAILED) {
		ret = -errno;
		close(fd);
		return ret;
	}
	td->vcpu[v] = fd;
	td->nr_vcpus++;
	/* RCX at reset: a TD firmware's HOB list; the payload needs none. */
	ret = tdx_cmd(fd, KVM_TDX_INIT_VCPU, 0, 0);
	if (ret)
		return ret;
	cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(struct kvm_cpuid_entry2));
	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = nent;
	ret = tdx_cmd(fd, KVM_TDX_GET_CPUID, 0, (uintptr_t)cpuid);
	if (!ret && ioctl(fd, KVM_SET_CPUID2, cpuid))
		ret = -errno;
	free(cpuid);
	return ret;
}

/* The initial image: one page whose reset vector spins (jmp $). */
static int add_payload(struct kvm_td *td)
{
	struct kvm_tdx_init_mem_region mr = { .gpa = PAYLOAD_GPA, .nr_pages = 1 };
	uint8_t *page = aligned_alloc(PAGE, PAGE);
	int ret;

	if (!page)
		return -ENOMEM;
	memset(page, 0xf4, PAGE);	/* hlt: a #VE in a TD, never reached */
	page[RESET_VECTOR_OFF] = 0xeb;
	page[RESET_VECTOR_OFF + 1] = 0xfe;
	mr.source_addr = (uintptr_t)page;
	ret = tdx_cmd(td->vcpu[0], KVM_TDX_INIT_MEM_REGION, KVM_TDX_MEASURE_MEMORY_REGION,
		      (uintptr_t)&mr);
	free(page);
	return ret;
}

/* A TD of at most @nr_vcpus vCPUs, all created unless @kind is TD_DST_EMPTY. */
static int td_create(uint64_t mem_bytes, unsigned int nr_vcpus, int kind)
{
	bool dst = kind == TD_DESTINATION || kind == TD_DST_EMPTY;
	uint64_t attrs = kind == TD_SOURCE || kind == TD_UNFINALIZED ? TD_ATTR_MIGRATABLE : 0;
	struct kvm_enable_cap irq = {
		.cap = KVM_CAP_SPLIT_IRQCHIP,
		.args[0] = SPLIT_IRQCHIP_PINS,
	};
	struct kvm_enable_cap max = { .cap = KVM_CAP_MAX_VCPUS, .args[0] = nr_vcpus };
	struct kvm_td *td;
	unsigned int v;
	int ret;

	ret = tb_open();
	if (ret)
		return ret;
	if (!mem_bytes || mem_bytes % PAGE || mem_bytes > PAYLOAD_GPA || !nr_vcpus ||
	    nr_vcpus > TB_MAX_VCPUS)
		return -EINVAL;
	td = calloc(1, sizeof(*td));
	if (!td)
		return -ENOMEM;
	td->gmem = -1;
	td->mem_bytes = mem_bytes;
	td->vm = ioctl(kvm_fd, KVM_CREATE_VM, KVM_X86_TDX_VM);
	if (td->vm < 0) {
		ret = -errno;
		free(td);
		return ret;
	}
	if (td->vm >= TB_MAX_FDS) {
		ret = -EMFILE;
		goto fail;
	}
	/* Before KVM_TDX_INIT_VM: TD_PARAMS takes MAX_VCPUS from it. */
	ret = ioctl(td->vm, KVM_ENABLE_CAP, &irq) || ioctl(td->vm, KVM_ENABLE_CAP, &max) ?
	      -errno : 0;
	/*
	 * A destination: KVM_TDX_INIT_VM with KVM_TDX_INIT_VM_F_POST_INIT (the
	 * kvm-intel hooks are to skip TDH.MNG.INIT: its state is imported), no
	 * initial image and no KVM_TDX_FINALIZE_VM. Its vCPUs get
	 * KVM_TDX_INIT_VCPU too, which the hooks are to make skip TDH.VP.INIT
	 * (IMPORT_STATE_VP does it).
	 */
	ret = ret ?: init_vm(td, attrs, dst ? KVM_TDX_INIT_VM_F_POST_INIT : 0) ?:
	      add_memory(td);
	for (v = 0; !ret && kind != TD_DST_EMPTY && v < nr_vcpus; v++)
		ret = add_vcpu(td);
	if (!ret && !dst)
		ret = add_payload(td);
	if (!ret && !dst && kind != TD_UNFINALIZED)
		ret = tdx_cmd(td->vm, KVM_TDX_FINALIZE_VM, 0, 0);
	if (ret)
		goto fail;
	if (tds[td->vm])
		td_free(tds[td->vm]);	/* a closed VM fd's number, come back */
	tds[td->vm] = td;
	return td->vm;
fail:
	close(td->vm);
	td_free(td);
	return ret;
}

int tb_create_dst_without_vcpus(uint64_t mem_bytes, unsigned int nr_vcpus)
{
	return td_create(mem_bytes, nr_vcpus, TD_DST_EMPTY);
}

/*
 * The emulator's source has all its private memory accepted but every
 * @pending_every-th page; here the guest accepts (TDH.MEM.PAGE.AUG on its
 * first access) what it touches, and no payload leaves pages PENDING.
 */
int tb_create_td(uint64_t mem_bytes, unsigned int nr_vcpus, bool destination,
		 unsigned int pending_every)
{
	if (pending_every)
		return -EOPNOTSUPP;
	return td_create(mem_bytes, nr_vcpus, destination ? TD_DESTINATION : TD_SOURCE);
}

/* On KVM this is fallocate() on the destination's guest_memfd, not done here. */
int tb_create_dst_prealloc(uint64_t mem_bytes, unsigned int nr_vcpus)
{
	return -EOPNOTSUPP;
}

/*
 * A MigTD is a TD its VMM binds user TDs to (the tests bind it through the
 * tdx_mig uAPI). Its shared memory is not mapped through the VM fd as the
 * emulator's is: migtd_init()'s mmap of a KVM VM fd fails.
 */
int tb_create_migtd(void)
{
	return td_create(2UL << 20, 1, TD_MIGTD);
}

int tb_create_unfinalized(uint64_t mem_bytes, unsigned int nr_vcpus)
{
	return td_create(mem_bytes, nr_vcpus, TD_UNFINALIZED);
}

int tb_create_unmigratable(uint64_t mem_bytes, unsigned int nr_vcpus)
{
	return td_create(mem_bytes, nr_vcpus, TD_UNMIGRATABLE);
}

/* SERVTD_INFO_HASH: SHA-384 of the MigTD's TDINFO, computed from its image. */
int tb_servtd_hash(int migtd_vm, uint64_t attr, uint8_t hash[48])
{
	return -EOPNOTSUPP;
}

/* The two MigTDs' attested key exchange: their payloads, over their own channel. */
int tb_exchange_keys(int src_vm, int dst_vm)
{
	return -EOPNOTSUPP;
}

int tb_exchange_keys_as_is(int src_vm, int dst_vm)
{
	return -EOPNOTSUPP;
}

/* The emulator's TEST-ONLY knobs: KVM and the TDX Module have none. */
int tb_test_keys(int on)
{
	return -EOPNOTSUPP;
}

int tb_skip_kicks(int on)
{
	return -EOPNOTSUPP;
}

/* The emulated TDX Module's fault injection: no KVM counterpart. */
int tb_busy_commit(int on)
{
	return -EOPNOTSUPP;
}

int tb_set_intr(unsigned int mode, unsigned int k, uint64_t seed)
{
	return -EOPNOTSUPP;
}

/*
 * A payload would read @r's ops from shared memory and execute them
 * (stores, TDG.MEM.PAGE.ACCEPT, TDCALLs), with KVM_RUN re-entered on each
 * exit it does not end on.
 */
int tb_vcpu_run(int vm, struct tdx_mig_emu_run *r)
{
	return td_of(vm) ? -EOPNOTSUPP : -EBADF;
}

/* A vCPU thread sleeps in KVM_RUN on its vCPU fd while the vCPU halts. */
int tb_run_ioctl(int vm, unsigned int vcpu, int *fd, unsigned long *req)
{
	struct kvm_td *td = td_of(vm);

	if (!td)
		return -EBADF;
	if (vcpu >= td->nr_vcpus)
		return -EINVAL;
	*fd = td->vcpu[vcpu];
	*req = KVM_RUN;
	return 0;
}

/* A TD's registers are the TDX Module's: a payload would store them in shared memory. */
int tb_vcpu_state(int vm, struct tdx_mig_emu_vcpu_state *st)
{
	return td_of(vm) ? -EOPNOTSUPP : -EBADF;
}

/* Private memory is the guest's: a payload would copy it to shared memory. */
int tb_read_mem(int vm, uint64_t gpa, void *buf, uint64_t len)
{
	return td_of(vm) ? -EOPNOTSUPP : -EBADF;
}

/* Fixed delivery to APIC 0, as a VMM injects a device's interrupt. */
int tb_interrupt(int vm, unsigned int vector)
{
	struct kvm_msi msi = { .address_lo = MSI_ADDR_APIC0, .data = vector };
	int ret;

	if (!td_of(vm))
		return -EBADF;
	if (vector < 32 || vector > 255)
		return -EINVAL;
	ret = ioctl(vm, KVM_SIGNAL_MSI, &msi);
	if (ret < 0)
		return -errno;
	return ret ? 0 : -EIO;	/* 0: the interrupt went nowhere */
}

/* Only the guest takes it: a payload's handler would write the vector to shared memory. */
int tb_wait_intr(int vm, unsigned int timeout_ms)
{
	return td_of(vm) ? -EOPNOTSUPP : -EBADF;
}

/* A payload would store @value + i at each GFN (after TDG.MEM.PAGE.ACCEPT). */
int tb_guest_write(int vm, unsigned int vcpu, const uint64_t *gfns, unsigned int n,
		   uint64_t value, uint64_t *write_faults)
{
	return td_of(vm) ? -EOPNOTSUPP : -EBADF;
}

/* A payload would hash its private memory and put the hash in shared memory. */
/* A payload would load from each page and report KVM_EXIT_MEMORY_FAULT's GPA. */
/*
 * Not written: the shared memslot (its own GFNs, KVM_MEM_LOG_DIRTY_PAGES,
 * memory a second mapping can reach) and a payload that writes it.
 */
int tb_shared_map(int vm, uint32_t pages, void **mem)
{
	return td_of(vm) ? -EOPNOTSUPP : -EBADF;
}

uint64_t tb_shared_gpa(void)
{
	return 0;
}

uint32_t tb_shared_slot(void)
{
	return 2;
}

int tb_guest_write_shared(int vm, unsigned int vcpu, const uint64_t *pages, unsigned int n,
			  uint64_t value)
{
	return td_of(vm) ? -EOPNOTSUPP : -EBADF;
}

int tb_guest_read(int vm, unsigned int vcpu, const uint64_t *gfns, unsigned int n,
		  int (*fetch)(void *opaque, uint64_t gfn), void *opaque, uint64_t *fetched)
{
	return -EOPNOTSUPP;
}

int tb_mem_hash(int vm, uint64_t bytes, uint64_t *hash)
{
	return td_of(vm) ? -EOPNOTSUPP : -EBADF;
}

/* A payload would hash its GPRs, RIP and RFLAGS as backend_emu.c does. */
int tb_vcpu_hash(int vm, unsigned int vcpu, uint64_t *hash)
{
	return td_of(vm) ? -EOPNOTSUPP : -EBADF;
}
