//! The machine's limit: one core's peak FMA throughput, f32 and f64.
//!
//! Twelve independent chains of `x ← x·m + a` over 256-bit vectors (eight
//! f32 or four f64 lanes each, `std::arch` AVX2/FMA intrinsics): Zen 3 issues two FMAs per cycle with a latency of four,
//! so at least eight independent chains keep both pipes busy, and twelve
//! accumulators plus the two constants still fit the sixteen `ymm` registers.
//! The AVX2+FMA kernel is chosen at run time; without those features the
//! same chains run as separate multiplies and adds.

use std::hint::black_box;

/// Independent accumulator chains per kernel.
pub const CHAINS: usize = 12;

/// Floating-point operations (an FMA counts as 2) in one call with `iters`
/// iterations, for `lanes` elements per 256-bit vector.
pub fn flops(iters: usize, lanes: usize) -> f64 {
    (iters * CHAINS * lanes * 2) as f64
}

macro_rules! peak_kernel {
    ($name:ident, $fallback:ident, $avx:ident, $t:ty, $lanes:literal,
     $set1:ident, $fmadd:ident, $add:ident, $vec:ty, $sum:ident) => {
        /// `iters` rounds of `CHAINS` vector fused multiply-adds; returns a
        /// sum of every lane of every accumulator, so that none of the work is dead.
        pub fn $name(iters: usize) -> $t {
            #[cfg(target_arch = "x86_64")]
            {
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
    sum_ps
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
    sum_pd
);
