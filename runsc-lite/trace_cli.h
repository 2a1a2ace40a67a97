/*
 * The CLI's side of the audit stream (audit/): opening the --trace sink and
 * --strace-log, and the `trace decode` and `report` commands.
 */
#ifndef RUNSC_LITE_TRACE_CLI_H
#define RUNSC_LITE_TRACE_CLI_H

#include <stddef.h>

/* --trace=FILE (created or truncated) or --trace=unix:PATH (a listening
 * unix stream socket): the fd, preamble written.  Dies with one line. */
int trace_open_sink(const char *where);
/* --strace-log=FILE, appended to.  Dies with one line. */
int trace_open_strace_log(const char *path);
/* A random id for the sandbox (16 hex digits) into buf. */
void trace_sandbox_id(char *buf, size_t cap);

/* `runsc-lite trace decode FILE`, `runsc-lite report FILE [--format=...]`:
 * argv[0] is the command's name.  Exit status: 0, 1 for a bad trace, 125
 * for usage errors. */
int cmd_trace(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
