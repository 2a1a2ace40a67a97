# execve/execveat through the VFS, compared case by case with the same
# program run natively (tests/helpers/static_exec_probe.c): #! chains and
# their argv rules, relative paths, PATH search, fexecve, execveat with a
# dirfd, the errors, AT_EXECFN, close-on-exec; exec from a thread; a
# program written into a writable gofer-backed directory and run at once.
. "$TOP/tests/lib.sh"

R=$(fresh_busybox_rootfs) || { skip "exec" "no busybox-static rootfs"; exit 0; }
probe="$BUILD/tests/helpers/static_exec_probe"

# Both sides run from a scratch directory holding a copy named `probe`;
# every path the cases use is relative to it.
mkdir -p "$SCRATCH/exec-native" "$R/tmp/exec"
cp "$probe" "$SCRATCH/exec-native/probe"
cp "$probe" "$R/tmp/exec/probe"
native=$(cd "$SCRATCH/exec-native" && ./probe cases 2>&1)
sandbox=$(timeout -k 10 120 "$RL" --overlay=false run --rootfs "$R" --cwd /tmp/exec -- /tmp/exec/probe cases 2>&1)

# One result per case: a header line, then its indented lines.
case_block() {   # case_block OUTPUT NAME
	printf '%s\n' "$1" | awk -v want="$2" '
		/^[^ ]/ { inside = ($0 == want); next }
		inside { print }'
}
if [ -z "$native" ] || [ "$(printf '%s\n' "$native" | grep -c '^[^ ]')" -lt 50 ]; then
	fail "exec: the native run of the probe" "$native"
fi
printf '%s\n' "$native" | grep '^[^ ]' > "$SCRATCH/exec-cases"
while IFS= read -r c; do
	n=$(case_block "$native" "$c")
	s=$(case_block "$sandbox" "$c")
	if [ "$n" = "$s" ]; then pass "exec: $c"; else
		fail "exec: $c" "native:" "$n" "sandbox:" "$s"; fi
done < "$SCRATCH/exec-cases"
name="exec: the sandbox ran exactly the native cases"
if [ "$(printf '%s\n' "$sandbox" | grep '^[^ ]')" = "$(cat "$SCRATCH/exec-cases")" ]; then
	pass "$name"; else fail "$name" "$(printf '%s\n' "$sandbox" | tail -5)"; fi

name="exec: execve from a thread while others run (pid = old tgid, one thread left)"
native=$(cd "$SCRATCH/exec-native" && timeout -k 10 60 ./probe thread-exec 2>&1)
sandbox=$(timeout -k 10 60 "$RL" --overlay=false run --rootfs "$R" --cwd /tmp/exec -- /tmp/exec/probe thread-exec 2>&1)
if [ "$native" = "$sandbox" ] && echo "$sandbox" | grep -q 'old tgid: yes, single thread: yes'; then
	pass "$name"; else fail "$name" "native:" "$native" "sandbox:" "$sandbox"; fi

# A program written into the (writable, gofer-backed) rootfs from inside
# the sandbox moments before it is run: the exec sees the new contents and
# mode, not what the dentry cache knew of the name before.
cp "$BUILD/tests/helpers/static_forkexec" "$R/bin/"
name="exec: a binary copied into a writable directory inside the sandbox runs at once"
out=$(timeout -k 10 60 "$RL" --overlay=false run --rootfs "$R" -- /bin/sh -c '
	: > /tmp/fresh; chmod 644 /tmp/fresh
	/tmp/fresh 2>/dev/null; echo "not executable: $?"
	chmod 755 /tmp/fresh
	cat /bin/static_forkexec > /tmp/fresh && /tmp/fresh 3 /bin/true; echo "written: $?"
	cp /bin/static_forkexec /tmp/copied && /tmp/copied 2 /tmp/copied-script; echo "copied: $?"' 2>&1)
want='not executable: 126
forked 3: 3 exited 0, 0 failed, 0 unknown, none left
written: 0
child '
# The last command execs a script that does not exist yet: each child
# fails with ENOENT (status 100+2), so the 2 children are "failed".
if [ "$(echo "$out" | head -3)" = "$(echo "$want" | head -3)" ] &&
   echo "$out" | grep -q 'forked 2: 0 exited 0, 2 failed' && echo "$out" | grep -q 'copied: 1'; then
	pass "$name"; else fail "$name" "$out"; fi

name="exec: a #! script written inside the sandbox runs at once, its interpreter a fresh copy too"
out=$(timeout -k 10 60 "$RL" --overlay=false run --rootfs "$R" --cwd /tmp -- /bin/sh -c '
	cp /tmp/exec/probe ./interp-copy
	printf "#!/tmp/interp-copy show\n" > script-now; chmod +x script-now
	./script-now a b' 2>&1)
if [ "$(echo "$out" | head -2)" = "$(printf '  argv: [/tmp/interp-copy] [show] [./script-now] [a] [b]\n  execfn: ./script-now')" ]; then
	pass "$name"; else fail "$name" "$out"; fi
[ -f "$R/tmp/fresh" ] && cmp -s "$R/tmp/fresh" "$BUILD/tests/helpers/static_forkexec" ||
	fail "exec: the binary written inside is in the host file" "$(ls -la "$R/tmp")"

# dash runs each command in a vfork child: the child's memory until its
# exec is its parent's, and after the exec the sentry must read the new
# program's, not the parent's (a kept /proc/TID/mem descriptor names the
# address space it was opened on: it used to read dash's, EIO).
name="exec: a vfork child's exec (dash): the new program's syscalls are read from its own memory"
if [ -x /bin/dash ]; then
	want=$(/bin/dash -c 'cat /etc/hostname; cat /etc/os-release; echo done' 2>&1)
	out=$(cd / && timeout -k 10 60 "$RL" --overlay=false do -- /bin/dash -c 'cat /etc/hostname; cat /etc/os-release; echo done' 2>&1)
	if [ "$out" = "$want" ]; then pass "$name"; else fail "$name" "$out"; fi
else
	skip "$name" "no /bin/dash"
fi
