#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM for "make demo": what the emulated TDX Module
# reports through tdx_mig, then a live migration (tdx_mig_demo).

echo "--- kernel log of the modules"
dmesg | grep -E 'tdx_mig' | sed 's/^\[[^]]*\] //'
echo "--- migration capabilities (TDH.SYS.RD through the SEAMCALL backend)"
cat /sys/kernel/debug/tdx_mig/capabilities
echo "--- live migration: 64 MiB, 4 vCPUs, 2 streams, the guest writing throughout"
/tests/tdx_mig_demo 64 4 2 || exit 1
echo "--- kernel log of the migration"
dmesg | grep -E 'migration flow is done' | sed 's/^\[[^]]*\] //'
