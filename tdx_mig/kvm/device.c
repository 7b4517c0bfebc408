// SPDX-License-Identifier: GPL-2.0
/*
 * The migration stream device on KVM (KVM_DEV_TYPE_TDX_MIG_STREAM): KVM
 * owns the fd and the VM reference; each callback is the core's.
 */
#include <linux/kvm_host.h>
#include <linux/slab.h>

#include "kvm.h"
#include "../host.h"

/* Under kvm->lock: the TD's session, created at the first stream. */
static int stream_create(struct kvm_device *dev, u32 type)
{
	struct tdx_mig_stream *s;
	struct tdx_mig_kvm *mig;

	mig = tdx_mig_kvm_get(dev->kvm);
	if (IS_ERR(mig))
		return PTR_ERR(mig);
	s = tdx_mig_migsc_stream_create(mig->td);
	if (IS_ERR(s))
		return PTR_ERR(s);
	dev->private = s;
	return 0;
}

/* Under kvm->lock, at the fd's last close; KVM's device is ours to free. */
static void stream_release(struct kvm_device *dev)
{
	tdx_mig_migsc_stream_release(dev->private);
	kfree(dev);
}

static int stream_set_attr(struct kvm_device *dev, struct kvm_device_attr *attr)
{
	return tdx_mig_migsc_stream_set_attr(dev->private, attr);
}

static int stream_get_attr(struct kvm_device *dev, struct kvm_device_attr *attr)
{
	return tdx_mig_migsc_stream_get_attr(dev->private, attr);
}

static int stream_has_attr(struct kvm_device *dev, struct kvm_device_attr *attr)
{
	return tdx_mig_migsc_stream_has_attr(dev->private, attr);
}

static long stream_ioctl(struct kvm_device *dev, unsigned int ioctl, unsigned long arg)
{
	return tdx_mig_migsc_stream_ioctl(dev->private, ioctl, arg);
}

static int stream_mmap(struct kvm_device *dev, struct vm_area_struct *vma)
{
	return tdx_mig_migsc_stream_mmap(dev->private, vma);
}

static const struct kvm_device_ops stream_ops = {
	.name = "kvm-tdx-mig",
	.create = stream_create,
	/* Never called while ->release exists: the fd holds the VM. */
	.destroy = stream_release,
	.release = stream_release,
	.set_attr = stream_set_attr,
	.get_attr = stream_get_attr,
	.has_attr = stream_has_attr,
	.ioctl = stream_ioctl,
	.mmap = stream_mmap,
};

int tdx_mig_kvm_device_register(void)
{
	return kvm_register_device_ops(&stream_ops, KVM_DEV_TYPE_TDX_MIG_STREAM);
}

void tdx_mig_kvm_device_unregister(void)
{
	kvm_unregister_device_ops(KVM_DEV_TYPE_TDX_MIG_STREAM);
}
