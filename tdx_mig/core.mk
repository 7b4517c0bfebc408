# SPDX-License-Identifier: GPL-2.0
# The migration core's objects, relative to tdx_mig/: linked into tdx_mig.ko
# (Kbuild) and, with the KVM adapter, into kvm-intel.ko (kvm/kvm-intel.mk).
tdx_mig_core := caps.o \
		trace.o \
		seamcall/abi.o \
		seamcall/seamcall.o \
		seamcall/td.o \
		seamcall/mig.o \
		seamcall/servtd.o \
		seamcall/hw.o \
		migsc/stream.o \
		migsc/migsc.o \
		migsc/call.o \
		core/td.o \
		core/cmd.o \
		core/debugfs.o \
		core/abort.o \
		bundle/state.o \
		bundle/mem.o \
		epoch/token.o \
		core/dirty.o \
		servtd/bind.o \
		servtd/migtd.o
