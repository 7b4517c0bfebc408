// SPDX-License-Identifier: GPL-2.0
/* The guest writer thread and the source/destination comparison. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/mman.h>

#include "guest_writer.h"
#include "tdx_mig_vmm.h"
#include "test_backend.h"

#define WRITER_PAGES	32
#define WRITER_SHARED_PAGES	4
#define WAIT_RUN_S	10

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The throttle's sleep: the vCPU is off for @ns, counted as lost run time. */
static void throttle_sleep(struct guest_writer *w, uint64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000ULL, .tv_nsec = ns % 1000000000ULL };

	__atomic_add_fetch(&w->throttled_ns, ns, __ATOMIC_RELAXED);
	nanosleep(&ts, NULL);
}

/* One vCPU, in its own thread: runs of random writes until told to stop. */
static void *writer_fn(void *arg)
{
	struct writer_vcpu *wv = arg;
	struct guest_writer *w = wv->w;
	uint64_t gfns[WRITER_PAGES], shared[WRITER_SHARED_PAGES], faults, value;
	unsigned int i;
	int ret;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		uint64_t start = now_ns(), pct;

		for (i = 0; i < WRITER_PAGES; i++)
			gfns[i] = next_rand(&wv->seed) % w->npages;
		for (i = 0; i < WRITER_SHARED_PAGES; i++)
			shared[i] = next_rand(&wv->seed) % TB_TD_SHARED_PAGES;
		faults = 0;
		value = (writer_runs(w) + 1) << 20;
		ret = tb_guest_write(w->vm, wv->index, gfns, WRITER_PAGES, value, &faults);
		if (!ret && w->shared)
			ret = tb_guest_write_shared(w->vm, wv->index, shared,
						    WRITER_SHARED_PAGES, value);
		pthread_mutex_lock(&w->lock);
		if (ret && !w->error)
			__atomic_store_n(&w->error, ret, __ATOMIC_RELEASE);
		else if (!ret)
			__atomic_add_fetch(&w->runs, 1, __ATOMIC_RELEASE);
		__atomic_add_fetch(&w->write_faults, faults, __ATOMIC_RELAXED);
		pthread_cond_broadcast(&w->changed);
		pthread_mutex_unlock(&w->lock);
		if (ret)
			break;
		pct = __atomic_load_n(&w->throttle_pct, __ATOMIC_RELAXED);
		if (pct)
			throttle_sleep(w, (now_ns() - start) * pct / (100 - pct));
	}
	return NULL;
}

void writer_throttle(struct guest_writer *w, unsigned int pct)
{
	__atomic_store_n(&w->throttle_pct, pct < 100 ? pct : 99, __ATOMIC_RELAXED);
}

void writer_throttle_mig(struct mig *m, unsigned int pct)
{
	writer_throttle(m->opaque, pct);
}

int writer_start(struct guest_writer *w, int vm, unsigned int nr_vcpus, uint64_t npages)
{
	pthread_condattr_t attr;
	void *probe;
	unsigned int v;
	int ret;

	if (!nr_vcpus || nr_vcpus > WRITER_MAX_VCPUS)
		return -EINVAL;
	ret = pthread_condattr_init(&attr) ?:
	      pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) ?:
	      pthread_cond_init(&w->changed, &attr) ?:
	      pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_destroy(&attr);
	if (ret)
		return -ret;
	w->vm = vm;
	w->nr_vcpus = nr_vcpus;
	w->npages = npages;
	w->shared = tb_shared_map(vm, TB_TD_SHARED_PAGES, &probe) == 0;
	if (w->shared)
		munmap(probe, TB_TD_SHARED_PAGES * MIG_PAGE_SIZE);
	__atomic_store_n(&w->stop, false, __ATOMIC_RELAXED);
	w->joined = false;
	__atomic_store_n(&w->runs, 0, __ATOMIC_RELAXED);
	w->write_faults = 0;
	w->error = 0;
	w->throttle_pct = 0;
	w->throttled_ns = 0;
	for (v = 0; v < nr_vcpus; v++) {
		struct writer_vcpu *wv = &w->vcpu[v];

		*wv = (struct writer_vcpu){ .w = w, .index = v,
					    .seed = 0x9e3779b97f4a7c15ULL * (v + 1) };
		ret = -pthread_create(&wv->thread, NULL, writer_fn, wv);
		if (ret) {
			writer_stop(w);
			return ret;
		}
		wv->started = true;
	}
	return 0;
}

int writer_stop(struct guest_writer *w)
{
	unsigned int v;

	pthread_mutex_lock(&w->lock);
	__atomic_store_n(&w->stop, true, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&w->changed);
	pthread_mutex_unlock(&w->lock);
	for (v = 0; !w->joined && v < w->nr_vcpus; v++) {
		if (w->vcpu[v].started)
			pthread_join(w->vcpu[v].thread, NULL);
	}
	w->joined = true;
	return w->error;
}

bool writer_wait_run(struct guest_writer *w)
{
	struct timespec end;
	uint64_t seen;
	bool ok;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += WAIT_RUN_S;
	pthread_mutex_lock(&w->lock);
	seen = w->runs;
	while (w->runs == seen && !w->error && !w->stop &&
	       pthread_cond_timedwait(&w->changed, &w->lock, &end) != ETIMEDOUT)
		;
	ok = (w->runs > seen || w->stop) && !w->error;
	pthread_mutex_unlock(&w->lock);
	return ok;
}

uint64_t writer_runs(const struct guest_writer *w)
{
	return __atomic_load_n(&w->runs, __ATOMIC_ACQUIRE);
}

#define TOUCH_CHUNK	64

static void *toucher_fn(void *arg)
{
	struct toucher_vcpu *tv = arg;
	struct guest_toucher *t = tv->t;
	uint64_t i;

	for (i = 0; i < tv->n && !tv->ret; i += TOUCH_CHUNK)
		tv->ret = tb_guest_read(t->vm, tv->index, tv->gfns + i,
					tv->n - i < TOUCH_CHUNK ? tv->n - i : TOUCH_CHUNK,
					t->fetch, t->opaque, &tv->fetched);
	return NULL;
}

/* @first, then every page once in a random order (the @first ones again too). */
static uint64_t *touch_order(uint64_t npages, const uint64_t *first, unsigned int nfirst,
			     uint64_t seed, uint64_t *n)
{
	uint64_t i, j, tmp, *gfns = calloc(nfirst + npages, sizeof(*gfns));

	if (!gfns)
		return NULL;
	for (i = 0; i < nfirst; i++)
		gfns[i] = first[i];
	for (i = 0; i < npages; i++)
		gfns[nfirst + i] = i;
	for (i = npages; i > 1; i--) {
		j = next_rand(&seed) % i;
		tmp = gfns[nfirst + i - 1];
		gfns[nfirst + i - 1] = gfns[nfirst + j];
		gfns[nfirst + j] = tmp;
	}
	*n = nfirst + npages;
	return gfns;
}

int toucher_start(struct guest_toucher *t, int vm, unsigned int nr_vcpus, uint64_t npages,
		  const uint64_t *first, unsigned int nfirst,
		  int (*fetch)(void *opaque, uint64_t gfn), void *opaque)
{
	unsigned int v;
	int ret = 0;

	if (!nr_vcpus || nr_vcpus > WRITER_MAX_VCPUS)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->vm = vm;
	t->nr_vcpus = nr_vcpus;
	t->fetch = fetch;
	t->opaque = opaque;
	for (v = 0; v < nr_vcpus && !ret; v++) {
		struct toucher_vcpu *tv = &t->vcpu[v];

		tv->t = t;
		tv->index = v;
		tv->gfns = touch_order(npages, first, nfirst, 0x9e3779b97f4a7c15ULL * (v + 1),
				       &tv->n);
		ret = tv->gfns ? -pthread_create(&tv->thread, NULL, toucher_fn, tv) : -ENOMEM;
		tv->started = !ret;
	}
	if (ret)
		toucher_wait(t, NULL);
	return ret;
}

int toucher_wait(struct guest_toucher *t, uint64_t *fetched)
{
	unsigned int v;
	int ret = 0;

	if (fetched)
		*fetched = 0;
	for (v = 0; v < t->nr_vcpus; v++) {
		struct toucher_vcpu *tv = &t->vcpu[v];

		if (tv->started)
			pthread_join(tv->thread, NULL);
		tv->started = false;
		ret = ret ?: tv->ret;
		if (fetched)
			*fetched += tv->fetched;
		free(tv->gfns);
		tv->gfns = NULL;
	}
	return ret;
}

/* The VMM's view of both TDs' shared memory: the same bytes? */
static int shared_compare(int a, int b)
{
	size_t len = TB_TD_SHARED_PAGES * MIG_PAGE_SIZE;
	void *pa = NULL, *pb = NULL;
	int ret;

	ret = tb_shared_map(a, TB_TD_SHARED_PAGES, &pa) ?:
	      tb_shared_map(b, TB_TD_SHARED_PAGES, &pb);
	if (!ret && memcmp(pa, pb, len))
		ret = -EBADMSG;
	if (pa)
		munmap(pa, len);
	if (pb)
		munmap(pb, len);
	return ret;
}

int td_compare(int a, int b, uint64_t bytes, unsigned int nr_vcpus, uint64_t *mem_hash)
{
	uint64_t ha, hb;
	unsigned int v;
	int ret;

	ret = tb_mem_hash(a, bytes, &ha) ?: tb_mem_hash(b, bytes, &hb);
	if (ret)
		return ret;
	ret = shared_compare(a, b);
	if (ret == -EOPNOTSUPP)
		ret = 0;	/* a backend without shared memory: nothing to compare */
	if (ret)
		return ret;
	if (mem_hash)
		*mem_hash = ha;
	if (ha != hb)
		return -EBADMSG;
	for (v = 0; v < nr_vcpus; v++) {
		ret = tb_vcpu_hash(a, v, &ha) ?: tb_vcpu_hash(b, v, &hb);
		if (ret)
			return ret;
		if (ha != hb)
			return -EBADMSG;
	}
	return 0;
}
