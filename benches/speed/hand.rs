//! Baseline (a): the same networks written by hand with nalgebra fixed-size
//! types, the way someone who knows nalgebra would: in-place `gemv` with the
//! bias as its starting value, `gemv_tr` for Wᵀδ, `ger` for the update with
//! SGD fused into the backward pass, ReLU′ read from the activation (no `z`
//! kept), no temporaries. Batches go through nalgebra's `gemm` with a
//! run-time batch dimension, which nalgebra hands to matrixmultiply;
//! transposes are strided views, never copies, and the SGD update is fused
//! into the weight-gradient GEMM (`W ← W − η Δ Aᵀ`, β = 1).

use nn::Scalar;
use nn::nalgebra::{Const, DMatrixView, Dyn, OMatrix, SMatrix, SVector};

/// `N` features × a run-time number of samples.
pub type Cols<T, const N: usize> = OMatrix<T, Const<N>, Dyn>;

/// A 3-layer ReLU MLP `I → H1 → H2 → O` with softmax cross-entropy on the logits.
pub struct Mlp<T: Scalar, const I: usize, const H1: usize, const H2: usize, const O: usize> {
    pub w1: Box<SMatrix<T, H1, I>>,
    pub b1: SVector<T, H1>,
    pub w2: Box<SMatrix<T, H2, H1>>,
    pub b2: SVector<T, H2>,
    pub w3: Box<SMatrix<T, O, H2>>,
    pub b3: SVector<T, O>,
}

/// Batch scratch, kept between steps (allocated once per batch size).
pub struct Scratch<T: Scalar, const I: usize, const H1: usize, const H2: usize, const O: usize> {
    a1: Cols<T, H1>,
    a2: Cols<T, H2>,
    z3: Cols<T, O>,
    da1: Cols<T, H1>,
    da2: Cols<T, H2>,
}

impl<T: Scalar, const I: usize, const H1: usize, const H2: usize, const O: usize>
    Scratch<T, I, H1, H2, O>
{
    /// Logit `i` of sample `j` after `forward_batch`.
    pub fn logit(&self, i: usize, j: usize) -> T {
        self.z3[(i, j)]
    }

    pub fn new(batch: usize) -> Self {
        Self {
            a1: Cols::zeros(batch),
            a2: Cols::zeros(batch),
            z3: Cols::zeros(batch),
            da1: Cols::zeros(batch),
            da2: Cols::zeros(batch),
        }
    }
}

#[inline]
fn relu<T: Scalar>(v: &mut [T]) {
    for v in v {
        // A select, not a branch: the sign of a pre-activation is unpredictable.
        *v = if *v > T::zero() { *v } else { T::zero() };
    }
}

/// `δ ← δ ⊙ relu′`, read from the activation `a` (`a > 0` exactly where `z > 0`).
#[inline]
fn relu_back<T: Scalar>(d: &mut [T], a: &[T]) {
    for (d, &a) in d.iter_mut().zip(a) {
        *d = if a > T::zero() { *d } else { T::zero() };
    }
}

/// `out ← σ(W x + b)`: one `gemv` with the bias as its start, ReLU in place
/// if asked. Not inlined: one copy per layer shape, which LLVM vectorizes
/// better than the same calls inlined into one function (measured: 2× on
/// the 784 → 16 layer).
#[inline(never)]
fn layer_forward<T: Scalar, const IN: usize, const OUT: usize>(
    w: &SMatrix<T, OUT, IN>,
    b: &SVector<T, OUT>,
    x: &SVector<T, IN>,
    out: &mut SVector<T, OUT>,
    relu_out: bool,
) {
    out.copy_from(b);
    out.gemv(T::one(), w, x, T::one());
    if relu_out {
        relu(out.as_mut_slice());
    }
}

/// Backward through one layer with the SGD update fused: `dx ← (Wᵀ δ) ⊙
/// relu′(x)` with the old `W` (when asked), then `W ← W − η δ xᵀ`, `b ← b − η δ`.
#[inline(never)]
fn layer_backward_sgd<T: Scalar, const IN: usize, const OUT: usize>(
    w: &mut SMatrix<T, OUT, IN>,
    b: &mut SVector<T, OUT>,
    x: &SVector<T, IN>,
    d: &SVector<T, OUT>,
    lr: T,
    dx: Option<&mut SVector<T, IN>>,
) {
    if let Some(dx) = dx {
        dx.gemv_tr(T::one(), w, d, T::zero());
        relu_back(dx.as_mut_slice(), x.as_slice());
    }
    w.ger(-lr, d, x, T::one());
    b.axpy(-lr, d, T::one());
}

/// Softmax cross-entropy on logits `z` (overwritten with `softmax(z) − onehot`); returns the loss.
#[inline]
fn softmax_xent<T: Scalar>(z: &mut [T], label: usize) -> T {
    let zl = z[label];
    let m = z.iter().fold(z[0], |m, &v| if v > m { v } else { m });
    let mut s = T::zero();
    for v in z.iter_mut() {
        *v = (*v - m).exp();
        s += *v;
    }
    let inv = T::one() / s;
    for v in z.iter_mut() {
        *v *= inv;
    }
    z[label] -= T::one();
    m + s.ln() - zl
}

/// `W` (`rows × cols`, column-major) as a dynamic view, so that nalgebra's
/// `gemm` takes its matrixmultiply path.
fn view<T: Scalar>(data: &[T], rows: usize, cols: usize) -> DMatrixView<'_, T, Dyn, Dyn> {
    DMatrixView::from_slice_with_strides(data, rows, cols, 1, rows)
}

/// The transpose of a column-major `rows × cols` matrix, as a strided view.
fn view_t<T: Scalar>(data: &[T], rows: usize, cols: usize) -> DMatrixView<'_, T, Dyn, Dyn> {
    DMatrixView::from_slice_with_strides(data, cols, rows, rows, 1)
}

impl<T: Scalar, const I: usize, const H1: usize, const H2: usize, const O: usize>
    Mlp<T, I, H1, H2, O>
{
    /// Copies the parameters from flat per-tensor slices (`W` column-major, then `b`).
    pub fn from_tensors(t: &[&[T]]) -> Self {
        let mut w1 = bytemuck::zeroed_box::<SMatrix<T, H1, I>>();
        let mut w2 = bytemuck::zeroed_box::<SMatrix<T, H2, H1>>();
        let mut w3 = bytemuck::zeroed_box::<SMatrix<T, O, H2>>();
        w1.as_mut_slice().copy_from_slice(t[0]);
        w2.as_mut_slice().copy_from_slice(t[2]);
        w3.as_mut_slice().copy_from_slice(t[4]);
        Self {
            w1,
            b1: SVector::from_column_slice(t[1]),
            w2,
            b2: SVector::from_column_slice(t[3]),
            w3,
            b3: SVector::from_column_slice(t[5]),
        }
    }

    /// The logits for one sample.
    #[inline(never)]
    pub fn forward(&self, x: &SVector<T, I>) -> SVector<T, O> {
        let mut a1 = SVector::<T, H1>::zeros();
        layer_forward(&self.w1, &self.b1, x, &mut a1, true);
        let mut a2 = SVector::<T, H2>::zeros();
        layer_forward(&self.w2, &self.b2, &a1, &mut a2, true);
        let mut z3 = SVector::<T, O>::zeros();
        layer_forward(&self.w3, &self.b3, &a2, &mut z3, false);
        z3
    }

    /// One SGD step on one sample: forward, softmax cross-entropy, backward
    /// with the update fused in (Wᵀδ is taken before `W` changes). Returns the loss.
    #[inline(never)]
    pub fn sgd_step(&mut self, x: &SVector<T, I>, label: usize, lr: T) -> T {
        let mut a1 = SVector::<T, H1>::zeros();
        layer_forward(&self.w1, &self.b1, x, &mut a1, true);
        let mut a2 = SVector::<T, H2>::zeros();
        layer_forward(&self.w2, &self.b2, &a1, &mut a2, true);
        let mut d3 = SVector::<T, O>::zeros();
        layer_forward(&self.w3, &self.b3, &a2, &mut d3, false);
        let loss = softmax_xent(d3.as_mut_slice(), label);

        let mut d2 = SVector::<T, H2>::zeros();
        layer_backward_sgd(&mut self.w3, &mut self.b3, &a2, &d3, lr, Some(&mut d2));
        let mut d1 = SVector::<T, H1>::zeros();
        layer_backward_sgd(&mut self.w2, &mut self.b2, &a1, &d2, lr, Some(&mut d1));
        layer_backward_sgd(&mut self.w1, &mut self.b1, x, &d1, lr, None);
        loss
    }

    /// `out ← W x + b 1ᵀ` for a batch, then ReLU if asked.
    #[inline]
    fn layer_batch<const IN: usize, const OUT: usize>(
        w: &SMatrix<T, OUT, IN>,
        b: &SVector<T, OUT>,
        x: &Cols<T, IN>,
        out: &mut Cols<T, OUT>,
        relu_out: bool,
    ) {
        for mut col in out.column_iter_mut() {
            col.copy_from(b);
        }
        out.gemm(T::one(), &view(w.as_slice(), OUT, IN), x, T::one());
        if relu_out {
            relu(out.as_mut_slice());
        }
    }

    /// Logits for a batch, left in `s.z3`.
    #[inline(never)]
    pub fn forward_batch(&self, x: &Cols<T, I>, s: &mut Scratch<T, I, H1, H2, O>) {
        Self::layer_batch(&self.w1, &self.b1, x, &mut s.a1, true);
        Self::layer_batch(&self.w2, &self.b2, &s.a1, &mut s.a2, true);
        Self::layer_batch(&self.w3, &self.b3, &s.a2, &mut s.z3, false);
    }

    /// `W ← W − η Δ Aᵀ`, `b ← b − η Δ 1` (one GEMM with β = 1, `Aᵀ` strided).
    #[inline]
    fn update<const IN: usize, const OUT: usize>(
        w: &mut SMatrix<T, OUT, IN>,
        b: &mut SVector<T, OUT>,
        delta: &Cols<T, OUT>,
        a: &Cols<T, IN>,
        lr: T,
    ) {
        let batch = a.ncols();
        w.gemm(-lr, delta, &view_t(a.as_slice(), IN, batch), T::one());
        for col in delta.column_iter() {
            b.axpy(-lr, &col, T::one());
        }
    }

    /// One SGD step on the mean loss of a batch. Returns the mean loss.
    #[inline(never)]
    pub fn sgd_step_batch(
        &mut self,
        x: &Cols<T, I>,
        labels: &[usize],
        lr: T,
        s: &mut Scratch<T, I, H1, H2, O>,
    ) -> T {
        self.forward_batch(x, s);
        let batch = x.ncols();
        let scale = T::one() / T::cast_f64(batch as f64);
        let mut loss = T::zero();
        for (d3, &label) in s.z3.as_mut_slice().chunks_exact_mut(O).zip(labels) {
            loss += softmax_xent(d3, label);
            for v in d3 {
                *v *= scale;
            }
        }
        // Layer 3: dA2 = W3ᵀ Δ3 with the old W3, then the update.
        s.da2.gemm(
            T::one(),
            &view_t(self.w3.as_slice(), O, H2),
            &s.z3,
            T::zero(),
        );
        Self::update(&mut self.w3, &mut self.b3, &s.z3, &s.a2, lr);
        relu_back(s.da2.as_mut_slice(), s.a2.as_slice());
        // Layer 2.
        s.da1.gemm(
            T::one(),
            &view_t(self.w2.as_slice(), H2, H1),
            &s.da2,
            T::zero(),
        );
        Self::update(&mut self.w2, &mut self.b2, &s.da2, &s.a1, lr);
        relu_back(s.da1.as_mut_slice(), s.a1.as_slice());
        // Layer 1: no dL/dX.
        Self::update(&mut self.w1, &mut self.b1, &s.da1, x, lr);
        loss * scale
    }
}
