# /proc inside the sandbox: the application's pid namespace, sandbox paths
# in every link and in maps and mounts, the sandbox's hostname, busybox's
# ps/top/free/uptime; and nothing of the host (its paths, the staging
# directory, host pids) anywhere under /proc.
. "$TOP/tests/lib.sh"

R=$(fresh_busybox_rootfs) || { skip "procfs" "no busybox-static rootfs"; exit 0; }
H="$BUILD/tests/helpers"
cp "$H/static_procfs_probe" "$R/bin/"
mkdir -p "$R/tmp/probe"

# The same probe as pid 1 of a new pid namespace with its own /proc, as uid
# 0 without capabilities (what the sandboxed program is), natively and in
# the sandbox, on both platforms (run mode: the probe writes a file).
if unshare --pid --fork --mount-proc true 2>/dev/null && command -v setpriv >/dev/null; then
	mkdir -p "$SCRATCH/native"
	native=$(cd "$SCRATCH/native" && timeout -k 10 30 unshare --pid --fork --mount-proc \
		setpriv --bounding-set=-all --inh-caps=-all "$H/static_procfs_probe" 2>&1)
	for platform in seccomp ptrace; do
		name="procfs: self, status, stat, cwd/root/fd links, children, threads as native ($platform, run)"
		sandbox=$(timeout -k 10 60 "$RL" --platform=$platform run --rootfs "$R" --cwd /tmp/probe -- \
			/bin/static_procfs_probe 2>&1)
		if [ "$native" = "$sandbox" ] && echo "$native" | grep -q '^pid 1: yes'; then pass "$name"; else
			fail "$name" "$(diff <(echo "$native") <(echo "$sandbox"))"; fi
	done
else
	skip "procfs: native comparison" "unshare --pid --mount-proc or setpriv unavailable"
fi

name="procfs: readlink /proc/self/exe is the program's sandbox path"
out=$("$RL" run --rootfs "$R" -- /bin/readlink /proc/self/exe 2>&1)
dout=$("$RL" do -- /bin/busybox readlink /proc/self/exe 2>&1)
if [ "$out" = /bin/busybox ] && [ "$dout" = "$(readlink -f /bin/busybox)" ]; then pass "$name"; else
	fail "$name" "run: $out" "do: $dout"; fi

name="procfs: cat /proc/self/status shows the pids as inside"
out=$("$RL" run --rootfs "$R" -- /bin/sh -c 'echo $$; grep -E "^(Pid|PPid|Tgid|NSpid|TracerPid):" /proc/$$/status' 2>&1)
want=$(printf '1\nTgid:\t1\nPid:\t1\nPPid:\t0\nTracerPid:\t0\nNSpid:\t1')
if [ "$out" = "$want" ]; then pass "$name"; else fail "$name" "$out"; fi

name="procfs: TracerPid is 0 under the ptrace platform (the sentry is not visible)"
out=$("$RL" --platform=ptrace run --rootfs "$R" -- /bin/sh -c 'grep -E "^(TracerPid|PPid):" /proc/self/status' 2>&1)
if [ "$out" = "$(printf 'PPid:\t0\nTracerPid:\t0')" ]; then pass "$name"; else fail "$name" "$out"; fi

name="procfs: ls -l /proc/self/fd/ shows sandbox paths"
out=$("$RL" run --rootfs "$R" -- /bin/sh -c 'exec 5</etc/passwd 6</tmp; ls -l /proc/self/fd/' 2>&1)
if echo "$out" | grep -q ' 5 -> /etc/passwd$' && echo "$out" | grep -q ' 6 -> /tmp$' &&
   ! echo "$out" | grep -qF "$R"; then pass "$name"; else fail "$name" "$out"; fi

name="procfs: /proc/mounts lists only the sandbox's mounts"
out=$("$RL" --overlay=false run --rootfs "$R" -- /bin/cat /proc/mounts 2>&1)
want=$(printf 'none / 9p rw,relatime 0 0\nproc /proc proc rw,relatime 0 0\ntmpfs /dev tmpfs rw,relatime 0 0\ndevpts /dev/pts devpts rw,relatime 0 0\ntmpfs /dev/shm tmpfs rw,relatime 0 0')
oout=$("$RL" run --rootfs "$R" -- /bin/cat /proc/mounts 2>&1)
owant=$(printf 'overlay / overlay rw,relatime 0 0\nproc /proc proc rw,relatime 0 0\ntmpfs /dev tmpfs rw,relatime 0 0\ndevpts /dev/pts devpts rw,relatime 0 0\ntmpfs /dev/shm tmpfs rw,relatime 0 0')
dout=$("$RL" do -- /bin/busybox cat /proc/self/mountinfo 2>&1)
if [ "$out" = "$want" ] && [ "$oout" = "$owant" ] &&
   [ "$(echo "$dout" | awk '{print $5}' | tr '\n' ' ')" = "/ /sys /proc /dev /dev/pts /dev/shm " ]; then
	pass "$name"; else fail "$name" "$out" "overlay: $oout" "do: $dout"; fi

name="procfs: /proc/sys/kernel/hostname is the sandbox's"
out=$("$RL" run --rootfs "$R" --hostname=procfs-box -- /bin/cat /proc/sys/kernel/hostname 2>&1)
if [ "$out" = procfs-box ]; then pass "$name"; else fail "$name" "$out"; fi

name="procfs: ps and ps -o pid,ppid,comm show the sandbox's processes"
# (a pipeline, not a background job: busybox sh gives those /dev/null,
# which this rootfs does not have)
out=$("$RL" run --rootfs "$R" -- /bin/sh -c 'sleep 1 | ps -o pid,ppid,comm; echo ---; sleep 1 | ps' 2>&1)
# sh is 1; sleep and ps are its children; nothing else.  (The sleep child
# may not have exec'd yet, "sh", or be busybox's exec of /proc/self/exe
# before the applet renames itself, "exe": natively too.)
procs=$(echo "$out" | sed -n '2,/^---$/p' | grep -v -- --- | awk '{print $2, $3}' |
	sed 's/^1 \(exe\|sh\)$/1 sleep/' |
	sort | tr '\n' ' ')
if [ "$procs" = "0 sh 1 ps 1 sleep " ] && echo "$out" | grep -q '^ *1 root .*sh -c'; then pass "$name"; else
	fail "$name" "$out"; fi

name="procfs: free, uptime and top -b -n1 run"
out=$("$RL" run --rootfs "$R" -- /bin/sh -c 'free && uptime && top -b -n1' 2>&1); rc=$?
if [ $rc = 0 ] && echo "$out" | grep -q '^Mem:' && echo "$out" | grep -q 'load average' &&
   echo "$out" | grep -q 'PID *PPID'; then pass "$name"; else fail "$name" "exit $rc" "$out"; fi

name="procfs: maps names the program by its sandbox path and hides the exec loader"
out=$("$RL" run --rootfs "$R" -- /bin/cat /proc/self/maps 2>&1)
if echo "$out" | grep -q ' /bin/busybox$' && ! echo "$out" | grep -q 'loader\|\.rl' &&
   ! echo "$out" | grep -qF "$R"; then pass "$name"; else fail "$name" "$out"; fi

# The host paths the sandbox must never show: the rootfs directory, the
# test's scratch directory, the staging directory's names.  The patterns
# come from a file, so no command line under /proc holds them.  (Every
# file but the fd/ links, which are checked by readlink: reading one that
# is a pipe waits for that pipe, natively too.)
name="procfs: no host path under /proc (grep -r, every link, maps)"
printf '%s\n' "$R" "$SCRATCH" "/.rl" "rl/loader" > "$R/tmp/pat"
out=$(env -i PATH=/bin "$RL" run --rootfs "$R" -- /bin/sh -c '
	sleep 2 | {
	find /proc -name fd -prune -o -type f -print 2>/dev/null | xargs grep -F -f /tmp/pat 2>/dev/null |
		grep -v "No such device or address"
	for l in /proc/*/fd/* /proc/*/task/*/fd/* /proc/*/exe /proc/*/cwd /proc/*/root; do readlink $l; done |
		grep -F -f /tmp/pat
	cat /proc/*/maps /proc/*/mountinfo | grep -F -f /tmp/pat
	echo done; }' 2>&1)
if [ "$out" = done ]; then pass "$name"; else fail "$name" "$out"; fi

name="procfs: no host pid: every process's NSpid has one field, pids are the sandbox's"
out=$("$RL" run --rootfs "$R" -- /bin/sh -c 'sleep 1 | cat /proc/[0-9]*/status | grep -E "^NSpid:"; sleep 1 | ls -d /proc/[0-9]*' 2>&1)
if [ "$(echo "$out" | grep -c '^NSpid:	[0-9]*$')" = "$(echo "$out" | grep -c '^NSpid')" ] &&
   [ "$(echo "$out" | grep -c '^NSpid')" -ge 3 ] &&
   [ "$(echo "$out" | grep '^/proc' | sed 's/[0-9]*$/N/' | tr '\n' ' ')" = "/proc/N /proc/N /proc/N " ]; then
	pass "$name"; else fail "$name" "$out"; fi

name="procfs: an fd link to a pipe opens the pipe again, a VFS file's the file, a socket's is ENXIO"
out=$("$RL" run --rootfs "$R" -- /bin/sh -c 'exec 5</etc/hostname; cat /proc/self/fd/5; echo x | cat /proc/self/fd/0
	nc -l -p 8080 </dev/null & sleep 0.3; cat /proc/$!/fd/3 2>&1 | sed "s|^cat: .*/fd/3|fd/3|"; kill $!' 2>&1)
if [ "$out" = "$(printf "busybox-rootfs\nx\nfd/3': No such device or address")" ]; then
	pass "$name"; else fail "$name" "$out"; fi

# /proc/self/fd/N (and /dev/fd/N, /dev/stdin) of a pipe: opened again as
# Linux opens a pipe — bash's process substitution hands out /dev/fd/63 —,
# stat and statfs answered by the pipe itself; a socket is ENXIO.
if [ -x /bin/bash ]; then
	same_output "procfs: /dev/fd/N of pipes (process substitution, /dev/stdin, stat, tee >(...))" -- /bin/bash -c '
		diff <(printf "a\nb\n") <(printf "a\nc\n"); echo "diff=$?"
		cat <(echo from-a-pipe)
		echo piped | cat /dev/stdin
		echo piped | cat /proc/self/fd/0
		echo q | stat -L -c %F /dev/stdin
		paste <(seq 3) <(seq 4 6)
		exec 3> >(cat)
		echo to-fd3 >&3
		echo via-path > /dev/fd/3
		exec 3>&-
		sleep 0.3
		exec 4< <(echo reopened)
		cat /dev/fd/4
		python3 -c "import socket,os; s=socket.socket(socket.AF_UNIX); open(\"/proc/self/fd/%d\" % s.fileno())" 2>&1 | tail -1'
else
	skip "procfs: /dev/fd/N of pipes" "no /bin/bash"
fi
