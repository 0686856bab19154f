//! Decode throughput on a generated capture of about 530 000 DHCP packets.
//!
//! `cargo bench --bench decode` (the capture is generated once into the target directory).
//! "decode_file" is the whole read path without output: pcap reader → frame decode → DHCP
//! decode (options walked, warnings checked). "dhcp_only" is the DHCP decoder on payloads
//! already in memory. "analyse_file" is `report` without output: the read path plus the
//! exchange tracker and findings.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dhcpscope::analysis::{Analysis, Expectations};
use dhcpscope::dhcp::Message;
use dhcpscope::pipeline::read_dhcp;
use dhcpscope::source::FileSource;
use std::hint::black_box;
use std::ops::ControlFlow;
use std::path::PathBuf;

const CLIENTS: u32 = 110_000;

fn capture() -> (PathBuf, u64) {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-{CLIENTS}.pcap"));
    if !path.exists() {
        let file = std::fs::File::create(&path).expect("create bench capture");
        dhcpscope::synth::write_capture(std::io::BufWriter::new(file), CLIENTS, 1)
            .expect("write bench capture");
    }
    let mut source = FileSource::open(&path).expect("open bench capture");
    let packets = read_dhcp(&mut source, |_| ControlFlow::Continue(())).dhcp_packets;
    assert!(
        packets >= 500_000,
        "bench capture has only {packets} DHCP packets"
    );
    (path, packets)
}

fn bench(c: &mut Criterion) {
    let (path, packets) = capture();
    let mut group = c.benchmark_group("decode");
    group.sample_size(10);
    group.throughput(Throughput::Elements(packets));
    group.bench_function("decode_file", |b| {
        b.iter(|| {
            let mut source = FileSource::open(&path).expect("open");
            let mut options = 0usize;
            let summary = read_dhcp(&mut source, |p| {
                options += p.dhcp.options.len() + p.dhcp.warnings.len();
                ControlFlow::Continue(())
            });
            black_box((summary.dhcp_packets, options))
        })
    });

    let mut payloads = Vec::new();
    let mut source = FileSource::open(&path).expect("open");
    read_dhcp(&mut source, |p| {
        payloads.push(p.payload.to_vec());
        ControlFlow::Continue(())
    });
    group.throughput(Throughput::Elements(payloads.len() as u64));
    group.bench_function("dhcp_only", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for p in &payloads {
                let m = Message::decode(p);
                n += m.options.len() + usize::from(m.message_type().is_some());
            }
            black_box(n)
        })
    });
    group.finish();

    let mut group = c.benchmark_group("report");
    group.sample_size(10);
    group.throughput(Throughput::Elements(packets));
    // The model is returned so its drop is not timed: `report` exits without freeing it.
    group.bench_function("analyse_file", |b| {
        b.iter_with_large_drop(|| {
            let mut source = FileSource::open(&path).expect("open");
            Analysis::run(&mut source, Expectations::default())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
