# The application's seccomp policy (configs/app.policy) from inside:
# tests/helpers/static_policy_probe.c runs natively -- uid 0 without
# capabilities in a user namespace of its own, the sandboxed program's
# credentials -- and in the sandbox (`do`, and `run` with a busybox
# rootfs).  Every case must give the native answer, except the ones listed
# below with the answer the policy gives on purpose (docs/SECURITY.md says
# why for each).  Then TIOCSTI on the caller's terminal (a pty from
# script(1)).
. "$TOP/tests/lib.sh"

probe="$BUILD/tests/helpers/static_policy_probe"
case $probe in /*) ;; *) probe="$PWD/$probe" ;; esac
[ -x "$probe" ] || { fail "policy: probe built" "no $probe (make tests-build)"; exit 0; }

# case -> the sandbox's answer, where it differs from native on purpose
declare -A WANT=(
	# no namespace created or joined; no fs-context unsharing
	[policy.namespaces/unshare-newuser]=EPERM
	[policy.namespaces/unshare-fs]=EPERM
	[policy.namespaces/setns-bad-fd]=EPERM
	[policy.namespaces/clone-newuser]=EPERM
	[policy.namespaces/clone-untraced]=EPERM
	[policy.namespaces/clone3]=ENOSYS
	# the machine: refused before the kernel looks at the arguments (or
	# whether it was built with modules, kexec, ioperm)
	[policy.machine/init_module]=EPERM
	[policy.machine/finit_module]=EPERM
	[policy.machine/delete_module]=EPERM
	[policy.machine/kexec_load]=EPERM
	[policy.machine/kexec_file_load]=EPERM
	[policy.machine/quotactl]=EPERM
	[policy.machine/iopl]=EPERM
	[policy.machine/ioperm]=EPERM
	[policy.machine/open_by_handle_at]=EPERM
	[policy.machine/adjtimex-read]=EPERM
	[policy.machine/syslog-read]=EPERM
	# closed subsystems
	[policy.subsystems/bpf-map-create]=EPERM
	[policy.subsystems/perf_event_open]=EACCES
	[policy.subsystems/userfaultfd]=EPERM
	[policy.subsystems/io_uring_setup]=ENOSYS
	[policy.subsystems/io_uring_enter]=ENOSYS
	[policy.subsystems/keyctl-get-keyring]=ENOSYS
	[policy.subsystems/add_key]=ENOSYS
	[policy.subsystems/request_key]=ENOSYS
	[policy.subsystems/modify_ldt-read]=ENOSYS
	[policy.subsystems/set_thread_area]=ENOSYS
	[policy.subsystems/name_to_handle_at-null]=EOPNOTSUPP
	[policy.subsystems/nr-470-listns]=ENOSYS
	[policy.subsystems/nr-461-lsm_list_modules]=ENOSYS
	# foreign ABIs are killed, never run
	[policy.subsystems/int80-getpid]=killed:SYS
	[policy.subsystems/x32-getpid]=killed:SYS
	# a listener of the program's own would outrank the sentry's
	[policy.subsystems/seccomp-new-listener]=EBUSY
	# terminal and inode-flag requests refused on every fd; the upper
	# half of an ioctl request or fcntl command is not ignored but refused
	[policy.ioctl/tiocsti-pty-not-ctty]=EPERM
	[policy.ioctl/tiocsti-master]=EPERM
	[policy.ioctl/tiocsti-upper-bits]=EPERM
	[policy.ioctl/tioclinux]=EPERM
	[policy.ioctl/tioccons]=EPERM
	[policy.ioctl/tiocsetd]=EPERM
	[policy.ioctl/fionread-upper-bits]=EINVAL
	[policy.ioctl/fs_ioc_setflags-memfd]=EPERM
	[policy.ioctl/fcntl-setlease]=EACCES
	[policy.ioctl/fcntl-upper-bits]=EINVAL
	[policy.process/personality-read-implies-exec]=EPERM
	# socket families and protocols the sandbox has no business reaching
	[policy.sockets/inet-raw-icmp]=EPERM
	[policy.sockets/inet6-raw]=EPERM
	[policy.sockets/packet]=EPERM
	[policy.sockets/inet-sctp]=EPROTONOSUPPORT
	[policy.sockets/inet-dccp]=ESOCKTNOSUPPORT
	[policy.sockets/netlink-audit]=EPROTONOSUPPORT
	[policy.sockets/alg]=EAFNOSUPPORT
	[policy.sockets/vsock]=EAFNOSUPPORT
	[policy.sockets/key]=EAFNOSUPPORT
	[policy.sockets/bluetooth]=EAFNOSUPPORT
	[policy.sockets/family-unspec]=EAFNOSUPPORT
)

# compare LABEL NATIVE SANDBOX
compare() {
	local label=$1 native=$2 sandbox=$3 c v bad=() n=0
	local -A N=() S=()
	while IFS= read -r l; do [ -n "$l" ] && N[${l%% -> *}]=${l#* -> }; done <<<"$native"
	while IFS= read -r l; do [ -n "$l" ] && S[${l%% -> *}]=${l#* -> }; done <<<"$sandbox"
	for c in "${!N[@]}"; do
		case $c in end/*|*/state*) continue ;; esac
		n=$((n + 1))
		if [ -z "${S[$c]+x}" ]; then bad+=("$c: missing in the sandbox"); continue; fi
		v=${S[$c]}
		if [ -n "${WANT[$c]+x}" ]; then
			[ "$v" = "${WANT[$c]}" ] || bad+=("$c: sandbox $v, policy says ${WANT[$c]} (native ${N[$c]})")
		elif [ "$v" != "${N[$c]}" ]; then
			bad+=("$c: sandbox $v, native ${N[$c]}")
		fi
	done
	for c in "${!WANT[@]}"; do
		[ -n "${N[$c]+x}" ] || bad+=("$c: listed, but the probe has no such case")
	done
	if [ "$n" -ge 100 ] && [ ${#bad[@]} -eq 0 ]; then
		pass "policy ($label): $n cases as native or as the policy says"
	else
		fail "policy ($label): $n cases as native or as the policy says" "${bad[@]}"
	fi
}

mkdir -p "$SCRATCH/native" "$SCRATCH/do"
native=$(cd "$SCRATCH/native" && "$probe" 2>&1)
sandbox=$(cd "$SCRATCH/do" && timeout -k 5 60 "$RL" do -- "$probe" 2>&1)
compare do "$native" "$sandbox"

if R=$(fresh_busybox_rootfs); then
	cp "$probe" "$R/bin/static_policy_probe"
	mkdir -p "$R/tmp/policy"
	sandbox=$(timeout -k 5 60 "$RL" run --rootfs "$R" --cwd /tmp/policy -- /bin/static_policy_probe 2>&1)
	compare "run, busybox rootfs" "$native" "$sandbox"
else
	skip "policy (run, busybox rootfs)" "no busybox-static rootfs"
fi

# TIOCSTI on the terminal the sandbox was started from: script(1) gives
# the command a pty as its controlling terminal and stdin.  Natively a
# process may push input into its own terminal (dev.tty.legacy_tiocsti=1);
# from the sandbox it must never.
name="policy: TIOCSTI into the caller's terminal is refused (EPERM)"
if ! command -v script >/dev/null; then
	skip "$name" "no script(1) for a pty"
else
	nat=$(script -qec "$probe tiocsti" /dev/null </dev/null 2>&1 | tr -d '\r' | grep '^tiocsti-stdin')
	out=$(script -qec "timeout -k 5 60 $RL do -- $probe tiocsti" /dev/null </dev/null 2>&1 | tr -d '\r' |
		grep '^tiocsti-stdin')
	if [ "$out" = "tiocsti-stdin -> EPERM" ]; then
		pass "$name"
	else
		fail "$name" "sandbox: '$out' (native: '$nat')"
	fi
fi

# Not interactive (stdin is no terminal): the sandbox has a session of its
# own and no controlling terminal, even when its stdout is the caller's
# terminal -- natively the same command still opens /dev/tty.
name="policy: not interactive, the sandbox has no controlling terminal (/dev/tty ENXIO)"
if ! command -v script >/dev/null; then
	skip "$name" "no script(1) for a pty"
else
	cmd="sh -c 'echo x > /dev/tty && echo tty-ok' </dev/null 2>&1 | sed 's/.*: //'"
	nat=$(script -qec "$cmd" /dev/null </dev/null 2>&1 | tr -d '\r' | tail -1)
	out=$(script -qec "timeout -k 5 60 $RL do -- $cmd" /dev/null </dev/null 2>&1 | tr -d '\r' | tail -1)
	if [ "$out" = "No such device or address" ] && [ "$nat" = tty-ok ]; then
		pass "$name"
	else
		fail "$name" "sandbox: '$out' (native: '$nat')"
	fi
fi

# --preserve-fds=N passes the caller's fds 3..3+N-1 on, as runc; without it
# the program has stdio only, whatever the caller had open.
echo preserved-input >"$SCRATCH/in.txt"
name="policy: --preserve-fds=2 gives the program the caller's fds 3 and 4"
out=$(timeout -k 5 60 "$RL" do --preserve-fds=2 -- /bin/sh -c 'cat <&3; echo written >&4' \
	3<"$SCRATCH/in.txt" 4>"$SCRATCH/out.txt" 2>&1)
if [ "$out" = preserved-input ] && [ "$(cat "$SCRATCH/out.txt")" = written ]; then pass "$name"
else fail "$name" "out: $out" "fd 4 got: $(cat "$SCRATCH/out.txt")"; fi
name="policy: without --preserve-fds the caller's open fds 3 and 4 do not reach the program"
out=$(timeout -k 5 60 "$RL" do -- "$BUILD/tests/helpers/fdcheck" 3<"$SCRATCH/in.txt" 4>"$SCRATCH/out.txt" 2>&1)
if [ "$out" = none ]; then pass "$name"; else fail "$name" "$out"; fi
name="policy: --preserve-fds=1 with fd 3 closed is refused with one line"
out=$("$RL" do --preserve-fds=1 -- /bin/true 3<&- 2>&1)
rc=$?
if [ "$rc" = 125 ] && [ "$out" = "runsc-lite: --preserve-fds=1: fd 3 is not open" ]; then pass "$name"
else fail "$name" "exit $rc: $out"; fi
