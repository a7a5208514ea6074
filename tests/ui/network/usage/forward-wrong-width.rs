use nn::{Params, nalgebra::SVector};

nn::network! {
    struct Net {
        input: 4,
        output: dense(2),
    }
}

fn main() {
    let net = Net::<f64>::zeros();
    let x = SVector::<f64, 3>::zeros();
    let _ = net.forward(&x); //~ ERROR mismatched types
}
