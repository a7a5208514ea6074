//! Image layers: 2-D convolution, depthwise convolution, max and average
//! pooling, per sample (and, with `batch`, over mini-batches in [`batch`]).
//!
//! An image is `[channels, height, width]` flattened row-major into one
//! `SVector<T, N>` (`N = c·h·w`, channel outermost), PyTorch's layout. A
//! convolution reuses [`Dense`] for its parameters: `weight` is the
//! `out × (in·k·k)` matrix whose row `o` is PyTorch's `weight[o]` flattened
//! row-major (`c·k·k + ki·k + kj`), `bias` has one entry per output channel.
//! A depthwise convolution over `C` channels (PyTorch's `groups = C`) is a
//! `Dense<T, {k·k}, C>`.
//!
//! Every shape is fixed when the network is compiled: `network!` computes a
//! [`Geometry`] in a const and passes it to each kernel, which checks it
//! against its const sizes and panics on a mismatch (a bug in the caller,
//! never bad data). The per-sample kernels are direct loops over the
//! geometry, with no heap; like those of [`crate::layer`] they are not
//! inlined, so every layer of the same shape shares one instantiation.
//!
//! ```
//! use nn::Dense;
//! use nn::activation::Identity;
//! use nn::nalgebra::{SMatrix, SVector};
//! use nn::__private::image::{Geometry, conv2d_forward};
//! // One 3×3 channel, one 2×2 kernel of ones: each output sums a window.
//! const G: Geometry = Geometry::conv(1, 3, 3, 1, 2, 1, 0);
//! let layer = Dense::<f64, 4, 1> { weight: SMatrix::repeat(1.0), bias: SVector::zeros() };
//! let x = SVector::<f64, 9>::from([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
//! let mut out = SVector::<f64, 4>::zeros();
//! conv2d_forward(&layer, &G, &Identity, &x, &mut out);
//! assert_eq!(out, SVector::from([12.0, 16.0, 24.0, 28.0]));
//! ```

#[cfg(feature = "batch")]
pub mod batch;

use nalgebra::SVector;

use crate::{Dense, LayerTrace, Scalar, activation::Activation};

/// The shape of one image layer: its input `[channels, height, width]`, its
/// window (`kernel`, `stride`, `padding`) and its output
/// `[out_channels, out_height, out_width]`, by PyTorch's floor rule
/// `(h + 2p − k) / s + 1`.
///
/// ```
/// use nn::__private::image::Geometry;
/// const G: Geometry = Geometry::conv(2, 5, 7, 3, 3, 2, 1);
/// assert_eq!((G.out_channels, G.out_height, G.out_width), (3, 3, 4));
/// assert_eq!((G.input_len(), G.output_len()), (70, 36));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Input channels.
    pub channels: usize,
    /// Input height.
    pub height: usize,
    /// Input width.
    pub width: usize,
    /// The window's side (square windows).
    pub kernel: usize,
    /// The step between windows, in both directions.
    pub stride: usize,
    /// Zeros added on every side of the input.
    pub padding: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Output height, `(height + 2·padding − kernel) / stride + 1`.
    pub out_height: usize,
    /// Output width, `(width + 2·padding − kernel) / stride + 1`.
    pub out_width: usize,
}

impl Geometry {
    /// A convolution from `channels` to `out_channels` (for a depthwise
    /// convolution the two are equal). Panics, at compile time when used
    /// in a const, if the window does not fit the padded input or the
    /// stride is 0.
    ///
    /// ```
    /// use nn::__private::image::Geometry;
    /// const G: Geometry = Geometry::conv(1, 28, 28, 8, 3, 1, 1);
    /// assert_eq!((G.out_height, G.out_width, G.output_len()), (28, 28, 8 * 28 * 28));
    /// ```
    pub const fn conv(
        channels: usize,
        height: usize,
        width: usize,
        out_channels: usize,
        kernel: usize,
        stride: usize,
        padding: usize,
    ) -> Self {
        Self {
            channels,
            height,
            width,
            kernel,
            stride,
            padding,
            out_channels,
            out_height: (height + 2 * padding - kernel) / stride + 1,
            out_width: (width + 2 * padding - kernel) / stride + 1,
        }
    }

    /// A pooling window of side `size` moved by `stride`, without padding;
    /// the channels stay as they are.
    ///
    /// ```
    /// use nn::__private::image::Geometry;
    /// const G: Geometry = Geometry::pool(8, 7, 7, 2, 2);
    /// assert_eq!((G.out_channels, G.out_height, G.out_width), (8, 3, 3));
    /// ```
    pub const fn pool(
        channels: usize,
        height: usize,
        width: usize,
        size: usize,
        stride: usize,
    ) -> Self {
        Self::conv(channels, height, width, channels, size, stride, 0)
    }

    /// The input's length, `channels · height · width`.
    ///
    /// ```
    /// assert_eq!(nn::__private::image::Geometry::pool(3, 4, 5, 2, 2).input_len(), 60);
    /// ```
    pub const fn input_len(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// The output's length, `out_channels · out_height · out_width`.
    ///
    /// ```
    /// assert_eq!(nn::__private::image::Geometry::pool(3, 4, 5, 2, 2).output_len(), 12);
    /// ```
    pub const fn output_len(&self) -> usize {
        self.out_channels * self.out_height * self.out_width
    }

    /// The number of output positions per channel, `out_height · out_width`.
    const fn positions(&self) -> usize {
        self.out_height * self.out_width
    }

    /// Panics unless this geometry maps `nin` values to `nout`.
    fn check_lens(&self, nin: usize, nout: usize) {
        assert!(
            self.input_len() == nin && self.output_len() == nout,
            "image kernel: {self:?} maps {} values to {}, called with {nin} and {nout}",
            self.input_len(),
            self.output_len(),
        );
    }

    /// Panics unless this is the geometry of a convolution with a weight
    /// of `rows × cols` in `groups` groups.
    fn check_weight(&self, groups: usize, rows: usize, cols: usize) {
        assert!(
            self.out_channels == rows
                && self.channels.is_multiple_of(groups)
                && self.out_channels.is_multiple_of(groups)
                && cols == self.channels / groups * self.kernel * self.kernel,
            "image kernel: {self:?} in {groups} group(s) does not fit a {rows} × {cols} weight",
        );
    }

    /// The input index under tap `(ki, kj)` of output position `(oi, oj)`
    /// in channel `c`, or `None` in the padding.
    #[inline(always)]
    fn input_at(&self, c: usize, oi: usize, oj: usize, ki: usize, kj: usize) -> Option<usize> {
        // Above or left of the input, the subtraction wraps to a huge value.
        let i = (oi * self.stride + ki).wrapping_sub(self.padding);
        let j = (oj * self.stride + kj).wrapping_sub(self.padding);
        (i < self.height && j < self.width).then(|| (c * self.height + i) * self.width + j)
    }
}

/// The values of a layer without parameters (pooling, `add`, `concat`): its
/// output `a`.
///
/// ```
/// use nn::__private::image::NodeTrace;
/// assert_eq!(NodeTrace::<f32, 4>::new().a.len(), 4);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NodeTrace<T: Scalar, const N: usize> {
    /// The node's output.
    pub a: SVector<T, N>,
}

impl<T: Scalar, const N: usize> NodeTrace<T, N> {
    /// A trace of zeros, ready for a forward pass.
    pub fn new() -> Self {
        Self {
            a: SVector::zeros(),
        }
    }
}

// SAFETY: one nalgebra array of a `Pod` float: all-zero bytes are `0.0`s.
unsafe impl<T: Scalar, const N: usize> bytemuck::Zeroable for NodeTrace<T, N> {}

impl<T: Scalar, const N: usize> Default for NodeTrace<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

// # The slice kernels shared by the per-sample and the batch kernels
//
// A convolution in `groups` groups: output channel `o` sees the
// `channels / groups` input channels of its group (all of them for a plain
// convolution, its own one for a depthwise convolution). `w` is the
// column-major `out_channels × (channels / groups · k · k)` weight.

/// `z = conv(x) + b`, one sample.
pub(crate) fn forward_slice<T: Scalar>(
    g: &Geometry,
    groups: usize,
    w: &[T],
    bias: &[T],
    x: &[T],
    z: &mut [T],
) {
    let (rows, k, positions) = (g.out_channels, g.kernel, g.positions());
    let per_group = (g.channels / groups, g.out_channels / groups);
    for (o, zo) in z.chunks_exact_mut(positions).enumerate() {
        let first = o / per_group.1 * per_group.0;
        for oi in 0..g.out_height {
            for oj in 0..g.out_width {
                let mut sum = bias[o];
                for cl in 0..per_group.0 {
                    for ki in 0..k {
                        for kj in 0..k {
                            if let Some(i) = g.input_at(first + cl, oi, oj, ki, kj) {
                                sum += w[((cl * k + ki) * k + kj) * rows + o] * x[i];
                            }
                        }
                    }
                }
                zo[oi * g.out_width + oj] = sum;
            }
        }
    }
}

/// `dL/dW[o, col]` summed over the `batch` samples (columns of `xs` and
/// `dzs`, one after the other): `Σ dz[o, p] · x[tap col of p]`.
pub(crate) fn weight_grad_entry<T: Scalar>(
    g: &Geometry,
    groups: usize,
    o: usize,
    col: usize,
    xs: &[T],
    dzs: &[T],
) -> T {
    let (k, positions) = (g.kernel, g.positions());
    let (cl, ki, kj) = (col / (k * k), col / k % k, col % k);
    let c = o / (g.out_channels / groups) * (g.channels / groups) + cl;
    let mut sum = T::zero();
    for (x, dz) in xs
        .chunks_exact(g.input_len())
        .zip(dzs.chunks_exact(g.output_len()))
    {
        let dzo = &dz[o * positions..(o + 1) * positions];
        for oi in 0..g.out_height {
            for oj in 0..g.out_width {
                if let Some(i) = g.input_at(c, oi, oj, ki, kj) {
                    sum += dzo[oi * g.out_width + oj] * x[i];
                }
            }
        }
    }
    sum
}

/// `dL/db[o] = Σ dz[o, p]`, summed over the samples of `dzs`.
pub(crate) fn bias_grad_entry<T: Scalar>(g: &Geometry, o: usize, dzs: &[T]) -> T {
    let positions = g.positions();
    dzs.chunks_exact(g.output_len())
        .flat_map(|dz| &dz[o * positions..(o + 1) * positions])
        .fold(T::zero(), |s, &v| s + v)
}

/// `dL/dx = convᵀ(dz)`, one sample: overwrites `dx`.
pub(crate) fn input_grad_slice<T: Scalar>(
    g: &Geometry,
    groups: usize,
    w: &[T],
    dz: &[T],
    dx: &mut [T],
) {
    dx.fill(T::zero());
    let (rows, k, positions) = (g.out_channels, g.kernel, g.positions());
    let per_group = (g.channels / groups, g.out_channels / groups);
    for (o, dzo) in dz.chunks_exact(positions).enumerate() {
        let first = o / per_group.1 * per_group.0;
        for oi in 0..g.out_height {
            for oj in 0..g.out_width {
                let d = dzo[oi * g.out_width + oj];
                for cl in 0..per_group.0 {
                    for ki in 0..k {
                        for kj in 0..k {
                            if let Some(i) = g.input_at(first + cl, oi, oj, ki, kj) {
                                dx[i] += w[((cl * k + ki) * k + kj) * rows + o] * d;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Overwrites `grad` with the gradient over the samples of `xs` and `dzs`.
pub(crate) fn params_grad<T: Scalar, const IN: usize, const OUT: usize>(
    g: &Geometry,
    groups: usize,
    xs: &[T],
    dzs: &[T],
    grad: &mut Dense<T, IN, OUT>,
) {
    for o in 0..OUT {
        for col in 0..IN {
            grad.weight[(o, col)] = weight_grad_entry(g, groups, o, col, xs, dzs);
        }
        grad.bias[o] = bias_grad_entry(g, o, dzs);
    }
}

/// `θ ← θ − η ∇θ` over the samples of `xs` and `dzs`, entry by entry (no
/// gradient stored).
pub(crate) fn params_sgd<T: Scalar, const IN: usize, const OUT: usize>(
    g: &Geometry,
    groups: usize,
    xs: &[T],
    dzs: &[T],
    lr: T,
    layer: &mut Dense<T, IN, OUT>,
) {
    for o in 0..OUT {
        for col in 0..IN {
            let d = weight_grad_entry(g, groups, o, col, xs, dzs);
            layer.weight[(o, col)] -= lr * d;
        }
        let d = bias_grad_entry(g, o, dzs);
        layer.bias[o] -= lr * d;
    }
}

/// The index of the first largest input under output `(c, oi, oj)` of a
/// pooling window, in row-major order.
fn window_argmax<T: Scalar>(g: &Geometry, x: &[T], c: usize, oi: usize, oj: usize) -> usize {
    // Pools have no padding (the macro gives them none), so every tap is
    // inside the image: each kernel row is a run of `k` inputs.
    debug_assert_eq!(g.padding, 0);
    let first = (c * g.height + oi * g.stride) * g.width + oj * g.stride;
    let mut best = first;
    let mut max = x[first];
    for ki in 0..g.kernel {
        let start = first + ki * g.width;
        for (kj, &v) in x[start..start + g.kernel].iter().enumerate() {
            if v > max {
                max = v;
                best = start + kj;
            }
        }
    }
    best
}

/// Max pooling of one sample.
pub(crate) fn max_pool_slice<T: Scalar>(g: &Geometry, x: &[T], out: &mut [T]) {
    let mut out = out.iter_mut();
    for c in 0..g.channels {
        for oi in 0..g.out_height {
            for oj in 0..g.out_width {
                if let Some(o) = out.next() {
                    *o = x[window_argmax(g, x, c, oi, oj)];
                }
            }
        }
    }
}

/// The input gradient of max pooling, one sample: overwrites `dx`.
pub(crate) fn max_pool_backward_slice<T: Scalar>(g: &Geometry, x: &[T], da: &[T], dx: &mut [T]) {
    dx.fill(T::zero());
    let mut da = da.iter();
    for c in 0..g.channels {
        for oi in 0..g.out_height {
            for oj in 0..g.out_width {
                if let Some(&d) = da.next() {
                    dx[window_argmax(g, x, c, oi, oj)] += d;
                }
            }
        }
    }
}

/// Average pooling of one sample.
pub(crate) fn avg_pool_slice<T: Scalar>(g: &Geometry, x: &[T], out: &mut [T]) {
    let scale = T::one() / T::cast_f64((g.kernel * g.kernel) as f64);
    for c in 0..g.channels {
        for oi in 0..g.out_height {
            for oj in 0..g.out_width {
                let mut sum = T::zero();
                for ki in 0..g.kernel {
                    for kj in 0..g.kernel {
                        if let Some(i) = g.input_at(c, oi, oj, ki, kj) {
                            sum += x[i];
                        }
                    }
                }
                out[(c * g.out_height + oi) * g.out_width + oj] = sum * scale;
            }
        }
    }
}

/// The input gradient of average pooling, one sample: overwrites `dx`.
pub(crate) fn avg_pool_backward_slice<T: Scalar>(g: &Geometry, da: &[T], dx: &mut [T]) {
    dx.fill(T::zero());
    let scale = T::one() / T::cast_f64((g.kernel * g.kernel) as f64);
    for c in 0..g.channels {
        for oi in 0..g.out_height {
            for oj in 0..g.out_width {
                let d = da[(c * g.out_height + oi) * g.out_width + oj] * scale;
                for ki in 0..g.kernel {
                    for kj in 0..g.kernel {
                        if let Some(i) = g.input_at(c, oi, oj, ki, kj) {
                            dx[i] += d;
                        }
                    }
                }
            }
        }
    }
}

/// Panics unless `g` is a plain convolution of `Dense<T, CKK, OUT>` from
/// `NIN` to `NOUT` values.
fn check_conv<const CKK: usize, const OUT: usize, const NIN: usize, const NOUT: usize>(
    g: &Geometry,
) {
    g.check_lens(NIN, NOUT);
    g.check_weight(1, OUT, CKK);
}

/// Panics unless `g` is a depthwise convolution of `Dense<T, KK, C>` from
/// `NIN` to `NOUT` values.
fn check_depthwise<const KK: usize, const C: usize, const NIN: usize, const NOUT: usize>(
    g: &Geometry,
) {
    g.check_lens(NIN, NOUT);
    assert!(
        g.channels == C,
        "image kernel: a depthwise convolution over {C} channels, called with {g:?}"
    );
    g.check_weight(C, C, KK);
}

/// Panics unless `g` is a pooling from `NIN` to `NOUT` values.
fn check_pool<const NIN: usize, const NOUT: usize>(g: &Geometry) {
    g.check_lens(NIN, NOUT);
    assert!(
        g.out_channels == g.channels && g.padding == 0,
        "image kernel: a pooling keeps its channels and has no padding, called with {g:?}"
    );
}

// # Convolution

/// Forward through a convolution: `z[o] = b[o] + Σ_c W[o, c] ⋆ x[c]`
/// (cross-correlation, as PyTorch's `Conv2d`), then `a = σ(z)`.
///
/// ```
/// use nn::{Dense, LayerTrace, activation::Relu};
/// use nn::nalgebra::{SMatrix, SVector};
/// use nn::__private::image::{Geometry, conv2d_forward_trace};
/// const G: Geometry = Geometry::conv(1, 2, 2, 1, 2, 1, 0);
/// let layer = Dense::<f32, 4, 1> { weight: SMatrix::from([[1.0], [0.0], [0.0], [-1.0]]), bias: SVector::from([0.5]) };
/// let mut t = LayerTrace::<f32, 1>::new();
/// conv2d_forward_trace(&layer, &G, &Relu, &SVector::<f32, 4>::from([1.0, 2.0, 3.0, 4.0]), &mut t);
/// assert_eq!((t.z[0], t.a[0]), (-2.5, 0.0));
/// ```
#[inline(never)]
pub fn conv2d_forward_trace<
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
    x: &SVector<T, NIN>,
    out: &mut LayerTrace<T, NOUT>,
) {
    check_conv::<CKK, OUT, NIN, NOUT>(g);
    forward_slice(
        g,
        1,
        layer.weight.as_slice(),
        layer.bias.as_slice(),
        x.as_slice(),
        out.z.as_mut_slice(),
    );
    act.forward(out.z.as_slice(), out.a.as_mut_slice());
}

/// Inference through a convolution: `out = σ(conv(x) + b)`, no trace kept.
///
/// ```
/// use nn::{Dense, activation::Identity};
/// use nn::nalgebra::{SMatrix, SVector};
/// use nn::__private::image::{Geometry, conv2d_forward};
/// // Two input channels of one pixel, padding 1: the 3×3 output is the
/// // weighted sum only where the kernel's centre (tap 4) meets the pixel.
/// const G: Geometry = Geometry::conv(2, 1, 1, 1, 3, 1, 1);
/// let mut w = SMatrix::<f64, 1, 18>::zeros();
/// w[4] = 2.0;
/// w[13] = 3.0;
/// let layer = Dense { weight: w, bias: SVector::from([1.0]) };
/// let mut out = SVector::<f64, 1>::zeros();
/// conv2d_forward(&layer, &G, &Identity, &SVector::<f64, 2>::from([1.0, 10.0]), &mut out);
/// assert_eq!(out[0], 1.0 + 2.0 + 30.0);
/// ```
#[inline(never)]
pub fn conv2d_forward<
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
    x: &SVector<T, NIN>,
    out: &mut SVector<T, NOUT>,
) {
    check_conv::<CKK, OUT, NIN, NOUT>(g);
    forward_slice(
        g,
        1,
        layer.weight.as_slice(),
        layer.bias.as_slice(),
        x.as_slice(),
        out.as_mut_slice(),
    );
    act.forward_in_place(out.as_mut_slice());
}

/// Backward through a convolution's affine map, given `δ = dL/dz`: writes
/// `dL/dW[o, (c, ki, kj)] = Σ_p δ[o, p] x[c, p·s + (ki, kj) − pad]`,
/// `dL/db[o] = Σ_p δ[o, p]` and, when asked, `dL/dx`, the transposed
/// convolution of δ (zero in the padding). Overwrites `grad` and `dx`.
///
/// ```
/// use nn::Dense;
/// use nn::nalgebra::{SMatrix, SVector};
/// use nn::__private::image::{Geometry, conv2d_backward};
/// const G: Geometry = Geometry::conv(1, 2, 2, 1, 2, 1, 0);
/// let layer = Dense::<f64, 4, 1> { weight: SMatrix::from([[1.0], [2.0], [3.0], [4.0]]), bias: SVector::zeros() };
/// let x = SVector::<f64, 4>::from([5.0, 6.0, 7.0, 8.0]);
/// let (mut grad, mut dx) = (Dense::zeros(), SVector::zeros());
/// conv2d_backward(&layer, &G, &x, &SVector::<f64, 1>::from([0.5]), &mut grad, Some(&mut dx));
/// assert_eq!(grad.weight, SMatrix::from([[2.5], [3.0], [3.5], [4.0]]));
/// assert_eq!((grad.bias[0], dx), (0.5, SVector::from([0.5, 1.0, 1.5, 2.0])));
/// ```
#[inline(never)]
pub fn conv2d_backward<
    T: Scalar,
    const CKK: usize,
    const OUT: usize,
    const NIN: usize,
    const NOUT: usize,
>(
    layer: &Dense<T, CKK, OUT>,
    g: &Geometry,
    x: &SVector<T, NIN>,
    dz: &SVector<T, NOUT>,
    grad: &mut Dense<T, CKK, OUT>,
    dx: Option<&mut SVector<T, NIN>>,
) {
    check_conv::<CKK, OUT, NIN, NOUT>(g);
    params_grad(g, 1, x.as_slice(), dz.as_slice(), grad);
    if let Some(dx) = dx {
        input_grad_slice(
            g,
            1,
            layer.weight.as_slice(),
            dz.as_slice(),
            dx.as_mut_slice(),
        );
    }
}

/// Backward through a convolution fused with the SGD update: writes
/// `dL/dx` first (when asked, with the old `W`), then `θ ← θ − η ∇θ`
/// entry by entry, with the gradient of [`conv2d_backward`]. No gradient
/// is stored.
///
/// ```
/// use nn::Dense;
/// use nn::nalgebra::{SMatrix, SVector};
/// use nn::__private::image::{Geometry, conv2d_sgd_backward};
/// const G: Geometry = Geometry::conv(1, 1, 1, 1, 1, 1, 0);
/// let mut layer = Dense::<f64, 1, 1> { weight: SMatrix::from([[2.0]]), bias: SVector::from([1.0]) };
/// let mut dx = SVector::zeros();
/// conv2d_sgd_backward(&mut layer, &G, &SVector::<f64, 1>::from([3.0]), &SVector::<f64, 1>::from([0.5]), 0.1, Some(&mut dx));
/// assert_eq!(dx[0], 1.0);
/// assert!((layer.weight[0] - 1.85).abs() < 1e-15 && (layer.bias[0] - 0.95).abs() < 1e-15);
/// ```
#[inline(never)]
pub fn conv2d_sgd_backward<
    T: Scalar,
    const CKK: usize,
    const OUT: usize,
    const NIN: usize,
    const NOUT: usize,
>(
    layer: &mut Dense<T, CKK, OUT>,
    g: &Geometry,
    x: &SVector<T, NIN>,
    dz: &SVector<T, NOUT>,
    lr: T,
    dx: Option<&mut SVector<T, NIN>>,
) {
    check_conv::<CKK, OUT, NIN, NOUT>(g);
    if let Some(dx) = dx {
        input_grad_slice(
            g,
            1,
            layer.weight.as_slice(),
            dz.as_slice(),
            dx.as_mut_slice(),
        );
    }
    params_sgd(g, 1, x.as_slice(), dz.as_slice(), lr, layer);
}

// # Depthwise convolution

/// Forward through a depthwise convolution (PyTorch's `Conv2d(C, C, k,
/// groups = C)`): `z[c] = b[c] + W[c] ⋆ x[c]`, each channel with its own
/// `k × k` kernel (row `c` of the `C × k²` weight), then `a = σ(z)`.
///
/// ```
/// use nn::{Dense, LayerTrace, activation::Identity};
/// use nn::nalgebra::{SMatrix, SVector};
/// use nn::__private::image::{Geometry, depthwise_conv2d_forward_trace};
/// const G: Geometry = Geometry::conv(2, 1, 1, 2, 1, 1, 0);
/// let layer = Dense::<f32, 1, 2> { weight: SMatrix::from([[2.0, 3.0]]), bias: SVector::from([0.0, 1.0]) };
/// let mut t = LayerTrace::<f32, 2>::new();
/// depthwise_conv2d_forward_trace(&layer, &G, &Identity, &SVector::<f32, 2>::from([1.0, 1.0]), &mut t);
/// assert_eq!(t.a, SVector::from([2.0, 4.0]));
/// ```
#[inline(never)]
pub fn depthwise_conv2d_forward_trace<
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
    x: &SVector<T, NIN>,
    out: &mut LayerTrace<T, NOUT>,
) {
    check_depthwise::<KK, C, NIN, NOUT>(g);
    forward_slice(
        g,
        C,
        layer.weight.as_slice(),
        layer.bias.as_slice(),
        x.as_slice(),
        out.z.as_mut_slice(),
    );
    act.forward(out.z.as_slice(), out.a.as_mut_slice());
}

/// Inference through a depthwise convolution: `out = σ(W[c] ⋆ x[c] + b[c])`
/// per channel, no trace kept.
///
/// ```
/// use nn::{Dense, activation::Relu};
/// use nn::nalgebra::{SMatrix, SVector};
/// use nn::__private::image::{Geometry, depthwise_conv2d_forward};
/// const G: Geometry = Geometry::conv(2, 1, 1, 2, 1, 1, 0);
/// let layer = Dense::<f32, 1, 2> { weight: SMatrix::from([[2.0, -3.0]]), bias: SVector::zeros() };
/// let mut a = SVector::<f32, 2>::zeros();
/// depthwise_conv2d_forward(&layer, &G, &Relu, &SVector::<f32, 2>::from([1.0, 1.0]), &mut a);
/// assert_eq!(a, SVector::from([2.0, 0.0]));
/// ```
#[inline(never)]
pub fn depthwise_conv2d_forward<
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
    x: &SVector<T, NIN>,
    out: &mut SVector<T, NOUT>,
) {
    check_depthwise::<KK, C, NIN, NOUT>(g);
    forward_slice(
        g,
        C,
        layer.weight.as_slice(),
        layer.bias.as_slice(),
        x.as_slice(),
        out.as_mut_slice(),
    );
    act.forward_in_place(out.as_mut_slice());
}

/// Backward through a depthwise convolution's affine map, given
/// `δ = dL/dz`: as [`conv2d_backward`], each channel on its own.
/// Overwrites `grad` and `dx`.
///
/// ```
/// use nn::Dense;
/// use nn::nalgebra::{SMatrix, SVector};
/// use nn::__private::image::{Geometry, depthwise_conv2d_backward};
/// const G: Geometry = Geometry::conv(2, 1, 1, 2, 1, 1, 0);
/// let layer = Dense::<f64, 1, 2> { weight: SMatrix::from([[2.0, 3.0]]), bias: SVector::zeros() };
/// let (mut grad, mut dx) = (Dense::zeros(), SVector::zeros());
/// let x = SVector::<f64, 2>::from([5.0, 7.0]);
/// depthwise_conv2d_backward(&layer, &G, &x, &SVector::<f64, 2>::from([1.0, 0.5]), &mut grad, Some(&mut dx));
/// assert_eq!(grad.weight, SMatrix::from([[5.0, 3.5]]));
/// assert_eq!(dx, SVector::from([2.0, 1.5]));
/// ```
#[inline(never)]
pub fn depthwise_conv2d_backward<
    T: Scalar,
    const KK: usize,
    const C: usize,
    const NIN: usize,
    const NOUT: usize,
>(
    layer: &Dense<T, KK, C>,
    g: &Geometry,
    x: &SVector<T, NIN>,
    dz: &SVector<T, NOUT>,
    grad: &mut Dense<T, KK, C>,
    dx: Option<&mut SVector<T, NIN>>,
) {
    check_depthwise::<KK, C, NIN, NOUT>(g);
    params_grad(g, C, x.as_slice(), dz.as_slice(), grad);
    if let Some(dx) = dx {
        input_grad_slice(
            g,
            C,
            layer.weight.as_slice(),
            dz.as_slice(),
            dx.as_mut_slice(),
        );
    }
}

/// Backward through a depthwise convolution fused with the SGD update:
/// `dL/dx` first (when asked, with the old `W`), then `θ ← θ − η ∇θ`.
///
/// ```
/// use nn::Dense;
/// use nn::nalgebra::{SMatrix, SVector};
/// use nn::__private::image::{Geometry, depthwise_conv2d_sgd_backward};
/// const G: Geometry = Geometry::conv(1, 1, 1, 1, 1, 1, 0);
/// let mut layer = Dense::<f64, 1, 1> { weight: SMatrix::from([[2.0]]), bias: SVector::from([1.0]) };
/// let mut dx = SVector::zeros();
/// depthwise_conv2d_sgd_backward(&mut layer, &G, &SVector::<f64, 1>::from([3.0]), &SVector::<f64, 1>::from([0.5]), 0.1, Some(&mut dx));
/// assert_eq!(dx[0], 1.0);
/// assert!((layer.weight[0] - 1.85).abs() < 1e-15);
/// ```
#[inline(never)]
pub fn depthwise_conv2d_sgd_backward<
    T: Scalar,
    const KK: usize,
    const C: usize,
    const NIN: usize,
    const NOUT: usize,
>(
    layer: &mut Dense<T, KK, C>,
    g: &Geometry,
    x: &SVector<T, NIN>,
    dz: &SVector<T, NOUT>,
    lr: T,
    dx: Option<&mut SVector<T, NIN>>,
) {
    check_depthwise::<KK, C, NIN, NOUT>(g);
    if let Some(dx) = dx {
        input_grad_slice(
            g,
            C,
            layer.weight.as_slice(),
            dz.as_slice(),
            dx.as_mut_slice(),
        );
    }
    params_sgd(g, C, x.as_slice(), dz.as_slice(), lr, layer);
}

// # Pooling

/// Max pooling: each output is the largest input of its window.
///
/// ```
/// use nn::nalgebra::SVector;
/// use nn::__private::image::{Geometry, max_pool_forward};
/// const G: Geometry = Geometry::pool(1, 2, 2, 2, 2);
/// let mut out = SVector::<f32, 1>::zeros();
/// max_pool_forward(&G, &SVector::<f32, 4>::from([1.0, 4.0, 3.0, 2.0]), &mut out);
/// assert_eq!(out[0], 4.0);
/// ```
#[inline(never)]
pub fn max_pool_forward<T: Scalar, const NIN: usize, const NOUT: usize>(
    g: &Geometry,
    x: &SVector<T, NIN>,
    out: &mut SVector<T, NOUT>,
) {
    check_pool::<NIN, NOUT>(g);
    max_pool_slice(g, x.as_slice(), out.as_mut_slice());
}

/// The input gradient of max pooling: each window's `dL/da` goes to its
/// first largest input in row-major order, as in PyTorch (recomputed from
/// `x`); overlapping windows add up. Overwrites `dx`.
///
/// ```
/// use nn::nalgebra::SVector;
/// use nn::__private::image::{Geometry, max_pool_backward};
/// const G: Geometry = Geometry::pool(1, 2, 2, 2, 2);
/// let mut dx = SVector::<f32, 4>::zeros();
/// max_pool_backward(&G, &SVector::<f32, 4>::from([1.0, 4.0, 4.0, 2.0]), &SVector::<f32, 1>::from([0.5]), &mut dx);
/// assert_eq!(dx, SVector::from([0.0, 0.5, 0.0, 0.0]));
/// ```
#[inline(never)]
pub fn max_pool_backward<T: Scalar, const NIN: usize, const NOUT: usize>(
    g: &Geometry,
    x: &SVector<T, NIN>,
    da: &SVector<T, NOUT>,
    dx: &mut SVector<T, NIN>,
) {
    check_pool::<NIN, NOUT>(g);
    max_pool_backward_slice(g, x.as_slice(), da.as_slice(), dx.as_mut_slice());
}

/// Average pooling: each output is the mean of its `k × k` window.
///
/// ```
/// use nn::nalgebra::SVector;
/// use nn::__private::image::{Geometry, avg_pool_forward};
/// const G: Geometry = Geometry::pool(1, 2, 2, 2, 2);
/// let mut out = SVector::<f32, 1>::zeros();
/// avg_pool_forward(&G, &SVector::<f32, 4>::from([1.0, 4.0, 3.0, 2.0]), &mut out);
/// assert_eq!(out[0], 2.5);
/// ```
#[inline(never)]
pub fn avg_pool_forward<T: Scalar, const NIN: usize, const NOUT: usize>(
    g: &Geometry,
    x: &SVector<T, NIN>,
    out: &mut SVector<T, NOUT>,
) {
    check_pool::<NIN, NOUT>(g);
    avg_pool_slice(g, x.as_slice(), out.as_mut_slice());
}

/// The input gradient of average pooling: each window's `dL/da / k²` goes
/// to every input of the window. Overwrites `dx`.
///
/// ```
/// use nn::nalgebra::SVector;
/// use nn::__private::image::{Geometry, avg_pool_backward};
/// const G: Geometry = Geometry::pool(1, 2, 2, 2, 2);
/// let mut dx = SVector::<f32, 4>::zeros();
/// avg_pool_backward(&G, &SVector::<f32, 1>::from([2.0]), &mut dx);
/// assert_eq!(dx, SVector::from([0.5; 4]));
/// ```
#[inline(never)]
pub fn avg_pool_backward<T: Scalar, const NIN: usize, const NOUT: usize>(
    g: &Geometry,
    da: &SVector<T, NOUT>,
    dx: &mut SVector<T, NIN>,
) {
    check_pool::<NIN, NOUT>(g);
    avg_pool_backward_slice(g, da.as_slice(), dx.as_mut_slice());
}

#[cfg(test)]
mod tests;
