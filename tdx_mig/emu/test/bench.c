// SPDX-License-Identifier: GPL-2.0
/*
 * What "make bench" reads from the emulator, in /sys/kernel/debug/tdx_mig_emu:
 *
 * gcm_4k	the baseline: the kernel's own gcm(aes) on 4 KiB pages, one
 *		request each, in the boot where the migration is measured,
 *		between one page and 512 buffers as a memory bundle's crypto
 *		goes; "pages <n> enc_ns <t> dec_ns <t> driver <name>": the
 *		time to encrypt n pages, then to decrypt (and authenticate) n
 * crypto	what the model's AES-GCM cost so far (emu_crypto_stats_read())
 * seamcalls	the SEAMCALLs the model ran so far, per leaf
 *		(emu_leaf_stats_read()): "<leaf> <calls> <ns>" for each leaf
 *		that ran
 * import_pages	what the platform's import_pages callback (the emulated
 *		KVM's, before each TDH.IMPORT.MEM) cost so far
 *		(host_vm_import_stats_read()): calls, time, pages allocated
 *
 * The counters only grow: the bench reads them before and after what it
 * measures.
 */
#include <crypto/aead.h>
#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "emu/module/emu.h"
#include "emu/platform/host_vm.h"

#define BENCH_PAGES	2048
/* As many as a stream's buffers in make bench's 512-page bundles. */
#define BENCH_BUFS	512

static struct dentry *bench_dir;

/*
 * BENCH_PAGES requests of one page, as the emulated module's memory
 * bundles make them: @encrypt from the hot page @plain into buffer i of
 * @bufs (its tag in @tags), or back from buffer i into @plain, checking
 * the tag. Every request uses the same IV and plaintext, so every buffer
 * decrypts.
 */
static int gcm_pages(struct aead_request *req, struct page *plain, struct page **bufs,
		     u8 *tags, bool encrypt, u64 *ns)
{
	struct scatterlist hot[1], buf[2];
	u8 iv[12] = {};
	u64 start;
	int i, ret = 0;

	sg_init_table(hot, 1);
	sg_set_page(&hot[0], plain, PAGE_SIZE, 0);
	start = ktime_get_ns();
	for (i = 0; i < BENCH_PAGES && !ret; i++) {
		sg_init_table(buf, 2);
		sg_set_page(&buf[0], bufs[i % BENCH_BUFS], PAGE_SIZE, 0);
		sg_set_buf(&buf[1], tags + (i % BENCH_BUFS) * TDX_MAC_LEN, TDX_MAC_LEN);
		aead_request_set_callback(req, 0, NULL, NULL);
		aead_request_set_ad(req, 0);
		if (encrypt) {
			aead_request_set_crypt(req, hot, buf, PAGE_SIZE, iv);
			ret = crypto_aead_encrypt(req);
		} else {
			aead_request_set_crypt(req, buf, hot, PAGE_SIZE + TDX_MAC_LEN, iv);
			ret = crypto_aead_decrypt(req);
		}
		cond_resched();
	}
	*ns = ktime_get_ns() - start;
	return ret;
}

static void free_pages_array(struct page **pages, unsigned int n)
{
	unsigned int i;

	for (i = 0; pages && i < n; i++)
		if (pages[i])
			__free_page(pages[i]);
	kfree(pages);
}

static int gcm_4k_show(struct seq_file *m, void *unused)
{
	struct page *plain = alloc_page(GFP_KERNEL | __GFP_ZERO);
	struct page **bufs = kcalloc(BENCH_BUFS, sizeof(*bufs), GFP_KERNEL);
	u8 *tags = kmalloc_array(BENCH_BUFS, TDX_MAC_LEN, GFP_KERNEL);
	struct aead_request *req = NULL;
	struct crypto_aead *tfm;
	u8 key[TDX_MIG_KEY_LEN];
	u64 enc_ns = 0, dec_ns = 0;
	int i, ret = -ENOMEM;

	if (!plain || !bufs || !tags)
		goto out;
	for (i = 0; i < BENCH_BUFS; i++) {
		bufs[i] = alloc_page(GFP_KERNEL);
		if (!bufs[i])
			goto out;
	}
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
		ret = req ? gcm_pages(req, plain, bufs, tags, true, &enc_ns) : -ENOMEM;
	}
	if (!ret)
		ret = gcm_pages(req, plain, bufs, tags, false, &dec_ns);
	if (!ret)
		seq_printf(m, "pages %d enc_ns %llu dec_ns %llu driver %s\n", BENCH_PAGES,
			   enc_ns, dec_ns, crypto_tfm_alg_driver_name(crypto_aead_tfm(tfm)));
	aead_request_free(req);
	crypto_free_aead(tfm);
out:
	memzero_explicit(key, sizeof(key));
	kfree(tags);
	free_pages_array(bufs, BENCH_BUFS);
	if (plain)
		__free_page(plain);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(gcm_4k);

static int crypto_show(struct seq_file *m, void *unused)
{
	struct emu_crypto_stats st;

	emu_crypto_stats_read(&st);
	seq_printf(m, "enc_ops %llu enc_bytes %llu enc_ns %llu\n", st.enc_ops, st.enc_bytes,
		   st.enc_ns);
	seq_printf(m, "dec_ops %llu dec_bytes %llu dec_ns %llu\n", st.dec_ops, st.dec_bytes,
		   st.dec_ns);
	seq_printf(m, "setkey_ns %llu\n", st.setkey_ns);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(crypto);

static int seamcalls_show(struct seq_file *m, void *unused)
{
	struct emu_leaf_stats *st = kmalloc(sizeof(*st), GFP_KERNEL);
	unsigned int leaf;

	if (!st)
		return -ENOMEM;
	emu_leaf_stats_read(st);
	for (leaf = 0; leaf < EMU_LEAVES; leaf++)
		if (st->calls[leaf])
			seq_printf(m, "%u %llu %llu\n", leaf, st->calls[leaf], st->ns[leaf]);
	kfree(st);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(seamcalls);

static int import_pages_show(struct seq_file *m, void *unused)
{
	struct host_import_stats st;

	host_vm_import_stats_read(&st);
	seq_printf(m, "calls %llu ns %llu pages_allocated %llu\n", st.calls, st.ns,
		   st.pages_allocated);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(import_pages);

void emu_bench_init(void)
{
	bench_dir = debugfs_create_dir("tdx_mig_emu", NULL);
	debugfs_create_file("gcm_4k", 0400, bench_dir, NULL, &gcm_4k_fops);
	debugfs_create_file("crypto", 0400, bench_dir, NULL, &crypto_fops);
	debugfs_create_file("seamcalls", 0400, bench_dir, NULL, &seamcalls_fops);
	debugfs_create_file("import_pages", 0400, bench_dir, NULL, &import_pages_fops);
}

void emu_bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
}
