/* SPDX-License-Identifier: MIT */
#include "json.h"

#include <errno.h>
#include <string.h>

int json_check_keys(const json_t *obj, const char *const allowed[], const char *where,
		    struct reef_error *err)
{
	const char *key;
	json_t *value;

	if (!json_is_object(obj))
		return error_set(err, EINVAL, "invalid %s: expected a JSON object", where);
	json_object_foreach ((json_t *)obj, key, value) {
		bool known = false;

		for (size_t i = 0; allowed[i]; i++)
			if (strcmp(key, allowed[i]) == 0)
				known = true;
		if (!known)
			return error_set(err, EINVAL, "invalid %s: unknown field '%s'", where, key);
	}
	return 0;
}

static int json_lookup(const json_t *obj, const char *key, bool required, json_t **ret,
		       const char *where, struct reef_error *err)
{
	json_t *value = json_object_get(obj, key);

	if (!value || json_is_null(value)) {
		*ret = NULL;
		if (required)
			return error_set(err, EINVAL, "invalid %s: missing field '%s'", where, key);
		return 0;
	}
	*ret = value;
	return 0;
}

static int json_wrong_type(const char *key, const char *type, const char *where,
			   struct reef_error *err)
{
	return error_set(err, EINVAL, "invalid %s: field '%s' must be %s", where, key, type);
}

int json_read_string(const json_t *obj, const char *key, bool required, const char **ret,
		     const char *where, struct reef_error *err)
{
	json_t *value;
	int r = json_lookup(obj, key, required, &value, where, err);

	if (r < 0 || !value)
		return r;
	if (!json_is_string(value))
		return json_wrong_type(key, "a string", where, err);
	if (strlen(json_string_value(value)) != json_string_length(value))
		return error_set(err, EINVAL, "invalid %s: field '%s' contains a NUL byte", where,
				 key);
	*ret = json_string_value(value);
	return 0;
}

int json_read_int(const json_t *obj, const char *key, bool required, long long min, long long max,
		  long long *ret, const char *where, struct reef_error *err)
{
	json_t *value;
	long long n;
	int r = json_lookup(obj, key, required, &value, where, err);

	if (r < 0 || !value)
		return r;
	if (!json_is_integer(value))
		return json_wrong_type(key, "an integer", where, err);
	n = json_integer_value(value);
	if (n < min || n > max)
		return error_set(err, ERANGE,
				 "invalid %s: field '%s' is %lld, expected %lld to %lld", where,
				 key, n, min, max);
	*ret = n;
	return 0;
}

int json_read_bool(const json_t *obj, const char *key, bool required, bool *ret, const char *where,
		   struct reef_error *err)
{
	json_t *value;
	int r = json_lookup(obj, key, required, &value, where, err);

	if (r < 0 || !value)
		return r;
	if (!json_is_boolean(value))
		return json_wrong_type(key, "true or false", where, err);
	*ret = json_is_true(value);
	return 0;
}

int json_read_array(const json_t *obj, const char *key, bool required, json_t **ret,
		    const char *where, struct reef_error *err)
{
	int r = json_lookup(obj, key, required, ret, where, err);

	if (r < 0 || !*ret)
		return r;
	if (!json_is_array(*ret))
		return json_wrong_type(key, "an array", where, err);
	return 0;
}

int json_read_object(const json_t *obj, const char *key, bool required, json_t **ret,
		     const char *where, struct reef_error *err)
{
	int r = json_lookup(obj, key, required, ret, where, err);

	if (r < 0 || !*ret)
		return r;
	if (!json_is_object(*ret))
		return json_wrong_type(key, "an object", where, err);
	return 0;
}

int json_parse_object(const char *text, size_t len, json_t **ret, struct reef_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);

	if (!root)
		return error_set(err, EINVAL, "invalid JSON at line %d, column %d: %s", jerr.line,
				 jerr.column, jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return error_set(err, EINVAL, "invalid JSON: expected an object");
	}
	*ret = root;
	return 0;
}
