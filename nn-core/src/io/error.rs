//! [`WeightsError`]: why a weight file could not be saved or loaded.

use nn_format::FormatError;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// How many of the file's tensor names a [`WeightsErrorKind::Missing`] message lists.
const NAMES_SHOWN: usize = 8;

/// Why a weight file could not be saved or loaded: the file, if the bytes
/// came from one, and what is wrong.
///
/// `path` is the file's when the bytes came from a file
/// ([`load_safetensors`](crate::io::load_safetensors),
/// [`save_safetensors`](crate::io::save_safetensors)) and `None` when they
/// came from memory or the error is about a layer mapping. The message is
/// `path: what`; it carries the operating system's words itself, so
/// [`source`](std::error::Error::source) is `None`.
///
/// ```
/// use nn::io::{from_safetensors_bytes, WeightsErrorKind};
/// nn::network! { struct Tiny { input: 2, out: dense(1) } }
/// let err = from_safetensors_bytes::<Tiny<f32>, _>(b"{}").unwrap_err();
/// assert!(matches!(err.kind, WeightsErrorKind::Truncated { .. }));
/// assert_eq!(err.path, None);
/// assert_eq!(err.to_string(), "truncated header length: expected 8 bytes, found 2");
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{}{kind}", At(path))]
#[non_exhaustive]
pub struct WeightsError {
    /// The file being loaded or saved, if any.
    pub path: Option<PathBuf>,
    /// What is wrong.
    pub kind: WeightsErrorKind,
}

/// What is wrong with a weight file or a save: the `kind` of a
/// [`WeightsError`]. Kinds about one tensor name it as it is in the file
/// (`name`) and as it is in the network (`tensor`); the two differ only when
/// loading with a layer mapping.
///
/// ```
/// use nn::io::{from_safetensors_bytes, to_safetensors_bytes, WeightsErrorKind};
/// nn::network! { struct Small { input: 2, out: dense(1) } }
/// nn::network! { struct Wide { input: 3, out: dense(1) } }
/// let bytes = to_safetensors_bytes(&Wide::<f32>::init(1))?;
/// let err = from_safetensors_bytes::<Small<f32>, _>(&bytes).unwrap_err();
/// assert!(matches!(err.kind, WeightsErrorKind::Shape { ref found, .. } if found == &[1, 3]));
/// # Ok::<(), nn::io::WeightsError>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WeightsErrorKind {
    /// The file, its folder or a temporary file beside it could not be read,
    /// written, synced or renamed; a previous file at the error's `path` is as it was.
    #[error("cannot {action}: {error}")]
    Io {
        /// What failed: `"read"`, `"create a temporary file for"`, `"write"`,
        /// `"sync"`, `"replace"`.
        action: &'static str,
        /// What the operating system said.
        error: io::Error,
    },
    /// The save replaced the file, but the folder holding it could not be
    /// flushed to disk afterwards: the new file is in place and readable,
    /// but a crash (power loss, kernel panic) before the system flushes the
    /// folder by itself may bring the previous file back.
    #[error(
        "the new file is in place, but its folder could not be synced, so a crash may still undo the save: {error}"
    )]
    NotDurable {
        /// What the operating system said.
        error: io::Error,
    },
    /// The file ends before its header or the tensor data its header announces.
    #[error("truncated {part}: expected {expected} bytes, found {found}")]
    Truncated {
        /// `"header length"` (the first 8 bytes), `"header"` or `"data"`.
        part: &'static str,
        /// The file size that part needs, in bytes.
        expected: u64,
        /// The file size, in bytes.
        found: u64,
    },
    /// The header names a tensor twice, so which entry is meant cannot be
    /// told.
    #[error(
        "not a valid safetensors file: `{name}` appears twice in the header; expected each name once"
    )]
    Duplicate {
        /// The name given twice.
        name: String,
    },
    /// The bytes are not a valid safetensors file: the header is not JSON,
    /// an entry's offsets do not match its shape, tensors overlap, there are
    /// bytes after the last tensor, the offsets end past any possible file, ...
    #[error("not a valid safetensors file: {reason}")]
    Corrupt {
        /// What is wrong, naming the tensor if it is about one.
        reason: String,
    },
    /// A tensor of the network is not in the file.
    #[error("missing {}: {}", TensorName(name, tensor), Available(available))]
    Missing {
        /// The name looked up in the file.
        name: String,
        /// The network's tensor.
        tensor: &'static str,
        /// Every tensor name the file has, sorted.
        available: Vec<String>,
    },
    /// The file has a tensor that the network does not read.
    #[error(
        "unexpected tensor `{name}`: expected only the network's tensors (a file with extra tensors is rejected)"
    )]
    Unexpected {
        /// The tensor's name in the file.
        name: String,
    },
    /// A tensor has the wrong shape.
    #[error("{}: shape {found:?}: expected {expected:?}", TensorName(name, tensor))]
    Shape {
        /// The tensor's name in the file.
        name: String,
        /// The network's tensor.
        tensor: &'static str,
        /// The network's shape, `[out, in]`, `[out]` or `[out, in, kh, kw]`.
        expected: &'static [usize],
        /// The file's shape.
        found: Vec<usize>,
    },
    /// A tensor's dtype is not the network's ([`Scalar::DTYPE`](crate::Scalar::DTYPE)).
    #[error(
        "{}: dtype {found}: expected {expected} (dtypes are never converted)",
        TensorName(name, tensor)
    )]
    Dtype {
        /// The tensor's name in the file.
        name: String,
        /// The network's tensor.
        tensor: &'static str,
        /// The network's dtype, `"F32"` or `"F64"`.
        expected: &'static str,
        /// The file's dtype (`"F64"`, `"F16"`, `"I64"`, ...).
        found: String,
    },
    /// A tensor holds a NaN or an infinity, in the file being loaded or in
    /// the network being saved.
    #[error(
        "{}: non-finite value {value} at {index:?}: weight files hold finite values only",
        TensorName(name, tensor)
    )]
    NonFinite {
        /// The tensor's name in the file.
        name: String,
        /// The network's tensor.
        tensor: &'static str,
        /// The element's index in the tensor's shape: `[row, column]` of a
        /// weight (`[o, c, ki, kj]` of a convolution's), `[i]` of a bias.
        index: Vec<usize>,
        /// The value.
        value: f64,
    },
    /// The sample inputs given to [`save_calibration`](crate::io::save_calibration)
    /// do not split into rows of the input width.
    #[error(
        "calibration inputs: {values} values do not split into rows of {features}; expected one or more whole rows"
    )]
    Rows {
        /// How many values were given.
        values: usize,
        /// The width of one input.
        features: usize,
    },
    /// A layer mapping given to [`load_safetensors_mapped`](crate::io::load_safetensors_mapped),
    /// [`load_safetensors_into`](crate::io::load_safetensors_into) or their `from_safetensors_bytes` twins is
    /// unusable.
    #[error("bad layer mapping (layer `{layer}`, file name `{file}`): {reason}")]
    Mapping {
        /// The mapping's layer.
        layer: String,
        /// The mapping's name in the file.
        file: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl WeightsError {
    /// The file this error is about, if the bytes came from a file.
    ///
    /// ```
    /// use nn::io::load_safetensors;
    /// use std::path::Path;
    /// nn::network! { struct Tiny { input: 2, out: dense(1) } }
    /// let err = load_safetensors::<Tiny<f32>, _>("no/such/net.safetensors").unwrap_err();
    /// assert_eq!(err.path(), Some(Path::new("no/such/net.safetensors")));
    /// ```
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// `kind`, about the file at `path`.
    pub(super) fn at(path: &Path, kind: WeightsErrorKind) -> Self {
        Self {
            path: Some(path.to_path_buf()),
            kind,
        }
    }

    /// Sets the path of a content error that has none (bytes read from a
    /// file); a mapping error is about the arguments, not the file.
    pub(super) fn in_file(mut self, file: &Path) -> Self {
        if !matches!(self.kind, WeightsErrorKind::Mapping { .. }) {
            self.path.get_or_insert_with(|| file.to_path_buf());
        }
        self
    }

    /// The loader's error for a file that `nn_format` rejects.
    pub(super) fn format(e: FormatError) -> Self {
        let kind = match e {
            FormatError::Truncated {
                part,
                expected,
                found,
            } => WeightsErrorKind::Truncated {
                part: part.as_str(),
                expected,
                found,
            },
            FormatError::Duplicate { name } => WeightsErrorKind::Duplicate { name },
            e => WeightsErrorKind::Corrupt {
                reason: e.to_string(),
            },
        };
        kind.into()
    }
}

/// An error about bytes from memory (no file, yet).
impl From<WeightsErrorKind> for WeightsError {
    fn from(kind: WeightsErrorKind) -> Self {
        Self { path: None, kind }
    }
}

/// `path: ` before a message about a file's content, or nothing.
struct At<'a>(&'a Option<PathBuf>);

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(path) => write!(f, "{}: ", path.display()),
            None => Ok(()),
        }
    }
}

/// `tensor `0.weight` (for `hidden1.weight`)`, or `tensor `hidden1.weight``.
struct TensorName<'a>(&'a str, &'a str);

impl fmt::Display for TensorName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tensor `{}`", self.0)?;
        if self.0 != self.1 {
            write!(f, " (for `{}`)", self.1)?;
        }
        Ok(())
    }
}

/// `the file has `a`, `b`` (at most [`NAMES_SHOWN`] names), or `the file has no tensors`.
struct Available<'a>(&'a [String]);

impl fmt::Display for Available<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("the file has no tensors");
        }
        f.write_str("the file has ")?;
        for (i, n) in self.0.iter().take(NAMES_SHOWN).enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}`{n}`")?;
        }
        if self.0.len() > NAMES_SHOWN {
            write!(f, " and {} more", self.0.len() - NAMES_SHOWN)?;
        }
        Ok(())
    }
}
