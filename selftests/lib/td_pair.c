// SPDX-License-Identifier: GPL-2.0
/* What every test backend builds the same way from the others' calls. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "guest_writer.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

int tb_create_pair(uint64_t mem_bytes, unsigned int nr_vcpus, int *src, int *dst)
{
	int ret;

	*src = tb_create_td(mem_bytes, nr_vcpus, false, 0);
	if (*src < 0)
		return *src;
	*dst = tb_create_td(mem_bytes, nr_vcpus, true, 0);
	ret = *dst < 0 ? *dst : tb_exchange_keys(*src, *dst);
	if (ret) {
		close(*src);
		if (*dst >= 0)
			close(*dst);
		*src = -1;
		*dst = -1;
	}
	return ret;
}

int tb_td_hashes(int vm, uint64_t bytes, unsigned int nr_vcpus, uint64_t *mem, uint64_t *vcpu)
{
	unsigned int v;
	int ret = tb_mem_hash(vm, bytes, mem);

	for (v = 0; !ret && v < nr_vcpus; v++)
		ret = tb_vcpu_hash(vm, v, &vcpu[v]);
	return ret;
}

int tb_td_unchanged(int vm, uint64_t bytes, unsigned int nr_vcpus, uint64_t mem,
		    const uint64_t *vcpu)
{
	uint64_t now_mem, now_vcpu[nr_vcpus];
	int ret = tb_td_hashes(vm, bytes, nr_vcpus, &now_mem, now_vcpu);

	if (ret)
		return ret;
	if (now_mem != mem || memcmp(now_vcpu, vcpu, sizeof(now_vcpu)))
		return -EBADMSG;
	return 0;
}

int tb_migrate_to(int src, int dst, uint64_t bytes, unsigned int nr_vcpus,
		  unsigned int buf_pages)
{
	struct mig m;
	int ret;

	ret = tb_exchange_keys(src, dst) ?:
	      tb_mig_open(&m, src, dst, bytes / MIG_PAGE_SIZE, nr_vcpus, 1, buf_pages);
	if (ret)
		return ret;
	m.min_rounds = 1;
	ret = mig_precopy(&m);
	if (!ret && td_compare(src, dst, bytes, nr_vcpus, NULL))
		ret = -EBADMSG;
	mig_close(&m);
	return ret;
}

int tb_migrate_to_new(int src, uint64_t bytes, unsigned int nr_vcpus, unsigned int buf_pages)
{
	int dst = tb_create_td(bytes, nr_vcpus, true, 0), ret;

	if (dst < 0)
		return dst;
	ret = tb_migrate_to(src, dst, bytes, nr_vcpus, buf_pages);
	close(dst);
	return ret;
}

int tb_mig_shared(struct mig *m)
{
	void *src = NULL, *dst = NULL;
	int ret;

	ret = tb_shared_map(m->src_vm, TB_TD_SHARED_PAGES, &src);
	if (ret == -EOPNOTSUPP)
		return 0;
	if (!ret && !m->link)
		ret = tb_shared_map(m->dst_vm, TB_TD_SHARED_PAGES, &dst);
	if (!ret)
		ret = mig_set_shared(m, src, dst, TB_TD_SHARED_PAGES, tb_shared_slot());
	if (ret) {
		if (src)
			munmap(src, TB_TD_SHARED_PAGES * MIG_PAGE_SIZE);
		if (dst)
			munmap(dst, TB_TD_SHARED_PAGES * MIG_PAGE_SIZE);
	}
	return ret;
}

int tb_mig_open(struct mig *m, int src_vm, int dst_vm, uint64_t npages, unsigned int nr_vcpus,
		unsigned int nstreams, uint32_t buf_pages)
{
	int ret = mig_open(m, src_vm, dst_vm, npages, nr_vcpus, nstreams, buf_pages);

	if (!ret)
		ret = tb_mig_shared(m);
	if (ret)
		mig_close(m);
	return ret;
}

static int prebind(int vm, const uint8_t *hash, uint64_t *status)
{
	struct kvm_tdx_servtd b = { .type = KVM_TDX_SERVTD_TYPE_MIGTD };

	memcpy(b.hash, hash, sizeof(b.hash));
	return vm_tdx_cmd(vm, KVM_TDX_SERVTD_PREBIND, &b, status);
}

int tb_create_bound(uint64_t mem_bytes, unsigned int nr_vcpus, bool destination, pid_t migtd,
		    const uint8_t *hash, uint64_t *status)
{
	int vm, ret;

	*status = 0;
	vm = destination ? tb_create_td(mem_bytes, nr_vcpus, true, 0) :
			   tb_create_unfinalized(mem_bytes, nr_vcpus);
	if (vm < 0)
		return vm;
	ret = hash ? prebind(vm, hash, status) : 0;
	/* Pre-bound: finalized first, bound later (as once the MigTD runs). */
	if (!ret && !destination && hash)
		ret = vm_tdx_cmd(vm, KVM_TDX_FINALIZE_VM, NULL, NULL);
	ret = ret ?: vm_servtd_bind(vm, migtd, 0, status);
	if (!ret && !destination && !hash)
		ret = vm_tdx_cmd(vm, KVM_TDX_FINALIZE_VM, NULL, NULL);
	if (ret) {
		close(vm);
		return ret;
	}
	return vm;
}
