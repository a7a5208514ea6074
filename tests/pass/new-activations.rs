//! `elu`, `selu`, `gelu`, `silu` and `softplus` compile and compute their
//! functions: each one-neuron network below has weight 1 and bias 0, so its
//! output is `σ(x)`. Expected values are computed apart, with Python's `math`
//! (`exp`, `erf`, `log1p`) at x = -2 and x = 3.

use nn::Params;
use nn::nalgebra::{SVector, Vector1};

nn::network! {
    struct Elu { input: 1, out: dense(1, elu(0.5)) }
}
nn::network! {
    struct EluDefault { input: 1, out: dense(1, elu) }
}
nn::network! {
    struct Selu { input: 1, out: dense(1, selu) }
}
nn::network! {
    struct Gelu { input: 1, out: dense(1, gelu) }
}
nn::network! {
    struct Silu { input: 1, out: dense(1, silu) }
}
nn::network! {
    struct Softplus { input: 1, out: dense(1, softplus) }
}
nn::network! {
    /// Every new activation in one stack, trained through by backpropagation.
    struct Deep {
        input: 3,
        a: dense(5, elu(1.5)),
        b: dense(5, selu),
        c: dense(5, gelu),
        d: dense(5, silu),
        e: dense(5, softplus),
        out: dense(1),
        loss: squared_error,
    }
}

/// Within `tol` (the exact erf of `gelu` may be approximated at run time).
fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() < tol
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
    let at = |x: f64| Vector1::new(x);
    // elu(x; alpha) = alpha (e^x - 1) for x <= 0.
    assert!(close(
        unit!(Elu).forward(&at(-2.0))[0],
        -0.43233235838169365,
        1e-12
    ));
    assert!(close(unit!(Elu).forward(&at(3.0))[0], 3.0, 1e-12));
    assert!(close(
        unit!(EluDefault).forward(&at(-2.0))[0],
        -0.8646647167633873,
        1e-12
    ));
    assert!(close(
        unit!(Selu).forward(&at(-2.0))[0],
        -1.5201664685956948,
        1e-9
    ));
    assert!(close(
        unit!(Selu).forward(&at(3.0))[0],
        3.1521029620664414,
        1e-9
    ));
    assert!(close(
        unit!(Gelu).forward(&at(-2.0))[0],
        -0.04550026389635842,
        1e-6
    ));
    assert!(close(
        unit!(Gelu).forward(&at(3.0))[0],
        2.99595030590511,
        1e-6
    ));
    assert!(close(
        unit!(Silu).forward(&at(-2.0))[0],
        -0.2384058440442351,
        1e-12
    ));
    assert!(close(
        unit!(Softplus).forward(&at(-2.0))[0],
        0.1269280110429725,
        1e-12
    ));
    assert!(close(
        unit!(Softplus).forward(&at(3.0))[0],
        3.048587351573742,
        1e-12
    ));
    assert_eq!(EluDefault::<f64>::LAYERS[0].activation, "elu");
    assert_eq!(Elu::<f64>::LAYERS[0].activation, "elu(0.5)");

    let deep = Deep::<f64>::init(7);
    let x = SVector::<f64, 3>::new(0.5, -1.0, 2.0);
    let (loss, grads, dx) = deep.loss_and_grad(&x, &Vector1::new(0.25));
    assert!(loss.is_finite() && loss > 0.0);
    assert!(grads.a.weight.iter().all(|g| g.is_finite()) && grads.a.weight.norm() > 0.0);
    assert!(dx.iter().all(|g| g.is_finite()) && dx.norm() > 0.0);
}
