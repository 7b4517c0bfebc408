#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make fuzz: the stream uAPI fuzzer in the test VM (scripts/vm-run.sh fuzz,
# one boot per seed), judged like make check (any splat fails a run).
#
#   make fuzz [FUZZ_TOTAL=n] [FUZZ_SECONDS=n] [FUZZ_JOBS=n]
#       runs of seeds t, t+1, ... (t: the time), each at most FUZZ_SECONDS
#       (default 1800), until their calls add up to FUZZ_TOTAL (default
#       1000000) or a run fails; FUZZ_JOBS guests at once (default: one per
#       CPU), each a lane taking the next seed when its run ends; each run must also reach every goal of the fuzzer's
#       "reached" table; prints each run, the sum and the gcov coverage of
#       all the runs together
#   make fuzz SEED=n [FUZZ_CALLS=n] [FUZZ_SECONDS=n]
#       the one run of seed n (defaults 20000 calls, 600 s): a failing
#       seed reproduces with the SEED and FUZZ_CALLS it printed

. "$(dirname "$0")/lib.sh"

if [ -n "${SEED:-}" ]; then
	exec env SEED="$SEED" FUZZ_CALLS="${FUZZ_CALLS:-}" FUZZ_SECONDS="${FUZZ_SECONDS:-}" \
		bash "$TOP/scripts/vm-run.sh" fuzz
fi
total_want=${FUZZ_TOTAL:-1000000}
seconds=${FUZZ_SECONDS:-1800}
# A guest's fuzzer keeps about one CPU busy: one lane per CPU.
jobs=${FUZZ_JOBS:-$(nproc)}
case $total_want$seconds$jobs in
*[!0-9]*) die "FUZZ_TOTAL, FUZZ_SECONDS and FUZZ_JOBS are numbers" ;;
esac
[ "$seconds" -le 1800 ] || die "FUZZ_SECONDS: a run is at most 1800 s"
[ "$jobs" -ge 1 ] || die "FUZZ_JOBS: at least 1"

# The modules, built once: every lane's gcov counters match these notes.
"$TOP/scripts/deps.sh"
eval "$("$TOP/scripts/kernel.sh" debug)"
"$TOP/scripts/build.sh" debug "$KB" "$("$TOP/scripts/sparse.sh")"

first=$(date +%s)
runs=$OUT/fuzz-runs.txt
: > "$runs"
rm -f "$OUT"/vm-fuzz-[0-9]*.log "$OUT"/vm-fuzz-[0-9]*.gcov

sum_calls() { awk '{ n += $2 } END { print n + 0 }' "$runs"; }

# A lane: seeds first+lane, first+lane+jobs, ..., until the calls of all
# the lanes add up, or a run of any lane failed.
lane() {
	local k=$1 seed=$((first + $1)) calls rc
	while [ "$(sum_calls)" -lt "$total_want" ] && ! grep -q ' FAILED$' "$runs"; do
		log "fuzz: lane $k: seed $seed; $(sum_calls) of $total_want calls so far"
		rc=0
		FUZZ_LANE=$k SEED=$seed FUZZ_CALLS=0 FUZZ_SECONDS=$seconds FUZZ_REQUIRE=1 \
			bash "$TOP/scripts/vm-run.sh" fuzz > "$OUT/fuzz-$k.console" 2>&1 || rc=1
		calls=$(sed -n 's/^# fuzz: seed [0-9]*: \([0-9]*\) calls in .*/\1/p' \
			"$OUT/vm-fuzz-$k.log" 2>/dev/null | tail -n 1 || true)
		[ -n "$calls" ] || rc=1
		cp "$OUT/vm-fuzz-$k.log" "$OUT/vm-fuzz-$seed.log" 2>/dev/null || true
		cp "$OUT/vm-fuzz-$k.gcov" "$OUT/vm-fuzz-$seed.gcov" 2>/dev/null || true
		cp "$OUT/fuzz-$k.console" "$OUT/fuzz-$seed.console"
		echo "$seed ${calls:-0} $([ $rc -eq 0 ] && echo passed || echo FAILED)" >> "$runs"
		log "fuzz: lane $k: seed $seed: ${calls:-no} calls, $([ $rc -eq 0 ] &&
			echo passed || echo "FAILED (out/vm-fuzz-$seed.log, out/fuzz-$seed.console)")"
		seed=$((seed + jobs))
	done
}

start=$SECONDS
log "fuzz: $jobs lane(s), runs of at most $seconds s, until $total_want calls"
for k in $(seq 0 $((jobs - 1))); do
	lane "$k" &
done
wait

log "fuzz: the runs (seed, calls, result):"
sort -n "$runs" | sed 's/^/    /' >&2
failed=$(awk '$3 == "FAILED" { printf "%s ", $1 }' "$runs")
nruns=$(wc -l < "$runs")
# gcov: the lines and branches of tdx_mig.ko all the runs reached together.
# shellcheck disable=SC2046
python3 "$TOP/scripts/coverage.py" "$OUT/build-debug" $(ls "$OUT"/vm-fuzz-[0-9]*.gcov 2>/dev/null) ||
	failed="$failed coverage"
log "fuzz: $nruns run(s) from seed $first, $(sum_calls) calls in $(((SECONDS - start) / 60)) min, $(
	[ -z "$failed" ] && echo 'no violation, no splat' ||
	echo "FAILED: $failed (make fuzz SEED=<seed> reproduces one)")"
[ -z "$failed" ] && [ "$(sum_calls)" -ge "$total_want" ]
