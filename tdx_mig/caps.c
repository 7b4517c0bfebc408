// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the TDX Module's migration capabilities through TDH.SYS.RD, the
 * same way on hardware and on the emulator.
 */
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/seq_file.h>

#include "caps.h"
#include "seamcall/seamcall.h"
#include "export.h"

static int read_sys_field(u64 field_id, u64 *value)
{
	u64 status = tdx_mig_tdh_sys_rd(field_id, value);

	return status ? tdx_mig_status_to_errno(status) : 0;
}

/**
 * tdx_mig_caps_read - read the migration capabilities of the TDX Module
 * @caps: filled on success
 *
 * Context: process context.
 * Return: 0, -ENODEV without a TDX Module, -EOPNOTSUPP if the module does
 * not support TD migration, or the errno of the failing read.
 */
int tdx_mig_caps_read(struct tdx_mig_caps *caps)
{
	int ret;

	ret = read_sys_field(TDX_MD_SYS_TDX_FEATURES0, &caps->features0);
	if (ret)
		return ret;
	if (!(caps->features0 & TDX_FEATURES0_TD_MIGRATION))
		return -EOPNOTSUPP;

	ret = read_sys_field(TDX_MD_SYS_MAJOR_VERSION, &caps->major_version) ?:
	      read_sys_field(TDX_MD_SYS_MINOR_VERSION, &caps->minor_version) ?:
	      read_sys_field(TDX_MD_SYS_UPDATE_VERSION, &caps->update_version) ?:
	      read_sys_field(TDX_MD_SYS_MIG_ATTRIBUTES, &caps->mig_attributes) ?:
	      read_sys_field(TDX_MD_SYS_MIN_EXPORT_VERSION, &caps->min_export_version) ?:
	      read_sys_field(TDX_MD_SYS_MAX_EXPORT_VERSION, &caps->max_export_version) ?:
	      read_sys_field(TDX_MD_SYS_MIN_IMPORT_VERSION, &caps->min_import_version) ?:
	      read_sys_field(TDX_MD_SYS_MAX_IMPORT_VERSION, &caps->max_import_version) ?:
	      read_sys_field(TDX_MD_SYS_MAX_MIGS, &caps->max_migs) ?:
	      read_sys_field(TDX_MD_SYS_NUM_IMMUTABLE_STATE_PAGES,
			     &caps->num_immutable_state_pages) ?:
	      read_sys_field(TDX_MD_SYS_NUM_TD_STATE_PAGES, &caps->num_td_state_pages) ?:
	      read_sys_field(TDX_MD_SYS_NUM_VP_STATE_PAGES, &caps->num_vp_state_pages);
	if (ret)
		return ret;

	if (!(caps->features0 & TDX_FEATURES0_SERVICE_TD)) {
		caps->max_servtds = 0;
		return 0;
	}
	return read_sys_field(TDX_MD_SYS_MAX_SERV_TDS, &caps->max_servtds) ?:
	       read_sys_field(TDX_MD_SYS_SERVTD_ATTR_FIXED0, &caps->servtd_attr_fixed0) ?:
	       read_sys_field(TDX_MD_SYS_SERVTD_ATTR_FIXED1, &caps->servtd_attr_fixed1);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_caps_read);

void tdx_mig_caps_show(struct seq_file *m, const struct tdx_mig_caps *caps)
{
	seq_printf(m, "backend: %s\n", tdx_mig_backend_name());
	seq_printf(m, "module_version: %llu.%llu.%02llu\n", caps->major_version,
		   caps->minor_version, caps->update_version);
	seq_printf(m, "tdx_features0: %#llx\n", caps->features0);
	seq_printf(m, "mig_attributes: %#llx\n", caps->mig_attributes);
	seq_printf(m, "export_version: %llu-%llu\n", caps->min_export_version,
		   caps->max_export_version);
	seq_printf(m, "import_version: %llu-%llu\n", caps->min_import_version,
		   caps->max_import_version);
	seq_printf(m, "max_migs: %llu\n", caps->max_migs);
	seq_printf(m, "immutable_state_pages: %llu\n", caps->num_immutable_state_pages);
	seq_printf(m, "td_state_pages: %llu\n", caps->num_td_state_pages);
	seq_printf(m, "vp_state_pages: %llu\n", caps->num_vp_state_pages);
	seq_printf(m, "max_servtds: %llu\n", caps->max_servtds);
	seq_printf(m, "servtd_attr_fixed0: %#llx\n", caps->servtd_attr_fixed0);
	seq_printf(m, "servtd_attr_fixed1: %#llx\n", caps->servtd_attr_fixed1);
}
