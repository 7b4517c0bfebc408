/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One thread per vCPU, as a VMM runs them, keeping the guest writing
 * private pages while a migration runs; and the check that the
 * destination equals the source.
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

/* 0 if private memory and every vCPU of @a and @b are identical. */
int td_compare(int a, int b, uint64_t bytes, unsigned int nr_vcpus, uint64_t *mem_hash);

#endif /* TDX_MIG_GUEST_WRITER_H */
