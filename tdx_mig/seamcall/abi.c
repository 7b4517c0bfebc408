// SPDX-License-Identifier: GPL-2.0
/*
 * Tables of the TDX Module migration ABI that are too large to be inline
 * (abi.h). The decoders only the TDX Module needs are in the model
 * (emu/module/abi_decode.c).
 */
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>

#include "abi.h"
#include "export.h"

static const char * const op_state_names[TDX_NUM_OP_STATES] = {
	[TDX_OP_STATE_UNINITIALIZED]	= "UNINITIALIZED",
	[TDX_OP_STATE_INITIALIZED]	= "INITIALIZED",
	[TDX_OP_STATE_RUNNABLE]		= "RUNNABLE",
	[TDX_OP_STATE_LIVE_EXPORT]	= "LIVE_EXPORT",
	[TDX_OP_STATE_PAUSED_EXPORT]	= "PAUSED_EXPORT",
	[TDX_OP_STATE_POST_EXPORT]	= "POST_EXPORT",
	[TDX_OP_STATE_MEMORY_IMPORT]	= "MEMORY_IMPORT",
	[TDX_OP_STATE_STATE_IMPORT]	= "STATE_IMPORT",
	[TDX_OP_STATE_POST_IMPORT]	= "POST_IMPORT",
	[TDX_OP_STATE_LIVE_IMPORT]	= "LIVE_IMPORT",
	[TDX_OP_STATE_FAILED_IMPORT]	= "FAILED_IMPORT",
};

const char *tdx_op_state_name(enum tdx_op_state state)
{
	if ((unsigned int)state >= TDX_NUM_OP_STATES)
		return "INVALID";
	return op_state_names[state];
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_op_state_name);
