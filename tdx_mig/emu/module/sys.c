// SPDX-License-Identifier: GPL-2.0
/*
 * The global (SYS) metadata of the emulated TDX Module and TDH.SYS.RD.
 * Values are those of TDX Module 1.5.01 (§5); the version and TDX_FEATURES0
 * come from tdx_emu_info so later 1.5.x behaviour can be modelled.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/mm.h>

#include "emu.h"

struct tdx_emu_module_info tdx_emu_info = {
	.major_version = 1,
	.minor_version = 5,
	.update_version = 1,
	/* Only what the model implements: no TD-preserving update, no host-priority locks. */
	.features0 = EMU_FEATURES0_DEFAULT,
};

/* The version and features fields come from tdx_emu_info, at load. */
#define FROM_INFO	(~0ULL)

/* Every global field of the model, in the order TDH.SYS.RD walks them. */
static const struct {
	u64 field_id;
	u64 value;
} sys_fields[] = {
	{ TDX_MD_SYS_MINOR_VERSION,		FROM_INFO },
	{ TDX_MD_SYS_MAJOR_VERSION,		FROM_INFO },
	{ TDX_MD_SYS_UPDATE_VERSION,		FROM_INFO },
	{ TDX_MD_SYS_TDX_FEATURES0,		FROM_INFO },
	{ TDX_MD_SYS_ATTRIBUTES_FIXED0,		EMU_ATTRIBUTES_FIXED0 },
	{ TDX_MD_SYS_ATTRIBUTES_FIXED1,		0 },
	{ TDX_MD_SYS_XFAM_FIXED0,		EMU_XFAM_FIXED0 },
	{ TDX_MD_SYS_XFAM_FIXED1,		EMU_XFAM_FIXED1 },
	{ TDX_MD_SYS_MIN_EXPORT_VERSION,	0 },
	{ TDX_MD_SYS_MAX_EXPORT_VERSION,	0 },
	{ TDX_MD_SYS_MIN_IMPORT_VERSION,	0 },
	{ TDX_MD_SYS_MAX_IMPORT_VERSION,	0 },
	{ TDX_MD_SYS_TDR_BASE_SIZE,		PAGE_SIZE },
	{ TDX_MD_SYS_TDCS_BASE_SIZE,		EMU_TDCS_PAGES * PAGE_SIZE },
	{ TDX_MD_SYS_TDVPS_BASE_SIZE,		EMU_TDVPS_PAGES * PAGE_SIZE },
	{ TDX_MD_SYS_MAX_VCPUS_PER_TD,		EMU_MAX_VCPUS },
	{ TDX_MD_SYS_MIG_ATTRIBUTES,		0 },
	{ TDX_MD_SYS_MAX_MIGS,			TDX_MAX_MIGS },
	{ TDX_MD_SYS_NUM_IMMUTABLE_STATE_PAGES,	TDX_MIN_IMMUTABLE_EXPORT_PAGES },
	{ TDX_MD_SYS_NUM_TD_STATE_PAGES,	TDX_MIN_TD_STATE_EXPORT_PAGES },
	{ TDX_MD_SYS_NUM_VP_STATE_PAGES,	TDX_MIN_VP_STATE_EXPORT_PAGES },
	{ TDX_MD_SYS_MAX_SERV_TDS,		TDX_MAX_SERVTDS },
	{ TDX_MD_SYS_SERVTD_ATTR_FIXED0,	TDX_SERVTD_ATTR_FIXED0 },
	{ TDX_MD_SYS_SERVTD_ATTR_FIXED1,	TDX_SERVTD_ATTR_FIXED1 },
};

static int sys_field_index(u64 field_id)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(sys_fields); i++)
		if (sys_fields[i].field_id == field_id)
			return i;
	return -ENOENT;
}

static u64 sys_field_value(int i)
{
	switch (sys_fields[i].field_id) {
	case TDX_MD_SYS_MAJOR_VERSION:
		return tdx_emu_info.major_version;
	case TDX_MD_SYS_MINOR_VERSION:
		return tdx_emu_info.minor_version;
	case TDX_MD_SYS_UPDATE_VERSION:
		return tdx_emu_info.update_version;
	case TDX_MD_SYS_TDX_FEATURES0:
		return tdx_emu_info.features0;
	}
	return sys_fields[i].value;
}

/**
 * tdx_emu_sys_field - the value of one global field
 * @field_id: the field
 * @value: its value
 *
 * Return: 0, or -ENOENT for a field the model does not have.
 */
int tdx_emu_sys_field(u64 field_id, u64 *value)
{
	int i = sys_field_index(field_id);

	if (i < 0)
		return i;
	*value = sys_field_value(i);
	return 0;
}

/*
 * TDH.SYS.RD: RDX = field ID in; R8 = value and RDX = the next field ID
 * (-1 after the last) out.
 */
u64 tdx_emu_sys_rd(struct tdx_mig_args *args)
{
	int i = sys_field_index(args->rdx);

	if (i < 0) {
		args->r8 = 0;
		return tdx_status_with_operand(TDX_STATUS_METADATA_FIELD_ID_INCORRECT,
					       TDX_OPID_RDX);
	}
	args->r8 = sys_field_value(i);
	args->rdx = i + 1 < ARRAY_SIZE(sys_fields) ? sys_fields[i + 1].field_id : ~0ULL;
	return TDX_STATUS_SUCCESS;
}
