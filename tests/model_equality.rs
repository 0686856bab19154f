//! One model, whoever reads it: for every capture in `captures/` and in the shared public
//! corpus (`../shared/captures/public`, recursively), `report`'s model and the TUI's model
//! hold the same clients, exchanges, servers and findings.
//!
//! - `report`: the binary's `report --format json` (reader and analysis on two threads);
//! - the same read on one thread through the library ([`read_inline`]), which must give the
//!   identical document, counters included (the two-core read changes nothing);
//! - the TUI: [`load_model`], which runs the interactive view's reader thread and feeds its
//!   batches through `update`, exactly as the terminal runtime does.
//!
//! The models are compared as the report's canonical JSON serialization of the whole model
//! (every client with every exchange and message record, every server, every finding).
//! Without the shared corpus the public captures are skipped, except under CI, where that
//! is a failure.

use dhcpscope::analysis::{Analysis, Expectations};
use dhcpscope::output::report::{self, SourceInfo};
use dhcpscope::pipeline::{ReadControl, ReadOptions, ReadSummary, read_inline, read_threaded};
use dhcpscope::source::FileSource;
use dhcpscope::tui::load_model;
use serde_json::Value as Json;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_dhcpscope");
const PUBLIC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/captures/public");

fn list_captures(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            list_captures(&path, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "pcap" | "pcapng" | "cap"))
        {
            out.push(path);
        }
    }
}

fn captures() -> Vec<PathBuf> {
    let mut all = Vec::new();
    list_captures(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("captures"),
        &mut all,
    );
    assert!(all.len() > 10, "too few local captures: {all:?}");
    let public = Path::new(PUBLIC_DIR);
    if public.is_dir() {
        let before = all.len();
        list_captures(public, &mut all);
        assert!(all.len() > before + 20, "too few public captures");
        assert!(
            all.iter()
                .any(|p| p.parent().is_some_and(|d| d.ends_with("v6"))),
            "the v6 captures were not listed"
        );
    } else if std::env::var_os("CI").is_some() {
        panic!("{PUBLIC_DIR} is missing: CI must check the public captures");
    } else {
        println!("model_equality: {PUBLIC_DIR} does not exist: public captures skipped");
    }
    all.sort();
    all
}

/// The report's JSON document of a model.
fn json_of(a: &Analysis, summary: &ReadSummary) -> Json {
    let mut out = Vec::new();
    let info = SourceInfo {
        name: "capture",
        summary,
    };
    report::write_json(&mut out, a, &info, &[]).unwrap();
    serde_json::from_slice(&out).unwrap()
}

/// `report`'s read and analysis in the library, on one thread or two.
fn report_model(path: &Path, threaded: bool) -> Json {
    let mut source = FileSource::open(path).unwrap();
    let mut analysis = Analysis::new(Expectations::default());
    // The DHCPv6/RA model rides the same read (the binary's JSON has it under `v6`).
    let mut v6 = dhcpscope::analysis::v6::V6Analysis::new();
    let opts = ReadOptions {
        batch_interval: None,
        ..ReadOptions::default()
    };
    let consume = |batch: &dhcpscope::pipeline::PacketBatch| {
        for p in batch.iter() {
            analysis.observe(&p);
        }
        for p in batch.iter_v6() {
            v6.observe(&p);
        }
        ControlFlow::Continue(())
    };
    let summary = if threaded {
        read_threaded(&mut source, &opts, &ReadControl::default(), consume)
    } else {
        read_inline(&mut source, &opts, &ReadControl::default(), consume)
    };
    analysis.finish();
    v6.finish();
    let mut doc = json_of(&analysis, &summary);
    doc["v6"] = dhcpscope::output::report_v6::v6_json(&v6);
    doc
}

/// The binary's `report --format json`.
fn report_binary(path: &Path) -> Json {
    let out = Command::new(BIN)
        .args(["report", "--format", "json", "-r"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 2),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut doc: Json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{}: report JSON: {e}", path.display()));
    doc["source"] = Json::from("capture");
    doc
}

/// The model parts of a report document: what the TUI's model must equal.
fn model_part(doc: &Json) -> Json {
    let mut m = serde_json::Map::new();
    for key in ["expectations", "clients", "servers", "findings"] {
        m.insert(key.into(), doc[key].clone());
    }
    Json::Object(m)
}

fn finding_codes(doc: &Json) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn report_and_tui_models_are_identical_on_every_capture() {
    let mut compared = 0;
    for path in captures() {
        let name = path.display().to_string();
        let inline = report_model(&path, false);
        let threaded = report_model(&path, true);
        assert!(
            inline == threaded,
            "{name}: the two-core read differs from the one-thread read"
        );
        let binary = report_binary(&path);
        assert!(
            binary == inline,
            "{name}: `report --format json` differs from the one-thread read"
        );
        let tui = load_model(&path, Expectations::default(), (120, 40)).unwrap();
        let tui_doc = json_of(&tui.analysis, &ReadSummary::default());
        let (want, got) = (model_part(&inline), model_part(&tui_doc));
        if want != got {
            let (w, g) = (want.to_string(), got.to_string());
            let at = w.bytes().zip(g.bytes()).take_while(|(a, b)| a == b).count();
            let from = at.saturating_sub(200);
            panic!(
                "{name}: the TUI's model differs from report's\n report: …{}\n    tui: …{}",
                w.get(from..(at + 200).min(w.len())).unwrap_or_default(),
                g.get(from..(at + 200).min(g.len())).unwrap_or_default()
            );
        }
        assert_eq!(
            (tui.frames_read, tui.dhcp_read),
            (
                inline["frames"].as_u64().unwrap(),
                inline["dhcp_packets"].as_u64().unwrap()
            ),
            "{name}: counters"
        );
        compared += 1;
    }
    println!("model_equality: {compared} captures compared");
}

/// A capture read from a pipe takes the TUI's stream path (frames kept in the batches, one
/// packet per batch, no file offsets) and still gives report's model.
#[test]
fn the_tui_reading_a_pipe_has_report_model() {
    let dir = std::env::temp_dir().join(format!("dhcpscope-model-eq-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut local = Vec::new();
    list_captures(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("captures"),
        &mut local,
    );
    local.sort();
    for (i, path) in local.iter().enumerate() {
        let fifo = dir.join(format!("{i}.pcap"));
        let made = Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            println!("model_equality: mkfifo failed: pipe path skipped");
            return;
        }
        let bytes = std::fs::read(path).unwrap();
        let writer_path = fifo.clone();
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(&writer_path)
                .unwrap();
            // The reader may stop at damage before the end: a closed pipe is fine.
            let _ = f.write_all(&bytes);
        });
        let tui = load_model(&fifo, Expectations::default(), (80, 24)).unwrap();
        writer.join().unwrap();
        assert_eq!(tui.source_kind, dhcpscope::tui::SourceKind::Pipe);
        let want = model_part(&report_model(path, true));
        let got = model_part(&json_of(&tui.analysis, &ReadSummary::default()));
        assert!(want == got, "{}: pipe model differs", path.display());
        if tui.dhcp_read > 0 {
            assert!(
                !tui.frame_store.is_empty(),
                "{}: frames kept",
                path.display()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// An OFFER whose option 12 claims 64 bytes with 3 present, captured whole: the sender's
/// fault, which report and the TUI both list (the TUI used to believe every packet was cut
/// by the snaplen, as it kept no frame bytes, and stayed silent).
#[test]
fn malformed_reply_is_in_report_and_tui() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/malformed-offer.pcap");
    let report = report_binary(&path);
    assert!(
        finding_codes(&report)
            .iter()
            .any(|c| c == "malformed-reply"),
        "report: {:?}",
        finding_codes(&report)
    );
    let tui = load_model(&path, Expectations::default(), (120, 40)).unwrap();
    let codes: Vec<&str> = tui.analysis.findings.iter().map(|f| f.code).collect();
    assert!(codes.contains(&"malformed-reply"), "tui: {codes:?}");
    assert_eq!(finding_codes(&report), codes);
}

/// A frame cut by the snaplen is the capture's doing: neither view calls it malformed.
#[test]
fn a_snaplen_cut_is_not_malformed_in_either_view() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/snaplen-280.pcap");
    let report = report_binary(&path);
    assert!(
        !finding_codes(&report)
            .iter()
            .any(|c| c == "malformed-reply")
    );
    let tui = load_model(&path, Expectations::default(), (120, 40)).unwrap();
    assert!(
        tui.analysis
            .findings
            .iter()
            .all(|f| f.code != "malformed-reply")
    );
}

/// What the TUI does not show it says: a DHCPv6 capture's messages are counted in the
/// footer's note, never a silent empty view.
#[test]
fn the_tui_says_how_many_dhcpv6_packets_it_does_not_show() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/dhcpv6-scapy.pcap");
    let tui = load_model(&path, Expectations::default(), (120, 40)).unwrap();
    let note = tui
        .ended
        .as_ref()
        .and_then(|e| e.warning.clone())
        .unwrap_or_default();
    assert!(note.contains("DHCPv6"), "{note:?}");
    let v4 = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/kea-dora.pcap");
    let tui = load_model(&v4, Expectations::default(), (120, 40)).unwrap();
    let note = tui.ended.as_ref().and_then(|e| e.warning.clone());
    assert!(note.is_none(), "{note:?}");
}
