# tmpfs (--tmpfs) and volumes (--volume): real programs in the sandbox,
# compared with native where it means something.
#  - the tmpfs probe (tests/helpers/static_tmpfs_conf.c) natively on a real
#    tmpfs of size=1m and sandboxed on --tmpfs=DIR:size=1m, case by case;
#  - every conformance family (static_conf_*) with its scratch directory on
#    a tmpfs, natively and sandboxed (CONF_TMPFS, tests/lib/conformance.sh);
#  - a binary copied into a tmpfs and run, a shared mapping seen through
#    another open, ENOSPC at size=, independent tmpfs mounts;
#  - --volume read-write (writes reach the host) and :ro (EROFS, host unchanged).
# CONF_FAMILIES narrows the family runs, as in test_conformance.sh.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib/conformance.sh"

CONF_ROOTFS=$(fresh_busybox_rootfs) || { skip "tmpfs" "no busybox-static rootfs"; exit 0; }
R=$CONF_ROOTFS

# ---- the tmpfs probe, then every family on a tmpfs -------------------------
CONF_TMPFS=1 CONF_TMPFS_OPTS=size=1m CONF_MIN_CASES=60 \
	conformance tmpfs "$BUILD/tests/helpers/static_tmpfs_conf"
for probe in "$BUILD"/tests/helpers/static_conf_*; do
	case $probe in *.d) continue ;; esac
	family=${probe##*/static_conf_}
	if [ -n "${CONF_FAMILIES:-}" ] && ! printf ' %s ' $CONF_FAMILIES | grep -q " $family "; then
		continue
	fi
	caps=none
	[ "$family" = attrs ] && caps=all
	CONF_TMPFS=1 CONF_NATIVE_CAPS=$caps conformance "$family" "$probe"
done

# ---- programs ----------------------------------------------------------------
mkdir -p "$R/scratch" "$R/scratch2"
out=$("$RL" run --rootfs "$R" --tmpfs=/scratch -- /bin/sh -c \
	'cp /bin/busybox /scratch/busybox && chmod 755 /scratch/busybox && /scratch/busybox echo ran-from-tmpfs' 2>&1)
if [ "$out" = ran-from-tmpfs ]; then pass "exec: a binary copied into a tmpfs runs"
else fail "exec: a binary copied into a tmpfs runs" "$out"; fi

out=$("$RL" run --rootfs "$R" --tmpfs=/scratch:size=256k -- /bin/sh -c \
	'yes | head -c 1000000 > /scratch/f; echo "rc=$?"; ls -l /scratch/f | awk "{print \$5}"; rm /scratch/f;
	 yes | head -c 100000 > /scratch/g && echo refilled' 2>&1)
if printf '%s\n' "$out" | grep -qx 'rc=1' && printf '%s\n' "$out" | grep -qx 262144 &&
	printf '%s\n' "$out" | grep -qx refilled; then
	pass "size=: ENOSPC at the limit, space back after rm"
else
	fail "size=: ENOSPC at the limit, space back after rm" "$out"
fi

out=$("$RL" run --rootfs "$R" --tmpfs=/scratch:size=64k --tmpfs=/scratch2 -- /bin/sh -c \
	'yes | head -c 100000 > /scratch2/big && echo second-not-limited;
	 stat -f -c %t /scratch2; stat -c %d /scratch /scratch2 | sort -u | wc -l' 2>&1)
if [ "$out" = "$(printf 'second-not-limited\n1021994\n2')" ]; then
	pass "two tmpfs mounts: own sizes, own devices, TMPFS_MAGIC"
else
	fail "two tmpfs mounts: own sizes, own devices, TMPFS_MAGIC" "$out"
fi

# the tmpfs is the sandbox's: nothing of it reaches the host rootfs
if [ -z "$(ls -A "$R/scratch")" ]; then pass "tmpfs: nothing written reaches the host directory below"
else fail "tmpfs: nothing written reaches the host directory below" "$(ls -A "$R/scratch")"; fi

out=$("$RL" run --rootfs "$R" --tmpfs=/nope -- /bin/true 2>&1); rc=$?
if [ $rc = 125 ] && printf '%s\n' "$out" | grep -q '/nope'; then pass "tmpfs: a missing mount point is a one-line error"
else fail "tmpfs: a missing mount point is a one-line error" "exit $rc: $out"; fi
for bad in '/scratch:size=0' '/scratch:size=-1' '/scratch:size=1x' '/scratch:bogus=1' 'rel' '/scratch:mode=9'; do
	out=$("$RL" run --rootfs "$R" --tmpfs="$bad" -- /bin/true 2>&1); rc=$?
	if [ $rc = 125 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ]; then pass "cli: --tmpfs=$bad is refused in one line"
	else fail "cli: --tmpfs=$bad is refused in one line" "exit $rc: $out"; fi
done

# ---- volumes -------------------------------------------------------------------
V=$SCRATCH/vol; VR=$SCRATCH/volro
mkdir -p "$V" "$VR" "$R/mnt/rw" "$R/mnt/ro"
echo host-data >"$V/in"; echo ro-data >"$VR/in"
out=$("$RL" run --rootfs "$R" --volume="$V:/mnt/rw" --volume="$VR:/mnt/ro:ro" -- /bin/sh -c \
	'cat /mnt/rw/in /mnt/ro/in; echo from-sandbox > /mnt/rw/out; mkdir /mnt/rw/d && echo ok-mkdir;
	 echo x > /mnt/ro/out; rm /mnt/ro/in; echo done' 2>&1)
if [ "$(cat "$V/out" 2>/dev/null)" = from-sandbox ] && [ -d "$V/d" ] &&
	printf '%s\n' "$out" | grep -qx host-data && printf '%s\n' "$out" | grep -qx ro-data; then
	pass "volume rw: the host directory is served, writes reach the host"
else
	fail "volume rw: the host directory is served, writes reach the host" "$out"
fi
if [ "$(ls -A "$VR")" = in ] && [ "$(cat "$VR/in")" = ro-data ] &&
	[ "$(printf '%s\n' "$out" | grep -c 'Read-only file system')" = 2 ]; then
	pass "volume ro: writes fail with EROFS, the host directory is unchanged"
else
	fail "volume ro: writes fail with EROFS, the host directory is unchanged" "$out" "$(ls -A "$VR")"
fi
# a volume cannot be left through .. or a symlink to the host
ln -s / "$V/hostroot"
out=$("$RL" run --rootfs "$R" --volume="$V:/mnt/rw" -- /bin/sh -c \
	'ls /mnt/rw/../..; cat /mnt/rw/hostroot/etc/hostname 2>&1; ls /mnt/rw/hostroot/' 2>&1)
if ! printf '%s\n' "$out" | grep -q "$(cat /etc/hostname)" && ! printf '%s\n' "$out" | grep -qx vol; then
	pass "volume: .. and symlinks resolve in the sandbox, not on the host"
else
	fail "volume: .. and symlinks resolve in the sandbox, not on the host" "$out"
fi
for bad in "$V" "$V:rel" "$SCRATCH/none:/mnt/rw" "$V:/mnt/rw:rx" "/etc/hostname:/mnt/rw"; do
	out=$("$RL" run --rootfs "$R" --volume="$bad" -- /bin/true 2>&1); rc=$?
	if [ $rc = 125 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ]; then pass "cli: --volume=$bad is refused in one line"
	else fail "cli: --volume=$bad is refused in one line" "exit $rc: $out"; fi
done
out=$("$RL" do --cwd / --volume="$V:/mnt" -- /bin/cat /mnt/in 2>&1)
if [ "$out" = host-data ]; then pass "volume: with do too"; else fail "volume: with do too" "$out"; fi
