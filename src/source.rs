//! Capture sources: pcap and pcapng files or stdin, read with a pure-Rust reader.
//!
//! pcap-parser's streaming reader owns the buffer (`refill`/`consume`/`grow`) and parses the
//! pcapng section and interface blocks, whose options matter. Packet records have fixed
//! headers, so we frame them ourselves: that lets us tell a truncated file from a corrupt one
//! (with the byte offset of the bad record), bound lengths before allocating, and lend each
//! frame straight from the buffer without the per-packet option `Vec` pcap-parser builds.
//! Only one record is needed in the buffer at a time, and we read no further than that, so a
//! slow pipe (`tcpdump -U -w - | dhcpscope -`) shows each packet as soon as it is complete.

#![deny(clippy::indexing_slicing)]

use crate::time::Timestamp;
use pcap_parser::pcapng::{Block, OptionCode};
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{LegacyPcapReader, PcapBlockOwned, PcapError, PcapNGReader};
use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::Path;
use std::sync::{Arc, Mutex};

// The frame type and the link types live in the frame module (one list of what we decode);
// they are re-exported here, where sources produce them.
pub use crate::frame::{RawFrame, linktype};

/// Something odd about the file that did not stop the read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceWarning {
    /// pcapng defines only major version 1: such a section cannot be read, so it is skipped
    /// up to the next Section Header Block (tshark stops reading there).
    #[error(
        "pcapng section at byte offset {offset} has version {major}.{minor} (only 1.x is defined): skipped ({blocks} blocks after its header)"
    )]
    UnsupportedSection {
        offset: u64,
        major: u16,
        minor: u16,
        blocks: u64,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: {source}")]
    Open {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}: not a pcap or pcapng file")]
    UnknownFormat(String),
    #[error("read error: {0}")]
    Io(#[from] std::io::Error),
    /// The file ends inside a record: every frame before it was delivered.
    #[error("capture truncated after frame {after_frame} at byte offset {offset}: {detail}")]
    Truncated {
        after_frame: u64,
        offset: u64,
        detail: String,
    },
    #[error("corrupt capture after frame {after_frame} at byte offset {offset}: {detail}")]
    Corrupt {
        after_frame: u64,
        offset: u64,
        detail: String,
    },
}

/// First buffer size; plenty for any usual frame.
const INITIAL_BUFFER: usize = 64 * 1024;
/// The buffer grows for larger records up to this; a longer pcapng block is corrupt.
const MAX_BUFFER: usize = 16 * 1024 * 1024;
/// Largest captured length we accept (libpcap's and Wireshark's maximum snaplen).
const MAX_CAPLEN: u32 = 256 * 1024;

const PCAP_HEADER_LEN: usize = 24;
const PCAP_RECORD_HEADER_LEN: usize = 16;

const SHB_TYPE: u32 = 0x0A0D_0D0A;
const IDB_TYPE: u32 = 0x0000_0001;
/// The obsolete Packet Block: still written by old tools, and it holds a frame.
const PB_TYPE: u32 = 0x0000_0002;
const SPB_TYPE: u32 = 0x0000_0003;
const EPB_TYPE: u32 = 0x0000_0006;
/// Blocks that hold no packet but that Wireshark (4.0) numbers as frames: Custom Blocks
/// (copyable and not), systemd journal entries and Sysdig events. Counting them keeps our
/// frame numbers equal to Wireshark's; they are lent as `linktype::NON_PACKET` frames.
const NUMBERED_NON_PACKET_TYPES: [u32; 6] = [
    0x0000_0BAD,
    0x4000_0BAD,
    0x0000_0009,
    0x0000_0204,
    0x0000_0216,
    0x0000_0221,
];
/// Section Header Block: type, length, byte-order magic, major and minor version.
const SHB_VERSION_AT: usize = 12;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
/// Smallest possible pcapng block: type, length, trailing length.
const MIN_BLOCK_LEN: usize = 12;
/// Type, length, interface, timestamp (2), captured length, original length (EPB and PB).
const PACKET_BLOCK_HEADER_LEN: usize = 28;
/// Type, length, original length (SPB).
const SIMPLE_BLOCK_HEADER_LEN: usize = 12;

const PCAP_MAGIC_MICROS: u32 = 0xA1B2_C3D4;
const PCAP_MAGIC_NANOS: u32 = 0xA1B2_3C4D;

#[derive(Debug)]
enum Format {
    Pcap {
        big_endian: bool,
        nanos: bool,
        linktype: u16,
    },
    PcapNg {
        /// Byte order of the current section.
        big_endian: bool,
        /// Interfaces of the current section, by id.
        interfaces: Vec<Interface>,
        /// The current section has a version we cannot read: its blocks are skipped.
        skipping: bool,
    },
}

#[derive(Debug, Clone, Copy)]
struct Interface {
    linktype: u16,
    snaplen: u32,
    resolution: Resolution,
    /// `if_tsoffset`: seconds added to every timestamp.
    ts_offset: i64,
}

/// Timestamp units of a pcapng interface (`if_tsresol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Resolution {
    ticks_per_sec: u64,
    digits: u8,
}

impl Resolution {
    const MICROS: Resolution = Resolution {
        ticks_per_sec: 1_000_000,
        digits: 6,
    };

    /// Decodes `if_tsresol`: 10^-k, or 2^-k when the top bit is set. 2^-k is exactly k
    /// decimal places (1/256 s = 0.00390625 s), so binary units keep k digits, capped at 9
    /// (nanoseconds, computed exactly from the ticks).
    fn from_tsresol(tsresol: u8) -> Resolution {
        let exponent = u32::from(tsresol & 0x7F);
        if tsresol & 0x80 == 0 {
            match 10u64.checked_pow(exponent) {
                Some(ticks_per_sec) => Resolution {
                    ticks_per_sec,
                    digits: exponent.min(9) as u8,
                },
                None => Resolution::MICROS,
            }
        } else {
            match 1u64.checked_shl(exponent) {
                Some(ticks_per_sec) if exponent < 64 => Resolution {
                    ticks_per_sec,
                    digits: exponent.min(9) as u8,
                },
                _ => Resolution::MICROS,
            }
        }
    }

    fn timestamp(self, ticks: u64, offset_secs: i64) -> Timestamp {
        let secs = i64::try_from(ticks / self.ticks_per_sec).unwrap_or(i64::MAX);
        let fraction = u128::from(ticks % self.ticks_per_sec);
        // < 10^9 because fraction < ticks_per_sec.
        let nanos = (fraction * 1_000_000_000 / u128::from(self.ticks_per_sec)) as u32;
        Timestamp::new(secs.saturating_add(offset_secs), nanos)
    }
}

/// Where the frame of a packet record lies in the buffer, and what we know about it.
struct FrameMeta {
    ts: Timestamp,
    ts_digits: u8,
    linktype: u16,
    orig_len: u32,
    start: usize,
    len: usize,
    record_len: usize,
}

/// Reads frames from a pcap or pcapng file or stream.
pub struct FileSource {
    reader: Box<dyn PcapReaderIterator + Send>,
    format: Format,
    /// Size of the reader's buffer (pcap-parser does not expose it).
    capacity: usize,
    /// Length of the record lent by the last call, consumed at the start of the next one.
    pending_consume: usize,
    /// Packet records delivered so far.
    frames: u64,
    /// Byte offset in the stream of the data of the frame last returned.
    frame_offset: u64,
    finished: bool,
    /// The io error behind pcap-parser's opaque `ReadError`.
    read_error: Arc<Mutex<Option<io::Error>>>,
    /// What was odd but did not stop the read, oldest first.
    warnings: Vec<SourceWarning>,
}

/// Anything that lends frames one at a time: files, stdin, live interfaces.
pub trait FrameSource {
    /// The next frame; `Ok(None)` when the source has ended.
    fn next_frame(&mut self) -> Result<Option<RawFrame<'_>>, SourceError>;

    /// Warnings gathered so far (each returned once).
    fn take_warnings(&mut self) -> Vec<SourceWarning> {
        Vec::new()
    }
}

impl FrameSource for FileSource {
    fn next_frame(&mut self) -> Result<Option<RawFrame<'_>>, SourceError> {
        FileSource::next_frame(self)
    }

    fn take_warnings(&mut self) -> Vec<SourceWarning> {
        std::mem::take(&mut self.warnings)
    }
}

impl FileSource {
    /// Opens a file, or standard input when `path` is `-`.
    pub fn open(path: &Path) -> Result<Self, SourceError> {
        if path == Path::new("-") {
            return Self::from_reader("<stdin>", io::stdin());
        }
        let name = path.display().to_string();
        match File::open(path) {
            Ok(file) => Self::from_reader(&name, file),
            Err(source) => Err(SourceError::Open { path: name, source }),
        }
    }

    /// Reads a capture from any byte stream; `name` is used in error messages.
    pub fn from_reader(
        name: &str,
        mut input: impl Read + Send + 'static,
    ) -> Result<Self, SourceError> {
        let open_error = |source| SourceError::Open {
            path: name.to_owned(),
            source,
        };
        let mut prefix = Vec::with_capacity(PCAP_HEADER_LEN);
        read_at_least(&mut input, &mut prefix, 4).map_err(open_error)?;
        let header_truncated = |needed: usize, have: usize| SourceError::Truncated {
            after_frame: 0,
            offset: 0,
            detail: format!("file header is {needed} bytes, only {have} present"),
        };
        let header_corrupt = |detail: String| SourceError::Corrupt {
            after_frame: 0,
            offset: 0,
            detail,
        };

        let magic = read_u32(&prefix, 0, false);
        let is_pcapng = magic == Some(SHB_TYPE);
        let is_pcap = magic.is_some_and(|m| {
            [PCAP_MAGIC_MICROS, PCAP_MAGIC_NANOS].contains(&m)
                || [PCAP_MAGIC_MICROS, PCAP_MAGIC_NANOS].contains(&m.swap_bytes())
        });
        if is_pcap {
            read_at_least(&mut input, &mut prefix, PCAP_HEADER_LEN).map_err(open_error)?;
            if prefix.len() < PCAP_HEADER_LEN {
                return Err(header_truncated(PCAP_HEADER_LEN, prefix.len()));
            }
        } else if is_pcapng {
            // pcap-parser checks the whole section header from its first read: buffer it all.
            read_at_least(&mut input, &mut prefix, MIN_BLOCK_LEN).map_err(open_error)?;
            let big_endian = match read_u32(&prefix, 8, false) {
                Some(BYTE_ORDER_MAGIC) => false,
                Some(m) if m.swap_bytes() == BYTE_ORDER_MAGIC => true,
                Some(m) => {
                    return Err(header_corrupt(format!(
                        "section header has an invalid byte-order magic {m:#010x}"
                    )));
                }
                None => return Err(header_truncated(MIN_BLOCK_LEN, prefix.len())),
            };
            let block_len = read_u32(&prefix, 4, big_endian).unwrap_or(0);
            if let Some(detail) = check_block_len(block_len) {
                return Err(header_corrupt(detail));
            }
            let block_len = block_len as usize;
            read_at_least(&mut input, &mut prefix, block_len).map_err(open_error)?;
            if prefix.len() < block_len {
                return Err(header_truncated(block_len, prefix.len()));
            }
        } else {
            return Err(SourceError::UnknownFormat(name.to_owned()));
        }

        // The buffer must hold the whole prefix: pcap-parser parses the header from one read.
        let capacity = INITIAL_BUFFER.max(prefix.len().next_power_of_two());
        let read_error = Arc::new(Mutex::new(None));
        let stream = ErrorKeepingReader {
            inner: Cursor::new(prefix).chain(input),
            error: Arc::clone(&read_error),
        };
        let not_recognized = |e: PcapError<&[u8]>| header_corrupt(describe(&e));
        let (reader, format): (Box<dyn PcapReaderIterator + Send>, Format) = if is_pcapng {
            let reader = PcapNGReader::new(capacity, stream).map_err(not_recognized)?;
            let format = Format::PcapNg {
                big_endian: false,
                interfaces: Vec::new(),
                skipping: false,
            };
            (Box::new(reader), format)
        } else {
            let mut reader = LegacyPcapReader::new(capacity, stream).map_err(not_recognized)?;
            let format = match reader.next() {
                Ok((_, PcapBlockOwned::LegacyHeader(header))) => Format::Pcap {
                    big_endian: header.is_bigendian(),
                    nanos: header.is_nanosecond_precision(),
                    // The upper 16 bits carry FCS information, not the link type.
                    linktype: linktype::from_dlt(i64::from(header.network.0 & 0xFFFF)),
                },
                Ok(_) => return Err(header_corrupt("no pcap file header".to_owned())),
                Err(e) => return Err(not_recognized(e)),
            };
            reader.consume(PCAP_HEADER_LEN);
            (Box::new(reader), format)
        };
        Ok(FileSource {
            reader,
            format,
            capacity,
            pending_consume: 0,
            frames: 0,
            frame_offset: 0,
            finished: false,
            read_error,
            warnings: Vec::new(),
        })
    }

    /// The next frame, `Ok(None)` at a clean end. After an `Err` (truncated or corrupt
    /// file), later calls return `Ok(None)`.
    pub fn next_frame(&mut self) -> Result<Option<RawFrame<'_>>, SourceError> {
        if self.finished {
            return Ok(None);
        }
        if self.pending_consume > 0 {
            self.reader.consume(self.pending_consume);
            self.pending_consume = 0;
        }
        let result = match self.format {
            Format::Pcap {
                big_endian,
                nanos,
                linktype,
            } => self.next_pcap_record(big_endian, nanos, linktype),
            Format::PcapNg { .. } => self.next_pcapng_packet(),
        };
        let meta = match result {
            Ok(Some(meta)) => meta,
            Ok(None) => {
                self.finished = true;
                return Ok(None);
            }
            Err(e) => {
                self.finished = true;
                return Err(e);
            }
        };
        let Some(data) = self.reader.data().get(meta.start..meta.start + meta.len) else {
            // Unreachable: the record was checked to be buffered.
            self.finished = true;
            return Err(self.corrupt("record extends past the buffered data".to_owned()));
        };
        self.frames += 1;
        self.frame_offset = self.offset() + meta.start as u64;
        self.pending_consume = meta.record_len;
        Ok(Some(RawFrame {
            number: self.frames,
            ts: meta.ts,
            ts_digits: meta.ts_digits,
            linktype: meta.linktype,
            orig_len: meta.orig_len,
            data,
        }))
    }

    /// Byte offset from the start of the file (or stream) of the data of the frame last
    /// returned: reading `data.len()` bytes there gives the frame again, so a view can show
    /// one packet without keeping them all.
    pub fn frame_offset(&self) -> u64 {
        self.frame_offset
    }

    fn next_pcap_record(
        &mut self,
        big_endian: bool,
        nanos: bool,
        linktype: u16,
    ) -> Result<Option<FrameMeta>, SourceError> {
        if !self.ensure_buffered(PCAP_RECORD_HEADER_LEN)? {
            let have = self.reader.data().len();
            if have == 0 {
                return Ok(None);
            }
            return Err(self.truncated(format!(
                "record header is {PCAP_RECORD_HEADER_LEN} bytes, only {have} remain"
            )));
        }
        let header = self.reader.data();
        let field = |at| read_u32(header, at, big_endian).unwrap_or(0);
        let (ts_sec, ts_frac, caplen, orig_len) = (field(0), field(4), field(8), field(12));
        if caplen > MAX_CAPLEN {
            return Err(self.corrupt(format!(
                "record header says {caplen} captured bytes, more than the {MAX_CAPLEN} maximum"
            )));
        }
        let record_len = PCAP_RECORD_HEADER_LEN + caplen as usize;
        if !self.ensure_buffered(record_len)? {
            let remain = self.reader.data().len() - PCAP_RECORD_HEADER_LEN;
            return Err(self.truncated(format!(
                "record header says {caplen} captured bytes, only {remain} remain"
            )));
        }
        // Normalise an out-of-range fraction instead of rejecting the frame.
        let (unit, ts_digits) = if nanos { (1, 9) } else { (1_000, 6) };
        let frac_nanos = u64::from(ts_frac) * unit;
        let ts = Timestamp::new(
            i64::from(ts_sec) + (frac_nanos / 1_000_000_000) as i64,
            (frac_nanos % 1_000_000_000) as u32,
        );
        Ok(Some(FrameMeta {
            ts,
            ts_digits,
            linktype,
            orig_len,
            start: PCAP_RECORD_HEADER_LEN,
            len: caplen as usize,
            record_len,
        }))
    }

    /// Walks pcapng blocks until one that holds a packet.
    fn next_pcapng_packet(&mut self) -> Result<Option<FrameMeta>, SourceError> {
        loop {
            if !self.ensure_buffered(8)? {
                let have = self.reader.data().len();
                if have == 0 {
                    return Ok(None);
                }
                return Err(self.truncated(format!("block header is 8 bytes, only {have} remain")));
            }
            let block_type = read_u32(self.reader.data(), 0, false).unwrap_or(0);
            let big_endian = if block_type == SHB_TYPE {
                // A new section may switch byte order: its header tells which.
                if !self.ensure_buffered(MIN_BLOCK_LEN)? {
                    let have = self.reader.data().len();
                    return Err(self.truncated(format!(
                        "section header is at least {MIN_BLOCK_LEN} bytes, only {have} remain"
                    )));
                }
                match read_u32(self.reader.data(), 8, false) {
                    Some(BYTE_ORDER_MAGIC) => false,
                    Some(m) if m.swap_bytes() == BYTE_ORDER_MAGIC => true,
                    m => {
                        return Err(self.corrupt(format!(
                            "section header has an invalid byte-order magic {:#010x}",
                            m.unwrap_or(0)
                        )));
                    }
                }
            } else {
                self.section_big_endian()
            };
            let block_type = if big_endian {
                block_type.swap_bytes()
            } else {
                block_type
            };
            let block_len = read_u32(self.reader.data(), 4, big_endian).unwrap_or(0);
            if let Some(detail) = check_block_len(block_len) {
                return Err(self.corrupt(detail));
            }
            let block_len = block_len as usize;
            if !self.ensure_buffered(block_len)? {
                let have = self.reader.data().len();
                return Err(self.truncated(format!(
                    "block header says {block_len} bytes, only {have} remain"
                )));
            }
            let trailer = read_u32(self.reader.data(), block_len - 4, big_endian).unwrap_or(0);
            if trailer as usize != block_len {
                return Err(self.corrupt(format!(
                    "block length {block_len} does not match its trailing copy {trailer}"
                )));
            }
            if block_type == SHB_TYPE {
                let version = |at| read_u16(self.reader.data(), at, big_endian).unwrap_or(0);
                let (major, minor) = (version(SHB_VERSION_AT), version(SHB_VERSION_AT + 2));
                if major != 1 {
                    self.skip_section(big_endian, major, minor, block_len);
                    continue;
                }
            } else if self.skipping_section() {
                if let Some(SourceWarning::UnsupportedSection { blocks, .. }) =
                    self.warnings.last_mut()
                {
                    *blocks += 1;
                }
                self.reader.consume(block_len);
                continue;
            }
            match block_type {
                SHB_TYPE | IDB_TYPE => self.parse_header_block(block_len)?,
                EPB_TYPE | PB_TYPE => {
                    return self
                        .packet_block(block_type, block_len, big_endian)
                        .map(Some);
                }
                SPB_TYPE => return self.simple_packet_block(block_len, big_endian).map(Some),
                t if NUMBERED_NON_PACKET_TYPES.contains(&t) => {
                    return Ok(Some(non_packet_block(t, block_len)));
                }
                // Statistics, name resolution, secrets…: nothing for us, and no frame number.
                _ => self.reader.consume(block_len),
            }
        }
    }

    /// Lets pcap-parser parse a section header or interface description (it tracks the
    /// section byte order itself, so every SHB must go through it).
    fn parse_header_block(&mut self, block_len: usize) -> Result<(), SourceError> {
        let big_endian = self.section_big_endian();
        let parsed = match self.reader.next() {
            Ok((len, PcapBlockOwned::NG(Block::SectionHeader(shb)))) if len == block_len => {
                Ok(Parsed::Section {
                    big_endian: shb.big_endian(),
                })
            }
            Ok((len, PcapBlockOwned::NG(Block::InterfaceDescription(idb)))) if len == block_len => {
                // pcap-parser reads if_tsoffset little-endian only: decode it ourselves.
                let ts_offset = idb
                    .options
                    .iter()
                    .find(|o| o.code == OptionCode::IfTsoffset)
                    .and_then(|o| read_u64(o.value(), big_endian))
                    .map_or(0, |v| v as i64);
                Ok(Parsed::Interface(Interface {
                    linktype: linktype::from_dlt(i64::from(idb.linktype.0 as u16)),
                    snaplen: idb.snaplen,
                    resolution: Resolution::from_tsresol(idb.if_tsresol),
                    ts_offset,
                }))
            }
            Ok(_) => Err("unexpected block length".to_owned()),
            Err(e) => Err(describe(&e)),
        };
        match parsed {
            Ok(Parsed::Section { big_endian }) => {
                self.format = Format::PcapNg {
                    big_endian,
                    interfaces: Vec::new(),
                    skipping: false,
                };
            }
            Ok(Parsed::Interface(interface)) => {
                if let Format::PcapNg { interfaces, .. } = &mut self.format {
                    interfaces.push(interface);
                }
            }
            Err(detail) => return Err(self.corrupt(format!("malformed header block: {detail}"))),
        }
        self.reader.consume(block_len);
        Ok(())
    }

    /// Enhanced Packet Block, or the obsolete Packet Block (same layout, 16-bit interface id).
    fn packet_block(
        &self,
        block_type: u32,
        block_len: usize,
        big_endian: bool,
    ) -> Result<FrameMeta, SourceError> {
        let data = self.reader.data();
        let field = |at| read_u32(data, at, big_endian).unwrap_or(0);
        let interface_id = if block_type == EPB_TYPE {
            field(8)
        } else {
            u32::from(read_u16(data, 8, big_endian).unwrap_or(0))
        };
        let ticks = u64::from(field(12)) << 32 | u64::from(field(16));
        let (caplen, orig_len) = (field(20), field(24));
        let room = block_len.saturating_sub(PACKET_BLOCK_HEADER_LEN + 4);
        if block_len < PACKET_BLOCK_HEADER_LEN + 4 || caplen as usize > room {
            return Err(self.corrupt(format!(
                "packet block says {caplen} captured bytes but has room for {room}"
            )));
        }
        if caplen > MAX_CAPLEN {
            return Err(self.corrupt(format!(
                "packet block says {caplen} captured bytes, more than the {MAX_CAPLEN} maximum"
            )));
        }
        let interface = self.interface(interface_id)?;
        Ok(FrameMeta {
            ts: interface.resolution.timestamp(ticks, interface.ts_offset),
            ts_digits: interface.resolution.digits,
            linktype: interface.linktype,
            orig_len,
            start: PACKET_BLOCK_HEADER_LEN,
            len: caplen as usize,
            record_len: block_len,
        })
    }

    /// Simple Packet Block: interface 0, no timestamp; the captured length is implied.
    fn simple_packet_block(
        &self,
        block_len: usize,
        big_endian: bool,
    ) -> Result<FrameMeta, SourceError> {
        if block_len < SIMPLE_BLOCK_HEADER_LEN + 4 {
            return Err(self.corrupt(format!("simple packet block of only {block_len} bytes")));
        }
        let orig_len = read_u32(self.reader.data(), 8, big_endian).unwrap_or(0);
        let interface = self.interface(0)?;
        let room = block_len - SIMPLE_BLOCK_HEADER_LEN - 4;
        let mut caplen = room.min(orig_len as usize);
        if interface.snaplen != 0 {
            caplen = caplen.min(interface.snaplen as usize);
        }
        Ok(FrameMeta {
            // The block has no timestamp field: the time is unknown, not the epoch.
            ts: Timestamp::UNKNOWN,
            ts_digits: interface.resolution.digits,
            linktype: interface.linktype,
            orig_len,
            start: SIMPLE_BLOCK_HEADER_LEN,
            len: caplen,
            record_len: block_len,
        })
    }

    fn interface(&self, id: u32) -> Result<Interface, SourceError> {
        let found = match &self.format {
            Format::PcapNg { interfaces, .. } => interfaces.get(id as usize).copied(),
            Format::Pcap { .. } => None,
        };
        found.ok_or_else(|| {
            let declared = match &self.format {
                Format::PcapNg { interfaces, .. } => interfaces.len(),
                Format::Pcap { .. } => 0,
            };
            self.corrupt(format!(
                "packet refers to interface {id}, but the section declares {declared}"
            ))
        })
    }

    /// Starts skipping a section whose version we cannot read (pcapng: readers must not
    /// interpret it), up to the next Section Header Block; its interfaces are forgotten.
    fn skip_section(&mut self, big_endian: bool, major: u16, minor: u16, block_len: usize) {
        self.warnings.push(SourceWarning::UnsupportedSection {
            offset: self.offset(),
            major,
            minor,
            blocks: 0,
        });
        self.format = Format::PcapNg {
            big_endian,
            interfaces: Vec::new(),
            skipping: true,
        };
        self.reader.consume(block_len);
    }

    fn skipping_section(&self) -> bool {
        matches!(self.format, Format::PcapNg { skipping: true, .. })
    }

    fn section_big_endian(&self) -> bool {
        matches!(
            self.format,
            Format::PcapNg {
                big_endian: true,
                ..
            }
        )
    }

    /// Reads until `need` bytes of the current record are buffered, growing the buffer when
    /// the record is larger than it (callers bound `need` by `MAX_BUFFER`). `Ok(false)` when
    /// the input ends first. Each refill is one `read`, which on a pipe returns what has
    /// arrived: we never wait for more than the current record.
    fn ensure_buffered(&mut self, need: usize) -> Result<bool, SourceError> {
        if self.reader.data().len() >= need {
            return Ok(true);
        }
        if need > self.capacity {
            let new_capacity = need.next_power_of_two().min(MAX_BUFFER).max(need);
            self.reader.grow(new_capacity);
            self.capacity = new_capacity;
        }
        while self.reader.data().len() < need {
            if self.reader.reader_exhausted() {
                return Ok(false);
            }
            if self.reader.refill().is_err() {
                let error = self.read_error.lock().ok().and_then(|mut slot| slot.take());
                return Err(SourceError::Io(
                    error.unwrap_or_else(|| io::Error::other("read failed")),
                ));
            }
        }
        Ok(true)
    }

    /// Byte offset of the current record in the file.
    fn offset(&self) -> u64 {
        self.reader.consumed() as u64
    }

    fn truncated(&self, detail: String) -> SourceError {
        SourceError::Truncated {
            after_frame: self.frames,
            offset: self.offset(),
            detail,
        }
    }

    fn corrupt(&self, detail: String) -> SourceError {
        SourceError::Corrupt {
            after_frame: self.frames,
            offset: self.offset(),
            detail,
        }
    }
}

enum Parsed {
    Section { big_endian: bool },
    Interface(Interface),
}

/// A block Wireshark numbers as a frame although it holds no packet: lent as a frame of
/// the pseudo link type `NON_PACKET` with an unknown time. Its data is the block body (for
/// Custom Blocks, after the Private Enterprise Number, as Wireshark shows it).
fn non_packet_block(block_type: u32, block_len: usize) -> FrameMeta {
    let is_custom = block_type & 0x0FFF_FFFF == 0x0BAD;
    let start = if is_custom && block_len >= MIN_BLOCK_LEN + 4 {
        8 + 4
    } else {
        8
    };
    let len = block_len - 4 - start;
    FrameMeta {
        ts: Timestamp::UNKNOWN,
        ts_digits: 0,
        linktype: linktype::NON_PACKET,
        orig_len: len as u32,
        start,
        len,
        record_len: block_len,
    }
}

fn check_block_len(len: u32) -> Option<String> {
    if (len as usize) < MIN_BLOCK_LEN {
        Some(format!(
            "block length {len} is less than the {MIN_BLOCK_LEN}-byte minimum"
        ))
    } else if !len.is_multiple_of(4) {
        Some(format!("block length {len} is not a multiple of 4"))
    } else if len as usize > MAX_BUFFER {
        Some(format!(
            "block length {len} exceeds the {MAX_BUFFER}-byte limit"
        ))
    } else {
        None
    }
}

/// A pcap-parser error without the input bytes its `Display` would dump.
fn describe(error: &PcapError<&[u8]>) -> String {
    match error {
        PcapError::NomError(_, kind) | PcapError::OwnedNomError(_, kind) => {
            format!("parser error ({kind:?})")
        }
        other => other.to_string(),
    }
}

fn read_u16(bytes: &[u8], at: usize, big_endian: bool) -> Option<u16> {
    let raw: [u8; 2] = bytes.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(if big_endian {
        u16::from_be_bytes(raw)
    } else {
        u16::from_le_bytes(raw)
    })
}

fn read_u32(bytes: &[u8], at: usize, big_endian: bool) -> Option<u32> {
    let raw: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if big_endian {
        u32::from_be_bytes(raw)
    } else {
        u32::from_le_bytes(raw)
    })
}

fn read_u64(bytes: &[u8], big_endian: bool) -> Option<u64> {
    let raw: [u8; 8] = bytes.get(..8)?.try_into().ok()?;
    Some(if big_endian {
        u64::from_be_bytes(raw)
    } else {
        u64::from_le_bytes(raw)
    })
}

/// Reads until `buf` holds at least `want` bytes or the input ends.
fn read_at_least(input: &mut impl Read, buf: &mut Vec<u8>, want: usize) -> io::Result<()> {
    if buf.len() >= want {
        return Ok(());
    }
    let needed = (want - buf.len()) as u64;
    input.by_ref().take(needed).read_to_end(buf)?;
    Ok(())
}

/// Keeps the io error that pcap-parser turns into an opaque `ReadError`, and retries EINTR.
struct ErrorKeepingReader<R> {
    inner: R,
    error: Arc<Mutex<Option<io::Error>>>,
}

impl<R: Read> Read for ErrorKeepingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.inner.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let kind = e.kind();
                    if let Ok(mut slot) = self.error.lock() {
                        *slot = Some(e);
                    }
                    return Err(kind.into());
                }
                ok => return ok,
            }
        }
    }
}

/// A capture of the shared public corpus (`../shared/captures/public` beside the project),
/// for unit tests. When the folder is missing the test is skipped with a note, except in CI
/// (env `CI` set), where that is a failure.
#[cfg(test)]
pub(crate) fn shared_public_capture(name: &str) -> Option<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/captures/public");
    if !dir.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing (CI is set)",
            dir.display()
        );
        println!("skipped: {} is missing", dir.display());
        return None;
    }
    let path = dir.join(name);
    assert!(path.exists(), "{} is missing", path.display());
    Some(path)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    // ----- writers for test captures -----

    fn put_u16(out: &mut Vec<u8>, value: u16, big_endian: bool) {
        out.extend(if big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        });
    }

    fn put_u32(out: &mut Vec<u8>, value: u32, big_endian: bool) {
        out.extend(if big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        });
    }

    fn pcap_header(big_endian: bool, nanos: bool, linktype: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let magic = if nanos {
            PCAP_MAGIC_NANOS
        } else {
            PCAP_MAGIC_MICROS
        };
        put_u32(&mut out, magic, big_endian);
        put_u16(&mut out, 2, big_endian);
        put_u16(&mut out, 4, big_endian);
        put_u32(&mut out, 0, big_endian); // thiszone
        put_u32(&mut out, 0, big_endian); // sigfigs
        put_u32(&mut out, 262_144, big_endian);
        put_u32(&mut out, linktype, big_endian);
        out
    }

    fn pcap_record(big_endian: bool, secs: u32, frac: u32, data: &[u8], orig_len: u32) -> Vec<u8> {
        let mut out = Vec::new();
        put_u32(&mut out, secs, big_endian);
        put_u32(&mut out, frac, big_endian);
        put_u32(&mut out, data.len() as u32, big_endian);
        put_u32(&mut out, orig_len, big_endian);
        out.extend_from_slice(data);
        out
    }

    /// Builds a pcapng stream block by block.
    struct PcapNg {
        big_endian: bool,
        bytes: Vec<u8>,
    }

    impl PcapNg {
        fn new(big_endian: bool) -> Self {
            let mut ng = PcapNg {
                big_endian,
                bytes: Vec::new(),
            };
            ng.section(big_endian);
            ng
        }

        fn section(&mut self, big_endian: bool) {
            self.section_version(big_endian, 1, 0);
        }

        fn section_version(&mut self, big_endian: bool, major: u16, minor: u16) {
            self.big_endian = big_endian;
            let mut body = Vec::new();
            put_u32(&mut body, BYTE_ORDER_MAGIC, big_endian);
            put_u16(&mut body, major, big_endian);
            put_u16(&mut body, minor, big_endian);
            body.extend(if big_endian {
                (-1i64).to_be_bytes()
            } else {
                (-1i64).to_le_bytes()
            });
            self.block(SHB_TYPE, &body);
        }

        fn block(&mut self, block_type: u32, body: &[u8]) {
            let mut padded = body.to_vec();
            padded.resize(body.len().div_ceil(4) * 4, 0);
            let len = (padded.len() + 12) as u32;
            let be = self.big_endian;
            put_u32(&mut self.bytes, block_type, be);
            put_u32(&mut self.bytes, len, be);
            self.bytes.extend(padded);
            put_u32(&mut self.bytes, len, be);
        }

        fn options(&self, options: &[(u16, &[u8])]) -> Vec<u8> {
            let mut out = Vec::new();
            for (code, value) in options {
                put_u16(&mut out, *code, self.big_endian);
                put_u16(&mut out, value.len() as u16, self.big_endian);
                out.extend_from_slice(value);
                out.resize(out.len().div_ceil(4) * 4, 0);
            }
            if !options.is_empty() {
                out.extend([0; 4]); // opt_endofopt
            }
            out
        }

        fn interface(&mut self, linktype: u16, snaplen: u32, options: &[(u16, &[u8])]) {
            let mut body = Vec::new();
            put_u16(&mut body, linktype, self.big_endian);
            put_u16(&mut body, 0, self.big_endian);
            put_u32(&mut body, snaplen, self.big_endian);
            body.extend(self.options(options));
            self.block(IDB_TYPE, &body);
        }

        fn packet_body(&self, interface: u32, ticks: u64, data: &[u8], orig_len: u32) -> Vec<u8> {
            let mut body = Vec::new();
            put_u32(&mut body, interface, self.big_endian);
            put_u32(&mut body, (ticks >> 32) as u32, self.big_endian);
            put_u32(&mut body, ticks as u32, self.big_endian);
            put_u32(&mut body, data.len() as u32, self.big_endian);
            put_u32(&mut body, orig_len, self.big_endian);
            body.extend_from_slice(data);
            body
        }

        fn enhanced(&mut self, interface: u32, ticks: u64, data: &[u8], orig_len: u32) {
            let mut body = self.packet_body(interface, ticks, data, orig_len);
            // An epb_flags option, which pcap-parser would collect into a Vec.
            body.resize(body.len().div_ceil(4) * 4, 0);
            body.extend(self.options(&[(2, &[0, 0, 0, 1])]));
            self.block(EPB_TYPE, &body);
        }

        /// Obsolete Packet Block: 16-bit interface id and drops count.
        fn obsolete(&mut self, interface: u16, ticks: u64, data: &[u8]) {
            let mut body = self.packet_body(0, ticks, data, data.len() as u32);
            let mut head = Vec::new();
            put_u16(&mut head, interface, self.big_endian);
            put_u16(&mut head, 0, self.big_endian);
            body.splice(0..4, head);
            self.block(PB_TYPE, &body);
        }

        fn simple(&mut self, data: &[u8], orig_len: u32) {
            let mut body = Vec::new();
            put_u32(&mut body, orig_len, self.big_endian);
            body.extend_from_slice(data);
            self.block(SPB_TYPE, &body);
        }
    }

    // ----- reading helpers -----

    #[derive(Debug, PartialEq)]
    struct Frame {
        number: u64,
        ts: Timestamp,
        ts_digits: u8,
        linktype: u16,
        orig_len: u32,
        data: Vec<u8>,
    }

    fn open_bytes(bytes: Vec<u8>) -> Result<FileSource, SourceError> {
        FileSource::from_reader("test", Cursor::new(bytes))
    }

    /// Every frame, then the error that ended the stream (if any); checks that the source
    /// stays at `Ok(None)` afterwards.
    fn read_all(source: &mut FileSource) -> (Vec<Frame>, Option<SourceError>) {
        let mut frames = Vec::new();
        let error = loop {
            match source.next_frame() {
                Ok(Some(f)) => frames.push(Frame {
                    number: f.number,
                    ts: f.ts,
                    ts_digits: f.ts_digits,
                    linktype: f.linktype,
                    orig_len: f.orig_len,
                    data: f.data.to_vec(),
                }),
                Ok(None) => break None,
                Err(e) => break Some(e),
            }
        };
        assert!(matches!(source.next_frame(), Ok(None)));
        assert!(matches!(source.next_frame(), Ok(None)));
        (frames, error)
    }

    fn frames_of(bytes: Vec<u8>) -> Vec<Frame> {
        let (frames, error) = read_all(&mut open_bytes(bytes).unwrap());
        assert!(error.is_none(), "{error:?}");
        frames
    }

    // ----- frame offsets -----

    /// Reading `data.len()` bytes at `frame_offset()` gives each frame again.
    fn assert_offsets_point_at_the_frames(file: Vec<u8>) {
        let mut source = open_bytes(file.clone()).unwrap();
        let mut seen = 0;
        while let Some(frame) = source.next_frame().unwrap() {
            let data = frame.data.to_vec();
            let at = source.frame_offset() as usize;
            assert_eq!(file.get(at..at + data.len()), Some(&data[..]));
            seen += 1;
        }
        assert!(seen >= 3);
    }

    #[test]
    fn frame_offsets_in_pcap_and_pcapng() {
        let mut file = pcap_header(true, true, 1);
        file.extend(pcap_record(true, 1, 2, b"first", 5));
        file.extend(pcap_record(true, 1, 3, &[7; 70_000], 70_000));
        file.extend(pcap_record(true, 1, 4, b"third", 5));
        assert_offsets_point_at_the_frames(file);

        let mut ng = PcapNg::new(false);
        ng.interface(1, 0, &[]);
        ng.enhanced(0, 1, b"first", 5);
        ng.block(0x0000_0005, &[1, 2, 3, 4]); // statistics block, skipped
        ng.simple(b"second frame", 12);
        ng.obsolete(0, 2, b"third");
        ng.section(true);
        ng.interface(101, 0, &[]);
        ng.enhanced(0, 3, b"fourth", 6);
        assert_offsets_point_at_the_frames(ng.bytes);
    }

    // ----- classic pcap -----

    #[test]
    fn pcap_microseconds_little_endian() {
        let mut file = pcap_header(false, false, 1);
        file.extend(pcap_record(false, 1_700_000_000, 123_456, b"first", 5));
        file.extend(pcap_record(false, 1_700_000_001, 999_999, b"second!", 60));
        let frames = frames_of(file);
        assert_eq!(
            frames,
            vec![
                Frame {
                    number: 1,
                    ts: Timestamp::new(1_700_000_000, 123_456_000),
                    ts_digits: 6,
                    linktype: linktype::ETHERNET,
                    orig_len: 5,
                    data: b"first".to_vec(),
                },
                Frame {
                    number: 2,
                    ts: Timestamp::new(1_700_000_001, 999_999_000),
                    ts_digits: 6,
                    linktype: linktype::ETHERNET,
                    orig_len: 60,
                    data: b"second!".to_vec(),
                },
            ]
        );
    }

    #[test]
    fn pcap_nanoseconds_keep_every_digit() {
        let mut file = pcap_header(false, true, 1);
        file.extend(pcap_record(false, 10, 123_456_789, b"x", 1));
        let frames = frames_of(file);
        assert_eq!(frames[0].ts, Timestamp::new(10, 123_456_789));
        assert_eq!(frames[0].ts_digits, 9);
    }

    #[test]
    fn pcap_big_endian_micro_and_nano() {
        for nanos in [false, true] {
            let mut file = pcap_header(true, nanos, 113);
            file.extend(pcap_record(true, 0x0102_0304, 500, b"abc", 300));
            let frames = frames_of(file);
            assert_eq!(frames.len(), 1);
            let f = &frames[0];
            assert_eq!(f.linktype, linktype::LINUX_SLL);
            assert_eq!(f.orig_len, 300);
            assert_eq!(f.data, b"abc");
            let nanos_expected = if nanos { 500 } else { 500_000 };
            assert_eq!(f.ts, Timestamp::new(0x0102_0304, nanos_expected));
            assert_eq!(f.ts_digits, if nanos { 9 } else { 6 });
        }
    }

    #[test]
    fn pcap_link_type_aliases_and_fcs_bits() {
        for (stored, expected) in [(12, 101), (14, 101), (101, 101), (0x1400_0001, 1)] {
            let mut file = pcap_header(false, false, stored);
            file.extend(pcap_record(false, 0, 0, b"x", 1));
            assert_eq!(frames_of(file)[0].linktype, expected, "stored {stored:#x}");
        }
    }

    #[test]
    fn pcap_out_of_range_fraction_is_normalised() {
        let mut file = pcap_header(false, false, 1);
        file.extend(pcap_record(false, 5, 2_500_000, b"x", 1));
        assert_eq!(frames_of(file)[0].ts, Timestamp::new(7, 500_000_000));
    }

    #[test]
    fn pcap_record_larger_than_the_initial_buffer() {
        let big = vec![0xAB; 200_000];
        let mut file = pcap_header(false, false, 1);
        file.extend(pcap_record(false, 1, 0, b"small", 5));
        file.extend(pcap_record(false, 2, 0, &big, 200_000));
        file.extend(pcap_record(false, 3, 0, b"after", 5));
        let frames = frames_of(file);
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[1].data, big);
        assert_eq!(frames[2].data, b"after");
    }

    #[test]
    fn pcap_truncated_mid_record_keeps_earlier_frames() {
        let mut file = pcap_header(false, false, 1);
        file.extend(pcap_record(false, 1, 0, &[1; 40], 40));
        file.extend(pcap_record(false, 2, 0, &[2; 50], 50));
        let broken_at = file.len() as u64;
        let third = pcap_record(false, 3, 0, &[3; 342], 342);
        file.extend(&third[..16 + 11]);
        let (frames, error) = read_all(&mut open_bytes(file).unwrap());
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[1].data, [2; 50]);
        match error {
            Some(SourceError::Truncated {
                after_frame,
                offset,
                detail,
            }) => {
                assert_eq!(after_frame, 2);
                assert_eq!(offset, broken_at);
                assert_eq!(offset, 24 + 56 + 66);
                assert_eq!(
                    detail,
                    "record header says 342 captured bytes, only 11 remain"
                );
            }
            other => panic!("expected Truncated, got {other:?}"),
        }
    }

    #[test]
    fn pcap_truncated_inside_record_header() {
        let mut file = pcap_header(false, false, 1);
        file.extend(pcap_record(false, 1, 0, b"ok", 2));
        file.extend([0; 5]);
        let (frames, error) = read_all(&mut open_bytes(file).unwrap());
        assert_eq!(frames.len(), 1);
        assert!(
            matches!(&error, Some(SourceError::Truncated { after_frame: 1, offset: 42, detail })
                if detail == "record header is 16 bytes, only 5 remain"),
            "{error:?}"
        );
    }

    #[test]
    fn pcap_absurd_captured_length_is_corrupt() {
        let mut file = pcap_header(false, false, 1);
        file.extend(pcap_record(false, 1, 0, b"ok", 2));
        let mut bogus = pcap_record(false, 2, 0, b"", 0);
        bogus[8..12].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
        file.extend(bogus);
        file.extend([0; 100]);
        let (frames, error) = read_all(&mut open_bytes(file).unwrap());
        assert_eq!(frames.len(), 1);
        assert!(
            matches!(
                error,
                Some(SourceError::Corrupt {
                    after_frame: 1,
                    offset: 42,
                    ..
                })
            ),
            "{error:?}"
        );
    }

    #[test]
    fn header_only_pcap_has_no_frames() {
        assert!(frames_of(pcap_header(false, false, 1)).is_empty());
    }

    // ----- pcapng -----

    #[test]
    fn pcapng_interfaces_with_different_link_types_and_resolutions() {
        let mut ng = PcapNg::new(false);
        ng.interface(linktype::ETHERNET, 0, &[]);
        ng.interface(linktype::LINUX_SLL2, 65535, &[(9, &[9]), (2, b"any")]);
        ng.enhanced(0, 1_700_000_000_123_456, b"eth frame", 9);
        ng.block(4, &[0; 8]); // a name resolution block: skipped
        ng.enhanced(1, 1_700_000_000_123_456_789, b"sll2 frame!", 100);
        ng.simple(b"simple packet", 13);
        ng.obsolete(1, 5_000_000_001, b"old");
        ng.block(5, &[0; 16]); // interface statistics: skipped
        let frames = frames_of(ng.bytes);
        assert_eq!(frames.len(), 4);
        let numbers: Vec<u64> = frames.iter().map(|f| f.number).collect();
        assert_eq!(numbers, [1, 2, 3, 4]);

        assert_eq!(frames[0].linktype, linktype::ETHERNET);
        assert_eq!(frames[0].ts, Timestamp::new(1_700_000_000, 123_456_000));
        assert_eq!(frames[0].ts_digits, 6);
        assert_eq!(frames[0].data, b"eth frame");

        assert_eq!(frames[1].linktype, linktype::LINUX_SLL2);
        assert_eq!(frames[1].ts, Timestamp::new(1_700_000_000, 123_456_789));
        assert_eq!(frames[1].ts_digits, 9);
        assert_eq!(frames[1].orig_len, 100);
        assert_eq!(frames[1].data, b"sll2 frame!");

        // Simple packets belong to interface 0 and have no timestamp: unknown, not 1970.
        assert_eq!(frames[2].linktype, linktype::ETHERNET);
        assert_eq!(frames[2].ts, Timestamp::UNKNOWN);
        assert!(!frames[2].ts.is_known());
        assert_eq!(frames[2].data, b"simple packet");
        assert_eq!(frames[2].orig_len, 13);

        assert_eq!(frames[3].linktype, linktype::LINUX_SLL2);
        assert_eq!(frames[3].ts, Timestamp::new(5, 1));
        assert_eq!(frames[3].data, b"old");
    }

    #[test]
    fn pcapng_non_packet_blocks_are_numbered_like_wireshark() {
        let mut ng = PcapNg::new(false);
        ng.interface(linktype::ETHERNET, 0, &[]);
        ng.enhanced(0, 1, b"first", 5);
        let mut custom = 32473u32.to_le_bytes().to_vec();
        custom.extend(b"custom data");
        ng.block(0x0000_0BAD, &custom);
        ng.block(0x4000_0BAD, &32473u32.to_le_bytes());
        ng.block(4, &[0; 8]); // name resolution: no frame number
        ng.block(5, &[0; 16]); // interface statistics: no frame number
        ng.block(0x0000_0204, &[0; 28]); // Sysdig event
        ng.enhanced(0, 2, b"second", 6);
        let frames = frames_of(ng.bytes);
        let numbers: Vec<(u64, u16)> = frames.iter().map(|f| (f.number, f.linktype)).collect();
        let np = linktype::NON_PACKET;
        assert_eq!(
            numbers,
            [(1, 1), (2, np), (3, np), (4, np), (5, linktype::ETHERNET)]
        );
        // A Custom Block's frame is its data after the enterprise number (padding included,
        // as Wireshark counts it), with no time.
        assert_eq!(frames[1].data, b"custom data\0");
        assert_eq!(frames[1].orig_len, 12);
        assert_eq!(frames[2].data, b"");
        assert_eq!(frames[1].ts, Timestamp::UNKNOWN);
        assert_eq!(frames[4].data, b"second");
    }

    #[test]
    fn pcapng_sections_with_another_major_version_are_skipped() {
        let mut ng = PcapNg::new(false);
        ng.interface(linktype::ETHERNET, 0, &[]);
        ng.enhanced(0, 0, b"one", 3);
        let skipped_at = ng.bytes.len() as u64;
        ng.section_version(true, 2, 0);
        ng.interface(linktype::RAW, 0, &[]);
        ng.enhanced(0, 0, b"hidden", 6);
        ng.simple(b"hidden too", 10);
        ng.section(false);
        ng.interface(linktype::LINUX_SLL, 0, &[]);
        ng.enhanced(0, 0, b"two", 3);
        let mut source = open_bytes(ng.bytes).unwrap();
        let (frames, error) = read_all(&mut source);
        assert!(error.is_none(), "{error:?}");
        let seen: Vec<(u64, &[u8], u16)> = frames
            .iter()
            .map(|f| (f.number, &f.data[..], f.linktype))
            .collect();
        assert_eq!(
            seen,
            [
                (1, &b"one"[..], linktype::ETHERNET),
                (2, &b"two"[..], linktype::LINUX_SLL)
            ]
        );
        let warnings = source.take_warnings();
        assert_eq!(
            warnings,
            [SourceWarning::UnsupportedSection {
                offset: skipped_at,
                major: 2,
                minor: 0,
                blocks: 3
            }]
        );
        assert!(warnings[0].to_string().contains("version 2.0"));
        assert!(source.take_warnings().is_empty());

        // A file whose first section is unreadable gives no frames, and says why.
        let mut ng = PcapNg::new(false);
        ng.bytes.clear();
        ng.section_version(false, 3, 1);
        ng.interface(linktype::ETHERNET, 0, &[]);
        ng.enhanced(0, 0, b"x", 1);
        let mut source = open_bytes(ng.bytes).unwrap();
        assert!(read_all(&mut source).0.is_empty());
        assert_eq!(source.take_warnings().len(), 1);
    }

    #[test]
    fn pcapng_simple_packet_cut_by_snaplen() {
        let mut ng = PcapNg::new(false);
        ng.interface(linktype::ETHERNET, 4, &[]);
        ng.simple(b"abcdefgh", 8);
        let frames = frames_of(ng.bytes);
        assert_eq!(frames[0].data, b"abcd");
        assert_eq!(frames[0].orig_len, 8);
    }

    #[test]
    fn pcapng_sections_may_switch_byte_order_and_reset_interfaces() {
        let mut ng = PcapNg::new(true);
        ng.interface(linktype::ETHERNET, 0, &[]);
        ng.enhanced(0, 2_000_000, b"big", 3);
        ng.section(false);
        ng.interface(linktype::RAW, 0, &[(9, &[3])]);
        ng.enhanced(0, 2_500, b"little", 6);
        ng.section(true);
        ng.interface(12, 0, &[]); // DLT_RAW alias
        ng.enhanced(0, 0, b"again", 5);
        let frames = frames_of(ng.bytes);
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[0].linktype, linktype::ETHERNET);
        assert_eq!(frames[0].ts, Timestamp::new(2, 0));
        assert_eq!(frames[1].linktype, linktype::RAW);
        assert_eq!(frames[1].ts, Timestamp::new(2, 500_000_000));
        assert_eq!(frames[1].ts_digits, 3);
        assert_eq!(frames[2].linktype, linktype::RAW);
        assert_eq!(frames[2].data, b"again");
    }

    #[test]
    fn pcapng_binary_resolution_and_offset() {
        for big_endian in [false, true] {
            let mut ng = PcapNg::new(big_endian);
            let offset = if big_endian {
                100i64.to_be_bytes()
            } else {
                100i64.to_le_bytes()
            };
            ng.interface(1, 0, &[(9, &[0x80 | 10]), (14, &offset)]);
            ng.enhanced(0, 3 * 1024 + 512, b"x", 1);
            let frames = frames_of(ng.bytes);
            assert_eq!(frames[0].ts, Timestamp::new(103, 500_000_000));
            assert_eq!(frames[0].ts_digits, 9);
        }
    }

    #[test]
    fn tsresol_digits() {
        let digits = |r| Resolution::from_tsresol(r).digits;
        assert_eq!(digits(6), 6);
        assert_eq!(digits(9), 9);
        assert_eq!(digits(12), 9);
        assert_eq!(digits(0), 0);
        assert_eq!(digits(0x80), 0);
        // 2^-k is exactly k decimal places (capped at nanoseconds).
        assert_eq!(digits(0x80 | 8), 8);
        assert_eq!(digits(0x80 | 10), 9);
        assert_eq!(digits(0x80 | 30), 9);
        // 2^-8: every tick is an exact number of nanoseconds.
        let r = Resolution::from_tsresol(0x80 | 8);
        assert_eq!(r.timestamp(256 * 7 + 1, 0), Timestamp::new(7, 3_906_250));
        assert_eq!(r.timestamp(255, 0), Timestamp::new(0, 996_093_750));
        assert_eq!(
            r.timestamp(1, 0).rfc3339(r.digits).to_string(),
            "1970-01-01T00:00:00.00390625Z"
        );
        // Nonsense falls back to microseconds.
        assert_eq!(Resolution::from_tsresol(20), Resolution::MICROS);
        assert_eq!(Resolution::from_tsresol(0xFF), Resolution::MICROS);
        // Picoseconds truncate to nanoseconds.
        let pico = Resolution::from_tsresol(12);
        assert_eq!(
            pico.timestamp(1_500_000_000_123, 0),
            Timestamp::new(1, 500_000_000)
        );
    }

    #[test]
    fn pcapng_truncated_mid_block() {
        let mut ng = PcapNg::new(false);
        ng.interface(1, 0, &[]);
        ng.enhanced(0, 0, &[7; 100], 100);
        let broken_at = ng.bytes.len() as u64;
        ng.enhanced(0, 0, &[8; 100], 100);
        let cut = ng.bytes.len() - 30;
        ng.bytes.truncate(cut);
        let (frames, error) = read_all(&mut open_bytes(ng.bytes).unwrap());
        assert_eq!(frames.len(), 1);
        match error {
            Some(SourceError::Truncated {
                after_frame: 1,
                offset,
                detail,
            }) => {
                assert_eq!(offset, broken_at);
                assert!(
                    detail.starts_with("block header says 144 bytes, only 114 remain"),
                    "{detail}"
                );
            }
            other => panic!("expected Truncated, got {other:?}"),
        }
    }

    #[test]
    fn pcapng_bad_block_lengths_are_corrupt() {
        let base = || {
            let mut ng = PcapNg::new(false);
            ng.interface(1, 0, &[]);
            ng.enhanced(0, 0, b"good", 4);
            ng
        };
        // Not a multiple of 4.
        let mut ng = base();
        let at = ng.bytes.len();
        ng.enhanced(0, 0, b"bad", 3);
        ng.bytes[at + 4] += 1;
        let (frames, error) = read_all(&mut open_bytes(ng.bytes).unwrap());
        assert_eq!(frames.len(), 1);
        assert!(
            matches!(&error, Some(SourceError::Corrupt { after_frame: 1, offset, detail })
                if *offset == at as u64 && detail.contains("multiple of 4")),
            "{error:?}"
        );
        // Absurdly long.
        let mut ng = base();
        ng.bytes.extend(EPB_TYPE.to_le_bytes());
        ng.bytes.extend(0xFFFF_FFF0u32.to_le_bytes());
        ng.bytes.extend([0; 64]);
        let (_, error) = read_all(&mut open_bytes(ng.bytes).unwrap());
        assert!(
            matches!(error, Some(SourceError::Corrupt { .. })),
            "{error:?}"
        );
        // Trailing length disagrees.
        let mut ng = base();
        ng.enhanced(0, 0, b"bad", 3);
        let last = ng.bytes.len() - 4;
        ng.bytes[last] = 0;
        let (_, error) = read_all(&mut open_bytes(ng.bytes).unwrap());
        assert!(
            matches!(error, Some(SourceError::Corrupt { .. })),
            "{error:?}"
        );
        // Captured length larger than the block.
        let mut ng = base();
        let at = ng.bytes.len();
        ng.enhanced(0, 0, b"bad", 3);
        ng.bytes[at + 20..at + 24].copy_from_slice(&1000u32.to_le_bytes());
        let (_, error) = read_all(&mut open_bytes(ng.bytes).unwrap());
        assert!(
            matches!(error, Some(SourceError::Corrupt { .. })),
            "{error:?}"
        );
        // Interface that was never described.
        let mut ng = base();
        ng.enhanced(3, 0, b"bad", 3);
        let (frames, error) = read_all(&mut open_bytes(ng.bytes).unwrap());
        assert_eq!(frames.len(), 1);
        assert!(
            matches!(&error, Some(SourceError::Corrupt { detail, .. }) if detail.contains("interface 3")),
            "{error:?}"
        );
    }

    // ----- not captures -----

    #[test]
    fn empty_and_foreign_input_are_unknown_formats() {
        for bytes in [&b""[..], b"\x01", b"GET / HTTP/1.1\r\n\r\n", &[0; 64]] {
            let result = open_bytes(bytes.to_vec());
            assert!(
                matches!(&result, Err(SourceError::UnknownFormat(name)) if name == "test"),
                "{bytes:?}"
            );
        }
        let message = open_bytes(Vec::new()).err().unwrap().to_string();
        assert_eq!(message, "test: not a pcap or pcapng file");
    }

    #[test]
    fn cut_file_headers_are_truncated() {
        let header = pcap_header(false, false, 1);
        assert!(matches!(
            open_bytes(header[..10].to_vec()),
            Err(SourceError::Truncated {
                after_frame: 0,
                offset: 0,
                ..
            })
        ));
        let ng = PcapNg::new(false).bytes;
        assert!(matches!(
            open_bytes(ng[..20].to_vec()),
            Err(SourceError::Truncated {
                after_frame: 0,
                offset: 0,
                ..
            })
        ));
    }

    #[test]
    fn missing_file_is_an_open_error() {
        let path = Path::new("/nonexistent/dhcpscope-test.pcap");
        let error = FileSource::open(path).err().unwrap();
        assert!(matches!(error, SourceError::Open { .. }));
        assert_eq!(
            error.to_string(),
            "/nonexistent/dhcpscope-test.pcap: No such file or directory (os error 2)"
        );
    }

    #[test]
    fn read_errors_keep_their_io_error() {
        struct Failing(Vec<u8>);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() {
                    return Err(io::Error::new(io::ErrorKind::BrokenPipe, "pipe went away"));
                }
                let n = buf.len().min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0.drain(..n);
                Ok(n)
            }
        }
        let mut source =
            FileSource::from_reader("t", Failing(pcap_header(false, false, 1))).unwrap();
        let error = source.next_frame().err().unwrap();
        assert_eq!(error.to_string(), "read error: pipe went away");
        assert!(matches!(source.next_frame(), Ok(None)));
    }

    // ----- streaming -----

    /// Hands out its chunks one `read` at a time (like a pipe), and records whether the
    /// chunk at `watch` was ever asked for.
    struct Pipe {
        chunks: Vec<Vec<u8>>,
        next: usize,
        watch: usize,
        watched_read: Arc<AtomicBool>,
        max_read: usize,
    }

    impl Read for Pipe {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.next == self.watch {
                self.watched_read.store(true, Ordering::SeqCst);
            }
            let Some(chunk) = self.chunks.get_mut(self.next) else {
                return Ok(0);
            };
            let n = buf.len().min(chunk.len()).min(self.max_read);
            buf[..n].copy_from_slice(&chunk[..n]);
            chunk.drain(..n);
            if chunk.is_empty() {
                self.next += 1;
            }
            Ok(n)
        }
    }

    #[test]
    fn a_complete_frame_is_returned_without_waiting_for_more_input() {
        for (ng, max_read) in [
            (false, usize::MAX),
            (true, usize::MAX),
            (false, 1),
            (true, 3),
        ] {
            let (head, first, second) = if ng {
                let mut w = PcapNg::new(false);
                w.interface(1, 0, &[]);
                let head = std::mem::take(&mut w.bytes);
                w.enhanced(0, 0, b"first", 5);
                let first = std::mem::take(&mut w.bytes);
                w.enhanced(0, 0, b"second", 6);
                (head, first, w.bytes)
            } else {
                (
                    pcap_header(false, false, 1),
                    pcap_record(false, 0, 0, b"first", 5),
                    pcap_record(false, 0, 0, b"second", 6),
                )
            };
            let watched_read = Arc::new(AtomicBool::new(false));
            let pipe = Pipe {
                chunks: vec![head, first, second],
                next: 0,
                watch: 2,
                watched_read: Arc::clone(&watched_read),
                max_read,
            };
            let mut source = FileSource::from_reader("pipe", pipe).unwrap();
            let frame = source.next_frame().unwrap().unwrap();
            assert_eq!(frame.data, b"first");
            assert!(
                !watched_read.load(Ordering::SeqCst),
                "read past the first frame"
            );
            let frame = source.next_frame().unwrap().unwrap();
            assert_eq!(frame.data, b"second");
            assert!(source.next_frame().unwrap().is_none());
        }
    }

    // ----- robustness -----

    /// Reads to the end; the loop must terminate (each call consumes or ends).
    fn drain(bytes: Vec<u8>) {
        let limit = bytes.len() + 2;
        if let Ok(mut source) = open_bytes(bytes) {
            for _ in 0..limit {
                match source.next_frame() {
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => return,
                }
            }
            panic!("source did not end");
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            drain(bytes);
        }

        #[test]
        fn arbitrary_pcap_bodies_never_panic(
            big_endian: bool,
            nanos: bool,
            body in proptest::collection::vec(any::<u8>(), 0..600),
        ) {
            let mut file = pcap_header(big_endian, nanos, 1);
            file.extend(body);
            drain(file);
        }

        #[test]
        fn arbitrary_pcapng_blocks_never_panic(
            big_endian: bool,
            blocks in proptest::collection::vec(
                (prop_oneof![Just(1u32), Just(2), Just(3), Just(6), Just(SHB_TYPE), any::<u32>()],
                 proptest::collection::vec(any::<u8>(), 0..80)),
                0..8),
            tail in proptest::collection::vec(any::<u8>(), 0..16),
        ) {
            let mut ng = PcapNg::new(big_endian);
            ng.interface(1, 0, &[]);
            for (block_type, body) in blocks {
                ng.block(block_type, &body);
            }
            ng.bytes.extend(tail);
            drain(ng.bytes);
        }
    }

    // ----- real captures (skipped when absent) -----

    fn public_capture(name: &str) -> Option<FileSource> {
        shared_public_capture(name).map(|path| FileSource::open(&path).unwrap())
    }

    #[test]
    fn real_big_endian_pcapng() {
        let Some(mut source) = public_capture("mgajda-pcapng__dhcp_big_endian.pcapng") else {
            return;
        };
        let (frames, error) = read_all(&mut source);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(frames.len(), 4);
    }

    #[test]
    fn real_nanosecond_pcapng() {
        let Some(mut source) = public_capture("mgajda-pcapng__wireshark-dhcp-nanosecond.pcapng")
        else {
            return;
        };
        let (frames, error) = read_all(&mut source);
        assert!(error.is_none(), "{error:?}");
        assert!(!frames.is_empty());
        assert!(frames.iter().all(|f| f.ts_digits == 9));
    }

    #[test]
    fn real_big_endian_pcap() {
        let Some(mut source) = public_capture("ndpi__fuzz-2006-06-26-2594.pcap") else {
            return;
        };
        let (frames, error) = read_all(&mut source);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(frames.len(), 691);
        assert_eq!(frames.last().map(|f| f.number), Some(691));
    }
}
