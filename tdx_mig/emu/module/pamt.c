// SPDX-License-Identifier: GPL-2.0
/*
 * The emulated PAMT. Like the real one it is allocated up front for all of
 * memory the module covers (here: every page frame of the direct map, which
 * on x86_64 is all of RAM), so that no SEAMCALL ever allocates. A page not
 * given to the module is PT_NDA.
 */
#define pr_fmt(fmt) "tdx_mig_emu: " fmt

#include <linux/mm.h>
#include <linux/vmalloc.h>

#include "emu.h"

static struct emu_pamt_entry *pamt;
static unsigned long pamt_pages;

int emu_pamt_init(void)
{
	/* high_memory ends the direct map: max_pfn, which is not exported. */
	pamt_pages = PHYS_PFN(__pa(high_memory - 1)) + 1;
	pamt = vzalloc(array_size(pamt_pages, sizeof(*pamt)));
	return pamt ? 0 : -ENOMEM;
}

static const char *page_type_name(u8 type)
{
	switch (type) {
	case EMU_PT_REG: return "PT_REG";
	case EMU_PT_TDR: return "PT_TDR";
	case EMU_PT_TDCX: return "PT_TDCX";
	case EMU_PT_TDVPR: return "PT_TDVPR";
	case EMU_PT_EPT: return "PT_EPT";
	default: return "PT_?";
	}
}

/**
 * emu_pamt_report_leaks - count the pages still assigned to the model
 * @print: log each one
 *
 * Every page handed to the emulated TDX Module must come back through the
 * teardown leaves; what is still assigned at unload has leaked.
 */
unsigned long emu_pamt_report_leaks(bool print)
{
	unsigned long pfn, n = 0;

	for (pfn = 0; pfn < pamt_pages; pfn++) {
		struct emu_pamt_entry *e = &pamt[pfn];

		if (e->type == EMU_PT_NDA)
			continue;
		if (print && n < 32)
			pr_err("leaked page %#llx %s owner %#llx\n",
			       (u64)PFN_PHYS(pfn), page_type_name(e->type), e->owner);
		n++;
	}
	return n;
}

void emu_pamt_uninit(void)
{
	unsigned long n = emu_pamt_report_leaks(true);

	/*
	 * Leaked pages stay owned by whoever allocated them; the model's
	 * objects of a leaked TD are leaked with them rather than freed under
	 * a host that may still use them.
	 */
	if (n)
		pr_err("leaked %lu page(s) never reclaimed through the teardown leaves\n", n);
	vfree(pamt);
	pamt = NULL;
}

/* The PAMT entry of a page the module covers, or NULL. */
struct emu_pamt_entry *emu_pamt_entry(u64 hpa)
{
	unsigned long pfn = PHYS_PFN(hpa & ~EMU_HKID_MASK);

	if (hpa >> EMU_MAX_PA_BITS || pfn >= pamt_pages || !pfn_valid(pfn))
		return NULL;
	return &pamt[pfn];
}

/*
 * Check a page operand the host gives to the module (TDR, TDCX, TDVPR,
 * SEPT or TD page) and lock its PAMT entry exclusively: 4 KiB aligned,
 * without a key ID (the module applies the TD's), covered by the PAMT and
 * PT_NDA. Returns a TDX status; on success *out is locked.
 */
u64 emu_pamt_claim(u64 hpa, int opid, struct emu_pamt_entry **out)
{
	struct emu_pamt_entry *e;

	if (!PAGE_ALIGNED(hpa) || emu_hpa_hkid(hpa))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, opid);
	e = emu_pamt_entry(hpa);
	if (!e)
		return tdx_status_with_operand(TDX_STATUS_OPERAND_ADDR_RANGE_ERROR, opid);
	if (!emu_sharex_try_exclusive(&e->lock))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_BUSY, opid);
	if (e->type != EMU_PT_NDA) {
		emu_sharex_unlock_exclusive(&e->lock);
		return tdx_status_with_operand(TDX_STATUS_PAGE_METADATA_INCORRECT, opid);
	}
	*out = e;
	return TDX_STATUS_SUCCESS;
}

/* Called with the entry locked exclusively. */
void emu_pamt_assign(struct emu_pamt_entry *e, enum emu_page_type type, u64 owner, void *obj)
{
	e->type = type;
	e->owner = owner;
	e->bepoch = 0;
	e->obj = obj;
}

/* Back to PT_NDA; called with the entry locked exclusively. */
void emu_pamt_release(struct emu_pamt_entry *e)
{
	e->type = EMU_PT_NDA;
	e->owner = 0;
	e->bepoch = 0;
	e->obj = NULL;
}

/*
 * Lock the PAMT entry of a page that must already be of @type (a TDR or a
 * TDVPR operand). Address errors name the register @opid, a busy lock
 * names the object @busy_opid. Returns a TDX status; on success *out is
 * locked in @mode.
 */
u64 emu_pamt_lock_typed(u64 hpa, int opid, int busy_opid, enum emu_page_type type,
			enum emu_lock_mode mode, struct emu_pamt_entry **out)
{
	struct emu_pamt_entry *e;

	if (!PAGE_ALIGNED(hpa) || emu_hpa_hkid(hpa))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, opid);
	e = emu_pamt_entry(hpa);
	if (!e)
		return tdx_status_with_operand(TDX_STATUS_OPERAND_ADDR_RANGE_ERROR, opid);
	if (!emu_sharex_try(&e->lock, mode))
		return tdx_status_with_operand(TDX_STATUS_OPERAND_BUSY, busy_opid);
	if (e->type != type) {
		emu_sharex_unlock(&e->lock, mode);
		return tdx_status_with_operand(TDX_STATUS_PAGE_METADATA_INCORRECT, opid);
	}
	*out = e;
	return TDX_STATUS_SUCCESS;
}

struct emu_td *emu_td_of(struct emu_pamt_entry *e)
{
	return e->obj;
}

struct emu_vcpu *emu_vcpu_of(struct emu_pamt_entry *e)
{
	return e->obj;
}
