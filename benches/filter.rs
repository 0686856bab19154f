//! What a keystroke in the client filter costs at 200 000 clients (issue 10: ≤ 50 ms).
//!
//! `cargo bench --bench filter`. The model is the generated 200 000-client capture (shared
//! with `tui_render`), loaded with 10.0.0.1 expected so `rogue` and `victim` have answers.
//! Each iteration is two keystrokes (the last character typed, then Backspace), each of which
//! parses the text and re-filters every client (every text here stays a valid, different
//! filter without its last character, so both keystrokes re-filter); criterion's time / 2 is
//! one keystroke.

use criterion::{Criterion, criterion_group, criterion_main};
use dhcpscope::analysis::Expectations;
use dhcpscope::tui::{Model, Msg, load_model, update};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::PathBuf;

const CLIENTS: u32 = 200_000;

fn capture() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-{CLIENTS}.pcap"));
    if !path.exists() {
        let file = std::fs::File::create(&path).expect("create bench capture");
        dhcpscope::synth::write_capture(std::io::BufWriter::new(file), CLIENTS, 1)
            .expect("write bench capture");
    }
    path
}

fn key(m: &mut Model, code: KeyCode) {
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn bench(c: &mut Criterion) {
    let mut e = Expectations::default();
    e.servers.push("10.0.0.1".parse().expect("server"));
    let mut model = load_model(&capture(), e, (200, 60)).expect("load");
    assert!(model.analysis.clients.len() >= 190_000);
    let mut group = c.benchmark_group("filter_keystroke_200k");
    group.sample_size(20);
    for (name, text) in [
        ("bare_ip_word", "10.60.0.1"),
        ("bare_mac_word", "02:00:00:01"),
        ("mac_prefix", "mac:0200.0001"),
        ("ip_cidr", "ip:10.0.0.0/16"),
        ("host", "host:host-12"),
        ("not_kind_and_victim", "not kind:renew and victim"),
        ("nak_or_rogue", "outcome:nak or rogue"),
    ] {
        key(&mut model, KeyCode::Esc);
        key(&mut model, KeyCode::Char('/'));
        let (head, last) = text.split_at(text.len() - 1);
        for ch in head.chars() {
            key(&mut model, KeyCode::Char(ch));
        }
        let last = last.chars().next().expect("last char");
        group.bench_function(name, |b| {
            b.iter(|| {
                key(&mut model, KeyCode::Char(last));
                key(&mut model, KeyCode::Backspace);
            })
        });
        key(&mut model, KeyCode::Char(last));
        eprintln!("{name} {text:?}: {} clients match", model.order.len());
        key(&mut model, KeyCode::Enter);
    }
    group.finish();
    std::mem::forget(model);
}

criterion_group!(benches, bench);
criterion_main!(benches);
