# SPDX-License-Identifier: GPL-2.0
# The migration core and its KVM adapter, linked into kvm-intel.
# scripts/kvm.sh copies tdx_mig/ and uapi/ into the copy of arch/x86/kvm
# and appends this file to that copy's Makefile.
include $(src)/tdx_mig/core.mk
ccflags-y += -I$(src)/tdx_mig -DTDX_MIG_IN_KVM
kvm-intel-$(CONFIG_KVM_INTEL_TDX) += $(addprefix tdx_mig/,$(tdx_mig_core) \
				     kvm/vm.o kvm/hooks.o kvm/device.o kvm/setup.o)
ccflags-y += -I$(src) $(if $(shell grep -s movdir64b_io \
		$(srctree)/arch/x86/include/asm/special_insns.h),-DTDX_MIG_HAVE_MOVDIR64B_IO)
