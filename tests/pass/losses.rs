//! Every loss compiles with each target type it accepts. On a zero network
//! the output layer's logits are 0, so the loss and the output bias's gradient
//! (`dL/dz`) are worked out by hand below.

use nn::nalgebra::{SVector, Vector1, Vector2, Vector3};
use nn::{ClassLabel, Params};

nn::network! {
    struct Squared { input: 2, hidden: dense(3, tanh), out: dense(2), loss: squared_error }
}
nn::network! {
    struct Mean { input: 2, hidden: dense(3, tanh), out: dense(2), loss: mean_squared_error }
}
nn::network! {
    struct Absolute { input: 2, hidden: dense(3, tanh), out: dense(2), loss: absolute_error }
}
nn::network! {
    struct Huber { input: 2, hidden: dense(3, tanh), out: dense(2), loss: huber(1.0) }
}
nn::network! {
    struct Softmax {
        input: 2,
        hidden: dense(3, relu),
        out: dense(3, softmax),
        loss: softmax_cross_entropy,
    }
}
nn::network! {
    struct Logits { input: 2, hidden: dense(3, relu), out: dense(3), loss: softmax_cross_entropy }
}
nn::network! {
    struct Binary {
        input: 2,
        hidden: dense(3, relu),
        out: dense(1, sigmoid),
        loss: binary_cross_entropy,
    }
}
nn::network! {
    struct Hinge { input: 2, hidden: dense(3, relu), out: dense(3), loss: hinge(1.0) }
}
nn::network! {
    struct Multiclass {
        input: 2,
        hidden: dense(3, relu),
        out: dense(3),
        loss: multiclass_hinge(1.0),
    }
}

fn close<const N: usize>(a: &SVector<f64, N>, b: &SVector<f64, N>) -> bool {
    (a - b).amax() < 1e-12
}

/// Zero network: the exact loss and output-bias gradient. Seeded network:
/// finite loss, and a gradient that reaches the input.
macro_rules! check {
    ($net:ident, $y:expr, $loss:expr, $dz:expr) => {{
        let x = Vector2::new(0.5, -1.5);
        let y = $y;
        let (loss, grads, dx) = $net::<f64>::zeros().loss_and_grad(&x, &y);
        assert!(
            (loss - $loss).abs() < 1e-12,
            "{}: loss {loss}",
            stringify!($net)
        );
        assert!(
            close(&grads.out.bias, &$dz),
            "{}: dz {}",
            stringify!($net),
            grads.out.bias
        );
        assert_eq!(dx, Vector2::zeros());

        let mut net = $net::<f64>::init(3);
        net.hidden.bias.fill(0.5); // keep relu units alive
        let (loss, grads, dx) = net.loss_and_grad(&x, &y);
        assert!(loss.is_finite() && loss >= 0.0);
        assert!(
            grads
                .hidden
                .weight
                .iter()
                .chain(dx.iter())
                .all(|g| g.is_finite())
        );
        assert!(dx.norm() > 0.0, "{}: dL/dx is zero", stringify!($net));
        assert!((net.loss(&x, &y) - loss).abs() < 1e-12);
    }};
}

#[test]
fn runs() {
    let ln3 = 3f64.ln();
    let third = 1.0 / 3.0;
    // out = 0, y = (1, 2): Σ r² = 5, dL/da = 2r.
    check!(
        Squared,
        Vector2::new(1.0, 2.0),
        5.0,
        Vector2::new(-2.0, -4.0)
    );
    check!(Mean, Vector2::new(1.0, 2.0), 2.5, Vector2::new(-1.0, -2.0));
    check!(
        Absolute,
        Vector2::new(1.0, 2.0),
        3.0,
        Vector2::new(-1.0, -1.0)
    );
    // r = (-1, -2), δ = 1: ½ + (2 − ½) = 2, dL/da = clamp(r, −1, 1).
    check!(Huber, Vector2::new(1.0, 2.0), 2.0, Vector2::new(-1.0, -1.0));
    // Uniform softmax over 3: ln 3, dL/dz = p − y.
    let class0 = ClassLabel::<3>::new(0).unwrap();
    let dz = Vector3::new(third - 1.0, third, third);
    check!(Softmax, class0, ln3, dz);
    check!(Logits, class0, ln3, dz);
    let half = Vector3::new(0.5, 0.5, 0.0);
    check!(
        Softmax,
        half,
        ln3,
        Vector3::new(third - 0.5, third - 0.5, third)
    );
    // σ(0) = ½ against 1: ln 2, dL/dz = ½ − 1.
    check!(Binary, Vector1::new(1.0), 2f64.ln(), Vector1::new(-0.5));
    check!(
        Binary,
        ClassLabel::<2>::new(1).unwrap(),
        2f64.ln(),
        Vector1::new(-0.5)
    );
    // Every margin violated at a = 0: L = 3, dL/da = −b.
    let class1 = ClassLabel::<3>::new(1).unwrap();
    check!(Hinge, class1, 3.0, Vector3::new(1.0, -1.0, 1.0));
    check!(
        Hinge,
        Vector3::new(-1.0, 1.0, -1.0),
        3.0,
        Vector3::new(1.0, -1.0, 1.0)
    );
    // Two violated margins against class 0: L = 2, dL/da = (−2, 1, 1).
    check!(Multiclass, class0, 2.0, Vector3::new(-2.0, 1.0, 1.0));
}
