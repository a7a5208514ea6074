nn::network! {
    struct Net {
        input: 4,
        output: dense(2u8), //~ ERROR expected a width (a `usize`), found `2u8`
    }
}

fn main() {}
