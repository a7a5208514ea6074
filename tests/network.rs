//! Behaviour of the code `network!` generates: the homework net, training,
//! f32 gradients, numerical extremes, initialisation and the parameter walk.

mod common;
use common::*;

use nn::gradcheck::{check_gradients, relative_error};
use nn::nalgebra::{SVector, Vector1, Vector2};
use nn::{ClassLabel, Params, Supervised};

nn::network! {
    /// The lecture's homework network.
    pub struct Mnist {
        input: 784,
        hidden1: dense(16, relu),
        hidden2: dense(16 -> 16, relu),
        output: dense(10),
        loss: softmax_cross_entropy,
    }
}

nn::network! {
    struct Xor {
        input: 2,
        hidden: dense(2, sigmoid),
        output: dense(1, sigmoid),
        loss: squared_error,
    }
}

nn::network! {
    /// No loss: inference plus a backward from dL/d(output).
    struct Bare {
        input: 3,
        h: dense(5, tanh),
        out: dense(2, sigmoid),
    }
}

nn::network! {
    struct Bare2 {
        input: 3,
        h: dense(5, tanh),
        out: dense(2, sigmoid),
        loss: squared_error,
    }
}

fn mnist_input(rng: &mut nn::init::SplitMix64) -> SVector<f64, 784> {
    random_vector::<784>(rng, 0.0, 1.0)
}

#[test]
fn homework_net_forward_and_backward_match_finite_differences() {
    let mut rng = nn::init::SplitMix64::new(5);
    let mut net = Mnist::<f64>::init(42);
    randomize_biases(&mut net, &mut rng);
    let x = mnist_input(&mut rng);
    let y = ClassLabel::<10>::new(3).unwrap();
    let out = net.forward(&x);
    assert_eq!(out.len(), Mnist::<f64>::OUTPUT);
    assert!(out.iter().all(|v| v.is_finite()));
    let report = check_gradients(&net, &x, &y, 1e-5);
    assert_eq!(report.checked, Mnist::<f64>::PARAM_COUNT + 784);
    assert!(report.max_error() <= 1e-6, "{report:?}");
}

#[test]
fn homework_net_shapes_and_counts() {
    assert_eq!(Mnist::<f32>::INPUT, 784);
    assert_eq!(Mnist::<f32>::OUTPUT, 10);
    assert_eq!(
        Mnist::<f32>::PARAM_COUNT,
        784 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10
    );
    let names: Vec<&str> = Mnist::<f32>::TENSORS.iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        [
            "hidden1.weight",
            "hidden1.bias",
            "hidden2.weight",
            "hidden2.bias",
            "output.weight",
            "output.bias"
        ]
    );
    assert_eq!(Mnist::<f32>::TENSORS[0].shape, &[16, 784]);
    let summary = Mnist::<f32>::zeros().summary().to_string();
    assert!(
        summary.contains("hidden1      784 -> 16      relu"),
        "{summary}"
    );
    assert!(
        summary.contains("total: 13002 parameters (52008 bytes)"),
        "{summary}"
    );
    assert!(summary.contains("loss: softmax_cross_entropy"), "{summary}");
}

/// f32 gradients against f64 central differences of the same weights: f32
/// rounding allows a looser tolerance than the f64 checks.
#[test]
fn f32_gradients_match_f64_finite_differences() {
    let mut rng = nn::init::SplitMix64::new(9);
    let net32 = Mnist::<f32>::init(7);
    let mut flat = vec![0.0f32; Mnist::<f32>::PARAM_COUNT];
    net32.copy_flat_column_major_to(&mut flat).unwrap();
    let flat64: Vec<f64> = flat.iter().map(|&v| v as f64).collect();
    let net64 = Mnist::<f64>::from_flat_column_major(&flat64).unwrap();
    let x64 = mnist_input(&mut rng);
    let x32: SVector<f32, 784> = x64.map(|v| v as f32);
    let y = ClassLabel::<10>::new(8).unwrap();
    let (loss32, grads32, dx32) = net32.loss_and_grad(&x32, &y);
    let (loss64, grads64, dx64) = net64.loss_and_grad(&x64, &y);
    assert!(relative_error(loss32 as f64, loss64) < 1e-5);
    // The f64 gradient is itself checked against finite differences.
    assert!(check_gradients(&net64, &x64, &y, 1e-5).max_error() <= 1e-6);
    for (a, b) in grads32.tensors().zip(grads64.tensors()) {
        for (&a, &b) in a.iter().zip(b) {
            assert!(relative_error(a as f64, b) < 1e-3, "{a} vs {b}");
        }
    }
    for (&a, &b) in dx32.iter().zip(dx64.iter()) {
        assert!(relative_error(a as f64, b) < 1e-3, "{a} vs {b}");
    }
}

#[test]
fn softmax_cross_entropy_is_finite_at_logits_of_1000() {
    nn::network! {
        struct Logits { input: 2, out: dense(2), loss: softmax_cross_entropy }
    }
    for scalar_f32 in [false, true] {
        let mut net = Logits::<f64>::zeros();
        net.out.bias = Vector2::new(1000.0, -1000.0);
        let x = Vector2::new(0.0, 0.0);
        for class in 0..2 {
            let y = ClassLabel::<2>::new(class).unwrap();
            if scalar_f32 {
                let mut flat = [0.0f64; 6];
                net.copy_flat_column_major_to(&mut flat).unwrap();
                let net32 = Logits::<f32>::from_flat_column_major(&flat.map(|v| v as f32)).unwrap();
                let (l, g, dx) = net32.loss_and_grad(&Vector2::new(0.0f32, 0.0), &y);
                assert!(l.is_finite() && g.tensors().flatten().all(|v| v.is_finite()));
                assert!(dx.iter().all(|v| v.is_finite()));
                assert_eq!(l, if class == 0 { 0.0 } else { 2000.0 });
            } else {
                let (l, g, dx) = net.loss_and_grad(&x, &y);
                assert!(l.is_finite() && g.tensors().flatten().all(|v| v.is_finite()));
                assert!(dx.iter().all(|v| v.is_finite()));
                assert_eq!(l, if class == 0 { 0.0 } else { 2000.0 });
                // dL/db = softmax(z) − e_c = ±(1, −1)
                assert_eq!(
                    g.out.bias,
                    if class == 0 {
                        Vector2::new(0.0, 0.0)
                    } else {
                        Vector2::new(1.0, -1.0)
                    }
                );
            }
        }
    }
}

#[test]
fn xor_trains_to_low_loss_from_a_fixed_seed() {
    let data = [
        (Vector2::new(0.0, 0.0), Vector1::new(0.0)),
        (Vector2::new(0.0, 1.0), Vector1::new(1.0)),
        (Vector2::new(1.0, 0.0), Vector1::new(1.0)),
        (Vector2::new(1.0, 1.0), Vector1::new(0.0)),
    ];
    let mut net = Xor::<f64>::init(1);
    let total = |net: &Xor<f64>| data.iter().map(|(x, y)| net.loss(x, y)).sum::<f64>();
    let before = total(&net);
    for _ in 0..5000 {
        for (x, y) in &data {
            net.sgd_step(x, y, 0.5);
        }
    }
    let after = total(&net);
    assert!(
        before > 0.5,
        "an untrained net should not already solve XOR: {before}"
    );
    assert!(after < 0.01, "loss after training: {after}");
    for (x, y) in &data {
        assert_eq!(net.forward(x)[0].round(), y[0]);
    }
}

#[test]
fn sgd_step_equals_parameters_minus_lr_times_gradient() {
    let mut rng = nn::init::SplitMix64::new(3);
    let net = Mnist::<f64>::init(11);
    let x = mnist_input(&mut rng);
    let y = ClassLabel::<10>::new(1).unwrap();
    let (loss, grads, _) = net.loss_and_grad(&x, &y);
    let mut stepped = net.clone();
    let step_loss = stepped.sgd_step(&x, &y, 0.1);
    assert_eq!(loss, step_loss);
    for ((p, g), s) in net.tensors().zip(grads.tensors()).zip(stepped.tensors()) {
        for ((&p, &g), &s) in p.iter().zip(g).zip(s) {
            assert!(
                (p - 0.1 * g - s).abs() <= 1e-15 * p.abs().max(1.0),
                "{p} - 0.1*{g} != {s}"
            );
        }
    }
    assert!(stepped.loss(&x, &y) < loss);
}

#[test]
fn backward_without_a_loss_matches_the_loss_version() {
    let mut rng = nn::init::SplitMix64::new(4);
    let bare = Bare::<f64>::init(2);
    let mut flat = vec![0.0; Bare::<f64>::PARAM_COUNT];
    bare.copy_flat_column_major_to(&mut flat).unwrap();
    let with_loss = Bare2::<f64>::from_flat_column_major(&flat).unwrap();
    let x = random_vector::<3>(&mut rng, -1.0, 1.0);
    let y = random_vector::<2>(&mut rng, -1.0, 1.0);
    let mut trace = BareTrace::new();
    bare.forward_trace(&x, &mut trace);
    let d_out = 2.0 * (trace.out.a - y); // dL/da of the squared error
    let (grads, dx) = bare.backward(&x, &trace, &d_out);
    let (_, grads2, dx2) = with_loss.loss_and_grad(&x, &y);
    for (a, b) in grads.tensors().zip(grads2.tensors()) {
        assert_eq!(a, b);
    }
    assert_eq!(dx, dx2);
}

#[test]
fn init_is_seeded_and_uses_he_or_xavier_ranges() {
    let a = Mnist::<f32>::init(123);
    assert_eq!(a, Mnist::<f32>::init(123));
    assert_ne!(a, Mnist::<f32>::init(124));
    // He uniform for ReLU layers: |w| <= sqrt(6 / fan_in).
    let he = (6.0f32 / 784.0).sqrt();
    assert!(a.hidden1.weight.iter().all(|w| w.abs() <= he));
    assert!(a.hidden1.weight.iter().any(|w| w.abs() > 0.9 * he));
    // Xavier for the identity output: |w| <= sqrt(6 / (16 + 10)).
    let xavier = (6.0f32 / 26.0).sqrt();
    assert!(a.output.weight.iter().all(|w| w.abs() <= xavier));
    assert!(a.output.weight.iter().any(|w| w.abs() > he));
    assert!(a.hidden1.bias.iter().all(|&b| b == 0.0));
    // Bit-identical on every platform: the generator is integer-only and the
    // draw is scaled in f64. These are the first weights for seed 123.
    let first: Vec<u32> = a
        .hidden1
        .weight
        .iter()
        .take(3)
        .map(|w| w.to_bits())
        .collect();
    let again: Vec<u32> = {
        let mut rng = nn::init::SplitMix64::new(123);
        (0..3)
            .map(|_| (((rng.next_f64() * 2.0 - 1.0) * (6.0f64 / 784.0).sqrt()) as f32).to_bits())
            .collect()
    };
    assert_eq!(first, again);
}

#[test]
fn flat_parameters_round_trip_and_reject_wrong_lengths() {
    let net = Mnist::<f32>::init(1);
    let mut flat = vec![0.0f32; Mnist::<f32>::PARAM_COUNT];
    net.copy_flat_column_major_to(&mut flat).unwrap();
    assert_eq!(Mnist::<f32>::from_flat_column_major(&flat).unwrap(), net);
    let err = Mnist::<f32>::from_flat_column_major(&flat[1..]).unwrap_err();
    assert_eq!(err.to_string(), "expected 13002 parameters, found 13001");
    assert!(net.copy_flat_column_major_to(&mut flat[..10]).is_err());
    // Column-major order: the second value is weight (1, 0).
    assert_eq!(flat[1], net.hidden1.weight[(1, 0)]);
}

#[test]
fn supervised_trait_agrees_with_inherent_methods() {
    fn through_trait<N: Supervised<f64, 784, 10, ClassLabel<10>>>(
        net: &N,
        x: &SVector<f64, 784>,
        y: &ClassLabel<10>,
    ) -> (f64, N) {
        let mut grads = N::zeros();
        let l = net.loss_and_grad_into(x, y, &mut N::Trace::default(), &mut grads, None);
        (l, grads)
    }
    let mut rng = nn::init::SplitMix64::new(8);
    let net = Mnist::<f64>::init(2);
    let x = mnist_input(&mut rng);
    let y = ClassLabel::<10>::new(4).unwrap();
    let (l, g) = through_trait(&net, &x, &y);
    let (l2, g2, _) = net.loss_and_grad(&x, &y);
    assert_eq!((l, g), (l2, g2));
    assert_eq!(Supervised::loss(&net, &x, &y), l);
}

nn::network! {
    /// Layers named with raw identifiers, `r#type` being a keyword.
    struct Raw {
        input: 2,
        r#type: dense(3, relu),
        r#out: dense(1),
    }
}

#[test]
fn raw_layer_names_are_shown_without_r_hash() {
    let tensors: Vec<&str> = Raw::<f32>::TENSORS.iter().map(|t| t.name).collect();
    assert_eq!(
        tensors,
        ["type.weight", "type.bias", "out.weight", "out.bias"]
    );
    assert_eq!(Raw::<f32>::TENSORS[0].layer, "type");
    let layers: Vec<&str> = Raw::<f32>::LAYERS.iter().map(|l| l.name).collect();
    assert_eq!(layers, ["type", "out"]);
    let summary = Raw::<f32>::zeros().summary().to_string();
    assert!(!summary.contains("r#"), "{summary}");
    let net = Raw::<f64>::init(3);
    assert_eq!(net.r#type.weight.nrows(), 3);
    assert!(net.out.bias.iter().all(|&b| b == 0.0));
}
