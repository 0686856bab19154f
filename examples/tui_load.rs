//! Loads a capture into the TUI's model headlessly, through the same reader-thread path as the
//! interactive view (no terminal), and prints how long the full load took.
//!
//! `cargo run --release --example tui_load -- FILE` (measure peak RSS with `/usr/bin/time -v`).

fn main() -> anyhow::Result<()> {
    let path = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .ok_or_else(|| anyhow::anyhow!("usage: tui_load FILE"))?;
    let start = std::time::Instant::now();
    let model = dhcpscope::tui::load_model(&path, Default::default(), (120, 40))?;
    let elapsed = start.elapsed();
    println!(
        "full load: {:.3} s, {} frames, {} DHCP packets, {} clients, {} findings",
        elapsed.as_secs_f64(),
        model.frames_read,
        model.dhcp_read,
        model.analysis.clients.len(),
        model.analysis.findings.len()
    );
    std::mem::forget(model);
    Ok(())
}
