//! Live capture (`report -i`, `decode -i`) inside network namespaces the tests create with
//! tests/lab/lib.sh: a real dnsmasq and a real dhclient do DORA while dhcpscope captures.
//!
//! Needs root, `ip netns`, dnsmasq and dhclient. Without them a test prints why and passes,
//! except in CI (`CI` set to anything but empty, `false` or `0`), where it fails.

use serde_json::Value as Json;

mod lab;

use lab::{Lab, lab_ready};

#[test]
fn report_on_a_live_interface_sees_a_real_dora() {
    if !lab_ready("live_report", &["dnsmasq", "dhclient", "tshark"]) {
        return;
    }
    let lab = Lab::run(
        "live_report",
        r#"
lab_init live-report
lab_add_node srv 02:53:00:00:00:01 10.0.0.1/24
lab_add_node c1 02:10:00:00:00:01
lab_dnsmasq dm srv eth0 --no-ping --dhcp-range=10.0.0.100,10.0.0.150,255.255.255.0,2m
start=$(date +%s%N)
lab_bg rep c1 "$BIN" report -i eth0 --duration 5 --format json --expect-server 10.0.0.1 -w "$OUT/live.pcap"
sleep 0.5
lab_dhclient dc c1 eth0
lab_wait_event dc '^BOUND' 10
lab_wait_exit rep 10
echo $(( ($(date +%s%N) - start) / 1000000 )) >"$OUT/elapsed_ms"
cp "$LAB_DIR/rep.log" "$OUT/report.json"
# The independent records: what dhclient was told (hook) and what dnsmasq wrote down.
cp "$LAB_DIR/events/dc" "$OUT/dc.events"
cp "$LAB_DIR/dm.leases" "$OUT/dm.leases"
run decoded "$BIN" decode -r "$OUT/live.pcap" --format jsonl
run tshark tshark -n -r "$OUT/live.pcap" -Y dhcp -T fields -e dhcp.option.dhcp
"#,
    );
    let text = lab.file("report.json");
    let j: Json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(j["source"], "eth0 (live)");
    let client = j["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["mac"] == "02:10:00:00:00:01")
        .unwrap_or_else(|| panic!("client missing: {j}"));
    let ex = &client["exchanges"][0];
    assert_eq!(ex["kind"], "DORA", "{ex}");
    assert_eq!(ex["outcome"], "ACK", "{ex}");
    assert_eq!(ex["server_id"], "10.0.0.1");
    assert!(ex["address"].as_str().unwrap().starts_with("10.0.0."));
    let servers = j["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 1);
    assert_eq!(servers[0]["expected"], true);
    let cap = &j["capture"];
    assert_eq!(cap["interface"], "eth0");
    assert!(cap["received"].as_u64().unwrap() >= 4, "{cap}");
    assert_eq!(cap["kernel_dropped"], 0, "{cap}");
    assert!(cap["if_dropped"].is_u64());
    // --duration 5 ends the capture on time (idle or not).
    let elapsed: u64 = lab.file("elapsed_ms").trim().parse().unwrap();
    assert!((4_500..8_000).contains(&elapsed), "took {elapsed} ms");
    // The savefile holds the four DORA messages.
    assert_eq!(lab.rc("decoded"), 0, "{}", lab.show("decoded"));
    let types: Vec<String> = lab
        .out("decoded")
        .lines()
        .map(|l| serde_json::from_str::<Json>(l).unwrap()["dhcp"]["msg_type"].to_string())
        .collect();
    for t in ["DISCOVER", "OFFER", "REQUEST", "ACK"] {
        assert!(types.contains(&format!("\"{t}\"")), "{types:?}");
    }

    // Oracles that are not ours. dhclient's hook: the lease it took is the one reported.
    let events = lab.file("dc.events");
    let bound = events
        .lines()
        .find(|l| l.starts_with("BOUND "))
        .unwrap_or_else(|| panic!("no BOUND event: {events}"));
    let words: Vec<&str> = bound.split(' ').collect();
    assert_eq!(ex["address"], words[1], "{bound}");
    assert_eq!(
        format!("server={}", ex["server_id"].as_str().unwrap()),
        words[2]
    );
    assert_eq!(format!("lease={}", ex["lease_time"]), words[3]);
    // dnsmasq's lease file holds that address for that MAC.
    let leases = lab.file("dm.leases");
    assert!(
        leases.lines().any(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.get(1) == Some(&"02:10:00:00:00:01") && f.get(2) == ex["address"].as_str().as_ref()
        }),
        "dm.leases: {leases}"
    );
    // tshark on the savefile counts the same DHCP messages, type by type, as the report.
    assert_eq!(lab.rc("tshark"), 0, "{}", lab.show("tshark"));
    let mut theirs: Vec<String> = lab.out("tshark").lines().map(str::to_owned).collect();
    theirs.sort();
    let mut ours: Vec<String> = Vec::new();
    for c in j["clients"].as_array().unwrap() {
        for e in c["exchanges"].as_array().unwrap() {
            for m in e["messages"].as_array().unwrap() {
                let n = [
                    "", "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE",
                    "INFORM",
                ]
                .iter()
                .position(|t| m["msg_type"] == *t)
                .unwrap_or_else(|| panic!("type {}", m["msg_type"]));
                for _ in 0..=m["retransmissions"].as_u64().unwrap() {
                    ours.push(n.to_string());
                }
            }
        }
    }
    ours.sort();
    assert_eq!(ours, theirs, "message types (numbers): report vs tshark");
    assert_eq!(j["dhcp_packets"].as_u64(), Some(theirs.len() as u64));
}

#[test]
fn ctrl_c_ends_an_idle_capture_promptly_and_keeps_the_savefile() {
    if !lab_ready("live_sigint", &["dnsmasq", "dhclient"]) {
        return;
    }
    let lab = Lab::run(
        "live_sigint",
        r#"
lab_init live-sigint
lab_add_node srv 02:53:00:00:00:01 10.0.0.1/24
lab_add_node c1 02:10:00:00:00:01
lab_dnsmasq dm srv eth0 --no-ping --dhcp-range=10.0.0.100,10.0.0.150,255.255.255.0,2m
lab_bg dec c1 "$BIN" decode -i eth0 -w "$OUT/sigint.pcap"
sleep 0.5
lab_dhclient dc c1 eth0
lab_wait_event dc '^BOUND' 10
sleep 1.5
start=$(date +%s%N)
lab_stop dec INT 5
echo $(( ($(date +%s%N) - start) / 1000000 )) >"$OUT/stop_ms"
cp "$LAB_DIR/dec.log" "$OUT/dec.log"
run decoded "$BIN" decode -r "$OUT/sigint.pcap" --format jsonl
start=$(date +%s%N)
run idle lab_exec c1 "$BIN" report -i eth0 --duration 1
echo $(( ($(date +%s%N) - start) / 1000000 )) >"$OUT/idle_ms"
"#,
    );
    let stop_ms: u64 = lab.file("stop_ms").trim().parse().unwrap();
    assert!(
        stop_ms < 1_000,
        "SIGINT took {stop_ms} ms on an idle interface"
    );
    let log = lab.file("dec.log");
    assert!(
        log.contains("Message type"),
        "packets were printed live: {log}"
    );
    assert!(log.contains("dropped by kernel"), "closing note: {log}");
    assert_eq!(lab.rc("decoded"), 0, "{}", lab.show("decoded"));
    assert!(
        lab.err("decoded").is_empty(),
        "savefile is whole: {}",
        lab.err("decoded")
    );
    assert!(
        lab.out("decoded").lines().count() >= 4,
        "{}",
        lab.show("decoded")
    );
    let idle_ms: u64 = lab.file("idle_ms").trim().parse().unwrap();
    assert_eq!(lab.rc("idle"), 0, "{}", lab.show("idle"));
    assert!(
        (900..3_000).contains(&idle_ms),
        "--duration 1 took {idle_ms} ms"
    );
    assert!(
        lab.out("idle").contains("0 dropped by kernel"),
        "{}",
        lab.show("idle")
    );
}

#[test]
fn live_capture_without_privilege_names_both_fixes() {
    if !lab_ready("live_priv", &[]) {
        return;
    }
    let lab = Lab::run(
        "live_priv",
        r#"
lab_init live-priv
lab_add_node c1 02:10:00:00:00:01
run report lab_exec c1 setpriv --reuid nobody --regid nogroup --clear-groups "$BIN" report -i eth0 --duration 1
run decode lab_exec c1 setpriv --inh-caps -net_raw --bounding-set -net_raw "$BIN" decode -i eth0 -c 1
run list lab_exec c1 setpriv --reuid nobody --regid nogroup --clear-groups "$BIN" report -D
run nosuch lab_exec c1 "$BIN" report -i nosuch0 --duration 1
"#,
    );
    // Exit 3 (UNKNOWN), as docs/privileges.md says for `report` and `decode`.
    for name in ["report", "decode"] {
        assert_eq!(lab.rc(name), 3, "{}", lab.show(name));
        let err = lab.err(name);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("sudo") && err.contains("setcap cap_net_raw=ep"),
            "{err}"
        );
    }
    // Listing interfaces needs no privilege.
    assert_eq!(lab.rc("list"), 0, "{}", lab.show("list"));
    assert!(lab.out("list").contains(".eth0 ["), "{}", lab.show("list"));
    assert_eq!(lab.rc("nosuch"), 3, "{}", lab.show("nosuch"));
    assert!(
        lab.err("nosuch").contains("no such interface"),
        "{}",
        lab.show("nosuch")
    );
}

/// docs/privileges.md: right after the capture is open, root becomes the sudo user (or
/// `nobody`) and a process with the capability clears it; the capture goes on. If the drop
/// fails, a warning is printed and the command still runs.
#[test]
fn live_capture_drops_privileges_and_keeps_capturing() {
    if !lab_ready("live_drop", &["dnsmasq", "dhclient"]) {
        return;
    }
    let lab = Lab::run(
        "live_drop",
        r#"
lab_init live-drop
lab_add_node srv 02:53:00:00:00:01 10.0.0.1/24
lab_add_node c1 02:10:00:00:00:01
lab_dnsmasq dm srv eth0 --no-ping --dhcp-range=10.0.0.100,10.0.0.150,255.255.255.0,2m
# As root: read /proc while it captures, then a DORA it must still see.
lab_bg rep c1 "$BIN" report -i eth0 --duration 4 --format json
proc_status rep "${LAB_PID[rep]}"
lab_dhclient dc c1 eth0
lab_wait_event dc '^BOUND' 10
lab_wait_exit rep 10
cp "$LAB_DIR/rep.log" "$OUT/rep.json"
# As nobody with CAP_NET_RAW (ambient, as `setcap cap_net_raw=ep` would give it).
lab_bg cap c1 setpriv --reuid nobody --regid nogroup --clear-groups --inh-caps +net_raw --ambient-caps +net_raw "$BIN" report -i eth0 --duration 2
proc_status cap "${LAB_PID[cap]}"
lab_wait_exit cap 10
cp "$LAB_DIR/cap.log" "$OUT/cap.log"
# Root without CAP_SETUID/CAP_SETGID cannot drop: a warning, and the capture runs.
run nodrop lab_exec c1 setpriv --bounding-set -setuid,-setgid "$BIN" report -i eth0 --duration 0.5
"#,
    );
    lab.assert_dropped("rep");
    let text = lab.file("rep.json");
    let j: Json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let client = j["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["mac"] == "02:10:00:00:00:01")
        .unwrap_or_else(|| panic!("the DORA after the drop was not captured: {j}"));
    assert_eq!(client["exchanges"][0]["outcome"], "ACK", "{client}");

    lab.assert_dropped("cap");
    let cap = lab.file("cap.log");
    assert!(cap.contains("packets received by filter"), "{cap}");
    assert!(!cap.contains("warning"), "{cap}");

    assert_eq!(lab.rc("nodrop"), 0, "{}", lab.show("nodrop"));
    assert_eq!(
        lab.err("nodrop").trim(),
        "dhcpscope: warning: cannot drop privileges: Operation not permitted (os error 1)",
        "{}",
        lab.show("nodrop")
    );
    assert!(
        lab.out("nodrop").contains("packets received by filter"),
        "{}",
        lab.show("nodrop")
    );
}

/// The TUI's live mode follows the same rule: started as root in tmux inside a namespace, it
/// runs without root ids or capabilities once the view is up.
#[test]
fn tui_live_mode_drops_privileges() {
    if !lab_ready("live_tui_drop", &["tmux"]) {
        return;
    }
    let lab = Lab::run(
        "live_tui_drop",
        r#"
lab_init live-tui-drop
SOCK="dhcpscope-live-tui-drop-$$"
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null || true; lab_teardown' EXIT
lab_add_node c1 02:10:00:00:00:01
tm new-session -d -s t -x 100 -y 30 "echo \$\$ >'$OUT/tui.pid'; exec ip netns exec $(lab_ns c1) '$BIN' -i eth0"
for _ in $(seq 100); do [[ -s "$OUT/tui.pid" ]] && break; sleep 0.05; done
pid=$(<"$OUT/tui.pid")
proc_status tui "$pid"
for _ in $(seq 100); do tm capture-pane -p -t t >"$OUT/pane.txt"; grep -q "live eth0" "$OUT/pane.txt" && break; sleep 0.05; done
tm send-keys -t t q
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$pid" 2>/dev/null && echo running >"$OUT/after_q"
true
"#,
    );
    let pane = lab.file("pane.txt");
    assert!(pane.contains("live eth0"), "{pane}");
    lab.assert_dropped("tui");
    assert!(lab.file("after_q").is_empty(), "q did not end the TUI");
}
