# `runsc-lite run --rootfs DIR`: the sandbox sees DIR as / and nothing else.
. "$TOP/tests/lib.sh"

R=$(fresh_busybox_rootfs) || { skip "run --rootfs" "no busybox-static rootfs"; exit 0; }

name="rootfs: programs and files come from the rootfs"
out=$("$RL" run --rootfs "$R" -- /bin/cat /etc/hostname 2>&1)
if [ "$out" = busybox-rootfs ]; then pass "$name"; else fail "$name" "$out"; fi

# (/proc and /dev are the sandbox's procfs and devfs mounted there: their
# lines, and the total that counts blocks, differ from the host directory's,
# as in any container; test_procfs.sh and test_devfs.sh look at them)
name="rootfs: ls -la / lists the rootfs directory (as native ls -la of it, /proc and /dev aside)"
native=$(cd "$R" && /bin/busybox ls -la . | grep -v -e ' \.\.$' -e ' proc$' -e ' dev$' -e '^total')
sandbox=$("$RL" run --rootfs "$R" -- /bin/ls -la / 2>&1 | grep -v -e ' \.\.$' -e ' proc$' -e ' dev$' -e '^total')
if [ "$native" = "$sandbox" ]; then pass "$name"; else fail "$name" "$(diff <(echo "$native") <(echo "$sandbox"))"; fi

echo "host secret" > "$SCRATCH/outside-secret"
name="rootfs: a host path outside the rootfs is ENOENT inside"
out=$("$RL" run --rootfs "$R" -- /bin/cat "$SCRATCH/outside-secret" 2>&1)
rc=$?
if [ $rc = 1 ] && echo "$out" | grep -q 'No such file or directory' && ! echo "$out" | grep -q 'host secret'; then
	pass "$name"; else fail "$name" "exit $rc: $out"; fi

name="rootfs: .. never climbs above the root"
out=$("$RL" run --rootfs "$R" -- /bin/cat /../../../etc/../../etc/passwd 2>&1)
if [ "$out" = "$(cat "$R/etc/passwd")" ]; then pass "$name"; else fail "$name" "$out"; fi

ln -s /etc/passwd "$R/tmp/abs-link"
ln -s ../../../../../../etc/passwd "$R/tmp/rel-link"
ln -s "$SCRATCH/outside-secret" "$R/tmp/out-link"
name="rootfs: symlinks resolve inside the sandbox view, never on the host"
out=$("$RL" run --rootfs "$R" -- /bin/sh -c 'cat /tmp/abs-link /tmp/rel-link; cat /tmp/out-link' 2>&1)
want="$(cat "$R/etc/passwd" "$R/etc/passwd")"
if [ "$(echo "$out" | head -4)" = "$want" ] && echo "$out" | tail -1 | grep -q 'No such file'; then
	pass "$name"; else fail "$name" "$out"; fi

name="rootfs: a write is in the host file when the program exits (nothing lost, --overlay=false)"
out=$("$RL" --overlay=false run --rootfs "$R" -- /bin/sh -c 'echo hello > /tmp/f && echo more >> /tmp/f && cat /tmp/f' 2>&1)
if [ "$out" = "$(printf 'hello\nmore')" ] && [ "$(cat "$R/tmp/f")" = "$(printf 'hello\nmore')" ]; then
	pass "$name"; else fail "$name" "$out"; fi

name="rootfs: --readonly refuses every write and leaves the tree unchanged"
before=$(cd "$R" && find . -printf '%p %s %m %T@\n' | sort | md5sum)
out=$("$RL" run --rootfs "$R" --readonly -- /bin/sh -c 'echo x > /tmp/g; echo x >> /etc/passwd; echo x > /etc/hostname' 2>&1)
after=$(cd "$R" && find . -printf '%p %s %m %T@\n' | sort | md5sum)
if [ "$before" = "$after" ] && [ "$(echo "$out" | grep -c 'Read-only file system')" = 3 ]; then
	pass "$name"; else fail "$name" "$out"; fi

name="rootfs: cwd, relative paths and getcwd follow the VFS"
out=$("$RL" run --rootfs "$R" --cwd /etc -- /bin/sh -c 'pwd; cat hostname; cd ../tmp; pwd; cd /; ls -d ./etc' 2>&1)
if [ "$out" = "$(printf '/etc\nbusybox-rootfs\n/tmp\n./etc')" ]; then pass "$name"; else fail "$name" "$out"; fi

name="rootfs: exit status passes through"
"$RL" run --rootfs "$R" -- /bin/sh -c 'exit 7' >/dev/null 2>&1
rc=$?
if [ $rc = 7 ]; then pass "$name"; else fail "$name" "exit $rc"; fi

name="rootfs: a #! script runs through the VFS (interpreter resolved inside)"
printf '#!/bin/sh -e\necho "script $0 $1"\n' > "$R/tmp/script.sh"
chmod +x "$R/tmp/script.sh"
out=$("$RL" run --rootfs "$R" -- /tmp/script.sh arg1 2>&1)
if [ "$out" = "script /tmp/script.sh arg1" ]; then pass "$name"; else fail "$name" "$out"; fi

name="rootfs: xattrs (get/set/list/remove, l* and f* forms, errors) as native"
cp "$BUILD/tests/helpers/static_xattr_probe" "$R/bin/"
mkdir -p "$SCRATCH/xattr-native"
native=$(cd "$SCRATCH/xattr-native" && "$BUILD/tests/helpers/static_xattr_probe" 2>&1)
sandbox=$("$RL" run --rootfs "$R" --cwd /tmp -- /bin/static_xattr_probe 2>&1)
if [ "$native" = "$sandbox" ]; then pass "$name"; else
	fail "$name" "$(diff <(echo "$native") <(echo "$sandbox"))"; fi

name="rootfs: FD identity survives dup, dup2, fork and SCM_RIGHTS; shared directory offsets"
cp "$BUILD/tests/helpers/static_fdident_probe" "$R/bin/"
mkdir -p "$SCRATCH/fdident-native" "$R/tmp/fdident"
native=$(cd "$SCRATCH/fdident-native" && "$BUILD/tests/helpers/static_fdident_probe" 2>&1)
sandbox=$("$RL" run --rootfs "$R" --cwd /tmp/fdident -- /bin/static_fdident_probe 2>&1)
if [ "$native" = "$(echo "$sandbox" | sed 's/cwd fdident$/cwd fdident-native/')" ]; then pass "$name"; else
	fail "$name" "$(diff <(echo "$native") <(echo "$sandbox"))"; fi

# A host unix socket inside the rootfs: connect(2) is resolved in the VFS
# and the gofer connects (Tlconnect); the sandbox gets the connected socket.
name="rootfs: connect to a host unix socket of the rootfs (blocking and non-blocking), errors as native"
cp "$BUILD/tests/helpers/static_unix_client" "$R/bin/"
"$BUILD/tests/helpers/unix_echo_server" "$R/tmp/echo.sock" > "$SCRATCH/echo.out" &
server=$!
if wait_until 10 grep -q listening "$SCRATCH/echo.out"; then
	native=$(cd "$R" && for a in "tmp/echo.sock" "tmp/echo.sock nb" "tmp/nope.sock" "etc/passwd"; do
		"$BUILD/tests/helpers/static_unix_client" $a; done 2>&1)
	sandbox=$(for a in "tmp/echo.sock" "tmp/echo.sock nb" "tmp/nope.sock" "etc/passwd"; do
		"$RL" run --rootfs "$R" --cwd / -- /bin/static_unix_client $a; done 2>&1)
	if [ "$native" = "$sandbox" ] && echo "$sandbox" | grep -q 'reply: pong:ping'; then
		pass "$name"; else fail "$name" "$(diff <(echo "$native") <(echo "$sandbox"))"; fi
else
	fail "$name" "the echo server did not start"
fi
kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true
