//! Loss functions with their gradients.
//!
//! A loss compares a network's output with a target and gives a scalar. Each
//! implements [`Loss`] for every target type it accepts: a vector
//! (`SVector<T, N>`) for regression, a [`ClassLabel`] or a probability
//! distribution for classification. `grad` writes `dL/d(output)` and returns
//! the value, so the two are computed together.
//!
//! [`SoftmaxCrossEntropy`] and [`BinaryCrossEntropy`] are *fused*: they take
//! the logits `z` of the output layer (not its activation), which keeps them
//! finite for logits of ±1000; `network!` hands them `z` whatever the output
//! activation is.

use nalgebra::SVector;

use crate::{ClassLabel, Scalar, activation::sigmoid, activation::softmax_into};

/// A loss `L(output, target)` and its gradient with respect to the output.
///
/// `N` is the output width; `Y` the target type.
///
/// ```
/// use nn::loss::{Loss, SquaredError};
/// use nn::nalgebra::SVector;
/// let out = SVector::<f64, 2>::new(1.0, 3.0);
/// let y = SVector::<f64, 2>::new(0.0, 1.0);
/// let mut g = SVector::zeros();
/// assert_eq!(SquaredError.grad(&out, &y, &mut g), 5.0);
/// assert_eq!(g, SVector::<f64, 2>::new(2.0, 4.0));
/// ```
#[diagnostic::on_unimplemented(
    message = "the loss `{Self}` does not accept a target of type `{Y}` for {N} outputs",
    label = "this target type does not fit the network's loss"
)]
pub trait Loss<T: Scalar, const N: usize, Y: ?Sized> {
    /// `L(out, y)`. By default computed through [`Loss::grad`] into a
    /// scratch vector on the stack; losses with a cheaper value override it.
    fn value(&self, out: &SVector<T, N>, y: &Y) -> T {
        let mut scratch = SVector::<T, N>::zeros();
        self.grad(out, y, &mut scratch)
    }
    /// Writes `dL/d(out)` into `grad` and returns `L(out, y)`.
    fn grad(&self, out: &SVector<T, N>, y: &Y, grad: &mut SVector<T, N>) -> T;
}

/// A fused loss written on the activation it fuses: `dL/da` for the output
/// layer's `a = softmax(z)` ([`SoftmaxCrossEntropy`], `L = −Σᵢ yᵢ ln aᵢ`,
/// `∂L/∂aᵢ = −yᵢ/aᵢ`) or `a = σ(z)` ([`BinaryCrossEntropy`],
/// `∂L/∂a = −y/a + (1 − y)/(1 − a)`). Training never needs it (δ = dL/dz
/// comes from the logits, see [`Loss::grad`]); the batch trace reports it as
/// the output layer's `da`. A term whose target weight is 0 contributes 0;
/// where `a` rounds to 0 (or `1 − a` does) under a nonzero weight, the
/// value is infinite.
///
/// ```
/// use nn::loss::{FusedLoss, SoftmaxCrossEntropy};
/// use nn::{ClassLabel, nalgebra::Vector2};
/// let a = Vector2::new(0.25f64, 0.75);
/// let mut da = Vector2::zeros();
/// SoftmaxCrossEntropy.activation_grad(&a, &ClassLabel::new(1).unwrap(), &mut da);
/// assert_eq!(da, Vector2::new(0.0, -1.0 / 0.75));
/// ```
#[diagnostic::on_unimplemented(
    message = "the loss `{Self}` does not accept a target of type `{Y}` for {N} outputs",
    label = "this target type does not fit the network's loss"
)]
pub trait FusedLoss<T: Scalar, const N: usize, Y: ?Sized>: Loss<T, N, Y> {
    /// Writes `dL/da` into `da`, for the output activation `a`.
    fn activation_grad(&self, a: &SVector<T, N>, y: &Y, da: &mut SVector<T, N>);
}

/// `−y/a`, or 0 where `y` is 0 (whatever `a` is: `0 · ln 0` counts as 0).
#[inline]
fn neg_ratio<T: Scalar>(y: T, a: T) -> T {
    if y == T::zero() { T::zero() } else { -y / a }
}

impl<T: Scalar, const N: usize> FusedLoss<T, N, SVector<T, N>> for SoftmaxCrossEntropy {
    #[inline]
    fn activation_grad(&self, a: &SVector<T, N>, y: &SVector<T, N>, da: &mut SVector<T, N>) {
        for ((d, &a), &y) in da.iter_mut().zip(a.iter()).zip(y.iter()) {
            *d = neg_ratio(y, a);
        }
    }
}

impl<T: Scalar, const N: usize> FusedLoss<T, N, ClassLabel<N>> for SoftmaxCrossEntropy {
    #[inline]
    fn activation_grad(&self, a: &SVector<T, N>, y: &ClassLabel<N>, da: &mut SVector<T, N>) {
        da.fill(T::zero());
        da[y.index()] = neg_ratio(T::one(), a[y.index()]);
    }
}

impl<T: Scalar> FusedLoss<T, 1, SVector<T, 1>> for BinaryCrossEntropy {
    #[inline]
    fn activation_grad(&self, a: &SVector<T, 1>, y: &SVector<T, 1>, da: &mut SVector<T, 1>) {
        let (a, y) = (a[0], y[0]);
        da[0] = neg_ratio(y, a) - neg_ratio(T::one() - y, T::one() - a);
    }
}

impl<T: Scalar> FusedLoss<T, 1, ClassLabel<2>> for BinaryCrossEntropy {
    #[inline]
    fn activation_grad(&self, a: &SVector<T, 1>, y: &ClassLabel<2>, da: &mut SVector<T, 1>) {
        let y = SVector::<T, 1>::new(T::cast_f64(y.index() as f64));
        self.activation_grad(a, &y, da);
    }
}

/// A loss's name as written in a `network!` spec.
pub trait LossName {
    /// The spec name (`"huber"`).
    const NAME: &'static str;
    /// Whether the loss takes the output layer's logits `z` rather than its
    /// activation `a` (softmax and binary cross-entropy, fused).
    const ON_LOGITS: bool = false;
}

/// `L = Σᵢ (aᵢ − yᵢ)²`, `∂L/∂aᵢ = 2(aᵢ − yᵢ)` (a sum, not a mean).
///
/// ```
/// use nn::loss::{Loss, SquaredError};
/// use nn::nalgebra::Vector1;
/// assert_eq!(SquaredError.value(&Vector1::new(3.0f32), &Vector1::new(1.0)), 4.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SquaredError;

/// `L = (1/N) Σᵢ (aᵢ − yᵢ)²`, `∂L/∂aᵢ = 2(aᵢ − yᵢ)/N`.
///
/// ```
/// use nn::loss::{Loss, MeanSquaredError};
/// use nn::nalgebra::Vector2;
/// assert_eq!(MeanSquaredError.value(&Vector2::new(3.0f32, 1.0), &Vector2::new(1.0, 1.0)), 2.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MeanSquaredError;

/// `L = Σᵢ |aᵢ − yᵢ|`, `∂L/∂aᵢ = sign(aᵢ − yᵢ)` (0 where `aᵢ = yᵢ`).
///
/// ```
/// use nn::loss::{AbsoluteError, Loss};
/// use nn::nalgebra::Vector2;
/// assert_eq!(AbsoluteError.value(&Vector2::new(3.0f32, -1.0), &Vector2::new(1.0, 1.0)), 4.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AbsoluteError;

/// Huber loss: per element, `½r²` for `|r| ≤ δ`, else `δ(|r| − ½δ)`, with
/// `r = aᵢ − yᵢ`; summed. `∂L/∂aᵢ = clamp(r, −δ, δ)`.
///
/// ```
/// use nn::loss::{Huber, Loss};
/// use nn::nalgebra::Vector2;
/// let h = Huber { delta: 1.0f64 };
/// assert_eq!(h.value(&Vector2::new(0.5, 3.0), &Vector2::new(0.0, 0.0)), 0.125 + 2.5);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Huber<T> {
    /// Where the loss turns from quadratic to linear; positive.
    pub delta: T,
}

/// Softmax fused with cross-entropy, on logits `z`:
/// `L = ln Σⱼ e^{zⱼ} − Σᵢ yᵢ zᵢ` (for a distribution `y`, which should sum to 1),
/// `∂L/∂zᵢ = softmax(z)ᵢ · Σⱼ yⱼ − yᵢ`. A [`ClassLabel`] `c` is the one-hot `y = e_c`.
/// Log-sum-exp stable: finite for logits of ±1000.
///
/// ```
/// use nn::loss::{Loss, SoftmaxCrossEntropy};
/// use nn::{ClassLabel, nalgebra::Vector2};
/// let z = Vector2::new(1000.0f64, -1000.0);
/// assert_eq!(SoftmaxCrossEntropy.value(&z, &ClassLabel::new(0).unwrap()), 0.0);
/// assert_eq!(SoftmaxCrossEntropy.value(&z, &ClassLabel::new(1).unwrap()), 2000.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SoftmaxCrossEntropy;

/// Binary cross-entropy fused with a sigmoid, on one logit `z` and a target
/// `y ∈ [0, 1]`: `L = −y ln σ(z) − (1 − y) ln(1 − σ(z))`, evaluated as
/// `max(z, 0) − z y + ln(1 + e^{−|z|})`; `∂L/∂z = σ(z) − y`.
///
/// ```
/// use nn::loss::{BinaryCrossEntropy, Loss};
/// use nn::nalgebra::Vector1;
/// let l = BinaryCrossEntropy.value(&Vector1::new(0.0f64), &Vector1::new(1.0));
/// assert!((l - 2f64.ln()).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BinaryCrossEntropy;

/// The lecture's one-vs-all hinge loss: `L = Σᵢ max(0, δ − bᵢ aᵢ)`, with
/// `bᵢ = +1` for the true class and `−1` otherwise (a [`ClassLabel`]), or `b`
/// given as a vector of ±1. `∂L/∂aᵢ = −bᵢ` where the margin is violated
/// (`δ − bᵢaᵢ > 0`), else 0 (0 at the kink).
///
/// ```
/// use nn::loss::{Hinge, Loss};
/// use nn::{ClassLabel, nalgebra::Vector2};
/// let h = Hinge { delta: 1.0f32 };
/// // b = (+1, −1): max(0, 1 − 0.5) + max(0, 1 − 2) = 0.5
/// assert_eq!(h.value(&Vector2::new(0.5, -2.0), &ClassLabel::new(0).unwrap()), 0.5);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Hinge<T> {
    /// The margin δ.
    pub delta: T,
}

/// The multiclass margin hinge loss: `L = Σ_{i≠c} max(0, δ − a_c + aᵢ)` for
/// true class `c`. Each violated margin adds `+1` to `∂L/∂aᵢ` and `−1` to
/// `∂L/∂a_c` (0 at the kink).
///
/// ```
/// use nn::loss::{Loss, MulticlassHinge};
/// use nn::{ClassLabel, nalgebra::Vector3};
/// let h = MulticlassHinge { delta: 1.0f64 };
/// let a = Vector3::new(2.0, 1.5, -1.0);
/// assert_eq!(h.value(&a, &ClassLabel::new(0).unwrap()), 0.5);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MulticlassHinge<T> {
    /// The margin δ.
    pub delta: T,
}

impl LossName for SquaredError {
    const NAME: &'static str = "squared_error";
}
impl LossName for MeanSquaredError {
    const NAME: &'static str = "mean_squared_error";
}
impl LossName for AbsoluteError {
    const NAME: &'static str = "absolute_error";
}
impl<T> LossName for Huber<T> {
    const NAME: &'static str = "huber";
}
impl LossName for SoftmaxCrossEntropy {
    const NAME: &'static str = "softmax_cross_entropy";
    const ON_LOGITS: bool = true;
}
impl LossName for BinaryCrossEntropy {
    const NAME: &'static str = "binary_cross_entropy";
    const ON_LOGITS: bool = true;
}
impl<T> LossName for Hinge<T> {
    const NAME: &'static str = "hinge";
}
impl<T> LossName for MulticlassHinge<T> {
    const NAME: &'static str = "multiclass_hinge";
}

/// Sums `per(aᵢ, yᵢ) -> (loss, grad)` over the elements.
#[inline]
fn elementwise<T: Scalar, const N: usize>(
    out: &SVector<T, N>,
    y: &SVector<T, N>,
    grad: &mut SVector<T, N>,
    per: impl Fn(T, T) -> (T, T),
) -> T {
    let mut total = T::zero();
    for ((g, &a), &y) in grad.iter_mut().zip(out.iter()).zip(y.iter()) {
        let (l, d) = per(a, y);
        total += l;
        *g = d;
    }
    total
}

impl<T: Scalar, const N: usize> Loss<T, N, SVector<T, N>> for SquaredError {
    #[inline]
    fn value(&self, out: &SVector<T, N>, y: &SVector<T, N>) -> T {
        out.iter()
            .zip(y.iter())
            .fold(T::zero(), |s, (&a, &y)| s + (a - y) * (a - y))
    }
    #[inline]
    fn grad(&self, out: &SVector<T, N>, y: &SVector<T, N>, grad: &mut SVector<T, N>) -> T {
        let two = T::one() + T::one();
        elementwise(out, y, grad, |a, y| ((a - y) * (a - y), two * (a - y)))
    }
}

impl<T: Scalar, const N: usize> Loss<T, N, SVector<T, N>> for MeanSquaredError {
    #[inline]
    fn value(&self, out: &SVector<T, N>, y: &SVector<T, N>) -> T {
        SquaredError.value(out, y) / T::cast_f64(N as f64)
    }
    #[inline]
    fn grad(&self, out: &SVector<T, N>, y: &SVector<T, N>, grad: &mut SVector<T, N>) -> T {
        let n = T::cast_f64(N as f64);
        let two_n = (T::one() + T::one()) / n;
        elementwise(out, y, grad, |a, y| {
            ((a - y) * (a - y) / n, two_n * (a - y))
        })
    }
}

impl<T: Scalar, const N: usize> Loss<T, N, SVector<T, N>> for AbsoluteError {
    #[inline]
    fn value(&self, out: &SVector<T, N>, y: &SVector<T, N>) -> T {
        out.iter()
            .zip(y.iter())
            .fold(T::zero(), |s, (&a, &y)| s + (a - y).abs())
    }
    #[inline]
    fn grad(&self, out: &SVector<T, N>, y: &SVector<T, N>, grad: &mut SVector<T, N>) -> T {
        elementwise(out, y, grad, |a, y| {
            let r = a - y;
            let s = if r > T::zero() {
                T::one()
            } else if r < T::zero() {
                -T::one()
            } else {
                T::zero()
            };
            (r.abs(), s)
        })
    }
}

impl<T: Scalar, const N: usize> Loss<T, N, SVector<T, N>> for Huber<T> {
    #[inline]
    fn grad(&self, out: &SVector<T, N>, y: &SVector<T, N>, grad: &mut SVector<T, N>) -> T {
        let d = self.delta;
        let half = T::cast_f64(0.5);
        elementwise(out, y, grad, |a, y| {
            let r = a - y;
            if r.abs() <= d {
                (half * r * r, r)
            } else if r > T::zero() {
                (d * (r - half * d), d)
            } else {
                (d * (-r - half * d), -d)
            }
        })
    }
}

impl<T: Scalar, const N: usize> Loss<T, N, SVector<T, N>> for SoftmaxCrossEntropy {
    #[inline]
    fn grad(&self, z: &SVector<T, N>, y: &SVector<T, N>, grad: &mut SVector<T, N>) -> T {
        let lse = softmax_into(z.as_slice(), grad.as_mut_slice());
        let mut mass = T::zero();
        let mut dot = T::zero();
        for (&y, &z) in y.iter().zip(z.iter()) {
            mass += y;
            dot += y * z;
        }
        for (g, &y) in grad.iter_mut().zip(y.iter()) {
            *g = *g * mass - y;
        }
        lse * mass - dot
    }
}

impl<T: Scalar, const N: usize> Loss<T, N, ClassLabel<N>> for SoftmaxCrossEntropy {
    #[inline]
    fn grad(&self, z: &SVector<T, N>, y: &ClassLabel<N>, grad: &mut SVector<T, N>) -> T {
        let lse = softmax_into(z.as_slice(), grad.as_mut_slice());
        grad[y.index()] -= T::one();
        lse - z[y.index()]
    }
}

impl<T: Scalar> Loss<T, 1, SVector<T, 1>> for BinaryCrossEntropy {
    #[inline]
    fn value(&self, z: &SVector<T, 1>, y: &SVector<T, 1>) -> T {
        let (z, y) = (z[0], y[0]);
        let pos = if z > T::zero() { z } else { T::zero() };
        pos - z * y + (T::one() + (-z.abs()).exp()).ln()
    }
    #[inline]
    fn grad(&self, z: &SVector<T, 1>, y: &SVector<T, 1>, grad: &mut SVector<T, 1>) -> T {
        grad[0] = sigmoid(z[0]) - y[0];
        self.value(z, y)
    }
}

impl<T: Scalar> Loss<T, 1, ClassLabel<2>> for BinaryCrossEntropy {
    #[inline]
    fn value(&self, z: &SVector<T, 1>, y: &ClassLabel<2>) -> T {
        self.value(z, &SVector::<T, 1>::new(T::cast_f64(y.index() as f64)))
    }
    #[inline]
    fn grad(&self, z: &SVector<T, 1>, y: &ClassLabel<2>, grad: &mut SVector<T, 1>) -> T {
        self.grad(
            z,
            &SVector::<T, 1>::new(T::cast_f64(y.index() as f64)),
            grad,
        )
    }
}

impl<T: Scalar, const N: usize> Loss<T, N, SVector<T, N>> for Hinge<T> {
    #[inline]
    fn grad(&self, out: &SVector<T, N>, b: &SVector<T, N>, grad: &mut SVector<T, N>) -> T {
        let d = self.delta;
        elementwise(out, b, grad, |a, b| {
            let margin = d - b * a;
            if margin > T::zero() {
                (margin, -b)
            } else {
                (T::zero(), T::zero())
            }
        })
    }
}

impl<T: Scalar, const N: usize> Loss<T, N, ClassLabel<N>> for Hinge<T> {
    #[inline]
    fn grad(&self, out: &SVector<T, N>, y: &ClassLabel<N>, grad: &mut SVector<T, N>) -> T {
        let b = SVector::<T, N>::from_fn(|i, _| if i == y.index() { T::one() } else { -T::one() });
        self.grad(out, &b, grad)
    }
}

impl<T: Scalar, const N: usize> Loss<T, N, ClassLabel<N>> for MulticlassHinge<T> {
    #[inline]
    fn grad(&self, out: &SVector<T, N>, y: &ClassLabel<N>, grad: &mut SVector<T, N>) -> T {
        let c = y.index();
        let mut total = T::zero();
        grad.fill(T::zero());
        for i in 0..N {
            if i == c {
                continue;
            }
            let margin = self.delta - out[c] + out[i];
            if margin > T::zero() {
                total += margin;
                grad[i] += T::one();
                grad[c] -= T::one();
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::Vector3;

    #[test]
    fn softmax_cross_entropy_is_finite_at_extreme_logits() {
        let z = Vector3::new(1000.0f32, -1000.0, 0.0);
        for c in 0..3 {
            let mut g = Vector3::zeros();
            let l = SoftmaxCrossEntropy.grad(&z, &ClassLabel::new(c).unwrap(), &mut g);
            assert!(l.is_finite() && g.iter().all(|v| v.is_finite()));
        }
        let y = Vector3::new(0.2f32, 0.3, 0.5);
        let mut g = Vector3::zeros();
        let l = SoftmaxCrossEntropy.grad(&z, &y, &mut g);
        assert!(l.is_finite() && g.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn class_label_and_one_hot_agree() {
        let z = Vector3::new(0.3f64, -1.2, 2.0);
        let (mut g1, mut g2) = (Vector3::zeros(), Vector3::zeros());
        let l1 = SoftmaxCrossEntropy.grad(&z, &ClassLabel::new(2).unwrap(), &mut g1);
        let l2 = SoftmaxCrossEntropy.grad(&z, &Vector3::new(0.0, 0.0, 1.0), &mut g2);
        assert!((l1 - l2).abs() < 1e-15);
        assert!((g1 - g2).norm() < 1e-15);
        let h = Hinge { delta: 1.0 };
        let l3 = h.value(&z, &ClassLabel::new(1).unwrap());
        let l4 = h.value(&z, &Vector3::new(-1.0, 1.0, -1.0));
        assert_eq!(l3, l4);
    }
}
