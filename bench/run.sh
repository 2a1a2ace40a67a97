#!/bin/sh
# Runs bench/syscall_cost natively and in `runsc-lite do`, in the same run,
# and prints ns/op and the ratio.  Usage: bench/run.sh [BUILD_DIR] [REPEATS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
repeats=${2:-3}
bin="$build/bench/syscall_cost"
mkdir -p "$build/bench"
cc -O2 -o "$bin" "$top/bench/syscall_cost.c"
# best of N runs of each: the least disturbed by the rest of the machine
best() { sort -k1,1 -k2,2n | awk '!seen[$1]++'; }
native=$(for i in $(seq "$repeats"); do "$bin"; done | best)
sandbox=$(for i in $(seq "$repeats"); do "$build/runsc-lite" do -- "$bin"; done | best)
echo "$(uname -r), $(nproc) CPUs, best of $repeats"
printf '%-12s %12s %12s %8s\n' syscall native_ns sandbox_ns ratio
echo "$native" | while read -r name n; do
	s=$(echo "$sandbox" | awk -v k="$name" '$1 == k { print $2 }')
	printf '%-12s %12s %12s %8.1f\n' "$name" "$n" "$s" "$(echo "$s $n" | awk '{ print $1 / ($2 > 0 ? $2 : 1) }')"
done
