/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Trace events of the migration core, system tdx_mig: every SEAMCALL, every
 * run of a stream leaf through the resumable-call engine, every stream
 * command, every epoch and start token, and post-copy's demand faults.
 * trace.c alone defines CREATE_TRACE_POINTS. A disabled event costs its
 * static key: durations are measured only when the event is enabled.
 *
 * Linked into kvm-intel (TDX_MIG_IN_KVM) the same events form the system
 * tdx_mig_kvm, so that they never collide with tdx_mig.ko's when both
 * modules are loaded.
 */
#undef TRACE_SYSTEM
#ifdef TDX_MIG_IN_KVM
#define TRACE_SYSTEM tdx_mig_kvm
#else
#define TRACE_SYSTEM tdx_mig
#endif

#if !defined(TDX_MIG_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define TDX_MIG_TRACE_H

#include <linux/tracepoint.h>

/* One SEAMCALL, as tdx_mig_seamcall() issued it; @ns: time in the backend. */
TRACE_EVENT(tdx_mig_seamcall,
	    TP_PROTO(u16 leaf, u8 version, u64 status, u64 ns),
	    TP_ARGS(leaf, version, status, ns),
	    TP_STRUCT__entry(__field(u16, leaf)
			     __field(u8, version)
			     __field(u64, status)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->leaf = leaf;
			   __entry->version = version;
			   __entry->status = status;
			   __entry->ns = ns;),
	    TP_printk("leaf=%u version=%u status=0x%llx ns=%llu",
		      __entry->leaf, __entry->version, __entry->status, __entry->ns)
);

/*
 * A stream leaf run by the resumable-call engine to its end (or until a
 * signal or exhausted busy retries end the ioctl): @seamcalls SEAMCALLs,
 * of which @resumptions resumed an interrupted call and @busy_retries
 * repeated a busy one; @ns from the first to the last; @ret the errno.
 */
TRACE_EVENT(tdx_mig_call,
	    TP_PROTO(u16 stream, u16 leaf, u64 status, int ret, u32 seamcalls, u32 resumptions,
		     u32 busy_retries, u64 ns),
	    TP_ARGS(stream, leaf, status, ret, seamcalls, resumptions, busy_retries, ns),
	    TP_STRUCT__entry(__field(u16, stream)
			     __field(u16, leaf)
			     __field(u64, status)
			     __field(int, ret)
			     __field(u32, seamcalls)
			     __field(u32, resumptions)
			     __field(u32, busy_retries)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->stream = stream;
			   __entry->leaf = leaf;
			   __entry->status = status;
			   __entry->ret = ret;
			   __entry->seamcalls = seamcalls;
			   __entry->resumptions = resumptions;
			   __entry->busy_retries = busy_retries;
			   __entry->ns = ns;),
	    TP_printk("stream=%u leaf=%u status=0x%llx ret=%d seamcalls=%u resumptions=%u busy=%u ns=%llu",
		      __entry->stream, __entry->leaf, __entry->status, __entry->ret,
		      __entry->seamcalls, __entry->resumptions, __entry->busy_retries, __entry->ns)
);

/*
 * A KVM_MEMORY_ENCRYPT_OP command of a stream fd: @id, the pages it moved
 * (memory bundles: pages exported or imported; state bundles: pages
 * written or given; 0 for the others and on failure), the errno and the
 * TDX status written to the command's error field.
 */
TRACE_EVENT(tdx_mig_cmd,
	    TP_PROTO(u16 stream, u32 id, u64 pages, int ret, u64 status),
	    TP_ARGS(stream, id, pages, ret, status),
	    TP_STRUCT__entry(__field(u16, stream)
			     __field(u32, id)
			     __field(u64, pages)
			     __field(int, ret)
			     __field(u64, status)),
	    TP_fast_assign(__entry->stream = stream;
			   __entry->id = id;
			   __entry->pages = pages;
			   __entry->ret = ret;
			   __entry->status = status;),
	    TP_printk("stream=%u id=%u pages=%llu ret=%d status=0x%llx",
		      __entry->stream, __entry->id, __entry->pages, __entry->ret, __entry->status)
);

/*
 * An epoch token or the start token, exported or imported: @epoch is the
 * MBMD's MIG_EPOCH (the start token's is 0xffffffff, out of order).
 */
TRACE_EVENT(tdx_mig_token,
	    TP_PROTO(u16 stream, bool export, bool start, u32 epoch, u64 status),
	    TP_ARGS(stream, export, start, epoch, status),
	    TP_STRUCT__entry(__field(u16, stream)
			     __field(bool, export)
			     __field(bool, start)
			     __field(u32, epoch)
			     __field(u64, status)),
	    TP_fast_assign(__entry->stream = stream;
			   __entry->export = export;
			   __entry->start = start;
			   __entry->epoch = epoch;
			   __entry->status = status;),
	    TP_printk("stream=%u %s %s token epoch=0x%x status=0x%llx",
		      __entry->stream, __entry->export ? "export" : "import",
		      __entry->start ? "start" : "epoch", __entry->epoch, __entry->status)
);

/*
 * Post-copy: a destination vCPU touched private @gfn that no bundle has
 * brought yet (it exits to the VMM, which asks the source for it).
 */
TRACE_EVENT(tdx_mig_demand_fault,
	    TP_PROTO(u64 gfn),
	    TP_ARGS(gfn),
	    TP_STRUCT__entry(__field(u64, gfn)),
	    TP_fast_assign(__entry->gfn = gfn;),
	    TP_printk("gfn=0x%llx", __entry->gfn)
);

/*
 * Post-copy: an IMPORT_MEM mapped @gfn after a vCPU's demand fault on it;
 * @ns from the first fault on it to the import's end.
 */
TRACE_EVENT(tdx_mig_demand_fault_done,
	    TP_PROTO(u64 gfn, u64 ns),
	    TP_ARGS(gfn, ns),
	    TP_STRUCT__entry(__field(u64, gfn)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->gfn = gfn;
			   __entry->ns = ns;),
	    TP_printk("gfn=0x%llx ns=%llu", __entry->gfn, __entry->ns)
);

#endif /* TDX_MIG_TRACE_H */

/*
 * Out of tree: define_trace.h includes this file again by the path below,
 * relative to the -I$(src) that both builds pass (Kbuild and
 * kvm/kvm-intel.mk); not "." , which in kvm-intel would find KVM's own
 * arch/x86/kvm/trace.h first.
 */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH tdx_mig
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
