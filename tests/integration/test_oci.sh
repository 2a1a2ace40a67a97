# runsc-lite as an OCI runtime, through its command line: the lifecycle of
# a container made from the busybox rootfs, kill, delete, run's exit codes
# (compared with the same commands run natively), concurrent commands on one
# ID, hostile config.json files, and nothing left behind after delete.
. "$TOP/tests/lib.sh"

R=$(busybox_rootfs) || { skip "oci" "no busybox rootfs"; exit 0; }
ST="$SCRATCH/state"
rl() { "$RL" --root "$ST" "$@"; }

# bundle DIR ARGS_JSON [EXTRA_CONFIG_FIELDS]: a bundle whose rootfs is the
# shared busybox rootfs (the overlay keeps it unwritten), with DIR/shared
# bound at /home; file-access=shared, so that a file the test creates there
# is seen at once by the waiting process.
bundle() {
	dir=$1 args=$2 extra=${3:-}
	mkdir -p "$dir/shared"
	cat >"$dir/config.json" <<EOF
{
	"ociVersion": "1.0.2",
	"process": { "args": $args, "env": ["PATH=/bin", "GREETING=hello"], "cwd": "/",
		     "user": { "uid": 0, "gid": 0 } },
	"root": { "path": "$R", "readonly": false },
	"hostname": "oci-test",
	"mounts": [
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{ "destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"] },
		{ "destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["ro"] },
		{ "destination": "/home", "type": "bind", "source": "$dir/shared", "options": ["rbind", "rw"] }
	],
	"annotations": { "dev.runsc-lite.file-access": "shared" }$extra
}
EOF
}

# status ID: the "status" of `state ID`
status() { rl state "$1" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }
is_status() { [ "$(status "$1")" = "$2" ]; }
gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
# processes of this test's sandboxes still around (by their state dir's pids)
field() { rl state "$1" | sed -n "s/.*\"$2\": *\([0-9]*\).*/\1/p"; }

# ---- spec ---------------------------------------------------------------------
name="oci: spec writes a config.json that runs as it is"
mkdir -p "$SCRATCH/specb"
if (cd "$SCRATCH/specb" && "$RL" spec) && ln -s "$R" "$SCRATCH/specb/rootfs" &&
   sed -i 's/"sh" ]/"sh", "-c", "echo spec-ok" ]/' "$SCRATCH/specb/config.json" &&
   out=$(rl run --bundle "$SCRATCH/specb" spec1 2>&1) && [ "$out" = spec-ok ]; then pass "$name"; else
	fail "$name" "$out" "$(cat "$SCRATCH/specb/config.json" | head -20)"; fi
name="oci: spec refuses to overwrite config.json"
if (cd "$SCRATCH/specb" && "$RL" spec 2>"$SCRATCH/err"); then fail "$name" "it overwrote"; else
	grep -q "File exists" "$SCRATCH/err" && pass "$name" || fail "$name" "$(cat "$SCRATCH/err")"; fi

# ---- the lifecycle ------------------------------------------------------------
B="$SCRATCH/b1"
bundle "$B" '["sh", "-c", "echo started $GREETING $(hostname) $$; while [ ! -e /home/go ]; do sleep 0.05; done; echo done; exit 5"]'
name="oci: create returns with the container created"
if rl create --bundle "$B" --pid-file "$SCRATCH/c1.pid" c1 >"$SCRATCH/c1.out" 2>"$SCRATCH/c1.err" &&
   is_status c1 created; then pass "$name"; else fail "$name" "$(cat "$SCRATCH/c1.err")" "$(rl state c1 2>&1)"; fi
name="oci: state is the OCI state JSON (ociVersion, id, pid, bundle, rootfs, created, owner, annotations)"
st=$(rl state c1)
pid=$(field c1 pid)
if printf '%s' "$st" | grep -q '"ociVersion": *"1.0.2"' && printf '%s' "$st" | grep -q '"id": *"c1"' &&
   printf '%s' "$st" | grep -q "\"bundle\": *\"$B\"" && printf '%s' "$st" | grep -q "\"rootfs\": *\"$R\"" &&
   printf '%s' "$st" | grep -q '"created": *"20[0-9-]*T[0-9:.]*Z"' && printf '%s' "$st" | grep -q '"owner"' &&
   printf '%s' "$st" | grep -q '"annotations"' && [ -n "$pid" ] && [ "$pid" -gt 0 ]; then pass "$name"; else fail "$name" "$st"; fi
name="oci: the pid file names the container's pid, a live process"
if [ "$(cat "$SCRATCH/c1.pid")" = "$pid" ] && kill -0 "$pid"; then pass "$name"; else
	fail "$name" "pid file $(cat "$SCRATCH/c1.pid"), state pid $pid"; fi
name="oci: nothing runs before start"
sleep 0.2
if [ ! -s "$SCRATCH/c1.out" ] && is_status c1 created; then pass "$name"; else fail "$name" "$(cat "$SCRATCH/c1.out")"; fi
name="oci: a second create of the same ID fails and leaves the first untouched"
if rl create --bundle "$B" c1 >/dev/null 2>"$SCRATCH/err"; then fail "$name" "second create succeeded"; else
	if grep -q 'container "c1" already exists' "$SCRATCH/err" && is_status c1 created &&
	   [ "$(field c1 pid)" = "$pid" ]; then pass "$name"; else fail "$name" "$(cat "$SCRATCH/err")" "$(rl state c1)"; fi; fi
name="oci: start runs the process, the container is running"
if rl start c1 2>"$SCRATCH/err" && wait_until 10 grep -q started "$SCRATCH/c1.out" && is_status c1 running; then
	pass "$name"; else fail "$name" "$(cat "$SCRATCH/err")" "$(cat "$SCRATCH/c1.out")" "status $(status c1)"; fi
name="oci: start of a running container fails"
if rl start c1 2>"$SCRATCH/err"; then fail "$name" "it started twice"; else
	grep -q "it is running, not created" "$SCRATCH/err" && pass "$name" || fail "$name" "$(cat "$SCRATCH/err")"; fi
name="oci: delete of a running container fails without --force"
if rl delete c1 2>"$SCRATCH/err"; then fail "$name" "deleted"; else
	grep -q 'is running' "$SCRATCH/err" && is_status c1 running && pass "$name" || fail "$name" "$(cat "$SCRATCH/err")"; fi
name="oci: the process's output (env, hostname, pid 1), then stopped"
touch "$B/shared/go"
if wait_until 10 is_status c1 stopped && [ "$(cat "$SCRATCH/c1.out")" = "started hello oci-test 1
done" ]; then pass "$name"; else fail "$name" "$(cat "$SCRATCH/c1.out")" "status $(status c1)"; fi
name="oci: state of a stopped container has pid 0"
if rl state c1 | grep -q '"pid": *0,'; then pass "$name"; else fail "$name" "$(rl state c1)"; fi
gofer=$(sed -n 's/.*"goferPid":\([0-9]*\).*/\1/p' "$ST/c1/state.json")
name="oci: delete removes the state; no process is left"
if rl delete c1 && [ ! -e "$ST/c1" ] && gone "$pid" && [ -n "$gofer" ] && wait_until 5 gone "$gofer"; then pass "$name"; else
	fail "$name" "$(ls -la "$ST" 2>&1)" "sentry $pid gofer $gofer: $(ps -o pid,stat,args -p "$pid,$gofer" 2>&1)"; fi
name="oci: state, start, kill, delete of an unknown ID: exit 1, one line"
ok=1
for cmd in state start kill delete; do
	rl $cmd nope >/dev/null 2>"$SCRATCH/err"; rc=$?
	[ $rc = 1 ] && [ "$(wc -l <"$SCRATCH/err")" = 1 ] && grep -q 'container "nope" does not exist' "$SCRATCH/err" || {
		ok=0; echo "#  $cmd: exit $rc: $(cat "$SCRATCH/err")"; }
done
[ $ok = 1 ] && pass "$name" || fail "$name"
name="oci: delete --force of an unknown ID succeeds"
if rl delete --force nope; then pass "$name"; else fail "$name"; fi

# ---- a subreaper waits for the pid file's process (what conmon and the shim do)
name="oci: the pid file's process exits with the container's status; the gofer ends by itself"
bundle "$SCRATCH/b2" '["sh", "-c", "exit 42"]'
out=$("$BUILD/tests/helpers/subreaper" "$SCRATCH/c2.pid" "$RL_REAL" ${RL_PLATFORM:+--platform=$RL_PLATFORM} --root "$ST" \
	create --bundle "$SCRATCH/b2" --pid-file "$SCRATCH/c2.pid" c2 -- \
	"$RL_REAL" ${RL_PLATFORM:+--platform=$RL_PLATFORM} --root "$ST" start c2 2>&1)
if [ "$out" = "exit 42
leftover 0" ] && is_status c2 stopped && rl delete c2; then pass "$name"; else fail "$name" "$out"; fi

# ---- run: exit codes as the same commands give natively ------------------------
for cmd in 'exit 7' 'true' 'false' 'echo out; echo err >&2; exit 3' 'kill -9 $$; echo survived' 'kill -15 $$; echo survived' \
	'cd /nonexistent' 'exec /bin/nonexistent-program'; do
	name="oci: run: sh -c '$cmd' as natively (output, exit code)"
	native=$(/bin/busybox sh -c "$cmd" 2>/dev/null; echo "exit=$?")
	# pid 1 of a pid namespace ignores a signal it has no handler for, even
	# SIGKILL, when it comes from inside the namespace (pid_namespaces(7))
	case $cmd in *'kill -'*) native="survived
exit=0" ;; esac
	bundle "$SCRATCH/brun" "[\"sh\", \"-c\", \"$cmd\"]"
	got=$(rl run --bundle "$SCRATCH/brun" r1 2>/dev/null; echo "exit=$?")
	if [ "$native" = "$got" ] && [ ! -e "$ST/r1" ]; then pass "$name"; else
		fail "$name" "native: $native" "runsc-lite: $got" "$(ls "$ST" 2>&1)"; fi
done
# as runc: the program is looked up at create, with runc's words (engines
# turn them into 127 and 126)
for prog in 'no-such-program|executable file not found in \$PATH' '/bin/no-such|no such file or directory' \
	'/etc/passwd|permission denied' '/etc|permission denied'; do
	name="oci: create of a missing or unrunnable program (${prog%%|*}) fails, one line, nothing left"
	bundle "$SCRATCH/brun" "[\"${prog%%|*}\"]"
	rl create --bundle "$SCRATCH/brun" r2 >/dev/null 2>"$SCRATCH/err"; rc=$?
	if [ $rc = 1 ] && [ "$(wc -l <"$SCRATCH/err")" = 1 ] &&
	   grep -q "container \"r2\": exec: \"${prog%%|*}\": ${prog#*|}" "$SCRATCH/err" && [ ! -e "$ST/r2" ]; then
		pass "$name"; else fail "$name" "exit $rc" "$(cat "$SCRATCH/err")"; fi
done
name="oci: run --keep keeps the stopped container's state; run -d returns at once"
bundle "$SCRATCH/bkeep" '["sh", "-c", "while [ ! -e /home/go ]; do sleep 0.05; done"]'
bundle "$SCRATCH/brun" '["sh", "-c", "exit 2"]'
if rl run --keep --bundle "$SCRATCH/brun" r3 >/dev/null 2>&1; [ $? = 2 ] && is_status r3 stopped && rl delete r3 &&
   rl run -d --bundle "$SCRATCH/bkeep" r4 >/dev/null 2>&1 && is_status r4 running &&
   touch "$SCRATCH/bkeep/shared/go" && wait_until 10 is_status r4 stopped && rl delete r4; then pass "$name"; else
	fail "$name" "r3 $(status r3) r4 $(status r4)"; fi

# ---- mounts --------------------------------------------------------------------
name="oci: bind (ro) and tmpfs (size, mode) mounts, their missing mount points made; the rootfs unchanged"
mkdir -p "$SCRATCH/vol" && echo volfile >"$SCRATCH/vol/f"
bundle "$SCRATCH/bm" '["sh", "-c", "cat /new/dir/f; echo w >/new/dir/g || echo ro-refused; stat -c %a /scratch; df -k /scratch | tail -1 | tr -s \" \" | cut -d\" \" -f2; ls /sys | wc -l"]' \
	",\"mountsExtra\": 0"
sed -i "s|\"mounts\": \[|\"mounts\": [ { \"destination\": \"/new/dir\", \"type\": \"bind\", \"source\": \"$SCRATCH/vol\", \"options\": [\"rbind\", \"ro\"] }, { \"destination\": \"/scratch\", \"type\": \"tmpfs\", \"options\": [\"size=1m\", \"mode=700\"] },|" "$SCRATCH/bm/config.json"
out=$(rl run --bundle "$SCRATCH/bm" m1 2>&1)
if [ "$out" = "volfile
sh: can't create /new/dir/g: Read-only file system
ro-refused
700
1024
0" ] && [ ! -e "$R/new" ] && [ ! -e "$R/scratch" ] && [ ! -e "$SCRATCH/vol/g" ]; then pass "$name"; else fail "$name" "$out"; fi

name="oci: root.readonly: every write EROFS (create, mkdir, chmod, truncate), a missing tmpfs mount point made, the tmpfs writable"
bundle "$SCRATCH/bro" '["sh", "-c", "echo x > /etc/x; touch /newfile; mkdir /newdir; chmod 600 /etc/passwd; truncate -s 0 /etc/group; echo y > /run/y && cat /run/y; grep \" / \" /proc/mounts | cut -d\" \" -f4 | cut -d, -f1"]'
sed -i 's/"readonly": false/"readonly": true/; s|"mounts": \[|"mounts": [ { "destination": "/run", "type": "tmpfs" },|' "$SCRATCH/bro/config.json"
out=$(rl run --bundle "$SCRATCH/bro" ro1 2>&1)
if [ "$out" = "sh: can't create /etc/x: Read-only file system
touch: /newfile: Read-only file system
mkdir: can't create directory '/newdir': Read-only file system
chmod: /etc/passwd: Read-only file system
truncate: /etc/group: open: Read-only file system
y
ro" ] && [ ! -e "$R/run" ] && [ "$(stat -c %a "$R/etc/passwd")" != 600 ]; then pass "$name"; else fail "$name" "$out"; fi

# ---- kill ---------------------------------------------------------------------
bundle "$SCRATCH/bk" '["sh", "-c", "trap \"echo got-usr1\" USR1; trap \"echo got-term; exit 3\" TERM; echo ready; while :; do sleep 0.05; done"]'
usr1_twice() { [ "$(grep -c got-usr1 "$SCRATCH/k1.out")" = 2 ]; }
name="oci: kill by name and number reaches the process's handlers (USR1, 10, SIGTERM)"
rl run -d --bundle "$SCRATCH/bk" k1 >"$SCRATCH/k1.out" 2>&1
if wait_until 10 grep -q ready "$SCRATCH/k1.out" && rl kill k1 USR1 && wait_until 5 grep -q got-usr1 "$SCRATCH/k1.out" &&
   rl kill k1 10 && wait_until 5 usr1_twice &&
   rl kill k1 SIGTERM && wait_until 10 is_status k1 stopped && grep -q got-term "$SCRATCH/k1.out"; then pass "$name"; else
	fail "$name" "$(cat "$SCRATCH/k1.out")" "status $(status k1)"; fi
rl delete --force k1
name="oci: any signal reaches the process's handler (ALRM, WINCH: not only what the sentry forwards)"
bundle "$SCRATCH/bk5" '["sh", "-c", "trap \"echo got-alrm\" ALRM; trap \"echo got-winch\" WINCH; echo ready; while :; do sleep 0.05; done"]'
rl run -d --bundle "$SCRATCH/bk5" k5 >"$SCRATCH/k5.out" 2>&1
if wait_until 10 grep -q ready "$SCRATCH/k5.out" && rl kill k5 ALRM && wait_until 5 grep -q got-alrm "$SCRATCH/k5.out" &&
   rl kill k5 SIGWINCH && wait_until 5 grep -q got-winch "$SCRATCH/k5.out"; then pass "$name"; else
	fail "$name" "$(cat "$SCRATCH/k5.out")"; fi
rl delete --force k5
name="oci: kill --all TERM reaches every process (pid 1 without a handler ignores it, its children do not)"
bundle "$SCRATCH/bk6" '["sh", "-c", "sleep 100 & sleep 101 & echo ready; wait; echo waited"]'
rl run -d --bundle "$SCRATCH/bk6" k6 >"$SCRATCH/k6.out" 2>&1
if wait_until 10 grep -q ready "$SCRATCH/k6.out" && rl kill k6 TERM && sleep 0.3 && is_status k6 running &&
   rl kill --all k6 TERM && wait_until 10 is_status k6 stopped && grep -q waited "$SCRATCH/k6.out"; then pass "$name"; else
	fail "$name" "$(cat "$SCRATCH/k6.out")" "status $(status k6)"; fi
rl delete --force k6
name="oci: kill KILL, kill 9, kill --all ID kill, kill of a created container"
ok=1
for sig in KILL 9 kill; do
	bundle "$SCRATCH/bk2" '["sleep", "100"]'
	rl run -d --bundle "$SCRATCH/bk2" k2 >/dev/null 2>&1
	p=$(field k2 pid)
	if [ "$sig" = kill ]; then rl kill --all k2 "$sig"; else rl kill k2 "$sig"; fi
	wait_until 10 is_status k2 stopped && gone "$p" || { ok=0; echo "#  $sig: $(status k2)"; }
	rl delete k2
done
rl create --bundle "$SCRATCH/bk2" k3 >/dev/null 2>&1 && rl kill k3 KILL && wait_until 10 is_status k3 stopped || {
	ok=0; echo "#  created: $(status k3)"; }
rl delete k3
[ $ok = 1 ] && pass "$name" || fail "$name"
name="oci: kill with a bad signal, or of a stopped container: exit 1, one line"
rl create --bundle "$SCRATCH/bk2" k4 >/dev/null 2>&1
ok=1
for sig in FOO 0 99 SIGNOPE -9; do
	rl kill k4 "$sig" 2>"$SCRATCH/err" && ok=0
	grep -q "unknown signal\|unknown or incomplete flag" "$SCRATCH/err" || { ok=0; echo "#  $sig: $(cat "$SCRATCH/err")"; }
done
is_status k4 created || ok=0
rl kill k4 KILL; wait_until 10 is_status k4 stopped
rl kill k4 TERM 2>"$SCRATCH/err" && ok=0
grep -q 'is stopped' "$SCRATCH/err" || ok=0
rl delete k4
[ $ok = 1 ] && pass "$name" || fail "$name" "$(cat "$SCRATCH/err")"

# ---- pause, resume ---------------------------------------------------------------
name="oci: pause stops every process (a counter stands still, state paused), resume lets it go on"
bundle "$SCRATCH/bp" '["sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /home/n; sleep 0.02; done & sleep 1000"]'
rl run -d --bundle "$SCRATCH/bp" pa >/dev/null 2>&1
counter() { cat "$SCRATCH/bp/shared/n" 2>/dev/null; }
moving() { a=$(counter); sleep 0.2; [ "$(counter)" != "$a" ]; }
if wait_until 10 moving && rl pause pa && is_status pa paused && ! moving && ! moving &&
   ! rl pause pa 2>/dev/null && ! rl delete pa 2>/dev/null && rl resume pa && is_status pa running && wait_until 10 moving &&
   ! rl resume pa 2>/dev/null; then pass "$name"; else fail "$name" "status $(status pa), counter $(counter)"; fi
name="oci: a paused container is killed and deleted by delete --force"
p=$(field pa pid)
rl pause pa
if rl delete --force pa && [ ! -e "$ST/pa" ] && gone "$p"; then pass "$name"; else fail "$name" "$(ls "$ST")"; fi

# ---- ps -------------------------------------------------------------------------
name="oci: ps lists the container's processes (host pids, json and table), none once stopped"
bundle "$SCRATCH/bps" '["sh", "-c", "sleep 100 & sleep 200"]'
rl run -d --bundle "$SCRATCH/bps" p1 >/dev/null 2>&1
all_sleep() { for p in $(printf '%s' "$1" | tr -d '[]' | tr ',' ' '); do grep -q sleep "/proc/$p/cmdline" || return 1; done; }
two() { [ "$(rl ps --format json p1 | tr ',' '\n' | grep -c '[0-9]')" = 2 ]; }
if wait_until 10 two && json=$(rl ps --format json p1) && table=$(rl ps p1) &&
   printf '%s\n' "$table" | grep -q '^PID *CMD' && printf '%s\n' "$table" | grep -q ' sleep 200$' &&
   printf '%s\n' "$table" | grep -q ' sleep 100$' &&
   all_sleep "$json" &&
   rl kill p1 KILL && wait_until 10 is_status p1 stopped && [ "$(rl ps --format json p1)" = "[]" ]; then pass "$name"; else
	fail "$name" "json: $json" "$table"; fi
rl delete --force p1

# ---- hooks ------------------------------------------------------------------------
name="oci: hooks prestart, createRuntime, poststart, poststop run on the host with the state on stdin"
hook() { printf '{"path": "/bin/sh", "args": ["sh", "-c", "cat > %s/hook.%s.json; echo $HOOKVAR >> %s/hook.%s.json"], "env": ["HOOKVAR=%s-env"]}' \
	"$SCRATCH" "$1" "$SCRATCH" "$1" "$1"; }
bundle "$SCRATCH/bh" '["true"]' ",\"hooks\": { \"prestart\": [$(hook prestart)], \"createRuntime\": [$(hook createRuntime)],
	\"poststart\": [$(hook poststart)], \"poststop\": [$(hook poststop)] }"
hook_status() { sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p' "$SCRATCH/hook.$1.json"; }
if rl create --bundle "$SCRATCH/bh" h1 >/dev/null 2>"$SCRATCH/err" && [ "$(hook_status prestart)" = created ] &&
   [ "$(hook_status createRuntime)" = created ] && [ ! -e "$SCRATCH/hook.poststart.json" ] &&
   rl start h1 && [ -e "$SCRATCH/hook.poststart.json" ] && wait_until 10 is_status h1 stopped &&
   [ ! -e "$SCRATCH/hook.poststop.json" ] && rl delete h1 && [ "$(hook_status poststop)" = stopped ] &&
   grep -q '"id": *"h1"' "$SCRATCH/hook.prestart.json" && grep -q 'poststop-env$' "$SCRATCH/hook.poststop.json"; then
	pass "$name"; else fail "$name" "$(cat "$SCRATCH/err")" "$(head -c 300 "$SCRATCH"/hook.*.json 2>&1)"; fi
name="oci: a failing prestart hook fails create with its output; nothing left"
bundle "$SCRATCH/bh2" '["true"]' ',"hooks": { "prestart": [ {"path": "/bin/sh", "args": ["sh", "-c", "echo nope; exit 3"]} ] }'
rl create --bundle "$SCRATCH/bh2" h2 >/dev/null 2>"$SCRATCH/err"; rc=$?
if [ $rc = 1 ] && grep -q 'container "h2": hooks.prestart\[0\] /bin/sh: exit status 3: nope' "$SCRATCH/err" &&
   [ ! -e "$ST/h2" ]; then pass "$name"; else fail "$name" "exit $rc: $(cat "$SCRATCH/err")"; fi
name="oci: a createRuntime hook past its timeout is killed and fails create"
bundle "$SCRATCH/bh3" '["true"]' ',"hooks": { "createRuntime": [ {"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1} ] }'
rl create --bundle "$SCRATCH/bh3" h3 >/dev/null 2>"$SCRATCH/err"; rc=$?
if [ $rc = 1 ] && grep -q 'hooks.createRuntime\[0\] /bin/sleep: timed out after 1s' "$SCRATCH/err" && [ ! -e "$ST/h3" ]; then
	pass "$name"; else fail "$name" "exit $rc: $(cat "$SCRATCH/err")"; fi

# ---- terminal: --console-socket -------------------------------------------------
name="oci: terminal: the pty master reaches the console socket; inside, a terminal with its size and input, the session's controlling one"
bundle "$SCRATCH/bt" '["sh", "-c", "[ -t 0 ] && [ -t 1 ] && echo is-a-tty; stty size; read line; echo got:$line; cut -d\" \" -f6,7 /proc/self/stat"]'
sed -i 's/"process": {/"process": { "terminal": true,/' "$SCRATCH/bt/config.json"
"$BUILD/tests/helpers/console_recv" "$SCRATCH/console.sock" 33 101 'typed
' >"$SCRATCH/console.out" 2>&1 &
crpid=$!
wait_until 5 test -S "$SCRATCH/console.sock"
if rl create --console-socket "$SCRATCH/console.sock" --bundle "$SCRATCH/bt" t1 >"$SCRATCH/t1.out" 2>&1 && rl start t1 &&
   wait $crpid && out=$(tr -d '\r' <"$SCRATCH/console.out") &&
   printf '%s\n' "$out" | grep -q '^is-a-tty$' && printf '%s\n' "$out" | grep -q '^33 101$' &&
   printf '%s\n' "$out" | grep -q '^got:typed$' && printf '%s\n' "$out" | grep -q '^1 34816$' &&
   [ ! -s "$SCRATCH/t1.out" ]; then pass "$name"; else
	fail "$name" "$(cat "$SCRATCH/t1.out")" "$(cat -A "$SCRATCH/console.out")"; fi
rl delete --force t1
name="oci: a console socket that refuses: one clear error, nothing left"
rl create --console-socket "$SCRATCH/no-such.sock" --bundle "$SCRATCH/bt" t2 >/dev/null 2>"$SCRATCH/err"; rc=$?
if [ $rc = 1 ] && [ "$(wc -l <"$SCRATCH/err")" = 1 ] && grep -q 'console-socket=.*no-such.sock: No such file or directory' "$SCRATCH/err" &&
   [ ! -e "$ST/t2" ]; then pass "$name"; else fail "$name" "exit $rc: $(cat "$SCRATCH/err")"; fi
name="oci: --console-socket without process.terminal is refused"
if ! rl create --console-socket "$SCRATCH/console.sock" --bundle "$SCRATCH/bk2" t3 2>"$SCRATCH/err" >/dev/null &&
   grep -q 'process.terminal is false' "$SCRATCH/err" && [ ! -e "$ST/t3" ]; then pass "$name"; else fail "$name" "$(cat "$SCRATCH/err")"; fi

# ---- exec: a second process in the sandbox, over the control channel ---------------
SR="$BUILD/tests/helpers/subreaper"
BX="$SCRATCH/bx"
bundle "$BX" '["sleep", "600"]'
rl run -d --bundle "$BX" x1 >/dev/null 2>"$SCRATCH/err" || fail "oci: exec: the container starts" "$(cat "$SCRATCH/err")"
name="oci: exec: output, stderr and exit status as the same command natively"
cmd='echo out $GREETING; echo err >&2; exit 7'
rl exec x1 sh -c "$cmd" >"$SCRATCH/xo" 2>"$SCRATCH/xe"; rc=$?
GREETING=hello "$R/bin/busybox" sh -c "$cmd" >"$SCRATCH/no" 2>"$SCRATCH/ne"; nrc=$?
if [ $rc = $nrc ] && cmp -s "$SCRATCH/xo" "$SCRATCH/no" && cmp -s "$SCRATCH/xe" "$SCRATCH/ne"; then pass "$name"; else
	fail "$name" "exit $rc (native $nrc)" "$(cat "$SCRATCH/xo" "$SCRATCH/xe")"; fi
name="oci: exec: -e adds or overrides the container's env, --cwd sets the directory, stdin is passed"
out=$(echo piped | rl exec -e FOO=bar -e GREETING=bye --cwd /etc x1 sh -c 'read l; echo $FOO $GREETING $PATH $l; pwd' 2>&1)
if [ "$out" = "bar bye /bin piped
/etc" ]; then pass "$name"; else fail "$name" "$out"; fi
name="oci: exec --process: args, env, cwd of a process JSON (what podman and containerd pass)"
printf '{"args":["sh","-c","echo $X; pwd; exit 4"],"env":["PATH=/bin","X=from-json"],"cwd":"/home","terminal":false,"user":{"uid":0,"gid":0}}' >"$SCRATCH/proc.json"
out=$(rl exec --process "$SCRATCH/proc.json" x1 2>&1); rc=$?
if [ $rc = 4 ] && [ "$out" = "from-json
/home" ]; then pass "$name"; else fail "$name" "exit $rc: $out"; fi
name="oci: exec: the process is the sandbox's: in its pid namespace (PPid 0), its /proc, and ps"
rl exec -d --pid-file "$SCRATCH/xd.pid" x1 sleep 300
# (exec -d returns once the process exists: its execve may still be on the way)
procs() { out=$(rl exec x1 sh -c 'for p in /proc/[0-9]*; do echo $(cut -d" " -f2,4 $p/stat); done' 2>&1)
	  [ "$(printf '%s\n' "$out" | grep -c '(sleep) 0')" = 2 ]; }
wait_until 10 procs
nps=$(rl ps --format json x1 | grep -o '[0-9][0-9]*' | wc -l)
if printf '%s\n' "$out" | grep -qx '(sleep) 0' && [ "$(printf '%s\n' "$out" | grep -c '(sleep) 0')" = 2 ] &&
   [ "$nps" = 2 ] && kill -0 "$(cat "$SCRATCH/xd.pid")"; then pass "$name"; else fail "$name" "$out" "ps: $nps"; fi
# (as root the container has a cgroup and the numbers are its: the whole
# sandbox's tasks, sentry and gofer threads too; test_oci_cgroup.sh checks
# them; without one, the sentry counts what ps lists: 2)
name="oci: events --stats: runc's stats event (pids at least as ps counts them, memory in use)"
ev=$(rl events --stats x1 2>&1)
if printf '%s' "$ev" | tr -d ' \n' | grep -Eq '^{"type":"stats","id":"x1","data":{.*"pids":{"current":([2-9]|[1-9][0-9]+)[,}]' &&
   printf '%s' "$ev" | tr -d ' \n' | grep -q '"memory":{"usage":{"usage":[1-9][0-9]*'; then pass "$name"; else fail "$name" "$ev"; fi
name="oci: exec -d: the pid file names a waiter that exits with the process's status (a subreaper waits for it)"
out=$("$SR" "$SCRATCH/xs.pid" "$RL" --root "$ST" exec -d --pid-file "$SCRATCH/xs.pid" x1 sh -c 'sleep 0.2; exit 3' -- /bin/true 2>&1)
if [ "$out" = "exit 3
leftover 0" ]; then pass "$name"; else fail "$name" "$out"; fi
name="oci: exec -d: a signal to the waiter reaches the process (SIGTERM: 143)"
out=$("$SR" "$SCRATCH/xs.pid" "$RL" --root "$ST" exec -d --pid-file "$SCRATCH/xs.pid" x1 sleep 30 -- \
	/bin/sh -c "sleep 0.3; kill -TERM \$(cat $SCRATCH/xs.pid)" 2>&1)
if [ "$out" = "exit 143
leftover 0" ]; then pass "$name"; else fail "$name" "$out"; fi
name="oci: exec of a missing program fails with runc's words, exit 1"
rl exec x1 no-such-program >/dev/null 2>"$SCRATCH/err"; rc=$?
if [ $rc = 1 ] && grep -q 'exec: "no-such-program": executable file not found in \$PATH' "$SCRATCH/err"; then pass "$name"; else
	fail "$name" "exit $rc: $(cat "$SCRATCH/err")"; fi
# (as root any other id exists: test_oci_user.sh; 4294967295 is no id)
name="oci: exec -u of a uid no user namespace can map is refused clearly"
rl exec -u 4294967295:0 x1 id >/dev/null 2>"$SCRATCH/err"; rc=$?
if [ $rc = 1 ] && grep -q 'must be UID or UID:GID' "$SCRATCH/err"; then pass "$name"; else fail "$name" "exit $rc: $(cat "$SCRATCH/err")"; fi
name="oci: exec -t: the pty master reaches the console socket; inside, a terminal, its size, input, a session of its own"
"$BUILD/tests/helpers/console_recv" "$SCRATCH/xconsole.sock" 24 91 'typed
' >"$SCRATCH/xconsole.out" 2>&1 &
crpid=$!
wait_until 5 test -S "$SCRATCH/xconsole.sock"
# (read before stty: console_recv types only once it has set the size,
# which it does after the process may have started)
rl exec -t --console-socket "$SCRATCH/xconsole.sock" x1 sh -c '[ -t 0 ] && [ -t 1 ] && echo is-a-tty; read line; stty size; echo got:$line; exit 9' >"$SCRATCH/xt.out" 2>&1; rc=$?
wait $crpid
out=$(tr -d '\r' <"$SCRATCH/xconsole.out")
if [ $rc = 9 ] && printf '%s\n' "$out" | grep -q '^is-a-tty$' && printf '%s\n' "$out" | grep -q '^24 91$' &&
   printf '%s\n' "$out" | grep -q '^got:typed$' && [ ! -s "$SCRATCH/xt.out" ]; then pass "$name"; else
	fail "$name" "exit $rc: $(cat "$SCRATCH/xt.out")" "$(cat -A "$SCRATCH/xconsole.out")"; fi
name="oci: exec: hostile control messages (garbage, a huge one, fds with a signal, a wrong uid) are refused; the sentry serves on"
if command -v python3 >/dev/null 2>&1; then
	python3 - "$ST/x1/control.sock" >"$SCRATCH/hostile.out" 2>&1 <<'PY'
import os, socket, sys
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1]); s.settimeout(5); return s
s = conn(); s.send(b"\xff" * 64); print("garbage:", b"malformed" in s.recv(4096))
s = conn(); s.send(b"\x12\x02\x08\x01" + b"\x00" * 200000)
r = s.recv(4096); print("huge:", b"too large" in r or b"malformed" in r)
s = conn(); r, w = os.pipe()
s.sendmsg([b"\x10\x0f"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, (r).to_bytes(4, "little") * 4)])
s.send(b"\x10\x63"); print("signal out of range:", b"out of range" in s.recv(4096))
pid = os.fork()
if pid == 0:
    os.setgid(65534); os.setuid(65534)
    try:
        s = conn(); s.send(b"\x10\x0f"); print("other uid:", s.recv(4096) == b"")
    except Exception as e:
        print("other uid:", True)
    os._exit(0)
os.waitpid(pid, 0)
PY
	out=$(rl exec x1 echo still-serving 2>&1)
	if [ "$(grep -c ': True$' "$SCRATCH/hostile.out")" = 4 ] && [ "$out" = still-serving ]; then pass "$name"; else
		fail "$name" "$(cat "$SCRATCH/hostile.out")" "$out"; fi
else
	skip "$name" "no python3 to speak to the socket"
fi
name="oci: exec: the exec'd processes die with the sandbox; their waiter exits 137 (and events' stream ends)"
rl events --interval 100ms x1 >"$SCRATCH/events.out" 2>&1 &
evpid=$!
# (connected before the kill: its first stats line is out)
wait_until 10 grep -q '^{"type":"stats"' "$SCRATCH/events.out"
"$SR" "$SCRATCH/xk.pid" "$RL" --root "$ST" exec -d --pid-file "$SCRATCH/xk.pid" x1 sleep 300 -- \
	"$RL" --root "$ST" kill x1 KILL >"$SCRATCH/xk.out" 2>&1
out=$(cat "$SCRATCH/xk.out")
wait $evpid; evrc=$?
if [ "$out" = "exit 137
leftover 0" ] && wait_until 10 is_status x1 stopped && wait_until 10 gone "$(cat "$SCRATCH/xd.pid")" &&
   [ $evrc = 0 ] && [ "$(grep -c '^{"type":"stats","id":"x1"' "$SCRATCH/events.out")" -ge 1 ]; then pass "$name"; else
	fail "$name" "$out" "status $(status x1)" "events: exit $evrc: $(head -3 "$SCRATCH/events.out")"; fi
name="oci: exec (or events) on a stopped container, or an unknown one: a clear error"
rl exec x1 true 2>"$SCRATCH/err1"; rc1=$?
rl exec no-such-ctr true 2>"$SCRATCH/err2"; rc2=$?
rl events --stats x1 2>"$SCRATCH/err3"; rc3=$?
if [ $rc1 = 1 ] && grep -q 'container "x1" is stopped: exec needs a created or running container' "$SCRATCH/err1" &&
   [ $rc2 = 1 ] && grep -q 'container "no-such-ctr" does not exist' "$SCRATCH/err2" &&
   [ $rc3 = 1 ] && grep -q 'container "x1" is stopped: events needs a created or running container' "$SCRATCH/err3"; then
	pass "$name"; else fail "$name" "$(cat "$SCRATCH/err1" "$SCRATCH/err2" "$SCRATCH/err3")"; fi
rl delete x1
name="oci: exec: a control socket that is not a socket, or not the sentry's, is a clear error; delete --force cleans up"
rl run -d --bundle "$BX" x2 >/dev/null 2>&1
rm -f "$ST/x2/control.sock"; echo junk >"$ST/x2/control.sock"
rl exec x2 true 2>"$SCRATCH/err1"; rc1=$?
rm -f "$ST/x2/control.sock"
python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.bind(sys.argv[1]); s.listen(1); time.sleep(3)' \
	"$ST/x2/control.sock" 2>/dev/null &
impostor=$!
wait_until 5 test -S "$ST/x2/control.sock"
rl exec x2 true 2>"$SCRATCH/err2"; rc2=$?
kill $impostor 2>/dev/null; wait $impostor 2>/dev/null
xpid=$(field x2 pid)
if [ $rc1 = 1 ] && grep -q 'control.sock: not a socket (a corrupt state directory' "$SCRATCH/err1" &&
   [ $rc2 = 1 ] && grep -q "control.sock is not served by the container's sentry" "$SCRATCH/err2" &&
   rl delete --force x2 && [ ! -e "$ST/x2" ] && gone "$xpid"; then pass "$name"; else
	fail "$name" "$rc1: $(cat "$SCRATCH/err1")" "$rc2: $(cat "$SCRATCH/err2")"; fi

# ---- linux.seccomp: the container's own profile, stacked on the sandbox's ----------
# seccomp_bundle DIR ARGS_JSON PROFILE_JSON: every namespace of its own (crun
# runs the same bundle), the rootfs read-only, a tmpfs on /tmp
seccomp_bundle() {
	mkdir -p "$1"
	cat >"$1/config.json" <<EOF
{ "ociVersion": "1.0.2",
  "process": { "args": $2, "env": ["PATH=/bin"], "cwd": "/" },
  "root": { "path": "$R", "readonly": true }, "hostname": "sc",
  "mounts": [ {"destination": "/proc", "type": "proc", "source": "proc"},
	      {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"} ],
  "linux": { "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}, {"type": "network"}],
	     "seccomp": $3 } }
EOF
}
profile='{ "defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
  "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
    {"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 511, "op": "SCMP_CMP_EQ"}]},
    {"names": ["fchmodat"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 2, "value": 511, "op": "SCMP_CMP_EQ"}]},
    {"names": ["sync"], "action": "SCMP_ACT_KILL_PROCESS"},
    {"names": ["no_such_syscall"], "action": "SCMP_ACT_KILL"} ] }'
seccomp_bundle "$SCRATCH/bsc" '["sh", "-c", "mkdir /tmp/d; touch /tmp/f; chmod 755 /tmp/f && echo chmod-755; chmod 777 /tmp/f; sh -c \"cat /proc/self/stat >/dev/null\" && echo stat; exit 3"]' "$profile"
name="oci: linux.seccomp: the profile's refusals (errnoRet, argument conditions) as crun applies them"
got=$(rl run --bundle "$SCRATCH/bsc" sc1 2>&1; echo "exit=$?")
if command -v crun >/dev/null && crun --root "$SCRATCH/crun" run --bundle "$SCRATCH/bsc" crsc1 >"$SCRATCH/crun.out" 2>&1; [ $? = 3 ]; then
	want=$(cat "$SCRATCH/crun.out"; echo "exit=3")
else
	# no crun here (or it cannot run): what it gives where it can
	want="mkdir: can't create directory '/tmp/d': Permission denied
chmod-755
chmod: /tmp/f: Operation not permitted
stat
exit=3"
fi
crun --root "$SCRATCH/crun" delete -f crsc1 >/dev/null 2>&1
if [ "$got" = "$want" ]; then pass "$name"; else fail "$name" "runsc-lite: $got" "crun: $want"; fi
name="oci: linux.seccomp: exec'd processes load it too (KILL_PROCESS of sync: 159)"
seccomp_bundle "$SCRATCH/bsc2" '["sleep", "600"]' "$profile"
rl run -d --bundle "$SCRATCH/bsc2" sc2 >/dev/null 2>"$SCRATCH/err"
out=$(rl exec sc2 sh -c 'mkdir /tmp/e' 2>&1; echo "exit=$?")
rl exec sc2 sync >/dev/null 2>&1; krc=$?
if [ "$out" = "mkdir: can't create directory '/tmp/e': Permission denied
exit=1" ] && [ $krc = 159 ]; then pass "$name"; else fail "$name" "$out" "sync: exit $krc" "$(cat "$SCRATCH/err")"; fi
rl delete --force sc2
name="oci: linux.seccomp: what it cannot apply is refused at create, one line each (NOTIFY, TRACE, a bad action, index, op)"
ok=true
for bad in '{"defaultAction": "SCMP_ACT_NOTIFY"}|SCMP_ACT_NOTIFY is not supported' \
	   '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_TRACE"}]}|syscalls\[0\]: SCMP_ACT_TRACE is not supported' \
	   '{"defaultAction": "SCMP_ACT_SOMETIMES"}|defaultAction: unknown action' \
	   '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}|syscalls\[0\].args\[0\]: needs index 0..5' \
	   '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ROUGHLY"}]}]}|syscalls\[0\].args\[0\]: needs index'; do
	seccomp_bundle "$SCRATCH/bsc3" '["true"]' "${bad%%|*}"
	rl create --bundle "$SCRATCH/bsc3" sc3 >/dev/null 2>"$SCRATCH/err"; rc=$?
	if [ $rc != 1 ] || [ "$(wc -l <"$SCRATCH/err")" != 1 ] || ! grep -q "linux.seccomp.*${bad#*|}" "$SCRATCH/err" || [ -e "$ST/sc3" ]; then
		ok=false; fail "$name" "${bad%%|*}: exit $rc: $(cat "$SCRATCH/err")"; break; fi
done
$ok && pass "$name"

# ---- list -----------------------------------------------------------------------
name="oci: list (table, -q, --format json)"
rl create --bundle "$SCRATCH/bk2" l1 >/dev/null 2>&1
rl run -d --bundle "$SCRATCH/bk2" l2 >/dev/null 2>&1
table=$(rl list); quiet=$(rl list -q | sort | tr '\n' ' '); json=$(rl list --format json)
if printf '%s\n' "$table" | grep -q '^ID *PID *STATUS' && printf '%s\n' "$table" | grep -q '^l1 .* created ' &&
   printf '%s\n' "$table" | grep -q '^l2 .* running ' && [ "$quiet" = "l1 l2 " ] &&
   printf '%s' "$json" | grep -q '"id":"l1".*"status":"created"\|"status":"created".*"id":"l1"'; then pass "$name"; else
	fail "$name" "$table" "$quiet" "$json"; fi
rl delete --force l1; rl delete --force l2

# ---- concurrent commands on one ID ------------------------------------------------
name="oci: 6 concurrent creates of one ID: exactly one succeeds, the rest say it exists"
for i in 1 2 3 4 5 6; do
	rl create --bundle "$SCRATCH/bk2" cc >/dev/null 2>"$SCRATCH/cc.$i.err" &
done
wait
ok_count=0
for i in 1 2 3 4 5 6; do [ -s "$SCRATCH/cc.$i.err" ] || ok_count=$((ok_count + 1)); done
if [ $ok_count = 1 ] && [ "$(cat "$SCRATCH"/cc.*.err | grep -c 'container "cc" already exists')" = 5 ] && is_status cc created; then
	pass "$name"; else fail "$name" "$ok_count succeeded" "$(cat "$SCRATCH"/cc.*.err)"; fi
name="oci: concurrent start, state, kill and delete --force: one start wins, the container ends deleted"
for i in 1 2 3; do rl start cc >/dev/null 2>"$SCRATCH/cs.$i.err" & done
for i in 1 2 3; do rl state cc >/dev/null 2>&1 & done
wait
started=0
for i in 1 2 3; do [ -s "$SCRATCH/cs.$i.err" ] || started=$((started + 1)); done
p=$(field cc pid)
rl kill cc KILL 2>/dev/null & rl delete --force cc & wait
if [ $started = 1 ] && [ ! -e "$ST/cc" ] && gone "$p"; then pass "$name"; else
	fail "$name" "$started starts succeeded" "$(cat "$SCRATCH"/cs.*.err)" "$(ls "$ST")"; fi

# ---- binds of single files (the engine's /etc/hosts, /etc/resolv.conf) -----------
name="oci: single files bound (/etc/hosts, /etc/resolv.conf, one in a missing directory) are seen inside; the rootfs unchanged"
printf '10.1.2.3 oci-test engine-host\n' >"$SCRATCH/hosts"
printf 'nameserver 192.0.2.53\n' >"$SCRATCH/resolv"
before=$(cat "$R/etc/hosts" 2>/dev/null || echo none)
bundle "$SCRATCH/bf" '["sh", "-c", "cat /etc/hosts /etc/resolv.conf /new/run/.env"]'
sed -i "s|\"mounts\": \[|\"mounts\": [ { \"destination\": \"/etc/hosts\", \"type\": \"bind\", \"source\": \"$SCRATCH/hosts\", \"options\": [\"rbind\", \"ro\"] }, { \"destination\": \"/etc/resolv.conf\", \"type\": \"bind\", \"source\": \"$SCRATCH/resolv\", \"options\": [\"rbind\"] }, { \"destination\": \"/new/run/.env\", \"type\": \"bind\", \"source\": \"$SCRATCH/resolv\", \"options\": [\"rbind\"] },|" "$SCRATCH/bf/config.json"
out=$(rl run --bundle "$SCRATCH/bf" f1 2>&1)
if [ "$out" = "10.1.2.3 oci-test engine-host
nameserver 192.0.2.53
nameserver 192.0.2.53" ] && [ "$(cat "$R/etc/hosts" 2>/dev/null || echo none)" = "$before" ] && [ ! -e "$R/new" ]; then
	pass "$name"
else
	fail "$name" "$out"
fi

# ---- the engine's network namespace (linux.namespaces network path) ----------------
name="oci: the network namespace the config names is joined (the address the engine gave it)"
ns=rl-oci-$$
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! ip netns add "$ns" 2>/dev/null; then
	skip "$name" "needs root and ip netns"
else
	ip netns exec "$ns" ip addr add 10.99.99.1/32 dev lo
	bundle "$SCRATCH/bn" '["sh", "-c", "ip -o -4 addr | while read n dev fam addr rest; do echo $addr; done"]' \
		",\"linux\": { \"namespaces\": [ { \"type\": \"network\", \"path\": \"/var/run/netns/$ns\" } ] }"
	out=$(rl run --bundle "$SCRATCH/bn" n1 2>&1)
	if [ "$out" = "10.99.99.1/32" ]; then pass "$name"; else fail "$name" "$out"; fi
	bundle "$SCRATCH/bn2" '["true"]' ",\"linux\": { \"namespaces\": [ { \"type\": \"network\", \"path\": \"/proc/self/ns/pid\" } ] }"
	out=$(rl run --bundle "$SCRATCH/bn2" n2 2>&1)
	name="oci: a network namespace path that is no network namespace is refused"
	case $out in *"is not a network namespace"*) pass "$name" ;; *) fail "$name" "$out" ;; esac
	rl delete --force n2 >/dev/null 2>&1
	ip netns delete "$ns"
fi

# ---- hostile or unsupported config.json, bad IDs ----------------------------------
# expect_bad NAME PATTERN CONFIG_TEXT: create fails with exit 1 and one line,
# the --log file (json) has it as the msg of an error object, no state is left.
expect_bad() {
	name="oci: rejects $1"; pattern=$2
	mkdir -p "$SCRATCH/bad"
	printf '%s' "$3" >"$SCRATCH/bad/config.json"
	rm -f "$SCRATCH/bad.log"
	"$RL" --root "$ST" --log "$SCRATCH/bad.log" --log-format json create --bundle "$SCRATCH/bad" bad \
		>/dev/null 2>"$SCRATCH/err"
	rc=$?
	if [ $rc = 1 ] && [ "$(wc -l <"$SCRATCH/err")" = 1 ] && grep -q -- "$pattern" "$SCRATCH/err" &&
	   grep -q '^{"level":"error","msg":".*","time":"20[0-9T:.-]*Z"}$' "$SCRATCH/bad.log" &&
	   [ "$(wc -l <"$SCRATCH/bad.log")" = 1 ] &&
	   [ ! -e "$ST/bad" ]; then pass "$name"; else
		fail "$name" "exit $rc: $(cat "$SCRATCH/err")" "log: $(cat "$SCRATCH/bad.log" 2>&1)" "$(ls "$ST")"; fi
}
head='{"ociVersion":"1.0.2","root":{"path":"'"$R"'"},'
proc='"process":{"args":["true"],"cwd":"/"}'
expect_bad "malformed JSON" "not valid JSON" "$head"
expect_bad "a missing process" "process: required" "$head\"x\":1}"
expect_bad "an unknown mount type" 'type "ext4" is not supported' "$head$proc,\"mounts\":[{\"destination\":\"/mnt\",\"type\":\"ext4\",\"source\":\"/dev/sda1\"}]}"
expect_bad "a relative mount destination" 'must be an absolute path' "$head$proc,\"mounts\":[{\"destination\":\"mnt\",\"type\":\"tmpfs\"}]}"
expect_bad "a NUL in a path" 'contains a NUL' "$head$proc,\"mounts\":[{\"destination\":\"/m\\u0000nt\",\"type\":\"tmpfs\"}]}"
expect_bad "a .. in a destination" 'must not contain' "$head$proc,\"mounts\":[{\"destination\":\"/tmp/../etc\",\"type\":\"tmpfs\"}]}"
expect_bad "a missing rootfs" 'root.path: /nonexistent-rootfs: No such file' '{"ociVersion":"1.0.2","root":{"path":"/nonexistent-rootfs"},'"$proc"'}'
expect_bad "a hook inside the container (createContainer)" 'hooks.createContainer: not supported' "$head$proc,\"hooks\":{\"createContainer\":[{\"path\":\"/bin/true\"}]}}"
# (uid 1000: accepted as root, refused rootless: test_oci_user.sh)
expect_bad "a uid no user namespace can map" 'process.user.uid' "$head\"process\":{\"args\":[\"true\"],\"cwd\":\"/\",\"user\":{\"uid\":4294967295,\"gid\":0}}}"
expect_bad "a bad runsc-lite annotation" 'must be "seccomp" or "ptrace"' "$head$proc,\"annotations\":{\"dev.runsc-lite.platform\":\"kvm\"}}"
expect_bad "a terminal without --console-socket" 'console-socket is required' "$head\"process\":{\"terminal\":true,\"args\":[\"true\"],\"cwd\":\"/\"}}"
name="oci: a failure inside the sandbox at create: its cause in one line and in the --log; nothing left"
printf '%s' '{"ociVersion":"1.0.2","root":{"path":"'"$R"'","readonly":true},'"$proc"',"mounts":[{"destination":"/etc/passwd","type":"tmpfs"}]}' \
	>"$SCRATCH/bad/config.json"
rm -f "$SCRATCH/bad.log"
"$RL" --root "$ST" --log "$SCRATCH/bad.log" --log-format json create --bundle "$SCRATCH/bad" bad >/dev/null 2>"$SCRATCH/err"
rc=$?
if [ $rc = 1 ] && [ "$(wc -l <"$SCRATCH/err")" = 1 ] &&
   grep -q 'container "bad": sentry: mount point /etc/passwd: Not a directory' "$SCRATCH/err" &&
   tail -1 "$SCRATCH/bad.log" | grep -q '^{"level":"error","msg":"container \\"bad\\": sentry: mount point /etc/passwd: Not a directory"' &&
   [ ! -e "$ST/bad" ]; then pass "$name"; else
	fail "$name" "exit $rc: $(cat "$SCRATCH/err")" "$(cat "$SCRATCH/bad.log")"; fi
name="oci: a huge config.json is refused (bounded read)"
head -c 2000000 /dev/zero | tr '\0' ' ' >"$SCRATCH/bad/config.json"
if rl create --bundle "$SCRATCH/bad" bad 2>"$SCRATCH/err"; then fail "$name" "accepted"; else
	grep -q "larger than" "$SCRATCH/err" && [ ! -e "$ST/bad" ] && pass "$name" || fail "$name" "$(cat "$SCRATCH/err")"; fi
name="oci: unknown fields are ignored"
printf '%s' "$head$proc,\"futureField\":{\"a\":[1,2,{}]},\"linux\":{\"futureToo\":true}}" >"$SCRATCH/bad/config.json"
if rl run --bundle "$SCRATCH/bad" unk 2>"$SCRATCH/err"; then pass "$name"; else fail "$name" "$(cat "$SCRATCH/err")"; fi
name="oci: invalid container IDs (.., ., a/b, empty, spaces) are refused"
ok=1
for id in .. . a/b '' 'a b' '../../etc'; do
	rl create --bundle "$B" "$id" >/dev/null 2>"$SCRATCH/err" && ok=0
	grep -q 'invalid container ID' "$SCRATCH/err" || { ok=0; echo "#  '$id': $(cat "$SCRATCH/err")"; }
done
[ $ok = 1 ] && pass "$name" || fail "$name"
name="oci: a corrupt state.json: a clear error, and delete --force cleans up"
mkdir -p "$ST/stale/sub/dir" && printf '{"pid": "x"' >"$ST/stale/state.json" && touch "$ST/stale/sub/dir/f"
if ! rl state stale 2>"$SCRATCH/err" && grep -q 'state.json: corrupt' "$SCRATCH/err" && rl delete --force stale &&
   [ ! -e "$ST/stale" ]; then pass "$name"; else fail "$name" "$(cat "$SCRATCH/err")"; fi
name="oci: --log-format text writes one logfmt line"
"$RL" --root "$ST" --log "$SCRATCH/text.log" --log-format text state nope 2>/dev/null
if grep -q '^time="20.*Z" level=error msg="container \\\?"nope\\\?" does not exist"$' "$SCRATCH/text.log" ||
   grep -q '^time="20.*Z" level=error msg="container "nope" does not exist"$' "$SCRATCH/text.log"; then pass "$name"; else
	fail "$name" "$(cat "$SCRATCH/text.log")"; fi

# ---- unprivileged: the state under $XDG_RUNTIME_DIR, the sandbox in user namespaces
name="oci: as an unprivileged user: run under \$XDG_RUNTIME_DIR/runsc-lite, exit code, create/exec/start/delete"
user=rl-test
if [ "$(id -u)" != 0 ]; then
	skip "$name" "already unprivileged (test_oci runs as the caller)"
elif ! { id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user" 2>/dev/null; }; then
	skip "$name" "cannot create user $user"
elif ! setpriv --reuid="$user" --regid="$user" --clear-groups unshare --user --map-root-user true 2>/dev/null; then
	skip "$name" "unprivileged user namespaces are disabled on this kernel"
else
	# what the user can reach: a copy of the binary (and the platform wrapper)
	u="$SCRATCH/unpriv"
	mkdir -p "$u/xdg" "$u/b"
	cp "$RL_REAL" "$u/runsc-lite"
	cp -a "$R" "$u/b/rootfs"
	ubin="$u/runsc-lite"
	if [ -n "${RL_PLATFORM:-}" ]; then
		printf '#!/bin/sh\nexec "%s" --platform=%s "$@"\n' "$u/runsc-lite" "$RL_PLATFORM" >"$u/rl"
		chmod 755 "$u/rl"
		ubin="$u/rl"
	fi
	printf '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"args":["sh","-c","echo hi >/tmp/x; cat /tmp/x; exit 6"],"cwd":"/","env":["PATH=/bin"]}}' \
		>"$u/b/config.json"
	chmod 755 "$SCRATCH" "$u"
	chown -R "$user" "$u/xdg"
	as_u() { setpriv --reuid="$user" --regid="$user" --clear-groups env -i XDG_RUNTIME_DIR="$u/xdg" "$@"; }
	out=$(as_u "$ubin" run --bundle "$u/b" u1 2>&1; echo "exit=$?")
	as_u "$ubin" create --bundle "$u/b" u2 >/dev/null 2>&1
	st=$(as_u "$ubin" state u2 2>&1)
	# exec in the created container: the control socket's peer checks hold
	# across the sandbox's user namespace
	xo=$(as_u "$ubin" exec u2 sh -c 'echo in-u2; exit 4' 2>&1; echo "exit=$?")
	if [ "$out" = "hi
exit=6" ] && [ "$xo" = "in-u2
exit=4" ] && printf '%s' "$st" | grep -q '"status": *"created"' && printf '%s' "$st" | grep -q "\"owner\": *\"$user\"" &&
	   [ "$(stat -c %U:%a "$u/xdg/runsc-lite")" = "$user:700" ] && as_u "$ubin" start u2 &&
	   wait_until 10 eval 'as_u "$ubin" state u2 | grep -q stopped' && as_u "$ubin" delete u2 &&
	   [ -z "$(ls -A "$u/xdg/runsc-lite")" ]; then pass "$name"; else
		fail "$name" "$out" "$xo" "$st" "$(ls -la "$u/xdg/runsc-lite" 2>&1)"; fi
fi

name="oci: nothing is left in the state directory"
if [ -z "$(ls -A "$ST")" ]; then pass "$name"; else fail "$name" "$(ls -la "$ST")"; fi
