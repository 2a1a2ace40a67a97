# Named pipes on a gofer mount: Linux's open semantics (non-blocking opens,
# ENXIO, blocking opens that wait for the peer, EINTR and SA_RESTART, and
# a waiting open that stalls no other process's stats), compared with the
# same probe run natively; a host process at the other end.
. "$TOP/tests/lib.sh"

probe="$BUILD/tests/helpers/static_fifo_probe"
case $probe in /*) ;; *) probe="$PWD/$probe" ;; esac
[ -x "$probe" ] || { skip "fifo: probe" "static_fifo_probe not built (make tests-build)"; exit 0; }
R=$(fresh_busybox_rootfs) || { skip "fifo: probe" "no busybox-static rootfs"; exit 0; }
cp "$probe" "$R/bin/static_fifo_probe"
mkdir -m 0755 "$R/tmp/p" "$SCRATCH/native"

native=$(cd "$SCRATCH/native" && timeout -k 10 60 "$probe" 2>&1)
sandbox=$(timeout -k 10 60 "$RL" run --rootfs "$R" --cwd /tmp/p -- /bin/static_fifo_probe 2>&1)
name="fifo: open semantics as native ($(printf '%s\n' "$native" | grep -c ' -> ') cases)"
if ! printf '%s\n' "$native" | tail -1 | grep -q '^end/cases'; then
	fail "$name" "the native reference run did not finish:" "$(printf '%s\n' "$native" | tail -3)"
elif [ "$native" = "$sandbox" ]; then
	pass "$name"
else
	fail "$name" "$(diff <(printf '%s\n' "$native") <(printf '%s\n' "$sandbox") | head -20)"
fi

# The other end on the host: the sandboxed reader waits until a host
# process opens the FIFO for writing.
mkfifo "$R/tmp/p/host"
timeout -k 10 60 "$RL" run --rootfs "$R" -- /bin/cat /tmp/p/host > "$SCRATCH/host.out" 2>&1 &
reader=$!
sleep 0.3   # the writer must come after the reader waits: not a correctness dependency
echo "from the host" > "$R/tmp/p/host"
wait $reader
rc=$?
if [ $rc = 0 ] && [ "$(cat "$SCRATCH/host.out")" = "from the host" ]; then
	pass "fifo: a sandboxed reader and a host writer"
else
	fail "fifo: a sandboxed reader and a host writer" "exit $rc: $(head -3 "$SCRATCH/host.out")"
fi
