//! `#[weights("PATH")]`: the parameters baked in at compile time are the
//! file's, in the right places (row-major `[out, in]` into nalgebra's
//! column-major matrices), for `F32` and `F64` files and for widths given by
//! named constants; and the baked network is usable as a `static`.

use nn::Params;
use nn::nalgebra::{SMatrix, SVector};

nn::network! {
    /// The fixture's net, `F32`.
    #[weights("ui/network/weights/fixtures/tiny.safetensors")]
    #[derive(Copy)] // the other attributes are emitted as before
    struct Tiny {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
        loss: softmax_cross_entropy,
    }
}

nn::network! {
    /// The same values as `F64`.
    #[weights("ui/network/weights/fixtures/tiny-f64.safetensors")]
    struct Tiny64 {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

const IN: usize = 2;
const HIDDEN: usize = 3;

nn::network! {
    /// Widths by name: checked against the file by const assertions.
    #[weights("ui/network/weights/fixtures/tiny.safetensors")]
    struct Named {
        input: IN,
        hidden: dense(HIDDEN, relu),
        output: dense(HIDDEN -> 2),
    }
}

nn::network! {
    /// The embedded example's trained homework net.
    #[weights("../examples/embedded/homework.safetensors")]
    struct Homework {
        input: 784,
        hidden1: dense(16, relu),
        hidden2: dense(16, relu),
        output: dense(10),
    }
}

nn::network! {
    /// The embedded example's trained CNN: a 4-D `conv.weight` `[4, 1, 5, 5]`.
    #[weights("../examples/embedded/cnn.safetensors")]
    struct Cnn {
        input: [1, 28, 28],
        conv: conv2d(4, 5, stride = 2, relu),
        pool: max_pool(2),
        flat: flatten,
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

nn::network! {
    /// The PyTorch fixture: a `Sequential` names its layers `0`, `2`, `4`.
    #[weights(
        "fixtures/pytorch/mnist_mlp.safetensors",
        layers(hidden1 = "0", hidden2 = "2", output = "4"),
    )]
    struct FromTorch {
        input: 784,
        hidden1: dense(16, relu),
        hidden2: dense(16, relu),
        output: dense(10),
    }
}

/// In read-only memory, built at compile time.
static TINY: Tiny = Tiny::TRAINED;

/// The values `fixtures/make_fixtures.py` writes.
fn expected_tiny() -> Tiny<f64> {
    let mut net = Tiny::<f64>::zeros();
    net.hidden.weight = SMatrix::<f64, 3, 2>::new(0.5, -1.0, 2.0, 0.25, -0.75, 1.5);
    net.hidden.bias = SVector::from([0.1, -0.2, 0.3]);
    net.output.weight = SMatrix::<f64, 2, 3>::new(1.0, -1.0, 0.5, -2.0, 0.5, 1.0);
    net.output.bias = SVector::from([0.01, -0.02]);
    net
}

#[test]
fn f32_file_bakes_an_f32_network_with_the_files_values() {
    let want = expected_tiny();
    assert_eq!(TINY.hidden.weight, want.hidden.weight.cast::<f32>());
    assert_eq!(TINY.hidden.bias, want.hidden.bias.cast::<f32>());
    assert_eq!(TINY.output.weight, want.output.weight.cast::<f32>());
    assert_eq!(TINY.output.bias, want.output.bias.cast::<f32>());
    // Row 1, column 0 of `hidden.weight` is the file's third value.
    assert_eq!(TINY.hidden.weight[(1, 0)], 2.0);
}

#[test]
fn f64_file_bakes_an_f64_network_exactly() {
    let net: Tiny64<f64> = Tiny64::TRAINED;
    let want = expected_tiny();
    assert_eq!(net.hidden.weight, want.hidden.weight);
    assert_eq!(net.output.bias, want.output.bias);
    // 0.01 is not an f32: the literal kept every bit of the f64.
    assert_eq!(net.output.bias[0], 0.01f64);
}

#[test]
fn forward_matches_hand_computation() {
    // x = (1, 2): z1 = W1 x + b1 = (-1.4, 2.3, 2.55), a1 = relu = (0, 2.3, 2.55)
    // z2 = W2 a1 + b2 = (-2.3 + 1.275 + 0.01, 1.15 + 2.55 - 0.02) = (-1.015, 3.68)
    let z = Tiny64::<f64>::TRAINED.forward(&SVector::from([1.0, 2.0]));
    assert!(
        (z[0] + 1.015).abs() < 1e-12 && (z[1] - 3.68).abs() < 1e-12,
        "{z}"
    );
    let z32 = TINY.forward(&SVector::from([1.0, 2.0]));
    assert!((z32[0] + 1.015).abs() < 1e-6 && (z32[1] - 3.68).abs() < 1e-6);
}

#[test]
fn named_widths_bake_the_same_values() {
    let named: Named = Named::TRAINED;
    assert_eq!(named.hidden.weight, TINY.hidden.weight);
    assert_eq!(named.output.weight, TINY.output.weight);
}

#[test]
fn baked_network_trains_like_any_other() {
    let mut net = TINY;
    let x = SVector::from([1.0f32, 2.0]);
    let y = nn::ClassLabel::<2>::new(0).unwrap();
    let before = net.loss(&x, &y);
    net.sgd_step(&x, &y, 0.1);
    assert!(net.loss(&x, &y) < before);
}

#[test]
fn baked_homework_net_equals_the_file_loaded_at_run_time() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/embedded/homework.safetensors"
    );
    let loaded: Box<Homework<f32>> = nn::io::load_safetensors(path).unwrap();
    assert_eq!(Homework::TRAINED, *loaded);
}

#[test]
fn footprint_constants_of_the_homework_net() {
    // (784·16 + 16) + (16·16 + 16) + (16·10 + 10) = 13 002 f32 parameters;
    // on x86-64 each layer is padded to a multiple of 64 bytes (the last
    // one's 680 bytes to 704).
    let padding = if cfg!(target_arch = "x86_64") { 24 } else { 0 };
    assert_eq!(Homework::<f32>::PARAM_BYTES, 13_002 * 4 + padding);
    // z and a of 16 + 16 + 10 values.
    assert_eq!(Homework::<f32>::TRACE_BYTES, 2 * 42 * 4);
    assert_eq!(Homework::<f64>::TRACE_BYTES, 2 * 42 * 8);
    assert_eq!(Homework::<f32>::SGD_STATE_BYTES, 0);
    assert_eq!(Homework::<f32>::MOMENTUM_STATE_BYTES, 52_008 + padding);
    assert_eq!(Homework::<f32>::ADAM_STATE_BYTES, 2 * (52_008 + padding));
    // The input, 784 values, is wider than any layer.
    assert_eq!(Homework::<f32>::LARGEST_ACTIVATION_BYTES, 784 * 4);
    let summary = Homework::<f32>::zeros().summary().to_string();
    assert!(summary.contains("trace 336 bytes per sample"), "{summary}");
    assert!(
        summary.contains("52008 (momentum), 104016 (adam)"),
        "{summary}"
    );
}

#[test]
fn baked_cnn_equals_the_file_loaded_at_run_time() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/embedded/cnn.safetensors"
    );
    let loaded: Box<Cnn<f32>> = nn::io::load_safetensors(path).unwrap();
    assert_eq!(Cnn::TRAINED, *loaded);
    assert_ne!(Cnn::TRAINED, Cnn::<f32>::zeros());
}

#[test]
fn footprint_constants_of_the_embedded_cnn() {
    // conv: 4 kernels of 1·5·5 and 4 biases = 104; output: 144·10 + 10 =
    // 1450; 1554 f32 parameters. On x86-64 each layer is padded to a
    // multiple of 64 bytes: 416 to 448 and 5800 to 5824.
    let padding = if cfg!(target_arch = "x86_64") {
        32 + 24
    } else {
        0
    };
    assert_eq!(Cnn::<f32>::PARAM_COUNT, 1554);
    assert_eq!(Cnn::<f32>::PARAM_BYTES, 1554 * 4 + padding);
    // z and a of conv's [4, 12, 12], a of pool's [4, 6, 6] (flatten only
    // renames it), z and a of the 10 outputs.
    assert_eq!(Cnn::<f32>::TRACE_BYTES, (2 * 576 + 144 + 2 * 10) * 4);
    // The input's 784 values: conv's output has 576.
    assert_eq!(Cnn::<f32>::LARGEST_ACTIVATION_BYTES, 784 * 4);
    assert_eq!(Cnn::<f64>::LARGEST_ACTIVATION_BYTES, 784 * 8);
    assert_eq!(Cnn::<f32>::SGD_STATE_BYTES, 0);
    assert_eq!(Cnn::<f32>::MOMENTUM_STATE_BYTES, 6_216 + padding);
    assert_eq!(Cnn::<f32>::ADAM_STATE_BYTES, 2 * (6_216 + padding));
    let summary = Cnn::<f32>::zeros().summary().to_string();
    assert!(summary.contains("trace 5264 bytes per sample"), "{summary}");
    assert!(summary.contains("[1, 28, 28] -> [4, 12, 12]"), "{summary}");
}

#[test]
fn pytorch_file_bakes_with_a_layer_mapping_and_matches_pytorch() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pytorch/mnist_mlp.safetensors"
    );
    // The same mapping as the attribute's `layers(hidden1 = "0", ...)`.
    let layers = [
        nn::io::LayerName {
            layer: "hidden1",
            file: "0",
        },
        nn::io::LayerName {
            layer: "hidden2",
            file: "2",
        },
        nn::io::LayerName {
            layer: "output",
            file: "4",
        },
    ];
    let loaded: Box<FromTorch<f32>> = nn::io::load_safetensors_mapped(path, &layers).unwrap();
    assert_eq!(FromTorch::TRAINED, *loaded);
    // PyTorch's own logits for its first inputs (make_fixture.py), to 1e-5.
    let outputs = include_str!("fixtures/pytorch/mnist_mlp_outputs.txt");
    let row = |tag: &str, i: usize| -> Vec<f32> {
        let head = format!("{tag} {i} ");
        let line = outputs.lines().find(|l| l.starts_with(&head)).unwrap();
        line[head.len()..]
            .split(' ')
            .map(|v| v.parse().unwrap())
            .collect()
    };
    for i in 0..3 {
        let x = SVector::<f32, 784>::from_column_slice(&row("input", i));
        let want = row("output", i);
        let got = FromTorch::TRAINED.forward(&x);
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() <= 1e-5, "input {i}: {got} vs {want:?}");
        }
    }
}

nn::network! {
    /// `optional` with the file there: baked as without it.
    #[weights("ui/network/weights/fixtures/tiny.safetensors", optional)]
    struct TinyOptional {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

nn::network! {
    /// `optional` with no file: compiles, untrained.
    #[weights("ui/network/weights/fixtures/not-trained-yet.safetensors", optional)]
    struct Untrained {
        input: 2,
        hidden: dense(3, relu),
        output: dense(2),
    }
}

#[test]
fn optional_weights_bake_when_the_file_exists_and_are_none_when_it_does_not() {
    assert_eq!(TinyOptional::BAKED, Some(TinyOptional::TRAINED));
    assert_eq!(
        TinyOptional::TRAINED.hidden.weight,
        Tiny::TRAINED.hidden.weight
    );
    assert_eq!(Tiny::BAKED, Some(Tiny::TRAINED));
    // Before training the scalar is the user's to choose.
    assert_eq!(Untrained::<f32>::BAKED, None);
    assert_eq!(Untrained::<f64>::BAKED, None);
    static NET: Option<Untrained> = Untrained::BAKED;
    assert!(NET.is_none());
}
