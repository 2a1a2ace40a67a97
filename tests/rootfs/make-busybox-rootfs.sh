#!/bin/sh
# Builds a minimal root filesystem from Debian's busybox-static into DIR.
# Reused when DIR/.complete exists.
set -eu
dir=${1:-}
case $dir in
''|/|//*) echo "make-busybox-rootfs: refusing to build into '$dir'" >&2; exit 1 ;;
esac
[ -f "$dir/.complete" ] && exit 0
bb=/bin/busybox
if ! "$bb" --list >/dev/null 2>&1 || readelf -l "$bb" 2>/dev/null | grep -q INTERP; then
	echo "make-busybox-rootfs: $bb is not Debian's busybox-static (apt-get install busybox-static)" >&2
	exit 1
fi
rm -rf "$dir"
mkdir -p "$dir/bin" "$dir/etc" "$dir/tmp" "$dir/root" "$dir/proc" "$dir/dev" "$dir/sys" "$dir/home"
chmod 1777 "$dir/tmp"
cp "$bb" "$dir/bin/busybox"
for applet in $("$bb" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$dir/bin/$applet"
done
ln -s bin "$dir/sbin"
mkdir -p "$dir/usr"
ln -s ../bin "$dir/usr/bin"
cat > "$dir/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PW
cat > "$dir/etc/group" <<'GR'
root:x:0:
nogroup:x:65534:
GR
echo busybox-rootfs > "$dir/etc/hostname"
cat > "$dir/etc/os-release" <<'OS'
NAME="runsc-lite busybox test rootfs"
ID=busybox
OS
touch "$dir/.complete"
