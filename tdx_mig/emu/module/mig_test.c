// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: a whole live migration through the typed SEAMCALL wrappers alone,
 * against the emulated TDX Module: two Migration TDs exchange the keys
 * with TDG.SERVTD.RD/WR, the source is exported over several epochs while
 * its guest dirties pages, and the destination must end byte-identical.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "test_td.h"
#include "migsc.h"

#define MIG_F_STREAMS	2
#define MIG_BATCH	TDX_GPA_LIST_ENTRIES
#define MIG_RESUMES	100000

/* The host's buffers of one forward stream, shared by both ends. */
struct mig_stream {
	struct page *mbmd;
	struct page *gpa_list;
	struct page *mac[2];
	struct page *buf_list;
	struct page *new_list;
	struct page *bufs[MIG_BATCH];
};

struct mig_ctx {
	struct kunit *test;
	struct test_td *src, *dst, *migtd_s, *migtd_d;
	struct page *src_migsc[1 + MIG_F_STREAMS];
	struct page *dst_migsc[1 + MIG_F_STREAMS];
	struct mig_stream s[MIG_F_STREAMS];
	struct page *state_list;
	struct page *state_pages[EMU_MAX_STATE_PAGES];
	struct page *token;
	unsigned int npages;
	unsigned long *dirty;
	unsigned int next_stream;
	/* the bindings of the source (0) and destination (1) to their MigTDs */
	u64 handle[2];
	u64 uuid[2][4];
	/* called once the first round is sent (LIVE_EXPORT) */
	void (*live_hook)(struct mig_ctx *c);
	/* vCPUs 0 and 1 imported at once, a third import held in progress */
	bool vp_import_shared;
	/* what the run saw */
	unsigned int epochs;
	unsigned long unblockw;
	unsigned long remigrated;
	unsigned long resumes;
};

static u64 pa(struct page *p)
{
	return ktd_pa(p);
}

static u64 mbmd_operand(struct page *p)
{
	return tdx_hpa_and_size_encode(pa(p), sizeof(struct tdx_mbmd));
}

static struct page *page_or_fail(struct mig_ctx *c)
{
	return ktd_test_page(c->test);
}

/* Run a guest program on a service TD's vCPU to its HLT. */
static void run_program(struct mig_ctx *c, struct test_td *td, struct tdx_emu_guest_op *ops,
			unsigned int n)
{
	u64 tdvpr = pa(td->vcpu[0].tdvpr);
	unsigned int i;
	bool done;

	KUNIT_ASSERT_EQ(c->test, tdx_emu_guest_program(tdvpr, ops, n), 0);
	ktd_run_to_halt(c->test, tdvpr);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(c->test, tdx_emu_guest_result(tdvpr, i, &ops[i], &done), 0);
}

/*
 * What each MigTD does after attesting its peer (§6.6): read its own TD's
 * MIG_ENC_KEY (element 0 first: that draws a fresh key), write the peer's
 * into MIG_DEC_KEY, set MIG_VERSION.
 */
static void exchange_keys(struct mig_ctx *c, u64 handle_s, u64 *uuid_s, u64 handle_d,
			  u64 *uuid_d)
{
	const unsigned int n = TDX_MD_KEY_ELEMENTS + 2;
	u64 key[2][TDX_MD_KEY_ELEMENTS], v;
	struct tdx_emu_guest_op *ops;
	int side, i;

	ops = kunit_kcalloc(c->test, n, sizeof(*ops), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(c->test, ops);
	for (side = 0; side < 2; side++) {
		for (i = 0; i < TDX_MD_KEY_ELEMENTS; i++) {
			ops[i] = (struct tdx_emu_guest_op){
				.type = TDX_EMU_GUEST_SERVTD_RD,
				.handle = side ? handle_d : handle_s,
				.field_id = TDX_MD_TD_MIG_ENC_KEY + i,
				.status = ~0ULL,
			};
			memcpy(ops[i].uuid, side ? uuid_d : uuid_s, sizeof(ops[i].uuid));
		}
		ops[TDX_MD_KEY_ELEMENTS] = (struct tdx_emu_guest_op){ TDX_EMU_GUEST_HLT };
		run_program(c, side ? c->migtd_d : c->migtd_s, ops, TDX_MD_KEY_ELEMENTS + 1);
		for (i = 0; i < TDX_MD_KEY_ELEMENTS; i++) {
			KUNIT_ASSERT_EQ(c->test, ops[i].status, TDX_STATUS_SUCCESS);
			key[side][i] = ops[i].value;
		}
	}
	for (side = 0; side < 2; side++) {
		for (i = 0; i <= TDX_MD_KEY_ELEMENTS; i++) {
			bool version = i == TDX_MD_KEY_ELEMENTS;

			ops[i] = (struct tdx_emu_guest_op){
				.type = TDX_EMU_GUEST_SERVTD_WR,
				.handle = side ? handle_d : handle_s,
				.field_id = version ? TDX_MD_TD_MIG_VERSION :
						      TDX_MD_TD_MIG_DEC_KEY + i,
				.value = version ? 0 : key[!side][i],
				.mask = ~0ULL,
				.status = ~0ULL,
			};
			memcpy(ops[i].uuid, side ? uuid_d : uuid_s, sizeof(ops[i].uuid));
		}
		ops[n - 1] = (struct tdx_emu_guest_op){ TDX_EMU_GUEST_HLT };
		run_program(c, side ? c->migtd_d : c->migtd_s, ops, n);
		for (i = 0; i <= TDX_MD_KEY_ELEMENTS; i++)
			KUNIT_ASSERT_EQ(c->test, ops[i].status, TDX_STATUS_SUCCESS);
	}
	KUNIT_ASSERT_EQ(c->test, tdx_mig_tdh_mng_rd(ktd_tdr(c->src), TDX_MD_TD_MIG_DEC_KEY_SET, &v),
			TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(c->test, v, 1ULL);
}

/* A pre-migration: the MigTD pair exchanges a fresh session key. */
static void rekey(struct mig_ctx *c)
{
	exchange_keys(c, c->handle[0], c->uuid[0], c->handle[1], c->uuid[1]);
}

/* A destination TD: created, keyed, its TDCS added; no MNG.INIT (§3.3). */
static void dst_create(struct mig_ctx *c, struct test_td *td)
{
	u64 ret = TDX_STATUS_HKID_NOT_FREE;
	int i, hkid;

	memset(td, 0, sizeof(*td));
	td->sept = kunit_kcalloc(c->test, 64, sizeof(*td->sept), GFP_KERNEL);
	td->mem = kunit_kcalloc(c->test, c->npages, sizeof(*td->mem), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(c->test, td->sept);
	KUNIT_ASSERT_NOT_NULL(c->test, td->mem);
	td->nr_mem = c->npages;
	td->tdr = page_or_fail(c);
	td->tdr_pa = pa(td->tdr);
	for (hkid = EMU_PRIVATE_HKID_MIN; tdx_status_code(ret) == TDX_STATUS_HKID_NOT_FREE &&
	     hkid < EMU_PRIVATE_HKID_MIN + EMU_NUM_PRIVATE_HKIDS; hkid++)
		ret = tdx_mig_tdh_mng_create(ktd_tdr(td), hkid);
	KUNIT_ASSERT_EQ(c->test, ret, TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(c->test, tdx_mig_tdh_mng_key_config(ktd_tdr(td)), TDX_STATUS_SUCCESS);
	for (i = 0; i < TEST_TDCX; i++) {
		td->tdcx[i] = page_or_fail(c);
		KUNIT_ASSERT_EQ(c->test, tdx_mig_tdh_mng_addcx(ktd_tdr(td), pa(td->tdcx[i])),
				TDX_STATUS_SUCCESS);
	}
}

static void streams_create(struct mig_ctx *c, struct test_td *td, struct page **migsc)
{
	int i;

	for (i = 0; i < 1 + MIG_F_STREAMS; i++) {
		migsc[i] = page_or_fail(c);
		KUNIT_ASSERT_EQ(c->test, tdx_mig_tdh_mig_stream_create(ktd_tdr(td), pa(migsc[i])),
				TDX_STATUS_SUCCESS);
	}
}

/* The state bundles travel through one page list, shared by both ends. */
static u64 state_list_info(struct mig_ctx *c, unsigned int npages)
{
	return tdx_page_list_info_encode(pa(c->state_list), npages - 1);
}

static u64 resume_cmd(u16 index)
{
	return tdx_migs_index_and_cmd_encode(index, TDX_MIGS_CMD_RESUME);
}

/* The state leaves of @kind (0 IMMUTABLE, 1 TD: @obj is a TDR; 2 VP: a TDVPR). */
static u64 state_export(int kind, u64 obj, u64 mbmd, u64 list, u64 cmd, u64 *pages)
{
	if (kind == 0)
		return tdx_mig_tdh_export_state_immutable(tdx_mig_tdr(obj), mbmd, list, cmd, pages);
	if (kind == 1)
		return tdx_mig_tdh_export_state_td(tdx_mig_tdr(obj), mbmd, list, cmd, pages);
	return tdx_mig_tdh_export_state_vp(tdx_mig_tdvpr(obj), mbmd, list, cmd, pages);
}

static u64 state_import(int kind, u64 obj, u64 mbmd, u64 list, u64 cmd)
{
	if (kind == 0)
		return tdx_mig_tdh_import_state_immutable(tdx_mig_tdr(obj), mbmd, list, cmd);
	if (kind == 1)
		return tdx_mig_tdh_import_state_td(tdx_mig_tdr(obj), mbmd, list, cmd);
	return tdx_mig_tdh_import_state_vp(tdx_mig_tdvpr(obj), mbmd, list, cmd);
}

/* Export a state bundle (resuming while interrupted) and import it. */
static void move_state(struct mig_ctx *c, int kind, u64 src_obj, u64 dst_obj, u16 index)
{
	u64 mbmd = mbmd_operand(c->s[0].mbmd), list = state_list_info(c, EMU_MAX_STATE_PAGES);
	u64 new = tdx_migs_index_and_cmd_encode(index, TDX_MIGS_CMD_NEW), ret, pages = 0;
	int n = 0;

	ret = state_export(kind, src_obj, mbmd, list, new, &pages);
	while (ret == TDX_STATUS_INTERRUPTED_RESUMABLE && n++ < MIG_RESUMES)
		ret = state_export(kind, src_obj, mbmd, list, resume_cmd(index), &pages);
	c->resumes += n;
	KUNIT_ASSERT_EQ(c->test, ret, TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_GT(c->test, pages, 0ULL);
	/* §10.2: the importer takes exactly the pages the exporter wrote. */
	list = state_list_info(c, pages);
	n = 0;
	ret = state_import(kind, dst_obj, mbmd, list, new);
	while (ret == TDX_STATUS_INTERRUPTED_RESUMABLE && n++ < MIG_RESUMES)
		ret = state_import(kind, dst_obj, mbmd, list, resume_cmd(index));
	c->resumes += n;
	KUNIT_ASSERT_EQ(c->test, ret, TDX_STATUS_SUCCESS);
}

/* The bundle of vCPU @v on stream @v, in its own MBMD and page list. */
struct vp_bundle {
	struct mig_ctx *c;
	int v;
	struct page *mbmd, *list;
	u64 pages;
	u64 ret;
	struct completion done;
};

static u64 vp_list(struct vp_bundle *b, unsigned int npages)
{
	return tdx_page_list_info_encode(pa(b->list), npages - 1);
}

static u64 vp_cmd(struct vp_bundle *b, bool resume)
{
	return tdx_migs_index_and_cmd_encode(b->v, resume ? TDX_MIGS_CMD_RESUME :
							     TDX_MIGS_CMD_NEW);
}

static void vp_export(struct vp_bundle *b)
{
	struct tdx_mig_tdvpr tdvpr = ktd_as_tdvpr(b->c->src->vcpu[b->v].tdvpr);
	u64 mbmd = mbmd_operand(b->mbmd), ret;
	int n = 0;

	ret = tdx_mig_tdh_export_state_vp(tdvpr, mbmd, vp_list(b, EMU_MAX_STATE_PAGES),
					  vp_cmd(b, false), &b->pages);
	while (ret == TDX_STATUS_INTERRUPTED_RESUMABLE && n++ < MIG_RESUMES)
		ret = tdx_mig_tdh_export_state_vp(tdvpr, mbmd, vp_list(b, EMU_MAX_STATE_PAGES),
						  vp_cmd(b, true), &b->pages);
	KUNIT_ASSERT_EQ(b->c->test, ret, TDX_STATUS_SUCCESS);
}

static int vp_import(void *arg)
{
	struct vp_bundle *b = arg;
	struct tdx_mig_tdvpr tdvpr = ktd_as_tdvpr(b->c->dst->vcpu[b->v].tdvpr);
	u64 mbmd = mbmd_operand(b->mbmd);
	int n = 0;

	b->ret = tdx_mig_tdh_import_state_vp(tdvpr, mbmd, vp_list(b, b->pages), vp_cmd(b, false));
	while (b->ret == TDX_STATUS_INTERRUPTED_RESUMABLE && n++ < MIG_RESUMES)
		b->ret = tdx_mig_tdh_import_state_vp(tdvpr, mbmd, vp_list(b, b->pages),
						     vp_cmd(b, true));
	complete(&b->done);
	return 0;
}

/*
 * vCPUs 0 and 1 imported at the same time on streams 0 and 1, one in a
 * thread of its own, while a third import is held to be in progress
 * (OP_STATE shared): none may meet another's lock.
 */
static void vp_import_pair(struct mig_ctx *c)
{
	struct vp_bundle b[2] = {
		{ .c = c, .v = 0, .mbmd = c->s[0].mbmd, .list = c->state_list },
		{ .c = c, .v = 1, .mbmd = c->s[1].mbmd, .list = page_or_fail(c) },
	};
	struct task_struct *t;
	int j;

	for (j = 0; j < EMU_MAX_STATE_PAGES; j++)
		((u64 *)page_address(b[1].list))[j] = pa(page_or_fail(c));
	vp_export(&b[0]);
	vp_export(&b[1]);
	init_completion(&b[1].done);
	KUNIT_ASSERT_EQ(c->test, tdx_emu_hold_op_state(c->dst->tdr_pa, false), 0);
	t = kthread_run(vp_import, &b[1], "tdx_mig_vp_import");
	if (IS_ERR(t))
		vp_import(&b[1]);
	init_completion(&b[0].done);
	vp_import(&b[0]);
	wait_for_completion(&b[1].done);
	tdx_emu_release_op_state(c->dst->tdr_pa, false);
	KUNIT_EXPECT_EQ(c->test, b[0].ret, TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(c->test, b[1].ret, TDX_STATUS_SUCCESS);
}

/* BLOCKW (resuming with the returned RCX), as the host does per batch. */
static void blockw(struct mig_ctx *c, const u64 *gfns, unsigned int n)
{
	u64 *list = page_address(c->s[0].gpa_list), gl, ret;
	unsigned int i;
	int tries = 0;

	for (i = 0; i < n; i++) {
		struct tdx_gpa_entry e = { .gpa = gfns[i] << PAGE_SHIFT,
					   .operation = TDX_GPA_OP_MIGRATE };

		list[i] = tdx_gpa_entry_encode(&e);
	}
	gl = tdx_gpa_list_info_encode(pa(c->s[0].gpa_list), 0, n - 1);
	do {
		ret = tdx_mig_tdh_export_blockw(ktd_tdr(c->src), &gl);
	} while (ret == TDX_STATUS_INTERRUPTED_RESUMABLE && tries++ < MIG_RESUMES);
	KUNIT_ASSERT_EQ(c->test, ret, TDX_STATUS_SUCCESS);
}

/* Fill a stream's GPA and buffer lists for @n pages to MIGRATE. */
static void mem_lists(struct mig_ctx *c, struct mig_stream *s, const u64 *gfns, unsigned int n)
{
	u64 *gpa = page_address(s->gpa_list), *bufs = page_address(s->buf_list);
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct tdx_gpa_entry e = { .gpa = gfns[i] << PAGE_SHIFT,
					   .operation = TDX_GPA_OP_MIGRATE };

		gpa[i] = tdx_gpa_entry_encode(&e);
		bufs[i] = tdx_page_list_entry_encode(pa(s->bufs[i]), false);
	}
}

/* EXPORT.MEM of the lists already filled, resuming while interrupted. */
static u64 mem_export(struct mig_ctx *c, u16 index, unsigned int n)
{
	struct mig_stream *s = &c->s[index];
	u64 gl = tdx_gpa_list_info_encode(pa(s->gpa_list), 0, n - 1), ret, pages;
	int tries = 0;

	ret = tdx_mig_tdh_export_mem(ktd_tdr(c->src), &gl, mbmd_operand(s->mbmd), pa(s->buf_list),
				     tdx_migs_index_and_cmd_encode(index, TDX_MIGS_CMD_NEW),
				     pa(s->mac[0]), pa(s->mac[1]), &pages);
	while (ret == TDX_STATUS_INTERRUPTED_RESUMABLE && tries++ < MIG_RESUMES)
		ret = tdx_mig_tdh_export_mem(ktd_tdr(c->src), &gl, mbmd_operand(s->mbmd),
					     pa(s->buf_list), resume_cmd(index), pa(s->mac[0]),
					     pa(s->mac[1]), &pages);
	c->resumes += tries;
	return ret;
}

/* The new-page list of an import: new pages for first imports only. */
static void mem_import_pages(struct mig_ctx *c, struct mig_stream *s, const u64 *gfns,
			     unsigned int n)
{
	u64 *gpa = page_address(s->gpa_list), *newp = page_address(s->new_list);
	unsigned int i;

	/* A re-import lands in the page it has. */
	for (i = 0; i < n; i++) {
		struct tdx_gpa_entry e;

		KUNIT_ASSERT_TRUE(c->test, tdx_gpa_entry_decode(gpa[i], &e));
		if (e.operation == TDX_GPA_OP_REMIGRATE)
			c->remigrated++;
		if (!c->dst->mem[gfns[i]])
			c->dst->mem[gfns[i]] = page_or_fail(c);
		newp[i] = tdx_page_list_entry_encode(pa(c->dst->mem[gfns[i]]),
						     e.operation != TDX_GPA_OP_MIGRATE);
	}
}

/* IMPORT.MEM of what the stream's buffers hold, new pages as needed. */
static u64 mem_import(struct mig_ctx *c, u16 index, const u64 *gfns, unsigned int n)
{
	struct mig_stream *s = &c->s[index];
	u64 gl = tdx_gpa_list_info_encode(pa(s->gpa_list), 0, n - 1), ret;
	int tries = 0;

	mem_import_pages(c, s, gfns, n);
	ret = tdx_mig_tdh_import_mem(ktd_tdr(c->dst), &gl, mbmd_operand(s->mbmd), pa(s->buf_list),
				     tdx_migs_index_and_cmd_encode(index, TDX_MIGS_CMD_NEW),
				     pa(s->mac[0]), pa(s->mac[1]), pa(s->new_list));
	while (ret == TDX_STATUS_INTERRUPTED_RESUMABLE && tries++ < MIG_RESUMES)
		ret = tdx_mig_tdh_import_mem(ktd_tdr(c->dst), &gl, mbmd_operand(s->mbmd),
					     pa(s->buf_list), resume_cmd(index), pa(s->mac[0]),
					     pa(s->mac[1]), pa(s->new_list));
	c->resumes += tries;
	return ret;
}

/* One MEM bundle of up to 512 pages: export on a stream, import it. */
static void move_mem(struct mig_ctx *c, const u64 *gfns, unsigned int n)
{
	u16 index = c->next_stream;

	c->next_stream = (c->next_stream + 1) % MIG_F_STREAMS;
	mem_lists(c, &c->s[index], gfns, n);
	KUNIT_ASSERT_EQ(c->test, mem_export(c, index, n), TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(c->test, mem_import(c, index, gfns, n), TDX_STATUS_SUCCESS);
}

/* Export and import every page marked in @which, 512 at a time. */
static void move_pages(struct mig_ctx *c, unsigned long *which, bool block)
{
	u64 *gfns = kunit_kcalloc(c->test, MIG_BATCH, sizeof(*gfns), GFP_KERNEL);
	unsigned int n = 0, gfn;

	KUNIT_ASSERT_NOT_NULL(c->test, gfns);
	for_each_set_bit(gfn, which, c->npages) {
		gfns[n++] = gfn;
		if (n < MIG_BATCH && gfn != find_last_bit(which, c->npages))
			continue;
		if (block) {
			blockw(c, gfns, n);
			/* TLB tracking: the blocking is visible once the epoch moves. */
			KUNIT_ASSERT_EQ(c->test, tdx_mig_tdh_mem_track(ktd_tdr(c->src)),
					TDX_STATUS_SUCCESS);
		}
		move_mem(c, gfns, n);
		n = 0;
	}
	bitmap_zero(which, c->npages);
}

/*
 * The guest writes pages while it is exported: each write to a write-
 * blocked page exits, the host unblocks it (the write fault) and marks it
 * dirty, and the guest retries. Pending pages are accepted first.
 */
static void guest_dirties(struct mig_ctx *c, unsigned int round)
{
	struct tdx_emu_guest_op *ops;
	unsigned int v, k, n;
	u64 qual, gpa, ret;

	ops = kunit_kcalloc(c->test, 129, sizeof(*ops), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(c->test, ops);
	for (v = 0; v < c->src->nr_vcpus; v++) {
		u64 tdvpr = pa(c->src->vcpu[v].tdvpr);
		int entries = 0;

		n = 0;
		for (k = 0; k < 32; k++) {
			u64 gfn = (97ULL * (round * 131 + v * 32 + k)) % c->npages;

			ops[n++] = (struct tdx_emu_guest_op){ TDX_EMU_GUEST_ACCEPT,
							       gfn << PAGE_SHIFT };
			ops[n++] = (struct tdx_emu_guest_op){ TDX_EMU_GUEST_WRITE,
							       (gfn << PAGE_SHIFT) + 8 * v,
							       round << 8 | v };
		}
		ops[n++] = (struct tdx_emu_guest_op){ TDX_EMU_GUEST_HLT };
		KUNIT_ASSERT_EQ(c->test, tdx_emu_guest_program(tdvpr, ops, n), 0);
		for (;;) {
			ret = ktd_vp_enter(tdvpr, &qual, &gpa);
			KUNIT_ASSERT_LT(c->test, ++entries, 100000);
			if (ret == (TDX_STATUS_SUCCESS | TDX_EXIT_REASON_HLT))
				break;
			if (ret == (TDX_STATUS_SUCCESS | TDX_EXIT_REASON_EXTERNAL_INTERRUPT))
				continue;
			KUNIT_ASSERT_EQ(c->test, ret,
					TDX_STATUS_SUCCESS | TDX_EXIT_REASON_EPT_VIOLATION);
			KUNIT_ASSERT_EQ(c->test, tdx_mig_tdh_export_unblockw(ktd_tdr(c->src), gpa &
									     PAGE_MASK),
					TDX_STATUS_SUCCESS);
			set_bit(gpa >> PAGE_SHIFT, c->dirty);
			c->unblockw++;
		}
	}
}

static void token(struct mig_ctx *c, bool start)
{
	u64 t = mbmd_operand(c->token);

	KUNIT_ASSERT_EQ(c->test, tdx_mig_tdh_export_track(ktd_tdr(c->src), t, start),
			TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(c->test, tdx_mig_tdh_import_track(ktd_tdr(c->dst), t), TDX_STATUS_SUCCESS);
}

static void setup(struct mig_ctx *c, struct kunit *test, unsigned int npages)
{
	int i, j;

	memset(c, 0, sizeof(*c));
	c->test = test;
	c->npages = npages;
	c->src = kunit_kzalloc(test, sizeof(*c->src), GFP_KERNEL);
	c->dst = kunit_kzalloc(test, sizeof(*c->dst), GFP_KERNEL);
	c->migtd_s = kunit_kzalloc(test, sizeof(*c->migtd_s), GFP_KERNEL);
	c->migtd_d = kunit_kzalloc(test, sizeof(*c->migtd_d), GFP_KERNEL);
	c->dirty = kunit_kcalloc(test, BITS_TO_LONGS(npages), sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->src);
	KUNIT_ASSERT_NOT_NULL(test, c->dst);
	KUNIT_ASSERT_NOT_NULL(test, c->migtd_s);
	KUNIT_ASSERT_NOT_NULL(test, c->migtd_d);
	KUNIT_ASSERT_NOT_NULL(test, c->dirty);

	ktd_td_build(test, c->migtd_s, 1, 1, 0, true);
	ktd_td_build(test, c->migtd_d, 1, 1, 0, true);
	/* The user TD: every 8th page left PENDING; bound before finalizing. */
	ktd_td_build(test, c->src, npages, 4, 8, false);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_servtd_bind(ktd_tdr(c->src), ktd_tdr(c->migtd_s), 0,
						      TDX_SERVTD_TYPE_MIGTD, 0, &c->handle[0],
						      c->uuid[0]),
			TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mr_finalize(ktd_tdr(c->src)), TDX_STATUS_SUCCESS);
	dst_create(c, c->dst);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_servtd_bind(ktd_tdr(c->dst), ktd_tdr(c->migtd_d), 0,
						      TDX_SERVTD_TYPE_MIGTD, 0, &c->handle[1],
						      c->uuid[1]),
			TDX_STATUS_SUCCESS);
	streams_create(c, c->src, c->src_migsc);
	streams_create(c, c->dst, c->dst_migsc);

	for (i = 0; i < MIG_F_STREAMS; i++) {
		struct mig_stream *s = &c->s[i];

		s->mbmd = page_or_fail(c);
		s->gpa_list = page_or_fail(c);
		s->mac[0] = page_or_fail(c);
		s->mac[1] = page_or_fail(c);
		s->buf_list = page_or_fail(c);
		s->new_list = page_or_fail(c);
		for (j = 0; j < MIG_BATCH; j++)
			s->bufs[j] = page_or_fail(c);
	}
	c->state_list = page_or_fail(c);
	for (j = 0; j < EMU_MAX_STATE_PAGES; j++) {
		c->state_pages[j] = page_or_fail(c);
		((u64 *)page_address(c->state_list))[j] = pa(c->state_pages[j]);
	}
	c->token = page_or_fail(c);
	rekey(c);
}

/* The destination's SEPT mirrors the source's, added during MEMORY_IMPORT. */
static void dst_sept(struct mig_ctx *c)
{
	u64 gpa, entry, level;

	for (gpa = 0; gpa < (u64)c->npages << PAGE_SHIFT; gpa += SZ_2M) {
		int l;

		for (l = 3; l >= 1; l--) {
			struct page *p;

			if (l == 3 && gpa)
				continue;
			if (l == 2 && (gpa & (SZ_1G - 1)))
				continue;
			p = page_or_fail(c);
			KUNIT_ASSERT_EQ(c->test, tdx_mig_tdh_mem_sept_add(ktd_tdr(c->dst), gpa, l,
									  pa(p), &entry, &level),
					TDX_STATUS_SUCCESS);
			c->dst->sept[c->dst->nr_sept++] = p;
		}
	}
}

/* Create the destination's vCPUs; IMPORT.STATE.VP initializes them. */
static void dst_vcpus(struct mig_ctx *c)
{
	int v, i;

	for (v = 0; v < c->src->nr_vcpus; v++) {
		struct test_vcpu *tv = &c->dst->vcpu[v];

		tv->tdvpr = page_or_fail(c);
		KUNIT_ASSERT_EQ(c->test,
				tdx_mig_tdh_vp_create(ktd_tdr(c->dst), ktd_as_tdvpr(tv->tdvpr)),
				TDX_STATUS_SUCCESS);
		c->dst->nr_vcpus++;
		for (i = 0; i < TEST_VP_TDCX; i++) {
			tv->tdcx[i] = page_or_fail(c);
			KUNIT_ASSERT_EQ(c->test, tdx_mig_tdh_vp_addcx(ktd_as_tdvpr(tv->tdvpr),
								      pa(tv->tdcx[i])),
					TDX_STATUS_SUCCESS);
		}
	}
}

/* Source and destination: same memory, same vCPUs, UUID carried over. */
static void compare(struct mig_ctx *c)
{
	u8 *a = kunit_kmalloc(c->test, PAGE_SIZE, GFP_KERNEL);
	u8 *b = kunit_kmalloc(c->test, PAGE_SIZE, GFP_KERNEL);
	struct tdx_emu_vcpu_regs ra, rb;
	unsigned int gfn, v, differ = 0;
	u64 ua, ub;

	KUNIT_ASSERT_NOT_NULL(c->test, a);
	KUNIT_ASSERT_NOT_NULL(c->test, b);
	for (gfn = 0; gfn < c->npages; gfn++) {
		KUNIT_ASSERT_EQ(c->test, tdx_emu_read_private(c->src->tdr_pa,
							      (u64)gfn << PAGE_SHIFT, a, PAGE_SIZE),
				0);
		KUNIT_ASSERT_EQ(c->test, tdx_emu_read_private(c->dst->tdr_pa,
							      (u64)gfn << PAGE_SHIFT, b, PAGE_SIZE),
				0);
		differ += !!memcmp(a, b, PAGE_SIZE);
		KUNIT_EXPECT_EQ(c->test, tdx_emu_sept_state(c->dst->tdr_pa, (u64)gfn << PAGE_SHIFT,
							    0) == TDX_SEPT_PENDING,
				tdx_emu_sept_state(c->src->tdr_pa, (u64)gfn << PAGE_SHIFT, 0) ==
				TDX_SEPT_PENDING_EXPORTED_BLOCKEDW);
	}
	KUNIT_EXPECT_EQ(c->test, differ, 0U);
	for (v = 0; v < c->src->nr_vcpus; v++) {
		KUNIT_ASSERT_EQ(c->test, tdx_emu_vcpu_regs(pa(c->src->vcpu[v].tdvpr), &ra), 0);
		KUNIT_ASSERT_EQ(c->test, tdx_emu_vcpu_regs(pa(c->dst->vcpu[v].tdvpr), &rb), 0);
		KUNIT_EXPECT_TRUE(c->test, !memcmp(&ra, &rb, sizeof(ra)));
	}
	KUNIT_ASSERT_EQ(c->test, tdx_mig_tdh_mng_rd(ktd_tdr(c->src), TDX_MD_TD_UUID, &ua),
			TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(c->test, tdx_mig_tdh_mng_rd(ktd_tdr(c->dst), TDX_MD_TD_UUID, &ub),
			TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(c->test, ua, ub);
}

static void teardown(struct mig_ctx *c)
{
	struct test_td *tds[] = { c->src, c->dst };
	struct page **migsc[] = { c->src_migsc, c->dst_migsc };
	int t, i;

	for (t = 0; t < 2; t++) {
		ktd_td_release_key(c->test, tds[t]);
		/* Pages offered to failed imports never left the host. */
		for (i = 0; t && i < tds[t]->nr_mem; i++) {
			u64 type, owner, ret;

			if (!tds[t]->mem[i])
				continue;
			ret = tdx_mig_tdh_phymem_page_reclaim(pa(tds[t]->mem[i]), &type, &owner);
			KUNIT_EXPECT_TRUE(c->test, ret == TDX_STATUS_SUCCESS ||
					  ret == (TDX_STATUS_PAGE_METADATA_INCORRECT |
						  TDX_OPID_RCX));
			__free_page(tds[t]->mem[i]);
			tds[t]->mem[i] = NULL;
		}
		for (i = 0; i < 1 + MIG_F_STREAMS; i++)
			ktd_reclaim(c->test, &migsc[t][i], EMU_PT_TDCX);
		ktd_td_reclaim_all(c->test, tds[t], true);
	}
	ktd_td_teardown(c->test, c->migtd_s);
	ktd_td_teardown(c->test, c->migtd_d);
	KUNIT_EXPECT_EQ(c->test, tdx_emu_leaked_pages(), 0UL);

	/* The host's own buffers. */
	for (t = 0; t < MIG_F_STREAMS; t++) {
		struct mig_stream *s = &c->s[t];

		__free_page(s->mbmd);
		__free_page(s->gpa_list);
		__free_page(s->mac[0]);
		__free_page(s->mac[1]);
		__free_page(s->buf_list);
		__free_page(s->new_list);
		for (i = 0; i < MIG_BATCH; i++)
			__free_page(s->bufs[i]);
	}
	for (i = 0; i < EMU_MAX_STATE_PAGES; i++)
		__free_page(c->state_pages[i]);
	__free_page(c->state_list);
	__free_page(c->token);
}

/* The whole pre-copy migration, @epochs live epochs before the pause. */
static void migrate(struct mig_ctx *c, unsigned int epochs)
{
	unsigned long *all;
	u64 v;
	int i;

	all = kunit_kcalloc(c->test, BITS_TO_LONGS(c->npages), sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(c->test, all);
	move_state(c, 0, c->src->tdr_pa, c->dst->tdr_pa, 0);
	dst_sept(c);

	bitmap_fill(all, c->npages);
	move_pages(c, all, true);
	if (c->live_hook)
		c->live_hook(c);
	for (c->epochs = 1; c->epochs < epochs; c->epochs++) {
		guest_dirties(c, c->epochs);
		token(c, false);
		move_pages(c, c->dirty, true);
	}
	/* The last writes happen live, and go after the pause. */
	guest_dirties(c, c->epochs);
	KUNIT_ASSERT_EQ(c->test, tdx_mig_tdh_export_pause(ktd_tdr(c->src)), TDX_STATUS_SUCCESS);
	move_pages(c, c->dirty, false);
	move_state(c, 1, c->src->tdr_pa, c->dst->tdr_pa, 0);
	dst_vcpus(c);
	i = 0;
	if (c->vp_import_shared) {
		vp_import_pair(c);
		i = 2;
	}
	for (; i < c->src->nr_vcpus; i++)
		move_state(c, 2, pa(c->src->vcpu[i].tdvpr), pa(c->dst->vcpu[i].tdvpr),
			   i % MIG_F_STREAMS);
	token(c, true);
	KUNIT_ASSERT_EQ(c->test, tdx_mig_tdh_import_commit(ktd_tdr(c->dst)), TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(c->test, tdx_mig_tdh_import_end(ktd_tdr(c->dst)), TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(c->test, tdx_mig_tdh_mng_rd(ktd_tdr(c->dst), TDX_MD_TD_OP_STATE, &v),
			TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(c->test, v, (u64)TDX_OP_STATE_RUNNABLE);
	compare(c);
}

/*
 * The acceptance run: 64 MiB with pending pages, 4 vCPUs, 3 epochs with
 * the guest dirtying pages in between, two forward streams.
 */
static void migrate_64m_test(struct kunit *test)
{
	struct mig_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	ktd_require_emu(test);
	KUNIT_ASSERT_NOT_NULL(test, c);
	setup(c, test, SZ_64M / PAGE_SIZE);
	migrate(c, 3);
	KUNIT_EXPECT_GE(test, c->epochs, 3U);
	KUNIT_EXPECT_GT(test, c->unblockw, 0UL);
	KUNIT_EXPECT_GT(test, c->remigrated, 0UL);
	kunit_info(test, "epochs %u, write faults %lu, re-exported pages %lu\n", c->epochs,
		   c->unblockw, c->remigrated);
	teardown(c);
}

/*
 * A vCPU entering in a loop on CPU 0 while CPU 1 calls a leaf that takes
 * OP_STATE exclusively: TDH.VP.ENTER holds OP_STATE shared until it enters
 * the TD, so each must meet the other's lock (TDX_OPERAND_BUSY naming
 * OP_STATE) and retry, as KVM and the migration core do. Both are retried
 * until each side has seen the other at least once.
 */
#define RACE_MAX_TRIES	200000

struct race {
	struct mig_ctx *c;
	u64 tdvpr;
	/* the leaf under test, called on CPU 1; returns its status */
	u64 (*leaf)(struct race *r);
	u64 leaf_ok;			/* the status it must end with */
	u64 enter_ok;			/* VP.ENTER's when it is not busy */
	bool leaf_may_miss;		/* VP.ENTER holds OP_STATE too briefly */
	unsigned long enter_busy, leaf_busy, entries, tries;
	u64 enter_bad;			/* an unexpected VP.ENTER status */
};

static bool op_state_busy(u64 status)
{
	return status == tdx_status_with_operand(TDX_STATUS_OPERAND_BUSY, TDX_OPID_OP_STATE);
}

static int race_enter(void *arg)
{
	struct race *r = arg;
	u64 qual, gpa, ret;

	while (!kthread_should_stop()) {
		ret = tdx_mig_tdh_vp_enter(tdx_mig_tdvpr(r->tdvpr), &qual, &gpa);
		r->entries++;
		if (op_state_busy(ret))
			r->enter_busy++;
		else if (ret != r->enter_ok && !r->enter_bad)
			r->enter_bad = ret;
		cond_resched();
	}
	return 0;
}

static long race_leaf(void *arg)
{
	struct race *r = arg;
	u64 ret;

	while (r->tries < RACE_MAX_TRIES &&
	       (!r->enter_busy || (!r->leaf_busy && !r->leaf_may_miss))) {
		r->tries++;
		ret = r->leaf(r);
		if (op_state_busy(ret)) {
			r->leaf_busy++;
			continue;
		}
		/* A vCPU still in the previous TLB epoch: the host retries. */
		if (ret == TDX_STATUS_PREVIOUS_TLB_EPOCH_BUSY)
			continue;
		if (ret != r->leaf_ok)
			return -EIO;
		cond_resched();
	}
	return 0;
}

static void race_run(struct mig_ctx *c, u64 (*leaf)(struct race *r), u64 leaf_ok, u64 enter_ok,
		     bool leaf_may_miss)
{
	struct race r = { .c = c, .tdvpr = pa(c->src->vcpu[0].tdvpr), .leaf = leaf,
			  .leaf_ok = leaf_ok, .enter_ok = enter_ok,
			  .leaf_may_miss = leaf_may_miss };
	struct tdx_emu_guest_op hlt = { .type = TDX_EMU_GUEST_HLT };
	struct task_struct *t;
	long ret;

	KUNIT_ASSERT_GE(c->test, num_online_cpus(), 2U);
	/* The guest halts at once; every later entry exits with HLT too. */
	KUNIT_ASSERT_EQ(c->test, tdx_emu_guest_program(r.tdvpr, &hlt, 1), 0);
	t = kthread_create_on_cpu(race_enter, &r, 0, "tdx_mig_race/%u");
	KUNIT_ASSERT_FALSE(c->test, IS_ERR(t));
	wake_up_process(t);
	ret = work_on_cpu(1, race_leaf, &r);
	kthread_stop(t);
	kunit_info(c->test, "%lu entries (%lu busy), %lu calls (%lu busy)\n", r.entries,
		   r.enter_busy, r.tries, r.leaf_busy);
	KUNIT_EXPECT_EQ(c->test, ret, 0L);
	KUNIT_EXPECT_EQ(c->test, r.enter_bad, 0ULL);
	KUNIT_EXPECT_GT(c->test, r.enter_busy, 0UL);
	if (!r.leaf_may_miss)
		KUNIT_EXPECT_GT(c->test, r.leaf_busy, 0UL);
}

/* An epoch token, exported and imported (the importer never meets a vCPU). */
static u64 race_token(struct race *r)
{
	u64 t = mbmd_operand(r->c->token), ret;

	ret = tdx_mig_tdh_export_track(ktd_tdr(r->c->src), t, false);
	if (ret)
		return ret;
	return tdx_mig_tdh_import_track(ktd_tdr(r->c->dst), t);
}

static void race_tokens(struct mig_ctx *c)
{
	race_run(c, race_token, TDX_STATUS_SUCCESS, TDX_STATUS_SUCCESS | TDX_EXIT_REASON_HLT,
		 false);
}

/* A stream created with a page that is not free: refused after the locks. */
static u64 race_stream_create(struct race *r)
{
	return tdx_mig_tdh_mig_stream_create(ktd_tdr(r->c->src), pa(r->c->src->tdr));
}

static void vp_enter_busy_test(struct kunit *test)
{
	struct mig_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	u64 refused;

	ktd_require_emu(test);
	KUNIT_ASSERT_NOT_NULL(test, c);
	setup(c, test, SZ_4M / PAGE_SIZE);
	/* RUNNABLE: MIG.STREAM.CREATE against a vCPU. */
	refused = tdx_mig_tdh_mig_stream_create(ktd_tdr(c->src), pa(c->src->tdr));
	KUNIT_ASSERT_NE(test, refused, TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_FALSE(test, op_state_busy(refused));
	race_run(c, race_stream_create, refused, TDX_STATUS_SUCCESS | TDX_EXIT_REASON_HLT, false);
	/* LIVE_EXPORT: EXPORT.TRACK against a vCPU, then the migration goes on. */
	c->live_hook = race_tokens;
	migrate(c, 3);
	teardown(c);
}

/* The TD's state bundle, exported again and again (never imported). */
static u64 race_state_td(struct race *r)
{
	struct mig_ctx *c = r->c;
	u64 mbmd = mbmd_operand(c->s[0].mbmd), list = state_list_info(c, EMU_MAX_STATE_PAGES);
	u64 cmd = tdx_migs_index_and_cmd_encode(0, TDX_MIGS_CMD_NEW), pages = 0, ret;
	int n = 0;

	ret = tdx_mig_tdh_export_state_td(ktd_tdr(c->src), mbmd, list, cmd, &pages);
	while (ret == TDX_STATUS_INTERRUPTED_RESUMABLE && n++ < MIG_RESUMES)
		ret = tdx_mig_tdh_export_state_td(ktd_tdr(c->src), mbmd, list, resume_cmd(0),
						  &pages);
	return ret;
}

/*
 * A paused TD's vCPU may not run, but its VP.ENTER still takes OP_STATE
 * before it finds that out: it meets EXPORT.STATE.TD's exclusive lock.
 * (The export meets VP.ENTER's only in the instant between its lock and
 * its state check, so that side is counted, not required.) The export is
 * aborted; the TD runs again.
 */
static void vp_enter_busy_paused_test(struct kunit *test)
{
	struct mig_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	u64 qual, gpa, state;

	ktd_require_emu(test);
	KUNIT_ASSERT_NOT_NULL(test, c);
	setup(c, test, 16);
	move_state(c, 0, c->src->tdr_pa, c->dst->tdr_pa, 0);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_export_pause(ktd_tdr(c->src)), TDX_STATUS_SUCCESS);
	race_run(c, race_state_td, TDX_STATUS_SUCCESS, TDX_STATUS_OP_STATE_INCORRECT, true);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_export_abort(ktd_tdr(c->src), 0), TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mng_rd(ktd_tdr(c->src), TDX_MD_TD_OP_STATE, &state),
			TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, state, (u64)TDX_OP_STATE_RUNNABLE);
	KUNIT_EXPECT_EQ(test, ktd_vp_enter(pa(c->src->vcpu[0].tdvpr), &qual, &gpa),
			TDX_STATUS_SUCCESS | TDX_EXIT_REASON_HLT);
	teardown(c);
}

/* IMPORT.STATE.VP of several vCPUs at once: OP_STATE is held shared, not exclusively. */
static void vp_import_shared_test(struct kunit *test)
{
	struct mig_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	ktd_require_emu(test);
	KUNIT_ASSERT_NOT_NULL(test, c);
	setup(c, test, SZ_4M / PAGE_SIZE);
	c->vp_import_shared = true;
	migrate(c, 2);
	teardown(c);
}

/* The same on 4 MiB with an interrupt at every poll, then seeded ones. */
static const struct {
	enum tdx_emu_intr_mode mode;
	u32 k;
	u64 seed;
} intr_cases[] = {
	{ TDX_EMU_INTR_EVERY, 1, 0 },
	{ TDX_EMU_INTR_RANDOM, 4, 1 },
	{ TDX_EMU_INTR_RANDOM, 4, 2 },
	{ TDX_EMU_INTR_RANDOM, 7, 3 },
};

static void intr_case_desc(const typeof(intr_cases[0]) *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "mode %d k %u seed %llu", p->mode, p->k, p->seed);
}

KUNIT_ARRAY_PARAM(intr_case, intr_cases, intr_case_desc);

static void migrate_interrupted_test(struct kunit *test)
{
	const typeof(intr_cases[0]) *p = test->param_value;
	struct mig_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	ktd_require_emu(test);
	KUNIT_ASSERT_NOT_NULL(test, c);
	setup(c, test, SZ_4M / PAGE_SIZE);
	ktd_set_intr_policy(test, p->mode, p->k, p->seed);
	migrate(c, 3);
	tdx_emu_set_intr_policy(TDX_EMU_INTR_NEVER, 0, 0);
	KUNIT_EXPECT_GT(test, c->resumes, 0UL);
	teardown(c);
}

/* A small migration taken up to MEMORY_IMPORT, for the negative tests. */
static struct mig_ctx *neg_setup(struct kunit *test)
{
	struct mig_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	ktd_require_emu(test);
	KUNIT_ASSERT_NOT_NULL(test, c);
	setup(c, test, 16);
	move_state(c, 0, c->src->tdr_pa, c->dst->tdr_pa, 0);
	dst_sept(c);
	return c;
}

static u64 op_state(struct mig_ctx *c, struct test_td *td)
{
	u64 v = ~0ULL;

	KUNIT_EXPECT_EQ(c->test, tdx_mig_tdh_mng_rd(ktd_tdr(td), TDX_MD_TD_OP_STATE, &v),
			TDX_STATUS_SUCCESS);
	return v;
}

/* Each receiver check of the immutable bundle's MBMD (§2.1): all fatal. */
static const struct {
	const char *name;
	unsigned int offset;
	u8 xor;
	u64 status;
} immutable_tamper[] = {
	{ "size", 0, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "mig_version", 2, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "migs_index", 4, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "mb_type", 6, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "reserved", 7, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "mb_counter", 8, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "mig_epoch", 12, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "iv_counter", 16, 0x01, TDX_STATUS_INCORRECT_MBMD_MAC },
	{ "num_f_migs", 24, 0x04, TDX_STATUS_NUM_MIGS_HIGHER_THAN_CREATED },
	{ "sys_md_pages", 28, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "mac", 40, 0x01, TDX_STATUS_INCORRECT_MBMD_MAC },
};

static void immutable_desc(const typeof(immutable_tamper[0]) *t, char *desc)
{
	strscpy(desc, t->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(immutable, immutable_tamper, immutable_desc);

static void immutable_tamper_test(struct kunit *test)
{
	const typeof(immutable_tamper[0]) *t = test->param_value;
	struct mig_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	u64 mbmd, list, pages = 0;
	u8 *raw;

	ktd_require_emu(test);
	KUNIT_ASSERT_NOT_NULL(test, c);
	setup(c, test, 16);
	mbmd = mbmd_operand(c->s[0].mbmd);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_export_state_immutable(ktd_tdr(c->src), mbmd,
								 state_list_info(c, 8), 0, &pages),
			TDX_STATUS_SUCCESS);
	raw = page_address(c->s[0].mbmd);
	raw[t->offset] ^= t->xor;
	list = state_list_info(c, pages);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_import_state_immutable(ktd_tdr(c->dst), mbmd, list, 0),
			t->status | TDX_STATUS_FATAL_BIT);
	KUNIT_EXPECT_EQ(test, op_state(c, c->dst), (u64)TDX_OP_STATE_FAILED_IMPORT);
	/* The source is untouched: an abort returns it to RUNNABLE. */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_export_abort(ktd_tdr(c->src), 0), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, op_state(c, c->src), (u64)TDX_OP_STATE_RUNNABLE);
	teardown(c);
}

/*
 * Each receiver check of a MEM bundle's MBMD (§2.1): refused without
 * failing the import; and of an epoch token: all fatal.
 */
static const struct {
	const char *name;
	bool token;
	unsigned int offset;
	u8 xor;
	u64 status;
} mbmd_tamper[] = {
	{ "mem size", false, 0, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "mem mig_version", false, 2, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "mem migs_index", false, 4, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "mem mb_type", false, 6, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "mem reserved", false, 7, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "mem mb_counter", false, 8, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "mem mig_epoch", false, 12, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "mem iv_counter", false, 16, 0x01, TDX_STATUS_INCORRECT_MBMD_MAC },
	{ "mem num_gpas", false, 24, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "mem reserved bits", false, 26, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "mem mac", false, 32, 0x01, TDX_STATUS_INCORRECT_MBMD_MAC },
	{ "token size", true, 0, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "token mig_version", true, 2, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "token migs_index", true, 4, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "token mb_type", true, 6, 0x02, TDX_STATUS_INVALID_MBMD },
	{ "token reserved", true, 7, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "token mb_counter", true, 8, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "token total_mb", true, 24, 0x01, TDX_STATUS_INVALID_MBMD },
	{ "token mac", true, 40, 0x01, TDX_STATUS_INCORRECT_MBMD_MAC },
};

static void mbmd_tamper_desc(const typeof(mbmd_tamper[0]) *t, char *desc)
{
	strscpy(desc, t->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mbmd_tamper, mbmd_tamper, mbmd_tamper_desc);

static void mbmd_tamper_test(struct kunit *test)
{
	const typeof(mbmd_tamper[0]) *t = test->param_value;
	struct mig_ctx *c = neg_setup(test);
	static const u64 gfns[] = { 1, 2 };
	u64 tok = mbmd_operand(c->token);
	u8 *raw;

	if (t->token) {
		KUNIT_ASSERT_EQ(test, tdx_mig_tdh_export_track(ktd_tdr(c->src), tok, false),
				TDX_STATUS_SUCCESS);
		raw = page_address(c->token);
		raw[t->offset] ^= t->xor;
		KUNIT_EXPECT_EQ(test, tdx_mig_tdh_import_track(ktd_tdr(c->dst), tok),
				t->status | TDX_STATUS_FATAL_BIT);
		KUNIT_EXPECT_EQ(test, op_state(c, c->dst), (u64)TDX_OP_STATE_FAILED_IMPORT);
	} else {
		blockw(c, gfns, 2);
		KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mem_track(ktd_tdr(c->src)), TDX_STATUS_SUCCESS);
		mem_lists(c, &c->s[0], gfns, 2);
		KUNIT_ASSERT_EQ(test, mem_export(c, 0, 2), TDX_STATUS_SUCCESS);
		raw = page_address(c->s[0].mbmd);
		raw[t->offset] ^= t->xor;
		KUNIT_EXPECT_EQ(test, mem_import(c, 0, gfns, 2), t->status);
		KUNIT_EXPECT_EQ(test, op_state(c, c->dst), (u64)TDX_OP_STATE_MEMORY_IMPORT);
		/* The genuine bundle still goes in. */
		raw[t->offset] ^= t->xor;
		KUNIT_EXPECT_EQ(test, mem_import(c, 0, gfns, 2), TDX_STATUS_SUCCESS);
	}
	teardown(c);
}

/*
 * MEM bundles: a bad MBMD is refused without failing the import (§2.1); a
 * replayed bundle is refused the same way; a bad page MAC fails it.
 */
static void mem_tamper_test(struct kunit *test)
{
	struct mig_ctx *c = neg_setup(test);
	static const u64 gfns[] = { 0, 1, 2, 3 };
	struct tdx_mbmd *m = page_address(c->s[0].mbmd), saved;
	u8 *mac = page_address(c->s[0].mac[0]);

	mem_lists(c, &c->s[0], gfns, 4);
	blockw(c, gfns, 4);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mem_track(ktd_tdr(c->src)), TDX_STATUS_SUCCESS);
	mem_lists(c, &c->s[0], gfns, 4);
	KUNIT_ASSERT_EQ(test, mem_export(c, 0, 4), TDX_STATUS_SUCCESS);
	saved = *m;

	m->hdr.mb_counter = cpu_to_le32(le32_to_cpu(m->hdr.mb_counter) + 1);
	KUNIT_EXPECT_EQ(test, mem_import(c, 0, gfns, 4), TDX_STATUS_INVALID_MBMD);
	*m = saved;
	m->mac[3] ^= 1;
	KUNIT_EXPECT_EQ(test, mem_import(c, 0, gfns, 4), TDX_STATUS_INCORRECT_MBMD_MAC);
	*m = saved;
	m->mem = cpu_to_le64(5);
	KUNIT_EXPECT_EQ(test, mem_import(c, 0, gfns, 4), TDX_STATUS_INVALID_MBMD);
	*m = saved;
	KUNIT_EXPECT_EQ(test, op_state(c, c->dst), (u64)TDX_OP_STATE_MEMORY_IMPORT);

	/* The genuine bundle still imports; a replay of it does not. */
	KUNIT_EXPECT_EQ(test, mem_import(c, 0, gfns, 4), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, mem_import(c, 0, gfns, 4), TDX_STATUS_INVALID_MBMD);

	/* The next bundle with a page MAC flipped ends the import. */
	blockw(c, (u64[]){ 4 }, 1);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mem_track(ktd_tdr(c->src)), TDX_STATUS_SUCCESS);
	mem_lists(c, &c->s[0], (u64[]){ 4 }, 1);
	KUNIT_ASSERT_EQ(test, mem_export(c, 0, 1), TDX_STATUS_SUCCESS);
	mac[0] ^= 1;
	KUNIT_EXPECT_EQ(test, mem_import(c, 0, (u64[]){ 4 }, 1),
			TDX_STATUS_INVALID_PAGE_MAC | TDX_OPID_GPA_LIST_ENTRY |
			TDX_STATUS_FATAL_BIT);
	KUNIT_EXPECT_EQ(test, op_state(c, c->dst), (u64)TDX_OP_STATE_FAILED_IMPORT);
	teardown(c);
}

/* Epoch tokens: an epoch that does not grow, and a lost bundle (§2.2 c). */
static void token_test(struct kunit *test)
{
	struct mig_ctx *c = neg_setup(test);
	struct tdx_mbmd *t = page_address(c->token);
	static const u64 gfns[] = { 5 };
	u64 tok = mbmd_operand(c->token);

	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_export_track(ktd_tdr(c->src), tok, false),
			TDX_STATUS_SUCCESS);
	t->hdr.mig_epoch = 0;
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_import_track(ktd_tdr(c->dst), tok),
			TDX_STATUS_INVALID_MBMD | TDX_STATUS_FATAL_BIT);
	KUNIT_EXPECT_EQ(test, op_state(c, c->dst), (u64)TDX_OP_STATE_FAILED_IMPORT);
	teardown(c);

	/* A bundle exported but never imported: the next token's total_mb tells. */
	c = neg_setup(test);
	tok = mbmd_operand(c->token);
	blockw(c, gfns, 1);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mem_track(ktd_tdr(c->src)), TDX_STATUS_SUCCESS);
	mem_lists(c, &c->s[0], gfns, 1);
	KUNIT_ASSERT_EQ(test, mem_export(c, 0, 1), TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_export_track(ktd_tdr(c->src), tok, false),
			TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_import_track(ktd_tdr(c->dst), tok),
			TDX_STATUS_INVALID_MBMD | TDX_STATUS_FATAL_BIT);
	teardown(c);
}

/*
 * A page exported twice in one epoch: the exporter only needs it dirty
 * and accepts; the importer aborts with MIGRATED_IN_CURRENT_EPOCH (§10.1).
 */
static void twice_in_epoch_test(struct kunit *test)
{
	struct mig_ctx *c = neg_setup(test);
	static const u64 gfns[] = { 6 };
	struct tdx_emu_guest_op op[2] = {
		{ TDX_EMU_GUEST_WRITE, 6 << PAGE_SHIFT, 0x77 }, { TDX_EMU_GUEST_HLT },
	};
	u64 tdvpr = pa(c->src->vcpu[0].tdvpr), qual, gpa;

	move_pages(c, (unsigned long[]){ BIT(6) }, true);
	KUNIT_ASSERT_EQ(test, tdx_emu_guest_program(tdvpr, op, 2), 0);
	KUNIT_ASSERT_EQ(test, ktd_vp_enter(tdvpr, &qual, &gpa),
			TDX_STATUS_SUCCESS | TDX_EXIT_REASON_EPT_VIOLATION);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_export_unblockw(ktd_tdr(c->src), gpa),
			TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, ktd_vp_enter(tdvpr, &qual, &gpa),
			TDX_STATUS_SUCCESS | TDX_EXIT_REASON_HLT);
	blockw(c, gfns, 1);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mem_track(ktd_tdr(c->src)), TDX_STATUS_SUCCESS);
	mem_lists(c, &c->s[0], gfns, 1);
	KUNIT_EXPECT_EQ(test, mem_export(c, 0, 1), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, mem_import(c, 0, gfns, 1),
			TDX_STATUS_MIGRATED_IN_CURRENT_EPOCH | TDX_OPID_GPA_LIST_ENTRY |
			TDX_STATUS_FATAL_BIT);
	teardown(c);
}

/*
 * A page cancelled (its destination entry becomes REMOVED in this epoch)
 * cannot be imported over again in the same epoch (§10.1 item 3).
 */
static void import_over_removed_test(struct kunit *test)
{
	struct mig_ctx *c = neg_setup(test);
	static const u64 gfns[] = { 9 };
	u64 *gpa = page_address(c->s[0].gpa_list);
	struct tdx_gpa_entry cancel = {};

	move_pages(c, (unsigned long[]){ BIT(9) }, true);
	/* A new epoch: a page imported in this one could not be cancelled. */
	token(c, false);
	cancel.gpa = 9 << PAGE_SHIFT;
	cancel.operation = TDX_GPA_OP_CANCEL;
	gpa[0] = tdx_gpa_entry_encode(&cancel);
	KUNIT_ASSERT_EQ(test, mem_export(c, 0, 1), TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, mem_import(c, 0, gfns, 1), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, tdx_emu_sept_state(c->dst->tdr_pa, 9 << PAGE_SHIFT, 0),
			TDX_SEPT_REMOVED);
	KUNIT_EXPECT_EQ(test, tdx_emu_sept_state(c->src->tdr_pa, 9 << PAGE_SHIFT, 0),
			TDX_SEPT_MAPPED);
	/* The cancelled page went back to the host; a new one is offered. */
	__free_page(c->dst->mem[9]);
	c->dst->mem[9] = NULL;
	blockw(c, gfns, 1);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mem_track(ktd_tdr(c->src)), TDX_STATUS_SUCCESS);
	mem_lists(c, &c->s[0], gfns, 1);
	KUNIT_ASSERT_EQ(test, mem_export(c, 0, 1), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, mem_import(c, 0, gfns, 1),
			TDX_STATUS_DISALLOWED_IMPORT_OVER_REMOVED | TDX_OPID_GPA_LIST_ENTRY |
			TDX_STATUS_FATAL_BIT);
	teardown(c);
}

/* A busy stream, and a resumption that changes an operand (§1.3). */
static void migsc_busy_resume_test(struct kunit *test)
{
	struct mig_ctx *c = neg_setup(test);
	struct mig_stream *s = &c->s[1];
	u64 gfns[16], gl, ret, pages, rcx_after;
	int i;

	for (i = 0; i < 16; i++)
		gfns[i] = i;
	KUNIT_ASSERT_EQ(test, tdx_emu_hold_migsc(c->src->tdr_pa, tdx_migsc_link_of_forward(1)), 0);
	mem_lists(c, s, gfns, 1);
	gl = tdx_gpa_list_info_encode(pa(s->gpa_list), 0, 0);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_export_mem(ktd_tdr(c->src), &gl, mbmd_operand(s->mbmd),
						     pa(s->buf_list),
						     tdx_migs_index_and_cmd_encode(1, 0),
						     pa(s->mac[0]), pa(s->mac[1]), &pages),
			TDX_STATUS_OPERAND_BUSY | TDX_OPID_MIGSC);
	tdx_emu_release_migsc(c->src->tdr_pa, tdx_migsc_link_of_forward(1));

	/*
	 * Interrupted after each entry, a resumption that changes an operand
	 * is refused, and consumes the saved state: even the right operands
	 * cannot resume the call afterwards (§1.3). A NEW call starts over.
	 */
	blockw(c, gfns, 16);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mem_track(ktd_tdr(c->src)), TDX_STATUS_SUCCESS);
	ktd_set_intr_policy(test, TDX_EMU_INTR_EVERY, 1, 0);
	for (i = 0; i < 4; i++) {
		u64 buf = pa(s->buf_list), mac0 = pa(s->mac[0]), mac1 = pa(s->mac[1]);

		mem_lists(c, s, gfns + 4 * i, 4);
		gl = tdx_gpa_list_info_encode(pa(s->gpa_list), 0, 3);
		ret = tdx_mig_tdh_export_mem(ktd_tdr(c->src), &gl, mbmd_operand(s->mbmd), buf,
					     tdx_migs_index_and_cmd_encode(1, 0), mac0, mac1,
					     &pages);
		KUNIT_ASSERT_EQ(test, ret, TDX_STATUS_INTERRUPTED_RESUMABLE);
		rcx_after = gl;
		if (i == 0)
			gl ^= BIT_ULL(3);
		else if (i == 1)
			buf = pa(s->new_list);
		else if (i == 2)
			mac0 = mac1;
		else
			mac1 = mac0;
		KUNIT_EXPECT_EQ(test, tdx_mig_tdh_export_mem(ktd_tdr(c->src), &gl,
							     mbmd_operand(s->mbmd), buf,
							     resume_cmd(1), mac0, mac1, &pages),
				TDX_STATUS_INVALID_RESUMPTION);
		gl = rcx_after;
		KUNIT_EXPECT_EQ(test, tdx_mig_tdh_export_mem(ktd_tdr(c->src), &gl,
							     mbmd_operand(s->mbmd), pa(s->buf_list),
							     resume_cmd(1), pa(s->mac[0]),
							     pa(s->mac[1]), &pages),
				TDX_STATUS_INVALID_RESUMPTION);
	}
	tdx_emu_set_intr_policy(TDX_EMU_INTR_NEVER, 0, 0);
	teardown(c);
}

/*
 * A NEW EXPORT.STATE.IMMUTABLE that fails in its page loop keeps its side
 * effects (§10.2): EXPORT_COUNT counted, MIG_DEC_KEY_SET consumed, the TD
 * still RUNNABLE; a retry needs the MigTD to write the key again.
 */
static void failed_immutable_test(struct kunit *test)
{
	struct mig_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	u64 *list, v, pages, good;

	ktd_require_emu(test);
	KUNIT_ASSERT_NOT_NULL(test, c);
	setup(c, test, 16);
	list = page_address(c->state_list);
	good = list[1];
	list[1] = good | (40ULL << EMU_HKID_SHIFT);	/* a private key ID */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_export_state_immutable(ktd_tdr(c->src),
								 mbmd_operand(c->s[0].mbmd),
								 state_list_info(c, 8), 0, &pages),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_MIG_BUFF_LIST_ENTRY);
	list[1] = good;
	KUNIT_EXPECT_EQ(test, op_state(c, c->src), (u64)TDX_OP_STATE_RUNNABLE);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mng_rd(ktd_tdr(c->src), TDX_MD_TD_EXPORT_COUNT, &v),
			TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, v, 1ULL);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mng_rd(ktd_tdr(c->src), TDX_MD_TD_MIG_DEC_KEY_SET, &v),
			TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, v, 0ULL);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_export_state_immutable(ktd_tdr(c->src),
								 mbmd_operand(c->s[0].mbmd),
								 state_list_info(c, 8), 0, &pages),
			TDX_STATUS_MIGRATION_DECRYPTION_KEY_NOT_SET);
	teardown(c);
}

/*
 * An abort after the start token (§3.2, §3.3): the destination's abort
 * token, checked with the source's MIG_DEC_WORKING_KEY, returns the source
 * to RUNNABLE; EXPORT.RESTORE then gives back every exported page intact.
 */
static void abort_after_start_test(struct kunit *test)
{
	struct mig_ctx *c = neg_setup(test);
	struct tdx_mbmd *t = page_address(c->token);
	u64 tok = mbmd_operand(c->token), v, gl, ret;
	u64 *list = page_address(c->s[0].gpa_list);
	unsigned long all = GENMASK(15, 0);
	int i, tries = 0;

	move_pages(c, &all, true);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_export_pause(ktd_tdr(c->src)), TDX_STATUS_SUCCESS);
	move_state(c, 1, c->src->tdr_pa, c->dst->tdr_pa, 0);
	dst_vcpus(c);
	for (i = 0; i < c->src->nr_vcpus; i++)
		move_state(c, 2, pa(c->src->vcpu[i].tdvpr), pa(c->dst->vcpu[i].tdvpr), 0);
	token(c, true);
	KUNIT_EXPECT_EQ(test, op_state(c, c->src), (u64)TDX_OP_STATE_POST_EXPORT);

	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_import_abort(ktd_tdr(c->dst), tok),
			TDX_STATUS_SUCCESS | TDX_STATUS_FATAL_BIT);
	KUNIT_EXPECT_EQ(test, op_state(c, c->dst), (u64)TDX_OP_STATE_FAILED_IMPORT);
	/* Before POST_EXPORT the token must be absent; in it, it must verify. */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_export_abort(ktd_tdr(c->src), 0),
			TDX_STATUS_OPERAND_INVALID | TDX_OPID_R8);
	t->mac[0] ^= 1;
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_export_abort(ktd_tdr(c->src), tok),
			TDX_STATUS_INCORRECT_MBMD_MAC);
	t->mac[0] ^= 1;
	KUNIT_EXPECT_EQ(test, op_state(c, c->src), (u64)TDX_OP_STATE_POST_EXPORT);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_export_abort(ktd_tdr(c->src), tok), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, op_state(c, c->src), (u64)TDX_OP_STATE_RUNNABLE);

	/* A new session needs the exported pages restored first. */
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mng_rd(ktd_tdr(c->src), TDX_MD_TD_MIG_COUNT, &v),
			TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, v, 16ULL);
	for (i = 0; i < 16; i++)
		list[i] = tdx_gpa_entry_encode(&(struct tdx_gpa_entry){
			.gpa = (u64)i << PAGE_SHIFT, .operation = TDX_GPA_OP_MIGRATE });
	gl = tdx_gpa_list_info_encode(pa(c->s[0].gpa_list), 0, 15);
	do {
		ret = tdx_mig_tdh_export_restore(ktd_tdr(c->src), &gl);
	} while (ret == TDX_STATUS_INTERRUPTED_RESUMABLE && tries++ < MIG_RESUMES);
	KUNIT_EXPECT_EQ(test, ret, TDX_STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mng_rd(ktd_tdr(c->src), TDX_MD_TD_MIG_COUNT, &v),
			TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, v, 0ULL);
	KUNIT_EXPECT_EQ(test, tdx_emu_sept_state(c->src->tdr_pa, 0, 0), TDX_SEPT_MAPPED);
	KUNIT_EXPECT_EQ(test, tdx_emu_sept_state(c->src->tdr_pa, 7 << PAGE_SHIFT, 0),
			TDX_SEPT_PENDING);
	KUNIT_EXPECT_EQ(test, ktd_read_private_u64(test, c->src, 8 << PAGE_SHIFT),
			ktd_add_pattern(8));
	teardown(c);
}

/*
 * Resuming a state bundle (§1.3, §10.1 item 2): a changed page list is
 * refused and consumes the saved state, so on export even the right
 * operands are refused afterwards; on import a mismatch with a saved state
 * fails the import, while a stream never used cannot be resumed at all.
 */
static void state_resume_test(struct kunit *test)
{
	struct mig_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	u64 mbmd, list, other, pages = 0;

	ktd_require_emu(test);
	KUNIT_ASSERT_NOT_NULL(test, c);
	setup(c, test, 16);
	mbmd = mbmd_operand(c->s[0].mbmd);
	list = state_list_info(c, 8);
	other = state_list_info(c, 7);
	ktd_set_intr_policy(test, TDX_EMU_INTR_EVERY, 1, 0);

	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_export_state_immutable(ktd_tdr(c->src), mbmd, list, 0,
								 &pages),
			TDX_STATUS_INTERRUPTED_RESUMABLE);
	KUNIT_EXPECT_EQ(test, pages, 1ULL);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_export_state_immutable(ktd_tdr(c->src), mbmd, other,
								 resume_cmd(0), &pages),
			TDX_STATUS_INVALID_RESUMPTION);
	/* The saved state is gone: the right operands are refused too. */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_export_state_immutable(ktd_tdr(c->src), mbmd, list,
								 resume_cmd(0), &pages),
			TDX_STATUS_INVALID_RESUMPTION);
	KUNIT_EXPECT_EQ(test, op_state(c, c->src), (u64)TDX_OP_STATE_RUNNABLE);

	/* The import side needs a bundle: the pair exchanges keys again. */
	rekey(c);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_export_state_immutable(ktd_tdr(c->src), mbmd, list, 0,
								 &pages),
			TDX_STATUS_INTERRUPTED_RESUMABLE);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_export_state_immutable(ktd_tdr(c->src), mbmd, list,
								 resume_cmd(0), &pages),
			TDX_STATUS_SUCCESS);
	list = state_list_info(c, 2);
	/* A never-used stream cannot be resumed at all. */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_import_state_immutable(ktd_tdr(c->dst), mbmd, list,
								 resume_cmd(0)),
			TDX_STATUS_MIGRATION_STREAM_STATE_INCORRECT);
	/* Still UNINITIALIZED: the one state MNG.RD refuses (§3.1). */
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_mng_rd(ktd_tdr(c->dst), TDX_MD_TD_OP_STATE, &pages),
			TDX_STATUS_OP_STATE_INCORRECT);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_import_state_immutable(ktd_tdr(c->dst), mbmd, list, 0),
			TDX_STATUS_INTERRUPTED_RESUMABLE);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_import_state_immutable(ktd_tdr(c->dst), mbmd, other,
								 resume_cmd(0)),
			TDX_STATUS_INVALID_RESUMPTION | TDX_STATUS_FATAL_BIT);
	KUNIT_EXPECT_EQ(test, op_state(c, c->dst), (u64)TDX_OP_STATE_FAILED_IMPORT);
	tdx_emu_set_intr_policy(TDX_EMU_INTR_NEVER, 0, 0);
	teardown(c);
}

/*
 * The resumption TOCTOU of Google and Intel's joint review of TDX Module
 * 1.5: between an interrupted call and its resumption the host calls
 * another leaf on the stream, or the same leaf with another operand. The
 * MIGSC holds the interrupted leaf (RAX) and its operands; a RESUME that
 * does not repeat them is TDX_INVALID_RESUMPTION and consumes the saved
 * state (§1.3), fatal on import (§10.1 item 2). A NEW call starts over, so
 * the source loses nothing.
 */
static void resume_other_leaf_test(struct kunit *test)
{
	struct mig_ctx *c = neg_setup(test);
	struct mig_stream *s = &c->s[0];
	static const u64 gfns[] = { 1, 2 };
	u64 mbmd = mbmd_operand(s->mbmd), list = state_list_info(c, EMU_MAX_STATE_PAGES);
	u64 vp0 = pa(c->src->vcpu[0].tdvpr), vp1 = pa(c->src->vcpu[1].tdvpr);
	u64 new0 = tdx_migs_index_and_cmd_encode(0, TDX_MIGS_CMD_NEW);
	u64 new1 = tdx_migs_index_and_cmd_encode(1, TDX_MIGS_CMD_NEW);
	u64 gl, pages = 0;

	/* Import: IMPORT.MEM interrupted on stream 0, IMPORT.STATE.TD resumed there. */
	blockw(c, gfns, 2);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_mem_track(ktd_tdr(c->src)), TDX_STATUS_SUCCESS);
	mem_lists(c, s, gfns, 2);
	KUNIT_ASSERT_EQ(test, mem_export(c, 0, 2), TDX_STATUS_SUCCESS);
	mem_import_pages(c, s, gfns, 2);
	ktd_set_intr_policy(test, TDX_EMU_INTR_EVERY, 1, 0);
	gl = tdx_gpa_list_info_encode(pa(s->gpa_list), 0, 1);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_import_mem(ktd_tdr(c->dst), &gl, mbmd, pa(s->buf_list),
						     new0, pa(s->mac[0]), pa(s->mac[1]),
						     pa(s->new_list)),
			TDX_STATUS_INTERRUPTED_RESUMABLE);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_import_state_td(ktd_tdr(c->dst), mbmd,
							  state_list_info(c, 1), resume_cmd(0)),
			TDX_STATUS_INVALID_RESUMPTION | TDX_STATUS_FATAL_BIT);
	KUNIT_EXPECT_EQ(test, op_state(c, c->dst), (u64)TDX_OP_STATE_FAILED_IMPORT);

	/* Export, in PAUSED_EXPORT where MEM and the state leaves may all run. */
	tdx_emu_set_intr_policy(TDX_EMU_INTR_NEVER, 0, 0);
	KUNIT_ASSERT_EQ(test, tdx_mig_tdh_export_pause(ktd_tdr(c->src)), TDX_STATUS_SUCCESS);
	ktd_set_intr_policy(test, TDX_EMU_INTR_EVERY, 1, 0);
	/* EXPORT.STATE.VP interrupted on stream 0, EXPORT.MEM resumed there. */
	KUNIT_ASSERT_EQ(test, state_export(2, vp0, mbmd, list, new0, &pages),
			TDX_STATUS_INTERRUPTED_RESUMABLE);
	gl = tdx_gpa_list_info_encode(pa(s->gpa_list), 0, 1);
	KUNIT_EXPECT_EQ(test, tdx_mig_tdh_export_mem(ktd_tdr(c->src), &gl, mbmd, pa(s->buf_list),
						     resume_cmd(0), pa(s->mac[0]),
						     pa(s->mac[1]), &pages),
			TDX_STATUS_INVALID_RESUMPTION);
	/* The saved state is gone: the interrupted leaf itself is refused now. */
	KUNIT_EXPECT_EQ(test, state_export(2, vp0, mbmd, list, resume_cmd(0), &pages),
			TDX_STATUS_INVALID_RESUMPTION);
	/* The same leaf on stream 1 resumed for another vCPU. */
	KUNIT_ASSERT_EQ(test, state_export(2, vp0, mbmd, list, new1, &pages),
			TDX_STATUS_INTERRUPTED_RESUMABLE);
	KUNIT_EXPECT_EQ(test, state_export(2, vp1, mbmd, list, resume_cmd(1), &pages),
			TDX_STATUS_INVALID_RESUMPTION);
	KUNIT_EXPECT_EQ(test, state_export(2, vp0, mbmd, list, resume_cmd(1), &pages),
			TDX_STATUS_INVALID_RESUMPTION);
	KUNIT_EXPECT_EQ(test, op_state(c, c->src), (u64)TDX_OP_STATE_PAUSED_EXPORT);
	/* Nothing was lost: a NEW call exports vCPU 0 whole. */
	tdx_emu_set_intr_policy(TDX_EMU_INTR_NEVER, 0, 0);
	KUNIT_EXPECT_EQ(test, state_export(2, vp0, mbmd, list, new0, &pages), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_GT(test, pages, 0ULL);
	teardown(c);
}

static struct kunit_case mig_neg_cases[] = {
	KUNIT_CASE_PARAM(immutable_tamper_test, immutable_gen_params),
	KUNIT_CASE_PARAM(mbmd_tamper_test, mbmd_tamper_gen_params),
	KUNIT_CASE(mem_tamper_test),
	KUNIT_CASE(token_test),
	KUNIT_CASE(twice_in_epoch_test),
	KUNIT_CASE(import_over_removed_test),
	KUNIT_CASE(migsc_busy_resume_test),
	KUNIT_CASE(failed_immutable_test),
	KUNIT_CASE(abort_after_start_test),
	KUNIT_CASE(state_resume_test),
	KUNIT_CASE(resume_other_leaf_test),
	{}
};

static struct kunit_suite mig_neg_suite = {
	.name = "tdx_mig_emu_migration_neg",
	.test_cases = mig_neg_cases,
};

static struct kunit_case mig_cases[] = {
	KUNIT_CASE_SLOW(migrate_64m_test),
	KUNIT_CASE_PARAM(migrate_interrupted_test, intr_case_gen_params),
	KUNIT_CASE(vp_enter_busy_test),
	KUNIT_CASE(vp_enter_busy_paused_test),
	KUNIT_CASE(vp_import_shared_test),
	{}
};

static struct kunit_suite mig_suite = {
	.name = "tdx_mig_emu_migration",
	.test_cases = mig_cases,
};

kunit_test_suites(&mig_suite, &mig_neg_suite);
