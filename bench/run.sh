#!/bin/sh
# Runs bench/syscall_cost natively and in `runsc-lite run` (a busybox rootfs,
# a scratch directory in it) on each platform (seccomp user notification,
# ptrace), in the same run, and prints ns/op, the ratio to native and the
# sandbox cost as a multiple of that platform's bare interception round trip
# (getcwd in the sandbox: trapped, answered from sentry memory).
# Usage: bench/run.sh [BUILD_DIR] [REPEATS]
#   POLICY=none|...  the sandbox's cache policy (default: fscache)
#   PLATFORMS="seccomp seccomp-nosync ptrace"  (seccomp-nosync: user
#                    notification without SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;
#                    seccomp-trace, ptrace-trace: with --trace=FILE, all events)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
repeats=${2:-3}
policy=${POLICY:-fscache}
platforms=${PLATFORMS:-seccomp seccomp-nosync ptrace}
bin="$build/bench/syscall_cost"
mkdir -p "$build/bench"
cc -O2 -static -o "$bin" "$top/bench/syscall_cost.c"
rootfs="$build/bench/rootfs"
sh "$top/tests/rootfs/make-busybox-rootfs.sh" "$rootfs" >/dev/null
cp "$bin" "$rootfs/bin/syscall_cost"
mkdir -p "$rootfs/tmp/bench"
native_dir=$(mktemp -d)
trap 'rm -rf "$native_dir"' EXIT
# best of N runs of each: the least disturbed by the rest of the machine
best() { sort -k1,1 -k2,2n | awk '!seen[$1]++'; }
native=$(for i in $(seq "$repeats"); do "$bin" "$native_dir"; done | best)
results="$build/bench/results"
: > "$results"
for plat in $platforms; do
	for i in $(seq "$repeats"); do
		case $plat in
		seccomp-nosync) flags="--platform=seccomp --sync-wakeup=false" ;;
		# tracing every kind of event to a file (docs/ARCHITECTURE.md
		# "Audit and trace"): compare with the plain platform's column
		*-trace) flags="--platform=${plat%-trace} --trace=$build/bench/bench.trace" ;;
		*) flags="--platform=$plat" ;;
		esac
		"$build/runsc-lite" $flags --cache-policy="$policy" \
			run --rootfs "$rootfs" -- /bin/syscall_cost /tmp/bench
	done | best | sed "s/^/$plat /" >> "$results"
done
echo "$(uname -r), $(nproc) CPUs, best of $repeats, cache policy $policy"
printf '%-14s %10s' syscall native_ns
for plat in $platforms; do printf ' %12s %6s %8s' "${plat}_ns" ratio x_getcwd; done
echo
echo "$native" | while read -r name n; do
	printf '%-14s %10s' "$name" "$n"
	for plat in $platforms; do
		s=$(awk -v p="$plat" -v k="$name" '$1 == p && $2 == k { print $3 }' "$results")
		rt=$(awk -v p="$plat" '$1 == p && $2 == "getcwd" { print $3 }' "$results")
		printf ' %12s %6.1f %8.1f' "$s" \
			"$(echo "$s $n" | awk '{ print $1 / ($2 > 0 ? $2 : 1) }')" \
			"$(echo "$s $rt" | awk '{ print $1 / ($2 > 0 ? $2 : 1) }')"
	done
	echo
done
