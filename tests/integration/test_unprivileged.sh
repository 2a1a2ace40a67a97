# runsc-lite as an unprivileged user: user namespaces instead of root.
. "$TOP/tests/lib.sh"

user=rl-test
if [ "$(id -u)" != 0 ]; then
	# already unprivileged: test as ourselves
	as_user() { "$@"; }
	bin="$RL"
else
	if ! id "$user" >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /usr/sbin/nologin "$user" 2>/dev/null ||
			{ skip "unprivileged" "cannot create user $user"; exit 0; }
	fi
	as_user() { setpriv --reuid="$user" --regid="$user" --clear-groups --reset-env "$@"; }
	# a copy the user can reach whatever the checkout's permissions
	dir=$(mktemp -d /tmp/rl-unpriv.XXXXXX)
	chmod 755 "$dir"
	cp "$RL_REAL" "$dir/runsc-lite"
	bin="$dir/runsc-lite"
	if [ -n "${RL_PLATFORM:-}" ]; then
		printf '#!/bin/sh\nexec "%s" --platform=%s "$@"\n' "$bin" "$RL_PLATFORM" >"$dir/rl"
		chmod 755 "$dir/rl"
		bin="$dir/rl"
	fi
	trap 'rm -rf "$dir"' EXIT
fi
if ! as_user unshare --user --map-root-user --pid --fork --mount true 2>/dev/null; then
	skip "unprivileged" "unprivileged user namespaces are disabled on this kernel"
	exit 0
fi

name="unprivileged: do cat /etc/hostname"
out=$(as_user "$bin" do --cwd=/ -- /bin/cat /etc/hostname 2>&1)
if [ "$out" = "$(cat /etc/hostname)" ]; then pass "$name"; else fail "$name" "$out"; fi

# The program is uid 0 of a user namespace that maps 0 to the user: what
# `unshare -r` shows natively (the user's files are 0's, the others the
# overflow id), for stat through the gofer and fstat of a donated fd alike.
name="unprivileged: do busybox ls -la /etc matches the user's native view in a user namespace"
native=$(as_user unshare --user --map-root-user /bin/busybox ls -la /etc 2>&1)
sandbox=$(as_user "$bin" do --cwd=/ -- /bin/busybox ls -la /etc 2>&1)
if [ "$native" = "$sandbox" ]; then pass "$name"; else fail "$name" "$(diff <(echo "$native") <(echo "$sandbox") | head)"; fi

name="unprivileged: a file the user may not read stays unreadable"
secret="$SCRATCH/root-only"
echo secret > "$secret"; chmod 600 "$secret"; chmod 755 "$SCRATCH"
out=$(as_user "$bin" do --cwd=/ -- /bin/cat "$secret" 2>&1)
if ! echo "$out" | grep -q secret$ && echo "$out" | grep -q 'Permission denied'; then
	pass "$name"; else fail "$name" "$out"; fi

R=$(fresh_busybox_rootfs) || { skip "unprivileged: rootfs" "no busybox rootfs"; exit 0; }
[ "$(id -u)" = 0 ] && chown -R "$user" "$R"
chmod 755 "$(dirname "$R")"
name="unprivileged: run --rootfs --overlay=false writes and reads back a file"
out=$(as_user "$bin" --overlay=false run --rootfs "$R" -- /bin/sh -c 'echo unpriv > /tmp/u; cat /tmp/u; id -u' 2>&1)
if [ "$out" = "$(printf 'unpriv\n0')" ] && [ "$(cat "$R/tmp/u")" = unpriv ]; then
	pass "$name"; else fail "$name" "$out"; fi

name="unprivileged: run --rootfs (memory overlay) writes and reads back a file, the rootfs untouched"
out=$(as_user "$bin" run --rootfs "$R" -- /bin/sh -c 'echo over > /tmp/v; cat /tmp/v; mkdir /tmp/d; mv /tmp/v /tmp/d/w; cat /tmp/d/w; id -u' 2>&1)
if [ "$out" = "$(printf 'over\nover\n0')" ] && [ ! -e "$R/tmp/v" ] && [ ! -e "$R/tmp/d" ]; then
	pass "$name"; else fail "$name" "$out"; fi

name="unprivileged: the user's own files are uid 0's inside: a rootfs of theirs is writable (stat and fstat agree)"
out=$(as_user "$bin" run --rootfs "$R" -- /bin/sh -c 'echo appended >> /etc/passwd && busybox tail -1 /etc/passwd;
	busybox stat -c "%u" /etc/passwd; busybox stat -L -c "%u" /dev/stdin < /etc/hostname' 2>&1)
if [ "$out" = "$(printf 'appended\n0\n0')" ] && ! grep -qx appended "$R/etc/passwd"; then
	pass "$name"; else fail "$name" "$out"; fi
