nn::network! {
    struct Net {
        input: 4.0, //~ ERROR expected a width
        output: dense(2),
    }
}

fn main() {}
