#!/bin/sh
# Runs every test of every build variant and prints one summary line:
#   N passed, N failed, N skipped
# Unit tests are cmocka binaries (TAP output); integration tests are
# tests/integration/test_*.sh and the red-team tests/security/test_*.sh,
# run with the variant's runsc-lite.
# TESTS_ONLY=unit|integration|arm64 narrows the run; VARIANTS overrides the builds.
# The integration suite runs once per interception platform (PLATFORMS,
# default "seccomp ptrace"; tests/lib.sh turns RL_PLATFORM into
# --platform=...).  A case listed in tests/integration/KNOWN_FAILURES for a
# platform, with its reason, is reported as a SKIP with that reason; a
# listed case that passes is a failure (the list must not outlive its reason).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP
variants=${VARIANTS:-"build build/san"}
only=${TESTS_ONLY:-all}
[ "$only" = arm64 ] && variants=""
passed=0 failed=0 skipped=0
failures=""
log=$(mktemp)

count() {   # reads TAP lines on stdin, echoes them, updates counters via a file
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		"ok "*"# SKIP"*|"ok "*"# skip"*) echo S >>"$log" ;;
		"ok "*) echo P >>"$log" ;;
		"not ok "*) echo "F $variant: ${line#not ok }" >>"$log" ;;
		esac
	done
}

# A test program that dies (crash, sanitizer report, timeout) without
# reporting a failure of its own still counts as one.
finish() {
	count <"$out"
	if [ "$1" -ne 0 ] && ! grep -q '^not ok' "$out"; then
		echo "not ok - $(basename "$2") exited with status $1" | count
	fi
}

# known_failures PLATFORM FILE: turns the failures KNOWN_FAILURES lists for
# PLATFORM ("platform<TAB>case name<TAB>reason") into skips with the reason.
known_failures() {
	list="$TOP/tests/integration/KNOWN_FAILURES"
	[ -f "$list" ] || return 0
	awk -F '\t' -v plat="$1" 'FNR == NR { if ($1 == plat) why[$2] = $3; next }
		/^not ok - / { name = substr($0, 10); if (name in why) { print "ok - " name " # SKIP known on " plat ": " why[name]; skipping = 1; next } }
		/^ok - / && !/# SKIP/ { name = substr($0, 6); if (name in why) { print "not ok - " name " (listed in KNOWN_FAILURES for " plat " but passes: remove it)"; next } }
		/^#  / && skipping { next }
		{ skipping = 0; print }' "$list" "$2" >"$2.k" && mv "$2.k" "$2"
}

out=$(mktemp)
for variant in $variants; do
	BUILD="$TOP/$variant"
	export BUILD
	[ -x "$BUILD/runsc-lite" ] || { echo "not ok - $variant: not built" | count; continue; }
	echo "== $variant"
	if [ "$only" = all ] || [ "$only" = unit ]; then
		for t in $(find "$BUILD/tests" -path "$BUILD/tests/helpers" -prune -o -type f -name 'test_*' ! -name '*.d' -print 2>/dev/null | sort); do
			echo "# unit: ${t#$BUILD/tests/}"
			RL_LOADER="$BUILD/rl-loader" CMOCKA_MESSAGE_OUTPUT=TAP \
				timeout -k 10 300 "$t" >"$out" 2>&1
			finish $? "$t"
		done
	fi
	if [ "$only" = all ] || [ "$only" = integration ]; then
		base_variant=$variant
		for plat in ${PLATFORMS:-seccomp ptrace}; do
			variant="$base_variant/$plat"
			for t in "$TOP"/tests/integration/test_*.sh "$TOP"/tests/security/test_*.sh; do
				echo "# integration ($plat): $(basename "$t")"
				SCRATCH=$(mktemp -d /tmp/rl-test.XXXXXX)
				RL="$BUILD/runsc-lite" RL_PLATFORM=$plat SCRATCH="$SCRATCH" \
					timeout -k 10 600 bash "$t" >"$out" 2>&1
				rc=$?
				known_failures "$plat" "$out"
				finish $rc "$t"
				rm -rf "$SCRATCH"
			done
		done
		variant=$base_variant
	fi
done

# The arm64 stage: build/arm64 (make arm64) tested in a qemu-system-aarch64
# guest by tests/arm64/run.sh, which prints one SKIP line when qemu or the
# cross build is missing.  ARM64=0 leaves it out; TESTS_ONLY=arm64 runs
# only it.
if [ "${ARM64:-1}" != 0 ] && { [ "$only" = all ] || [ "$only" = arm64 ]; }; then
	variant=arm64
	echo "== arm64"
	timeout -k 10 600 sh "$TOP/tests/arm64/run.sh" >"$out" 2>&1
	finish $? "$TOP/tests/arm64/run.sh"
fi

passed=$(grep -c '^P' "$log")
failed=$(grep -c '^F' "$log")
skipped=$(grep -c '^S' "$log")
if [ "$failed" -gt 0 ]; then
	echo "failed:"
	grep '^F' "$log" | sed 's/^F /  /'
fi
rm -f "$log" "$out"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
