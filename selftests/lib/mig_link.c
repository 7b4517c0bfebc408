// SPDX-License-Identifier: GPL-2.0
/*
 * The source VMM's end of the cross-host wire (tdx_mig_vmm.h, mig_wire.h):
 * one connection per stream, each carrying one frame and its answer at a
 * time, and the fault channel on which the destination asks for pages in
 * post-copy. Bundles go from the source stream's mappings to the socket;
 * the VMM copies no page.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "mig_wire.h"
#include "tdx_mig_vmm.h"

struct link_conn {
	int fd;
	pthread_mutex_t lock;	/* one frame and its answer at a time */
};

struct mig_link {
	struct sockaddr_in addr;
	struct mig_hello hello;
	struct link_conn *conn;	/* hello.nstreams streams, then the fault channel */
	unsigned int nconn;
	pthread_mutex_t lock;	/* @why, @token */
	char why[256];		/* the destination's ABORT reason */
	uint8_t token[MIG_WIRE_MBMD_LEN];
	bool have_token;
	bool aborted;		/* the destination sent ABORT */
	struct mig *m;		/* post-copy: whose faults the thread serves */
	pthread_t fault_thread;
	bool faults_started;
};

const struct mig_hello *mig_link_hello(const struct mig_link *l)
{
	return &l->hello;
}

const char *mig_link_why(const struct mig_link *l)
{
	return l->why;
}

/* How long the source waits for the destination's answer to its ABORT. */
#define ABORT_TIMEOUT_MS	30000
/* The destination's host or VMM may not be up yet: try for this long. */
#define DIAL_TIMEOUT_MS		120000

static bool worth_retrying(int err)
{
	return err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH ||
	       err == ETIMEDOUT;
}

static int dial(const struct sockaddr_in *a)
{
	double end = mig_now_ms() + DIAL_TIMEOUT_MS;
	int fd, err;

	for (;;) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (!connect(fd, (const struct sockaddr *)a, sizeof(*a))) {
			mig_wire_tune(fd);
			return fd;
		}
		err = errno;
		close(fd);
		if (!worth_retrying(err) || mig_now_ms() > end)
			return -err;
		usleep(200000);
	}
}

/* The destination gave up: keep its reason and its abort token. */
static int take_abort(struct mig_link *l, int fd, const struct mig_frame *f)
{
	char why[MIG_WIRE_MAX_DATA + 1] = "";
	uint8_t token[MIG_WIRE_MBMD_LEN];
	int ret;

	ret = mig_wire_recv(fd, why, f->data_len) ?:
	      mig_wire_recv(fd, f->mbmd_len ? token : NULL, f->mbmd_len) ?:
	      mig_wire_recv(fd, NULL, f->entries * 8ULL);
	pthread_mutex_lock(&l->lock);
	if (!l->aborted) {
		snprintf(l->why, sizeof(l->why), "%s", ret ? "(reason lost)" : why);
		l->aborted = true;
	}
	if (!ret && f->mbmd_len && !l->have_token) {
		memcpy(l->token, token, sizeof(token));
		l->have_token = true;
	}
	pthread_mutex_unlock(&l->lock);
	fprintf(stderr, "# tdx_mig_vmm: the destination aborted: %s\n", l->why);
	return -ECONNABORTED;
}

/*
 * Send @f on connection @c and read its answer: RESULT's errno, with its
 * arg in *@arg and its GPA-list entries into @list (at most @max), or
 * -ECONNABORTED after an ABORT, -errno for a dead connection.
 */
static int call(struct mig_link *l, unsigned int c, struct mig_frame *f,
		const struct mig_parts *p, uint64_t *arg, uint64_t *list, unsigned int max)
{
	struct mig_wire_limits lim = { .stream = c, .max_entries = max };
	struct link_conn *conn = &l->conn[c];
	struct mig_frame r;
	const char *why;
	int ret;

	f->stream = c;
	pthread_mutex_lock(&conn->lock);
	ret = conn->fd < 0 ? -ENOTCONN : mig_wire_send(conn->fd, f, p);
	if (!ret)
		ret = mig_wire_recv_header(conn->fd, &lim, &r, &why);
	if (ret == -EPROTO)
		fprintf(stderr, "# tdx_mig_vmm: bad answer on stream %u: %s\n", c, why);
	if (!ret && r.type == MIG_FRAME_ABORT) {
		ret = take_abort(l, conn->fd, &r);
	} else if (!ret && r.type != MIG_FRAME_RESULT) {
		fprintf(stderr, "# tdx_mig_vmm: %s where a RESULT was due\n",
			mig_frame_name(r.type));
		ret = -EPROTO;
	} else if (!ret) {
		ret = mig_wire_recv(conn->fd, NULL, r.data_len + (uint64_t)r.mbmd_len) ?:
		      mig_wire_recv(conn->fd, list, r.entries * 8ULL);
		/* An import's answer carries all of its entries, and a real errno. */
		if (!ret && (r.entries != max || r.cmd > 4095)) {
			fprintf(stderr, "# tdx_mig_vmm: malformed RESULT on stream %u\n", c);
			ret = -EPROTO;
		}
		if (!ret && arg)
			*arg = r.arg;
		if (!ret && r.cmd) {
			ret = -(int)r.cmd;
			fprintf(stderr, "# tdx_mig_vmm: the destination's command %u failed: %s, ",
				f->cmd, strerror(r.cmd));
			fprintf(stderr, "TDX status %#llx\n", (unsigned long long)r.status);
		}
	}
	pthread_mutex_unlock(&conn->lock);
	return ret;
}

/* Connection @c: dial, and HELLO answered. */
static int open_conn(struct mig_link *l, unsigned int c)
{
	struct mig_frame f = { .type = MIG_FRAME_HELLO, .data_len = sizeof(l->hello) };
	struct mig_parts p = { .data = &l->hello };

	l->conn[c].fd = dial(&l->addr);
	if (l->conn[c].fd < 0)
		return l->conn[c].fd;
	return call(l, c, &f, &p, NULL, NULL, 0);
}

static struct mig_link *link_alloc(const struct mig_hello *h)
{
	struct mig_link *l = calloc(1, sizeof(*l));
	unsigned int c;

	if (!l)
		return NULL;
	l->hello = *h;
	l->nconn = h->nstreams + 1;
	l->conn = calloc(l->nconn, sizeof(*l->conn));
	if (!l->conn) {
		free(l);
		return NULL;
	}
	for (c = 0; c < l->nconn; c++) {
		l->conn[c].fd = -1;
		pthread_mutex_init(&l->conn[c].lock, NULL);
	}
	pthread_mutex_init(&l->lock, NULL);
	return l;
}

int mig_link_connect(struct mig_link **out, const char *addr, uint16_t port,
		     const struct mig_hello *h)
{
	struct mig_link *l;
	int ret;

	*out = NULL;
	if (!h->nstreams || h->nstreams > MIG_MAX_STREAMS || h->buf_pages > MIG_WIRE_MAX_PAGES)
		return -EINVAL;
	l = link_alloc(h);
	if (!l)
		return -ENOMEM;
	l->addr = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port) };
	if (inet_pton(AF_INET, addr, &l->addr.sin_addr) != 1) {
		mig_link_close(l);
		return -EINVAL;
	}
	ret = open_conn(l, 0);
	if (ret) {
		mig_link_close(l);
		return ret;
	}
	*out = l;
	return 0;
}

int mig_link_open_streams(struct mig_link *l)
{
	unsigned int c;
	int ret;

	for (c = 1, ret = 0; c < l->nconn && !ret; c++)
		ret = open_conn(l, c);
	return ret;
}

int mig_link_import(struct mig_link *l, struct mig_stream *from, unsigned int si,
		    uint32_t import_id, uint64_t *arg, unsigned int entries, uint64_t pages)
{
	struct mig_frame f = { .type = MIG_FRAME_BUNDLE, .cmd = import_id,
			       .arg = arg ? *arg : 0, .entries = entries, .pages = pages,
			       .mbmd_len = mig_import_reads_mbmd(import_id) ? MIG_WIRE_MBMD_LEN : 0,
			       .mac_len = entries ? MIG_WIRE_MAC_LEN : 0 };
	struct mig_parts p = { .mbmd = from->mbmd, .gpa_list = from->gpa_list, .mac = from->mac,
			       .bufs = from->bufs };

	if (si >= l->hello.nstreams || entries > MIG_WIRE_MAX_ENTRIES ||
	    pages > MIG_WIRE_MAX_PAGES)
		return -EINVAL;
	return call(l, si, &f, &p, arg, entries ? from->gpa_list : NULL, entries);
}

int mig_link_shared(struct mig_link *l, const uint64_t *idx, unsigned int n, const void *mem)
{
	struct mig_frame f = { .type = MIG_FRAME_SHARED, .data_len = n * 8, .pages = n };
	const void *pages[MIG_WIRE_MAX_PAGES];
	struct mig_parts p = { .data = idx, .page_ptrs = pages };
	unsigned int i;

	if (!n || n > MIG_WIRE_MAX_PAGES || n > l->hello.buf_pages)
		return -EINVAL;
	/* The pages go straight from the VMM's shared memory. */
	for (i = 0; i < n; i++) {
		if (idx[i] >= l->hello.shared_pages)
			return -EINVAL;
		pages[i] = (const uint8_t *)mem + idx[i] * MIG_PAGE_SIZE;
	}
	return call(l, 0, &f, &p, NULL, NULL, 0);
}

int mig_link_verify(struct mig_link *l, const struct mig_verify *v)
{
	struct mig_frame f = { .type = MIG_FRAME_VERIFY, .data_len = sizeof(*v) };
	struct mig_parts p = { .data = v };

	return call(l, 0, &f, &p, NULL, NULL, 0);
}

bool mig_link_abort(struct mig_link *l, const char *reason, void *mbmd)
{
	struct link_conn *conn = &l->conn[0];
	struct mig_wire_limits lim = {};
	struct mig_frame r;
	const char *why;
	bool got;

	pthread_mutex_lock(&conn->lock);
	/* The destination may have sent its ABORT already: then only read it. */
	if (!l->aborted && conn->fd >= 0) {
		struct pollfd pfd = { .fd = conn->fd, .events = POLLIN };

		if (poll(&pfd, 1, 0) != 1)
			mig_wire_send_abort(conn->fd, 0, ECANCELED, reason, NULL);
		/* A destination that never answers leaves the source without a token. */
		if (poll(&pfd, 1, ABORT_TIMEOUT_MS) == 1 &&
		    !mig_wire_recv_header(conn->fd, &lim, &r, &why) && r.type == MIG_FRAME_ABORT)
			take_abort(l, conn->fd, &r);
	}
	pthread_mutex_unlock(&conn->lock);
	pthread_mutex_lock(&l->lock);
	got = l->have_token;
	if (got)
		memcpy(mbmd, l->token, sizeof(l->token));
	pthread_mutex_unlock(&l->lock);
	return got;
}

int mig_link_fd(const struct mig_link *l, unsigned int c)
{
	return c < l->nconn ? l->conn[c].fd : -EINVAL;
}

void mig_link_cut(struct mig_link *l)
{
	unsigned int c;

	for (c = 0; c < l->nconn; c++) {
		if (l->conn[c].fd >= 0)
			shutdown(l->conn[c].fd, SHUT_RDWR);
	}
}

/* Post-copy: FAULT frames become requests until the channel ends. */
static void *fault_fn(void *arg)
{
	struct mig_link *l = arg;
	struct mig_wire_limits lim = { .stream = l->nconn - 1 };
	int fd = l->conn[l->nconn - 1].fd, ret;
	struct mig_frame f;
	const char *why;

	while (!(ret = mig_wire_recv_header(fd, &lim, &f, &why)) && f.type == MIG_FRAME_FAULT)
		mig_postcopy_request(l->m, f.arg);
	if (!ret && f.type == MIG_FRAME_ABORT)
		take_abort(l, fd, &f);
	else if (!ret)
		fprintf(stderr, "# tdx_mig_vmm: fault channel: %s where a FAULT was due\n",
			mig_frame_name(f.type));
	else if (ret == -EPROTO)
		fprintf(stderr, "# tdx_mig_vmm: fault channel: %s\n", why);
	return NULL;
}

int mig_link_serve_faults(struct mig_link *l, struct mig *m)
{
	l->m = m;
	if (pthread_create(&l->fault_thread, NULL, fault_fn, l))
		return -EAGAIN;
	l->faults_started = true;
	return 0;
}

void mig_link_stop_faults(struct mig_link *l)
{
	if (!l->faults_started)
		return;
	/* The destination closes it at the end; a dead link ends it too. */
	shutdown(l->conn[l->nconn - 1].fd, SHUT_RD);
	pthread_join(l->fault_thread, NULL);
	l->faults_started = false;
}

void mig_link_close(struct mig_link *l)
{
	unsigned int c;

	if (!l)
		return;
	mig_link_stop_faults(l);
	for (c = 0; c < l->nconn; c++) {
		if (l->conn[c].fd >= 0)
			close(l->conn[c].fd);
		pthread_mutex_destroy(&l->conn[c].lock);
	}
	pthread_mutex_destroy(&l->lock);
	free(l->conn);
	free(l);
}
