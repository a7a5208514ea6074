//! Activation functions σ, each with its derivative, applied to a layer's
//! pre-activation `z` to give its activation `a = σ(z)`.
//!
//! Elementwise activations give `f(z)` and `f′(z)` as scalar functions
//! ([`Elementwise`]); every activation, softmax included, works on whole
//! columns through [`Activation`], whose `backward` is a vector–Jacobian
//! product (never a full Jacobian).

use crate::Scalar;

/// An activation applied to a column of pre-activations.
///
/// `forward` writes `a = σ(z)`; `backward` turns `dL/da` into `dL/dz`, given
/// both `z` and `a` (whichever makes the derivative cheaper to compute).
///
/// ```
/// use nn::activation::{Activation, Relu};
/// let z = [-1.0f32, 2.0];
/// let mut a = [0.0; 2];
/// Relu.forward(&z, &mut a);
/// assert_eq!(a, [0.0, 2.0]);
/// let mut dz = [0.0; 2];
/// Relu.backward(&z, &a, &[5.0, 5.0], &mut dz);
/// assert_eq!(dz, [0.0, 5.0]);
/// ```
pub trait Activation<T: Scalar>: Copy + core::fmt::Debug {
    /// The name used in a `network!` spec (`"relu"`).
    const NAME: &'static str;
    /// `a = σ(z)`; both slices have the layer's width.
    fn forward(&self, z: &[T], a: &mut [T]);
    /// `dz = (∂a/∂z)ᵀ · da`, the vector–Jacobian product.
    fn backward(&self, z: &[T], a: &[T], da: &[T], dz: &mut [T]);
    /// `v ← σ(v)`, for inference, where `z` need not be kept.
    fn forward_in_place(&self, v: &mut [T]);
}

/// An activation that acts on each element alone: `aᵢ = f(zᵢ)`.
///
/// ```
/// use nn::activation::{Elementwise, Sigmoid};
/// assert_eq!(Sigmoid.f(0.0f64), 0.5);
/// assert_eq!(Sigmoid.df(0.0f64, 0.5), 0.25);
/// ```
pub trait Elementwise<T: Scalar>: Copy + core::fmt::Debug {
    /// `f(z)`.
    fn f(&self, z: T) -> T;
    /// `f′(z)`, given `z` and `a = f(z)`.
    fn df(&self, z: T, a: T) -> T;
}

macro_rules! elementwise_activation {
    ($ty:ty, $name:literal) => {
        impl<T: Scalar> Activation<T> for $ty {
            const NAME: &'static str = $name;
            #[inline]
            fn forward(&self, z: &[T], a: &mut [T]) {
                for (a, &z) in a.iter_mut().zip(z) {
                    *a = self.f(z);
                }
            }
            #[inline]
            fn backward(&self, z: &[T], a: &[T], da: &[T], dz: &mut [T]) {
                for (((dz, &z), &a), &da) in dz.iter_mut().zip(z).zip(a).zip(da) {
                    *dz = da * self.df(z, a);
                }
            }
            #[inline]
            fn forward_in_place(&self, v: &mut [T]) {
                for v in v.iter_mut() {
                    *v = self.f(*v);
                }
            }
        }
    };
}

/// `f(z) = z`, `f′(z) = 1`: the output layer of a regression net, or logits.
///
/// ```
/// use nn::activation::{Elementwise, Identity};
/// assert_eq!((Identity.f(-3.0f32), Identity.df(-3.0f32, -3.0)), (-3.0, 1.0));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Identity;

impl<T: Scalar> Elementwise<T> for Identity {
    #[inline(always)]
    fn f(&self, z: T) -> T {
        z
    }
    #[inline(always)]
    fn df(&self, _z: T, _a: T) -> T {
        T::one()
    }
}
elementwise_activation!(Identity, "identity");

/// `f(z) = 1 / (1 + e⁻ᶻ)`, `f′(z) = f(z)(1 − f(z))`.
///
/// Evaluated as `eᶻ / (1 + eᶻ)` for negative `z`, so no `exp` overflows:
/// `f(−50)` and `f(50)` are finite.
///
/// ```
/// use nn::activation::{Elementwise, Sigmoid};
/// assert!((Sigmoid.f(2.0f64) - 0.8807970779778823).abs() < 1e-15);
/// assert!(Sigmoid.f(-1000.0f32) >= 0.0 && Sigmoid.f(1000.0f32) <= 1.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sigmoid;

/// The numerically safe logistic function shared by [`Sigmoid`] and the fused
/// binary cross-entropy.
#[inline]
pub fn sigmoid<T: Scalar>(z: T) -> T {
    if z >= T::zero() {
        T::one() / (T::one() + (-z).exp())
    } else {
        let e = z.exp();
        e / (T::one() + e)
    }
}

impl<T: Scalar> Elementwise<T> for Sigmoid {
    #[inline(always)]
    fn f(&self, z: T) -> T {
        sigmoid(z)
    }
    #[inline(always)]
    fn df(&self, _z: T, a: T) -> T {
        a * (T::one() - a)
    }
}
elementwise_activation!(Sigmoid, "sigmoid");

/// `f(z) = tanh z`, `f′(z) = 1 − tanh² z`.
///
/// ```
/// use nn::activation::{Elementwise, Tanh};
/// assert_eq!(Tanh.f(50.0f32), 1.0);
/// assert_eq!(Tanh.df(0.0f64, 0.0), 1.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tanh;

impl<T: Scalar> Elementwise<T> for Tanh {
    #[inline(always)]
    fn f(&self, z: T) -> T {
        z.tanh()
    }
    #[inline(always)]
    fn df(&self, _z: T, a: T) -> T {
        T::one() - a * a
    }
}
elementwise_activation!(Tanh, "tanh");

/// `f(z) = max(0, z)`, `f′(z) = 1` for `z > 0`, else `0` (the subgradient 0 at the kink);
/// NaN stays NaN in both, as in PyTorch.
///
/// ```
/// use nn::activation::{Elementwise, Relu};
/// assert_eq!((Relu.f(-2.0f32), Relu.f(3.0f32)), (0.0, 3.0));
/// assert_eq!((Relu.df(0.0f32, 0.0), Relu.df(3.0f32, 3.0)), (0.0, 1.0));
/// assert!(Relu.f(f32::NAN).is_nan() && Relu.df(f64::NAN, f64::NAN).is_nan());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Relu;

// `z <= 0` is false for NaN: the comparisons are written so that a NaN input
// reaches the loss and is reported, rather than being mapped to 0 and
// training on silently.
impl<T: Scalar> Elementwise<T> for Relu {
    #[inline(always)]
    fn f(&self, z: T) -> T {
        if z <= T::zero() { T::zero() } else { z }
    }
    #[inline(always)]
    fn df(&self, z: T, _a: T) -> T {
        if z > T::zero() {
            T::one()
        } else if z <= T::zero() {
            T::zero()
        } else {
            z
        }
    }
}
elementwise_activation!(Relu, "relu");

/// `f(z) = z` for `z > 0`, else `α z`; `f′(z) = 1` or `α` (`α` at the kink);
/// NaN stays NaN in both.
///
/// ```
/// use nn::activation::{Elementwise, LeakyRelu};
/// let act = LeakyRelu { alpha: 0.1f64 };
/// assert_eq!((act.f(-2.0), act.df(-2.0, -0.2)), (-0.2, 0.1));
/// assert!(act.f(f64::NAN).is_nan() && act.df(f64::NAN, f64::NAN).is_nan());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LeakyRelu<T> {
    /// The slope for negative inputs.
    pub alpha: T,
}

impl<T: Scalar> Elementwise<T> for LeakyRelu<T> {
    #[inline(always)]
    fn f(&self, z: T) -> T {
        if z > T::zero() { z } else { self.alpha * z }
    }
    #[inline(always)]
    fn df(&self, z: T, _a: T) -> T {
        if z > T::zero() {
            T::one()
        } else if z <= T::zero() {
            self.alpha
        } else {
            z
        }
    }
}
elementwise_activation!(LeakyRelu<T>, "leaky_relu");

/// `f(z) = z` for `z > 0`, else `α (e^z − 1)`; `f′(z) = 1` or `a + α`.
///
/// ```
/// use nn::activation::{Elementwise, Elu};
/// let act = Elu { alpha: 1.0f64 };
/// assert_eq!((act.f(2.0), act.df(2.0, 2.0)), (2.0, 1.0));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Elu<T> {
    /// The value approached for very negative inputs is `−α`.
    pub alpha: T,
}

impl<T: Scalar> Elementwise<T> for Elu<T> {
    #[inline(always)]
    fn f(&self, z: T) -> T {
        if z > T::zero() {
            z
        } else {
            self.alpha * (z.exp() - T::one())
        }
    }
    #[inline(always)]
    fn df(&self, z: T, a: T) -> T {
        if z > T::zero() {
            T::one()
        } else {
            a + self.alpha
        }
    }
}
elementwise_activation!(Elu<T>, "elu");

/// SELU: `λ z` for `z > 0`, else `λ α (e^z − 1)`, with PyTorch's `λ` and `α`.
///
/// ```
/// use nn::activation::{Elementwise, Selu};
/// assert_eq!(Selu.f(0.0f64), 0.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Selu;

impl<T: Scalar> Elementwise<T> for Selu {
    #[inline(always)]
    fn f(&self, z: T) -> T {
        let (scale, alpha) = selu_constants::<T>();
        if z > T::zero() {
            scale * z
        } else {
            scale * alpha * (z.exp() - T::one())
        }
    }
    #[inline(always)]
    fn df(&self, z: T, a: T) -> T {
        let (scale, alpha) = selu_constants::<T>();
        if z > T::zero() {
            scale
        } else {
            a + scale * alpha
        }
    }
}
elementwise_activation!(Selu, "selu");

fn selu_constants<T: Scalar>() -> (T, T) {
    (
        T::cast_f64(1.050_700_987_355_480_5),
        T::cast_f64(1.673_263_242_354_377_3),
    )
}

/// GELU, the exact form: `f(z) = z Φ(z)`, `f′(z) = Φ(z) + z φ(z)`.
///
/// ```
/// use nn::activation::{Elementwise, Gelu};
/// assert_eq!(Gelu.f(0.0f64), 0.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Gelu;

/// `erf(x)`, Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7).
fn erf<T: Scalar>(x: T) -> T {
    let c = T::cast_f64;
    let t = T::one() / (T::one() + c(0.327_591_1) * x.abs());
    let poly = t
        * (c(0.254_829_592)
            + t * (c(-0.284_496_736)
                + t * (c(1.421_413_741) + t * (c(-1.453_152_027) + t * c(1.061_405_429)))));
    let y = T::one() - poly * (-x * x).exp();
    if x < T::zero() { -y } else { y }
}

impl<T: Scalar> Elementwise<T> for Gelu {
    #[inline(always)]
    fn f(&self, z: T) -> T {
        let half = T::cast_f64(0.5);
        z * half * (T::one() + erf(z * T::cast_f64(core::f64::consts::FRAC_1_SQRT_2)))
    }
    #[inline(always)]
    fn df(&self, z: T, _a: T) -> T {
        let half = T::cast_f64(0.5);
        let cdf = half * (T::one() + erf(z * T::cast_f64(core::f64::consts::FRAC_1_SQRT_2)));
        let pdf = (-half * z * z).exp() * T::cast_f64(0.398_942_280_401_432_7);
        cdf + z * pdf
    }
}
elementwise_activation!(Gelu, "gelu");

/// SiLU (swish): `f(z) = z σ(z)`, `f′(z) = σ(z) (1 + z (1 − σ(z)))`.
///
/// ```
/// use nn::activation::{Elementwise, Silu};
/// assert_eq!(Silu.f(0.0f64), 0.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Silu;

impl<T: Scalar> Elementwise<T> for Silu {
    #[inline(always)]
    fn f(&self, z: T) -> T {
        z * sigmoid(z)
    }
    #[inline(always)]
    fn df(&self, z: T, _a: T) -> T {
        let s = sigmoid(z);
        s * (T::one() + z * (T::one() - s))
    }
}
elementwise_activation!(Silu, "silu");

/// Softplus: `f(z) = ln(1 + e^z)` (`z` itself above 20), `f′(z) = σ(z)`.
///
/// ```
/// use nn::activation::{Elementwise, Softplus};
/// assert_eq!(Softplus.f(30.0f64), 30.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Softplus;

impl<T: Scalar> Elementwise<T> for Softplus {
    #[inline(always)]
    fn f(&self, z: T) -> T {
        if z > T::cast_f64(20.0) {
            z
        } else {
            z.exp().ln_1p()
        }
    }
    #[inline(always)]
    fn df(&self, z: T, _a: T) -> T {
        sigmoid(z)
    }
}
elementwise_activation!(Softplus, "softplus");

/// `aᵢ = e^{zᵢ} / Σⱼ e^{zⱼ}`, computed after subtracting `max z` so that no
/// `exp` overflows. Its backward is the vector–Jacobian product
/// `dzᵢ = aᵢ (daᵢ − Σⱼ aⱼ daⱼ)`; the `N × N` Jacobian is never formed.
/// `network!` allows it on the output layer only.
///
/// ```
/// use nn::activation::{Activation, Softmax};
/// let mut a = [0.0f64; 2];
/// Softmax.forward(&[1000.0, 1000.0], &mut a);
/// assert_eq!(a, [0.5, 0.5]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Softmax;

/// Writes `softmax(z)` into `a` (log-sum-exp stable) and returns
/// `ln Σⱼ e^{zⱼ}`.
#[inline]
pub fn softmax_into<T: Scalar>(z: &[T], a: &mut [T]) -> T {
    let max = z
        .iter()
        .copied()
        .reduce(|m, v| if v > m { v } else { m })
        .unwrap_or_else(T::zero);
    let mut sum = T::zero();
    for (a, &z) in a.iter_mut().zip(z) {
        *a = (z - max).exp();
        sum += *a;
    }
    let inv = T::one() / sum;
    for a in a.iter_mut() {
        *a *= inv;
    }
    max + sum.ln()
}

impl<T: Scalar> Activation<T> for Softmax {
    const NAME: &'static str = "softmax";
    #[inline]
    fn forward(&self, z: &[T], a: &mut [T]) {
        softmax_into(z, a);
    }
    #[inline]
    fn forward_in_place(&self, v: &mut [T]) {
        let max = v
            .iter()
            .copied()
            .reduce(|m, x| if x > m { x } else { m })
            .unwrap_or_else(T::zero);
        let mut sum = T::zero();
        for x in v.iter_mut() {
            *x = (*x - max).exp();
            sum += *x;
        }
        let inv = T::one() / sum;
        for x in v.iter_mut() {
            *x *= inv;
        }
    }
    #[inline]
    fn backward(&self, _z: &[T], a: &[T], da: &[T], dz: &mut [T]) {
        let dot = a.iter().zip(da).fold(T::zero(), |s, (&a, &d)| s + a * d);
        for ((dz, &a), &da) in dz.iter_mut().zip(a).zip(da) {
            *dz = a * (da - dot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_and_tanh_are_finite_at_extremes() {
        for z in [-50.0f64, 50.0, -1000.0, 1000.0] {
            assert!(Sigmoid.f(z).is_finite());
            assert!(Tanh.f(z).is_finite());
            assert!(Sigmoid.f(z as f32).is_finite());
        }
        assert!(Sigmoid.f(-50.0f64) > 0.0);
        assert!(Sigmoid.f(50.0f64) <= 1.0);
    }

    #[test]
    fn relu_family_propagates_nan_forward_and_backward() {
        let relu = Relu;
        let leaky = LeakyRelu { alpha: 0.01f32 };
        let z = [f32::NAN, -1.0, 2.0];
        let (mut a, mut b) = ([0.0; 3], [0.0; 3]);
        relu.forward(&z, &mut a);
        leaky.forward(&z, &mut b);
        assert!(a[0].is_nan() && a[1..] == [0.0, 2.0], "{a:?}");
        assert!(b[0].is_nan() && b[1..] == [-0.01, 2.0], "{b:?}");
        let mut dz = [0.0; 3];
        relu.backward(&z, &[f32::NAN, 0.0, 2.0], &[1.0; 3], &mut dz);
        assert!(dz[0].is_nan() && dz[1] == 0.0 && dz[2] == 1.0, "{dz:?}");
        leaky.backward(&z, &[f32::NAN, -0.01, 2.0], &[1.0; 3], &mut dz);
        assert!(dz[0].is_nan() && dz[1] == 0.01 && dz[2] == 1.0, "{dz:?}");
        let mut v = z;
        relu.forward_in_place(&mut v);
        assert!(v[0].is_nan() && v[1] == 0.0);
    }

    #[test]
    fn softmax_is_stable_and_sums_to_one() {
        let mut a = [0.0f32; 3];
        let lse = softmax_into(&[1000.0f32, -1000.0, 0.0], &mut a);
        assert!(a.iter().all(|v| v.is_finite()));
        assert!((a.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert_eq!(lse, 1000.0);
    }
}
