/* SPDX-License-Identifier: MIT */
#ifndef REEF_NETD_FORWARDS_H
#define REEF_NETD_FORWARDS_H

#include <stdbool.h>
#include <stddef.h>

#include "../firewall/firewall.h"
#include "netd.h"

/*
 * Port forwards and anti-spoofing in reef-netd: their rows in the store
 * (tables forwards and endpoint_options, which the database deletes with
 * their endpoint) and reef's nftables table, kept in step with both the
 * store and the kernel's links.
 */

struct store_forward {
	char container[REEF_NAME_MAX + 1];
	char network[REEF_NAME_MAX + 1];
	struct fw_forward_spec spec;
};

/* Inserts a forward of CONTAINER on NETWORK; -EEXIST when its first host port is taken. */
int store_forward_insert(struct store *store, const struct store_forward *fwd,
			 struct reef_error *err);
/* Deletes the forward of CONTAINER with exactly SPEC; -ENOENT when there is none. */
int store_forward_delete(struct store *store, const char *container,
			 const struct fw_forward_spec *spec, struct store_forward *ret,
			 struct reef_error *err);
/* Lists forwards, filtered by CONTAINER and NETWORK when not NULL; free *RET with free(). */
int store_forward_list(struct store *store, const char *container, const char *network,
		       struct store_forward **ret, size_t *ret_n, struct reef_error *err);
/* Finds a stored forward that overlaps SPEC; *RET_FOUND is set to whether one does. */
int store_forward_conflict(struct store *store, const struct fw_forward_spec *spec,
			   struct store_forward *ret, bool *ret_found, struct reef_error *err);

int store_antispoof_set(struct store *store, const char *container, const char *network,
			struct reef_error *err);
bool store_antispoof_get(struct store *store, const char *container, const char *network);

/*
 * Opens the nftables connection and the monitor, warns about other tables
 * that drop forwarded traffic, and rebuilds reef's table from the store.
 */
int netd_fw_start(struct netd *netd, struct reef_error *err);
void netd_fw_stop(struct netd *netd);
/* Replaces reef's table with one built from the store, in one batch. */
int netd_fw_rebuild(struct netd *netd, struct reef_error *err);
/* The monitor's fd for the main loop, or -1 when the firewall is not started. */
int netd_fw_monitor_fd(const struct netd *netd);
/* Reads nftables events and restores reef's table when someone else changed it. */
void netd_fw_monitor_handle(struct netd *netd);

int netd_fw_network_add(struct netd *netd, const struct store_network *rec, struct reef_error *err);
/* Removes NET's elements together with every forward and anti-spoofing chain on it. */
int netd_fw_network_remove(struct netd *netd, const struct netd_network *net,
			   struct reef_error *err);
/* Adds EP's forwards (REQ's) and anti-spoofing chain; stores them in the open transaction. */
int netd_fw_endpoint_attach(struct netd *netd, const struct store_endpoint *ep,
			    const struct attach_request *req, struct reef_error *err);
/* Removes EP's forwards and anti-spoofing chain; call before the store deletes EP. */
int netd_fw_endpoint_detach(struct netd *netd, const struct store_endpoint *ep,
			    struct reef_error *err);

/*
 * Adds one forward to the attached endpoint CONTAINER/NETWORK (NETWORK may
 * be NULL when the container has one endpoint).  Conflicts with stored
 * forwards are rejected naming the owner; a host port where a host
 * process listens is rejected unless FORCE.
 */
int netd_forward_add(struct netd *netd, const char *container, const char *network,
		     const struct fw_forward_spec *spec, bool force, struct store_forward *ret,
		     struct reef_error *err);
int netd_forward_remove(struct netd *netd, const char *container,
			const struct fw_forward_spec *spec, struct reef_error *err);

/* Checks SPEC against stored forwards and host listeners, as netd_forward_add() does. */
int netd_forward_check(struct netd *netd, const struct fw_forward_spec *spec, bool force,
		       struct reef_error *err);

#endif
