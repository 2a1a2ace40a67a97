#!/bin/sh
# Builds a Debian bookworm rootfs (debootstrap --variant=minbase, with
# python3 gcc libc6-dev make git tar xz-utils procps) into DIR, for
# tests/integration/test_debian.sh and bench/debian.sh.
#
#   tests/rootfs/make-debian-rootfs.sh [DIR]
#
# DIR defaults to ${RUNSC_LITE_CACHE:-/var/cache/runsc-lite}/debian-bookworm:
# outside the build directory on purpose, so `make clean` does not throw
# away a build that takes minutes and downloads ~100 MB.  A complete rootfs
# (DIR/.complete) is reused as it is.  The build goes into DIR.tmp, which
# is renamed to DIR only once debootstrap has finished, so a half-built tree
# (interrupted, out of disk, no network) is never taken for a complete one.
# Needs root (debootstrap) and deb.debian.org (or DEBIAN_MIRROR); installs
# debootstrap with apt-get when it is missing.
set -eu
if [ $# -gt 0 ]; then dir=$1; else dir=${RUNSC_LITE_CACHE:-/var/cache/runsc-lite}/debian-bookworm; fi
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=python3,gcc,libc6-dev,make,git,tar,xz-utils,procps

# Never near /: the tree is wiped (rm -rf DIR.tmp) before a build.
case $dir in
/*/?*) ;;
*) echo "make-debian-rootfs: refusing to build into '$dir' (need an absolute path below a directory)" >&2; exit 1 ;;
esac
dir=${dir%/}
case $dir in
/|/bin|/boot|/dev|/etc|/home|/lib*|/opt|/proc|/root|/run|/sbin|/srv|/sys|/tmp|/usr|/usr/*|/var|/etc/*)
	echo "make-debian-rootfs: refusing to build into '$dir'" >&2; exit 1 ;;
esac

[ -f "$dir/.complete" ] && { echo "$dir"; exit 0; }

if [ "$(id -u)" != 0 ]; then
	echo "make-debian-rootfs: debootstrap needs root" >&2; exit 1
fi
mkdir -p "$(dirname "$dir")"
# One build at a time (two test runs may ask at once): the second waits,
# then finds the first one's rootfs complete.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$dir.lock"
	flock 9
	[ -f "$dir/.complete" ] && { echo "$dir"; exit 0; }
fi
if ! command -v debootstrap >/dev/null 2>&1; then
	apt-get update -qq >&2 &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
		{ echo "make-debian-rootfs: cannot install debootstrap" >&2; exit 1; }
fi

tmp="$dir.tmp"
# A previous attempt that did not finish: start again.  Anything mounted
# beneath it would be descended into by rm -rf: refuse instead.
if grep -q " $tmp[ /]" /proc/self/mounts; then
	echo "make-debian-rootfs: something is mounted beneath $tmp" >&2; exit 1
fi
rm -rf "$tmp"
mkdir "$tmp"
start=$(date +%s)
if ! debootstrap --variant=minbase --include="$packages" bookworm "$tmp" "$mirror" >"$tmp.log" 2>&1; then
	echo "make-debian-rootfs: debootstrap failed; last lines of $tmp.log:" >&2
	tail -5 "$tmp.log" >&2
	exit 1
fi
# The package cache is ~100 MB of .debs nothing in the tests needs.
rm -rf "$tmp/var/cache/apt/archives/"*.deb
echo "debootstrap bookworm ($packages) in $(( $(date +%s) - start )) s" >"$tmp/.complete"
[ -e "$dir" ] && { grep -q " $dir[ /]" /proc/self/mounts && { echo "make-debian-rootfs: something is mounted beneath $dir" >&2; exit 1; }; rm -rf "$dir"; }
mv "$tmp" "$dir"
rm -f "$tmp.log"
echo "$dir"
