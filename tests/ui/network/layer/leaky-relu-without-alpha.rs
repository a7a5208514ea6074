nn::network! {
    struct Net {
        input: 4,
        hidden: dense(8, leaky_relu), //~ ERROR `leaky_relu` needs its alpha
        output: dense(2),
    }
}

fn main() {}
