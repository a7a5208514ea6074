//! Saving and loading a network's weights as [safetensors] files, the format
//! PyTorch, JAX and Hugging Face use.
//!
//! Every generated network implements [`Params`](crate::Params), which is all these
//! functions need: a network is written as one tensor per weight and bias,
//! named `<layer>.weight` and `<layer>.bias`, of shape `[out, in]` and `[out]`
//! (PyTorch's `nn.Linear` convention, row-major; a convolution's weight is
//! `[out, in, kh, kw]` as in `nn.Conv2d`), with dtype `F32` for `f32`
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
//!   each tensor named once ([`WeightsErrorKind::Duplicate`]), known dtypes, and
//!   offsets that match the shapes, follow one another from 0 and end exactly
//!   at the end of the file, all with checked arithmetic
//!   ([`WeightsErrorKind::Truncated`], [`WeightsErrorKind::Corrupt`]).
//! - **Dtype**: a tensor must have the network's dtype ([`Scalar::DTYPE`](crate::Scalar::DTYPE)).
//!   An `F64` file does not load into an `f32` network, nor an `F32` file into
//!   an `f64` one ([`WeightsErrorKind::Dtype`]): values are never converted
//!   silently. Load into the network type of the file's dtype and convert
//!   explicitly if you need the other one, e.g. by casting what
//!   [`Params::tensors`](crate::Params::tensors) yields and passing it to
//!   [`Params::from_flat_column_major`](crate::Params::from_flat_column_major).
//! - **Extra tensors**: every tensor in the file must be one of the network's.
//!   A file with an unexpected tensor (a bigger network, a buffer, a typo'd
//!   name) is an error naming it ([`WeightsErrorKind::Unexpected`]), because a
//!   file that holds more than the network reads is usually not the file of
//!   that network. The file's `__metadata__` is not a tensor and is ignored.
//! - **Non-finite values**: weight files hold finite numbers only. Loading a
//!   NaN or an infinity is an error naming the tensor and the element
//!   ([`WeightsErrorKind::NonFinite`]), and so is *saving* one, so that a network
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

mod codec;
mod error;
mod file;

pub use codec::{
    LayerName, calibration_bytes, from_safetensors_bytes, from_safetensors_bytes_into,
    from_safetensors_bytes_mapped, to_safetensors_bytes,
};
pub use error::{WeightsError, WeightsErrorKind};
pub use file::{
    load_safetensors, load_safetensors_into, load_safetensors_mapped, save_calibration,
    save_safetensors,
};
