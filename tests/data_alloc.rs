//! A header that claims a huge size must not make the loader allocate that
//! much up front. This binary's global allocator records the largest single
//! allocation; it holds one test only, so nothing else allocates meanwhile.

use nn::data::{DataError, load_idx_images, load_idx_labels};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Recording;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only records sizes.
unsafe impl GlobalAlloc for Recording {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Recording = Recording;

/// CRC-32 as gzip uses it (checked in tests/data_loaders.rs).
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn huge_header_allocates_only_what_the_file_holds() {
    let dir = std::env::temp_dir().join(format!("nn-data-alloc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // 4,294,967,295 images of 255 x 255 pixels (279 TB), then 100 bytes.
    let mut images = vec![0, 0, 8, 3];
    for d in [u32::MAX, 255, 255] {
        images.extend(d.to_be_bytes());
    }
    images.extend([7; 100]);
    let images_path = dir.join("images");
    std::fs::write(&images_path, &images).unwrap();
    // 4,294,967,295 labels, then 100 bytes, in a gzip file (stored block).
    let mut raw = vec![0, 0, 8, 1];
    raw.extend(u32::MAX.to_be_bytes());
    raw.extend([1; 100]);
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1];
    gz.extend((raw.len() as u16).to_le_bytes());
    gz.extend((!(raw.len() as u16)).to_le_bytes());
    gz.extend(&raw);
    gz.extend(crc32(&raw).to_le_bytes());
    gz.extend((raw.len() as u32).to_le_bytes());
    let labels_path = dir.join("labels.gz");
    std::fs::write(&labels_path, &gz).unwrap();

    LARGEST.store(0, Ordering::Relaxed);
    let images_err = load_idx_images(&images_path).unwrap_err();
    let labels_err = load_idx_labels(&labels_path, 10).unwrap_err();
    let largest = LARGEST.load(Ordering::Relaxed);

    assert!(
        matches!(images_err, DataError::Truncated { found: 100, .. }),
        "{images_err:?}"
    );
    assert!(
        matches!(labels_err, DataError::Truncated { found: 100, .. }),
        "{labels_err:?}"
    );
    // The buffers (64 KiB for reading the file, 32 KiB in the gzip decoder, the
    // decompressor's state) stay far below the claimed sizes; the gzip'd
    // label file may reserve up to 1032 x its 135 bytes.
    assert!(largest < 1 << 20, "largest allocation: {largest} bytes");
    std::fs::remove_dir_all(dir).unwrap();
}
