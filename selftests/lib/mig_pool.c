// SPDX-License-Identifier: GPL-2.0
/*
 * The stream pool: one thread per stream, as a VMM gives each migration
 * channel its own thread. The threads take the queued pages in batches of
 * their stream's buffer size; each batch is exported on the thread's source
 * stream, carried and imported on its destination stream, so the bundles
 * of one stream are imported in the order they were exported. Draining the
 * pool ends an epoch: every stream's bundles are imported before the next
 * epoch token, which is how a page sent again in a later epoch is imported
 * after its older copy.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tdx_mig_vmm.h"

/* Post-copy's background batches: a fault on a page in one waits for it. */
#define POSTCOPY_BATCH	64

struct pool_thread {
	struct mig_pool *p;
	unsigned int stream;
	pthread_t thread;
};

struct mig_pool {
	struct mig *m;
	unsigned int n;
	struct pool_thread *t;
	pthread_mutex_t lock;
	pthread_cond_t more;		/* pages queued, or stop */
	pthread_cond_t idle;		/* the queue ran empty and no batch is in flight */
	uint64_t *queue;
	uint64_t head, tail, cap;
	unsigned int busy;
	int error;
	bool stop;
};

/* In post-copy a page goes once: whoever claims it first sends it. */
static unsigned int take_batch(struct mig_pool *p, uint64_t *batch, unsigned int max)
{
	unsigned int n = 0;

	while (p->head < p->tail && n < max) {
		uint64_t gfn = p->queue[p->head++];

		if (!p->m->pc || mig_postcopy_claim(p->m, gfn))
			batch[n++] = gfn;
	}
	return n;
}

static void *pool_fn(void *arg)
{
	struct pool_thread *t = arg;
	struct mig_pool *p = t->p;
	unsigned int max = p->m->src[t->stream].buf_list_pages, n;
	uint64_t *batch;
	int ret;

	if (max > POSTCOPY_BATCH && p->m->pc)
		max = POSTCOPY_BATCH;
	batch = calloc(max, sizeof(*batch));

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && p->head == p->tail)
			pthread_cond_wait(&p->more, &p->lock);
		if (p->stop)
			break;
		if (p->m->pc) {
			/* Post-copy: faults first, and small batches they wait behind. */
			pthread_mutex_unlock(&p->lock);
			mig_postcopy_yield(p->m);
			pthread_mutex_lock(&p->lock);
			if (p->stop || p->head == p->tail)
				continue;
		}
		n = batch ? take_batch(p, batch, max) : 0;
		p->busy++;
		pthread_mutex_unlock(&p->lock);
		ret = batch ? 0 : -ENOMEM;
		if (n)
			ret = mig_move_pages(p->m, t->stream, batch, n);
		if (ret && p->m->pc)
			mig_postcopy_unclaim(p->m, batch, n);
		pthread_mutex_lock(&p->lock);
		p->busy--;
		if (ret && !p->error)
			p->error = ret;
		if (ret)
			p->head = p->tail;	/* the round failed: drop the rest */
		if (p->head == p->tail && !p->busy)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->lock);
	free(batch);
	return NULL;
}

struct mig_pool *mig_pool_start(struct mig *m, unsigned int first, unsigned int n)
{
	struct mig_pool *p = calloc(1, sizeof(*p));
	unsigned int i;

	if (!p || !n || first + n > m->nstreams)
		goto fail;
	p->m = m;
	p->t = calloc(n, sizeof(*p->t));
	if (!p->t)
		goto fail;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->more, NULL);
	pthread_cond_init(&p->idle, NULL);
	for (i = 0; i < n; i++) {
		p->t[i] = (struct pool_thread){ .p = p, .stream = first + i };
		if (pthread_create(&p->t[i].thread, NULL, pool_fn, &p->t[i]))
			break;
		p->n++;
	}
	if (p->n == n)
		return p;
	mig_pool_stop(p);
	return NULL;
fail:
	if (p)
		free(p->t);
	free(p);
	return NULL;
}

int mig_pool_queue(struct mig_pool *p, const uint64_t *gfns, uint64_t n)
{
	int ret = 0;

	pthread_mutex_lock(&p->lock);
	if (p->head == p->tail) {
		p->head = 0;
		p->tail = 0;
	}
	if (p->tail + n > p->cap) {
		uint64_t cap = p->tail + n, *q = realloc(p->queue, cap * sizeof(*q));

		if (q) {
			p->queue = q;
			p->cap = cap;
		} else {
			ret = -ENOMEM;
		}
	}
	if (!ret) {
		memcpy(&p->queue[p->tail], gfns, n * sizeof(*gfns));
		p->tail += n;
		pthread_cond_broadcast(&p->more);
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

/* Wait until every queued page went; the first error since the last drain. */
int mig_pool_drain(struct mig_pool *p)
{
	int ret;

	pthread_mutex_lock(&p->lock);
	while (p->head != p->tail || p->busy)
		pthread_cond_wait(&p->idle, &p->lock);
	ret = p->error;
	p->error = 0;
	pthread_mutex_unlock(&p->lock);
	return ret;
}

void mig_pool_stop(struct mig_pool *p)
{
	unsigned int i;

	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->more);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->n; i++)
		pthread_join(p->t[i].thread, NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->more);
	pthread_cond_destroy(&p->idle);
	free(p->queue);
	free(p->t);
	free(p);
}
