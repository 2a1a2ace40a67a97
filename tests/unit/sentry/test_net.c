/* --allow-net's rules as the sentry applies them (sentry/net.c): prefixes
 * at and off byte boundaries, port ranges, IPv4-mapped IPv6, and the spec
 * validation that refuses what the CLI should never send. */
#include "sentry/internal.h"
#include "spec.pb-c.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

struct rule_text { const char *addr; unsigned prefix, lo, hi; };

static int init_with(const struct rule_text *r, size_t n, const char *mode)
{
	static RunscLite__NetRule rules[8], *ptrs[8];
	static uint8_t bytes[8][16];
	RunscLite__SandboxSpec spec = RUNSC_LITE__SANDBOX_SPEC__INIT;
	spec.network = (char *)mode;
	spec.net_filter = true;
	for (size_t i = 0; i < n; i++) {
		runsc_lite__net_rule__init(&rules[i]);
		bool v6 = strchr(r[i].addr, ':') != NULL;
		assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, r[i].addr, bytes[i]), 1);
		rules[i].addr.data = bytes[i];
		rules[i].addr.len = v6 ? 16 : 4;
		rules[i].prefix = r[i].prefix;
		rules[i].port_lo = r[i].lo;
		rules[i].port_hi = r[i].hi;
		ptrs[i] = &rules[i];
	}
	spec.allow_net = ptrs;
	spec.n_allow_net = n;
	return net_init(&spec);
}

static bool allows(const char *addr, unsigned port)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		assert_int_equal(inet_pton(AF_INET6, addr, &in6->sin6_addr), 1);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		assert_int_equal(inet_pton(AF_INET, addr, &in->sin_addr), 1);
	}
	return net_allows(&ss);
}

static void test_prefixes(void **state)
{
	(void)state;
	const struct rule_text r[] = { { "10.0.0.0", 8, 0, 65535 }, { "192.168.4.0", 23, 443, 443 },
				       { "fd00::", 7, 80, 90 } };
	assert_int_equal(init_with(r, 3, "host"), 0);
	assert_true(allows("10.255.1.2", 1));
	assert_false(allows("11.0.0.1", 1));
	assert_true(allows("192.168.5.255", 443));    /* /23: .4 and .5 */
	assert_false(allows("192.168.6.0", 443));
	assert_false(allows("192.168.4.1", 444));
	assert_true(allows("fc00::1", 85));            /* fc00::/7 holds fd00:: too */
	assert_true(allows("fdff::1", 80));
	assert_false(allows("fe00::1", 85));
	assert_false(allows("fd00::1", 91));
	assert_true(allows("::ffff:10.1.2.3", 22));    /* mapped: the IPv4 rule */
	assert_false(allows("::ffff:11.1.2.3", 22));
}

static void test_nothing_and_everything(void **state)
{
	(void)state;
	assert_int_equal(init_with(NULL, 0, "host"), 0);
	assert_false(allows("127.0.0.1", 80));
	const struct rule_text all[] = { { "0.0.0.0", 0, 0, 65535 } };
	assert_int_equal(init_with(all, 1, "user"), 0);
	assert_true(allows("8.8.8.8", 53));
	assert_false(allows("::1", 53));               /* IPv6 needs a rule of its own */
}

static void test_bad_specs(void **state)
{
	(void)state;
	const struct rule_text long_prefix[] = { { "10.0.0.0", 33, 0, 65535 } };
	assert_int_equal(init_with(long_prefix, 1, "host"), -EINVAL);
	const struct rule_text ports[] = { { "10.0.0.0", 8, 90, 80 } };
	assert_int_equal(init_with(ports, 1, "host"), -EINVAL);
	const struct rule_text big_port[] = { { "10.0.0.0", 8, 0, 70000 } };
	assert_int_equal(init_with(big_port, 1, "host"), -EINVAL);
	assert_int_equal(init_with(NULL, 0, "bridge"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_nothing_and_everything),
		cmocka_unit_test(test_bad_specs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
