# Resource limits (runsc-lite/limits.h, docs/SECURITY.md): a fork bomb
# ends at --pids-limit while the host stays responsive, with a cgroup (as
# root, where this machine has one) and with rlimits alone (an unprivileged
# caller); a second SIGTERM kills a sandbox that ignores the first; a
# memory hog is stopped at --memory; --nofile, --cpu-time and
# --overlay-size hold as their native counterparts do; nothing is left
# behind.  tests/helpers/static_limits_probe.c is the bomb and the hog.
. "$TOP/tests/lib.sh"

probe="$BUILD/tests/helpers/static_limits_probe"
case $probe in /*) ;; *) probe="$PWD/$probe" ;; esac
[ -x "$probe" ] || { fail "limits: probe built" "no $probe (make tests-build)"; exit 0; }

# leftovers MARK: pids of host processes whose environment holds MARK
leftovers() {
	grep -lsa "RL_LIMITS_MARK=$1" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 | grep -vx "$$" | tr '\n' ' '
}
cgroup_kind() { grep -o 'limits: .*' "$1" | head -1; }

# -- a fork bomb against the task limit, with the host's responsiveness
# measured while it runs
mark=bomb-$$-$RANDOM
RL_LIMITS_MARK=$mark timeout -k 5 90 "$RL" --debug-log="$SCRATCH/bomb.log" do --pids-limit=64 -- \
	"$probe" bomb >"$SCRATCH/bomb.out" 2>"$SCRATCH/bomb.err" &
bomb=$!
sleep 0.5
t0=$(date +%s%N)
for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done
host_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
wait $bomb
rc=$?
read -r _ forks _ err _ secs <"$SCRATCH/bomb.out"
name="limits: a fork bomb ends at --pids-limit=64 (fork fails with EAGAIN) within seconds"
if [ "$rc" = 0 ] && [ -n "${forks:-}" ] && [ "$forks" -le 64 ] && [ "$forks" -ge 16 ] && [ "$err" = EAGAIN ] &&
	[ "${secs%.*}" -lt 10 ]; then
	pass "$name"
else
	fail "$name" "exit $rc: $(cat "$SCRATCH/bomb.out") $(head -3 "$SCRATCH/bomb.err")"
fi
name="limits: the host stays responsive during the fork bomb (10 native execs)"
if [ "$host_ms" -lt 5000 ]; then pass "$name"; else fail "$name" "10 execs took $host_ms ms"; fi
name="limits: the fork bomb leaves no process behind"
left=$(leftovers "$mark")
if [ -z "$left" ]; then pass "$name"; else fail "$name" "left: $left"; kill -9 $left 2>/dev/null; fi
name="limits: runsc-lite says the task limit was reached (where a cgroup counts it)"
case $(cgroup_kind "$SCRATCH/bomb.log") in
*cgroup*)
	if grep -q 'reached its task limit (--pids-limit=64)' "$SCRATCH/bomb.err"; then pass "$name"
	else fail "$name" "stderr: $(cat "$SCRATCH/bomb.err")"; fi ;;
*) skip "$name" "no cgroup for the sandbox here ($(cgroup_kind "$SCRATCH/bomb.log"))" ;;
esac

# -- a shell fork bomb that never ends by itself, in a busybox rootfs: the
# first SIGTERM goes to its pid 1 (a shell that ignores it), the second
# kills the sandbox, with a message; nothing is left
if R=$(busybox_rootfs); then
	mark=shbomb-$$-$RANDOM
	# no timeout(1) in between: the signals must reach runsc-lite itself
	# (the RL_PLATFORM wrapper execs it, so $pid is runsc-lite)
	RL_LIMITS_MARK=$mark "$RL" run --rootfs "$R" --pids-limit=100 -- \
		/bin/sh -c 'b() { b | b & }; b; while :; do :; done' \
		>"$SCRATCH/shbomb.out" 2>"$SCRATCH/shbomb.err" &
	pid=$!
	( sleep 60; kill -KILL "$pid" 2>/dev/null ) &
	watchdog=$!
	sleep 2
	kill -TERM "$pid"
	sleep 0.5
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	kill "$watchdog" 2>/dev/null
	name="limits: a second SIGTERM kills a sandbox whose fork bomb ignores the first (exit 137, one line)"
	if [ "$rc" = 137 ] && grep -q 'the sandbox was killed: a second SIGTERM' "$SCRATCH/shbomb.err"; then
		pass "$name"
	else
		fail "$name" "exit $rc" "stderr: $(head -5 "$SCRATCH/shbomb.err")"
	fi
	sleep 0.2
	name="limits: the killed shell fork bomb leaves no process behind"
	left=$(leftovers "$mark")
	if [ -z "$left" ]; then pass "$name"; else fail "$name" "left: $left"; kill -9 $left 2>/dev/null; fi
else
	skip "limits: shell fork bomb in a rootfs" "no busybox-static rootfs"
fi

# -- rlimits alone: an unprivileged caller gets no cgroup
user=rl-test
name="limits: unprivileged (rlimits only), a fork bomb ends at --pids-limit=64"
if [ "$(id -u)" != 0 ]; then
	skip "$name" "needs root to become $user"
elif ! id "$user" >/dev/null 2>&1 && ! useradd --system --no-create-home --shell /usr/sbin/nologin "$user" 2>/dev/null; then
	skip "$name" "cannot create user $user"
else
	dir=$(mktemp -d /tmp/rl-limits.XXXXXX)
	chmod 755 "$dir"
	cp "$RL_REAL" "$dir/runsc-lite"
	cp "$probe" "$dir/probe"
	plat=${RL_PLATFORM:+--platform=$RL_PLATFORM}
	mark=ubomb-$$-$RANDOM
	if ! setpriv --reuid="$user" --regid="$user" --clear-groups unshare --user --map-root-user true 2>/dev/null; then
		skip "$name" "unprivileged user namespaces are disabled"
	else
		out=$(cd "$dir" && RL_LIMITS_MARK=$mark timeout -k 5 90 setpriv --reuid="$user" --regid="$user" --clear-groups \
			"$dir/runsc-lite" $plat --debug do --cwd=/ --pids-limit=64 -- "$dir/probe" bomb 2>"$SCRATCH/ubomb.err")
		rc=$?
		read -r _ forks _ err _ secs <<<"$out"
		if [ "$rc" = 0 ] && [ -n "${forks:-}" ] && [ "$forks" -le 64 ] && [ "$forks" -ge 16 ] && [ "$err" = EAGAIN ] &&
			grep -q 'limits: rlimits only' "$SCRATCH/ubomb.err"; then
			pass "$name"
		else
			fail "$name" "exit $rc: $out" "$(grep -m3 'limits\|runsc-lite: ' "$SCRATCH/ubomb.err")"
		fi
		name="limits: unprivileged fork bomb leaves no process behind"
		left=$(leftovers "$mark")
		if [ -z "$left" ]; then pass "$name"; else fail "$name" "left: $left"; kill -9 $left 2>/dev/null; fi
	fi
	rm -rf "$dir"
fi

# -- memory
mark=hog-$$-$RANDOM
out=$(RL_LIMITS_MARK=$mark timeout -k 5 120 "$RL" --debug-log="$SCRATCH/hog.log" do --memory=128m -- "$probe" hog 512 2>"$SCRATCH/hog.err")
rc=$?
name="limits: a memory hog is stopped at --memory=128m (killed, or malloc fails)"
case "$rc:$out" in
137:|0:"hog ENOMEM at"*) pass "$name" ;;
*) fail "$name" "exit $rc: $out" "$(head -3 "$SCRATCH/hog.err")" ;;
esac
name="limits: runsc-lite says the memory limit was reached (where a cgroup counts it)"
case $(cgroup_kind "$SCRATCH/hog.log") in
*cgroup*)
	if grep -q 'reached its memory limit' "$SCRATCH/hog.err"; then pass "$name"
	else fail "$name" "stderr: $(cat "$SCRATCH/hog.err")"; fi ;;
*) skip "$name" "no cgroup for the sandbox here" ;;
esac
name="limits: the memory hog leaves no process behind"
left=$(leftovers "$mark")
if [ -z "$left" ]; then pass "$name"; else fail "$name" "left: $left"; kill -9 $left 2>/dev/null; fi
# A runsc-lite killed with SIGKILL cannot remove its cgroup; the next
# sandbox beside it removes it (runsc-lite-PID, PID gone, no task left),
# and leaves a live runsc-lite's alone.
name="limits: a cgroup left by a killed runsc-lite goes at the next start; a live one's stays"
case $(cgroup_kind "$SCRATCH/hog.log") in
*"cgroup v1"*) parent=/sys/fs/cgroup/memory$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup) ;;
*"cgroup v2"*) parent=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup) ;;
*) parent= ;;
esac
parent=${parent%/}
if [ -n "$parent" ] && [ -d "$parent" ]; then
	sh -c 'exit 0' & dead=$!
	wait $dead
	if mkdir "$parent/runsc-lite-$dead" "$parent/runsc-lite-$$"; then
		"$RL" do --memory=64m -- /bin/true
		if [ ! -d "$parent/runsc-lite-$dead" ] && [ -d "$parent/runsc-lite-$$" ]; then pass "$name"; else
			fail "$name" "$(ls -d "$parent"/runsc-lite-* 2>&1)"; fi
	else
		fail "$name" "cannot make cgroups beside the sandbox's in $parent"
	fi
	rmdir "$parent/runsc-lite-$dead" "$parent/runsc-lite-$$" 2>/dev/null
else
	skip "$name" "no cgroup for the sandbox here"
fi
name="limits: without --memory the same program gets its 512 MiB"
out=$(timeout -k 5 120 "$RL" do -- "$probe" hog 512 2>&1)
if [ "$out" = "hog done" ]; then pass "$name"; else fail "$name" "$out"; fi

# -- per-process limits, compared with their native rlimits
name="limits: --nofile=100 is RLIMIT_NOFILE 100 (as native ulimit -n 100)"
native=$(sh -c "ulimit -n 100 && exec $probe nofile" 2>&1)
sandbox=$(timeout -k 5 60 "$RL" do --nofile=100 -- "$probe" nofile 2>&1)
if [ "$native" = "$sandbox" ] && [ "$sandbox" = "nofile limit 100 errno EMFILE" ]; then pass "$name"
else fail "$name" "native: $native" "sandbox: $sandbox"; fi

# soft = hard: the kernel's SIGKILL at the hard limit comes first
name="limits: --cpu-time=1 kills a busy loop after 1 s of CPU (as native ulimit -t 1)"
native=$(sh -c '(ulimit -t 1 && exec sh -c "while :; do :; done") 2>/dev/null; echo $?' 2>/dev/null)
timeout -k 5 60 "$RL" do --cpu-time=1 -- /bin/sh -c 'while :; do :; done' 2>/dev/null
sandbox=$?
if [ "$native" = "$sandbox" ] && [ "$sandbox" = $((128 + 9)) ]; then pass "$name"
else fail "$name" "native exit $native, sandbox exit $sandbox"; fi

name="limits: --overlay-size=1m: writing 4 MiB into the overlay fails with ENOSPC"
out=$(timeout -k 5 60 "$RL" do --overlay-size=1m --cwd=/ -- /bin/sh -c \
	'dd if=/dev/zero of=/var/tmp/rl-limits-big bs=64k count=64 2>&1; echo "exit=$?"' 2>&1)
case $out in
*"No space left on device"*"exit=1"*) pass "$name" ;;
*) fail "$name" "$out" ;;
esac
[ ! -e /var/tmp/rl-limits-big ] || { rm -f /var/tmp/rl-limits-big; fail "limits: the overlay write stayed off the host" "found on the host"; }

# -- flags
for bad in "--pids-limit=0" "--pids-limit=x" "--memory=1k" "--memory=12q" "--nofile=5" "--cpu-time=-1" "--overlay-size=0"; do
	name="limits: $bad is refused with one line and exit 125"
	out=$("$RL" do "$bad" -- /bin/true 2>&1)
	rc=$?
	if [ "$rc" = 125 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && [ "${out#runsc-lite: }" != "$out" ]; then
		pass "$name"
	else
		fail "$name" "exit $rc: $out"
	fi
done
