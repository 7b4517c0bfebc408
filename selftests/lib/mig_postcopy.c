// SPDX-License-Identifier: GPL-2.0
/*
 * Post-copy: the destination runs before all of its memory arrived. After
 * the pause, the pages the destination holds an old copy of are CANCELled
 * in order, the TD and vCPU state go and the start token commits the
 * destination. From then on pages are exported out of order: a background
 * pool sends every missing page, and a vCPU that touches one exits (KVM's
 * memory-fault exit), asks for it, and waits; a thread of its own fetches
 * it over a stream no background batch uses. Each page goes once, sent by
 * whoever claims it first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tdx_mig_vmm.h"

/* A fault not answered in this time is asked again (a lost request). */
#define ASK_AGAIN_MS	1000
/* Background passes over pages whose sending failed, before giving up. */
#define MAX_PASSES	3

struct mig_postcopy {
	pthread_mutex_t lock;
	pthread_cond_t arrived_cv;	/* a page arrived, or an error */
	pthread_cond_t demand_cv;	/* a fault asked for a page, or stop */
	unsigned long *claimed;		/* being or been sent */
	unsigned long *arrived;		/* imported by the destination */
	uint64_t missing;
	uint64_t *asked;		/* ring of asked GFNs */
	uint64_t ask_head, ask_tail, ask_cap;
	unsigned int demand_stream;
	bool demand_busy;		/* the demand thread is sending pages */
	bool shared_stream;		/* one stream: demand and background take turns */
	pthread_t demand_thread;
	bool demand_started;
	bool stop;
	int error;
	struct mig_pool *background;
	double commit_ms;
	double last_ms;
	struct mig_latencies lat;
};

bool mig_postcopy_claim(struct mig *m, uint64_t gfn)
{
	if (gfn >= m->npages || mig_test_bit(m->pc->arrived, gfn))
		return false;
	return !mig_assign_bit(m->pc->claimed, gfn, true);
}

/* Sending failed: whoever asks next may send them. */
void mig_postcopy_unclaim(struct mig *m, const uint64_t *gfns, unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n; k++)
		mig_assign_bit(m->pc->claimed, gfns[k], false);
}

/* With pc->lock held: the demand thread sends @gfn. */
static void queue_ask(struct mig_postcopy *pc, uint64_t gfn)
{
	if (pc->ask_tail - pc->ask_head < pc->ask_cap)
		pc->asked[pc->ask_tail++ % pc->ask_cap] = gfn;
	pthread_cond_signal(&pc->demand_cv);
}

/*
 * After an import: the pages that arrived; an entry that failed (a busy
 * entry, say) is unclaimed and asked for again at once.
 */
void mig_postcopy_arrived(struct mig *m, const uint64_t *gpa_list, unsigned int n)
{
	struct mig_postcopy *pc = m->pc;
	unsigned int k;

	pthread_mutex_lock(&pc->lock);
	for (k = 0; k < n; k++) {
		uint64_t e = gpa_list[k], gfn = (e & GPA_ADDR_MASK) / MIG_PAGE_SIZE;

		if (gfn >= m->npages || mig_test_bit(pc->arrived, gfn))
			continue;
		if ((e & GPA_STATUS_MASK) ||
		    ((e & GPA_OP_MASK) >> GPA_OP_SHIFT) != GPA_OP_MIGRATE) {
			mig_postcopy_unclaim(m, &gfn, 1);
			queue_ask(pc, gfn);
			continue;
		}
		mig_assign_bit(pc->arrived, gfn, true);
		if (!--pc->missing)
			pc->last_ms = mig_now_ms();
	}
	pthread_cond_broadcast(&pc->arrived_cv);
	pthread_mutex_unlock(&pc->lock);
}

static void fail(struct mig_postcopy *pc, int err)
{
	pthread_mutex_lock(&pc->lock);
	if (!pc->error)
		pc->error = err;
	pthread_cond_broadcast(&pc->arrived_cv);
	pthread_mutex_unlock(&pc->lock);
}

/* Faults asked for at once go in one bundle. */
#define DEMAND_BATCH	16

/*
 * The demand thread, on a stream of its own: every page asked for and not
 * claimed yet, in one bundle. Counted before they arrive, so that the
 * waiting vCPU sees them counted.
 */
static void *demand_fn(void *arg)
{
	struct mig *m = arg;
	struct mig_postcopy *pc = m->pc;
	uint64_t gfns[DEMAND_BATCH], gfn;
	unsigned int n;
	int ret;

	pthread_mutex_lock(&pc->lock);
	while (!pc->stop) {
		if (pc->ask_head == pc->ask_tail) {
			pthread_cond_wait(&pc->demand_cv, &pc->lock);
			continue;
		}
		for (n = 0; pc->ask_head != pc->ask_tail && n < DEMAND_BATCH;) {
			gfn = pc->asked[pc->ask_head++ % pc->ask_cap];
			if (mig_postcopy_claim(m, gfn))
				gfns[n++] = gfn;
		}
		pc->demand_busy = n > 0;
		pthread_mutex_unlock(&pc->lock);
		if (n) {
			__atomic_add_fetch(&m->st.demand_pages, n, __ATOMIC_RELAXED);
			ret = mig_move_pages(m, pc->demand_stream, gfns, n);
			if (ret) {
				__atomic_sub_fetch(&m->st.demand_pages, n, __ATOMIC_RELAXED);
				mig_postcopy_unclaim(m, gfns, n);
				fail(pc, ret);
			}
		}
		pthread_mutex_lock(&pc->lock);
		pc->demand_busy = false;
		pthread_cond_broadcast(&pc->arrived_cv);
	}
	pthread_mutex_unlock(&pc->lock);
	return NULL;
}

/* With pc->lock held: a fault's request, which a test may have lost. */
static void ask(struct mig *m, struct mig_postcopy *pc, uint64_t gfn)
{
	if (m->postcopy_lose_requests) {
		m->postcopy_lose_requests--;
		return;
	}
	queue_ask(pc, gfn);
}

int mig_postcopy_fault(struct mig *m, uint64_t gfn)
{
	struct mig_postcopy *pc = m->pc;
	double t = mig_now_ms();
	struct timespec until;
	int ret = 0;

	if (!pc || gfn >= m->npages)
		return -EINVAL;
	__atomic_add_fetch(&m->st.demand_requests, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&pc->lock);
	if (!mig_test_bit(pc->arrived, gfn))
		ask(m, pc, gfn);
	/* After a stop nothing sends pages any more. */
	while (!mig_test_bit(pc->arrived, gfn) && !pc->error && !pc->stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += ASK_AGAIN_MS / 1000;
		if (pthread_cond_timedwait(&pc->arrived_cv, &pc->lock, &until) == ETIMEDOUT &&
		    !mig_test_bit(pc->arrived, gfn)) {
			__atomic_add_fetch(&m->st.demand_requests, 1, __ATOMIC_RELAXED);
			ask(m, pc, gfn);
		}
	}
	if (!mig_test_bit(pc->arrived, gfn))
		ret = pc->error ?: -EIO;
	else
		mig_lat_add(&pc->lat, mig_now_ms() - t);
	pthread_mutex_unlock(&pc->lock);
	return ret;
}

/*
 * A background thread starts no batch while a fault's page waits to be
 * sent: the fault jumps the queue. It runs beside a demand bundle in
 * flight on a stream of its own, but not on a shared one, whose lock the
 * background would otherwise take again and again before the demand.
 */
void mig_postcopy_yield(struct mig *m)
{
	struct mig_postcopy *pc = m->pc;

	pthread_mutex_lock(&pc->lock);
	while ((pc->ask_head != pc->ask_tail || (pc->shared_stream && pc->demand_busy)) &&
	       !pc->stop && !pc->error)
		pthread_cond_wait(&pc->arrived_cv, &pc->lock);
	pthread_mutex_unlock(&pc->lock);
}

/* Across hosts: the destination's vCPU waits there; only ask. */
void mig_postcopy_request(struct mig *m, uint64_t gfn)
{
	struct mig_postcopy *pc = m->pc;

	if (!pc || gfn >= m->npages)
		return;
	__atomic_add_fetch(&m->st.demand_requests, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&pc->lock);
	if (!mig_test_bit(pc->arrived, gfn))
		queue_ask(pc, gfn);
	pthread_mutex_unlock(&pc->lock);
}

int mig_postcopy_fetch(void *m, uint64_t gfn)
{
	return mig_postcopy_fault(m, gfn);
}

/* In order, in the paused epoch: what the destination holds stale goes. */
static int cancel_dirtied(struct mig *m)
{
	unsigned int n = 0, batch = m->src[0].buf_list_pages;
	uint64_t gfn, *gfns = calloc(batch, sizeof(*gfns));
	int ret = gfns ? mig_dirty_log(m, false) : -ENOMEM;

	m->st.pages_at_pause = 0;
	for (gfn = 0; !ret && gfn < m->npages; gfn++) {
		m->st.pages_at_pause += mig_test_bit(m->dirty, gfn);
		if (!mig_test_bit(m->dirty, gfn) || !mig_test_bit(m->exported, gfn))
			continue;
		gfns[n++] = gfn;
		if (n == batch) {
			ret = mig_move_op(m, 0, gfns, n, GPA_OP_CANCEL);
			n = 0;
		}
	}
	if (!ret && n)
		ret = mig_move_op(m, 0, gfns, n, GPA_OP_CANCEL);
	free(gfns);
	return ret;
}

static void postcopy_free(struct mig_postcopy *pc)
{
	if (!pc)
		return;
	free(pc->claimed);
	free(pc->arrived);
	free(pc->asked);
	mig_lat_free(&pc->lat);
	free(pc);
}

static struct mig_postcopy *postcopy_alloc(struct mig *m)
{
	size_t words = (m->npages + BITS_PER_UL - 1) / BITS_PER_UL;
	struct mig_postcopy *pc = calloc(1, sizeof(*pc));
	uint64_t gfn;

	if (!pc)
		return NULL;
	pc->claimed = calloc(words, sizeof(unsigned long));
	pc->arrived = calloc(words, sizeof(unsigned long));
	pc->ask_cap = m->npages;
	pc->asked = calloc(pc->ask_cap, sizeof(*pc->asked));
	if (mig_lat_init(&pc->lat, m->npages * 4) || !pc->claimed || !pc->arrived ||
	    !pc->asked) {
		postcopy_free(pc);
		return NULL;
	}
	/* What the destination holds now is what was exported in order. */
	memcpy(pc->arrived, m->exported, words * sizeof(unsigned long));
	memcpy(pc->claimed, m->exported, words * sizeof(unsigned long));
	for (gfn = 0; gfn < m->npages; gfn++)
		pc->missing += !mig_test_bit(pc->arrived, gfn);
	pthread_mutex_init(&pc->lock, NULL);
	pthread_cond_init(&pc->arrived_cv, NULL);
	pthread_cond_init(&pc->demand_cv, NULL);
	return pc;
}

/* Queue every page still missing and not claimed: the background's work. */
static int queue_missing(struct mig *m)
{
	struct mig_postcopy *pc = m->pc;
	uint64_t gfn, n = 0, *gfns = calloc(m->npages, sizeof(*gfns));
	int ret;

	if (!gfns)
		return -ENOMEM;
	for (gfn = 0; gfn < m->npages; gfn++) {
		if (!mig_test_bit(pc->arrived, gfn) && !mig_test_bit(pc->claimed, gfn))
			gfns[n++] = gfn;
	}
	ret = mig_pool_queue(pc->background, gfns, n);
	free(gfns);
	return ret;
}

int mig_postcopy_commit(struct mig *m)
{
	struct mig_postcopy *pc;
	unsigned int v, background;
	double t;
	int ret;

	if (m->pool)
		mig_pool_stop(m->pool);
	m->pool = NULL;
	if (m->before_pause)
		m->before_pause(m);
	t = mig_now_ms();
	ret = mig_cmd_retry(&m->src[0], KVM_TDX_MIG_EXPORT_PAUSE, NULL, &m->st.eintr);
	if (!ret && m->after_pause)
		m->after_pause(m);
	ret = ret ?: mig_move_token(m, false);
	mig_lap(&t, &m->st.pause_ms);
	/* Shared memory is never demand-paged: all of it goes before the commit. */
	ret = ret ?: cancel_dirtied(m) ?: mig_send_shared(m);
	mig_lap(&t, &m->st.last_pages_ms);
	ret = ret ?: mig_move_state(m, 0, KVM_TDX_MIG_EXPORT_STATE_TD,
				    KVM_TDX_MIG_IMPORT_STATE_TD);
	for (v = 0; !ret && v < m->nr_vcpus; v++)
		ret = mig_move_state(m, 0, KVM_TDX_MIG_EXPORT_STATE_VP,
				     KVM_TDX_MIG_IMPORT_STATE_VP);
	mig_lap(&t, &m->st.td_vp_state_ms);
	pc = ret ? NULL : postcopy_alloc(m);
	if (!ret && !pc)
		ret = -ENOMEM;
	if (!ret)
		ret = mig_move_token(m, true);
	mig_lap(&t, &m->st.token_ms);
	if (ret) {
		if (pc) {
			pthread_mutex_destroy(&pc->lock);
			pthread_cond_destroy(&pc->arrived_cv);
			pthread_cond_destroy(&pc->demand_cv);
		}
		postcopy_free(pc);
		return ret;
	}
	m->st.blackout_ms = m->st.pause_ms + m->st.last_pages_ms + m->st.td_vp_state_ms +
			    m->st.token_ms;
	pc->commit_ms = mig_now_ms();
	pc->last_ms = pc->commit_ms;
	/* Faults have the last stream to themselves when there are several. */
	pc->demand_stream = m->nstreams - 1;
	pc->shared_stream = m->nstreams == 1;
	background = m->nstreams > 1 ? m->nstreams - 1 : 1;
	m->pc = pc;
	if (pthread_create(&pc->demand_thread, NULL, demand_fn, m))
		return -EAGAIN;
	pc->demand_started = true;
	if (m->link) {
		ret = mig_link_serve_faults(m->link, m);
		if (ret)
			return ret;
	}
	pc->background = mig_pool_start(m, 0, background);
	if (!pc->background)
		return -ENOMEM;
	return m->postcopy_demand_only ? 0 : queue_missing(m);
}

static void postcopy_stop(struct mig *m, struct mig_postcopy *pc);

int mig_postcopy_finish(struct mig *m)
{
	struct mig_postcopy *pc = m->pc;
	unsigned int pass;
	int ret = 0;

	if (!pc)
		return -EINVAL;
	if (m->postcopy_demand_only) {
		ret = queue_missing(m);
		if (ret)
			return ret;
	}
	for (pass = 0; pass < MAX_PASSES; pass++) {
		ret = mig_pool_drain(pc->background);
		pthread_mutex_lock(&pc->lock);
		/* What a fault claimed is on its way: wait for it. */
		while (pc->missing && !pc->error && !ret) {
			uint64_t before = pc->missing;
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += ASK_AGAIN_MS / 1000;
			if (pthread_cond_timedwait(&pc->arrived_cv, &pc->lock, &until) &&
			    pc->missing == before)
				break;	/* no progress: a page nobody sends */
		}
		ret = ret ?: pc->error;
		pthread_mutex_unlock(&pc->lock);
		if (ret || !pc->missing)
			break;
		/* Pages whose sending failed were unclaimed: another pass. */
		ret = queue_missing(m);
		if (ret)
			break;
	}
	if (!ret && pc->missing)
		ret = -EIO;
	if (!ret)
		ret = mig_dst_cmd(m, KVM_TDX_MIG_IMPORT_END);
	if (ret && pc->missing) {
		/* Past the commit nothing can be undone: say what survives. */
		fprintf(stderr, "#\n# POST-COPY FAILED AFTER THE COMMIT (%s): %llu pages never\n",
			strerror(-ret), (unsigned long long)pc->missing);
		fprintf(stderr, "# reached the destination. The source holds them and can\n");
		fprintf(stderr, "# never run again; the destination runs until it touches\n");
		fprintf(stderr, "# one. Keep the source: new streams may still carry them.\n#\n");
	}
	m->st.dst_run_ms = pc->last_ms - pc->commit_ms;
	mig_lat_summary(&pc->lat, &m->st.fault_median_ms, &m->st.fault_max_ms);
	m->st.total_ms = mig_now_ms() - m->st.total_ms;
	postcopy_stop(m, pc);
	mig_collect_stats(m);
	return ret;
}

/*
 * Stop the demand thread and the background. The state stays until
 * mig_close(): a vCPU thread may still be returning from a fault.
 */
static void postcopy_stop(struct mig *m, struct mig_postcopy *pc)
{
	pthread_mutex_lock(&pc->lock);
	pc->stop = true;
	pthread_cond_broadcast(&pc->demand_cv);
	pthread_cond_broadcast(&pc->arrived_cv);
	pthread_mutex_unlock(&pc->lock);
	if (pc->demand_started)
		pthread_join(pc->demand_thread, NULL);
	if (m->link)
		mig_link_stop_faults(m->link);
	pc->demand_started = false;
	if (pc->background)
		mig_pool_stop(pc->background);
	pc->background = NULL;
}

void mig_postcopy_end(struct mig *m)
{
	struct mig_postcopy *pc = m->pc;

	if (!pc)
		return;
	postcopy_stop(m, pc);
	m->pc = NULL;
	pthread_mutex_destroy(&pc->lock);
	pthread_cond_destroy(&pc->arrived_cv);
	pthread_cond_destroy(&pc->demand_cv);
	postcopy_free(pc);
}
