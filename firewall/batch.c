/* SPDX-License-Identifier: MIT */
/* A batch of nf_tables messages in one growing buffer, each with a description. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>

#include "internal.h"

/* Room for the batch-end message that fw_batch_data() appends. */
#define BATCH_END_ROOM 64

static int batch_reserve(struct fw_batch *b, size_t more, struct reef_error *err)
{
	size_t need = b->len + more + BATCH_END_ROOM;
	size_t cap = b->cap ? b->cap : 16384;
	char *buf;

	if (need <= b->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	buf = realloc(b->buf, cap);
	if (!buf)
		return error_set_errno(err, ENOMEM, "grow nftables batch to %zu bytes", cap);
	/* Payload builders write without bounds checks, so the room must be zeroed. */
	memset(buf + b->cap, 0, cap - b->cap);
	b->buf = buf;
	b->cap = cap;
	return 0;
}

static int batch_desc_add(struct fw_batch *b, char *desc, struct reef_error *err)
{
	char **descs;

	descs = realloc(b->descs, (b->n_msgs + 2) * sizeof(*descs));
	if (!descs) {
		free(desc);
		return error_set_errno(err, ENOMEM, "store batch message description");
	}
	b->descs = descs;
	b->descs[b->n_msgs + 1] = desc;
	b->n_msgs++;
	return 0;
}

struct fw_batch *fw_batch_new(void)
{
	struct fw_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->descs = calloc(1, sizeof(*b->descs));
	if (!b->descs || batch_reserve(b, 0, NULL) < 0) {
		fw_batch_free(b);
		return NULL;
	}
	b->descs[0] = strdup("begin batch");
	nftnl_batch_begin(b->buf, 0);
	b->len = ((struct nlmsghdr *)b->buf)->nlmsg_len;
	return b;
}

void fw_batch_free(struct fw_batch *b)
{
	if (!b)
		return;
	if (b->descs) {
		for (size_t i = 0; i <= b->n_msgs; i++)
			free(b->descs[i]);
	}
	free(b->descs);
	free(b->buf);
	free(b->flushes);
	free(b->localnet);
	free(b);
}

struct nlmsghdr *batch_msg_start(struct fw_batch *b, uint16_t type, uint16_t flags,
				 size_t max_payload, struct reef_error *err)
{
	if (batch_reserve(b, max_payload + MNL_NLMSG_HDRLEN + 64, err) < 0)
		return NULL;
	return nftnl_nlmsg_build_hdr(b->buf + b->len, type, NFPROTO_INET, flags | NLM_F_ACK,
				     b->seq + b->n_msgs + 1);
}

int batch_msg_finish(struct fw_batch *b, struct nlmsghdr *nlh, struct reef_error *err,
		     const char *fmt, ...)
{
	va_list ap;
	char *desc;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&desc, fmt, ap);
	va_end(ap);
	if (n < 0)
		return error_set_errno(err, ENOMEM, "describe batch message");
	if (b->len + nlh->nlmsg_len + BATCH_END_ROOM > b->cap) {
		/* A payload builder ran past the room reserved: memory is already corrupt. */
		abort();
	}
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	return batch_desc_add(b, desc, err);
}

const void *fw_batch_data(struct fw_batch *b, size_t *ret_len)
{
	struct nlmsghdr *end = nftnl_batch_end(b->buf + b->len, b->seq + b->n_msgs + 1);

	*ret_len = b->len + NLMSG_ALIGN(end->nlmsg_len);
	return b->buf;
}

const char *fw_batch_describe(const struct fw_batch *b, uint32_t seq)
{
	uint32_t i = seq - b->seq;

	if (i > b->n_msgs)
		return NULL;
	return b->descs[i];
}

size_t fw_batch_count(const struct fw_batch *b)
{
	return b->n_msgs;
}

void fw_batch_set_seq(struct fw_batch *b, uint32_t seq)
{
	size_t off = 0;
	uint32_t i = 0;

	while (off < b->len) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(b->buf + off);

		nlh->nlmsg_seq = seq + i++;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	b->seq = seq;
}
