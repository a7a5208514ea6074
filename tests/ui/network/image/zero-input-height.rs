nn::network! {
    struct Net {
        input: [1, 0, 8], //~ ERROR the input's height must be at least 1, found 0
        conv: conv2d(2, 1),
        flat: flatten,
        out: dense(2),
    }
}

fn main() {}
