# The OCI container's cgroup (runsc-lite/oci_cgroup.c): linux.cgroupsPath
# resolved as runc's cgroupfs driver does, linux.resources written into the
# host's cgroup files and effective inside (a fork loop stops at
# pids.limit, a memory hog is OOM-killed with 137 and an oom event), the
# whole sandbox in it, pause through the freezer, the cgroup gone after
# delete; exit codes compared with crun on the same bundle, and podman's
# --memory/--pids-limit seen where podman looks (podman stats).
#
# Every cgroup made here is beneath /rltest-PID (removed at the end), or
# beneath the test's own cgroup.
. "$TOP/tests/lib.sh"

[ "$(id -u)" = 0 ] || { skip "oci-cgroup" "needs root (cgroups are not delegated to this user)"; exit 0; }
R=$(busybox_rootfs) || { skip "oci-cgroup" "no busybox rootfs"; exit 0; }
if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then V=2; else V=1; fi
if [ $V = 1 ] && [ ! -d /sys/fs/cgroup/memory ] && [ ! -d /sys/fs/cgroup/pids ]; then
	skip "oci-cgroup" "no cgroup v2 and no v1 memory/pids hierarchy mounted"; exit 0
fi
RST="$SCRATCH/rl-state" CST="$SCRATCH/crun-state"
rl() { "$RL" --root "$RST" "$@"; }
TOPCG="rltest-$$"
# cgdir CONTROLLER PATH: the host directory of a cgroup (absolute PATH)
cgdir() { if [ $V = 2 ]; then echo "/sys/fs/cgroup$2"; else echo "/sys/fs/cgroup/$1$2"; fi; }
# the caller's own cgroup in a hierarchy
own() { if [ $V = 2 ]; then sed -n 's/^0:://p' /proc/self/cgroup; else sed -n "s/^[0-9]*:$1:\\(.*\\)/\\1/p" /proc/self/cgroup; fi; }

hugetlb_mounted=""
cleanup() {
	for d in "$RST"/*/; do [ -d "$d" ] && "$RL" --root "$RST" delete --force "$(basename "$d")" >/dev/null 2>&1; done
	command -v crun >/dev/null && for d in "$CST"/*/; do
		[ -d "$d" ] && crun --root "$CST" delete --force "$(basename "$d")" >/dev/null 2>&1; done
	# leaves first
	find /sys/fs/cgroup -depth -type d -path "*/$TOPCG*" -exec rmdir {} \; 2>/dev/null
	find /sys/fs/cgroup -depth -type d -name "rltest$$*.slice" -exec rmdir {} \; 2>/dev/null
	if [ -n "$hugetlb_mounted" ]; then umount "$hugetlb_mounted" && rmdir "$hugetlb_mounted"; fi
	true
}
trap cleanup EXIT

# bundle DIR ARGS_JSON LINUX_EXTRA_JSON: the busybox rootfs, read-only, a /tmp tmpfs
bundle() {
	mkdir -p "$1"
	cat >"$1/config.json" <<EOF
{
	"ociVersion": "1.0.2",
	"process": { "args": $2, "env": ["PATH=/bin"], "cwd": "/", "user": { "uid": 0, "gid": 0 } },
	"root": { "path": "$R", "readonly": true },
	"mounts": [ { "destination": "/proc", "type": "proc", "source": "proc" },
		    { "destination": "/tmp", "type": "tmpfs", "source": "tmpfs" } ],
	"linux": { "namespaces": [ { "type": "pid" }, { "type": "mount" }, { "type": "ipc" },
				   { "type": "uts" }, { "type": "network" } ]$3 }
}
EOF
}
# the hierarchies state.json records for a container
cg_paths() { jq -r '.cgroup.hierarchies[].path' "$RST/$1/state.json" 2>/dev/null; }
state_pid() { jq -r ".$2" "$RST/$1/state.json"; }

# ---- the limits in the host's files --------------------------------------------
P="/$TOPCG/c1"
bundle "$SCRATCH/b1" '["sleep", "100"]' ", \"cgroupsPath\": \"$P\", \"resources\": {
	\"pids\": { \"limit\": 40 },
	\"memory\": { \"limit\": 67108864, \"swap\": 134217728, \"reservation\": 33554432 },
	\"cpu\": { \"shares\": 512, \"quota\": 50000, \"period\": 100000, \"cpus\": \"0\", \"mems\": \"0\" },
	\"devices\": [ { \"allow\": false, \"access\": \"rwm\" } ] }"
name="oci-cgroup: linux.resources are in the host's cgroup files (cgroup v$V)"
if rl create --bundle "$SCRATCH/b1" c1 2>"$SCRATCH/err"; then
	if [ $V = 1 ]; then
		got="$(cat "$(cgdir pids "$P")/pids.max") $(cat "$(cgdir memory "$P")/memory.limit_in_bytes")"
		got="$got $(cat "$(cgdir memory "$P")/memory.soft_limit_in_bytes")"
		[ -f "$(cgdir memory "$P")/memory.memsw.limit_in_bytes" ] &&
			got="$got $(cat "$(cgdir memory "$P")/memory.memsw.limit_in_bytes")" || got="$got 134217728"
		got="$got $(cat "$(cgdir cpu "$P")/cpu.shares") $(cat "$(cgdir cpu "$P")/cpu.cfs_quota_us")"
		got="$got $(cat "$(cgdir cpu "$P")/cpu.cfs_period_us") $(cat "$(cgdir cpuset "$P")/cpuset.cpus")"
		want="40 67108864 33554432 134217728 512 50000 100000 0"
	else
		d=$(cgdir x "$P")
		got="$(cat "$d/pids.max") $(cat "$d/memory.max") $(cat "$d/memory.low") $(cat "$d/cpu.weight")"
		got="$got $(cat "$d/cpu.max") $(cat "$d/cpuset.cpus")"
		# runc's conversion: weight = 1 + (shares - 2) * 9999 / 262142
		want="40 67108864 33554432 20 50000 100000 0"
	fi
	if [ "$got" = "$want" ]; then pass "$name"; else fail "$name" "want: $want" "got:  $got"; fi
else
	fail "$name" "$(cat "$SCRATCH/err")"
fi

name="oci-cgroup: the sentry, the gofer and the application's processes are in the container's cgroup"
rl start c1 2>/dev/null
wait_until 5 sh -c "[ -n \"\$(\"$RL\" --root \"$RST\" ps --format json c1 | tr -d '[]')\" ]"
pids="$(state_pid c1 pid) $(state_pid c1 goferPid) $(rl ps --format json c1 | tr -d '[]' | tr ',' ' ')"
bad=""
for p in $pids; do
	ctrl=memory; [ $V = 2 ] && ctrl=""
	grep -q ":$ctrl:$P\$" "/proc/$p/cgroup" || bad="$bad $p($(grep ":$ctrl:" "/proc/$p/cgroup"))"
done
if [ -z "$bad" ] && [ "$(echo $pids | wc -w)" -ge 3 ]; then pass "$name"; else fail "$name" "pids: $pids" "not in $P:$bad"; fi

name="oci-cgroup: events --stats reads the cgroup (memory limit, pids limit and usage)"
out=$(rl events --stats c1 2>&1)
lim=$(printf '%s' "$out" | jq -r '.data.memory.usage.limit' 2>/dev/null)
pl=$(printf '%s' "$out" | jq -r '.data.pids.limit' 2>/dev/null)
cur=$(printf '%s' "$out" | jq -r '.data.pids.current' 2>/dev/null)
use=$(printf '%s' "$out" | jq -r '.data.memory.usage.usage' 2>/dev/null)
if [ "$lim" = 67108864 ] && [ "$pl" = 40 ] && [ "${cur:-0}" -ge 3 ] && [ "${use:-0}" -gt 0 ]; then pass "$name"; else
	fail "$name" "$out"; fi

name="oci-cgroup: pause freezes the container's cgroup, resume thaws it"
if [ $V = 1 ] && [ -d /sys/fs/cgroup/freezer ]; then fz() { cat "$(cgdir freezer "$P")/freezer.state"; }
elif [ $V = 2 ]; then fz() { [ "$(cat "$(cgdir x "$P")/cgroup.freeze")" = 1 ] && echo FROZEN || echo THAWED; }
else fz() { echo none; }; fi
if [ "$(fz)" = none ]; then skip "$name" "no freezer hierarchy mounted"; else
	rl pause c1; a=$(fz); s1=$(rl state c1 | jq -r .status)
	rl resume c1; b=$(fz); s2=$(rl state c1 | jq -r .status)
	if [ "$a $s1 $b $s2" = "FROZEN paused THAWED running" ]; then pass "$name"; else fail "$name" "$a $s1 $b $s2"; fi
fi

name="oci-cgroup: delete --force of a running container removes its cgroup in every hierarchy"
paths=$(cg_paths c1)
rl delete --force c1
left=""
for d in $paths; do [ -e "$d" ] && left="$left $d"; done
if [ -n "$paths" ] && [ -z "$left" ]; then pass "$name"; else fail "$name" "recorded: $paths" "left: $left"; fi

# ---- where the cgroup goes -------------------------------------------------------
name="oci-cgroup: without cgroupsPath the cgroup is the ID beneath the caller's cgroup, gone after delete"
bundle "$SCRATCH/b2" '["true"]' ""
ctrl=pids; [ $V = 2 ] && ctrl=x
rl create --bundle "$SCRATCH/b2" "id-$$" 2>"$SCRATCH/err"
want=$(cgdir $ctrl "$(own $ctrl | sed 's|^/$||')/id-$$")
got=$(cg_paths "id-$$" | grep -F "$(cgdir $ctrl /)" | head -1)
[ -d "$want" ] && here=yes || here=no
rl delete --force "id-$$"
if [ "$got" = "$want" ] && [ $here = yes ] && [ ! -e "$want" ]; then pass "$name"; else
	fail "$name" "want: $want ($here)" "got: $got" "$(cat "$SCRATCH/err")"; fi

name="oci-cgroup: a relative cgroupsPath is beneath the caller's cgroup"
bundle "$SCRATCH/b3" '["true"]' ", \"cgroupsPath\": \"$TOPCG-rel/x\""
rl create --bundle "$SCRATCH/b3" rel 2>"$SCRATCH/err"
want=$(cgdir $ctrl "$(own $ctrl | sed 's|^/$||')/$TOPCG-rel/x")
[ -d "$want" ] && here=yes || here=no
rl delete --force rel
if [ $here = yes ] && [ ! -e "$want" ]; then pass "$name"; else fail "$name" "$want: $here" "$(cat "$SCRATCH/err")"; fi

name="oci-cgroup: --systemd-cgroup slice:prefix:name is the scope systemd would make, with cgroupfs"
bundle "$SCRATCH/b4" '["true"]' ", \"cgroupsPath\": \"rltest$$-a.slice:pfx:sd1\""
"$RL" --systemd-cgroup --root "$RST" create --bundle "$SCRATCH/b4" sd1 2>"$SCRATCH/err"
want=$(cgdir $ctrl "/rltest$$.slice/rltest$$-a.slice/pfx-sd1.scope")
[ -d "$want" ] && here=yes || here=no
rl delete --force sd1
if [ $here = yes ] && [ ! -e "$want" ]; then pass "$name"; else fail "$name" "$want: $here" "$(cat "$SCRATCH/err")"; fi

# ---- hostile values ----------------------------------------------------------------
i=0
while IFS='|' read -r what extra; do
	i=$((i + 1))
	name="oci-cgroup: refused at create, one line, nothing left: $what"
	bundle "$SCRATCH/h$i" '["true"]' ", $extra"
	rl create --bundle "$SCRATCH/h$i" "h$i" >/dev/null 2>"$SCRATCH/err"; rc=$?
	left=$(find /sys/fs/cgroup -maxdepth 3 -name "h$i" 2>/dev/null; find /sys/fs/cgroup -maxdepth 3 -path "*/$TOPCG/h*" 2>/dev/null)
	if [ $rc = 1 ] && [ "$(wc -l <"$SCRATCH/err")" = 1 ] && [ ! -e "$RST/h$i" ] && [ -z "$left" ]; then
		pass "$name"; else fail "$name" "exit $rc" "$(cat "$SCRATCH/err")" "left: $left"; fi
done <<EOF
cgroupsPath with ..|"cgroupsPath": "/$TOPCG/../../escape"
cgroupsPath with a newline|"cgroupsPath": "/$TOPCG/a\nb"
pids.limit a string|"cgroupsPath": "/$TOPCG/h3", "resources": { "pids": { "limit": "10" } }
memory.limit negative|"cgroupsPath": "/$TOPCG/h4", "resources": { "memory": { "limit": -5 } }
memory.limit beyond int64|"cgroupsPath": "/$TOPCG/h5", "resources": { "memory": { "limit": 99999999999999999999999 } }
memory.swap below memory.limit|"cgroupsPath": "/$TOPCG/h6", "resources": { "memory": { "limit": 67108864, "swap": 1024 } }
cpu.shares out of range|"cgroupsPath": "/$TOPCG/h7", "resources": { "cpu": { "shares": 1 } }
cpu.cpus with a path|"cgroupsPath": "/$TOPCG/h8", "resources": { "cpu": { "cpus": "0;../../x" } }
unified key with a path|"cgroupsPath": "/$TOPCG/h9", "resources": { "unified": { "../cgroup.procs": "1" } }
unified cgroup.procs|"cgroupsPath": "/$TOPCG/h10", "resources": { "unified": { "cgroup.procs": "1" } }
EOF

# ---- effective inside, compared with crun ------------------------------------------
# crun refuses a hybrid host while hugetlb sits alone on v2: as in
# test_oci_crun.sh, hugetlb is mounted as a v1 hierarchy for the test.
CRUN=""
if command -v crun >/dev/null; then
	bundle "$SCRATCH/probe" '["true"]' ""
	if ! crun --root "$CST" run --bundle "$SCRATCH/probe" probe >/dev/null 2>"$SCRATCH/crun.err"; then
		if grep -q "hybrid mode" "$SCRATCH/crun.err" && [ ! -e /sys/fs/cgroup/hugetlb ] &&
		   mkdir /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb; then
			hugetlb_mounted=/sys/fs/cgroup/hugetlb
		fi
		crun --root "$CST" delete --force probe >/dev/null 2>&1
		crun --root "$CST" run --bundle "$SCRATCH/probe" probe >/dev/null 2>&1 && CRUN=yes
	else
		CRUN=yes
	fi
fi
# same_as_crun NAME BUNDLE ID WANT: runs the bundle in both; WANT is the exit status
same_as_crun() {
	r=$(rl run --bundle "$2" "r$3" 2>"$SCRATCH/rl.err"; echo "exit=$?")
	if [ -n "$CRUN" ]; then
		# (crun's cgroup: the same path, so a second name)
		sed "s|/$TOPCG/|/$TOPCG/crun-|" "$2/config.json" >"$2/crun.json" && mkdir -p "$2/c" &&
			cp "$2/crun.json" "$2/c/config.json"
		c=$(crun --root "$CST" run --bundle "$2/c" "c$3" 2>/dev/null; echo "exit=$?")
	else
		c="exit=$4 (crun not run)"
	fi
	if [ "$r" = "exit=$4" ] && [ "${c%% *}" = "exit=$4" ]; then pass "$1${CRUN:+ (as crun)}"; else
		fail "$1" "runsc-lite: $r" "crun: $c" "$(head -3 "$SCRATCH/rl.err")"; fi
}

# a fork loop: fork fails at the limit (busybox sh then exits 2), in both
bundle "$SCRATCH/fork" '["sh", "-c", "i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i+1)); done; echo all; exit 0"]' \
	", \"cgroupsPath\": \"/$TOPCG/fork\", \"resources\": { \"pids\": { \"limit\": 40 } }"
same_as_crun "oci-cgroup: a fork loop stops at pids.limit 40" "$SCRATCH/fork" fork 2
name="oci-cgroup: the cgroup counted the refused forks (pids.events), run removed it afterwards"
bundle "$SCRATCH/fork2" '["sh", "-c", "i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i+1)); done"]' \
	", \"cgroupsPath\": \"/$TOPCG/fork2\", \"resources\": { \"pids\": { \"limit\": 40 } }"
rl run --keep --bundle "$SCRATCH/fork2" fork2 >/dev/null 2>&1
ev=$(cat "$(cgdir pids "/$TOPCG/fork2")/pids.events" 2>/dev/null)
rl delete fork2
if [ "${ev#max }" -gt 0 ] 2>/dev/null && [ ! -e "$(cgdir pids "/$TOPCG/fork2")" ]; then pass "$name"; else fail "$name" "pids.events: $ev"; fi

# a memory hog: OOM-killed, 137, in both
HOG='["sh", "-c", "x=0123456789abcdef; while :; do x=$x$x; done"]'
bundle "$SCRATCH/hog" "$HOG" ", \"cgroupsPath\": \"/$TOPCG/hog\", \"resources\": { \"memory\": { \"limit\": 33554432 } }"
same_as_crun "oci-cgroup: a memory hog beyond memory.limit 32 MiB is OOM-killed: 137" "$SCRATCH/hog" hog 137

name="oci-cgroup: events reports the OOM kill as runc's {\"type\":\"oom\"} event"
bundle "$SCRATCH/hog2" "$HOG" ", \"cgroupsPath\": \"/$TOPCG/hog2\", \"resources\": { \"memory\": { \"limit\": 33554432 } }"
rl create --bundle "$SCRATCH/hog2" hog2 2>"$SCRATCH/err"
rl events --interval 1s hog2 >"$SCRATCH/events" 2>&1 &
evpid=$!
sleep 0.3
rl start hog2
wait_until 20 sh -c "! kill -0 $evpid"
kill $evpid 2>/dev/null
# (one per task killed: under ASan the sandbox is larger and a second task may go)
oom=$(grep -c '^{"type":"oom","id":"hog2"}$' "$SCRATCH/events")
rl delete --force hog2
if [ "$oom" -ge 1 ]; then pass "$name"; else fail "$name" "$(cut -c1-200 "$SCRATCH/events")" "$(cat "$SCRATCH/err")"; fi

name="oci-cgroup: memory.disableOOMKiller (v1): the hog waits in the OOM, events says oom, delete --force still cleans up"
if [ $V = 2 ]; then skip "$name" "cgroup v2 has no switch for the OOM killer"; else
	bundle "$SCRATCH/hog3" "$HOG" ", \"cgroupsPath\": \"/$TOPCG/hog3\", \"resources\": { \"memory\": { \"limit\": 33554432, \"disableOOMKiller\": true } }"
	rl create --bundle "$SCRATCH/hog3" hog3 2>"$SCRATCH/err"
	rl events --interval 1s hog3 >"$SCRATCH/events3" 2>&1 &
	evpid=$!
	sleep 0.3
	rl start hog3
	d=$(cgdir memory "/$TOPCG/hog3")
	wait_until 10 grep -q "under_oom 1" "$d/memory.oom_control"
	under=$(sed -n 's/^under_oom //p' "$d/memory.oom_control")
	wait_until 5 grep -q '"type":"oom"' "$SCRATCH/events3"
	st=$(rl state hog3 | jq -r .status)
	rl delete --force hog3
	wait_until 5 sh -c "! kill -0 $evpid"
	kill $evpid 2>/dev/null
	if [ "$under $st" = "1 running" ] && grep -q '^{"type":"oom","id":"hog3"}$' "$SCRATCH/events3" && [ ! -e "$d" ]; then
		pass "$name"; else fail "$name" "under_oom: $under, status: $st" "$(cut -c1-120 "$SCRATCH/events3")" "$(cat "$SCRATCH/err")"; fi
fi

# ---- update ---------------------------------------------------------------------
name="oci-cgroup: update --resources - and --pids-limit write new limits into the running container's cgroup"
P2="/$TOPCG/upd"
bundle "$SCRATCH/upd" '["sleep", "60"]' ", \"cgroupsPath\": \"$P2\", \"resources\": { \"pids\": { \"limit\": 50 }, \"memory\": { \"limit\": 67108864 } }"
rl run -d --bundle "$SCRATCH/upd" upd 2>"$SCRATCH/err"
echo '{ "memory": { "limit": 134217728 }, "cpu": { "shares": 256 } }' | rl update --resources - upd 2>>"$SCRATCH/err"
rl update --pids-limit 77 upd 2>>"$SCRATCH/err"
if [ $V = 1 ]; then
	got="$(cat "$(cgdir memory "$P2")/memory.limit_in_bytes") $(cat "$(cgdir pids "$P2")/pids.max") $(cat "$(cgdir cpu "$P2")/cpu.shares")"
	want="134217728 77 256"
else
	got="$(cat "$(cgdir x "$P2")/memory.max") $(cat "$(cgdir x "$P2")/pids.max") $(cat "$(cgdir x "$P2")/cpu.weight")"
	want="134217728 77 10"
fi
if [ "$got" = "$want" ]; then pass "$name"; else fail "$name" "want: $want" "got:  $got" "$(cat "$SCRATCH/err")"; fi
name="oci-cgroup: update with a hostile value is refused, one line, the limits untouched"
rl update --memory -7 upd 2>"$SCRATCH/err"; rc1=$?
echo '{ "unified": { "../../cgroup.procs": "1" } }' | rl update --resources - upd 2>>"$SCRATCH/err"; rc2=$?
rl update --resources /nonexistent upd 2>>"$SCRATCH/err"; rc3=$?
if [ $V = 1 ]; then now=$(cat "$(cgdir memory "$P2")/memory.limit_in_bytes"); else now=$(cat "$(cgdir x "$P2")/memory.max"); fi
if [ "$rc1 $rc2 $rc3" = "1 1 1" ] && [ "$(wc -l <"$SCRATCH/err")" = 3 ] && [ "$now" = 134217728 ]; then pass "$name"; else
	fail "$name" "exits: $rc1 $rc2 $rc3, memory now $now" "$(cat "$SCRATCH/err")"; fi
rl delete --force upd

# ---- podman (cgroupfs): --memory and --pids-limit where podman looks --------------
name="podman: run --memory 64m --pids-limit 20: the limits in its cgroup, podman stats shows them"
if ! command -v podman >/dev/null; then skip "$name" "podman is not installed"; else
	PS="$SCRATCH/podman"
	mkdir -p "$PS/tmp"
	cat >"$PS/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
	export CONTAINERS_CONF="$PS/containers.conf"
	printf '#!/bin/sh\nexec "%s" --root="%s" "$@"\n' "$RL" "$PS/rl" >"$PS/runtime"
	chmod 755 "$PS/runtime"
	pm() {
		podman --root "$PS/storage" --runroot "$PS/run" --storage-driver vfs --cgroup-manager=cgroupfs \
			--events-backend=file --tmpdir "$PS/tmp" --runtime "$PS/runtime" "$@"
	}
	if ! tar -C "$R" -c . | pm import - localhost/rl-busybox >"$SCRATCH/import.log" 2>&1; then
		skip "$name" "podman cannot run here: $(tail -1 "$SCRATCH/import.log")"
	else
		cid=$(pm run -d --network none --memory 64m --pids-limit 20 localhost/rl-busybox sleep 60 2>"$SCRATCH/err")
		cp=$(jq -r .linux.cgroupsPath "$PS"/storage/vfs-containers/"$cid"/userdata/config.json 2>/dev/null)
		if [ $V = 1 ]; then
			lim="$(cat "$(cgdir memory "$cp")/memory.limit_in_bytes" 2>&1) $(cat "$(cgdir pids "$cp")/pids.max" 2>&1)"
		else
			lim="$(cat "$(cgdir x "$cp")/memory.max" 2>&1) $(cat "$(cgdir x "$cp")/pids.max" 2>&1)"
		fi
		st=$(pm stats --no-stream --format '{{.MemUsage}} {{.PIDs}}' "$cid" 2>&1)
		out=$(pm exec "$cid" sh -c 'i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i+1)); done; echo all' 2>&1)
		pm rm -f -t 0 "$cid" >/dev/null 2>&1
		if [ "$lim" = "67108864 20" ] && printf '%s' "$st" | grep -q '/ 67.11MB [1-9]' &&
		   printf '%s' "$out" | grep -q "can't fork" && [ -n "$cp" ] && [ ! -e "$(cgdir pids "$cp")" ]; then
			pass "$name"
		else
			fail "$name" "cgroupsPath: $cp" "limits: $lim" "stats: $st" "fork loop: $out" "$(cat "$SCRATCH/err")"
		fi
	fi
fi

# ---- containerd: its runc shim reads the container's cgroup (ctr task metrics) ----
# (its cgroup library wants every v1 hierarchy /proc/self/cgroup lists to be
# mounted: on this project's hybrid hosts hugetlb is not, unless the crun
# section above mounted it)
name="containerd: ctr run --memory-limit: ctr task metrics reads the limit from the container's cgroup"
if ! command -v containerd >/dev/null || ! command -v ctr >/dev/null; then
	skip "$name" "containerd is not installed"
else
	# (as for crun: a v1 hierarchy the kernel lists, hugetlb, mounted for the test)
	if [ $V = 1 ] && grep -q ':hugetlb:' /proc/self/cgroup && [ ! -e /sys/fs/cgroup/hugetlb ] &&
	   mkdir /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb; then
		hugetlb_mounted=/sys/fs/cgroup/hugetlb
	fi
	CD="$SCRATCH/containerd"
	mkdir -p "$CD"
	cat >"$CD/config.toml" <<EOF2
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CD/containerd.sock"
[ttrpc]
  address = "$CD/containerd.sock.ttrpc"
EOF2
	containerd --config "$CD/config.toml" >"$CD/containerd.log" 2>&1 &
	cdpid=$!
	c() { ctr --address "$CD/containerd.sock" -n rltest "$@"; }
	if ! wait_until 20 c version; then
		skip "$name" "containerd does not start here: $(tail -1 "$CD/containerd.log")"
	else
		c run -d --runc-binary "$RL" --runc-root "$CD/rl" --fifo-dir "$CD/fifo" --cgroup "/$TOPCG/ctrd" \
			--memory-limit 67108864 --rootfs "$R" m1 sleep 60 >"$SCRATCH/ctr.out" 2>&1
		wait_until 10 sh -c "ctr --address '$CD/containerd.sock' -n rltest task ls | grep -q '^m1 .*RUNNING'"
		m=$(c task metrics m1 2>&1)
		echo "$m" >"$SCRATCH/metrics"
		c task kill -s KILL m1 >/dev/null 2>&1
		wait_until 10 sh -c "ctr --address '$CD/containerd.sock' -n rltest task ls | grep -q '^m1 .*STOPPED'"
		c task delete m1 >/dev/null 2>&1
		c container delete m1 >/dev/null 2>&1
		if printf '%s' "$m" | grep -Eq '^memory\.(limit_in_bytes|limit|max) +67108864'; then
			if [ ! -e "$(cgdir memory "/$TOPCG/ctrd")" ]; then pass "$name"; else fail "$name" "the cgroup stays"; fi
		elif grep -q "cannot find cgroup mount destination" "$CD/containerd.log"; then
			skip "$name" "containerd's cgroup library cannot load a cgroup on this host (an unmounted v1 hierarchy)"
		else
			fail "$name" "metrics: $m" "$(cat "$SCRATCH/ctr.out")" "$(tail -3 "$CD/containerd.log")"
		fi
	fi
	kill $cdpid 2>/dev/null
	wait $cdpid 2>/dev/null
fi
