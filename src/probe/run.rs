//! `dhcpscope probe`: rounds, their output, and the status that becomes the exit code.

use super::link::Link;
use super::plan::{Format, Plan, ProbeConfig, Rounds};
use super::session::Session;
use super::verdict::{self, Status, Verdict};
use super::{Error, output};
use std::io::{self, Write};

/// Opens the link, gives privileges up and runs the rounds, writing to stdout. The status
/// is the worst round's; errors mean UNKNOWN ([`Status::Unknown`]).
pub fn run(config: &ProbeConfig) -> Result<Status, Error> {
    let mut session = Session::open(config.plan.clone(), config.savefile.clone())?;
    // Like every live command: a failed drop is a warning, the probe goes on.
    crate::privilege::drop_or_warn();
    crate::live::install_interrupt_handler();
    let stdout = io::stdout();
    run_rounds(
        &mut session,
        config.rounds,
        config.format,
        &mut stdout.lock(),
    )
}

/// Runs `rounds` on `session`, one output per round; the worst round decides the status.
pub fn run_rounds<L: Link>(
    session: &mut Session<L>,
    rounds: Rounds,
    format: Format,
    out: &mut impl Write,
) -> Result<Status, Error> {
    let mut statuses = Vec::new();
    for round in 1..=rounds.count {
        let log = session.run_round()?;
        let v = verdict::judge(&session.plan, &log);
        statuses.push(v.status);
        let detailed = rounds.count == 1;
        write_round(out, &session.plan, &v, round, format, detailed)?;
        out.flush()?;
        if round < rounds.count && !session.pause(rounds.interval)? {
            break;
        }
    }
    Ok(Status::worst(statuses))
}

/// One round's output: JSON, the full text, or (when monitoring) the status line alone.
fn write_round(
    out: &mut impl Write,
    plan: &Plan,
    v: &Verdict,
    round: u32,
    format: Format,
    detailed: bool,
) -> io::Result<()> {
    match format {
        Format::Json => {
            let line = output::to_json(plan, v, round).to_string();
            writeln!(out, "{line}")
        }
        Format::Text if detailed => output::write_text(out, plan, v),
        Format::Text => writeln!(out, "{}", v.status_line()),
    }
}
