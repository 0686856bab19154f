//! Fuzzes the DHCPv6 decoder (relay chains, nested options, typed values) and the ICMPv6
//! router solicitation/advertisement decoder. The first input byte picks which one runs on
//! the rest, so one corpus reaches both.
#![no_main]

use dhcpscope::dhcpv6::Message;
use dhcpscope::dhcpv6::ra::RouterMessage;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    if selector & 1 == 0 {
        let msg = Message::decode(bytes);
        // Exercise every accessor and renderer the views use, on every relay layer.
        for layer in msg.layers() {
            let _ = (layer.ias(), layer.dns_servers(), layer.domain_list(), layer.oro());
            let _ = (layer.client_duid().map(|d| d.to_string()), layer.server_duid());
            for o in &layer.options {
                let _ = o.value().to_string();
            }
        }
        for w in msg.all_warnings() {
            let _ = w.to_string();
        }
    } else {
        // Force an RS or RA type so the option walker is always reached.
        let mut icmp = bytes.to_vec();
        if let Some(t) = icmp.first_mut() {
            *t = if selector & 2 == 0 { 133 } else { 134 };
        }
        if let Some(m) = RouterMessage::decode(&icmp) {
            for o in &m.options {
                let _ = o.value().to_string();
            }
            for w in &m.warnings {
                let _ = w.to_string();
            }
            let _ = (m.prefixes(), m.rdnss(), m.dnssl(), m.routes(), m.mtu());
        }
    }
});
