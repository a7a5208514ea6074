nn::network! {
    struct Net {
        input: 4,
        output: dense(2, 0.5), //~ ERROR expected an activation (one of
    }
}

fn main() {}
