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

/// LINKTYPE_* values (tcpdump.org), as stored in files. DLT aliases are mapped on read.
pub mod linktype {
    pub const NULL: u16 = 0;
    pub const ETHERNET: u16 = 1;
    pub const RAW: u16 = 101;
    pub const LOOP: u16 = 108;
    pub const LINUX_SLL: u16 = 113;
    pub const IPV4: u16 = 228;
    pub const LINUX_SLL2: u16 = 276;
}

/// One captured frame, borrowed from the reader's buffer until the next call.
#[derive(Debug, Clone, Copy)]
pub struct RawFrame<'a> {
    /// 1-based frame number, counting every packet record as Wireshark does.
    pub number: u64,
    pub ts: Timestamp,
    /// Fractional digits the file records (6 = µs, 9 = ns).
    pub ts_digits: u8,
    /// LINKTYPE_* value of the interface the frame came from.
    pub linktype: u16,
    /// Length of the frame on the wire (may exceed `data.len()` when cut by a snaplen).
    pub orig_len: u32,
    pub data: &'a [u8],
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

    /// Decodes `if_tsresol`: 10^-k, or 2^-k when the top bit is set. For binary units the
    /// digits are the fewest decimal places as fine as one tick (2^-10 → 4), capped at 9.
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
                Some(ticks_per_sec) if exponent < 64 => {
                    let mut digits = 0u8;
                    while digits < 9 && 10u64.pow(u32::from(digits)) < ticks_per_sec {
                        digits += 1;
                    }
                    Resolution {
                        ticks_per_sec,
                        digits,
                    }
                }
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
    finished: bool,
    /// The io error behind pcap-parser's opaque `ReadError`.
    read_error: Arc<Mutex<Option<io::Error>>>,
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

        let read_error = Arc::new(Mutex::new(None));
        let stream = ErrorKeepingReader {
            inner: Cursor::new(prefix).chain(input),
            error: Arc::clone(&read_error),
        };
        // The buffer must hold the whole prefix: pcap-parser parses the header from one read.
        let capacity = INITIAL_BUFFER
            .max(MAX_BUFFER.min(stream.inner.get_ref().0.get_ref().len().next_power_of_two()));
        let not_recognized = |e: PcapError<&[u8]>| header_corrupt(describe(&e));
        let (reader, format): (Box<dyn PcapReaderIterator + Send>, Format) = if is_pcapng {
            let reader = PcapNGReader::new(capacity, stream).map_err(|e| not_recognized(e))?;
            let format = Format::PcapNg {
                big_endian: false,
                interfaces: Vec::new(),
            };
            (Box::new(reader), format)
        } else {
            let mut reader =
                LegacyPcapReader::new(capacity, stream).map_err(|e| not_recognized(e))?;
            let format = match reader.next() {
                Ok((_, PcapBlockOwned::LegacyHeader(header))) => Format::Pcap {
                    big_endian: header.is_bigendian(),
                    nanos: header.is_nanosecond_precision(),
                    // The upper 16 bits carry FCS information, not the link type.
                    linktype: canonical_linktype((header.network.0 & 0xFFFF) as u16),
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
            finished: false,
            read_error,
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
            match block_type {
                SHB_TYPE | IDB_TYPE => self.parse_header_block(block_len)?,
                EPB_TYPE | PB_TYPE => {
                    return self
                        .packet_block(block_type, block_len, big_endian)
                        .map(Some);
                }
                SPB_TYPE => return self.simple_packet_block(block_len, big_endian).map(Some),
                // Statistics, name resolution, secrets, custom…: nothing for us.
                _ => self.reader.consume(block_len),
            }
        }
    }

    /// Lets pcap-parser parse a section header or interface description (it tracks the
    /// section byte order itself, so every SHB must go through it).
    fn parse_header_block(&mut self, block_len: usize) -> Result<(), SourceError> {
        let parsed = match self.reader.next() {
            Ok((len, PcapBlockOwned::NG(Block::SectionHeader(shb)))) if len == block_len => {
                Ok(Parsed::Section {
                    big_endian: shb.big_endian(),
                })
            }
            Ok((len, PcapBlockOwned::NG(Block::InterfaceDescription(idb)))) if len == block_len => {
                let big_endian = self.section_big_endian();
                // pcap-parser reads if_tsoffset little-endian only: decode it ourselves.
                let ts_offset = idb
                    .options
                    .iter()
                    .find(|o| o.code == OptionCode::IfTsoffset)
                    .and_then(|o| read_u64(o.value(), big_endian))
                    .map_or(0, |v| v as i64);
                Ok(Parsed::Interface(Interface {
                    linktype: canonical_linktype(idb.linktype.0 as u16),
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
            ts: Timestamp::default(),
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

/// Files should hold LINKTYPE values, but some old writers stored the platform's DLT_RAW.
fn canonical_linktype(value: u16) -> u16 {
    match value {
        12 | 14 => linktype::RAW,
        other => other,
    }
}

fn check_block_len(len: u32) -> Option<String> {
    if (len as usize) < MIN_BLOCK_LEN {
        Some(format!(
            "block length {len} is less than the {MIN_BLOCK_LEN}-byte minimum"
        ))
    } else if len % 4 != 0 {
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
    let got = input.by_ref().take(needed).read_to_end(buf)?;
    debug_assert!(got as u64 <= needed);
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
