# The red-team suite: one attack class of docs/SECURITY.md per run of
# tests/helpers/static_attack.c, each in `do` mode and with a busybox
# rootfs, each followed by host-side checks of the canaries the test set up
# outside the sandbox: a secret file outside the rootfs (never opened --
# inotify -- in rootfs mode; never changed in either), a canary process
# (never signalled, still alive), a TCP listener on the host's loopback and
# an abstract unix listener (never connected), and the outside directory
# (no new name).  In `do` mode the host root is the sandbox's read-only
# lower layer, so reading the secret there is by design; changing it is not.
. "$TOP/tests/lib.sh"

probe="$BUILD/tests/helpers/static_attack"
watcher="$BUILD/tests/helpers/static_hostile_probe"
case $probe in /*) ;; *) probe="$PWD/$probe"; watcher="$PWD/$watcher" ;; esac
[ -x "$probe" ] && [ -x "$watcher" ] || { fail "attacks: probes built" "make tests-build"; exit 0; }
R=$(fresh_busybox_rootfs) || { skip "attacks" "no busybox-static rootfs"; exit 0; }
cp "$probe" "$R/bin/static_attack"
mkdir -m 0777 "$R/tmp/attack"

C="$SCRATCH/canary"
mkdir -p "$C"
echo "CANARY $RANDOM$RANDOM" >"$C/secret"
: >"$C/stop"
sum=$(cksum <"$C/secret")
# stat(1) does not open the file: the inotify count stays the sandbox's
fingerprint() { stat -c '%s %Y %Z %a %h %i' "$C/secret"; }
print=$(fingerprint)
"$probe" canary-proc "$C/signals" >"$SCRATCH/proc.out" 2>&1 &
canary=$!
"$probe" listen-tcp "$SCRATCH/port" "$SCRATCH/stop-listeners" >"$SCRATCH/tcp.out" 2>&1 &
tcp=$!
abstract=rl-canary-$$-$RANDOM
"$probe" listen-abstract "$abstract" "$SCRATCH/stop-listeners" >"$SCRATCH/abs.out" 2>&1 &
abs=$!
wait_until 10 grep -q ready "$SCRATCH/proc.out"
wait_until 10 test -s "$SCRATCH/port"
wait_until 10 grep -q ready "$SCRATCH/abs.out"
port=$(cat "$SCRATCH/port")

# host_untouched LABEL: the canaries that must hold after every attack
host_untouched() {
	local bad=()
	[ "$(fingerprint)" = "$print" ] || bad+=("the secret changed: $(fingerprint), was $print")
	[ -z "$(ls -A "$C" | grep -vx -e secret -e stop -e signals)" ] || bad+=("new names: $(ls -A "$C")")
	kill -0 "$canary" 2>/dev/null || bad+=("the canary process is gone")
	[ ! -s "$C/signals" ] || bad+=("the canary process got signal(s): $(tr '\n' ' ' <"$C/signals")")
	kill -0 "$tcp" 2>/dev/null || bad+=("the TCP listener is gone")
	kill -0 "$abs" 2>/dev/null || bad+=("the abstract listener is gone")
	if [ ${#bad[@]} -eq 0 ]; then pass "$1: the host is untouched"; else fail "$1: the host is untouched" "${bad[@]}"; fi
}

attack() {   # attack MODE CLASS ARGS...
	local mode=$1 class=$2; shift 2
	local out rc esc
	if [ "$mode" = do ]; then
		mkdir -p "$SCRATCH/do-$class"
		out=$(cd "$SCRATCH/do-$class" && timeout -k 5 120 "$RL" do -- "$probe" "$class" "$@" </dev/null 2>&1)
	else
		out=$(timeout -k 5 120 "$RL" run --rootfs "$R" --cwd /tmp/attack -- /bin/static_attack "$class" "$@" \
			</dev/null 2>&1)
	fi
	rc=$?
	esc=$(printf '%s\n' "$out" | awk -v k="attack.$class/escaped" '$1 == k { print $3 }')
	# in do mode the host root is visible read-only: reading the secret is
	# by design there, so only rootfs mode counts reads as escapes
	if [ "$class" = paths ] && [ "$mode" = do ]; then esc=0; fi
	if [ "$rc" = 0 ] && [ "$esc" = 0 ]; then
		pass "attacks ($mode): $class: nothing outside reached"
	else
		fail "attacks ($mode): $class: nothing outside reached" "exit $rc" "$(printf '%s\n' "$out" | grep -v -- '-> E')"
	fi
	host_untouched "attacks ($mode): $class"
}

"$watcher" watch "$C" >"$SCRATCH/watch.out" 2>&1 &
watch=$!
wait_until 10 grep -q ready "$SCRATCH/watch.out"
cat "$C/secret" >/dev/null   # the watcher's own proof that it sees opens: one
for mode in run do; do
	[ "$mode" = do ] && {
		# the rootfs runs are over: count the secret's opens so far
		cat "$C/stop" >/dev/null
		wait_until 10 grep -q 'opens of secret' "$SCRATCH/watch.out" || kill "$watch" 2>/dev/null
		wait "$watch" 2>/dev/null
		name="attacks (run): the secret outside the rootfs was never opened (inotify on the host)"
		if grep -qx 'opens of secret: 1' "$SCRATCH/watch.out"; then pass "$name"
		else fail "$name" "$(cat "$SCRATCH/watch.out")"; fi
	}
	attack "$mode" paths "$C/secret"
	attack "$mode" signals "$canary"
	attack "$mode" network "$port" "$abstract"
	attack "$mode" kernel
	attack "$mode" devices
	attack "$mode" terminal
done

: >"$SCRATCH/stop-listeners"
wait_until 10 grep -q accepted "$SCRATCH/tcp.out"
wait_until 10 grep -q accepted "$SCRATCH/abs.out"
name="attacks: the host's TCP and abstract listeners were never connected"
if grep -qx 'accepted 0' "$SCRATCH/tcp.out" && grep -qx 'accepted 0' "$SCRATCH/abs.out"; then pass "$name"
else fail "$name" "tcp: $(cat "$SCRATCH/tcp.out")" "abstract: $(cat "$SCRATCH/abs.out")"; fi
name="attacks: the secret's content is unchanged"
if [ "$(cksum <"$C/secret")" = "$sum" ]; then pass "$name"; else fail "$name" "$(cat "$C/secret")"; fi
# the canary records SIGTERM: only SIGKILL ends it
kill -KILL "$canary" "$tcp" "$abs" 2>/dev/null
wait 2>/dev/null
