/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One thread per vCPU, as a VMM runs them, keeping the guest writing
 * private and shared pages while a migration runs; and the check that the
 * destination equals the source (private and shared memory, vCPUs).
 */
#ifndef TDX_MIG_GUEST_WRITER_H
#define TDX_MIG_GUEST_WRITER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define WRITER_MAX_VCPUS	8

struct guest_writer;

/* A vCPU's thread and the random GFNs it writes. */
struct writer_vcpu {
	struct guest_writer *w;
	unsigned int index;
	uint64_t seed;
	pthread_t thread;
	bool started;
};

struct guest_writer {
	int vm;
	unsigned int nr_vcpus;
	uint64_t npages;
	bool shared;		/* the TD has shared memory: write it too */
	struct writer_vcpu vcpu[WRITER_MAX_VCPUS];
	/*
	 * stop, runs, write_faults and error: shared with the threads,
	 * changed under @lock (each change signals @changed), read through
	 * __atomic builtins
	 */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	bool stop;
	bool joined;
	uint64_t runs;
	uint64_t write_faults;
	int error;
	/*
	 * The VMM's throttle (QEMU's auto-converge): each vCPU sleeps after a
	 * run so that it runs only (100 - @throttle_pct) % of the time;
	 * @throttled_ns: the run time the guest lost to it, all vCPUs
	 */
	unsigned int throttle_pct;
	uint64_t throttled_ns;
};

int writer_start(struct guest_writer *w, int vm, unsigned int nr_vcpus, uint64_t npages);
/* Stop and join (once); the first error a vCPU thread met, 0 if none. */
int writer_stop(struct guest_writer *w);
/*
 * Wait until the writer has completed one more run, or stopped: true, or
 * false if it failed or 10 s passed without either.
 */
bool writer_wait_run(struct guest_writer *w);
/* The runs (writes to WRITER_PAGES pages by one vCPU) completed so far. */
uint64_t writer_runs(const struct guest_writer *w);
/* Throttle the vCPUs to @pct % of their time off (0: none). */
void writer_throttle(struct guest_writer *w, unsigned int pct);
/* The same as struct mig's throttle callback; m->opaque is the writer. */
struct mig;
void writer_throttle_mig(struct mig *m, unsigned int pct);

/*
 * A destination in post-copy: one thread per vCPU reading pages (a guest
 * touching its memory), the @nfirst pages of @first and then, unless
 * @npages is 0, every page in a random order of its own. A page still at
 * the source exits and @fetch(@opaque, gfn) brings it.
 */
struct guest_toucher;

struct toucher_vcpu {
	struct guest_toucher *t;
	pthread_t thread;
	unsigned int index;
	uint64_t *gfns;
	uint64_t n;
	uint64_t fetched;
	int ret;
	bool started;
};

struct guest_toucher {
	int vm;
	unsigned int nr_vcpus;
	int (*fetch)(void *opaque, uint64_t gfn);
	void *opaque;
	struct toucher_vcpu vcpu[WRITER_MAX_VCPUS];
};

int toucher_start(struct guest_toucher *t, int vm, unsigned int nr_vcpus, uint64_t npages,
		  const uint64_t *first, unsigned int nfirst,
		  int (*fetch)(void *opaque, uint64_t gfn), void *opaque);
/* Join; the first error a thread met, 0 if none; *@fetched: pages fetched. */
int toucher_wait(struct guest_toucher *t, uint64_t *fetched);

/* 0 if private memory, shared memory and every vCPU of @a and @b are identical. */
int td_compare(int a, int b, uint64_t bytes, unsigned int nr_vcpus, uint64_t *mem_hash);

#endif /* TDX_MIG_GUEST_WRITER_H */
