# The sandbox's /dev is writable as a container's /dev tmpfs is (and
# Linux's devtmpfs): a capability-less uid 0 creates files, directories,
# symlinks, FIFOs and sockets there, renames, links and removes the
# device nodes, and still cannot make a device (mknod: EPERM).  The probe
# (tests/helpers/static_dev_write_probe.c) runs natively in a mount
# namespace of its own with a tmpfs on /dev holding exactly the sandbox's
# starting nodes (made by real root with mknod, as crun does), dropped to
# uid 0 without capabilities, and in the sandbox in `run` and `do` mode;
# the outputs must be identical.
. "$TOP/tests/lib.sh"

probe=$BUILD/tests/helpers/static_dev_write_probe
[ -x "$probe" ] || { skip "dev write" "probe not built (make tests-build)"; exit 0; }
R=$(fresh_busybox_rootfs) || { skip "dev write" "no busybox-static rootfs"; exit 0; }
cp "$probe" "$R/probe"

native_setup='set -e
mount -t tmpfs -o mode=755,size=65536k,nosuid rl-dev /dev
for n in null:1:3:666 zero:1:5:666 full:1:7:666 random:1:8:666 urandom:1:9:666 tty:5:0:666 console:5:1:600 ptmx:5:2:666; do
	IFS=: read -r name maj min mode <<EOF
$n
EOF
	mknod -m "$mode" "/dev/$name" c "$maj" "$min"
done
mkdir -m 755 /dev/pts && mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mkdir -m 1777 /dev/shm && mount -t tmpfs -o mode=1777 shm /dev/shm
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
cd /
exec setpriv --bounding-set=-all --inh-caps=-all "$1"'

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null ||
   ! unshare --mount --propagation private true 2>/dev/null; then
	skip "dev write" "the native reference needs root, unshare --mount and setpriv"
	exit 0
fi
native=$(timeout -k 10 60 unshare --mount --propagation private sh -c "$native_setup" sh "$probe" 2>&1)
if ! echo "$native" | grep -q '^end:root -> '; then
	fail "dev write: the native reference runs" "$native"
	exit 0
fi
pass "dev write: the native reference runs ($(echo "$native" | wc -l) cases)"

for mode in run do; do
	name="$mode: /dev is writable as a container's /dev tmpfs, devices stay fixed"
	if [ $mode = run ]; then
		out=$(timeout -k 10 120 "$RL" run --rootfs "$R" -- /probe 2>&1)
	else
		out=$(timeout -k 10 120 "$RL" do -- "$probe" 2>&1)
	fi
	if [ "$out" = "$native" ]; then pass "$name"; else
		fail "$name" "$(diff <(echo "$native") <(echo "$out") | head -30)"; fi
done
