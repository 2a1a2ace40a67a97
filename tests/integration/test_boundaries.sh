# The process boundaries of one sandbox, checked from the outside.
. "$TOP/tests/lib.sh"

# --- the request really crosses 9P to a separate gofer process ------------
log="$SCRATCH/debug.log"
out=$("$RL" --debug-log="$log" do -- /bin/cat /etc/hostname 2>&1)
name="9P: cat's openat is served by the sentry over 9P by a separate gofer"
sentry_pid=$(sed -n 's/.*runsc-lite\[[0-9]*\]: gofer pid \([0-9]*\), sentry pid \([0-9]*\).*/\2/p' "$log")
gofer_pid=$(sed -n 's/.*runsc-lite\[[0-9]*\]: gofer pid \([0-9]*\), sentry pid \([0-9]*\).*/\1/p' "$log")
if [ "$out" = "$(cat /etc/hostname)" ] &&
   grep -q 'sentry\[1\]: \[[0-9]*\] openat("/etc/hostname" flags=0) = answered' "$log" &&
   grep -q 'sentry\[1\]: 9p Twalk' "$log" && grep -q "sentry\[1\]: 9p Twalkopen" "$log" &&
   grep -q "sentry\[1\]: 9p Rwalkopen" "$log" &&
   grep -q "gofer\[$gofer_pid\]: .*walkopen" "$log" && [ -n "$gofer_pid" ] && [ "$gofer_pid" != "$sentry_pid" ]; then
	pass "$name"
else
	fail "$name" "output: $out" "$(grep -E 'hostname|walkopen' "$log" | head -10)"
fi

name="9P: the file came back as an FD donated over SCM_RIGHTS"
if grep -q "gofer\[$gofer_pid\]: 9p Twalkopen .* -> Rwalkopen .* +fd (donated)" "$log" &&
   grep -q 'sentry\[1\]: 9p Rwalkopen .* fd=[0-9]* (donated)' "$log"; then
	pass "$name"; else fail "$name" "$(grep -E 'walkopen' "$log" | head -6)"; fi

name="9P: read() of the opened file is not trapped (runs natively)"
if ! grep -q 'sentry\[1\]: \[[0-9]*\] read(' "$log"; then pass "$name"; else fail "$name"; fi

# --- a running sandbox, inspected from the host -----------------------------
log2="$SCRATCH/running.log"
"$RL" --debug-log="$log2" do -- /bin/busybox sleep 30 &
cli=$!
spid() { sed -n 's/.*gofer pid \([0-9]*\), sentry pid \([0-9]*\).*/\2/p' "$log2"; }
gpid() { sed -n 's/.*gofer pid \([0-9]*\), sentry pid \([0-9]*\).*/\1/p' "$log2"; }
# the application's first task: the sentry's child, or under ptrace the
# child of the sentry's helper (which stays in the sentry's pid namespace)
apid() {
	s=$(spid)
	c=$(cat /proc/"$s"/task/"$s"/children 2>/dev/null | awk '{print $1}')
	if [ -n "$c" ] && [ "$(readlink /proc/"$c"/ns/pid)" = "$(readlink /proc/"$s"/ns/pid)" ]; then
		c=$(cat /proc/"$c"/task/"$c"/children 2>/dev/null | awk '{print $1}')
	fi
	echo "$c"
}
app_started() { [ -n "$(spid)" ] && grep -q 'exec plan' "$log2"; }
if ! wait_until 10 app_started; then
	fail "running sandbox starts" "$(tail -5 "$log2")"
else
	S=$(spid); G=$(gpid); A=$(apid)
	field() { awk -v k="$2:" '$1 == k { print $2 }' /proc/"$1"/status; }

	name="sentry: seccomp on, no_new_privs, its root is the staging tmpfs (no host file)"
	ls_root=$(ls -A /proc/"$S"/root/ 2>&1 | tr '\n' ' ')
	if [ "$(field "$S" Seccomp)" = 2 ] && [ "$(field "$S" NoNewPrivs)" = 1 ] && [ "$ls_root" = ".rl " ]; then
		pass "$name"; else fail "$name" "Seccomp=$(field "$S" Seccomp) root: $ls_root"; fi

	name="gofer: seccomp on, no_new_privs, no host /proc in its view"
	if [ "$(field "$G" Seccomp)" = 2 ] && [ "$(field "$G" NoNewPrivs)" = 1 ] &&
	   [ -z "$(ls -A /proc/"$G"/root/proc 2>/dev/null)" ]; then
		pass "$name"; else fail "$name" "Seccomp=$(field "$G" Seccomp)"; fi

	name="application: own user/pid/mnt/ipc/uts/net namespaces"
	bad=""
	for ns in user pid mnt ipc uts net; do
		[ "$(readlink /proc/"$A"/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] || bad="$bad $ns"
		[ "$(readlink /proc/"$A"/ns/$ns)" != "$(readlink /proc/"$S"/ns/$ns)" ] || bad="$bad sentry-$ns"
	done
	if [ -n "$A" ] && [ -z "$bad" ]; then pass "$name"; else fail "$name" "app=$A shared:$bad"; fi

	name="application: no capabilities, no_new_privs, seccomp, empty read-only kernel root"
	ls_root=$(ls -A /proc/"$A"/root/ 2>&1 | tr '\n' ' ')
	if [ "$(field "$A" CapEff)" = 0000000000000000 ] && [ "$(field "$A" CapBnd)" = 0000000000000000 ] &&
	   [ "$(field "$A" NoNewPrivs)" = 1 ] && [ "$(field "$A" Seccomp)" = 2 ] &&
	   [ "$ls_root" = ".rl " ] && [ "$(awk '$5 == "/" { print substr($6, 1, 3) }' /proc/"$A"/mountinfo)" = "ro," ]; then
		pass "$name"; else fail "$name" "CapEff=$(field "$A" CapEff) root: $ls_root" "$(cat /proc/"$A"/mountinfo)"; fi

	name="supervision: SIGKILL to the sentry kills the application (checked from outside)"
	kill -KILL "$S"
	gone() { ! kill -0 "$A" 2>/dev/null; }
	if wait_until 10 gone; then pass "$name"; else fail "$name" "app $A still alive"; kill -KILL "$A"; fi
	wait "$cli"
	rc=$?
	name="supervision: runsc-lite exits 128+9 when its sentry is killed"
	if [ "$rc" = 137 ]; then pass "$name"; else fail "$name" "exit $rc"; fi
fi
kill -KILL "$cli" 2>/dev/null; wait "$cli" 2>/dev/null

# --- a tree of forked processes dies with its sentry ---------------------
# Every process of the sandbox, found from the outside as descendants of
# the sentry, must be gone after a SIGKILL to the sentry alone.
log5="$SCRATCH/tree.log"
"$RL" --debug-log="$log5" do -- /bin/busybox sh -c \
	'busybox sleep 60 | busybox sleep 60 | (busybox sleep 60 | busybox sleep 60)' &
cli=$!
descendants() { for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do echo "$c"; descendants "$c"; done; }
tree_sentry() { sed -n 's/.*gofer pid \([0-9]*\), sentry pid \([0-9]*\).*/\2/p' "$log5"; }
# (a pipeline: background jobs would need /dev/null) sh, its 2 sleeps, the
# subshell and its 2 sleeps
tree_up() { [ -n "$(tree_sentry)" ] && [ "$(descendants "$(tree_sentry)" | wc -l)" -ge 6 ]; }
name="supervision: SIGKILL to the sentry kills a whole tree of forked processes (checked from outside)"
if wait_until 20 tree_up; then
	S=$(tree_sentry)
	tree=$(descendants "$S")
	kill -KILL "$S"
	all_gone() { for p in $tree; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
	if wait_until 10 all_gone; then pass "$name"; else
		fail "$name" "alive: $(for p in $tree; do kill -0 "$p" 2>/dev/null && ps -o pid=,args= -p "$p"; done)"
		for p in $tree; do kill -KILL "$p" 2>/dev/null; done
	fi
else
	fail "$name" "the tree did not start: $(tree_sentry) $(descendants "$(tree_sentry)" | tr '\n' ' ')"
fi
kill -KILL "$cli" 2>/dev/null; wait "$cli" 2>/dev/null

# --- nothing leaks in ---------------------------------------------------------
name="leaks: the application holds no fd beyond stdio"
out=$("$RL" do -- "$BUILD/tests/helpers/fdcheck" 2>&1)
if [ "$out" = none ]; then pass "$name"; else fail "$name" "$out"; fi

name="leaks: hostname and pid are the sandbox's own"
out=$("$RL" do -- /bin/busybox sh -c 'busybox hostname; echo $$' 2>&1)
if [ "$out" = "$(printf 'runsc-lite\n1')" ]; then pass "$name"; else fail "$name" "$out"; fi

# --- exit status of a killed application; a dead gofer ----------------------
log3="$SCRATCH/killed.log"
"$RL" --debug-log="$log3" do -- /bin/busybox sleep 30 &
cli=$!
started() { grep -q 'exec plan' "$log3"; }
name="status: the application killed by SIGKILL gives 128+9"
if wait_until 10 started; then
	S=$(sed -n 's/.*sentry pid \([0-9]*\).*/\1/p' "$log3")
	A=$(awk '{print $1}' /proc/"$S"/task/"$S"/children)
	kill -KILL "$A"
	wait "$cli"; rc=$?
	if [ "$rc" = 137 ]; then pass "$name"; else fail "$name" "exit $rc"; fi
else
	fail "$name" "did not start"; kill -KILL "$cli"
fi

log4="$SCRATCH/gofer.log"
rm -f "$SCRATCH/fifo"; mkfifo "$SCRATCH/fifo"
"$RL" --debug-log="$log4" do -- /bin/busybox sh -c 'read x; cat /etc/hostname; echo "cat: $?"' \
	<"$SCRATCH/fifo" >"$SCRATCH/gofer.out" 2>&1 &
cli=$!
name="supervision: the gofer dies -> file syscalls fail with EIO, the sandbox exits cleanly"
exec 7>"$SCRATCH/fifo"
if wait_until 10 grep -q 'exec plan' "$log4"; then
	G=$(sed -n 's/.*gofer pid \([0-9]*\).*/\1/p' "$log4")
	kill -KILL "$G"
	echo go >&7; exec 7>&-
	wait "$cli"; rc=$?
	out=$(cat "$SCRATCH/gofer.out")
	# busybox sh runs its cat applet through /proc/self/exe: either the
	# exec fails (126) or cat's open of /etc/hostname does (1); EIO both ways
	if echo "$out" | grep -q 'Input/output error' && echo "$out" | grep -Eq 'cat: (126|1)$' && [ "$rc" = 0 ]; then
		pass "$name"; else fail "$name" "exit $rc" "$out"; fi
else
	exec 7>&-; fail "$name" "did not start"; kill -KILL "$cli"
fi
