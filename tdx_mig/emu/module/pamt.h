/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The emulated PAMT: the type and owner of every host page given to the
 * emulated TDX Module, and the host physical address rules (§10.1 item 6).
 */
#ifndef TDX_MIG_EMU_PAMT_H
#define TDX_MIG_EMU_PAMT_H

#include <linux/types.h>

#include "lock.h"

/* PAMT page types, as TDH.PHYMEM.PAGE.RECLAIM reports them in RCX. */
enum emu_page_type {
	EMU_PT_NDA	= 0,
	EMU_PT_RSVD	= 1,
	EMU_PT_REG	= 3,
	EMU_PT_TDR	= 4,
	EMU_PT_TDCX	= 5,
	EMU_PT_TDVPR	= 6,
	EMU_PT_EPT	= 8,
};

struct emu_pamt_entry {
	struct emu_sharex lock;
	u8 type;
	/* PA of the owning TD's TDR; 0 for PT_NDA */
	u64 owner;
	/*
	 * BEPOCH: the epoch TDH.MEM.RANGE.BLOCK blocked the page in, or for
	 * an imported page {1, EXPORT_COUNT, MIG_EPOCH} (§2.2 d)
	 */
	u64 bepoch;
	/* the model's object for PT_TDR (struct emu_td) and PT_TDVPR pages */
	void *obj;
};

/*
 * The modelled physical address layout: MAX_PA is 46 bits and the key ID
 * (HKID) sits in bits 45:40. Key IDs from EMU_PRIVATE_HKID_MIN up are
 * private (TD) keys; below it they are shared.
 */
#define EMU_MAX_PA_BITS		46
#define EMU_HKID_SHIFT		40
#define EMU_HKID_MASK		GENMASK_ULL(45, 40)
#define EMU_PRIVATE_HKID_MIN	32
#define EMU_NUM_PRIVATE_HKIDS	32

static inline unsigned int emu_hpa_hkid(u64 hpa)
{
	return (hpa & EMU_HKID_MASK) >> EMU_HKID_SHIFT;
}

/* Below MAX_PA with a shared key ID (§10.1 item 6). */
static inline bool emu_hpa_is_shared(u64 hpa)
{
	return !(hpa >> EMU_MAX_PA_BITS) && emu_hpa_hkid(hpa) < EMU_PRIVATE_HKID_MIN;
}

int emu_pamt_init(void);
void emu_pamt_uninit(void);
/* Returns the number of pages still assigned, each reported if @print. */
unsigned long emu_pamt_report_leaks(bool print);
struct emu_pamt_entry *emu_pamt_entry(u64 hpa);

u64 emu_pamt_claim(u64 hpa, int opid, struct emu_pamt_entry **out);
void emu_pamt_assign(struct emu_pamt_entry *e, enum emu_page_type type, u64 owner, void *obj);
void emu_pamt_release(struct emu_pamt_entry *e);
u64 emu_pamt_lock_typed(u64 hpa, int opid, int busy_opid, enum emu_page_type type,
			enum emu_lock_mode mode, struct emu_pamt_entry **out);

#endif /* TDX_MIG_EMU_PAMT_H */
