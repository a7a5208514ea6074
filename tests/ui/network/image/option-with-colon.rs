nn::network! {
    struct Net {
        input: 4,
        a: dense(4, relu),
        out: dense(2, from: input), //~ ERROR expected `=` after `from`, found `:`
    }
}

fn main() {}
