# A real Debian userland (bookworm minbase + python3 gcc make git tar xz
# procps, tests/rootfs/make-debian-rootfs.sh) in the sandbox: bash scripts
# of coreutils, tar, sha256sum, python3, gcc + make -j2 and git, each run
# natively in a chroot of the same rootfs and in `runsc-lite run`, with the
# same output and exit status; ps/top/free/procfs/mounts show only the
# sandbox's world; the rootfs is byte-identical after the overlay runs, and
# --overlay=false writes through to a writable rootfs.
#
# The native reference: the script in a chroot of a kernel overlayfs whose
# lower layer is the same rootfs (the cache is shared and must never be
# written; the overlay is also what the sandbox's default root is), upper
# layer on a tmpfs, in a private mount + pid + uts namespace with its own
# /proc and /dev/shm (nothing stays mounted: the namespace goes with its
# last process), hostname debian-test (the sandbox gets --hostname), as uid
# 0 without any capability (setpriv: no bounding set, SECBIT_NOROOT), which
# is what the sandboxed program is.  Both get the same environment (env -i).
# The scripts print only what both must agree on, so the outputs are
# compared byte for byte; each place that leaves something out says why.
. "$TOP/tests/lib.sh"

DEB=$(debian_rootfs) || { skip "debian" "$DEB"; exit 0; }

ENVV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C TZ=UTC TERM=dumb"
HOST=debian-test
NAT="$SCRATCH/native"
mkdir -p "$NAT/layers" "$NAT/merged" || { fail "debian: scratch directories" "$NAT"; exit 0; }
root=no; [ "$(id -u)" = 0 ] && root=yes
# The ASan build is several times slower: the timeouts scale.
slow=1; case $BUILD in */san) slow=3 ;; esac

# sandbox SECONDS SCRIPT [RUNSC-LITE RUN FLAGS...]: bash -c SCRIPT in the sandbox.
sandbox() {
	t=$(( $1 * slow )) s=$2; shift 2
	# shellcheck disable=SC2086
	timeout -k 10 "$t" "$RL" run --rootfs "$DEB" --hostname=$HOST "$@" -- \
		/usr/bin/env -i $ENVV /bin/bash -c "set -eo pipefail; $s"
}

# native SECONDS SCRIPT: the same natively (see the top of the file).
# Mounts are made only inside the new mount namespace, on $NAT/merged.
cat > "$SCRATCH/native-setup.sh" <<'EOF'
set -e
n=$1 deb=$2 env=$3 host=$4 script=$5
# Refuse anything but the directories this test made: the mounts below
# must land nowhere else.
[ -d "$n/layers" ] && [ -d "$n/merged" ] && [ -f "$deb/.complete" ]
mount -t tmpfs -o mode=0755 native-layers "$n/layers"
mkdir "$n/layers/upper" "$n/layers/work"
mount -t overlay native-root -o "lowerdir=$deb,upperdir=$n/layers/upper,workdir=$n/layers/work,redirect_dir=off,index=off,metacopy=off" "$n/merged"
mount -t proc proc "$n/merged/proc"
mount -t tmpfs -o mode=1777 shm "$n/merged/dev/shm"
hostname "$host"
exec chroot "$n/merged" /usr/bin/setpriv --securebits=+noroot,+noroot_locked \
	--bounding-set=-all --inh-caps=-all /usr/bin/env -i $env /bin/bash -c "set -eo pipefail; $script"
EOF
native() {
	timeout -k 10 "$1" unshare --mount --pid --uts --fork --kill-child --propagation private \
		/bin/sh "$SCRATCH/native-setup.sh" "$NAT" "$DEB" "$ENVV" "$HOST" "$2"
}

# compare NAME SECONDS [RUNSC-LITE RUN FLAGS...] <<'EOF' SCRIPT EOF:
# stdout+stderr and exit status natively and in the sandbox must be the
# same, and the script must succeed natively.  The scripts are quoted
# here-documents, never quoted strings: nothing in them can end the quote
# and run on the host.
compare() {
	name=$1 t=$2; shift 2
	script=$(cat)
	if [ $root = no ]; then skip "$name" "the native chroot reference needs root"; return; fi
	n=$(native "$t" "$script" </dev/null 2>&1; echo "exit=$?")
	s=$(sandbox "$t" "$script" "$@" </dev/null 2>&1; echo "exit=$?")
	if [ "${n##*exit=}" != 0 ]; then
		fail "$name" "the script fails natively:" "$(printf '%s\n' "$n" | tail -10)"
	elif [ "$n" = "$s" ]; then
		pass "$name"
	else
		fail "$name" "native and sandbox differ (< native, > sandbox):" \
			"$(diff <(printf '%s\n' "$n") <(printf '%s\n' "$s") | head -30)"
	fi
}

# tree_hash DIR: metadata of every name and the content of every regular
# file (the device nodes in the rootfs's /dev are listed, never opened).
tree_hash() {
	(cd "$1" && find . -printf '%p %y %s %m %n %U:%G %T@ %l\n' | LC_ALL=C sort | sha256sum
	 cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -n 500 -P 2 sha256sum | LC_ALL=C sort | sha256sum)
}
before=$(tree_hash "$DEB")

# ---- coreutils ------------------------------------------------------------

# A tree made with mkdir/ln -s/ln/cp -a/mv/chmod -R/touch -d, then listed
# with ls -la and stat.  Its times are set by touch -d before the listing
# (a file made now has a different mtime in each run: whether it is
# recent is checked instead), so the listings need no normalising.
compare "debian: coreutils ls -la, cp -a, mv, ln -s, chmod -R, touch -d, stat in /tmp" 60 <<'EOF'
mkdir -p /tmp/t/src/sub/deep /tmp/t/other
cd /tmp/t
printf "hello\n" > src/a.txt
head -c 100000 /usr/bin/bash > src/sub/blob
seq 1 1000 > src/sub/deep/numbers
ln -s ../a.txt src/sub/link-to-a
ln -s /nonexistent src/dangling
ln src/a.txt src/hard-a
mkfifo src/fifo
chmod 0640 src/a.txt
[ $(( $(date +%s) - $(stat -c %Y src/a.txt) )) -lt 120 ] && echo "a new file has a recent mtime"
touch -d "2001-02-03 04:05:06" src/sub/deep/numbers
touch -h -d @1000000000 src/sub/link-to-a
cp -a src copy
mv copy/sub copy/moved-sub
mv copy/a.txt other/
chmod -R go-rwx copy
chmod -R u+w,g+rX,o= other
stat -c "%n %F %a %s %h %y" src/sub/deep/numbers copy/moved-sub/deep/numbers
stat -c "%n %F %a %s %h" other/a.txt copy/hard-a
stat -c "%n %N %y" copy/moved-sub/link-to-a
stat -c "%n %N" copy/dangling
cat copy/moved-sub/link-to-a 2>&1 || echo "cat: status $?"
cmp src/sub/blob copy/moved-sub/blob && echo "blob copied"
mv copy/moved-sub/deep other/deep && ls other/deep
rm -r src/sub && ls src
find /tmp/t -exec touch -h -d "2020-01-01 00:00:00" {} +
touch -d "2020-01-01 00:00:00" /tmp
ls -laR /tmp/t
EOF

# cp -a of a directory of the rootfs keeps modes, owners, times, links
# (but the group of /etc/shadow and /etc/gshadow: uid 0 without CAP_CHOWN
# may not give a file a group it is not in, EPERM both ways); find, du.
# Directory sizes are left out of the copy's listing (the rootfs is ext4,
# the copy on a tmpfs: 4096 against the tmpfs's count of entries; which
# one is printed is the filesystem's business).
compare "debian: coreutils cp -a of /etc and /usr/share/doc, find, du" 90 <<'EOF'
# Of / itself (the "." and ".." of ls -la /) nothing is compared: the
# root of the kernel overlay is its upper directory (made by this test
# just now: its mtime, a tmpfs size), the sandbox's is the rootfs's root
# until its first change there; neither is the rootfs's business (nor is
# the "total" line, which counts its blocks).  /proc and /dev are mount
# points, each with its own filesystem (checked below); their lines are
# left out, and with them the column widths they set (natively /proc's
# link count is the number of processes on the whole host).
ls -la / | grep -vE "^total | (\.|\.\.|proc|dev)$" | tr -s " "
ls -la /usr/bin /var/lib/dpkg /usr/lib/x86_64-linux-gnu /etc/apt
lst() { (cd "$1" && find . \( -type d -printf "%p d %m %U:%G %Ts\n" \) -o -printf "%p %y %m %n %U:%G %Ts %s %l\n" | sort); }
for d in /etc /usr/share/doc; do
	cp -a $d /tmp/copy || echo "cp -a $d: status $?"
	lst $d > /tmp/l1; lst /tmp/copy > /tmp/l2
	echo "cp -a $d: $(wc -l < /tmp/l1) names"; diff /tmp/l1 /tmp/l2 || :
	diff -r $d /tmp/copy && echo "cp -a $d: same contents"
	rm -rf /tmp/copy
done
find /usr/include -name "*.h" | wc -l
find /usr -type l -name "*.so*" | sort | sed -n 1,20p
find /usr/share -maxdepth 2 -type d | sort | sha256sum
find /etc -newer /etc/debian_version -type f | sort | sed -n 1,10p
find / -mindepth 1 \( -path /proc -o -path /dev -o -path /tmp -o -path /sys \) -prune -o -printf "%p %y %m %s %n %Ts %l\n" | sort > /tmp/all
wc -l < /tmp/all; sha256sum < /tmp/all
du -s --apparent-size --block-size=1 /usr/include /usr/share/doc /etc
du -sk /usr/lib/gcc /usr/bin
cp -a /usr/include/linux /tmp/linux
du -s --apparent-size -b /tmp/linux/*.h | sort | sha256sum
du -ak /tmp/linux | sort -k2 | sha256sum
EOF

# Directories of the rootfs copied up because something changed beneath
# them: their mtimes are the rootfs's (a copy-up is no change of the
# directory), and their sizes those of the upper layer's directory (both
# upper layers are tmpfs: 40 + 20 per entry).  The root's mtime is left
# out (see above).
compare "debian: coreutils stat of directories copied up by changes beneath them" 30 <<'EOF'
touch /usr/share/doc/x; mkdir /var/lib/z
stat -c "%n size %s links %h mtime %y" /usr /usr/share /var
stat -c "%n size %s links %h" /usr/share/doc /var/lib /
touch /newfile && stat -c "%n size %s links %h" /
EOF

# df: the mount point of each path and the exit status.  The sizes are not
# compared: the sandbox's / is its own overlay whose upper layer is the
# sentry's tmpfs, the native one a kernel overlay with another tmpfs.
compare "debian: coreutils df" 30 <<'EOF'
df -P / /tmp /usr/include | awk "NR > 1 { print \$6 }"
df -h > /dev/null && echo "df -h: ok"
df -i / > /dev/null && echo "df -i: ok"
EOF

# ---- tar, sha256sum ---------------------------------------------------------

# XZ_OPT=-0: the compression level only costs CPU time (3 s instead of
# 0.3 natively), nothing of what is tested.
compare "debian: tar cJf / tar xJf round trip of /usr/include, identical listings" 90 <<'EOF'
cd /tmp
XZ_OPT=-0 tar cJf inc.tar.xz -C /usr include
mkdir x && tar xJf inc.tar.xz -C x
lst() { (cd "$1" && find include \( -type d -printf "%p d %m %U:%G %Ts\n" \) -o -printf "%p %y %m %n %U:%G %Ts %s %l\n" | sort); }
lst /usr > l1; lst /tmp/x > l2
cmp l1 l2 && echo "identical listings: $(wc -l < l1) names"
sums() { (cd "$1" && find include -type f -print0 | sort -z | xargs -0 sha256sum); }
sums /usr > s1; sums /tmp/x > s2
cmp s1 s2 && echo "identical contents: $(wc -l < s1) files, $(sha256sum < s1)"
tar tvJf inc.tar.xz | sort -k6 | sha256sum
tar cf - -C /tmp/x include | tar tvf - | sort -k6 | sha256sum
EOF

compare "debian: sha256sum of a tree (/usr/lib/python3.11, and a copy of it in /tmp)" 90 <<'EOF'
cd /usr/lib/python3.11 && find . -type f -print0 | sort -z | xargs -0 sha256sum > /tmp/s1
cp -a /usr/lib/python3.11 /tmp/py
cd /tmp/py && find . -type f -print0 | sort -z | xargs -0 sha256sum > /tmp/s2
cmp /tmp/s1 /tmp/s2 && echo "copy: same sums"
cat /tmp/s1
EOF

# ---- python3 ----------------------------------------------------------------

compare "debian: python3 sqlite3 database in /tmp (rollback journal and WAL)" 60 <<'EOF'
python3 -c "
import sqlite3, os
for mode in (\"delete\", \"wal\"):
    p = \"/tmp/db-\" + mode + \".sqlite\"
    c = sqlite3.connect(p)
    print(c.execute(\"pragma journal_mode=\" + mode).fetchone())
    c.execute(\"create table t(i integer primary key, s text)\")
    c.executemany(\"insert into t(s) values (?)\", [(str(i) * 10,) for i in range(5000)])
    c.commit()
    c.execute(\"create index ix on t(s)\")
    c.execute(\"delete from t where i % 7 = 0\")
    c.commit()
    print(c.execute(\"select count(*), sum(length(s)) from t\").fetchone())
    print(c.execute(\"pragma integrity_check\").fetchone())
    c2 = sqlite3.connect(p)
    print(\"second connection:\", c2.execute(\"select s from t where i = 4321\").fetchone())
    c2.close(); c.close()
    c = sqlite3.connect(p)
    print(\"reopened:\", c.execute(\"select count(*) from t\").fetchone())
    c.execute(\"vacuum\"); c.close()
print(sorted(os.listdir(\"/tmp\")))
"
EOF

compare "debian: python3 tempfile" 30 <<'EOF'
python3 -c "
import tempfile, os, stat
with tempfile.TemporaryDirectory() as d:
    print(d.startswith(\"/tmp/tmp\"), oct(os.stat(d).st_mode))
    with tempfile.NamedTemporaryFile(dir=d, delete=False) as f:
        f.write(b\"x\" * 10000)
        name = f.name
    print(os.path.getsize(name), oct(os.stat(name).st_mode), os.path.dirname(name) == d)
    fd, p = tempfile.mkstemp(suffix=\".txt\")
    os.write(fd, b\"hi\"); os.close(fd)
    print(open(p).read(), p.endswith(\".txt\")); os.unlink(p)
    with tempfile.TemporaryFile() as f:
        f.write(b\"abc\"); f.seek(0); print(f.read(), len(os.listdir(d)))
    with tempfile.SpooledTemporaryFile(max_size=10) as f:
        f.write(b\"z\" * 100); print(f._rolled, f.tell())
    print(sorted(os.listdir(d)) == [os.path.basename(name)])
print(os.path.exists(d), tempfile.gettempdir())
"
EOF

compare "debian: python3 shutil.copytree and os.walk" 60 <<'EOF'
python3 -c "
import shutil, os, hashlib
def walk(top):
    out = []
    for root, dirs, files in os.walk(top):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f); st = os.lstat(p)
            out.append((os.path.relpath(p, top), oct(st.st_mode), st.st_size, int(st.st_mtime),
                        hashlib.sha256(open(p, \"rb\").read()).hexdigest()[:16]))
    return out
for src in (\"/usr/lib/python3.11/email\", \"/usr/lib/python3.11/json\", \"/usr/share/zoneinfo\"):
    dst = \"/tmp/\" + os.path.basename(src)
    shutil.copytree(src, dst, symlinks=True)
    a, b = walk(src), walk(dst)
    print(src, len(a), a == b)
shutil.move(\"/tmp/json\", \"/tmp/email/json-moved\")
shutil.copy2(\"/etc/os-release\", \"/tmp/email/\")
for line in walk(\"/tmp/email\"): print(*line)
shutil.rmtree(\"/tmp/email\"); print(os.path.exists(\"/tmp/email\"), sorted(os.listdir(\"/tmp\")))
"
EOF

compare "debian: python3 subprocess pipelines" 60 <<'EOF'
python3 -c "
import subprocess as sp
p1 = sp.Popen([\"find\", \"/usr/include\", \"-name\", \"*.h\"], stdout=sp.PIPE)
p2 = sp.Popen([\"sort\"], stdin=p1.stdout, stdout=sp.PIPE)
p3 = sp.Popen([\"sha256sum\"], stdin=p2.stdout, stdout=sp.PIPE)
p1.stdout.close(); p2.stdout.close()
print(p3.communicate()[0].decode().split()[0], p1.wait(), p2.wait(), p3.returncode)
r = sp.run(\"ls /usr/bin | grep -c ^py; echo err >&2; exit 3\", shell=True, capture_output=True, text=True)
print(r.returncode, repr(r.stdout), repr(r.stderr))
r = sp.run([\"python3\", \"-c\", \"import sys; print(sys.stdin.read().upper())\"], input=\"abc\", capture_output=True, text=True)
print(repr(r.stdout))
print(sp.check_output(\"cat /etc/debian_version | tr . _\", shell=True))
print(sp.run([\"sh\", \"-c\", \"kill -TERM \$\$\"]).returncode)
try: sp.run([\"/nonexistent\"])
except FileNotFoundError as e: print(\"FileNotFoundError\", e.errno)
print(sp.run([\"true\"], cwd=\"/usr/share\", env={\"X\": \"1\"}).returncode)
"
EOF

# spawn re-executes python3 (only builtins cross: a -c program has no
# module for the children to import).  Its locks are POSIX semaphores,
# files in /dev/shm: once on the sandbox's /dev as it is, once with a tmpfs
# mounted there (--tmpfs=/dev/shm) as containers give one.
MP=$(cat <<'EOF'
python3 -c "
import multiprocessing as mp, os
def sq(x): return x * x
def pid(_): return os.getpid()
with mp.Pool(4) as p:
    print(sum(p.map(sq, range(10000))), len(set(p.map(pid, range(4), chunksize=1))) >= 1)
    print(sorted(p.imap_unordered(sq, range(10))))
    print(p.apply_async(sq, (12,)).get(timeout=30))
with mp.get_context(\"spawn\").Pool(4) as p:
    print(p.map(abs, range(-8, 0)))
q = mp.Queue(); l = mp.Lock()
procs = [mp.Process(target=lambda i: (l.acquire(), q.put(i * 10), l.release()), args=(i,)) for i in range(4)]
for x in procs: x.start()
print(sorted(q.get(timeout=30) for _ in procs))
for x in procs: x.join()
print([x.exitcode for x in procs])
"
EOF
)
compare "debian: python3 multiprocessing pool of 4" 90 <<<"$MP"
compare "debian: python3 multiprocessing pool of 4 (--tmpfs=/dev/shm)" 90 --tmpfs=/dev/shm <<<"$MP"

# ---- gcc, make, git ---------------------------------------------------------

compare "debian: gcc + make -j2 of a multi-file program in /tmp, then run it" 120 <<'EOF'
mkdir /tmp/proj && cd /tmp/proj
printf "int add(int, int);\nint mul(int, int);\nint fib(int);\nconst char *greet(void);\n" > util.h
printf "#include \"util.h\"\nint add(int a, int b) { return a + b; }\n" > add.c
printf "#include \"util.h\"\nint mul(int a, int b) { int r = 0; for (int i = 0; i < b; i++) r = add(r, a); return r; }\n" > mul.c
printf "#include \"util.h\"\nint fib(int n) { return n < 2 ? n : add(fib(n - 1), fib(n - 2)); }\n" > fib.c
printf "#include \"util.h\"\nconst char *greet(void) { return \"hello from libgreet\"; }\n" > greet.c
printf "#include <stdio.h>\n#include <stdlib.h>\n#include \"util.h\"\nint main(int c, char **v) { int n = c > 1 ? atoi(v[1]) : 10; printf(\"%%s: fib(%%d)=%%d mul=%%d\\\\n\", greet(), n, fib(n), mul(n, n)); return 0; }\n" > main.c
printf "CFLAGS = -O2 -Wall -Werror -fPIC\nprog: main.o add.o mul.o fib.o libgreet.so\n\t\$(CC) -o \$@ main.o add.o mul.o fib.o -L. -lgreet -Wl,-rpath,/tmp/proj\nlibgreet.so: greet.o\n\t\$(CC) -shared -o \$@ \$^\n%%.o: %%.c util.h\n\t\$(CC) \$(CFLAGS) -c -o \$@ \$<\nclean:\n\trm -f *.o *.so prog\n" > Makefile
make -j2 -s
./prog 20
make -j2
touch fib.c && make -s -j2 && ./prog 5
make -q; echo "make -q: $?"
ls
make -s clean && ls
EOF

# Fixed author and committer dates: the commit ids are then the same in
# both runs and are compared as they are.
compare "debian: git init, add, commit, log, status in /tmp" 90 <<'EOF'
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
export GIT_AUTHOR_DATE=2001-02-03T04:05:06Z GIT_COMMITTER_DATE=2001-02-03T04:05:06Z
git init -q -b main /tmp/repo && cd /tmp/repo
cp -a /usr/include/linux /usr/lib/python3.11/email .
git add -A && git commit -q -m "first"
git status --porcelain; echo "status: clean"
echo change >> linux/types.h; rm email/utils.py; mkdir new; echo n > new/file; mv linux/stddef.h linux/stddef2.h
git status --short
git add -A && git commit -q -m "second"
git log --format="%H %s" --stat | tail -12
git log --oneline | wc -l
git status; git diff HEAD~1 --stat | tail -1
git checkout -q HEAD~1 -- linux/types.h && git status --short
git stash -q && git status --short && git stash pop -q && git status --short
git fsck --no-progress 2>&1 | sed -n 1,3p; git gc -q && git count-objects -v | grep -v size
EOF

# ---- the sandbox's world: processes, procfs, mounts -------------------------

# No host path may show: the rootfs's, the scratch directory's.
no_host_path() { ! printf '%s\n' "$1" | grep -qF -e "$DEB" -e "$SCRATCH"; }

name="debian: ps aux shows only the sandbox's processes"
out=$(sandbox 30 'sleep 5 & ps aux; echo ---; ps -eo pid,ppid,comm --no-headers; kill %1' 2>&1)
procs=$(printf '%s\n' "$out" | sed '1,/^---$/d' | awk '{print $2 "-" $3}' | sort | tr '\n' ' ')
if [ "$procs" = "0-bash 1-ps 1-sleep " ] && printf '%s\n' "$out" | grep -q '^root  *1 .*bash -c' &&
   [ "$(printf '%s\n' "$out" | sed '/^---$/,$d' | wc -l)" = 4 ] && no_host_path "$out"; then
	pass "$name"; else fail "$name" "$out"; fi

name="debian: top -b -n1 counts the sandbox's tasks"
# (": ;" after each last command: bash would exec it in place of itself.)
out=$(sandbox 30 'top -b -n1; :' 2>&1); rc=$?
if [ $rc = 0 ] && printf '%s\n' "$out" | grep -q '^Tasks: *2 total' &&
   printf '%s\n' "$out" | grep -qE '^ *1 root .* bash$' && no_host_path "$out"; then
	pass "$name"; else fail "$name" "status $rc" "$out"; fi

name="debian: free shows the memory"
out=$(sandbox 30 'free; free -m' 2>&1); rc=$?
if [ $rc = 0 ] && [ "$(printf '%s\n' "$out" | grep -c '^Mem: *[1-9]')" = 2 ]; then
	pass "$name"; else fail "$name" "status $rc" "$out"; fi

name="debian: cat /proc/self/status is the sandbox's cat"
out=$(sandbox 30 'cat /proc/self/status; :' 2>&1)
want=$(printf 'Name:\tcat\nPid:\t2\nPPid:\t1\nTracerPid:\t0\nNSpid:\t2')
got=$(printf '%s\n' "$out" | grep -E '^(Name|Pid|PPid|NSpid|TracerPid):')
if [ "$got" = "$want" ] && printf '%s\n' "$out" | grep -q '^Uid:	0	0	0	0' && no_host_path "$out"; then
	pass "$name"; else fail "$name" "$out"; fi

name="debian: readlink /proc/self/exe is the program's path in the rootfs"
out=$(sandbox 30 'readlink /proc/self/exe; python3 -c "import os, sys; print(os.readlink(\"/proc/self/exe\"), sys.executable)"' 2>&1)
if [ "$out" = "$(printf '/usr/bin/readlink\n/usr/bin/python3.11 /usr/bin/python3')" ]; then
	pass "$name"; else fail "$name" "$out"; fi

name="debian: mount and /proc/self/mountinfo list only the sandbox's mounts"
out=$(sandbox 30 'mount; echo ---; cat /proc/self/mountinfo; echo ---; df -a --output=target | tail -n +2' 2>&1)
targets=$(printf '%s\n' "$out" | sed -n '/^---$/,/^---$/p' | awk '$1 != "---" {print $5}' | tr '\n' ' ')
mtargets=$(printf '%s\n' "$out" | sed '/^---$/,$d' | awk '{print $3}' | tr '\n' ' ')
dtargets=$(printf '%s\n' "$out" | sed '1,/^---$/d' | sed '1,/^---$/d' | tr '\n' ' ')
if [ "$targets" = "/ /proc /dev /dev/pts /dev/shm " ] && [ "$mtargets" = "$targets" ] && [ "$dtargets" = "$targets" ] &&
   printf '%s\n' "$out" | grep -q '^overlay on / type overlay' && no_host_path "$out"; then
	pass "$name"; else fail "$name" "$out"; fi

name="debian: hostname is the sandbox's"
out=$(sandbox 30 'hostname; cat /proc/sys/kernel/hostname; uname -n' 2>&1)
if [ "$out" = "$(printf '%s\n%s\n%s' $HOST $HOST $HOST)" ]; then pass "$name"; else fail "$name" "$out"; fi

# ---- the overlay: the rootfs is untouched; --overlay=false writes it ----------

name="debian: the rootfs is byte-identical after the sandbox runs (overlay)"
after=$(tree_hash "$DEB")
if [ "$before" = "$after" ]; then pass "$name"; else fail "$name" "hash before: $before" "hash after: $after"; fi

# A writable rootfs without copying it: a kernel overlayfs over it (upper
# layer on a tmpfs), mounted in a mount namespace of this test only, given
# to --overlay=false; the sandbox's changes must land in the upper layer.
name="debian: --overlay=false writes the changes into a writable rootfs"
if [ $root = no ]; then
	skip "$name" "mounting the writable overlayfs needs root"
else
	W="$SCRATCH/writable"
	mkdir -p "$W/layers" "$W/merged"
	cat > "$SCRATCH/writable.sh" <<'EOF'
	set -e
	w=$1 deb=$2 rl=$3 env=$4
	[ -d "$w/layers" ] && [ -d "$w/merged" ] && [ -f "$deb/.complete" ]
	mount -t tmpfs -o mode=0755 writable-layers "$w/layers"
	mkdir "$w/layers/upper" "$w/layers/work"
	mount -t overlay writable-root -o "lowerdir=$deb,upperdir=$w/layers/upper,workdir=$w/layers/work" "$w/merged"
	"$rl" --overlay=false run --rootfs "$w/merged" -- /usr/bin/env -i $env /bin/bash -c "
		set -e
		echo new > /etc/rl-new; rm /etc/motd; mkdir /root/made; echo data > /root/made/f
		chmod 0600 /etc/hostname; ln -s rl-new /etc/rl-link
		python3 -c 'import sqlite3; c = sqlite3.connect(\"/root/made/db\"); c.execute(\"create table t(x)\"); c.commit()'"
	echo "second run:"
	"$rl" --overlay=false run --rootfs "$w/merged" -- /bin/sh -c "cat /etc/rl-new /root/made/f; ls /etc/motd 2>&1 | sed s/^.*:.//; stat -c %a /etc/hostname"
	echo "upper layer:"
	cd "$w/layers/upper" && find . -printf "%p %y %m %l\n" | LC_ALL=C sort
	stat -c "%n %F %t:%T" etc/motd
	cat etc/rl-new root/made/f
	echo "mounts of this namespace beneath the scratch directory: $(grep -c "$w" /proc/self/mounts)"
EOF
	out=$(timeout -k 10 $(( 120 * slow )) unshare --mount --propagation private \
		/bin/sh "$SCRATCH/writable.sh" "$W" "$DEB" "$RL" "$ENVV" 2>&1)
	want="second run:
new
data
No such file or directory
600
upper layer:
. d 755 
./etc d 755 
./etc/hostname f 600 
./etc/motd c 0 
./etc/rl-link l 777 rl-new
./etc/rl-new f 644 
./root d 700 
./root/made d 755 
./root/made/db f 644 
./root/made/f f 644 
etc/motd character special file 0:0
new
data
mounts of this namespace beneath the scratch directory: 2"
	if [ "$out" = "$want" ]; then pass "$name"; else
		fail "$name" "(< want, > got)" "$(diff <(printf '%s\n' "$want") <(printf '%s\n' "$out"))"; fi
fi

name="debian: nothing stays mounted beneath the rootfs or the scratch directory"
left=$(grep -F -e " $DEB" -e " $SCRATCH" /proc/self/mounts)
if [ -z "$left" ]; then pass "$name"; else fail "$name" "$left"; fi
