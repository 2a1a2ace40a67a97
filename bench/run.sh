#!/bin/sh
# Runs bench/syscall_cost natively and in `runsc-lite do` on each platform
# (seccomp user notification, ptrace), in the same run, and prints ns/op and
# the ratio to native.  getcwd is a trapped no-op (the bare round trip);
# stat is a trapped path syscall answered from the sentry's cache.
# Usage: bench/run.sh [BUILD_DIR] [REPEATS]     PLATFORMS="seccomp ptrace"
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
repeats=${2:-3}
platforms=${PLATFORMS:-seccomp ptrace}
bin="$build/bench/syscall_cost"
mkdir -p "$build/bench"
cc -O2 -o "$bin" "$top/bench/syscall_cost.c"
# best of N runs of each: the least disturbed by the rest of the machine
best() { sort -k1,1 -k2,2n | awk '!seen[$1]++'; }
native=$(for i in $(seq "$repeats"); do "$bin"; done | best)
results="$build/bench/results"
: > "$results"
for plat in $platforms; do
	for i in $(seq "$repeats"); do
		"$build/runsc-lite" --platform="$plat" do -- "$bin"
	done | best | sed "s/^/$plat /" >> "$results"
done
echo "$(uname -r), $(nproc) CPUs, best of $repeats"
printf '%-12s %10s' syscall native_ns
for plat in $platforms; do printf ' %10s %6s' "${plat}_ns" ratio; done
echo
echo "$native" | while read -r name n; do
	printf '%-12s %10s' "$name" "$n"
	for plat in $platforms; do
		s=$(awk -v p="$plat" -v k="$name" '$1 == p && $2 == k { print $3 }' "$results")
		printf ' %10s %6.1f' "$s" "$(echo "$s $n" | awk '{ print $1 / ($2 > 0 ? $2 : 1) }')"
	done
	echo
done
