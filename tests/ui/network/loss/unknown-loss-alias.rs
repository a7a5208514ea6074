nn::network! {
    struct Net {
        input: 4,
        output: dense(3),
        loss: mse, //~ ERROR unknown loss `mse`; expected one of
    }
}

fn main() {}
