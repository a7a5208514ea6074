//! The per-sample dense kernels for x86-64 with AVX2+FMA and with AVX-512,
//! for `f32` and `f64`.
//!
//! Each of the four modules below defines the same handful of vector
//! operations (`load`, `store`, `fma`, ...) for its instruction set and lane
//! type, and [`kernels!`] writes the kernels once over those names. Every
//! function carries `#[target_feature]`, so it is `unsafe` to call: the
//! caller ([`super`]) must have detected the features at run time.
//!
//! Matrices are nalgebra's: column-major, `rows × cols`, column `j` at
//! `w[j·rows..(j+1)·rows]`. A column is cut into vectors of `L` lanes; the
//! last vector of a column whose length is not a multiple of `L` is read and
//! written with a lane mask, so no kernel touches memory past its slices.

/// The kernels over one module's vector operations: `V` (the vector type),
/// `L` (lanes), `T` (the scalar), `zero`, `splat`, `load`, `store`,
/// `load_n`/`store_n` (the first `n < L` lanes only), `fma`, `mul`, `add`,
/// `hsum`.
///
/// Safety of every kernel: the caller has detected the module's target
/// features, and the slice lengths satisfy the kernel's `# Safety` line
/// (checked by [`super`] before the call). Every pointer below is then
/// derived from a slice and offset by less than its length: a column offset
/// `j·rows + i` with `j < cols` and `i < rows`, and a full vector at `i`
/// only when `i + L ≤ rows`; partial vectors go through the masked forms.
macro_rules! kernels {
    ($feature:literal) => {
        /// `y ← y + W x` for `W` of `y.len() × x.len()`.
        ///
        /// Rows are taken in blocks of up to four vectors; within a block
        /// the columns are spread over `K` accumulator sets so that at least
        /// eight FMA chains are in flight (the FMA latency times its issue
        /// width on current x86 cores).
        ///
        /// # Safety
        /// The CPU has the module's features; `w.len() == y.len() * x.len()`.
        #[target_feature(enable = $feature)]
        pub(crate) unsafe fn gemv(w: &[T], x: &[T], y: &mut [T]) {
            let rows = y.len();
            let mut r0 = 0;
            while r0 < rows {
                let block = (rows - r0).min(4 * L);
                let partial = block % L != 0;
                // SAFETY: the block's rows `r0..r0 + block` lie in every column.
                unsafe {
                    match (block.div_ceil(L), partial) {
                        (1, false) => gemv_block::<1, 8, false>(w, x, y, r0),
                        (1, true) => gemv_block::<1, 8, true>(w, x, y, r0),
                        (2, false) => gemv_block::<2, 4, false>(w, x, y, r0),
                        (2, true) => gemv_block::<2, 4, true>(w, x, y, r0),
                        (3, false) => gemv_block::<3, 2, false>(w, x, y, r0),
                        (3, true) => gemv_block::<3, 2, true>(w, x, y, r0),
                        (4, false) => gemv_block::<4, 2, false>(w, x, y, r0),
                        _ => gemv_block::<4, 2, true>(w, x, y, r0),
                    }
                }
                r0 += block;
            }
        }

        /// `y[r0..] ← y[r0..] + W[r0.., ..] x` for the `R` vectors of rows
        /// from `r0`, the last one partial when `P`, with `K` accumulators
        /// per vector (columns `j ≡ k mod K` go to set `k`).
        ///
        /// # Safety
        /// As [`gemv`]; `r0 + (R − 1)·L < y.len()`, and `r0 + R·L ≤ y.len()`
        /// unless `P`.
        #[target_feature(enable = $feature)]
        #[inline]
        unsafe fn gemv_block<const R: usize, const K: usize, const P: bool>(
            w: &[T],
            x: &[T],
            y: &mut [T],
            r0: usize,
        ) {
            let (rows, cols) = (y.len(), x.len());
            let tail = (rows - r0).min(R * L) - (R - 1) * L;
            let mut acc = [[zero(); R]; K];
            // SAFETY: see the macro's safety note: every offset is a row of
            // this block in a column `j < cols`, the last vector masked when `P`.
            unsafe {
                let base = w.as_ptr().add(r0);
                let column = |j: usize, acc: &mut [V; R]| {
                    let xs = splat(*x.get_unchecked(j));
                    let col = base.add(j * rows);
                    for (r, acc) in acc.iter_mut().enumerate() {
                        let v = if P && r == R - 1 {
                            load_n(col.add(r * L), tail)
                        } else {
                            load(col.add(r * L))
                        };
                        *acc = fma(v, xs, *acc);
                    }
                };
                let mut j = 0;
                while j + K <= cols {
                    for (k, acc) in acc.iter_mut().enumerate() {
                        column(j + k, acc);
                    }
                    j += K;
                }
                while j < cols {
                    column(j, &mut acc[0]);
                    j += 1;
                }
                let out = y.as_mut_ptr().add(r0);
                for r in 0..R {
                    let mut sum = acc[0][r];
                    for set in &acc[1..] {
                        sum = add(sum, set[r]);
                    }
                    let p = out.add(r * L);
                    if P && r == R - 1 {
                        store_n(p, add(load_n(p, tail), sum), tail);
                    } else {
                        store(p, add(load(p), sum));
                    }
                }
            }
        }

        /// `W ← α u xᵀ + W` when `accumulate`, else `W ← α u xᵀ`, for `W` of
        /// `u.len() × x.len()`: one `fma` per element, `(α u)·xⱼ + Wᵢⱼ`.
        ///
        /// Rows are taken in blocks of up to four vectors of `α u`, kept in
        /// registers while the block's columns go by. The columns go from
        /// last to first: a training step runs this right after the forward
        /// pass read `W` from first to last, so the columns it starts on are
        /// the ones still in L1 (a first-to-last pass would evict each column
        /// just before reaching it when `W` is a little larger than L1, as the
        /// homework net's first layer is).
        ///
        /// # Safety
        /// The CPU has the module's features; `w.len() == u.len() * x.len()`.
        #[target_feature(enable = $feature)]
        pub(crate) unsafe fn ger(alpha: T, u: &[T], x: &[T], accumulate: bool, w: &mut [T]) {
            let rows = u.len();
            let mut r0 = 0;
            while r0 < rows {
                let block = (rows - r0).min(4 * L);
                // SAFETY: the block's rows `r0..r0 + block` lie in every column.
                unsafe {
                    match (block.div_ceil(L), block % L != 0, accumulate) {
                        (1, false, a) => ger_block::<1, false>(alpha, u, x, a, w, r0),
                        (1, true, a) => ger_block::<1, true>(alpha, u, x, a, w, r0),
                        (2, false, a) => ger_block::<2, false>(alpha, u, x, a, w, r0),
                        (2, true, a) => ger_block::<2, true>(alpha, u, x, a, w, r0),
                        (3, false, a) => ger_block::<3, false>(alpha, u, x, a, w, r0),
                        (3, true, a) => ger_block::<3, true>(alpha, u, x, a, w, r0),
                        (4, false, a) => ger_block::<4, false>(alpha, u, x, a, w, r0),
                        (_, _, a) => ger_block::<4, true>(alpha, u, x, a, w, r0),
                    }
                }
                r0 += block;
            }
        }

        /// [`ger`] for the `R` vectors of rows from `r0`, the last one
        /// partial when `P`.
        ///
        /// # Safety
        /// As [`ger`]; `r0 + (R − 1)·L < u.len()`, and `r0 + R·L ≤ u.len()`
        /// unless `P`.
        #[target_feature(enable = $feature)]
        #[inline]
        unsafe fn ger_block<const R: usize, const P: bool>(
            alpha: T,
            u: &[T],
            x: &[T],
            accumulate: bool,
            w: &mut [T],
            r0: usize,
        ) {
            let rows = u.len();
            let tail = (rows - r0).min(R * L) - (R - 1) * L;
            // SAFETY: see the macro's safety note: rows of this block, in
            // columns `j < x.len()`, the last vector masked when `P`.
            unsafe {
                let a = splat(alpha);
                let mut au = [zero(); R];
                for (r, au) in au.iter_mut().enumerate() {
                    let p = u.as_ptr().add(r0 + r * L);
                    let v = if P && r == R - 1 {
                        load_n(p, tail)
                    } else {
                        load(p)
                    };
                    *au = mul(a, v);
                }
                let base = w.as_mut_ptr().add(r0);
                for (j, &xj) in x.iter().enumerate().rev() {
                    let s = splat(xj);
                    let col = base.add(j * rows);
                    for (r, au) in au.iter().enumerate() {
                        let p = col.add(r * L);
                        if P && r == R - 1 {
                            let old = if accumulate { load_n(p, tail) } else { zero() };
                            store_n(p, fma(*au, s, old), tail);
                        } else {
                            let old = if accumulate { load(p) } else { zero() };
                            store(p, fma(*au, s, old));
                        }
                    }
                }
            }
        }

        /// `y ← Wᵀ u` for `W` of `u.len() × y.len()`, and then, when
        /// `update` is `Some((α, x))`, `W ← W + α u xᵀ` in the same pass (each
        /// column's dot product is taken before the column is updated).
        ///
        /// # Safety
        /// The CPU has the module's features; `w.len() == u.len() * y.len()`,
        /// and `x.len() == y.len()` for an update.
        #[target_feature(enable = $feature)]
        pub(crate) unsafe fn gemv_tr(w: *mut T, u: &[T], y: &mut [T], update: Option<(T, &[T])>) {
            let cols = y.len();
            let mut j = 0;
            // SAFETY: columns `j..j + C` with `j + C ≤ cols`.
            unsafe {
                while j + 8 <= cols {
                    tr_columns::<8>(w, u, y, j, update);
                    j += 8;
                }
                while j < cols {
                    tr_columns::<1>(w, u, y, j, update);
                    j += 1;
                }
            }
        }

        /// [`gemv_tr`] for the `C` columns from `j0`.
        ///
        /// # Safety
        /// As [`gemv_tr`]; `j0 + C ≤ y.len()`.
        #[target_feature(enable = $feature)]
        #[inline]
        unsafe fn tr_columns<const C: usize>(
            w: *mut T,
            u: &[T],
            y: &mut [T],
            j0: usize,
            update: Option<(T, &[T])>,
        ) {
            let rows = u.len();
            let (full, tail) = (rows / L, rows % L);
            let mut acc = [zero(); C];
            // SAFETY: see the macro's safety note; `w` is written only with
            // an update, when the caller passed it from a unique borrow.
            unsafe {
                let col = |c: usize| w.add((j0 + c) * rows);
                for r in 0..full {
                    let ur = load(u.as_ptr().add(r * L));
                    for (c, acc) in acc.iter_mut().enumerate() {
                        *acc = fma(load(col(c).add(r * L)), ur, *acc);
                    }
                }
                if tail > 0 {
                    let ur = load_n(u.as_ptr().add(full * L), tail);
                    for (c, acc) in acc.iter_mut().enumerate() {
                        *acc = fma(load_n(col(c).add(full * L), tail), ur, *acc);
                    }
                }
                for (c, acc) in acc.iter().enumerate() {
                    *y.get_unchecked_mut(j0 + c) = hsum(*acc);
                }
                if let Some((alpha, x)) = update {
                    for c in 0..C {
                        let s = splat(alpha * *x.get_unchecked(j0 + c));
                        for r in 0..full {
                            let p = col(c).add(r * L);
                            store(p, fma(load(u.as_ptr().add(r * L)), s, load(p)));
                        }
                        if tail > 0 {
                            let p = col(c).add(full * L);
                            let ur = load_n(u.as_ptr().add(full * L), tail);
                            store_n(p, fma(ur, s, load_n(p, tail)), tail);
                        }
                    }
                }
            }
        }
    };
}

/// AVX-512F, 16 `f32` lanes.
pub(crate) mod avx512_f32 {
    use core::arch::x86_64::*;

    type T = f32;
    type V = __m512;
    const L: usize = 16;

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn zero() -> V {
        _mm512_setzero_ps()
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn splat(x: T) -> V {
        _mm512_set1_ps(x)
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn load(p: *const T) -> V {
        // SAFETY: the caller passes `L` readable values at `p`.
        unsafe { _mm512_loadu_ps(p) }
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn store(p: *mut T, v: V) {
        // SAFETY: the caller passes `L` writable values at `p`.
        unsafe { _mm512_storeu_ps(p, v) }
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn load_n(p: *const T, n: usize) -> V {
        // SAFETY: the caller passes `n < L` readable values at `p`; masked
        // lanes are not read (nor fault).
        unsafe { _mm512_maskz_loadu_ps(((1u32 << n) - 1) as __mmask16, p) }
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn store_n(p: *mut T, v: V, n: usize) {
        // SAFETY: the caller passes `n < L` writable values at `p`; masked
        // lanes are not written.
        unsafe { _mm512_mask_storeu_ps(p, ((1u32 << n) - 1) as __mmask16, v) }
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn fma(a: V, b: V, c: V) -> V {
        _mm512_fmadd_ps(a, b, c)
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn mul(a: V, b: V) -> V {
        _mm512_mul_ps(a, b)
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn add(a: V, b: V) -> V {
        _mm512_add_ps(a, b)
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn hsum(v: V) -> T {
        _mm512_reduce_add_ps(v)
    }

    kernels!("avx512f");
}

/// AVX-512F, 8 `f64` lanes.
pub(crate) mod avx512_f64 {
    use core::arch::x86_64::*;

    type T = f64;
    type V = __m512d;
    const L: usize = 8;

    #[target_feature(enable = "avx512f")]
    #[inline]
    fn zero() -> V {
        _mm512_setzero_pd()
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn splat(x: T) -> V {
        _mm512_set1_pd(x)
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn load(p: *const T) -> V {
        // SAFETY: the caller passes `L` readable values at `p`.
        unsafe { _mm512_loadu_pd(p) }
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn store(p: *mut T, v: V) {
        // SAFETY: the caller passes `L` writable values at `p`.
        unsafe { _mm512_storeu_pd(p, v) }
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn load_n(p: *const T, n: usize) -> V {
        // SAFETY: the caller passes `n < L` readable values at `p`; masked
        // lanes are not read (nor fault).
        unsafe { _mm512_maskz_loadu_pd(((1u32 << n) - 1) as __mmask8, p) }
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn store_n(p: *mut T, v: V, n: usize) {
        // SAFETY: the caller passes `n < L` writable values at `p`; masked
        // lanes are not written.
        unsafe { _mm512_mask_storeu_pd(p, ((1u32 << n) - 1) as __mmask8, v) }
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn fma(a: V, b: V, c: V) -> V {
        _mm512_fmadd_pd(a, b, c)
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn mul(a: V, b: V) -> V {
        _mm512_mul_pd(a, b)
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn add(a: V, b: V) -> V {
        _mm512_add_pd(a, b)
    }
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn hsum(v: V) -> T {
        _mm512_reduce_add_pd(v)
    }

    kernels!("avx512f");
}

/// AVX2 with FMA, 8 `f32` lanes.
pub(crate) mod avx2_f32 {
    use core::arch::x86_64::*;

    type T = f32;
    type V = __m256;
    const L: usize = 8;

    /// Lanes `0..n` set (sign bit), the rest clear: the mask of `maskload`.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn mask(n: usize) -> __m256i {
        _mm256_cmpgt_epi32(
            _mm256_set1_epi32(n as i32),
            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
        )
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn zero() -> V {
        _mm256_setzero_ps()
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn splat(x: T) -> V {
        _mm256_set1_ps(x)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn load(p: *const T) -> V {
        // SAFETY: the caller passes `L` readable values at `p`.
        unsafe { _mm256_loadu_ps(p) }
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn store(p: *mut T, v: V) {
        // SAFETY: the caller passes `L` writable values at `p`.
        unsafe { _mm256_storeu_ps(p, v) }
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn load_n(p: *const T, n: usize) -> V {
        // SAFETY: the caller passes `n < L` readable values at `p`; masked
        // lanes are not read (nor fault).
        unsafe { _mm256_maskload_ps(p, mask(n)) }
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn store_n(p: *mut T, v: V, n: usize) {
        // SAFETY: the caller passes `n < L` writable values at `p`; masked
        // lanes are not written.
        unsafe { _mm256_maskstore_ps(p, mask(n), v) }
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn fma(a: V, b: V, c: V) -> V {
        _mm256_fmadd_ps(a, b, c)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn mul(a: V, b: V) -> V {
        _mm256_mul_ps(a, b)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn add(a: V, b: V) -> V {
        _mm256_add_ps(a, b)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn hsum(v: V) -> T {
        let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps::<0b01>(s, s)))
    }

    kernels!("avx2,fma");
}

/// AVX2 with FMA, 4 `f64` lanes.
pub(crate) mod avx2_f64 {
    use core::arch::x86_64::*;

    type T = f64;
    type V = __m256d;
    const L: usize = 4;

    /// Lanes `0..n` set (sign bit), the rest clear: the mask of `maskload`.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn mask(n: usize) -> __m256i {
        _mm256_cmpgt_epi64(_mm256_set1_epi64x(n as i64), _mm256_setr_epi64x(0, 1, 2, 3))
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn zero() -> V {
        _mm256_setzero_pd()
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn splat(x: T) -> V {
        _mm256_set1_pd(x)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn load(p: *const T) -> V {
        // SAFETY: the caller passes `L` readable values at `p`.
        unsafe { _mm256_loadu_pd(p) }
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn store(p: *mut T, v: V) {
        // SAFETY: the caller passes `L` writable values at `p`.
        unsafe { _mm256_storeu_pd(p, v) }
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn load_n(p: *const T, n: usize) -> V {
        // SAFETY: the caller passes `n < L` readable values at `p`; masked
        // lanes are not read (nor fault).
        unsafe { _mm256_maskload_pd(p, mask(n)) }
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn store_n(p: *mut T, v: V, n: usize) {
        // SAFETY: the caller passes `n < L` writable values at `p`; masked
        // lanes are not written.
        unsafe { _mm256_maskstore_pd(p, mask(n), v) }
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn fma(a: V, b: V, c: V) -> V {
        _mm256_fmadd_pd(a, b, c)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn mul(a: V, b: V) -> V {
        _mm256_mul_pd(a, b)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn add(a: V, b: V) -> V {
        _mm256_add_pd(a, b)
    }
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn hsum(v: V) -> T {
        let s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
        _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)))
    }

    kernels!("avx2,fma");
}
