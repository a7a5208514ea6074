nn::network! {
    struct Net {
        hidden: dense(8, relu),
        input: 4, //~ ERROR `input` must be the first entry
        output: dense(2),
    }
}

fn main() {}
