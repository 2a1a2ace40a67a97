/*
 * An OCI bundle's config.json, parsed and validated into what the sandbox
 * can apply (runsc-lite/sandbox.h).
 *
 * Contract: config.json is hostile input.  oci_config_load() reads at most
 * OCI_CONFIG_MAX bytes, parses them with json-c (nesting bounded), and either
 * fills a struct oci_config whose every field is checked (bounded counts and
 * lengths, no NUL inside a string, absolute paths without ".." components,
 * known mount types and options, known annotation values) or returns -1 with
 * one line in `err` that names the field and the cause.  Unknown fields are
 * ignored, as the runtime spec says.  What the sandbox cannot apply is either
 * refused with a clear message (uid/gid other than 0, hooks, joining a
 * namespace by path, a terminal) or accepted and named in `notes` (one line
 * each: mounts the sandbox provides itself, cgroup resources, the config's
 * own seccomp profile...), so that the CLI can log exactly what it ignored.
 *
 * Strings point into the parsed JSON tree or into buffers the struct owns;
 * all of it is released by oci_config_free().
 */
#ifndef RUNSC_LITE_OCI_CONFIG_H
#define RUNSC_LITE_OCI_CONFIG_H

#include "runsc-lite/oci_cgroup.h"
#include "runsc-lite/sandbox.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OCI_CONFIG_MAX     (1 << 20)   /* bytes of config.json */
#define OCI_ARGS_MAX       1024
#define OCI_ENV_MAX        1024
#define OCI_STRING_MAX     (32 * 1024) /* one argument or environment entry */
#define OCI_MOUNTS_MAX     128         /* entries, the ignored ones included */
#define OCI_ANNOTATIONS_MAX 256
#define OCI_NOTES_MAX      64
#define OCI_HOOKS_MAX      64          /* of each kind */
#define OCI_ERR_MAX        512

/* The capability sets of process.capabilities, in this order. */
enum { OCI_CAP_BOUNDING, OCI_CAP_EFFECTIVE, OCI_CAP_INHERITABLE, OCI_CAP_PERMITTED,
       OCI_CAP_AMBIENT, OCI_CAP_SETS };

struct oci_config {
	const char *oci_version;
	/* root */
	char *rootfs;                 /* absolute, resolved, a directory */
	bool root_readonly;
	/* process */
	const char **args;            /* NULL-terminated, nargs >= 1 */
	size_t nargs;
	const char **env;             /* NULL-terminated */
	size_t nenv;
	const char *cwd;              /* absolute */
	bool terminal;
	uint32_t uid, gid;            /* not 0 only as root (the sandbox maps a range then) */
	uint32_t *additional_gids;    /* setgroups(2); none rootless (a note says so) */
	size_t nadditional_gids;
	bool has_umask;
	uint32_t umask;
	struct sandbox_rlimit rlimits[SANDBOX_RLIMITS_MAX];
	size_t nrlimits;
	bool no_new_privileges;       /* the sandbox sets it in any case */
	uint64_t caps[OCI_CAP_SETS];  /* recorded; the application gets none */
	bool has_oom_score_adj;
	int oom_score_adj;
	/* binds of single files: copied into the overlay at start */
	struct sandbox_file_copy file_copies[SANDBOX_FILE_COPIES_MAX];
	size_t nfile_copies;
	/* linux.seccomp (runsc-lite/oci_seccomp.c), when present */
	bool has_seccomp;
	struct sandbox_seccomp seccomp;
	/* linux.namespaces network path (absolute): joined, or NULL */
	const char *netns_path;
	/* linux.cgroupsPath (NULL: not given) and linux.resources, checked */
	const char *cgroups_path;
	struct oci_resources resources;
	/* hostname: NULL when not given */
	const char *hostname;
	/* mounts the sandbox applies, in config order */
	struct sandbox_mount mounts[SANDBOX_MOUNTS_MAX];
	size_t nmounts;
	/* paths covered by an empty read-only directory (sysfs) */
	const char *hide[4];
	size_t nhide;
	/* annotations, all of them (the state reports them) */
	const char **ann_keys, **ann_values;
	size_t nannotations;
	/* ours, from the annotations: -1/NULL when not given */
	int overlay;
	const char *platform;         /* seccomp | ptrace */
	const char *file_access;      /* exclusive | shared */
	/* hooks (prestart, createRuntime, poststart, poststop; checked: path
	 * absolute, args/env bounded strings, timeout 1..3600), NULL if none:
	 * a json_object the runtime keeps in its state for start and delete */
	void *hooks;
	/* what was accepted but is not applied, one line each */
	char *notes[OCI_NOTES_MAX];
	size_t nnotes;

	void *json;                   /* the parsed tree the strings point into */
	char *owned[SANDBOX_MOUNTS_MAX + 1];
	size_t nowned;
};

/* Parses `len` bytes of config.json text; relative paths (root.path, bind
 * sources) are taken relative to `bundle`, an absolute directory. */
int oci_config_parse(const char *text, size_t len, const char *bundle, struct oci_config *c,
		     char err[OCI_ERR_MAX]);

/* Reads BUNDLE/config.json (bounded) and parses it. */
int oci_config_load(const char *bundle, struct oci_config *c, char err[OCI_ERR_MAX]);

void oci_config_free(struct oci_config *c);

/* linux.seccomp (a json_object) into *out: 0, or -1 with err (one line
 * naming the field); `note` gets what was skipped, or "". */
int oci_seccomp_parse(void *json, struct sandbox_seccomp *out, char *err, size_t errlen,
		      char *note, size_t notelen);

/* exec --process FILE: a process object alone (config.json's "process"),
 * checked as oci_config_parse() checks it; what it fills is the process's
 * part of c (args, env, cwd, terminal, user, rlimits...). */
int oci_process_parse(const char *text, size_t len, struct oci_config *c, char err[OCI_ERR_MAX]);
/* The capabilities the application's uid 0 keeps (CAP_SETUID, CAP_SETGID:
 * those in process.capabilities' bounding, effective and permitted sets),
 * as a bit set by capability number; the rest are never given. */
uint64_t oci_keep_caps(const struct oci_config *c);

/* The name of an rlimit resource ("RLIMIT_NOFILE" -> RLIMIT_NOFILE), or -1. */
int oci_rlimit_resource(const char *name);

#endif
