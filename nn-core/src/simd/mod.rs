//! Run-time SIMD dispatch of the per-sample dense kernels (x86-64 with std).
//!
//! A default build targets baseline x86-64 (SSE2: four `f32` lanes, no FMA),
//! so nalgebra's static `gemv`, `ger` and `gemv_tr` run on 128-bit vectors
//! whatever the CPU. These kernels check once which instruction set the CPU
//! has (AVX-512F, else AVX2 with FMA, else none: the caller keeps nalgebra's
//! code) and run the widest. A build with `-C target-cpu=...` takes the same
//! kernels, so its per-sample speed does not depend on how LLVM vectorizes
//! loops for that CPU.
//!
//! The environment variable `NN_SIMD` caps the choice (`avx512`, `avx2` or
//! `none`), read once: for comparing the kernels, or to rule one out.
//!
//! Each function returns `false` when no kernel ran, and the caller then
//! computes the same result with nalgebra.

mod x86;

use std::sync::atomic::{AtomicU8, Ordering};

/// An instruction set the kernels are written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Isa {
    /// Baseline x86-64: the kernels here do not run.
    None = 1,
    /// AVX2 and FMA: 256-bit vectors.
    Avx2 = 2,
    /// AVX-512 Foundation: 512-bit vectors.
    Avx512 = 3,
}

/// The selected [`Isa`], 0 until the first call.
static SELECTED: AtomicU8 = AtomicU8::new(0);

/// The widest instruction set the CPU has, capped by `NN_SIMD`; detected on
/// the first call.
pub(crate) fn isa() -> Isa {
    match SELECTED.load(Ordering::Relaxed) {
        1 => Isa::None,
        2 => Isa::Avx2,
        3 => Isa::Avx512,
        _ => {
            let isa = detect().min(cap());
            SELECTED.store(isa as u8, Ordering::Relaxed);
            isa
        }
    }
}

/// What the CPU supports.
fn detect() -> Isa {
    if std::is_x86_feature_detected!("avx512f") {
        Isa::Avx512
    } else if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        Isa::Avx2
    } else {
        Isa::None
    }
}

/// The cap set by `NN_SIMD` (unset or unknown: no cap).
fn cap() -> Isa {
    match std::env::var("NN_SIMD").as_deref() {
        Ok("none") => Isa::None,
        Ok("avx2") => Isa::Avx2,
        _ => Isa::Avx512,
    }
}

/// The kernels for one scalar type, each running on the selected [`Isa`]
/// with the slice lengths checked first.
macro_rules! dispatch {
    ($t:ident, $avx512:ident, $avx2:ident) => {
        /// The kernels for
        #[doc = concat!("`", stringify!($t), "`.")]
        pub(crate) mod $t {
            use super::{Isa, isa, x86};

            /// `y ← y + W x`, `W` column-major `y.len() × x.len()`.
            pub(crate) fn gemv(w: &[$t], x: &[$t], y: &mut [$t]) -> bool {
                assert_eq!(w.len(), y.len() * x.len(), "gemv: W does not fit x and y");
                // SAFETY: `isa()` detected the kernel's features; the length
                // of `w` was just checked.
                match isa() {
                    Isa::Avx512 => unsafe { x86::$avx512::gemv(w, x, y) },
                    Isa::Avx2 => unsafe { x86::$avx2::gemv(w, x, y) },
                    Isa::None => return false,
                }
                true
            }

            /// `W ← α u xᵀ (+ W when accumulate)`, `W` column-major `u.len() × x.len()`.
            pub(crate) fn ger(
                alpha: $t,
                u: &[$t],
                x: &[$t],
                accumulate: bool,
                w: &mut [$t],
            ) -> bool {
                assert_eq!(w.len(), u.len() * x.len(), "ger: W does not fit u and x");
                // SAFETY: as in `gemv`.
                match isa() {
                    Isa::Avx512 => unsafe { x86::$avx512::ger(alpha, u, x, accumulate, w) },
                    Isa::Avx2 => unsafe { x86::$avx2::ger(alpha, u, x, accumulate, w) },
                    Isa::None => return false,
                }
                true
            }

            /// `y ← Wᵀ u`, `W` column-major `u.len() × y.len()`.
            pub(crate) fn gemv_tr(w: &[$t], u: &[$t], y: &mut [$t]) -> bool {
                assert_eq!(
                    w.len(),
                    u.len() * y.len(),
                    "gemv_tr: W does not fit u and y"
                );
                // The kernel takes `*mut` for its updating form; without an
                // update it only reads.
                let w = w.as_ptr().cast_mut();
                // SAFETY: as in `gemv`; with no update, `w` is never written.
                match isa() {
                    Isa::Avx512 => unsafe { x86::$avx512::gemv_tr(w, u, y, None) },
                    Isa::Avx2 => unsafe { x86::$avx2::gemv_tr(w, u, y, None) },
                    Isa::None => return false,
                }
                true
            }

            /// `y ← Wᵀ u` with the old `W`, then `W ← W + α u xᵀ`, in one pass
            /// over `W` (column-major `u.len() × x.len()`).
            pub(crate) fn gemv_tr_ger(
                w: &mut [$t],
                u: &[$t],
                y: &mut [$t],
                alpha: $t,
                x: &[$t],
            ) -> bool {
                assert!(
                    w.len() == u.len() * x.len() && y.len() == x.len(),
                    "gemv_tr_ger: W does not fit u, x and y"
                );
                let w = w.as_mut_ptr();
                // SAFETY: as in `gemv`; `w` comes from a unique borrow.
                match isa() {
                    Isa::Avx512 => unsafe { x86::$avx512::gemv_tr(w, u, y, Some((alpha, x))) },
                    Isa::Avx2 => unsafe { x86::$avx2::gemv_tr(w, u, y, Some((alpha, x))) },
                    Isa::None => return false,
                }
                true
            }
        }
    };
}

dispatch!(f32, avx512_f32, avx2_f32);
dispatch!(f64, avx512_f64, avx2_f64);

#[cfg(test)]
mod tests {
    //! Every kernel on every instruction set this CPU has, against plain
    //! loops, on shapes that cover full vectors, masked tails, each row-block
    //! width and each column remainder. The matrices sit inside a larger
    //! buffer whose guard values must come out untouched.

    use super::{Isa, detect, x86};

    const ROWS: [usize; 14] = [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 48, 65, 130];
    const COLS: [usize; 9] = [1, 2, 3, 7, 8, 9, 16, 17, 40];
    const GUARD: usize = 20;

    /// Deterministic values in [−1, 1).
    fn values(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 11) as f64 / (1u64 << 52) as f64 - 1.0
            })
            .collect()
    }

    /// `n` values framed by guards of `g`: (buffer, range of the values).
    fn framed(v: &[f64], g: f64) -> (Vec<f64>, core::ops::Range<usize>) {
        let mut b = vec![g; GUARD];
        b.extend_from_slice(v);
        b.extend(core::iter::repeat_n(g, GUARD));
        (b, GUARD..GUARD + v.len())
    }

    fn assert_close(got: &[f64], want: &[f64], what: &str) {
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(
                (g - w).abs() <= 1e-4 * (1.0 + w.abs()),
                "{what}[{i}]: {g} vs {w}"
            );
        }
    }

    fn assert_guards(b: &[f64], r: &core::ops::Range<usize>, g: f64, what: &str) {
        assert!(
            b[..r.start].iter().chain(&b[r.end..]).all(|&v| v == g),
            "{what}: a guard was overwritten"
        );
    }

    /// The four kernels of one instruction set over `f32` (through casts) or
    /// `f64`, as plain function pointers on `f64` buffers.
    macro_rules! check_isa {
        ($module:ident, $t:ty) => {{
            use x86::$module as k;
            let cast = |v: &[f64]| v.iter().map(|&x| x as $t).collect::<Vec<$t>>();
            let back = |v: &[$t]| v.iter().map(|&x| x as f64).collect::<Vec<f64>>();
            for &m in &ROWS {
                for &n in &COLS {
                    let what = format!("{} {m}x{n}", stringify!($module));
                    let w = values(m * n, (m * 100 + n) as u64);
                    let x = values(n, 7 + n as u64);
                    let u = values(m, 11 + m as u64);
                    let y0 = values(m, 13);
                    // gemv: y + W x
                    let want: Vec<f64> = (0..m)
                        .map(|i| y0[i] + (0..n).map(|j| w[j * m + i] * x[j]).sum::<f64>())
                        .collect();
                    let (mut yb, yr) = framed(&y0, 9.0);
                    let mut ybt = cast(&yb);
                    // SAFETY: `detect()` found the features; lengths fit.
                    unsafe { k::gemv(&cast(&w), &cast(&x), &mut ybt[yr.clone()]) };
                    yb = back(&ybt);
                    assert_close(&yb[yr.clone()], &want, &format!("gemv {what}"));
                    assert_guards(&yb, &yr, 9.0, &format!("gemv {what}"));
                    // ger, both forms
                    for accumulate in [false, true] {
                        let want: Vec<f64> = (0..m * n)
                            .map(|e| {
                                0.5 * u[e % m] * x[e / m] + if accumulate { w[e] } else { 0.0 }
                            })
                            .collect();
                        let (wb, wr) = framed(&w, 9.0);
                        let mut wbt = cast(&wb);
                        // SAFETY: as above.
                        unsafe {
                            k::ger(0.5, &cast(&u), &cast(&x), accumulate, &mut wbt[wr.clone()])
                        };
                        let wb = back(&wbt);
                        assert_close(&wb[wr.clone()], &want, &format!("ger({accumulate}) {what}"));
                        assert_guards(&wb, &wr, 9.0, &format!("ger {what}"));
                    }
                    // gemv_tr, alone and with the update
                    let want_y: Vec<f64> = (0..n)
                        .map(|j| (0..m).map(|i| w[j * m + i] * u[i]).sum())
                        .collect();
                    let want_w: Vec<f64> = (0..m * n)
                        .map(|e| w[e] - 0.25 * u[e % m] * x[e / m])
                        .collect();
                    for update in [false, true] {
                        let (wb, wr) = framed(&w, 9.0);
                        let (yb, yr) = framed(&vec![0.0; n], 9.0);
                        let (mut wbt, mut ybt) = (cast(&wb), cast(&yb));
                        let xt = cast(&x);
                        let up = update.then_some((-0.25 as $t, &xt[..]));
                        // SAFETY: as above; `wbt` is uniquely borrowed here.
                        unsafe {
                            k::gemv_tr(
                                wbt[wr.clone()].as_mut_ptr(),
                                &cast(&u),
                                &mut ybt[yr.clone()],
                                up,
                            )
                        };
                        let (wb, yb) = (back(&wbt), back(&ybt));
                        assert_close(
                            &yb[yr.clone()],
                            &want_y,
                            &format!("gemv_tr({update}) {what}"),
                        );
                        assert_guards(&yb, &yr, 9.0, &format!("gemv_tr y {what}"));
                        assert_close(
                            &wb[wr.clone()],
                            if update { &want_w } else { &w },
                            &format!("gemv_tr W {what}"),
                        );
                        assert_guards(&wb, &wr, 9.0, &format!("gemv_tr W {what}"));
                    }
                }
            }
        }};
    }

    #[test]
    fn avx2_kernels_match_plain_loops() {
        if detect() < Isa::Avx2 {
            eprintln!("skipped: this CPU has no AVX2+FMA");
            return;
        }
        check_isa!(avx2_f32, f32);
        check_isa!(avx2_f64, f64);
    }

    #[test]
    fn avx512_kernels_match_plain_loops() {
        if detect() < Isa::Avx512 {
            eprintln!("skipped: this CPU has no AVX-512F");
            return;
        }
        check_isa!(avx512_f32, f32);
        check_isa!(avx512_f64, f64);
    }
}
