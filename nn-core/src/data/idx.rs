//! MNIST's IDX format: big-endian headers, unsigned-byte arrays.

use super::source::Source;
use super::{DIGIT_CLASSES, DataError, DataErrorKind, Dataset};
use std::path::{Path, PathBuf};

/// IDX magic of an unsigned-byte array with 3 dimensions (`N x rows x cols`).
pub(super) const IDX_IMAGES_MAGIC: u32 = 0x0000_0803;
/// IDX magic of an unsigned-byte array with 1 dimension (`N`).
pub(super) const IDX_LABELS_MAGIC: u32 = 0x0000_0801;

/// The pixels of an IDX image file, as stored: one byte per pixel.
///
/// ```
/// use nn::data::load_idx_images;
/// use std::path::Path;
/// let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist/t10k-images-idx3-ubyte.gz"));
/// let images = load_idx_images(path)?;
/// assert_eq!((images.count, images.rows, images.cols), (10_000, 28, 28));
/// assert_eq!(images.pixels.len(), 10_000 * 28 * 28);
/// # Ok::<(), nn::data::DataError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxImages {
    /// The number of images.
    pub count: usize,
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub cols: usize,
    /// `count * rows * cols` pixels, image after image, each row-major.
    pub pixels: Vec<u8>,
}

/// Reads an IDX file of unsigned-byte images (magic `0x00000803`, dimensions
/// `count x rows x cols`), gzip'd or not.
///
/// Fails with a [`DataError`] if the file cannot be read, is corrupt gzip, has
/// another magic number, is shorter or longer than its header says, or has
/// zero-sized images. See [`IdxImages`] for an example.
pub fn load_idx_images(path: impl AsRef<Path>) -> Result<IdxImages, DataError> {
    let path = path.as_ref();
    let mut src = Source::open(path)?;
    let dims = src.read_idx_header(3)?;
    let bad = |reason| {
        DataError::new(
            path,
            DataErrorKind::BadDims {
                dims: dims.clone(),
                reason,
            },
        )
    };
    let [count, rows, cols] = [dims[0], dims[1], dims[2]].map(|d| d as usize);
    if rows == 0 || cols == 0 {
        return Err(bad("an image needs at least one pixel"));
    }
    // Both the per-image size and the total must be addressable (this matters
    // on 32-bit targets, and for `0 x huge x huge` headers).
    let total = u64::from(dims[1])
        .checked_mul(u64::from(dims[2]))
        .filter(|&n| usize::try_from(n).is_ok())
        .and_then(|n| n.checked_mul(u64::from(dims[0])))
        .filter(|&n| usize::try_from(n).is_ok());
    let Some(total) = total else {
        return Err(bad("the data would not fit in memory on this platform"));
    };
    let pixels = src.read_data(total)?;
    Ok(IdxImages {
        count,
        rows,
        cols,
        pixels,
    })
}

/// Reads an IDX file of unsigned-byte labels (magic `0x00000801`, one
/// dimension), gzip'd or not, and checks that every label is below `classes`.
///
/// ```
/// use nn::data::{load_idx_labels, DataError, DataErrorKind};
/// use std::path::Path;
/// let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist/t10k-labels-idx1-ubyte.gz"));
/// let labels = load_idx_labels(path, 10)?;
/// assert_eq!(labels.len(), 10_000);
/// assert_eq!(labels[..5], [7, 2, 1, 0, 4]);
/// // With only 5 classes, the first label (7) is out of range.
/// let err = load_idx_labels(path, 5).unwrap_err();
/// assert!(matches!(err.kind, DataErrorKind::LabelOutOfRange { index: 0, label: 7, .. }));
/// # Ok::<(), DataError>(())
/// ```
pub fn load_idx_labels(path: impl AsRef<Path>, classes: usize) -> Result<Vec<u8>, DataError> {
    let path = path.as_ref();
    let mut src = Source::open(path)?;
    let dims = src.read_idx_header(1)?;
    let labels = src.read_data(u64::from(dims[0]))?;
    if let Some(index) = labels.iter().position(|&l| usize::from(l) >= classes) {
        return Err(DataError::new(
            path,
            DataErrorKind::LabelOutOfRange {
                index,
                label: labels[index],
                classes,
            },
        ));
    }
    Ok(labels)
}

/// Reads a pair of IDX files, images and labels, into a [`Dataset`] with
/// pixels scaled to `[0, 1]` (`pixel / 255`) and labels in `0..classes`.
///
/// Fails as [`load_idx_images`] and [`load_idx_labels`] do, and with
/// [`DataErrorKind::CountMismatch`] if the two files disagree on the count.
///
/// ```
/// use nn::data::load_idx;
/// use std::path::Path;
/// let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist"));
/// let test = load_idx(&dir.join("t10k-images-idx3-ubyte.gz"), &dir.join("t10k-labels-idx1-ubyte.gz"), 10)?;
/// assert_eq!((test.len(), test.features()), (10_000, 784));
/// assert_eq!(test.label(0), 7);
/// # Ok::<(), nn::data::DataError>(())
/// ```
pub fn load_idx(
    images: impl AsRef<Path>,
    labels: impl AsRef<Path>,
    classes: usize,
) -> Result<Dataset, DataError> {
    let (images, labels) = (images.as_ref(), labels.as_ref());
    let img = load_idx_images(images)?;
    let lab = load_idx_labels(labels, classes)?;
    if img.count != lab.len() {
        return Err(DataError::new(
            labels,
            DataErrorKind::CountMismatch {
                label_count: lab.len(),
                images: images.to_owned(),
                image_count: img.count,
            },
        ));
    }
    // A table gives the exact quotient `p / 255` for every byte, and is as fast
    // as a multiplication.
    let scale: [f32; 256] = core::array::from_fn(|p| p as f32 / 255.0);
    let inputs = img.pixels.iter().map(|&p| scale[usize::from(p)]).collect();
    Dataset::new(img.rows * img.cols, classes, inputs, lab)
        .map_err(|problem| DataError::new(images, DataErrorKind::Dataset { problem }))
}

/// Finds `{set}-{kind}` (e.g. `train-images`) in `dir` under one of the names
/// MNIST is distributed with.
fn find_mnist_file(dir: &Path, set: &str, kind: &str, ndim: u8) -> Result<PathBuf, DataError> {
    let tried = [
        format!("{set}-{kind}-idx{ndim}-ubyte.gz"),
        format!("{set}-{kind}-idx{ndim}-ubyte"),
        format!("{set}-{kind}.idx{ndim}-ubyte"),
        format!("{set}-{kind}.idx{ndim}-ubyte.gz"),
    ];
    for candidate in &tried {
        let path = dir.join(candidate);
        if path.is_file() {
            return Ok(path);
        }
    }
    Err(DataError::new(
        dir,
        DataErrorKind::NotFound {
            tried: tried.to_vec(),
        },
    ))
}

/// Loads MNIST from a folder in MNIST's layout: returns `(train, test)`, with
/// 784 inputs in `[0, 1]` per sample and labels `0..10`.
///
/// Each file may be gzip'd or not, under its standard name
/// (`train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
/// `t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz`), that name
/// without `.gz`, or the dotted form (`train-images.idx3-ubyte`).
///
/// ```
/// use nn::data::load_mnist;
/// use std::path::Path;
/// let (train, test) = load_mnist(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist")))?;
/// assert_eq!((train.len(), test.len()), (60_000, 10_000));
/// assert_eq!(train.features(), 28 * 28);
/// assert_eq!(train.label(0), 5);
/// # Ok::<(), nn::data::DataError>(())
/// ```
pub fn load_mnist(dir: impl AsRef<Path>) -> Result<(Dataset, Dataset), DataError> {
    let dir = dir.as_ref();
    let load = |set: &str| -> Result<Dataset, DataError> {
        let images = find_mnist_file(dir, set, "images", 3)?;
        let labels = find_mnist_file(dir, set, "labels", 1)?;
        load_idx(&images, &labels, DIGIT_CLASSES)
    };
    Ok((load("train")?, load("t10k")?))
}
