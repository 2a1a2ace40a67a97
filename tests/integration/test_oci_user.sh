# process.user other than root (docs/ARCHITECTURE.md, "Users other than
# root"): uid, gid, additionalGids and umask of the first process and of
# exec's; who owns the files it creates on a volume, the tmpfs and the
# overlay (inside, and on the host); permission checks with those
# credentials; a `su`-like drop from uid 0 (process.capabilities keeping
# CAP_SETUID/CAP_SETGID) after which the sentry checks the new credentials,
# per thread; the same bundles under crun, which gives what Linux gives a
# container; the rootless refusal.
. "$TOP/tests/lib.sh"

[ "$(id -u)" = 0 ] || { skip "oci-user" "ids other than 0 exist only when runsc-lite runs as root"; exit 0; }
probe="$BUILD/tests/helpers/static_setid_probe"
case $probe in /*) ;; *) probe="$PWD/$probe" ;; esac
[ -x "$probe" ] || { skip "oci-user: probe" "static_setid_probe not built (make tests-build)"; exit 0; }
command -v setpriv >/dev/null || { skip "oci-user" "no setpriv (util-linux)"; exit 0; }
R=$(fresh_busybox_rootfs) || { skip "oci-user" "no busybox-static rootfs"; exit 0; }
cp "$probe" "$R/bin/static_setid_probe"
# a root file only its owner reads; a file only group 50 reads (owned by a
# third user); a directory everyone writes (the overlay's copy-up parent)
echo secret >"$R/secret" && chmod 0600 "$R/secret"
# a set-uid-root copy of the probe: no_new_privs keeps its caller's ids
cp "$probe" "$R/bin/suid_probe" && chmod 4755 "$R/bin/suid_probe"
echo group >"$R/g060" && chown 1001:50 "$R/g060" && chmod 0060 "$R/g060"
mkdir -p "$R/w" "$R/v" && chmod 1777 "$R/w"
ST="$SCRATCH/state"
rl() { "$RL" --root "$ST" "$@"; }

# bundle DIR ARGS_JSON USER_JSON [EXTRA_PROCESS_FIELDS]: the rootfs above
# (the overlay: nothing reaches it), a tmpfs on /tmp and DIR/vol bound
# read-write on /v.
bundle() {
	mkdir -p "$1/vol" && chmod 0777 "$1/vol"
	cat >"$1/config.json" <<EOF
{
	"ociVersion": "1.0.2",
	"process": { "args": $2, "env": ["PATH=/bin"], "cwd": "/", "user": $3${4:-} },
	"root": { "path": "$R", "readonly": false },
	"hostname": "user",
	"mounts": [
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{ "destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=1777"] },
		{ "destination": "/v", "type": "bind", "source": "$1/vol", "options": ["rbind", "rw"] }
	],
	"linux": { "namespaces": [ { "type": "pid" }, { "type": "mount" }, { "type": "ipc" },
				   { "type": "uts" }, { "type": "network" } ] }
}
EOF
}
json_args() { printf '['; sep=""; for a in "$@"; do printf '%s"%s"' "$sep" "$a"; sep=", "; done; printf ']'; }

U1000='{ "uid": 1000, "gid": 1000, "additionalGids": [10, 20], "umask": 63 }'
SHOW='id; umask; for f in /v/f /tmp/f /w/f; do echo x > $f; done; stat -c %u:%g:%a:%n /v/f /tmp/f /w/f; cat /secret; cat /g060'

# ---- the first process -----------------------------------------------------
name="oci-user: uid 1000 gid 1000 additionalGids [10, 20] umask 077: the probe's ids"
bundle "$SCRATCH/b1" '["/bin/static_setid_probe", "id", "caps"]' "$U1000"
out=$(rl run --bundle "$SCRATCH/b1" u1 2>&1)
want="id -> uid 1000 1000 1000 fsuid 1000 gid 1000 1000 1000 groups 10 20
caps -> 0000000000000000"
if [ "$out" = "$want" ]; then pass "$name"; else fail "$name" "got: $out" "want: $want"; fi

name="oci-user: files made by uid 1000 on a volume, the tmpfs and the overlay are 1000:1000, umask applied; root's 0600 file refused"
bundle "$SCRATCH/b2" "[\"sh\", \"-c\", \"$SHOW\"]" "$U1000"
out=$(rl run --bundle "$SCRATCH/b2" u2 2>&1)
want="uid=1000 gid=1000 groups=10,20
0077
1000:1000:600:/v/f
1000:1000:600:/tmp/f
1000:1000:600:/w/f
cat: can't open '/secret': Permission denied
cat: can't open '/g060': Permission denied"
if [ "$out" = "$want" ]; then pass "$name"; else fail "$name" "got: $out" "want: $want"; fi
name="oci-user: the volume's file is host uid 1000's"
if [ "$(stat -c '%u:%g %a' "$SCRATCH/b2/vol/f" 2>&1)" = "1000:1000 600" ]; then pass "$name"; else
	fail "$name" "$(ls -ln "$SCRATCH/b2/vol")"; fi

name="oci-user: additionalGids [50] opens a file only group 50 may read"
bundle "$SCRATCH/b3" '["/bin/static_setid_probe", "open:/g060", "open:/secret"]' \
	'{ "uid": 1000, "gid": 1000, "additionalGids": [50] }'
out=$(rl run --bundle "$SCRATCH/b3" u3 2>&1)
want="open:/g060 -> ok
open:/secret -> EACCES"
if [ "$out" = "$want" ]; then pass "$name"; else fail "$name" "got: $out" "want: $want"; fi

name="oci-user: chown as Linux's (no CAP_CHOWN: not to another owner; to an own group yes)"
bundle "$SCRATCH/b4" '["sh", "-c", "echo x > /tmp/c; chown 0 /tmp/c; chgrp 20 /tmp/c && stat -c %u:%g /tmp/c; chgrp 30 /tmp/c"]' "$U1000"
out=$(rl run --bundle "$SCRATCH/b4" u4 2>&1)
want="chown: /tmp/c: Operation not permitted
1000:20
chgrp: /tmp/c: Operation not permitted"
if [ "$out" = "$want" ]; then pass "$name"; else fail "$name" "got: $out" "want: $want"; fi

name="oci-user: HOME as runc sets it: from /etc/passwd, / for a uid it lacks, the config's when given"
bundle "$SCRATCH/b9" '["sh", "-c", "echo $HOME"]' '{ "uid": 1000 }'
out=$(rl run --bundle "$SCRATCH/b9" u9a 2>&1)
sed -i 's#"PATH=/bin"#"PATH=/bin", "HOME=/given"#' "$SCRATCH/b9/config.json"
out="$out $(rl run --bundle "$SCRATCH/b9" u9b 2>&1)"
bundle "$SCRATCH/b9" '["sh", "-c", "echo $HOME"]' '{ "uid": 65534 }'
out="$out $(rl run --bundle "$SCRATCH/b9" u9c 2>&1)"
if [ "$out" = "/ /given /nonexistent" ]; then pass "$name"; else fail "$name" "got: $out"; fi

name="oci-user: a set-uid root program run by uid 1000 stays 1000 (no_new_privs), and so do the sentry's checks"
bundle "$SCRATCH/b10" '["/bin/suid_probe", "id", "open:/secret"]' '{ "uid": 1000, "gid": 1000 }'
out=$(rl run --bundle "$SCRATCH/b10" u10 2>&1)
want="id -> uid 1000 1000 1000 fsuid 1000 gid 1000 1000 1000 groups
open:/secret -> EACCES"
if [ "$out" = "$want" ]; then pass "$name"; else fail "$name" "got: $out" "want: $want"; fi

# ---- a su-like drop, then the sentry's checks -------------------------------
CAPS=', "capabilities": { "bounding": ["CAP_SETUID", "CAP_SETGID", "CAP_CHOWN"], "effective": ["CAP_SETUID", "CAP_SETGID"], "permitted": ["CAP_SETUID", "CAP_SETGID"] }'
steps="id caps open:/secret open:/g060 groups:50 open:/g060 groups: open:/g060 gid:1000 uid:1000 id caps open:/secret create:/w/dropped uid:0"
name="oci-user: uid 0 keeping CAP_SETUID/SETGID drops to 1000: groups, then root's file refused, as natively"
# natively: the same steps with the same capabilities (relative paths in a copy of the tree)
native=$(cd "$R" && rm -f w/dropped && setpriv --bounding-set=-all,+setuid,+setgid --inh-caps=-all \
	bin/static_setid_probe $(echo "$steps" | sed 's#:/#:./#g') 2>&1 | sed 's#:\./#:/#'; rm -f "$R/w/dropped")
bundle "$SCRATCH/b5" "$(json_args /bin/static_setid_probe $steps)" '{ "uid": 0, "gid": 0 }' "$CAPS"
out=$(rl run --bundle "$SCRATCH/b5" u5 2>&1)
if [ "$out" = "$native" ] && printf '%s\n' "$out" | grep -q '^open:/secret -> EACCES$'; then pass "$name"; else
	fail "$name" "sandbox: $out" "native: $native"; fi

name="oci-user: a thread that drops alone is refused alone (credentials are per thread)"
bundle "$SCRATCH/b6" "$(json_args /bin/static_setid_probe thread-uid:1000 /secret open:/secret)" '{ "uid": 0, "gid": 0 }' "$CAPS"
out=$(rl run --bundle "$SCRATCH/b6" u6 2>&1)
want="thread-uid:1000 -> thread: setresuid ok, open EACCES; main: open ok
open:/secret -> ok"
if [ "$out" = "$want" ]; then pass "$name"; else fail "$name" "got: $out" "want: $want"; fi

name="oci-user: without process.capabilities uid 0 cannot change its ids (EPERM)"
bundle "$SCRATCH/b7" '["/bin/static_setid_probe", "uid:1000", "groups:50", "caps"]' '{ "uid": 0, "gid": 0 }'
out=$(rl run --bundle "$SCRATCH/b7" u7 2>&1)
want="uid:1000 -> EPERM
groups:50 -> EPERM
caps -> 0000000000000000"
if [ "$out" = "$want" ]; then pass "$name"; else fail "$name" "got: $out" "want: $want"; fi

# ---- exec ------------------------------------------------------------------
bundle "$SCRATCH/b8" '["sh", "-c", "echo up; while :; do sleep 0.05; done"]' "$U1000"
rl run -d --bundle "$SCRATCH/b8" u8 >"$SCRATCH/u8.out" 2>&1
wait_until 10 grep -q up "$SCRATCH/u8.out"
name="oci-user: exec without -u runs as the container's user (runc's); HOME from /etc/passwd"
out=$(rl exec u8 /bin/static_setid_probe id 2>&1; rl exec -u 65534 u8 sh -c 'echo $HOME' 2>&1)
want="id -> uid 1000 1000 1000 fsuid 1000 gid 1000 1000 1000 groups 10 20
/nonexistent"
if [ "$out" = "$want" ]; then pass "$name"; else fail "$name" "got: $out" "want: $want"; fi
name="oci-user: exec --user 2000:3000 --additional-gids 50 -g 60,70, and -u 0 (the container's groups stay, as runc's)"
out=$(rl exec --user 2000:3000 --additional-gids 50 -g 60,70 u8 /bin/static_setid_probe id open:/g060 2>&1;
      rl exec -u 0 u8 /bin/static_setid_probe id open:/secret 2>&1)
want="id -> uid 2000 2000 2000 fsuid 2000 gid 3000 3000 3000 groups 50 60 70
open:/g060 -> ok
id -> uid 0 0 0 fsuid 0 gid 0 0 0 groups 10 20
open:/secret -> ok"
if [ "$out" = "$want" ]; then pass "$name"; else fail "$name" "got: $out" "want: $want"; fi
name="oci-user: exec --process with process.user; a file it makes on the volume is its own on the host"
cat >"$SCRATCH/p.json" <<'EOF'
{ "args": ["/bin/static_setid_probe", "id", "create:/v/by-exec"], "env": ["PATH=/bin"], "cwd": "/",
  "user": { "uid": 4000, "gid": 4001, "additionalGids": [4002] } }
EOF
out=$(rl exec --process "$SCRATCH/p.json" u8 2>&1)
want="id -> uid 4000 4000 4000 fsuid 4000 gid 4001 4001 4001 groups 4002
create:/v/by-exec -> 4000:4001"
if [ "$out" = "$want" ] && [ "$(stat -c %u:%g "$SCRATCH/b8/vol/by-exec")" = 4000:4001 ]; then pass "$name"; else
	fail "$name" "got: $out" "want: $want" "$(ls -ln "$SCRATCH/b8/vol")"; fi
name="oci-user: exec --user refuses a malformed user"
if rl exec --user 1000:x u8 true 2>"$SCRATCH/err"; then fail "$name" "accepted"; else
	grep -q 'must be UID or UID:GID' "$SCRATCH/err" && pass "$name" || fail "$name" "$(cat "$SCRATCH/err")"; fi
rl kill u8 KILL >/dev/null 2>&1
wait_until 10 eval '! rl state u8 2>/dev/null | grep -q running'
rl delete --force u8 >/dev/null 2>&1

# ---- rootless: refused with one clear line ------------------------------------
name="oci-user: rootless, a uid other than 0 is refused with a clear message"
user=rl-test
if id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user" 2>/dev/null; then
	dir=$(mktemp -d /tmp/rl-user.XXXXXX) && chmod 755 "$dir" && cp "$RL_REAL" "$dir/runsc-lite" &&
		mkdir -m 0700 "$dir/state" && chown "$user" "$dir/state"
	mkdir -m 0755 "$dir/rootfs" && sed "s#\"path\": \"$R\"#\"path\": \"$dir/rootfs\"#" \
		"$SCRATCH/b2/config.json" >"$dir/config.json" && chmod 644 "$dir/config.json"
	out=$(cd "$dir" && setpriv --reuid="$user" --regid="$user" --clear-groups --reset-env \
		"$dir/runsc-lite" --root "$dir/state" run --bundle "$dir" r1 2>&1; echo "exit=$?")
	rm -rf "$dir"
	if printf '%s\n' "$out" | grep -q 'process.user: uid 1000 gid 1000: without root runsc-lite maps only' &&
	   printf '%s\n' "$out" | grep -q 'exit=[1-9]'; then pass "$name"; else fail "$name" "$out"; fi
else
	skip "$name" "cannot create user $user"
fi

# ---- the same bundles under crun ------------------------------------------------
if ! command -v crun >/dev/null; then skip "oci-user: crun" "crun is not installed"; exit 0; fi
CST="$SCRATCH/crun-state"
crun_() { crun --root "$CST" "$@"; }
hugetlb_mounted=""
cleanup() {
	if [ -n "$hugetlb_mounted" ]; then umount "$hugetlb_mounted" && rmdir "$hugetlb_mounted"; fi
	true
}
trap cleanup EXIT
# (crun refuses a hybrid cgroup host: see test_oci_crun.sh)
bundle "$SCRATCH/probe" '["true"]' '{ "uid": 0, "gid": 0 }'
if ! crun_ run --bundle "$SCRATCH/probe" probe >/dev/null 2>"$SCRATCH/crun.err"; then
	if grep -q "hybrid mode" "$SCRATCH/crun.err" && [ -d /sys/fs/cgroup ] && [ ! -e /sys/fs/cgroup/hugetlb ] &&
	   mkdir /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb; then
		hugetlb_mounted=/sys/fs/cgroup/hugetlb
	fi
	crun_ delete --force probe >/dev/null 2>&1
	if ! crun_ run --bundle "$SCRATCH/probe" probe >/dev/null 2>"$SCRATCH/crun.err"; then
		skip "oci-user: crun" "crun cannot run on this host: $(head -1 "$SCRATCH/crun.err")"; exit 0
	fi
fi
# crun writes the rootfs itself: its files in /w get another name
i=0
while IFS='|' read -r what user args; do
	i=$((i + 1))
	name="oci-user: as crun: $what"
	bundle "$SCRATCH/cr$i" "$args" "$user"
	cp "$SCRATCH/cr$i/config.json" "$SCRATCH/cr$i/rl.json"
	sed -i 's#/w/f#/w/crun-f#g' "$SCRATCH/cr$i/config.json"
	want=$(crun_ run --bundle "$SCRATCH/cr$i" "c$i" 2>&1; echo "exit=$?"
	       ls -ln "$SCRATCH/cr$i/vol" | awk 'NR > 1 { print $1, $3, $4, $NF }')
	want=$(printf '%s\n' "$want" | sed 's#/w/crun-f#/w/f#g')
	rm -rf "$SCRATCH/cr$i/vol"/* "$R/w/crun-f"
	mv "$SCRATCH/cr$i/rl.json" "$SCRATCH/cr$i/config.json"
	got=$(rl run --bundle "$SCRATCH/cr$i" "r$i" 2>&1; echo "exit=$?"
	      ls -ln "$SCRATCH/cr$i/vol" | awk 'NR > 1 { print $1, $3, $4, $NF }')
	if [ "$want" = "$got" ]; then pass "$name"; else
		fail "$name" "crun: $want" "runsc-lite: $got"; fi
done <<EOF
id, umask, owners of new files, refusals|$U1000|["sh", "-c", "$SHOW"]
uid 1000 without a gid or groups|{ "uid": 1000 }|["sh", "-c", "id; cat /secret; echo x > /v/g; ls -ln /v/g | cut -c1-10,15-30"]
uid 0 gid 50: group access only; HOME from /etc/passwd|{ "uid": 0, "gid": 50 }|["sh", "-c", "id; echo \$HOME; cat /g060; echo x > /tmp/h; stat -c %u:%g /tmp/h"]
uid 1000: its own /proc/self/environ, fd/ and maps|{ "uid": 1000, "gid": 1000 }|["sh", "-c", "cat /proc/self/environ | tr '\\\\0' '\\\\n' | grep PATH; ls /proc/self/fd; head -c 8 /proc/self/maps; echo"]
uid 65534 (nobody): HOME from /etc/passwd|{ "uid": 65534, "gid": 65534 }|["sh", "-c", "id; echo \$HOME; cat /secret"]
EOF
