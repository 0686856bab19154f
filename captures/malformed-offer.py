#!/usr/bin/python3
"""Writes malformed-offer.pcap: a DORA whose OFFER ends in option 12 (hostname) claiming 64
bytes with only 3 present (no END, no padding). The frame is captured whole (no snaplen cut),
so the malformation is the sender's: `report` and the TUI must both list `malformed-reply`.

    /usr/bin/python3 captures/malformed-offer.py captures/malformed-offer.pcap
"""
import sys
from scapy.all import BOOTP, DHCP, IP, UDP, Ether, Raw, wrpcap

CLIENT = "02:10:00:00:00:31"
SERVER = "02:53:00:00:00:01"
XID = 0x6D616C31
chaddr = bytes.fromhex(CLIENT.replace(":", "")) + bytes(10)


def client(opts, t):
    p = (
        Ether(src=CLIENT, dst="ff:ff:ff:ff:ff:ff")
        / IP(src="0.0.0.0", dst="255.255.255.255")
        / UDP(sport=68, dport=67)
        / BOOTP(op=1, xid=XID, chaddr=chaddr, flags=0x8000)
        / DHCP(options=opts + ["end"])
    )
    p.time = t
    return p


def server(bootp_payload, t):
    p = (
        Ether(src=SERVER, dst="ff:ff:ff:ff:ff:ff")
        / IP(src="10.0.0.1", dst="255.255.255.255")
        / UDP(sport=67, dport=68)
        / bootp_payload
    )
    p.time = t
    return p


base = 1_795_000_000.0
offer_options = (
    b"\x63\x82\x53\x63"  # magic cookie
    + b"\x35\x01\x02"  # 53 OFFER
    + b"\x36\x04\x0a\x00\x00\x01"  # 54 server id 10.0.0.1
    + b"\x33\x04\x00\x00\x00\x78"  # 51 lease 120 s
    + b"\x01\x04\xff\xff\xff\x00"  # 1 netmask
    + b"\x0c\x40abc"  # 12 hostname: claims 64 bytes, 3 present, then the datagram ends
)
offer = BOOTP(op=2, xid=XID, yiaddr="10.0.0.120", siaddr="10.0.0.1", chaddr=chaddr, flags=0x8000, options=b"")
offer = BOOTP(bytes(offer)[:236]) / Raw(offer_options)
ack = BOOTP(op=2, xid=XID, yiaddr="10.0.0.120", siaddr="10.0.0.1", chaddr=chaddr, flags=0x8000) / DHCP(
    options=[
        ("message-type", "ack"),
        ("server_id", "10.0.0.1"),
        ("lease_time", 120),
        ("subnet_mask", "255.255.255.0"),
        "end",
    ]
)
frames = [
    client([("message-type", "discover")], base),
    server(offer, base + 0.002),
    client(
        [
            ("message-type", "request"),
            ("server_id", "10.0.0.1"),
            ("requested_addr", "10.0.0.120"),
        ],
        base + 0.010,
    ),
    server(ack, base + 0.012),
]
wrpcap(sys.argv[1], frames)
