# containerd's runc v2 shim with runsc-lite as its runtime binary (what a
# Kubernetes RuntimeClass would use): a private containerd (root, state and
# sockets beneath $SCRATCH), `ctr run --runc-binary` on the busybox rootfs,
# exit codes as natively, task kill / ps / ls, and nothing left behind.
# (The shim itself puts its socket in containerd's fixed /run/containerd/s
# and removes it when it exits.)
. "$TOP/tests/lib.sh"

command -v containerd >/dev/null && command -v ctr >/dev/null ||
	{ skip "containerd" "containerd is not installed (apt-get install containerd)"; exit 0; }
[ "$(id -u)" = 0 ] || { skip "containerd" "needs root (containerd and its shim)"; exit 0; }
R=$(busybox_rootfs) || { skip "containerd" "no busybox rootfs"; exit 0; }

CD="$SCRATCH/containerd"
mkdir -p "$CD"
cat >"$CD/config.toml" <<EOF
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CD/containerd.sock"
[ttrpc]
  address = "$CD/containerd.sock.ttrpc"
EOF
containerd --config "$CD/config.toml" >"$CD/containerd.log" 2>&1 &
cpid=$!
c() { ctr --address "$CD/containerd.sock" -n rltest "$@"; }
# whatever a failed case left: its tasks killed and deleted (the shims then
# exit), then containerd itself
cleanup() {
	for t in $(c task ls -q 2>/dev/null); do
		c task kill -s KILL "$t" >/dev/null 2>&1
		wait_until 10 eval "c task ls | grep -q \"^$t .*STOPPED\""
		c task delete "$t" >/dev/null 2>&1
	done
	for t in $(c container ls -q 2>/dev/null); do c container delete "$t" >/dev/null 2>&1; done
	kill $cpid 2>/dev/null
	wait $cpid 2>/dev/null
	# containerd names a task's cgroup /<namespace>/<id>; the runtime
	# removes the leaf, the namespace's directory stays (as with runc)
	rmdir /sys/fs/cgroup/*/rltest /sys/fs/cgroup/rltest 2>/dev/null
	true
}
trap cleanup EXIT
if ! wait_until 20 c version; then
	skip "containerd" "containerd does not start here: $(tail -1 "$CD/containerd.log")"; exit 0
fi
# The runtime binary as the shim calls it (with RL_PLATFORM, the wrapper),
# each call and its exit status logged, for the message of a failing case.
printf '#!/bin/sh\necho "$(date +%%T.%%N) $*" >>"%s"\n"%s" "$@"\nrc=$?\necho "$(date +%%T.%%N) exit $rc: $*" >>"%s"\nexit $rc\n' \
	"$CD/calls.log" "$RL" "$CD/calls.log" >"$CD/runtime"
chmod 755 "$CD/runtime"
calls() { echo "runtime calls:"; tail -n 12 "$CD/calls.log" 2>/dev/null; echo "containerd:"; tail -n 6 "$CD/containerd.log"; }
# crun_ FLAG ID CMD...: ctr wants its flags before the rootfs
crun_() {
	flag=$1; shift
	c run --runc-binary "$CD/runtime" --runc-root "$CD/rl" --fifo-dir "$CD/fifo" "$flag" --rootfs "$R" "$@"
}

for cmd in 'echo hi; exit 5' 'true' 'echo $$; kill -15 $$; echo survived'; do
	name="containerd: ctr run --rm sh -c '$cmd': output and exit code as natively (pid 1 semantics)"
	native=$(/bin/busybox sh -c "$cmd" 2>/dev/null; echo "exit=$?")
	case $cmd in *'kill -15'*) native="1
survived
exit=0" ;; esac
	got=$(crun_ --rm t1 sh -c "$cmd" 2>"$SCRATCH/err"; echo "exit=$?")
	if [ "$native" = "$got" ]; then pass "$name"; else fail "$name" "native: $native" "ctr: $got" "$(cat "$SCRATCH/err")" "$(calls)"; fi
	# a failed case must not leave t1 behind for the next one
	c task delete -f t1 >/dev/null 2>&1; c container delete t1 >/dev/null 2>&1
done

name="containerd: run -d, task ls RUNNING, task ps, kill -s USR1 survives, kill (TERM) runs the handler: exit 4"
crun_ -d t2 sh -c 'trap "" USR1; trap "exit 4" TERM; while :; do sleep 0.05; done' >/dev/null 2>"$SCRATCH/err"
running() { c task ls | grep -q '^t2 .*RUNNING'; }
stopped() { c task ls | grep -q '^t2 .*STOPPED'; }
pids=$(c task ps t2 2>&1)
if wait_until 10 running && pids=$(c task ps t2 2>&1) && printf '%s\n' "$pids" | grep -q '^[0-9]' &&
   c task kill -s USR1 t2 && sleep 0.3 && running && c task kill t2 && wait_until 10 stopped &&
   c task delete t2 2>&1 | grep -q 'exit code 4'; then pass "$name"; else
	fail "$name" "$(cat "$SCRATCH/err")" "ps: $pids" "$(c task ls 2>&1)"; fi
c container delete t2 >/dev/null 2>&1

name="containerd: task kill -s KILL of a long sleep; the task is stopped with 137"
crun_ -d t3 sleep 1000 >/dev/null 2>&1
if wait_until 10 eval 'c task ls | grep -q "^t3 .*RUNNING"' && c task kill -s KILL t3 &&
   wait_until 10 eval 'c task ls | grep -q "^t3 .*STOPPED"' && c task delete t3 2>&1 | grep -q 'exit code 137'; then
	pass "$name"; else fail "$name" "$(c task ls 2>&1)"; fi
c container delete t3 >/dev/null 2>&1

name="containerd: task exec --exec-id: output and exit code as natively; task ps shows the exec'd process"
crun_ -d t4 sleep 1000 >/dev/null 2>&1
wait_until 10 eval 'c task ls | grep -q "^t4 .*RUNNING"'
cmd='echo hi; echo err >&2; exit 3'
# (stdout and stderr compared apart: the shim copies them through separate fifos)
native=$(/bin/busybox sh -c "$cmd" 2>"$SCRATCH/ne"; echo "exit=$?"; cat "$SCRATCH/ne")
got=$(c task exec --exec-id e1 t4 sh -c "$cmd" 2>"$SCRATCH/ge"; echo "exit=$?"; cat "$SCRATCH/ge")
c task exec --exec-id e2 t4 sleep 300 >/dev/null 2>&1 &
epid=$!
two() { [ "$(c task ps t4 2>/dev/null | grep -c '^[0-9]')" = 2 ]; }
if [ "$native" = "$got" ] && wait_until 10 two; then pass "$name"; else
	fail "$name" "native: $native" "ctr: $got" "ps: $(c task ps t4 2>&1)" "$(calls)"; fi
name="containerd: task kill --exec-id reaches the exec'd process (TERM: 143)"
c task kill --exec-id e2 t4 >/dev/null 2>&1
wait $epid; erc=$?
if [ $erc = 143 ]; then pass "$name"; else fail "$name" "exit $erc" "$(calls)"; fi
c task kill -s KILL t4 >/dev/null 2>&1
wait_until 10 eval 'c task ls | grep -q "^t4 .*STOPPED"'
c task delete t4 >/dev/null 2>&1; c container delete t4 >/dev/null 2>&1

name="containerd: nothing is left: no task, no runtime state, no shim"
if [ -z "$(c task ls -q)" ] && [ -z "$(ls -A "$CD/rl/rltest" 2>/dev/null)" ] &&
   wait_until 5 eval '[ -z "$(pgrep -f "containerd-shim-runc-v2 .*$CD")" ]'; then pass "$name"; else
	fail "$name" "$(c task ls 2>&1)" "$(ls -A "$CD/rl/rltest" 2>&1)" "$(pgrep -af "containerd-shim-runc-v2 .*$CD")"; fi
