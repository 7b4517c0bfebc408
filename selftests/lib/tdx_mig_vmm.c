// SPDX-License-Identifier: GPL-2.0
/*
 * The VMM-side library (tdx_mig_vmm.h): what QEMU's TDX migration code does
 * with the stream uAPI, reduced to functions a test can call.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "mig_wire.h"
#include "tdx_mig_vmm.h"

/* Counters several threads bump. */
#define ADD(p, v)	__atomic_add_fetch(p, v, __ATOMIC_RELAXED)

unsigned long long mig_ioctls;
unsigned long long mig_ioctl_ns;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int mig_lat_init(struct mig_latencies *l, uint64_t cap)
{
	l->n = 0;
	l->cap = cap;
	l->ms = calloc(cap, sizeof(*l->ms));
	return l->ms ? 0 : -ENOMEM;
}

void mig_lat_add(struct mig_latencies *l, double ms)
{
	if (l->n < l->cap)
		l->ms[l->n++] = ms;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void mig_lat_summary(struct mig_latencies *l, double *median, double *max)
{
	if (!l->n)
		return;
	qsort(l->ms, l->n, sizeof(*l->ms), cmp_double);
	*median = l->ms[l->n / 2];
	*max = l->ms[l->n - 1];
}

void mig_lat_free(struct mig_latencies *l)
{
	free(l->ms);
	l->ms = NULL;
	l->n = 0;
	l->cap = 0;
}

double mig_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void mig_lap(double *since, double *ms)
{
	double now = mig_now_ms();

	*ms = now - *since;
	*since = now;
}

int mig_cmd_raw(int fd, uint32_t id, uint32_t flags, uint64_t data, uint64_t *status)
{
	struct kvm_tdx_cmd cmd = { .id = id, .flags = flags, .data = data };
	uint64_t start = now_ns();
	int ret = ioctl(fd, KVM_MEMORY_ENCRYPT_OP, &cmd);

	ADD(&mig_ioctl_ns, now_ns() - start);
	ADD(&mig_ioctls, 1);
	if (status)
		*status = KVM_TDX_CMD_ERROR(&cmd);
	return ret ? -errno : 0;
}

int mig_cmd(struct mig_stream *s, uint32_t id, uint64_t *arg, uint64_t *status)
{
	return mig_cmd_raw(s->fd, id, 0, (uint64_t)(uintptr_t)arg, status);
}

unsigned long mig_eintr_seen;

/* A signal without SA_RESTART ends a call with EINTR; the same call resumes. */
int mig_cmd_retry_status(struct mig_stream *s, uint32_t id, uint64_t *arg, uint64_t *eintr,
			 uint64_t *status)
{
	uint64_t in = arg ? *arg : 0, dummy;
	int ret;

	if (!status)
		status = &dummy;
	for (;;) {
		ret = mig_cmd(s, id, arg, status);
		if (ret && ret != -EINTR) {
			fprintf(stderr, "# tdx_mig_vmm: command %u (value %llu) failed: %s, ",
				id, (unsigned long long)in, strerror(-ret));
			fprintf(stderr, "TDX status %#llx\n", (unsigned long long)*status);
		}
		if (ret != -EINTR)
			return ret;
		__atomic_add_fetch(&mig_eintr_seen, 1, __ATOMIC_RELAXED);
		if (eintr)
			ADD(eintr, 1);
		if (arg)
			*arg = in;
	}
}

int mig_cmd_retry(struct mig_stream *s, uint32_t id, uint64_t *arg, uint64_t *eintr)
{
	return mig_cmd_retry_status(s, id, arg, eintr, NULL);
}

int vm_tdx_cmd(int vm_fd, uint32_t id, void *data, uint64_t *status)
{
	return mig_cmd_raw(vm_fd, id, 0, (uint64_t)(uintptr_t)data, status);
}

int vm_servtd_bind(int vm_fd, pid_t migtd_pid, uint64_t attr, uint64_t *status)
{
	struct kvm_tdx_servtd b = { .type = KVM_TDX_SERVTD_TYPE_MIGTD, .attr = attr,
				    .pid = migtd_pid };

	return vm_tdx_cmd(vm_fd, KVM_TDX_SERVTD_BIND, &b, status);
}

int vm_set_migration_info(int vm_fd, bool is_src, uint32_t port)
{
	struct kvm_tdx_set_migration_info in = { .is_src = is_src, .vsock_port = port };

	return vm_tdx_cmd(vm_fd, KVM_TDX_SET_MIGRATION_INFO, &in, NULL);
}

int vm_premig_done(int vm_fd)
{
	/* 0xff: a call that wrote nothing reads as neither 0 nor 1. */
	struct kvm_tdx_get_migration_info out = { .premig_done = 0xff };
	int ret = vm_tdx_cmd(vm_fd, KVM_TDX_GET_MIGRATION_INFO, &out, NULL);

	return ret ? ret : out.premig_done;
}

int mig_premig_wait(const int *vms, unsigned int n, unsigned int timeout_ms)
{
	double end = mig_now_ms() + timeout_ms;
	unsigned int i, done;
	int ret;

	do {
		for (i = 0, done = 0; i < n; i++) {
			ret = vm_premig_done(vms[i]);
			if (ret < 0)
				return ret;
			done += ret;
		}
		if (done == n)
			return 0;
		usleep(5000);
	} while (mig_now_ms() < end);
	return -ETIMEDOUT;
}

int mig_premigrate(int src_vm, int dst_vm, uint32_t port, unsigned int timeout_ms)
{
	int vms[2] = { src_vm, dst_vm };

	return vm_set_migration_info(src_vm, true, port) ?:
	       vm_set_migration_info(dst_vm, false, port) ?:
	       mig_premig_wait(vms, 2, timeout_ms);
}

int mig_stream_create(int vm_fd)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_TDX_MIG_STREAM };

	if (ioctl(vm_fd, KVM_CREATE_DEVICE, &cd))
		return -errno;
	return cd.fd;
}

static void *map(int fd, unsigned long pgoff, unsigned long pages)
{
	void *p = mmap(NULL, pages * MIG_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       pgoff * MIG_PAGE_SIZE);

	return p == MAP_FAILED ? NULL : p;
}

/* Create, negotiate (as QEMU: SET then GET), map the four regions. */
int mig_stream_open(int vm_fd, uint32_t want_pages, struct mig_stream *s)
{
	struct kvm_dev_tdx_mig_attr a = { .version = KVM_DEV_TDX_MIG_ATTR_VERSION,
					  .buf_list_pages = want_pages };
	struct kvm_device_attr da = { .group = KVM_DEV_TDX_MIG_ATTR, .attr = sizeof(a),
				      .addr = (uint64_t)(uintptr_t)&a };

	memset(s, 0, sizeof(*s));
	s->fd = mig_stream_create(vm_fd);
	if (s->fd < 0)
		return s->fd;
	if (ioctl(s->fd, KVM_SET_DEVICE_ATTR, &da) || ioctl(s->fd, KVM_GET_DEVICE_ATTR, &da))
		goto fail;
	s->buf_list_pages = a.buf_list_pages;
	s->max_migs = a.max_migs;
	s->mbmd = map(s->fd, TDX_MIG_STREAM_MBMD_MAP_OFFSET, 1);
	s->gpa_list = map(s->fd, TDX_MIG_STREAM_GPA_LIST_MAP_OFFSET, 1);
	s->mac = map(s->fd, TDX_MIG_STREAM_MAC_LIST_MAP_OFFSET, 2);
	s->bufs = map(s->fd, TDX_MIG_STREAM_BUF_LIST_MAP_OFFSET, s->buf_list_pages);
	if (s->mbmd && s->gpa_list && s->mac && s->bufs)
		return 0;
fail:
	mig_stream_close(s);
	return -EIO;
}

void mig_stream_close(struct mig_stream *s)
{
	if (s->mbmd)
		munmap(s->mbmd, MIG_PAGE_SIZE);
	if (s->gpa_list)
		munmap(s->gpa_list, MIG_PAGE_SIZE);
	if (s->mac)
		munmap(s->mac, 2 * MIG_PAGE_SIZE);
	if (s->bufs)
		munmap(s->bufs, s->buf_list_pages * MIG_PAGE_SIZE);
	if (s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

int mig_get_stats(struct mig_stream *s, struct kvm_tdx_mig_stats *st)
{
	return mig_cmd_raw(s->fd, KVM_TDX_MIG_GET_STATS, 0, (uint64_t)(uintptr_t)st, NULL);
}

/*
 * The wire: import the bundle of source stream @si (its MBMD, @entries
 * GPA-list entries with their MACs, @pages buffers) with @import_id on the
 * destination's stream @si. On one host the VMM copies it into the
 * destination's stream; across hosts mig_link.c sends it from the source's
 * mappings. *@list then holds the destination's GPA list, with the
 * import's statuses.
 */
static int carry(struct mig *m, unsigned int si, uint32_t import_id, uint64_t *arg,
		 unsigned int entries, uint64_t pages, const uint64_t **list)
{
	struct mig_stream *from = &m->src[si], *to;

	if (mig_import_reads_mbmd(import_id))
		ADD(&m->st.bundles, 1);
	if (m->link) {
		if (list)
			*list = from->gpa_list;
		return mig_link_import(m->link, from, si, import_id, arg, entries, pages);
	}
	to = &m->dst[si];
	if (pages > to->buf_list_pages)
		return -E2BIG;
	if (mig_import_reads_mbmd(import_id))
		memcpy(to->mbmd, from->mbmd, MIG_PAGE_SIZE);
	memcpy(to->bufs, from->bufs, pages * MIG_PAGE_SIZE);
	ADD(&m->st.page_bytes_copied, pages * MIG_PAGE_SIZE);
	if (entries) {
		memcpy(to->gpa_list, from->gpa_list, entries * sizeof(uint64_t));
		memcpy(to->mac, from->mac, 2 * MIG_PAGE_SIZE);
	}
	if (list)
		*list = to->gpa_list;
	return mig_cmd_retry(to, import_id, arg, &m->st.eintr);
}

int mig_dst_cmd(struct mig *m, uint32_t id)
{
	return carry(m, 0, id, NULL, 0, 0, NULL);
}

int mig_import_bundle(struct mig *m, unsigned int si, uint32_t import_id, uint64_t *arg,
		      unsigned int entries, uint64_t pages)
{
	return carry(m, si, import_id, arg, entries, pages, NULL);
}

/* A state bundle: export on source stream @si, import on the destination's. */
int mig_move_state(struct mig *m, unsigned int si, uint32_t export_id, uint32_t import_id)
{
	uint64_t pages = 0;
	int ret;

	ret = mig_cmd_retry(&m->src[si], export_id, &pages, &m->st.eintr);
	if (ret)
		return ret;
	return carry(m, si, import_id, &pages, 0, pages, NULL);
}

/* An epoch token (or the start token, which commits the destination). */
int mig_move_token(struct mig *m, bool start)
{
	uint64_t flag = start ? TDX_MIG_EXPORT_TRACK_F_IN_ORDER_DONE : 0;
	int ret;

	ret = mig_cmd_retry(&m->src[0], KVM_TDX_MIG_EXPORT_TRACK, &flag, &m->st.eintr);
	if (ret)
		return ret;
	m->start_exported |= start;
	m->st.epochs++;
	/* The destination's IMPORT_TRACK takes no value; across hosts it says "start". */
	if (m->link)
		flag = start;
	return carry(m, 0, KVM_TDX_MIG_IMPORT_TRACK, m->link ? &flag : NULL, 0, 0, NULL);
}

static uint64_t entry_op(uint64_t e)
{
	return (e & GPA_OP_MASK) >> GPA_OP_SHIFT;
}

static bool entry_ok(uint64_t e)
{
	return !(e & GPA_STATUS_MASK);
}

/* What the source's entries did: which pages the destination now holds. */
static void note_exported(struct mig *m, const uint64_t *list, unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n; k++) {
		uint64_t gfn = (list[k] & GPA_ADDR_MASK) / MIG_PAGE_SIZE, op = entry_op(list[k]);

		if (!entry_ok(list[k]) || gfn >= m->npages)
			continue;
		if (op == GPA_OP_REMIGRATE)
			ADD(&m->st.remigrated, 1);
		if (op == GPA_OP_CANCEL)
			ADD(&m->st.cancelled, 1);
		mig_assign_bit(m->exported, gfn, op != GPA_OP_CANCEL);
	}
}

/* One memory bundle of @n entries with operation @op on stream pair @stream. */
int mig_move_op(struct mig *m, unsigned int stream, const uint64_t *gfns, unsigned int n,
		uint64_t op)
{
	struct mig_stream *from = &m->src[stream];
	const uint64_t *imported;
	uint64_t count = n;
	unsigned int k;
	int ret;

	pthread_mutex_lock(&m->stream_lock[stream]);
	/* A stream the VMM closed (its connection died) carries nothing. */
	ret = from->fd < 0 || (!m->link && m->dst[stream].fd < 0) ? -EBADF : 0;
	if (ret)
		goto out;
	for (k = 0; k < n; k++)
		from->gpa_list[k] = (gfns[k] * MIG_PAGE_SIZE) | (op << GPA_OP_SHIFT);
	ret = mig_cmd_retry(from, KVM_TDX_MIG_EXPORT_MEM, &count, &m->st.eintr);
	if (ret)
		goto out;
	if (op != GPA_OP_CANCEL) {
		ADD(&m->st.pages_sent, count);
		ADD(&m->st.failed_entries, n - count);
	}
	note_exported(m, from->gpa_list, n);
	count = n;
	ret = carry(m, stream, KVM_TDX_MIG_IMPORT_MEM, &count, n, op == GPA_OP_CANCEL ? 0 : n,
		    &imported);
	if (!ret && m->pc)
		mig_postcopy_arrived(m, imported, n);
out:
	pthread_mutex_unlock(&m->stream_lock[stream]);
	return ret;
}

int mig_move_pages(struct mig *m, unsigned int stream, const uint64_t *gfns, unsigned int n)
{
	return mig_move_op(m, stream, gfns, n, GPA_OP_MIGRATE);
}

/* The migration's bookkeeping; no stream yet. */
static int mig_init(struct mig *m, int src_vm, uint64_t npages, unsigned int nr_vcpus,
		    unsigned int nstreams, bool local)
{
	size_t words = (npages + BITS_PER_UL - 1) / BITS_PER_UL;

	memset(m, 0, sizeof(*m));
	m->src_vm = src_vm;
	m->dst_vm = -1;
	m->npages = npages;
	m->nr_vcpus = nr_vcpus;
	m->min_rounds = 3;
	m->max_rounds = 10;
	m->downtime_ms = MIG_DEFAULT_DOWNTIME_MS;
	if (!nstreams || nstreams > MIG_MAX_STREAMS)
		return -EINVAL;
	m->src = calloc(nstreams, sizeof(*m->src));
	m->dst = local ? calloc(nstreams, sizeof(*m->dst)) : NULL;
	m->stream_lock = calloc(nstreams, sizeof(*m->stream_lock));
	m->dirty = calloc(words, sizeof(unsigned long));
	m->exported = calloc(words, sizeof(unsigned long));
	if (!m->src || (local && !m->dst) || !m->stream_lock || !m->dirty || !m->exported)
		return -ENOMEM;
	return 0;
}

int mig_open(struct mig *m, int src_vm, int dst_vm, uint64_t npages, unsigned int nr_vcpus,
	     unsigned int nstreams, uint32_t buf_pages)
{
	unsigned int i;
	int ret;

	ret = mig_init(m, src_vm, npages, nr_vcpus, nstreams, true);
	if (ret)
		return ret;
	m->dst_vm = dst_vm;
	for (i = 0; i < nstreams; i++) {
		pthread_mutex_init(&m->stream_lock[i], NULL);
		ret = mig_stream_open(src_vm, buf_pages, &m->src[i]);
		if (!ret)
			ret = mig_stream_open(dst_vm, buf_pages, &m->dst[i]);
		if (ret) {
			if (m->src[i].fd > 0)
				mig_stream_close(&m->src[i]);
			pthread_mutex_destroy(&m->stream_lock[i]);
			return ret;
		}
		m->nstreams++;
	}
	return 0;
}

int mig_open_remote(struct mig *m, int src_vm, struct mig_link *l)
{
	const struct mig_hello *h = mig_link_hello(l);
	unsigned int i;
	int ret;

	ret = mig_init(m, src_vm, h->npages, h->nr_vcpus, h->nstreams, false);
	if (ret)
		return ret;
	for (i = 0; i < h->nstreams; i++) {
		pthread_mutex_init(&m->stream_lock[i], NULL);
		ret = mig_stream_open(src_vm, h->buf_pages, &m->src[i]);
		if (ret) {
			pthread_mutex_destroy(&m->stream_lock[i]);
			return ret;
		}
		m->nstreams++;
	}
	m->link = l;
	return mig_link_open_streams(l);
}

void mig_close(struct mig *m)
{
	unsigned int i;

	mig_postcopy_end(m);
	if (m->pool)
		mig_pool_stop(m->pool);
	m->pool = NULL;
	for (i = 0; i < m->nstreams; i++) {
		mig_stream_close(&m->src[i]);
		if (m->dst)
			mig_stream_close(&m->dst[i]);
		pthread_mutex_destroy(&m->stream_lock[i]);
	}
	m->nstreams = 0;
	free(m->src);
	free(m->dst);
	free(m->stream_lock);
	free(m->dirty);
	free(m->exported);
	if (m->shared.src)
		munmap(m->shared.src, m->shared.pages * MIG_PAGE_SIZE);
	if (m->shared.dst)
		munmap(m->shared.dst, m->shared.pages * MIG_PAGE_SIZE);
	free(m->shared.dirty);
	memset(&m->shared, 0, sizeof(m->shared));
	m->src = NULL;
	m->dst = NULL;
	m->stream_lock = NULL;
	m->dirty = NULL;
	m->exported = NULL;
	m->link = NULL;
}

/* The immutable state opens the migration on both sides. */
int mig_start(struct mig *m)
{
	int ret;

	m->st.total_ms = mig_now_ms();
	ret = mig_move_state(m, 0, KVM_TDX_MIG_EXPORT_STATE_IMMUTABLE,
			     KVM_TDX_MIG_IMPORT_STATE_IMMUTABLE);
	m->st.state_ms = mig_now_ms() - m->st.total_ms;
	return ret;
}

int mig_dirty_log(struct mig *m, bool clear)
{
	struct kvm_clear_dirty_log c = { .slot = 0, .num_pages = m->npages, .first_page = 0,
					 .dirty_bitmap = m->dirty };
	struct kvm_dirty_log g = { .slot = 0, .dirty_bitmap = m->dirty };
	uint64_t start = now_ns();
	int ret;

	ADD(&mig_ioctls, 1);
	if (clear)
		ret = ioctl(m->src_vm, KVM_CLEAR_DIRTY_LOG, &c) ? -errno : 0;
	else
		ret = ioctl(m->src_vm, KVM_GET_DIRTY_LOG, &g) ? -errno : 0;
	ADD(&mig_ioctl_ns, now_ns() - start);
	if (ret)
		fprintf(stderr, "# tdx_mig_vmm: %s dirty log failed: %s\n",
			clear ? "clearing" : "getting", strerror(-ret));
	return ret;
}

int mig_set_shared(struct mig *m, void *src, void *dst, uint32_t pages, uint32_t slot)
{
	unsigned long *dirty;

	if (!src || !pages || m->shared.pages || (m->link && dst) || (!m->link && !dst))
		return -EINVAL;
	if (m->link && pages != mig_link_hello(m->link)->shared_pages)
		return -EINVAL;
	dirty = calloc((pages + BITS_PER_UL - 1) / BITS_PER_UL, sizeof(*dirty));
	if (!dirty)
		return -ENOMEM;
	m->shared = (struct mig_shared){ .src = src, .dst = dst, .pages = pages, .slot = slot,
					 .dirty = dirty };
	return 0;
}

uint64_t mig_shared_hash(const void *mem, uint32_t pages)
{
	const uint64_t *q = mem;
	uint64_t h = 0xcbf29ce484222325ULL, i;

	for (i = 0; i < pages * MIG_PAGE_SIZE / 8; i++)
		h = (h ^ q[i]) * 0x100000001b3ULL;
	return h;
}

/* Pages @idx[0..@n) of shared memory to the destination. */
static int shared_batch(struct mig *m, const uint64_t *idx, unsigned int n)
{
	unsigned int i;

	if (!n)
		return 0;
	m->st.shared_pages_sent += n;
	if (m->link)
		return mig_link_shared(m->link, idx, n, m->shared.src);
	for (i = 0; i < n; i++)
		memcpy(m->shared.dst + idx[i] * MIG_PAGE_SIZE,
		       m->shared.src + idx[i] * MIG_PAGE_SIZE, MIG_PAGE_SIZE);
	return 0;
}

int mig_send_shared(struct mig *m)
{
	struct mig_shared *sh = &m->shared;
	struct kvm_dirty_log g = { .slot = sh->slot, .dirty_bitmap = sh->dirty };
	struct kvm_clear_dirty_log c = { .slot = sh->slot, .num_pages = sh->pages,
					 .dirty_bitmap = sh->dirty };
	unsigned int n = 0, batch = m->link ? mig_link_hello(m->link)->buf_pages : 512;
	uint64_t idx[512], i;
	int ret = 0;

	if (!sh->pages)
		return 0;
	/* Out of the log before the copy: a write from now on logs the page again. */
	mig_ioctls += 2;
	if (ioctl(m->src_vm, KVM_GET_DIRTY_LOG, &g) || ioctl(m->src_vm, KVM_CLEAR_DIRTY_LOG, &c)) {
		ret = -errno;
		fprintf(stderr, "# tdx_mig_vmm: shared memory's dirty log: %s\n", strerror(-ret));
		return ret;
	}
	for (i = 0; !ret && i < sh->pages; i++) {
		if (sh->started && !mig_test_bit(sh->dirty, i))
			continue;
		idx[n++] = i;
		if (n == batch) {
			ret = shared_batch(m, idx, n);
			n = 0;
		}
	}
	ret = ret ?: shared_batch(m, idx, n);
	sh->started = true;
	m->st.shared_rounds++;
	return ret;
}

static uint64_t dirty_count(const struct mig *m)
{
	uint64_t i, n = 0;

	for (i = 0; i < (m->npages + BITS_PER_UL - 1) / BITS_PER_UL; i++)
		n += __builtin_popcountl(m->dirty[i]);
	return n;
}

/*
 * Send what the dirty log holds: get it, clear it (which write-blocks the
 * pages while live), then the pages over every stream at once (the pool),
 * all of them imported before this returns.
 */
int mig_send_dirty(struct mig *m, bool block, uint64_t *count)
{
	uint64_t gfn, n = 0, *gfns;
	int ret;

	if (!m->pool) {
		m->pool = mig_pool_start(m, 0, m->nstreams);
		if (!m->pool)
			return -ENOMEM;
	}
	gfns = calloc(m->npages, sizeof(*gfns));
	if (!gfns)
		return -ENOMEM;
	ret = mig_dirty_log(m, false);
	if (!ret && block)
		ret = mig_dirty_log(m, true);
	for (gfn = 0; !ret && gfn < m->npages; gfn++) {
		if (mig_test_bit(m->dirty, gfn))
			gfns[n++] = gfn;
	}
	if (count)
		*count = ret ? 0 : n;
	if (!ret)
		ret = mig_pool_queue(m->pool, gfns, n) ?: mig_pool_drain(m->pool);
	free(gfns);
	return ret;
}

/* QEMU's auto-converge steps: start at 20 %, 10 % more each time, at most 90 %. */
#define THROTTLE_FIRST		20
#define THROTTLE_STEP		10
#define THROTTLE_MAX		90

enum mig_switch mig_decide(struct mig *m, uint64_t dirty, uint64_t sent, double secs)
{
	struct mig_stats *st = &m->st;
	bool behind;

	st->export_pages_s = secs > 0 ? sent / secs : 0;
	st->dirty_pages_s = secs > 0 ? dirty / secs : 0;
	st->est_blackout_ms = st->export_pages_s > 0 ?
			      dirty * 1e3 / st->export_pages_s + st->state_ms : st->state_ms;
	if (st->rounds >= m->min_rounds && st->est_blackout_ms <= m->downtime_ms) {
		snprintf(st->decision, sizeof(st->decision),
			 "switch-over after %u rounds: estimated blackout %.0f ms <= target %.0f ms",
			 st->rounds, st->est_blackout_ms, m->downtime_ms);
		return MIG_SWITCH_TARGET;
	}
	behind = st->rounds && 2 * dirty > sent;
	m->behind_rounds = behind ? m->behind_rounds + 1 : 0;
	if (m->behind_rounds >= 2 && m->allow_postcopy) {
		snprintf(st->decision, sizeof(st->decision),
			 "post-copy after %u rounds: %s %.0f pages/s, %s %.0f; %s %.0f ms > %.0f ms",
			 st->rounds, "the guest dirties", st->dirty_pages_s, "the export sends",
			 st->export_pages_s, "estimated blackout", st->est_blackout_ms,
			 m->downtime_ms);
		return MIG_SWITCH_POSTCOPY;
	}
	if (m->behind_rounds >= 2 && m->throttle && st->throttle_pct < THROTTLE_MAX) {
		st->throttle_pct = st->throttle_pct ? st->throttle_pct + THROTTLE_STEP :
						      THROTTLE_FIRST;
		if (st->throttle_pct > THROTTLE_MAX)
			st->throttle_pct = THROTTLE_MAX;
		m->throttle(m, st->throttle_pct);
		m->behind_rounds = 0;
		snprintf(st->decision, sizeof(st->decision),
			 "vCPUs throttled to %u%% off after %u rounds: %s %.0f pages/s, %s %.0f",
			 st->throttle_pct, st->rounds, "the guest dirties", st->dirty_pages_s,
			 "the export sends", st->export_pages_s);
	}
	return MIG_SWITCH_NONE;
}

/*
 * Rounds while the TD runs: each a new epoch (but the first), its private
 * pages and its shared ones; then mig_decide() whether to go on.
 */
int mig_live_rounds(struct mig *m)
{
	uint64_t dirty, sent = 0, before;
	double t, secs = 0;
	int ret;

	m->behind_rounds = 0;
	m->st.switched = MIG_SWITCH_NONE;
	for (m->st.rounds = 0; ; m->st.rounds++) {
		if (m->st.rounds) {
			ret = mig_move_token(m, false);
			if (ret)
				return ret;
		}
		ret = mig_dirty_log(m, false);
		if (ret)
			return ret;
		dirty = dirty_count(m);
		if (m->st.rounds) {
			m->st.switched = mig_decide(m, dirty, sent, secs);
			if (m->st.switched != MIG_SWITCH_NONE)
				break;
		}
		before = m->st.pages_sent;
		t = mig_now_ms();
		ret = mig_send_dirty(m, true, NULL) ?: mig_send_shared(m);
		if (ret)
			return ret;
		sent = m->st.pages_sent - before;
		secs = (mig_now_ms() - t) / 1e3;
		if (m->progress)
			m->progress(m, m->st.rounds, dirty,
				    secs > 0 ? sent * MIG_PAGE_SIZE / 1048576.0 / secs : 0);
		if (m->st.rounds + 1 >= m->max_rounds) {
			/* The last resort: pause with whatever is dirty. */
			m->st.rounds++;
			m->st.switched = MIG_SWITCH_ROUND_CAP;
			snprintf(m->st.decision, sizeof(m->st.decision),
				 "round cap %u hit: pausing; last estimate %.0f ms (target %.0f ms)%s",
				 m->max_rounds, m->st.est_blackout_ms, m->downtime_ms,
				 m->st.throttle_pct ? ", vCPUs throttled" : "");
			break;
		}
	}
	return 0;
}

/* Pause, the last pages in a new epoch, TD and VP state, start token, end. */
int mig_finish(struct mig *m)
{
	unsigned int v;
	double t;
	int ret;

	if (m->before_pause)
		m->before_pause(m);
	t = mig_now_ms();
	ret = mig_cmd_retry(&m->src[0], KVM_TDX_MIG_EXPORT_PAUSE, NULL, &m->st.eintr);
	if (!ret && m->after_pause)
		m->after_pause(m);
	if (!ret)
		ret = mig_move_token(m, false);
	mig_lap(&t, &m->st.pause_ms);
	if (!ret)
		ret = mig_send_dirty(m, false, &m->st.pages_at_pause) ?: mig_send_shared(m);
	mig_lap(&t, &m->st.last_pages_ms);
	if (!ret)
		ret = mig_move_state(m, 0, KVM_TDX_MIG_EXPORT_STATE_TD,
				     KVM_TDX_MIG_IMPORT_STATE_TD);
	for (v = 0; !ret && v < m->nr_vcpus; v++)
		ret = mig_move_state(m, 0, KVM_TDX_MIG_EXPORT_STATE_VP,
				     KVM_TDX_MIG_IMPORT_STATE_VP);
	mig_lap(&t, &m->st.td_vp_state_ms);
	if (!ret)
		ret = mig_move_token(m, true);
	mig_lap(&t, &m->st.token_ms);
	if (!ret)
		m->st.blackout_ms = m->st.pause_ms + m->st.last_pages_ms + m->st.td_vp_state_ms +
				    m->st.token_ms;
	if (!ret)
		ret = mig_dst_cmd(m, KVM_TDX_MIG_IMPORT_END);
	m->st.total_ms = mig_now_ms() - m->st.total_ms;
	mig_collect_stats(m);
	return ret;
}

/* The kernel's counters of every stream, then the progress callback's last call. */
void mig_collect_stats(struct mig *m)
{
	struct kvm_tdx_mig_stats st;
	unsigned int i;

	for (i = 0; i < m->nstreams; i++) {
		if (mig_get_stats(&m->src[i], &st))
			continue;
		m->st.resumptions += st.resumptions;
		m->st.write_faults = st.td_write_faults;
		m->st.write_blocked = st.td_write_blocked;
		/* Across hosts the destination counts its own. */
		if (!m->link && !mig_get_stats(&m->dst[i], &st))
			m->st.resumptions += st.resumptions;
	}
	if (m->progress)
		m->progress(m, -1, 0, 0);
}

int mig_precopy(struct mig *m)
{
	return mig_start(m) ?: mig_live_rounds(m) ?: mig_finish(m);
}

void mig_print_summary(const struct mig *m, uint64_t mem_hash, bool vcpus, int compared)
{
	const struct mig_stats *st = &m->st;

	printf("summary:\n");
	printf("  rounds %u, epochs %u, bundles %llu, pages sent %llu (%.2f x the TD)\n",
	       st->rounds, st->epochs, (unsigned long long)st->bundles,
	       (unsigned long long)st->pages_sent, (double)st->pages_sent / m->npages);
	printf("  write-blocked %llu, write faults %llu, re-migrated pages %llu, ",
	       (unsigned long long)st->write_blocked, (unsigned long long)st->write_faults,
	       (unsigned long long)st->remigrated);
	printf("interrupted calls resumed %llu\n", (unsigned long long)st->resumptions);
	if (st->decision[0])
		printf("  live phase: %s\n", st->decision);
	printf("  blackout %.1f ms (target %.0f ms): pause %.1f, last pages %.1f (%llu private ",
	       st->blackout_ms, m->downtime_ms, st->pause_ms, st->last_pages_ms,
	       (unsigned long long)st->pages_at_pause);
	printf("dirty at the pause), TD and vCPU state %.1f, start token %.1f\n",
	       st->td_vp_state_ms, st->token_ms);
	printf("  total %.1f ms, throughput %.1f MiB/s\n",
	       st->total_ms, st->pages_sent * MIG_PAGE_SIZE / 1048576.0 / (st->total_ms / 1e3));
	if (m->shared.pages)
		printf("  shared memory: %u pages, %llu sent in %u rounds (the VMM's copy)\n",
		       m->shared.pages, (unsigned long long)st->shared_pages_sent,
		       st->shared_rounds);
	printf("  memory hash %016llx on both sides: %s\n", (unsigned long long)mem_hash,
	       compared ? "MISMATCH" : "match");
	if (vcpus)
		printf("  vCPU state: %s\n", compared ? "MISMATCH" : "match");
	fflush(stdout);
}
