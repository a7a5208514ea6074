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
/// use nn::Scalar;
/// assert_eq!(f32::cast_f64(0.25), 0.25f32);
/// assert_eq!(<f64 as Scalar>::NAME, "f64");
/// ```
pub trait Scalar:
    RealField + bytemuck::Pod + Default + Debug + Display + Send + Sync + sealed::Sealed + 'static
{
    /// The type's name, as Rust spells it (`"f32"`, `"f64"`).
    const NAME: &'static str;
    /// The IEEE-754 dtype tag used by weight files (`"F32"`, `"F64"`).
    const DTYPE: &'static str;
    /// Converts from `f64`, rounding to nearest.
    fn cast_f64(x: f64) -> Self;
    /// Converts to `f64` (exact for both `f32` and `f64`).
    fn into_f64(self) -> f64;

    /// `C ← α A B + β C` through `matrixmultiply` (see [`crate::batch`]);
    /// every argument already checked by the caller.
    ///
    /// # Safety
    /// For `A` (`m × k`, strides `rsa, csa`) every element `i·rsa + l·csa` is
    /// inside `a`, likewise for `B` (`k × n`) in `b`, and `C` (`m × n`) is
    /// exactly `c`, column-major and contiguous.
    #[cfg(feature = "batch")]
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments, reason = "the BLAS signature")]
    unsafe fn gemm_unchecked(
        m: usize,
        k: usize,
        n: usize,
        alpha: Self,
        a: &[Self],
        rsa: usize,
        csa: usize,
        b: &[Self],
        rsb: usize,
        csb: usize,
        beta: Self,
        c: &mut [Self],
    );
}

/// Implements `gemm_unchecked` for one float type with one `matrixmultiply` routine.
macro_rules! gemm_impl {
    ($routine:path) => {
        #[cfg(feature = "batch")]
        unsafe fn gemm_unchecked(
            m: usize,
            k: usize,
            n: usize,
            alpha: Self,
            a: &[Self],
            rsa: usize,
            csa: usize,
            b: &[Self],
            rsb: usize,
            csb: usize,
            beta: Self,
            c: &mut [Self],
        ) {
            // SAFETY: the caller guarantees (see the trait's `# Safety`) that
            // every element of A and B that matrixmultiply reads lies inside
            // `a` and `b`, and that C is the contiguous column-major `c`
            // (strides 1 and m, which never alias). `c` is a unique borrow, so
            // it overlaps neither `a` nor `b`.
            unsafe {
                $routine(
                    m,
                    k,
                    n,
                    alpha,
                    a.as_ptr(),
                    rsa as isize,
                    csa as isize,
                    b.as_ptr(),
                    rsb as isize,
                    csb as isize,
                    beta,
                    c.as_mut_ptr(),
                    1,
                    m as isize,
                )
            }
        }
    };
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
    gemm_impl!(matrixmultiply::sgemm);
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
    gemm_impl!(matrixmultiply::dgemm);
}
