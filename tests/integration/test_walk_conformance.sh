# Path-walk conformance: tests/helpers/static_walk_probe builds the same tree
# in an empty directory natively and inside `runsc-lite run --rootfs` (busybox
# rootfs), once per cache policy, and prints one line per case; the outputs
# are compared case by case by tests/lib/conformance.sh.
#
# The native run is the reference: uid 0 without capabilities, as the
# sandboxed program (the "dac/" group: modes 0 and 0111, read-only files).
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib/conformance.sh"

CONF_MIN_CASES=150 conformance walk "$BUILD/tests/helpers/static_walk_probe"
