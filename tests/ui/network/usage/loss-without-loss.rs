use nn::{Params, nalgebra::SVector};

nn::network! {
    struct Net {
        input: 4,
        output: dense(3),
    }
}

fn main() {
    let net = Net::<f64>::zeros();
    let x = SVector::<f64, 4>::zeros();
    let y = SVector::<f64, 3>::zeros();
    let _ = net.loss(&x, &y); //~ ERROR no method named `loss`
}
