//! BPF capture filters (`-f`) applied to files: libpcap compiles the expression for the
//! frame's link type (`pcap_open_dead` + `pcap_compile`) and each frame is run through the
//! program (`pcap_offline_filter`), as `tcpdump -r FILE EXPR` does.

use crate::pipeline::ReadSource;
use crate::source::{FrameSource, RawFrame, SourceError, SourceWarning};
use pcap::{BpfProgram, Capture, Linktype};

/// Why a BPF expression cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("BPF filter {expr:?} does not compile for link type {linktype}: {reason}")]
pub struct BpfError {
    pub expr: String,
    pub linktype: u16,
    pub reason: String,
}

/// libpcap's DLT for a LINKTYPE_ value where they differ (raw IP: LINKTYPE 101, DLT 12).
fn dlt(linktype: u16) -> i32 {
    match linktype {
        101 => 12,
        l => i32::from(l),
    }
}

/// Compiles `expr` for one link type.
pub fn compile(expr: &str, linktype: u16) -> Result<BpfProgram, BpfError> {
    let fail = |reason: String| BpfError {
        expr: expr.to_owned(),
        linktype,
        reason,
    };
    let cap = Capture::dead(Linktype(dlt(linktype))).map_err(|e| fail(e.to_string()))?;
    cap.compile(expr, true).map_err(|e| fail(e.to_string()))
}

/// A source that passes on only the frames a BPF expression accepts. Frame numbers stay
/// those of the file. A link type the expression does not compile for ends the read with
/// the compiler's message (never a silent pass or drop).
pub struct BpfSource<S> {
    inner: S,
    expr: String,
    programs: Vec<(u16, BpfProgram)>,
    buf: Vec<u8>,
    /// Frames the filter dropped.
    pub rejected: u64,
}

impl<S> BpfSource<S> {
    /// Checks the expression (against Ethernet) so a typo fails before any reading.
    pub fn new(inner: S, expr: &str) -> Result<Self, BpfError> {
        let program = compile(expr, 1)?;
        Ok(BpfSource {
            inner,
            expr: expr.to_owned(),
            programs: vec![(1, program)],
            buf: Vec::new(),
            rejected: 0,
        })
    }

    pub fn into_inner(self) -> S {
        self.inner
    }
}

fn keep(
    programs: &mut Vec<(u16, BpfProgram)>,
    expr: &str,
    f: &RawFrame<'_>,
) -> Result<bool, SourceError> {
    let program = match programs.iter().position(|(l, _)| *l == f.linktype) {
        Some(i) => &programs[i].1,
        None => {
            let p = compile(expr, f.linktype)
                .map_err(|e| SourceError::Io(std::io::Error::other(e.to_string())))?;
            programs.push((f.linktype, p));
            &programs[programs.len() - 1].1
        }
    };
    Ok(program.filter(f.data))
}

impl<S: FrameSource> FrameSource for BpfSource<S> {
    fn next_frame(&mut self) -> Result<Option<RawFrame<'_>>, SourceError> {
        loop {
            let kept = match self.inner.next_frame()? {
                None => return Ok(None),
                Some(f) => {
                    if keep(&mut self.programs, &self.expr, &f)? {
                        // Copied out so the borrow of `inner` ends inside the loop.
                        self.buf.clear();
                        self.buf.extend_from_slice(f.data);
                        Some((f.number, f.ts, f.ts_digits, f.linktype, f.orig_len))
                    } else {
                        self.rejected += 1;
                        None
                    }
                }
            };
            if let Some((number, ts, ts_digits, linktype, orig_len)) = kept {
                return Ok(Some(RawFrame {
                    number,
                    ts,
                    ts_digits,
                    linktype,
                    orig_len,
                    data: &self.buf,
                }));
            }
        }
    }

    fn take_warnings(&mut self) -> Vec<SourceWarning> {
        self.inner.take_warnings()
    }
}

impl<S: ReadSource> ReadSource for BpfSource<S> {
    fn last_offset(&self) -> Option<u64> {
        self.inner.last_offset()
    }
}
