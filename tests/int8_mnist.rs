//! The homework network (784 -> 16 -> 16 -> 10, `examples/embedded/homework.safetensors`)
//! quantized to int8 by `network!`, against its f32 self on the 10,000
//! MNIST test images: accuracy within 0.5 points, weights in 14 KB, and the
//! int8 forward equal bit for bit to the formulas written out as plain
//! loops. The calibration file holds the first 100 training images
//! (`write_calibration` below made it).

use nn::Network;
use nn::data::{Dataset, load_mnist};
use nn::nalgebra::SVector;
use std::path::Path;

mod common;
use common::int8::{f64_layer, max_abs, ref_forward, ref_layer, ref_quantize};

nn::network! {
    #[weights(
        "../examples/embedded/homework.safetensors",
        quantize = int8,
        calibration = "fixtures/mnist-calibration.safetensors",
    )]
    struct Homework {
        input: 784,
        hidden1: dense(16, relu),
        hidden2: dense(16, relu),
        output: dense(10),
    }
}

/// How many training images calibrate.
const CALIBRATION_SAMPLES: usize = 100;

fn mnist() -> (Dataset, Dataset) {
    load_mnist(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist")).unwrap()
}

/// Writes `tests/fixtures/mnist-calibration.safetensors`:
/// `cargo test --test int8_mnist -- --ignored write_calibration`.
#[test]
#[ignore = "writes the calibration fixture"]
fn write_calibration() {
    let (train, _) = mnist();
    let inputs = &train.inputs()[..CALIBRATION_SAMPLES * train.features()];
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mnist-calibration.safetensors");
    nn::io::save_calibration(inputs, train.features(), path).unwrap();
}

/// The network's f32 layers as rows of `f64`: `(weight, bias)`.
fn layers_f64() -> Vec<(Vec<Vec<f64>>, Vec<f64>)> {
    let net = Homework::TRAINED;
    let rows = |w: &dyn Fn(usize, usize) -> f32, r: usize, c: usize| -> Vec<Vec<f64>> {
        (0..r)
            .map(|i| (0..c).map(|j| f64::from(w(i, j))).collect())
            .collect()
    };
    let widen = |b: &[f32]| b.iter().map(|&v| f64::from(v)).collect::<Vec<f64>>();
    vec![
        (
            rows(&|i, j| net.hidden1.weight[(i, j)], 16, 784),
            widen(net.hidden1.bias.as_slice()),
        ),
        (
            rows(&|i, j| net.hidden2.weight[(i, j)], 16, 16),
            widen(net.hidden2.bias.as_slice()),
        ),
        (
            rows(&|i, j| net.output.weight[(i, j)], 10, 16),
            widen(net.output.bias.as_slice()),
        ),
    ]
}

#[test]
fn int8_homework_network_matches_f32_accuracy_in_14_kb() {
    let (train, test) = mnist();
    // 14 KB, counted in thousands: the stricter reading. Weights are
    // 784·16 + 16·16 + 16·10 bytes, plus 9 bytes per row (bias, multiplier,
    // shift), one per layer (the floor) and padding to 4.
    const { assert!(HomeworkInt8::WEIGHT_BYTES <= 14_000) };
    assert_eq!(HomeworkInt8::WEIGHT_BYTES, 12_960 + 42 * 9 + 10);

    // The reference: scales from the same 100 training images, run through
    // the f32 layers in f64.
    let layers = layers_f64();
    let calibration: Vec<Vec<f64>> = (0..CALIBRATION_SAMPLES)
        .map(|i| train.input(i).iter().map(|&v| f64::from(v)).collect())
        .collect();
    let mut scales = vec![max_abs(&calibration) / 127.0];
    let mut activations = calibration;
    let mut reference = Vec::new();
    for (l, (w, b)) in layers.iter().enumerate() {
        let relu = l + 1 < layers.len();
        activations = activations
            .iter()
            .map(|a| f64_layer(w, b, a, relu))
            .collect();
        scales.push(max_abs(&activations) / 127.0);
        reference.push(ref_layer(w, b, scales[l], scales[l + 1], relu));
    }
    assert_eq!(HomeworkInt8::INPUT_SCALE, scales[0] as f32);
    assert_eq!(HomeworkInt8::OUTPUT_SCALE, scales[3] as f32);

    let (f32_net, int8_net) = (Homework::TRAINED, HomeworkInt8::TRAINED);
    let (mut f32_right, mut int8_right) = (0, 0);
    for i in 0..test.len() {
        let pixels: [f32; 784] = test.input(i).try_into().unwrap();
        let label = test.label(i);
        f32_right += usize::from(f32_net.classify(&SVector::from(pixels)) == label);
        int8_right +=
            usize::from(int8_net.classify(&HomeworkInt8::quantize_input(&pixels)) == label);

        // Bit for bit on the same int8 input.
        let x: Vec<i64> = pixels
            .iter()
            .map(|&v| ref_quantize(v.into(), scales[0]))
            .collect();
        let expected = reference
            .iter()
            .fold(x.clone(), |a, layer| ref_forward(layer, &a));
        let x: [i8; 784] = core::array::from_fn(|j| x[j] as i8);
        assert_eq!(
            int8_net.forward(&x).map(i64::from).to_vec(),
            expected,
            "test image {i}"
        );
    }
    let (f32_acc, int8_acc) = (f32_right as f64 / 100.0, int8_right as f64 / 100.0);
    println!(
        "f32 {f32_acc:.2} %, int8 {int8_acc:.2} %, weights {} bytes",
        HomeworkInt8::WEIGHT_BYTES
    );
    assert!(
        (f32_acc - int8_acc).abs() <= 0.5,
        "f32 {f32_acc:.2} %, int8 {int8_acc:.2} %"
    );
}
