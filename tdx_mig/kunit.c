// SPDX-License-Identifier: GPL-2.0
/*
 * tdx_mig_kunit.ko: the KUnit suites of tdx_mig, one <area>_test.c beside
 * each area. Built only against kernels with CONFIG_KUNIT.
 */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for tdx_mig and the emulated TDX Module");
