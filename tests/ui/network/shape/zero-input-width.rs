nn::network! {
    struct Net {
        input: 0, //~ ERROR width of the input must be at least 1, found 0
        output: dense(2),
    }
}

fn main() {}
