# Unix sockets bound to a path inside the sandbox (bind is trapped; a
# tmpfs binds the application's socket to a backing name, connect goes
# there): the probe (tests/helpers/static_unix_bind_probe.c), server and
# clients in one sandbox, compared line by line with a native run in a
# real tmpfs; then what the sandbox answers that Linux cannot be compared
# with (a gofer mount, getsockname), and two sandboxed programs.
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

# A socket on a gofer mount would be a host file: refused (EOPNOTSUPP),
# and nothing appears on the host.
out=$(timeout -k 10 60 "$RL" --overlay=false run --rootfs "$R" -- /bin/sh -c \
	'cd /tmp && /bin/static_unix_bind_probe /tmp 2>&1 | grep bind-read-only' 2>&1)
if [ "$out" = "sock/bind-read-only -> -1 EOPNOTSUPP" ] && [ ! -e "$R/tmp/ro.sock" ]; then
	pass "unix bind: on a gofer mount EOPNOTSUPP, no host file"
else
	fail "unix bind: on a gofer mount EOPNOTSUPP, no host file" "$out" "$(ls -la "$R/tmp" | head -5)"
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
