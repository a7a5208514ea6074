//! The nodes that join earlier layers: `add` (a residual connection) and
//! `concat`, per sample and, with `batch`, over mini-batches.
//!
//! Both are flat: `add` sums vectors of one length, `concat` lays its parts
//! one after the other. Images are channel outermost, so concatenating two
//! images along their channels is exactly the flat concatenation. The
//! backward pass of `add` hands the same gradient to every part (the
//! generated code passes it on, summing where a layer is used twice); that
//! of `concat` cuts the gradient back into its parts.
//!
//! ```
//! use nn::nalgebra::SVector;
//! use nn::__private::join::{add_part, concat_forward_part, copy_part};
//! let (x, y) = (SVector::<f32, 2>::from([1.0, 2.0]), SVector::<f32, 2>::from([10.0, 20.0]));
//! let mut sum = SVector::<f32, 2>::zeros();
//! copy_part(&x, &mut sum);
//! add_part(&y, &mut sum);
//! let mut both = SVector::<f32, 4>::zeros();
//! concat_forward_part(&x, 0, &mut both);
//! concat_forward_part(&sum, 2, &mut both);
//! assert_eq!(both, SVector::from([1.0, 2.0, 11.0, 22.0]));
//! ```

use nalgebra::SVector;

use crate::Scalar;
#[cfg(feature = "batch")]
use crate::batch::Batch;

/// `out += x`, for two vectors of one length (`NX == NOUT`, checked): a
/// part of an `add` after its first, or a second gradient of a layer read
/// twice. Generic over both lengths, so that a spec whose `add` joins two
/// named sizes that differ fails on its own const assertion, not on a type
/// mismatch here.
///
/// ```
/// use nn::nalgebra::SVector;
/// use nn::__private::join::add_part;
/// let mut out = SVector::<f32, 2>::from([1.0, 2.0]);
/// add_part(&SVector::<f32, 2>::from([10.0, 20.0]), &mut out);
/// assert_eq!(out, SVector::from([11.0, 22.0]));
/// ```
#[inline(never)]
pub fn add_part<T: Scalar, const NX: usize, const NOUT: usize>(
    x: &SVector<T, NX>,
    out: &mut SVector<T, NOUT>,
) {
    assert_eq!(NX, NOUT, "add: a part of {NX} values into {NOUT}");
    for (o, &v) in out.iter_mut().zip(x.iter()) {
        *o += v;
    }
}

/// [`add_part`] over a batch: `out += x`, both with one column per sample.
///
/// # Panics
/// If the lengths or the numbers of columns differ.
///
/// ```
/// use nn::batch::Batch;
/// use nn::__private::join::add_part_batch;
/// let mut out = Batch::<f64, 1>::from_column_slice(&[1.0, 2.0]);
/// add_part_batch(&Batch::<f64, 1>::from_column_slice(&[3.0, 4.0]), &mut out);
/// assert_eq!(out.as_slice(), &[4.0, 6.0]);
/// ```
#[cfg(feature = "batch")]
#[inline(never)]
pub fn add_part_batch<T: Scalar, const NX: usize, const NOUT: usize>(
    x: &Batch<T, NX>,
    out: &mut Batch<T, NOUT>,
) {
    assert!(
        NX == NOUT && x.ncols() == out.ncols(),
        "add: a part of {NX} × {} values into {NOUT} × {}",
        x.ncols(),
        out.ncols()
    );
    for (o, &v) in out.as_mut_slice().iter_mut().zip(x.as_slice()) {
        *o += v;
    }
}

/// `out = x`, for two vectors of one length (`NX == NOUT`, checked): the
/// first part of an `add`, or the gradient its first input gets. Generic
/// over both lengths, as [`add_part`].
///
/// ```
/// use nn::nalgebra::SVector;
/// use nn::__private::join::copy_part;
/// let mut out = SVector::<f32, 2>::zeros();
/// copy_part(&SVector::<f32, 2>::from([1.0, 2.0]), &mut out);
/// assert_eq!(out, SVector::from([1.0, 2.0]));
/// ```
#[inline(never)]
pub fn copy_part<T: Scalar, const NX: usize, const NOUT: usize>(
    x: &SVector<T, NX>,
    out: &mut SVector<T, NOUT>,
) {
    assert_eq!(NX, NOUT, "add: a part of {NX} values into {NOUT}");
    out.as_mut_slice().copy_from_slice(x.as_slice());
}

/// [`copy_part`] over a batch: `out = x`, `out` resized to `x`'s columns
/// (reallocated only when they change).
///
/// # Panics
/// If the lengths differ.
///
/// ```
/// use nn::batch::Batch;
/// use nn::__private::join::copy_part_batch;
/// let mut out = Batch::<f64, 1>::zeros(0);
/// copy_part_batch(&Batch::<f64, 1>::from_column_slice(&[3.0, 4.0]), &mut out);
/// assert_eq!(out.as_slice(), &[3.0, 4.0]);
/// ```
#[cfg(feature = "batch")]
#[inline(never)]
pub fn copy_part_batch<T: Scalar, const NX: usize, const NOUT: usize>(
    x: &Batch<T, NX>,
    out: &mut Batch<T, NOUT>,
) {
    assert_eq!(NX, NOUT, "add: a part of {NX} values into {NOUT}");
    if out.ncols() != x.ncols() {
        *out = Batch::<T, NOUT>::zeros(x.ncols());
    }
    out.as_mut_slice().copy_from_slice(x.as_slice());
}

/// Panics unless `NX` values fit in `NOUT` at `offset`.
fn check_part(nx: usize, offset: usize, nout: usize) {
    assert!(
        offset <= nout && nx <= nout - offset,
        "concat: a part of {nx} values at offset {offset} does not fit in {nout}"
    );
}

/// Copies `x` into `out[offset..offset + NX]`: one part of a `concat`.
///
/// ```
/// use nn::nalgebra::SVector;
/// use nn::__private::join::concat_forward_part;
/// let mut out = SVector::<f32, 3>::zeros();
/// concat_forward_part(&SVector::<f32, 2>::from([1.0, 2.0]), 1, &mut out);
/// assert_eq!(out, SVector::from([0.0, 1.0, 2.0]));
/// ```
#[inline(never)]
pub fn concat_forward_part<T: Scalar, const NX: usize, const NOUT: usize>(
    x: &SVector<T, NX>,
    offset: usize,
    out: &mut SVector<T, NOUT>,
) {
    check_part(NX, offset, NOUT);
    out.as_mut_slice()[offset..offset + NX].copy_from_slice(x.as_slice());
}

/// The gradient of one part of a `concat`: `dx = d[offset..offset + NX]`.
/// Overwrites `dx`.
///
/// ```
/// use nn::nalgebra::SVector;
/// use nn::__private::join::concat_backward_part;
/// let mut dx = SVector::<f32, 2>::zeros();
/// concat_backward_part(&SVector::<f32, 3>::from([1.0, 2.0, 3.0]), 1, &mut dx);
/// assert_eq!(dx, SVector::from([2.0, 3.0]));
/// ```
#[inline(never)]
pub fn concat_backward_part<T: Scalar, const NX: usize, const NOUT: usize>(
    d: &SVector<T, NOUT>,
    offset: usize,
    dx: &mut SVector<T, NX>,
) {
    check_part(NX, offset, NOUT);
    dx.as_mut_slice()
        .copy_from_slice(&d.as_slice()[offset..offset + NX]);
}

/// Copies every column of `x` into rows `offset..offset + NX` of the same
/// column of `out`, which must already have the batch's columns (see
/// `BatchNodeTrace::resize` in `image::batch`).
///
/// ```
/// use nn::batch::Batch;
/// use nn::__private::join::concat_forward_part_batch;
/// let mut out = Batch::<f32, 2>::zeros(2);
/// concat_forward_part_batch(&Batch::<f32, 1>::from_column_slice(&[1.0, 2.0]), 1, &mut out);
/// assert_eq!(out.as_slice(), &[0.0, 1.0, 0.0, 2.0]);
/// ```
#[cfg(feature = "batch")]
#[inline(never)]
pub fn concat_forward_part_batch<T: Scalar, const NX: usize, const NOUT: usize>(
    x: &Batch<T, NX>,
    offset: usize,
    out: &mut Batch<T, NOUT>,
) {
    check_part(NX, offset, NOUT);
    assert_eq!(
        x.ncols(),
        out.ncols(),
        "concat: a part of {} samples into an output of {}",
        x.ncols(),
        out.ncols()
    );
    for (x, out) in x
        .as_slice()
        .chunks_exact(NX)
        .zip(out.as_mut_slice().chunks_exact_mut(NOUT))
    {
        out[offset..offset + NX].copy_from_slice(x);
    }
}

/// The gradient of one part of a `concat` over a batch: column by column,
/// `dx = d[offset..offset + NX]`. Overwrites `dx`, resized to `d`'s columns.
///
/// ```
/// use nn::batch::Batch;
/// use nn::__private::join::concat_backward_part_batch;
/// let mut dx = Batch::<f32, 1>::zeros(0);
/// concat_backward_part_batch(&Batch::<f32, 2>::from_column_slice(&[1.0, 2.0, 3.0, 4.0]), 1, &mut dx);
/// assert_eq!(dx.as_slice(), &[2.0, 4.0]);
/// ```
#[cfg(feature = "batch")]
#[inline(never)]
pub fn concat_backward_part_batch<T: Scalar, const NX: usize, const NOUT: usize>(
    d: &Batch<T, NOUT>,
    offset: usize,
    dx: &mut Batch<T, NX>,
) {
    check_part(NX, offset, NOUT);
    if dx.ncols() != d.ncols() {
        *dx = Batch::<T, NX>::zeros(d.ncols());
    }
    for (d, dx) in d
        .as_slice()
        .chunks_exact(NOUT)
        .zip(dx.as_mut_slice().chunks_exact_mut(NX))
    {
        dx.copy_from_slice(&d[offset..offset + NX]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::SplitMix64;

    fn random<const N: usize>(rng: &mut SplitMix64) -> SVector<f64, N> {
        SVector::from_fn(|_, _| rng.next_f64() - 0.5)
    }

    /// `L = rᵀ out` for `out = x + y + x`: central differences of L in each
    /// input against the backward rule (each use of a part gets `r`).
    #[test]
    fn add_gradient_matches_finite_differences() {
        let mut rng = SplitMix64::new(1);
        let (x, y, r) = (
            random::<5>(&mut rng),
            random::<5>(&mut rng),
            random::<5>(&mut rng),
        );
        let loss = |x: &SVector<f64, 5>, y: &SVector<f64, 5>| {
            let mut out = SVector::<f64, 5>::zeros();
            copy_part(x, &mut out);
            add_part(y, &mut out);
            add_part(x, &mut out);
            r.dot(&out)
        };
        let eps = 1e-6;
        for i in 0..5 {
            let e = SVector::<f64, 5>::from_fn(|j, _| if i == j { eps } else { 0.0 });
            let dx = (loss(&(x + e), &y) - loss(&(x - e), &y)) / (2.0 * eps);
            let dy = (loss(&x, &(y + e)) - loss(&x, &(y - e))) / (2.0 * eps);
            // x is used twice: its gradient is the sum of both uses.
            assert!((dx - 2.0 * r[i]).abs() < 1e-8, "{dx} vs {}", 2.0 * r[i]);
            assert!((dy - r[i]).abs() < 1e-8, "{dy} vs {}", r[i]);
        }
    }

    #[test]
    fn concat_gradient_matches_finite_differences() {
        let mut rng = SplitMix64::new(2);
        let (x, y, r) = (
            random::<3>(&mut rng),
            random::<4>(&mut rng),
            random::<7>(&mut rng),
        );
        let loss = |x: &SVector<f64, 3>, y: &SVector<f64, 4>| {
            let mut out = SVector::<f64, 7>::zeros();
            concat_forward_part(x, 0, &mut out);
            concat_forward_part(y, 3, &mut out);
            r.dot(&out)
        };
        let (mut dx, mut dy) = (
            SVector::<f64, 3>::repeat(9.0),
            SVector::<f64, 4>::repeat(9.0),
        );
        concat_backward_part(&r, 0, &mut dx);
        concat_backward_part(&r, 3, &mut dy);
        let eps = 1e-6;
        for i in 0..3 {
            let e = SVector::<f64, 3>::from_fn(|j, _| if i == j { eps } else { 0.0 });
            let numeric = (loss(&(x + e), &y) - loss(&(x - e), &y)) / (2.0 * eps);
            assert!(
                (dx[i] - numeric).abs() < 1e-8,
                "x[{i}]: {} vs {numeric}",
                dx[i]
            );
        }
        for i in 0..4 {
            let e = SVector::<f64, 4>::from_fn(|j, _| if i == j { eps } else { 0.0 });
            let numeric = (loss(&x, &(y + e)) - loss(&x, &(y - e))) / (2.0 * eps);
            assert!(
                (dy[i] - numeric).abs() < 1e-8,
                "y[{i}]: {} vs {numeric}",
                dy[i]
            );
        }
    }

    /// `add` of two named sizes that differ is a const assertion in the
    /// spec; the kernel refuses it too, by name, if it is ever reached.
    #[test]
    #[should_panic(expected = "add: a part of 3 values into 4")]
    fn add_part_of_another_length_panics() {
        let mut out = SVector::<f64, 4>::zeros();
        add_part(&SVector::<f64, 3>::zeros(), &mut out);
    }

    #[test]
    #[should_panic(expected = "does not fit")]
    fn concat_part_past_the_end_panics() {
        let mut out = SVector::<f64, 4>::zeros();
        concat_forward_part(&SVector::<f64, 3>::zeros(), 2, &mut out);
    }

    #[cfg(feature = "batch")]
    #[test]
    fn batch_joins_equal_the_per_sample_joins_column_by_column() {
        let mut rng = SplitMix64::new(3);
        for batch in [1, 5, 37] {
            let mut fill = |rows: usize| -> alloc::vec::Vec<f64> {
                (0..rows * batch).map(|_| rng.next_f64() - 0.5).collect()
            };
            let x = Batch::<f64, 3>::from_column_slice(&fill(3));
            let y = Batch::<f64, 3>::from_column_slice(&fill(3));
            let d = Batch::<f64, 6>::from_column_slice(&fill(6));
            let mut sum = Batch::<f64, 3>::zeros(0);
            copy_part_batch(&x, &mut sum);
            add_part_batch(&y, &mut sum);
            let mut cat = Batch::<f64, 6>::zeros(batch);
            concat_forward_part_batch(&x, 0, &mut cat);
            concat_forward_part_batch(&y, 3, &mut cat);
            let mut dy = Batch::<f64, 3>::zeros(0);
            concat_backward_part_batch(&d, 3, &mut dy);
            for j in 0..batch {
                let (xj, yj) = (crate::batch::column(&x, j), crate::batch::column(&y, j));
                let mut s = SVector::<f64, 3>::zeros();
                copy_part(&xj, &mut s);
                add_part(&yj, &mut s);
                assert_eq!(crate::batch::column(&sum, j), s);
                let mut c = SVector::<f64, 6>::zeros();
                concat_forward_part(&xj, 0, &mut c);
                concat_forward_part(&yj, 3, &mut c);
                assert_eq!(crate::batch::column(&cat, j), c);
                let mut g = SVector::<f64, 3>::zeros();
                concat_backward_part(&crate::batch::column(&d, j), 3, &mut g);
                assert_eq!(crate::batch::column(&dy, j), g);
            }
        }
    }
}
