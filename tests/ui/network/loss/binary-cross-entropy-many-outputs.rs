nn::network! {
    struct Net {
        input: 4,
        output: dense(3),
        loss: binary_cross_entropy, //~ ERROR `binary_cross_entropy` needs exactly 1 output, but layer `output` has 3
    }
}

fn main() {}
