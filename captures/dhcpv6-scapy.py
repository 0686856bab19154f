#!/usr/bin/python3
"""Writes captures/dhcpv6-scapy.pcap: DHCPv6 and router discovery frames built with scapy
2.5.0 (Debian's python3-scapy), an encoder independent of ours, so that the tshark agreement
test (tests/tshark_agreement_v6.rs) covers what the public captures lack: relay chains two
deep with Interface-Id, Remote-Id and option 79, IA_PD, status codes inside IAs, Preference
255, SOL_MAX_RT, Information Refresh Time, FQDN, vendor/user class, Reconfigure with RKAP,
router advertisements with every option we decode, an RA behind a hop-by-hop header and a
mitm6-style RA (M=1 O=1, lifetime 0, Prf high). Usage: /usr/bin/python3 captures/dhcpv6-scapy.py [OUT]
Nothing is sent anywhere; the frames are only written to the file."""
import sys
from scapy.all import Ether, IPv6, UDP, wrpcap, IPv6ExtHdrHopByHop
from scapy.layers.dhcp6 import *
from scapy.layers.inet6 import *

out = sys.argv[1] if len(sys.argv) > 1 else "captures/dhcpv6-scapy.pcap"
C_MAC, S_MAC, R_MAC, ROGUE_MAC = "02:00:00:00:0c:01", "02:00:00:00:05:01", "02:00:00:00:0a:01", "02:00:00:00:66:06"
C_LL, S_LL, R_LL, ROGUE_LL = "fe80::ff:fe00:c01", "fe80::ff:fe00:501", "fe80::ff:fe00:a01", "fe80::ff:fe00:6606"
ALL_DHCP, ALL_NODES, ALL_ROUTERS = "ff02::1:2", "ff02::1", "ff02::2"
CLIENT_DUID = DUID_LLT(hwtype=1, timeval=700000000, lladdr=C_MAC)
SERVER_DUID = DUID_LL(hwtype=1, lladdr=S_MAC)
ADDR, PREFIX, DNS = "2001:db8:1::c01", "2001:db8:ff00::", "2001:db8:1::53"
t = [1_700_000_000.0]

def at(pkt, step=0.01):
    t[0] += step
    pkt.time = t[0]
    return pkt

def c2s(msg, dst=ALL_DHCP, dmac="33:33:00:01:00:02"):
    return at(Ether(src=C_MAC, dst=dmac) / IPv6(src=C_LL, dst=dst, hlim=1) / UDP(sport=546, dport=547) / msg)

def s2c(msg, smac=S_MAC, sll=S_LL):
    return at(Ether(src=smac, dst=C_MAC) / IPv6(src=sll, dst=C_LL) / UDP(sport=547, dport=546) / msg)

ia_na_req = DHCP6OptIA_NA(iaid=0x0c01, T1=0, T2=0)
ia_pd_hint = DHCP6OptIA_PD(iaid=0x0c02, T1=0, T2=0, iapdopt=[DHCP6OptIAPrefix(plen=56, prefix="::", preflft=0, validlft=0)])
ia_na = DHCP6OptIA_NA(iaid=0x0c01, T1=1800, T2=2880, ianaopts=[
    DHCP6OptIAAddress(addr=ADDR, preflft=3600, validlft=7200, iaaddropts=[DHCP6OptStatusCode(statuscode=0, statusmsg="assigned")])])
ia_pd = DHCP6OptIA_PD(iaid=0x0c02, T1=1800, T2=2880, iapdopt=[
    DHCP6OptIAPrefix(plen=56, prefix=PREFIX, preflft=3600, validlft=7200)])
common_client = [DHCP6OptClientId(duid=CLIENT_DUID), DHCP6OptElapsedTime(elapsedtime=0),
                 DHCP6OptOptReq(reqopts=[23, 24, 82, 32])]
frames = []

# Router discovery: RS, then an RA with every option we decode.
frames.append(at(Ether(src=C_MAC, dst="33:33:00:00:00:02") / IPv6(src=C_LL, dst=ALL_ROUTERS, hlim=255)
                 / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=C_MAC)))
frames.append(at(Ether(src=R_MAC, dst="33:33:00:00:00:01") / IPv6(src=R_LL, dst=ALL_NODES, hlim=255)
                 / ICMPv6ND_RA(chlim=64, M=1, O=1, prf=1, routerlifetime=1800, reachabletime=30000, retranstimer=1000)
                 / ICMPv6NDOptSrcLLAddr(lladdr=R_MAC) / ICMPv6NDOptMTU(mtu=1500)
                 / ICMPv6NDOptPrefixInfo(prefixlen=64, L=1, A=1, validlifetime=2592000, preferredlifetime=604800, prefix="2001:db8:1::")
                 / ICMPv6NDOptRouteInfo(plen=48, prf=3, rtlifetime=3600, prefix="2001:db8:5::")
                 / ICMPv6NDOptRDNSS(lifetime=1800, dns=[DNS])
                 / ICMPv6NDOptDNSSL(lifetime=1800, searchlist=["corp.example.", "example."])))

# Four-message exchange with IA_NA and IA_PD.
frames.append(c2s(DHCP6_Solicit(trid=0x00a001) / DHCP6OptClientId(duid=CLIENT_DUID) / DHCP6OptElapsedTime(elapsedtime=0)
                  / DHCP6OptOptReq(reqopts=[23, 24, 82]) / ia_na_req / ia_pd_hint / DHCP6OptRapidCommit()
                  / DHCP6OptClientFQDN(flags=1, fqdn="laptop.corp.example.")
                  / DHCP6OptVendorClass(enterprisenum=311, vcdata=[VENDOR_CLASS_DATA(data=b"MSFT 5.0")])
                  / DHCP6OptUserClass(userclassdata=[USER_CLASS_DATA(data=b"lab")])))
frames.append(s2c(DHCP6_Advertise(trid=0x00a001) / DHCP6OptServerId(duid=SERVER_DUID) / DHCP6OptClientId(duid=CLIENT_DUID)
                  / DHCP6OptPref(prefval=255) / ia_na / ia_pd / DHCP6OptDNSServers(dnsservers=[DNS])
                  / DHCP6OptDNSDomains(dnsdomains=["corp.example.", "example."]) / DHCP6OptUnknown(optcode=82, data=(3600).to_bytes(4, "big"))))
frames.append(c2s(DHCP6_Request(trid=0x00b002) / DHCP6OptClientId(duid=CLIENT_DUID) / DHCP6OptServerId(duid=SERVER_DUID)
                  / DHCP6OptElapsedTime(elapsedtime=5) / ia_na / ia_pd / DHCP6OptReconfAccept()))
frames.append(s2c(DHCP6_Reply(trid=0x00b002) / DHCP6OptServerId(duid=SERVER_DUID) / DHCP6OptClientId(duid=CLIENT_DUID)
                  / ia_na / ia_pd / DHCP6OptDNSServers(dnsservers=[DNS]) / DHCP6OptStatusCode(statuscode=0, statusmsg="ok")))

# The same SOLICIT through two relays, and the answer back through both.
REL1, REL2 = "2001:db8:1::1", "2001:db8:2::1"
inner = DHCP6_Solicit(trid=0x00c003) / DHCP6OptClientId(duid=CLIENT_DUID) / DHCP6OptElapsedTime(elapsedtime=100) / ia_na_req
fw1 = DHCP6_RelayForward(hopcount=0, linkaddr=REL1, peeraddr=C_LL) / DHCP6OptIfaceId(ifaceid=b"eth1") \
    / DHCP6OptClientLinkLayerAddr(lltype=1, clladdr=C_MAC) / DHCP6OptRelayMsg(message=inner)
fw2 = DHCP6_RelayForward(hopcount=1, linkaddr=REL2, peeraddr=REL1) / DHCP6OptRemoteID(enterprisenum=4491, remoteid=b"port-7") \
    / DHCP6OptRelayMsg(message=fw1)
frames.append(at(Ether(src="02:00:00:00:0b:02", dst=S_MAC) / IPv6(src=REL2, dst="2001:db8:9::547") / UDP(sport=547, dport=547) / fw2))
adv = DHCP6_Advertise(trid=0x00c003) / DHCP6OptServerId(duid=SERVER_DUID) / DHCP6OptClientId(duid=CLIENT_DUID) \
    / DHCP6OptIA_NA(iaid=0x0c01, T1=0, T2=0, ianaopts=[DHCP6OptStatusCode(statuscode=2, statusmsg="no addresses")])
rp1 = DHCP6_RelayReply(hopcount=0, linkaddr=REL1, peeraddr=C_LL) / DHCP6OptIfaceId(ifaceid=b"eth1") / DHCP6OptRelayMsg(message=adv)
rp2 = DHCP6_RelayReply(hopcount=1, linkaddr=REL2, peeraddr=REL1) / DHCP6OptRelayMsg(message=rp1)
frames.append(at(Ether(src=S_MAC, dst="02:00:00:00:0b:02") / IPv6(src="2001:db8:9::547", dst=REL2) / UDP(sport=547, dport=547) / rp2))

# Stateless: INFORMATION-REQUEST and REPLY with the refresh time.
frames.append(c2s(DHCP6_InfoRequest(trid=0x00d004) / DHCP6OptClientId(duid=CLIENT_DUID) / DHCP6OptElapsedTime(elapsedtime=0)
                  / DHCP6OptOptReq(reqopts=[23, 24, 32, 83])))
frames.append(s2c(DHCP6_Reply(trid=0x00d004) / DHCP6OptServerId(duid=SERVER_DUID) / DHCP6OptClientId(duid=CLIENT_DUID)
                  / DHCP6OptDNSServers(dnsservers=[DNS, "2001:db8:1::54"]) / DHCP6OptInfoRefreshTime(reftime=86400)))

# RENEW answered with NoBinding inside the IA.
frames.append(c2s(DHCP6_Renew(trid=0x00e005) / DHCP6OptClientId(duid=CLIENT_DUID) / DHCP6OptServerId(duid=SERVER_DUID)
                  / DHCP6OptElapsedTime(elapsedtime=0) / ia_na))
frames.append(s2c(DHCP6_Reply(trid=0x00e005) / DHCP6OptServerId(duid=SERVER_DUID) / DHCP6OptClientId(duid=CLIENT_DUID)
                  / DHCP6OptIA_NA(iaid=0x0c01, T1=0, T2=0, ianaopts=[DHCP6OptStatusCode(statuscode=3, statusmsg="no binding")])))

# RECONFIGURE with RKAP authentication (protocol 3, algorithm 1, RDM 0).
frames.append(s2c(DHCP6_Reconf(msgtype=10, trid=0) / DHCP6OptServerId(duid=SERVER_DUID) / DHCP6OptClientId(duid=CLIENT_DUID)
                  / DHCP6OptReconfMsg(msgtype=5)
                  / DHCP6OptAuth(proto=3, alg=1, rdm=0, replay=b"\x00" * 7 + b"\x01", authinfo=b"\x02" + b"\xaa" * 16)))

# A mitm6-style rogue: Advertise with DUID-LL of its own MAC, DNS = itself, link-local IA
# address, T1 200 / T2 250, lifetimes 300, no Preference; and its RA (M=1 O=1, lifetime 0, Prf high).
rogue_duid = DUID_LL(hwtype=1, lladdr=ROGUE_MAC)
frames.append(s2c(DHCP6_Advertise(trid=0x00a001) / DHCP6OptClientId(duid=CLIENT_DUID) / DHCP6OptServerId(duid=rogue_duid)
                  / DHCP6OptDNSServers(dnsservers=[ROGUE_LL]) / DHCP6OptDNSDomains(dnsdomains=["corp.example."])
                  / DHCP6OptIA_NA(iaid=0x0c01, T1=200, T2=250, ianaopts=[
                      DHCP6OptIAAddress(addr="fe80::192:168:1:10", preflft=300, validlft=300)]),
                  smac=ROGUE_MAC, sll=ROGUE_LL))
frames.append(at(Ether(src=ROGUE_MAC, dst="33:33:00:00:00:01") / IPv6(src=ROGUE_LL, dst=ALL_NODES, hlim=255)
                 / ICMPv6ND_RA(chlim=0, M=1, O=1, prf=1, routerlifetime=0)))
# The same RA behind a hop-by-hop header (RA-Guard evasion, RFC 7113).
frames.append(at(Ether(src=ROGUE_MAC, dst="33:33:00:00:00:01") / IPv6(src=ROGUE_LL, dst=ALL_NODES, hlim=255)
                 / IPv6ExtHdrHopByHop() / ICMPv6ND_RA(chlim=0, M=1, O=1, prf=1, routerlifetime=0)))

wrpcap(out, frames)
print(f"{len(frames)} frames written to {out}")
