#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make fuzz: the stream uAPI fuzzer in the test VM (scripts/vm-run.sh fuzz,
# one boot per seed), judged like make check (any splat fails a run).
#
#   make fuzz [FUZZ_TOTAL=n] [FUZZ_SECONDS=n]
#       runs of seeds t, t+1, ... (t: the time), each at most FUZZ_SECONDS
#       (default 1800), until their calls add up to FUZZ_TOTAL (default
#       1000000) or a run fails; each run must also reach every goal of
#       the fuzzer's "reached" table; prints each run and the sum
#   make fuzz SEED=n [FUZZ_CALLS=n] [FUZZ_SECONDS=n]
#       the one run of seed n (defaults 20000 calls, 600 s): a failing
#       seed reproduces with the SEED and FUZZ_CALLS it printed

. "$(dirname "$0")/lib.sh"

run_calls() {
	sed -n 's/^# fuzz: seed [0-9]*: \([0-9]*\) calls in .*/\1/p' "$OUT/vm-fuzz.log" 2>/dev/null |
		tail -n 1
}

if [ -n "${SEED:-}" ]; then
	exec env SEED="$SEED" FUZZ_CALLS="${FUZZ_CALLS:-}" FUZZ_SECONDS="${FUZZ_SECONDS:-}" \
		bash "$TOP/scripts/vm-run.sh" fuzz
fi
total_want=${FUZZ_TOTAL:-1000000}
seconds=${FUZZ_SECONDS:-1800}
case $total_want$seconds in
*[!0-9]*) die "FUZZ_TOTAL and FUZZ_SECONDS are numbers" ;;
esac
[ "$seconds" -le 1800 ] || die "FUZZ_SECONDS: a run is at most 1800 s"
seed=$(date +%s)
first=$seed last=$seed total=0 runs=0 rc=0 start=$SECONDS
while [ "$total" -lt "$total_want" ]; do
	last=$seed
	log "fuzz: run $((runs + 1)), seed $seed; $total of $total_want calls so far"
	SEED=$seed FUZZ_CALLS=0 FUZZ_SECONDS=$seconds FUZZ_REQUIRE=1 \
		bash "$TOP/scripts/vm-run.sh" fuzz || rc=1
	calls=$(run_calls)
	[ -n "$calls" ] || rc=1
	cp "$OUT/vm-fuzz.log" "$OUT/vm-fuzz-$seed.log" 2>/dev/null || true
	runs=$((runs + 1))
	total=$((total + ${calls:-0}))
	log "fuzz: seed $seed: ${calls:-no} calls, $([ $rc -eq 0 ] && echo passed || echo FAILED)"
	[ $rc -eq 0 ] || break
	seed=$((seed + 1))
done
log "fuzz: $runs run(s), seeds $first..$last, $total calls in $(((SECONDS - start) / 60)) min, $([ $rc -eq 0 ] && echo 'no violation, no splat' || echo "seed $seed FAILED (make fuzz SEED=$seed)")"
exit $rc
