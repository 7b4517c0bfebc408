/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A thread that keeps the guest's vCPUs writing private pages while a
 * migration runs, and the check that the destination equals the source.
 */
#ifndef TDX_MIG_GUEST_WRITER_H
#define TDX_MIG_GUEST_WRITER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct guest_writer {
	int vm;
	unsigned int nr_vcpus;
	uint64_t npages;
	uint64_t seed;
	pthread_t thread;
	/* stop and runs: shared with the thread, through __atomic builtins only */
	bool stop;
	bool joined;
	uint64_t runs;
	uint64_t write_faults;
	int error;
};

int writer_start(struct guest_writer *w, int vm, unsigned int nr_vcpus, uint64_t npages);
/* Stop and join (once); the first error the writer met, 0 if none. */
int writer_stop(struct guest_writer *w);
/* Wait until the writer has completed one more run (at most ~10 s). */
bool writer_wait_run(struct guest_writer *w);
/* The runs (writes to WRITER_PAGES pages of one vCPU) completed so far. */
uint64_t writer_runs(const struct guest_writer *w);

/* 0 if private memory and every vCPU of @a and @b are identical. */
int td_compare(int a, int b, uint64_t bytes, unsigned int nr_vcpus, uint64_t *mem_hash);

#endif /* TDX_MIG_GUEST_WRITER_H */
