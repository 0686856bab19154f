//! `--probe-every`: the probe's own rounds (`probe::Session`, the same crafting, pacing and
//! safety rules as `dhcpscope probe`) on a thread of their own, their verdicts as metrics.
//! The passive capture sees the probe's requests and the replies too, so they also reach the
//! model, as they would on a segment with a real client.

use super::metrics::{InterfaceLabels, Metrics, ProbeRunLabels};
use crate::analysis::Expectations;
use crate::probe::{Session, Status, verdict};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the probe thread shares with the analysis thread.
#[derive(Default)]
pub struct ProbeShared {
    /// New expectations after SIGHUP, taken before the next round.
    pub reload: Mutex<Option<Expectations>>,
    pub stop: AtomicBool,
}

/// Runs a round at once, then every `every`, until `shared.stop` or SIGINT/SIGTERM.
pub fn run(mut session: Session, every: Duration, metrics: Arc<Metrics>, shared: Arc<ProbeShared>) {
    let labels = InterfaceLabels {
        interface: session.plan.interface.clone(),
    };
    let stopped = || shared.stop.load(Ordering::Relaxed) || crate::live::interrupted();
    let mut next = Instant::now();
    while !stopped() {
        if Instant::now() < next {
            std::thread::sleep(Duration::from_millis(100).min(next - Instant::now()));
            continue;
        }
        next += every;
        if let Some(e) = shared.reload.lock().ok().and_then(|mut r| r.take()) {
            session.plan.expectations = e;
        }
        // Only what answers this round is judged.
        let _ = session.discard_pending(Duration::from_millis(200));
        let started = Instant::now();
        let status = match session.run_round() {
            Ok(log) => {
                let v = verdict::judge(&session.plan, &log);
                metrics
                    .probe_servers_answered
                    .get_or_create(&labels)
                    .set(i64::try_from(v.servers.len()).unwrap_or(i64::MAX));
                v.status
            }
            Err(e) => {
                eprintln!("dhcpscope: warning: probe on {}: {e}", labels.interface);
                Status::Unknown
            }
        };
        metrics
            .probe_duration
            .get_or_create(&labels)
            .set(started.elapsed().as_secs_f64());
        metrics
            .probe_success
            .get_or_create(&labels)
            .set(i64::from(status == Status::Ok));
        metrics
            .probe_last_run
            .get_or_create(&labels)
            .set(super::tracker::secs_f64(super::events::now()));
        metrics
            .probe_runs
            .get_or_create(&ProbeRunLabels {
                interface: labels.interface.clone(),
                status: status_label(status),
            })
            .inc();
    }
}

fn status_label(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::Warning => "warning",
        Status::Critical => "critical",
        Status::Unknown => "unknown",
    }
}
