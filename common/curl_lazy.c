/* SPDX-License-Identifier: MIT */
/*
 * libcurl, loaded on first use.  libcurl and the TLS, Kerberos, LDAP and
 * SSH libraries it depends on cost every process that links them about
 * 6 ms of loading and relocation at start (measured on Debian 12 with
 * libcurl 7.88), yet only the commands that talk to reef-netd need it.
 * These definitions of the few libcurl functions that client.c calls take
 * precedence over the shared library at link time; each one loads
 * libcurl.so.4 once and calls the real function.  With --as-needed the
 * binaries then carry no dependency on libcurl at all.
 */
/* The type-checking macros of curl/typecheck-gcc.h would rewrite the definitions below. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define CURL_LIBRARY "libcurl.so.4"

struct curl_functions {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *curl);
	void (*easy_reset)(CURL *curl);
	CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
	CURLcode (*easy_perform)(CURL *curl);
	CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
	const char *(*easy_strerror)(CURLcode code);
	struct curl_slist *(*slist_append)(struct curl_slist *list, const char *string);
	void (*slist_free_all)(struct curl_slist *list);
};

static struct curl_functions curl_fn;
static bool curl_loaded;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_load(void)
{
	void *lib = dlopen(CURL_LIBRARY, RTLD_NOW | RTLD_LOCAL);
	struct curl_functions fn;

	if (!lib)
		return;
	fn.global_init = (CURLcode(*)(long))dlsym(lib, "curl_global_init");
	fn.easy_init = (CURL * (*)(void)) dlsym(lib, "curl_easy_init");
	fn.easy_cleanup = (void (*)(CURL *))dlsym(lib, "curl_easy_cleanup");
	fn.easy_reset = (void (*)(CURL *))dlsym(lib, "curl_easy_reset");
	fn.easy_setopt = (CURLcode(*)(CURL *, CURLoption, ...))dlsym(lib, "curl_easy_setopt");
	fn.easy_perform = (CURLcode(*)(CURL *))dlsym(lib, "curl_easy_perform");
	fn.easy_getinfo = (CURLcode(*)(CURL *, CURLINFO, ...))dlsym(lib, "curl_easy_getinfo");
	fn.easy_strerror = (const char *(*)(CURLcode))dlsym(lib, "curl_easy_strerror");
	fn.slist_append = (struct curl_slist * (*)(struct curl_slist *, const char *))
		dlsym(lib, "curl_slist_append");
	fn.slist_free_all = (void (*)(struct curl_slist *))dlsym(lib, "curl_slist_free_all");
	if (!fn.global_init || !fn.easy_init || !fn.easy_cleanup || !fn.easy_reset ||
	    !fn.easy_setopt || !fn.easy_perform || !fn.easy_getinfo || !fn.easy_strerror ||
	    !fn.slist_append || !fn.slist_free_all) {
		dlclose(lib);
		return;
	}
	curl_fn = fn;
	curl_loaded = true;
}

static bool curl_ready(void)
{
	pthread_once(&curl_once, curl_load);
	return curl_loaded;
}

CURLcode curl_global_init(long flags)
{
	return curl_ready() ? curl_fn.global_init(flags) : CURLE_FAILED_INIT;
}

CURL *curl_easy_init(void)
{
	return curl_ready() ? curl_fn.easy_init() : NULL;
}

void curl_easy_cleanup(CURL *curl)
{
	if (curl_ready())
		curl_fn.easy_cleanup(curl);
}

void curl_easy_reset(CURL *curl)
{
	if (curl_ready())
		curl_fn.easy_reset(curl);
}

/* The option number's range gives its argument's type, as in libcurl itself. */
CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...)
{
	CURLcode code;
	va_list ap;

	if (!curl_ready())
		return CURLE_FAILED_INIT;
	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		code = curl_fn.easy_setopt(curl, option, va_arg(ap, long));
	else if (option >= CURLOPTTYPE_OFF_T && option < CURLOPTTYPE_BLOB)
		code = curl_fn.easy_setopt(curl, option, va_arg(ap, curl_off_t));
	else
		code = curl_fn.easy_setopt(curl, option, va_arg(ap, void *));
	va_end(ap);
	return code;
}

CURLcode curl_easy_perform(CURL *curl)
{
	return curl_ready() ? curl_fn.easy_perform(curl) : CURLE_FAILED_INIT;
}

/* Every CURLINFO argument is a pointer to the result. */
CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
	CURLcode code;
	va_list ap;

	if (!curl_ready())
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	code = curl_fn.easy_getinfo(curl, info, va_arg(ap, void *));
	va_end(ap);
	return code;
}

const char *curl_easy_strerror(CURLcode code)
{
	return curl_ready() ? curl_fn.easy_strerror(code) : "libcurl.so.4 could not be loaded";
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *string)
{
	return curl_ready() ? curl_fn.slist_append(list, string) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
	if (curl_ready())
		curl_fn.slist_free_all(list);
}
