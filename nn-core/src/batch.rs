//! Mini-batches: the per-layer kernels for a batch of column vectors.
//!
//! A batch of `B` samples of width `N` is an `N × B` matrix
//! ([`Batch<T, N>`]): the feature size is static, the batch size is chosen at
//! run time. Every product is one call to `matrixmultiply` (a cache-blocked,
//! SIMD GEMM, the routine nalgebra itself uses for large dynamic products);
//! transposes are strides, never copies. Needs the `std` feature. With the
//! `parallel` feature, large products are cut by rows or columns over
//! [`threads`] threads, with results bit-identical to one thread
//! ([`set_threads`]).

#[cfg(feature = "parallel")]
use core::{
    num::NonZeroUsize,
    ops::Range,
    sync::atomic::{AtomicUsize, Ordering},
};

use nalgebra::{Const, Dyn, OMatrix, SVector};

use crate::{
    Dense, Scalar,
    activation::Activation,
    loss::{FusedLoss, Loss},
};

/// `N` features × a run-time number of samples, one sample per column.
pub type Batch<T, const N: usize> = OMatrix<T, Const<N>, Dyn>;

/// One layer's values over a batch, `N × B` each: the forward `z` and
/// `a = σ(z)`, and the backward scratch `da = dL/da` and `delta = dL/dz`.
/// Kept between calls so that a training loop allocates only when the batch
/// size changes.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchLayerTrace<T: Scalar, const N: usize> {
    /// Pre-activations, one column per sample.
    pub z: Batch<T, N>,
    /// Activations, one column per sample.
    pub a: Batch<T, N>,
    /// `dL/da`, filled by the backward pass. For the output layer under a
    /// fused loss, whose δ comes straight from the logits, it is the loss
    /// written on `a` ([`FusedLoss`]), or δ itself when the output layer
    /// has no activation (`a = z`); like δ, it is the gradient of the mean
    /// loss over the batch.
    pub da: Batch<T, N>,
    /// `δ = dL/dz`, filled by the backward pass.
    pub delta: Batch<T, N>,
}

impl<T: Scalar, const N: usize> BatchLayerTrace<T, N> {
    /// An empty trace (batch size 0); kernels size it on first use.
    pub fn new() -> Self {
        Self {
            z: Batch::<T, N>::zeros(0),
            a: Batch::<T, N>::zeros(0),
            da: Batch::<T, N>::zeros(0),
            delta: Batch::<T, N>::zeros(0),
        }
    }

    /// Makes room for `batch` columns, reallocating only when the batch size changes.
    pub fn resize(&mut self, batch: usize) {
        if self.z.ncols() != batch {
            *self = Self {
                z: Batch::<T, N>::zeros(batch),
                a: Batch::<T, N>::zeros(batch),
                da: Batch::<T, N>::zeros(batch),
                delta: Batch::<T, N>::zeros(batch),
            };
        }
    }
}

impl<T: Scalar, const N: usize> Default for BatchLayerTrace<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

/// A matrix operand for [`gemm`]: its storage and its row and column strides.
#[derive(Clone, Copy)]
pub(crate) struct Operand<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl<'a, T> Operand<'a, T> {
    /// A contiguous column-major `rows × cols` matrix.
    pub(crate) fn col_major(data: &'a [T], rows: usize, cols: usize) -> Self {
        Self {
            data,
            rows,
            cols,
            rs: 1,
            cs: rows,
        }
    }

    /// The transpose of a contiguous column-major `rows × cols` matrix, as a
    /// `cols × rows` operand (no copy: the strides swap).
    pub(crate) fn transposed(data: &'a [T], rows: usize, cols: usize) -> Self {
        Self {
            data,
            rows: cols,
            cols: rows,
            rs: rows,
            cs: 1,
        }
    }

    /// Whether every element `(i, l)` lies inside `data`.
    fn in_bounds(&self) -> bool {
        self.rows == 0
            || self.cols == 0
            || (self.rows - 1) * self.rs + (self.cols - 1) * self.cs < self.data.len()
    }

    /// Rows `start..start + rows` of this operand, as an operand of its own
    /// (no copy: the data starts at element `(start, 0)`).
    #[cfg(feature = "parallel")]
    fn rows(&self, start: usize, rows: usize) -> Self {
        Self {
            data: self.data.get(start * self.rs..).unwrap_or(&[]),
            rows,
            ..*self
        }
    }

    /// Columns `start..start + cols` of this operand, as an operand of its
    /// own (no copy: the data starts at element `(0, start)`).
    #[cfg(feature = "parallel")]
    fn columns(&self, start: usize, cols: usize) -> Self {
        Self {
            data: self.data.get(start * self.cs..).unwrap_or(&[]),
            cols,
            ..*self
        }
    }
}

/// How a product is cut over threads: along the rows or the columns of
/// `C`, never along the reduction dimension (see [`gemm_in_parts`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cut {
    /// Rows of `C` and `A`: for every product that reads or writes a layer's
    /// `W` by its rows (`W X`, and `Δ Xᵀ` into `W`), so that each thread
    /// keeps the same rows of `W` in its own core's cache from one product
    /// to the next.
    Rows,
    /// Columns of `C` and `B`: for `Wᵀ Δ`, whose rows are `W`'s columns
    /// (each thread reads all of `W`, which leaves the rows where they are).
    Columns,
}

/// `C ← α A B + β C` with `matrixmultiply` (cache-blocked, SIMD), for a
/// contiguous column-major `C` of `m × n`; with the `parallel` feature,
/// large enough products are cut over [`threads`] as `cut` says.
#[allow(clippy::too_many_arguments, reason = "the BLAS signature and the cut")]
pub(crate) fn gemm<T: Scalar>(
    alpha: T,
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    beta: T,
    c: &mut [T],
    m: usize,
    n: usize,
    cut: Cut,
) {
    #[cfg(feature = "parallel")]
    gemm_in_parts(alpha, a, b, beta, c, m, n, cut, parts_for(m, a.cols, n));
    #[cfg(not(feature = "parallel"))]
    {
        let _ = cut;
        gemm_serial(alpha, a, b, beta, c, m, n);
    }
}

/// [`gemm`] cut into at most `parts` chunks ([`aligned_chunks`]) of rows or
/// columns: the first chunk runs on the calling thread, the others on the
/// helper threads of [`crate::pool`].
///
/// Every element of `C` is computed by the same microkernel with the same
/// order over `k` however `C` is cut, so the result is bit-identical for any
/// `parts`: the cut never touches the reduction dimension, and each chunk
/// starts at a multiple of [`CHUNK_ALIGN`], so it is tiled like the whole
/// product. A chunk by rows takes those rows of `A` and writes those rows of
/// every column of `C`; a chunk by columns takes those columns of `B` and
/// writes those (contiguous) columns of `C`.
///
/// Why rows for `W X` and `Δ Xᵀ`: a thread then owns the same rows of `W`
/// in the forward pass and in the update, and they stay in its core's L2
/// (cut by columns, the update would rewrite rows the other core had just
/// read, and the lines would move between the cores every step). It also
/// packs only its rows of `W`: matrixmultiply packs all of `A` in each call.
#[cfg(feature = "parallel")]
#[allow(clippy::too_many_arguments, reason = "the BLAS signature")]
fn gemm_in_parts<T: Scalar>(
    alpha: T,
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    beta: T,
    c: &mut [T],
    m: usize,
    n: usize,
    cut: Cut,
    parts: usize,
) {
    let along = match cut {
        Cut::Rows => m,
        Cut::Columns => n,
    };
    let chunks = aligned_chunks(along, parts).len();
    if chunks < 2 {
        return gemm_serial(alpha, a, b, beta, c, m, n);
    }
    assert!(fits(&a, &b, c, m, n), "gemm: operand shapes do not fit");
    // `c` stays uniquely borrowed until `pool::run` has joined every chunk.
    let shared = SharedC(c.as_mut_ptr());
    let chunk = move |i: usize| {
        let range = aligned_chunks(along, parts).nth(i).unwrap_or_default();
        let (a, b, start, rows, cols) = match cut {
            Cut::Rows => (
                a.rows(range.start, range.len()),
                b,
                range.start,
                range.len(),
                n,
            ),
            Cut::Columns => (
                a,
                b.columns(range.start, range.len()),
                range.start * m,
                m,
                range.len(),
            ),
        };
        assert!(
            a.rows == rows && b.cols == cols && a.in_bounds() && b.in_bounds(),
            "gemm: a chunk's operands do not fit"
        );
        // SAFETY: A and B of the chunk were just checked in bounds. `fits`
        // checked `c` as the m × n column-major C (column stride m); the
        // chunk's C starts at element `start` of it, `rows × cols` with the
        // same stride, inside C. The chunks' element sets are disjoint (the
        // ranges of `aligned_chunks` are), `c` is borrowed uniquely by this
        // function until every chunk has ended, and no chunk touches A or B
        // through `c`.
        unsafe {
            T::gemm_unchecked(
                rows,
                a.cols,
                cols,
                alpha,
                a.data,
                a.rs,
                a.cs,
                b.data,
                b.rs,
                b.cs,
                beta,
                shared.at(start),
                m,
            )
        }
    };
    crate::pool::run(chunks, threads(), &chunk);
}

/// The pointer to `C` that the chunks of [`gemm_in_parts`] share.
#[cfg(feature = "parallel")]
#[derive(Clone, Copy)]
struct SharedC<T>(*mut T);

// SAFETY: a `SharedC` is made only by `gemm_in_parts`, from a slice it
// borrows uniquely until every chunk has ended, and each chunk writes a set
// of elements disjoint from the others'. Sharing or sending the pointer
// then gives each thread no more than a `&mut` to its own elements would,
// which may cross threads for `T: Send`.
#[cfg(feature = "parallel")]
unsafe impl<T: Send> Send for SharedC<T> {}
// SAFETY: as for `Send`.
#[cfg(feature = "parallel")]
unsafe impl<T: Send> Sync for SharedC<T> {}

#[cfg(feature = "parallel")]
impl<T> SharedC<T> {
    /// The pointer to element `i` of `C`.
    fn at(self, i: usize) -> *mut T {
        self.0.wrapping_add(i)
    }
}

/// Whether A is `m × k`, B is `k × n`, both with every element in bounds,
/// and `c` holds exactly `m × n`.
fn fits<T>(a: &Operand<'_, T>, b: &Operand<'_, T>, c: &[T], m: usize, n: usize) -> bool {
    a.rows == m
        && b.cols == n
        && a.cols == b.rows
        && c.len() == m * n
        && a.in_bounds()
        && b.in_bounds()
}

/// [`gemm`] on the calling thread. Shapes and bounds are checked here, so
/// the unsafe call below sees only valid operands.
fn gemm_serial<T: Scalar>(
    alpha: T,
    a: Operand<'_, T>,
    b: Operand<'_, T>,
    beta: T,
    c: &mut [T],
    m: usize,
    n: usize,
) {
    assert!(fits(&a, &b, c, m, n), "gemm: operand shapes do not fit");
    if m == 0 || n == 0 {
        return;
    }
    // SAFETY: just checked: A is m × k and B is k × n with every element in
    // bounds, and C is the contiguous column-major m × n `c`, uniquely borrowed.
    unsafe {
        T::gemm_unchecked(
            m,
            a.cols,
            n,
            alpha,
            a.data,
            a.rs,
            a.cs,
            b.data,
            b.rs,
            b.cs,
            beta,
            c.as_mut_ptr(),
            m,
        )
    }
}

/// Chunks start at multiples of this: the widest microkernel
/// `matrixmultiply` has (16 rows and 16 columns for f32 with AVX-512; 8 or 4
/// for the others, which divide it). A chunk that starts there is cut into the
/// same tiles as the whole product, so no element moves between a full
/// tile and a partial (masked) one, which round differently.
#[cfg(feature = "parallel")]
const CHUNK_ALIGN: usize = 16;

/// Products with fewer multiply-adds (`m · k · n`) than this run on the
/// calling thread: a split pays only when half the product takes well
/// longer than waking a pool thread (microseconds, tens when it sleeps),
/// and a product of a million multiply-adds takes about ten microseconds on
/// one core. The homework net (784-16-16-10) at batch 64 must not get
/// slower: its products have at most 16 · 784 · 64 = 802,816 and stay on one
/// thread. The 784-256-256-10 net at batch 64 splits every product but the
/// last layer's (the smallest it splits is 256 · 256 · 64 = 4,194,304). A
/// power of two between the two; to be tuned by benchmark. The `Wide` net
/// of `tests/batch.rs` must stay above it.
#[cfg(feature = "parallel")]
const PARALLEL_MIN_MACS: usize = 1 << 21;

/// How many chunks a product of `m · k · n` gets: one per thread when it is
/// large enough, else one. (More chunks than threads, handed out as threads
/// free up, were measured no faster: every chunk packs its whole share of
/// the other operand.)
#[cfg(feature = "parallel")]
fn parts_for(m: usize, k: usize, n: usize) -> usize {
    if m.saturating_mul(k).saturating_mul(n) >= PARALLEL_MIN_MACS {
        threads()
    } else {
        1
    }
}

/// Cuts `0..n` into at most `parts` contiguous, non-empty, ascending ranges
/// that cover it exactly, every one starting at a multiple of
/// [`CHUNK_ALIGN`] and as even as that allows. None for `n = 0`.
#[cfg(feature = "parallel")]
fn aligned_chunks(n: usize, parts: usize) -> impl ExactSizeIterator<Item = Range<usize>> {
    let blocks = n.div_ceil(CHUNK_ALIGN);
    let parts = parts.min(blocks);
    let bound = move |i: usize| (i * blocks / parts * CHUNK_ALIGN).min(n);
    (0..parts).map(move |i| bound(i)..bound(i + 1))
}

/// The thread count set by [`set_threads`]; 0 until set or first read.
#[cfg(feature = "parallel")]
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// Splits every large enough batch product (forward, backward, SGD update)
/// into up to `n` chunks (of rows or columns): the calling thread takes the first, helper
/// threads the others (they spin briefly between products, then sleep). `1` runs everything on the calling thread, and
/// `0` is taken as `1`. The setting is global and can change at any time;
/// results are bit-identical for every thread count, so it changes only
/// the speed.
///
/// The default is [`std::thread::available_parallelism`]. More threads than
/// cores only add overhead. Small products (the homework net's) stay on one
/// thread whatever the setting. Needs the `parallel` feature (on with
/// `std`); without it every product runs on the calling thread.
///
/// ```
/// nn::batch::set_threads(1);
/// assert_eq!(nn::batch::threads(), 1);
/// nn::batch::set_threads(0);
/// assert_eq!(nn::batch::threads(), 1);
/// ```
#[cfg(feature = "parallel")]
pub fn set_threads(n: usize) {
    THREADS.store(n.max(1), Ordering::Relaxed);
}

/// The number of threads a large batch product is split over: the last
/// [`set_threads`], or [`std::thread::available_parallelism`] (1 if it is
/// unknown). Always at least 1.
///
/// ```
/// assert!(nn::batch::threads() >= 1);
/// ```
#[cfg(feature = "parallel")]
pub fn threads() -> usize {
    match THREADS.load(Ordering::Relaxed) {
        0 => {
            let default = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
            // A `set_threads` that got in first wins.
            match THREADS.compare_exchange(0, default, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => default,
                Err(set) => set,
            }
        }
        n => n,
    }
}

/// Applies `act` to every column of `z`, writing `a`.
pub(crate) fn activate_columns<T: Scalar, A: Activation<T>, const N: usize>(
    act: &A,
    z: &Batch<T, N>,
    a: &mut Batch<T, N>,
) {
    for (z, a) in z
        .as_slice()
        .chunks_exact(N)
        .zip(a.as_mut_slice().chunks_exact_mut(N))
    {
        act.forward(z, a);
    }
}

/// Forward through one layer for a batch: `Z = W X + b 1ᵀ` (one GEMM), `A = σ(Z)`.
///
/// ```
/// use nn::batch::{Batch, BatchLayerTrace};
/// use nn::{Dense, activation::Identity};
/// use nn::nalgebra::{SMatrix, SVector};
/// use nn::__private::batch::dense_forward_trace_batch;
/// let layer = Dense::<f64, 2, 1> { weight: SMatrix::from([[1.0], [2.0]]), bias: SVector::from([0.5]) };
/// let x = Batch::<f64, 2>::from_column_slice(&[1.0, 1.0, 0.0, 3.0]);
/// let mut t = BatchLayerTrace::new();
/// dense_forward_trace_batch(&layer, &Identity, &x, &mut t);
/// assert_eq!(t.a.as_slice(), &[3.5, 6.5]);
/// ```
#[inline(never)]
pub fn dense_forward_trace_batch<T: Scalar, A: Activation<T>, const IN: usize, const OUT: usize>(
    layer: &Dense<T, IN, OUT>,
    act: &A,
    x: &Batch<T, IN>,
    out: &mut BatchLayerTrace<T, OUT>,
) {
    let batch = x.ncols();
    out.resize(batch);
    for mut col in out.z.column_iter_mut() {
        col.copy_from(&layer.bias);
    }
    gemm(
        T::one(),
        Operand::col_major(layer.weight.as_slice(), OUT, IN),
        Operand::col_major(x.as_slice(), IN, batch),
        T::one(),
        out.z.as_mut_slice(),
        OUT,
        batch,
        Cut::Rows,
    );
    activate_columns(act, &out.z, &mut out.a);
}

/// Backward through one layer's activation for a batch, column by column.
#[inline(never)]
pub fn activation_backward_batch<T: Scalar, A: Activation<T>, const N: usize>(
    act: &A,
    z: &Batch<T, N>,
    a: &Batch<T, N>,
    da: &Batch<T, N>,
    dz: &mut Batch<T, N>,
) {
    let cols = z
        .as_slice()
        .chunks_exact(N)
        .zip(a.as_slice().chunks_exact(N))
        .zip(da.as_slice().chunks_exact(N))
        .zip(dz.as_mut_slice().chunks_exact_mut(N));
    for (((z, a), da), dz) in cols {
        act.backward(z, a, da, dz);
    }
}

/// Backward through one layer's affine map for a batch, given `Δ = dL/dZ`
/// (`OUT × B`) and the layer's input `X` (`IN × B`): writes
/// `dL/dW = Δ Xᵀ` and `dL/db = Δ 1` (sums over the batch), and, when asked,
/// `dL/dX = Wᵀ Δ`. Each product is one GEMM over strided views.
#[inline(never)]
pub fn dense_backward_batch<T: Scalar, const IN: usize, const OUT: usize>(
    layer: &Dense<T, IN, OUT>,
    x: &Batch<T, IN>,
    delta: &Batch<T, OUT>,
    grad: &mut Dense<T, IN, OUT>,
    dx: Option<&mut Batch<T, IN>>,
) {
    let batch = delta.ncols();
    assert_eq!(
        x.ncols(),
        batch,
        "the layer input and δ must have one column per sample"
    );
    // dL/dW = Δ Xᵀ: (OUT × B)(B × IN), Xᵀ as a strided operand.
    gemm(
        T::one(),
        Operand::col_major(delta.as_slice(), OUT, batch),
        Operand::transposed(x.as_slice(), IN, batch),
        T::zero(),
        grad.weight.as_mut_slice(),
        OUT,
        IN,
        Cut::Rows,
    );
    grad.bias.fill(T::zero());
    for col in delta.column_iter() {
        grad.bias += col;
    }
    if let Some(dx) = dx {
        input_gradient_batch(layer, delta, dx);
    }
}

/// `dL/dX = Wᵀ Δ`: (IN × OUT)(OUT × B), `Wᵀ` as a strided operand.
fn input_gradient_batch<T: Scalar, const IN: usize, const OUT: usize>(
    layer: &Dense<T, IN, OUT>,
    delta: &Batch<T, OUT>,
    dx: &mut Batch<T, IN>,
) {
    let batch = delta.ncols();
    assert_eq!(dx.ncols(), batch, "dL/dX must have one column per sample");
    gemm(
        T::one(),
        Operand::transposed(layer.weight.as_slice(), OUT, IN),
        Operand::col_major(delta.as_slice(), OUT, batch),
        T::zero(),
        dx.as_mut_slice(),
        IN,
        batch,
        Cut::Columns,
    );
}

/// Backward through one layer's affine map for a batch fused with the SGD
/// update: writes `dL/dX = Wᵀ Δ` first (when asked, with the old `W`), then
/// updates in place `W ← W − η Δ Xᵀ` (one GEMM into `W`, β = 1) and
/// `b ← b − η Δ 1`. No gradient is stored.
#[inline(never)]
pub fn dense_sgd_backward_batch<T: Scalar, const IN: usize, const OUT: usize>(
    layer: &mut Dense<T, IN, OUT>,
    x: &Batch<T, IN>,
    delta: &Batch<T, OUT>,
    lr: T,
    dx: Option<&mut Batch<T, IN>>,
) {
    let batch = delta.ncols();
    assert_eq!(
        x.ncols(),
        batch,
        "the layer input and δ must have one column per sample"
    );
    if let Some(dx) = dx {
        input_gradient_batch(layer, delta, dx);
    }
    gemm(
        -lr,
        Operand::col_major(delta.as_slice(), OUT, batch),
        Operand::transposed(x.as_slice(), IN, batch),
        T::one(),
        layer.weight.as_mut_slice(),
        OUT,
        IN,
        Cut::Rows,
    );
    for col in delta.column_iter() {
        layer.bias.axpy(-lr, &col, T::one());
    }
}

/// Copies column `j` of a batch into a stack vector.
pub fn column<T: Scalar, const N: usize>(batch: &Batch<T, N>, j: usize) -> SVector<T, N> {
    SVector::<T, N>::from_column_slice(&batch.as_slice()[j * N..(j + 1) * N])
}

/// The mean loss over a batch, `(1/B) Σⱼ L(outⱼ, yⱼ)`, writing
/// `dL/d(outⱼ) / B` into column `j` of `grad` (so that the backward pass gives
/// the gradient of the mean loss).
///
/// # Panics
/// If `ys.len()` differs from the batch size: that is a bug in the caller,
/// not bad data.
///
/// ```
/// use nn::batch::Batch;
/// use nn::__private::batch::loss_backward_batch;
/// use nn::{ClassLabel, loss::SoftmaxCrossEntropy};
/// let logits = Batch::<f64, 2>::from_column_slice(&[0.0, 0.0, 0.0, 0.0]);
/// let ys = [ClassLabel::<2>::new(0).unwrap(), ClassLabel::new(1).unwrap()];
/// let mut grad = Batch::<f64, 2>::zeros(2);
/// let mean = loss_backward_batch(&SoftmaxCrossEntropy, &logits, &ys, &mut grad);
/// assert!((mean - 2f64.ln()).abs() < 1e-15);
/// assert_eq!(grad.as_slice(), &[-0.25, 0.25, 0.25, -0.25]);
/// ```
#[inline(never)]
pub fn loss_backward_batch<T: Scalar, L: Loss<T, N, Y>, Y, const N: usize>(
    loss: &L,
    out: &Batch<T, N>,
    ys: &[Y],
    grad: &mut Batch<T, N>,
) -> T {
    assert_eq!(
        ys.len(),
        out.ncols(),
        "a batch of {} samples needs as many targets, got {}",
        out.ncols(),
        ys.len()
    );
    let scale = T::one() / T::cast_f64(ys.len().max(1) as f64);
    let mut total = T::zero();
    let mut g = SVector::<T, N>::zeros();
    for (j, y) in ys.iter().enumerate() {
        total += loss.grad(&column(out, j), y, &mut g);
        grad.column_mut(j).copy_from(&(g * scale));
    }
    total * scale
}

/// `dL/da` of the output layer under a fused loss, for the mean loss over a
/// batch: column `j` gets [`FusedLoss::activation_grad`] of `(aⱼ, yⱼ)`
/// divided by the batch size, as [`loss_backward_batch`] scales δ. One pass
/// over `N × B` values, with at most one division each.
///
/// # Panics
/// If `ys.len()` differs from the batch size.
///
/// ```
/// use nn::batch::Batch;
/// use nn::__private::batch::fused_activation_grad_batch;
/// use nn::{ClassLabel, loss::SoftmaxCrossEntropy};
/// let a = Batch::<f64, 2>::from_column_slice(&[0.5, 0.5, 0.25, 0.75]);
/// let ys = [ClassLabel::<2>::new(0).unwrap(), ClassLabel::new(1).unwrap()];
/// let mut da = Batch::<f64, 2>::zeros(2);
/// fused_activation_grad_batch(&SoftmaxCrossEntropy, &a, &ys, &mut da);
/// assert_eq!(da.as_slice(), &[-1.0, 0.0, 0.0, -0.5 / 0.75]);
/// ```
#[inline(never)]
pub fn fused_activation_grad_batch<T: Scalar, L: FusedLoss<T, N, Y>, Y, const N: usize>(
    loss: &L,
    a: &Batch<T, N>,
    ys: &[Y],
    da: &mut Batch<T, N>,
) {
    assert_eq!(
        ys.len(),
        a.ncols(),
        "a batch of {} samples needs as many targets, got {}",
        a.ncols(),
        ys.len()
    );
    let scale = T::one() / T::cast_f64(ys.len().max(1) as f64);
    let mut g = SVector::<T, N>::zeros();
    for (j, y) in ys.iter().enumerate() {
        loss.activation_grad(&column(a, j), y, &mut g);
        da.column_mut(j).copy_from(&(g * scale));
    }
}

/// The mean loss over a batch, without gradients.
///
/// # Panics
/// If `ys.len()` differs from the batch size.
pub fn loss_batch<T: Scalar, L: Loss<T, N, Y>, Y, const N: usize>(
    loss: &L,
    out: &Batch<T, N>,
    ys: &[Y],
) -> T {
    assert_eq!(
        ys.len(),
        out.ncols(),
        "a batch of {} samples needs as many targets, got {}",
        out.ncols(),
        ys.len()
    );
    let total = ys
        .iter()
        .enumerate()
        .fold(T::zero(), |s, (j, y)| s + loss.value(&column(out, j), y));
    total / T::cast_f64(ys.len().max(1) as f64)
}

/// A network with a loss that trains on mini-batches: implemented by
/// `network!` for every target type `Y` its loss accepts. Training loops use
/// it without knowing the network.
pub trait BatchSupervised<T: Scalar, const IN: usize, const OUT: usize, Y>:
    crate::Network<T, IN, OUT>
{
    /// Every layer's values over a batch (the generated `<Name>TraceBatch`).
    type Trace: Default;

    /// Runs the network on a batch and returns its output (`OUT × B`), kept
    /// in `trace`. The generated inherent method of the same name.
    fn forward_batch_trace<'t>(
        &self,
        x: &Batch<T, IN>,
        trace: &'t mut Self::Trace,
    ) -> &'t Batch<T, OUT>;

    /// The mean loss over a batch; writes the mean gradient into `grads`
    /// (overwriting it) and, if `dx` is given, `dL/dX` (`IN × B`) into it.
    /// The generated inherent method of the same name.
    fn loss_and_grad_batch(
        &self,
        x: &Batch<T, IN>,
        ys: &[Y],
        trace: &mut Self::Trace,
        grads: &mut Self,
        dx: Option<&mut Batch<T, IN>>,
    ) -> T;
}

/// Re-exported from [`crate::metrics`], where it lives (it needs no `std`).
pub use crate::metrics::argmax;

#[cfg(all(test, feature = "parallel"))]
mod tests {
    use super::*;

    #[test]
    fn aligned_chunks_cover_every_column_once_on_aligned_starts() {
        for n in [0, 1, 7, 8, 15, 16, 17, 61, 64, 65, 300, 784, 1025] {
            for parts in 1..=5 {
                let chunks: Vec<_> = aligned_chunks(n, parts).collect();
                assert!(
                    chunks.len() <= parts,
                    "n = {n}, parts = {parts}: {chunks:?}"
                );
                let mut next = 0;
                for cols in &chunks {
                    assert!(!cols.is_empty(), "n = {n}, parts = {parts}: {chunks:?}");
                    assert_eq!(cols.start, next, "n = {n}, parts = {parts}: {chunks:?}");
                    assert_eq!(cols.start % CHUNK_ALIGN, 0, "n = {n}, parts = {parts}");
                    next = cols.end;
                }
                assert_eq!(next, n, "n = {n}, parts = {parts}: {chunks:?}");
            }
        }
    }

    // tests/batch.rs compares 1, 2 and 3 threads on a 37-300-129-10 net at
    // batches of 61 and 64: it tests nothing if no product splits.
    const _: () = assert!(129 * 300 * 61 >= PARALLEL_MIN_MACS);

    #[test]
    fn aligned_chunks_use_every_part_when_there_are_enough_columns() {
        assert_eq!(aligned_chunks(64, 2).collect::<Vec<_>>(), [0..32, 32..64]);
        assert_eq!(
            aligned_chunks(61, 3).collect::<Vec<_>>(),
            [0..16, 16..32, 32..61]
        );
        assert_eq!(
            aligned_chunks(784, 2).collect::<Vec<_>>(),
            [0..384, 384..784]
        );
        // Fewer than two aligned blocks: nothing to split.
        let one: Vec<_> = aligned_chunks(16, 4).collect();
        assert_eq!((one.len(), &one[0]), (1, &(0..16)));
    }

    /// Values with full mantissas, so that any change in the order of the
    /// sums shows in the last bits.
    fn values<T: Scalar>(len: usize, seed: u64) -> Vec<T> {
        let mut rng = crate::init::SplitMix64::new(seed);
        (0..len)
            .map(|_| T::cast_f64(rng.next_f64() - 0.5))
            .collect()
    }

    /// Every product the kernels make (`W X`, `Wᵀ Δ`, `Δ Xᵀ`, with β = 0 and
    /// β = 1), cut into 2 to 4 parts, against the same product in one part.
    fn split_products_match_one_part<T: Scalar>() {
        // k = 300 crosses matrixmultiply's k blocking (256).
        for (m, k, n) in [
            (129, 300, 61),
            (37, 300, 64),
            (10, 129, 300),
            (300, 61, 129),
        ] {
            let a = values::<T>(m * k, 1);
            let b = values::<T>(k * n, 2);
            let c0 = values::<T>(m * n, 3);
            let operands = [
                (Operand::col_major(&a, m, k), Operand::col_major(&b, k, n)),
                (Operand::transposed(&a, k, m), Operand::col_major(&b, k, n)),
                (Operand::col_major(&a, m, k), Operand::transposed(&b, n, k)),
            ];
            for (a, b) in operands {
                for (alpha, beta) in [(T::one(), T::zero()), (T::cast_f64(-0.1), T::one())] {
                    let mut whole = c0.clone();
                    gemm_serial(alpha, a, b, beta, &mut whole, m, n);
                    for (cut, parts) in [Cut::Rows, Cut::Columns]
                        .into_iter()
                        .flat_map(|c| (2..=4).map(move |p| (c, p)))
                    {
                        let mut split = c0.clone();
                        gemm_in_parts(alpha, a, b, beta, &mut split, m, n, cut, parts);
                        assert!(
                            bytemuck::cast_slice::<T, u8>(&whole)
                                == bytemuck::cast_slice::<T, u8>(&split),
                            "{m} × {k} × {n} in {parts} parts by {cut:?} differs from one part"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn batch_products_split_over_rows_or_columns_are_bit_identical_f32() {
        split_products_match_one_part::<f32>();
    }

    #[test]
    fn batch_products_split_over_rows_or_columns_are_bit_identical_f64() {
        split_products_match_one_part::<f64>();
    }
}
