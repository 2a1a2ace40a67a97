#!/bin/sh
# Builds bench/p9_roundtrip.c against the 9P and gofer libraries of the
# plain build and runs it: bare SOCK_SEQPACKET ping-pong vs 9P round trips
# to a real gofer process, on one CPU, unpinned and across two CPUs.
# Usage: bench/p9.sh [ITERATIONS] [REPEATS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"
iterations=${1:-10000}
repeats=${2:-3}
make -C "$top" --no-print-directory -s build/libp9.a build/libgofer.a
mkdir -p "$build/bench"
gcc -std=gnu11 -O2 -Wall -Wextra -D_GNU_SOURCE -I"$top" -o "$build/bench/p9_roundtrip" \
	"$top/bench/p9_roundtrip.c" "$build/libgofer.a" "$build/libp9.a" -lpthread
exec "$build/bench/p9_roundtrip" -n "$iterations" -r "$repeats"
