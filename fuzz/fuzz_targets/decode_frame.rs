//! Fuzzes the top-level frame decoder and the DHCP decoder behind it, on every link type.
//! The first input byte picks the link type; the rest is the frame.
#![no_main]

use dhcpscope::dhcp::Message;
use dhcpscope::frame::{Decoded, FrameDecoder};
use dhcpscope::source::{linktype, RawFrame};
use dhcpscope::time::Timestamp;
use libfuzzer_sys::fuzz_target;

const LINKTYPES: [u16; 8] = [
    linktype::ETHERNET,
    linktype::LINUX_SLL,
    linktype::LINUX_SLL2,
    linktype::RAW,
    linktype::IPV4,
    linktype::NULL,
    linktype::LOOP,
    linktype::ETHERNET,
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, frame_bytes)) = data.split_first() else {
        return;
    };
    let frame = RawFrame {
        number: 1,
        ts: Timestamp::new(0, 0),
        ts_digits: 6,
        linktype: LINKTYPES[usize::from(selector & 7)],
        orig_len: frame_bytes.len() as u32,
        data: frame_bytes,
    };
    let mut decoder = FrameDecoder::new();
    if let Decoded::Udp(udp) = decoder.decode(&frame) {
        let msg = Message::decode(udp.payload);
        // Exercise every accessor and renderer the views use.
        let _ = (msg.message_type(), msg.server_id(), msg.hostname(), msg.chaddr_mac());
        for w in &msg.warnings {
            let _ = w.to_string();
        }
    }
    // The DHCP decoder on its own, on the raw bytes.
    let msg = Message::decode(frame_bytes);
    for o in &msg.options {
        if let Some(data) = msg.option(o.code) {
            let _ = dhcpscope::dhcp::Value::decode(o.code, &data).to_string();
        }
    }
});
