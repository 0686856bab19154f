//! Active probes: crafted DHCP requests injected on an interface, replies judged.

use std::process::ExitCode;

#[derive(Debug, Clone, clap::Args)]
pub struct ProbeArgs {
    /// Interface to probe on.
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interface: String,
}

pub fn run(args: &ProbeArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("probe is not built yet")
}
