//! Mini-batches: batched forward equals per-sample forward, and the gradient
//! of the batch's mean loss equals the mean of per-sample gradients, for full
//! and partial batches.

mod common;
use common::*;

use nn::batch::Batch;
use nn::loss::{Loss, SoftmaxCrossEntropy};
use nn::nalgebra::SVector;
use nn::{ClassLabel, Network, Params};

nn::network! {
    struct Mnist {
        input: 784,
        hidden1: dense(16, relu),
        hidden2: dense(16, relu),
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

nn::network! {
    /// Not fused: the loss reads the softmax output, then its VJP.
    struct Mixed {
        input: 9,
        a: dense(7, leaky_relu(0.1)),
        b: dense(8, tanh),
        c: dense(6, softmax),
        loss: huber(0.5),
    }
}

fn batch_of<const N: usize>(xs: &[SVector<f64, N>]) -> Batch<f64, N> {
    Batch::<f64, N>::from_fn(xs.len(), |i, j| xs[j][i])
}

fn assert_close(a: f64, b: f64) {
    assert!(
        (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0),
        "{a} vs {b}"
    );
}

fn assert_nets_close<N: Network<f64, I, O>, const I: usize, const O: usize>(a: &N, b: &N) {
    for (ta, tb) in a.tensors().zip(b.tensors()) {
        for (&x, &y) in ta.iter().zip(tb) {
            assert_close(x, y);
        }
    }
}

#[test]
fn batch_gradient_is_the_mean_of_sample_gradients_for_the_homework_net() {
    let mut rng = nn::init::SplitMix64::new(1);
    let mut net = Mnist::<f64>::init(3);
    randomize_biases(&mut net, &mut rng);
    let mut trace = MnistTraceBatch::new();
    // 64 first, then a partial batch of 7 and sizes around the GEMM threshold,
    // all through the same trace.
    for size in [64usize, 7, 1, 5, 6, 33] {
        let xs: Vec<SVector<f64, 784>> = (0..size)
            .map(|_| random_vector(&mut rng, 0.0, 1.0))
            .collect();
        let ys: Vec<ClassLabel<10>> = (0..size)
            .map(|_| ClassLabel::new(rng.below(10) as usize).unwrap())
            .collect();
        let x = batch_of(&xs);
        let mut grads = Mnist::<f64>::zeros();
        let mut dx = Batch::<f64, 784>::zeros(size);
        let loss = net.loss_and_grad_batch(&x, &ys, &mut trace, &mut grads, Some(&mut dx));

        let mut mean = Mnist::<f64>::zeros();
        let mut mean_loss = 0.0;
        for (j, (x, y)) in xs.iter().zip(&ys).enumerate() {
            let (l, g, dxj) = net.loss_and_grad(x, y);
            mean_loss += l / size as f64;
            for (m, g) in mean.tensors_mut().zip(g.tensors()) {
                for (m, g) in m.iter_mut().zip(g) {
                    *m += g / size as f64;
                }
            }
            for i in 0..784 {
                assert_close(dx[(i, j)], dxj[i] / size as f64);
            }
        }
        assert_close(loss, mean_loss);
        assert_close(net.loss_batch(&x, &ys, &mut trace), mean_loss);
        assert_nets_close(&grads, &mean);
        let out = net.forward_batch(&x);
        for (j, x) in xs.iter().enumerate() {
            let single = net.forward(x);
            for i in 0..10 {
                assert_close(out[(i, j)], single[i]);
            }
        }
    }
}

#[test]
fn batch_gradient_through_a_softmax_output_and_huber_loss() {
    let mut rng = nn::init::SplitMix64::new(2);
    let mut net = Mixed::<f64>::init(5);
    randomize_biases(&mut net, &mut rng);
    let mut trace = MixedTraceBatch::new();
    for size in [10usize, 3] {
        let xs: Vec<SVector<f64, 9>> = (0..size)
            .map(|_| random_vector(&mut rng, -1.0, 1.0))
            .collect();
        let ys: Vec<SVector<f64, 6>> = (0..size).map(|_| random_distribution(&mut rng)).collect();
        let mut grads = Mixed::<f64>::zeros();
        let loss = net.loss_and_grad_batch(&batch_of(&xs), &ys, &mut trace, &mut grads, None);
        let mut mean = Mixed::<f64>::zeros();
        let mut mean_loss = 0.0;
        for (x, y) in xs.iter().zip(&ys) {
            let (l, g, _) = net.loss_and_grad(x, y);
            mean_loss += l / size as f64;
            for (m, g) in mean.tensors_mut().zip(g.tensors()) {
                for (m, g) in m.iter_mut().zip(g) {
                    *m += g / size as f64;
                }
            }
        }
        assert_close(loss, mean_loss);
        assert_nets_close(&grads, &mean);
    }
}

#[test]
#[should_panic(expected = "a batch of 3 samples needs as many targets, got 2")]
fn mismatched_target_count_is_reported() {
    let net = Mixed::<f64>::init(5);
    let x = Batch::<f64, 9>::zeros(3);
    let ys = [SVector::<f64, 6>::zeros(); 2];
    let mut grads = Mixed::<f64>::zeros();
    net.loss_and_grad_batch(&x, &ys, &mut MixedTraceBatch::new(), &mut grads, None);
}

#[test]
fn fused_batch_sgd_step_equals_parameters_minus_lr_times_mean_gradient() {
    let mut rng = nn::init::SplitMix64::new(11);
    for size in [9usize, 3] {
        let mut net = Mixed::<f64>::init(6);
        randomize_biases(&mut net, &mut rng);
        let xs: Vec<SVector<f64, 9>> = (0..size)
            .map(|_| random_vector(&mut rng, -1.0, 1.0))
            .collect();
        let ys: Vec<SVector<f64, 6>> = (0..size).map(|_| random_distribution(&mut rng)).collect();
        let x = batch_of(&xs);
        let mut trace = MixedTraceBatch::new();
        let mut grads = Mixed::<f64>::zeros();
        let loss = net.loss_and_grad_batch(&x, &ys, &mut trace, &mut grads, None);
        let mut stepped = net.clone();
        let step_loss = stepped.sgd_step_batch(&x, &ys, &mut trace, 0.1);
        assert_close(loss, step_loss);
        for ((p, g), s) in net.tensors().zip(grads.tensors()).zip(stepped.tensors()) {
            for ((&p, &g), &s) in p.iter().zip(g).zip(s) {
                assert_close(p - 0.1 * g, s);
            }
        }
        // Per-sample forward (trace-free) agrees with the traced forward.
        let mut single = MixedTrace::new();
        net.forward_trace(&xs[0], &mut single);
        assert_eq!(net.forward(&xs[0]), single.c.a);
    }
}

nn::network! {
    /// Fused loss over a softmax output: `a` is what the cross-entropy reads.
    struct SoftmaxOut {
        input: 3,
        h: dense(4, tanh),
        out: dense(3, softmax),
        loss: softmax_cross_entropy,
    }
}

nn::network! {
    /// Fused loss over raw logits: `a = z`.
    struct LogitsOut {
        input: 3,
        h: dense(4, tanh),
        out: dense(3),
        loss: softmax_cross_entropy,
    }
}

nn::network! {
    /// Fused loss over a sigmoid output.
    struct SigmoidOut {
        input: 3,
        h: dense(4, tanh),
        out: dense(1, sigmoid),
        loss: binary_cross_entropy,
    }
}

/// Central finite differences of `loss` (the mean loss of a batch as a
/// function of the output layer's activations) at `a`.
fn finite_difference<const N: usize>(
    a: &Batch<f64, N>,
    loss: impl Fn(&Batch<f64, N>) -> f64,
) -> Batch<f64, N> {
    let h = 1e-6;
    Batch::<f64, N>::from_fn(a.ncols(), |i, j| {
        let (mut up, mut down) = (a.clone(), a.clone());
        up[(i, j)] += h;
        down[(i, j)] -= h;
        (loss(&up) - loss(&down)) / (2.0 * h)
    })
}

fn assert_batches_close<const N: usize>(a: &Batch<f64, N>, b: &Batch<f64, N>, tol: f64) {
    for (&x, &y) in a.iter().zip(b.iter()) {
        assert!(
            (x - y).abs() <= tol * x.abs().max(y.abs()).max(1.0),
            "{x} vs {y}\n{a}\n{b}"
        );
    }
}

/// For a fused loss, the batch trace's `da` of the output layer must be
/// dL/da of the batch's mean loss (finite differences of `$loss_of_a`), the
/// same after the fused SGD step, and consistent with the per-sample
/// backward pass: fed `B · da` of a sample, `backward` gives that sample's
/// `loss_and_grad` gradient.
macro_rules! check_output_da {
    ($net:ident, $trace:ident, $batch_trace:ident, $xs:expr, $ys:expr, $loss_of_a:expr) => {{
        let mut rng = nn::init::SplitMix64::new(21);
        let mut net = $net::<f64>::init(4);
        randomize_biases(&mut net, &mut rng);
        let (xs, ys) = ($xs, $ys);
        let size = xs.len();
        let x = batch_of(&xs);
        let mut trace = $batch_trace::new();
        let mut grads = $net::<f64>::zeros();
        net.loss_and_grad_batch(&x, &ys, &mut trace, &mut grads, None);
        let expected = finite_difference(&trace.out.a, |a| $loss_of_a(a, &ys));
        assert_batches_close(&trace.out.da, &expected, 1e-6);

        let mut sgd_trace = $batch_trace::new();
        net.clone().sgd_step_batch(&x, &ys, &mut sgd_trace, 0.1);
        assert_eq!(sgd_trace.out.da, trace.out.da);

        for (j, (x, y)) in xs.iter().zip(&ys).enumerate() {
            let mut single = $trace::new();
            net.forward_trace(x, &mut single);
            let d_out = nn::batch::column(&trace.out.da, j) * size as f64;
            let (from_da, _) = net.backward(x, &single, &d_out);
            let (_, from_loss, _) = net.loss_and_grad(x, y);
            assert_nets_close(&from_da, &from_loss);
        }
    }};
}

/// `−(1/B) Σⱼ Σᵢ yᵢⱼ ln aᵢⱼ`, the cross-entropy written on the activations.
fn cross_entropy_on<const N: usize>(a: &Batch<f64, N>, ys: &[SVector<f64, N>]) -> f64 {
    let total: f64 = ys
        .iter()
        .enumerate()
        .map(|(j, y)| -(0..N).map(|i| y[i] * a[(i, j)].ln()).sum::<f64>())
        .sum();
    total / ys.len() as f64
}

fn one_hot<const N: usize>(labels: &[ClassLabel<N>]) -> Vec<SVector<f64, N>> {
    labels
        .iter()
        .map(|c| SVector::from_fn(|i, _| if i == c.index() { 1.0 } else { 0.0 }))
        .collect()
}

#[test]
fn fused_softmax_output_reports_dl_da_in_the_batch_trace() {
    let mut rng = nn::init::SplitMix64::new(31);
    let xs: Vec<SVector<f64, 3>> = (0..5).map(|_| random_vector(&mut rng, -1.0, 1.0)).collect();
    let labels: Vec<ClassLabel<3>> = (0..5)
        .map(|_| ClassLabel::new(rng.below(3) as usize).unwrap())
        .collect();
    let dists: Vec<SVector<f64, 3>> = (0..5).map(|_| random_distribution(&mut rng)).collect();
    check_output_da!(
        SoftmaxOut,
        SoftmaxOutTrace,
        SoftmaxOutTraceBatch,
        xs.clone(),
        labels,
        |a: &Batch<f64, 3>, ys: &[ClassLabel<3>]| cross_entropy_on(a, &one_hot(ys))
    );
    check_output_da!(
        SoftmaxOut,
        SoftmaxOutTrace,
        SoftmaxOutTraceBatch,
        xs,
        dists,
        |a: &Batch<f64, 3>, ys: &[SVector<f64, 3>]| cross_entropy_on(a, ys)
    );
}

#[test]
fn fused_loss_on_logits_reports_delta_as_da_in_the_batch_trace() {
    let mut rng = nn::init::SplitMix64::new(32);
    let xs: Vec<SVector<f64, 3>> = (0..4).map(|_| random_vector(&mut rng, -1.0, 1.0)).collect();
    let labels: Vec<ClassLabel<3>> = (0..4)
        .map(|_| ClassLabel::new(rng.below(3) as usize).unwrap())
        .collect();
    // `a = z`: the loss of the activations is the fused loss itself.
    check_output_da!(
        LogitsOut,
        LogitsOutTrace,
        LogitsOutTraceBatch,
        xs,
        labels,
        |a: &Batch<f64, 3>, ys: &[ClassLabel<3>]| {
            let total: f64 = ys
                .iter()
                .enumerate()
                .map(|(j, y)| SoftmaxCrossEntropy.value(&nn::batch::column(a, j), y))
                .sum();
            total / ys.len() as f64
        }
    );
}

#[test]
fn fused_sigmoid_output_reports_dl_da_in_the_batch_trace() {
    let mut rng = nn::init::SplitMix64::new(33);
    let xs: Vec<SVector<f64, 3>> = (0..6).map(|_| random_vector(&mut rng, -1.0, 1.0)).collect();
    // Hard labels and soft targets, so both terms of the loss show.
    let ys: Vec<SVector<f64, 1>> = [1.0, 0.0, 0.3, 1.0, 0.8, 0.0]
        .map(SVector::<f64, 1>::new)
        .to_vec();
    check_output_da!(
        SigmoidOut,
        SigmoidOutTrace,
        SigmoidOutTraceBatch,
        xs,
        ys,
        |a: &Batch<f64, 1>, ys: &[SVector<f64, 1>]| {
            let total: f64 = ys
                .iter()
                .enumerate()
                .map(|(j, y)| {
                    let (a, y) = (a[(0, j)], y[0]);
                    -y * a.ln() - (1.0 - y) * (1.0 - a).ln()
                })
                .sum();
            total / ys.len() as f64
        }
    );
}

#[test]
fn batch_supervised_trait_agrees_with_inherent_methods() {
    // Generic code sees only the trait; its methods are the inherent ones
    // under the same names, `dx` included.
    fn through_trait<N: nn::batch::BatchSupervised<f64, 9, 6, SVector<f64, 6>>>(
        net: &N,
        x: &Batch<f64, 9>,
        ys: &[SVector<f64, 6>],
    ) -> (Batch<f64, 6>, f64, N, Batch<f64, 9>) {
        let mut trace = N::Trace::default();
        let out = net.forward_batch_trace(x, &mut trace).clone();
        let mut grads = N::zeros();
        let mut dx = Batch::<f64, 9>::zeros(ys.len());
        let loss = net.loss_and_grad_batch(x, ys, &mut trace, &mut grads, Some(&mut dx));
        (out, loss, grads, dx)
    }
    let mut rng = nn::init::SplitMix64::new(12);
    let net = Mixed::<f64>::init(5);
    let xs: Vec<SVector<f64, 9>> = (0..4).map(|_| random_vector(&mut rng, -1.0, 1.0)).collect();
    let ys: Vec<SVector<f64, 6>> = (0..4).map(|_| random_vector(&mut rng, 0.0, 1.0)).collect();
    let x = batch_of(&xs);
    let (out, loss, grads, dx) = through_trait(&net, &x, &ys);

    let mut trace = MixedTraceBatch::new();
    assert_eq!(net.forward_batch_trace(&x, &mut trace), &out);
    let mut want = Mixed::<f64>::zeros();
    let mut want_dx = Batch::<f64, 9>::zeros(4);
    let want_loss = net.loss_and_grad_batch(&x, &ys, &mut trace, &mut want, Some(&mut want_dx));
    assert_close(loss, want_loss);
    assert_nets_close(&grads, &want);
    assert_eq!(dx, want_dx);
}

nn::network! {
    /// Odd widths, so that column chunks end off the microkernel grid, and
    /// wide enough that the middle layer's products (129 · 300 · 61 and up)
    /// are split over threads.
    struct Wide {
        input: 37,
        a: dense(300, tanh),
        b: dense(129, relu),
        out: dense(10),
        loss: softmax_cross_entropy,
    }
}

/// The thread count is global: the tests that set it take turns.
static THREADS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn bits<T: nn::Scalar>(xs: &[T]) -> Vec<u64> {
    xs.iter().map(|x| x.into_f64().to_bits()).collect()
}

fn wide_trace_bits<T: nn::Scalar>(trace: &WideTraceBatch<T>) -> Vec<u64> {
    let mut all = Vec::new();
    for m in [&trace.a.z, &trace.a.a, &trace.a.da, &trace.a.delta] {
        all.extend(bits(m.as_slice()));
    }
    for m in [&trace.b.z, &trace.b.a, &trace.b.da, &trace.b.delta] {
        all.extend(bits(m.as_slice()));
    }
    for m in [&trace.out.z, &trace.out.a, &trace.out.da, &trace.out.delta] {
        all.extend(bits(m.as_slice()));
    }
    all
}

fn net_bits<T: nn::Scalar>(net: &Wide<T>) -> Vec<u64> {
    net.tensors().flat_map(|t| bits(t)).collect()
}

/// Everything the batch kernels compute for one batch: the forward trace,
/// the loss, its gradients and dL/dX, then the weights and losses of three
/// fused SGD steps; as bit patterns.
fn wide_batch_results<T: nn::Scalar>(size: usize) -> Vec<u64> {
    let mut rng = nn::init::SplitMix64::new(size as u64);
    let mut net = Wide::<T>::init(5);
    let x = Batch::<T, 37>::from_fn(size, |_, _| T::cast_f64(rng.next_f64() * 2.0 - 1.0));
    let ys: Vec<ClassLabel<10>> = (0..size)
        .map(|_| ClassLabel::new(rng.below(10) as usize).unwrap())
        .collect();
    let mut trace = WideTraceBatch::new();
    net.forward_batch_trace(&x, &mut trace);
    let mut all = wide_trace_bits(&trace);
    let mut grads = Wide::<T>::zeros();
    let mut dx = Batch::<T, 37>::zeros(size);
    let loss = net.loss_and_grad_batch(&x, &ys, &mut trace, &mut grads, Some(&mut dx));
    all.extend(bits(&[loss]));
    all.extend(wide_trace_bits(&trace));
    all.extend(net_bits(&grads));
    all.extend(bits(dx.as_slice()));
    for _ in 0..3 {
        let loss = net.sgd_step_batch(&x, &ys, &mut trace, T::cast_f64(0.05));
        all.extend(bits(&[loss]));
    }
    all.extend(net_bits(&net));
    all
}

fn thread_count_does_not_change_batch_results<T: nn::Scalar>() {
    let _turn = THREADS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let default = nn::batch::threads();
    for size in [61, 64] {
        nn::batch::set_threads(1);
        let one = wide_batch_results::<T>(size);
        for threads in [2, 3] {
            nn::batch::set_threads(threads);
            let split = wide_batch_results::<T>(size);
            assert!(
                one == split,
                "{}: batch of {size} on {threads} threads differs from one thread",
                T::NAME
            );
        }
    }
    nn::batch::set_threads(default);
}

#[test]
fn thread_count_does_not_change_batch_results_f32() {
    thread_count_does_not_change_batch_results::<f32>();
}

#[test]
fn thread_count_does_not_change_batch_results_f64() {
    thread_count_does_not_change_batch_results::<f64>();
}
