# The sandbox's network: --network=none (its own namespace, lo up), host
# (the host's, with abstract unix names kept the sandbox's own) and
# --allow-net (connects and sends outside the rules refused; a thread
# rewriting the address after the check never gets through).  The other
# ends are the same probe run natively, and busybox httpd.
. "$TOP/tests/lib.sh"

probe="$BUILD/tests/helpers/static_net_probe"
case $probe in /*) ;; *) probe="$PWD/$probe" ;; esac
[ -x "$probe" ] || { skip "network" "static_net_probe not built (make tests-build)"; exit 0; }
R=$(fresh_busybox_rootfs) || { skip "network" "no busybox-static rootfs"; exit 0; }
cp "$probe" "$R/bin/net_probe"

base=$((10000 + $$ % 20000))   # below the ephemeral ports (32768-)
ok_port=$base bad_port=$((base + 1)) http_port=$((base + 2))
abstract=rl-test-$$

# the host's ends: two TCP listeners counting what they accept (until fd 4
# closes: nothing else may hold it), a server on a host abstract name, a
# web server
exec 4> >("$probe" listen 127.0.0.1 "$ok_port" "$bad_port" >"$SCRATCH/listen.out" 2>&1)
"$probe" serve-abstract "$abstract" >"$SCRATCH/abstract.out" 2>&1 4>&- &
abstract_pid=$!
mkdir "$SCRATCH/www"
echo "hello over http" >"$SCRATCH/www/index.html"
"$R/bin/busybox" httpd -f -p "127.0.0.1:$http_port" -h "$SCRATCH/www" 4>&- &
httpd_pid=$!
trap 'kill $abstract_pid $httpd_pid 2>/dev/null' EXIT
if ! wait_until 10 grep -q listening "$SCRATCH/listen.out" ||
   ! wait_until 10 grep -q listening "$SCRATCH/abstract.out"; then
	fail "network: the host's listeners" "$(cat "$SCRATCH/listen.out" "$SCRATCH/abstract.out")"
	exit 0
fi

# expect NAME WANT CMD...: passes when CMD's output (stdout and stderr) is WANT
expect() {
	name=$1 want=$2; shift 2
	got=$("$@" 2>&1)
	if [ "$got" = "$want" ]; then pass "$name"; else fail "$name" "want: $want" "got: $got"; fi
}

# -- none (the default)
expect "network none: only lo, and it is up" "lo UP" \
	"$RL" run --rootfs "$R" -- /bin/sh -c 'ip -o link | while read n name flags rest; do
		case $flags in *,UP*|*\<UP*) echo "${name%:} UP" ;; *) echo "${name%:} down" ;; esac; done'
expect "network none: a host listener on 127.0.0.1 is not reachable" ECONNREFUSED \
	"$RL" run --rootfs "$R" -- /bin/net_probe connect 127.0.0.1 "$ok_port"
expect "network none: a host abstract unix socket is not reachable" ECONNREFUSED \
	"$RL" run --rootfs "$R" -- /bin/net_probe connect-abstract "$abstract"

# -- host
expect "network host: an HTTP fetch from a host server on 127.0.0.1" "hello over http" \
	"$RL" --network=host run --rootfs "$R" -- /bin/wget -qO- "http://127.0.0.1:$http_port/index.html"
expect "network host: a host abstract unix socket is not reachable" ECONNREFUSED \
	"$RL" --network=host run --rootfs "$R" -- /bin/net_probe connect-abstract "$abstract"
expect "network host: an abstract socket bound inside is reachable inside, by its own name" \
	"listening as @inner
ok: hi from inner" \
	"$RL" --network=host run --rootfs "$R" -- /bin/sh -c '
		/bin/net_probe serve-abstract inner > /tmp/server.out &
		while ! grep -q listening /tmp/server.out 2>/dev/null; do usleep 20000; done
		cat /tmp/server.out; /bin/net_probe connect-abstract inner; wait'
expect "network host: a datagram to a host abstract name does not leave the sandbox" ECONNREFUSED \
	"$RL" --network=host run --rootfs "$R" -- /bin/net_probe dgram-abstract "$abstract"

# -- --allow-net
allow="--allow-net=127.0.0.1:$ok_port"
expect "allow-net: an allowed address and port connects" ok \
	"$RL" --network=host "$allow" run --rootfs "$R" -- /bin/net_probe connect 127.0.0.1 "$ok_port"
expect "allow-net: another port of the same address is refused" ECONNREFUSED \
	"$RL" --network=host "$allow" run --rootfs "$R" -- /bin/net_probe connect 127.0.0.1 "$bad_port"
expect "allow-net: another address is refused" ECONNREFUSED \
	"$RL" --network=host "$allow" run --rootfs "$R" -- /bin/net_probe connect 127.0.0.2 "$ok_port"
expect "allow-net: UDP sendto an allowed and a refused destination" "ok
ECONNREFUSED" \
	"$RL" --network=host "$allow" run --rootfs "$R" -- /bin/sh -c \
	"/bin/net_probe udp 127.0.0.1 $ok_port; /bin/net_probe udp 127.0.0.1 $bad_port"
expect "allow-net: a connected UDP socket's send and sendto without an address" ok \
	"$RL" --network=host "$allow" run --rootfs "$R" -- /bin/net_probe udp-connected 127.0.0.1 "$ok_port"
expect "network host: a connected UDP socket's send and sendto without an address" ok \
	"$RL" --network=host run --rootfs "$R" -- /bin/net_probe udp-connected 127.0.0.1 "$ok_port"
expect "allow-net: a host name is resolved once, at start" ok \
	"$RL" --network=host "--allow-net=localhost:$ok_port" run --rootfs "$R" -- /bin/net_probe connect 127.0.0.1 "$ok_port"
expect "allow-net: a CIDR and a port range" "ok
ECONNREFUSED" \
	"$RL" --network=host "--allow-net=10.0.0.0/8,127.0.0.0/30:$((ok_port - 1))-$ok_port" run --rootfs "$R" -- \
	/bin/sh -c "/bin/net_probe connect 127.0.0.1 $ok_port; /bin/net_probe connect 127.0.0.1 $bad_port"
"$RL" --network=host "$allow" "--trace=$SCRATCH/net.trace" run --rootfs "$R" -- /bin/sh -c \
	"/bin/net_probe connect 127.0.0.1 $bad_port; /bin/net_probe udp 127.0.0.1 $bad_port" >/dev/null 2>&1
denied=$("$RL_REAL" trace decode "$SCRATCH/net.trace" 2>&1 | grep -o '"name":"[a-z]*","rule":"--allow-net: [^"]*"')
expect "allow-net: each refusal is a denied event of the trace, naming the destination" \
	"\"name\":\"connect\",\"rule\":\"--allow-net: 127.0.0.1:$bad_port is not allowed\"
\"name\":\"sendto\",\"rule\":\"--allow-net: 127.0.0.1:$bad_port is not allowed\"" printf '%s' "$denied"
for bad in "--allow-net=1.2.3.4:99999" "--allow-net=1.2.3.4/33" "--allow-net=[::1" "--allow-net=no-such-host.invalid"; do
	out=$("$RL" --network=host "$bad" run --rootfs "$R" -- /bin/true 2>&1)
	rc=$?
	case $rc:$out in
	125:runsc-lite:\ --allow-net=*) pass "allow-net: $bad is refused with a message" ;;
	*) fail "allow-net: $bad is refused with a message" "exit $rc: $out" ;;
	esac
done
out=$("$RL" "$allow" run --rootfs "$R" -- /bin/true 2>&1)
[ $? = 125 ] && pass "allow-net: refused with --network=none" || fail "allow-net: refused with --network=none" "$out"

# -- user: slirp4netns; the host's loopback is 10.0.2.2
if ! command -v slirp4netns >/dev/null; then
	skip "network user" "slirp4netns is not installed"
else
	expect "network user: tap0 is configured, outbound TCP to a host listener works" "10.0.2.100/24
ok" \
		"$RL" --network=user run --rootfs "$R" -- /bin/sh -c \
		"ip -o -4 addr show tap0 | { read n dev fam addr rest; echo \$addr; }; /bin/net_probe connect 10.0.2.2 $ok_port"
	expect "network user: /etc/resolv.conf names slirp4netns's DNS, the rootfs's file untouched" \
		"nameserver 10.0.2.3
$(cat "$R/etc/resolv.conf" 2>/dev/null || echo none)" \
		sh -c "\"\$0\" --network=user run --rootfs \"\$1\" -- /bin/grep nameserver /etc/resolv.conf;
			cat \"\$1/etc/resolv.conf\" 2>/dev/null || echo none" "$RL" "$R"
	expect "network user: with --allow-net, a refused port" "ok
ECONNREFUSED" \
		"$RL" --network=user "--allow-net=10.0.2.2:$ok_port" run --rootfs "$R" -- /bin/sh -c \
		"/bin/net_probe connect 10.0.2.2 $ok_port; /bin/net_probe connect 10.0.2.2 $bad_port"
	# as an unprivileged user (tests/integration/test_unprivileged.sh's user)
	user=rl-test
	if [ "$(id -u)" != 0 ]; then
		skip "network user, unprivileged" "the suite does not run as root here"
	elif ! id "$user" >/dev/null 2>&1 && ! useradd --system --no-create-home --shell /usr/sbin/nologin "$user" 2>/dev/null; then
		skip "network user, unprivileged" "cannot create user $user"
	elif ! setpriv --reuid="$user" --regid="$user" --clear-groups sh -c ': <>/dev/net/tun' 2>/dev/null; then
		skip "network user, unprivileged" "/dev/net/tun is not open to unprivileged users here ($(stat -c %A /dev/net/tun 2>/dev/null || echo missing)), which slirp4netns needs"
	else
		dir=$(mktemp -d /tmp/rl-net.XXXXXX)
		chmod 755 "$dir"
		cp "$RL_REAL" "$dir/runsc-lite"
		cp -a "$R" "$dir/root" && chmod 755 "$dir/root"
		expect "network user, unprivileged: outbound TCP to a host listener" ok \
			setpriv --reuid="$user" --regid="$user" --clear-groups --reset-env \
			"$dir/runsc-lite" ${RL_PLATFORM:+--platform=$RL_PLATFORM} --network=user run --rootfs "$dir/root" -- \
			/bin/net_probe connect 10.0.2.2 "$ok_port"
		rm -rf "$dir"
	fi
fi

# a thread rewrites the port between the allowed and the refused one
# during 10,000 connects: the sentry connects with the address it checked
out=$("$RL" --network=host "$allow" run --rootfs "$R" -- /bin/net_probe race 127.0.0.1 "$ok_port" "$bad_port" 10000 2>&1)
exec 4>&-
wait_until 10 grep -q "$ok_port=" "$SCRATCH/listen.out"
counts=$(tail -1 "$SCRATCH/listen.out")
name="allow-net: a racing rewrite of the address never reaches a refused port (10,000 connects)"
case "$out" in
"connected="*" bad=0")
	if [ "${counts#*$bad_port=}" = 0 ]; then pass "$name"; else fail "$name" "the refused port accepted: $counts"; fi ;;
*) fail "$name" "$out" "listeners: $counts" ;;
esac
