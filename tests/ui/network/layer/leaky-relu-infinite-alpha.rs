nn::network! {
    struct Net {
        input: 4,
        hidden: dense(8, leaky_relu(1e999)), //~ ERROR the alpha of `leaky_relu` must be finite
        output: dense(2),
    }
}

fn main() {}
