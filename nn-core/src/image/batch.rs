//! Image layers over mini-batches ([`Batch`], one image per column).
//!
//! A convolution over a batch is im2col plus one matrix product: every
//! window of every sample becomes one column of a `(c·k²) × (B·p)` matrix
//! (`p` output positions per sample), so that `W` times it gives every
//! output of the batch in one GEMM, the crate's cache-blocked product cut
//! over threads as in [`crate::batch`]. The product's layout
//! (`out × (B·p)`) is not the batch's (`[out, p]` per column), so one
//! permutation pass moves its results into `z` (and `δ` into the product's
//! layout on the way back). Depthwise convolutions and pooling have far
//! fewer multiply-adds per value; they run column by column through the
//! per-sample code.
//!
//! ```
//! use nn::batch::Batch;
//! use nn::{Dense, activation::Identity};
//! use nn::nalgebra::{SMatrix, SVector};
//! use nn::__private::image::{Geometry, batch::{BatchConvTrace, conv2d_forward_trace_batch}};
//! const G: Geometry = Geometry::conv(1, 2, 2, 1, 2, 1, 0);
//! let layer = Dense::<f32, 4, 1> { weight: SMatrix::repeat(1.0), bias: SVector::from([0.5]) };
//! let x = Batch::<f32, 4>::from_column_slice(&[1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 0.0, 1.0]);
//! let mut t = BatchConvTrace::<f32, 1>::new();
//! conv2d_forward_trace_batch(&layer, &G, &Identity, &x, &mut t);
//! assert_eq!(t.a.as_slice(), &[10.5, 1.5]);
//! ```

use alloc::vec::Vec;

use super::{
    Geometry, avg_pool_backward_slice, avg_pool_slice, check_conv, check_depthwise, check_pool,
    input_grad_slice, max_pool_backward_slice, max_pool_slice, params_grad, params_sgd,
};
use crate::{
    Dense, Scalar,
    activation::Activation,
    batch::{Batch, BatchLayerTrace, Cut, Operand, activate_columns, gemm},
};

/// The output of a layer without parameters (pooling, `add`, `concat`) over
/// a batch, and the backward scratch `da = dL/da`. Kept between calls so
/// that a training loop allocates only when the batch size changes.
///
/// ```
/// use nn::__private::image::batch::BatchNodeTrace;
/// let mut t = BatchNodeTrace::<f32, 3>::new();
/// t.resize(5);
/// assert_eq!(t.a.shape(), (3, 5));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNodeTrace<T: Scalar, const N: usize> {
    /// The node's output, one column per sample.
    pub a: Batch<T, N>,
    /// `dL/da`, filled by the backward pass.
    pub da: Batch<T, N>,
}

impl<T: Scalar, const N: usize> BatchNodeTrace<T, N> {
    /// An empty trace (batch size 0); kernels size it on first use.
    ///
    /// ```
    /// assert_eq!(nn::__private::image::batch::BatchNodeTrace::<f64, 2>::new().a.ncols(), 0);
    /// ```
    pub fn new() -> Self {
        Self {
            a: Batch::<T, N>::zeros(0),
            da: Batch::<T, N>::zeros(0),
        }
    }

    /// Makes room for `batch` columns, reallocating only when the batch size changes.
    ///
    /// ```
    /// let mut t = nn::__private::image::batch::BatchNodeTrace::<f64, 2>::new();
    /// t.resize(3);
    /// assert_eq!((t.a.ncols(), t.da.ncols()), (3, 3));
    /// ```
    pub fn resize(&mut self, batch: usize) {
        if self.a.ncols() != batch || self.da.ncols() != batch {
            *self = Self {
                a: Batch::<T, N>::zeros(batch),
                da: Batch::<T, N>::zeros(batch),
            };
        }
    }
}

impl<T: Scalar, const N: usize> Default for BatchNodeTrace<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

/// A convolution's values over a batch, `N × B` each, as in
/// [`BatchLayerTrace`], with the scratch of its matrix products.
///
/// ```
/// use nn::__private::image::batch::BatchConvTrace;
/// let mut t = BatchConvTrace::<f32, 6>::new();
/// t.resize(4);
/// assert_eq!((t.z.shape(), t.delta.shape()), ((6, 4), (6, 4)));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct BatchConvTrace<T: Scalar, const N: usize> {
    /// Pre-activations, one column per sample.
    pub z: Batch<T, N>,
    /// Activations, one column per sample.
    pub a: Batch<T, N>,
    /// `dL/da`, filled by the backward pass.
    pub da: Batch<T, N>,
    /// `δ = dL/dz` (of the mean loss), filled by the backward pass.
    pub delta: Batch<T, N>,
    /// The im2col matrix of the forward pass's input, `(c·k²) × (B·p)`
    /// row-major (tap by tap), which the backward pass needs for `dL/dW`. The
    /// backward pass overwrites it with `dL/d(cols)` when it computes `dL/dX`.
    pub cols: Vec<T>,
    /// The product `W · cols` (forward) or `δ` in its layout (backward),
    /// `out × (B·p)`, followed in the SGD kernel by a copy of the old `W`.
    pub scratch: Vec<T>,
}

impl<T: Scalar, const N: usize> BatchConvTrace<T, N> {
    /// An empty trace (batch size 0); kernels size it on first use.
    ///
    /// ```
    /// let t = nn::__private::image::batch::BatchConvTrace::<f64, 2>::new();
    /// assert!(t.cols.is_empty() && t.z.ncols() == 0);
    /// ```
    pub fn new() -> Self {
        Self {
            z: Batch::<T, N>::zeros(0),
            a: Batch::<T, N>::zeros(0),
            da: Batch::<T, N>::zeros(0),
            delta: Batch::<T, N>::zeros(0),
            cols: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Makes room for `batch` columns in `z`, `a`, `da` and `delta`,
    /// reallocating only when the batch size changes (the forward pass
    /// sizes `cols` and `scratch`).
    ///
    /// ```
    /// let mut t = nn::__private::image::batch::BatchConvTrace::<f64, 2>::new();
    /// t.resize(3);
    /// assert_eq!(t.da.ncols(), 3);
    /// ```
    pub fn resize(&mut self, batch: usize) {
        if self.z.ncols() != batch {
            self.z = Batch::<T, N>::zeros(batch);
            self.a = Batch::<T, N>::zeros(batch);
            self.da = Batch::<T, N>::zeros(batch);
            self.delta = Batch::<T, N>::zeros(batch);
        }
    }
}

impl<T: Scalar, const N: usize> Default for BatchConvTrace<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

/// Sets `buf` to `len` values, reusing its allocation.
fn sized<T: Scalar>(buf: &mut Vec<T>, len: usize) -> &mut [T] {
    buf.resize(len, T::zero());
    &mut buf[..len]
}

/// The im2col matrix of a batch, stored tap by tap: row `t = (c·k + ki)·k +
/// kj` holds, for every sample `s` and output position `q`, the input under
/// that tap at column `s·p + q` (zero in the padding), so `W · cols` is the
/// convolution of every sample. Stored row-major (`cols[t·n + s·p + q]`, a
/// column-major `n × c·k²` matrix): each output row of a tap is a run of
/// the input row (every `stride`-th value), copied in one pass.
fn im2col<T: Scalar>(g: &Geometry, x: &[T], cols: &mut [T]) {
    let (k, positions) = (g.kernel, g.out_height * g.out_width);
    let n = x.len() / g.input_len().max(1) * positions;
    for c in 0..g.channels {
        for ki in 0..k {
            for kj in 0..k {
                let t = (c * k + ki) * k + kj;
                let row = &mut cols[t * n..(t + 1) * n];
                let (lo, hi) = tap_columns(g, kj);
                for (x, out) in x
                    .chunks_exact(g.input_len())
                    .zip(row.chunks_exact_mut(positions))
                {
                    let plane = &x[c * g.height * g.width..][..g.height * g.width];
                    for (oi, out) in out.chunks_exact_mut(g.out_width).enumerate() {
                        let i = (oi * g.stride + ki).wrapping_sub(g.padding);
                        if i >= g.height {
                            out.fill(T::zero());
                            continue;
                        }
                        let line = &plane[i * g.width..][..g.width];
                        out[..lo].fill(T::zero());
                        out[hi..].fill(T::zero());
                        for (oj, o) in out.iter_mut().enumerate().take(hi).skip(lo) {
                            *o = line[oj * g.stride + kj - g.padding];
                        }
                    }
                }
            }
        }
    }
}

/// The output columns `lo..hi` whose tap `kj` lands inside the input row:
/// `0 <= oj·stride + kj - padding < width`.
fn tap_columns(g: &Geometry, kj: usize) -> (usize, usize) {
    let lo = g
        .padding
        .saturating_sub(kj)
        .div_ceil(g.stride)
        .min(g.out_width);
    let hi = (g.width + g.padding)
        .saturating_sub(kj)
        .div_ceil(g.stride)
        .min(g.out_width)
        .max(lo);
    (lo, hi)
}

/// The inverse of [`im2col`] for gradients: adds every tap's entries back
/// onto the input they were read from. Overwrites `dx`.
fn col2im<T: Scalar>(g: &Geometry, cols: &[T], dx: &mut [T]) {
    dx.fill(T::zero());
    let (k, positions) = (g.kernel, g.out_height * g.out_width);
    let n = dx.len() / g.input_len().max(1) * positions;
    for c in 0..g.channels {
        for ki in 0..k {
            for kj in 0..k {
                let t = (c * k + ki) * k + kj;
                let row = &cols[t * n..(t + 1) * n];
                let (lo, hi) = tap_columns(g, kj);
                for (dx, taps) in dx
                    .chunks_exact_mut(g.input_len())
                    .zip(row.chunks_exact(positions))
                {
                    let plane = &mut dx[c * g.height * g.width..][..g.height * g.width];
                    for (oi, taps) in taps.chunks_exact(g.out_width).enumerate() {
                        let i = (oi * g.stride + ki).wrapping_sub(g.padding);
                        if i >= g.height {
                            continue;
                        }
                        let line = &mut plane[i * g.width..][..g.width];
                        for (oj, &v) in taps.iter().enumerate().take(hi).skip(lo) {
                            line[oj * g.stride + kj - g.padding] += v;
                        }
                    }
                }
            }
        }
    }
}

/// Forward through a convolution for a batch: im2col of the whole batch
/// into `out.cols`, `Z = W · cols` (one GEMM), plus the bias, then
/// `A = σ(Z)`.
///
/// ```
/// use nn::batch::Batch;
/// use nn::{Dense, activation::Relu};
/// use nn::nalgebra::{SMatrix, SVector};
/// use nn::__private::image::{Geometry, batch::{BatchConvTrace, conv2d_forward_trace_batch}};
/// const G: Geometry = Geometry::conv(1, 1, 1, 2, 1, 1, 0);
/// let layer = Dense::<f64, 1, 2> { weight: SMatrix::from([[1.0, -1.0]]), bias: SVector::zeros() };
/// let mut t = BatchConvTrace::<f64, 2>::new();
/// conv2d_forward_trace_batch(&layer, &G, &Relu, &Batch::<f64, 1>::from_column_slice(&[3.0]), &mut t);
/// assert_eq!((t.z.as_slice(), t.a.as_slice()), (&[3.0, -3.0][..], &[3.0, 0.0][..]));
/// ```
#[inline(never)]
pub fn conv2d_forward_trace_batch<
    T: Scalar,
    A: Activation<T>,
    const CKK: usize,
    const OUT: usize,
    const NIN: usize,
    const NOUT: usize,
>(
    layer: &Dense<T, CKK, OUT>,
    g: &Geometry,
    act: &A,
    x: &Batch<T, NIN>,
    out: &mut BatchConvTrace<T, NOUT>,
) {
    check_conv::<CKK, OUT, NIN, NOUT>(g);
    let batch = x.ncols();
    let positions = g.out_height * g.out_width;
    let n = batch * positions;
    out.resize(batch);
    im2col(g, x.as_slice(), sized(&mut out.cols, CKK * n));
    let product = sized(&mut out.scratch, OUT * n);
    gemm(
        T::one(),
        Operand::col_major(layer.weight.as_slice(), OUT, CKK),
        Operand::transposed(&out.cols[..CKK * n], n, CKK),
        T::zero(),
        product,
        OUT,
        n,
        Cut::Columns,
    );
    // From `out × (B·p)` to `[out, p]` per sample, adding the bias.
    for (z, products) in out
        .z
        .as_mut_slice()
        .chunks_exact_mut(NOUT)
        .zip(product.chunks_exact(OUT * positions))
    {
        for (o, zo) in z.chunks_exact_mut(positions).enumerate() {
            for (q, v) in zo.iter_mut().enumerate() {
                *v = products[q * OUT + o] + layer.bias[o];
            }
        }
    }
    activate_columns(act, &out.z, &mut out.a);
}

/// Moves `δ` (`[out, p]` per sample) into the product's layout,
/// `out × (B·p)`, in `scratch`, and returns the columns of `B·p`.
fn delta_to_product<T: Scalar, const NOUT: usize>(
    g: &Geometry,
    delta: &Batch<T, NOUT>,
    scratch: &mut Vec<T>,
    extra: usize,
) -> usize {
    let (out_channels, positions) = (g.out_channels, g.out_height * g.out_width);
    let n = delta.ncols() * positions;
    let product = sized(scratch, out_channels * n + extra);
    for (d, products) in delta
        .as_slice()
        .chunks_exact(NOUT)
        .zip(product.chunks_exact_mut(out_channels * positions))
    {
        for (o, d_o) in d.chunks_exact(positions).enumerate() {
            for (q, &v) in d_o.iter().enumerate() {
                products[q * out_channels + o] = v;
            }
        }
    }
    n
}

/// Panics unless the trace holds the im2col matrix of this batch.
fn check_cols<T>(out_cols: &[T], rows: usize, n: usize, x_cols: usize, batch: usize) {
    assert!(
        x_cols == batch && out_cols.len() == rows * n,
        "conv2d backward over a batch: run the forward pass on this batch first \
         ({x_cols} inputs, {batch} gradients, {} im2col values for {rows} × {n})",
        out_cols.len()
    );
}

/// `dL/dX = col2im(Wᵀ Δ)`: one GEMM into `cols`, which it overwrites.
#[allow(clippy::too_many_arguments, reason = "the shapes of both operands")]
fn input_gradient<T: Scalar, const NIN: usize>(
    g: &Geometry,
    w: &[T],
    out_channels: usize,
    ckk: usize,
    delta: &[T],
    n: usize,
    cols: &mut [T],
    dx: &mut Batch<T, NIN>,
) {
    let batch = n / (g.out_height * g.out_width).max(1);
    if dx.ncols() != batch {
        *dx = Batch::<T, NIN>::zeros(batch);
    }
    // `colsᵀ = Δᵀ W` (`n × c·k²`, column-major): the tap-major layout
    // `col2im` reads.
    gemm(
        T::one(),
        Operand::transposed(delta, out_channels, n),
        Operand::col_major(w, out_channels, ckk),
        T::zero(),
        cols,
        n,
        ckk,
        Cut::Rows,
    );
    col2im(g, cols, dx.as_mut_slice());
}

/// Backward through a convolution's affine map for a batch, given
/// `Δ = out.delta` (`dL/dZ` of the mean loss) and the im2col matrix the
/// forward pass left in `out.cols`: `dL/dW = Δ colsᵀ` (one GEMM),
/// `dL/db` the sums of `Δ`, and, when asked, `dL/dX = col2im(Wᵀ Δ)` (one
/// GEMM). Overwrites `grad` and `dx` (resized to the batch).
///
/// # Panics
/// If `out` does not hold this batch's forward pass.
///
/// ```
/// use nn::batch::Batch;
/// use nn::{Dense, activation::Identity};
/// use nn::nalgebra::{SMatrix, SVector};
/// use nn::__private::image::{Geometry, batch::{BatchConvTrace, conv2d_backward_batch, conv2d_forward_trace_batch}};
/// const G: Geometry = Geometry::conv(1, 1, 1, 1, 1, 1, 0);
/// let layer = Dense::<f64, 1, 1> { weight: SMatrix::from([[2.0]]), bias: SVector::zeros() };
/// let x = Batch::<f64, 1>::from_column_slice(&[1.0, 3.0]);
/// let mut t = BatchConvTrace::<f64, 1>::new();
/// conv2d_forward_trace_batch(&layer, &G, &Identity, &x, &mut t);
/// t.delta.copy_from_slice(&[0.5, 0.5]);
/// let (mut grad, mut dx) = (Dense::zeros(), Batch::<f64, 1>::zeros(2));
/// conv2d_backward_batch(&layer, &G, &x, &mut t, &mut grad, Some(&mut dx));
/// assert_eq!((grad.weight[0], grad.bias[0], dx.as_slice()), (2.0, 1.0, &[1.0, 1.0][..]));
/// ```
#[inline(never)]
pub fn conv2d_backward_batch<
    T: Scalar,
    const CKK: usize,
    const OUT: usize,
    const NIN: usize,
    const NOUT: usize,
>(
    layer: &Dense<T, CKK, OUT>,
    g: &Geometry,
    x: &Batch<T, NIN>,
    out: &mut BatchConvTrace<T, NOUT>,
    grad: &mut Dense<T, CKK, OUT>,
    dx: Option<&mut Batch<T, NIN>>,
) {
    check_conv::<CKK, OUT, NIN, NOUT>(g);
    let n = delta_to_product(g, &out.delta, &mut out.scratch, 0);
    check_cols(&out.cols, CKK, n, x.ncols(), out.delta.ncols());
    let delta = &out.scratch[..OUT * n];
    gemm(
        T::one(),
        Operand::col_major(delta, OUT, n),
        Operand::col_major(&out.cols, n, CKK),
        T::zero(),
        grad.weight.as_mut_slice(),
        OUT,
        CKK,
        Cut::Columns,
    );
    for (o, b) in grad.bias.iter_mut().enumerate() {
        *b = delta
            .iter()
            .skip(o)
            .step_by(OUT)
            .fold(T::zero(), |s, &v| s + v);
    }
    if let Some(dx) = dx {
        let w = layer.weight.as_slice();
        input_gradient(g, w, OUT, CKK, delta, n, &mut out.cols, dx);
    }
}

/// Backward through a convolution for a batch fused with the SGD update:
/// `dL/dX` with the old `W` (when asked), and `W ← W − η Δ colsᵀ` (one GEMM
/// into `W`), `b ← b − η Σ Δ`. No gradient is stored; the old `W` is kept
/// in `out.scratch` only when `dL/dX` is asked for.
///
/// # Panics
/// If `out` does not hold this batch's forward pass.
///
/// ```
/// use nn::batch::Batch;
/// use nn::{Dense, activation::Identity};
/// use nn::nalgebra::{SMatrix, SVector};
/// use nn::__private::image::{Geometry, batch::{BatchConvTrace, conv2d_forward_trace_batch, conv2d_sgd_backward_batch}};
/// const G: Geometry = Geometry::conv(1, 1, 1, 1, 1, 1, 0);
/// let mut layer = Dense::<f64, 1, 1> { weight: SMatrix::from([[2.0]]), bias: SVector::zeros() };
/// let x = Batch::<f64, 1>::from_column_slice(&[1.0, 3.0]);
/// let mut t = BatchConvTrace::<f64, 1>::new();
/// conv2d_forward_trace_batch(&layer, &G, &Identity, &x, &mut t);
/// t.delta.copy_from_slice(&[0.5, 0.5]);
/// let mut dx = Batch::<f64, 1>::zeros(2);
/// conv2d_sgd_backward_batch(&mut layer, &G, &x, &mut t, 0.5, Some(&mut dx));
/// assert_eq!((layer.weight[0], layer.bias[0], dx.as_slice()), (1.0, -0.5, &[1.0, 1.0][..]));
/// ```
#[inline(never)]
pub fn conv2d_sgd_backward_batch<
    T: Scalar,
    const CKK: usize,
    const OUT: usize,
    const NIN: usize,
    const NOUT: usize,
>(
    layer: &mut Dense<T, CKK, OUT>,
    g: &Geometry,
    x: &Batch<T, NIN>,
    out: &mut BatchConvTrace<T, NOUT>,
    lr: T,
    dx: Option<&mut Batch<T, NIN>>,
) {
    check_conv::<CKK, OUT, NIN, NOUT>(g);
    let keep = if dx.is_some() { OUT * CKK } else { 0 };
    let n = delta_to_product(g, &out.delta, &mut out.scratch, keep);
    check_cols(&out.cols, CKK, n, x.ncols(), out.delta.ncols());
    let (delta, old_w) = out.scratch.split_at_mut(OUT * n);
    old_w.copy_from_slice(&layer.weight.as_slice()[..keep]);
    gemm(
        -lr,
        Operand::col_major(delta, OUT, n),
        Operand::col_major(&out.cols, n, CKK),
        T::one(),
        layer.weight.as_mut_slice(),
        OUT,
        CKK,
        Cut::Columns,
    );
    for (o, b) in layer.bias.iter_mut().enumerate() {
        let sum = delta
            .iter()
            .skip(o)
            .step_by(OUT)
            .fold(T::zero(), |s, &v| s + v);
        *b -= lr * sum;
    }
    if let Some(dx) = dx {
        input_gradient(g, old_w, OUT, CKK, delta, n, &mut out.cols, dx);
    }
}

/// Forward through a depthwise convolution for a batch, sample by sample
/// (see [`super::depthwise_conv2d_forward_trace`]).
///
/// ```
/// use nn::batch::{Batch, BatchLayerTrace};
/// use nn::{Dense, activation::Identity};
/// use nn::nalgebra::{SMatrix, SVector};
/// use nn::__private::image::{Geometry, batch::depthwise_conv2d_forward_trace_batch};
/// const G: Geometry = Geometry::conv(2, 1, 1, 2, 1, 1, 0);
/// let layer = Dense::<f32, 1, 2> { weight: SMatrix::from([[2.0, 3.0]]), bias: SVector::zeros() };
/// let mut t = BatchLayerTrace::<f32, 2>::new();
/// depthwise_conv2d_forward_trace_batch(&layer, &G, &Identity, &Batch::<f32, 2>::from_column_slice(&[1.0, 1.0]), &mut t);
/// assert_eq!(t.a.as_slice(), &[2.0, 3.0]);
/// ```
#[inline(never)]
pub fn depthwise_conv2d_forward_trace_batch<
    T: Scalar,
    A: Activation<T>,
    const KK: usize,
    const C: usize,
    const NIN: usize,
    const NOUT: usize,
>(
    layer: &Dense<T, KK, C>,
    g: &Geometry,
    act: &A,
    x: &Batch<T, NIN>,
    out: &mut BatchLayerTrace<T, NOUT>,
) {
    check_depthwise::<KK, C, NIN, NOUT>(g);
    out.resize(x.ncols());
    for (x, z) in x
        .as_slice()
        .chunks_exact(NIN)
        .zip(out.z.as_mut_slice().chunks_exact_mut(NOUT))
    {
        super::forward_slice(g, C, layer.weight.as_slice(), layer.bias.as_slice(), x, z);
    }
    activate_columns(act, &out.z, &mut out.a);
}

/// `dL/dX` of a depthwise convolution, sample by sample; resizes `dx`.
fn depthwise_input_gradient<T: Scalar, const NIN: usize, const NOUT: usize>(
    g: &Geometry,
    w: &[T],
    delta: &Batch<T, NOUT>,
    dx: &mut Batch<T, NIN>,
) {
    if dx.ncols() != delta.ncols() {
        *dx = Batch::<T, NIN>::zeros(delta.ncols());
    }
    for (d, dx) in delta
        .as_slice()
        .chunks_exact(NOUT)
        .zip(dx.as_mut_slice().chunks_exact_mut(NIN))
    {
        input_grad_slice(g, g.channels, w, d, dx);
    }
}

/// Backward through a depthwise convolution's affine map for a batch,
/// given `Δ = dL/dZ` of the mean loss: the gradients summed over the
/// samples, and `dL/dX` when asked. Overwrites `grad` and `dx`.
///
/// ```
/// use nn::batch::Batch;
/// use nn::Dense;
/// use nn::nalgebra::{SMatrix, SVector};
/// use nn::__private::image::{Geometry, batch::depthwise_conv2d_backward_batch};
/// const G: Geometry = Geometry::conv(1, 1, 1, 1, 1, 1, 0);
/// let layer = Dense::<f64, 1, 1> { weight: SMatrix::from([[2.0]]), bias: SVector::zeros() };
/// let x = Batch::<f64, 1>::from_column_slice(&[1.0, 3.0]);
/// let delta = Batch::<f64, 1>::from_column_slice(&[0.5, 0.5]);
/// let mut grad = Dense::zeros();
/// depthwise_conv2d_backward_batch(&layer, &G, &x, &delta, &mut grad, None);
/// assert_eq!((grad.weight[0], grad.bias[0]), (2.0, 1.0));
/// ```
#[inline(never)]
pub fn depthwise_conv2d_backward_batch<
    T: Scalar,
    const KK: usize,
    const C: usize,
    const NIN: usize,
    const NOUT: usize,
>(
    layer: &Dense<T, KK, C>,
    g: &Geometry,
    x: &Batch<T, NIN>,
    delta: &Batch<T, NOUT>,
    grad: &mut Dense<T, KK, C>,
    dx: Option<&mut Batch<T, NIN>>,
) {
    check_depthwise::<KK, C, NIN, NOUT>(g);
    assert_eq!(x.ncols(), delta.ncols(), "one δ column per input sample");
    params_grad(g, C, x.as_slice(), delta.as_slice(), grad);
    if let Some(dx) = dx {
        depthwise_input_gradient(g, layer.weight.as_slice(), delta, dx);
    }
}

/// Backward through a depthwise convolution for a batch fused with the SGD
/// update: `dL/dX` with the old `W` (when asked), then `θ ← θ − η ∇θ`.
///
/// ```
/// use nn::batch::Batch;
/// use nn::Dense;
/// use nn::nalgebra::{SMatrix, SVector};
/// use nn::__private::image::{Geometry, batch::depthwise_conv2d_sgd_backward_batch};
/// const G: Geometry = Geometry::conv(1, 1, 1, 1, 1, 1, 0);
/// let mut layer = Dense::<f64, 1, 1> { weight: SMatrix::from([[2.0]]), bias: SVector::zeros() };
/// let x = Batch::<f64, 1>::from_column_slice(&[1.0, 3.0]);
/// let delta = Batch::<f64, 1>::from_column_slice(&[0.5, 0.5]);
/// let mut dx = Batch::<f64, 1>::zeros(2);
/// depthwise_conv2d_sgd_backward_batch(&mut layer, &G, &x, &delta, 0.5, Some(&mut dx));
/// assert_eq!((layer.weight[0], dx.as_slice()), (1.0, &[1.0, 1.0][..]));
/// ```
#[inline(never)]
pub fn depthwise_conv2d_sgd_backward_batch<
    T: Scalar,
    const KK: usize,
    const C: usize,
    const NIN: usize,
    const NOUT: usize,
>(
    layer: &mut Dense<T, KK, C>,
    g: &Geometry,
    x: &Batch<T, NIN>,
    delta: &Batch<T, NOUT>,
    lr: T,
    dx: Option<&mut Batch<T, NIN>>,
) {
    check_depthwise::<KK, C, NIN, NOUT>(g);
    assert_eq!(x.ncols(), delta.ncols(), "one δ column per input sample");
    if let Some(dx) = dx {
        depthwise_input_gradient(g, layer.weight.as_slice(), delta, dx);
    }
    params_sgd(g, C, x.as_slice(), delta.as_slice(), lr, layer);
}

/// Runs a per-sample map from `NIN` to `NOUT` values over every column,
/// resizing `out` to the batch.
fn map_columns<T: Scalar, const NIN: usize, const NOUT: usize>(
    x: &Batch<T, NIN>,
    out: &mut Batch<T, NOUT>,
    mut f: impl FnMut(&[T], &mut [T]),
) {
    if out.ncols() != x.ncols() {
        *out = Batch::<T, NOUT>::zeros(x.ncols());
    }
    for (x, out) in x
        .as_slice()
        .chunks_exact(NIN)
        .zip(out.as_mut_slice().chunks_exact_mut(NOUT))
    {
        f(x, out);
    }
}

/// Max pooling of a batch, column by column (see [`super::max_pool_forward`]);
/// resizes `out` to the batch.
///
/// ```
/// use nn::batch::Batch;
/// use nn::__private::image::{Geometry, batch::max_pool_forward_batch};
/// const G: Geometry = Geometry::pool(1, 2, 2, 2, 2);
/// let mut out = Batch::<f32, 1>::zeros(0);
/// max_pool_forward_batch(&G, &Batch::<f32, 4>::from_column_slice(&[1.0, 4.0, 3.0, 2.0]), &mut out);
/// assert_eq!(out[0], 4.0);
/// ```
#[inline(never)]
pub fn max_pool_forward_batch<T: Scalar, const NIN: usize, const NOUT: usize>(
    g: &Geometry,
    x: &Batch<T, NIN>,
    out: &mut Batch<T, NOUT>,
) {
    check_pool::<NIN, NOUT>(g);
    map_columns(x, out, |x, out| max_pool_slice(g, x, out));
}

/// The input gradient of max pooling over a batch, column by column (see
/// [`super::max_pool_backward`]). Overwrites `dx`, resized to the batch.
///
/// ```
/// use nn::batch::Batch;
/// use nn::__private::image::{Geometry, batch::max_pool_backward_batch};
/// const G: Geometry = Geometry::pool(1, 2, 2, 2, 2);
/// let mut dx = Batch::<f32, 4>::zeros(0);
/// let x = Batch::<f32, 4>::from_column_slice(&[1.0, 4.0, 3.0, 2.0]);
/// max_pool_backward_batch(&G, &x, &Batch::<f32, 1>::from_column_slice(&[0.5]), &mut dx);
/// assert_eq!(dx.as_slice(), &[0.0, 0.5, 0.0, 0.0]);
/// ```
#[inline(never)]
pub fn max_pool_backward_batch<T: Scalar, const NIN: usize, const NOUT: usize>(
    g: &Geometry,
    x: &Batch<T, NIN>,
    da: &Batch<T, NOUT>,
    dx: &mut Batch<T, NIN>,
) {
    check_pool::<NIN, NOUT>(g);
    assert_eq!(x.ncols(), da.ncols(), "one dL/da column per input sample");
    if dx.ncols() != x.ncols() {
        *dx = Batch::<T, NIN>::zeros(x.ncols());
    }
    for ((x, da), dx) in x
        .as_slice()
        .chunks_exact(NIN)
        .zip(da.as_slice().chunks_exact(NOUT))
        .zip(dx.as_mut_slice().chunks_exact_mut(NIN))
    {
        max_pool_backward_slice(g, x, da, dx);
    }
}

/// Average pooling of a batch, column by column (see
/// [`super::avg_pool_forward`]); resizes `out` to the batch.
///
/// ```
/// use nn::batch::Batch;
/// use nn::__private::image::{Geometry, batch::avg_pool_forward_batch};
/// const G: Geometry = Geometry::pool(1, 2, 2, 2, 2);
/// let mut out = Batch::<f32, 1>::zeros(0);
/// avg_pool_forward_batch(&G, &Batch::<f32, 4>::from_column_slice(&[1.0, 4.0, 3.0, 2.0]), &mut out);
/// assert_eq!(out[0], 2.5);
/// ```
#[inline(never)]
pub fn avg_pool_forward_batch<T: Scalar, const NIN: usize, const NOUT: usize>(
    g: &Geometry,
    x: &Batch<T, NIN>,
    out: &mut Batch<T, NOUT>,
) {
    check_pool::<NIN, NOUT>(g);
    map_columns(x, out, |x, out| avg_pool_slice(g, x, out));
}

/// The input gradient of average pooling over a batch, column by column
/// (see [`super::avg_pool_backward`]). Overwrites `dx`, resized to the batch.
///
/// ```
/// use nn::batch::Batch;
/// use nn::__private::image::{Geometry, batch::avg_pool_backward_batch};
/// const G: Geometry = Geometry::pool(1, 2, 2, 2, 2);
/// let mut dx = Batch::<f32, 4>::zeros(0);
/// avg_pool_backward_batch(&G, &Batch::<f32, 1>::from_column_slice(&[2.0]), &mut dx);
/// assert_eq!(dx.as_slice(), &[0.5; 4]);
/// ```
#[inline(never)]
pub fn avg_pool_backward_batch<T: Scalar, const NIN: usize, const NOUT: usize>(
    g: &Geometry,
    da: &Batch<T, NOUT>,
    dx: &mut Batch<T, NIN>,
) {
    check_pool::<NIN, NOUT>(g);
    map_columns(da, dx, |da, dx| avg_pool_backward_slice(g, da, dx));
}
