#!/usr/bin/env bash
# captures/record.sh -- record the sample DHCPv4 captures in captures/ from real
# DHCP servers and clients running inside throw-away network namespaces.
#
#   captures/record.sh list               list scenarios and their default files
#   captures/record.sh all                record every scenario into captures/
#   captures/record.sh SCENARIO [OUTFILE] record one scenario (default file in
#                                         captures/)
#   captures/record.sh verify [FILE...]   print the tshark DHCP table of files
#
# Must run as root.  Needs: ip ethtool tcpdump tshark capinfos mergecap dnsmasq
# dhcpd kea-dhcp4 dhcrelay dhclient busybox dhcpcd nsenter /usr/bin/python3
# (with scapy).  It never installs anything.
#
# Everything runs in namespaces named dsr-<pid>-* (see tests/lab/lib.sh): a hub
# namespace with a bridge, one namespace per server/client/relay.  Nothing
# touches the root namespace; all of it is torn down on exit, also on failure.
# Environment: LAB_KEEP=1 keeps the temp dir (daemon logs); LAB_VERBOSE=1.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CAPDIR=$HERE
SELF=$HERE/$(basename "${BASH_SOURCE[0]}")
# shellcheck source=../tests/lab/lib.sh
source "$HERE/../tests/lab/lib.sh"
PY=/usr/bin/python3

# name -> default output file (order = recording order for `all`; derived
# scenarios come after the capture they are made from)
SCENARIOS=(
    dnsmasq-dhclient:dnsmasq-dhclient.pcap
    dnsmasq-udhcpc:dnsmasq-udhcpc.pcap
    dnsmasq-dhcpcd:dnsmasq-dhcpcd.pcap
    rogue-server:rogue-server.pcap
    dhcpd-initreboot-nak:dhcpd-initreboot-nak.pcap
    inform:inform.pcap
    relay-opt82:relay-opt82.pcapng
    pool-exhaustion:pool-exhaustion.pcap
    kea-dora:kea-dora.pcap
    sll2-any:sll2-any.pcap
    dora-nsec:dora-nsec.pcap
    snaplen-280:snaplen-280.pcap
    mixed-linktypes:mixed-linktypes.pcapng
    fragmented:fragmented.pcap
    hostile-hostname:hostile-hostname.pcap
    lab-showcase:lab-showcase.pcap
    delayed-server:delayed-server.pcap
    inform-violation:inform-violation.pcap
    truncated:truncated.pcap
    vlan:vlan.pcap
    vlan-qinq:vlan-qinq.pcap
)

# Fixed addresses used throughout (documented in captures/README.md)
SRV_MAC=02:53:00:00:00:01   # main server, 10.0.0.1
SRV2_MAC=02:53:00:00:00:02  # second server (inform: Kea), 10.0.0.2
SRV3_MAC=02:53:00:00:00:03  # third server (inform: ISC dhcpd), 10.0.0.3
ROGUE_MAC=02:ba:db:ad:ba:d1 # rogue server, 192.168.66.1
FAKE_MAC=02:53:00:00:00:09  # scripted (scapy) server, 10.0.0.9
cmac() { printf '02:10:00:00:00:%s' "$1"; }  # cmac 0a -> 02:10:00:00:00:0a

DNSMASQ_RANGE=(--no-ping --dhcp-range=10.0.0.100,10.0.0.150,255.255.255.0,2m --dhcp-option=option:router,10.0.0.1)

KEA_CONF='{"Dhcp4": {
  "interfaces-config": {"interfaces": ["eth0"], "dhcp-socket-type": "raw"},
  "lease-database": {"type": "memfile", "persist": true, "name": "@LEASES@", "lfc-interval": 0},
  "valid-lifetime": 120, "renew-timer": 60, "rebind-timer": 105,
  "subnet4": [{"id": 1, "subnet": "10.0.0.0/24",
               "pools": [{"pool": "10.0.0.100 - 10.0.0.150"}],
               "option-data": [{"name": "routers", "data": "10.0.0.1"}]}],
  "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": "stdout"}], "severity": "INFO"}]
}}'

DHCPD_CONF='authoritative;
ping-check false;
default-lease-time 120;
max-lease-time 120;
subnet 10.0.0.0 netmask 255.255.255.0 {
  range 10.0.0.100 10.0.0.150;
  option routers 10.0.0.1;
}'

say() { printf '== %s\n' "$*" >&2; }
fail() { printf 'record.sh: %s\n' "$*" >&2; exit 1; }

# one server (10.0.0.1, SRV_MAC) on br0, capture on br0 into $1
std_lab() {
    local name=$1
    lab_init "$name"
    lab_add_node srv "$SRV_MAC" 10.0.0.1/24
}

# ---------------------------------------------------------------- scenarios --

# 1: dnsmasq + ISC dhclient: DORA, RENEW at T1 (T1 forced to 3 s), dhclient
# restarted on the same lease file (INIT-REBOOT), dhclient -r (RELEASE).
sc_dnsmasq_dhclient() {
    local out=$1
    std_lab dnsmasq-dhclient
    lab_add_node c1 "$(cmac 01)"
    lab_capture_start cap hub br0 "$out"
    lab_dnsmasq dns srv eth0 "${DNSMASQ_RANGE[@]}" --dhcp-option=option:T1,3 --dhcp-option=option:T2,6
    lab_dhclient dc c1 eth0
    lab_wait_event dc '^BOUND' 10 || fail "no BOUND"
    lab_wait_event dc '^RENEW' 10 || fail "no RENEW"
    sleep 0.3
    lab_stop dc TERM          # no packet: dhclient just exits, lease stays
    lab_dhclient dc c1 eth0   # same lease file -> INIT-REBOOT REQUEST
    lab_wait_event dc '^REBOOT' 10 || fail "no REBOOT"
    sleep 0.3
    lab_dhclient_release dc c1 eth0
    lab_capture_stop cap
}

# 2: dnsmasq + busybox udhcpc: DORA, SIGUSR1 renew, SIGUSR2 release
sc_dnsmasq_udhcpc() {
    local out=$1
    std_lab dnsmasq-udhcpc
    lab_add_node c1 "$(cmac 02)"
    lab_capture_start cap hub br0 "$out"
    lab_dnsmasq dns srv eth0 "${DNSMASQ_RANGE[@]}"
    lab_udhcpc uc c1 eth0
    lab_wait_event uc '^bound' 10 || fail "no bound"
    sleep 1
    lab_signal uc USR1
    lab_wait_event uc '^renew' 10 || fail "no renew"
    sleep 1
    lab_signal uc USR2
    lab_wait_log dns DHCPRELEASE 5 || fail "no release"
    lab_stop uc
    lab_capture_stop cap
}

# 3: dnsmasq + dhcpcd: DORA with ARP probes/announcements, then dhcpcd -k
sc_dnsmasq_dhcpcd() {
    local out=$1
    std_lab dnsmasq-dhcpcd
    lab_add_node c1 "$(cmac 03)"
    lab_capture_start cap hub br0 "$out" -- udp port 67 or udp port 68 or arp
    lab_dnsmasq dns srv eth0 "${DNSMASQ_RANGE[@]}"
    lab_dhcpcd dd c1 eth0 -h dsr-dhcpcd
    lab_wait_event dd '^BOUND' 20 || fail "no BOUND"
    sleep 2.5   # let the second ARP announcement go out
    lab_dhcpcd_ctl dd -4 -k eth0
    lab_wait_log dns DHCPRELEASE 5 || fail "no release"
    lab_wait_exit dd 5 || lab_stop dd
    lab_capture_stop cap
}

# 4: legit dnsmasq + rogue dnsmasq on one segment; two dhclients each get two
# OFFERs.  Client .07 rejects the rogue's offers (binds legit), client .08
# rejects the legit server (is hijacked by the rogue).
sc_rogue_server() {
    local out=$1
    std_lab rogue-server
    lab_add_node rogue "$ROGUE_MAC" 192.168.66.1/24
    lab_add_node c7 "$(cmac 07)"
    lab_add_node c8 "$(cmac 08)"
    lab_capture_start cap hub br0 "$out"
    lab_dnsmasq legit srv eth0 "${DNSMASQ_RANGE[@]}"
    lab_dnsmasq rogue rogue eth0 --no-ping --dhcp-range=192.168.66.10,192.168.66.20,255.255.255.0,2m \
        --dhcp-option=option:router,192.168.66.1 --dhcp-option=option:dns-server,192.168.66.1
    lab_dhclient c7 c7 eth0 'request subnet-mask, routers, domain-name-servers; reject 192.168.66.1;'
    lab_wait_event c7 '^BOUND' 10 || fail "c7 not bound"
    sleep 0.3
    lab_dhclient c8 c8 eth0 'request subnet-mask, routers, domain-name-servers; reject 10.0.0.1;'
    lab_wait_event c8 '^BOUND' 10 || fail "c8 not bound"
    sleep 0.3
    lab_capture_stop cap
}

# 5: authoritative ISC dhcpd.  Client .09 has a stale lease for 172.16.5.50
# (wrong subnet): INIT-REBOOT REQUEST -> NAK -> DORA.  Client .0a has a stale
# lease for 10.0.0.200 (right subnet, unknown to dhcpd): dhcpd stays silent,
# dhclient retries the REQUEST until its `reboot 3` timeout, then DORA.
sc_dhcpd_initreboot_nak() {
    local out=$1
    std_lab dhcpd-initreboot-nak
    lab_add_node c9 "$(cmac 09)"
    lab_add_node ca "$(cmac 0a)"
    lab_capture_start cap hub br0 "$out"
    lab_dhcpd dhcpd srv eth0 "$DHCPD_CONF"
    lab_dhclient_stale_lease c9 eth0 172.16.5.50 172.16.5.1
    lab_dhclient c9 c9 eth0
    lab_wait_event c9 '^BOUND' 10 || fail "c9 not bound"
    sleep 0.5
    lab_dhclient_stale_lease ca eth0 10.0.0.200 10.0.0.1
    lab_dhclient ca ca eth0 'request subnet-mask, routers; reboot 3;'
    lab_wait_event ca '^BOUND' 20 || fail "ca not bound"
    sleep 0.3
    lab_capture_stop cap
}

# 6: dhcpcd --inform 10.0.0.50/24 (static address) answered by dnsmasq, then
# by Kea, then by ISC dhcpd: one server at a time, one INFORM each.
sc_inform() {
    local out=$1
    std_lab inform
    lab_add_node kea "$SRV2_MAC" 10.0.0.2/24
    lab_add_node isc "$SRV3_MAC" 10.0.0.3/24
    lab_add_node c1 "$(cmac 0c)" 10.0.0.50/24
    lab_capture_start cap hub br0 "$out"
    local srv n=0
    for srv in dnsmasq kea dhcpd; do
        n=$((n + 1))
        case $srv in
        dnsmasq) lab_dnsmasq s1 srv eth0 "${DNSMASQ_RANGE[@]}" ;;
        kea) lab_kea s2 kea eth0 "$KEA_CONF" ;;
        dhcpd) lab_dhcpd s3 isc eth0 "${DHCPD_CONF/option routers 10.0.0.1;/option routers 10.0.0.3;}" ;;
        esac
        lab_dhcpcd "inf$n" c1 eth0 -h dsr-inform --inform=10.0.0.50/24
        lab_wait_event "inf$n" '^INFORM' 10 || fail "no INFORM ack from $srv"
        sleep 0.3
        lab_stop "inf$n"
        lab_stop "s$n"
        sleep 0.3
    done
    lab_capture_stop cap
}

# 7: client -- dhcrelay (option 82) -- dnsmasq; capture both segments
sc_relay_opt82() {
    local out=$1
    lab_init relay-opt82
    lab_add_bridge br1
    lab_add_node c1 "$(cmac 0d)" - br0
    lab_add_node relay 02:67:00:00:00:01 10.1.0.1/24 br0 down0
    lab_add_node relay 02:67:00:00:00:02 10.2.0.1/24 br1 up0
    lab_add_node srv "$SRV_MAC" 10.2.0.2/24 br1
    lab_exec relay sysctl -qw net.ipv4.ip_forward=1
    lab_exec srv ip route add 10.1.0.0/24 via 10.2.0.1
    lab_capture_start capc hub br0 "$LAB_DIR/client-side.pcap"
    lab_capture_start caps hub br1 "$LAB_DIR/server-side.pcap"
    lab_dnsmasq dns srv eth0 --no-ping --dhcp-range=10.1.0.100,10.1.0.150,255.255.255.0,2m \
        --dhcp-option=option:router,10.1.0.1
    lab_dhcrelay rel relay down0 up0 10.2.0.2
    lab_udhcpc uc c1 eth0
    lab_wait_event uc '^bound' 10 || fail "no bound"
    sleep 0.5
    lab_signal uc USR2
    lab_wait_log dns DHCPRELEASE 5 || fail "no release"
    lab_stop uc
    lab_capture_stop capc
    lab_capture_stop caps
    # -I none: keep two interfaces (0 = client segment br0, 1 = server segment br1)
    mergecap -I none -w "$out" "$LAB_DIR/client-side.pcap" "$LAB_DIR/server-side.pcap"
}

# 8: dnsmasq pool of 2 addresses, three udhcpc clients; the third sends
# exactly 3 DISCOVERs 1 s apart (-t 3 -T 1 -n) and gets nothing.
sc_pool_exhaustion() {
    local out=$1
    std_lab pool-exhaustion
    lab_add_node c1 "$(cmac 11)"
    lab_add_node c2 "$(cmac 12)"
    lab_add_node c3 "$(cmac 13)"
    lab_capture_start cap hub br0 "$out"
    lab_dnsmasq dns srv eth0 --no-ping --dhcp-range=10.0.0.100,10.0.0.101,255.255.255.0,2m
    lab_udhcpc u1 c1 eth0
    lab_wait_event u1 '^bound' 10 || fail "u1 not bound"
    lab_udhcpc u2 c2 eth0
    lab_wait_event u2 '^bound' 10 || fail "u2 not bound"
    sleep 0.3
    lab_udhcpc u3 c3 eth0 -t 3 -T 1 -n
    lab_wait_exit u3 10 || fail "u3 did not give up"
    lab_capture_stop cap
}

# 9: Kea + ISC dhclient: DORA, then dhclient -r
sc_kea_dora() {
    local out=$1
    std_lab kea-dora
    lab_add_node c1 "$(cmac 14)"
    lab_capture_start cap hub br0 "$out"
    lab_kea kea srv eth0 "$KEA_CONF"
    lab_dhclient dc c1 eth0
    lab_wait_event dc '^BOUND' 10 || fail "no BOUND"
    sleep 0.5
    lab_dhclient_release dc c1 eth0
    lab_capture_stop cap
}

# DORA by udhcpc -q (exits once bound, no release) against dnsmasq, captured
# by tcpdump in namespace NODE on IF with extra tcpdump args
_dora_udhcpc() {
    local out=$1 name=$2 mac=$3 capnode=$4 capif=$5; shift 5
    std_lab "$name"
    lab_add_node c1 "$mac"
    lab_capture_start cap "$capnode" "$capif" "$out" "$@"
    lab_dnsmasq dns srv eth0 "${DNSMASQ_RANGE[@]}"
    lab_udhcpc uc c1 eth0 -q
    lab_wait_exit uc 10 || fail "udhcpc did not finish"
    lab_capture_stop cap
}

# 10: tcpdump -i any inside the client namespace -> LINUX_SLL2
sc_sll2_any() { _dora_udhcpc "$1" sll2-any "$(cmac 15)" c1 any; }
# 11: nanosecond timestamps
sc_dora_nsec() { _dora_udhcpc "$1" dora-nsec "$(cmac 16)" hub br0 --time-stamp-precision=nano; }
# 12: snaplen 280
sc_snaplen_280() { _dora_udhcpc "$1" snaplen-280 "$(cmac 17)" hub br0 -s 280; }

# 13: two clients, one captured as Ethernet on the bridge, the other with
# tcpdump -i any (SLL2) in its own namespace; merged -> pcapng, 2 link types
sc_mixed_linktypes() {
    local out=$1
    std_lab mixed-linktypes
    lab_add_node c1 "$(cmac 18)"
    lab_add_node c2 "$(cmac 19)"
    # BPF on the BOOTP chaddr (udp[36:6]) so each capture holds one client
    lab_capture_start capa hub br0 "$LAB_DIR/eth.pcap" -- \
        '(udp port 67 or udp port 68) and udp[36:4] = 0x02100000 and udp[40:2] = 0x0018'
    lab_capture_start capb c2 any "$LAB_DIR/sll2.pcap" -- \
        '(udp port 67 or udp port 68) and udp[36:4] = 0x02100000 and udp[40:2] = 0x0019'
    lab_dnsmasq dns srv eth0 "${DNSMASQ_RANGE[@]}"
    lab_udhcpc u1 c1 eth0 -q
    lab_wait_exit u1 10 || fail "u1 did not finish"
    lab_udhcpc u2 c2 eth0 -q
    lab_wait_exit u2 10 || fail "u2 did not finish"
    lab_capture_stop capa
    lab_capture_stop capb
    mergecap -w "$out" "$LAB_DIR/eth.pcap" "$LAB_DIR/sll2.pcap"
    [[ "$(capinfos -T -r -c "$out" | cut -f2)" -ge 8 ]] || fail "mixed-linktypes: too few packets"
    capinfos -E "$out" | grep -q 'Per packet' || fail "mixed-linktypes: not per-packet encapsulation"
}

# 14: dnsmasq with eight 250-byte private options; a scapy client asks for a
# max message size of 4000, so dnsmasq's OFFER/ACK (~2.3 kB) is fragmented by
# the server's kernel (MTU 1500).  dhcp-host pins the address so the scripted
# REQUEST is correct without reassembling the OFFER.
sc_fragmented() {
    local out=$1 big o opts=()
    std_lab fragmented
    lab_add_node c1 "$(cmac 1a)"
    lab_capture_start cap hub br0 "$out" -- \
        'udp port 67 or udp port 68 or (ip[6:2] & 0x1fff) != 0'
    big=$(printf 'X%.0s' $(seq 1 250))
    for o in $(seq 224 231); do opts+=("--dhcp-option-force=$o,$big"); done
    lab_dnsmasq dns srv eth0 "${DNSMASQ_RANGE[@]}" --dhcp-host="$(cmac 1a),10.0.0.77" "${opts[@]}"
    cat >"$LAB_DIR/frag.py" <<'PYEOF'
import sys, time
from scapy.all import conf, Ether, IP, UDP, BOOTP, DHCP, sendp, mac2str
conf.verb = 0
mac = sys.argv[1]
base = (Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / IP(src="0.0.0.0", dst="255.255.255.255")
        / UDP(sport=68, dport=67) / BOOTP(chaddr=mac2str(mac), xid=0x0f4a6d01))
sendp(base / DHCP(options=[("message-type", "discover"), ("max_dhcp_size", 4000),
                           ("param_req_list", [1, 3, 6]), "end"]), iface="eth0")
time.sleep(0.5)
sendp(base / DHCP(options=[("message-type", "request"), ("server_id", "10.0.0.1"),
                           ("requested_addr", "10.0.0.77"), ("max_dhcp_size", 4000),
                           ("param_req_list", [1, 3, 6]), "end"]), iface="eth0")
time.sleep(0.5)
PYEOF
    lab_exec c1 "$PY" "$LAB_DIR/frag.py" "$(cmac 1a)"
    lab_wait_log dns 'DHCPACK' 5 || fail "no ACK"
    lab_capture_stop cap
}

# 15: scapy client whose hostname (option 12) holds control characters, an
# ESC CSI sequence, an OSC 52 clipboard write and a U+202E bidi override;
# real dnsmasq answers (OFFER + ACK).
sc_hostile_hostname() {
    local out=$1
    std_lab hostile-hostname
    lab_add_node c1 "$(cmac 1b)"
    lab_capture_start cap hub br0 "$out"
    lab_dnsmasq dns srv eth0 "${DNSMASQ_RANGE[@]}"
    cat >"$LAB_DIR/hostile.py" <<'PYEOF'
import sys
from scapy.all import conf, Ether, IP, UDP, BOOTP, DHCP, srp1, mac2str
conf.verb = 0
conf.checkIPaddr = False
mac = sys.argv[1]
hn = b"evil\x01\x07\x08\x1b[31mRED\x1b]52;c;aGVsbG8=\x07\xe2\x80\xaetxt.exe\x7f"
base = (Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / IP(src="0.0.0.0", dst="255.255.255.255")
        / UDP(sport=68, dport=67) / BOOTP(chaddr=mac2str(mac), xid=0x1ee7c0de))
prl = ("param_req_list", [1, 3, 6, 15])
offer = srp1(base / DHCP(options=[("message-type", "discover"), ("hostname", hn), prl, "end"]),
             iface="eth0", timeout=3)
if offer is None:
    sys.exit("no OFFER")
opts = dict(o for o in offer[DHCP].options if isinstance(o, tuple) and len(o) == 2)
ack = srp1(base / DHCP(options=[("message-type", "request"), ("server_id", opts["server_id"]),
                                ("requested_addr", offer[BOOTP].yiaddr), ("hostname", hn), prl, "end"]),
           iface="eth0", timeout=3)
if ack is None:
    sys.exit("no ACK")
PYEOF
    lab_exec c1 "$PY" "$LAB_DIR/hostile.py" "$(cmac 1b)"
    lab_capture_stop cap
}

# 16: one segment: authoritative legit dnsmasq + rogue dnsmasq, five clients:
#  .21 dhclient, rejects rogue  -> 2 OFFERs, binds legit, later dhclient -r
#  .22 dhclient, rejects legit  -> hijacked by rogue; legit NAKs its REQUEST
#  .23 dhclient, stale 172.16.5.50 lease -> INIT-REBOOT, legit NAKs, DORA
#  .24 dhcpcd --inform 10.0.0.60/24 -> legit ACKs
sc_lab_showcase() {
    local out=$1
    std_lab lab-showcase
    lab_add_node rogue "$ROGUE_MAC" 192.168.66.1/24
    lab_add_node c21 "$(cmac 21)"
    lab_add_node c22 "$(cmac 22)"
    lab_add_node c23 "$(cmac 23)"
    lab_add_node c24 "$(cmac 24)" 10.0.0.60/24
    lab_capture_start cap hub br0 "$out"
    lab_dnsmasq legit srv eth0 "${DNSMASQ_RANGE[@]}" --dhcp-authoritative
    lab_dnsmasq rogue rogue eth0 --no-ping --dhcp-range=192.168.66.10,192.168.66.20,255.255.255.0,2m \
        --dhcp-option=option:router,192.168.66.1 --dhcp-option=option:dns-server,192.168.66.1
    lab_dhclient c21 c21 eth0 'request subnet-mask, routers, domain-name-servers; reject 192.168.66.1;'
    lab_wait_event c21 '^BOUND' 10 || fail "c21 not bound"
    sleep 0.5
    lab_dhclient c22 c22 eth0 'request subnet-mask, routers, domain-name-servers; reject 10.0.0.1;'
    lab_wait_event c22 '^BOUND' 10 || fail "c22 not bound"
    sleep 0.5
    lab_dhclient_stale_lease c23 eth0 172.16.5.50 172.16.5.1
    lab_dhclient c23 c23 eth0 'request subnet-mask, routers, domain-name-servers; reject 192.168.66.1;'
    lab_wait_event c23 '^BOUND' 10 || fail "c23 not bound"
    sleep 0.5
    lab_dhcpcd inf c24 eth0 -h dsr-showcase --inform=10.0.0.60/24
    lab_wait_event inf '^INFORM' 10 || fail "no INFORM ack"
    sleep 0.3
    lab_stop inf
    sleep 0.2
    lab_dhclient_release c21 c21 eth0
    lab_capture_stop cap
}

# 17: a server whose replies are delayed.  The kernel has no netem, so the slow
# dnsmasq (10.0.0.2) sits on a private bridge brs, joined to br0 by a user-space
# forwarder (lab_delay_link, node dly: s0 on brs, b0 on br0) that holds every
# frame from the server's side for DELAY_MS ms (default 300); frames towards the
# server pass at once.  The fast dnsmasq (10.0.0.1) is on br0.  dhclient rejects
# 10.0.0.1, so it waits for the slow OFFER, requests it and is ACKed by 10.0.0.2.
# Capture on br0: every reply of 10.0.0.2 arrives >= DELAY_MS after its request.
sc_delayed_server() {
    local out=$1 ms=${DELAY_MS:-300}
    std_lab delayed-server
    lab_add_bridge brs
    lab_add_node slow "$SRV2_MAC" 10.0.0.2/24 brs
    lab_add_node dly - - brs s0
    lab_add_node dly - - br0 b0
    lab_add_node c1 "$(cmac 1c)"
    lab_delay_link fwd dly s0 b0 "$ms"
    lab_capture_start cap hub br0 "$out"
    lab_dnsmasq fast srv eth0 "${DNSMASQ_RANGE[@]}"
    lab_dnsmasq slowd slow eth0 --no-ping --dhcp-range=10.0.0.200,10.0.0.250,255.255.255.0,2m \
        --dhcp-option=option:router,10.0.0.1
    lab_dhclient dc c1 eth0 'request subnet-mask, routers; reject 10.0.0.1;'
    lab_wait_event dc '^BOUND' 15 || fail "no BOUND"
    sleep 0.5
    lab_capture_stop cap
}

# 18: dhcpcd --inform 10.0.0.50/24 answered by a scripted (scapy) server,
# 10.0.0.9, that breaks RFC 2131 4.3.5: its ACK to the INFORM carries yiaddr =
# the client's address and a lease time (3600 s).  Real servers obey (see
# `inform`); this is the violation the report must flag.
sc_inform_violation() {
    local out=$1
    lab_init inform-violation
    lab_add_node fake "$FAKE_MAC" 10.0.0.9/24
    lab_add_node c1 "$(cmac 1d)" 10.0.0.50/24
    lab_capture_start cap hub br0 "$out"
    cat >"$LAB_DIR/fake.py" <<'PYEOF'
import sys
from scapy.all import conf, sniff, sendp, Ether, IP, UDP, BOOTP, DHCP
conf.verb = 0
sid, mac = sys.argv[1], sys.argv[2]
def inform(p):
    return DHCP in p and ("message-type", 8) in p[DHCP].options
got = sniff(iface="eth0", filter="udp dst port 67", lfilter=inform, count=1, timeout=15,
            started_callback=lambda: print("ready", flush=True))
if not got:
    sys.exit("no INFORM")
q = got[0]
ci = q[BOOTP].ciaddr
ack = (Ether(src=mac, dst=q[Ether].src) / IP(src=sid, dst=ci) / UDP(sport=67, dport=68)
       / BOOTP(op=2, xid=q[BOOTP].xid, flags=q[BOOTP].flags, ciaddr=ci, yiaddr=ci,
               chaddr=q[BOOTP].chaddr)
       / DHCP(options=[("message-type", "ack"), ("server_id", sid), ("lease_time", 3600),
                       ("subnet_mask", "255.255.255.0"), ("router", sid), "end"]))
sendp(ack, iface="eth0")
print("answered", flush=True)
PYEOF
    lab_bg fk fake "$PY" -u "$LAB_DIR/fake.py" 10.0.0.9 "$FAKE_MAC"
    lab_wait_log fk '^ready' 10 || fail "fake server did not start"
    lab_dhcpcd inf c1 eth0 -h dsr-inform --inform=10.0.0.50/24
    lab_wait_log fk '^answered' 10 || fail "fake server saw no INFORM"
    sleep 0.5
    lab_stop inf
    lab_capture_stop cap
}

# ------------------------------------------------------ derived captures ----

# base_capture SCENARIO FILE: set BASE to captures/FILE if present, else
# record SCENARIO to a temp file first (for single-scenario runs)
base_capture() {
    local scen=$1 file=$2
    BASE=$CAPDIR/$file
    [[ -s "$BASE" ]] && return 0
    BASE=$(mktemp "/tmp/dsr-base.XXXXXX")
    LAB_EXTRA_CLEAN+=("$BASE")
    "$SELF" "$scen" "$BASE" >&2
}

# 19: dnsmasq-dhclient.pcap cut in the middle of record 4's packet data
sc_truncated() {
    local out=$1
    base_capture dnsmasq-dhclient dnsmasq-dhclient.pcap
    "$PY" - "$BASE" "$out" <<'PYEOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
off, n, recs = 24, 0, []
while off + 16 <= len(data):
    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
    recs.append((off, incl))
    off += 16 + incl
o4, incl4 = recs[3]
cut = o4 + 16 + 100          # record header of #4 intact, 100 of its bytes
open(sys.argv[2], "wb").write(data[:cut])
print(f"truncated: kept {cut} of {len(data)} bytes; records 1-3 complete, "
      f"record 4 header at offset {o4} says incl_len={incl4}, only 100 data bytes present",
      file=sys.stderr)
PYEOF
}

# 20/21: 802.1Q (VID 10) and QinQ (outer 0x88a8 VID 100, inner 0x8100 VID 10)
# inserted into every frame of dnsmasq-udhcpc.pcap
_vlanify() {
    local out=$1 mode=$2
    base_capture dnsmasq-udhcpc dnsmasq-udhcpc.pcap
    "$PY" - "$BASE" "$out" "$mode" <<'PYEOF'
import struct, sys
src, dst, mode = sys.argv[1:4]
data = open(src, "rb").read()
magic, = struct.unpack("<I", data[:4])
assert magic in (0xa1b2c3d4, 0xa1b23c4d), "expects a little-endian pcap"
if mode == "dot1q":
    tag = struct.pack("!HH", 0x8100, 10)
else:
    tag = struct.pack("!HH", 0x88a8, 100) + struct.pack("!HH", 0x8100, 10)
out = [data[:24]]   # same header (snaplen 262144 stays far above any frame)
off = 24
while off + 16 <= len(data):
    ts_s, ts_u, incl, orig = struct.unpack("<IIII", data[off:off + 16])
    pkt = data[off + 16:off + 16 + incl]
    pkt = pkt[:12] + tag + pkt[12:]
    out.append(struct.pack("<IIII", ts_s, ts_u, incl + len(tag), orig + len(tag)) + pkt)
    off += 16 + incl
open(dst, "wb").write(b"".join(out))
PYEOF
}
sc_vlan() { _vlanify "$1" dot1q; }
sc_vlan_qinq() { _vlanify "$1" qinq; }

# ----------------------------------------------------------------- driver ---

scenario_file() {
    local s
    for s in "${SCENARIOS[@]}"; do [[ "${s%%:*}" == "$1" ]] && { printf '%s' "${s#*:}"; return 0; }; done
    return 1
}

verify() {
    local f
    for f in "$@"; do
        printf '### %s (%s bytes)\n' "$(basename "$f")" "$(stat -c %s "$f")"
        tshark -r "$f" -Y dhcp -T fields -e frame.number -e eth.src -e dhcp.option.dhcp \
            -e dhcp.option.dhcp_server_id -e dhcp.ip.your 2>/dev/null || true
    done
}

run_one() {
    local scen=$1 out=${2:-} fn tmp file
    file=$(scenario_file "$scen") || fail "unknown scenario $scen (try: $0 list)"
    [[ -n "$out" ]] || out=$CAPDIR/$file
    fn=sc_${scen//-/_}
    case $out in /*) ;; *) out=$PWD/$out ;; esac
    trap 'lab_teardown' EXIT   # removes $tmp on failure (lab_init re-arms it)
    tmp=$(mktemp "/tmp/dsr-out.XXXXXX")
    LAB_EXTRA_CLEAN+=("$tmp")
    "$fn" "$tmp"
    [[ -s "$tmp" ]] || fail "$scen produced no capture"
    chmod 644 "$tmp"
    mv -f "$tmp" "$out"
    say "$scen -> $out ($(stat -c %s "$out") bytes)"
}

main() {
    local cmd=${1:-}
    case $cmd in
    "" | -h | --help | help)
        sed -n '2,/^set -euo/p' "$SELF" | sed '$d' | sed 's/^# \{0,1\}//'
        ;;
    list)
        local s
        for s in "${SCENARIOS[@]}"; do printf '%-22s %s\n' "${s%%:*}" "${s#*:}"; done
        ;;
    verify)
        shift
        if (($#)); then verify "$@"; else verify "$CAPDIR"/*.pcap "$CAPDIR"/*.pcapng; fi
        ;;
    all)
        [[ $EUID -eq 0 ]] || fail "must run as root"
        lab_require ip ethtool tcpdump tshark capinfos mergecap dnsmasq dhcpd kea-dhcp4 dhcrelay \
            dhclient busybox dhcpcd nsenter "$PY"
        "$PY" -c 'import scapy' 2>/dev/null || fail "$PY has no scapy (python3-scapy)"
        lab_cleanup_stale
        local s rc start=$SECONDS failed=()
        trap 'exit 130' INT TERM HUP
        for s in "${SCENARIOS[@]}"; do
            # a fresh process per scenario: its own lab, own EXIT trap, set -e intact
            rc=0
            "$SELF" "${s%%:*}" "$CAPDIR/${s#*:}" || rc=$?
            ((rc < 128)) || fail "interrupted during ${s%%:*}"
            ((rc == 0)) || failed+=("${s%%:*}")
        done
        say "all done in $((SECONDS - start)) s"
        ((${#failed[@]} == 0)) || fail "failed scenarios: ${failed[*]}"
        ;;
    *)
        [[ $EUID -eq 0 ]] || fail "must run as root"
        run_one "$@"
        ;;
    esac
}

main "$@"
