// SPDX-License-Identifier: GPL-2.0
/* What every test backend builds the same way from the others' calls. */
#include <string.h>
#include <unistd.h>

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
