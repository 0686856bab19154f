//! Dropping idle clients, for a model that runs for weeks (`dhcpscope watch`).

use super::findings::FindingSink;
use super::{Analysis, Client};
use crate::time::Timestamp;

impl Analysis {
    /// Replaces the expectations (a reloaded configuration): servers are judged again on the
    /// next [`Analysis::finish`], with everything seen so far kept.
    pub fn set_expectations(&mut self, expectations: super::Expectations) {
        self.expectations = expectations;
        self.finished = false;
    }

    /// Drops state idle for more than `max_idle_secs` before `now`: every client not seen
    /// for that long (returned, for the caller to summarise), and the older exchanges of the
    /// others that ended that long ago (counted in [`Client::exchanges_dropped`], as the
    /// per-client cap does). Memory then follows the activity of the last `max_idle_secs`,
    /// not every client and exchange ever seen. Servers and their counters stay. The index
    /// maps are rebuilt with the surviving clients' new positions.
    ///
    /// The per-packet finding collector keys its state by client position, so it starts
    /// afresh when a client is dropped: [`Analysis::findings`] then holds only what was seen
    /// since (a caller that reports findings remembers what it already reported).
    pub fn expire_idle(&mut self, now: Timestamp, max_idle_secs: i64) -> Vec<Client> {
        // An unknown time (pcapng Simple Packet Block) never makes anything old.
        let old = |t: Timestamp| now.secs_since(t).is_some_and(|d| d > max_idle_secs);
        let idle = |c: &Client| old(c.last_seen);
        for c in self.clients.iter_mut().filter(|c| !idle(c)) {
            // Oldest first, as the per-client cap drops them: the exchange numbering holds.
            let n = c.exchanges.iter().take_while(|e| old(e.end)).count();
            if n > 0 {
                c.exchanges.drain(..n);
                c.exchanges_dropped += n as u64;
            }
        }
        if !self.clients.iter().any(idle) {
            return Vec::new();
        }
        // Old position → new position of each surviving client.
        let mut new_index: Vec<Option<usize>> = Vec::with_capacity(self.clients.len());
        let mut kept = Vec::with_capacity(self.clients.len());
        let mut dropped = Vec::new();
        for c in std::mem::take(&mut self.clients) {
            if idle(&c) {
                new_index.push(None);
                dropped.push(c);
            } else {
                new_index.push(Some(kept.len()));
                kept.push(c);
            }
        }
        self.clients = kept;
        // Positions are u32 in the indexes (the model holds fewer than 2^32 clients).
        let map = |i: u32| {
            new_index
                .get(i as usize)
                .copied()
                .flatten()
                .map(|n| n as u32)
        };
        self.by_chaddr
            .retain(|_, i| map(*i).map(|n| *i = n).is_some());
        self.by_client_id
            .retain(|_, i| map(*i).map(|n| *i = n).is_some());
        self.by_xid
            .retain(|_, (i, _)| map(*i).map(|n| *i = n).is_some());
        self.leases
            .retain(|_, lease| map(lease.client).map(|n| lease.client = n).is_some());
        self.open = std::mem::take(&mut self.open)
            .into_iter()
            .filter_map(|((client, xid), number)| Some(((map(client)?, xid), number)))
            .collect::<super::compact::FastMap<_, _>>();
        self.sink = FindingSink::default();
        self.finished = false;
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Expectations;
    use crate::craft::{UdpEndpoints, udp_frame};
    use crate::dhcp::MessageBuilder;
    use crate::dhcp::options::MessageType;
    use crate::frame::{Decoded, FrameDecoder};
    use crate::pipeline::PacketBatch;
    use crate::source::{RawFrame, linktype};

    fn feed(a: &mut Analysis, mac: [u8; 6], xid: u32, secs: i64) {
        let payload = MessageBuilder::request(xid, mac)
            .message_type(MessageType::DISCOVER)
            .build();
        let frame = udp_frame(&UdpEndpoints::client_broadcast(mac), &[], &payload);
        let raw = RawFrame {
            number: 1,
            ts: Timestamp::new(secs, 0),
            ts_digits: 6,
            linktype: linktype::ETHERNET,
            orig_len: frame.len() as u32,
            data: &frame,
        };
        let mut dec = FrameDecoder::new();
        let Decoded::Udp(udp) = dec.decode(&raw) else {
            panic!("not udp")
        };
        let mut batch = PacketBatch::default();
        batch.push(&raw, &udp, false);
        a.observe(&batch.packet(&batch.packets[0]));
    }

    #[test]
    fn idle_clients_go_and_the_rest_stay_findable() {
        let mut a = Analysis::new(Expectations::default());
        for n in 0..10u8 {
            feed(&mut a, [2, 0, 0, 0, 0, n], u32::from(n), i64::from(n) * 100);
        }
        let gone = a.expire_idle(Timestamp::new(1000, 0), 450);
        // Seen at 0..=500 are idle for more than 450 s at 1000.
        assert_eq!(gone.len(), 6);
        assert_eq!(a.clients.len(), 4);
        for n in 0..10u8 {
            let found = a.client(&[2, 0, 0, 0, 0, n]).map(|c| c.chaddr);
            if n < 6 {
                assert_eq!(found, None);
            } else {
                assert_eq!(found.as_deref(), Some(&[2, 0, 0, 0, 0, n][..]));
            }
        }
        // A kept client's open exchange is still found: the retransmission folds into it.
        feed(&mut a, [2, 0, 0, 0, 0, 9], 9, 950);
        let c = a.client(&[2, 0, 0, 0, 0, 9]).unwrap();
        assert_eq!(c.exchanges.len(), 1);
        assert_eq!(c.exchanges[0].retransmissions, 1);
        // A dropped client coming back is a new client.
        feed(&mut a, [2, 0, 0, 0, 0, 1], 1, 1002);
        assert_eq!(a.clients.len(), 5);
        a.finish();
        assert!(a.expire_idle(Timestamp::new(1003, 0), 450).is_empty());
    }

    #[test]
    fn old_exchanges_of_active_clients_go_too() {
        let mac = [2, 0, 0, 0, 0, 1];
        let mut a = Analysis::new(Expectations::default());
        for n in 0..5u32 {
            feed(&mut a, mac, n, i64::from(n) * 100);
        }
        assert!(a.expire_idle(Timestamp::new(450, 0), 200).is_empty());
        let c = a.client(&mac).unwrap();
        // Ended at 0, 100 and 200: more than 200 s before 450.
        assert_eq!(c.exchanges_dropped, 3);
        assert_eq!(
            c.exchanges.iter().map(|e| e.xid).collect::<Vec<_>>(),
            [3, 4]
        );
        // The newest exchange is still open: a retransmission folds into it.
        feed(&mut a, mac, 4, 420);
        let c = a.client(&mac).unwrap();
        assert_eq!(c.exchanges.len(), 2);
        assert_eq!(c.exchanges[1].retransmissions, 1);
    }
}
