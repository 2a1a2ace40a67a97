/*
 * runsc-lite/oci_user — the user flags of `exec` (runc's): `--user/-u
 * UID[:GID]` and `--additional-gids/-g GID[,GID...]` (repeatable).
 *
 * Contract: the text is the caller's (hostile): decimal numbers only, each
 * below 4294967295 (the kernel's "no id"), no sign, no blanks, nothing
 * after; 0 or -1 with a one-line reason in `err`.  Names are not looked up
 * (runc's exec does not either without the rootfs's /etc/passwd).
 */
#ifndef RUNSC_LITE_OCI_USER_H
#define RUNSC_LITE_OCI_USER_H

#include <stddef.h>
#include <stdint.h>

#define OCI_USER_ERR_MAX 160

/* "UID" (gid 0, as runc) or "UID:GID". */
int oci_parse_user(const char *s, uint32_t *uid, uint32_t *gid, char err[OCI_USER_ERR_MAX]);
/* Appends the comma-separated gids of s to gids[*n..cap). */
int oci_parse_gids(const char *s, uint32_t *gids, size_t *n, size_t cap, char err[OCI_USER_ERR_MAX]);

#endif
