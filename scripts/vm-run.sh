#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo / make bench / make fuzz: build (or reuse) the kernel (the debug kernel for
# the demo, the benchmark kernel of kconfig/bench.config for the bench), the
# modules against it and the programs, boot the test VM in that mode, and
# print what the guest's scripts/guest-<mode>.sh prints while it runs. The
# bench's figures also go to $OUT/bench.json (scripts/bench-json.py); two
# such files compare with scripts/bench-compare.
#
#   vm-run.sh demo|bench|fuzz   (BENCH_KERNEL=debug: the bench on the debug kernel)
#
# The demo takes MODE=precopy|postcopy|multistream|postcopy-multistream,
# STREAMS=n and HOSTS=1|2 from the environment (make demo MODE=... STREAMS=...
# HOSTS=...); HOSTS=2 boots two VMs joined by a network (mode xdemo). The
# fuzzer takes SEED (default: the time), FUZZ_CALLS and FUZZ_SECONDS
# (defaults 20000 and 600, whichever ends first); its log is judged by
# scripts/summarize.py, so a kernel splat fails it as it fails make check.
# FUZZ_LANE=k (scripts/fuzz.sh) names the guest fuzz-k, so that lanes run
# at once, and uses the modules fuzz.sh built (no build of its own).

. "$(dirname "$0")/lib.sh"

mode=${1:-demo}
case ${HOSTS:=1} in
1) ;;
2) [ "$mode" = demo ] || die "HOSTS=2 is for the demo"; mode=xdemo ;;
*) die "HOSTS must be 1 or 2" ;;
esac
[ -e "$TOP/scripts/guest-$mode.sh" ] || die "no such mode: $mode"
# The bench on the benchmark kernel; BENCH_KERNEL=debug measures the debug
# kernel instead, for scripts/bench-compare to show what the sanitizers cost.
kind=debug
[ "$mode" = bench ] && kind=${BENCH_KERNEL:-bench}
"$TOP/scripts/deps.sh"
eval "$("$TOP/scripts/kernel.sh" "$kind")"
name=$mode${FUZZ_LANE:+-$FUZZ_LANE}
dir=$OUT/$name-tests
mkdir -p "$dir"
[ -n "${FUZZ_LANE:-}" ] || "$TOP/scripts/build.sh" "$kind" "$KB" "$("$TOP/scripts/sparse.sh")"
make -s -C "$TOP/selftests" KSRC="$KSRC" O="$dir" "$dir/tdx_mig_demo" "$dir/tdx_mig_bench" \
	"$dir/tdx_mig_migtd" "$dir/tdx_mig_xhost" "$dir/tdx_mig_fuzz" ||
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
if [ "$mode" = fuzz ]; then
	: "${SEED:=$(date +%s)}" "${FUZZ_CALLS:=20000}" "${FUZZ_SECONDS:=600}"
	case $SEED$FUZZ_CALLS$FUZZ_SECONDS in
	*[!0-9]*) die "SEED, FUZZ_CALLS and FUZZ_SECONDS are numbers" ;;
	esac
	# FUZZ_REQUIRE=1 (make fuzz's runs toward FUZZ_TOTAL): every goal of the
	# fuzzer's "reached" table must be reached, or the run fails.
	printf 'SEED=%s\nFUZZ_CALLS=%s\nFUZZ_SECONDS=%s\nFUZZ_REQUIRE=%s\n' "$SEED" \
		"$FUZZ_CALLS" "$FUZZ_SECONDS" "${FUZZ_REQUIRE:-0}" > "$dir/fuzz.conf"
	log "fuzz: seed $SEED, at most $FUZZ_CALLS calls and $FUZZ_SECONDS s"
	# The boot, the modules' load and unload and kmemleak's scans on top.
	: "${VM_TIMEOUT:=$((FUZZ_SECONDS + 900))}"
fi

# What the guest's script prints, without the bench's figure lines.
run_section() {
	sed -un '/=== TDXMIG RUN BEGIN/,/=== TDXMIG RUN END/{/=== TDXMIG RUN /d;/^BENCH /d;p}'
}

vm=("$TOP/scripts/vm.sh" "$mode" "$KB/arch/x86/boot/bzImage" "$OUT/build-$kind" "$dir")
rm -f "$OUT/bench.json"
if [ "$mode" = xdemo ]; then
	logs="$OUT/vm-$mode-src.log $OUT/vm-$mode-dst.log"
	VM_TIMEOUT=${VM_TIMEOUT:-900} "${vm[@]}"
	for log in $logs; do
		run_section < "$log"
	done
else
	# One guest: its output is followed live, from its serial log (made
	# empty first: tail fails on a file that is not there yet).
	logs=$OUT/vm-$name.log
	rm -f "$OUT/vm-$name.gcov"
	: > "$logs"
	VM_NAME=$name VM_TIMEOUT=${VM_TIMEOUT:-900} "${vm[@]}" &
	pid=$!
	tail -n +1 -F --pid=$pid "$logs" | run_section ||
		log "vm: following $logs failed; it is complete once the VM ends"
	wait $pid
fi
rc=0
for log in $logs; do
	grep -q '=== TDXMIG RUN END rc=0' "$log" || { log "$mode failed; see $log"; rc=1; }
done
if [ "$mode" = fuzz ]; then
	python3 "$TOP/scripts/summarize.py" -a "$TOP/scripts/splat-allowlist" "$logs" || rc=1
	[ $rc -eq 0 ] || log "fuzz: seed $SEED failed; reproduce with make fuzz SEED=$SEED"
	# gcov: the lines and branches of tdx_mig.ko this run reached.
	python3 "$TOP/scripts/coverage.py" "$OUT/build-$kind" "$OUT/vm-$name.gcov" || rc=1
fi
if [ "$mode" = bench ] && [ $rc -eq 0 ]; then
	python3 "$TOP/scripts/bench-json.py" "$logs" "$OUT/bench.json" \
		"commit=$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)" \
		"date=$(date -Iseconds)" || rc=1
	[ $rc -ne 0 ] || log "bench: figures in $OUT/bench.json; scripts/bench-compare A.json B.json compares two runs"
fi
exit $rc
