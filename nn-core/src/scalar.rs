//! The floating-point types a network can be built on.

use core::fmt::{Debug, Display};

use nalgebra::RealField;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point scalar that networks are generic over: `f32` or `f64`.
///
/// All math goes through [`nalgebra::RealField`], so the same code runs with
/// `std` and on `no_std` targets (through `libm`). The trait is sealed: every
/// implementor is an IEEE-754 binary float whose all-zero bit pattern is `0.0`.
///
/// ```
/// use nn_core::Scalar;
/// assert_eq!(f32::cast_f64(0.25), 0.25f32);
/// assert_eq!(<f64 as Scalar>::NAME, "f64");
/// ```
pub trait Scalar:
    RealField + Copy + Default + Debug + Display + Send + Sync + sealed::Sealed + 'static
{
    /// The type's name, as Rust spells it (`"f32"`, `"f64"`).
    const NAME: &'static str;
    /// The IEEE-754 dtype tag used by weight files (`"F32"`, `"F64"`).
    const DTYPE: &'static str;
    /// Converts from `f64`, rounding to nearest.
    fn cast_f64(x: f64) -> Self;
    /// Converts to `f64` (exact for both `f32` and `f64`).
    fn into_f64(self) -> f64;
}

impl Scalar for f32 {
    const NAME: &'static str = "f32";
    const DTYPE: &'static str = "F32";
    #[inline(always)]
    fn cast_f64(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn into_f64(self) -> f64 {
        self as f64
    }
}

impl Scalar for f64 {
    const NAME: &'static str = "f64";
    const DTYPE: &'static str = "F64";
    #[inline(always)]
    fn cast_f64(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn into_f64(self) -> f64 {
        self
    }
}
