#!/bin/bash
# Real workloads in the Debian rootfs (tests/rootfs/make-debian-rootfs.sh),
# timed natively and in `runsc-lite run` on each platform; medians of
# REPEATS runs, and the sandbox's ratio to native.
#
#   bench/debian.sh [BUILD_DIR] [REPEATS]     (root: chroot and mounts)
#   PLATFORMS="seccomp ptrace"                 the sandbox platforms to time
#                                              (seccomp-trace, ptrace-trace: with --trace)
#
# Native: the same script in a chroot of a kernel overlayfs over the rootfs
# (tmpfs upper layer: the cached rootfs is never written, and the sandbox's
# default root is an overlay too), in a private mount + pid namespace with
# its own /proc.  Each script times only its workload (bash's
# EPOCHREALTIME around it), not its setup; "python3 startup" is one whole
# `python3 -c pass`, so it includes exec and the dynamic loader.
# The workloads: tar xJf of /usr/include (1.5k files), find over /usr (13k
# names, the sandbox's caches cold), git status in a repo of ~2.7k files,
# make -j2 of a 16-file C project, python3 startup.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
repeats=${2:-5}
platforms=${PLATFORMS:-seccomp ptrace}
rl="$build/runsc-lite"
[ -x "$rl" ] || { echo "bench/debian.sh: no $rl (make first)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench/debian.sh: needs root (chroot, mounts for the native reference)" >&2; exit 1; }
deb=$(sh "$top/tests/rootfs/make-debian-rootfs.sh") || exit 1
[ -f "$deb/.complete" ] || exit 1

scratch=$(mktemp -d /tmp/rl-bench-debian.XXXXXX)
[ -n "$scratch" ] && [ -d "$scratch" ] || exit 1
cleanup() {
	# Mounts are only ever made in private namespaces; refuse to descend
	# into anything mounted all the same.
	if ! grep -qF " $scratch" /proc/self/mounts; then rm -rf "$scratch"; fi
}
trap cleanup EXIT
mkdir "$scratch/layers" "$scratch/merged"

cat > "$scratch/workload.sh" <<'EOF'
t() { local s=$EPOCHREALTIME; "$@" >/dev/null; echo "$name $(echo "$EPOCHREALTIME $s" | awk '{ printf "%.4f", $1 - $2 }')"; }
cd /tmp
# tar xJf of /usr/include
XZ_OPT=-0 tar cJf inc.tar.xz -C /usr include; mkdir x
name=tar_xJf t tar xJf inc.tar.xz -C x
# find over /usr
name=find_usr t find /usr
# git status in a repo of a few thousand files
export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.com GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@example.com
git init -q -b main repo && cp -a /usr/include /usr/lib/python3.11 repo/ && (cd repo && git add -A && git commit -qm x && git status >/dev/null)
cd repo; name=git_status t git status; cd ..
# make -j2 of a small multi-file C project
mkdir proj && cd proj
for i in $(seq 1 16); do
	printf '#include <stdio.h>\n#include <string.h>\n#include <stdlib.h>\nint f%d(int x) { char b[64]; snprintf(b, sizeof b, "%%d", x); return (int)strlen(b) + x * %d; }\n' $i $i > f$i.c
done
{ echo '#include <stdio.h>'; for i in $(seq 1 16); do echo "int f$i(int);"; done
  echo 'int main(void) { int s = 0;'; for i in $(seq 1 16); do echo "s += f$i($i);"; done
  echo 'printf("%d\n", s); return 0; }'; } > main.c
printf 'OBJS = main.o %s\nprog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n%%.o: %%.c\n\t$(CC) -O2 -c -o $@ $<\n' "$(seq -f 'f%g.o' 1 16 | tr '\n' ' ')" > Makefile
name=make_j2 t make -j2 -s
./prog >/dev/null
cd ..
# python3 startup
python3 -c pass
name=python3_startup t python3 -c pass
EOF

native() {
	unshare --mount --pid --fork --kill-child --propagation private /bin/sh -c '
		set -e
		n=$1 deb=$2
		[ -d "$n/layers" ] && [ -d "$n/merged" ] && [ -f "$deb/.complete" ]
		mount -t tmpfs -o mode=0755 bench-layers "$n/layers"
		mkdir "$n/layers/upper" "$n/layers/work"
		mount -t overlay bench-root -o "lowerdir=$deb,upperdir=$n/layers/upper,workdir=$n/layers/work,redirect_dir=off,index=off,metacopy=off" "$n/merged"
		mount -t proc proc "$n/merged/proc"
		exec chroot "$n/merged" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root LC_ALL=C /bin/bash -c "$3"' \
		sh "$scratch" "$deb" "$(cat "$scratch/workload.sh")"
}
sandbox() {
	# PLAT-trace: with --trace=FILE of every kind (the trace's cost)
	case $1 in
	*-trace) set -- "${1%-trace}" --trace="$scratch/bench.trace" ;;
	esac
	"$rl" --platform="$1" ${2:+"$2"} run --rootfs "$deb" -- \
		/usr/bin/env -i PATH=/usr/bin:/bin HOME=/root LC_ALL=C /bin/bash -c "$(cat "$scratch/workload.sh")"
}

results="$scratch/results"
: > "$results"
for i in $(seq "$repeats"); do
	native | sed 's/^/native /' >> "$results"
	for plat in $platforms; do
		sandbox "$plat" | sed "s/^/$plat /" >> "$results"
	done
done

median() {  # MODE NAME
	awk -v m="$1" -v k="$2" '$1 == m && $2 == k { print $3 }' "$results" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo "$(uname -r), $(nproc) CPUs, median of $repeats runs, seconds; ratio = sandbox / native"
printf '%-16s %9s' workload native
for plat in $platforms; do printf ' %9s %6s' "$plat" ratio; done
echo
for w in tar_xJf find_usr git_status make_j2 python3_startup; do
	n=$(median native $w)
	printf '%-16s %9s' $w "$n"
	for plat in $platforms; do
		s=$(median "$plat" $w)
		printf ' %9s %6s' "$s" "$(echo "$s $n" | awk '{ printf "%.2f", ($2 > 0) ? $1 / $2 : 0 }')"
	done
	echo
done
