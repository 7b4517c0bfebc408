/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small VMM-side library over the tdx_mig uAPI, so that each test reads
 * as a scenario: open and map streams, move bundles from a source stream to
 * a destination stream (single host: the VMM copies the bytes), and the
 * pre-copy loop with epoch tokens, pause, the last dirty pages, TD and VP
 * state, the start token and import end. It uses only KVM-style fds and
 * the tdx_mig uAPI, so it runs unchanged against KVM on a TDX host.
 */
#ifndef TDX_MIG_VMM_H
#define TDX_MIG_VMM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/tdx_mig.h>

#define MIG_PAGE_SIZE		4096UL
/* Forward streams: the TDX Module's MAX_MIGS (512) less the backward one. */
#define MIG_MAX_STREAMS		511
/* QEMU's default downtime target. */
#define MIG_DEFAULT_DOWNTIME_MS	300

/* GPA-list entries (TDX ABI): operation in bits 53:52, status in 60:56. */
#define GPA_OP_SHIFT		52
#define GPA_OP_MASK		(3ULL << GPA_OP_SHIFT)
#define GPA_OP_MIGRATE		1ULL
#define GPA_OP_CANCEL		2ULL
#define GPA_OP_REMIGRATE	3ULL
#define GPA_STATUS_SHIFT	56
#define GPA_STATUS_MASK		(0x1fULL << GPA_STATUS_SHIFT)
#define GPA_ADDR_MASK		0x000ffffffffff000ULL

/* TDX_INVALID_MBMD, as the TDX Module reports it in KVM_TDX_CMD_ERROR. */
#define STATUS_INVALID_MBMD	0xC0000E0000000000ULL

/* One stream fd and its four mappings. */
struct mig_stream {
	int fd;
	uint32_t buf_list_pages;
	uint32_t max_migs;
	void *mbmd;
	uint64_t *gpa_list;
	void *mac;		/* both MAC lists, 2 pages */
	void *bufs;		/* buf_list_pages pages */
};

struct mig_pool;
struct mig_postcopy;
struct mig_link;
struct mig_hello;
struct mig_verify;

/* The library's bitmaps (dirty log, exported, claimed, arrived), shared by threads. */
#define BITS_PER_UL		(8 * sizeof(unsigned long))

static inline bool mig_test_bit(const unsigned long *map, uint64_t bit)
{
	return __atomic_load_n(&map[bit / BITS_PER_UL], __ATOMIC_ACQUIRE) &
	       (1UL << (bit % BITS_PER_UL));
}

/* Set (@on) or clear @bit; true if it was set before. */
static inline bool mig_assign_bit(unsigned long *map, uint64_t bit, bool on)
{
	unsigned long mask = 1UL << (bit % BITS_PER_UL), old;

	if (on)
		old = __atomic_fetch_or(&map[bit / BITS_PER_UL], mask, __ATOMIC_ACQ_REL);
	else
		old = __atomic_fetch_and(&map[bit / BITS_PER_UL], ~mask, __ATOMIC_ACQ_REL);
	return old & mask;
}

/* Why the live phase ended (mig_live_rounds()). */
enum mig_switch {
	MIG_SWITCH_NONE,	/* it did not end (yet) */
	MIG_SWITCH_TARGET,	/* the estimated blackout fits the downtime target */
	MIG_SWITCH_POSTCOPY,	/* not converging, post-copy allowed: switch to it */
	MIG_SWITCH_ROUND_CAP,	/* max_rounds, the last resort: pause regardless */
};

/* What a migration did and saw. */
struct mig_stats {
	unsigned int rounds;
	unsigned int epochs;
	uint64_t pages_sent;
	uint64_t bundles;
	uint64_t remigrated;		/* entries REMIGRATE on the wire */
	uint64_t failed_entries;	/* reported by EXPORT_MEM, re-sent */
	uint64_t eintr;			/* calls the library re-issued after EINTR */
	uint64_t resumptions;		/* from KVM_TDX_MIG_GET_STATS */
	uint64_t page_bytes_copied;	/* page data the VMM copied between streams */
	uint64_t write_faults;
	uint64_t write_blocked;
	double blackout_ms;
	double total_ms;
	/* post-copy (mig_postcopy.c) */
	uint64_t cancelled;		/* exported, then dirty at pause: CANCELled */
	uint64_t demand_pages;		/* fetched for a destination vCPU's fault */
	uint64_t demand_requests;	/* faults reported, repeats included */
	double fault_median_ms;		/* fault reported to page imported */
	double fault_max_ms;
	double dst_run_ms;		/* from the commit until the last page arrived */
	/* shared memory (mig_send_shared()) */
	unsigned int shared_rounds;
	uint64_t shared_pages_sent;
	/* the live phase's decision (mig_live_rounds()) */
	enum mig_switch switched;
	char decision[200];		/* what it decided and why, for a person */
	double est_blackout_ms;		/* the estimate it decided on */
	double export_pages_s;		/* the last round's export rate */
	double dirty_pages_s;		/* the guest's dirty rate in the last round */
	unsigned int throttle_pct;	/* the vCPU throttle it ended with */
	double state_ms;		/* the immutable state's bundle: the state's estimate */
	/* the blackout's parts (mig_finish(), mig_postcopy_commit()) */
	uint64_t pages_at_pause;	/* private pages dirty at the pause */
	double pause_ms;		/* EXPORT_PAUSE and the epoch token */
	double last_pages_ms;		/* the last private and shared pages */
	double td_vp_state_ms;		/* TD and vCPU state */
	double token_ms;		/* the start token */
};

/*
 * The TD's shared memory: the VMM's own pages, which travel the ordinary
 * way, without the TDX Module: KVM's dirty log of their memslot says which
 * changed, and the VMM copies them (across hosts, sends them in the clear).
 */
struct mig_shared {
	uint8_t *src;		/* the VMM's mappings; @dst NULL across hosts */
	uint8_t *dst;
	uint32_t pages;
	uint32_t slot;		/* their memslot, for the dirty log */
	unsigned long *dirty;
	bool started;		/* the first round, of every page, went */
};

/*
 * One migration: a source VM, a destination VM, their streams. Across
 * hosts (mig_open_remote()) the destination is another host's VMM behind
 * @link, and @dst_vm and @dst are not used.
 */
struct mig {
	int src_vm;
	int dst_vm;
	struct mig_link *link;
	uint64_t npages;	/* private memory pages (dirty-log slot 0) */
	unsigned int nr_vcpus;
	unsigned int nstreams;
	/* stream i of the source moves to stream i of the destination */
	struct mig_stream *src;
	struct mig_stream *dst;
	/* one call at a time on a stream pair: each is one MIGSC per side */
	pthread_mutex_t *stream_lock;
	unsigned long *dirty;
	/* exported in order and not cancelled since (a page the destination holds) */
	unsigned long *exported;
	/* one thread per stream moving queued pages (mig_pool.c) */
	struct mig_pool *pool;
	/* post-copy, once committed (mig_postcopy.c) */
	struct mig_postcopy *pc;
	/* the start token left the source: an abort now needs the destination's token */
	bool start_exported;
	struct mig_stats st;
	struct mig_shared shared;
	/*
	 * The live phase (mig_live_rounds()) ends after min_rounds once the
	 * estimated blackout fits downtime_ms; a guest that outruns the export
	 * is throttled (if @throttle is set: it slows the vCPUs to @pct % of
	 * their time off) or, with @allow_postcopy, the phase ends for
	 * post-copy; max_rounds is the last resort.
	 */
	unsigned int min_rounds;
	unsigned int max_rounds;
	double downtime_ms;
	bool allow_postcopy;
	void (*throttle)(struct mig *m, unsigned int pct);
	unsigned int behind_rounds;	/* rounds in a row the guest outran the export */
	/* called before each round's pages go, and once at the end (round = -1) */
	void (*progress)(const struct mig *m, int round, uint64_t dirty, double mib_s);
	/* called just before EXPORT_PAUSE, e.g. to stop a writer, and just after it */
	void (*before_pause)(struct mig *m);
	void (*after_pause)(struct mig *m);
	void *opaque;
	/*
	 * Post-copy, for tests: only faults bring pages until
	 * mig_postcopy_finish() starts the background; and this many fault
	 * requests are lost on the way (the vCPU asks again).
	 */
	bool postcopy_demand_only;
	unsigned int postcopy_lose_requests;
};

/*
 * KVM_MEMORY_ENCRYPT_OP and private memory's dirty-log ioctls the library
 * made, and the nanoseconds they took (all threads), for benchmarks.
 */
extern unsigned long long mig_ioctls;
extern unsigned long long mig_ioctl_ns;

/* A command on a stream fd: 0 or -errno; *status gets kvm_tdx_cmd's error. */
int mig_cmd_raw(int fd, uint32_t id, uint32_t flags, uint64_t data, uint64_t *status);
int mig_cmd(struct mig_stream *s, uint32_t id, uint64_t *arg, uint64_t *status);
/* The same, re-issued while it returns EINTR (counted in *eintr if given). */
int mig_cmd_retry(struct mig_stream *s, uint32_t id, uint64_t *arg, uint64_t *eintr);
/* The same, with the failed call's TDX status in *@status if given. */
int mig_cmd_retry_status(struct mig_stream *s, uint32_t id, uint64_t *arg, uint64_t *eintr,
			 uint64_t *status);
/* EINTRs mig_cmd_retry() saw, in all threads (read with __atomic builtins). */
extern unsigned long mig_eintr_seen;

/* KVM_MEMORY_ENCRYPT_OP on a VM fd (FINALIZE_VM, binding): 0 or -errno. */
int vm_tdx_cmd(int vm_fd, uint32_t id, void *data, uint64_t *status);

/* Binding to a Migration TD and pre-migration (KVM_TDX_SERVTD_BIND, ...). */
int vm_servtd_bind(int vm_fd, pid_t migtd_pid, uint64_t attr, uint64_t *status);
int vm_set_migration_info(int vm_fd, bool is_src, uint32_t port);
/* KVM_TDX_GET_MIGRATION_INFO: 1 when pre-migration is done, 0, or -errno. */
int vm_premig_done(int vm_fd);
/* Wait until pre-migration is done for all of @vms, or -ETIMEDOUT. */
int mig_premig_wait(const int *vms, unsigned int n, unsigned int timeout_ms);
/* Both sides ask their MigTDs (one TCP port for the pair), then wait. */
int mig_premigrate(int src_vm, int dst_vm, uint32_t port, unsigned int timeout_ms);

int mig_stream_create(int vm_fd);
int mig_stream_open(int vm_fd, uint32_t want_pages, struct mig_stream *s);
void mig_stream_close(struct mig_stream *s);
int mig_get_stats(struct mig_stream *s, struct kvm_tdx_mig_stats *st);

/* Bundles from source stream @si to destination stream @si. */
int mig_move_state(struct mig *m, unsigned int si, uint32_t export_id, uint32_t import_id);
int mig_move_token(struct mig *m, bool start);
int mig_move_pages(struct mig *m, unsigned int stream, const uint64_t *gfns, unsigned int n);
/* The same with another operation (GPA_OP_CANCEL: in order, before the start token). */
int mig_move_op(struct mig *m, unsigned int stream, const uint64_t *gfns, unsigned int n,
		uint64_t op);

/*
 * The stream pool: one thread per stream of [@first, @first + @n), each
 * moving bundles of the queued pages on its stream. mig_pool_drain() waits
 * until every queued page went (or failed): the epoch's bundles are all
 * imported before its token. In post-copy a page is sent by whoever claims
 * it first (the pool or a demand fault).
 */
struct mig_pool *mig_pool_start(struct mig *m, unsigned int first, unsigned int n);
int mig_pool_queue(struct mig_pool *p, const uint64_t *gfns, uint64_t n);
int mig_pool_drain(struct mig_pool *p);
void mig_pool_stop(struct mig_pool *p);

/* Every import but the end reads the MBMD the export wrote. */
static inline bool mig_import_reads_mbmd(uint32_t import_id)
{
	return import_id != KVM_TDX_MIG_IMPORT_END;
}

/* A command without a bundle on the destination's first stream (IMPORT_END). */
int mig_dst_cmd(struct mig *m, uint32_t id);
/*
 * The import half of a bundle the source's stream @si exported: its MBMD,
 * @entries GPA-list entries with their MACs and @pages buffers go to the
 * destination's stream @si, which imports them with @import_id (@arg its
 * value). For tests that call each half on its own.
 */
int mig_import_bundle(struct mig *m, unsigned int si, uint32_t import_id, uint64_t *arg,
		      unsigned int entries, uint64_t pages);

/*
 * Across hosts (mig_link.c, the wire of mig_wire.h): the source VMM's end.
 * mig_link_connect(): connect to the destination VMM and say HELLO with the
 * migration's shape; the destination makes its TD, binds it to its MigTD
 * and sets its migration info before it answers. Then the source's
 * pre-migration, then mig_open_remote(): the source's streams, and a
 * connection per stream and for post-copy's page requests. Each bundle is
 * sent from the source stream's mappings and imported there; the answer
 * brings the destination's GPA list.
 */
int mig_link_connect(struct mig_link **out, const char *addr, uint16_t port,
		     const struct mig_hello *h);
int mig_open_remote(struct mig *m, int src_vm, struct mig_link *l);
const struct mig_hello *mig_link_hello(const struct mig_link *l);
int mig_link_open_streams(struct mig_link *l);
int mig_link_import(struct mig_link *l, struct mig_stream *from, unsigned int si,
		    uint32_t import_id, uint64_t *arg, unsigned int entries, uint64_t pages);
/* The destination compares with the source's hashes: 0, -EBADMSG, -errno. */
int mig_link_verify(struct mig_link *l, const struct mig_verify *v);
/* Shared memory pages @idx[0..@n) of @mem (at most the bundle size). */
int mig_link_shared(struct mig_link *l, const uint64_t *idx, unsigned int n, const void *mem);
/*
 * The source gives up: the destination aborts its import and answers with
 * its abort token, copied to @mbmd (true); false if none came (the link is
 * dead, or the destination never got far enough to need one).
 */
bool mig_link_abort(struct mig_link *l, const char *reason, void *mbmd);
/* Why the destination gave up, if it did ("" if not). */
const char *mig_link_why(const struct mig_link *l);
/* Tests: the network dies now (every connection shut down). */
void mig_link_cut(struct mig_link *l);
/* Tests: connection @c's socket, for frames the library never sends. */
int mig_link_fd(const struct mig_link *l, unsigned int c);
void mig_link_close(struct mig_link *l);
/* Post-copy: a thread turns the destination's FAULT frames into requests. */
int mig_link_serve_faults(struct mig_link *l, struct mig *m);
void mig_link_stop_faults(struct mig_link *l);

/* The phases. */
int mig_open(struct mig *m, int src_vm, int dst_vm, uint64_t npages, unsigned int nr_vcpus,
	     unsigned int nstreams, uint32_t buf_pages);
void mig_close(struct mig *m);
int mig_start(struct mig *m);
/* KVM_GET_DIRTY_LOG (or with @clear KVM_CLEAR_DIRTY_LOG) of m->dirty. */
int mig_dirty_log(struct mig *m, bool clear);
int mig_send_dirty(struct mig *m, bool block, uint64_t *count);
/*
 * The live phase, as a good VMM runs it: rounds while the TD runs, each a
 * new epoch (but the first), its private and its shared pages, then
 * mig_decide(). m->st says what it decided and why.
 */
int mig_live_rounds(struct mig *m);
/*
 * After round m->st.rounds - 1, which sent @sent pages in @secs, with
 * @dirty pages dirty now: switch over? The blackout is estimated as the
 * dirty pages at that round's export rate plus the state's time (the
 * immutable state's bundle, measured by mig_start()). Once it fits
 * m->downtime_ms (after min_rounds): MIG_SWITCH_TARGET. A guest that
 * dirtied more than half of what a round sent, two rounds in a row, is
 * not converging: with allow_postcopy, MIG_SWITCH_POSTCOPY; else with a
 * throttle callback the vCPUs are slowed (20 %, then 10 % more each time
 * it happens again, up to 90 %, as QEMU's auto-converge). The round cap is
 * mig_live_rounds()'s.
 */
enum mig_switch mig_decide(struct mig *m, uint64_t dirty, uint64_t sent, double secs);
int mig_finish(struct mig *m);
int mig_precopy(struct mig *m);
/*
 * Shared memory of @pages pages, mapped at @src (and @dst, a local
 * destination's), its dirty log in memslot @slot; the mappings are the
 * migration's from now on (mig_close() unmaps them).
 */
int mig_set_shared(struct mig *m, void *src, void *dst, uint32_t pages, uint32_t slot);
/*
 * One round of shared memory: the first sends every page, later ones what
 * the dirty log holds (taken out of it, so the next write logs it again).
 * Each live round ends with one, and the blackout before the TD's state.
 */
int mig_send_shared(struct mig *m);
/* A hash of @pages pages of shared memory, for comparing both sides. */
uint64_t mig_shared_hash(const void *mem, uint32_t pages);
/* At the end (mig_finish(), mig_postcopy_finish()): the kernel's counters into m->st. */
void mig_collect_stats(struct mig *m);

/*
 * Post-copy. mig_postcopy_commit(): pause, an epoch token, CANCEL of the
 * pages exported and dirtied since, TD and vCPU state and the start token;
 * the destination is committed and its vCPUs may run. The pages it lacks
 * then come in the background over the pool's streams, and on demand over a
 * stream of their own (the last one, when there are several) so that a
 * fault never waits behind a background batch.
 * mig_postcopy_fault(): a destination vCPU's exit on private @gfn: ask for
 * it and wait until it arrived (0), or -errno.
 * mig_postcopy_finish(): wait until every page arrived, then IMPORT_END;
 * stop the threads. mig_close() frees the state, once the vCPU threads
 * that may call mig_postcopy_fault() are done.
 */
int mig_postcopy_commit(struct mig *m);
int mig_postcopy_fault(struct mig *m, uint64_t gfn);
/* The same as a fetch callback of toucher_start() (guest_writer.h): @m is the mig. */
int mig_postcopy_fetch(void *m, uint64_t gfn);
int mig_postcopy_finish(struct mig *m);
/* Stop post-copy's threads and free its state (mig_close() does it too). */
void mig_postcopy_end(struct mig *m);
/* Across hosts: ask for @gfn (its vCPU waits on the destination's host). */
void mig_postcopy_request(struct mig *m, uint64_t gfn);
/* The library's own: entries a destination imported; a page to send once. */
void mig_postcopy_arrived(struct mig *m, const uint64_t *gpa_list, unsigned int n);
bool mig_postcopy_claim(struct mig *m, uint64_t gfn);
void mig_postcopy_yield(struct mig *m);
void mig_postcopy_unclaim(struct mig *m, const uint64_t *gfns, unsigned int n);

double mig_now_ms(void);
/* The time since *@since into *@ms, and *@since moves to now. */
void mig_lap(double *since, double *ms);

/* Fault latencies (ms), for their median and maximum; the caller serializes. */
struct mig_latencies {
	double *ms;
	uint64_t n, cap;
};

int mig_lat_init(struct mig_latencies *l, uint64_t cap);
/* Record one; beyond @cap they are not kept. */
void mig_lat_add(struct mig_latencies *l, double ms);
/* Median and maximum into *@median and *@max (left alone if none was recorded). */
void mig_lat_summary(struct mig_latencies *l, double *median, double *max);
void mig_lat_free(struct mig_latencies *l);
/* The summary both demos print; @compared: 0 if source and destination matched. */
void mig_print_summary(const struct mig *m, uint64_t mem_hash, bool vcpus, int compared);

#endif /* TDX_MIG_VMM_H */
