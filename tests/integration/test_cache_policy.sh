# Cache policies of the gofer mount (--file-access / --cache-policy).
. "$TOP/tests/lib.sh"

R=$(fresh_busybox_rootfs) || { skip "cache policies" "no busybox rootfs"; exit 0; }
cp "$BUILD/tests/helpers/static_twice" "$R/bin/"
echo hello > "$R/tmp/f"

# 9P requests the second stat or open cost: the T lines between the getcwd
# marker and the syscall that follows it.
second_cost() {
	awk '/\] getcwd\(/ { on = 1; n = 0; next } on && /sentry\[1\]: 9p T/ { n++ }
	     on && /\] (newfstatat|stat|statx|openat|getdents64|utimensat)\(/ { print n; exit }' "$1"
}

name="fscache (--file-access=exclusive): a cached stat costs no 9P request"
"$RL" --overlay=false --debug-log="$SCRATCH/ex.log" --file-access=exclusive run --rootfs "$R" -- /bin/static_twice stat /tmp/f >/dev/null 2>&1
cost=$(second_cost "$SCRATCH/ex.log")
if [ "$cost" = 0 ]; then pass "$name"; else fail "$name" "9P requests: '$cost'"; fi

name="remote_revalidating (--file-access=shared): every stat asks the gofer"
"$RL" --overlay=false --debug-log="$SCRATCH/sh.log" --file-access=shared run --rootfs "$R" -- /bin/static_twice stat /tmp/f >/dev/null 2>&1
cost=$(second_cost "$SCRATCH/sh.log")
if [ -n "$cost" ] && [ "$cost" -ge 1 ]; then pass "$name"; else fail "$name" "9P requests: '$cost'"; fi

name="fscache: two read-only opens of one file cost one 9P open (shared read handle), with their own offsets"
out=$("$RL" --overlay=false --debug-log="$SCRATCH/open.log" run --rootfs "$R" -- /bin/static_twice open /tmp/f 2>&1)
cost=$(second_cost "$SCRATCH/open.log")
if [ "$cost" = 0 ] && [ "$out" = "own offsets: yes" ]; then pass "$name"; else fail "$name" "9P requests: '$cost'" "$out"; fi

name="none: no shared handles, every open asks the gofer"
out=$("$RL" --overlay=false --debug-log="$SCRATCH/open-none.log" --cache-policy=none run --rootfs "$R" -- /bin/static_twice open /tmp/f 2>&1)
cost=$(second_cost "$SCRATCH/open-none.log")
if [ -n "$cost" ] && [ "$cost" -ge 1 ] && [ "$out" = "own offsets: yes" ]; then pass "$name"; else fail "$name" "9P requests: '$cost'" "$out"; fi

name="fscache: readdir cache: a second listing costs no 9P request; a change in the directory voids it"
mkdir -p "$R/tmp/lsdir" && touch "$R/tmp/lsdir/a" "$R/tmp/lsdir/b"
out=$("$RL" --overlay=false --debug-log="$SCRATCH/ls.log" run --rootfs "$R" -- /bin/static_twice ls /tmp/lsdir 2>&1)
cost=$(second_cost "$SCRATCH/ls.log")
if [ "$cost" = 0 ] && [ "$out" = "entries: 4 4, after a create: 5, after the unlink: 4" ]; then
	pass "$name"; else fail "$name" "9P requests: '$cost'" "$out"; fi

name="remote_revalidating: no readdir cache"
out=$("$RL" --overlay=false --debug-log="$SCRATCH/ls2.log" --file-access=shared run --rootfs "$R" -- /bin/static_twice ls /tmp/lsdir 2>&1)
cost=$(second_cost "$SCRATCH/ls2.log")
if [ -n "$cost" ] && [ "$cost" -ge 1 ] && [ "$out" = "entries: 4 4, after a create: 5, after the unlink: 4" ]; then
	pass "$name"; else fail "$name" "9P requests: '$cost'" "$out"; fi

name="fscache: a write open's new data is seen by later read opens"
echo old > "$R/tmp/g"
out=$("$RL" --overlay=false run --rootfs "$R" -- /bin/static_twice stale /tmp/g 2>&1)
if [ "$out" = "$(printf 'before: old\nafter, new open: new')" ]; then pass "$name"; else fail "$name" "$out"; fi

# overlayfs_stale_read: on an overlayfs host, the write open copies the file
# up; a read handle taken before would keep reading the lower file.
name="overlayfs_stale_read: after a copy-up, read opens see the new data"
if [ "$(id -u)" = 0 ] && mkdir -p "$SCRATCH/ovl/"{lower,upper,work,merged} &&
   cp -a "$R/." "$SCRATCH/ovl/lower/" && echo old > "$SCRATCH/ovl/lower/tmp/g" &&
   mount -t overlay overlay -o "lowerdir=$SCRATCH/ovl/lower,upperdir=$SCRATCH/ovl/upper,workdir=$SCRATCH/ovl/work" \
	"$SCRATCH/ovl/merged" 2>/dev/null; then
	native=$(cd "$SCRATCH/ovl/merged" && echo old > tmp/h && "$R/bin/static_twice" stale tmp/h 2>&1)
	echo old > "$SCRATCH/ovl/lower/tmp/k"
	out=$("$RL" --overlay=false --debug-log="$SCRATCH/ovl.log" run --rootfs "$SCRATCH/ovl/merged" -- /bin/static_twice stale /tmp/k 2>&1)
	umount "$SCRATCH/ovl/merged"
	if [ "$out" = "$(printf 'before: old\nafter, new open: new')" ] && [ "$out" = "$native" ]; then
		pass "$name"; else fail "$name" "sandbox: $out" "native: $native"; fi
else
	skip "$name" "needs root and an overlay mount"
fi

# Host-side changes while the sandbox runs, synchronised through a FIFO.
host_changes() {
	policy=$1
	echo hello > "$R/tmp/f"; rm -f "$R/tmp/new"; echo bye > "$R/tmp/gone"
	rm -f "$SCRATCH/go"; mkfifo "$SCRATCH/go"
	"$RL" --overlay=false --cache-policy="$policy" run --rootfs "$R" -- /bin/sh -c \
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
out=$("$RL" --overlay=false --cache-policy=lots run --rootfs "$R" -- /bin/true 2>&1); rc=$?
if [ $rc = 125 ] && echo "$out" | grep -q 'cache-policy=lots: must be'; then pass "$name"; else fail "$name" "$rc $out"; fi

# setattr skipping (the seed's): a change of nothing settable sends nothing.
name="setattr skipping: utimensat with two UTIME_OMITs sends no 9P request; UTIME_NOW does"
"$RL" --overlay=false --debug-log="$SCRATCH/omit.log" run --rootfs "$R" -- /bin/static_twice omit /tmp/f >/dev/null 2>&1
omit=$(second_cost "$SCRATCH/omit.log")
"$RL" --overlay=false --debug-log="$SCRATCH/now.log" run --rootfs "$R" -- /bin/static_twice now /tmp/f >/dev/null 2>&1
now=$(second_cost "$SCRATCH/now.log")
if [ "$omit" = 0 ] && [ -n "$now" ] && [ "$now" -ge 1 ]; then pass "$name"; else fail "$name" "9P requests: omit '$omit', now '$now'"; fi
