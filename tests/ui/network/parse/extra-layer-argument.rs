nn::network! {
    struct Net {
        input: 4,
        output: dense(2, sigmoid, 3), //~ ERROR unexpected `3` after the activation
    }
}

fn main() {}
