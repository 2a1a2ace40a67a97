/*
 * --network and --allow-net (the CLI side of docs/ARCHITECTURE.md,
 * "Networking"): the flags are checked and turned into the sentry's spec.
 *
 * --allow-net=RULE[,RULE...], each RULE one of
 *   ADDR[/PREFIX][:PORT[-PORT]]       IPv4, e.g. 10.0.0.0/8:443
 *   [ADDR][/PREFIX][:PORT[-PORT]]     IPv6 in brackets, e.g. [::1]:8080
 *   ADDR6[/PREFIX]                    IPv6 without a port
 *   NAME[:PORT[-PORT]]                a host name, resolved once, here,
 *                                     before the sandbox starts: one rule
 *                                     per address it has then
 * Every value is checked; a bad rule is an error, never ignored.
 */
#ifndef RUNSC_LITE_NETFLAGS_H
#define RUNSC_LITE_NETFLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_RULES_MAX 256

struct net_rule {
	int family;                  /* AF_INET or AF_INET6 */
	uint8_t addr[16];            /* network order; 4 bytes used for AF_INET */
	unsigned prefix;
	unsigned port_lo, port_hi;
};

struct net_flags {
	const char *mode;            /* "none" (default), "host", "user" */
	bool filter;                 /* --allow-net given */
	struct net_rule rules[NET_RULES_MAX];
	size_t nrules;
};

/* --network=VALUE: exits with a clear message unless none, host or user. */
void net_flags_mode(struct net_flags *n, const char *value);
/* --allow-net=RULES (repeatable: the rules add up); exits on a bad rule. */
void net_flags_allow(struct net_flags *n, const char *rules);
/* After all flags: --allow-net needs --network=host or user. */
void net_flags_check(const struct net_flags *n);

#endif
