//! Mini-batches: batched forward equals per-sample forward, and the gradient
//! of the batch's mean loss equals the mean of per-sample gradients, for full
//! and partial batches.

mod common;
use common::*;

use nn::batch::Batch;
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
        let mut single = MixedTrace::zeros();
        net.forward_trace(&xs[0], &mut single);
        assert_eq!(net.forward(&xs[0]), single.c.a);
    }
}
