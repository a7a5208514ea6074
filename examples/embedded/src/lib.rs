//! A `#![no_std]` digit classifier without a heap: the lecture's homework
//! network (784 → 16 → 16 → 10) with its trained weights baked in at compile
//! time from `homework.safetensors` (made by `tests/baked_train.rs` in the
//! workspace root). The weights are a `static` in read-only memory (`.rodata`,
//! flash on a microcontroller); nothing is parsed at run time. Beside it, a
//! small CNN ([`Cnn`]: a 5 × 5 convolution, max pooling and one dense layer,
//! from `cnn.safetensors`) classifies the same images with about an eighth of the
//! parameters ([`classify_pixels_cnn`]).
//!
//! ```sh
//! cargo build -p nn-embedded --target thumbv7em-none-eabihf --release
//! ```
//!
//! ```
//! use nn_embedded::{DIGITS, classify_pixels};
//! let (label, pixels) = DIGITS[7];
//! assert_eq!(classify_pixels(&pixels), label);
//! ```
#![no_std]
#![deny(missing_docs)]

mod digits;

pub use digits::DIGITS;
use nn::nalgebra::SVector;
use nn::{ClassLabel, Network};

nn::network! {
    /// The lecture's homework network, with the weights of `homework.safetensors`,
    /// baked twice: as `f32` (`Homework::TRAINED`) and quantized to int8
    /// (`HomeworkInt8::TRAINED`), calibrated on the first 100 MNIST training
    /// images.
    #[weights(
        "../homework.safetensors",
        quantize = int8,
        calibration = "../../../tests/fixtures/mnist-calibration.safetensors"
    )]
    pub struct Homework {
        input: 784,
        hidden1: dense(16, relu),
        hidden2: dense(16, relu),
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

/// The trained network, in read-only memory.
pub static NET: Homework<f32> = Homework::TRAINED;

/// The digit (0–9) in a 28 × 28 image, row by row, pixels in `[0, 1]`
/// (0 = background), as the network was trained on.
pub fn classify(image: &[f32; 784]) -> usize {
    NET.classify(&SVector::from(*image))
}

/// [`classify`] for 8-bit pixels (0 = background, 255 = ink).
pub fn classify_pixels(pixels: &[u8; 784]) -> usize {
    classify(&pixels.map(|p| f32::from(p) / 255.0))
}

nn::network! {
    /// A small CNN with the weights of `cnn.safetensors` (made by
    /// `tests/baked_train.rs`; 97.38% on the 10,000 MNIST test images, the
    /// homework network 95.83%): 1,554 parameters, 6,216 bytes of `f32`.
    /// Inference keeps the 784 input values and each layer's output (576
    /// values of `conv`, 144 of `pool`, 10) on the stack, no trace and no
    /// heap: the firmware measures a peak stack of 7,284 bytes on a
    /// Cortex-M3, a ninth of the lm3s6965's 64 KiB of RAM.
    #[weights("../cnn.safetensors")]
    pub struct Cnn {
        input: [1, 28, 28],
        conv: conv2d(4, 5, stride = 2, relu), // [4, 12, 12]
        pool: max_pool(2),                    // [4, 6, 6]
        flat: flatten,                        // 144
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

/// The trained CNN, in read-only memory.
pub static CNN: Cnn<f32> = Cnn::TRAINED;

/// The digit (0–9) in a 28 × 28 image of 8-bit pixels (0 = background,
/// 255 = ink), by the CNN: [`classify_pixels`] with [`CNN`].
///
/// ```
/// use nn_embedded::{DIGITS, classify_pixels_cnn};
/// let (label, pixels) = DIGITS[3];
/// assert_eq!(classify_pixels_cnn(&pixels), label);
/// ```
pub fn classify_pixels_cnn(pixels: &[u8; 784]) -> usize {
    CNN.classify(&SVector::from(pixels.map(|p| f32::from(p) / 255.0)))
}

/// The int8 network, in read-only memory: integer arithmetic only, for a
/// core without an FPU.
pub static NET_INT8: HomeworkInt8 = HomeworkInt8::TRAINED;

/// Each 8-bit pixel value as the int8 network's input (`p / 255` at
/// `HomeworkInt8::INPUT_SCALE`), computed at compile time by the same
/// `nn::quant::quantize` as `HomeworkInt8::quantize_input`: classifying
/// 8-bit pixels takes no float at run time.
pub const PIXEL_TO_INT8: [i8; 256] = {
    let mut table = [0; 256];
    let mut p = 0;
    while p < 256 {
        table[p] = nn::quant::quantize(p as f32 / 255.0, HomeworkInt8::INPUT_SCALE);
        p += 1;
    }
    table
};

/// [`classify_pixels`] with the int8 network: no float at run time.
pub fn classify_pixels_int8(pixels: &[u8; 784]) -> usize {
    NET_INT8.classify(&pixels.map(|p| PIXEL_TO_INT8[usize::from(p)]))
}

/// One step of on-device fine-tuning: forward, the unrolled backward and the
/// SGD update of `net` on one labelled image, in place and without a heap.
/// Returns the loss before the step, or `None` if `label` is not a digit.
pub fn sgd_step(net: &mut Homework<f32>, image: &[f32; 784], label: usize, lr: f32) -> Option<f32> {
    let y = ClassLabel::<10>::new(label).ok()?;
    Some(net.sgd_step(&SVector::from(*image), &y, lr))
}

/// Bare metal has no unwinding and no default panic handler: stop here.
#[cfg(all(target_os = "none", not(feature = "qemu")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

/// Under QEMU (or a debugger), a panic is a failed run: say why and exit with
/// failure through semihosting, so that CI fails.
#[cfg(all(target_os = "none", feature = "qemu"))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    cortex_m_semihosting::hprintln!("panic: {}", info);
    cortex_m_semihosting::debug::exit(cortex_m_semihosting::debug::EXIT_FAILURE);
    // Without a semihosting host `exit` returns; stop here.
    loop {}
}
