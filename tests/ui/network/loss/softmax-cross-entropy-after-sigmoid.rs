nn::network! {
    struct Net {
        input: 4,
        output: dense(3, sigmoid),
        loss: softmax_cross_entropy, //~ ERROR `softmax_cross_entropy` applies softmax
    }
}

fn main() {}
