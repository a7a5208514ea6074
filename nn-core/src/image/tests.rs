//! Finite-difference checks of every image kernel in f64, the SGD kernels
//! against `θ − η ∇θ`, and the batch kernels against the per-sample ones.

use nalgebra::SVector;

use super::*;
use crate::{activation::Identity, init::SplitMix64};

/// Uniform values in `[-1, 1)`: with full mantissas, max-pooling windows
/// have no ties.
fn random<const N: usize>(rng: &mut SplitMix64) -> SVector<f64, N> {
    SVector::from_fn(|_, _| 2.0 * rng.next_f64() - 1.0)
}

fn random_layer<const IN: usize, const OUT: usize>(rng: &mut SplitMix64) -> Dense<f64, IN, OUT> {
    Dense {
        weight: nalgebra::SMatrix::from_fn(|_, _| 2.0 * rng.next_f64() - 1.0),
        bias: random(rng),
    }
}

const EPS: f64 = 1e-6;
/// The losses below are linear in each parameter and input (a convolution
/// is bilinear, pooling piecewise linear away from ties): central
/// differences are exact up to rounding.
const TOL: f64 = 1e-7;

/// The central difference of `f` at `v` in coordinate `i`.
fn central<const N: usize>(
    v: &SVector<f64, N>,
    i: usize,
    f: impl Fn(&SVector<f64, N>) -> f64,
) -> f64 {
    let (mut plus, mut minus) = (*v, *v);
    plus[i] += EPS;
    minus[i] -= EPS;
    (f(&plus) - f(&minus)) / (2.0 * EPS)
}

fn assert_close(analytic: f64, numeric: f64, what: &str) {
    assert!(
        (analytic - numeric).abs() <= TOL * analytic.abs().max(1.0),
        "{what}: analytic {analytic}, numeric {numeric}"
    );
}

/// `L = rᵀ z` for random `r`: its gradient in `z` is `r`, and the kernels'
/// backward must give the finite differences of `L` in `W`, `b` and `x`.
macro_rules! conv_gradcheck {
    ($name:ident, $kernel:ident, $backward:ident, $g:expr, $kk:expr, $out:expr) => {
        #[test]
        fn $name() {
            const G: Geometry = $g;
            const NIN: usize = G.input_len();
            const NOUT: usize = G.output_len();
            let mut rng = SplitMix64::new(NOUT as u64);
            let layer = random_layer::<{ $kk }, { $out }>(&mut rng);
            let x = random::<NIN>(&mut rng);
            let r = random::<NOUT>(&mut rng);
            let loss = |layer: &Dense<f64, { $kk }, { $out }>, x: &SVector<f64, NIN>| {
                let mut t = LayerTrace::<f64, NOUT>::new();
                $kernel(layer, &G, &Identity, x, &mut t);
                r.dot(&t.z)
            };
            let mut grad = Dense::zeros();
            let mut dx = SVector::repeat(7.0);
            $backward(&layer, &G, &x, &r, &mut grad, Some(&mut dx));
            for i in 0..NIN {
                let numeric = central(&x, i, |x| loss(&layer, x));
                assert_close(dx[i], numeric, &format!("dx[{i}]"));
            }
            let w = SVector::<f64, { $kk * $out }>::from_column_slice(layer.weight.as_slice());
            for i in 0..w.len() {
                let numeric = central(&w, i, |w| {
                    let mut l = layer;
                    l.weight.copy_from_slice(w.as_slice());
                    loss(&l, &x)
                });
                assert_close(grad.weight.as_slice()[i], numeric, &format!("dW[{i}]"));
            }
            for i in 0..$out {
                let numeric = central(&layer.bias, i, |b| {
                    let mut l = layer;
                    l.bias = *b;
                    loss(&l, &x)
                });
                assert_close(grad.bias[i], numeric, &format!("db[{i}]"));
            }
        }
    };
}

// C = 2, H = 5, W = 7, K = 3, O = 3 at every stride and padding.
conv_gradcheck!(
    conv_s1_p0,
    conv2d_forward_trace,
    conv2d_backward,
    Geometry::conv(2, 5, 7, 3, 3, 1, 0),
    18,
    3
);
conv_gradcheck!(
    conv_s1_p1,
    conv2d_forward_trace,
    conv2d_backward,
    Geometry::conv(2, 5, 7, 3, 3, 1, 1),
    18,
    3
);
conv_gradcheck!(
    conv_s2_p0,
    conv2d_forward_trace,
    conv2d_backward,
    Geometry::conv(2, 5, 7, 3, 3, 2, 0),
    18,
    3
);
conv_gradcheck!(
    conv_s2_p1,
    conv2d_forward_trace,
    conv2d_backward,
    Geometry::conv(2, 5, 7, 3, 3, 2, 1),
    18,
    3
);
// A 2×2 kernel at stride 2 skips the last row and column of 5 × 7.
conv_gradcheck!(
    conv_k2_s2_p1,
    conv2d_forward_trace,
    conv2d_backward,
    Geometry::conv(2, 5, 7, 3, 2, 2, 1),
    8,
    3
);
// Depthwise: C = 3 channels, H = 5, W = 7, K = 3.
conv_gradcheck!(
    depthwise_s1_p0,
    depthwise_conv2d_forward_trace,
    depthwise_conv2d_backward,
    Geometry::conv(3, 5, 7, 3, 3, 1, 0),
    9,
    3
);
conv_gradcheck!(
    depthwise_s1_p1,
    depthwise_conv2d_forward_trace,
    depthwise_conv2d_backward,
    Geometry::conv(3, 5, 7, 3, 3, 1, 1),
    9,
    3
);
conv_gradcheck!(
    depthwise_s2_p0,
    depthwise_conv2d_forward_trace,
    depthwise_conv2d_backward,
    Geometry::conv(3, 5, 7, 3, 3, 2, 0),
    9,
    3
);
conv_gradcheck!(
    depthwise_s2_p1,
    depthwise_conv2d_forward_trace,
    depthwise_conv2d_backward,
    Geometry::conv(3, 5, 7, 3, 3, 2, 1),
    9,
    3
);

#[test]
fn conv_forward_matches_a_hand_computed_example() {
    // x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], W = [[1, 0], [2, -1]], b = 0.5:
    // z[i][j] = x[i][j] + 2 x[i+1][j] − x[i+1][j+1] + 0.5.
    const G: Geometry = Geometry::conv(1, 3, 3, 1, 2, 1, 0);
    let layer = Dense::<f64, 4, 1> {
        weight: nalgebra::SMatrix::from([[1.0], [0.0], [2.0], [-1.0]]),
        bias: SVector::from([0.5]),
    };
    let x = SVector::<f64, 9>::from([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    let mut t = LayerTrace::<f64, 4>::new();
    conv2d_forward_trace(&layer, &G, &crate::activation::Relu, &x, &mut t);
    let expected = [
        1.0 + 8.0 - 5.0 + 0.5,
        2.0 + 10.0 - 6.0 + 0.5,
        4.0 + 14.0 - 8.0 + 0.5,
        5.0 + 16.0 - 9.0 + 0.5,
    ];
    assert_eq!(t.z, SVector::from(expected));
    assert_eq!(t.a, t.z);
    let mut a = SVector::<f64, 4>::zeros();
    conv2d_forward(&layer, &G, &crate::activation::Relu, &x, &mut a);
    assert_eq!(a, t.a);
    // Padding 1, stride 2 on the same image: window (0, 0) covers rows and
    // columns −1..=0, where only tap (1, 1) (weight −1) meets x[0][0];
    // window (0, 1) meets x[0][1] and x[0][2] under taps (1, 0) and (1, 1);
    // window (1, 0) meets x[1][0] and x[2][0] under taps (0, 1) and (1, 1);
    // window (1, 1) is the unpadded one at (1, 1).
    const P: Geometry = Geometry::conv(1, 3, 3, 1, 2, 2, 1);
    let mut t = LayerTrace::<f64, 4>::new();
    conv2d_forward_trace(&layer, &P, &Identity, &x, &mut t);
    // (0, 1): taps (1, 0) = 2·x[0][1], (1, 1) = −x[0][2]; (1, 0): taps
    // (0, 1) = 0·x[1][0], (1, 1) = −x[2][0]; (1, 1): 1·x[1][1] + 0·x[1][2]
    // + 2·x[2][1] − x[2][2].
    let expected = [
        -1.0 + 0.5,
        4.0 - 3.0 + 0.5,
        -7.0 + 0.5,
        5.0 + 16.0 - 9.0 + 0.5,
    ];
    assert_eq!(t.z, SVector::from(expected));
}

#[test]
#[should_panic(expected = "image kernel")]
fn a_geometry_that_does_not_fit_the_sizes_panics() {
    let layer = Dense::<f64, 4, 1>::zeros();
    let mut out = SVector::<f64, 4>::zeros();
    // 3 × 3 in, 2 × 2 kernel: 4 outputs, but 8 inputs given.
    conv2d_forward(
        &layer,
        &Geometry::conv(1, 3, 3, 1, 2, 1, 0),
        &Identity,
        &SVector::<f64, 8>::zeros(),
        &mut out,
    );
}

/// Pooling: `L = rᵀ pool(x)`, its finite differences in `x` against the
/// backward kernel.
macro_rules! pool_gradcheck {
    ($name:ident, $forward:ident, $g:expr, $backward:expr) => {
        #[test]
        fn $name() {
            const G: Geometry = $g;
            const NIN: usize = G.input_len();
            const NOUT: usize = G.output_len();
            let mut rng = SplitMix64::new(NIN as u64 + 100);
            let x = random::<NIN>(&mut rng);
            let r = random::<NOUT>(&mut rng);
            let loss = |x: &SVector<f64, NIN>| {
                let mut out = SVector::<f64, NOUT>::zeros();
                $forward(&G, x, &mut out);
                r.dot(&out)
            };
            let mut dx = SVector::<f64, NIN>::repeat(7.0);
            let backward: fn(&SVector<f64, NIN>, &SVector<f64, NOUT>, &mut SVector<f64, NIN>) =
                $backward;
            backward(&x, &r, &mut dx);
            for i in 0..NIN {
                assert_close(dx[i], central(&x, i, loss), &format!("dx[{i}]"));
            }
        }
    };
}

pool_gradcheck!(
    max_pool_2_2,
    max_pool_forward,
    Geometry::pool(2, 5, 7, 2, 2),
    |x, da, dx| max_pool_backward(&Geometry::pool(2, 5, 7, 2, 2), x, da, dx)
);
// Overlapping windows: an input can be the maximum of two windows.
pool_gradcheck!(
    max_pool_3_2,
    max_pool_forward,
    Geometry::pool(2, 5, 7, 3, 2),
    |x, da, dx| max_pool_backward(&Geometry::pool(2, 5, 7, 3, 2), x, da, dx)
);
pool_gradcheck!(
    avg_pool_2_2,
    avg_pool_forward,
    Geometry::pool(2, 5, 7, 2, 2),
    |_, da, dx| avg_pool_backward(&Geometry::pool(2, 5, 7, 2, 2), da, dx)
);
pool_gradcheck!(
    avg_pool_3_2,
    avg_pool_forward,
    Geometry::pool(2, 5, 7, 3, 2),
    |_, da, dx| avg_pool_backward(&Geometry::pool(2, 5, 7, 3, 2), da, dx)
);

#[test]
fn max_pool_sends_the_gradient_to_the_first_maximum_of_a_tie() {
    const G: Geometry = Geometry::pool(1, 2, 2, 2, 2);
    let x = SVector::<f64, 4>::from([1.0, 3.0, 3.0, 3.0]);
    let mut dx = SVector::zeros();
    max_pool_backward(&G, &x, &SVector::<f64, 1>::from([1.0]), &mut dx);
    assert_eq!(dx, SVector::from([0.0, 1.0, 0.0, 0.0]));
}

/// The SGD kernels: `θ` after is `θ − η ∇θ` with the gradient kernel's
/// gradient (bit for bit: the same sums), and `dx` is its `dx`.
macro_rules! sgd_check {
    ($name:ident, $backward:ident, $sgd:ident, $g:expr, $kk:expr, $out:expr) => {
        #[test]
        fn $name() {
            const G: Geometry = $g;
            const NIN: usize = G.input_len();
            const NOUT: usize = G.output_len();
            let mut rng = SplitMix64::new(3);
            let layer = random_layer::<{ $kk }, { $out }>(&mut rng);
            let x = random::<NIN>(&mut rng);
            let dz = random::<NOUT>(&mut rng);
            let lr = 0.1;
            let (mut grad, mut dx) = (Dense::zeros(), SVector::zeros());
            $backward(&layer, &G, &x, &dz, &mut grad, Some(&mut dx));
            let mut updated = layer;
            let mut sgd_dx = SVector::repeat(7.0);
            $sgd(&mut updated, &G, &x, &dz, lr, Some(&mut sgd_dx));
            assert_eq!(sgd_dx, dx);
            assert_eq!(updated.weight, layer.weight - grad.weight * lr);
            assert_eq!(updated.bias, layer.bias - grad.bias * lr);
            let mut without_dx = layer;
            $sgd(&mut without_dx, &G, &x, &dz, lr, None);
            assert_eq!(without_dx, updated);
        }
    };
}

sgd_check!(
    conv_sgd_is_theta_minus_lr_grad,
    conv2d_backward,
    conv2d_sgd_backward,
    Geometry::conv(2, 5, 7, 3, 3, 2, 1),
    18,
    3
);
sgd_check!(
    depthwise_sgd_is_theta_minus_lr_grad,
    depthwise_conv2d_backward,
    depthwise_conv2d_sgd_backward,
    Geometry::conv(3, 5, 7, 3, 3, 2, 1),
    9,
    3
);

#[cfg(feature = "batch")]
mod batch {
    use alloc::vec::Vec;

    use nalgebra::SVector;

    use super::{SplitMix64, random_layer};
    use crate::{
        Dense, LayerTrace,
        activation::{Activation, Tanh},
        batch::{Batch, BatchLayerTrace, column},
        image::{batch::*, *},
    };

    /// Runs `f` with 1 and then 2 threads for the batch products (with
    /// `parallel`; else once, on the calling thread), then puts the thread
    /// count back.
    fn on_1_and_2_threads(mut f: impl FnMut()) {
        #[cfg(feature = "parallel")]
        {
            let before = crate::batch::threads();
            for threads in [1, 2] {
                crate::batch::set_threads(threads);
                f();
            }
            crate::batch::set_threads(before);
        }
        #[cfg(not(feature = "parallel"))]
        f();
    }

    fn random_batch<const N: usize>(rng: &mut SplitMix64, batch: usize) -> Batch<f64, N> {
        let values: Vec<f64> = (0..N * batch).map(|_| 2.0 * rng.next_f64() - 1.0).collect();
        Batch::from_column_slice(&values)
    }

    fn assert_near<const N: usize>(a: &SVector<f64, N>, b: &SVector<f64, N>, what: &str) {
        let scale = b.amax().max(1.0);
        assert!((a - b).amax() <= 1e-12 * scale, "{what}: {a} vs {b}");
    }

    fn assert_layers_near<const IN: usize, const OUT: usize>(
        a: &Dense<f64, IN, OUT>,
        b: &Dense<f64, IN, OUT>,
        what: &str,
    ) {
        let scale = b.weight.amax().max(1.0);
        assert!(
            (a.weight - b.weight).amax() <= 1e-12 * scale,
            "{what}: weights differ"
        );
        assert!(
            (a.bias - b.bias).amax() <= 1e-12 * scale,
            "{what}: biases differ"
        );
    }

    /// Forward z and a, the gradients (the sum over the batch of each
    /// sample's, as the dense batch kernels define it for a δ already
    /// divided by B), dx, and the SGD kernel, against the per-sample
    /// kernels column by column.
    macro_rules! conv_batch_check {
        ($name:ident, $g:expr, $kk:expr, $out:expr) => {
            #[test]
            fn $name() {
                const G: Geometry = $g;
                const NIN: usize = G.input_len();
                const NOUT: usize = G.output_len();
                on_1_and_2_threads(|| {
                    for batch in [5, 37] {
                        let mut rng = SplitMix64::new(batch as u64);
                        let layer = random_layer::<{ $kk }, { $out }>(&mut rng);
                        let x = random_batch::<NIN>(&mut rng, batch);
                        let delta = random_batch::<NOUT>(&mut rng, batch);
                        let mut t = BatchConvTrace::<f64, NOUT>::new();
                        conv2d_forward_trace_batch(&layer, &G, &Tanh, &x, &mut t);
                        t.delta.copy_from(&delta);
                        let (mut grad, mut dx) = (Dense::zeros(), Batch::<f64, NIN>::zeros(0));
                        conv2d_backward_batch(&layer, &G, &x, &mut t, &mut grad, Some(&mut dx));

                        let mut sum = Dense::<f64, { $kk }, { $out }>::zeros();
                        for j in 0..batch {
                            let xj = column(&x, j);
                            let mut tj = LayerTrace::<f64, NOUT>::new();
                            conv2d_forward_trace(&layer, &G, &Tanh, &xj, &mut tj);
                            assert_near(&column(&t.z, j), &tj.z, "z");
                            assert_near(&column(&t.a, j), &tj.a, "a");
                            let (mut gj, mut dxj) = (Dense::zeros(), SVector::zeros());
                            conv2d_backward(
                                &layer,
                                &G,
                                &xj,
                                &column(&delta, j),
                                &mut gj,
                                Some(&mut dxj),
                            );
                            assert_near(&column(&dx, j), &dxj, "dx");
                            sum.weight += gj.weight;
                            sum.bias += gj.bias;
                        }
                        assert_layers_near(&grad, &sum, "grad");

                        // SGD: recompute the forward pass (the backward pass
                        // reused `cols`), then update.
                        let lr = 0.1;
                        conv2d_forward_trace_batch(&layer, &G, &Tanh, &x, &mut t);
                        let mut updated = layer;
                        let mut sgd_dx = Batch::<f64, NIN>::zeros(0);
                        conv2d_sgd_backward_batch(
                            &mut updated,
                            &G,
                            &x,
                            &mut t,
                            lr,
                            Some(&mut sgd_dx),
                        );
                        assert!((&sgd_dx - &dx).amax() <= 1e-12, "sgd dx");
                        let expected = Dense {
                            weight: layer.weight - sum.weight * lr,
                            bias: layer.bias - sum.bias * lr,
                        };
                        assert_layers_near(&updated, &expected, "sgd");
                        conv2d_forward_trace_batch(&layer, &G, &Tanh, &x, &mut t);
                        let mut without_dx = layer;
                        conv2d_sgd_backward_batch(&mut without_dx, &G, &x, &mut t, lr, None);
                        assert_layers_near(&without_dx, &expected, "sgd without dx");
                    }
                });
            }
        };
    }

    conv_batch_check!(
        conv_batch_s2_p1_matches_per_sample,
        Geometry::conv(2, 5, 7, 3, 3, 2, 1),
        18,
        3
    );
    conv_batch_check!(
        conv_batch_s1_p0_matches_per_sample,
        Geometry::conv(2, 5, 7, 3, 3, 1, 0),
        18,
        3
    );
    // Products large enough to split over two threads (m·k·n ≥ 2²¹ at B = 37).
    conv_batch_check!(
        conv_batch_wide_matches_per_sample,
        Geometry::conv(8, 15, 15, 32, 3, 1, 1),
        72,
        32
    );

    #[test]
    fn depthwise_and_pool_batches_match_per_sample() {
        const G: Geometry = Geometry::conv(3, 5, 7, 3, 3, 2, 1);
        const NIN: usize = G.input_len();
        const NOUT: usize = G.output_len();
        const P: Geometry = Geometry::pool(3, 5, 7, 3, 2);
        const PIN: usize = P.input_len();
        const POUT: usize = P.output_len();
        on_1_and_2_threads(|| {
            for batch in [5, 37] {
                let mut rng = SplitMix64::new(batch as u64 + 50);
                let layer = random_layer::<9, 3>(&mut rng);
                let x = random_batch::<NIN>(&mut rng, batch);
                let delta = random_batch::<NOUT>(&mut rng, batch);
                let mut t = BatchLayerTrace::<f64, NOUT>::new();
                depthwise_conv2d_forward_trace_batch(&layer, &G, &Tanh, &x, &mut t);
                let (mut grad, mut dx) = (Dense::zeros(), Batch::<f64, NIN>::zeros(0));
                depthwise_conv2d_backward_batch(&layer, &G, &x, &delta, &mut grad, Some(&mut dx));
                let mut updated = layer;
                let mut sgd_dx = Batch::<f64, NIN>::zeros(0);
                depthwise_conv2d_sgd_backward_batch(
                    &mut updated,
                    &G,
                    &x,
                    &delta,
                    0.1,
                    Some(&mut sgd_dx),
                );
                assert_eq!(sgd_dx, dx);
                assert_eq!(updated.weight, layer.weight - grad.weight * 0.1);

                let px = random_batch::<PIN>(&mut rng, batch);
                let pda = random_batch::<POUT>(&mut rng, batch);
                let (mut max, mut avg) =
                    (Batch::<f64, POUT>::zeros(0), Batch::<f64, POUT>::zeros(0));
                max_pool_forward_batch(&P, &px, &mut max);
                avg_pool_forward_batch(&P, &px, &mut avg);
                let (mut dmax, mut davg) =
                    (Batch::<f64, PIN>::zeros(0), Batch::<f64, PIN>::zeros(0));
                max_pool_backward_batch(&P, &px, &pda, &mut dmax);
                avg_pool_backward_batch(&P, &pda, &mut davg);

                let mut sum = Dense::<f64, 9, 3>::zeros();
                for j in 0..batch {
                    let mut tj = LayerTrace::<f64, NOUT>::new();
                    depthwise_conv2d_forward_trace(&layer, &G, &Tanh, &column(&x, j), &mut tj);
                    assert_eq!(column(&t.z, j), tj.z);
                    let mut aj = SVector::<f64, NOUT>::zeros();
                    Tanh.forward(tj.z.as_slice(), aj.as_mut_slice());
                    assert_eq!(column(&t.a, j), aj);
                    let (mut gj, mut dxj) = (Dense::zeros(), SVector::zeros());
                    depthwise_conv2d_backward(
                        &layer,
                        &G,
                        &column(&x, j),
                        &column(&delta, j),
                        &mut gj,
                        Some(&mut dxj),
                    );
                    assert_eq!(column(&dx, j), dxj);
                    sum.weight += gj.weight;
                    sum.bias += gj.bias;

                    let pxj = column(&px, j);
                    let mut o = SVector::<f64, POUT>::zeros();
                    max_pool_forward(&P, &pxj, &mut o);
                    assert_eq!(column(&max, j), o);
                    avg_pool_forward(&P, &pxj, &mut o);
                    assert_eq!(column(&avg, j), o);
                    let mut d = SVector::<f64, PIN>::zeros();
                    max_pool_backward(&P, &pxj, &column(&pda, j), &mut d);
                    assert_eq!(column(&dmax, j), d);
                    avg_pool_backward(&P, &column(&pda, j), &mut d);
                    assert_eq!(column(&davg, j), d);
                }
                // The batch sums every sample in one pass; the per-sample sum
                // adds whole gradients: the same terms in another order.
                assert_layers_near(&grad, &sum, "depthwise grad");
            }
        });
    }

    #[test]
    fn batch_node_trace_resizes_only_on_a_new_batch_size() {
        let mut t = BatchNodeTrace::<f64, 3>::new();
        t.resize(4);
        t.a[(0, 0)] = 1.0;
        t.resize(4);
        assert_eq!(t.a[(0, 0)], 1.0);
        t.resize(2);
        assert_eq!((t.a.shape(), t.da.shape()), ((3, 2), (3, 2)));
    }
}
