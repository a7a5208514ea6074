//! Generated code passes `#![deny(warnings, missing_docs)]`.
#![deny(warnings, missing_docs)]

use nn::Params;
use nn::nalgebra::SVector;

const HIDDEN: usize = 4;

mod sizes {
    pub const OUT: usize = 2;
}

nn::network! {
    /// A public network, documented by the user; the macro documents the rest.
    pub struct Classifier {
        input: 3,
        hidden: dense(HIDDEN, leaky_relu(0.01)),
        hidden2: dense(HIDDEN -> 4, sigmoid),
        out: dense(sizes::OUT, softmax),
        loss: softmax_cross_entropy,
    }
}

nn::network! {
    /// A public network without a loss.
    pub struct Regressor {
        input: crate::lint_clean::sizes::OUT,
        hidden: dense(self::HIDDEN, tanh),
        out: dense(self::HIDDEN -> 1),
    }
}

#[test]
fn runs() {
    let mut net = Classifier::<f64>::init(5);
    let x = SVector::<f64, 3>::new(1.0, 0.0, -1.0);
    let y = nn::ClassLabel::<2>::new(1).unwrap();
    let before = net.loss(&x, &y);
    for _ in 0..20 {
        net.sgd_step(&x, &y, 0.1);
    }
    assert!(net.loss(&x, &y) < before);
    let r = Regressor::<f32>::zeros();
    assert_eq!(
        r.forward(&SVector::<f32, 2>::zeros()),
        SVector::<f32, 1>::zeros()
    );
}
