// SPDX-License-Identifier: GPL-2.0
/*
 * The callee's side of the ABI (seamcall/abi.h): operand decoders, SEPT
 * state encodings and metadata field IDs, which only the TDX Module needs.
 */
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>

#include "abi_decode.h"

bool tdx_hpa_and_size_decode(u64 raw, struct tdx_hpa_and_size *out)
{
	out->hpa = FIELD_GET(TDX_HPA_AND_SIZE_HPA_MASK, raw);
	out->size = FIELD_GET(TDX_HPA_AND_SIZE_SIZE_MASK, raw);
	return IS_ALIGNED(out->hpa, TDX_MBMD_ALIGN) &&
	       out->size >= sizeof(struct tdx_mbmd);
}
EXPORT_SYMBOL_GPL(tdx_hpa_and_size_decode);

bool tdx_gpa_list_info_decode(u64 raw, struct tdx_gpa_list_info *out)
{
	out->format = FIELD_GET(TDX_GPA_LIST_INFO_FORMAT_MASK, raw);
	out->first_entry = FIELD_GET(TDX_GPA_LIST_INFO_FIRST_MASK, raw);
	out->hpa = raw & TDX_GPA_LIST_INFO_HPA_MASK;
	out->last_entry = FIELD_GET(TDX_GPA_LIST_INFO_LAST_MASK, raw);
	return !(raw & TDX_GPA_LIST_INFO_RSVD_MASK) &&
	       out->format == TDX_GPA_LIST_FORMAT_GPA_ONLY &&
	       out->first_entry <= out->last_entry;
}
EXPORT_SYMBOL_GPL(tdx_gpa_list_info_decode);

/* §3.4: encoding and the public state TDH.MEM.SEPT.RD reports, per state. */
static const struct {
	const char *name;
	u8 encoding;
	u8 public;
} sept_states[TDX_NUM_SEPT_STATES] = {
	[TDX_SEPT_FREE]				= { "FREE", 0x0e, 0 },
	[TDX_SEPT_REMOVED]			= { "REMOVED", 0x0c, 5 },
	[TDX_SEPT_NL_MAPPED]			= { "NL_MAPPED", 0x00, 132 },
	[TDX_SEPT_NL_BLOCKED]			= { "NL_BLOCKED", 0x08, 129 },
	[TDX_SEPT_MAPPED]			= { "MAPPED", 0x60, 4 },
	[TDX_SEPT_BLOCKED]			= { "BLOCKED", 0x68, 1 },
	[TDX_SEPT_BLOCKEDW]			= { "BLOCKEDW", 0x64, 8 },
	[TDX_SEPT_EXPORTED_BLOCKEDW]		= { "EXPORTED_BLOCKEDW", 0x66, 9 },
	[TDX_SEPT_EXPORTED_DIRTY]		= { "EXPORTED_DIRTY", 0x63, 11 },
	[TDX_SEPT_EXPORTED_DIRTY_BLOCKEDW]	= { "EXPORTED_DIRTY_BLOCKEDW", 0x67, 12 },
	[TDX_SEPT_PENDING]			= { "PENDING", 0x70, 2 },
	[TDX_SEPT_PENDING_BLOCKED]		= { "PENDING_BLOCKED", 0x78, 3 },
	[TDX_SEPT_PENDING_BLOCKEDW]		= { "PENDING_BLOCKEDW", 0x74, 16 },
	[TDX_SEPT_PENDING_EXPORTED_BLOCKEDW]	= { "PENDING_EXPORTED_BLOCKEDW", 0x76, 17 },
	[TDX_SEPT_PENDING_EXPORTED_DIRTY]	= { "PENDING_EXPORTED_DIRTY", 0x73, 19 },
	[TDX_SEPT_PENDING_EXPORTED_DIRTY_BLOCKEDW] = {
		"PENDING_EXPORTED_DIRTY_BLOCKEDW", 0x77, 20 },
};

u8 tdx_sept_state_encoding(enum tdx_sept_state state)
{
	if (WARN_ON_ONCE((unsigned int)state >= TDX_NUM_SEPT_STATES))
		return 0xff;
	return sept_states[state].encoding;
}
EXPORT_SYMBOL_GPL(tdx_sept_state_encoding);

u8 tdx_sept_state_public(enum tdx_sept_state state)
{
	if (WARN_ON_ONCE((unsigned int)state >= TDX_NUM_SEPT_STATES))
		return 0xff;
	return sept_states[state].public;
}
EXPORT_SYMBOL_GPL(tdx_sept_state_public);

const char *tdx_sept_state_name(enum tdx_sept_state state)
{
	if ((unsigned int)state >= TDX_NUM_SEPT_STATES)
		return "INVALID";
	return sept_states[state].name;
}
EXPORT_SYMBOL_GPL(tdx_sept_state_name);

/* The 7 state bits of an entry, gathered as §3.4 numbers them. */
u8 tdx_sept_entry_encoding(u64 entry)
{
	static const u64 state_bits[] = {
		TDX_SEPT_D_BIT, TDX_SEPT_TDEX_BIT, TDX_SEPT_TDBW_BIT, TDX_SEPT_TDB_BIT,
		TDX_SEPT_TDP_BIT, TDX_SEPT_IPAT_BIT, TDX_SEPT_PS_BIT,
	};
	u8 encoding = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(state_bits); i++)
		if (entry & state_bits[i])
			encoding |= BIT(i);
	return encoding;
}
EXPORT_SYMBOL_GPL(tdx_sept_entry_encoding);

int tdx_sept_state_from_encoding(u8 encoding)
{
	int i;

	for (i = 0; i < TDX_NUM_SEPT_STATES; i++)
		if (sept_states[i].encoding == encoding)
			return i;
	return -EINVAL;
}
EXPORT_SYMBOL_GPL(tdx_sept_state_from_encoding);

#define TDX_MD_FIELD_ID_RSVD_MASK \
	(GENMASK_ULL(31, 24) | GENMASK_ULL(49, 47) | BIT_ULL(55) | BIT_ULL(62))

u64 tdx_md_field_id_encode(const struct tdx_md_field_id *f)
{
	return FIELD_PREP(TDX_MD_FIELD_CODE_MASK, f->field_code) |
	       FIELD_PREP(TDX_MD_ELEM_SIZE_MASK, f->elem_size) |
	       FIELD_PREP(TDX_MD_LAST_ELEM_MASK, f->last_elem) |
	       FIELD_PREP(TDX_MD_LAST_FIELD_MASK, f->last_field) |
	       (f->inc_size ? TDX_MD_INC_SIZE_BIT : 0) |
	       (f->write_mask_valid ? TDX_MD_WRITE_MASK_VALID_BIT : 0) |
	       FIELD_PREP(TDX_MD_CONTEXT_MASK, f->context) |
	       FIELD_PREP(TDX_MD_CLASS_MASK, f->class_code) |
	       (f->non_arch ? TDX_MD_NON_ARCH_BIT : 0);
}
EXPORT_SYMBOL_GPL(tdx_md_field_id_encode);

bool tdx_md_field_id_decode(u64 raw, struct tdx_md_field_id *f)
{
	f->field_code = FIELD_GET(TDX_MD_FIELD_CODE_MASK, raw);
	f->elem_size = FIELD_GET(TDX_MD_ELEM_SIZE_MASK, raw);
	f->last_elem = FIELD_GET(TDX_MD_LAST_ELEM_MASK, raw);
	f->last_field = FIELD_GET(TDX_MD_LAST_FIELD_MASK, raw);
	f->inc_size = raw & TDX_MD_INC_SIZE_BIT;
	f->write_mask_valid = raw & TDX_MD_WRITE_MASK_VALID_BIT;
	f->context = FIELD_GET(TDX_MD_CONTEXT_MASK, raw);
	f->class_code = FIELD_GET(TDX_MD_CLASS_MASK, raw);
	f->non_arch = raw & TDX_MD_NON_ARCH_BIT;
	return !(raw & TDX_MD_FIELD_ID_RSVD_MASK);
}
EXPORT_SYMBOL_GPL(tdx_md_field_id_decode);
