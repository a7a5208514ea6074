nn::network! {
    struct Net {
        input: 4,
        : dense(2), //~ ERROR expected one of `input: WIDTH`, `NAME: dense(...)` or `loss: LOSS`, found `:`
    }
}

fn main() {}
