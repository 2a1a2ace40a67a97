# /dev in the sandbox is devfs (sentry/devfs.c), in `do` and `run` mode:
# real programs use its devices, and no other host device is reachable.
# The node-by-node comparison with the host's /dev is the conformance probe
# tests/helpers/static_conf_dev.c (test_conformance.sh).
. "$TOP/tests/lib.sh"

R=$(fresh_busybox_rootfs) || { skip "devfs" "no busybox-static rootfs"; exit 0; }
# a device node in the rootfs itself must not open a host device either
mknod "$R/tmp/null-in-rootfs" c 1 3 2>/dev/null

# in_both NAME WANT SCRIPT: the busybox shell script's output (stdout and
# stderr) is WANT in `do` and in `run --rootfs`.
in_both() {
	local name=$1 want=$2 script=$3 mode out
	for mode in do run; do
		if [ $mode = do ]; then
			out=$("$RL" do -- /bin/busybox sh -c "$script" 2>&1)
		else
			out=$("$RL" run --rootfs "$R" -- /bin/sh -c "$script" 2>&1)
		fi
		if [ "$out" = "$want" ]; then pass "$mode: $name"; else
			fail "$mode: $name" "got:  $out" "want: $want"; fi
	done
}

in_both "echo x > /dev/null" "0" 'echo x > /dev/null; echo $?'
in_both "head -c 16 /dev/urandom | wc -c" "16" 'busybox head -c 16 /dev/urandom | busybox wc -c'
in_both "dd if=/dev/zero bs=1k count=4 | wc -c" "4096" \
	'busybox dd if=/dev/zero bs=1k count=4 2>/dev/null | busybox wc -c'
in_both "/dev/zero reads zeros" "00000000000000000000000000000000" \
	'busybox head -c 16 /dev/zero | busybox od -An -tx1 | busybox tr -d " \n"'
in_both "echo x > /dev/full fails with ENOSPC" "write error: No space left on device
1" '(echo x > /dev/full) 2>&1 | busybox sed "s/.*: write/write/"; echo x > /dev/full 2>/dev/null; echo $?'
in_both "ls -l /dev/null: crw-rw-rw- 1, 3" "crw-rw-rw- 1,3 root" \
	'busybox ls -l /dev/null | busybox awk "{ print \$1, \$5 \$6, \$3 }"'
in_both "background jobs in sh (their stdin is /dev/null)" "done" 'sleep 0 & wait; echo done'
in_both "a redirect from /dev/null" "0" 'busybox wc -c < /dev/null'
in_both "/dev/fd and /dev/std* are links into /proc/self/fd" \
	"/proc/self/fd /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2" \
	'echo $(for l in fd stdin stdout stderr; do busybox readlink /dev/$l; done)'
in_both "no controlling terminal: /dev/tty is ENXIO" "No such device or address" \
	'busybox cat /dev/tty 2>&1 | busybox sed "s/.*: //"'
in_both "mknod in /dev is EPERM, creating files works (as a container's /dev tmpfs)" "Operation not permitted
made" \
	'busybox mknod /dev/x c 1 3 2>&1 | busybox sed "s/.*: //"; (: > /dev/newfile) 2>&1 && [ -f /dev/newfile ] && echo made'
# (test_dev_write.sh compares every kind of change in /dev with Linux)
in_both "/dev/shm is an empty directory" "dir" '[ -d /dev/shm ] && [ -z "$(busybox ls -A /dev/shm)" ] && echo dir'
in_both "/dev/shm is a writable tmpfs (1777): POSIX shared memory lives there" "1777 made gone" \
	'echo "$(busybox stat -c %a /dev/shm) $(echo x > /dev/shm/sem.t && busybox cat /dev/shm/sem.t >/dev/null && echo made) $(busybox rm /dev/shm/sem.t && echo gone)"'

# No host device but devfs's: names that exist on most hosts are absent.
in_both "no other host device (/dev/sda /dev/vda /dev/mem /dev/kmsg /dev/loop0 /dev/net/tun)" \
	"ENOENT ENOENT ENOENT ENOENT ENOENT ENOENT" \
	'for d in /dev/sda /dev/vda /dev/mem /dev/kmsg /dev/loop0 /dev/net/tun; do
		if [ -e $d ]; then printf "%s " "$d"; else printf "ENOENT "; fi; done | busybox sed "s/ $//"'
name="run: a device node inside the rootfs does not open (ENXIO)"
if [ -c "$R/tmp/null-in-rootfs" ]; then
	out=$("$RL" run --rootfs "$R" -- /bin/sh -c 'echo x > /tmp/null-in-rootfs' 2>&1)
	if echo "$out" | grep -q 'No such device or address'; then pass "$name"; else fail "$name" "$out"; fi
else
	skip "$name" "mknod in the test rootfs failed"
fi

# With a controlling terminal (a pty from script(1)), /dev/tty and
# /dev/console are that terminal; a process that made itself a new session
# has none: ENXIO, as on Linux.
name="do: /dev/tty and /dev/console are the controlling terminal; ENXIO after setsid"
if command -v script >/dev/null 2>&1; then
	out=$(timeout -k 5 30 script -qec "$RL do -- /bin/busybox sh -c 'echo via-tty > /dev/tty; echo via-console > /dev/console; busybox setsid busybox sh -c \"echo x > /dev/tty\" 2>&1 | busybox sed \"s/.*: //\"'" /dev/null </dev/null 2>&1 | tr -d '\r')
	want="via-tty
via-console
No such device or address"
	if [ "$out" = "$want" ]; then pass "$name"; else fail "$name" "got:  $out" "want: $want"; fi
else
	skip "$name" "no script(1) to give the sandbox a terminal"
fi
