/* SPDX-License-Identifier: MIT */
/*
 * Deleting the conntrack entries of a changed forward over ctnetlink.  An
 * entry keeps steering a flow to the old target (or to a host socket) for
 * as long as it lives, which for UDP is as long as packets keep coming, so
 * a new or removed forward would otherwise not take effect.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "../common/log.h"
#include "internal.h"

/* One entry to delete: its original tuple as the kernel sent it. */
struct ct_victim {
	uint8_t family;
	uint16_t tuple_len;
	uint8_t tuple[128];
	bool has_zone;
	uint16_t zone; /* network byte order, as in CTA_ZONE */
};

struct ct_scan {
	const struct fw_flush *ranges;
	size_t n_ranges;
	struct ifaddrs *local; /* the host's addresses, read when first needed */
	bool local_read;
	struct ct_victim *victims;
	size_t n_victims;
	bool nomem;
};

struct ct_tuple {
	struct ip_addr dst;
	uint8_t proto;
	uint16_t dport;
};

static bool tuple_parse(const struct nlattr *orig, int family, struct ct_tuple *t)
{
	const struct nlattr *a, *b;
	bool have_dst = false, have_port = false;

	memset(t, 0, sizeof(*t));
	mnl_attr_for_each_nested(a, orig)
	{
		if (mnl_attr_get_type(a) == CTA_TUPLE_IP) {
			mnl_attr_for_each_nested(b, a)
			{
				int type = mnl_attr_get_type(b);

				if (type == CTA_IP_V4_DST && mnl_attr_get_payload_len(b) == 4) {
					ip_addr_from_bytes(AF_INET, mnl_attr_get_payload(b),
							   &t->dst);
					have_dst = true;
				} else if (type == CTA_IP_V6_DST &&
					   mnl_attr_get_payload_len(b) == 16) {
					ip_addr_from_bytes(AF_INET6, mnl_attr_get_payload(b),
							   &t->dst);
					have_dst = true;
				}
			}
		} else if (mnl_attr_get_type(a) == CTA_TUPLE_PROTO) {
			mnl_attr_for_each_nested(b, a)
			{
				if (mnl_attr_get_type(b) == CTA_PROTO_NUM)
					t->proto = mnl_attr_get_u8(b);
				else if (mnl_attr_get_type(b) == CTA_PROTO_DST_PORT) {
					t->dport = ntohs(mnl_attr_get_u16(b));
					have_port = true;
				}
			}
		}
	}
	return have_dst && have_port && t->dst.family == family;
}

static bool addr_is_local(struct ct_scan *scan, const struct ip_addr *a)
{
	if (!scan->local_read) {
		scan->local_read = true;
		/* Without the list, only entries already destination-NATed match. */
		if (getifaddrs(&scan->local) < 0)
			scan->local = NULL;
	}
	for (struct ifaddrs *ifa = scan->local; ifa; ifa = ifa->ifa_next) {
		struct ip_addr own;

		if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != a->family)
			continue;
		if (a->family == AF_INET)
			ip_addr_from_bytes(AF_INET,
					   &((struct sockaddr_in *)ifa->ifa_addr)->sin_addr, &own);
		else
			ip_addr_from_bytes(
				AF_INET6, &((struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr, &own);
		if (ip_addr_equal(&own, a))
			return true;
	}
	return false;
}

static bool tuple_matches(struct ct_scan *scan, const struct ct_tuple *t, uint32_t status)
{
	for (size_t i = 0; i < scan->n_ranges; i++) {
		const struct fw_flush *f = &scan->ranges[i];

		if (f->proto != t->proto || t->dport < f->port || t->dport > f->port_end)
			continue;
		if (f->has_addr ? ip_addr_equal(&f->addr, &t->dst)
				: (status & IPS_DST_NAT) || addr_is_local(scan, &t->dst))
			return true;
	}
	return false;
}

static int ct_scan_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr, *orig = NULL, *zone = NULL;
	struct ct_scan *scan = data;
	uint32_t status = 0;
	struct ct_victim *v;
	struct ct_tuple t;
	int family = nfg->nfgen_family == AF_INET ? AF_INET : AF_INET6;

	mnl_attr_for_each(attr, nlh, sizeof(*nfg))
	{
		if (mnl_attr_get_type(attr) == CTA_TUPLE_ORIG)
			orig = attr;
		else if (mnl_attr_get_type(attr) == CTA_STATUS)
			status = ntohl(mnl_attr_get_u32(attr));
		else if (mnl_attr_get_type(attr) == CTA_ZONE)
			zone = attr;
	}
	if (!orig || mnl_attr_get_payload_len(orig) > sizeof(v->tuple) ||
	    !tuple_parse(orig, family, &t) || !tuple_matches(scan, &t, status))
		return MNL_CB_OK;

	v = realloc(scan->victims, (scan->n_victims + 1) * sizeof(*v));
	if (!v) {
		scan->nomem = true;
		return MNL_CB_STOP;
	}
	scan->victims = v;
	v += scan->n_victims++;
	v->family = nfg->nfgen_family;
	v->tuple_len = mnl_attr_get_payload_len(orig);
	memcpy(v->tuple, mnl_attr_get_payload(orig), v->tuple_len);
	v->has_zone = zone != NULL;
	v->zone = zone ? mnl_attr_get_u16(zone) : 0;
	return MNL_CB_OK;
}

static struct nlmsghdr *ct_msg(char *buf, uint16_t type, uint16_t flags, uint8_t family,
			       uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

static int ct_delete(struct mnl_socket *nl, const struct ct_victim *v, uint32_t seq,
		     struct reef_error *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = ct_msg(buf, IPCTNL_MSG_CT_DELETE, NLM_F_ACK, v->family, seq);
	int r;

	mnl_attr_put(nlh, CTA_TUPLE_ORIG | NLA_F_NESTED, v->tuple_len, v->tuple);
	if (v->has_zone)
		mnl_attr_put_u16(nlh, CTA_ZONE, v->zone);
	r = nl_talk(nl, nlh, NULL, NULL, err);
	/* The entry may have expired between the dump and the delete. */
	if (r == -ENOENT)
		return 0;
	return r;
}

/*
 * Whether the namespace has any conntrack entry.  A dump walks every
 * bucket of the conntrack hash table, which takes milliseconds even when
 * the table is empty, so an empty table skips it.
 */
static bool conntrack_empty(void)
{
	_cleanup_(close_fd) int fd =
		open("/proc/sys/net/netfilter/nf_conntrack_count", O_RDONLY | O_CLOEXEC);
	char text[32] = "";

	if (fd < 0 || read(fd, text, sizeof(text) - 1) <= 0)
		return false;
	return strtoul(text, NULL, 10) == 0;
}

int fw_conntrack_flush_ranges(struct mnl_socket *nl, const struct fw_flush *ranges, size_t n,
			      struct reef_error *err)
{
	struct ct_scan scan = { .ranges = ranges, .n_ranges = n };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t seq = time(NULL);
	int r;

	if (conntrack_empty())
		return 0;
	r = nl_talk(nl, ct_msg(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, AF_UNSPEC, seq++), ct_scan_cb,
		    &scan, err);
	if (r < 0) {
		error_prefix(err, "list conntrack entries");
		goto out;
	}
	if (scan.nomem) {
		r = error_set_errno(err, ENOMEM, "list conntrack entries");
		goto out;
	}
	for (size_t i = 0; i < scan.n_victims && r >= 0; i++)
		r = ct_delete(nl, &scan.victims[i], seq++, err);
	if (r < 0)
		error_prefix(err, "delete conntrack entry");
	else
		r = scan.n_victims;

out:
	free(scan.victims);
	if (scan.local)
		freeifaddrs(scan.local);
	return r;
}

/*
 * The cleaner deletes the entries of committed changes on its own thread.
 * Finding them takes a walk over the whole conntrack hash table, which all
 * network namespaces share: 262,144 buckets on a host with 4 GiB or more,
 * about 4 ms however few entries there are.  That walk must not sit
 * between a request and its reply.  Each walk takes every range queued so
 * far and starts after the commits that queued them, so no entry made
 * under the old rules outlives it.
 */
struct fw_cleaner {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake, idle;
	struct fw_flush *queue;
	size_t n_queue;
	bool busy, stop;
};

static void *cleaner_main(void *data)
{
	struct fw_cleaner *c = data;
	struct mnl_socket *nl = NULL;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		struct reef_error err = { 0 };
		struct timespec start, end;
		struct fw_flush *ranges;
		int deleted;
		size_t n;

		while (c->n_queue == 0 && !c->stop)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->n_queue == 0)
			break;
		ranges = c->queue;
		n = c->n_queue;
		c->queue = NULL;
		c->n_queue = 0;
		c->busy = true;
		pthread_mutex_unlock(&c->lock);

		clock_gettime(CLOCK_MONOTONIC, &start);
		deleted = nl ? 0 : nl_open_netfilter(&nl, &err);
		if (deleted == 0)
			deleted = fw_conntrack_flush_ranges(nl, ranges, n, &err);
		clock_gettime(CLOCK_MONOTONIC, &end);
		if (deleted < 0)
			log_warning("delete conntrack entries of changed forwards: %s, ignoring",
				    err.message);
		else
			log_debug("deleted %d conntrack entries for %zu changed host port ranges "
				  "in %.2f ms",
				  deleted, n,
				  (end.tv_sec - start.tv_sec) * 1e3 +
					  (end.tv_nsec - start.tv_nsec) / 1e6);
		free(ranges);

		pthread_mutex_lock(&c->lock);
		c->busy = false;
		if (c->n_queue == 0)
			pthread_cond_broadcast(&c->idle);
	}
	pthread_mutex_unlock(&c->lock);
	if (nl)
		mnl_socket_close(nl);
	return NULL;
}

int fw_cleaner_start(struct fw_cleaner **ret, struct reef_error *err)
{
	struct fw_cleaner *c = calloc(1, sizeof(*c));
	sigset_t all, old;
	int r;

	if (!c)
		return error_set_errno(err, ENOMEM, "start the conntrack cleaner");
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	pthread_cond_init(&c->idle, NULL);
	/* The main thread waits for signals, so the cleaner blocks them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&c->thread, NULL, cleaner_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		free(c);
		return error_set_errno(err, r, "start the conntrack cleaner");
	}
	*ret = c;
	return 0;
}

int fw_cleaner_queue(struct fw_cleaner *c, const struct fw_flush *ranges, size_t n,
		     struct reef_error *err)
{
	struct fw_flush *queue;

	pthread_mutex_lock(&c->lock);
	queue = realloc(c->queue, (c->n_queue + n) * sizeof(*queue));
	if (queue) {
		memcpy(queue + c->n_queue, ranges, n * sizeof(*queue));
		c->queue = queue;
		c->n_queue += n;
		pthread_cond_signal(&c->wake);
	}
	pthread_mutex_unlock(&c->lock);
	return queue ? 0 : error_set_errno(err, ENOMEM, "queue conntrack deletions");
}

void fw_cleaner_wait(struct fw_cleaner *c)
{
	pthread_mutex_lock(&c->lock);
	while (c->n_queue > 0 || c->busy)
		pthread_cond_wait(&c->idle, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

void fw_cleaner_stop(struct fw_cleaner *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->idle);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c->queue);
	free(c);
}
