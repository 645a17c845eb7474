/* SPDX-License-Identifier: MIT */
#include "seccomp_profile.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"

/*
 * The default profile, modelled on Docker's: everything not allowed fails
 * with EPERM.  A line is "allow NAME...", "deny NAME..." (EPERM, listed so
 * that the profile names these calls and the ENOSYS cut-off stays above
 * them), "enosys NAME..." or "allow-if NAME ARG OP VALUE [MASK]" with OP
 * eq, ne or masked-eq; several allow-if lines for one call are alternatives.
 * Names that the installed libseccomp does not know are skipped, and a
 * call newer than every name it knows then gets ENOSYS from the stub.
 */
static const char default_profile[] =
	"# reef default seccomp profile, version 1\n"
	"allow accept accept4 access adjtimex alarm arch_prctl bind brk cachestat capget capset\n"
	"allow chdir chmod chown chown32 chroot clock_getres clock_getres_time64 clock_gettime\n"
	"allow clock_gettime64 clock_nanosleep clock_nanosleep_time64 close close_range connect\n"
	"allow copy_file_range creat dup dup2 dup3 epoll_create epoll_create1 epoll_ctl\n"
	"allow epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2\n"
	"allow execve execveat exit exit_group faccessat faccessat2 fadvise64 fadvise64_64\n"
	"allow fallocate fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat\n"
	"allow fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr\n"
	"allow fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex\n"
	"allow futex_requeue futex_time64 futex_wait futex_waitv futex_wake futimesat getcpu\n"
	"allow getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32\n"
	"allow getgroups getgroups32 getitimer getpeername getpgid getpgrp getpid getppid\n"
	"allow getpriority getrandom getresgid getresgid32 getresuid getresuid32 getrlimit\n"
	"allow get_robust_list getrusage getsid getsockname getsockopt get_thread_area gettid\n"
	"allow gettimeofday getuid getuid32 getxattr inotify_add_watch inotify_init\n"
	"allow inotify_init1 inotify_rm_watch io_cancel ioctl io_destroy io_getevents\n"
	"allow io_pgetevents io_pgetevents_time64 ioprio_get ioprio_set io_setup io_submit\n"
	"allow io_uring_enter io_uring_register io_uring_setup ipc kill landlock_add_rule\n"
	"allow landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link\n"
	"allow linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat\n"
	"allow lstat64 madvise membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod\n"
	"allow mknodat mlock mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open\n"
	"allow mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink\n"
	"allow mremap msgctl msgget msgrcv msgsnd msync munlock munlockall munmap\n"
	"allow name_to_handle_at nanosleep newfstatat _newselect open openat openat2 pause\n"
	"allow pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll\n"
	"allow ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease\n"
	"allow pselect6 pselect6_time64 pwrite64 pwritev pwritev2 read readahead readlink\n"
	"allow readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages\n"
	"allow removexattr rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction\n"
	"allow rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend\n"
	"allow rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity\n"
	"allow sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min\n"
	"allow sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64\n"
	"allow sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield\n"
	"allow seccomp select semctl semget semop semtimedop semtimedop_time64 send sendfile\n"
	"allow sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid\n"
	"allow setgid32 setgroups setgroups32 setitimer setpgid setpriority setregid setregid32\n"
	"allow setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit\n"
	"allow set_robust_list setsid setsockopt set_thread_area set_tid_address setuid setuid32\n"
	"allow setxattr shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4\n"
	"allow sigprocmask sigreturn socketcall socketpair splice stat stat64 statfs statfs64\n"
	"allow statx symlink symlinkat sync sync_file_range sync_file_range2 syncfs sysinfo tee\n"
	"allow tgkill time timer_create timer_delete timer_getoverrun timer_gettime\n"
	"allow timer_gettime64 timer_settime timer_settime64 timerfd_create timerfd_gettime\n"
	"allow timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate\n"
	"allow truncate64 ugetrlimit umask uname unlink unlinkat utime utimensat\n"
	"allow utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev\n"
	"# AF_VSOCK (40) reaches the host outside every network namespace.\n"
	"allow-if socket 0 ne 40\n"
	"# Namespace flags (CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET).\n"
	"allow-if clone 0 masked-eq 0 0x7e020000\n"
	"# clone3 passes its flags in memory that BPF cannot read, so callers fall back to clone.\n"
	"enosys clone3\n"
	"# PER_LINUX, PER_LINUX32, UNAME26 and their combination, and the query 0xffffffff.\n"
	"allow-if personality 0 eq 0x0\n"
	"allow-if personality 0 eq 0x8\n"
	"allow-if personality 0 eq 0x20000\n"
	"allow-if personality 0 eq 0x20008\n"
	"allow-if personality 0 eq 0xffffffff\n"
	"# Host-wide or namespace-escaping operations.\n"
	"deny acct add_key bpf clock_adjtime clock_adjtime64 clock_settime clock_settime64\n"
	"deny create_module delete_module finit_module fsconfig fsmount fsopen fspick\n"
	"deny get_kernel_syms get_mempolicy init_module ioperm iopl kcmp kexec_file_load\n"
	"deny kexec_load keyctl lookup_dcookie mbind modify_ldt mount mount_setattr move_mount\n"
	"deny move_pages nfsservctl open_by_handle_at open_tree perf_event_open pidfd_getfd\n"
	"deny pivot_root process_madvise process_vm_readv process_vm_writev ptrace\n"
	"deny query_module quotactl quotactl_fd reboot request_key set_mempolicy\n"
	"deny set_mempolicy_home_node setns settimeofday stime swapoff swapon syslog _sysctl\n"
	"deny sysfs umount umount2 unshare uselib userfaultfd ustat vhangup vm86 vm86old\n";

const char *seccomp_profile_text(const char *name)
{
	if (strcmp(name, "default") == 0)
		return default_profile;
	return NULL;
}

/* The architectures a filter covers: the native one and, on x86-64, 32-bit x86. */
struct profile_arches {
	uint32_t arch[2];
	int max_nr[2]; /* highest system call number the profile names, per arch */
	size_t n;
};

DEFINE_CLEANUP(void, seccomp_release)

static void profile_arches_note(struct profile_arches *arches, const char *name)
{
	for (size_t i = 0; i < arches->n; i++) {
		int nr = seccomp_syscall_resolve_name_arch(arches->arch[i], name);

		if (nr >= 0 && nr > arches->max_nr[i])
			arches->max_nr[i] = nr;
	}
}

static int profile_rule_add(scmp_filter_ctx ctx, struct profile_arches *arches, uint32_t action,
			    const char *name, unsigned n_args, const struct scmp_arg_cmp *cmp,
			    struct reef_error *err)
{
	int nr = seccomp_syscall_resolve_name(name);
	int r;

	if (nr == __NR_SCMP_ERROR)
		return 0; /* unknown to this libseccomp: treated as newer than the profile */
	profile_arches_note(arches, name);
	r = seccomp_rule_add_array(ctx, action, nr, n_args, cmp);
	if (r < 0)
		return error_set_errno(err, -r, "add seccomp rule for '%s'", name);
	return 0;
}

static int profile_arg_rule_parse(char *save, struct scmp_arg_cmp *cmp, struct reef_error *err)
{
	char *arg = strtok_r(NULL, " ", &save), *op = strtok_r(NULL, " ", &save);
	char *value = strtok_r(NULL, " ", &save), *mask = strtok_r(NULL, " ", &save);

	if (!arg || !op || !value)
		return error_set(err, EINVAL, "allow-if needs NAME ARG OP VALUE");
	memset(cmp, 0, sizeof(*cmp));
	cmp->arg = (unsigned)strtoul(arg, NULL, 10);
	if (strcmp(op, "eq") == 0) {
		cmp->op = SCMP_CMP_EQ;
		cmp->datum_a = strtoull(value, NULL, 0);
	} else if (strcmp(op, "ne") == 0) {
		cmp->op = SCMP_CMP_NE;
		cmp->datum_a = strtoull(value, NULL, 0);
	} else if (strcmp(op, "masked-eq") == 0 && mask) {
		cmp->op = SCMP_CMP_MASKED_EQ;
		cmp->datum_a = strtoull(mask, NULL, 0);
		cmp->datum_b = strtoull(value, NULL, 0);
	} else {
		return error_set(err, EINVAL, "unknown comparison '%s'", op);
	}
	return 0;
}

static int profile_line_apply(scmp_filter_ctx ctx, struct profile_arches *arches, char *line,
			      struct reef_error *err)
{
	char *save = NULL;
	char *verb = strtok_r(line, " ", &save);
	uint32_t action;
	int r = 0;

	if (!verb || verb[0] == '#')
		return 0;
	if (strcmp(verb, "allow-if") == 0) {
		char *name = strtok_r(NULL, " ", &save);
		struct scmp_arg_cmp cmp;

		if (!name)
			return error_set(err, EINVAL, "allow-if needs a system call name");
		r = profile_arg_rule_parse(save, &cmp, err);
		if (r == 0)
			r = profile_rule_add(ctx, arches, SCMP_ACT_ALLOW, name, 1, &cmp, err);
		return r;
	}
	if (strcmp(verb, "allow") == 0)
		action = SCMP_ACT_ALLOW;
	else if (strcmp(verb, "enosys") == 0)
		action = SCMP_ACT_ERRNO(ENOSYS);
	else if (strcmp(verb, "deny") == 0)
		action = 0; /* the default action: only noted */
	else
		return error_set(err, EINVAL, "unknown rule '%s'", verb);

	for (char *name = strtok_r(NULL, " ", &save); name && r == 0;
	     name = strtok_r(NULL, " ", &save)) {
		if (action == 0)
			profile_arches_note(arches, name);
		else
			r = profile_rule_add(ctx, arches, action, name, 0, NULL, err);
	}
	return r;
}

static int profile_rules_apply(scmp_filter_ctx ctx, struct profile_arches *arches, const char *text,
			       struct reef_error *err)
{
	_cleanup_(free_ptr) char *copy = strdup(text);
	char *save = NULL;
	int line_no = 0;
	int r;

	if (!copy)
		return error_set(err, ENOMEM, "copy seccomp profile");
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line_no++;
		r = profile_line_apply(ctx, arches, line, err);
		if (r < 0)
			return error_prefix(err, "seccomp profile line %d", line_no);
	}
	return 0;
}

/* Reads the BPF program that libseccomp generates for CTX through a memfd. */
static int profile_export(scmp_filter_ctx ctx, struct sock_filter **ret, size_t *ret_len,
			  struct reef_error *err)
{
	_cleanup_(close_fd) int fd = memfd_create("reef-seccomp", MFD_CLOEXEC);
	_cleanup_(free_ptr) struct sock_filter *insns = NULL;
	struct stat st;
	int r;

	if (fd < 0)
		return error_set_errno(err, errno, "create memfd for the seccomp filter");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return error_set_errno(err, -r, "export the seccomp filter");
	if (fstat(fd, &st) < 0)
		return error_set_errno(err, errno, "stat the exported seccomp filter");
	if (st.st_size == 0 || st.st_size % sizeof(struct sock_filter) != 0)
		return error_set(err, EIO, "exported seccomp filter has %lld bytes",
				 (long long)st.st_size);
	insns = malloc(st.st_size);
	if (!insns)
		return error_set(err, ENOMEM, "allocate the seccomp filter");
	if (pread(fd, insns, st.st_size, 0) != st.st_size)
		return error_set_errno(err, errno ? errno : EIO,
				       "read the exported seccomp filter");
	*ret_len = st.st_size / sizeof(struct sock_filter);
	*ret = take_ptr(insns);
	return 0;
}

/*
 * Builds the stub that runs before libseccomp's program.  For each arch
 * the profile covers, it compares the system call number with the highest
 * one the profile names and returns ENOSYS above it.  A program then gets
 * ENOSYS for a call newer than the profile and falls back, as it would on
 * an older kernel, instead of failing with EPERM.  On x86-64 this also
 * sends x32 calls (number bit 30 set) to ENOSYS.
 *
 *   ld [arch]
 *   per arch:  jeq ARCH, 0, +2;  ld [nr];  jgt MAX, ->enosys, ->filter
 *   ja ->filter;  enosys: ret ERRNO|ENOSYS;  filter: libseccomp's program
 */
static size_t profile_stub_build(const struct profile_arches *arches, struct sock_filter *stub)
{
	size_t n = arches->n, at = 0;
	size_t enosys = 2 + 3 * n, filter = 3 + 3 * n;

	stub[at++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						  offsetof(struct seccomp_data, arch));
	for (size_t i = 0; i < n; i++) {
		stub[at] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arches->arch[i],
							0, 2);
		at++;
		stub[at++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
							  offsetof(struct seccomp_data, nr));
		stub[at] = (struct sock_filter)BPF_JUMP(
			BPF_JMP | BPF_JGT | BPF_K, (uint32_t)arches->max_nr[i],
			(uint8_t)(enosys - at - 1), (uint8_t)(filter - at - 1));
		at++;
	}
	stub[at] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA | BPF_K, 1, 0, 0);
	at++;
	stub[at++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						  SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
	return at;
}

static int profile_arches_init(scmp_filter_ctx ctx, struct profile_arches *arches,
			       struct reef_error *err)
{
	int r;

	memset(arches, 0, sizeof(*arches));
	arches->arch[arches->n++] = seccomp_arch_native();
	if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
		r = seccomp_arch_add(ctx, SCMP_ARCH_X86);
		if (r < 0 && r != -EEXIST)
			return error_set_errno(err, -r, "add x86 to the seccomp filter");
		arches->arch[arches->n++] = SCMP_ARCH_X86;
	}
	for (size_t i = 0; i < arches->n; i++)
		arches->max_nr[i] = -1;
	return 0;
}

int seccomp_profile_compile(const char *text, struct seccomp_filter *ret, struct reef_error *err)
{
	_cleanup_(seccomp_release_cleanup) void *ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	_cleanup_(free_ptr) struct sock_filter *body = NULL;
	struct sock_filter stub[16];
	struct profile_arches arches;
	struct sock_filter *insns;
	size_t body_len = 0, stub_len;
	int r;

	if (!ctx)
		return error_set(err, ENOMEM, "initialise libseccomp");
	/* A binary tree of system call numbers keeps a long allow list cheap per call. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	r = profile_arches_init(ctx, &arches, err);
	if (r == 0)
		r = profile_rules_apply(ctx, &arches, text, err);
	if (r == 0)
		r = profile_export(ctx, &body, &body_len, err);
	if (r < 0)
		return r;

	stub_len = profile_stub_build(&arches, stub);
	if (stub_len + body_len > BPF_MAXINSNS)
		return error_set(err, E2BIG,
				 "seccomp filter has %zu instructions, the maximum is %d",
				 stub_len + body_len, BPF_MAXINSNS);
	insns = malloc((stub_len + body_len) * sizeof(*insns));
	if (!insns)
		return error_set(err, ENOMEM, "allocate the seccomp filter");
	memcpy(insns, stub, stub_len * sizeof(*insns));
	memcpy(insns + stub_len, body, body_len * sizeof(*insns));
	ret->insns = insns;
	ret->len = (unsigned short)(stub_len + body_len);
	return 0;
}
