//! IPv4 reassembly.
//!
//! Our own small reassembler rather than etherparse's `IpDefragPool`: that pool wants strict
//! `SlicedPacket`s (we slice laxly) and has no byte or count bound, while a capture full of
//! fragment trains that never complete must not grow memory. Datagrams are keyed by
//! (source, destination, protocol, id), held until complete, and evicted oldest first when
//! the bounds are hit or their first fragment is older than the timeout (capture time).

#![deny(clippy::indexing_slicing)]

use super::FragmentLimits;
use crate::time::Timestamp;
use std::collections::HashMap;
use std::net::Ipv4Addr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct FragmentKey {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub id: u16,
    pub protocol: u8,
}

/// Largest IPv4 payload: 65535 bytes minus the smallest header.
const MAX_DATAGRAM: usize = 65535 - 20;

#[derive(Debug)]
pub(super) struct PendingDatagram {
    first_seen: Timestamp,
    /// Arrival order, to evict the oldest among equal timestamps.
    seq: u64,
    /// Payload bytes at their offsets; as long as the furthest fragment seen.
    data: Vec<u8>,
    /// Received byte ranges, sorted, disjoint and not touching.
    covered: Vec<(usize, usize)>,
    /// Known once the last fragment (more-fragments clear) arrived.
    total_len: Option<usize>,
}

impl PendingDatagram {
    fn footprint(&self) -> usize {
        self.data.capacity() + self.covered.capacity() * std::mem::size_of::<(usize, usize)>()
    }

    /// Adds a fragment; false when it contradicts what was received (the datagram is then
    /// unusable).
    fn insert(&mut self, offset: usize, more: bool, bytes: &[u8]) -> bool {
        let end = offset + bytes.len();
        if more {
            if self.total_len.is_some_and(|total| end > total) {
                return false;
            }
        } else {
            if self.total_len.is_some_and(|total| total != end) || self.data.len() > end {
                return false;
            }
            self.total_len = Some(end);
        }
        // Overlaps are accepted only when they repeat the same bytes (duplicated frames).
        for &(start, stop) in &self.covered {
            let (from, to) = (start.max(offset), stop.min(end));
            if from < to && self.data.get(from..to) != bytes.get(from - offset..to - offset) {
                return false;
            }
        }
        if self.data.len() < end {
            self.data.reserve_exact(end - self.data.len());
            self.data.resize(end, 0);
        }
        if let Some(target) = self.data.get_mut(offset..end) {
            target.copy_from_slice(bytes);
        }
        self.cover(offset, end);
        true
    }

    fn cover(&mut self, mut start: usize, mut end: usize) {
        if start == end {
            return;
        }
        // Merge every range that overlaps or touches [start, end).
        self.covered.retain(|&(s, e)| {
            if e < start || s > end {
                true
            } else {
                start = start.min(s);
                end = end.max(e);
                false
            }
        });
        let at = self.covered.partition_point(|&(s, _)| s < start);
        self.covered.insert(at, (start, end));
    }

    fn is_complete(&self) -> bool {
        self.total_len
            .is_some_and(|total| total == 0 || self.covered == [(0, total)])
    }
}

pub(super) struct Reassembler {
    limits: FragmentLimits,
    pub(super) pending: HashMap<FragmentKey, PendingDatagram>,
    /// Sum of the footprints of `pending`.
    pub(super) held_bytes: usize,
    /// The last completed datagram, lent to the caller.
    completed: Vec<u8>,
    next_seq: u64,
    /// Capture second of the last timeout sweep (sweeps run at most once a second).
    last_sweep: Option<i64>,
}

impl Reassembler {
    pub(super) fn new(limits: FragmentLimits) -> Self {
        Reassembler {
            limits,
            pending: HashMap::new(),
            held_bytes: 0,
            completed: Vec::new(),
            next_seq: 0,
            last_sweep: None,
        }
    }

    /// Adds a fragment (`offset` in bytes); returns the whole IP payload when this one
    /// completes its datagram.
    pub(super) fn add(
        &mut self,
        key: FragmentKey,
        offset: usize,
        more: bool,
        bytes: &[u8],
        now: Timestamp,
    ) -> Option<&[u8]> {
        self.expire(now);
        let end = offset + bytes.len();
        if end > MAX_DATAGRAM {
            self.remove(&key);
            return None;
        }
        let seq = self.next_seq;
        let entry = self.pending.entry(key).or_insert_with(|| PendingDatagram {
            first_seen: now,
            seq,
            data: Vec::new(),
            covered: Vec::new(),
            total_len: None,
        });
        if entry.seq == seq {
            self.next_seq += 1;
        }
        let before = entry.footprint();
        let consistent = entry.insert(offset, more, bytes);
        let after = entry.footprint();
        self.held_bytes = self.held_bytes + after - before;

        if !consistent {
            self.remove(&key);
            return None;
        }
        if entry.is_complete() {
            let done = self.remove(&key)?;
            self.completed = done.data;
            return Some(&self.completed);
        }
        self.enforce_bounds();
        None
    }

    fn remove(&mut self, key: &FragmentKey) -> Option<PendingDatagram> {
        let removed = self.pending.remove(key)?;
        self.held_bytes -= removed.footprint();
        Some(removed)
    }

    /// Drops datagrams whose first fragment is older than the timeout. Fragments without a
    /// time (pcapng Simple Packet Blocks) neither expire others nor expire: the count and
    /// byte bounds still hold them in check.
    fn expire(&mut self, now: Timestamp) {
        if !now.is_known() || self.last_sweep == Some(now.secs) || self.pending.is_empty() {
            return;
        }
        self.last_sweep = Some(now.secs);
        let timeout = i128::from(self.limits.timeout_secs) * 1_000_000_000;
        let mut freed = 0;
        self.pending.retain(|_, datagram| {
            let keep = !datagram.first_seen.is_known()
                || now.as_nanos() - datagram.first_seen.as_nanos() <= timeout;
            if !keep {
                freed += datagram.footprint();
            }
            keep
        });
        self.held_bytes -= freed;
    }

    fn enforce_bounds(&mut self) {
        while self.held_bytes > self.limits.max_bytes
            || self.pending.len() > self.limits.max_datagrams
        {
            let oldest = self
                .pending
                .iter()
                .min_by_key(|(_, d)| (d.first_seen, d.seq))
                .map(|(key, _)| *key);
            match oldest {
                Some(key) => {
                    self.remove(&key);
                }
                None => break,
            }
        }
    }
}
