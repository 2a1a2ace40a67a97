# `runsc-lite do`: programs from the host root print what they print natively.
. "$TOP/tests/lib.sh"

same_output "do: cat /etc/hostname (dynamic, host root)" -- /bin/cat /etc/hostname
same_output "do: busybox cat /etc/os-release (static)" -- /bin/busybox cat /etc/os-release
same_output "do: cat through a symlinked directory (/bin -> usr/bin)" -- /bin/cat /usr/lib/os-release
same_output "do: busybox ls -la /etc" -- /bin/busybox ls -la /etc
same_output "do: GNU ls -la /usr/share/doc/busybox-static (statx, getdents64)" -- /bin/ls -la /usr/share/doc/busybox-static
cd /etc && same_output "do: relative path from /etc" -- /bin/busybox cat ./hostname; cd - >/dev/null

# The root listing: identical except the host's /proc, /sys and /dev, which
# the sandbox covers with an empty directory or its devfs (their link counts
# and dates would tell host facts: the number of host processes, the boot
# time).
name="do: busybox ls -la / (except proc, sys, dev)"
native=$(/bin/busybox ls -la / 2>&1 | grep -Ev ' (proc|sys|dev)$')
sandbox=$("$RL" do -- /bin/busybox ls -la / 2>&1 | grep -Ev ' (proc|sys|dev)$')
if [ "$native" = "$sandbox" ] && [ -n "$native" ]; then pass "$name"; else
	fail "$name" "$(diff <(echo "$native") <(echo "$sandbox") | head -20)"; fi

name="do: /proc, /sys and /dev of the host are not visible (/proc and /dev are the sandbox's)"
out=$("$RL" do -- /bin/busybox ls -A /sys /dev 2>&1)
want=$(printf '/dev:\n%s\n\n/sys:' \
	"$(printf '%s\n' console fd full null ptmx pts random shm stderr stdin stdout tty urandom zero)")
procs=$("$RL" do -- /bin/busybox ls /proc 2>&1 | grep '^[0-9]')
if [ "$out" = "$want" ] && [ "$procs" = 1 ]; then pass "$name"; else
	fail "$name" "$(diff <(echo "$want") <(echo "$out"))" "/proc: $procs"; fi

name="do: the host root is read-only (--overlay=false)"
out=$("$RL" --overlay=false do -- /bin/busybox sh -c 'echo x > /tmp/rl-should-not-exist' 2>&1)
if [ ! -e /tmp/rl-should-not-exist ] && echo "$out" | grep -q 'Read-only file system'; then
	pass "$name"; else fail "$name" "$out"; rm -f /tmp/rl-should-not-exist; fi

# The default: a memory overlay takes every change; the host sees none.
name="do: writes land in the memory overlay, the host root is never written"
before=$(stat -c '%s %Y' /etc/passwd)
out=$("$RL" do -- /bin/busybox sh -c 'echo x > /tmp/rl-should-not-exist && cat /tmp/rl-should-not-exist &&
	echo y >> /etc/passwd && busybox tail -1 /etc/passwd && rm /etc/hostname && ! test -e /etc/hostname && echo gone' 2>&1)
if [ ! -e /tmp/rl-should-not-exist ] && [ "$out" = "$(printf 'x\ny\ngone')" ] &&
   [ "$(stat -c '%s %Y' /etc/passwd)" = "$before" ] && [ -e /etc/hostname ]; then
	pass "$name"; else fail "$name" "$out"; rm -f /tmp/rl-should-not-exist; fi

name="do: a shell pipeline of forked children (busybox sh)"
out=$("$RL" do -- /bin/busybox sh -c 'cat /etc/hostname | busybox wc -c; cd /usr/share && pwd' 2>&1)
want="$(wc -c < /etc/hostname)
/usr/share"
if [ "$out" = "$want" ]; then pass "$name"; else fail "$name" "got: $out" "want: $want"; fi

name="do: PATH search of the first program (execvp through the VFS)"
out=$(PATH=/usr/bin:/bin "$RL" do -- cat /etc/hostname 2>&1)
if [ "$out" = "$(cat /etc/hostname)" ]; then pass "$name"; else fail "$name" "$out"; fi

same_output "do: openat2 RESOLVE_BENEATH/IN_ROOT/NO_SYMLINKS/NO_XDEV/CACHED and its strict checks" -- "$BUILD/tests/helpers/openat2_probe"

# More names than the dentry cache holds (8192): eviction frees unused
# entries (and their gofer fids) as the walk goes on; nothing runs out.
same_output "do: find over ~15000 names (dentry cache eviction, fd-identity collection)" -- /bin/busybox find /usr/share/doc /usr/include

# A child keeps the working directory it had at fork time even when its
# parent changes directory before the child's first trapped syscall.  Under
# user notification the sentry sees no fork and copies the parent's context
# at the child's first trap (listed in KNOWN_FAILURES for seccomp); under
# ptrace the fork is reported while both tasks are stopped.
same_output "do: a forked child keeps its cwd when the parent moves on (exact fork tracking)" -- \
	"$BUILD/tests/helpers/fork_cwd"
