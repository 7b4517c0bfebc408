#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Out-of-tree kvm.ko and kvm-intel.ko from the target kernel's own KVM
# source, with the hook series in kvm/patches/ applied (kvm-kmod's way):
# copy arch/x86/kvm and virt/kvm out of the source tree, apply the series,
# add the migration core and its KVM adapter (tdx_mig/kvm/) to kvm-intel,
# build W=1 and sparse against the kernel's build tree. A diagnostic the
# unpatched sources, built the same way, do not give fails the build.
#
#   kvm.sh <kernel source> <kernel build dir> [sparse binary, or none]
#
# The modules land in $OUT/kvm/arch/x86/kvm.

. "$(dirname "$0")/lib.sh"

ksrc=$1 kdir=$2 sparse=${3:-sparse}
[ -d "$ksrc/arch/x86/kvm" ] || die "kvm: no KVM source in '$ksrc' (KSRC=)"
[ -e "$kdir/Makefile" ] || die "kvm: no kernel build tree in '$kdir' (KDIR=)"
check=(C=2 CHECK="$sparse")
[ "$sparse" = none ] && check=()
patches=("$TOP"/kvm/patches/*.patch)
[ -e "${patches[0]}" ] || patches=()

# Copy KVM's sources to $1 and build them there; the diagnostics go to $1.diag.
build_tree() {
	local dst=$1 log=$1/build.log
	shift
	rm -rf "$dst"
	mkdir -p "$dst/arch/x86" "$dst/virt"
	cp -a "$ksrc/arch/x86/kvm" "$dst/arch/x86/"
	cp -a "$ksrc/virt/kvm" "$dst/virt/"
	for p in "$@"; do
		patch -d "$dst" -p1 --quiet --no-backup-if-mismatch < "$p" ||
			die "kvm: $(basename "$p") does not apply to $ksrc"
	done
	# With the hooks, the migration core and its KVM adapter go into kvm-intel.
	if [ $# -gt 0 ]; then
		cp -a "$TOP/tdx_mig" "$TOP/uapi" "$dst/arch/x86/kvm/"
		cat "$TOP/kvm/kvm-intel.mk" >> "$dst/arch/x86/kvm/Makefile"
	fi
	make -C "$kdir" M="$dst/arch/x86/kvm" W=1 "${check[@]}" -j"$(nproc)" \
		modules > "$log" 2>&1 || { cat "$log"; die "kvm: build in $dst failed"; }
	[ ${#check[@]} = 0 ] || grep -q ' CHECK ' "$log" || die "kvm: sparse did not run"
	# Diagnostics without the build directory, so the two trees compare.
	grep -E 'warning:|error:' "$log" | sed "s|$dst/||g" | sort -u > "$dst.diag" || true
}

build_tree "$OUT/kvm" "${patches[@]}"
new=""
if [ ${#patches[@]} -gt 0 ]; then
	build_tree "$OUT/kvm-unpatched"
	new=$(comm -23 "$OUT/kvm.diag" "$OUT/kvm-unpatched.diag")
fi
if [ -n "$new" ]; then
	printf '%s\n' "$new"
	die "kvm: diagnostics the unpatched 7.3 KVM does not give"
fi
log "kvm: kvm.ko and kvm-intel.ko built from $(basename "$ksrc") with ${#patches[@]} patch(es), $(wc -l < "$OUT/kvm.diag") diagnostic(s) of 7.3's own"
