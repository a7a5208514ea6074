nn::network! {
    struct Net {
        input: 4,
        output: dense(2),
    }
    loss: squared_error, //~ ERROR unexpected `loss` after the network's closing brace
}

fn main() {}
