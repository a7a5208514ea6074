//! A header that claims a huge size must not make the loader allocate that
//! much up front, and running out of memory is reported as such. This
//! binary's global allocator records the largest allocation made on the
//! calling thread, and can refuse allocations above a limit on that thread,
//! as a process under a memory limit would.

use nn::data::{DataError, DataErrorKind, load_digits_csv, load_idx_images, load_idx_labels};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
mod common;

use common::files::{gzip, temp_dir, write};
use std::ptr;

struct Recording;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
    static LIMIT: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// Records `size` and says whether it is within this thread's limit. The
/// thread-locals are const-initialised `Cell`s without destructors, so
/// reading them never allocates and never fails.
fn admit(size: usize) -> bool {
    LARGEST.with(|c| c.set(c.get().max(size)));
    size <= LIMIT.with(Cell::get)
}

// SAFETY: forwards to the system allocator unchanged, or returns null, which
// `GlobalAlloc` allows for any failed allocation.
unsafe impl GlobalAlloc for Recording {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !admit(layout.size()) {
            return ptr::null_mut();
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !admit(new_size) {
            return ptr::null_mut();
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Recording = Recording;

/// Runs `f` with allocations above `limit` bytes refused on this thread, and
/// returns its result and the largest allocation it asked for.
fn with_limit<R>(limit: usize, f: impl FnOnce() -> R) -> (R, usize) {
    LARGEST.with(|c| c.set(0));
    LIMIT.with(|c| c.set(limit));
    let result = f();
    LIMIT.with(|c| c.set(usize::MAX));
    (result, LARGEST.with(Cell::get))
}

const MIB: usize = 1 << 20;

/// `n` bytes that do not compress (xorshift64).
fn noise(n: usize) -> Vec<u8> {
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as u8
        })
        .collect()
}

fn idx_header(magic: u8, dims: &[u32]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, magic];
    for d in dims {
        out.extend(d.to_be_bytes());
    }
    out
}

#[test]
fn huge_header_allocates_only_what_the_file_holds() {
    let dir = temp_dir("huge");
    // 4,294,967,295 images of 255 x 255 pixels (279 TB), then 100 bytes.
    let mut images = idx_header(3, &[u32::MAX, 255, 255]);
    images.extend([7; 100]);
    let images_path = write(&dir, "images", &images);
    // 4,294,967,295 labels, then 100 bytes, gzip'd.
    let mut labels = idx_header(1, &[u32::MAX]);
    labels.extend([1; 100]);
    let labels_path = write(&dir, "labels.gz", &gzip(&labels));

    let ((images_err, labels_err), largest) = with_limit(usize::MAX, || {
        (
            load_idx_images(&images_path).unwrap_err(),
            load_idx_labels(&labels_path, 10).unwrap_err(),
        )
    });
    assert!(
        matches!(
            images_err,
            DataError {
                kind: DataErrorKind::Truncated { found: 100, .. },
                ..
            }
        ),
        "{images_err:?}"
    );
    assert!(
        matches!(
            labels_err,
            DataError {
                kind: DataErrorKind::Truncated { found: 100, .. },
                ..
            }
        ),
        "{labels_err:?}"
    );
    // The buffers (64 KiB for reading the file, 32 KiB in the gzip decoder, the
    // decompressor's state) stay far below the claimed sizes.
    assert!(largest < MIB, "largest allocation: {largest} bytes");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_megabyte_of_gzip_claiming_billions_of_images_reserves_only_what_arrives() {
    let dir = temp_dir("claim");
    // 4e9 MNIST-sized images claimed (3.1 TB), one megabyte of pixels present
    // in a gzip file of about one megabyte: deflate could expand such a file
    // to a gigabyte, but these bytes do not.
    let mut images = idx_header(3, &[4_000_000_000, 28, 28]);
    images.extend(noise(MIB));
    let path = write(&dir, "images.gz", &gzip(&images));

    let (err, largest) = with_limit(usize::MAX, || load_idx_images(&path).unwrap_err());
    assert!(
        matches!(
            err,
            DataError { kind: DataErrorKind::Truncated { part: "data", expected: 3_136_000_000_000, found, .. }, .. } if found == MIB as u64
        ),
        "{err:?}"
    );
    assert!(largest < 4 * MIB, "largest allocation: {largest} bytes");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn running_out_of_memory_is_not_a_corrupt_gzip_file() {
    let dir = temp_dir("oom");
    // A valid digits CSV of about a megabyte, plain and gzip'd, read where
    // nothing above 256 KiB can be allocated.
    let line = format!("{}3\n", "0,".repeat(64));
    let csv = line.repeat(MIB / line.len());
    // And a valid IDX label file of a megabyte.
    let mut labels = idx_header(1, &[MIB as u32]);
    labels.extend(vec![1; MIB]);
    for (name, bytes) in [
        ("digits.csv", csv.clone().into_bytes()),
        ("digits.csv.gz", gzip(csv.as_bytes())),
        ("labels", labels.clone()),
        ("labels.gz", gzip(&labels)),
    ] {
        let path = write(&dir, name, &bytes);
        let (err, _) = with_limit(MIB / 4, || {
            if name.starts_with("digits") {
                load_digits_csv(&path).unwrap_err()
            } else {
                load_idx_labels(&path, 10).unwrap_err()
            }
        });
        assert!(
            matches!(
                err,
                DataError {
                    kind: DataErrorKind::OutOfMemory { .. },
                    ..
                }
            ),
            "{name}: {err:?}"
        );
        let message = err.to_string();
        assert!(
            message.contains(": out of memory after reading "),
            "{message}"
        );
        assert!(!message.contains("gzip"), "{message}");
        // With memory to spare, the same file loads.
        if name.starts_with("digits") {
            assert_eq!(
                load_digits_csv(&path).unwrap().len(),
                csv.len() / line.len()
            );
        } else {
            assert_eq!(load_idx_labels(&path, 10).unwrap().len(), MIB);
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}
