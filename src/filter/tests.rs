use super::*;
use crate::analysis::Expectations;
use crate::source::FileSource;

fn capture(name: &str, expect: &[&str]) -> Analysis {
    let path = format!("{}/captures/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut src = FileSource::open(std::path::Path::new(&path)).expect("open capture");
    let mut e = Expectations::default();
    for s in expect {
        e.servers.push(s.parse().expect("server"));
    }
    Analysis::run(&mut src, e).0
}

/// The last byte of each matching client's MAC (lab clients are 02:10:00:00:00:NN).
fn hits(a: &Analysis, text: &str) -> Vec<u8> {
    let f = Filter::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    let worst = worst_severities(a);
    let rogues = rogue_servers(a);
    let facts = ClientFacts {
        worst: &worst,
        rogue_servers: &rogues,
        words: &[],
    };
    let mut out: Vec<u8> = a
        .clients
        .iter()
        .enumerate()
        .filter(|(i, c)| f.matches_client(c, *i, &facts))
        .map(|(_, c)| c.chaddr[5])
        .collect();
    out.sort_unstable();
    // The word index gives the same answer as matching client by client.
    let index = WordIndex::build(a);
    let words: Vec<(String, Vec<bool>)> = f
        .words()
        .into_iter()
        .map(|w| (w.to_owned(), index.hits(w)))
        .collect();
    let indexed = ClientFacts {
        words: &words,
        ..facts
    };
    let mut via_index: Vec<u8> = a
        .clients
        .iter()
        .enumerate()
        .filter(|(i, c)| f.matches_client(c, *i, &indexed))
        .map(|(_, c)| c.chaddr[5])
        .collect();
    via_index.sort_unstable();
    assert_eq!(out, via_index, "{text:?} through the word index");
    out
}

fn showcase() -> Analysis {
    capture("lab-showcase.pcap", &["10.0.0.1"])
}

#[test]
fn mac_in_every_notation_and_as_a_prefix() {
    let a = showcase();
    for text in [
        "mac:02:10:00:00:00:22",
        "mac:02-10-00-00-00-22",
        "mac:0210.0000.0022",
        "mac:021000000022",
        "mac:2:10:0:0:0:22",
        "MAC:02:10:00:00:00:22",
        "02:10:00:00:00:22",
        "0210.0000.0022",
        "021000000022",
        "02-10-00-00-00-22",
    ] {
        assert_eq!(hits(&a, text), [0x22], "{text}");
    }
    assert_eq!(hits(&a, "mac:02:10"), [0x21, 0x22, 0x23, 0x24]);
    assert_eq!(hits(&a, "mac:0210.0000.002"), [0x21, 0x22, 0x23, 0x24]);
    assert_eq!(hits(&a, "mac:02-10-00-00-00"), [0x21, 0x22, 0x23, 0x24]);
    // Six groups are a whole address, as `MacAddr` reads them (one-digit groups allowed).
    assert!(hits(&a, "mac:02-10-00-00-00-2").is_empty());
    assert_eq!(hits(&a, "mac:021000000021"), [0x21]);
    assert!(
        hits(&a, "mac:02:ba").is_empty(),
        "server MACs are not clients"
    );
    // The old substring match on the colon text still works for a bare fragment.
    assert_eq!(hits(&a, "00:23"), [0x23]);
}

#[test]
fn mac_pattern_parsing() {
    let full = MacPattern::parse("0200.0000.0202").expect("cisco");
    assert!(full.matches(&[2, 0, 0, 0, 2, 2]));
    assert!(!full.matches(&[2, 0, 0, 0, 2, 3]));
    let p = MacPattern::parse("00:1b:2").expect("prefix");
    assert!(p.matches(&[0, 0x1b, 0x21, 9, 9, 9]));
    assert!(!p.matches(&[0, 0x1b, 0x31, 9, 9, 9]));
    assert!(
        MacPattern::parse("0:1b")
            .expect("short groups")
            .matches(&[0, 0x1b, 0, 0, 0, 0])
    );
    for bad in [
        "",
        "zz",
        "0200000002022",
        "001:1b",
        "02:00:00:00:02:02:03",
        "02::00",
    ] {
        assert_eq!(MacPattern::parse(bad), None, "{bad}");
    }
}

#[test]
fn ip_exact_is_not_a_substring_and_cidr_works() {
    let a = capture("rogue-server.pcap", &["10.0.0.1"]);
    // :07 was offered 10.0.0.105 and got it; :08 was offered 10.0.0.106 and got 192.168.66.14.
    assert_eq!(hits(&a, "ip:10.0.0.105"), [0x07]);
    assert_eq!(hits(&a, "ip:10.0.0.10"), Vec::<u8>::new());
    assert_eq!(hits(&a, "ip:192.168.66.14"), [0x08]);
    assert_eq!(hits(&a, "ip:192.168.66.0/24"), [0x07, 0x08]);
    assert_eq!(hits(&a, "ip:10.0.0.104/31"), [0x07]);
    assert_eq!(hits(&a, "ip:0.0.0.0/0"), [0x07, 0x08]);
    // A bare word keeps the substring match.
    assert_eq!(hits(&a, "10.0.0.10"), [0x07, 0x08]);
}

#[test]
fn server_rogue_victim_sev() {
    let a = showcase();
    assert_eq!(hits(&a, "server:192.168.66.1"), [0x21, 0x22, 0x23, 0x24]);
    assert_eq!(hits(&a, "server:10.0.0.0/24"), [0x21, 0x22, 0x23, 0x24]);
    assert!(hits(&a, "server:10.0.0.2").is_empty());
    assert_eq!(hits(&a, "rogue"), [0x21, 0x22, 0x23, 0x24]);
    // Only :22 took an address from the rogue (:24's INFORM ACK gives none).
    assert_eq!(hits(&a, "victim"), [0x22]);
    assert_eq!(hits(&a, "VICTIM"), [0x22]);
    assert_eq!(hits(&a, "sev:critical"), [0x21, 0x22, 0x23, 0x24]);
    assert_eq!(hits(&a, "sev:info"), [0x21, 0x22, 0x23, 0x24]);
    // Without expectations nothing is rogue.
    let plain = capture("lab-showcase.pcap", &[]);
    assert!(hits(&plain, "rogue").is_empty());
    assert!(hits(&plain, "victim").is_empty());
}

#[test]
fn kind_outcome_host_vendor_vlan_circuit() {
    let a = showcase();
    assert_eq!(hits(&a, "kind:inform"), [0x24]);
    assert_eq!(hits(&a, "kind:init-reboot"), [0x23]);
    assert_eq!(hits(&a, "kind:INIT_REBOOT"), [0x23]);
    assert_eq!(hits(&a, "kind:release"), [0x21]);
    // :22's exchange ended with the rogue's ACK after the legit NAK; :23's INIT-REBOOT with a NAK.
    assert_eq!(hits(&a, "outcome:nak"), [0x23]);
    assert_eq!(hits(&a, "outcome:ack"), [0x21, 0x22, 0x23, 0x24]);
    assert_eq!(hits(&a, "outcome:released"), [0x21]);
    let d = capture("dnsmasq-dhcpcd.pcap", &[]);
    assert_eq!(hits(&d, "host:dhcpcd"), [0x03]);
    assert_eq!(hits(&d, "host:DSR-"), [0x03]);
    assert!(hits(&d, "host:nothing").is_empty());
    let u = capture("dnsmasq-udhcpc.pcap", &[]);
    assert_eq!(hits(&u, "vendor:udhcp"), [0x02]);
    assert!(hits(&u, "vendor:msft").is_empty());
    assert!(hits(&u, "vlan:10").is_empty());
    let v = capture("vlan.pcap", &[]);
    assert_eq!(hits(&v, "vlan:10"), [0x02]);
    assert!(hits(&v, "vlan:11").is_empty());
    let q = capture("vlan-qinq.pcap", &[]);
    assert_eq!(hits(&q, "vlan:100"), [0x02]);
    assert_eq!(hits(&q, "vlan:10"), [0x02]);
    // The exchange model keeps no option 82: circuit: matches no client.
    let r = capture("relay-opt82.pcapng", &[]);
    assert!(hits(&r, "circuit:down0").is_empty());
}

#[test]
fn and_or_not_parentheses_and_precedence() {
    let a = showcase();
    assert_eq!(hits(&a, "victim and kind:dora"), [0x22]);
    assert_eq!(
        hits(&a, "rogue kind:init-reboot"),
        [0x23],
        "adjacent terms AND"
    );
    assert_eq!(hits(&a, "kind:inform or kind:release"), [0x21, 0x24]);
    assert_eq!(hits(&a, "not outcome:nak"), [0x21, 0x22, 0x24]);
    // `and` binds tighter than `or`.
    assert_eq!(hits(&a, "kind:inform or victim and kind:release"), [0x24]);
    assert_eq!(
        hits(&a, "(kind:inform or victim) and kind:release"),
        Vec::<u8>::new()
    );
    assert_eq!(
        hits(&a, "kind:inform or (victim and kind:dora)"),
        [0x22, 0x24]
    );
    assert_eq!(hits(&a, "not (victim or kind:inform)"), [0x21, 0x23]);
    assert_eq!(hits(&a, "not not victim"), [0x22]);
    assert_eq!(
        hits(&a, "NOT victim AND rogue OR kind:inform"),
        [0x21, 0x23, 0x24]
    );
    assert_eq!(hits(&a, "((victim))"), [0x22]);
    assert_eq!(hits(&a, "   "), [0x21, 0x22, 0x23, 0x24]);
}

#[test]
fn precedence_shape() {
    let f = Filter::parse("a or b and not c").expect("parse");
    let e = f.expr().expect("expr").to_string();
    assert!(e.starts_with("(Word(\"a\", None) or (Word(\"b\""), "{e}");
    assert!(e.contains("and (not Word(\"c\""), "{e}");
}

#[test]
fn errors_say_where() {
    let cases: &[(&str, usize, &str)] = &[
        ("mac:", 4, "needs a value"),
        ("mac:zz", 4, "not a MAC"),
        ("ip:10.0.0", 3, "not an IPv4"),
        ("ip:10.0.0.1/33", 3, "not an IPv4"),
        ("server:x", 7, "not an IPv4"),
        ("vlan:5000", 5, "VLAN"),
        ("kind:foo", 5, "unknown kind"),
        ("outcome:meh", 8, "unknown outcome"),
        ("sev:loud", 4, "unknown severity"),
        ("colour:red", 0, "unknown term"),
        ("(victim", 7, "not closed"),
        ("victim)", 6, "unexpected `)`"),
        (")", 0, "unexpected `)`"),
        ("victim and", 10, "expected a term"),
        ("or victim", 0, "needs a term before"),
        ("not", 3, "expected a term"),
        ("()", 1, "unexpected `)`"),
        ("rogue and (ip:1.2.3.4 or", 24, "expected a term"),
    ];
    for (text, pos, msg) in cases {
        match Filter::parse(text) {
            Ok(f) => panic!("{text:?} parsed as {f:?}"),
            Err(e) => {
                assert_eq!(e.pos, *pos, "{text:?}: {e}");
                assert!(e.message.contains(msg), "{text:?}: {e}");
            }
        }
    }
}

#[test]
fn message_highlighting() {
    let a = showcase();
    let c = a
        .clients
        .iter()
        .find(|c| c.chaddr[5] == 0x22)
        .expect("client :22");
    let f = Filter::parse("server:192.168.66.1").expect("parse");
    let hit: Vec<String> = c
        .exchanges
        .iter()
        .flat_map(|e| &e.messages)
        .filter(|r| f.matches_message(r))
        .map(|r| r.type_name().into_owned())
        .collect();
    assert_eq!(hit, ["OFFER", "ACK"]);
    assert!(
        !Filter::parse("victim")
            .expect("parse")
            .matches_message(&c.exchanges[0].messages[0])
    );
    let nak = Filter::parse("nak").expect("parse");
    assert_eq!(
        c.exchanges
            .iter()
            .flat_map(|e| &e.messages)
            .filter(|r| nak.matches_message(r))
            .count(),
        1
    );
}

fn packet_hits(name: &str, text: &str) -> Vec<u64> {
    let f = Filter::parse(text).expect("parse");
    f.check_packet_terms().expect("packet terms");
    let path = format!("{}/captures/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut src = FileSource::open(std::path::Path::new(&path)).expect("open");
    let mut out = Vec::new();
    crate::pipeline::read_dhcp(&mut src, |p| {
        if f.matches_packet(p) {
            out.push(p.frame.number);
        }
        std::ops::ControlFlow::Continue(())
    });
    out
}

#[test]
fn packet_terms() {
    assert_eq!(
        packet_hits("lab-showcase.pcap", "mac:02:ba:db:ad:ba:d1"),
        [2, 8, 11, 15, 20]
    );
    assert_eq!(
        packet_hits("lab-showcase.pcap", "mac:0210.0000.0024"),
        [19, 20, 21]
    );
    assert_eq!(
        packet_hits("lab-showcase.pcap", "server:192.168.66.1"),
        [2, 8, 9, 11, 15, 20]
    );
    assert_eq!(packet_hits("lab-showcase.pcap", "ip:172.16.5.50"), [12]);
    assert_eq!(packet_hits("lab-showcase.pcap", "nak"), [10, 13]);
    assert_eq!(
        packet_hits("lab-showcase.pcap", "inform or release"),
        [19, 22]
    );
    assert_eq!(
        packet_hits("relay-opt82.pcapng", "circuit:down0"),
        [2, 3, 6, 7, 11]
    );
    assert_eq!(
        packet_hits("relay-opt82.pcapng", "circuit:646f77"),
        [2, 3, 6, 7, 11]
    );
    assert_eq!(
        packet_hits("vlan-qinq.pcap", "vlan:100 and not release").len(),
        6
    );
    assert_eq!(
        packet_hits("dnsmasq-udhcpc.pcap", "vendor:udhcp"),
        [1, 3, 5]
    );
    assert!(!packet_hits("dnsmasq-dhcpcd.pcap", "host:dsr-dhcpcd").is_empty());
    for t in [
        "kind:dora",
        "outcome:ack",
        "sev:info",
        "rogue",
        "not victim",
    ] {
        let e = Filter::parse(t)
            .expect("parse")
            .check_packet_terms()
            .expect_err(t);
        assert!(e.message.contains("exchange model"), "{t}: {e}");
    }
}
