//! Loads a capture headlessly and says where the time went: the TUI's full load (the same
//! reader thread, channel and `update` path as the interactive view, no terminal), or with
//! `--report` the `report` read (reader thread + analysis on this one, as `dhcpscope report`).
//!
//! `cargo run --release --example tui_load -- [--report] FILE` (peak RSS: `/usr/bin/time -v`).
//! Prints the wall time, the CPU time of this thread (the analysis: the critical path when
//! the reader runs on the other core) and of the whole process.

use dhcpscope::analysis::Analysis;
use dhcpscope::pipeline::{ReadControl, ReadOptions, read_threaded};
use dhcpscope::source::FileSource;
use std::ops::ControlFlow;

fn cpu_seconds(who: libc::c_int) -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut u) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

fn main() -> anyhow::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let report = args.first().is_some_and(|a| a == "--report");
    if report {
        args.remove(0);
    }
    let path = std::path::PathBuf::from(
        args.first()
            .ok_or_else(|| anyhow::anyhow!("usage: tui_load [--report] FILE"))?,
    );
    let start = std::time::Instant::now();
    let what = if report {
        let mut source = FileSource::open(&path)?;
        let mut analysis = Analysis::new(Default::default());
        let opts = ReadOptions {
            batch_interval: None,
            ..ReadOptions::default()
        };
        let summary = read_threaded(&mut source, &opts, &ReadControl::default(), |b| {
            for p in b.iter() {
                analysis.observe(&p);
            }
            ControlFlow::Continue(())
        });
        analysis.finish();
        let s = format!(
            "report read: {} frames, {} DHCP packets, {} clients, {} findings",
            summary.frames,
            summary.dhcp_packets,
            analysis.clients.len(),
            analysis.findings.len()
        );
        std::mem::forget(analysis);
        s
    } else {
        let model = dhcpscope::tui::load_model(&path, Default::default(), (120, 40))?;
        let s = format!(
            "TUI full load: {} frames, {} DHCP packets, {} clients, {} findings",
            model.frames_read,
            model.dhcp_read,
            model.analysis.clients.len(),
            model.analysis.findings.len()
        );
        std::mem::forget(model);
        s
    };
    println!(
        "{what}\n  wall {:.3} s, this thread's CPU {:.3} s, process CPU {:.3} s",
        start.elapsed().as_secs_f64(),
        cpu_seconds(libc::RUSAGE_THREAD),
        cpu_seconds(libc::RUSAGE_SELF)
    );
    Ok(())
}
