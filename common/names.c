/* SPDX-License-Identifier: MIT */
#include "names.h"

#include <errno.h>
#include <string.h>

static bool char_is_label(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

bool name_is_valid(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = strlen(name);
	if (len == 0 || len > REEF_NAME_MAX)
		return false;
	if (name[0] == '-' || name[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!char_is_label(name[i]))
			return false;
	return true;
}

int name_validate(const char *kind, const char *name, struct reef_error *err)
{
	size_t len;

	if (!name || name[0] == '\0')
		return error_set(err, EINVAL,
				 "missing %s name: give a name of letters, digits and '-'", kind);
	len = strlen(name);
	if (len > REEF_NAME_MAX)
		return error_set(err, EINVAL,
				 "invalid %s name '%.80s%s': %zu characters, the maximum is %d",
				 kind, name, len > 80 ? "..." : "", len, REEF_NAME_MAX);
	if (!name_is_valid(name))
		return error_set(
			err, EINVAL,
			"invalid %s name '%s': use letters, digits and '-', not at the start or end",
			kind, name);
	return 0;
}
