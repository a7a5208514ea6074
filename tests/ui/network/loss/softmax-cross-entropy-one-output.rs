nn::network! {
    struct Net {
        input: 4,
        output: dense(1),
        loss: softmax_cross_entropy, //~ ERROR `softmax_cross_entropy` needs at least 2 outputs
    }
}

fn main() {}
