/*
 * runsc-lite command line.
 *
 *   runsc-lite [global flags] do  [--cwd DIR] [--] COMMAND [ARG...]
 *   runsc-lite [global flags] run --rootfs DIR [--readonly] [--cwd DIR] [--] COMMAND [ARG...]
 *   runsc-lite version | help
 *
 * Every error is one line on stderr and exit status 125 (as runc/podman do
 * for runtime errors); the sandboxed program's own status is passed through,
 * 127 when it cannot be found, 126 when it cannot be executed.
 */
#include "runsc-lite/log.h"
#include "runsc-lite/netflags.h"
#include "runsc-lite/oci.h"
#include "runsc-lite/sandbox.h"
#include "runsc-lite/trace_cli.h"
#include "audit/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VERSION "0.1.0"

extern char **environ;

#if defined(__SANITIZE_ADDRESS__)
/* The sentry and gofer end without /proc (they are confined), where
 * LeakSanitizer cannot work; leaks are checked by the unit tests instead. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "detect_leaks=0"; }
#endif

struct globals {
	const char *debug_log;
	bool debug;
	const char *cache_policy;    /* --cache-policy, else from --file-access */
	bool file_access_shared;
	const char *platform;        /* --platform, default seccomp */
	bool no_sync_wakeup;         /* --sync-wakeup=false */
	bool no_overlay;             /* --overlay=false */
	struct net_flags net;        /* --network, --allow-net */
	bool overlay_given;
	const char *root;            /* OCI: --root */
	const char *log;             /* OCI: --log */
	const char *log_format;      /* OCI: --log-format text|json */
	bool systemd_cgroup;         /* OCI: --systemd-cgroup */
	/* --trace, --trace-events, --trace-mode, --strace, --strace-log */
	const char *trace, *strace_log;
	uint64_t trace_events;
	bool trace_lossless, strace;
	char **argv;                 /* runsc-lite's own, for the trace */
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: runsc-lite [global flags] COMMAND [flags] [--] PROGRAM [ARG...]\n"
		"\n"
		"Runs PROGRAM in a sandbox: its file syscalls are served by a user-mode\n"
		"kernel (the sentry) from files a separate gofer process opens.\n"
		"\n"
		"commands:\n"
		"  do        run with the host root under a memory overlay (host /proc, /sys,\n"
		"            /dev hidden); the host root is never written\n"
		"  run       run with --rootfs DIR as the root, under a memory overlay\n"
		"  version   print the version\n"
		"  create, start, state, kill, delete, run ID, list, spec, features\n"
		"            the OCI runtime commands (runc's; see the README): global\n"
		"            --root=DIR (state, default /run/runsc-lite), --log=FILE,\n"
		"            --log-format=text|json, --systemd-cgroup (cgroupsPath\n"
		"            slice:prefix:name, made with cgroupfs)\n"
		"  help      this text\n"
		"  trace decode FILE    a trace as JSON lines, one object per event\n"
		"  report FILE [--format=text|json|markdown]\n"
		"            what the traced job did: programs, files, connections, denials\n"
		"\n"
		"global flags:\n"
		"  --debug              log to stderr (same as --debug-log=/dev/stderr)\n"
		"  --debug-log=FILE     log every trapped syscall and 9P message to FILE\n"
		"  --platform=seccomp|ptrace\n"
		"                       the interception platform: seccomp user notification\n"
		"                       (default) or seccomp + ptrace (SECCOMP_RET_TRACE)\n"
		"  --sync-wakeup=true|false\n"
		"                       seccomp: wake the sentry on the trapped task's CPU\n"
		"                       (default true; false only to measure its worth)\n"
		"  --network=none|host|user\n"
		"                       none (default): a network namespace of its own with only\n"
		"                       lo; host: the host's network (abstract unix sockets stay\n"
		"                       the sandbox's own); user: a namespace of its own with\n"
		"                       outbound access through slirp4netns\n"
		"  --allow-net=RULE,... (host, user) connect/sendto only to these: ADDR[/PREFIX]\n"
		"                       [:PORT[-PORT]], [IPV6][/PREFIX][:PORT], NAME[:PORT]\n"
		"                       (resolved once, at start); others fail with ECONNREFUSED\n"
		"  --overlay=true|false true (default): the root is read-only beneath a memory\n"
		"                       layer that takes every change, gone with the sandbox;\n"
		"                       false: run writes to --rootfs itself, do gets the host\n"
		"                       root read-only\n"
		"  --file-access=exclusive|shared\n"
		"                       exclusive (default): the sandbox owns the files, lookups and\n"
		"                       attributes are cached; shared: the host may change them too,\n"
		"                       every lookup and stat asks the gofer again\n"
		"  --cache-policy=fscache|fscache_writethrough|remote_revalidating|none\n"
		"                       the gofer mount's cache policy, overriding --file-access\n"
		"  --trace=FILE|unix:PATH\n"
		"                       record what the program does as a protobuf event stream\n"
		"                       (audit/FORMAT.md) in FILE or to a consumer listening on a\n"
		"                       unix stream socket; read it with `trace decode`, `report`\n"
		"  --trace-events=KIND,...\n"
		"                       the kinds recorded (default all): exec clone process_exit\n"
		"                       open create unlink rename link symlink mkdir rmdir chmod\n"
		"                       chown truncate setxattr connect bind listen accept sendto\n"
		"                       denied unimplemented signal; groups process, file, net, all\n"
		"  --trace-mode=lossy|lossless\n"
		"                       lossy (default): never slow the program down for a slow\n"
		"                       consumer, count what is dropped (reported at exit and in\n"
		"                       the stream); lossless: the program waits instead\n"
		"  --strace             one line per trapped syscall on stderr: decoded arguments,\n"
		"                       result or errno, duration.  Syscalls the kernel runs\n"
		"                       natively (read, write, mmap, ...) are not shown\n"
		"  --strace-log=FILE    the --strace lines to FILE instead (implies --strace)\n"
		"\n"
		"command flags (do, run):\n"
		"  --rootfs=DIR         (run) the host directory to use as /\n"
		"  --readonly           (run) the root read-only, no overlay: every write EROFS\n"
		"  --cwd=DIR            working directory in the sandbox (do: the current one; run: /)\n"
		"  --hostname=NAME      the sandbox's hostname (default: runsc-lite)\n"
		"  --tmpfs=PATH[:OPTS]  mount a memory filesystem on PATH (an existing directory);\n"
		"                       OPTS: size=N[k|m|g] (ENOSPC beyond; default half of RAM),\n"
		"                       mode=OCTAL (default 1777), nr_inodes=N; comma-separated;\n"
		"                       repeatable, mounted in flag order\n"
		"  --volume=HOST:PATH[:ro|rw]\n"
		"                       serve host directory HOST at PATH (an existing directory)\n"
		"                       through the gofer, read-write unless :ro; repeatable\n"
		"\n"
		"limits (do, run; docs/SECURITY.md says which holds where):\n"
		"  --pids-limit=N|unlimited\n"
		"                       tasks (processes and threads) of the sandbox (default 1024);\n"
		"                       fork/clone beyond fail with EAGAIN\n"
		"  --memory=N[k|m|g]    memory of the sandbox (cgroup; without one, per process\n"
		"                       address space); default: none\n"
		"  --nofile=N           open files per process (default 65536)\n"
		"  --cpu-time=SECONDS   CPU time per process (then SIGKILL); default: none\n"
		"  --overlay-size=N[k|m|g]\n"
		"                       bytes the overlay's memory layer may hold (ENOSPC beyond;\n"
		"                       default half of RAM)\n"
		"A second SIGINT or SIGTERM to runsc-lite kills the whole sandbox.\n"
		"  --preserve-fds=N     (do, run) pass fds 3..3+N-1 on to the program, as runc;\n"
		"                       by default it gets stdio only\n");
}

static int parse_globals(int argc, char **argv, struct globals *g)
{
	static const struct option opts[] = {
		{ "debug", no_argument, NULL, 'd' },
		{ "debug-log", required_argument, NULL, 'l' },
		{ "platform", required_argument, NULL, 'p' },
		{ "sync-wakeup", required_argument, NULL, 's' },
		{ "network", required_argument, NULL, 'n' },
		{ "allow-net", required_argument, NULL, 'a' },
		{ "overlay", required_argument, NULL, 'o' },
		{ "file-access", required_argument, NULL, 'f' },
		{ "cache-policy", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		/* OCI runtime flags (runc's), see runsc-lite/oci.h */
		{ "root", required_argument, NULL, 'R' },
		{ "log", required_argument, NULL, 'L' },
		{ "log-format", required_argument, NULL, 'F' },
		{ "systemd-cgroup", no_argument, NULL, 'S' },
		{ "version", no_argument, NULL, 'v' },
		{ "trace", required_argument, NULL, 't' },
		{ "trace-events", required_argument, NULL, 'e' },
		{ "trace-mode", required_argument, NULL, 'm' },
		{ "strace", no_argument, NULL, 'Q' },
		{ "strace-log", required_argument, NULL, 'W' },
		{ 0, 0, 0, 0 },
	};
	int c;
	const char *bad;
	g->trace_events = AUDIT_ALL_KINDS;
	opterr = 0;
	/* "+": stop at the first non-flag (the command) */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': g->debug = true; break;
		case 'l': g->debug_log = optarg; break;
		case 'p':
			if (strcmp(optarg, "seccomp") && strcmp(optarg, "ptrace"))
				die("--platform=%s: not supported (must be seccomp or ptrace)", optarg);
			g->platform = optarg;
			break;
		case 's':
			if (strcmp(optarg, "true") && strcmp(optarg, "false"))
				die("--sync-wakeup=%s: must be true or false", optarg);
			g->no_sync_wakeup = optarg[0] == 'f';
			break;
		case 'n': net_flags_mode(&g->net, optarg); break;
		case 'a': net_flags_allow(&g->net, optarg); break;
		case 'o':
			if (strcmp(optarg, "true") && strcmp(optarg, "false"))
				die("--overlay=%s: must be true or false", optarg);
			g->no_overlay = optarg[0] == 'f';
			g->overlay_given = true;
			break;
		case 'f':
			if (strcmp(optarg, "exclusive") && strcmp(optarg, "shared"))
				die("--file-access=%s: must be exclusive or shared", optarg);
			g->file_access_shared = optarg[0] == 's';
			break;
		case 'c':
			if (strcmp(optarg, "fscache") && strcmp(optarg, "fscache_writethrough") &&
			    strcmp(optarg, "remote_revalidating") && strcmp(optarg, "none"))
				die("--cache-policy=%s: must be fscache, fscache_writethrough, remote_revalidating or none", optarg);
			g->cache_policy = optarg;
			break;
		case 't': g->trace = optarg; break;
		case 'e':
			if (audit_parse_kinds(optarg, &g->trace_events, &bad) < 0 || !g->trace_events)
				die("--trace-events=%s: unknown kind \"%s\" (see runsc-lite help)", optarg, bad ? bad : "");
			break;
		case 'm':
			if (strcmp(optarg, "lossy") && strcmp(optarg, "lossless"))
				die("--trace-mode=%s: must be lossy or lossless", optarg);
			g->trace_lossless = optarg[4] == 'l';
			break;
		case 'Q': g->strace = true; break;
		case 'W': g->strace = true; g->strace_log = optarg; break;
		case 'h': usage(stdout); exit(0);
		case 'R': g->root = optarg; break;
		case 'L': g->log = optarg; break;
		case 'F':
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				die("--log-format=%s: must be text or json", optarg);
			g->log_format = optarg;
			break;
		case 'S': g->systemd_cgroup = true; break;   /* slice:prefix:name paths, made with cgroupfs */
		case 'v':
			printf("runsc-lite version %s\nspec: 1.0.2\n", VERSION);
			exit(0);
		default:
			die("unknown or incomplete flag %s (see runsc-lite help)", argv[optind - 1]);
		}
	}
	return optind;
}

static int open_debug_log(const struct globals *g)
{
	if (g->debug_log) {
		int fd = open(g->debug_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0)
			die_errno(errno, "--debug-log=%s", g->debug_log);
		return fd;
	}
	return g->debug ? fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 10) : -1;
}

/* --tmpfs=PATH[:size=N,mode=OCTAL,nr_inodes=N] */
static void parse_tmpfs(const char *arg, struct sandbox_mount *m)
{
	char *copy = strdup(arg);
	if (!copy)
		die("out of memory");
	char *opts = strchr(copy, ':');
	if (opts)
		*opts++ = 0;
	*m = (struct sandbox_mount){ .tmpfs = true, .destination = copy };
	if (copy[0] != '/')
		die("--tmpfs=%s: the mount point must be an absolute path", arg);
	for (char *o = opts ? strtok(opts, ",") : NULL; o; o = strtok(NULL, ",")) {
		const char *why;
		int rc = sandbox_tmpfs_option(o, m, &why);
		if (rc < 0)
			die("--tmpfs=%s: %s", arg, why);
		if (rc > 0)
			die("--tmpfs=%s: unknown option %s (size=, mode=, nr_inodes=)", arg, o);
	}
}

/* --volume=HOST:PATH[:ro|rw] */
static void parse_volume(const char *arg, struct sandbox_mount *m)
{
	char *copy = strdup(arg);
	if (!copy)
		die("out of memory");
	char *dest = strchr(copy, ':');
	if (!dest)
		die("--volume=%s: must be HOST:PATH[:ro]", arg);
	*dest++ = 0;
	char *mode = strchr(dest, ':');
	bool ro = false;
	if (mode) {
		*mode++ = 0;
		if (strcmp(mode, "ro") == 0)
			ro = true;
		else if (strcmp(mode, "rw") != 0)
			die("--volume=%s: the mode must be ro or rw", arg);
	}
	if (dest[0] != '/')
		die("--volume=%s: the mount point must be an absolute path", arg);
	char *src = realpath(copy, NULL);
	if (!src)
		die_errno(errno, "--volume=%s: %s", arg, copy);
	struct stat st;
	if (stat(src, &st) < 0 || !S_ISDIR(st.st_mode))
		die("--volume=%s: %s is not a directory", arg, src);
	*m = (struct sandbox_mount){ .destination = dest, .source = src, .readonly = ro };
}

static int cmd_run(int argc, char **argv, const struct globals *g, bool do_mode)
{
	static const struct option opts[] = {
		{ "rootfs", required_argument, NULL, 'r' },
		{ "readonly", no_argument, NULL, 'R' },
		{ "cwd", required_argument, NULL, 'c' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "tmpfs", required_argument, NULL, 'T' },
		{ "volume", required_argument, NULL, 'V' },
		{ "pids-limit", required_argument, NULL, 'P' },
		{ "memory", required_argument, NULL, 'M' },
		{ "nofile", required_argument, NULL, 'N' },
		{ "cpu-time", required_argument, NULL, 'U' },
		{ "overlay-size", required_argument, NULL, 'O' },
		{ "preserve-fds", required_argument, NULL, 'F' },
		{ 0, 0, 0, 0 },
	};
	struct sandbox_limits limits = { .pids = LIMITS_DEFAULT_PIDS, .nofile = LIMITS_DEFAULT_NOFILE };
	uint64_t preserve = 0;
	static struct sandbox_mount mounts[SANDBOX_MOUNTS_MAX];
	size_t nmounts = 0;
	const char *rootfs = NULL, *cwd = NULL, *hostname = "runsc-lite";
	bool readonly = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'r': rootfs = optarg; break;
		case 'R': readonly = true; break;
		case 'c': cwd = optarg; break;
		case 'H': hostname = optarg; break;
		case 'P':
			if (strcmp(optarg, "unlimited") == 0)
				limits.pids = 0;
			else if (limits_parse_count(optarg, &limits.pids) < 0)
				die("--pids-limit=%s: must be a positive number or unlimited", optarg);
			break;
		case 'M':
			if (limits_parse_size(optarg, &limits.memory) < 0)
				die("--memory=%s: must be a positive number of bytes, k, m or g", optarg);
			if (limits.memory < (4u << 20))
				die("--memory=%s: at least 4m (the sandbox's own processes need some)", optarg);
			break;
		case 'N':
			if (limits_parse_count(optarg, &limits.nofile) < 0 || limits.nofile < 16 ||
			    limits.nofile > (1u << 20))
				die("--nofile=%s: must be a number from 16 to 1048576", optarg);
			break;
		case 'U':
			if (limits_parse_count(optarg, &limits.cpu_seconds) < 0)
				die("--cpu-time=%s: must be a positive number of seconds", optarg);
			break;
		case 'O':
			if (limits_parse_size(optarg, &limits.overlay_size) < 0)
				die("--overlay-size=%s: must be a positive number of bytes, k, m or g", optarg);
			break;
		case 'F':
			if (strcmp(optarg, "0") != 0 &&
			    (limits_parse_count(optarg, &preserve) < 0 || preserve > PRESERVE_FDS_MAX))
				die("--preserve-fds=%s: must be a number from 0 to %d", optarg, PRESERVE_FDS_MAX);
			break;
		case 'T':
		case 'V':
			if (nmounts == SANDBOX_MOUNTS_MAX)
				die("at most %d --tmpfs and --volume flags", SANDBOX_MOUNTS_MAX);
			if (c == 'T')
				parse_tmpfs(optarg, &mounts[nmounts++]);
			else
				parse_volume(optarg, &mounts[nmounts++]);
			break;
		default:
			die("%s: unknown or incomplete flag %s", argv[0], argv[optind - 1]);
		}
	}
	if (do_mode && rootfs)
		die("do: --rootfs is for `run`; `do` always uses the host root");
	if (!do_mode && !rootfs)
		die("run: --rootfs=DIR is required");
	if (optind >= argc)
		die("%s: no program given (usage: runsc-lite %s [flags] -- PROGRAM [ARG...])", argv[0], argv[0]);
	if (strlen(hostname) == 0 || strlen(hostname) > 64)
		die("--hostname: must be 1 to 64 characters");

	char here[PATH_MAX];
	if (!cwd)
		cwd = do_mode && getcwd(here, sizeof here) ? here : "/";
	if (cwd[0] != '/')
		die("--cwd=%s: must be an absolute path", cwd);

	char resolved[PATH_MAX];
	if (!do_mode) {
		if (!realpath(rootfs, resolved))
			die_errno(errno, "--rootfs=%s", rootfs);
		rootfs = resolved;
	}
	/* (/dev: the sentry mounts its devfs there, in both modes) */
	static const char *const hide[] = { "/proc", "/sys" };
	int logfd = open_debug_log(g);
	log_init("runsc-lite", logfd);
	char sandbox_id[32];
	trace_sandbox_id(sandbox_id, sizeof sandbox_id);
	int trace_fd = g->trace ? trace_open_sink(g->trace) : -1;
	int strace_fd = !g->strace ? -1 : g->strace_log ? trace_open_strace_log(g->strace_log)
				      : fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 10);
	struct sandbox_opts o = {
		.rootfs = do_mode ? "/" : rootfs,
		/* `do` never writes the host root: read-only without the overlay */
		.readonly = readonly || (do_mode && g->no_overlay),
		.overlay = !g->no_overlay && !readonly,
		.argv = argv + optind,
		.env = environ,
		.cwd = cwd,
		.hostname = hostname,
		.hide = do_mode ? hide : NULL,
		.nhide = do_mode ? 2 : 0,
		.debug_fd = logfd,
		.cache_policy = g->cache_policy ? g->cache_policy
				: g->file_access_shared ? "remote_revalidating" : "fscache",
		.platform = g->platform ? g->platform : "seccomp",
		.no_sync_wakeup = g->no_sync_wakeup,
		.mounts = mounts,
		.nmounts = nmounts,
		.net = &g->net,
		.limits = limits,
		.preserve_fds = (unsigned)preserve,
		.trace_fd = trace_fd,
		.strace_fd = strace_fd,
		.trace_events = g->trace_events,
		.trace_lossless = g->trace_lossless,
		.strace = g->strace,
		.sandbox_id = sandbox_id,
		.cli_argv = g->argv,
	};
	return sandbox_run(&o);
}

/* `run --rootfs DIR [--] PROGRAM`, the sandbox's own form, or the OCI
 * `run [flags] ID` (no --rootfs, no "--"). */
static bool legacy_run(int argc, char **argv)
{
	for (int k = 1; k < argc; k++)
		if (strcmp(argv[k], "--") == 0 || strncmp(argv[k], "--rootfs", 8) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "gofer") == 0)
		return role_gofer(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "sentry") == 0)
		return role_sentry(argc, argv);

	static struct globals g;   /* (static: the rules table is large) */
	g.argv = argv;
	int i = parse_globals(argc, argv, &g);
	net_flags_check(&g.net);
	if (i >= argc) {
		usage(stderr);
		return 125;
	}
	const char *cmd = argv[i];
	if (g.log) {
		/* OCI engines read the error they show from this file */
		int fd = open(g.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0)
			die_errno(errno, "--log=%s", g.log);
		log_set_error_log(fd, g.log_format && strcmp(g.log_format, "json") == 0);
	}
	if (strcmp(cmd, "do") == 0 || (strcmp(cmd, "run") == 0 && legacy_run(argc - i, argv + i)))
		return cmd_run(argc - i, argv + i, &g, cmd[0] == 'd');
	/* (the global flags mean nothing to them, but are accepted before) */
	if (strcmp(cmd, "trace") == 0)
		return cmd_trace(argc - i, argv + i);
	if (strcmp(cmd, "report") == 0)
		return cmd_report(argc - i, argv + i);
	if (oci_is_command(cmd)) {
		int logfd = open_debug_log(&g);
		log_init("runsc-lite", logfd);
		struct oci_globals og = {
			.root = g.root,
			.platform = g.platform,
			.overlay = g.overlay_given ? !g.no_overlay : -1,
			.cache_policy = g.cache_policy ? g.cache_policy
					: g.file_access_shared ? "remote_revalidating" : NULL,
			.no_sync_wakeup = g.no_sync_wakeup,
			.debug_fd = logfd,
			.systemd_cgroup = g.systemd_cgroup,
		};
		return oci_command(argc - i, argv + i, &og);
	}
	if (strcmp(cmd, "version") == 0) {
		printf("runsc-lite version %s\nspec: 1.0.2\n", VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	die("unknown command \"%s\" (see runsc-lite help)", cmd);
}
