// SPDX-License-Identifier: GPL-2.0
/*
 * The baseline of "make bench": the kernel's own gcm(aes) encrypting 4 KiB
 * pages one request each, in the boot where the migration is measured.
 * /sys/kernel/debug/tdx_mig_emu/gcm_4k reads "pages <n> ns <t>".
 */
#include <crypto/aead.h>
#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>

#include "emu/module/emu.h"

#define BENCH_PAGES	2048

static struct dentry *bench_dir;

static int gcm_pages(struct crypto_aead *tfm, struct aead_request *req, struct page *in,
		     struct page *out, u8 *tag, u64 *ns)
{
	struct scatterlist src[2], dst[2];
	u8 iv[12] = {};
	u64 start;
	int i, ret = 0;

	sg_init_table(src, 1);
	sg_set_page(&src[0], in, PAGE_SIZE, 0);
	sg_init_table(dst, 2);
	sg_set_page(&dst[0], out, PAGE_SIZE, 0);
	sg_set_buf(&dst[1], tag, TDX_MAC_LEN);
	start = ktime_get_ns();
	for (i = 0; i < BENCH_PAGES && !ret; i++) {
		memcpy(iv, &i, sizeof(i));
		aead_request_set_callback(req, 0, NULL, NULL);
		aead_request_set_ad(req, 0);
		aead_request_set_crypt(req, src, dst, PAGE_SIZE, iv);
		ret = crypto_aead_encrypt(req);
		cond_resched();
	}
	*ns = ktime_get_ns() - start;
	return ret;
}

static int gcm_4k_show(struct seq_file *m, void *unused)
{
	struct page *in = alloc_page(GFP_KERNEL), *out = alloc_page(GFP_KERNEL);
	struct aead_request *req = NULL;
	struct crypto_aead *tfm;
	u8 key[TDX_MIG_KEY_LEN], tag[TDX_MAC_LEN];
	u64 ns = 0;
	int ret = -ENOMEM;

	tfm = crypto_alloc_aead("gcm(aes)", 0, 0);
	if (IS_ERR(tfm)) {
		ret = PTR_ERR(tfm);
		goto out;
	}
	get_random_bytes(key, sizeof(key));
	ret = crypto_aead_setkey(tfm, key, sizeof(key)) ?:
	      crypto_aead_setauthsize(tfm, TDX_MAC_LEN);
	if (!ret) {
		req = aead_request_alloc(tfm, GFP_KERNEL);
		ret = req && in && out ? gcm_pages(tfm, req, in, out, tag, &ns) : -ENOMEM;
	}
	if (!ret)
		seq_printf(m, "pages %d ns %llu driver %s\n", BENCH_PAGES, ns,
			   crypto_tfm_alg_driver_name(crypto_aead_tfm(tfm)));
	aead_request_free(req);
	crypto_free_aead(tfm);
out:
	if (in)
		__free_page(in);
	if (out)
		__free_page(out);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(gcm_4k);

void emu_bench_init(void)
{
	bench_dir = debugfs_create_dir("tdx_mig_emu", NULL);
	debugfs_create_file("gcm_4k", 0400, bench_dir, NULL, &gcm_4k_fops);
}

void emu_bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
}
