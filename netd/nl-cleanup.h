/* SPDX-License-Identifier: MIT */
#ifndef REEF_NETD_NL_CLEANUP_H
#define REEF_NETD_NL_CLEANUP_H

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "../common/cleanup.h"

/* Scope-bound release of libnl objects, for _cleanup_(). */
DEFINE_CLEANUP(struct rtnl_link, rtnl_link_put)
DEFINE_CLEANUP(struct rtnl_addr, rtnl_addr_put)
DEFINE_CLEANUP(struct rtnl_route, rtnl_route_put)
DEFINE_CLEANUP(struct nl_addr, nl_addr_put)
DEFINE_CLEANUP(struct nl_cache, nl_cache_free)

#endif
