# Shared by the integration tests.  Each test script prints one line per
# case: "ok - NAME", "not ok - NAME" (followed by details on "#  " lines) or
# "ok - NAME # SKIP reason"; tests/run.sh counts them.
#
# Environment from tests/run.sh: RL (the runsc-lite binary under test),
# BUILD (its build directory), TOP (the source tree), SCRATCH (a private
# temporary directory, removed afterwards).

set -u

# Tests build trees beneath $SCRATCH and copy rootfs trees there: with no
# such directory a copy would land in / (it once overwrote the host's
# /etc/passwd).  Refuse to run without one.
case ${SCRATCH:-} in
/?*) [ -d "$SCRATCH" ] || { echo "not ok - SCRATCH=$SCRATCH is not a directory"; exit 1; } ;;
*) echo "not ok - SCRATCH must be an absolute directory (got '${SCRATCH:-}')"; exit 1 ;;
esac

# RL_PLATFORM (from tests/run.sh, which runs the suite once per platform):
# RL becomes a wrapper that adds --platform=$RL_PLATFORM, so the scripts
# keep calling "$RL" as they are; RL_REAL is the binary itself.
RL_REAL=${RL_REAL:-$RL}
if [ -n "${RL_PLATFORM:-}" ] && [ "$RL" = "$RL_REAL" ]; then
	RL="$SCRATCH/runsc-lite-$RL_PLATFORM"
	printf '#!/bin/sh\nexec "%s" --platform=%s "$@"\n' "$RL_REAL" "$RL_PLATFORM" >"$RL"
	chmod 755 "$RL"
fi

pass() { echo "ok - $1"; }
skip() { echo "ok - $1 # SKIP $2"; }
fail() {
	echo "not ok - $1"
	shift
	for line in "$@"; do printf '%s\n' "$line" | sed 's/^/#  /'; done
}

# check NAME CMD...: passes when CMD succeeds.
check() {
	name=$1; shift
	if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "command: $*" "$out"; fi
}

# same_output NAME -- ARGS: runs ARGS natively and in `runsc-lite do`, and
# compares stdout byte for byte, and exit status.
same_output() {
	name=$1; shift; [ "$1" = "--" ] && shift
	native=$("$@" 2>"$SCRATCH/native.err"; echo "exit=$?")
	sandbox=$("$RL" do -- "$@" 2>"$SCRATCH/sandbox.err"; echo "exit=$?")
	if [ "$native" = "$sandbox" ]; then
		pass "$name"
	else
		fail "$name" "native and sandbox differ:" \
			"$(diff <(printf '%s\n' "$native") <(printf '%s\n' "$sandbox") | head -20)" \
			"sandbox stderr: $(head -5 "$SCRATCH/sandbox.err")"
	fi
}

# A busybox rootfs (Debian's busybox-static), built once per build dir and
# copied for tests that write into it.
busybox_rootfs() {
	dir="$BUILD/rootfs/busybox"
	if [ ! -f "$dir/.complete" ]; then
		sh "$TOP/tests/rootfs/make-busybox-rootfs.sh" "$dir" >/dev/null || return 1
	fi
	echo "$dir"
}

fresh_busybox_rootfs() {
	src=$(busybox_rootfs) || return 1
	dst=$(mktemp -d "$SCRATCH/rootfs.XXXXXX") && [ -d "$dst" ] || return 1
	cp -a "$src/." "$dst/" || return 1
	echo "$dst"
}

# A Debian bookworm rootfs (debootstrap minbase with python3 gcc libc6-dev
# make git tar xz-utils procps) built once per machine by
# tests/rootfs/make-debian-rootfs.sh into its cache directory
# (${RUNSC_LITE_CACHE:-/var/cache/runsc-lite}/debian-bookworm: outside
# $BUILD, so `make clean` keeps it).  Shared and never written by the tests:
# use it read-only (the sandbox's overlay, or a kernel overlayfs over it).
# Prints the directory; when it cannot be had, prints a one-line reason
# (for skip) instead and fails.
debian_rootfs() {
	dir=${RUNSC_LITE_CACHE:-/var/cache/runsc-lite}/debian-bookworm
	if [ ! -f "$dir/.complete" ]; then
		if [ "$(id -u)" != 0 ]; then
			echo "no Debian rootfs at $dir, and building one (debootstrap) needs root"; return 1
		fi
		if ! sh "$TOP/tests/rootfs/make-debian-rootfs.sh" "$dir" >/dev/null 2>"$SCRATCH/debian-rootfs.err"; then
			echo "cannot build the Debian rootfs: $(tail -1 "$SCRATCH/debian-rootfs.err")"; return 1
		fi
	fi
	echo "$dir"
}

# wait_until SECONDS CMD...: polls CMD every 50 ms; bounded, never sleeps blindly.
wait_until() {
	limit=$(( $1 * 20 )); shift
	i=0
	while [ $i -lt $limit ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}
