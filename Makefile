# SPDX-License-Identifier: GPL-2.0
# tdx-mig: out-of-tree build of tdx_mig.ko, tdx_mig_emu.ko and (against
# kernels with KUnit) tdx_mig_kunit.ko.
#
#   make              build against KDIR (default: installed Debian headers)
#   make check        the whole test suite (installs what it needs; root)
#   make demo [MODE=precopy|postcopy|multistream|postcopy-multistream] [STREAMS=n]
#             [HOSTS=2]
#                     boot the test VM and live-migrate an emulated TD; with
#                     HOSTS=2 two VMs, from one to the other over a network
#   make bench [BENCH_KERNEL=debug]
#                     boot the test VM on the benchmark kernel (or the debug
#                     one) and print the migration path's figures, also into
#                     out/bench.json
#   make fuzz [FUZZ_TOTAL=n] [FUZZ_SECONDS=n]
#                     boot the test VM (debug kernel) once per seed and run
#                     the stream uAPI fuzzer until the runs (at most 30 min
#                     each) made FUZZ_TOTAL calls (default 1000000)
#   make fuzz SEED=n [FUZZ_CALLS=n] [FUZZ_SECONDS=n]
#                     the one run of seed n, which reproduces it
#   make install [INSTALL_MOD_PATH=<staging root>]
#                     the modules into /lib/modules/<KDIR's release>/updates
#                     (DESTDIR works as INSTALL_MOD_PATH), then depmod there
#   make install-kvm  the same for make kvm's kvm.ko and kvm-intel.ko
#   make checkpatch   checkpatch.pl --strict over every source
#   make kvm KSRC=<kernel source> KDIR=<its build tree> [SPARSE=<sparse>]
#                     kvm.ko and kvm-intel.ko out of tree from that source,
#                     with kvm/patches/ and the migration core in kvm-intel

KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
		    $(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))))

all: modules

modules clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $@

# Kbuild's modules_install skips depmod without a System.map (no headers
# package has one), so depmod runs here, on the staging root if any. The
# release is the one modules_install and vermagic use (Debian's 6.1 headers
# say 6.1.N in include/config/kernel.release).
INSTALL_MOD_PATH ?= $(DESTDIR)
KRELEASE = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h)
KVM_OUT := $(CURDIR)/out/kvm/arch/x86/kvm

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(INSTALL_MOD_PATH) \
		INSTALL_MOD_DIR=updates modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KRELEASE)

install-kvm:
	@test -e $(KVM_OUT)/kvm-intel.ko || \
		{ echo "no $(KVM_OUT)/kvm-intel.ko: run make kvm first" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(KVM_OUT) INSTALL_MOD_PATH=$(INSTALL_MOD_PATH) \
		INSTALL_MOD_DIR=updates modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KRELEASE)

check:
	bash scripts/check.sh

demo:
	MODE="$(MODE)" STREAMS="$(STREAMS)" HOSTS="$(HOSTS)" bash scripts/vm-run.sh demo

bench:
	BENCH_KERNEL="$(BENCH_KERNEL)" bash scripts/vm-run.sh bench

fuzz:
	SEED="$(SEED)" FUZZ_CALLS="$(FUZZ_CALLS)" FUZZ_SECONDS="$(FUZZ_SECONDS)" \
		FUZZ_TOTAL="$(FUZZ_TOTAL)" bash scripts/fuzz.sh

checkpatch:
	bash scripts/checkpatch.sh

SPARSE ?= none
kvm:
	bash scripts/kvm.sh "$(KSRC)" "$(KDIR)" "$(SPARSE)"

.PHONY: all modules clean install install-kvm check demo bench fuzz checkpatch kvm
