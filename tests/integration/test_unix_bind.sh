# Unix sockets bound to a path inside the sandbox (bind is trapped; a
# tmpfs binds the application's socket to a backing name, connect goes
# there): the probe (tests/helpers/static_unix_bind_probe.c), server and
# clients in one sandbox, compared line by line with a native run in a
# real tmpfs; then what the sandbox answers that Linux cannot be compared
# with (a gofer mount: a host socket file), and two sandboxed programs.
. "$TOP/tests/lib.sh"

probe="$BUILD/tests/helpers/static_unix_bind_probe"
case $probe in /*) ;; *) probe="$PWD/$probe" ;; esac
[ -x "$probe" ] || { skip "unix bind: probe" "static_unix_bind_probe not built (make tests-build)"; exit 0; }
R=$(fresh_busybox_rootfs) || { skip "unix bind: probe" "no busybox-static rootfs"; exit 0; }
cp "$probe" "$R/bin/static_unix_bind_probe"
mkdir -p "$R/scratch" "$R/ro" "$SCRATCH/native" "$SCRATCH/native-ro" "$SCRATCH/rovol"

# natively: a real tmpfs, and a read-only bind mount
mount -t tmpfs -o size=1m rl-unix-bind "$SCRATCH/native"
mount --bind -o ro "$SCRATCH/rovol" "$SCRATCH/native-ro"
native=$(cd "$SCRATCH/native" && timeout -k 10 60 "$probe" "$SCRATCH/native-ro" 2>&1)
umount "$SCRATCH/native-ro"
umount "$SCRATCH/native"
sandbox=$(timeout -k 10 60 "$RL" --overlay=false run --rootfs "$R" --tmpfs=/scratch --volume="$SCRATCH/rovol:/ro:ro" \
	--cwd /scratch -- /bin/static_unix_bind_probe /ro 2>&1)
name="unix bind: as native ($(printf '%s\n' "$native" | grep -c ' -> ') cases)"
if ! printf '%s\n' "$native" | tail -1 | grep -q '^end/cases'; then
	fail "$name" "the native reference run did not finish:" "$(printf '%s\n' "$native" | tail -3)"
elif [ "$native" = "$sandbox" ]; then
	pass "$name"
else
	fail "$name" "$(diff <(printf '%s\n' "$native") <(printf '%s\n' "$sandbox") | head -20)"
fi

# On a gofer mount the socket file is a host file: the gofer binds the
# sandbox's socket to it (Tbind), with the sandbox's umask; a host process
# connects to the sandboxed server there, and so does another sandbox
# (through the gofer's Tlconnect); getsockname shows the name bound.
rm -f "$R/tmp/h.sock"
timeout -k 10 60 "$RL" --overlay=false run --rootfs "$R" -- /bin/sh -c \
	'umask 027; /bin/static_unix_bind_probe --serve /tmp/h.sock' > "$SCRATCH/h.out" 2>&1 &
server=$!
if wait_until 10 test -S "$R/tmp/h.sock"; then
	host=$(timeout -k 10 30 "$probe" --client "$R/tmp/h.sock" 2>&1)
	wait "$server"
	mode=$(stat -c '%A' "$R/tmp/h.sock")
	if [ "$host" = "client -> 0" ] && [ "$mode" = "srwxr-x---" ] &&
	   [ "$(cat "$SCRATCH/h.out")" = "$(printf 'name -> /tmp/h.sock\nserved -> 0')" ]; then
		pass "unix bind: on a gofer mount a host socket file, umask applied; a host client connects"
	else
		fail "unix bind: on a gofer mount a host socket file, umask applied; a host client connects" \
			"host client: $host" "mode: $mode" "server: $(cat "$SCRATCH/h.out")"
	fi
else
	kill "$server" 2>/dev/null
	fail "unix bind: on a gofer mount a host socket file, umask applied; a host client connects" \
		"no socket file appeared: $(cat "$SCRATCH/h.out")"
fi
rm -f "$R/tmp/h.sock"
out=$(timeout -k 10 60 "$RL" --overlay=false run --rootfs "$R" -- /bin/sh -c \
	'/bin/static_unix_bind_probe --serve /tmp/h.sock > /tmp/h.out & /bin/static_unix_bind_probe --client /tmp/h.sock; wait; cat /tmp/h.out' 2>&1)
if [ "$out" = "$(printf 'client -> 0\nname -> /tmp/h.sock\nserved -> 0')" ]; then
	pass "unix bind: on a gofer mount, server and client both sandboxed (Tbind, Tlconnect)"
else
	fail "unix bind: on a gofer mount, server and client both sandboxed (Tbind, Tlconnect)" "$out"
fi

# Two sandboxed programs, server and client, on a tmpfs socket; ls sees
# the socket file; getsockname shows the name the server bound.
out=$(timeout -k 10 60 "$RL" --overlay=false run --rootfs "$R" --tmpfs=/tmp -- /bin/sh -c '
	/bin/static_unix_bind_probe --serve /tmp/s.sock > /tmp/server.out &
	/bin/static_unix_bind_probe --client /tmp/s.sock
	ls -l /tmp/s.sock | cut -c1-10
	wait; cat /tmp/server.out' 2>&1)
expected=$(printf 'client -> 0\nsrwxr-xr-x\nname -> /tmp/s.sock\nserved -> 0')
if [ "$out" = "$expected" ] &&
   ! printf '%s\n' "$out" | grep -q -e "$SCRATCH" -e "$R"; then
	pass "unix bind: two sandboxed programs, no host path in getsockname"
else
	fail "unix bind: two sandboxed programs, no host path in getsockname" "$out"
fi
