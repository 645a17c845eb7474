/* SPDX-License-Identifier: MIT */
/* Extended ACK parsing, kept free of libnl so that the fuzzer can build it alone. */
#include "netlink.h"

#include <string.h>

void netlink_ext_ack_parse(const struct nlmsghdr *hdr, char *out, size_t size)
{
	const struct nlmsgerr *e = NLMSG_DATA(hdr);
	size_t offset = NLMSG_HDRLEN + sizeof(*e);

	out[0] = '\0';
	if (hdr->nlmsg_len < offset || !(hdr->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* Without NETLINK_CAP_ACK the request's payload is echoed before the attributes. */
	if (!(hdr->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return;
		offset += e->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	offset = NLMSG_ALIGN(offset);

	while (offset + sizeof(struct nlattr) <= hdr->nlmsg_len) {
		const struct nlattr *attr = (const struct nlattr *)((const char *)hdr + offset);
		size_t len = attr->nla_len;

		if (len < sizeof(*attr) || offset + len > hdr->nlmsg_len)
			return;
		if ((attr->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			const char *text = (const char *)attr + NLA_HDRLEN;
			size_t text_len = strnlen(text, len - NLA_HDRLEN);

			if (text_len >= size)
				text_len = size - 1;
			memcpy(out, text, text_len);
			out[text_len] = '\0';
			/* The kernel's messages carry no trailing newline, but be safe. */
			while (text_len > 0 && out[text_len - 1] == '\n')
				out[--text_len] = '\0';
			return;
		}
		offset += NLA_ALIGN(len);
	}
}
