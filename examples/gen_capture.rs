//! Writes a synthetic DHCP capture for benchmarks and load tests.
//!
//! `cargo run --release --example gen_capture -- OUT.pcap [CLIENTS] [SEED]`
//! (200 000 clients give about 975 000 packets, 350 MB: the issue 8 workload that
//! `benches/e2e.sh` measures).

use std::fs::File;
use std::io::BufWriter;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: gen_capture OUT.pcap [CLIENTS] [SEED]");
        std::process::exit(2);
    };
    let clients = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let seed = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let result = File::create(&path)
        .and_then(|f| dhcpscope::synth::write_capture(BufWriter::new(f), clients, seed));
    match result {
        Ok(frames) => println!("{path}: {frames} frames, {clients} clients"),
        Err(e) => {
            eprintln!("gen_capture: {path}: {e}");
            std::process::exit(1);
        }
    }
}
