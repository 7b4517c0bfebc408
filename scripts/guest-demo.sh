#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM for "make demo": the operators' single-host flow
# of the TD migration how-to on the emulated platform. Start the two
# emulated MigTDs (as mig-td.sh -t src / -t dst), then tdx_mig_demo plays
# both VMMs: launch the TDs bound to them, pre-migrate, migrate.

dmesg_of() {
	dmesg | grep -E "$1" | sed 's/^\[[^]]*\] //'
}

echo "--- kernel log of the modules"
dmesg_of 'tdx_mig'
echo "--- migration capabilities (TDH.SYS.RD through the SEAMCALL backend)"
cat /sys/kernel/debug/tdx_mig/capabilities
echo "--- create Migration TDs"
/tests/tdx_mig_migtd -t src > /tmp/migtd_src.log 2>&1 &
migtd_src=$!
/tests/tdx_mig_migtd -t dst > /tmp/migtd_dst.log 2>&1 &
migtd_dst=$!
for i in $(seq 100); do
	grep -q 'Loop to wait' /tmp/migtd_src.log && grep -q 'Loop to wait' /tmp/migtd_dst.log &&
		break
	sleep 0.1
done
cat /tmp/migtd_src.log /tmp/migtd_dst.log
# MODE and STREAMS (vm-run.sh)
. /tests/demo.conf
streams=$STREAMS
echo "--- live migration ($MODE): 64 MiB, 4 vCPUs, $streams stream(s), the guest writing"
/tests/tdx_mig_demo "$migtd_src" "$migtd_dst" 1234 64 4 "$streams" "$MODE"
rc=$?
kill "$migtd_src" "$migtd_dst"
echo "--- what the MigTDs did"
cat /tmp/migtd_src.log /tmp/migtd_dst.log | grep 'MigTD: request'
echo "--- kernel log of the pre-migration and the migration"
dmesg_of 'Pre-migration is done|pre-migration failed|migration flow is done'
[ "$rc" = 0 ] || exit "$rc"
[ "$(dmesg_of 'Pre-migration is done' | wc -l)" = 2 ] || exit 1
dmesg_of 'migration flow is done' | grep -q . || exit 1
