#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot a test kernel (the debug kernel; make bench's own for mode "bench")
# in QEMU with the modules built against it and the tests, in mode "check"
# (KUnit + selftests), "demo", "bench" or "fuzz": one guest, its serial log in
# $OUT/vm-<mode>.log. Modes "xhost" (the cross-host scenarios of make check)
# and "xdemo" (make demo HOSTS=2) boot two guests at once, "src" and "dst",
# each its own kernel, modules and emulated TDX Module, sharing nothing but
# a virtio-net link (a QEMU stream netdev over TCP on 127.0.0.1; the
# guests are 10.0.2.1 and 10.0.2.2); their logs are $OUT/vm-<mode>-src.log and -dst.log.
#
#   vm.sh <mode> <bzImage> <module dir> <selftest dir> [KVM module dir]
#
# QEMU_ACCEL overrides the accelerator (kvm or tcg). VM_TIMEOUT bounds the
# whole boot (seconds). VM_NAME (default: the mode) names its initramfs and
# logs, so that several guests of one mode (make fuzz's lanes) run at once. A second serial port, the guest's ttyS1, goes to
# <log>.gcov: the gcov counters of our modules (scripts/coverage.py).

. "$(dirname "$0")/lib.sh"

mode=$1 kernel=$2 moddir=$3 testdir=$4 kvmdir=${5:-}
name=${VM_NAME:-$mode}
root=$OUT/initramfs-$name
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
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$OUT/initramfs-$name.cpio.gz"
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

# boot <log> <kernel command line extra> [QEMU network arguments...]
boot() {
	local log_file=$1 append=$2 rc=0
	shift 2
	# Two TDs of 128 MiB plus KASAN's shadow (1/8) and the test binaries.
	timeout --foreground "${VM_TIMEOUT:-900}" qemu-system-x86_64 "${qaccel[@]}" \
		-m 1536M -smp 2 -nographic -no-reboot -monitor none \
		-serial "file:$log_file" -serial "file:${log_file%.log}.gcov" \
		-display none "$@" \
		-kernel "$kernel" -initrd "$OUT/initramfs-$name.cpio.gz" \
		-append "console=ttyS0 panic=-1 oops=panic kasan_multi_shot log_buf_len=8M tdxmig.mode=$mode $append" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 < /dev/null || rc=$?
	# isa-debug-exit: QEMU exits with (code << 1) | 1; 1 means the guest ended.
	case $rc in
	1) log "vm: ${log_file##*/}: guest powered off" ;;
	124) log "vm: ${log_file##*/}: TIMEOUT after ${VM_TIMEOUT:-900}s" ;;
	*) log "vm: ${log_file##*/}: QEMU ended with status $rc (panic or crash)" ;;
	esac
}

# The link: a QEMU stream netdev (TCP on 127.0.0.1, so no frame is lost);
# the destination's QEMU listens, the source's connects. Frames of up to
# 64 KiB (host_mtu; the guests set the MTU): under TCG the debug kernel's
# per-packet cost, not the bytes, bounds the link.
nic() {
	echo -netdev "stream,id=n0,server=$1,addr.type=inet,addr.host=127.0.0.1,addr.port=$2" \
		-device "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:$3,host_mtu=65520,romfile="
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

case $mode in
xhost|xdemo)
	# A port of this run only, so that two runs on one machine never meet.
	port=$((20000 + $$ % 20000))
	# shellcheck disable=SC2046
	boot "$OUT/vm-$mode-dst.log" "tdxmig.role=dst tdxmig.ip=10.0.2.2 tdxmig.peer=10.0.2.1" \
		$(nic on $port 02) &
	dst=$!
	for i in $(seq 100); do
		ss -Hltn "sport = :$port" | grep -q . && break
		sleep 0.1
	done
	# shellcheck disable=SC2046
	boot "$OUT/vm-$mode-src.log" "tdxmig.role=src tdxmig.ip=10.0.2.1 tdxmig.peer=10.0.2.2" \
		$(nic off $port 01)
	wait $dst
	;;
*)
	boot "$OUT/vm-$name.log" "" -nic none
	;;
esac
exit 0
