// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: every encoder and decoder of the ABI header against the documented
 * bit positions (§1.2, §2.1, §2.3, §3.4, §4, §5), and reserved bits rejected
 * exactly where the TDX Module rejects them (§10.2).
 */
#include <kunit/test.h>
#include <linux/stddef.h>

#include "abi.h"
#include "emu/module/abi_decode.h"

static void migs_index_and_cmd_test(struct kunit *test)
{
	struct tdx_migs_index_and_cmd d;
	u64 raw;

	raw = tdx_migs_index_and_cmd_encode(510, TDX_MIGS_CMD_RESUME);
	KUNIT_EXPECT_EQ(test, raw, BIT_ULL(63) | 510);
	KUNIT_EXPECT_TRUE(test, tdx_migs_index_and_cmd_decode(raw, &d));
	KUNIT_EXPECT_EQ(test, d.migs_index, 510);
	KUNIT_EXPECT_TRUE(test, d.cmd);

	KUNIT_EXPECT_EQ(test, tdx_migs_index_and_cmd_encode(0, TDX_MIGS_CMD_NEW), 0ULL);
	KUNIT_EXPECT_TRUE(test, tdx_migs_index_and_cmd_decode(0xffff, &d));
	KUNIT_EXPECT_EQ(test, d.migs_index, 0xffff);
	KUNIT_EXPECT_FALSE(test, d.cmd);

	/* Bits 62:16 are reserved: TDX_OPERAND_INVALID | R10. */
	KUNIT_EXPECT_FALSE(test, tdx_migs_index_and_cmd_decode(BIT_ULL(16), &d));
	KUNIT_EXPECT_FALSE(test, tdx_migs_index_and_cmd_decode(BIT_ULL(31), &d));
	KUNIT_EXPECT_FALSE(test, tdx_migs_index_and_cmd_decode(BIT_ULL(32), &d));
	KUNIT_EXPECT_FALSE(test, tdx_migs_index_and_cmd_decode(BIT_ULL(62), &d));
}

static void hpa_and_size_test(struct kunit *test)
{
	struct tdx_hpa_and_size d;
	u64 raw;

	raw = tdx_hpa_and_size_encode(0x12345680, 48);
	KUNIT_EXPECT_EQ(test, raw, 0x12345680ULL | (48ULL << 52));
	KUNIT_EXPECT_TRUE(test, tdx_hpa_and_size_decode(raw, &d));
	KUNIT_EXPECT_EQ(test, d.hpa, 0x12345680ULL);
	KUNIT_EXPECT_EQ(test, d.size, 48);

	raw = tdx_hpa_and_size_encode(GENMASK_ULL(51, 7), 4095);
	KUNIT_EXPECT_TRUE(test, tdx_hpa_and_size_decode(raw, &d));
	KUNIT_EXPECT_EQ(test, d.hpa, GENMASK_ULL(51, 7));
	KUNIT_EXPECT_EQ(test, d.size, 4095);

	/* Smaller than an MBMD, or not 128-byte aligned: invalid R8. */
	KUNIT_EXPECT_FALSE(test, tdx_hpa_and_size_decode(tdx_hpa_and_size_encode(0x1000, 47), &d));
	KUNIT_EXPECT_FALSE(test, tdx_hpa_and_size_decode(tdx_hpa_and_size_encode(0x1040, 48), &d));
	KUNIT_EXPECT_FALSE(test, tdx_hpa_and_size_decode(tdx_hpa_and_size_encode(0x1001, 48), &d));
}

static void page_list_info_test(struct kunit *test)
{
	struct tdx_page_list_info d;
	u64 raw;

	raw = tdx_page_list_info_encode(0xabcd000, 511);
	KUNIT_EXPECT_EQ(test, raw, 0xabcd000ULL | (511ULL << 55));
	KUNIT_EXPECT_TRUE(test, tdx_page_list_info_decode(raw, &d));
	KUNIT_EXPECT_EQ(test, d.hpa, 0xabcd000ULL);
	KUNIT_EXPECT_EQ(test, d.last_entry, 511);

	KUNIT_EXPECT_FALSE(test, tdx_page_list_info_decode(raw | BIT_ULL(0), &d));
	KUNIT_EXPECT_FALSE(test, tdx_page_list_info_decode(raw | BIT_ULL(11), &d));
	KUNIT_EXPECT_FALSE(test, tdx_page_list_info_decode(raw | BIT_ULL(52), &d));
	KUNIT_EXPECT_FALSE(test, tdx_page_list_info_decode(raw | BIT_ULL(54), &d));
}

static void gpa_list_info_test(struct kunit *test)
{
	struct tdx_gpa_list_info d;
	u64 raw;

	raw = tdx_gpa_list_info_encode(0x7000, 3, 511);
	KUNIT_EXPECT_EQ(test, raw, (3ULL << 3) | 0x7000ULL | (511ULL << 55));
	KUNIT_EXPECT_TRUE(test, tdx_gpa_list_info_decode(raw, &d));
	KUNIT_EXPECT_EQ(test, d.format, 0);
	KUNIT_EXPECT_EQ(test, d.first_entry, 3);
	KUNIT_EXPECT_EQ(test, d.hpa, 0x7000ULL);
	KUNIT_EXPECT_EQ(test, d.last_entry, 511);

	/* first == last is one entry; first > last is invalid. */
	KUNIT_EXPECT_TRUE(test, tdx_gpa_list_info_decode(tdx_gpa_list_info_encode(0, 7, 7), &d));
	KUNIT_EXPECT_FALSE(test, tdx_gpa_list_info_decode(tdx_gpa_list_info_encode(0, 8, 7), &d));
	/* Only format 0 (GPA_ONLY) exists; bits 54:52 are reserved. */
	KUNIT_EXPECT_FALSE(test, tdx_gpa_list_info_decode(raw | 1, &d));
	KUNIT_EXPECT_FALSE(test, tdx_gpa_list_info_decode(raw | BIT_ULL(52), &d));
	KUNIT_EXPECT_FALSE(test, tdx_gpa_list_info_decode(raw | BIT_ULL(54), &d));
}

static void page_info_test(struct kunit *test)
{
	u64 gpa;

	KUNIT_EXPECT_EQ(test, tdx_page_info_encode(0x123456789fffULL), 0x123456789000ULL);
	KUNIT_EXPECT_TRUE(test, tdx_page_info_decode(0x123456789000ULL, &gpa));
	KUNIT_EXPECT_EQ(test, gpa, 0x123456789000ULL);
	/* Level must be 0 (4 KiB); bits 11:3 and 63:52 are reserved. */
	KUNIT_EXPECT_FALSE(test, tdx_page_info_decode(0x1000 | 1, &gpa));
	KUNIT_EXPECT_FALSE(test, tdx_page_info_decode(0x1000 | BIT_ULL(3), &gpa));
	KUNIT_EXPECT_FALSE(test, tdx_page_info_decode(0x1000 | BIT_ULL(52), &gpa));
	KUNIT_EXPECT_FALSE(test, tdx_page_info_decode(0x1000 | BIT_ULL(63), &gpa));
}

static const struct tdx_gpa_entry gpa_entry_cases[] = {
	{ .gpa = 0x1000, .operation = TDX_GPA_OP_MIGRATE },
	{ .gpa = GENMASK_ULL(51, 12), .operation = TDX_GPA_OP_REMIGRATE,
	  .status = TDX_GPA_STATUS_GPA_LIST_ENTRY_INVALID, .pending = true },
	{ .gpa = 0x200000, .operation = TDX_GPA_OP_CANCEL,
	  .status = TDX_GPA_STATUS_MIGRATED_IN_CURRENT_EPOCH },
	{ .operation = TDX_GPA_OP_NOP, .status = TDX_GPA_STATUS_SKIPPED },
	/* Never validated by the module (§10.2), so they round-trip. */
	{ .gpa = 0x3000, .l2_map = 7, .mig_type = 3 },
};

static void gpa_entry_desc(const struct tdx_gpa_entry *e, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "gpa %#llx op %d status %d",
		 e->gpa, e->operation, e->status);
}

KUNIT_ARRAY_PARAM(gpa_entry, gpa_entry_cases, gpa_entry_desc);

static void gpa_entry_roundtrip_test(struct kunit *test)
{
	const struct tdx_gpa_entry *e = test->param_value;
	struct tdx_gpa_entry d;

	KUNIT_EXPECT_TRUE(test, tdx_gpa_entry_decode(tdx_gpa_entry_encode(e), &d));
	KUNIT_EXPECT_EQ(test, d.gpa, e->gpa);
	KUNIT_EXPECT_EQ(test, d.operation, e->operation);
	KUNIT_EXPECT_EQ(test, d.status, e->status);
	KUNIT_EXPECT_EQ(test, d.pending, e->pending);
	KUNIT_EXPECT_EQ(test, d.l2_map, e->l2_map);
	KUNIT_EXPECT_EQ(test, d.mig_type, e->mig_type);
	KUNIT_EXPECT_EQ(test, d.level, 0);
}

static void gpa_entry_bits_test(struct kunit *test)
{
	struct tdx_gpa_entry e = {
		.pending = true,
		.operation = TDX_GPA_OP_REMIGRATE,
		.status = 0x1f,
	};
	struct tdx_gpa_entry d;
	int bit;

	KUNIT_EXPECT_EQ(test, tdx_gpa_entry_encode(&e),
			BIT_ULL(2) | (3ULL << 52) | (0x1fULL << 56));

	/* Reserved bits 6:3, 55:54 and 63:61, and any level, are invalid. */
	for (bit = 0; bit < 64; bit++) {
		bool rsvd = (bit >= 3 && bit <= 6) || bit == 54 || bit == 55 || bit >= 61;
		bool level = bit <= 1;

		KUNIT_EXPECT_EQ_MSG(test, tdx_gpa_entry_decode(BIT_ULL(bit), &d),
				    !(rsvd || level), "bit %d", bit);
	}
}

static void page_list_entry_test(struct kunit *test)
{
	bool invalid;
	u64 hpa;

	KUNIT_EXPECT_EQ(test, tdx_page_list_entry_encode(0x5000, true), BIT_ULL(63) | 0x5000);
	KUNIT_EXPECT_TRUE(test, tdx_page_list_entry_decode(BIT_ULL(63) | 0x5000, &hpa, &invalid));
	KUNIT_EXPECT_EQ(test, hpa, 0x5000ULL);
	KUNIT_EXPECT_TRUE(test, invalid);
	KUNIT_EXPECT_FALSE(test, tdx_page_list_entry_decode(0x5000 | BIT_ULL(0), &hpa, &invalid));
	KUNIT_EXPECT_FALSE(test, tdx_page_list_entry_decode(0x5000 | BIT_ULL(52), &hpa, &invalid));
	KUNIT_EXPECT_FALSE(test, tdx_page_list_entry_decode(0x5000 | BIT_ULL(62), &hpa, &invalid));
}

static void mac_list_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, tdx_mac_list_of(0), 0);
	KUNIT_EXPECT_EQ(test, tdx_mac_list_index(255), 255);
	KUNIT_EXPECT_EQ(test, tdx_mac_list_of(255), 0);
	KUNIT_EXPECT_EQ(test, tdx_mac_list_of(256), 1);
	KUNIT_EXPECT_EQ(test, tdx_mac_list_index(256), 0);
	KUNIT_EXPECT_EQ(test, tdx_mac_list_of(511), 1);
	KUNIT_EXPECT_EQ(test, tdx_mac_list_index(511), 255);
	KUNIT_EXPECT_EQ(test, TDX_MAC_LIST_ENTRIES * TDX_MAC_LEN, 4096);
}

static void mbmd_layout_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sizeof(struct tdx_mbmd), 48);
	KUNIT_EXPECT_EQ(test, offsetof(struct tdx_mbmd, hdr.size), 0);
	KUNIT_EXPECT_EQ(test, offsetof(struct tdx_mbmd, hdr.mig_version), 2);
	KUNIT_EXPECT_EQ(test, offsetof(struct tdx_mbmd, hdr.migs_index), 4);
	KUNIT_EXPECT_EQ(test, offsetof(struct tdx_mbmd, hdr.mb_type), 6);
	KUNIT_EXPECT_EQ(test, offsetof(struct tdx_mbmd, hdr.mb_counter), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct tdx_mbmd, hdr.mig_epoch), 12);
	KUNIT_EXPECT_EQ(test, offsetof(struct tdx_mbmd, hdr.iv_counter), 16);
	KUNIT_EXPECT_EQ(test, offsetof(struct tdx_mbmd, immutable.num_f_migs), 24);
	KUNIT_EXPECT_EQ(test, offsetof(struct tdx_mbmd, immutable.sys_md_pages), 28);
	KUNIT_EXPECT_EQ(test, offsetof(struct tdx_mbmd, total_mb), 24);
	KUNIT_EXPECT_EQ(test, offsetof(struct tdx_mbmd, mac), 32);
	KUNIT_EXPECT_EQ(test, TDX_MBMD_AAD_LEN, 32);
	KUNIT_EXPECT_EQ(test, TDX_MB_TYPE_MEM, 16);
	KUNIT_EXPECT_EQ(test, TDX_MB_TYPE_EPOCH_TOKEN, 32);
	KUNIT_EXPECT_EQ(test, TDX_MB_TYPE_ABORT_TOKEN, 33);
	KUNIT_EXPECT_EQ(test, sizeof(struct tdx_migs_iv), 12);
	KUNIT_EXPECT_EQ(test, offsetof(struct tdx_migs_iv, migs_index), 8);
}

static void status_test(struct kunit *test)
{
	u64 cls;

	KUNIT_EXPECT_EQ(test, tdx_status_with_operand(TDX_STATUS_OPERAND_INVALID, TDX_OPID_R10),
			0xC00001000000000AULL);
	KUNIT_EXPECT_EQ(test, tdx_status_with_operand(TDX_STATUS_OPERAND_BUSY, TDX_OPID_MIGSC),
			0x80000200000000ABULL);
	KUNIT_EXPECT_EQ(test, tdx_status_fatal(TDX_STATUS_INVALID_MBMD), 0xE0000E0000000000ULL);
	KUNIT_EXPECT_EQ(test, tdx_status_code(0xC0000E0F00000061ULL), TDX_STATUS_INVALID_PAGE_MAC);
	KUNIT_EXPECT_EQ(test, tdx_status_operand(0xC0000E0F00000061ULL), TDX_OPID_GPA_LIST_ENTRY);
	/* SUCCESS with N failed GPA entries keeps N in the low bits. */
	KUNIT_EXPECT_EQ(test, tdx_status_code(TDX_STATUS_SUCCESS + 7), TDX_STATUS_SUCCESS);
	KUNIT_EXPECT_FALSE(test, tdx_status_is_error(TDX_STATUS_SUCCESS + 7));
	KUNIT_EXPECT_TRUE(test, tdx_status_is_error(TDX_STATUS_INTERRUPTED_RESUMABLE));
	KUNIT_EXPECT_FALSE(test,
			   tdx_status_is_error(TDX_STATUS_METADATA_FIRST_FIELD_ID_IN_CONTEXT));
	cls = FIELD_GET(TDX_STATUS_CLASS_MASK, TDX_STATUS_SERVTD_BOUND);
	KUNIT_EXPECT_EQ(test, cls, 0x0d);
	cls = FIELD_GET(TDX_STATUS_CLASS_MASK, TDX_STATUS_INVALID_MBMD);
	KUNIT_EXPECT_EQ(test, cls, 0x0e);
	KUNIT_EXPECT_EQ(test, TDX_OPID_NEW_PAGE_LIST_ENTRY, 99);
	KUNIT_EXPECT_EQ(test, TDX_OPID_METADATA_FIELD, 176);
}

static void sept_states_test(struct kunit *test)
{
	int state, other;

	for (state = 0; state < TDX_NUM_SEPT_STATES; state++) {
		u8 enc = tdx_sept_state_encoding(state);
		u64 entry = 0;

		/* Rebuild an entry from the encoding, bit by bit (§3.4). */
		if (enc & BIT(0))
			entry |= TDX_SEPT_D_BIT;
		if (enc & BIT(1))
			entry |= TDX_SEPT_TDEX_BIT;
		if (enc & BIT(2))
			entry |= TDX_SEPT_TDBW_BIT;
		if (enc & BIT(3))
			entry |= TDX_SEPT_TDB_BIT;
		if (enc & BIT(4))
			entry |= TDX_SEPT_TDP_BIT;
		if (enc & BIT(5))
			entry |= TDX_SEPT_IPAT_BIT;
		if (enc & BIT(6))
			entry |= TDX_SEPT_PS_BIT;
		KUNIT_EXPECT_EQ(test, tdx_sept_entry_encoding(entry | TDX_SEPT_HPA_MASK), enc);
		KUNIT_EXPECT_EQ(test, tdx_sept_state_from_encoding(enc), state);
		for (other = state + 1; other < TDX_NUM_SEPT_STATES; other++)
			KUNIT_EXPECT_NE(test, enc, tdx_sept_state_encoding(other));
	}
	KUNIT_EXPECT_EQ(test, tdx_sept_state_encoding(TDX_SEPT_MAPPED), 0x60);
	KUNIT_EXPECT_EQ(test, tdx_sept_state_encoding(TDX_SEPT_PENDING_EXPORTED_DIRTY_BLOCKEDW),
			0x77);
	KUNIT_EXPECT_EQ(test, tdx_sept_state_public(TDX_SEPT_EXPORTED_DIRTY), 11);
	KUNIT_EXPECT_EQ(test, tdx_sept_state_public(TDX_SEPT_NL_MAPPED), 132);
	KUNIT_EXPECT_EQ(test, tdx_sept_state_from_encoding(0x7f), -EINVAL);
	KUNIT_EXPECT_STREQ(test, tdx_sept_state_name(TDX_SEPT_BLOCKEDW), "BLOCKEDW");
	KUNIT_EXPECT_STREQ(test, tdx_op_state_name(TDX_OP_STATE_POST_IMPORT), "POST_IMPORT");
	KUNIT_EXPECT_STREQ(test, tdx_op_state_name(TDX_NUM_OP_STATES), "INVALID");
}

static const u64 md_field_ids[] = {
	TDX_MD_TD_MIG_DEC_KEY_SET, TDX_MD_TD_EXPORT_COUNT, TDX_MD_TD_IMPORT_COUNT,
	TDX_MD_TD_MIG_EPOCH, TDX_MD_TD_BW_EPOCH, TDX_MD_TD_TOTAL_MB_COUNT,
	TDX_MD_TD_MIG_DEC_KEY, TDX_MD_TD_MIG_DEC_WORKING_KEY, TDX_MD_TD_MIG_ENC_KEY,
	TDX_MD_TD_MIG_ENC_WORKING_KEY, TDX_MD_TD_MIG_VERSION, TDX_MD_TD_MIG_WORKING_VERSION,
	TDX_MD_TD_DIRTY_COUNT, TDX_MD_TD_MIG_COUNT, TDX_MD_TD_NUM_MIGS,
	TDX_MD_TD_NUM_MIGRATED_VCPUS, TDX_MD_TD_PRE_IMPORT_UUID, TDX_MD_TD_SERVTD_HASH,
	TDX_MD_TD_SERVTD_NUM, TDX_MD_TD_SERVTD_BINDINGS_TABLE, TDX_MD_TD_MIGSC_LINKS,
	TDX_MD_TD_UUID, TDX_MD_TD_OP_STATE, TDX_MD_TD_ATTRIBUTES,
	TDX_MD_TD_SERVTD_ATTR_MIGTD,
	TDX_MD_SYS_MIG_ATTRIBUTES, TDX_MD_SYS_MIN_EXPORT_VERSION, TDX_MD_SYS_MAX_EXPORT_VERSION,
	TDX_MD_SYS_MIN_IMPORT_VERSION, TDX_MD_SYS_MAX_IMPORT_VERSION, TDX_MD_SYS_MAX_MIGS,
	TDX_MD_SYS_NUM_IMMUTABLE_STATE_PAGES, TDX_MD_SYS_NUM_TD_STATE_PAGES,
	TDX_MD_SYS_NUM_VP_STATE_PAGES, TDX_MD_SYS_MAX_SERV_TDS, TDX_MD_SYS_SERVTD_ATTR_FIXED0,
	TDX_MD_SYS_SERVTD_ATTR_FIXED1, TDX_MD_SYS_TDX_FEATURES0, TDX_MD_SYS_MINOR_VERSION,
	TDX_MD_SYS_MAJOR_VERSION, TDX_MD_SYS_UPDATE_VERSION,
};

static void md_field_id_test(struct kunit *test)
{
	struct tdx_md_field_id f;
	int i;

	for (i = 0; i < ARRAY_SIZE(md_field_ids); i++) {
		KUNIT_EXPECT_TRUE_MSG(test, tdx_md_field_id_decode(md_field_ids[i], &f),
				      "%#llx", md_field_ids[i]);
		KUNIT_EXPECT_EQ(test, tdx_md_field_id_encode(&f), md_field_ids[i]);
	}

	KUNIT_ASSERT_TRUE(test, tdx_md_field_id_decode(TDX_MD_TD_MIG_ENC_KEY, &f));
	KUNIT_EXPECT_EQ(test, f.field_code, 0x18);
	KUNIT_EXPECT_EQ(test, f.elem_size, TDX_MD_ELEM_8B);
	KUNIT_EXPECT_EQ(test, f.context, TDX_MD_CTX_TD);
	KUNIT_EXPECT_EQ(test, f.class_code, 24);
	KUNIT_EXPECT_TRUE(test, f.non_arch);
	KUNIT_EXPECT_EQ(test, tdx_md_elem_bytes(TDX_MD_TD_MIG_ENC_KEY), 8);

	KUNIT_ASSERT_TRUE(test, tdx_md_field_id_decode(TDX_MD_SYS_MAX_MIGS, &f));
	KUNIT_EXPECT_EQ(test, f.context, TDX_MD_CTX_SYS);
	KUNIT_EXPECT_EQ(test, f.class_code, 32);
	KUNIT_EXPECT_EQ(test, tdx_md_elem_bytes(TDX_MD_SYS_MAX_MIGS), 2);

	KUNIT_ASSERT_TRUE(test, tdx_md_field_id_decode(TDX_MD_TD_SERVTD_NUM, &f));
	KUNIT_EXPECT_EQ(test, f.class_code, 25);

	/* Reserved bits 31:24, 49:47, 55 and 62. */
	KUNIT_EXPECT_FALSE(test, tdx_md_field_id_decode(TDX_MD_TD_MIG_EPOCH | BIT_ULL(24), &f));
	KUNIT_EXPECT_FALSE(test, tdx_md_field_id_decode(TDX_MD_TD_MIG_EPOCH | BIT_ULL(47), &f));
	KUNIT_EXPECT_FALSE(test, tdx_md_field_id_decode(TDX_MD_TD_MIG_EPOCH | BIT_ULL(55), &f));
	KUNIT_EXPECT_FALSE(test, tdx_md_field_id_decode(TDX_MD_TD_MIG_EPOCH | BIT_ULL(62), &f));
}

static void servtd_handle_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, tdx_servtd_handle(0x12345678, 0, 0x10), 0x12345010ULL);
	KUNIT_EXPECT_EQ(test, tdx_servtd_handle(0x5000, 1, 0), 0x5001ULL);
	/* The sum wraps modulo 2^64. */
	KUNIT_EXPECT_EQ(test, tdx_servtd_handle(0x5000, 0, ~0ULL), 0x4fffULL);
	KUNIT_EXPECT_EQ(test, TDX_SERVTD_ATTR_FIXED0 & TDX_SERVTD_ATTR_IGNORE_TDINFO_MASK,
			GENMASK_ULL(42, 32));
}

static struct kunit_case abi_cases[] = {
	KUNIT_CASE(migs_index_and_cmd_test),
	KUNIT_CASE(hpa_and_size_test),
	KUNIT_CASE(page_list_info_test),
	KUNIT_CASE(gpa_list_info_test),
	KUNIT_CASE(page_info_test),
	KUNIT_CASE_PARAM(gpa_entry_roundtrip_test, gpa_entry_gen_params),
	KUNIT_CASE(gpa_entry_bits_test),
	KUNIT_CASE(page_list_entry_test),
	KUNIT_CASE(mac_list_test),
	KUNIT_CASE(mbmd_layout_test),
	KUNIT_CASE(status_test),
	KUNIT_CASE(sept_states_test),
	KUNIT_CASE(md_field_id_test),
	KUNIT_CASE(servtd_handle_test),
	{}
};

static struct kunit_suite abi_suite = {
	.name = "tdx_mig_abi",
	.test_cases = abi_cases,
};

kunit_test_suite(abi_suite);
