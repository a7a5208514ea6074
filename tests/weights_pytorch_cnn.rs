//! PyTorch interop for image networks: a small CNN with a residual block
//! (`add`) and a `concat`, made by PyTorch in float32 and saved with
//! `safetensors.torch.save_file`, bakes into the `network!` below, and its
//! logits, loss, every parameter gradient and the input gradient are
//! PyTorch's, one sample at a time and through the batch path.
//!
//! The fixture and PyTorch's outputs are in `tests/fixtures/pytorch/`, with
//! `make_cnn_fixture.py`, the script that made them (not run in CI). Tensors
//! are compared in PyTorch's row-major layout, as `nn::io` writes them, so
//! the test does not depend on how a layer stores its weight in memory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nn::batch::Batch;
use nn::nalgebra::SVector;
use nn::{ClassLabel, Params};

nn::network! {
    /// The fixture's network, layer for layer: the PyTorch module's
    /// attributes have these names, so the file needs no name mapping.
    #[weights("fixtures/pytorch/residual_cnn.safetensors")]
    struct ResidualCnn {
        input: [2, 9, 9],
        stem: conv2d(4, 3, padding = 1, relu),
        branch: conv2d(4, 3, padding = 1, tanh),
        res: add(stem, branch),
        pool: max_pool(2),
        dw: depthwise_conv2d(3, padding = 1, sigmoid),
        down: conv2d(3, 3, stride = 2, from = res),
        cat: concat(dw, down),
        avg: avg_pool(2),
        flat: flatten,
        out: dense(5),
        loss: softmax_cross_entropy,
    }
}

/// Baked at compile time, in read-only memory.
static NET: ResidualCnn = ResidualCnn::TRAINED;

/// `[2, 9, 9]`, flattened channel-major as PyTorch's `x.flatten()`.
const INPUT: usize = 2 * 9 * 9;
const CLASSES: usize = 5;

/// How close our values must be to PyTorch's: absolute below 1, relative
/// above.
const TOLERANCE: f64 = 1e-5;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pytorch")
        .join(name)
}

/// What `residual_cnn_outputs.txt` says PyTorch computed for one sample.
struct Sample {
    class: usize,
    input: Vec<f64>,
    logits: Vec<f64>,
    loss: f64,
    grads: BTreeMap<String, Vec<f64>>,
    dx: Vec<f64>,
}

/// The whole of `residual_cnn_outputs.txt` (its format is in
/// `make_cnn_fixture.py`).
struct Outputs {
    samples: Vec<Sample>,
    batch_loss: f64,
    batch_grads: BTreeMap<String, Vec<f64>>,
}

fn outputs() -> Outputs {
    let text = std::fs::read_to_string(fixture("residual_cnn_outputs.txt")).unwrap();
    let mut samples: Vec<Sample> = vec![];
    let (mut batch_loss, mut batch_grads) = (None, BTreeMap::new());
    let (mut pool_gap, mut relu_margin) = (None, None);
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut words = line.split_whitespace();
        let kind = words.next().unwrap();
        let floats = |words: std::str::SplitWhitespace| -> Vec<f64> {
            words.map(|w| w.parse::<f64>().unwrap()).collect()
        };
        match kind {
            "batch_loss" => batch_loss = Some(floats(words)[0]),
            "batch_grad" => {
                let name = words.next().unwrap().to_string();
                batch_grads.insert(name, floats(words));
            }
            "min_pool_gap" => pool_gap = Some(floats(words)[0]),
            "min_relu_margin" => relu_margin = Some(floats(words)[0]),
            "class" => {
                let i: usize = words.next().unwrap().parse().unwrap();
                assert_eq!(i, samples.len(), "samples in order");
                samples.push(Sample {
                    class: words.next().unwrap().parse().unwrap(),
                    input: vec![],
                    logits: vec![],
                    loss: f64::NAN,
                    grads: BTreeMap::new(),
                    dx: vec![],
                });
            }
            _ => {
                let i: usize = words.next().unwrap().parse().unwrap();
                let sample = &mut samples[i];
                match kind {
                    "input" => sample.input = floats(words),
                    "logits" => sample.logits = floats(words),
                    "loss" => sample.loss = floats(words)[0],
                    "grad" => {
                        let name = words.next().unwrap().to_string();
                        sample.grads.insert(name, floats(words));
                    }
                    "dx" => sample.dx = floats(words),
                    other => panic!("unexpected line kind {other:?}"),
                }
            }
        }
    }
    // No max-pool winner and no ReLU side that a last-bit difference
    // between PyTorch's sums and ours could flip: a flip would change the
    // gradient by far more than the tolerance.
    assert!(pool_gap.unwrap() > 1e-4 && relu_margin.unwrap() > 1e-4);
    assert_eq!(samples.len(), 3);
    for s in &samples {
        assert_eq!(
            (s.input.len(), s.logits.len(), s.dx.len()),
            (INPUT, CLASSES, INPUT)
        );
        assert!(s.loss.is_finite());
    }
    Outputs {
        samples,
        batch_loss: batch_loss.unwrap(),
        batch_grads,
    }
}

/// Every tensor of a file, by name: its shape and its values, row-major.
fn tensors_of_file(bytes: &[u8]) -> BTreeMap<String, (Vec<usize>, Vec<f64>)> {
    nn_format::read_tensors(bytes)
        .unwrap()
        .into_iter()
        .map(|t| (t.name, (t.shape, t.values.unwrap())))
        .collect()
}

/// Every tensor of a network (or of a gradient), by name, in PyTorch's
/// shapes and row-major order: `nn::io`'s export, the inverse of what
/// `#[weights]` reads.
fn tensors_of(net: &ResidualCnn<f32>) -> BTreeMap<String, (Vec<usize>, Vec<f64>)> {
    tensors_of_file(&nn::io::to_safetensors_bytes(net).unwrap())
}

fn input(values: &[f64]) -> SVector<f32, INPUT> {
    SVector::from_iterator(values.iter().map(|&v| v as f32))
}

fn class(c: usize) -> ClassLabel<CLASSES> {
    ClassLabel::new(c).unwrap()
}

fn assert_close(what: &str, ours: f64, theirs: f64) {
    assert!(
        (ours - theirs).abs() <= TOLERANCE * theirs.abs().max(1.0),
        "{what}: ours {ours}, PyTorch {theirs}"
    );
}

fn assert_all_close(what: &str, ours: impl IntoIterator<Item = f64>, theirs: &[f64]) {
    let ours: Vec<f64> = ours.into_iter().collect();
    assert_eq!(ours.len(), theirs.len(), "{what}: length");
    for (k, (&o, &t)) in ours.iter().zip(theirs).enumerate() {
        assert_close(&format!("{what}[{k}]"), o, t);
    }
}

/// Our gradient network against PyTorch's gradients, tensor by tensor: the
/// same names, none missing, and the values row-major.
fn assert_grads_close(what: &str, ours: &ResidualCnn<f32>, theirs: &BTreeMap<String, Vec<f64>>) {
    let ours = tensors_of(ours);
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>(),
        "{what}: tensor names"
    );
    for (name, (_, values)) in &ours {
        assert_all_close(
            &format!("{what}, d/d {name}"),
            values.iter().copied(),
            &theirs[name],
        );
    }
}

#[test]
fn bakes_pytorchs_tensors_in_pytorchs_layout() {
    let file = tensors_of_file(&std::fs::read(fixture("residual_cnn.safetensors")).unwrap());
    let baked = tensors_of(&NET);
    // Names and shapes as PyTorch's `state_dict`: a convolution's weight is
    // `[out, in / groups, kh, kw]`.
    assert_eq!(file["stem.weight"].0, [4, 2, 3, 3]);
    assert_eq!(file["dw.weight"].0, [4, 1, 3, 3]);
    assert_eq!(file["down.weight"].0, [3, 4, 3, 3]);
    assert_eq!(file["out.weight"].0, [5, 28]);
    assert_eq!(baked.len(), 10);
    // Exactly the file's values, every one in its place.
    assert_eq!(baked, file);
    assert_eq!(
        <ResidualCnn<f32> as Params<f32>>::PARAM_COUNT,
        file.values().map(|(_, v)| v.len()).sum::<usize>()
    );
}

#[test]
fn logits_match_pytorch() {
    for (i, s) in outputs().samples.iter().enumerate() {
        let logits = NET.forward(&input(&s.input));
        assert_all_close(
            &format!("sample {i}, logits"),
            logits.iter().map(|&v| f64::from(v)),
            &s.logits,
        );
    }
}

#[test]
fn loss_and_every_gradient_match_pytorch() {
    for (i, s) in outputs().samples.iter().enumerate() {
        let (loss, grads, dx) = NET.loss_and_grad(&input(&s.input), &class(s.class));
        assert_close(&format!("sample {i}, loss"), f64::from(loss), s.loss);
        assert_grads_close(&format!("sample {i}"), &grads, &s.grads);
        assert_all_close(
            &format!("sample {i}, d/dx"),
            dx.iter().map(|&v| f64::from(v)),
            &s.dx,
        );
    }
}

#[test]
fn batch_path_matches_pytorch_on_a_batch_of_three() {
    let outputs = outputs();
    let samples = &outputs.samples;
    let x = Batch::<f32, INPUT>::from_fn(samples.len(), |r, j| samples[j].input[r] as f32);
    let ys: Vec<ClassLabel<CLASSES>> = samples.iter().map(|s| class(s.class)).collect();

    let logits = NET.forward_batch(&x);
    for (j, s) in samples.iter().enumerate() {
        assert_all_close(
            &format!("batch column {j}, logits"),
            logits.column(j).iter().map(|&v| f64::from(v)),
            &s.logits,
        );
    }

    let mut trace = ResidualCnnTraceBatch::new();
    let mut grads = ResidualCnn::<f32>::zeros();
    let mut dx = Batch::<f32, INPUT>::zeros(samples.len());
    let loss = NET.loss_and_grad_batch(&x, &ys, &mut trace, &mut grads, Some(&mut dx));
    assert_close("batch loss", f64::from(loss), outputs.batch_loss);
    assert_grads_close("batch", &grads, &outputs.batch_grads);
    // The mean loss's gradient for sample j is its own over the batch size.
    for (j, s) in samples.iter().enumerate() {
        let theirs: Vec<f64> = s.dx.iter().map(|v| v / samples.len() as f64).collect();
        assert_all_close(
            &format!("batch column {j}, d/dx"),
            dx.column(j).iter().map(|&v| f64::from(v)),
            &theirs,
        );
    }
}
