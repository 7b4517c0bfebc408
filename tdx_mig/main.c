// SPDX-License-Identifier: GPL-2.0
/*
 * tdx_mig.ko: the host side of Intel TDX 1.5 TD live migration.
 * Module init and exit only; each concept lives in its own file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <asm/cpufeature.h>

#include "caps.h"
#include "core/core.h"
#include "seamcall/seamcall.h"

static char *backend = "auto";
module_param(backend, charp, 0444);
MODULE_PARM_DESC(backend,
		 "SEAMCALL backend: auto (hw on a TDX host platform), hw, or none (wait for tdx_mig_emu)");

static struct dentry *debugfs_dir;

static int capabilities_show(struct seq_file *m, void *unused)
{
	struct tdx_mig_caps caps = {};
	int ret;

	ret = tdx_mig_caps_read(&caps);
	if (ret) {
		seq_printf(m, "backend: %s\nerror: %d\n", tdx_mig_backend_name(), ret);
		return 0;
	}
	tdx_mig_caps_show(m, &caps);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(capabilities);

DEFINE_SHOW_ATTRIBUTE(tdx_mig_servtd_memory);

static bool want_hw_backend(void)
{
	if (!strcmp(backend, "hw"))
		return true;
	if (strcmp(backend, "auto"))
		return false;
#ifdef X86_FEATURE_TDX_HOST_PLATFORM
	return boot_cpu_has(X86_FEATURE_TDX_HOST_PLATFORM);
#else
	return false;
#endif
}

static int __init tdx_mig_init(void)
{
	int ret;

	if (strcmp(backend, "auto") && strcmp(backend, "hw") && strcmp(backend, "none"))
		return -EINVAL;

	if (want_hw_backend()) {
		ret = tdx_mig_backend_register(&tdx_mig_hw_backend);
		if (ret)
			return ret;
	}

	debugfs_dir = tdx_mig_debugfs_init();
	debugfs_create_file("capabilities", 0444, debugfs_dir, NULL, &capabilities_fops);
	debugfs_create_file("servtd_memory", 0444, debugfs_dir, NULL, &tdx_mig_servtd_memory_fops);
	pr_info("loaded, backend %s\n", tdx_mig_backend_name());
	return 0;
}

static void __exit tdx_mig_exit(void)
{
	tdx_mig_debugfs_exit();
	tdx_mig_backend_unregister(&tdx_mig_hw_backend);
}

module_init(tdx_mig_init);
module_exit(tdx_mig_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Intel TDX 1.5 TD live migration, host side");
