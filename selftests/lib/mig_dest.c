// SPDX-License-Identifier: GPL-2.0
/*
 * The destination VMM's end of the cross-host wire (mig_dest.h). A
 * migration opens with HELLO on the first connection: the destination
 * makes an empty TD of that shape, binds it to its MigTD, sets its
 * migration info and answers; after pre-migration it accepts one
 * connection per further stream and the fault channel. A thread per stream
 * reads each frame's parts straight into its stream's mappings, imports,
 * and answers with the GPA list the import wrote. Anything malformed, a
 * lost connection or the source's ABORT aborts the import: TDH.IMPORT.ABORT
 * writes the abort token, which goes back to the source with the reason.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "guest_writer.h"
#include "mig_dest.h"
#include "mig_wire.h"
#include "test_backend.h"

/* The source's host may come up minutes after this one, under TCG. */
#define ACCEPT_TIMEOUT_MS	300000
#define PREMIG_TIMEOUT_MS	60000
/* A fault not answered in this time is asked again (a lost request). */
#define ASK_AGAIN_MS		1000
#define MAX_PAGES		(1ULL << 20)	/* 4 GiB */

struct dest_conn {
	struct mig_dest *d;
	unsigned int index;
	int fd;
	pthread_mutex_t send_lock;
	pthread_mutex_t import_lock;	/* its stream's mappings and calls */
	pthread_t thread;
	bool started;
};

struct mig_dest {
	int listen_fd;
	pid_t migtd;
	bool prebind;			/* by @hash, before the binding */
	uint8_t hash[48];
	/* one migration; zeroed by mig_dest_finish() */
	struct mig_hello shape;
	int vm;
	struct mig_stream *streams;
	uint8_t *shared;		/* the TD's shared memory, shape.shared_pages */
	struct dest_conn *conn;		/* shape.nstreams streams, then the fault channel */
	unsigned int nconn;
	pthread_mutex_t lock;
	pthread_cond_t cv;		/* a page arrived, committed, ended, or failed */
	unsigned long *arrived;		/* the pages the TD holds */
	uint64_t vcpu_hash[MIG_VERIFY_MAX_VCPUS];
	bool committed;
	bool ended;			/* IMPORT_END done */
	bool verified;
	int error;
	bool failed;			/* dest_fail() is done */
	char why[300];
	struct mig_latencies lat;	/* of faults that waited */
	struct mig_dest_stats st;
};

static int deadline_poll(int fd, unsigned int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int ret = poll(&p, 1, ms);

	return ret < 0 ? -errno : ret ? 0 : -ETIMEDOUT;
}

int mig_dest_listen(struct mig_dest **out, const char *addr, uint16_t port, pid_t migtd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct mig_dest *d;
	int one = 1, ret;

	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->migtd = migtd;
	d->vm = -1;
	d->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (d->listen_fd < 0)
		goto fail;
	setsockopt(d->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(d->listen_fd, (struct sockaddr *)&a, sizeof(a)) || listen(d->listen_fd, 64))
		goto fail;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cv, NULL);
	*out = d;
	return 0;
fail:
	ret = -errno;
	if (d->listen_fd >= 0)
		close(d->listen_fd);
	free(d);
	return ret;
}

int mig_dest_vm(const struct mig_dest *d)
{
	return d->vm;
}

const struct mig_hello *mig_dest_shape(const struct mig_dest *d)
{
	return &d->shape;
}

const char *mig_dest_why(const struct mig_dest *d)
{
	return d->why;
}

const struct mig_dest_stats *mig_dest_stats(const struct mig_dest *d)
{
	return &d->st;
}

/* 0 or -errno; a dead connection also shows in its reader. */
static int send_on(struct dest_conn *c, struct mig_frame *f, const struct mig_parts *p)
{
	int ret;

	pthread_mutex_lock(&c->send_lock);
	f->stream = c->index;
	ret = mig_wire_send(c->fd, f, p);
	pthread_mutex_unlock(&c->send_lock);
	return ret;
}

/*
 * Give up (once): abort the import unless committed, tell the source why
 * with the abort token (TDH.IMPORT.ABORT runs on the first stream, as the
 * core wants), and end every connection. Reading ends first, so that no
 * thread is left waiting on the network and none imports any more.
 */
static void dest_fail(struct mig_dest *d, int err, const char *why)
{
	uint8_t token[MIG_WIRE_MBMD_LEN];
	const char *fate;
	uint64_t status;
	bool committed;
	unsigned int i;

	pthread_mutex_lock(&d->lock);
	if (d->error || (d->ended && d->verified)) {
		pthread_mutex_unlock(&d->lock);
		return;
	}
	d->error = err;
	snprintf(d->why, sizeof(d->why), "%s", why);
	pthread_mutex_unlock(&d->lock);
	for (i = 0; i < d->nconn; i++) {
		if (d->conn[i].fd >= 0)
			shutdown(d->conn[i].fd, SHUT_RD);
	}
	/* No import runs from here on: the commit is known, nothing races the abort. */
	for (i = 0; i < d->nconn; i++)
		pthread_mutex_lock(&d->conn[i].import_lock);
	pthread_mutex_lock(&d->lock);
	committed = d->committed;
	pthread_mutex_unlock(&d->lock);

	if (committed) {
		fprintf(stderr, "# destination: POST-COPY FAILED AFTER THE COMMIT: %s;\n", why);
		fprintf(stderr, "# the TD runs here without the pages still at the source\n");
	} else if (mig_cmd(&d->streams[0], KVM_TDX_MIG_IMPORT_ABORT, NULL, &status)) {
		fprintf(stderr, "# destination: TDH.IMPORT.ABORT failed (%s): TDX status %#llx\n",
			why, (unsigned long long)status);
	} else {
		struct mig_frame f = { .type = MIG_FRAME_ABORT, .cmd = -err,
				       .data_len = strlen(d->why), .mbmd_len = MIG_WIRE_MBMD_LEN };
		struct mig_parts p = { .data = d->why, .mbmd = token };

		memcpy(token, d->streams[0].mbmd, sizeof(token));
		fate = send_on(&d->conn[0], &f, &p) ?
		       "the link is down, the abort token stays here" :
		       "abort token sent to the source";
		fprintf(stderr, "# destination: import aborted (%s): %s\n", why, fate);
	}
	for (i = d->nconn; i--;)
		pthread_mutex_unlock(&d->conn[i].import_lock);
	for (i = 0; i < d->nconn; i++) {
		if (d->conn[i].fd >= 0)
			shutdown(d->conn[i].fd, SHUT_RDWR);
	}
	/* Only now may a waiter end the migration (and close the connections). */
	pthread_mutex_lock(&d->lock);
	d->failed = true;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->lock);
}

/* What each import command's bundle holds; the first thing wrong, or NULL. */
static const char *bundle_shape(const struct mig_frame *f)
{
	switch (f->cmd) {
	case KVM_TDX_MIG_IMPORT_MEM:
		return f->entries && f->entries == f->arg && f->mbmd_len &&
		       (!f->pages || f->pages == f->entries) ? NULL : "malformed memory bundle";
	case KVM_TDX_MIG_IMPORT_STATE_IMMUTABLE:
	case KVM_TDX_MIG_IMPORT_STATE_TD:
	case KVM_TDX_MIG_IMPORT_STATE_VP:
		return f->mbmd_len && !f->entries && f->pages == f->arg ?
		       NULL : "malformed state bundle";
	case KVM_TDX_MIG_IMPORT_TRACK:
		return f->mbmd_len && !f->entries && !f->pages && f->arg <= 1 ?
		       NULL : "malformed token";
	case KVM_TDX_MIG_IMPORT_END:
		return !f->mbmd_len && !f->entries && !f->pages && !f->arg ?
		       NULL : "malformed IMPORT_END";
	default:
		return "not an import command";
	}
}

/* After IMPORT_MEM: the pages the TD now holds (a CANCEL takes one away). */
static void note_imported(struct mig_dest *d, const uint64_t *list, unsigned int n)
{
	unsigned int k;

	pthread_mutex_lock(&d->lock);
	for (k = 0; k < n; k++) {
		uint64_t gfn = (list[k] & GPA_ADDR_MASK) / MIG_PAGE_SIZE;
		uint64_t op = (list[k] & GPA_OP_MASK) >> GPA_OP_SHIFT;

		if ((list[k] & GPA_STATUS_MASK) || gfn >= d->shape.npages)
			continue;
		mig_assign_bit(d->arrived, gfn, op != GPA_OP_CANCEL);
		if (op != GPA_OP_CANCEL)
			d->st.pages++;
	}
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->lock);
}

/* The commit: the vCPUs as imported, before any runs, for VERIFY. */
static void note_committed(struct mig_dest *d)
{
	unsigned int v;

	for (v = 0; v < d->shape.nr_vcpus; v++)
		tb_vcpu_hash(d->vm, v, &d->vcpu_hash[v]);
	pthread_mutex_lock(&d->lock);
	d->committed = true;
	d->st.commit_ms = mig_now_ms();
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->lock);
}

static int import_locked(struct dest_conn *c, const struct mig_frame *f);

static int import_bundle(struct dest_conn *c, const struct mig_frame *f, const char **why)
{
	int ret;

	*why = bundle_shape(f);
	if (*why)
		return -EPROTO;
	pthread_mutex_lock(&c->import_lock);
	/* After a failure nothing more is imported. */
	ret = __atomic_load_n(&c->d->error, __ATOMIC_ACQUIRE) ? -ECANCELED :
	      import_locked(c, f);
	pthread_mutex_unlock(&c->import_lock);
	return ret;
}

/* Read the parts into the stream's mappings, import, answer. */
static int import_locked(struct dest_conn *c, const struct mig_frame *f)
{
	struct mig_dest *d = c->d;
	struct mig_stream *s = &d->streams[c->index];
	struct mig_frame r = { .type = MIG_FRAME_RESULT, .entries = f->entries };
	struct mig_parts p = { .gpa_list = s->gpa_list };
	bool track = f->cmd == KVM_TDX_MIG_IMPORT_TRACK, end = f->cmd == KVM_TDX_MIG_IMPORT_END;
	int ret;

	ret = mig_wire_recv(c->fd, s->mbmd, f->mbmd_len) ?:
	      mig_wire_recv(c->fd, s->gpa_list, f->entries * 8ULL) ?:
	      mig_wire_recv(c->fd, s->mac, f->mac_len) ?:
	      mig_wire_recv(c->fd, s->bufs, f->pages * MIG_PAGE_SIZE);
	if (ret)
		return ret;
	r.arg = f->arg;
	ret = mig_cmd_retry_status(s, f->cmd, track || end ? NULL : &r.arg, NULL, &r.status);
	r.cmd = -ret;
	__atomic_add_fetch(&d->st.bundles, 1, __ATOMIC_RELAXED);
	if (!ret && f->cmd == KVM_TDX_MIG_IMPORT_MEM)
		note_imported(d, s->gpa_list, f->entries);
	if (!ret && track && f->arg)
		note_committed(d);
	if (!ret && end) {
		pthread_mutex_lock(&d->lock);
		d->ended = true;
		d->st.end_ms = mig_now_ms();
		pthread_mutex_unlock(&d->lock);
	}
	send_on(c, &r, &p);
	return 0;
}

/*
 * Shared memory pages, into the TD's shared memory: only on stream 0 and
 * before the commit (the TD must not run on stale shared memory).
 */
static int shared_pages(struct dest_conn *c, const struct mig_frame *f, const char **why)
{
	struct mig_dest *d = c->d;
	struct mig_frame r = { .type = MIG_FRAME_RESULT };
	uint64_t idx[MIG_WIRE_MAX_PAGES];
	unsigned int i;
	int ret;

	if (c->index || !d->shared) {
		*why = c->index ? "shared memory on a stream other than 0" : "no shared memory";
		return -EPROTO;
	}
	ret = mig_wire_recv(c->fd, idx, f->data_len);
	for (i = 0; !ret && i < f->pages; i++) {
		if (idx[i] >= d->shape.shared_pages) {
			*why = "shared page index out of range";
			return -EPROTO;
		}
	}
	pthread_mutex_lock(&d->lock);
	if (!ret && d->committed) {
		*why = "shared memory after the commit";
		ret = -EPROTO;
	}
	pthread_mutex_unlock(&d->lock);
	for (i = 0; !ret && i < f->pages; i++)
		ret = mig_wire_recv(c->fd, d->shared + idx[i] * MIG_PAGE_SIZE, MIG_PAGE_SIZE);
	if (ret)
		return ret;
	__atomic_add_fetch(&d->st.shared_pages, f->pages, __ATOMIC_RELAXED);
	send_on(c, &r, NULL);
	return 0;
}

static int verify(struct dest_conn *c, const struct mig_frame *f)
{
	struct mig_dest *d = c->d;
	struct mig_frame r = { .type = MIG_FRAME_RESULT };
	struct mig_verify v;
	uint64_t h = 0;
	unsigned int i;
	int ret;

	ret = mig_wire_recv(c->fd, &v, sizeof(v));
	if (ret)
		return ret;
	if (!d->ended || v.nr_vcpus != d->shape.nr_vcpus)
		ret = -EINVAL;
	else
		ret = tb_mem_hash(d->vm, d->shape.npages * MIG_PAGE_SIZE, &h);
	if (!ret && h != v.mem_hash)
		ret = -EBADMSG;
	for (i = 0; !ret && i < v.nr_vcpus; i++)
		ret = d->vcpu_hash[i] == v.vcpu_hash[i] ? 0 : -EBADMSG;
	if (!ret && d->shared &&
	    mig_shared_hash(d->shared, d->shape.shared_pages) != v.shared_hash)
		ret = -EBADMSG;
	r.cmd = -ret;
	r.stream = c->index;
	/*
	 * Told and answered under the send lock: the waiter's
	 * mig_dest_finish() ends no connection in the middle of the answer.
	 */
	pthread_mutex_lock(&c->send_lock);
	pthread_mutex_lock(&d->lock);
	d->verified = true;
	d->st.verify = ret;
	d->st.mem_hash = h;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->lock);
	mig_wire_send(c->fd, &r, NULL);
	pthread_mutex_unlock(&c->send_lock);
	return 0;
}

/* The source gave up: abort, answering with the token (dest_fail does both). */
static void source_abort(struct dest_conn *c, const struct mig_frame *f)
{
	char reason[MIG_WIRE_MAX_DATA + 1] = "", why[MIG_WIRE_MAX_DATA + 64];

	if (mig_wire_recv(c->fd, reason, f->data_len) ||
	    mig_wire_recv(c->fd, NULL, f->mbmd_len + f->entries * 8ULL))
		snprintf(reason, sizeof(reason), "(reason lost)");
	snprintf(why, sizeof(why), "the source aborted: %s", reason);
	dest_fail(c->d, -ECANCELED, why);
}

/* Imported to the end and compared: a connection may close now. */
static bool migration_over(struct mig_dest *d)
{
	bool over;

	pthread_mutex_lock(&d->lock);
	over = d->ended && d->verified;
	pthread_mutex_unlock(&d->lock);
	return over;
}

static void *stream_fn(void *arg)
{
	struct dest_conn *c = arg;
	struct mig_dest *d = c->d;
	struct mig_wire_limits lim = { .stream = c->index, .max_entries = MIG_WIRE_MAX_ENTRIES,
				       .max_pages = d->streams[c->index].buf_list_pages };
	char buf[128];
	struct mig_frame f;
	const char *why;
	int ret;

	for (;;) {
		why = NULL;
		ret = mig_wire_recv_header(c->fd, &lim, &f, &why);
		if (!ret && f.type == MIG_FRAME_BUNDLE)
			ret = import_bundle(c, &f, &why);
		else if (!ret && f.type == MIG_FRAME_VERIFY)
			ret = verify(c, &f);
		else if (!ret && f.type == MIG_FRAME_SHARED)
			ret = shared_pages(c, &f, &why);
		else if (!ret && f.type == MIG_FRAME_ABORT)
			source_abort(c, &f);
		else if (!ret)
			ret = -EPROTO, why = "a frame the source never sends";
		if (!ret && f.type != MIG_FRAME_ABORT)
			continue;
		if (ret == -ECONNRESET && migration_over(d))
			break;	/* the source closed it after VERIFY */
		if (ret) {
			if (!why)
				why = ret == -ECONNRESET ? "the connection ended" : strerror(-ret);
			snprintf(buf, sizeof(buf), "stream %u: %s", c->index, why);
			dest_fail(d, ret, buf);
		}
		break;
	}
	return NULL;
}

/* The shape a source may ask for; NULL if it is fine. */
static const char *check_hello(const struct mig_hello *h)
{
	if (!h->npages || h->npages > MAX_PAGES)
		return "memory size out of range";
	if (!h->nr_vcpus || h->nr_vcpus > MIG_VERIFY_MAX_VCPUS)
		return "vCPU count out of range";
	if (!h->nstreams || h->nstreams > MIG_MAX_STREAMS)
		return "stream count out of range";
	if (!h->buf_pages || h->buf_pages > MIG_WIRE_MAX_PAGES)
		return "buffer pages out of range";
	if (h->flags & ~MIG_HELLO_F_POSTCOPY)
		return "unknown flags set";
	if (h->shared_pages && h->shared_pages != TB_TD_SHARED_PAGES)
		return "shared memory unlike this host's TDs";
	return NULL;
}

/* Accept a connection and read its HELLO; the stream it names in *@stream. */
static int accept_hello(struct mig_dest *d, struct mig_hello *h, uint32_t *stream,
			const char **why)
{
	struct mig_wire_limits lim = { .stream = MIG_WIRE_ANY_STREAM };
	struct timeval hello_wait = { .tv_sec = 30 }, forever = {};
	struct mig_frame f;
	int fd, ret;

	*why = NULL;
	ret = deadline_poll(d->listen_fd, ACCEPT_TIMEOUT_MS);
	if (ret)
		return ret;
	fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	mig_wire_tune(fd);
	/* A peer that connects and says nothing is not waited for. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &hello_wait, sizeof(hello_wait));
	ret = mig_wire_recv_header(fd, &lim, &f, why) ?: mig_wire_recv(fd, h, sizeof(*h));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &forever, sizeof(forever));
	if (!ret)
		*why = check_hello(h);
	if (!ret && *why)
		ret = -EPROTO;
	if (ret) {
		if (*why)
			mig_wire_send_abort(fd, f.stream, EPROTO, *why, NULL);
		close(fd);
		return ret;
	}
	*stream = f.stream;
	return fd;
}

/* Refuse the migration on @fd, saying why (kept in d->why): @err. */
static int refuse(struct mig_dest *d, int fd, uint32_t stream, int err, const char *why)
{
	snprintf(d->why, sizeof(d->why), "%s", why ?: strerror(-err));
	mig_wire_send_abort(fd, stream, -err, d->why, NULL);
	return err;
}

static void answer(struct dest_conn *c, int err)
{
	struct mig_frame r = { .type = MIG_FRAME_RESULT, .cmd = -err };

	send_on(c, &r, NULL);
}

static int alloc_migration(struct mig_dest *d)
{
	size_t words = (d->shape.npages + BITS_PER_UL - 1) / BITS_PER_UL;
	unsigned int i;

	d->streams = calloc(d->shape.nstreams, sizeof(*d->streams));
	for (i = 0; d->streams && i < d->shape.nstreams; i++)
		d->streams[i].fd = -1;
	d->conn = calloc(d->shape.nstreams + 1, sizeof(*d->conn));
	d->arrived = calloc(words, sizeof(unsigned long));
	if (mig_lat_init(&d->lat, d->shape.npages * 4) || !d->streams || !d->conn || !d->arrived)
		return -ENOMEM;
	d->nconn = d->shape.nstreams + 1;
	for (i = 0; i < d->nconn; i++) {
		d->conn[i] = (struct dest_conn){ .d = d, .index = i, .fd = -1 };
		pthread_mutex_init(&d->conn[i].send_lock, NULL);
		pthread_mutex_init(&d->conn[i].import_lock, NULL);
	}
	return 0;
}

/* The destination TD, bound to the MigTD, its migration info set. */
static int make_td(struct mig_dest *d, const char **why)
{
	uint64_t status = 0;
	int ret;

	d->vm = tb_create_bound(d->shape.npages * MIG_PAGE_SIZE, d->shape.nr_vcpus, true,
				d->migtd, d->prebind ? d->hash : NULL, &status);
	if (d->vm < 0) {
		*why = "cannot create the destination TD and bind it to its MigTD";
		return d->vm;
	}
	ret = vm_set_migration_info(d->vm, false, d->shape.migtd_port);
	if (ret) {
		*why = "cannot set the migration info";
		return ret;
	}
	if (d->shape.shared_pages) {
		ret = tb_shared_map(d->vm, d->shape.shared_pages, (void **)&d->shared);
		if (ret)
			*why = "cannot map the TD's shared memory";
	}
	return ret;
}

void mig_dest_prebind(struct mig_dest *d, const uint8_t hash[48])
{
	memcpy(d->hash, hash, sizeof(d->hash));
	d->prebind = true;
}

int mig_dest_accept(struct mig_dest *d)
{
	const char *why = NULL;
	struct mig_hello h;
	unsigned int i, n;
	uint32_t stream;
	int fd, ret;

	memset(&d->st, 0, sizeof(d->st));
	d->why[0] = 0;
	fd = accept_hello(d, &d->shape, &stream, &why);
	if (fd < 0) {
		snprintf(d->why, sizeof(d->why), "first connection: %s",
			 why ?: strerror(-fd));
		return fd;
	}
	ret = stream ? -EPROTO : alloc_migration(d);
	if (ret) {
		refuse(d, fd, stream, ret, stream ? "the first connection must be stream 0" : NULL);
		close(fd);
		return ret;
	}
	d->conn[0].fd = fd;
	ret = make_td(d, &why) ?: mig_stream_open(d->vm, d->shape.buf_pages, &d->streams[0]);
	if (ret)
		return refuse(d, fd, 0, ret, why);
	answer(&d->conn[0], 0);
	/* The source's VMM sets its migration info now; then both MigTDs meet. */
	ret = mig_premig_wait(&d->vm, 1, PREMIG_TIMEOUT_MS);
	if (ret) {
		snprintf(d->why, sizeof(d->why), "pre-migration: %s", strerror(-ret));
		return ret;
	}
	for (n = 1; n < d->nconn; n++) {
		fd = accept_hello(d, &h, &stream, &why);
		if (fd < 0) {
			snprintf(d->why, sizeof(d->why), "stream connection: %s",
				 why ?: strerror(-fd));
			return fd;
		}
		why = memcmp(&h, &d->shape, sizeof(h)) ? "HELLO differs from the first" :
		      !stream || stream >= d->nconn || d->conn[stream].fd >= 0 ?
		      "HELLO for no free stream" : NULL;
		if (!why && stream < d->shape.nstreams)
			ret = mig_stream_open(d->vm, d->shape.buf_pages, &d->streams[stream]);
		if (why || ret) {
			ret = refuse(d, fd, stream, why ? -EPROTO : ret, why);
			close(fd);
			return ret;
		}
		d->conn[stream].fd = fd;
		answer(&d->conn[stream], 0);
	}
	for (i = 0; i < d->shape.nstreams; i++) {
		if (pthread_create(&d->conn[i].thread, NULL, stream_fn, &d->conn[i]))
			return -EAGAIN;
		d->conn[i].started = true;
	}
	return 0;
}

int mig_dest_wait(struct mig_dest *d, enum mig_dest_event e)
{
	int ret;

	pthread_mutex_lock(&d->lock);
	while (!d->failed && !(e == MIG_DEST_COMMITTED ? d->committed : d->verified))
		pthread_cond_wait(&d->cv, &d->lock);
	ret = d->error ?: e == MIG_DEST_VERIFIED ? d->st.verify : 0;
	pthread_mutex_unlock(&d->lock);
	return ret;
}

static void ask(struct mig_dest *d, uint64_t gfn)
{
	struct mig_frame f = { .type = MIG_FRAME_FAULT, .arg = gfn };

	__atomic_add_fetch(&d->st.fault_requests, 1, __ATOMIC_RELAXED);
	send_on(&d->conn[d->nconn - 1], &f, NULL);
}

int mig_dest_fetch(void *opaque, uint64_t gfn)
{
	struct mig_dest *d = opaque;
	double t = mig_now_ms();
	struct timespec until;
	int ret = 0;

	if (gfn >= d->shape.npages)
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	while (!mig_test_bit(d->arrived, gfn) && !d->error) {
		pthread_mutex_unlock(&d->lock);
		ask(d, gfn);
		pthread_mutex_lock(&d->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += ASK_AGAIN_MS / 1000;
		while (!mig_test_bit(d->arrived, gfn) && !d->error &&
		       pthread_cond_timedwait(&d->cv, &d->lock, &until) != ETIMEDOUT)
			;
	}
	if (!mig_test_bit(d->arrived, gfn))
		ret = d->error ?: -EIO;
	else
		mig_lat_add(&d->lat, mig_now_ms() - t);
	pthread_mutex_unlock(&d->lock);
	return ret;
}

int mig_dest_run(struct mig_dest *d, void (*event)(struct mig_dest *d, enum mig_dest_event e),
		 bool *committed, uint64_t *fetched)
{
	struct guest_toucher t;
	bool touching = false;
	int ret, tret;

	*committed = false;
	*fetched = 0;
	ret = mig_dest_accept(d);
	if (!ret && event)
		event(d, MIG_DEST_ACCEPTED);
	if (!ret && (d->shape.flags & MIG_HELLO_F_POSTCOPY)) {
		ret = mig_dest_wait(d, MIG_DEST_COMMITTED);
		if (!ret && event)
			event(d, MIG_DEST_COMMITTED);
		if (!ret)
			ret = toucher_start(&t, d->vm, d->shape.nr_vcpus, d->shape.npages, NULL, 0,
					    mig_dest_fetch, d);
		touching = !ret;
	}
	if (!ret)
		ret = mig_dest_wait(d, MIG_DEST_VERIFIED);
	pthread_mutex_lock(&d->lock);
	*committed = d->committed;
	pthread_mutex_unlock(&d->lock);
	if (touching) {
		/* After a failed post-copy a vCPU that touched a lost page failed too. */
		tret = toucher_wait(&t, fetched);
		ret = ret ?: tret;
	}
	return ret;
}

void mig_dest_finish(struct mig_dest *d)
{
	struct kvm_tdx_mig_stats ks;
	unsigned int i;

	/* A frame being sent goes out whole first. */
	for (i = 0; d->conn && i < d->nconn; i++) {
		pthread_mutex_lock(&d->conn[i].send_lock);
		if (d->conn[i].fd >= 0)
			shutdown(d->conn[i].fd, SHUT_RDWR);
		pthread_mutex_unlock(&d->conn[i].send_lock);
	}
	for (i = 0; d->conn && i < d->nconn; i++) {
		if (d->conn[i].started)
			pthread_join(d->conn[i].thread, NULL);
		if (d->conn[i].fd >= 0)
			close(d->conn[i].fd);
		pthread_mutex_destroy(&d->conn[i].send_lock);
		pthread_mutex_destroy(&d->conn[i].import_lock);
	}
	for (i = 0; d->streams && i < d->shape.nstreams; i++) {
		if (d->streams[i].fd >= 0 && !mig_get_stats(&d->streams[i], &ks))
			d->st.resumptions += ks.resumptions;
		if (d->streams[i].fd >= 0)
			mig_stream_close(&d->streams[i]);
	}
	d->st.fetched = d->lat.n;
	mig_lat_summary(&d->lat, &d->st.fault_median_ms, &d->st.fault_max_ms);
	if (d->shared)
		munmap(d->shared, d->shape.shared_pages * MIG_PAGE_SIZE);
	d->shared = NULL;
	if (d->vm >= 0)
		close(d->vm);
	free(d->streams);
	free(d->conn);
	free(d->arrived);
	mig_lat_free(&d->lat);
	d->vm = -1;
	d->streams = NULL;
	d->conn = NULL;
	d->arrived = NULL;
	d->nconn = 0;
	d->committed = false;
	d->ended = false;
	d->verified = false;
	d->error = 0;
	d->failed = false;
}

void mig_dest_close(struct mig_dest *d)
{
	if (!d)
		return;
	mig_dest_finish(d);
	close(d->listen_fd);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cv);
	free(d);
}
