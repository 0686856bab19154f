//! Ethernet (EUI-48) MAC addresses: one type instead of `[u8; 6]` and ad-hoc strings.
//!
//! Shown as lower-case colon hex (`02:00:00:00:02:02`, as tshark and `ip link` write it);
//! parsed from every notation people paste: colons, dashes, Cisco dots and bare hex.

use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A 48-bit MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MacAddr(pub [u8; 6]);

/// Why a string is not a MAC address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a MAC address: expected 12 hex digits as aa:bb:cc:dd:ee:ff, aa-bb-cc-dd-ee-ff, aabb.ccdd.eeff or aabbccddeeff"
)]
pub struct ParseMacError;

impl MacAddr {
    pub const BROADCAST: MacAddr = MacAddr([0xff; 6]);
    pub const ZERO: MacAddr = MacAddr([0; 6]);

    pub const fn new(bytes: [u8; 6]) -> Self {
        MacAddr(bytes)
    }

    pub const fn octets(self) -> [u8; 6] {
        self.0
    }

    /// The first six bytes of `bytes` when there are exactly six.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 6]>::try_from(bytes).ok().map(MacAddr)
    }

    /// The U/L bit: set on addresses an administrator or software chose (randomised
    /// client MACs, VMs), clear on vendor-assigned ones.
    pub const fn is_locally_administered(self) -> bool {
        self.0[0] & 0x02 != 0
    }

    /// The I/G bit: a group address (broadcast included).
    pub const fn is_multicast(self) -> bool {
        self.0[0] & 0x01 != 0
    }

    pub const fn is_broadcast(self) -> bool {
        matches!(self.0, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
    }

    /// Appends the colon form to `out` without going through `fmt`: the decode hot path.
    pub fn push_to(self, out: &mut String) {
        let mut buf = [0u8; 17];
        self.write_ascii(&mut buf);
        out.reserve(buf.len());
        for b in buf {
            out.push(char::from(b));
        }
    }

    fn write_ascii(self, buf: &mut [u8; 17]) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for (i, b) in self.0.iter().enumerate() {
            buf[i * 3] = HEX[usize::from(b >> 4)];
            buf[i * 3 + 1] = HEX[usize::from(b & 0xf)];
            if i < 5 {
                buf[i * 3 + 2] = b':';
            }
        }
    }
}

impl From<[u8; 6]> for MacAddr {
    fn from(bytes: [u8; 6]) -> Self {
        MacAddr(bytes)
    }
}

impl From<MacAddr> for [u8; 6] {
    fn from(mac: MacAddr) -> Self {
        mac.0
    }
}

impl PartialEq<[u8; 6]> for MacAddr {
    fn eq(&self, other: &[u8; 6]) -> bool {
        self.0 == *other
    }
}

impl AsRef<[u8]> for MacAddr {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 17];
        self.write_ascii(&mut buf);
        f.pad(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?)
    }
}

impl FromStr for MacAddr {
    type Err = ParseMacError;

    /// Accepts `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff` (one or two digits per group, as
    /// macOS `arp` prints `0:1b:…`), `aabb.ccdd.eeff` (Cisco) and `aabbccddeeff`, any case,
    /// with one separator style per address.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if !s
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b":-.".contains(&b))
        {
            return Err(ParseMacError);
        }
        let sep = [':', '-', '.'].into_iter().find(|c| s.contains(*c));
        let mut out = [0u8; 6];
        match sep {
            Some(sep @ (':' | '-')) => {
                let mut groups = s.split(sep);
                for byte in &mut out {
                    let g = groups.next().ok_or(ParseMacError)?;
                    if g.is_empty() || g.len() > 2 {
                        return Err(ParseMacError);
                    }
                    *byte = u8::from_str_radix(g, 16).map_err(|_| ParseMacError)?;
                }
                if groups.next().is_some() {
                    return Err(ParseMacError);
                }
            }
            Some(_) => {
                let groups: Vec<&str> = s.split('.').collect();
                if groups.len() != 3 || groups.iter().any(|g| g.len() != 4) {
                    return Err(ParseMacError);
                }
                fill_from_hex(&mut out, groups.concat().as_bytes())?;
            }
            None if s.len() == 12 => fill_from_hex(&mut out, s.as_bytes())?,
            None => return Err(ParseMacError),
        }
        Ok(MacAddr(out))
    }
}

/// Twelve hex digits into six bytes.
fn fill_from_hex(out: &mut [u8; 6], digits: &[u8]) -> Result<(), ParseMacError> {
    if digits.len() != 12 {
        return Err(ParseMacError);
    }
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let hi = hex_digit(pair[0]).ok_or(ParseMacError)?;
        let lo = hex_digit(pair[1]).ok_or(ParseMacError)?;
        *byte = hi << 4 | lo;
    }
    Ok(())
}

fn hex_digit(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

impl Serialize for MacAddr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 17];
        self.write_ascii(&mut buf);
        s.serialize_str(std::str::from_utf8(&buf).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: MacAddr = MacAddr([0x02, 0x00, 0x00, 0x00, 0x02, 0x02]);

    #[test]
    fn displays_as_lower_case_colon_hex() {
        assert_eq!(M.to_string(), "02:00:00:00:02:02");
        assert_eq!(
            MacAddr([0xde, 0xad, 0xbe, 0xef, 0x0a, 0xff]).to_string(),
            "de:ad:be:ef:0a:ff"
        );
        let mut s = String::from("x ");
        MacAddr([0xab; 6]).push_to(&mut s);
        assert_eq!(s, "x ab:ab:ab:ab:ab:ab");
        assert_eq!(format!("[{:>18}]", M), "[ 02:00:00:00:02:02]");
    }

    #[test]
    fn parses_every_common_notation() {
        for s in [
            "02:00:00:00:02:02",
            "02-00-00-00-02-02",
            "0200.0000.0202",
            "020000000202",
            " 02:00:00:00:02:02\n",
            "2:0:0:0:2:2",
        ] {
            assert_eq!(s.parse::<MacAddr>(), Ok(M), "{s:?}");
        }
        assert_eq!(
            "DE:AD:BE:EF:0A:FF".parse::<MacAddr>().map(|m| m.0),
            Ok([0xde, 0xad, 0xbe, 0xef, 0x0a, 0xff])
        );
    }

    #[test]
    fn rejects_malformed_addresses() {
        for s in [
            "",
            "02:00:00:00:02",
            "02:00:00:00:02:02:03",
            "02:00::00:02:02",
            "002:00:00:00:02:02",
            "02:00-00:00:02:02",
            "0200.0000.020",
            "02000000020",
            "0200000002022",
            "02:00:00:00:02:0g",
            "0200.0000.02:2",
            "+2:00:00:00:02:02",
            "é2:00:00:00:02:02",
        ] {
            assert_eq!(s.parse::<MacAddr>(), Err(ParseMacError), "{s:?}");
        }
    }

    #[test]
    fn flag_bits() {
        assert!(M.is_locally_administered());
        assert!(!M.is_multicast());
        let vendor = MacAddr([0x00, 0x1b, 0x21, 0, 0, 1]);
        assert!(!vendor.is_locally_administered() && !vendor.is_multicast());
        assert!(MacAddr([0x01, 0x00, 0x5e, 0, 0, 1]).is_multicast());
        assert!(MacAddr::BROADCAST.is_multicast() && MacAddr::BROADCAST.is_broadcast());
        assert!(!M.is_broadcast());
    }

    #[test]
    fn serializes_as_the_colon_string() {
        assert_eq!(serde_json::to_string(&M).unwrap(), "\"02:00:00:00:02:02\"");
    }

    #[test]
    fn round_trips_display_and_parse() {
        for bytes in [[0u8; 6], [0xff; 6], [1, 2, 3, 4, 5, 6], [0x9a; 6]] {
            let m = MacAddr(bytes);
            assert_eq!(m.to_string().parse::<MacAddr>(), Ok(m));
        }
    }
}
