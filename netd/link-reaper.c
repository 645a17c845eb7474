/* SPDX-License-Identifier: MIT */
/*
 * The link reaper: a thread that deletes the host ends of detached veths
 * after the detach has replied.  Deleting a veth takes the kernel 20 to
 * 35 ms (measured on a 2-core VM with Linux 6.18), most of it waiting for
 * RCU grace periods after the link is unregistered.  reef-netd applies one
 * request at a time, so without the thread every attach that arrives
 * meanwhile waits as long.
 *
 * The thread only deletes links by name, with its own netlink socket.  The
 * database, the leases and the firewall stay with the main thread, which
 * has already released them.  The thread runs in reef-netd's own network
 * namespace because threads keep theirs when the main thread enters a
 * container's namespace.  A link still queued when reef-netd is killed
 * keeps its reef alias and no endpoint owns it, so reconciliation deletes
 * it at the next start.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../common/log.h"
#include "netlink.h"

/* The maximum number of queued links; a detach that finds the queue full deletes the link itself. */
#define REAPER_QUEUE_MAX 256

static struct {
	pthread_mutex_t lock;
	pthread_cond_t changed; /* an item was queued or deleted, or the reaper must stop */
	pthread_t thread;
	bool running;
	bool stopping;
	size_t head, count; /* a ring of COUNT names from HEAD; the head is being deleted */
	char names[REAPER_QUEUE_MAX][16];
	char aliases[REAPER_QUEUE_MAX][256]; /* the alias each link must still carry */
} reaper = { .lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER };

static double elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/*
 * Deletes veth IFNAME if it still carries ALIAS.  By the time the thread
 * comes to it, the kernel may have deleted it with the container's
 * namespace, and another link may have taken the name.
 */
static int link_reap(const char *ifname, const char *alias, struct reef_error *err)
{
	struct netlink nl;
	bool exists;
	int r;

	r = netlink_open(&nl, err);
	if (r < 0)
		return r;
	r = link_owner_check(&nl, ifname, alias, "veth", &exists, err);
	if (r == 0 && exists)
		r = link_delete(&nl, ifname, err);
	if (r == -ENODEV) {
		error_clear(err);
		r = 0;
	}
	netlink_close(&nl);
	return r;
}

static void *link_reaper_run(void *arg)
{
	char name[16], alias[256];

	pthread_mutex_lock(&reaper.lock);
	for (;;) {
		struct reef_error err = { 0 };
		struct timespec start;

		while (reaper.count == 0 && !reaper.stopping)
			pthread_cond_wait(&reaper.changed, &reaper.lock);
		if (reaper.count == 0)
			break;
		/* The name stays queued while it is deleted, so link_reaper_wait() finds it. */
		memcpy(name, reaper.names[reaper.head], sizeof(name));
		memcpy(alias, reaper.aliases[reaper.head], sizeof(alias));
		pthread_mutex_unlock(&reaper.lock);

		clock_gettime(CLOCK_MONOTONIC, &start);
		if (link_reap(name, alias, &err) < 0)
			log_warning("delete interface '%s' after detach: %s, ignoring", name,
				    err.message);
		else
			log_debug("deleted interface '%s' after detach in %.2f ms", name,
				  elapsed_ms(&start));

		pthread_mutex_lock(&reaper.lock);
		reaper.head = (reaper.head + 1) % REAPER_QUEUE_MAX;
		reaper.count--;
		pthread_cond_broadcast(&reaper.changed);
	}
	pthread_mutex_unlock(&reaper.lock);
	return arg;
}

int link_reaper_start(struct reef_error *err)
{
	int r;

	pthread_mutex_lock(&reaper.lock);
	reaper.stopping = false;
	r = pthread_create(&reaper.thread, NULL, link_reaper_run, NULL);
	reaper.running = r == 0;
	pthread_mutex_unlock(&reaper.lock);
	if (r != 0)
		return error_set_errno(err, r, "start the link reaper thread");
	return 0;
}

void link_reaper_stop(void)
{
	pthread_mutex_lock(&reaper.lock);
	if (!reaper.running) {
		pthread_mutex_unlock(&reaper.lock);
		return;
	}
	reaper.stopping = true;
	pthread_cond_broadcast(&reaper.changed);
	pthread_mutex_unlock(&reaper.lock);

	/* The thread deletes what is queued before it ends. */
	pthread_join(reaper.thread, NULL);
	pthread_mutex_lock(&reaper.lock);
	reaper.running = false;
	pthread_mutex_unlock(&reaper.lock);
}

bool link_reaper_queue(const char *ifname, const char *alias)
{
	bool queued = false;

	if (strlen(ifname) >= sizeof(reaper.names[0]) || strlen(alias) >= sizeof(reaper.aliases[0]))
		return false;
	pthread_mutex_lock(&reaper.lock);
	if (reaper.running && !reaper.stopping && reaper.count < REAPER_QUEUE_MAX) {
		size_t tail = (reaper.head + reaper.count) % REAPER_QUEUE_MAX;

		strcpy(reaper.names[tail], ifname);
		strcpy(reaper.aliases[tail], alias);
		reaper.count++;
		pthread_cond_broadcast(&reaper.changed);
		queued = true;
	}
	pthread_mutex_unlock(&reaper.lock);
	return queued;
}

/* True when IFNAME is queued or being deleted; called with the lock held. */
static bool link_reaper_has(const char *ifname)
{
	for (size_t i = 0; i < reaper.count; i++)
		if (strcmp(reaper.names[(reaper.head + i) % REAPER_QUEUE_MAX], ifname) == 0)
			return true;
	return false;
}

void link_reaper_wait(const char *ifname)
{
	pthread_mutex_lock(&reaper.lock);
	while (link_reaper_has(ifname))
		pthread_cond_wait(&reaper.changed, &reaper.lock);
	pthread_mutex_unlock(&reaper.lock);
}
