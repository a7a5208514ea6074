//! Seeded, platform-independent weight initialisation.
//!
//! The same seed gives bit-identical weights on every machine: the generator
//! is SplitMix64 (integer arithmetic only), each draw becomes a uniform `f64`
//! from its top 53 bits, and the scale is applied in `f64` before one
//! rounding to `T`. Nothing depends on thread count, platform or a
//! dependency's version policy (which is why this is not `rand`, whose
//! distributions may change their output between versions).

use nalgebra::SMatrix;

use crate::Scalar;

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast, well-mixed 64-bit generator.
///
/// ```
/// use nn::init::SplitMix64;
/// let mut a = SplitMix64::new(42);
/// let mut b = SplitMix64::new(42);
/// assert_eq!(a.next_u64(), b.next_u64());
/// let u = a.next_f64();
/// assert!((0.0..1.0).contains(&u));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator started from `seed`.
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform `f64` in `[0, 1)`, from the top 53 bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in `0..n` (`n > 0`), without modulo bias
    /// (Lemire's multiply-and-reject).
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "SplitMix64::below needs a positive bound");
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = (self.next_u64() as u128) * (n as u128);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }
}

/// The initialisation scheme for a layer's weights (biases start at zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// He/Kaiming uniform, `U(−√(6/fan_in), √(6/fan_in))`: for the ReLU family.
    He,
    /// Xavier/Glorot uniform, `U(−√(6/(fan_in+fan_out)), +…)`: for everything else.
    Xavier,
}

impl Scheme {
    /// The half-width of the uniform range for a layer of `fan_in` inputs and
    /// `fan_out` outputs.
    ///
    /// ```
    /// use nn::init::Scheme;
    /// assert_eq!(Scheme::He.limit(6, 1), 1.0);
    /// assert_eq!(Scheme::Xavier.limit(3, 3), 1.0);
    /// ```
    pub fn limit(self, fan_in: usize, fan_out: usize) -> f64 {
        let fans = match self {
            Scheme::He => fan_in,
            Scheme::Xavier => fan_in + fan_out,
        };
        sqrt_f64(6.0 / fans as f64)
    }
}

/// `√x` in `f64` on `no_std` too (through nalgebra's `RealField`).
fn sqrt_f64(x: f64) -> f64 {
    <f64 as nalgebra::ComplexField>::sqrt(x)
}

/// Fills `w` (`OUT × IN`) column by column with draws from `scheme`'s range.
///
/// ```
/// use nn::init::{fill_uniform, Scheme, SplitMix64};
/// use nn::nalgebra::SMatrix;
/// let mut w = SMatrix::<f32, 4, 6>::zeros();
/// fill_uniform(&mut w, Scheme::He, &mut SplitMix64::new(1));
/// assert!(w.iter().all(|v| v.abs() <= 1.0) && w.iter().any(|&v| v != 0.0));
/// ```
pub fn fill_uniform<T: Scalar, const OUT: usize, const IN: usize>(
    w: &mut SMatrix<T, OUT, IN>,
    scheme: Scheme,
    rng: &mut SplitMix64,
) {
    let limit = scheme.limit(IN, OUT);
    for v in w.iter_mut() {
        *v = T::cast_f64((rng.next_f64() * 2.0 - 1.0) * limit);
    }
}
