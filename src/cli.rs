//! Command-line interface (clap derive).

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "dhcpscope",
    version,
    about = "Decode DHCPv4 traffic into per-client DORA timelines and find rogue or misbehaving servers",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every DHCP packet of a capture, field by field (like `tshark -V`, DHCP only).
    Decode(DecodeArgs),
}

#[derive(Debug, clap::Args)]
pub struct DecodeArgs {
    /// pcap or pcapng file to read, `-` for standard input.
    #[arg(short = 'r', long = "read", value_name = "FILE")]
    pub read: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DecodeFormat::Text)]
    pub format: DecodeFormat,
    /// Stop after this many DHCP packets.
    #[arg(short = 'c', long, value_name = "COUNT")]
    pub count: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DecodeFormat {
    Text,
    Jsonl,
}
