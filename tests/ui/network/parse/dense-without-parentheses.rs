nn::network! {
    struct Net {
        input: 4,
        output: dense 2, //~ ERROR expected `(WIDTH)` or `(WIDTH, ACTIVATION)` after `dense`, found `2`
    }
}

fn main() {}
