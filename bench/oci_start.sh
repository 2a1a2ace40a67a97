#!/bin/bash
# Cold start of a container, in the same run: `runsc-lite run ID` (OCI, a
# bundle of the busybox rootfs, /bin/true) on each platform, `runsc-lite
# create` + `start` + wait as an engine does it, and crun (when it can run
# here: it refuses hybrid cgroup setups) on the same bundle; the native
# fork+exec of the same /bin/true as the floor; runsc (gVisor, ptrace) when
# installed; and podman run --rm with crun and with runsc-lite.  Prints the median and the
# best of N in ms and the ratio to crun (or to native when crun cannot run).
# Usage: bench/oci_start.sh [BUILD_DIR] [N]   (root: crun and the state dirs)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
n=${2:-20}
rl="$build/runsc-lite"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs="$build/bench/rootfs"
sh "$top/tests/rootfs/make-busybox-rootfs.sh" "$rootfs" >/dev/null
mkdir -p "$work/b"
: >"$work/runsc.in"
cat >"$work/b/config.json" <<EOF
{ "ociVersion": "1.0.2",
  "process": { "args": ["/bin/true"], "env": ["PATH=/bin"], "cwd": "/", "terminal": false,
               "user": { "uid": 0, "gid": 0 } },
  "root": { "path": "$rootfs", "readonly": true },
  "mounts": [ { "destination": "/proc", "type": "proc", "source": "proc" } ],
  "linux": { "namespaces": [ { "type": "pid" }, { "type": "mount" }, { "type": "ipc" },
                             { "type": "uts" }, { "type": "network" } ] } }
EOF

# times CMD... N times; prints "median best" in ms
measure() {
	for i in $(seq "$n"); do
		s=$(date +%s%N)
		"$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }
		e=$(date +%s%N)
		echo $(( (e - s) / 1000 ))
	done | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f %.2f\n", v[int((NR + 1) / 2)] / 1000, v[1] / 1000 }'
}

k=0
rl_run() { k=$((k + 1)); "$rl" --platform="$1" --root "$work/state" run --bundle "$work/b" "r$k"; }
rl_create_start() {
	k=$((k + 1))
	"$rl" --platform="$1" --root "$work/state" create --bundle "$work/b" "c$k" &&
	"$rl" --root "$work/state" start "c$k" &&
	while [ "$("$rl" --root "$work/state" state "c$k" | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')" != stopped ]; do :; done &&
	"$rl" --root "$work/state" delete "c$k"
}
crun_run() { k=$((k + 1)); crun --root "$work/crun" run --bundle "$work/b" "x$k"; }
# the engine's sequence with crun, waited for the same way (its state polled)
crun_create_start() {
	k=$((k + 1))
	crun --root "$work/crun" create --bundle "$work/b" "y$k" &&
	crun --root "$work/crun" start "y$k" &&
	while [ "$(crun --root "$work/crun" state "y$k" | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')" != stopped ]; do :; done &&
	crun --root "$work/crun" delete "y$k"
}
# (gVisor's runsc chowns the container's stdio to the sandbox's user: it
# gets files of its own, never the caller's /dev/null or terminal)
runsc_run() {
	k=$((k + 1))
	runsc --platform=ptrace --network=none --root "$work/runsc" run --bundle "$work/b" "g$k" \
		<"$work/runsc.in" >"$work/runsc.out" 2>&1
}

native=$(measure "$rootfs/bin/true")
printf '%-40s %10s %10s %8s\n' "" "median ms" "best ms" "ratio"
printf '%-40s %10s %10s\n' "native fork+exec /bin/true" $native
base=${native%% *} basename=native
if command -v crun >/dev/null && crun_run >/dev/null 2>"$work/crun.err"; then
	crun=$(measure crun_run)
	base=${crun%% *} basename=crun
	printf '%-40s %10s %10s %8s\n' "crun run" $crun 1.0
	crun_seq=$(measure crun_create_start)
	printf '%-40s %10s %10s %8s\n' "crun create+start+delete" $crun_seq \
		"$(awk -v a="${crun_seq%% *}" -v b="$base" 'BEGIN { printf "%.1f", a / b }')"
else
	echo "crun run: cannot run here ($(head -c 100 "$work/crun.err" | tr '\n' ' '))"
fi
if command -v runsc >/dev/null && runsc_run >/dev/null 2>"$work/runsc.err"; then
	r=$(measure runsc_run)
	printf '%-40s %10s %10s %8s\n' "runsc run (gVisor, ptrace)" $r "$(awk -v a="${r%% *}" -v b="$base" 'BEGIN { printf "%.1f", a / b }')"
else
	echo "runsc run: cannot run here ($(head -c 100 "$work/runsc.err" 2>/dev/null | tr '\n' ' '))"
fi
for plat in seccomp ptrace; do
	r=$(measure rl_run "$plat")
	printf '%-40s %10s %10s %8s\n' "runsc-lite run ($plat)" $r "$(awk -v a="${r%% *}" -v b="$base" 'BEGIN { printf "%.1f", a / b }')"
	r=$(measure rl_create_start "$plat")
	printf '%-40s %10s %10s %8s\n' "runsc-lite create+start+delete ($plat)" $r "$(awk -v a="${r%% *}" -v b="$base" 'BEGIN { printf "%.1f", a / b }')"
done
echo "(ratio: median against $basename, measured in this run)"

# podman run --rm of the same /bin/true with each runtime: what a user of
# the engine waits for (a private store, cgroupfs, no network)
if command -v podman >/dev/null && [ "$(id -u)" = 0 ]; then
	ps_="$work/podman"
	mkdir -p "$ps_/tmp"
	printf '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n' >"$ps_/containers.conf"
	export CONTAINERS_CONF="$ps_/containers.conf"
	printf '#!/bin/sh\nexec "%s" --root="%s" "$@"\n' "$rl" "$ps_/rl" >"$ps_/runsc-lite"
	chmod 755 "$ps_/runsc-lite"
	pm() {
		podman --root "$ps_/storage" --runroot "$ps_/run" --storage-driver vfs --cgroup-manager=cgroupfs \
			--events-backend=file --tmpdir "$ps_/tmp" "$@"
	}
	if tar -C "$rootfs" -c . | pm import - localhost/rl-bench >/dev/null 2>&1; then
		printf '%-40s %10s %10s %8s\n' "" "median ms" "best ms" "ratio"
		pbase=
		for rt in crun "$ps_/runsc-lite"; do
			pm --runtime "$rt" run --rm --network none localhost/rl-bench /bin/true >/dev/null 2>&1 || {
				echo "podman --runtime $(basename "$rt"): cannot run here"; continue; }
			r=$(measure pm --runtime "$rt" run --rm --network none localhost/rl-bench /bin/true)
			[ -n "$pbase" ] || pbase=${r%% *}
			printf '%-40s %10s %10s %8s\n' "podman run --rm ($(basename "$rt"))" $r \
				"$(awk -v a="${r%% *}" -v b="$pbase" 'BEGIN { printf "%.1f", a / b }')"
		done
		echo "(ratio: median against the first podman row)"
	fi
fi
