/*
 * `runsc-lite events [--stats] [--interval=D] ID`: runc's event stream.
 *
 * With a container cgroup (runsc-lite/oci_cgroup.c) the numbers are the
 * cgroup's, read here on the host as runc reads them: memory usage, limit,
 * peak and failcnt, pids current and limit, CPU time and throttling, all of
 * the sandbox (sentry and gofer included: they are the container's cost).
 * OOM kills come from the memory controller: an eventfd registered on
 * memory.oom_control (v1) or inotify on memory.events (v2) wakes the stream,
 * which prints {"type":"oom","id":ID} for each, as runc does.  Nothing goes
 * through the sentry, so a paused (frozen) container reports too.
 *
 * Without a cgroup (not root, nothing delegated), the sentry sums what its
 * procfs shows of the application's tasks, over the control channel.
 *
 * The stream ends when the container's sentry does (the container
 * stopped); an OOM kill that ended it is still reported first.
 */
#include "runsc-lite/oci.h"

#include "control.pb-c.h"
#include "runsc-lite/log.h"
#include "runsc-lite/oci_cgroup.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* --interval: a Go duration as runc takes it (5s, 500ms, 1m, 1.5s). */
static long long parse_interval_ms(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	double scale = strcmp(end, "ms") == 0 ? 1 : strcmp(end, "s") == 0 ? 1000
		     : strcmp(end, "m") == 0 ? 60000 : strcmp(end, "h") == 0 ? 3600000 : -1;
	if (errno || end == s || scale < 0 || v <= 0 || v * scale < 1 || v * scale > 86400000)
		die("events: --interval=%s: a duration such as 5s or 500ms (1ms to 24h)", s);
	return (long long)(v * scale);
}

static json_object *u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

/* runc's types.Stats, from the sentry's sums or the cgroup's files. */
static json_object *stats_json(const char *id, const RunscLite__Stats *sentry, const struct oci_cgroup_stats *cg)
{
	json_object *usage = json_object_new_object();
	json_object_object_add(usage, "total", u64(cg ? cg->cpu_total_ns : sentry->cpu_user_ns + sentry->cpu_kernel_ns));
	json_object_object_add(usage, "percpu", NULL);
	json_object_object_add(usage, "user", u64(cg ? cg->cpu_user_ns : sentry->cpu_user_ns));
	json_object_object_add(usage, "kernel", u64(cg ? cg->cpu_kernel_ns : sentry->cpu_kernel_ns));
	json_object *cpu = json_object_new_object();
	json_object_object_add(cpu, "usage", usage);
	json_object *thr = json_object_new_object();
	if (cg) {
		json_object_object_add(thr, "periods", u64(cg->cpu_periods));
		json_object_object_add(thr, "throttledPeriods", u64(cg->cpu_throttled_periods));
		json_object_object_add(thr, "throttledTime", u64(cg->cpu_throttled_ns));
	}
	json_object_object_add(cpu, "throttling", thr);
	json_object *mu = json_object_new_object();
	json_object_object_add(mu, "usage", u64(cg ? cg->mem_usage : sentry->memory_rss));
	/* runc reports "no limit" as the largest value */
	json_object_object_add(mu, "limit", u64(cg ? (cg->mem_limit ? cg->mem_limit : UINT64_MAX) : 0));
	json_object_object_add(mu, "max", u64(cg ? cg->mem_max : 0));
	json_object_object_add(mu, "failcnt", u64(cg ? cg->mem_failcnt : 0));
	json_object *mem = json_object_new_object();
	json_object_object_add(mem, "usage", mu);
	if (cg && cg->has_memory) {
		json_object *sw = json_object_new_object();
		json_object_object_add(sw, "usage", u64(cg->swap_usage));
		json_object_object_add(sw, "limit", u64(cg->swap_limit ? cg->swap_limit : UINT64_MAX));
		json_object_object_add(mem, "swap", sw);
	}
	json_object *pids = json_object_new_object();
	json_object_object_add(pids, "current", u64(cg ? cg->pids_current : sentry->pids));
	if (cg && cg->pids_limit)
		json_object_object_add(pids, "limit", u64(cg->pids_limit));
	json_object *data = json_object_new_object();
	json_object_object_add(data, "cpu", cpu);
	json_object_object_add(data, "memory", mem);
	json_object_object_add(data, "pids", pids);
	json_object_object_add(data, "blkio", json_object_new_object());
	json_object_object_add(data, "hugetlb", json_object_new_object());
	json_object *ev = json_object_new_object();
	json_object_object_add(ev, "type", json_object_new_string("stats"));
	json_object_object_add(ev, "id", json_object_new_string(id));
	json_object_object_add(ev, "data", data);
	return ev;
}

static void print_event(json_object *ev, bool pretty)
{
	printf("%s\n", json_object_to_json_string_ext(ev, (pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN) |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(ev);
	if (fflush(stdout) != 0 || ferror(stdout))
		exit(0);   /* the reader left: so does the stream */
}

static void print_oom(const char *id)
{
	json_object *ev = json_object_new_object();
	json_object_object_add(ev, "type", json_object_new_string("oom"));
	json_object_object_add(ev, "id", json_object_new_string(id));
	print_event(ev, false);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The stream from the cgroup: stats every interval, oom as it happens. */
static int events_cgroup(const char *id, struct oci_cgroup *cg, pid_t pid, unsigned long long start, bool once,
			 long long interval)
{
	struct oci_cgroup_stats st;
	if (once) {
		oci_cgroup_stats(cg, &st);
		print_event(stats_json(id, NULL, &st), true);
		return 0;
	}
	int ofd = oci_cgroup_oom_fd(cg);
	uint64_t kills = oci_cgroup_oom_kills(cg);
	long long next = now_ms();
	for (;;) {
		bool running = oci_sentry_alive(pid, start);
		/* (an OOM kill that ended the container is counted by now) */
		struct pollfd p = { .fd = ofd, .events = POLLIN };
		long long wait = next - now_ms();
		int n = running ? poll(&p, ofd >= 0 ? 1 : 0, wait < 0 ? 0 : wait > 200 ? 200 : (int)wait) : 0;
		bool woke = n > 0 && (p.revents & POLLIN);
		if (woke) {
			char buf[4096];
			while (read(ofd, buf, sizeof buf) > 0)
				;
		}
		uint64_t k = oci_cgroup_oom_kills(cg);
		/* one event per kill; with the OOM killer disabled (v1), one
		 * per wake-up while a task waits for memory */
		for (uint64_t i = kills; i < k && i < kills + 64; i++)
			print_oom(id);
		if (k == kills && woke && oci_cgroup_under_oom(cg))
			print_oom(id);
		kills = k;
		if (!running)
			break;
		if (now_ms() >= next) {
			oci_cgroup_stats(cg, &st);
			print_event(stats_json(id, NULL, &st), false);
			next += interval;
		}
	}
	if (ofd >= 0)
		close(ofd);
	return 0;
}

/* The stream from the sentry (no cgroup): stats only. */
static int events_sentry(const char *id, bool once, long long interval)
{
	struct oci_exec_defaults d = { 0 };
	int sock = oci_control_connect("events", id, &d);
	for (;;) {
		RunscLite__ControlRequest rq = RUNSC_LITE__CONTROL_REQUEST__INIT;
		rq.request_case = RUNSC_LITE__CONTROL_REQUEST__REQUEST_STATS;
		rq.stats = true;
		int fd;
		RunscLite__ControlReply *r = oci_control_send(sock, &rq) == 0 ? oci_control_recv(sock, &fd) : NULL;
		if (!r) {
			/* the sentry is gone: the container stopped, which ends the
			 * stream as runc's does */
			if (once)
				die("container \"%s\": it stopped", id);
			return 0;
		}
		if (fd >= 0)
			close(fd);
		if (r->reply_case != RUNSC_LITE__CONTROL_REPLY__REPLY_STATS || !r->stats)
			die("container \"%s\": %s", id,
			    r->reply_case == RUNSC_LITE__CONTROL_REPLY__REPLY_ERROR && r->error ? r->error
											      : "an unexpected reply from the sentry");
		json_object *ev = stats_json(id, r->stats, NULL);
		runsc_lite__control_reply__free_unpacked(r, NULL);
		print_event(ev, once);
		if (once)
			return 0;
		struct timespec ts = { interval / 1000, (interval % 1000) * 1000000 };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}

int oci_cmd_events(int argc, char **argv, const struct oci_globals *g)
{
	static const struct option opts[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ 0, 0, 0, 0 },
	};
	bool once = false;
	long long interval = 5000;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 's')
			once = true;
		else if (c == 'i')
			interval = parse_interval_ms(optarg);
		else
			die("events: unknown or incomplete flag %s", argv[optind - 1]);
	}
	if (optind != argc - 1)
		die("events: usage: runsc-lite events [--stats] [--interval=5s] ID");
	const char *id = argv[optind];
	signal(SIGPIPE, SIG_IGN);
	pid_t pid;
	unsigned long long start;
	struct oci_cgroup *cg = oci_container_cgroup("events", id, &pid, &start);
	int rc = cg ? events_cgroup(id, cg, pid, start, once, interval) : events_sentry(id, once, interval);
	oci_cgroup_free(cg);
	return rc;
}
