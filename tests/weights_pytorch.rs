//! PyTorch interop: a `torch.nn.Sequential` of Linear and ReLU layers for
//! 784-16-16-10, trained for one epoch on MNIST and saved by PyTorch with
//! `safetensors.torch.save_file`, loads into the `network!` below through a
//! name mapping and computes what PyTorch computed.
//!
//! The fixture and PyTorch's outputs are in `tests/fixtures/pytorch/`, with
//! `make_fixture.py`, the script that made them (not run in CI).

use nn::io::{
    LayerName, WeightsError, WeightsErrorKind, load_safetensors, load_safetensors_mapped,
};
use nn::nalgebra::SVector;
use std::path::{Path, PathBuf};

nn::network! {
    /// The lecture's homework network, the same layers as the PyTorch model.
    pub struct Mnist {
        input: 784,
        hidden1: dense(16, relu),
        hidden2: dense(16, relu),
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

/// PyTorch's `nn.Sequential` names parameters after the module's index:
/// `Linear` layers are modules 0, 2 and 4, the `ReLU`s (1 and 3) have no
/// parameters. `nn.Linear` stores its weight as `[out, in]`, as `nn` does.
const PYTORCH_LAYERS: &[LayerName] = &[
    LayerName {
        layer: "hidden1",
        file: "0",
    },
    LayerName {
        layer: "hidden2",
        file: "2",
    },
    LayerName {
        layer: "output",
        file: "4",
    },
];

/// How close our logits must be to PyTorch's.
const TOLERANCE: f32 = 1e-5;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pytorch")
        .join(name)
}

/// `mnist_mlp_outputs.txt`: inputs, PyTorch's logits for them, and PyTorch's
/// predicted class for every MNIST test image.
struct Outputs {
    cases: Vec<(Vec<f32>, Vec<f32>)>,
    predictions: Vec<usize>,
    near_ties: usize,
}

fn outputs() -> Outputs {
    let text = std::fs::read_to_string(fixture("mnist_mlp_outputs.txt")).unwrap();
    let (mut inputs, mut logits, mut predictions, mut near_ties) = (vec![], vec![], vec![], None);
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut words = line.split_whitespace();
        let floats = |words: std::str::SplitWhitespace| -> Vec<f32> {
            words
                .skip(1)
                .map(|w| w.parse::<f64>().unwrap() as f32)
                .collect()
        };
        match words.next() {
            Some("input") => inputs.push(floats(words)),
            Some("output") => logits.push(floats(words)),
            Some("predictions") => {
                let digits = words.next().unwrap();
                predictions = digits.bytes().map(|b| usize::from(b - b'0')).collect();
            }
            Some("margins_below_1e-4") => near_ties = Some(words.next().unwrap().parse().unwrap()),
            other => panic!("unexpected line {other:?}"),
        }
    }
    assert_eq!(inputs.len(), logits.len());
    Outputs {
        cases: inputs.into_iter().zip(logits).collect(),
        predictions,
        near_ties: near_ties.unwrap(),
    }
}

fn load() -> Box<Mnist<f32>> {
    load_safetensors_mapped(fixture("mnist_mlp.safetensors"), PYTORCH_LAYERS).unwrap()
}

#[test]
fn matches_pytorch_outputs() {
    let net = load();
    let outputs = outputs();
    assert_eq!(outputs.cases.len(), 5);
    for (i, (x, expected)) in outputs.cases.iter().enumerate() {
        assert_eq!((x.len(), expected.len()), (784, 10));
        let logits = net.forward(&SVector::<f32, 784>::from_column_slice(x));
        for (k, (ours, theirs)) in logits.iter().zip(expected).enumerate() {
            assert!(
                (ours - theirs).abs() <= TOLERANCE,
                "input {i}, logit {k}: ours {ours}, PyTorch {theirs}"
            );
        }
    }
}

#[test]
fn classifies_the_test_set_like_pytorch() {
    let net = load();
    let outputs = outputs();
    // No near-tie that a last-bit difference could flip.
    assert_eq!(outputs.near_ties, 0);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist");
    let test = nn::data::load_idx(
        dir.join("t10k-images-idx3-ubyte.gz"),
        dir.join("t10k-labels-idx1-ubyte.gz"),
        10,
    )
    .unwrap();
    assert_eq!(outputs.predictions.len(), test.len());
    let mut correct = 0;
    for (i, (x, label)) in test.iter().enumerate() {
        let predicted = net
            .forward(&SVector::<f32, 784>::from_column_slice(x))
            .argmax()
            .0;
        assert_eq!(predicted, outputs.predictions[i], "test image {i}");
        correct += usize::from(predicted == label);
    }
    // The fixture is a trained network (PyTorch reported 92.55%).
    assert_eq!(correct, 9255);
}

#[test]
fn pytorch_names_need_the_mapping() {
    let err = load_safetensors::<Mnist<f32>, _>(fixture("mnist_mlp.safetensors")).unwrap_err();
    assert!(
        matches!(&err, WeightsError { kind: WeightsErrorKind::Missing { tensor: "hidden1.weight", available, .. }, .. }
            if available == &["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"]),
        "{err:?}"
    );
    assert!(err.to_string().ends_with(
        "missing tensor `hidden1.weight`: the file has `0.bias`, `0.weight`, `2.bias`, `2.weight`, `4.bias`, `4.weight`"
    ));
    // PyTorch wrote float32: the f64 network does not take it.
    let err =
        load_safetensors_mapped::<Mnist<f64>, _>(fixture("mnist_mlp.safetensors"), PYTORCH_LAYERS)
            .unwrap_err();
    assert!(err.to_string().ends_with(
        "tensor `0.weight` (for `hidden1.weight`): dtype F32: expected F64 (dtypes are never converted)"
    ));
}
