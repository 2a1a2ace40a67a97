# Syscall conformance, one probe per syscall family (tests/helpers/
# static_conf_*.c), each run natively and in the sandbox under every cache
# policy and compared case by case (tests/lib/conformance.sh).
# CONF_FAMILIES narrows the run (e.g. CONF_FAMILIES="stat open").
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib/conformance.sh"

CONF_ROOTFS=$(fresh_busybox_rootfs) || { skip "conformance" "no busybox-static rootfs"; exit 0; }
for probe in "$BUILD"/tests/helpers/static_conf_*; do
	case $probe in *.d) continue ;; esac
	family=${probe##*/static_conf_}
	if [ -n "${CONF_FAMILIES:-}" ] && ! printf ' %s ' $CONF_FAMILIES | grep -q " $family "; then
		continue
	fi
	# attrs builds files of other owners (chown): its reference keeps
	# root's capabilities, and its capability-bound cases are listed
	caps=none
	[ "$family" = attrs ] && caps=all
	CONF_NATIVE_CAPS=$caps conformance "$family" "$probe"
done
