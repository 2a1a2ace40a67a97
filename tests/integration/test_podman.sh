# podman with runsc-lite as its OCI runtime (--runtime), on an image
# imported from the busybox rootfs (no registry is reachable).  Podman's
# storage, run root, events and our state directory all live beneath
# $SCRATCH: the host's podman state is never touched.  Exit codes are those
# the same commands give natively.
. "$TOP/tests/lib.sh"

command -v podman >/dev/null || { skip "podman" "podman is not installed (apt-get install podman)"; exit 0; }
[ "$(id -u)" = 0 ] || { skip "podman" "needs root (rootless podman needs subuid ranges set up)"; exit 0; }
R=$(busybox_rootfs) || { skip "podman" "no busybox rootfs"; exit 0; }

PS="$SCRATCH/podman"
mkdir -p "$PS/tmp"
# No CAP_SYS_RESOURCE may be had here: podman's default nofile limit
# (1048576) could not be set by any runtime.
cat >"$PS/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
export CONTAINERS_CONF="$PS/containers.conf"
# Our state directory beneath $SCRATCH: set by a wrapper, because podman
# passes --runtime-flag to some calls only (its cleanup process, which
# deletes --rm containers, calls the runtime without it).
printf '#!/bin/sh\nexec "%s" --root="%s" "$@"\n' "$RL" "$PS/rl" >"$PS/runtime"
chmod 755 "$PS/runtime"
pm() {
	podman --root "$PS/storage" --runroot "$PS/run" --storage-driver vfs --cgroup-manager=cgroupfs \
		--events-backend=file --tmpdir "$PS/tmp" --runtime "$PS/runtime" "$@"
}
if ! tar -C "$R" -c . | pm import - localhost/rl-busybox >"$SCRATCH/import.log" 2>&1; then
	skip "podman" "podman cannot run here: $(tail -1 "$SCRATCH/import.log")"; exit 0
fi

# the sandbox processes of every container started detached, to check at the end
record_pids() {
	for f in "$PS"/rl/*/state.json; do
		[ -f "$f" ] && printf '%s\n' "$(sed -n 's/.*"pid":\([0-9]*\).*"goferPid":\([0-9]*\).*/\1 \2/p' "$f")"
	done >>"$SCRATCH/pids"
}
: >"$SCRATCH/pids"

name="podman: run --rm echo"
out=$(pm run --rm --network none localhost/rl-busybox echo hi 2>"$SCRATCH/err")
if [ "$out" = hi ]; then pass "$name"; else fail "$name" "out: $out" "$(cat "$SCRATCH/err")"; fi

for cmd in 'exit 7' 'false' 'echo out; exit 3' 'exec /bin/nonexistent-program'; do
	name="podman: run sh -c '$cmd': output and exit code as natively"
	native=$(/bin/busybox sh -c "$cmd" 2>/dev/null; echo "exit=$?")
	got=$(pm run --rm --network none localhost/rl-busybox sh -c "$cmd" 2>/dev/null; echo "exit=$?")
	if [ "$native" = "$got" ]; then pass "$name"; else fail "$name" "native: $native" "podman: $got"; fi
done
name="podman: run of a missing program exits 127"
pm run --rm --network none localhost/rl-busybox no-such-program >/dev/null 2>&1; rc=$?
if [ $rc = 127 ]; then pass "$name"; else fail "$name" "exit $rc"; fi

name="podman: -v HOST:PATH[:ro] volumes, --read-only (EROFS, its tmpfs on /run and /tmp writable)"
mkdir -p "$SCRATCH/vol" && echo volfile >"$SCRATCH/vol/f"
out=$(pm run --rm --network none -v "$SCRATCH/vol:/data:ro" -v "$SCRATCH/vol:/rw" localhost/rl-busybox \
	sh -c 'cat /data/f; echo x > /data/g || echo ro-refused; echo w > /rw/g' 2>/dev/null)
out2=$(pm run --rm --network none --read-only localhost/rl-busybox \
	sh -c 'echo x > /etc/x || echo ro-root; echo y > /run/y && echo y > /tmp/y && cat /run/y /tmp/y' 2>/dev/null)
if [ "$out" = "volfile
ro-refused" ] && [ "$(cat "$SCRATCH/vol/g")" = w ] && [ "$out2" = "ro-root
y
y" ]; then pass "$name"; else fail "$name" "$out" "$out2"; fi

name="podman: the container sees its image, env, hostname and pid 1"
out=$(pm run --rm --network none --hostname pmhost -e FOO=bar localhost/rl-busybox sh -c 'echo $FOO $(hostname) $$; cat /etc/os-release | head -1' 2>&1)
if [ "$out" = 'bar pmhost 1
NAME="runsc-lite busybox test rootfs"' ]; then pass "$name"; else fail "$name" "$out"; fi

name="podman: run -it (through script's pty): a terminal inside, typed input reaches the shell, its exit code"
if command -v script >/dev/null; then
	# script(1) runs a command line, not a shell function: the same podman
	# invocation as pm, written out
	{ printf '#!/bin/sh\nCONTAINERS_CONF="%s" exec podman --root "%s" --runroot "%s" --storage-driver vfs ' \
		"$PS/containers.conf" "$PS/storage" "$PS/run"
	  printf -- '--cgroup-manager=cgroupfs --events-backend=file --tmpdir "%s" --runtime "%s" ' "$PS/tmp" "$PS/runtime"
	  printf -- 'run -it --rm --network none localhost/rl-busybox sh -c %s\n' \
		"'[ -t 0 ] && echo is-a-tty; cut -d\" \" -f6,7 /proc/self/stat; read l; echo \"got \$l\"; exit 4'"
	} >"$PS/pm-it.sh"
	chmod 755 "$PS/pm-it.sh"
	out=$(printf 'typed\n' | timeout -k 5 60 script -qec "$PS/pm-it.sh" /dev/null 2>&1; echo "exit=$?")
	out=$(printf '%s\n' "$out" | tr -d '\r')
	if printf '%s\n' "$out" | grep -q '^is-a-tty$' && printf '%s\n' "$out" | grep -q '^1 34816$' &&
	   printf '%s\n' "$out" | grep -q '^got typed$' && printf '%s\n' "$out" | grep -q '^exit=4$'; then pass "$name"; else
		fail "$name" "$out"; fi
else
	skip "$name" "no script(1) here"
fi

# run -d, ps, kill -s USR1 reaching a handler, logs, stop
name="podman: run -d, ps shows it up, kill -s USR1 reaches its handler (logs)"
cid=$(pm run -d --network none localhost/rl-busybox sh -c 'trap "echo got-usr1" USR1; echo ready; while :; do sleep 0.05; done' 2>"$SCRATCH/err")
logs_have() { pm logs "$cid" 2>/dev/null | grep -q "$1"; }
record_pids
if [ -n "$cid" ] && pm ps --format '{{.ID}} {{.Status}}' | grep -q "^${cid%"${cid#????????????}"} Up" &&
   wait_until 10 logs_have ready && pm kill -s USR1 "$cid" >/dev/null && wait_until 10 logs_have got-usr1; then
	pass "$name"; else fail "$name" "cid $cid: $(cat "$SCRATCH/err")" "$(pm ps -a 2>&1)" "$(pm logs "$cid" 2>&1)"; fi
name="podman: exec: output, -e, -w and the exit code as natively"
cmd='echo $FOO; pwd; echo err >&2; exit 5'
# (stdout and stderr compared apart: conmon copies them through separate pipes)
native=$(cd /etc && FOO=bar /bin/busybox sh -c "$cmd" 2>"$SCRATCH/ne"; echo "exit=$?"; cat "$SCRATCH/ne")
got=$(pm exec -e FOO=bar -w /etc "$cid" sh -c "$cmd" 2>"$SCRATCH/ge"; echo "exit=$?"; cat "$SCRATCH/ge")
if [ "$native" = "$got" ]; then pass "$name"; else fail "$name" "native: $native" "podman: $got"; fi
name="podman: exec of a missing program exits 127; exec -d runs on"
pm exec "$cid" no-such-program >/dev/null 2>&1; rc=$?
pm exec -d "$cid" sh -c 'echo detached > /tmp/d; sleep 100' >/dev/null 2>&1; drc=$?
if [ $rc = 127 ] && [ $drc = 0 ] && wait_until 10 eval 'pm exec "$cid" cat /tmp/d 2>/dev/null | grep -q detached'; then
	pass "$name"; else fail "$name" "exit $rc, -d $drc" "$(pm exec "$cid" cat /tmp/d 2>&1)"; fi
name="podman: exec -it (through script's pty): a terminal, typed input, the exit code"
if command -v script >/dev/null; then
	{ printf '#!/bin/sh\nCONTAINERS_CONF="%s" exec podman --root "%s" --runroot "%s" --storage-driver vfs ' \
		"$PS/containers.conf" "$PS/storage" "$PS/run"
	  printf -- '--cgroup-manager=cgroupfs --events-backend=file --tmpdir "%s" --runtime "%s" ' "$PS/tmp" "$PS/runtime"
	  printf -- 'exec -it %s sh -c %s\n' "$cid" "'[ -t 0 ] && echo is-a-tty; read l; echo \"got \$l\"; exit 6'"
	} >"$PS/pm-exec-it.sh"
	chmod 755 "$PS/pm-exec-it.sh"
	out=$(printf 'typed\n' | timeout -k 5 60 script -qec "$PS/pm-exec-it.sh" /dev/null 2>&1; echo "exit=$?")
	out=$(printf '%s\n' "$out" | tr -d '\r')
	if printf '%s\n' "$out" | grep -q '^is-a-tty$' && printf '%s\n' "$out" | grep -q '^got typed$' &&
	   printf '%s\n' "$out" | grep -q '^exit=6$'; then pass "$name"; else fail "$name" "$out"; fi
else
	skip "$name" "no script(1) here"
fi
name="podman: pause and unpause (inspect shows paused, then running)"
if pm pause "$cid" >/dev/null 2>"$SCRATCH/err" && [ "$(pm inspect --format '{{.State.Status}}' "$cid")" = paused ] &&
   pm unpause "$cid" >/dev/null 2>>"$SCRATCH/err" && [ "$(pm inspect --format '{{.State.Status}}' "$cid")" = running ]; then
	pass "$name"; else fail "$name" "$(cat "$SCRATCH/err")" "$(pm inspect --format '{{.State.Status}}' "$cid" 2>&1)"; fi
name="podman: stop ends it (SIGTERM ignored by pid 1 without a handler, then SIGKILL: 137)"
pm stop -t 1 "$cid" >/dev/null 2>&1
code=$(pm inspect --format '{{.State.ExitCode}}' "$cid" 2>&1)
if [ "$code" = 137 ] && pm ps -a --format '{{.Status}}' | grep -q 'Exited (137)'; then pass "$name"; else
	fail "$name" "exit code $code" "$(pm ps -a 2>&1)"; fi
pm rm "$cid" >/dev/null 2>&1

name="podman: stop of a container with a TERM handler: its own exit code"
cid=$(pm run -d --network none localhost/rl-busybox sh -c 'trap "exit 9" TERM; echo ready; while :; do sleep 0.05; done' 2>/dev/null)
record_pids
wait_until 10 logs_have ready
pm stop -t 10 "$cid" >/dev/null 2>&1
code=$(pm inspect --format '{{.State.ExitCode}}' "$cid" 2>&1)
if [ "$code" = 9 ]; then pass "$name"; else fail "$name" "exit code $code"; fi
pm rm "$cid" >/dev/null 2>&1

name="podman: kill (SIGKILL) of a running container; rm -f of another"
c1=$(pm run -d --network none localhost/rl-busybox sleep 100 2>/dev/null)
c2=$(pm run -d --network none localhost/rl-busybox sleep 100 2>/dev/null)
record_pids
pm kill "$c1" >/dev/null 2>&1
pm wait "$c1" >/dev/null 2>&1
code=$(pm inspect --format '{{.State.ExitCode}}' "$c1" 2>&1)
if [ "$code" = 137 ] && pm rm "$c1" >/dev/null 2>&1 && pm rm -f -t 0 "$c2" >/dev/null 2>&1 &&
   [ -z "$(pm ps -aq)" ]; then pass "$name"; else fail "$name" "exit code $code" "$(pm ps -a 2>&1)"; fi

name="podman: run --user 1000:1000: id, and files it makes in a volume and /tmp are 1000:1000 (host too)"
mkdir -p "$SCRATCH/uvol" && chmod 0777 "$SCRATCH/uvol"
out=$(pm run --rm --network none --user 1000:1000 -v "$SCRATCH/uvol:/v" localhost/rl-busybox \
	sh -c 'id -u; id -g; echo x > /v/f; echo x > /tmp/f; stat -c %u:%g /v/f /tmp/f' 2>&1)
want="1000
1000
1000:1000
1000:1000"
if [ "$out" = "$want" ] && [ "$(stat -c %u:%g "$SCRATCH/uvol/f")" = 1000:1000 ]; then pass "$name"; else
	fail "$name" "got: $out" "want: $want" "$(ls -ln "$SCRATCH/uvol")"; fi
name="podman: exec --user 1000:1000 into a root container; exec without it is root"
cid=$(pm run -d --network none localhost/rl-busybox sh -c 'echo x > /tmp/rootfile; chmod 600 /tmp/rootfile; echo ready; sleep 100' 2>/dev/null)
record_pids
wait_until 10 logs_have ready
# (stderr into stdout inside: conmon copies the two through separate pipes)
out=$(pm exec --user 1000:1000 "$cid" sh -c 'id -u; id -g; cat /tmp/rootfile 2>&1; echo y > /tmp/u; stat -c %u:%g /tmp/u' 2>&1
      pm exec "$cid" id -u 2>&1)
want="1000
1000
cat: can't open '/tmp/rootfile': Permission denied
1000:1000
0"
if [ "$out" = "$want" ]; then pass "$name"; else fail "$name" "got: $out" "want: $want"; fi
pm rm -f -t 0 "$cid" >/dev/null 2>&1

name="podman: nothing is left: no container state, no sandbox process"
left=$(ls -A "$PS/rl" 2>/dev/null)
gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
alive=""
for p in $(cat "$SCRATCH/pids"); do wait_until 5 gone "$p" || alive="$alive $p"; done
if [ -z "$left" ] && [ -s "$SCRATCH/pids" ] && [ -z "$alive" ] && [ -z "$(pgrep -f "conmon.*$PS")" ]; then pass "$name"; else
	fail "$name" "state: $left" "pids recorded: $(cat "$SCRATCH/pids" | tr '\n' ' ')" "alive: $alive" "conmon: $(pgrep -af "conmon.*$PS")"; fi
pm rmi -f localhost/rl-busybox >/dev/null 2>&1
