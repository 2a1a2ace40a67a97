# Cache policies of the gofer mount (--file-access / --cache-policy).
. "$TOP/tests/lib.sh"

R=$(fresh_busybox_rootfs) || { skip "cache policies" "no busybox rootfs"; exit 0; }
cp "$BUILD/tests/helpers/static_stat_twice" "$R/bin/"
echo hello > "$R/tmp/f"

# 9P requests the second stat cost: the T lines between the getcwd marker
# and the stat that follows it.
second_stat_cost() {
	awk '/\] getcwd\(/ { on = 1; n = 0; next } on && /sentry\[1\]: 9p T/ { n++ }
	     on && /\] (newfstatat|stat|statx)\(/ { print n; exit }' "$1"
}

name="fscache (--file-access=exclusive): a cached stat costs no 9P request"
"$RL" --debug-log="$SCRATCH/ex.log" --file-access=exclusive run --rootfs "$R" -- /bin/static_stat_twice /tmp/f >/dev/null 2>&1
cost=$(second_stat_cost "$SCRATCH/ex.log")
if [ "$cost" = 0 ]; then pass "$name"; else fail "$name" "9P requests: '$cost'"; fi

name="remote_revalidating (--file-access=shared): every stat asks the gofer"
"$RL" --debug-log="$SCRATCH/sh.log" --file-access=shared run --rootfs "$R" -- /bin/static_stat_twice /tmp/f >/dev/null 2>&1
cost=$(second_stat_cost "$SCRATCH/sh.log")
if [ -n "$cost" ] && [ "$cost" -ge 1 ]; then pass "$name"; else fail "$name" "9P requests: '$cost'"; fi

# Host-side changes while the sandbox runs, synchronised through a FIFO.
host_changes() {
	policy=$1
	echo hello > "$R/tmp/f"; rm -f "$R/tmp/new"; echo bye > "$R/tmp/gone"
	rm -f "$SCRATCH/go"; mkfifo "$SCRATCH/go"
	"$RL" --cache-policy="$policy" run --rootfs "$R" -- /bin/sh -c \
		'stat -c %s /tmp/f; cat /tmp/gone; ls /tmp/new 2>&1; read x; stat -c %s /tmp/f; cat /tmp/new; cat /tmp/gone 2>&1' \
		<"$SCRATCH/go" >"$SCRATCH/out.$policy" 2>&1 &
	pid=$!
	exec 8>"$SCRATCH/go"
	wait_until 10 grep -q 'No such file' "$SCRATCH/out.$policy"
	echo "more data" >> "$R/tmp/f"; echo created > "$R/tmp/new"; rm -f "$R/tmp/gone"
	echo go >&8; exec 8>&-
	wait "$pid"
	cat "$SCRATCH/out.$policy"
}
for policy in remote_revalidating none; do
	name="$policy: host-side writes, creations and deletions are seen at once"
	out=$(host_changes $policy)
	want="6
bye
ls: /tmp/new: No such file or directory
16
created
cat: can't open '/tmp/gone': No such file or directory"
	if [ "$out" = "$want" ]; then pass "$name"; else fail "$name" "$(diff <(echo "$want") <(echo "$out"))"; fi
done

name="cli: a bad cache policy is one clear error"
out=$("$RL" --cache-policy=lots run --rootfs "$R" -- /bin/true 2>&1); rc=$?
if [ $rc = 125 ] && echo "$out" | grep -q 'cache-policy=lots: must be'; then pass "$name"; else fail "$name" "$rc $out"; fi
