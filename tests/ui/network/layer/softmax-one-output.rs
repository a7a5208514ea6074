nn::network! {
    struct Net {
        input: 4,
        output: dense(1, softmax), //~ ERROR `softmax` over the 1 output of layer `output` is always 1
    }
}

fn main() {}
