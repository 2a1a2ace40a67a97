#!/bin/busybox sh
# /init of the arm64 test guest (tests/arm64/run.sh builds the initramfs).
# The initramfs root cannot be pivot_root'ed (the sentry and gofer do), so
# everything moves to a tmpfs first and guest.sh runs from there as pid 1.
/bin/busybox mkdir -p /proc /sys /dev /newroot
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox mount -t tmpfs -o size=1536m,mode=755 root /newroot
for d in bin lib rl rootfs; do /bin/busybox cp -a /$d /newroot/; done
/bin/busybox mkdir -p /newroot/proc /newroot/sys /newroot/dev /newroot/tmp /newroot/run
/bin/busybox umount /dev
exec /bin/busybox switch_root /newroot /bin/busybox sh /rl/guest.sh
