// SPDX-License-Identifier: GPL-2.0
/*
 * AES-256-GCM for the emulated TDX Module's migration bundles (§2.2),
 * through the kernel crypto API's gcm(aes).
 *
 * A SEAMCALL never sleeps, so everything is allocated at module load: one
 * AEAD handle, request and set of buffers per possible CPU, used with
 * preemption disabled. Keys are set per operation; the AES-NI gcm(aes)
 * sets them without allocating, which the load-time check makes sure of.
 * Expanding a key costs about a twentieth of a page's encryption, and a
 * memory bundle uses one key for all its pages: the handle keeps the last
 * key set on its CPU, and the same key is not set again.
 * Plaintext never lands in host-visible memory: state bundles are built in
 * a per-CPU scratch area and encrypted out of place into the host's pages.
 *
 * Each CPU also counts what its crypto cost (make bench splits a bundle's
 * time into the host's, the model's own work and this): the operations,
 * the bytes of text, the time in setting keys and in the AEAD itself.
 */
#define pr_fmt(fmt) "tdx_mig_emu: " fmt

#include <crypto/aead.h>
/* crypto_memneq(): algapi.h's up to 6.4, then utils.h's, which it includes. */
#include <crypto/algapi.h>
#include <linux/ktime.h>
#include <linux/percpu.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "emu.h"

struct emu_crypto {
	struct crypto_aead *tfm;
	struct aead_request *req;
	/* DMA-safe small buffers: AAD in and out, tag, IV */
	u8 *aad_src;
	u8 *aad_dst;
	u8 *tag;
	u8 *iv;
	struct page *scratch[EMU_MAX_STATE_PAGES];
	struct scatterlist src[EMU_MAX_STATE_PAGES + 2];
	struct scatterlist dst[EMU_MAX_STATE_PAGES + 2];
	/* this CPU's counters; written with preemption off, read racily */
	struct emu_crypto_stats stats;
	/* the key the handle holds (valid if @keyed), wiped on free */
	u8 key[TDX_MIG_KEY_LEN];
	bool keyed;
};

#define EMU_AAD_MAX	TDX_MBMD_AAD_LEN

static DEFINE_PER_CPU(struct emu_crypto *, emu_crypto_pcpu);

static void crypto_free_one(struct emu_crypto *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < EMU_MAX_STATE_PAGES; i++)
		if (c->scratch[i])
			__free_page(c->scratch[i]);
	aead_request_free(c->req);
	if (!IS_ERR_OR_NULL(c->tfm))
		crypto_free_aead(c->tfm);
	kfree(c->aad_src);
	kfree_sensitive(c);
}

static struct emu_crypto *crypto_alloc_one(void)
{
	struct emu_crypto *c = kzalloc(sizeof(*c), GFP_KERNEL);
	const char *driver;
	int i, err = -ENOMEM;

	if (!c)
		return ERR_PTR(-ENOMEM);
	/* Synchronous only: callers cannot wait for a completion. */
	c->tfm = crypto_alloc_aead("gcm(aes)", 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(c->tfm)) {
		err = PTR_ERR(c->tfm);
		goto fail;
	}
	driver = crypto_tfm_alg_driver_name(crypto_aead_tfm(c->tfm));
	/* The template's setkey allocates with GFP_KERNEL: not in a SEAMCALL. */
	if (!strncmp(driver, "gcm_base(", 9)) {
		pr_err("gcm(aes) is %s; the model needs one that sets keys atomically (AES-NI)\n",
		       driver);
		err = -ENODEV;
		goto fail;
	}
	err = crypto_aead_setauthsize(c->tfm, TDX_MAC_LEN);
	if (err)
		goto fail;
	err = -ENOMEM;
	c->req = aead_request_alloc(c->tfm, GFP_KERNEL);
	c->aad_src = kzalloc(2 * EMU_AAD_MAX + TDX_MAC_LEN + sizeof(struct tdx_migs_iv),
			     GFP_KERNEL);
	if (!c->req || !c->aad_src)
		goto fail;
	c->aad_dst = c->aad_src + EMU_AAD_MAX;
	c->tag = c->aad_dst + EMU_AAD_MAX;
	c->iv = c->tag + TDX_MAC_LEN;
	for (i = 0; i < EMU_MAX_STATE_PAGES; i++) {
		c->scratch[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!c->scratch[i])
			goto fail;
	}
	return c;
fail:
	crypto_free_one(c);
	return ERR_PTR(err);
}

int emu_crypto_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct emu_crypto *c = crypto_alloc_one();

		if (IS_ERR(c)) {
			emu_crypto_uninit();
			return PTR_ERR(c);
		}
		per_cpu(emu_crypto_pcpu, cpu) = c;
	}
	return 0;
}

void emu_crypto_uninit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		crypto_free_one(per_cpu(emu_crypto_pcpu, cpu));
		per_cpu(emu_crypto_pcpu, cpu) = NULL;
	}
}

/* This CPU's crypto state; preemption stays off until emu_crypto_put(). */
struct emu_crypto *emu_crypto_get(void)
{
	return per_cpu(emu_crypto_pcpu, get_cpu());
}

void emu_crypto_put(struct emu_crypto *c)
{
	put_cpu();
}

/* The per-CPU scratch page @i, where plaintext state is built. */
void *emu_crypto_scratch(struct emu_crypto *c, unsigned int i)
{
	return page_address(c->scratch[i]);
}

/* Make @key the handle's, unless it already is (a failed set forgets it). */
static int crypto_key(struct emu_crypto *c, const u8 *key)
{
	int ret;

	if (c->keyed && !crypto_memneq(c->key, key, TDX_MIG_KEY_LEN))
		return 0;
	c->keyed = false;
	ret = crypto_aead_setkey(c->tfm, key, TDX_MIG_KEY_LEN);
	if (ret)
		return ret;
	memcpy(c->key, key, TDX_MIG_KEY_LEN);
	c->keyed = true;
	return 0;
}

/* One AEAD operation of @bytes text (MAC-only ones count 0), in @ns. */
static void crypto_account(struct emu_crypto_stats *st, bool encrypt, u64 bytes, u64 ns)
{
	if (encrypt) {
		WRITE_ONCE(st->enc_ops, st->enc_ops + 1);
		WRITE_ONCE(st->enc_bytes, st->enc_bytes + bytes);
		WRITE_ONCE(st->enc_ns, st->enc_ns + ns);
	} else {
		WRITE_ONCE(st->dec_ops, st->dec_ops + 1);
		WRITE_ONCE(st->dec_bytes, st->dec_bytes + bytes);
		WRITE_ONCE(st->dec_ns, st->dec_ns + ns);
	}
}

/**
 * emu_gcm - one AES-256-GCM operation
 * @c: this CPU's crypto state (emu_crypto_get())
 * @key: the 256-bit key
 * @iv: the 12-byte IV
 * @aad: the additional authenticated data (at most 32 bytes)
 * @aad_len: its length
 * @in: @npages input pages (NULL: use the scratch pages)
 * @out: @npages output pages (NULL: use the scratch pages)
 * @npages: the pages of text; 0 to only authenticate @aad
 * @tag: written on encryption, checked on decryption
 * @encrypt: the direction
 *
 * Return: 0, -EBADMSG on a tag mismatch, or another crypto error.
 */
int emu_gcm(struct emu_crypto *c, const u8 *key, const struct tdx_migs_iv *iv,
	    const void *aad, unsigned int aad_len, struct page **in, struct page **out,
	    unsigned int npages, u8 *tag, bool encrypt)
{
	unsigned int i, len = npages * PAGE_SIZE;
	u64 start = ktime_get_ns(), keyed;
	int ret;

	if (WARN_ON_ONCE(aad_len > EMU_AAD_MAX || npages > EMU_MAX_STATE_PAGES))
		return -EINVAL;
	ret = crypto_key(c, key);
	keyed = ktime_get_ns();
	WRITE_ONCE(c->stats.setkey_ns, c->stats.setkey_ns + keyed - start);
	if (ret)
		return ret;
	memcpy(c->aad_src, aad, aad_len);
	memcpy(c->iv, iv, sizeof(*iv));

	sg_init_table(c->src, npages + 2);
	sg_init_table(c->dst, npages + 2);
	sg_set_buf(&c->src[0], c->aad_src, aad_len);
	sg_set_buf(&c->dst[0], c->aad_dst, aad_len);
	for (i = 0; i < npages; i++) {
		sg_set_page(&c->src[1 + i], in ? in[i] : c->scratch[i], PAGE_SIZE, 0);
		sg_set_page(&c->dst[1 + i], out ? out[i] : c->scratch[i], PAGE_SIZE, 0);
	}
	/* The tag follows the ciphertext: in dst on encryption, src on decryption. */
	if (encrypt) {
		sg_set_buf(&c->dst[1 + npages], c->tag, TDX_MAC_LEN);
		sg_mark_end(&c->src[npages]);
	} else {
		memcpy(c->tag, tag, TDX_MAC_LEN);
		sg_set_buf(&c->src[1 + npages], c->tag, TDX_MAC_LEN);
		sg_mark_end(&c->dst[npages]);
		len += TDX_MAC_LEN;
	}
	aead_request_set_callback(c->req, 0, NULL, NULL);
	aead_request_set_ad(c->req, aad_len);
	aead_request_set_crypt(c->req, c->src, c->dst, len, c->iv);
	start = ktime_get_ns();
	ret = encrypt ? crypto_aead_encrypt(c->req) : crypto_aead_decrypt(c->req);
	crypto_account(&c->stats, encrypt, (u64)npages * PAGE_SIZE, ktime_get_ns() - start);
	if (!ret && encrypt)
		memcpy(tag, c->tag, TDX_MAC_LEN);
	return ret;
}

/**
 * emu_crypto_stats_read - what the model's crypto cost so far, all CPUs
 * @sum: filled with the sum of every possible CPU's counters
 *
 * The counters only grow; a CPU in the middle of an operation is read as
 * it stands, so two reads around a quiet stretch give that stretch.
 *
 * Context: any.
 */
void emu_crypto_stats_read(struct emu_crypto_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct emu_crypto *c = per_cpu(emu_crypto_pcpu, cpu);

		if (!c)
			continue;
		sum->enc_ops += READ_ONCE(c->stats.enc_ops);
		sum->enc_bytes += READ_ONCE(c->stats.enc_bytes);
		sum->enc_ns += READ_ONCE(c->stats.enc_ns);
		sum->dec_ops += READ_ONCE(c->stats.dec_ops);
		sum->dec_bytes += READ_ONCE(c->stats.dec_bytes);
		sum->dec_ns += READ_ONCE(c->stats.dec_ns);
		sum->setkey_ns += READ_ONCE(c->stats.setkey_ns);
	}
}
