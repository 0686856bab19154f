# shellcheck shell=bash
# tests/lab/lib.sh -- network-namespace DHCP lab helpers for dhcpscope.
#
# Source this file from bash (it does not change shell options itself), then:
#
#   lab_init NAME                  create a lab: hub namespace with bridge br0,
#                                  temp dir $LAB_DIR, EXIT trap -> lab_teardown
#   lab_add_bridge BR              another bridge (segment) in the hub
#   lab_add_node NODE MAC [IP/CIDR|-] [BR] [IF]
#                                  namespace for NODE (created on first use) and
#                                  a veth IF (default eth0) plugged into BR
#   lab_exec NODE CMD...           run CMD inside NODE's namespace (foreground)
#   lab_bg NAME NODE CMD...        run CMD in the background inside NODE, log to
#                                  $LAB_DIR/NAME.log, pid in LAB_PID[NAME]
#   lab_signal NAME SIG            send SIG to process NAME
#   lab_stop NAME [SIG] [TIMEOUT]  SIG (TERM) then wait; KILL after TIMEOUT (3s)
#   lab_wait_exit NAME [TIMEOUT]   wait for NAME to exit by itself
#   lab_capture_start NAME NODE IF FILE [TCPDUMP-ARGS...] [-- FILTER...]
#   lab_capture_stop NAME          SIGINT tcpdump and wait for the file
#   lab_dnsmasq NAME NODE IF [DNSMASQ-ARGS...]
#   lab_dhcpd NAME NODE IF CONF-TEXT
#   lab_kea NAME NODE IF JSON-TEXT
#   lab_dhcrelay NAME NODE DOWN-IF UP-IF SERVER-IP [ARGS...]
#   lab_delay_link NAME NODE IF-A IF-B MS [MS-BACK]
#                                  user-space bridge inside NODE between IF-A and
#                                  IF-B (python3 AF_PACKET) holding every frame
#                                  from IF-A for MS ms (IF-B -> IF-A: MS-BACK,
#                                  default 0): the kernel has no netem
#   lab_dhclient NAME NODE IF [CONF-TEXT] [DHCLIENT-ARGS...]
#   lab_dhclient_release NAME NODE IF      (dhclient -r with NAME's files)
#   lab_dhclient_stale_lease NAME IF ADDR [SERVER-ID] [MASK]
#                                  pre-write a valid lease -> INIT-REBOOT
#   lab_udhcpc NAME NODE IF [UDHCPC-ARGS...]
#   lab_dhcpcd NAME NODE IF [DHCPCD-ARGS...]
#   lab_dhcpcd_ctl NAME ARGS...    run `dhcpcd ARGS` next to running instance
#                                  NAME (e.g. lab_dhcpcd_ctl c1 -4 -k eth0)
#   lab_wait_event NAME REGEX [TIMEOUT]    wait for a client hook event line
#   lab_wait_log NAME REGEX [TIMEOUT]      wait for a line in NAME's log
#   lab_count_log NAME REGEX       count matching lines in NAME's log
#   lab_alive NAME                 is process NAME still running?
#   lab_ns NODE                    namespace name of NODE (for ip -n / nsenter)
#   lab_require CMD...             fail clearly if commands are missing
#   lab_teardown                   kill everything, delete namespaces, rm temp
#                                  (and the paths in LAB_EXTRA_CLEAN)
#   lab_cleanup_stale              remove dsr-* namespaces of dead lab owners
#
# Namespaces are named dsr-<ownerpid>-<node>; the hub is dsr-<ownerpid>-hub.
# Nothing is ever created in, or changed in, the root network namespace: veth
# pairs are created directly inside the hub with their peer in the node's
# namespace.  Every daemon is started by lab_bg and killed by its PID.
#
# Conventions: one lab per shell process (LAB_ID = $BASHPID); lab_init
# installs `trap lab_teardown EXIT` and `trap 'exit 130' INT TERM HUP`.  Do
# not call lab_bg (or wrappers that start daemons) inside $(...): the pid
# would belong to the subshell.  lab_wait_* return 1 on timeout; setup errors
# call lab_die (exit 1, which still tears down).  Client hooks log "<event>
# <ip> server=<server id> lease=<lease s>" lines to $LAB_DIR/events/NAME
# (what the client itself was told: an oracle independent of any capture):
# dhclient reasons (PREINIT, BOUND, RENEW, REBOOT, EXPIRE, RELEASE...), udhcpc
# (deconfig, bound, renew, nak...), dhcpcd reasons (BOUND, INFORM, RELEASE,
# STOPPED...).  Node names: [A-Za-z0-9_],
# node + interface name <= 14 characters.
#
# Environment: LAB_KEEP=1 keeps $LAB_DIR (logs, configs, leases) on teardown.
#              LAB_EXPORT=DIR copies the hook events (DIR/events/NAME) and every
#              NAME.leases file into DIR at teardown, after the daemons stopped: the
#              records the tests compare with the report.
#              LAB_VERBOSE=1 prints what the lab does.

LAB_PREFIX=dsr
declare -gA LAB_PID=()
declare -gA LAB_ISCAP=()
declare -ga LAB_ORDER=()
declare -ga LAB_NODES=()
declare -ga LAB_EXTRA_CLEAN=()   # extra paths lab_teardown removes (temp files)
LAB_ID=""
LAB_DIR=""
LAB_HUB=""

lab_log() { [[ "${LAB_VERBOSE:-0}" == 1 ]] && printf '[lab %s] %s\n' "${LAB_ID:-?}" "$*" >&2; return 0; }
lab_die() { printf '[lab %s] ERROR: %s\n' "${LAB_ID:-?}" "$*" >&2; exit 1; }

# lab_require CMD... : fail clearly if a command is missing.
lab_require() {
    local c missing=()
    for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
    ((${#missing[@]} == 0)) || lab_die "missing commands: ${missing[*]} (install: tcpdump tshark dnsmasq kea-dhcp4-server isc-dhcp-server isc-dhcp-client isc-dhcp-relay busybox dhcpcd-base ethtool python3 python3-scapy wireshark-common)"
}

lab_ns() { printf '%s-%s-%s' "$LAB_PREFIX" "$LAB_ID" "$1"; }

# lab_cleanup_stale: remove namespaces dsr-<pid>-* whose owner pid is gone
# (left behind by a lab that was SIGKILLed), and their temp dirs
# (/tmp/dsr-*/owner).  Only touches dsr-<digits>-* and dirs with an owner file.
lab_cleanup_stale() {
    local ns owner p d
    for d in /tmp/"${LAB_PREFIX}"-*/owner; do
        [[ -f "$d" ]] || continue
        owner=$(<"$d")
        [[ "$owner" =~ ^[0-9]+$ ]] || continue
        kill -0 "$owner" 2>/dev/null || rm -rf -- "${d%/owner}"
    done
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
        [[ "$ns" =~ ^${LAB_PREFIX}-([0-9]+)-[A-Za-z0-9_]+$ ]] || continue
        owner=${BASH_REMATCH[1]}
        kill -0 "$owner" 2>/dev/null && continue
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
}

lab_init() {
    local name=${1:-lab}
    [[ $EUID -eq 0 ]] || lab_die "must run as root"
    lab_require ip ethtool tcpdump
    [[ -z "$LAB_ID" ]] || lab_die "lab already initialised ($LAB_ID)"
    LAB_ID=$BASHPID
    LAB_NAME=$name
    LAB_PID=(); LAB_ISCAP=(); LAB_ORDER=(); LAB_NODES=()
    LAB_DIR=$(mktemp -d "/tmp/${LAB_PREFIX}-${name}.XXXXXX")
    chmod 755 "$LAB_DIR"
    mkdir -p "$LAB_DIR/events"
    echo "$LAB_ID" >"$LAB_DIR/owner"
    trap 'lab_teardown' EXIT
    trap 'exit 130' INT TERM HUP
    lab_cleanup_stale
    LAB_HUB=$(lab_ns hub)
    _lab_mkns "$LAB_HUB"
    lab_add_bridge br0
    lab_log "lab $name in $LAB_DIR"
}

_lab_mkns() {
    local ns=$1
    ip netns add "$ns"
    LAB_NODES+=("$ns")
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
    ip -n "$ns" link set lo up
}

lab_add_bridge() {
    local br=$1
    ip -n "$LAB_HUB" link add "$br" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
    ip netns exec "$LAB_HUB" sysctl -qw "net.ipv6.conf.$br.disable_ipv6=1" >/dev/null 2>&1 || true
    ip -n "$LAB_HUB" link set "$br" up
}

# lab_add_node NODE MAC [IP/CIDR|-] [BRIDGE] [IFNAME]
lab_add_node() {
    local node=$1 mac=$2 addr=${3:--} br=${4:-br0} ifn=${5:-eth0}
    local ns port
    ns=$(lab_ns "$node")
    port="${node}-${ifn}"
    ((${#port} <= 15)) || lab_die "port name $port too long (node+ifname <= 14 chars)"
    [[ "$node" =~ ^[A-Za-z0-9_]+$ ]] || lab_die "bad node name $node"
    [[ -e "/run/netns/$ns" ]] || _lab_mkns "$ns"
    ip -n "$LAB_HUB" link add "$port" type veth peer name "$ifn" netns "$ns"
    [[ "$mac" == - ]] || ip -n "$ns" link set dev "$ifn" address "$mac"
    ip netns exec "$LAB_HUB" ethtool -K "$port" tx off >/dev/null 2>&1 || true
    ip netns exec "$ns" ethtool -K "$ifn" tx off >/dev/null 2>&1 || true
    ip -n "$LAB_HUB" link set "$port" master "$br"
    ip -n "$LAB_HUB" link set "$port" up
    [[ "$addr" == - ]] || ip -n "$ns" addr add "$addr" dev "$ifn"
    ip -n "$ns" link set "$ifn" up
    lab_log "node $node ($ns) $ifn $mac $addr on $br"
}

lab_exec() { local node=$1; shift; ip netns exec "$(lab_ns "$node")" "$@"; }

# lab_bg NAME NODE CMD... : background process; `ip netns exec` execs CMD, so
# the pid we record is CMD's own pid.
lab_bg() {
    local name=$1 node=$2; shift 2
    [[ -z "${LAB_PID[$name]:-}" ]] || lab_die "process name $name already used"
    ip netns exec "$(lab_ns "$node")" "$@" >"$LAB_DIR/$name.log" 2>&1 </dev/null &
    LAB_PID[$name]=$!
    LAB_ORDER+=("$name")
    echo "${LAB_PID[$name]}" >"$LAB_DIR/$name.pid.lab"
    lab_log "started $name pid ${LAB_PID[$name]}: $*"
}

lab_alive() { local p=${LAB_PID[$1]:-}; [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; }

lab_signal() { local p=${LAB_PID[$1]:?unknown process $1}; kill -"$2" "$p" 2>/dev/null || true; }

# lab_wait_exit NAME [TIMEOUT]: returns 0 if it exited within TIMEOUT seconds.
lab_wait_exit() {
    local name=$1 t=${2:-5} p=${LAB_PID[$1]:-} i
    [[ -n "$p" ]] || return 0
    for ((i = 0; i < t * 20; i++)); do
        kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null || true; return 0; }
        sleep 0.05
    done
    return 1
}

lab_stop() {
    local name=$1 sig=${2:-TERM} t=${3:-3} p=${LAB_PID[$1]:-}
    [[ -n "$p" ]] || return 0
    kill -"$sig" "$p" 2>/dev/null || true
    if ! lab_wait_exit "$name" "$t"; then
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    fi
    LAB_PID[$name]=""
    lab_log "stopped $name"
}

# lab_capture_start NAME NODE IF FILE [TCPDUMP-ARGS...] [-- FILTER WORDS...]
# Default filter: udp port 67 or udp port 68.
lab_capture_start() {
    local name=$1 node=$2 ifn=$3 file=$4; shift 4
    local args=() filter=() seen=0 a i
    for a in "$@"; do
        if ((seen)); then filter+=("$a"); elif [[ "$a" == -- ]]; then seen=1; else args+=("$a"); fi
    done
    ((${#filter[@]})) || filter=(udp port 67 or udp port 68)
    local has_s=0
    for a in "${args[@]}"; do [[ "$a" == -s* ]] && has_s=1; done
    ((has_s)) || args+=(-s 0)
    rm -f "$file"
    LAB_ISCAP[$name]=1
    lab_bg "$name" "$node" tcpdump -Z root -n -U --immediate-mode -i "$ifn" -w "$file" "${args[@]}" "${filter[@]}"
    for ((i = 0; i < 100; i++)); do
        grep -q "listening on" "$LAB_DIR/$name.log" 2>/dev/null && break
        lab_alive "$name" || { cat "$LAB_DIR/$name.log" >&2; lab_die "tcpdump $name died"; }
        sleep 0.05
    done
    sleep 0.5
}

# --immediate-mode matters: without it TPACKET_V3 holds packets in a ring
# block for up to 1 s and tcpdump exits on SIGINT without writing them.
lab_capture_stop() {
    local name=$1
    sleep 0.3
    lab_stop "$name" INT 5
}

# ---------------------------------------------------------------- servers ---

# lab_dnsmasq NAME NODE IF [ARGS...]  (DHCP only, no DNS, foreground)
lab_dnsmasq() {
    local name=$1 node=$2 ifn=$3; shift 3
    lab_bg "$name" "$node" dnsmasq -k --conf-file=/dev/null --port=0 --user=root --group=root \
        --interface="$ifn" --bind-interfaces --log-dhcp --log-facility=- \
        --dhcp-leasefile="$LAB_DIR/$name.leases" --pid-file="$LAB_DIR/$name.pid" "$@"
    lab_wait_log "$name" "started, version" 5 || lab_die "dnsmasq $name did not start"
}

# lab_dhcpd NAME NODE IF CONF-TEXT
lab_dhcpd() {
    local name=$1 node=$2 ifn=$3 conf=$4
    printf '%s\n' "$conf" >"$LAB_DIR/$name.conf"
    : >"$LAB_DIR/$name.leases"
    lab_bg "$name" "$node" dhcpd -d -4 -cf "$LAB_DIR/$name.conf" -lf "$LAB_DIR/$name.leases" \
        -pf "$LAB_DIR/$name.pid" "$ifn"
    lab_wait_log "$name" "^Sending on" 5 || lab_die "dhcpd $name did not start"
}

# lab_kea NAME NODE IF JSON-TEXT  (JSON should use the "@LEASES@" placeholder
# for the memfile name; interfaces-config is not filled in for you)
lab_kea() {
    local name=$1 node=$2 ifn=$3 conf=$4
    mkdir -p "$LAB_DIR/$name.run"
    conf=${conf//@LEASES@/$LAB_DIR/$name.leases}
    printf '%s\n' "$conf" >"$LAB_DIR/$name.json"
    lab_bg "$name" "$node" env KEA_PIDFILE_DIR="$LAB_DIR/$name.run" KEA_LOCKFILE_DIR="$LAB_DIR/$name.run" \
        KEA_LOGGER_DESTINATION=stdout kea-dhcp4 -c "$LAB_DIR/$name.json"
    lab_wait_log "$name" "DHCP4_STARTED" 10 || lab_die "kea $name did not start (see $LAB_DIR/$name.log)"
    sleep 0.2
}

# lab_dhcrelay NAME NODE DOWNSTREAM-IF UPSTREAM-IF SERVER-IP [ARGS...]
# Adds option 82 (-a): circuit-id = downstream interface name.
lab_dhcrelay() {
    local name=$1 node=$2 down=$3 up=$4 srv=$5; shift 5
    lab_bg "$name" "$node" dhcrelay -4 -d -a -pf "$LAB_DIR/$name.pid" -id "$down" -iu "$up" "$@" "$srv"
    lab_wait_log "$name" "^Sending on" 5 || lab_die "dhcrelay $name did not start"
    sleep 0.2
}

# lab_delay_link NAME NODE IF-A IF-B MS [MS-BACK]
# Forwards every Ethernet frame between IF-A and IF-B of NODE (both promiscuous,
# no addresses), holding frames that arrive on IF-A for MS ms and frames that
# arrive on IF-B for MS-BACK ms, order preserved.  Put a server's segment on
# IF-A to delay its replies (e.g. IF-A on a private bridge with the server,
# IF-B on br0).  Debian's /usr/bin/python3, standard library only.
lab_delay_link() {
    local name=$1 node=$2 a=$3 b=$4 ms=$5 back=${6:-0} f="$LAB_DIR/$1.delay.py"
    [[ -x /usr/bin/python3 ]] || lab_die "lab_delay_link needs /usr/bin/python3"
    cat >"$f" <<'PYEOF'
import heapq, select, socket, sys, time
ETH_P_ALL, PACKET_OUTGOING = 3, 4
a, b = sys.argv[1], sys.argv[2]
delay = {a: float(sys.argv[3]) / 1000, b: float(sys.argv[4]) / 1000}
socks = {}
for ifn in (a, b):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifn, 0))
    s.setblocking(False)
    socks[ifn] = s
peer = {a: socks[b], b: socks[a]}
queue, seq = [], 0   # (due, seq, out socket, frame): a min-heap on due time
print(f"forwarding {a} -> {b} +{delay[a] * 1000:.0f} ms, {b} -> {a} +{delay[b] * 1000:.0f} ms",
      flush=True)
while True:
    timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else None
    ready, _, _ = select.select(list(socks.values()), [], [], timeout)
    for ifn, s in socks.items():
        if s not in ready:
            continue
        while True:
            try:
                frame, addr = s.recvfrom(65535)
            except BlockingIOError:
                break
            if addr[2] == PACKET_OUTGOING:   # our own writes, seen on the way out
                continue
            heapq.heappush(queue, (time.monotonic() + delay[ifn], seq, peer[ifn], frame))
            seq += 1
    now = time.monotonic()
    while queue and queue[0][0] <= now:
        _, _, out, frame = heapq.heappop(queue)
        out.send(frame)
PYEOF
    ip -n "$(lab_ns "$node")" link set "$a" promisc on
    ip -n "$(lab_ns "$node")" link set "$b" promisc on
    lab_bg "$name" "$node" /usr/bin/python3 -u "$f" "$a" "$b" "$ms" "$back"
    lab_wait_log "$name" '^forwarding' 5 || lab_die "delay link $name did not start"
}

# ---------------------------------------------------------------- clients ---

# Event hooks: every client hook appends "<event> <ip> server=<id> lease=<s>" to
# $LAB_DIR/events/NAME.
_lab_hook_dhclient() {
    local name=$1 f="$LAB_DIR/$1.hook"
    cat >"$f" <<EOF
#!/bin/sh
# dhclient hook for lab client $name: configure the address in the namespace only.
echo "\$reason \${new_ip_address:-\${old_ip_address:-}} server=\${new_dhcp_server_identifier:-} lease=\${new_dhcp_lease_time:-}" >>"$LAB_DIR/events/$name"
case "\$reason" in
PREINIT) ip link set dev "\$interface" up ;;
BOUND|RENEW|REBIND|REBOOT)
    if [ -n "\${old_ip_address:-}" ] && [ "\$old_ip_address" != "\$new_ip_address" ]; then
        ip -4 addr flush dev "\$interface"
    fi
    ip -4 addr replace "\$new_ip_address/\$new_subnet_mask" dev "\$interface"
    for r in \${new_routers:-}; do ip -4 route replace default via "\$r" dev "\$interface" 2>/dev/null; break; done ;;
EXPIRE|FAIL|RELEASE|STOP)
    [ -n "\${old_ip_address:-}" ] && ip -4 addr del "\$old_ip_address/\$old_subnet_mask" dev "\$interface" 2>/dev/null ;;
esac
exit 0
EOF
    chmod 755 "$f"
    printf '%s' "$f"
}

_lab_hook_udhcpc() {
    local name=$1 f="$LAB_DIR/$1.hook"
    cat >"$f" <<EOF
#!/bin/sh
# udhcpc hook for lab client $name
echo "\$1 \${ip:-} server=\${serverid:-} lease=\${lease:-}" >>"$LAB_DIR/events/$name"
case "\$1" in
deconfig) ip -4 addr flush dev "\$interface" ;;
bound|renew)
    ip -4 addr flush dev "\$interface"
    ip -4 addr add "\$ip/\${mask:-24}" dev "\$interface"
    for r in \${router:-}; do ip -4 route replace default via "\$r" dev "\$interface" 2>/dev/null; break; done ;;
esac
exit 0
EOF
    chmod 755 "$f"
    printf '%s' "$f"
}

_lab_hook_dhcpcd() {
    local name=$1 f="$LAB_DIR/$1.hook"
    cat >"$f" <<EOF
#!/bin/sh
# dhcpcd hook for lab client $name (dhcpcd configures addresses itself)
echo "\$reason \${new_ip_address:-} server=\${new_dhcp_server_identifier:-} lease=\${new_dhcp_lease_time:-}" >>"$LAB_DIR/events/$name"
exit 0
EOF
    chmod 755 "$f"
    printf '%s' "$f"
}

# lab_dhclient NAME NODE IF [CONF-TEXT] [EXTRA-ARGS...]
# Uses NAME's own lease file ($LAB_DIR/NAME.leases, may be pre-written), conf
# and hook.  Default conf sends no host-name and requests the usual options.
lab_dhclient() {
    local name=$1 node=$2 ifn=$3 conf=${4:-}; shift 3; (($#)) && shift
    local hook
    hook=$(_lab_hook_dhclient "$name")
    [[ -n "$conf" ]] || conf='request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers, host-name;'
    printf '%s\n' "$conf" >"$LAB_DIR/$name.conf"
    [[ -e "$LAB_DIR/$name.leases" ]] || : >"$LAB_DIR/$name.leases"
    lab_bg "$name" "$node" dhclient -4 -d -cf "$LAB_DIR/$name.conf" -sf "$hook" \
        -lf "$LAB_DIR/$name.leases" -pf "$LAB_DIR/$name.pid" "$@" "$ifn"
}

# lab_dhclient_release NAME NODE IF: `dhclient -r` with NAME's files (sends
# RELEASE for the lease in NAME's lease file and stops the running dhclient).
lab_dhclient_release() {
    local name=$1 node=$2 ifn=$3
    lab_exec "$node" dhclient -4 -r -cf "$LAB_DIR/$name.conf" -sf "$LAB_DIR/$name.hook" \
        -lf "$LAB_DIR/$name.leases" -pf "$LAB_DIR/$name.pid" "$ifn" >>"$LAB_DIR/$name.release.log" 2>&1
    lab_wait_exit "$name" 5 || lab_stop "$name"
    LAB_PID[$name]=""
}

# lab_dhclient_stale_lease NAME IF ADDR [SERVER-ID] [MASK]: pre-write NAME's
# dhclient lease file with a still-valid (expires in 1 day) lease for ADDR, so
# the next lab_dhclient NAME starts in INIT-REBOOT (REQUEST for ADDR, no
# DISCOVER first).
lab_dhclient_stale_lease() {
    local name=$1 ifn=$2 addr=$3 sid=${4:-} mask=${5:-255.255.255.0} t
    t=$(date -u -d '+1 day' '+%w %Y/%m/%d %H:%M:%S')
    [[ -n "$sid" ]] || sid=${addr%.*}.1
    cat >"$LAB_DIR/$name.leases" <<EOF
lease {
  interface "$ifn";
  fixed-address $addr;
  option subnet-mask $mask;
  option dhcp-lease-time 86400;
  option dhcp-message-type 5;
  option dhcp-server-identifier $sid;
  renew $t;
  rebind $t;
  expire $t;
}
EOF
}

# lab_udhcpc NAME NODE IF [EXTRA-ARGS...]  (SIGUSR1 renew, SIGUSR2 release)
lab_udhcpc() {
    local name=$1 node=$2 ifn=$3; shift 3
    local hook
    hook=$(_lab_hook_udhcpc "$name")
    lab_bg "$name" "$node" busybox udhcpc -f -i "$ifn" -s "$hook" "$@"
}

# dhcpcd keeps state in /var/lib/dhcpcd and /run/dhcpcd (pid files, control
# sockets, leases, DUID).  Each instance gets private tmpfs mounts over /run
# and /var/lib/dhcpcd: `ip netns exec` runs in its own mount namespace that is
# a slave of the root one, so nothing leaks out and leftover leases from
# other runs never turn a DORA into an INIT-REBOOT.
_lab_dhcpcd_wrap() {
    printf '%s' 'mount -t tmpfs dsr-dhcpcd /run && mkdir -p /run/dhcpcd && mount -t tmpfs dsr-dhcpcd /var/lib/dhcpcd && exec "$@"'
}

# lab_dhcpcd NAME NODE IF [EXTRA-ARGS...]  (IPv4 only, foreground, no-op hook)
lab_dhcpcd() {
    local name=$1 node=$2 ifn=$3; shift 3
    local hook
    [[ -d /var/lib/dhcpcd ]] || lab_die "/var/lib/dhcpcd missing (dhcpcd-base not installed?)"
    hook=$(_lab_hook_dhcpcd "$name")
    [[ -e "$LAB_DIR/$name.conf" ]] || printf '%s\n' 'option subnet_mask, routers, domain_name_servers' 'nodelay' >"$LAB_DIR/$name.conf"
    lab_bg "$name" "$node" sh -c "$(_lab_dhcpcd_wrap)" dhcpcd dhcpcd -4 -B -d -f "$LAB_DIR/$name.conf" \
        -c "$hook" "$@" "$ifn"
}

# lab_dhcpcd_ctl NAME ARGS... : run `dhcpcd ARGS` in the running instance's
# namespaces (e.g. lab_dhcpcd_ctl c1 -k eth0 to release).
lab_dhcpcd_ctl() {
    local name=$1; shift
    local p=${LAB_PID[$name]:?dhcpcd $name not running}
    nsenter -t "$p" -m -n dhcpcd "$@" >>"$LAB_DIR/$name.ctl.log" 2>&1
}

# lab_wait_event NAME REGEX [TIMEOUT]: wait for a hook event of client NAME
lab_wait_event() {
    local name=$1 re=$2 t=${3:-10} i
    for ((i = 0; i < t * 20; i++)); do
        grep -Eq "$re" "$LAB_DIR/events/$name" 2>/dev/null && return 0
        sleep 0.05
    done
    lab_log "timeout waiting for event /$re/ of $name"
    return 1
}

# lab_wait_log NAME REGEX [TIMEOUT]: wait for a line in NAME's log
lab_wait_log() {
    local name=$1 re=$2 t=${3:-10} i
    for ((i = 0; i < t * 20; i++)); do
        grep -Eq "$re" "$LAB_DIR/$name.log" 2>/dev/null && return 0
        sleep 0.05
    done
    lab_log "timeout waiting for /$re/ in $name.log"
    return 1
}

# lab_count_log NAME REGEX: number of matching lines in NAME's log
lab_count_log() { grep -Ec "$2" "$LAB_DIR/$1.log" 2>/dev/null || true; }

lab_teardown() {
    local rc=$? i name ns p
    trap - EXIT
    for p in "${LAB_EXTRA_CLEAN[@]}"; do [[ -n "$p" ]] && rm -rf -- "$p"; done
    LAB_EXTRA_CLEAN=()
    [[ -n "$LAB_ID" ]] || return "$rc"
    # stop processes in reverse start order
    for ((i = ${#LAB_ORDER[@]} - 1; i >= 0; i--)); do
        name=${LAB_ORDER[$i]}
        [[ -n "${LAB_PID[$name]:-}" ]] || continue
        if [[ -n "${LAB_ISCAP[$name]:-}" ]]; then lab_stop "$name" INT 3; else lab_stop "$name" TERM 2; fi
    done
    # anything still living in our namespaces (e.g. forked helpers)
    for ns in "${LAB_NODES[@]}"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null || true; done
    done
    sleep 0.1
    for ns in "${LAB_NODES[@]}"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    done
    for ((i = ${#LAB_NODES[@]} - 1; i >= 0; i--)); do
        ip netns del "${LAB_NODES[$i]}" 2>/dev/null || true
    done
    # The independent records, kept for the caller once every daemon has stopped (lease
    # files final): client hook events and every lease file (servers' and dhclients').
    if [[ -n "${LAB_EXPORT:-}" && -n "$LAB_DIR" && -d "$LAB_DIR" ]]; then
        mkdir -p "$LAB_EXPORT/events"
        cp -f "$LAB_DIR"/events/* "$LAB_EXPORT/events/" 2>/dev/null || true
        cp -f "$LAB_DIR"/*.leases "$LAB_EXPORT/" 2>/dev/null || true
        for p in "$LAB_DIR"/*.run/*.leases*; do [[ -f "$p" ]] && cp -f "$p" "$LAB_EXPORT/"; done
    fi
    if [[ "${LAB_KEEP:-0}" == 1 ]]; then
        rm -f "$LAB_DIR/owner"
        echo "[lab $LAB_ID] kept $LAB_DIR" >&2
    else
        [[ -n "$LAB_DIR" && "$LAB_DIR" == /tmp/${LAB_PREFIX}-* ]] && rm -rf "$LAB_DIR"
    fi
    LAB_ID=""
    return "$rc"
}
