nn::network! {
    struct Net {
        input: 4,
        output: dense(), //~ ERROR expected a width
    }
}

fn main() {}
