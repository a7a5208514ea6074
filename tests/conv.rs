//! Image layers and skip connections through `network!`: every new layer
//! kind against central finite differences in f64 (stride 1 and 2, padding
//! 0 and 1, odd sizes, a residual `add`, a `concat`, a layer and the input
//! read twice), the batch passes against the per-sample ones, the SGD steps
//! against `θ − lr·∇`, and the shapes the macro computes.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;
use common::*;
use nn::batch::Batch;
use nn::gradcheck::check_gradients;
use nn::init::SplitMix64;
use nn::nalgebra::SVector;
use nn::{ClassLabel, Params, Supervised};

/// `check_gradients` (every parameter and every input) on three seeds.
fn gradcheck<N, const IN: usize, const OUT: usize>()
where
    N: Supervised<f64, IN, OUT, ClassLabel<OUT>>,
{
    for seed in 0..3u64 {
        let mut rng = SplitMix64::new(seed * 7919 + 17);
        let mut net = N::init(seed);
        randomize_biases(&mut net, &mut rng);
        let x = random_vector::<IN>(&mut rng, -1.0, 1.0);
        let y = ClassLabel::new(rng.below(OUT as u64) as usize).unwrap();
        let report = check_gradients(&net, &x, &y, 1e-5);
        assert!(report.max_error() <= 1e-6, "seed {seed}: {report:?}");
    }
}

nn::network! {
    /// conv2d stride 1 padding 1 on an odd image, then stride 2 padding 0.
    struct Convs {
        input: [2, 5, 7],
        c1: conv2d(3, 3, padding = 1, tanh),
        c2: conv2d(3 -> 4, 3, stride = 2, sigmoid),
        flat: flatten,
        out: dense(3),
        loss: softmax_cross_entropy,
    }
}

nn::network! {
    /// depthwise stride 2 padding 1, then stride 1 padding 0 with a kernel of 2.
    struct Depthwise {
        input: [3, 7, 5],
        d1: depthwise_conv2d(3, stride = 2, padding = 1, tanh),
        d2: depthwise_conv2d(2, softplus),
        flat: flatten,
        out: dense(3),
        loss: softmax_cross_entropy,
    }
}

nn::network! {
    /// max_pool 2 (stride 2, on odd sizes: the last row and column are
    /// dropped, as in PyTorch), then 3 with stride 2, and avg_pool.
    struct Pools {
        input: [2, 9, 9],
        c: conv2d(3, 2, tanh),
        mp: max_pool(2),
        c2: conv2d(3, 1, tanh),
        mp3: max_pool(3, stride = 2, from = c),
        ap: avg_pool(2, stride = 1, from = c2),
        flat: flatten(from = mp3),
        flat2: flatten(from = ap),
        both: concat(flat, flat2),
        out: dense(4),
        loss: softmax_cross_entropy,
    }
}

nn::network! {
    /// A residual block: the input of the block is added to its output,
    /// then joined with a branch along the channels.
    struct Residual {
        input: [2, 6, 6],
        stem: conv2d(3, 3, padding = 1, tanh),
        branch: conv2d(3, 3, padding = 1, tanh),
        res: add(stem, branch),
        side: conv2d(2, 1, sigmoid, from = stem),
        cat: concat(res, side),
        pool: avg_pool(2),
        flat: flatten,
        out: dense(3),
        loss: softmax_cross_entropy,
    }
}

nn::network! {
    /// The input read three times, one layer read twice by one `add`.
    struct Reuse {
        input: 6,
        h: dense(6, tanh),
        twice: add(h, h),
        skip: add(input, twice),
        g: dense(4, tanh, from = input),
        cat: concat(skip, g),
        out: dense(3),
        loss: softmax_cross_entropy,
    }
}

nn::network! {
    /// An image input read by a pool first (no parameters before it) and
    /// by a convolution.
    struct InputTwice {
        input: [1, 6, 6],
        p: max_pool(2),
        c: conv2d(1, 3, stride = 2, padding = 1, tanh, from = input),
        sum: add(p, c),
        flat: flatten,
        out: dense(2),
        loss: softmax_cross_entropy,
    }
}

#[test]
fn conv2d_gradients() {
    gradcheck::<Convs<f64>, { 2 * 5 * 7 }, 3>();
}

#[test]
fn depthwise_gradients() {
    gradcheck::<Depthwise<f64>, { 3 * 7 * 5 }, 3>();
}

#[test]
fn pool_gradients() {
    gradcheck::<Pools<f64>, { 2 * 9 * 9 }, 4>();
}

#[test]
fn residual_and_concat_gradients() {
    gradcheck::<Residual<f64>, { 2 * 6 * 6 }, 3>();
}

#[test]
fn layers_read_twice_sum_their_gradients() {
    gradcheck::<Reuse<f64>, 6, 3>();
}

#[test]
fn input_read_by_a_pool_and_a_conv() {
    gradcheck::<InputTwice<f64>, 36, 2>();
}

/// The shapes the macro computes, by PyTorch's rule rounded down.
#[test]
fn shapes_and_tensors() {
    let layers = Pools::<f32>::LAYERS;
    let outs: Vec<(&str, &str, usize)> =
        layers.iter().map(|l| (l.name, l.kind, l.outputs)).collect();
    assert_eq!(
        outs,
        [
            ("c", "conv2d", 3 * 8 * 8),
            ("mp", "max_pool", 3 * 4 * 4),
            ("c2", "conv2d", 3 * 4 * 4),
            ("mp3", "max_pool", 3 * 3 * 3),
            ("ap", "avg_pool", 3 * 3 * 3),
            ("flat", "flatten", 27),
            ("flat2", "flatten", 27),
            ("both", "concat", 54),
            ("out", "dense", 4),
        ]
    );
    let shapes: Vec<(&str, &[usize])> = Residual::<f32>::TENSORS
        .iter()
        .map(|t| (t.name, t.shape))
        .collect();
    assert_eq!(
        shapes,
        [
            ("stem.weight", &[3, 2, 3, 3][..]),
            ("stem.bias", &[3][..]),
            ("branch.weight", &[3, 3, 3, 3][..]),
            ("branch.bias", &[3][..]),
            ("side.weight", &[2, 3, 1, 1][..]),
            ("side.bias", &[2][..]),
            ("out.weight", &[3, 5 * 3 * 3][..]),
            ("out.bias", &[3][..]),
        ]
    );
    assert_eq!(
        Depthwise::<f32>::TENSORS[0].shape,
        &[3, 1, 3, 3],
        "a depthwise weight is PyTorch's [channels, 1, k, k]"
    );
    assert_eq!(
        Residual::<f32>::PARAM_COUNT,
        3 * 18 + 3 + 3 * 27 + 3 + 2 * 3 + 2 + 3 * 45 + 3
    );
    assert_eq!(Residual::<f32>::LARGEST_ACTIVATION_BYTES, 4 * 5 * 6 * 6);
}

/// Per-sample inputs and labels for the batch tests.
fn samples<const IN: usize, const OUT: usize>(
    n: usize,
    seed: u64,
) -> (Vec<SVector<f64, IN>>, Vec<ClassLabel<OUT>>) {
    let mut rng = SplitMix64::new(seed);
    let xs = (0..n)
        .map(|_| random_vector::<IN>(&mut rng, -1.0, 1.0))
        .collect();
    let ys = (0..n)
        .map(|_| ClassLabel::new(rng.below(OUT as u64) as usize).unwrap())
        .collect();
    (xs, ys)
}

fn flat<P: Params<f64>>(net: &P) -> Vec<f64> {
    net.tensors().flat_map(|t| t.iter().copied()).collect()
}

fn close(a: &[f64], b: &[f64], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= 1e-12 * (1.0 + x.abs().max(y.abs())),
            "{what}[{k}]: {x} vs {y}"
        );
    }
}

/// The batch gradient is the mean of the per-sample ones, `dL/dX` the
/// per-sample `dL/dx` over the batch size, on 1 and 2 threads.
#[test]
fn batch_gradients_are_the_mean_of_per_sample_ones() {
    const IN: usize = 2 * 6 * 6;
    let mut rng = SplitMix64::new(5);
    let mut net = Residual::<f64>::init(3);
    randomize_biases(&mut net, &mut rng);
    let (xs, ys) = samples::<IN, 3>(7, 11);
    let mut mean = Residual::<f64>::zeros();
    let mut loss = 0.0;
    let mut dxs = Vec::new();
    for (x, y) in xs.iter().zip(&ys) {
        let (l, g, dx) = net.loss_and_grad(x, y);
        loss += l / 7.0;
        for (m, g) in mean.tensors_mut().zip(g.tensors()) {
            for (m, g) in m.iter_mut().zip(g) {
                *m += g / 7.0;
            }
        }
        dxs.extend(dx.iter().map(|v| v / 7.0));
    }
    let x = Batch::<f64, IN>::from_columns(&xs);
    for threads in [1, 2] {
        nn::batch::set_threads(threads);
        let mut trace = ResidualTraceBatch::new();
        let mut grads = Residual::<f64>::zeros();
        let mut dx = Batch::<f64, IN>::zeros(7);
        let batch_loss = net.loss_and_grad_batch(&x, &ys, &mut trace, &mut grads, Some(&mut dx));
        close(&[batch_loss], &[loss], "loss");
        close(&flat(&grads), &flat(&mean), "grads");
        close(dx.as_slice(), &dxs, "dx");
        // The forward pass alone agrees with the per-sample one.
        let out = net.forward_batch(&x);
        for (j, x) in xs.iter().enumerate() {
            close(
                out.column(j).as_slice(),
                net.forward(x).as_slice(),
                "forward",
            );
        }
    }
    nn::batch::set_threads(0);
}

/// `sgd_step` and `sgd_step_batch` are `θ − lr·∇` of the same gradient.
#[test]
fn sgd_steps_follow_the_gradient() {
    const IN: usize = 2 * 9 * 9;
    let mut rng = SplitMix64::new(8);
    let mut net = Pools::<f64>::init(1);
    randomize_biases(&mut net, &mut rng);
    let (xs, ys) = samples::<IN, 4>(5, 2);
    let lr = 0.25;

    let (_, g, _) = net.loss_and_grad(&xs[0], &ys[0]);
    let expected: Vec<f64> = flat(&net)
        .iter()
        .zip(flat(&g))
        .map(|(p, g)| p - lr * g)
        .collect();
    let mut stepped = net.clone();
    stepped.sgd_step(&xs[0], &ys[0], lr);
    close(&flat(&stepped), &expected, "sgd_step");

    let x = Batch::<f64, IN>::from_columns(&xs);
    let mut trace = PoolsTraceBatch::new();
    let mut grads = Pools::<f64>::zeros();
    net.loss_and_grad_batch(&x, &ys, &mut trace, &mut grads, None);
    let expected: Vec<f64> = flat(&net)
        .iter()
        .zip(flat(&grads))
        .map(|(p, g)| p - lr * g)
        .collect();
    let mut stepped = net.clone();
    stepped.sgd_step_batch(&x, &ys, &mut trace, lr);
    close(&flat(&stepped), &expected, "sgd_step_batch");
}

/// The same through a DAG with reused layers and inputs.
#[test]
fn sgd_steps_through_reused_layers() {
    let mut rng = SplitMix64::new(9);
    let mut net = Reuse::<f64>::init(4);
    randomize_biases(&mut net, &mut rng);
    let (xs, ys) = samples::<6, 3>(4, 3);
    let lr = 0.5;
    let x = Batch::<f64, 6>::from_columns(&xs);
    let mut trace = ReuseTraceBatch::new();
    let mut grads = Reuse::<f64>::zeros();
    net.loss_and_grad_batch(&x, &ys, &mut trace, &mut grads, None);
    let expected: Vec<f64> = flat(&net)
        .iter()
        .zip(flat(&grads))
        .map(|(p, g)| p - lr * g)
        .collect();
    let mut stepped = net.clone();
    stepped.sgd_step_batch(&x, &ys, &mut trace, lr);
    close(&flat(&stepped), &expected, "sgd_step_batch");

    let (_, g, _) = net.loss_and_grad(&xs[1], &ys[1]);
    let expected: Vec<f64> = flat(&net)
        .iter()
        .zip(flat(&g))
        .map(|(p, g)| p - lr * g)
        .collect();
    let mut stepped = net.clone();
    stepped.sgd_step(&xs[1], &ys[1], lr);
    close(&flat(&stepped), &expected, "sgd_step");
}

/// Without `dx`, a layer that reads an input read several times still gets
/// its own gradient (per sample and per batch).
#[test]
fn gradients_without_dx_through_a_reused_input() {
    let mut rng = SplitMix64::new(9);
    let mut net = Reuse::<f64>::init(4);
    randomize_biases(&mut net, &mut rng);
    let (xs, ys) = samples::<6, 3>(4, 3);
    let mut mean = Reuse::<f64>::zeros();
    for (x, y) in xs.iter().zip(&ys) {
        let (_, g, _) = net.loss_and_grad(x, y);
        let mut trace = ReuseTrace::new();
        let mut without_dx = Reuse::<f64>::zeros();
        net.loss_and_grad_into(x, y, &mut trace, &mut without_dx, None);
        close(&flat(&without_dx), &flat(&g), "per-sample grads without dx");
        for (m, g) in mean.tensors_mut().zip(g.tensors()) {
            for (m, g) in m.iter_mut().zip(g) {
                *m += g / 4.0;
            }
        }
    }
    let x = Batch::<f64, 6>::from_columns(&xs);
    let mut trace = ReuseTraceBatch::new();
    let mut grads = Reuse::<f64>::zeros();
    net.loss_and_grad_batch(&x, &ys, &mut trace, &mut grads, None);
    close(&flat(&grads), &flat(&mean), "batch grads without dx");
}

/// The summary shows image shapes as `[c, h, w]`, and widens its column.
#[test]
fn summary_shows_image_shapes() {
    let text = InputTwice::<f32>::zeros().summary().to_string();
    let expected = "\
InputTwice<f32>: 36 -> 2
  layer        shape                  activation             params
  p            [1, 6, 6] -> [1, 3, 3] -                           0
  c            [1, 6, 6] -> [1, 3, 3] tanh                       10
  sum          [1, 3, 3] -> [1, 3, 3] -                           0
  flat         [1, 3, 3] -> 9         -                           0
  out          9 -> 2                 identity                   20
";
    assert!(text.starts_with(expected), "{text}");
}

const CHANNELS: usize = 3;
const KERNEL: usize = 3;
const SIDE: usize = 6;
const HALF: usize = 2;

nn::network! {
    /// `Residual` with its sizes given by named constants: every shape is
    /// then a const expression, checked by const assertions.
    struct ResidualNamed {
        input: [2, SIDE, SIDE],
        stem: conv2d(CHANNELS, KERNEL, padding = 1, tanh),
        branch: conv2d(CHANNELS -> CHANNELS, KERNEL, padding = 1, tanh),
        res: add(stem, branch),
        side: conv2d(2, 1, sigmoid, from = stem),
        cat: concat(res, side),
        pool: avg_pool(HALF),
        flat: flatten,
        out: dense(3),
        loss: softmax_cross_entropy,
    }
}

/// Named sizes give the same network as literals: the same tensors, the
/// same outputs for the same weights, and gradients that pass the check.
#[test]
fn named_sizes_give_the_literal_network() {
    let shapes = |t: &[nn::TensorInfo]| t.iter().map(|t| (t.name, t.shape)).collect::<Vec<_>>();
    assert_eq!(
        shapes(ResidualNamed::<f32>::TENSORS),
        shapes(Residual::<f32>::TENSORS)
    );
    assert_eq!(
        ResidualNamed::<f32>::PARAM_COUNT,
        Residual::<f32>::PARAM_COUNT
    );
    assert_eq!(ResidualNamed::<f32>::LAYERS, Residual::<f32>::LAYERS);
    let mut rng = SplitMix64::new(4);
    let mut literal = Residual::<f64>::init(2);
    randomize_biases(&mut literal, &mut rng);
    let mut named = ResidualNamed::<f64>::zeros();
    for (n, l) in named.tensors_mut().zip(literal.tensors()) {
        n.copy_from_slice(l);
    }
    let x = random_vector::<72>(&mut rng, -1.0, 1.0);
    assert_eq!(named.forward(&x), literal.forward(&x));
    gradcheck::<ResidualNamed<f64>, 72, 3>();
}
