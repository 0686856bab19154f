#!/usr/bin/env python3
"""Writes the crafted pcapng files in captures/ that exercise pcapng as Wireshark reads it.

Every file re-wraps the 7 frames of dnsmasq-udhcpc.pcap (a real DORA, renew and RELEASE,
recorded by record.sh) into pcapng blocks; only the block layout differs. Standard library
only (struct); the output is deterministic.

    python3 captures/make_pcapng_edge.py            # (re)writes the files next to this script

Files (see captures/README.md for what tshark makes of each):
  pcapng-custom-blocks.pcapng  Custom Blocks (0x00000BAD, 0x40000BAD) between the packets
  pcapng-simple-packets.pcapng Simple Packet Blocks only (no timestamps at all)
  pcapng-mixed-simple.pcapng   Enhanced and Simple Packet Blocks alternating
  pcapng-section-v2.pcapng     a middle section with major version 2 between two v1.0 ones
  pcapng-tsresol-pow2.pcapng   if_tsresol 2^-8 (interface 0) and 2^-10 (interface 1)
"""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "dnsmasq-udhcpc.pcap")

SHB = 0x0A0D0D0A
IDB = 0x00000001
SPB = 0x00000003
EPB = 0x00000006
CB_COPY = 0x00000BAD  # Custom Block that may be copied to new files
CB_NOCOPY = 0x40000BAD  # Custom Block that must not be copied
LINKTYPE_ETHERNET = 1
PEN_EXAMPLE = 32473  # IANA "Example Enterprise Number" (RFC 5612)


def read_pcap(path):
    """(secs, micros, frame bytes) of every record of a little-endian microsecond pcap."""
    data = open(path, "rb").read()
    magic, = struct.unpack_from("<I", data, 0)
    assert magic == 0xA1B2C3D4, "expected a little-endian microsecond pcap"
    pos, frames = 24, []
    while pos + 16 <= len(data):
        secs, usecs, caplen, _orig = struct.unpack_from("<IIII", data, pos)
        frames.append((secs, usecs, data[pos + 16:pos + 16 + caplen]))
        pos += 16 + caplen
    return frames


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def block(block_type, body):
    body = pad4(body)
    length = 12 + len(body)
    return struct.pack("<II", block_type, length) + body + struct.pack("<I", length)


def option(code, value):
    return struct.pack("<HH", code, len(value)) + pad4(value)


def options(*opts):
    return b"".join(opts) + (struct.pack("<HH", 0, 0) if opts else b"")


def shb(major=1, minor=0, comment=None):
    body = struct.pack("<IHHq", 0x1A2B3C4D, major, minor, -1)
    if comment:
        body += options(option(1, comment.encode()))
    return block(SHB, body)


def idb(linktype=LINKTYPE_ETHERNET, snaplen=0, tsresol=None):
    body = struct.pack("<HHI", linktype, 0, snaplen)
    if tsresol is not None:
        body += options(option(9, bytes([tsresol])))
    return block(IDB, body)


def epb(interface, ticks, frame):
    body = struct.pack("<IIIII", interface, ticks >> 32, ticks & 0xFFFFFFFF, len(frame), len(frame))
    return block(EPB, body + frame)


def spb(frame):
    return block(SPB, struct.pack("<I", len(frame)) + frame)


def custom(block_type, payload):
    return block(block_type, struct.pack("<I", PEN_EXAMPLE) + payload)


def micros(secs, usecs):
    return secs * 1_000_000 + usecs


def write(name, blocks):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(b"".join(blocks))


def main():
    frames = read_pcap(SOURCE)
    assert len(frames) == 7

    # Custom Blocks: Wireshark numbers each as a frame (it shows "Custom Block"), so every
    # packet after one is a frame number further on than a count of packet blocks gives.
    blocks = [shb(), idb()]
    for i, (s, u, f) in enumerate(frames):
        blocks.append(epb(0, micros(s, u), f))
        if i == 0:
            blocks.append(custom(CB_COPY, b"dhcpscope test: copyable custom block"))
        if i == 2:
            blocks.append(custom(CB_NOCOPY, b"do not copy"))
            blocks.append(custom(CB_COPY, b""))
    write("pcapng-custom-blocks.pcapng", blocks)

    # Simple Packet Blocks: no interface id and no timestamp.
    write("pcapng-simple-packets.pcapng", [shb(), idb()] + [spb(f) for _, _, f in frames])

    # Enhanced and Simple Packet Blocks alternating: known and unknown times in one file
    # (DISCOVER has no time, OFFER has one, REQUEST has none, ACK has one...).
    blocks = [shb(), idb()]
    for i, (s, u, f) in enumerate(frames):
        blocks.append(spb(f) if i % 2 == 0 else epb(0, micros(s, u), f))
    write("pcapng-mixed-simple.pcapng", blocks)

    # Section with an unsupported major version between two good ones.
    blocks = [shb(comment="section 1: v1.0"), idb()]
    blocks += [epb(0, micros(s, u), f) for s, u, f in frames[:2]]
    blocks += [shb(major=2, comment="section 2: v2.0, to be skipped"), idb()]
    blocks += [epb(0, micros(s, u), f) for s, u, f in frames[2:4]]
    blocks += [shb(comment="section 3: v1.0"), idb()]
    blocks += [epb(0, micros(s, u), f) for s, u, f in frames[4:]]
    write("pcapng-section-v2.pcapng", blocks)

    # Binary timestamp resolutions: 2^-8 s (exact in 8 decimal places) on interface 0,
    # 2^-10 s on interface 1. Ticks are the recorded times rounded down to those units.
    blocks = [shb(), idb(tsresol=0x80 | 8), idb(tsresol=0x80 | 10)]
    for i, (s, u, f) in enumerate(frames):
        bits = 8 if i % 2 == 0 else 10
        ticks = (micros(s, u) << bits) // 1_000_000
        blocks.append(epb(i % 2, ticks, f))
    write("pcapng-tsresol-pow2.pcapng", blocks)


if __name__ == "__main__":
    main()
