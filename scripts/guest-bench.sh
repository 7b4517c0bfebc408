#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM for "make bench".

/tests/tdx_mig_bench
