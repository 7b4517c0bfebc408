#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM for "make demo": what the emulated TDX Module
# reports through tdx_mig.

echo "--- kernel log of the modules"
dmesg | grep -E 'tdx_mig' | sed 's/^\[[^]]*\] //'
echo "--- migration capabilities (TDH.SYS.RD through the SEAMCALL backend)"
cat /sys/kernel/debug/tdx_mig/capabilities
