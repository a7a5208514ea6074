nn::network! {
    struct Net {
        input: 4,
        output: dense(3),
        loss: squared_error(2.0), //~ ERROR `squared_error` takes no parameters
    }
}

fn main() {}
