nn::network! {
    struct Net {
        input: 4,
        input: 4, //~ ERROR `input` is given twice
        output: dense(2),
    }
}

fn main() {}
