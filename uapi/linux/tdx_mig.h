/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tdx-mig userspace API.
 *
 * The stream-device uAPI (KVM_DEV_TYPE_TDX_MIG_STREAM, its attributes, mmap
 * layout and KVM_MEMORY_ENCRYPT_OP commands) arrives with the migration
 * core; see Documentation/uapi.rst once it exists. Until then only the
 * version below is defined, and it says that no ioctl is provided yet.
 */
#ifndef _UAPI_LINUX_TDX_MIG_H
#define _UAPI_LINUX_TDX_MIG_H

#define TDX_MIG_UAPI_VERSION	0

#endif /* _UAPI_LINUX_TDX_MIG_H */
