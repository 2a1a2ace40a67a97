# What a unix server in the sandbox learns of a client in the sandbox (and
# the client of it): SO_PEERCRED, SO_PEERPIDFD and SCM_CREDENTIALS name the
# connecting process and its ids, not the sentry that made the connection
# (sentry/peercred.c); accept, getpeername and recvfrom show the peer's
# address as it bound it, or unnamed (sentry/sockrecv.c).  The probe
# (tests/helpers/static_peercred_probe.c) runs natively in a real tmpfs as
# uid 0 without capabilities, and sandboxed in a --tmpfs; the outputs must
# be identical.  Then the same with the trace asking for listen events
# (the sentry makes the listen itself) and under the host network (the
# sentry makes every unix connect).
. "$TOP/tests/lib.sh"

probe=$BUILD/tests/helpers/static_peercred_probe
[ -x "$probe" ] || { skip "peercred" "probe not built (make tests-build)"; exit 0; }
R=$(fresh_busybox_rootfs) || { skip "peercred" "no busybox-static rootfs"; exit 0; }
cp "$probe" "$R/probe"
mkdir -p "$SCRATCH/native" "$R/w"

if ! mount -t tmpfs -o size=1m rl-peercred "$SCRATCH/native" 2>/dev/null; then
	skip "peercred" "cannot mount the native reference's tmpfs (needs root)"
	exit 0
fi
native=$(cd "$SCRATCH/native" && timeout -k 10 60 setpriv --bounding-set=-all --inh-caps=-all "$probe" 2>&1)
umount "$SCRATCH/native"
if [ "$(printf '%s\n' "$native" | tail -1)" != "end -> ok" ]; then
	fail "peercred: the native reference runs" "$native"
	exit 0
fi

# compare NAME RUNSC-LITE-FLAGS...
compare() {
	local name=$1 out
	shift
	out=$(timeout -k 10 60 "$RL" "$@" run --rootfs "$R" --tmpfs=/w --cwd /w -- /probe 2>&1)
	if [ "$out" = "$native" ]; then pass "$name"; else
		fail "$name" "$(diff <(printf '%s\n' "$native") <(printf '%s\n' "$out") | head -20)"; fi
}

n=$(printf '%s\n' "$native" | grep -c ' -> ')
compare "peercred: peer credentials and addresses as native ($n cases)"
compare "peercred: the same when the trace asks for listen events (the sentry listens)" \
	--trace="$SCRATCH/trace.pb" --trace-events=net
compare "peercred: the same on the host network (the sentry makes every unix connect)" --network=host
