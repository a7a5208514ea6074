//! Fully-connected layers and the per-layer kernels that generated code calls.
//!
//! Generated code is straight-line: one block per layer, each calling one of
//! the generic kernels below. Keeping the arithmetic here (and not inlined into
//! one giant function) keeps compile time linear in depth and lets every layer
//! of the same shape share one instantiation.

use nalgebra::{SMatrix, SVector};

use crate::{Scalar, activation::Activation};

/// Layers with fewer weights than this keep nalgebra's fully unrolled static
/// code: below it a SIMD kernel's loop setup costs more than it saves.
const SIMD_MIN_WEIGHTS: usize = 64;

/// `y ← y + W x`: the widest SIMD kernel the CPU has (see `Scalar`'s
/// kernels), else nalgebra's `gemv`.
#[inline]
fn add_product<T: Scalar, const IN: usize, const OUT: usize>(
    w: &SMatrix<T, OUT, IN>,
    x: &SVector<T, IN>,
    y: &mut SVector<T, OUT>,
) {
    if IN * OUT < SIMD_MIN_WEIGHTS || !T::simd_gemv(w.as_slice(), x.as_slice(), y.as_mut_slice()) {
        y.gemv(T::one(), w, x, T::one());
    }
}

/// `y ← Wᵀ u`, as [`add_product`].
#[inline]
fn transposed_product<T: Scalar, const IN: usize, const OUT: usize>(
    w: &SMatrix<T, OUT, IN>,
    u: &SVector<T, OUT>,
    y: &mut SVector<T, IN>,
) {
    if IN * OUT < SIMD_MIN_WEIGHTS || !T::simd_gemv_tr(w.as_slice(), u.as_slice(), y.as_mut_slice())
    {
        y.gemv_tr(T::one(), w, u, T::zero());
    }
}

/// `W ← α u xᵀ`, plus the old `W` when `accumulate`, as [`add_product`].
#[inline]
fn rank_one<T: Scalar, const IN: usize, const OUT: usize>(
    alpha: T,
    u: &SVector<T, OUT>,
    x: &SVector<T, IN>,
    accumulate: bool,
    w: &mut SMatrix<T, OUT, IN>,
) {
    if IN * OUT < SIMD_MIN_WEIGHTS
        || !T::simd_ger(
            alpha,
            u.as_slice(),
            x.as_slice(),
            accumulate,
            w.as_mut_slice(),
        )
    {
        let beta = if accumulate { T::one() } else { T::zero() };
        w.ger(alpha, u, x, beta);
    }
}

/// A fully-connected layer `z = W x + b` from `IN` inputs to `OUT` outputs.
///
/// `weight` is `OUT × IN` (PyTorch's `[out, in]` convention), so `W * x`
/// reads as the math; nalgebra stores it column-major.
///
/// The layout is fixed (`repr(C)`, the weights first). On x86-64 the layer
/// is also aligned to 64 bytes, a cache line: the SIMD kernels read and
/// write the weights in vectors of up to 64 bytes, and a misaligned matrix
/// makes every AVX-512 access span two lines (measured: the homework net's
/// forward pass 0.55 µs aligned against 0.90 µs). The padding this adds
/// (under 64 bytes per layer) counts in a network's `PARAM_BYTES`.
///
/// ```
/// use nn::Dense;
/// use nn::nalgebra::{SMatrix, SVector};
/// let layer = Dense::<f32, 2, 1> {
///     weight: SMatrix::<f32, 1, 2>::new(1.0, 2.0),
///     bias: SVector::<f32, 1>::new(0.5),
/// };
/// assert_eq!(layer.affine(&SVector::<f32, 2>::new(3.0, 4.0))[0], 11.5);
/// assert_eq!(Dense::<f32, 784, 16>::PARAMS, 784 * 16 + 16);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(target_arch = "x86_64", repr(C, align(64)))]
#[cfg_attr(not(target_arch = "x86_64"), repr(C))]
pub struct Dense<T: Scalar, const IN: usize, const OUT: usize> {
    /// The weight matrix `W`, `OUT × IN`.
    pub weight: SMatrix<T, OUT, IN>,
    /// The bias vector `b`, length `OUT`.
    pub bias: SVector<T, OUT>,
}

impl<T: Scalar, const IN: usize, const OUT: usize> Dense<T, IN, OUT> {
    /// The number of parameters, `OUT·IN + OUT`.
    pub const PARAMS: usize = OUT * IN + OUT;

    /// A layer with all weights and biases zero.
    pub fn zeros() -> Self {
        Self {
            weight: SMatrix::zeros(),
            bias: SVector::zeros(),
        }
    }

    /// `W x + b`.
    pub fn affine(&self, x: &SVector<T, IN>) -> SVector<T, OUT> {
        let mut z = self.bias;
        add_product(&self.weight, x, &mut z);
        z
    }
}

// SAFETY: `Dense` holds only two nalgebra arrays of `T`, and `T: Scalar` is
// `Pod` (f32 or f64), so every element, and with it the whole struct, is valid
// when all its bytes are zero (`0.0`). Padding does not affect validity.
unsafe impl<T: Scalar, const IN: usize, const OUT: usize> bytemuck::Zeroable for Dense<T, IN, OUT> {}

impl<T: Scalar, const IN: usize, const OUT: usize> Default for Dense<T, IN, OUT> {
    fn default() -> Self {
        Self::zeros()
    }
}

/// The forward values of one layer: pre-activation `z` and activation `a = σ(z)`.
///
/// ```
/// use nn::LayerTrace;
/// let t = LayerTrace::<f64, 3>::new();
/// assert_eq!(t.z.len(), 3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerTrace<T: Scalar, const N: usize> {
    /// `z = W a_prev + b`.
    pub z: SVector<T, N>,
    /// `a = σ(z)`.
    pub a: SVector<T, N>,
}

impl<T: Scalar, const N: usize> LayerTrace<T, N> {
    /// A trace of zeros, ready for a forward pass.
    pub fn new() -> Self {
        Self {
            z: SVector::zeros(),
            a: SVector::zeros(),
        }
    }
}

// SAFETY: two nalgebra arrays of a `Pod` float: all-zero bytes are `0.0`s.
unsafe impl<T: Scalar, const N: usize> bytemuck::Zeroable for LayerTrace<T, N> {}

impl<T: Scalar, const N: usize> Default for LayerTrace<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

/// Forward through one layer: `z = W x + b` (one `gemv` with the bias as its
/// starting value), then `a = σ(z)`.
///
/// ```
/// use nn::{Dense, LayerTrace, activation::Relu};
/// use nn::nalgebra::{SMatrix, SVector};
/// use nn::__private::layer::dense_forward_trace;
/// let layer = Dense::<f32, 2, 2> { weight: SMatrix::identity(), bias: SVector::from([0.0, -5.0]) };
/// let mut t = LayerTrace::new();
/// dense_forward_trace(&layer, &Relu, &SVector::from([1.0, 2.0]), &mut t);
/// assert_eq!((t.z, t.a), (SVector::from([1.0, -3.0]), SVector::from([1.0, 0.0])));
/// ```
#[inline(never)]
pub fn dense_forward_trace<T: Scalar, A: Activation<T>, const IN: usize, const OUT: usize>(
    layer: &Dense<T, IN, OUT>,
    act: &A,
    x: &SVector<T, IN>,
    out: &mut LayerTrace<T, OUT>,
) {
    out.z.copy_from(&layer.bias);
    add_product(&layer.weight, x, &mut out.z);
    act.forward(out.z.as_slice(), out.a.as_mut_slice());
}

/// Inference through one layer: `out = σ(W x + b)`, with no trace kept (one
/// `gemv` from the bias, then σ in place).
///
/// ```
/// use nn::{Dense, activation::Relu};
/// use nn::nalgebra::{SMatrix, SVector};
/// use nn::__private::layer::dense_forward;
/// let layer = Dense::<f32, 2, 2> { weight: SMatrix::identity(), bias: SVector::from([0.0, -5.0]) };
/// let mut a = SVector::zeros();
/// dense_forward(&layer, &Relu, &SVector::from([1.0, 2.0]), &mut a);
/// assert_eq!(a, SVector::from([1.0, 0.0]));
/// ```
#[inline(never)]
pub fn dense_forward<T: Scalar, A: Activation<T>, const IN: usize, const OUT: usize>(
    layer: &Dense<T, IN, OUT>,
    act: &A,
    x: &SVector<T, IN>,
    out: &mut SVector<T, OUT>,
) {
    out.copy_from(&layer.bias);
    add_product(&layer.weight, x, out);
    act.forward_in_place(out.as_mut_slice());
}

/// Backward through one layer's activation: `δ = dL/dz = (∂a/∂z)ᵀ dL/da`
/// (for elementwise σ, `dL/da ⊙ σ′(z)`).
///
/// ```
/// use nn::{LayerTrace, activation::Relu};
/// use nn::nalgebra::SVector;
/// use nn::__private::layer::activation_backward;
/// let t = LayerTrace { z: SVector::from([1.0f32, -3.0]), a: SVector::from([1.0, 0.0]) };
/// let mut dz = SVector::zeros();
/// activation_backward(&Relu, &t, &SVector::from([7.0, 7.0]), &mut dz);
/// assert_eq!(dz, SVector::from([7.0, 0.0]));
/// ```
#[inline]
pub fn activation_backward<T: Scalar, A: Activation<T>, const N: usize>(
    act: &A,
    trace: &LayerTrace<T, N>,
    da: &SVector<T, N>,
    dz: &mut SVector<T, N>,
) {
    act.backward(
        trace.z.as_slice(),
        trace.a.as_slice(),
        da.as_slice(),
        dz.as_mut_slice(),
    );
}

/// Backward through one layer's affine map, given `δ = dL/dz` and the layer's
/// input `x`: writes `dL/dW = δ xᵀ` (a rank-1 `ger`, no `OUT × IN` temporary),
/// `dL/db = δ`, and, when `dx` is given, `dL/dx = Wᵀ δ` (`gemv_tr`).
///
/// ```
/// use nn::Dense;
/// use nn::nalgebra::{SMatrix, SVector};
/// use nn::__private::layer::dense_backward;
/// let layer = Dense::<f64, 2, 1> { weight: SMatrix::from([[3.0], [4.0]]), bias: SVector::zeros() };
/// let mut grad = Dense::zeros();
/// let mut dx = SVector::zeros();
/// dense_backward(&layer, &SVector::from([1.0, 2.0]), &SVector::from([0.5]), &mut grad, Some(&mut dx));
/// assert_eq!(grad.weight, SMatrix::from([[0.5], [1.0]]));
/// assert_eq!(dx, SVector::from([1.5, 2.0]));
/// ```
#[inline(never)]
pub fn dense_backward<T: Scalar, const IN: usize, const OUT: usize>(
    layer: &Dense<T, IN, OUT>,
    x: &SVector<T, IN>,
    dz: &SVector<T, OUT>,
    grad: &mut Dense<T, IN, OUT>,
    dx: Option<&mut SVector<T, IN>>,
) {
    rank_one(T::one(), dz, x, false, &mut grad.weight);
    grad.bias.copy_from(dz);
    if let Some(dx) = dx {
        transposed_product(&layer.weight, dz, dx);
    }
}

/// Backward through one layer's affine map fused with the SGD update: writes
/// `dL/dx = Wᵀ δ` first (when asked, with the old `W`), then updates in place
/// `W ← W − η δ xᵀ` and `b ← b − η δ`. No gradient is stored.
///
/// ```
/// use nn::Dense;
/// use nn::nalgebra::{SMatrix, SVector};
/// use nn::__private::layer::dense_sgd_backward;
/// let mut layer = Dense::<f64, 1, 1> { weight: SMatrix::from([[2.0]]), bias: SVector::from([1.0]) };
/// let mut dx = SVector::zeros();
/// dense_sgd_backward(&mut layer, &SVector::from([3.0]), &SVector::from([0.5]), 0.1, Some(&mut dx));
/// assert_eq!(dx[0], 1.0);
/// assert!((layer.weight[0] - 1.85).abs() < 1e-15 && (layer.bias[0] - 0.95).abs() < 1e-15);
/// ```
#[inline(never)]
pub fn dense_sgd_backward<T: Scalar, const IN: usize, const OUT: usize>(
    layer: &mut Dense<T, IN, OUT>,
    x: &SVector<T, IN>,
    dz: &SVector<T, OUT>,
    lr: T,
    dx: Option<&mut SVector<T, IN>>,
) {
    if let Some(dx) = dx {
        // One pass over `W`: each column's entry of `Wᵀ δ`, then its update.
        let fused = IN * OUT >= SIMD_MIN_WEIGHTS
            && T::simd_gemv_tr_ger(
                layer.weight.as_mut_slice(),
                dz.as_slice(),
                dx.as_mut_slice(),
                -lr,
                x.as_slice(),
            );
        if !fused {
            transposed_product(&layer.weight, dz, dx);
            rank_one(-lr, dz, x, true, &mut layer.weight);
        }
    } else {
        rank_one(-lr, dz, x, true, &mut layer.weight);
    }
    layer.bias.axpy(-lr, dz, T::one());
}
