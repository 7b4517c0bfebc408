// SPDX-License-Identifier: GPL-2.0
/* The guest writer thread and the source/destination comparison. */
#include <errno.h>
#include <unistd.h>

#include "guest_writer.h"
#include "test_backend.h"

#define WRITER_PAGES	32

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *writer_fn(void *arg)
{
	struct guest_writer *w = arg;
	uint64_t gfns[WRITER_PAGES];
	unsigned int v = 0, i;
	int ret;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < WRITER_PAGES; i++)
			gfns[i] = next_rand(&w->seed) % w->npages;
		ret = tb_guest_write(w->vm, v, gfns, WRITER_PAGES, (writer_runs(w) + 1) << 20,
				     &w->write_faults);
		if (ret) {
			__atomic_store_n(&w->error, ret, __ATOMIC_RELEASE);
			break;
		}
		__atomic_add_fetch(&w->runs, 1, __ATOMIC_RELEASE);
		v = (v + 1) % w->nr_vcpus;
	}
	return NULL;
}

int writer_start(struct guest_writer *w, int vm, unsigned int nr_vcpus, uint64_t npages)
{
	w->vm = vm;
	w->nr_vcpus = nr_vcpus;
	w->npages = npages;
	w->seed = 0x9e3779b97f4a7c15ULL;
	__atomic_store_n(&w->stop, false, __ATOMIC_RELAXED);
	w->joined = false;
	__atomic_store_n(&w->runs, 0, __ATOMIC_RELAXED);
	w->write_faults = 0;
	w->error = 0;
	return -pthread_create(&w->thread, NULL, writer_fn, w);
}

int writer_stop(struct guest_writer *w)
{
	__atomic_store_n(&w->stop, true, __ATOMIC_RELEASE);
	if (!w->joined)
		pthread_join(w->thread, NULL);
	w->joined = true;
	return w->error;
}

bool writer_wait_run(struct guest_writer *w)
{
	uint64_t seen = __atomic_load_n(&w->runs, __ATOMIC_ACQUIRE);
	int i;

	for (i = 0; i < 10000; i++) {
		int error = __atomic_load_n(&w->error, __ATOMIC_ACQUIRE);

		if (__atomic_load_n(&w->runs, __ATOMIC_ACQUIRE) > seen || error ||
		    __atomic_load_n(&w->stop, __ATOMIC_ACQUIRE))
			return !error;
		usleep(1000);
	}
	return false;
}

uint64_t writer_runs(const struct guest_writer *w)
{
	return __atomic_load_n(&w->runs, __ATOMIC_ACQUIRE);
}

int td_compare(int a, int b, uint64_t bytes, unsigned int nr_vcpus, uint64_t *mem_hash)
{
	uint64_t ha, hb;
	unsigned int v;
	int ret;

	ret = tb_mem_hash(a, bytes, &ha) ?: tb_mem_hash(b, bytes, &hb);
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
