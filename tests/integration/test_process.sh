# The process model inside the sandbox, with real programs: many forks and
# execs, threads with trapped syscalls in flight together, wait/zombies/
# orphans/sessions/process groups compared with native, and the signals
# runsc-lite forwards.
. "$TOP/tests/lib.sh"

R=$(fresh_busybox_rootfs) || { skip "process model" "no busybox-static rootfs"; exit 0; }
H="$BUILD/tests/helpers"
for h in static_forkexec static_thread_opens static_procs static_sigwait; do cp "$H/$h" "$R/bin/"; done

name="fork: 200 children alive at once, each execs /bin/true (static busybox), all reaped"
out=$(timeout -k 10 120 "$RL" run --rootfs "$R" -- /bin/static_forkexec 200 /bin/true 2>&1)
if [ "$out" = "forked 200: 200 exited 0, 0 failed, 0 unknown, none left" ]; then
	pass "$name"; else fail "$name" "$out"; fi

name="fork: 200 children exec the host's dynamic /bin/true (ld.so through the VFS), all reaped"
out=$(timeout -k 10 120 "$RL" do -- "$H/static_forkexec" 200 /bin/true 2>&1)
if [ "$out" = "forked 200: 200 exited 0, 0 failed, 0 unknown, none left" ]; then
	pass "$name"; else fail "$name" "$out"; fi

name="threads: 16 threads x 2000 opens of their own files, no lost or misrouted reply"
out=$(timeout -k 10 300 "$RL" run --rootfs "$R" --cwd /tmp -- /bin/static_thread_opens 16 2000 2>&1)
if [ "$out" = "16 threads x 2000 opens: 0 errors" ]; then pass "$name"; else fail "$name" "$out"; fi

# Both runs are pid 1 of a fresh pid namespace, so orphans go to the probe.
name="processes: wait4/waitid, zombies, orphans reaped by init, sessions, process groups, fs context at fork (as native)"
if unshare --pid --fork true 2>/dev/null; then
	mkdir -p "$SCRATCH/procs-native" "$R/tmp/procs"
	native=$(cd "$SCRATCH/procs-native" && timeout -k 10 60 unshare --pid --fork "$H/static_procs" 2>&1)
	sandbox=$(timeout -k 10 60 "$RL" run --rootfs "$R" --cwd /tmp/procs -- /bin/static_procs 2>&1)
	if [ "$native" = "$sandbox" ] && echo "$native" | grep -q '^pid 1: yes'; then pass "$name"; else
		fail "$name" "$(diff <(echo "$native") <(echo "$sandbox"))"; fi
else
	skip "$name" "unshare --pid needs root"
fi

# runsc-lite forwards these to the sandbox: the program's handler runs and
# its exit status (100 + the signal) comes back.  Checked on the real CLI
# process, from the outside.
for sig in INT TERM HUP QUIT; do
	name="signals: SIG$sig to runsc-lite reaches the program's handler, its exit status passes through"
	: > "$SCRATCH/sig.out"
	"$RL" run --rootfs "$R" -- /bin/static_sigwait handle > "$SCRATCH/sig.out" 2>&1 &
	cli=$!
	if wait_until 20 grep -q ready "$SCRATCH/sig.out"; then
		kill -s "$sig" "$cli"
		wait "$cli"; rc=$?
		want=$((100 + $(kill -l "$sig")))
		if [ "$rc" = "$want" ] && grep -q "handler ran for $sig" "$SCRATCH/sig.out"; then
			pass "$name"; else fail "$name" "exit $rc, want $want" "$(cat "$SCRATCH/sig.out")"; fi
	else
		fail "$name" "did not start: $(cat "$SCRATCH/sig.out")"; kill -KILL "$cli"; wait "$cli"
	fi
done

name="signals: a program killed by a signal (SIGSEGV) gives 128+11"
timeout -k 10 60 "$RL" run --rootfs "$R" -- /bin/static_sigwait segv >/dev/null 2>&1
rc=$?
if [ "$rc" = 139 ]; then pass "$name"; else fail "$name" "exit $rc"; fi

# clone(CLONE_FS) without CLONE_THREAD shares the fs context (the kernel
# says so: kcmp); without CLONE_FS the child's chdir is its own.
name="process model: CLONE_FS shares the cwd between processes, fork copies it (as native)"
cp "$BUILD/tests/helpers/static_clone_fs" "$R/bin/"
native=$("$BUILD/tests/helpers/static_clone_fs" 2>&1)
sandbox=$(timeout -k 10 60 "$RL" run --rootfs "$R" -- /bin/static_clone_fs 2>&1)
if [ "$native" = "$sandbox" ] && [ "$native" = "$(printf 'shared: /tmp\ncopied: /')" ]; then pass "$name"; else
	fail "$name" "native: $native" "sandbox: $sandbox"; fi

# A subshell that forks its command before any trapped syscall of its own:
# the sentry first meets the grandchild, whose parent it has never seen; the
# grandchild's cwd is still the one inherited through that parent.
name="process: a grandchild met before its parent inherits the cwd through it"
mkdir -p "$R/tmp/inherit" && echo here > "$R/tmp/inherit/rel"
out=$(timeout -k 10 60 "$RL" run --rootfs "$R" --cwd /tmp/inherit -- /bin/sh -c \
	'f() { stat -c %n rel; cat rel; }; for i in 1 2 3; do f | cat; done' 2>&1)
if [ "$out" = "$(printf 'rel\nhere\nrel\nhere\nrel\nhere')" ]; then pass "$name"; else fail "$name" "$out"; fi
