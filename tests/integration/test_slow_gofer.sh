# A slow gofer (stopped with SIGSTOP from outside): lookups, an open and
# directory listings that need it wait — on a volume and on the overlay root's lower layer,
# eight at once, more than the sentry's first four workers — while the sandbox's other
# syscalls (a tmpfs, cached names, procfs) go on; a task killed inside such
# a lookup wedges nothing; once the gofer continues, every lookup completes.
. "$TOP/tests/lib.sh"

R=$(fresh_busybox_rootfs) || { skip "slow gofer" "no busybox-static rootfs"; exit 0; }
mkdir "$SCRATCH/vol" "$R/vol" "$SCRATCH/vol/listme" "$R/listroot"
touch "$SCRATCH/vol/there" "$SCRATCH/vol/listme/a" "$R/listroot/b"
mkfifo "$SCRATCH/in"
exec 3<>"$SCRATCH/in"   # read-write: opening it never blocks
out=$SCRATCH/out

timeout -k 5 120 "$RL" ${DBG:+--debug-log=$DBG} run --rootfs "$R" --tmpfs /tmp --volume "$SCRATCH/vol:/vol" -- /bin/sh -c '
	[ -e /vol/there ] && [ -e /tmp ] && [ -e /bin/sh ] && [ -d /vol/listme ] && [ -d /listroot ] && echo ready
	read go
	for i in 1 2 3 4 5 6; do ( [ -e /vol/slow$i ] || echo slow$i done ) & done
	( [ -e /slowroot ] || echo slowroot done ) &
	( read l < /vol/there; echo open done ) &
	( for f in /vol/listme/*; do echo "listed $f"; done; echo list done ) &
	( for f in /listroot/*; do echo "listed $f"; done; echo listroot done ) &
	( [ -e /vol/victim ]; echo victim survived ) &
	victim=$!
	i=0
	while [ $i -lt 300 ]; do
		[ -e /vol/there ] && [ -e /bin/sh ] && echo $i > /tmp/f && read l < /proc/self/stat || exit 9
		i=$((i + 1))
	done
	kill -9 $victim
	echo fast done
	wait
	echo all done' <"$SCRATCH/in" >"$out" 2>&1 &
rl=$!

if ! wait_until 30 grep -q '^ready' "$out"; then
	fail "slow gofer: sandbox starts" "$(head -5 "$out")"
	kill $rl; exit 0
fi
# the gofer of the sandbox whose runsc-lite is $1 (under timeout): the
# descendant whose argv[1] is "gofer"
find_gofer() {
	for p in $(cat /proc/$1/task/*/children); do
		for c in $(cat /proc/$p/task/*/children); do
			tr '\0' ' ' </proc/$c/cmdline | grep -q '^[^ ]* gofer' && echo $c
		done
	done
	return 0
}
# kill(2) returns before every thread has stopped: wait until each one has
# (state T), or a worker still running would answer the first lookups
all_stopped() {
	for st in /proc/"$1"/task/*/stat; do
		[ "$(sed 's/.*) //' "$st" | cut -d' ' -f1)" = T ] || return 1
	done
}
# Once the sandbox of runsc-lite $1 printed "ready" to $out: its gofer
# stopped (in $gofer, every thread), and "go" sent on fd 3.  False if the
# sandbox never got ready or its gofer is not found.
stop_gofer_and_go() {
	wait_until 30 grep -q '^ready' "$out" && gofer=$(find_gofer "$1") && [ -n "$gofer" ] || return 1
	kill -STOP "$gofer"
	wait_until 10 all_stopped "$gofer"
	echo go >&3
}
gofer=$(find_gofer $rl)
[ -n "$gofer" ] || { fail "slow gofer: find the gofer" "$(ps -ef --forest | grep -A3 "$rl")"; kill $rl; exit 0; }

kill -STOP "$gofer"
wait_until 10 all_stopped "$gofer" || { fail "slow gofer: the gofer stops" "$(cat /proc/$gofer/task/*/stat)"; kill -CONT "$gofer"; exit 0; }
echo go >&3
name="slow gofer: tmpfs, cached names and procfs go on while 7 lookups, an open and 2 listings wait"
if wait_until 30 grep -q '^fast done' "$out" && ! grep -q 'slow.* done\|open done\|list.* done\|listed' "$out"; then
	pass "$name"
else
	fail "$name" "output while the gofer was stopped:" "$(cat "$out")"
fi
kill -CONT "$gofer"
wait $rl
rc=$?
name="slow gofer: every waiting lookup completes once it continues"
done_count=$(grep -c '^slow.* done$' "$out")
if [ $rc = 0 ] && [ "$done_count" = 7 ] && grep -q '^open done' "$out" && grep -q '^all done' "$out" &&
   grep -q '^listed /vol/listme/a$' "$out" && grep -q '^list done' "$out" &&
   grep -q '^listed /listroot/b$' "$out" && grep -q '^listroot done' "$out" && ! grep -q victim "$out"; then
	pass "$name"
else
	fail "$name" "exit $rc, $done_count of 7 lookups answered:" "$(cat "$out")"
fi

# Under --file-access=shared every stat re-reads the attributes from the
# gofer (Tgetattr); that request is made without the lock too: an fstat
# through /dev/fd waits while procfs and a tmpfs go on.
out=$SCRATCH/out2
timeout -k 5 120 "$RL" --file-access=shared run --rootfs "$R" --tmpfs /tmp --volume "$SCRATCH/vol:/vol" -- /bin/sh -c '
	exec 5</vol/there
	[ -s /dev/fd/5 ] || echo ready
	read go
	( [ -s /dev/fd/5 ] || echo fstat done ) &
	i=0
	while [ $i -lt 300 ]; do
		echo $i > /tmp/f && read l < /proc/self/stat || exit 9
		i=$((i + 1))
	done
	echo fast done
	wait
	echo all done' <"$SCRATCH/in" >"$out" 2>&1 &
rl=$!
if stop_gofer_and_go $rl; then
	name="slow gofer: procfs and a tmpfs go on while an fstat waits for its attributes (shared)"
	if wait_until 30 grep -q '^fast done' "$out" && ! grep -q 'fstat done' "$out"; then pass "$name"; else
		fail "$name" "output while the gofer was stopped:" "$(cat "$out")"; fi
	kill -CONT "$gofer"
	wait $rl
	rc=$?
	name="slow gofer: the fstat completes once it continues (shared)"
	if [ $rc = 0 ] && grep -q '^fstat done' "$out" && grep -q '^all done' "$out"; then pass "$name"; else
		fail "$name" "exit $rc" "$(cat "$out")"; fi
else
	fail "slow gofer: sandbox starts (shared)" "$(head -5 "$out")"
	kill $rl
fi

# Changes on a volume — create, mkdir, unlink, rename, chmod, link,
# symlink, setxattr — make their requests without the lock too, the
# directory (or file) held meanwhile, and so do a statfs, a connect to a
# host socket and the lookup and open of a program to exec (not yet
# cached): with the
# gofer stopped they wait while procfs, a tmpfs and cached names go on;
# once it continues, every one completes and the host tree shows them.
mkdir -p "$SCRATCH/chg" "$R/chg"
touch "$SCRATCH/chg/gone" "$SCRATCH/chg/moved" "$SCRATCH/chg/perm" "$SCRATCH/chg/orig" "$SCRATCH/chg/xa"
cp "$BUILD/tests/helpers/static_xattr_probe" "$BUILD/tests/helpers/static_unix_client" "$R/bin/"
"$BUILD/tests/helpers/unix_echo_server" "$SCRATCH/chg/sock" &
echo_server=$!
wait_until 10 test -S "$SCRATCH/chg/sock"
out=$SCRATCH/out3
timeout -k 5 120 "$RL" run --rootfs "$R" --tmpfs /tmp --volume "$SCRATCH/chg:/chg" -- /bin/sh -c '
	[ -e /chg/gone ] && [ -e /chg/moved ] && [ -e /chg/perm ] && [ -e /chg/orig ] && [ -e /chg/xa ] && [ -S /chg/sock ] && echo ready
	read go
	( : > /chg/created; echo create done ) &
	( mkdir /chg/newdir; echo mkdir done ) &
	( rm /chg/gone; echo unlink done ) &
	( mv /chg/moved /chg/renamed; echo rename done ) &
	( chmod 600 /chg/perm; echo chmod done ) &
	( ln /chg/orig /chg/hard; echo link done ) &
	( ln -s orig /chg/soft; echo symlink done ) &
	( /bin/static_xattr_probe set /chg/xa user.k v >/dev/null; echo setxattr done ) &
	( stat -f /chg >/dev/null; echo statfs done ) &
	( /bin/static_unix_client /chg/sock | grep -q "^reply: pong:ping" && echo connect done ) &
	i=0
	while [ $i -lt 300 ]; do
		[ -e /bin/sh ] && echo $i > /tmp/f && read l < /proc/self/stat || exit 9
		i=$((i + 1))
	done
	echo fast done
	wait
	echo all done' <"$SCRATCH/in" >"$out" 2>&1 &
rl=$!
if stop_gofer_and_go $rl; then
	name="slow gofer: procfs, a tmpfs and cached names go on while 7 changes, an exec of an uncached binary, a setxattr, a statfs and a connect to a host socket wait"
	if wait_until 30 grep -q '^fast done' "$out" && ! grep -v '^fast done' "$out" | grep -q ' done$'; then
		pass "$name"
	else
		fail "$name" "output while the gofer was stopped:" "$(cat "$out")"
	fi
	kill -CONT "$gofer"
	wait $rl
	rc=$?
	name="slow gofer: the changes, the exec, the setxattr, the statfs and the connect complete once it continues, and the host has them"
	h="$SCRATCH/chg"
	if [ $rc = 0 ] && [ "$(grep -c ' done$' "$out")" = 12 ] && grep -q '^all done' "$out" &&
	   [ -f "$h/created" ] && [ -d "$h/newdir" ] && [ ! -e "$h/gone" ] && [ ! -e "$h/moved" ] &&
	   [ -f "$h/renamed" ] && [ "$(stat -c %a "$h/perm")" = 600 ] && [ "$h/orig" -ef "$h/hard" ] &&
	   [ "$(readlink "$h/soft")" = orig ] &&
	   "$BUILD/tests/helpers/static_xattr_probe" get "$h/xa" user.k | grep -q -e '-> 1 "v"'; then
		pass "$name"
	else
		fail "$name" "exit $rc" "$(cat "$out")" "host: $(ls -l "$h")"
	fi
else
	fail "slow gofer: sandbox starts (changes)" "$(head -5 "$out")"
	kill $rl
fi
kill $echo_server 2>/dev/null

# A request still made with the lock held (O_TMPFILE) while the gofer is
# stopped: the sandbox's next syscalls are received all the same (the
# worker hands the receiving over), so another process's open of a tmpfs
# file, received at once, waits for the lock killably.  Signals sent to it
# meanwhile (a handler without SA_RESTART) are handled when it returns;
# none ends it with EINTR, as none would on Linux, where that open never
# sleeps.  (Unreceived, the open would wait interruptibly: EINTR.)
cp "$BUILD/tests/helpers/static_tmpfile" "$BUILD/tests/helpers/static_sigopen" "$R/bin/"
mkdir -p "$SCRATCH/held" "$R/held"
out=$SCRATCH/out4
timeout -k 5 120 "$RL" run --rootfs "$R" --tmpfs /tmp --volume "$SCRATCH/held:/held" -- /bin/sh -c '
	delay() { k=0; while [ $k -lt $1 ]; do k=$((k + 1)); done; }   # (no syscall)
	mkfifo /tmp/go
	/bin/static_sigopen /tmp/f </tmp/go &
	opener=$!
	exec 4>/tmp/go
	[ -d /held ] && /bin/static_tmpfile /tmp >/dev/null && echo ready
	read go
	( /bin/static_tmpfile /held; echo tmpfile done ) &
	delay 20000
	echo >&4
	delay 20000
	for j in 1 2 3 4 5 6 7 8 9 10; do kill -USR1 $opener; delay 2000; done
	echo signals sent
	wait
	echo all done' <"$SCRATCH/in" >"$out" 2>&1 &
rl=$!
if stop_gofer_and_go $rl; then
	wait_until 30 grep -q '^signals sent' "$out"
	kill -CONT "$gofer"
	wait $rl
	rc=$?
	name="slow gofer: an open waiting behind a request made with the lock held is not ended by signals (no EINTR)"
	if [ $rc = 0 ] && grep -q '^signals sent' "$out" && grep -q '^open done' "$out" &&
	   grep -q '^signals handled: [1-9]' "$out" && grep -q '^ok' "$out" && grep -q '^all done' "$out"; then
		pass "$name"
	else
		fail "$name" "exit $rc" "$(cat "$out")"
	fi
else
	fail "slow gofer: sandbox starts (held)" "$(head -5 "$out")"
	kill $rl
fi

# Lookups and listings in parallel (the lock released around each), of the same names,
# while another process makes, renames and removes them: the sentry
# survives every interleaving (the ASan build reports any misuse), and the
# directory the sandbox lists at the end is the host's.
mkdir -p "$SCRATCH/par/d" "$R/par"
for policy in fscache none; do
	out=$(timeout -k 5 120 "$RL" --cache-policy=$policy run --rootfs "$R" --volume "$SCRATCH/par:/par" -- /bin/sh -c '
		for p in 1 2 3 4; do (
			j=0
			while [ $j -lt 30 ]; do
				for n in 0 1 2 3 4 5 6 7; do [ -e /par/d/n$n ]; [ -e /par/d/n$n/x ]; done
				for f in /par/d/*; do :; done
				j=$((j + 1))
			done ) &
		done
		( j=0
		  while [ $j -lt 30 ]; do
			for n in 0 1 2 3; do
				mkdir /par/d/n$n && mv /par/d/n$n /par/d/n$((n + 4)) && rmdir /par/d/n$((n + 4)) || echo failed $n
			done
			j=$((j + 1))
		  done ) &
		wait
		echo "left: $(ls /par/d)"' 2>&1)
	rc=$?
	name="parallel lookups while names come and go ($policy)"
	if [ $rc = 0 ] && [ "$out" = "left: " ] && [ -z "$(ls "$SCRATCH/par/d")" ]; then
		pass "$name"
	else
		fail "$name" "exit $rc" "$out" "host: $(ls "$SCRATCH/par/d")"
	fi
done

# Listings are read without the lock too, so readers of one open directory
# are kept in turn (Linux's f_pos lock): 8 threads reading one shared fd
# with tiny buffers see every entry exactly once, on a volume and on the
# overlay root, with and without the listing cache.
cp "$BUILD/tests/helpers/static_shared_getdents" "$R/bin/"
mkdir -p "$SCRATCH/many" "$R/many"
i=0
while [ $i -lt 300 ]; do
	touch "$SCRATCH/many/a_longish_name_to_fill_buffers_$i" "$R/many/a_longish_name_to_fill_buffers_$i"
	i=$((i + 1))
done
for policy in fscache none; do
	name="8 threads read one shared directory fd: every entry once ($policy)"
	out=$(timeout -k 5 120 "$RL" --cache-policy=$policy run --rootfs "$R" --volume "$SCRATCH/many:/vol" -- \
		/bin/sh -c '/bin/static_shared_getdents /vol 8 20; /bin/static_shared_getdents /many 8 20' 2>&1)
	want="8 threads x 20 rounds over 302 entries: 0 rounds wrong, 0 errors"
	if [ "$out" = "$want
$want" ]; then pass "$name"; else fail "$name" "$out"; fi
done

# Changes in parallel, each holding its directories while its request goes
# without the lock: three processes create, rename across two directories
# (in both directions: the two directories are taken together, never one
# then the other), link, chmod and remove overlapping names while a fourth
# looks them up and lists them.  No deadlock (the timeout), no sentry
# misuse (the ASan build), and the tree the sandbox shows at the end is the
# host's.
mkdir -p "$SCRATCH/mix/a" "$SCRATCH/mix/b" "$R/mix"
for policy in fscache none; do
	out=$(timeout -k 5 180 "$RL" --cache-policy=$policy run --rootfs "$R" --volume "$SCRATCH/mix:/mix" -- /bin/sh -c '
		worker() {
			j=0
			while [ $j -lt 25 ]; do
				for n in 0 1 2 3; do
					: > /mix/$1/f$n 2>/dev/null
					mv /mix/$1/f$n /mix/$2/g$n$3 2>/dev/null
					ln /mix/$2/g$n$3 /mix/$1/h$n 2>/dev/null
					chmod 600 /mix/$1/h$n 2>/dev/null
					mkdir /mix/$1/d$n 2>/dev/null && rmdir /mix/$1/d$n 2>/dev/null
					rm -f /mix/$2/g$n$3 /mix/$1/h$n 2>/dev/null
				done
				j=$((j + 1))
			done
			mkdir /mix/$2/last$3 && : > /mix/$2/last$3/f && ln -s f /mix/$1/link$3
		}
		worker a b x & worker b a y & worker a b z &
		( j=0; while [ $j -lt 60 ]; do ls /mix/a /mix/b >/dev/null 2>&1; [ -e /mix/a/f1 ]; j=$((j + 1)); done ) &
		wait
		echo "a: $(ls /mix/a | tr "\n" " ")"; echo "b: $(ls /mix/b | tr "\n" " ")"' 2>&1)
	rc=$?
	host="a: $(ls "$SCRATCH/mix/a" | tr "\n" " ")
b: $(ls "$SCRATCH/mix/b" | tr "\n" " ")"
	name="parallel changes across two directories, then the host's tree ($policy)"
	if [ $rc = 0 ] && [ "$out" = "$host" ]; then pass "$name"; else
		fail "$name" "exit $rc" "sandbox: $out" "host: $host"; fi
	rm -rf "$SCRATCH/mix/a/"* "$SCRATCH/mix/b/"*
done
