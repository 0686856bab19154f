#!/usr/bin/python3
"""Seed corpus for the decode_frame fuzz target: every frame of captures/*.pcap*, prefixed with
the selector byte that picks its link type (see fuzz_targets/decode_frame.rs)."""
import glob, hashlib, os, sys
from scapy.utils import PcapReader, PcapNgReader  # Debian's python3-scapy

SELECTOR = {1: 0, 113: 1, 276: 2, 101: 3, 228: 4, 0: 5, 108: 6}
here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "corpus", "decode_frame")
os.makedirs(out, exist_ok=True)
count = 0
for path in sorted(glob.glob(os.path.join(here, "..", "captures", "*.pcap*"))):
    try:
        reader = (PcapNgReader if path.endswith("ng") else PcapReader)(path)
        for pkt in reader:
            lt = getattr(reader, "linktype", 1)
            data = bytes([SELECTOR.get(lt, 0)]) + bytes(pkt)
            name = hashlib.sha1(data).hexdigest()
            with open(os.path.join(out, name), "wb") as f:
                f.write(data)
            count += 1
    except Exception as e:  # truncated.pcap ends mid-record: keep what was read
        print(f"{os.path.basename(path)}: {e}", file=sys.stderr)
print(f"{count} seeds in {out}")
