/* --network and --allow-net: see netflags.h. */
#include "runsc-lite/netflags.h"

#include "runsc-lite/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void net_flags_mode(struct net_flags *n, const char *value)
{
	if (strcmp(value, "none") && strcmp(value, "host") && strcmp(value, "user"))
		die("--network=%s: must be none, host or user", value);
	n->mode = value;
}

/* A decimal number in [0, max], the whole string. */
static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
	if (!*s || strlen(s) > 10)
		return false;
	unsigned long v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

static void add_rule(struct net_flags *n, const char *rule, const struct net_rule *r)
{
	if (n->nrules == NET_RULES_MAX)
		die("--allow-net: at most %d rules (after resolving names), %s is one too many",
		    NET_RULES_MAX, rule);
	n->rules[n->nrules++] = *r;
}

/* A host name: every address it has now, each a rule of its own. */
static void add_name(struct net_flags *n, const char *rule, const char *name,
		     const struct net_rule *ports)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;
	int rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc != 0)
		die("--allow-net=%s: cannot resolve %s: %s", rule, name, gai_strerror(rc));
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		struct net_rule r = *ports;
		r.family = a->ai_family;
		if (a->ai_family == AF_INET) {
			memcpy(r.addr, &((struct sockaddr_in *)a->ai_addr)->sin_addr, 4);
			r.prefix = 32;
		} else if (a->ai_family == AF_INET6) {
			memcpy(r.addr, &((struct sockaddr_in6 *)a->ai_addr)->sin6_addr, 16);
			r.prefix = 128;
		} else {
			continue;
		}
		add_rule(n, rule, &r);
	}
	freeaddrinfo(res);
}

static void parse_rule(struct net_flags *n, const char *rule)
{
	char buf[512];
	if (strlen(rule) >= sizeof buf)
		die("--allow-net=%.64s...: rule too long", rule);
	strcpy(buf, rule);
	struct net_rule r = { .port_lo = 0, .port_hi = 65535 };
	char *addr = buf, *port = NULL, *prefix = NULL;
	if (buf[0] == '[') {
		char *end = strchr(buf, ']');
		if (!end)
			die("--allow-net=%s: missing ]", rule);
		*end = 0;
		addr = buf + 1;
		char *rest = end + 1;
		if (*rest == '/') {
			prefix = rest + 1;
			rest = strchr(prefix, ':');
			if (rest)
				*rest++ = 0;
		} else if (*rest == ':') {
			rest++;
		} else if (*rest) {
			die("--allow-net=%s: expected /PREFIX or :PORT after ]", rule);
		} else {
			rest = NULL;
		}
		port = rest;
		r.family = AF_INET6;
	} else if (strchr(buf, ':') != strrchr(buf, ':')) {
		r.family = AF_INET6;   /* a bare IPv6 address: no port */
	} else if ((port = strchr(buf, ':'))) {
		*port++ = 0;
	}
	if (!prefix && (prefix = strchr(addr, '/')))
		*prefix++ = 0;
	if (port) {
		char *dash = strchr(port, '-');
		if (dash)
			*dash++ = 0;
		if (!parse_uint(port, 65535, &r.port_lo) || !parse_uint(dash ? dash : port, 65535, &r.port_hi) ||
		    r.port_lo > r.port_hi)
			die("--allow-net=%s: the port must be PORT or LOW-HIGH, 0 to 65535", rule);
	}
	if (!*addr)
		die("--allow-net=%s: no address", rule);
	unsigned bits;
	if (r.family == AF_INET6 || inet_pton(AF_INET, addr, r.addr) == 1) {
		if (r.family == AF_INET6) {
			if (inet_pton(AF_INET6, addr, r.addr) != 1)
				die("--allow-net=%s: %s is not an IPv6 address", rule, addr);
			bits = 128;
		} else {
			r.family = AF_INET;
			bits = 32;
		}
		r.prefix = bits;
		if (prefix && !parse_uint(prefix, bits, &r.prefix))
			die("--allow-net=%s: the prefix must be 0 to %u", rule, bits);
		add_rule(n, rule, &r);
		return;
	}
	if (prefix)
		die("--allow-net=%s: a prefix needs an address, not a name", rule);
	add_name(n, rule, addr, &r);
}

void net_flags_allow(struct net_flags *n, const char *rules)
{
	char *copy = strdup(rules);
	if (!copy)
		die("out of memory");
	n->filter = true;
	char *save = NULL;
	for (char *r = strtok_r(copy, ",", &save); r; r = strtok_r(NULL, ",", &save))
		parse_rule(n, r);
	free(copy);
}

void net_flags_check(const struct net_flags *n)
{
	if (n->filter && (!n->mode || strcmp(n->mode, "none") == 0))
		die("--allow-net: needs --network=host or --network=user (with none there is no network to allow)");
}
