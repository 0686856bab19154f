//! Two cores: the reader (source → frame → batch) on one thread, the consumer on the other,
//! through a bounded channel; spent batches go back to the reader for their buffers.

use super::batch::PacketBatch;
use super::read::{ReadControl, ReadOptions, ReadSource, ReadSummary, read_batches};
use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, Sender};

/// Batches in flight between the reader and the consumer: enough to ride out a slow moment of
/// either side, few enough to bound the memory.
pub const CHANNEL_DEPTH: usize = 4;

/// The reader's side of a batch channel: `send` passes a full batch on (false once nobody
/// listens); the returned batch to fill next is a spent one when the consumer gave one back.
pub fn recycling(
    mut send: impl FnMut(PacketBatch) -> bool,
    spent: Receiver<PacketBatch>,
) -> impl FnMut(PacketBatch) -> Option<PacketBatch> {
    move |batch| {
        if !send(batch) {
            return None;
        }
        Some(spent.try_recv().unwrap_or_default())
    }
}

/// A channel for spent batches, from the consumer back to the reader.
pub fn spent_channel() -> (Sender<PacketBatch>, Receiver<PacketBatch>) {
    mpsc::channel()
}

/// Reads `source` on a second thread and hands every batch to `consume` on this one, in read
/// order; `consume` breaking stops the read. Gives what the one-thread read gives.
pub fn read_threaded<S: ReadSource + Send + ?Sized>(
    source: &mut S,
    opts: &ReadOptions,
    control: &ReadControl,
    mut consume: impl FnMut(&PacketBatch) -> ControlFlow<()>,
) -> ReadSummary {
    let (tx, rx) = mpsc::sync_channel::<PacketBatch>(CHANNEL_DEPTH);
    let (spent_tx, spent_rx) = spent_channel();
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let hand_over = recycling(move |b| tx.send(b).is_ok(), spent_rx);
            read_batches(source, opts, control, hand_over)
        });
        for mut batch in rx.iter() {
            if consume(&batch).is_break() {
                control.stop.store(true, Ordering::Relaxed);
                break;
            }
            batch.clear();
            let _ = spent_tx.send(batch);
        }
        // Dropping the receiver ends a reader blocked on a full channel.
        drop(rx);
        reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// The one-thread read: every batch to `consume` as soon as it is full.
pub fn read_inline<S: ReadSource + ?Sized>(
    source: &mut S,
    opts: &ReadOptions,
    control: &ReadControl,
    mut consume: impl FnMut(&PacketBatch) -> ControlFlow<()>,
) -> ReadSummary {
    read_batches(source, opts, control, |batch| {
        let go_on = consume(&batch).is_continue();
        go_on.then_some(batch)
    })
}
