// SPDX-License-Identifier: GPL-2.0
/* The trace events of trace.h are defined here, and only here. */
#define CREATE_TRACE_POINTS
#include "trace.h"
