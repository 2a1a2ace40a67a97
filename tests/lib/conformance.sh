# Conformance runner, sourced by the integration tests after tests/lib.sh.
#
# A probe (a static C program, tests/helpers/static_*.c) builds what it
# needs in an empty cwd and prints one line per case, "group/case -> result",
# then "end/cases -> N".  conformance FAMILY PROBE runs it natively in
# $SCRATCH/FAMILY-native (the reference) and in `runsc-lite run --rootfs`
# (a busybox rootfs, cwd /tmp/FAMILY-POLICY) once per cache policy, and
# (the native run as uid 0 without capabilities, the sandboxed program's
# credentials)
# compares the outputs case by case: one TAP line per group and policy; the
# failure details list each differing case with both results.  A difference
# is accepted only when tests/conformance/KNOWN_DIFFERENCES lists the case
# (as "CASE" or, for one policy only, "CASE@POLICY") with its reason; a listed
# case that behaves as native is a failure too (remove it from the list).
# Last, the trees the two runs left behind are compared from the host.
#
# Settings (environment):
#   CONF_POLICIES   cache policies to run under (default: fscache none
#                   remote_revalidating overlay); "overlay" is the default
#                   memory overlay over the rootfs (fscache beneath): the
#                   scratch directory is an empty lower directory, every
#                   change lands in sentry memory, and the reference is the
#                   probe run natively on Linux's overlayfs (an empty lower
#                   directory, a tmpfs upper, redirect_dir=off); the probe's
#                   own state lines are compared, and the lower directory
#                   must be left empty.  The others run with
#                   --overlay=false and write the host.
#   CONF_MIN_CASES  the native run must print at least this many cases (default 20)
#   CONF_ROOTFS     the busybox rootfs to use (default: a fresh copy)
#   CONF_NATIVE_CAPS  "none" (default): the native run has no capabilities;
#                   "all": root's (for probes whose fixtures need chown)
#   CONF_TMPFS      set: the scratch directories are tmpfs mounts (natively a
#                   real tmpfs, sandboxed `--tmpfs`), with the options
#                   CONF_TMPFS_OPTS (e.g. size=1m) on both sides; the one
#                   "policy" is then "tmpfs" (KNOWN_DIFFERENCES: CASE@tmpfs),
#                   and the tree left behind goes with the sandbox (the
#                   probe's own state lines are compared instead)

# Accepted differences, each with its reason.
declare -A KNOWN
while read -r c reason; do
	case "$c" in ''|'#'*) continue ;; esac
	KNOWN[$c]=$reason
done < "$TOP/tests/conformance/KNOWN_DIFFERENCES"

# The tree below $1: names, types, modes, link counts, sizes (not for
# directories) and symlink targets; no times, no inode numbers.
conformance_tree() {
	(cd "$1" && find . -mindepth 1 -printf '%y %m %n %s %p -> %l\n' |
		awk '$1 == "d" { $4 = "-" } { print }' | sort -k5)
}

# A group whose resulting state differs because of its listed cases is
# listed as "GROUP/state:*": its state lines, and its part of the tree left
# behind, are then not compared (but must differ somewhere).
conformance_state_known() {
	if [ -n "${KNOWN[$1/state:*@$2]+x}" ] || [ -n "${KNOWN[$1/state:*]+x}" ]; then echo 1; fi
}

# compare LABEL POLICY NATIVE_OUTPUT SANDBOX_OUTPUT: one TAP line per group.
conformance_compare() {
	local label=$1 policy=$2 native=$3 sandbox=$4
	local -A N=() S=() seen=()
	local groups=() cases=() extra=() l c g
	while IFS= read -r l; do
		[ -n "$l" ] || continue
		c=${l%% -> *}
		N[$c]=${l#* -> }
		cases+=("$c")
		g=${c%%/*}
		if [ -z "${seen[$g]:-}" ]; then seen[$g]=1; groups+=("$g"); fi
	done <<<"$native"
	while IFS= read -r l; do
		[ -n "$l" ] || continue
		c=${l%% -> *}
		if [ -n "${S[$c]+x}" ]; then S[$c]+=" | ${l#* -> }"; else S[$c]=${l#* -> }; fi
		if [ -z "${N[$c]+x}" ]; then
			extra+=("$c")
			g=${c%%/*}
			if [ -z "${seen[$g]:-}" ]; then seen[$g]=1; groups+=("$g"); fi
		fi
	done <<<"$sandbox"

	local details total known wild state_differs
	for g in "${groups[@]}"; do
		[ "$g" = end ] && continue	# the case count: checked by "runs to completion"
		details=()
		total=0
		wild=$(conformance_state_known "$g" "$policy")
		state_differs=
		for c in "${cases[@]}"; do
			[ "${c%%/*}" = "$g" ] || continue
			total=$((total + 1))
			known=
			if [ -n "${KNOWN[$c@$policy]+x}" ] || [ -n "${KNOWN[$c]+x}" ]; then known=1; fi
			case $c in "$g/state"*) [ -n "$wild" ] && known=1 ;; esac
			if [ -z "${S[$c]+x}" ]; then
				[ -n "$known" ] && { state_differs=1; continue; }
				details+=("$c: native=${N[$c]} sandbox=(missing)")
			elif [ "${N[$c]}" != "${S[$c]}" ]; then
				[ -n "$known" ] && { state_differs=1; continue; }
				details+=("$c: native=${N[$c]} sandbox=${S[$c]}")
			elif [ -n "$known" ] && [ "${c#"$g/state"}" = "$c" ]; then
				details+=("$c: listed in KNOWN_DIFFERENCES but now as native: remove it")
			fi
		done
		for c in "${extra[@]}"; do
			[ "${c%%/*}" = "$g" ] || continue
			[ -n "$wild" ] && [ "${c#"$g/state"}" != "$c" ] && { state_differs=1; continue; }
			if [ -n "${KNOWN[$c@$policy]+x}" ] || [ -n "${KNOWN[$c]+x}" ]; then continue; fi
			details+=("$c: native=(absent) sandbox=${S[$c]}")
		done
		if [ -n "$wild" ] && [ -z "$state_differs" ]; then
			details+=("$g/state:*: listed in KNOWN_DIFFERENCES but the state is as native: remove it")
		fi
		if [ ${#details[@]} = 0 ]; then
			pass "$label[$policy]: $g ($total cases, as native)"
		else
			fail "$label[$policy]: $g ($total cases, as native)" "${#details[@]} differing case(s):" "${details[@]}"
		fi
	done
}

# The probe's output run natively on Linux's overlayfs: an empty lower
# directory, a tmpfs upper layer (the sandbox's overlay keeps its upper
# layer in a tmpfs of its own), no redirect_dir (a directory with a lower
# part cannot be renamed: EXDEV, as in the sandbox).
conformance_native_overlay() {   # FAMILY PROBE NOCAPS
	local o="$SCRATCH/$1-ovl" out rc
	mkdir -p "$o/lower" "$o/layers" "$o/merged" && chmod 0755 "$o/lower" &&
		mount -t tmpfs -o mode=0755 conf-ovl-upper "$o/layers" || return 1
	mkdir "$o/layers/upper" "$o/layers/work"
	if ! mount -t overlay conf-ovl -o "lowerdir=$o/lower,upperdir=$o/layers/upper,workdir=$o/layers/work,redirect_dir=off,index=off,metacopy=off" "$o/merged"; then
		umount "$o/layers"
		return 1
	fi
	out=$(cd "$o/merged" && umask 022 && timeout -k 10 60 $3 "$2" 2>"$o.err")
	rc=$?
	umount "$o/merged"
	umount "$o/layers"
	printf '%s\n' "$out"
	[ "$rc" = 0 ]
}

# conformance FAMILY PROBE_BINARY
conformance() {
	local family=$1 probe=$2 policies=${CONF_POLICIES:-fscache none remote_revalidating overlay}
	local min=${CONF_MIN_CASES:-20} g name R native native_rc sandbox sandbox_rc ncases policy dir diffs
	case $probe in /*) ;; *) probe="$PWD/$probe" ;; esac	# the native run cds away
	[ -x "$probe" ] || { skip "$family: conformance" "$probe not built (make tests-build)"; return 0; }
	[ "$(id -u)" = 0 ] || { skip "$family: conformance" "the native reference run needs root"; return 0; }
	R=${CONF_ROOTFS:-}
	[ -n "$R" ] || R=$(fresh_busybox_rootfs) || { skip "$family: conformance" "no busybox-static rootfs"; return 0; }
	cp "$probe" "$R/bin/$(basename "$probe")"

	mkdir -m 0755 "$SCRATCH/$family-native"
	local tmpfs_opts=mode=0755${CONF_TMPFS_OPTS:+,$CONF_TMPFS_OPTS}
	if [ -n "${CONF_TMPFS:-}" ]; then
		policies=tmpfs
		mount -t tmpfs -o "$tmpfs_opts" conf-tmpfs "$SCRATCH/$family-native" ||
			{ fail "$family: a native tmpfs for the reference run" "mount failed"; return 0; }
	fi
	# The sandboxed program is uid 0 with no capability at all, so the
	# reference is too (the same uid, an empty bounding set), unless the
	# probe needs root's capabilities to build its fixtures (files of other
	# owners): then its capability-bound cases are listed differences.
	local nocaps="setpriv --bounding-set=-all --inh-caps=-all"
	[ "${CONF_NATIVE_CAPS:-none}" = none ] || nocaps=
	native=$(cd "$SCRATCH/$family-native" && umask 022 &&
		timeout -k 10 60 $nocaps "$probe" 2>"$SCRATCH/$family-native.err")
	native_rc=$?
	[ -z "${CONF_TMPFS:-}" ] || umount "$SCRATCH/$family-native"
	# The reference itself must be sane, or every comparison is meaningless.
	name="$family: native reference run (probe sanity)"
	ncases=$(printf '%s\n' "$native" | grep -c ' -> ')
	if [ "$native_rc" != 0 ] || [ "$ncases" -lt "$min" ] ||
		printf '%s\n' "$native" | grep -q -e '^setup/' -e '/setup -> ' ||
		! printf '%s\n' "$native" | tail -1 | grep -q '^end/cases -> '; then
		fail "$name" "exit $native_rc, $ncases cases (at least $min expected)" \
			"$(printf '%s\n' "$native" | grep -e '^setup/' -e '/setup -> ' | head -5)" \
			"stderr: $(head -5 "$SCRATCH/$family-native.err")"
		return 0
	fi
	pass "$name"

	local reference
	for policy in $policies; do
		reference=$native
		if [ "$policy" = overlay ]; then
			reference=$(conformance_native_overlay "$family" "$probe" "$nocaps") || {
				skip "$family[overlay]: conformance" "no native overlayfs for the reference run"; continue; }
		fi
		dir="/tmp/$family-$policy"
		mkdir -m 0755 "$R$dir"
		local mnt=() cp=$policy overlay=--overlay=false
		[ "$policy" != tmpfs ] || { mnt=(--tmpfs="$dir:$tmpfs_opts"); cp=fscache; }
		[ "$policy" != overlay ] || { cp=fscache; overlay=--overlay=true; }
		sandbox=$(umask 022 && timeout -k 10 120 "$RL" --cache-policy="$cp" "$overlay" run --rootfs "$R" "${mnt[@]}" --cwd "$dir" \
			-- "/bin/$(basename "$probe")" 2>"$SCRATCH/$family-$policy.err")
		sandbox_rc=$?
		name="$family[$policy]: the sandboxed probe runs to completion"
		if [ "$sandbox_rc" = 0 ] && printf '%s\n' "$sandbox" | tail -1 | grep -q '^end/cases -> '; then
			pass "$name"
		else
			fail "$name" "exit $sandbox_rc (native: $native_rc); last line: $(printf '%s\n' "$sandbox" | tail -1)" \
				"stderr: $(head -5 "$SCRATCH/$family-$policy.err")"
		fi
		conformance_compare "$family" "$policy" "$reference" "$sandbox"

		# What the probe left behind, seen from the host: catches a side
		# effect the probe's own output does not show.  (A sandbox tmpfs
		# is gone with the sandbox, and so is an overlay's upper layer:
		# the lower directory must be left as it was, empty.)
		if [ "$policy" = overlay ]; then
			name="$family[overlay]: the lower directory is left untouched"
			if [ -z "$(ls -A "$R$dir")" ]; then pass "$name"; else fail "$name" "$(ls -la "$R$dir")"; fi
			continue
		fi
		[ "$policy" != tmpfs ] || continue
		name="$family[$policy]: the tree left behind is the native one"
		diffs=$(diff <(conformance_tree "$SCRATCH/$family-native") <(conformance_tree "$R$dir") |
			grep '^[<>]' | sed 's/^</native:/; s/^>/sandbox:/' |
			while IFS= read -r l; do
				g=${l#* ./}; g=${g%%/*}
				[ -n "$(conformance_state_known "$g" "$policy")" ] || printf '%s\n' "$l"
			done)
		if [ -z "$diffs" ]; then pass "$name"; else fail "$name" "$diffs"; fi
	done
}
