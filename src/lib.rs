//! dhcpscope: DHCPv4 capture decoding, exchange tracking and diagnostics.
//!
//! Data flows one way: [`source`] (pcap/pcapng files, stdin) → [`frame`] (link, VLAN, IPv4, UDP)
//! → [`dhcp`] (our own tolerant codec) → views ([`output`]). [`live`] captures from and injects
//! on interfaces (libpcap); [`probe`] sends crafted requests and judges the servers that answer.

pub mod analysis;
pub mod bpf;
pub mod cli;
pub mod craft;
pub mod dhcp;
pub mod dhcpv6;
pub mod dissect;
pub mod escape;
pub mod export;
pub mod filter;
pub mod frame;
pub mod frame6;
pub mod leases;
pub mod live;
pub mod mac;
pub mod output;
pub mod pcap_writer;
pub mod pipeline;
pub mod privilege;
pub mod probe;
pub mod source;
pub mod synth;
pub mod time;
pub mod tui;
pub mod watch;
