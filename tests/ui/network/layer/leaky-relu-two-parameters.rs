nn::network! {
    struct Net {
        input: 4,
        hidden: dense(8, leaky_relu(0.01, 0.1)), //~ ERROR `leaky_relu` takes 1 parameter
        output: dense(2),
    }
}

fn main() {}
