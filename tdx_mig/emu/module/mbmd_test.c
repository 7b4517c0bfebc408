// SPDX-License-Identifier: GPL-2.0
/* KUnit: MBMD construction, its AAD and IV (§2.1, §2.2). */
#include <kunit/test.h>

#include "mbmd.h"

static void mbmd_init_test(struct kunit *test)
{
	struct tdx_mbmd m;

	memset(&m, 0xaa, sizeof(m));
	tdx_mbmd_init(&m, TDX_MB_TYPE_MEM, 0, 7, 41, 3, 0x1122334455667788ULL);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(m.hdr.size), 48);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(m.hdr.migs_index), 7);
	KUNIT_EXPECT_EQ(test, m.hdr.mb_type, TDX_MB_TYPE_MEM);
	KUNIT_EXPECT_EQ(test, m.hdr.reserved, 0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(m.hdr.mb_counter), 41);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(m.hdr.mig_epoch), 3);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(m.hdr.iv_counter), 0x1122334455667788ULL);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(m.mem), 0);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(m.mac, 0, sizeof(m.mac)));
}

static void mbmd_aad_test(struct kunit *test)
{
	u8 aad[TDX_MBMD_AAD_LEN];
	struct tdx_mbmd m;
	const u8 *raw = (const u8 *)&m;
	int i;

	tdx_mbmd_init(&m, TDX_MB_TYPE_MEM, 0, 5, 9, 2, 77);
	m.mem = cpu_to_le64(512);
	memset(m.mac, 0x5a, sizeof(m.mac));
	tdx_mbmd_aad(&m, aad);

	/* iv_counter (16..23) and migs_index (4..5) read as zero; the rest as is. */
	for (i = 0; i < TDX_MBMD_AAD_LEN; i++) {
		bool zeroed = (i >= 4 && i < 6) || (i >= 16 && i < 24);

		KUNIT_EXPECT_EQ_MSG(test, aad[i], zeroed ? 0 : raw[i], "byte %d", i);
	}
	/* The MBMD itself is unchanged. */
	KUNIT_EXPECT_EQ(test, le64_to_cpu(m.hdr.iv_counter), 77);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(m.hdr.migs_index), 5);
}

static void mbmd_iv_test(struct kunit *test)
{
	static const u8 expected[12] = {
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0xfe, 0x01, 0, 0
	};
	struct tdx_migs_iv iv;

	memset(&iv, 0xff, sizeof(iv));
	tdx_mbmd_iv(&iv, 0x0102030405060708ULL, 0x01fe);
	KUNIT_EXPECT_MEMEQ(test, &iv, expected, sizeof(expected));
}

static struct kunit_case mbmd_cases[] = {
	KUNIT_CASE(mbmd_init_test),
	KUNIT_CASE(mbmd_aad_test),
	KUNIT_CASE(mbmd_iv_test),
	{}
};

static struct kunit_suite mbmd_suite = {
	.name = "tdx_mig_mbmd",
	.test_cases = mbmd_cases,
};

kunit_test_suite(mbmd_suite);
