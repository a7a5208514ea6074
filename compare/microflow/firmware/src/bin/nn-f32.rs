//! nn's sine predictor in f32, trained by `sine-train` and baked in at
//! compile time from `sine.safetensors`.
#![no_std]
#![no_main]

use nn::nalgebra::Vector1;

nn::network! {
    /// The hello-world sine predictor, with the weights of `sine.safetensors`.
    #[weights("../../../sine.safetensors")]
    pub struct Sine {
        input: 1,
        hidden1: dense(16, relu),
        hidden2: dense(16, relu),
        output: dense(1),
        loss: mean_squared_error,
    }
}

/// What `sine-train` measured on the host (0.0254), with room for the last
/// bits of f32 arithmetic; a firmware that misses it has lost its weights.
const MAX_MAE_SIN: f64 = 0.026;

/// The trained network, in flash.
static NET: Sine<f32> = Sine::TRAINED;

// One copy of the engine in every binary: without this, LTO may inline it at
// each of the skeleton's call sites and count it in flash more than once.
#[inline(never)]
fn predict(x: f32) -> f32 {
    NET.forward(&Vector1::new(x))[0]
}

#[cortex_m_rt::entry]
fn main() -> ! {
    // The host's f32 forward pass gives the same bits (`sine-train` prints it).
    sine_firmware::run("nn-f32", predict, &[(0.5, 0.525_799_63)], MAX_MAE_SIN)
}
