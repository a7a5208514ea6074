//! Shared helpers for the integration tests: seeded random vectors and targets.
#![allow(dead_code, reason = "each test binary uses a different subset")]

pub mod files;
pub mod int8;

use nn::init::SplitMix64;
use nn::nalgebra::SVector;

/// A vector with entries uniform in `[lo, hi)`.
pub fn random_vector<const N: usize>(rng: &mut SplitMix64, lo: f64, hi: f64) -> SVector<f64, N> {
    SVector::from_fn(|_, _| lo + (hi - lo) * rng.next_f64())
}

/// A random probability distribution (positive, sums to 1).
pub fn random_distribution<const N: usize>(rng: &mut SplitMix64) -> SVector<f64, N> {
    let v = random_vector::<N>(rng, 0.05, 1.0);
    v / v.sum()
}

/// A random vector of ±1.
pub fn random_signs<const N: usize>(rng: &mut SplitMix64) -> SVector<f64, N> {
    SVector::from_fn(|_, _| if rng.below(2) == 0 { -1.0 } else { 1.0 })
}

/// Gives every bias a random value in `[-0.5, 0.5)`. Freshly initialised
/// biases are zero, which puts a ReLU-family unit fed by a dead unit exactly
/// on its kink, where finite differences do not apply.
pub fn randomize_biases<N, const IN: usize, const OUT: usize>(net: &mut N, rng: &mut SplitMix64)
where
    N: nn::Network<f64, IN, OUT>,
{
    for (info, t) in N::TENSORS.iter().zip(net.tensors_mut()) {
        if info.kind == nn::TensorKind::Bias {
            for v in t {
                *v = rng.next_f64() - 0.5;
            }
        }
    }
}

/// A report that prints an error and then its `source()` chain (as anyhow's
/// `{:#}` does) shows each cause once: no error both prints its cause's
/// message and returns the cause from `source()`.
pub fn assert_causes_printed_once(err: &dyn std::error::Error) {
    let mut e = err;
    while let Some(cause) = e.source() {
        assert!(
            !e.to_string().contains(&cause.to_string()),
            "`{e}` prints its cause `{cause}` and returns it from source() too"
        );
        e = cause;
    }
}
