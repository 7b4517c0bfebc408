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
#   make bench        boot the test VM and print the migration path's figures
#   make checkpatch   checkpatch.pl --strict over every source
#   make kvm KSRC=<kernel source> KDIR=<its build tree> [SPARSE=<sparse>]
#                     kvm.ko and kvm-intel.ko out of tree from that source,
#                     with kvm/patches/ and the migration core in kvm-intel

KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
		    $(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))))

all: modules

modules clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $@

check:
	bash scripts/check.sh

demo:
	MODE="$(MODE)" STREAMS="$(STREAMS)" HOSTS="$(HOSTS)" bash scripts/vm-run.sh demo

bench:
	bash scripts/vm-run.sh bench

checkpatch:
	bash scripts/checkpatch.sh

SPARSE ?= none
kvm:
	bash scripts/kvm.sh "$(KSRC)" "$(KDIR)" "$(SPARSE)"

.PHONY: all modules clean check demo bench checkpatch kvm
