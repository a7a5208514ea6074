nn::network! {
    struct Net {
        input: 4,
        hidden: dense(8, relu(0.1)), //~ ERROR `relu` takes no parameters
        output: dense(2),
    }
}

fn main() {}
