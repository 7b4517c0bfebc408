// SPDX-License-Identifier: GPL-2.0
/*
 * tdx_mig_migtd: an emulated Migration TD, as operators start MigTD with
 * mig-td.sh. It creates a MigTD on the emulated host platform and serves
 * pre-migration requests until killed; user TDs bind to it by this
 * process's pid. It does NO attestation and NO policy check (see
 * lib/migtd_emu.h): on a TDX host, run the real MigTD instead.
 *
 *   tdx_mig_migtd [-t src|dst] [-a ADDR] [-f N] [-H FILE]
 *
 * -a: the IPv4 address a source MigTD connects to and a destination MigTD
 * listens on (default 127.0.0.1; across hosts, the destination's);
 * -f: fail the first N requests; -H: write its SERVTD_INFO_HASH (96 hex
 * digits) to FILE, what an operator computes from the MigTD image to
 * pre-bind user TDs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "migtd_emu.h"

static int write_hash(const struct migtd *t, const char *path)
{
	uint8_t hash[48];
	unsigned int i;
	FILE *f;
	int ret;

	ret = tb_servtd_hash(t->vm, 0, hash);
	if (ret)
		return ret;
	f = fopen(path, "w");
	if (!f)
		return -errno;
	for (i = 0; i < sizeof(hash); i++)
		fprintf(f, "%02x", hash[i]);
	fprintf(f, "\n");
	return fclose(f) ? -errno : 0;
}

int main(int argc, char **argv)
{
	const char *role = "", *hash_file = NULL;
	struct in_addr addr = {};
	struct migtd t;
	unsigned int fail = 0;
	int opt, ret;

	while ((opt = getopt(argc, argv, "t:a:f:H:")) != -1) {
		if (opt == 't') {
			role = optarg;
		} else if (opt == 'a' && inet_pton(AF_INET, optarg, &addr) == 1) {
			continue;
		} else if (opt == 'f') {
			fail = strtoul(optarg, NULL, 0);
		} else if (opt == 'H') {
			hash_file = optarg;
		} else {
			fprintf(stderr, "usage: %s [-t src|dst] [-a ADDR] [-f N] [-H FILE]\n",
				argv[0]);
			return 2;
		}
	}
	ret = migtd_init(&t);
	if (ret) {
		fprintf(stderr, "MigTD%s%s: cannot create the MigTD: %s\n", *role ? "_" : "", role,
			strerror(-ret));
		return 1;
	}
	ret = hash_file ? write_hash(&t, hash_file) : 0;
	if (ret) {
		fprintf(stderr, "MigTD: cannot write its hash to %s: %s\n", hash_file,
			strerror(-ret));
		migtd_fini(&t);
		return 1;
	}
	t.verbose = true;
	t.fail_reports = fail;
	t.peer_addr = addr.s_addr;
	printf("MigTD%s%s: pid %d\n", *role ? "_" : "", role, getpid());
	ret = migtd_serve(&t, -1);
	fprintf(stderr, "MigTD: serving stopped: %s\n", strerror(-ret));
	migtd_fini(&t);
	return 1;
}
