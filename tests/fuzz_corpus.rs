//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) through the
//! fuzz targets' own functions (`fuzz/src/lib.rs`), on stable Rust, so every
//! seed and every input that once broke a loader is checked by `cargo test`.
//!
//! Beyond "no panic", each input must stay within the loaders' memory
//! promise (docs/reliability.md): the most memory live at once while one
//! input is loaded is bounded by a multiple of the bytes it really holds
//! (after decompression), whatever sizes its header claims.

#[path = "../fuzz/src/lib.rs"]
mod targets;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Read;
use std::path::Path;

/// Counts the bytes this thread has live, and the most it had.
struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn grew(by: usize) {
    let live = LIVE.get() + by;
    LIVE.set(live);
    PEAK.set(PEAK.get().max(live));
}

fn shrank(by: usize) {
    LIVE.set(LIVE.get().saturating_sub(by));
}

// SAFETY: forwards every call to the system allocator unchanged; the
// bookkeeping touches only const-initialised thread-locals, which never
// allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrank(layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Old and new blocks may both be live while the bytes are copied.
        grew(new_size);
        shrank(layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes the input holds once decompressed, if it is gzip'd (as much as
/// decodes before an error), else its length.
fn content_len(data: &[u8]) -> usize {
    if !data.starts_with(&[0x1f, 0x8b]) {
        return data.len();
    }
    let mut decoder = flate2::read::MultiGzDecoder::new(data);
    let mut buf = [0u8; 1 << 16];
    let mut total = 0;
    while let Ok(n @ 1..) = decoder.read(&mut buf) {
        total += n;
    }
    total.max(data.len())
}

/// What a loader may keep live beyond the input's own bytes: read buffers,
/// the gzip decoder's window and tables, error messages.
const OVERHEAD: usize = 512 << 10;
/// Live bytes per content byte: the decoded data (a growing buffer doubles),
/// plus the `f32` samples built from it.
const PER_BYTE: usize = 8;

/// Runs every file of `fuzz/corpus/<target>/` through `run`; returns the
/// failures, each naming its file.
fn replay(target: &str, run: fn(&[u8])) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no corpus", dir.display());
    let mut failures = Vec::new();
    for file in files {
        let data = std::fs::read(&file).unwrap();
        let bound = OVERHEAD + PER_BYTE * content_len(&data);
        let before = LIVE.get();
        PEAK.set(before);
        let outcome = std::panic::catch_unwind(|| run(&data));
        let used = PEAK.get() - before;
        let name = file
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap()
            .display();
        if outcome.is_err() {
            failures.push(format!("{name}: panicked"));
        } else if used > bound {
            failures.push(format!(
                "{name}: {used} bytes live at once, more than the bound of {bound}"
            ));
        }
    }
    failures
}

#[test]
fn idx_images_corpus() {
    assert_eq!(
        replay("idx_images", targets::idx_images),
        Vec::<String>::new()
    );
}

#[test]
fn idx_labels_corpus() {
    assert_eq!(
        replay("idx_labels", targets::idx_labels),
        Vec::<String>::new()
    );
}

#[test]
fn digits_csv_corpus() {
    assert_eq!(
        replay("digits_csv", targets::digits_csv),
        Vec::<String>::new()
    );
}

#[test]
fn safetensors_corpus() {
    assert_eq!(
        replay("safetensors", targets::safetensors),
        Vec::<String>::new()
    );
}

#[test]
fn weights_check_corpus() {
    assert_eq!(
        replay("weights_check", targets::weights_check),
        Vec::<String>::new()
    );
}
