const HIDDEN: i32 = 8;

nn::network! {
    struct Net {
        input: 4,
        hidden: dense(HIDDEN, relu), //~ ERROR mismatched types
        output: dense(2),
    }
}

fn main() {}
