nn::network! {
    struct Net {
        input: 4,
        side: dense(4, relu), //~ ERROR layer `side` is never used
        out: dense(2, from = input),
    }
}

fn main() {}
