//! `decode` allocates nothing per packet: a counting global allocator watches the whole read
//! path (pcap reader → frame → DHCP decode) and the text and jsonl writers, over a synthetic
//! capture and over every capture in `captures/`.
//!
//! Its own test binary, so no other test's allocations are counted.

use dhcpscope::output::decode::DecodeWriter;
use dhcpscope::pipeline::read_dhcp;
use dhcpscope::source::FileSource;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ops::ControlFlow;
use std::path::Path;

struct Counting;

// Per thread, so tests running in parallel do not count each other's allocations.
thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

fn note_alloc() {
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
        }
    });
}

fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

fn counting(on: bool) {
    COUNTING.with(|c| c.set(on));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_alloc();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    packets: u64,
    /// Allocations anywhere (reader, decoders, writer) after the warm-up packets.
    read_and_write: u64,
    /// Allocations inside the writer alone after the warm-up packets.
    write: u64,
}

/// Decodes `path` in `format`, counting allocations after the first `warmup` packets (buffers
/// grow to their working size there).
fn count(path: &Path, jsonl: bool, warmup: u64) -> Counts {
    let mut source = FileSource::open(path).expect("open capture");
    let mut writer = DecodeWriter::new();
    let mut sink = std::io::sink();
    let mut c = Counts::default();
    let mut before_write = 0;
    read_dhcp(&mut source, |p| {
        c.packets += 1;
        if c.packets == warmup + 1 {
            ALLOCS.with(|n| n.set(0));
            counting(true);
        }
        let at_start = allocs();
        let result = if jsonl {
            writer.write_jsonl(&mut sink, p)
        } else {
            writer.write_text(&mut sink, p)
        };
        result.expect("write to sink");
        c.write += allocs() - at_start;
        before_write = allocs();
        ControlFlow::Continue(())
    });
    counting(false);
    c.read_and_write = before_write;
    c
}

#[test]
fn decode_allocates_nothing_per_packet() {
    let dir = std::env::temp_dir().join(format!("dhcpscope-alloc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("synth.pcap");
    let file = std::fs::File::create(&path).unwrap();
    dhcpscope::synth::write_capture(std::io::BufWriter::new(file), 3_000, 7).unwrap();
    for jsonl in [false, true] {
        let c = count(&path, jsonl, 200);
        eprintln!("synthetic, jsonl={jsonl}: {c:?}");
        assert!(c.packets > 10_000, "{c:?}");
        assert_eq!(c.write, 0, "the writer allocated (jsonl={jsonl}): {c:?}");
        assert_eq!(
            c.read_and_write, 0,
            "the read path allocated (jsonl={jsonl}): {c:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Real captures hold odd packets (split options, overload, hostile text, warnings): the
/// writer still allocates nothing once warm. (The decoder may allocate for a packet with
/// more than 24 options or a warning listing option codes; those are counted apart.)
#[test]
fn writers_allocate_nothing_on_the_repository_captures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "pcap" || e == "pcapng" || e == "cap")
        })
        .collect();
    files.sort();
    assert!(files.len() > 10);
    for f in files {
        for jsonl in [false, true] {
            // Warm up on the whole file once, then count a second pass with the same writer.
            let c = count_twice(&f, jsonl);
            assert_eq!(c, 0, "{}: writer allocated {c} times", f.display());
        }
    }
}

/// Writes every packet of `path` twice with one writer; allocations in the second pass.
fn count_twice(path: &Path, jsonl: bool) -> u64 {
    let mut writer = DecodeWriter::new();
    let mut sink = std::io::sink();
    let mut allocs = 0;
    for pass in 0..2 {
        let mut source = FileSource::open(path).expect("open capture");
        read_dhcp(&mut source, |p| {
            ALLOCS.with(|n| n.set(0));
            counting(pass == 1);
            let result = if jsonl {
                writer.write_jsonl(&mut sink, p)
            } else {
                writer.write_text(&mut sink, p)
            };
            counting(false);
            result.expect("write to sink");
            allocs += self::allocs();
            ControlFlow::Continue(())
        });
    }
    allocs
}
