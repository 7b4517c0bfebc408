// SPDX-License-Identifier: GPL-2.0
/*
 * The core's SEAMCALL backend inside kvm-intel: the instruction itself, on
 * a host where KVM found TDX usable; and the core's debugfs directory.
 */
#include <linux/errno.h>

#include "setup.h"
#include "../caps.h"
#include "../core/core.h"
#include "../seamcall/seamcall.h"

int tdx_mig_kvm_hw_start(u32 *max_migs)
{
	struct tdx_mig_caps caps = {};
	int ret;

	ret = tdx_mig_backend_register(&tdx_mig_hw_backend);
	if (ret)
		return ret;
	ret = tdx_mig_caps_read(&caps);
	if (!ret && !caps.max_migs)
		ret = -EOPNOTSUPP;
	if (ret) {
		tdx_mig_backend_unregister(&tdx_mig_hw_backend);
		return ret;
	}
	*max_migs = caps.max_migs;
	tdx_mig_debugfs_init();
	return 0;
}

void tdx_mig_kvm_hw_stop(void)
{
	tdx_mig_debugfs_exit();
	tdx_mig_backend_unregister(&tdx_mig_hw_backend);
}
