//! The weight-streaming bound of batch-1 work: how long one core takes just
//! to read a network's parameters (inference), and to read and write them
//! back (the SGD update), for a buffer of exactly that size.
//!
//! Per-sample inference must read every weight once, so `read` of the
//! parameter bytes is a floor for `forward1`; a per-sample training step must
//! read every weight (forward) and read and write it again (the update, which
//! also yields `Wᵀδ` from the same pass), so `read + update` is a floor for
//! `train1`. Both kernels use the widest vectors the CPU has (as
//! [`crate::peak`]), eight independent accumulators for the read, and run on
//! a buffer that stays in cache between calls, as the weights do in the
//! workloads.

/// The two streaming kernels for a scalar type.
pub trait Stream: Sized {
    /// The sum of `buf`, read once.
    fn read(buf: &[Self]) -> Self;
    /// `buf ← buf·m + a`, every value read and written once.
    fn update(buf: &mut [Self], m: Self, a: Self);
}

impl Stream for f32 {
    fn read(buf: &[f32]) -> f32 {
        self::f32::read(buf)
    }
    fn update(buf: &mut [f32], m: f32, a: f32) {
        self::f32::update(buf, m, a)
    }
}

impl Stream for f64 {
    fn read(buf: &[f64]) -> f64 {
        self::f64::read(buf)
    }
    fn update(buf: &mut [f64], m: f64, a: f64) {
        self::f64::update(buf, m, a)
    }
}

/// A buffer of `n` values whose first value starts a 64-byte cache line.
pub struct Aligned<T> {
    lines: Vec<Line>,
    n: usize,
    _values: std::marker::PhantomData<T>,
}

/// One cache line of storage.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([u8; 64]);

impl<T: bytemuck::Pod> Aligned<T> {
    /// `n` copies of `value`.
    pub fn new(n: usize, value: T) -> Self {
        let bytes = n * std::mem::size_of::<T>();
        let mut b = Self {
            lines: vec![Line([0; 64]); bytes.div_ceil(64)],
            n,
            _values: std::marker::PhantomData,
        };
        b.as_mut_slice().fill(value);
        b
    }

    /// The values.
    pub fn as_slice(&self) -> &[T] {
        &bytemuck::cast_slice(bytemuck::cast_slice::<Line, u8>(&self.lines))[..self.n]
    }

    /// The values, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut bytemuck::cast_slice_mut(bytemuck::cast_slice_mut::<Line, u8>(&mut self.lines))
            [..self.n]
    }
}

// SAFETY: `Line` is 64 plain bytes with no padding (size 64, align 64), so
// every bit pattern is valid and it may be viewed as bytes.
unsafe impl bytemuck::Zeroable for Line {}
// SAFETY: as above; `Copy`, `repr(C)`, no padding, no pointers.
unsafe impl bytemuck::Pod for Line {}

/// Parameters of a dense chain with these layer widths (weights and biases).
pub fn params(sizes: &[usize]) -> usize {
    sizes.windows(2).map(|w| w[0] * w[1] + w[1]).sum()
}

macro_rules! stream_kernels {
    ($read:ident, $update:ident, $t:ty, $lanes512:literal, $lanes256:literal,
     $load512:ident, $add512:ident, $zero512:ident, $sum512:ident, $fma512:ident, $set512:ident, $store512:ident,
     $load256:ident, $add256:ident, $zero256:ident, $fma256:ident, $set256:ident, $store256:ident, $v256:ty) => {
        /// The sum of `buf` (read once), on the widest vectors.
        pub fn $read(buf: &[$t]) -> $t {
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: needs only `avx512f`, just detected.
                    return unsafe { read512(buf) };
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: needs only `avx2`, just detected.
                    return unsafe { read256(buf) };
                }
            }
            buf.iter().sum()
        }

        /// `buf ← buf·m + a` (every value read and written once), on the widest vectors.
        pub fn $update(buf: &mut [$t], m: $t, a: $t) {
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: needs only `avx512f`, just detected.
                    return unsafe { update512(buf, m, a) };
                }
                if std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
                {
                    // SAFETY: needs only `avx2` and `fma`, just detected.
                    return unsafe { update256(buf, m, a) };
                }
            }
            for v in buf {
                *v = *v * m + a;
            }
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f")]
        fn read512(buf: &[$t]) -> $t {
            use std::arch::x86_64::*;
            let mut acc = [$zero512(); 8];
            let blocks = buf.chunks_exact(8 * $lanes512);
            let rest = blocks.remainder();
            for block in blocks {
                for (k, acc) in acc.iter_mut().enumerate() {
                    // SAFETY: `block` holds 8 vectors; vector `k` is in it.
                    *acc = $add512(*acc, unsafe { $load512(block.as_ptr().add(k * $lanes512)) });
                }
            }
            let total = acc.iter().fold($zero512(), |s, &v| $add512(s, v));
            $sum512(total) + rest.iter().sum::<$t>()
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f")]
        fn update512(buf: &mut [$t], m: $t, a: $t) {
            use std::arch::x86_64::*;
            let (mv, av) = ($set512(m), $set512(a));
            let mut blocks = buf.chunks_exact_mut($lanes512);
            for v in &mut blocks {
                // SAFETY: `v` holds one vector of `$lanes512` values.
                unsafe { $store512(v.as_mut_ptr(), $fma512($load512(v.as_ptr()), mv, av)) };
            }
            for v in blocks.into_remainder() {
                *v = *v * m + a;
            }
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2")]
        fn read256(buf: &[$t]) -> $t {
            use std::arch::x86_64::*;
            let mut acc = [$zero256(); 8];
            let blocks = buf.chunks_exact(8 * $lanes256);
            let rest = blocks.remainder();
            for block in blocks {
                for (k, acc) in acc.iter_mut().enumerate() {
                    // SAFETY: `block` holds 8 vectors; vector `k` is in it.
                    *acc = $add256(*acc, unsafe { $load256(block.as_ptr().add(k * $lanes256)) });
                }
            }
            let total = acc.iter().fold($zero256(), |s, &v| $add256(s, v));
            // SAFETY: `total` is one vector of `$lanes256` values.
            let lanes: [$t; $lanes256] =
                unsafe { std::mem::transmute::<$v256, [$t; $lanes256]>(total) };
            lanes.iter().sum::<$t>() + rest.iter().sum::<$t>()
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        fn update256(buf: &mut [$t], m: $t, a: $t) {
            use std::arch::x86_64::*;
            let (mv, av) = ($set256(m), $set256(a));
            let mut blocks = buf.chunks_exact_mut($lanes256);
            for v in &mut blocks {
                // SAFETY: `v` holds one vector of `$lanes256` values.
                unsafe { $store256(v.as_mut_ptr(), $fma256($load256(v.as_ptr()), mv, av)) };
            }
            for v in blocks.into_remainder() {
                *v = *v * m + a;
            }
        }
    };
}

/// `f32` buffers.
pub mod f32 {
    stream_kernels!(
        read,
        update,
        f32,
        16,
        8,
        _mm512_loadu_ps,
        _mm512_add_ps,
        _mm512_setzero_ps,
        _mm512_reduce_add_ps,
        _mm512_fmadd_ps,
        _mm512_set1_ps,
        _mm512_storeu_ps,
        _mm256_loadu_ps,
        _mm256_add_ps,
        _mm256_setzero_ps,
        _mm256_fmadd_ps,
        _mm256_set1_ps,
        _mm256_storeu_ps,
        __m256
    );
}

/// `f64` buffers.
pub mod f64 {
    stream_kernels!(
        read,
        update,
        f64,
        8,
        4,
        _mm512_loadu_pd,
        _mm512_add_pd,
        _mm512_setzero_pd,
        _mm512_reduce_add_pd,
        _mm512_fmadd_pd,
        _mm512_set1_pd,
        _mm512_storeu_pd,
        _mm256_loadu_pd,
        _mm256_add_pd,
        _mm256_setzero_pd,
        _mm256_fmadd_pd,
        _mm256_set1_pd,
        _mm256_storeu_pd,
        __m256d
    );
}
