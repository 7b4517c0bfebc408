// SPDX-License-Identifier: GPL-2.0
/*
 * Binding user TDs to their Migration TD: the VM-fd commands PREBIND,
 * BIND, SET_MIGRATION_INFO and GET_MIGRATION_INFO (Intel's ids 5-8). A
 * user TD has one binding slot (the TDX Module's MAX_SERVTDS is 1); a
 * MigTD has a table of the user TDs bound to it, indexed by request id
 * and bounded by max_bound_tds. One global lock guards both sides.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "core/core.h"
#include "export.h"

static unsigned int max_bound_tds = TDX_MIG_SERVTD_SLOTS;
module_param(max_bound_tds, uint, 0644);
MODULE_PARM_DESC(max_bound_tds, "User TDs one Migration TD may serve (1-32)");

/* Guards every tdx_mig_td.binding, .usertds and .servtd_wait, and req_gen. */
DEFINE_MUTEX(tdx_mig_servtd_lock);
EXPORT_SYMBOL_FOR_TDX_MIG_KUNIT(tdx_mig_servtd_lock);
static u64 req_gen;

static unsigned int slots_limit(void)
{
	return clamp_t(unsigned int, READ_ONCE(max_bound_tds), 1, TDX_MIG_SERVTD_SLOTS);
}

/* The header every kvm_tdx_servtd has; @union_bytes of the union are used. */
static int servtd_args_ok(const struct kvm_tdx_servtd *a, size_t union_bytes)
{
	if (a->version != KVM_TDX_SERVTD_VERSION || memchr_inv(a->pad, 0, sizeof(a->pad)) ||
	    a->type >= KVM_TDX_SERVTD_TYPE_MAX)
		return -EINVAL;
	if (memchr_inv(a->hash + union_bytes, 0, sizeof(a->hash) - union_bytes))
		return -EINVAL;
	return 0;
}

/* PREBIND: the hash of the MigTD to come, before the TD is finalized. */
static int servtd_prebind(struct tdx_mig_td *td, const struct kvm_tdx_servtd *a, u64 *status)
{
	struct page *hash_page;
	int ret = servtd_args_ok(a, sizeof(a->hash));

	if (ret)
		return ret;
	hash_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!hash_page)
		return -ENOMEM;
	memcpy(page_address(hash_page), a->hash, sizeof(a->hash));
	mutex_lock(&tdx_mig_servtd_lock);
	if (td->binding.state != TDX_MIG_BINDING_INIT) {
		ret = -EPERM;
		goto out;
	}
	*status = tdx_mig_tdh_servtd_prebind(tdx_mig_tdr(td->info.tdr_pa), page_to_phys(hash_page),
					     a->type, a->type, a->attr);
	if (*status) {
		ret = tdx_mig_status_to_errno(*status);
		goto out;
	}
	td->binding.state = TDX_MIG_BINDING_PREBOUND;
	td->binding.attr = a->attr;
out:
	mutex_unlock(&tdx_mig_servtd_lock);
	__free_page(hash_page);
	return ret;
}

/* The user TD leaves its MigTD's table (the binding itself stays). */
static void servtd_unlink(struct tdx_mig_td *td)
{
	struct tdx_mig_binding *b = &td->binding;

	lockdep_assert_held(&tdx_mig_servtd_lock);
	if (b->servtd && b->servtd->usertds[b->slot] == td)
		b->servtd->usertds[b->slot] = NULL;
	b->servtd = NULL;
}

/* The request id of @td in @servtd's table: its own, or a free one. */
static int servtd_req_id(struct tdx_mig_td *servtd, struct tdx_mig_td *td)
{
	unsigned int i, limit = slots_limit();
	int free = -EBUSY;

	for (i = 0; i < TDX_MIG_SERVTD_SLOTS; i++) {
		if (servtd->usertds[i] == td)
			return i;
		if (free < 0 && i < limit && !servtd->usertds[i])
			free = i;
	}
	return free;
}

/*
 * The caller may name only a MigTD whose VMM it could trace, as pidfd_getfd()
 * and process_vm_readv() require: the same real user and group as every one
 * of the target's, or CAP_SYS_PTRACE over it, or CAP_SYS_ADMIN. (Modules
 * cannot call ptrace_may_access(); the LSM and "dumpable" parts of that check
 * are not made here.) Return: 0, -ENOENT for no such process, or -EPERM.
 */
static int servtd_may_bind(pid_t nr)
{
	const struct cred *me = current_cred(), *tc;
	struct task_struct *task;
	struct pid *pid;
	bool ok;

	pid = find_get_pid(nr);
	task = pid ? get_pid_task(pid, PIDTYPE_PID) : NULL;
	put_pid(pid);
	if (!task)
		return -ENOENT;
	rcu_read_lock();
	tc = __task_cred(task);
	ok = (uid_eq(me->uid, tc->euid) && uid_eq(me->uid, tc->suid) && uid_eq(me->uid, tc->uid) &&
	      gid_eq(me->gid, tc->egid) && gid_eq(me->gid, tc->sgid) && gid_eq(me->gid, tc->gid)) ||
	     ns_capable(tc->user_ns, CAP_SYS_PTRACE);
	rcu_read_unlock();
	put_task_struct(task);
	return ok || capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

/* BIND: the MigTD is named by the pid of its VMM, as in Intel's uAPI. */
static int servtd_bind(struct tdx_mig_td *td, const struct kvm_tdx_servtd *a, u64 *status)
{
	struct tdx_mig_binding *b = &td->binding;
	struct tdx_mig_td *servtd;
	u64 handle, uuid[4];
	int ret = servtd_args_ok(a, sizeof(a->pid)), req;

	if (ret)
		return ret;
	ret = servtd_may_bind(a->pid);
	if (ret)
		return ret;
	servtd = td->ops->servtd_get(td->vm, a->pid);
	if (!servtd)
		return -ENOENT;
	if (servtd == td) {
		ret = -EINVAL;
		goto put;
	}
	mutex_lock(&tdx_mig_servtd_lock);
	req = servtd_req_id(servtd, td);
	if (req < 0) {
		ret = req;
		goto unlock;
	}
	*status = tdx_mig_tdh_servtd_bind(tdx_mig_tdr(td->info.tdr_pa),
					  tdx_mig_tdr(servtd->info.tdr_pa), a->type, a->type,
					  a->attr, &handle, uuid);
	if (*status) {
		ret = tdx_mig_status_to_errno(*status);
		goto unlock;
	}
	if (b->servtd != servtd)
		servtd_unlink(td);
	/* A new place in the table gets a request id never used before. */
	if (servtd->usertds[req] != td)
		b->req_id = ++req_gen * TDX_MIG_SERVTD_SLOTS + req;
	b->state = TDX_MIG_BINDING_BOUND;
	b->handle = handle;
	memcpy(b->uuid, uuid, sizeof(b->uuid));
	b->attr = a->attr;
	b->servtd = servtd;
	b->slot = req;
	servtd->usertds[req] = td;
unlock:
	mutex_unlock(&tdx_mig_servtd_lock);
put:
	servtd->ops->put(servtd->vm);
	return ret;
}

/* SET_MIGRATION_INFO: the user TD waits for its MigTD's pre-migration. */
static int servtd_set_info(struct tdx_mig_td *td, const struct kvm_tdx_set_migration_info *in)
{
	struct tdx_mig_binding *b = &td->binding;
	int ret = 0;

	if (in->version || in->is_src > 1 || memchr_inv(in->pad, 0, sizeof(in->pad)))
		return -EINVAL;
	mutex_lock(&tdx_mig_servtd_lock);
	if (!b->servtd) {
		ret = -ENOENT;
	} else if (b->state == TDX_MIG_BINDING_PREMIG_PROGRESS) {
		ret = -EBUSY;	/* the MigTD is at work on it */
	} else {
		b->is_src = in->is_src;
		b->vsock_port = in->vsock_port;
		b->state = TDX_MIG_BINDING_PREMIG_WAIT;
		tdx_mig_servtd_notify(b->servtd);
	}
	mutex_unlock(&tdx_mig_servtd_lock);
	return ret;
}

/**
 * tdx_mig_servtd_vm_cmd - KVM_MEMORY_ENCRYPT_OP on a VM fd (ids 5-8)
 * @td: the VM's TD
 * @cmd: the command, copied in; its error field gets a failed SEAMCALL's
 *	 TDX status
 *
 * Context: process context. Return: 0 or -errno.
 */
int tdx_mig_servtd_vm_cmd(struct tdx_mig_td *td, struct kvm_tdx_cmd *cmd)
{
	void __user *data = u64_to_user_ptr(cmd->data);
	struct kvm_tdx_get_migration_info out = {};
	struct kvm_tdx_set_migration_info in;
	struct kvm_tdx_servtd a;
	u64 status = 0;
	int ret;

	if (cmd->flags || KVM_TDX_CMD_ERROR(cmd))
		return -EINVAL;
	switch (cmd->id) {
	case KVM_TDX_SERVTD_PREBIND:
	case KVM_TDX_SERVTD_BIND:
		if (copy_from_user(&a, data, sizeof(a)))
			return -EFAULT;
		ret = cmd->id == KVM_TDX_SERVTD_BIND ? servtd_bind(td, &a, &status) :
						       servtd_prebind(td, &a, &status);
		break;
	case KVM_TDX_SET_MIGRATION_INFO:
		if (copy_from_user(&in, data, sizeof(in)))
			return -EFAULT;
		ret = servtd_set_info(td, &in);
		break;
	case KVM_TDX_GET_MIGRATION_INFO:
		mutex_lock(&tdx_mig_servtd_lock);
		out.premig_done = td->binding.state == TDX_MIG_BINDING_PREMIG_DONE;
		mutex_unlock(&tdx_mig_servtd_lock);
		ret = copy_to_user(data, &out, sizeof(out)) ? -EFAULT : 0;
		break;
	default:
		return -EINVAL;
	}
	if (ret && status)
		KVM_TDX_CMD_ERROR(cmd) = status;
	return ret;
}
EXPORT_SYMBOL_FOR_TDX_MIG_EMU(tdx_mig_servtd_vm_cmd);

/*
 * A TD goes away: it leaves its MigTD's table; as a MigTD, its user TDs
 * lose it: a finished pre-migration still counts, one waiting or under
 * way is over (bound, so the VMM sees it is not done).
 */
void tdx_mig_servtd_release(struct tdx_mig_td *td)
{
	unsigned int i;

	mutex_lock(&tdx_mig_servtd_lock);
	servtd_unlink(td);
	for (i = 0; i < TDX_MIG_SERVTD_SLOTS; i++) {
		struct tdx_mig_binding *b;

		if (!td->usertds[i])
			continue;
		b = &td->usertds[i]->binding;
		if (b->state == TDX_MIG_BINDING_PREMIG_WAIT ||
		    b->state == TDX_MIG_BINDING_PREMIG_PROGRESS)
			b->state = TDX_MIG_BINDING_BOUND;
		b->servtd = NULL;
		td->usertds[i] = NULL;
	}
	td->servtd_wait.armed = false;
	mutex_unlock(&tdx_mig_servtd_lock);
}

/*
 * A new STATE.IMMUTABLE export or import used the keys the MigTDs wrote
 * (MIG_DEC_KEY_SET is consumed), so the next migration needs its own
 * pre-migration.
 */
void tdx_mig_servtd_premig_consume(struct tdx_mig_td *td)
{
	mutex_lock(&tdx_mig_servtd_lock);
	if (td->binding.state == TDX_MIG_BINDING_PREMIG_DONE)
		td->binding.state = TDX_MIG_BINDING_BOUND;
	mutex_unlock(&tdx_mig_servtd_lock);
}
