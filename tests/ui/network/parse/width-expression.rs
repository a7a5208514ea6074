const HIDDEN: usize = 8;

nn::network! {
    struct Net {
        input: 4,
        hidden: dense(HIDDEN * 2, relu), //~ ERROR found an expression with `*`
        output: dense(2),
    }
}

fn main() {}
