#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo / make bench: build (or reuse) the debug kernel, the modules and
# the programs, boot the test VM in that mode, and print what the guest's
# scripts/guest-<mode>.sh printed.
#
#   vm-run.sh demo|bench
#
# The demo takes MODE=precopy|postcopy|multistream|postcopy-multistream,
# STREAMS=n and HOSTS=1|2 from the environment (make demo MODE=... STREAMS=...
# HOSTS=...); HOSTS=2 boots two VMs joined by a network (mode xdemo).

. "$(dirname "$0")/lib.sh"

mode=${1:-demo}
case ${HOSTS:=1} in
1) ;;
2) [ "$mode" = demo ] || die "HOSTS=2 is for the demo"; mode=xdemo ;;
*) die "HOSTS must be 1 or 2" ;;
esac
[ -e "$TOP/scripts/guest-$mode.sh" ] || die "no such mode: $mode"
"$TOP/scripts/deps.sh"
eval "$("$TOP/scripts/kernel.sh")"
dir=$OUT/$mode-tests
mkdir -p "$dir"
"$TOP/scripts/build.sh" debug "$KB" "$("$TOP/scripts/sparse.sh")"
make -s -C "$TOP/selftests" KSRC="$KSRC" O="$dir" "$dir/tdx_mig_demo" "$dir/tdx_mig_bench" \
	"$dir/tdx_mig_migtd" "$dir/tdx_mig_xhost" ||
	die "building the programs failed"
install -m 0755 "$TOP/scripts/guest-$mode.sh" "$dir/$mode.sh"
case ${MODE:=precopy} in
precopy|postcopy|multistream|postcopy-multistream) ;;
*) die "MODE must be precopy, postcopy, multistream or postcopy-multistream" ;;
esac
# Streams per mode unless STREAMS says: pre-copy as always 2, multi-stream 4,
# post-copy 1, post-copy over several streams 4 (3 background, 1 on demand).
case $MODE in
precopy) : "${STREAMS:=2}" ;;
postcopy) : "${STREAMS:=1}" ;;
*) : "${STREAMS:=4}" ;;
esac
printf 'MODE=%s\nSTREAMS=%s\n' "$MODE" "$STREAMS" > "$dir/demo.conf"
VM_TIMEOUT=${VM_TIMEOUT:-900} "$TOP/scripts/vm.sh" "$mode" "$KB/arch/x86/boot/bzImage" \
	"$OUT/build-debug" "$dir"
if [ "$mode" = xdemo ]; then
	logs="$OUT/vm-$mode-src.log $OUT/vm-$mode-dst.log"
else
	logs=$OUT/vm-$mode.log
fi
rc=0
for log in $logs; do
	sed -n '/=== TDXMIG RUN BEGIN/,/=== TDXMIG RUN END/p' "$log" | sed '1d;$d'
	grep -q '=== TDXMIG RUN END rc=0' "$log" || { log "$mode failed; see $log"; rc=1; }
done
exit $rc
