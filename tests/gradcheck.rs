//! Every backward path against central finite differences, in f64.
//!
//! Each case declares a network, draws weights, an input and a target from a
//! fixed seed, and requires `check_gradients` (every parameter and every input)
//! to agree to a relative error of 1e-6 (see `nn::gradcheck::relative_error`).
//! The cases come from the tables at the end of this file: adding an
//! activation or a loss is one row there (see `activations` and `losses`).
//! The homework network and f32 against f64 are checked in `tests/network.rs`.

#![allow(clippy::unwrap_used, reason = "tests")]

mod common;
use common::*;
use nn::gradcheck::check_gradients;
use nn::init::SplitMix64;
use nn::nalgebra::SVector;
use nn::{ClassLabel, Supervised};

/// Three seeds: weights from `N::init(seed)`, then random biases, an input in
/// `[-1, 1)` and a target, all drawn in this order from one seeded stream.
fn gradcheck<N, Y, const IN: usize, const OUT: usize>(target: fn(&mut SplitMix64) -> Y)
where
    N: Supervised<f64, IN, OUT, Y>,
{
    for seed in 0..3u64 {
        let mut rng = SplitMix64::new(seed * 7919 + 17);
        let mut net = N::init(seed);
        randomize_biases(&mut net, &mut rng);
        let x = random_vector::<IN>(&mut rng, -1.0, 1.0);
        let y = target(&mut rng);
        let report = check_gradients(&net, &x, &y, 1e-5);
        assert!(report.max_error() <= 1e-6, "seed {seed}: {report:?}");
    }
}

// The targets a loss is checked with, one test each. The width comes from the
// network's `Supervised` impl (a binary cross-entropy label is a
// `ClassLabel<2>` on one output).

fn vector<const N: usize>(rng: &mut SplitMix64) -> SVector<f64, N> {
    random_vector(rng, -1.0, 1.0)
}

fn label<const N: usize>(rng: &mut SplitMix64) -> ClassLabel<N> {
    ClassLabel::new(rng.below(N as u64) as usize).unwrap()
}

fn distribution<const N: usize>(rng: &mut SplitMix64) -> SVector<f64, N> {
    random_distribution(rng)
}

fn probability<const N: usize>(rng: &mut SplitMix64) -> SVector<f64, N> {
    random_vector(rng, 0.0, 1.0)
}

fn signs<const N: usize>(rng: &mut SplitMix64) -> SVector<f64, N> {
    random_signs(rng)
}

/// `mod NAME` with a two-layer network of the activation and loss tables and
/// one test per target function (`tests!`).
///
/// `network!` names its locals with the spans of its own call, the struct
/// name and the layer tokens, so all of them come from one macro expansion:
/// each form calls `network!` itself, right beside the spec it writes.
macro_rules! check {
    // The activation under test as the hidden layer, before `END`.
    (hidden $name:ident [$($act:tt)*] [$($loss:tt)*] ($width:tt, $end:tt) => $targets:tt) => {
        mod $name {
            nn::network! {
                struct Net {
                    input: 3,
                    l0: dense(7, $($act)*),
                    l1: dense($width, $end),
                    loss: $($loss)*,
                }
            }

            tests!($targets);
        }
    };
    // The activation under test as the output layer, one module per width.
    (output [$($width:tt)*] $act:tt $loss:tt => $targets:tt) => {
        $(check!(output $width $act $loss => $targets);)*
    };
    (output 1 $act:tt $loss:tt => $targets:tt) => {
        check!(output out1 1 $act $loss => $targets);
    };
    (output 3 $act:tt $loss:tt => $targets:tt) => {
        check!(output out3 3 $act $loss => $targets);
    };
    (output $name:ident $width:tt [$($act:tt)*] [$($loss:tt)*] => $targets:tt) => {
        mod $name {
            nn::network! {
                struct Net {
                    input: 2,
                    l0: dense(5, tanh),
                    l1: dense($width, $($act)*),
                    loss: $($loss)*,
                }
            }

            tests!($targets);
        }
    };
}

/// One test per target function: `gradcheck` of the module's `Net` with it.
macro_rules! tests {
    ([$($target:ident)*]) => {
        $(
            #[test]
            fn $target() {
                crate::gradcheck::<Net<f64>, _, _, _>(crate::$target);
            }
        )*
    };
}

/// Expands `ITEMS` when an activation with the tags `[TAG ...]` fits a loss
/// that needs `NEED` (`any` activation, or one with that tag). A new tag
/// needs its own arm, as `logits` and `probability` have.
macro_rules! if_fits {
    (any $tags:tt => $($items:tt)*) => { $($items)* };
    ($need:ident [] => $($items:tt)*) => {};
    (logits [logits $($tag:ident)*] => $($items:tt)*) => { $($items)* };
    (probability [probability $($tag:ident)*] => $($items:tt)*) => { $($items)* };
    ($need:ident [$other:ident $($tag:ident)*] => $($items:tt)*) => {
        if_fits!($need [$($tag)*] => $($items)*);
    };
}

/// Every row of `activations` × every row of `losses`, and every row of
/// `output_only` × every loss (see the table below for what each column means).
macro_rules! gradchecks {
    (
        activations { $($act:ident: $act_spec:tt fits $act_tags:tt,)* }
        output_only $only_widths:tt { $($only:ident: $only_spec:tt fits $only_tags:tt,)* }
        losses $losses:tt
    ) => {
        $(
            mod $act {
                hidden_checks!($act_spec $losses);
                output_checks!($act_spec $act_tags $losses);
            }
        )*
        $(
            mod $only {
                output_checks!($only_spec $only_tags $only_widths $losses);
            }
        )*
    };
}

/// `mod hidden`: the activation `ACT` as the hidden layer before every loss.
macro_rules! hidden_checks {
    ($act:tt {
        $($loss:ident: $spec:tt needs $need:ident outputs $widths:tt hidden $end:tt => $targets:tt,)*
    }) => {
        mod hidden {
            $(check!(hidden $loss $act $spec $end => $targets);)*
        }
    };
}

/// `mod output`: the activation `ACT` as the output layer before every loss
/// that fits it, at the loss's output widths or at `[WIDTH ...]` if given.
macro_rules! output_checks {
    ($act:tt $tags:tt {
        $($loss:ident: $spec:tt needs $need:ident outputs $widths:tt hidden $end:tt => $targets:tt,)*
    }) => {
        mod output {
            $(if_fits!($need $tags => mod $loss {
                check!(output $widths $act $spec => $targets);
            });)*
        }
    };
    ($act:tt $tags:tt $only_widths:tt {
        $($loss:ident: $spec:tt needs $need:ident outputs $widths:tt hidden $end:tt => $targets:tt,)*
    }) => {
        mod output {
            $(if_fits!($need $tags => mod $loss {
                check!(output $only_widths $act $spec => $targets);
            });)*
        }
    };
}

// The activation table. An element-wise activation is checked as the hidden
// layer (3 inputs, 7 units) before every loss, and as the output layer (after
// 2 inputs and 5 tanh units) before every loss that fits it. `fits` lists the
// tags a loss can need: `logits` (softmax cross-entropy) or `probability`
// (binary cross-entropy). A new element-wise activation is one row here, for
// example `elu: [elu(1.0)] fits [],`.
gradchecks! {
    activations {
        identity: [identity] fits [logits probability],
        sigmoid: [sigmoid] fits [probability],
        tanh: [tanh] fits [],
        relu: [relu] fits [],
        leaky_relu: [leaky_relu(0.1)] fits [],
        elu: [elu(0.7)] fits [],
        selu: [selu] fits [],
        gelu: [gelu] fits [],
        silu: [silu] fits [],
        softplus: [softplus] fits [],
    }
    // Vector-valued activations: output layer only, at these widths.
    output_only [3] {
        softmax: [softmax] fits [logits],
    }
    // The loss table. `needs`: `any` activation before it, or one whose row
    // has that tag. `outputs`: the widths of an activation under test as the
    // output layer. `hidden`: the output layer after an activation under test
    // as the hidden layer. After `=>`: the targets, one test each (the functions
    // above).
    losses {
        squared_error: [squared_error]
            needs any outputs [1 3] hidden (3, identity) => [vector],
        mean_squared_error: [mean_squared_error]
            needs any outputs [1 3] hidden (3, identity) => [vector],
        absolute_error: [absolute_error]
            needs any outputs [1 3] hidden (3, identity) => [vector],
        huber: [huber(0.5)]
            needs any outputs [1 3] hidden (3, identity) => [vector],
        softmax_cross_entropy: [softmax_cross_entropy]
            needs logits outputs [3] hidden (3, identity) => [label distribution],
        binary_cross_entropy: [binary_cross_entropy]
            needs probability outputs [1] hidden (1, sigmoid) => [probability label],
        hinge: [hinge(1.0)]
            needs any outputs [1 3] hidden (3, identity) => [label signs],
        multiclass_hinge: [multiclass_hinge(1.0)]
            needs any outputs [3] hidden (3, identity) => [label],
    }
}

// Depths 1 to 5, widths 1 to 33, the activations and losses in rotation.

mod depth1_widths_1_squared_error {
    nn::network! {
        struct Net {
            input: 7,
            l0: dense(1, sigmoid),
            loss: squared_error,
        }
    }

    tests!([vector]);
}

mod depth1_widths_2_mean_squared_error {
    nn::network! {
        struct Net {
            input: 13,
            l0: dense(2, tanh),
            loss: mean_squared_error,
        }
    }

    tests!([vector]);
}

mod depth1_widths_3_absolute_error {
    nn::network! {
        struct Net {
            input: 33,
            l0: dense(3, relu),
            loss: absolute_error,
        }
    }

    tests!([vector]);
}

mod depth1_widths_7_huber {
    nn::network! {
        struct Net {
            input: 1,
            l0: dense(7, leaky_relu(0.1)),
            loss: huber(0.5),
        }
    }

    tests!([vector]);
}

mod depth1_widths_13_softmax_cross_entropy {
    nn::network! {
        struct Net {
            input: 2,
            l0: dense(13),
            loss: softmax_cross_entropy,
        }
    }

    tests!([label distribution]);
}

mod depth1_widths_1_binary_cross_entropy {
    nn::network! {
        struct Net {
            input: 3,
            l0: dense(1, sigmoid),
            loss: binary_cross_entropy,
        }
    }

    tests!([probability label]);
}

mod depth2_widths_1_2_hinge {
    nn::network! {
        struct Net {
            input: 7,
            l0: dense(1, tanh),
            l1: dense(2, relu),
            loss: hinge(1.0),
        }
    }

    tests!([label signs]);
}

mod depth2_widths_2_3_multiclass_hinge {
    nn::network! {
        struct Net {
            input: 13,
            l0: dense(2, relu),
            l1: dense(3, leaky_relu(0.1)),
            loss: multiclass_hinge(1.0),
        }
    }

    tests!([label]);
}

mod depth2_widths_3_7_squared_error {
    nn::network! {
        struct Net {
            input: 33,
            l0: dense(3, leaky_relu(0.1)),
            l1: dense(7, identity),
            loss: squared_error,
        }
    }

    tests!([vector]);
}

mod depth2_widths_7_13_mean_squared_error {
    nn::network! {
        struct Net {
            input: 1,
            l0: dense(7, identity),
            l1: dense(13, sigmoid),
            loss: mean_squared_error,
        }
    }

    tests!([vector]);
}

mod depth2_widths_13_33_absolute_error {
    nn::network! {
        struct Net {
            input: 2,
            l0: dense(13, sigmoid),
            l1: dense(33, tanh),
            loss: absolute_error,
        }
    }

    tests!([vector]);
}

mod depth2_widths_33_1_huber {
    nn::network! {
        struct Net {
            input: 3,
            l0: dense(33, tanh),
            l1: dense(1, relu),
            loss: huber(0.5),
        }
    }

    tests!([vector]);
}

mod depth3_widths_1_2_3_softmax_cross_entropy {
    nn::network! {
        struct Net {
            input: 7,
            l0: dense(1, relu),
            l1: dense(2, leaky_relu(0.1)),
            l2: dense(3),
            loss: softmax_cross_entropy,
        }
    }

    tests!([label distribution]);
}

mod depth3_widths_2_3_1_binary_cross_entropy {
    nn::network! {
        struct Net {
            input: 13,
            l0: dense(2, leaky_relu(0.1)),
            l1: dense(3, identity),
            l2: dense(1, sigmoid),
            loss: binary_cross_entropy,
        }
    }

    tests!([probability label]);
}

mod depth3_widths_3_7_13_hinge {
    nn::network! {
        struct Net {
            input: 33,
            l0: dense(3, identity),
            l1: dense(7, sigmoid),
            l2: dense(13, tanh),
            loss: hinge(1.0),
        }
    }

    tests!([label signs]);
}

mod depth3_widths_7_13_33_multiclass_hinge {
    nn::network! {
        struct Net {
            input: 1,
            l0: dense(7, sigmoid),
            l1: dense(13, tanh),
            l2: dense(33, relu),
            loss: multiclass_hinge(1.0),
        }
    }

    tests!([label]);
}

mod depth3_widths_13_33_1_squared_error {
    nn::network! {
        struct Net {
            input: 2,
            l0: dense(13, tanh),
            l1: dense(33, relu),
            l2: dense(1, leaky_relu(0.1)),
            loss: squared_error,
        }
    }

    tests!([vector]);
}

mod depth3_widths_33_1_2_mean_squared_error {
    nn::network! {
        struct Net {
            input: 3,
            l0: dense(33, relu),
            l1: dense(1, leaky_relu(0.1)),
            l2: dense(2),
            loss: mean_squared_error,
        }
    }

    tests!([vector]);
}

mod depth4_widths_1_2_3_7_absolute_error {
    nn::network! {
        struct Net {
            input: 7,
            l0: dense(1, leaky_relu(0.1)),
            l1: dense(2, identity),
            l2: dense(3, sigmoid),
            l3: dense(7, tanh),
            loss: absolute_error,
        }
    }

    tests!([vector]);
}

mod depth4_widths_2_3_7_13_huber {
    nn::network! {
        struct Net {
            input: 13,
            l0: dense(2, identity),
            l1: dense(3, sigmoid),
            l2: dense(7, tanh),
            l3: dense(13, relu),
            loss: huber(0.5),
        }
    }

    tests!([vector]);
}

mod depth4_widths_3_7_13_33_softmax_cross_entropy {
    nn::network! {
        struct Net {
            input: 33,
            l0: dense(3, sigmoid),
            l1: dense(7, tanh),
            l2: dense(13, relu),
            l3: dense(33, identity),
            loss: softmax_cross_entropy,
        }
    }

    tests!([label distribution]);
}

mod depth4_widths_7_13_33_1_binary_cross_entropy {
    nn::network! {
        struct Net {
            input: 1,
            l0: dense(7, tanh),
            l1: dense(13, relu),
            l2: dense(33, leaky_relu(0.1)),
            l3: dense(1, sigmoid),
            loss: binary_cross_entropy,
        }
    }

    tests!([probability label]);
}

mod depth4_widths_13_33_1_2_hinge {
    nn::network! {
        struct Net {
            input: 2,
            l0: dense(13, relu),
            l1: dense(33, leaky_relu(0.1)),
            l2: dense(1, identity),
            l3: dense(2, sigmoid),
            loss: hinge(1.0),
        }
    }

    tests!([label signs]);
}

mod depth4_widths_33_1_2_3_multiclass_hinge {
    nn::network! {
        struct Net {
            input: 3,
            l0: dense(33, leaky_relu(0.1)),
            l1: dense(1, identity),
            l2: dense(2, sigmoid),
            l3: dense(3, tanh),
            loss: multiclass_hinge(1.0),
        }
    }

    tests!([label]);
}

mod depth5_widths_1_2_3_7_13_squared_error {
    nn::network! {
        struct Net {
            input: 7,
            l0: dense(1, identity),
            l1: dense(2, sigmoid),
            l2: dense(3, tanh),
            l3: dense(7, relu),
            l4: dense(13, leaky_relu(0.1)),
            loss: squared_error,
        }
    }

    tests!([vector]);
}

mod depth5_widths_2_3_7_13_33_mean_squared_error {
    nn::network! {
        struct Net {
            input: 13,
            l0: dense(2, sigmoid),
            l1: dense(3, tanh),
            l2: dense(7, relu),
            l3: dense(13, leaky_relu(0.1)),
            l4: dense(33),
            loss: mean_squared_error,
        }
    }

    tests!([vector]);
}

mod depth5_widths_3_7_13_33_1_absolute_error {
    nn::network! {
        struct Net {
            input: 33,
            l0: dense(3, tanh),
            l1: dense(7, relu),
            l2: dense(13, leaky_relu(0.1)),
            l3: dense(33, identity),
            l4: dense(1, sigmoid),
            loss: absolute_error,
        }
    }

    tests!([vector]);
}

mod depth5_widths_7_13_33_1_2_huber {
    nn::network! {
        struct Net {
            input: 1,
            l0: dense(7, relu),
            l1: dense(13, leaky_relu(0.1)),
            l2: dense(33, identity),
            l3: dense(1, sigmoid),
            l4: dense(2, tanh),
            loss: huber(0.5),
        }
    }

    tests!([vector]);
}

mod depth5_widths_13_33_1_2_3_softmax_cross_entropy {
    nn::network! {
        struct Net {
            input: 2,
            l0: dense(13, leaky_relu(0.1)),
            l1: dense(33, identity),
            l2: dense(1, sigmoid),
            l3: dense(2, tanh),
            l4: dense(3),
            loss: softmax_cross_entropy,
        }
    }

    tests!([label distribution]);
}

mod depth5_widths_33_1_2_3_1_binary_cross_entropy {
    nn::network! {
        struct Net {
            input: 3,
            l0: dense(33, identity),
            l1: dense(1, sigmoid),
            l2: dense(2, tanh),
            l3: dense(3, relu),
            l4: dense(1, sigmoid),
            loss: binary_cross_entropy,
        }
    }

    tests!([probability label]);
}

// Layers of 64 weights and more run on the SIMD kernels (when the CPU has
// them): odd widths, so every kernel meets full vectors and masked tails.
mod simd_widths_37_33_17_5_softmax_cross_entropy {
    nn::network! {
        struct Net {
            input: 37,
            l0: dense(33, tanh),
            l1: dense(17, relu),
            l2: dense(5),
            loss: softmax_cross_entropy,
        }
    }

    tests!([label distribution]);

    /// The fused per-sample update (each layer's `Wᵀδ` and its weight
    /// update in one pass) against the parameters minus the gradient.
    #[test]
    fn sgd_step_equals_parameters_minus_lr_times_gradient() {
        use nn::Params;
        let mut rng = nn::init::SplitMix64::new(5);
        let net = Net::<f64>::init(9);
        let x = crate::random_vector::<37>(&mut rng, -1.0, 1.0);
        let y = nn::ClassLabel::<5>::new(3).unwrap();
        let (loss, grads, _) = net.loss_and_grad(&x, &y);
        let mut stepped = net.clone();
        assert_eq!(stepped.sgd_step(&x, &y, 0.1), loss);
        for ((p, g), s) in net.tensors().zip(grads.tensors()).zip(stepped.tensors()) {
            for ((&p, &g), &s) in p.iter().zip(g).zip(s) {
                assert!(
                    (p - 0.1 * g - s).abs() <= 1e-15 * p.abs().max(1.0),
                    "{p} - 0.1*{g} != {s}"
                );
            }
        }
    }
}
