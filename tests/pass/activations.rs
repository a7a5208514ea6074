//! Every activation compiles and computes its function: each one-neuron
//! network below has weight 1 and bias 0, so its output is `σ(x)`.

use nn::Params;
use nn::nalgebra::{SVector, Vector1, Vector2};

nn::network! {
    struct Identity { input: 1, out: dense(1, identity) }
}
nn::network! {
    struct NoActivation { input: 1, out: dense(1) }
}
nn::network! {
    struct Sigmoid { input: 1, out: dense(1, sigmoid) }
}
nn::network! {
    struct Tanh { input: 1, out: dense(1, tanh) }
}
nn::network! {
    struct Relu { input: 1, out: dense(1, relu) }
}
nn::network! {
    struct LeakyRelu { input: 1, out: dense(1, leaky_relu(0.1)) }
}
nn::network! {
    struct Softmax { input: 1, out: dense(2, softmax) }
}
nn::network! {
    /// Every hidden activation in one stack, softmax at the output.
    struct Deep {
        input: 3,
        a: dense(5, identity),
        b: dense(5, sigmoid),
        c: dense(5, tanh),
        d: dense(5, relu),
        e: dense(5, leaky_relu(0.01)),
        out: dense(4, softmax),
        loss: softmax_cross_entropy,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

macro_rules! unit {
    ($net:ident) => {{
        let mut net = $net::<f64>::zeros();
        net.out.weight.fill(1.0);
        net
    }};
}

#[test]
fn runs() {
    let x = Vector1::new(-2.0);
    assert!(close(unit!(Identity).forward(&x)[0], -2.0));
    assert!(close(unit!(NoActivation).forward(&x)[0], -2.0));
    assert!(close(
        unit!(Sigmoid).forward(&x)[0],
        1.0 / (1.0 + 2f64.exp())
    ));
    assert!(close(unit!(Tanh).forward(&x)[0], (-2f64).tanh()));
    assert!(close(unit!(Relu).forward(&x)[0], 0.0));
    assert!(close(unit!(Relu).forward(&Vector1::new(3.0))[0], 3.0));
    assert!(close(unit!(LeakyRelu).forward(&x)[0], -0.2));
    assert!(close(unit!(LeakyRelu).forward(&Vector1::new(3.0))[0], 3.0));

    // Softmax of (x, 2x) at x = 1: (1, e) / (1 + e).
    let mut softmax = Softmax::<f64>::zeros();
    softmax.out.weight = Vector2::new(1.0, 2.0);
    let p = softmax.forward(&Vector1::new(1.0));
    let e = 1f64.exp();
    assert!(close(p[0], 1.0 / (1.0 + e)) && close(p[1], e / (1.0 + e)));

    let deep = Deep::<f64>::init(7);
    let x = SVector::<f64, 3>::new(0.5, -1.0, 2.0);
    let p: SVector<f64, 4> = deep.forward(&x);
    assert!(close(p.sum(), 1.0) && p.iter().all(|&v| v > 0.0));
    let label = nn::ClassLabel::<4>::new(2).unwrap();
    let (loss, grads, dx) = deep.loss_and_grad(&x, &label);
    assert!(loss.is_finite() && loss > 0.0);
    assert!(grads.a.weight.iter().all(|g| g.is_finite()));
    assert!(dx.iter().all(|g| g.is_finite()) && dx.norm() > 0.0);
    assert_eq!(Deep::<f64>::LAYERS[4].activation, "leaky_relu(0.01)");
}
