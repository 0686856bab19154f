//! Local time in the TUI: `TZ` is honoured and the header names the zone; `--utc` (the
//! default of models built without the runtime) keeps UTC. Its own test binary: the zone and
//! the display setting are process-wide.

use dhcpscope::analysis::Expectations;
use dhcpscope::tui::{load_model, set_utc, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::Path;

fn screen(m: &dhcpscope::tui::Model) -> String {
    let mut t = Terminal::new(TestBackend::new(120, 35)).unwrap();
    t.draw(|f| view(m, f)).unwrap();
    format!("{:?}", t.backend())
}

#[test]
fn tz_is_respected_and_the_zone_shown() {
    // SAFETY: set before any thread of this test binary reads the environment.
    unsafe { std::env::set_var("TZ", "Asia/Kolkata") };
    let m = load_model(
        Path::new("captures/lab-showcase.pcap"),
        Expectations::default(),
        (120, 35),
    )
    .unwrap();
    // The capture ends at 02:25:11 UTC (tshark), 07:55:11 in India (+05:30, no DST).
    let utc = screen(&m);
    assert!(utc.contains("02:25:11") && utc.contains("UTC"), "{utc}");
    set_utc(false);
    let local = screen(&m);
    assert!(
        local.contains("07:55:11") && local.contains("IST"),
        "{local}"
    );
    assert!(!local.contains("02:25:1"), "{local}");
    set_utc(true);
    assert!(screen(&m).contains("02:25:11"));
}
