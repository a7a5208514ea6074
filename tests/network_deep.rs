//! Networks longer than one block of generated statements (32 layers): the
//! forward and backward passes are split into one method per block there,
//! and must compute the same as everywhere else. The ignored test compiles
//! networks of 5,000 layers (tests/deep/) and runs `forward`,
//! `loss_and_grad` and `sgd_step` of one of them.

mod common;
use common::*;

use nn::Params;
use nn::gradcheck::check_gradients;
use nn::nalgebra::SVector;

nn::network! {
    /// 100 layers: four blocks of 32 and a last one of 4, each a method.
    struct Long {
        input: 2,
        l0: dense(3, tanh),
        l1: dense(3, tanh),
        l2: dense(3, tanh),
        l3: dense(3, tanh),
        l4: dense(3, tanh),
        l5: dense(3, tanh),
        l6: dense(3, tanh),
        l7: dense(3, tanh),
        l8: dense(3, tanh),
        l9: dense(3, tanh),
        l10: dense(3, tanh),
        l11: dense(3, tanh),
        l12: dense(3, tanh),
        l13: dense(3, tanh),
        l14: dense(3, tanh),
        l15: dense(3, tanh),
        l16: dense(3, tanh),
        l17: dense(3, tanh),
        l18: dense(3, tanh),
        l19: dense(3, tanh),
        l20: dense(3, tanh),
        l21: dense(3, tanh),
        l22: dense(3, tanh),
        l23: dense(3, tanh),
        l24: dense(3, tanh),
        l25: dense(3, tanh),
        l26: dense(3, tanh),
        l27: dense(3, tanh),
        l28: dense(3, tanh),
        l29: dense(3, tanh),
        l30: dense(3, tanh),
        l31: dense(3, tanh),
        l32: dense(3, tanh),
        l33: dense(3, tanh),
        l34: dense(3, tanh),
        l35: dense(3, tanh),
        l36: dense(3, tanh),
        l37: dense(3, tanh),
        l38: dense(3, tanh),
        l39: dense(3, tanh),
        l40: dense(3, tanh),
        l41: dense(3, tanh),
        l42: dense(3, tanh),
        l43: dense(3, tanh),
        l44: dense(3, tanh),
        l45: dense(3, tanh),
        l46: dense(3, tanh),
        l47: dense(3, tanh),
        l48: dense(3, tanh),
        l49: dense(3, tanh),
        l50: dense(3, tanh),
        l51: dense(3, tanh),
        l52: dense(3, tanh),
        l53: dense(3, tanh),
        l54: dense(3, tanh),
        l55: dense(3, tanh),
        l56: dense(3, tanh),
        l57: dense(3, tanh),
        l58: dense(3, tanh),
        l59: dense(3, tanh),
        l60: dense(3, tanh),
        l61: dense(3, tanh),
        l62: dense(3, tanh),
        l63: dense(3, tanh),
        l64: dense(3, tanh),
        l65: dense(3, tanh),
        l66: dense(3, tanh),
        l67: dense(3, tanh),
        l68: dense(3, tanh),
        l69: dense(3, tanh),
        l70: dense(3, tanh),
        l71: dense(3, tanh),
        l72: dense(3, tanh),
        l73: dense(3, tanh),
        l74: dense(3, tanh),
        l75: dense(3, tanh),
        l76: dense(3, tanh),
        l77: dense(3, tanh),
        l78: dense(3, tanh),
        l79: dense(3, tanh),
        l80: dense(3, tanh),
        l81: dense(3, tanh),
        l82: dense(3, tanh),
        l83: dense(3, tanh),
        l84: dense(3, tanh),
        l85: dense(3, tanh),
        l86: dense(3, tanh),
        l87: dense(3, tanh),
        l88: dense(3, tanh),
        l89: dense(3, tanh),
        l90: dense(3, tanh),
        l91: dense(3, tanh),
        l92: dense(3, tanh),
        l93: dense(3, tanh),
        l94: dense(3, tanh),
        l95: dense(3, tanh),
        l96: dense(3, tanh),
        l97: dense(3, tanh),
        l98: dense(3, tanh),
        out: dense(1),
        loss: squared_error,
    }
}

#[test]
fn a_100_layer_network_matches_a_loop_over_its_layers() {
    let mut rng = nn::init::SplitMix64::new(7);
    let mut net = Long::<f64>::init(11);
    randomize_biases(&mut net, &mut rng);
    let x = random_vector::<2>(&mut rng, -1.0, 1.0);
    // The same layers, applied by hand through the parameter walk.
    let tensors: Vec<&[f64]> = nn::Params::tensors(&net).collect();
    let mut a: Vec<f64> = x.iter().copied().collect();
    for (k, pair) in tensors.chunks(2).enumerate() {
        let (weight, bias) = (pair[0], pair[1]);
        let rows = bias.len();
        // Column-major `[out, in]`: weight[r + c * rows].
        let z: Vec<f64> = (0..rows)
            .map(|r| {
                bias[r]
                    + a.iter()
                        .enumerate()
                        .map(|(c, v)| weight[r + c * rows] * v)
                        .sum::<f64>()
            })
            .collect();
        a = if k < 99 {
            z.iter().map(|v| v.tanh()).collect()
        } else {
            z
        };
    }
    let out = net.forward(&x);
    assert!((out[0] - a[0]).abs() <= 1e-12, "{} vs {}", out[0], a[0]);

    let y = SVector::<f64, 1>::new(0.25);
    let report = check_gradients(&net, &x, &y, 1e-6);
    assert_eq!(report.checked, Long::<f64>::PARAM_COUNT + 2);
    assert!(report.max_error() <= 1e-6, "{report:?}");

    let before = net.loss(&x, &y);
    let reported = net.sgd_step(&x, &y, 0.01);
    assert_eq!(reported, before);
    assert!(net.loss(&x, &y) < before);
}

#[test]
#[ignore = "compiles two networks of 5,000 layers and runs one, about seven minutes"]
fn networks_of_5000_layers_compile() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/deep/*.rs");
}
