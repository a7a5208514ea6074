//! `init` without a scalar makes an `f32` network: `f64` data is a type
//! error here, not a silent `f64` network. `Net::<f64>::init(0)` is the
//! spelling for `f64`.
use nn::nalgebra::SVector;

nn::network! {
    struct Net {
        input: 2,
        output: dense(1),
    }
}

fn main() {
    let net = Net::init(0);
    let x = SVector::<f64, 2>::zeros();
    let _ = net.forward(&x); //~ ERROR mismatched types
}
