#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: build (or reuse) the debug kernel and the modules, boot the
# test VM, and live-migrate an emulated TD on a single host while its vCPUs
# write, with progress and a summary.

. "$(dirname "$0")/lib.sh"

"$TOP/scripts/deps.sh"
eval "$("$TOP/scripts/kernel.sh")"
mkdir -p "$OUT/demo-tests"
"$TOP/scripts/build.sh" debug "$KB" "$("$TOP/scripts/sparse.sh")"
make -s -C "$TOP/selftests" KSRC="$KSRC" O="$OUT/demo-tests" "$OUT/demo-tests/tdx_mig_demo" ||
	die "building the demo program failed"
install -m 0755 "$TOP/scripts/guest-demo.sh" "$OUT/demo-tests/demo.sh"
VM_TIMEOUT=${VM_TIMEOUT:-600} "$TOP/scripts/vm.sh" demo "$KB/arch/x86/boot/bzImage" \
	"$OUT/build-debug" "$OUT/demo-tests"
log=$OUT/vm-demo.log
sed -n '/=== TDXMIG DEMO BEGIN/,/=== TDXMIG DEMO END/p' "$log" | sed '1d;$d'
grep -q '=== TDXMIG DEMO END rc=0' "$log" || die "demo failed; see $log"
