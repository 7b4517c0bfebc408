#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kconfig/bench.config is kconfig/debug.config without the sanitizers, lock
# debugging, KUnit, gcov and fault injection: every other line of the debug
# fragment must be in it unchanged, and each of those it leaves out it must
# turn off (=n), so that scripts/kernel.sh's check of the built .config
# proves them off. A line added to the debug fragment and not to the bench
# one fails here.

. "$(dirname "$0")/lib.sh"

debug=$TOP/kconfig/debug.config bench=$TOP/kconfig/bench.config
# Left out of the benchmark kernel; the first of each group is turned off,
# the rest of the group depend on it.
OFF="KASAN KASAN_GENERIC KASAN_INLINE
DEBUG_KMEMLEAK DEBUG_KMEMLEAK_AUTO_SCAN
PROVE_LOCKING
UBSAN UBSAN_BOUNDS
DEBUG_LIST
DEBUG_OBJECTS
DEBUG_ATOMIC_SLEEP
SLUB_DEBUG
KUNIT KUNIT_DEBUGFS KUNIT_DEFAULT_ENABLED
GCOV_KERNEL
FAULT_INJECTION FAILSLAB FAIL_PAGE_ALLOC FAULT_INJECTION_DEBUG_FS FAULT_INJECTION_STACKTRACE_FILTER"
rc=0

while IFS= read -r line; do
	case "$line" in CONFIG_*=*) ;; *) continue ;; esac
	opt=${line%%=*}; opt=${opt#CONFIG_}
	if printf '%s\n' "$OFF" | grep -qw -- "$opt"; then
		grep -q "^CONFIG_$opt=[ym]" "$bench" &&
			{ log "bench-config: CONFIG_$opt is on in bench.config"; rc=1; }
	elif [ "$opt" != LOCALVERSION ] && ! grep -qxF -- "$line" "$bench"; then
		log "bench-config: debug.config's $line is not in bench.config"
		rc=1
	fi
done < "$debug"
while read -r opt _; do
	grep -qx "CONFIG_$opt=n" "$bench" ||
		{ log "bench-config: bench.config does not turn CONFIG_$opt off (=n)"; rc=1; }
done <<< "$OFF"
[ $rc -eq 0 ] && log "bench-config: bench.config is debug.config without: $(awk '{ print $1 }' <<< "$OFF" | tr '\n' ' ')"
exit $rc
