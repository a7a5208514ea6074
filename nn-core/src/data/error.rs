//! What can go wrong: [`DatasetError`] for arguments, [`DataError`] for files.

use super::idx::{IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Why [`Dataset::new`](crate::data::Dataset::new), [`RegressionDataset::new`](crate::data::RegressionDataset::new), [`Dataset::input_vector`](crate::data::Dataset::input_vector)
/// or [`Dataset::batches`](crate::data::Dataset::batches) rejected its arguments.
///
/// ```
/// use nn::data::Dataset;
/// let err = Dataset::new(2, 3, vec![0.0; 3], vec![0, 1]).unwrap_err();
/// assert_eq!(err.to_string(), "3 inputs do not make 2 samples of 2 features: expected 4 inputs");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// `features` was zero.
    #[error("a data set needs at least one feature per sample")]
    ZeroFeatures,
    /// `classes` was zero or more than 256 (labels are bytes).
    #[error("{classes} classes: expected 1 to 256 (labels are bytes)")]
    Classes {
        /// The number of classes that was given.
        classes: usize,
    },
    /// The inputs are not `labels * features` values.
    #[error("{}", input_length(*.features, *.inputs, *.labels))]
    InputLength {
        /// Inputs per sample.
        features: usize,
        /// The number of input values given.
        inputs: usize,
        /// The number of labels (samples) given.
        labels: usize,
    },
    /// An input is NaN or infinite.
    #[error("feature {feature} of sample {sample} is {value}: expected a finite number")]
    NonFinite {
        /// The sample (0-based).
        sample: usize,
        /// The feature within the sample (0-based).
        feature: usize,
        /// The value found.
        value: f32,
    },
    /// A label is not below the number of classes.
    #[error("label {label} of sample {index} is out of range: expected a class in 0..{classes}")]
    LabelOutOfRange {
        /// The sample whose label is wrong.
        index: usize,
        /// Its label.
        label: u8,
        /// The number of classes.
        classes: usize,
    },
    /// `outputs` was zero.
    #[error("a regression data set needs at least one target value per sample")]
    ZeroOutputs,
    /// The targets are not a whole number of samples.
    #[error(
        "{targets} targets do not make whole samples of {outputs} outputs: expected a multiple of {outputs}"
    )]
    TargetLength {
        /// Target values per sample.
        outputs: usize,
        /// The number of target values given.
        targets: usize,
    },
    /// A target is NaN or infinite.
    #[error("target {output} of sample {sample} is {value}: expected a finite number")]
    NonFiniteTarget {
        /// The sample (0-based).
        sample: usize,
        /// The target value within the sample (0-based).
        output: usize,
        /// The value found.
        value: f32,
    },
    /// A batch size of 0.
    #[error("the batch size must be at least 1")]
    ZeroBatchSize,
    /// A network's input width does not match the data set's features.
    #[error(
        "the network takes {expected} inputs, but the data set has {found} features per sample"
    )]
    Features {
        /// The network's input width.
        expected: usize,
        /// The data set's features per sample.
        found: usize,
    },
}

/// The message of [`DatasetError::InputLength`].
fn input_length(features: usize, inputs: usize, labels: usize) -> String {
    match labels.checked_mul(features) {
        Some(expected) => format!(
            "{inputs} inputs do not make {labels} samples of {features} features: expected {expected} inputs"
        ),
        None => format!("{labels} samples of {features} features overflow the address space"),
    }
}

/// Why a data file could not be loaded: the file, and what is wrong with it.
///
/// The message is `path: what`, or `path:line: what` for a line of a CSV
/// file. It carries the operating system's or the decompressor's words
/// itself, so [`source`](std::error::Error::source) is `None`: a report
/// that prints the chain prints them once.
///
/// ```
/// use nn::data::{load_idx_labels, DataErrorKind};
/// use std::path::Path;
/// let err = load_idx_labels(Path::new("no/such/file.gz"), 10).unwrap_err();
/// assert_eq!(err.path, Path::new("no/such/file.gz"));
/// assert!(matches!(err.kind, DataErrorKind::Io { .. }));
/// assert!(err.to_string().starts_with("no/such/file.gz: cannot read:"));
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {kind}", path.display(), LineSuffix(kind.line()))]
#[non_exhaustive]
pub struct DataError {
    /// The file (for [`DataErrorKind::NotFound`], the folder searched; for
    /// [`DataErrorKind::CountMismatch`], the label file).
    pub path: PathBuf,
    /// What is wrong with it.
    pub kind: DataErrorKind,
}

impl DataError {
    /// `kind` of the file at `path`.
    pub(super) fn new(path: &Path, kind: DataErrorKind) -> Self {
        Self {
            path: path.to_owned(),
            kind,
        }
    }
}

/// What is wrong with a data file: the `kind` of a [`DataError`].
///
/// ```
/// use nn::data::{DataErrorKind, load_digits_csv};
/// let path = std::env::temp_dir().join(format!("nn-doc-kind-{}.csv", std::process::id()));
/// std::fs::write(&path, "1,2,3\n")?;
/// let err = load_digits_csv(&path).unwrap_err();
/// assert!(matches!(err.kind, DataErrorKind::FieldCount { line: 1, expected: 65, found: 3 }));
/// assert_eq!(err.to_string(), format!("{}:1: 3 fields: expected 65", path.display()));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataErrorKind {
    /// The file could not be opened or read (not found, permission denied, ...).
    #[error("cannot read: {error}")]
    Io {
        /// What the operating system said.
        error: io::Error,
    },
    /// The file starts like gzip (`1f 8b`) but does not decompress: a bad
    /// header, a corrupt deflate stream or a wrong checksum.
    #[error("corrupt gzip file: {error}")]
    Gzip {
        /// What the decompressor said.
        error: io::Error,
    },
    /// Memory ran out while reading the file: its data does not fit.
    #[error("out of memory after reading {read} bytes")]
    OutOfMemory {
        /// The bytes read (after decompression) when memory ran out.
        read: u64,
    },
    /// No file of one of MNIST's standard names was found in the folder.
    #[error("no such file in this folder: tried {}", tried.join(", "))]
    NotFound {
        /// The file names tried, in order.
        tried: Vec<String>,
    },
    /// The (decompressed) file does not start with the expected IDX magic number.
    #[error("wrong magic number 0x{found:08x}: expected 0x{expected:08x}{}", magic_hint(*expected, *gzip))]
    BadMagic {
        /// The magic number expected, e.g. `0x00000803` for images.
        expected: u32,
        /// The first four bytes found, big-endian.
        found: u32,
        /// Whether the file was gzip'd (if not, it is not gzip either).
        gzip: bool,
    },
    /// The file ends before its header or the data its header announces.
    #[error("truncated {part}: expected {expected} bytes, found {found}")]
    Truncated {
        /// `"header"` or `"data"`.
        part: &'static str,
        /// The bytes expected (after decompression).
        expected: u64,
        /// The bytes found.
        found: u64,
    },
    /// The file has more data than its header announces.
    #[error("more data than the header announces: expected {expected} bytes")]
    TrailingData {
        /// The data bytes the header announces (after decompression).
        expected: u64,
    },
    /// The header's dimensions are unusable: zero-sized samples, or a total
    /// size that does not fit in memory addresses.
    #[error("header dimensions {}: {reason}", dims_text(dims))]
    BadDims {
        /// The dimensions in the header.
        dims: Vec<u32>,
        /// What is wrong with them.
        reason: &'static str,
    },
    /// The label file (the error's `path`) and an image file hold different
    /// numbers of samples.
    #[error(
        "{label_count} labels, but {} has {image_count} images: expected the same count",
        images.display()
    )]
    CountMismatch {
        /// The number of labels.
        label_count: usize,
        /// The image file.
        images: PathBuf,
        /// The number of images.
        image_count: usize,
    },
    /// A label is not below the number of classes.
    #[error("label {label} of sample {index} is out of range: expected a class in 0..{classes}")]
    LabelOutOfRange {
        /// The sample whose label is wrong (0-based).
        index: usize,
        /// Its label.
        label: u8,
        /// The number of classes.
        classes: usize,
    },
    /// A CSV line does not have the expected number of fields.
    #[error("{found} fields: expected {expected}")]
    FieldCount {
        /// The line (1-based).
        line: usize,
        /// The fields expected.
        expected: usize,
        /// The fields found.
        found: usize,
    },
    /// A CSV field is not an integer.
    #[error("field {column} `{text}` is not an integer")]
    NotAnInteger {
        /// The line (1-based).
        line: usize,
        /// The field (1-based).
        column: usize,
        /// The field's text (lossily decoded if not UTF-8).
        text: String,
    },
    /// A CSV field is an integer outside its range.
    #[error("field {column}: {what} {text} is out of range: expected 0..={max}")]
    ValueOutOfRange {
        /// The line (1-based).
        line: usize,
        /// The field (1-based).
        column: usize,
        /// The field's text.
        text: String,
        /// `"pixel"` or `"label"`.
        what: &'static str,
        /// The largest valid value (the smallest is 0).
        max: u32,
    },
    /// A data set's invariants do not hold (see [`DatasetError`]).
    #[error("{problem}")]
    Dataset {
        /// What is wrong.
        problem: DatasetError,
    },
}

impl DataErrorKind {
    /// The line of a CSV file the error is on, if it is about one.
    ///
    /// ```
    /// use nn::data::DataErrorKind;
    /// assert_eq!(DataErrorKind::FieldCount { line: 3, expected: 65, found: 2 }.line(), Some(3));
    /// assert_eq!(DataErrorKind::TrailingData { expected: 8 }.line(), None);
    /// ```
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::FieldCount { line, .. }
            | Self::NotAnInteger { line, .. }
            | Self::ValueOutOfRange { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// `:line` after the path, or nothing.
struct LineSuffix(Option<usize>);

impl fmt::Display for LineSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(line) => write!(f, ":{line}"),
            None => Ok(()),
        }
    }
}

/// The end of [`DataErrorKind::BadMagic`]'s message: what the expected magic
/// number stands for, and that a gzip file would also do.
fn magic_hint(expected: u32, gzip: bool) -> String {
    let what = match expected {
        IDX_IMAGES_MAGIC => " (IDX images: unsigned bytes, 3 dimensions)",
        IDX_LABELS_MAGIC => " (IDX labels: unsigned bytes, 1 dimension)",
        _ => "",
    };
    let or_gzip = if gzip {
        ""
    } else {
        ", or a gzip file starting with 1f 8b"
    };
    format!("{what}{or_gzip}")
}

/// Dimensions as `a x b x c`.
fn dims_text(dims: &[u32]) -> String {
    let dims: Vec<String> = dims.iter().map(u32::to_string).collect();
    dims.join(" x ")
}
