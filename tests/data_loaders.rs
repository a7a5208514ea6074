//! The data loaders (`nn::data`) on the vendored data sets and on crafted
//! malformed files: every bad file gives its typed error, never a panic.
//!
//! Crafted gzip files are written by hand here (stored deflate blocks and a
//! bitwise CRC-32), independently of the flate2 decoder under test.

use nn::data::{
    DataError, DataErrorKind, Dataset, DatasetError, load_digits_csv, load_idx, load_idx_images,
    load_idx_labels, load_mnist,
};
mod common;

use common::assert_causes_printed_once;
use common::files::{crc32, gzip, temp_dir, write};
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------- helpers

fn idx_images(count: u32, rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, 3];
    for d in [count, rows, cols] {
        out.extend(d.to_be_bytes());
    }
    out.extend(pixels);
    out
}

fn idx_labels(count: u32, labels: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 8, 1];
    out.extend(count.to_be_bytes());
    out.extend(labels);
    out
}

fn repo_data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(rel)
}

#[test]
fn crafted_gzip_helper_matches_known_values() {
    // CRC-32 check value of "123456789" (the standard test vector).
    assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    // The vendored label file's gzip trailer holds the CRC-32 and size of the
    // decompressed bytes; recompute both from the loaded labels.
    let gz = std::fs::read(repo_data("mnist/t10k-labels-idx1-ubyte.gz")).unwrap();
    let labels = load_idx_labels(repo_data("mnist/t10k-labels-idx1-ubyte.gz"), 10).unwrap();
    let raw = idx_labels(10_000, &labels);
    let n = gz.len();
    assert_eq!(gz[n - 8..n - 4], crc32(&raw).to_le_bytes());
    assert_eq!(gz[n - 4..], (raw.len() as u32).to_le_bytes());
}

// ---------------------------------------------------------------- good files

#[test]
fn real_mnist_counts_labels_and_ranges() {
    let (train, test) = load_mnist(repo_data("mnist")).unwrap();
    assert_eq!((train.len(), test.len()), (60_000, 10_000));
    assert_eq!((train.features(), test.features()), (784, 784));
    assert_eq!((train.classes(), test.classes()), (10, 10));
    // Per-digit counts from data/README.md.
    assert_eq!(
        train.class_counts(),
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
    assert_eq!(
        test.class_counts(),
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
    for ds in [&train, &test] {
        assert_eq!(ds.inputs().len(), ds.len() * 784);
        let (min, max) = ds
            .inputs()
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
        assert_eq!((min, max), (0.0, 1.0));
        // Every value is k/255 for an integer k.
        assert!(
            ds.inputs()
                .iter()
                .all(|&x| ((x * 255.0).round() / 255.0 - x).abs() < 1e-7)
        );
    }
    // The first labels of each file, as printed by every MNIST tutorial.
    assert_eq!(&train.labels()[..5], &[5, 0, 4, 1, 9]);
    assert_eq!(&test.labels()[..5], &[7, 2, 1, 0, 4]);
    // The mean pixel of the training set is the widely used normalisation
    // constant 0.1307 (e.g. PyTorch's MNIST examples).
    let mean = train.inputs().iter().map(|&x| f64::from(x)).sum::<f64>() / (60_000.0 * 784.0);
    assert!((mean - 0.1307).abs() < 5e-5, "mean pixel {mean}");
    // Targets for a 10-output network.
    assert_eq!(train.class_label::<10>(0).unwrap().index(), 5);
    let y = test.one_hot::<10>(0).unwrap();
    assert_eq!(y.iter().sum::<f32>(), 1.0);
    assert_eq!(y[7], 1.0);
    assert!(train.input_vector::<784>(1).is_ok());
}

#[test]
fn real_digits_counts_labels_and_ranges() {
    let digits = load_digits_csv(repo_data("sklearn-digits/digits.csv.gz")).unwrap();
    assert_eq!(
        (digits.len(), digits.features(), digits.classes()),
        (1797, 64, 10)
    );
    assert_eq!(
        digits.class_counts(),
        [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    );
    let max = digits.inputs().iter().fold(0.0f32, |m, &x| m.max(x));
    let min = digits.inputs().iter().fold(1.0f32, |m, &x| m.min(x));
    assert_eq!((min, max), (0.0, 1.0));
    assert!(digits.inputs().iter().all(|&x| (x * 16.0).fract() == 0.0));
    // First row of sklearn's `load_digits()`: a zero, whose top row is
    // 0, 0, 5, 13, 9, 1, 0, 0.
    assert_eq!(digits.label(0), 0);
    let top: Vec<f32> = [0., 0., 5., 13., 9., 1., 0., 0.].map(|v| v / 16.0).to_vec();
    assert_eq!(&digits.input(0)[..8], &top[..]);
}

#[test]
fn idx_gzip_and_raw_give_the_same_dataset_with_exact_scaling() {
    let dir = temp_dir("gzip-and-raw");
    let pixels = [0, 51, 255, 128, 1, 2, 3, 4];
    let images = idx_images(2, 2, 2, &pixels);
    let labels = idx_labels(2, &[3, 9]);
    let raw = load_idx(write(&dir, "i", &images), write(&dir, "l", &labels), 10).unwrap();
    let gz = load_idx(
        write(&dir, "i.gz", &gzip(&images)),
        write(&dir, "l.gz", &gzip(&labels)),
        10,
    )
    .unwrap();
    assert_eq!(raw, gz);
    assert_eq!(raw.len(), 2);
    assert_eq!(raw.features(), 4);
    assert_eq!(raw.input(0), &[0.0, 0.2, 1.0, 128.0 / 255.0]);
    assert_eq!(raw.labels(), &[3, 9]);
    // A gzip file made of two members is one gzip file (RFC 1952).
    let mut two = gzip(&images[..10]);
    two.extend(gzip(&images[10..]));
    let multi = load_idx_images(write(&dir, "multi.gz", &two)).unwrap();
    assert_eq!(multi.pixels, pixels);
    // Empty files of images are fine.
    let empty = load_idx(
        write(&dir, "ei", &idx_images(0, 28, 28, &[])),
        write(&dir, "el", &idx_labels(0, &[])),
        10,
    )
    .unwrap();
    assert!(empty.is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn mnist_folder_accepts_raw_gzip_and_dotted_names() {
    let dir = temp_dir("mnist-names");
    let train_px: Vec<u8> = (0..12).collect();
    write(
        &dir,
        "train-images-idx3-ubyte.gz",
        &gzip(&idx_images(3, 2, 2, &train_px)),
    );
    write(&dir, "train-labels-idx1-ubyte", &idx_labels(3, &[0, 1, 2]));
    write(
        &dir,
        "t10k-images.idx3-ubyte",
        &idx_images(1, 2, 2, &[255; 4]),
    );
    write(&dir, "t10k-labels.idx1-ubyte", &idx_labels(1, &[9]));
    let (train, test) = load_mnist(&dir).unwrap();
    assert_eq!((train.len(), test.len()), (3, 1));
    assert_eq!(
        train.input(2),
        &[8.0 / 255.0, 9.0 / 255.0, 10.0 / 255.0, 11.0 / 255.0]
    );
    assert_eq!((test.input(0), test.label(0)), (&[1.0f32; 4][..], 9));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn digits_csv_plain_crlf_and_blank_lines() {
    let dir = temp_dir("csv-good");
    let row = |label: u8| {
        let mut fields: Vec<String> = (0..64).map(|i| (i % 17).to_string()).collect();
        fields.push(label.to_string());
        fields.join(",")
    };
    let text = format!("{}\r\n\n{}\n  \n", row(4), row(9));
    let plain = load_digits_csv(write(&dir, "d.csv", text.as_bytes())).unwrap();
    let gz = load_digits_csv(write(&dir, "d.csv.gz", &gzip(text.as_bytes()))).unwrap();
    assert_eq!(plain, gz);
    assert_eq!(plain.labels(), &[4, 9]);
    assert_eq!(plain.input(1)[16], 1.0);
    assert_eq!(plain.input(1)[8], 0.5);
    std::fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------------------------- bad files

#[test]
fn file_not_found() {
    let err = load_idx_images(Path::new("/no/such/dir/images.gz")).unwrap_err();
    match &err {
        DataError {
            path,
            kind: DataErrorKind::Io { error: source, .. },
            ..
        } => {
            assert_eq!(path, Path::new("/no/such/dir/images.gz"));
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected Io, got {other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("/no/such/dir/images.gz: cannot read: ")
    );
    assert_causes_printed_once(&err);
    assert!(matches!(
        load_digits_csv(Path::new("/no/such/digits.csv")),
        Err(DataError {
            kind: DataErrorKind::Io { .. },
            ..
        })
    ));
}

#[test]
fn mnist_folder_without_the_files() {
    let dir = temp_dir("mnist-empty");
    write(
        &dir,
        "train-images-idx3-ubyte.gz",
        &gzip(&idx_images(0, 1, 1, &[])),
    );
    let err = load_mnist(&dir).unwrap_err();
    let DataError {
        path: d,
        kind: DataErrorKind::NotFound { tried, .. },
        ..
    } = &err
    else {
        panic!("expected NotFound, got {err:?}");
    };
    assert_eq!(d, &dir);
    assert_eq!(tried[0], "train-labels-idx1-ubyte.gz");
    assert!(
        err.to_string()
            .contains("tried train-labels-idx1-ubyte.gz, train-labels-idx1-ubyte, ")
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn wrong_magic_number() {
    let dir = temp_dir("magic");
    // A label file where images are expected, raw and gzip'd.
    let labels = idx_labels(1, &[0]);
    for (name, bytes, gz) in [("raw", labels.clone(), false), ("gz", gzip(&labels), true)] {
        let path = write(&dir, name, &bytes);
        let err = load_idx_images(&path).unwrap_err();
        match err {
            DataError {
                kind:
                    DataErrorKind::BadMagic {
                        expected: 0x0803,
                        found: 0x0801,
                        gzip,
                        ..
                    },
                ..
            } => assert_eq!(gzip, gz),
            ref other => panic!("expected BadMagic, got {other:?}"),
        }
        let msg = err.to_string();
        assert!(msg.contains("wrong magic number 0x00000801: expected 0x00000803 (IDX images"));
    }
    // Images where labels are expected.
    let path = write(&dir, "img", &idx_images(1, 1, 1, &[0]));
    assert!(matches!(
        load_idx_labels(&path, 10),
        Err(DataError {
            kind: DataErrorKind::BadMagic {
                expected: 0x0801,
                found: 0x0803,
                ..
            },
            ..
        })
    ));
    // Another element type (0x0d = float) with the right dimension count.
    let mut floats = idx_images(1, 1, 1, &[0, 0, 0, 0]);
    floats[2] = 0x0d;
    let path = write(&dir, "floats", &floats);
    assert!(matches!(
        load_idx_images(&path),
        Err(DataError {
            kind: DataErrorKind::BadMagic { found: 0x0d03, .. },
            ..
        })
    ));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn file_that_is_neither_gzip_nor_idx() {
    let dir = temp_dir("not-gzip");
    let path = write(&dir, "page.gz", b"<html>not found</html>");
    let err = load_idx_images(&path).unwrap_err();
    assert!(matches!(
        err,
        DataError {
            kind: DataErrorKind::BadMagic {
                found: 0x3c68_746d,
                gzip: false,
                ..
            },
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: wrong magic number 0x3c68746d: expected 0x00000803 (IDX images: unsigned bytes, 3 dimensions), or a gzip file starting with 1f 8b",
            path.display()
        )
    );
    // A zip archive is not gzip either.
    let path = write(&dir, "zip", b"PK\x03\x04\x14\x00\x00\x00");
    assert!(matches!(
        load_idx_labels(&path, 10),
        Err(DataError {
            kind: DataErrorKind::BadMagic {
                found: 0x504b_0304,
                gzip: false,
                ..
            },
            ..
        })
    ));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn corrupt_gzip() {
    let dir = temp_dir("corrupt-gzip");
    let labels = idx_labels(3, &[1, 2, 3]);
    // Wrong CRC-32 in the trailer.
    let mut bad_crc = gzip(&labels);
    let n = bad_crc.len();
    bad_crc[n - 8] ^= 0xff;
    // Compression method 7 (only 8, deflate, exists).
    let mut bad_method = gzip(&labels);
    bad_method[2] = 7;
    // A reserved deflate block type (BTYPE = 11).
    let mut bad_block = gzip(&labels);
    bad_block[10] = 0b111;
    // Garbage after the gzip member.
    let mut trailing = gzip(&labels);
    trailing.extend(b"garbage!garbage!");
    for (name, bytes) in [
        ("crc", bad_crc),
        ("method", bad_method),
        ("block", bad_block),
        ("trailing", trailing),
    ] {
        let path = write(&dir, name, &bytes);
        let err = load_idx_labels(&path, 10).unwrap_err();
        assert_causes_printed_once(&err);
        assert!(
            matches!(
                err,
                DataError {
                    kind: DataErrorKind::Gzip { .. },
                    ..
                }
            ),
            "{name}: expected Gzip, got {err:?}"
        );
        assert!(err.to_string().contains(": corrupt gzip file: "), "{err}");
        // The CSV loader reports it the same way.
        let err = load_digits_csv(&path).unwrap_err();
        assert!(
            matches!(
                err,
                DataError {
                    kind: DataErrorKind::Gzip { .. },
                    ..
                }
            ),
            "{name}: {err:?}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn truncated_header() {
    let dir = temp_dir("short-header");
    let images = idx_images(1, 2, 2, &[0; 4]);
    for (name, bytes) in [("raw", images[..10].to_vec()), ("gz", gzip(&images[..10]))] {
        let path = write(&dir, name, &bytes);
        let err = load_idx_images(&path).unwrap_err();
        assert!(
            matches!(
                err,
                DataError {
                    kind: DataErrorKind::Truncated {
                        part: "header",
                        expected: 12,
                        found: 10,
                        ..
                    },
                    ..
                }
            ),
            "{name}: {err:?}"
        );
    }
    // Shorter than the magic number, and empty.
    for (name, bytes) in [("two", &[0u8, 0][..]), ("empty", &[][..])] {
        let path = write(&dir, name, bytes);
        assert!(matches!(
            load_idx_labels(&path, 10),
            Err(DataError {
                kind: DataErrorKind::Truncated {
                    part: "header",
                    expected: 4,
                    ..
                },
                ..
            })
        ));
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn truncated_data() {
    let dir = temp_dir("short-data");
    // The header announces 10 labels, 7 are there.
    let labels = idx_labels(10, &[1; 7]);
    for (name, bytes) in [("raw", labels.clone()), ("gz", gzip(&labels))] {
        let path = write(&dir, name, &bytes);
        let err = load_idx_labels(&path, 10).unwrap_err();
        assert!(
            matches!(
                err,
                DataError {
                    kind: DataErrorKind::Truncated {
                        part: "data",
                        expected: 10,
                        found: 7,
                        ..
                    },
                    ..
                }
            ),
            "{name}: {err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "{}: truncated data: expected 10 bytes, found 7",
                path.display()
            )
        );
    }
    // A gzip file cut off in the middle of its deflate stream (the real one).
    let gz = std::fs::read(repo_data("mnist/t10k-labels-idx1-ubyte.gz")).unwrap();
    let path = write(&dir, "cut.gz", &gz[..gz.len() / 2]);
    let err = load_idx_labels(&path, 10).unwrap_err();
    assert!(
        matches!(err, DataError { kind: DataErrorKind::Truncated { part: "data", expected: 10_000, found, .. }, .. } if found < 10_000),
        "{err:?}"
    );
    // A gzip file that lost only its 8-byte trailer (all data, no checksum).
    let path = write(&dir, "no-trailer.gz", &gz[..gz.len() - 8]);
    let err = load_idx_labels(&path, 10).unwrap_err();
    assert!(
        matches!(
            err,
            DataError {
                kind: DataErrorKind::Gzip { .. },
                ..
            }
        ),
        "{err:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn header_counts_disagree_with_the_bytes() {
    let dir = temp_dir("disagree");
    // 2 images of 2x2 announced, 3 images of bytes present.
    let images = idx_images(2, 2, 2, &[7; 12]);
    for (name, bytes) in [("raw", images.clone()), ("gz", gzip(&images))] {
        let path = write(&dir, name, &bytes);
        let err = load_idx_images(&path).unwrap_err();
        assert!(
            matches!(
                err,
                DataError {
                    kind: DataErrorKind::TrailingData { expected: 8, .. },
                    ..
                }
            ),
            "{name}: {err:?}"
        );
        assert!(
            err.to_string()
                .ends_with("more data than the header announces: expected 8 bytes")
        );
    }
    let path = write(&dir, "labels", &idx_labels(1, &[1, 2]));
    assert!(matches!(
        load_idx_labels(&path, 10),
        Err(DataError {
            kind: DataErrorKind::TrailingData { expected: 1, .. },
            ..
        })
    ));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn images_and_labels_of_different_counts() {
    let dir = temp_dir("count-mismatch");
    let images = write(&dir, "i", &idx_images(3, 1, 2, &[0; 6]));
    let labels = write(&dir, "l", &idx_labels(2, &[0, 1]));
    let err = load_idx(&images, &labels, 10).unwrap_err();
    assert!(matches!(
        err,
        DataError {
            kind: DataErrorKind::CountMismatch {
                image_count: 3,
                label_count: 2,
                ..
            },
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: 2 labels, but {} has 3 images: expected the same count",
            labels.display(),
            images.display()
        )
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn label_outside_the_class_range() {
    let dir = temp_dir("label-range");
    let path = write(&dir, "l.gz", &gzip(&idx_labels(4, &[0, 9, 10, 3])));
    let err = load_idx_labels(&path, 10).unwrap_err();
    assert!(matches!(
        err,
        DataError {
            kind: DataErrorKind::LabelOutOfRange {
                index: 2,
                label: 10,
                classes: 10,
                ..
            },
            ..
        }
    ));
    assert!(
        err.to_string()
            .ends_with("label 10 of sample 2 is out of range: expected a class in 0..10")
    );
    // Fine with 11 classes.
    assert_eq!(load_idx_labels(&path, 11).unwrap(), [0, 9, 10, 3]);
    // And through the pair loader.
    let images = write(&dir, "i", &idx_images(4, 1, 1, &[0; 4]));
    assert!(matches!(
        load_idx(&images, &path, 10),
        Err(DataError {
            kind: DataErrorKind::LabelOutOfRange { index: 2, .. },
            ..
        })
    ));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn header_claiming_a_huge_size() {
    // Allocation itself is measured in tests/data_alloc.rs; here, the errors.
    let dir = temp_dir("huge");
    // 4 billion images of 28x28 (3.4 TB) in a few bytes: truncated, not OOM.
    let huge = idx_images(u32::MAX, 28, 28, &[1, 2, 3]);
    for (name, bytes) in [("raw", huge.clone()), ("gz", gzip(&huge))] {
        let path = write(&dir, name, &bytes);
        let err = load_idx_images(&path).unwrap_err();
        assert!(
            matches!(
                err,
                DataError {
                    kind: DataErrorKind::Truncated {
                        part: "data",
                        expected: 3_367_254_359_280,
                        found: 3,
                        ..
                    },
                    ..
                }
            ),
            "{name}: {err:?}"
        );
    }
    let path = write(&dir, "labels", &idx_labels(u32::MAX, &[1]));
    assert!(matches!(
        load_idx_labels(&path, 10),
        Err(DataError {
            kind: DataErrorKind::Truncated {
                expected: 4_294_967_295,
                found: 1,
                ..
            },
            ..
        })
    ));
    // A size that does not even fit in 64 bits.
    let path = write(
        &dir,
        "overflow",
        &idx_images(u32::MAX, u32::MAX, u32::MAX, &[]),
    );
    let err = load_idx_images(&path).unwrap_err();
    assert!(
        matches!(
            err,
            DataError {
                kind: DataErrorKind::BadDims { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("4294967295 x 4294967295 x 4294967295")
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn zero_sized_images() {
    let dir = temp_dir("zero-size");
    let path = write(&dir, "i", &idx_images(5, 0, 28, &[]));
    let err = load_idx_images(&path).unwrap_err();
    assert!(
        matches!(err, DataError { kind: DataErrorKind::BadDims { ref dims, .. }, .. } if dims == &[5, 0, 28])
    );
    assert!(
        err.to_string()
            .ends_with("header dimensions 5 x 0 x 28: an image needs at least one pixel")
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn csv_with_bad_fields() {
    let dir = temp_dir("csv-bad");
    let good: Vec<String> = (0..65).map(|i| (i % 10).to_string()).collect();
    let line = |i: usize, v: &str| {
        let mut f = good.clone();
        f[i] = v.to_owned();
        f.join(",")
    };
    let short = good[..64].join(",");
    let long = format!("{},1", good.join(","));
    let cases: Vec<(&str, String)> = vec![
        ("short", short),
        ("long", long),
        ("float", line(3, "3.5")),
        ("word", line(0, "abc")),
        ("empty-field", line(10, "")),
        ("pixel-17", line(5, "17")),
        ("pixel-neg", line(63, "-1")),
        ("label-10", line(64, "10")),
        ("overflow", line(2, "99999999999999999999999")),
    ];
    for (name, bad) in &cases {
        // The bad line is line 3, after a good line and a blank line.
        let text = format!("{}\n\n{bad}\n{}\n", good.join(","), good.join(","));
        let path = write(&dir, name, &gzip(text.as_bytes()));
        let err = load_digits_csv(&path).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with(&format!("{}:3: ", path.display())), "{msg}");
        match (*name, &err) {
            (
                "short",
                DataError {
                    kind:
                        DataErrorKind::FieldCount {
                            line: 3,
                            expected: 65,
                            found: 64,
                            ..
                        },
                    ..
                },
            ) => {}
            (
                "long",
                DataError {
                    kind:
                        DataErrorKind::FieldCount {
                            line: 3,
                            expected: 65,
                            found: 66,
                            ..
                        },
                    ..
                },
            ) => {}
            (
                "float",
                DataError {
                    kind:
                        DataErrorKind::NotAnInteger {
                            column: 4, text, ..
                        },
                    ..
                },
            ) => assert_eq!(text, "3.5"),
            (
                "word",
                DataError {
                    kind:
                        DataErrorKind::NotAnInteger {
                            column: 1, text, ..
                        },
                    ..
                },
            ) => assert_eq!(text, "abc"),
            (
                "empty-field",
                DataError {
                    kind: DataErrorKind::NotAnInteger { column: 11, .. },
                    ..
                },
            ) => {}
            (
                "pixel-17",
                DataError {
                    kind:
                        DataErrorKind::ValueOutOfRange {
                            column: 6,
                            what: "pixel",
                            max: 16,
                            ..
                        },
                    ..
                },
            ) => {
                assert!(msg.ends_with("field 6: pixel 17 is out of range: expected 0..=16"))
            }
            (
                "pixel-neg",
                DataError {
                    kind:
                        DataErrorKind::ValueOutOfRange {
                            column: 64,
                            what: "pixel",
                            ..
                        },
                    ..
                },
            ) => {}
            (
                "label-10",
                DataError {
                    kind:
                        DataErrorKind::ValueOutOfRange {
                            column: 65,
                            what: "label",
                            max: 9,
                            ..
                        },
                    ..
                },
            ) => {}
            (
                "overflow",
                DataError {
                    kind: DataErrorKind::ValueOutOfRange { column: 3, .. },
                    ..
                },
            ) => {}
            _ => panic!("{name}: unexpected {err:?}"),
        }
    }
    // Binary garbage that is not gzip: not integers.
    let path = write(&dir, "binary", &[0xff, 0xfe, 0, 1, 2]);
    assert!(matches!(
        load_digits_csv(&path),
        Err(DataError {
            kind: DataErrorKind::FieldCount {
                line: 1,
                found: 1,
                ..
            },
            ..
        })
    ));
    std::fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------------------------- Dataset

#[test]
fn dataset_split_take_and_targets() {
    let digits = load_digits_csv(repo_data("sklearn-digits/digits.csv.gz")).unwrap();
    let first = digits.input(1500).to_vec();
    let label = digits.label(1500);
    let (train, test) = digits.clone().split(1500);
    assert_eq!((train.len(), test.len()), (1500, 297));
    assert_eq!(test.input(0), &first[..]);
    assert_eq!(test.label(0), label);
    assert_eq!(train.take(10).len(), 10);
    let (all, none) = digits.clone().split(usize::MAX);
    assert_eq!((all.len(), none.len()), (1797, 0));
    assert_eq!(none.features(), 64);
    // Labels 0..10 do not all fit a 5-output network.
    let too_few = (0..digits.len()).find(|&i| digits.class_label::<5>(i).is_err());
    assert_eq!(too_few.map(|i| digits.label(i) >= 5), Some(true));
    assert!(digits.input_vector::<63>(0).is_err());
    assert_eq!(
        digits.input_vector::<64>(3).unwrap().as_slice(),
        digits.input(3)
    );
    assert_eq!(digits.get(1797), None);
    assert_eq!(digits.iter().len(), 1797);
    assert!(Dataset::new(0, 10, vec![], vec![]).is_err());
    assert!(Dataset::new(1, 0, vec![], vec![]).is_err());
    assert!(Dataset::new(1, 257, vec![], vec![]).is_err());
}

#[test]
fn a_non_finite_input_names_its_sample_and_feature() {
    // One NaN among the digits' 115,008 inputs: left in, it would make every
    // weight it touches NaN while ReLU hid it from the loss.
    let digits = load_digits_csv(repo_data("sklearn-digits/digits.csv.gz")).unwrap();
    for (bad, shown) in [
        (f32::NAN, "NaN"),
        (f32::INFINITY, "inf"),
        (f32::NEG_INFINITY, "-inf"),
    ] {
        let mut inputs = digits.inputs().to_vec();
        inputs[1234 * 64 + 17] = bad;
        let err = Dataset::new(64, 10, inputs, digits.labels().to_vec()).unwrap_err();
        assert!(
            matches!(
                err,
                DatasetError::NonFinite {
                    sample: 1234,
                    feature: 17,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("feature 17 of sample 1234 is {shown}: expected a finite number")
        );
    }
}
