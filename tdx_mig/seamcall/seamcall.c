// SPDX-License-Identifier: GPL-2.0
/*
 * The single SEAMCALL entry point and its backend hook. The migration code
 * above is identical on hardware and on the emulator: only the backend that
 * tdx_mig_seamcall() reaches differs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <asm/cacheflush.h>
#include <asm/cpufeature.h>
#include <asm/special_insns.h>

#include "seamcall.h"
#include "export.h"
#include "tdx_mig/trace.h"

static const struct tdx_mig_backend __rcu *backend;
/* Serializes backend changes; calls themselves run under RCU only. */
static DEFINE_MUTEX(backend_lock);
/* A copy: the backend's own string leaves with its module. */
static char backend_name[16] = "none";

/**
 * tdx_mig_backend_register - make @b the backend of every SEAMCALL
 * @b: the backend; must stay valid until tdx_mig_backend_unregister()
 *
 * Context: process context. Returns -EBUSY if a backend is registered.
 */
int tdx_mig_backend_register(const struct tdx_mig_backend *b)
{
	int ret = 0;

	mutex_lock(&backend_lock);
	if (rcu_dereference_protected(backend, lockdep_is_held(&backend_lock)))
		ret = -EBUSY;
	else
		rcu_assign_pointer(backend, b);
	if (!ret)
		strscpy(backend_name, b->name, sizeof(backend_name));
	mutex_unlock(&backend_lock);
	if (!ret)
		pr_info("SEAMCALL backend: %s\n", b->name);
	return ret;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_backend_register);

/**
 * tdx_mig_backend_unregister - detach @b; waits for calls in flight
 * @b: the backend passed to tdx_mig_backend_register()
 *
 * Context: process context, may sleep.
 */
void tdx_mig_backend_unregister(const struct tdx_mig_backend *b)
{
	mutex_lock(&backend_lock);
	if (rcu_dereference_protected(backend, lockdep_is_held(&backend_lock)) == b) {
		RCU_INIT_POINTER(backend, NULL);
		strscpy(backend_name, "none", sizeof(backend_name));
	}
	mutex_unlock(&backend_lock);
	/* A SEAMCALL never sleeps, so a grace period covers every caller. */
	synchronize_rcu();
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_backend_unregister);

/**
 * tdx_mig_backend_name - the name of the current backend, or "none"
 *
 * Context: process context. The string is tdx_mig's own copy.
 */
const char *tdx_mig_backend_name(void)
{
	return backend_name;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_backend_name);

/**
 * tdx_mig_seamcall - issue one SEAMCALL through the registered backend
 * @rax: leaf and version
 * @args: input registers, replaced by the output registers
 *
 * Without a backend this answers as the instruction does when no TDX Module
 * is loaded (VMfailInvalid). Like the instruction, a call runs to its end
 * on one logical CPU: preemption is off while the backend runs.
 *
 * Every call is a tdx_mig_seamcall trace event; its duration is measured
 * only while the event is enabled.
 *
 * Context: task context; never sleeps.
 * Return: the status (RAX).
 */
u64 tdx_mig_seamcall(u64 rax, struct tdx_mig_args *args)
{
	bool traced = trace_tdx_mig_seamcall_enabled();
	const struct tdx_mig_backend *b;
	u64 ret = TDX_STATUS_SW_VMFAILINVALID, start = 0, ns = 0;

	WARN_ON_ONCE(!in_task());
	preempt_disable();
	rcu_read_lock();
	b = rcu_dereference(backend);
	if (traced)
		start = ktime_get_ns();
	if (b)
		ret = b->seamcall(rax, args);
	if (traced)
		ns = ktime_get_ns() - start;
	rcu_read_unlock();
	preempt_enable();
	if (traced)
		trace_tdx_mig_seamcall(FIELD_GET(TDX_LEAF_MASK, rax),
				       FIELD_GET(TDX_LEAF_VERSION_MASK, rax), ret, ns);
	return ret;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_seamcall);

/**
 * tdx_mig_status_to_errno - the one place a TDX status becomes an errno
 * @status: RAX of a SEAMCALL
 *
 * Callers that must act on a specific status (INTERRUPTED_RESUMABLE, a
 * failed-entry count) test the status itself before calling this.
 */
int tdx_mig_status_to_errno(u64 status)
{
	switch (tdx_status_code(status)) {
	case TDX_STATUS_SUCCESS:
		return 0;
	case TDX_STATUS_OPERAND_BUSY:
	case TDX_STATUS_OPERAND_BUSY_HOST_PRIORITY:
	case TDX_STATUS_PREVIOUS_TLB_EPOCH_BUSY:
		return -EBUSY;
	case TDX_STATUS_RND_NO_ENTROPY:
		return -EAGAIN;
	case TDX_STATUS_INTERRUPTED_RESUMABLE:
		return -EINTR;
	case TDX_STATUS_OPERAND_INVALID:
	case TDX_STATUS_OPERAND_ADDR_RANGE_ERROR:
	case TDX_STATUS_METADATA_FIELD_ID_INCORRECT:
	case TDX_STATUS_METADATA_FIELD_NOT_READABLE:
	case TDX_STATUS_METADATA_FIELD_NOT_WRITABLE:
	case TDX_STATUS_METADATA_FIELD_VALUE_NOT_VALID:
		return -EINVAL;
	case TDX_STATUS_SW_VMFAILINVALID:
		return -ENODEV;
	case TDX_STATUS_SW_FAULT:
	case TDX_STATUS_SW_UNSUPPORTED:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_status_to_errno);

/**
 * tdx_mig_tdh_sys_rd - TDH.SYS.RD: read one global metadata field
 * @field_id: the field (§5)
 * @value: the value, on success
 *
 * Return: the TDX status.
 */
u64 tdx_mig_tdh_sys_rd(u64 field_id, u64 *value)
{
	struct tdx_mig_args args = {
		.rdx = field_id,
	};
	u64 ret;

	ret = tdx_mig_seamcall(SEAMCALL_TDH_SYS_RD, &args);
	*value = ret ? 0 : args.r8;
	return ret;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_sys_rd);

/**
 * tdx_mig_tdh_mng_rd - TDH.MNG.RD: read one TD-scope metadata field
 * @tdr: the TD's TDR
 * @field_id: the field (§5)
 * @value: the value, on success
 *
 * Return: the TDX status.
 */
u64 tdx_mig_tdh_mng_rd(struct tdx_mig_tdr tdr, u64 field_id, u64 *value)
{
	struct tdx_mig_args args = {
		.rcx = tdr.pa,
		.rdx = field_id,
	};
	u64 ret;

	ret = tdx_mig_seamcall(SEAMCALL_TDH_MNG_RD, &args);
	*value = ret ? 0 : args.r8;
	return ret;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_tdh_mng_rd);

/**
 * tdx_mig_busy_backoff - wait before retrying a busy SEAMCALL
 * @tries: retries so far, incremented
 *
 * The lock holder is another SEAMCALL, possibly a vCPU running guest code
 * for a few milliseconds: reschedule first, then sleep briefly.
 * Return: false once the retries are exhausted (about 100 ms).
 */
bool tdx_mig_busy_backoff(unsigned int *tries)
{
	if (++*tries > TDX_MIG_BUSY_RETRIES)
		return false;
	if (*tries < 16)
		cond_resched();
	else
		usleep_range(20, 50);
	return true;
}

/*
 * The page becomes the TDX Module's: no dirty line the host's key left in
 * the cache may be written back over it later (upstream's
 * tdx_clflush_page()). Addresses that are no page of memory are the
 * operand errors some callers test; the module refuses them.
 */
void tdx_mig_page_flush(u64 pa)
{
	if (PAGE_ALIGNED(pa) && pfn_valid(PHYS_PFN(pa)))
		clflush_cache_range(__va(pa), PAGE_SIZE);
}

/*
 * The page came back from the TDX Module: zeroed before the host uses it,
 * so it sees nothing the module kept there. With MOVDIR64B (every TDX
 * host has it) whole lines are written without reading them first, which
 * also clears lines a partial write poisoned (what upstream's
 * tdx_quirk_reset_paddr() does on CPUs with that erratum).
 */
void tdx_mig_page_reset(u64 pa)
{
	static const u8 zero[64] __aligned(64);
	u8 *va = __va(pa);
	unsigned int off;

	if (!boot_cpu_has(X86_FEATURE_MOVDIR64B)) {
		memset(va, 0, PAGE_SIZE);
		return;
	}
	for (off = 0; off < PAGE_SIZE; off += sizeof(zero))
#ifdef TDX_MIG_HAVE_MOVDIR64B_IO
		movdir64b(va + off, zero);
#else
		movdir64b((void __iomem __force *)(va + off), zero);
#endif
	/* MOVDIR64B is weakly ordered: later users must see the zeroes. */
	mb();
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_page_reset);
