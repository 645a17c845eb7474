/* SPDX-License-Identifier: MIT */
#include "store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/cleanup.h"

/* Prepared statements are kept per SQL text, so a hot path compiles its SQL once. */
#define STORE_STMT_CACHE 32

struct store {
	sqlite3 *db;
	bool in_transaction;
	struct {
		const char *sql;
		sqlite3_stmt *stmt;
	} cache[STORE_STMT_CACHE];
};

/*
 * Migrations, one per schema version: entry I brings a database from
 * version I to I + 1.  Never edit an entry that has shipped; append one.
 */
static const char *const migrations[] = {
	"CREATE TABLE networks ("
	"  name TEXT PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  ifname TEXT NOT NULL,"
	"  parent TEXT NOT NULL,"
	"  mtu INTEGER NOT NULL,"
	"  internal INTEGER NOT NULL,"
	"  isolate INTEGER NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX networks_ifname ON networks(ifname) WHERE ifname != '';"
	"CREATE TABLE pools ("
	"  network TEXT NOT NULL REFERENCES networks(name) ON DELETE CASCADE,"
	"  family INTEGER NOT NULL,"
	"  subnet TEXT NOT NULL,"
	"  gateway TEXT NOT NULL,"
	"  cursor INTEGER NOT NULL,"
	"  PRIMARY KEY (network, family));"
	"CREATE TABLE endpoints ("
	"  container TEXT NOT NULL,"
	"  network TEXT NOT NULL REFERENCES networks(name) ON DELETE CASCADE,"
	"  pid INTEGER NOT NULL,"
	"  start_time INTEGER NOT NULL,"
	"  ifname TEXT NOT NULL,"
	"  host_ifname TEXT NOT NULL UNIQUE,"
	"  mac TEXT NOT NULL,"
	"  addr4 TEXT,"
	"  addr6 TEXT,"
	"  default_route INTEGER NOT NULL,"
	"  PRIMARY KEY (container, network));"
	"CREATE INDEX endpoints_network ON endpoints(network);"
	"CREATE TABLE leases ("
	"  network TEXT NOT NULL,"
	"  address TEXT NOT NULL,"
	"  container TEXT NOT NULL,"
	"  PRIMARY KEY (network, address),"
	"  FOREIGN KEY (container, network) REFERENCES endpoints(container, network)"
	"    ON DELETE CASCADE);"
	"CREATE INDEX leases_endpoint ON leases(container, network);",
	/* Port forwards and endpoint options, both owned by their endpoint. */
	"CREATE TABLE forwards ("
	"  container TEXT NOT NULL,"
	"  network TEXT NOT NULL,"
	"  proto INTEGER NOT NULL,"
	"  host_addr TEXT NOT NULL,"
	"  host_port INTEGER NOT NULL,"
	"  host_port_end INTEGER NOT NULL,"
	"  container_port INTEGER NOT NULL,"
	"  PRIMARY KEY (proto, host_addr, host_port),"
	"  FOREIGN KEY (container, network) REFERENCES endpoints(container, network)"
	"    ON DELETE CASCADE);"
	"CREATE INDEX forwards_endpoint ON forwards(container, network);"
	"CREATE TABLE endpoint_options ("
	"  container TEXT NOT NULL,"
	"  network TEXT NOT NULL,"
	"  antispoof INTEGER NOT NULL,"
	"  PRIMARY KEY (container, network),"
	"  FOREIGN KEY (container, network) REFERENCES endpoints(container, network)"
	"    ON DELETE CASCADE);",
	/*
	 * The conflict check of a new forward looks up forwards by host port
	 * whatever their address, and bounds the search with the widest range.
	 */
	"CREATE INDEX forwards_port ON forwards(proto, host_port);"
	"CREATE INDEX forwards_width ON forwards(proto, host_port_end - host_port);",
};
_Static_assert(sizeof(migrations) / sizeof(*migrations) == STORE_SCHEMA_VERSION,
	       "one migration per schema version");

static int store_db_error(struct store *store, int rc, const char *what, struct reef_error *err)
{
	int errnum = EIO;

	if (rc == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_CONSTRAINT)
		errnum = EEXIST;
	else if (rc == SQLITE_NOMEM)
		errnum = ENOMEM;
	else if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		errnum = EBUSY;
	return error_set(err, errnum, "%s: %s", what, sqlite3_errmsg(store->db));
}

static int store_exec(struct store *store, const char *sql, struct reef_error *err)
{
	int rc = sqlite3_exec(store->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return store_db_error(store, rc, "database", err);
	return 0;
}

/* Returns the cached statement for SQL, reset and with its bindings cleared. */
static sqlite3_stmt *store_stmt(struct store *store, const char *sql, struct reef_error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < STORE_STMT_CACHE && store->cache[i].sql; i++) {
		if (store->cache[i].sql == sql) {
			sqlite3_reset(store->cache[i].stmt);
			sqlite3_clear_bindings(store->cache[i].stmt);
			return store->cache[i].stmt;
		}
	}
	if (i == STORE_STMT_CACHE) {
		error_set(err, ENOSPC, "database: statement cache is full");
		return NULL;
	}
	rc = sqlite3_prepare_v3(store->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				&store->cache[i].stmt, NULL);
	if (rc != SQLITE_OK) {
		store_db_error(store, rc, "database: prepare", err);
		return NULL;
	}
	store->cache[i].sql = sql;
	return store->cache[i].stmt;
}

static int store_migrate(struct store *store, struct reef_error *err)
{
	int version = store_schema_version(store);
	char pragma[64];
	int r;

	if (version < 0)
		return error_set(err, EIO, "database: read user_version: %s",
				 sqlite3_errmsg(store->db));
	if (version > STORE_SCHEMA_VERSION)
		return error_set(err, EPROTO,
				 "database schema version %d is newer than this reef-netd (%d): "
				 "run a newer reef-netd",
				 version, STORE_SCHEMA_VERSION);
	for (; version < STORE_SCHEMA_VERSION; version++) {
		r = store_begin(store, err);
		if (r < 0)
			return r;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d;", version + 1);
		r = store_exec(store, migrations[version], err);
		if (r == 0)
			r = store_exec(store, pragma, err);
		if (r == 0)
			r = store_commit(store, err);
		if (r < 0) {
			store_rollback(store);
			return error_prefix(err, "migrate database to version %d", version + 1);
		}
	}
	return 0;
}

int store_open(const char *path, struct store **ret, struct reef_error *err)
{
	struct store *store = calloc(1, sizeof(*store));
	int rc, r;

	if (!store)
		return error_set(err, ENOMEM, "allocate store");
	rc = sqlite3_open_v2(path, &store->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		r = error_set(err, EIO, "open database '%s': %s", path,
			      store->db ? sqlite3_errmsg(store->db) : sqlite3_errstr(rc));
		store_close(store);
		return r;
	}
	/*
	 * WAL with synchronous=NORMAL: a commit survives the process being
	 * killed at any point; after a power loss the last commits may be lost
	 * but the database stays consistent, and reconciliation at start fixes
	 * the kernel side either way.
	 */
	r = store_exec(store,
		       "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
		       "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 2000;",
		       err);
	if (r == 0)
		r = store_migrate(store, err);
	if (r < 0) {
		error_prefix(err, "open database '%s'", path);
		store_close(store);
		return r;
	}
	*ret = store;
	return 0;
}

void store_close(struct store *store)
{
	if (!store)
		return;
	for (size_t i = 0; i < STORE_STMT_CACHE && store->cache[i].sql; i++)
		sqlite3_finalize(store->cache[i].stmt);
	sqlite3_close(store->db);
	free(store);
}

int store_schema_version(struct store *store)
{
	sqlite3_stmt *stmt;
	int version = -1;

	if (sqlite3_prepare_v2(store->db, "PRAGMA user_version;", -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		version = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return version;
}

struct sqlite3 *store_db(struct store *store)
{
	return store->db;
}

int store_begin(struct store *store, struct reef_error *err)
{
	int r = store_exec(store, "BEGIN IMMEDIATE;", err);

	if (r == 0)
		store->in_transaction = true;
	return r;
}

int store_commit(struct store *store, struct reef_error *err)
{
	int r = store_exec(store, "COMMIT;", err);

	if (r == 0)
		store->in_transaction = false;
	return r;
}

void store_rollback(struct store *store)
{
	if (!store->in_transaction)
		return;
	sqlite3_exec(store->db, "ROLLBACK;", NULL, NULL, NULL);
	store->in_transaction = false;
}

/* Runs STMT to completion; a constraint violation becomes -EEXIST with WHAT. */
static int store_step_done(struct store *store, sqlite3_stmt *stmt, const char *what,
			   struct reef_error *err)
{
	int rc = sqlite3_step(stmt);

	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_db_error(store, rc, what, err);
	return 0;
}

static void bind_text(sqlite3_stmt *stmt, int i, const char *text)
{
	sqlite3_bind_text(stmt, i, text, -1, SQLITE_TRANSIENT);
}

static void bind_addr(sqlite3_stmt *stmt, int i, bool present, const struct ip_addr *addr)
{
	char text[IP_ADDR_STRLEN];

	if (!present) {
		sqlite3_bind_null(stmt, i);
		return;
	}
	ip_addr_format(addr, text);
	bind_text(stmt, i, text);
}

static void column_copy(sqlite3_stmt *stmt, int i, char *out, size_t size)
{
	const unsigned char *text = sqlite3_column_text(stmt, i);

	snprintf(out, size, "%s", text ? (const char *)text : "");
}

/* Reads column I as an address; a NULL column leaves *PRESENT false. */
static int column_addr(sqlite3_stmt *stmt, int i, bool *present, struct ip_addr *addr,
		       struct reef_error *err)
{
	const char *text = (const char *)sqlite3_column_text(stmt, i);

	*present = false;
	if (!text)
		return 0;
	if (ip_addr_parse(text, addr, err) < 0)
		return error_prefix(err, "database: corrupt address");
	*present = true;
	return 0;
}

static int store_pool_insert(struct store *store, const char *network,
			     const struct store_pool *pool, struct reef_error *err)
{
	static const char sql[] = "INSERT INTO pools (network, family, subnet, gateway, cursor) "
				  "VALUES (?, ?, ?, ?, ?);";
	sqlite3_stmt *stmt = store_stmt(store, sql, err);
	char subnet[IP_PREFIX_STRLEN];

	if (!stmt)
		return -EIO;
	ip_prefix_format(&pool->subnet, subnet);
	bind_text(stmt, 1, network);
	sqlite3_bind_int(stmt, 2, pool->subnet.addr.family);
	bind_text(stmt, 3, subnet);
	bind_addr(stmt, 4, true, &pool->gateway);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)pool->cursor);
	return store_step_done(store, stmt, "database: insert pool", err);
}

int store_network_insert(struct store *store, const struct store_network *net,
			 struct reef_error *err)
{
	static const char sql[] =
		"INSERT INTO networks (name, kind, ifname, parent, mtu, internal, isolate, "
		"created) VALUES (?, ?, ?, ?, ?, ?, ?, ?);";
	sqlite3_stmt *stmt = store_stmt(store, sql, err);
	int r;

	if (!stmt)
		return -EIO;
	bind_text(stmt, 1, net->name);
	bind_text(stmt, 2, net->kind);
	bind_text(stmt, 3, net->ifname);
	bind_text(stmt, 4, net->parent);
	sqlite3_bind_int(stmt, 5, (int)net->mtu);
	sqlite3_bind_int(stmt, 6, net->internal);
	sqlite3_bind_int(stmt, 7, net->isolate);
	sqlite3_bind_int64(stmt, 8, net->created ? net->created : (long long)time(NULL));
	r = store_step_done(store, stmt, "database: insert network", err);
	if (r == -EEXIST)
		return error_set(err, EEXIST, "network '%s' already exists", net->name);
	if (r == 0 && net->pool4.present)
		r = store_pool_insert(store, net->name, &net->pool4, err);
	if (r == 0 && net->pool6.present)
		r = store_pool_insert(store, net->name, &net->pool6, err);
	return r;
}

int store_network_delete(struct store *store, const char *name, struct reef_error *err)
{
	static const char sql[] = "DELETE FROM networks WHERE name = ?;";
	sqlite3_stmt *stmt = store_stmt(store, sql, err);
	int r;

	if (!stmt)
		return -EIO;
	bind_text(stmt, 1, name);
	r = store_step_done(store, stmt, "database: delete network", err);
	if (r < 0)
		return r;
	if (sqlite3_changes(store->db) == 0)
		return error_set(err, ENOENT, "network '%s' not found", name);
	return 0;
}

static int store_pools_load(struct store *store, struct store_network *net, struct reef_error *err)
{
	static const char sql[] =
		"SELECT family, subnet, gateway, cursor FROM pools WHERE network = ?;";
	sqlite3_stmt *stmt = store_stmt(store, sql, err);
	int rc;

	if (!stmt)
		return -EIO;
	bind_text(stmt, 1, net->name);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int family = sqlite3_column_int(stmt, 0);
		struct store_pool *pool = family == AF_INET6 ? &net->pool6 : &net->pool4;
		const char *subnet = (const char *)sqlite3_column_text(stmt, 1);
		const char *gateway = (const char *)sqlite3_column_text(stmt, 2);

		if (ip_prefix_parse(subnet ? subnet : "", false, &pool->subnet, err) < 0 ||
		    ip_addr_parse(gateway ? gateway : "", &pool->gateway, err) < 0) {
			sqlite3_reset(stmt);
			return error_prefix(err, "database: corrupt pool of network '%s'",
					    net->name);
		}
		pool->cursor = (uint64_t)sqlite3_column_int64(stmt, 3);
		pool->present = true;
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_db_error(store, rc, "database: read pools", err);
	return 0;
}

static void network_from_row(sqlite3_stmt *stmt, struct store_network *net)
{
	memset(net, 0, sizeof(*net));
	column_copy(stmt, 0, net->name, sizeof(net->name));
	column_copy(stmt, 1, net->kind, sizeof(net->kind));
	column_copy(stmt, 2, net->ifname, sizeof(net->ifname));
	column_copy(stmt, 3, net->parent, sizeof(net->parent));
	net->mtu = (unsigned)sqlite3_column_int(stmt, 4);
	net->internal = sqlite3_column_int(stmt, 5) != 0;
	net->isolate = sqlite3_column_int(stmt, 6) != 0;
	net->created = sqlite3_column_int64(stmt, 7);
}

#define NETWORK_COLUMNS "name, kind, ifname, parent, mtu, internal, isolate, created"

int store_network_get(struct store *store, const char *name, struct store_network *ret,
		      struct reef_error *err)
{
	static const char sql[] = "SELECT " NETWORK_COLUMNS " FROM networks WHERE name = ?;";
	sqlite3_stmt *stmt = store_stmt(store, sql, err);
	struct store_network net;
	int rc;

	if (!stmt)
		return -EIO;
	bind_text(stmt, 1, name);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		network_from_row(stmt, &net);
	sqlite3_reset(stmt);
	if (rc == SQLITE_DONE)
		return error_set(err, ENOENT, "network '%s' not found", name);
	if (rc != SQLITE_ROW)
		return store_db_error(store, rc, "database: read network", err);
	if (store_pools_load(store, &net, err) < 0)
		return -EIO;
	*ret = net;
	return 0;
}

/* Grows *ARRAY of *N elements of SIZE bytes by one; returns the new element. */
static void *array_grow(void **array, size_t *n, size_t size)
{
	char *grown = realloc(*array, (*n + 1) * size);

	if (!grown)
		return NULL;
	*array = grown;
	memset(grown + *n * size, 0, size);
	return grown + (*n)++ * size;
}

int store_network_list(struct store *store, struct store_network **ret, size_t *ret_n,
		       struct reef_error *err)
{
	static const char sql[] = "SELECT " NETWORK_COLUMNS " FROM networks ORDER BY name;";
	sqlite3_stmt *stmt = store_stmt(store, sql, err);
	_cleanup_(free_ptr) struct store_network *nets = NULL;
	size_t n = 0;
	int rc;

	if (!stmt)
		return -EIO;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct store_network *net = array_grow((void **)&nets, &n, sizeof(*nets));

		if (!net) {
			sqlite3_reset(stmt);
			return error_set(err, ENOMEM, "list networks");
		}
		network_from_row(stmt, net);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_db_error(store, rc, "database: list networks", err);
	for (size_t i = 0; i < n; i++)
		if (store_pools_load(store, &nets[i], err) < 0)
			return -EIO;
	*ret = take_ptr(nets);
	*ret_n = n;
	return 0;
}

int store_pool_cursor_set(struct store *store, const char *network, int family, uint64_t cursor,
			  struct reef_error *err)
{
	static const char sql[] = "UPDATE pools SET cursor = ? WHERE network = ? AND family = ?;";
	sqlite3_stmt *stmt = store_stmt(store, sql, err);

	if (!stmt)
		return -EIO;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)cursor);
	bind_text(stmt, 2, network);
	sqlite3_bind_int(stmt, 3, family);
	return store_step_done(store, stmt, "database: save pool cursor", err);
}

static int store_lease_insert(struct store *store, const struct store_endpoint *ep,
			      const struct ip_addr *addr, struct reef_error *err)
{
	static const char sql[] =
		"INSERT INTO leases (network, address, container) VALUES (?, ?, ?);";
	sqlite3_stmt *stmt = store_stmt(store, sql, err);
	char text[IP_ADDR_STRLEN];
	int r;

	if (!stmt)
		return -EIO;
	ip_addr_format(addr, text);
	bind_text(stmt, 1, ep->network);
	bind_text(stmt, 2, text);
	bind_text(stmt, 3, ep->container);
	r = store_step_done(store, stmt, "database: insert lease", err);
	if (r == -EEXIST)
		return error_set(err, EEXIST, "address %s is already leased on network '%s'", text,
				 ep->network);
	return r;
}

int store_endpoint_insert(struct store *store, const struct store_endpoint *ep,
			  struct reef_error *err)
{
	static const char sql[] =
		"INSERT INTO endpoints (container, network, pid, start_time, ifname, host_ifname, "
		"mac, addr4, addr6, default_route) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?);";
	sqlite3_stmt *stmt = store_stmt(store, sql, err);
	char mac[MAC_STRLEN];
	int r;

	if (!stmt)
		return -EIO;
	mac_format(ep->mac, mac);
	bind_text(stmt, 1, ep->container);
	bind_text(stmt, 2, ep->network);
	sqlite3_bind_int64(stmt, 3, ep->pid);
	sqlite3_bind_int64(stmt, 4, (sqlite3_int64)ep->start_time);
	bind_text(stmt, 5, ep->ifname);
	bind_text(stmt, 6, ep->host_ifname);
	bind_text(stmt, 7, mac);
	bind_addr(stmt, 8, ep->has_addr4, &ep->addr4);
	bind_addr(stmt, 9, ep->has_addr6, &ep->addr6);
	sqlite3_bind_int(stmt, 10, ep->default_route);
	r = store_step_done(store, stmt, "database: insert endpoint", err);
	if (r == -EEXIST)
		return error_set(err, EEXIST,
				 "container '%s' is already attached to network '%s' "
				 "(or host interface '%s' is taken)",
				 ep->container, ep->network, ep->host_ifname);
	if (r == 0 && ep->has_addr4)
		r = store_lease_insert(store, ep, &ep->addr4, err);
	if (r == 0 && ep->has_addr6)
		r = store_lease_insert(store, ep, &ep->addr6, err);
	return r;
}

int store_endpoint_delete(struct store *store, const char *container, const char *network,
			  struct reef_error *err)
{
	static const char sql[] = "DELETE FROM endpoints WHERE container = ? AND network = ?;";
	sqlite3_stmt *stmt = store_stmt(store, sql, err);
	int r;

	if (!stmt)
		return -EIO;
	bind_text(stmt, 1, container);
	bind_text(stmt, 2, network);
	r = store_step_done(store, stmt, "database: delete endpoint", err);
	if (r < 0)
		return r;
	if (sqlite3_changes(store->db) == 0)
		return error_set(err, ENOENT, "container '%s' is not attached to network '%s'",
				 container, network);
	return 0;
}

#define ENDPOINT_COLUMNS \
	"container, network, pid, start_time, ifname, host_ifname, mac, addr4, addr6, default_route"

static int endpoint_from_row(sqlite3_stmt *stmt, struct store_endpoint *ep, struct reef_error *err)
{
	char mac[MAC_STRLEN + 1];

	memset(ep, 0, sizeof(*ep));
	column_copy(stmt, 0, ep->container, sizeof(ep->container));
	column_copy(stmt, 1, ep->network, sizeof(ep->network));
	ep->pid = (pid_t)sqlite3_column_int64(stmt, 2);
	ep->start_time = (unsigned long long)sqlite3_column_int64(stmt, 3);
	column_copy(stmt, 4, ep->ifname, sizeof(ep->ifname));
	column_copy(stmt, 5, ep->host_ifname, sizeof(ep->host_ifname));
	column_copy(stmt, 6, mac, sizeof(mac));
	ep->default_route = sqlite3_column_int(stmt, 9) != 0;
	if (mac_parse(mac, ep->mac, err) < 0)
		return error_prefix(err, "database: corrupt MAC of endpoint '%s/%s'", ep->container,
				    ep->network);
	if (column_addr(stmt, 7, &ep->has_addr4, &ep->addr4, err) < 0 ||
	    column_addr(stmt, 8, &ep->has_addr6, &ep->addr6, err) < 0)
		return -EIO;
	return 0;
}

int store_endpoint_get(struct store *store, const char *container, const char *network,
		       struct store_endpoint *ret, struct reef_error *err)
{
	static const char sql[] =
		"SELECT " ENDPOINT_COLUMNS " FROM endpoints WHERE container = ? AND network = ?;";
	sqlite3_stmt *stmt = store_stmt(store, sql, err);
	struct store_endpoint ep;
	int rc, r = 0;

	if (!stmt)
		return -EIO;
	bind_text(stmt, 1, container);
	bind_text(stmt, 2, network);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		r = endpoint_from_row(stmt, &ep, err);
	sqlite3_reset(stmt);
	if (rc == SQLITE_DONE)
		return error_set(err, ENOENT, "container '%s' is not attached to network '%s'",
				 container, network);
	if (rc != SQLITE_ROW)
		return store_db_error(store, rc, "database: read endpoint", err);
	if (r < 0)
		return r;
	*ret = ep;
	return 0;
}

int store_endpoint_list(struct store *store, const char *container, const char *network,
			struct store_endpoint **ret, size_t *ret_n, struct reef_error *err)
{
	/* A NULL filter matches every row: "?1 IS NULL OR container = ?1". */
	static const char sql[] = "SELECT " ENDPOINT_COLUMNS " FROM endpoints "
				  "WHERE (?1 IS NULL OR container = ?1) "
				  "AND (?2 IS NULL OR network = ?2) ORDER BY container, network;";
	sqlite3_stmt *stmt = store_stmt(store, sql, err);
	_cleanup_(free_ptr) struct store_endpoint *eps = NULL;
	size_t n = 0;
	int rc = SQLITE_DONE, r = 0;

	if (!stmt)
		return -EIO;
	if (container)
		bind_text(stmt, 1, container);
	if (network)
		bind_text(stmt, 2, network);
	while (r == 0 && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct store_endpoint *ep = array_grow((void **)&eps, &n, sizeof(*eps));

		if (!ep)
			r = error_set(err, ENOMEM, "list endpoints");
		else
			r = endpoint_from_row(stmt, ep, err);
	}
	sqlite3_reset(stmt);
	if (r < 0)
		return r;
	if (rc != SQLITE_DONE)
		return store_db_error(store, rc, "database: list endpoints", err);
	*ret = take_ptr(eps);
	*ret_n = n;
	return 0;
}

int store_endpoint_count(struct store *store, const char *container, const char *network,
			 size_t *ret, struct reef_error *err)
{
	static const char sql[] = "SELECT count(*) FROM endpoints "
				  "WHERE (?1 IS NULL OR container = ?1) "
				  "AND (?2 IS NULL OR network = ?2);";
	sqlite3_stmt *stmt = store_stmt(store, sql, err);
	int rc;

	if (!stmt)
		return -EIO;
	if (container)
		bind_text(stmt, 1, container);
	if (network)
		bind_text(stmt, 2, network);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*ret = (size_t)sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return store_db_error(store, rc, "database: count endpoints", err);
	return 0;
}

bool store_ifname_is_used(struct store *store, const char *ifname)
{
	static const char sql[] = "SELECT 1 FROM endpoints WHERE host_ifname = ?1 "
				  "UNION ALL SELECT 1 FROM networks WHERE ifname = ?1;";
	sqlite3_stmt *stmt = store_stmt(store, sql, NULL);
	int rc;

	/* On a database error, report the name as used so that the caller picks another. */
	if (!stmt)
		return true;
	bind_text(stmt, 1, ifname);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc != SQLITE_DONE;
}

int store_lease_list(struct store *store, const char *network, struct store_lease **ret,
		     size_t *ret_n, struct reef_error *err)
{
	static const char sql[] = "SELECT network, container, address FROM leases "
				  "WHERE (?1 IS NULL OR network = ?1) ORDER BY network, address;";
	sqlite3_stmt *stmt = store_stmt(store, sql, err);
	_cleanup_(free_ptr) struct store_lease *leases = NULL;
	size_t n = 0;
	int rc = SQLITE_DONE, r = 0;

	if (!stmt)
		return -EIO;
	if (network)
		bind_text(stmt, 1, network);
	while (r == 0 && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct store_lease *lease = array_grow((void **)&leases, &n, sizeof(*leases));
		const char *addr = (const char *)sqlite3_column_text(stmt, 2);

		if (!lease) {
			r = error_set(err, ENOMEM, "list leases");
			break;
		}
		column_copy(stmt, 0, lease->network, sizeof(lease->network));
		column_copy(stmt, 1, lease->container, sizeof(lease->container));
		if (ip_addr_parse(addr ? addr : "", &lease->addr, err) < 0)
			r = error_prefix(err, "database: corrupt lease");
	}
	sqlite3_reset(stmt);
	if (r < 0)
		return r;
	if (rc != SQLITE_DONE)
		return store_db_error(store, rc, "database: list leases", err);
	*ret = take_ptr(leases);
	*ret_n = n;
	return 0;
}
