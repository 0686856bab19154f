//! TUI speed on the generated 200 000-client capture (about 960 000 DHCP packets).
//!
//! `cargo bench --bench tui_render` (the capture is generated once into the target directory).
//! - `render/*`: one full redraw of a view on a `TestBackend`, from the loaded model. The
//!   clients screen with the list and the timeline is the busiest; the target is < 16 ms.
//! - `key_then_render`: what a key press costs: `update(Key)` then the redraw.
//! - `first_screen`: open the file, read and ingest the first batch, draw: the time until
//!   the first screen with data (target < 1 s; the real runtime draws an empty frame even
//!   before that).

use criterion::{Criterion, criterion_group, criterion_main};
use dhcpscope::analysis::Expectations;
use dhcpscope::source::FileSource;
use dhcpscope::tui::reader::{self, Control, ReadOptions};
use dhcpscope::tui::{Model, Msg, SourceKind, Speed, load_model, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

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

fn draw(t: &mut Terminal<TestBackend>, m: &Model) {
    t.draw(|f| view(m, f)).expect("draw");
}

/// The first screen with data: open, first batch, ingest, draw.
fn first_screen(path: &Path) -> Model {
    let mut source = FileSource::open(path).expect("open");
    let mut model = Model::new(
        path.display().to_string(),
        SourceKind::File,
        Expectations::default(),
        Speed::Load,
    );
    update(&mut model, Msg::Resize(120, 40));
    let opts = ReadOptions {
        file_size: std::fs::metadata(path).ok().map(|m| m.len()),
        ..ReadOptions::default()
    };
    let mut first = None;
    reader::read_batches(&mut source, &opts, &Control::default(), |b| {
        first = Some(b);
        false
    });
    update(&mut model, Msg::Packets(first.expect("a batch")));
    let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    draw(&mut t, &model);
    model
}

fn bench(c: &mut Criterion) {
    let path = capture();

    let start = Instant::now();
    let m = first_screen(&path);
    eprintln!(
        "first screen with data: {:.1} ms ({} clients shown)",
        start.elapsed().as_secs_f64() * 1000.0,
        m.analysis.clients.len()
    );
    let start = Instant::now();
    let mut model = load_model(&path, Expectations::default(), (200, 60)).expect("load");
    eprintln!(
        "whole load (read, analyse, findings): {:.2} s, {} clients, {} DHCP packets, {} findings",
        start.elapsed().as_secs_f64(),
        model.analysis.clients.len(),
        model.dhcp_read,
        model.analysis.findings.len()
    );
    assert!(model.analysis.clients.len() >= 190_000);

    let mut group = c.benchmark_group("render");
    group.sample_size(50);
    // Busiest: list + timeline of a client in the middle of a 200 000-client list, wide.
    for _ in 0..100_000 / 50 {
        key(&mut model, KeyCode::PageDown);
    }
    key(&mut model, KeyCode::Enter);
    for (w, h) in [(200u16, 60u16), (80, 24)] {
        update(&mut model, Msg::Resize(w, h));
        let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        group.bench_function(format!("clients_timeline_{w}x{h}"), |b| {
            b.iter(|| draw(&mut t, black_box(&model)))
        });
    }
    update(&mut model, Msg::Resize(200, 60));
    let mut t = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    key(&mut model, KeyCode::Char('3'));
    group.bench_function("findings_200x60", |b| {
        b.iter(|| draw(&mut t, black_box(&model)))
    });
    key(&mut model, KeyCode::Char('2'));
    group.bench_function("servers_200x60", |b| {
        b.iter(|| draw(&mut t, black_box(&model)))
    });
    key(&mut model, KeyCode::Char('1'));
    group.finish();

    let mut group = c.benchmark_group("interaction");
    group.sample_size(50);
    key(&mut model, KeyCode::Esc);
    let mut down = true;
    group.bench_function("key_then_render_200x60", |b| {
        b.iter(|| {
            key(&mut model, if down { KeyCode::Down } else { KeyCode::Up });
            down = !down;
            draw(&mut t, &model);
        })
    });
    group.sample_size(10);
    group.bench_function("sort_cycle_200k_clients", |b| {
        b.iter(|| key(&mut model, KeyCode::Char('s')))
    });
    group.bench_function("first_screen", |b| {
        b.iter(|| black_box(first_screen(&path)))
    });
    group.finish();
    std::mem::forget(model);
}

criterion_group!(benches, bench);
criterion_main!(benches);
