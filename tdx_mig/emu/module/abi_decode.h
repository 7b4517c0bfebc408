/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The callee's side of the ABI: what the TDX Module decodes of the
 * operands the host encodes with seamcall/abi.h (abi_decode.c).
 */
#ifndef TDX_MIG_EMU_ABI_DECODE_H
#define TDX_MIG_EMU_ABI_DECODE_H

#include "seamcall/abi.h"

/* Returns false where the module answers TDX_OPERAND_INVALID | R8. */
bool tdx_hpa_and_size_decode(u64 raw, struct tdx_hpa_and_size *out);

/* Returns false where the module answers TDX_OPERAND_INVALID | RCX. */
bool tdx_gpa_list_info_decode(u64 raw, struct tdx_gpa_list_info *out);

/*
 * The 7-bit state encoding: D | TDEX << 1 | TDBW << 2 | TDB << 3 | TDP << 4 |
 * IPAT << 5 | PS << 6.
 */
u8 tdx_sept_state_encoding(enum tdx_sept_state state);
/* The public state TDH.MEM.SEPT.RD reports. */
u8 tdx_sept_state_public(enum tdx_sept_state state);
u8 tdx_sept_entry_encoding(u64 entry);
/* Returns -EINVAL for an encoding that names no state. */
int tdx_sept_state_from_encoding(u8 encoding);
const char *tdx_sept_state_name(enum tdx_sept_state state);

u64 tdx_md_field_id_encode(const struct tdx_md_field_id *f);
/* Returns false if reserved bits (49:47, 55, 62) are set. */
bool tdx_md_field_id_decode(u64 raw, struct tdx_md_field_id *f);

#endif /* TDX_MIG_EMU_ABI_DECODE_H */
