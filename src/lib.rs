//! # nn: compile-time neural networks
//!
//! [`network!`] reads a declarative layer spec and writes, at compile time, a
//! plain struct of fixed-size [`nalgebra`] parameters with a forward function
//! and a fully unrolled backward (backpropagation) function. Shapes are checked
//! when your crate compiles: a network that does not fit together is a compile
//! error that names the layer. Nothing is allocated on the heap per sample.
//!
//! ## 1. Declare a network
//!
//! ```
//! nn::network! {
//!     /// The lecture's homework network: MNIST digits, 784 -> 16 -> 16 -> 10.
//!     pub struct Mnist {
//!         input: 784,
//!         hidden1: dense(16, relu),
//!         hidden2: dense(16 -> 16, relu),   // an explicit input width is checked
//!         output: dense(10),                // no activation: logits
//!         loss: softmax_cross_entropy,
//!     }
//! }
//! # fn main() {
//! // The struct has one public `Dense` field per layer, generic over the
//! // scalar: `init` makes an `f32` network, `Mnist::<f64>::init(42)` (with
//! // `nn::Params` in scope) an `f64` one.
//! let net = Mnist::init(42); // seeded He/Xavier initialisation
//! assert_eq!(net.hidden1.weight.shape(), (16, 784));
//! assert_eq!(Mnist::<f32>::PARAM_COUNT, 13_002);
//! println!("{net}"); // the layer table, as `net.summary()`
//! # }
//! ```
//!
//! ## 2. Run it
//!
//! Inputs and outputs are typed vectors: passing a vector of the wrong width is
//! a type error at the call site.
//!
//! ```
//! # nn::network! { pub struct Mnist { input: 784, hidden1: dense(16, relu), hidden2: dense(16, relu), output: dense(10), loss: softmax_cross_entropy } }
//! use nn::nalgebra::SVector;
//! let net = Mnist::<f32>::init(42);
//! let x = SVector::<f32, 784>::repeat(0.5);
//! let logits: SVector<f32, 10> = net.forward(&x);
//! assert!(logits.iter().all(|v| v.is_finite()));
//! ```
//!
//! ## 3. Train it
//!
//! `loss_and_grad` gives the loss, the gradient of every parameter (a value of
//! the network's own type) and `dL/dx`; `sgd_step` fuses the update into the
//! backward pass.
//!
//! ```
//! # nn::network! { pub struct Mnist { input: 784, hidden1: dense(16, relu), hidden2: dense(16, relu), output: dense(10), loss: softmax_cross_entropy } }
//! use nn::{ClassLabel, nalgebra::SVector};
//! let mut net = Mnist::<f32>::init(42);
//! let x = SVector::<f32, 784>::repeat(0.5);
//! let y = ClassLabel::<10>::new(7).unwrap(); // checked: 0 <= 7 < 10
//! let (loss, grads, _dx) = net.loss_and_grad(&x, &y);
//! assert_eq!(grads.output.bias.len(), 10);
//! for _ in 0..10 {
//!     net.sgd_step(&x, &y, 0.01);
//! }
//! assert!(net.loss(&x, &y) < loss);
//! ```
//!
//! ## 4. Or let a loop train it
//!
//! [`train::fit`] shuffles, cuts mini-batches, steps an optimizer on the
//! network's loss and evaluates held-out data after every epoch; the callback
//! sees the figures and the network, and can stop the run.
//!
//! ```
//! use nn::{data::Dataset, optim::Adam, train::{fit, TrainOptions}};
//! use std::ops::ControlFlow;
//! nn::network! {
//!     struct Xor { input: 2, hidden: dense(8, tanh), out: dense(2), loss: softmax_cross_entropy }
//! }
//! let xor = Dataset::new(2, 2, vec![0., 0., 0., 1., 1., 0., 1., 1.], vec![0, 1, 1, 0])?;
//! let options = TrainOptions { epochs: 500, batch_size: 4, progress: false, ..TrainOptions::default() };
//! let mut net = Xor::<f32>::init(1);
//! let history = fit(&mut net, &mut Adam::new(0.05)?, &xor, &xor, &options, |stats, _net| {
//!     if stats.test_accuracy == Some(1.0) { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
//! })?;
//! assert_eq!(history.last().unwrap().test_accuracy, Some(1.0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## What the macro generates
//!
//! For `pub struct Mnist` (see [`network!`] for the grammar):
//! - `Mnist<T = f32>` with one `pub` [`Dense<T, IN, OUT>`] field per layer
//!   (`weight: SMatrix<T, OUT, IN>`, `bias: SVector<T, OUT>`), and the consts
//!   `INPUT`, `OUTPUT`, `PARAM_COUNT`, `LAYERS`, `TENSORS`;
//! - `zeros()` and `init(seed)`, which make an `f32` network (for `f64`:
//!   `Mnist::<f64>::init(seed)`, the [`Params`] method, with `nn::Params` in
//!   scope), and with `batch` `zeros_boxed()` / `init_boxed(seed)` for
//!   networks too large for the stack ([`Params::init_boxed`] needs only
//!   `alloc`); no `Default`, since a network of zeros does not
//!   train;
//! - `init_in_place(seed)`, `summary()` and `Display` (the layer table);
//!   [`Params::from_tensors`] loads PyTorch's row-major tensors;
//! - from [`Network`], for every network: `predict(&x)` (the forward pass),
//!   `classify(&x)` (the index of the largest output) and
//!   `classify_batch(&xs)` / `classify_into(&xs, &mut classes)`;
//! - `forward(&x)`, and `forward_trace(&x, &mut MnistTrace)` which keeps every
//!   layer's `z` and `a` in the generated `MnistTrace<T>`;
//! - `backward(&x, &trace, &d_out)`, `backward_into(..)` and
//!   `backward_delta_into(..)`: straight-line code, one commented block per
//!   layer, output to input;
//! - with a loss: `loss_fn()`, `loss(&x, &y)`, `loss_and_grad(&x, &y)`,
//!   `loss_and_grad_into(..)` and `sgd_step(&x, &y, lr)`;
//! - with `batch`, `forward_batch`, `loss_batch` and `loss_and_grad_batch` over
//!   mini-batches ([`batch::Batch`], one sample per column) and a
//!   `MnistTraceBatch<T>`;
//! - implementations of [`Params`] (the parameter walk used by optimizers and
//!   serialization), [`Network`], [`Supervised`] and, with `batch`,
//!   [`batch::BatchSupervised`];
//! - with `#[weights("PATH", quantize = int8, calibration = "CALIB")]`, a
//!   second struct `MnistInt8` of [`quant::QuantizedDense`] layers with its
//!   `TRAINED` const: int8 `forward` and `classify` in integer arithmetic
//!   only, `quantize_input`, `dequantize_output` and `WEIGHT_BYTES` (see
//!   [`network!`] and [`quant`]).
//!
//! ## Modules and features
//!
//! [`activation`], [`loss`], [`init`], [`optim`] ([`optim::Sgd`]),
//! [`gradcheck`] and [`mod@graph`] work everywhere, `no_std` without a heap
//! included. The rest comes with additive Cargo features, all of them on
//! with the default `std`:
//!
//! | feature | brings | pulls in |
//! |---|---|---|
//! | `alloc` | boxed networks (`init_boxed`), `Momentum`, `Adam`, `classify_batch`, [`metrics`]; `no_std` with a global allocator | (nothing) |
//! | `batch` | [`batch`]: mini-batches, the generated `forward_batch`, `loss_and_grad_batch`, ... | `alloc`, matrixmultiply, std |
//! | `parallel` | batch products split over threads ([`batch::set_threads`]) | `batch` |
//! | `simd` | per-sample kernels on AVX-512F or AVX2+FMA when the x86-64 CPU has them, detected at run time (`NN_SIMD=avx2` or `none` caps the choice) | std |
//! | `data` | [`data`]: IDX and CSV loaders, datasets, shuffled batches | `alloc`, flate2, std |
//! | `io` | [`io`]: safetensors weight files, atomic saves | `alloc`, nn-format, safetensors, tempfile, std |
//! | `train` | [`train`]: `fit`, `evaluate`, the progress bar | `batch`, `data`, indicatif |
//! | `std` (default) | all of the above | all of the above |
//!
//! `default-features = false, features = ["io"]` loads and saves weights
//! without the data loaders or the training loop, for example.
//!
//! ## Computational graphs: `graph!`
//!
//! [`graph!`] is the lecture's second half: it turns scalar functions into
//! their computational graph and writes their derivatives as straight-line
//! code, generic over `f32` and `f64` and `no_std`: the gradient in reverse
//! mode, Jacobian-vector products in forward mode, the Jacobian (in whichever
//! mode needs fewer sweeps, chosen at compile time) and a Graphviz rendering
//! with every node's value and gradient. The grammar, what it generates and
//! the subgradients at kinks are documented in [`mod@graph`].
//!
//! ```
//! nn::graph! {
//!     /// The lecture's example.
//!     pub fn lecture(x1, x2, x3) -> y {
//!         let a = x1 + sin(x1);
//!         y = 2.0 * log10(a) * max(x2, x3);
//!     }
//! }
//! # fn main() {
//! let (y, gradient) = lecture::grad([5.0f64, -2.0, -5.0]);
//! assert_eq!(y, lecture(5.0, -2.0, -5.0));
//! assert!((gradient[0] + 0.5518).abs() < 5e-5 && gradient[2] == 0.0);
//! # }
//! ```
// The facade only re-exports: it is `no_std` unless `std` is on (nn-core
// links std by itself for `batch`, `data`, `io` and `train`).
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;

// Named, not `pub use nn_core::*`: what is listed here is the API, and the
// kernels that only generated code calls stay in `__private`.
/// The nalgebra our output is typed against: `nn::nalgebra::SVector` is
/// always the vector type the generated `forward` takes.
pub use nalgebra;
#[cfg(feature = "data")]
#[doc(inline)]
pub use nn_core::data;
#[cfg(feature = "io")]
#[doc(inline)]
pub use nn_core::io;
#[cfg(feature = "alloc")]
#[doc(inline)]
pub use nn_core::metrics;
#[doc(inline)]
pub use nn_core::quant;
#[cfg(feature = "train")]
#[doc(inline)]
pub use nn_core::train;
#[doc(inline)]
pub use nn_core::{
    ClassCountError, ClassLabel, Dense, LabelError, LayerInfo, LayerTrace, Network,
    ParamCountError, Params, Scalar, Summary, Supervised, TensorError, TensorInfo, TensorKind,
};
#[doc(inline)]
pub use nn_core::{activation, gradcheck, graph, init, loss, optim};
#[doc(inline)]
pub use nn_macros::graph;
// The summary and the example are written here, on the re-export (rustdoc
// puts them before the macro's own documentation, the grammar), so that nn's
// doc tests run the example: nn-macros, a proc-macro crate, would have to
// link nn as a host dependency to run it, a second build of nn and all its
// dependencies in every test run.
/// Declares a neural network and generates its parameters, forward pass and
/// unrolled backward pass.
///
/// # Example
///
/// ```
/// const HIDDEN: usize = 8;
/// nn::network! {
///     /// A classifier of 8x8 digit images.
///     pub struct Digits {
///         input: 64,
///         hidden: dense(HIDDEN, tanh),
///         output: dense(HIDDEN -> 10, softmax),
///         loss: softmax_cross_entropy,
///     }
/// }
/// use nn::Params; // `init` for a scalar other than `f32`
/// let net = Digits::<f64>::init(0);
/// let p = net.forward(&nn::nalgebra::SVector::<f64, 64>::zeros());
/// assert!((p.sum() - 1.0).abs() < 1e-12);
/// ```
///
/// An image network with a residual block: layers read the layer above
/// unless they name another (`from = stem`), `add` and `concat` join layers,
/// and the backward pass sums the gradients of a layer read twice.
///
/// ```
/// nn::network! {
///     pub struct Small {
///         input: [1, 8, 8],                          // [channels, height, width]
///         stem: conv2d(4, 3, padding = 1, relu),     // [4, 8, 8]
///         body: conv2d(4, 3, padding = 1, relu),
///         res: add(stem, body),                      // the residual block
///         pool: max_pool(2),                         // [4, 4, 4]
///         side: avg_pool(4, from = res),             // [4, 2, 2]
///         flat: flatten(from = pool),                // 64
///         flat_side: flatten(from = side),           // 16
///         both: concat(flat, flat_side),             // 80
///         out: dense(10),
///         loss: softmax_cross_entropy,
///     }
/// }
/// assert_eq!(Small::<f32>::TENSORS[0].shape, &[4, 1, 3, 3]); // PyTorch's [out, in, k, k]
/// let net = Small::init(0);
/// let x = nn::nalgebra::SVector::<f32, 64>::from_fn(|i, _| i as f32 / 64.0);
/// let (loss, grads, _dx) = net.loss_and_grad(&x, &nn::ClassLabel::<10>::new(3).unwrap());
/// assert!(loss > 0.0 && grads.stem.weight.iter().any(|g| *g != 0.0));
/// ```
#[doc(inline)]
pub use nn_macros::network;

/// Mini-batches: `N` features × a run-time number of samples, one sample
/// per column. The generated `forward_batch`, `loss_batch`,
/// `loss_and_grad_batch` and `sgd_step_batch` run one GEMM per layer over
/// them (`matrixmultiply`). Needs the `batch` feature. With `parallel` (on
/// with `std`), large products are split over [`batch::threads`] threads,
/// with results bit-identical to one thread; [`batch::set_threads`]`(1)`
/// turns that off.
///
/// ```
/// use nn::batch::Batch;
/// nn::network! { struct Tiny { input: 2, out: dense(1) } }
/// let mut net = Tiny::zeros();
/// net.out.weight[(0, 0)] = 1.0;
/// net.out.weight[(0, 1)] = 2.0;
/// net.out.bias[0] = 0.5;
/// // Two samples, (1, 1) and (0, 3), one per column.
/// let x = Batch::<f32, 2>::from_column_slice(&[1.0, 1.0, 0.0, 3.0]);
/// assert_eq!(net.forward_batch(&x).as_slice(), &[3.5, 6.5]);
/// ```
#[cfg(feature = "batch")]
pub mod batch {
    #[doc(inline)]
    pub use nn_core::batch::{Batch, BatchLayerTrace, BatchSupervised, argmax, column};
    #[cfg(feature = "parallel")]
    #[doc(inline)]
    pub use nn_core::batch::{set_threads, threads};
}

/// Keeps its input when `nn` has mini-batches (the `batch` feature), drops
/// it otherwise. For code generated by `network!` only: not API.
#[cfg(feature = "batch")]
#[doc(hidden)]
#[macro_export]
macro_rules! __nn_if_batch {
    ($($t:tt)*) => { $($t)* };
}

/// Keeps its input when `nn` has mini-batches, drops it otherwise.
#[cfg(not(feature = "batch"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __nn_if_batch {
    ($($t:tt)*) => {};
}

/// Keeps its input when `nn` has a heap (the `alloc` feature), drops it
/// otherwise. For code generated by `network!` only: not API.
#[cfg(feature = "alloc")]
#[doc(hidden)]
#[macro_export]
macro_rules! __nn_if_alloc {
    ($($t:tt)*) => { $($t)* };
}

/// Keeps its input when `nn` has a heap, drops it otherwise.
#[cfg(not(feature = "alloc"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __nn_if_alloc {
    ($($t:tt)*) => {};
}

/// For code generated by `network!` and `graph!` only: not API, no semver
/// promise. The kernels live here and nowhere else in the public API: the
/// public `batch` module and the crate root hold only what users name.
///
/// ```compile_fail,E0432
/// use nn::layer::dense_backward;
/// ```
///
/// ```compile_fail,E0432
/// use nn::batch::dense_backward_batch;
/// ```
///
/// Generated code names each kernel by its module, `layer::` per sample and
/// `batch::` per mini-batch; the untraced kernel is `dense_forward`, the
/// traced one `dense_forward_trace`:
///
/// ```
/// use nn::__private::layer::{dense_forward, dense_forward_trace};
/// let (_, _) = (dense_forward::<f32, nn::activation::Relu, 2, 3>, dense_forward_trace::<f32, nn::activation::Relu, 2, 3>);
/// ```
///
/// The old flat names are gone:
///
/// ```compile_fail,E0432
/// use nn::__private::dense_infer;
/// ```
///
/// ```compile_fail,E0432
/// use nn::__private::dense_backward;
/// ```
#[doc(hidden)]
pub mod __private {
    pub use crate::__nn_if_alloc as if_alloc;
    pub use crate::__nn_if_batch as if_batch;
    // The generated batch methods and boxed constructors are wrapped in
    // `if_std`, from when `std` was the only feature; both need `batch`.
    pub use crate::__nn_if_batch as if_std;
    #[cfg(feature = "alloc")]
    pub use ::alloc::boxed::Box;
    pub use ::bytemuck::Zeroable;
    pub use ::core;
    pub use ::nalgebra::{ArrayStorage, SMatrix, SVector};
    pub use ::nn_core::activation::{self, Activation};
    pub use ::nn_core::init::{Scheme, SplitMix64, fill_uniform};
    pub use ::nn_core::loss::{self, FusedLoss, Loss};
    pub use ::nn_core::{
        ClassLabel, Dense, LayerInfo, LayerTrace, Network, Params, Scalar, Summary, Supervised,
        TensorInfo, TensorKind,
    };

    /// `graph!`'s operations (`op::sin`, `op::sin_d`, ...), the Jacobian
    /// assemblers and the graph description types.
    pub use ::nn_core::graph;
    /// The image kernels (convolution, depthwise convolution, pooling) and
    /// their `Geometry`; with `batch`, their batch twins in `image::batch`.
    pub use ::nn_core::image;
    /// The `add` and `concat` kernels of skip connections.
    pub use ::nn_core::join;
    /// The per-sample kernels under their names: `dense_forward` (no
    /// trace) and `dense_forward_trace`, as the generated `forward` and
    /// `forward_trace`.
    pub use ::nn_core::layer;
    /// The int8 layer of `quantize = int8` networks and its kernels.
    pub use ::nn_core::quant::{self, QuantizedDense};

    /// The mini-batch kernels, `dense_forward_trace_batch` and the rest.
    #[cfg(feature = "batch")]
    pub use ::nn_core::batch;
    #[cfg(feature = "batch")]
    pub use ::nn_core::batch::{Batch, BatchLayerTrace, BatchSupervised};

    /// A named width as a `usize` value: taking it as a const generic
    /// argument types it as the struct's field types do, so a mistake in it
    /// gives the same error, once.
    pub const fn width<const N: usize>() -> usize {
        N
    }

    /// An image layer's output size by PyTorch's rule, `(size + 2·padding −
    /// kernel) / stride + 1` rounded down, for sizes given by named
    /// constants. It saturates (a kernel larger than the padded input, or a
    /// zero stride, gives 1): the layer's own const assertion reports those,
    /// rather than an overflow in every type of the size.
    ///
    /// ```
    /// assert_eq!(nn::__private::window_out(28, 3, 1, 1), 28);
    /// assert_eq!(nn::__private::window_out(28, 2, 2, 0), 14);
    /// assert_eq!(nn::__private::window_out(9, 2, 2, 0), 4);
    /// assert_eq!(nn::__private::window_out(2, 5, 0, 0), 1);
    /// ```
    pub const fn window_out(size: usize, kernel: usize, stride: usize, padding: usize) -> usize {
        let stride = if stride == 0 { 1 } else { stride };
        (size + 2 * padding).saturating_sub(kernel) / stride + 1
    }
}
