#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the debug kernel in QEMU with the modules and tests, in mode "check"
# (KUnit + selftests), "demo" or "bench". The serial log goes to $OUT/vm-<mode>.log.
#
#   vm.sh <mode> <bzImage> <module dir> <selftest dir> [KVM module dir]
#
# QEMU_ACCEL overrides the accelerator (kvm or tcg). VM_TIMEOUT bounds the
# whole boot (seconds).

. "$(dirname "$0")/lib.sh"

mode=$1 kernel=$2 moddir=$3 testdir=$4 kvmdir=${5:-}
log_file=$OUT/vm-$mode.log
root=$OUT/initramfs-$mode
mkdir -p "$OUT"

build_initramfs() {
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules,tests}
	cp /bin/busybox "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	cp "$TOP/scripts/init" "$root/init"
	gcc -O2 -static -o "$root/bin/qexit" "$TOP/scripts/qexit.c"
	cp "$moddir"/*.ko "$root/lib/modules/"
	if [ -n "$kvmdir" ]; then
		mkdir -p "$root/lib/modules/kvm"
		cp "$kvmdir"/*.ko "$root/lib/modules/kvm/"
	fi
	[ -d "$testdir" ] && cp -a "$testdir"/. "$root/tests/"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$OUT/initramfs-$mode.cpio.gz"
}

pick_accel() {
	if [ -n "${QEMU_ACCEL:-}" ]; then
		echo "$QEMU_ACCEL"
	elif [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
		echo kvm
	else
		# /dev/kvm without vmx/svm (kvm_pvm) never boots a normal guest.
		echo tcg
	fi
}

build_initramfs
accel=$(pick_accel)
case "$accel" in
kvm) qaccel=(-accel kvm -cpu host) ;;
# la57=off: with 5-level paging, an interrupt while identify_cpu() has the
# boot CPU's feature bits cleared makes KASAN misjudge the direct map (a
# wild-memory-access flood at boot, seen once in about 30 runs).
tcg) qaccel=(-accel tcg,thread=multi -cpu max,vendor=GenuineIntel,la57=off) ;;
*) die "QEMU_ACCEL must be kvm or tcg" ;;
esac
log "vm: booting ($mode, $accel, timeout ${VM_TIMEOUT:-900}s)"

rc=0
# Two TDs of 128 MiB plus KASAN's shadow (1/8) and the test binaries.
timeout --foreground "${VM_TIMEOUT:-900}" qemu-system-x86_64 "${qaccel[@]}" \
	-m 1536M -smp 2 -nographic -no-reboot -nic none -monitor none \
	-serial "file:$log_file" -display none \
	-kernel "$kernel" -initrd "$OUT/initramfs-$mode.cpio.gz" \
	-append "console=ttyS0 panic=-1 oops=panic kasan_multi_shot log_buf_len=8M tdxmig.mode=$mode" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 < /dev/null || rc=$?

# isa-debug-exit: QEMU exits with (code << 1) | 1; 1 means the guest ended.
case $rc in
1) log "vm: guest powered off" ;;
124) log "vm: TIMEOUT after ${VM_TIMEOUT:-900}s" ;;
*) log "vm: QEMU ended with status $rc (panic or crash)" ;;
esac
exit 0
