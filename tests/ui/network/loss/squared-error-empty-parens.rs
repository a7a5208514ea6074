nn::network! {
    struct Net {
        input: 4,
        output: dense(3),
        loss: squared_error(), //~ ERROR `squared_error` takes no parameters; expected `squared_error` without parentheses
    }
}

fn main() {}
