// SPDX-License-Identifier: GPL-2.0
/* The cross-host wire's frames (mig_wire.h): encoding, checks, sockets. */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "mig_wire.h"

static_assert(sizeof(struct mig_frame) == 56, "the wire header is 56 bytes");
static_assert(sizeof(struct mig_hello) == 32, "HELLO's data is 32 bytes");
static_assert(sizeof(struct mig_verify) == 88, "VERIFY's data is 88 bytes");

/* CRC-32C (Castagnoli), reflected, bit by bit: headers are 56 bytes. */
uint32_t mig_crc32c(uint32_t crc, const void *buf, uint64_t len)
{
	const uint8_t *p = buf;
	int k;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78U & -(crc & 1));
	}
	return ~crc;
}

/* The header in wire byte order (little-endian), either way. */
static void swap_header(struct mig_frame *f)
{
	f->magic = htole32(f->magic);
	f->version = htole16(f->version);
	f->type = htole16(f->type);
	f->stream = htole32(f->stream);
	f->cmd = htole32(f->cmd);
	f->arg = htole64(f->arg);
	f->status = htole64(f->status);
	f->data_len = htole32(f->data_len);
	f->mbmd_len = htole32(f->mbmd_len);
	f->entries = htole32(f->entries);
	f->mac_len = htole32(f->mac_len);
	f->pages = htole32(f->pages);
	f->crc = htole32(f->crc);
}

void mig_wire_tune(int fd)
{
	int one = 1, idle = 20, intvl = 5, cnt = 4, user_ms = 60000;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_ms, sizeof(user_ms));
}

static const char *const frame_names[MIG_FRAME_TYPES] = {
	[MIG_FRAME_HELLO] = "HELLO",	[MIG_FRAME_BUNDLE] = "BUNDLE",
	[MIG_FRAME_VERIFY] = "VERIFY",	[MIG_FRAME_RESULT] = "RESULT",
	[MIG_FRAME_FAULT] = "FAULT",	[MIG_FRAME_ABORT] = "ABORT",
	[MIG_FRAME_SHARED] = "SHARED",
};

const char *mig_frame_name(uint16_t type)
{
	return type && type < MIG_FRAME_TYPES ? frame_names[type] : "unknown";
}

static int send_all(int fd, struct iovec *iov, int n)
{
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = n };
	ssize_t done;

	while (msg.msg_iovlen) {
		done = sendmsg(fd, &msg, MSG_NOSIGNAL);
		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0)
			return -errno;
		while (msg.msg_iovlen && (size_t)done >= msg.msg_iov->iov_len) {
			done -= msg.msg_iov->iov_len;
			msg.msg_iov++;
			msg.msg_iovlen--;
		}
		if (msg.msg_iovlen) {
			msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + done;
			msg.msg_iov->iov_len -= done;
		}
	}
	return 0;
}

int mig_wire_send(int fd, struct mig_frame *f, const struct mig_parts *p)
{
	static const struct mig_parts none;
	struct mig_frame h = *f;
	struct iovec iov[5 + MIG_WIRE_MAX_PAGES];
	uint32_t i;
	int n = 0;

	if (!p)
		p = &none;
	h.magic = MIG_WIRE_MAGIC;
	h.version = MIG_WIRE_VERSION;
	h.crc = 0;
	swap_header(&h);
	h.crc = htole32(mig_crc32c(0, &h, sizeof(h)));
	iov[n++] = (struct iovec){ &h, sizeof(h) };
	if (f->data_len)
		iov[n++] = (struct iovec){ (void *)p->data, f->data_len };
	if (f->mbmd_len)
		iov[n++] = (struct iovec){ (void *)p->mbmd, f->mbmd_len };
	if (f->entries)
		iov[n++] = (struct iovec){ (void *)p->gpa_list, f->entries * 8UL };
	if (f->mac_len)
		iov[n++] = (struct iovec){ (void *)p->mac, f->mac_len };
	if (f->pages > MIG_WIRE_MAX_PAGES)
		return -EINVAL;
	if (f->pages && !p->page_ptrs)
		iov[n++] = (struct iovec){ (void *)p->bufs, f->pages * 4096UL };
	for (i = 0; p->page_ptrs && i < f->pages; i++)
		iov[n++] = (struct iovec){ (void *)p->page_ptrs[i], 4096UL };
	return send_all(fd, iov, n);
}

int mig_wire_recv(int fd, void *buf, uint64_t len)
{
	char sink[4096];
	ssize_t got;

	while (len) {
		got = recv(fd, buf ?: sink, buf || len < sizeof(sink) ? len : sizeof(sink), 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (!got)
			return -ECONNRESET;
		len -= got;
		if (buf)
			buf = (char *)buf + got;
	}
	return 0;
}

/* Only @data_len bytes of data: no MBMD, list, MACs or pages. */
static bool only_data(const struct mig_frame *f, uint32_t data_len)
{
	return f->data_len == data_len && !f->mbmd_len && !f->entries && !f->mac_len &&
	       !f->pages;
}

/* What a frame of @f->type may carry; the first thing wrong, or NULL. */
static const char *check_shape(const struct mig_frame *f, const struct mig_wire_limits *lim)
{
	if (!f->type || f->type >= MIG_FRAME_TYPES)
		return "unknown frame type";
	if (lim->stream == MIG_WIRE_ANY_STREAM && f->type != MIG_FRAME_HELLO)
		return "a connection must open with HELLO";
	if (lim->stream != MIG_WIRE_ANY_STREAM && f->stream != lim->stream)
		return "frame for another stream than its connection's";
	if (f->data_len > MIG_WIRE_MAX_DATA)
		return "data longer than 4096 bytes";
	if (f->mbmd_len && f->mbmd_len != MIG_WIRE_MBMD_LEN)
		return "MBMD length not 0 or 4096";
	if (f->mac_len && f->mac_len != MIG_WIRE_MAC_LEN)
		return "MAC length not 0 or 8192";
	if (f->entries > lim->max_entries)
		return "more GPA-list entries than the stream holds";
	if (f->pages > lim->max_pages)
		return "more pages than the stream's buffers hold";
	switch (f->type) {
	case MIG_FRAME_HELLO:
		return only_data(f, sizeof(struct mig_hello)) ? NULL : "malformed HELLO";
	case MIG_FRAME_VERIFY:
		return only_data(f, sizeof(struct mig_verify)) ? NULL : "malformed VERIFY";
	case MIG_FRAME_FAULT:
		return only_data(f, 0) ? NULL : "malformed FAULT";
	case MIG_FRAME_SHARED:
		return f->pages && f->data_len == f->pages * 8ULL && !f->mbmd_len &&
		       !f->entries && !f->mac_len ? NULL : "malformed SHARED";
	case MIG_FRAME_BUNDLE:
		/* A memory bundle's entries come with their MACs, pages with an MBMD. */
		if (f->data_len || (f->entries && !f->mac_len) || (f->mac_len && !f->entries) ||
		    (f->pages && !f->mbmd_len))
			return "malformed BUNDLE";
		return NULL;
	default:
		return f->mac_len || f->pages ? "malformed RESULT or ABORT" : NULL;
	}
}

int mig_wire_recv_header(int fd, const struct mig_wire_limits *lim, struct mig_frame *f,
			 const char **why)
{
	uint32_t crc;
	int ret;

	*why = NULL;
	ret = mig_wire_recv(fd, f, sizeof(*f));
	if (ret)
		return ret;
	crc = le32toh(f->crc);
	f->crc = 0;
	if (mig_crc32c(0, f, sizeof(*f)) != crc)
		*why = "header CRC mismatch";
	swap_header(f);
	f->crc = crc;
	if (*why)
		return -EPROTO;
	if (f->magic != MIG_WIRE_MAGIC)
		*why = "bad magic";
	else if (f->version != MIG_WIRE_VERSION)
		*why = "unsupported wire version";
	else
		*why = check_shape(f, lim);
	return *why ? -EPROTO : 0;
}

int mig_wire_send_abort(int fd, uint32_t stream, int err, const char *reason, const void *mbmd)
{
	struct mig_frame f = { .type = MIG_FRAME_ABORT, .stream = stream, .cmd = err,
			       .data_len = strlen(reason),
			       .mbmd_len = mbmd ? MIG_WIRE_MBMD_LEN : 0 };
	struct mig_parts p = { .data = reason, .mbmd = mbmd };

	if (f.data_len > MIG_WIRE_MAX_DATA)
		f.data_len = MIG_WIRE_MAX_DATA;
	return mig_wire_send(fd, &f, &p);
}
