nn::network! {
    struct Net {
        input: 4,
        hidden: dense(8, softmax), //~ ERROR `softmax` is only allowed on the output layer
        output: dense(2),
    }
}

fn main() {}
