#!/bin/sh
# make demo: a shell script run by busybox inside the sandbox, with a fresh
# busybox rootfs (Debian's busybox-static) as its root.
set -eu
bin=$1
top=$(cd "$(dirname "$0")/.." && pwd)
rootfs="$top/build/demo-rootfs"
rm -rf "$rootfs"
sh "$top/tests/rootfs/make-busybox-rootfs.sh" "$rootfs"
secret=$(mktemp /tmp/runsc-lite-demo-secret.XXXXXX)
echo "a host file outside the rootfs" > "$secret"
cat > "$rootfs/demo.sh" <<SCRIPT
echo "== ls / (the busybox rootfs, listed through the sentry's VFS)"
ls /
echo "== write and read back /tmp/greeting"
echo "hello from inside runsc-lite" > /tmp/greeting
cat /tmp/greeting
echo "== who am I"
echo "hostname=\$(hostname) pid=\$\$ uid=\$(id -u)"
echo "== its own /proc: only the sandbox's processes"
ps -o pid,comm
echo "== what the sandbox cannot reach"
for p in $secret /etc/shadow /root/.bash_history /sys/kernel /dev/sda $top/README.md; do
	if cat "\$p" >/dev/null 2>&1; then echo "  reached  \$p"; else echo "  cannot reach \$p"; fi
done
SCRIPT
echo "\$ runsc-lite run --rootfs $rootfs -- /bin/sh /demo.sh"
status=0
"$bin" run --rootfs "$rootfs" -- /bin/sh /demo.sh || status=$?
echo "== on the host: the rootfs is untouched (the default memory overlay took the write)"
if [ -e "$rootfs/tmp/greeting" ]; then echo "  $rootfs/tmp/greeting exists: the overlay leaked"; status=1
else echo "  no $rootfs/tmp/greeting"; fi
echo "\$ runsc-lite --overlay=false run --rootfs $rootfs -- /bin/sh -c 'echo ... > /tmp/greeting'"
"$bin" --overlay=false run --rootfs "$rootfs" -- /bin/sh -c 'echo "hello from inside runsc-lite" > /tmp/greeting' || status=$?
rm -f "$secret"
echo "== on the host, the file written inside with --overlay=false:"
cat "$rootfs/tmp/greeting" || status=1
exit $status
