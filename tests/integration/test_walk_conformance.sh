# Path-walk conformance: tests/helpers/static_walk_probe builds the same tree
# in an empty directory natively and inside `runsc-lite run --rootfs` (busybox
# rootfs, cwd /tmp/w), then prints one line per case ("group/case -> result").
# The outputs are compared case by case: one TAP line per group, the failure
# details list every differing case with the native and the sandbox result.
#
# The native run is the reference, so it needs root (the sandboxed program is
# uid 0 too); the "dac/" group (modes 0 and 0111, read-only files) may differ
# because the sandboxed uid 0 has no capabilities.
. "$TOP/tests/lib.sh"

probe="$BUILD/tests/helpers/static_walk_probe"
case $probe in /*) ;; *) probe="$PWD/$probe" ;; esac	# the native run cds away
[ -x "$probe" ] || { skip "walk: conformance" "static_walk_probe not built (make tests-build)"; exit 0; }
[ "$(id -u)" = 0 ] || { skip "walk: conformance" "the native reference run needs root"; exit 0; }
R=$(fresh_busybox_rootfs) || { skip "walk: conformance" "no busybox-static rootfs"; exit 0; }

cp "$probe" "$R/bin/static_walk_probe"
mkdir -m 0755 "$R/tmp/w"
mkdir -m 0755 "$SCRATCH/walk-native"

native=$(cd "$SCRATCH/walk-native" && umask 022 && timeout 60 "$probe" 2>"$SCRATCH/walk-native.err")
native_rc=$?
sandbox=$(umask 022 && timeout 120 "$RL" run --rootfs "$R" --cwd /tmp/w -- /bin/static_walk_probe \
	2>"$SCRATCH/walk-sandbox.err")
sandbox_rc=$?

# The reference itself must be sane, or every comparison is meaningless.
name="walk: native reference run (probe sanity)"
ncases=$(printf '%s\n' "$native" | grep -c ' -> ')
if [ "$native_rc" != 0 ] || [ "$ncases" -lt 150 ] ||
	printf '%s\n' "$native" | grep -q '^setup/' ||
	! printf '%s\n' "$native" | tail -1 | grep -q '^end/cases -> '; then
	fail "$name" "exit $native_rc, $ncases cases" "$(printf '%s\n' "$native" | grep '^setup/' | head -5)" \
		"stderr: $(head -5 "$SCRATCH/walk-native.err")"
	exit 0
fi
pass "$name"

name="walk: the sandboxed probe runs to completion"
if [ "$sandbox_rc" = 0 ] && printf '%s\n' "$sandbox" | tail -1 | grep -q '^end/cases -> '; then
	pass "$name"
else
	fail "$name" "exit $sandbox_rc (native: $native_rc); last line: $(printf '%s\n' "$sandbox" | tail -1)" \
		"stderr: $(head -5 "$SCRATCH/walk-sandbox.err")"
fi

# case name -> result, for each side; groups in the native order.
declare -A N S seen_group
groups=()
cases=()
while IFS= read -r l; do
	[ -n "$l" ] || continue
	c=${l%% -> *}
	N[$c]=${l#* -> }
	cases+=("$c")
	g=${c%%/*}
	if [ -z "${seen_group[$g]:-}" ]; then seen_group[$g]=1; groups+=("$g"); fi
done <<<"$native"
extra=()
while IFS= read -r l; do
	[ -n "$l" ] || continue
	c=${l%% -> *}
	if [ -n "${S[$c]+x}" ]; then S[$c]+=" | ${l#* -> }"; else S[$c]=${l#* -> }; fi
	if [ -z "${N[$c]+x}" ]; then
		extra+=("$c")
		g=${c%%/*}
		if [ -z "${seen_group[$g]:-}" ]; then seen_group[$g]=1; groups+=("$g"); fi
	fi
done <<<"$sandbox"

# Accepted differences, each with its reason (tests/conformance/KNOWN_DIFFERENCES).
declare -A KNOWN
while read -r c reason; do
	case "$c" in ''|'#'*) continue ;; esac
	KNOWN[$c]=$reason
done < "$TOP/tests/conformance/KNOWN_DIFFERENCES"

for g in "${groups[@]}"; do
	[ "$g" = end ] && continue	# the case count: covered by "runs to completion"
	details=()
	total=0
	for c in "${cases[@]}"; do
		[ "${c%%/*}" = "$g" ] || continue
		total=$((total + 1))
		if [ -z "${S[$c]+x}" ]; then
			details+=("$c: native=${N[$c]} sandbox=(missing)")
		elif [ "${N[$c]}" != "${S[$c]}" ] && [ -z "${KNOWN[$c]+x}" ]; then
			details+=("$c: native=${N[$c]} sandbox=${S[$c]}")
		elif [ "${N[$c]}" = "${S[$c]}" ] && [ -n "${KNOWN[$c]+x}" ]; then
			details+=("$c: listed in KNOWN_DIFFERENCES but now as native: remove it")
		fi
	done
	for c in "${extra[@]}"; do
		[ "${c%%/*}" = "$g" ] || continue
		details+=("$c: native=(absent) sandbox=${S[$c]}")
	done
	name="walk: $g ($total cases, as native)"
	if [ ${#details[@]} = 0 ]; then
		pass "$name"
	else
		fail "$name" "${#details[@]} differing case(s):" "${details[@]}"
	fi
done

# What the probe left behind: the same names, types, modes, link counts and
# (for non-directories) sizes.  Catches a wrong side effect that the probe's
# own output does not show (a file created where Linux creates none...).
tree() {
	(cd "$1" && find . -mindepth 1 -printf '%y %m %n %s %p\n' |
		awk '$1 == "d" { $4 = "-" } { print }' | sort -k5)
}
name="walk: the tree left behind is the native one"
diffs=$(diff <(tree "$SCRATCH/walk-native") <(tree "$R/tmp/w") | grep '^[<>]' | sed 's/^</native:/; s/^>/sandbox:/')
if [ -z "$diffs" ]; then pass "$name"; else fail "$name" "$diffs"; fi
