/* SPDX-License-Identifier: MIT */
/*
 * Adds and removes one forward through reef-netd's API REPS times, each
 * request on a new connection as the reef command makes it.  Prints the
 * median milliseconds from sending a request to holding its parsed reply,
 * which is what a caller waits for.
 * Usage: bench-forwards ROOT CONTAINER FORWARD REPS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../common/client.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), compare_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Times one request on a new connection; exits on failure. */
static double timed(const struct reef_paths *paths, const char *method, const char *path,
		    json_t *body)
{
	struct reef_error err = { 0 };
	struct netd_client *client;
	json_t *reply = NULL;
	double start = now_ms(), end;

	if (netd_client_new(paths, &client, &err) < 0 ||
	    netd_client_request(client, method, path, body, &reply, &err) < 0) {
		fprintf(stderr, "bench-forwards: %s %s: %s\n", method, path, err.message);
		exit(1);
	}
	end = now_ms();
	json_decref(reply);
	netd_client_free(client);
	return end - start;
}

int main(int argc, char **argv)
{
	struct reef_error err = { 0 };
	struct reef_paths paths;
	char path[256], *escaped;
	double *add, *del;
	int reps;

	if (argc != 5 || (reps = atoi(argv[4])) <= 0) {
		fprintf(stderr, "usage: bench-forwards ROOT CONTAINER FORWARD REPS\n");
		return 2;
	}
	if (paths_init(&paths, argv[1], &err) < 0) {
		fprintf(stderr, "bench-forwards: %s\n", err.message);
		return 1;
	}
	add = calloc(reps, sizeof(*add));
	del = calloc(reps, sizeof(*del));
	escaped = calloc(3 * strlen(argv[3]) + 1, 1);
	if (!add || !del || !escaped)
		return 1;
	for (const char *s = argv[3]; *s; s++)
		sprintf(escaped + strlen(escaped), *s == '/' ? "%%2F" : "%c", *s);
	snprintf(path, sizeof(path), "/v1/forwards/%s?forward=%s", argv[2], escaped);
	for (int i = 0; i < reps; i++) {
		json_t *body = json_pack("{s:s, s:s}", "container", argv[2], "forward", argv[3]);

		add[i] = timed(&paths, "POST", "/v1/forwards", body);
		json_decref(body);
		del[i] = timed(&paths, "DELETE", path, NULL);
	}
	printf("%.3f %.3f\n", median(add, reps), median(del, reps));
	return 0;
}
