/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The wire between a source VMM and a destination VMM on another host
 * (Documentation/crosshost.rst). One TCP connection per stream, plus one
 * on which the destination asks for pages in post-copy. A frame is a
 * 56-byte little-endian header, then its parts in a fixed order: data,
 * MBMD, GPA list, MAC lists, page buffers. The bundle's contents are the
 * TDX Module's, encrypted and MAC'd; the CRC covers only the framing, so
 * that a corrupted length is caught before anything is read into a stream.
 * No length is trusted: the receiver checks every one against the
 * protocol's limits and its own stream before it reads a byte of payload.
 */
#ifndef TDX_MIG_WIRE_H
#define TDX_MIG_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#define MIG_WIRE_MAGIC		0x4d584454U	/* "TDXM" on the wire */
#define MIG_WIRE_VERSION	2
#define MIG_WIRE_MAX_DATA	4096U
#define MIG_WIRE_MBMD_LEN	4096U
#define MIG_WIRE_MAC_LEN	8192U
#define MIG_WIRE_MAX_ENTRIES	512U
#define MIG_WIRE_MAX_PAGES	512U

enum mig_frame_type {
	/* source -> destination */
	MIG_FRAME_HELLO = 1,	/* opens a connection: data struct mig_hello */
	MIG_FRAME_BUNDLE,	/* import it: cmd the import command, arg its value */
	MIG_FRAME_VERIFY,	/* data struct mig_verify: compare */
	/* destination -> source */
	MIG_FRAME_RESULT,	/* answers one frame: cmd an errno, arg, status */
	MIG_FRAME_FAULT,	/* post-copy: a vCPU waits for page arg */
	/* either way: the sender gave up; data the reason, MBMD an abort token */
	MIG_FRAME_ABORT,
	/*
	 * source -> destination, stream 0: pages of shared memory, in the
	 * clear (the VMM's own, never the TDX Module's); data their page
	 * indexes in the shared memory, 8 bytes each
	 */
	MIG_FRAME_SHARED,
	MIG_FRAME_TYPES,
};

struct mig_frame {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t stream;	/* the connection's stream; nstreams: the fault channel */
	uint32_t cmd;
	uint64_t arg;
	uint64_t status;	/* RESULT: the TDX status of a failed import */
	uint32_t data_len;	/* bytes, <= MIG_WIRE_MAX_DATA */
	uint32_t mbmd_len;	/* 0 or MIG_WIRE_MBMD_LEN */
	uint32_t entries;	/* GPA-list entries, 8 bytes each */
	uint32_t mac_len;	/* 0 or MIG_WIRE_MAC_LEN */
	uint32_t pages;		/* 4 KiB page buffers */
	uint32_t crc;		/* CRC-32C of the header with crc 0 */
};

/* HELLO's data: the migration's shape, the same on every connection. */
struct mig_hello {
	uint64_t npages;	/* private memory pages */
	uint32_t nr_vcpus;
	uint32_t nstreams;
	uint32_t buf_pages;	/* the largest bundle the source sends */
	uint32_t migtd_port;	/* pre-migration: the MigTDs' port */
	uint32_t flags;		/* MIG_HELLO_F_* */
	uint32_t shared_pages;	/* shared memory pages (SHARED frames) */
};

#define MIG_HELLO_F_POSTCOPY	1U	/* the destination will run before all pages came */

#define MIG_VERIFY_MAX_VCPUS	8
/* VERIFY's data: the source's hashes, vCPUs as at the commit. */
struct mig_verify {
	uint64_t mem_hash;
	uint32_t nr_vcpus;
	uint32_t pad;
	uint64_t vcpu_hash[MIG_VERIFY_MAX_VCPUS];
	uint64_t shared_hash;	/* mig_shared_hash() of shared memory */
};

/* What a receiver will accept on one connection. */
#define MIG_WIRE_ANY_STREAM	UINT32_MAX	/* a new connection's HELLO */
struct mig_wire_limits {
	uint32_t stream;	/* the connection's stream, or MIG_WIRE_ANY_STREAM */
	uint32_t max_pages;	/* its stream's buffer pages */
	uint32_t max_entries;	/* its stream's GPA-list entries */
};

uint32_t mig_crc32c(uint32_t crc, const void *buf, uint64_t len);
/*
 * A connection's options: no Nagle, and a peer that goes silent (a host
 * gone, a link cut without a FIN) ends it within about a minute, so that
 * no side waits forever.
 */
void mig_wire_tune(int fd);

/* The parts of a frame to send; NULL for a part it has not. */
struct mig_parts {
	const void *data;
	const void *mbmd;
	const uint64_t *gpa_list;
	const void *mac;
	const void *bufs;
	/* instead of @bufs: each page from its own place (SHARED) */
	const void *const *page_ptrs;
};

/*
 * Send @f (its lengths say which parts go; magic, version and CRC are
 * filled in). 0 or -errno; a partial frame never goes alone.
 */
int mig_wire_send(int fd, struct mig_frame *f, const struct mig_parts *p);
/*
 * Read a header and check it against @lim: 0, -ECONNRESET at a clean end
 * of the connection, -EPROTO (with *@why saying what was wrong), -errno.
 */
int mig_wire_recv_header(int fd, const struct mig_wire_limits *lim, struct mig_frame *f,
			 const char **why);
/* Read @len bytes of a payload part (NULL @buf: drop them). 0 or -errno. */
int mig_wire_recv(int fd, void *buf, uint64_t len);
/* Send ABORT with @reason (and an abort token if @mbmd). */
int mig_wire_send_abort(int fd, uint32_t stream, int err, const char *reason, const void *mbmd);

const char *mig_frame_name(uint16_t type);

#endif /* TDX_MIG_WIRE_H */
