// SPDX-License-Identifier: GPL-2.0
/*
 * A migration stream, as Intel's KVM device "kvm-tdx-mig": attribute
 * negotiation allocates the buffers, mmap serves them by a fault handler,
 * KVM_MEMORY_ENCRYPT_OP runs the commands (cmd.c). The hypervisor owns the
 * device fd and calls these as struct kvm_device_ops' callbacks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "bundle/bundle.h"
#include "caps.h"
#include "export.h"

static void free_page_if(struct page **page)
{
	if (*page)
		__free_page(*page);
	*page = NULL;
}

static void stream_free_buffers(struct tdx_mig_stream *s)
{
	u32 i;

	for (i = 0; s->bufs && i < s->buf_list_pages; i++)
		free_page_if(&s->bufs[i]);
	kfree(s->bufs);
	s->bufs = NULL;
	s->buf_list_pages = 0;
	free_page_if(&s->mbmd);
	free_page_if(&s->gpa_list);
	free_page_if(&s->mac[0]);
	free_page_if(&s->mac[1]);
	free_page_if(&s->buf_list);
	free_page_if(&s->page_list);
	free_page_if(&s->td_list);
	free_page_if(&s->gpa_copy);
	free_page_if(&s->mbmd_copy);
	kvfree(s->import);
	s->import = NULL;
}

static struct page *zeroed_page(void)
{
	return alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
}

/* The buffers of @n data pages; the state page list over them never changes. */
static int stream_alloc_buffers(struct tdx_mig_stream *s, u32 n)
{
	u64 *page_list;
	u32 i;

	s->buf_list_pages = n;
	s->bufs = kcalloc(n, sizeof(*s->bufs), GFP_KERNEL_ACCOUNT);
	s->mbmd = zeroed_page();
	s->gpa_list = zeroed_page();
	s->mac[0] = zeroed_page();
	s->mac[1] = zeroed_page();
	s->buf_list = zeroed_page();
	s->page_list = zeroed_page();
	s->td_list = zeroed_page();
	s->gpa_copy = zeroed_page();
	s->mbmd_copy = zeroed_page();
	s->import = kvcalloc(TDX_GPA_LIST_ENTRIES, sizeof(*s->import), GFP_KERNEL_ACCOUNT);
	if (!s->bufs || !s->mbmd || !s->gpa_list || !s->mac[0] || !s->mac[1] || !s->buf_list ||
	    !s->page_list || !s->td_list || !s->gpa_copy || !s->mbmd_copy || !s->import)
		return -ENOMEM;
	page_list = page_address(s->page_list);
	for (i = 0; i < n; i++) {
		s->bufs[i] = zeroed_page();
		if (!s->bufs[i])
			return -ENOMEM;
		page_list[i] = page_to_phys(s->bufs[i]);
	}
	return 0;
}

/* Negotiation, as Intel's: version 0; pages clamped to [state pages, 512]. */
static int stream_negotiate(struct tdx_mig_stream *s, const struct kvm_device_attr *attr)
{
	struct kvm_dev_tdx_mig_attr a;
	int ret;

	if (attr->attr == KVM_DEV_TDX_MIG_ATTR_CAPS)
		return -EPERM;
	/* KVM's device convention: an unknown attribute is -ENXIO, as for GET. */
	if (attr->attr != sizeof(a))
		return -ENXIO;
	if (copy_from_user(&a, u64_to_user_ptr(attr->addr), sizeof(a)))
		return -EFAULT;
	if (a.version != KVM_DEV_TDX_MIG_ATTR_VERSION)
		return -EINVAL;
	if (tdx_mig_migsc_ready(s))
		return -EEXIST;
	mutex_lock(&s->lock);
	if (s->ready) {
		ret = -EEXIST;
		goto out;
	}
	ret = stream_alloc_buffers(s, clamp_t(u32, a.buf_list_pages, s->td->state_pages,
					      TDX_MIG_BUF_LIST_PAGES_MAX));
	if (ret) {
		stream_free_buffers(s);
		goto out;
	}
	/* The fault handler reads the pages locklessly once this is seen. */
	smp_store_release(&s->ready, true);
out:
	mutex_unlock(&s->lock);
	return ret;
}

static int stream_get_caps(struct tdx_mig_stream *s, void __user *to)
{
	struct kvm_dev_tdx_mig_caps c = { .uapi_version = TDX_MIG_UAPI_VERSION };
	struct tdx_mig_caps caps = {};
	int ret = tdx_mig_caps_read(&caps);

	if (ret)
		return ret;
	c.max_migs = caps.max_migs;
	c.immutable_state_pages = caps.num_immutable_state_pages;
	c.td_state_pages = caps.num_td_state_pages;
	c.vp_state_pages = caps.num_vp_state_pages;
	c.module_major = caps.major_version;
	c.module_minor = caps.minor_version;
	c.module_update = caps.update_version;
	c.tdx_features0 = caps.features0;
	return copy_to_user(to, &c, sizeof(c)) ? -EFAULT : 0;
}

static int stream_get_negotiated(struct tdx_mig_stream *s, void __user *to)
{
	struct kvm_dev_tdx_mig_attr a = {
		.version = KVM_DEV_TDX_MIG_ATTR_VERSION,
		.buf_list_pages = tdx_mig_migsc_ready(s) ? s->buf_list_pages : 0,
		.max_migs = s->td->max_migs,
	};

	return copy_to_user(to, &a, sizeof(a)) ? -EFAULT : 0;
}

/* KVM_{SET,GET,HAS}_DEVICE_ATTR: the hypervisor copied @attr in. */
static int stream_attr(struct tdx_mig_stream *s, unsigned int ioctl,
		       const struct kvm_device_attr *attr)
{
	void __user *to = u64_to_user_ptr(attr->addr);

	if (attr->flags)
		return -EINVAL;
	if (attr->group != KVM_DEV_TDX_MIG_ATTR)
		return -ENXIO;
	if (ioctl == KVM_SET_DEVICE_ATTR)
		return stream_negotiate(s, attr);
	if (attr->attr != sizeof(struct kvm_dev_tdx_mig_attr) &&
	    attr->attr != KVM_DEV_TDX_MIG_ATTR_CAPS)
		return -ENXIO;
	if (ioctl == KVM_HAS_DEVICE_ATTR)
		return 0;
	if (attr->attr == KVM_DEV_TDX_MIG_ATTR_CAPS)
		return stream_get_caps(s, to);
	return stream_get_negotiated(s, to);
}

int tdx_mig_migsc_stream_set_attr(struct tdx_mig_stream *s, struct kvm_device_attr *attr)
{
	return stream_attr(s, KVM_SET_DEVICE_ATTR, attr);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_migsc_stream_set_attr);

int tdx_mig_migsc_stream_get_attr(struct tdx_mig_stream *s, struct kvm_device_attr *attr)
{
	return stream_attr(s, KVM_GET_DEVICE_ATTR, attr);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_migsc_stream_get_attr);

int tdx_mig_migsc_stream_has_attr(struct tdx_mig_stream *s, struct kvm_device_attr *attr)
{
	return stream_attr(s, KVM_HAS_DEVICE_ATTR, attr);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_migsc_stream_has_attr);

/* Any other ioctl of the device fd: only KVM_MEMORY_ENCRYPT_OP runs commands. */
long tdx_mig_migsc_stream_ioctl(struct tdx_mig_stream *s, unsigned int ioctl, unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	struct kvm_tdx_cmd cmd;
	int ret;

	if (ioctl != KVM_MEMORY_ENCRYPT_OP)
		return -ENOTTY;
	if (copy_from_user(&cmd, argp, sizeof(cmd)))
		return -EFAULT;
	ret = tdx_mig_cmd(s, &cmd);
	if (copy_to_user(argp, &cmd, sizeof(cmd)))
		return -EFAULT;
	return ret;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_migsc_stream_ioctl);

/* What the stream allocated: itself, and its buffers once negotiated. */
static u64 stream_mem_bytes(const struct tdx_mig_stream *s)
{
	u64 pages = 8 + (u64)s->buf_list_pages;	/* MBMDs, lists, MACs, buffers */

	if (!tdx_mig_migsc_ready(s))
		return sizeof(*s);
	return sizeof(*s) + pages * PAGE_SIZE + s->buf_list_pages * sizeof(*s->bufs) +
	       TDX_GPA_LIST_ENTRIES * sizeof(*s->import);
}

/**
 * tdx_mig_migsc_stats_read - the figures of KVM_TDX_MIG_GET_STATS
 * @s: the stream
 * @st: filled
 *
 * The counters are taken under the stream lock (a call on the stream may be
 * updating them), the TD's figures after it: the session lock ranks above.
 *
 * Context: process context; waits for a call in progress on @s.
 * Return: 0, or -ERESTARTSYS when a signal ended the wait.
 */
int tdx_mig_migsc_stats_read(struct tdx_mig_stream *s, struct kvm_tdx_mig_stats *st)
{
	if (mutex_lock_interruptible(&s->lock))
		return -ERESTARTSYS;
	*st = s->stats;
	mutex_unlock(&s->lock);
	st->td_write_faults = atomic64_read(&s->td->write_faults);
	st->td_write_blocked = atomic64_read(&s->td->write_blocked);
	st->stream_mem_bytes = stream_mem_bytes(s);
	st->td_mem_bytes = tdx_mig_td_mem_bytes(s->td);
	tdx_mig_dirty_round_read(s->td, st);
	return 0;
}

int tdx_mig_migsc_stats(struct tdx_mig_stream *s, u64 data)
{
	struct kvm_tdx_mig_stats st;
	int ret = tdx_mig_migsc_stats_read(s, &st);

	if (ret)
		return ret;
	return copy_to_user(u64_to_user_ptr(data), &st, sizeof(st)) ? -EFAULT : 0;
}

/* Page @pgoff of the mapping: 0 MBMD, 1 GPA list, 2-3 MAC lists, 4.. buffers. */
static struct page *stream_page(struct tdx_mig_stream *s, unsigned long pgoff)
{
	if (!tdx_mig_migsc_ready(s))
		return NULL;
	switch (pgoff) {
	case TDX_MIG_STREAM_MBMD_MAP_OFFSET:
		return s->mbmd;
	case TDX_MIG_STREAM_GPA_LIST_MAP_OFFSET:
		return s->gpa_list;
	case TDX_MIG_STREAM_MAC_LIST_MAP_OFFSET:
	case TDX_MIG_STREAM_MAC_LIST_MAP_OFFSET + 1:
		return s->mac[pgoff - TDX_MIG_STREAM_MAC_LIST_MAP_OFFSET];
	}
	pgoff -= TDX_MIG_STREAM_BUF_LIST_MAP_OFFSET;
	return pgoff < s->buf_list_pages ? s->bufs[pgoff] : NULL;
}

/* Takes no lock: the pages live as long as the device fd, which the VMA pins. */
static vm_fault_t stream_fault(struct vm_fault *vmf)
{
	struct page *page = stream_page(vmf->vma->vm_private_data, vmf->pgoff);

	if (!page)
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct stream_vm_ops = {
	.fault = stream_fault,
};

int tdx_mig_migsc_stream_mmap(struct tdx_mig_stream *s, struct vm_area_struct *vma)
{
	/* A private mapping would copy the pages the TDX Module reads. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	vma->vm_private_data = s;
	vma->vm_ops = &stream_vm_ops;
	return 0;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_migsc_stream_mmap);

/**
 * tdx_mig_migsc_stream_release - the stream's device fd was closed
 * @s: the stream, freed here
 *
 * Context: process context, the VM's lock held (kvm_device_ops.release).
 */
void tdx_mig_migsc_stream_release(struct tdx_mig_stream *s)
{
	struct tdx_mig_td *td = s->td;

	/*
	 * An export dropped mid-call: some of its pages may be exported, and
	 * the TDX Module will not export them again in this session, but the
	 * bundle is never sent. Going on would lose them: only an abort may.
	 */
	down_write(&td->lock);
	if (s->pending.active && s->pending.generation == td->generation) {
		if (s->pending.id == KVM_TDX_MIG_EXPORT_MEM) {
			td->bundle_lost = true;
			pr_warn_ratelimited("interrupted EXPORT_MEM dropped with its stream; the export must be aborted, userspace pid %d\n",
					    task_tgid_nr(current));
		}
		atomic_dec(&td->pending_calls);
	}
	up_write(&td->lock);
	tdx_mig_debugfs_stream_remove(s);
	stream_free_buffers(s);
	tdx_mig_migsc_put(td, s->index);
	mutex_destroy(&s->lock);
	kfree(s);
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_migsc_stream_release);

/**
 * tdx_mig_migsc_stream_create - a new stream device (kvm_device_ops.create)
 * @td: the TD's session
 *
 * The hypervisor makes the device fd, holds a reference on its VM for it,
 * and answers KVM_CREATE_DEVICE_TEST without calling this.
 *
 * Context: process context, the VM's lock held.
 * Return: the stream, or ERR_PTR(-ENOSPC) beyond MAX_MIGS - 1 streams,
 * ERR_PTR(-EPERM) when a new MIGSC is needed but the TD is migrating, or
 * another ERR_PTR(-errno).
 */
struct tdx_mig_stream *tdx_mig_migsc_stream_create(struct tdx_mig_td *td)
{
	struct tdx_mig_stream *s;
	int ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->td = td;
	mutex_init(&s->lock);
	ret = tdx_mig_migsc_get(td, &s->index);
	if (ret) {
		mutex_destroy(&s->lock);
		kfree(s);
		return ERR_PTR(ret);
	}
	tdx_mig_debugfs_stream_add(s);
	return s;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_migsc_stream_create);
