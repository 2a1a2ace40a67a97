# create/run/exec --preserve-fds N: the caller's fds 3..3+N-1 are the
# process's 3..3+N-1, as runc passes them (exec: over the control channel
# with SCM_RIGHTS, after stdio; create: through the sentry to the first
# task), and nothing above them.  What the process reads and writes through
# them is compared with the same shell run natively with the same fds.
. "$TOP/tests/lib.sh"

R=$(busybox_rootfs) || { skip "oci-preserve-fds" "no busybox rootfs"; exit 0; }
[ "$(id -u)" = 0 ] || [ -n "${XDG_RUNTIME_DIR:-}" ] || { skip "oci-preserve-fds" "not root and no XDG_RUNTIME_DIR"; exit 0; }
RST="$SCRATCH/rl-state"
rl() { "$RL" --root "$RST" "$@"; }
cleanup() { rl delete --force pf1 >/dev/null 2>&1; rl delete --force pf2 >/dev/null 2>&1; true; }
trap cleanup EXIT

# bundle DIR ARGS_JSON
bundle() {
	mkdir -p "$1"
	cat >"$1/config.json" <<EOF
{
	"ociVersion": "1.0.2",
	"process": { "args": $2, "env": ["PATH=/bin"], "cwd": "/", "user": { "uid": 0, "gid": 0 } },
	"root": { "path": "$R", "readonly": true },
	"mounts": [ { "destination": "/proc", "type": "proc", "source": "proc" } ]
}
EOF
}
echo three >"$SCRATCH/f3"
echo four >"$SCRATCH/f4"
echo five >"$SCRATCH/f5"
PROG='cat <&3; cat <&4; echo written >&4 2>/dev/null || echo fd4-read-only; [ -e /proc/self/fd/5 ] && echo fd5-leaked; echo end'

name="oci: run --preserve-fds 2: the first process has the caller's fds 3 and 4, not 5 (as natively with 2)"
bundle "$SCRATCH/b1" "[\"sh\", \"-c\", \"$PROG\"]"
native=$(/bin/busybox sh -c "$PROG" 3<"$SCRATCH/f3" 4<"$SCRATCH/f4" 2>&1)
got=$(rl run --preserve-fds 2 --bundle "$SCRATCH/b1" pf0 3<"$SCRATCH/f3" 4<"$SCRATCH/f4" 5<"$SCRATCH/f5" 2>&1)
if [ "$got" = "$native" ]; then pass "$name"; else fail "$name" "native: $native" "sandbox: $got"; fi

name="oci: exec --preserve-fds 2: the process reads the caller's fds 3 and 4, not 5 (as natively)"
bundle "$SCRATCH/b2" '["sleep", "30"]'
rl run -d --bundle "$SCRATCH/b2" pf1 >/dev/null 2>"$SCRATCH/err"
got=$(rl exec --preserve-fds 2 pf1 sh -c "$PROG" 3<"$SCRATCH/f3" 4<"$SCRATCH/f4" 5<"$SCRATCH/f5" 2>&1)
if [ "$got" = "$native" ]; then pass "$name"; else fail "$name" "native: $native" "sandbox: $got" "$(cat "$SCRATCH/err")"; fi

name="oci: exec --preserve-fds 1: a write through fd 3 reaches the caller's file, a pipe's reader too"
: >"$SCRATCH/w3"
rl exec --preserve-fds 1 pf1 sh -c 'echo via-fd3 >&3' 3>>"$SCRATCH/w3"
piped=$(rl exec --preserve-fds 1 pf1 sh -c 'echo via-pipe >&3' 3>&1 >/dev/null)
if [ "$(cat "$SCRATCH/w3")" = via-fd3 ] && [ "$piped" = via-pipe ]; then pass "$name"; else
	fail "$name" "file: $(cat "$SCRATCH/w3")" "pipe: $piped"; fi

name="oci: exec -d --preserve-fds 1: the detached process keeps fd 3 after exec returns"
rl exec -d --preserve-fds 1 pf1 sh -c 'sleep 0.2; echo late >&3' 3>"$SCRATCH/w3" 2>"$SCRATCH/err"
wait_until 5 grep -q late "$SCRATCH/w3"
if [ "$(cat "$SCRATCH/w3")" = late ]; then pass "$name"; else fail "$name" "$(cat "$SCRATCH/w3")" "$(cat "$SCRATCH/err")"; fi

i=0
while IFS='|' read -r what flag want; do
	i=$((i + 1))
	name="oci: exec --preserve-fds refused clearly, exit 1: $what"
	rl exec $flag pf1 true 3<"$SCRATCH/f3" 2>"$SCRATCH/err"; rc=$?
	if [ $rc = 1 ] && grep -q -- "$want" "$SCRATCH/err" && [ "$(wc -l <"$SCRATCH/err")" = 1 ]; then pass "$name"; else
		fail "$name" "exit $rc" "$(cat "$SCRATCH/err")"; fi
done <<'EOF'
fds beyond what the caller has open|--preserve-fds=3|fd 4 is not open
more than one message can carry|--preserve-fds=251|from 0 to 250
negative|--preserve-fds=-1|from 0 to 250
not a number|--preserve-fds=2x|from 0 to 250
EOF
name="oci: the container still runs after the refused execs"
out=$(rl exec pf1 echo alive 2>&1)
if [ "$out" = alive ]; then pass "$name"; else fail "$name" "$out"; fi
