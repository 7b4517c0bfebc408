/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A seeded, bounded random fuzzer of the stream uAPI (mig_fuzz.c): a clean
 * pair of TDs migrates again and again, compared each time, while a victim
 * pair is driven through random sequences of legal steps and junk calls,
 * each call's result checked against Documentation/uapi.rst. The program
 * tdx_mig_fuzz and the selftest fuzz_test both run it.
 */
#ifndef TDX_MIG_FUZZ_H
#define TDX_MIG_FUZZ_H

#include <stdbool.h>
#include <stdint.h>

/* Command ids a histogram keeps apart (0 .. FUZZ_MAX_ID - 1); the rest share one. */
#define FUZZ_MAX_ID	72
/* errno values a histogram keeps apart. */
#define FUZZ_MAX_ERRNO	140

/* What a run's time goes to: each kind of draw, and the pairs made. */
enum fuzz_kind {
	FUZZ_K_LEGAL, FUZZ_K_JUNK_CMD, FUZZ_K_MIGTD, FUZZ_K_GARBAGE, FUZZ_K_MMAP,
	FUZZ_K_ATTR, FUZZ_K_REOPEN, FUZZ_K_CLOSE_VM, FUZZ_K_THREADS, FUZZ_K_CLEAN,
	FUZZ_K_LIMIT, FUZZ_K_NEW_TDS,
	FUZZ_NR_KINDS
};

struct fuzz_opts {
	uint64_t seed;
	uint64_t calls;		/* at most this many victim calls (0: no bound) */
	unsigned int seconds;	/* and for at most this long (0: no bound) */
	bool quiet;		/* no figures printed by fuzz_run() */
	bool require_goals;	/* a goal not reached fails the run */
};

struct fuzz_figures {
	double seconds;			/* the run took */
	uint64_t calls;			/* every call made on the victim */
	uint64_t legal_steps;		/* steps of a migration (and MigTD pre-migrations) */
	uint64_t legal_calls;		/* of the calls, those the victim's steps made */
	uint64_t junk_calls;
	uint64_t violations;		/* results the uAPI does not allow */
	uint64_t clean_migrations;	/* clean pair migrated and compared equal */
	uint64_t victim_completed;	/* victim migrations that reached IMPORT_END */
	uint64_t victim_compared;	/* of them, undisturbed and compared equal */
	uint64_t victim_resets;		/* victim pairs thrown away and made anew */
	uint64_t aborts;		/* legal EXPORT_ABORTs, then a new destination */
	uint64_t garbage_writes;	/* into the victim's mapped buffers */
	uint64_t garbage_during_calls;	/* of them, while a round's calls ran */
	uint64_t reopens;		/* victim stream fds closed and opened again */
	uint64_t reopens_mid_call;	/* of them, while other threads called */
	uint64_t mmaps;			/* mappings at random offsets */
	uint64_t mmap_touches;		/* their pages touched */
	uint64_t mmap_sigbus;		/* of them, SIGBUS (a page the stream does not serve) */
	uint64_t vm_closes;		/* victim VM fds closed mid-migration */
	uint64_t vm_closes_mid_round;	/* of them, while a round ran */
	uint64_t raw_streams;		/* extra, never negotiated, streams created */
	uint64_t postcopy_bundles;	/* victim pages sent after the start token */
	uint64_t aborts_after_start;	/* source aborts with the destination's token */
	uint64_t chained;		/* a destination that migrated on */
	uint64_t signal_windows;	/* stretches of interrupted calls */
	uint64_t junk_eintr;		/* junk calls that ended in EINTR, left pending */
	uint64_t busy_resumptions;	/* another call on their stream: EBUSY */
	uint64_t resumed;		/* the same call again, until it completed */
	uint64_t thread_windows;	/* stretches of junk from several threads */
	uint64_t thread_calls;		/* their calls */
	uint64_t thread_rounds;		/* of them, beside a round of the victim's pages */
	uint64_t thread_busy;		/* EBUSY: two threads met on a stream */
	uint64_t limit_probes;		/* streams created until ENOSPC */
	uint64_t enospc;		/* of them, ENOSPC at max_migs - 1 */
	uint64_t migtd_calls;		/* junk service calls of the MigTD's guest */
	uint64_t migtd_refused;		/* of them, R10 INVALID_OPERAND */
	uint64_t migtd_bad_cmd;		/* answered with BAD_CMD_BUF, UNSUPPORTED, OUT_OF_RES */
	uint64_t migtd_armed;		/* a WaitForRequest armed for later */
	uint64_t migtd_halts;		/* WaitForRequest halted, ended by a signal */
	uint64_t migtd_answered;	/* pre-migrations answered and reported successful */
	uint64_t migtd_failed_reports;	/* pre-migrations answered and reported failed */
	uint64_t migtd_send_receive;	/* Send and Receive relayed through VMM exits */
	uint64_t cmd_calls[FUZZ_MAX_ID + 1];
	uint64_t cmd_ok[FUZZ_MAX_ID + 1];
	uint64_t errnos[FUZZ_MAX_ERRNO];
	uint64_t states[2][16];		/* junk calls per [source/destination][state] */
	double kind_ms[FUZZ_NR_KINDS];	/* time per kind (NEW_TDS: inside the others) */
	uint64_t kind_draws[FUZZ_NR_KINDS];
};

/*
 * Run the fuzzer: 0, 1 if any result broke the uAPI (or, with
 * require_goals, a goal was not reached), or -errno (setup failed).
 */
int fuzz_run(const struct fuzz_opts *o, struct fuzz_figures *f);
void fuzz_print(const struct fuzz_opts *o, const struct fuzz_figures *f);
/* The goals of fuzz_print() not reached: 0 when every one was. */
unsigned int fuzz_goals_missed(const struct fuzz_figures *f, bool print);

#endif /* TDX_MIG_FUZZ_H */
