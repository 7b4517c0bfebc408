#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside each of the two test VMs for "make demo HOSTS=2": one host's
# part of the how-to's cross-host flow. Each host starts its emulated MigTD
# (as mig-td.sh -t src / -t dst on its own platform); the destination's
# VMM listens, the source's launches the TD bound to MigTD_src, sends HELLO
# (the destination launches its TD bound to MigTD_dst), both pre-migrate
# (the MigTDs meet across the network), and the source VMM migrates the TD
# over TCP while its vCPUs write.
#
#   xdemo.sh src|dst <this host's address> <the other host's address>

role=$1 ip=$2 peer=$3

dmesg_of() {
	dmesg | grep -E "$1" | sed 's/^\[[^]]*\] //'
}

# MODE and STREAMS (vm-run.sh)
. /tests/demo.conf
streams=$STREAMS

echo "--- [$role host $ip] kernel log of the modules"
dmesg_of 'tdx_mig'
echo "--- [$role host $ip] create Migration TD (MigTD_$role)"
[ "$role" = dst ] && migtd_addr=$ip || migtd_addr=$peer
/tests/tdx_mig_migtd -t "$role" -a "$migtd_addr" > /tmp/migtd.log 2>&1 &
migtd=$!
for i in $(seq 100); do
	grep -q 'Loop to wait' /tmp/migtd.log && break
	sleep 0.1
done
cat /tmp/migtd.log
if [ "$role" = dst ]; then
	echo "--- [$role host $ip] the destination VMM"
	/tests/tdx_mig_xhost dst -m "$migtd" -a "$ip" -n 1 -e ok
	rc=$?
else
	echo "--- [$role host $ip] the source VMM: live migration ($MODE) to $peer,"
	echo "    64 MiB, 4 vCPUs, $streams stream(s), the guest writing"
	/tests/tdx_mig_xhost src -m "$migtd" -d "$peer" -M "$MODE" -s "$streams" -S 64 -c 4
	rc=$?
fi
kill "$migtd"
echo "--- [$role host $ip] what MigTD_$role did"
grep 'MigTD: request' /tmp/migtd.log
echo "--- [$role host $ip] kernel log of the pre-migration and the migration"
dmesg_of 'Pre-migration is done|pre-migration failed|migration flow is done'
[ "$rc" = 0 ] || exit "$rc"
[ "$(dmesg_of 'Pre-migration is done' | wc -l)" = 1 ] || exit 1
[ "$role" = src ] || dmesg_of 'migration flow is done' | grep -q . || exit 1
