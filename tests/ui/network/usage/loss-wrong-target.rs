use nn::{Params, nalgebra::SVector};

nn::network! {
    struct Net {
        input: 4,
        output: dense(3),
        loss: softmax_cross_entropy,
    }
}

fn main() {
    let net = Net::<f64>::zeros();
    let x = SVector::<f64, 4>::zeros();
    // A bare class index instead of a `ClassLabel<3>` (or a distribution).
    let _ = net.loss(&x, &2usize); //~ ERROR the loss `SoftmaxCrossEntropy` does not accept a target of type `usize` for 3 outputs
}
