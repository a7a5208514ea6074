//! nn's sine predictor quantized to int8 at compile time: the weights of
//! `sine.safetensors`, activation scales from `sine-calibration.safetensors`
//! (the training inputs), both written by `sine-train`.
#![no_std]
#![no_main]

nn::network! {
    /// The hello-world sine predictor, baked as f32 and as int8.
    #[weights(
        "../../../sine.safetensors",
        quantize = int8,
        calibration = "../../../sine-calibration.safetensors"
    )]
    pub struct Sine {
        input: 1,
        hidden1: dense(16, relu),
        hidden2: dense(16, relu),
        output: dense(1),
        loss: mean_squared_error,
    }
}

/// MicroFlow's int8 model reaches 0.0482; int8 rounding costs this network
/// some of the f32 one's 0.0254, and a firmware above this bound has lost its
/// weights or its scales.
const MAX_MAE_SIN: f64 = 0.04;

/// The int8 network, in flash.
static NET: SineInt8 = SineInt8::TRAINED;

// One copy of the engine in every binary (see nn-f32.rs).
#[inline(never)]
fn predict(x: f32) -> f32 {
    let q = SineInt8::quantize_input(&[x]);
    SineInt8::dequantize_output(&NET.forward(&q))[0]
}

#[cortex_m_rt::entry]
fn main() -> ! {
    // A regression pin: what this firmware computed when it was written (the
    // int8 forward pass itself is checked bit for bit against plain integer
    // loops in nn's tests/quant.rs and tests/int8_mnist.rs). Checking one
    // value, as the other engines do, also keeps the skeleton's code for it.
    sine_firmware::run("nn-int8", predict, &[(0.5, 0.526_384_9)], MAX_MAE_SIN)
}
