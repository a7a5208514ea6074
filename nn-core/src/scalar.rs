//! The floating-point types a network can be built on.

use core::fmt::{Debug, Display};

use nalgebra::RealField;

/// What only this crate may call or implement: `Scalar` has it as a
/// supertrait, so users can neither implement `Scalar` nor name these methods.
pub(crate) mod sealed {
    /// The crate-private part of [`Scalar`](super::Scalar).
    pub trait Sealed: Kernels {
        /// `C ← α A B + β C` through `matrixmultiply` (see [`crate::batch`]);
        /// every argument already checked by the caller.
        ///
        /// Not nalgebra's own `gemm`: it reaches matrixmultiply only when
        /// every dimension exceeds 5 (a batch of 5 or a layer of 3 outputs
        /// falls back to its column loop), and its `gemm_tr`, the `Aᵀ B` of
        /// every backward pass, never does; matrixmultiply takes a transpose
        /// as swapped strides, for any size.
        ///
        /// # Safety
        /// For `A` (`m × k`, strides `rsa, csa`) every element `i·rsa + l·csa` is
        /// inside `a`, likewise for `B` (`k × n`) in `b`. `C` (`m × n`) is
        /// column-major with column stride `ldc ≥ m`: every element
        /// `c + i + j·ldc` (`i < m`, `j < n`) is valid for reads and writes,
        /// and no other code reads or writes those elements during the call
        /// (they overlap neither `a` nor `b`).
        #[cfg(feature = "batch")]
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
            c: *mut Self,
            ldc: usize,
        );
    }

    /// The per-sample dense kernels of [`crate::layer`] on the widest SIMD
    /// the CPU has (`crate::simd`, x86-64 with the `simd` feature). Each
    /// returns `false` when no kernel ran (another CPU or target, or a CPU
    /// without AVX2+FMA), and the caller computes the same with nalgebra.
    /// Matrices are column-major slices; the lengths are checked.
    pub trait Kernels: Sized {
        /// `y ← y + W x`, `W` of `y.len() × x.len()`.
        fn simd_gemv(w: &[Self], x: &[Self], y: &mut [Self]) -> bool {
            let _ = (w, x, y);
            false
        }
        /// `W ← α u xᵀ`, plus the old `W` when `accumulate`.
        fn simd_ger(alpha: Self, u: &[Self], x: &[Self], accumulate: bool, w: &mut [Self]) -> bool {
            let _ = (alpha, u, x, accumulate, w);
            false
        }
        /// `y ← Wᵀ u`, `W` of `u.len() × y.len()`.
        fn simd_gemv_tr(w: &[Self], u: &[Self], y: &mut [Self]) -> bool {
            let _ = (w, u, y);
            false
        }
        /// `y ← Wᵀ u` with the old `W`, then `W ← W + α u xᵀ`, in one pass.
        fn simd_gemv_tr_ger(
            w: &mut [Self],
            u: &[Self],
            y: &mut [Self],
            alpha: Self,
            x: &[Self],
        ) -> bool {
            let _ = (w, u, y, alpha, x);
            false
        }
    }

    /// Implements [`Kernels`] for one float type with the `crate::simd`
    /// module of that type, or keeps the defaults (nalgebra) where there is none.
    macro_rules! kernels_impl {
        ($t:ident) => {
            #[cfg(all(feature = "simd", target_arch = "x86_64"))]
            impl Kernels for $t {
                fn simd_gemv(w: &[Self], x: &[Self], y: &mut [Self]) -> bool {
                    crate::simd::$t::gemv(w, x, y)
                }
                fn simd_ger(
                    alpha: Self,
                    u: &[Self],
                    x: &[Self],
                    accumulate: bool,
                    w: &mut [Self],
                ) -> bool {
                    crate::simd::$t::ger(alpha, u, x, accumulate, w)
                }
                fn simd_gemv_tr(w: &[Self], u: &[Self], y: &mut [Self]) -> bool {
                    crate::simd::$t::gemv_tr(w, u, y)
                }
                fn simd_gemv_tr_ger(
                    w: &mut [Self],
                    u: &[Self],
                    y: &mut [Self],
                    alpha: Self,
                    x: &[Self],
                ) -> bool {
                    crate::simd::$t::gemv_tr_ger(w, u, y, alpha, x)
                }
            }
            #[cfg(not(all(feature = "simd", target_arch = "x86_64")))]
            impl Kernels for $t {}
        };
    }
    kernels_impl!(f32);
    kernels_impl!(f64);

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
                c: *mut Self,
                ldc: usize,
            ) {
                // SAFETY: the caller guarantees (see the trait's `# Safety`) that
                // every element of A and B that matrixmultiply reads lies inside
                // `a` and `b`, and that every element of C (strides 1 and
                // `ldc ≥ m`, which never alias) is valid, overlaps neither, and
                // is accessed by no one else during the call.
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
                        c,
                        1,
                        ldc as isize,
                    )
                }
            }
        };
    }

    impl Sealed for f32 {
        gemm_impl!(matrixmultiply::sgemm);
    }
    impl Sealed for f64 {
        gemm_impl!(matrixmultiply::dgemm);
    }
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
    /// The error function `erf x = 2/√π ∫₀ˣ e^{−t²} dt`, which
    /// [`RealField`] lacks: `libm`'s port of FreeBSD's `s_erf.c`, accurate
    /// to about 1 ulp.
    ///
    /// ```
    /// use nn::Scalar;
    /// assert!((Scalar::erf(0.5f64) - 0.5204998778130465).abs() < 1e-16);
    /// ```
    fn erf(self) -> Self;
    /// The complementary error function `erfc x = 1 − erf x`, accurate where
    /// `1 − erf x` would cancel (large positive `x`).
    ///
    /// ```
    /// use nn::Scalar;
    /// assert!((Scalar::erfc(5.0f64) - 1.5374597944280351e-12).abs() < 1e-26);
    /// ```
    fn erfc(self) -> Self;
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
    #[inline]
    fn erf(self) -> Self {
        libm::erff(self)
    }
    #[inline]
    fn erfc(self) -> Self {
        libm::erfcf(self)
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
    #[inline]
    fn erf(self) -> Self {
        libm::erf(self)
    }
    #[inline]
    fn erfc(self) -> Self {
        libm::erfc(self)
    }
}
