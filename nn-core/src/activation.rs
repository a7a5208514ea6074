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

/// `f(z) = z` for `z > 0`, else `α (eᶻ − 1)`; `f′(z) = 1`, else `α eᶻ`
/// (`α` at the kink, as in PyTorch); NaN stays NaN in both.
///
/// `eᶻ − 1` goes through `exp_m1`, exact near 0 where `exp(z) − 1` cancels.
///
/// ```
/// use nn::activation::{Elementwise, Elu};
/// let act = Elu { alpha: 1.0f64 };
/// // 1 − e⁻¹ = 0.6321205588285577 (closed form, Python's math.expm1)
/// assert!((act.f(-1.0) + 0.6321205588285577).abs() < 1e-16);
/// assert!((act.df(-1.0, act.f(-1.0)) - 0.36787944117144233).abs() < 1e-16);
/// assert_eq!((act.f(2.0), act.df(2.0, 2.0)), (2.0, 1.0));
/// assert!(act.f(f64::NAN).is_nan() && act.df(f64::NAN, f64::NAN).is_nan());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Elu<T> {
    /// The scale of the negative branch: `f(z) → −α` as `z → −∞`.
    pub alpha: T,
}

impl<T: Scalar> Elementwise<T> for Elu<T> {
    #[inline(always)]
    fn f(&self, z: T) -> T {
        if z > T::zero() {
            z
        } else {
            self.alpha * z.exp_m1()
        }
    }
    #[inline(always)]
    fn df(&self, z: T, _a: T) -> T {
        if z > T::zero() {
            T::one()
        } else {
            self.alpha * z.exp()
        }
    }
}
elementwise_activation!(Elu<T>, "elu");

/// SELU's scale `λ`, as in PyTorch (Klambauer et al., 2017).
const SELU_LAMBDA: f64 = 1.050_700_987_355_480_5;
/// SELU's `α`, as in PyTorch (Klambauer et al., 2017).
const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;

/// `f(z) = λ z` for `z > 0`, else `λ α (eᶻ − 1)`; `f′(z) = λ`, else
/// `λ α eᶻ` (`λ α` at the kink), with PyTorch's `λ ≈ 1.0507` and
/// `α ≈ 1.6733`; NaN stays NaN in both.
///
/// ```
/// use nn::activation::{Elementwise, Selu};
/// // λ = 1.0507009873554805, λ α (e⁻¹ − 1) = −1.1113307378125625
/// // (closed form, Python's math.expm1)
/// assert_eq!(Selu.f(1.0f64), 1.0507009873554805);
/// assert!((Selu.f(-1.0f64) + 1.1113307378125625).abs() < 1e-15);
/// assert!(Selu.f(f32::NAN).is_nan() && Selu.df(f64::NAN, f64::NAN).is_nan());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Selu;

impl<T: Scalar> Elementwise<T> for Selu {
    #[inline(always)]
    fn f(&self, z: T) -> T {
        let lambda = T::cast_f64(SELU_LAMBDA);
        if z > T::zero() {
            lambda * z
        } else {
            lambda * T::cast_f64(SELU_ALPHA) * z.exp_m1()
        }
    }
    #[inline(always)]
    fn df(&self, z: T, _a: T) -> T {
        let lambda = T::cast_f64(SELU_LAMBDA);
        if z > T::zero() {
            lambda
        } else {
            lambda * T::cast_f64(SELU_ALPHA) * z.exp()
        }
    }
}
elementwise_activation!(Selu, "selu");

/// `f(z) = z Φ(z) = ½ z (1 + erf(z/√2))`, `f′(z) = Φ(z) + z φ(z)`, where
/// `Φ` and `φ = e^{−z²/2}/√(2π)` are the standard normal CDF and density:
/// the exact GELU, PyTorch's default (not its `tanh` approximation).
///
/// `Φ(z)` is computed as `½ erfc(−z/√2)`, the same number without the
/// cancellation in `1 + erf` for negative `z` ([`Scalar::erfc`], about
/// 1 ulp), so the tails stay accurate relative to their size.
///
/// ```
/// use nn::activation::{Elementwise, Gelu};
/// // ½ (1 + erf(1/√2)) = 0.8413447460685429 (Python's math.erf; PyTorch
/// // prints gelu(1.0) = 0.8413)
/// assert!((Gelu.f(1.0f64) - 0.8413447460685429).abs() < 1e-15);
/// assert!((Gelu.f(-1.0f64) + 0.15865525393145707).abs() < 1e-15);
/// assert_eq!((Gelu.f(0.0f64), Gelu.df(0.0f64, 0.0)), (0.0, 0.5));
/// assert!(Gelu.f(f32::NAN).is_nan() && Gelu.df(f64::NAN, f64::NAN).is_nan());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Gelu;

/// `Φ(z) = ½ erfc(−z/√2)`, the standard normal CDF.
#[inline]
fn normal_cdf<T: Scalar>(z: T) -> T {
    T::cast_f64(0.5) * (-z * T::cast_f64(core::f64::consts::FRAC_1_SQRT_2)).erfc()
}

impl<T: Scalar> Elementwise<T> for Gelu {
    #[inline(always)]
    fn f(&self, z: T) -> T {
        z * normal_cdf(z)
    }
    #[inline(always)]
    fn df(&self, z: T, _a: T) -> T {
        // 1/√(2π)
        let density = T::cast_f64(0.398_942_280_401_432_7) * (-z * z * T::cast_f64(0.5)).exp();
        normal_cdf(z) + z * density
    }
}
elementwise_activation!(Gelu, "gelu");

/// `f(z) = z σ(z)`, `f′(z) = σ(z) (1 + z (1 − σ(z)))`, with the logistic
/// `σ` of [`Sigmoid`] (so no `exp` overflows); also called swish.
///
/// ```
/// use nn::activation::{Elementwise, Silu};
/// // 1 / (1 + e⁻¹) = 0.7310585786300049 (closed form, Python's math.exp)
/// assert!((Silu.f(1.0f64) - 0.7310585786300049).abs() < 1e-15);
/// assert_eq!((Silu.f(0.0f64), Silu.df(0.0f64, 0.0)), (0.0, 0.5));
/// assert!(Silu.f(-1000.0f32) == 0.0 && Silu.f(1000.0f32) == 1000.0);
/// assert!(Silu.f(f32::NAN).is_nan() && Silu.df(f64::NAN, f64::NAN).is_nan());
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

/// `f(z) = ln(1 + eᶻ)`, `f′(z) = σ(z)`.
///
/// Evaluated as `z + ln(1 + e⁻ᶻ)` for positive `z`, so no `exp` overflows:
/// `f(1000) = 1000`, exactly, where PyTorch switches to `z` above 20; NaN
/// stays NaN in both.
///
/// ```
/// use nn::activation::{Elementwise, Softplus};
/// // ln(1 + e) = 1.3132616875182228 (closed form, Python's math.log1p)
/// assert!((Softplus.f(1.0f64) - 1.3132616875182228).abs() < 1e-15);
/// assert_eq!((Softplus.f(1000.0f32), Softplus.f(-1000.0f32)), (1000.0, 0.0));
/// assert_eq!(Softplus.df(0.0f64, core::f64::consts::LN_2), 0.5);
/// assert!(Softplus.f(f32::NAN).is_nan() && Softplus.df(f64::NAN, f64::NAN).is_nan());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Softplus;

impl<T: Scalar> Elementwise<T> for Softplus {
    #[inline(always)]
    fn f(&self, z: T) -> T {
        if z > T::zero() {
            z + (-z).exp().ln_1p()
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
    let n = z.len().min(a.len());
    a[..n].copy_from_slice(&z[..n]);
    softmax_in_place(&mut a[..n])
}

/// `v ← softmax(v)`, returning `ln Σⱼ e^{vⱼ}` of the input: the one
/// implementation behind [`softmax_into`] and [`Softmax`].
#[inline]
fn softmax_in_place<T: Scalar>(v: &mut [T]) -> T {
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
        softmax_in_place(v);
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

    /// `(f(z + h) − f(z − h)) / 2h` in `f64`.
    fn central_difference(f: impl Fn(f64) -> f64, z: f64) -> f64 {
        let h = 1e-5;
        (f(z + h) - f(z - h)) / (2.0 * h)
    }

    /// `df` of each new activation against central differences; for ELU and
    /// SELU not at 0, where a derivative (the first, or for ELU with α = 1
    /// the second) jumps and the difference quotient is off by O(h); their
    /// `df(0)` is the left derivative, checked exactly below.
    #[test]
    fn new_activations_df_matches_central_differences() {
        let grid = [
            0.0, 1e-3, -1e-3, 0.1, -0.1, 0.5, -0.5, 1.0, -1.0, 2.5, -2.5, 6.0, -6.0, 20.0, -20.0,
            40.0, -40.0,
        ];
        fn check<A: Elementwise<f64>>(act: A, grid: &[f64], skip_zero: bool) {
            for &z in grid {
                if skip_zero && z == 0.0 {
                    continue;
                }
                let numeric = central_difference(|z| act.f(z), z);
                let analytic = act.df(z, act.f(z));
                let err = crate::gradcheck::relative_error(analytic, numeric);
                assert!(
                    err < 1e-6,
                    "{act:?} at z = {z}: df = {analytic}, central difference = {numeric}"
                );
            }
        }
        check(Elu { alpha: 1.0 }, &grid, true);
        check(Elu { alpha: 0.3 }, &grid, true);
        check(Selu, &grid, true);
        check(Gelu, &grid, false);
        check(Silu, &grid, false);
        check(Softplus, &grid, false);
        assert_eq!(Elu { alpha: 0.3f64 }.df(0.0, 0.0), 0.3);
        assert_eq!(Selu.df(0.0f64, 0.0), SELU_LAMBDA * SELU_ALPHA);
    }

    /// Expected values: mpmath at 40 digits on the closed forms, rounded to
    /// `f64`: `0.5*z*(1+erf(z/sqrt(2)))`, `z/(1+exp(-z))`, `log(1+exp(z))`,
    /// `expm1(z)` for ELU with α = 1, and SELU with PyTorch's constants
    /// `1.0507009873554804934193349852946` and
    /// `1.6732632423543772848170429916717`.
    #[test]
    fn new_activations_match_independent_values() {
        let close = |a: f64, b: f64| (a - b).abs() <= 4.0 * f64::EPSILON * b.abs().max(1.0);
        #[rustfmt::skip]
        let cases: [(f64, f64, f64, f64, f64); 4] = [
            // (z, gelu, silu, softplus, selu)
            (-3.0, -0.0040496940948902835, -0.14227761953270035, 0.04858735157374206, -1.670568728767112),
            (-0.5, -0.15426876936299344, -0.18877033439907273, 0.4740769841801067, -0.6917581878028713),
            (0.5, 0.34573123063700656, 0.3112296656009273, 0.9740769841801067, 0.5253504936777402),
            (3.0, 2.99595030590511, 2.8577223804672998, 3.048587351573742, 3.1521029620664414),
        ];
        for (z, gelu, silu, softplus, selu) in cases {
            assert!(close(Gelu.f(z), gelu), "gelu({z}) = {}", Gelu.f(z));
            assert!(close(Silu.f(z), silu), "silu({z}) = {}", Silu.f(z));
            assert!(
                close(Softplus.f(z), softplus),
                "softplus({z}) = {}",
                Softplus.f(z)
            );
            assert!(close(Selu.f(z), selu), "selu({z}) = {}", Selu.f(z));
        }
        assert!(close(Elu { alpha: 1.0 }.f(-3.0), -0.950212931632136));
        // f32 agrees to its own precision.
        assert!((Gelu.f(-3.0f32) + 0.004_049_694).abs() < 1e-8);
        // No overflow at the extremes.
        for z in [-1000.0f64, 1000.0] {
            for v in [
                Gelu.f(z),
                Silu.f(z),
                Softplus.f(z),
                Selu.f(z),
                Elu { alpha: 1.0 }.f(z),
            ] {
                assert!(v.is_finite(), "{v} at {z}");
            }
            for v in [
                Gelu.df(z, 0.0),
                Silu.df(z, 0.0),
                Softplus.df(z, 0.0),
                Selu.df(z, 0.0),
            ] {
                assert!(v.is_finite(), "{v} at {z}");
            }
        }
    }

    #[test]
    fn new_activations_propagate_nan() {
        let nan = f64::NAN;
        let elu = Elu { alpha: 1.0 };
        for v in [
            elu.f(nan),
            Selu.f(nan),
            Gelu.f(nan),
            Silu.f(nan),
            Softplus.f(nan),
        ] {
            assert!(v.is_nan());
        }
        for v in [
            elu.df(nan, nan),
            Selu.df(nan, nan),
            Gelu.df(nan, nan),
            Silu.df(nan, nan),
            Softplus.df(nan, nan),
        ] {
            assert!(v.is_nan());
        }
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
