// SPDX-License-Identifier: GPL-2.0
/*
 * The migration core's debugfs: a tdx_mig directory (tdx_mig_kvm inside
 * kvm-intel), and in it one directory per TD, "<pid>-<n>" (the creating
 * process and a sequence number), holding "td" (the TD's figures) and one
 * "stream<i>" per open stream (its counters). The figures are those of
 * KVM_TDX_MIG_GET_STATS, plus what only an operator looks at; uapi.rst
 * describes each line.
 *
 * A file is removed before what it shows is freed; debugfs waits for
 * readers in progress, which take no lock the remover holds.
 */
#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>

#include "migsc/migsc.h"

#ifdef TDX_MIG_IN_KVM
#define DEBUGFS_ROOT	"tdx_mig_kvm"
#else
#define DEBUGFS_ROOT	"tdx_mig"
#endif

static struct dentry *root;
static atomic_t td_seq = ATOMIC_INIT(0);

static int td_stats_show(struct seq_file *m, void *unused)
{
	struct tdx_mig_td *td = m->private;
	struct kvm_tdx_mig_stats st = {};

	tdx_mig_dirty_round_read(td, &st);
	seq_printf(m, "state: %s\n", tdx_op_state_name(READ_ONCE(td->state)));
	seq_printf(m, "rounds: %llu\n", st.td_rounds);
	seq_printf(m, "round_dirtied: %llu\n", st.td_round_dirtied);
	seq_printf(m, "export_rate: %llu\n", st.td_export_rate);
	seq_printf(m, "dirty: %lu\n",
		   (unsigned long)bitmap_weight(td->dirty, td->info.nr_gfns));
	seq_printf(m, "write_blocked: %lld\n", atomic64_read(&td->write_blocked));
	seq_printf(m, "write_faults: %lld\n", atomic64_read(&td->write_faults));
	seq_printf(m, "mem_bytes: %llu\n", tdx_mig_td_mem_bytes(td));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(td_stats);

static int stream_stats_show(struct seq_file *m, void *unused)
{
	struct tdx_mig_stream *s = m->private;
	struct kvm_tdx_mig_stats st;
	int ret = tdx_mig_migsc_stats_read(s, &st);

	if (ret)
		return ret;
	seq_printf(m, "index: %u\n", s->index);
	seq_printf(m, "bundles: %llu\n", st.bundles);
	seq_printf(m, "pages: %llu\n", st.pages);
	seq_printf(m, "bytes: %llu\n", st.bytes);
	seq_printf(m, "failed_entries: %llu\n", st.failed_entries);
	seq_printf(m, "seamcalls: %llu\n", st.seamcalls);
	seq_printf(m, "resumptions: %llu\n", st.resumptions);
	seq_printf(m, "busy_retries: %llu\n", st.busy_retries);
	seq_printf(m, "seamcall_ns: %llu\n", st.seamcall_ns);
	seq_printf(m, "mem_bytes: %llu\n", st.stream_mem_bytes);
	seq_printf(m, "page_bytes_copied: %llu\n", st.page_bytes_copied);
	if (mutex_lock_interruptible(&s->lock))
		return -ERESTARTSYS;
	seq_printf(m, "meta_bytes_copied: %llu\n", s->meta_bytes_copied);
	mutex_unlock(&s->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stream_stats);

/**
 * tdx_mig_debugfs_init - create the core's debugfs directory
 *
 * Context: module init. Return: the directory, for the module's own files
 * (an error pointer without debugfs, which debugfs calls accept).
 */
struct dentry *tdx_mig_debugfs_init(void)
{
	root = debugfs_create_dir(DEBUGFS_ROOT, NULL);
	return root;
}

/* Context: module exit, after every TD is gone. */
void tdx_mig_debugfs_exit(void)
{
	debugfs_remove_recursive(root);
	root = NULL;
}

/* The TD's directory and its "td" file; nothing (a NULL) before the core's init. */
void tdx_mig_debugfs_td_add(struct tdx_mig_td *td)
{
	char name[32];

	if (IS_ERR_OR_NULL(root))
		return;
	snprintf(name, sizeof(name), "%d-%u", task_tgid_nr(current),
		 atomic_inc_return(&td_seq));
	td->debugfs = debugfs_create_dir(name, root);
	debugfs_create_file("td", 0444, td->debugfs, td, &td_stats_fops);
}

void tdx_mig_debugfs_td_remove(struct tdx_mig_td *td)
{
	debugfs_remove_recursive(td->debugfs);
	td->debugfs = NULL;
}

/* Context: the stream's creation and release (the VM's lock held). */
void tdx_mig_debugfs_stream_add(struct tdx_mig_stream *s)
{
	char name[16];

	if (IS_ERR_OR_NULL(s->td->debugfs))
		return;
	snprintf(name, sizeof(name), "stream%u", s->index);
	s->debugfs = debugfs_create_file(name, 0444, s->td->debugfs, s, &stream_stats_fops);
}

void tdx_mig_debugfs_stream_remove(struct tdx_mig_stream *s)
{
	debugfs_remove(s->debugfs);
	s->debugfs = NULL;
}
