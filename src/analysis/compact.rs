//! Small building blocks that keep the model compact and its lookups cheap: an inline
//! hardware address, hash maps with a fast randomly keyed hasher, vectors that grow in small
//! steps.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};

/// Hash maps keyed by wire values (chaddr, client-id, xid, addresses). foldhash is several
/// times faster than SipHash on these short keys; its `RandomState` is seeded per process
/// (and per map), so a sender cannot precompute colliding keys (HashDoS).
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A client hardware address (chaddr, at most 16 bytes; 6 for Ethernet), stored inline:
/// no allocation per client or per map key. Derefs to its bytes and orders like them.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Chaddr {
    len: u8,
    bytes: [u8; 16],
}

impl Chaddr {
    /// The first 16 bytes of `b` (the chaddr field's size).
    pub fn new(b: &[u8]) -> Self {
        let len = b.len().min(16);
        let mut bytes = [0; 16];
        bytes[..len].copy_from_slice(&b[..len]);
        Self {
            len: len as u8,
            bytes,
        }
    }

    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl std::ops::Deref for Chaddr {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Borrow<[u8]> for Chaddr {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

/// Hashes like its byte slice, so maps keyed by `Chaddr` are looked up with `&[u8]`.
impl Hash for Chaddr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl PartialOrd for Chaddr {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Chaddr {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl PartialEq<[u8]> for Chaddr {
    fn eq(&self, other: &[u8]) -> bool {
        self.as_slice() == other
    }
}

impl PartialEq<&[u8]> for Chaddr {
    fn eq(&self, other: &&[u8]) -> bool {
        self.as_slice() == *other
    }
}

impl PartialEq<Vec<u8>> for Chaddr {
    fn eq(&self, other: &Vec<u8>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl fmt::Debug for Chaddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Chaddr({self})")
    }
}

/// Colon-separated lowercase hex (`02:10:00:00:01:07`), as `colon_hex` writes it, without
/// the formatting machinery per byte.
impl fmt::Display for Chaddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 16 * 3];
        f.write_str(colon_hex_into(self.as_slice(), &mut buf))
    }
}

/// Writes `bytes` (at most 16) as colon-separated lowercase hex into `buf`.
pub(crate) fn colon_hex_into<'b>(bytes: &[u8], buf: &'b mut [u8; 48]) -> &'b str {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut n = 0;
    for (i, b) in bytes.iter().take(16).enumerate() {
        if i > 0 {
            buf[n] = b':';
            n += 1;
        }
        buf[n] = HEX[usize::from(b >> 4)];
        buf[n + 1] = HEX[usize::from(b & 0xf)];
        n += 2;
    }
    // Only ASCII hex digits and colons were written.
    std::str::from_utf8(&buf[..n]).unwrap_or_default()
}

/// Pushes onto a vector that grows one element at a time while small: most exchanges hold
/// a few messages and most clients a few exchanges, and the default doubling (to 4, then 8)
/// would leave a third of those slots empty.
pub(crate) fn push_compact<T>(v: &mut Vec<T>, item: T) {
    if v.len() == v.capacity() {
        let more = if v.len() < 8 { 1 } else { v.len() / 2 };
        v.reserve_exact(more);
    }
    v.push(item);
}

/// A 64-bit fingerprint of wire bytes, to notice that a value changed without keeping a copy.
pub(crate) fn fingerprint(state: &foldhash::fast::RandomState, bytes: &[u8]) -> u64 {
    state.hash_one(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dhcp::options::colon_hex;

    #[test]
    fn chaddr_prints_orders_and_hashes_like_its_bytes() {
        let cases: [&[u8]; 5] = [
            &[],
            &[0xab],
            &[2, 0x10, 0, 0, 1, 7],
            &[0xff; 16],
            &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
        ];
        for a in cases {
            let c = Chaddr::new(a);
            assert_eq!(c.to_string(), colon_hex(a));
            assert_eq!(c.as_slice(), a);
            for b in cases {
                assert_eq!(c.cmp(&Chaddr::new(b)), a.cmp(b), "{a:?} vs {b:?}");
            }
            let mut map: FastMap<Chaddr, u32> = FastMap::default();
            map.insert(c, 1);
            assert_eq!(map.get(a), Some(&1));
        }
        // Longer than the field: the first 16 bytes.
        assert_eq!(Chaddr::new(&[7; 20]).as_slice(), &[7; 16]);
    }

    /// The model's per-message and per-exchange sizes are what the memory target at
    /// 200 000 clients was measured with: growing them shows here first.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn records_stay_small() {
        use crate::analysis::{Client, Exchange, MessageRecord};
        assert!(std::mem::size_of::<MessageRecord>() <= 112);
        assert!(std::mem::size_of::<Exchange>() <= 128);
        assert!(std::mem::size_of::<Client>() <= 176);
    }

    #[test]
    fn small_vectors_grow_exactly() {
        let mut v = Vec::new();
        for i in 0..5 {
            push_compact(&mut v, i);
            assert_eq!(v.capacity(), v.len());
        }
        for i in 5..100 {
            push_compact(&mut v, i);
        }
        assert_eq!(v, (0..100).collect::<Vec<_>>());
    }
}
