# Permission checks against the sandbox's credentials: the sandboxed program
# is uid 0 without capabilities, so it is an ordinary owner of uid 0.  The
# same tree (files of uid 1000, group and other classes, a sticky
# directory) is built as root natively and in the rootfs; the probe runs
# natively with an empty capability bounding set and in the sandbox, and
# the results and the trees left behind must be the same.
. "$TOP/tests/lib.sh"

probe="$BUILD/tests/helpers/static_dac_probe"
case $probe in /*) ;; *) probe="$PWD/$probe" ;; esac
[ -x "$probe" ] || { skip "dac: probe" "static_dac_probe not built (make tests-build)"; exit 0; }
[ "$(id -u)" = 0 ] || { skip "dac: permission checks" "building files of another owner needs root"; exit 0; }
command -v setpriv >/dev/null || { skip "dac: permission checks" "no setpriv (util-linux)"; exit 0; }
R=$(fresh_busybox_rootfs) || { skip "dac: permission checks" "no busybox-static rootfs"; exit 0; }
cp "$probe" "$R/bin/static_dac_probe"

build_tree() {   # DIR
	mkdir -m 0755 "$1" && cd "$1" || return 1
	mkdir -m 0700 o700 o711 o755 o777 && chmod 0711 o711 && chmod 0755 o755 && chmod 0777 o777
	mkdir -m 1777 sticky
	: > o700/f; ln -s f o700/l; : > o711/f; chmod 0644 o711/f
	for m in 644 600 666 604; do : > o755/f$m; chmod $m o755/f$m; done
	: > o755/g060; chmod 0060 o755/g060; : > o755/g606; chmod 0606 o755/g606
	printf '#!/bin/sh\n' > o755/x744; chmod 0744 o755/x744
	printf '#!/bin/sh\n' > o755/x755; chmod 0755 o755/x755
	: > o777/f644; chmod 0644 o777/f644
	: > sticky/foreign; : > sticky/own
	: > own000; chmod 0 own000; : > mine
	chown -R 1000:1000 o700 o711 o755 o777 sticky/foreign
	chown 1000:0 o755/g060 o755/g606
	chown 1001:1001 sticky   # neither the caller nor the file owner: the sticky rule decides
	cd - >/dev/null
}
tree() { (cd "$1" && find . -mindepth 1 -printf '%y %m %U:%G %s %p\n' | sort); }

build_tree "$SCRATCH/native" && build_tree "$R/tmp/dac" || { fail "dac: building the tree" "as root"; exit 0; }
native=$(cd "$SCRATCH/native" && timeout -k 10 30 setpriv --bounding-set=-all --inh-caps=-all "$probe" 2>&1)
sandbox=$(timeout -k 10 30 "$RL" --overlay=false run --rootfs "$R" --cwd /tmp/dac -- /bin/static_dac_probe 2>&1)
n=$(printf '%s\n' "$native" | grep -c ' -> ')
name="dac: permission checks as Linux's for a capability-less uid 0 ($n cases)"
if ! printf '%s\n' "$native" | tail -1 | grep -q '^end/cases'; then
	fail "$name" "the native reference run did not finish:" "$(printf '%s\n' "$native" | tail -3)"
elif [ "$native" = "$sandbox" ]; then
	pass "$name"
else
	fail "$name" "$(diff <(printf '%s\n' "$native") <(printf '%s\n' "$sandbox") | head -30)"
fi
# every case must have been decided by a check, not by a missing fixture
if printf '%s\n' "$native" | grep -q 'ENOENT'; then
	fail "dac: the fixture is complete" "$(printf '%s\n' "$native" | grep ENOENT)"
else
	pass "dac: the fixture is complete"
fi
name="dac: the tree left behind is the native one"
if [ "$(tree "$SCRATCH/native")" = "$(tree "$R/tmp/dac")" ]; then pass "$name"; else
	fail "$name" "$(diff <(tree "$SCRATCH/native") <(tree "$R/tmp/dac") | head -20)"; fi
