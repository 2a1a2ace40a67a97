# Races against the trapped syscall families beyond paths
# (tests/helpers/static_race_probe.c): a second thread rewrites a socket
# address during connect and bind, a struct open_how (and the path) during
# openat2, both names during rename -- thousands of times -- while the host
# watches its canaries outside the rootfs: a listener that must never be
# connected, a secret file that must never be opened, renamed or changed,
# names that must never appear.  (Paths during open: test_hostile.sh.)
. "$TOP/tests/lib.sh"

probe="$BUILD/tests/helpers/static_race_probe"
watcher="$BUILD/tests/helpers/static_hostile_probe"
case $probe in /*) ;; *) probe="$PWD/$probe"; watcher="$PWD/$watcher" ;; esac
[ -x "$probe" ] && [ -x "$watcher" ] || { fail "races: probes built" "make tests-build"; exit 0; }
R=$(fresh_busybox_rootfs) || { skip "races" "no busybox-static rootfs"; exit 0; }
cp "$probe" "$R/bin/static_race_probe"
mkdir -m 0777 "$R/tmp/race"

out_dir="$SCRATCH/outside"
mkdir -p "$out_dir"
echo SECRET >"$out_dir/secret"
: >"$out_dir/stop"
secret_sum=$(cksum <"$out_dir/secret")

"$probe" hostlisten "$out_dir/host.sock" >"$SCRATCH/listen.out" 2>&1 &
listener=$!
"$watcher" watch "$out_dir" >"$SCRATCH/watch.out" 2>&1 &
watch=$!
wait_until 10 grep -q ready "$SCRATCH/listen.out"
wait_until 10 grep -q ready "$SCRATCH/watch.out"
cat "$out_dir/secret" >/dev/null   # the watcher's proof that it sees opens: one

val() { printf '%s\n' "$2" | awk -v k="race.$1" '$1 == k { print $3 }'; }
for mode in connect bind openat2 rename; do
	out=$(timeout -k 10 180 "$RL" --overlay=false run --rootfs "$R" --cwd /tmp/race -- \
		/bin/static_race_probe "$mode" "$out_dir" 2>"$SCRATCH/$mode.err")
	rc=$?
	case $mode in
	connect) good=$(val connect/inside "$out"); what="connects reached the socket inside, never the host listener" ;;
	bind) good=$(val bind/bound "$out"); what="binds bound inside, never at the host path" ;;
	openat2) good=$(val openat2/read-only "$out"); what="opens were read-only opens of the file inside, never the secret, never a write handle" ;;
	rename) good=$(val rename/renamed "$out"); what="renames stayed inside" ;;
	esac
	name="races: $mode with its argument rewritten by a second thread: $what"
	if [ "$rc" = 0 ] && [ "$(val "$mode/violations" "$out")" = 0 ] && [ "${good:-0}" -gt 0 ]; then
		pass "$name"
	else
		fail "$name" "exit $rc" "$out" "stderr: $(head -5 "$SCRATCH/$mode.err")"
	fi
done

: >"$out_dir/host.sock.stop"
cat "$out_dir/stop" >/dev/null
wait_until 10 grep -q accepted "$SCRATCH/listen.out"
wait_until 10 grep -q 'opens of secret' "$SCRATCH/watch.out" || kill "$watch" 2>/dev/null
kill "$listener" 2>/dev/null
wait "$listener" "$watch" 2>/dev/null

name="races: the host listener outside the rootfs was never connected"
if grep -qx 'accepted 0' "$SCRATCH/listen.out"; then pass "$name"; else fail "$name" "$(cat "$SCRATCH/listen.out")"; fi
name="races: the host file outside the rootfs was never opened (inotify on the host)"
if grep -qx 'opens of secret: 1' "$SCRATCH/watch.out"; then pass "$name"; else fail "$name" "$(cat "$SCRATCH/watch.out")"; fi
name="races: the host directory outside is as it was (secret unchanged, nothing moved or bound there)"
extra=$(ls -A "$out_dir" | grep -vx -e secret -e stop -e host.sock -e host.sock.stop)
if [ "$(cksum <"$out_dir/secret")" = "$secret_sum" ] && [ -z "$extra" ]; then pass "$name"
else fail "$name" "extra: $extra" "secret: $(cat "$out_dir/secret")"; fi
