# Bad input gives one line on stderr and a non-zero exit, never a crash.
. "$TOP/tests/lib.sh"

# expect NAME STATUS PATTERN -- ARGS
expect() {
	name=$1 want=$2 pattern=$3; shift 4
	"$RL" "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
	rc=$?
	lines=$(wc -l < "$SCRATCH/err")
	if [ $rc = "$want" ] && [ "$lines" = 1 ] && grep -q "$pattern" "$SCRATCH/err"; then
		pass "$name"
	else
		fail "$name" "exit $rc (want $want), $lines stderr lines:" "$(cat "$SCRATCH/err")"
	fi
}

R=$(busybox_rootfs)
printf 'not a program\n' > "$SCRATCH/notexec"
printf 'not an ELF\n' > "$SCRATCH/garbage"; chmod +x "$SCRATCH/garbage"

expect "cli: unknown global flag" 125 "unknown or incomplete flag --bogus" -- --bogus do -- /bin/true
expect "cli: unknown command flag" 125 "unknown or incomplete flag --frobnicate" -- do --frobnicate -- /bin/true
expect "cli: unknown command" 125 'unknown command "dance"' -- dance
expect "cli: no program" 125 "no program given" -- do
expect "cli: unsupported platform value" 125 "platform=kvm: not supported" -- --platform=kvm do -- /bin/true
expect "cli: a bad --sync-wakeup value" 125 "sync-wakeup=maybe: must be true or false" -- --sync-wakeup=maybe do -- /bin/true
expect "cli: a bad --overlay value" 125 "overlay=maybe: must be true or false" -- --overlay=maybe do -- /bin/true
expect "cli: missing program" 127 "cannot run /nonexistent/prog: No such file or directory" -- do -- /nonexistent/prog
expect "cli: program not on PATH" 127 "cannot run no-such-cmd-xyz: No such file or directory" -- do -- no-such-cmd-xyz
expect "cli: non-executable file" 126 "Permission denied" -- do -- "$SCRATCH/notexec"
expect "cli: executable that is not a program" 126 "Exec format error" -- do -- "$SCRATCH/garbage"
expect "cli: a directory as the program" 126 "Permission denied" -- do -- /etc
expect "cli: rootfs that does not exist" 125 "rootfs=/nonexistent-rootfs: No such file or directory" -- run --rootfs /nonexistent-rootfs -- /bin/true
expect "cli: rootfs that is a file" 125 "not a directory" -- run --rootfs "$SCRATCH/notexec" -- /bin/true
expect "cli: run without --rootfs" 125 "run: --rootfs=DIR is required" -- run -- /bin/true
expect "cli: relative --cwd" 125 "must be an absolute path" -- do --cwd=etc -- /bin/true
expect "cli: --cwd that does not exist in the sandbox" 125 "cannot enter /nonexistent-dir" -- run --rootfs "$R" --cwd=/nonexistent-dir -- /bin/true
expect "cli: --debug-log in a missing directory" 125 "debug-log=/nonexistent/x" -- --debug-log=/nonexistent/x do -- /bin/true

name="cli: version and help"
if "$RL" version | grep -q '^runsc-lite version' && "$RL" help | grep -q 'usage:'; then pass "$name"; else fail "$name"; fi

# --sync-wakeup=false: the seccomp platform without SYNC_WAKE_UP still serves
name="cli: --sync-wakeup=false runs the program (and the debug log says so)"
out=$("$RL" --sync-wakeup=false --debug do -- /bin/cat /etc/hostname 2>"$SCRATCH/nosync.err")
if [ "$out" = "$(cat /etc/hostname)" ] && grep -q "sync wake-up off" "$SCRATCH/nosync.err"; then pass "$name"; else
	fail "$name" "out: $out" "$(grep -m2 "platform" "$SCRATCH/nosync.err")"; fi
