nn::network! {
    struct Net {
        input: 4,
        loss: squared_error, //~ ERROR `loss` must come after the last layer
        output: dense(3),
    }
}

fn main() {}
