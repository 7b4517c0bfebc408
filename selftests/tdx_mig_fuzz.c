// SPDX-License-Identifier: GPL-2.0
/*
 * make fuzz: the stream uAPI fuzzer (lib/mig_fuzz.c) as a program.
 *
 *   tdx_mig_fuzz [-s SEED] [-n CALLS] [-t SECONDS] [-r]
 *
 * Without -n and -t it stops after 10000 calls. It prints its figures and
 * exits 0, or 1 if any result broke the uAPI (each such call is printed
 * with the seed, which reproduces it) or, with -r, if a goal of its
 * "reached" table was not reached, or 2 if it could not start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mig_fuzz.h"

#define DEFAULT_CALLS	10000

static void usage(const char *prog)
{
	fprintf(stderr, "%s [-s SEED] [-n CALLS] [-t SECONDS] [-r]\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	struct fuzz_opts o = { .seed = 1 };
	struct fuzz_figures *f;
	int opt, ret;

	while ((opt = getopt(argc, argv, "s:n:t:r")) != -1) {
		switch (opt) {
		case 's':
			o.seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			o.calls = strtoull(optarg, NULL, 0);
			break;
		case 't':
			o.seconds = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			o.require_goals = true;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc)
		usage(argv[0]);
	if (!o.calls && !o.seconds)
		o.calls = DEFAULT_CALLS;
	f = calloc(1, sizeof(*f));
	if (!f)
		return 2;
	printf("# fuzz: seed %llu, at most %llu calls, at most %u s (0: no bound)\n",
	       (unsigned long long)o.seed, (unsigned long long)o.calls, o.seconds);
	fflush(stdout);
	ret = fuzz_run(&o, f);
	printf("# fuzz: %s (reproduce: make fuzz SEED=%llu FUZZ_CALLS=%llu)\n",
	       ret == 0 ? "PASS" : ret == 1 ? "FAIL" : "could not run",
	       (unsigned long long)o.seed, (unsigned long long)f->calls);
	free(f);
	return ret == 0 ? 0 : ret == 1 ? 1 : 2;
}
