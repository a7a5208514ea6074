nn::network! {
    struct Net {
        input: 4,
        output: dense(3),
        loss: squared_error,
        loss: absolute_error, //~ ERROR `loss` is given twice
    }
}

fn main() {}
