# Hostile arguments to the trapped file syscalls (tests/helpers/
# static_hostile_probe.c): NULL, unmapped, kernel and non-canonical
# pointers, unterminated and 1 MiB paths, bad dirfds, flags and sizes,
# compared with native Linux under every cache policy; then a thread
# rewriting a path while another opens it, against a host file outside the
# view: the outcomes must be legitimate ones, the host file never opened
# (watched with inotify from the host), and the sandbox still serving.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib/conformance.sh"

probe="$BUILD/tests/helpers/static_hostile_probe"
case $probe in /*) ;; *) probe="$PWD/$probe" ;; esac
CONF_ROOTFS=$(fresh_busybox_rootfs) || { skip "hostile" "no busybox-static rootfs"; exit 0; }
CONF_MIN_CASES=100 conformance hostile "$probe"
R=$CONF_ROOTFS

# The race.  The secret lives outside the rootfs; the probe is given its
# absolute host path (and tries ../ escapes) while the path flips.
mkdir -p "$SCRATCH/outside"
echo SECRET > "$SCRATCH/outside/secret"
: > "$SCRATCH/outside/stop"
mkdir -m 0755 "$R/tmp/race"
"$probe" watch "$SCRATCH/outside" > "$SCRATCH/watch.out" 2>&1 &
watcher=$!
wait_until 10 grep -q ready "$SCRATCH/watch.out"
cat "$SCRATCH/outside/secret" >/dev/null	# the watcher's own proof that it sees opens: one
out=$(timeout -k 10 120 "$RL" --overlay=false run --rootfs "$R" --cwd /tmp/race -- /bin/static_hostile_probe race \
	"$SCRATCH/outside/secret" 2>"$SCRATCH/race.err")
rc=$?
cat "$SCRATCH/outside/stop" >/dev/null
wait_until 10 grep -q 'opens of secret' "$SCRATCH/watch.out" || kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null

val() { printf '%s\n' "$out" | awk -v k="race/$1" '$1 == k { print $3 }'; }
name="hostile: path rewritten during open: only legitimate outcomes (the file inside, or not found)"
if [ "$rc" = 0 ] && [ "$(val secret)" = 0 ] && [ "$(val other-content)" = 0 ] && [ "$(val other-errors)" = 0 ] &&
	[ "${out:+x}" ] && [ "$(val inside)" -gt 0 ] && [ "$(val not-found)" -gt 0 ]; then
	pass "$name"
else
	fail "$name" "exit $rc" "$out" "stderr: $(head -5 "$SCRATCH/race.err")"
fi
name="hostile: the host file outside the view is never opened (inotify on the host)"
if grep -qx 'opens of secret: 1' "$SCRATCH/watch.out"; then
	pass "$name"
else
	fail "$name" "expected exactly the host's own sentinel open: $(cat "$SCRATCH/watch.out")"
fi
name="hostile: the sandbox still serves after the race (a final stat)"
if [ "$(val final-stat)" = ok ]; then pass "$name"; else fail "$name" "$out"; fi
