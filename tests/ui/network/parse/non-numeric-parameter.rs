nn::network! {
    struct Net {
        input: 4,
        output: dense(2, leaky_relu(alpha)), //~ ERROR expected a number
    }
}

fn main() {}
