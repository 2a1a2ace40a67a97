# runsc-lite against crun, the same bundle through both runtimes' command
# lines: what `run` prints and its exit status for a set of programs, the
# lifecycle states create/start/kill/delete report, and the error exits
# engines rely on.  crun is the reference an engine would otherwise use.
#
# crun refuses a cgroup "hybrid" host (v1 controllers plus a v2 hierarchy
# holding one, as this project's test machines have: hugetlb alone on v2).
# As root the test then mounts hugetlb as a v1 hierarchy of its own, which
# empties the v2 one (the setup issue 8 describes), and unmounts it again at
# the end; without root, or when that does not help, it skips.
. "$TOP/tests/lib.sh"

R=$(busybox_rootfs) || { skip "oci-crun" "no busybox rootfs"; exit 0; }
command -v crun >/dev/null || { skip "oci-crun" "crun is not installed"; exit 0; }
CST="$SCRATCH/crun-state" RST="$SCRATCH/rl-state"
crun_() { crun --root "$CST" "$@"; }
rl() { "$RL" --root "$RST" "$@"; }

# bundle DIR ARGS_JSON: a bundle of the busybox rootfs (crun writes into
# nothing of it: the rootfs is read-only, /tmp is a tmpfs in both).
bundle() {
	mkdir -p "$1"
	cat >"$1/config.json" <<EOF
{
	"ociVersion": "1.0.2",
	"process": { "args": $2, "env": ["PATH=/bin", "GREETING=hello"], "cwd": "/",
		     "user": { "uid": 0, "gid": 0 }, "terminal": false },
	"root": { "path": "$R", "readonly": true },
	"hostname": "cmp",
	"mounts": [
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{ "destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=1777"] }
	],
	"linux": { "namespaces": [ { "type": "pid" }, { "type": "mount" }, { "type": "ipc" },
				   { "type": "uts" }, { "type": "network" } ] }
}
EOF
}

hugetlb_mounted=""
cleanup() {
	crun_ delete --force cc1 >/dev/null 2>&1
	if [ -n "$hugetlb_mounted" ]; then umount "$hugetlb_mounted" && rmdir "$hugetlb_mounted"; fi
	true
}
trap cleanup EXIT

bundle "$SCRATCH/probe" '["true"]'
if ! crun_ run --bundle "$SCRATCH/probe" probe >/dev/null 2>"$SCRATCH/crun.err"; then
	if grep -q "hybrid mode" "$SCRATCH/crun.err" && [ "$(id -u)" = 0 ] &&
	   [ -d /sys/fs/cgroup ] && [ ! -e /sys/fs/cgroup/hugetlb ] &&
	   mkdir /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb; then
		hugetlb_mounted=/sys/fs/cgroup/hugetlb
	fi
	crun_ delete --force probe >/dev/null 2>&1
	if ! crun_ run --bundle "$SCRATCH/probe" probe >/dev/null 2>"$SCRATCH/crun.err"; then
		skip "oci-crun" "crun cannot run on this host: $(head -1 "$SCRATCH/crun.err")"; exit 0
	fi
fi

# ---- run: output and exit status of the same programs --------------------------
i=0
while IFS= read -r prog; do
	i=$((i + 1))
	name="oci-crun: run: $prog"
	bundle "$SCRATCH/r$i" "[\"sh\", \"-c\", \"$prog\"]"
	want=$(crun_ run --bundle "$SCRATCH/r$i" "cr$i" 2>/dev/null; echo "exit=$?")
	got=$(rl run --bundle "$SCRATCH/r$i" "rr$i" 2>"$SCRATCH/rl.err"; echo "exit=$?")
	if [ "$want" = "$got" ]; then pass "$name"; else
		fail "$name" "crun: $want" "runsc-lite: $got" "$(head -3 "$SCRATCH/rl.err")"; fi
done <<'EOF'
echo out; echo err >&2; exit 3
exit 0
false
echo $GREETING $(hostname) $(pwd) $$
kill -9 $$; echo survived
kill -15 $$; echo survived
trap 'echo caught; exit 9' TERM; kill -TERM $$; sleep 1
sh -c 'kill -TERM $$'; echo child=$?
echo tmp > /tmp/f; cat /tmp/f; ls /tmp
id -u; id -g
cat /proc/self/cgroup >/dev/null; ls /proc/1 >/dev/null && echo proc
touch /etc/x 2>/dev/null || echo read-only
ls /nonexistent; echo $?
EOF

# ---- a program that does not exist --------------------------------------------
name="oci-crun: a missing executable fails at create in both, non-zero"
bundle "$SCRATCH/missing" '["/no/such/program"]'
crun_ create --bundle "$SCRATCH/missing" cm >/dev/null 2>&1; c=$?
rl create --bundle "$SCRATCH/missing" rm1 >/dev/null 2>"$SCRATCH/rl.err"; r=$?
crun_ delete --force cm >/dev/null 2>&1
if [ $c -ne 0 ] && [ $r -ne 0 ] && ! rl state rm1 >/dev/null 2>&1; then pass "$name"; else
	fail "$name" "crun create: $c, runsc-lite create: $r" "$(cat "$SCRATCH/rl.err")"; fi

# ---- the lifecycle, step by step ----------------------------------------------
# status RUNTIME ID
status() { "$@" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }
both() {   # NAME: compares crun's and runsc-lite's status of cc1 / rc1
	a=$(status crun_ state cc1) b=$(status rl state rc1)
	if [ "$a" = "$b" ] && [ -n "$a" ]; then pass "$1 ($a)"; else fail "$1" "crun: $a" "runsc-lite: $b"; fi
}
bundle "$SCRATCH/life" '["sh", "-c", "trap \"echo usr1\" USR1; echo ready; while :; do sleep 0.05; done"]'
crun_ create --bundle "$SCRATCH/life" cc1 >"$SCRATCH/c.out" 2>&1
rl create --bundle "$SCRATCH/life" rc1 >"$SCRATCH/r.out" 2>&1
both "oci-crun: after create, the same status"
crun_ start cc1; rl start rc1
wait_until 5 sh -c "[ \"\$(\"$RL\" --root \"$RST\" state rc1 | grep -c running)\" = 1 ]"
both "oci-crun: after start, the same status"
name="oci-crun: kill USR1 reaches the handler in both"
# (once each shell has set its trap: "running" comes before that)
wait_until 5 grep -q ready "$SCRATCH/c.out"
wait_until 5 grep -q ready "$SCRATCH/r.out"
crun_ kill cc1 USR1; rl kill rc1 USR1
if wait_until 5 grep -q usr1 "$SCRATCH/c.out" && wait_until 5 grep -q usr1 "$SCRATCH/r.out"; then pass "$name"; else
	fail "$name" "crun: $(cat "$SCRATCH/c.out")" "runsc-lite: $(cat "$SCRATCH/r.out")"; fi
name="oci-crun: kill TERM without a handler leaves pid 1 running in both"
crun_ kill cc1 TERM; rl kill rc1 TERM
sleep 0.3
both "$name"
# (crun 1.8 accepts an unknown signal name and sends nothing; runc and
# runsc-lite refuse it.)
name="oci-crun: a bad signal name is refused with a message, the container untouched"
crun_ kill cc1 NOSUCHSIG >/dev/null 2>&1
if ! rl kill rc1 NOSUCHSIG >/dev/null 2>"$SCRATCH/rl.err" && grep -q NOSUCHSIG "$SCRATCH/rl.err"; then
	both "$name"; else fail "$name" "$(cat "$SCRATCH/rl.err")"; fi
name="oci-crun: delete of a running container fails in both"
crun_ delete cc1 >/dev/null 2>&1; c=$?
rl delete rc1 >/dev/null 2>&1; r=$?
if [ $c -ne 0 ] && [ $r -ne 0 ]; then pass "$name"; else fail "$name" "crun: $c, runsc-lite: $r"; fi
crun_ kill cc1 KILL; rl kill rc1 KILL
wait_until 5 sh -c "\"$RL\" --root \"$RST\" state rc1 | grep -q stopped"
wait_until 5 sh -c "crun --root \"$CST\" state cc1 | grep -q stopped"
both "oci-crun: after kill KILL, the same status"
name="oci-crun: delete, then the ID is unknown to both (exit 1)"
crun_ delete cc1; rl delete rc1
crun_ state cc1 >/dev/null 2>&1; c=$?
rl state rc1 >/dev/null 2>&1; r=$?
if [ $c = 1 ] && [ $r = 1 ]; then pass "$name"; else fail "$name" "crun: $c, runsc-lite: $r"; fi
name="oci-crun: delete --force of an unknown ID succeeds in both"
crun_ delete --force nosuch >/dev/null 2>&1; c=$?
rl delete --force nosuch >/dev/null 2>&1; r=$?
if [ $c = 0 ] && [ $r = 0 ]; then pass "$name"; else fail "$name" "crun: $c, runsc-lite: $r"; fi
