#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The whole test suite, from a fresh Debian 12 machine: packages, the debug
# kernel (cached), sparse, checkpatch, W=1/sparse builds against every
# supported kernel, DKMS and make install, the selftests, and the test VM.
# Exits non-zero on any failure; prints how long each stage took.

. "$(dirname "$0")/lib.sh"

failed=0
run() { stage "$@" || failed=1; }
must() { stage "$@" || { print_stage_times; exit 1; }; }

kernel_stage() {
	local vars
	vars=$("$TOP/scripts/kernel.sh") || return 1
	eval "$vars"
	export KSRC KB
}
sparse_stage() { SPARSE_NEW=$("$TOP/scripts/sparse.sh"); }
debian_builds() {
	local d rc=0 n=0
	for d in /usr/src/linux-headers-*-amd64; do
		[ -e "$d/Makefile" ] || continue
		"$TOP/scripts/build.sh" "debian-${d#/usr/src/linux-headers-}" "$d" || rc=1
		n=$((n + 1))
	done
	[ $n -ge 2 ] || { log "expected Debian 6.1 and 6.12 headers, found $n"; return 1; }
	return $rc
}
debug_build() { "$TOP/scripts/build.sh" debug "$KB" "$SPARSE_NEW"; }
# kvm.ko and kvm-intel.ko out of tree, and the kernel's irqbypass.ko they need.
kvm_build() {
	rm -rf "$OUT/kvm-modules"
	"$TOP/scripts/kvm.sh" "$KSRC" "$KB" "$SPARSE_NEW" || return 1
	mkdir -p "$OUT/kvm-modules"
	cp "$OUT"/kvm/arch/x86/kvm/kvm{,-intel}.ko "$KB/virt/lib/irqbypass.ko" "$OUT/kvm-modules/"
}
uapi_check() { "$TOP/scripts/uapi-check.sh" "$KSRC" "$KB"; }
host_table() { "$TOP/scripts/host-table.sh" "$KSRC"; }
# DKMS against Debian's headers and make install into a staging root.
install_check() { "$TOP/scripts/install-check.sh"; }
# The emulated platform's in tests/, KVM's (BACKEND=kvm) in tests/kvm/.
selftests_build() {
	{ make -s -C "$TOP/selftests" KSRC="$KSRC" O="$OUT/tests" &&
	  make -s -C "$TOP/selftests" KSRC="$KSRC" O="$OUT/tests/kvm" BACKEND=kvm \
		KHDR_O="$OUT/kernel-headers"; } > "$OUT/selftests.log" 2>&1 ||
		{ cat "$OUT/selftests.log"; return 1; }
}
vm_check() {
	VM_TIMEOUT=${VM_TIMEOUT:-1500} "$TOP/scripts/vm.sh" check "$KB/arch/x86/boot/bzImage" \
		"$OUT/build-debug" "$OUT/tests" "$(ls -d "$OUT/kvm-modules" 2>/dev/null)"
}
# Two hosts, each its own VM, joined by a network (scripts/guest-xhost.sh).
vm_xhost() {
	local dir=$OUT/xhost-tests
	rm -rf "$dir" && mkdir -p "$dir"
	cp "$OUT/tests/tdx_mig_xhost" "$OUT/tests/tdx_mig_migtd" "$dir/"
	install -m 0755 "$TOP/scripts/guest-xhost.sh" "$dir/xhost.sh"
	VM_TIMEOUT=${VM_TIMEOUT:-900} "$TOP/scripts/vm.sh" xhost "$KB/arch/x86/boot/bzImage" \
		"$OUT/build-debug" "$dir"
}
# gcov: the lines and branches of tdx_mig.ko the three VMs reached.
coverage() {
	python3 "$TOP/scripts/coverage.py" -o "$OUT/coverage.txt" "$OUT/build-debug" \
		"$OUT/vm-check.gcov" "$OUT/vm-xhost-src.gcov" "$OUT/vm-xhost-dst.gcov"
}
summary() {
	cat "$OUT/coverage.txt" 2>/dev/null || true
	python3 "$TOP/scripts/summarize.py" -a "$TOP/scripts/splat-allowlist" "$OUT/vm-check.log" \
		"$OUT/vm-xhost-src.log" "$OUT/vm-xhost-dst.log" | tee "$OUT/summary.txt"
	return "${PIPESTATUS[0]}"
}

mkdir -p "$OUT"
must deps "$TOP/scripts/deps.sh"
run bench-config "$TOP/scripts/bench-config.sh"
run bench-json "$TOP/scripts/bench-json-check.sh"
must kernel kernel_stage
must sparse sparse_stage
run checkpatch env KSRC="$KSRC" "$TOP/scripts/checkpatch.sh"
run build-debian debian_builds
must build-debug debug_build
run kvm kvm_build
run uapi-check uapi_check
run host-table host_table
run install install_check
must selftests-build selftests_build
rm -f "$OUT"/vm-check.log "$OUT"/vm-xhost-*.log "$OUT"/vm-*.gcov "$OUT/coverage.txt"
run vm-check vm_check
run vm-xhost vm_xhost
run coverage coverage
run summary summary

print_stage_times
tail -n 1 "$OUT/summary.txt" 2>/dev/null || true
exit $failed
