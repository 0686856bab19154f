//! `dhcpscope watch` on captures and streams (no root needed): the textfile and the events
//! agree with `decode` and `report` on the same traffic, `promtool check metrics` accepts the
//! textfile, `/metrics` is OpenMetrics, SIGHUP reloads the expectations without losing state,
//! SIGTERM ends with a final flush.

use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_dhcpscope");
const LEGIT: &str = "10.0.0.1";
const ROGUE: &str = "192.168.66.1";

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !matches!(v.to_str(), Some("" | "false" | "0")))
}

/// True when `tool` runs; otherwise skip (or fail in CI).
fn tool_ready(test: &str, tool: &str) -> bool {
    let ok = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(!in_ci(), "{test}: {tool} is not installed (CI installs it)");
        eprintln!("skipping {test}: {tool} is not installed");
    }
    ok
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let d = std::env::temp_dir().join(format!("dhcpscope-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        TempDir(d)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A synthetic capture: 300 clients, a legitimate server and a rogue one.
fn synth_capture(dir: &TempDir) -> PathBuf {
    let p = dir.path("synth.pcap");
    let f = std::fs::File::create(&p).unwrap();
    dhcpscope::synth::write_capture(std::io::BufWriter::new(f), 300, 11).unwrap();
    p
}

/// Samples of a 0.0.4 or OpenMetrics exposition: "name{labels}" → value.
fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let (k, v) = l.rsplit_once(' ')?;
            Some((k.to_owned(), v.parse().ok()?))
        })
        .collect()
}

/// Sum of the samples of `name` whose labels contain every `label="value"` given.
fn sum(s: &HashMap<String, f64>, name: &str, labels: &[&str]) -> f64 {
    s.iter()
        .filter(|(k, _)| k.split('{').next() == Some(name) && labels.iter().all(|l| k.contains(l)))
        .map(|(_, v)| v)
        .sum()
}

#[test]
fn textfile_and_events_agree_with_decode_and_report() {
    let dir = TempDir::new("watch-file");
    let cap = synth_capture(&dir);
    let prom = dir.path("dhcpscope.prom");
    let out = Command::new(BIN)
        .args([
            "watch",
            "--no-listen",
            "--events",
            "-",
            "--expect-server",
            LEGIT,
        ])
        .arg("--textfile")
        .arg(&prom)
        .arg("-r")
        .arg(&cap)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&prom).unwrap();
    let s = samples(&text);

    // Messages by type, against `decode`, which reads the packets without the model.
    let decoded = Command::new(BIN)
        .args(["decode", "--format", "jsonl", "-r"])
        .arg(&cap)
        .output()
        .unwrap();
    let mut by_type: HashMap<String, f64> = HashMap::new();
    for line in String::from_utf8_lossy(&decoded.stdout).lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let t = v["dhcp"]["msg_type"]
            .as_str()
            .unwrap_or("bootp")
            .to_lowercase();
        *by_type.entry(t).or_default() += 1.0;
    }
    assert!(by_type.values().sum::<f64>() > 1000.0, "{by_type:?}");
    for (t, n) in &by_type {
        let label = format!("msg_type=\"{t}\"");
        assert_eq!(
            sum(&s, "dhcpscope_messages_total", &[&label]),
            *n,
            "{t}: {by_type:?}\n{text}"
        );
    }

    // Replies per server, against `report`'s server inventory.
    let report = Command::new(BIN)
        .args(["report", "--format", "json", "--expect-server", LEGIT, "-r"])
        .arg(&cap)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&report.stdout).unwrap();
    for srv in doc["servers"].as_array().unwrap() {
        let id = srv["server_id"].as_str().unwrap();
        let expected = if srv["expected"] == Value::Bool(true) {
            "true"
        } else {
            "false"
        };
        for (field, t) in [("offers", "offer"), ("acks", "ack"), ("naks", "nak")] {
            let server = format!("server=\"{id}\"");
            let exp = format!("expected=\"{expected}\"");
            let ty = format!("msg_type=\"{t}\"");
            assert_eq!(
                sum(&s, "dhcpscope_server_replies_total", &[&server, &exp, &ty]),
                srv[field].as_f64().unwrap(),
                "{id} {field}"
            );
        }
    }
    assert_eq!(sum(&s, "dhcpscope_servers", &["expected=\"false\""]), 1.0);
    assert!(sum(&s, "dhcpscope_reply_latency_seconds_count", &[LEGIT]) > 0.0);
    // Exchanges by outcome: every exchange that report shows ended counts once.
    let acked = doc["clients"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["exchanges"].as_array().unwrap())
        .filter(|e| e["outcome"] == "ACK")
        .count() as f64;
    assert_eq!(
        sum(&s, "dhcpscope_exchanges_total", &["outcome=\"ACK\""]),
        acked
    );
    // Nobody keeps a client's identity as a label.
    for label in ["chaddr=", "mac=", "client=", "xid=", "yiaddr="] {
        assert!(!text.contains(label), "{label}\n{text}");
    }

    // Events: the rogue raised once, with stable fields; every report finding code raised.
    let events: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let rogue: Vec<&Value> = events
        .iter()
        .filter(|e| e["rule"]["id"] == "unexpected-server")
        .collect();
    assert_eq!(rogue.len(), 1, "{events:?}");
    assert_eq!(rogue[0]["server"]["ip"], ROGUE);
    assert_eq!(rogue[0]["event"]["action"], "raised");
    assert_eq!(rogue[0]["event"]["severity"], "critical");
    assert!(rogue[0]["@timestamp"].as_str().unwrap().ends_with('Z'));
    let mut report_codes: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    report_codes.sort();
    report_codes.dedup();
    for code in &report_codes {
        assert!(
            events.iter().any(|e| e["rule"]["id"] == *code),
            "{code} not raised"
        );
    }
    // Clients bound to the rogue: the events name them and the gauge counts them.
    let victims = events
        .iter()
        .filter(|e| e["rule"]["id"] == "bound-to-unexpected-server")
        .count() as f64;
    // (The synthetic clients all take the legitimate server's lease; the namespace test
    // has real victims.)
    assert_eq!(sum(&s, "dhcpscope_bound_victims", &[]), victims);
    assert_eq!(sum(&s, "dhcpscope_events_total", &[]), events.len() as f64);

    if tool_ready("textfile_promtool", "promtool") {
        let mut check = Command::new("promtool")
            .args(["check", "metrics"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        check
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let r = check.wait_with_output().unwrap();
        assert!(
            r.status.success(),
            "promtool check metrics: {}{}",
            String::from_utf8_lossy(&r.stdout),
            String::from_utf8_lossy(&r.stderr)
        );
    }
}

fn http_get(addr: &str, path: &str) -> (String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
    (head.to_owned(), body.to_owned())
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: kill(2) on our own child's pid.
    unsafe {
        libc::kill(child.id() as i32, sig);
    }
}

#[test]
fn http_endpoint_sighup_reload_and_sigterm() {
    let dir = TempDir::new("watch-http");
    // Ten packets, then a quiet pipe: each must be handed over without waiting for more.
    let cap = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/rogue-server.pcap");
    let config = dir.path("config.toml");
    let events = dir.path("events.jsonl");
    let prom = dir.path("final.prom");
    std::fs::write(&config, format!("expect_server = [\"{LEGIT}\"]\n")).unwrap();
    let mut child = Command::new(BIN)
        .args(["watch", "-r", "-", "--listen", "127.0.0.1:0"])
        .arg("--config")
        .arg(&config)
        .arg("--events")
        .arg(&events)
        .arg("--textfile")
        .arg(&prom)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The stream stays open: the sensor keeps running, as with a remote tcpdump.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&std::fs::read(&cap).unwrap()).unwrap();
    stdin.flush().unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();

    let rogue_expected = |expected: &str| {
        format!(
            "dhcpscope_server_replies_total{{server=\"{ROGUE}\",expected=\"{expected}\",msg_type=\"offer\"}}"
        )
    };
    wait_for("the rogue in /metrics", || {
        http_get(&addr, "/metrics")
            .1
            .contains(&rogue_expected("false"))
    });
    let (head, body) = http_get(&addr, "/metrics");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.contains("Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8"),
        "{head}"
    );
    assert!(body.ends_with("# EOF\n"));
    assert!(body.contains("# TYPE dhcpscope_build info"));
    let before = samples(&body);
    let offers = sum(&before, "dhcpscope_server_replies_total", &[ROGUE, "offer"]);
    assert!(offers > 0.0);
    assert_eq!(sum(&before, "dhcpscope_unexpected_servers", &[]), 1.0);
    assert!(http_get(&addr, "/healthz").0.starts_with("HTTP/1.1 200"));
    assert!(http_get(&addr, "/nothing").0.starts_with("HTTP/1.1 404"));
    wait_for("the raised event", || {
        std::fs::read_to_string(&events).is_ok_and(|t| t.contains("\"raised\""))
    });

    // logrotate moves the event file away; SIGHUP reopens it under its name.
    let rotated = dir.path("events.jsonl.1");
    std::fs::rename(&events, &rotated).unwrap();
    // The admin accepts the second server: SIGHUP, no restart.
    std::fs::write(
        &config,
        format!("expect_server = [\"{LEGIT}\", \"{ROGUE}\"]\n"),
    )
    .unwrap();
    signal(&child, libc::SIGHUP);
    wait_for("the cleared event", || {
        std::fs::read_to_string(&events).is_ok_and(|t| {
            t.lines().any(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                v["rule"]["id"] == "unexpected-server"
                    && v["event"]["action"] == "cleared"
                    && v["event"]["reason"] == "expected"
            })
        })
    });
    // What was raised before the reload stayed in the rotated file.
    let old_file = std::fs::read_to_string(&rotated).unwrap();
    assert!(old_file.contains("\"raised\"") && !old_file.contains("\"cleared\""));
    let after = samples(&http_get(&addr, "/metrics").1);
    assert_eq!(sum(&after, "dhcpscope_unexpected_servers", &[]), 0.0);
    assert_eq!(sum(&after, "dhcpscope_config_reloads_total", &[]), 1.0);
    // State survived: nothing was counted again, the clients are still there.
    assert_eq!(
        sum(&after, "dhcpscope_messages_total", &[]),
        sum(&before, "dhcpscope_messages_total", &[])
    );
    assert_eq!(
        sum(&after, "dhcpscope_clients_tracked", &[]),
        sum(&before, "dhcpscope_clients_tracked", &[])
    );
    assert_eq!(
        sum(&after, "dhcpscope_servers", &["expected=\"true\""]),
        2.0
    );

    // A broken configuration is refused; the old one stays.
    std::fs::write(&config, "expect_server = [\"not an address\"]\n").unwrap();
    signal(&child, libc::SIGHUP);
    wait_for("the refused reload", || {
        samples(&http_get(&addr, "/metrics").1)
            .get("dhcpscope_config_reload_errors_total")
            .is_some_and(|v| *v == 1.0)
    });

    let _ = std::fs::remove_file(&prom);
    signal(&child, libc::SIGTERM);
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(stdin);
    assert!(status.success(), "{status}");
    // The final flush wrote the textfile.
    let last = std::fs::read_to_string(&prom).unwrap();
    assert!(last.contains("dhcpscope_config_reloads_total 1"), "{last}");
    assert!(Path::new(&prom).exists());
}

/// The rogue-server capture twice, the second time `gap_secs` later (only the clients'
/// requests when `requests_only`: the servers have gone quiet).
fn twice(dir: &TempDir, gap_secs: i64) -> PathBuf {
    twice_with(dir, gap_secs, false)
}

fn twice_with(dir: &TempDir, gap_secs: i64, requests_only: bool) -> PathBuf {
    use dhcpscope::source::FileSource;
    use dhcpscope::time::Timestamp;
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/rogue-server.pcap");
    let out = dir.path("twice.pcap");
    let mut w =
        dhcpscope::pcap_writer::PcapWriter::new(std::fs::File::create(&out).unwrap()).unwrap();
    for shift in [0, gap_secs] {
        let mut f = FileSource::open(&src).unwrap();
        while let Some(frame) = f.next_frame().unwrap() {
            let ts = Timestamp::new(frame.ts.secs + shift, frame.ts.nanos);
            // UDP source port 68 (Ethernet + 20-byte IPv4 header): a client's request.
            let from_client = frame.data.get(34..36) == Some(&[0, 68][..]);
            if shift == 0 || !requests_only || from_client {
                w.write_frame(ts, frame.data).unwrap();
            }
        }
    }
    drop(w);
    out
}

#[test]
fn a_replay_clears_and_raises_again_and_expires_on_capture_time() {
    let dir = TempDir::new("watch-replay");
    let cap = twice(&dir, 3 * 3600);
    let prom = dir.path("replay.prom");
    let out = Command::new(BIN)
        .args([
            "watch",
            "--no-listen",
            "--events",
            "-",
            "--expect-server",
            LEGIT,
        ])
        .args(["--clear-after", "10m", "--client-idle", "30m", "--textfile"])
        .arg(&prom)
        .arg("-r")
        .arg(&cap)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let rogue: Vec<(&str, Option<&str>)> = events
        .iter()
        .filter(|e| e["rule"]["id"] == "unexpected-server")
        .map(|e| {
            (
                e["event"]["action"].as_str().unwrap(),
                e["event"]["reason"].as_str(),
            )
        })
        .collect();
    // Raised, quiet for three hours (cleared), back (raised again).
    assert_eq!(
        rogue,
        [
            ("raised", None),
            ("cleared", Some("quiet")),
            ("raised", None)
        ],
        "{events:?}"
    );
    // The victim's lease (from the rogue) outlived neither the gap nor the client's expiry.
    let victim: Vec<&str> = events
        .iter()
        .filter(|e| e["rule"]["id"] == "bound-to-unexpected-server")
        .map(|e| e["event"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(victim.first(), Some(&"raised"), "{events:?}");
    let s = samples(&std::fs::read_to_string(&prom).unwrap());
    // Both clients went idle for three hours and were dropped, then came back.
    assert_eq!(sum(&s, "dhcpscope_clients_expired_total", &[]), 2.0);
    assert_eq!(sum(&s, "dhcpscope_clients_tracked", &[]), 2.0);
    // Expiry loses no count: twice the single capture's exchanges and replies.
    assert_eq!(
        sum(&s, "dhcpscope_exchanges_total", &["outcome=\"ACK\""]),
        4.0
    );
    assert_eq!(
        sum(
            &s,
            "dhcpscope_server_replies_total",
            &[ROGUE, "msg_type=\"offer\""]
        ),
        4.0
    );
    assert_eq!(
        sum(
            &s,
            "dhcpscope_findings_total",
            &["code=\"unexpected-server\""]
        ),
        2.0
    );
}

#[test]
fn servers_beyond_the_label_cap_count_as_other() {
    let dir = TempDir::new("watch-cap");
    let prom = dir.path("cap.prom");
    let cap = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/rogue-server.pcap");
    let out = Command::new(BIN)
        .args(["watch", "--no-listen", "--expect-server", LEGIT])
        .args(["--max-server-labels", "1", "--textfile"])
        .arg(&prom)
        .arg("-r")
        .arg(&cap)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&prom).unwrap();
    let s = samples(&text);
    // The expected server keeps its label; the rogue's 2 OFFERs and 1 ACK go to "other".
    assert!(!text.contains(ROGUE), "{text}");
    assert_eq!(
        sum(
            &s,
            "dhcpscope_server_replies_total",
            &["server=\"other\"", "expected=\"false\""]
        ),
        3.0
    );
    assert_eq!(sum(&s, "dhcpscope_server_label_overflow_total", &[]), 3.0);
    assert_eq!(
        sum(
            &s,
            "dhcpscope_server_replies_total",
            &[LEGIT, "msg_type=\"offer\""]
        ),
        2.0
    );
}

#[test]
fn an_expected_server_is_silent_only_while_clients_ask() {
    let dir = TempDir::new("watch-silent");
    let run = |cap: &Path| -> Vec<(String, String)> {
        let out = Command::new(BIN)
            .args([
                "watch",
                "--no-listen",
                "--events",
                "-",
                "--expect-server",
                LEGIT,
            ])
            .args(["--silent-after", "15m", "-r"])
            .arg(cap)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|e| e["rule"]["id"] == "expected-server-silent")
            .map(|e| {
                (
                    e["event"]["action"].as_str().unwrap().to_owned(),
                    e["server"]["ip"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    // An hour later the clients ask again and nobody answers: the expected server is silent.
    let asked = twice_with(&dir, 3600, true);
    assert_eq!(run(&asked), [("raised".to_owned(), LEGIT.to_owned())]);
    // The same hour with the servers answering: nothing to raise.
    let answered = twice_with(&dir, 3600, false);
    let events = run(&answered);
    assert!(events.is_empty(), "{events:?}");
}
