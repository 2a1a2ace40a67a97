# The memory overlay over the root (the default): a tree of lower files
# made on the host, then a shell script of changes (copy-up by writes,
# chmod, truncate, links; whiteouts by rm and rmdir; opaque directories made
# over removed ones; renames of lower files and directories; merged
# listings; exec of lower and copied-up programs) run by busybox natively
# on Linux's overlayfs (the same tree as its lower layer, a tmpfs upper
# layer) and in the sandbox; the outputs must be the same, and the host
# tree must be left exactly as it was.
. "$TOP/tests/lib.sh"

R=$(fresh_busybox_rootfs) || { skip "overlay" "no busybox-static rootfs"; exit 0; }
[ "$(id -u)" = 0 ] || { skip "overlay: native overlayfs reference" "mounting one needs root"; exit 0; }

# make_tree DIR: the lower layer.
make_tree() {
	mkdir -p "$1" && cd "$1" || return 1
	printf 'lower data\n' > file
	printf 'second\n' > file2
	printf 'read only\n' > ro-file; chmod 0444 ro-file
	printf 'to truncate\n' > trunc
	printf '#!/bin/sh\necho from-lower\n' > exec.sh; chmod 0755 exec.sh
	mkdir -p dir/sub deep/x/y/z emptydir keep
	printf 'a\n' > dir/a; printf 'b\n' > dir/b; printf 'c\n' > dir/sub/c
	printf 'z\n' > deep/x/y/z/file
	printf 'k\n' > keep/k
	ln -s file link
	ln -s missing dangling
	printf 'h\n' > hard1; ln hard1 hard2
	mkfifo fifo
	chmod 0755 . dir deep emptydir keep
	cd - >/dev/null
}

cat > "$SCRATCH/overlay-probe.sh" <<'EOF'
step() { printf '== %s\n' "$*"; "$@" 2>&1 | sed 's/^[a-z]*: //'; }
names() { find "$@" | sort | tr '\n' ' '; echo; }
st() { stat -c '%n %F %a %h %s' "$@" 2>&1; }
step cat file link
step names .
echo more >> file; step cat file; step st file
i1=$(stat -c %i file2); echo x >> file2; i2=$(stat -c %i file2)
[ "$i1" = "$i2" ] && echo "file2: inode number kept by the copy-up" || echo "file2: new inode number"
step chmod 0600 ro-file; step st ro-file; step cat ro-file
: > trunc; step st trunc
step rm dir/a; step ls dir; step ls -a dir; step cat dir/a
step rmdir dir; step rm -r dir; step names .; step mkdir dir; step ls -a dir
step rmdir emptydir; step mkdir emptydir; step ls -a emptydir
step mv deep/x/y/z/file deep/moved; step names deep
step mv deep/x deep/x2; step names deep
step mv keep kept; step names kept; step cat kept/k
step ln hard1 hard3; step st hard1 hard2 hard3
echo changed > hard1; step cat hard1 hard2 hard3
step ln -s file newlink; step readlink newlink; step cat newlink
step readlink dangling; echo dangles > dangling; step cat missing
step ./exec.sh; cp exec.sh e2; step ./e2; echo 'echo appended' >> exec.sh; step ./exec.sh
step st fifo
touch new; mkdir newdir; step mv newdir dir/; step names dir
step rm file; step cat file; step ls file; touch file; step st file
step names .
step st . dir deep emptydir
EOF

make_tree "$R/tmp/ovl" || { fail "overlay: building the rootfs tree" "$R/tmp/ovl"; exit 0; }
cp "$SCRATCH/overlay-probe.sh" "$R/overlay-probe.sh"
before=$(cd "$R" && find . -printf '%p %y %s %m %n %T@ %l\n' | sort | md5sum)

o="$SCRATCH/native-ovl"
mkdir -p "$o/layers" "$o/merged"
make_tree "$o/lower"
native=
if mount -t tmpfs -o mode=0755 ovl-upper "$o/layers" && mkdir "$o/layers/upper" "$o/layers/work" &&
   mount -t overlay ovl -o "lowerdir=$o/lower,upperdir=$o/layers/upper,workdir=$o/layers/work,redirect_dir=off,index=off,metacopy=off" "$o/merged"; then
	native=$(cd "$o/merged" && PATH=/bin:/usr/bin busybox sh "$SCRATCH/overlay-probe.sh" 2>&1 |
		sed "s|$o/merged|.|g")
	umount "$o/merged"
fi
umount "$o/layers" 2>/dev/null

name="overlay: changes to lower files as Linux's overlayfs makes them (busybox script)"
if [ -z "$native" ]; then
	skip "$name" "no native overlayfs to compare with"
else
	sandbox=$(timeout -k 10 120 "$RL" run --rootfs "$R" --cwd /tmp/ovl -- /bin/sh /overlay-probe.sh 2>&1)
	if [ "$native" = "$sandbox" ] && [ "$(printf '%s\n' "$native" | grep -c '^== ')" -ge 45 ]; then
		pass "$name"; else fail "$name" "$(diff <(echo "$native") <(echo "$sandbox"))"; fi
fi

name="overlay: the rootfs on the host is exactly as before"
after=$(cd "$R" && find . -printf '%p %y %s %m %n %T@ %l\n' | sort | md5sum)
if [ "$before" = "$after" ]; then pass "$name"; else fail "$name" "the rootfs changed"; fi

name="overlay: a second sandbox starts from the untouched rootfs (changes are gone)"
out=$(timeout -k 10 60 "$RL" run --rootfs "$R" --cwd /tmp/ovl -- /bin/sh -c 'cat file; ls dir' 2>&1)
if [ "$out" = "$(printf 'lower data\na\nb\nsub')" ]; then pass "$name"; else fail "$name" "$out"; fi
