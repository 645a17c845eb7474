/* SPDX-License-Identifier: MIT */
/* The store's rows for port forwards and endpoint options. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "forwards.h"

static int db_error(struct store *store, int rc, const char *what, struct reef_error *err)
{
	int errnum = (rc & 0xff) == SQLITE_CONSTRAINT ? EEXIST : EIO;

	return error_set(err, errnum, "database: %s: %s", what, sqlite3_errmsg(store_db(store)));
}

static sqlite3_stmt *db_prepare(struct store *store, const char *sql, struct reef_error *err)
{
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(store_db(store), sql, -1, &stmt, NULL);

	if (rc != SQLITE_OK) {
		db_error(store, rc, "prepare", err);
		return NULL;
	}
	return stmt;
}

static void finalize(sqlite3_stmt **stmt)
{
	sqlite3_finalize(*stmt);
}

static void bind_spec(sqlite3_stmt *stmt, int first, const struct fw_forward_spec *spec)
{
	char addr[IP_ADDR_STRLEN] = "";

	if (spec->has_host_addr)
		ip_addr_format(&spec->host_addr, addr);
	sqlite3_bind_int(stmt, first, spec->proto);
	sqlite3_bind_text(stmt, first + 1, addr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(stmt, first + 2, spec->host_port);
	sqlite3_bind_int(stmt, first + 3, spec->host_port_end);
	sqlite3_bind_int(stmt, first + 4, spec->container_port);
}

/* Reads columns container, network, proto, host_addr, host_port, host_port_end, container_port. */
static int row_read(sqlite3_stmt *stmt, struct store_forward *ret, struct reef_error *err)
{
	const char *addr = (const char *)sqlite3_column_text(stmt, 3);

	memset(ret, 0, sizeof(*ret));
	snprintf(ret->container, sizeof(ret->container), "%s", sqlite3_column_text(stmt, 0));
	snprintf(ret->network, sizeof(ret->network), "%s", sqlite3_column_text(stmt, 1));
	ret->spec.proto = sqlite3_column_int(stmt, 2);
	if (addr && addr[0]) {
		if (ip_addr_parse(addr, &ret->spec.host_addr, err) < 0)
			return error_prefix(err, "database: corrupt forward address");
		ret->spec.has_host_addr = true;
	}
	ret->spec.host_port = sqlite3_column_int(stmt, 4);
	ret->spec.host_port_end = sqlite3_column_int(stmt, 5);
	ret->spec.container_port = sqlite3_column_int(stmt, 6);
	return 0;
}

#define FORWARD_COLUMNS \
	"container, network, proto, host_addr, host_port, host_port_end, container_port"

int store_forward_insert(struct store *store, const struct store_forward *fwd,
			 struct reef_error *err)
{
	_cleanup_(finalize) sqlite3_stmt *stmt = db_prepare(
		store, "INSERT INTO forwards (" FORWARD_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?);",
		err);
	int rc;

	if (!stmt)
		return -EIO;
	sqlite3_bind_text(stmt, 1, fwd->container, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, fwd->network, -1, SQLITE_TRANSIENT);
	bind_spec(stmt, 3, &fwd->spec);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		return db_error(store, rc, "insert forward", err);
	return 0;
}

int store_forward_delete(struct store *store, const char *container,
			 const struct fw_forward_spec *spec, struct store_forward *ret,
			 struct reef_error *err)
{
	_cleanup_(finalize) sqlite3_stmt *stmt = db_prepare(
		store,
		"DELETE FROM forwards WHERE container = ? AND proto = ? AND host_addr = ? AND "
		"host_port = ? AND host_port_end = ? AND container_port = ? RETURNING " FORWARD_COLUMNS
		";",
		err);
	int rc;

	if (!stmt)
		return -EIO;
	sqlite3_bind_text(stmt, 1, container, -1, SQLITE_TRANSIENT);
	bind_spec(stmt, 2, spec);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		return -ENOENT;
	if (rc != SQLITE_ROW)
		return db_error(store, rc, "delete forward", err);
	return row_read(stmt, ret, err);
}

int store_forward_list(struct store *store, const char *container, const char *network,
		       struct store_forward **ret, size_t *ret_n, struct reef_error *err)
{
	_cleanup_(finalize) sqlite3_stmt *stmt = db_prepare(
		store,
		"SELECT " FORWARD_COLUMNS " FROM forwards WHERE (?1 IS NULL OR container = ?1) "
		"AND (?2 IS NULL OR network = ?2) ORDER BY container, network, proto, host_port;",
		err);
	_cleanup_(free_ptr) struct store_forward *list = NULL;
	size_t n = 0, cap = 0;
	int rc, r;

	if (!stmt)
		return -EIO;
	if (container)
		sqlite3_bind_text(stmt, 1, container, -1, SQLITE_TRANSIENT);
	if (network)
		sqlite3_bind_text(stmt, 2, network, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (n == cap) {
			struct store_forward *grown;

			cap = cap ? 2 * cap : 16;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown)
				return error_set(err, ENOMEM, "list forwards");
			list = grown;
		}
		r = row_read(stmt, &list[n], err);
		if (r < 0)
			return r;
		n++;
	}
	if (rc != SQLITE_DONE)
		return db_error(store, rc, "list forwards", err);
	*ret = take_ptr(list);
	*ret_n = n;
	return 0;
}

int store_forward_conflict(struct store *store, const struct fw_forward_spec *spec,
			   struct store_forward *ret, bool *ret_found, struct reef_error *err)
{
	_cleanup_(finalize) sqlite3_stmt *stmt = db_prepare(
		store,
		"SELECT " FORWARD_COLUMNS " FROM forwards WHERE proto = ?1 AND host_port BETWEEN "
		"?2 - (SELECT max(host_port_end - host_port) FROM forwards WHERE proto = ?1) AND ?3 "
		"AND host_port_end >= ?2 AND (host_addr = '' OR ?4 = '' OR host_addr = ?4) LIMIT 1;",
		err);
	char addr[IP_ADDR_STRLEN] = "";
	int rc;

	if (!stmt)
		return -EIO;
	if (spec->has_host_addr)
		ip_addr_format(&spec->host_addr, addr);
	sqlite3_bind_int(stmt, 1, spec->proto);
	sqlite3_bind_int(stmt, 2, spec->host_port);
	sqlite3_bind_int(stmt, 3, spec->host_port_end);
	sqlite3_bind_text(stmt, 4, addr, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		*ret_found = false;
		return 0;
	}
	if (rc != SQLITE_ROW)
		return db_error(store, rc, "look up forwards", err);
	*ret_found = true;
	return row_read(stmt, ret, err);
}

int store_antispoof_set(struct store *store, const char *container, const char *network,
			struct reef_error *err)
{
	_cleanup_(finalize) sqlite3_stmt *stmt = db_prepare(
		store,
		"INSERT OR REPLACE INTO endpoint_options (container, network, antispoof) "
		"VALUES (?, ?, 1);",
		err);
	int rc;

	if (!stmt)
		return -EIO;
	sqlite3_bind_text(stmt, 1, container, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, network, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE)
		return db_error(store, rc, "store endpoint options", err);
	return 0;
}

bool store_antispoof_get(struct store *store, const char *container, const char *network)
{
	_cleanup_(finalize) sqlite3_stmt *stmt = db_prepare(
		store,
		"SELECT antispoof FROM endpoint_options WHERE container = ? AND network = ?;",
		NULL);

	if (!stmt)
		return false;
	sqlite3_bind_text(stmt, 1, container, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 2, network, -1, SQLITE_TRANSIENT);
	return sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int(stmt, 0) != 0;
}
