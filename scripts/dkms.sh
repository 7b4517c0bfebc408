#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What dkms.conf runs, in DKMS's copy of the sources.
#
#   dkms.sh kvm-check <kernel build dir>
#                 exit 0 if kvm.ko and kvm-intel.ko can be built for that
#                 kernel from $KSRC, else say why on stdout and exit 1
#   dkms.sh build <kernel build dir>
#                 tdx_mig.ko and tdx_mig_emu.ko, and the KVM modules when
#                 kvm-check passes (scripts/kvm.sh, without sparse)
#   dkms.sh clean <kernel build dir>

. "$(dirname "$0")/lib.sh"

# The KVM build copies arch/x86/kvm out of the kernel's full source, which
# no headers package carries, and links the migration core into kvm-intel
# only under CONFIG_KVM_INTEL_TDX.
kvm_check() {
	local kdir=$1 opt src_ver rel
	if [ -z "${KSRC:-}" ]; then
		echo "KSRC is not set; the KVM build needs the full source of the kernel (headers carry no arch/x86/kvm): set KSRC=<that kernel's source tree>"
		return 1
	fi
	if [ ! -e "$KSRC/arch/x86/kvm/vmx/tdx.c" ]; then
		echo "KSRC=$KSRC has no arch/x86/kvm/vmx/tdx.c: not a kernel source with KVM's TDX host code"
		return 1
	fi
	for opt in CONFIG_INTEL_TDX_HOST=y CONFIG_KVM_INTEL=m CONFIG_KVM_INTEL_TDX=y; do
		if ! grep -qx "$opt" "$kdir/.config" 2>/dev/null; then
			echo "the kernel of $kdir is not built with $opt"
			return 1
		fi
	done
	src_ver=$(awk '$1 == "VERSION" { v = $3 } $1 == "PATCHLEVEL" { p = $3 }
		       END { print v "." p }' "$KSRC/Makefile")
	rel=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h" \
	      2>/dev/null || true)
	case $rel in
	"$src_ver".*) ;;
	*) echo "KSRC=$KSRC is Linux $src_ver, the kernel of $kdir is ${rel:-unknown}"
	   return 1 ;;
	esac
}

cmd=${1:-} kdir=${2:-}
[ -e "$kdir/Makefile" ] || die "dkms: no kernel build tree in '$kdir'"
case $cmd in
kvm-check)
	kvm_check "$kdir"
	;;
build)
	make -C "$kdir" M="$TOP" -j"$(nproc)" modules
	if why=$(kvm_check "$kdir"); then
		"$TOP/scripts/kvm.sh" "$KSRC" "$kdir" none
	else
		log "dkms: kvm.ko and kvm-intel.ko not built: $why"
	fi
	;;
clean)
	make -C "$kdir" M="$TOP" clean
	rm -rf "$OUT/kvm" "$OUT/kvm-unpatched" "$OUT"/kvm*.diag
	;;
*)
	die "dkms: usage: dkms.sh kvm-check|build|clean <kernel build dir>"
	;;
esac
