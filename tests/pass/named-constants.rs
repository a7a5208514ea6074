//! Widths may be named constants, by plain name or by path, and an explicit
//! `IN -> OUT` may mix constants and literals.

use nn::nalgebra::SVector;

const INPUTS: usize = 5;
const CLASSES: usize = 3;

mod sizes {
    pub const HIDDEN: usize = 7;
}

nn::network! {
    struct Net {
        input: INPUTS,
        hidden: dense(sizes::HIDDEN, relu),
        second: dense(crate::named_constants::sizes::HIDDEN -> 7, tanh),
        out: dense(7 -> CLASSES),
        loss: softmax_cross_entropy,
    }
}

#[test]
fn runs() {
    assert_eq!(Net::<f32>::INPUT, 5);
    assert_eq!(Net::<f32>::OUTPUT, 3);
    assert_eq!(
        Net::<f32>::PARAM_COUNT,
        (7 * 5 + 7) + (7 * 7 + 7) + (3 * 7 + 3)
    );
    let net = Net::<f32>::init(1);
    let x = SVector::<f32, INPUTS>::repeat(0.5);
    let out: SVector<f32, CLASSES> = net.forward(&x);
    assert!(out.iter().all(|v| v.is_finite()));
    let y = nn::ClassLabel::<CLASSES>::new(2).unwrap();
    let (loss, _, dx) = net.loss_and_grad(&x, &y);
    assert!(loss.is_finite() && dx.iter().all(|g| g.is_finite()));
}
