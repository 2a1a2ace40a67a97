# Syscall fuzzing from inside (tests/helpers/static_syscall_fuzz.c): random
# trapped syscalls with hostile arguments from 4 racing threads, in a
# busybox rootfs under the memory overlay.  The sentry and gofer must
# survive, stay responsive (a final stat, then a second sandbox), and leak
# nothing: their fd counts (and, in the plain build, their resident memory)
# are compared between a mark after a warm-up and a mark at the end, with
# the program holding only stdio at both.  FUZZ_CALLS (default 20000) sets
# the number of calls; `make fuzz-syscalls` runs 10^6.
. "$TOP/tests/lib.sh"
# a sandbox that died early closes the pipe: a write must fail, not kill us
trap '' PIPE

calls=${FUZZ_CALLS:-20000}
seed=${FUZZ_SEED:-$(date +%s)}
probe="$BUILD/tests/helpers/static_syscall_fuzz"
case $probe in /*) ;; *) probe="$PWD/$probe" ;; esac
[ -x "$probe" ] || { fail "fuzz: probe built" "make tests-build"; exit 0; }
R=$(fresh_busybox_rootfs) || { skip "fuzz" "no busybox-static rootfs"; exit 0; }
cp "$probe" "$R/bin/static_syscall_fuzz"
mkdir -m 0777 "$R/tmp/fz"

# the sentry and gofer of runsc-lite $1: its children; the sentry is the one
# in another pid namespace
helpers() {
	for p in $(grep -ls "^PPid:[[:space:]]*$1\$" /proc/[0-9]*/status | cut -d/ -f3); do
		if [ "$(readlink /proc/"$p"/ns/pid)" != "$(readlink /proc/self/ns/pid)" ]; then
			echo "sentry $p"
		else
			echo "gofer $p"
		fi
	done
}
nfds() { ls /proc/"$1"/fd 2>/dev/null | wc -l; }
# The sentry's fds without its cache's: a placeholder (/.rl/ph-N) belongs to
# a cached directory inode and goes with it when the dentry cache (8192
# entries) evicts it -- the fuzzer's torn names make new directories, so
# their number follows the cache, not a leak.
nfds_nocache() { ls -l /proc/"$1"/fd 2>/dev/null | awk 'NR > 1' | grep -vc '/\.rl/ph-'; }
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' /proc/"$1"/status 2>/dev/null; }

coproc FZ { exec timeout -k 10 1800 "$RL" run --rootfs "$R" --cwd /tmp/fz --nofile=256 -- \
	/bin/static_syscall_fuzz "$seed" "$calls" 4 2>"$SCRATCH/fuzz.err"; }
rl_pid=$FZ_PID
exec {fz_out}<&"${FZ[0]}" {fz_in}>&"${FZ[1]}"
line=
read -r -t 600 line <&$fz_out
# $rl_pid is timeout(1); runsc-lite is its child
cli=$(pgrep -P "$rl_pid" | head -1)
S=$(helpers "${cli:-$rl_pid}")
sentry=$(echo "$S" | awk '$1 == "sentry" { print $2 }')
gofer=$(echo "$S" | awk '$1 == "gofer" { print $2 }')
# what a helper's fds are, by kind (numbers dropped)
kinds() { ls -l /proc/"$1"/fd 2>/dev/null | awk 'NR > 1 { print $NF }' | sed 's/[0-9]//g' | sort | uniq -c; }
s1=$(nfds "$sentry"); g1=$(nfds "$gofer")
echo go >&$fz_in
read -r -t 1800 line2 <&$fz_out
s2=$(nfds "$sentry"); g2=$(nfds "$gofer"); r2=$(rss_kb "$sentry"); k2=$(kinds "$sentry")
n2=$(nfds_nocache "$sentry")
echo go >&$fz_in
read -r -t 1800 line3 <&$fz_out
s3=$(nfds "$sentry"); g3=$(nfds "$gofer"); r3=$(rss_kb "$sentry"); k3=$(kinds "$sentry")
n3=$(nfds_nocache "$sentry")
echo go >&$fz_in
read -r -t 600 last <&$fz_out
exec {fz_in}>&-
wait "$rl_pid"
rc=$?

name="fuzz: $calls random trapped syscalls (seed $seed, 4 threads): the sentry and gofer survive and still serve"
if [ "$rc" = 0 ] && [ "$line" = "fuzz mark1" ] && [ "$line2" = "fuzz mark2" ] && [ "$line3" = "fuzz mark3" ] &&
	[ "$last" = "fuzz calls $calls alive" ]; then
	pass "$name"
else
	fail "$name" "exit $rc, output: '$line' '$line2' '$line3' '$last'" "stderr: $(tail -5 "$SCRATCH/fuzz.err")"
fi
name="fuzz: the sentry and gofer leak no fd (the second half adds none but cached directories' placeholders)"
if [ -n "$sentry" ] && [ -n "$gofer" ] && [ -n "$n2" ] && [ "$n3" -le $((n2 + 4)) ] && [ "$g3" -le $((g2 + 16)) ] &&
	[ "$s3" -le $((8192 + 512 + 64)) ]; then
	pass "$name"
else
	fail "$name" "sentry $sentry: $s1 -> $s2 -> $s3 fds ($n2 -> $n3 without placeholders); gofer $gofer: $g1 -> $g2 -> $g3 fds" \
		"sentry fds at mark2:" "$k2" "at mark3:" "$k3"
fi
r1=$r2 r2=$r3
echo "# sentry fds $s1 -> $s2 -> $s3 ($n2 -> $n3 without placeholders), gofer fds $g1 -> $g2 -> $g3, sentry VmRSS $r1 -> $r2 kB (marks 2 and 3)"
name="fuzz: the sentry's resident memory grows by less than 32 MiB in the second half"
if grep -q __asan_init "$RL_REAL" 2>/dev/null; then
	skip "$name" "ASan build (its quarantine holds freed memory)"
elif [ -n "$r1" ] && [ -n "$r2" ] && [ $((r2 - r1)) -lt 32768 ]; then
	pass "$name"
else
	fail "$name" "VmRSS $r1 kB -> $r2 kB"
fi
name="fuzz: a new sandbox runs after the fuzzing one"
out=$(timeout -k 5 60 "$RL" run --rootfs "$R" -- /bin/sh -c 'ls /tmp/fz >/dev/null && echo served' 2>&1)
if [ "$out" = served ]; then pass "$name"; else fail "$name" "$out"; fi
