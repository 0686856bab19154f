//! Views that write to stdout: `decode` (text, JSON lines). Every string from the wire is
//! escaped before it is written.

pub mod decode;
pub mod decode_v6;
pub mod report;
pub mod report_v6;

use std::io;

/// True for the error a closed pipe gives (`dhcpscope decode … | head`): a clean exit.
pub fn is_broken_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}
