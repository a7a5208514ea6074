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
//! use nn::io::{from_safetensors_bytes, to_safetensors_bytes};
//! nn::network! {
//!     struct Mnist { input: 784, hidden1: dense(16, relu), hidden2: dense(16, relu), output: dense(10) }
//! }
//! let net = Mnist::<f32>::init(42);
//! let bytes = to_safetensors_bytes(&net)?;
//! let back: Box<Mnist<f32>> = from_safetensors_bytes(&bytes)?;
//! assert_eq!(back.hidden1.weight, net.hidden1.weight);
//! # Ok::<(), nn::io::WeightsError>(())
//! ```
//!
//! # Loading onto the heap
//!
//! A network is a plain struct of fixed-size arrays, so a big one does not
//! fit on a thread's stack (the README's 784-256-128-10 network is 0.94 MB;
//! a spawned thread has 2 MiB). The loaders therefore never build a network
//! on the stack: [`load_safetensors`], [`load_safetensors_mapped`],
//! [`from_safetensors_bytes`] and [`from_safetensors_bytes_mapped`] return a
//! `Box<Net>`, zeroed on the heap and filled in place, and
//! [`load_safetensors_into`] and [`from_safetensors_bytes_into`] fill a
//! network you already have (say, one from `Net::zeros_boxed()`), leaving it
//! unchanged if the file is rejected. Every network that `Net::init_boxed`
//! can make loads, on any thread. A small network can be moved out of its box
//! with `*`.
//!
//! # Policies
//!
//! Loading is strict: it either gives back exactly the network that the file
//! describes, or a [`WeightsError`] that names the tensor and says what is
//! wrong with it.
//!
//! - **Format**: the bytes are checked by [`nn_format::parse`], the reader
//!   that `#[weights("PATH")]` uses at compile time too: header bounds, JSON,
//!   each tensor named once ([`WeightsError::Duplicate`]), known dtypes, and
//!   offsets that match the shapes, follow one another from 0 and end exactly
//!   at the end of the file, all with checked arithmetic
//!   ([`WeightsError::Truncated`], [`WeightsError::Corrupt`]).
//! - **Dtype**: a tensor must have the network's dtype ([`Scalar::DTYPE`]).
//!   An `F64` file does not load into an `f32` network, nor an `F32` file into
//!   an `f64` one ([`WeightsError::Dtype`]): values are never converted
//!   silently. Load into the network type of the file's dtype and convert
//!   explicitly if you need the other one, e.g. by casting what
//!   [`Params::tensors`] yields and passing it to
//!   [`Params::from_flat_column_major`].
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
//! Saving is atomic: [`save_safetensors`] writes a temporary file named
//! `.nn-save-XXXXXX.tmp` (six random letters and digits) in the target's
//! folder, flushes it to disk, and renames it over the target. A save that
//! fails at any step before the rename leaves the previous file as it was
//! and removes its temporary file. A process killed during a save cannot
//! remove it: files matching `.nn-save-*.tmp` can be deleted whenever no save
//! into that folder is running.
//!
//! This module needs the `std` feature (it reads and writes files).
//!
//! [safetensors]: https://huggingface.co/docs/safetensors

use crate::{Params, Scalar, TensorInfo};
use nn_format::FormatError;
use safetensors::tensor::{Dtype, View};
use std::borrow::Cow;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// How many of the file's tensor names a [`WeightsError::Missing`] message lists.
const NAMES_SHOWN: usize = 8;
/// The temporary file of a save is `.nn-save-XXXXXX.tmp`: hidden, one
/// pattern for every target, and 19 bytes whatever the target's name, so a
/// target of the longest name the folder allows can still be saved.
const TEMP_PREFIX: &str = ".nn-save-";
/// See [`TEMP_PREFIX`].
const TEMP_SUFFIX: &str = ".tmp";

/// Why a weight file could not be saved or loaded.
///
/// Variants about the file's content carry the file's `path` when the bytes
/// came from a file ([`load_safetensors`], [`save_safetensors`]) and `None`
/// when they came from memory. Variants about one tensor name it as it is in
/// the file (`name`) and as it is in the network (`tensor`); the two differ
/// only when loading with a layer mapping.
///
/// ```
/// use nn::io::{from_safetensors_bytes, WeightsError};
/// nn::network! { struct Tiny { input: 2, out: dense(1) } }
/// let err = from_safetensors_bytes::<Tiny<f32>, _>(b"{}").unwrap_err();
/// assert!(matches!(err, WeightsError::Truncated { .. }));
/// assert_eq!(err.to_string(), "truncated header length: expected 8 bytes, found 2");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WeightsError {
    /// The file, its folder or a temporary file beside it could not be read,
    /// written, synced or renamed; a previous file at `path` is as it was.
    #[error("{}: cannot {action}: {source}", path.display())]
    Io {
        /// The file being loaded or saved.
        path: PathBuf,
        /// What failed: `"read"`, `"create a temporary file for"`, `"write"`,
        /// `"sync"`, `"replace"`.
        action: &'static str,
        /// What the operating system said.
        source: io::Error,
    },
    /// The save replaced the file, but the folder holding it could not be
    /// flushed to disk afterwards: the new file is in place and readable,
    /// but a crash (power loss, kernel panic) before the system flushes the
    /// folder by itself may bring the previous file back.
    #[error(
        "{}: the new file is in place, but its folder could not be synced, so a crash may still undo the save: {source}",
        path.display()
    )]
    NotDurable {
        /// The file saved.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// The file ends before its header or the tensor data its header announces.
    #[error(
        "{}truncated {part}: expected {expected} bytes, found {found}",
        At(path)
    )]
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
    /// The header names a tensor twice, so which entry is meant cannot be
    /// told.
    #[error(
        "{}not a valid safetensors file: `{name}` appears twice in the header; expected each name once",
        At(path)
    )]
    Duplicate {
        /// The file, if the bytes came from one.
        path: Option<PathBuf>,
        /// The name given twice.
        name: String,
    },
    /// The bytes are not a valid safetensors file: the header is not JSON,
    /// an entry's offsets do not match its shape, tensors overlap, there are
    /// bytes after the last tensor, the offsets end past any possible file, ...
    #[error("{}not a valid safetensors file: {reason}", At(path))]
    Corrupt {
        /// The file, if the bytes came from one.
        path: Option<PathBuf>,
        /// What is wrong, naming the tensor if it is about one.
        reason: String,
    },
    /// A tensor of the network is not in the file.
    #[error(
        "{}missing {}: {}",
        At(path),
        TensorName(name, tensor),
        Available(available)
    )]
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
    #[error(
        "{}unexpected tensor `{name}`: expected only the network's tensors (a file with extra tensors is rejected)",
        At(path)
    )]
    Unexpected {
        /// The file, if the bytes came from one.
        path: Option<PathBuf>,
        /// The tensor's name in the file.
        name: String,
    },
    /// A tensor has the wrong shape.
    #[error(
        "{}{}: shape {found:?}: expected {expected:?}",
        At(path),
        TensorName(name, tensor)
    )]
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
    #[error(
        "{}{}: dtype {found}: expected {expected} (dtypes are never converted)",
        At(path),
        TensorName(name, tensor)
    )]
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
    #[error(
        "{}{}: non-finite value {value} at {index:?}: weight files hold finite values only",
        At(path),
        TensorName(name, tensor)
    )]
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
    /// A layer mapping given to [`load_safetensors_mapped`],
    /// [`load_safetensors_into`] or their `from_safetensors_bytes` twins is
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
        match self {
            Self::Io { path, .. } | Self::NotDurable { path, .. } => Some(path),
            Self::Truncated { path, .. }
            | Self::Duplicate { path, .. }
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
            | Self::Duplicate { path, .. }
            | Self::Corrupt { path, .. }
            | Self::Missing { path, .. }
            | Self::Unexpected { path, .. }
            | Self::Shape { path, .. }
            | Self::Dtype { path, .. }
            | Self::NonFinite { path, .. } => {
                path.get_or_insert_with(|| file.to_path_buf());
            }
            Self::Io { .. } | Self::NotDurable { .. } | Self::Mapping { .. } => {}
        }
        self
    }
}

impl WeightsError {
    /// The loader's error for a file that `nn_format` rejects.
    fn format(e: FormatError) -> Self {
        match e {
            FormatError::Truncated {
                part,
                expected,
                found,
            } => Self::Truncated {
                path: None,
                part: part.as_str(),
                expected,
                found,
            },
            FormatError::Duplicate { name } => Self::Duplicate { path: None, name },
            e => Self::Corrupt {
                path: None,
                reason: e.to_string(),
            },
        }
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
/// use nn::Params; // for `Tiny::<f64>::init`
/// use nn::io::to_safetensors_bytes;
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
/// temporary file `.nn-save-XXXXXX.tmp` in the same folder, flushed to disk
/// (`fsync`), and then renamed over `path`, which replaces an existing file
/// in one step; on Unix the folder is flushed too, so the rename survives a
/// crash. A new file gets the permissions of the file it replaces (or, if
/// there is none, those of a file the process creates: `0o666` less the
/// umask). If `path` is a symbolic link, the link is replaced, not its
/// target.
///
/// Errors:
/// - [`WeightsError::NonFinite`], before touching the disk, if a parameter
///   is NaN or infinite;
/// - [`WeightsError::Io`] naming `path` and the step that failed, if
///   creating, writing, syncing or renaming the temporary file fails: the
///   temporary file is removed and a previous file at `path` is as it was;
/// - [`WeightsError::NotDurable`] if the rename succeeded but flushing the
///   folder failed: the new file is in place, but a crash could still undo
///   the save.
///
/// A process killed during a save leaves its temporary file behind; files
/// matching `.nn-save-*.tmp` can be deleted whenever no save into that
/// folder is running.
///
/// # Panics
///
/// Like [`to_safetensors_bytes`].
///
/// ```
/// use nn::io::{load_safetensors, save_safetensors};
/// nn::network! { struct Tiny { input: 2, out: dense(1, sigmoid) } }
/// let path = std::env::temp_dir().join(format!("nn-doc-save-{}.safetensors", std::process::id()));
/// let net = Tiny::<f32>::init(3);
/// save_safetensors(&net, &path)?;
/// let back = load_safetensors::<Tiny<f32>, _>(&path)?;
/// assert_eq!(back.out.weight, net.out.weight);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), nn::io::WeightsError>(())
/// ```
pub fn save_safetensors<P: Params<T>, T: Scalar>(
    net: &P,
    path: impl AsRef<Path>,
) -> Result<(), WeightsError> {
    let path = path.as_ref();
    let bytes = to_safetensors_bytes(net).map_err(|e| e.in_file(path))?;
    write_atomic(path, &bytes, sync_folder)
}

/// A network from the bytes of a safetensors file, as [`load_safetensors`]
/// reads it, built on the heap.
///
/// ```
/// use nn::io::{from_safetensors_bytes, to_safetensors_bytes, WeightsError};
/// nn::network! { struct Small { input: 2, out: dense(1) } }
/// nn::network! { struct Wide { input: 3, out: dense(1) } }
/// let bytes = to_safetensors_bytes(&Wide::<f32>::init(1))?;
/// let err = from_safetensors_bytes::<Small<f32>, _>(&bytes).unwrap_err();
/// assert!(matches!(err, WeightsError::Shape { ref found, .. } if found == &[1, 3]));
/// assert_eq!(err.to_string(), "tensor `out.weight`: shape [1, 3]: expected [1, 2]");
/// // A small network can leave its box.
/// let wide: Wide<f32> = *from_safetensors_bytes(&bytes)?;
/// assert_eq!(wide.out.weight, Wide::<f32>::init(1).out.weight);
/// # Ok::<(), WeightsError>(())
/// ```
pub fn from_safetensors_bytes<P: Params<T>, T: Scalar>(
    bytes: &[u8],
) -> Result<Box<P>, WeightsError> {
    from_safetensors_bytes_mapped(bytes, &[])
}

/// Loads a network from a safetensors file that uses the network's own
/// tensor names, `<layer>.weight` and `<layer>.bias`, onto the heap.
///
/// Every tensor of the network must be in the file, with shape `[out, in]`
/// or `[out]` and the network's dtype, and hold finite values; the file must
/// hold no other tensor (see the [module docs](self) for why). Each failure
/// is a [`WeightsError`] naming the file and the tensor.
///
/// The network is zeroed on the heap and filled there: it never passes
/// through the stack, so any network `Net::init_boxed` can make loads, on
/// any thread.
///
/// ```
/// use nn::Params; // for `Tiny::<f64>::init`
/// use nn::io::{load_safetensors, save_safetensors, WeightsError};
/// nn::network! { struct Tiny { input: 2, out: dense(1) } }
/// let path = std::env::temp_dir().join(format!("nn-doc-load-{}.safetensors", std::process::id()));
/// save_safetensors(&Tiny::<f64>::init(5), &path)?;
/// // The file is F64: it loads into the f64 network only.
/// let net: Box<Tiny<f64>> = load_safetensors(&path)?;
/// assert_eq!(net.out.bias, Tiny::<f64>::init(5).out.bias);
/// let err = load_safetensors::<Tiny<f32>, _>(&path).unwrap_err();
/// assert!(matches!(err, WeightsError::Dtype { expected: "F32", ref found, .. } if found == "F64"));
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), WeightsError>(())
/// ```
pub fn load_safetensors<P: Params<T>, T: Scalar>(
    path: impl AsRef<Path>,
) -> Result<Box<P>, WeightsError> {
    load_safetensors_mapped(path, &[])
}

/// A network from the bytes of a safetensors file whose layers have other
/// names, as [`load_safetensors_mapped`] reads it, built on the heap.
///
/// ```
/// use nn::io::{LayerName, from_safetensors_bytes, from_safetensors_bytes_mapped, to_safetensors_bytes};
/// nn::network! { struct A { input: 2, first: dense(3, relu), second: dense(1) } }
/// nn::network! { struct B { input: 2, l1: dense(3, relu), l2: dense(1) } }
/// let bytes = to_safetensors_bytes(&A::<f32>::init(9))?;
/// assert!(from_safetensors_bytes::<B<f32>, _>(&bytes).is_err());
/// let names = [
///     LayerName { layer: "l1", file: "first" },
///     LayerName { layer: "l2", file: "second" },
/// ];
/// let b: Box<B<f32>> = from_safetensors_bytes_mapped(&bytes, &names)?;
/// assert_eq!(b.l2.weight, A::<f32>::init(9).second.weight);
/// # Ok::<(), nn::io::WeightsError>(())
/// ```
pub fn from_safetensors_bytes_mapped<P: Params<T>, T: Scalar>(
    bytes: &[u8],
    layers: &[LayerName<'_>],
) -> Result<Box<P>, WeightsError> {
    let mut net = P::zeros_boxed();
    from_safetensors_bytes_into(&mut *net, bytes, layers)?;
    Ok(net)
}

/// Loads a network from a safetensors file whose layers have other names,
/// such as one saved by PyTorch, onto the heap.
///
/// `layers` holds one [`LayerName`] `{ layer, file }` per renamed layer
/// (the order of `#[weights("PATH", layers(LAYER = "FILE"))]`): the
/// network's `<layer>.weight` and `<layer>.bias` are read from the file's
/// `<file>.weight` and `<file>.bias`. Layers that no mapping names keep their
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
/// use nn::io::{LayerName, load_safetensors_mapped};
/// nn::network! {
///     struct Mnist { input: 784, hidden1: dense(16, relu), hidden2: dense(16, relu), output: dense(10) }
/// }
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/pytorch/mnist_mlp.safetensors");
/// let names = [
///     LayerName { layer: "hidden1", file: "0" },
///     LayerName { layer: "hidden2", file: "2" },
///     LayerName { layer: "output", file: "4" },
/// ];
/// let net: Box<Mnist<f32>> = load_safetensors_mapped(path, &names)?;
/// // Trained by PyTorch: it reads the first MNIST test image, a 7.
/// let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist"));
/// let test = nn::data::load_idx(
///     &dir.join("t10k-images-idx3-ubyte.gz"),
///     &dir.join("t10k-labels-idx1-ubyte.gz"),
///     10,
/// )?;
/// let logits = net.forward(&nn::nalgebra::SVector::from_column_slice(test.input(0)));
/// assert_eq!((logits.argmax().0, test.label(0)), (7, 7));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A model saved with a prefix (`model.0.weight`) maps with
/// `LayerName { layer: "hidden1", file: "model.0" }`. A mapping whose layer
/// the network does not have, or a layer or file name that two mappings use,
/// is a [`WeightsError::Mapping`].
pub fn load_safetensors_mapped<P: Params<T>, T: Scalar>(
    path: impl AsRef<Path>,
    layers: &[LayerName<'_>],
) -> Result<Box<P>, WeightsError> {
    let path = path.as_ref();
    let bytes = read(path)?;
    from_safetensors_bytes_mapped(&bytes, layers).map_err(|e| e.in_file(path))
}

/// Loads a safetensors file into an existing network, in place: the
/// network's tensors are overwritten with the file's, read as
/// [`load_safetensors_mapped`] reads them (pass `&[]` for `layers` when the
/// file uses the network's own names).
///
/// Nothing is written until the whole file has been checked: if it is
/// rejected, `net` is left as it was.
///
/// ```
/// use nn::io::{LayerName, load_safetensors_into, save_safetensors};
/// nn::network! { struct Tiny { input: 2, out: dense(1) } }
/// let path = std::env::temp_dir().join(format!("nn-doc-into-{}.safetensors", std::process::id()));
/// save_safetensors(&Tiny::<f32>::init(4), &path)?;
/// let mut net = Tiny::<f32>::zeros_boxed();
/// load_safetensors_into(&mut *net, &path, &[])?;
/// assert_eq!(net.out.weight, Tiny::<f32>::init(4).out.weight);
/// // A rejected file changes nothing.
/// let nope = LayerName { layer: "nope", file: "x" };
/// assert!(load_safetensors_into(&mut *net, &path, &[nope]).is_err());
/// assert_eq!(net.out.weight, Tiny::<f32>::init(4).out.weight);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), nn::io::WeightsError>(())
/// ```
pub fn load_safetensors_into<P: Params<T>, T: Scalar>(
    net: &mut P,
    path: impl AsRef<Path>,
    layers: &[LayerName<'_>],
) -> Result<(), WeightsError> {
    let path = path.as_ref();
    let bytes = read(path)?;
    from_safetensors_bytes_into(net, &bytes, layers).map_err(|e| e.in_file(path))
}

/// Reads the bytes of a safetensors file into an existing network, in
/// place, as [`load_safetensors_into`] does; `net` is left as it was if the
/// bytes are rejected.
///
/// ```
/// use nn::Params; // for `Tiny::<f64>::init`
/// use nn::io::{from_safetensors_bytes_into, to_safetensors_bytes};
/// nn::network! { struct Tiny { input: 2, out: dense(1) } }
/// let bytes = to_safetensors_bytes(&Tiny::<f64>::init(8))?;
/// let mut net = Tiny::<f64>::zeros();
/// from_safetensors_bytes_into(&mut net, &bytes, &[])?;
/// assert_eq!(net.out.bias, Tiny::<f64>::init(8).out.bias);
/// # Ok::<(), nn::io::WeightsError>(())
/// ```
pub fn from_safetensors_bytes_into<P: Params<T>, T: Scalar>(
    net: &mut P,
    bytes: &[u8],
    layers: &[LayerName<'_>],
) -> Result<(), WeightsError> {
    let names = file_names::<P, T>(layers)?;
    let file = nn_format::parse(bytes).map_err(WeightsError::format)?;
    let tensors = check_tensors(&*net, &file, &names)?;
    for ((info, slice), tensor) in P::TENSORS.iter().zip(net.tensors_mut()).zip(tensors) {
        for (i, value) in values::<T>(tensor.data()).enumerate() {
            // Exact: the dtype is T's; the value was checked to be finite.
            slice[column_major_index(info.shape, i).0] = T::cast_f64(value);
        }
    }
    Ok(())
}

/// A layer whose tensors have another name in the file: the network's
/// `<layer>.weight` and `<layer>.bias` are read from the file's
/// `<file>.weight` and `<file>.bias`. The run-time twin of
/// `#[weights("PATH", layers(LAYER = "FILE"))]`, and in the same order.
///
/// Fields, not a pair: a `(&str, &str)` could be written either way round
/// and a mapping between names the network and the file share would load
/// the wrong tensors without an error.
///
/// ```
/// use nn::io::{LayerName, from_safetensors_bytes_mapped, to_safetensors_bytes};
/// nn::network! { struct A { input: 2, first: dense(1) } }
/// nn::network! { struct B { input: 2, l1: dense(1) } }
/// let bytes = to_safetensors_bytes(&A::<f32>::init(3))?;
/// let b: Box<B<f32>> = from_safetensors_bytes_mapped(&bytes, &[LayerName { layer: "l1", file: "first" }])?;
/// assert_eq!(b.l1.weight, A::<f32>::init(3).first.weight);
/// # Ok::<(), nn::io::WeightsError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LayerName<'a> {
    /// The network's layer, as the spec names it (`hidden1`).
    pub layer: &'a str,
    /// The name of its tensors in the file, without `.weight` or `.bias`
    /// (`0` for the first `Linear` of a PyTorch `Sequential`).
    pub file: &'a str,
}

/// The file at `path`, or an `Io` error naming it.
fn read(path: &Path) -> Result<Vec<u8>, WeightsError> {
    fs::read(path).map_err(|source| WeightsError::Io {
        path: path.to_path_buf(),
        action: "read",
        source,
    })
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
    layers: &[LayerName<'_>],
) -> Result<Vec<String>, WeightsError> {
    let bad = |map: &LayerName, reason| WeightsError::Mapping {
        layer: map.layer.to_string(),
        file: map.file.to_string(),
        reason,
    };
    for (k, map) in layers.iter().enumerate() {
        if !P::TENSORS.iter().any(|t| t.layer == map.layer) {
            return Err(bad(map, "the network has no such layer"));
        }
        if layers[..k].iter().any(|m| m.layer == map.layer) {
            return Err(bad(map, "another mapping names the same layer"));
        }
        if layers[..k].iter().any(|m| m.file == map.file) {
            return Err(bad(map, "another mapping names the same file name"));
        }
    }
    Ok(P::TENSORS
        .iter()
        .map(|info| {
            let suffix = info.name.strip_prefix(info.layer).unwrap_or(info.name);
            match layers.iter().find(|m| m.layer == info.layer) {
                Some(m) => format!("{}{suffix}", m.file),
                None => info.name.to_string(),
            }
        })
        .collect())
}

/// The values of a tensor of `T`'s dtype, widened to `f64` (exactly).
fn values<T: Scalar>(data: &[u8]) -> impl Iterator<Item = f64> + '_ {
    let width = core::mem::size_of::<T>();
    data.chunks_exact(width).map(move |b| match width {
        4 => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        _ => f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
    })
}

/// The file's tensor for each tensor of `P` (named `names`), after checking
/// every rule of the [module docs](self): nothing is written to a network
/// before the whole file has passed.
fn check_tensors<'f, 'a, P: Params<T>, T: Scalar>(
    net: &P,
    file: &'f nn_format::File<'a>,
    names: &[String],
) -> Result<Vec<&'f nn_format::Tensor<'a>>, WeightsError> {
    let mut slices = net.tensors();
    let mut found = Vec::with_capacity(P::TENSORS.len());
    for (info, name) in P::TENSORS.iter().zip(names) {
        check_params_impl(info, slices.next().map_or(0, <[T]>::len));
        let Some(tensor) = file.get(name) else {
            return Err(WeightsError::Missing {
                path: None,
                name: name.clone(),
                tensor: info.name,
                available: file.names().map(String::from).collect(),
            });
        };
        if tensor.dtype().name() != T::DTYPE {
            return Err(WeightsError::Dtype {
                path: None,
                name: name.clone(),
                tensor: info.name,
                expected: T::DTYPE,
                found: tensor.dtype().to_string(),
            });
        }
        if tensor.shape() != info.shape {
            return Err(WeightsError::Shape {
                path: None,
                name: name.clone(),
                tensor: info.name,
                expected: info.shape,
                found: tensor.shape().to_vec(),
            });
        }
        if let Some((i, value)) = values::<T>(tensor.data())
            .enumerate()
            .find(|(_, v)| !v.is_finite())
        {
            return Err(WeightsError::NonFinite {
                path: None,
                name: name.clone(),
                tensor: info.name,
                index: column_major_index(info.shape, i).1,
                value,
            });
        }
        found.push(tensor);
    }
    if let Some(extra) = file.names().find(|n| !names.iter().any(|m| m == n)) {
        return Err(WeightsError::Unexpected {
            path: None,
            name: extra.to_string(),
        });
    }
    Ok(found)
}

/// Flushes the folder `dir` to disk, so that a rename in it survives a crash
/// (on Unix; elsewhere the rename is as durable as the system makes it).
fn sync_folder(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, renames it
/// over `path`, and syncs the folder with `sync_folder` (a parameter so that
/// a test can make it fail); the temporary file is removed if any step
/// before the rename fails.
fn write_atomic(
    path: &Path,
    bytes: &[u8],
    sync_folder: impl FnOnce(&Path) -> io::Result<()>,
) -> Result<(), WeightsError> {
    let io_error = |action, source| WeightsError::Io {
        path: path.to_path_buf(),
        action,
        source,
    };
    if path.file_name().is_none() {
        return Err(io_error(
            "write",
            io::Error::new(io::ErrorKind::InvalidInput, "the path does not name a file"),
        ));
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
    // tempfile's default is 0o600; a saved file gets what `File::create`
    // gives (0o666 less the umask), like any other file the process writes.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    // Dropping `temp` before it is persisted removes the file.
    let mut temp = builder
        .tempfile_in(dir)
        .map_err(|e| io_error("create a temporary file for", e))?;
    if let Ok(old) = fs::metadata(path) {
        // Best effort: keep the mode of the file being replaced.
        let _ = temp.as_file().set_permissions(old.permissions());
    }
    // Through the `File`: `NamedTempFile`'s own `Write` rewraps OS errors.
    temp.as_file_mut()
        .write_all(bytes)
        .map_err(|e| io_error("write", e))?;
    temp.as_file().sync_all().map_err(|e| io_error("sync", e))?;
    temp.persist(path)
        .map_err(|e| io_error("replace", e.error))?;
    sync_folder(dir).map_err(|source| WeightsError::NotDurable {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh, empty folder for one test.
    fn temp_dir(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("nn-io-{}-{test}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_folder_that_cannot_be_synced_is_reported_with_the_new_file_in_place() {
        let dir = temp_dir("sync-fails");
        let path = dir.join("net.safetensors");
        fs::write(&path, b"old").unwrap();
        let err =
            write_atomic(&path, b"new", |_| Err(io::Error::other("no sync here"))).unwrap_err();
        assert!(
            matches!(&err, WeightsError::NotDurable { path: p, .. } if p == &path),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "{}: the new file is in place, but its folder could not be synced, so a crash may still undo the save: no sync here",
                path.display()
            )
        );
        assert_eq!(fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["net.safetensors"]);
        fs::remove_dir_all(dir).unwrap();
    }
}
