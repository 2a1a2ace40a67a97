#!/bin/sh
# Runs bench/syscall_cost natively and in `runsc-lite run` (a busybox rootfs,
# a scratch directory in it), in the same run, and prints ns/op, the ratio
# to native and the sandbox cost as a multiple of the bare interception
# round trip (getcwd in the sandbox: trapped, answered from sentry memory).
# Usage: bench/run.sh [BUILD_DIR] [REPEATS]; POLICY=none|... picks the
# sandbox's cache policy (default: fscache).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
repeats=${2:-3}
policy=${POLICY:-fscache}
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
sandbox=$(for i in $(seq "$repeats"); do
	"$build/runsc-lite" --cache-policy="$policy" run --rootfs "$rootfs" -- /bin/syscall_cost /tmp/bench
done | best)
rt=$(echo "$sandbox" | awk '$1 == "getcwd" { print $2 }')
echo "$(uname -r), $(nproc) CPUs, best of $repeats, cache policy $policy"
printf '%-13s %11s %11s %8s %10s\n' syscall native_ns sandbox_ns ratio x_getcwd
echo "$native" | while read -r name n; do
	s=$(echo "$sandbox" | awk -v k="$name" '$1 == k { print $2 }')
	printf '%-13s %11s %11s %8.1f %10.1f\n' "$name" "$n" "$s" \
		"$(echo "$s $n" | awk '{ print $1 / ($2 > 0 ? $2 : 1) }')" \
		"$(echo "$s $rt" | awk '{ print $1 / ($2 > 0 ? $2 : 1) }')"
done
