# --trace, --strace, `trace decode` and `report` (audit/, docs/ARCHITECTURE.md
# "Audit and trace"): real programs under a trace, the decoded events checked
# against what each program did; the report of a scripted job whose reads,
# writes and execs are known; hostile trace files; a consumer that never
# reads (lossy: the job finishes, drops are counted) and lossless mode.
. "$TOP/tests/lib.sh"

command -v python3 >/dev/null || { skip "trace: events" "python3 (to read the JSON) is missing"; exit 0; }
R=$(fresh_busybox_rootfs) || { skip "trace: events" "no busybox-static rootfs"; exit 0; }
mkdir -p "$R/data"
echo one >"$R/data/a.txt"
echo two >"$R/data/b.txt"
echo x >"$R/data/gone.txt"
echo y >"$R/data/old.txt"

# json_check NAME FILE PYTHON: PYTHON gets `ev` (the decoded events) and
# must print "ok" or what is wrong.
json_check() {
	name=$1 file=$2 code=$3
	out=$(python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
def one(pred, what):
    m = [e for e in ev if pred(e)]
    if len(m) != 1:
        print("expected one %s, found %d" % (what, len(m)))
        sys.exit(0)
    return m[0]
def none(pred, what):
    m = [e for e in ev if pred(e)]
    if m:
        print("unexpected %s: %s" % (what, m[0]))
        sys.exit(0)
def f(e, op, path):
    return e["kind"] == "file" and e["file"]["op"] == op and e["file"]["path"] == path
'"$code" "$file" 2>&1)
	if [ "$out" = ok ]; then pass "$name"; else fail "$name" "$out"; fi
}

# ---- a scripted busybox job --------------------------------------------------
job='cat /data/a.txt /data/b.txt >/dev/null
echo hello > /data/out.txt
rm /data/gone.txt
mv /data/old.txt /data/new.txt
cat /data/missing 2>/dev/null
mount -t tmpfs none /mnt 2>/dev/null
nc 127.0.0.1 5555 </dev/null 2>/dev/null
cd /data && chmod 600 out.txt && ln -s a.txt sl && ln a.txt hard && mkdir d && rmdir d && mkfifo p
exit 3'
timeout -k 10 60 "$RL" --trace="$SCRATCH/job.trace" run --rootfs "$R" -- /bin/sh -c "$job" \
	>"$SCRATCH/job.out" 2>"$SCRATCH/job.err"
rc=$?
name="trace: the job's exit status is kept"
if [ $rc = 3 ]; then pass "$name"; else fail "$name" "rc=$rc" "$(head -5 "$SCRATCH/job.err")"; fi

"$RL" trace decode "$SCRATCH/job.trace" >"$SCRATCH/job.json" 2>"$SCRATCH/decode.err"
rc=$?
name="trace decode: one JSON object per event"
if [ $rc = 0 ] && [ -s "$SCRATCH/job.json" ] &&
   python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$SCRATCH/job.json"; then
	pass "$name"; else fail "$name" "rc=$rc" "$(head -3 "$SCRATCH/decode.err")"; fi

json_check "trace: open of a named file, its flags, result and resolved path" "$SCRATCH/job.json" '
e = one(lambda e: f(e, "OPEN", "/data/a.txt"), "open of /data/a.txt")
fl = e["file"]
assert fl["syscall"] in ("open", "openat"), fl
assert fl["flags"] & 3 == 0 and fl["error"] == 0 and fl["result"] >= 0, fl
assert fl["resolved"] == "/data/a.txt" and fl["mount"].startswith("/ "), fl
assert e["open_flags"].startswith("O_RDONLY"), e
# (busybox runs its applets as /proc/self/exe: the kernel names them "exe")
assert e["comm"] in ("cat", "exe") and e["pid"] > 0 and e["tid"] > 0 and e["sandbox_id"], e
one(lambda e: f(e, "OPEN", "/data/b.txt"), "open of /data/b.txt")
print("ok")'

json_check "trace: a failed open is ENOENT" "$SCRATCH/job.json" '
e = one(lambda e: f(e, "OPEN", "/data/missing"), "open of /data/missing")
assert e["file"]["error"] == 2 and e["file"]["result"] == -2, e
print("ok")'

json_check "trace: a write open names O_WRONLY|O_CREAT|O_TRUNC" "$SCRATCH/job.json" '
e = one(lambda e: f(e, "CREATE", "/data/out.txt"), "open of /data/out.txt that created it")
assert e["open_flags"].startswith("O_WRONLY|O_CREAT") and "O_TRUNC" in e["open_flags"], e
assert e["file"]["mode"] == 0o666 and e["file"]["error"] == 0, e
print("ok")'

json_check "trace: unlink and rename" "$SCRATCH/job.json" '
e = one(lambda e: f(e, "UNLINK", "/data/gone.txt"), "unlink")
assert e["file"]["error"] == 0 and e["file"]["resolved"] == "/data/gone.txt", e
r = one(lambda e: f(e, "RENAME", "/data/old.txt"), "rename")
assert r["file"]["path2"] == "/data/new.txt" and r["file"]["error"] == 0, r
print("ok")'

json_check "trace: exec with argv, resolved program" "$SCRATCH/job.json" '
e = ev[1]
assert e["kind"] == "exec", e
x = e["exec"]
assert x["path"] == "/bin/sh" and x["argv"][:2] == ["/bin/sh", "-c"] and x["argv"][2].startswith("cat /data/a.txt"), x
assert x["resolved"] == "/bin/busybox" and x["error"] == 0, x
cats = [e for e in ev if e["kind"] == "exec" and e["exec"]["argv"][:1] == ["cat"]]
assert len(cats) == 2 and cats[0]["exec"]["argv"] == ["cat", "/data/a.txt", "/data/b.txt"], cats
print("ok")'

json_check "trace: the refused mount is a denied event (EPERM, its rule)" "$SCRATCH/job.json" '
e = one(lambda e: e["kind"] == "denied", "denied event")
d = e["denied"]
assert d["name"] == "mount" and d["error"] == 1 and d["rule"] == "errno:EPERM mount", d
print("ok")'

json_check "trace: connect with its address" "$SCRATCH/job.json" '
e = one(lambda e: e["kind"] == "net" and e["net"]["op"] == "CONNECT", "connect")
n = e["net"]
assert n["family"] == 2 and n["address"] == "127.0.0.1" and n["port"] == 5555, n
print("ok")'

json_check "trace: chmod, symlink, link, mkdir, rmdir, mknod (relative names resolved)" "$SCRATCH/job.json" '
c = one(lambda e: e["kind"] == "file" and e["file"]["op"] == "CHMOD", "chmod")["file"]
assert c["path"] == "out.txt" and c["resolved"] == "/data/out.txt" and c["mode"] == 0o600 and c["error"] == 0, c
s = one(lambda e: e["kind"] == "file" and e["file"]["op"] == "SYMLINK", "symlink")["file"]
assert s["target"] == "a.txt" and s["path2"] == "sl" and s["resolved"] == "/data/sl", s
l = one(lambda e: e["kind"] == "file" and e["file"]["op"] == "LINK", "link")["file"]
assert l["path"] == "a.txt" and l["path2"] == "hard" and l["resolved2"] == "/data/hard" and l["error"] == 0, l
m = one(lambda e: e["kind"] == "file" and e["file"]["op"] == "MKDIR", "mkdir")["file"]
r = one(lambda e: e["kind"] == "file" and e["file"]["op"] == "RMDIR", "rmdir")["file"]
assert m["resolved"] == r["resolved"] == "/data/d" and m["mode"] == 0o777, (m, r)
n = one(lambda e: e["kind"] == "file" and e["file"]["op"] == "CREATE" and e["file"]["syscall"].startswith("mknod"), "mknod")["file"]
assert n["resolved"] == "/data/p" and n["mode"] & 0o170000 == 0o010000, n
print("ok")'

json_check "trace: start first, exit last, nothing of runsc-lite's own setup" "$SCRATCH/job.json" '
assert ev[0]["kind"] == "start" and ev[0]["start"]["argv"][0] == "/bin/sh", ev[0]
assert ev[-1]["kind"] == "exit" and ev[-1]["exit"]["status"] == 3 and ev[-1]["exit"]["duration_ns"] > 0, ev[-1]
assert len({e["sandbox_id"] for e in ev}) == 1, "sandbox ids differ"
none(lambda e: e["kind"] == "file" and (".rl" in e["file"]["path"] or e["file"]["fd"] not in (-100,) and e["file"]["op"] == "OPEN" and e["file"]["fd"] < -100), "runsc-lite internal open")
none(lambda e: e["kind"] == "file" and e["file"]["path"] == "" and e["file"]["op"] == "OPEN", "open without a path")
mono = [e["mono_ns"] for e in ev]
assert mono == sorted(mono), "events out of order"
print("ok")'

json_check "trace: process clone and exit events" "$SCRATCH/job.json" '
clones = [e for e in ev if e["kind"] == "clone"]
exits = [e for e in ev if e["kind"] == "process_exit"]
assert clones and all(c["clone"]["parent_pid"] > 0 for c in clones), clones[:2]
# every process forked has exited; its status is known unless its parent
# reaped it before the sentry looked (racy: not asserted)
forked = {c["clone"]["child_pid"] for c in clones if not c["clone"]["thread"]}
assert forked <= {x["pid"] for x in exits}, (forked, exits)
assert all(0 <= x["process_exit"]["status"] < 256 for x in exits), exits
print("ok")'

# ---- report ------------------------------------------------------------------
"$RL" report "$SCRATCH/job.trace" >"$SCRATCH/report.txt" 2>&1
rc=$?
name="report: text lists the reads, writes, deletes, execs and denials"
if [ $rc = 0 ] && grep -q '^exit status 3, duration' "$SCRATCH/report.txt" &&
   grep -q '^Files read (' "$SCRATCH/report.txt" &&
   sed -n '/^Files read/,/^Files written/p' "$SCRATCH/report.txt" | grep -qx '    a.txt' &&
   sed -n '/^Files read/,/^Files written/p' "$SCRATCH/report.txt" | grep -qx '    b.txt' &&
   sed -n '/^Files written/,/^Files created/p' "$SCRATCH/report.txt" | grep -qx '    out.txt' &&
   sed -n '/^Files deleted/,/^Renamed/p' "$SCRATCH/report.txt" | grep -qx '    gone.txt' &&
   grep -q '/data/old.txt -> /data/new.txt' "$SCRATCH/report.txt" &&
   grep -qE '^ +1  /bin/sh  -> /bin/busybox' "$SCRATCH/report.txt" &&
   grep -qE '^ +2  cat \(/proc/self/exe\)' "$SCRATCH/report.txt" &&
   grep -qE '^ +1  mount  errno:EPERM mount' "$SCRATCH/report.txt" &&
   grep -q 'connect 127.0.0.1:5555' "$SCRATCH/report.txt" &&
   ! sed -n '/^Files read/,/^Files written/p' "$SCRATCH/report.txt" | grep -q 'missing'; then
	pass "$name"; else fail "$name" "rc=$rc" "$(cat "$SCRATCH/report.txt")"; fi

"$RL" report --format=json "$SCRATCH/job.trace" >"$SCRATCH/report.json" 2>&1
json_check "report: json" "$SCRATCH/report.json" '
r = ev[0]
assert r["exit"]["status"] == 3, r["exit"]
assert "/data/a.txt" in r["files_read"] and "/data/b.txt" in r["files_read"], r["files_read"]
assert "/data/missing" not in r["files_read"]
assert "/data/out.txt" in r["files_written"] and r["files_deleted"] == ["/data/d", "/data/gone.txt"], r
assert r["files_created"] == ["/data/d", "/data/hard", "/data/out.txt", "/data/p", "/data/sl"], r["files_created"]
assert [d["name"] for d in r["denied"]] == ["mount"] and r["denied"][0]["count"] == 1, r["denied"]
assert {p["name"]: p["count"] for p in r["programs"]}["/bin/sh"] == 1, r["programs"]
assert r["renamed"] == ["/data/old.txt -> /data/new.txt"], r["renamed"]
print("ok")'

"$RL" report --format=markdown "$SCRATCH/job.trace" >"$SCRATCH/report.md" 2>&1
name="report: markdown"
if grep -q '^## runsc-lite report: sandbox `' "$SCRATCH/report.md" &&
   grep -q '^| exit status 3 |' "$SCRATCH/report.md" && grep -q '^### Files deleted (2)' "$SCRATCH/report.md" &&
   grep -q '^  - `gone.txt`' "$SCRATCH/report.md" && grep -q '^| 1 | `mount` | errno:EPERM mount' "$SCRATCH/report.md"; then
	pass "$name"; else fail "$name" "$(head -30 "$SCRATCH/report.md")"; fi

# a file name holding an escape sequence, a newline, '|' and '`'
timeout -k 10 60 "$RL" --trace="$SCRATCH/esc.trace" run --rootfs "$R" -- \
	/bin/sh -c 'touch "/tmp/$(printf "a\033[31mb|c\`d\nz")"' >/dev/null 2>&1
"$RL" report "$SCRATCH/esc.trace" >"$SCRATCH/esc.txt" 2>&1
"$RL" report --format=markdown "$SCRATCH/esc.trace" >"$SCRATCH/esc.md" 2>&1
"$RL" trace decode "$SCRATCH/esc.trace" >"$SCRATCH/esc.json" 2>&1
name="report, trace decode: control bytes in names are escaped"
if grep -qxF '    a\x1b[31mb|c`d\x0az' "$SCRATCH/esc.txt" && grep -qxF '  - `a\x1b[31mb\x7cc\x60d\x0az`' "$SCRATCH/esc.md" &&
   grep -qF '"path":"/tmp/a\u001b[31mb|c`d\nz"' "$SCRATCH/esc.json" &&
   ! grep -q "$(printf '\033')" "$SCRATCH/esc.txt" "$SCRATCH/esc.md" "$SCRATCH/esc.json"; then
	pass "$name"; else fail "$name" "$(cat -v "$SCRATCH/esc.txt" | grep -A1 tmp)" "$(cat -v "$SCRATCH/esc.md" | grep -A1 tmp)"; fi

# ---- hostile trace files -----------------------------------------------------
n=$(wc -l <"$SCRATCH/job.json")
size=$(stat -c %s "$SCRATCH/job.trace")
head -c $((size - 5)) "$SCRATCH/job.trace" >"$SCRATCH/trunc.trace"
"$RL" trace decode "$SCRATCH/trunc.trace" >"$SCRATCH/trunc.json" 2>"$SCRATCH/trunc.err"
rc=$?
name="trace decode: a truncated file names the offset, prints the events before"
if [ $rc = 1 ] && grep -q 'offset [0-9]*: truncated record' "$SCRATCH/trunc.err" &&
   [ "$(wc -l <"$SCRATCH/trunc.json")" = $((n - 1)) ]; then
	pass "$name"; else fail "$name" "rc=$rc lines=$(wc -l <"$SCRATCH/trunc.json") of $n" "$(cat "$SCRATCH/trunc.err")"; fi

# a record length of 2^28 (0x80 0x80 0x80 0x80 0x01) right after the preamble
{ head -c 8 "$SCRATCH/job.trace"; printf '\200\200\200\200\001xxxx'; } >"$SCRATCH/huge.trace"
"$RL" trace decode "$SCRATCH/huge.trace" >/dev/null 2>"$SCRATCH/huge.err"
rc=$?
name="trace decode: an absurd record length is refused at its offset"
if [ $rc = 1 ] && grep -q 'offset 8: record length 268435456 exceeds' "$SCRATCH/huge.err"; then
	pass "$name"; else fail "$name" "rc=$rc" "$(cat "$SCRATCH/huge.err")"; fi

# the first record's body overwritten with bytes that are no protobuf
cp "$SCRATCH/job.trace" "$SCRATCH/bad.trace"
printf '\377\377\377\377\377\377' | dd of="$SCRATCH/bad.trace" bs=1 seek=10 conv=notrunc 2>/dev/null
"$RL" trace decode "$SCRATCH/bad.trace" >"$SCRATCH/bad.json" 2>"$SCRATCH/bad.err"
rc=$?
name="trace decode: a corrupt record is an error naming its offset"
if [ $rc = 1 ] && grep -q 'offset 8: corrupt record' "$SCRATCH/bad.err" && [ ! -s "$SCRATCH/bad.json" ]; then
	pass "$name"; else fail "$name" "rc=$rc" "$(cat "$SCRATCH/bad.err")"; fi

: >"$SCRATCH/empty.trace"
"$RL" trace decode "$SCRATCH/empty.trace" >/dev/null 2>"$SCRATCH/empty.err"
rc1=$?
"$RL" report "$SCRATCH/empty.trace" >"$SCRATCH/empty.rep" 2>"$SCRATCH/empty.rerr"
rc2=$?
name="trace decode, report: an empty file is a one-line error"
if [ $rc1 = 1 ] && [ $rc2 = 1 ] && grep -q 'offset 0: empty trace' "$SCRATCH/empty.err" &&
   [ "$(wc -l <"$SCRATCH/empty.rerr")" = 1 ] && [ ! -s "$SCRATCH/empty.rep" ]; then
	pass "$name"; else fail "$name" "rc=$rc1/$rc2" "$(cat "$SCRATCH/empty.err" "$SCRATCH/empty.rerr")"; fi

# ---- sinks ----------------------------------------------------------------------
# A consumer on a unix socket: it accepts, then reads after `delay` seconds
# (never: -1), writing what it read to `out`.
consumer() {
	exec python3 -c '
import socket, sys, time, os
path, delay, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path); s.listen(1)
open(path + ".ready", "w").close()
c, _ = s.accept()
c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
if delay < 0:
    time.sleep(120)
    sys.exit(0)
time.sleep(delay)
with open(out, "wb") as f:
    while True:
        b = c.recv(65536)
        if not b:
            break
        f.write(b)
' "$@"
}
loop='i=0; while [ $i -lt 6000 ]; do : </data/a.txt; i=$((i+1)); done; exit 4'

consumer "$SCRATCH/never.sock" -1 /dev/null &
cpid=$!
wait_until 10 test -e "$SCRATCH/never.sock.ready"
start=$(date +%s)
timeout -k 10 90 "$RL" --trace=unix:"$SCRATCH/never.sock" run --rootfs "$R" -- /bin/sh -c "$loop" \
	>/dev/null 2>"$SCRATCH/never.err"
rc=$?
secs=$(( $(date +%s) - start ))
kill $cpid 2>/dev/null; wait $cpid 2>/dev/null
name="trace: a consumer that never reads does not stop the job (lossy: drops counted)"
if [ $rc = 4 ] && grep -qE 'trace: [1-9][0-9]* events dropped' "$SCRATCH/never.err" && [ $secs -lt 60 ]; then
	pass "$name"; else fail "$name" "rc=$rc after ${secs}s" "$(cat "$SCRATCH/never.err")"; fi

consumer "$SCRATCH/slow.sock" 2 "$SCRATCH/slow.trace" &
cpid=$!
wait_until 10 test -e "$SCRATCH/slow.sock.ready"
timeout -k 10 120 "$RL" --trace=unix:"$SCRATCH/slow.sock" --trace-mode=lossless --trace-events=open \
	run --rootfs "$R" -- /bin/sh -c "$loop" >/dev/null 2>"$SCRATCH/slow.err"
rc=$?
wait $cpid
"$RL" trace decode "$SCRATCH/slow.trace" >"$SCRATCH/slow.json" 2>"$SCRATCH/slow.derr"
rc2=$?
json_check "trace: lossless mode loses nothing to a slow consumer" "$SCRATCH/slow.json" '
assert '"$rc"' == 4 and '"$rc2"' == 0, ("rc", '"$rc"', '"$rc2"')
opens = [e for e in ev if e["kind"] == "file" and e["file"]["path"] == "/data/a.txt"]
assert len(opens) == 6000, len(opens)
none(lambda e: e["kind"] == "dropped", "dropped event")
assert ev[-1]["kind"] == "exit" and ev[-1]["exit"]["dropped"] == 0, ev[-1]
assert {e["kind"] for e in ev} == {"start", "file", "exit"}, {e["kind"] for e in ev}
print("ok")'
name="trace: lossless mode reports no drops"
if ! grep -q dropped "$SCRATCH/slow.err"; then pass "$name"; else fail "$name" "$(cat "$SCRATCH/slow.err")"; fi

# ---- flags --------------------------------------------------------------------------
out=$("$RL" --trace-events=open,bogus do -- /bin/true 2>&1)
rc=$?
name="trace: an unknown --trace-events kind is a one-line error"
if [ $rc = 125 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && echo "$out" | grep -q '"bogus"'; then
	pass "$name"; else fail "$name" "rc=$rc $out"; fi
out=$("$RL" --trace="$SCRATCH/nodir/x.trace" do -- /bin/true 2>&1)
rc=$?
name="trace: an unwritable --trace file is a one-line error"
if [ $rc = 125 ] && echo "$out" | grep -q 'nodir/x.trace'; then pass "$name"; else fail "$name" "rc=$rc $out"; fi

# ---- a signal from outside ---------------------------------------------------------
"$RL" --trace="$SCRATCH/sig.trace" run --rootfs "$R" -- /bin/sh -c 'trap "exit 7" TERM; echo up; sleep 20 & wait' >"$SCRATCH/sig.out" 2>&1 &
rlpid=$!
wait_until 20 grep -q up "$SCRATCH/sig.out"
sleep 0.3   # (the shell waits in wait(): its trap runs at once)
kill -TERM $rlpid
wait $rlpid
rc=$?
"$RL" trace decode "$SCRATCH/sig.trace" >"$SCRATCH/sig.json" 2>&1
json_check "trace: a signal sent from outside, and the status it caused" "$SCRATCH/sig.json" '
assert '"$rc"' == 7, '"$rc"'
s = one(lambda e: e["kind"] == "signal", "signal event")
assert s["signal"]["signo"] == 15 and s["pid"] == 0, s
assert ev[-1]["kind"] == "exit" and ev[-1]["exit"]["status"] == 7, ev[-1]
assert ev[-1]["exit"]["duration_ns"] < 15e9, ev[-1]
print("ok")'

# ---- a server: listen and accept ----------------------------------------------------
timeout -k 10 60 "$RL" --trace="$SCRATCH/srv.trace" run --rootfs "$R" -- /bin/sh -c \
	'(echo hi | nc -l -p 7777 >/dev/null) & sleep 0.3; nc 127.0.0.1 7777 </dev/null; wait' >"$SCRATCH/srv.out" 2>&1
"$RL" trace decode "$SCRATCH/srv.trace" >"$SCRATCH/srv.json" 2>&1
json_check "trace: a server's listen (its result) and accept (the listener's address)" "$SCRATCH/srv.json" '
n = [e["net"] for e in ev if e["kind"] == "net"]
l = one(lambda e: e["kind"] == "net" and e["net"]["op"] == "LISTEN", "listen")["net"]
assert l["port"] == 7777 and l["error"] == 0 and not l["native"], l
a = one(lambda e: e["kind"] == "net" and e["net"]["op"] == "ACCEPT", "accept")["net"]
assert a["port"] == 7777 and a["native"], a
print("ok")'
out=$("$RL" report "$SCRATCH/srv.trace" 2>&1)
name="report: a server's listen and accept"
if printf '%s\n' "$out" | grep -q 'listen \[::\]:7777: ok' && printf '%s\n' "$out" | grep -q 'accept on \[::\]:7777'; then
	pass "$name"; else fail "$name" "$(cat "$SCRATCH/srv.out")" "$out"; fi

# ---- a datagram sent to a named destination ------------------------------------
probe="$BUILD/tests/helpers/static_net_probe"
case $probe in /*) ;; *) probe="$PWD/$probe" ;; esac
if [ -x "$probe" ]; then
	cp "$probe" "$R/bin/net_probe"
	timeout -k 10 60 "$RL" --trace="$SCRATCH/udp.trace" run --rootfs "$R" -- /bin/net_probe udp 127.0.0.1 9999 >/dev/null 2>&1
	"$RL" trace decode "$SCRATCH/udp.trace" >"$SCRATCH/udp.json" 2>&1
	json_check "trace: a sendto that names its destination" "$SCRATCH/udp.json" '
u = one(lambda e: e["kind"] == "net" and e["net"]["op"] == "SENDTO", "sendto")["net"]
assert u["family"] == 2 and u["address"] == "127.0.0.1" and u["port"] == 9999, u
print("ok")'
else
	skip "trace: a sendto that names its destination" "static_net_probe not built (make tests-build)"
fi

# ---- --strace ------------------------------------------------------------------------
out=$(timeout -k 10 60 "$RL" --strace do -- /bin/cat /etc/hostname 2>"$SCRATCH/strace.err")
name="--strace: cat /etc/hostname shows its openat with path, flags and result, its fstat"
if [ "$out" = "$(cat /etc/hostname)" ] &&
   grep -qE '^\[[0-9]+:[0-9]+\] openat\(AT_FDCWD, "/etc/hostname", O_RDONLY(\|O_[A-Z]+)*\) = 3 <[0-9.]+>$' "$SCRATCH/strace.err" &&
   grep -qE '^\[[0-9]+:[0-9]+\] execve\("/bin/cat", \["/bin/cat", "/etc/hostname"\], 0x[0-9a-f]+\) = 0' "$SCRATCH/strace.err" &&
   grep -qE '^\[[0-9]+:[0-9]+\] openat\(AT_FDCWD, "[^"]*", O_RDONLY\|O_CLOEXEC\) = -1 ENOENT \(No such file or directory\)' "$SCRATCH/strace.err" &&
   grep -qE "^\[[0-9]+:[0-9]+\] newfstatat\(3, \"\", \{st_mode=S_IFREG\|0644, st_size=$(stat -c %s /etc/hostname), st_ino=[0-9]+\}, AT_EMPTY_PATH\) = 0" "$SCRATCH/strace.err"; then
	pass "$name"; else fail "$name" "out=$out" "$(grep hostname "$SCRATCH/strace.err")"; fi
name="--strace: natively run syscalls are not shown, and --help says so"
if ! grep -qE '\] (read|write|mmap|close)\(' "$SCRATCH/strace.err" &&
   "$RL" help | grep -q 'natively (read, write, mmap'; then pass "$name"; else fail "$name"; fi

timeout -k 10 60 "$RL" --strace-log="$SCRATCH/strace.log" --trace="$SCRATCH/both.trace" --trace-events=exec \
	do -- /bin/cat /etc/hostname >/dev/null 2>"$SCRATCH/both.err"
rc=$?
"$RL" trace decode "$SCRATCH/both.trace" >"$SCRATCH/both.json"
name="--strace-log and --trace=... --trace-events=exec together"
if [ $rc = 0 ] && [ ! -s "$SCRATCH/both.err" ] && grep -q '"/etc/hostname", O_RDONLY' "$SCRATCH/strace.log" &&
   [ "$(grep -c '"kind":"exec"' "$SCRATCH/both.json")" = 1 ] &&
   [ "$(grep -vc '"kind":"\(exec\|start\|exit\)"' "$SCRATCH/both.json")" = 0 ]; then
	pass "$name"; else fail "$name" "rc=$rc" "$(head -3 "$SCRATCH/both.err")" "$(cut -c1-200 "$SCRATCH/both.json" | head -5)"; fi

# ---- the acceptance job: shell + python on the Debian rootfs --------------------
# Reads two known files, writes one, deletes one, execs three known programs
# (cat, python3, true), connects to a unix socket a host process serves (a
# --volume at /srv: the gofer connects it) and to a TCP port on 127.0.0.1 (the
# sandbox's network namespace: the kernel runs that connect), and tries
# mount(2), which the policy refuses, and uselib(2), which the sentry does
# not implement.
DEB=$(debian_rootfs) || { skip "trace: the shell + python job (Debian rootfs)" "$DEB"; exit 0; }
W="$SCRATCH/w"
mkdir -p "$W"
echo first >"$W/in1.txt"
echo second >"$W/in2.txt"
echo doomed >"$W/del.txt"
cat >"$W/job.sh" <<'JOB'
cat /srv/in1.txt /srv/in2.txt >/dev/null
exec python3 /srv/job.py
JOB
cat >"$W/job.py" <<'JOB'
import ctypes, os, socket, subprocess
with open("/srv/out.txt", "w") as f:
    f.write("written\n")
os.unlink("/srv/del.txt")
subprocess.run(["/bin/true"], check=True)
u = socket.socket(socket.AF_UNIX)
u.connect("/srv/sock")
u.sendall(b"hello")
u.close()
t = socket.socket()
try:
    t.connect(("127.0.0.1", 48151))
except OSError:
    pass
libc = ctypes.CDLL(None, use_errno=True)
assert libc.mount(b"none", b"/mnt", b"tmpfs", 0, None) == -1 and ctypes.get_errno() == 1
# uselib(2): trapped by the policy, not implemented by the sentry
assert libc.syscall(134, b"/nonexistent") == -1 and ctypes.get_errno() == 38
JOB
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
open(sys.argv[1] + ".ready", "w").close()
s.settimeout(120)
c, _ = s.accept()
open(sys.argv[2], "wb").write(c.recv(100))
' "$W/sock" "$SCRATCH/received" &
spid=$!
wait_until 10 test -e "$W/sock.ready"
env -i PATH=/usr/local/bin:/usr/bin:/bin LC_ALL=C PYTHONDONTWRITEBYTECODE=1 \
	timeout -k 10 180 "$RL" --trace="$SCRATCH/deb.trace" run --rootfs "$DEB" --volume="$W:/srv" \
	-- /bin/sh /srv/job.sh >"$SCRATCH/deb.out" 2>&1
rc=$?
kill $spid 2>/dev/null   # (gone already when the job connected)
wait $spid
"$RL" trace decode "$SCRATCH/deb.trace" >"$SCRATCH/deb.json" 2>&1
"$RL" report --format=json "$SCRATCH/deb.trace" >"$SCRATCH/deb.report" 2>&1
name="trace: the shell + python job ran (its data reached the host)"
if [ $rc = 0 ] && [ "$(cat "$SCRATCH/received" 2>/dev/null)" = hello ] && [ ! -e "$W/del.txt" ] &&
   [ "$(cat "$W/out.txt")" = written ]; then pass "$name"; else fail "$name" "rc=$rc" "$(head -10 "$SCRATCH/deb.out")"; fi
json_check "trace: the shell + python job's events" "$SCRATCH/deb.json" '
W = sys.argv[1].rsplit("/", 1)[0] + "/w"
ok = [e["exec"]["path"] for e in ev if e["kind"] == "exec" and e["exec"]["error"] == 0]
assert ok == ["/bin/sh", "/usr/bin/cat", "/usr/bin/python3", "/bin/true"], ok
for p in ("/srv/in1.txt", "/srv/in2.txt"):
    e = one(lambda e: f(e, "OPEN", p), "open of " + p)
    assert e["file"]["flags"] & 3 == 0 and e["file"]["error"] == 0 and e["comm"] == "cat", e
e = one(lambda e: f(e, "CREATE", "/srv/out.txt"), "open of /srv/out.txt that created it")
assert e["file"]["flags"] & 3 == 1 and e["file"]["error"] == 0 and e["file"]["mount"] == "/srv (9p)", e
one(lambda e: f(e, "UNLINK", "/srv/del.txt") and e["file"]["error"] == 0, "unlink")
# (glibc asks nscd first when python looks up its user: the job did that too)
c = [e["net"] for e in ev if e["kind"] == "net" and e["net"]["address"] != "/var/run/nscd/socket"]
assert c == [{"op": "CONNECT", "fd": c[0]["fd"], "family": 1, "address": "/srv/sock", "port": 0, "error": 0, "native": False},
             {"op": "CONNECT", "fd": c[1]["fd"], "family": 2, "address": "127.0.0.1", "port": 48151, "error": 0, "native": True}], c
d = one(lambda e: e["kind"] == "denied", "denied event")
assert d["denied"]["name"] == "mount" and d["denied"]["error"] == 1 and d["comm"] == "python3", d
u = one(lambda e: e["kind"] == "unimplemented", "unimplemented event")
assert u["unimplemented"] == {"nr": 134, "name": "uselib"}, u
# (only the start event names host paths: the command line of runsc-lite)
none(lambda e: e["kind"] != "start" and W in json.dumps(e), "a host path of the test")
assert ev[-1]["kind"] == "exit" and ev[-1]["exit"]["status"] == 0, ev[-1]
print("ok")'
json_check "report: the shell + python job" "$SCRATCH/deb.report" '
r = ev[0]
assert sorted(p["name"] for p in r["programs"]) == ["/bin/sh", "/bin/true", "/usr/bin/cat", "/usr/bin/python3"], r["programs"]
assert "/srv/in1.txt" in r["files_read"] and "/srv/in2.txt" in r["files_read"], r["files_read"]
assert [p for p in r["files_written"] if p.startswith("/srv")] == ["/srv/out.txt"], r["files_written"]
assert r["files_deleted"] == ["/srv/del.txt"] and r["files_created"] == ["/srv/out.txt"], r
assert [n["name"] for n in r["network"] if "nscd" not in n["name"]] == ["connect 127.0.0.1:48151: run by the kernel", "connect unix /srv/sock: ok"], r["network"]
assert [d["name"] for d in r["denied"]] == ["mount"], r["denied"]
assert r["unimplemented"] == [{"name": "uselib", "count": 1}], r["unimplemented"]
print("ok")'
