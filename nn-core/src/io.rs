//! Saving and loading a network's weights as [safetensors] files, the format
//! PyTorch, JAX and Hugging Face use.
//!
//! Every generated network implements [`Params`], which is all these
//! functions need: a network is written as one tensor per weight and bias,
//! named `<layer>.weight` and `<layer>.bias`, of shape `[out, in]` and `[out]`
//! (PyTorch's `nn.Linear` convention, row-major), with dtype `F32` for `f32`
//! networks and `F64` for `f64` ones.
//!
//! ```
//! use nn_core::io::{from_safetensors_bytes, to_safetensors_bytes};
//! nn::network! {
//!     struct Mnist { input: 784, hidden1: dense(16, relu), hidden2: dense(16, relu), output: dense(10) }
//! }
//! let net = Mnist::<f32>::init(42);
//! let bytes = to_safetensors_bytes(&net)?;
//! let back: Mnist<f32> = from_safetensors_bytes(&bytes)?;
//! assert_eq!(back.hidden1.weight, net.hidden1.weight);
//! # Ok::<(), nn_core::io::WeightsError>(())
//! ```
//!
//! # Policies
//!
//! Loading is strict: it either gives back exactly the network that the file
//! describes, or a [`WeightsError`] that names the tensor and says what is
//! wrong with it.
//!
//! - **Dtype**: a tensor must have the network's dtype ([`Scalar::DTYPE`]).
//!   An `F64` file does not load into an `f32` network, nor an `F32` file into
//!   an `f64` one ([`WeightsError::Dtype`]): values are never converted
//!   silently. Load into the network type of the file's dtype and convert
//!   explicitly if you need the other one, e.g. by casting what
//!   [`Params::tensors`] yields and passing it to [`Params::from_params`].
//! - **Extra tensors**: every tensor in the file must be one of the network's.
//!   A file with an unexpected tensor (a bigger network, a buffer, a typo'd
//!   name) is an error naming it ([`WeightsError::Unexpected`]), because a
//!   file that holds more than the network reads is usually not the file of
//!   that network. The file's `__metadata__` is not a tensor and is ignored.
//! - **Non-finite values**: weight files hold finite numbers only. Loading a
//!   NaN or an infinity is an error naming the tensor and the element
//!   ([`WeightsError::NonFinite`]), and so is *saving* one, so that a network
//!   whose training diverged never replaces a good checkpoint.
//! - **Names from other frameworks**: [`load_safetensors_mapped`] reads a
//!   file whose layers have other names, such as the `0`, `2`, `4` of a
//!   PyTorch `nn.Sequential`.
//!
//! Saving is atomic: [`save_safetensors`] writes a temporary file in the
//! target's folder, flushes it to disk, and renames it over the target. A
//! save that fails at any step leaves the previous file as it was.
//!
//! This module needs the `std` feature (it reads and writes files).
//!
//! [safetensors]: https://huggingface.co/docs/safetensors

use crate::{Params, Scalar, TensorInfo};
use safetensors::tensor::{Dtype, SafeTensorError, SafeTensors, View};
use std::borrow::Cow;
use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes of the little-endian `u64` header length that starts every file.
const LEN_BYTES: usize = 8;
/// The safetensors crate refuses headers larger than this; a file that
/// announces more is not a safetensors file (or a damaged one).
const MAX_HEADER: u64 = 100_000_000;
/// How many of the file's tensor names a [`WeightsError::Missing`] message lists.
const NAMES_SHOWN: usize = 8;

/// Why a weight file could not be saved or loaded.
///
/// Variants about the file's content carry the file's `path` when the bytes
/// came from a file ([`load_safetensors`], [`save_safetensors`]) and `None`
/// when they came from memory. Variants about one tensor name it as it is in
/// the file (`name`) and as it is in the network (`tensor`); the two differ
/// only when loading with a layer mapping.
///
/// ```
/// use nn_core::io::{from_safetensors_bytes, WeightsError};
/// nn::network! { struct Tiny { input: 2, out: dense(1) } }
/// let err = from_safetensors_bytes::<Tiny<f32>, _>(b"{}").unwrap_err();
/// assert!(matches!(err, WeightsError::Truncated { .. }));
/// assert_eq!(err.to_string(), "truncated header length: expected 8 bytes, found 2");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum WeightsError {
    /// The file, its folder or a temporary file beside it could not be read,
    /// written, synced or renamed.
    Io {
        /// The file being loaded or saved.
        path: PathBuf,
        /// What failed: `"read"`, `"create a temporary file for"`, `"write"`,
        /// `"replace"`, ...
        action: &'static str,
        /// What the operating system said.
        source: io::Error,
    },
    /// The file ends before its header or the tensor data its header announces.
    Truncated {
        /// The file, if the bytes came from one.
        path: Option<PathBuf>,
        /// `"header length"` (the first 8 bytes), `"header"` or `"data"`.
        part: &'static str,
        /// The file size that part needs, in bytes.
        expected: u64,
        /// The file size, in bytes.
        found: u64,
    },
    /// The bytes are not a valid safetensors file: the header is not JSON,
    /// the offsets overlap, there are bytes after the last tensor, ...
    Corrupt {
        /// The file, if the bytes came from one.
        path: Option<PathBuf>,
        /// What is wrong, as the safetensors parser or this module saw it.
        reason: String,
    },
    /// A tensor of the network is not in the file.
    Missing {
        /// The file, if the bytes came from one.
        path: Option<PathBuf>,
        /// The name looked up in the file.
        name: String,
        /// The network's tensor.
        tensor: &'static str,
        /// Every tensor name the file has, sorted.
        available: Vec<String>,
    },
    /// The file has a tensor that the network does not read.
    Unexpected {
        /// The file, if the bytes came from one.
        path: Option<PathBuf>,
        /// The tensor's name in the file.
        name: String,
    },
    /// A tensor has the wrong shape.
    Shape {
        /// The file, if the bytes came from one.
        path: Option<PathBuf>,
        /// The tensor's name in the file.
        name: String,
        /// The network's tensor.
        tensor: &'static str,
        /// The network's shape, `[out, in]` or `[out]`.
        expected: &'static [usize],
        /// The file's shape.
        found: Vec<usize>,
    },
    /// A tensor's dtype is not the network's ([`Scalar::DTYPE`]).
    Dtype {
        /// The file, if the bytes came from one.
        path: Option<PathBuf>,
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
    NonFinite {
        /// The file being loaded or saved, if any.
        path: Option<PathBuf>,
        /// The tensor's name in the file.
        name: String,
        /// The network's tensor.
        tensor: &'static str,
        /// The element's index in the tensor's shape: `[row, column]` of a
        /// weight, `[i]` of a bias.
        index: Vec<usize>,
        /// The value.
        value: f64,
    },
    /// A layer mapping given to [`load_safetensors_mapped`] or
    /// [`from_safetensors_bytes_mapped`] is unusable.
    Mapping {
        /// The pair's name in the file.
        file: String,
        /// The pair's layer.
        layer: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl WeightsError {
    /// The file this error is about, if the bytes came from a file.
    ///
    /// ```
    /// use nn_core::io::load_safetensors;
    /// use std::path::Path;
    /// nn::network! { struct Tiny { input: 2, out: dense(1) } }
    /// let err = load_safetensors::<Tiny<f32>, _>("no/such/net.safetensors").unwrap_err();
    /// assert_eq!(err.path(), Some(Path::new("no/such/net.safetensors")));
    /// ```
    pub fn path(&self) -> Option<&Path> {
        match self {
            Self::Io { path, .. } => Some(path),
            Self::Truncated { path, .. }
            | Self::Corrupt { path, .. }
            | Self::Missing { path, .. }
            | Self::Unexpected { path, .. }
            | Self::Shape { path, .. }
            | Self::Dtype { path, .. }
            | Self::NonFinite { path, .. } => path.as_deref(),
            Self::Mapping { .. } => None,
        }
    }

    /// Sets the path of a content error that has none (bytes read from a file).
    fn in_file(mut self, file: &Path) -> Self {
        match &mut self {
            Self::Truncated { path, .. }
            | Self::Corrupt { path, .. }
            | Self::Missing { path, .. }
            | Self::Unexpected { path, .. }
            | Self::Shape { path, .. }
            | Self::Dtype { path, .. }
            | Self::NonFinite { path, .. } => {
                path.get_or_insert_with(|| file.to_path_buf());
            }
            Self::Io { .. } | Self::Mapping { .. } => {}
        }
        self
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

impl fmt::Display for WeightsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = self.path().filter(|_| !matches!(self, Self::Io { .. })) {
            write!(f, "{}: ", path.display())?;
        }
        match self {
            Self::Io {
                path,
                action,
                source,
            } => write!(f, "{}: cannot {action}: {source}", path.display()),
            Self::Truncated {
                part,
                expected,
                found,
                ..
            } => write!(
                f,
                "truncated {part}: expected {expected} bytes, found {found}"
            ),
            Self::Corrupt { reason, .. } => write!(f, "not a valid safetensors file: {reason}"),
            Self::Missing {
                name,
                tensor,
                available,
                ..
            } => {
                write!(f, "missing {}: ", TensorName(name, tensor))?;
                if available.is_empty() {
                    return f.write_str("the file has no tensors");
                }
                f.write_str("the file has ")?;
                for (i, n) in available.iter().take(NAMES_SHOWN).enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}`{n}`")?;
                }
                if available.len() > NAMES_SHOWN {
                    write!(f, " and {} more", available.len() - NAMES_SHOWN)?;
                }
                Ok(())
            }
            Self::Unexpected { name, .. } => write!(
                f,
                "unexpected tensor `{name}`: expected only the network's tensors \
                 (a file with extra tensors is rejected)"
            ),
            Self::Shape {
                name,
                tensor,
                expected,
                found,
                ..
            } => write!(
                f,
                "{}: shape {found:?}: expected {expected:?}",
                TensorName(name, tensor)
            ),
            Self::Dtype {
                name,
                tensor,
                expected,
                found,
                ..
            } => write!(
                f,
                "{}: dtype {found}: expected {expected} (dtypes are never converted)",
                TensorName(name, tensor)
            ),
            Self::NonFinite {
                name,
                tensor,
                index,
                value,
                ..
            } => write!(
                f,
                "{}: non-finite value {value} at {index:?}: weight files hold finite values only",
                TensorName(name, tensor)
            ),
            Self::Mapping {
                file,
                layer,
                reason,
            } => write!(f, "bad layer mapping `{file}` -> `{layer}`: {reason}"),
        }
    }
}

impl std::error::Error for WeightsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The network as the bytes of a safetensors file: `<layer>.weight` of shape
/// `[out, in]` and `<layer>.bias` of shape `[out]` for every layer, row-major,
/// dtype [`Scalar::DTYPE`].
///
/// Fails with [`WeightsError::NonFinite`] if a parameter is NaN or infinite.
///
/// # Panics
///
/// If the network's [`Params`] implementation is inconsistent (a tensor
/// slice whose length is not its shape's, or two tensors of one name); the
/// implementations `network!` generates never are.
///
/// ```
/// use nn_core::io::to_safetensors_bytes;
/// nn::network! { struct Tiny { input: 2, out: dense(1) } }
/// let bytes = to_safetensors_bytes(&Tiny::<f64>::init(1))?;
/// // 8 bytes of header length, the JSON header, then 3 f64 values.
/// let header = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
/// assert_eq!(bytes.len(), 8 + header + 3 * 8);
/// assert!(std::str::from_utf8(&bytes[8..8 + header])?.contains(r#""out.weight":{"dtype":"F64","shape":[1,2]"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn to_safetensors_bytes<P: Params<T>, T: Scalar>(net: &P) -> Result<Vec<u8>, WeightsError> {
    let tensors = encode(net)?;
    safetensors::serialize(tensors, None).map_err(|e| WeightsError::Corrupt {
        path: None,
        reason: format!("cannot encode: {e}"),
    })
}

/// Saves the network to a safetensors file at `path`, atomically.
///
/// The file is what [`to_safetensors_bytes`] gives. It is first written to a
/// temporary file in the same folder, flushed to disk (`fsync`), and then
/// renamed over `path`, which replaces an existing file in one step; on Unix
/// the folder is flushed too, so the rename survives a crash. If any step
/// fails, the temporary file is removed and a previous file at `path` is left
/// as it was. A new file gets the permissions of the file it replaces. If
/// `path` is a symbolic link, the link is replaced, not its target.
///
/// Fails with [`WeightsError::Io`] naming `path` and the step that failed, or
/// with [`WeightsError::NonFinite`] (before touching the disk) if a parameter
/// is NaN or infinite.
///
/// # Panics
///
/// Like [`to_safetensors_bytes`].
///
/// ```
/// use nn_core::io::{load_safetensors, save_safetensors};
/// nn::network! { struct Tiny { input: 2, out: dense(1, sigmoid) } }
/// let path = std::env::temp_dir().join(format!("nn-doc-save-{}.safetensors", std::process::id()));
/// let net = Tiny::<f32>::init(3);
/// save_safetensors(&net, &path)?;
/// let back: Tiny<f32> = load_safetensors(&path)?;
/// assert_eq!(back.out.weight, net.out.weight);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), nn_core::io::WeightsError>(())
/// ```
pub fn save_safetensors<P: Params<T>, T: Scalar>(
    net: &P,
    path: impl AsRef<Path>,
) -> Result<(), WeightsError> {
    let path = path.as_ref();
    let bytes = to_safetensors_bytes(net).map_err(|e| e.in_file(path))?;
    write_atomic(path, &bytes)
}

/// A network from the bytes of a safetensors file, as [`load_safetensors`]
/// reads it.
///
/// ```
/// use nn_core::io::{from_safetensors_bytes, to_safetensors_bytes, WeightsError};
/// nn::network! { struct Small { input: 2, out: dense(1) } }
/// nn::network! { struct Wide { input: 3, out: dense(1) } }
/// let bytes = to_safetensors_bytes(&Wide::<f32>::init(1))?;
/// let err = from_safetensors_bytes::<Small<f32>, _>(&bytes).unwrap_err();
/// assert!(matches!(err, WeightsError::Shape { ref found, .. } if found == &[1, 3]));
/// assert_eq!(err.to_string(), "tensor `out.weight`: shape [1, 3]: expected [1, 2]");
/// # Ok::<(), WeightsError>(())
/// ```
pub fn from_safetensors_bytes<P: Params<T>, T: Scalar>(bytes: &[u8]) -> Result<P, WeightsError> {
    decode(bytes, &[])
}

/// Loads a network from a safetensors file that uses the network's own
/// tensor names, `<layer>.weight` and `<layer>.bias`.
///
/// Every tensor of the network must be in the file, with shape `[out, in]`
/// or `[out]` and the network's dtype, and hold finite values; the file must
/// hold no other tensor (see the [module docs](self) for why). Each failure
/// is a [`WeightsError`] naming the file and the tensor.
///
/// ```
/// use nn_core::io::{load_safetensors, save_safetensors, WeightsError};
/// nn::network! { struct Tiny { input: 2, out: dense(1) } }
/// let path = std::env::temp_dir().join(format!("nn-doc-load-{}.safetensors", std::process::id()));
/// save_safetensors(&Tiny::<f64>::init(5), &path)?;
/// // The file is F64: it loads into the f64 network only.
/// assert!(load_safetensors::<Tiny<f64>, _>(&path).is_ok());
/// let err = load_safetensors::<Tiny<f32>, _>(&path).unwrap_err();
/// assert!(matches!(err, WeightsError::Dtype { expected: "F32", ref found, .. } if found == "F64"));
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), WeightsError>(())
/// ```
pub fn load_safetensors<P: Params<T>, T: Scalar>(
    path: impl AsRef<Path>,
) -> Result<P, WeightsError> {
    load_safetensors_mapped(path, &[])
}

/// A network from the bytes of a safetensors file whose layers have other
/// names, as [`load_safetensors_mapped`] reads it.
///
/// ```
/// use nn_core::io::{from_safetensors_bytes, from_safetensors_bytes_mapped, to_safetensors_bytes};
/// nn::network! { struct A { input: 2, first: dense(3, relu), second: dense(1) } }
/// nn::network! { struct B { input: 2, l1: dense(3, relu), l2: dense(1) } }
/// let bytes = to_safetensors_bytes(&A::<f32>::init(9))?;
/// assert!(from_safetensors_bytes::<B<f32>, _>(&bytes).is_err());
/// let b: B<f32> = from_safetensors_bytes_mapped(&bytes, &[("first", "l1"), ("second", "l2")])?;
/// assert_eq!(b.l2.weight, A::<f32>::init(9).second.weight);
/// # Ok::<(), nn_core::io::WeightsError>(())
/// ```
pub fn from_safetensors_bytes_mapped<P: Params<T>, T: Scalar>(
    bytes: &[u8],
    layers: &[(&str, &str)],
) -> Result<P, WeightsError> {
    decode(bytes, layers)
}

/// Loads a network from a safetensors file whose layers have other names,
/// such as one saved by PyTorch.
///
/// `layers` holds pairs `(name in the file, layer of the network)`: the
/// network's `<layer>.weight` and `<layer>.bias` are read from the file's
/// `<name>.weight` and `<name>.bias`. Layers that no pair names keep their
/// own names. Everything else is as in [`load_safetensors`]; in particular
/// a tensor of the file that no layer reads is an error.
///
/// A PyTorch `nn.Sequential` names each parameter after its module's index,
/// and activations are modules without parameters, so for
/// `Sequential(Linear(784, 16), ReLU(), Linear(16, 16), ReLU(), Linear(16, 10))`,
/// saved with `safetensors.torch.save_file(model.state_dict(), path)`, the
/// file has `0.weight`, `0.bias`, `2.weight`, `2.bias`, `4.weight`, `4.bias`
/// (of shapes `[16, 784]`, `[16]`, ...; `nn.Linear` stores `[out, in]` like
/// this crate), and the mapping to a `network!` spec is:
///
/// ```
/// use nn_core::io::load_safetensors_mapped;
/// nn::network! {
///     struct Mnist { input: 784, hidden1: dense(16, relu), hidden2: dense(16, relu), output: dense(10) }
/// }
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/pytorch/mnist_mlp.safetensors");
/// let net: Mnist<f32> =
///     load_safetensors_mapped(path, &[("0", "hidden1"), ("2", "hidden2"), ("4", "output")])?;
/// // Trained by PyTorch: it reads the first MNIST test image, a 7.
/// let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist"));
/// let test = nn_core::data::load_idx(
///     &dir.join("t10k-images-idx3-ubyte.gz"),
///     &dir.join("t10k-labels-idx1-ubyte.gz"),
///     10,
/// )?;
/// let logits = net.forward(&nn_core::nalgebra::SVector::from_column_slice(test.input(0)));
/// assert_eq!((logits.argmax().0, test.label(0)), (7, 7));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A model saved with a prefix (`model.0.weight`) maps with `("model.0", "hidden1")`.
/// A pair whose layer the network does not have, or a layer or name that two
/// pairs use, is a [`WeightsError::Mapping`].
pub fn load_safetensors_mapped<P: Params<T>, T: Scalar>(
    path: impl AsRef<Path>,
    layers: &[(&str, &str)],
) -> Result<P, WeightsError> {
    let path = path.as_ref();
    let bytes = fs::read(path).map_err(|source| WeightsError::Io {
        path: path.to_path_buf(),
        action: "read",
        source,
    })?;
    decode(&bytes, layers).map_err(|e| e.in_file(path))
}

/// A tensor to write: what the safetensors crate needs of it.
struct Encoded {
    dtype: Dtype,
    shape: Vec<usize>,
    data: Vec<u8>,
}

impl View for Encoded {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.data)
    }
    fn data_len(&self) -> usize {
        self.data.len()
    }
}

/// The safetensors dtype of `T` (the trait is sealed: `f32` or `f64`).
fn dtype_of<T: Scalar>() -> Dtype {
    if T::DTYPE == "F64" {
        Dtype::F64
    } else {
        Dtype::F32
    }
}

/// Panics unless `slice` can hold the tensor `info` describes.
fn check_params_impl(info: &TensorInfo, slice_len: usize) {
    let elements: usize = info.shape.iter().product();
    assert!(
        elements == info.len && slice_len == info.len && info.shape.len() <= 2,
        "inconsistent Params implementation: tensor `{}` has shape {:?}, len {} and a slice of {} values",
        info.name,
        info.shape,
        info.len,
        slice_len
    );
}

/// The element of a column-major slice at row-major position `i` of `shape`
/// (`[rows, cols]` or `[len]`), and its index in `shape`.
fn column_major_index(shape: &[usize], i: usize) -> (usize, Vec<usize>) {
    match *shape {
        [rows, cols] => {
            let (r, c) = (i / cols, i % cols);
            (c * rows + r, vec![r, c])
        }
        _ => (i, vec![i]),
    }
}

/// Every tensor of `net`, row-major little-endian bytes, named as in `TENSORS`.
fn encode<P: Params<T>, T: Scalar>(net: &P) -> Result<Vec<(&'static str, Encoded)>, WeightsError> {
    let dtype = dtype_of::<T>();
    let mut out: Vec<(&'static str, Encoded)> = Vec::with_capacity(P::TENSORS.len());
    let mut slices = net.tensors();
    for info in P::TENSORS {
        let slice = slices.next().unwrap_or(&[]);
        check_params_impl(info, slice.len());
        assert!(
            out.iter().all(|(n, _)| *n != info.name),
            "inconsistent Params implementation: two tensors are named `{}`",
            info.name
        );
        let mut data = Vec::with_capacity(info.len * core::mem::size_of::<T>());
        for i in 0..info.len {
            let (j, index) = column_major_index(info.shape, i);
            let value = slice[j].into_f64();
            if !value.is_finite() {
                return Err(WeightsError::NonFinite {
                    path: None,
                    name: info.name.to_string(),
                    tensor: info.name,
                    index,
                    value,
                });
            }
            match dtype {
                // Exact: the value came from an f32.
                Dtype::F32 => data.extend_from_slice(&(value as f32).to_le_bytes()),
                _ => data.extend_from_slice(&value.to_le_bytes()),
            }
        }
        out.push((
            info.name,
            Encoded {
                dtype,
                shape: info.shape.to_vec(),
                data,
            },
        ));
    }
    Ok(out)
}

/// The file name of each tensor of `P`, after checking the mapping.
fn file_names<P: Params<T>, T: Scalar>(
    layers: &[(&str, &str)],
) -> Result<Vec<String>, WeightsError> {
    let bad = |file: &str, layer: &str, reason| WeightsError::Mapping {
        file: file.to_string(),
        layer: layer.to_string(),
        reason,
    };
    for (k, &(file, layer)) in layers.iter().enumerate() {
        if !P::TENSORS.iter().any(|t| t.layer == layer) {
            return Err(bad(file, layer, "the network has no such layer"));
        }
        if layers[..k].iter().any(|&(_, l)| l == layer) {
            return Err(bad(file, layer, "another pair maps the same layer"));
        }
        if layers[..k].iter().any(|&(f, _)| f == file) {
            return Err(bad(file, layer, "another pair maps the same file name"));
        }
    }
    Ok(P::TENSORS
        .iter()
        .map(|info| {
            let suffix = info.name.strip_prefix(info.layer).unwrap_or(info.name);
            match layers.iter().find(|&&(_, layer)| layer == info.layer) {
                Some((file, _)) => format!("{file}{suffix}"),
                None => info.name.to_string(),
            }
        })
        .collect())
}

/// Parses `bytes` and reads every tensor of `P` from it.
fn decode<P: Params<T>, T: Scalar>(
    bytes: &[u8],
    layers: &[(&str, &str)],
) -> Result<P, WeightsError> {
    let names = file_names::<P, T>(layers)?;
    let file = parse(bytes)?;
    let dtype = dtype_of::<T>();
    let width = core::mem::size_of::<T>();

    let mut net = P::zeros();
    let mut slices = net.tensors_mut();
    for (info, name) in P::TENSORS.iter().zip(&names) {
        let slice = slices.next().unwrap_or(&mut []);
        check_params_impl(info, slice.len());
        let view = file.tensor(name).map_err(|_| {
            let mut available: Vec<String> = file.names().into_iter().map(String::from).collect();
            available.sort();
            WeightsError::Missing {
                path: None,
                name: name.clone(),
                tensor: info.name,
                available,
            }
        })?;
        if view.dtype() != dtype {
            return Err(WeightsError::Dtype {
                path: None,
                name: name.clone(),
                tensor: info.name,
                expected: T::DTYPE,
                found: view.dtype().to_string(),
            });
        }
        if view.shape() != info.shape {
            return Err(WeightsError::Shape {
                path: None,
                name: name.clone(),
                tensor: info.name,
                expected: info.shape,
                found: view.shape().to_vec(),
            });
        }
        // The parser checked that the data is `shape × dtype` bytes.
        for (i, chunk) in view.data().chunks_exact(width).enumerate() {
            let value = match dtype {
                Dtype::F32 => {
                    f64::from(f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
                }
                _ => f64::from_le_bytes([
                    chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
                ]),
            };
            let (j, index) = column_major_index(info.shape, i);
            if !value.is_finite() {
                return Err(WeightsError::NonFinite {
                    path: None,
                    name: name.clone(),
                    tensor: info.name,
                    index,
                    value,
                });
            }
            // Exact: the dtype is T's.
            slice[j] = T::cast_f64(value);
        }
    }
    drop(slices);

    if let Some(extra) = file
        .names()
        .into_iter()
        .filter(|n| !names.iter().any(|m| m == n))
        .min()
    {
        return Err(WeightsError::Unexpected {
            path: None,
            name: extra.to_string(),
        });
    }
    Ok(net)
}

/// The safetensors parser, with a cut-off file reported as truncated (the
/// parser only says that the tensors do not end at the end of the file).
fn parse(bytes: &[u8]) -> Result<SafeTensors<'_>, WeightsError> {
    let found = bytes.len() as u64;
    let truncated = |part, expected| WeightsError::Truncated {
        path: None,
        part,
        expected,
        found,
    };
    let corrupt = |reason: String| WeightsError::Corrupt { path: None, reason };
    let Some(len_bytes) = bytes.first_chunk::<LEN_BYTES>() else {
        return Err(truncated("header length", LEN_BYTES as u64));
    };
    let header_len = u64::from_le_bytes(*len_bytes);
    if header_len > MAX_HEADER {
        return Err(corrupt(format!(
            "header length {header_len} is more than {MAX_HEADER} bytes"
        )));
    }
    let header_end = LEN_BYTES as u64 + header_len;
    if found < header_end {
        return Err(truncated("header", header_end));
    }
    let header = &bytes[LEN_BYTES..header_end as usize];
    if header.first() != Some(&b'{') {
        return Err(corrupt("the header is not a JSON object".to_string()));
    }
    SafeTensors::deserialize(bytes).map_err(|e| match e {
        SafeTensorError::MetadataIncompleteBuffer => match data_len(header) {
            Some(data) if header_end + data > found => truncated("data", header_end + data),
            Some(data) => corrupt(format!(
                "the file is {found} bytes, but its last tensor ends at byte {}",
                header_end + data
            )),
            None => corrupt(e.to_string()),
        },
        e => corrupt(e.to_string()),
    })
}

/// The length of the data section that a header announces: the largest end
/// offset of its tensors. `None` if the header is not what the safetensors
/// parser accepts (it has reported something else then).
fn data_len(header: &[u8]) -> Option<u64> {
    let serde_json::Value::Object(map) = serde_json::from_slice(header).ok()? else {
        return None;
    };
    map.iter()
        .filter(|(k, _)| *k != "__metadata__")
        .map(|(_, v)| v.get("data_offsets")?.get(1)?.as_u64())
        .try_fold(0, |max, end| Some(max.max(end?)))
}

/// Distinguishes the temporary files of concurrent saves in one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to a temporary file beside `path`, syncs it, and renames it
/// over `path`; removes the temporary file if any step fails.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WeightsError> {
    let io_error = |action, source| WeightsError::Io {
        path: path.to_path_buf(),
        action,
        source,
    };
    let Some(file_name) = path.file_name() else {
        return Err(io_error(
            "write",
            io::Error::new(io::ErrorKind::InvalidInput, "the path does not name a file"),
        ));
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(file_name);
    temp_name.push(format!(
        ".{}-{}.tmp",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let temp = dir.join(temp_name);

    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)
        .map_err(|e| io_error("create a temporary file for", e))?;
    let written = (|| {
        if let Ok(old) = fs::metadata(path) {
            // Best effort: keep the mode of the file being replaced.
            let _ = file.set_permissions(old.permissions());
        }
        file.write_all(bytes).map_err(|e| io_error("write", e))?;
        file.sync_all().map_err(|e| io_error("sync", e))?;
        drop(file);
        fs::rename(&temp, path).map_err(|e| io_error("replace", e))
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
        return written;
    }
    // Make the rename itself durable.
    #[cfg(unix)]
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error("sync the folder of", e))?;
    Ok(())
}
