#!/bin/sh
# The arm64 stage: build/arm64 (make arm64) tested in a qemu-system-aarch64
# guest (TCG: -M virt -cpu max, no KVM) booting Debian's generic arm64
# kernel with an initramfs that holds runsc-lite, its shared libraries and
# the aarch64 dynamic loader (from Debian's :arm64 packages), a static
# arm64 busybox (init, and the sandbox's rootfs), the cross-built policy
# unit tests and tests/arm64/guest.sh.  The guest prints "RLTAP "-prefixed
# TAP lines on its serial console and powers off; this prints them without
# the prefix, for tests/run.sh to count.  Without qemu, the cross build or
# the Debian packages (downloaded once into $CACHE), one SKIP line.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${ARM64_BUILD_DIR:-$TOP/build/arm64}
CACHE=${RUNSC_LITE_CACHE:-/var/cache/runsc-lite}/arm64
TIMEOUT=${ARM64_TIMEOUT:-420}
skip() { echo "ok - arm64 guest # SKIP $1"; exit 0; }

[ -f "$B/.build-failed" ] && { echo "not ok - arm64 guest: the cross build failed (make arm64)"; exit 1; }
command -v qemu-system-aarch64 >/dev/null || skip "no qemu-system-aarch64 (make arm64-deps)"
# what the guest runs (make arm64 builds them)
PROGS="runsc-lite tests/platform/test_app_policy tests/platform/test_helper_policies
	tests/arm64/aarch32_killed tests/helpers/static_forkexec tests/helpers/static_thread_opens"
for f in $PROGS; do
	[ -x "$B/$f" ] || skip "no arm64 build: $B/$f (make arm64)"
done
command -v busybox >/dev/null || skip "no host busybox for cpio (busybox-static)"

# ---- the Debian arm64 kernel and busybox, cached -------------------------------
mkdir -p "$CACHE" || skip "cannot create $CACHE"
fetch() {   # fetch PACKAGE: its .deb in $CACHE (apt-get download, once)
	ls "$CACHE/$1"_*_arm64.deb >/dev/null 2>&1 && return 0
	(cd "$CACHE" && apt-get download "$1:arm64" >/dev/null 2>&1)
}
if [ ! -f "$CACHE/vmlinuz" ]; then
	kpkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { sub(/:arm64$/, "", $2); print $2; exit }')
	[ -n "$kpkg" ] || skip "apt knows no linux-image-arm64:arm64 (dpkg --add-architecture arm64; apt-get update)"
	fetch "$kpkg" || skip "cannot download $kpkg:arm64"
	k=$(mktemp -d)
	dpkg-deb --fsys-tarfile "$(ls "$CACHE/$kpkg"_*_arm64.deb | head -1)" | tar -x -C "$k" ./boot 2>/dev/null
	cp "$k"/boot/vmlinuz-* "$CACHE/vmlinuz.tmp" && mv "$CACHE/vmlinuz.tmp" "$CACHE/vmlinuz"
	rm -rf "$k"
	[ -f "$CACHE/vmlinuz" ] || skip "no vmlinuz in $kpkg"
fi
if [ ! -f "$CACHE/busybox" ]; then
	fetch busybox-static || skip "cannot download busybox-static:arm64"
	k=$(mktemp -d)
	dpkg-deb --fsys-tarfile "$(ls "$CACHE"/busybox-static_*_arm64.deb | head -1)" | tar -x -C "$k" ./bin/busybox
	cp "$k/bin/busybox" "$CACHE/busybox.tmp" && mv "$CACHE/busybox.tmp" "$CACHE/busybox"
	rm -rf "$k"
	[ -f "$CACHE/busybox" ] || skip "no busybox in busybox-static:arm64"
fi

# ---- the initramfs ------------------------------------------------------------
W=$(mktemp -d /tmp/rl-arm64.XXXXXX)
trap 'rm -rf "$W"' EXIT
I=$W/initramfs
mkdir -p "$I/bin" "$I/lib/aarch64-linux-gnu" "$I/rl" "$I/rootfs"
cp "$CACHE/busybox" "$I/bin/busybox"
cp "$TOP/tests/arm64/init.sh" "$I/init"
cp "${ARM64_GUEST_SCRIPT:-$TOP/tests/arm64/guest.sh}" "$I/rl/guest.sh"   # (another script: debugging)
chmod 755 "$I/init" "$I/bin/busybox"
for f in $PROGS; do
	aarch64-linux-gnu-strip -o "$I/rl/$(basename "$f")" "$B/$f" 2>/dev/null || cp "$B/$f" "$I/rl/"
done
# the shared libraries they need, found where Debian's multiarch puts them
libdirs="/lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu"
need=$(for f in "$I"/rl/*; do readelf -d "$f" 2>/dev/null; done | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u)
seen=""
while [ -n "$need" ]; do
	next=""
	for lib in $need; do
		case " $seen " in *" $lib "*) continue ;; esac
		seen="$seen $lib"
		src=""
		for d in $libdirs; do [ -e "$d/$lib" ] && { src="$d/$lib"; break; }; done
		[ -n "$src" ] || { echo "not ok - arm64 guest: $lib (arm64) not found in $libdirs"; exit 1; }
		cp -L "$src" "$I/lib/aarch64-linux-gnu/$lib"
		next="$next $(readelf -d "$src" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')"
	done
	need=$next
done
interp=$(readelf -l "$B/runsc-lite" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
[ -n "$interp" ] && mkdir -p "$I$(dirname "$interp")" && cp -L "$interp" "$I$interp"
(cd "$I" && find . | busybox cpio -o -H newc 2>/dev/null) >"$W/initramfs.cpio" ||
	{ echo "not ok - arm64 guest: building the initramfs"; exit 1; }

# ---- boot ---------------------------------------------------------------------
start=$(date +%s)
timeout -k 10 "$TIMEOUT" qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on -m 2G -smp 2 \
	-accel tcg,thread=multi -display none -monitor none -serial stdio -nic none -no-reboot \
	-kernel "$CACHE/vmlinuz" -initrd "$W/initramfs.cpio" \
	-append "console=ttyAMA0 quiet loglevel=3 panic=-1 rdinit=/init" </dev/null >"$W/console.log" 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))
tr -d '\r' <"$W/console.log" | sed -n 's/.*RLTAP //p'
if ! tr -d '\r' <"$W/console.log" | grep -q 'RLTAP # done'; then
	echo "not ok - arm64 guest finished (qemu status $rc after ${elapsed}s)"
	tr -d '\r' <"$W/console.log" | tail -25 | sed 's/^/#  /'
	[ -n "${ARM64_KEEP_LOG:-}" ] && cp "$W/console.log" "$ARM64_KEEP_LOG"
	exit 1
fi
[ -n "${ARM64_KEEP_LOG:-}" ] && cp "$W/console.log" "$ARM64_KEEP_LOG"
echo "# arm64 guest: booted, tested and powered off in ${elapsed}s"
exit 0
