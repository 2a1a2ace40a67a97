#!/bin/sh
# The arm64 guest's tests, run as pid 1 (tests/arm64/init.sh).  Every
# result line goes to the console prefixed with "RLTAP " (kernel messages
# may share the console); tests/arm64/run.sh strips the prefix and counts.
# Each case runs the command in `runsc-lite run --rootfs /rootfs`, on both
# platforms, and compares with the same command run natively in the guest
# (chroot /rootfs).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs -o mode=1777 tmp /tmp
mkdir -p /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null

out() { echo "RLTAP $*"; }
pass() { out "ok - arm64: $1"; }
skip() { out "ok - arm64: $1 # SKIP $2"; }
fail() {
	out "not ok - arm64: $1"
	shift
	for l in "$@"; do printf '%s\n' "$l" | head -20 | sed 's/^/RLTAP #  /'; done
}

out "# guest: $(uname -srm), $(nproc) cpus"

# The sandbox rootfs: the guest's own static busybox.
R=/rootfs
mkdir -p $R/bin $R/etc $R/tmp $R/root $R/proc $R/dev $R/sys
chmod 1777 $R/tmp
cp /bin/busybox $R/bin/busybox
for a in $(busybox --list); do [ "$a" = busybox ] || ln -sf busybox $R/bin/$a; done
printf 'root:x:0:0:root:/root:/bin/sh\n' > $R/etc/passwd
printf 'root:x:0:\n' > $R/etc/group
printf 'arm64 guest file\nsecond line\n' > $R/etc/motd
cat > $R/bin/pipeline.sh <<'SH'
#!/bin/sh
echo c a b | tr ' ' '\n' | sort | head -2
n=$(ls /bin | wc -l)
echo "applets=$n"
(echo in-subshell; exit 3)
echo "subshell=$?"
sh -c 'echo nested $0' x
/bin/sh /bin/true.sh && echo chained
SH
printf '#!/bin/sh\nexit 0\n' > $R/bin/true.sh
chmod 755 $R/bin/pipeline.sh $R/bin/true.sh
cp /rl/static_forkexec /rl/static_thread_opens $R/bin/

# run_both NAME CMD...: stdout and exit status, sandbox vs chroot.
compare() {
	name=$1; shift
	# (into files, under SIGKILL timeouts: a hung run is one failed case,
	# not a guest that never powers off; 137 = killed by the timeout)
	timeout -s KILL 60 chroot $R "$@" >/tmp/native.out 2>/tmp/native.err
	rc=$?
	native=$(cat /tmp/native.out; echo "exit=$rc")
	timeout -s KILL 120 /rl/runsc-lite --platform=$P run --rootfs $R -- "$@" >/tmp/sandbox.out 2>/tmp/sandbox.err
	rc=$?
	sandbox=$(cat /tmp/sandbox.out; echo "exit=$rc")
	if [ "$native" = "$sandbox" ]; then
		pass "$P: $name"
	else
		printf '%s\n' "$native" >/tmp/native.out
		printf '%s\n' "$sandbox" >/tmp/sandbox.out
		fail "$P: $name" "native vs sandbox: $(diff /tmp/native.out /tmp/sandbox.out | head -12)" \
			"sandbox stderr: $(head -5 /tmp/sandbox.err)"
	fi
}

# ls -l / without the mount points whose attributes differ by design
# (the sandbox's procfs, devfs, tmpfs against the rootfs's empty dirs)
cat > $R/bin/ls-root.sh <<'SH'
#!/bin/sh
ls -l / | grep -v -e ' proc$' -e ' dev$' -e ' sys$' -e ' tmp$' -e '^total'
SH
chmod 755 $R/bin/ls-root.sh

for P in seccomp ptrace; do
	compare "echo" /bin/echo hello from arm64
	compare "ls -l /" /bin/ls-root.sh
	compare "cat a file" /bin/cat /etc/motd
	compare "script: pipeline, fork, exec" /bin/pipeline.sh
	compare "sh -c 'exit 7'" /bin/sh -c 'exit 7'
	compare "write and read /tmp" /bin/sh -c 'echo data-$$ > /tmp/f && cat /tmp/f | sed s/-.*// && rm /tmp/f && ls /tmp'
	if [ -e $R/tmp/f ]; then fail "$P: /tmp write stays in the sandbox" "found $R/tmp/f"; else pass "$P: /tmp write stays in the sandbox"; fi
	# (natively the append lands in the rootfs: put the file back before
	# the sandbox runs, and check afterwards that the sandbox's did not)
	native=$(timeout 120 chroot $R /bin/sh -c 'echo x >> /etc/motd; cat /etc/motd'; echo "exit=$?")
	printf 'arm64 guest file\nsecond line\n' > $R/etc/motd
	sandbox=$(timeout 300 /rl/runsc-lite --platform=$P run --rootfs $R -- /bin/sh -c 'echo x >> /etc/motd; cat /etc/motd' 2>/tmp/sandbox.err; echo "exit=$?")
	if [ "$native" = "$sandbox" ]; then
		pass "$P: overlay: a write to /etc is seen inside"
	else
		fail "$P: overlay: a write to /etc is seen inside" "native: $native" "sandbox: $sandbox" "$(head -5 /tmp/sandbox.err)"
	fi
	# processes and threads: 50 children exec at once; 8 threads' opens
	# (on ptrace, before Linux 6.9, threads have no pidfd of their own)
	compare "fork: 50 children exec /bin/true, all reaped" /bin/static_forkexec 50 /bin/true
	compare "threads: 8 x 300 concurrent opens, no misrouted reply" /bin/sh -c 'cd /tmp && /bin/static_thread_opens 8 300 && rm -f /tmp/*'
	mount -t proc proc $R/proc
	compare "readlink /proc/self/exe" /bin/readlink /proc/self/exe
	umount $R/proc
	if grep -q '^x$' $R/etc/motd; then
		fail "$P: the rootfs is untouched" "$(cat $R/etc/motd)"
		printf 'arm64 guest file\nsecond line\n' > $R/etc/motd
	else
		pass "$P: the rootfs is untouched"
	fi
done
# the policy unit tests, built for arm64 (the filters load for real here)
for t in test_app_policy test_helper_policies; do
	out "# unit: $t"
	CMOCKA_MESSAGE_OUTPUT=TAP timeout 120 /rl/$t >/tmp/unit.out 2>&1
	rc=$?
	grep -E '^(not )?ok [0-9]+ - ' /tmp/unit.out |
		sed "s/^\(not \)\{0,1\}ok [0-9]* - /\1ok - arm64: $t: /; s/^/RLTAP /"
	if [ $rc -ne 0 ] && ! grep -q '^not ok' /tmp/unit.out; then
		fail "$t exited with status $rc" "$(tail -5 /tmp/unit.out)"
	fi
done

# AArch32: killed by the filter, never run in the sandbox
/rl/aarch32_killed /tmp | sed 's/^\(not \)\{0,1\}ok - /\1ok - arm64: /; s/^/RLTAP /'
if [ -x /tmp/aarch32-getpid ]; then
	cp /tmp/aarch32-getpid $R/bin/a32
	for P in seccomp ptrace; do
		o=$(timeout 120 /rl/runsc-lite --platform=$P run --rootfs $R -- /bin/a32 2>&1; echo "exit=$?")
		# (the sentry's exec takes only native ELF: ENOEXEC, status 126)
		case $o in
		*"Exec format error"*exit=126) pass "$P: a 32-bit program never runs in the sandbox (ENOEXEC)" ;;
		*) fail "$P: a 32-bit program never runs in the sandbox (ENOEXEC)" "$o" ;;
		esac
	done
fi

# a helper that died of a fault leaves the kernel's line: keep it in the log
dmesg | grep -iE 'unhandled|segfault|BUG|Oops' | sed 's/^/RLTAP # dmesg: /'
out "# done"
sync
poweroff -f
