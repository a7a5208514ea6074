nn::network! {
    struct Net {
        input: 4,
        output: dense(1, relu),
        loss: binary_cross_entropy, //~ ERROR `binary_cross_entropy` applies a sigmoid
    }
}

fn main() {}
