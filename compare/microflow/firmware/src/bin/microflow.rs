//! MicroFlow's own sine model (`sine.tflite`, int8), compiled by its
//! `#[model]` macro.
#![no_std]
#![no_main]

use microflow::model;
use nalgebra::matrix;

// MicroFlow opens the path as given, from the compiler's working directory,
// which cargo sets to the workspace root (compare/microflow).
#[model("sine.tflite")]
struct Sine;

/// What MicroFlow's model reaches on the test set (0.0482, measured here),
/// with room to spare; a firmware that misses it has lost its weights.
const MAX_MAE_SIN: f64 = 0.05;

// One copy of the engine in every binary: without this, LTO may inline it at
// each of the skeleton's call sites and count it in flash more than once.
#[inline(never)]
fn predict(x: f32) -> f32 {
    Sine::predict(matrix![x])[0]
}

#[cortex_m_rt::entry]
fn main() -> ! {
    // MicroFlow's own test: `Sine::predict(matrix![0.5]) == matrix![0.41348344]`.
    sine_firmware::run("microflow", predict, &[(0.5, 0.413_483_44)], MAX_MAE_SIN)
}
