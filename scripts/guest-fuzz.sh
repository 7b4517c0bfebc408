#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM for "make fuzz": the stream uAPI fuzzer with the
# seed and bounds of fuzz.conf (vm-run.sh), its figures shown as it ends,
# then its result as a one-case selftest block for scripts/summarize.py,
# which also judges the kernel log (any splat fails the run).

. /tests/fuzz.conf
require=
[ "$FUZZ_REQUIRE" = 1 ] && require=-r
echo "--- tdx_mig_fuzz -s $SEED -n $FUZZ_CALLS -t $FUZZ_SECONDS $require"
/tests/tdx_mig_fuzz -s "$SEED" -n "$FUZZ_CALLS" -t "$FUZZ_SECONDS" $require
rc=$?
echo "=== TDXMIG SELFTEST BEGIN tdx_mig_fuzz rc=$rc"
echo "1..1"
if [ "$rc" = 0 ]; then
	echo "ok 1 fuzz seed $SEED"
else
	echo "not ok 1 fuzz seed $SEED (exit $rc; reproduce: make fuzz SEED=$SEED)"
fi
echo "=== TDXMIG SELFTEST END tdx_mig_fuzz"
exit "$rc"
