/*
 * --network=user, the CLI's side: slirp4netns (Debian's) gives the
 * application's own network namespace a tap device with outbound access
 * through user-mode networking (10.0.2.0/24; the host's loopback is
 * 10.0.2.2; DNS 10.0.2.3).  It runs as the caller, outside the sandbox.
 */
#ifndef RUNSC_LITE_NETUSER_H
#define RUNSC_LITE_NETUSER_H

#include <sys/types.h>

/* Receives the namespaces from the sentry on sock, starts slirp4netns on
 * them and tells the sentry whether the network is up: its pid, or -1
 * (the reason is logged and the sentry ends the sandbox). */
pid_t netuser_start(int sock);
/* Ends it (pid -1: nothing to do). */
void netuser_stop(pid_t pid);

#endif
