#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo / make bench: build (or reuse) the debug kernel, the modules and
# the programs, boot the test VM in that mode, and print what the guest's
# scripts/guest-<mode>.sh printed.
#
#   vm-run.sh demo|bench
#
# The demo takes MODE=precopy|postcopy|multistream|postcopy-multistream and
# STREAMS=n from the environment (make demo MODE=... STREAMS=...).

. "$(dirname "$0")/lib.sh"

mode=${1:-demo}
[ -e "$TOP/scripts/guest-$mode.sh" ] || die "no such mode: $mode"
"$TOP/scripts/deps.sh"
eval "$("$TOP/scripts/kernel.sh")"
dir=$OUT/$mode-tests
mkdir -p "$dir"
"$TOP/scripts/build.sh" debug "$KB" "$("$TOP/scripts/sparse.sh")"
make -s -C "$TOP/selftests" KSRC="$KSRC" O="$dir" "$dir/tdx_mig_demo" "$dir/tdx_mig_bench" \
	"$dir/tdx_mig_migtd" ||
	die "building the programs failed"
install -m 0755 "$TOP/scripts/guest-$mode.sh" "$dir/$mode.sh"
case ${MODE:=precopy} in
precopy|postcopy|multistream|postcopy-multistream) ;;
*) die "MODE must be precopy, postcopy, multistream or postcopy-multistream" ;;
esac
printf 'MODE=%s\nSTREAMS=%s\n' "$MODE" "${STREAMS:-}" > "$dir/demo.conf"
VM_TIMEOUT=${VM_TIMEOUT:-900} "$TOP/scripts/vm.sh" "$mode" "$KB/arch/x86/boot/bzImage" \
	"$OUT/build-debug" "$dir"
log=$OUT/vm-$mode.log
sed -n '/=== TDXMIG RUN BEGIN/,/=== TDXMIG RUN END/p' "$log" | sed '1d;$d'
grep -q '=== TDXMIG RUN END rc=0' "$log" || die "$mode failed; see $log"
