/* SPDX-License-Identifier: GPL-2.0 */
/* What the TDX Module behind the current backend reports about migration. */
#ifndef TDX_MIG_CAPS_H
#define TDX_MIG_CAPS_H

#include <linux/types.h>

struct seq_file;

struct tdx_mig_caps {
	u64 major_version;
	u64 minor_version;
	u64 update_version;
	u64 features0;
	u64 mig_attributes;
	u64 min_export_version;
	u64 max_export_version;
	u64 min_import_version;
	u64 max_import_version;
	u64 max_migs;
	u64 num_immutable_state_pages;
	u64 num_td_state_pages;
	u64 num_vp_state_pages;
	u64 max_servtds;
	u64 servtd_attr_fixed0;
	u64 servtd_attr_fixed1;
};

int __must_check tdx_mig_caps_read(struct tdx_mig_caps *caps);
void tdx_mig_caps_show(struct seq_file *m, const struct tdx_mig_caps *caps);

#endif /* TDX_MIG_CAPS_H */
