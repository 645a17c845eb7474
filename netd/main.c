/* SPDX-License-Identifier: MIT */
/* reef-netd: the network daemon of reef. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/paths.h"
#include "api.h"
#include "forwards.h"
#include "instance.h"
#include "netd.h"

struct options {
	const char *root;
	int log_level;
	bool foreground;
	gid_t group;
	const char *group_name;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: reef-netd [--root DIR] [--log-level LEVEL] [--group GROUP] [--foreground]\n\n"
		"reef-netd owns reef's networks: bridges, veth pairs, macvlan links, addresses\n"
		"and routes, and serves the API on the socket RUN/netd.sock.\n\n"
		"options:\n"
		"  --root DIR         keep state under DIR/lib and DIR/run instead of\n"
		"                     /var/lib/reef and /run/reef (default: $REEF_ROOT when set)\n"
		"  --log-level LEVEL  error, warning, info (default) or debug\n"
		"  --group GROUP      also let members of GROUP (primary group of the caller)\n"
		"                     use the API; root always may\n"
		"  --foreground       stay in the foreground; without it reef-netd detaches\n"
		"                     once its socket is ready\n");
}

static int options_parse(int argc, char **argv, struct options *opts)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "group", required_argument, NULL, 'g' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	/* reef-netd prints its own errors, which name the option and the way out. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			opts->root = optarg;
			break;
		case 'l':
			if (log_level_parse(optarg, &opts->log_level) < 0) {
				fprintf(stderr,
					"reef-netd: invalid --log-level '%s': give error, warning, "
					"info or debug\n",
					optarg);
				return 2;
			}
			break;
		case 'g': {
			struct group *gr = getgrnam(optarg);

			if (!gr) {
				fprintf(stderr,
					"reef-netd: group '%s' not found: create it or give an "
					"existing group with --group\n",
					optarg);
				return 2;
			}
			opts->group = gr->gr_gid;
			opts->group_name = optarg;
			break;
		}
		case 'f':
			opts->foreground = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case ':':
			fprintf(stderr,
				"reef-netd: option '%s' needs a value: see 'reef-netd --help'\n",
				argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "reef-netd: unknown option '%s': see 'reef-netd --help'\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "reef-netd: unexpected argument '%s': see 'reef-netd --help'\n",
			argv[optind]);
		return 2;
	}
	return 0;
}

/*
 * Detaches from the terminal.  The parent waits on a pipe until the child
 * reports that its socket is ready (one byte) or exits, so that the exit
 * status of "reef-netd" shows whether the daemon came up.  Returns the write
 * end of the pipe in the child.
 */
static int daemonize(void)
{
	int fds[2], null_fd;
	pid_t pid;
	char ready;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(fds[1]);
		if (read(fds[0], &ready, 1) == 1)
			_exit(0);
		_exit(1);
	}
	close(fds[0]);
	if (setsid() < 0)
		return -errno;
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd >= 0) {
		dup2(null_fd, STDIN_FILENO);
		dup2(null_fd, STDOUT_FILENO);
		close(null_fd);
	}
	if (chdir("/") < 0)
		return -errno;
	return fds[1];
}

/* Tells systemd (Type=notify) that the daemon is ready, when it runs under systemd. */
static void notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(addr.sun_path))
		return;
	strcpy(addr.sun_path, path);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	if (path[0] == '@')
		addr.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *)&addr, len) < 0)
		log_warning("notify systemd on '%s': %m, ignoring", path);
	close(fd);
}

/* Takes RUN/netd.lock so that a second daemon on the same root fails instead of racing. */
static int lock_instance(const struct reef_paths *paths, struct reef_error *err)
{
	char path[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/netd.lock", paths->run_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set_errno(err, errno, "open lock file '%s'", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return error_set(err, EBUSY,
				 "another reef-netd already runs with state in '%s': stop it first",
				 paths->state_dir);
	}
	return fd;
}

static int signals_block(void)
{
	sigset_t mask;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	return signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

/*
 * Serves requests until SIGTERM or SIGINT; returns the signal.  Queries on
 * CLAIM_FD, from a second daemon started in this network namespace, get ROOT.
 */
static int serve(struct api *api, struct netd *netd, int signal_fd, int claim_fd, const char *root)
{
	struct pollfd fds[4] = {
		{ .fd = api_poll_fd(api), .events = POLLIN },
		{ .fd = signal_fd, .events = POLLIN },
		{ .fd = netd_fw_monitor_fd(netd), .events = POLLIN },
		{ .fd = claim_fd, .events = POLLIN },
	};
	struct signalfd_siginfo info;

	for (;;) {
		int n = poll(fds, 4, api_timeout_ms(api));

		if (n < 0 && errno != EINTR) {
			log_error("poll: %m");
			return SIGTERM;
		}
		if (fds[1].revents & POLLIN) {
			if (read(signal_fd, &info, sizeof(info)) == sizeof(info))
				return (int)info.ssi_signo;
		}
		if (fds[2].revents & POLLIN)
			netd_fw_monitor_handle(netd);
		if (fds[3].revents & POLLIN)
			instance_claim_answer(claim_fd, root);
		api_run(api);
	}
}

static double elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

/* Whether stderr is the stream systemd connected to the journal ($JOURNAL_STREAM is "DEV:INO"). */
static bool stderr_is_journal(void)
{
	const char *stream = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!stream || sscanf(stream, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/*
 * Points stderr, and so the log, at RUN/netd.log once the daemon detached, so
 * that it stops writing to the terminal that started it.  Sets RET_TERMINAL_FD
 * to a copy of the old stderr, on which a start-up failure is also reported,
 * or to -1 when stderr stays: in the foreground and when it is the journal.
 */
static int log_file_open(const struct options *opts, const struct reef_paths *paths,
			 int *ret_terminal_fd, struct reef_error *err)
{
	char path[PATH_MAX + 16];
	int fd, saved;

	*ret_terminal_fd = -1;
	if (opts->foreground || stderr_is_journal())
		return 0;
	snprintf(path, sizeof(path), "%s/netd.log", paths->run_dir);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return error_set_errno(err, errno, "open log file '%s'", path);
	saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (saved < 0 || dup2(fd, STDERR_FILENO) < 0) {
		int errnum = errno;

		if (saved >= 0)
			close(saved);
		close(fd);
		return error_set_errno(err, errnum, "send the log to '%s'", path);
	}
	close(fd);
	*ret_terminal_fd = saved;
	return 0;
}

/* Logs a start-up failure, and repeats it on the terminal when the log went to a file. */
static void start_failed(const struct reef_error *err, int terminal_fd)
{
	log_error("start failed: %s", err->message);
	if (terminal_fd >= 0)
		dprintf(terminal_fd, "reef-netd: error: start failed: %s\n", err->message);
}

static int run(const struct options *opts, int ready_fd)
{
	struct reef_error err = { 0 };
	struct reef_paths paths;
	struct timespec start;
	struct netd *netd = NULL;
	struct api *api = NULL;
	int lock_fd = -1, claim_fd = -1, terminal_fd = -1, signal_fd, sig, r;

	clock_gettime(CLOCK_MONOTONIC, &start);
	r = paths_init(&paths, opts->root, &err);
	if (r == 0)
		r = mkdir_parents(paths.state_dir, 0755, &err);
	if (r == 0)
		r = mkdir_parents(paths.run_dir, 0755, &err);
	if (r == 0)
		r = log_file_open(opts, &paths, &terminal_fd, &err);
	if (r == 0)
		r = lock_fd = lock_instance(&paths, &err);
	if (r >= 0)
		r = claim_fd = instance_netns_claim(&err);
	if (r >= 0)
		r = netd_open(paths.database, &netd, &err);
	if (r == 0)
		r = netd_reconcile(netd, &err);
	if (r == 0)
		r = netd_fw_start(netd, &err);
	if (r == 0)
		r = api_start(netd, paths.socket, opts->group, &api, &err);
	if (r < 0) {
		start_failed(&err, terminal_fd);
		if (netd)
			netd_fw_stop(netd);
		netd_free(netd);
		return 1;
	}
	signal_fd = signals_block();
	if (signal_fd < 0) {
		error_set_errno(&err, -signal_fd, "create signalfd");
		start_failed(&err, terminal_fd);
		api_stop(api);
		netd_free(netd);
		return 1;
	}
	/* After signals_block(): the thread inherits the mask, so signals reach the signalfd. */
	if (link_reaper_start(&err) < 0)
		log_warning("%s: detaches delete their veths themselves", err.message);

	log_info("started (pid %d, state '%s', socket '%s'%s%s) in %.1f ms", (int)getpid(),
		 paths.state_dir, paths.socket, opts->group_name ? ", group " : "",
		 opts->group_name ? opts->group_name : "", elapsed_ms(&start));
	notify_ready();
	if (terminal_fd >= 0)
		close(terminal_fd);
	if (ready_fd >= 0) {
		if (write(ready_fd, "1", 1) != 1)
			log_warning("tell the parent that the daemon is ready: %m, ignoring");
		close(ready_fd);
	}

	sig = serve(api, netd, signal_fd, claim_fd, paths.root);
	log_info("stopping on %s", strsignal(sig));
	api_stop(api);
	link_reaper_stop();
	netd_fw_stop(netd);
	netd_free(netd);
	close(signal_fd);
	close(claim_fd);
	close(lock_fd);
	log_info("stopped");
	return 0;
}

int main(int argc, char **argv)
{
	struct options opts = { .log_level = LOG_INFO, .group = (gid_t)-1 };
	int ready_fd = -1;
	int r = options_parse(argc, argv, &opts);

	if (r != 0)
		return r == 1 ? 0 : r;
	log_init("reef-netd", opts.log_level);
	if (!opts.foreground) {
		ready_fd = daemonize();
		if (ready_fd < 0) {
			log_error("start failed: detach from the terminal: %s",
				  strerror(-ready_fd));
			return 1;
		}
	}
	return run(&opts, ready_fd);
}
