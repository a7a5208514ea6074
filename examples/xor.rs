//! XOR, the classic problem no single neuron solves: a 2-2-1 sigmoid network
//! trained with per-sample SGD on the squared error.
//!
//! Run with `cargo run --release --example xor`.

use nn::Params;
use nn::nalgebra::{SVector, Vector1, Vector2};

nn::network! {
    /// 2 inputs, 2 hidden sigmoid neurons, 1 sigmoid output.
    pub struct Xor {
        input: 2,
        hidden: dense(2, sigmoid),
        output: dense(2 -> 1, sigmoid),
        loss: squared_error,
    }
}

fn main() {
    let data: [(Vector2<f64>, Vector1<f64>); 4] = [
        (Vector2::new(0.0, 0.0), Vector1::new(0.0)),
        (Vector2::new(0.0, 1.0), Vector1::new(1.0)),
        (Vector2::new(1.0, 0.0), Vector1::new(1.0)),
        (Vector2::new(1.0, 1.0), Vector1::new(0.0)),
    ];
    let mut net = Xor::<f64>::init(1);
    println!("{net}");
    for epoch in 0..=5000 {
        let mut total = 0.0;
        for (x, y) in &data {
            total += net.sgd_step(x, y, 0.5);
        }
        if epoch % 1000 == 0 {
            println!("epoch {epoch:>5}: loss {total:.6}");
        }
    }
    for (x, y) in &data {
        let out: SVector<f64, 1> = net.forward(x);
        println!("{} xor {} = {:.3} (target {})", x[0], x[1], out[0], y[0]);
    }
}
