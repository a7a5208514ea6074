//! The machine's limit: one core's peak FMA throughput, f32 and f64.
//!
//! Twelve independent chains of `x ← x·m + a` over the widest vectors the
//! CPU has, chosen at run time: 512-bit with AVX-512F (sixteen f32 or eight
//! f64 lanes), else 256-bit with AVX2 and FMA (eight or four lanes), else the
//! same chains as separate multiplies and adds on eight or four lanes. Current
//! cores issue two FMAs per cycle with a latency of four, so at least eight
//! independent chains keep both pipes busy, and twelve accumulators plus the
//! two constants still fit the sixteen `ymm` (or thirty-two `zmm`) registers.

use std::hint::black_box;

/// Independent accumulator chains per kernel.
pub const CHAINS: usize = 12;

/// Floating-point operations (an FMA counts as 2) in one call with `iters`
/// iterations, for `lanes` elements per vector.
pub fn flops(iters: usize, lanes: usize) -> f64 {
    (iters * CHAINS * lanes * 2) as f64
}

/// The widest FMA this CPU has, as the kernels below pick it: its name and
/// its lanes of f32 (f64 has half as many).
pub fn widest() -> (&'static str, usize) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return ("AVX-512F, 512-bit FMA", 16);
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return ("AVX2+FMA, 256-bit FMA", 8);
        }
    }
    ("no FMA: 256-bit worth of separate multiplies and adds", 8)
}

macro_rules! peak_kernel {
    ($name:ident, $fallback:ident, $avx:ident, $t:ty, $lanes:literal,
     $set1:ident, $fmadd:ident, $add:ident, $vec:ty, $sum:ident,
     $avx512:ident, $set1_512:ident, $fmadd_512:ident, $add_512:ident, $vec_512:ty, $sum_512:ident) => {
        /// `iters` rounds of `CHAINS` vector fused multiply-adds; returns a
        /// sum of every lane of every accumulator, so that none of the work is dead.
        pub fn $name(iters: usize) -> $t {
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: `$avx512` requires only the `avx512f` target
                    // feature it is compiled with, just detected on this CPU.
                    return unsafe { $avx512(iters) };
                }
                if std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
                {
                    // SAFETY: `$avx` is a safe function whose only requirement
                    // is that the CPU supports the `avx2` and `fma` target
                    // features it is compiled with; both were just detected
                    // at run time on this CPU.
                    return unsafe { $avx(iters) };
                }
            }
            $fallback(iters)
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        fn $avx(iters: usize) -> $t {
            use std::arch::x86_64::*;
            let m = $set1(black_box(0.999_9));
            let a = $set1(black_box(1.0e-4));
            let mut acc: [$vec; CHAINS] = [$set1(black_box(1.0)); CHAINS];
            for _ in 0..iters {
                for x in acc.iter_mut() {
                    *x = $fmadd(*x, m, a);
                }
            }
            let total = acc.iter().fold($set1(0.0), |s, &x| $add(s, x));
            $sum(total)
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f")]
        fn $avx512(iters: usize) -> $t {
            use std::arch::x86_64::*;
            let m = $set1_512(black_box(0.999_9));
            let a = $set1_512(black_box(1.0e-4));
            let mut acc: [$vec_512; CHAINS] = [$set1_512(black_box(1.0)); CHAINS];
            for _ in 0..iters {
                for x in acc.iter_mut() {
                    *x = $fmadd_512(*x, m, a);
                }
            }
            let total = acc.iter().fold($set1_512(0.0), |s, &x| $add_512(s, x));
            $sum_512(total)
        }

        fn $fallback(iters: usize) -> $t {
            let m: $t = black_box(0.999_9);
            let a: $t = black_box(1.0e-4);
            let mut acc = [[black_box(1.0 as $t); $lanes]; CHAINS];
            for _ in 0..iters {
                for chain in acc.iter_mut() {
                    for x in chain.iter_mut() {
                        *x = *x * m + a;
                    }
                }
            }
            acc.iter().flatten().sum()
        }
    };
}

/// The sum of the eight lanes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn sum_ps(v: std::arch::x86_64::__m256) -> f32 {
    use std::arch::x86_64::*;
    let q = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
    let q = _mm_hadd_ps(q, q);
    _mm_cvtss_f32(_mm_hadd_ps(q, q))
}

/// The sum of the four lanes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn sum_pd(v: std::arch::x86_64::__m256d) -> f64 {
    use std::arch::x86_64::*;
    let q = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
    _mm_cvtsd_f64(_mm_hadd_pd(q, q))
}

peak_kernel!(
    fma_f32,
    plain_f32,
    fma_f32_avx2,
    f32,
    8,
    _mm256_set1_ps,
    _mm256_fmadd_ps,
    _mm256_add_ps,
    __m256,
    sum_ps,
    fma_f32_avx512,
    _mm512_set1_ps,
    _mm512_fmadd_ps,
    _mm512_add_ps,
    __m512,
    _mm512_reduce_add_ps
);
peak_kernel!(
    fma_f64,
    plain_f64,
    fma_f64_avx2,
    f64,
    4,
    _mm256_set1_pd,
    _mm256_fmadd_pd,
    _mm256_add_pd,
    __m256d,
    sum_pd,
    fma_f64_avx512,
    _mm512_set1_pd,
    _mm512_fmadd_pd,
    _mm512_add_pd,
    __m512d,
    _mm512_reduce_add_pd
);
