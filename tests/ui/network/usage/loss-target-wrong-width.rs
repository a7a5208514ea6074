use nn::{Params, nalgebra::SVector};

nn::network! {
    struct Net {
        input: 4,
        output: dense(3),
        loss: squared_error,
    }
}

fn main() {
    let net = Net::<f64>::zeros();
    let x = SVector::<f64, 4>::zeros();
    let y = SVector::<f64, 2>::zeros();
    let _ = net.loss_and_grad(&x, &y); //~ ERROR expected `3`, found `2`
}
