// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: AES-256-GCM known answers through the emulated TDX Module's
 * crypto path (§2.2): the McGrew-Viega test cases 13 and 14 and a 4 KiB
 * page with a 32-byte AAD (computed with an independent implementation),
 * and tampering detected on decryption.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "test_td.h"

static const u8 zero_key[TDX_MIG_KEY_LEN];

static const u8 tag13[TDX_MAC_LEN] = {	/* no plaintext, no AAD */
	0x53, 0x0f, 0x8a, 0xfb, 0xc7, 0x45, 0x36, 0xb9,
	0xa9, 0x63, 0xb4, 0xf1, 0xc4, 0xcb, 0x73, 0x8b,
};

static const u8 ct14[16] = {		/* the first block of zeros, encrypted */
	0xce, 0xa7, 0x40, 0x3d, 0x4d, 0x60, 0x6b, 0x6e,
	0x07, 0x4e, 0xc5, 0xd3, 0xba, 0xf3, 0x9d, 0x18,
};

static const u8 tag_page[TDX_MAC_LEN] = {	/* 4 KiB of zeros, AAD 00..1f */
	0x4e, 0xb8, 0xb3, 0x95, 0xb2, 0x19, 0xf7, 0xd2,
	0xa6, 0x07, 0x21, 0x32, 0x85, 0x3d, 0x16, 0x4d,
};

static void gcm_empty_test(struct kunit *test)
{
	struct tdx_migs_iv iv = {};
	u8 tag[TDX_MAC_LEN];

	ktd_require_emu(test);
	KUNIT_ASSERT_EQ(test, tdx_emu_gcm(zero_key, &iv, NULL, 0, NULL, NULL, tag, true), 0);
	KUNIT_EXPECT_MEMEQ(test, tag, tag13, sizeof(tag));
	KUNIT_EXPECT_EQ(test, tdx_emu_gcm(zero_key, &iv, NULL, 0, NULL, NULL, tag, false), 0);
	tag[0] ^= 1;
	KUNIT_EXPECT_EQ(test, tdx_emu_gcm(zero_key, &iv, NULL, 0, NULL, NULL, tag, false),
			-EBADMSG);
}

static void gcm_page_test(struct kunit *test)
{
	struct page *in = ktd_test_page(test), *out = ktd_test_page(test);
	struct tdx_migs_iv iv = {};
	u8 aad[32], tag[TDX_MAC_LEN];
	int i;

	ktd_require_emu(test);
	for (i = 0; i < sizeof(aad); i++)
		aad[i] = i;
	KUNIT_ASSERT_EQ(test, tdx_emu_gcm(zero_key, &iv, aad, sizeof(aad), in, out, tag, true), 0);
	KUNIT_EXPECT_MEMEQ(test, page_address(out), ct14, sizeof(ct14));
	KUNIT_EXPECT_MEMEQ(test, tag, tag_page, sizeof(tag));

	/* Round trip, then a flipped ciphertext bit, then a flipped AAD bit. */
	memset(page_address(in), 0xa5, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, tdx_emu_gcm(zero_key, &iv, aad, sizeof(aad), out, in, tag, false), 0);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(page_address(in), 0, PAGE_SIZE));
	((u8 *)page_address(out))[4095] ^= 0x80;
	KUNIT_EXPECT_EQ(test, tdx_emu_gcm(zero_key, &iv, aad, sizeof(aad), out, in, tag, false),
			-EBADMSG);
	((u8 *)page_address(out))[4095] ^= 0x80;
	aad[31] ^= 1;
	KUNIT_EXPECT_EQ(test, tdx_emu_gcm(zero_key, &iv, aad, sizeof(aad), out, in, tag, false),
			-EBADMSG);
	/* Another IV (another stream or counter) does not verify either. */
	aad[31] ^= 1;
	iv.migs_index = cpu_to_le16(1);
	KUNIT_EXPECT_EQ(test, tdx_emu_gcm(zero_key, &iv, aad, sizeof(aad), out, in, tag, false),
			-EBADMSG);
	__free_page(in);
	__free_page(out);
}

static struct kunit_case crypto_cases[] = {
	KUNIT_CASE(gcm_empty_test),
	KUNIT_CASE(gcm_page_test),
	{}
};

static struct kunit_suite crypto_suite = {
	.name = "tdx_mig_emu_crypto",
	.test_cases = crypto_cases,
};

kunit_test_suite(crypto_suite);
