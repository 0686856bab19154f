//! End to end: the real binary in a detached tmux session on a shipped capture, driven by
//! keys, checked through `tmux capture-pane`. Skipped (with the reason printed) when tmux is
//! missing, unless CI is set: then it fails.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_dhcpscope");

#[path = "common/gate.rs"]
mod gate;
use gate::Need;

fn tmux_available() -> bool {
    gate::ready("tui_tmux", &[Need::Program("tmux")])
}

/// A tmux server of our own (its own socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(name: &str, shell_command: &str) -> Tmux {
        let t = Tmux {
            socket: format!("dhcpscope-{name}-{}", std::process::id()),
        };
        let out = t.run(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "100",
            "-y",
            "30",
            "sh",
            "-c",
            shell_command,
        ]);
        assert!(out.status.success(), "tmux: {out:?}");
        t
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("run tmux")
    }

    fn pane(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let out = self.run(&["send-keys", "-t", "t", k]);
            assert!(out.status.success(), "send-keys {k}: {out:?}");
            // Let the UI draw between keys, as a person would.
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    /// Waits until the pane shows every one of `texts`.
    fn wait_for(&self, texts: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let pane = self.pane();
            if texts.iter().all(|t| pane.contains(t)) {
                return pane;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {texts:?}; pane:\n{pane}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[test]
fn navigate_timeline_detail_filter_help_quit() {
    if !tmux_available() {
        return;
    }
    let cmd = format!(
        "{} --expect-server 10.0.0.1 -r captures/lab-showcase.pcap; echo EXIT=$?; sleep 30",
        shell_quote(BIN)
    );
    let t = Tmux::start("nav", &cmd);
    let pane = t.wait_for(&["02:10:00:00:00:24", "[done]"]);
    assert!(pane.contains("1 crit"), "{pane}");
    assert!(pane.contains("Clients 4/4"), "{pane}");

    // The second client: NAK from the legit server, ACK from the rogue.
    t.keys(&["j", "Enter"]);
    let pane = t.wait_for(&["Timeline 02:10:00:00:00:22"]);
    for s in [
        "DORA · ACK 192.168.66.18 from 192.168.66.1",
        "├─ DISCOVER",
        "◀─ OFFER 10.0.0.132",
        "◀─ NAK · 0.2 ms",
        "◀─ ACK 192.168.66.18",
        "192.168.66.1 !",
    ] {
        assert!(pane.contains(s), "missing {s:?}:\n{pane}");
    }
    println!("timeline view:\n{pane}");

    // Its REQUEST, opened in the detail pane.
    t.keys(&["j", "j", "j", "Enter"]);
    let pane = t.wait_for(&["Packet · frame 9", "DHCP REQUEST"]);
    assert!(pane.contains("0000  01 01 06 00"), "{pane}");
    t.keys(&["G"]);
    t.wait_for(&["Requested IP Address", "192.168.66.18"]);

    // Back to the list and filter on INFORM.
    t.keys(&[
        "Escape", "Escape", "/", "i", "n", "f", "o", "r", "m", "Enter",
    ]);
    let pane = t.wait_for(&["Clients 1/4", "dsr-showcase"]);
    assert!(!pane.contains("02:10:00:00:00:21"), "{pane}");

    // Findings, then help, then quit.
    t.keys(&["3"]);
    t.wait_for(&["CRITICAL", "unexpected-server"]);
    t.keys(&["?"]);
    t.wait_for(&["Keys", "q  Ctrl-c"]);
    t.keys(&["Escape", "q"]);
    let pane = t.wait_for(&["EXIT=0"]);
    // The terminal was restored: the alternate screen is gone.
    assert!(!pane.contains("Clients"), "{pane}");
}

#[test]
fn reads_standard_input_and_keys_from_the_terminal() {
    if !tmux_available() {
        return;
    }
    let cmd = format!(
        "cat captures/lab-showcase.pcap | {} -r -; echo EXIT=$?; sleep 30",
        shell_quote(BIN)
    );
    let t = Tmux::start("stdin", &cmd);
    t.wait_for(&["<stdin>", "02:10:00:00:00:24", "[done]"]);
    t.keys(&["j", "j", "Enter"]);
    t.wait_for(&["Timeline 02:10:00:00:00:23", "INIT-REBOOT · NAK"]);
    // Frames from stdin are kept in memory for the detail.
    t.keys(&["Enter"]);
    t.wait_for(&["Packet · frame 12", "DHCP REQUEST"]);
    t.keys(&["q"]);
    t.wait_for(&["EXIT=0"]);
}

#[test]
fn replay_grows_and_pauses() {
    if !tmux_available() {
        return;
    }
    // The capture spans about 3 s; at ×1 the last client appears after about 2 s.
    let cmd = format!(
        "{} --speed 1 captures/lab-showcase.pcap; echo EXIT=$?; sleep 30",
        shell_quote(BIN)
    );
    let t = Tmux::start("replay", &cmd);
    let pane = t.wait_for(&["[replay ×1]"]);
    assert!(!pane.contains("02:10:00:00:00:24"), "{pane}");
    // Paused, the replay clock stands still: the INFORM client (1.5 s in) does not come.
    t.keys(&["Space"]);
    t.wait_for(&["[paused]"]);
    std::thread::sleep(Duration::from_millis(2500));
    let pane = t.pane();
    assert!(!pane.contains("02:10:00:00:00:24"), "{pane}");
    t.keys(&["Space"]);
    t.wait_for(&["[replay ×1]"]);
    t.wait_for(&["02:10:00:00:00:24"]);
    t.wait_for(&["[done]"]);
    t.keys(&["q"]);
    t.wait_for(&["EXIT=0"]);
}

/// A named pipe is a stream like standard input: its frames are kept for the detail. (Read
/// again from the path, Enter on a message would block the view for good: opening a pipe
/// waits for a writer.)
#[test]
fn reads_a_named_pipe_and_keeps_its_frames() {
    if !tmux_available() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("dhcpscope-tmux-fifo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("capture.pcap");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let fifo = shell_quote(fifo.to_str().unwrap());
    let cmd = format!(
        "cat captures/lab-showcase.pcap >{fifo} & {} {fifo}; echo EXIT=$?; sleep 30",
        shell_quote(BIN)
    );
    let t = Tmux::start("fifo", &cmd);
    t.wait_for(&["capture.pcap", "02:10:00:00:00:24", "[done]"]);
    t.keys(&["j", "j", "Enter"]);
    t.wait_for(&["Timeline 02:10:00:00:00:23", "INIT-REBOOT · NAK"]);
    t.keys(&["Enter"]);
    t.wait_for(&["Packet · frame 12", "DHCP REQUEST"]);
    t.keys(&["q"]);
    t.wait_for(&["EXIT=0"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A pcapng block: type, length, body padded to 32 bits, length again.
fn pcapng_block(kind: u32, body: &[u8]) -> Vec<u8> {
    let mut body = body.to_vec();
    body.resize(body.len().div_ceil(4) * 4, 0);
    let len = (12 + body.len()) as u32;
    [
        &kind.to_le_bytes()[..],
        &len.to_le_bytes(),
        &body,
        &len.to_le_bytes(),
    ]
    .concat()
}

/// A DHCP DISCOVER on each of two interfaces, the second's `if_tsoffset` `i64::MAX` seconds.
fn huge_tsoffset_pcapng() -> Vec<u8> {
    use dhcpscope::craft::{UdpEndpoints, udp_frame};
    use dhcpscope::dhcp::MessageBuilder;
    use dhcpscope::dhcp::options::MessageType;
    let shb = [
        &0x1A2B_3C4Du32.to_le_bytes()[..],
        &[1, 0, 0, 0],
        &(-1i64).to_le_bytes(),
    ]
    .concat();
    let idb = |offset: i64| {
        let b = [
            &[1, 0, 0, 0][..],
            &65535u32.to_le_bytes(),
            &[14, 0, 8, 0],
            &offset.to_le_bytes(),
            &[0; 4],
        ]
        .concat();
        pcapng_block(1, &b)
    };
    let epb = |interface: u32, mac: u8| {
        let chaddr = [2, 0x10, 0, 0, 0, mac];
        let frame = udp_frame(
            &UdpEndpoints::client_broadcast(chaddr),
            &[],
            &MessageBuilder::request(u32::from(mac), chaddr)
                .message_type(MessageType::DISCOVER)
                .build(),
        );
        let len = (frame.len() as u32).to_le_bytes();
        let b = [&interface.to_le_bytes()[..], &[0; 8], &len, &len, &frame].concat();
        pcapng_block(6, &b)
    };
    [
        pcapng_block(0x0A0D_0D0A, &shb),
        idb(0),
        idb(i64::MAX),
        epb(0, 0x31),
        epb(1, 0x32),
    ]
    .concat()
}

/// Replaying a pcapng whose timestamps jump by `i64::MAX` seconds used to overflow the replay
/// clock and panic the reader thread. The view goes on replaying (the far frame is due in
/// MAX_REPLAY_DELAY) and `q` quits.
#[test]
fn replay_survives_a_huge_timestamp_offset() {
    if !tmux_available() {
        return;
    }
    let path = std::env::temp_dir().join(format!(
        "dhcpscope-tmux-tsoffset-{}.pcapng",
        std::process::id()
    ));
    std::fs::write(&path, huge_tsoffset_pcapng()).unwrap();
    let cmd = format!(
        "{} --speed 1 {} 2>&1; echo EXIT=$?; sleep 30",
        shell_quote(BIN),
        shell_quote(path.to_str().unwrap())
    );
    let t = Tmux::start("tsoffset", &cmd);
    t.wait_for(&["[replay ×1]", "02:10:00:00:00:31"]);
    std::thread::sleep(Duration::from_millis(500));
    let pane = t.pane();
    assert!(!pane.contains("panicked"), "{pane}");
    assert!(pane.contains("[replay ×1]"), "{pane}");
    t.keys(&["Enter"]);
    t.wait_for(&["Timeline 02:10:00:00:00:31", "├─ DISCOVER"]);
    t.keys(&["q"]);
    let pane = t.wait_for(&["EXIT=0"]);
    assert!(!pane.contains("panicked"), "{pane}");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn not_a_terminal_points_to_report_and_decode() {
    let out = Command::new(BIN)
        .args(["-r", "captures/lab-showcase.pcap"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "drew on a pipe");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a terminal"), "{err}");
    assert!(err.contains("dhcpscope report -r"), "{err}");
    assert!(err.contains("dhcpscope decode -r"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(Path::new(BIN).exists());
}

/// True when the namespace lab can run; otherwise skip with the reason (fail when CI is set).
fn lab_ready(test: &str) -> bool {
    gate::ready(
        test,
        &[
            Need::Netns,
            Need::Program("ethtool"),
            Need::Program("tcpdump"),
            Need::Program("dnsmasq"),
            Need::Program("dhclient"),
            Need::Program("tmux"),
        ],
    )
}

/// Runs `body` in bash with tests/lab/lib.sh sourced, `$BIN`, `$OUT` (a directory kept for
/// the assertions), `tm` (tmux on a socket of its own, killed with the lab) and
/// `wait_pane NAME TEXT…` (waits until the pane shows every TEXT, saving it to
/// `$OUT/NAME.txt`). The body must call `lab_init` then `tm_trap`. Returns `$OUT`.
fn run_lab(test: &str, body: &str) -> std::path::PathBuf {
    let out = std::env::temp_dir().join(format!("dhcpscope-tui-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let script = format!(
        r#"set -euo pipefail
source '{lib}'
BIN='{bin}'
OUT='{out}'
SOCK="dhcpscope-{test}-$$"
tm() {{ tmux -L "$SOCK" -f /dev/null "$@"; }}
tm_trap() {{ trap 'tm kill-server 2>/dev/null || true; lab_teardown' EXIT; }}
wait_pane() {{
  local name=$1; shift
  for _ in $(seq 300); do
    tm capture-pane -p -t t >"$OUT/$name.txt"
    local all=1
    for s in "$@"; do grep -qF -- "$s" "$OUT/$name.txt" || all=0; done
    ((all)) && return 0
    sleep 0.05
  done
  echo "timed out waiting for $* in $name" >&2
  cat "$OUT/$name.txt" >&2
  return 1
}}
{body}
"#,
        lib = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lab/lib.sh"),
        bin = BIN,
        out = out.display()
    );
    let run = Command::new("bash").args(["-c", &script]).output().unwrap();
    assert!(
        run.status.success(),
        "{test}: lab script failed:\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    out
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_default()
}

/// Live mode in a network namespace: the TUI captures on the client's interface in tmux while
/// a real dhclient gets a lease from a real dnsmasq; the exchange appears, and `-w` keeps it.
#[test]
fn live_capture_shows_a_real_dora() {
    if !lab_ready("live") {
        return;
    }
    let out = run_lab(
        "live",
        r#"
lab_init tui-live
tm_trap
lab_add_node srv 02:53:00:00:00:01 10.0.0.1/24
lab_add_node c1 02:10:00:00:00:01
lab_dnsmasq dm srv eth0 --no-ping --dhcp-range=10.0.0.100,10.0.0.150,255.255.255.0,2m
tm new-session -d -s t -x 100 -y 30 "ip netns exec $(lab_ns c1) '$BIN' -i eth0 --expect-server 10.0.0.1 -w '$OUT/tui.pcap'; echo EXIT=\$?; sleep 30"
wait_pane started "live eth0" "[live]"
lab_dhclient dc c1 eth0
lab_wait_event dc '^BOUND' 10
wait_pane listed "02:10:00:00:00:01" "DORA ACK"
tm send-keys -t t Enter
wait_pane timeline "Timeline 02:10:00:00:00:01" "◀─ ACK 10.0.0." "├─ REQUEST"
tm send-keys -t t q
wait_pane quit "EXIT=0"
"$BIN" decode -r "$OUT/tui.pcap" --format jsonl >"$OUT/decoded.jsonl"
"#,
    );
    let timeline = read(&out, "timeline.txt");
    println!("live timeline:\n{timeline}");
    assert!(timeline.contains("DORA · ACK 10.0.0."), "{timeline}");
    assert!(
        timeline.contains("servers 1 (1 ok, 0 unexpected)"),
        "{timeline}"
    );
    // The savefile written through -w is whole after `q`.
    let decoded = read(&out, "decoded.jsonl");
    for t in ["DISCOVER", "OFFER", "REQUEST", "ACK"] {
        assert!(decoded.contains(&format!("\"{t}\"")), "{decoded}");
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// The probe form, live: a legitimate and a rogue dnsmasq on one bridge, the TUI on a third
/// node. Nothing is injected until the form is submitted; `p`, Enter sends a discover, and
/// both servers' OFFERs appear in the timeline of the probe's client, marked as our probe,
/// with the CRITICAL verdict naming the rogue in the header.
#[test]
fn live_probe_form_shows_the_offers_and_the_verdict() {
    if !lab_ready("probe") {
        return;
    }
    let out = run_lab(
        "probe",
        r#"
lab_init tui-probe
tm_trap
lab_add_node legit 02:53:00:00:00:01 10.0.0.1/24
lab_add_node rogue 02:ba:db:ad:ba:d1 192.168.66.1/24
lab_add_node c1 02:10:00:00:00:01
lab_dnsmasq dm legit eth0 --no-ping --dhcp-range=10.0.0.100,10.0.0.150,255.255.255.0,2m
lab_dnsmasq rg rogue eth0 --no-ping --dhcp-range=192.168.66.10,192.168.66.20,255.255.255.0,2m
tm new-session -d -s t -x 100 -y 30 "ip netns exec $(lab_ns c1) '$BIN' -i eth0 --expect-server 10.0.0.1; echo EXIT=\$?; sleep 30"
wait_pane started "live eth0" "[live]"
tm send-keys -t t p
wait_pane form "Probe on eth0" "◀ discover ▶" "--mac           02:44:48:43:50:01" "--expect-server 10.0.0.1"
sleep 0.5
tm capture-pane -p -t t >"$OUT/before.txt"
tm send-keys -t t Enter
wait_pane running "probe  discover on eth0 as 02:44:48:43:50:01"
wait_pane verdict "DHCP CRITICAL - unexpected server 192.168.66.1 (02:ba:db:ad:ba:d1)" \
  "02:44:48:43:50:01 probe" "Timeline 02:44:48:43:50:01 · probe" \
  "├─ probe DISCOVER" "◀─ probe OFFER 192.168.66." "◀─ probe OFFER 10.0.0."
tm send-keys -t t p
wait_pane report "── last probe" "UNEXPECTED" "expected"
tm send-keys -t t Escape
sleep 0.2
tm send-keys -t t q
wait_pane quit "EXIT=0"
cp "$LAB_DIR/dm.log" "$OUT/dm.log"
cp "$LAB_DIR/rg.log" "$OUT/rg.log"
"#,
    );
    // Opening the form sent nothing: no probe client, no probe line.
    let before = read(&out, "before.txt");
    assert!(before.contains("clients 0"), "{before}");
    assert!(!before.contains("02:44:48:43:50:01 probe"), "{before}");
    let verdict = read(&out, "verdict.txt");
    println!("probe verdict:\n{verdict}");
    assert!(
        verdict.contains("servers 2 (1 ok, 1 unexpected)"),
        "{verdict}"
    );
    // Both real servers saw the probe's DISCOVER and offered.
    for log in ["dm.log", "rg.log"] {
        let l = read(&out, log);
        assert!(
            l.contains("DHCPDISCOVER(eth0) 02:44:48:43:50:01"),
            "{log}:\n{l}"
        );
        assert!(l.contains("DHCPOFFER(eth0)"), "{log}:\n{l}");
    }
    let report = read(&out, "report.txt");
    println!("probe report:\n{report}");
    let _ = std::fs::remove_dir_all(&out);
}
