# Syscalls that change the tree, inside `run --rootfs` vs the same script
# natively in a chroot of an identical rootfs: same output, same errors,
# same resulting tree.
. "$TOP/tests/lib.sh"

if [ "$(id -u)" != 0 ]; then
	skip "tree changes vs chroot" "needs root for the native chroot"
	exit 0
fi
A=$(fresh_busybox_rootfs) && B=$(fresh_busybox_rootfs) || { skip "tree changes" "no busybox rootfs"; exit 0; }

cat > "$SCRATCH/changes.sh" <<'SCRIPT'
cd /tmp
umask 022
step() { echo "== $*"; "$@" 2>&1; echo "status $?"; }
step mkdir -p a/b/c
step mkdir a
step mkdir /
step mkdir a/b/c/
step touch f1 a/f2
step ln -s f1 sym
step ln -s /etc/passwd abs
step ln -s dangling dang
step ln f1 hard
step stat -c '%n %s %a %h %F' f1 hard sym a a/b
step readlink sym abs dang
step cat sym
step mv f1 a/b/moved
step cat a/b/moved
step mv a a/b/c/x
step mv a/b a/f2
step rmdir a
step rmdir a/b/c
step rm a/b/moved
step rm a/b/moved
step rm a
step chmod 640 hard
step chmod 700 a/b
step stat -c '%n %a' hard a/b
step mkfifo fifo
step stat -c '%n %F %a' fifo
step truncate -s 5 hard
step stat -c '%n %s' hard
step touch -d '2001-02-03 04:05:06' hard
step stat -c '%n %Y' hard
step ln -s x a/b/
step mv hard hard2
step mv hard2 sym
step ls -la /tmp
umask 077
step mkdir private
step stat -c '%n %a' private
step rm -r a
step ls -la /tmp
SCRIPT
cp "$SCRATCH/changes.sh" "$A/changes.sh"
cp "$SCRATCH/changes.sh" "$B/changes.sh"

native=$(chroot "$A" /bin/sh /changes.sh 2>&1 | sed 's/[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]\{5\}/DATE/')
sandbox=$("$RL" --overlay=false run --rootfs "$B" -- /bin/sh /changes.sh 2>&1 | sed 's/[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]\{5\}/DATE/')
name="tree changes: same output and errors as native (mkdir, rmdir, unlink, rename, link, symlink, mknod, chmod, truncate, utimes, umask)"
if [ "$native" = "$sandbox" ]; then pass "$name"; else
	fail "$name" "$(diff <(echo "$native") <(echo "$sandbox") | head -40)"; fi

tree() { (cd "$1" && find . -path ./proc -prune -o -printf '%P %y %m %s %l %n\n' | sort); }
name="tree changes: the resulting host tree is the same"
if [ "$(tree "$A")" = "$(tree "$B")" ]; then pass "$name"; else
	fail "$name" "$(diff <(tree "$A") <(tree "$B") | head -20)"; fi

name="tree changes: mknod of a device is refused (EPERM), as for an unprivileged process"
C=$(fresh_busybox_rootfs)
out=$("$RL" --overlay=false run --rootfs "$C" -- /bin/sh -c 'mknod /tmp/null c 1 3; echo "status $?"' 2>&1)
if echo "$out" | grep -q 'Operation not permitted' && echo "$out" | grep -q 'status 1' && [ ! -e "$C/tmp/null" ]; then
	pass "$name"; else fail "$name" "$out"; fi
