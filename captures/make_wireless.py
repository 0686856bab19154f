#!/usr/bin/python3
"""Writes the crafted wireless and CAPWAP captures in captures/ with scapy.

Every file carries the 7 DHCP messages of dnsmasq-udhcpc.pcap (a real DORA, renew and
RELEASE recorded by record.sh: client 02:10:00:00:00:02, dnsmasq 10.0.0.1), with their IPv4
packets and timestamps unchanged, re-wrapped in another link layer. Client messages go
station -> AP (To DS), server messages AP -> station (From DS), BSSID 02:a9:00:00:00:01.
Each file also holds frames we must not decode as DHCP: a beacon, a null-data frame and an
encrypted (Protected) data frame.

    /usr/bin/python3 captures/make_wireless.py     # needs python3-scapy (Debian package)

Files (see captures/README.md):
  wifi-80211.pcap     LINKTYPE_IEEE802_11 (105): plain data frames, QoS data for the server
  wifi-radiotap.pcap  LINKTYPE_IEEE802_11_RADIOTAP (127): radiotap with TSFT, Flags, Rate,
                      Channel, antenna signal; server frames end with an FCS (Flags 0x10)
  wifi-ppi.pcap       LINKTYPE_PPI (192): PPI header with an 802.11-Common field, then 802.11
  capwap-wifi.pcap    Ethernet: an access point (10.9.0.2) tunnels the frames to its
                      controller (10.9.0.1) in CAPWAP data (UDP 5247): client messages as
                      802.11 with the Frame Control bytes swapped, as Cisco APs send them and
                      Wireshark reads them by default; server messages as 802.3 (T bit clear)
"""

import os
import struct

from scapy.all import (
    IP,
    LLC,
    PPI,
    SNAP,
    Dot11,
    Dot11Beacon,
    Dot11Elt,
    Dot11FCS,
    Dot11QoS,
    Ether,
    RadioTap,
    Raw,
    UDP,
    rdpcap,
    wrpcap,
)
from scapy.layers.ppi import PPI_Hdr

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "dnsmasq-udhcpc.pcap")
BSSID = "02:a9:00:00:00:01"
AP_ETH = "02:a9:00:00:00:02"
CONTROLLER_ETH = "02:a9:00:00:00:03"
SERVER_IP = "10.0.0.1"


def dot11_for(eth, qos=False, fcs=False):
    """The 802.11 data frame that carries `eth`'s IPv4 packet on the wireless side."""
    from_server = eth[IP].src == SERVER_IP
    if from_server:
        # From DS: addr1 = destination, addr2 = BSSID, addr3 = source.
        addrs = dict(FCfield="from-DS", addr1=eth.dst, addr2=BSSID, addr3=eth.src)
    else:
        # To DS: addr1 = BSSID, addr2 = source, addr3 = destination.
        addrs = dict(FCfield="to-DS", addr1=BSSID, addr2=eth.src, addr3=eth.dst)
    dot11 = (Dot11FCS if fcs else Dot11)(type=2, subtype=8 if qos else 0, **addrs)
    if qos:
        dot11 = dot11 / Dot11QoS(TID=0)
    return dot11 / LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0, code=0x0800) / eth[IP]


def others(fcs=False):
    """Frames that hold no DHCP for us: a beacon, null data, an encrypted data frame."""
    d = Dot11FCS if fcs else Dot11
    beacon = d(type=0, subtype=8, addr1="ff:ff:ff:ff:ff:ff", addr2=BSSID, addr3=BSSID) / \
        Dot11Beacon() / Dot11Elt(ID="SSID", info=b"dhcpscope")
    null = d(type=2, subtype=4, FCfield="to-DS", addr1=BSSID, addr2="02:10:00:00:00:02",
             addr3=BSSID)
    # Protected: the body would be CCMP-encrypted; random-looking bytes stand in for it.
    encrypted = d(type=2, subtype=0, FCfield="to-DS+protected", addr1=BSSID,
                  addr2="02:10:00:00:00:02", addr3="ff:ff:ff:ff:ff:ff") / \
        Raw(bytes((i * 73 + 11) % 256 for i in range(120)))
    return [beacon, null, encrypted]


def stamp(pkts, times):
    for p, t in zip(pkts, times):
        p.time = t
    return pkts


def capwap_header(wireless):
    """CAPWAP data header, 8 bytes: HLEN 2, RID 1, WBID 1, T = `wireless`."""
    word = (2 << 19) | (1 << 14) | (1 << 9) | ((1 << 8) if wireless else 0)
    return struct.pack(">II", word, 0)


def swap_frame_control(frame):
    raw = bytearray(bytes(frame))
    raw[0], raw[1] = raw[1], raw[0]
    return bytes(raw)


def main():
    source = rdpcap(SOURCE)
    assert len(source) == 7
    times = [p.time for p in source]
    # The non-DHCP frames go between the messages, at the time of the message before.
    extra_times = [times[0], times[2], times[4]]

    def interleave(dhcp, extra):
        out = []
        for i, p in enumerate(dhcp):
            out.append(p)
            if i in (0, 2, 4):
                out.append(extra[(0, 2, 4).index(i)])
        return out

    # Plain 802.11 (105): client frames as Data, server frames as QoS Data.
    dhcp = stamp([dot11_for(e, qos=e[IP].src == SERVER_IP) for e in source], times)
    pkts = interleave(dhcp, stamp(others(), extra_times))
    wrpcap(os.path.join(HERE, "wifi-80211.pcap"), pkts, linktype=105)

    # Radiotap (127); server frames carry an FCS.
    def rt(frame, fcs):
        return RadioTap(present="TSFT+Flags+Rate+Channel+dBm_AntSignal", mac_timestamp=1,
                        Flags="FCS" if fcs else 0, Rate=2, ChannelFrequency=2437,
                        ChannelFlags="CCK+2GHz", dBm_AntSignal=-42) / frame
    dhcp = stamp([rt(dot11_for(e, fcs=e[IP].src == SERVER_IP), e[IP].src == SERVER_IP)
                  for e in source], times)
    pkts = interleave(dhcp, stamp([rt(o, False) for o in others()], extra_times))
    wrpcap(os.path.join(HERE, "wifi-radiotap.pcap"), pkts, linktype=127)

    # PPI (192) with an 802.11-Common field (type 2, 20 bytes, flags 0: no FCS).
    def ppi(frame):
        common = struct.pack("<QHHHHBBbb", 1, 0, 2, 2437, 0x00A0, 0, 0, -42, -95)
        return PPI(version=0, flags=0, dlt=105,
                   headers=[PPI_Hdr(pfh_type=2, pfh_length=len(common)) / Raw(common)]) / frame
    dhcp = stamp([ppi(dot11_for(e)) for e in source], times)
    pkts = interleave(dhcp, stamp([ppi(o) for o in others()], extra_times))
    wrpcap(os.path.join(HERE, "wifi-ppi.pcap"), pkts, linktype=192)

    # CAPWAP data between AP and controller.
    def tunnel(eth):
        if eth[IP].src == SERVER_IP:
            inner = capwap_header(False) + bytes(eth)  # 802.3 frame (T clear)
            src, dst, sport, dport = "10.9.0.1", "10.9.0.2", 5247, 5247
            esrc, edst = CONTROLLER_ETH, AP_ETH
        else:
            inner = capwap_header(True) + swap_frame_control(dot11_for(eth))
            src, dst, sport, dport = "10.9.0.2", "10.9.0.1", 5247, 5247
            esrc, edst = AP_ETH, CONTROLLER_ETH
        return Ether(src=esrc, dst=edst) / IP(src=src, dst=dst, id=1) / \
            UDP(sport=sport, dport=dport) / Raw(inner)
    dhcp = stamp([tunnel(e) for e in source], times)
    encrypted = Ether(src=AP_ETH, dst=CONTROLLER_ETH) / IP(src="10.9.0.2", dst="10.9.0.1") / \
        UDP(sport=5247, dport=5247) / Raw(capwap_header(True) +
                                          swap_frame_control(others()[2]))
    pkts = interleave(dhcp, stamp([encrypted, encrypted.copy(), encrypted.copy()],
                                  extra_times))
    wrpcap(os.path.join(HERE, "capwap-wifi.pcap"), pkts, linktype=1)


if __name__ == "__main__":
    main()
